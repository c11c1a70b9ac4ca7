/* test_stress.c - threads racing over real sockets and pipes, bounded in
   time: short here (make test), long in make stress (WINPOLL_STRESS_SCALE,
   e.g. 10 for 10 s of racing and 2,000 connection cycles). In both modes.
   - 8 threads read, write, move deadlines and close at random over 100
     loopback pairs; every byte is checked where it lands (its value is a
     function of its offset, so a lost or doubled byte shows), and the pairs
     still open at the end are drained: every byte a write reported arrived;
   - connect, accept, echo and close, many times over;
   - a blocked read of an anonymous pipe, ended by close, many times over.
   After each, the handle count and the library's bytes are where they were,
   and nothing completes after destroy: the closed FDs' memory is filled
   with a pattern that must stay whole, and the port must give no packet
   for an I/O operation (see after_destroy). */
#define SUITE_COUNT_BYTES
#include "suite.h"

#include <stdlib.h>
#include <string.h>

static wp_loop loop;

static long scale(void) {
    const char *s = getenv("WINPOLL_STRESS_SCALE");
    long k = s != NULL ? atol(s) : 1;
    return k > 0 ? k : 1;
}

static unsigned char pattern(long long off) { return (unsigned char)((off * 2654435761u) >> 11); }

static void setup(long *handles, LONG64 *bytes) {
    static int done;
    SOCKET s;
    if (!done) { /* Winsock's own first-use handles, before counting */
        wp_loop_init(&loop);
        wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &s);
        wp_closesocket(s);
        done = 1;
    }
    *handles = suite_handle_count();
    *bytes = bytes_held;
}

/* ---- no completion after destroy ----
   Once wp_fd_close has returned, the kernel must be done with the FD's
   OVERLAPPEDs: a completion that came later would write into memory the
   caller has reused, and its packet would name a dead operation. So the
   tests fill each closed FD with a pattern, then after_destroy waits
   (taking from the port whatever comes) and checks that the pattern is
   whole and that no packet carried an OVERLAPPED. Packets without one (the
   loop's wake and timer) are put back. In blocking mode there is no port,
   and the wait and the pattern are the check. */
#define POISON 0xDB

static void poison(void *p, size_t n) { memset(p, POISON, n); }

static int poisoned(const void *p, size_t n) {
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i] != POISON) return 0;
    return 1;
}

/* I/O packets taken from the port in ms milliseconds. */
static int after_destroy(DWORD ms) {
    OVERLAPPED_ENTRY e[16], keep[64];
    ULONG got, i, kept = 0;
    int io = 0;
    double end = wpt_now_ms() + ms;
    if (wp_mode() == WINPOLL_MODE_BLOCKING) {
        Sleep(ms);
        return 0;
    }
    for (;;) {
        double left = end - wpt_now_ms();
        if (left <= 0) break;
        if (!GetQueuedCompletionStatusEx(loop.port, e, 16, &got, (DWORD)left + 1, FALSE)) break;
        for (i = 0; i < got; i++) {
            if (e[i].lpOverlapped != NULL) io++;
            else if (kept < 64) keep[kept++] = e[i];
        }
    }
    for (i = 0; i < kept; i++)
        PostQueuedCompletionStatus(loop.port, keep[i].dwNumberOfBytesTransferred, keep[i].lpCompletionKey, NULL);
    return io;
}

/* ---- 8 threads, 100 pairs ---- */

#define PAIRS 100
#define THREADS 8

typedef struct pair {
    wp_fd a, b;                      /* a writes, b reads */
    volatile LONG wtoken, rtoken;    /* one writer and one reader thread at a time */
    volatile LONG closed;
    long long written, read;         /* under the tokens */
    volatile LONG bad;
} pair;

static pair pairs[PAIRS];
static volatile LONG stop_all;
static volatile LONG64 total_bytes;

static unsigned next_rand(unsigned *s) {
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static DWORD WINAPI racer(LPVOID arg) {
    unsigned seed = (unsigned)(ULONG_PTR)arg * 7919u + 1;
    unsigned char buf[4096];
    while (!stop_all) {
        pair *p = &pairs[next_rand(&seed) % PAIRS];
        unsigned what = next_rand(&seed) % 100;
        if (what < 45) { /* write */
            if (InterlockedCompareExchange(&p->wtoken, 1, 0) != 0) continue;
            {
                size_t n = 1 + next_rand(&seed) % sizeof buf, i;
                long long r;
                for (i = 0; i < n; i++) buf[i] = pattern(p->written + (long long)i);
                /* bounded; other threads move it while it waits */
                wp_fd_set_deadline(&p->a, WINPOLL_DEADLINE_WRITE, wp_monotonic_ns() + 5000000);
                r = wp_fd_write(&p->a, buf, n);
                if (r > 0) p->written += r; /* what it reports written is what counts */
            }
            InterlockedExchange(&p->wtoken, 0);
        } else if (what < 90) { /* read */
            if (InterlockedCompareExchange(&p->rtoken, 1, 0) != 0) continue;
            {
                long long r, i;
                wp_fd_set_deadline(&p->b, WINPOLL_DEADLINE_READ, wp_monotonic_ns() + 5000000);
                r = wp_fd_read(&p->b, buf, 1 + next_rand(&seed) % sizeof buf);
                for (i = 0; i < r; i++)
                    if (buf[i] != pattern(p->read + i)) {
                        InterlockedIncrement(&p->bad);
                        break;
                    }
                if (r > 0) {
                    p->read += r;
                    InterlockedExchangeAdd64(&total_bytes, r);
                }
            }
            InterlockedExchange(&p->rtoken, 0);
        } else if (what < 99) { /* a deadline moved: sooner, or later */
            long long dl = wp_monotonic_ns() + (long long)(next_rand(&seed) % 3 ? next_rand(&seed) % 3000000 : 50000000);
            wp_fd_set_deadline(next_rand(&seed) % 2 ? &p->a : &p->b, 1 + next_rand(&seed) % 3, dl);
        } else if ((p - pairs) % 2 == 0 && next_rand(&seed) % 4 == 0 && /* half the pairs; the others are drained */
                   InterlockedCompareExchange(&p->closed, 1, 0) == 0) {
            wp_fd_close(&p->a); /* while others may be inside it */
            wp_fd_close(&p->b);
        }
    }
    return 0;
}

static void eight_threads_hundred_pairs(void) {
    long handles;
    LONG64 bytes;
    HANDLE t[THREADS];
    int i, open_pairs = 0;
    long long ms = 1500 * scale();
    setup(&handles, &bytes);
    memset(pairs, 0, sizeof pairs);
    stop_all = 0;
    total_bytes = 0;
    for (i = 0; i < PAIRS; i++) WPT_CHECK(suite_fd_pair(&loop, AF_INET, &pairs[i].a, &pairs[i].b));
    for (i = 0; i < THREADS; i++) t[i] = CreateThread(NULL, 0, racer, (LPVOID)(ULONG_PTR)i, 0, NULL);
    Sleep((DWORD)ms);
    stop_all = 1;
    for (i = 0; i < 1200; i++) { /* Go's way to end blocked calls: a deadline in the past, until all have left */
        int k;
        for (k = 0; k < PAIRS; k++) {
            wp_fd_set_deadline(&pairs[k].a, 3, 1);
            wp_fd_set_deadline(&pairs[k].b, 3, 1);
        }
        if (WaitForMultipleObjects(THREADS, t, TRUE, 50) == WAIT_OBJECT_0) break;
    }
    WPT_EQ(WaitForMultipleObjects(THREADS, t, TRUE, 0), WAIT_OBJECT_0);
    for (i = 0; i < THREADS; i++) CloseHandle(t[i]);
    for (i = 0; i < PAIRS; i++) {
        pair *p = &pairs[i];
        WPT_EQ(p->bad, 0);
        WPT_CHECK(p->read <= p->written);
        if (!p->closed) { /* drain: every byte a write reported must come */
            unsigned char buf[4096];
            open_pairs++;
            WPT_OK(wp_fd_set_deadline(&p->a, 3, 0));
            WPT_OK(wp_fd_set_deadline(&p->b, 3, wp_monotonic_ns() + 10000000000ll));
            while (p->read < p->written) {
                long long r = wp_fd_read(&p->b, buf, sizeof buf), k;
                WPT_CHECK(r > 0);
                for (k = 0; k < r; k++) WPT_EQ(buf[k], pattern(p->read + k));
                p->read += r;
            }
            WPT_EQ(p->read, p->written);
            WPT_OK(wp_fd_close(&p->a));
            WPT_OK(wp_fd_close(&p->b));
        }
        poison(&p->a, sizeof p->a);
        poison(&p->b, sizeof p->b);
    }
    WPT_EQ(after_destroy(200), 0);
    for (i = 0; i < PAIRS; i++) {
        WPT_CHECK(poisoned(&pairs[i].a, sizeof pairs[i].a));
        WPT_CHECK(poisoned(&pairs[i].b, sizeof pairs[i].b));
    }
    printf("    %lld ms: %lld bytes checked, %d pairs closed while racing, %d drained to the last byte\n", ms,
           (long long)total_bytes, PAIRS - open_pairs, open_pairs);
    WPT_CHECK(total_bytes > 0);
    WPT_EQ(bytes_held, bytes);
    WPT_EQ(suite_handle_count(), handles);
}

/* ---- connection cycles ---- */

static void connect_accept_echo_close(void) {
    long handles;
    LONG64 bytes;
    wp_fd l, c, s;
    wp_sockaddr lo, bound;
    SOCKET ls, cs;
    long i, n = 200 * scale();
    char b;
    setup(&handles, &bytes);
    WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &ls));
    WPT_OK(wp_ip_parse(&lo, "127.0.0.1"));
    WPT_OK(wp_bind(ls, &lo));
    WPT_OK(wp_listen(ls, 64));
    WPT_OK(wp_getsockname(ls, &bound));
    WPT_OK(wp_fd_init(&l, (HANDLE)ls, 0));
    WPT_OK(wp_fd_attach(&l, &loop));
    for (i = 0; i < n; i++) {
        WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &cs));
        WPT_OK(wp_fd_init(&c, (HANDLE)cs, 0));
        WPT_OK(wp_fd_attach(&c, &loop));
        WPT_OK(wp_fd_connect(&c, &bound)); /* the backlog takes it before accept */
        WPT_OK(wp_fd_accept(&l, &s, NULL, NULL));
        WPT_EQ(wp_fd_write(&c, "e", 1), 1);
        WPT_EQ(wp_fd_read(&s, &b, 1), 1);
        WPT_EQ(wp_fd_write(&s, &b, 1), 1);
        WPT_EQ(wp_fd_read(&c, &b, 1), 1);
        WPT_EQ(b, 'e');
        WPT_OK(wp_fd_close(i % 2 ? &c : &s)); /* either side first */
        WPT_OK(wp_fd_close(i % 2 ? &s : &c));
        poison(&c, sizeof c);
        poison(&s, sizeof s);
    }
    WPT_OK(wp_fd_close(&l));
    poison(&l, sizeof l);
    WPT_EQ(after_destroy(100), 0);
    WPT_CHECK(poisoned(&l, sizeof l) && poisoned(&c, sizeof c) && poisoned(&s, sizeof s));
    printf("    %ld cycles\n", n);
    WPT_EQ(bytes_held, bytes);
    WPT_EQ(suite_handle_count(), handles);
}

/* ---- a blocked pipe read ended by close ---- */

typedef struct pipe_reader {
    wp_fd *fd;
    volatile long long result;
} pipe_reader;

static DWORD WINAPI read_pipe(LPVOID arg) {
    pipe_reader *p = (pipe_reader *)arg;
    char c;
    p->result = wp_fd_read(p->fd, &c, 1);
    return 0;
}

static void blocked_pipe_reads_ended_by_close(void) {
    long handles;
    LONG64 bytes;
    long i, n = 100 * scale();
    setup(&handles, &bytes);
    for (i = 0; i < n; i++) {
        HANDLE r, w, t;
        wp_fd fd;
        pipe_reader pr;
        long long t0;
        WPT_OK(wp_pipe(&r, &w));
        WPT_OK(wp_fd_init(&fd, r, 0));
        pr.fd = &fd;
        pr.result = 12345;
        t = CreateThread(NULL, 0, read_pipe, &pr, 0, NULL);
        if (i % 2) Sleep(1); /* sometimes blocked already, sometimes about to be */
        t0 = wp_monotonic_ns();
        WPT_OK(wp_fd_close(&fd));
        WPT_CHECK(wp_monotonic_ns() - t0 < 2000000000ll);
        WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
        CloseHandle(t);
        WPT_ERR(pr.result, WINPOLL_ERR_FILE_CLOSING);
        WPT_OK(wp_close(w));
    }
    printf("    %ld reads\n", n);
    WPT_EQ(bytes_held, bytes);
    WPT_EQ(suite_handle_count(), handles);
}

/* ---- close during a pending accept and a pending connect ---- */

typedef struct pending_call {
    wp_fd *fd;
    const wp_sockaddr *to; /* connect to it; NULL: accept */
    volatile long long result;
} pending_call;

static DWORD WINAPI run_pending(LPVOID arg) {
    pending_call *c = (pending_call *)arg;
    wp_fd out;
    c->result = c->to != NULL ? wp_fd_connect(c->fd, c->to) : wp_fd_accept(c->fd, &out, NULL, NULL);
    if (c->to == NULL && c->result == 0) wp_fd_close(&out);
    return 0;
}

static void close_during_pending_accept_and_connect(void) {
    long handles;
    LONG64 bytes;
    long i, n = 50 * scale();
    int cut_connects = 0;
    wp_sockaddr lo, full;
    wp_fd *fds;
    SOCKET fl, fill[8];
    int k;
    setup(&handles, &bytes);
    /* a listener whose backlog is full and that never accepts: a connect to
       it pends (Linux, and so Wine, drops the SYN; Windows may refuse) */
    WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &fl));
    WPT_OK(wp_ip_parse(&lo, "127.0.0.1"));
    WPT_OK(wp_bind(fl, &lo));
    WPT_OK(wp_listen(fl, 1));
    WPT_OK(wp_getsockname(fl, &full));
    for (k = 0; k < 8; k++) { /* fill the queue; these stay until the end */
        SOCKADDR_STORAGE ss;
        int len;
        u_long on = 1;
        WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &fill[k]));
        ioctlsocket(fill[k], FIONBIO, &on);
        WPT_OK(wp_sockaddr_to_raw(&full, &ss, &len));
        connect(fill[k], (const SOCKADDR *)&ss, len); /* completes, or stays pending: either fills */
    }
    Sleep(50);
    fds = (wp_fd *)malloc((size_t)(2 * n) * sizeof *fds); /* each stays poisoned to the end */
    WPT_CHECK(fds != NULL);
    for (i = 0; i < 2 * n; i++) {
        int connecting = (int)(i % 2);
        wp_fd *fd = &fds[i];
        SOCKET s;
        pending_call c;
        HANDLE t;
        long long t0;
        WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &s));
        if (!connecting) {
            WPT_OK(wp_bind(s, &lo));
            WPT_OK(wp_listen(s, 4));
        }
        WPT_OK(wp_fd_init(fd, (HANDLE)s, 0));
        WPT_OK(wp_fd_attach(fd, &loop));
        c.fd = fd;
        c.to = connecting ? &full : NULL;
        c.result = 12345;
        t = CreateThread(NULL, 0, run_pending, &c, 0, NULL);
        Sleep((DWORD)(i % 3));
        t0 = wp_monotonic_ns();
        WPT_OK(wp_fd_close(fd));
        WPT_CHECK(wp_monotonic_ns() - t0 < 2000000000ll);
        WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
        CloseHandle(t);
        poison(fd, sizeof *fd);
        if (!connecting) {
            WPT_ERR(c.result, WINPOLL_ERR_NET_CLOSING);
        } else {
            WPT_CHECK(c.result == -WINPOLL_ERR_NET_CLOSING || c.result == -WSAECONNREFUSED);
            cut_connects += c.result == -WINPOLL_ERR_NET_CLOSING;
        }
    }
    for (k = 0; k < 8; k++) wp_closesocket(fill[k]);
    wp_closesocket(fl);
    WPT_EQ(after_destroy(200), 0);
    for (i = 0; i < 2 * n; i++) WPT_CHECK(poisoned(&fds[i], sizeof fds[i]));
    free(fds);
    printf("    %ld accepts and %ld connects closed while pending (%d connects were still pending)\n", n, n,
           cut_connects);
    WPT_EQ(bytes_held, bytes);
    WPT_EQ(suite_handle_count(), handles);
}

static const wpt_case cases[] = {
    WPT_CASE(eight_threads_hundred_pairs),
    WPT_CASE(connect_accept_echo_close),
    WPT_CASE(blocked_pipe_reads_ended_by_close),
    WPT_CASE(close_during_pending_accept_and_connect),
};

WPT_MAIN(cases)
