/* test_fuzz.c - seeded, reproducible random inputs for the parsers that
   take text or bytes from outside: the address parsers (text and raw
   SOCKADDRs) and the transcoder. Each property must hold for every input;
   a failure prints the seed, the round and the input in hex, and
   WINPOLL_FUZZ_SEED=<seed> replays it. WINPOLL_FUZZ_SCALE=<n> runs n times
   the rounds (make test: 1; make fuzz: 40). Runs in every build, the UBSan
   trap builds included. */
#include "suite.h"

#include <stdlib.h>
#include <string.h>

static unsigned long long seed, state;

static unsigned rnd(void) { /* splitmix64 */
    unsigned long long z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (unsigned)((z ^ (z >> 31)) >> 16);
}

static long rounds(long base) {
    const char *s = getenv("WINPOLL_FUZZ_SCALE");
    long k = s != NULL ? atol(s) : 1;
    return base * (k > 0 ? k : 1);
}

static void start(unsigned long long fixed) {
    const char *s = getenv("WINPOLL_FUZZ_SEED");
    seed = s != NULL ? strtoull(s, NULL, 0) : fixed;
    state = seed;
}

static void dump(const char *what, long round, const void *p, size_t n) {
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    printf("  seed %llu, round %ld, %s (%u bytes):", seed, round, what, (unsigned)n);
    for (i = 0; i < n; i++) printf(" %02x", b[i]);
    printf("\n");
}

/* ---- text addresses ---- */

/* A valid address in one of its many spellings: IPv4, or IPv6 with upper or
   lower case, leading zeros, a "::" anywhere, a zone; with a port or not. */
static void valid_address(char *t) {
    char ip[64];
    int port = rnd() % 2;
    if (rnd() % 3 == 0) {
        sprintf(ip, "%u.%u.%u.%u", rnd() % 256, rnd() % 256, rnd() % 256, rnd() % 256);
        if (port) sprintf(t, "%s:%u", ip, rnd() % 65536);
        else strcpy(t, ip);
        return;
    } else {
        unsigned g[8], i, from = rnd() % 9, to;
        char *p = ip;
        to = from + rnd() % (9 - from); /* groups [from, to) become "::" when to > from */
        for (i = 0; i < 8; i++) g[i] = rnd() % 4 ? rnd() % 0x10000 : 0;
        for (i = 0; i < 8; i++) {
            if (i >= from && i < to) {
                if (i == from) p += sprintf(p, "%s", i == 0 ? "::" : ":");
                continue;
            }
            p += sprintf(p, rnd() % 2 ? "%x" : rnd() % 2 ? "%X" : "%04x", g[i]);
            if (i < 7) p += sprintf(p, ":");
        }
        if (to == 8 && from < 8 && p[-1] != ':') p += sprintf(p, ":"); /* "...::" at the end */
        if (rnd() % 4 == 0) p += sprintf(p, "%%%u", 1 + rnd() % 20);
        if (port) sprintf(t, "[%s]:%u", ip, rnd() % 65536);
        else strcpy(t, ip);
    }
}

static void text_addresses(void) {
    static const char alphabet[] = "0123456789abcdefABCDEF:::...[[]]%%/ xg-0001ff";
    static const char *seeds[] = {"127.0.0.1:80", "[::1]:443", "[fe80::1%2]:8080", "::ffff:1.2.3.4", "1::", "::",
                                  "2001:db8::1:0:0:1", "255.255.255.255:65535", "[::]:0", "0.0.0.0"};
    long r, n = rounds(100000), ok = 0;
    start(20261122);
    for (r = 0; r < n; r++) {
        char text[96], out[128], out2[128];
        wp_sockaddr a, b;
        size_t len;
        long long f;
        int how = (int)(rnd() % 4), parsed;
        if (how == 3) {
            valid_address(text);
            len = strlen(text);
        } else if (how == 0) { /* a known address, mutated */
            strcpy(text, seeds[rnd() % (sizeof seeds / sizeof seeds[0])]);
            len = strlen(text);
            if (len > 0) text[rnd() % len] = alphabet[rnd() % (sizeof alphabet - 1)];
            if (rnd() % 2 && len < sizeof text - 2) text[len++] = alphabet[rnd() % (sizeof alphabet - 1)], text[len] = 0;
        } else { /* made of address characters, or of any bytes */
            size_t i;
            len = rnd() % 40;
            for (i = 0; i < len; i++)
                text[i] = how == 1 ? alphabet[rnd() % (sizeof alphabet - 1)] : (char)(1 + rnd() % 255);
            text[len] = 0;
        }
        parsed = wp_sockaddr_parse(&a, text) == 0 || wp_ip_parse(&a, text) == 0; /* with a port, or without */
        if (!parsed) continue;
        ok++;
        /* what parses formats, within the size rule, and parses back the same */
        memset(out, 0x5A, sizeof out);
        f = wp_sockaddr_format(&a, out, sizeof out);
        if (f <= 0 || f >= (long long)sizeof out || out[f] != 0) {
            dump("formats badly", r, text, strlen(text));
            WPT_FAIL("wp_sockaddr_format of a parsed address");
        }
        memset(out2, 0x5A, sizeof out2);
        if (wp_sockaddr_format(&a, out2, (size_t)f) != f || out2[0] != 0x5A) { /* too small: writes nothing */
            dump("size rule", r, text, strlen(text));
            WPT_FAIL("a buffer one byte short was written");
        }
        if (wp_sockaddr_parse(&b, out) != 0 || memcmp(&a, &b, sizeof a) != 0) {
            dump("does not round-trip", r, text, strlen(text));
            printf("  formatted: %s\n", out);
            WPT_FAIL("format then parse gave another address");
        }
    }
    printf("    seed %llu: %ld of %ld texts parsed, each formatted and parsed back\n", seed, ok, n);
    WPT_CHECK(ok > n / 20); /* the property was tested, not skipped */
}

/* ---- raw SOCKADDRs ---- */

static void raw_addresses(void) {
    static const unsigned short families[] = {AF_INET, AF_INET6, AF_UNIX, 0, 3, 0xFFFF};
    long r, n = rounds(100000), ok = 0;
    start(777);
    for (r = 0; r < n; r++) {
        /* the input ends at a no-access page in test_sock; here it is exact-sized heap memory */
        int len = (int)(rnd() % (sizeof(SOCKADDR_STORAGE) + 8)) - 4, i, back_len;
        unsigned char *raw = (unsigned char *)malloc(len > 0 ? (size_t)len : 1);
        wp_sockaddr a, b;
        SOCKADDR_STORAGE back;
        for (i = 0; i < len; i++) raw[i] = (unsigned char)(rnd() % 4 ? rnd() : 0);
        if (len >= 2) {
            unsigned short fam = families[rnd() % (sizeof families / sizeof families[0])];
            memcpy(raw, &fam, 2);
        }
        if (wp_sockaddr_from_raw(&a, (const SOCKADDR *)raw, len) == 0) {
            ok++;
            /* accepted: it converts back, and again to the same thing */
            if (wp_sockaddr_to_raw(&a, &back, &back_len) != 0 ||
                wp_sockaddr_from_raw(&b, (const SOCKADDR *)&back, back_len) != 0 || memcmp(&a, &b, sizeof a) != 0) {
                dump("raw", r, raw, (size_t)(len > 0 ? len : 0));
                free(raw);
                WPT_FAIL("an accepted raw address does not round-trip");
            }
        }
        free(raw);
    }
    printf("    seed %llu: %ld of %ld raw addresses accepted and round-tripped\n", seed, ok, n);
    WPT_CHECK(ok > n / 20);
}

/* ---- the transcoder: in pieces as in one call ---- */

static void utf8_in_pieces(void) {
    static const unsigned char special[] = {0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
    long r, n = rounds(50000);
    start(4242);
    for (r = 0; r < n; r++) {
        unsigned char in[64];
        WCHAR whole[80], parts[80];
        wp_utf8_stream s1, s2;
        size_t len = rnd() % 64, i, at = 0, nparts = 0;
        long long w, got;
        for (i = 0; i < len; i++) in[i] = rnd() % 3 ? special[rnd() % sizeof special] : (unsigned char)rnd();
        memset(&s1, 0, sizeof s1);
        memset(&s2, 0, sizeof s2);
        w = wp_utf8_stream_to_utf16(&s1, (const char *)in, len, 1, whole, 80);
        if (w < 0 || w > (long long)len + 3) {
            dump("utf-8 size", r, in, len);
            WPT_FAIL("output beyond n + 3 units");
        }
        while (at < len || nparts == 0) { /* random pieces, the last one final */
            size_t piece = len - at ? 1 + rnd() % (len - at) : 0;
            got = wp_utf8_stream_to_utf16(&s2, (const char *)in + at, piece, at + piece == len, parts + nparts,
                                          80 - nparts);
            if (got < 0) break;
            nparts += (size_t)got;
            at += piece;
            if (piece == 0) break;
        }
        if ((long long)nparts != w || memcmp(whole, parts, nparts * sizeof(WCHAR)) != 0) {
            dump("utf-8 pieces", r, in, len);
            WPT_FAIL("pieces decode differently from the whole");
        }
    }
}

static void utf16_in_pieces_and_round_trip(void) {
    long r, n = rounds(50000);
    start(9001);
    for (r = 0; r < n; r++) {
        WCHAR in[48], back[160];
        char whole[200], parts[200];
        wp_utf16_stream s1, s2;
        wp_utf8_stream s3;
        size_t len = rnd() % 48, i, at = 0, nparts = 0;
        long long w, got, b;
        for (i = 0; i < len; i++) {
            unsigned k = rnd() % 6;
            in[i] = (WCHAR)(k == 0 ? 0xD800 + rnd() % 0x400 : k == 1 ? 0xDC00 + rnd() % 0x400 : k == 2 ? rnd() % 0x80
                                                                                                         : rnd());
        }
        memset(&s1, 0, sizeof s1);
        memset(&s2, 0, sizeof s2);
        memset(&s3, 0, sizeof s3);
        w = wp_utf16_stream_to_utf8(&s1, in, len, 1, whole, sizeof whole);
        if (w < 0 || w > 3 * (long long)len + 4) {
            dump("utf-16 size", r, in, len * 2);
            WPT_FAIL("output beyond 3n + 4 bytes");
        }
        while (at < len || nparts == 0) {
            size_t piece = len - at ? 1 + rnd() % (len - at) : 0;
            got = wp_utf16_stream_to_utf8(&s2, in + at, piece, at + piece == len, parts + nparts,
                                          sizeof parts - nparts);
            if (got < 0) break;
            nparts += (size_t)got;
            at += piece;
            if (piece == 0) break;
        }
        if ((long long)nparts != w || memcmp(whole, parts, nparts) != 0) {
            dump("utf-16 pieces", r, in, len * 2);
            WPT_FAIL("pieces encode differently from the whole");
        }
        /* what comes out is valid UTF-8: back to UTF-16 and out again, unchanged */
        b = wp_utf8_stream_to_utf16(&s3, whole, (size_t)w, 1, back, 160);
        memset(&s1, 0, sizeof s1);
        if (b < 0 || wp_utf16_stream_to_utf8(&s1, back, (size_t)b, 1, parts, sizeof parts) != w ||
            memcmp(parts, whole, (size_t)w) != 0) {
            dump("utf-16 round trip", r, in, len * 2);
            WPT_FAIL("UTF-8 made by the encoder did not survive a round trip");
        }
    }
}

static const wpt_case cases[] = {
    WPT_CASE(text_addresses),
    WPT_CASE(raw_addresses),
    WPT_CASE(utf8_in_pieces),
    WPT_CASE(utf16_in_pieces_and_round_trip),
};

WPT_MAIN(cases)
