/* test_badinput.c - the table of bad inputs: each row one call with input
   nobody should pass, and the documented answer it must give. The last
   test checks that the whole table left no handle and no byte behind.
   Rows are listed once, in ROWS below; each becomes a test of its own.
   (Operations on closed FDs: test_fd; the FD mutex's counters overflowing:
   test_fd; raw SOCKADDRs read past their length: test_sock; random text:
   test_fuzz.) */
#define SUITE_COUNT_BYTES

#include "suite.h"

static wp_loop loop;
static wp_fd live_a, live_b, closed_fd, udp;
static long handles_before = -1;
static LONG64 bytes_before;
static char buf[64];

/* What the rows work on: a connected, attached TCP pair; a closed socket
   FD; an attached UDP socket. Made by the first row. */
static void fixtures(void) {
    SOCKET s;
    wp_sockaddr lo;
    if (handles_before >= 0) return;
    /* Winsock makes its own handles on first use: let it, then count */
    wp_init();
    wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &s);
    wp_closesocket(s);
    wp_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP, &s);
    wp_closesocket(s);
    handles_before = suite_handle_count();
    bytes_before = bytes_held;
    wp_loop_init(&loop);
    suite_fd_pair(&loop, AF_INET, &live_a, &live_b);
    wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &s);
    wp_fd_init(&closed_fd, (HANDLE)s, 0);
    wp_fd_attach(&closed_fd, &loop);
    wp_fd_close(&closed_fd);
    wp_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP, &s);
    wp_ip_parse(&lo, "127.0.0.1");
    wp_bind(s, &lo);
    wp_fd_init(&udp, (HANDLE)s, 0);
    wp_fd_attach(&udp, &loop);
}

static wp_sockaddr addr_of(const char *text) {
    wp_sockaddr a;
    memset(&a, 0, sizeof a);
    wp_sockaddr_parse(&a, text);
    return a;
}

static wp_sockaddr family(unsigned short f) {
    wp_sockaddr a;
    memset(&a, 0, sizeof a);
    a.family = f;
    return a;
}

static long long raw_len(int len) {
    SOCKADDR_IN in;
    wp_sockaddr a;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    return wp_sockaddr_from_raw(&a, (SOCKADDR *)&in, len);
}

static long long unix_path(size_t n) {
    char p[300];
    wp_sockaddr a;
    memset(p, 'u', n);
    p[n] = 0;
    return wp_sockaddr_unix(&a, p);
}

static long long iov_call(int count, const void *base, size_t len) {
    wp_iovec v[2];
    v[0].base = "ok";
    v[0].len = 2;
    v[1].base = base;
    v[1].len = len;
    return wp_fd_writev(&live_a, count == 0 ? NULL : v, count);
}

static long long readmsg_call(void *control, size_t control_len) {
    return wp_fd_readmsg(&udp, buf, sizeof buf, control, &control_len, NULL, NULL);
}

static long long strerror_null(void) { /* the size rule: the length, nothing written */
    return wp_strerror(-ERROR_FILE_NOT_FOUND, NULL, 0) > 0 ? 0 : -1;
}

static long long far_deadline_then_read(void) {
    long long r;
    wp_fd_set_deadline(&live_b, WINPOLL_DEADLINE_READ, 0x7FFFFFFFFFFFFFFFll);
    wp_fd_write(&live_a, "far", 3);
    r = wp_fd_read(&live_b, buf, sizeof buf);
    wp_fd_set_deadline(&live_b, WINPOLL_DEADLINE_READ, 0);
    return r;
}

static long long past_deadline_then_read(void) {
    long long r;
    wp_fd_set_deadline(&live_b, WINPOLL_DEADLINE_READ, 1);
    r = wp_fd_read(&live_b, buf, sizeof buf);
    wp_fd_set_deadline(&live_b, WINPOLL_DEADLINE_READ, 0);
    return r;
}

static long long utf8_invalid(void) {
    WCHAR w[8];
    return wp_utf8_to_utf16("a\xC0\x80", 3, w, 8);
}

static long long text_with_nul_inside(void) { /* a path with a NUL in it would name another file */
    WCHAR w[8];
    return wp_utf8_to_utf16("a\0b", 3, w, 8);
}

static long long utf16_lone_surrogate(void) { /* Go's rule: U+FFFD, 3 bytes */
    WCHAR w[1];
    char out[8];
    w[0] = 0xD800;
    return wp_utf16_to_utf8(w, 1, out, sizeof out);
}

static long long read_into_nothing(void) { return wp_fd_read(&live_b, NULL, 4); }
static long long zero_length_write(void) { return wp_fd_write(&live_a, buf, 0); }
static long long write_from_nothing(void) { return wp_fd_write(&live_a, NULL, 4); }

static long long async_on_closed(void) {
    wp_async a;
    return wp_async_read(&a, &closed_fd, buf, sizeof buf);
}

static long long async_writeto_unix(void) { /* Windows has no AF_UNIX datagrams */
    wp_async a;
    wp_sockaddr to;
    wp_sockaddr_unix(&to, "x.sock");
    return wp_async_writeto(&a, &udp, "x", 1, &to);
}

static long long async_accept_into_listener(void) { /* the listener can't be its own new FD */
    wp_async a;
    return wp_async_accept(&a, &live_a, &live_a, NULL, NULL);
}

static long long connect_unknown_family(void) {
    wp_sockaddr a = family(99);
    wp_fd fd;
    SOCKET s;
    long long r;
    wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &s);
    wp_fd_init(&fd, (HANDLE)s, 0);
    wp_fd_attach(&fd, &loop);
    r = wp_fd_connect(&fd, &a);
    wp_fd_close(&fd);
    return r;
}

static long long writeto_unknown_family(void) {
    wp_sockaddr a = family(12345);
    return wp_fd_writeto(&udp, "x", 1, &a);
}

static long long to_raw_unknown(void) {
    wp_sockaddr a = family(99);
    SOCKADDR_STORAGE ss;
    int len;
    return wp_sockaddr_to_raw(&a, &ss, &len);
}

static long long open_invalid_utf8(void) {
    HANDLE h;
    return wp_open("C:\\bad\xFF\xFEname", WINPOLL_O_RDONLY, 0, &h);
}

static long long stat_invalid_utf8(void) {
    wp_file_info fi;
    return wp_stat("\xE0\x80\x80", &fi);
}

static long long unix_invalid_utf8(void) {
    wp_sockaddr a;
    return wp_sockaddr_unix(&a, "sock\xFF");
}

static long long fd_init_invalid_handle(void) {
    wp_fd fd;
    return wp_fd_init(&fd, INVALID_HANDLE_VALUE, 0);
}

static long long fd_init_null_handle(void) {
    wp_fd fd;
    return wp_fd_init(&fd, NULL, 0);
}

static long long fd_init_bad_kind(void) {
    wp_fd fd;
    return wp_fd_init(&fd, GetCurrentProcess(), 99);
}

static long long read_invalid_handle(void) { return wp_read(INVALID_HANDLE_VALUE, buf, 1); }
static long long kind_of_invalid(void) { return wp_handle_kind(NULL); }
static long long close_twice(void) { return wp_fd_close(&closed_fd); }
static long long null_fd_read(void) { return wp_fd_read(NULL, buf, 1); }
static long long null_fd_write(void) { return wp_fd_write(NULL, buf, 1); }
static long long null_fd_seek(void) { return wp_fd_seek(NULL, 0, WINPOLL_SEEK_SET); }
static long long null_fd_stat(void) {
    wp_file_info fi;
    return wp_fd_stat(NULL, &fi);
}
static long long null_fd_pread(void) { return wp_fd_pread(NULL, buf, 1, 0); }
static long long null_fd_close(void) { return wp_fd_close(NULL); }
static long long negative_deadline(void) { return wp_fd_set_deadline(&live_b, WINPOLL_DEADLINE_READ, -5); }
static long long deadline_which_zero(void) { return wp_fd_set_deadline(&live_b, 0, 0); }
static long long deadline_which_four(void) { return wp_fd_set_deadline(&live_b, 4, 0); }
static long long poll_negative_timeout(void) {
    wp_async *out[1];
    return wp_loop_poll(&loop, out, 1, -7);
}
static long long poll_no_room(void) {
    wp_async *out[1];
    return wp_loop_poll(&loop, out, -1, 0);
}
static long long attach_twice(void) { return wp_fd_attach(&live_a, &loop); }
static long long loop_init_null(void) { return wp_loop_init(NULL); }
static long long negative_pread_offset(void) { return wp_fd_pread(&live_a, buf, 1, -1); }
static long long seek_on_socket(void) { return wp_fd_seek(&live_a, 0, WINPOLL_SEEK_SET); }
static long long socket_unknown_family(void) {
    SOCKET s;
    return wp_socket(12345, SOCK_STREAM, 0, &s);
}
static long long datagram_too_big(void) {
    wp_sockaddr to = addr_of("127.0.0.1:9");
    return wp_fd_writeto(&udp, buf, (size_t)0x80000000u, &to);
}

/* ---- lengths above 4 GiB ----
   Each call takes at most 1 GiB of a longer buffer and says how much it
   moved; none may cut the length to 32 bits. Cut, 4 GiB + 5 is 5 and 4 GiB
   is 0 (a read of 0 bytes that looks like the end of the stream), so a read
   of 10 waiting bytes tells the two apart. The buffer is 4 GiB + 64 KiB of
   committed memory. A socket read touches all of the 1 GiB it is given
   (Wine does, and Windows locks the pages): the first one takes about 3 s
   under Wine and leaves 1 GiB resident. Where the system won't commit that
   much, these rows skip and say so. */
#define FOUR_GIB ((size_t)1 << 32)
#define NO_HUGE_BUFFER (-0x7FFFFFFFFFFFFF00ll) /* a row's "skip me" */
static unsigned char *huge_buffer;

static unsigned char *huge(void) {
    static int tried;
    if (!tried) {
        tried = 1;
        huge_buffer = (unsigned char *)VirtualAlloc(NULL, FOUR_GIB + 65536, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    }
    return huge_buffer;
}

static long long socket_read_4gib_plus_5(void) {
    if (huge() == NULL) return NO_HUGE_BUFFER;
    wp_fd_write(&live_a, "0123456789", 10);
    return wp_fd_read(&live_b, huge(), FOUR_GIB + 5);
}

static long long socket_read_exactly_4gib(void) {
    if (huge() == NULL) return NO_HUGE_BUFFER;
    wp_fd_write(&live_a, "abc", 3);
    return wp_fd_read(&live_b, huge(), FOUR_GIB);
}

static long long async_read_4gib(void) {
    wp_async a, *out[1];
    long long r;
    int tries;
    if (huge() == NULL) return NO_HUGE_BUFFER;
    wp_fd_write(&live_a, "wxyz", 4);
    r = wp_async_read(&a, &live_b, huge(), FOUR_GIB);
    if (r < 0) return r;
    for (tries = 0; tries < 50; tries++) /* 5 s at most */
        if (wp_loop_poll(&loop, out, 1, 100) == 1) return out[0]->result;
    return -WAIT_TIMEOUT;
}

/* A file of 10 bytes, read through the raw call (offset 0) or pread (from
   offset 2). */
static long long file_read(int through_fd) {
    char dir[MAX_PATH * 3], path[MAX_PATH * 3];
    HANDLE h;
    long long r;
    if (huge() == NULL) return NO_HUGE_BUFFER;
    if (!suite_tempdir(dir, sizeof dir, "huge")) return -ERROR_PATH_NOT_FOUND;
    suite_join(path, sizeof path, dir, "ten");
    suite_write_file(path, "0123456789");
    r = wp_open(path, WINPOLL_O_RDONLY, 0, &h);
    if (r == 0 && !through_fd) {
        r = wp_read(h, huge(), FOUR_GIB + 5);
        wp_close(h);
    } else if (r == 0) {
        wp_fd fd;
        r = wp_fd_init(&fd, h, 0);
        if (r == 0) {
            r = wp_fd_pread(&fd, huge(), FOUR_GIB + 5, 2);
            wp_fd_close(&fd);
        } else {
            wp_close(h);
        }
    }
    suite_rmtree(dir);
    return r;
}
static long long file_read_4gib_plus_5(void) { return file_read(0); }
static long long file_pread_4gib_plus_5(void) { return file_read(1); }

/* A write of 4 GiB + 3 (as one buffer, or as one element of writev) on a
   fresh pair, cut short by a write deadline 200 ms away while nobody
   reads: it must have moved more than 3 bytes, and exactly what it reports
   must arrive. Returns 0 when both hold, else what it returned (or -1 when
   the count that arrived differs). */
static long long huge_write(int vectored) {
    wp_fd a, b;
    wp_iovec v[1];
    static char drain[65536];
    long long r, got = 0, n;
    if (huge() == NULL) return NO_HUGE_BUFFER;
    if (!suite_fd_pair(&loop, AF_INET, &a, &b)) return -ERROR_NOT_CONNECTED;
    wp_fd_set_deadline(&a, WINPOLL_DEADLINE_WRITE, wp_monotonic_ns() + 200000000);
    v[0].base = huge();
    v[0].len = FOUR_GIB + 3;
    r = vectored ? wp_fd_writev(&a, v, 1) : wp_fd_write(&a, huge(), FOUR_GIB + 3);
    wp_fd_set_deadline(&b, WINPOLL_DEADLINE_READ, wp_monotonic_ns() + 500000000);
    while ((n = wp_fd_read(&b, drain, sizeof drain)) > 0) got += n; /* until the deadline: nothing more comes */
    wp_fd_close(&a);
    wp_fd_close(&b);
    if (r > 3 && got == r) return 0;
    return r != got && r > 3 ? -1 : r;
}
static long long socket_write_4gib_plus_3(void) { return huge_write(0); }
static long long socket_writev_4gib_plus_3(void) { return huge_write(1); }

/* A row: the call, and what it must return (RESULT_OK: any result >= 0). */
#define RESULT_OK 1
#define ROWS(X) \
    X(null_fd_read, -ERROR_INVALID_PARAMETER) \
    X(null_fd_write, -ERROR_INVALID_PARAMETER) \
    X(null_fd_seek, -ERROR_INVALID_PARAMETER) \
    X(null_fd_stat, -ERROR_INVALID_PARAMETER) \
    X(null_fd_pread, -ERROR_INVALID_PARAMETER) \
    X(null_fd_close, -ERROR_INVALID_PARAMETER) \
    X(read_into_nothing, -ERROR_INVALID_PARAMETER) \
    X(write_from_nothing, -ERROR_INVALID_PARAMETER) \
    X(zero_length_write, 0) \
    X(fd_init_invalid_handle, -ERROR_INVALID_HANDLE) \
    X(fd_init_null_handle, -ERROR_INVALID_HANDLE) \
    X(fd_init_bad_kind, -ERROR_INVALID_PARAMETER) \
    X(read_invalid_handle, -ERROR_INVALID_HANDLE) \
    X(kind_of_invalid, -ERROR_INVALID_HANDLE) \
    X(close_twice, -WINPOLL_ERR_NET_CLOSING) \
    X(async_on_closed, -WINPOLL_ERR_NET_CLOSING) \
    X(async_writeto_unix, -WSAEAFNOSUPPORT) \
    X(async_accept_into_listener, -ERROR_INVALID_PARAMETER) \
    X(attach_twice, -ERROR_INVALID_PARAMETER) \
    X(loop_init_null, -ERROR_INVALID_PARAMETER) \
    X(socket_unknown_family, -WSAEAFNOSUPPORT) \
    X(to_raw_unknown, -WSAEAFNOSUPPORT) \
    X(connect_unknown_family, -WSAEAFNOSUPPORT) \
    X(writeto_unknown_family, -WSAEAFNOSUPPORT) \
    X(truncated_ipv4_sockaddr, -WSAEINVAL) \
    X(negative_sockaddr_length, -WSAEINVAL) \
    X(unix_path_of_107_bytes, 0) \
    X(unix_path_of_108_bytes, -WSAENAMETOOLONG) \
    X(unix_invalid_utf8, -ERROR_NO_UNICODE_TRANSLATION) \
    X(open_invalid_utf8, -ERROR_NO_UNICODE_TRANSLATION) \
    X(stat_invalid_utf8, -ERROR_NO_UNICODE_TRANSLATION) \
    X(utf8_invalid, -ERROR_NO_UNICODE_TRANSLATION) \
    X(text_with_nul_inside, -ERROR_INVALID_PARAMETER) \
    X(utf16_lone_surrogate, 3) \
    X(writev_negative_count, -ERROR_INVALID_PARAMETER) \
    X(writev_null_array, -ERROR_INVALID_PARAMETER) \
    X(writev_null_buffer, -ERROR_INVALID_PARAMETER) \
    X(writev_zero_buffers, 0) \
    X(readmsg_control_without_buffer, -ERROR_INVALID_PARAMETER) \
    X(datagram_too_big, -WSAEMSGSIZE) \
    X(negative_deadline, -ERROR_INVALID_PARAMETER) \
    X(deadline_which_zero, -ERROR_INVALID_PARAMETER) \
    X(deadline_which_four, -ERROR_INVALID_PARAMETER) \
    X(past_deadline_then_read, -WINPOLL_ERR_DEADLINE) \
    X(far_deadline_then_read, 3) \
    X(poll_negative_timeout, -ERROR_INVALID_PARAMETER) \
    X(poll_no_room, -ERROR_INVALID_PARAMETER) \
    X(negative_pread_offset, -ERROR_NEGATIVE_SEEK) \
    X(seek_on_socket, -ERROR_SEEK_ON_DEVICE) \
    X(strerror_null_buffer, 0) \
    X(socket_read_4gib_plus_5, 10) \
    X(socket_read_exactly_4gib, 3) \
    X(async_read_4gib, 4) \
    X(file_read_4gib_plus_5, 10) \
    X(file_pread_4gib_plus_5, 8) \
    X(socket_write_4gib_plus_3, 0) \
    X(socket_writev_4gib_plus_3, 0)

static long long truncated_ipv4_sockaddr(void) { return raw_len(7); }
static long long negative_sockaddr_length(void) { return raw_len(-1); }
static long long unix_path_of_107_bytes(void) { return unix_path(107); }
static long long unix_path_of_108_bytes(void) { return unix_path(108); }
static long long writev_negative_count(void) { return wp_fd_writev(&live_a, NULL, -1); }
static long long writev_null_array(void) { return wp_fd_writev(&live_a, NULL, 2); }
static long long writev_null_buffer(void) { return iov_call(2, NULL, 5); }
static long long writev_zero_buffers(void) { return iov_call(0, NULL, 0); }
static long long readmsg_control_without_buffer(void) { return readmsg_call(NULL, 16); }
static long long strerror_null_buffer(void) { return strerror_null(); }

#define ROW_TEST(name, want) \
    static void row_##name(void) { \
        long long r_; \
        fixtures(); \
        r_ = name(); \
        if (r_ == NO_HUGE_BUFFER) WPT_SKIP("could not commit a buffer of 4 GiB + 64 KiB"); \
        if ((want) == RESULT_OK) WPT_CHECK(r_ >= 0); \
        else WPT_EQ(r_, (want)); \
    }
ROWS(ROW_TEST)

/* The whole table left nothing behind: the fixtures closed, the handle
   count and the library's bytes are where they were before it. */
static void the_table_leaked_nothing(void) {
    fixtures();
    WPT_OK(wp_fd_close(&live_a));
    WPT_OK(wp_fd_close(&live_b));
    WPT_OK(wp_fd_close(&udp));
    WPT_OK(wp_loop_close(&loop));
    if (huge_buffer != NULL) WPT_CHECK(VirtualFree(huge_buffer, 0, MEM_RELEASE));
    WPT_EQ(bytes_held, bytes_before);
    WPT_EQ(suite_handle_count(), handles_before);
}

#define ROW_CASE(name, want) WPT_CASE(row_##name),
static const wpt_case cases[] = {ROWS(ROW_CASE) WPT_CASE(the_table_leaked_nothing)};

WPT_MAIN(cases)
