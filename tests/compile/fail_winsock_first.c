/* Must fail: <winsock.h> before the header. */
#include <winsock.h>
#include "../../winpoll.h"
