/* wptest.h - the winpoll.h test runner: one small header, no dependencies but the C runtime.

   A suite is one .c file:

       #include "wptest.h"
       static void strerror_trims(void) { WPT_EQ(strlen(buf), 42); }
       static const wpt_case cases[] = { WPT_CASE(strerror_trims) };
       WPT_MAIN(cases)

   Tests are static functions listed once in the table, so a test that is
   written but not listed is an unused function: an error under -Werror.

   Checks stop the test at the first failure (they return from the test
   function), so call them from the test's own thread and function; a helper
   that checks returns early and the test should test wpt_failed() after it.

       WPT_CHECK(cond)          cond is true
       WPT_EQ(a, b)             integers (as long long), both values printed
       WPT_NE(a, b)             integers differ
       WPT_OK(r)                a winpoll.h result is >= 0 (prints the error)
       WPT_ERR(r, code)         r == -code (prints both, by name)
       WPT_STREQ(a, b)          C strings equal (NULL allowed)
       WPT_MEMEQ(a, b, n)       n bytes equal (first difference printed)
       WPT_SKIP(reason)         counts the test as skipped and leaves it
                                (reason: a string that outlives the test)
       WPT_FAIL(msg)            fails it outright

   Output, one line each: "PASS name (N ms)", "  file:line: what" lines
   followed by "FAIL name (N ms)", "SKIP name: reason"; the last line is
   "N passed, N failed, N skipped". The exit status is 1 if any test failed.

   Flags: --list (names only), --filter TEXT (tests whose name contains TEXT;
   may be repeated), --after NAME (start after that test: the driver resumes a
   suite with it after a crash), --marks (print "RUN name" before each test, so
   the driver knows which test was running when a process died). */
#ifndef WPTEST_H
#define WPTEST_H

#if !defined(WINPOLL_H)
#error "wptest.h: include winpoll.h first (the runner uses the Windows headers it brings)"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*wpt_fn)(void);
typedef struct wpt_case {
    const char *name;
    wpt_fn fn;
} wpt_case;

#define WPT_CASE(fn) { #fn, fn }
#define WPT_MAIN(cases) \
    int main(int argc, char **argv) { return wpt_main(argc, argv, cases, sizeof(cases) / sizeof((cases)[0])); }

/* 0 running, 1 failed, 2 skipped */
static int wpt__state;
static const char *wpt__skip_reason;

static __inline int wpt_failed(void) { return wpt__state == 1; }

static __inline void wpt__fail_start(const char *file, int line) {
    wpt__state = 1;
    printf("  %s:%d: ", file, line);
}

static __inline void wpt__fail_msg(const char *file, int line, const char *msg) {
    wpt__fail_start(file, line);
    printf("%s\n", msg);
    fflush(stdout);
}

static __inline void wpt__fail_eq(const char *file, int line, const char *ea, const char *op, const char *eb, long long a,
                         long long b) {
    wpt__fail_start(file, line);
    printf("%s %s %s: got %lld (0x%llx) and %lld (0x%llx)\n", ea, op, eb, a, (unsigned long long)a, b,
           (unsigned long long)b);
    fflush(stdout);
}

static __inline int wpt__streq(const char *a, const char *b) {
    if (a == NULL || b == NULL) return a == b;
    return strcmp(a, b) == 0;
}

static __inline void wpt__fail_str(const char *file, int line, const char *ea, const char *eb, const char *a, const char *b) {
    wpt__fail_start(file, line);
    printf("%s == %s: got \"%s\" and \"%s\"\n", ea, eb, a ? a : "(null)", b ? b : "(null)");
    fflush(stdout);
}

static __inline size_t wpt__memdiff(const void *a, const void *b, size_t n) {
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    size_t i;
    for (i = 0; i < n; i++)
        if (x[i] != y[i]) return i;
    return n;
}

static __inline void wpt__fail_mem(const char *file, int line, const char *ea, const char *eb, const void *a, const void *b,
                          size_t at) {
    wpt__fail_start(file, line);
    printf("%s and %s differ at byte %lu: 0x%02x and 0x%02x\n", ea, eb, (unsigned long)at,
           ((const unsigned char *)a)[at], ((const unsigned char *)b)[at]);
    fflush(stdout);
}

/* The suite may define WPT_ERRTEXT(r, buf, size) to print results by name
   (the winpoll.h suites use wp_strerror); the default prints the number. */
#ifndef WPT_ERRTEXT
#define WPT_ERRTEXT(r, buf, size) ((void)(r), (void)(buf), (void)(size))
#endif

static __inline void wpt__fail_result(const char *file, int line, const char *expr, long long r, long long want) {
    char text[256];
    text[0] = 0;
    WPT_ERRTEXT(r, text, sizeof text);
    wpt__fail_start(file, line);
    if (want == 1)
        printf("%s: got %lld (%s), want a result >= 0\n", expr, r, text);
    else
        printf("%s: got %lld (%s), want %lld\n", expr, r, text, want);
    fflush(stdout);
}

#define WPT_FAIL(msg) \
    do { \
        wpt__fail_msg(__FILE__, __LINE__, (msg)); \
        return; \
    } while (0)
#define WPT_CHECK(cond) \
    do { \
        if (!(cond)) { \
            wpt__fail_msg(__FILE__, __LINE__, "check failed: " #cond); \
            return; \
        } \
    } while (0)
#define WPT_EQ(a, b) \
    do { \
        long long wpt_a_ = (long long)(a), wpt_b_ = (long long)(b); \
        if (wpt_a_ != wpt_b_) { \
            wpt__fail_eq(__FILE__, __LINE__, #a, "==", #b, wpt_a_, wpt_b_); \
            return; \
        } \
    } while (0)
#define WPT_NE(a, b) \
    do { \
        long long wpt_a_ = (long long)(a), wpt_b_ = (long long)(b); \
        if (wpt_a_ == wpt_b_) { \
            wpt__fail_eq(__FILE__, __LINE__, #a, "!=", #b, wpt_a_, wpt_b_); \
            return; \
        } \
    } while (0)
#define WPT_OK(r) \
    do { \
        long long wpt_r_ = (long long)(r); \
        if (wpt_r_ < 0) { \
            wpt__fail_result(__FILE__, __LINE__, #r, wpt_r_, 1); \
            return; \
        } \
    } while (0)
#define WPT_ERR(r, code) \
    do { \
        long long wpt_r_ = (long long)(r), wpt_w_ = -(long long)(code); \
        if (wpt_r_ != wpt_w_) { \
            wpt__fail_result(__FILE__, __LINE__, #r, wpt_r_, wpt_w_); \
            return; \
        } \
    } while (0)
#define WPT_STREQ(a, b) \
    do { \
        const char *wpt_a_ = (a), *wpt_b_ = (b); \
        if (!wpt__streq(wpt_a_, wpt_b_)) { \
            wpt__fail_str(__FILE__, __LINE__, #a, #b, wpt_a_, wpt_b_); \
            return; \
        } \
    } while (0)
#define WPT_MEMEQ(a, b, n) \
    do { \
        size_t wpt_n_ = (size_t)(n), wpt_at_ = wpt__memdiff((a), (b), wpt_n_); \
        if (wpt_at_ != wpt_n_) { \
            wpt__fail_mem(__FILE__, __LINE__, #a, #b, (a), (b), wpt_at_); \
            return; \
        } \
    } while (0)
#define WPT_SKIP(reason) \
    do { \
        wpt__state = 2; \
        wpt__skip_reason = (reason); \
        return; \
    } while (0)

/* 1 when running under Wine (ntdll exports wine_get_version), for tests of
   behaviour Wine lacks: they SKIP there and say why. */
static __inline int wpt_under_wine(void) {
    /* ntdll is always loaded; GetModuleHandleA needs no cleanup. */
    void *ntdll = (void *)GetModuleHandleA("ntdll.dll");
    return ntdll != NULL && GetProcAddress((HMODULE)ntdll, "wine_get_version") != NULL;
}

/* Milliseconds on a monotonic clock (QueryPerformanceCounter). */
static __inline double wpt_now_ms(void) {
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart * 1000.0 / (double)f.QuadPart;
}

static __inline int wpt__selected(const char *name, int argc, char **argv) {
    int i, any = 0;
    for (i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--filter") == 0) {
            any = 1;
            if (strstr(name, argv[i + 1]) != NULL) return 1;
        }
    }
    return !any;
}

static __inline int wpt_main(int argc, char **argv, const wpt_case *cases, size_t n) {
    const char *after = NULL;
    int marks = 0, list = 0, passed = 0, failed = 0, skipped = 0, i;
    size_t k = 0;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0) list = 1;
        else if (strcmp(argv[i], "--marks") == 0) marks = 1;
        else if (strcmp(argv[i], "--after") == 0 && i + 1 < argc) after = argv[++i];
        else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) i++;
        else {
            fprintf(stderr, "usage: %s [--list] [--filter TEXT]... [--after NAME] [--marks]\n", argv[0]);
            return 2;
        }
    }
    if (after != NULL) {
        for (k = 0; k < n && strcmp(cases[k].name, after) != 0; k++) {}
        if (k == n) {
            fprintf(stderr, "--after %s: no such test\n", after);
            return 2;
        }
        k++;
    }
    for (; k < n; k++) {
        double t0;
        if (!wpt__selected(cases[k].name, argc, argv)) continue;
        if (list) {
            printf("%s\n", cases[k].name);
            continue;
        }
        if (marks) printf("RUN %s\n", cases[k].name);
        fflush(stdout);
        wpt__state = 0;
        t0 = wpt_now_ms();
        cases[k].fn();
        if (wpt__state == 1) {
            failed++;
            printf("FAIL %s (%.0f ms)\n", cases[k].name, wpt_now_ms() - t0);
        } else if (wpt__state == 2) {
            skipped++;
            printf("SKIP %s: %s\n", cases[k].name, wpt__skip_reason);
        } else {
            passed++;
            printf("PASS %s (%.0f ms)\n", cases[k].name, wpt_now_ms() - t0);
        }
        fflush(stdout);
    }
    if (!list) printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    fflush(stdout);
    return failed ? 1 : 0;
}

#ifdef __cplusplus
}
#endif

#endif /* WPTEST_H */
