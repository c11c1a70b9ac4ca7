/* errors.c - winpoll.h's error convention at work: real failures from real
   calls, each shown with its exact code, its name, the closest POSIX errno,
   its classes and the system's text as UTF-8.

   Build:
     clang-cl:  clang-cl /W4 errors.c
     mingw-w64: x86_64-w64-mingw32-gcc -Wall errors.c -o errors.exe -lws2_32 */
#define WINPOLL_IMPLEMENTATION
#include "../winpoll.h"

#include <stdio.h>

static void show(const char *what, long long r) {
    char text[512];
    wp_strerror(r, text, sizeof text);
    printf("%-44s -> %lld %s (%s)%s%s%s%s\n      \"%s\"\n", what, r, wp_error_name(r), wp_errno_name(r),
           wp_is_not_exist(r) ? " not-exist" : "", wp_is_exist(r) ? " exist" : "",
           wp_is_permission(r) ? " permission" : "", wp_is_timeout(r) ? " timeout" : "", text);
}

int main(void) {
    WCHAR dir[MAX_PATH], path[MAX_PATH + 64];
    HANDLE h, h2;
    SOCKET s;
    struct sockaddr_in sa;
    int len = (int)sizeof sa;
    long long r;

    if (wp_init() != 0) return 1;
    GetTempPathW(MAX_PATH, dir);
    swprintf(path, MAX_PATH + 64, L"%lswinpoll-example-%lu.txt", dir, (unsigned long)GetCurrentProcessId());

    /* Opening a file that is not there. */
    h = CreateFileW(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    show("open a missing file", h == INVALID_HANDLE_VALUE ? -(long long)GetLastError() : 0);

    /* Creating exclusively a file that exists, then opening it while it is
       held with no sharing. */
    h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    if (h != INVALID_HANDLE_VALUE) {
        h2 = CreateFileW(path, GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_NEW, 0, NULL);
        show("create-exclusive an existing file", h2 == INVALID_HANDLE_VALUE ? -(long long)GetLastError() : 0);
        h2 = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
        show("open a file another handle holds", h2 == INVALID_HANDLE_VALUE ? -(long long)GetLastError() : 0);
        CloseHandle(h);
    }

    /* Connecting to a loopback port nobody listens on. */
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, (struct sockaddr *)&sa, len);
    getsockname(s, (struct sockaddr *)&sa, &len);
    closesocket(s);
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    r = connect(s, (struct sockaddr *)&sa, len) == 0 ? 0 : -(long long)WSAGetLastError();
    closesocket(s);
    show("connect to a closed port on 127.0.0.1", r);

    /* The library's own codes. */
    show("an operation on a closed socket FD", -WINPOLL_ERR_NET_CLOSING);
    show("a read past its deadline", -WINPOLL_ERR_DEADLINE);
    return 0;
}
