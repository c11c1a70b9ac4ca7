/* <windows.h> with WIN32_LEAN_AND_MEAN before the header works. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#define WINPOLL_IMPLEMENTATION
#include "../../winpoll.h"

int main(void) { return wp_init(); }
