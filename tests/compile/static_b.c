/* The second file of the WINPOLL_STATIC check (see static_a.c). */
#define WINPOLL_STATIC
#define WINPOLL_IMPLEMENTATION
#include "../../winpoll.h"

const char *static_b_name(void);
const char *static_b_name(void) { return wp_error_name(-WINPOLL_ERR_EOF); }
