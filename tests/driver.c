/* driver.c - runs winpoll.h test suites, each in its own process, and adds up their counts.

   driver.exe [--timeout SECONDS] [--filter TEXT]... [--results FILE]... SUITE.exe...

   Each suite runs with --marks, so the driver always knows which test is
   running. A suite that dies inside a test (a crash, a UBSan trap, an abort)
   or runs a test longer than --timeout (default 120 s) has that test counted as
   failed, and the suite is started again after it (--after NAME), so one
   crash never hides the other tests. A --results file holds lines the build
   wrote itself (the compile-only checks): PASS/FAIL/SKIP lines in the suites'
   format, counted the same way.

   Output: every suite's lines with the suite's name in front of each test name
   ("PASS gcc-iocp/test_core/strerror_text (1 ms)"), a line per suite, and last
   "N passed, N failed, N skipped". Exit status 1 if anything failed or nothing
   ran. Built for Windows; under Wine it runs as one wine process. */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct suite_run {
    const char *label;
    HANDLE pipe;
    CRITICAL_SECTION lock;
    char current[256]; /* the test running now, "" between tests */
    ULONGLONG current_start;
    int passed, failed, skipped;
    int saw_summary;
} suite_run;

static int total_passed, total_failed, total_skipped;

/* Handles one line of a suite's output. */
static void suite_line(suite_run *s, char *line) {
    size_t n = strlen(line);
    int a, b, c;
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n')) line[--n] = 0;
    EnterCriticalSection(&s->lock);
    if (strncmp(line, "RUN ", 4) == 0) {
        snprintf(s->current, sizeof s->current, "%s", line + 4);
        s->current_start = GetTickCount64();
    } else if (strncmp(line, "PASS ", 5) == 0 || strncmp(line, "FAIL ", 5) == 0 || strncmp(line, "SKIP ", 5) == 0) {
        if (line[0] == 'P') s->passed++;
        else if (line[0] == 'F') s->failed++;
        else s->skipped++;
        s->current[0] = 0;
        printf("%.5s%s/%s\n", line, s->label, line + 5);
    } else if (sscanf(line, "%d passed, %d failed, %d skipped", &a, &b, &c) == 3) {
        s->saw_summary = 1;
    } else {
        printf("%s\n", line);
    }
    fflush(stdout);
    LeaveCriticalSection(&s->lock);
}

static DWORD WINAPI suite_reader(LPVOID arg) {
    suite_run *s = (suite_run *)arg;
    char buf[4096], line[8192];
    size_t len = 0;
    DWORD got, i;
    while (ReadFile(s->pipe, buf, sizeof buf, &got, NULL) && got > 0) {
        for (i = 0; i < got; i++) {
            if (buf[i] == '\n' || len == sizeof line - 1) {
                line[len] = 0;
                suite_line(s, line);
                len = 0;
                if (buf[i] == '\n') continue;
            }
            line[len++] = buf[i];
        }
    }
    if (len > 0) {
        line[len] = 0;
        suite_line(s, line);
    }
    return 0;
}

/* Runs exe once; returns its exit code, or -1 if it could not start. Sets
   *timed_out when the driver ended it for running one test too long. */
static long run_once(suite_run *s, const char *exe, const char *after, int argc, char **argv, DWORD timeout_s,
                     int *timed_out) {
    char cmd[8192];
    size_t n;
    int i;
    SECURITY_ATTRIBUTES sa;
    HANDLE rd, wr, thread;
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    DWORD code = 0;

    *timed_out = 0;
    n = (size_t)snprintf(cmd, sizeof cmd, "\"%s\" --marks", exe);
    if (after != NULL) n += (size_t)snprintf(cmd + n, sizeof cmd - n, " --after \"%s\"", after);
    for (i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--filter") == 0) n += (size_t)snprintf(cmd + n, sizeof cmd - n, " --filter \"%s\"", argv[++i]);
    for (i = 0; cmd[i]; i++)
        if (cmd[i] == '/') cmd[i] = '\\';

    sa.nLength = sizeof sa;
    sa.lpSecurityDescriptor = NULL;
    sa.bInheritHandle = TRUE;
    if (!CreatePipe(&rd, &wr, &sa, 0)) return -1;
    SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = wr;
    si.hStdError = wr;
    for (i = 0;; i++) {
        DWORD e;
        if (CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) break;
        e = GetLastError();
        /* A missing program is an answer. Anything else before the program
           ran (Wine once gave ERROR_INTERNAL_ERROR under load) is the
           machine's, not the test's: try again a few times. */
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND || i == 4) {
            printf("cannot start %s: error %lu\n", cmd, (unsigned long)e);
            CloseHandle(rd);
            CloseHandle(wr);
            return -1;
        }
        printf("  starting %s failed with error %lu; trying again\n", exe, (unsigned long)e);
        Sleep(500 * (DWORD)(i + 1));
    }
    CloseHandle(wr);
    CloseHandle(pi.hThread);
    s->pipe = rd;
    s->current[0] = 0;
    s->saw_summary = 0;
    thread = CreateThread(NULL, 0, suite_reader, s, 0, NULL);
    for (;;) {
        int over;
        if (WaitForSingleObject(pi.hProcess, 500) == WAIT_OBJECT_0) break;
        EnterCriticalSection(&s->lock);
        over = s->current[0] != 0 && GetTickCount64() - s->current_start > (ULONGLONG)timeout_s * 1000;
        LeaveCriticalSection(&s->lock);
        if (over) {
            *timed_out = 1;
            TerminateProcess(pi.hProcess, 0xDEAD);
            WaitForSingleObject(pi.hProcess, INFINITE);
            break;
        }
    }
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    /* The pipe ends when the last writer is gone; a grandchild that kept it
       open must not hang the run. */
    if (WaitForSingleObject(thread, 10000) != WAIT_OBJECT_0) {
        CancelSynchronousIo(thread);
        WaitForSingleObject(thread, 5000);
    }
    CloseHandle(thread);
    CloseHandle(rd);
    return (long)code;
}

/* "build/gcc-iocp/test_core.exe" -> "gcc-iocp/test_core" */
static void make_label(const char *exe, char *out, size_t size) {
    const char *p = exe, *slash1 = NULL, *slash2 = NULL, *q;
    size_t n;
    for (q = exe; *q; q++)
        if (*q == '/' || *q == '\\') {
            slash2 = slash1;
            slash1 = q;
        }
    if (slash2 != NULL) p = slash2 + 1;
    else if (slash1 != NULL) p = slash1 + 1;
    n = strlen(p);
    if (n > 4 && _stricmp(p + n - 4, ".exe") == 0) n -= 4;
    if (n >= size) n = size - 1;
    memcpy(out, p, n);
    out[n] = 0;
    for (q = out; *q; q++)
        if (*q == '\\') out[q - out] = '/';
}

static void run_suite(const char *exe, int argc, char **argv, DWORD timeout_s) {
    suite_run s;
    char label[256], after[256];
    int have_after = 0;
    ULONGLONG t0 = GetTickCount64();
    memset(&s, 0, sizeof s);
    InitializeCriticalSection(&s.lock);
    make_label(exe, label, sizeof label);
    s.label = label;
    for (;;) {
        int timed_out;
        long code = run_once(&s, exe, have_after ? after : NULL, argc, argv, timeout_s, &timed_out);
        if (code == -1) {
            printf("FAIL %s: could not be started\n", label);
            s.failed++;
            break;
        }
        if (s.current[0] != 0) {
            /* Died, or was ended, inside a test: that test failed; go on after it. */
            if (timed_out)
                printf("  the test ran longer than %lu s and was ended\n", (unsigned long)timeout_s);
            else
                printf("  the process died inside the test with exit code 0x%08lx\n", (unsigned long)code);
            printf("FAIL %s/%s\n", label, s.current);
            s.failed++;
            snprintf(after, sizeof after, "%s", s.current);
            have_after = 1;
            continue;
        }
        if (!s.saw_summary) {
            printf("FAIL %s: exited with code 0x%08lx outside any test, without its summary\n", label,
                   (unsigned long)code);
            s.failed++;
        } else if (code != 0 && s.failed == 0) {
            printf("FAIL %s: exit code 0x%08lx although no test failed\n", label, (unsigned long)code);
            s.failed++;
        }
        break;
    }
    printf("-- %s (%.1f s): pass %d, fail %d, skip %d\n", label, (double)(GetTickCount64() - t0) / 1000.0, s.passed,
           s.failed, s.skipped);
    fflush(stdout);
    total_passed += s.passed;
    total_failed += s.failed;
    total_skipped += s.skipped;
    DeleteCriticalSection(&s.lock);
}

static void read_results(const char *path) {
    FILE *f = fopen(path, "r");
    char line[4096];
    if (f == NULL) {
        printf("FAIL results file %s: cannot be read\n", path);
        total_failed++;
        return;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n')) line[--n] = 0;
        if (strncmp(line, "PASS ", 5) == 0) total_passed++;
        else if (strncmp(line, "FAIL ", 5) == 0) total_failed++;
        else if (strncmp(line, "SKIP ", 5) == 0) total_skipped++;
        printf("%s\n", line);
    }
    fclose(f);
}

int main(int argc, char **argv) {
    DWORD timeout_s = 120;
    int i, suites = 0;
    /* Children inherit the error mode: a crashing suite then dies at once
       instead of starting a debugger (Wine) or a crash dialog (Windows). */
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) timeout_s = (DWORD)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) i++;
        else if (strcmp(argv[i], "--results") == 0 && i + 1 < argc) read_results(argv[++i]);
        else {
            run_suite(argv[i], argc, argv, timeout_s);
            suites++;
        }
    }
    if (suites == 0 && total_passed + total_failed + total_skipped == 0) {
        fprintf(stderr, "usage: driver [--timeout S] [--filter TEXT]... [--results FILE]... SUITE.exe...\n");
        return 2;
    }
    printf("%d passed, %d failed, %d skipped\n", total_passed, total_failed, total_skipped);
    fflush(stdout);
    return total_failed > 0 || total_passed == 0 ? 1 : 0;
}
