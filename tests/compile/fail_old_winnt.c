/* Must fail: a _WIN32_WINNT older than the header needs. */
#define _WIN32_WINNT 0x0501
#include "../../winpoll.h"
