/* test_console.c - the streaming transcoder (split at every position,
   every invalid class, a differential test against the Win32 converters on a
   million random strings, long broken texts in every mix against the plain
   rule with input and output ending at a no-access page) and console FDs on
   a real console: each console
   test runs this program again as a child on a pseudo console
   (CreatePseudoConsole; no terminal needed), which injects input with
   WriteConsoleInputW, checks the screen with ReadConsoleOutputCharacterW,
   and writes its verdict to a file. Two of them run examples, built beside
   this program, on that console: console_utf8.c with typed Unicode lines,
   and echo_server.c stopped by Ctrl-C; --show-example prints what the first
   did there, for make demo. */
#include "suite.h"

#include <stdlib.h>
#include <string.h>

/* ---- the transcoder ---- */

/* Decodes in through the stream in the pieces cut at the given positions. */
static long long decode_in_pieces(const char *in, size_t n, const size_t *cuts, int ncuts, WCHAR *out, size_t cap) {
    wp_utf8_stream st;
    size_t at = 0, o = 0;
    int k;
    memset(&st, 0, sizeof st);
    for (k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : n;
        long long r = wp_utf8_stream_to_utf16(&st, in + at, end - at, k == ncuts, out + o, cap - o);
        if (r < 0) return r;
        o += (size_t)r;
        at = end;
    }
    return (long long)o;
}

static long long encode_in_pieces(const WCHAR *in, size_t n, const size_t *cuts, int ncuts, char *out, size_t cap) {
    wp_utf16_stream st;
    size_t at = 0, o = 0;
    int k;
    memset(&st, 0, sizeof st);
    for (k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : n;
        long long r = wp_utf16_stream_to_utf8(&st, in + at, end - at, k == ncuts, out + o, cap - o);
        if (r < 0) return r;
        o += (size_t)r;
        at = end;
    }
    return (long long)o;
}

/* 1-, 2-, 3- and 4-byte sequences split at every position across two and
   three calls give what one call gives. */
static void transcoder_splits_at_every_position(void) {
    static const char text[] = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80z";
    static const WCHAR want[] = { 'a', 0xE9, 0x4E2D, 0xD83D, 0xDE00, 'z' };
    const size_t n = sizeof text - 1;
    size_t a, b;
    WCHAR out[32];
    char back[32];
    for (a = 0; a <= n; a++) {
        WPT_EQ(decode_in_pieces(text, n, &a, 1, out, 32), 6);
        WPT_MEMEQ(out, want, sizeof want);
        for (b = a; b <= n; b++) {
            size_t cuts[2];
            cuts[0] = a;
            cuts[1] = b;
            WPT_EQ(decode_in_pieces(text, n, cuts, 2, out, 32), 6);
            WPT_MEMEQ(out, want, sizeof want);
        }
    }
    for (a = 0; a <= 6; a++) {
        WPT_EQ(encode_in_pieces(want, 6, &a, 1, back, sizeof back), n);
        WPT_MEMEQ(back, text, n);
        for (b = a; b <= 6; b++) {
            size_t cuts[2];
            cuts[0] = a;
            cuts[1] = b;
            WPT_EQ(encode_in_pieces(want, 6, cuts, 2, back, sizeof back), n);
            WPT_MEMEQ(back, text, n);
        }
    }
}

/* Go's rule: one U+FFFD per byte where no valid sequence starts. */
static void transcoder_invalid_utf8_classes(void) {
    static const struct {
        const char *in;
        const char *want; /* 'R' stands for U+FFFD, anything else for itself */
    } t[] = {
        { "\x80", "R" },                /* a stray continuation byte */
        { "a\xBF" "b", "aRb" },
        { "\xC0\xAF", "RR" },           /* overlong '/' */
        { "\xC1\xBF", "RR" },
        { "\xE0\x80\xAF", "RRR" },      /* overlong 3-byte */
        { "\xF0\x80\x80\xAF", "RRRR" }, /* overlong 4-byte */
        { "\xED\xA0\x80", "RRR" },      /* an encoded surrogate */
        { "\xF4\x90\x80\x80", "RRRR" }, /* above U+10FFFF */
        { "\xF5\x80", "RR" },
        { "\xFE\xFF", "RR" },
        { "\xE4\xB8" "a", "RRa" },      /* a cut sequence, then ASCII */
        { "\xC3(", "R(" },
        { "\xF0\x9F\x98", "RRR" },      /* cut by the end of the stream */
        { "\xE4\xB8\xAD\xAD", "\xE4\xB8\xADR" },
    };
    size_t i, k;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        WCHAR out[16], want[16];
        size_t nw = 0;
        wp_utf8_stream st;
        long long r;
        /* the expected units: 'R' is U+FFFD; the one valid 3-byte sequence
           in the table is U+4E2D */
        for (k = 0; t[i].want[k]; k++) {
            unsigned char c = (unsigned char)t[i].want[k];
            if (c == 'R') want[nw++] = 0xFFFD;
            else if (c == 0xE4) {
                want[nw++] = 0x4E2D;
                k += 2;
            } else want[nw++] = c;
        }
        memset(&st, 0, sizeof st);
        r = wp_utf8_stream_to_utf16(&st, t[i].in, strlen(t[i].in), 1, out, 16);
        if (r != (long long)nw || memcmp(out, want, nw * sizeof(WCHAR)) != 0) printf("  input #%u\n", (unsigned)i);
        WPT_EQ(r, nw);
        WPT_MEMEQ(out, want, nw * sizeof(WCHAR));
        WPT_EQ(st.n, 0);
    }
}

static void transcoder_surrogates(void) {
    static const struct {
        WCHAR in[4];
        size_t n;
        const char *want;
    } t[] = {
        { { 0xDC00 }, 1, "\xEF\xBF\xBD" },                                 /* a lone low */
        { { 0xDE00, 0xD83D }, 2, "\xEF\xBF\xBD\xEF\xBF\xBD" },             /* reversed */
        { { 0xD83D, 'a' }, 2, "\xEF\xBF\xBD" "a" },                        /* high, then no low */
        { { 0xD83D }, 1, "\xEF\xBF\xBD" },                                 /* high at the end */
        { { 0xD83D, 0xDE00, 0xDE00 }, 3, "\xF0\x9F\x98\x80\xEF\xBF\xBD" },
        { { 0xD800, 0xD800, 0xDC00 }, 3, "\xEF\xBF\xBD\xF0\x90\x80\x80" },
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        wp_utf16_stream st;
        char out[32];
        long long r;
        memset(&st, 0, sizeof st);
        r = wp_utf16_stream_to_utf8(&st, t[i].in, t[i].n, 1, out, sizeof out);
        WPT_EQ(r, strlen(t[i].want));
        WPT_MEMEQ(out, t[i].want, (size_t)r);
    }
    /* a pair split across calls, and the state it carries meanwhile */
    {
        wp_utf16_stream st;
        WCHAR hi = 0xD83D, lo = 0xDE00;
        char out[8];
        memset(&st, 0, sizeof st);
        WPT_EQ(wp_utf16_stream_to_utf8(&st, &hi, 1, 0, out, sizeof out), 0);
        WPT_EQ(st.high, 0xD83D);
        WPT_EQ(wp_utf16_stream_to_utf8(&st, &lo, 1, 1, out, sizeof out), 4);
        WPT_MEMEQ(out, "\xF0\x9F\x98\x80", 4);
        WPT_EQ(st.high, 0);
    }
}

static void transcoder_size_query_leaves_the_state(void) {
    wp_utf8_stream st;
    WCHAR out[8];
    memset(&st, 0, sizeof st);
    WPT_EQ(wp_utf8_stream_to_utf16(&st, "x\xE4", 2, 0, out, 8), 1); /* carries E4 */
    WPT_EQ(st.n, 1);
    WPT_EQ(wp_utf8_stream_to_utf16(&st, "\xB8\xAD", 2, 0, NULL, 0), 1);
    WPT_EQ(st.n, 1); /* a query changes nothing */
    out[0] = 0x7777;
    WPT_EQ(wp_utf8_stream_to_utf16(&st, "\xB8\xAD" "ab", 4, 0, out, 2), 3); /* too small */
    WPT_EQ(out[0], 0x7777);
    WPT_EQ(wp_utf8_stream_to_utf16(&st, "\xB8\xAD" "ab", 4, 0, out, 3), 3);
    WPT_EQ(out[0], 0x4E2D);
    WPT_EQ(st.n, 0);
    WPT_ERR(wp_utf8_stream_to_utf16(NULL, "a", 1, 0, out, 8), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_utf8_stream_to_utf16(&st, NULL, 1, 0, out, 8), ERROR_INVALID_PARAMETER);
}

/* Buffers of exactly the size asked for (the count-then-write path) are
   never written past: ASCII runs of every length, then a 3-byte character,
   then a tail of every short length, so that the multi-byte character falls
   in the last 16-byte window, where the bytes left need fewer units. */
static void transcoder_never_writes_past_an_exact_buffer(void) {
    static char text[200];
    WCHAR w[220];
    char back8[400];
    size_t len, tail;
    for (len = 0; len < 40; len++) {
        for (tail = 0; tail < 20; tail++) {
            wp_utf8_stream s8;
            wp_utf16_stream s16;
            long long need, units;
            size_t i, n = len + 3 + tail;
            for (i = 0; i < len; i++) text[i] = 'a';
            memcpy(text + len, "\xE4\xB8\xAD", 3);
            for (i = 0; i < tail; i++) text[len + 3 + i] = 'b';
            memset(&s8, 0, sizeof s8);
            need = wp_utf8_stream_to_utf16(&s8, text, n, 1, NULL, 0);
            WPT_EQ(need, n - 2);
            for (i = 0; i < 220; i++) w[i] = 0x7777;
            WPT_EQ(wp_utf8_stream_to_utf16(&s8, text, n, 1, w, (size_t)need), need);
            for (i = (size_t)need; i < 220; i++) WPT_EQ(w[i], 0x7777);
            units = need;
            memset(&s16, 0, sizeof s16);
            need = wp_utf16_stream_to_utf8(&s16, w, (size_t)units, 1, NULL, 0);
            WPT_EQ(need, n);
            memset(back8, 'Q', sizeof back8);
            WPT_EQ(wp_utf16_stream_to_utf8(&s16, w, (size_t)units, 1, back8, (size_t)need), need);
            WPT_MEMEQ(back8, text, n);
            for (i = (size_t)need; i < sizeof back8; i++) WPT_EQ(back8[i], 'Q');
        }
    }
}

static unsigned long rng_state;
static unsigned long rng(void) {
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* A million random valid strings (fixed seed), mostly ASCII, CJK or emoji
   by turns: ours and the Win32 converters agree both ways. */
static void transcoder_agrees_with_win32(void) {
    long round;
    rng_state = 20261122;
    for (round = 0; round < 1000000; round++) {
        WCHAR w[80], mine[80], sys[80];
        char u8[320], sys8[320];
        int n = 0, len = (int)(rng() % 40), i, m;
        long long r;
        wp_utf8_stream s8;
        wp_utf16_stream s16;
        for (i = 0; i < len; i++) {
            unsigned long kind = (round >> 4) % 3, c, pick = rng() % 10;
            if (pick < 5) c = kind == 0 ? 0x20 + rng() % 95 : kind == 1 ? 0x4E00 + rng() % 0x5000 : 0x1F300 + rng() % 0x300;
            else if (pick < 7) c = 0x20 + rng() % 95;
            else if (pick < 8) c = 0x80 + rng() % 0x780;
            else if (pick < 9) c = 0xE000 + rng() % 0x2000;
            else c = 0x10000 + rng() % 0x100000;
            if (c >= 0x10000) {
                w[n++] = (WCHAR)(0xD800 + ((c - 0x10000) >> 10));
                w[n++] = (WCHAR)(0xDC00 + ((c - 0x10000) & 0x3FF));
            } else {
                w[n++] = (WCHAR)c;
            }
        }
        memset(&s16, 0, sizeof s16);
        r = wp_utf16_stream_to_utf8(&s16, w, (size_t)n, 1, u8, sizeof u8);
        m = WideCharToMultiByte(CP_UTF8, 0, w, n, sys8, sizeof sys8, NULL, NULL);
        if (r != m || memcmp(u8, sys8, (size_t)m) != 0) printf("  round %ld (seed 20261122)\n", round);
        WPT_EQ(r, m);
        WPT_MEMEQ(u8, sys8, (size_t)m);
        memset(&s8, 0, sizeof s8);
        r = wp_utf8_stream_to_utf16(&s8, u8, (size_t)m, 1, mine, 80);
        m = MultiByteToWideChar(CP_UTF8, 0, u8, m, sys, 80);
        WPT_EQ(r, m);
        WPT_MEMEQ(mine, sys, (size_t)m * sizeof(WCHAR));
        WPT_MEMEQ(mine, w, (size_t)n * sizeof(WCHAR));
    }
}

/* The rule, written plainly: at each position, a valid sequence (by the
   Unicode table of well-formed byte sequences) or one U+FFFD for one byte. */
static size_t reference_decode(const unsigned char *s, size_t n, unsigned long *out) {
    size_t i = 0, o = 0;
    while (i < n) {
        unsigned c = s[i];
        unsigned long cp = 0;
        size_t len = 0, k;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) len = 1, cp = c;
        else if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        for (k = 1; len > 1 && k < len; k++) {
            unsigned b = i + k < n ? s[i + k] : 0;
            if (i + k >= n || b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) {
                len = 0;
                break;
            }
            cp = cp << 6 | (b & 0x3F);
        }
        if (len == 0) {
            out[o++] = 0xFFFD;
            i++;
        } else {
            out[o++] = cp;
            i += len;
        }
    }
    return o;
}

static size_t put_utf16(WCHAR *w, size_t n, unsigned long c) {
    if (c >= 0x10000) {
        w[n++] = (WCHAR)(0xD800 + ((c - 0x10000) >> 10));
        w[n++] = (WCHAR)(0xDC00 + ((c - 0x10000) & 0x3FF));
    } else {
        w[n++] = (WCHAR)c;
    }
    return n;
}

/* The rule's output as UTF-16 (n at most 800). */
static size_t reference_units(const unsigned char *s, size_t n, WCHAR *out) {
    static unsigned long cps[800];
    size_t i, nc = reference_decode(s, n, cps), o = 0;
    for (i = 0; i < nc; i++) o = put_utf16(out, o, cps[i]);
    return o;
}

/* Random bytes (biased toward UTF-8's special values), decoded whole and
   split in two, against the plain rule. */
static void transcoder_follows_the_rule_on_random_bytes(void) {
    static const unsigned char special[] = { 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4,
                                             0xF5, 0xFF, 0xA0, 0x9F, 0x90, 0x8F, 'a' };
    long round;
    rng_state = 99;
    for (round = 0; round < 200000; round++) {
        unsigned char in[24];
        WCHAR want[48], got[48];
        size_t n = rng() % 24, i, nw, cut = n ? rng() % (n + 1) : 0;
        for (i = 0; i < n; i++) in[i] = rng() % 2 ? special[rng() % sizeof special] : (unsigned char)rng();
        nw = reference_units(in, n, want);
        if (decode_in_pieces((const char *)in, n, &cut, 1, got, 48) != (long long)nw ||
            memcmp(got, want, nw * sizeof(WCHAR)) != 0) {
            printf("  round %ld (seed 99), %u bytes cut at %u\n", round, (unsigned)n, (unsigned)cut);
            WPT_FAIL("the decoder and the rule disagree");
        }
    }
}

/* ---- long text: the 16-byte and 16-unit blocks ---- */

/* Two rooms whose ends touch a no-access page: data put at room_end(k) - n
   and read or written past n faults. */
static unsigned char *guard_rooms[2];
#define ROOM (64 * 1024)
static unsigned char *room_end(int k) {
    DWORD old;
    if (guard_rooms[k] == NULL) {
        guard_rooms[k] = (unsigned char *)VirtualAlloc(NULL, ROOM + 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (guard_rooms[k] != NULL && !VirtualProtect(guard_rooms[k] + ROOM, 4096, PAGE_NOACCESS, &old))
            guard_rooms[k] = NULL;
    }
    return guard_rooms[k] != NULL ? guard_rooms[k] + ROOM : NULL;
}

static size_t put_utf8(unsigned char *b, size_t n, unsigned long c) {
    if (c < 0x80) {
        b[n++] = (unsigned char)c;
    } else if (c < 0x800) {
        b[n++] = (unsigned char)(0xC0 | c >> 6);
        b[n++] = (unsigned char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        b[n++] = (unsigned char)(0xE0 | c >> 12);
        b[n++] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        b[n++] = (unsigned char)(0x80 | (c & 0x3F));
    } else {
        b[n++] = (unsigned char)(0xF0 | c >> 18);
        b[n++] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
        b[n++] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        b[n++] = (unsigned char)(0x80 | (c & 0x3F));
    }
    return n;
}

/* Three places to cut n things at, in order. */
static void random_cuts(size_t n, size_t cuts[3]) {
    int k;
    for (k = 0; k < 3; k++) {
        size_t from = k ? cuts[k - 1] : 0;
        cuts[k] = from + (n - from ? rng() % (n - from + 1) : 0);
    }
}

/* A character of one of the mixes a block path is made for, or of the
   edges of the ranges. */
static unsigned long mix_char(unsigned mix, unsigned odds) {
    static const unsigned long edges[] = { 0x7F, 0x80, 0x7FF, 0x800, 0xFFF, 0x1000, 0xD7FF, 0xE000, 0xFFFD,
                                           0xFFFF, 0x10000, 0x3FFFF, 0x40000, 0xFFFFF, 0x100000, 0x10FFFF };
    if (rng() % 100 >= odds) return 0x20 + rng() % 95;
    switch (mix) {
    case 0: return 0x80 + rng() % 0x780;              /* 2 bytes */
    case 1: return 0x4E00 + rng() % 0x5000;           /* CJK */
    case 2: return 0x1F300 + rng() % 0x300;           /* emoji */
    case 3: return 0xAC00 + rng() % 0x2BA4;           /* Hangul: ED leads */
    default: return edges[rng() % (sizeof edges / sizeof edges[0])];
    }
}

/* Texts of up to 700 bytes, every mix at every density, half of them with
   a few bytes broken (a special byte put in, a byte dropped, a form that
   is not UTF-8 or a valid edge form written over the text): whole, with
   a larger buffer (nothing past the result written) and an exact one, and
   in pieces, against the plain rule. The input and the exact output each
   end at a no-access page. */
static void transcoder_long_text_follows_the_rule(void) {
    static const unsigned char special[] = { 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF,
                                             0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F, 0x90, 0x8F };
    static const unsigned char forms[][5] = { /* length, bytes */
        { 3, 0xE0, 0x9F, 0xBF }, { 3, 0xE0, 0x80, 0x80 }, { 3, 0xED, 0xA0, 0x80 }, { 3, 0xED, 0xBF, 0xBF },
        { 4, 0xF0, 0x8F, 0xBF, 0xBF }, { 4, 0xF0, 0x80, 0x80, 0x80 }, { 4, 0xF4, 0x90, 0x80, 0x80 },
        { 4, 0xF4, 0xBF, 0xBF, 0xBF }, { 4, 0xF5, 0x80, 0x80, 0x80 }, { 4, 0xFF, 0x80, 0x80, 0x80 },
        { 2, 0xC0, 0x80 }, { 2, 0xC1, 0xBF }, { 2, 0xE4, 0xB8 }, { 3, 0xF0, 0x9F, 0x98 }, { 1, 0xC3 },
        { 3, 0xED, 0x9F, 0xBF }, { 4, 0xF4, 0x8F, 0xBF, 0xBF }, { 3, 0xE0, 0xA0, 0x80 }, { 4, 0xF0, 0x90, 0x80, 0x80 }
    };
    static unsigned char text[800];
    static WCHAR want[1600], big[1700];
    unsigned char *end = room_end(0), *out_end = room_end(1);
    long round;
    WPT_CHECK(end != NULL && out_end != NULL);
    rng_state = 7;
    for (round = 0; round < 40000; round++) {
        unsigned mix = (unsigned)(round % 5), odds = (unsigned)(rng() % 101), broken = rng() % 2 ? rng() % 5 : 0;
        size_t target = rng() % 700, n = 0, i, nw, cuts[3];
        unsigned char *in;
        WCHAR *exact;
        long long r;
        wp_utf8_stream st;
        while (n + 4 <= target) n = put_utf8(text, n, mix_char(mix, odds));
        while (broken-- > 0 && n > 4) {
            size_t at = rng() % (n - 4);
            unsigned how = rng() % 3;
            if (how == 0) {
                memmove(text + at, text + at + 1, --n - at);
            } else if (how == 1) {
                text[at] = special[rng() % sizeof special];
            } else { /* a whole form that is not UTF-8, written over what was there */
                const unsigned char *bad = forms[rng() % (sizeof forms / sizeof forms[0])];
                memcpy(text + at, bad + 1, bad[0]);
            }
        }
        nw = reference_units(text, n, want);
        in = end - n;
        memcpy(in, text, n);
        for (i = 0; i < 1700; i++) big[i] = 0x7777;
        memset(&st, 0, sizeof st);
        r = wp_utf8_stream_to_utf16(&st, (const char *)in, n, 1, big, 1700);
        for (i = nw; i < 1700 && big[i] == 0x7777; i++) {}
        if (r != (long long)nw || memcmp(big, want, nw * sizeof(WCHAR)) != 0 || i != 1700) {
            size_t k;
            for (k = 0; k < nw && big[k] == want[k]; k++) {}
            printf("  round %ld (seed 7), %u bytes, mix %u: large buffer, %lld units for %u, first difference at %u\n",
                   round, (unsigned)n, mix, r, (unsigned)nw, (unsigned)k);
            for (k = 0; k < 40 && k < n; k++) printf("%02X ", text[k]);
            printf("\n");
            for (k = 0; k < 12 && k < nw; k++) printf("%04X/%04X ", want[k], big[k]);
            printf("\n");
            WPT_FAIL("the decoder disagrees with the rule or wrote past its result");
        }
        exact = (WCHAR *)(void *)(out_end - nw * sizeof(WCHAR));
        memset(&st, 0, sizeof st);
        r = wp_utf8_stream_to_utf16(&st, (const char *)in, n, 1, exact, nw);
        if (r != (long long)nw || memcmp(exact, want, nw * sizeof(WCHAR)) != 0) {
            printf("  round %ld (seed 7), %u bytes, mix %u: exact buffer\n", round, (unsigned)n, mix);
            WPT_FAIL("the decoder and the rule disagree");
        }
        random_cuts(n, cuts);
        if (decode_in_pieces((const char *)in, n, cuts, 3, big, 1700) != (long long)nw ||
            memcmp(big, want, nw * sizeof(WCHAR)) != 0) {
            printf("  round %ld (seed 7), %u bytes, mix %u: cut at %u, %u, %u\n", round, (unsigned)n, mix,
                   (unsigned)cuts[0], (unsigned)cuts[1], (unsigned)cuts[2]);
            WPT_FAIL("pieces decode differently from the rule");
        }
    }
}

/* The rule the other way: a pair is one 4-byte sequence, each unpaired
   surrogate one U+FFFD. */
static size_t reference_encode(const WCHAR *w, size_t n, unsigned char *out) {
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        unsigned long c = w[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && w[i + 1] >= 0xDC00 && w[i + 1] <= 0xDFFF)
            c = 0x10000 + ((c - 0xD800) << 10) + (w[++i] - 0xDC00);
        else if (c >= 0xD800 && c <= 0xDFFF)
            c = 0xFFFD;
        o = put_utf8(out, o, c);
    }
    return o;
}

static void transcoder_long_units_follow_the_rule(void) {
    static WCHAR units[800];
    static unsigned char want[2600], big[2700];
    unsigned char *end = room_end(0), *out_end = room_end(1);
    long round;
    WPT_CHECK(end != NULL && out_end != NULL);
    rng_state = 8;
    for (round = 0; round < 40000; round++) {
        unsigned mix = (unsigned)(round % 5), odds = (unsigned)(rng() % 101), broken = rng() % 2 ? rng() % 5 : 0;
        size_t target = rng() % 700, n = 0, i, nb, cuts[3];
        WCHAR *in;
        unsigned char *exact;
        long long r;
        wp_utf16_stream st;
        while (n + 2 <= target) n = put_utf16(units, n, mix_char(mix, odds));
        while (broken-- > 0 && n > 0) { /* a lone surrogate put in, or half a pair dropped */
            size_t at = rng() % n;
            if (rng() % 3 == 0) memmove(units + at, units + at + 1, (--n - at) * sizeof(WCHAR));
            else units[at] = (WCHAR)(0xD800 + rng() % 0x800);
        }
        nb = reference_encode(units, n, want);
        in = (WCHAR *)(void *)(end - n * sizeof(WCHAR));
        memcpy(in, units, n * sizeof(WCHAR));
        memset(big, 'Q', sizeof big);
        memset(&st, 0, sizeof st);
        r = wp_utf16_stream_to_utf8(&st, in, n, 1, (char *)big, sizeof big);
        for (i = nb; i < sizeof big && big[i] == 'Q'; i++) {}
        if (r != (long long)nb || memcmp(big, want, nb) != 0 || i != sizeof big) {
            size_t k;
            for (k = 0; k < nb && big[k] == want[k]; k++) {}
            printf("  round %ld (seed 8), %u units, mix %u: large buffer, %lld bytes for %u, first difference at %u\n",
                   round, (unsigned)n, mix, r, (unsigned)nb, (unsigned)k);
            WPT_FAIL("the encoder disagrees with the rule or wrote past its result");
        }
        exact = out_end - nb;
        memset(&st, 0, sizeof st);
        r = wp_utf16_stream_to_utf8(&st, in, n, 1, (char *)exact, nb);
        if (r != (long long)nb || memcmp(exact, want, nb) != 0) {
            printf("  round %ld (seed 8), %u units, mix %u: exact buffer\n", round, (unsigned)n, mix);
            WPT_FAIL("the encoder and the rule disagree");
        }
        random_cuts(n, cuts);
        if (encode_in_pieces(in, n, cuts, 3, (char *)big, sizeof big) != (long long)nb || memcmp(big, want, nb) != 0) {
            printf("  round %ld (seed 8), %u units, mix %u: cut at %u, %u, %u\n", round, (unsigned)n, mix,
                   (unsigned)cuts[0], (unsigned)cuts[1], (unsigned)cuts[2]);
            WPT_FAIL("pieces encode differently from the rule");
        }
    }
}

/* ---- console FDs on a pseudo console ---- */

static char verdict[4096];
#define CHILD_CHECK(cond) \
    do { \
        if (!(cond)) { \
            snprintf(verdict, sizeof verdict, "FAIL line %d: %s\n", __LINE__, #cond); \
            return 1; \
        } \
    } while (0)

/* Queues text as key presses on the console's input. */
static int type_keys(HANDLE in, const WCHAR *text, size_t n) {
    INPUT_RECORD rec[128];
    DWORD put;
    size_t i;
    if (n > 64) return 0;
    memset(rec, 0, sizeof rec);
    for (i = 0; i < n; i++) {
        int k;
        for (k = 0; k < 2; k++) {
            KEY_EVENT_RECORD *e = &rec[2 * i + k].Event.KeyEvent;
            rec[2 * i + k].EventType = KEY_EVENT;
            e->bKeyDown = k == 0;
            e->wRepeatCount = 1;
            e->wVirtualKeyCode = text[i] == '\r' ? VK_RETURN : 0;
            e->uChar.UnicodeChar = text[i];
        }
    }
    return WriteConsoleInputW(in, rec, (DWORD)(2 * n), &put) && put == 2 * n;
}

/* Reads through the FD until a '\n' or n bytes, chunk bytes at a time. */
static long long read_line(wp_fd *fd, char *buf, size_t n, size_t chunk) {
    size_t got = 0;
    while (got < n) {
        long long r = wp_fd_read(fd, buf + got, chunk < n - got ? chunk : n - got);
        if (r <= 0) return r < 0 ? r : (long long)got;
        got += (size_t)r;
        if (buf[got - 1] == '\n') break;
    }
    return (long long)got;
}

static int child_read(wp_fd *in) {
    static const WCHAR keys[] = { 'h', 0xE9, 'l', 'l', 'o', 0xD83D, 0xDE00, '\r' };
    static const WCHAR keys2[] = { 'a', 0xD83D, 0xDE00, 0xE9, 0x4E2D, '\r' };
    char buf[64];
    CHILD_CHECK(type_keys(in->handle, keys, 8));
    CHILD_CHECK(read_line(in, buf, sizeof buf, sizeof buf) == 12);
    CHILD_CHECK(memcmp(buf, "h\xC3\xA9llo\xF0\x9F\x98\x80\r\n", 12) == 0);
    /* one byte at a time: every byte, in order */
    CHILD_CHECK(type_keys(in->handle, keys2, 6));
    CHILD_CHECK(read_line(in, buf, sizeof buf, 1) == 12);
    CHILD_CHECK(memcmp(buf, "a\xF0\x9F\x98\x80\xC3\xA9\xE4\xB8\xAD\r\n", 12) == 0);
    return 0;
}

static int child_ctrl_z(wp_fd *in) {
    static const WCHAR start[] = { 0x1A, '\r' };
    static const WCHAR middle[] = { 'a', 'b', 0x1A, 'c', 'd', '\r' };
    char buf[64];
    CHILD_CHECK(type_keys(in->handle, start, 2));
    CHILD_CHECK(wp_fd_read(in, buf, sizeof buf) == 0); /* Ctrl-Z first: end of input */
    CHILD_CHECK(wp_fd_read(in, buf, sizeof buf) == 2 && memcmp(buf, "\r\n", 2) == 0);
    CHILD_CHECK(type_keys(in->handle, middle, 6));
    CHILD_CHECK(wp_fd_read(in, buf, sizeof buf) == 2 && memcmp(buf, "ab", 2) == 0);
    CHILD_CHECK(wp_fd_read(in, buf, sizeof buf) == 0);
    CHILD_CHECK(wp_fd_read(in, buf, sizeof buf) == 4 && memcmp(buf, "cd\r\n", 4) == 0);
    return 0;
}

/* The n cells before the cursor. */
static int cells_before_cursor(HANDLE out, WCHAR *cells, DWORD n) {
    CONSOLE_SCREEN_BUFFER_INFO info;
    COORD at;
    DWORD got = 0;
    if (!GetConsoleScreenBufferInfo(out, &info) || info.dwCursorPosition.X < (SHORT)n) return 0;
    at = info.dwCursorPosition;
    at.X = (SHORT)(at.X - (SHORT)n);
    return ReadConsoleOutputCharacterW(out, cells, n, at, &got) && got == n;
}

static int child_write(wp_fd *out) {
    static char big[40000 + 64];
    WCHAR cells[8];
    size_t i;
    CHILD_CHECK(wp_fd_write(out, "\r\n", 2) == 2);
    /* "é" in two writes of one byte each */
    CHILD_CHECK(wp_fd_write(out, "\xC3", 1) == 1);
    CHILD_CHECK(wp_fd_write(out, "\xA9", 1) == 1);
    CHILD_CHECK(wp_fd_write(out, "x", 1) == 1);
    CHILD_CHECK(cells_before_cursor(out->handle, cells, 2));
    CHILD_CHECK(cells[0] == 0xE9 && cells[1] == 'x');
    /* an emoji in four writes */
    for (i = 0; i < 4; i++) CHILD_CHECK(wp_fd_write(out, &"\xF0\x9F\x98\x80"[i], 1) == 1);
    CHILD_CHECK(wp_fd_write(out, "y", 1) == 1);
    CHILD_CHECK(cells_before_cursor(out->handle, cells, 3));
    CHILD_CHECK(cells[0] == 0xD83D && cells[1] == 0xDE00 && cells[2] == 'y');
    /* one write over several 16,000-unit chunks, an emoji across the first
       boundary (units 15999 and 16000) */
    CHILD_CHECK(wp_fd_write(out, "\r\n", 2) == 2);
    memset(big, 'a', 40000);
    memcpy(big + 15997, "\xF0\x9F\x98\x80", 4);
    memcpy(big + 40000 - 5, "\xF0\x9F\x98\x80" "z", 5);
    CHILD_CHECK(wp_fd_write(out, big, 40000) == 40000);
    CHILD_CHECK(cells_before_cursor(out->handle, cells, 3));
    CHILD_CHECK(cells[0] == 0xD83D && cells[1] == 0xDE00 && cells[2] == 'z');
    /* the first chunk takes 15,997 bytes: an emoji at 15,995 is cut by it,
       carried, and must still reach the screen whole */
    CHILD_CHECK(wp_fd_write(out, "\r\n", 2) == 2);
    memset(big, 'a', 16003);
    memcpy(big + 15995, "\xF0\x9F\x98\x80" "zzzz", 8);
    CHILD_CHECK(wp_fd_write(out, big, 16003) == 16003);
    CHILD_CHECK(cells_before_cursor(out->handle, cells, 6));
    CHILD_CHECK(cells[0] == 0xD83D && cells[1] == 0xDE00 && cells[2] == 'z' && cells[5] == 'z');
    return 0;
}

static int child_vt(HANDLE out) {
    wp_console_saved saved;
    DWORD mode0 = 0, mode = 0;
    UINT cp0 = GetConsoleOutputCP();
    CHILD_CHECK(GetConsoleMode(out, &mode0));
    CHILD_CHECK(SetConsoleOutputCP(437));
    cp0 = GetConsoleOutputCP();
    CHILD_CHECK(wp_console_enable_vt(out, &saved) == 0);
    CHILD_CHECK(GetConsoleMode(out, &mode) && (mode & 0x4));
    CHILD_CHECK(GetConsoleOutputCP() == 65001);
    CHILD_CHECK(wp_console_restore(out, &saved) == 0);
    CHILD_CHECK(GetConsoleMode(out, &mode) && mode == mode0);
    CHILD_CHECK(GetConsoleOutputCP() == cp0);
    return 0;
}

/* The screen from row `from` to the cursor's row, as UTF-8 lines (trailing
   blanks dropped) appended to out. */
static int screen_text(HANDLE h, SHORT from, char *out, size_t cap) {
    CONSOLE_SCREEN_BUFFER_INFO info;
    SHORT y;
    if (!GetConsoleScreenBufferInfo(h, &info)) return 0;
    for (y = from; y <= info.dwCursorPosition.Y; y++) {
        WCHAR row[256];
        DWORD got = 0, w = info.dwSize.X < 256 ? (DWORD)info.dwSize.X : 256;
        COORD at;
        size_t len = strlen(out);
        long long n;
        at.X = 0;
        at.Y = y;
        if (!ReadConsoleOutputCharacterW(h, row, w, at, &got)) return 0;
        while (got > 0 && row[got - 1] == ' ') got--;
        n = wp_utf16_to_utf8(row, got, out + len, cap - len - 1);
        if (n < 0 || (size_t)n + 2 > cap - len) return 0;
        out[len + (size_t)n] = '\n';
        out[len + (size_t)n + 1] = 0;
    }
    return 1;
}

/* Starts the example NAME (ex_NAME.exe, built beside this program) with
   this console's in and out as its standard handles (in may be NULL), in
   folder dir (NULL: ours). 1 when it started. */
static int spawn_example(const char *name, const char *const *argv, const char *dir, HANDLE in, HANDLE out,
                         wp_process *p) {
    WCHAR self[MAX_PATH];
    char path[4 * MAX_PATH], *slash;
    wp_spawn_options o;
    if (GetModuleFileNameW(NULL, self, MAX_PATH) == 0 ||
        wp_utf16_to_utf8(self, WINPOLL_NUL_TERMINATED, path, sizeof path - 64) <= 0 ||
        (slash = strrchr(path, '\\')) == NULL)
        return 0;
    snprintf(slash + 1, 60, "ex_%s.exe", name);
    memset(&o, 0, sizeof o);
    o.path = path;
    o.argv = argv;
    o.dir = dir;
    o.std_in = in;
    o.std_out = o.std_err = out;
    return wp_spawn(&o, p) == 0;
}

/* examples/console_utf8.c on this console: lines typed as keys (CJK, an
   emoji), then Ctrl-Z; its answers must be on the screen, reversed. The
   screen's text follows the verdict. */
static int child_example(HANDLE in, HANDLE out) {
    static const WCHAR line1[] = { 'h', 0xE9, 'l', 'l', 'o', ' ', 0x65E5, 0x672C, 0x8A9E, ' ', 0xD83D, 0xDE00, '\r' };
    static const WCHAR line2[] = { 'a', 'b', 'c', '\r', 0x1A, '\r' };
    /* the answers; a console that gives a wide character two cells may
       show it twice (Windows' conhost reports each cell) */
    static const char *const want1[] = { "[\xF0\x9F\x98\x80 \xE8\xAA\x9E\xE6\x9C\xAC\xE6\x97\xA5 oll\xC3\xA9h]",
                                         "[\xF0\x9F\x98\x80 \xE8\xAA\x9E\xE8\xAA\x9E\xE6\x9C\xAC\xE6\x9C\xAC"
                                         "\xE6\x97\xA5\xE6\x97\xA5 oll\xC3\xA9h]" };
    static char screen[4096];
    static const char *const argv[] = { "console_utf8", NULL };
    CONSOLE_SCREEN_BUFFER_INFO info;
    wp_process p;
    unsigned long code = 1;
    CHILD_CHECK(GetConsoleScreenBufferInfo(out, &info));
    CHILD_CHECK(type_keys(in, line1, 13) && type_keys(in, line2, 6));
    CHILD_CHECK(spawn_example("console_utf8", argv, NULL, in, out, &p));
    if (wp_wait(&p, 30000, &code) != 0) wp_kill(&p, 9);
    wp_process_close(&p);
    CHILD_CHECK(code == 0); /* it ended at Ctrl-Z */
    screen[0] = 0;
    CHILD_CHECK(screen_text(out, info.dwCursorPosition.Y, screen, sizeof screen));
    if ((strstr(screen, want1[0]) == NULL && strstr(screen, want1[1]) == NULL) || strstr(screen, "[cba]\n") == NULL) {
        snprintf(verdict, sizeof verdict, "FAIL: the answers are not on the screen, which shows:\n%s", screen);
        return 1;
    }
    snprintf(verdict, sizeof verdict, "OK\n%s", screen);
    return 0;
}

static BOOL WINAPI survive_ctrl(DWORD type) {
    (void)type;
    return TRUE; /* handled: this process goes on */
}

/* examples/echo_server.c on this console with a client connected: Ctrl-C
   must stop it cleanly (its handler wakes the loop; it closes every
   connection and exits with 0). */
static int child_ctrl_c(HANDLE out) {
    static char screen[4096];
    /* an idle deadline far beyond the wait below: only the handler's wake can end the poll */
    static const char *const argv[] = { "echo_server", "--port", "0", "--port-file", "port", "--idle", "300", NULL };
    CONSOLE_SCREEN_BUFFER_INFO info;
    char dir[1024], port_file[1200], text[16];
    wp_process p;
    wp_sockaddr a;
    SOCKET c = INVALID_SOCKET;
    unsigned long code = 1;
    int i, ok = 0;
    CHILD_CHECK(GetConsoleScreenBufferInfo(out, &info));
    CHILD_CHECK(SetConsoleCtrlHandler(survive_ctrl, TRUE));
    CHILD_CHECK(suite_tempdir(dir, sizeof dir, "ctrlc"));
    suite_join(port_file, sizeof port_file, dir, "port");
    /* in the port file's folder: argv is not UTF-8, and the folder's name may not be ASCII */
    if (!spawn_example("echo_server", argv, dir, NULL, out, &p)) {
        suite_rmtree(dir);
        snprintf(verdict, sizeof verdict, "FAIL: could not start ex_echo_server.exe\n");
        return 1;
    }
    text[0] = 0; /* stays empty if the port file never comes */
    for (i = 0; i < 200 && suite_read_file(port_file, text, sizeof text) <= 0; i++) Sleep(50);
    wp_ip_parse(&a, "127.0.0.1");
    a.port = (unsigned short)atoi(text);
    if (a.port != 0 && wp_socket(AF_INET, SOCK_STREAM, 0, &c) == 0 && wp_connect(c, &a) == 0 &&
        send(c, "hi", 2, 0) == 2 && recv(c, text, sizeof text, 0) == 2) {
        ok = GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0); /* every process on this console */
    }
    if (wp_wait(&p, 15000, &code) != 0) wp_kill(&p, 9);
    wp_process_close(&p);
    if (ok) ok = recv(c, text, sizeof text, 0) == 0; /* the server closed it: end of stream */
    if (c != INVALID_SOCKET) closesocket(c);
    suite_rmtree(dir);
    screen[0] = 0;
    screen_text(out, info.dwCursorPosition.Y, screen, sizeof screen);
    if (!ok || code != 0 || strstr(screen, "echo_server: stopping") == NULL) {
        snprintf(verdict, sizeof verdict, "FAIL: served and stopped %d, exit code %lu; the screen shows:\n%s", ok,
                 code, screen);
        return 1;
    }
    return 0;
}

/* The child: this program with --console-child SCENARIO HEX, where HEX is
   the verdict file's UTF-8 path in hexadecimal (argv is not UTF-8). */
static int console_child(const char *scenario, const char *hex) {
    HANDLE hin, hout;
    wp_fd in, out;
    int r = 1;
    char path[1200];
    size_t i;
    for (i = 0; hex[2 * i] && hex[2 * i + 1] && i + 1 < sizeof path; i++) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        path[i] = (char)v;
    }
    path[i] = 0;
    snprintf(verdict, sizeof verdict, "FAIL: unknown scenario %s\n", scenario);
    hin = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                      OPEN_EXISTING, 0, NULL);
    hout = CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                       OPEN_EXISTING, 0, NULL);
    if (wp_fd_init(&in, hin, 0) != 0 || wp_fd_init(&out, hout, 0) != 0 || in.kind != WINPOLL_KIND_CONSOLE ||
        out.kind != WINPOLL_KIND_CONSOLE) {
        snprintf(verdict, sizeof verdict, "FAIL: no console (kinds %d, %d)\n", in.kind, out.kind);
    } else if (strcmp(scenario, "read") == 0) {
        r = child_read(&in);
    } else if (strcmp(scenario, "ctrl-z") == 0) {
        r = child_ctrl_z(&in);
    } else if (strcmp(scenario, "write") == 0) {
        r = child_write(&out);
    } else if (strcmp(scenario, "vt") == 0) {
        r = child_vt(out.handle);
    } else if (strcmp(scenario, "ctrl-c") == 0) {
        r = child_ctrl_c(out.handle);
    } else if (strcmp(scenario, "example") == 0) {
        r = child_example(in.handle, out.handle);
    }
    if (r == 0 && strncmp(verdict, "OK\n", 3) != 0) snprintf(verdict, sizeof verdict, "OK\n");
    return suite_write_file(path, verdict) ? r : 3;
}

typedef HRESULT(WINAPI *create_pc_fn)(COORD, HANDLE, HANDLE, DWORD, void **);
typedef void(WINAPI *close_pc_fn)(void *);

static DWORD WINAPI drain(LPVOID arg) {
    char buf[4096];
    DWORD n;
    while (ReadFile((HANDLE)arg, buf, sizeof buf, &n, NULL) && n > 0) {}
    return 0;
}

/* Runs a scenario in a child on a new pseudo console; the verdict file's
   first line goes to out. Returns 0, or a reason it could not run. */
static const char *run_on_pseudo_console(const char *scenario, char *out, size_t cap) {
    HMODULE k32 = GetModuleHandleA("kernel32.dll");
    create_pc_fn create_pc = (create_pc_fn)(void (*)(void))GetProcAddress(k32, "CreatePseudoConsole");
    close_pc_fn close_pc = (close_pc_fn)(void (*)(void))GetProcAddress(k32, "ClosePseudoConsole");
    HANDLE in_r, in_w, out_r, out_w, drainer;
    void *pc = NULL;
    COORD size;
    STARTUPINFOEXW si;
    PROCESS_INFORMATION pi;
    SIZE_T attrs_size = 0;
    WCHAR self[MAX_PATH], cmd[4 * MAX_PATH];
    char dir[1024], vpath[1200], hex[2400];
    DWORD n;
    size_t i;
    if (create_pc == NULL || close_pc == NULL) return "this Windows has no pseudo consoles (they came with 10 1809)";
    if (!suite_tempdir(dir, sizeof dir, "conpty")) return "no temporary folder";
    suite_join(vpath, sizeof vpath, dir, "verdict.txt");
    if (!CreatePipe(&in_r, &in_w, NULL, 0) || !CreatePipe(&out_r, &out_w, NULL, 0)) return "no pipes";
    size.X = 120;
    size.Y = 40;
    if (create_pc(size, in_r, out_w, 0, &pc) != S_OK) return "CreatePseudoConsole failed";
    CloseHandle(in_r);
    CloseHandle(out_w);
    drainer = CreateThread(NULL, 0, drain, out_r, 0, NULL); /* the console blocks if nobody reads it */
    memset(&si, 0, sizeof si);
    si.StartupInfo.cb = sizeof si;
    InitializeProcThreadAttributeList(NULL, 1, 0, &attrs_size);
    si.lpAttributeList = (LPPROC_THREAD_ATTRIBUTE_LIST)HeapAlloc(GetProcessHeap(), 0, attrs_size);
    InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0, &attrs_size);
    UpdateProcThreadAttribute(si.lpAttributeList, 0, 0x00020016 /* PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE */, pc,
                              sizeof pc, NULL, NULL);
    n = GetModuleFileNameW(NULL, self, MAX_PATH);
    for (i = 0; vpath[i] && 2 * i + 2 < sizeof hex; i++) snprintf(hex + 2 * i, 3, "%02x", (unsigned char)vpath[i]);
    swprintf(cmd, 4 * MAX_PATH, L"\"%ls\" --console-child %hs %hs", self, scenario, hex);
    out[0] = 0;
    if (n > 0 && CreateProcessW(self, cmd, NULL, NULL, FALSE, EXTENDED_STARTUPINFO_PRESENT, NULL, NULL,
                                &si.StartupInfo, &pi)) {
        if (WaitForSingleObject(pi.hProcess, 60000) != WAIT_OBJECT_0) TerminateProcess(pi.hProcess, 9);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
        if (suite_read_file(vpath, out, cap) < 0) out[0] = 0;
    }
    close_pc(pc);
    CloseHandle(in_w);
    WaitForSingleObject(drainer, 10000);
    CloseHandle(drainer);
    CloseHandle(out_r);
    DeleteProcThreadAttributeList(si.lpAttributeList);
    HeapFree(GetProcessHeap(), 0, si.lpAttributeList);
    suite_rmtree(dir);
    return NULL;
}

#define CONSOLE_TEST(fn, scenario) \
    static void fn(void) { \
        char v[256]; \
        const char *why = run_on_pseudo_console(scenario, v, sizeof v); \
        if (why != NULL) WPT_SKIP(why); \
        if (strcmp(v, "OK\n") != 0) printf("  the child said: %s\n", v[0] ? v : "nothing (it died)"); \
        WPT_STREQ(v, "OK\n"); \
    }

CONSOLE_TEST(console_reads_unicode_in_any_size, "read")
CONSOLE_TEST(console_ctrl_z_ends_input, "ctrl-z")
CONSOLE_TEST(console_writes_carry_split_sequences, "write")
CONSOLE_TEST(console_vt_mode_and_restore, "vt")

static void console_ctrl_c_stops_the_echo_server_cleanly(void) {
    char v[4096];
    const char *why;
    if (wp_mode() != WINPOLL_MODE_IOCP) WPT_SKIP("examples/echo_server.c serves only in completion-port mode");
    why = run_on_pseudo_console("ctrl-c", v, sizeof v);
    if (why != NULL) WPT_SKIP(why);
    if (strcmp(v, "OK\n") != 0) printf("  the child said: %s\n", v[0] ? v : "nothing (it died)");
    WPT_STREQ(v, "OK\n");
}

/* examples/console_utf8.c, built beside this suite, run on a pseudo console */
static void console_example_round_trips_cjk_and_emoji(void) {
    static char v[4096];
    const char *why = run_on_pseudo_console("example", v, sizeof v);
    if (why != NULL) WPT_SKIP(why);
    if (strncmp(v, "OK\n", 3) != 0) printf("  the child said: %s\n", v[0] ? v : "nothing (it died)");
    WPT_EQ(strncmp(v, "OK\n", 3), 0);
}

static const wpt_case cases[] = {
    WPT_CASE(transcoder_splits_at_every_position),
    WPT_CASE(transcoder_invalid_utf8_classes),
    WPT_CASE(transcoder_surrogates),
    WPT_CASE(transcoder_size_query_leaves_the_state),
    WPT_CASE(transcoder_never_writes_past_an_exact_buffer),
    WPT_CASE(transcoder_agrees_with_win32),
    WPT_CASE(transcoder_follows_the_rule_on_random_bytes),
    WPT_CASE(transcoder_long_text_follows_the_rule),
    WPT_CASE(transcoder_long_units_follow_the_rule),
    WPT_CASE(console_reads_unicode_in_any_size),
    WPT_CASE(console_ctrl_z_ends_input),
    WPT_CASE(console_writes_carry_split_sequences),
    WPT_CASE(console_vt_mode_and_restore),
    WPT_CASE(console_example_round_trips_cjk_and_emoji),
    WPT_CASE(console_ctrl_c_stops_the_echo_server_cleanly),
};

/* --show-example: make demo's view of examples/console_utf8.c on a pseudo
   console: the keys typed and the screen afterwards, as UTF-8. */
static int show_example(void) {
    static char v[4096];
    const char *why = run_on_pseudo_console("example", v, sizeof v);
    char *line = v + 3, *end;
    if (why != NULL || strncmp(v, "OK\n", 3) != 0) {
        printf("could not run it on a pseudo console: %s\n", why != NULL ? why : v);
        return 1;
    }
    printf("typed as keys: \"h\xC3\xA9llo \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x98\x80\" Enter, "
           "\"abc\" Enter, Ctrl-Z Enter\n"
           "the screen afterwards (ReadConsoleOutputCharacterW), from where it started:\n");
    for (end = line + strlen(line); end > line && end[-1] == '\n'; end--) {} /* the empty cursor row */
    while (line < end) {
        char *nl = strchr(line, '\n');
        if (nl == NULL || nl > end) nl = end;
        printf("  | %.*s\n", (int)(nl - line), line);
        line = nl + 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--console-child") == 0) return console_child(argv[2], argv[3]);
    if (argc == 2 && strcmp(argv[1], "--show-example") == 0) return show_example();
    return wpt_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
