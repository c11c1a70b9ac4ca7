/* file_copy.c - copies a file with positioned reads and writes on winpoll.h
   FDs (wp_fd_pread / wp_fd_pwrite), in 1 MiB blocks, with UTF-8 paths; the
   file positions are never moved. The paths come from wp_args, in UTF-8:
   main's argv is in the ANSI code page, where a name outside it arrives as
   '?'. With no arguments it makes a 5 MiB file with a CJK name in the
   temporary folder, copies it, and compares.

   Build:
     clang-cl:  clang-cl /W4 file_copy.c
     mingw-w64: x86_64-w64-mingw32-gcc -Wall file_copy.c -o file_copy.exe -lws2_32
   Run: file_copy [FROM TO] */
#define WINPOLL_IMPLEMENTATION
#include "../winpoll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (1u << 20)

static void fail(const char *what, long long r) {
    char text[256];
    wp_strerror(r, text, sizeof text);
    fprintf(stderr, "%s: %s (%s)\n", what, text, wp_error_name(r));
    exit(1);
}

/* Copies from to to; returns the bytes copied. */
static long long copy_file(const char *from, const char *to) {
    HANDLE hin, hout;
    wp_fd in, out;
    wp_file_info info;
    char *block = (char *)malloc(BLOCK);
    long long at = 0, r;
    if (block == NULL) fail("malloc", -ERROR_NOT_ENOUGH_MEMORY);
    if ((r = wp_open(from, WINPOLL_O_RDONLY, 0, &hin)) < 0) fail(from, r);
    if ((r = wp_open(to, WINPOLL_O_WRONLY | WINPOLL_O_CREAT | WINPOLL_O_TRUNC, 0666, &hout)) < 0) fail(to, r);
    wp_fd_init(&in, hin, 0);
    wp_fd_init(&out, hout, 0);
    if ((r = wp_fd_stat(&in, &info)) < 0) fail("stat", r);
    while (at < info.size) {
        long long got = wp_fd_pread(&in, block, BLOCK, at);
        if (got <= 0) fail("read", got < 0 ? got : -WINPOLL_ERR_EOF);
        if ((r = wp_fd_pwrite(&out, block, (size_t)got, at)) != got) fail("write", r < 0 ? r : -ERROR_WRITE_FAULT);
        at += got;
    }
    if ((r = wp_fd_sync(&out)) < 0) fail("sync", r);
    wp_fd_close(&in);
    wp_fd_close(&out);
    free(block);
    return at;
}

int main(void) {
    char dir[MAX_PATH * 3], from[MAX_PATH * 3 + 32], to[MAX_PATH * 3 + 32], *a, *b, **argv;
    WCHAR w[MAX_PATH];
    DWORD n;
    long long copied, need = wp_args(NULL, 0, NULL);
    int argc = 0;
    if (need < 0 || (argv = (char **)malloc((size_t)need)) == NULL) return 1;
    wp_args(argv, (size_t)need, &argc);
    if (argc == 3) {
        printf("copied %lld bytes\n", copy_file(argv[1], argv[2]));
        free(argv);
        return 0;
    }
    free(argv);
    /* the demonstration: 5 MiB, a name with CJK in it */
    n = GetTempPathW(MAX_PATH, w);
    wp_utf16_to_utf8(w, n, dir, sizeof dir);
    snprintf(from, sizeof from, "%swinpoll-\xE6\x95\xB0\xE6\x8D\xAE-%lu.bin", dir, (unsigned long)GetCurrentProcessId());
    snprintf(to, sizeof to, "%s.copy", from);
    a = (char *)malloc(5u << 20);
    b = (char *)malloc(5u << 20);
    if (a == NULL || b == NULL) return 1;
    for (n = 0; n < (5u << 20); n++) a[n] = (char)(n * 2654435761u >> 24);
    {
        HANDLE h;
        long long r = wp_open(from, WINPOLL_O_WRONLY | WINPOLL_O_CREAT | WINPOLL_O_TRUNC, 0666, &h);
        if (r < 0 || wp_write(h, a, 5u << 20) != (5 << 20)) fail("make the source", r);
        wp_close(h);
    }
    copied = copy_file(from, to);
    {
        HANDLE h;
        long long got = 0, r;
        if ((r = wp_open(to, WINPOLL_O_RDONLY, 0, &h)) < 0) fail(to, r);
        while (got < (5 << 20) && (r = wp_read(h, b + got, (5u << 20) - (size_t)got)) > 0) got += r;
        wp_close(h);
        printf("copied %lld bytes from \"%s\" to its .copy: %s\n", copied, from,
               got == (5 << 20) && memcmp(a, b, 5u << 20) == 0 ? "identical" : "DIFFERENT");
    }
    wp_unlink(from);
    wp_unlink(to);
    free(a);
    free(b);
    return 0;
}
