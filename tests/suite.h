/* suite.h - what every winpoll.h test suite starts with: the implementation,
   the runner, and helpers shared by the suites. Include it once, first. */
#ifndef SUITE_H
#define SUITE_H

/* SUITE_COUNT_BYTES (defined before including this): the allocator hooks
   count the bytes the library holds in bytes_held (the size is kept in
   front of each block), so that a test can see it return to where it was. */
#ifdef SUITE_COUNT_BYTES
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <string.h>
static volatile LONG64 bytes_held;
static __inline void *suite_counting_malloc(size_t size) {
    size_t *p = (size_t *)HeapAlloc(GetProcessHeap(), 0, size + sizeof(size_t) * 2);
    if (p == NULL) return NULL;
    p[0] = size;
    InterlockedExchangeAdd64(&bytes_held, (LONG64)size);
    return p + 2;
}
static __inline void suite_counting_free(void *q) {
    size_t *p = (size_t *)q;
    if (p == NULL) return;
    InterlockedExchangeAdd64(&bytes_held, -(LONG64)p[-2]);
    HeapFree(GetProcessHeap(), 0, p - 2);
}
static __inline void *suite_counting_realloc(void *q, size_t size) {
    void *n = suite_counting_malloc(size);
    if (n != NULL && q != NULL) {
        memcpy(n, q, ((size_t *)q)[-2] < size ? ((size_t *)q)[-2] : size);
        suite_counting_free(q);
    }
    return n;
}
#define WINPOLL_MALLOC(size, ctx) ((void)(ctx), suite_counting_malloc(size))
#define WINPOLL_REALLOC(p, size, ctx) ((void)(ctx), suite_counting_realloc((p), (size)))
#define WINPOLL_FREE(p, ctx) ((void)(ctx), suite_counting_free(p))
#endif

#define WINPOLL_IMPLEMENTATION
#include "../winpoll.h"
#include <stdio.h>

/* Results in failure messages are printed with their name and text. */
static __inline void suite_errtext(long long r, char *buf, size_t size) {
    size_t n;
    if (r >= 0) {
        buf[0] = 0;
        return;
    }
    n = (size_t)snprintf(buf, size, "%s: ", wp_error_name(r));
    if (n < size) wp_strerror(r, buf + n, size - n);
}
#define WPT_ERRTEXT(r, buf, size) suite_errtext((r), (buf), (size))

#include "wptest.h"

/* A new, empty, uniquely named folder under the temporary folder, as UTF-8
   (the name has CJK and an emoji in it, so every path test crosses the
   UTF-8/UTF-16 boundary). Returns 1 on success. */
static __inline int suite_tempdir(char *out, size_t cap, const char *tag) {
    static LONG counter;
    WCHAR w[MAX_PATH];
    char base[MAX_PATH * 3];
    DWORD n = GetTempPathW(MAX_PATH, w);
    int tries, r = -1;
    if (n == 0 || n >= MAX_PATH) return 0;
    if (wp_utf16_to_utf8(w, n, base, sizeof base) >= (long long)sizeof base) return 0;
    /* process ids are reused (quickly, under Wine), and a failed test leaves
       its folder behind: the clock makes the name new, a retry makes sure */
    for (tries = 0; tries < 10 && r != 0; tries++) {
        snprintf(out, cap, "%swinpoll-%s-%lu-%ld-%llx-\xe6\x95\xb0\xf0\x9f\x98\x80", base, tag,
                 (unsigned long)GetCurrentProcessId(), (long)InterlockedIncrement(&counter),
                 (unsigned long long)wp_monotonic_ns() & 0xFFFFFFFFull);
        r = wp_mkdir(out, 0777);
    }
    return r == 0;
}

/* The number of handles this process has open, or -1: the entries of
   NtQuerySystemInformation(SystemExtendedHandleInformation) with our
   process id. (GetProcessHandleCount is a stub in Wine 8: TRUE and 0.) */
typedef struct suite_handle_entry {
    PVOID object;
    ULONG_PTR pid, handle;
    ULONG access;
    USHORT backtrace, type;
    ULONG attributes, reserved;
} suite_handle_entry;

static __inline long suite_handle_count(void) {
    typedef LONG(NTAPI * query_fn)(ULONG, PVOID, ULONG, PULONG);
    query_fn query =
        (query_fn)(void (*)(void))GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtQuerySystemInformation");
    ULONG size = 1 << 16, got = 0;
    ULONG_PTR i, *info;
    long n = 0;
    LONG st;
    if (query == NULL) return -1;
    for (;;) {
        info = (ULONG_PTR *)HeapAlloc(GetProcessHeap(), 0, size);
        if (info == NULL) return -1;
        st = query(64 /* SystemExtendedHandleInformation */, info, size, &got);
        if (st != (LONG)0xC0000004 /* STATUS_INFO_LENGTH_MISMATCH */) break;
        HeapFree(GetProcessHeap(), 0, info);
        size *= 2;
    }
    if (st >= 0) {
        /* two ULONG_PTRs (the count and a reserved one), then the entries */
        const suite_handle_entry *e = (const suite_handle_entry *)(const void *)(info + 2);
        for (i = 0; i < info[0]; i++)
            if (e[i].pid == GetCurrentProcessId()) n++;
    }
    HeapFree(GetProcessHeap(), 0, info);
    return st >= 0 ? n : -1;
}

/* Deletes a folder and everything in it (read-only files too). */
static __inline void suite_rmtree(const char *path) {
    wp_dir d;
    wp_dirent e;
    char sub[4096];
    if (wp_opendir(&d, path) == 0) {
        while (wp_readdir(&d, &e) == 1) {
            snprintf(sub, sizeof sub, "%s\\%s", path, e.name);
            if (e.type == WINPOLL_TYPE_DIR) suite_rmtree(sub);
            else if (wp_unlink(sub) != 0) wp_rmdir(sub);
        }
        wp_closedir(&d);
    }
    wp_rmdir(path);
}

/* path = dir + "\\" + name */
static __inline const char *suite_join(char *out, size_t cap, const char *dir, const char *name) {
    snprintf(out, cap, "%s\\%s", dir, name);
    return out;
}

/* Writes a whole small file; returns 1 on success. */
static __inline int suite_write_file(const char *path, const char *data) {
    HANDLE h;
    size_t n = strlen(data);
    long long w;
    if (wp_open(path, WINPOLL_O_WRONLY | WINPOLL_O_CREAT | WINPOLL_O_TRUNC, 0666, &h) != 0) return 0;
    w = wp_write(h, data, n);
    wp_close(h);
    return w == (long long)n;
}

/* Reads a whole small file into buf (NUL-terminated); returns its length or -1. */
static __inline long long suite_read_file(const char *path, char *buf, size_t cap) {
    HANDLE h;
    long long n = 0, r;
    if (wp_open(path, WINPOLL_O_RDONLY, 0, &h) != 0) return -1;
    while ((r = wp_read(h, buf + n, cap - 1 - (size_t)n)) > 0) n += r;
    wp_close(h);
    buf[n] = 0;
    return r < 0 ? -1 : n;
}

/* A connected TCP pair on loopback (family AF_INET or AF_INET6), Nagle
   off: the connecting end in *c, the accepted one in *s. 1, or 0. */
static __inline int suite_socket_pair(int family, SOCKET *c, SOCKET *s) {
    SOCKET l;
    wp_sockaddr lo, bound;
    int ok;
    if (wp_socket(family, SOCK_STREAM, IPPROTO_TCP, &l) != 0) return 0;
    wp_ip_parse(&lo, family == AF_INET ? "127.0.0.1" : "::1");
    ok = wp_bind(l, &lo) == 0 && wp_listen(l, 1) == 0 && wp_getsockname(l, &bound) == 0 &&
         wp_socket(family, SOCK_STREAM, IPPROTO_TCP, c) == 0;
    ok = ok && wp_connect(*c, &bound) == 0 && wp_accept(l, s, NULL) == 0;
    wp_closesocket(l);
    if (!ok) return 0;
    wp_setsockopt_int(*c, IPPROTO_TCP, TCP_NODELAY, 1);
    wp_setsockopt_int(*s, IPPROTO_TCP, TCP_NODELAY, 1);
    return 1;
}

/* The same pair as two FDs, each attached to lp (when not NULL). 1, or 0. */
static __inline int suite_fd_pair(wp_loop *lp, int family, wp_fd *a, wp_fd *b) {
    SOCKET c, s;
    if (!suite_socket_pair(family, &c, &s)) return 0;
    if (wp_fd_init(a, (HANDLE)c, 0) != 0 || wp_fd_init(b, (HANDLE)s, 0) != 0) return 0;
    return lp == NULL || (wp_fd_attach(a, lp) == 0 && wp_fd_attach(b, lp) == 0);
}

/* Makes an AF_UNIX stream socket in *s, or skips the test where there are
   none (Wine 8; Windows before 10 1803). */
#define SUITE_UNIX_SOCKET(s) \
    do { \
        long long r_ = wp_socket(AF_UNIX, SOCK_STREAM, 0, (s)); \
        if (r_ == -WSAEAFNOSUPPORT && wpt_under_wine()) WPT_SKIP("Wine 8 has no AF_UNIX sockets (WSAEAFNOSUPPORT)"); \
        if (r_ == -WSAEAFNOSUPPORT) WPT_SKIP("this Windows has no AF_UNIX sockets (they came with Windows 10 1803)"); \
        WPT_OK(r_); \
    } while (0)

/* Skips a test that only makes sense in completion-port mode. */
#define SUITE_NEED_IOCP(why) \
    do { \
        if (wp_mode() == WINPOLL_MODE_BLOCKING) WPT_SKIP(why); \
    } while (0)

#endif
