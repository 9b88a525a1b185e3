#!/usr/bin/env bash
# CPU time per request of c10k-load and of wrk, against the same server in one run: the server on
# one core, each client in turn on another (taskset), one client thread each, keep-alive GETs of
# /plaintext. A benchmark to rerun, not a timed test: the figures depend on the machine.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

usage() {
    cat <<'TEXT'
usage: clients/bench/cpu_vs_wrk.sh [options]

  --server nginx|c10k   the server: nginx with one worker (default) or c10k-server --mode loop
  --build DIR           where c10k-load (and c10k-server) were built (default: build)
  --connections "N..."  concurrency levels (default: "100 1000")
  --duration SECONDS    per run (default: 10)
  --repeat N            runs per tool and level, alternating; the median is kept (default: 3)
  --server-cpu N        core for the server (default: 0)
  --client-cpu N        core for the clients (default: 1)

Prints one line per run and a table of the medians, and exits 1 when c10k-load used more CPU
per request than wrk at any level.
TEXT
}

server=nginx
build=build
levels="100 1000"
duration=10
repeat=3
server_cpu=0
client_cpu=1
while [[ $# -gt 0 ]]; do
    case "$1" in
    --server) server=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --connections) levels=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --server-cpu) server_cpu=$2; shift 2 ;;
    --client-cpu) client_cpu=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "cpu_vs_wrk.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../scripts/bench-lib.sh
source "$here/../../scripts/bench-lib.sh"

load=$build/bin/c10k-load
[[ -x $load ]] || { echo "cpu_vs_wrk.sh: $load is not built (see --build)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "cpu_vs_wrk.sh: wrk is not installed" >&2; exit 1; }

workdir=$(mktemp -d)
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    bench_stop_server
    rm -rf "$workdir"
}
trap cleanup EXIT

ulimit -n "$(ulimit -Hn)"
bench_start_server "$server" "$server_cpu" "$workdir" "$build"
echo "server: $server (pid $SERVER_PID, cpu $server_cpu) at $SERVER_URL; clients on cpu $client_cpu"

# CPU seconds (user + system) of the children this shell has waited for, from the output of the
# `times` builtin (which must run in this shell, not in a command substitution).
children_cpu() {
    awk 'NR == 2 {
        n = split($0, f, " ")
        total = 0
        for (i = 1; i <= n; i++) {
            split(f[i], ms, "m")
            total += ms[1] * 60 + substr(ms[2], 1, length(ms[2]) - 1)
        }
        printf "%.3f\n", total
    }' "$1"
}

# run_one TOOL CONNECTIONS: prints "requests cpu_seconds".
run_one() {
    local tool=$1 conns=$2 before after requests
    times >"$workdir/times.before"
    if [[ $tool == wrk ]]; then
        taskset -c "$client_cpu" wrk -t1 -c"$conns" -d"${duration}s" "$SERVER_URL" \
            >"$workdir/out" 2>&1
        requests=$(awk '/requests in/ { print $1 }' "$workdir/out")
    else
        taskset -c "$client_cpu" "$load" -t1 -c"$conns" -d"$duration" "$SERVER_URL" \
            >"$workdir/out" 2>&1
        requests=$(awk '$1 == "requests" { print $2 }' "$workdir/out")
    fi
    times >"$workdir/times.after"
    before=$(children_cpu "$workdir/times.before")
    after=$(children_cpu "$workdir/times.after")
    if [[ -z $requests || $requests == 0 ]]; then
        echo "cpu_vs_wrk.sh: $tool completed no requests:" >&2
        cat "$workdir/out" >&2
        exit 1
    fi
    echo "$requests $(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.3f", a - b }')"
}

median() {
    sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A per_request rate
for conns in $levels; do
    for tool in wrk c10k-load; do
        : >"$workdir/$tool.$conns"
    done
    for run in $(seq 1 "$repeat"); do
        for tool in wrk c10k-load; do
            read -r requests cpu < <(run_one "$tool" "$conns")
            us=$(awk -v c="$cpu" -v r="$requests" 'BEGIN { printf "%.2f", c * 1e6 / r }')
            rps=$(awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%.0f", r / d }')
            printf '  run %d  %-9s %5d connections: %9d requests (%6d req/s), %6.2fs cpu, %6.2f us/request\n' \
                "$run" "$tool" "$conns" "$requests" "$rps" "$cpu" "$us"
            echo "$us $rps" >>"$workdir/$tool.$conns"
        done
    done
    for tool in wrk c10k-load; do
        per_request[$tool.$conns]=$(cut -d' ' -f1 "$workdir/$tool.$conns" | median)
        rate[$tool.$conns]=$(cut -d' ' -f2 "$workdir/$tool.$conns" | median)
    done
done

status=0
echo
printf '%-12s %16s %16s %12s %12s %8s\n' connections "wrk us/req" "c10k-load us/req" "wrk req/s" "c10k req/s" ratio
for conns in $levels; do
    w=${per_request[wrk.$conns]}
    c=${per_request[c10k-load.$conns]}
    ratio=$(awk -v c="$c" -v w="$w" 'BEGIN { printf "%.2f", c / w }')
    printf '%-12s %16s %16s %12s %12s %8s\n' "$conns" "$w" "$c" "${rate[wrk.$conns]}" \
        "${rate[c10k-load.$conns]}" "$ratio"
    if awk -v c="$c" -v w="$w" 'BEGIN { exit !(c > w) }'; then
        status=1
    fi
done
if [[ $status -eq 0 ]]; then
    echo "c10k-load used no more CPU per request than wrk at every level"
else
    echo "c10k-load used MORE CPU per request than wrk at some level"
fi
exit "$status"
