/* A unity build that includes the header twice with the implementation
   defined: the inner guard compiles the implementation once. */
#define WINPOLL_IMPLEMENTATION
#include "../../winpoll.h"
#include "../../winpoll.h"

int main(void) { return wp_mode() == WINPOLL_MODE_IOCP ? 0 : 1; }
