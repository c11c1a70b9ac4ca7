#!/bin/sh
# wine-run.sh PROGRAM.exe [ARGS...] - run a Windows program under Wine in the
# project's own prefix (build/wineprefix), never ~/.wine, so that a stuck test's
# `wineserver -k` touches nothing else. The prefix is made on first use and set
# to Windows 10, so that version-dependent code takes the path it takes on
# current Windows.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
WINEPREFIX="$top/build/wineprefix"
WINEDEBUG=${WINEDEBUG:--all}
# No Mono or Gecko install dialogs in a prefix made without a display.
WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
export WINEPREFIX WINEDEBUG WINEDLLOVERRIDES
WINE=wine

if [ ! -f "$WINEPREFIX/.winpoll-ready" ]; then
    echo "wine-run: making the Wine prefix build/wineprefix (once, about 10 s)" >&2
    mkdir -p "$WINEPREFIX"
    "$WINE" wineboot -i >/dev/null 2>&1
    "$WINE" winecfg /v win10 >/dev/null 2>&1
    wineserver -w
    touch "$WINEPREFIX/.winpoll-ready"
fi
# Keep the wineserver up between the programs of one run (it ends by itself
# 10 s after the last one).
wineserver -p10 >/dev/null 2>&1 || true
exec "$WINE" "$@"
