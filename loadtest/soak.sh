#!/usr/bin/env bash
# Soak test (not part of ctest): runs each concurrency model under a long mixed load and checks
# that the server's memory and descriptors come back to where they were once the load stops.
#
# For each model: start c10k-server on port 0, warm it up with the same load (so that thread
# stacks, malloc arenas and buffers already exist), let it settle and take the baseline; then
# --minutes of mixed load, sampling RSS, open descriptors and threads every --interval seconds;
# then let it settle again and compare with the baseline. The load, all at once:
#   - c10k-load, busy keep-alive connections with a weighted mix: /plaintext, /json,
#     /work?cpu_us=50, /sleep?ms=5, POST /echo, an unknown path, a bad parameter, an unknown
#     method (which closes the connection);
#   - c10k-load --no-keepalive on /plaintext (connection churn);
#   - c10k-load --idle: keep-alive connections that send one request every 5 s;
#   - malformed requests on raw sockets (no Host, obs-fold, bad chunk size, huge Content-Length,
#     a head cut short, a pipelined batch never read), a few per second.
# Verdict: PASS when RSS after the settle is within 10 % or 2 MiB of the baseline (the larger) and
# the descriptor count equals it, the server still answers, and SIGTERM ends it with status 0.
# Samples and the load client's JSON land in --out (a new temporary directory by default).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
minutes=10
modes=thread,pool,loop
bin_dir=$top/build/bin
out_dir=
interval=10
warmup=20
settle=15
busy=32
idle=32

usage() {
    cat <<'USAGE'
usage: loadtest/soak.sh [options]

  --minutes N      load per model (default 10)
  --modes LIST     comma-separated: thread, pool, loop, loop2 (loop --loops 2)
                   (default thread,pool,loop)
  --bin DIR        where c10k-server and c10k-load are (default build/bin)
  --out DIR        samples and load reports (default: a new directory under /tmp)
  --interval S     seconds between samples (default 10)
  --warmup S       load before the baseline (default 20)
  --settle S       quiet time before the baseline and before the last sample (default 15)
  --busy N         busy keep-alive connections of the mix (default 32)
  --idle N         idle keep-alive connections (default 32)
USAGE
}

while [ $# -gt 0 ]; do
    case "$1" in
    --minutes) minutes=${2:?}; shift 2 ;;
    --modes) modes=${2:?}; shift 2 ;;
    --bin) bin_dir=${2:?}; shift 2 ;;
    --out) out_dir=${2:?}; shift 2 ;;
    --interval) interval=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    --settle) settle=${2:?}; shift 2 ;;
    --busy) busy=${2:?}; shift 2 ;;
    --idle) idle=${2:?}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "soak.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

for tool in c10k-server c10k-load; do
    if [ ! -x "$bin_dir/$tool" ]; then
        echo "soak.sh: no $bin_dir/$tool (build first: ./c10k-lab build)" >&2
        exit 1
    fi
done
command -v jq >/dev/null || { echo "soak.sh: needs jq" >&2; exit 1; }
if [ -z "$out_dir" ]; then
    out_dir=$(mktemp -d /tmp/c10k-soak.XXXXXX)
fi
mkdir -p "$out_dir"

server_pid=
load_pids=()

stop_load() {
    local pid
    for pid in "${load_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${load_pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    load_pids=()
}

stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}

cleanup() {
    stop_load
    stop_server
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Prints "RSS_KIB FDS THREADS" of process $1.
sample() {
    local rss threads fds
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status")
    threads=$(awk '/^Threads:/ {print $2}' "/proc/$1/status")
    fds=$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l)
    echo "$rss $fds $threads"
}

# Sends one raw request ($2, printf %b escapes) to port $1 and prints the status (or "-").
raw_request() {
    # shellcheck disable=SC2016 # expanded by the inner shell
    timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "%b" "$2" >&3 &&
        head -c 12 <&3' _ "$1" "$2" 2>/dev/null | cut -c 10-12 || true
}

# Malformed and abandoned requests on raw sockets, until the time $2 (epoch seconds).
bad_requests() {
    local port=$1 until=$2 i=0 status
    local -a reqs=(
        'GET /plaintext HTTP/1.1\r\n\r\n'
        'GET /plaintext HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n'
        'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'
        'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n'
        'GET /plaintext HTTP/1.1\r\nHo'
        'GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n'
    )
    while [ "$(date +%s)" -lt "$until" ]; do
        if [ $((i % 6)) -eq 5 ]; then
            # A pipelined batch whose answers are never read.
            # shellcheck disable=SC2016 # expanded by the inner shell
            timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "%b" "$2" >&3' _ \
                "$port" "${reqs[5]}" 2>/dev/null || true
            status=sent
        else
            status=$(raw_request "$port" "${reqs[$((i % 6))]}")
        fi
        echo "${status:--}"
        i=$((i + 1))
        sleep 0.2
    done
}

# Starts the whole load for $2 seconds against port $1; reports go to $3.*.
start_load() {
    local port=$1 secs=$2 prefix=$3 url="http://127.0.0.1:$1/"
    "$bin_dir/c10k-load" -c "$busy" -d "${secs}s" --timeout 5s -j "$prefix.mix.json" \
        -r 'GET /plaintext 40' -r 'GET /json 20' -r 'GET /work?cpu_us=50 10' \
        -r 'GET /sleep?ms=5 10' -r 'POST /echo 10' -r 'GET /nope 3' \
        -r 'GET /work?cpu_us=abc 3' -r 'BREW /plaintext 1' -b 'soak test body' \
        "$url" >"$prefix.mix.txt" 2>&1 &
    load_pids+=($!)
    "$bin_dir/c10k-load" -c 4 --no-keepalive -d "${secs}s" --timeout 5s -j "$prefix.churn.json" \
        "${url}plaintext" >"$prefix.churn.txt" 2>&1 &
    load_pids+=($!)
    "$bin_dir/c10k-load" -c 0 --idle "$idle" --idle-interval 5s -d "${secs}s" --timeout 5s \
        -j "$prefix.idle.json" "${url}json" >"$prefix.idle.txt" 2>&1 &
    load_pids+=($!)
    bad_requests "$port" "$(($(date +%s) + secs))" >"$prefix.bad.txt" &
    load_pids+=($!)
}

# Waits for the load started by start_load, sampling the server every $interval seconds into $1.
wait_load() {
    local samples=$1 pid alive
    while :; do
        alive=0
        for pid in "${load_pids[@]}"; do
            if kill -0 "$pid" 2>/dev/null; then alive=1; fi
        done
        [ "$alive" = 1 ] || break
        echo "$(date +%s) load $(sample "$server_pid")" >>"$samples"
        sleep "$interval" &
        wait $! || true
    done
    for pid in "${load_pids[@]}"; do
        wait "$pid" || true
    done
    load_pids=()
}

# Reads field $2 (a jq path) of load report $1, 0 when missing.
report() {
    jq -r "$2 // 0" "$1" 2>/dev/null || echo 0
}

results=$out_dir/results.tsv
: >"$results"

run_model() {
    local name=$1 mode=$1 extra=()
    case "$name" in
    thread | pool | loop) ;;
    loop2) mode=loop; extra=(--loops 2) ;;
    *) echo "soak.sh: unknown mode '$name'" >&2; exit 2 ;;
    esac
    local prefix=$out_dir/$name samples=$out_dir/$name.samples
    : >"$samples"
    : >"$prefix.server.out"
    "$bin_dir/c10k-server" --mode "$mode" --port 0 --quiet "${extra[@]}" \
        >"$prefix.server.out" 2>"$prefix.server.err" &
    server_pid=$!
    local port='' tries=0
    while [ -z "$port" ]; do
        port=$(sed -n 's/^listening on [^ ]*:\([0-9]*\) mode=.*/\1/p' "$prefix.server.out")
        tries=$((tries + 1))
        if [ "$tries" -gt 100 ] || ! kill -0 "$server_pid" 2>/dev/null; then
            echo "soak.sh: $name: the server did not start" >&2
            cat "$prefix.server.err" >&2
            exit 1
        fi
        [ -n "$port" ] || sleep 0.1
    done
    local cold
    cold=$(sample "$server_pid")
    echo "$(date +%s) cold $cold" >>"$samples"
    echo "== $name: port $port, warm-up ${warmup}s" >&2
    start_load "$port" "$warmup" "$prefix.warmup"
    wait_load "$samples"
    sleep "$settle"
    local base
    base=$(sample "$server_pid")
    echo "$(date +%s) baseline $base" >>"$samples"
    echo "== $name: baseline (RSS KiB, fds, threads) $base; ${minutes} min of load" >&2
    start_load "$port" "$((minutes * 60))" "$prefix"
    wait_load "$samples"
    sleep "$settle"
    local after
    after=$(sample "$server_pid")
    echo "$(date +%s) after $after" >>"$samples"
    local answers
    answers=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/plaintext" ||
        true)
    kill -TERM "$server_pid"
    local code=0
    wait "$server_pid" || code=$?
    server_pid=

    local base_rss base_fds after_rss after_fds peak_rss peak_fds peak_threads tol
    read -r base_rss base_fds _ <<<"$base"
    read -r after_rss after_fds _ <<<"$after"
    read -r peak_rss peak_fds peak_threads < <(awk '$2 == "load" {
            if ($3 > r) r = $3; if ($4 > f) f = $4; if ($5 > t) t = $5 }
        END { print r + 0, f + 0, t + 0 }' "$samples")
    tol=$((base_rss / 10 > 2048 ? base_rss / 10 : 2048))
    local verdict=PASS why=()
    if [ $((after_rss - base_rss)) -gt "$tol" ]; then why+=(rss); fi
    if [ "$after_fds" != "$base_fds" ]; then why+=(fds); fi
    if [ "$answers" != 200 ]; then why+=("answer=$answers"); fi
    if [ "$code" != 0 ]; then why+=("exit=$code"); fi
    if [ ${#why[@]} -gt 0 ]; then verdict="FAIL(${why[*]})"; fi

    local reqs errs non2xx churn idle_reqs bad_n
    reqs=$(report "$prefix.mix.json" .summary.requests)
    non2xx=$(report "$prefix.mix.json" .summary.errors.status)
    errs=$(($(report "$prefix.mix.json" .summary.errors.total) - non2xx))
    churn=$(report "$prefix.churn.json" .summary.requests)
    errs=$((errs + $(report "$prefix.churn.json" .summary.errors.total)))
    idle_reqs=$(report "$prefix.idle.json" .summary.idle.requests)
    errs=$((errs + $(report "$prefix.idle.json" .summary.errors.total)))
    bad_n=$(wc -l <"$prefix.bad.txt")
    local n_samples
    n_samples=$(grep -c ' load ' "$samples" || true)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" \
        "$(cut -d' ' -f1 <<<"$cold")" "$base_rss" "$base_fds" "$peak_rss" "$peak_fds" \
        "$peak_threads" "$after_rss" "$after_fds" "$reqs" "$non2xx" "$churn" "$idle_reqs" \
        "$bad_n" "$errs" "$verdict" >>"$results"
    echo "== $name: after $after, $n_samples samples, $verdict" >&2
}

IFS=, read -r -a mode_list <<<"$modes"
for m in "${mode_list[@]}"; do
    run_model "$m"
done

echo
echo "soak: ${minutes} min per model, samples every ${interval}s; RSS in MiB; data in $out_dir"
{
    printf 'model\tcold RSS\tbase RSS\tbase fds\tpeak RSS\tpeak fds\tpeak thr\tafter RSS\tafter fds'
    printf '\tmix reqs\tmix non-2xx\tchurn reqs\tidle reqs\tbad reqs\tload errors\tverdict\n'
    awk -F'\t' -v OFS='\t' '{
        for (i = 2; i <= 8; i++) if (i != 4 && i != 6 && i != 7) $i = sprintf("%.1f", $i / 1024)
        print }' "$results"
} | column -t -s $'\t'
! grep -q FAIL "$results"
