/* test_timers.c - the loop's timer heap: user timers (order, never early,
   exactly once, cancel, also from another thread while a poll waits),
   posts from many threads, and FD deadlines moved while their operations
   are pending. Timers and posts run in both modes. Races loop hundreds of
   rounds; every bound is generous for a loaded 2-core machine. */
#include "suite.h"

#include <stdlib.h>
#include <string.h>

static unsigned long long rng = 0x9E3779B97F4A7C15ull;
static unsigned long long next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static HANDLE start_thread(LPTHREAD_START_ROUTINE fn, void *arg) { return CreateThread(NULL, 0, fn, arg, 0, NULL); }

static int join_thread(HANDLE t, DWORD ms) {
    int ended = WaitForSingleObject(t, ms) == WAIT_OBJECT_0;
    CloseHandle(t);
    return ended;
}

/* Polls l until want have come or limit_ms passed; each goes to seen(). */
typedef void (*seen_fn)(wp_async *a, void *ctx);
static int poll_until(wp_loop *l, int want, long limit_ms, seen_fn seen, void *ctx) {
    long long end = wp_monotonic_ns() + (long long)limit_ms * 1000000;
    int got = 0;
    while (got < want && wp_monotonic_ns() < end) {
        wp_async *out[64];
        int n = wp_loop_poll(l, out, 64, 100), i;
        if (n < 0) return n;
        for (i = 0; i < n; i++) seen(out[i], ctx);
        got += n;
    }
    return got;
}

/* ---- timers ---- */

#define MANY 20000

typedef struct order_check {
    wp_async *timers;
    int *count;        /* deliveries of each */
    long long last;    /* the latest time delivered so far */
    int early, out_of_order, strangers;
} order_check;

static void check_order(wp_async *a, void *ctx) {
    order_check *c = (order_check *)ctx;
    long long now = wp_monotonic_ns(), when;
    if (a < c->timers || a >= c->timers + MANY || a->op != WINPOLL_ASYNC_TIMER || a->result != 0) {
        c->strangers++;
        return;
    }
    when = (long long)(ULONG_PTR)a->user;
    c->count[a - c->timers]++;
    if (now < when) c->early++;
    if (when < c->last) c->out_of_order++;
    c->last = when;
}

/* 20,000 timers armed in random order over 400 ms fire in the order of
   their times, each once, none early; a random half of another 20,000 is
   cancelled first, and those come back cancelled, once. */
static void many_timers_fire_in_order_once_never_early(void) {
    wp_loop l;
    order_check c;
    int i, got;
    long long t0;
    memset(&c, 0, sizeof c);
    c.timers = (wp_async *)calloc(MANY, sizeof *c.timers);
    c.count = (int *)calloc(MANY, sizeof *c.count);
    WPT_CHECK(c.timers != NULL && c.count != NULL);
    WPT_OK(wp_loop_init(&l));
    t0 = wp_monotonic_ns() + 100000000; /* after the arming */
    for (i = 0; i < MANY; i++) {
        long long when = t0 + (long long)(next_random() % 400000000);
        c.timers[i].user = (void *)(ULONG_PTR)when;
        WPT_OK(wp_async_timer(&c.timers[i], &l, when));
    }
    WPT_EQ(l.timer_count, (size_t)MANY);
    WPT_ERR(wp_loop_close(&l), ERROR_BUSY); /* timers armed */
    got = poll_until(&l, MANY, 20000, check_order, &c);
    WPT_EQ(got, MANY);
    WPT_EQ(c.strangers, 0);
    WPT_EQ(c.early, 0);
    WPT_EQ(c.out_of_order, 0);
    for (i = 0; i < MANY; i++) WPT_EQ(c.count[i], 1);
    WPT_EQ(l.timer_count, (size_t)0);

    /* half cancelled at random, the rest fire in order */
    memset(c.count, 0, MANY * sizeof *c.count);
    c.last = 0;
    t0 = wp_monotonic_ns() + 100000000;
    for (i = 0; i < MANY; i++) {
        long long when = t0 + (long long)(next_random() % 300000000);
        c.timers[i].user = (void *)(ULONG_PTR)when;
        WPT_OK(wp_async_timer(&c.timers[i], &l, when));
    }
    for (i = 0; i < MANY; i++)
        if (next_random() & 1) {
            WPT_OK(wp_async_cancel(&c.timers[i]));
            WPT_ERR(wp_async_cancel(&c.timers[i]), ERROR_NOT_FOUND); /* once */
            c.count[i] = -1;
        }
    {
        int cancelled = 0, fired = 0;
        long long end = wp_monotonic_ns() + 20000000000ll;
        while (cancelled + fired < MANY && wp_monotonic_ns() < end) {
            wp_async *out[64];
            int n = wp_loop_poll(&l, out, 64, 100), k;
            WPT_CHECK(n >= 0);
            for (k = 0; k < n; k++) {
                int idx = (int)(out[k] - c.timers);
                WPT_CHECK(idx >= 0 && idx < MANY);
                if (out[k]->result == -ERROR_OPERATION_ABORTED) {
                    WPT_EQ(c.count[idx], -1);
                    c.count[idx] = -2;
                    cancelled++;
                } else {
                    WPT_EQ(c.count[idx], 0);
                    out[k]->op = WINPOLL_ASYNC_TIMER;
                    check_order(out[k], &c);
                    fired++;
                }
            }
        }
        WPT_EQ(cancelled + fired, MANY);
        WPT_EQ(c.early, 0);
        WPT_EQ(c.out_of_order, 0);
        WPT_EQ(c.strangers, 0);
    }
    WPT_OK(wp_loop_close(&l));
    free(c.timers);
    free(c.count);
}

/* The small rules: a time past fires at the next poll, a timer in flight
   can't start again, cancel after it fired changes nothing, cancel of an
   FD operation is not supported, and bad arguments. */
static void timer_rules(void) {
    wp_loop l, closed;
    wp_async t, *out[4];
    WPT_OK(wp_loop_init(&l));
    WPT_ERR(wp_async_timer(NULL, &l, 0), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_async_timer(&t, NULL, 0), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_async_timer(&t, &l, -1), ERROR_INVALID_PARAMETER);
    memset(&closed, 0, sizeof closed);
    WPT_ERR(wp_async_timer(&t, &closed, 0), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_async_cancel(NULL), ERROR_INVALID_PARAMETER);

    memset(&t, 0xAB, sizeof t); /* no setting needed before the first start */
    WPT_OK(wp_async_timer(&t, &l, wp_monotonic_ns() - 1000000));
    WPT_ERR(wp_async_timer(&t, &l, 0), ERROR_BUSY);
    WPT_ERR(wp_loop_post(&l, &t), ERROR_BUSY);
    WPT_EQ(wp_loop_poll(&l, out, 4, 0), 1);
    WPT_CHECK(out[0] == &t);
    WPT_EQ(t.op, WINPOLL_ASYNC_TIMER);
    WPT_EQ(t.result, 0);
    WPT_CHECK(t.fd == NULL);
    WPT_ERR(wp_async_cancel(&t), ERROR_NOT_FOUND);
    WPT_EQ(wp_loop_poll(&l, out, 4, 0), 0);

    /* fired but not yet handed out: cancel changes nothing */
    WPT_OK(wp_async_timer(&t, &l, 0));
    WPT_EQ(wp_loop_poll(&l, out, 1, 0), 1);
    WPT_OK(wp_async_timer(&t, &l, wp_monotonic_ns() + 20000000));
    Sleep(40);
    {
        wp_async u;
        WPT_OK(wp_async_timer(&u, &l, 0)); /* a poll turn fires both; hand out one */
        WPT_EQ(wp_loop_poll(&l, out, 1, 0), 1);
        if (out[0] == &u) {
            WPT_ERR(wp_async_cancel(&t), ERROR_NOT_FOUND);
            WPT_EQ(wp_loop_poll(&l, out, 1, 0), 1);
            WPT_CHECK(out[0] == &t);
        } else {
            WPT_CHECK(out[0] == &t);
            WPT_EQ(wp_loop_poll(&l, out, 1, 0), 1);
            WPT_CHECK(out[0] == &u);
        }
        WPT_EQ(t.result, 0);
    }

    /* a cancelled timer comes back once, cancelled; then the loop closes */
    WPT_OK(wp_async_timer(&t, &l, wp_monotonic_ns() + 60000000000ll));
    WPT_ERR(wp_loop_close(&l), ERROR_BUSY);
    WPT_OK(wp_async_cancel(&t));
    WPT_EQ(wp_loop_poll(&l, out, 4, 1000), 1);
    WPT_CHECK(out[0] == &t);
    WPT_EQ(t.result, -ERROR_OPERATION_ABORTED);
    WPT_EQ(wp_loop_poll(&l, out, 4, 0), 0);

    /* an FD operation */
    if (wp_mode() == WINPOLL_MODE_IOCP) {
        wp_fd a, b;
        char c;
        WPT_CHECK(suite_fd_pair(&l, AF_INET, &a, &b));
        WPT_OK(wp_async_read(&t, &a, &c, 1));
        WPT_ERR(wp_async_cancel(&t), ERROR_NOT_SUPPORTED);
        WPT_OK(wp_fd_close(&a));
        WPT_EQ(wp_loop_poll(&l, out, 4, 5000), 1);
        WPT_OK(wp_fd_close(&b));
    }
    WPT_OK(wp_loop_close(&l));
}

/* A timer armed for later wakes a poll that waits with no limit, on time:
   not before, and within a bound a loaded machine meets. */
static void timer_ends_an_infinite_poll(void) {
    wp_loop l;
    wp_async t, *out[2];
    int round;
    WPT_OK(wp_loop_init(&l));
    for (round = 0; round < 20; round++) {
        long long when = wp_monotonic_ns() + 5000000 + (long long)(next_random() % 10000000), now;
        WPT_OK(wp_async_timer(&t, &l, when));
        WPT_EQ(wp_loop_poll(&l, out, 2, WINPOLL_INFINITE), 1);
        now = wp_monotonic_ns();
        WPT_CHECK(out[0] == &t);
        WPT_CHECK(now >= when);
        WPT_CHECK(now - when < 2000000000ll);
    }
    WPT_OK(wp_loop_close(&l));
}

typedef struct canceller {
    wp_async *t;
    volatile LONG go;
    int r;
    DWORD delay_us; /* spin this long after go */
} canceller;

static DWORD WINAPI cancel_later(LPVOID arg) {
    canceller *c = (canceller *)arg;
    long long until;
    while (!c->go) SwitchToThread();
    until = wp_monotonic_ns() + (long long)c->delay_us * 1000;
    while (wp_monotonic_ns() < until) YieldProcessor();
    c->r = wp_async_cancel(c->t);
    return 0;
}

/* Cancel from another thread while a poll waits for the timer, racing its
   firing: 300 rounds, each delivered exactly once, cancelled exactly when
   cancel said 0, and the poll returns for it (well before its 5 s limit). */
static void cancel_from_another_thread_races_the_fire(void) {
    wp_loop l;
    int round, cancelled = 0, fired = 0;
    WPT_OK(wp_loop_init(&l));
    for (round = 0; round < 300; round++) {
        wp_async t, *out[2];
        canceller c;
        HANDLE th;
        long long t0;
        int n;
        memset(&c, 0, sizeof c);
        c.t = &t;
        c.delay_us = (DWORD)(next_random() % 2000);
        /* some far off (only the cancel ends the poll), most about when it fires */
        WPT_OK(wp_async_timer(&t, &l, wp_monotonic_ns() + (round % 10 == 0 ? 60000000000ll : 1000000)));
        th = start_thread(cancel_later, &c);
        WPT_CHECK(th != NULL);
        t0 = wp_monotonic_ns();
        InterlockedExchange(&c.go, 1);
        n = wp_loop_poll(&l, out, 2, 5000);
        WPT_CHECK(join_thread(th, 10000));
        WPT_EQ(n, 1);
        WPT_CHECK(out[0] == &t);
        WPT_CHECK(wp_monotonic_ns() - t0 < 4000000000ll);
        if (c.r == 0) {
            WPT_EQ(t.result, -ERROR_OPERATION_ABORTED);
            cancelled++;
        } else {
            WPT_EQ(c.r, -ERROR_NOT_FOUND);
            WPT_EQ(t.result, 0);
            fired++;
        }
        WPT_EQ(wp_loop_poll(&l, out, 2, 0), 0); /* nothing twice */
    }
    WPT_CHECK(cancelled >= 30); /* the far-off ones at least */
    WPT_OK(wp_loop_close(&l));
    (void)fired;
}

/* ---- posts ---- */

#define POSTERS 8
#define POSTS 2000

typedef struct poster {
    wp_loop *l;
    wp_async *a;
    int failed;
} poster;

static DWORD WINAPI post_all(LPVOID arg) {
    poster *p = (poster *)arg;
    int i;
    for (i = 0; i < POSTS; i++) {
        p->a[i].user = &p->a[i];
        if (wp_loop_post(p->l, &p->a[i]) != 0) p->failed++;
        if (i % 64 == 0) SwitchToThread();
    }
    return 0;
}

typedef struct post_count {
    wp_async *all;
    int *count;
    int strangers;
} post_count;

static void count_post(wp_async *a, void *ctx) {
    post_count *c = (post_count *)ctx;
    if (a < c->all || a >= c->all + POSTERS * POSTS || a->op != WINPOLL_ASYNC_POST || a->user != a || a->result != 0 ||
        a->fd != NULL)
        c->strangers++;
    else
        c->count[a - c->all]++;
}

/* 8 threads post 2,000 each while one thread polls: every post delivered
   exactly once, nothing else; a post ends a poll that waits. */
static void posts_from_eight_threads_each_delivered_once(void) {
    wp_loop l;
    poster p[POSTERS];
    HANDLE th[POSTERS];
    post_count c;
    int i, got;
    WPT_OK(wp_loop_init(&l));
    c.all = (wp_async *)calloc(POSTERS * POSTS, sizeof *c.all);
    c.count = (int *)calloc(POSTERS * POSTS, sizeof *c.count);
    c.strangers = 0;
    WPT_CHECK(c.all != NULL && c.count != NULL);
    for (i = 0; i < POSTERS; i++) {
        p[i].l = &l;
        p[i].a = c.all + i * POSTS;
        p[i].failed = 0;
        th[i] = start_thread(post_all, &p[i]);
        WPT_CHECK(th[i] != NULL);
    }
    got = poll_until(&l, POSTERS * POSTS, 30000, count_post, &c);
    for (i = 0; i < POSTERS; i++) {
        WPT_CHECK(join_thread(th[i], 10000));
        WPT_EQ(p[i].failed, 0);
    }
    WPT_EQ(got, POSTERS * POSTS);
    WPT_EQ(c.strangers, 0);
    for (i = 0; i < POSTERS * POSTS; i++) WPT_EQ(c.count[i], 1);
    {
        wp_async *out[2];
        WPT_EQ(wp_loop_poll(&l, out, 2, 0), 0);
        WPT_ERR(wp_loop_post(NULL, &c.all[0]), ERROR_INVALID_PARAMETER);
        WPT_ERR(wp_loop_post(&l, NULL), ERROR_INVALID_PARAMETER);
    }
    WPT_OK(wp_loop_close(&l));
    WPT_ERR(wp_loop_post(&l, &c.all[0]), ERROR_INVALID_PARAMETER);
    free(c.all);
    free(c.count);
}

typedef struct late_poster {
    wp_loop *l;
    wp_async *a;
    volatile LONG go;
} late_poster;

static DWORD WINAPI post_later(LPVOID arg) {
    late_poster *p = (late_poster *)arg;
    while (!p->go) SwitchToThread();
    Sleep(1 + (DWORD)(next_random() % 3));
    wp_loop_post(p->l, p->a);
    return 0;
}

/* A post from another thread ends a poll that waits with no limit: 200
   rounds (a lost wake would hang the poll: the watchdog is the join). */
static void post_ends_an_infinite_poll(void) {
    wp_loop l;
    int round;
    WPT_OK(wp_loop_init(&l));
    for (round = 0; round < 200; round++) {
        wp_async a, *out[2];
        late_poster p;
        HANDLE th;
        p.l = &l;
        p.a = &a;
        p.go = 0;
        th = start_thread(post_later, &p);
        WPT_CHECK(th != NULL);
        InterlockedExchange(&p.go, 1);
        WPT_EQ(wp_loop_poll(&l, out, 2, 10000), 1);
        WPT_CHECK(out[0] == &a);
        WPT_CHECK(join_thread(th, 10000));
    }
    WPT_OK(wp_loop_close(&l));
}

/* ---- deadlines moved while pending ---- */

#define PAIRS 300

/* 300 connections, each with an async read pending and a read deadline;
   the deadlines are then moved (later, sooner, cleared) from another
   thread's view of time: each read fails with the deadline error no
   sooner than its final deadline, those cleared stay pending (and read
   their byte later), and the loop's heap holds exactly the armed ones. */
static void deadlines_moved_while_pending(void) {
    wp_loop l;
    wp_fd *a, *b;
    wp_async *r;
    long long *final_dl, t0;
    char *buf;
    int i, pending_cleared = 0, fired = 0, got_byte = 0;
    SUITE_NEED_IOCP("async reads run inside their start in blocking mode (no pending read to move)");
    a = (wp_fd *)calloc(PAIRS, sizeof *a);
    b = (wp_fd *)calloc(PAIRS, sizeof *b);
    r = (wp_async *)calloc(PAIRS, sizeof *r);
    final_dl = (long long *)calloc(PAIRS, sizeof *final_dl);
    buf = (char *)calloc(PAIRS, 1);
    WPT_CHECK(a && b && r && final_dl && buf);
    WPT_OK(wp_loop_init(&l));
    for (i = 0; i < PAIRS; i++) WPT_CHECK(suite_fd_pair(&l, AF_INET, &a[i], &b[i]));
    t0 = wp_monotonic_ns();
    for (i = 0; i < PAIRS; i++) {
        WPT_OK(wp_fd_set_deadline(&a[i], WINPOLL_DEADLINE_READ, t0 + 10000000000ll)); /* far: moved below */
        r[i].user = (void *)(ULONG_PTR)i;
        WPT_OK(wp_async_read(&r[i], &a[i], &buf[i], 1));
    }
    WPT_EQ(l.timer_count, (size_t)PAIRS);
    t0 = wp_monotonic_ns();
    for (i = 0; i < PAIRS; i++) {
        long long dl;
        switch (i % 4) {
        case 0: dl = t0 + 200000000 + (long long)(next_random() % 300000000); break; /* sooner */
        case 1: dl = t0 + 100000000; break;
        case 2: dl = 0; break;                                                       /* cleared */
        default: dl = t0 + 400000000 + (long long)(next_random() % 200000000); break;
        }
        WPT_OK(wp_fd_set_deadline(&a[i], WINPOLL_DEADLINE_READ, dl));
        if (i % 4 == 1) { /* moved twice: the last one counts */
            dl = t0 + 300000000 + (long long)(next_random() % 100000000);
            WPT_OK(wp_fd_set_deadline(&a[i], WINPOLL_DEADLINE_READ | WINPOLL_DEADLINE_WRITE, dl));
        }
        final_dl[i] = dl;
        if (dl == 0) pending_cleared++;
    }
    WPT_EQ(l.timer_count, (size_t)(PAIRS - pending_cleared));
    {
        long long end = wp_monotonic_ns() + 20000000000ll;
        while (fired < PAIRS - pending_cleared && wp_monotonic_ns() < end) {
            wp_async *out[64];
            int n = wp_loop_poll(&l, out, 64, 100), k;
            WPT_CHECK(n >= 0);
            for (k = 0; k < n; k++) {
                int idx = (int)(ULONG_PTR)out[k]->user;
                WPT_CHECK(final_dl[idx] != 0);
                WPT_EQ(out[k]->result, -WINPOLL_ERR_DEADLINE);
                WPT_CHECK(wp_monotonic_ns() >= final_dl[idx]);
                final_dl[idx] = -1; /* once */
                fired++;
            }
        }
    }
    WPT_EQ(fired, PAIRS - pending_cleared);
    WPT_EQ(l.timer_count, (size_t)0);
    {
        wp_async *out[64];
        WPT_EQ(wp_loop_poll(&l, out, 64, 50), 0); /* the cleared ones still wait */
    }
    for (i = 2; i < PAIRS; i += 4) WPT_EQ(wp_fd_write(&b[i], "z", 1), 1);
    {
        long long end = wp_monotonic_ns() + 20000000000ll;
        while (got_byte < pending_cleared && wp_monotonic_ns() < end) {
            wp_async *out[64];
            int n = wp_loop_poll(&l, out, 64, 100), k;
            WPT_CHECK(n >= 0);
            for (k = 0; k < n; k++) {
                int idx = (int)(ULONG_PTR)out[k]->user;
                WPT_EQ(idx % 4, 2);
                WPT_EQ(out[k]->result, 1);
                WPT_EQ(buf[idx], 'z');
                got_byte++;
            }
        }
    }
    WPT_EQ(got_byte, pending_cleared);
    for (i = 0; i < PAIRS; i++) {
        WPT_OK(wp_fd_close(&a[i]));
        WPT_OK(wp_fd_close(&b[i]));
    }
    WPT_OK(wp_loop_close(&l));
    free(a);
    free(b);
    free(r);
    free(final_dl);
    free(buf);
}

typedef struct timed_reader {
    wp_fd *fd;
    long long r, at;
} timed_reader;

static DWORD WINAPI read_one(LPVOID arg) {
    timed_reader *x = (timed_reader *)arg;
    char c;
    x->r = wp_fd_read(x->fd, &c, 1);
    x->at = wp_monotonic_ns();
    return 0;
}

/* The same with blocking reads, one thread each, in both modes: 24
   threads wait on one loop while their deadlines move; each ends with the
   deadline error no sooner than its final deadline, or with its byte. */
static void deadlines_moved_under_blocking_reads(void) {
    enum { N = 24 };
    wp_loop l;
    wp_fd a[N], b[N];
    timed_reader x[N];
    HANDLE th[N];
    long long dl[N], t0;
    int i;
    WPT_OK(wp_loop_init(&l));
    for (i = 0; i < N; i++) {
        WPT_CHECK(suite_fd_pair(&l, AF_INET, &a[i], &b[i]));
        WPT_OK(wp_fd_set_deadline(&a[i], WINPOLL_DEADLINE_READ, wp_monotonic_ns() + 30000000000ll));
        x[i].fd = &a[i];
        x[i].r = 99;
        th[i] = start_thread(read_one, &x[i]);
        WPT_CHECK(th[i] != NULL);
    }
    Sleep(100); /* most are waiting by now; the others start with the moved value */
    t0 = wp_monotonic_ns();
    for (i = 0; i < N; i++) {
        dl[i] = i % 3 == 2 ? 0 : t0 + 100000000 + (long long)(next_random() % 300000000);
        WPT_OK(wp_fd_set_deadline(&a[i], WINPOLL_DEADLINE_READ, dl[i]));
    }
    Sleep(600);
    for (i = 2; i < N; i += 3) WPT_EQ(wp_fd_write(&b[i], "k", 1), 1);
    for (i = 0; i < N; i++) {
        WPT_CHECK(join_thread(th[i], 20000));
        if (dl[i] == 0) {
            WPT_EQ(x[i].r, 1);
        } else {
            WPT_EQ(x[i].r, -WINPOLL_ERR_DEADLINE);
            WPT_CHECK(x[i].at >= dl[i]);
        }
    }
    for (i = 0; i < N; i++) {
        WPT_OK(wp_fd_close(&a[i]));
        WPT_OK(wp_fd_close(&b[i]));
    }
    WPT_OK(wp_loop_close(&l));
}

static const wpt_case cases[] = {
    WPT_CASE(many_timers_fire_in_order_once_never_early),
    WPT_CASE(timer_rules),
    WPT_CASE(timer_ends_an_infinite_poll),
    WPT_CASE(cancel_from_another_thread_races_the_fire),
    WPT_CASE(posts_from_eight_threads_each_delivered_once),
    WPT_CASE(post_ends_an_infinite_poll),
    WPT_CASE(deadlines_moved_while_pending),
    WPT_CASE(deadlines_moved_under_blocking_reads),
};

WPT_MAIN(cases)
