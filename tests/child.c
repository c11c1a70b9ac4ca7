/* child.c - the program the process tests start. It writes to its standard
   output with WriteFile (no CRT text mode in the way):
     child cmdline        "CMD " + GetCommandLineW as UTF-8, then "ARG n <hex>" for
                          each argv the C runtime parsed (from 1)
     child args ...       "ARGC n", then "U8 i <hex>" for each argument wp_args
                          gives (from 0)
     child echo           copies standard input to standard output until end of file
     child probe H NAME   "INHERITED" if handle value H (decimal) is open here on a
                          file whose path contains NAME, else "NOT-INHERITED"
     child exit N         exits with code N
     child sleep MS       sleeps, then exits 0
     child cwd            its working directory
     child env NAME       the variable's value, or "(unset)"
     child ppid           its parent's process id */
#define WINPOLL_IMPLEMENTATION
#include "../winpoll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out(const char *s) {
    DWORD n;
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), s, (DWORD)strlen(s), &n, NULL);
}

/* One line: tag, index, then the bytes of s in hex. */
static void out_hex(const char *tag, int i, const char *s) {
    char line[64];
    size_t k;
    snprintf(line, sizeof line, "%s %d ", tag, i);
    out(line);
    for (k = 0; s[k]; k++) {
        snprintf(line, sizeof line, "%02x", (unsigned char)s[k]);
        out(line);
    }
    out("\n");
}

/* The args mode: what wp_args gives. Chosen by wp_args' own argv[1], so
   that a command line the C runtime splits otherwise still reaches it;
   returns -1 for the other modes. asked: the C runtime's argv[1] is "args". */
static int args_mode(int asked) {
    static char *a[8192]; /* pointers first, so aligned for them */
    char line[64];
    int n = -1, i;
    long long need = wp_args(NULL, 0, &n);
    if (need <= 0 || need > (long long)sizeof a || wp_args(a, sizeof a, &n) != need) return asked ? 3 : -1;
    if (n < 2 || strcmp(a[1], "args") != 0) return -1;
    snprintf(line, sizeof line, "ARGC %d\n", n);
    out(line);
    for (i = 0; i < n; i++) out_hex("U8", i, a[i]);
    return a[n] == NULL ? 0 : 4;
}

int main(int argc, char **argv) {
    static char buf[65536];
    int r = args_mode(argc >= 2 && strcmp(argv[1], "args") == 0);
    if (r >= 0) return r;
    if (argc < 2) return 2;
    if (strcmp(argv[1], "cmdline") == 0) {
        int i;
        out("CMD ");
        if (wp_utf16_to_utf8(GetCommandLineW(), WINPOLL_NUL_TERMINATED, buf, sizeof buf) < (long long)sizeof buf)
            out(buf);
        out("\n");
        for (i = 1; i < argc; i++) out_hex("ARG", i, argv[i]);
        return 0;
    }
    if (strcmp(argv[1], "echo") == 0) {
        HANDLE in = GetStdHandle(STD_INPUT_HANDLE), o = GetStdHandle(STD_OUTPUT_HANDLE);
        long long n;
        while ((n = wp_read(in, buf, sizeof buf)) > 0)
            if (wp_write(o, buf, (size_t)n) != n) return 3;
        return n < 0 ? 4 : 0;
    }
    if (strcmp(argv[1], "probe") == 0 && argc == 4) {
        HANDLE h = (HANDLE)(ULONG_PTR)strtoull(argv[2], NULL, 10);
        WCHAR w[2048];
        DWORD n = GetFinalPathNameByHandleW(h, w, 2048, 0);
        if (n > 0 && n < 2048 && wp_utf16_to_utf8(w, n, buf, sizeof buf) > 0 && strstr(buf, argv[3]) != NULL)
            out("INHERITED\n");
        else
            out("NOT-INHERITED\n");
        return 0;
    }
    if (strcmp(argv[1], "exit") == 0 && argc == 3) return atoi(argv[2]);
    if (strcmp(argv[1], "sleep") == 0 && argc == 3) {
        Sleep((DWORD)atoi(argv[2]));
        return 0;
    }
    if (strcmp(argv[1], "cwd") == 0) {
        if (wp_getwd(buf, sizeof buf) >= (long long)sizeof buf) return 5;
        out(buf);
        return 0;
    }
    if (strcmp(argv[1], "env") == 0 && argc == 3) {
        WCHAR name[256], value[1024];
        DWORD n;
        if (wp_utf8_to_utf16(argv[2], WINPOLL_NUL_TERMINATED, name, 256) >= 256) return 6;
        n = GetEnvironmentVariableW(name, value, 1024);
        if (n == 0 || n >= 1024) {
            out("(unset)");
            return 0;
        }
        wp_utf16_to_utf8(value, n, buf, sizeof buf);
        out(buf);
        return 0;
    }
    if (strcmp(argv[1], "ppid") == 0) {
        snprintf(buf, sizeof buf, "%lld", wp_getppid());
        out(buf);
        return 0;
    }
    return 2;
}
