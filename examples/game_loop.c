/* game_loop.c - the async face in a game's frame loop: the frame never
   blocks on the network. Each frame simulates its work, then polls the
   loop once with timeout 0 and handles whatever finished: state updates
   from a server (a read kept outstanding) and the player's input sent
   every few frames (a write). A thread plays the server with blocking
   calls on its own loop. At the end it prints what the frames saw and how
   long the polls took.

   Build:
     clang-cl:  clang-cl /W4 game_loop.c
     mingw-w64: x86_64-w64-mingw32-gcc -Wall game_loop.c -o game_loop.exe -lws2_32 */
#define WINPOLL_IMPLEMENTATION
#include "../winpoll.h"

#include <stdio.h>
#include <string.h>

#define FRAMES 120
#define FRAME_MS 8

typedef struct update {
    unsigned tick;
    float x, y;
} update;

/* The server: answers every input with a state update, and sends a few
   updates of its own. */
static DWORD WINAPI server(LPVOID arg) {
    wp_fd *fd = (wp_fd *)arg;
    update u;
    char input[8];
    memset(&u, 0, sizeof u);
    for (;;) {
        long long n = wp_fd_read(fd, input, sizeof input);
        if (n <= 0) break; /* the game left */
        u.tick++;
        u.x += 1.5f;
        u.y = (float)(u.tick % 7);
        if (wp_fd_write(fd, &u, sizeof u) != (long long)sizeof u) break;
    }
    return 0;
}

int main(void) {
    wp_loop game_loop, server_loop;
    wp_fd game, srv;
    wp_async rd, wr, *done[8];
    SOCKET a, b, l;
    wp_sockaddr lo, bound;
    update last;
    unsigned char ubuf[sizeof(update)]; /* the update being read: a stream may deliver it in pieces */
    size_t have = 0;
    HANDLE t;
    char input[8] = "jump";
    int frame, j, n, updates = 0, sent = 0, writing = 0;
    long long worst = 0, total = 0;
    /* a connected pair on loopback: the game's end and the server's */
    if (wp_loop_init(&game_loop) != 0 || wp_loop_init(&server_loop) != 0) return 1;
    wp_ip_parse(&lo, "127.0.0.1");
    if (wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &l) != 0 || wp_bind(l, &lo) != 0 || wp_listen(l, 1) != 0 ||
        wp_getsockname(l, &bound) != 0 || wp_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP, &a) != 0 ||
        wp_connect(a, &bound) != 0 || wp_accept(l, &b, NULL) != 0)
        return 1;
    wp_closesocket(l);
    wp_setsockopt_int(a, IPPROTO_TCP, TCP_NODELAY, 1);
    wp_setsockopt_int(b, IPPROTO_TCP, TCP_NODELAY, 1);
    if (wp_fd_init(&game, (HANDLE)a, 0) != 0 || wp_fd_attach(&game, &game_loop) != 0) return 1;
    if (wp_fd_init(&srv, (HANDLE)b, 0) != 0 || wp_fd_attach(&srv, &server_loop) != 0) return 1;
    t = CreateThread(NULL, 0, server, &srv, 0, NULL);

    memset(&last, 0, sizeof last);
    if (wp_mode() == WINPOLL_MODE_IOCP) wp_async_read(&rd, &game, ubuf, sizeof ubuf); /* always one read out */
    for (frame = 0; frame < FRAMES; frame++) {
        long long t0;
        Sleep(FRAME_MS); /* the frame's own work */
        if (frame % 4 == 0 && !writing) { /* the player's input */
            wp_async_write(&wr, &game, input, sizeof input);
            writing = 1;
            sent++;
            if (wp_mode() == WINPOLL_MODE_BLOCKING) /* the read runs now */
                wp_async_read(&rd, &game, ubuf + have, sizeof ubuf - have);
        }
        t0 = wp_monotonic_ns();
        n = wp_loop_poll(&game_loop, done, 8, 0); /* never waits */
        t0 = wp_monotonic_ns() - t0;
        total += t0;
        if (t0 > worst) worst = t0;
        for (j = 0; j < n; j++) {
            if (done[j] == &wr) {
                writing = 0;
            } else if (rd.result > 0) { /* some bytes of an update, perhaps all */
                have += (size_t)rd.result;
                if (have == sizeof ubuf) {
                    memcpy(&last, ubuf, sizeof last);
                    updates++;
                    have = 0;
                }
                if (wp_mode() == WINPOLL_MODE_IOCP || have > 0) /* blocking mode: the rest of a cut update */
                    wp_async_read(&rd, &game, ubuf + have, sizeof ubuf - have);
            } /* else the server left (0) or the read failed: no more updates */
        }
    }
    printf("%d frames of %d ms: sent %d inputs, got %d state updates, last tick %u at (%.1f, %.1f)\n", FRAMES,
           FRAME_MS, sent, updates, last.tick, (double)last.x, (double)last.y);
    printf("wp_loop_poll(timeout 0): %.1f us on average, %.1f us at worst\n", (double)total / FRAMES / 1e3,
           (double)worst / 1e3);
    wp_fd_close(&game); /* the server reads end of file and stops; our read comes back */
    while (wp_loop_poll(&game_loop, done, 8, 100) > 0) {
    }
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    wp_fd_close(&srv);
    wp_loop_close(&game_loop);
    wp_loop_close(&server_loop);
    return 0;
}
