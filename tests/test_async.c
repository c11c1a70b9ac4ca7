/* test_async.c - the async face: operations started without blocking and
   handed back by wp_loop_poll, exactly once, over real loopback sockets:
   echo, the FD lock (-ERROR_BUSY), poll timeouts and wake-ups, deadlines,
   close of an FD with operations in flight (also from the only thread that
   polls), accept and connect, datagrams, 100 connections driven from one
   thread with poll(0), blocking calls and async operations sharing one
   loop, a connection reset before accept, an AF_UNIX accept, the order of
   delivery (rounds, newest first), turns that skip the port when nothing
   in flight has finished, and fairness: 64 connections
   under continuous ping-pong where none may starve. In blocking mode the
   same tests run: an operation runs inside its start and the next poll
   delivers it. */
#define SUITE_COUNT_BYTES
#include "suite.h"

#include <string.h>

static wp_loop loop;

static void loop_setup(void) {
    static int done;
    if (!done) done = wp_loop_init(&loop) == 0;
}

#define NEED_IOCP SUITE_NEED_IOCP

static int tcp_pair(wp_fd *a, wp_fd *b) { return suite_fd_pair(&loop, AF_INET, a, b); }

/* Polls until want operations have come back (each one once) or ms pass.
   Returns how many came. */
static int poll_for(wp_async **got, int want, long ms) {
    int n = 0;
    long long end = wp_monotonic_ns() + (long long)ms * 1000000;
    while (n < want && wp_monotonic_ns() < end) {
        int k = wp_loop_poll(&loop, got + n, want - n, 50);
        if (k < 0) return -1;
        n += k;
    }
    return n;
}

static void echo(void) {
    wp_fd a, b;
    wp_async r, w, *got[4];
    char buf[16];
    loop_setup();
    WPT_CHECK(tcp_pair(&a, &b));
    r.user = &r;
    w.user = &w;
    if (wp_mode() == WINPOLL_MODE_IOCP) {
        WPT_OK(wp_async_read(&r, &b, buf, sizeof buf));
        WPT_EQ(wp_loop_poll(&loop, got, 4, 0), 0); /* nothing sent yet */
        WPT_OK(wp_async_write(&w, &a, "hello", 5));
    } else { /* the read runs inside its start: write first */
        WPT_OK(wp_async_write(&w, &a, "hello", 5));
        WPT_OK(wp_async_read(&r, &b, buf, sizeof buf));
    }
    WPT_EQ(poll_for(got, 2, 5000), 2);
    WPT_CHECK((got[0] == &r && got[1] == &w) || (got[0] == &w && got[1] == &r));
    WPT_EQ(w.result, 5);
    WPT_EQ(w.op, WINPOLL_ASYNC_WRITE);
    WPT_CHECK(w.fd == &a);
    WPT_EQ(r.result, 5);
    WPT_EQ(r.op, WINPOLL_ASYNC_READ);
    WPT_CHECK(r.user == &r);
    WPT_MEMEQ(buf, "hello", 5);
    WPT_EQ(wp_loop_poll(&loop, got, 4, 0), 0); /* each once */
    /* end of file comes back as 0 */
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_async_read(&r, &b, buf, sizeof buf));
    WPT_EQ(poll_for(got, 1, 5000), 1);
    WPT_CHECK(got[0] == &r);
    WPT_EQ(r.result, 0);
    WPT_OK(wp_fd_close(&b));
}

static void bad_starts_deliver_nothing(void) {
    wp_fd a, b, f;
    wp_async r, r2, *got[2];
    char buf[8];
    HANDLE h;
    loop_setup();
    WPT_CHECK(tcp_pair(&a, &b));
    WPT_ERR(wp_async_read(NULL, &b, buf, sizeof buf), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_async_read(&r, NULL, buf, sizeof buf), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_async_read(&r, &b, NULL, 4), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_async_writeto(&r, &b, buf, 1, NULL), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_async_accept(&r, &b, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_async_connect(&r, &b, NULL), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_loop_poll(&loop, got, 0, 0), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_loop_poll(&loop, NULL, 1, 0), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_loop_poll(&loop, got, 1, -2), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_loop_poll(NULL, got, 1, 0), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_loop_wake(NULL), ERROR_INVALID_PARAMETER);
    /* an FD on no loop, and one of the wrong kind */
    WPT_OK(wp_open("NUL", WINPOLL_O_RDWR, 0, &h));
    WPT_OK(wp_fd_init(&f, h, 0));
    WPT_ERR(wp_async_read(&r, &f, buf, sizeof buf), ERROR_INVALID_PARAMETER);
    WPT_OK(wp_fd_close(&f));
    /* the read lock is held by a started read: a second one is refused,
       and so is a blocking read's wait avoided */
    if (wp_mode() == WINPOLL_MODE_IOCP) {
        WPT_OK(wp_async_read(&r, &b, buf, sizeof buf));
        WPT_ERR(wp_async_read(&r2, &b, buf, sizeof buf), ERROR_BUSY);
        WPT_EQ(wp_async_write(&r2, &b, "x", 1), 0); /* the write lock is free */
        WPT_EQ(poll_for(got, 1, 5000), 1);
        WPT_CHECK(got[0] == &r2);
        WPT_EQ(r2.result, 1);
        WPT_EQ(wp_fd_write(&a, "y", 1), 1);
        WPT_EQ(poll_for(got, 1, 5000), 1);
        WPT_CHECK(got[0] == &r);
        WPT_EQ(r.result, 1);
        WPT_EQ(buf[0], 'y');
        WPT_EQ(wp_fd_read(&a, buf, 1), 1);
    }
    /* a deadline already past: refused at once */
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, 1));
    WPT_ERR(wp_async_read(&r, &b, buf, sizeof buf), WINPOLL_ERR_DEADLINE);
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, 0));
    /* closed */
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
    WPT_ERR(wp_async_read(&r, &b, buf, sizeof buf), WINPOLL_ERR_NET_CLOSING);
    WPT_EQ(wp_loop_poll(&loop, got, 2, 0), 0);
}

static DWORD WINAPI wake_later(LPVOID arg) {
    Sleep(150);
    wp_loop_wake((wp_loop *)arg);
    return 0;
}

static void poll_timeout_and_wake(void) {
    wp_async *got[1];
    long long t0, t1;
    HANDLE t;
    loop_setup();
    t0 = wp_monotonic_ns();
    WPT_EQ(wp_loop_poll(&loop, got, 1, 120), 0);
    t1 = wp_monotonic_ns();
    WPT_CHECK(t1 - t0 >= 120000000); /* never early */
    WPT_CHECK(t1 - t0 < 2000000000);
    /* a wake from another thread ends an endless poll */
    t0 = wp_monotonic_ns();
    t = CreateThread(NULL, 0, wake_later, &loop, 0, NULL);
    WPT_EQ(wp_loop_poll(&loop, got, 1, WINPOLL_INFINITE), 0);
    t1 = wp_monotonic_ns();
    WPT_CHECK(t1 - t0 >= 100000000);
    WPT_CHECK(t1 - t0 < 5000000000ll);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    /* a wake with nobody polling: the next poll returns at once, once */
    WPT_OK(wp_loop_wake(&loop));
    WPT_OK(wp_loop_wake(&loop));
    t0 = wp_monotonic_ns();
    WPT_EQ(wp_loop_poll(&loop, got, 1, 10000), 0);
    WPT_CHECK(wp_monotonic_ns() - t0 < 1000000000);
    t0 = wp_monotonic_ns();
    WPT_EQ(wp_loop_poll(&loop, got, 1, 60), 0);
    WPT_CHECK(wp_monotonic_ns() - t0 >= 60000000);
}

/* An operation started by another thread while the poll waits on the
   port, and finished at once (a write into an empty socket buffer: no
   packet comes with skip-on-success), must end that wait. */
typedef struct start_later_arg {
    wp_fd *fd;
    wp_async *op;
    volatile long long started;
} start_later_arg;

static DWORD WINAPI start_write_later(LPVOID p) {
    start_later_arg *s = (start_later_arg *)p;
    Sleep(150); /* the poll is waiting by then */
    s->started = wp_async_write(s->op, s->fd, "x", 1);
    return 0;
}

static void start_from_another_thread_ends_the_wait(void) {
    wp_fd a, b;
    wp_async w, *got[1];
    start_later_arg arg;
    HANDLE t;
    long long t0, t1;
    loop_setup();
    WPT_CHECK(tcp_pair(&a, &b));
    arg.fd = &a;
    arg.op = &w;
    arg.started = 12345;
    t0 = wp_monotonic_ns();
    t = CreateThread(NULL, 0, start_write_later, &arg, 0, NULL);
    WPT_EQ(wp_loop_poll(&loop, got, 1, 20000), 1);
    t1 = wp_monotonic_ns();
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    WPT_OK(arg.started);
    WPT_CHECK(got[0] == &w);
    WPT_EQ(w.result, 1);
    WPT_CHECK(t1 - t0 < 5000000000ll); /* not the poll's 20 s */
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

static void deadline_fires_on_a_started_read(void) {
    wp_fd a, b;
    wp_async r, *got[1];
    char buf[8];
    long long dl, end;
    loop_setup();
    WPT_CHECK(tcp_pair(&a, &b));
    if (wp_mode() == WINPOLL_MODE_BLOCKING) { /* the start itself waits out the deadline */
        dl = wp_monotonic_ns() + 150000000;
        WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, dl));
        WPT_OK(wp_async_read(&r, &b, buf, sizeof buf));
        end = wp_monotonic_ns();
        WPT_CHECK(end >= dl && end - dl < 100000000);
        WPT_EQ(wp_loop_poll(&loop, got, 1, 0), 1);
        WPT_ERR(r.result, WINPOLL_ERR_DEADLINE);
        WPT_OK(wp_fd_close(&a));
        WPT_OK(wp_fd_close(&b));
        return;
    }
    dl = wp_monotonic_ns() + 150000000;
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, dl));
    WPT_OK(wp_async_read(&r, &b, buf, sizeof buf));
    WPT_EQ(wp_loop_poll(&loop, got, 1, WINPOLL_INFINITE), 1);
    end = wp_monotonic_ns();
    WPT_CHECK(got[0] == &r);
    WPT_ERR(r.result, WINPOLL_ERR_DEADLINE);
    WPT_CHECK(end >= dl);
    WPT_CHECK(end - dl < 100000000);
    /* moved later while pending, then data arrives before it */
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, wp_monotonic_ns() + 60000000000ll));
    WPT_OK(wp_async_read(&r, &b, buf, sizeof buf));
    WPT_EQ(wp_loop_poll(&loop, got, 1, 100), 0);
    /* moved nearer while the poll sleeps with no limit: it fires */
    dl = wp_monotonic_ns() + 100000000;
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, dl));
    WPT_EQ(wp_loop_poll(&loop, got, 1, WINPOLL_INFINITE), 1);
    end = wp_monotonic_ns();
    WPT_ERR(r.result, WINPOLL_ERR_DEADLINE);
    WPT_CHECK(end >= dl && end - dl < 100000000);
    /* usable afterwards, nothing lost */
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, 0));
    WPT_EQ(wp_fd_write(&a, "later", 5), 5);
    WPT_OK(wp_async_read(&r, &b, buf, sizeof buf));
    WPT_EQ(poll_for(got, 1, 5000), 1);
    WPT_EQ(r.result, 5);
    WPT_MEMEQ(buf, "later", 5);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

/* The only thread that polls closes an FD with a read in flight: close
   takes the packet itself, and the read comes back with the closing error. */
static void close_from_the_polling_thread(void) {
    wp_fd a, b;
    wp_async r, w, *got[2];
    size_t big_n = 64u << 20;
    char *big = (char *)VirtualAlloc(NULL, big_n, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    char buf[8];
    long long t0;
    int n;
    NEED_IOCP("blocking mode runs each operation inside its start: nothing is in flight at close");
    loop_setup();
    WPT_CHECK(tcp_pair(&a, &b));
    WPT_OK(wp_async_read(&r, &b, buf, sizeof buf));
    /* and a write that cannot finish: nobody reads a's side */
    WPT_CHECK(big != NULL);
    WPT_OK(wp_async_write(&w, &b, big, big_n));
    t0 = wp_monotonic_ns();
    WPT_OK(wp_fd_close(&b));
    WPT_CHECK(wp_monotonic_ns() - t0 < 1000000000);
    n = poll_for(got, 2, 5000);
    WPT_EQ(n, 2);
    WPT_ERR(r.result, WINPOLL_ERR_NET_CLOSING);
    /* the write either was cut short (what it wrote, or the error) or had
       all gone into the socket's buffers already */
    WPT_CHECK(w.result == -WINPOLL_ERR_NET_CLOSING || (w.result > 0 && w.result <= (long long)big_n));
    VirtualFree(big, 0, MEM_RELEASE);
    WPT_EQ(wp_loop_poll(&loop, got, 2, 0), 0);
    WPT_OK(wp_fd_close(&a));
}

static DWORD WINAPI close_later(LPVOID arg) {
    Sleep(100);
    return (DWORD)wp_fd_close((wp_fd *)arg);
}

static void close_from_another_thread_while_polling(void) {
    wp_fd a, b;
    wp_async r, *got[1];
    char buf[8];
    HANDLE t;
    DWORD code = 1;
    long long t0;
    NEED_IOCP("blocking mode runs the read inside its start");
    loop_setup();
    WPT_CHECK(tcp_pair(&a, &b));
    WPT_OK(wp_async_read(&r, &b, buf, sizeof buf));
    t0 = wp_monotonic_ns();
    t = CreateThread(NULL, 0, close_later, &b, 0, NULL);
    WPT_EQ(wp_loop_poll(&loop, got, 1, 5000), 1);
    WPT_CHECK(wp_monotonic_ns() - t0 < 1100000000);
    WPT_ERR(r.result, WINPOLL_ERR_NET_CLOSING);
    WaitForSingleObject(t, INFINITE);
    GetExitCodeThread(t, &code);
    CloseHandle(t);
    WPT_EQ(code, 0);
    WPT_OK(wp_fd_close(&a));
}

static void accept_and_connect(void) {
    wp_fd l, c, s;
    wp_async aa, ac, r, w, *got[2];
    wp_sockaddr lo, bound, local, peer, cself;
    SOCKET ls, cs;
    char buf[8];
    int i;
    loop_setup();
    WPT_OK(wp_socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP, &ls));
    WPT_OK(wp_ip_parse(&lo, "::1"));
    WPT_OK(wp_bind(ls, &lo));
    WPT_OK(wp_listen(ls, 16));
    WPT_OK(wp_getsockname(ls, &bound));
    WPT_OK(wp_fd_init(&l, (HANDLE)ls, 0));
    WPT_OK(wp_fd_attach(&l, &loop));
    WPT_OK(wp_socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP, &cs));
    WPT_OK(wp_fd_init(&c, (HANDLE)cs, 0));
    WPT_OK(wp_fd_attach(&c, &loop));
    if (wp_mode() == WINPOLL_MODE_BLOCKING) { /* each runs inside its start: connect first */
        WPT_OK(wp_async_connect(&ac, &c, &bound));
        WPT_OK(wp_async_accept(&aa, &l, &s, &local, &peer));
    } else {
        WPT_OK(wp_async_accept(&aa, &l, &s, &local, &peer));
        WPT_OK(wp_async_connect(&ac, &c, &bound));
    }
    WPT_EQ(poll_for(got, 2, 5000), 2);
    WPT_EQ(aa.result, 0);
    WPT_EQ(ac.result, 0);
    WPT_OK(wp_getsockname(cs, &cself));
    WPT_EQ(peer.family, AF_INET6);
    WPT_EQ(peer.port, cself.port);
    WPT_EQ(local.port, bound.port);
    /* the accepted FD is on the loop */
    for (i = 0; i < 3; i++) {
        WPT_OK(wp_async_write(&w, &c, "ping", 4));
        WPT_OK(wp_async_read(&r, &s, buf, sizeof buf));
        WPT_EQ(poll_for(got, 2, 5000), 2);
        WPT_EQ(r.result, 4);
        WPT_MEMEQ(buf, "ping", 4);
    }
    /* connect refused comes back as the result */
    {
        wp_fd d;
        SOCKET dsock;
        WPT_OK(wp_socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP, &dsock));
        WPT_OK(wp_fd_init(&d, (HANDLE)dsock, 0));
        WPT_OK(wp_fd_attach(&d, &loop));
        WPT_OK(wp_fd_close(&l)); /* nobody listens on bound now */
        WPT_OK(wp_async_connect(&ac, &d, &bound));
        WPT_EQ(poll_for(got, 1, 10000), 1);
        WPT_CHECK(ac.result == -WSAECONNREFUSED || ac.result == -ERROR_CONNECTION_REFUSED);
        WPT_OK(wp_fd_close(&d));
    }
    WPT_OK(wp_fd_close(&c));
    WPT_OK(wp_fd_close(&s));
}

static void datagrams(void) {
    wp_fd u, v;
    wp_async r, w, *got[2];
    wp_sockaddr lo, ua, vfrom;
    SOCKET us, vs;
    char buf[8];
    loop_setup();
    WPT_OK(wp_ip_parse(&lo, "127.0.0.1"));
    WPT_OK(wp_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP, &us));
    WPT_OK(wp_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP, &vs));
    WPT_OK(wp_bind(us, &lo));
    WPT_OK(wp_bind(vs, &lo));
    WPT_OK(wp_getsockname(us, &ua));
    WPT_OK(wp_fd_init(&u, (HANDLE)us, 0));
    WPT_OK(wp_fd_init(&v, (HANDLE)vs, 0));
    WPT_OK(wp_fd_attach(&u, &loop));
    WPT_OK(wp_fd_attach(&v, &loop));
    if (wp_mode() == WINPOLL_MODE_BLOCKING) {
        WPT_OK(wp_async_writeto(&w, &v, "datagram!", 9, &ua));
        WPT_OK(wp_async_readfrom(&r, &u, buf, 4, &vfrom));
    } else {
        WPT_OK(wp_async_readfrom(&r, &u, buf, 4, &vfrom));
        WPT_OK(wp_async_writeto(&w, &v, "datagram!", 9, &ua));
    }
    WPT_EQ(poll_for(got, 2, 5000), 2);
    WPT_EQ(w.result, 9);
    WPT_EQ(r.result, 4);
    WPT_EQ(r.truncated, 1);
    WPT_MEMEQ(buf, "data", 4);
    {
        wp_sockaddr vself;
        WPT_OK(wp_getsockname(vs, &vself));
        WPT_EQ(vfrom.family, AF_INET);
        WPT_EQ(vfrom.port, vself.port);
    }
    WPT_OK(wp_async_writeto(&w, &v, "ok", 2, &ua));
    WPT_EQ(poll_for(got, 1, 5000), 1);
    WPT_OK(wp_async_readfrom(&r, &u, buf, sizeof buf, NULL));
    WPT_EQ(poll_for(got, 1, 5000), 1);
    WPT_EQ(r.result, 2);
    WPT_EQ(r.truncated, 0);
    WPT_OK(wp_fd_close(&u));
    WPT_OK(wp_fd_close(&v));
}

/* ---- 100 connections from one thread, poll(0) in a loop ---- */

#define CONNS 100
#define ROUNDS 20

typedef struct conn {
    wp_fd c, s;               /* client and server ends */
    wp_async cw, cr, sr, sw;  /* client write/read, server read/write */
    char cbuf[32], sbuf[32];
    int round, served;
    unsigned char state;      /* 0 client writing, 1 client reading */
    int bad;
} conn;

static void msg_of(char *m, int i, int round) {
    memset(m, 0, 32);
    m[0] = (char)('A' + i % 26);
    m[1] = (char)('0' + round % 10);
    m[2] = (char)i;
    m[3] = (char)round;
}

static void hundred_connections_poll_zero(void) {
    static conn cs[CONNS];
    wp_async *got[64];
    int i, finished = 0, polls = 0;
    long long end;
    NEED_IOCP("blocking mode runs each operation inside its start: one thread cannot interleave 100 connections");
    loop_setup();
    memset(cs, 0, sizeof cs);
    for (i = 0; i < CONNS; i++) {
        conn *k = &cs[i];
        WPT_CHECK(tcp_pair(&k->c, &k->s));
        k->cw.user = k->cr.user = k->sr.user = k->sw.user = k;
        WPT_OK(wp_async_read(&k->sr, &k->s, k->sbuf, 32));
        msg_of(k->cbuf, i, 0);
        WPT_OK(wp_async_write(&k->cw, &k->c, k->cbuf, 32));
    }
    end = wp_monotonic_ns() + 60000000000ll;
    while (finished < CONNS && wp_monotonic_ns() < end) {
        int n = wp_loop_poll(&loop, got, 64, 0), j;
        polls++;
        WPT_CHECK(n >= 0);
        for (j = 0; j < n; j++) {
            wp_async *a = got[j];
            conn *k = (conn *)a->user;
            int idx = (int)(k - cs);
            if (a == &k->sr) { /* the server got a message: echo it */
                if (a->result != 32) k->bad++;
                else WPT_OK(wp_async_write(&k->sw, &k->s, k->sbuf, 32));
            } else if (a == &k->sw) { /* echoed: read the next */
                if (a->result != 32) k->bad++;
                k->served++;
                if (k->served < ROUNDS) WPT_OK(wp_async_read(&k->sr, &k->s, k->sbuf, 32));
            } else if (a == &k->cw) {
                if (a->result != 32) k->bad++;
                WPT_OK(wp_async_read(&k->cr, &k->c, k->cbuf, 32));
            } else if (a == &k->cr) {
                char want[32];
                msg_of(want, idx, k->round);
                if (a->result != 32 || memcmp(want, k->cbuf, 32) != 0) k->bad++;
                if (++k->round == ROUNDS) {
                    finished++;
                } else {
                    msg_of(k->cbuf, idx, k->round);
                    WPT_OK(wp_async_write(&k->cw, &k->c, k->cbuf, 32));
                }
            }
        }
    }
    WPT_EQ(finished, CONNS);
    for (i = 0; i < CONNS; i++) {
        WPT_EQ(cs[i].bad, 0);
        WPT_EQ(cs[i].round, ROUNDS);
        WPT_OK(wp_fd_close(&cs[i].c));
        WPT_OK(wp_fd_close(&cs[i].s));
    }
    WPT_EQ(wp_loop_poll(&loop, got, 64, 0), 0);
    printf("    %d connections x %d round trips in %d polls\n", CONNS, ROUNDS, polls);
}

/* ---- a blocking call and async operations on one loop ---- */

static volatile long long blocked_result;

static DWORD WINAPI blocked_reader(LPVOID arg) {
    char buf[8];
    blocked_result = wp_fd_read((wp_fd *)arg, buf, sizeof buf);
    return 0;
}

static void blocking_and_async_share_a_loop(void) {
    wp_fd a, b, c, d;
    wp_async r, *got[1];
    HANDLE t;
    char buf[8];
    int i;
    NEED_IOCP("blocking mode has no port to share");
    loop_setup();
    WPT_CHECK(tcp_pair(&a, &b));
    WPT_CHECK(tcp_pair(&c, &d));
    blocked_result = -1;
    t = CreateThread(NULL, 0, blocked_reader, &b, 0, NULL); /* it may lead the loop */
    Sleep(50);
    for (i = 0; i < 20; i++) { /* async traffic, polled here, while it waits */
        WPT_OK(wp_async_read(&r, &d, buf, sizeof buf));
        WPT_EQ(wp_fd_write(&c, "abc", 3), 3);
        WPT_EQ(wp_loop_poll(&loop, got, 1, 5000), 1);
        WPT_EQ(r.result, 3);
    }
    WPT_EQ(blocked_result, -1);
    WPT_EQ(wp_fd_write(&a, "wake", 4), 4);
    WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    CloseHandle(t);
    WPT_EQ(blocked_result, 4);
    /* and the other way: the blocked thread's packet taken by a poller */
    blocked_result = -1;
    t = CreateThread(NULL, 0, blocked_reader, &b, 0, NULL);
    WPT_OK(wp_async_read(&r, &d, buf, sizeof buf));
    Sleep(50);
    WPT_EQ(wp_fd_write(&a, "more", 4), 4);
    WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    CloseHandle(t);
    WPT_EQ(blocked_result, 4);
    WPT_EQ(wp_fd_write(&c, "x", 1), 1);
    WPT_EQ(wp_loop_poll(&loop, got, 1, 5000), 1);
    WPT_EQ(r.result, 1);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
    WPT_OK(wp_fd_close(&c));
    WPT_OK(wp_fd_close(&d));
}

/* ---- a connection reset before it is accepted ---- */

static void reset_before_accept(void) {
    wp_fd l, s;
    wp_async aa, *got[1];
    wp_sockaddr lo, bound, peer, goodself;
    SOCKET ls, bad, good;
    int round;
    loop_setup();
    for (round = 0; round < 2; round++) { /* 0: wp_fd_accept, 1: wp_async_accept */
        WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &ls));
        WPT_OK(wp_ip_parse(&lo, "127.0.0.1"));
        WPT_OK(wp_bind(ls, &lo));
        WPT_OK(wp_listen(ls, 8));
        WPT_OK(wp_getsockname(ls, &bound));
        WPT_OK(wp_fd_init(&l, (HANDLE)ls, 0));
        WPT_OK(wp_fd_attach(&l, &loop));
        /* one that connects and resets while it waits in the backlog */
        WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &bad));
        WPT_OK(wp_connect(bad, &bound));
        WPT_OK(wp_set_linger(bad, 1, 0));
        WPT_OK(wp_closesocket(bad)); /* RST */
        Sleep(50);
        WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &good));
        WPT_OK(wp_connect(good, &bound));
        WPT_OK(wp_getsockname(good, &goodself));
        /* the listener survives: accept never fails, and the good one is
           among the first two it returns (Windows drops the reset one or
           fails AcceptEx with ERROR_NETNAME_DELETED, which is skipped;
           Wine may hand it over, dead, as a connection that reads EOF) */
        {
            int tries, found = 0;
            for (tries = 0; tries < 2 && !found; tries++) {
                if (round == 0) {
                    WPT_OK(wp_fd_accept(&l, &s, NULL, &peer));
                } else {
                    WPT_OK(wp_async_accept(&aa, &l, &s, NULL, &peer));
                    WPT_EQ(poll_for(got, 1, 5000), 1);
                    WPT_EQ(aa.result, 0);
                }
                found = peer.port == goodself.port;
                WPT_OK(wp_fd_close(&s));
            }
            WPT_CHECK(found);
        }
        WPT_OK(wp_closesocket(good));
        WPT_OK(wp_fd_close(&l));
    }
}

/* The order of delivery: rounds, newest first, and nothing that finished
   later passes what a round still holds. Writes of one byte finish at once
   (skip-on-success; in blocking mode inside their start; without skip mode
   their packets come in one port call): the order does not depend on it. */
static void rounds_newest_first_none_passed(void) {
    wp_fd c[4], s[4];
    wp_async w[6], *got[8];
    char buf[8];
    int i;
    loop_setup();
    for (i = 0; i < 4; i++) WPT_CHECK(tcp_pair(&c[i], &s[i]));
    for (i = 0; i < 3; i++) WPT_OK(wp_async_write(&w[i], &c[i], "x", 1));
    WPT_EQ(poll_for(got, 1, 5000), 1);
    WPT_CHECK(got[0] == &w[2]); /* the round: w2 w1 w0 */
    WPT_OK(wp_async_write(&w[3], &c[3], "x", 1)); /* the next round */
    WPT_EQ(poll_for(got, 1, 5000), 1);
    WPT_CHECK(got[0] == &w[1]);
    WPT_EQ(poll_for(got, 1, 5000), 1);
    WPT_CHECK(got[0] == &w[0]);
    WPT_EQ(poll_for(got, 1, 5000), 1);
    WPT_CHECK(got[0] == &w[3]);
    /* a poll with room takes the rest of a round and the next one */
    WPT_OK(wp_async_write(&w[4], &c[0], "x", 1));
    WPT_OK(wp_async_write(&w[5], &c[1], "x", 1));
    WPT_EQ(poll_for(got, 2, 5000), 2);
    WPT_CHECK(got[0] == &w[5] && got[1] == &w[4]);
    WPT_EQ(wp_loop_poll(&loop, got, 8, 0), 0);
    for (i = 0; i < 4; i++) {
        WPT_EQ(wp_fd_read(&s[i], buf, sizeof buf), i < 2 ? 2 : 1);
        WPT_OK(wp_fd_close(&c[i]));
        WPT_OK(wp_fd_close(&s[i]));
    }
}

/* Whether a turn called the port, seen through a packet of a key that is
   not the library's, posted to the loop's port: a port call takes it (and
   drops it), a skipped one leaves it there. */
#define STRANGER_KEY ((ULONG_PTR)0x5354524Eu)

/* Empties the port: 1 when the stranger's packet was there, 0 when not, -1
   when an operation's packet was (the loop would have lost it). A wake
   packet an earlier test left behind is dropped, as the loop drops it. */
static int stranger_waits(void) {
    DWORD n = 0;
    ULONG_PTR key = 0;
    OVERLAPPED *ov = NULL;
    int found = 0;
    for (;;) {
        BOOL ok;
        ov = NULL;
        ok = GetQueuedCompletionStatus(loop.port, &n, &key, &ov, 0);
        if (!ok && ov == NULL) return found; /* empty */
        if (ov != NULL) return -1;
        if (key == STRANGER_KEY) found = 1;
    }
}

/* A turn that only looks calls the port just before a round begins, and
   only while something is pending on it: while the current round lasts,
   and with nothing pending, it makes no port call (a stranger's packet
   stays); a pending read's packet is taken by the next turn that begins a
   round. No turn looks at the operations themselves. */
static void quiet_turns_skip_the_port(void) {
    wp_fd a, b;
    wp_async r, w1, w2, *got[4];
    char buf[8];
    NEED_IOCP("blocking mode has no port");
    loop_setup();
    if (!wp__imports.skip_on_success) WPT_SKIP("a TCP provider without IFS handles: every operation posts a packet");
    WPT_EQ(stranger_waits(), 0);
    WPT_CHECK(tcp_pair(&a, &b));
    /* nothing pending: a turn that only looks makes no port call */
    WPT_OK(wp_async_write(&w1, &b, "x", 1)); /* finishes at once: a result waits, no packet */
    WPT_CHECK(PostQueuedCompletionStatus(loop.port, 0, STRANGER_KEY, NULL));
    WPT_EQ(wp_loop_poll(&loop, got, 4, 0), 1);
    WPT_CHECK(got[0] == &w1 && w1.result == 1);
    WPT_EQ(stranger_waits(), 1);
    /* a read pending: the turn that begins a round calls the port */
    WPT_OK(wp_async_read(&r, &b, buf, sizeof buf));
    WPT_CHECK(!HasOverlappedIoCompleted(&b.rop.ov));
    WPT_OK(wp_async_write(&w1, &b, "x", 1));
    WPT_OK(wp_async_write(&w2, &b, "q", 1));
    WPT_CHECK(PostQueuedCompletionStatus(loop.port, 0, STRANGER_KEY, NULL));
    WPT_EQ(wp_loop_poll(&loop, got, 1, 0), 1); /* the round of two begins: one handed out */
    WPT_EQ(stranger_waits(), 0);
    /* the round goes on: no port call, even with a read pending */
    WPT_CHECK(PostQueuedCompletionStatus(loop.port, 0, STRANGER_KEY, NULL));
    WPT_EQ(wp_loop_poll(&loop, got, 1, 0), 1);
    WPT_EQ(stranger_waits(), 1);
    /* the read finishes: the next turn takes its packet */
    WPT_EQ(wp_fd_write(&a, "yz", 2), 2);
    {
        int i;
        for (i = 0; i < 5000 && !HasOverlappedIoCompleted(&b.rop.ov); i++) Sleep(1);
    }
    WPT_EQ(wp_loop_poll(&loop, got, 4, 0), 1);
    WPT_CHECK(got[0] == &r && r.result == 2 && memcmp(buf, "yz", 2) == 0);
    WPT_EQ(wp_fd_read(&a, buf, sizeof buf), 3);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

/* ---- fairness: 64 connections, continuous ping-pong, 3 s ---- */

#define FAIR_CONNS 64
#define FAIR_MS 3000

typedef struct fair_conn {
    wp_fd c, s;
    wp_async cw, cr, sr, sw;
    char cbuf[64], sbuf[64];
    long long sent_at, longest, trips;
} fair_conn;

static fair_conn fair[FAIR_CONNS];
static wp_loop client_loop;
static volatile LONG fair_stop;
static volatile LONG fair_bad;

/* The clients run on their own loop in their own thread. */
static DWORD WINAPI fair_clients(LPVOID arg) {
    wp_async *got[64];
    int i, live = FAIR_CONNS;
    (void)arg;
    for (i = 0; i < FAIR_CONNS; i++) {
        fair[i].sent_at = wp_monotonic_ns();
        if (wp_async_write(&fair[i].cw, &fair[i].c, fair[i].cbuf, 64) != 0) InterlockedIncrement(&fair_bad);
    }
    while (live > 0) {
        int n = wp_loop_poll(&client_loop, got, 64, 100), j;
        if (n < 0) {
            InterlockedIncrement(&fair_bad);
            break;
        }
        for (j = 0; j < n; j++) {
            fair_conn *k = (fair_conn *)got[j]->user;
            if (got[j]->result != 64) {
                InterlockedIncrement(&fair_bad);
                live--;
                continue;
            }
            if (got[j] == &k->cw) {
                if (wp_async_read(&k->cr, &k->c, k->cbuf, 64) != 0) InterlockedIncrement(&fair_bad);
            } else {
                long long now = wp_monotonic_ns();
                if (now - k->sent_at > k->longest) k->longest = now - k->sent_at;
                k->trips++;
                if (fair_stop) {
                    live--;
                    continue;
                }
                k->sent_at = now;
                if (wp_async_write(&k->cw, &k->c, k->cbuf, 64) != 0) InterlockedIncrement(&fair_bad);
            }
        }
    }
    return 0;
}

static void fairness_64_connections(void) {
    wp_async *got[64];
    HANDLE t;
    int i, live;
    long long end, least = -1, most = 0, longest = 0, total = 0;
    NEED_IOCP("blocking mode runs each operation inside its start: one thread cannot serve 64 connections");
    loop_setup();
    WPT_OK(wp_loop_init(&client_loop));
    memset(fair, 0, sizeof fair);
    fair_stop = 0;
    fair_bad = 0;
    for (i = 0; i < FAIR_CONNS; i++) {
        fair_conn *k = &fair[i];
        WPT_CHECK(suite_fd_pair(NULL, AF_INET, &k->c, &k->s));
        WPT_OK(wp_fd_attach(&k->c, &client_loop));
        WPT_OK(wp_fd_attach(&k->s, &loop));
        k->cw.user = k->cr.user = k->sr.user = k->sw.user = k;
        memset(k->cbuf, 'a' + i % 26, 64);
        WPT_OK(wp_async_read(&k->sr, &k->s, k->sbuf, 64));
    }
    t = CreateThread(NULL, 0, fair_clients, NULL, 0, NULL);
    /* the server: one thread, the async face, echo */
    end = wp_monotonic_ns() + (long long)FAIR_MS * 1000000;
    live = FAIR_CONNS;
    while (live > 0) {
        int n = wp_loop_poll(&loop, got, 64, 100), j;
        WPT_CHECK(n >= 0);
        if (!fair_stop && wp_monotonic_ns() >= end) fair_stop = 1;
        if (fair_stop && n == 0 && WaitForSingleObject(t, 0) == WAIT_OBJECT_0) break;
        for (j = 0; j < n; j++) {
            fair_conn *k = (fair_conn *)got[j]->user;
            if (got[j] == &k->sr) {
                if (got[j]->result <= 0) { /* the client is gone */
                    live--;
                    continue;
                }
                WPT_OK(wp_async_write(&k->sw, &k->s, k->sbuf, (size_t)got[j]->result));
            } else {
                WPT_EQ(got[j]->result, 64);
                WPT_OK(wp_async_read(&k->sr, &k->s, k->sbuf, 64));
            }
        }
    }
    WPT_EQ(WaitForSingleObject(t, 30000), WAIT_OBJECT_0);
    CloseHandle(t);
    WPT_EQ(fair_bad, 0);
    for (i = 0; i < FAIR_CONNS; i++) {
        if (least < 0 || fair[i].trips < least) least = fair[i].trips;
        if (fair[i].trips > most) most = fair[i].trips;
        if (fair[i].longest > longest) longest = fair[i].longest;
        total += fair[i].trips;
    }
    printf("    %d connections, %d ms: %lld round trips, least %lld, most %lld (%.2f), longest wait %.1f ms\n",
           FAIR_CONNS, FAIR_MS, total, least, most, most > 0 ? (double)least / (double)most : 0.0,
           (double)longest / 1e6);
    WPT_CHECK(least > 0);
    WPT_CHECK(least * 4 >= most);
    WPT_CHECK(longest < 1000000000);
    for (i = 0; i < FAIR_CONNS; i++) {
        WPT_OK(wp_fd_close(&fair[i].c));
        WPT_OK(wp_fd_close(&fair[i].s));
    }
    /* what the closes cut short comes back too */
    while (wp_loop_poll(&loop, got, 64, 0) > 0) {
    }
    while (wp_loop_poll(&client_loop, got, 64, 0) > 0) {
    }
    WPT_OK(wp_loop_close(&client_loop));
}

static void loop_close_refuses_while_busy(void) {
    wp_loop lp;
    wp_fd a, b;
    wp_async r, *got[1];
    char buf[4];
    NEED_IOCP("blocking mode runs the read inside its start");
    WPT_OK(wp_loop_init(&lp));
    WPT_CHECK(suite_fd_pair(&lp, AF_INET, &a, &b));
    WPT_OK(wp_async_read(&r, &b, buf, sizeof buf));
    WPT_ERR(wp_loop_close(&lp), ERROR_BUSY);
    WPT_OK(wp_fd_close(&b));
    WPT_EQ(wp_loop_poll(&lp, got, 1, 5000), 1);
    WPT_ERR(r.result, WINPOLL_ERR_NET_CLOSING);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_loop_close(&lp));
}

/* An async accept on AF_UNIX: its addresses need more room than an IP
   accept keeps in the FD it fills, so it allocates (and frees) the room;
   the library's bytes return to where they were. */
static void unix_accept(void) {
    wp_fd l, c, s;
    wp_async aa, *got[1];
    wp_sockaddr addr, local;
    SOCKET ls, cs;
    char dir[1024], path[1200];
    LONG64 before;
    loop_setup();
    SUITE_UNIX_SOCKET(&ls);
    WPT_CHECK(suite_tempdir(dir, sizeof dir, "asyncunix"));
    snprintf(path, sizeof path, "%s\\s", dir);
    WPT_OK(wp_sockaddr_unix(&addr, path));
    WPT_OK(wp_bind(ls, &addr));
    WPT_OK(wp_listen(ls, 4));
    WPT_OK(wp_fd_init(&l, (HANDLE)ls, 0));
    WPT_OK(wp_fd_attach(&l, &loop));
    before = bytes_held;
    WPT_OK(wp_socket(AF_UNIX, SOCK_STREAM, 0, &cs));
    WPT_OK(wp_connect(cs, &addr)); /* the backlog takes it */
    WPT_OK(wp_async_accept(&aa, &l, &s, &local, NULL));
    WPT_EQ(poll_for(got, 1, 5000), 1);
    WPT_EQ(aa.result, 0);
    WPT_EQ(local.family, AF_UNIX);
    WPT_EQ(bytes_held, before);
    WPT_OK(wp_fd_init(&c, (HANDLE)cs, 0));
    WPT_OK(wp_fd_attach(&c, &loop));
    WPT_EQ(wp_fd_write(&c, "unix", 4), 4);
    {
        char buf[8];
        WPT_EQ(wp_fd_read(&s, buf, sizeof buf), 4);
        WPT_MEMEQ(buf, "unix", 4);
    }
    WPT_OK(wp_fd_close(&c));
    WPT_OK(wp_fd_close(&s));
    WPT_OK(wp_fd_close(&l));
    suite_rmtree(dir);
}

static const wpt_case cases[] = {
    WPT_CASE(echo),
    WPT_CASE(bad_starts_deliver_nothing),
    WPT_CASE(poll_timeout_and_wake),
    WPT_CASE(start_from_another_thread_ends_the_wait),
    WPT_CASE(deadline_fires_on_a_started_read),
    WPT_CASE(close_from_the_polling_thread),
    WPT_CASE(close_from_another_thread_while_polling),
    WPT_CASE(accept_and_connect),
    WPT_CASE(datagrams),
    WPT_CASE(hundred_connections_poll_zero),
    WPT_CASE(blocking_and_async_share_a_loop),
    WPT_CASE(reset_before_accept),
    WPT_CASE(rounds_newest_first_none_passed),
    WPT_CASE(quiet_turns_skip_the_port),
    WPT_CASE(fairness_64_connections),
    WPT_CASE(loop_close_refuses_while_busy),
    WPT_CASE(unix_accept),
};

WPT_MAIN(cases)
