/* WINPOLL_STATIC: two files each with a private copy of the implementation,
   linked into one program (with static_b.c) without a duplicate symbol. */
#define WINPOLL_STATIC
#define WINPOLL_IMPLEMENTATION
#include "../../winpoll.h"

const char *static_b_name(void);

int main(void) {
    char buf[64];
    wp_strerror(-WINPOLL_ERR_EOF, buf, sizeof buf);
    return static_b_name()[0] == 'W' ? 0 : 1;
}
