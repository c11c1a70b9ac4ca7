/* bench_fdmu.c - the FD mutex, uncontended: ns per read-lock + unlock and
   per incref + decref (what every FD operation pays), against an SRWLOCK
   acquire + release, measured side by side in one run. Each pair is one
   compare-exchange to take and one to give back: 2 interlocked operations.
   10 repetitions of 10 million pairs; median with min-max.
   Run with `make bench`. */
#define WINPOLL_IMPLEMENTATION
#include "../../winpoll.h"

#include <stdio.h>
#include <stdlib.h>

#define PAIRS 10000000
#define REPS 10

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static wp_fd fd;
static SRWLOCK srw = SRWLOCK_INIT;

static double run(int which) {
    long long t0 = wp_monotonic_ns();
    int i;
    for (i = 0; i < PAIRS; i++) {
        if (which == 0) {
            if (wp__fdmu_rwlock(&fd, 1) != 0) abort();
            wp__fd_leave(&fd, 1);
        } else if (which == 1) {
            if (wp__fdmu_incref(&fd) != 0) abort();
            wp__fd_leave(&fd, 0);
        } else {
            AcquireSRWLockExclusive(&srw);
            ReleaseSRWLockExclusive(&srw);
        }
    }
    return (double)(wp_monotonic_ns() - t0) / PAIRS;
}

int main(void) {
    static const char *names[3] = {"FD read lock + unlock", "FD incref + decref", "SRWLOCK acquire + release"};
    double t[3][REPS], med[3];
    int w, r;
    HANDLE h;
    if (wp_open("NUL", WINPOLL_O_RDWR, 0, &h) != 0 || wp_fd_init(&fd, h, 0) != 0) return 1;
    for (r = 0; r < REPS; r++) /* interleaved, so that drift hits all alike */
        for (w = 0; w < 3; w++) t[w][r] = run(w);
    printf("| uncontended pair            | ns med | ns min-max   | vs SRWLOCK |\n");
    printf("|-----------------------------|--------|--------------|------------|\n");
    for (w = 0; w < 3; w++) {
        qsort(t[w], REPS, sizeof t[w][0], cmp_double);
        med[w] = (t[w][REPS / 2 - 1] + t[w][REPS / 2]) / 2;
    }
    for (w = 0; w < 3; w++)
        printf("| %-27s | %6.2f | %5.2f-%-6.2f | %9.2fx |\n", names[w], med[w], t[w][0], t[w][REPS - 1],
               med[w] / med[2]);
    printf("interlocked operations per FD pair: 2 (one compare-exchange each way); target <= 0.5x SRWLOCK\n");
    wp_fd_close(&fd);
    return 0;
}
