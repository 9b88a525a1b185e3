#!/usr/bin/env bash
# The performance comparison: keep-alive GET /plaintext against c10k-server in each model and
# against nginx (one worker) in the same run, server pinned to one core and load generator to the
# other. Prints the figures and the ratios,
# and writes results.csv and results.json into results/perf-<time>/.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/build/bin"
server_bin="$bin/c10k-server"

duration=10
warmup=2
runs=3
conns="100 1000 10000"
modes="" # default: thread pool loop, and uring where the server has it
with_nginx=1
idle_conns=10000
pipeline_depth=16
pipeline_conns=100
syscall_requests=200000
syscall_conns="100 1000"
server_cpu=0
load_cpu=1
outdir=""
generator=load
do_scale=1 do_idle=1 do_syscalls=1 do_pipeline=1 do_instructions=1

usage() {
    cat <<'USAGE'
usage: loadtest/perf.sh [options]

  --duration SECONDS   measured time of each throughput run (default 10)
  --warmup SECONDS     c10k-load's warm-up, plus a second per 5,000 connections (default 2)
  --runs N             runs per cell; the median is reported (default 3)
  --conns "LIST"       connection counts (default "100 1000 10000")
  --modes "LIST"       c10k-server models among thread pool loop uring (default: the first
                       three, and uring where c10k-server --help lists it)
  --no-nginx           leave nginx out
  --idle N             idle keep-alive connections for the memory test (default 10000)
  --syscall-conns "LIST"  connection counts of the system-call count (default "100 1000")
  --only LIST          any of scale,idle,syscalls,pipeline,instructions (default: all)
  --generator load|wrk the load up to 1,000 connections: c10k-load -t 1 (default) or wrk -t1
  --quick              --duration 3 --runs 1 --conns "100 1000" --idle 2000
  --out DIR            where to write (default results/perf-<YYYYmmdd-HHMMSS>)
  --server-cpu N       CPU for the server (default 0); --load-cpu N for the load (default 1)
  --server PATH        the c10k-server to measure (default build/bin/c10k-server)

The load is one c10k-load thread (with --generator wrk, wrk -t1 --latency up to 1,000
connections), spread over source addresses 127.0.0.2-127.0.0.9 from 10,000 connections. Needs
build/bin (./c10k-lab build), wrk, jq, perf or strace; nginx and valgrind are optional.
USAGE
}

while [ $# -gt 0 ]; do
    case "$1" in
    --duration) duration=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    --conns) conns=${2:?}; shift 2 ;;
    --modes) modes=${2:?}; shift 2 ;;
    --no-nginx) with_nginx=0; shift ;;
    --idle) idle_conns=${2:?}; shift 2 ;;
    --syscall-conns) syscall_conns=${2:?}; shift 2 ;;
    --only)
        do_scale=0 do_idle=0 do_syscalls=0 do_pipeline=0 do_instructions=0
        for part in ${2//,/ }; do
            case "$part" in
            scale) do_scale=1 ;; idle) do_idle=1 ;; syscalls) do_syscalls=1 ;;
            pipeline) do_pipeline=1 ;;
            instructions) do_instructions=1 ;;
            *) echo "perf.sh: --only: unknown part '$part'" >&2; exit 2 ;;
            esac
        done
        shift 2 ;;
    --quick) duration=3 runs=1 conns="100 1000" idle_conns=2000 syscall_requests=50000; shift ;;
    --out) outdir=${2:?}; shift 2 ;;
    --generator)
        generator=${2:?}
        case "$generator" in load | wrk) ;; *) echo "perf.sh: --generator: load or wrk, not '$generator'" >&2; exit 2 ;; esac
        shift 2 ;;
    --server-cpu) server_cpu=${2:?}; shift 2 ;;
    --load-cpu) load_cpu=${2:?}; shift 2 ;;
    --server) server_bin=${2:?}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "perf.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

for tool in "$server_bin" "$bin/c10k-load"; do
    [ -x "$tool" ] || { echo "perf.sh: $tool missing: run ./c10k-lab build" >&2; exit 1; }
done
needed="jq taskset ss"
[ "$generator" = wrk ] && needed+=" wrk"
for tool in $needed; do
    command -v "$tool" >/dev/null || { echo "perf.sh: $tool is needed (scripts/deps.sh installs it)" >&2; exit 1; }
done
if [ -z "$modes" ]; then
    modes="thread pool loop"
    "$server_bin" --help 2>/dev/null | grep 'concurrency model:' | grep -qw uring &&
        modes+=" uring"
fi

# A model the server cannot run here (not built in, io_uring forbidden) makes it exit 2 after
# one line saying why: that model is skipped with that line, and the others go on.
skipped_json="[]"
model_refusal() { # mode -> prints the server's line when it refuses the model
    local out="${TMPDIR:-/tmp}/c10k-perf-probe.$$" pid rc=0
    "$server_bin" --mode "$1" --port 0 --quiet >"$out.out" 2>"$out.err" &
    pid=$!
    for _ in $(seq 100); do
        grep -q '^listening on ' "$out.out" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    else
        wait "$pid" 2>/dev/null || rc=$?
        [ "$rc" = 2 ] && [ "$(wc -l <"$out.err")" = 1 ] && cat "$out.err"
    fi
    rm -f "$out.out" "$out.err"
}
runnable=""
for m in $modes; do
    reason=$(model_refusal "$m")
    if [ -n "$reason" ]; then
        echo "perf.sh: $m skipped: $reason"
        skipped_json=$(jq -c --arg t "$m" --arg r "$reason" '. + [{target: $t, status: "skipped", reason: $r}]' <<<"$skipped_json")
    else
        runnable+=" $m"
    fi
done
modes=${runnable# }

nginx_bin=$(command -v nginx || true)
[ -z "$nginx_bin" ] && [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx
if [ "$with_nginx" = 1 ] && [ -z "$nginx_bin" ]; then
    echo "perf.sh: nginx is not installed: skipping the nginx baseline (apt-get install nginx-light)"
    with_nginx=0
fi
targets="$modes"
[ "$with_nginx" = 1 ] && targets="nginx $targets"

ulimit -n "$(ulimit -Hn)"
[ -n "$outdir" ] || outdir="$top/results/perf-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$outdir"
work=$(mktemp -d "${TMPDIR:-/tmp}/c10k-perf.XXXXXX")
csv="$outdir/results.csv"
echo "run,test,target,connections,requests_per_s,p99_us,errors,value,server_cpu_us_per_request,load_busy_percent" >"$csv"

# ---- processes this script started, and their cleanup ----

server_pid="" server_master="" server_port=""
server_prefix=() # a command the server runs under (valgrind for the instruction counts)
load_pids=()

stop_pid() { # pid [tenths of a second to wait before SIGKILL, default 50]
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq "${2:-50}"); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local pid
    for pid in "${load_pids[@]}"; do stop_pid "$pid"; done
    load_pids=()
    stop_pid "$server_master"
    server_master="" server_pid=""
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- servers ----

# shellcheck source=../scripts/bench-lib.sh
source "$top/scripts/bench-lib.sh"

# Starts TARGET (nginx or a c10k-server mode) on the server CPU; sets server_pid (the process
# that serves: nginx's worker), server_port and server_master.
start_server() {
    local target=$1
    server_master="" server_pid="" server_port=""
    local tries=100 # of 50 ms; valgrind takes longer to start
    [ ${#server_prefix[@]} -gt 0 ] && tries=600
    if [ "$target" = nginx ]; then
        # a port found free may be taken before nginx binds it: try another one
        local dir="$work/nginx" worker="" attempt
        for attempt in 1 2 3; do
            server_port=$(bench_free_port)
            bench_nginx_conf "$dir" "$server_port"
            taskset -c "$server_cpu" "${server_prefix[@]}" "$nginx_bin" -p "$dir" \
                -c "$dir/nginx.conf" -e "$dir/error.log" >"$work/nginx.out" 2>&1 &
            server_master=$!
            for _ in $(seq "$tries"); do
                worker=$(ps -o pid= --ppid "$server_master" 2>/dev/null | head -1 | tr -d ' ' || true)
                [ -n "$worker" ] && ss -Htln "sport = :$server_port" | grep -q . && break
                kill -0 "$server_master" 2>/dev/null || break
                sleep 0.05
            done
            [ -n "$worker" ] && break
            stop_pid "$server_master"
            progress "nginx did not start on port $server_port (attempt $attempt of 3)"
        done
        [ -n "$worker" ] || { echo "perf.sh: nginx did not start:" >&2; cat "$work/nginx.out" "$dir/error.log" >&2; exit 1; }
        server_pid=$worker
        return 0
    fi
    # Keep-alive without a request limit, as nginx is configured. Thread stacks are 64 KiB so
    # that 10,000 threads fit in vm.max_map_count and memory.
    local extra=(--keepalive-requests 0)
    [ "$target" = thread ] && extra+=(--stack-size 64K)
    taskset -c "$server_cpu" "${server_prefix[@]}" "$server_bin" --mode "$target" --port 0 --quiet \
        "${extra[@]}" >"$work/server.out" 2>"$work/server.err" &
    server_master=$!
    server_pid=$server_master
    for _ in $(seq "$tries"); do
        if grep -q '^listening on ' "$work/server.out" 2>/dev/null; then
            server_port=$(sed -n 's/^listening on .*:\([0-9]*\) mode=.*/\1/p' "$work/server.out")
            return 0
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "perf.sh: c10k-server --mode $target did not start:" >&2
    cat "$work/server.err" >&2
    exit 1
}

stop_server() {
    stop_pid "$server_master"
    server_pid="" server_master=""
}

# ---- load ----

# wrk's latency with its unit, in microseconds.
to_us() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
        if (u == "us") f = 1; else if (u == "ms") f = 1000; else if (u == "s") f = 1000000;
        else if (u == "m") f = 60000000; else f = 1;
        printf "%.0f", n * f }'
}

# Runs one c10k-load thread on the load CPU with ARGS; prints "req_per_s p99_us errors served"
# (served: every response, warm-up included) from its JSON, or "0 0 -1 0" when it has none.
load_summary() {
    rm -f "$work/load.json"
    taskset -c "$load_cpu" "$bin/c10k-load" -t 1 "$@" --json "$work/load.json" \
        >"$work/load.out" 2>&1 || cat "$work/load.out" >&2
    jq -r '(.summary | "\(.requests_per_s) \(.latency_us.p99) \(.errors.total) \(.requests + .warmup_requests)") +
        " " + (if .summary.run_s > 0 then (.summary.cpu.user_s + .summary.cpu.system_s) * 100 / .summary.run_s | floor | tostring else "" end)' \
        "$work/load.json" 2>/dev/null || echo "0 0 -1 0"
}

# Runs a closed-loop keep-alive load of N connections against the server started last; prints
# what load_summary prints.
run_load() {
    local port=$server_port n=$1 out="$work/load.out"
    if [ "$generator" = wrk ] && [ "$n" -le 1000 ]; then
        taskset -c "$load_cpu" wrk -t1 -c"$n" -d"${duration}s" --latency \
            "http://127.0.0.1:$port/plaintext" >"$out" 2>&1 || true
        local rps p99 errs served
        rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
        p99=$(awk '$1 == "99%" {print $2}' "$out")
        errs=$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10} /Non-2xx/ {print $NF}' "$out" |
            awk '{s += $1} END {print s + 0}')
        served=$(awk '/requests in/ {print $1}' "$out")
        echo "${rps:-0} $(to_us "${p99:-0}") $errs ${served:-0}"
    else
        local spread=()
        [ "$n" -ge 10000 ] && spread=(--source 127.0.0.2-127.0.0.9 --ramp 5000)
        load_summary -c "$n" "${spread[@]}" -w "$((warmup + (n + 4999) / 5000))s" \
            -d "${duration}s" "http://127.0.0.1:$port/plaintext"
    fi
}

# Pipelined load: $pipeline_conns connections, $pipeline_depth requests in flight on each.
pipeline_load() {
    load_summary -c "$pipeline_conns" -p "$pipeline_depth" -w 1s -d "${duration}s" \
        "http://127.0.0.1:$server_port/plaintext"
}

record() { # run test target conns rps p99 errors value [server_cpu_us_per_request]
    local IFS=,
    echo "$*" >>"$csv"
}

median() { # values on stdin -> median
    sort -g | awk '{a[NR] = $1} END {
        if (NR == 0) print "";
        else if (NR % 2) print a[(NR + 1) / 2];
        else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

cell() { # test target conns column -> median over runs
    awk -F, -v t="$1" -v g="$2" -v c="$3" -v col="$4" \
        'NR > 1 && $2 == t && $3 == g && $4 == c && $7 != -1 {print $col}' "$csv" | median
}

# The share of the server's CPU that was busy, in percent: req/s times CPU time per request.
# Well under 100 means the server was not the bottleneck: the load generator was, or the machine.
cell_busy() { # test target conns
    awk -F, -v t="$1" -v g="$2" -v c="$3" \
        'NR > 1 && $2 == t && $3 == g && $4 == c && $7 != -1 && $9 != "" {printf "%.0f\n", $5 * $9 / 1e4}' \
        "$csv" | median
}

# One row per target, one scale cell per level: level_rows cell COLUMN, or level_rows cell_busy.
level_rows() { # function [column]
    local target n
    for target in $targets; do
        printf '%-8s' "$target"
        for n in $conns; do printf '%14s' "$("$1" scale "$target" "$n" ${2:+"$2"})"; done
        echo
    done
}

ratio() {
    if [ -z "$1" ] || [ -z "$2" ]; then echo "-"; return; fi
    awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}

progress() { printf '%s\n' "$*" >&2; }

# ---- the parts ----

max_conns=0
for n in $conns; do [ "$n" -gt "$max_conns" ] && max_conns=$n; done

# The server's CPU time (user + system, every thread) in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Microseconds of server CPU per request, from ticks spent and requests served.
cpu_per_request() { # ticks requests
    awk -v t="$1" -v r="$2" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { if (r > 0) printf "%.2f", t * 1e6 / hz / r; else print "" }'
}

# The targets in the order of run N: rotated by one each run.
rotated_targets() {
    local run=$1 i
    # shellcheck disable=SC2206
    local list=($targets)
    for ((i = 0; i < ${#list[@]}; i++)); do
        echo "${list[$(((i + run - 1) % ${#list[@]}))]}"
    done
}

# One measured cell: starts TARGET, runs LOAD... (a function that prints what load_summary
# prints), and records the result with the server's CPU time per request.
measure() { # test target connections run label load...
    local test=$1 target=$2 n=$3 run=$4 label=$5 res t0 t1 cpu
    shift 5
    start_server "$target"
    t0=$(cpu_ticks "$server_pid")
    res=$("$@")
    t1=$(cpu_ticks "$server_pid")
    # shellcheck disable=SC2086
    set -- $res
    cpu=$(cpu_per_request "$((t1 - t0))" "$4")
    progress "$label, run $run/$runs, $target: $1 req/s, p99 $2us, $3 errors, server CPU ${cpu}us/request, load generator ${5:-?}% busy"
    record "$run" "$test" "$target" "$n" "$1" "$2" "$3" "" "$cpu" "${5:-}"
    stop_server
}

# Levels are the outer loop and the targets the inner one, in an order that rotates from run to
# run, so that the targets compared at one level run close together in time: on a shared
# machine, the ratios within a run are what can be trusted.
scale() {
    local run target n
    for n in $conns; do
        for run in $(seq "$runs"); do
            for target in $(rotated_targets "$run"); do
                measure scale "$target" "$n" "$run" "$n connections" run_load "$n"
            done
        done
    done
}

pipeline() {
    local run target
    for run in $(seq "$runs"); do
        for target in $(rotated_targets "$run"); do
            measure pipeline "$target" "$pipeline_conns" "$run" "pipelined x$pipeline_depth" \
                pipeline_load
        done
    done
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

established() { ss -Htn state established "( sport = :$1 )" | wc -l; }

idle() {
    local run target before after held lpid
    for run in $(seq "$runs"); do
        for target in $targets; do
            case "$target" in loop | uring | nginx) ;; *) continue ;; esac
            start_server "$target"
            # one request on a few connections first, so that one-time start-up allocations
            # (first request, first buffers) are not counted as per-connection cost
            taskset -c "$load_cpu" "$bin/c10k-load" -c 10 -n 1000 \
                "http://127.0.0.1:$server_port/plaintext" >/dev/null 2>&1 || true
            sleep 0.5
            before=$(rss_kib "$server_pid")
            taskset -c "$load_cpu" "$bin/c10k-load" -c 0 --idle "$idle_conns" \
                --source 127.0.0.2-127.0.0.9 --ramp 5000 -d 600s \
                "http://127.0.0.1:$server_port/plaintext" >/dev/null 2>&1 &
            lpid=$!
            load_pids+=("$lpid")
            held=0
            for _ in $(seq 300); do
                held=$(established "$server_port")
                [ "$held" -ge "$idle_conns" ] && break
                sleep 0.1
            done
            sleep 1
            after=$(rss_kib "$server_pid")
            held=$(established "$server_port")
            stop_pid "$lpid"
            load_pids=()
            local per
            per=$(awk -v a="$after" -v b="$before" -v n="$held" \
                'BEGIN { if (n > 0) printf "%.0f", (a - b) * 1024 / n; else print 0 }')
            progress "run $run/$runs  $target  idle: $held connections, RSS $before -> $after KiB: $per bytes each"
            record "$run" idle "$target" "$held" "" "" 0 "$per"
            stop_server
        done
    done
}

syscall_events="context-switches,raw_syscalls:sys_enter"
for s in read write recvfrom sendto readv writev epoll_wait epoll_pwait epoll_ctl futex \
    clock_gettime setsockopt accept4; do
    syscall_events+=",syscalls:sys_enter_$s"
done
# uring's submissions and waits, named beside the others where the kernel has the tracepoint
# (raw_syscalls:sys_enter, the total, counts them either way; so does strace -c).
if command -v perf >/dev/null &&
    perf stat -e syscalls:sys_enter_io_uring_enter -- true >/dev/null 2>&1; then
    syscall_events+=",syscalls:sys_enter_io_uring_enter"
fi

# System calls and context switches per request at each of $syscall_conns keep-alive
# connections, one request in flight on each:
# perf's syscall tracepoints over the server (every thread), or strace -c when perf cannot.
syscalls() {
    local target n counts="$work/syscalls.txt" lpid method tracer total reqs
    for n in $syscall_conns; do
    for target in $targets; do
        start_server "$target"
        taskset -c "$load_cpu" "$bin/c10k-load" -c "$n" -n 20000 \
            "http://127.0.0.1:$server_port/plaintext" >/dev/null 2>&1 || true
        method=perf
        if command -v perf >/dev/null &&
            perf stat -e raw_syscalls:sys_enter -- true >/dev/null 2>&1; then
            perf stat -x, --no-big-num -e "$syscall_events" -p "$server_pid" -o "$counts" &
        else
            method=strace
            strace -c -f -q -p "$server_pid" -o "$counts" &
        fi
        tracer=$!
        sleep 1
        local ut0 st0 ut1 st1
        read -r ut0 st0 < <(awk '{print $14, $15}' "/proc/$server_pid/stat")
        rm -f "$work/sys.json"
        taskset -c "$load_cpu" "$bin/c10k-load" -c "$n" -n "$syscall_requests" \
            --json "$work/sys.json" "http://127.0.0.1:$server_port/plaintext" >/dev/null 2>&1 &
        lpid=$!
        load_pids+=("$lpid")
        wait "$lpid" || true
        load_pids=()
        read -r ut1 st1 < <(awk '{print $14, $15}' "/proc/$server_pid/stat")
        kill -INT "$tracer" 2>/dev/null || true
        wait "$tracer" 2>/dev/null || true
        reqs=$(jq -r '.summary.requests' "$work/sys.json")
        local line="" total
        if [ "$method" = perf ]; then
            total=$(awk -F, '$3 == "raw_syscalls:sys_enter" {print $1}' "$counts")
            line=$(awk -F, -v r="$reqs" '$3 ~ /^syscalls:sys_enter_/ && $1 + 0 > 0 {
                n = $3; sub(/^syscalls:sys_enter_/, "", n);
                printf "%s %.2f, ", n, $1 / r }' "$counts")
        else
            total=$(awk '$NF == "total" {print $4}' "$counts")
            line=$(awk -v r="$reqs" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
                printf "%s %.2f, ", $NF, $4 / r }' "$counts")
        fi
        local per
        per=$(awk -v t="$total" -v r="$reqs" 'BEGIN { printf "%.2f", (r > 0 ? t / r : 0) }')
        local cpu_user cpu_sys
        cpu_user=$(cpu_per_request "$((ut1 - ut0))" "$reqs")
        cpu_sys=$(cpu_per_request "$((st1 - st0))" "$reqs")
        # context switches: perf's software counter, over every thread (strace cannot count them)
        local switches=""
        [ "$method" = perf ] && switches=$(awk -F, -v r="$reqs" \
            '$3 == "context-switches" && r > 0 {printf "%.2f", $1 / r}' "$counts")
        progress "$target  $n connections: syscalls per request ($method, $reqs requests): $per  (${line%, }); CPU ${cpu_user}us user + ${cpu_sys}us system per request (traced); $switches context switches per request"
        record 1 syscalls "$target" "$n" "" "" 0 "$per"
        echo "$target,$n,$per,$cpu_user,$cpu_sys,$switches,\"${line%, }\"" >>"$outdir/syscalls.csv"
        stop_server
    done
    done
}

# Instructions per request in user space, from valgrind's callgrind, whose counts do not move
# with the machine's noise: the server runs under callgrind twice, answering 2,000 and then
# 22,000 requests over 100 keep-alive connections; the difference in instructions over the
# difference in requests leaves start-up and shutdown out.
callgrind_run() { # target requests -> instr: instructions of the server's processes over the run
    local target=$1 n=$2 dir="$work/callgrind"
    rm -rf "$dir"
    mkdir -p "$dir"
    # nginx's worker, started as root, runs as nobody and writes its own file here
    chmod o+x "$work"
    chmod 1777 "$dir"
    server_prefix=(valgrind --tool=callgrind --callgrind-out-file="$dir/cg.%p")
    start_server "$target"
    server_prefix=()
    taskset -c "$load_cpu" "$bin/c10k-load" -c 100 -n "$n" -d 300s \
        "http://127.0.0.1:$server_port/plaintext" >/dev/null 2>&1 || true
    stop_pid "$server_master" 300 # the exit writes callgrind's file
    server_pid="" server_master=""
    instr=$(cat "$dir"/cg.* 2>/dev/null | awk '/^summary:/ {s += $2} END {printf "%.0f\n", s}')
}

instructions() {
    if ! command -v valgrind >/dev/null; then
        progress "valgrind is not installed: skipping the instruction counts (apt-get install valgrind)"
        return
    fi
    local target a b per small=2000 large=22000 instr
    for target in $targets; do
        callgrind_run "$target" "$small"
        a=$instr
        callgrind_run "$target" "$large"
        b=$instr
        per=$(awk -v a="$a" -v b="$b" -v n="$((large - small))" \
            'BEGIN { if (a > 0 && b > a) printf "%.0f", (b - a) / n; else print "" }')
        progress "$target  instructions per request (callgrind): ${per:-none} ($a for $small requests, $b for $large)"
        [ -n "$per" ] && record 1 instructions "$target" 100 "" "" 0 "$per"
    done
}

# ---- run ----

machine="$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), Linux $(uname -r)"
echo "c10k-lab perf: $machine; server on CPU $server_cpu, load on CPU $load_cpu"
echo "  $runs run(s) of ${duration}s per cell, medians; targets: $targets; server $server_bin"
echo "  results in $outdir"
[ "$skipped_json" = "[]" ] || jq -r '.[] | "  skipped: \(.target): \(.reason)"' <<<"$skipped_json"
[ "$do_scale" = 1 ] && scale
[ "$do_pipeline" = 1 ] && pipeline
[ "$do_idle" = 1 ] && idle
[ "$do_instructions" = 1 ] && instructions
[ "$do_syscalls" = 1 ] && { echo "target,conns,syscalls_per_request,user_us_per_request,system_us_per_request,context_switches_per_request,breakdown" >"$outdir/syscalls.csv"; syscalls; }

# ---- report ----

echo
if [ "$do_scale" = 1 ]; then
    echo "keep-alive GET /plaintext, closed loop (median of $runs): requests/s, p99 and errors"
    echo "(p99 covers the answered requests; errors are requests lost, mostly timeouts)"
    printf '%-8s' "target"
    for n in $conns; do printf '%30s' "$n conns"; done
    echo
    for target in $targets; do
        printf '%-8s' "$target"
        for n in $conns; do
            printf '%12s %9sus %6s' "$(cell scale "$target" "$n" 5)" "$(cell scale "$target" "$n" 6)" \
                "$(cell scale "$target" "$n" 7)"
        done
        echo
    done
    echo
    echo "server CPU time (user + system) per request, microseconds (median of $runs)"
    printf '%-8s' "target"
    for n in $conns; do printf '%14s' "$n conns"; done
    echo
    level_rows cell 9
    echo
    echo "server CPU busy, percent of its core (req/s x CPU per request, median of $runs)"
    level_rows cell_busy
    echo
    echo "load generator busy, percent of its one thread (its CPU time over its run, median of $runs)"
    echo "(a server well under 100 beside a generator near 100: the generator set the pace, so"
    echo "compare those cells by CPU time per request)"
    level_rows cell 10
    echo
fi
if [ "$do_pipeline" = 1 ]; then
    echo "pipelined x$pipeline_depth, $pipeline_conns connections (median of $runs): requests/s and p99"
    for target in $targets; do
        printf '%-8s %14s %9sus %8sus CPU/request\n' "$target" \
            "$(cell pipeline "$target" "$pipeline_conns" 5)" \
            "$(cell pipeline "$target" "$pipeline_conns" 6)" \
            "$(cell pipeline "$target" "$pipeline_conns" 9)"
    done
    echo
fi
if [ "$do_idle" = 1 ]; then
    echo "memory per idle keep-alive connection (RSS delta / connections, median of $runs)"
    for target in $targets; do
        v=$(awk -F, -v g="$target" 'NR > 1 && $2 == "idle" && $3 == g {print $8}' "$csv" | median)
        [ -n "$v" ] && printf '%-8s %8s bytes\n' "$target" "$v"
    done
    echo
fi
if [ "$do_instructions" = 1 ]; then
    echo "user-space instructions per request (callgrind, 100 connections)"
    for target in $targets; do
        v=$(awk -F, -v g="$target" 'NR > 1 && $2 == "instructions" && $3 == g {print $8}' "$csv")
        [ -n "$v" ] && printf '%-8s %10s\n' "$target" "$v"
    done
    echo
fi
if [ "$do_syscalls" = 1 ]; then
    echo "system calls per request (keep-alive, no pipelining), and the server's CPU per request"
    echo "in user and system time during that run (with the tracing overhead)"
    tail -n +2 "$outdir/syscalls.csv" | while IFS=, read -r target n per user sys switches breakdown; do
        printf '%-8s %6s conns %6s   user %6sus  system %6sus  switches %5s   %s\n' "$target" "$n" "$per" "$user" "$sys" "$switches" \
            "${breakdown//\"/}"
    done
    echo
fi

echo "ratios"
json_ratios="{}"
add_ratio() { # name value
    printf '  %-34s %s\n' "$1" "$2"
    json_ratios=$(jq -c --arg k "$1" --arg v "$2" '. + {($k): ($v | tonumber? // $v)}' <<<"$json_ratios")
}
if [ "$do_scale" = 1 ]; then
    for n in $conns; do
        for m in loop uring; do
            if [ "$with_nginx" = 1 ] && [[ " $modes " == *" $m "* ]]; then
                add_ratio "$m/nginx req/s at $n" "$(ratio "$(cell scale "$m" "$n" 5)" "$(cell scale nginx "$n" 5)")"
                add_ratio "$m/nginx p99 at $n" "$(ratio "$(cell scale "$m" "$n" 6)" "$(cell scale nginx "$n" 6)")"
                add_ratio "$m/nginx CPU per request at $n" "$(ratio "$(cell scale "$m" "$n" 9)" "$(cell scale nginx "$n" 9)")"
            fi
        done
        if [[ " $modes " == *" uring "* ]] && [[ " $modes " == *" loop "* ]]; then
            add_ratio "uring/loop req/s at $n" "$(ratio "$(cell scale uring "$n" 5)" "$(cell scale loop "$n" 5)")"
            add_ratio "uring/loop CPU per request at $n" "$(ratio "$(cell scale uring "$n" 9)" "$(cell scale loop "$n" 9)")"
        fi
    done
    first=${conns%% *}
    for m in thread pool; do
        if [[ " $modes " == *" $m "* ]] && [[ " $modes " == *" loop "* ]]; then
            add_ratio "$m/loop req/s at $first" "$(ratio "$(cell scale "$m" "$first" 5)" "$(cell scale loop "$first" 5)")"
        fi
    done
fi
if [[ " $modes " == *" uring "* ]] && [[ " $modes " == *" loop "* ]]; then
    if [ "$do_pipeline" = 1 ]; then
        add_ratio "uring/loop pipelined req/s" "$(ratio "$(cell pipeline uring "$pipeline_conns" 5)" "$(cell pipeline loop "$pipeline_conns" 5)")"
        add_ratio "uring/loop pipelined CPU per request" "$(ratio "$(cell pipeline uring "$pipeline_conns" 9)" "$(cell pipeline loop "$pipeline_conns" 9)")"
    fi
    if [ "$do_syscalls" = 1 ]; then
        for n in $syscall_conns; do
            add_ratio "uring/loop syscalls per request at $n" "$(ratio "$(cell syscalls uring "$n" 8)" "$(cell syscalls loop "$n" 8)")"
        done
    fi
fi
for m in loop uring; do
    [[ " $modes " == *" $m "* ]] || continue
    [ "$with_nginx" = 1 ] || continue
    if [ "$do_instructions" = 1 ]; then
        l=$(awk -F, -v m="$m" 'NR > 1 && $2 == "instructions" && $3 == m {print $8}' "$csv")
        g=$(awk -F, 'NR > 1 && $2 == "instructions" && $3 == "nginx" {print $8}' "$csv")
        add_ratio "$m/nginx instructions per request" "$(ratio "$l" "$g")"
    fi
    if [ "$do_idle" = 1 ]; then
        l=$(awk -F, -v m="$m" 'NR > 1 && $2 == "idle" && $3 == m {print $8}' "$csv" | median)
        g=$(awk -F, 'NR > 1 && $2 == "idle" && $3 == "nginx" {print $8}' "$csv" | median)
        add_ratio "$m/nginx idle bytes per conn" "$(ratio "$l" "$g")"
    fi
done

jq -n --arg machine "$machine" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --argjson runs "$runs" --argjson duration "$duration" --argjson ratios "$json_ratios" \
    --argjson skipped "$skipped_json" \
    --rawfile csv "$csv" '{machine: $machine, date: $date, runs: $runs, duration_s: $duration,
      ratios: $ratios, skipped: $skipped,
      rows: ($csv | split("\n") | .[1:] | map(select(length > 0) | split(",")) |
             map({run: .[0] | tonumber, test: .[1], target: .[2], connections: (.[3] | tonumber),
                  requests_per_s: (.[4] | tonumber? // null), p99_us: (.[5] | tonumber? // null),
                  errors: (.[6] | tonumber? // null), value: (.[7] | tonumber? // null),
                  server_cpu_us_per_request: (.[8] | tonumber? // null),
                  load_busy_percent: (.[9] | tonumber? // null)}))}' \
    >"$outdir/results.json"
echo
echo "written: $outdir/results.csv, results.json"
