/* The header with its implementation, alone: compiled as C and as C++, in both
   modes, for x64, x86 and ARM64. */
#define WINPOLL_IMPLEMENTATION
#include "../../winpoll.h"

int main(void) {
    char buf[64];
    return (int)wp_strerror(-WINPOLL_ERR_EOF, buf, sizeof buf) + wp_init();
}
