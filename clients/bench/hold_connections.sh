#!/usr/bin/env bash
# One c10k-load process holding many open connections to one server (15,000 by default): past a
# single source address's port range with --source, within the 20,000 descriptors of one process.
# Reports what the client, the kernel and the server each saw. A benchmark to rerun, not a test.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

usage() {
    cat <<'TEXT'
usage: clients/bench/hold_connections.sh [options]

  --server nginx|c10k   the server: nginx with one worker (default) or c10k-server --mode loop
  --build DIR           where c10k-load (and c10k-server) were built (default: build)
  --connections N       connections to hold (default: 15000)
  --busy N              of which busy (closed loop); the rest stay idle (default: 100)
  --source ADDRS        local addresses (default: 127.0.0.2-127.0.0.9)
  --ramp N              connections opened per second (default: 5000)
  --duration SECONDS    measured time once all are open (default: 10)
  --server-cpu N        core for the server (default: 0)
  --client-cpu N        core for the client (default: 1)

Exits 1 unless the client held every connection open at once, without errors.
TEXT
}

server=nginx
build=build
total=15000
busy=100
sources=127.0.0.2-127.0.0.9
ramp=5000
duration=10
server_cpu=0
client_cpu=1
while [[ $# -gt 0 ]]; do
    case "$1" in
    --server) server=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --connections) total=$2; shift 2 ;;
    --busy) busy=$2; shift 2 ;;
    --source) sources=$2; shift 2 ;;
    --ramp) ramp=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --server-cpu) server_cpu=$2; shift 2 ;;
    --client-cpu) client_cpu=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "hold_connections.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $busy -le $total ]] || { echo "hold_connections.sh: --busy is more than --connections" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../scripts/bench-lib.sh
source "$here/../../scripts/bench-lib.sh"

load=$build/bin/c10k-load
[[ -x $load ]] || { echo "hold_connections.sh: $load is not built (see --build)" >&2; exit 1; }

workdir=$(mktemp -d)
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    bench_stop_server
    rm -rf "$workdir"
}
trap cleanup EXIT

ulimit -n "$(ulimit -Hn)"
bench_start_server "$server" "$server_cpu" "$workdir" "$build"
echo "server: $server (pid $SERVER_PID, cpu $server_cpu) at $SERVER_URL"

# The warm-up covers the ramp, so the measured seconds see every connection open.
warmup=$(awk -v n="$total" -v r="$ramp" 'BEGIN { printf "%d", n / r + 3 }')
cmd=("$load" -t1 -c "$busy" --idle $((total - busy)) --ramp "$ramp" --source "$sources"
    -w "$warmup" -d "$duration" --json "$workdir/run.json" "$SERVER_URL")
echo "client: taskset -c $client_cpu ${cmd[*]}"
taskset -c "$client_cpu" "${cmd[@]}" >"$workdir/summary" 2>&1 &
client=$!

# Midway through the measured time: the client's descriptors and the kernel's TCP sockets.
sleep $((warmup + duration / 2))
fds=$(find "/proc/$client/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
rss=$(awk '/VmRSS/ { print $2 " " $3 }' "/proc/$client/status" 2>/dev/null || echo "?")
sockstat=$(grep '^TCP:' /proc/net/sockstat || true)
nginx_active() {
    exec 3<>"/dev/tcp/127.0.0.1/$SERVER_PORT" || return 0
    printf 'GET /nginx_status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
    grep -a 'Active connections' <&3 || true
    exec 3<&-
}
server_view=
if [[ $server == nginx ]]; then
    server_view=$(nginx_active)
fi
wait "$client" || { cat "$workdir/summary"; exit 1; }

cat "$workdir/summary"
echo
echo "midway: client open descriptors: $fds, client RSS: $rss"
echo "midway: kernel $sockstat"
[[ -n $server_view ]] && echo "midway: nginx $server_view"

json=$workdir/run.json
min_open=$(awk '/"warmup": false/ { match($0, /"connections": [0-9]+/); v = substr($0, RSTART + 15, RLENGTH - 15) + 0; if (min == "" || v < min) min = v } END { print min + 0 }' "$json")
errors=$(grep -o '"errors": {"total": [0-9]*' "$json" | grep -o '[0-9]*$')
echo "fewest connections open in any measured second: $min_open of $total; errors: $errors"
if [[ $min_open -ge $total && $errors -eq 0 ]]; then
    echo "one c10k-load process held $total connections"
else
    echo "the client did NOT hold $total connections without errors"
    exit 1
fi
