/* load.c - the TCP echo load generator, a portable C program built for the
   machine it runs on (natively on Linux, so that under Wine it does not
   share the server's bottleneck, the wineserver; with Winsock on Windows).
   One thread, poll(): CONNS connections each send SIZE bytes, wait for all
   of them to come back, and send again, for SECONDS. Prints one line:

     trips=N rate=N/s mbs=N p50_us=N p99_us=N fair=min/max longest_ms=N

   mbs is payload echoed per second (SIZE x round trips), fair is the
   fewest round trips of any connection divided by the most, longest_ms the
   longest single round trip.

   --idle CONNS SECONDS: open CONNS connections, say nothing, hold them.

       load HOST PORT CONNS SIZE SECONDS
       load HOST PORT --idle CONNS SECONDS */
#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
typedef SOCKET sock_t;
#define poll WSAPoll
#define close_sock closesocket
static void set_nonblock(sock_t s) { u_long on = 1; ioctlsocket(s, FIONBIO, &on); }
static double now_s(void) {
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
}
static void nap(int ms) { Sleep((DWORD)ms); }
#else
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
typedef int sock_t;
#define close_sock close
static void set_nonblock(sock_t s) { fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK); }
static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
static void nap(int ms) {
    struct timespec t;
    t.tv_sec = ms / 1000;
    t.tv_nsec = (long)(ms % 1000) * 1000000;
    nanosleep(&t, NULL);
}
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct conn {
    sock_t s;
    size_t sent, got;
    double t0;
    long trips;
} conn;

static sock_t dial(const char *host, int port) {
    struct sockaddr_in a;
    sock_t s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    inet_pton(AF_INET, host, &a.sin_addr);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(1);
    }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
    return s;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

int main(int argc, char **argv) {
    int port, n, size, i;
    double secs, start, end, longest = 0;
    conn *c;
    struct pollfd *p;
    char *out, *in;
    double *lat = NULL;
    size_t nlat = 0, caplat = 0;
    long most = 0, least = -1, trips = 0;
#ifdef _WIN32
    WSADATA w;
    WSAStartup(MAKEWORD(2, 2), &w);
#endif
    if (argc == 6 && strcmp(argv[3], "--idle") == 0) {
        n = atoi(argv[4]);
        for (i = 0; i < n; i++) dial(argv[1], atoi(argv[2]));
        printf("idle=%d\n", n);
        fflush(stdout);
        nap((int)(atof(argv[5]) * 1000));
        return 0;
    }
    if (argc != 6) {
        fprintf(stderr, "usage: load HOST PORT CONNS SIZE SECONDS | load HOST PORT --idle CONNS SECONDS\n");
        return 2;
    }
    port = atoi(argv[2]);
    n = atoi(argv[3]);
    size = atoi(argv[4]);
    secs = atof(argv[5]);
    c = (conn *)calloc((size_t)n, sizeof *c);
    p = (struct pollfd *)calloc((size_t)n, sizeof *p);
    out = (char *)malloc((size_t)size);
    in = (char *)malloc((size_t)size);
    memset(out, 'x', (size_t)size);
    for (i = 0; i < n; i++) {
        c[i].s = dial(argv[1], port);
        set_nonblock(c[i].s);
    }
    start = now_s();
    end = start + secs;
    for (i = 0; i < n; i++) c[i].t0 = start;
    for (;;) {
        double t = now_s();
        int stop = t >= end;
        for (i = 0; i < n; i++) { /* send what is left of this round */
            while (!stop && c[i].sent < (size_t)size) {
                int k = (int)send(c[i].s, out + c[i].sent, (int)((size_t)size - c[i].sent), 0);
                if (k <= 0) break;
                c[i].sent += (size_t)k;
            }
            p[i].fd = c[i].s;
            p[i].events = (short)(POLLIN | (c[i].sent < (size_t)size ? POLLOUT : 0));
            p[i].revents = 0;
        }
        if (stop) break;
        if (poll(p, (unsigned)n, 100) < 0) {
            perror("poll");
            return 1;
        }
        for (i = 0; i < n; i++) {
            int k;
            if (!(p[i].revents & (POLLIN | POLLERR | POLLHUP))) continue;
            k = (int)recv(c[i].s, in, size, 0);
            if (k <= 0) {
                fprintf(stderr, "connection %d closed\n", i);
                return 1;
            }
            c[i].got += (size_t)k;
            if (c[i].got >= (size_t)size) { /* the whole echo is back: one round trip */
                double now = now_s(), rtt = now - c[i].t0;
                if (nlat == caplat) {
                    caplat = caplat ? caplat * 2 : 65536;
                    lat = (double *)realloc(lat, caplat * sizeof *lat);
                }
                lat[nlat++] = rtt;
                if (rtt > longest) longest = rtt;
                c[i].trips++;
                c[i].got = c[i].sent = 0;
                c[i].t0 = now;
            }
        }
    }
    /* a round trip still out when time ran out counts as a wait too */
    for (i = 0; i < n; i++) {
        double wait = end - c[i].t0;
        if (c[i].sent > 0 && wait > longest) longest = wait;
        if (c[i].trips > most) most = c[i].trips;
        if (least < 0 || c[i].trips < least) least = c[i].trips;
        trips += c[i].trips;
        close_sock(c[i].s);
    }
    qsort(lat, nlat, sizeof *lat, cmp_double);
    printf("trips=%ld rate=%.0f mbs=%.2f p50_us=%.0f p99_us=%.0f fair=%.3f longest_ms=%.1f\n", trips,
           (double)trips / secs, (double)trips * size / secs / 1e6, nlat ? lat[nlat / 2] * 1e6 : 0.0,
           nlat ? lat[nlat * 99 / 100] * 1e6 : 0.0, most > 0 ? (double)least / (double)most : 0.0, longest * 1e3);
    return 0;
}
