/* echo_server.c - a TCP echo server on one thread with the async face of a
   completion-port loop: many clients at once, an idle deadline per client,
   idle connections held cheaply (a zero-byte read waits for data, so no
   buffer is pinned while a client says nothing), and a clean shutdown on
   Ctrl-C (the console control handler wakes the loop).

       echo_server [--port N] [--idle SECONDS] [--clients K] [--port-file PATH]

   --clients K stops after K clients have come and gone (for scripted runs);
   --port-file writes the port it listens on (--port 0 picks a free one).

   Build:
     clang-cl:  clang-cl /W4 echo_server.c
     mingw-w64: x86_64-w64-mingw32-gcc -Wall echo_server.c -o echo_server.exe -lws2_32 */
#define WINPOLL_IMPLEMENTATION
#include "../winpoll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF 16384

typedef struct client {
    wp_fd fd;
    wp_async io;                /* its one operation in flight: wait, read or write */
    char *buf;                  /* only while reading or writing, else NULL */
    wp_sockaddr peer;
    struct client *prev, *next; /* the live ones */
} client;

static wp_loop loop;
static volatile LONG stopping;
static client *clients;
static long long idle_ns = 10ll * 1000000000;

static BOOL WINAPI on_ctrl(DWORD type) {
    (void)type;
    InterlockedExchange(&stopping, 1);
    wp_loop_wake(&loop); /* any thread may wake a poll */
    return TRUE;
}

static void say(const client *c, const char *what, long long err) {
    char addr[96], text[160] = "";
    wp_sockaddr_format(&c->peer, addr, sizeof addr);
    if (err < 0) wp_strerror(err, text, sizeof text);
    printf("%-22s %s%s%s%s\n", addr, what, err < 0 ? " (" : "", text, err < 0 ? ")" : "");
    fflush(stdout);
}

/* Idle: a zero-byte read completes when data arrives, and holds no buffer. */
static int wait_for_data(client *c) {
    wp_fd_set_deadline(&c->fd, WINPOLL_DEADLINE_READ, wp_monotonic_ns() + idle_ns);
    return wp_async_read(&c->io, &c->fd, NULL, 0);
}

static void drop(client *c) {
    wp_fd_close(&c->fd);
    if (c->prev != NULL) c->prev->next = c->next;
    else clients = c->next;
    if (c->next != NULL) c->next->prev = c->prev;
    free(c->buf);
    free(c);
}

/* One finished operation of client c; returns 1 when the client has gone. */
static int step(client *c) {
    long long r = c->io.result;
    if (c->io.op == WINPOLL_ASYNC_READ && c->buf == NULL) { /* the idle wait */
        if (r < 0) {
            say(c, wp_is_timeout(r) ? "idle too long: closed" : "failed", wp_is_timeout(r) ? 0 : r);
            return 1;
        }
        if ((c->buf = (char *)malloc(BUF)) == NULL) return 1;
        r = wp_async_read(&c->io, &c->fd, c->buf, BUF); /* data is there: this finishes at once */
    } else if (c->io.op == WINPOLL_ASYNC_READ) {
        if (r <= 0) {
            say(c, r == 0 ? "said goodbye" : "failed", r);
            return 1;
        }
        r = wp_async_write(&c->io, &c->fd, c->buf, (size_t)r); /* all of it */
    } else {
        free(c->buf);
        c->buf = NULL;
        r = r < 0 ? r : wait_for_data(c);
    }
    if (r < 0) say(c, "failed", r);
    return r < 0;
}

static int fail(const char *what, int r) {
    char text[160];
    wp_strerror(r, text, sizeof text);
    fprintf(stderr, "echo_server: %s: %s\n", what, text);
    return 1;
}

static int write_port_file(const char *path, unsigned port) {
    char tmp[512], text[16];
    HANDLE h;
    int n = snprintf(text, sizeof text, "%u\n", port), r;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    r = wp_open(tmp, WINPOLL_O_WRONLY | WINPOLL_O_CREAT | WINPOLL_O_TRUNC, 0644, &h);
    if (r != 0) return r;
    wp_write(h, text, (size_t)n);
    wp_close(h);
    return wp_rename(tmp, path); /* whole or not at all, for whoever waits for it */
}

int main(void) {
    char **argv; /* from wp_args: the arguments in UTF-8, for the port file's path */
    wp_fd listener;
    wp_async accept_op, *done[64];
    wp_sockaddr addr;
    SOCKET s;
    client *next = NULL, *c;
    int i, j, n, port = 7007, clients_left = -1, in_flight = 0, r, argc = 0;
    const char *port_file = NULL;
    long long need = wp_args(NULL, 0, NULL);
    if (need < 0 || (argv = (char **)malloc((size_t)need)) == NULL) return fail("arguments", -ERROR_NOT_ENOUGH_MEMORY);
    wp_args(argv, (size_t)need, &argc);
    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--idle") == 0) idle_ns = atoll(argv[i + 1]) * 1000000000ll;
        else if (strcmp(argv[i], "--clients") == 0) clients_left = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--port-file") == 0) port_file = argv[i + 1];
    }
    if (wp_mode() != WINPOLL_MODE_IOCP) {
        printf("echo_server serves many clients from one thread: build it in completion-port mode\n");
        return 0;
    }
    if ((r = wp_loop_init(&loop)) != 0) return fail("loop", r);
    if ((r = wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &s)) != 0) return fail("socket", r);
    wp_ip_parse(&addr, "127.0.0.1");
    addr.port = (unsigned short)port;
    if ((r = wp_bind(s, &addr)) != 0 || (r = wp_listen(s, SOMAXCONN)) != 0 || (r = wp_getsockname(s, &addr)) != 0)
        return fail("listen", r);
    if ((r = wp_fd_init(&listener, (HANDLE)s, 0)) != 0 || (r = wp_fd_attach(&listener, &loop)) != 0)
        return fail("listener", r);
    SetConsoleCtrlHandler(on_ctrl, TRUE);
    printf("echo_server on 127.0.0.1:%u, idle deadline %lld s, Ctrl-C to stop\n", addr.port, idle_ns / 1000000000);
    fflush(stdout);
    if (port_file != NULL && (r = write_port_file(port_file, addr.port)) != 0) return fail(port_file, r);

    while (!stopping) {
        if (next == NULL) { /* always one accept waiting */
            if ((next = (client *)calloc(1, sizeof *next)) == NULL) return fail("memory", -ERROR_OUTOFMEMORY);
            if ((r = wp_async_accept(&accept_op, &listener, &next->fd, NULL, &next->peer)) != 0)
                return fail("accept", r);
            in_flight++;
        }
        n = wp_loop_poll(&loop, done, 64, WINPOLL_INFINITE);
        for (j = 0; j < n; j++) {
            in_flight--;
            if (done[j] == &accept_op) {
                c = next;
                next = NULL;
                if (accept_op.result != 0) {
                    free(c);
                    if (!wp_is_closed(accept_op.result)) fail("accept", (int)accept_op.result);
                    continue;
                }
                c->io.user = c;
                c->next = clients;
                if (clients != NULL) clients->prev = c;
                clients = c;
                say(c, "connected", 0);
                if (wait_for_data(c) != 0) drop(c);
                else in_flight++;
                continue;
            }
            c = (client *)done[j]->user;
            if (step(c)) {
                drop(c);
                if (clients_left > 0 && --clients_left == 0) stopping = 1;
            } else {
                in_flight++;
            }
        }
    }

    /* Shutdown: close everything; what was in flight comes back once more. */
    printf("echo_server: stopping\n");
    wp_fd_close(&listener);
    for (c = clients; c != NULL; c = c->next) wp_fd_close(&c->fd);
    while (in_flight > 0 && (n = wp_loop_poll(&loop, done, 64, 5000)) > 0) {
        for (j = 0; j < n; j++)
            if (done[j] == &accept_op && accept_op.result == 0) wp_fd_close(&next->fd); /* came too late */
        in_flight -= n;
    }
    free(next);
    while (clients != NULL) drop(clients); /* a second close is harmless */
    wp_loop_close(&loop);
    return 0;
}
