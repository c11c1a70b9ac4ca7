/* test_fd.c - the FD mutex (modelled on Go's fd_mutex_test.go, and more), the
   FD lifecycle with close from any thread, and the file and pipe operations.
   The read/write chunk limit is lowered from 1 GiB to 4 KiB here, so that the
   chunking runs without gigabytes of memory. */
#define WINPOLL_MAX_RW 4096u
#include "suite.h"

#include <string.h>

#define MU_REFS(fd) ((unsigned long long)(fd)->mu >> 3 & 0xFFFFF)

/* An FD on the read end of a new pipe; *w gets the write end. */
static int pipe_fd(wp_fd *fd, HANDLE *w) {
    HANDLE r;
    if (wp_pipe(&r, w) != 0) return 0;
    if (wp_fd_init(fd, r, 0) != 0) {
        CloseHandle(r);
        CloseHandle(*w);
        return 0;
    }
    return 1;
}

/* ---- the mutex ---- */

static void mutex_lock_unlock(void) {
    wp_fd fd;
    HANDLE w;
    WPT_CHECK(pipe_fd(&fd, &w));
    WPT_EQ(fd.kind, WINPOLL_KIND_PIPE);
    WPT_OK(wp__fdmu_incref(&fd));
    WPT_OK(wp__fdmu_rwlock(&fd, 1));
    WPT_OK(wp__fdmu_rwlock(&fd, 0)); /* the write lock is independent of the read lock */
    WPT_EQ(MU_REFS(&fd), 3);
    WPT_EQ(wp__fdmu_rwunlock(&fd, 1), 0);
    WPT_EQ(wp__fdmu_rwunlock(&fd, 0), 0);
    WPT_EQ(wp__fdmu_decref(&fd), 0);
    WPT_EQ(fd.mu, 0);
    WPT_OK(wp_fd_close(&fd));
    CloseHandle(w);
}

static void mutex_close_fails_new_users(void) {
    wp_fd fd;
    HANDLE w;
    char c;
    WPT_CHECK(pipe_fd(&fd, &w));
    WPT_OK(wp__fdmu_incref(&fd)); /* a user that is still inside */
    WPT_OK(wp__fdmu_incref_and_close(&fd));
    WPT_ERR(wp__fdmu_incref(&fd), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp__fdmu_rwlock(&fd, 1), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp__fdmu_rwlock(&fd, 0), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp__fdmu_incref_and_close(&fd), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp_fd_read(&fd, &c, 1), WINPOLL_ERR_FILE_CLOSING);
    WPT_EQ(wp__fdmu_decref(&fd), 0); /* the closer's reference remains */
    WPT_EQ(wp__fdmu_decref(&fd), 1); /* the last: the caller destroys */
    wp__fd_destroy(&fd);
    WPT_OK(fd.close_result);
    CloseHandle(w);
}

static volatile LONG waiters_failed, waiters_started;

static DWORD WINAPI lock_waiter(LPVOID arg) {
    wp_fd *fd = (wp_fd *)arg;
    int read = InterlockedIncrement(&waiters_started) % 2;
    int r = wp__fdmu_rwlock(fd, read);
    if (r == -WINPOLL_ERR_FILE_CLOSING) InterlockedIncrement(&waiters_failed);
    else if (r == 0) wp__fd_leave(fd, read ? 1 : 2);
    return 0;
}

/* Threads blocked on both locks are woken by close and fail; close returns
   only after the holders and the woken waiters have all left. */
static void mutex_close_wakes_waiters(void) {
    wp_fd fd;
    HANDLE w, t[6];
    int i;
    double t0;
    WPT_CHECK(pipe_fd(&fd, &w));
    WPT_OK(wp__fdmu_rwlock(&fd, 1));
    WPT_OK(wp__fdmu_rwlock(&fd, 0));
    waiters_failed = waiters_started = 0;
    for (i = 0; i < 6; i++) WPT_CHECK((t[i] = CreateThread(NULL, 0, lock_waiter, &fd, 0, NULL)) != NULL);
    /* all six waiting: 3 on each lock, each holding a reference */
    for (i = 0; i < 500 && (((unsigned long long)fd.mu >> 23 & 0xFFFFF) != 3 || ((unsigned long long)fd.mu >> 43 & 0xFFFFF) != 3); i++)
        Sleep(2);
    WPT_EQ((unsigned long long)fd.mu >> 23 & 0xFFFFF, 3);
    WPT_EQ((unsigned long long)fd.mu >> 43 & 0xFFFFF, 3);
    WPT_EQ(MU_REFS(&fd), 8);
    t0 = wpt_now_ms();
    WPT_OK(wp__fdmu_incref_and_close(&fd));
    WPT_EQ(WaitForMultipleObjects(6, t, TRUE, 10000), WAIT_OBJECT_0);
    WPT_CHECK(wpt_now_ms() - t0 < 5000);
    WPT_EQ(waiters_failed, 6);
    for (i = 0; i < 6; i++) CloseHandle(t[i]);
    WPT_EQ(MU_REFS(&fd), 3); /* the two holders and the closer */
    WPT_EQ(wp__fdmu_rwunlock(&fd, 1), 0);
    WPT_EQ(wp__fdmu_rwunlock(&fd, 0), 0);
    WPT_EQ(wp__fdmu_decref(&fd), 1);
    wp__fd_destroy(&fd);
    CloseHandle(w);
}

static void mutex_close_wakes_waiters_without_waitonaddress(void) {
    wp__fn_WaitOnAddress saved;
    WPT_OK(wp_init());
    saved = wp__imports.WaitOnAddress;
    if (saved == NULL) WPT_SKIP("this system has no WaitOnAddress: the other test already ran the fallback");
    wp__imports.WaitOnAddress = NULL; /* the Windows 7 path: the condition-variable table */
    mutex_close_wakes_waiters();
    wp__imports.WaitOnAddress = saved;
}

static void mutex_overflow_is_an_error(void) {
    wp_fd fd;
    HANDLE w;
    long i;
    WPT_CHECK(pipe_fd(&fd, &w));
    for (i = 0; i < 0xFFFFF; i++)
        if (wp__fdmu_incref(&fd) != 0) break;
    WPT_EQ(i, 0xFFFFF);
    WPT_ERR(wp__fdmu_incref(&fd), WINPOLL_ERR_TOO_MANY_REFS);
    WPT_ERR(wp__fdmu_rwlock(&fd, 1), WINPOLL_ERR_TOO_MANY_REFS);
    WPT_EQ(MU_REFS(&fd), 0xFFFFF); /* nothing wrapped */
    for (i = 0; i < 0xFFFFF; i++) wp__fdmu_decref(&fd);
    WPT_EQ(fd.mu, 0);
    /* the waiter count: a full count of read waiters, one more is refused */
    fd.mu = (LONG64)(0x2ull | (1ull << 3) | (0xFFFFFull << 23));
    WPT_ERR(wp__fdmu_rwlock(&fd, 1), WINPOLL_ERR_TOO_MANY_REFS);
    WPT_EQ((unsigned long long)fd.mu, 0x2ull | (1ull << 3) | (0xFFFFFull << 23));
    fd.mu = 0;
    WPT_OK(wp_fd_close(&fd));
    CloseHandle(w);
}

/* Eight threads take references and both locks at random while another
   closes: the locks are exclusive throughout, every operation started after
   close fails with the closing error, and at the end the word holds only
   the closed bit and the handle was closed once. */
static struct {
    wp_fd fd;
    volatile LONG in_read, in_write, overlap, ops, after_close_ok;
    volatile LONG closed;
} stress;

static DWORD WINAPI stress_thread(LPVOID arg) {
    unsigned long seed = (unsigned long)(ULONG_PTR)arg * 2654435761u + 1;
    int i;
    for (i = 0; i < 20000; i++) {
        int what, r, closed_before;
        seed = seed * 1103515245u + 12345u;
        what = (int)(seed >> 16) % 3;
        closed_before = stress.closed;
        r = what == 0 ? wp__fdmu_incref(&stress.fd) : wp__fdmu_rwlock(&stress.fd, what == 1);
        if (r != 0) {
            if (r != -WINPOLL_ERR_FILE_CLOSING) InterlockedIncrement(&stress.overlap);
            continue;
        }
        if (closed_before) InterlockedIncrement(&stress.after_close_ok);
        if (what == 1 && InterlockedIncrement(&stress.in_read) != 1) InterlockedIncrement(&stress.overlap);
        if (what == 2 && InterlockedIncrement(&stress.in_write) != 1) InterlockedIncrement(&stress.overlap);
        InterlockedIncrement(&stress.ops);
        if (what == 1) InterlockedDecrement(&stress.in_read);
        if (what == 2) InterlockedDecrement(&stress.in_write);
        wp__fd_leave(&stress.fd, what);
    }
    return 0;
}

static void mutex_stress_with_close(void) {
    HANDLE t[8], w;
    int i;
    memset(&stress, 0, sizeof stress);
    WPT_CHECK(pipe_fd(&stress.fd, &w));
    for (i = 0; i < 8; i++)
        WPT_CHECK((t[i] = CreateThread(NULL, 0, stress_thread, (LPVOID)(ULONG_PTR)(i + 1), 0, NULL)) != NULL);
    while (stress.ops < 20000) Sleep(1);
    WPT_OK(wp_fd_close(&stress.fd)); /* returns when every user has left */
    stress.closed = 1;                /* from here on, every operation must fail */
    WPT_EQ((unsigned long long)stress.fd.mu, 1);
    WPT_EQ(WaitForMultipleObjects(8, t, TRUE, 60000), WAIT_OBJECT_0);
    for (i = 0; i < 8; i++) CloseHandle(t[i]);
    WPT_EQ(stress.overlap, 0);
    WPT_EQ(stress.after_close_ok, 0);
    WPT_CHECK(stress.ops >= 20000);
    WPT_EQ((unsigned long long)stress.fd.mu, 1);
    WPT_CHECK(stress.fd.handle == INVALID_HANDLE_VALUE);
    CloseHandle(w);
}

/* ---- the lifecycle ---- */

static volatile long long blocked_read_result;

static DWORD WINAPI blocked_reader(LPVOID arg) {
    char c;
    blocked_read_result = wp_fd_read((wp_fd *)arg, &c, 1);
    return 0;
}

/* A thread blocked in ReadFile on a pipe is released by close from another
   thread with the closing error; the handle is then closed. Repeated, since
   the reader may or may not have entered ReadFile when close comes. */
static void close_releases_a_blocked_pipe_reader(void) {
    int round;
    for (round = 0; round < 20; round++) {
        wp_fd fd;
        HANDLE w, t, r;
        DWORD flags;
        double t0;
        WPT_CHECK(pipe_fd(&fd, &w));
        r = fd.handle;
        blocked_read_result = 12345;
        t = CreateThread(NULL, 0, blocked_reader, &fd, 0, NULL);
        WPT_CHECK(t != NULL);
        if (round % 2 == 0) Sleep(20); /* odd rounds close at once, maybe before ReadFile */
        t0 = wpt_now_ms();
        WPT_OK(wp_fd_close(&fd));
        WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
        WPT_CHECK(wpt_now_ms() - t0 < 1000);
        CloseHandle(t);
        WPT_ERR(blocked_read_result, WINPOLL_ERR_FILE_CLOSING);
        WPT_CHECK(!GetHandleInformation(r, &flags)); /* closed; nothing made a handle since */
        CloseHandle(w);
    }
}

/* A thread blocked in recv on a socket FD is released by close with "use of
   closed network connection"; data before that arrives intact. */
static void close_releases_a_blocked_socket_reader(void) {
    int round;
    for (round = 0; round < 10; round++) {
        SOCKET l, c, s;
        wp_sockaddr lo, bound;
        wp_fd fd;
        HANDLE t;
        char buf[8];
        double t0;
        WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &l));
        WPT_OK(wp_ip_parse(&lo, "127.0.0.1"));
        WPT_OK(wp_bind(l, &lo));
        WPT_OK(wp_listen(l, 1));
        WPT_OK(wp_getsockname(l, &bound));
        WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &c));
        WPT_OK(wp_connect(c, &bound));
        WPT_OK(wp_accept(l, &s, NULL));
        WPT_OK(wp_fd_init(&fd, (HANDLE)s, 0));
        WPT_EQ(wp_sendto(c, "hi", 2, 0, NULL), 2);
        WPT_EQ(wp_fd_read(&fd, buf, sizeof buf), 2);
        WPT_MEMEQ(buf, "hi", 2);
        WPT_EQ(wp_fd_write(&fd, "back", 4), 4);
        WPT_EQ(wp_recvfrom(c, buf, sizeof buf, 0, NULL), 4);
        blocked_read_result = 12345;
        t = CreateThread(NULL, 0, blocked_reader, &fd, 0, NULL);
        WPT_CHECK(t != NULL);
        if (round % 2 == 0) Sleep(20);
        t0 = wpt_now_ms();
        WPT_OK(wp_fd_close(&fd));
        WPT_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
        WPT_CHECK(wpt_now_ms() - t0 < 1000);
        CloseHandle(t);
        WPT_ERR(blocked_read_result, WINPOLL_ERR_NET_CLOSING);
        wp_closesocket(c);
        wp_closesocket(l);
    }
}

static void operations_after_close_fail_with_the_closing_error(void) {
    char dir[1024], path[1200], buf[4];
    wp_fd fd;
    HANDLE h;
    wp_file_info fi;
    SOCKET s;
    WPT_CHECK(suite_tempdir(dir, sizeof dir, "fdclosed"));
    WPT_OK(wp_open(suite_join(path, sizeof path, dir, "f"), WINPOLL_O_RDWR | WINPOLL_O_CREAT, 0666, &h));
    WPT_OK(wp_fd_init(&fd, h, 0));
    WPT_EQ(fd.kind, WINPOLL_KIND_FILE);
    WPT_OK(wp_fd_close(&fd));
    WPT_CHECK(fd.handle == INVALID_HANDLE_VALUE); /* no call can reach the old value */
    WPT_ERR(wp_fd_close(&fd), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp_fd_read(&fd, buf, 1), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp_fd_write(&fd, "x", 1), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp_fd_pread(&fd, buf, 1, 0), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp_fd_pwrite(&fd, "x", 1, 0), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp_fd_seek(&fd, 0, WINPOLL_SEEK_SET), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp_fd_stat(&fd, &fi), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp_fd_truncate(&fd, 0), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp_fd_sync(&fd), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp_fd_chmod(&fd, 0644), WINPOLL_ERR_FILE_CLOSING);
    WPT_ERR(wp_fd_chdir(&fd), WINPOLL_ERR_FILE_CLOSING);
    WPT_CHECK(wp_is_closed(wp_fd_read(&fd, buf, 1)));
    /* a socket FD says "use of closed network connection" */
    WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &s));
    WPT_OK(wp_fd_init(&fd, (HANDLE)s, 0));
    WPT_EQ(fd.kind, WINPOLL_KIND_STREAM_SOCKET);
    WPT_OK(wp_fd_close(&fd));
    WPT_ERR(wp_fd_close(&fd), WINPOLL_ERR_NET_CLOSING);
    WPT_ERR(wp_fd_read(&fd, buf, 1), WINPOLL_ERR_NET_CLOSING);
    suite_rmtree(dir);
}

/* 10,000 open/close cycles of files and pipes leave the process's handle
   count where it was. */
static void handles_are_closed_exactly_once(void) {
    char dir[1024], path[1200];
    long before = 0, after;
    int i;
    WPT_CHECK(suite_tempdir(dir, sizeof dir, "fdcount"));
    suite_join(path, sizeof path, dir, "f");
    WPT_CHECK(suite_write_file(path, "x"));
    for (i = -2; i < 10000; i++) {
        wp_fd fd;
        HANDLE h, r, w;
        if (i % 2 == 0) {
            WPT_OK(wp_open(path, WINPOLL_O_RDONLY, 0, &h));
            WPT_OK(wp_fd_init(&fd, h, WINPOLL_KIND_FILE));
            WPT_OK(wp_fd_close(&fd));
        } else {
            WPT_OK(wp_pipe(&r, &w));
            WPT_OK(wp_fd_init(&fd, r, WINPOLL_KIND_PIPE));
            WPT_OK(wp_fd_close(&fd));
            WPT_OK(wp_close(w));
        }
        if (i == -1) { /* after one warm-up cycle of each kind */
            before = suite_handle_count();
            WPT_CHECK(before > 0);
        }
    }
    after = suite_handle_count();
    WPT_EQ(after, before);
    suite_rmtree(dir);
}

/* ---- operations ---- */

static void kinds_of_handles(void) {
    char dir[1024], path[1200];
    HANDLE h, r, w;
    SOCKET s;
    WPT_CHECK(suite_tempdir(dir, sizeof dir, "kinds"));
    WPT_OK(wp_open(dir, WINPOLL_O_RDONLY, 0, &h));
    WPT_EQ(wp_handle_kind(h), WINPOLL_KIND_DIR);
    wp_close(h);
    WPT_OK(wp_open(suite_join(path, sizeof path, dir, "f"), WINPOLL_O_RDWR | WINPOLL_O_CREAT, 0666, &h));
    WPT_EQ(wp_handle_kind(h), WINPOLL_KIND_FILE);
    wp_close(h);
    WPT_OK(wp_open("NUL", WINPOLL_O_RDWR, 0, &h));
    WPT_EQ(wp_handle_kind(h), WINPOLL_KIND_FILE);
    wp_close(h);
    WPT_OK(wp_pipe(&r, &w));
    WPT_EQ(wp_handle_kind(r), WINPOLL_KIND_PIPE);
    wp_close(r);
    wp_close(w);
    WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &s));
    WPT_EQ(wp_handle_kind((HANDLE)s), WINPOLL_KIND_STREAM_SOCKET);
    wp_closesocket(s);
    WPT_OK(wp_socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP, &s));
    WPT_EQ(wp_handle_kind((HANDLE)s), WINPOLL_KIND_DGRAM_SOCKET);
    {
        wp_fd fd;
        WPT_OK(wp_fd_init(&fd, (HANDLE)s, 0));
        WPT_EQ(wp_fd_is_stream(&fd), 0);
        WPT_EQ(wp_fd_zero_read_is_eof(&fd), 0);
        WPT_OK(wp_fd_close(&fd));
    }
    WPT_ERR(wp_handle_kind(INVALID_HANDLE_VALUE), ERROR_INVALID_HANDLE);
    WPT_ERR(wp_fd_init(NULL, r, 0), ERROR_INVALID_PARAMETER);
    {
        wp_fd fd;
        WPT_ERR(wp_fd_init(&fd, NULL, 0), ERROR_INVALID_HANDLE);
        WPT_ERR(wp_fd_init(&fd, r, 99), ERROR_INVALID_PARAMETER);
    }
    suite_rmtree(dir);
}

static void pipe_read_write_and_end_of_file(void) {
    wp_fd rfd, wfd;
    HANDLE r, w;
    char buf[16];
    WPT_OK(wp_pipe(&r, &w));
    WPT_OK(wp_fd_init(&rfd, r, 0));
    WPT_OK(wp_fd_init(&wfd, w, 0));
    WPT_EQ(wp_fd_is_stream(&rfd), 1);
    WPT_EQ(wp_fd_zero_read_is_eof(&rfd), 1);
    WPT_EQ(wp_fd_write(&wfd, "hello", 5), 5);
    WPT_EQ(wp_fd_read(&rfd, buf, sizeof buf), 5);
    WPT_MEMEQ(buf, "hello", 5);
    WPT_ERR(wp_fd_pread(&rfd, buf, 1, 0), ERROR_SEEK_ON_DEVICE);
    WPT_ERR(wp_fd_pwrite(&wfd, "x", 1, 0), ERROR_SEEK_ON_DEVICE);
    WPT_ERR(wp_fd_seek(&rfd, 0, WINPOLL_SEEK_SET), ERROR_SEEK_ON_DEVICE);
    WPT_OK(wp_fd_close(&wfd));
    WPT_EQ(wp_fd_read(&rfd, buf, sizeof buf), 0); /* writer gone: end of file */
    WPT_OK(wp_fd_close(&rfd));
}

/* Writes larger than the chunk limit (4 KiB in this suite) go out whole in
   several WriteFile calls; a read takes at most one chunk. */
static void writes_loop_over_chunks(void) {
    char dir[1024], path[1200];
    static char data[10000], back[10000];
    wp_fd fd;
    HANDLE h;
    long long got = 0, r;
    size_t i;
    for (i = 0; i < sizeof data; i++) data[i] = (char)(i * 7 + i / 251);
    WPT_CHECK(suite_tempdir(dir, sizeof dir, "chunks"));
    WPT_OK(wp_open(suite_join(path, sizeof path, dir, "f"), WINPOLL_O_RDWR | WINPOLL_O_CREAT, 0666, &h));
    WPT_OK(wp_fd_init(&fd, h, 0));
    WPT_EQ(wp_fd_write(&fd, data, sizeof data), sizeof data);
    WPT_EQ(wp_fd_seek(&fd, 0, WINPOLL_SEEK_CUR), sizeof data);
    WPT_EQ(wp_fd_pwrite(&fd, data, sizeof data, 20000), sizeof data);
    WPT_OK(wp_fd_seek(&fd, 0, WINPOLL_SEEK_SET));
    r = wp_fd_read(&fd, back, sizeof back);
    WPT_EQ(r, 4096);
    got = r;
    while (got < (long long)sizeof back && (r = wp_fd_read(&fd, back + got, sizeof back - (size_t)got)) > 0) got += r;
    WPT_EQ(got, sizeof back);
    WPT_MEMEQ(back, data, sizeof data);
    WPT_EQ(wp_fd_pread(&fd, back, sizeof back, 20000), 4096);
    WPT_MEMEQ(back, data, 4096);
    WPT_OK(wp_fd_close(&fd));
    suite_rmtree(dir);
}

static void pread_pwrite_keep_the_file_position(void) {
    char dir[1024], path[1200], buf[16];
    wp_fd fd;
    HANDLE h;
    wp_file_info fi;
    WPT_CHECK(suite_tempdir(dir, sizeof dir, "pread"));
    WPT_OK(wp_open(suite_join(path, sizeof path, dir, "f"), WINPOLL_O_RDWR | WINPOLL_O_CREAT, 0666, &h));
    WPT_OK(wp_fd_init(&fd, h, 0));
    WPT_EQ(wp_fd_write(&fd, "0123456789", 10), 10);
    WPT_EQ(wp_fd_seek(&fd, 3, WINPOLL_SEEK_SET), 3);
    WPT_EQ(wp_fd_pread(&fd, buf, 4, 5), 4);
    WPT_MEMEQ(buf, "5678", 4);
    WPT_EQ(wp_fd_seek(&fd, 0, WINPOLL_SEEK_CUR), 3);
    WPT_EQ(wp_fd_pwrite(&fd, "AB", 2, 8), 2);
    WPT_EQ(wp_fd_seek(&fd, 0, WINPOLL_SEEK_CUR), 3);
    WPT_EQ(wp_fd_read(&fd, buf, 7), 7);
    WPT_MEMEQ(buf, "34567AB", 7);
    WPT_EQ(wp_fd_pread(&fd, buf, 4, 100), 0); /* past the end */
    WPT_ERR(wp_fd_pread(&fd, buf, 4, -1), ERROR_NEGATIVE_SEEK);
    WPT_OK(wp_fd_truncate(&fd, 4));
    WPT_OK(wp_fd_stat(&fd, &fi));
    WPT_EQ(fi.size, 4);
    WPT_OK(wp_fd_sync(&fd));
    WPT_OK(wp_fd_chmod(&fd, 0444));
    WPT_OK(wp_fd_stat(&fd, &fi));
    WPT_CHECK(fi.attributes & FILE_ATTRIBUTE_READONLY);
    WPT_OK(wp_fd_chmod(&fd, 0644));
    WPT_OK(wp_fd_close(&fd));
    suite_rmtree(dir);
}

static void fchdir_makes_the_directory_current(void) {
    char dir[1024], old[2048], now[2048];
    wp_fd fd;
    HANDLE h;
    WPT_CHECK(suite_tempdir(dir, sizeof dir, "fchdir"));
    WPT_CHECK(wp_getwd(old, sizeof old) > 0);
    WPT_OK(wp_open(dir, WINPOLL_O_RDONLY, 0, &h));
    WPT_OK(wp_fd_init(&fd, h, 0));
    WPT_EQ(fd.kind, WINPOLL_KIND_DIR);
    WPT_OK(wp_fd_chdir(&fd));
    WPT_CHECK(wp_getwd(now, sizeof now) > 0);
    wp_chdir(old);
    WPT_OK(wp_fd_close(&fd));
    /* the same folder, whatever the case and prefix the system reports */
    WPT_CHECK(_stricmp(now, dir) == 0);
    suite_rmtree(dir);
}

/* The console kind routes to ReadConsoleW/WriteConsoleW (test_console runs
   them on a real console): given a pipe, they fail with the system's error. */
static void console_kind_dispatches_to_the_codec(void) {
    wp_fd fd;
    HANDLE r, w;
    char c;
    WPT_OK(wp_pipe(&r, &w));
    WPT_OK(wp_fd_init(&fd, r, WINPOLL_KIND_CONSOLE));
    WPT_CHECK(wp_fd_read(&fd, &c, 1) < 0);
    WPT_CHECK(wp_fd_write(&fd, "x", 1) < 0);
    WPT_ERR(wp_fd_seek(&fd, 0, WINPOLL_SEEK_SET), ERROR_SEEK_ON_DEVICE);
    WPT_OK(wp_fd_close(&fd));
    wp_close(w);
}

static const wpt_case cases[] = {
    WPT_CASE(mutex_lock_unlock),
    WPT_CASE(mutex_close_fails_new_users),
    WPT_CASE(mutex_close_wakes_waiters),
    WPT_CASE(mutex_close_wakes_waiters_without_waitonaddress),
    WPT_CASE(mutex_overflow_is_an_error),
    WPT_CASE(mutex_stress_with_close),
    WPT_CASE(close_releases_a_blocked_pipe_reader),
    WPT_CASE(close_releases_a_blocked_socket_reader),
    WPT_CASE(operations_after_close_fail_with_the_closing_error),
    WPT_CASE(handles_are_closed_exactly_once),
    WPT_CASE(kinds_of_handles),
    WPT_CASE(pipe_read_write_and_end_of_file),
    WPT_CASE(writes_loop_over_chunks),
    WPT_CASE(pread_pwrite_keep_the_file_position),
    WPT_CASE(fchdir_makes_the_directory_current),
    WPT_CASE(console_kind_dispatches_to_the_codec),
};

WPT_MAIN(cases)
