/* bench_loop.c - what a loop turn costs as the loop holds more, and the
   user timers (completion-port mode):

   1. poll-turn cost: N UDP sockets on 127.0.0.1, each with an async
      readfrom pending (no data comes), N = 10, 1,000, 10,000, 20,000 (or
      as many as the process may open); the time of one wp_loop_poll(0)
      that finds nothing, beside one GetQueuedCompletionStatusEx(0) on a
      port of the same N sockets, in the same run.
   2. timer lateness: 1,000 timers at random times over a second, one
      thread in wp_loop_poll(WINPOLL_INFINITE): how late each is handed
      back (never early: the run fails if one is).
   3. arm and cancel cost at 1,000 and 100,000 timers armed (random
      times, cancelled in random order), per timer.

   Prints markdown tables. Run with `make bench`. */
#define WINPOLL_IMPLEMENTATION
#include "../../winpoll.h"

#include <stdio.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static unsigned long long rng = 88172645463325252ull;
static unsigned long long next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ---- 1. poll-turn cost ---- */

#define MOST 20000

static wp_fd fds[MOST];
static wp_async reads[MOST];
static char bytes[MOST];

/* ns per call of f over `calls` calls, the best of 5 runs. */
static double best_ns(int (*f)(void *), void *arg, int calls) {
    double best = 1e300;
    int run, i;
    for (run = 0; run < 5; run++) {
        long long t0 = wp_monotonic_ns();
        for (i = 0; i < calls; i++)
            if (f(arg) != 0) return -1;
        {
            double ns = (double)(wp_monotonic_ns() - t0) / calls;
            if (ns < best) best = ns;
        }
    }
    return best;
}

static int poll_once(void *arg) {
    wp_async *out[64];
    return wp_loop_poll((wp_loop *)arg, out, 64, 0);
}

static int port_once(void *arg) {
    OVERLAPPED_ENTRY e[64];
    ULONG n = 0;
    return GetQueuedCompletionStatusEx((HANDLE)arg, e, 64, &n, 0, FALSE) ? 1 : 0;
}

/* Holds up to sizes[k] sockets with a read pending each, on the loop
   (raw = 0) or on a plain port (raw = 1), timing a look at each size into
   ns[k]. Returns how many it could hold. */
static int hold_and_time(int raw, const int *sizes, int count, double *ns) {
    static SOCKET socks[MOST];
    static OVERLAPPED ov[MOST];
    wp_loop loop;
    HANDLE port = NULL;
    wp_sockaddr lo;
    int held = 0, k, i;
    wp_ip_parse(&lo, "127.0.0.1");
    if (raw ? (port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0)) == NULL : wp_loop_init(&loop) != 0) return 0;
    for (k = 0; k < count; k++) {
        while (held < sizes[k]) {
            SOCKET s;
            if (wp_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP, &s) != 0) break;
            if (wp_bind(s, &lo) != 0) {
                wp_closesocket(s);
                break;
            }
            socks[held] = s;
            if (raw) {
                WSABUF b;
                DWORD flags = 0, got;
                CreateIoCompletionPort((HANDLE)s, port, 0, 0);
                b.buf = &bytes[held];
                b.len = 1;
                if (WSARecv(s, &b, 1, &got, &flags, &ov[held], NULL) == 0 || WSAGetLastError() != WSA_IO_PENDING) break;
            } else {
                wp_fd_init(&fds[held], (HANDLE)s, WINPOLL_KIND_DGRAM_SOCKET);
                if (wp_fd_attach(&fds[held], &loop) != 0 ||
                    wp_async_readfrom(&reads[held], &fds[held], &bytes[held], 1, NULL) != 0)
                    break;
            }
            held++;
        }
        ns[k] = raw ? best_ns(port_once, port, 20000) : best_ns(poll_once, &loop, 20000);
        if (held < sizes[k]) break;
    }
    for (i = 0; i < held; i++) {
        if (raw) {
            closesocket(socks[i]);
        } else {
            wp_async *out[64];
            wp_fd_close(&fds[i]);
            while (wp_loop_poll(&loop, out, 64, 0) > 0) {
            }
        }
    }
    if (raw) {
        CloseHandle(port);
    } else {
        wp_async *out[64];
        while (wp_loop_poll(&loop, out, 64, 100) > 0) {
        }
        wp_loop_close(&loop);
    }
    return held;
}

static void turn_cost(void) {
    static const int sizes[] = {10, 1000, 10000, MOST};
    double ns[4] = {0, 0, 0, 0}, raw_ns[4] = {0, 0, 0, 0};
    int held = hold_and_time(0, sizes, 4, ns), raw_held = hold_and_time(1, sizes, 4, raw_ns), k;
    printf("\n| reads pending | wp_loop_poll(0) ns | GetQueuedCompletionStatusEx(0) ns | over the port call | over the 10 figure |\n");
    printf("|---|---|---|---|---|\n");
    for (k = 0; k < 4; k++) {
        int n = sizes[k] < held ? sizes[k] : held;
        if (k > 0 && held <= sizes[k - 1]) break;
        printf("| %d%s | %.0f | %.0f | %.2fx | %.2fx |\n", n, n < sizes[k] ? " (the most this process could open)" : "",
               ns[k], raw_ns[k], raw_held >= n ? ns[k] / raw_ns[k] : 0.0, ns[k] / ns[0]);
    }
}

/* ---- 2. timer lateness ---- */

#define LATE_N 1000

static void timer_lateness(void) {
    static wp_async t[LATE_N];
    static double late[LATE_N];
    wp_loop loop;
    long long t0;
    int i, got = 0;
    if (wp_loop_init(&loop) != 0) return;
    t0 = wp_monotonic_ns() + 10000000;
    for (i = 0; i < LATE_N; i++) {
        long long when = t0 + (long long)(next_random() % 1000000000);
        t[i].user = (void *)(ULONG_PTR)when;
        wp_async_timer(&t[i], &loop, when);
    }
    while (got < LATE_N) {
        wp_async *out[64];
        int n = wp_loop_poll(&loop, out, 64, WINPOLL_INFINITE), j;
        long long now = wp_monotonic_ns();
        for (j = 0; j < n; j++) {
            double ms = (double)(now - (long long)(ULONG_PTR)out[j]->user) / 1e6;
            if (ms < 0) {
                printf("a timer fired early, by %.3f ms\n", -ms);
                exit(3);
            }
            late[got++] = ms;
        }
    }
    qsort(late, LATE_N, sizeof late[0], cmp_double);
    printf("\n| timer lateness, %d timers over 1 s | min | p50 | p99 | max | high-resolution timer on the port |\n", LATE_N);
    printf("|---|---|---|---|---|---|\n");
    printf("| wp_async_timer | %.3f ms | %.3f ms | %.3f ms | %.3f ms | %s |\n", late[0], late[LATE_N / 2],
           late[LATE_N * 99 / 100], late[LATE_N - 1], loop.timer_packet != NULL ? "yes" : "no (the port wait's own ms timeout)");
    wp_loop_close(&loop);
}

/* ---- 3. arm and cancel cost ---- */

#define ARM_MOST 100000

static void arm_cancel(void) {
    static wp_async t[ARM_MOST];
    static int order[ARM_MOST];
    static const int sizes[] = {1000, ARM_MOST};
    int k;
    printf("\n| timers armed | arm ns each | cancel ns each (random order) | arm over the 1,000 figure |\n");
    printf("|---|---|---|---|\n");
    for (k = 0; k < 2; k++) {
        wp_loop loop;
        int n = sizes[k], i, got = 0;
        long long t0, base = wp_monotonic_ns() + 3600000000000ll;
        double arm, cancel;
        static double arm1k;
        if (wp_loop_init(&loop) != 0) return;
        for (i = 0; i < n; i++) order[i] = i;
        for (i = n - 1; i > 0; i--) {
            int j = (int)(next_random() % (unsigned long long)(i + 1)), x = order[i];
            order[i] = order[j];
            order[j] = x;
        }
        t0 = wp_monotonic_ns();
        for (i = 0; i < n; i++) wp_async_timer(&t[i], &loop, base + (long long)(next_random() % 1000000000000ll));
        arm = (double)(wp_monotonic_ns() - t0) / n;
        t0 = wp_monotonic_ns();
        for (i = 0; i < n; i++) wp_async_cancel(&t[order[i]]);
        cancel = (double)(wp_monotonic_ns() - t0) / n;
        while (got < n) {
            wp_async *out[64];
            int m = wp_loop_poll(&loop, out, 64, 0);
            if (m <= 0) break;
            got += m;
        }
        if (k == 0) arm1k = arm;
        printf("| %d | %.0f | %.0f | %.2fx |\n", n, arm, cancel, arm / arm1k);
        wp_loop_close(&loop);
    }
}

int main(void) {
    if (wp_init() != 0) return 1;
    turn_cost();
    timer_lateness();
    arm_cancel();
    return 0;
}
