/* <windows.h> without WIN32_LEAN_AND_MEAN after the header works, and the
   header leaves no macro of its own behind in the user's namespace. */
#define WINPOLL_IMPLEMENTATION
#include "../../winpoll.h"
#include <windows.h>

#if defined(WIN32_LEAN_AND_MEAN) || defined(NOMINMAX)
#error "winpoll.h left WIN32_LEAN_AND_MEAN or NOMINMAX defined"
#endif
#if defined(WINPOLL__MALLOC) || defined(WINPOLL__ERROR_TABLE) || defined(WINPOLL__DEFINED_LEAN)
#error "winpoll.h left a private macro defined"
#endif

int main(void) { return wp_init(); }
