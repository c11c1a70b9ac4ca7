/* test_hangs.c - hangs, leaks and wrong answers found by using the library
   from outside: the wait primitive chosen before the first wait, wakes that
   a leader took, attaching to a closed loop or a handle no loop can run,
   a wp_async reused while in flight, zero-length writes, a lock waiter
   behind an async operation, sockets of a provider that owns its
   OVERLAPPEDs, and AF_UNIX connects that do not block. Waits that race loop hundreds of rounds;
   every bound is generous for a loaded 2-core machine. */
#include "suite.h"

#include <string.h>

static wp_loop loop;

/* The header's private layout, which these tests watch (its macros end
   with the implementation): the FD word's read-lock bit and read-waiter
   count, and loop.leader's value while a blocking call leads. */
#define MU_RLOCK 0x2ull
#define MU_RWAIT_MASK (0xFFFFFull << 23)
#define LEAD_BY_BLOCKING_CALL 1

static void loop_setup(void) {
    static int done;
    if (!done) done = wp_loop_init(&loop) == 0;
}

static double ms_since(long long t0) { return (double)(wp_monotonic_ns() - t0) / 1e6; }

/* Runs fn(arg) on a new thread; the handle, or NULL. */
static HANDLE start_thread(LPTHREAD_START_ROUTINE fn, void *arg) { return CreateThread(NULL, 0, fn, arg, 0, NULL); }

/* Waits for a thread at most ms; 1 when it ended. Closes the handle. */
static int join_thread(HANDLE t, DWORD ms) {
    int ended = WaitForSingleObject(t, ms) == WAIT_OBJECT_0;
    CloseHandle(t);
    return ended;
}

/* ---- 1. the wait primitive, fixed before the first wp_init ---- */

/* A thread's one-byte read and its result. */
typedef struct reader {
    wp_fd *fd;
    long long r;
} reader;

static DWORD WINAPI blocking_read(LPVOID arg) {
    reader *x = (reader *)arg;
    char c;
    x->r = wp_fd_read(x->fd, &c, 1);
    return 0;
}

/* The child: nothing has called wp_init when the second reader starts
   waiting for the read lock; then wp_now_ns runs it; then both bytes come.
   Exits 0 when both readers got theirs within 10 s, 1 when one hung. */
static int first_init_child(void) {
    HANDLE r, w, t1, t2;
    wp_fd fd;
    reader a, b;
    DWORD put;
    int i;
    /* the kind given: detecting it would ask Winsock, and so run wp_init */
    if (wp_pipe(&r, &w) != 0 || wp_fd_init(&fd, r, WINPOLL_KIND_PIPE) != 0) return 2;
    a.fd = b.fd = &fd;
    a.r = b.r = -1;
    t1 = start_thread(blocking_read, &a);
    for (i = 0; i < 2000 && !(wp__mu_load(&fd) & MU_RLOCK); i++) Sleep(1);
    t2 = start_thread(blocking_read, &b);
    for (i = 0; i < 2000 && !(wp__mu_load(&fd) & MU_RWAIT_MASK); i++) Sleep(1);
    if (!(wp__mu_load(&fd) & MU_RWAIT_MASK)) return 3; /* the second reader never waited */
    (void)wp_now_ns(); /* the first wp_init */
    if (!WriteFile(w, "xy", 2, &put, NULL) || put != 2) return 4;
    if (!join_thread(t1, 10000) || !join_thread(t2, 10000)) return 1;
    CloseHandle(w);
    wp_fd_close(&fd);
    return a.r == 1 && b.r == 1 ? 0 : 5;
}

static void first_wp_init_wakes_a_lock_waiter(void) {
    WCHAR self[MAX_PATH], cmd[MAX_PATH + 64];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 99;
    int round;
    WPT_CHECK(GetModuleFileNameW(NULL, self, MAX_PATH) > 0);
    for (round = 0; round < 3; round++) { /* a new process each: the bug lives before the first wp_init */
        _snwprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" --first-init-child", self);
        memset(&si, 0, sizeof si);
        si.cb = sizeof si;
        WPT_CHECK(CreateProcessW(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
        if (WaitForSingleObject(pi.hProcess, 30000) != WAIT_OBJECT_0) TerminateProcess(pi.hProcess, 98);
        WaitForSingleObject(pi.hProcess, INFINITE);
        GetExitCodeProcess(pi.hProcess, &code);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
        WPT_EQ(code, 0); /* 1: the second reader slept through its wake-up */
    }
}

/* ---- 2. wp_loop_wake, whoever takes its packet ---- */

typedef struct poller {
    long long r;
    double ms;
} poller;

static DWORD WINAPI poll_once(LPVOID arg) {
    poller *p = (poller *)arg;
    wp_async *out[4];
    long long t0 = wp_monotonic_ns();
    p->r = wp_loop_poll(&loop, out, 4, 5000);
    p->ms = ms_since(t0);
    return 0;
}

/* Waits until pred holds, at most 5 s. */
#define WAIT_UNTIL(pred) \
    do { \
        int w_; \
        for (w_ = 0; w_ < 5000 && !(pred); w_++) Sleep(1); \
        WPT_CHECK(pred); \
    } while (0)

/* Starts a thread's blocking one-byte read of fd into x and waits, at most
   5 s, until it leads the loop's port (completion-port mode) or holds the
   read lock (blocking mode, where there is no port). The thread, or NULL. */
static HANDLE start_leading_reader(reader *x, wp_fd *fd) {
    HANDLE t;
    int i;
    x->fd = fd;
    x->r = -1;
    t = start_thread(blocking_read, x);
    for (i = 0; i < 5000; i++) {
        if (wp_mode() == WINPOLL_MODE_IOCP ? loop.leader == LEAD_BY_BLOCKING_CALL : (wp__mu_load(fd) & MU_RLOCK) != 0)
            return t;
        Sleep(1);
    }
    return NULL;
}

/* (a) a blocking reader leads and takes the wake's packet, then its read
   ends: the next poll still returns 0 at once. */
static void wake_taken_by_a_blocking_leader(void) {
    wp_fd a, b;
    wp_async *out[4];
    int round;
    loop_setup();
    WPT_CHECK(suite_fd_pair(&loop, AF_INET, &a, &b));
    for (round = 0; round < 200; round++) {
        reader x;
        HANDLE t;
        long long t0, r;
        t = start_leading_reader(&x, &b);
        WPT_CHECK(t != NULL);
        WPT_OK(wp_loop_wake(&loop));
        WPT_EQ(wp_fd_write(&a, "k", 1), 1);
        WPT_CHECK(join_thread(t, 10000));
        WPT_EQ(x.r, 1);
        t0 = wp_monotonic_ns();
        r = wp_loop_poll(&loop, out, 4, 5000);
        WPT_EQ(r, 0);
        WPT_CHECK(ms_since(t0) < 2500); /* not the full 5 s */
        WPT_EQ(wp_loop_poll(&loop, out, 4, 0), 0); /* and the wake was used up */
    }
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

/* (b) an async read's packet and the wake's: one poll returns the read,
   the other returns 0 at once, whichever order the port gives them. */
static void wake_beside_a_finished_async_read(void) {
    wp_fd a, b;
    wp_async x, *out[4];
    char buf[8];
    int round;
    loop_setup();
    WPT_CHECK(suite_fd_pair(&loop, AF_INET, &a, &b));
    for (round = 0; round < 200; round++) {
        long long t0, r1, r2;
        double ms1, ms2;
        if (wp_mode() == WINPOLL_MODE_IOCP) {
            WPT_OK(wp_async_read(&x, &b, buf, sizeof buf)); /* pends */
            WPT_EQ(wp_fd_write(&a, "k", 1), 1);
            Sleep(round % 3); /* let the packet be queued, or not */
        } else {
            WPT_EQ(wp_fd_write(&a, "k", 1), 1);
            WPT_OK(wp_async_read(&x, &b, buf, sizeof buf)); /* runs inside the start */
        }
        WPT_OK(wp_loop_wake(&loop));
        t0 = wp_monotonic_ns();
        r1 = wp_loop_poll(&loop, out, 4, 5000);
        ms1 = ms_since(t0);
        t0 = wp_monotonic_ns();
        r2 = wp_loop_poll(&loop, out + (r1 == 1 ? 1 : 0), 3, 5000);
        ms2 = ms_since(t0);
        WPT_CHECK((r1 == 1 && r2 == 0) || (r1 == 0 && r2 == 1));
        WPT_CHECK(ms1 < 2500 && ms2 < 2500);
        WPT_CHECK(out[0] == &x);
        WPT_EQ(x.result, 1);
    }
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

/* (c) a poll sleeps while a blocking reader leads; the reader takes the
   wake's packet and its read ends at once: the poll, which may then take
   the lead, returns 0 at once. */
static void wake_for_a_sleeping_poll(void) {
    wp_fd a, b;
    int round;
    loop_setup();
    WPT_CHECK(suite_fd_pair(&loop, AF_INET, &a, &b));
    for (round = 0; round < 200; round++) {
        reader x;
        poller p;
        HANDLE t, tp;
        p.r = -1;
        t = start_leading_reader(&x, &b);
        WPT_CHECK(t != NULL);
        tp = start_thread(poll_once, &p);
        WAIT_UNTIL(loop.sleepers == 1);
        /* held asleep while the reader takes the wake's packet and its read
           ends, so that the poll then finds the lead free */
        WPT_CHECK(SuspendThread(tp) != (DWORD)-1);
        WPT_OK(wp_loop_wake(&loop));
        Sleep(2);
        WPT_EQ(wp_fd_write(&a, "k", 1), 1);
        WPT_CHECK(join_thread(t, 10000));
        WPT_CHECK(ResumeThread(tp) != (DWORD)-1);
        WPT_CHECK(join_thread(tp, 10000));
        WPT_EQ(x.r, 1);
        WPT_EQ(p.r, 0);
        WPT_CHECK(p.ms < 2500);
    }
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

/* ---- 3, 4. attach: loops that are not open, handles no loop can run ---- */

static void attach_to_a_loop_not_open(void) {
    wp_loop zeroed, closed;
    wp_fd a, b;
    wp_async x, *out[1];
    long before, after;
    int i;
    WPT_CHECK(suite_fd_pair(NULL, AF_INET, &a, &b));
    memset(&zeroed, 0, sizeof zeroed);
    WPT_OK(wp_loop_init(&closed));
    WPT_OK(wp_loop_close(&closed));
    before = suite_handle_count();
    WPT_CHECK(before > 0);
    for (i = 0; i < 100; i++) {
        WPT_ERR(wp_fd_attach(&a, &zeroed), ERROR_INVALID_PARAMETER);
        WPT_ERR(wp_fd_attach(&a, &closed), ERROR_INVALID_PARAMETER);
    }
    after = suite_handle_count();
    WPT_CHECK(after - before < 10); /* no port made per attach */
    WPT_CHECK(a.loop == NULL);
    /* the FD still works, and attaches to an open loop */
    WPT_EQ(wp_fd_write(&a, "ok", 2), 2);
    loop_setup();
    WPT_OK(wp_fd_attach(&a, &loop));
    /* every loop function refuses a loop that is not open */
    WPT_ERR(wp_loop_close(&closed), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_loop_close(&zeroed), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_loop_wake(&closed), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_loop_poll(&closed, out, 1, 0), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_loop_poll(&zeroed, out, 1, WINPOLL_INFINITE), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_fd_attach(&b, &zeroed), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_async_read(&x, &b, out, 1), ERROR_INVALID_PARAMETER); /* b is not attached */
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

/* A named pipe pair: the server end overlapped when ov_server, the client
   end when ov_client. */
static int named_pipe_pair(int ov_server, int ov_client, DWORD type, HANDLE *s, HANDLE *c) {
    static LONG n;
    WCHAR name[96];
    _snwprintf(name, 96, L"\\\\.\\pipe\\winpoll-hangs-%lu-%ld", (unsigned long)GetCurrentProcessId(),
               (long)InterlockedIncrement(&n));
    *s = CreateNamedPipeW(name, PIPE_ACCESS_DUPLEX | (ov_server ? FILE_FLAG_OVERLAPPED : 0),
                          type | PIPE_WAIT | 0x8 /* PIPE_REJECT_REMOTE_CLIENTS */, 1, 4096, 4096, 0, NULL);
    if (*s == INVALID_HANDLE_VALUE) return 0;
    *c = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                     ov_client ? FILE_FLAG_OVERLAPPED : 0, NULL);
    if (*c == INVALID_HANDLE_VALUE) {
        CloseHandle(*s);
        return 0;
    }
    if (type & PIPE_TYPE_MESSAGE) {
        DWORD mode = PIPE_READMODE_MESSAGE;
        SetNamedPipeHandleState(*c, &mode, NULL, NULL);
    }
    return 1;
}

static void attach_errors_say_what_is_wrong(void) {
    char dir[MAX_PATH * 3], path[MAX_PATH * 4];
    HANDLE r, w, h, s, c;
    wp_fd fr, fw, ff, fs, fc, fa, fb;
    loop_setup();
    /* wp_pipe's anonymous pipe: synchronous */
    WPT_OK(wp_pipe(&r, &w));
    WPT_OK(wp_fd_init(&fr, r, 0));
    WPT_OK(wp_fd_init(&fw, w, 0));
    WPT_EQ(fr.kind, WINPOLL_KIND_PIPE);
    WPT_ERR(wp_fd_attach(&fr, &loop), WINPOLL_ERR_NOT_POLLABLE);
    WPT_ERR(wp_fd_attach(&fw, &loop), WINPOLL_ERR_NOT_POLLABLE);
    WPT_EQ(wp_fd_write(&fw, "p", 1), 1); /* refused, and still usable */
    WPT_OK(wp_fd_close(&fr));
    WPT_OK(wp_fd_close(&fw));
    /* a file opened by wp_open: synchronous */
    WPT_CHECK(suite_tempdir(dir, sizeof dir, "attach"));
    WPT_OK(wp_open(suite_join(path, sizeof path, dir, "f.txt"), WINPOLL_O_RDWR | WINPOLL_O_CREAT, 0666, &h));
    WPT_OK(wp_fd_init(&ff, h, 0));
    WPT_ERR(wp_fd_attach(&ff, &loop), WINPOLL_ERR_NOT_POLLABLE);
    WPT_OK(wp_fd_close(&ff));
    suite_rmtree(dir);
    /* a named pipe: the synchronous end is refused, the overlapped one taken */
    WPT_CHECK(named_pipe_pair(1, 0, PIPE_TYPE_BYTE, &s, &c));
    WPT_OK(wp_fd_init(&fs, s, 0));
    WPT_OK(wp_fd_init(&fc, c, 0));
    WPT_ERR(wp_fd_attach(&fc, &loop), WINPOLL_ERR_NOT_POLLABLE);
    WPT_OK(wp_fd_attach(&fs, &loop));
    WPT_OK(wp_fd_close(&fs));
    WPT_OK(wp_fd_close(&fc));
    /* closed FDs get the closing error, attached or not */
    WPT_CHECK(suite_fd_pair(NULL, AF_INET, &fa, &fb));
    WPT_OK(wp_fd_attach(&fb, &loop));
    WPT_OK(wp_fd_close(&fa));
    WPT_OK(wp_fd_close(&fb));
    WPT_ERR(wp_fd_attach(&fa, &loop), WINPOLL_ERR_NET_CLOSING);
    WPT_ERR(wp_fd_attach(&fb, &loop), WINPOLL_ERR_NET_CLOSING);
    WPT_CHECK(named_pipe_pair(1, 1, PIPE_TYPE_BYTE, &s, &c));
    WPT_OK(wp_fd_init(&fs, s, 0));
    WPT_OK(wp_fd_close(&fs));
    WPT_ERR(wp_fd_attach(&fs, &loop), WINPOLL_ERR_FILE_CLOSING);
    CloseHandle(c);
}

/* ---- 5. a wp_async reused while in flight ---- */

static void async_reused_in_flight_is_refused(void) {
    wp_fd a, b, c, d;
    wp_async x, y, *out[4];
    wp_sockaddr to;
    char buf[8], buf2[8];
    int got = 0, i;
    long long have = 0;
    loop_setup();
    WPT_CHECK(suite_fd_pair(&loop, AF_INET, &a, &b));
    WPT_CHECK(suite_fd_pair(&loop, AF_INET, &c, &d));
    memset(&x, 0xAB, sizeof x); /* a first start needs no zeroing */
    x.user = &x;
    if (wp_mode() == WINPOLL_MODE_BLOCKING) WPT_EQ(wp_fd_write(&a, "k", 1), 1); /* the start runs the read */
    WPT_OK(wp_async_read(&x, &b, buf, sizeof buf));
    /* every other use of x is refused while it is in flight */
    WPT_ERR(wp_async_read(&x, &b, buf2, sizeof buf2), ERROR_BUSY);
    WPT_ERR(wp_async_write(&x, &b, "z", 1), ERROR_BUSY);
    WPT_ERR(wp_async_read(&x, &d, buf2, sizeof buf2), ERROR_BUSY);
    WPT_ERR(wp_async_write(&x, &d, "z", 1), ERROR_BUSY);
    WPT_OK(wp_ip_parse(&to, "127.0.0.1"));
    WPT_ERR(wp_async_connect(&x, &d, &to), ERROR_BUSY);
    WPT_CHECK(x.fd == &b && x.op == WINPOLL_ASYNC_READ && x.user == &x); /* nothing changed */
    /* d's locks were not taken by the refused starts */
    WPT_EQ(wp_fd_write(&c, "dd", 2), 2);
    WPT_EQ(wp_fd_read(&d, buf2, sizeof buf2), 2);
    WPT_OK(wp_async_write(&y, &d, "w", 1)); /* and another struct works */
    if (wp_mode() == WINPOLL_MODE_IOCP) WPT_EQ(wp_fd_write(&a, "k", 1), 1);
    for (i = 0; i < 50 && got < 2; i++) {
        int n = wp_loop_poll(&loop, out + got, 4 - got, 100), k;
        WPT_CHECK(n >= 0);
        for (k = 0; k < n; k++) WPT_CHECK(out[got + k] == &x || out[got + k] == &y);
        got += n;
    }
    WPT_EQ(got, 2); /* each once */
    WPT_CHECK(out[0] != out[1]);
    WPT_EQ(wp_loop_poll(&loop, out, 4, 0), 0);
    WPT_EQ(x.result, 1);
    WPT_EQ(y.result, 1);
    WPT_EQ(x.user, &x);
    /* handed back: free for any operation on any FD */
    WPT_OK(wp_async_write(&x, &d, "v", 1));
    WPT_EQ(wp_loop_poll(&loop, out, 4, 5000), 1);
    WPT_CHECK(out[0] == &x && x.result == 1);
    while (have < 2) { /* "w" and "v" */
        long long r = wp_fd_read(&c, buf2 + have, sizeof buf2 - (size_t)have);
        WPT_CHECK(r > 0);
        have += r;
    }
    WPT_MEMEQ(buf2, "wv", 2);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
    WPT_OK(wp_fd_close(&c));
    WPT_OK(wp_fd_close(&d));
}

/* A result never handed out: closing the loop makes the struct free. */
static void async_undelivered_is_free_after_loop_close(void) {
    wp_loop l2;
    wp_fd a, b;
    wp_async x, *out[2];
    char buf[4];
    WPT_OK(wp_loop_init(&l2));
    WPT_CHECK(suite_fd_pair(&l2, AF_INET, &a, &b));
    WPT_OK(wp_async_write(&x, &a, "q", 1)); /* finishes in its start: queued, no packet */
    if (l2.in_flight != 0) WPT_SKIP("the write pended: this Windows has a socket provider without IFS handles");
    WPT_ERR(wp_async_write(&x, &a, "q", 1), ERROR_BUSY);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
    WPT_OK(wp_loop_close(&l2)); /* with x still queued */
    WPT_OK(wp_loop_init(&l2));
    WPT_CHECK(suite_fd_pair(&l2, AF_INET, &a, &b));
    if (wp_mode() == WINPOLL_MODE_BLOCKING) WPT_EQ(wp_fd_write(&a, "r", 1), 1); /* the start runs the read */
    WPT_OK(wp_async_read(&x, &b, buf, sizeof buf)); /* not -ERROR_BUSY */
    if (wp_mode() == WINPOLL_MODE_IOCP) WPT_EQ(wp_fd_write(&a, "r", 1), 1);
    WPT_EQ(wp_loop_poll(&l2, out, 2, 5000), 1);
    WPT_CHECK(out[0] == &x && x.result == 1);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
    WPT_OK(wp_loop_close(&l2));
}

/* ---- 7. zero-length writes make one call, as Go's ---- */

static void zero_length_write_sends_an_empty_message(void) {
    int attached;
    loop_setup();
    for (attached = 0; attached < 2; attached++) {
        HANDLE s, c;
        wp_fd fc;
        char buf[16];
        DWORD got = 99;
        WPT_CHECK(named_pipe_pair(0, attached, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, &s, &c));
        WPT_OK(wp_fd_init(&fc, c, 0));
        if (attached) WPT_OK(wp_fd_attach(&fc, &loop));
        WPT_EQ(wp_fd_write(&fc, "", 0), 0);
        WPT_EQ(wp_fd_write(&fc, NULL, 0), 0);
        WPT_EQ(wp_fd_write(&fc, "ab", 2), 2);
        WPT_CHECK(ReadFile(s, buf, sizeof buf, &got, NULL));
        WPT_EQ(got, 0); /* the empty message, first */
        got = 99;
        WPT_CHECK(ReadFile(s, buf, sizeof buf, &got, NULL));
        WPT_EQ(got, 0);
        WPT_CHECK(ReadFile(s, buf, sizeof buf, &got, NULL));
        WPT_EQ(got, 2);
        WPT_MEMEQ(buf, "ab", 2);
        if (attached) {
            wp_async x, *out[1];
            WPT_OK(wp_async_write(&x, &fc, "", 0)); /* the async face agrees */
            WPT_EQ(wp_loop_poll(&loop, out, 1, 5000), 1);
            WPT_EQ(x.result, 0);
            WPT_EQ(wp_fd_write(&fc, "c", 1), 1);
            got = 99;
            WPT_CHECK(ReadFile(s, buf, sizeof buf, &got, NULL));
            WPT_EQ(got, 0);
            WPT_CHECK(ReadFile(s, buf, sizeof buf, &got, NULL));
            WPT_EQ(got, 1);
        }
        WPT_OK(wp_fd_close(&fc));
        CloseHandle(s);
    }
}

/* ---- 8. sockets of a provider that owns OVERLAPPED.Internal ---- */

/* The provider rule forced off (a layered provider without IFS handles):
   reads, deadlines and close take their results from the provider. Wine's
   provider is IFS, so this shows the path works; it cannot show Internal
   being left alone. */
static void sockets_without_ifs_handles(void) {
    int saved = wp__imports.skip_on_success;
    wp_loop l2;
    wp_fd a, b;
    char buf[8];
    long long t0;
    WPT_OK(wp_init());
    WPT_OK(wp_loop_init(&l2));
    wp__imports.skip_on_success = 0;
    if (!suite_fd_pair(&l2, AF_INET, &a, &b)) {
        wp__imports.skip_on_success = saved;
        WPT_FAIL("socket pair");
    }
    WPT_EQ(b.skip_on_success, 0);
    WPT_EQ(wp_fd_write(&a, "abc", 3), 3);
    WPT_EQ(wp_fd_read(&b, buf, sizeof buf), 3);
    t0 = wp_monotonic_ns();
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, t0 + 200000000));
    WPT_ERR(wp_fd_read(&b, buf, sizeof buf), WINPOLL_ERR_DEADLINE);
    WPT_CHECK(ms_since(t0) >= 199 && ms_since(t0) < 5000);
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, 0));
    WPT_EQ(wp_fd_write(&a, "de", 2), 2);
    WPT_EQ(wp_fd_read(&b, buf, sizeof buf), 2);
    WPT_MEMEQ(buf, "de", 2);
    WPT_OK(wp_fd_close(&a));
    WPT_EQ(wp_fd_read(&b, buf, sizeof buf), 0);
    WPT_OK(wp_fd_close(&b));
    wp__imports.skip_on_success = saved;
    WPT_OK(wp_loop_close(&l2));
}

/* ---- 9. AF_UNIX connect does not block the start ---- */

static void unix_async_connect_does_not_block(void) {
    char dir[MAX_PATH * 3], path[MAX_PATH * 4];
    SOCKET l, s, s2;
    wp_sockaddr addr, none;
    wp_fd c, c2;
    wp_async x, *out[1];
    long long t0;
    SUITE_UNIX_SOCKET(&l);
    loop_setup();
    WPT_CHECK(suite_tempdir(dir, sizeof dir, "unix"));
    WPT_OK(wp_sockaddr_unix(&addr, suite_join(path, sizeof path, dir, "s")));
    WPT_OK(wp_bind(l, &addr));
    WPT_OK(wp_listen(l, 4));
    WPT_OK(wp_socket(AF_UNIX, SOCK_STREAM, 0, &s));
    WPT_OK(wp_fd_init(&c, (HANDLE)s, 0));
    WPT_OK(wp_fd_attach(&c, &loop));
    t0 = wp_monotonic_ns();
    WPT_OK(wp_async_connect(&x, &c, &addr));
    WPT_CHECK(ms_since(t0) < 2000);
    WPT_EQ(wp_loop_poll(&loop, out, 1, 5000), 1);
    WPT_EQ(x.result, 0);
    WPT_EQ(wp_fd_write(&c, "u", 1), 1); /* blocking again, and connected */
    /* nobody listens on this name: refused, delivered by the poll */
    WPT_OK(wp_sockaddr_unix(&none, suite_join(path, sizeof path, dir, "nobody")));
    WPT_OK(wp_socket(AF_UNIX, SOCK_STREAM, 0, &s2));
    WPT_OK(wp_fd_init(&c2, (HANDLE)s2, 0));
    WPT_OK(wp_fd_attach(&c2, &loop));
    WPT_OK(wp_async_connect(&x, &c2, &none));
    WPT_EQ(wp_loop_poll(&loop, out, 1, 5000), 1);
    WPT_CHECK(x.result < 0);
    WPT_OK(wp_fd_close(&c));
    WPT_OK(wp_fd_close(&c2));
    wp_closesocket(l);
    suite_rmtree(dir);
}

/* ---- 10. a blocking call behind an async operation's lock ---- */

typedef struct watchdog {
    HANDLE done;            /* set when the test no longer needs rescue */
    volatile LONG progress; /* changed by the test as it goes */
    int rescued;
} watchdog;

/* When the test makes no progress for 5 s, polls the loop, so that a
   deadlock (the header before this fix) ends in a failure, not a hang. */
static DWORD WINAPI watchdog_run(LPVOID arg) {
    watchdog *w = (watchdog *)arg;
    wp_async *out[4];
    LONG seen = w->progress;
    while (WaitForSingleObject(w->done, 5000) != WAIT_OBJECT_0) {
        if (w->progress != seen) {
            seen = w->progress;
            continue;
        }
        w->rescued = 1;
        while (WaitForSingleObject(w->done, 0) != WAIT_OBJECT_0) wp_loop_poll(&loop, out, 4, 10);
        break;
    }
    return 0;
}

static HANDLE watchdog_start(watchdog *w) {
    w->done = CreateEventW(NULL, TRUE, FALSE, NULL);
    w->progress = 0;
    w->rescued = 0;
    return start_thread(watchdog_run, w);
}

static int watchdog_stop(watchdog *w, HANDLE t) {
    int ended;
    SetEvent(w->done);
    ended = join_thread(t, 10000);
    CloseHandle(w->done);
    return ended && !w->rescued;
}

static void blocking_read_behind_async_read_meets_its_deadline(void) {
    wp_fd a, b;
    wp_async x, *out[1];
    char buf[8], buf2[8];
    watchdog w;
    HANDLE t;
    long long t0, r;
    double ms;
    SUITE_NEED_IOCP("blocking mode runs the async read inside its start, so no lock is held after it");
    loop_setup();
    WPT_CHECK(suite_fd_pair(&loop, AF_INET, &a, &b));
    WPT_OK(wp_async_read(&x, &b, buf, sizeof buf)); /* pends; nobody polls */
    t = watchdog_start(&w);
    t0 = wp_monotonic_ns();
    WPT_OK(wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, t0 + 300000000));
    r = wp_fd_read(&b, buf2, sizeof buf2);
    ms = ms_since(t0);
    WPT_CHECK(watchdog_stop(&w, t)); /* the read ended without the watchdog's polls */
    WPT_ERR(r, WINPOLL_ERR_DEADLINE);
    WPT_CHECK(ms >= 299 && ms < 3000);
    if (wp_loop_poll(&loop, out, 1, 0) == 1) WPT_CHECK(out[0] == &x);
    WPT_ERR(x.result, WINPOLL_ERR_DEADLINE);
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

typedef struct late_writer {
    wp_fd *fd;
    int round;
} late_writer;

static DWORD WINAPI write_two_late(LPVOID arg) {
    late_writer *lw = (late_writer *)arg;
    Sleep((DWORD)(lw->round % 3));
    wp_fd_write(lw->fd, "1", 1);
    Sleep((DWORD)(lw->round % 2));
    wp_fd_write(lw->fd, "2", 1);
    return 0;
}

typedef struct bg_poller {
    volatile LONG stop;
    wp_async *got;
} bg_poller;

static DWORD WINAPI poll_in_background(LPVOID arg) {
    bg_poller *p = (bg_poller *)arg;
    wp_async *out[4];
    while (!p->stop) {
        int n = wp_loop_poll(&loop, out, 4, 20);
        if (n > 0) InterlockedExchangePointer((PVOID volatile *)&p->got, out[0]);
    }
    return 0;
}

/* The async read takes the first byte, the blocking read behind it the
   second, with nobody else polling and with a poller beside: hundreds of
   rounds, for the hand-over of the lock and of the lead. */
static void blocking_read_behind_async_read_gets_the_next_bytes(void) {
    wp_fd a, b;
    int with_poller, round;
    watchdog w;
    HANDLE tw;
    SUITE_NEED_IOCP("blocking mode runs the async read inside its start, so no lock is held after it");
    loop_setup();
    WPT_CHECK(suite_fd_pair(&loop, AF_INET, &a, &b));
    tw = watchdog_start(&w);
    for (with_poller = 0; with_poller < 2; with_poller++) {
        bg_poller p;
        HANDLE tp = NULL;
        p.stop = 0;
        p.got = NULL;
        if (with_poller) tp = start_thread(poll_in_background, &p);
        for (round = 0; round < 200; round++) {
            wp_async x, *out[1];
            char buf[4], buf2[4];
            late_writer lw;
            HANDLE t;
            long long r, t0 = wp_monotonic_ns();
            lw.fd = &a;
            lw.round = round;
            p.got = NULL;
            WPT_OK(wp_async_read(&x, &b, buf, 1));
            t = start_thread(write_two_late, &lw);
            r = wp_fd_read(&b, buf2, 1); /* waits for the lock, serving the loop if nobody does */
            InterlockedIncrement(&w.progress);
            if (!join_thread(t, 10000) || w.rescued) {
                watchdog_stop(&w, tw);
                WPT_FAIL("the blocking read waited until the watchdog polled");
            }
            WPT_EQ(r, 1);
            WPT_EQ(buf2[0], '2');
            WPT_CHECK(ms_since(t0) < 5000);
            if (!with_poller) {
                WPT_EQ(wp_loop_poll(&loop, out, 1, 5000), 1);
                WPT_CHECK(out[0] == &x);
            } else {
                int i;
                for (i = 0; i < 5000 && p.got == NULL; i++) Sleep(1);
                WPT_CHECK(p.got == &x);
            }
            WPT_EQ(x.result, 1);
            WPT_EQ(buf[0], '1');
        }
        if (tp != NULL) {
            p.stop = 1;
            WPT_CHECK(join_thread(tp, 10000));
        }
    }
    WPT_CHECK(watchdog_stop(&w, tw));
    WPT_OK(wp_fd_close(&a));
    WPT_OK(wp_fd_close(&b));
}

static const wpt_case cases[] = {
    WPT_CASE(first_wp_init_wakes_a_lock_waiter),
    WPT_CASE(wake_taken_by_a_blocking_leader),
    WPT_CASE(wake_beside_a_finished_async_read),
    WPT_CASE(wake_for_a_sleeping_poll),
    WPT_CASE(attach_to_a_loop_not_open),
    WPT_CASE(attach_errors_say_what_is_wrong),
    WPT_CASE(async_reused_in_flight_is_refused),
    WPT_CASE(async_undelivered_is_free_after_loop_close),
    WPT_CASE(zero_length_write_sends_an_empty_message),
    WPT_CASE(sockets_without_ifs_handles),
    WPT_CASE(unix_async_connect_does_not_block),
    WPT_CASE(blocking_read_behind_async_read_meets_its_deadline),
    WPT_CASE(blocking_read_behind_async_read_gets_the_next_bytes),
};

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--first-init-child") == 0) return first_init_child();
    return wpt_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
