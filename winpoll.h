/* winpoll.h v0.1.0 - Go's Windows I/O layer for C and C++. License (MIT) at end of file.

   DO THIS

   In exactly one C or C++ file of your program, write

       #define WINPOLL_IMPLEMENTATION
       #include "winpoll.h"

   and include "winpoll.h" without the define wherever else you need it.
   Link with Winsock:

       clang-cl / MSVC   nothing to add (the header asks for ws2_32.lib itself)
       mingw-w64 gcc     x86_64-w64-mingw32-gcc app.c -lws2_32

   The header includes <winsock2.h>, <ws2tcpip.h>, <mswsock.h> and <windows.h>
   in that order. Include it before <windows.h>, or define WIN32_LEAN_AND_MEAN
   before your own <windows.h>: <windows.h> alone pulls in the old <winsock.h>,
   which cannot coexist with <winsock2.h>.

   TABLE OF CONTENTS (search for the anchors)

       >>config    options, version, linkage, Windows headers, the mode switch
       >>errors    the result convention, the library's codes, error text and classes
       >>init      process-wide initialisation, the compiled mode
       >>license   MIT

   OPTIONS

       macro                        scope                     meaning
       WINPOLL_IMPLEMENTATION       one file                  compile the implementation into this file
       WINPOLL_STATIC               every file                make every function static (each file that
                                                              includes the header defines the implementation)
       WINPOLL_BLOCKING             implementation file       blocking mode: plain blocking calls, no
                                                              completion port (see MODES)
       WINPOLL_IOCP                 implementation file       completion-port mode, the default; defining it
                                                              together with WINPOLL_BLOCKING is an error
       WINPOLL_API                  every file                the linkage of every function (default extern)
       WINPOLL_ASSERT(x)            implementation file       internal consistency checks (default assert())
       WINPOLL_MALLOC(size, ctx)    implementation file       memory the library allocates; define all three or
       WINPOLL_REALLOC(p, size, ctx)                          none (default: the process heap). ctx is the
       WINPOLL_FREE(p, ctx)                                   alloc_ctx of the object the memory belongs to.

   ERRORS

       Every function returns one signed integer. A value >= 0 is the result (a
       byte count, a handle index, or 0 for plain success). A value < 0 is minus
       an error code: the exact Win32 or Winsock code the system reported
       (-ERROR_FILE_NOT_FOUND, -WSAECONNREFUSED, ...), never remapped, or one of
       the library's own codes (WINPOLL_ERR_*), which live in the range Windows
       reserves for applications (bit 29 set) and so never collide with a system
       code. Functions that return byte counts return long long; the others int.
       wp_strerror() turns either into UTF-8 text, wp_is_not_exist() and its
       siblings classify it. There is no global last-error.

   MODES

       Completion-port mode (the default) runs I/O as overlapped operations on an
       I/O completion port. Blocking mode (WINPOLL_BLOCKING) runs the same API
       through plain blocking calls. Only the implementation file needs the
       macro; the declarations and struct layouts are identical in both modes,
       and wp_mode() tells at run time which one was compiled.

   THREADING

       Unless its comment says otherwise, every function may be called from any
       thread. wp_init() runs once per process however many threads race to it.

   REQUIREMENTS

       Windows 7 or later; _WIN32_WINNT, if you set it, at least 0x0600. Functions
       newer than that are looked up at run time. Compilers: clang-cl, MSVC and
       mingw-w64 gcc, as C99 or C++, at their highest warning levels.
*/

/* >>config ------------------------------------------------------------------ */

#ifndef WINPOLL_H
#define WINPOLL_H

#define WINPOLL_VERSION_MAJOR 0
#define WINPOLL_VERSION_MINOR 1
#define WINPOLL_VERSION_PATCH 0
#define WINPOLL_VERSION_STRING "0.1.0"

#if !defined(_WIN32)
#error "winpoll.h: this library is for Windows only (_WIN32 is not defined)."
#endif

/* <windows.h> without WIN32_LEAN_AND_MEAN includes <winsock.h>, whose
   declarations clash with <winsock2.h>. */
#if defined(_WINSOCKAPI_) && !defined(_WINSOCK2API_)
#error "winpoll.h: <winsock.h> was included before winpoll.h (<windows.h> includes it unless WIN32_LEAN_AND_MEAN is defined). Fix: include winpoll.h (or <winsock2.h>) before <windows.h>, or define WIN32_LEAN_AND_MEAN before including <windows.h>."
#endif

#if defined(WINPOLL_BLOCKING) && defined(WINPOLL_IOCP)
#error "winpoll.h: WINPOLL_BLOCKING and WINPOLL_IOCP are both defined. Define at most one: completion-port mode (WINPOLL_IOCP) is the default, WINPOLL_BLOCKING selects blocking mode."
#endif
#if defined(WINPOLL_BLOCKING)
#define WINPOLL__BLOCKING 1
#else
#define WINPOLL__BLOCKING 0
#endif

#ifndef WINPOLL_API
#if defined(WINPOLL_STATIC)
#if defined(__GNUC__) || defined(__clang__)
#define WINPOLL_API static __attribute__((unused))
#else
#define WINPOLL_API static
#endif
#else
#define WINPOLL_API extern
#endif
#endif

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#define WINPOLL__DEFINED_LEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#define WINPOLL__DEFINED_NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>
#include <stddef.h>
#ifdef WINPOLL__DEFINED_LEAN
#undef WIN32_LEAN_AND_MEAN
#undef WINPOLL__DEFINED_LEAN
#endif
#ifdef WINPOLL__DEFINED_NOMINMAX
#undef NOMINMAX
#undef WINPOLL__DEFINED_NOMINMAX
#endif

#if defined(_WIN32_WINNT) && _WIN32_WINNT < 0x0600
#error "winpoll.h: _WIN32_WINNT is below 0x0600. winpoll.h needs the Windows Vista API set at compile time (it runs on Windows 7 and later); set _WIN32_WINNT to 0x0600 or higher, or leave it to the SDK."
#endif

#if defined(_MSC_VER)
#pragma comment(lib, "ws2_32")
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* >>errors ------------------------------------------------------------------ */

/* The library's own error codes. A function returns the negative:
   if (r == -WINPOLL_ERR_DEADLINE) ...
   They have bit 29 set, the range Windows leaves to applications. */
#define WINPOLL_ERR_BASE            0x20000000
/* An operation on a file, pipe or console FD that is closed or closing
   (Go's ErrFileClosing, "use of closed file"). */
#define WINPOLL_ERR_FILE_CLOSING    0x20000001
/* An operation on a socket FD that is closed or closing (Go's
   ErrNetClosing, "use of closed network connection"). */
#define WINPOLL_ERR_NET_CLOSING     0x20000002
/* The FD's read or write deadline passed (Go's ErrDeadlineExceeded, "i/o
   timeout"). In the timeout class. */
#define WINPOLL_ERR_DEADLINE        0x20000003
/* End of file, where a count of zero cannot say it. */
#define WINPOLL_ERR_EOF             0x20000004
/* The handle cannot be used with the completion port (Go's ErrNotPollable). */
#define WINPOLL_ERR_NOT_POLLABLE    0x20000005
/* Too many concurrent operations on one FD (more than 1048575 references or
   waiters); Go panics here, winpoll.h returns this. */
#define WINPOLL_ERR_TOO_MANY_REFS   0x20000006

/* wp_strerror: writes the text of an error as UTF-8 into buf.
   err: a negative result (-code) or the positive code itself.
   System codes get the system's message (FormatMessageW, in English where that
   language is installed, else the user's default language) without its
   trailing period and line break; the library's codes get their own text;
   a code nobody knows gets "winapi error #N".
   Writes at most size bytes including the terminating NUL (always
   NUL-terminated when size > 0) and never cuts a UTF-8 sequence in half.
   Returns the length of the whole text in bytes, without the NUL, like
   snprintf: a return value >= size means the text was truncated. */
WINPOLL_API size_t wp_strerror(long long err, char *buf, size_t size);

/* wp_error_name: the symbolic name of an error code ("ERROR_FILE_NOT_FOUND",
   "WSAECONNREFUSED", "WINPOLL_ERR_DEADLINE"), or "" for a code the library's
   table does not list. err as for wp_strerror. Returns a static string. */
WINPOLL_API const char *wp_error_name(long long err);

/* wp_errno_name: the POSIX errno name closest to an error code ("ENOENT",
   "ECONNREFUSED", "ETIMEDOUT"), for logs and portable callers, or "" where no
   errno fits. err as for wp_strerror. Returns a static string. */
WINPOLL_API const char *wp_errno_name(long long err);

/* Error classes, as Go's os.IsNotExist and friends but on the real Windows
   codes. Each takes a result and returns 1 when it is an error (< 0) in the
   class, else 0; a result >= 0 is never an error, so pass -code, not code.
   not_exist   a file, path, host or name does not exist
   exist       it already exists (file, directory not empty)
   permission  access denied, a sharing or lock violation, a missing privilege
   unsupported the system, the file system or the protocol lacks the feature
   timeout     a deadline, a timeout or would-block
   temporary   trying again later may succeed (timeouts, resource shortages)
   closed      the FD was closed (WINPOLL_ERR_FILE_CLOSING, _NET_CLOSING)
   eof         end of file (WINPOLL_ERR_EOF, ERROR_HANDLE_EOF, a broken pipe) */
WINPOLL_API int wp_is_not_exist(long long err);
WINPOLL_API int wp_is_exist(long long err);
WINPOLL_API int wp_is_permission(long long err);
WINPOLL_API int wp_is_unsupported(long long err);
WINPOLL_API int wp_is_timeout(long long err);
WINPOLL_API int wp_is_temporary(long long err);
WINPOLL_API int wp_is_closed(long long err);
WINPOLL_API int wp_is_eof(long long err);

/* >>init -------------------------------------------------------------------- */

/* wp_init: the process-wide initialisation (Winsock 2.2 via WSAStartup).
   Every function that needs it calls it itself, so calling it is optional; call
   it early to see a failure in one place. Runs once per process, however many
   threads call it at once; later calls return the first call's result.
   There is no cleanup: the state lives as long as the process.
   Returns 0, or minus the WSAStartup error (WSASYSNOTREADY,
   WSAVERNOTSUPPORTED, ...). */
WINPOLL_API int wp_init(void);

#define WINPOLL_MODE_IOCP     1
#define WINPOLL_MODE_BLOCKING 2

/* wp_mode: the mode the implementation was compiled in: WINPOLL_MODE_IOCP or
   WINPOLL_MODE_BLOCKING. */
WINPOLL_API int wp_mode(void);

#ifdef __cplusplus
}
#endif

#endif /* WINPOLL_H */

/* ============================================================================
   IMPLEMENTATION
   ========================================================================== */

#if defined(WINPOLL_IMPLEMENTATION) && !defined(WINPOLL_IMPLEMENTATION_INCLUDED)
#define WINPOLL_IMPLEMENTATION_INCLUDED

/* >>config ------------------------------------------------------------------ */

#if defined(WINPOLL_MALLOC) || defined(WINPOLL_REALLOC) || defined(WINPOLL_FREE)
#if !defined(WINPOLL_MALLOC) || !defined(WINPOLL_REALLOC) || !defined(WINPOLL_FREE)
#error "winpoll.h: define WINPOLL_MALLOC, WINPOLL_REALLOC and WINPOLL_FREE all together, or none of them."
#endif
#define WINPOLL__MALLOC(size, ctx) WINPOLL_MALLOC(size, ctx)
#define WINPOLL__REALLOC(p, size, ctx) WINPOLL_REALLOC(p, size, ctx)
#define WINPOLL__FREE(p, ctx) WINPOLL_FREE(p, ctx)
#else
#define WINPOLL__MALLOC(size, ctx) ((void)(ctx), HeapAlloc(GetProcessHeap(), 0, (size)))
#define WINPOLL__REALLOC(p, size, ctx) \
    ((void)(ctx), (p) ? HeapReAlloc(GetProcessHeap(), 0, (p), (size)) : HeapAlloc(GetProcessHeap(), 0, (size)))
#define WINPOLL__FREE(p, ctx) ((void)(ctx), (p) ? (void)HeapFree(GetProcessHeap(), 0, (p)) : (void)0)
#endif

#ifndef WINPOLL_ASSERT
#include <assert.h>
#define WINPOLL_ASSERT(x) assert(x)
#endif

#if defined(_MSC_VER) && !defined(__clang__)
#pragma warning(push)
#pragma warning(disable : 4505) /* unreferenced static function, under WINPOLL_STATIC */
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* >>errors ------------------------------------------------------------------ */

/* Classes, as bits. */
#define WINPOLL__C_NOT_EXIST   0x01u
#define WINPOLL__C_EXIST       0x02u
#define WINPOLL__C_PERMISSION  0x04u
#define WINPOLL__C_UNSUPPORTED 0x08u
#define WINPOLL__C_TIMEOUT     0x10u
#define WINPOLL__C_TEMPORARY   0x20u
#define WINPOLL__C_CLOSED      0x40u
#define WINPOLL__C_EOF         0x80u

/* Every code the library knows: X(code, name, classes, errno name). Numbers,
   not SDK macros, because each SDK lacks some of the macros. A duplicate code
   is a compile error (a duplicate case below). */
#define WINPOLL__ERROR_TABLE(X) \
    X(0, "ERROR_SUCCESS", 0, "") \
    X(1, "ERROR_INVALID_FUNCTION", 0, "EINVAL") \
    X(2, "ERROR_FILE_NOT_FOUND", WINPOLL__C_NOT_EXIST, "ENOENT") \
    X(3, "ERROR_PATH_NOT_FOUND", WINPOLL__C_NOT_EXIST, "ENOENT") \
    X(4, "ERROR_TOO_MANY_OPEN_FILES", WINPOLL__C_TEMPORARY, "EMFILE") \
    X(5, "ERROR_ACCESS_DENIED", WINPOLL__C_PERMISSION, "EACCES") \
    X(6, "ERROR_INVALID_HANDLE", 0, "EBADF") \
    X(8, "ERROR_NOT_ENOUGH_MEMORY", 0, "ENOMEM") \
    X(13, "ERROR_INVALID_DATA", 0, "EINVAL") \
    X(14, "ERROR_OUTOFMEMORY", 0, "ENOMEM") \
    X(15, "ERROR_INVALID_DRIVE", WINPOLL__C_NOT_EXIST, "ENOENT") \
    X(16, "ERROR_CURRENT_DIRECTORY", 0, "EACCES") \
    X(17, "ERROR_NOT_SAME_DEVICE", 0, "EXDEV") \
    X(18, "ERROR_NO_MORE_FILES", 0, "ENOENT") \
    X(19, "ERROR_WRITE_PROTECT", WINPOLL__C_PERMISSION, "EROFS") \
    X(21, "ERROR_NOT_READY", WINPOLL__C_TEMPORARY, "EAGAIN") \
    X(23, "ERROR_CRC", 0, "EIO") \
    X(29, "ERROR_WRITE_FAULT", 0, "EIO") \
    X(30, "ERROR_READ_FAULT", 0, "EIO") \
    X(31, "ERROR_GEN_FAILURE", 0, "EIO") \
    X(32, "ERROR_SHARING_VIOLATION", WINPOLL__C_PERMISSION, "EACCES") \
    X(33, "ERROR_LOCK_VIOLATION", WINPOLL__C_PERMISSION, "EACCES") \
    X(38, "ERROR_HANDLE_EOF", WINPOLL__C_EOF, "") \
    X(39, "ERROR_HANDLE_DISK_FULL", 0, "ENOSPC") \
    X(50, "ERROR_NOT_SUPPORTED", WINPOLL__C_UNSUPPORTED, "ENOTSUP") \
    X(53, "ERROR_BAD_NETPATH", WINPOLL__C_NOT_EXIST, "ENOENT") \
    X(55, "ERROR_DEV_NOT_EXIST", WINPOLL__C_NOT_EXIST, "ENODEV") \
    X(64, "ERROR_NETNAME_DELETED", 0, "ECONNRESET") \
    X(65, "ERROR_NETWORK_ACCESS_DENIED", WINPOLL__C_PERMISSION, "EACCES") \
    X(67, "ERROR_BAD_NET_NAME", WINPOLL__C_NOT_EXIST, "ENOENT") \
    X(80, "ERROR_FILE_EXISTS", WINPOLL__C_EXIST, "EEXIST") \
    X(82, "ERROR_CANNOT_MAKE", WINPOLL__C_PERMISSION, "EACCES") \
    X(87, "ERROR_INVALID_PARAMETER", 0, "EINVAL") \
    X(109, "ERROR_BROKEN_PIPE", WINPOLL__C_EOF, "EPIPE") \
    X(111, "ERROR_BUFFER_OVERFLOW", 0, "ENAMETOOLONG") \
    X(112, "ERROR_DISK_FULL", 0, "ENOSPC") \
    X(120, "ERROR_CALL_NOT_IMPLEMENTED", WINPOLL__C_UNSUPPORTED, "ENOSYS") \
    X(121, "ERROR_SEM_TIMEOUT", WINPOLL__C_TIMEOUT | WINPOLL__C_TEMPORARY, "ETIMEDOUT") \
    X(122, "ERROR_INSUFFICIENT_BUFFER", 0, "ERANGE") \
    X(123, "ERROR_INVALID_NAME", 0, "EINVAL") \
    X(126, "ERROR_MOD_NOT_FOUND", WINPOLL__C_NOT_EXIST, "ENOENT") \
    X(127, "ERROR_PROC_NOT_FOUND", WINPOLL__C_UNSUPPORTED, "ENOSYS") \
    X(128, "ERROR_WAIT_NO_CHILDREN", 0, "ECHILD") \
    X(131, "ERROR_NEGATIVE_SEEK", 0, "EINVAL") \
    X(145, "ERROR_DIR_NOT_EMPTY", WINPOLL__C_EXIST, "ENOTEMPTY") \
    X(161, "ERROR_BAD_PATHNAME", WINPOLL__C_NOT_EXIST, "ENOENT") \
    X(167, "ERROR_LOCK_FAILED", WINPOLL__C_PERMISSION, "EACCES") \
    X(170, "ERROR_BUSY", WINPOLL__C_TEMPORARY, "EBUSY") \
    X(183, "ERROR_ALREADY_EXISTS", WINPOLL__C_EXIST, "EEXIST") \
    X(193, "ERROR_BAD_EXE_FORMAT", 0, "ENOEXEC") \
    X(203, "ERROR_ENVVAR_NOT_FOUND", WINPOLL__C_NOT_EXIST, "ENOENT") \
    X(206, "ERROR_FILENAME_EXCED_RANGE", 0, "ENAMETOOLONG") \
    X(231, "ERROR_PIPE_BUSY", WINPOLL__C_TEMPORARY, "EBUSY") \
    X(232, "ERROR_NO_DATA", 0, "EPIPE") \
    X(233, "ERROR_PIPE_NOT_CONNECTED", 0, "EPIPE") \
    X(234, "ERROR_MORE_DATA", 0, "EMSGSIZE") \
    X(258, "WAIT_TIMEOUT", WINPOLL__C_TIMEOUT | WINPOLL__C_TEMPORARY, "ETIMEDOUT") \
    X(267, "ERROR_DIRECTORY", 0, "ENOTDIR") \
    X(288, "ERROR_NOT_OWNER", WINPOLL__C_PERMISSION, "EPERM") \
    X(303, "ERROR_DELETE_PENDING", WINPOLL__C_PERMISSION, "EACCES") \
    X(487, "ERROR_INVALID_ADDRESS", 0, "EFAULT") \
    X(535, "ERROR_PIPE_CONNECTED", 0, "EISCONN") \
    X(536, "ERROR_PIPE_LISTENING", 0, "") \
    X(676, "ERROR_HANDLES_CLOSED", 0, "ECANCELED") \
    X(740, "ERROR_ELEVATION_REQUIRED", WINPOLL__C_PERMISSION, "EACCES") \
    X(995, "ERROR_OPERATION_ABORTED", 0, "ECANCELED") \
    X(996, "ERROR_IO_INCOMPLETE", 0, "EINPROGRESS") \
    X(997, "ERROR_IO_PENDING", 0, "EINPROGRESS") \
    X(998, "ERROR_NOACCESS", 0, "EFAULT") \
    X(1004, "ERROR_INVALID_FLAGS", 0, "EINVAL") \
    X(1113, "ERROR_NO_UNICODE_TRANSLATION", 0, "EILSEQ") \
    X(1168, "ERROR_NOT_FOUND", 0, "ENOENT") \
    X(1225, "ERROR_CONNECTION_REFUSED", 0, "ECONNREFUSED") \
    X(1226, "ERROR_GRACEFUL_DISCONNECT", 0, "EPIPE") \
    X(1227, "ERROR_ADDRESS_ALREADY_ASSOCIATED", 0, "EADDRINUSE") \
    X(1231, "ERROR_NETWORK_UNREACHABLE", 0, "ENETUNREACH") \
    X(1232, "ERROR_HOST_UNREACHABLE", 0, "EHOSTUNREACH") \
    X(1234, "ERROR_PORT_UNREACHABLE", 0, "ECONNREFUSED") \
    X(1235, "ERROR_REQUEST_ABORTED", 0, "ECANCELED") \
    X(1236, "ERROR_CONNECTION_ABORTED", 0, "ECONNABORTED") \
    X(1314, "ERROR_PRIVILEGE_NOT_HELD", WINPOLL__C_PERMISSION, "EPERM") \
    X(1450, "ERROR_NO_SYSTEM_RESOURCES", WINPOLL__C_TEMPORARY, "ENOMEM") \
    X(1460, "ERROR_TIMEOUT", WINPOLL__C_TIMEOUT | WINPOLL__C_TEMPORARY, "ETIMEDOUT") \
    X(1816, "ERROR_NOT_ENOUGH_QUOTA", WINPOLL__C_TEMPORARY, "ENOMEM") \
    X(1920, "ERROR_CANT_ACCESS_FILE", WINPOLL__C_PERMISSION, "EACCES") \
    X(1921, "ERROR_CANT_RESOLVE_FILENAME", 0, "ELOOP") \
    X(4390, "ERROR_NOT_A_REPARSE_POINT", 0, "EINVAL") \
    X(10004, "WSAEINTR", WINPOLL__C_TEMPORARY, "EINTR") \
    X(10009, "WSAEBADF", 0, "EBADF") \
    X(10013, "WSAEACCES", WINPOLL__C_PERMISSION, "EACCES") \
    X(10014, "WSAEFAULT", 0, "EFAULT") \
    X(10022, "WSAEINVAL", 0, "EINVAL") \
    X(10024, "WSAEMFILE", WINPOLL__C_TEMPORARY, "EMFILE") \
    X(10035, "WSAEWOULDBLOCK", WINPOLL__C_TIMEOUT | WINPOLL__C_TEMPORARY, "EWOULDBLOCK") \
    X(10036, "WSAEINPROGRESS", 0, "EINPROGRESS") \
    X(10037, "WSAEALREADY", 0, "EALREADY") \
    X(10038, "WSAENOTSOCK", 0, "ENOTSOCK") \
    X(10039, "WSAEDESTADDRREQ", 0, "EDESTADDRREQ") \
    X(10040, "WSAEMSGSIZE", 0, "EMSGSIZE") \
    X(10041, "WSAEPROTOTYPE", 0, "EPROTOTYPE") \
    X(10042, "WSAENOPROTOOPT", WINPOLL__C_UNSUPPORTED, "ENOPROTOOPT") \
    X(10043, "WSAEPROTONOSUPPORT", WINPOLL__C_UNSUPPORTED, "EPROTONOSUPPORT") \
    X(10044, "WSAESOCKTNOSUPPORT", WINPOLL__C_UNSUPPORTED, "EPROTONOSUPPORT") \
    X(10045, "WSAEOPNOTSUPP", WINPOLL__C_UNSUPPORTED, "EOPNOTSUPP") \
    X(10046, "WSAEPFNOSUPPORT", WINPOLL__C_UNSUPPORTED, "EAFNOSUPPORT") \
    X(10047, "WSAEAFNOSUPPORT", WINPOLL__C_UNSUPPORTED, "EAFNOSUPPORT") \
    X(10048, "WSAEADDRINUSE", 0, "EADDRINUSE") \
    X(10049, "WSAEADDRNOTAVAIL", 0, "EADDRNOTAVAIL") \
    X(10050, "WSAENETDOWN", 0, "ENETDOWN") \
    X(10051, "WSAENETUNREACH", 0, "ENETUNREACH") \
    X(10052, "WSAENETRESET", 0, "ENETRESET") \
    X(10053, "WSAECONNABORTED", 0, "ECONNABORTED") \
    X(10054, "WSAECONNRESET", 0, "ECONNRESET") \
    X(10055, "WSAENOBUFS", WINPOLL__C_TEMPORARY, "ENOBUFS") \
    X(10056, "WSAEISCONN", 0, "EISCONN") \
    X(10057, "WSAENOTCONN", 0, "ENOTCONN") \
    X(10058, "WSAESHUTDOWN", 0, "EPIPE") \
    X(10059, "WSAETOOMANYREFS", 0, "") \
    X(10060, "WSAETIMEDOUT", WINPOLL__C_TIMEOUT | WINPOLL__C_TEMPORARY, "ETIMEDOUT") \
    X(10061, "WSAECONNREFUSED", 0, "ECONNREFUSED") \
    X(10062, "WSAELOOP", 0, "ELOOP") \
    X(10063, "WSAENAMETOOLONG", 0, "ENAMETOOLONG") \
    X(10064, "WSAEHOSTDOWN", 0, "EHOSTUNREACH") \
    X(10065, "WSAEHOSTUNREACH", 0, "EHOSTUNREACH") \
    X(10067, "WSAEPROCLIM", WINPOLL__C_TEMPORARY, "EAGAIN") \
    X(10091, "WSASYSNOTREADY", WINPOLL__C_TEMPORARY, "EAGAIN") \
    X(10092, "WSAVERNOTSUPPORTED", WINPOLL__C_UNSUPPORTED, "ENOTSUP") \
    X(10093, "WSANOTINITIALISED", 0, "EINVAL") \
    X(10101, "WSAEDISCON", 0, "EPIPE") \
    X(10109, "WSATYPE_NOT_FOUND", WINPOLL__C_NOT_EXIST, "ENOENT") \
    X(11001, "WSAHOST_NOT_FOUND", WINPOLL__C_NOT_EXIST, "") \
    X(11002, "WSATRY_AGAIN", WINPOLL__C_TEMPORARY, "EAGAIN") \
    X(11003, "WSANO_RECOVERY", 0, "") \
    X(11004, "WSANO_DATA", WINPOLL__C_NOT_EXIST, "") \
    X(WINPOLL_ERR_FILE_CLOSING, "WINPOLL_ERR_FILE_CLOSING", WINPOLL__C_CLOSED, "EBADF") \
    X(WINPOLL_ERR_NET_CLOSING, "WINPOLL_ERR_NET_CLOSING", WINPOLL__C_CLOSED, "EBADF") \
    X(WINPOLL_ERR_DEADLINE, "WINPOLL_ERR_DEADLINE", WINPOLL__C_TIMEOUT | WINPOLL__C_TEMPORARY, "ETIMEDOUT") \
    X(WINPOLL_ERR_EOF, "WINPOLL_ERR_EOF", WINPOLL__C_EOF, "") \
    X(WINPOLL_ERR_NOT_POLLABLE, "WINPOLL_ERR_NOT_POLLABLE", WINPOLL__C_UNSUPPORTED, "") \
    X(WINPOLL_ERR_TOO_MANY_REFS, "WINPOLL_ERR_TOO_MANY_REFS", 0, "EOVERFLOW")

/* The text of the library's own codes (system codes get FormatMessageW's). */
#define WINPOLL__OWN_TEXT_TABLE(X) \
    X(WINPOLL_ERR_FILE_CLOSING, "use of closed file") \
    X(WINPOLL_ERR_NET_CLOSING, "use of closed network connection") \
    X(WINPOLL_ERR_DEADLINE, "i/o timeout (deadline exceeded)") \
    X(WINPOLL_ERR_EOF, "end of file") \
    X(WINPOLL_ERR_NOT_POLLABLE, "not pollable") \
    X(WINPOLL_ERR_TOO_MANY_REFS, "too many concurrent operations on a single file or socket (max 1048575)")

typedef struct wp__error_info {
    const char *name;
    const char *errno_name;
    unsigned classes;
} wp__error_info;

/* Maps a result or a code to the code; results >= 0 that are not codes are the
   callers' business, so both signs are accepted. Values that do not fit a
   DWORD map to a code no table lists. */
static unsigned long wp__error_code(long long err) {
    unsigned long long u = err < 0 ? 0ull - (unsigned long long)err : (unsigned long long)err;
    return u > 0xFFFFFFFFull ? 0xFFFFFFFFul : (unsigned long)u;
}

static wp__error_info wp__error_lookup(unsigned long code) {
    wp__error_info info;
    info.name = "";
    info.errno_name = "";
    info.classes = 0;
    switch (code) {
#define WINPOLL__X(c, n, cls, eno) \
    case c: info.name = n; info.errno_name = eno; info.classes = cls; break;
    WINPOLL__ERROR_TABLE(WINPOLL__X)
#undef WINPOLL__X
    default: break;
    }
    return info;
}

/* Appends the UTF-8 form of UTF-16 text to buf[*len...], writing only whole
   sequences that fit before buf[size - 1], and counts the full length in
   *need. An unpaired surrogate becomes U+FFFD. */
static void wp__utf16_append_utf8(const WCHAR *w, size_t n, char *buf, size_t size, size_t *len, size_t *need) {
    size_t i = 0;
    while (i < n) {
        unsigned long c = w[i++];
        unsigned char seq[4];
        size_t k, m;
        if (c >= 0xD800 && c <= 0xDBFF && i < n && w[i] >= 0xDC00 && w[i] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + ((unsigned long)w[i] - 0xDC00);
            i++;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = 0xFFFD;
        }
        if (c < 0x80) {
            seq[0] = (unsigned char)c;
            m = 1;
        } else if (c < 0x800) {
            seq[0] = (unsigned char)(0xC0 | (c >> 6));
            seq[1] = (unsigned char)(0x80 | (c & 0x3F));
            m = 2;
        } else if (c < 0x10000) {
            seq[0] = (unsigned char)(0xE0 | (c >> 12));
            seq[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
            seq[2] = (unsigned char)(0x80 | (c & 0x3F));
            m = 3;
        } else {
            seq[0] = (unsigned char)(0xF0 | (c >> 18));
            seq[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
            seq[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
            seq[3] = (unsigned char)(0x80 | (c & 0x3F));
            m = 4;
        }
        /* Once one sequence did not fit, *len stops while *need runs on, so
           nothing after a gap is written. */
        if (*len == *need && size > 0 && *len + m < size) {
            for (k = 0; k < m; k++) buf[*len + k] = (char)seq[k];
            *len += m;
        }
        *need += m;
    }
}

static void wp__ascii_append(const char *s, char *buf, size_t size, size_t *len, size_t *need) {
    for (; *s; s++) {
        if (*len == *need && size > 0 && *len + 1 < size) buf[(*len)++] = *s;
        (*need)++;
    }
}

/* FormatMessageW's text for a system code, trimmed of trailing white space and
   periods. Returns the number of UTF-16 units, 0 if the system has no text. */
static DWORD wp__system_message(unsigned long code, WCHAR *w, DWORD cap) {
    const DWORD flags = FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_MAX_WIDTH_MASK;
    DWORD n = FormatMessageW(flags, NULL, code, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), w, cap, NULL);
    if (n == 0) n = FormatMessageW(flags, NULL, code, 0, w, cap, NULL);
    while (n > 0 && (w[n - 1] == L' ' || w[n - 1] == L'\r' || w[n - 1] == L'\n' || w[n - 1] == L'\t' || w[n - 1] == L'.'))
        n--;
    return n;
}

WINPOLL_API size_t wp_strerror(long long err, char *buf, size_t size) {
    unsigned long code = wp__error_code(err);
    const char *own = NULL;
    size_t len = 0, need = 0;
    switch (code) {
#define WINPOLL__X(c, text) \
    case c: own = text; break;
    WINPOLL__OWN_TEXT_TABLE(WINPOLL__X)
#undef WINPOLL__X
    default: break;
    }
    if (own != NULL) {
        wp__ascii_append(own, buf, size, &len, &need);
    } else {
        WCHAR w[1024];
        DWORD n = (code & WINPOLL_ERR_BASE) ? 0 : wp__system_message(code, w, 1024);
        if (n > 0) {
            wp__utf16_append_utf8(w, n, buf, size, &len, &need);
        } else {
            char digits[16];
            int d = 0;
            unsigned long v = code;
            do {
                digits[d++] = (char)('0' + v % 10);
                v /= 10;
            } while (v != 0);
            wp__ascii_append("winapi error #", buf, size, &len, &need);
            while (d > 0) {
                char one[2];
                one[0] = digits[--d];
                one[1] = 0;
                wp__ascii_append(one, buf, size, &len, &need);
            }
        }
    }
    if (size > 0 && buf != NULL) buf[len] = 0;
    return need;
}

WINPOLL_API const char *wp_error_name(long long err) {
    return wp__error_lookup(wp__error_code(err)).name;
}

WINPOLL_API const char *wp_errno_name(long long err) {
    return wp__error_lookup(wp__error_code(err)).errno_name;
}

/* Only negative results are errors: a byte count of 38 is not ERROR_HANDLE_EOF. */
static int wp__error_in(long long err, unsigned cls) {
    return err < 0 && (wp__error_lookup(wp__error_code(err)).classes & cls) != 0;
}

WINPOLL_API int wp_is_not_exist(long long err) { return wp__error_in(err, WINPOLL__C_NOT_EXIST); }
WINPOLL_API int wp_is_exist(long long err) { return wp__error_in(err, WINPOLL__C_EXIST); }
WINPOLL_API int wp_is_permission(long long err) { return wp__error_in(err, WINPOLL__C_PERMISSION); }
WINPOLL_API int wp_is_unsupported(long long err) { return wp__error_in(err, WINPOLL__C_UNSUPPORTED); }
WINPOLL_API int wp_is_timeout(long long err) { return wp__error_in(err, WINPOLL__C_TIMEOUT); }
WINPOLL_API int wp_is_temporary(long long err) { return wp__error_in(err, WINPOLL__C_TEMPORARY); }
WINPOLL_API int wp_is_closed(long long err) { return wp__error_in(err, WINPOLL__C_CLOSED); }
WINPOLL_API int wp_is_eof(long long err) { return wp__error_in(err, WINPOLL__C_EOF); }

/* >>init -------------------------------------------------------------------- */

static INIT_ONCE wp__init_once = INIT_ONCE_STATIC_INIT;
static int wp__init_result;

static BOOL CALLBACK wp__init_run(PINIT_ONCE once, PVOID param, PVOID *context) {
    WSADATA wsa;
    int r;
    (void)once;
    (void)param;
    (void)context;
    r = WSAStartup(MAKEWORD(2, 2), &wsa);
    if (r == 0 && wsa.wVersion != MAKEWORD(2, 2)) {
        WSACleanup();
        r = WSAVERNOTSUPPORTED;
    }
    wp__init_result = r == 0 ? 0 : -r;
    return TRUE;
}

WINPOLL_API int wp_init(void) {
    InitOnceExecuteOnce(&wp__init_once, wp__init_run, NULL, NULL);
    return wp__init_result;
}

WINPOLL_API int wp_mode(void) {
    return WINPOLL__BLOCKING ? WINPOLL_MODE_BLOCKING : WINPOLL_MODE_IOCP;
}

#ifdef __cplusplus
}
#endif

#if defined(_MSC_VER) && !defined(__clang__)
#pragma warning(pop)
#endif

#undef WINPOLL__C_NOT_EXIST
#undef WINPOLL__C_EXIST
#undef WINPOLL__C_PERMISSION
#undef WINPOLL__C_UNSUPPORTED
#undef WINPOLL__C_TIMEOUT
#undef WINPOLL__C_TEMPORARY
#undef WINPOLL__C_CLOSED
#undef WINPOLL__C_EOF
#undef WINPOLL__ERROR_TABLE
#undef WINPOLL__OWN_TEXT_TABLE
#undef WINPOLL__MALLOC
#undef WINPOLL__REALLOC
#undef WINPOLL__FREE

#endif /* WINPOLL_IMPLEMENTATION */

/* >>license -----------------------------------------------------------------

MIT License

Copyright (c) 2026 the winpoll.h authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
*/
