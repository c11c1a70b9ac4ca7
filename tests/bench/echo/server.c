/* server.c - the TCP echo servers of the benchmark, on 127.0.0.1, one
   program built twice:

   completion-port build
     winpoll   one thread, winpoll.h's async face: read, write all, read
     baseline  one thread, hand-written: AcceptEx, overlapped WSARecv/WSASend,
               GetQueuedCompletionStatusEx, skip-on-success, made fair by
               serving at most one immediate completion per connection per
               turn (the rest wait for the next turn)
   blocking build (WINPOLL_BLOCKING)
     winpoll   a thread per connection, wp_fd_read / wp_fd_write
     baseline  a thread per connection, plain recv / send

       server KIND PORTFILE SECONDS [--port N] [--idle N] [--report N]

   It listens on port N (default 0: any free port), writes the port to
   PORTFILE and stops after SECONDS. --idle N: the
   connections stay idle (winpoll: a zero-byte read each, no buffer); once
   N + 1 have come, it prints the process memory per connection, measured
   as the private bytes between the 1st and the (N+1)th. --report N: it
   prints accepted=N once N connections have come (they echo as usual). */
#define WINPOLL_IMPLEMENTATION
#include "../../../winpoll.h"

#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF 16384

static long long idle_n = -1, report_n = -1;
static volatile LONG accepted;
static SIZE_T mem_first;

/* Private bytes of the process (PagefileUsage is the commit charge, the
   same figure as PrivateUsage, which Wine's SDK does not declare). */
static SIZE_T private_bytes(void) {
    PROCESS_MEMORY_COUNTERS m;
    memset(&m, 0, sizeof m);
    m.cb = sizeof m;
    K32GetProcessMemoryInfo(GetCurrentProcess(), &m, sizeof m);
    return m.PagefileUsage;
}

/* Counts a new connection; reports memory in --idle runs. */
static void count_connection(void) {
    LONG n = InterlockedIncrement(&accepted);
    if (n == report_n) {
        printf("accepted=%ld\n", n);
        fflush(stdout);
    }
    if (idle_n < 0) return;
    if (n == 1) {
        Sleep(200);
        mem_first = private_bytes();
    } else if (n == idle_n + 1) {
        SIZE_T m;
        Sleep(500);
        m = private_bytes();
        printf("bytes_per_conn=%.0f\n", ((double)m - (double)mem_first) / (double)idle_n);
        fflush(stdout);
    }
}

static int listen_on(SOCKET *l, unsigned short port, const char *port_file) {
    wp_sockaddr a;
    char text[16];
    HANDLE h;
    int n;
    wp_ip_parse(&a, "127.0.0.1");
    a.port = port;
    if (wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, l) != 0 || wp_bind(*l, &a) != 0 ||
        wp_listen(*l, SOMAXCONN) != 0 || wp_getsockname(*l, &a) != 0)
        return 0;
    n = snprintf(text, sizeof text, "%u\n", a.port);
    if (wp_open(port_file, WINPOLL_O_WRONLY | WINPOLL_O_CREAT | WINPOLL_O_TRUNC, 0644, &h) != 0) return 0;
    wp_write(h, text, (size_t)n);
    wp_close(h);
    return 1;
}

#ifdef WINPOLL_BLOCKING

/* ---- blocking build: a thread per connection ---- */

static wp_loop loop;
static int use_winpoll;

static DWORD WINAPI serve(LPVOID arg) {
    SOCKET s = (SOCKET)(ULONG_PTR)arg;
    char *buf = (char *)malloc(BUF);
    wp_fd fd;
    int n;
    count_connection();
    if (use_winpoll) {
        long long r;
        wp_fd_init(&fd, (HANDLE)s, WINPOLL_KIND_STREAM_SOCKET);
        wp_fd_attach(&fd, &loop);
        while ((r = wp_fd_read(&fd, buf, BUF)) > 0)
            if (wp_fd_write(&fd, buf, (size_t)r) != r) break;
        wp_fd_close(&fd);
    } else {
        while ((n = recv(s, buf, BUF, 0)) > 0) {
            int off = 0, k;
            while (off < n && (k = send(s, buf + off, n - off, 0)) > 0) off += k;
            if (off < n) break;
        }
        closesocket(s);
    }
    free(buf);
    return 0;
}

static int run(int winpoll, SOCKET l) {
    use_winpoll = winpoll;
    wp_loop_init(&loop);
    for (;;) {
        SOCKET s = accept(l, NULL, NULL);
        HANDLE t;
        int one = 1;
        if (s == INVALID_SOCKET) return 1;
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
        t = CreateThread(NULL, 64 << 10, serve, (LPVOID)(ULONG_PTR)s, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
        if (t != NULL) CloseHandle(t);
    }
}

#else

/* ---- completion-port build, winpoll: the async face ---- */

typedef struct wconn {
    wp_fd fd;
    wp_async io;
    char *buf;
} wconn;

static int run_winpoll(SOCKET ls) {
    wp_loop loop;
    wp_fd l;
    wp_async acc, *done[64];
    wconn *next = NULL;
    int lean = idle_n >= 0;
    wp_loop_init(&loop);
    wp_fd_init(&l, (HANDLE)ls, 0);
    wp_fd_attach(&l, &loop);
    for (;;) {
        int n, j;
        if (next == NULL) {
            next = (wconn *)calloc(1, sizeof *next);
            if (wp_async_accept(&acc, &l, &next->fd, NULL, NULL) != 0) return 1;
        }
        n = wp_loop_poll(&loop, done, 64, WINPOLL_INFINITE);
        for (j = 0; j < n; j++) {
            wconn *c;
            if (done[j] == &acc) {
                c = next;
                next = NULL;
                if (acc.result != 0) {
                    free(c);
                    continue;
                }
                wp_setsockopt_int((SOCKET)c->fd.handle, IPPROTO_TCP, TCP_NODELAY, 1);
                c->io.user = c;
                count_connection();
                if (lean) { /* held cheaply: a zero-byte read, no buffer */
                    wp_async_read(&c->io, &c->fd, NULL, 0);
                } else {
                    c->buf = (char *)malloc(BUF);
                    wp_async_read(&c->io, &c->fd, c->buf, BUF);
                }
                continue;
            }
            c = (wconn *)done[j]->user;
            if (c->io.result <= 0 || lean) {
                wp_fd_close(&c->fd);
                free(c->buf);
                free(c);
            } else if (c->io.op == WINPOLL_ASYNC_READ) {
                wp_async_write(&c->io, &c->fd, c->buf, (size_t)c->io.result);
            } else {
                wp_async_read(&c->io, &c->fd, c->buf, BUF);
            }
        }
    }
}

/* ---- completion-port build, the hand-written baseline ---- */

typedef struct bconn {
    SOCKET s;
    OVERLAPPED ov; /* one operation at a time: recv, then send */
    int sending;
    DWORD bytes;
    struct bconn *ready; /* finished at once; served next turn */
    char buf[BUF];
} bconn;

static HANDLE bport;
static bconn *ready_now, *ready_next;

static void b_post(bconn *c, DWORD n) {
    WSABUF b;
    DWORD got = 0, flags = 0;
    int r;
    memset(&c->ov, 0, sizeof c->ov);
    b.buf = c->buf;
    b.len = c->sending ? n : BUF;
    r = c->sending ? WSASend(c->s, &b, 1, &got, 0, &c->ov, NULL) : WSARecv(c->s, &b, 1, &got, &flags, &c->ov, NULL);
    if (r == 0) { /* finished at once, no packet: next turn, not now */
        c->bytes = got;
        c->ready = ready_next;
        ready_next = c;
    } else if (WSAGetLastError() != WSA_IO_PENDING) {
        closesocket(c->s);
        free(c);
    }
}

static void b_done(bconn *c, DWORD n, BOOL ok) {
    if (!ok || (!c->sending && n == 0)) {
        closesocket(c->s);
        free(c);
        return;
    }
    c->sending = !c->sending;
    b_post(c, n);
}

static int run_baseline(SOCKET l) {
    LPFN_ACCEPTEX accept_ex = wp__imports.AcceptEx;
    OVERLAPPED aov;
    SOCKET next;
    char addrs[2 * (sizeof(SOCKADDR_STORAGE) + 16)];
    DWORD got;
    bport = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    CreateIoCompletionPort((HANDLE)l, bport, 0, 0);
    for (;;) {
        OVERLAPPED_ENTRY e[64];
        ULONG n = 0, i;
        bconn *c;
        next = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
        memset(&aov, 0, sizeof aov);
        if (!accept_ex(l, next, addrs, 0, sizeof(SOCKADDR_STORAGE) + 16, sizeof(SOCKADDR_STORAGE) + 16, &got, &aov) &&
            WSAGetLastError() != WSA_IO_PENDING)
            return 1;
        for (;;) {
            int accepted_one = 0;
            if (!GetQueuedCompletionStatusEx(bport, e, 64, &n, ready_next != NULL ? 0 : INFINITE, FALSE)) n = 0;
            ready_now = ready_next; /* last turn's immediate completions, served after the port's */
            ready_next = NULL;
            for (i = 0; i < n; i++) {
                if (e[i].lpOverlapped == &aov) {
                    int one = 1;
                    setsockopt(next, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, (const char *)&l, sizeof l);
                    setsockopt(next, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
                    c = (bconn *)calloc(1, sizeof *c);
                    c->s = next;
                    CreateIoCompletionPort((HANDLE)next, bport, 1, 0);
                    SetFileCompletionNotificationModes((HANDLE)next, 0x3);
                    count_connection();
                    b_post(c, 0);
                    accepted_one = 1;
                    continue;
                }
                c = (bconn *)(void *)((char *)e[i].lpOverlapped - offsetof(bconn, ov));
                b_done(c, e[i].dwNumberOfBytesTransferred, c->ov.Internal == 0); /* the status is in the OVERLAPPED */
            }
            while (ready_now != NULL) {
                c = ready_now;
                ready_now = c->ready;
                b_done(c, c->bytes, TRUE);
            }
            if (accepted_one) break; /* post the next AcceptEx */
        }
    }
}

static int run(int winpoll, SOCKET l) { return winpoll ? run_winpoll(l) : run_baseline(l); }

#endif

static DWORD WINAPI stop_later(LPVOID arg) {
    Sleep((DWORD)(ULONG_PTR)arg * 1000);
    ExitProcess(0);
}

int main(int argc, char **argv) {
    SOCKET l;
    unsigned short port = 0;
    int i;
    if (argc < 4) {
        fprintf(stderr, "usage: server winpoll|baseline PORTFILE SECONDS [--port N] [--idle N] [--report N]\n");
        return 2;
    }
    for (i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--idle") == 0) idle_n = atoll(argv[i + 1]);
        else if (strcmp(argv[i], "--port") == 0) port = (unsigned short)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--report") == 0) report_n = atoll(argv[i + 1]);
    }
    if (wp_init() != 0 || !listen_on(&l, port, argv[2])) return 1;
    CloseHandle(CreateThread(NULL, 0, stop_later, (LPVOID)(ULONG_PTR)atoi(argv[3]), 0, NULL));
    return run(strcmp(argv[1], "winpoll") == 0, l);
}
