/* suite.h - what every winpoll.h test suite starts with: the implementation,
   the runner, and helpers shared by the suites. Include it once, first. */
#ifndef SUITE_H
#define SUITE_H

#define WINPOLL_IMPLEMENTATION
#include "../winpoll.h"
#include <stdio.h>

/* Results in failure messages are printed with their name and text. */
static __inline void suite_errtext(long long r, char *buf, size_t size) {
    size_t n;
    if (r >= 0) {
        buf[0] = 0;
        return;
    }
    n = (size_t)snprintf(buf, size, "%s: ", wp_error_name(r));
    if (n < size) wp_strerror(r, buf + n, size - n);
}
#define WPT_ERRTEXT(r, buf, size) suite_errtext((r), (buf), (size))

#include "wptest.h"

#endif
