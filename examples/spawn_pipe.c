/* spawn_pipe.c - runs a child process with its standard input and output
   redirected to pipes and only those handles inherited (wp_spawn), writes to
   it and reads what it answers. The child is this program again, run with
   "--child", which prints its arguments as wp_args gives them and
   upper-cases its input; the arguments show how winpoll.h quotes them
   (spaces, quotes, an emoji) and that they arrive whole.

   Build:
     clang-cl:  clang-cl /W4 spawn_pipe.c
     mingw-w64: x86_64-w64-mingw32-gcc -Wall spawn_pipe.c -o spawn_pipe.exe -lws2_32 */
#define WINPOLL_IMPLEMENTATION
#include "../winpoll.h"

#include <stdio.h>
#include <string.h>

/* The child: its arguments as wp_args gives them (UTF-8, the emoji
   intact; main's argv would have '?' for it), then standard input to
   standard output, upper-cased. */
static int child(void) {
    static char *args[256]; /* wp_args' pointers, then its strings */
    HANDLE in, out;
    char buf[512];
    long long n, i;
    int argc = 0, k;
    if (wp_stdhandle(0, &in) != 0 || wp_stdhandle(1, &out) != 0) return 2;
    if (wp_args(args, sizeof args, &argc) > (long long)sizeof args) argc = 0; /* too long: nothing written */
    for (k = 2; k < argc; k++) { /* after the program and "--child" */
        wp_write(out, "[", 1);
        wp_write(out, args[k], strlen(args[k]));
        wp_write(out, "] ", 2);
    }
    wp_write(out, "\r\n", 2);
    while ((n = wp_read(in, buf, sizeof buf)) > 0) {
        for (i = 0; i < n; i++)
            if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] = (char)(buf[i] - 'a' + 'A');
        wp_write(out, buf, (size_t)n);
    }
    return 0;
}

int main(int argc, char **argv0) {
    static const char input[] = "pear\r\napple\r\nfig\r\n";
    const char *argv[] = { "spawn_pipe", "--child", "two words", "say \"hi\"", "\xF0\x9F\x98\x80", NULL };
    char cmdline[256], path[MAX_PATH * 3], out[1024];
    WCHAR w[MAX_PATH];
    HANDLE in_r, in_w, out_r, out_w;
    wp_spawn_options o;
    wp_process p;
    unsigned long code = 0;
    long long n, got = 0, r;
    DWORD len;
    if (argc > 1 && strcmp(argv0[1], "--child") == 0) return child();
    len = GetModuleFileNameW(NULL, w, MAX_PATH);
    wp_utf16_to_utf8(w, len, path, sizeof path);
    wp_command_line(argv, cmdline, sizeof cmdline);
    printf("command line: %s\n", cmdline);
    if (wp_pipe(&in_r, &in_w) != 0 || wp_pipe(&out_r, &out_w) != 0) return 1;
    memset(&o, 0, sizeof o);
    o.path = path;
    o.argv = argv;
    o.std_in = in_r;
    o.std_out = out_w;
    o.std_err = out_w;
    if ((r = wp_spawn(&o, &p)) != 0) {
        char text[200];
        wp_strerror(r, text, sizeof text);
        printf("spawn failed: %s\n", text);
        return 1;
    }
    wp_close(in_r); /* the child has its own copies now */
    wp_close(out_w);
    wp_write(in_w, input, sizeof input - 1);
    wp_close(in_w); /* end of its input: sort answers */
    while ((n = wp_read(out_r, out + got, sizeof out - 1 - (size_t)got)) > 0) got += n;
    out[got] = 0;
    wp_close(out_r);
    wp_wait(&p, 30000, &code);
    wp_process_close(&p);
    printf("the child (pid %lu) exited with %lu and said:\n%s", p.pid, code, out);
    return 0;
}
