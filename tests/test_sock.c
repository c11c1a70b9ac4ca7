/* test_sock.c - addresses (raw and text, every family), name lookup, and the
   socket calls and options over real loopback sockets on 127.0.0.1 and ::1. */
#include "suite.h"

#include <string.h>

/* ---- text ---- */

static void sockaddr_text_round_trips(void) {
    static const char *const canonical[] = {
        "1.2.3.4:80", "0.0.0.0:0", "255.255.255.255:65535", "[::1]:80", "[::]:0", "[fe80::1%3]:80",
        "[2001:db8::1]:443", "[2001:db8:0:1:1:1:1:1]:1", "[2001:db8::1:0:0:1]:1", "[::ffff:1.2.3.4]:8080",
        "[1::]:2", "[1:2:3:4:5:6:7:8]:9", "[0:2:3:4:5:6:7:8]:9", "[1:0:0:2::3]:7", "[fe80::abcd%4294967295]:1",
    };
    static const struct {
        const char *in, *out;
    } fixed[] = {
        { "[2001:DB8::0001]:80", "[2001:db8::1]:80" },
        { "[0:0:0:0:0:0:0:1]:1", "[::1]:1" },
        { "[::FFFF:1.2.3.4]:1", "[::ffff:1.2.3.4]:1" },
        { "[::1.2.3.4]:5", "[::102:304]:5" },
        { "[1:0:0:0:2:0:0:3]:6", "[1::2:0:0:3]:6" },
        { "[fe80::1%0]:1", "[fe80::1]:1" },
        /* RFC 5952 4.2.2: "::" never stands for a single zero group */
        { "[::2:3:4:5:6:7:8]:9", "[0:2:3:4:5:6:7:8]:9" },
        { "[1:2:3:4:5:6:7::]:9", "[1:2:3:4:5:6:7:0]:9" },
    };
    size_t i;
    char out[80];
    wp_sockaddr a;
    for (i = 0; i < sizeof canonical / sizeof canonical[0]; i++) {
        WPT_OK(wp_sockaddr_parse(&a, canonical[i]));
        WPT_EQ(wp_sockaddr_format(&a, out, sizeof out), strlen(canonical[i]));
        WPT_STREQ(out, canonical[i]);
    }
    for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        WPT_OK(wp_sockaddr_parse(&a, fixed[i].in));
        WPT_OK(wp_sockaddr_format(&a, out, sizeof out));
        WPT_STREQ(out, fixed[i].out);
    }
    WPT_OK(wp_sockaddr_parse(&a, "[fe80::1%3]:80"));
    WPT_EQ(a.family, AF_INET6);
    WPT_EQ(a.port, 80);
    WPT_EQ(a.scope_id, 3);
    WPT_EQ(a.addr[0], 0xfe);
    WPT_EQ(a.addr[15], 1);
    /* bare addresses */
    WPT_OK(wp_ip_parse(&a, "fe80::1%3"));
    WPT_EQ(a.port, 0);
    WPT_EQ(wp_ip_format(&a, out, sizeof out), strlen("fe80::1%3"));
    WPT_STREQ(out, "fe80::1%3");
    WPT_OK(wp_ip_parse(&a, "10.0.0.255"));
    WPT_OK(wp_ip_format(&a, out, sizeof out));
    WPT_STREQ(out, "10.0.0.255");
    /* size query */
    WPT_EQ(wp_ip_format(&a, NULL, 0), 10);
    WPT_EQ(wp_ip_format(&a, out, 10), 10);
}

static void sockaddr_text_rejects_bad_input(void) {
    static const char *const bad[] = {
        "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3.4:+1", "1.2.3.4:08", "1.2.3:80",
        "1.2.3.4.5:80", "256.1.1.1:80", "01.2.3.4:80", "1.2.3.4:80x", "[::1]", "[::1]:", "[::1:80", "::1:80",
        "[1.2.3.4]:80", "[::1]]:80", "[:::1]:80", "[1::2::3]:80", "[12345::]:80", "[1:2:3:4:5:6:7:8:9]:80",
        "[1:2:3:4:5:6:7]:80", "[fe80::1%]:80", "[fe80::1%x]:80", "[fe80::1%4294967296]:80", "[::1 ]:80",
        " 1.2.3.4:80", "", "[]:80", "[1:]:80", "[:1]:80", "[::ffff:1.2.3]:80", "[::1.2.3.4.5]:1",
        "1.2.3.4%1:80", "[1:2:3:4:5:6:7::8]:1", "[1:2:3:4:5:6:1.2.3.4:5]:1", "1.2.3.4:99999999999",
        "[g::1]:1", "1.2.3.-4:1", "[::1]:0x50",
    };
    static const char *const bad_bare[] = { "1.2.3.4:80", "[::1]", "::1:", "", "1.2.3.4 ", "fe80::1%3%4" };
    size_t i;
    wp_sockaddr a;
    static const wp_sockaddr zero;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long long r;
        memset(&a, 0x55, sizeof a);
        r = wp_sockaddr_parse(&a, bad[i]);
        if (r != -WINPOLL_ERR_BAD_ADDRESS) printf("  accepted \"%s\"\n", bad[i]);
        WPT_ERR(r, WINPOLL_ERR_BAD_ADDRESS);
        WPT_MEMEQ(&a, &zero, sizeof a);
    }
    for (i = 0; i < sizeof bad_bare / sizeof bad_bare[0]; i++) {
        long long r = wp_ip_parse(&a, bad_bare[i]);
        if (r != -WINPOLL_ERR_BAD_ADDRESS) printf("  accepted \"%s\"\n", bad_bare[i]);
        WPT_ERR(r, WINPOLL_ERR_BAD_ADDRESS);
    }
    WPT_ERR(wp_sockaddr_parse(&a, NULL), WINPOLL_ERR_BAD_ADDRESS);
    WPT_ERR(wp_sockaddr_parse(NULL, "1.2.3.4:5"), ERROR_INVALID_PARAMETER);
    {
        char t[64];
        WPT_STREQ((wp_strerror(-WINPOLL_ERR_BAD_ADDRESS, t, sizeof t), t), "invalid network address text");
    }
}

/* Random IPv6 addresses (with zero runs), ours against the system's
   InetPtonA: the text we write parses to the same bytes there and here. */
static void ipv6_text_agrees_with_the_system(void) {
    unsigned long seed = 777;
    int round;
    WPT_OK(wp_init());
    for (round = 0; round < 5000; round++) {
        unsigned char ip[16], back[16];
        wp_sockaddr a, b;
        char text[64];
        int k;
        for (k = 0; k < 8; k++) {
            seed = seed * 1103515245u + 12345u;
            /* half the groups zero, so that runs of every length appear */
            ip[2 * k] = (seed >> 16) & 1 ? (unsigned char)(seed >> 8) : 0;
            ip[2 * k + 1] = (seed >> 16) & 1 ? (unsigned char)(seed >> 24) : 0;
        }
        if (round % 50 == 0) memcpy(ip, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
        wp_sockaddr_ip6(&a, ip, 0, 0);
        WPT_CHECK(wp_ip_format(&a, text, sizeof text) > 0);
        WPT_EQ(inet_pton(AF_INET6, text, back), 1);
        WPT_MEMEQ(back, ip, 16);
        WPT_OK(wp_ip_parse(&b, text));
        WPT_MEMEQ(b.addr, ip, 16);
    }
}

/* ---- raw forms ---- */

static void raw_round_trips_keep_every_field(void) {
    static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    static const unsigned char v4[4] = { 192, 0, 2, 33 };
    SOCKADDR_STORAGE ss;
    wp_sockaddr a, b;
    int len;
    const SOCKADDR_IN6 *s6 = (const SOCKADDR_IN6 *)(const void *)&ss;
    const SOCKADDR_IN *s4 = (const SOCKADDR_IN *)(const void *)&ss;

    wp_sockaddr_ip4(&a, v4, 8080);
    WPT_OK(wp_sockaddr_to_raw(&a, &ss, &len));
    WPT_EQ(len, sizeof(SOCKADDR_IN));
    WPT_EQ(s4->sin_family, AF_INET);
    WPT_EQ(s4->sin_port, htons(8080));
    WPT_EQ(s4->sin_addr.s_addr, inet_addr("192.0.2.33"));
    WPT_OK(wp_sockaddr_from_raw(&b, (SOCKADDR *)&ss, len));
    WPT_MEMEQ(&a, &b, sizeof a);

    wp_sockaddr_ip6(&a, v6, 443, 7);
    a.flowinfo = 0xABCDE;
    WPT_OK(wp_sockaddr_to_raw(&a, &ss, &len));
    WPT_EQ(len, sizeof(SOCKADDR_IN6));
    WPT_EQ(s6->sin6_port, htons(443));
    WPT_EQ(s6->sin6_flowinfo, htonl(0xABCDE));
    WPT_EQ(s6->sin6_scope_id, 7);
    WPT_OK(wp_sockaddr_from_raw(&b, (SOCKADDR *)&ss, len));
    WPT_MEMEQ(&a, &b, sizeof a);
    /* the old 24-byte form has no scope id */
    WPT_OK(wp_sockaddr_from_raw(&b, (SOCKADDR *)&ss, 24));
    WPT_EQ(b.scope_id, 0);
    WPT_EQ(b.flowinfo, 0xABCDE);

    WPT_OK(wp_sockaddr_unix(&a, "C:\\tmp\\\xE6\x95\xB0.sock"));
    WPT_OK(wp_sockaddr_to_raw(&a, &ss, &len));
    WPT_EQ(len, 2 + strlen("C:\\tmp\\\xE6\x95\xB0.sock") + 1);
    WPT_OK(wp_sockaddr_from_raw(&b, (SOCKADDR *)&ss, len));
    WPT_MEMEQ(&a, &b, sizeof a);
    WPT_OK(wp_sockaddr_unix(&a, NULL));
    WPT_OK(wp_sockaddr_to_raw(&a, &ss, &len));
    WPT_EQ(len, 2);
    WPT_OK(wp_sockaddr_from_raw(&b, (SOCKADDR *)&ss, len));
    WPT_EQ(b.family, AF_UNIX);
    WPT_STREQ(b.path, "");
    {
        char t[16];
        WPT_EQ(wp_sockaddr_format(&b, t, sizeof t), 0);
        WPT_ERR(wp_ip_format(&b, t, sizeof t), WSAEAFNOSUPPORT);
    }
    memset(&a, 0, sizeof a);
    WPT_ERR(wp_sockaddr_to_raw(&a, &ss, &len), WSAEAFNOSUPPORT);
}

/* Raw addresses placed at the very end of a readable page, with an
   inaccessible page after: a read past the given length would crash. */
static void raw_input_is_never_read_past_its_length(void) {
    BYTE *pages = (BYTE *)VirtualAlloc(NULL, 8192, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD old;
    wp_sockaddr a;
    BYTE *end;
    SOCKADDR_IN s4;
    SOCKADDR_IN6 s6;
    WPT_CHECK(pages != NULL);
    WPT_CHECK(VirtualProtect(pages + 4096, 4096, PAGE_NOACCESS, &old));
    end = pages + 4096;
    memset(&s4, 0, sizeof s4);
    s4.sin_family = AF_INET;
    s4.sin_port = htons(1);
    memcpy(end - sizeof s4, &s4, sizeof s4);
    WPT_OK(wp_sockaddr_from_raw(&a, (SOCKADDR *)(end - sizeof s4), (int)sizeof s4));
    WPT_EQ(a.port, 1);
    memset(&s6, 0, sizeof s6);
    s6.sin6_family = AF_INET6;
    memcpy(end - 24, &s6, 24);
    WPT_OK(wp_sockaddr_from_raw(&a, (SOCKADDR *)(end - 24), 24));
    WPT_EQ(a.family, AF_INET6);
    /* AF_UNIX: unnamed (2 bytes), a short path without its NUL, and a short
       length for the other families */
    end[-2] = AF_UNIX;
    end[-1] = 0;
    WPT_OK(wp_sockaddr_from_raw(&a, (SOCKADDR *)(end - 2), 2));
    WPT_EQ(a.family, AF_UNIX);
    memcpy(end - 5, "\x01\x00" "abc", 5);
    WPT_OK(wp_sockaddr_from_raw(&a, (SOCKADDR *)(end - 5), 5));
    WPT_STREQ(a.path, "abc");
    end[-2] = AF_INET;
    end[-1] = 0;
    WPT_ERR(wp_sockaddr_from_raw(&a, (SOCKADDR *)(end - 2), 2), WSAEINVAL);
    end[-2] = AF_INET6;
    WPT_ERR(wp_sockaddr_from_raw(&a, (SOCKADDR *)(end - 2), 2), WSAEINVAL);
    WPT_ERR(wp_sockaddr_from_raw(&a, (SOCKADDR *)(end - 1), 1), WSAEINVAL);
    VirtualFree(pages, 0, MEM_RELEASE);
}

static void raw_input_errors(void) {
    BYTE raw[128];
    wp_sockaddr a;
    memset(raw, 0, sizeof raw);
    raw[0] = 99;
    WPT_ERR(wp_sockaddr_from_raw(&a, (SOCKADDR *)raw, 16), WSAEAFNOSUPPORT);
    raw[0] = AF_INET;
    WPT_ERR(wp_sockaddr_from_raw(&a, (SOCKADDR *)raw, 15), WSAEINVAL);
    raw[0] = AF_INET6;
    WPT_ERR(wp_sockaddr_from_raw(&a, (SOCKADDR *)raw, 23), WSAEINVAL);
    WPT_ERR(wp_sockaddr_from_raw(&a, NULL, 16), WSAEINVAL);
    WPT_ERR(wp_sockaddr_from_raw(&a, (SOCKADDR *)raw, -5), WSAEINVAL);
    /* AF_UNIX: all zeros at full length is unnamed; a NUL then bytes is
       Linux's abstract namespace, which Windows lacks */
    raw[0] = AF_UNIX;
    WPT_OK(wp_sockaddr_from_raw(&a, (SOCKADDR *)raw, 110));
    WPT_STREQ(a.path, "");
    raw[3] = 'x';
    WPT_ERR(wp_sockaddr_from_raw(&a, (SOCKADDR *)raw, 110), WSAEINVAL);
    memset(raw + 2, 'p', 108); /* 108 bytes and no NUL: no room for ours */
    WPT_ERR(wp_sockaddr_from_raw(&a, (SOCKADDR *)raw, 110), WSAENAMETOOLONG);
    raw[2] = (BYTE)0xC3;
    raw[3] = '(';
    raw[4] = 0;
    WPT_ERR(wp_sockaddr_from_raw(&a, (SOCKADDR *)raw, 110), ERROR_NO_UNICODE_TRANSLATION);
}

static void unix_paths_are_checked_never_cut(void) {
    char path[120];
    wp_sockaddr a;
    memset(path, 'u', sizeof path);
    path[107] = 0;
    WPT_OK(wp_sockaddr_unix(&a, path));
    WPT_EQ(strlen(a.path), 107);
    path[107] = 'u';
    path[108] = 0;
    WPT_ERR(wp_sockaddr_unix(&a, path), WSAENAMETOOLONG);
    WPT_EQ(a.family, 0);
    WPT_ERR(wp_sockaddr_unix(&a, "bad\xFF"), ERROR_NO_UNICODE_TRANSLATION);
    WPT_OK(wp_sockaddr_unix(&a, "C:\\x.sock"));
    {
        char t[64];
        WPT_EQ(wp_sockaddr_format(&a, t, sizeof t), 9);
        WPT_STREQ(t, "C:\\x.sock");
    }
}

/* ---- sockets on loopback ---- */

static void tcp_on_loopback(int family) {
    static const unsigned char lo6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    static const unsigned char lo4[4] = { 127, 0, 0, 1 };
    SOCKET l, c, s;
    wp_sockaddr any, bound, peer, cname, cpeer;
    char buf[16], t1[64], t2[64];
    if (family == AF_INET) wp_sockaddr_ip4(&any, lo4, 0);
    else wp_sockaddr_ip6(&any, lo6, 0, 0);
    WPT_OK(wp_socket(family, SOCK_STREAM, IPPROTO_TCP, &l));
    WPT_OK(wp_bind(l, &any));
    WPT_OK(wp_listen(l, -1));
    WPT_OK(wp_getsockname(l, &bound));
    WPT_NE(bound.port, 0);
    WPT_OK(wp_socket(family, SOCK_STREAM, IPPROTO_TCP, &c));
    WPT_OK(wp_connect(c, &bound));
    WPT_OK(wp_accept(l, &s, &peer));
    WPT_OK(wp_getsockname(c, &cname));
    WPT_OK(wp_getpeername(c, &cpeer));
    WPT_MEMEQ(&cpeer, &bound, sizeof bound);
    WPT_OK(wp_sockaddr_format(&cname, t1, sizeof t1));
    WPT_OK(wp_sockaddr_format(&peer, t2, sizeof t2));
    WPT_STREQ(t1, t2);
    WPT_CHECK(strncmp(t1, family == AF_INET ? "127.0.0.1:" : "[::1]:", family == AF_INET ? 10 : 6) == 0);
    WPT_EQ(wp_sendto(c, "ping", 4, 0, NULL), 4);
    WPT_EQ(wp_recvfrom(s, buf, sizeof buf, 0, NULL), 4);
    WPT_MEMEQ(buf, "ping", 4);
    WPT_OK(wp_shutdown(c, SD_SEND));
    WPT_EQ(wp_recvfrom(s, buf, sizeof buf, 0, NULL), 0);
    WPT_EQ(wp_sendto(s, "pong", 4, 0, NULL), 4); /* the other direction still works */
    WPT_EQ(wp_recvfrom(c, buf, sizeof buf, 0, NULL), 4);
    WPT_ERR(wp_sendto(c, "x", 1, 0, NULL), WSAESHUTDOWN);
    {
        DWORD flags = 1;
        WPT_CHECK(GetHandleInformation((HANDLE)s, &flags));
        WPT_EQ(flags & HANDLE_FLAG_INHERIT, 0);
        WPT_CHECK(GetHandleInformation((HANDLE)c, &flags));
        WPT_EQ(flags & HANDLE_FLAG_INHERIT, 0);
    }
    WPT_OK(wp_closesocket(s));
    WPT_OK(wp_closesocket(c));
    WPT_OK(wp_closesocket(l));
}

static void tcp_on_ipv4_loopback(void) { tcp_on_loopback(AF_INET); }
static void tcp_on_ipv6_loopback(void) { tcp_on_loopback(AF_INET6); }

static void udp_on_loopback(int family) {
    SOCKET a, b;
    wp_sockaddr la, lb, from;
    char buf[64];
    WPT_OK(wp_ip_parse(&la, family == AF_INET ? "127.0.0.1" : "::1"));
    lb = la;
    WPT_OK(wp_socket(family, SOCK_DGRAM, IPPROTO_UDP, &a));
    WPT_OK(wp_socket(family, SOCK_DGRAM, IPPROTO_UDP, &b));
    WPT_OK(wp_bind(a, &la));
    WPT_OK(wp_bind(b, &lb));
    WPT_OK(wp_getsockname(a, &la));
    WPT_OK(wp_getsockname(b, &lb));
    WPT_EQ(wp_sendto(a, "datagram", 8, 0, &lb), 8);
    WPT_EQ(wp_recvfrom(b, buf, sizeof buf, 0, &from), 8);
    WPT_MEMEQ(buf, "datagram", 8);
    WPT_MEMEQ(&from, &la, sizeof la);
    /* a zero-byte datagram is a datagram */
    WPT_EQ(wp_sendto(a, "", 0, 0, &lb), 0);
    WPT_EQ(wp_recvfrom(b, buf, sizeof buf, 0, &from), 0);
    /* too long for the buffer: its first bytes and WSAEMSGSIZE */
    WPT_EQ(wp_sendto(a, "0123456789abcdef", 16, 0, &lb), 16);
    WPT_ERR(wp_recvfrom(b, buf, 10, 0, &from), WSAEMSGSIZE);
    WPT_MEMEQ(buf, "0123456789", 10);
    WPT_OK(wp_closesocket(a));
    WPT_OK(wp_closesocket(b));
}

static void udp_on_ipv4_loopback(void) { udp_on_loopback(AF_INET); }
static void udp_on_ipv6_loopback(void) { udp_on_loopback(AF_INET6); }

static void dual_stack_listener_takes_ipv4(void) {
    SOCKET l, c, s;
    wp_sockaddr any, bound, to, peer;
    int v6only = -1;
    char t[64], want[64];
    WPT_OK(wp_socket_dual_stack(SOCK_STREAM, IPPROTO_TCP, &l));
    WPT_OK(wp_getsockopt_int(l, IPPROTO_IPV6, IPV6_V6ONLY, &v6only));
    WPT_EQ(v6only, 0);
    WPT_OK(wp_ip_parse(&any, "::"));
    WPT_OK(wp_bind(l, &any));
    WPT_OK(wp_listen(l, 8));
    WPT_OK(wp_getsockname(l, &bound));
    WPT_OK(wp_ip_parse(&to, "127.0.0.1"));
    to.port = bound.port;
    WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &c));
    WPT_OK(wp_connect(c, &to));
    WPT_OK(wp_accept(l, &s, &peer));
    WPT_EQ(peer.family, AF_INET6);
    WPT_OK(wp_sockaddr_format(&peer, t, sizeof t));
    WPT_OK(wp_getsockname(c, &to));
    snprintf(want, sizeof want, "[::ffff:127.0.0.1]:%u", (unsigned)to.port);
    WPT_STREQ(t, want);
    wp_closesocket(s);
    wp_closesocket(c);
    wp_closesocket(l);
}

#define OPT_ROUND_TRIP(sock, level, name, value) \
    do { \
        int got_ = -12345; \
        WPT_OK(wp_setsockopt_int((sock), (level), (name), (value))); \
        WPT_OK(wp_getsockopt_int((sock), (level), (name), &got_)); \
        WPT_EQ(got_, (value)); \
    } while (0)

static void options_set_and_read_back(void) {
    SOCKET t, u, u6;
    int v, on, secs;
    WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &t));
    WPT_OK(wp_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP, &u));
    WPT_OK(wp_socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP, &u6));
    OPT_ROUND_TRIP(t, IPPROTO_TCP, TCP_NODELAY, 1);
    OPT_ROUND_TRIP(t, IPPROTO_TCP, TCP_NODELAY, 0);
    OPT_ROUND_TRIP(t, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1);
    OPT_ROUND_TRIP(t, SOL_SOCKET, SO_RCVTIMEO, 1234);
    OPT_ROUND_TRIP(t, SOL_SOCKET, SO_SNDTIMEO, 4321);
    OPT_ROUND_TRIP(u, SOL_SOCKET, SO_BROADCAST, 1);
    OPT_ROUND_TRIP(u, IPPROTO_IP, IP_MULTICAST_TTL, 7);
    OPT_ROUND_TRIP(u, IPPROTO_IP, IP_MULTICAST_LOOP, 0);
    OPT_ROUND_TRIP(u, IPPROTO_IP, IP_MULTICAST_LOOP, 1);
    OPT_ROUND_TRIP(u6, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 5);
    OPT_ROUND_TRIP(u6, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
    OPT_ROUND_TRIP(u6, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    /* buffer sizes: at least what was asked (Linux, under Wine, doubles it) */
    WPT_OK(wp_setsockopt_int(t, SOL_SOCKET, SO_RCVBUF, 65536));
    WPT_OK(wp_getsockopt_int(t, SOL_SOCKET, SO_RCVBUF, &v));
    WPT_CHECK(v >= 65536);
    WPT_OK(wp_setsockopt_int(t, SOL_SOCKET, SO_SNDBUF, 32768));
    WPT_OK(wp_getsockopt_int(t, SOL_SOCKET, SO_SNDBUF, &v));
    WPT_CHECK(v >= 32768);
    WPT_OK(wp_set_keepalive(t, 1, 30000, 2000));
    WPT_OK(wp_getsockopt_int(t, SOL_SOCKET, SO_KEEPALIVE, &v));
    WPT_EQ(v != 0, 1);
    WPT_OK(wp_set_keepalive(t, 0, 0, 0));
    WPT_OK(wp_getsockopt_int(t, SOL_SOCKET, SO_KEEPALIVE, &v));
    WPT_EQ(v, 0);
    WPT_OK(wp_set_linger(t, 1, 5));
    WPT_OK(wp_get_linger(t, &on, &secs));
    WPT_EQ(on, 1);
    WPT_EQ(secs, 5);
    WPT_OK(wp_set_linger(t, 0, 0));
    WPT_OK(wp_get_linger(t, &on, &secs));
    WPT_EQ(on, 0);
    WPT_ERR(wp_set_linger(t, 1, -1), ERROR_INVALID_PARAMETER);
    WPT_OK(wp_getsockopt_int(t, SOL_SOCKET, SO_ERROR, &v));
    WPT_EQ(v, 0);
    WPT_OK(wp_getsockopt_int(t, SOL_SOCKET, SO_TYPE, &v));
    WPT_EQ(v, SOCK_STREAM);
    WPT_OK(wp_getsockopt_int(u, SOL_SOCKET, SO_TYPE, &v));
    WPT_EQ(v, SOCK_DGRAM);
    WPT_ERR(wp_getsockopt_int(t, SOL_SOCKET, 0x7777, &v), WSAENOPROTOOPT);
    WPT_ERR(wp_getsockopt_int(t, SOL_SOCKET, SO_TYPE, NULL), ERROR_INVALID_PARAMETER);
    wp_closesocket(t);
    wp_closesocket(u);
    wp_closesocket(u6);
}

static void errors_from_real_calls(void) {
    SOCKET a, b;
    wp_sockaddr to, any;
    long long r;
    WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &a));
    WPT_OK(wp_ip_parse(&any, "127.0.0.1"));
    WPT_OK(wp_bind(a, &any));
    WPT_OK(wp_getsockname(a, &to));
    WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &b));
    WPT_ERR(wp_bind(b, &to), WSAEADDRINUSE);
    wp_closesocket(a); /* nothing listens on to.port now */
    r = wp_connect(b, &to);
    WPT_ERR(r, WSAECONNREFUSED);
    wp_closesocket(b);
    WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &a));
    WPT_ERR(wp_getpeername(a, &to), WSAENOTCONN);
    WPT_ERR(wp_connect(a, NULL), ERROR_INVALID_PARAMETER);
    memset(&to, 0, sizeof to);
    WPT_ERR(wp_bind(a, &to), WSAEAFNOSUPPORT);
    wp_closesocket(a);
    WPT_ERR(wp_socket(12345, SOCK_STREAM, 0, &a), WSAEAFNOSUPPORT);
    WPT_CHECK(a == INVALID_SOCKET);
    WPT_ERR(wp_closesocket(a), WSAENOTSOCK);
}

static void multicast(int family) {
    SOCKET s;
    wp_sockaddr any, group;
    long long r;
    static char reason[160];
    WPT_OK(wp_ip_parse(&any, family == AF_INET ? "0.0.0.0" : "::"));
    WPT_OK(wp_ip_parse(&group, family == AF_INET ? "239.255.42.99" : "ff15::4299"));
    WPT_OK(wp_socket(family, SOCK_DGRAM, IPPROTO_UDP, &s));
    WPT_OK(wp_bind(s, &any));
    /* IPv4: the system's interface; IPv6: interface 1, the loopback on Windows
       and on Linux under Wine */
    r = wp_multicast_join(s, &group, family == AF_INET ? 0 : 1);
    if (r < 0) {
        char text[100];
        wp_strerror(r, text, sizeof text);
        snprintf(reason, sizeof reason, "the stack refused the join: %s (%s)", wp_error_name(r), text);
        wp_closesocket(s);
        WPT_SKIP(reason);
    }
    WPT_OK(wp_multicast_leave(s, &group, family == AF_INET ? 0 : 1));
    WPT_CHECK(wp_multicast_leave(s, &group, family == AF_INET ? 0 : 1) < 0); /* not a member now */
    WPT_OK(wp_closesocket(s));
}

static void multicast_ipv4(void) { multicast(AF_INET); }
static void multicast_ipv6(void) { multicast(AF_INET6); }

static void getaddrinfo_numeric_and_names(void) {
    wp_sockaddr out[8];
    char t[64];
    int n;
    n = wp_getaddrinfo("127.0.0.1", 80, AF_UNSPEC, WINPOLL_AI_NUMERIC, out, 8);
    WPT_EQ(n, 1);
    WPT_OK(wp_sockaddr_format(&out[0], t, sizeof t));
    WPT_STREQ(t, "127.0.0.1:80");
    n = wp_getaddrinfo("::1", 443, AF_INET6, WINPOLL_AI_NUMERIC, out, 8);
    WPT_EQ(n, 1);
    WPT_OK(wp_sockaddr_format(&out[0], t, sizeof t));
    WPT_STREQ(t, "[::1]:443");
    /* Wine gives localhost only 127.0.0.1 (wine-notes 2); ask for IPv4 */
    n = wp_getaddrinfo("localhost", 7, AF_INET, 0, out, 8);
    WPT_CHECK(n >= 1);
    WPT_OK(wp_sockaddr_format(&out[0], t, sizeof t));
    WPT_STREQ(t, "127.0.0.1:7");
    WPT_EQ(wp_getaddrinfo("127.0.0.1", 1, AF_INET, 0, NULL, 0), 1); /* count only */
    WPT_CHECK(wp_getaddrinfo("localhost", 1, AF_UNSPEC, WINPOLL_AI_NUMERIC, out, 8) < 0);
    /* an IPv4 literal yields no IPv6 address: an error (Wine 8 answers with
       Linux's EAI_ADDRFAMILY, -9, which must not read as a count of 9) */
    n = wp_getaddrinfo("1.2.3.4", 1, AF_INET6, WINPOLL_AI_NUMERIC, out, 8);
    WPT_CHECK(n < 0);
    WPT_ERR(wp_getaddrinfo(NULL, 1, AF_UNSPEC, 0, out, 8), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_getaddrinfo("x", 1, 99, 0, out, 8), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_getaddrinfo("x", 1, AF_UNSPEC, 0x100, out, 8), ERROR_INVALID_PARAMETER);
    WPT_ERR(wp_getaddrinfo("bad\xFF", 1, AF_UNSPEC, 0, out, 8), ERROR_NO_UNICODE_TRANSLATION);
}

/* The extension functions are loaded, and AcceptEx from the table accepts a
   real connection whose addresses GetAcceptExSockaddrs reads back. */
static void extension_functions_are_loaded_and_work(void) {
    SOCKET l, c, s;
    wp_sockaddr lo, bound, cname, remote;
    OVERLAPPED ov;
    char buf[2 * (sizeof(SOCKADDR_IN6) + 16)];
    DWORD got = 0;
    SOCKADDR *lp, *rp;
    int llen, rlen;
    WPT_OK(wp_init());
    WPT_CHECK(wp__imports.AcceptEx != NULL);
    WPT_CHECK(wp__imports.GetAcceptExSockaddrs != NULL);
    WPT_CHECK(wp__imports.ConnectEx != NULL);
    WPT_CHECK(wp__imports.DisconnectEx != NULL);
    WPT_CHECK(wp__imports.TransmitFile != NULL);
    WPT_CHECK(wp__imports.WSARecvMsg != NULL);
    WPT_CHECK(wp__imports.WSASendMsg != NULL);
    /* overlapped sockets whatever the mode */
    l = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    WPT_CHECK(l != INVALID_SOCKET && s != INVALID_SOCKET);
    WPT_OK(wp_ip_parse(&lo, "127.0.0.1"));
    WPT_OK(wp_bind(l, &lo));
    WPT_OK(wp_listen(l, 4));
    WPT_OK(wp_getsockname(l, &bound));
    memset(&ov, 0, sizeof ov);
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!wp__imports.AcceptEx(l, s, buf, 0, sizeof(SOCKADDR_IN6) + 16, sizeof(SOCKADDR_IN6) + 16, &got, &ov))
        WPT_EQ(WSAGetLastError(), ERROR_IO_PENDING);
    WPT_OK(wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &c));
    WPT_OK(wp_connect(c, &bound));
    WPT_EQ(WaitForSingleObject(ov.hEvent, 10000), WAIT_OBJECT_0);
    WPT_CHECK(GetOverlappedResult((HANDLE)l, &ov, &got, FALSE));
    wp__imports.GetAcceptExSockaddrs(buf, 0, sizeof(SOCKADDR_IN6) + 16, sizeof(SOCKADDR_IN6) + 16, &lp, &llen, &rp,
                                     &rlen);
    WPT_OK(wp_sockaddr_from_raw(&remote, rp, rlen));
    WPT_OK(wp_getsockname(c, &cname));
    WPT_MEMEQ(&remote, &cname, sizeof cname);
    CloseHandle(ov.hEvent);
    closesocket(c);
    closesocket(s);
    closesocket(l);
}

static void unix_sockets(void) {
    SOCKET l, c, s;
    wp_sockaddr addr, got;
    char dir[1024], path[1200], buf[8];
    SUITE_UNIX_SOCKET(&l);
    WPT_CHECK(suite_tempdir(dir, sizeof dir, "afunix"));
    /* the folder name has multi-byte characters; keep the path short */
    snprintf(path, sizeof path, "%s\\s", dir);
    WPT_OK(wp_sockaddr_unix(&addr, path));
    WPT_OK(wp_bind(l, &addr));
    WPT_OK(wp_listen(l, 4));
    WPT_OK(wp_getsockname(l, &got));
    WPT_STREQ(got.path, path);
    WPT_OK(wp_socket(AF_UNIX, SOCK_STREAM, 0, &c));
    WPT_OK(wp_connect(c, &addr));
    WPT_OK(wp_accept(l, &s, NULL));
    WPT_EQ(wp_sendto(c, "unix", 4, 0, NULL), 4);
    WPT_EQ(wp_recvfrom(s, buf, sizeof buf, 0, NULL), 4);
    WPT_MEMEQ(buf, "unix", 4);
    wp_closesocket(s);
    wp_closesocket(c);
    wp_closesocket(l);
    suite_rmtree(dir);
}

static const wpt_case cases[] = {
    WPT_CASE(sockaddr_text_round_trips),
    WPT_CASE(sockaddr_text_rejects_bad_input),
    WPT_CASE(ipv6_text_agrees_with_the_system),
    WPT_CASE(raw_round_trips_keep_every_field),
    WPT_CASE(raw_input_is_never_read_past_its_length),
    WPT_CASE(raw_input_errors),
    WPT_CASE(unix_paths_are_checked_never_cut),
    WPT_CASE(tcp_on_ipv4_loopback),
    WPT_CASE(tcp_on_ipv6_loopback),
    WPT_CASE(udp_on_ipv4_loopback),
    WPT_CASE(udp_on_ipv6_loopback),
    WPT_CASE(dual_stack_listener_takes_ipv4),
    WPT_CASE(options_set_and_read_back),
    WPT_CASE(errors_from_real_calls),
    WPT_CASE(multicast_ipv4),
    WPT_CASE(multicast_ipv6),
    WPT_CASE(getaddrinfo_numeric_and_names),
    WPT_CASE(extension_functions_are_loaded_and_work),
    WPT_CASE(unix_sockets),
};

WPT_MAIN(cases)
