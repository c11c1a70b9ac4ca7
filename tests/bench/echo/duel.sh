#!/bin/sh
# duel.sh DIR RUN [MODE CONNS SIZE SECS] - head to head: the baseline and the
# winpoll server of server-MODE.exe (iocp by default) run at the same time,
# both on CPU 0 with one wineserver, each with its own load generator on
# CPU 1, for 64 x 64 B over 3 s unless told otherwise. Prints both rates and
# winpoll's over the baseline's. Both servers see the same machine at the
# same moment, so the ratio moves far less from run to run than the
# one-after-the-other figures of run.sh; it measures which server gets more
# done when they compete for one CPU, which is not the same question, so
# make bench does not run it. REPS=n runs it n times (default 4), taking
# turns at which server starts first.
set -eu
. "$(dirname "$0")/wineserver.sh"
dir=$1
run=$2
mode=${3:-iocp}; conns=${4:-64}; size=${5:-64}; secs=${6:-3}
REPS=${REPS:-4}
load="$dir/load"
[ -x "$load" ] || load="$dir/load.exe"
pin0=""; pin1=""
if [ -n "$run" ] && command -v taskset >/dev/null 2>&1; then
    wineserver_on_cpu0
    pin0="taskset -c 0"; pin1="taskset -c 1"
fi

# start KIND TAG: a server in the background; its pid in $spid, port in $port
start() {
    rm -f "$dir/port-$2"
    $pin0 $run "$dir/server-$mode.exe" "$1" "$dir/port-$2" 60 > /dev/null 2>&1 &
    spid=$!
    i=0
    while [ ! -s "$dir/port-$2" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    port=$(tr -d '\r\n' < "$dir/port-$2")
}

rate() { sed -n 's/.*rate=\([0-9]*\).*/\1/p' "$1"; }

r=0
while [ $r -lt "$REPS" ]; do
    if [ $((r % 2)) -eq 0 ]; then first=baseline; second=winpoll; else first=winpoll; second=baseline; fi
    start $first a; pa=$spid; port_a=$port
    start $second b; pb=$spid; port_b=$port
    $pin1 "$load" 127.0.0.1 "$port_a" "$conns" "$size" "$secs" > "$dir/duel-$first" &
    la=$!
    $pin1 "$load" 127.0.0.1 "$port_b" "$conns" "$size" "$secs" > "$dir/duel-$second"
    wait $la
    kill $pa $pb 2>/dev/null || true
    wait $pa $pb 2>/dev/null || true
    b=$(rate "$dir/duel-baseline"); w=$(rate "$dir/duel-winpoll")
    printf '%s %s x %s B, %s first: baseline %s, winpoll %s round trips/s: %s\n' "$mode" "$conns" "$size" "$first" \
        "$b" "$w" "$(awk "BEGIN{printf \"%.3fx\", $w / $b}")"
    r=$((r + 1))
done
