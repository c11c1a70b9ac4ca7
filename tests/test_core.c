/* test_core.c - the skeleton: version, init, mode, and the error layer
   (text, names, classes) checked against errors real calls produce. */
#include "suite.h"

#include <string.h>

static void version_macros_agree(void) {
    char s[32];
    snprintf(s, sizeof s, "%d.%d.%d", WINPOLL_VERSION_MAJOR, WINPOLL_VERSION_MINOR, WINPOLL_VERSION_PATCH);
    WPT_STREQ(s, WINPOLL_VERSION_STRING);
}

static void mode_is_the_compiled_one(void) {
#if defined(WINPOLL_BLOCKING)
    WPT_EQ(wp_mode(), WINPOLL_MODE_BLOCKING);
#else
    WPT_EQ(wp_mode(), WINPOLL_MODE_IOCP);
#endif
}

/* ---- init ---- */

static volatile LONG init_results_bad;
static HANDLE init_go;

static DWORD WINAPI init_thread(LPVOID arg) {
    (void)arg;
    WaitForSingleObject(init_go, INFINITE);
    if (wp_init() != 0) InterlockedIncrement(&init_results_bad);
    return 0;
}

/* Eight threads race into wp_init; WSAStartup must run exactly once. One
   WSACleanup afterwards then takes Winsock's count back to zero, which the
   next socket() shows as WSANOTINITIALISED. */
static void init_runs_once_under_a_race(void) {
    HANDLE t[8];
    int i;
    SOCKET s;
    init_go = CreateEventW(NULL, TRUE, FALSE, NULL);
    WPT_CHECK(init_go != NULL);
    for (i = 0; i < 8; i++) {
        t[i] = CreateThread(NULL, 0, init_thread, NULL, 0, NULL);
        WPT_CHECK(t[i] != NULL);
    }
    SetEvent(init_go);
    WPT_EQ(WaitForMultipleObjects(8, t, TRUE, 30000), WAIT_OBJECT_0);
    for (i = 0; i < 8; i++) CloseHandle(t[i]);
    CloseHandle(init_go);
    WPT_EQ(init_results_bad, 0);
    WPT_EQ(wp_init(), 0);

    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    WPT_CHECK(s != INVALID_SOCKET);
    closesocket(s);
    WPT_EQ(WSACleanup(), 0);
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    {
        int err = WSAGetLastError();
        WSADATA wsa;
        if (s != INVALID_SOCKET) closesocket(s);
        /* Give the process its Winsock back for the tests after this one. */
        WPT_EQ(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
        WPT_CHECK(s == INVALID_SOCKET);
        WPT_EQ(err, WSANOTINITIALISED);
    }
}

/* ---- helpers ---- */

/* What the system says for code, trimmed as wp_strerror promises, computed
   here independently through WideCharToMultiByte. */
static int system_text(DWORD code, char *out, int size) {
    WCHAR w[1024];
    DWORD flags = FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_MAX_WIDTH_MASK;
    DWORD n = FormatMessageW(flags, NULL, code, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), w, 1024, NULL);
    int m;
    if (n == 0) n = FormatMessageW(flags, NULL, code, 0, w, 1024, NULL);
    while (n > 0 && wcschr(L" \r\n\t.", w[n - 1]) != NULL) n--;
    if (n == 0) return 0;
    m = WideCharToMultiByte(CP_UTF8, 0, w, (int)n, out, size - 1, NULL, NULL);
    out[m] = 0;
    return m;
}

static int make_temp_path(WCHAR *out, const WCHAR *name) {
    WCHAR dir[MAX_PATH];
    DWORD n = GetTempPathW(MAX_PATH, dir);
    if (n == 0 || n > MAX_PATH - 64) return 0;
    swprintf(out, MAX_PATH, L"%lswinpoll-core-%lu-%ls", dir, (unsigned long)GetCurrentProcessId(), name);
    return 1;
}

/* A loopback port that nothing listens on: bound, then closed. */
static int closed_port(struct sockaddr_in *sa) {
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    int len = (int)sizeof *sa;
    if (s == INVALID_SOCKET) return 0;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)sa, len) != 0 || getsockname(s, (struct sockaddr *)sa, &len) != 0) {
        closesocket(s);
        return 0;
    }
    closesocket(s);
    return 1;
}

/* ---- wp_strerror ---- */

/* A real missing-file error: the code is exact and the text is the
   system's, trimmed. */
static void strerror_of_a_real_missing_file(void) {
    WCHAR path[MAX_PATH];
    HANDLE h;
    long long r;
    char text[512], want[512];
    size_t n;
    WPT_CHECK(make_temp_path(path, L"does-not-exist"));
    h = CreateFileW(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    WPT_CHECK(h == INVALID_HANDLE_VALUE);
    r = -(long long)GetLastError();
    WPT_ERR(r, ERROR_FILE_NOT_FOUND);
    n = wp_strerror(r, text, sizeof text);
    WPT_EQ(n, strlen(text));
    WPT_CHECK(system_text(ERROR_FILE_NOT_FOUND, want, sizeof want) > 0);
    WPT_STREQ(text, want);
    WPT_CHECK(n > 0 && strchr(" .\r\n", text[n - 1]) == NULL);
    WPT_CHECK(strstr(text, "winapi error") == NULL);
    WPT_STREQ(wp_error_name(r), "ERROR_FILE_NOT_FOUND");
    WPT_STREQ(wp_errno_name(r), "ENOENT");
}

/* A real refused connection gives the Winsock code and the system's text. */
static void strerror_of_a_real_refused_connect(void) {
    struct sockaddr_in sa;
    SOCKET s;
    long long r;
    char text[512], want[512];
    WPT_OK(wp_init());
    WPT_CHECK(closed_port(&sa));
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    WPT_CHECK(s != INVALID_SOCKET);
    WPT_CHECK(connect(s, (struct sockaddr *)&sa, (int)sizeof sa) != 0);
    r = -(long long)WSAGetLastError();
    closesocket(s);
    WPT_ERR(r, WSAECONNREFUSED);
    wp_strerror(r, text, sizeof text);
    if (system_text(WSAECONNREFUSED, want, sizeof want) > 0) WPT_STREQ(text, want);
    else WPT_STREQ(text, "winapi error #10061");
    WPT_STREQ(wp_error_name(r), "WSAECONNREFUSED");
    WPT_STREQ(wp_errno_name(r), "ECONNREFUSED");
}

static void strerror_takes_either_sign(void) {
    char a[256], b[256];
    wp_strerror(-ERROR_ACCESS_DENIED, a, sizeof a);
    wp_strerror(ERROR_ACCESS_DENIED, b, sizeof b);
    WPT_STREQ(a, b);
    WPT_STREQ(wp_error_name(ERROR_ACCESS_DENIED), "ERROR_ACCESS_DENIED");
}

static void strerror_own_codes(void) {
    char t[256];
    wp_strerror(-WINPOLL_ERR_FILE_CLOSING, t, sizeof t);
    WPT_STREQ(t, "use of closed file");
    wp_strerror(-WINPOLL_ERR_NET_CLOSING, t, sizeof t);
    WPT_STREQ(t, "use of closed network connection");
    wp_strerror(-WINPOLL_ERR_DEADLINE, t, sizeof t);
    WPT_STREQ(t, "i/o timeout (deadline exceeded)");
    wp_strerror(-WINPOLL_ERR_EOF, t, sizeof t);
    WPT_STREQ(t, "end of file");
    WPT_STREQ(wp_error_name(-WINPOLL_ERR_DEADLINE), "WINPOLL_ERR_DEADLINE");
    WPT_STREQ(wp_errno_name(-WINPOLL_ERR_DEADLINE), "ETIMEDOUT");
    /* Bit 29: Windows' application range, so no system code can collide. */
    WPT_EQ(WINPOLL_ERR_FILE_CLOSING & 0x20000000, 0x20000000);
    WPT_EQ(WINPOLL_ERR_TOO_MANY_REFS & 0x20000000, 0x20000000);
}

static void strerror_unknown_codes(void) {
    char t[256];
    /* An application-range code that is not the library's. */
    wp_strerror(-(0x20000000LL + 0x7777), t, sizeof t);
    WPT_STREQ(t, "winapi error #536901495");
    WPT_STREQ(wp_error_name(-(0x20000000LL + 0x7777)), "");
    WPT_STREQ(wp_errno_name(-(0x20000000LL + 0x7777)), "");
    /* Values that are no DWORD at all. */
    wp_strerror(-0x7FFFFFFFFFFFFFFFLL - 1, t, sizeof t);
    WPT_STREQ(t, "winapi error #4294967295");
    wp_strerror(0x100000000LL, t, sizeof t);
    WPT_STREQ(t, "winapi error #4294967295");
}

static void strerror_truncates_like_snprintf(void) {
    char t[8];
    size_t full = strlen("use of closed file");
    memset(t, 'x', sizeof t);
    WPT_EQ(wp_strerror(-WINPOLL_ERR_FILE_CLOSING, NULL, 0), full);
    WPT_EQ(wp_strerror(-WINPOLL_ERR_FILE_CLOSING, t, 0), full);
    WPT_EQ(t[0], 'x');
    WPT_EQ(wp_strerror(-WINPOLL_ERR_FILE_CLOSING, t, 1), full);
    WPT_STREQ(t, "");
    WPT_EQ(wp_strerror(-WINPOLL_ERR_FILE_CLOSING, t, 5), full);
    WPT_STREQ(t, "use ");
    WPT_EQ(t[5], 'x');
    WPT_EQ(wp_strerror(-WINPOLL_ERR_FILE_CLOSING, t, sizeof t), full);
    WPT_STREQ(t, "use of ");
    {
        char big[64];
        WPT_EQ(wp_strerror(-WINPOLL_ERR_FILE_CLOSING, big, full + 1), full);
        WPT_STREQ(big, "use of closed file");
    }
}

/* The internal UTF-16 -> UTF-8 step never cuts a sequence and turns
   unpaired surrogates into U+FFFD. */
static void strerror_utf8_is_cut_on_sequence_boundaries(void) {
    static const WCHAR w[] = { 0x61, 0xE9, 0x4E2D, 0xD83D, 0xDE00, 0xDC00, 0x62, 0xD800 };
    static const char want[] = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\xEF\xBF\xBD" "b\xEF\xBF\xBD";
    char out[32];
    size_t cut, len, need;
    for (cut = 1; cut <= sizeof want; cut++) {
        memset(out, 'x', sizeof out);
        len = 0;
        need = 0;
        wp__utf16_append_utf8(w, 8, out, cut, &len, &need);
        WPT_EQ(need, sizeof want - 1);
        WPT_CHECK(len < cut);
        WPT_MEMEQ(out, want, len);
        /* what was left out did not fit whole */
        if (len < need) {
            size_t next = len + 1;
            while (next < need && ((unsigned char)want[next] & 0xC0) == 0x80) next++;
            WPT_CHECK(next >= cut);
        }
    }
}

/* ---- names and classes ---- */

#define NAME_IS(code) WPT_STREQ(wp_error_name(-(long long)(code)), #code)

/* The table holds numbers; the SDK's macros must agree with them. */
static void error_names_match_the_sdk(void) {
    NAME_IS(ERROR_FILE_NOT_FOUND);
    NAME_IS(ERROR_PATH_NOT_FOUND);
    NAME_IS(ERROR_TOO_MANY_OPEN_FILES);
    NAME_IS(ERROR_ACCESS_DENIED);
    NAME_IS(ERROR_INVALID_HANDLE);
    NAME_IS(ERROR_NOT_ENOUGH_MEMORY);
    NAME_IS(ERROR_SHARING_VIOLATION);
    NAME_IS(ERROR_LOCK_VIOLATION);
    NAME_IS(ERROR_HANDLE_EOF);
    NAME_IS(ERROR_NOT_SUPPORTED);
    NAME_IS(ERROR_BAD_NETPATH);
    NAME_IS(ERROR_NETNAME_DELETED);
    NAME_IS(ERROR_FILE_EXISTS);
    NAME_IS(ERROR_INVALID_PARAMETER);
    NAME_IS(ERROR_BROKEN_PIPE);
    NAME_IS(ERROR_SEM_TIMEOUT);
    NAME_IS(ERROR_INSUFFICIENT_BUFFER);
    NAME_IS(ERROR_INVALID_NAME);
    NAME_IS(ERROR_NEGATIVE_SEEK);
    NAME_IS(ERROR_DIR_NOT_EMPTY);
    NAME_IS(ERROR_ALREADY_EXISTS);
    NAME_IS(ERROR_FILENAME_EXCED_RANGE);
    NAME_IS(ERROR_PIPE_BUSY);
    NAME_IS(ERROR_NO_DATA);
    NAME_IS(ERROR_PIPE_NOT_CONNECTED);
    NAME_IS(ERROR_MORE_DATA);
    NAME_IS(WAIT_TIMEOUT);
    NAME_IS(ERROR_DIRECTORY);
    NAME_IS(ERROR_PIPE_CONNECTED);
    NAME_IS(ERROR_OPERATION_ABORTED);
    NAME_IS(ERROR_IO_PENDING);
    NAME_IS(ERROR_NO_UNICODE_TRANSLATION);
    NAME_IS(ERROR_NOT_FOUND);
    NAME_IS(ERROR_CONNECTION_REFUSED);
    NAME_IS(ERROR_CONNECTION_ABORTED);
    NAME_IS(ERROR_PRIVILEGE_NOT_HELD);
    NAME_IS(ERROR_TIMEOUT);
    NAME_IS(ERROR_CANT_RESOLVE_FILENAME);
    NAME_IS(ERROR_NOT_A_REPARSE_POINT);
#ifdef ERROR_HANDLES_CLOSED
    NAME_IS(ERROR_HANDLES_CLOSED);
#endif
    NAME_IS(WSAEINTR);
    NAME_IS(WSAEACCES);
    NAME_IS(WSAEINVAL);
    NAME_IS(WSAEWOULDBLOCK);
    NAME_IS(WSAENOTSOCK);
    NAME_IS(WSAEMSGSIZE);
    NAME_IS(WSAENOPROTOOPT);
    NAME_IS(WSAEAFNOSUPPORT);
    NAME_IS(WSAEADDRINUSE);
    NAME_IS(WSAEADDRNOTAVAIL);
    NAME_IS(WSAECONNABORTED);
    NAME_IS(WSAECONNRESET);
    NAME_IS(WSAENOBUFS);
    NAME_IS(WSAENOTCONN);
    NAME_IS(WSAESHUTDOWN);
    NAME_IS(WSAETIMEDOUT);
    NAME_IS(WSAECONNREFUSED);
    NAME_IS(WSAEHOSTUNREACH);
    NAME_IS(WSANOTINITIALISED);
    NAME_IS(WSAHOST_NOT_FOUND);
    NAME_IS(WSATRY_AGAIN);
    NAME_IS(WSANO_DATA);
}

static void error_classes_on_windows_codes(void) {
    WPT_CHECK(wp_is_not_exist(-ERROR_FILE_NOT_FOUND));
    WPT_CHECK(wp_is_not_exist(-ERROR_PATH_NOT_FOUND));
    WPT_CHECK(wp_is_not_exist(-ERROR_BAD_NETPATH));
    WPT_CHECK(!wp_is_not_exist(-ERROR_ACCESS_DENIED));
    WPT_CHECK(wp_is_exist(-ERROR_FILE_EXISTS));
    WPT_CHECK(wp_is_exist(-ERROR_ALREADY_EXISTS));
    WPT_CHECK(wp_is_exist(-ERROR_DIR_NOT_EMPTY));
    WPT_CHECK(wp_is_permission(-ERROR_ACCESS_DENIED));
    WPT_CHECK(wp_is_permission(-ERROR_SHARING_VIOLATION));
    WPT_CHECK(wp_is_permission(-WSAEACCES));
    WPT_CHECK(wp_is_unsupported(-ERROR_NOT_SUPPORTED));
    WPT_CHECK(wp_is_unsupported(-WSAEAFNOSUPPORT));
    /* The timeout class on the real codes, which Go's Timeout() misses. */
    WPT_CHECK(wp_is_timeout(-WSAETIMEDOUT));
    WPT_CHECK(wp_is_timeout(-WSAEWOULDBLOCK));
    WPT_CHECK(wp_is_timeout(-ERROR_TIMEOUT));
    WPT_CHECK(wp_is_timeout(-ERROR_SEM_TIMEOUT));
    WPT_CHECK(wp_is_timeout(-WAIT_TIMEOUT));
    WPT_CHECK(wp_is_timeout(-WINPOLL_ERR_DEADLINE));
    WPT_CHECK(wp_is_temporary(-WINPOLL_ERR_DEADLINE));
    WPT_CHECK(wp_is_temporary(-WSAENOBUFS));
    WPT_CHECK(!wp_is_timeout(-WSAECONNRESET));
    WPT_CHECK(!wp_is_temporary(-WSAECONNREFUSED));
    WPT_CHECK(wp_is_closed(-WINPOLL_ERR_FILE_CLOSING));
    WPT_CHECK(wp_is_closed(-WINPOLL_ERR_NET_CLOSING));
    WPT_CHECK(!wp_is_closed(-ERROR_OPERATION_ABORTED));
    WPT_CHECK(wp_is_eof(-WINPOLL_ERR_EOF));
    WPT_CHECK(wp_is_eof(-ERROR_HANDLE_EOF));
    WPT_CHECK(wp_is_eof(-ERROR_BROKEN_PIPE));
    /* Results >= 0 are never errors: a count of 2 is not ERROR_FILE_NOT_FOUND. */
    WPT_CHECK(!wp_is_not_exist(ERROR_FILE_NOT_FOUND));
    WPT_CHECK(!wp_is_eof(ERROR_HANDLE_EOF));
    WPT_CHECK(!wp_is_timeout(0));
    WPT_CHECK(!wp_is_timeout(-0x7FFFFFFFFFFFFFFFLL - 1));
}

/* The classes of errors that real calls return. */
static void error_classes_of_real_failures(void) {
    WCHAR path[MAX_PATH];
    HANDLE h, h2;
    long long r;
    SOCKET a, b, l;
    struct sockaddr_in sa;
    int len = (int)sizeof sa;
    DWORD ms = 50;
    char c;

    WPT_CHECK(make_temp_path(path, L"classes"));
    DeleteFileW(path);
    h = CreateFileW(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    r = -(long long)GetLastError();
    WPT_CHECK(h == INVALID_HANDLE_VALUE);
    WPT_CHECK(wp_is_not_exist(r));

    h = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    WPT_CHECK(h != INVALID_HANDLE_VALUE);
    /* exclusive create of an existing file */
    h2 = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, CREATE_NEW, 0, NULL);
    r = -(long long)GetLastError();
    WPT_CHECK(h2 == INVALID_HANDLE_VALUE);
    WPT_CHECK(wp_is_exist(r));
    /* opened with share mode 0: a second open is a sharing violation */
    h2 = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                     0, NULL);
    r = -(long long)GetLastError();
    CloseHandle(h);
    WPT_CHECK(h2 == INVALID_HANDLE_VALUE);
    WPT_ERR(r, ERROR_SHARING_VIOLATION);
    WPT_CHECK(wp_is_permission(r));

    /* a receive timeout on a real connection */
    WPT_OK(wp_init());
    l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    WPT_CHECK(l != INVALID_SOCKET);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    WPT_EQ(bind(l, (struct sockaddr *)&sa, len), 0);
    WPT_EQ(listen(l, 1), 0);
    WPT_EQ(getsockname(l, (struct sockaddr *)&sa, &len), 0);
    a = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    WPT_EQ(connect(a, (struct sockaddr *)&sa, len), 0);
    b = accept(l, NULL, NULL);
    WPT_CHECK(b != INVALID_SOCKET);
    WPT_EQ(setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, (int)sizeof ms), 0);
    WPT_EQ(recv(b, &c, 1, 0), SOCKET_ERROR);
    r = -(long long)WSAGetLastError();
    closesocket(a);
    closesocket(b);
    closesocket(l);
    WPT_ERR(r, WSAETIMEDOUT);
    WPT_CHECK(wp_is_timeout(r));
    WPT_CHECK(wp_is_temporary(r));
}

static const wpt_case cases[] = {
    WPT_CASE(version_macros_agree),
    WPT_CASE(mode_is_the_compiled_one),
    WPT_CASE(strerror_of_a_real_missing_file),
    WPT_CASE(strerror_of_a_real_refused_connect),
    WPT_CASE(strerror_takes_either_sign),
    WPT_CASE(strerror_own_codes),
    WPT_CASE(strerror_unknown_codes),
    WPT_CASE(strerror_truncates_like_snprintf),
    WPT_CASE(strerror_utf8_is_cut_on_sequence_boundaries),
    WPT_CASE(error_names_match_the_sdk),
    WPT_CASE(error_classes_on_windows_codes),
    WPT_CASE(error_classes_of_real_failures),
    WPT_CASE(init_runs_once_under_a_race),
};

WPT_MAIN(cases)
