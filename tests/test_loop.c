/* test_loop.c - socket FDs attached to a completion-port loop: echo on IPv4
   and IPv6, 64 MiB checksummed both ways at once, the synchronous fast path,
   deadlines (never early, late by less than 100 ms here, moved while an
   operation pends, already past), close from another thread during a
   pending read, and many threads waiting on one loop. All of it runs in
   both modes, but for the tests of the port itself. */
/* The allocator hooks count the bytes the library holds (the size is kept
   in front of each block). */
#define SUITE_COUNT_BYTES

#include "suite.h"

#include <string.h>

static wp_loop loop;

/* A connected TCP pair on loopback, both ends attached to the loop. */
static int tcp_pair(int family, wp_fd *a, wp_fd *b) { return suite_fd_pair(&loop, family, a, b); }

static void loop_setup(void) {
    static int done;
    if (!done) done = wp_loop_init(&loop) == 0;
}

#define NEED_IOCP SUITE_NEED_IOCP

static void echo_on(int family) {
    wp_fd a, b;
    char buf[16];
    loop_setup();
    WPT_CHECK(tcp_pair(family, &a, &b));
    WPT_EQ(wp_fd_write(&a, "hello", 5), 5);
    WPT_EQ(wp_fd_read(&b, buf, sizeof buf), 5);
    WPT_MEMEQ(buf, "hello", 5);
    WPT_EQ(wp_fd_write(&b, "world!", 6), 6);
    WPT_EQ(wp_fd_read(&a, buf, sizeof buf), 6);
    WPT_MEMEQ(buf, "world!", 6);
    WPT_OK(wp_fd_close(&a));
    WPT_EQ(wp_fd_read(&b, buf, sizeof buf), 0); /* the peer closed: end of file */
    WPT_OK(wp_fd_close(&b));
}

static void echo_ipv4(void) { echo_on(AF_INET); }
static void echo_ipv6(void) { echo_on(AF_INET6); }

/* ---- 64 MiB both ways at once ---- */

#define BIG (64u << 20)
#define CHUNK (64u << 10)

typedef struct big_side {
    wp_fd *fd;
    unsigned long long sum; /* FNV-1a of the bytes */
    long long done;
    int failed;
} big_side;

static unsigned long long fnv(unsigned long long h, const unsigned char *p, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void fill(unsigned char *p, size_t n, unsigned long long at) {
    size_t i;
    for (i = 0; i < n; i++) p[i] = (unsigned char)((at + i) * 2654435761u >> 13);
}

static DWORD WINAPI big_writer(LPVOID arg) {
    big_side *s = (big_side *)arg;
    static unsigned char buf[CHUNK];
    unsigned long long h = 14695981039346656037ull;
    while (s->done < (long long)BIG) {
        long long r;
        fill(buf, CHUNK, (unsigned long long)s->done);
        h = fnv(h, buf, CHUNK);
        r = wp_fd_write(s->fd, buf, CHUNK);
        if (r != (long long)CHUNK) {
            s->failed = 1;
            break;
        }
        s->done += r;
    }
    s->sum = h;
    return 0;
}

static DWORD WINAPI big_reader(LPVOID arg) {
    big_side *s = (big_side *)arg;
    static unsigned char buf[CHUNK];
    unsigned long long h = 14695981039346656037ull;
    while (s->done < (long long)BIG) {
        long long r = wp_fd_read(s->fd, buf, CHUNK);
        if (r <= 0) {
            s->failed = 1;
            break;
        }
        h = fnv(h, buf, (size_t)r);
        s->done += r;
    }
    s->sum = h;
    return 0;
}

/* The server echoes in its own thread. */
static DWORD WINAPI big_echo(LPVOID arg) {
    big_side *s = (big_side *)arg;
    static unsigned char buf[CHUNK];
    while (s->done < (long long)BIG) {
        long long r = wp_fd_read(s->fd, buf, CHUNK);
        if (r <= 0 || wp_fd_write(s->fd, buf, (size_t)r) != r) {
            s->failed = 1;
            break;
        }
        s->done += r;
    }
    return 0;
}

static void sixty_four_mib_both_ways(void) {
    wp_fd a, b;
    big_side w, r, e;
    HANDLE t[3];
    loop_setup();
    WPT_CHECK(tcp_pair(AF_INET, &a, &b));
    memset(&w, 0, sizeof w);
    memset(&r, 0, sizeof r);
    memset(&e, 0, sizeof e);
    w.fd = r.fd = &a;
    e.fd = &b;
    t[0] = CreateThread(NULL, 0, big_echo, &e, 0, NULL);
    t[1] = CreateThread(NULL, 0, big_reader, &r, 0, NULL);
    t[2] = CreateThread(NULL, 0, big_writer, &w, 0, NULL);
    WPT_EQ(WaitForMultipleObjects(3, t, TRUE, 100000), WAIT_OBJECT_0);
    CloseHandle(t[0]);
    CloseHandle(t[1]);
    CloseHandle(t[2]);
    WPT_EQ(w.failed + r.failed + e.failed, 0);
    WPT_EQ(r.done, BIG);
    WPT_EQ(r.sum, w.sum);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

/* ---- the fast path ---- */

static void data_waiting_completes_synchronously(void) {
    wp_fd a, b;
    char buf[8];
    LONG before;
    u_long avail = 0;
    int i;
    NEED_IOCP("completion-port mode only: blocking mode has no completions to skip");
    loop_setup();
    if (!wp__imports.skip_on_success) WPT_SKIP("a TCP/UDP provider without IFS handles: no skip-on-success");
    WPT_CHECK(tcp_pair(AF_INET, &a, &b));
    WPT_EQ(wp_fd_write(&a, "12345", 5), 5);
    for (i = 0; i < 1000 && avail < 5; i++) {
        ioctlsocket((SOCKET)b.handle, FIONREAD, &avail);
        if (avail < 5) Sleep(1);
    }
    WPT_EQ(avail, 5);
    before = loop.sync_completions;
    WPT_EQ(wp_fd_read(&b, buf, sizeof buf), 5);
    WPT_EQ(loop.sync_completions, before + 1);
    /* and a read with nothing waiting is no synchronous completion */
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, wp_monotonic_ns() + 30000000));
    WPT_ERR(wp_fd_read(&b, buf, sizeof buf), WINPOLL_ERR_DEADLINE);
    WPT_EQ(loop.sync_completions, before + 1);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

/* ---- deadlines ---- */

static void read_deadline_on_time_then_usable(void) {
    wp_fd a, b;
    char buf[8];
    long long dl, end, r;
    int round;
    loop_setup();
    WPT_CHECK(tcp_pair(AF_INET, &a, &b));
    for (round = 0; round < 3; round++) {
        dl = wp_monotonic_ns() + 200000000; /* 200 ms */
        WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, dl));
        r = wp_fd_read(&b, buf, sizeof buf);
        end = wp_monotonic_ns();
        WPT_ERR(r, WINPOLL_ERR_DEADLINE);
        WPT_CHECK(wp_is_timeout(r));
        WPT_CHECK(end >= dl);                 /* never early */
        WPT_CHECK(end - dl < 100000000);      /* late by less than 100 ms */
    }
    /* the socket still works, and nothing was lost */
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, 0));
    WPT_EQ(wp_fd_write(&a, "after", 5), 5);
    WPT_EQ(wp_fd_read(&b, buf, sizeof buf), 5);
    WPT_MEMEQ(buf, "after", 5);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

static volatile long long pending_result;
static volatile long long pending_end;

static DWORD WINAPI pending_reader(LPVOID arg) {
    char buf[8];
    pending_result = wp_fd_read((wp_fd *)arg, buf, sizeof buf);
    pending_end = wp_monotonic_ns();
    return 0;
}

static void deadline_moved_while_pending(void) {
    wp_fd a, b;
    HANDLE t;
    long long moved_to;
    loop_setup();
    WPT_CHECK(tcp_pair(AF_INET, &a, &b));
    /* brought forward: from 10 s to 100 ms */
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, wp_monotonic_ns() + 10000000000LL));
    t = CreateThread(NULL, 0, pending_reader, &b, 0, NULL);
    Sleep(50);
    moved_to = wp_monotonic_ns() + 100000000;
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, moved_to));
    WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    CloseHandle(t);
    WPT_ERR(pending_result, WINPOLL_ERR_DEADLINE);
    WPT_CHECK(pending_end >= moved_to);
    WPT_CHECK(pending_end - moved_to < 500000000);
    /* pushed back: from 100 ms to 10 s, and data at 300 ms is read */
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, wp_monotonic_ns() + 100000000));
    t = CreateThread(NULL, 0, pending_reader, &b, 0, NULL);
    Sleep(20);
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, wp_monotonic_ns() + 10000000000LL));
    Sleep(280);
    WPT_EQ(wp_fd_write(&a, "late", 4), 4);
    WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    CloseHandle(t);
    WPT_EQ(pending_result, 4);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

static void past_deadline_fails_at_once_and_loses_nothing(void) {
    wp_fd a, b;
    char buf[8];
    double t0;
    loop_setup();
    WPT_CHECK(tcp_pair(AF_INET, &a, &b));
    WPT_EQ(wp_fd_write(&a, "abc", 3), 3);
    Sleep(20);
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ | WINPOLL_DEADLINE_WRITE, 1));
    t0 = wpt_now_ms();
    WPT_ERR(wp_fd_read(&b, buf, sizeof buf), WINPOLL_ERR_DEADLINE);
    WPT_ERR(wp_fd_write(&b, "x", 1), WINPOLL_ERR_DEADLINE);
    WPT_CHECK(wpt_now_ms() - t0 < 50);
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ | WINPOLL_DEADLINE_WRITE, 0));
    WPT_EQ(wp_fd_read(&b, buf, sizeof buf), 3);
    WPT_MEMEQ(buf, "abc", 3);
    WPT_ERR(wp_fd_set_deadline(&b, 4, 0), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, -1), ERROR_INVALID_PARAMETER);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
    WPT_ERR(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, 0), WINPOLL_ERR_NET_CLOSING);
}

/* ---- close ---- */

static void close_during_a_pending_read(void) {
    int round;
    loop_setup();
    for (round = 0; round < 10; round++) {
        wp_fd a, b;
        HANDLE t;
        double t0;
        WPT_CHECK(tcp_pair(AF_INET, &a, &b));
        pending_result = 12345;
        t = CreateThread(NULL, 0, pending_reader, &b, 0, NULL);
        if (round % 2 == 0) Sleep(20);
        t0 = wpt_now_ms();
        WPT_OK(wp_fd_close(&b));
        WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
        WPT_CHECK(wpt_now_ms() - t0 < 1000);
        CloseHandle(t);
        WPT_ERR(pending_result, WINPOLL_ERR_NET_CLOSING);
        WPT_OK(wp_fd_close(&a));
    }
}

/* ---- many threads on one loop ---- */

typedef struct pinger {
    wp_fd *fd;
    int echo, failed, rounds;
} pinger;

static DWORD WINAPI ping_thread(LPVOID arg) {
    pinger *p = (pinger *)arg;
    int i;
    char c;
    for (i = 0; i < p->rounds; i++) {
        if (p->echo) {
            if (wp_fd_read(p->fd, &c, 1) != 1 || wp_fd_write(p->fd, &c, 1) != 1) p->failed++;
        } else {
            char want = (char)('a' + i % 26);
            if (wp_fd_write(p->fd, &want, 1) != 1 || wp_fd_read(p->fd, &c, 1) != 1 || c != want) p->failed++;
        }
    }
    return 0;
}

static void many_threads_wait_on_one_loop(void) {
    wp_fd fds[16];
    pinger p[16];
    HANDLE t[16];
    int i, failed = 0;
    loop_setup();
    for (i = 0; i < 8; i++) WPT_CHECK(tcp_pair(AF_INET, &fds[2 * i], &fds[2 * i + 1]));
    for (i = 0; i < 16; i++) {
        p[i].fd = &fds[i];
        p[i].echo = i % 2;
        p[i].failed = 0;
        p[i].rounds = 60;
        t[i] = CreateThread(NULL, 0, ping_thread, &p[i], 0, NULL);
    }
    WPT_EQ(WaitForMultipleObjects(16, t, TRUE, 60000), WAIT_OBJECT_0);
    for (i = 0; i < 16; i++) {
        failed += p[i].failed;
        CloseHandle(t[i]);
        WPT_OK(wp_fd_close(&fds[i]));
    }
    WPT_EQ(failed, 0);
}


/* ---- accept and connect ---- */

/* A listening FD on loopback, attached to the loop. */
static int listener(int family, wp_fd *l, wp_sockaddr *bound) {
    SOCKET s;
    wp_sockaddr lo;
    if (wp_socket(family, SOCK_STREAM, IPPROTO_TCP, &s) != 0) return 0;
    wp_ip_parse(&lo, family == AF_INET ? "127.0.0.1" : "::1");
    if (wp_bind(s, &lo) != 0 || wp_listen(s, 256) != 0 || wp_getsockname(s, bound) != 0) return 0;
    return wp_fd_init(l, (HANDLE)s, 0) == 0 && wp_fd_attach(l, &loop) == 0;
}

/* A new, attached, unconnected TCP FD. */
static int client_fd(int family, wp_fd *c) {
    SOCKET s;
    if (wp_socket(family, SOCK_STREAM, IPPROTO_TCP, &s) != 0) return 0;
    return wp_fd_init(c, (HANDLE)s, 0) == 0 && wp_fd_attach(c, &loop) == 0;
}

static struct {
    wp_fd *l, got;
    wp_sockaddr local, peer;
    volatile long long result;
} acceptor;

static DWORD WINAPI accept_thread(LPVOID arg) {
    (void)arg;
    acceptor.result = wp_fd_accept(acceptor.l, &acceptor.got, &acceptor.local, &acceptor.peer);
    return 0;
}

static void accept_and_connect(int family) {
    wp_fd l, c;
    wp_sockaddr bound, cname, cpeer;
    HANDLE t;
    char buf[8];
    loop_setup();
    WPT_CHECK(listener(family, &l, &bound));
    acceptor.l = &l;
    acceptor.result = 12345;
    t = CreateThread(NULL, 0, accept_thread, NULL, 0, NULL);
    WPT_CHECK(client_fd(family, &c));
    WPT_OK(wp_fd_connect(&c, &bound));
    WPT_EQ(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
    CloseHandle(t);
    WPT_OK(acceptor.result);
    WPT_OK(wp_getsockname((SOCKET)c.handle, &cname));
    WPT_OK(wp_getpeername((SOCKET)c.handle, &cpeer));
    WPT_MEMEQ(&acceptor.peer, &cname, sizeof cname);
    WPT_MEMEQ(&acceptor.local, &cpeer, sizeof cpeer);
    WPT_EQ(acceptor.got.kind, WINPOLL_KIND_STREAM_SOCKET);
    WPT_EQ(wp_fd_write(&c, "over", 4), 4);
    WPT_EQ(wp_fd_read(&acceptor.got, buf, sizeof buf), 4);
    WPT_EQ(wp_fd_write(&acceptor.got, "back", 4), 4);
    WPT_EQ(wp_fd_read(&c, buf, sizeof buf), 4);
    WPT_MEMEQ(buf, "back", 4);
    WPT_OK(wp_fd_close(&acceptor.got));
    WPT_OK(wp_fd_close(&c));
    WPT_OK(wp_fd_close(&l));
}

static void accept_and_connect_ipv4(void) { accept_and_connect(AF_INET); }
static void accept_and_connect_ipv6(void) { accept_and_connect(AF_INET6); }

static void accept_200_connections(void) {
    wp_fd l;
    wp_sockaddr bound;
    int i;
    loop_setup();
    WPT_CHECK(listener(AF_INET, &l, &bound));
    for (i = 0; i < 200; i++) {
        wp_fd c, s;
        char b = 0;
        WPT_CHECK(client_fd(AF_INET, &c));
        WPT_OK(wp_fd_connect(&c, &bound));
        WPT_OK(wp_fd_accept(&l, &s, NULL, NULL));
        WPT_EQ(wp_fd_write(&c, "!", 1), 1);
        WPT_EQ(wp_fd_read(&s, &b, 1), 1);
        WPT_EQ(b, '!');
        WPT_OK(wp_fd_close(&c));
        WPT_OK(wp_fd_close(&s));
    }
    WPT_OK(wp_fd_close(&l));
}

static void accept_deadline_and_close_during_accept(void) {
    wp_fd l, s;
    wp_sockaddr bound;
    HANDLE t;
    double t0;
    loop_setup();
    WPT_CHECK(listener(AF_INET, &l, &bound));
    if (wp_mode() == WINPOLL_MODE_IOCP) {
        long long dl = wp_monotonic_ns() + 100000000;
        WPT_OK(wp_fd_set_deadline(&l, WINPOLL_DEADLINE_READ, dl));
        WPT_ERR(wp_fd_accept(&l, &s, NULL, NULL), WINPOLL_ERR_DEADLINE);
        WPT_CHECK(wp_monotonic_ns() >= dl);
        WPT_OK(wp_fd_set_deadline(&l, WINPOLL_DEADLINE_READ, 0));
    }
    acceptor.l = &l;
    acceptor.result = 12345;
    t = CreateThread(NULL, 0, accept_thread, NULL, 0, NULL);
    Sleep(30);
    t0 = wpt_now_ms();
    WPT_OK(wp_fd_close(&l));
    WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    WPT_CHECK(wpt_now_ms() - t0 < 1000);
    CloseHandle(t);
    WPT_ERR(acceptor.result, WINPOLL_ERR_NET_CLOSING);
}

static void connect_refused_and_deadline(void) {
    wp_fd l, c;
    wp_sockaddr bound;
    loop_setup();
    WPT_CHECK(listener(AF_INET, &l, &bound));
    WPT_OK(wp_fd_close(&l)); /* nothing listens there now */
    WPT_CHECK(client_fd(AF_INET, &c));
    WPT_ERR(wp_fd_connect(&c, &bound), WSAECONNREFUSED);
    WPT_OK(wp_fd_close(&c));
    if (wp_mode() == WINPOLL_MODE_IOCP) {
        WPT_CHECK(client_fd(AF_INET, &c));
        WPT_OK(wp_fd_set_deadline(&c, WINPOLL_DEADLINE_WRITE, 1));
        WPT_ERR(wp_fd_connect(&c, &bound), WINPOLL_ERR_DEADLINE);
        WPT_OK(wp_fd_close(&c));
    }
}


/* ---- datagrams and gather writes ---- */

static void datagrams_on(int family) {
    SOCKET sa, sb;
    wp_fd a, b;
    wp_sockaddr la, lb, from;
    char buf[32];
    int trunc = -1;
    loop_setup();
    WPT_OK(wp_ip_parse(&la, family == AF_INET ? "127.0.0.1" : "::1"));
    lb = la;
    WPT_OK(wp_socket(family, SOCK_DGRAM, IPPROTO_UDP, &sa));
    WPT_OK(wp_socket(family, SOCK_DGRAM, IPPROTO_UDP, &sb));
    WPT_OK(wp_bind(sa, &la));
    WPT_OK(wp_bind(sb, &lb));
    WPT_OK(wp_getsockname(sa, &la));
    WPT_OK(wp_getsockname(sb, &lb));
    WPT_OK(wp_fd_init(&a, (HANDLE)sa, 0));
    WPT_OK(wp_fd_init(&b, (HANDLE)sb, 0));
    WPT_OK(wp_fd_attach(&a, &loop));
    WPT_OK(wp_fd_attach(&b, &loop));
    WPT_EQ(wp_fd_writeto(&a, "datagram", 8, &lb), 8);
    WPT_EQ(wp_fd_readfrom(&b, buf, sizeof buf, &from, &trunc), 8);
    WPT_EQ(trunc, 0);
    WPT_MEMEQ(buf, "datagram", 8);
    WPT_MEMEQ(&from, &la, sizeof la);
    WPT_EQ(wp_fd_writeto(&a, "", 0, &lb), 0); /* a zero-byte datagram */
    WPT_EQ(wp_fd_readfrom(&b, buf, sizeof buf, NULL, &trunc), 0);
    /* too long for the buffer: its first bytes, and the flag */
    WPT_EQ(wp_fd_writeto(&a, "0123456789abcdef", 16, &lb), 16);
    WPT_EQ(wp_fd_readfrom(&b, buf, 10, &from, &trunc), 10);
    WPT_EQ(trunc, 1);
    WPT_MEMEQ(buf, "0123456789", 10);
    WPT_MEMEQ(&from, &la, sizeof la);
    /* and the next datagram is whole */
    WPT_EQ(wp_fd_writeto(&b, "reply", 5, &la), 5);
    WPT_EQ(wp_fd_readfrom(&a, buf, sizeof buf, &from, &trunc), 5);
    WPT_EQ(trunc, 0);
    WPT_MEMEQ(&from, &lb, sizeof lb);
    WPT_ERR(wp_fd_writeto(&a, "x", 1, NULL), ERROR_INVALID_PARAMETER);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

static void datagrams_ipv4(void) { datagrams_on(AF_INET); }
static void datagrams_ipv6(void) { datagrams_on(AF_INET6); }

static void writev_over_many_buffers(void) {
    static unsigned char data[60000], back[60000];
    wp_iovec iov[100];
    wp_fd a, b;
    size_t i, at = 0;
    long long got = 0, r;
    loop_setup();
    WPT_CHECK(tcp_pair(AF_INET, &a, &b));
    for (i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 31 + i / 7);
    for (i = 0; i < 100; i++) { /* sizes 0 to 999, some empty */
        size_t len = (i * 37) % 1000;
        if (i % 10 == 3) len = 0;
        iov[i].base = data + at;
        iov[i].len = len;
        at += len;
    }
    WPT_EQ(wp_fd_writev(&a, iov, 100), at);
    while (got < (long long)at && (r = wp_fd_read(&b, back + got, at - (size_t)got)) > 0) got += r;
    WPT_EQ(got, at);
    WPT_MEMEQ(back, data, at);
    WPT_EQ(wp_fd_writev(&a, iov, 0), 0);
    WPT_ERR(wp_fd_writev(&a, NULL, 1), ERROR_INVALID_PARAMETER);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}


/* ---- messages ---- */

static void readmsg_with_pktinfo(int family) {
    SOCKET sa, sb;
    wp_fd a, b;
    wp_sockaddr la, lb, from;
    char buf[32], control[128];
    size_t clen = sizeof control;
    int flags = -1, found = 0;
    WSAMSG m;
    WSACMSGHDR *h;
    loop_setup();
    WPT_OK(wp_ip_parse(&la, family == AF_INET ? "127.0.0.1" : "::1"));
    lb = la;
    WPT_OK(wp_socket(family, SOCK_DGRAM, IPPROTO_UDP, &sa));
    WPT_OK(wp_socket(family, SOCK_DGRAM, IPPROTO_UDP, &sb));
    WPT_OK(wp_bind(sa, &la));
    WPT_OK(wp_bind(sb, &lb));
    WPT_OK(wp_getsockname(sa, &la));
    WPT_OK(wp_getsockname(sb, &lb));
    if (family == AF_INET) WPT_OK(wp_setsockopt_int(sb, IPPROTO_IP, IP_PKTINFO, 1));
    else WPT_OK(wp_setsockopt_int(sb, IPPROTO_IPV6, IPV6_PKTINFO, 1));
    WPT_OK(wp_fd_init(&a, (HANDLE)sa, 0));
    WPT_OK(wp_fd_init(&b, (HANDLE)sb, 0));
    WPT_OK(wp_fd_attach(&a, &loop));
    WPT_OK(wp_fd_attach(&b, &loop));
    WPT_EQ(wp_fd_writemsg(&a, "with info", 9, NULL, 0, &lb), 9);
    WPT_EQ(wp_fd_readmsg(&b, buf, sizeof buf, control, &clen, &from, &flags), 9);
    WPT_MEMEQ(buf, "with info", 9);
    WPT_MEMEQ(&from, &la, sizeof la);
    WPT_EQ(flags & (MSG_TRUNC | MSG_CTRUNC), 0);
    WPT_CHECK(clen > 0 && clen <= sizeof control);
    memset(&m, 0, sizeof m);
    m.Control.buf = control;
    m.Control.len = (ULONG)clen;
    for (h = WSA_CMSG_FIRSTHDR(&m); h != NULL; h = WSA_CMSG_NXTHDR(&m, h)) {
        if (family == AF_INET && h->cmsg_level == IPPROTO_IP && h->cmsg_type == IP_PKTINFO) {
            IN_PKTINFO pi;
            memcpy(&pi, WSA_CMSG_DATA(h), sizeof pi);
            WPT_MEMEQ(&pi.ipi_addr, lb.addr, 4); /* the address it came in on */
            found = 1;
        }
        if (family == AF_INET6 && h->cmsg_level == IPPROTO_IPV6 && h->cmsg_type == IPV6_PKTINFO) {
            IN6_PKTINFO pi;
            memcpy(&pi, WSA_CMSG_DATA(h), sizeof pi);
            WPT_MEMEQ(&pi.ipi6_addr, lb.addr, 16);
            found = 1;
        }
    }
    WPT_CHECK(found);
    /* a datagram longer than the buffer: its bytes and MSG_TRUNC */
    WPT_EQ(wp_fd_writemsg(&a, "0123456789abcdef", 16, NULL, 0, &lb), 16);
    clen = sizeof control;
    WPT_EQ(wp_fd_readmsg(&b, buf, 10, control, &clen, NULL, &flags), 10);
    WPT_CHECK(flags & MSG_TRUNC);
    WPT_MEMEQ(buf, "0123456789", 10);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

static void readmsg_ipv4_pktinfo(void) { readmsg_with_pktinfo(AF_INET); }
static void readmsg_ipv6_pktinfo(void) { readmsg_with_pktinfo(AF_INET6); }

/* Packets the library did not issue (a NULL OVERLAPPED, a foreign key)
   are passed over while a read waits (go.dev/issue/58870). */
static void foreign_packets_are_ignored(void) {
    wp_fd a, b;
    HANDLE t;
    OVERLAPPED stranger;
    NEED_IOCP("completion-port mode only: blocking mode has no port");
    loop_setup();
    WPT_CHECK(tcp_pair(AF_INET, &a, &b));
    memset(&stranger, 0, sizeof stranger);
    pending_result = 12345;
    t = CreateThread(NULL, 0, pending_reader, &b, 0, NULL);
    Sleep(30);
    WPT_CHECK(PostQueuedCompletionStatus(loop.port, 0, 0, NULL));
    WPT_CHECK(PostQueuedCompletionStatus(loop.port, 7, 0x1234, &stranger));
    WPT_CHECK(PostQueuedCompletionStatus(loop.port, 0, 0x57504F4C, NULL)); /* our key, no OVERLAPPED */
    Sleep(30);
    WPT_EQ(pending_result, 12345); /* still waiting */
    WPT_EQ(wp_fd_write(&a, "real", 4), 4);
    WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    CloseHandle(t);
    WPT_EQ(pending_result, 4);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}


/* ---- raw I/O ---- */

typedef struct raw_ctx {
    char buf[16];
    int got, calls;
} raw_ctx;

/* Reads what is there, if anything, without blocking. */
static int raw_reader_fn(SOCKET s, void *arg) {
    raw_ctx *c = (raw_ctx *)arg;
    u_long avail = 0;
    c->calls++;
    if (ioctlsocket(s, FIONREAD, &avail) != 0 || avail == 0) return 0;
    c->got = recv(s, c->buf, sizeof c->buf, 0);
    return 1;
}

static struct {
    wp_fd *fd;
    raw_ctx ctx;
    volatile long long result;
} raw;

static DWORD WINAPI raw_thread(LPVOID arg) {
    (void)arg;
    raw.result = wp_fd_raw_read(raw.fd, raw_reader_fn, &raw.ctx);
    return 0;
}

static int raw_nothing_fn(SOCKET s, void *arg) {
    (void)s;
    (void)arg;
    return 0;
}

static void raw_read_waits_for_readiness(void) {
    wp_fd a, b;
    HANDLE t;
    loop_setup();
    WPT_CHECK(tcp_pair(AF_INET, &a, &b));
    memset(&raw, 0, sizeof raw);
    raw.fd = &b;
    raw.result = 12345;
    t = CreateThread(NULL, 0, raw_thread, NULL, 0, NULL);
    Sleep(30);
    WPT_EQ(raw.result, 12345); /* nothing to read yet: it waits */
    WPT_EQ(wp_fd_write(&a, "raw", 3), 3);
    WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    CloseHandle(t);
    WPT_OK(raw.result);
    WPT_EQ(raw.ctx.got, 3);
    WPT_MEMEQ(raw.ctx.buf, "raw", 3);
    WPT_CHECK(raw.ctx.calls >= 2);
    WPT_ERR(wp_fd_raw_write(&a, raw_nothing_fn, NULL), WSAEWOULDBLOCK);
    if (wp_mode() == WINPOLL_MODE_IOCP) {
        WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, wp_monotonic_ns() + 50000000));
        WPT_ERR(wp_fd_raw_read(&b, raw_nothing_fn, NULL), WINPOLL_ERR_DEADLINE);
        WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, 0));
    }
    /* close while it waits */
    memset(&raw, 0, sizeof raw);
    raw.fd = &b;
    raw.result = 12345;
    t = CreateThread(NULL, 0, raw_thread, NULL, 0, NULL);
    Sleep(30);
    WPT_OK(wp_fd_close(&b));
    WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    CloseHandle(t);
    WPT_ERR(raw.result, WINPOLL_ERR_NET_CLOSING);
    WPT_OK(wp_fd_close(&a));
}

/* 10,000 reads and writes on attached sockets leave the handle count and
   the bytes held through the allocator hooks where they were. */
static void ten_thousand_operations_leak_nothing(void) {
    wp_fd a, b;
    long before, after;
    LONG64 held_before;
    int i;
    char c;
    loop_setup();
    WPT_CHECK(tcp_pair(AF_INET, &a, &b));
    WPT_EQ(wp_fd_write(&a, "w", 1), 1); /* warm up */
    WPT_EQ(wp_fd_read(&b, &c, 1), 1);
    before = suite_handle_count();
    held_before = bytes_held;
    WPT_CHECK(before > 0);
    for (i = 0; i < 5000; i++) {
        WPT_EQ(wp_fd_write(&a, "x", 1), 1);
        WPT_EQ(wp_fd_read(&b, &c, 1), 1);
    }
    after = suite_handle_count();
    WPT_EQ(after, before);
    WPT_EQ(bytes_held, held_before);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}


/* ---- named pipes ---- */

/* Both ends of a new overlapped named pipe, attached to the loop. */
static int named_pipe_pair(wp_fd *server, wp_fd *client) {
    WCHAR name[128];
    HANDLE s, c;
    swprintf(name, 128, L"\\\\.\\pipe\\winpoll-test-%lu-%lu", (unsigned long)GetCurrentProcessId(),
             (unsigned long)GetTickCount());
    s = CreateNamedPipeW(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
                         PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1, 65536, 65536, 0, NULL);
    if (s == INVALID_HANDLE_VALUE) return 0;
    c = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
    if (c == INVALID_HANDLE_VALUE) return 0;
    /* the client came first: the server end is connected already */
    if (wp_fd_init(server, s, WINPOLL_KIND_PIPE) != 0 || wp_fd_init(client, c, WINPOLL_KIND_PIPE) != 0) return 0;
    return wp_fd_attach(server, &loop) == 0 && wp_fd_attach(client, &loop) == 0;
}

static void named_pipes_on_the_loop(void) {
    wp_fd s, c;
    HANDLE t;
    char buf[16];
    loop_setup();
    WPT_CHECK(named_pipe_pair(&s, &c));
    WPT_EQ(wp_fd_write(&c, "over pipe", 9), 9);
    WPT_EQ(wp_fd_read(&s, buf, sizeof buf), 9);
    WPT_MEMEQ(buf, "over pipe", 9);
    /* a pending read gets data written later */
    pending_result = 12345;
    t = CreateThread(NULL, 0, pending_reader, &s, 0, NULL);
    Sleep(30);
    WPT_EQ(pending_result, 12345);
    WPT_EQ(wp_fd_write(&c, "later", 5), 5);
    WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    CloseHandle(t);
    WPT_EQ(pending_result, 5);
    /* a deadline on a pipe read */
    WPT_OK(wp_fd_set_deadline(&s, WINPOLL_DEADLINE_READ, wp_monotonic_ns() + 50000000));
    WPT_ERR(wp_fd_read(&s, buf, sizeof buf), WINPOLL_ERR_DEADLINE);
    WPT_OK(wp_fd_set_deadline(&s, WINPOLL_DEADLINE_READ, 0));
    WPT_EQ(wp_fd_write(&c, "still", 5), 5);
    WPT_EQ(wp_fd_read(&s, buf, sizeof buf), 5);
    /* the other end closes: end of file */
    WPT_OK(wp_fd_close(&c));
    WPT_EQ(wp_fd_read(&s, buf, sizeof buf), 0);
    WPT_OK(wp_fd_close(&s));
    /* close during a pending pipe read */
    WPT_CHECK(named_pipe_pair(&s, &c));
    pending_result = 12345;
    t = CreateThread(NULL, 0, pending_reader, &s, 0, NULL);
    Sleep(30);
    WPT_OK(wp_fd_close(&s));
    WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    CloseHandle(t);
    WPT_ERR(pending_result, WINPOLL_ERR_FILE_CLOSING);
    WPT_OK(wp_fd_close(&c));
}

/* The hooks are really the library's allocator: a long path goes through
   them and is given back. */
static void allocator_hooks_count_what_the_library_holds(void) {
    char path[600];
    wp_file_info fi;
    LONG64 before = bytes_held;
    size_t k;
    void *grow = suite_counting_realloc(NULL, 10); /* the counter itself balances */
    grow = suite_counting_realloc(grow, 1000);
    WPT_EQ(bytes_held, before + 1000);
    suite_counting_free(grow);
    WPT_EQ(bytes_held, before);
    strcpy(path, "C:\\");
    for (k = 3; k < 400; k++) path[k] = 'q';
    path[k] = 0;
    WPT_CHECK(wp_is_not_exist(wp_stat(path, &fi)));
    WPT_EQ(bytes_held, before);
    WPT_CHECK(suite_handle_count() > 0);
    {
        /* an allocation seen while it is held: a long path's UTF-16 form */
        wp__wpath wp;
        WPT_OK(wp__wpath_init(&wp, path, 0));
        WPT_CHECK(bytes_held > before);
        wp__wpath_free(&wp);
        WPT_EQ(bytes_held, before);
    }
}

static void attach_errors(void) {
    wp_fd a, b, f;
    HANDLE r;
    loop_setup();
    WPT_CHECK(tcp_pair(AF_INET, &a, &b));
    WPT_ERR(wp_fd_attach(&a, &loop), ERROR_INVALID_PARAMETER); /* twice */
    WPT_OK(wp_open("NUL", WINPOLL_O_RDWR, 0, &r));
    WPT_OK(wp_fd_init(&f, r, 0));
    WPT_ERR(wp_fd_attach(&f, &loop), WINPOLL_ERR_NOT_POLLABLE); /* neither socket nor pipe */
    WPT_OK(wp_fd_close(&f));
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
    WPT_ERR(wp_fd_attach(&a, &loop), WINPOLL_ERR_NET_CLOSING);
}

static const wpt_case cases[] = {
    WPT_CASE(echo_ipv4),
    WPT_CASE(echo_ipv6),
    WPT_CASE(sixty_four_mib_both_ways),
    WPT_CASE(data_waiting_completes_synchronously),
    WPT_CASE(read_deadline_on_time_then_usable),
    WPT_CASE(deadline_moved_while_pending),
    WPT_CASE(past_deadline_fails_at_once_and_loses_nothing),
    WPT_CASE(close_during_a_pending_read),
    WPT_CASE(many_threads_wait_on_one_loop),
    WPT_CASE(attach_errors),
    WPT_CASE(accept_and_connect_ipv4),
    WPT_CASE(accept_and_connect_ipv6),
    WPT_CASE(accept_200_connections),
    WPT_CASE(accept_deadline_and_close_during_accept),
    WPT_CASE(connect_refused_and_deadline),
    WPT_CASE(datagrams_ipv4),
    WPT_CASE(datagrams_ipv6),
    WPT_CASE(writev_over_many_buffers),
    WPT_CASE(readmsg_ipv4_pktinfo),
    WPT_CASE(readmsg_ipv6_pktinfo),
    WPT_CASE(foreign_packets_are_ignored),
    WPT_CASE(raw_read_waits_for_readiness),
    WPT_CASE(ten_thousand_operations_leak_nothing),
    WPT_CASE(named_pipes_on_the_loop),
    WPT_CASE(allocator_hooks_count_what_the_library_holds),
};

WPT_MAIN(cases)
