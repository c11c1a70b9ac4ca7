/* The declarations alone (no WINPOLL_IMPLEMENTATION): what every other file
   of a program sees. */
#include "../../winpoll.h"

size_t (*volatile check_strerror)(long long, char *, size_t) = wp_strerror;
