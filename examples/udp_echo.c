/* udp_echo.c - a UDP echo server on IPv4 and IPv6 at once, with its
   clients, on one loop: the server reads each datagram with its sender's
   address (printed as text, the IPv6 one in RFC 5952 form with brackets)
   and sends it back to that address; a datagram longer than the buffer is
   reported as truncated, not lost silently.

   Build:
     clang-cl:  clang-cl /W4 udp_echo.c
     mingw-w64: x86_64-w64-mingw32-gcc -Wall udp_echo.c -o udp_echo.exe -lws2_32 */
#define WINPOLL_IMPLEMENTATION
#include "../winpoll.h"

#include <stdio.h>
#include <string.h>

static int fail(const char *what, long long r) {
    char text[160];
    wp_strerror(r, text, sizeof text);
    fprintf(stderr, "udp_echo: %s: %s\n", what, text);
    return 1;
}

/* A UDP socket FD bound to host:0 (a free port), on the loop. */
static int udp_fd(wp_loop *loop, const char *host, wp_fd *fd, wp_sockaddr *bound) {
    SOCKET s;
    wp_sockaddr a;
    int r = wp_ip_parse(&a, host);
    if (r == 0) r = wp_socket(a.family, SOCK_DGRAM, IPPROTO_UDP, &s);
    if (r == 0 && (r = wp_bind(s, &a)) == 0 && (r = wp_getsockname(s, bound)) == 0 &&
        (r = wp_fd_init(fd, (HANDLE)s, 0)) == 0)
        r = wp_fd_attach(fd, loop);
    return r;
}

int main(void) {
    static const char *hosts[2] = {"127.0.0.1", "::1"};
    static const char *messages[3] = {"hello", "ünïcödé ✓", "a datagram longer than the sixteen bytes read"};
    wp_loop loop;
    int f, m, r;
    if ((r = wp_loop_init(&loop)) != 0) return fail("loop", r);
    for (f = 0; f < 2; f++) {
        wp_fd server, client;
        wp_sockaddr server_addr, client_addr, from;
        char text[96], buf[16], back[64];
        if ((r = udp_fd(&loop, hosts[f], &server, &server_addr)) != 0 ||
            (r = udp_fd(&loop, hosts[f], &client, &client_addr)) != 0)
            return fail(hosts[f], r);
        wp_sockaddr_format(&server_addr, text, sizeof text);
        printf("server on %s\n", text);
        for (m = 0; m < 3; m++) {
            int truncated = 0;
            long long n, got;
            size_t len = strlen(messages[m]);
            wp_fd_set_deadline(&server, WINPOLL_DEADLINE_READ, wp_monotonic_ns() + 5000000000ll);
            if ((n = wp_fd_writeto(&client, messages[m], len, &server_addr)) < 0) return fail("writeto", n);
            if ((n = wp_fd_readfrom(&server, buf, sizeof buf, &from, &truncated)) < 0) return fail("readfrom", n);
            wp_sockaddr_format(&from, text, sizeof text);
            printf("  %zu bytes from %s%s: %.*s\n", len, text, truncated ? ", truncated to 16" : "", (int)n, buf);
            if ((n = wp_fd_writeto(&server, buf, (size_t)n, &from)) < 0) return fail("writeto", n);
            if ((got = wp_fd_readfrom(&client, back, sizeof back, NULL, NULL)) < 0) return fail("readfrom", got);
            printf("  echoed back to it: %.*s\n", (int)got, back);
        }
        wp_fd_close(&server);
        wp_fd_close(&client);
    }
    wp_loop_close(&loop);
    return 0;
}
