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
       >>strings   UTF-8 <-> UTF-16, the caller's-buffer rule, long paths
       >>time      wall clock, monotonic clock, FILETIME
       >>files     open with POSIX flags, read, write, seek, truncate, sync, chmod, utimes
       >>dirs      file information, directories, names, links, listing
       >>process   pipes, spawning with an exact handle list, argument quoting, UTF-8 argv, wait, ids
       >>sockaddr  IPv4, IPv6 and AF_UNIX addresses: raw SOCKADDR and text forms, name lookup
       >>sockets   socket calls and options
       >>console   the streaming UTF-8/UTF-16 transcoder, console FDs, VT mode
       >>fd        the FD: Go's fdMutex, close from any thread, file, pipe and console operations;
                   in the implementation also the engine of the loop, before the operations that use it:
         >>timers  the loop's timer heap: deadlines and timers
         >>leader  the wait: one thread leads the port, the others sleep; deadlines and timers fire
         >>execio  Go's execIO: start an overlapped operation, wait for it, its result
         >>ops     the FD's life and operations: init, close, read, write, pread, pwrite, ...
       >>loop      the completion port: attaching FDs (sockets, named pipes), deadlines, and
         >>netops  accept, connect, datagrams with addresses, gather writes, messages with
                   control data, raw I/O
         >>async   the async face: start, timers, posts, poll, wake
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
       WINPOLL_MAX_RW               implementation file       the most bytes one read or write call is given
                                                              (default 1 GiB: Win32 lengths are DWORDs); a
                                                              smaller value shows the chunking in tests
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

       Completion-port mode (the default) runs the I/O of attached FDs as
       overlapped operations on an I/O completion port that the calling
       threads take turns to serve. Blocking mode (WINPOLL_BLOCKING) creates
       no port: each call runs to its end in its own thread, waiting for its
       overlapped operation on an event of the FD (Windows' own "blocking"
       socket calls wait the same way), which is what lets a deadline or a
       close from another thread end exactly that call. Async operations run
       inside their start call and are handed back by the next poll; timers
       and posts work as in completion-port mode. Only
       the implementation file needs the macro; the declarations and struct
       layouts are identical in both modes, and wp_mode() tells at run time
       which one was compiled.

   THREADING

       Unless its comment says otherwise, every function may be called from any
       thread. wp_init() runs once per process however many threads race to it.
       An FD runs one read and one write at a time (others wait; an async start
       gets -ERROR_BUSY) and any number of other calls; wp_fd_close and
       wp_fd_set_deadline may come from any thread at any moment. Any number of
       threads may use one loop, in blocking calls and in wp_loop_poll at once;
       an async operation may be started from any thread, and one that
       finishes at once ends a wp_loop_poll wait in progress. Async
       operations advance while some thread polls the loop or waits on it in
       a blocking call; a blocking call that waits for the lock held by an
       async operation serves the loop meanwhile, so a thread may block
       behind its own async operation (it ends with its data or its
       deadline). wp_loop_wake and wp_loop_post are safe anywhere, a
       console control handler included. A transcoder state, a wp_dir, and
       a wp_async until it is handed back (a start while it is in flight
       gets -ERROR_BUSY), belong to one thread at a time.

   THE FD LIFECYCLE

       A wp_fd wraps a handle or socket for sharing between threads, as Go's
       internal/poll.FD does. wp_fd_init gives it the handle. Operations take a
       reference, and reads and writes also the FD's read or write lock, so one
       reader and one writer run at a time. wp_fd_close, from any thread, marks
       the FD closed: new operations fail at once with the closing error, threads
       waiting for a lock wake and fail, blocked pipe I/O is cancelled, and the
       handle is closed exactly once, by the last thread to leave. wp_fd_close
       returns only then, so the struct may be freed after it.

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
/* Network address text that wp_sockaddr_parse or wp_ip_parse cannot read. */
#define WINPOLL_ERR_BAD_ADDRESS     0x20000007

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

/* wp_init: the process-wide initialisation: Winsock 2.2 (WSAStartup), the
   extension functions (AcceptEx, ConnectEx, WSARecvMsg, ...) and the newer
   system functions, each looked up once into one table.
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

/* >>strings ----------------------------------------------------------------- */

/* Pass as a length to mean "up to the terminating NUL". */
#define WINPOLL_NUL_TERMINATED ((size_t)-1)

/* Every text conversion below follows one rule for the caller's buffer: it
   returns the length of the whole result, without the terminating NUL. When
   out is NULL or cap <= that length, nothing is written (a size query: call
   again with cap = result + 1); otherwise the result and a NUL are written. */

/* wp_utf8_to_utf16: strict UTF-8 -> UTF-16, as the path functions use it.
   len: bytes of s, or WINPOLL_NUL_TERMINATED. Returns UTF-16 units (the rule
   above), -ERROR_INVALID_PARAMETER when s is NULL or a NUL byte lies within
   len bytes (a path with a NUL in it would silently name another file), or
   -ERROR_NO_UNICODE_TRANSLATION for bytes that are not UTF-8 (overlong forms,
   encoded surrogates, values above U+10FFFF, cut sequences). */
WINPOLL_API long long wp_utf8_to_utf16(const char *s, size_t len, WCHAR *out, size_t cap);

/* wp_utf16_to_utf8: UTF-16 -> UTF-8. len: units of w, or
   WINPOLL_NUL_TERMINATED. An unpaired surrogate becomes U+FFFD (EF BF BD), as
   in Go; such names do not survive a round trip. Returns bytes (the rule
   above), or -ERROR_INVALID_PARAMETER when w is NULL. */
WINPOLL_API long long wp_utf16_to_utf8(const WCHAR *w, size_t len, char *out, size_t cap);

/* >>time -------------------------------------------------------------------- */

/* wp_now_ns: wall-clock time in nanoseconds since 1970-01-01 UTC
   (GetSystemTimePreciseAsFileTime where Windows has it, else
   GetSystemTimeAsFileTime), in steps of 100 ns. */
WINPOLL_API long long wp_now_ns(void);

/* wp_monotonic_ns: a monotonic clock in nanoseconds from an arbitrary start
   (QueryPerformanceCounter, converted without overflow). For deadlines and
   durations; never goes back. */
WINPOLL_API long long wp_monotonic_ns(void);

/* wp_filetime_to_ns: a FILETIME (100 ns units since 1601) as nanoseconds
   since 1970, saturating at the ends of the long long range. */
WINPOLL_API long long wp_filetime_to_ns(FILETIME ft);

/* wp_ns_to_filetime: nanoseconds since 1970 as a FILETIME, rounded down to
   100 ns. */
WINPOLL_API FILETIME wp_ns_to_filetime(long long ns);

/* >>files ------------------------------------------------------------------- */

/* Flags of wp_open: exactly one of RDONLY, WRONLY, RDWR, or'ed with others. */
#define WINPOLL_O_RDONLY  0x0000
#define WINPOLL_O_WRONLY  0x0001
#define WINPOLL_O_RDWR    0x0002
#define WINPOLL_O_CREAT   0x0040 /* create if missing (OPEN_ALWAYS) */
#define WINPOLL_O_EXCL    0x0080 /* with CREAT: fail if it exists (CREATE_NEW) */
#define WINPOLL_O_TRUNC   0x0200 /* cut to zero length after opening */
#define WINPOLL_O_APPEND  0x0400 /* every write goes to the end (FILE_APPEND_DATA) */
#define WINPOLL_O_SYNC    0x1000 /* write through (FILE_FLAG_WRITE_THROUGH) */
#define WINPOLL_O_CLOEXEC 0x2000 /* accepted for portability: it is the default */
#define WINPOLL_O_INHERIT 0x4000 /* let child processes inherit the handle */

/* wp_open: opens or creates a file (or, read-only, a directory, for its
   metadata) by UTF-8 path, as Go's syscall.Open, with these choices:
   the handle is not inheritable unless WINPOLL_O_INHERIT; the share mode is
   read|write|delete (others may rename or delete the file while it is open);
   TRUNC sets the end of file after opening instead of CREATE_ALWAYS, which
   drops the attributes and fails on hidden files (go.dev/issue/38225);
   APPEND opens with FILE_APPEND_DATA so that every write appends, even from
   other handles' points of view; perm matters only when a file is created:
   without its owner-write bit (0200) the file gets the read-only attribute.
   Paths longer than MAX_PATH work when absolute (made full as Windows makes
   a short path, trailing dots and spaces and device names included, then
   \\?\ is added; -ERROR_FILENAME_EXCED_RANGE past 32767 units with it).
   On success stores the handle in *out and returns 0. Errors that matter:
   -ERROR_FILE_NOT_FOUND / -ERROR_PATH_NOT_FOUND (wp_is_not_exist),
   -ERROR_FILE_EXISTS for CREAT|EXCL (wp_is_exist), -ERROR_ACCESS_DENIED
   (a read-only file opened for writing, a directory opened for writing),
   -ERROR_SHARING_VIOLATION, -ERROR_INVALID_PARAMETER for bad flags. */
WINPOLL_API int wp_open(const char *path, int flags, int perm, HANDLE *out);

/* wp_close: CloseHandle. Returns 0 or -ERROR_INVALID_HANDLE. */
WINPOLL_API int wp_close(HANDLE h);

/* wp_read: one ReadFile of at most n bytes (at most 1 GiB per call) at the
   file position, on a handle opened for synchronous I/O. Returns the bytes
   read; 0 is end of file, and so is a pipe whose writer closed
   (ERROR_BROKEN_PIPE), as in Go. On a message-mode pipe a longer message
   gives its first n bytes; the rest comes with the next read. */
WINPOLL_API long long wp_read(HANDLE h, void *buf, size_t n);

/* wp_write: one WriteFile of at most n bytes (at most 1 GiB per call).
   Returns the bytes written, which may be fewer than n: loop, or use the FD
   layer, which does. Writing to a pipe whose reader closed gives
   -ERROR_NO_DATA. */
WINPOLL_API long long wp_write(HANDLE h, const void *buf, size_t n);

#define WINPOLL_SEEK_SET 0
#define WINPOLL_SEEK_CUR 1
#define WINPOLL_SEEK_END 2

/* wp_seek: moves the file position (SetFilePointerEx). Returns the new
   position; -ERROR_NEGATIVE_SEEK before the start, -ERROR_INVALID_PARAMETER
   for another whence. */
WINPOLL_API long long wp_seek(HANDLE h, long long offset, int whence);

/* wp_stdhandle: the standard handle fd (0 input, 1 output, 2 error), looked
   up at each call, so that SetStdHandle is honoured. Stores it in *out and
   returns 0; -ERROR_INVALID_HANDLE when the process has none (a GUI program),
   -ERROR_INVALID_PARAMETER for another fd. */
WINPOLL_API int wp_stdhandle(int fd, HANDLE *out);

/* wp_ftruncate: sets the file's size (shorter or longer; new bytes read as
   zero). Returns 0; -ERROR_INVALID_PARAMETER for a negative size,
   -ERROR_ACCESS_DENIED without write access. */
WINPOLL_API int wp_ftruncate(HANDLE h, long long size);

/* wp_fsync: FlushFileBuffers. Returns 0 or the error. */
WINPOLL_API int wp_fsync(HANDLE h);

/* wp_chmod / wp_fchmod: Windows keeps one permission bit, the read-only
   attribute: mode without its owner-write bit (0200) sets it, with it clears
   it; other bits are ignored and other attributes kept. wp_chmod on a
   symbolic link changes the link itself, as SetFileAttributesW does.
   Return 0 or the error (-ERROR_FILE_NOT_FOUND, -ERROR_ACCESS_DENIED). */
WINPOLL_API int wp_chmod(const char *path, int mode);
WINPOLL_API int wp_fchmod(HANDLE h, int mode);

/* Pass as a time to wp_utimes / wp_futimes to leave that time alone. */
#define WINPOLL_UTIME_OMIT (-0x7FFFFFFFFFFFFFFFLL - 1)

/* wp_utimes / wp_futimes: set the last-access and last-write times, in
   nanoseconds since 1970 (stored in 100 ns steps, rounded down). Either may
   be WINPOLL_UTIME_OMIT; each time is set or omitted on its own (Go's
   Utimes skipped mtime when atime was zero). Return 0 or the error. */
WINPOLL_API int wp_utimes(const char *path, long long atime_ns, long long mtime_ns);
WINPOLL_API int wp_futimes(HANDLE h, long long atime_ns, long long mtime_ns);

/* >>dirs -------------------------------------------------------------------- */

/* File types in wp_file_info.type. */
#define WINPOLL_TYPE_REGULAR 1
#define WINPOLL_TYPE_DIR     2
#define WINPOLL_TYPE_SYMLINK 3 /* a symbolic link or a junction (lstat only) */
#define WINPOLL_TYPE_CHAR    4 /* a console or another character device */
#define WINPOLL_TYPE_PIPE    5
#define WINPOLL_TYPE_OTHER   6 /* another reparse point, or unknown */

typedef struct wp_file_info {
    long long size;           /* bytes (0 for directories) */
    long long atime_ns;       /* last access, ns since 1970 */
    long long mtime_ns;       /* last write */
    long long birthtime_ns;   /* creation */
    unsigned long attributes; /* FILE_ATTRIBUTE_* */
    unsigned long reparse_tag; /* IO_REPARSE_TAG_* when a reparse point, else 0 */
    unsigned long nlink;      /* hard links */
    int type;                 /* WINPOLL_TYPE_* */
    unsigned long long volume; /* volume serial number */
    unsigned char file_id[16]; /* FILE_ID_INFO's 128-bit id where the system has
                                  it, else the 64-bit file index (little-endian)
                                  and 8 zero bytes; with volume, names the file */
} wp_file_info;

/* wp_stat / wp_lstat / wp_fstat: information about a file by path (following
   a final symbolic link; wp_lstat does not), or by handle. Return 0 or the
   error (-ERROR_FILE_NOT_FOUND, -ERROR_PATH_NOT_FOUND, ...). A file that
   cannot be opened even for its attributes (a locked system file) is read
   from its directory entry instead. */
WINPOLL_API int wp_stat(const char *path, wp_file_info *info);
WINPOLL_API int wp_lstat(const char *path, wp_file_info *info);
WINPOLL_API int wp_fstat(HANDLE h, wp_file_info *info);

/* wp_getwd: the current directory as UTF-8, by the buffer rule (see strings)
   (returns its length; nothing written when cap is too small). */
WINPOLL_API long long wp_getwd(char *buf, size_t cap);

/* wp_chdir, wp_mkdir (perm is ignored, as on Windows it means nothing for a
   directory), wp_rmdir (an empty directory). Return 0 or the error:
   -ERROR_ALREADY_EXISTS (wp_is_exist) from mkdir, -ERROR_DIR_NOT_EMPTY from
   rmdir (also wp_is_exist), -ERROR_DIRECTORY when not a directory. */
WINPOLL_API int wp_chdir(const char *path);
WINPOLL_API int wp_mkdir(const char *path, int perm);
WINPOLL_API int wp_rmdir(const char *path);

/* wp_unlink: deletes a file, also a read-only one (the attribute is cleared
   and the delete retried, as Go's os.Remove), and a symbolic link to a
   directory. Returns 0 or the error; on failure the read-only attribute is
   put back. */
WINPOLL_API int wp_unlink(const char *path);

/* wp_rename: renames, replacing an existing target file (MoveFileExW with
   MOVEFILE_REPLACE_EXISTING). Returns 0 or the error (-ERROR_ACCESS_DENIED
   when the target is a directory or open without delete sharing). */
WINPOLL_API int wp_rename(const char *from, const char *to);

/* wp_link: a hard link newpath to the file oldpath. Returns 0 or the error
   (-ERROR_ALREADY_EXISTS when newpath exists). */
WINPOLL_API int wp_link(const char *oldpath, const char *newpath);

/* wp_symlink: a symbolic link linkpath -> target (CreateSymbolicLinkW). The
   target is stored as given, with / turned into \, so a relative target
   stays relative to the link's folder. A target that is a directory (looked
   up relative to the link's folder when relative) gets a directory link.
   Asks for SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE (developer mode on
   Windows 10 1703+) and retries without it on systems that reject the flag.
   Returns 0 or the error: -ERROR_PRIVILEGE_NOT_HELD (wp_is_permission)
   without the right or developer mode, -ERROR_ALREADY_EXISTS. */
WINPOLL_API int wp_symlink(const char *target, const char *linkpath);

/* wp_readlink: where a symbolic link or junction points, as UTF-8 by the
   buffer rule (see strings). Relative link targets come back as stored;
   absolute ones in Win32 form: \??\C:\x -> C:\x, \??\UNC\srv\share ->
   \\srv\share, any other \??\ name (Volume{guid}) -> \\?\ form.
   Errors: -ERROR_NOT_A_REPARSE_POINT for a file that is no link (errno
   EINVAL, as POSIX readlink), wp_is_not_exist ones for a missing path. */
WINPOLL_API long long wp_readlink(const char *path, char *buf, size_t cap);

typedef struct wp_dir {
    HANDLE find;
    int first;   /* data holds an entry not yet returned */
    int done;
    WIN32_FIND_DATAW data;
} wp_dir;

typedef struct wp_dirent {
    char name[1024];          /* UTF-8; a 255-unit NTFS name needs at most 765 bytes */
    int type;                 /* WINPOLL_TYPE_REGULAR, _DIR, _SYMLINK or _OTHER */
    unsigned long attributes;
    long long size;
    long long mtime_ns;
} wp_dirent;

/* wp_opendir / wp_readdir / wp_closedir: list a directory in the order the
   file system gives, without "." and "..". The wp_dir is yours (no
   allocation). wp_readdir returns 1 with the next entry in *entry, 0 at the
   end, or the error. One wp_dir is for one thread at a time. */
WINPOLL_API int wp_opendir(wp_dir *dir, const char *path);
WINPOLL_API int wp_readdir(wp_dir *dir, wp_dirent *entry);
WINPOLL_API int wp_closedir(wp_dir *dir);

/* >>process ----------------------------------------------------------------- */

/* wp_pipe: an anonymous pipe (CreatePipe), neither end inheritable; give an
   end to a child through wp_spawn_options. Stores the ends in *r and *w and
   returns 0, or the error. */
WINPOLL_API int wp_pipe(HANDLE *r, HANDLE *w);

/* wp_command_line: the command line that makes CommandLineToArgvW and the
   MSVC runtime give back exactly argv (a NULL-terminated array of UTF-8
   strings): arguments with spaces, tabs, quotes or nothing at all are
   quoted, a quote becomes \", and backslashes are doubled only where they
   come before a quote. argv[0], the program name, is only put in quotes
   (Windows parses it without escapes), so it may not contain a quote.
   Returns the length in bytes by the buffer rule (see strings), or
   -ERROR_INVALID_PARAMETER (argv NULL or empty, a quote in argv[0]). */
WINPOLL_API long long wp_command_line(const char *const *argv, char *out, size_t cap);

/* wp_args: this process's arguments in UTF-8, which main's argv is not (it
   is in the ANSI code page, where a character outside it arrives as '?').
   GetCommandLineW is split by the rules of the Microsoft C runtime since
   2008, the ones wp_command_line writes for: argv[0] runs to the first
   space or tab outside quotes, its quotes dropped and nothing escaped;
   after it, arguments end at spaces and tabs outside quotes, 2n
   backslashes before a quote give n backslashes and the quote opens or
   closes, 2n + 1 give n and a literal quote, other backslashes stand as
   they are, and "" inside quotes is a literal quote. An unpaired surrogate
   becomes U+FFFD, as does each half of a pair that a quote splits.
   The result goes into buf, which must be aligned for a pointer (memory
   from malloc is): argc + 1 pointers, the last NULL, then the strings they
   point to. Returns the bytes the whole takes; when buf is NULL or cap is
   smaller, nothing is written (a size query). *argc, if argc is not NULL,
   gets the count either way. -ERROR_INVALID_PARAMETER for a buf not so
   aligned. Any thread may call it: it only reads the command line, which
   stays as the process started (code that writes into GetCommandLineW's
   buffer changes what it gives).
       long long need = wp_args(NULL, 0, NULL);
       char **argv = malloc((size_t)need);
       int argc;
       wp_args(argv, (size_t)need, &argc); */
WINPOLL_API long long wp_args(void *buf, size_t cap, int *argc);

typedef struct wp_spawn_options {
    const char *path;            /* the program (UTF-8), run as given: no PATH search */
    const char *const *argv;     /* NULL-terminated; argv[0] is the name the child sees */
    const char *const *envp;     /* NULL-terminated "NAME=value" strings, or NULL to inherit */
    const char *dir;             /* the child's working directory, or NULL for ours */
    HANDLE std_in, std_out, std_err; /* the child's standard handles; NULL for none */
} wp_spawn_options;

typedef struct wp_process {
    HANDLE handle;     /* the process handle; yours until wp_process_close */
    unsigned long pid;
} wp_process;

/* wp_spawn: starts a process with exactly the three given standard handles
   inherited and no other handle: they are duplicated as inheritable and
   named in PROC_THREAD_ATTRIBUTE_HANDLE_LIST, so that handles other code
   made inheritable do not leak into the child. The caller's handles are not
   changed and may be closed after the call. Arguments are quoted as
   wp_command_line says; envp, when given, is the child's whole environment
   (keep SYSTEMROOT in it: Winsock in the child needs it). For the moment
   of the call the duplicates are inheritable handles of this process: a
   CreateProcess elsewhere that inherits everything (no handle list) at that
   very moment would take them too; every Windows runtime shares this race.
   Fills *proc and returns 0, or the error: -ERROR_FILE_NOT_FOUND for a
   missing program, -ERROR_INVALID_PARAMETER for bad options. */
WINPOLL_API int wp_spawn(const wp_spawn_options *options, wp_process *proc);

/* wp_wait: waits for the process to end, at most timeout_ms milliseconds
   (negative: no limit). Returns 0 and stores its exit code in *exit_code
   (if not NULL), or -WAIT_TIMEOUT (in the timeout class) if it still runs. */
WINPOLL_API int wp_wait(wp_process *proc, long timeout_ms, unsigned long *exit_code);

/* wp_kill: ends the process with exit_code (TerminateProcess). Returns 0 or
   the error; a process that already ended gives -ERROR_ACCESS_DENIED. */
WINPOLL_API int wp_kill(wp_process *proc, unsigned exit_code);

/* wp_process_close: releases the process handle (the process runs on).
   Returns 0 or the error. */
WINPOLL_API int wp_process_close(wp_process *proc);

/* wp_getpid, wp_getppid: this process's id and its parent's (the id of the
   process that started it, which may have ended since and even been reused,
   as on every Windows). Return the id, or the error. */
WINPOLL_API long long wp_getpid(void);
WINPOLL_API long long wp_getppid(void);

/* wp_hostname: the computer's DNS host name (ComputerNamePhysicalDnsHostname,
   as Go's os.Hostname) as UTF-8, by the buffer rule (see strings). */
WINPOLL_API long long wp_hostname(char *buf, size_t cap);

/* >>sockaddr ---------------------------------------------------------------- */

#define WINPOLL_UNIX_PATH_MAX 108 /* sun_path's size; a path takes at most 107 bytes and a NUL */

/* wp_sockaddr: an IPv4, IPv6 or AF_UNIX address in one plain struct with no
   pointers, yours to copy and compare field by field (zero it first).
   Ports and flowinfo are in host byte order here and in network byte order
   on the wire; addr holds the address bytes in network order (IPv4 in the
   first 4). AF_UNIX: path is the UTF-8 path, "" for an unnamed socket.
   Windows has no abstract namespace (Linux's names that start with a NUL):
   such raw addresses are rejected. */
typedef struct wp_sockaddr {
    unsigned short family;    /* AF_INET, AF_INET6 or AF_UNIX; 0 when empty */
    unsigned short port;      /* IPv4 and IPv6 */
    unsigned long flowinfo;   /* IPv6 (Go drops it; winpoll.h keeps it) */
    unsigned long scope_id;   /* IPv6: the zone, an interface index */
    unsigned char addr[16];
    char path[WINPOLL_UNIX_PATH_MAX];
} wp_sockaddr;

/* Constructors. wp_sockaddr_ip4/ip6 fill *a from address bytes in network
   order (a zeroed struct plus these fields). wp_sockaddr_unix makes an
   AF_UNIX address of a UTF-8 path (NULL or "" for unnamed) and returns 0,
   -WSAENAMETOOLONG when the path needs more than 107 bytes (it is never
   cut), or -ERROR_NO_UNICODE_TRANSLATION when it is not UTF-8. */
WINPOLL_API void wp_sockaddr_ip4(wp_sockaddr *a, const unsigned char ip[4], unsigned short port);
WINPOLL_API void wp_sockaddr_ip6(wp_sockaddr *a, const unsigned char ip[16], unsigned short port,
                                 unsigned long scope_id);
WINPOLL_API int wp_sockaddr_unix(wp_sockaddr *a, const char *path);

/* wp_sockaddr_to_raw: the SOCKADDR form of *a in *raw, its length in *len.
   Returns 0, or -WSAEAFNOSUPPORT for another family. */
WINPOLL_API int wp_sockaddr_to_raw(const wp_sockaddr *a, SOCKADDR_STORAGE *raw, int *len);

/* wp_sockaddr_from_raw: *a from a SOCKADDR of len bytes, never reading past
   len. Returns 0; -WSAEINVAL when len is too short for the family (or
   negative, or raw NULL), -WSAEAFNOSUPPORT for another family, for AF_UNIX
   -WSAEINVAL for an abstract name and -ERROR_NO_UNICODE_TRANSLATION for a
   path that is not UTF-8. An AF_UNIX length of 2 is the unnamed address. */
WINPOLL_API int wp_sockaddr_from_raw(wp_sockaddr *a, const SOCKADDR *raw, int len);

/* wp_sockaddr_parse: "1.2.3.4:80", "[::1]:80" or "[fe80::1%3]:80" (the zone
   a decimal interface index). wp_ip_parse: a bare address, "1.2.3.4", "::1"
   or "fe80::1%3", with port 0. Parsing is strict: IPv4 is four decimal
   octets of at most 255 without leading zeros; IPv6 is RFC 4291 text (at
   most one "::", groups of 1 to 4 hex digits, an IPv4 tail allowed); the
   port is decimal, at most 65535, without leading zeros; nothing may follow.
   Returns 0, or -WINPOLL_ERR_BAD_ADDRESS (a is then zeroed). */
WINPOLL_API int wp_sockaddr_parse(wp_sockaddr *a, const char *text);
WINPOLL_API int wp_ip_parse(wp_sockaddr *a, const char *text);

/* wp_sockaddr_format: "1.2.3.4:80", "[2001:db8::1]:80", "[fe80::1%3]:80" (the
   zone when not 0), or an AF_UNIX path ("" when unnamed). wp_ip_format: the
   address alone. IPv6 text is RFC 5952's: lowercase, no leading zeros, the
   longest run of two or more zero groups (the first of equals) as "::", and
   ::ffff:1.2.3.4 for IPv4-mapped addresses. So text -> address -> text gives
   back canonical text exactly. Return the length by the buffer rule
   (see strings), or -WSAEAFNOSUPPORT (wp_ip_format: also for AF_UNIX). */
WINPOLL_API long long wp_sockaddr_format(const wp_sockaddr *a, char *buf, size_t cap);
WINPOLL_API long long wp_ip_format(const wp_sockaddr *a, char *buf, size_t cap);

#define WINPOLL_AI_NUMERIC 0x1 /* host must be an address: no DNS query */

/* wp_getaddrinfo: resolves a UTF-8 host name (GetAddrInfoW) to addresses
   with the given port, for family AF_UNSPEC, AF_INET or AF_INET6. Stores
   up to max results in out, in the system's order, and returns how many
   there are in all (more than max: the rest were left out). Errors are
   GetAddrInfoW's: -WSAHOST_NOT_FOUND (wp_is_not_exist), -WSATRY_AGAIN
   (wp_is_temporary), -WSAEINVAL; a failure the system reports with a value
   outside Winsock's codes comes back as -WSANO_RECOVERY. */
WINPOLL_API int wp_getaddrinfo(const char *host, unsigned short port, int family, int flags, wp_sockaddr *out,
                               int max);

/* >>sockets ----------------------------------------------------------------- */

/* wp_socket: WSASocketW, never inheritable (WSA_FLAG_NO_HANDLE_INHERIT),
   overlapped (as socket() makes them; plain blocking calls work on it, and
   the FD's operations need it in both modes). Stores the socket in *out and returns
   0, or the error (-WSAEAFNOSUPPORT where the family is missing, as AF_UNIX
   before Windows 10 1803). wp_socket_dual_stack: an AF_INET6 socket with
   IPV6_V6ONLY off, which also takes IPv4 peers (as ::ffff:a.b.c.d). */
WINPOLL_API int wp_socket(int family, int type, int protocol, SOCKET *out);
WINPOLL_API int wp_socket_dual_stack(int type, int protocol, SOCKET *out);

/* wp_closesocket: closesocket. Returns 0 or the error. */
WINPOLL_API int wp_closesocket(SOCKET s);

/* bind, listen (backlog < 0: SOMAXCONN), connect (blocking), shutdown
   (SD_RECEIVE, SD_SEND, SD_BOTH), getsockname, getpeername: the Winsock
   calls with wp_sockaddr. Return 0 or minus the Winsock error
   (-WSAEADDRINUSE, -WSAECONNREFUSED, -WSAENOTCONN, ...). */
WINPOLL_API int wp_bind(SOCKET s, const wp_sockaddr *a);
WINPOLL_API int wp_listen(SOCKET s, int backlog);
WINPOLL_API int wp_connect(SOCKET s, const wp_sockaddr *a);
WINPOLL_API int wp_shutdown(SOCKET s, int how);
WINPOLL_API int wp_getsockname(SOCKET s, wp_sockaddr *a);
WINPOLL_API int wp_getpeername(SOCKET s, wp_sockaddr *a);

/* wp_accept: a blocking accept. The new socket is made non-inheritable
   (accept's sockets do not take that from the listener) and stored in *out;
   the peer's address in *peer when not NULL. Returns 0 or the error. */
WINPOLL_API int wp_accept(SOCKET s, SOCKET *out, wp_sockaddr *peer);

/* wp_sendto / wp_recvfrom: blocking datagram calls (to NULL: the connected
   peer; from may be NULL). n is clamped to INT_MAX. Return the bytes sent or
   received; a datagram longer than n gives -WSAEMSGSIZE with its first n
   bytes in buf (the rest is gone) and its sender in *from. */
WINPOLL_API long long wp_sendto(SOCKET s, const void *buf, size_t n, int flags, const wp_sockaddr *to);
WINPOLL_API long long wp_recvfrom(SOCKET s, void *buf, size_t n, int flags, wp_sockaddr *from);

/* wp_setsockopt_int / wp_getsockopt_int: an int (or DWORD or BOOL) option:
   TCP_NODELAY, SO_EXCLUSIVEADDRUSE, IPV6_V6ONLY, SO_BROADCAST, SO_RCVBUF,
   SO_SNDBUF, SO_RCVTIMEO and SO_SNDTIMEO (milliseconds: the read and write
   timeouts of blocking calls), IP_MULTICAST_TTL, IPV6_MULTICAST_HOPS,
   IP_MULTICAST_LOOP, IPV6_MULTICAST_LOOP, SO_KEEPALIVE, SO_ERROR (the
   pending error, which reading clears), SO_TYPE... The value is zeroed
   before getsockopt, which some stacks fill with fewer than 4 bytes.
   Return 0 or the Winsock error (-WSAENOPROTOOPT for an unknown option). */
WINPOLL_API int wp_setsockopt_int(SOCKET s, int level, int name, int value);
WINPOLL_API int wp_getsockopt_int(SOCKET s, int level, int name, int *value);

/* wp_set_linger / wp_get_linger: SO_LINGER. on = 0: close returns at once
   and the stack sends what is left; on = 1, seconds = 0: close resets the
   connection; on = 1, seconds > 0: a blocking close waits that long.
   Return 0 or the error. */
WINPOLL_API int wp_set_linger(SOCKET s, int on, int seconds);
WINPOLL_API int wp_get_linger(SOCKET s, int *on, int *seconds);

/* wp_set_keepalive: TCP keepalive on or off; when on, idle_ms of silence
   before the first probe and interval_ms between probes (SIO_KEEPALIVE_VALS;
   0 keeps the system's value). Returns 0 or the error. */
WINPOLL_API int wp_set_keepalive(SOCKET s, int on, unsigned long idle_ms, unsigned long interval_ms);

/* wp_multicast_join / wp_multicast_leave: join or leave an IPv4 or IPv6
   group on the interface with index ifindex (0: the system's choice)
   (IP_ADD_MEMBERSHIP, IPV6_ADD_MEMBERSHIP and the DROP pair). Returns 0 or
   the stack's error (-WSAEADDRNOTAVAIL when the interface cannot take the group). */
WINPOLL_API int wp_multicast_join(SOCKET s, const wp_sockaddr *group, unsigned long ifindex);
WINPOLL_API int wp_multicast_leave(SOCKET s, const wp_sockaddr *group, unsigned long ifindex);

/* >>console ----------------------------------------------------------------- */

/* The streaming transcoder. Each direction keeps what a call could not
   finish in a small state struct of yours (zero it to start):
   wp_utf8_stream the bytes of a UTF-8 sequence cut by the end of a call,
   wp_utf16_stream a high surrogate cut from its low one.
   Invalid input becomes U+FFFD by Go's rule (utf8.DecodeRune's): at each
   position where no valid sequence starts, one U+FFFD stands for one byte,
   and the next byte is looked at afresh; overlong forms, encoded surrogates
   (ED A0..BF) and values above U+10FFFF are invalid. In UTF-16 each unpaired
   surrogate is one U+FFFD.
   Both calls follow one buffer rule: they return the size of the whole
   output (UTF-16 units, or bytes); when out is NULL or cap is smaller,
   nothing is written and the state is left as it was (a size query);
   otherwise the output is written (no NUL) and the state advances.
   final = 1 ends the stream: what the state carries becomes U+FFFD. The
   output never exceeds n + 3 units (UTF-8 to UTF-16) or 3 * n + 4 bytes
   (UTF-16 to UTF-8), so a buffer of that size always takes it; with one
   that size or larger the call makes one pass, not a count and a pass.
   Nothing is read past in + n, and nothing of out is written past the
   size returned. On x86 and x64 the work goes 16 bytes or units at a time
   (SSE2), 32 for plain ASCII and, into UTF-16, for emoji text.
   A state struct belongs to one stream: one thread at a time uses it. */
typedef struct wp_utf8_stream {
    unsigned char carry[3];
    unsigned char n;
} wp_utf8_stream;

typedef struct wp_utf16_stream {
    WCHAR high; /* 0, or a high surrogate waiting for its low one */
} wp_utf16_stream;

WINPOLL_API long long wp_utf8_stream_to_utf16(wp_utf8_stream *state, const char *in, size_t n, int final,
                                              WCHAR *out, size_t cap);
WINPOLL_API long long wp_utf16_stream_to_utf8(wp_utf16_stream *state, const WCHAR *in, size_t n, int final,
                                              char *out, size_t cap);

/* A console FD (WINPOLL_KIND_CONSOLE) reads and writes UTF-8 through
   ReadConsoleW and WriteConsoleW, as Go does:
   wp_fd_read asks ReadConsoleW for at most 10,000 units and never for more
   units than n bytes can hold; the decoded bytes wait in the FD, so reads of
   any size, even 1 byte, return every byte in order; a surrogate pair cut
   between two ReadConsoleW calls is joined; Ctrl-Z (0x1A) at the start of a
   read is end of input (returns 0 and is consumed), and later in the data it
   ends the read before it; a read interrupted by Ctrl-C is retried.
   wp_fd_write carries a UTF-8 sequence cut at the end of one write to the
   next (writing the first byte of "é", then the second, shows "é"), writes
   with WriteConsoleW in chunks of at most 16,000 units that never split a
   surrogate pair, loops over short writes, and returns n: every byte is
   taken. The FD allocates its buffers (about 50 KB for reading, 32 KB for
   writing) through WINPOLL_MALLOC at its first console read or write.
   A standard handle redirected to a pipe or file is not a console: its bytes
   pass through unchanged. */

/* wp_console_enable_vt: turns on virtual terminal processing on a console
   output handle and sets the console's output code page to UTF-8 (65001),
   saving the previous mode and code page in *saved. Returns 0 or the error
   (-ERROR_INVALID_HANDLE when out is no console). wp_console_restore puts
   them back. */
typedef struct wp_console_saved {
    DWORD mode;
    UINT output_cp;
} wp_console_saved;

WINPOLL_API int wp_console_enable_vt(HANDLE out, wp_console_saved *saved);
WINPOLL_API int wp_console_restore(HANDLE out, const wp_console_saved *saved);

/* >>fd ---------------------------------------------------------------------- */

/* What an FD holds. */
#define WINPOLL_KIND_FILE          1 /* a disk file, or a character device that is no console (NUL) */
#define WINPOLL_KIND_DIR           2
#define WINPOLL_KIND_CONSOLE       3
#define WINPOLL_KIND_PIPE          4
#define WINPOLL_KIND_STREAM_SOCKET 5 /* TCP, AF_UNIX stream */
#define WINPOLL_KIND_DGRAM_SOCKET  6 /* UDP */
#define WINPOLL_KIND_OTHER_SOCKET  7 /* raw and others */

/* wp_handle_kind: the kind of an arbitrary handle: GetFileType, then
   GetConsoleMode for character devices, getsockopt(SO_TYPE) for what Windows
   calls pipes (sockets are among them), the directory attribute for disk
   handles. Returns a WINPOLL_KIND_* or the error (-ERROR_INVALID_HANDLE). */
WINPOLL_API int wp_handle_kind(HANDLE h);

/* A node of a loop's timer heap (see loop): an operation's deadline or a
   timer. Private. */
typedef struct wp__tnode {
    struct wp__tnode *parent, *left, *right;
    long long when;              /* wp_monotonic_ns time */
    int timer;                   /* 1: a wp_async timer; 0: a wp_fd_op's deadline */
} wp__tnode;

/* One overlapped operation of an FD: its reads use one, its writes the
   other. Private: touch it only through the functions. */
typedef struct wp_fd_op {
    OVERLAPPED ov;
    volatile LONG signal;        /* blocking: 0 waiting, 1 done, 2 take the lead; async: 0 starting, 1 started, 2 awaited */
    short timed_out;             /* its deadline passed and it was cancelled */
    short read;                  /* the FD's rop (1) or wop (0), set by wp_fd_init: which deadline applies */
    int tracked;                 /* pending on a port: counted in flight, its deadline on the heap */
    struct wp_async *async;      /* the async operation it runs, or NULL for a waiting thread */
    wp__tnode deadline;          /* on the loop's heap while tracked with a deadline */
    union {                      /* one per mode */
        struct {
            struct wp_fd_op *prev, *next;
        } list;                  /* completion port: in the loop's list of sleeping waiters */
        void *volatile event;    /* blocking: the event it is waited for on, made at first use */
    } m;
} wp_fd_op;

/* wp_fd: a handle or socket shared by threads, with Go's FD semantics: any
   number of threads may use it at once; reads are serialised with reads and
   writes with writes (one reader and one writer at a time, the others wait);
   wp_fd_close may come from any thread at any moment. The struct is yours:
   embed it anywhere (no allocation), initialise it with wp_fd_init, keep it
   in place until wp_fd_close has returned, and touch its fields only through
   the functions. Waiting threads sleep on the FD's own words
   (WaitOnAddress, or on Windows 7 a process-wide table of condition
   variables): no kernel object per FD, no spinning. Every FD function given
   a NULL fd returns -ERROR_INVALID_PARAMETER. */
typedef struct wp_fd {
    volatile LONG64 mu;        /* the FD mutex: closed, locks, references, waiters */
    volatile LONG rsema;       /* wakes readers waiting for the read lock */
    volatile LONG wsema;       /* wakes writers waiting for the write lock */
    volatile LONG csema;       /* wakes wp_fd_close when the handle is gone */
    int kind;                  /* WINPOLL_KIND_* */
    HANDLE handle;             /* the handle, or the SOCKET for socket kinds */
    union {
        SRWLOCK pos_lock;      /* files: serialises seek, pread and pwrite (the file position) */
        struct {
            void *in, *out;    /* consoles: the read and the write buffers, each from first use */
        } console;
    } k;
    struct wp_loop *loop;      /* the loop it is attached to, or NULL */
    volatile LONG64 rdeadline; /* wp_monotonic_ns time, 0 for none */
    volatile LONG64 wdeadline;
    int close_result;          /* what closing the handle returned */
    int skip_on_success;       /* synchronous completions post no packet */
    wp_fd_op rop, wop;
} wp_fd;

/* wp_fd_init: makes fd own h (a HANDLE, or a SOCKET cast to HANDLE). kind is
   a WINPOLL_KIND_*, or 0 to detect it with wp_handle_kind. From now on the
   FD closes the handle: do not close it yourself. Returns 0, or
   -ERROR_INVALID_HANDLE, -ERROR_INVALID_PARAMETER, or wp_handle_kind's
   error (then the handle is still yours). */
WINPOLL_API int wp_fd_init(wp_fd *fd, HANDLE h, int kind);

/* wp_fd_close: closes the FD from any thread: operations started after it
   fail at once with the closing error and never touch the old handle value;
   threads waiting for the FD's locks wake and fail the same way; a thread
   blocked reading or writing a pipe or a socket is released (CancelIoEx,
   repeated until it has left, since it may enter the call just after a
   cancel), and its call returns the closing error. The handle is closed exactly once, by the
   last thread to leave, and wp_fd_close returns only then: afterwards the
   struct may be freed. Returns what closing the handle returned (0, or its
   error); a second close returns the closing error. A console read that is
   blocked is not interrupted: close waits for it. Do not close an FD from a
   thread that is inside one of its operations. Async operations in flight
   on the FD are cancelled and come back, with the closing error (or their
   result, if they had finished), from wp_loop_poll; close takes their
   packets from the port itself when no other thread does, so the only
   thread that polls a loop may close its FDs.
   The closing error is -WINPOLL_ERR_NET_CLOSING for socket kinds ("use of
   closed network connection") and -WINPOLL_ERR_FILE_CLOSING for the others
   ("use of closed file"), as in Go. */
WINPOLL_API int wp_fd_close(wp_fd *fd);

/* Go's FD properties: a stream FD has no message boundaries (every kind but
   datagram and other sockets), and on such an FD a read that returns zero
   bytes into a non-empty buffer means end of file. Return 1 or 0. */
WINPOLL_API int wp_fd_is_stream(const wp_fd *fd);
WINPOLL_API int wp_fd_zero_read_is_eof(const wp_fd *fd);

/* wp_fd_read: reads at most n bytes under the read lock (one ReadFile of at
   most 1 GiB; recv for sockets; an overlapped operation when the FD is
   attached to a loop). Returns the bytes read; 0 for n > 0 is end of file on
   a stream (also a pipe whose writer closed); a datagram longer than n
   gives -WSAEMSGSIZE with its first n bytes in buf. Console FDs read UTF-8
   (see console). */
WINPOLL_API long long wp_fd_read(wp_fd *fd, void *buf, size_t n);

/* wp_fd_write: writes all n bytes under the write lock, looping in chunks of
   at most 1 GiB (the Win32 lengths are DWORDs; go.dev/issue/26923); send for
   sockets; overlapped operations when the FD is attached to a loop. Returns
   n, or, when an error stops it after some bytes were written, that count
   (the error shows again on the next call); the error when nothing was
   written. n = 0 makes one call of zero bytes, as Go does (a message-mode
   pipe gets an empty message; wp_async_write does the same); a console
   write of nothing returns 0. Console FDs write UTF-8 (see console). */
WINPOLL_API long long wp_fd_write(wp_fd *fd, const void *buf, size_t n);

/* wp_fd_pread / wp_fd_pwrite: read or write at offset without moving the
   file position (the position is put back, as Go does, since Windows moves
   it). pread past the end returns 0; pwrite writes all n bytes as
   wp_fd_write does (n = 0: no call, as in Go). -ERROR_SEEK_ON_DEVICE for
   pipes and consoles. */
WINPOLL_API long long wp_fd_pread(wp_fd *fd, void *buf, size_t n, long long offset);
WINPOLL_API long long wp_fd_pwrite(wp_fd *fd, const void *buf, size_t n, long long offset);

/* wp_fd_seek: as wp_seek; -ERROR_SEEK_ON_DEVICE for pipes and consoles. */
WINPOLL_API long long wp_fd_seek(wp_fd *fd, long long offset, int whence);

/* The file calls (see files, dirs) on an FD: wp_fd_stat (wp_fstat),
   wp_fd_truncate (wp_ftruncate), wp_fd_sync (wp_fsync), wp_fd_chmod
   (wp_fchmod), and wp_fd_chdir, which makes the FD's directory the current
   one. Each holds a reference while it runs and returns the closing error
   after close. */
WINPOLL_API int wp_fd_stat(wp_fd *fd, wp_file_info *info);
WINPOLL_API int wp_fd_truncate(wp_fd *fd, long long size);
WINPOLL_API int wp_fd_sync(wp_fd *fd);
WINPOLL_API int wp_fd_chmod(wp_fd *fd, int mode);
WINPOLL_API int wp_fd_chdir(wp_fd *fd);

/* >>loop -------------------------------------------------------------------- */

/* wp_loop: one I/O completion port that FDs are attached to, owned by you
   (no hidden global): init it, attach FDs, close them all, then close it.
   Any number of threads may run operations on its FDs at once, blocking
   calls and async operations (see wp_async_read) alike. A thread whose
   operation pends waits for that operation alone: one waiting thread at a
   time (or a thread in wp_loop_poll) leads: it polls the port, hands each
   completion to its owner and fires the deadlines and timers that are due,
   kept in one heap (the nearest read at once, O(log n) to arm or move);
   the others sleep on their own word (no thread hop for a thread alone, no
   busy waiting). Deadlines and timers fire on time: with a
   high-resolution timer whose expiry arrives on the port where Windows
   has one (10 version 1803 and later), not at the next 15.6 ms tick;
   elsewhere the leader sleeps until a millisecond before and looks at the
   port until the time comes. In blocking mode the loop has no port (see
   MODES): it marks the FDs whose operations obey deadlines, queues the
   results of async operations and posts, and fires timers in
   wp_loop_poll. */
typedef struct wp_loop {
    HANDLE port;
    int open;                          /* 1 from wp_loop_init to wp_loop_close */
    volatile LONG leader;              /* while a thread polls the port for all: 1 a blocking call, 2 wp_loop_poll, 3 a lock waiter */
    SRWLOCK lock;                      /* guards waiters, timers, in_flight, round, incoming, queued */
    struct wp_fd_op *waiters;          /* blocking operations pending, whose threads sleep, newest first */
    struct wp__tnode *timers;          /* the heap of deadlines and timers; the root is the nearest */
    size_t timer_count;
    volatile LONG in_flight;           /* operations pending whose packet is not yet taken */
    struct wp_async *round;            /* finished, being handed out: the round wp_loop_poll is in */
    struct wp_async *incoming;         /* finished since that round began, newest first: the next round */
    struct wp_async *queued, *queued_last; /* timers fired, cancelled, and posts, oldest first: the next round too */
    volatile LONG ready_seq;           /* changes when one is queued, the loop is woken, the lead or an FD lock passes */
    volatile LONG sleepers;            /* threads sleeping on ready_seq: in wp_loop_poll, or waiting for an FD lock */
    volatile LONG woken;               /* wp_loop_wake called, no poll has returned for it yet */
    volatile LONG sync_completions;    /* operations finished at once, without a packet */
    volatile LONG64 lead_until;        /* when the leader's wait ends (wp_monotonic_ns) */
    HANDLE timer;                      /* a high-resolution timer for the leader's waits, or NULL */
    HANDLE timer_packet;               /* its wait completion packet on the port, or NULL */
} wp_loop;

/* wp_loop_init: creates the completion port. Returns 0 or the error.
   wp_loop_close: closes it; every FD attached to it must be closed first,
   and no thread may be using it (any thread may close it after that).
   Async operations delivered or not yet delivered need nothing more (their
   structs are yours). Returns 0, -ERROR_BUSY (and closes nothing) while
   an operation is still in flight or a thread waits on the loop, or the
   error. A loop that is not open (zeroed, or closed already) gets
   -ERROR_INVALID_PARAMETER from every loop function. */
WINPOLL_API int wp_loop_init(wp_loop *loop);
WINPOLL_API int wp_loop_close(wp_loop *loop);

/* wp_fd_attach: runs the FD's socket or pipe I/O on the loop: associates
   the handle with the port, turns on skip-on-success where every installed
   TCP/UDP provider has IFS handles (Go's check, go.dev/issue/22149) and
   skip-set-event always, and for UDP turns off SIO_UDP_CONNRESET and
   SIO_UDP_NETRESET, so that an ICMP error does not fail the next receive.
   From then on the FD's reads, writes, accepts, connects, ... are
   overlapped operations that obey the FD's deadlines. In blocking mode
   there is no port: each operation is waited for by its own thread on an
   event of the FD (two at most, made at first use), with the same
   deadlines, close and results. Sockets, and pipes opened with
   FILE_FLAG_OVERLAPPED (named pipes: CreateNamedPipeW, CreateFileW).
   Returns 0 or the error: -WINPOLL_ERR_NOT_POLLABLE for a handle that
   cannot run on a loop (a pipe opened for synchronous I/O, as wp_pipe's
   anonymous pipes are; files, directories and consoles), the closing error
   for a closed FD, -ERROR_INVALID_PARAMETER when the FD is attached already
   or the loop is not open (zeroed, or closed). */
WINPOLL_API int wp_fd_attach(wp_fd *fd, wp_loop *loop);

#define WINPOLL_DEADLINE_READ  1
#define WINPOLL_DEADLINE_WRITE 2

/* wp_fd_set_deadline: the absolute time, on wp_monotonic_ns's clock, after
   which reads (WINPOLL_DEADLINE_READ), writes (..._WRITE) or both fail with
   -WINPOLL_ERR_DEADLINE (in the timeout class); 0 clears it. It may be set,
   moved or cleared from any thread at any time: an operation that is
   pending obeys the new value at once; one that was pending when the
   deadline passed is cancelled (CancelIoEx) and fails with the deadline
   error, unless it had completed already, in which case its bytes are
   returned. A deadline in the past fails new operations at once. Deadlines
   never fire early. Applies to attached FDs, in both modes (in blocking
   mode a timed wait may end at the next clock tick, up to 15.6 ms late on
   Windows).
   Returns 0, the closing error, or -ERROR_INVALID_PARAMETER. */
WINPOLL_API int wp_fd_set_deadline(wp_fd *fd, int which, long long deadline_ns);

/* wp_fd_accept: accepts a connection on a listening socket FD, under its
   read lock and read deadline (AcceptEx on an attached FD, accept
   otherwise). The new socket is non-inheritable, initialised into *out as
   a stream socket FD, and attached to the listener's loop; its addresses
   go to *local and *peer when not NULL. A connection reset before it could
   be accepted (ERROR_NETNAME_DELETED, WSAECONNRESET; WSAENOTCONN from
   Wine) is skipped and the next one taken, so that a reset never fails the
   listener (cpython#93821).
   Returns 0 or the error (the closing error, -WINPOLL_ERR_DEADLINE). */
WINPOLL_API int wp_fd_accept(wp_fd *listener, wp_fd *out, wp_sockaddr *local, wp_sockaddr *peer);

/* wp_fd_connect: connects a stream socket FD, under its write lock and
   write deadline (ConnectEx on an attached FD, after binding it to the
   family's wildcard address if it is not bound; connect otherwise).
   AF_UNIX, which has no ConnectEx, gets a non-blocking connect, answered
   at once by Windows for a local listener; only a full backlog makes it
   wait (until it connects or fails, the write deadline or a close), and
   wp_async_connect does the same in its start. Returns 0 or the error
   (-WSAECONNREFUSED, -WSAETIMEDOUT, the closing error,
   -WINPOLL_ERR_DEADLINE). */
WINPOLL_API int wp_fd_connect(wp_fd *fd, const wp_sockaddr *addr);

/* wp_fd_readfrom: reads one datagram and its sender's address (WSARecvFrom
   on an attached FD, recvfrom otherwise), under the read lock and read
   deadline. Returns the bytes in buf. A datagram longer than n fills buf,
   and *truncated (when not NULL) says so: 1, else 0 (the rest of it is
   gone, as always on Windows). from may be NULL. Errors as wp_fd_read's. */
WINPOLL_API long long wp_fd_readfrom(wp_fd *fd, void *buf, size_t n, wp_sockaddr *from, int *truncated);

/* wp_fd_writeto: sends one datagram of n bytes to *to (WSASendTo or
   sendto), under the write lock and write deadline. Returns n, or the error
   (-WSAEMSGSIZE when it is larger than the protocol allows). */
WINPOLL_API long long wp_fd_writeto(wp_fd *fd, const void *buf, size_t n, const wp_sockaddr *to);

/* A buffer of a gather write. */
typedef struct wp_iovec {
    const void *base;
    size_t len;
} wp_iovec;

/* wp_fd_writev: writes count buffers in order, all of them, under the
   write lock (WSASend with many buffers on sockets, each split at 1 GiB,
   what was sent consumed buffer by buffer as Go's consume does; one write
   after another on other FDs). Returns the bytes written in all; an error
   after some bytes returns that count, as wp_fd_write. */
WINPOLL_API long long wp_fd_writev(wp_fd *fd, const wp_iovec *iov, int count);

/* wp_fd_readmsg: reads one message with its control data (WSARecvMsg),
   for IP_PKTINFO, IPV6_PKTINFO and the like, under the read lock and read
   deadline. *control_len holds the size of control on the way in and the
   bytes of control data received on the way out (walk them with
   WSA_CMSG_FIRSTHDR and WSA_CMSG_NXTHDR); from may be NULL; *flags gets
   the message flags: MSG_CTRUNC when the control data did not fit, and
   MSG_TRUNC when the datagram did not (Windows reports the latter only as
   an error; winpoll.h turns it into the flag and returns the bytes in
   buf). Returns the bytes in buf, or the error. */
WINPOLL_API long long wp_fd_readmsg(wp_fd *fd, void *buf, size_t n, void *control, size_t *control_len,
                                    wp_sockaddr *from, int *flags);

/* wp_fd_writemsg: sends one message with control data (WSASendMsg) to *to
   (NULL: the connected peer), under the write lock and write deadline.
   Returns the bytes sent, or the error. */
WINPOLL_API long long wp_fd_writemsg(wp_fd *fd, const void *buf, size_t n, const void *control, size_t control_len,
                                     const wp_sockaddr *to);

/* The callback of wp_fd_raw_read / wp_fd_raw_write: does its own I/O on the
   socket (nonblocking calls, ioctlsocket, ...) and returns 1 when done, 0
   when it would have to wait. */
typedef int (*wp_raw_fn)(SOCKET s, void *ctx);

/* wp_fd_raw_read: Go's RawRead. Under the read lock, calls fn until it
   returns 1; each time it returns 0, waits for the socket to be readable
   (a zero-byte WSARecv on an attached FD, with MSG_PEEK on datagram
   sockets so that the datagram stays; a blocking one-byte MSG_PEEK recv
   otherwise) under the read deadline. End of file looks the same as data: fn's own read tells them
   apart. Returns 0, or the error (the closing error, the deadline).
   wp_fd_raw_write: calls fn once under the write lock, as Go does on
   Windows: 0, or -WSAEWOULDBLOCK if fn returned 0. */
WINPOLL_API int wp_fd_raw_read(wp_fd *fd, wp_raw_fn fn, void *ctx);
WINPOLL_API int wp_fd_raw_write(wp_fd *fd, wp_raw_fn fn, void *ctx);

/* The async face: the same operations without blocking, for a thread that
   runs a frame loop. wp_async_* starts an operation on an attached FD and
   returns at once; wp_loop_poll later hands it back, finished, exactly
   once. It is the engine the blocking calls use (the same OVERLAPPED, FD
   locks, deadlines and close), with a queue in place of a sleeping thread.

   A started operation holds its FD's read lock (READ, READFROM, ACCEPT) or
   write lock (WRITE, WRITETO, CONNECT) until it is finished, as a blocking
   call would: one read and one write per FD at a time. Starting another
   while the lock is held returns -ERROR_BUSY (never blocks).

   Order and fairness: operations that finish at once (data already there,
   skip-on-success) are not handed back inline but queued behind those the
   port reported earlier, and every poll first takes what the port holds:
   a connection that always has data cannot starve the others.

   The wp_async struct is yours: it, and the buffers and out-pointers given
   at start, must stay in place until wp_loop_poll has returned it. Fill in
   user as you like; read the rest only after it is returned. */
#define WINPOLL_ASYNC_READ     1
#define WINPOLL_ASYNC_WRITE    2
#define WINPOLL_ASYNC_ACCEPT   3
#define WINPOLL_ASYNC_CONNECT  4
#define WINPOLL_ASYNC_READFROM 5
#define WINPOLL_ASYNC_WRITETO  6
#define WINPOLL_ASYNC_TIMER    7 /* wp_async_timer */
#define WINPOLL_ASYNC_POST     8 /* wp_loop_post */

typedef struct wp_async {
    void *user;          /* yours; never touched */
    wp_fd *fd;           /* the FD it ran on (the struct may be closed and gone by now) */
    int op;              /* WINPOLL_ASYNC_* */
    int truncated;       /* READFROM: 1 when the datagram was longer than the buffer */
    long long result;    /* as the blocking call returns: bytes, 0, or -error */
    /* private: small, since a server holds one per idle connection */
    struct wp_async *next; /* in the loop's ready queue */
    struct wp_async *volatile flight; /* itself from its start until wp_loop_poll hands it back */
    char *buf;           /* the buffer; ACCEPT: AcceptEx's addresses (IP: in the memory of the FD to fill) */
    size_t n;            /* the buffer's length; ACCEPT: the room for each address */
    union {
        size_t done;       /* WRITE, WRITETO: bytes written so far */
        wp_sockaddr *from; /* READFROM: where the sender's address goes, or NULL */
        struct wp_fd *out; /* ACCEPT: the FD to fill */
        struct wp_loop *loop; /* TIMER: its loop */
    } w;
    union {
        wp__tnode timer;     /* TIMER: its node on the loop's heap */
        struct {
            SOCKADDR_IN6 sa; /* READFROM, WRITETO, CONNECT (IP only): the raw address, */
            int len;         /* and its length */
        } addr;
        struct {
            wp_sockaddr *local, *peer; /* the out-pointers given */
            SOCKET s;                  /* the socket being accepted into */
        } accept;
    } u;
} wp_async;

/* Start an operation, the async twin of the blocking call of the same name
   (see there for what it does and the results it gives). The FD must be
   attached to a loop; the operation is delivered by that loop's
   wp_loop_poll. Returns 0 when started (it will be delivered exactly
   once), or an error, and then nothing is delivered: -ERROR_INVALID_PARAMETER
   (NULL pointers, an FD not attached, the wrong kind), -ERROR_BUSY (the FD's
   read or write lock is held, or this wp_async is in flight: started and
   not yet handed back by wp_loop_poll), the closing error, -WINPOLL_ERR_DEADLINE
   (the deadline has passed already). Errors of the operation itself come
   in the delivered result.
   WRITE and WRITETO write all n bytes, as wp_fd_write does (result n, or
   the bytes written before an error stopped it). ACCEPT initialises *out
   (attached to the same loop) and fills *local and *peer when not NULL,
   skipping connections reset before they were accepted; until it is
   delivered *out's memory holds the addresses, and after a failure it is
   not an FD (out may not be the listener). READFROM fills *from (when not
   NULL) and the truncated field. WRITETO takes IPv4 and IPv6 addresses
   (-WSAEAFNOSUPPORT for others: Windows has no AF_UNIX datagrams).
   A wp_async's memory needs no setting before its first start.
   In blocking mode the operation runs to its end inside the start call
   (so the start blocks) and its result is delivered by the next poll; so
   does an AF_UNIX CONNECT in both modes (see wp_fd_connect). */
WINPOLL_API int wp_async_read(wp_async *a, wp_fd *fd, void *buf, size_t n);
WINPOLL_API int wp_async_write(wp_async *a, wp_fd *fd, const void *buf, size_t n);
WINPOLL_API int wp_async_accept(wp_async *a, wp_fd *listener, wp_fd *out, wp_sockaddr *local, wp_sockaddr *peer);
WINPOLL_API int wp_async_connect(wp_async *a, wp_fd *fd, const wp_sockaddr *addr);
WINPOLL_API int wp_async_readfrom(wp_async *a, wp_fd *fd, void *buf, size_t n, wp_sockaddr *from);
WINPOLL_API int wp_async_writeto(wp_async *a, wp_fd *fd, const void *buf, size_t n, const wp_sockaddr *to);

/* wp_async_timer: a one-shot timer on loop: a is delivered by wp_loop_poll,
   with result 0, once wp_monotonic_ns() has reached when_ns, never
   before (a time already past: at the next poll). Repeating is a new
   start after each delivery. Arming and cancelling cost O(log n) in the
   timers and deadlines the loop holds, with no allocation: the timer
   lives in a. It fires on time as deadlines do (a high-resolution
   wait where Windows has one); in blocking mode a sleeping poll wakes for
   it at the next clock tick (up to 15.6 ms late on Windows). A loop with a
   timer armed cannot be closed (-ERROR_BUSY): cancel it first.
   Returns 0 (it will be delivered exactly once), -ERROR_INVALID_PARAMETER
   (NULL, a loop not open, when_ns < 0) or -ERROR_BUSY (a is in flight).
   Any thread may arm a timer. */
WINPOLL_API int wp_async_timer(wp_async *a, wp_loop *loop, long long when_ns);

/* wp_async_cancel: cancels a timer that has not fired: a is delivered
   once, by the next poll, with result -ERROR_OPERATION_ABORTED. Returns 0
   when it was cancelled; -ERROR_NOT_FOUND when it had fired already (it is
   delivered with result 0, or was) and nothing changes; -ERROR_NOT_SUPPORTED
   for an operation that is no timer (FD operations end by a deadline or by
   wp_fd_close). a must have been started (its wp_async_timer has returned),
   and its loop still be open. Any thread may cancel, while a poll waits
   too. */
WINPOLL_API int wp_async_cancel(wp_async *a);

/* wp_loop_post: hands a to loop from any thread (a worker, a console
   control handler): the next wp_loop_poll delivers it, in the same rounds
   as the operations that finished, with op WINPOLL_ASYNC_POST, result 0,
   fd NULL and user as you set it; a poll that waits returns for it.
   Returns 0, -ERROR_INVALID_PARAMETER (NULL, a loop not open) or
   -ERROR_BUSY (a is in flight). */
WINPOLL_API int wp_loop_post(wp_loop *loop, wp_async *a);

#define WINPOLL_INFINITE (-1)

/* wp_loop_poll: hands back finished async operations, fired timers and
   posts, at most max of them, into out[], each exactly once, in rounds: a
   round is everything that finished since the one before it began (the
   port is served just before a round begins), and a poll hands out what
   is left of the current round before it starts the next, so an
   operation is never passed by one that finished in a later round (no
   starving, whatever max is). In a round, timers come in the order of
   their times and posts in the order they were posted, then the I/O
   operations, newest first, because the connection served last is the
   one whose memory is still in the caches. A turn costs the same however
   many operations are pending. Waits at most
   timeout_ms milliseconds for the first (0: do not wait, for a frame loop;
   WINPOLL_INFINITE: no limit); returns earlier, with 0, when wp_loop_wake
   is called. Returns the number in out[], or -ERROR_INVALID_PARAMETER.
   While it waits, the thread also serves the loop's port for the blocking
   calls of other threads, and fires deadlines. Async operations make
   progress while some thread polls or waits in a blocking call on the
   loop. Any number of threads may poll one loop; each operation goes to
   one of them. */
WINPOLL_API int wp_loop_poll(wp_loop *loop, wp_async **out, int max, long timeout_ms);

/* wp_loop_wake: makes a wp_loop_poll that waits on loop return 0 now; if
   none waits, the next one returns at once. Safe from any thread and from
   a console control handler, whichever thread takes the wake's packet
   from the port. Returns 0 or the error. */
WINPOLL_API int wp_loop_wake(wp_loop *loop);

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

/* No wide-string CRT functions and no L"" literals with WCHAR: Wine's SDK
   makes WCHAR char16_t in C++, which wchar_t does not convert to. */
#include <string.h>

/* SSE2 for the transcoder's 16-byte blocks where every CPU of the target has it. */
#if defined(_M_X64) || defined(__x86_64__) || defined(__SSE2__) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#define WINPOLL__SSE2 1
#include <emmintrin.h>
#else
#define WINPOLL__SSE2 0
#endif
#if defined(_MSC_VER)
#include <intrin.h>
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
    X(132, "ERROR_SEEK_ON_DEVICE", 0, "ESPIPE") \
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
    X(WINPOLL_ERR_TOO_MANY_REFS, "WINPOLL_ERR_TOO_MANY_REFS", 0, "EOVERFLOW") \
    X(WINPOLL_ERR_BAD_ADDRESS, "WINPOLL_ERR_BAD_ADDRESS", 0, "EINVAL")

/* The text of the library's own codes (system codes get FormatMessageW's). */
#define WINPOLL__OWN_TEXT_TABLE(X) \
    X(WINPOLL_ERR_FILE_CLOSING, "use of closed file") \
    X(WINPOLL_ERR_NET_CLOSING, "use of closed network connection") \
    X(WINPOLL_ERR_DEADLINE, "i/o timeout (deadline exceeded)") \
    X(WINPOLL_ERR_EOF, "end of file") \
    X(WINPOLL_ERR_NOT_POLLABLE, "not pollable") \
    X(WINPOLL_ERR_TOO_MANY_REFS, "too many concurrent operations on a single file or socket (max 1048575)") \
    X(WINPOLL_ERR_BAD_ADDRESS, "invalid network address text")

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

/* The calling thread's last Win32 error as a result (never 0). */
static int wp__last_error(void) {
    DWORD e = GetLastError();
    return e == 0 ? -ERROR_GEN_FAILURE : -(int)e;
}

/* >>init -------------------------------------------------------------------- */

static INIT_ONCE wp__init_once = INIT_ONCE_STATIC_INIT;
static int wp__init_result;
static int wp__wait_on_address(void);

/* Functions newer than Windows 7 and per-boot constants, resolved once by
   wp_init (the three wait functions by wp__wait_on_address, below). A NULL
   function means this Windows lacks it. */
typedef VOID(WINAPI *wp__fn_GetSystemTimePreciseAsFileTime)(LPFILETIME);
typedef BOOL(WINAPI *wp__fn_WaitOnAddress)(volatile VOID *, PVOID, SIZE_T, DWORD);
typedef VOID(WINAPI *wp__fn_WakeByAddress)(PVOID);
typedef LONG(NTAPI *wp__fn_NtQueryInformationProcess)(HANDLE, int, PVOID, ULONG, PULONG);
typedef ULONG(NTAPI *wp__fn_RtlNtStatusToDosError)(LONG);
typedef LONG(NTAPI *wp__fn_NtQueryInformationFile)(HANDLE, void *, PVOID, ULONG, int);
typedef LONG(NTAPI *wp__fn_NtCreateWaitCompletionPacket)(HANDLE *, ACCESS_MASK, void *);
typedef LONG(NTAPI *wp__fn_NtAssociateWaitCompletionPacket)(HANDLE, HANDLE, HANDLE, PVOID, PVOID, LONG, ULONG_PTR,
                                                             BOOLEAN *);
typedef LONG(NTAPI *wp__fn_NtCancelWaitCompletionPacket)(HANDLE, BOOLEAN);
static struct wp__import_table {
    wp__fn_GetSystemTimePreciseAsFileTime GetSystemTimePreciseAsFileTime; /* Windows 8 */
    wp__fn_WaitOnAddress WaitOnAddress;                                   /* Windows 8, all three or none */
    wp__fn_WakeByAddress WakeByAddressSingle;
    wp__fn_WakeByAddress WakeByAddressAll;
    wp__fn_NtQueryInformationProcess NtQueryInformationProcess;           /* ntdll, not in import libs */
    wp__fn_RtlNtStatusToDosError RtlNtStatusToDosError;
    wp__fn_NtQueryInformationFile NtQueryInformationFile;                 /* ntdll: a handle's I/O mode */
    /* a timer's expiry as a packet on a port (ntdll, Windows 8; all three or none) */
    wp__fn_NtCreateWaitCompletionPacket NtCreateWaitCompletionPacket;
    wp__fn_NtAssociateWaitCompletionPacket NtAssociateWaitCompletionPacket;
    wp__fn_NtCancelWaitCompletionPacket NtCancelWaitCompletionPacket;
    long long qpc_frequency;
    /* Winsock's extension functions, from SIO_GET_EXTENSION_FUNCTION_POINTER */
    LPFN_ACCEPTEX AcceptEx;
    LPFN_GETACCEPTEXSOCKADDRS GetAcceptExSockaddrs;
    LPFN_CONNECTEX ConnectEx;
    LPFN_DISCONNECTEX DisconnectEx;
    LPFN_TRANSMITFILE TransmitFile;
    LPFN_WSARECVMSG WSARecvMsg;
    LPFN_WSASENDMSG WSASendMsg;
    /* every TCP and UDP provider has IFS handles: skip-on-success is safe */
    int skip_on_success;
} wp__imports;

/* Go's rule (go.dev/issue/22149): skip-on-success only when every installed
   TCP and UDP provider reports XP1_IFS_HANDLES (a layered provider may not
   deliver its completions otherwise). */
static int wp__all_providers_ifs(void) {
    DWORD size = 0, i;
    int n, ok = 1;
    WSAPROTOCOL_INFOW *info;
    if (WSAEnumProtocolsW(NULL, NULL, &size) != SOCKET_ERROR || WSAGetLastError() != WSAENOBUFS) return 0;
    info = (WSAPROTOCOL_INFOW *)WINPOLL__MALLOC(size, NULL);
    if (info == NULL) return 0;
    n = WSAEnumProtocolsW(NULL, info, &size);
    if (n == SOCKET_ERROR) ok = 0;
    for (i = 0; ok && (int)i < n; i++)
        if ((info[i].iProtocol == IPPROTO_TCP || info[i].iProtocol == IPPROTO_UDP) &&
            !(info[i].dwServiceFlags1 & XP1_IFS_HANDLES))
            ok = 0;
    WINPOLL__FREE(info, NULL);
    return ok;
}

/* Fills the extension-function part of the table through one socket. */
static void wp__load_extensions(void) {
    SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    DWORD got;
    if (s == INVALID_SOCKET) s = WSASocketW(AF_INET6, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    if (s == INVALID_SOCKET) return;
#define WINPOLL__LOAD(guid_value, field) \
    do { \
        GUID id_ = guid_value; \
        if (WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &id_, (DWORD)sizeof id_, &wp__imports.field, \
                     (DWORD)sizeof wp__imports.field, &got, NULL, NULL) != 0) \
            wp__imports.field = NULL; \
    } while (0)
    WINPOLL__LOAD(WSAID_ACCEPTEX, AcceptEx);
    WINPOLL__LOAD(WSAID_GETACCEPTEXSOCKADDRS, GetAcceptExSockaddrs);
    WINPOLL__LOAD(WSAID_CONNECTEX, ConnectEx);
    WINPOLL__LOAD(WSAID_DISCONNECTEX, DisconnectEx);
    WINPOLL__LOAD(WSAID_TRANSMITFILE, TransmitFile);
    WINPOLL__LOAD(WSAID_WSARECVMSG, WSARecvMsg);
    WINPOLL__LOAD(WSAID_WSASENDMSG, WSASendMsg);
#undef WINPOLL__LOAD
    closesocket(s);
}

/* GetProcAddress's FARPROC to a function pointer type, through the generic
   function pointer type that the compilers accept without a cast warning. */
#define WINPOLL__PROC(type, module, name) ((type)(void (*)(void))GetProcAddress((module), (name)))

static BOOL CALLBACK wp__init_run(PINIT_ONCE once, PVOID param, PVOID *context) {
    WSADATA wsa;
    int r;
    LARGE_INTEGER f;
    HMODULE kernel32 = GetModuleHandleA("kernel32.dll"), ntdll = GetModuleHandleA("ntdll.dll");
    (void)once;
    (void)param;
    (void)context;
    if (kernel32 != NULL)
        wp__imports.GetSystemTimePreciseAsFileTime =
            WINPOLL__PROC(wp__fn_GetSystemTimePreciseAsFileTime, kernel32, "GetSystemTimePreciseAsFileTime");
    if (ntdll != NULL) {
        wp__imports.NtQueryInformationProcess =
            WINPOLL__PROC(wp__fn_NtQueryInformationProcess, ntdll, "NtQueryInformationProcess");
        wp__imports.RtlNtStatusToDosError = WINPOLL__PROC(wp__fn_RtlNtStatusToDosError, ntdll, "RtlNtStatusToDosError");
        if (wp__imports.RtlNtStatusToDosError == NULL) wp__imports.NtQueryInformationProcess = NULL;
        wp__imports.NtQueryInformationFile =
            WINPOLL__PROC(wp__fn_NtQueryInformationFile, ntdll, "NtQueryInformationFile");
        wp__imports.NtCreateWaitCompletionPacket =
            WINPOLL__PROC(wp__fn_NtCreateWaitCompletionPacket, ntdll, "NtCreateWaitCompletionPacket");
        wp__imports.NtAssociateWaitCompletionPacket =
            WINPOLL__PROC(wp__fn_NtAssociateWaitCompletionPacket, ntdll, "NtAssociateWaitCompletionPacket");
        wp__imports.NtCancelWaitCompletionPacket =
            WINPOLL__PROC(wp__fn_NtCancelWaitCompletionPacket, ntdll, "NtCancelWaitCompletionPacket");
        if (!wp__imports.NtAssociateWaitCompletionPacket || !wp__imports.NtCancelWaitCompletionPacket)
            wp__imports.NtCreateWaitCompletionPacket = NULL;
    }
    QueryPerformanceFrequency(&f); /* never fails on Windows XP and later */
    wp__imports.qpc_frequency = f.QuadPart;
    wp__wait_on_address(); /* chosen here too, so that it is seldom left to a wait */
    r = WSAStartup(MAKEWORD(2, 2), &wsa);
    if (r == 0 && wsa.wVersion != MAKEWORD(2, 2)) {
        WSACleanup();
        r = WSAVERNOTSUPPORTED;
    }
    if (r == 0) {
        wp__load_extensions();
        wp__imports.skip_on_success = wp__all_providers_ifs();
    }
    wp__init_result = r == 0 ? 0 : -r;
    return TRUE;
}

WINPOLL_API int wp_init(void) {
    InitOnceExecuteOnce(&wp__init_once, wp__init_run, NULL, NULL);
    return wp__init_result;
}

/* The wait primitive, chosen once before the first wait or wake and apart
   from wp_init: a waiter and its waker must use the same one, and the FD
   path waits without ever calling wp_init. */
static INIT_ONCE wp__wait_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK wp__wait_choose(PINIT_ONCE once, PVOID param, PVOID *context) {
    /* kernel32 does not export these; the API set does (Windows 8 and later) */
    HMODULE synch = LoadLibraryA("api-ms-win-core-synch-l1-2-0.dll");
    (void)once;
    (void)param;
    (void)context;
    if (synch != NULL) {
        wp__imports.WaitOnAddress = WINPOLL__PROC(wp__fn_WaitOnAddress, synch, "WaitOnAddress");
        wp__imports.WakeByAddressSingle = WINPOLL__PROC(wp__fn_WakeByAddress, synch, "WakeByAddressSingle");
        wp__imports.WakeByAddressAll = WINPOLL__PROC(wp__fn_WakeByAddress, synch, "WakeByAddressAll");
        if (!wp__imports.WakeByAddressSingle || !wp__imports.WakeByAddressAll) wp__imports.WaitOnAddress = NULL;
    }
    return TRUE;
}

/* 1 when waits use WaitOnAddress, 0 for the condition-variable table. */
static int wp__wait_on_address(void) {
    InitOnceExecuteOnce(&wp__wait_once, wp__wait_choose, NULL, NULL);
    return wp__imports.WaitOnAddress != NULL;
}

WINPOLL_API int wp_mode(void) {
    return WINPOLL__BLOCKING ? WINPOLL_MODE_BLOCKING : WINPOLL_MODE_IOCP;
}

/* >>strings ----------------------------------------------------------------- */

/* Decodes the UTF-8 sequence at s[*i] (s holds n bytes). Returns the code
   point and moves *i past it, or returns -1 when the byte at *i cannot start
   a valid sequence there (a stray continuation byte, an overlong form, an
   encoded surrogate, a value above U+10FFFF, a cut sequence). */
static long wp__utf8_next(const unsigned char *s, size_t n, size_t *i) {
    size_t k = *i, j, extra;
    unsigned long c = s[k], min;
    if (c < 0x80) {
        *i = k + 1;
        return (long)c;
    }
    if (c < 0xC2) return -1;
    if (c < 0xE0) {
        extra = 1;
        c &= 0x1F;
        min = 0x80;
    } else if (c < 0xF0) {
        extra = 2;
        c &= 0x0F;
        min = 0x800;
    } else if (c < 0xF5) {
        extra = 3;
        c &= 0x07;
        min = 0x10000;
    } else {
        return -1;
    }
    if (n - k - 1 < extra) return -1;
    for (j = 1; j <= extra; j++) {
        unsigned long b = s[k + j];
        if ((b & 0xC0) != 0x80) return -1;
        c = (c << 6) | (b & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return -1;
    *i = k + 1 + extra;
    return (long)c;
}

WINPOLL_API long long wp_utf8_to_utf16(const char *s, size_t len, WCHAR *out, size_t cap) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, need = 0, o = 0;
    if (s == NULL) return -ERROR_INVALID_PARAMETER;
    if (len == WINPOLL_NUL_TERMINATED) len = strlen(s);
    else if (memchr(s, 0, len) != NULL) return -ERROR_INVALID_PARAMETER;
    while (i < len) {
        long c = wp__utf8_next(u, len, &i);
        if (c < 0) return -ERROR_NO_UNICODE_TRANSLATION;
        need += c >= 0x10000 ? 2 : 1;
    }
    if (out == NULL || cap <= need) return (long long)need;
    for (i = 0; i < len;) {
        unsigned long c = (unsigned long)wp__utf8_next(u, len, &i);
        if (c >= 0x10000) {
            c -= 0x10000;
            out[o++] = (WCHAR)(0xD800 + (c >> 10));
            out[o++] = (WCHAR)(0xDC00 + (c & 0x3FF));
        } else {
            out[o++] = (WCHAR)c;
        }
    }
    out[o] = 0;
    return (long long)need;
}

WINPOLL_API long long wp_utf16_to_utf8(const WCHAR *w, size_t len, char *out, size_t cap) {
    size_t written = 0, need = 0;
    if (w == NULL) return -ERROR_INVALID_PARAMETER;
    if (len == WINPOLL_NUL_TERMINATED)
        for (len = 0; w[len] != 0; len++) {}
    wp__utf16_append_utf8(w, len, NULL, 0, &written, &need);
    if (out == NULL || cap <= need) return (long long)need;
    written = 0;
    need = 0;
    wp__utf16_append_utf8(w, len, out, cap, &written, &need);
    out[written] = 0;
    return (long long)need;
}

/* UTF-8 text as new UTF-16 (NUL-terminated) from the allocator hooks. */
static int wp__utf16_dup(const char *s, size_t len, WCHAR **out) {
    long long n = wp_utf8_to_utf16(s, len, NULL, 0);
    *out = NULL;
    if (n < 0) return (int)n;
    *out = (WCHAR *)WINPOLL__MALLOC(((size_t)n + 1) * sizeof(WCHAR), NULL);
    if (*out == NULL) return -ERROR_NOT_ENOUGH_MEMORY;
    wp_utf8_to_utf16(s, len, *out, (size_t)n + 1);
    return (int)n;
}

/* A UTF-8 path as the NUL-terminated UTF-16 the W functions take, on the
   stack when short. Absolute paths of 248 units or more (the limit below
   which CreateDirectoryW works without a prefix) are made full by
   GetFullPathNameW, as Windows makes a short one (separators, "." and "..",
   trailing dots and spaces, device names such as NUL), and then given the
   \\?\ or \\?\UNC\ prefix, so that a name means the same file at every
   length and every function takes paths up to 32767 units. */
#define WINPOLL__PATH_SMALL 300
#define WINPOLL__PATH_ROOM 8 /* units before the path: room for \\?\UNC */
#define WINPOLL__PATH_MAX 32767 /* units Windows takes, the prefix included */

typedef struct wp__wpath {
    WCHAR *p;    /* the path to pass */
    WCHAR *base; /* what to free, or small */
    size_t len;  /* units of p, without the NUL */
    WCHAR small[WINPOLL__PATH_SMALL];
} wp__wpath;

static int wp__is_sep(WCHAR c) { return c == L'\\' || c == L'/'; }

static void wp__wpath_free(wp__wpath *wp) {
    if (wp->base != NULL && wp->base != wp->small) WINPOLL__FREE(wp->base, NULL);
    wp->base = NULL;
    wp->p = NULL;
}

/* The long absolute path in (n units: X:\ or \\server, whose prefix adds
   prefix units) made full into new memory, prefixed. 0 or the error; wp is
   unchanged on error. */
static int wp__wpath_full(wp__wpath *wp, const WCHAR *in, size_t n, size_t prefix, size_t extra) {
    DWORD need = GetFullPathNameW(in, 0, NULL, NULL), got;
    WCHAR *buf, *full;
    size_t len;
    /* a failure of a path too long for the prefix says so, whatever else
       GetFullPathNameW said */
    int too_long = n + prefix + extra > WINPOLL__PATH_MAX;
    if (need == 0) return too_long ? -ERROR_FILENAME_EXCED_RANGE : wp__last_error();
    buf = (WCHAR *)WINPOLL__MALLOC(((size_t)need + WINPOLL__PATH_ROOM + extra + 1) * sizeof(WCHAR), NULL);
    if (buf == NULL) return -ERROR_NOT_ENOUGH_MEMORY;
    full = buf + WINPOLL__PATH_ROOM;
    got = GetFullPathNameW(in, need, full, NULL);
    if (got == 0 || got >= need) {
        int r = too_long ? -ERROR_FILENAME_EXCED_RANGE : got == 0 ? wp__last_error() : -ERROR_INVALID_NAME;
        WINPOLL__FREE(buf, NULL);
        return r;
    }
    len = got;
    if (wp__is_sep(full[0]) && wp__is_sep(full[1]) && (full[2] == L'.' || full[2] == L'?') && wp__is_sep(full[3])) {
        /* a device (\\.\NUL) or a prefixed path: as it is */
    } else if (wp__is_sep(full[0]) && wp__is_sep(full[1])) {
        full -= 6; /* \\server\share -> \\?\UNC\server\share */
        memcpy(full, L"\\\\?\\UNC", 7 * sizeof(WCHAR));
        full[7] = L'\\';
        len += 6;
    } else {
        full -= 4;
        memcpy(full, L"\\\\?\\", 4 * sizeof(WCHAR));
        len += 4;
    }
    if (len + extra > WINPOLL__PATH_MAX) {
        WINPOLL__FREE(buf, NULL);
        return -ERROR_FILENAME_EXCED_RANGE;
    }
    wp__wpath_free(wp);
    wp->base = buf;
    wp->p = full;
    wp->len = len;
    return 0;
}

/* extra: units the caller will append after the path (and before its NUL). */
static int wp__wpath_init(wp__wpath *wp, const char *path, size_t extra) {
    long long n;
    size_t cap;
    const WCHAR *in;
    int r, drive, unc;
    wp->p = wp->base = NULL;
    wp->len = 0;
    if (path == NULL) return -ERROR_INVALID_PARAMETER;
    n = wp_utf8_to_utf16(path, WINPOLL_NUL_TERMINATED, NULL, 0);
    if (n < 0) return (int)n;
    if ((size_t)n + extra > WINPOLL__PATH_MAX) return -ERROR_FILENAME_EXCED_RANGE;
    cap = (size_t)n + WINPOLL__PATH_ROOM + extra + 1;
    wp->base = cap <= WINPOLL__PATH_SMALL ? wp->small : (WCHAR *)WINPOLL__MALLOC(cap * sizeof(WCHAR), NULL);
    if (wp->base == NULL) return -ERROR_NOT_ENOUGH_MEMORY;
    wp_utf8_to_utf16(path, WINPOLL_NUL_TERMINATED, wp->base + WINPOLL__PATH_ROOM, cap - WINPOLL__PATH_ROOM);
    wp->p = wp->base + WINPOLL__PATH_ROOM;
    wp->len = (size_t)n;
    if (n < 248) return 0;
    in = wp->p;
    drive = ((in[0] >= L'a' && in[0] <= L'z') || (in[0] >= L'A' && in[0] <= L'Z')) && in[1] == L':' &&
            wp__is_sep(in[2]);
    unc = wp__is_sep(in[0]) && wp__is_sep(in[1]) && in[2] != L'?' && in[2] != L'.' && !wp__is_sep(in[2]);
    if (drive || unc) {
        r = wp__wpath_full(wp, in, (size_t)n, unc ? 6 : 4, extra);
        if (r < 0) wp__wpath_free(wp);
        return r;
    }
    return 0; /* relative, rooted without a drive, \\?\ and \\.\ paths pass as they are */
}

/* >>time -------------------------------------------------------------------- */

#define WINPOLL__UNIX_EPOCH_FT 116444736000000000ull /* 1970 in 100 ns units since 1601 */
#define WINPOLL__LL_MAX 0x7FFFFFFFFFFFFFFFLL

WINPOLL_API long long wp_filetime_to_ns(FILETIME ft) {
    unsigned long long t = ((unsigned long long)ft.dwHighDateTime << 32) | ft.dwLowDateTime, d;
    if (t >= WINPOLL__UNIX_EPOCH_FT) {
        d = t - WINPOLL__UNIX_EPOCH_FT;
        return d > (unsigned long long)(WINPOLL__LL_MAX / 100) ? WINPOLL__LL_MAX : (long long)d * 100;
    }
    d = WINPOLL__UNIX_EPOCH_FT - t;
    return d > (unsigned long long)(WINPOLL__LL_MAX / 100) ? -WINPOLL__LL_MAX - 1 : -(long long)d * 100;
}

WINPOLL_API FILETIME wp_ns_to_filetime(long long ns) {
    long long q = ns / 100;
    unsigned long long t;
    FILETIME ft;
    if (ns % 100 < 0) q--; /* round toward the past */
    t = (unsigned long long)(q + (long long)WINPOLL__UNIX_EPOCH_FT);
    ft.dwLowDateTime = (DWORD)(t & 0xFFFFFFFFu);
    ft.dwHighDateTime = (DWORD)(t >> 32);
    return ft;
}

WINPOLL_API long long wp_now_ns(void) {
    FILETIME ft;
    wp_init();
    if (wp__imports.GetSystemTimePreciseAsFileTime != NULL) wp__imports.GetSystemTimePreciseAsFileTime(&ft);
    else GetSystemTimeAsFileTime(&ft);
    return wp_filetime_to_ns(ft);
}

WINPOLL_API long long wp_monotonic_ns(void) {
    LARGE_INTEGER c;
    long long f;
    wp_init();
    f = wp__imports.qpc_frequency;
    QueryPerformanceCounter(&c);
    /* whole seconds and the rest apart: c * 1e9 would overflow after
       about 10 days at 10 MHz */
    return (c.QuadPart / f) * 1000000000LL + (c.QuadPart % f) * 1000000000LL / f;
}

/* >>files ------------------------------------------------------------------- */

/* The most one ReadFile/WriteFile/WSASend is asked for (WINPOLL_MAX_RW,
   see OPTIONS). */
#ifdef WINPOLL_MAX_RW
#define WINPOLL__MAX_RW ((DWORD)(WINPOLL_MAX_RW))
#else
#define WINPOLL__MAX_RW 0x40000000u
#endif
#define WINPOLL__ERROR_HANDLES_CLOSED 676 /* mingw's winerror.h lacks it */

/* The length one Win32 read or write call takes of n: at most 1 GiB. */
static DWORD wp__rw_len(size_t n) { return n > WINPOLL__MAX_RW ? WINPOLL__MAX_RW : (DWORD)n; }
#define WINPOLL__SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

static int wp__set_eof(HANDLE h, long long size) {
    FILE_END_OF_FILE_INFO eof;
    eof.EndOfFile.QuadPart = size;
    return SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, (DWORD)sizeof eof) ? 0 : wp__last_error();
}

WINPOLL_API int wp_open(const char *path, int flags, int perm, HANDLE *out) {
    const int known = 3 | WINPOLL_O_CREAT | WINPOLL_O_EXCL | WINPOLL_O_TRUNC | WINPOLL_O_APPEND | WINPOLL_O_SYNC |
                      WINPOLL_O_CLOEXEC | WINPOLL_O_INHERIT;
    DWORD access, create, attrs = FILE_FLAG_BACKUP_SEMANTICS;
    SECURITY_ATTRIBUTES sa;
    wp__wpath wp;
    HANDLE h;
    int r, acc = flags & 3;
    if (out == NULL) return -ERROR_INVALID_PARAMETER;
    *out = INVALID_HANDLE_VALUE;
    if ((flags & ~known) != 0 || acc == 3) return -ERROR_INVALID_PARAMETER;
    access = acc == WINPOLL_O_RDONLY ? GENERIC_READ
           : acc == WINPOLL_O_WRONLY ? GENERIC_WRITE : GENERIC_READ | GENERIC_WRITE;
    if ((flags & WINPOLL_O_APPEND) && acc != WINPOLL_O_RDONLY) {
        access &= ~(DWORD)GENERIC_WRITE;
        access |= FILE_APPEND_DATA | FILE_WRITE_ATTRIBUTES | FILE_WRITE_EA | STANDARD_RIGHTS_WRITE | SYNCHRONIZE;
    }
    if ((flags & WINPOLL_O_CREAT) && (flags & WINPOLL_O_EXCL)) create = CREATE_NEW;
    else if (flags & WINPOLL_O_CREAT) create = OPEN_ALWAYS;
    else create = OPEN_EXISTING;
    attrs |= ((flags & WINPOLL_O_CREAT) && !(perm & 0200)) ? FILE_ATTRIBUTE_READONLY : FILE_ATTRIBUTE_NORMAL;
    if (flags & WINPOLL_O_SYNC) attrs |= FILE_FLAG_WRITE_THROUGH;
    sa.nLength = sizeof sa;
    sa.lpSecurityDescriptor = NULL;
    sa.bInheritHandle = TRUE;
    r = wp__wpath_init(&wp, path, 0);
    if (r < 0) return r;
    h = CreateFileW(wp.p, access, WINPOLL__SHARE_ALL, (flags & WINPOLL_O_INHERIT) ? &sa : NULL, create, attrs, NULL);
    r = h == INVALID_HANDLE_VALUE ? wp__last_error() : 0;
    wp__wpath_free(&wp);
    if (r < 0) return r;
    if ((flags & WINPOLL_O_TRUNC) && GetFileType(h) == FILE_TYPE_DISK) {
        if (flags & WINPOLL_O_APPEND) {
            /* FILE_APPEND_DATA cannot set the end of file: a second handle
               to the same file object (not the same path) can. */
            HANDLE t = ReOpenFile(h, GENERIC_WRITE, WINPOLL__SHARE_ALL, 0);
            r = t == INVALID_HANDLE_VALUE ? wp__last_error() : wp__set_eof(t, 0);
            if (t != INVALID_HANDLE_VALUE) CloseHandle(t);
        } else {
            r = wp__set_eof(h, 0);
        }
        if (r < 0) {
            CloseHandle(h);
            return r;
        }
    }
    *out = h;
    return 0;
}

WINPOLL_API int wp_close(HANDLE h) { return CloseHandle(h) ? 0 : wp__last_error(); }

WINPOLL_API long long wp_read(HANDLE h, void *buf, size_t n) {
    DWORD got = 0;
    if (buf == NULL && n > 0) return -ERROR_INVALID_PARAMETER;
    if (!ReadFile(h, buf, wp__rw_len(n), &got, NULL)) {
        DWORD e = GetLastError();
        if (e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF) return 0;
        return e == ERROR_MORE_DATA ? (long long)got : -(long long)e;
    }
    return (long long)got;
}

WINPOLL_API long long wp_write(HANDLE h, const void *buf, size_t n) {
    DWORD put = 0;
    if (buf == NULL && n > 0) return -ERROR_INVALID_PARAMETER;
    if (!WriteFile(h, buf, wp__rw_len(n), &put, NULL)) return wp__last_error();
    return (long long)put;
}

WINPOLL_API long long wp_seek(HANDLE h, long long offset, int whence) {
    LARGE_INTEGER dist, pos;
    if (whence < WINPOLL_SEEK_SET || whence > WINPOLL_SEEK_END) return -ERROR_INVALID_PARAMETER;
    dist.QuadPart = offset;
    /* FILE_BEGIN, FILE_CURRENT and FILE_END are 0, 1 and 2 */
    if (!SetFilePointerEx(h, dist, &pos, (DWORD)whence)) return wp__last_error();
    return pos.QuadPart;
}

WINPOLL_API int wp_stdhandle(int fd, HANDLE *out) {
    static const DWORD ids[3] = { STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE };
    HANDLE h;
    if (out == NULL || fd < 0 || fd > 2) return -ERROR_INVALID_PARAMETER;
    *out = INVALID_HANDLE_VALUE;
    h = GetStdHandle(ids[fd]);
    if (h == INVALID_HANDLE_VALUE) return wp__last_error();
    if (h == NULL) return -ERROR_INVALID_HANDLE;
    *out = h;
    return 0;
}

WINPOLL_API int wp_ftruncate(HANDLE h, long long size) {
    if (size < 0) return -ERROR_INVALID_PARAMETER;
    return wp__set_eof(h, size);
}

WINPOLL_API int wp_fsync(HANDLE h) { return FlushFileBuffers(h) ? 0 : wp__last_error(); }

static DWORD wp__mode_attributes(DWORD attrs, int mode) {
    attrs = (mode & 0200) ? attrs & ~(DWORD)FILE_ATTRIBUTE_READONLY : attrs | FILE_ATTRIBUTE_READONLY;
    return attrs == 0 ? FILE_ATTRIBUTE_NORMAL : attrs;
}

WINPOLL_API int wp_chmod(const char *path, int mode) {
    wp__wpath wp;
    DWORD attrs, want;
    int r = wp__wpath_init(&wp, path, 0);
    if (r < 0) return r;
    attrs = GetFileAttributesW(wp.p);
    if (attrs == INVALID_FILE_ATTRIBUTES) {
        r = wp__last_error();
    } else {
        want = wp__mode_attributes(attrs, mode);
        if (want != attrs && !SetFileAttributesW(wp.p, want)) r = wp__last_error();
    }
    wp__wpath_free(&wp);
    return r;
}

WINPOLL_API int wp_fchmod(HANDLE h, int mode) {
    FILE_BASIC_INFO bi;
    if (!GetFileInformationByHandleEx(h, FileBasicInfo, &bi, (DWORD)sizeof bi)) return wp__last_error();
    bi.FileAttributes = wp__mode_attributes(bi.FileAttributes, mode);
    /* zero times mean "leave alone" */
    bi.CreationTime.QuadPart = bi.LastAccessTime.QuadPart = bi.LastWriteTime.QuadPart = bi.ChangeTime.QuadPart = 0;
    return SetFileInformationByHandle(h, FileBasicInfo, &bi, (DWORD)sizeof bi) ? 0 : wp__last_error();
}

WINPOLL_API int wp_futimes(HANDLE h, long long atime_ns, long long mtime_ns) {
    FILETIME a, m;
    if (atime_ns != WINPOLL_UTIME_OMIT) a = wp_ns_to_filetime(atime_ns);
    if (mtime_ns != WINPOLL_UTIME_OMIT) m = wp_ns_to_filetime(mtime_ns);
    if (!SetFileTime(h, NULL, atime_ns != WINPOLL_UTIME_OMIT ? &a : NULL, mtime_ns != WINPOLL_UTIME_OMIT ? &m : NULL))
        return wp__last_error();
    return 0;
}

WINPOLL_API int wp_utimes(const char *path, long long atime_ns, long long mtime_ns) {
    wp__wpath wp;
    HANDLE h;
    int r = wp__wpath_init(&wp, path, 0);
    if (r < 0) return r;
    h = CreateFileW(wp.p, FILE_WRITE_ATTRIBUTES, WINPOLL__SHARE_ALL, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS,
                    NULL);
    r = h == INVALID_HANDLE_VALUE ? wp__last_error() : 0;
    wp__wpath_free(&wp);
    if (r < 0) return r;
    r = wp_futimes(h, atime_ns, mtime_ns);
    CloseHandle(h);
    return r;
}

/* >>dirs -------------------------------------------------------------------- */

#define WINPOLL__TAG_MOUNT_POINT 0xA0000003ul
#define WINPOLL__TAG_SYMLINK 0xA000000Cul
#define WINPOLL__TAG_AF_UNIX 0x80000023ul

/* FILE_ID_INFO (Windows 8 and later; Wine's SDK lacks it). */
typedef struct wp__file_id_info {
    ULONGLONG volume;
    BYTE id[16];
} wp__file_id_info;
#define WINPOLL__FILE_ID_INFO_CLASS 18

static int wp__type_of(DWORD attrs, DWORD tag) {
    if (attrs & FILE_ATTRIBUTE_REPARSE_POINT) {
        if (tag == WINPOLL__TAG_SYMLINK || tag == WINPOLL__TAG_MOUNT_POINT) return WINPOLL_TYPE_SYMLINK;
        if (tag == WINPOLL__TAG_AF_UNIX) return WINPOLL_TYPE_OTHER;
    }
    return (attrs & FILE_ATTRIBUTE_DIRECTORY) ? WINPOLL_TYPE_DIR : WINPOLL_TYPE_REGULAR;
}

WINPOLL_API int wp_fstat(HANDLE h, wp_file_info *info) {
    BY_HANDLE_FILE_INFORMATION bh;
    wp__file_id_info fid;
    DWORD ft;
    int i;
    if (info == NULL) return -ERROR_INVALID_PARAMETER;
    memset(info, 0, sizeof *info);
    ft = GetFileType(h);
    if (ft == FILE_TYPE_UNKNOWN && GetLastError() != NO_ERROR) return wp__last_error();
    if (ft == FILE_TYPE_CHAR || ft == FILE_TYPE_PIPE) {
        info->type = ft == FILE_TYPE_CHAR ? WINPOLL_TYPE_CHAR : WINPOLL_TYPE_PIPE;
        return 0;
    }
    if (!GetFileInformationByHandle(h, &bh)) return wp__last_error();
    info->size = (long long)(((unsigned long long)bh.nFileSizeHigh << 32) | bh.nFileSizeLow);
    info->atime_ns = wp_filetime_to_ns(bh.ftLastAccessTime);
    info->mtime_ns = wp_filetime_to_ns(bh.ftLastWriteTime);
    info->birthtime_ns = wp_filetime_to_ns(bh.ftCreationTime);
    info->attributes = bh.dwFileAttributes;
    info->nlink = bh.nNumberOfLinks;
    info->volume = bh.dwVolumeSerialNumber;
    for (i = 0; i < 4; i++) {
        info->file_id[i] = (unsigned char)(bh.nFileIndexLow >> (8 * i));
        info->file_id[4 + i] = (unsigned char)(bh.nFileIndexHigh >> (8 * i));
    }
    if (GetFileInformationByHandleEx(h, (FILE_INFO_BY_HANDLE_CLASS)WINPOLL__FILE_ID_INFO_CLASS, &fid,
                                     (DWORD)sizeof fid)) {
        info->volume = fid.volume;
        memcpy(info->file_id, fid.id, 16);
    }
    if (bh.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
        FILE_ATTRIBUTE_TAG_INFO ti;
        if (GetFileInformationByHandleEx(h, FileAttributeTagInfo, &ti, (DWORD)sizeof ti)) info->reparse_tag = ti.ReparseTag;
    }
    info->type = wp__type_of(info->attributes, info->reparse_tag);
    return 0;
}

static void wp__info_from_find(const WIN32_FIND_DATAW *fd, wp_file_info *info) {
    memset(info, 0, sizeof *info);
    info->size = (long long)(((unsigned long long)fd->nFileSizeHigh << 32) | fd->nFileSizeLow);
    info->atime_ns = wp_filetime_to_ns(fd->ftLastAccessTime);
    info->mtime_ns = wp_filetime_to_ns(fd->ftLastWriteTime);
    info->birthtime_ns = wp_filetime_to_ns(fd->ftCreationTime);
    info->attributes = fd->dwFileAttributes;
    info->reparse_tag = (fd->dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ? fd->dwReserved0 : 0;
    info->nlink = 1;
    info->type = wp__type_of(info->attributes, info->reparse_tag);
}

static int wp__stat_path(const char *path, wp_file_info *info, int follow) {
    wp__wpath wp;
    HANDLE h;
    DWORD flags = FILE_FLAG_BACKUP_SEMANTICS | (follow ? 0 : FILE_FLAG_OPEN_REPARSE_POINT);
    int r;
    if (info == NULL) return -ERROR_INVALID_PARAMETER;
    r = wp__wpath_init(&wp, path, 0);
    if (r < 0) return r;
    h = CreateFileW(wp.p, FILE_READ_ATTRIBUTES, WINPOLL__SHARE_ALL, NULL, OPEN_EXISTING, flags, NULL);
    if (h != INVALID_HANDLE_VALUE) {
        r = wp_fstat(h, info);
        CloseHandle(h);
    } else {
        r = wp__last_error();
        if (r == -ERROR_SHARING_VIOLATION) {
            /* A file nobody may open (pagefile.sys): its directory entry. */
            WIN32_FIND_DATAW fd;
            HANDLE f = FindFirstFileW(wp.p, &fd);
            if (f != INVALID_HANDLE_VALUE) {
                FindClose(f);
                wp__info_from_find(&fd, info);
                r = 0;
            }
        }
    }
    wp__wpath_free(&wp);
    return r;
}

WINPOLL_API int wp_stat(const char *path, wp_file_info *info) { return wp__stat_path(path, info, 1); }
WINPOLL_API int wp_lstat(const char *path, wp_file_info *info) { return wp__stat_path(path, info, 0); }

WINPOLL_API long long wp_getwd(char *buf, size_t cap) {
    WCHAR small[MAX_PATH + 1], *w = small;
    DWORD size = MAX_PATH + 1, n;
    long long r;
    int tries;
    for (tries = 0;; tries++) {
        n = GetCurrentDirectoryW(size, w);
        if (n == 0) {
            r = wp__last_error();
            break;
        }
        if (n < size) {
            r = wp_utf16_to_utf8(w, n, buf, cap);
            break;
        }
        /* too small: n is the size needed; another thread may change the
           directory in between, so try a few times */
        if (w != small) WINPOLL__FREE(w, NULL);
        w = small;
        if (tries == 3) return -ERROR_INSUFFICIENT_BUFFER;
        size = n;
        w = (WCHAR *)WINPOLL__MALLOC(size * sizeof(WCHAR), NULL);
        if (w == NULL) return -ERROR_NOT_ENOUGH_MEMORY;
    }
    if (w != small) WINPOLL__FREE(w, NULL);
    return r;
}

/* A W call's BOOL as a result (0, or its last error, read before the
   path's memory is freed); frees wp. */
static int wp__wpath_done(wp__wpath *wp, BOOL ok) {
    int r = ok ? 0 : wp__last_error();
    wp__wpath_free(wp);
    return r;
}

WINPOLL_API int wp_chdir(const char *path) {
    wp__wpath wp;
    int r = wp__wpath_init(&wp, path, 0);
    return r < 0 ? r : wp__wpath_done(&wp, SetCurrentDirectoryW(wp.p));
}

WINPOLL_API int wp_mkdir(const char *path, int perm) {
    wp__wpath wp;
    int r = wp__wpath_init(&wp, path, 0);
    (void)perm;
    return r < 0 ? r : wp__wpath_done(&wp, CreateDirectoryW(wp.p, NULL));
}

WINPOLL_API int wp_rmdir(const char *path) {
    wp__wpath wp;
    int r = wp__wpath_init(&wp, path, 0);
    return r < 0 ? r : wp__wpath_done(&wp, RemoveDirectoryW(wp.p));
}

WINPOLL_API int wp_unlink(const char *path) {
    wp__wpath wp;
    DWORD attrs;
    int r = wp__wpath_init(&wp, path, 0);
    if (r < 0) return r;
    if (!DeleteFileW(wp.p)) {
        r = wp__last_error();
        attrs = GetFileAttributesW(wp.p);
        if (r == -ERROR_ACCESS_DENIED && attrs != INVALID_FILE_ATTRIBUTES) {
            if ((attrs & FILE_ATTRIBUTE_DIRECTORY) && (attrs & FILE_ATTRIBUTE_REPARSE_POINT)) {
                /* a symbolic link or junction to a directory */
                r = RemoveDirectoryW(wp.p) ? 0 : wp__last_error();
            } else if ((attrs & FILE_ATTRIBUTE_READONLY) && !(attrs & FILE_ATTRIBUTE_DIRECTORY)) {
                if (SetFileAttributesW(wp.p, attrs & ~(DWORD)FILE_ATTRIBUTE_READONLY)) {
                    if (DeleteFileW(wp.p)) {
                        r = 0;
                    } else {
                        r = wp__last_error();
                        SetFileAttributesW(wp.p, attrs);
                    }
                }
            }
        }
    }
    wp__wpath_free(&wp);
    return r;
}

WINPOLL_API int wp_rename(const char *from, const char *to) {
    wp__wpath a, b;
    int r = wp__wpath_init(&a, from, 0);
    if (r < 0) return r;
    r = wp__wpath_init(&b, to, 0);
    if (r == 0) r = wp__wpath_done(&b, MoveFileExW(a.p, b.p, MOVEFILE_REPLACE_EXISTING));
    wp__wpath_free(&a);
    return r;
}

WINPOLL_API int wp_link(const char *oldpath, const char *newpath) {
    wp__wpath a, b;
    int r = wp__wpath_init(&a, oldpath, 0);
    if (r < 0) return r;
    r = wp__wpath_init(&b, newpath, 0);
    if (r == 0) r = wp__wpath_done(&b, CreateHardLinkW(b.p, a.p, NULL));
    wp__wpath_free(&a);
    return r;
}

#define WINPOLL__FSCTL_GET_REPARSE_POINT 0x000900A8ul
#define WINPOLL__REPARSE_MAX 16384 /* MAXIMUM_REPARSE_DATA_BUFFER_SIZE */
#define WINPOLL__SYMLINK_RELATIVE 1ul
#define WINPOLL__SYMLINK_DIR 0x1ul
#define WINPOLL__SYMLINK_UNPRIVILEGED 0x2ul

WINPOLL_API int wp_symlink(const char *target, const char *linkpath) {
    wp__wpath link;
    WCHAR *t = NULL, *probe = NULL;
    DWORD flags = WINPOLL__SYMLINK_UNPRIVILEGED, attrs;
    size_t i, tn, dn = 0;
    int r;
    if (target == NULL) return -ERROR_INVALID_PARAMETER;
    r = wp__utf16_dup(target, WINPOLL_NUL_TERMINATED, &t);
    if (r < 0) return r;
    tn = (size_t)r;
    for (i = 0; i < tn; i++)
        if (t[i] == L'/') t[i] = L'\\';
    r = wp__wpath_init(&link, linkpath, 0);
    if (r < 0) {
        WINPOLL__FREE(t, NULL);
        return r;
    }
    /* Is the target a directory? A relative one is looked up from the link's
       folder: link path up to its last separator, then the target. */
    if (!(tn >= 2 && t[1] == L':') && !(tn >= 1 && t[0] == L'\\')) {
        for (i = link.len; i > 0; i--)
            if (wp__is_sep(link.p[i - 1])) break;
        dn = i;
    }
    probe = (WCHAR *)WINPOLL__MALLOC((dn + tn + 1) * sizeof(WCHAR), NULL);
    if (probe == NULL) {
        r = -ERROR_NOT_ENOUGH_MEMORY;
    } else {
        memcpy(probe, link.p, dn * sizeof(WCHAR));
        memcpy(probe + dn, t, (tn + 1) * sizeof(WCHAR));
        attrs = GetFileAttributesW(probe);
        if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY)) flags |= WINPOLL__SYMLINK_DIR;
        if (!CreateSymbolicLinkW(link.p, t, flags)) {
            r = wp__last_error();
            /* before Windows 10 1703 the unprivileged flag is an invalid parameter */
            if (r == -ERROR_INVALID_PARAMETER) {
                flags &= ~WINPOLL__SYMLINK_UNPRIVILEGED;
                r = CreateSymbolicLinkW(link.p, t, flags) ? 0 : wp__last_error();
            }
        }
    }
    WINPOLL__FREE(probe, NULL);
    WINPOLL__FREE(t, NULL);
    wp__wpath_free(&link);
    return r;
}

/* The target in a REPARSE_DATA_BUFFER of n bytes, checked against n: sets
   *name (inside buf, not NUL-terminated), *len (units) and *relative.
   Returns 0, or -ERROR_NOT_A_REPARSE_POINT for a tag that is no link and
   -ERROR_INVALID_DATA for a buffer that does not hold what it says. */
static int wp__reparse_target(const BYTE *buf, size_t n, const WCHAR **name, size_t *len, int *relative) {
    ULONG tag, flags = 0;
    USHORT sub_off, sub_len;
    size_t path_at;
    if (n < 16) return -ERROR_INVALID_DATA;
    memcpy(&tag, buf, 4);
    memcpy(&sub_off, buf + 8, 2);
    memcpy(&sub_len, buf + 10, 2);
    if (tag == WINPOLL__TAG_SYMLINK) {
        if (n < 20) return -ERROR_INVALID_DATA;
        memcpy(&flags, buf + 16, 4);
        path_at = 20;
    } else if (tag == WINPOLL__TAG_MOUNT_POINT) {
        path_at = 16;
    } else {
        return -ERROR_NOT_A_REPARSE_POINT;
    }
    if ((sub_off | sub_len) & 1 || path_at + (size_t)sub_off + sub_len > n) return -ERROR_INVALID_DATA;
    *name = (const WCHAR *)(const void *)(buf + path_at + sub_off);
    *len = sub_len / 2;
    *relative = (flags & WINPOLL__SYMLINK_RELATIVE) != 0;
    return 0;
}

/* An NT name from a reparse point in Win32 form, into out (room for len + 2
   units and a NUL); returns the new length. */
static size_t wp__link_to_win32(const WCHAR *s, size_t len, int relative, WCHAR *out) {
    size_t skip = 0, o = 0, i;
    int nt = !relative && len >= 4 && s[0] == L'\\' && s[1] == L'?' && s[2] == L'?' && s[3] == L'\\';
    if (nt && len >= 6 && s[5] == L':') {
        skip = 4; /* \??\C:\x -> C:\x */
    } else if (nt && len >= 8 && (s[4] == L'U' || s[4] == L'u') && (s[5] == L'N' || s[5] == L'n') &&
               (s[6] == L'C' || s[6] == L'c') && s[7] == L'\\') {
        out[o++] = L'\\'; /* \??\UNC\srv -> \\srv */
        skip = 7;
    } else if (nt) {
        out[o++] = L'\\', out[o++] = L'\\', out[o++] = L'?'; /* \??\Volume{..} -> \\?\Volume{..} */
        skip = 3;
    }
    for (i = skip; i < len; i++) out[o++] = s[i];
    out[o] = 0;
    return o;
}

WINPOLL_API long long wp_readlink(const char *path, char *buf, size_t cap) {
    wp__wpath wp;
    HANDLE h;
    BYTE *rdb;
    DWORD got = 0;
    const WCHAR *name;
    WCHAR *w;
    size_t len;
    int relative;
    long long r = wp__wpath_init(&wp, path, 0);
    if (r < 0) return r;
    h = CreateFileW(wp.p, FILE_READ_ATTRIBUTES, WINPOLL__SHARE_ALL, NULL, OPEN_EXISTING,
                    FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, NULL);
    wp__wpath_free(&wp);
    if (h == INVALID_HANDLE_VALUE) return wp__last_error();
    rdb = (BYTE *)WINPOLL__MALLOC(WINPOLL__REPARSE_MAX + (WINPOLL__REPARSE_MAX / 2 + 3) * sizeof(WCHAR), NULL);
    if (rdb == NULL) {
        CloseHandle(h);
        return -ERROR_NOT_ENOUGH_MEMORY;
    }
    if (!DeviceIoControl(h, WINPOLL__FSCTL_GET_REPARSE_POINT, NULL, 0, rdb, WINPOLL__REPARSE_MAX, &got, NULL))
        r = wp__last_error();
    CloseHandle(h);
    if (r == 0) r = wp__reparse_target(rdb, got, &name, &len, &relative);
    if (r == 0) {
        w = (WCHAR *)(void *)(rdb + WINPOLL__REPARSE_MAX);
        len = wp__link_to_win32(name, len, relative, w);
        r = wp_utf16_to_utf8(w, len, buf, cap);
    }
    WINPOLL__FREE(rdb, NULL);
    return r;
}

WINPOLL_API int wp_opendir(wp_dir *dir, const char *path) {
    wp__wpath wp;
    size_t base_len;
    int r;
    if (dir == NULL) return -ERROR_INVALID_PARAMETER;
    dir->find = INVALID_HANDLE_VALUE;
    dir->first = dir->done = 0;
    r = wp__wpath_init(&wp, path, 2);
    if (r < 0) return r;
    if (wp.len == 0) {
        wp__wpath_free(&wp);
        return -ERROR_PATH_NOT_FOUND;
    }
    base_len = wp.len;
    if (!wp__is_sep(wp.p[wp.len - 1])) wp.p[wp.len++] = L'\\';
    wp.p[wp.len++] = L'*';
    wp.p[wp.len] = 0;
    dir->find = FindFirstFileExW(wp.p, FindExInfoBasic, &dir->data, FindExSearchNameMatch, NULL,
                                 FIND_FIRST_EX_LARGE_FETCH);
    if (dir->find == INVALID_HANDLE_VALUE) {
        r = wp__last_error();
        if (r == -ERROR_FILE_NOT_FOUND) {
            /* no entry at all (a volume's root can be so): empty if it is a directory */
            DWORD attrs;
            wp.p[base_len] = 0;
            attrs = GetFileAttributesW(wp.p);
            if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY)) {
                dir->done = 1;
                r = 0;
            }
        }
    } else {
        dir->first = 1;
    }
    wp__wpath_free(&wp);
    return r;
}

WINPOLL_API int wp_readdir(wp_dir *dir, wp_dirent *entry) {
    if (dir == NULL || entry == NULL) return -ERROR_INVALID_PARAMETER;
    for (;;) {
        const WCHAR *n;
        long long len;
        if (dir->done || dir->find == INVALID_HANDLE_VALUE) return 0;
        if (!dir->first) {
            if (!FindNextFileW(dir->find, &dir->data)) {
                int r = wp__last_error();
                if (r != -ERROR_NO_MORE_FILES) return r;
                dir->done = 1;
                return 0;
            }
        }
        dir->first = 0;
        n = dir->data.cFileName;
        if (n[0] == L'.' && (n[1] == 0 || (n[1] == L'.' && n[2] == 0))) continue;
        len = wp_utf16_to_utf8(n, WINPOLL_NUL_TERMINATED, entry->name, sizeof entry->name);
        if (len < 0) return (int)len;
        if ((size_t)len >= sizeof entry->name) return -ERROR_BUFFER_OVERFLOW;
        entry->attributes = dir->data.dwFileAttributes;
        entry->type = wp__type_of(entry->attributes,
                                  (entry->attributes & FILE_ATTRIBUTE_REPARSE_POINT) ? dir->data.dwReserved0 : 0);
        entry->size = (long long)(((unsigned long long)dir->data.nFileSizeHigh << 32) | dir->data.nFileSizeLow);
        entry->mtime_ns = wp_filetime_to_ns(dir->data.ftLastWriteTime);
        return 1;
    }
}

WINPOLL_API int wp_closedir(wp_dir *dir) {
    int r = 0;
    if (dir == NULL) return -ERROR_INVALID_PARAMETER;
    if (dir->find != INVALID_HANDLE_VALUE && !FindClose(dir->find)) r = wp__last_error();
    dir->find = INVALID_HANDLE_VALUE;
    dir->done = 1;
    return r;
}

/* >>process ----------------------------------------------------------------- */

WINPOLL_API int wp_pipe(HANDLE *r, HANDLE *w) {
    if (r == NULL || w == NULL) return -ERROR_INVALID_PARAMETER;
    if (!CreatePipe(r, w, NULL, 0)) {
        *r = *w = INVALID_HANDLE_VALUE;
        return wp__last_error();
    }
    return 0;
}

/* Quotes one argument into out + *n (out NULL: counts only). */
static void wp__quote_arg(const char *a, int program, char *out, size_t *n) {
    size_t i, k, bs;
#define WINPOLL__PUT(c) \
    do { \
        if (out != NULL) out[*n] = (c); \
        (*n)++; \
    } while (0)
    int quote = a[0] == 0 || strpbrk(a, program ? " \t" : " \t\n\v\"") != NULL;
    if (!quote) {
        for (i = 0; a[i]; i++) WINPOLL__PUT(a[i]);
        return;
    }
    WINPOLL__PUT('"');
    if (program) {
        for (i = 0; a[i]; i++) WINPOLL__PUT(a[i]);
    } else {
        for (i = 0;; i++) {
            for (bs = 0; a[i] == '\\'; i++) bs++;
            if (a[i] == 0) { /* double them: the closing quote follows */
                for (k = 0; k < 2 * bs; k++) WINPOLL__PUT('\\');
                break;
            }
            if (a[i] == '"') { /* double them, and escape the quote */
                for (k = 0; k < 2 * bs + 1; k++) WINPOLL__PUT('\\');
            } else {
                for (k = 0; k < bs; k++) WINPOLL__PUT('\\');
            }
            WINPOLL__PUT(a[i]);
        }
    }
    WINPOLL__PUT('"');
#undef WINPOLL__PUT
}

WINPOLL_API long long wp_command_line(const char *const *argv, char *out, size_t cap) {
    size_t n = 0, i;
    if (argv == NULL || argv[0] == NULL || strchr(argv[0], '"') != NULL) return -ERROR_INVALID_PARAMETER;
    for (i = 0; argv[i] != NULL; i++) {
        if (i > 0) n++;
        wp__quote_arg(argv[i], i == 0, NULL, &n);
    }
    if (out == NULL || cap <= n) return (long long)n;
    n = 0;
    for (i = 0; argv[i] != NULL; i++) {
        if (i > 0) out[n++] = ' ';
        wp__quote_arg(argv[i], i == 0, out, &n);
    }
    out[n] = 0;
    return (long long)n;
}

/* One pass of wp_args over the command line c: each argument appended to
   buf as UTF-8 and a NUL (buf NULL: counted only, in *need). Returns argc. */
static int wp__args_split(const WCHAR *c, char *buf, size_t size, size_t *len, size_t *need) {
    static const WCHAR glue[3] = { '\\', '"', 0 }; /* what escapes produce, and an argument's end */
    size_t i = 0, run = 0, k;
    int argc = 1, quoted = 0;
    /* argv[0]: quotes toggle, nothing escapes */
    for (; c[i] != 0 && (quoted || (c[i] != ' ' && c[i] != '\t')); i++) {
        if (c[i] == '"') {
            wp__utf16_append_utf8(c + run, i - run, buf, size, len, need);
            quoted = !quoted;
            run = i + 1;
        }
    }
    wp__utf16_append_utf8(c + run, i - run, buf, size, len, need);
    wp__utf16_append_utf8(glue + 2, 1, buf, size, len, need);
    for (;;) {
        while (c[i] == ' ' || c[i] == '\t') i++;
        if (c[i] == 0) return argc;
        quoted = 0;
        run = i;
        while (c[i] != 0 && (quoted || (c[i] != ' ' && c[i] != '\t'))) {
            if (c[i] == '\\') {
                size_t first = i;
                while (c[i] == '\\') i++;
                if (c[i] != '"') continue; /* they stand as they are, in the run */
                wp__utf16_append_utf8(c + run, first - run, buf, size, len, need);
                for (k = 0; k < (i - first) / 2; k++) wp__utf16_append_utf8(glue, 1, buf, size, len, need);
                run = i;
                if ((i - first) % 2 == 0) continue; /* the quote opens or closes, below */
                wp__utf16_append_utf8(glue + 1, 1, buf, size, len, need);
                run = ++i;
            } else if (c[i] == '"') {
                wp__utf16_append_utf8(c + run, i - run, buf, size, len, need);
                if (quoted && c[i + 1] == '"') { /* "" inside quotes */
                    wp__utf16_append_utf8(glue + 1, 1, buf, size, len, need);
                    i++;
                } else {
                    quoted = !quoted;
                }
                run = ++i;
            } else {
                i++;
            }
        }
        wp__utf16_append_utf8(c + run, i - run, buf, size, len, need);
        wp__utf16_append_utf8(glue + 2, 1, buf, size, len, need);
        argc++;
    }
}

WINPOLL_API long long wp_args(void *buf, size_t cap, int *argc) {
    const WCHAR *c = GetCommandLineW();
    size_t len = 0, need = 0, table, i;
    char **argv = (char **)buf, *text;
    int n;
    if ((ULONG_PTR)buf % sizeof(char *) != 0) return -ERROR_INVALID_PARAMETER;
    n = wp__args_split(c, NULL, 0, &len, &need);
    if (argc != NULL) *argc = n;
    table = ((size_t)n + 1) * sizeof(char *);
    if (buf == NULL || cap < table + need) return (long long)(table + need);
    text = (char *)buf + table;
    len = 0;
    need = 0;
    /* one more than the room: the appender keeps a byte free for a NUL after
       what it writes, and here the NULs are among what it writes */
    wp__args_split(c, text, cap - table + 1, &len, &need);
    for (i = 0; i < (size_t)n; i++) {
        argv[i] = text;
        text += strlen(text) + 1;
    }
    argv[n] = NULL;
    return (long long)(table + need);
}

/* envp as a CREATE_UNICODE_ENVIRONMENT block: NUL-terminated entries and
   one more NUL (two when there is no entry). */
static int wp__env_block(const char *const *envp, WCHAR **out) {
    size_t total = 1, i, o = 0;
    long long n;
    WCHAR *b;
    *out = NULL;
    for (i = 0; envp[i] != NULL; i++) {
        if (strchr(envp[i] + 1, '=') == NULL) return -ERROR_INVALID_PARAMETER; /* "=C:=C:\\" is fine */
        n = wp_utf8_to_utf16(envp[i], WINPOLL_NUL_TERMINATED, NULL, 0);
        if (n < 0) return (int)n;
        total += (size_t)n + 1;
    }
    if (i == 0) total++;
    b = (WCHAR *)WINPOLL__MALLOC(total * sizeof(WCHAR), NULL);
    if (b == NULL) return -ERROR_NOT_ENOUGH_MEMORY;
    for (i = 0; envp[i] != NULL; i++)
        o += (size_t)wp_utf8_to_utf16(envp[i], WINPOLL_NUL_TERMINATED, b + o, total - o) + 1;
    b[o++] = 0;
    if (i == 0) b[o] = 0;
    *out = b;
    return 0;
}

WINPOLL_API int wp_spawn(const wp_spawn_options *o, wp_process *proc) {
    STARTUPINFOEXW si;
    PROCESS_INFORMATION pi;
    HANDLE given[3], dup[3], list[3];
    LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
    SIZE_T attrs_size = 0;
    WCHAR *cmd = NULL, *env = NULL;
    char *cmd8 = NULL;
    wp__wpath app, dir;
    int r, i, j, nlist = 0;
    long long n;

    if (proc != NULL) {
        proc->handle = NULL;
        proc->pid = 0;
    }
    if (o == NULL || proc == NULL || o->path == NULL) return -ERROR_INVALID_PARAMETER;
    n = wp_command_line(o->argv, NULL, 0);
    if (n < 0) return (int)n;
    cmd8 = (char *)WINPOLL__MALLOC((size_t)n + 1, NULL);
    if (cmd8 == NULL) return -ERROR_NOT_ENOUGH_MEMORY;
    wp_command_line(o->argv, cmd8, (size_t)n + 1);
    r = wp__utf16_dup(cmd8, (size_t)n, &cmd);
    WINPOLL__FREE(cmd8, NULL);
    if (r < 0) return r;
    r = o->envp != NULL ? wp__env_block(o->envp, &env) : 0;
    app.base = dir.base = NULL;
    if (r == 0) r = wp__wpath_init(&app, o->path, 0);
    if (r == 0 && o->dir != NULL) r = wp__wpath_init(&dir, o->dir, 0);

    /* Inheritable duplicates of the standard handles, each listed once. */
    given[0] = o->std_in;
    given[1] = o->std_out;
    given[2] = o->std_err;
    for (i = 0; i < 3; i++) {
        dup[i] = NULL;
        if (r < 0 || given[i] == NULL) continue;
        if (given[i] == INVALID_HANDLE_VALUE) {
            r = -ERROR_INVALID_HANDLE;
            continue;
        }
        for (j = 0; j < i; j++)
            if (given[j] == given[i]) dup[i] = dup[j];
        if (dup[i] != NULL) continue;
        if (!DuplicateHandle(GetCurrentProcess(), given[i], GetCurrentProcess(), &dup[i], 0, TRUE,
                             DUPLICATE_SAME_ACCESS)) {
            dup[i] = NULL;
            r = wp__last_error();
            continue;
        }
        list[nlist++] = dup[i];
    }
    if (r == 0 && nlist > 0) {
        InitializeProcThreadAttributeList(NULL, 1, 0, &attrs_size);
        attrs = (LPPROC_THREAD_ATTRIBUTE_LIST)WINPOLL__MALLOC(attrs_size, NULL);
        if (attrs == NULL) {
            r = -ERROR_NOT_ENOUGH_MEMORY;
        } else if (!InitializeProcThreadAttributeList(attrs, 1, 0, &attrs_size)) {
            r = wp__last_error();
            WINPOLL__FREE(attrs, NULL);
            attrs = NULL;
        } else if (!UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, list,
                                              (SIZE_T)nlist * sizeof(HANDLE), NULL, NULL)) {
            r = wp__last_error();
        }
    }
    if (r == 0) {
        memset(&si, 0, sizeof si);
        si.StartupInfo.cb = attrs != NULL ? (DWORD)sizeof si : (DWORD)sizeof si.StartupInfo;
        si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
        si.StartupInfo.hStdInput = dup[0];
        si.StartupInfo.hStdOutput = dup[1];
        si.StartupInfo.hStdError = dup[2];
        si.lpAttributeList = attrs;
        if (!CreateProcessW(app.p, cmd, NULL, NULL, nlist > 0,
                            CREATE_UNICODE_ENVIRONMENT | (attrs != NULL ? EXTENDED_STARTUPINFO_PRESENT : 0), env,
                            o->dir != NULL ? dir.p : NULL, &si.StartupInfo, &pi)) {
            r = wp__last_error();
        } else {
            CloseHandle(pi.hThread);
            proc->handle = pi.hProcess;
            proc->pid = pi.dwProcessId;
        }
    }
    if (attrs != NULL) {
        DeleteProcThreadAttributeList(attrs);
        WINPOLL__FREE(attrs, NULL);
    }
    for (i = 0; i < nlist; i++) CloseHandle(list[i]);
    wp__wpath_free(&app);
    wp__wpath_free(&dir);
    WINPOLL__FREE(env, NULL);
    WINPOLL__FREE(cmd, NULL);
    return r;
}

WINPOLL_API int wp_wait(wp_process *proc, long timeout_ms, unsigned long *exit_code) {
    DWORD w, code;
    if (proc == NULL || proc->handle == NULL) return -ERROR_INVALID_PARAMETER;
    w = WaitForSingleObject(proc->handle, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
    if (w == WAIT_TIMEOUT) return -WAIT_TIMEOUT;
    if (w != WAIT_OBJECT_0) return wp__last_error();
    if (!GetExitCodeProcess(proc->handle, &code)) return wp__last_error();
    if (exit_code != NULL) *exit_code = code;
    return 0;
}

WINPOLL_API int wp_kill(wp_process *proc, unsigned exit_code) {
    if (proc == NULL || proc->handle == NULL) return -ERROR_INVALID_PARAMETER;
    return TerminateProcess(proc->handle, exit_code) ? 0 : wp__last_error();
}

WINPOLL_API int wp_process_close(wp_process *proc) {
    int r;
    if (proc == NULL || proc->handle == NULL) return -ERROR_INVALID_PARAMETER;
    r = CloseHandle(proc->handle) ? 0 : wp__last_error();
    proc->handle = NULL;
    return r;
}

WINPOLL_API long long wp_getpid(void) { return (long long)GetCurrentProcessId(); }

/* PROCESS_BASIC_INFORMATION, with its documented field names. */
typedef struct wp__process_basic_info {
    LONG ExitStatus;
    PVOID PebBaseAddress;
    ULONG_PTR AffinityMask;
    LONG BasePriority;
    ULONG_PTR UniqueProcessId;
    ULONG_PTR InheritedFromUniqueProcessId;
} wp__process_basic_info;

WINPOLL_API long long wp_getppid(void) {
    wp__process_basic_info pbi;
    ULONG got = 0;
    LONG st;
    wp_init();
    if (wp__imports.NtQueryInformationProcess == NULL) return -ERROR_PROC_NOT_FOUND;
    st = wp__imports.NtQueryInformationProcess(GetCurrentProcess(), 0 /* ProcessBasicInformation */, &pbi,
                                               (ULONG)sizeof pbi, &got);
    if (st < 0) return -(long long)wp__imports.RtlNtStatusToDosError(st);
    return (long long)pbi.InheritedFromUniqueProcessId;
}

WINPOLL_API long long wp_hostname(char *buf, size_t cap) {
    WCHAR small[256], *w = small;
    DWORD size = 256;
    long long r;
    if (!GetComputerNameExW(ComputerNamePhysicalDnsHostname, w, &size)) {
        if (GetLastError() != ERROR_MORE_DATA) return wp__last_error();
        w = (WCHAR *)WINPOLL__MALLOC(size * sizeof(WCHAR), NULL);
        if (w == NULL) return -ERROR_NOT_ENOUGH_MEMORY;
        if (!GetComputerNameExW(ComputerNamePhysicalDnsHostname, w, &size)) {
            r = wp__last_error();
            WINPOLL__FREE(w, NULL);
            return r;
        }
    }
    r = wp_utf16_to_utf8(w, size, buf, cap);
    if (w != small) WINPOLL__FREE(w, NULL);
    return r;
}

/* >>sockaddr ---------------------------------------------------------------- */

/* SOCKADDR_UN (afunix.h, which Wine's SDK lacks). */
typedef struct wp__sockaddr_un {
    unsigned short sun_family;
    char sun_path[WINPOLL_UNIX_PATH_MAX];
} wp__sockaddr_un;

/* Network byte order by bytes: the same on every architecture. */
static void wp__put_be16(void *p, unsigned long v) {
    unsigned char *b = (unsigned char *)p;
    b[0] = (unsigned char)(v >> 8);
    b[1] = (unsigned char)v;
}
static void wp__put_be32(void *p, unsigned long v) {
    unsigned char *b = (unsigned char *)p;
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}
static unsigned long wp__get_be16(const void *p) {
    const unsigned char *b = (const unsigned char *)p;
    return ((unsigned long)b[0] << 8) | b[1];
}
static unsigned long wp__get_be32(const void *p) {
    const unsigned char *b = (const unsigned char *)p;
    return ((unsigned long)b[0] << 24) | ((unsigned long)b[1] << 16) | ((unsigned long)b[2] << 8) | b[3];
}

WINPOLL_API void wp_sockaddr_ip4(wp_sockaddr *a, const unsigned char ip[4], unsigned short port) {
    memset(a, 0, sizeof *a);
    a->family = AF_INET;
    a->port = port;
    memcpy(a->addr, ip, 4);
}

WINPOLL_API void wp_sockaddr_ip6(wp_sockaddr *a, const unsigned char ip[16], unsigned short port,
                                 unsigned long scope_id) {
    memset(a, 0, sizeof *a);
    a->family = AF_INET6;
    a->port = port;
    a->scope_id = scope_id;
    memcpy(a->addr, ip, 16);
}

WINPOLL_API int wp_sockaddr_unix(wp_sockaddr *a, const char *path) {
    size_t n = path != NULL ? strlen(path) : 0;
    memset(a, 0, sizeof *a);
    if (n >= WINPOLL_UNIX_PATH_MAX) return -WSAENAMETOOLONG;
    if (n > 0 && wp_utf8_to_utf16(path, n, NULL, 0) < 0) return -ERROR_NO_UNICODE_TRANSLATION;
    a->family = AF_UNIX;
    if (n > 0) memcpy(a->path, path, n);
    return 0;
}

WINPOLL_API int wp_sockaddr_to_raw(const wp_sockaddr *a, SOCKADDR_STORAGE *raw, int *len) {
    if (a == NULL || raw == NULL || len == NULL) return -ERROR_INVALID_PARAMETER;
    if (a->family == AF_INET) {
        SOCKADDR_IN *s4 = (SOCKADDR_IN *)(void *)raw;
        memset(s4, 0, sizeof *s4);
        s4->sin_family = AF_INET;
        wp__put_be16(&s4->sin_port, a->port);
        memcpy(&s4->sin_addr, a->addr, 4);
        *len = (int)sizeof *s4;
    } else if (a->family == AF_INET6) {
        SOCKADDR_IN6 *s6 = (SOCKADDR_IN6 *)(void *)raw;
        memset(s6, 0, sizeof *s6);
        s6->sin6_family = AF_INET6;
        wp__put_be16(&s6->sin6_port, a->port);
        wp__put_be32(&s6->sin6_flowinfo, a->flowinfo);
        memcpy(&s6->sin6_addr, a->addr, 16);
        s6->sin6_scope_id = a->scope_id;
        *len = (int)sizeof *s6;
    } else if (a->family == AF_UNIX) {
        wp__sockaddr_un *u = (wp__sockaddr_un *)(void *)raw;
        size_t n = 0;
        while (n < WINPOLL_UNIX_PATH_MAX && a->path[n] != 0) n++;
        if (n == WINPOLL_UNIX_PATH_MAX) return -WSAENAMETOOLONG; /* no NUL: filled by hand */
        memset(u, 0, sizeof *u);
        u->sun_family = AF_UNIX;
        memcpy(u->sun_path, a->path, n);
        *len = (int)(offsetof(wp__sockaddr_un, sun_path) + (n > 0 ? n + 1 : 0));
    } else {
        return -WSAEAFNOSUPPORT;
    }
    return 0;
}

WINPOLL_API int wp_sockaddr_from_raw(wp_sockaddr *a, const SOCKADDR *raw, int len) {
    unsigned short family;
    if (a == NULL) return -ERROR_INVALID_PARAMETER;
    memset(a, 0, sizeof *a);
    if (raw == NULL || len < (int)sizeof family) return -WSAEINVAL;
    memcpy(&family, raw, sizeof family);
    if (family == AF_INET) {
        const unsigned char *b = (const unsigned char *)raw;
        if (len < (int)sizeof(SOCKADDR_IN)) return -WSAEINVAL;
        a->port = (unsigned short)wp__get_be16(b + offsetof(SOCKADDR_IN, sin_port));
        memcpy(a->addr, b + offsetof(SOCKADDR_IN, sin_addr), 4);
    } else if (family == AF_INET6) {
        const unsigned char *b = (const unsigned char *)raw;
        /* 24 bytes is the old form without the scope id */
        if (len < (int)offsetof(SOCKADDR_IN6, sin6_scope_id)) return -WSAEINVAL;
        a->port = (unsigned short)wp__get_be16(b + offsetof(SOCKADDR_IN6, sin6_port));
        a->flowinfo = wp__get_be32(b + offsetof(SOCKADDR_IN6, sin6_flowinfo));
        memcpy(a->addr, b + offsetof(SOCKADDR_IN6, sin6_addr), 16);
        if (len >= (int)sizeof(SOCKADDR_IN6)) memcpy(&a->scope_id, b + offsetof(SOCKADDR_IN6, sin6_scope_id), 4);
    } else if (family == AF_UNIX) {
        const char *p = (const char *)raw + offsetof(wp__sockaddr_un, sun_path);
        size_t avail = (size_t)len - offsetof(wp__sockaddr_un, sun_path), n = 0, k;
        if (avail > WINPOLL_UNIX_PATH_MAX) avail = WINPOLL_UNIX_PATH_MAX;
        while (n < avail && p[n] != 0) n++;
        if (n == 0) { /* unnamed, unless bytes follow the NUL: an abstract name */
            for (k = 0; k < avail; k++)
                if (p[k] != 0) return -WSAEINVAL;
        }
        if (n == WINPOLL_UNIX_PATH_MAX) return -WSAENAMETOOLONG;
        if (n > 0 && wp_utf8_to_utf16(p, n, NULL, 0) < 0) return -ERROR_NO_UNICODE_TRANSLATION;
        memcpy(a->path, p, n);
    } else {
        return -WSAEAFNOSUPPORT;
    }
    a->family = family;
    return 0;
}

/* A decimal number of n characters, no sign, no leading zero (but "0"),
   at most max. Returns 0 or -1. */
static int wp__parse_dec(const char *s, size_t n, unsigned long max, unsigned long *out) {
    unsigned long v = 0;
    size_t i;
    if (n == 0 || n > 10 || (n > 1 && s[0] == '0')) return -1;
    for (i = 0; i < n; i++) {
        unsigned long d;
        if (s[i] < '0' || s[i] > '9') return -1;
        d = (unsigned long)(s[i] - '0');
        if (v > (max - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int wp__parse_ip4(const char *s, size_t n, unsigned char out[4]) {
    size_t i = 0, part;
    for (part = 0; part < 4; part++) {
        size_t j = i;
        unsigned long v;
        while (j < n && s[j] != '.') j++;
        if ((j - i) > 3 || wp__parse_dec(s + i, j - i, 255, &v) != 0) return -1;
        out[part] = (unsigned char)v;
        if (part < 3) {
            if (j == n) return -1;
            i = j + 1;
        } else if (j != n) {
            return -1;
        }
    }
    return 0;
}

static int wp__hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int wp__parse_ip6(const char *s, size_t n, unsigned char out[16]) {
    unsigned long groups[8];
    int ng = 0, gap = -1, k;
    size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (n == 0 || s[0] == ':') {
        return -1;
    }
    while (i < n) {
        size_t j = i;
        unsigned long v = 0;
        if (ng == 8) return -1;
        while (j < n && j - i < 5 && wp__hex(s[j]) >= 0) v = v * 16 + (unsigned long)wp__hex(s[j++]);
        if (j < n && s[j] == '.') { /* an IPv4 tail takes two groups and ends the text */
            unsigned char v4[4];
            if (ng > 6 || wp__parse_ip4(s + i, n - i, v4) != 0) return -1;
            groups[ng++] = ((unsigned long)v4[0] << 8) | v4[1];
            groups[ng++] = ((unsigned long)v4[2] << 8) | v4[3];
            i = n;
            break;
        }
        if (j == i || j - i > 4) return -1;
        groups[ng++] = v;
        i = j;
        if (i == n) break;
        if (s[i] != ':') return -1;
        i++;
        if (i < n && s[i] == ':') {
            if (gap >= 0) return -1;
            gap = ng;
            i++;
        } else if (i == n) {
            return -1; /* a single trailing colon */
        }
    }
    if (gap < 0 ? ng != 8 : ng > 7) return -1;
    memset(out, 0, 16);
    for (k = 0; k < ng; k++) {
        int at = (gap >= 0 && k >= gap) ? k + (8 - ng) : k;
        wp__put_be16(out + 2 * at, groups[k]);
    }
    return 0;
}

/* An address with an optional %zone (IPv6 only) into *a (port 0). */
static int wp__parse_host(const char *s, size_t n, wp_sockaddr *a) {
    size_t pct = 0, i;
    int v6 = 0;
    memset(a, 0, sizeof *a);
    for (i = 0; i < n; i++) {
        if (s[i] == ':') v6 = 1;
        if (s[i] == '%' && pct == 0) pct = i + 1;
    }
    if (!v6) {
        if (pct != 0 || wp__parse_ip4(s, n, a->addr) != 0) return -1;
        a->family = AF_INET;
        return 0;
    }
    if (wp__parse_ip6(s, pct ? pct - 1 : n, a->addr) != 0) return -1;
    if (pct != 0 && wp__parse_dec(s + pct, n - pct, 0xFFFFFFFFul, &a->scope_id) != 0) return -1;
    a->family = AF_INET6;
    return 0;
}

WINPOLL_API int wp_ip_parse(wp_sockaddr *a, const char *text) {
    if (a == NULL) return -ERROR_INVALID_PARAMETER;
    if (text == NULL || wp__parse_host(text, strlen(text), a) != 0) {
        memset(a, 0, sizeof *a);
        return -WINPOLL_ERR_BAD_ADDRESS;
    }
    return 0;
}

WINPOLL_API int wp_sockaddr_parse(wp_sockaddr *a, const char *text) {
    size_t n, host_at, host_len, port_at;
    unsigned long port;
    const char *close, *colon;
    int ok;
    if (a == NULL) return -ERROR_INVALID_PARAMETER;
    memset(a, 0, sizeof *a);
    if (text == NULL) return -WINPOLL_ERR_BAD_ADDRESS;
    n = strlen(text);
    if (text[0] == '[') {
        close = strchr(text, ']');
        if (close == NULL || close[1] != ':') return -WINPOLL_ERR_BAD_ADDRESS;
        host_at = 1;
        host_len = (size_t)(close - text) - 1;
        port_at = (size_t)(close - text) + 2;
        /* brackets hold IPv6 only */
        ok = wp__parse_host(text + host_at, host_len, a) == 0 && a->family == AF_INET6;
    } else {
        colon = strchr(text, ':');
        if (colon == NULL || strchr(colon + 1, ':') != NULL) return -WINPOLL_ERR_BAD_ADDRESS;
        host_at = 0;
        host_len = (size_t)(colon - text);
        port_at = host_len + 1;
        ok = wp__parse_host(text, host_len, a) == 0 && a->family == AF_INET;
    }
    if (!ok || wp__parse_dec(text + port_at, n - port_at, 65535, &port) != 0) {
        memset(a, 0, sizeof *a);
        return -WINPOLL_ERR_BAD_ADDRESS;
    }
    a->port = (unsigned short)port;
    return 0;
}

/* Appends to a small text buffer (64 bytes is enough for any IP form). */
static void wp__cat(char *t, size_t *n, const char *s) {
    while (*s) t[(*n)++] = *s++;
    t[*n] = 0;
}

static void wp__cat_dec(char *t, size_t *n, unsigned long v) {
    char d[12];
    int k = 0;
    do {
        d[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (k > 0) t[(*n)++] = d[--k];
    t[*n] = 0;
}

static void wp__format_ip(const wp_sockaddr *a, char *t, size_t *n) {
    static const char hexd[] = "0123456789abcdef";
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };
    const unsigned char *b = a->addr;
    int k, best = -1, best_len = 1, run = 0;
    if (a->family == AF_INET || memcmp(b, mapped, 12) == 0) {
        int at = a->family == AF_INET ? 0 : 12; /* where the four bytes are */
        if (a->family == AF_INET6) wp__cat(t, n, "::ffff:");
        for (k = 0; k < 4; k++) {
            if (k > 0) wp__cat(t, n, ".");
            wp__cat_dec(t, n, b[at + k]);
        }
    } else {
        /* RFC 5952: the longest run of two or more zero groups, the first of equals */
        for (k = 0; k < 8; k++) {
            run = (b[2 * k] | b[2 * k + 1]) == 0 ? run + 1 : 0;
            if (run > best_len) {
                best_len = run;
                best = k - run + 1;
            }
        }
        for (k = 0; k < 8; k++) {
            unsigned long g = wp__get_be16(b + 2 * k);
            int shift, started = 0;
            if (k == best) {
                wp__cat(t, n, "::");
                k += best_len - 1;
                continue;
            }
            if (k > 0 && k != best + best_len) wp__cat(t, n, ":");
            for (shift = 12; shift >= 0; shift -= 4) {
                unsigned long digit = (g >> shift) & 0xF;
                if (digit != 0 || started || shift == 0) {
                    t[(*n)++] = hexd[digit];
                    started = 1;
                }
            }
            t[*n] = 0;
        }
    }
    if (a->family == AF_INET6 && a->scope_id != 0) {
        wp__cat(t, n, "%");
        wp__cat_dec(t, n, a->scope_id);
    }
}

/* Copies text of n bytes out by the buffer rule. */
static long long wp__text_out(const char *t, size_t n, char *buf, size_t cap) {
    if (buf != NULL && cap > n) {
        memcpy(buf, t, n);
        buf[n] = 0;
    }
    return (long long)n;
}

WINPOLL_API long long wp_ip_format(const wp_sockaddr *a, char *buf, size_t cap) {
    char t[64];
    size_t n = 0;
    if (a == NULL) return -ERROR_INVALID_PARAMETER;
    if (a->family != AF_INET && a->family != AF_INET6) return -WSAEAFNOSUPPORT;
    t[0] = 0;
    wp__format_ip(a, t, &n);
    return wp__text_out(t, n, buf, cap);
}

WINPOLL_API long long wp_sockaddr_format(const wp_sockaddr *a, char *buf, size_t cap) {
    char t[80];
    size_t n = 0;
    if (a == NULL) return -ERROR_INVALID_PARAMETER;
    if (a->family == AF_UNIX) {
        while (n < WINPOLL_UNIX_PATH_MAX && a->path[n] != 0) n++;
        return wp__text_out(a->path, n, buf, cap);
    }
    if (a->family != AF_INET && a->family != AF_INET6) return -WSAEAFNOSUPPORT;
    t[0] = 0;
    if (a->family == AF_INET6) wp__cat(t, &n, "[");
    wp__format_ip(a, t, &n);
    wp__cat(t, &n, a->family == AF_INET6 ? "]:" : ":");
    wp__cat_dec(t, &n, a->port);
    return wp__text_out(t, n, buf, cap);
}

WINPOLL_API int wp_getaddrinfo(const char *host, unsigned short port, int family, int flags, wp_sockaddr *out,
                               int max) {
    ADDRINFOW hints, *res = NULL, *p;
    WCHAR *whost;
    wp_sockaddr one;
    int r, count = 0;
    if (host == NULL || max < 0 || (max > 0 && out == NULL) || (flags & ~WINPOLL_AI_NUMERIC) != 0 ||
        (family != AF_UNSPEC && family != AF_INET && family != AF_INET6))
        return -ERROR_INVALID_PARAMETER;
    r = wp_init();
    if (r < 0) return r;
    r = wp__utf16_dup(host, WINPOLL_NUL_TERMINATED, &whost);
    if (r < 0) return r;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM; /* one entry per address, not one per socket type */
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = (flags & WINPOLL_AI_NUMERIC) ? AI_NUMERICHOST : 0;
    r = GetAddrInfoW(whost, NULL, &hints, &res);
    WINPOLL__FREE(whost, NULL);
    /* a failure is a positive Winsock code; anything else (Wine 8 leaks
       Linux's negative EAI_ codes) must not pass for a count */
    if (r != 0) return r > 0 ? -r : -WSANO_RECOVERY;
    for (p = res; p != NULL; p = p->ai_next) {
        if (p->ai_addr == NULL || wp_sockaddr_from_raw(&one, p->ai_addr, (int)p->ai_addrlen) != 0) continue;
        if (one.family != AF_INET && one.family != AF_INET6) continue;
        if (family != AF_UNSPEC && one.family != family) continue; /* only what was asked for */
        one.port = port;
        if (count < max) out[count] = one;
        count++;
    }
    FreeAddrInfoW(res);
    return count;
}

/* >>sockets ----------------------------------------------------------------- */

#define WINPOLL__SIO_KEEPALIVE_VALS 0x98000004ul

static int wp__wsa_error(void) {
    int e = WSAGetLastError();
    return e == 0 ? -ERROR_GEN_FAILURE : -e;
}

WINPOLL_API int wp_socket(int family, int type, int protocol, SOCKET *out) {
    DWORD flags = WSA_FLAG_NO_HANDLE_INHERIT | WSA_FLAG_OVERLAPPED; /* as socket() makes them; blocking calls work too */
    SOCKET s;
    int r;
    if (out == NULL) return -ERROR_INVALID_PARAMETER;
    *out = INVALID_SOCKET;
    r = wp_init();
    if (r < 0) return r;
    s = WSASocketW(family, type, protocol, NULL, 0, flags);
    if (s == INVALID_SOCKET && WSAGetLastError() == WSAEINVAL) {
        /* Windows 7 before SP1 lacks WSA_FLAG_NO_HANDLE_INHERIT */
        s = WSASocketW(family, type, protocol, NULL, 0, flags & ~(DWORD)WSA_FLAG_NO_HANDLE_INHERIT);
        if (s != INVALID_SOCKET) SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
    }
    if (s == INVALID_SOCKET) return wp__wsa_error();
    *out = s;
    return 0;
}

WINPOLL_API int wp_socket_dual_stack(int type, int protocol, SOCKET *out) {
    int r = wp_socket(AF_INET6, type, protocol, out);
    if (r == 0 && (r = wp_setsockopt_int(*out, IPPROTO_IPV6, IPV6_V6ONLY, 0)) != 0) {
        closesocket(*out);
        *out = INVALID_SOCKET;
    }
    return r;
}

WINPOLL_API int wp_closesocket(SOCKET s) { return closesocket(s) == 0 ? 0 : wp__wsa_error(); }

/* bind and connect: a call that takes an address. */
static int wp__call_with_addr(int(WINAPI *call)(SOCKET, const struct sockaddr *, int), SOCKET s,
                              const wp_sockaddr *a) {
    SOCKADDR_STORAGE ss;
    int len, r = wp_sockaddr_to_raw(a, &ss, &len);
    if (r < 0) return r;
    return call(s, (SOCKADDR *)&ss, len) == 0 ? 0 : wp__wsa_error();
}

/* getsockname and getpeername: a call that returns an address. */
static int wp__call_for_addr(int(WINAPI *call)(SOCKET, struct sockaddr *, int *), SOCKET s, wp_sockaddr *a) {
    SOCKADDR_STORAGE ss;
    int len = (int)sizeof ss;
    if (a == NULL) return -ERROR_INVALID_PARAMETER;
    if (call(s, (SOCKADDR *)&ss, &len) != 0) return wp__wsa_error();
    return wp_sockaddr_from_raw(a, (SOCKADDR *)&ss, len);
}

WINPOLL_API int wp_bind(SOCKET s, const wp_sockaddr *a) { return wp__call_with_addr(bind, s, a); }
WINPOLL_API int wp_connect(SOCKET s, const wp_sockaddr *a) { return wp__call_with_addr(connect, s, a); }
WINPOLL_API int wp_getsockname(SOCKET s, wp_sockaddr *a) { return wp__call_for_addr(getsockname, s, a); }
WINPOLL_API int wp_getpeername(SOCKET s, wp_sockaddr *a) { return wp__call_for_addr(getpeername, s, a); }

WINPOLL_API int wp_listen(SOCKET s, int backlog) {
    return listen(s, backlog < 0 ? SOMAXCONN : backlog) == 0 ? 0 : wp__wsa_error();
}

WINPOLL_API int wp_shutdown(SOCKET s, int how) { return shutdown(s, how) == 0 ? 0 : wp__wsa_error(); }

WINPOLL_API int wp_accept(SOCKET s, SOCKET *out, wp_sockaddr *peer) {
    SOCKADDR_STORAGE ss;
    int len = (int)sizeof ss;
    SOCKET ns;
    if (out == NULL) return -ERROR_INVALID_PARAMETER;
    *out = INVALID_SOCKET;
    ns = accept(s, (SOCKADDR *)&ss, &len);
    if (ns == INVALID_SOCKET) return wp__wsa_error();
    SetHandleInformation((HANDLE)ns, HANDLE_FLAG_INHERIT, 0);
    /* An address that does not convert leaves *peer empty; the connection
       itself is not lost. */
    if (peer != NULL) wp_sockaddr_from_raw(peer, (SOCKADDR *)&ss, len);
    *out = ns;
    return 0;
}

WINPOLL_API long long wp_sendto(SOCKET s, const void *buf, size_t n, int flags, const wp_sockaddr *to) {
    int len = n > 0x7FFFFFFF ? 0x7FFFFFFF : (int)n, r;
    if (buf == NULL && n > 0) return -ERROR_INVALID_PARAMETER;
    if (to != NULL) {
        SOCKADDR_STORAGE ss;
        int slen;
        r = wp_sockaddr_to_raw(to, &ss, &slen);
        if (r < 0) return r;
        r = sendto(s, (const char *)buf, len, flags, (SOCKADDR *)&ss, slen);
    } else {
        r = send(s, (const char *)buf, len, flags);
    }
    return r == SOCKET_ERROR ? wp__wsa_error() : r;
}

WINPOLL_API long long wp_recvfrom(SOCKET s, void *buf, size_t n, int flags, wp_sockaddr *from) {
    SOCKADDR_STORAGE ss;
    int len = n > 0x7FFFFFFF ? 0x7FFFFFFF : (int)n, slen = (int)sizeof ss, r;
    if (buf == NULL && n > 0) return -ERROR_INVALID_PARAMETER;
    r = recvfrom(s, (char *)buf, len, flags, from != NULL ? (SOCKADDR *)&ss : NULL, from != NULL ? &slen : NULL);
    if (r == SOCKET_ERROR && WSAGetLastError() != WSAEMSGSIZE) return wp__wsa_error();
    /* a truncated datagram still says who sent it */
    if (from != NULL && wp_sockaddr_from_raw(from, (SOCKADDR *)&ss, slen) != 0) memset(from, 0, sizeof *from);
    return r == SOCKET_ERROR ? -WSAEMSGSIZE : r;
}

WINPOLL_API int wp_setsockopt_int(SOCKET s, int level, int name, int value) {
    return setsockopt(s, level, name, (const char *)&value, (int)sizeof value) == 0 ? 0 : wp__wsa_error();
}

WINPOLL_API int wp_getsockopt_int(SOCKET s, int level, int name, int *value) {
    int v = 0, len = (int)sizeof v;
    if (value == NULL) return -ERROR_INVALID_PARAMETER;
    if (getsockopt(s, level, name, (char *)&v, &len) != 0) return wp__wsa_error();
    *value = v;
    return 0;
}

WINPOLL_API int wp_set_linger(SOCKET s, int on, int seconds) {
    struct linger l;
    if (seconds < 0 || seconds > 0xFFFF) return -ERROR_INVALID_PARAMETER;
    l.l_onoff = (u_short)(on != 0);
    l.l_linger = (u_short)seconds;
    return setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&l, (int)sizeof l) == 0 ? 0 : wp__wsa_error();
}

WINPOLL_API int wp_get_linger(SOCKET s, int *on, int *seconds) {
    struct linger l;
    int len = (int)sizeof l;
    if (on == NULL || seconds == NULL) return -ERROR_INVALID_PARAMETER;
    memset(&l, 0, sizeof l);
    if (getsockopt(s, SOL_SOCKET, SO_LINGER, (char *)&l, &len) != 0) return wp__wsa_error();
    *on = l.l_onoff != 0;
    *seconds = l.l_linger;
    return 0;
}

WINPOLL_API int wp_set_keepalive(SOCKET s, int on, unsigned long idle_ms, unsigned long interval_ms) {
    struct {
        ULONG onoff, keepalivetime, keepaliveinterval;
    } vals;
    DWORD got = 0;
    int r = wp_setsockopt_int(s, SOL_SOCKET, SO_KEEPALIVE, on != 0);
    if (r < 0 || !on) return r;
    vals.onoff = 1;
    vals.keepalivetime = idle_ms != 0 ? idle_ms : 7200000ul;        /* Windows' default: 2 hours */
    vals.keepaliveinterval = interval_ms != 0 ? interval_ms : 1000ul; /* and 1 second */
    if (WSAIoctl(s, WINPOLL__SIO_KEEPALIVE_VALS, &vals, (DWORD)sizeof vals, NULL, 0, &got, NULL, NULL) != 0)
        return wp__wsa_error();
    return 0;
}

static int wp__multicast(SOCKET s, const wp_sockaddr *group, unsigned long ifindex, int join) {
    if (group == NULL) return -ERROR_INVALID_PARAMETER;
    if (group->family == AF_INET) {
        struct ip_mreq m;
        memcpy(&m.imr_multiaddr, group->addr, 4);
        /* an interface index n may stand where its address goes, as 0.0.0.n */
        wp__put_be32(&m.imr_interface, ifindex);
        if (setsockopt(s, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, (const char *)&m,
                       (int)sizeof m) != 0)
            return wp__wsa_error();
        return 0;
    }
    if (group->family == AF_INET6) {
        struct ipv6_mreq m;
        memcpy(&m.ipv6mr_multiaddr, group->addr, 16);
        m.ipv6mr_interface = ifindex;
        if (setsockopt(s, IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, (const char *)&m,
                       (int)sizeof m) != 0)
            return wp__wsa_error();
        return 0;
    }
    return -WSAEAFNOSUPPORT;
}

WINPOLL_API int wp_multicast_join(SOCKET s, const wp_sockaddr *group, unsigned long ifindex) {
    return wp__multicast(s, group, ifindex, 1);
}

WINPOLL_API int wp_multicast_leave(SOCKET s, const wp_sockaddr *group, unsigned long ifindex) {
    return wp__multicast(s, group, ifindex, 0);
}

/* >>console ----------------------------------------------------------------- */

#if WINPOLL__SSE2
/* The index of the lowest set bit of a non-zero word, by TZCNT's encoding
   (BSF on a CPU without BMI1, same index; BSF is microcoded on AMD's cores).
   clang emits BSF for the intrinsics unless told of BMI1, so it gets the
   encoding by name. */
static unsigned wp__ctz32(unsigned v) {
#if defined(__clang__)
    unsigned at;
    __asm__("rep bsf %1, %0" : "=r"(at) : "r"(v) : "cc"); /* not "rm": clang would put v in memory */
    return at;
#elif defined(_MSC_VER)
    return _tzcnt_u32(v);
#else
    return (unsigned)__builtin_ctz(v);
#endif
}

/* m ? a : b, lane by lane, for masks of all ones or all zeros. */
static __m128i wp__pick(__m128i m, __m128i a, __m128i b) {
    return _mm_or_si128(_mm_and_si128(m, a), _mm_andnot_si128(m, b));
}

#define WINPOLL__B8(x) _mm_set1_epi8((char)(x))
#define WINPOLL__B16(x) _mm_set1_epi16((short)(x))

/* Each position's high byte as if a 3-byte form started there. */
#define WINPOLL__HI3(v0, v1) \
    _mm_or_si128(_mm_and_si128(_mm_slli_epi16(v0, 4), WINPOLL__B8(0xF0)), \
                 _mm_and_si128(_mm_srli_epi16(v1, 2), WINPOLL__B8(0x0F)))

/* Where a 3-byte form, by its high byte, is overlong (under 0x800) or a
   surrogate (D800..DFFF); lead3 marks the leads of E0 and up. */
static __m128i wp__utf8_rules3(__m128i hi3, __m128i lead3) {
    __m128i r = _mm_and_si128(hi3, WINPOLL__B8(0xF8));
    r = _mm_or_si128(_mm_cmpeq_epi8(r, _mm_setzero_si128()), _mm_cmpeq_epi8(r, WINPOLL__B8(0xD8)));
    return _mm_and_si128(lead3, r);
}

/* The 4-byte forms whose leads lead4 marks, with the bytes after each
   lead in v1 and v2: a form's high surrogate at its lead, D7C0 plus the
   code point's top 11 bits (D8 plus the lead's 3, and a carry out of the
   low byte), its high byte in *hs and its low byte over *lo3; its low
   surrogate, DC00 plus the low 10, at its first continuation, the high
   byte in *ls and the low byte lo3's already. Returns the leads whose
   form is not valid (a form is valid if its lead is under F8 and its high
   surrogate's high byte D8..DB: under that it is overlong, over it above
   U+10FFFF). */
static __m128i wp__utf8_four(__m128i v0, __m128i v1, __m128i v2, __m128i lead4, __m128i *lo3, __m128i *hs,
                             __m128i *ls) {
    const __m128i top2 = WINPOLL__B8(0xC0);
    __m128i top = _mm_or_si128(_mm_and_si128(_mm_slli_epi16(v1, 2), WINPOLL__B8(0xFC)),
                               _mm_and_si128(_mm_srli_epi16(v2, 4), WINPOLL__B8(0x03)));
    __m128i bad;
    *hs = _mm_add_epi8(_mm_add_epi8(_mm_and_si128(v0, WINPOLL__B8(0x07)), WINPOLL__B8(0xD8)),
                       _mm_cmpeq_epi8(_mm_and_si128(top, top2), _mm_setzero_si128()));
    *ls = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(v1, 2), WINPOLL__B8(0x03)), WINPOLL__B8(0xDC));
    *lo3 = wp__pick(lead4, _mm_add_epi8(top, top2), *lo3);
    bad = _mm_cmpeq_epi8(_mm_and_si128(*hs, WINPOLL__B8(0xFC)), WINPOLL__B8(0xD8));
    bad = _mm_or_si128(_mm_cmpgt_epi8(v0, WINPOLL__B8(0xF7)), _mm_xor_si128(bad, WINPOLL__B8(0xFF)));
    return _mm_and_si128(lead4, bad);
}

/* The running counts of the units that sixteen positions make, 1 but
   where skip is set: lane k holds the count up to and with k. */
static __m128i wp__utf8_counts(__m128i skip) {
    __m128i sum = _mm_andnot_si128(skip, WINPOLL__B8(1));
    sum = _mm_add_epi8(sum, _mm_slli_si128(sum, 1));
    sum = _mm_add_epi8(sum, _mm_slli_si128(sum, 2));
    sum = _mm_add_epi8(sum, _mm_slli_si128(sum, 4));
    return _mm_add_epi8(sum, _mm_slli_si128(sum, 8));
}

/* The units of sixteen positions as 8 pairs in words, each the unit of an
   even position (or of the odd one after it, where the even one makes
   none) and the unit of the odd one; lo and hi hold their low and high
   bytes. */
static void wp__utf8_pairs(__m128i lo, __m128i hi, __m128i skip, unsigned *words) {
    __m128i fix = _mm_and_si128(skip, WINPOLL__B16(0x00FF));
    lo = wp__pick(fix, _mm_srli_si128(lo, 1), lo);
    hi = wp__pick(fix, _mm_srli_si128(hi, 1), hi);
    _mm_storeu_si128((__m128i *)(void *)words, _mm_unpacklo_epi8(lo, hi));
    _mm_storeu_si128((__m128i *)(void *)(words + 4), _mm_unpackhi_epi8(lo, hi));
}

/* The last step of wp__utf8_block: lo and hi hold each position's unit,
   its low and high bytes apart, but for the positions in skip, which make
   none. The units are stored two positions at a time, at the count of
   units before the first: each pair's real units land where they belong,
   and what it writes past them the next pair writes over. */
static size_t wp__utf8_put(__m128i lo, __m128i hi, __m128i skip, size_t took, WCHAR *out, size_t *made) {
    unsigned char at[17];
    unsigned words[8], k;
    at[0] = 0;
    _mm_storeu_si128((__m128i *)(void *)(at + 1), wp__utf8_counts(skip));
    wp__utf8_pairs(lo, hi, skip, words);
    for (k = 0; k < 8; k++) memcpy(out + at[2 * k], &words[k], 4);
    *made = at[took];
    return took;
}

/* wp__utf8_put for 32 positions: the first 16 in lo, hi and skip, the
   next 16 in lo8, hi8 and skip8. */
static size_t wp__utf8_put32(__m128i lo, __m128i hi, __m128i skip, __m128i lo8, __m128i hi8, __m128i skip8,
                             size_t took, WCHAR *out, size_t *made) {
    __m128i sum = wp__utf8_counts(skip);
    unsigned char at[33];
    unsigned words[16], k;
    at[0] = 0;
    _mm_storeu_si128((__m128i *)(void *)(at + 1), sum);
    sum = _mm_shuffle_epi32(_mm_shufflehi_epi16(_mm_unpackhi_epi8(sum, sum), 0xFF), 0xFF); /* the last, in every lane */
    _mm_storeu_si128((__m128i *)(void *)(at + 17), _mm_add_epi8(wp__utf8_counts(skip8), sum));
    wp__utf8_pairs(lo, hi, skip, words);
    wp__utf8_pairs(lo8, hi8, skip8, words + 8);
    for (k = 0; k < 16; k++) memcpy(out + at[2 * k], &words[k], 4);
    *made = at[took];
    return took;
}

/* Thirty-two bytes of emoji text for wp__utf8_block, which has made the
   first sixteen's units (lo, hi), masks and rules; the next sixteen are
   made here the same way. Returns the bytes taken, 29 to 32, or 0 if the
   32 are not all ASCII and 4-byte forms or one to be taken is not valid
   (the first sixteen then go alone). */
static size_t wp__utf8_emoji32(const unsigned char *in, __m128i lo, __m128i hi, __m128i skip, __m128i rules,
                               __m128i lead4, unsigned m, unsigned c, unsigned m4, WCHAR *out, size_t *made) {
    const __m128i top2 = WINPOLL__B8(0xC0), low6 = WINPOLL__B8(0x3F);
    __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)(in + 16));
    __m128i ascii = _mm_cmpgt_epi8(v0, WINPOLL__B8(-1)), cont = _mm_cmplt_epi8(v0, top2);
    __m128i l4 = _mm_andnot_si128(ascii, _mm_cmpgt_epi8(v0, WINPOLL__B8(0xEF))), v1, v2, lo3, hs, ls, r, sl4;
    unsigned mw = m | (unsigned)_mm_movemask_epi8(v0) << 16, cw = c | (unsigned)_mm_movemask_epi8(cont) << 16;
    unsigned m4w = m4 | (unsigned)_mm_movemask_epi8(l4) << 16;
    size_t took;
    if ((m4w | cw) != mw || cw != (m4w << 1 | m4w << 2 | m4w << 3)) return 0;
    took = 29 + wp__ctz32(m4w >> 29 | 8u);
    v1 = _mm_loadu_si128((const __m128i *)(const void *)(in + 17));
    v2 = _mm_loadu_si128((const __m128i *)(const void *)(in + 18));
    lo3 = _mm_or_si128(_mm_and_si128(_mm_slli_epi16(v1, 6), top2), _mm_and_si128(v2, low6));
    r = wp__utf8_four(v0, v1, v2, l4, &lo3, &hs, &ls);
    if ((((unsigned)_mm_movemask_epi8(rules) | (unsigned)_mm_movemask_epi8(r) << 16) & ((2u << (took - 1)) - 1)) != 0)
        return 0; /* (2 << (took - 1)) - 1: the low took bits, when took is 32 too */
    sl4 = _mm_or_si128(_mm_slli_si128(l4, 1), _mm_srli_si128(lead4, 15));
    return wp__utf8_put32(lo, hi, skip, wp__pick(ascii, v0, lo3), wp__pick(l4, hs, _mm_andnot_si128(ascii, ls)),
                          _mm_andnot_si128(sl4, cont), took, out, made);
}

/* Sixteen bytes of UTF-8 at in (32 of emoji text, below) to UTF-16 at out;
   in must start a character, 36 bytes may be read and 34 units written.
   Returns the bytes taken (whole characters only: one that the end of the
   sixteen cuts is left for the next block) and puts the units made in
   *made; returns 0, writing nothing, if the bytes to be taken are not all
   valid (the caller takes them one by one). The units past *made, at most
   21, are scratch for later output to write over. A few masks sort the
   block: Latin text (ASCII and at most two 2-byte characters) takes the
   path at the top; ASCII with only 3-byte forms (CJK text) and ASCII with
   only 4-byte forms (emoji, taken 32 bytes at a time when the next 16 are
   so too) are checked by their own forms' rules alone; any other block by
   every rule. In all but the first, every position is decoded at once as
   if a character started there, and wp__utf8_put keeps the units of the
   positions that do make one. */
static size_t wp__utf8_block(const unsigned char *in, WCHAR *out, size_t *made) {
    const __m128i zero = _mm_setzero_si128(), low6 = WINPOLL__B8(0x3F), top2 = WINPOLL__B8(0xC0);
    __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)in), v1, v2;
    __m128i ascii, cont, lead2, lead3, lead4, rules, lo, hi, lo3, hi3, sl4, skip;
    unsigned took, m = (unsigned)_mm_movemask_epi8(v0), m3, m4, c;
    /* ASCII with at most two 2-byte characters in bytes 0 to 14, the common
       block of Latin text; a lead at 15 is left for the next block. The
       test is three masks and two branches, the first of which turns any
       other text away: every non-ASCII byte is either a continuation
       (80..BF) or a lead of C2..DF (the bytes that add BE to under 9E, as
       signed bytes); every continuation follows a lead and every lead but
       the one at 15 is followed by one, and at most two leads before 15.
       The work has none: the ASCII widened, a character, the ASCII after
       it widened over the rest, and so again (positions 16 and 18 stand
       for missing characters). The bytes taken hang on one load (is byte
       15 a lead?), not on the masks, so the next block's loads need not
       wait for this one's. */
    c = (unsigned)_mm_movemask_epi8(_mm_cmpgt_epi8(top2, v0)); /* continuations */
    {
        unsigned l = (unsigned)_mm_movemask_epi8(_mm_cmpgt_epi8(WINPOLL__B8(0x9E), _mm_add_epi8(v0, WINPOLL__B8(0xBE))));
        unsigned l15 = l & 0x7FFFu, r2 = l15 & (l15 - 1);
        if ((m ^ c ^ l) == 0 && ((((l << 1) ^ c) & 0xFFFFu) | (r2 & (r2 - 1))) == 0) {
            unsigned p = wp__ctz32(l15 | 0x10000u), q = wp__ctz32(r2 | 0x40000u);
            unsigned short edge; /* bytes 15 and 16 loaded anew: byte 15 alone, clang takes from v0 through memory */
            memcpy(&edge, in + 15, 2);
            took = 16 - ((edge & 0xC0u) == 0xC0u);
            _mm_storeu_si128((__m128i *)(void *)out, _mm_unpacklo_epi8(v0, zero));
            _mm_storeu_si128((__m128i *)(void *)(out + 8), _mm_unpackhi_epi8(v0, zero));
            out[p] = (WCHAR)((in[p] & 0x1F) << 6 | (in[p + 1] & 0x3F)); /* scratch when p is 16 */
            v1 = _mm_loadu_si128((const __m128i *)(const void *)(in + p + 2));
            _mm_storeu_si128((__m128i *)(void *)(out + p + 1), _mm_unpacklo_epi8(v1, zero));
            _mm_storeu_si128((__m128i *)(void *)(out + p + 9), _mm_unpackhi_epi8(v1, zero));
            out[q - 1] = (WCHAR)((in[q] & 0x1F) << 6 | (in[q + 1] & 0x3F)); /* scratch when q is 18 */
            v1 = _mm_loadu_si128((const __m128i *)(const void *)(in + q + 2));
            _mm_storeu_si128((__m128i *)(void *)(out + q), _mm_unpacklo_epi8(v1, zero));
            _mm_storeu_si128((__m128i *)(void *)(out + q + 8), _mm_unpackhi_epi8(v1, zero));
            *made = took - (p < 16) - (q < 16);
            return took;
        }
    }
    /* the classes, by signed compares: 80..BF are -128..-65 */
    ascii = _mm_cmpgt_epi8(v0, WINPOLL__B8(-1));
    cont = _mm_cmplt_epi8(v0, top2);
    lead4 = _mm_andnot_si128(ascii, _mm_cmpgt_epi8(v0, WINPOLL__B8(0xEF))); /* F0 and up */
    m4 = (unsigned)_mm_movemask_epi8(lead4);
    v1 = _mm_loadu_si128((const __m128i *)(const void *)(in + 1));
    v2 = _mm_loadu_si128((const __m128i *)(const void *)(in + 2));
    /* each position's low byte as if a 3-byte form started there (and its
       high byte, WINPOLL__HI3, where it is needed); a byte's shifts are
       16-bit shifts with the bits from its neighbour masked off */
    lo3 = _mm_or_si128(_mm_and_si128(_mm_slli_epi16(v1, 6), top2), _mm_and_si128(v2, low6));
    if (m4 == 0) {
        lead3 = _mm_andnot_si128(ascii, _mm_cmpgt_epi8(v0, WINPOLL__B8(0xDF))); /* E0 and up */
        m3 = (unsigned)_mm_movemask_epi8(lead3);
        hi3 = WINPOLL__HI3(v0, v1);
        /* ASCII and 3-byte forms only, the block of CJK text: every
           continuation, and nothing else, two bytes after a lead of E0..EF;
           a lead at 14 or 15 is left for the next block */
        if ((m3 | c) == m && c == ((m3 << 1 | m3 << 2) & 0xFFFFu)) {
            took = wp__ctz32((m3 & 0xC000u) | 0x10000u);
            if (((unsigned)_mm_movemask_epi8(wp__utf8_rules3(hi3, lead3)) & ((1u << took) - 1)) != 0) return 0;
            return wp__utf8_put(wp__pick(ascii, v0, lo3), _mm_andnot_si128(ascii, hi3), cont, took, out, made);
        }
        sl4 = rules = zero;
        skip = cont;
    } else {
        __m128i hs, ls;
        rules = wp__utf8_four(v0, v1, v2, lead4, &lo3, &hs, &ls);
        sl4 = _mm_slli_si128(lead4, 1);
        skip = _mm_andnot_si128(sl4, cont);
        /* ASCII and 4-byte forms only, the block of emoji text: every
           continuation, and nothing else, three bytes after a lead of F0
           and up; a lead at 13 to 15 is left for the next block. The
           continuations after the first make no unit, so any high byte
           will do there. */
        if ((m4 | c) == m && c == ((m4 << 1 | m4 << 2 | m4 << 3) & 0xFFFFu)) {
            lo = wp__pick(ascii, v0, lo3);
            hi = wp__pick(lead4, hs, _mm_andnot_si128(ascii, ls));
            if ((took = wp__utf8_emoji32(in, lo, hi, skip, rules, lead4, m, c, m4, out, made)) != 0) return took;
            took = wp__ctz32((m4 & 0xE000u) | 0x10000u);
            if (((unsigned)_mm_movemask_epi8(rules) & ((1u << took) - 1)) != 0) return 0;
            return wp__utf8_put(lo, hi, skip, took, out, made);
        }
        lead3 = _mm_andnot_si128(ascii, _mm_cmpgt_epi8(v0, WINPOLL__B8(0xDF))); /* E0 and up */
        m3 = (unsigned)_mm_movemask_epi8(lead3);
        hi3 = wp__pick(lead4, hs, wp__pick(sl4, ls, WINPOLL__HI3(v0, v1)));
    }
    /* any other block: the 2-byte forms too, and every continuation where,
       and only where, a lead asks for one; no C0 or C1. A character that
       the end of the sixteen cuts is left for the next block. That its
       lead is no continuation is checked with the bytes taken, for a
       character before it that runs into it expects one there; its own
       rules wait for the next block. */
    {
        __m128i at2 = _mm_cmpgt_epi8(v0, WINPOLL__B8(0xC1)); /* C2 and up, or ASCII */
        __m128i expect;
        unsigned leads, tail;
        lead2 = _mm_andnot_si128(ascii, at2); /* C2 and up */
        leads = (unsigned)_mm_movemask_epi8(lead2);
        expect = _mm_or_si128(_mm_slli_si128(lead2, 1), _mm_or_si128(_mm_slli_si128(lead3, 2), _mm_slli_si128(lead4, 3)));
        rules = _mm_or_si128(rules, _mm_andnot_si128(lead4, wp__utf8_rules3(hi3, lead3)));
        expect = _mm_or_si128(_mm_xor_si128(expect, cont), _mm_cmpeq_epi8(_mm_or_si128(cont, at2), zero));
        tail = (leads & 0x8000u) | (m3 & 0x4000u) | (m4 & 0x2000u);
        took = wp__ctz32(tail | 0x10000u); /* no branch: whether a character is cut is a coin toss in mixed text */
        if ((((unsigned)_mm_movemask_epi8(rules) & ((1u << took) - 1)) |
             ((unsigned)_mm_movemask_epi8(expect) & ((2u << took) - 1))) != 0)
            return 0;
        lo = _mm_or_si128(_mm_and_si128(_mm_slli_epi16(v0, 6), top2), _mm_and_si128(v1, low6));
        hi = _mm_and_si128(_mm_srli_epi16(v0, 2), WINPOLL__B8(0x07));
        lead3 = _mm_or_si128(lead3, sl4); /* the positions whose unit lo3 and hi3 hold */
        lo = wp__pick(lead3, lo3, wp__pick(ascii, v0, lo));
        hi = wp__pick(lead3, hi3, _mm_andnot_si128(ascii, hi));
        return wp__utf8_put(lo, hi, skip, took, out, made);
    }
}

/* The UTF-8 of the surrogate pairs whose high halves are in h, the low
   ones in next: its first two bytes in each lane's low 16 bits of *b01,
   the last two in *b23's. */
static void wp__utf16_pairs(__m128i h, __m128i next, __m128i *b01, __m128i *b23) {
    const __m128i low6 = WINPOLL__B16(0x3F), top = WINPOLL__B16(0x80);
    __m128i w = _mm_add_epi16(_mm_and_si128(h, WINPOLL__B16(0x3FF)), WINPOLL__B16(0x40)); /* the code point >> 10 */
    *b01 = _mm_or_si128(_mm_or_si128(WINPOLL__B16(0xF0), _mm_srli_epi16(w, 8)),
                        _mm_slli_epi16(_mm_or_si128(top, _mm_and_si128(_mm_srli_epi16(w, 2), low6)), 8));
    *b23 = _mm_or_si128(_mm_or_si128(top, _mm_or_si128(_mm_slli_epi16(_mm_and_si128(w, WINPOLL__B16(3)), 4),
                                                       _mm_and_si128(_mm_srli_epi16(next, 6), WINPOLL__B16(0xF)))),
                        _mm_slli_epi16(_mm_or_si128(top, _mm_and_si128(next, low6)), 8));
}

/* The running sums of sixteen lengths, the first eight in a and the last
   in b, into at[1..16], and 0 into at[0]: at[k] is the sum of the lengths
   before k. */
static void wp__utf16_sums(__m128i a, __m128i b, unsigned short *at) {
    a = _mm_add_epi16(a, _mm_slli_si128(a, 2));
    b = _mm_add_epi16(b, _mm_slli_si128(b, 2));
    a = _mm_add_epi16(a, _mm_slli_si128(a, 4));
    b = _mm_add_epi16(b, _mm_slli_si128(b, 4));
    a = _mm_add_epi16(a, _mm_slli_si128(a, 8));
    b = _mm_add_epi16(b, _mm_slli_si128(b, 8));
    b = _mm_add_epi16(b, _mm_shuffle_epi32(_mm_shufflehi_epi16(a, 0xFF), 0xFF)); /* a's last, in every lane */
    at[0] = 0;
    _mm_storeu_si128((__m128i *)(void *)(at + 1), a);
    _mm_storeu_si128((__m128i *)(void *)(at + 9), b);
}

/* UTF-16 units at in to UTF-8 at out: 16 of them when all are under
   0x800 (ASCII with at most two others, Latin text, packed around them;
   or 1- and 2-byte forms in any mix) or when they are ASCII and surrogate
   pairs only (emoji text; 15 when the sixteenth is a high surrogate), and
   otherwise 8 (7 when the eighth is a high surrogate whose low one is not
   in view), in the way of wp__utf8_block: each unit encoded at once (a high
   surrogate as its pair's 4 bytes, a low one as none), then stored at the
   sum of the lengths before it. 35 units may be read and 37 bytes
   written. Returns the units taken and puts the bytes made in *made; 0,
   writing nothing, if a surrogate among the first eight is unpaired. The
   bytes past *made, at most 21, are scratch. */
static size_t wp__utf16_block(const WCHAR *in, char *out, size_t *made) {
    const __m128i zero = _mm_setzero_si128(), low6 = WINPOLL__B16(0x3F), top = WINPOLL__B16(0x80);
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)in), ascii, ascii8, small, high, low, next;
    __m128i last, mid, lo16, hi16, len, sum;
    unsigned short at[17];
    unsigned words[16], k;
    size_t took;
    __m128i v8 = _mm_loadu_si128((const __m128i *)(const void *)(in + 8));
    unsigned m, rest, p, q;
    /* sixteen units of ASCII with at most two under 0x800, as for UTF-8:
       one branch, then the ASCII packed, a character's two bytes, the ASCII
       after it, and so again (17 and 18 stand for missing characters) */
    ascii = _mm_cmpeq_epi16(_mm_and_si128(v, WINPOLL__B16(0xFF80)), zero);
    small = _mm_cmpeq_epi16(_mm_and_si128(v, WINPOLL__B16(0xF800)), zero);
    m = (unsigned)_mm_movemask_epi8(_mm_packs_epi16(small, _mm_cmpeq_epi16(_mm_and_si128(v8, WINPOLL__B16(0xF800)), zero)));
    if (m == 0xFFFFu) { /* all under 0x800: what other text fails on first */
        ascii8 = _mm_cmpeq_epi16(_mm_and_si128(v8, WINPOLL__B16(0xFF80)), zero);
        m = ~(unsigned)_mm_movemask_epi8(_mm_packs_epi16(ascii, ascii8)) & 0xFFFFu;
        rest = m & (m - 1);
        if ((rest & (rest - 1)) == 0) {
            p = wp__ctz32(m | 0x20000u);
            q = wp__ctz32(rest | 0x40000u);
            unsigned u = in[p], t = in[q];
            _mm_storeu_si128((__m128i *)(void *)out, _mm_packus_epi16(v, v8));
            out[p] = (char)(0xC0 | (u >> 6)); /* scratch when p is 17 */
            out[p + 1] = (char)(0x80 | (u & 0x3F));
            next = _mm_packus_epi16(_mm_loadu_si128((const __m128i *)(const void *)(in + p + 1)),
                                    _mm_loadu_si128((const __m128i *)(const void *)(in + p + 9)));
            _mm_storeu_si128((__m128i *)(void *)(out + p + 2), next);
            out[q + 1] = (char)(0xC0 | (t >> 6)); /* scratch when q is 18 */
            out[q + 2] = (char)(0x80 | (t & 0x3F));
            next = _mm_packus_epi16(_mm_loadu_si128((const __m128i *)(const void *)(in + q + 1)),
                                    _mm_loadu_si128((const __m128i *)(const void *)(in + q + 9)));
            _mm_storeu_si128((__m128i *)(void *)(out + q + 3), next);
            *made = 16 + (p < 16) + (q < 16);
            return 16;
        }
        {
            /* all sixteen under 0x800 and more than two of them not ASCII:
               Cyrillic, Greek, Arabic or Hebrew text, each unit one or two
               bytes, taken sixteen units at a time */
            __m128i len8;
            unsigned short units[16];
            lo16 = _mm_or_si128(_mm_or_si128(WINPOLL__B16(0xC0), _mm_srli_epi16(v, 6)),
                                _mm_slli_epi16(_mm_or_si128(top, _mm_and_si128(v, low6)), 8));
            hi16 = _mm_or_si128(_mm_or_si128(WINPOLL__B16(0xC0), _mm_srli_epi16(v8, 6)),
                                _mm_slli_epi16(_mm_or_si128(top, _mm_and_si128(v8, low6)), 8));
            _mm_storeu_si128((__m128i *)(void *)units, wp__pick(ascii, v, lo16));
            _mm_storeu_si128((__m128i *)(void *)(units + 8), wp__pick(ascii8, v8, hi16));
            len = _mm_add_epi16(WINPOLL__B16(2), ascii);
            len8 = _mm_add_epi16(WINPOLL__B16(2), ascii8);
            wp__utf16_sums(len, len8, at);
            for (k = 0; k < 16; k++) memcpy(out + at[k], &units[k], 2);
            *made = at[16];
            return 16;
        }
    }
    high = _mm_cmpeq_epi16(_mm_and_si128(v, WINPOLL__B16(0xFC00)), WINPOLL__B16(0xD800));
    low = _mm_cmpeq_epi16(_mm_and_si128(v, WINPOLL__B16(0xFC00)), WINPOLL__B16(0xDC00));
    /* each low surrogate right after a high one, each high one (but the
       eighth) right before a low one */
    if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_slli_si128(high, 2), low)) != 0xFFFF) return 0;
    last = _mm_or_si128(top, _mm_and_si128(v, low6));
    mid = _mm_or_si128(top, _mm_and_si128(_mm_srli_epi16(v, 6), low6));
    /* the first two bytes of each form in the low 16 bits, the rest above;
       lengths 3, less one for under 0x800 and one more for ASCII, 4 for a
       high surrogate and 0 for a low one (the masks are -1) */
    lo16 = _mm_or_si128(_mm_or_si128(WINPOLL__B16(0xE0), _mm_srli_epi16(v, 12)), _mm_slli_epi16(mid, 8));
    if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(high, low), _mm_xor_si128(small, ascii))) == 0) {
        /* ASCII and 3-byte forms only: CJK text */
        lo16 = wp__pick(ascii, v, lo16);
        hi16 = last;
        len = _mm_add_epi16(WINPOLL__B16(3), _mm_add_epi16(ascii, ascii));
        took = 8;
    } else {
        __m128i h4, t4, high8 = _mm_cmpeq_epi16(_mm_and_si128(v8, WINPOLL__B16(0xFC00)), WINPOLL__B16(0xD800));
        __m128i low8 = _mm_cmpeq_epi16(_mm_and_si128(v8, WINPOLL__B16(0xFC00)), WINPOLL__B16(0xDC00));
        ascii8 = _mm_cmpeq_epi16(_mm_and_si128(v8, WINPOLL__B16(0xFF80)), zero);
        /* ASCII and surrogate pairs only, all sixteen: emoji text, taken
           sixteen units at a time (15 when the last is a high surrogate) */
        if (_mm_movemask_epi8(_mm_packs_epi16(_mm_or_si128(ascii, _mm_or_si128(high, low)),
                                              _mm_or_si128(ascii8, _mm_or_si128(high8, low8)))) == 0xFFFF &&
            _mm_movemask_epi8(_mm_cmpeq_epi16(_mm_or_si128(_mm_slli_si128(high8, 2), _mm_srli_si128(high, 14)),
                                              low8)) == 0xFFFF) {
            __m128i len8, h8, t8;
            took = (_mm_movemask_epi8(high8) & 0x8000) != 0 ? 15 : 16;
            wp__utf16_pairs(v, _mm_or_si128(_mm_srli_si128(v, 2), _mm_slli_si128(v8, 14)), &h4, &t4);
            wp__utf16_pairs(v8, _mm_srli_si128(v8, 2), &h8, &t8);
            len = _mm_sub_epi16(_mm_sub_epi16(WINPOLL__B16(1), high), _mm_add_epi16(high, high));
            len8 = _mm_sub_epi16(_mm_sub_epi16(WINPOLL__B16(1), high8), _mm_add_epi16(high8, high8));
            len = _mm_add_epi16(len, low); /* 1, 4 for a high surrogate, 0 for a low one */
            len8 = _mm_add_epi16(len8, low8);
            wp__utf16_sums(len, len8, at);
            lo16 = wp__pick(high, h4, v);
            v8 = wp__pick(high8, h8, v8);
            _mm_storeu_si128((__m128i *)(void *)words, _mm_unpacklo_epi16(lo16, t4));
            _mm_storeu_si128((__m128i *)(void *)(words + 4), _mm_unpackhi_epi16(lo16, t4));
            _mm_storeu_si128((__m128i *)(void *)(words + 8), _mm_unpacklo_epi16(v8, t8));
            _mm_storeu_si128((__m128i *)(void *)(words + 12), _mm_unpackhi_epi16(v8, t8));
            for (k = 0; k < 16; k++) memcpy(out + at[k], &words[k], 4);
            *made = at[took];
            return took;
        }
        took = (_mm_movemask_epi8(high) & 0x8000) != 0 ? 7 : 8;
        next = _mm_srli_si128(v, 2);
        wp__utf16_pairs(v, next, &h4, &hi16);
        lo16 = wp__pick(high, h4, lo16);
        lo16 = wp__pick(small, _mm_or_si128(_mm_or_si128(WINPOLL__B16(0xC0), _mm_srli_epi16(v, 6)), _mm_slli_epi16(last, 8)),
                        lo16);
        lo16 = wp__pick(ascii, v, lo16);
        hi16 = wp__pick(high, hi16, last);
        len = _mm_sub_epi16(_mm_add_epi16(_mm_add_epi16(WINPOLL__B16(3), ascii), small), high);
        len = _mm_add_epi16(len, _mm_add_epi16(low, _mm_add_epi16(low, low)));
    }
    sum = _mm_add_epi16(len, _mm_slli_si128(len, 2));
    sum = _mm_add_epi16(sum, _mm_slli_si128(sum, 4));
    sum = _mm_add_epi16(sum, _mm_slli_si128(sum, 8));
    at[0] = 0;
    _mm_storeu_si128((__m128i *)(void *)(at + 1), sum);
    _mm_storeu_si128((__m128i *)(void *)words, _mm_unpacklo_epi16(lo16, hi16));
    _mm_storeu_si128((__m128i *)(void *)(words + 4), _mm_unpackhi_epi16(lo16, hi16));
    for (k = 0; k < 8; k++) memcpy(out + at[k], &words[k], 4);
    *made = at[took];
    return took;
}

/* Whether the 32 units at in, of the n there are, are ASCII: 1 if they
   are, 0 if not, -1 if there are fewer than 32 or room for fewer than 32
   bytes. */
static int wp__utf16_ascii32(const WCHAR *in, size_t n, size_t room) {
    const __m128i *src = (const __m128i *)(const void *)in;
    __m128i x;
    if (n < 32 || room < 32) return -1;
    x = _mm_or_si128(_mm_or_si128(_mm_loadu_si128(src), _mm_loadu_si128(src + 1)),
                     _mm_or_si128(_mm_loadu_si128(src + 2), _mm_loadu_si128(src + 3)));
    return _mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(x, WINPOLL__B16(0xFF80)), _mm_setzero_si128())) == 0xFFFF;
}
#undef WINPOLL__B8
#undef WINPOLL__B16
#undef WINPOLL__HI3
#endif

/* The length of the sequence a lead byte starts; 0 if none starts with it. */
static int wp__utf8_len(unsigned c) {
    return c < 0x80 ? 1 : c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
}

/* May byte b stand at position k (1 to 3) of a sequence led by lead? The
   ranges after E0, ED, F0 and F4 shut out overlong forms, surrogates and
   values above U+10FFFF. */
static int wp__utf8_follows(unsigned lead, int k, unsigned b) {
    if (k == 1) {
        if (lead == 0xE0) return b >= 0xA0 && b <= 0xBF;
        if (lead == 0xED) return b >= 0x80 && b <= 0x9F;
        if (lead == 0xF0) return b >= 0x90 && b <= 0xBF;
        if (lead == 0xF4) return b >= 0x80 && b <= 0x8F;
    }
    return (b & 0xC0) == 0x80;
}

/* At s (avail > 0 bytes): the length of the valid sequence there, with its
   code point in *cp; 0 if the bytes are the valid start of one that the end
   of s cuts; -1 if no valid sequence starts there. */
static int wp__utf8_scan(const unsigned char *s, size_t avail, unsigned long *cp) {
    unsigned c = s[0];
    int len = wp__utf8_len(c), k;
    unsigned long v;
    if (len == 1) {
        *cp = c;
        return 1;
    }
    if (len == 0) return -1;
    v = c & (0x7Fu >> len);
    for (k = 1; k < len; k++) {
        if ((size_t)k >= avail) return 0;
        if (!wp__utf8_follows(c, k, s[k])) return -1;
        v = (v << 6) | (s[k] & 0x3Fu);
    }
    *cp = v;
    return len;
}

#define WINPOLL__PUT16(c) \
    do { \
        unsigned long c_ = (c); \
        if (c_ >= 0x10000) { \
            if (out != NULL) { \
                out[o] = (WCHAR)(0xD800 + ((c_ - 0x10000) >> 10)); \
                out[o + 1] = (WCHAR)(0xDC00 + (c_ & 0x3FF)); \
            } \
            o += 2; \
        } else { \
            if (out != NULL) out[o] = (WCHAR)c_; \
            o++; \
        } \
    } while (0)

/* One pass of wp_utf8_stream_to_utf16: out NULL counts only; commit
   stores the new carry in st. */
static size_t wp__utf8_to_16(wp_utf8_stream *st, const unsigned char *in, size_t n, int final, WCHAR *out,
                             size_t cap, int commit) {
    unsigned char tmp[7], carry[3];
    size_t o = 0, i = 0, nc = 0, k;
    unsigned long cp;
    int r;
    (void)cap; /* only the SSE2 path needs it */
    if (st->n > 0) {
        /* the carried bytes joined with the first input bytes */
        size_t t = st->n, take = n < 4 ? n : 4, avail, p = 0;
        memcpy(tmp, st->carry, t);
        memcpy(tmp + t, in, take);
        avail = t + take;
        while (p < t) {
            r = wp__utf8_scan(tmp + p, avail - p, &cp);
            if (r == 0) { /* still cut: the input ended too */
                if (final)
                    for (k = p; k < avail; k++) WINPOLL__PUT16(0xFFFD);
                else
                    for (k = p; k < avail; k++) carry[nc++] = tmp[k];
                p = avail;
                break;
            }
            if (r < 0) {
                WINPOLL__PUT16(0xFFFD);
                p++;
            } else {
                WINPOLL__PUT16(cp);
                p += (size_t)r;
            }
        }
        i = p - t;
    }
    while (i < n) {
        size_t stop = n;
        unsigned c;
#if WINPOLL__SSE2
        if (out != NULL) {
            /* blocks while 80 more bytes follow: their output writes over a
               block's scratch (3 bytes make at least one unit, and 3 may
               be carried) */
            size_t took = 1, made;
            while (i + 96 <= n && o + 36 <= cap) {
                /* 32 bytes of ASCII, the commonest text, widened at once: a
                   branch that plain ASCII always takes, and text with a
                   non-ASCII character every few dozen bytes seldom does */
                const __m128i *src = (const __m128i *)(const void *)(in + i);
                __m128i a = _mm_loadu_si128(src), b = _mm_loadu_si128(src + 1), z = _mm_setzero_si128();
                if (_mm_movemask_epi8(_mm_or_si128(a, b)) == 0) {
                    __m128i *dst = (__m128i *)(void *)(out + o);
                    _mm_storeu_si128(dst, _mm_unpacklo_epi8(a, z));
                    _mm_storeu_si128(dst + 1, _mm_unpackhi_epi8(a, z));
                    _mm_storeu_si128(dst + 2, _mm_unpacklo_epi8(b, z));
                    _mm_storeu_si128(dst + 3, _mm_unpackhi_epi8(b, z));
                    i += 32;
                    o += 32;
                    continue;
                }
                if ((took = wp__utf8_block(in + i, out + o, &made)) == 0) break;
                i += took;
                o += made;
            }
            if (took == 0) stop = i + 16; /* a block with an invalid byte: one by one */
        }
#endif
        do {
            c = in[i];
            if (c < 0x80) {
                if (out != NULL) out[o] = (WCHAR)c;
                o++;
                i++;
            } else if (c >= 0xC2 && c <= 0xDF && i + 1 < n && (in[i + 1] & 0xC0) == 0x80) {
                if (out != NULL) out[o] = (WCHAR)((c & 0x1F) << 6 | (in[i + 1] & 0x3Fu));
                o++;
                i += 2;
            } else if (c >= 0xE1 && c <= 0xEC && i + 2 < n && (in[i + 1] & 0xC0) == 0x80 &&
                       (in[i + 2] & 0xC0) == 0x80) { /* 3-byte forms with no range rule */
                if (out != NULL) out[o] = (WCHAR)((c & 0x0F) << 12 | (in[i + 1] & 0x3Fu) << 6 | (in[i + 2] & 0x3Fu));
                o++;
                i += 3;
            } else {
                r = wp__utf8_scan(in + i, n - i, &cp);
                if (r == 0) { /* the end of the input cuts a sequence */
                    if (final)
                        for (; i < n; i++) WINPOLL__PUT16(0xFFFD);
                    else
                        for (; i < n; i++) carry[nc++] = in[i];
                    break;
                }
                if (r < 0) {
                    WINPOLL__PUT16(0xFFFD);
                    i++;
                } else {
                    WINPOLL__PUT16(cp);
                    i += (size_t)r;
                }
            }
        } while (i < stop);
    }
    if (commit) {
        st->n = (unsigned char)nc;
        memcpy(st->carry, carry, nc);
    }
    return o;
}

WINPOLL_API long long wp_utf8_stream_to_utf16(wp_utf8_stream *st, const char *in, size_t n, int final,
                                              WCHAR *out, size_t cap) {
    size_t need;
    if (st == NULL || st->n > 3 || (in == NULL && n > 0)) return -ERROR_INVALID_PARAMETER;
    if (in == NULL) in = "";
    /* room for the worst case: one pass, no count first */
    if (out != NULL && cap >= n + st->n)
        return (long long)wp__utf8_to_16(st, (const unsigned char *)in, n, final, out, cap, 1);
    need = wp__utf8_to_16(st, (const unsigned char *)in, n, final, NULL, 0, 0);
    if (out == NULL || cap < need) return (long long)need;
    return (long long)wp__utf8_to_16(st, (const unsigned char *)in, n, final, out, cap, 1);
}

#define WINPOLL__PUT8(c) \
    do { \
        unsigned long c_ = (c); \
        if (c_ < 0x80) { \
            if (out != NULL) out[o] = (char)c_; \
            o += 1; \
        } else if (c_ < 0x800) { \
            if (out != NULL) { \
                out[o] = (char)(0xC0 | (c_ >> 6)); \
                out[o + 1] = (char)(0x80 | (c_ & 0x3F)); \
            } \
            o += 2; \
        } else if (c_ < 0x10000) { \
            if (out != NULL) { \
                out[o] = (char)(0xE0 | (c_ >> 12)); \
                out[o + 1] = (char)(0x80 | ((c_ >> 6) & 0x3F)); \
                out[o + 2] = (char)(0x80 | (c_ & 0x3F)); \
            } \
            o += 3; \
        } else { \
            if (out != NULL) { \
                out[o] = (char)(0xF0 | (c_ >> 18)); \
                out[o + 1] = (char)(0x80 | ((c_ >> 12) & 0x3F)); \
                out[o + 2] = (char)(0x80 | ((c_ >> 6) & 0x3F)); \
                out[o + 3] = (char)(0x80 | (c_ & 0x3F)); \
            } \
            o += 4; \
        } \
    } while (0)

#define WINPOLL__IS_HIGH(u) ((u) >= 0xD800 && (u) <= 0xDBFF)
#define WINPOLL__IS_LOW(u) ((u) >= 0xDC00 && (u) <= 0xDFFF)
#define WINPOLL__PAIR(h, l) (0x10000ul + (((unsigned long)(h) - 0xD800) << 10) + ((unsigned long)(l) - 0xDC00))

static size_t wp__utf16_to_8(wp_utf16_stream *st, const WCHAR *in, size_t n, int final, char *out, size_t cap,
                             int commit) {
    size_t o = 0, i = 0;
    WCHAR high = st->high;
    (void)cap; /* only the SSE2 path needs it */
    if (high != 0) {
        if (n > 0 && WINPOLL__IS_LOW(in[0])) {
            WINPOLL__PUT8(WINPOLL__PAIR(high, in[0]));
            i = 1;
            high = 0;
        } else if (n > 0 || final) {
            WINPOLL__PUT8(0xFFFD);
            high = 0;
        }
    }
    while (i < n) {
        size_t stop = n;
        unsigned u;
#if WINPOLL__SSE2
        if (out != NULL) {
            /* blocks while 24 more units follow: their output writes over
               a block's scratch (a unit makes at least one byte, and one
               may be carried) */
            size_t took = 1, made;
            int ascii = wp__utf16_ascii32(in + i, n - i, cap - o);
            if (ascii == 1) {
                /* text that starts with 32 units of ASCII is packed 32 at a
                   time while it lasts; the choice is made here, not per
                   block, which would tax every other text. The unit that
                   ends the run and 31 after it go one by one, then the
                   choice is made again. */
                do {
                    const __m128i *src = (const __m128i *)(const void *)(in + i);
                    _mm_storeu_si128((__m128i *)(void *)(out + o),
                                     _mm_packus_epi16(_mm_loadu_si128(src), _mm_loadu_si128(src + 1)));
                    _mm_storeu_si128((__m128i *)(void *)(out + o + 16),
                                     _mm_packus_epi16(_mm_loadu_si128(src + 2), _mm_loadu_si128(src + 3)));
                    i += 32;
                    o += 32;
                } while ((ascii = wp__utf16_ascii32(in + i, n - i, cap - o)) == 1);
                if (ascii == 0) stop = i + 32;
            } else {
                while (i + 40 <= n && o + 40 <= cap && (took = wp__utf16_block(in + i, out + o, &made)) != 0) {
                    i += took;
                    o += made;
                }
                if (took == 0) stop = i + 8; /* a block with an unpaired surrogate: one by one */
            }
        }
#endif
        while (i < stop) { /* the SSE2 loops may have taken all */
            u = in[i];
            if (u < 0x80) {
                if (out != NULL) out[o] = (char)u;
                o++;
                i++;
            } else if (u < 0x800) {
                if (out != NULL) {
                    out[o] = (char)(0xC0 | (u >> 6));
                    out[o + 1] = (char)(0x80 | (u & 0x3F));
                }
                o += 2;
                i++;
            } else if (!WINPOLL__IS_HIGH(u) && !WINPOLL__IS_LOW(u)) {
                if (out != NULL) {
                    out[o] = (char)(0xE0 | (u >> 12));
                    out[o + 1] = (char)(0x80 | ((u >> 6) & 0x3F));
                    out[o + 2] = (char)(0x80 | (u & 0x3F));
                }
                o += 3;
                i++;
            } else if (WINPOLL__IS_HIGH(u) && i + 1 < n && WINPOLL__IS_LOW(in[i + 1])) {
                WINPOLL__PUT8(WINPOLL__PAIR(u, in[i + 1]));
                i += 2;
            } else if (WINPOLL__IS_HIGH(u) && i + 1 == n && !final) {
                high = (WCHAR)u; /* its low half may come next call */
                i++;
            } else {
                WINPOLL__PUT8(0xFFFD);
                i++;
            }
        }
    }
    if (commit) st->high = high;
    return o;
}

WINPOLL_API long long wp_utf16_stream_to_utf8(wp_utf16_stream *st, const WCHAR *in, size_t n, int final,
                                              char *out, size_t cap) {
    size_t need;
    if (st == NULL || (st->high != 0 && !WINPOLL__IS_HIGH(st->high)) || (in == NULL && n > 0))
        return -ERROR_INVALID_PARAMETER;
    if (out != NULL && n <= ((size_t)-1 - 4) / 3 && cap >= 3 * n + 4)
        return (long long)wp__utf16_to_8(st, in, n, final, out, cap, 1);
    need = wp__utf16_to_8(st, in, n, final, NULL, 0, 0);
    if (out == NULL || cap < need) return (long long)need;
    return (long long)wp__utf16_to_8(st, in, n, final, out, cap, 1);
}

#define WINPOLL__VT_PROCESSING 0x0004 /* ENABLE_VIRTUAL_TERMINAL_PROCESSING, which older SDKs lack */

WINPOLL_API int wp_console_enable_vt(HANDLE out, wp_console_saved *saved) {
    DWORD mode;
    UINT cp;
    int r;
    if (saved == NULL) return -ERROR_INVALID_PARAMETER;
    if (!GetConsoleMode(out, &mode)) return wp__last_error();
    cp = GetConsoleOutputCP();
    if (cp == 0) return wp__last_error();
    saved->mode = mode;
    saved->output_cp = cp;
    if (!SetConsoleMode(out, mode | WINPOLL__VT_PROCESSING | ENABLE_PROCESSED_OUTPUT))
        return wp__last_error();
    if (!SetConsoleOutputCP(CP_UTF8)) {
        r = wp__last_error();
        SetConsoleMode(out, mode);
        return r;
    }
    return 0;
}

WINPOLL_API int wp_console_restore(HANDLE out, const wp_console_saved *saved) {
    if (saved == NULL) return -ERROR_INVALID_PARAMETER;
    if (!SetConsoleMode(out, saved->mode)) return wp__last_error();
    return SetConsoleOutputCP(saved->output_cp) ? 0 : wp__last_error();
}

/* >>fd ---------------------------------------------------------------------- */

/* Waiting on a word. WaitOnAddress where Windows has it (8 and later);
   otherwise a process-wide table of condition variables keyed by the
   word's address, which works from Vista on. Both wake on a change of the
   word and never need an object per FD. */
#define WINPOLL__PARK_BUCKETS 64
static struct wp__park_bucket {
    SRWLOCK lock;
    CONDITION_VARIABLE cv;
} wp__park[WINPOLL__PARK_BUCKETS]; /* all zero: SRWLOCK_INIT and CONDITION_VARIABLE_INIT */

static struct wp__park_bucket *wp__park_of(const volatile void *addr) {
    ULONG_PTR a = (ULONG_PTR)addr;
    return &wp__park[(a >> 3 ^ a >> 9) % WINPOLL__PARK_BUCKETS];
}

/* Sleeps while the size-byte word at addr equals *undesired, at most ms
   (INFINITE: no limit); it may also return early, so callers look again. */
static void wp__wait_on(volatile void *addr, void *undesired, size_t size, DWORD ms) {
    if (wp__wait_on_address()) {
        wp__imports.WaitOnAddress(addr, undesired, size, ms);
    } else {
        struct wp__park_bucket *b = wp__park_of(addr);
        AcquireSRWLockExclusive(&b->lock);
        if (memcmp((const void *)addr, undesired, size) == 0) SleepConditionVariableSRW(&b->cv, &b->lock, ms, 0);
        ReleaseSRWLockExclusive(&b->lock);
    }
}

/* Wakes the waiters of addr, whose word the caller has just changed. */
static void wp__wake(volatile void *addr, int all) {
    if (wp__wait_on_address()) {
        if (all) wp__imports.WakeByAddressAll((PVOID)addr);
        else wp__imports.WakeByAddressSingle((PVOID)addr);
    } else {
        /* taking the lock orders this wake after any waiter's look at the word */
        struct wp__park_bucket *b = wp__park_of(addr);
        AcquireSRWLockExclusive(&b->lock);
        ReleaseSRWLockExclusive(&b->lock);
        WakeAllConditionVariable(&b->cv);
    }
}

/* A counting semaphore in one word (Go's runtime_Semacquire/Semrelease). */
static void wp__sema_acquire(volatile LONG *s) {
    for (;;) {
        LONG v = *s, zero = 0;
        if (v > 0) {
            if (InterlockedCompareExchange(s, v - 1, v) == v) return;
            continue;
        }
        wp__wait_on(s, &zero, sizeof zero, INFINITE);
    }
}

static void wp__sema_release(volatile LONG *s) {
    InterlockedIncrement(s);
    wp__wake(s, 0);
}

/* The FD mutex, Go's fdMutex in one 64-bit word:
   bit 0 closed, bit 1 read lock, bit 2 write lock, bits 3-22 references,
   bits 23-42 threads waiting for the read lock, bits 43-62 for the write lock.
   Every change is one compare-exchange; overflow is an error, never a wrap. */
#define WINPOLL__MU_CLOSED    0x1ull
#define WINPOLL__MU_RLOCK     0x2ull
#define WINPOLL__MU_WLOCK     0x4ull
#define WINPOLL__MU_REF       (1ull << 3)
#define WINPOLL__MU_REF_MASK  (0xFFFFFull << 3)
#define WINPOLL__MU_RWAIT     (1ull << 23)
#define WINPOLL__MU_RWAIT_MASK (0xFFFFFull << 23)
#define WINPOLL__MU_WWAIT     (1ull << 43)
#define WINPOLL__MU_WWAIT_MASK (0xFFFFFull << 43)

typedef char wp__mu_is_aligned[(offsetof(wp_fd, mu) % 8 == 0) ? 1 : -1];

static unsigned long long wp__mu_load(wp_fd *fd) {
#if defined(_WIN64)
    return (unsigned long long)fd->mu;
#else
    return (unsigned long long)InterlockedCompareExchange64(&fd->mu, 0, 0); /* no torn read */
#endif
}

static int wp__mu_cas(wp_fd *fd, unsigned long long old, unsigned long long new_state) {
    return InterlockedCompareExchange64(&fd->mu, (LONG64)new_state, (LONG64)old) == (LONG64)old;
}

static int wp__fd_is_socket(const wp_fd *fd) {
    return fd->kind >= WINPOLL_KIND_STREAM_SOCKET && fd->kind <= WINPOLL_KIND_OTHER_SOCKET;
}

static int wp__closing_error(const wp_fd *fd) {
    return wp__fd_is_socket(fd) ? -WINPOLL_ERR_NET_CLOSING : -WINPOLL_ERR_FILE_CLOSING;
}

/* Closes the handle; the last touch of fd, so that wp_fd_close may return
   and its caller free the struct. */
static void wp__fd_destroy(wp_fd *fd) {
    if (wp__fd_is_socket(fd))
        fd->close_result = closesocket((SOCKET)fd->handle) == 0 ? 0 : wp__wsa_error();
    else
        fd->close_result = CloseHandle(fd->handle) ? 0 : wp__last_error();
    fd->handle = INVALID_HANDLE_VALUE;
#if WINPOLL__BLOCKING
    if (fd->rop.m.event != NULL) CloseHandle((HANDLE)fd->rop.m.event);
    if (fd->wop.m.event != NULL) CloseHandle((HANDLE)fd->wop.m.event);
    fd->rop.m.event = fd->wop.m.event = NULL;
#endif
    if (fd->kind == WINPOLL_KIND_CONSOLE) {
        WINPOLL__FREE(fd->k.console.in, NULL);
        WINPOLL__FREE(fd->k.console.out, NULL);
        fd->k.console.in = fd->k.console.out = NULL;
    }
    wp__sema_release(&fd->csema);
}

/* A lock waiter on a port serves the loop meanwhile (see leader). */
static void wp__fd_lock_wait(wp_fd *fd, volatile LONG *sema);
static void wp__fd_lock_passed(wp_fd *fd);

/* Takes a reference. 0, or the closing error, or too many references. */
static int wp__fdmu_incref(wp_fd *fd) {
    if (fd == NULL) return -ERROR_INVALID_PARAMETER;
    for (;;) {
        unsigned long long old = wp__mu_load(fd), n;
        if (old & WINPOLL__MU_CLOSED) return wp__closing_error(fd);
        n = old + WINPOLL__MU_REF;
        if ((n & WINPOLL__MU_REF_MASK) == 0) return -WINPOLL_ERR_TOO_MANY_REFS;
        if (wp__mu_cas(fd, old, n)) return 0;
    }
}

/* Marks the FD closed and takes a reference; the threads waiting for a
   lock are woken and will find it closed. 0, or the closing error when it
   was closed already. */
static int wp__fdmu_incref_and_close(wp_fd *fd) {
    unsigned long long old, n;
    for (;;) {
        old = wp__mu_load(fd);
        if (old & WINPOLL__MU_CLOSED) return wp__closing_error(fd);
        n = (old | WINPOLL__MU_CLOSED) + WINPOLL__MU_REF;
        if ((n & WINPOLL__MU_REF_MASK) == 0) return -WINPOLL_ERR_TOO_MANY_REFS;
        n &= ~(WINPOLL__MU_RWAIT_MASK | WINPOLL__MU_WWAIT_MASK);
        if (wp__mu_cas(fd, old, n)) break;
    }
    if (old & (WINPOLL__MU_RWAIT_MASK | WINPOLL__MU_WWAIT_MASK)) {
        for (; old & WINPOLL__MU_RWAIT_MASK; old -= WINPOLL__MU_RWAIT) wp__sema_release(&fd->rsema);
        for (; old & WINPOLL__MU_WWAIT_MASK; old -= WINPOLL__MU_WWAIT) wp__sema_release(&fd->wsema);
        wp__fd_lock_passed(fd);
    }
    return 0;
}

/* After close, every change of the word may be the one wp_fd_close waits for. */
static void wp__fdmu_changed(wp_fd *fd, unsigned long long n) {
    if (n & WINPOLL__MU_CLOSED) wp__wake(&fd->mu, 1);
}

/* Drops a reference. Returns 1 when it was the last one of a closed FD:
   the caller must then destroy it. */
static int wp__fdmu_decref(wp_fd *fd) {
    for (;;) {
        unsigned long long old = wp__mu_load(fd), n;
        WINPOLL_ASSERT((old & WINPOLL__MU_REF_MASK) != 0);
        n = old - WINPOLL__MU_REF;
        if (wp__mu_cas(fd, old, n)) {
            wp__fdmu_changed(fd, n);
            return (n & (WINPOLL__MU_CLOSED | WINPOLL__MU_REF_MASK)) == WINPOLL__MU_CLOSED;
        }
    }
}

/* wp__fdmu_rwlock's general case: the lock is held, the FD closed, or
   another thread changed the word first. Unlike Go's, a thread that waits
   holds a reference while it waits: in C nothing else keeps the struct
   alive, and this way wp_fd_close waits until every woken waiter has left
   it. */
static int wp__fdmu_rwlock_wait(wp_fd *fd, int read) {
    const unsigned long long bit = read ? WINPOLL__MU_RLOCK : WINPOLL__MU_WLOCK;
    const unsigned long long wait = read ? WINPOLL__MU_RWAIT : WINPOLL__MU_WWAIT;
    const unsigned long long mask = read ? WINPOLL__MU_RWAIT_MASK : WINPOLL__MU_WWAIT_MASK;
    volatile LONG *sema;
    unsigned long long ref = WINPOLL__MU_REF; /* 0 once we hold one */
    if (fd == NULL) return -ERROR_INVALID_PARAMETER;
    sema = read ? &fd->rsema : &fd->wsema;
    for (;;) {
        unsigned long long old = wp__mu_load(fd), n;
        int err = 0;
        if (old & WINPOLL__MU_CLOSED) err = wp__closing_error(fd); /* read fd before leaving it */
        else if ((old & bit) == 0) n = (old | bit) + ref;
        else if (((n = old + wait + ref) & mask) == 0) err = -WINPOLL_ERR_TOO_MANY_REFS;
        if (err == 0 && (n & WINPOLL__MU_REF_MASK) == 0) err = -WINPOLL_ERR_TOO_MANY_REFS;
        if (err != 0) {
            if (ref == 0 && wp__fdmu_decref(fd)) wp__fd_destroy(fd); /* the reference we waited with */
            return err;
        }
        if (wp__mu_cas(fd, old, n)) {
            if ((old & bit) == 0) return 0;
            ref = 0;
            wp__fd_lock_wait(fd, sema); /* the unlock or the close that wakes us took our wait count */
        }
    }
}

/* Takes the read or the write lock, and a reference, only when the lock is
   free: 0, -ERROR_BUSY, or the closing error. */
static int wp__fdmu_tryrwlock(wp_fd *fd, int read) {
    const unsigned long long bit = read ? WINPOLL__MU_RLOCK : WINPOLL__MU_WLOCK;
    if (fd == NULL) return -ERROR_INVALID_PARAMETER;
    for (;;) {
        unsigned long long old = wp__mu_load(fd), n;
        if (old & WINPOLL__MU_CLOSED) return wp__closing_error(fd);
        if (old & bit) return -ERROR_BUSY;
        n = (old | bit) + WINPOLL__MU_REF;
        if ((n & WINPOLL__MU_REF_MASK) == 0) return -WINPOLL_ERR_TOO_MANY_REFS;
        if (wp__mu_cas(fd, old, n)) return 0;
    }
}

/* Takes the read lock (read = 1) or the write lock, and a reference: the
   try above when the lock is free (one compare-exchange, small enough to be
   inlined into every operation), else the general case. */
static int wp__fdmu_rwlock(wp_fd *fd, int read) {
    int r = wp__fdmu_tryrwlock(fd, read);
    return r == -ERROR_BUSY ? wp__fdmu_rwlock_wait(fd, read) : r;
}

/* wp__fdmu_rwunlock's general case: wakes one waiter. The reference is
   dropped after the wake, so that the FD (and its loop) outlive it. */
static int wp__fdmu_rwunlock_wake(wp_fd *fd, int read) {
    const unsigned long long bit = read ? WINPOLL__MU_RLOCK : WINPOLL__MU_WLOCK;
    const unsigned long long wait = read ? WINPOLL__MU_RWAIT : WINPOLL__MU_WWAIT;
    const unsigned long long mask = read ? WINPOLL__MU_RWAIT_MASK : WINPOLL__MU_WWAIT_MASK;
    for (;;) {
        unsigned long long old = wp__mu_load(fd), n;
        WINPOLL_ASSERT((old & bit) != 0 && (old & WINPOLL__MU_REF_MASK) != 0);
        n = old & ~bit;
        if (old & mask) n -= wait;
        if (wp__mu_cas(fd, old, n)) {
            if (old & mask) {
                wp__sema_release(read ? &fd->rsema : &fd->wsema);
                wp__fd_lock_passed(fd);
            }
            return wp__fdmu_decref(fd);
        }
    }
}

/* Drops the lock and the reference: one compare-exchange when nobody waits
   and the FD is open, else the general case above. Returns 1 when it was
   the last reference of a closed FD. */
static int wp__fdmu_rwunlock(wp_fd *fd, int read) {
    const unsigned long long bit = read ? WINPOLL__MU_RLOCK : WINPOLL__MU_WLOCK;
    const unsigned long long mask = read ? WINPOLL__MU_RWAIT_MASK : WINPOLL__MU_WWAIT_MASK;
    unsigned long long old = wp__mu_load(fd);
    if ((old & (WINPOLL__MU_CLOSED | mask)) == 0 && (old & bit) != 0 && (old & WINPOLL__MU_REF_MASK) != 0 &&
        wp__mu_cas(fd, old, (old & ~bit) - WINPOLL__MU_REF))
        return 0;
    return wp__fdmu_rwunlock_wake(fd, read);
}

/* The ends of an operation: with the lock (0 none, 1 read, 2 write), and
   the error an interrupted call gets when the FD was closed under it. */
static void wp__fd_leave(wp_fd *fd, int lock) {
    int last = lock == 0 ? wp__fdmu_decref(fd) : wp__fdmu_rwunlock(fd, lock == 1);
    if (last) wp__fd_destroy(fd);
}

static long long wp__fd_result(wp_fd *fd, long long r) {
    if ((r == -ERROR_OPERATION_ABORTED || r == -WINPOLL__ERROR_HANDLES_CLOSED) && (wp__mu_load(fd) & WINPOLL__MU_CLOSED))
        return wp__closing_error(fd);
    return r;
}

/* >>timers ------------------------------------------------------------------ */

/* The timer heap: the deadlines of the operations pending on the port and
   the user's timers, in one binary min-heap of nodes that live in their
   owners (no allocation: arming never fails). The node at position k (the
   root is 1) is found by the bits of k below its highest, 0 left, 1 right,
   so an insert or a removal costs O(log n) and the nearest is the root.
   Everything here runs under loop->lock. */

/* The link that holds position k, and the node it hangs from. */
static wp__tnode **wp__heap_link(wp_loop *loop, size_t k, wp__tnode **parent) {
    wp__tnode **link = &loop->timers;
    size_t bit = 1;
    *parent = NULL;
    while (bit <= k >> 1) bit <<= 1;
    for (bit >>= 1; bit != 0; bit >>= 1) {
        *parent = *link;
        link = (k & bit) ? &(*link)->right : &(*link)->left;
    }
    return link;
}

/* Swaps c with its parent p. */
static void wp__heap_swap(wp_loop *loop, wp__tnode *p, wp__tnode *c) {
    wp__tnode *up = p->parent, *cl = c->left, *cr = c->right;
    if (p->left == c) {
        c->left = p;
        c->right = p->right;
        if (c->right != NULL) c->right->parent = c;
    } else {
        c->right = p;
        c->left = p->left;
        if (c->left != NULL) c->left->parent = c;
    }
    p->left = cl;
    p->right = cr;
    if (cl != NULL) cl->parent = p;
    if (cr != NULL) cr->parent = p;
    p->parent = c;
    c->parent = up;
    if (up == NULL) loop->timers = c;
    else if (up->left == p) up->left = c;
    else up->right = c;
}

/* Moves n up, then down, to where its time belongs. */
static void wp__heap_settle(wp_loop *loop, wp__tnode *n) {
    while (n->parent != NULL && n->when < n->parent->when) wp__heap_swap(loop, n->parent, n);
    for (;;) {
        wp__tnode *m = n->left;
        if (m == NULL) return;
        if (n->right != NULL && n->right->when < m->when) m = n->right;
        if (m->when >= n->when) return;
        wp__heap_swap(loop, n, m);
    }
}

static void wp__heap_insert(wp_loop *loop, wp__tnode *n) {
    wp__tnode *parent, **link = wp__heap_link(loop, ++loop->timer_count, &parent);
    n->parent = parent;
    n->left = n->right = NULL;
    *link = n;
    wp__heap_settle(loop, n);
}

static int wp__heap_has(const wp_loop *loop, const wp__tnode *n) { return n->parent != NULL || loop->timers == n; }

/* Takes n out: the last node takes its place. */
static void wp__heap_remove(wp_loop *loop, wp__tnode *n) {
    wp__tnode *parent, **link = wp__heap_link(loop, loop->timer_count--, &parent), *last = *link;
    *link = NULL;
    if (last != n) {
        last->parent = n->parent;
        last->left = n->left;
        last->right = n->right;
        if (last->left != NULL) last->left->parent = last;
        if (last->right != NULL) last->right->parent = last;
        if (n->parent == NULL) loop->timers = last;
        else if (n->parent->left == n) n->parent->left = last;
        else n->parent->right = last;
        wp__heap_settle(loop, last);
    }
    n->parent = n->left = n->right = NULL;
}

/* >>leader ------------------------------------------------------------------ */

/* One thread at a time leads the loop: it fires what is due on the timer
   heap (a deadline cancels its operation, a timer is queued), waits on the
   port no longer than the heap's nearest time, and hands each packet to its
   operation: it wakes the blocking thread, or finishes the async operation
   and queues it. Other threads sleep on their own word. Nothing the leader
   does per turn grows with the operations the loop holds. A thread that
   arms something sooner than the leader's wait posts a KEY_WAKE packet so
   that the leader looks again. */

#define WINPOLL__KEY_IO    ((ULONG_PTR)0x57504F4Cu) /* our operations' packets */
#define WINPOLL__KEY_WAKE  ((ULONG_PTR)0x57414B45u) /* "look again": deadlines moved, wp_loop_wake */
#define WINPOLL__KEY_TIMER ((ULONG_PTR)0x5754494Du) /* the high-resolution timer fired */
/* An OVERLAPPED whose operation is in flight: Internal is STATUS_PENDING
   (HasOverlappedIoCompleted's test, spelled out: winnt.h leaves
   STATUS_PENDING out under WIN32_NO_STATUS). */
#define WINPOLL__OV_PENDING(ov) (*(volatile ULONG_PTR *)&(ov)->Internal == (ULONG_PTR)0x103u) /* the kernel writes it */
#define WINPOLL__LEAD_OP   1 /* loop->leader: a blocking call (or close) polls the port */
#define WINPOLL__LEAD_POLL 2 /* loop->leader: wp_loop_poll does */
#define WINPOLL__LEAD_LOCK 3 /* loop->leader: a thread waiting for an FD's lock does */
/* op->signal of a blocking operation */
#define WINPOLL__OP_WAITING 0
#define WINPOLL__OP_DONE    1
#define WINPOLL__OP_LEAD    2
/* op->signal of an async one: the starting thread's hold on it */
#define WINPOLL__ASYNC_STARTING 0
#define WINPOLL__ASYNC_STARTED  1
#define WINPOLL__ASYNC_AWAITED  2
#define WINPOLL__NEVER 0x7FFFFFFFFFFFFFFFll

/* 64-bit words read and written whole on every architecture. */
static long long wp__load64(volatile LONG64 *p) {
#if defined(_WIN64)
    return *p;
#else
    return InterlockedCompareExchange64(p, 0, 0);
#endif
}

static void wp__store64(volatile LONG64 *p, long long v) {
    LONG64 old;
    do old = *p;
    while (InterlockedCompareExchange64(p, v, old) != old);
}

/* The FD's read (read = 1) or write operation, and that side's deadline. */
static wp_fd_op *wp__fd_op(wp_fd *fd, int read) { return read ? &fd->rop : &fd->wop; }
static long long wp__fd_deadline(wp_fd *fd, int read) { return wp__load64(read ? &fd->rdeadline : &fd->wdeadline); }

/* Wakes the threads sleeping in wp_loop_poll. */
static void wp__loop_kick(wp_loop *loop) {
    InterlockedIncrement(&loop->ready_seq); /* a full barrier before reading sleepers */
    if (loop->sleepers > 0) wp__wake(&loop->ready_seq, 1);
}

/* Under loop->lock, after `when` was put on the heap: wakes the leader
   when it would sleep past it. */
static void wp__loop_armed(wp_loop *loop, long long when) {
    if (loop->leader && when < loop->lead_until) {
        PostQueuedCompletionStatus(loop->port, 0, WINPOLL__KEY_WAKE, NULL);
        loop->lead_until = when; /* one packet, however many are armed later */
    }
}

/* The FD an operation belongs to. */
static wp_fd *wp__op_fd(wp_fd_op *op) {
    return (wp_fd *)(void *)((char *)op - (op->read ? offsetof(wp_fd, rop) : offsetof(wp_fd, wop)));
}

/* Under loop->lock: puts tracked op's deadline on the heap at its FD's
   value now, or takes it off (none, or fired already). */
static void wp__op_place(wp_loop *loop, wp_fd_op *op) {
    long long dl = op->timed_out ? 0 : wp__fd_deadline(wp__op_fd(op), op->read);
    if (wp__heap_has(loop, &op->deadline)) wp__heap_remove(loop, &op->deadline);
    if (dl == 0) return;
    op->deadline.when = dl;
    op->deadline.timer = 0;
    wp__heap_insert(loop, &op->deadline);
    wp__loop_armed(loop, dl);
}

/* Under loop->lock: op pends on the port (a blocking one also joins the
   waiters), and stops pending when its packet is taken. */
static void wp__op_track(wp_loop *loop, wp_fd_op *op) {
    if (op->async == NULL) {
        op->m.list.prev = NULL;
        op->m.list.next = loop->waiters;
        if (op->m.list.next != NULL) op->m.list.next->m.list.prev = op;
        loop->waiters = op;
    }
    op->tracked = 1;
    loop->in_flight++;
    wp__op_place(loop, op);
}

static void wp__op_untrack(wp_loop *loop, wp_fd_op *op) {
    if (op->async == NULL) {
        if (op->m.list.prev != NULL) op->m.list.prev->m.list.next = op->m.list.next;
        else loop->waiters = op->m.list.next;
        if (op->m.list.next != NULL) op->m.list.next->m.list.prev = op->m.list.prev;
    }
    op->tracked = 0;
    loop->in_flight--;
    if (wp__heap_has(loop, &op->deadline)) wp__heap_remove(loop, &op->deadline);
}

/* Under loop->lock: queues a finished operation for wp_loop_poll's next
   round (on top: a round hands out the newest first) or, with fifo,
   timers and posts, first to last linked by next, in their order. Ends
   the port wait of a wp_loop_poll that leads (once; its next turn
   publishes its wait again). */
static void wp__ready_queue(wp_loop *loop, wp_async *first, wp_async *last, int fifo) {
    if (!fifo) {
        last->next = loop->incoming;
        loop->incoming = first;
    } else {
        last->next = NULL;
        if (loop->queued != NULL) loop->queued_last->next = first;
        else loop->queued = first;
        loop->queued_last = last;
    }
    if (loop->leader == WINPOLL__LEAD_POLL && loop->lead_until > 0) {
        PostQueuedCompletionStatus(loop->port, 0, WINPOLL__KEY_WAKE, NULL);
        loop->lead_until = 0;
    }
}

/* Under loop->lock: fires what is due: a deadline cancels its operation
   (whose packet still comes), a timer is queued with result 0; timers that
   fire together are queued in the order of their times. Returns the
   nearest time left on the heap, or WINPOLL__NEVER; *queued is set when a
   timer was queued. */
static long long wp__heap_fire(wp_loop *loop, int *queued) {
    long long now = 0, next = WINPOLL__NEVER;
    wp_async *first = NULL, *last = NULL;
    while (loop->timers != NULL) {
        wp__tnode *t = loop->timers;
        if (now < t->when && (now = wp_monotonic_ns()) < t->when) {
            next = t->when;
            break;
        }
        wp__heap_remove(loop, t);
        if (t->timer) {
            wp_async *a = (wp_async *)(void *)((char *)t - offsetof(wp_async, u.timer));
            a->result = 0;
            if (last != NULL) last->next = a;
            else first = a;
            last = a;
        } else {
            wp_fd_op *op = (wp_fd_op *)(void *)((char *)t - offsetof(wp_fd_op, deadline));
            op->timed_out = 1;
            CancelIoEx(wp__op_fd(op)->handle, &op->ov);
        }
    }
    if (first != NULL) {
        wp__ready_queue(loop, first, last, 1);
        *queued = 1;
    }
    return next;
}

/* Fires what is due and returns when the caller's wait must end: the
   nearest time on the heap (then *timed is set), or limit. The leader
   publishes it as its wait (lead_until). *look: 1 when the port is to be
   served. */
static long long wp__loop_timers(wp_loop *loop, long long limit, int *look, int *timed) {
    int queued = 0;
    long long next;
    AcquireSRWLockExclusive(&loop->lock);
    next = wp__heap_fire(loop, &queued);
    *timed = next <= limit && next != WINPOLL__NEVER;
    if (next > limit) next = limit;
    if (loop->leader == WINPOLL__LEAD_POLL) {
        /* results wait, or a wake whose packet another leader took: only look */
        if (loop->round != NULL || loop->incoming != NULL || loop->queued != NULL || loop->woken) next = 0;
        /* A turn that only looks skips the port while the current round
           lasts (0: what the port holds joins the next round anyway) and
           while nothing is pending on it (2). */
        if (next == 0) *look = loop->round != NULL ? 0 : loop->in_flight > 0 ? 1 : 2;
    }
    if (loop->leader) loop->lead_until = next;
    ReleaseSRWLockExclusive(&loop->lock);
    if (queued) wp__loop_kick(loop);
    return next;
}

static void wp__async_completed(wp_async *a);

/* Waits on the port until `until` (wp_monotonic_ns; WINPOLL__NEVER: no
   limit; 0: do not wait) and hands out one batch of packets. A timed wait
   (a deadline's or a timer's) without the high-resolution timer would end
   up to a clock tick late: it sleeps whole milliseconds until one or two
   before the time, then looks at the port until the time has come. */
static void wp__port_wait(wp_loop *loop, long long until, int timed) {
    OVERLAPPED_ENTRY e[64];
    ULONG n = 0, i;
    DWORD ms = INFINITE;
    int armed = 0;
    BOOL ok;
    if (until == 0) {
        ms = 0;
    } else if (until != WINPOLL__NEVER) {
        long long left = until - wp_monotonic_ns();
        if (timed && loop->timer_packet == NULL) left -= 1000000;
        if (left <= 0) {
            ms = 0;
        } else if (timed && loop->timer_packet == NULL) {
            ms = (DWORD)(left / 1000000 > 0x7FFFFFFE ? 0x7FFFFFFE : left / 1000000);
        } else {
            long long m = (left + 999999) / 1000000; /* rounded up: never early */
            ms = m > 0x7FFFFFFE ? 0x7FFFFFFE : (DWORD)m;
            if (loop->timer_packet != NULL) {
                LARGE_INTEGER due;
                due.QuadPart = -((left + 99) / 100); /* relative, in 100 ns */
                armed = SetWaitableTimer(loop->timer, &due, 0, NULL, NULL, FALSE) &&
                        wp__imports.NtAssociateWaitCompletionPacket(loop->timer_packet, loop->port, loop->timer,
                                                                   (PVOID)WINPOLL__KEY_TIMER, NULL, 0, 0, NULL) >= 0;
            }
        }
    }
    ok = GetQueuedCompletionStatusEx(loop->port, e, 64, &n, ms, FALSE);
    wp__store64(&loop->lead_until, 0); /* not waiting: what is queued now is seen before the next wait */
    if (armed) wp__imports.NtCancelWaitCompletionPacket(loop->timer_packet, TRUE); /* and its packet, if queued */
    if (!ok) return; /* timeout: n means nothing */
    for (i = 0; i < n; i++) {
        wp_fd_op *op;
        if (e[i].lpCompletionKey != WINPOLL__KEY_IO || e[i].lpOverlapped == NULL) continue; /* wakes, timer, strangers */
        op = (wp_fd_op *)(void *)((char *)e[i].lpOverlapped - offsetof(wp_fd_op, ov));
        if (op->async != NULL) {
            wp__async_completed(op->async);
        } else {
            /* done and untracked together, so that the waiters hold no done one */
            AcquireSRWLockExclusive(&loop->lock);
            if (op->tracked) wp__op_untrack(loop, op);
            InterlockedExchange(&op->signal, WINPOLL__OP_DONE);
            ReleaseSRWLockExclusive(&loop->lock);
            wp__wake(&op->signal, 1);
        }
    }
}

/* One turn of the leader: fire what is due, then wait on the port until
   the nearest time or limit (0: only take what is there). Returns 1 when
   the port was served, 0 when a wp_loop_poll turn left it for later (see
   wp__loop_timers), which the caller's next round must not begin before. */
static int wp__lead_turn(wp_loop *loop, long long limit) {
    int look = 1, timed = 0;
    long long until = wp__loop_timers(loop, limit, &look, &timed);
    if (look == 1) wp__port_wait(loop, until, timed);
    return look != 0;
}

/* who: WINPOLL__LEAD_OP, _POLL or _LOCK. */
static int wp__lead_take(wp_loop *loop, LONG who) { return InterlockedCompareExchange(&loop->leader, who, 0) == 0; }

/* Gives the lead up: to the newest blocking thread that still waits (the
   waiters hold none whose packet was taken), else to a thread sleeping on
   ready_seq (in wp_loop_poll, or waiting for a lock). */
static void wp__lead_release(wp_loop *loop) {
    wp_fd_op *w;
    AcquireSRWLockExclusive(&loop->lock);
    InterlockedExchange(&loop->leader, 0);
    w = loop->waiters;
    if (w != NULL && InterlockedCompareExchange(&w->signal, WINPOLL__OP_LEAD, WINPOLL__OP_WAITING) ==
                         WINPOLL__OP_WAITING)
        wp__wake(&w->signal, 1); /* else it was offered the lead already and is awake */
    ReleaseSRWLockExclusive(&loop->lock);
    /* Always a new ready_seq, even with no sleeper counted: a poller that
       failed to take the lead may not have counted itself yet, and it
       sleeps only while ready_seq is what it read before trying. */
    if (w == NULL) wp__loop_kick(loop);
}

/* Waits until the kernel has finished with op (its packet was taken from
   the port): as the leader, or asleep on op's word until the leader hands
   it the packet or the lead. */
static void wp__op_wait(wp_fd *fd, wp_fd_op *op) {
    wp_loop *loop = fd->loop;
    int leading = 0;
    AcquireSRWLockExclusive(&loop->lock);
    if (op->signal != WINPOLL__OP_DONE) wp__op_track(loop, op); /* else a leader took its packet already */
    ReleaseSRWLockExclusive(&loop->lock);
    for (;;) {
        LONG sig = op->signal;
        if (sig == WINPOLL__OP_DONE) break;
        if (sig == WINPOLL__OP_LEAD) { /* the lead was offered: try to take it */
            InterlockedCompareExchange(&op->signal, WINPOLL__OP_WAITING, WINPOLL__OP_LEAD);
            continue;
        }
        if (!leading) leading = wp__lead_take(loop, WINPOLL__LEAD_OP);
        if (leading) {
            wp__lead_turn(loop, WINPOLL__NEVER);
        } else {
            LONG waiting = WINPOLL__OP_WAITING;
            wp__wait_on(&op->signal, &waiting, sizeof waiting, INFINITE);
        }
    }
    if (leading) wp__lead_release(loop);
}

/* wp_fd_close's wait for the FD's other users, on a port: the closing
   thread takes its turn at leading, since the operations it waits for end
   only when their packets are taken (all the more when it is the only
   thread that polls, with async operations in flight). */
static void wp__fd_close_wait(wp_fd *fd, unsigned long long st) {
    wp_loop *loop = fd->loop;
    if (loop != NULL && loop->port != NULL && wp__lead_take(loop, WINPOLL__LEAD_OP)) {
        wp__lead_turn(loop, wp_monotonic_ns() + 20000000);
        wp__lead_release(loop);
    } else {
        wp__wait_on(&fd->mu, &st, sizeof st, 20);
    }
}

/* A wait for an FD's read or write lock. On a port the holder may be an
   async operation, which ends only when some thread takes its packet: so
   the waiter leads the port while nobody else does, else sleeps on
   ready_seq, which every release of the lead and every hand-over of the
   lock (wp__fd_lock_passed) changes. One thread can then not deadlock
   itself by a blocking call behind its own async one. */
static void wp__fd_lock_wait(wp_fd *fd, volatile LONG *sema) {
    wp_loop *loop = fd->loop; /* set before any operation: the waiter's reference keeps it */
    if (loop == NULL || loop->port == NULL) {
        wp__sema_acquire(sema);
        return;
    }
    for (;;) {
        LONG v = *sema, seq = loop->ready_seq;
        if (v > 0) {
            if (InterlockedCompareExchange(sema, v - 1, v) == v) return;
            continue;
        }
        if (wp__lead_take(loop, WINPOLL__LEAD_LOCK)) { /* a full barrier before the look at sema */
            if (*sema == 0) wp__lead_turn(loop, WINPOLL__NEVER);
            wp__lead_release(loop);
        } else {
            InterlockedIncrement(&loop->sleepers);
            if (*sema == 0) wp__wait_on(&loop->ready_seq, &seq, sizeof seq, INFINITE);
            InterlockedDecrement(&loop->sleepers);
        }
    }
}

/* The lock was handed to a waiter (or the FD closed under waiters): wakes
   them where wp__fd_lock_wait sleeps. The caller holds a reference. */
static void wp__fd_lock_passed(wp_fd *fd) {
    wp_loop *loop = fd->loop;
    if (loop == NULL || loop->port == NULL) return;
    wp__loop_kick(loop); /* a full barrier before the look at the leader */
    if (loop->leader == WINPOLL__LEAD_LOCK) PostQueuedCompletionStatus(loop->port, 0, WINPOLL__KEY_WAKE, NULL);
}

/* >>execio ------------------------------------------------------------------ */

/* Go's execIO, in parts. A submit function starts the overlapped call on
   op (ctx says which) and returns 0 when it succeeded at once (the bytes
   in *got), else its error (WSA_IO_PENDING when it pends). */
typedef int (*wp__submit_fn)(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got);

/* Starts op. Returns 1 when it is over with no packet to come (*r holds
   the result: a synchronous success in skip mode, a truncated datagram, or
   an error), 0 when a packet will come. */
static int wp__op_start(wp_fd *fd, wp_fd_op *op, wp__submit_fn submit, void *ctx, long long *r) {
    DWORD got = 0;
    int err;
    memset(&op->ov, 0, sizeof op->ov);
    op->signal = 0;
    op->timed_out = 0;
    op->tracked = 0;
    err = submit(fd, op, ctx, &got);
    if (fd->skip_on_success && (err == 0 || err == WSAEMSGSIZE || err == ERROR_MORE_DATA)) {
        /* finished, and no packet comes */
        InterlockedIncrement(&fd->loop->sync_completions);
        *r = err == 0 ? (long long)got : -(long long)err;
        return 1;
    }
    /* Without skip mode a synchronous success, or a truncated datagram,
       still queues a packet (Go waits for it too): wait for it before the
       OVERLAPPED may be used again. */
    if (err != 0 && err != WSA_IO_PENDING && err != WSAEMSGSIZE && err != ERROR_MORE_DATA) {
        *r = wp__fd_result(fd, -(long long)err);
        return 1;
    }
    return 0;
}

/* The result of op, whose packet has been taken: the bytes, even if a
   cancel came too late or cut it short; the deadline error when its
   deadline cancelled it before any byte moved; the closing error when
   close did. */
static long long wp__op_result(wp_fd *fd, wp_fd_op *op) {
    DWORD got = 0, flags = 0;
    int err;
    if (wp__fd_is_socket(fd) ? WSAGetOverlappedResult((SOCKET)fd->handle, &op->ov, &got, FALSE, &flags)
                             : GetOverlappedResult(fd->handle, &op->ov, &got, FALSE))
        return (long long)got;
    err = wp__fd_is_socket(fd) ? WSAGetLastError() : (int)GetLastError();
    if (err == WSA_OPERATION_ABORTED || err == WINPOLL__ERROR_HANDLES_CLOSED) {
        /* Cut short by a deadline or a close after some bytes had moved (a
           large send): those bytes count, and the error shows at the next
           call. Reporting none would lose them for the caller. */
        if (op->ov.InternalHigh > 0) return (long long)op->ov.InternalHigh;
        if (op->timed_out && !(wp__mu_load(fd) & WINPOLL__MU_CLOSED)) return -WINPOLL_ERR_DEADLINE;
    }
    return wp__fd_result(fd, -(long long)err);
}

/* 1 when op's I/O has ended. OVERLAPPED.Internal is the I/O manager's for
   pipes and for sockets of IFS providers only (the rule of wp_fd_attach);
   another provider is asked through WSAGetOverlappedResult. */
static int wp__op_ended(wp_fd *fd, wp_fd_op *op) {
    DWORD got = 0, flags = 0;
    if (!wp__fd_is_socket(fd) || wp__imports.skip_on_success) return !WINPOLL__OV_PENDING(&op->ov);
    return WSAGetOverlappedResult((SOCKET)fd->handle, &op->ov, &got, FALSE, &flags) ||
           WSAGetLastError() != WSA_IO_INCOMPLETE;
}

/* Blocking mode: the operation is waited for on its own event (made at
   its first use, closed with the FD), bounded by its deadline. Moving the
   deadline signals the event, so the thread looks again; when it passes,
   CancelIoEx ends this operation alone. */
static long long wp__exec_evented(wp_fd *fd, wp_fd_op *op, wp__submit_fn submit, void *ctx) {
    DWORD got = 0;
    int err;
    if (op->m.event == NULL) {
        HANDLE e = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (e == NULL) return wp__last_error();
        InterlockedExchangePointer((void *volatile *)&op->m.event, e); /* before the deadline is read */
    }
    memset(&op->ov, 0, sizeof op->ov);
    op->ov.hEvent = (HANDLE)op->m.event;
    op->timed_out = 0;
    op->async = NULL;
    err = submit(fd, op, ctx, &got); /* the I/O manager resets the event as it starts the call */
    if (err == 0) return (long long)got; /* no port: nothing more comes */
    if (err != WSA_IO_PENDING) return wp__fd_result(fd, -(long long)err);
    for (;;) {
        DWORD ms = INFINITE;
        long long dl;
        if (wp__op_ended(fd, op)) break;
        dl = wp__fd_deadline(fd, op->read);
        if (dl != 0 && !op->timed_out) {
            long long now = wp_monotonic_ns();
            if (now >= dl) {
                op->timed_out = 1;
                CancelIoEx(fd->handle, &op->ov); /* then wait for it to end */
                continue;
            }
            dl = (dl - now + 999999) / 1000000; /* round up: never early */
            ms = dl > 0x7FFFFFFE ? 0x7FFFFFFE : (DWORD)dl;
        }
        WaitForSingleObject(op->ov.hEvent, ms);
        if (wp__op_ended(fd, op)) break;
        ResetEvent(op->ov.hEvent); /* a wake or a timeout: look again (a completion after this sets it again) */
    }
    return wp__op_result(fd, op);
}

/* The blocking face: submit, then wait for the packet. */
static long long wp__exec(wp_fd *fd, int read, wp__submit_fn submit, void *ctx) {
    wp_fd_op *op = wp__fd_op(fd, read);
    long long r, dl = wp__fd_deadline(fd, read);
    if (dl != 0 && wp_monotonic_ns() >= dl) return -WINPOLL_ERR_DEADLINE;
    if (fd->loop->port == NULL) return wp__exec_evented(fd, op, submit, ctx);
    op->async = NULL;
    if (wp__op_start(fd, op, submit, ctx, &r)) return r;
    wp__op_wait(fd, op);
    return wp__op_result(fd, op);
}

typedef struct wp__rw_ctx {
    WSABUF buf;
} wp__rw_ctx;

static int wp__submit_recv(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got) {
    DWORD flags = 0;
    return WSARecv((SOCKET)fd->handle, &((wp__rw_ctx *)ctx)->buf, 1, got, &flags, &op->ov, NULL) == 0
               ? 0 : WSAGetLastError();
}

static int wp__submit_send(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got) {
    return WSASend((SOCKET)fd->handle, &((wp__rw_ctx *)ctx)->buf, 1, got, 0, &op->ov, NULL) == 0
               ? 0 : WSAGetLastError();
}

static int wp__submit_readfile(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got) {
    wp__rw_ctx *c = (wp__rw_ctx *)ctx;
    return ReadFile(fd->handle, c->buf.buf, c->buf.len, got, &op->ov) ? 0 : (int)GetLastError();
}

static int wp__submit_writefile(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got) {
    wp__rw_ctx *c = (wp__rw_ctx *)ctx;
    return WriteFile(fd->handle, c->buf.buf, c->buf.len, got, &op->ov) ? 0 : (int)GetLastError();
}

/* A pipe read's result as Go's: a closed writer is end of file, and the
   first len bytes of a longer message are a read. */
static long long wp__pipe_read_result(long long r, DWORD len) {
    if (r == -ERROR_BROKEN_PIPE) return 0;
    if (r == -ERROR_MORE_DATA) return (long long)len;
    return r;
}

/* A read or write of at most n bytes on an attached FD: WSARecv/WSASend on
   sockets, ReadFile/WriteFile on pipes (where a closed writer is end of
   file and the first n bytes of a longer message are a read). */
static long long wp__exec_rw(wp_fd *fd, int read, void *buf, size_t n) {
    wp__rw_ctx c;
    long long r;
    if (buf == NULL && n > 0) return -ERROR_INVALID_PARAMETER;
    c.buf.buf = (char *)buf;
    c.buf.len = wp__rw_len(n);
    if (wp__fd_is_socket(fd)) return wp__exec(fd, read, read ? wp__submit_recv : wp__submit_send, &c);
    r = wp__exec(fd, read, read ? wp__submit_readfile : wp__submit_writefile, &c);
    return read ? wp__pipe_read_result(r, c.buf.len) : r;
}

/* >>ops --------------------------------------------------------------------- */

/* The FD's life and operations. Reads and writes of a socket or pipe on a
   loop go through execIO (above); files, consoles and FDs on no loop make
   the plain calls. */

WINPOLL_API int wp_handle_kind(HANDLE h) {
    DWORD type, mode;
    if (h == NULL || h == INVALID_HANDLE_VALUE) return -ERROR_INVALID_HANDLE;
    type = GetFileType(h);
    if (type == FILE_TYPE_UNKNOWN && GetLastError() != NO_ERROR) return wp__last_error();
    if (type == FILE_TYPE_DISK) {
        BY_HANDLE_FILE_INFORMATION bh;
        if (GetFileInformationByHandle(h, &bh) && (bh.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
            return WINPOLL_KIND_DIR;
        return WINPOLL_KIND_FILE;
    }
    if (type == FILE_TYPE_CHAR) return GetConsoleMode(h, &mode) ? WINPOLL_KIND_CONSOLE : WINPOLL_KIND_FILE;
    if (type == FILE_TYPE_PIPE) {
        int so = 0;
        if (wp_init() == 0 && wp_getsockopt_int((SOCKET)h, SOL_SOCKET, SO_TYPE, &so) == 0) {
            if (so == SOCK_STREAM) return WINPOLL_KIND_STREAM_SOCKET;
            if (so == SOCK_DGRAM) return WINPOLL_KIND_DGRAM_SOCKET;
            return WINPOLL_KIND_OTHER_SOCKET;
        }
        return WINPOLL_KIND_PIPE;
    }
    return WINPOLL_KIND_FILE;
}

WINPOLL_API int wp_fd_init(wp_fd *fd, HANDLE h, int kind) {
    if (fd == NULL || kind < 0 || kind > WINPOLL_KIND_OTHER_SOCKET) return -ERROR_INVALID_PARAMETER;
    if (h == NULL || h == INVALID_HANDLE_VALUE) return -ERROR_INVALID_HANDLE;
    if (kind == 0) {
        kind = wp_handle_kind(h);
        if (kind < 0) return kind;
    }
    memset(fd, 0, sizeof *fd);
    fd->kind = kind;
    fd->handle = h;
    fd->rop.read = 1;
    wp__wait_on_address(); /* before the FD can wait: in a plain context, not a first wait's */
    if (kind != WINPOLL_KIND_CONSOLE) InitializeSRWLock(&fd->k.pos_lock);
    return 0;
}

WINPOLL_API int wp_fd_close(wp_fd *fd) {
    int r;
    if (fd == NULL) return -ERROR_INVALID_PARAMETER;
    r = wp__fdmu_incref_and_close(fd);
    if (r < 0) return r;
    if (fd->kind == WINPOLL_KIND_PIPE || wp__fd_is_socket(fd)) {
        /* Evict: a reader or writer blocked in a synchronous call on the pipe
           or socket (CancelIoEx ends a blocking recv too).
           One that has its lock but has not yet entered ReadFile would miss a
           single cancel, so cancel again until only our reference is left.
           Our reference keeps the handle open meanwhile. */
        for (;;) {
            unsigned long long st = wp__mu_load(fd);
            if ((st & WINPOLL__MU_REF_MASK) == WINPOLL__MU_REF) break;
            CancelIoEx(fd->handle, NULL);
            wp__fd_close_wait(fd, st);
        }
    }
    if (wp__fdmu_decref(fd)) wp__fd_destroy(fd);
    wp__sema_acquire(&fd->csema); /* until the last user has closed the handle */
    return fd->close_result;
}

WINPOLL_API int wp_fd_is_stream(const wp_fd *fd) {
    return fd != NULL && fd->kind != WINPOLL_KIND_DGRAM_SOCKET && fd->kind != WINPOLL_KIND_OTHER_SOCKET;
}

WINPOLL_API int wp_fd_zero_read_is_eof(const wp_fd *fd) { return wp_fd_is_stream(fd); }

/* Attached to a loop: the socket's or pipe's I/O runs as overlapped
   operations, waited for on the loop's port (in blocking mode, on the
   operation's event). */
static int wp__fd_attached(const wp_fd *fd) { return fd->loop != NULL; }

/* A console FD's buffers, allocated at its first read or write. */
#define WINPOLL__CONSOLE_READ_UNITS 10000  /* ReadConsoleW fails somewhat above 16384 */
#define WINPOLL__CONSOLE_WRITE_UNITS 16000
typedef struct wp__console_in {
    wp_utf16_stream dec; /* a high surrogate between two ReadConsoleW calls */
    size_t len, off;     /* decoded bytes, and how many were taken */
    WCHAR units[WINPOLL__CONSOLE_READ_UNITS];
    char bytes[3 * WINPOLL__CONSOLE_READ_UNITS + 4];
} wp__console_in;
typedef struct wp__console_out {
    wp_utf8_stream enc; /* a UTF-8 sequence cut at the end of a write */
    WCHAR units[WINPOLL__CONSOLE_WRITE_UNITS];
} wp__console_out;

static long long wp__console_read(wp_fd *fd, void *buf, size_t n) {
    wp__console_in *c = (wp__console_in *)fd->k.console.in;
    unsigned char *b = (unsigned char *)buf;
    size_t i;
    if (n == 0) return 0;
    if (buf == NULL) return -ERROR_INVALID_PARAMETER;
    if (c == NULL) {
        c = (wp__console_in *)WINPOLL__MALLOC(sizeof *c, NULL);
        if (c == NULL) return -ERROR_NOT_ENOUGH_MEMORY;
        c->dec.high = 0;
        c->len = c->off = 0;
        fd->k.console.in = c;
    }
    while (c->off >= c->len) {
        /* never more units than n bytes can hold: each unit is a byte or more */
        DWORD want = n < WINPOLL__CONSOLE_READ_UNITS ? (DWORD)n : WINPOLL__CONSOLE_READ_UNITS, got = 0;
        SetLastError(0);
        if (!ReadConsoleW(fd->handle, c->units, want, &got, NULL)) return wp__fd_result(fd, wp__last_error());
        if (got == 0 && GetLastError() == ERROR_OPERATION_ABORTED) continue; /* Ctrl-C: read again */
        c->len = (size_t)wp_utf16_stream_to_utf8(&c->dec, c->units, got, got == 0, c->bytes, sizeof c->bytes);
        c->off = 0;
        if (got == 0) break;
    }
    for (i = 0; c->off + i < c->len && i < n; i++) {
        unsigned char x = (unsigned char)c->bytes[c->off + i];
        if (x == 0x1A) { /* Ctrl-Z: end of input at the start, else the end of this read */
            if (i == 0) c->off++;
            break;
        }
        b[i] = x;
    }
    c->off += i;
    return (long long)i;
}

static long long wp__console_write(wp_fd *fd, const void *buf, size_t n) {
    wp__console_out *c = (wp__console_out *)fd->k.console.out;
    const char *p = (const char *)buf;
    size_t done = 0;
    if (buf == NULL && n > 0) return -ERROR_INVALID_PARAMETER;
    if (c == NULL) {
        c = (wp__console_out *)WINPOLL__MALLOC(sizeof *c, NULL);
        if (c == NULL) return -ERROR_NOT_ENOUGH_MEMORY;
        c->enc.n = 0;
        fd->k.console.out = c;
    }
    while (done < n) {
        /* with the carry (3 bytes at most) this fills at most 16,000 units,
           and the decoder never ends them between a surrogate pair */
        size_t take = n - done > WINPOLL__CONSOLE_WRITE_UNITS - 3 ? WINPOLL__CONSOLE_WRITE_UNITS - 3 : n - done;
        long long m = wp_utf8_stream_to_utf16(&c->enc, p + done, take, 0, c->units, WINPOLL__CONSOLE_WRITE_UNITS);
        const WCHAR *u = c->units;
        done += take;
        while (m > 0) {
            DWORD put = 0;
            if (!WriteConsoleW(fd->handle, u, (DWORD)m, &put, NULL)) return wp__fd_result(fd, wp__last_error());
            if (put == 0) return -ERROR_WRITE_FAULT; /* the console took nothing: no endless loop */
            u += put;
            m -= put;
        }
    }
    return (long long)n;
}

/* wp_fd_read under the read lock. */
static long long wp__fd_read_locked(wp_fd *fd, void *buf, size_t n) {
    if (fd->kind == WINPOLL_KIND_CONSOLE) return wp__console_read(fd, buf, n);
    if (wp__fd_attached(fd)) return wp__exec_rw(fd, 1, buf, n);
    if (wp__fd_is_socket(fd)) return wp__fd_result(fd, wp_recvfrom((SOCKET)fd->handle, buf, n, 0, NULL));
    return wp__fd_result(fd, wp_read(fd->handle, buf, n));
}

WINPOLL_API long long wp_fd_read(wp_fd *fd, void *buf, size_t n) {
    long long r = wp__fdmu_rwlock(fd, 1);
    if (r < 0) return r;
    r = wp__fd_read_locked(fd, buf, n);
    wp__fd_leave(fd, 1);
    return r;
}

/* Writes all of buf: at offset when offset >= 0 (an OVERLAPPED position on
   a synchronous handle), else at the file position. */
static long long wp__fd_write_all(wp_fd *fd, const void *buf, size_t n, long long offset) {
    static const char nothing[1] = {0};
    size_t done = 0;
    if (buf == NULL) {
        if (n > 0) return -ERROR_INVALID_PARAMETER;
        buf = nothing;
    }
    /* n = 0 still makes one call, as Go's Write does: a message-mode pipe
       carries an empty message. A positioned write of nothing makes none. */
    if (n == 0 && offset >= 0) return 0;
    do {
        DWORD put = 0, want = wp__rw_len(n - done);
        OVERLAPPED ov, *pov = NULL;
        if (offset >= 0) {
            unsigned long long at = (unsigned long long)offset + done;
            memset(&ov, 0, sizeof ov);
            ov.Offset = (DWORD)at;
            ov.OffsetHigh = (DWORD)(at >> 32);
            pov = &ov;
        }
        if (wp__fd_is_socket(fd) || wp__fd_attached(fd)) { /* no plain WriteFile on an overlapped handle */
            long long sent = wp__fd_attached(fd) ? wp__exec_rw(fd, 0, (char *)(ULONG_PTR)buf + done, want)
                                                : wp_sendto((SOCKET)fd->handle, (const char *)buf + done, want, 0, NULL);
            if (sent < 0) {
                sent = wp__fd_result(fd, sent);
                return done > 0 ? (long long)done : sent;
            }
            put = (DWORD)sent;
        } else if (!WriteFile(fd->handle, (const char *)buf + done, want, &put, pov)) {
            long long e = wp__fd_result(fd, wp__last_error());
            return done > 0 ? (long long)done : e;
        }
        if (put == 0) break; /* nothing taken: a short write, not a loop */
        done += put;
    } while (done < n);
    return (long long)done;
}

WINPOLL_API long long wp_fd_write(wp_fd *fd, const void *buf, size_t n) {
    long long r = wp__fdmu_rwlock(fd, 0);
    if (r < 0) return r;
    if (fd->kind == WINPOLL_KIND_CONSOLE) r = wp__console_write(fd, buf, n);
    else r = wp__fd_write_all(fd, buf, n, -1);
    wp__fd_leave(fd, 2);
    return r;
}

/* Runs a positioned read (write = 0) or write with the file position kept. */
static long long wp__fd_positioned(wp_fd *fd, void *buf, size_t n, long long offset, int write) {
    LARGE_INTEGER zero, pos;
    long long r;
    if (offset < 0) return -ERROR_NEGATIVE_SEEK;
    r = wp__fdmu_incref(fd);
    if (r < 0) return r;
    if (fd->kind == WINPOLL_KIND_PIPE || fd->kind == WINPOLL_KIND_CONSOLE || wp__fd_is_socket(fd)) {
        wp__fd_leave(fd, 0);
        return -ERROR_SEEK_ON_DEVICE;
    }
    AcquireSRWLockExclusive(&fd->k.pos_lock);
    zero.QuadPart = 0;
    if (!SetFilePointerEx(fd->handle, zero, &pos, FILE_CURRENT)) {
        r = wp__last_error();
    } else {
        if (write) {
            r = wp__fd_write_all(fd, buf, n, offset);
        } else {
            OVERLAPPED ov;
            DWORD got = 0;
            memset(&ov, 0, sizeof ov);
            ov.Offset = (DWORD)offset;
            ov.OffsetHigh = (DWORD)((unsigned long long)offset >> 32);
            if (buf == NULL && n > 0) r = -ERROR_INVALID_PARAMETER;
            else if (ReadFile(fd->handle, buf, wp__rw_len(n), &got, &ov))
                r = (long long)got;
            else
                r = GetLastError() == ERROR_HANDLE_EOF ? 0 : wp__last_error();
        }
        SetFilePointerEx(fd->handle, pos, NULL, FILE_BEGIN); /* Windows moved it: put it back */
    }
    ReleaseSRWLockExclusive(&fd->k.pos_lock);
    wp__fd_leave(fd, 0);
    return r;
}

WINPOLL_API long long wp_fd_pread(wp_fd *fd, void *buf, size_t n, long long offset) {
    return wp__fd_positioned(fd, buf, n, offset, 0);
}

WINPOLL_API long long wp_fd_pwrite(wp_fd *fd, const void *buf, size_t n, long long offset) {
    return wp__fd_positioned(fd, (void *)(ULONG_PTR)buf, n, offset, 1);
}

WINPOLL_API long long wp_fd_seek(wp_fd *fd, long long offset, int whence) {
    long long r = wp__fdmu_incref(fd);
    if (r < 0) return r;
    if (fd->kind == WINPOLL_KIND_PIPE || fd->kind == WINPOLL_KIND_CONSOLE || wp__fd_is_socket(fd)) {
        r = -ERROR_SEEK_ON_DEVICE;
    } else {
        AcquireSRWLockExclusive(&fd->k.pos_lock);
        r = wp_seek(fd->handle, offset, whence);
        ReleaseSRWLockExclusive(&fd->k.pos_lock);
    }
    wp__fd_leave(fd, 0);
    return r;
}

/* The reference-only calls, one handle function each: the FD's reference
   is taken before the call and dropped, by wp__fd_unref, after it. */
static int wp__fd_unref(wp_fd *fd, int r) {
    wp__fd_leave(fd, 0);
    return r;
}

WINPOLL_API int wp_fd_stat(wp_fd *fd, wp_file_info *info) {
    int r = wp__fdmu_incref(fd);
    return r < 0 ? r : wp__fd_unref(fd, wp_fstat(fd->handle, info));
}

WINPOLL_API int wp_fd_truncate(wp_fd *fd, long long size) {
    int r = wp__fdmu_incref(fd);
    return r < 0 ? r : wp__fd_unref(fd, wp_ftruncate(fd->handle, size));
}

WINPOLL_API int wp_fd_sync(wp_fd *fd) {
    int r = wp__fdmu_incref(fd);
    return r < 0 ? r : wp__fd_unref(fd, wp_fsync(fd->handle));
}

WINPOLL_API int wp_fd_chmod(wp_fd *fd, int mode) {
    int r = wp__fdmu_incref(fd);
    return r < 0 ? r : wp__fd_unref(fd, wp_fchmod(fd->handle, mode));
}

/* The directory of a handle made current: its final path, without the
   \\?\ prefix where the rest is an ordinary drive path. */
static int wp__fchdir(HANDLE h) {
    WCHAR small[MAX_PATH + 8], *w = small, *p;
    DWORD n = GetFinalPathNameByHandleW(h, small, MAX_PATH + 8, 0), size;
    int r = 0;
    if (n == 0) return wp__last_error();
    if (n >= MAX_PATH + 8) {
        size = n + 1;
        w = (WCHAR *)WINPOLL__MALLOC(size * sizeof(WCHAR), NULL);
        if (w == NULL) return -ERROR_NOT_ENOUGH_MEMORY;
        n = GetFinalPathNameByHandleW(h, w, size, 0);
        if (n == 0 || n >= size) r = n == 0 ? wp__last_error() : -ERROR_INSUFFICIENT_BUFFER;
    }
    p = w;
    if (r == 0 && n >= 6 && w[0] == '\\' && w[1] == '\\' && w[2] == '?' && w[3] == '\\' && w[5] == ':' && n < MAX_PATH + 4)
        p = w + 4;
    if (r == 0 && !SetCurrentDirectoryW(p)) r = wp__last_error();
    if (w != small) WINPOLL__FREE(w, NULL);
    return r;
}

WINPOLL_API int wp_fd_chdir(wp_fd *fd) {
    int r = wp__fdmu_incref(fd);
    return r < 0 ? r : wp__fd_unref(fd, wp__fchdir(fd->handle));
}

/* >>loop -------------------------------------------------------------------- */

/* The loop's port, attaching FDs to it, and moving their deadlines. */

WINPOLL_API int wp_loop_init(wp_loop *loop) {
    int r;
    if (loop == NULL) return -ERROR_INVALID_PARAMETER;
    memset(loop, 0, sizeof *loop);
    InitializeSRWLock(&loop->lock);
    r = wp_init();
    if (r < 0) return r;
#if !WINPOLL__BLOCKING
    loop->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    if (loop->port == NULL) return wp__last_error();
    /* A port wait's timeout is rounded up to the clock tick, 15.6 ms by
       default (go.dev/issue/44343). A high-resolution timer whose expiry
       arrives on the port as a packet ends timed waits on time. Without
       one (before Windows 10 1803; Wine), see wp__port_wait. */
    if (wp__imports.NtCreateWaitCompletionPacket != NULL) {
        loop->timer = CreateWaitableTimerExW(NULL, NULL, 0x2 /* CREATE_WAITABLE_TIMER_HIGH_RESOLUTION */,
                                             TIMER_ALL_ACCESS);
        if (loop->timer != NULL &&
            wp__imports.NtCreateWaitCompletionPacket(&loop->timer_packet, GENERIC_ALL, NULL) < 0) {
            loop->timer_packet = NULL;
        }
        if (loop->timer_packet == NULL && loop->timer != NULL) {
            CloseHandle(loop->timer);
            loop->timer = NULL;
        }
    }
#endif
    loop->open = 1;
    return 0;
}

/* Undoes wp__async_claim (below): a is the caller's again. */
static void wp__async_unclaim(wp_async *a) { InterlockedExchangePointer((PVOID volatile *)&a->flight, NULL); }

WINPOLL_API int wp_loop_close(wp_loop *loop) {
    int r = 0;
    if (loop == NULL || !loop->open) return -ERROR_INVALID_PARAMETER;
    if (loop->in_flight || loop->timers != NULL || loop->leader || loop->sleepers) return -ERROR_BUSY;
    loop->open = 0;
    while (loop->round != NULL || loop->incoming != NULL || loop->queued != NULL) {
        /* finished, never handed out: free to start again */
        wp_async **list = loop->round != NULL ? &loop->round : loop->incoming != NULL ? &loop->incoming : &loop->queued;
        wp_async *a = *list;
        *list = a->next;
        wp__async_unclaim(a);
    }
    if (loop->timer_packet != NULL) CloseHandle(loop->timer_packet);
    if (loop->timer != NULL) CloseHandle(loop->timer);
    if (loop->port != NULL && !CloseHandle(loop->port)) r = wp__last_error();
    loop->port = loop->timer = loop->timer_packet = NULL;
    return r;
}

#define WINPOLL__SIO_UDP_CONNRESET 0x9800000Cul
#define WINPOLL__SIO_UDP_NETRESET 0x9800000Ful

/* IO_STATUS_BLOCK, for NtQueryInformationFile. */
typedef struct wp__io_status {
    union {
        LONG Status;
        PVOID Pointer;
    } u;
    ULONG_PTR Information;
} wp__io_status;

/* 1 when h was opened for synchronous I/O (no FILE_FLAG_OVERLAPPED): such a
   handle's calls block inside the call whatever OVERLAPPED they are given,
   so it cannot be run on a loop. */
static int wp__handle_is_synchronous(HANDLE h) {
    wp__io_status io;
    ULONG mode = 0;
    if (wp__imports.NtQueryInformationFile == NULL ||
        wp__imports.NtQueryInformationFile(h, &io, &mode, (ULONG)sizeof mode, 16 /* FileModeInformation */) < 0)
        return 0;
    return (mode & 0x30) != 0; /* FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT */
}

WINPOLL_API int wp_fd_attach(wp_fd *fd, wp_loop *loop) {
    int r;
    if (fd == NULL || loop == NULL || !loop->open) return -ERROR_INVALID_PARAMETER;
    r = wp__fdmu_incref(fd);
    if (r < 0) return r;
    if (fd->loop != NULL)
        r = -ERROR_INVALID_PARAMETER;
    else if (!wp__fd_is_socket(fd) && (fd->kind != WINPOLL_KIND_PIPE || wp__handle_is_synchronous(fd->handle)))
        r = -WINPOLL_ERR_NOT_POLLABLE;
#if !WINPOLL__BLOCKING
    else if (CreateIoCompletionPort(fd->handle, loop->port, WINPOLL__KEY_IO, 0) == NULL) {
        r = wp__last_error();
    } else {
        /* the provider rule is about sockets; a pipe's completions come from
           the pipe file system itself */
        int skip = fd->kind == WINPOLL_KIND_PIPE || wp__imports.skip_on_success;
        UCHAR modes = 0x2; /* FILE_SKIP_SET_EVENT_ON_HANDLE */
        if (skip) modes |= 0x1; /* FILE_SKIP_COMPLETION_PORT_ON_SUCCESS */
        if (!SetFileCompletionNotificationModes(fd->handle, modes)) r = wp__last_error();
        fd->skip_on_success = r == 0 && skip;
    }
#endif
    if (r == 0 && fd->kind == WINPOLL_KIND_DGRAM_SOCKET) {
        BOOL off = FALSE;
        DWORD got;
        WSAIoctl((SOCKET)fd->handle, WINPOLL__SIO_UDP_CONNRESET, &off, sizeof off, NULL, 0, &got, NULL, NULL);
        WSAIoctl((SOCKET)fd->handle, WINPOLL__SIO_UDP_NETRESET, &off, sizeof off, NULL, 0, &got, NULL, NULL);
    }
    if (r == 0) fd->loop = loop;
    wp__fd_leave(fd, 0);
    return r;
}

WINPOLL_API int wp_fd_set_deadline(wp_fd *fd, int which, long long deadline_ns) {
    int r;
    if (fd == NULL || which < 1 || which > 3 || deadline_ns < 0) return -ERROR_INVALID_PARAMETER;
    r = wp__fdmu_incref(fd);
    if (r < 0) return r;
    if (which & WINPOLL_DEADLINE_READ) wp__store64(&fd->rdeadline, deadline_ns);
    if (which & WINPOLL_DEADLINE_WRITE) wp__store64(&fd->wdeadline, deadline_ns);
    if (fd->loop != NULL && fd->loop->port != NULL) {
        /* under the lock: an operation that starts pending after this reads
           the new value; one pending before it moves on the heap */
        AcquireSRWLockExclusive(&fd->loop->lock);
        if ((which & WINPOLL_DEADLINE_READ) && fd->rop.tracked) wp__op_place(fd->loop, &fd->rop);
        if ((which & WINPOLL_DEADLINE_WRITE) && fd->wop.tracked) wp__op_place(fd->loop, &fd->wop);
        ReleaseSRWLockExclusive(&fd->loop->lock);
    }
#if WINPOLL__BLOCKING
    /* blocking mode: wake the thread waiting on the event; it looks at its
       deadline again */
    if ((which & WINPOLL_DEADLINE_READ) && fd->rop.m.event != NULL) SetEvent((HANDLE)fd->rop.m.event);
    if ((which & WINPOLL_DEADLINE_WRITE) && fd->wop.m.event != NULL) SetEvent((HANDLE)fd->wop.m.event);
#endif
    wp__fd_leave(fd, 0);
    return 0;
}

/* >>netops ------------------------------------------------------------------ */

/* AcceptEx's room for each address: 16 bytes more than the family's
   longest address, rounded up to keep the second one aligned. ADDR_ROOM
   fits every family an FD accepts on (SOCKADDR_UN's 110 is the longest);
   IP_ROOM fits IPv4 and IPv6. An async accept on IP keeps both addresses
   in the memory of the FD it will fill (so a wp_async needs no room of its
   own); on AF_UNIX it allocates the room. */
#define WINPOLL__ADDR_ROOM 128u
#define WINPOLL__IP_ROOM 48u
typedef char wp__addr_room_fits[(WINPOLL__ADDR_ROOM >= sizeof(wp__sockaddr_un) + 16 &&
                                 WINPOLL__IP_ROOM >= sizeof(SOCKADDR_IN6) + 16 &&
                                 sizeof(wp_fd) >= 2 * WINPOLL__IP_ROOM) ? 1 : -1];

typedef struct wp__accept_ctx {
    SOCKET s;
    char addrs[2 * WINPOLL__ADDR_ROOM];
} wp__accept_ctx;

static int wp__submit_accept(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got) {
    wp__accept_ctx *c = (wp__accept_ctx *)ctx;
    return wp__imports.AcceptEx((SOCKET)fd->handle, c->s, c->addrs, 0, WINPOLL__ADDR_ROOM, WINPOLL__ADDR_ROOM, got,
                                &op->ov)
               ? 0 : WSAGetLastError();
}

/* A connection reset before AcceptEx took it: skip it, take the next one.
   Windows says ERROR_NETNAME_DELETED (WSAECONNRESET through
   WSAGetOverlappedResult); Wine 8 says WSAENOTCONN. The listener is fine. */
static int wp__accept_was_reset(long long r) {
    return r == -ERROR_NETNAME_DELETED || r == -WSAECONNRESET || r == -WSAENOTCONN;
}

/* After AcceptEx: the accepted socket c.s takes the listener's properties and
   its addresses are read. 0 or the error (then c.s is closed). */
static int wp__accept_finish(wp_fd *l, SOCKET *s, const char *addrs, DWORD room, wp_sockaddr *local,
                             wp_sockaddr *peer) {
    SOCKADDR *lp, *rp;
    int llen, rlen;
    if (setsockopt(*s, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, (const char *)&l->handle, (int)sizeof(SOCKET)) != 0) {
        int r = wp__wsa_error();
        closesocket(*s);
        *s = INVALID_SOCKET;
        return r;
    }
    wp__imports.GetAcceptExSockaddrs((PVOID)(ULONG_PTR)addrs, 0, room, room, &lp, &llen, &rp, &rlen);
    if (local != NULL && wp_sockaddr_from_raw(local, lp, llen) != 0) memset(local, 0, sizeof *local);
    if (peer != NULL && wp_sockaddr_from_raw(peer, rp, rlen) != 0) memset(peer, 0, sizeof *peer);
    return 0;
}

/* The accepted socket s becomes *out, on the listener's loop. */
static int wp__accept_adopt(wp_fd *l, SOCKET s, wp_fd *out) {
    int r = wp_fd_init(out, (HANDLE)s, WINPOLL_KIND_STREAM_SOCKET);
    if (r != 0) {
        closesocket(s);
        return r;
    }
    if (l->loop != NULL && (r = wp_fd_attach(out, l->loop)) != 0) wp_fd_close(out);
    return r;
}

/* wp_fd_accept under the listener's read lock. */
static int wp__accept_locked(wp_fd *l, wp_fd *out, wp_sockaddr *local, wp_sockaddr *peer) {
    wp__accept_ctx c;
    wp_sockaddr self;
    int r;
    c.s = INVALID_SOCKET;
    if (!wp__fd_attached(l)) {
        do r = (int)wp__fd_result(l, wp_accept((SOCKET)l->handle, &c.s, peer));
        while (wp__accept_was_reset(r));
        if (r == 0 && local != NULL) wp_getsockname(c.s, local);
    } else if (wp__imports.AcceptEx == NULL || wp__imports.GetAcceptExSockaddrs == NULL) {
        r = -WSAEOPNOTSUPP;
    } else if ((r = wp_getsockname((SOCKET)l->handle, &self)) == 0) {
        for (;;) {
            long long x;
            r = wp_socket(self.family, SOCK_STREAM, 0, &c.s);
            if (r < 0) break;
            x = wp__exec(l, 1, wp__submit_accept, &c);
            if (x < 0) {
                closesocket(c.s);
                c.s = INVALID_SOCKET;
                if (wp__accept_was_reset(x)) continue; /* the next one */
                r = (int)x;
                break;
            }
            r = wp__accept_finish(l, &c.s, c.addrs, WINPOLL__ADDR_ROOM, local, peer);
            break;
        }
    }
    if (r == 0) r = wp__accept_adopt(l, c.s, out);
    return r;
}

WINPOLL_API int wp_fd_accept(wp_fd *l, wp_fd *out, wp_sockaddr *local, wp_sockaddr *peer) {
    int r;
    if (l == NULL || out == NULL) return -ERROR_INVALID_PARAMETER;
    r = wp__fdmu_rwlock(l, 1);
    if (r < 0) return r;
    r = wp__accept_locked(l, out, local, peer);
    wp__fd_leave(l, 1);
    return r;
}

typedef struct wp__connect_ctx {
    SOCKADDR_STORAGE ss;
    int len;
} wp__connect_ctx;

static int wp__submit_connect(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got) {
    wp__connect_ctx *c = (wp__connect_ctx *)ctx;
    return wp__imports.ConnectEx((SOCKET)fd->handle, (SOCKADDR *)&c->ss, c->len, NULL, 0, got, &op->ov)
               ? 0 : WSAGetLastError();
}

/* Whether a connect runs as ConnectEx on the port (AF_UNIX has no ConnectEx). */
static int wp__connect_on_port(wp_fd *fd, const wp_sockaddr *addr) {
    return wp__fd_attached(fd) && addr->family != AF_UNIX && wp__imports.ConnectEx != NULL;
}

/* ConnectEx wants a bound socket: binds an unbound one to the wildcard
   address of the family. */
static int wp__connect_bind(wp_fd *fd, int family) {
    wp_sockaddr bound;
    if (wp_getsockname((SOCKET)fd->handle, &bound) == 0) return 0;
    memset(&bound, 0, sizeof bound);
    bound.family = (unsigned short)family;
    return wp_bind((SOCKET)fd->handle, &bound);
}

/* AF_UNIX has no ConnectEx: a non-blocking connect, which Windows answers
   at once for a local listener. Only when it would block (a full backlog)
   does the caller wait, in select slices of 100 ms so that a deadline moved
   or a close from another thread is seen, until connected, refused, the
   write deadline or the close. The socket is blocking again after. */
static int wp__connect_unix(wp_fd *fd, const wp_sockaddr *addr) {
    SOCKET s = (SOCKET)fd->handle;
    u_long on = 1, off = 0;
    int r;
    long long dl = wp__fd_deadline(fd, 0);
    if (dl != 0 && wp_monotonic_ns() >= dl) return -WINPOLL_ERR_DEADLINE;
    if (ioctlsocket(s, FIONBIO, &on) != 0) return (int)wp__fd_result(fd, wp__wsa_error());
    r = wp_connect(s, addr);
    while (r == -WSAEWOULDBLOCK) {
        fd_set w, e;
        struct timeval tv;
        long long left = 100000000;
        dl = wp__fd_deadline(fd, 0);
        if (wp__mu_load(fd) & WINPOLL__MU_CLOSED) {
            r = wp__closing_error(fd);
            break;
        }
        if (dl != 0 && (left = dl - wp_monotonic_ns()) <= 0) {
            r = -WINPOLL_ERR_DEADLINE;
            break;
        }
        if (left > 100000000) left = 100000000;
        tv.tv_sec = 0;
        tv.tv_usec = (long)((left + 999) / 1000);
        FD_ZERO(&w);
        FD_ZERO(&e);
        FD_SET(s, &w);
        FD_SET(s, &e);
        if (select(0, NULL, &w, &e, &tv) == SOCKET_ERROR) {
            r = wp__wsa_error();
        } else if (FD_ISSET(s, &e)) {
            int err = 0, len = (int)sizeof err;
            r = getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&err, &len) != 0 ? wp__wsa_error()
                : err != 0 ? -err : -WSAECONNREFUSED;
        } else if (FD_ISSET(s, &w)) {
            r = 0;
        }
    }
    ioctlsocket(s, FIONBIO, &off);
    return (int)wp__fd_result(fd, r);
}

/* wp_fd_connect under the write lock; c holds addr in raw form. */
static int wp__connect_locked(wp_fd *fd, const wp_sockaddr *addr, wp__connect_ctx *c) {
    int r;
    if (addr->family == AF_UNIX) return wp__connect_unix(fd, addr);
    if (!wp__connect_on_port(fd, addr)) return (int)wp__fd_result(fd, wp_connect((SOCKET)fd->handle, addr));
    r = wp__connect_bind(fd, addr->family);
    if (r == 0) {
        long long x = wp__exec(fd, 0, wp__submit_connect, c);
        r = x < 0 ? (int)x : 0;
    }
    if (r == 0 && setsockopt((SOCKET)fd->handle, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, NULL, 0) != 0)
        r = wp__wsa_error();
    return r;
}

WINPOLL_API int wp_fd_connect(wp_fd *fd, const wp_sockaddr *addr) {
    wp__connect_ctx c;
    int r;
    if (fd == NULL) return -ERROR_INVALID_PARAMETER;
    r = wp_sockaddr_to_raw(addr, &c.ss, &c.len);
    if (r < 0) return r;
    r = wp__fdmu_rwlock(fd, 0);
    if (r < 0) return r;
    r = wp__connect_locked(fd, addr, &c);
    wp__fd_leave(fd, 2);
    return r;
}

typedef struct wp__dgram_ctx {
    WSABUF buf;
    SOCKADDR_STORAGE ss; /* lives until the operation is done: the waiting thread's stack */
    int len;
} wp__dgram_ctx;

static int wp__submit_recvfrom(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got) {
    wp__dgram_ctx *c = (wp__dgram_ctx *)ctx;
    DWORD flags = 0;
    return WSARecvFrom((SOCKET)fd->handle, &c->buf, 1, got, &flags, (SOCKADDR *)&c->ss, &c->len, &op->ov, NULL) == 0
               ? 0 : WSAGetLastError();
}

static int wp__submit_sendto(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got) {
    wp__dgram_ctx *c = (wp__dgram_ctx *)ctx;
    return WSASendTo((SOCKET)fd->handle, &c->buf, 1, got, 0, (SOCKADDR *)&c->ss, c->len, &op->ov, NULL) == 0
               ? 0 : WSAGetLastError();
}

/* wp_fd_readfrom under the read lock. */
static long long wp__readfrom_locked(wp_fd *fd, void *buf, size_t n, wp_sockaddr *from, int *truncated) {
    wp__dgram_ctx c;
    long long r;
    c.buf.buf = (char *)buf;
    c.buf.len = wp__rw_len(n);
    c.len = (int)sizeof c.ss;
    if (wp__fd_attached(fd)) {
        r = wp__exec(fd, 1, wp__submit_recvfrom, &c);
        if ((r >= 0 || r == -WSAEMSGSIZE) && from != NULL && wp_sockaddr_from_raw(from, (SOCKADDR *)&c.ss, c.len) != 0)
            memset(from, 0, sizeof *from);
    } else {
        r = wp__fd_result(fd, wp_recvfrom((SOCKET)fd->handle, buf, c.buf.len, 0, from));
    }
    if (r == -WSAEMSGSIZE) { /* the buffer is full; the rest of the datagram is gone */
        r = (long long)c.buf.len;
        if (truncated != NULL) *truncated = 1;
    }
    return r;
}

WINPOLL_API long long wp_fd_readfrom(wp_fd *fd, void *buf, size_t n, wp_sockaddr *from, int *truncated) {
    long long r;
    if (truncated != NULL) *truncated = 0;
    if (fd == NULL || (buf == NULL && n > 0)) return -ERROR_INVALID_PARAMETER;
    r = wp__fdmu_rwlock(fd, 1);
    if (r < 0) return r;
    r = wp__readfrom_locked(fd, buf, n, from, truncated);
    wp__fd_leave(fd, 1);
    return r;
}

/* wp_fd_writeto under the write lock; c holds the address in raw form. */
static long long wp__writeto_locked(wp_fd *fd, const void *buf, size_t n, const wp_sockaddr *to, wp__dgram_ctx *c) {
    c->buf.buf = (char *)(ULONG_PTR)buf;
    c->buf.len = (ULONG)n;
    if (wp__fd_attached(fd)) return wp__exec(fd, 0, wp__submit_sendto, c);
    return wp__fd_result(fd, wp_sendto((SOCKET)fd->handle, buf, n, 0, to));
}

WINPOLL_API long long wp_fd_writeto(wp_fd *fd, const void *buf, size_t n, const wp_sockaddr *to) {
    wp__dgram_ctx c;
    long long r;
    if (fd == NULL || to == NULL || (buf == NULL && n > 0)) return -ERROR_INVALID_PARAMETER;
    if (n > 0x7FFFFFFF) return -WSAEMSGSIZE;
    r = wp_sockaddr_to_raw(to, &c.ss, &c.len);
    if (r < 0) return r;
    r = wp__fdmu_rwlock(fd, 0);
    if (r < 0) return r;
    r = wp__writeto_locked(fd, buf, n, to, &c);
    wp__fd_leave(fd, 2);
    return r;
}

#define WINPOLL__IOV_BATCH 64 /* WSABUFs per WSASend */

typedef struct wp__gather_ctx {
    WSABUF bufs[WINPOLL__IOV_BATCH];
    DWORD count;
} wp__gather_ctx;

static int wp__submit_gather(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got) {
    wp__gather_ctx *c = (wp__gather_ctx *)ctx;
    return WSASend((SOCKET)fd->handle, c->bufs, c->count, got, 0, &op->ov, NULL) == 0 ? 0 : WSAGetLastError();
}

WINPOLL_API long long wp_fd_writev(wp_fd *fd, const wp_iovec *iov, int count) {
    long long r, total = 0;
    int i = 0;
    size_t at = 0; /* bytes of iov[i] already written */
    if (fd == NULL || count < 0 || (iov == NULL && count > 0)) return -ERROR_INVALID_PARAMETER;
    for (i = 0; i < count; i++)
        if (iov[i].base == NULL && iov[i].len > 0) return -ERROR_INVALID_PARAMETER;
    r = wp__fdmu_rwlock(fd, 0);
    if (r < 0) return r;
    i = 0;
    while (r >= 0) {
        while (i < count && at == iov[i].len) { /* consume finished buffers */
            i++;
            at = 0;
        }
        if (i == count) break;
        if (wp__fd_is_socket(fd)) {
            wp__gather_ctx c;
            int k = i;
            size_t kat = at, batch = 0;
            c.count = 0;
            while (k < count && c.count < WINPOLL__IOV_BATCH && batch < WINPOLL__MAX_RW) {
                size_t left = iov[k].len - kat, take = left;
                if (take > WINPOLL__MAX_RW - batch) take = WINPOLL__MAX_RW - batch; /* split at 1 GiB */
                if (take > 0) {
                    c.bufs[c.count].buf = (char *)(ULONG_PTR)iov[k].base + kat;
                    c.bufs[c.count].len = (ULONG)take;
                    c.count++;
                    batch += take;
                }
                if (take < left) break;
                k++;
                kat = 0;
            }
            if (wp__fd_attached(fd)) {
                r = wp__exec(fd, 0, wp__submit_gather, &c);
            } else {
                DWORD sent = 0;
                r = WSASend((SOCKET)fd->handle, c.bufs, c.count, &sent, 0, NULL, NULL) == 0
                        ? (long long)sent : wp__fd_result(fd, wp__wsa_error());
            }
        } else {
            r = wp__fd_write_all(fd, (const char *)iov[i].base + at, iov[i].len - at, -1);
        }
        if (r < 0) break;
        if (r == 0) break; /* nothing taken: a short write, not a loop */
        total += r;
        while (r > 0) { /* Go's consume: what was sent, buffer by buffer */
            size_t step = (size_t)r < iov[i].len - at ? (size_t)r : iov[i].len - at;
            at += step;
            r -= (long long)step;
            if (at == iov[i].len && r > 0) {
                i++;
                at = 0;
            }
        }
    }
    wp__fd_leave(fd, 2);
    return total > 0 || r >= 0 ? total : r;
}

typedef struct wp__msg_ctx {
    WSAMSG msg; /* the kernel updates it at completion: the waiting thread's frame */
    WSABUF buf;
    SOCKADDR_STORAGE ss;
} wp__msg_ctx;

static int wp__submit_recvmsg(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got) {
    wp__msg_ctx *c = (wp__msg_ctx *)ctx;
    return wp__imports.WSARecvMsg((SOCKET)fd->handle, &c->msg, got, &op->ov, NULL) == 0 ? 0 : WSAGetLastError();
}

static int wp__submit_sendmsg(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got) {
    wp__msg_ctx *c = (wp__msg_ctx *)ctx;
    return wp__imports.WSASendMsg((SOCKET)fd->handle, &c->msg, 0, got, &op->ov, NULL) == 0 ? 0 : WSAGetLastError();
}

WINPOLL_API long long wp_fd_readmsg(wp_fd *fd, void *buf, size_t n, void *control, size_t *control_len,
                                    wp_sockaddr *from, int *flags) {
    wp__msg_ctx c;
    long long r;
    if (flags != NULL) *flags = 0;
    if (fd == NULL || (buf == NULL && n > 0) || (control_len != NULL && *control_len > 0 && control == NULL) ||
        (control_len != NULL && *control_len > 0x7FFFFFFF))
        return -ERROR_INVALID_PARAMETER;
    if (wp__imports.WSARecvMsg == NULL) return -WSAEOPNOTSUPP;
    r = wp__fdmu_rwlock(fd, 1);
    if (r < 0) return r;
    memset(&c, 0, sizeof c);
    c.buf.buf = (char *)buf;
    c.buf.len = wp__rw_len(n);
    c.msg.name = (SOCKADDR *)&c.ss;
    c.msg.namelen = (int)sizeof c.ss;
    c.msg.lpBuffers = &c.buf;
    c.msg.dwBufferCount = 1;
    c.msg.Control.buf = (char *)control;
    c.msg.Control.len = control_len != NULL ? (ULONG)*control_len : 0;
    if (wp__fd_attached(fd)) {
        r = wp__exec(fd, 1, wp__submit_recvmsg, &c);
    } else {
        DWORD got = 0;
        r = wp__imports.WSARecvMsg((SOCKET)fd->handle, &c.msg, &got, NULL, NULL) == 0
                ? (long long)got : wp__fd_result(fd, wp__wsa_error());
    }
    if (r == -WSAEMSGSIZE) { /* the buffer is full; say so as a flag */
        r = (long long)c.buf.len;
        c.msg.dwFlags |= MSG_TRUNC;
    }
    if (r >= 0) {
        if (control_len != NULL) *control_len = c.msg.Control.len;
        if (flags != NULL) *flags = (int)c.msg.dwFlags;
        if (from != NULL && wp_sockaddr_from_raw(from, (SOCKADDR *)&c.ss, c.msg.namelen) != 0)
            memset(from, 0, sizeof *from);
    }
    wp__fd_leave(fd, 1);
    return r;
}

WINPOLL_API long long wp_fd_writemsg(wp_fd *fd, const void *buf, size_t n, const void *control, size_t control_len,
                                     const wp_sockaddr *to) {
    wp__msg_ctx c;
    long long r;
    int len = 0;
    if (fd == NULL || (buf == NULL && n > 0) || (control == NULL && control_len > 0) || control_len > 0x7FFFFFFF)
        return -ERROR_INVALID_PARAMETER;
    if (n > 0x7FFFFFFF) return -WSAEMSGSIZE;
    if (wp__imports.WSASendMsg == NULL) return -WSAEOPNOTSUPP;
    memset(&c, 0, sizeof c);
    if (to != NULL && (r = wp_sockaddr_to_raw(to, &c.ss, &len)) < 0) return r;
    r = wp__fdmu_rwlock(fd, 0);
    if (r < 0) return r;
    c.buf.buf = (char *)(ULONG_PTR)buf;
    c.buf.len = (ULONG)n;
    c.msg.name = to != NULL ? (SOCKADDR *)&c.ss : NULL;
    c.msg.namelen = len;
    c.msg.lpBuffers = &c.buf;
    c.msg.dwBufferCount = 1;
    c.msg.Control.buf = (char *)(ULONG_PTR)control;
    c.msg.Control.len = (ULONG)control_len;
    if (wp__fd_attached(fd)) {
        r = wp__exec(fd, 0, wp__submit_sendmsg, &c);
    } else {
        DWORD sent = 0;
        r = wp__imports.WSASendMsg((SOCKET)fd->handle, &c.msg, 0, &sent, NULL, NULL) == 0
                ? (long long)sent : wp__fd_result(fd, wp__wsa_error());
    }
    wp__fd_leave(fd, 2);
    return r;
}

static int wp__submit_readiness(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got) {
    WSABUF none;
    DWORD flags = fd->kind == WINPOLL_KIND_STREAM_SOCKET ? 0 : MSG_PEEK; /* keep the datagram */
    (void)ctx;
    none.buf = NULL;
    none.len = 0;
    return WSARecv((SOCKET)fd->handle, &none, 1, got, &flags, &op->ov, NULL) == 0 ? 0 : WSAGetLastError();
}

WINPOLL_API int wp_fd_raw_read(wp_fd *fd, wp_raw_fn fn, void *ctx) {
    int r;
    if (fd == NULL || fn == NULL || !wp__fd_is_socket(fd)) return -ERROR_INVALID_PARAMETER;
    r = wp__fdmu_rwlock(fd, 1);
    if (r < 0) return r;
    while (!fn((SOCKET)fd->handle, ctx)) {
        if (wp__fd_attached(fd)) {
            long long x = wp__exec(fd, 1, wp__submit_readiness, NULL);
            if (x < 0 && x != -WSAEMSGSIZE) { /* a zero-byte peek at a datagram reports that */
                r = (int)x;
                break;
            }
        } else {
            /* a blocking peek waits like a read and takes nothing; unlike
               select, close's CancelIoEx interrupts it */
            char one;
            if (recv((SOCKET)fd->handle, &one, 1, MSG_PEEK) == SOCKET_ERROR && WSAGetLastError() != WSAEMSGSIZE) {
                r = (int)wp__fd_result(fd, wp__wsa_error());
                break;
            }
        }
    }
    wp__fd_leave(fd, 1);
    return r;
}

WINPOLL_API int wp_fd_raw_write(wp_fd *fd, wp_raw_fn fn, void *ctx) {
    int r;
    if (fd == NULL || fn == NULL || !wp__fd_is_socket(fd)) return -ERROR_INVALID_PARAMETER;
    r = wp__fdmu_rwlock(fd, 0);
    if (r < 0) return r;
    r = fn((SOCKET)fd->handle, ctx) ? 0 : -WSAEWOULDBLOCK;
    wp__fd_leave(fd, 2);
    return r;
}

/* >>async ------------------------------------------------------------------- */

/* The async face. An async operation runs on its FD's rop or wop, as a
   blocking one does, with op->async pointing back at it; the leader that
   takes its packet finishes it (wp__async_completed) and queues it on the
   loop's incoming stack, which becomes wp_loop_poll's next round. */

static int wp__async_reads(const wp_async *a) {
    return a->op == WINPOLL_ASYNC_READ || a->op == WINPOLL_ASYNC_READFROM || a->op == WINPOLL_ASYNC_ACCEPT;
}

static void wp__ready_push(wp_loop *loop, wp_async *a) {
    AcquireSRWLockExclusive(&loop->lock);
    wp__ready_queue(loop, a, a, a->op == WINPOLL_ASYNC_POST);
    ReleaseSRWLockExclusive(&loop->lock);
    wp__loop_kick(loop);
}

/* Takes at most max from the current round; when it is done, what came
   in since becomes the next round, at most `rounds` times. *more is set
   when something waits for a round that may not begin yet. */
static int wp__ready_pop(wp_loop *loop, wp_async **out, int max, int rounds, int *more) {
    int n = 0;
    AcquireSRWLockExclusive(&loop->lock);
    while (n < max) {
        if (loop->round == NULL) {
            if ((loop->incoming == NULL && loop->queued == NULL) || rounds-- <= 0) break;
            if (loop->queued != NULL) { /* timers and posts first, in their order, then the I/O */
                loop->queued_last->next = loop->incoming;
                loop->round = loop->queued;
                loop->queued = NULL;
            } else {
                loop->round = loop->incoming;
            }
            loop->incoming = NULL;
        }
        out[n] = loop->round;
        loop->round = loop->round->next;
        out[n++]->flight = NULL; /* the caller's again */
    }
    *more = loop->round != NULL || loop->incoming != NULL || loop->queued != NULL;
    ReleaseSRWLockExclusive(&loop->lock);
    return n;
}

static int wp__submit_async(wp_fd *fd, wp_fd_op *op, void *ctx, DWORD *got) {
    wp_async *a = (wp_async *)ctx;
    size_t done = a->op == WINPOLL_ASYNC_WRITE || a->op == WINPOLL_ASYNC_WRITETO ? a->w.done : 0, left = a->n - done;
    WSABUF b; /* Winsock copies the array before it returns */
    DWORD flags = 0;
    SOCKET s = (SOCKET)fd->handle;
    b.buf = a->buf != NULL ? a->buf + done : NULL; /* NULL + 0 is no pointer in C */
    b.len = wp__rw_len(left);
    switch (a->op) {
    case WINPOLL_ASYNC_READ:
        if (!wp__fd_is_socket(fd)) return ReadFile(fd->handle, b.buf, b.len, got, &op->ov) ? 0 : (int)GetLastError();
        return WSARecv(s, &b, 1, got, &flags, &op->ov, NULL) == 0 ? 0 : WSAGetLastError();
    case WINPOLL_ASYNC_WRITE:
        if (!wp__fd_is_socket(fd)) return WriteFile(fd->handle, b.buf, b.len, got, &op->ov) ? 0 : (int)GetLastError();
        return WSASend(s, &b, 1, got, 0, &op->ov, NULL) == 0 ? 0 : WSAGetLastError();
    case WINPOLL_ASYNC_READFROM:
        a->u.addr.len = (int)sizeof a->u.addr.sa;
        return WSARecvFrom(s, &b, 1, got, &flags, (SOCKADDR *)&a->u.addr.sa, &a->u.addr.len, &op->ov, NULL) == 0
                   ? 0 : WSAGetLastError();
    case WINPOLL_ASYNC_WRITETO:
        return WSASendTo(s, &b, 1, got, 0, (SOCKADDR *)&a->u.addr.sa, a->u.addr.len, &op->ov, NULL) == 0
                   ? 0 : WSAGetLastError();
    case WINPOLL_ASYNC_ACCEPT:
        return wp__imports.AcceptEx(s, a->u.accept.s, a->buf, 0, (DWORD)a->n, (DWORD)a->n, got, &op->ov)
                   ? 0 : WSAGetLastError();
    default: /* WINPOLL_ASYNC_CONNECT */
        return wp__imports.ConnectEx(s, (SOCKADDR *)&a->u.addr.sa, a->u.addr.len, NULL, 0, got, &op->ov)
                   ? 0 : WSAGetLastError();
    }
}

/* What follows one overlapped call of a: the blocking call's own steps
   (write the rest, take the next connection after a reset, ...). Returns 1
   to submit again, 0 when *r is the final result. */
static int wp__async_step(wp_async *a, long long *r) {
    wp_fd *fd = a->fd;
    switch (a->op) {
    case WINPOLL_ASYNC_READ:
        if (!wp__fd_is_socket(fd)) *r = wp__pipe_read_result(*r, wp__rw_len(a->n));
        return 0;
    case WINPOLL_ASYNC_WRITE:
    case WINPOLL_ASYNC_WRITETO:
        if (*r > 0) a->w.done += (size_t)*r;
        if (a->op == WINPOLL_ASYNC_WRITE && *r > 0 && a->w.done < a->n) return 1; /* the rest */
        if (*r >= 0 || a->w.done > 0) *r = (long long)a->w.done;
        return 0;
    case WINPOLL_ASYNC_READFROM:
        if (*r == -WSAEMSGSIZE || *r == -ERROR_MORE_DATA) { /* the buffer is full; the rest is gone */
            *r = (long long)wp__rw_len(a->n);
            a->truncated = 1;
        }
        if (*r >= 0 && a->w.from != NULL &&
            wp_sockaddr_from_raw(a->w.from, (SOCKADDR *)&a->u.addr.sa, a->u.addr.len) != 0)
            memset(a->w.from, 0, sizeof *a->w.from);
        return 0;
    case WINPOLL_ASYNC_ACCEPT:
        if (wp__accept_was_reset(*r)) { /* reset before we took it: the next one */
            wp_sockaddr self;
            closesocket(a->u.accept.s);
            a->u.accept.s = INVALID_SOCKET;
            *r = wp_getsockname((SOCKET)fd->handle, &self);
            if (*r == 0) *r = wp_socket(self.family, SOCK_STREAM, 0, &a->u.accept.s);
            if (*r == 0) return 1;
        } else if (*r >= 0) { /* the addresses first: the FD may be made in their memory */
            *r = wp__accept_finish(fd, &a->u.accept.s, a->buf, (DWORD)a->n, a->u.accept.local, a->u.accept.peer);
        } else {
            closesocket(a->u.accept.s);
        }
        if (a->buf != (char *)a->w.out) WINPOLL__FREE(a->buf, NULL);
        a->buf = NULL;
        if (*r >= 0) *r = wp__accept_adopt(fd, a->u.accept.s, a->w.out);
        a->u.accept.s = INVALID_SOCKET;
        return 0;
    default: /* WINPOLL_ASYNC_CONNECT */
        if (*r >= 0) {
            *r = 0;
            if (setsockopt((SOCKET)fd->handle, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, NULL, 0) != 0)
                *r = wp__wsa_error();
        }
        return 0;
    }
}

/* Runs a until it pends (a leader finishes it later) or ends (then it
   leaves the FD and is queued). have: *r already holds a call's result. */
static void wp__async_run(wp_async *a, int have, long long r) {
    wp_fd *fd = a->fd;
    wp_loop *loop = fd->loop; /* not from fd after it is left: it may be gone */
    int read = wp__async_reads(a);
    wp_fd_op *op = wp__fd_op(fd, read);
    for (;;) {
        if (!have) {
            long long dl = wp__fd_deadline(fd, read);
            if (dl != 0 && wp_monotonic_ns() >= dl) {
                r = -WINPOLL_ERR_DEADLINE;
            } else {
                op->async = a;
                if (!wp__op_start(fd, op, wp__submit_async, a, &r)) {
                    /* Pending. Its packet may be taken at once: the leader
                       waits (ASYNC_AWAITED) until it is tracked. */
                    AcquireSRWLockExclusive(&loop->lock);
                    wp__op_track(loop, op);
                    ReleaseSRWLockExclusive(&loop->lock);
                    if (InterlockedExchange(&op->signal, WINPOLL__ASYNC_STARTED) == WINPOLL__ASYNC_AWAITED)
                        wp__wake(&op->signal, 1);
                    return; /* a and fd are the leader's now */
                }
            }
        }
        have = 0;
        if (!wp__async_step(a, &r)) break;
    }
    op->async = NULL;
    a->result = r;
    wp__fd_leave(fd, read ? 1 : 2); /* may close the handle, after a wp_fd_close */
    wp__ready_push(loop, a);
}

/* The leader took a's packet. */
static void wp__async_completed(wp_async *a) {
    wp_fd_op *op = wp__fd_op(a->fd, wp__async_reads(a));
    for (;;) { /* until its starter has tracked it */
        LONG sig = op->signal, awaited = WINPOLL__ASYNC_AWAITED;
        if (sig == WINPOLL__ASYNC_STARTED) break;
        if (sig == WINPOLL__ASYNC_STARTING &&
            InterlockedCompareExchange(&op->signal, WINPOLL__ASYNC_AWAITED, WINPOLL__ASYNC_STARTING) !=
                WINPOLL__ASYNC_STARTING)
            continue;
        wp__wait_on(&op->signal, &awaited, sizeof awaited, INFINITE);
    }
    AcquireSRWLockExclusive(&a->fd->loop->lock);
    wp__op_untrack(a->fd->loop, op);
    ReleaseSRWLockExclusive(&a->fd->loop->lock);
    wp__async_run(a, 1, wp__op_result(a->fd, op));
}

/* Marks a in flight; -ERROR_BUSY, with a untouched, when it is already.
   Its memory may hold anything before its first start: only a pointer to
   itself means in flight. */
static int wp__async_claim(wp_async *a) {
    for (;;) {
        wp_async *was = a->flight;
        if (was == a) return -ERROR_BUSY;
        if (InterlockedCompareExchangePointer((PVOID volatile *)&a->flight, a, was) == was) return 0;
    }
}

/* A start that fails after wp__async_begin: the FD left, a free again. */
static int wp__async_abandon(wp_async *a, wp_fd *fd, int read, int r) {
    wp__fd_leave(fd, read ? 1 : 2);
    wp__async_unclaim(a);
    return r;
}

/* A claimed a's fields, set for a start of op on fd (NULL: none). */
static void wp__async_setup(wp_async *a, wp_fd *fd, int op) {
    a->fd = fd;
    a->op = op;
    a->truncated = 0;
    a->result = 0;
    a->next = NULL;
    a->buf = NULL;
    a->n = 0;
    memset(&a->w, 0, sizeof a->w);
    memset(&a->u, 0, sizeof a->u);
}

/* The common start: checks, the wp_async claimed, the FD's lock without
   waiting, the deadline. */
static int wp__async_begin(wp_async *a, wp_fd *fd, int op, int read) {
    int r;
    long long dl;
    if (a == NULL || fd == NULL) return -ERROR_INVALID_PARAMETER;
    r = wp__async_claim(a);
    if (r < 0) return r;
    r = wp__fdmu_tryrwlock(fd, read);
    if (r < 0) {
        wp__async_unclaim(a);
        return r;
    }
    if (fd->loop == NULL) {
        r = -ERROR_INVALID_PARAMETER;
    } else {
        dl = wp__fd_deadline(fd, read);
        if (dl != 0 && wp_monotonic_ns() >= dl) r = -WINPOLL_ERR_DEADLINE;
    }
    if (r < 0) return wp__async_abandon(a, fd, read, r);
    wp__async_setup(a, fd, op);
    return 0;
}

/* The end of a start that ran the operation through (not on a port):
   leave the FD, queue the result. */
static int wp__async_ran(wp_async *a, long long r) {
    wp_loop *loop = a->fd->loop; /* before the FD is left */
    a->result = r;
    wp__fd_leave(a->fd, wp__async_reads(a) ? 1 : 2);
    wp__ready_push(loop, a);
    return 0;
}

WINPOLL_API int wp_async_read(wp_async *a, wp_fd *fd, void *buf, size_t n) {
    int r;
    if (fd != NULL && fd->kind != WINPOLL_KIND_PIPE && !wp__fd_is_socket(fd)) return -ERROR_INVALID_PARAMETER;
    if (buf == NULL && n > 0) return -ERROR_INVALID_PARAMETER;
    r = wp__async_begin(a, fd, WINPOLL_ASYNC_READ, 1);
    if (r < 0) return r;
    a->buf = (char *)buf;
    a->n = n;
    if (fd->loop->port == NULL) return wp__async_ran(a, wp__fd_read_locked(fd, buf, n));
    wp__async_run(a, 0, 0);
    return 0;
}

WINPOLL_API int wp_async_write(wp_async *a, wp_fd *fd, const void *buf, size_t n) {
    int r;
    if (fd != NULL && fd->kind != WINPOLL_KIND_PIPE && !wp__fd_is_socket(fd)) return -ERROR_INVALID_PARAMETER;
    if (buf == NULL && n > 0) return -ERROR_INVALID_PARAMETER;
    r = wp__async_begin(a, fd, WINPOLL_ASYNC_WRITE, 0);
    if (r < 0) return r;
    a->buf = (char *)(ULONG_PTR)buf;
    a->n = n;
    if (fd->loop->port == NULL) return wp__async_ran(a, wp__fd_write_all(fd, buf, n, -1));
    wp__async_run(a, 0, 0);
    return 0;
}

WINPOLL_API int wp_async_accept(wp_async *a, wp_fd *l, wp_fd *out, wp_sockaddr *local, wp_sockaddr *peer) {
    wp_sockaddr self;
    int r;
    if (out == NULL || out == l || (l != NULL && l->kind != WINPOLL_KIND_STREAM_SOCKET))
        return -ERROR_INVALID_PARAMETER;
    r = wp__async_begin(a, l, WINPOLL_ASYNC_ACCEPT, 1);
    if (r < 0) return r;
    a->w.out = out;
    a->u.accept.local = local;
    a->u.accept.peer = peer;
    a->u.accept.s = INVALID_SOCKET;
    if (l->loop->port == NULL) return wp__async_ran(a, wp__accept_locked(l, out, local, peer));
    if (wp__imports.AcceptEx == NULL || wp__imports.GetAcceptExSockaddrs == NULL) {
        r = -WSAEOPNOTSUPP;
    } else if ((r = wp_getsockname((SOCKET)l->handle, &self)) == 0) {
        a->n = self.family == AF_UNIX ? WINPOLL__ADDR_ROOM : WINPOLL__IP_ROOM;
        a->buf = self.family == AF_UNIX ? (char *)WINPOLL__MALLOC(2 * WINPOLL__ADDR_ROOM, NULL) : (char *)out;
        if (a->buf == NULL) r = -ERROR_NOT_ENOUGH_MEMORY;
        else if ((r = wp_socket(self.family, SOCK_STREAM, 0, &a->u.accept.s)) < 0 && a->buf != (char *)out)
            WINPOLL__FREE(a->buf, NULL);
    }
    if (r < 0) return wp__async_abandon(a, l, 1, r);
    wp__async_run(a, 0, 0);
    return 0;
}

WINPOLL_API int wp_async_connect(wp_async *a, wp_fd *fd, const wp_sockaddr *addr) {
    wp__connect_ctx c;
    int r;
    if (fd != NULL && fd->kind != WINPOLL_KIND_STREAM_SOCKET) return -ERROR_INVALID_PARAMETER;
    if (addr == NULL) return -ERROR_INVALID_PARAMETER;
    r = wp_sockaddr_to_raw(addr, &c.ss, &c.len);
    if (r < 0) return r;
    r = wp__async_begin(a, fd, WINPOLL_ASYNC_CONNECT, 0);
    if (r < 0) return r;
    if (fd->loop->port == NULL || !wp__connect_on_port(fd, addr))
        return wp__async_ran(a, wp__connect_locked(fd, addr, &c));
    r = wp__connect_bind(fd, addr->family);
    if (r < 0) return wp__async_abandon(a, fd, 0, r);
    memcpy(&a->u.addr.sa, &c.ss, (size_t)c.len); /* IP: ConnectEx takes no AF_UNIX */
    a->u.addr.len = c.len;
    wp__async_run(a, 0, 0);
    return 0;
}

WINPOLL_API int wp_async_readfrom(wp_async *a, wp_fd *fd, void *buf, size_t n, wp_sockaddr *from) {
    int r;
    if (fd != NULL && !wp__fd_is_socket(fd)) return -ERROR_INVALID_PARAMETER;
    if (buf == NULL && n > 0) return -ERROR_INVALID_PARAMETER;
    r = wp__async_begin(a, fd, WINPOLL_ASYNC_READFROM, 1);
    if (r < 0) return r;
    a->buf = (char *)buf;
    a->n = n;
    a->w.from = from;
    if (fd->loop->port == NULL) return wp__async_ran(a, wp__readfrom_locked(fd, buf, n, from, &a->truncated));
    wp__async_run(a, 0, 0);
    return 0;
}

WINPOLL_API int wp_async_writeto(wp_async *a, wp_fd *fd, const void *buf, size_t n, const wp_sockaddr *to) {
    wp__dgram_ctx c;
    int r;
    if ((fd != NULL && !wp__fd_is_socket(fd)) || to == NULL || (buf == NULL && n > 0))
        return -ERROR_INVALID_PARAMETER;
    if (n > 0x7FFFFFFF) return -WSAEMSGSIZE;
    r = wp_sockaddr_to_raw(to, &c.ss, &c.len);
    if (r < 0) return r;
    if (to->family != AF_INET && to->family != AF_INET6) return -WSAEAFNOSUPPORT; /* datagrams are IP only */
    r = wp__async_begin(a, fd, WINPOLL_ASYNC_WRITETO, 0);
    if (r < 0) return r;
    a->buf = (char *)(ULONG_PTR)buf;
    a->n = n;
    if (fd->loop->port == NULL) return wp__async_ran(a, wp__writeto_locked(fd, buf, n, to, &c));
    memcpy(&a->u.addr.sa, &c.ss, (size_t)c.len);
    a->u.addr.len = c.len;
    wp__async_run(a, 0, 0);
    return 0;
}

WINPOLL_API int wp_async_timer(wp_async *a, wp_loop *loop, long long when_ns) {
    int r;
    if (a == NULL || loop == NULL || !loop->open || when_ns < 0) return -ERROR_INVALID_PARAMETER;
    r = wp__async_claim(a);
    if (r < 0) return r;
    wp__async_setup(a, NULL, WINPOLL_ASYNC_TIMER);
    a->w.loop = loop;
    a->u.timer.when = when_ns;
    a->u.timer.timer = 1;
    AcquireSRWLockExclusive(&loop->lock);
    wp__heap_insert(loop, &a->u.timer);
    wp__loop_armed(loop, when_ns);
    ReleaseSRWLockExclusive(&loop->lock);
    if (loop->port == NULL) wp__loop_kick(loop); /* blocking mode: pollers sleep until the nearest */
    return 0;
}

WINPOLL_API int wp_async_cancel(wp_async *a) {
    wp_loop *loop;
    int r = -ERROR_NOT_FOUND;
    if (a == NULL) return -ERROR_INVALID_PARAMETER;
    if (a->op != WINPOLL_ASYNC_TIMER) return -ERROR_NOT_SUPPORTED;
    loop = a->w.loop;
    AcquireSRWLockExclusive(&loop->lock);
    if (a->flight == a && wp__heap_has(loop, &a->u.timer)) {
        wp__heap_remove(loop, &a->u.timer);
        a->result = -ERROR_OPERATION_ABORTED;
        wp__ready_queue(loop, a, a, 1);
        r = 0;
    }
    ReleaseSRWLockExclusive(&loop->lock);
    if (r == 0) wp__loop_kick(loop);
    return r;
}

WINPOLL_API int wp_loop_post(wp_loop *loop, wp_async *a) {
    int r;
    if (loop == NULL || a == NULL || !loop->open) return -ERROR_INVALID_PARAMETER;
    r = wp__async_claim(a);
    if (r < 0) return r;
    wp__async_setup(a, NULL, WINPOLL_ASYNC_POST);
    wp__ready_push(loop, a);
    return 0;
}

/* Blocking mode, where no thread leads: fires the timers that are due and
   returns when the caller's sleep must end, the nearest or limit. */
static long long wp__loop_fire(wp_loop *loop, long long limit) {
    int queued = 0;
    long long next;
    AcquireSRWLockExclusive(&loop->lock);
    next = loop->timers != NULL ? wp__heap_fire(loop, &queued) : WINPOLL__NEVER;
    ReleaseSRWLockExclusive(&loop->lock);
    if (queued) wp__loop_kick(loop);
    return next < limit ? next : limit;
}

WINPOLL_API int wp_loop_poll(wp_loop *loop, wp_async **out, int max, long timeout_ms) {
    long long end = WINPOLL__NEVER;
    int n = 0, leading = 0;
    if (loop == NULL || !loop->open || out == NULL || max <= 0 || timeout_ms < WINPOLL_INFINITE)
        return -ERROR_INVALID_PARAMETER;
    if (timeout_ms > 0) end = wp_monotonic_ns() + (long long)timeout_ms * 1000000;
    for (;;) {
        LONG seq = loop->ready_seq;
        long long until = end;
        int rounds = max, more = 0;
        if (!leading && loop->port != NULL) leading = wp__lead_take(loop, WINPOLL__LEAD_POLL);
        /* The leader serves the port at most once a round, before the round
           begins, so that what it holds joins the round that begins next
           (no starving); with something queued or handed out already the
           turn doesn't wait (wp__loop_timers), and a queueing thread wakes a
           waiting turn (wp__ready_queue). */
        if (leading) rounds = wp__lead_turn(loop, timeout_ms == 0 || n > 0 ? 0 : end);
        else if (loop->port == NULL) until = wp__loop_fire(loop, end);
        n += wp__ready_pop(loop, out + n, max - n, rounds, &more);
        if (n == max || (n > 0 && (!leading || !more))) break;
        if (n > 0) continue; /* the next round, after the port */
        if (InterlockedExchange(&loop->woken, 0)) break;
        if (timeout_ms == 0 || (end != WINPOLL__NEVER && wp_monotonic_ns() >= end)) break;
        if (more) continue; /* another poller holds the round: the next turn looks */
        if (!leading) {
            long long d = until - wp_monotonic_ns();
            long long left = until == WINPOLL__NEVER ? -1 : d <= 0 ? 0 : (d + 999999) / 1000000;
            DWORD ms = left < 0 ? INFINITE : left > 0x7FFFFFFE ? 0x7FFFFFFE : (DWORD)left;
            InterlockedIncrement(&loop->sleepers);
            wp__wait_on(&loop->ready_seq, &seq, sizeof seq, ms);
            InterlockedDecrement(&loop->sleepers);
        }
    }
    if (leading) wp__lead_release(loop);
    return n;
}

WINPOLL_API int wp_loop_wake(wp_loop *loop) {
    if (loop == NULL || !loop->open) return -ERROR_INVALID_PARAMETER;
    if (InterlockedExchange(&loop->woken, 1) == 0 && loop->port != NULL &&
        !PostQueuedCompletionStatus(loop->port, 0, WINPOLL__KEY_WAKE, NULL))
        return wp__last_error();
    wp__loop_kick(loop);
    return 0;
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
#undef WINPOLL__PROC
#undef WINPOLL__PATH_SMALL
#undef WINPOLL__PATH_ROOM
#undef WINPOLL__UNIX_EPOCH_FT
#undef WINPOLL__LL_MAX
#undef WINPOLL__MAX_RW
#undef WINPOLL__VT_PROCESSING
#undef WINPOLL__SHARE_ALL
#undef WINPOLL__TAG_MOUNT_POINT
#undef WINPOLL__TAG_SYMLINK
#undef WINPOLL__TAG_AF_UNIX
#undef WINPOLL__FILE_ID_INFO_CLASS
#undef WINPOLL__FSCTL_GET_REPARSE_POINT
#undef WINPOLL__REPARSE_MAX
#undef WINPOLL__SYMLINK_RELATIVE
#undef WINPOLL__SYMLINK_DIR
#undef WINPOLL__SYMLINK_UNPRIVILEGED
#undef WINPOLL__SIO_KEEPALIVE_VALS
#undef WINPOLL__ERROR_HANDLES_CLOSED
#undef WINPOLL__PARK_BUCKETS
#undef WINPOLL__MU_CLOSED
#undef WINPOLL__MU_RLOCK
#undef WINPOLL__MU_WLOCK
#undef WINPOLL__MU_REF
#undef WINPOLL__MU_REF_MASK
#undef WINPOLL__MU_RWAIT
#undef WINPOLL__MU_RWAIT_MASK
#undef WINPOLL__MU_WWAIT
#undef WINPOLL__MU_WWAIT_MASK
#undef WINPOLL__SSE2
#undef WINPOLL__PUT16
#undef WINPOLL__PUT8
#undef WINPOLL__IS_HIGH
#undef WINPOLL__IS_LOW
#undef WINPOLL__PAIR
#undef WINPOLL__CONSOLE_READ_UNITS
#undef WINPOLL__CONSOLE_WRITE_UNITS
#undef WINPOLL__KEY_IO
#undef WINPOLL__KEY_WAKE
#undef WINPOLL__OP_WAITING
#undef WINPOLL__OP_DONE
#undef WINPOLL__OP_LEAD
#undef WINPOLL__KEY_TIMER
#undef WINPOLL__OV_PENDING
#undef WINPOLL__LEAD_OP
#undef WINPOLL__LEAD_POLL
#undef WINPOLL__LEAD_LOCK
#undef WINPOLL__ASYNC_STARTING
#undef WINPOLL__ASYNC_STARTED
#undef WINPOLL__ASYNC_AWAITED
#undef WINPOLL__NEVER
#undef WINPOLL__SIO_UDP_CONNRESET
#undef WINPOLL__SIO_UDP_NETRESET
#undef WINPOLL__ADDR_ROOM
#undef WINPOLL__IP_ROOM
#undef WINPOLL__IOV_BATCH

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
