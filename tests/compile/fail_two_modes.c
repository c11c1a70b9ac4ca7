/* Must fail: both mode macros. */
#define WINPOLL_IOCP
#define WINPOLL_BLOCKING
#include "../../winpoll.h"
