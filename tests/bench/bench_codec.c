/* bench_codec.c - MB/s of UTF-8 for winpoll.h's transcoder against
   MultiByteToWideChar / WideCharToMultiByte, on 16 MiB of ASCII-heavy
   (95% ASCII, the rest 2-byte), CJK-heavy (80% CJK, the rest ASCII) and
   emoji-heavy (60% emoji) text, on Cyrillic (80% 2-byte, the rest ASCII)
   and on plain ASCII ("plain"), the four converters taking turns. Medians of 7 runs, with min-max, the ratio of
   the medians and that of the best runs.
   Run with `make bench`. */
#define WINPOLL_IMPLEMENTATION
#include "../../winpoll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE (16u << 20)
#define RUNS 7

static double now_s(void) {
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* UTF-8 text of SIZE bytes or a little less: mostly ASCII, CJK, emoji or Cyrillic, or plain ASCII. */
static size_t make_text(char *buf, int mix) {
    unsigned long seed = 12345;
    size_t n = 0;
    while (n + 4 <= SIZE) {
        unsigned long r, c;
        seed = seed * 1103515245u + 12345u;
        r = (seed >> 8) % 100;
        if (mix == 0) c = r < 95 ? 0x20 + (seed >> 16) % 95 : 0xE0 + (seed >> 16) % 0x80;
        else if (mix == 1) c = r < 80 ? 0x4E00 + (seed >> 12) % 0x5000 : 0x20 + (seed >> 16) % 95;
        else if (mix == 2) c = r < 60 ? 0x1F300 + (seed >> 12) % 0x300 : 0x20 + (seed >> 16) % 95;
        else if (mix == 3) c = r < 80 ? 0x410 + (seed >> 12) % 0x40 : 0x20 + (seed >> 16) % 95;
        else c = 0x20 + (seed >> 16) % 95;
        if (c < 0x80) buf[n++] = (char)c;
        else if (c < 0x800) buf[n++] = (char)(0xC0 | c >> 6), buf[n++] = (char)(0x80 | (c & 0x3F));
        else if (c < 0x10000)
            buf[n++] = (char)(0xE0 | c >> 12), buf[n++] = (char)(0x80 | (c >> 6 & 0x3F)), buf[n++] = (char)(0x80 | (c & 0x3F));
        else
            buf[n++] = (char)(0xF0 | c >> 18), buf[n++] = (char)(0x80 | (c >> 12 & 0x3F)),
            buf[n++] = (char)(0x80 | (c >> 6 & 0x3F)), buf[n++] = (char)(0x80 | (c & 0x3F));
    }
    return n;
}

/* One row; sorts t. The ratios are to the row named by vs (sorted
   already), or to itself: of the medians, and of the best runs (the figure
   that other work on a shared machine disturbs least). */
static void report(const char *what, const char *mix, size_t bytes, double *t, const double *vs) {
    qsort(t, RUNS, sizeof t[0], cmp_double);
    if (vs == NULL) vs = t;
    printf("| %-23s | %-8s | %8.0f | %8.0f-%-8.0f | %7.2fx | %11.2fx |\n", what, mix, bytes / t[RUNS / 2] / 1e6,
           bytes / t[RUNS - 1] / 1e6, bytes / t[0] / 1e6, vs[RUNS / 2] / t[RUNS / 2], vs[0] / t[0]);
}

int main(void) {
    static const char *const mixes[] = { "ASCII", "CJK", "emoji", "Cyrillic", "plain" };
    char *text = (char *)malloc(SIZE), *back = (char *)malloc(3 * SIZE + 4);
    WCHAR *w = (WCHAR *)malloc((SIZE + 4) * sizeof(WCHAR));
    int mix, run;
    if (text == NULL || back == NULL || w == NULL) return 1;
    /* the output buffers' pages are touched before any timing: otherwise the
       first converter to run pays for their page faults */
    memset(back, 0, 3 * SIZE + 4);
    memset(w, 0, (SIZE + 4) * sizeof(WCHAR));
    printf("| conversion              | text     | MB/s med | MB/s min-max      | vs Win32 | best vs best |\n");
    printf("|-------------------------|----------|----------|-------------------|----------|--------------|\n");
    for (mix = 0; mix < 5; mix++) {
        size_t n = make_text(text, mix), units = 0;
        double t[4][RUNS];
        for (run = 0; run < RUNS; run++) {
            wp_utf8_stream s8;
            wp_utf16_stream s16;
            double t0;
            long long r;
            memset(&s8, 0, sizeof s8);
            t0 = now_s();
            r = wp_utf8_stream_to_utf16(&s8, text, n, 1, w, SIZE + 4);
            t[0][run] = now_s() - t0;
            units = (size_t)r;
            t0 = now_s();
            r = MultiByteToWideChar(CP_UTF8, 0, text, (int)n, w, SIZE + 4);
            t[1][run] = now_s() - t0;
            if ((size_t)r != units) return 2;
            memset(&s16, 0, sizeof s16);
            t0 = now_s();
            r = wp_utf16_stream_to_utf8(&s16, w, units, 1, back, 3 * SIZE + 4);
            t[2][run] = now_s() - t0;
            if ((size_t)r != n || memcmp(back, text, n) != 0) return 3;
            t0 = now_s();
            r = WideCharToMultiByte(CP_UTF8, 0, w, (int)units, back, 3 * SIZE + 4, NULL, NULL);
            t[3][run] = now_s() - t0;
            if ((size_t)r != n) return 4;
        }
        report("MultiByteToWideChar", mixes[mix], n, t[1], NULL);
        report("winpoll UTF-8 -> UTF-16", mixes[mix], n, t[0], t[1]);
        report("WideCharToMultiByte", mixes[mix], n, t[3], NULL);
        report("winpoll UTF-16 -> UTF-8", mixes[mix], n, t[2], t[3]);
    }
    free(text);
    free(back);
    free(w);
    return 0;
}
