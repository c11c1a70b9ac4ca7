/* console_utf8.c - reads lines of Unicode from the console and writes them
   back transformed (each line's characters in reverse order, bracketed),
   through console FDs: ReadConsoleW/WriteConsoleW underneath, UTF-8 in the
   program, so CJK and emoji survive both ways whatever the code page.
   Ctrl-Z then Enter (or the end of a redirected input) ends it.

   Standard input or output redirected to a pipe or file is no console: the
   bytes then pass through unchanged, and the program works the same.

   Build:
     clang-cl:  clang-cl /W4 console_utf8.c
     mingw-w64: x86_64-w64-mingw32-gcc -Wall console_utf8.c -o console_utf8.exe -lws2_32 */
#define WINPOLL_IMPLEMENTATION
#include "../winpoll.h"

#include <string.h>

/* Reverses the UTF-8 characters of s[0..n) into out (same length). */
static void reverse_utf8(const char *s, size_t n, char *out) {
    size_t i = 0;
    while (i < n) {
        size_t len = 1;
        while (i + len < n && ((unsigned char)s[i + len] & 0xC0) == 0x80) len++;
        memcpy(out + n - i - len, s + i, len);
        i += len;
    }
}

int main(void) {
    HANDLE hin, hout;
    wp_fd in, out;
    char line[4096], rev[4096];
    size_t have = 0;
    if (wp_stdhandle(0, &hin) != 0 || wp_stdhandle(1, &hout) != 0) return 1;
    /* the FDs own what they get: give them duplicates of the standard handles */
    if (!DuplicateHandle(GetCurrentProcess(), hin, GetCurrentProcess(), &hin, 0, FALSE, DUPLICATE_SAME_ACCESS) ||
        !DuplicateHandle(GetCurrentProcess(), hout, GetCurrentProcess(), &hout, 0, FALSE, DUPLICATE_SAME_ACCESS))
        return 1;
    if (wp_fd_init(&in, hin, 0) != 0 || wp_fd_init(&out, hout, 0) != 0) return 1;
    if (in.kind == WINPOLL_KIND_CONSOLE) wp_fd_write(&out, "type lines (Ctrl-Z, Enter to end):\n", 36);
    for (;;) {
        long long n = wp_fd_read(&in, line + have, sizeof line - have);
        size_t start = 0, i;
        if (n <= 0) break; /* end of input, or an error */
        have += (size_t)n;
        for (i = 0; i < have; i++) {
            if (line[i] != '\n') continue;
            {
                size_t end = i > start && line[i - 1] == '\r' ? i - 1 : i;
                reverse_utf8(line + start, end - start, rev);
                wp_fd_write(&out, "[", 1);
                wp_fd_write(&out, rev, end - start);
                wp_fd_write(&out, "]\n", 2);
            }
            start = i + 1;
        }
        memmove(line, line + start, have - start);
        have -= start;
        if (have == sizeof line) have = 0; /* an endless line: drop it */
    }
    wp_fd_close(&in);
    wp_fd_close(&out);
    return 0;
}
