#!/bin/sh
# run.sh DIR RUN - the TCP echo benchmark: the four servers of server.c
# against the host-built load generator, for 1 x 64 B, 64 x 64 B and
# 64 x 16 KiB, REPS runs (7) of SECS seconds (2) each (baseline and winpoll taking
# turns), pinned (wineserver and the server on CPU 0, the load on CPU 1) and
# unpinned; then the memory each
# server holds per idle connection (1,000 of them), and the 64 x 64 B rate
# with 10,000 idle connections held (see held). Prints markdown tables:
# medians with min-max, and the ratio to the hand-written baseline: the
# median, with min-max, of each winpoll run over the baseline run before it.
set -eu
. "$(dirname "$0")/wineserver.sh"
dir=$1
run=$2 # how to run a Windows program ("" on Windows)
REPS=${REPS:-7}
SECS=${SECS:-2}
load="$dir/load"
[ -x "$load" ] || load="$dir/load.exe"

# start_server EXE KIND [ARGS]: in the background, pinned by $pin; sets $port
start_server() {
    exe=$1; kind=$2; shift 2
    rm -f "$dir/port"
    $pin_server $run "$exe" "$kind" "$dir/port" 60 "$@" > "$dir/server.out" 2>&1 &
    spid=$!
    i=0
    while [ ! -s "$dir/port" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    port=$(tr -d '\r\n' < "$dir/port")
}

stop_server() { kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; }

# field NAME LINE: the value of NAME=... in LINE
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# stats [DIGITS]: reads numbers, prints "median min-max"
stats() {
    sort -g | awk -v d="${1:-0}" '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2;
        f = "%." d "f"; printf f " " f "-" f, m, v[1], v[NR]}'
}

bench() {
    echo
    echo "$1"
    echo
    echo "| server | conns x size | round trips/s (min-max) | MB/s | p50 us | p99 us | fairness | longest ms | vs baseline (min-max) |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for mode in iocp blocking; do
        for cfg in "1 64" "64 64" "64 16384"; do
            set -- $cfg
            conns=$1; size=$2
            # baseline and winpoll take turns, so that a machine that speeds
            # up or slows down over the runs moves both alike
            : > "$dir/rates-baseline"; : > "$dir/lines-baseline"
            : > "$dir/rates-winpoll"; : > "$dir/lines-winpoll"
            r=0
            while [ $r -lt "$REPS" ]; do
                for kind in baseline winpoll; do
                    start_server "$dir/server-$mode.exe" $kind
                    line=$($pin_load "$load" 127.0.0.1 "$port" "$conns" "$size" "$SECS")
                    stop_server
                    field rate "$line" >> "$dir/rates-$kind"
                    echo "$line" >> "$dir/lines-$kind"
                done
                r=$((r + 1))
            done
            for kind in baseline winpoll; do
                mv "$dir/rates-$kind" "$dir/rates"; mv "$dir/lines-$kind" "$dir/lines"
                rate=$(stats < "$dir/rates")
                med=${rate%% *}
                # the other figures from the run with the median rate
                line=$(grep "rate=$med " "$dir/lines" | head -1)
                [ -n "$line" ] || line=$(sed -n 1p "$dir/lines")
                if [ $kind = baseline ]; then
                    cp "$dir/rates" "$dir/rates-base"
                    ratio="1.00x"
                else
                    # each winpoll run over the baseline run just before it:
                    # the median of those ratios, with their range
                    ratio=$(paste "$dir/rates" "$dir/rates-base" | awk '{printf "%.4f\n", $1 / $2}' | stats 2)
                    ratio="${ratio%% *}x (${ratio#* })"
                fi
                name="$mode $kind"; [ $kind = baseline ] && name="$mode baseline (hand-written)"
                printf '| %s | %s x %s B | %s (%s) | %s | %s | %s | %s | %s | %s |\n' "$name" "$conns" "$size" \
                    "$med" "${rate#* }" "$(field mbs "$line")" "$(field p50_us "$line")" "$(field p99_us "$line")" \
                    "$(field fair "$line")" "$(field longest_ms "$line")" "$ratio"
            done
        done
    done
}

# held: 64 x 64 B on the completion-port servers, without and then with
# HELD idle connections (10,000) held open beside them, HELD_REPS runs (3):
# each server's rate with them over its rate without, and winpoll's ratio
# over the baseline's. The held connections each have a read pending.
HELD=${HELD:-10000}
HELD_REPS=${HELD_REPS:-3}
held() {
    ulimit -n $((HELD + 4096)) 2>/dev/null || true
    echo
    echo "64 x 64 B with $HELD idle connections held (completion-port servers, unpinned)"
    echo
    echo "| server | round trips/s without | with $HELD held | with over without (min-max) |"
    echo "|---|---|---|---|"
    for kind in baseline winpoll; do
        : > "$dir/held-$kind"
        r=0
        while [ $r -lt "$HELD_REPS" ]; do
            start_server "$dir/server-iocp.exe" $kind --report $((HELD + 128))
            "$load" 127.0.0.1 "$port" 64 64 1 > /dev/null # a warm-up, so that "without" is not the cold start
            without=$(field rate "$("$load" 127.0.0.1 "$port" 64 64 "$SECS")")
            "$load" 127.0.0.1 "$port" --idle "$HELD" 600 > /dev/null &
            lpid=$!
            i=0
            while ! grep -q accepted= "$dir/server.out" && [ $i -lt 1800 ]; do sleep 0.1; i=$((i + 1)); done
            with=$(field rate "$("$load" 127.0.0.1 "$port" 64 64 "$SECS")")
            kill $lpid 2>/dev/null || true; wait $lpid 2>/dev/null || true
            stop_server
            echo "$without $with" >> "$dir/held-$kind"
            r=$((r + 1))
        done
        wo=$(awk '{print $1}' "$dir/held-$kind" | stats)
        wi=$(awk '{print $2}' "$dir/held-$kind" | stats)
        ra=$(awk '{printf "%.4f\n", $2 / $1}' "$dir/held-$kind" | stats 2)
        eval "ratio_$kind=${ra%% *}"
        printf '| iocp %s | %s | %s | %s (%s) |\n' "$kind" "${wo%% *}" "${wi%% *}" "${ra%% *}x" "${ra#* }"
    done
    echo
    echo "winpoll's ratio over the baseline's: $(awk -v a="$ratio_winpoll" -v b="$ratio_baseline" 'BEGIN {printf "%.2f", a / b}')x"
}

if [ "${ONLY_HELD:-0}" = 1 ]; then
    pin_server=""; pin_load=""
    held
    exit 0
fi

if [ -n "$run" ] && command -v taskset >/dev/null 2>&1; then
    # a wineserver of our own, on CPU 0 with the server
    wineserver_on_cpu0
    pin_server="taskset -c 0"; pin_load="taskset -c 1"
    bench "pinned: wineserver and server on CPU 0, load generator on CPU 1"
    WINEPREFIX=$prefix wineserver -k >/dev/null 2>&1 || true
    sleep 1
    WINEPREFIX=$prefix wineserver -p30 >/dev/null 2>&1 || true
fi
pin_server=""; pin_load=""
bench "unpinned"
held

echo
echo "| server | bytes per idle connection (1,000 held) |"
echo "|---|---|"
for s in "iocp winpoll" "blocking winpoll" "iocp baseline"; do
    set -- $s
    start_server "$dir/server-$1.exe" $2 --idle 1000
    "$load" 127.0.0.1 "$port" --idle 1001 8 > /dev/null &
    lpid=$!
    i=0
    while ! grep -q bytes_per_conn "$dir/server.out" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    b=$(sed -n 's/^bytes_per_conn=//p' "$dir/server.out" | tr -d '\r')
    kill $lpid 2>/dev/null || true; wait $lpid 2>/dev/null || true
    stop_server
    printf '| %s %s | %s |\n' "$1" "$2" "${b:-not measured}"
done
