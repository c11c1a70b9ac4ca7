/* echo_client.c - the client of echo_server.c, written in the blocking
   style: an FD on a loop, a connect bounded by a deadline, each message
   sent whole and its echo read back whole under a read deadline, the round
   trip timed.

       echo_client HOST PORT MESSAGE...
       echo_client HOST PORT --idle     (says nothing; reports when the server hangs up)

   Build:
     clang-cl:  clang-cl /W4 echo_client.c
     mingw-w64: x86_64-w64-mingw32-gcc -Wall echo_client.c -o echo_client.exe -lws2_32 */
#define WINPOLL_IMPLEMENTATION
#include "../winpoll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, long long r) {
    char text[160];
    wp_strerror(r, text, sizeof text);
    fprintf(stderr, "echo_client: %s: %s\n", what, text);
    return 1;
}

int main(void) {
    char **argv; /* from wp_args: host names and messages in UTF-8 */
    wp_loop loop;
    wp_fd fd;
    wp_sockaddr addr;
    SOCKET s;
    char back[4096];
    int i, n, argc = 0;
    long long r;
    long long need = wp_args(NULL, 0, NULL);
    if (need < 0 || (argv = (char **)malloc((size_t)need)) == NULL) return fail("arguments", -ERROR_NOT_ENOUGH_MEMORY);
    wp_args(argv, (size_t)need, &argc);
    if (argc < 4) {
        fprintf(stderr, "usage: echo_client HOST PORT MESSAGE...\n");
        return 2;
    }
    /* a numeric host, or a name to look up */
    if (wp_ip_parse(&addr, argv[1]) != 0 &&
        ((n = wp_getaddrinfo(argv[1], 0, AF_UNSPEC, 0, &addr, 1)) < 1))
        return fail(argv[1], n < 0 ? n : -WSAHOST_NOT_FOUND);
    addr.port = (unsigned short)atoi(argv[2]);
    if ((r = wp_loop_init(&loop)) != 0) return fail("loop", r);
    if ((r = wp_socket(addr.family, SOCK_STREAM, IPPROTO_TCP, &s)) != 0) return fail("socket", r);
    if ((r = wp_fd_init(&fd, (HANDLE)s, 0)) != 0 || (r = wp_fd_attach(&fd, &loop)) != 0) return fail("fd", r);
    wp_fd_set_deadline(&fd, WINPOLL_DEADLINE_WRITE, wp_monotonic_ns() + 5000000000ll); /* connect within 5 s */
    if ((r = wp_fd_connect(&fd, &addr)) != 0) return fail("connect", r);
    wp_fd_set_deadline(&fd, WINPOLL_DEADLINE_WRITE, 0);
    if (strcmp(argv[3], "--idle") == 0) {
        long long t0 = wp_monotonic_ns();
        r = wp_fd_read(&fd, back, sizeof back);
        printf("idle: the server hung up after %.1f s (read returned %lld)\n", (double)(wp_monotonic_ns() - t0) / 1e9, r);
        argc = 3; /* nothing to send */
    }
    for (i = 3; i < argc; i++) {
        size_t len = strlen(argv[i]), got = 0;
        long long t0 = wp_monotonic_ns();
        if (len > sizeof back) len = sizeof back;
        if ((r = wp_fd_write(&fd, argv[i], len)) != (long long)len) return fail("write", r < 0 ? r : -WSAECONNRESET);
        wp_fd_set_deadline(&fd, WINPOLL_DEADLINE_READ, wp_monotonic_ns() + 5000000000ll);
        while (got < len) { /* a stream: the echo may come in pieces */
            r = wp_fd_read(&fd, back + got, len - got);
            if (r <= 0) return fail("read", r == 0 ? -WSAECONNRESET : r);
            got += (size_t)r;
        }
        printf("sent %zu bytes, got them back in %.2f ms: %.*s\n", len, (double)(wp_monotonic_ns() - t0) / 1e6,
               (int)len, back);
    }
    wp_fd_close(&fd);
    wp_loop_close(&loop);
    return 0;
}
