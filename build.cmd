@echo off
rem build.cmd - build every test suite and example in both modes with cl or
rem clang-cl, then run the suites; from a Developer Command Prompt, with no
rem other tool (no make, no sh).
rem
rem   build.cmd            clang-cl when it is on PATH, else cl
rem   build.cmd cl         MSVC's compiler
rem   build.cmd clang-cl
rem
rem Output goes to build\win-COMPILER-MODE\; the last line is
rem "N passed, N failed, N skipped" and the exit status is 1 on any failure.
setlocal enabledelayedexpansion
set CC=%~1
if "%CC%"=="" (
    where clang-cl >nul 2>nul && (set CC=clang-cl) || (set CC=cl)
)
rem The tests (not the header) use fopen and sscanf, which the UCRT deprecates.
set FLAGS=/nologo /O2 /W4 /WX /D_CRT_SECURE_NO_WARNINGS
set SUITES=
for %%m in (iocp blocking) do (
    set OUT=build\win-%CC%-%%m
    if not exist !OUT! mkdir !OUT!
    set MODE=
    if %%m==blocking set MODE=/DWINPOLL_BLOCKING
    for %%f in (tests\test_*.c tests\child.c) do (
        %CC% %FLAGS% !MODE! /Fo!OUT!\ /Fe!OUT!\%%~nf.exe %%f || exit /b 1
        if not "%%~nf"=="child" set SUITES=!SUITES! !OUT!\%%~nf.exe
    )
    for %%f in (examples\*.c) do (
        %CC% %FLAGS% !MODE! /Fo!OUT!\ /Fe!OUT!\ex_%%~nf.exe %%f || exit /b 1
    )
)
%CC% %FLAGS% /Fobuild\ /Febuild\driver.exe tests\driver.c || exit /b 1
build\driver.exe --timeout 120 %SUITES%
