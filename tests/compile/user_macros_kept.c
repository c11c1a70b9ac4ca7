/* Macros the user defined stay defined, hooks the user gave are used. */
#define WIN32_LEAN_AND_MEAN
#define NOMINMAX
#define WINPOLL_ASSERT(x) ((void)(x))
#define WINPOLL_MALLOC(size, ctx) ((void)(ctx), HeapAlloc(GetProcessHeap(), 0, (size)))
#define WINPOLL_REALLOC(p, size, ctx) ((void)(ctx), HeapReAlloc(GetProcessHeap(), 0, (p), (size)))
#define WINPOLL_FREE(p, ctx) ((void)(ctx), HeapFree(GetProcessHeap(), 0, (p)))
#define WINPOLL_IMPLEMENTATION
#include "../../winpoll.h"

#if !defined(WIN32_LEAN_AND_MEAN) || !defined(NOMINMAX) || !defined(WINPOLL_ASSERT) || !defined(WINPOLL_MALLOC)
#error "winpoll.h undefined a macro the user defined"
#endif

int main(void) { return wp_init(); }
