/* Must fail: one allocator hook without the others. */
#define WINPOLL_MALLOC(size, ctx) HeapAlloc(GetProcessHeap(), 0, (size))
#define WINPOLL_IMPLEMENTATION
#include "../../winpoll.h"
