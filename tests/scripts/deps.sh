#!/bin/sh
# deps.sh - make sure the cross toolchains and Wine that `make test` needs are installed.
#
# On a Debian-like machine as root, installs what is missing with apt-get.
# Otherwise prints one message naming exactly what to install, and fails.
# Prints nothing when everything is already there.
set -eu

missing=""
need() { # need PACKAGE TEST...
    pkg=$1; shift
    if ! "$@" >/dev/null 2>&1; then missing="$missing $pkg"; fi
}
have_clang_cl() {
    command -v clang-cl >/dev/null 2>&1 || ls /usr/lib/llvm-*/bin/clang-cl >/dev/null 2>&1
}
have_lld_link() {
    command -v lld-link >/dev/null 2>&1 || ls /usr/lib/llvm-*/bin/lld-link >/dev/null 2>&1
}

need gcc-mingw-w64-x86-64 command -v x86_64-w64-mingw32-gcc
need g++-mingw-w64-x86-64 command -v x86_64-w64-mingw32-g++
need clang-tools have_clang_cl
need lld have_lld_link
need wine command -v wine
need wine64 sh -c 'command -v wine64 || test -x /usr/lib/wine/wine64'
need libwine-dev test -f /usr/include/wine/wine/windows/winsock2.h
need libwine-dev test -f /usr/lib/x86_64-linux-gnu/wine/x86_64-windows/libws2_32.a
need bsdutils command -v script

[ -z "$missing" ] && exit 0
# one package may be named twice (two checks)
missing=$(printf '%s\n' $missing | sort -u | tr '\n' ' ')

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # clang-tools carries clang-cl; clang and lld-link come with it and lld.
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing clang >/dev/null
    exit 0
fi

cat >&2 <<MSG
winpoll.h tests need these Debian/Ubuntu packages, which are missing:
   $missing
Install them as root:
   apt-get update && apt-get install -y --no-install-recommends $missing clang
(On Windows, run make from a shell with clang-cl on PATH instead.)
MSG
exit 1
