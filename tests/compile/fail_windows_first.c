/* Must fail: <windows.h> without WIN32_LEAN_AND_MEAN brings <winsock.h>. */
#include <windows.h>
#include "../../winpoll.h"
