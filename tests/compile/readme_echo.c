/* The echo server of README.md's quick start, compiled here so that it
   cannot rot: keep the two the same. */
#define WINPOLL_IMPLEMENTATION
#include "../../winpoll.h"
#include <stdlib.h>

typedef struct conn { wp_fd fd; wp_async op; char buf[4096]; } conn;

int main(void) {
    wp_loop loop; wp_fd lfd; wp_sockaddr a; SOCKET l; wp_async acc, *done[64];
    conn *next = (conn *)calloc(1, sizeof *next);
    wp_loop_init(&loop);
    wp_ip_parse(&a, "127.0.0.1"); a.port = 7007;
    wp_socket(AF_INET, SOCK_STREAM, 0, &l); wp_bind(l, &a); wp_listen(l, SOMAXCONN);
    wp_fd_init(&lfd, (HANDLE)l, 0); wp_fd_attach(&lfd, &loop);
    wp_async_accept(&acc, &lfd, &next->fd, NULL, NULL);
    for (;;) {
        int i, n = wp_loop_poll(&loop, done, 64, WINPOLL_INFINITE);
        for (i = 0; i < n; i++) {
            conn *c = done[i] == &acc ? next : (conn *)done[i]->user;
            if (done[i] == &acc) {                 /* a client: read it, accept the next */
                next = (conn *)calloc(1, sizeof *next);
                if (acc.result == 0) { c->op.user = c; wp_async_read(&c->op, &c->fd, c->buf, sizeof c->buf); }
                else free(c);
                wp_async_accept(&acc, &lfd, &next->fd, NULL, NULL);
            } else if (c->op.result <= 0) {        /* gone, or failed */
                wp_fd_close(&c->fd); free(c);
            } else if (c->op.op == WINPOLL_ASYNC_READ) {
                wp_async_write(&c->op, &c->fd, c->buf, (size_t)c->op.result);   /* all of it */
            } else {
                wp_async_read(&c->op, &c->fd, c->buf, sizeof c->buf);
            }
        }
    }
}
