# wineserver.sh - sourced by run.sh and duel.sh: wineserver_on_cpu0 restarts
# the project's own wineserver pinned to CPU 0 (with the server), and sets
# $prefix to the project's Wine prefix.
wineserver_on_cpu0() {
    prefix=$(cd "$(dirname "$0")/../../.." && pwd)/build/wineprefix
    WINEPREFIX=$prefix wineserver -k >/dev/null 2>&1 || true
    sleep 1
    WINEPREFIX=$prefix taskset -c 0 wineserver -p30 >/dev/null 2>&1 || true
}
