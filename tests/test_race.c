/* test_race.c - the races between a blocked operation and another thread,
   each run 200 times over real loopback sockets, in both modes:
   close while a read is blocked (or about to block), a deadline set in the
   past while a read is blocked and data arrives at the same moment, and a
   deadline racing a write that fills the socket. Every iteration must end
   (bounded waits), give a documented result, and lose no byte. */
#include "suite.h"

#include <string.h>

#define ITERATIONS 200

static wp_loop loop;

static void loop_setup(void) {
    static int done;
    if (!done) done = wp_loop_init(&loop) == 0;
}

typedef struct reader {
    wp_fd *fd;
    HANDLE go;             /* released when the reader should start */
    volatile long long result;
    char buf[16];
} reader;

static DWORD WINAPI read_once(LPVOID arg) {
    reader *r = (reader *)arg;
    WaitForSingleObject(r->go, INFINITE);
    r->result = wp_fd_read(r->fd, r->buf, sizeof r->buf);
    return 0;
}

/* Starts a thread that reads once from fd into r. */
static HANDLE start_reader(reader *r, wp_fd *fd) {
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->result = 12345;
    r->go = CreateEventW(NULL, TRUE, FALSE, NULL);
    return CreateThread(NULL, 0, read_once, r, 0, NULL);
}

/* A small spread of delays: 0, a yield, or up to about 2 ms. */
static void jitter(unsigned i) {
    unsigned k = (i * 2654435761u) >> 28;
    if (k < 4) return;
    if (k < 8) {
        SwitchToThread();
        return;
    }
    Sleep(k & 1);
}

static void close_races_a_blocked_read(void) {
    unsigned i;
    int closed = 0, data = 0;
    loop_setup();
    for (i = 0; i < ITERATIONS; i++) {
        wp_fd a, b;
        reader r;
        HANDLE t;
        long long t0;
        WPT_CHECK(suite_fd_pair(&loop, AF_INET, &a, &b));
        t = start_reader(&r, &b);
        SetEvent(r.go);
        if (i % 3 == 0) WPT_EQ(wp_fd_write(&a, "x", 1), 1); /* sometimes data wins */
        jitter(i);
        t0 = wp_monotonic_ns();
        WPT_OK(wp_fd_close(&b));
        WPT_CHECK(wp_monotonic_ns() - t0 < 2000000000ll);
        WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
        CloseHandle(t);
        CloseHandle(r.go);
        if (r.result == 1) {
            WPT_EQ(r.buf[0], 'x');
            WPT_EQ(i % 3, 0);
            data++;
        } else {
            WPT_ERR(r.result, WINPOLL_ERR_NET_CLOSING);
            closed++;
        }
        WPT_OK(wp_fd_close(&a));
    }
    printf("    %d iterations: %d read data, %d got the closing error\n", ITERATIONS, data, closed);
    WPT_CHECK(closed > 0);
}

static void past_deadline_races_arriving_data(void) {
    unsigned i;
    int timed_out = 0, got_data = 0;
    loop_setup();
    for (i = 0; i < ITERATIONS; i++) {
        wp_fd a, b;
        reader r;
        HANDLE t;
        WPT_CHECK(suite_fd_pair(&loop, AF_INET, &a, &b));
        t = start_reader(&r, &b);
        SetEvent(r.go);
        jitter(i);
        /* the deadline and a byte, as close together as we can */
        if (i & 1) {
            WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, wp_monotonic_ns()));
            WPT_EQ(wp_fd_write(&a, "y", 1), 1);
        } else {
            WPT_EQ(wp_fd_write(&a, "y", 1), 1);
            WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, wp_monotonic_ns()));
        }
        WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
        CloseHandle(t);
        CloseHandle(r.go);
        WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, 0));
        if (r.result == 1) {
            WPT_EQ(r.buf[0], 'y');
            got_data++;
        } else {
            /* timed out: the byte is still there, not lost */
            char c = 0;
            WPT_ERR(r.result, WINPOLL_ERR_DEADLINE);
            WPT_EQ(wp_fd_read(&b, &c, 1), 1);
            WPT_EQ(c, 'y');
            timed_out++;
        }
        WPT_OK(wp_fd_close(&a));
        WPT_OK(wp_fd_close(&b));
    }
    printf("    %d iterations: %d read the byte, %d timed out and read it after\n", ITERATIONS, got_data,
           timed_out);
}

typedef struct writer {
    wp_fd *fd;
    const char *buf;
    size_t n;
    volatile long long result;
} writer;

static DWORD WINAPI write_all(LPVOID arg) {
    writer *w = (writer *)arg;
    w->result = wp_fd_write(w->fd, w->buf, w->n);
    return 0;
}

/* A write that fills the socket, cut by its deadline: what it reports
   written is exactly what the peer receives, byte for byte. */
static void write_deadline_counts_exactly(void) {
    static char out[4 << 20], in[4 << 20];
    unsigned i, j, rounds = ITERATIONS / 10;
    loop_setup();
    for (j = 0; j < sizeof out; j++) out[j] = (char)(j * 131 + (j >> 9));
    for (i = 0; i < rounds; i++) {
        wp_fd a, b;
        writer w;
        HANDLE t;
        long long got = 0, r;
        WPT_CHECK(suite_fd_pair(&loop, AF_INET, &a, &b));
        w.fd = &a;
        w.buf = out;
        w.n = sizeof out;
        w.result = 12345;
        t = CreateThread(NULL, 0, write_all, &w, 0, NULL);
        Sleep(5 + i % 7);
        WPT_OK(wp_fd_set_deadline(&a, WINPOLL_DEADLINE_WRITE, wp_monotonic_ns()));
        WPT_EQ(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
        CloseHandle(t);
        WPT_CHECK(w.result == -WINPOLL_ERR_DEADLINE || (w.result > 0 && w.result <= (long long)sizeof out));
        WPT_OK(wp_fd_close(&a)); /* the peer reads to end of file */
        for (;;) {
            r = wp_fd_read(&b, in + got, sizeof in - (size_t)got);
            if (r <= 0) break;
            got += r;
        }
        WPT_EQ(r, 0);
        WPT_EQ(got, w.result < 0 ? 0 : w.result);
        WPT_CHECK(memcmp(in, out, (size_t)got) == 0);
        WPT_OK(wp_fd_close(&b));
    }
}

static const wpt_case cases[] = {
    WPT_CASE(close_races_a_blocked_read),
    WPT_CASE(past_deadline_races_arriving_data),
    WPT_CASE(write_deadline_counts_exactly),
};

WPT_MAIN(cases)
