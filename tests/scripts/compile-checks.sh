#!/bin/sh
# compile-checks.sh - the compile-only checks of winpoll.h, one result line each
# ("PASS compile/TOOL/NAME", "FAIL ..." with the compiler's first lines after it),
# in the format the test driver counts. Run by the Makefile, which passes:
#   CLANG_CL CL_SDK MINGW_CC BUILD HOST (and LLD_LINK WINE_LIB on Linux)
# Every check compiles with warnings as errors. The must-fail checks pass only
# when the compiler fails with the header's own #error text.
set -u
cd "$(dirname "$0")/../compile" || exit 1
out="../../$BUILD/compile"
mkdir -p "$out"
log="$out/last.log"
status=0

# Wine's SDK needs this rename in C++ (and on ARM64); real SDKs do not.
WINE_FIX=""
[ "$HOST" = linux ] && WINE_FIX="-D_InterlockedCompareExchange128=__wine_InterlockedCompareExchange128"

gcc_c()    { "$MINGW_CC" -std=c99 -Wall -Wextra -Wpedantic -Werror "$@"; }
gcc_cxx()  { "${MINGW_CC%gcc}g++" -x c++ -Wall -Wextra -Wpedantic -Werror "$@"; }
cl_c()     { t=$1; shift; $CLANG_CL --target=$t-pc-windows-msvc /nologo /W4 /WX $CL_SDK "$@"; }

report() { # report NAME RC [EXPECTED-ERROR-TEXT]
    name=$1 rc=$2 want=${3:-}
    if [ -z "$want" ] && [ "$rc" = 0 ]; then
        echo "PASS compile/$name"
    elif [ -n "$want" ] && [ "$rc" != 0 ] && grep -qF -- "$want" "$log"; then
        echo "PASS compile/$name"
    else
        if [ -n "$want" ]; then
            echo "  expected the build to fail with: $want (rc=$rc)"
        fi
        sed -n '1,12s/^/  /p' "$log"
        echo "FAIL compile/$name"
        status=1
    fi
}

# ok TOOL NAME FILE [FLAGS...]: must compile (syntax and semantics, no link)
ok() {
    tool=$1 name=$2 file=$3; shift 3
    case $tool in
        gcc)       gcc_c -fsyntax-only "$@" "$file" > "$log" 2>&1 ;;
        g++)       gcc_cxx -fsyntax-only "$@" "$file" > "$log" 2>&1 ;;
        clang-cl)  cl_c x86_64 /Zs "$@" -- "$file" > "$log" 2>&1 ;;
        clang-cl++) cl_c x86_64 /Zs /TP $WINE_FIX "$@" -- "$file" > "$log" 2>&1 ;;
        clang-cl-x86) cl_c i686 /Zs "$@" -- "$file" > "$log" 2>&1 ;;
        clang-cl-x86-sse2) cl_c i686 /Zs /arch:SSE2 "$@" -- "$file" > "$log" 2>&1 ;; # MSVC's x86 default
        clang-cl-arm64) cl_c aarch64 /Zs $WINE_FIX "$@" -- "$file" > "$log" 2>&1 ;;
    esac
    report "$tool/$name" $?
}

# fails TOOL NAME FILE TEXT: must fail with TEXT
fails() {
    tool=$1 name=$2 file=$3 text=$4
    case $tool in
        gcc)      gcc_c -fsyntax-only "$file" > "$log" 2>&1 ;;
        clang-cl) cl_c x86_64 /Zs -- "$file" > "$log" 2>&1 ;;
    esac
    report "$tool/$name" $? "$text"
}

for mode in iocp blocking; do
    m=""; [ $mode = blocking ] && m="-DWINPOLL_BLOCKING"
    for tool in gcc g++ clang-cl clang-cl++ clang-cl-x86 clang-cl-x86-sse2 clang-cl-arm64; do
        case $tool in g*) [ -n "$MINGW_CC" ] || continue ;; esac
        ok $tool header-$mode impl.c $m
    done
done

for tool in gcc clang-cl; do
    case $tool in g*) [ -n "$MINGW_CC" ] || continue ;; esac
    ok $tool declarations-only decl_only.c
    ok $tool unity-twice unity.c
    ok $tool readme-echo-server readme_echo.c
    ok $tool windows-h-lean-first windows_first_lean.c
    ok $tool windows-h-after-and-hygiene windows_after.c
    ok $tool user-macros-kept user_macros_kept.c
    fails $tool must-fail-windows-h-first fail_windows_first.c "<winsock.h> was included before winpoll.h"
    fails $tool must-fail-winsock-h-first fail_winsock_first.c "<winsock.h> was included before winpoll.h"
    fails $tool must-fail-two-modes fail_two_modes.c "WINPOLL_BLOCKING and WINPOLL_IOCP are both defined"
    fails $tool must-fail-partial-alloc-hooks fail_partial_alloc.c \
        "define WINPOLL_MALLOC, WINPOLL_REALLOC and WINPOLL_FREE all together"
    fails $tool must-fail-old-win32-winnt fail_old_winnt.c "_WIN32_WINNT is below 0x0600"
done

# The README's quick-start server is the code readme_echo.c compiles.
sed -n '/^A whole echo server/,/^```$/p' ../../README.md | sed -n '/^#define WINPOLL_IMPLEMENTATION/,/^}/p' \
    > "$out/readme-block.c"
sed -n '/^#define WINPOLL_IMPLEMENTATION/,/^}/p' readme_echo.c | sed 's|"../../winpoll.h"|"winpoll.h"|' \
    | diff "$out/readme-block.c" - > "$log" 2>&1 && [ -s "$out/readme-block.c" ]
report readme-quick-start-is-readme_echo.c $?

# WINPOLL_STATIC: two files, one program, no duplicate symbol.
if [ -n "$MINGW_CC" ]; then
    gcc_c -O1 -o "$out/static-gcc.exe" static_a.c static_b.c -lws2_32 > "$log" 2>&1
    report gcc/static-two-files-link $?
fi
{
    cl_c x86_64 /c /Fo"$out/static_a.obj" -- static_a.c &&
    cl_c x86_64 /c /Fo"$out/static_b.obj" -- static_b.c &&
    if [ "$HOST" = linux ]; then
        # lld-link reads a leading '/' as an option: give it relative paths.
        (cd "$out" && $LLD_LINK /nologo /subsystem:console /entry:mainCRTStartup /libpath:"$WINE_LIB" \
            /out:static-clang.exe static_a.obj static_b.obj libwinecrt0.a libucrtbase.a libkernel32.a \
            libws2_32.a /nodefaultlib)
    else
        $CLANG_CL /nologo "$out/static_a.obj" "$out/static_b.obj" /Fe"$out/static-clang.exe" ws2_32.lib
    fi
} > "$log" 2>&1
report clang-cl/static-two-files-link $?

exit 0
