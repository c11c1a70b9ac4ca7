/* child.c - the program the process tests start. It writes to its standard
   output with WriteFile (no CRT text mode in the way):
     child cmdline        "CMD " + GetCommandLineW as UTF-8, then "ARG n <hex>" for
                          each argv the C runtime parsed (from 1)
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

int main(int argc, char **argv) {
    static char buf[65536];
    if (argc < 2) return 2;
    if (strcmp(argv[1], "cmdline") == 0) {
        int i;
        size_t k;
        out("CMD ");
        if (wp_utf16_to_utf8(GetCommandLineW(), WINPOLL_NUL_TERMINATED, buf, sizeof buf) < (long long)sizeof buf)
            out(buf);
        out("\n");
        for (i = 1; i < argc; i++) {
            char line[64];
            snprintf(line, sizeof line, "ARG %d ", i);
            out(line);
            for (k = 0; argv[i][k]; k++) {
                snprintf(line, sizeof line, "%02x", (unsigned char)argv[i][k]);
                out(line);
            }
            out("\n");
        }
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
