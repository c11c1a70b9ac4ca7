/* bench_deadline.c - how late read deadlines fire on an attached socket
   FD (completion-port mode): 200 deadlines of 20 to 28 ms with no data,
   lateness after the deadline by wp_monotonic_ns, as min / p50 / p99 / max.
   A negative value would be a deadline fired early (the run then fails).
   Run with `make bench`. */
#define WINPOLL_IMPLEMENTATION
#include "../../winpoll.h"

#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 200

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void) {
    wp_loop loop;
    SOCKET l, c, s;
    wp_sockaddr lo, bound;
    wp_fd a, b;
    static double late[ROUNDS];
    char buf[4];
    int i;
    if (wp_loop_init(&loop) != 0 || wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &l) != 0) return 1;
    wp_ip_parse(&lo, "127.0.0.1");
    if (wp_bind(l, &lo) != 0 || wp_listen(l, 1) != 0 || wp_getsockname(l, &bound) != 0) return 1;
    if (wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &c) != 0 || wp_connect(c, &bound) != 0) return 1;
    if (wp_accept(l, &s, NULL) != 0) return 1;
    wp_fd_init(&a, (HANDLE)c, 0);
    wp_fd_init(&b, (HANDLE)s, 0);
    if (wp_fd_attach(&a, &loop) != 0 || wp_fd_attach(&b, &loop) != 0) return 1;
    for (i = 0; i < ROUNDS; i++) {
        long long dl = wp_monotonic_ns() + 20000000 + (i % 9) * 1000000;
        wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, dl);
        if (wp_fd_read(&b, buf, sizeof buf) != -WINPOLL_ERR_DEADLINE) return 2;
        late[i] = (double)(wp_monotonic_ns() - dl) / 1e6;
        if (late[i] < 0) return 3;
    }
    qsort(late, ROUNDS, sizeof late[0], cmp_double);
    printf("| read deadline lateness, %d deadlines | min %.2f ms | p50 %.2f ms | p99 %.2f ms | max %.2f ms |\n", ROUNDS,
           late[0], late[ROUNDS / 2], late[ROUNDS * 99 / 100], late[ROUNDS - 1]);
    wp_fd_close(&a);
    wp_fd_close(&b);
    wp_closesocket(l);
    wp_loop_close(&loop);
    return 0;
}
