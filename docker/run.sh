#!/usr/bin/env bash
# usage: docker/run.sh [--quick] [--models LIST] [--scenarios LIST] [--out DIR] [--no-setup]
#                      [--generators N [--engine compose|swarm]]
#
# The Docker load test, end to end: makes Docker usable (docker/setup.sh), builds the image,
# then for each model and level starts the server container, runs the load container against
# it on the private network and stops the server; the engine's view of every server container
# (limits, cgroup memory and pids, OOM kill, exit status) is kept beside the client's results
# and the server's own /stats. Writes results/docker-<time>/ with results.json, results.csv and
# report.html. Everything it starts is removed at the end, also on failure or Ctrl-C.
#
#   --quick            CI size: scale at 50 connections and constrained at 800, per model
#   --models LIST      thread,pool,loop,uring (default: all four; a model the server refuses
#                      to start, as uring where the seccomp profile forbids io_uring, is
#                      recorded as skipped with the server's one line)
#   --scenarios LIST   scale,constrained,memory (default: all three; --quick: scale,constrained)
#   --out DIR          results directory (default: results/docker-<time>)
#   --no-setup         do not run docker/setup.sh (Docker and the base image are ready)
#   --generators N     scale-out: each run's load comes from N c10k-load generators started
#                      together (C10K_START_DELAY seconds ahead), sharing the level's
#                      connections; their JSON is merged into the run's load.json, and
#                      Prometheus scrapes the server beside them. Runs the scale scenario only,
#                      at C10K_SCALE_LEVELS (default 1000; quick 100), model loop unless --models
#   --engine ENGINE    with --generators: compose (--scale load=N, the default) or swarm
#                      (docker/stack.yml on a single-node swarm, created and left again here
#                      when the engine is not in one already)
#
# Environment (defaults in docker/README.md): C10K_IMAGE, C10K_SCALE_LEVELS,
# C10K_SCALE_DURATION, C10K_CONSTRAINED_LEVELS, C10K_CONSTRAINED_MEMORY, C10K_CONSTRAINED_PIDS,
# C10K_CONSTRAINED_BUSY, C10K_CONSTRAINED_DURATION, C10K_CONSTRAINED_TIMEOUT,
# C10K_MEMORY_LEVELS, C10K_MEMORY_LIMIT, C10K_MEMORY_PIDS, C10K_SCALE_TIMEOUT,
# C10K_HEALTH_WAIT, C10K_RAMP, C10K_SERVER_CPUS,
# C10K_SERVER_MEMORY, C10K_SERVER_PIDS, C10K_LOAD_CPUS, C10K_LOAD_MEMORY, C10K_LOAD_PIDS,
# C10K_NOFILE, C10K_THREADS, C10K_LOOPS, C10K_STACK_SIZE; with --generators C10K_START_DELAY,
# C10K_PROMETHEUS_IMAGE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
t_start=$EPOCHREALTIME
# Seconds since an $EPOCHREALTIME, with one decimal.
since() {
    local us=$((${EPOCHREALTIME/./} - ${1/./}))
    printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000))
}

quick=0
models=
scenarios=
out=
setup=1
generators= # none: one load container per run
engine=
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) quick=1 ;;
    --models) models=${2:?--models needs a list}; shift ;;
    --models=*) models=${1#*=} ;;
    --scenarios) scenarios=${2:?--scenarios needs a list}; shift ;;
    --scenarios=*) scenarios=${1#*=} ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --out=*) out=${1#*=} ;;
    --no-setup) setup=0 ;;
    --generators) generators=${2:?--generators needs a number}; shift ;;
    --generators=*) generators=${1#*=}; [ -n "$generators" ] || generators=empty ;;
    --engine) engine=${2:?--engine needs compose or swarm}; shift ;;
    --engine=*) engine=${1#*=} ;;
    -h | --help) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "docker/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$generators" ] && [ -n "$engine" ]; then
    echo "docker/run.sh: --engine goes with --generators N" >&2
    exit 2
fi
if [ -n "$generators" ]; then
    if ! [[ $generators =~ ^[1-9][0-9]{0,2}$ ]]; then
        echo "docker/run.sh: --generators needs a number from 1 to 999, not '$generators'" >&2
        exit 2
    fi
    engine=${engine:-compose}
    case "$engine" in compose | swarm) ;; *) echo "docker/run.sh: unknown engine '$engine' (compose or swarm)" >&2; exit 2 ;; esac
    if [ -n "$scenarios" ] && [ "$scenarios" != scale ]; then
        echo "docker/run.sh: --generators runs the scale scenario only" >&2
        exit 2
    fi
    scenarios=scale
    models=${models:-loop}
    C10K_SCALE_LEVELS=${C10K_SCALE_LEVELS:-$([ "$quick" -eq 1 ] && echo 100 || echo 1000)}
fi
generators=${generators:-0}
models=${models:-thread,pool,loop,uring}
for m in ${models//,/ }; do
    case "$m" in thread | pool | loop | uring) ;; *) echo "docker/run.sh: unknown model '$m'" >&2; exit 2 ;; esac
done
for s in ${scenarios//,/ }; do
    case "$s" in scale | constrained | memory) ;; *) echo "docker/run.sh: unknown scenario '$s'" >&2; exit 2 ;; esac
done

if [ "$quick" -eq 1 ]; then
    scenarios=${scenarios:-scale,constrained}
    scale_levels=${C10K_SCALE_LEVELS:-50}
    scale_duration=${C10K_SCALE_DURATION:-2s}
    constrained_levels=${C10K_CONSTRAINED_LEVELS:-800}
    constrained_duration=${C10K_CONSTRAINED_DURATION:-2s}
    memory_levels=${C10K_MEMORY_LEVELS:-1000}
else
    scenarios=${scenarios:-scale,constrained,memory}
    scale_levels=${C10K_SCALE_LEVELS:-10 1000}
    scale_duration=${C10K_SCALE_DURATION:-5s}
    constrained_levels=${C10K_CONSTRAINED_LEVELS:-250 1000 4000}
    constrained_duration=${C10K_CONSTRAINED_DURATION:-3s}
    memory_levels=${C10K_MEMORY_LEVELS:-1000 4000}
fi
constrained_memory=${C10K_CONSTRAINED_MEMORY:-256m}
constrained_pids=${C10K_CONSTRAINED_PIDS:-512}
memory_memory=${C10K_MEMORY_LIMIT:-48m}
memory_pids=${C10K_MEMORY_PIDS:-16384}
constrained_busy=${C10K_CONSTRAINED_BUSY:-10}
constrained_timeout=${C10K_CONSTRAINED_TIMEOUT:-1s}
scale_timeout=${C10K_SCALE_TIMEOUT:-10s}
ramp=${C10K_RAMP:-2000}
export C10K_IMAGE=${C10K_IMAGE:-c10k-lab:latest}
export C10K_SERVER_CPUS=${C10K_SERVER_CPUS:-1}
export C10K_SERVER_MEMORY=${C10K_SERVER_MEMORY:-1g}
export C10K_SERVER_PIDS=${C10K_SERVER_PIDS:-16384}
export C10K_LOAD_CPUS=${C10K_LOAD_CPUS:-1}
export C10K_LOAD_MEMORY=${C10K_LOAD_MEMORY:-1g}
export C10K_LOAD_PIDS=${C10K_LOAD_PIDS:-1024}
scale_memory=$C10K_SERVER_MEMORY
scale_pids=$C10K_SERVER_PIDS

say() { printf 'docker/run.sh: [%5ss] %s\n' "$(since "$t_start")" "$*" >&2; }

if [ "$setup" -eq 1 ]; then
    "$here/setup.sh"
fi
if ! docker info >/dev/null 2>&1; then
    say "cannot talk to the Docker engine: run as root, or as a member of the docker group"
    exit 1
fi
compose() { "$here/compose.sh" "$@"; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=${out:-$top/results/docker-$stamp}
mkdir -p "$out/runs"
out=$(cd "$out" && pwd)
project=c10k-$stamp-$$
project=${project,,}
run_label=c10k-lab.run=$project

# Containers write as the invoking user, so that the results are theirs; root's results are
# written by the image's own unprivileged user and handed back to root at the end.
if [ "$(id -u)" -eq 0 ]; then
    export C10K_USER=${C10K_USER:-10001:10001}
    chown "$C10K_USER" "$out" "$out/runs"
else
    export C10K_USER=${C10K_USER:-$(id -u):$(id -g)}
fi
export C10K_RESULTS_DIR=$out/runs
export COMPOSE_PROJECT_NAME=$project
export C10K_RUN_LABEL=$project
start_delay=${C10K_START_DELAY:-15}
if [ "$generators" -gt 0 ]; then
    export C10K_GENERATORS=$generators
    export C10K_PROMETHEUS_IMAGE=${C10K_PROMETHEUS_IMAGE:-$C10K_IMAGE-prometheus}
    export C10K_PROMETHEUS=http://prometheus:9090
    if ! [[ $start_delay =~ ^[1-9][0-9]*$ ]]; then
        say "C10K_START_DELAY must be a whole number of seconds, not '$start_delay'"
        exit 2
    fi
fi

sampler=
swarm_created=0
gwbridge_created=0
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null || true; fi
    if [ "$engine" = swarm ]; then stack_down >/dev/null 2>&1 || true; fi
    if [ "$swarm_created" -eq 1 ]; then
        docker swarm leave --force >/dev/null 2>&1 || true
        # swarm init's bridge for the tasks' outside traffic outlives the swarm
        if [ "$gwbridge_created" -eq 1 ]; then docker network rm docker_gwbridge >/dev/null 2>&1 || true; fi
    fi
    COMPOSE_PROFILES=prometheus compose down --volumes --remove-orphans --timeout 5 >/dev/null 2>&1 || true
    local left
    left=$(docker ps -aq --filter "label=$run_label" 2>/dev/null || true)
    if [ -n "$left" ]; then
        # shellcheck disable=SC2086 # container ids, one per word
        docker rm -f $left >/dev/null 2>&1 || true
    fi
    if [ "$(id -u)" -eq 0 ]; then chown -R 0:0 "$out" 2>/dev/null || true; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- Swarm: the stack of one run, on this node's swarm (one made here if there is none) ----

stack_containers() { docker ps -aq --filter "label=com.docker.stack.namespace=$project" "$@"; }

# docker stack rm returns before the tasks and the network are gone: wait for them, so that the
# next run's stack (same name) and the final check see a clean engine.
stack_down() {
    docker stack rm "$project" >/dev/null 2>&1 || true
    local deadline=$((SECONDS + 60))
    while [ -n "$(stack_containers)$(docker network ls -q --filter "label=com.docker.stack.namespace=$project")" ]; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}

if [ "$engine" = swarm ]; then
    case "$(docker info --format '{{.Swarm.LocalNodeState}}')" in
    active) ;;
    inactive)
        say "no swarm on this engine: making a single-node one (left again at the end)"
        docker network inspect docker_gwbridge >/dev/null 2>&1 || gwbridge_created=1
        swarm_created=1
        docker swarm init --advertise-addr 127.0.0.1 >/dev/null
        ;;
    *) say "this engine's swarm is $(docker info --format '{{.Swarm.LocalNodeState}}'): not usable"; exit 1 ;;
    esac
    if [ "$(docker info --format '{{.Swarm.ControlAvailable}}')" != true ]; then
        say "this node is a swarm worker: run docker/run.sh --engine swarm on a manager"
        exit 1
    fi
fi

json_str() {
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\t'/ }
    s=${s//$'\n'/ }
    printf '"%s"' "$s"
}

# ---- the image ----

build_image() {
    local client
    client=$(docker version --format '{{.Client.Version}}' 2>/dev/null || echo 0)
    local env=(DOCKER_BUILDKIT=0)
    if docker buildx version >/dev/null 2>&1 || [ "${client%%.*}" -lt 23 ] 2>/dev/null; then
        env=(DOCKER_BUILDKIT=1)
    fi
    # The context goes as a tar stream, filtered by docker/Dockerfile.dockerignore's patterns,
    # so that every builder (BuildKit or legacy) gets the same small context.
    local excludes=() pattern
    while IFS= read -r pattern || [ -n "$pattern" ]; do
        case "$pattern" in '' | '#'*) continue ;; esac
        pattern=${pattern%/}
        if [[ $pattern == '**/'* ]]; then
            excludes+=(--no-anchored --exclude="${pattern#'**/'}")
        else
            excludes+=(--anchored --exclude="./$pattern")
        fi
    done <"$here/Dockerfile.dockerignore"
    tar -C "$top" "${excludes[@]}" -cf - . |
        env "${env[@]}" docker build -f docker/Dockerfile -t "$C10K_IMAGE" - >"$out/build.log" 2>&1
}

say "building $C10K_IMAGE (log in $out/build.log)"
t0=$EPOCHREALTIME
if ! build_image; then
    tail -n 20 "$out/build.log" >&2
    say "the image did not build (the whole log: $out/build.log)"
    exit 1
fi
build_s=$(since "$t0")
image_bytes=$(docker image inspect --format '{{.Size}}' "$C10K_IMAGE")
say "image $C10K_IMAGE: $(docker image ls --format '{{.Size}}' "$C10K_IMAGE" | head -n 1), built in ${build_s}s"
if [ "$generators" -gt 0 ]; then
    say "building $C10K_PROMETHEUS_IMAGE (log in $out/build-prometheus.log)"
    if ! tar -C "$top" -cf - docker/Dockerfile.prometheus docker/prometheus.yml |
        docker build -f docker/Dockerfile.prometheus -t "$C10K_PROMETHEUS_IMAGE" - \
            >"$out/build-prometheus.log" 2>&1; then
        tail -n 20 "$out/build-prometheus.log" >&2
        say "the Prometheus image did not build"
        exit 1
    fi
fi

# ---- sampling the server container's cgroup and sockets from the host ----

# Every 0.2s: seconds, memory used, memory peak, memory limit hits, OOM kills, pids, pids
# limit hits, TCP connections established to the server's port (in the container's network
# namespace: what the server holds, whether or not it can still answer /stats).
# cgroup v1 (memory and pids hierarchies) or v2 (unified).
sample_cgroup() {
    local pid=$1 _ ctrl path mem='' pids='' t0 k v
    local usage peak failcnt oom cur hits conns
    local port_hex
    port_hex=$(printf '%04X' 8080)
    while IFS=: read -r _ ctrl path; do
        case ",$ctrl," in
        *,memory,*) mem=/sys/fs/cgroup/memory$path ;;
        *,pids,*) pids=/sys/fs/cgroup/pids$path ;;
        ,,) if [ -f /sys/fs/cgroup/cgroup.controllers ]; then mem=/sys/fs/cgroup$path pids=$mem; fi ;;
        esac
    done <"/proc/$pid/cgroup"
    [ -n "$mem" ] && [ -d "$mem" ] || return 0
    local v1=0
    [ -f "$mem/memory.usage_in_bytes" ] && v1=1
    t0=$EPOCHREALTIME
    while [ -d "$mem" ]; do
        usage=- peak=- failcnt=- oom=- cur=- hits=- conns=-
        if [ "$v1" -eq 1 ]; then
            read -r usage <"$mem/memory.usage_in_bytes" || break
            read -r peak <"$mem/memory.max_usage_in_bytes" || true
            read -r failcnt <"$mem/memory.failcnt" || true
            while read -r k v; do [ "$k" = oom_kill ] && oom=$v; done <"$mem/memory.oom_control"
        else
            read -r usage <"$mem/memory.current" || break
            [ -f "$mem/memory.peak" ] && read -r peak <"$mem/memory.peak"
            while read -r k v; do
                case "$k" in max) failcnt=$v ;; oom_kill) oom=$v ;; esac
            done <"$mem/memory.events"
        fi
        [ -f "$pids/pids.current" ] && read -r cur <"$pids/pids.current"
        if [ -f "$pids/pids.events" ]; then
            while read -r k v; do [ "$k" = max ] && hits=$v; done <"$pids/pids.events"
        fi
        if [ -r "/proc/$pid/net/tcp" ]; then
            conns=$(awk -v p=":$port_hex" '$4 == "01" && substr($2, length($2) - 4) == p { n++ }
                END { print n + 0 }' "/proc/$pid/net/tcp")
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(since "$t0")" "$usage" "$peak" "$failcnt" \
            "$oom" "$cur" "$hits" "$conns"
        sleep 0.2
    done 2>/dev/null
}

# ---- one run: a fresh server container, one load container, the engine's record ----

container_of() {
    docker ps -aq --filter "label=com.docker.compose.project=$project" \
        --filter "label=com.docker.compose.service=$1" | head -n 1
}

# Healthy (the image's HEALTHCHECK on /stats passed), or running after C10K_HEALTH_WAIT
# seconds: the load container waits for /stats itself, so a health check slowed down by a
# busy machine only costs time, not the run.
wait_healthy() {
    local cid=$1 status deadline=$((SECONDS + ${C10K_HEALTH_WAIT:-30}))
    while :; do
        status=$(docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$cid")
        case "$status" in
        "running healthy") return 0 ;;
        running*) ;;
        *) say "server container is $status"; return 1 ;;
        esac
        if [ "$SECONDS" -ge "$deadline" ]; then
            say "server not healthy after ${C10K_HEALTH_WAIT:-30}s ($status); going on"
            return 1
        fi
        sleep 0.2
    done
}

n_runs=0
n_load_failed=0
declare -A refused=() # model -> the line with which its server refused to start (exit 2)

# A run not made: the server refused the model. Its spec says why; c10k-bench marks it skipped.
write_skipped_spec() { # host id scenario model level busy idle reason
    printf '{"id":%s,"scenario":%s,"model":%s,"mode":%s,"level":%s,"concurrency":%s,"idle_connections":%s,"skipped_reason":%s}\n' \
        "$(json_str "$2")" "$(json_str "$3")" "$(json_str "$4")" "$(json_str "$4")" "$5" "$6" \
        "$7" "$(json_str "$8")" >"$1/spec.json"
}

# The server container exited with status 2 after one line: the model cannot run here.
server_refusal() { # container -> prints that line
    local code lines
    code=$(docker inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$1" 2>/dev/null || true)
    [ "$code" = "exited 2" ] || return 0
    lines=$(docker logs "$1" 2>&1 || true)
    [ -n "$lines" ] && [ "$(wc -l <<<"$lines")" = 1 ] && echo "$lines"
}

# ---- the engines: the server (and Prometheus) up, the load, and down again ----

# The server (and Prometheus) first, so that the start delay only has to cover the
# generators' own start: Swarm's stack is deployed with no load replica yet.
server_up() {
    if [ "$engine" = swarm ]; then
        printf 'version: "3.8"\nservices:\n  load:\n    deploy:\n      replicas: 0\n' |
            docker stack deploy --resolve-image never -c "$here/stack.yml" -c - "$project"
    elif [ "$generators" -gt 0 ]; then
        COMPOSE_PROFILES=prometheus compose up -d --no-build --force-recreate server prometheus
    else
        compose up -d --no-build --force-recreate server
    fi
}

# The container of a service (Swarm: its task's, once it has one).
service_container() {
    if [ "$engine" != swarm ]; then
        container_of "$1"
        return 0
    fi
    local deadline=$((SECONDS + start_delay + 30)) c
    until c=$(stack_containers --filter "label=com.docker.swarm.service.name=${project}_$1" | head -n 1) &&
        [ -n "$c" ]; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.5
    done
    echo "$c"
}

# The generators' containers, once all C10K_GENERATORS of them exist.
load_containers() {
    local deadline=$((SECONDS + start_delay + 30)) ids
    while :; do
        if [ "$engine" = swarm ]; then
            ids=$(stack_containers --filter "label=com.docker.swarm.service.name=${project}_load")
        else
            ids=$(docker ps -aq --filter "label=com.docker.compose.project=$project" \
                --filter "label=com.docker.compose.service=load")
        fi
        if [ "$(wc -w <<<"$ids")" -ge "$generators" ]; then
            echo "$ids"
            return 0
        fi
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}

# Runs the load; sets `loads` (its containers) and `load_rc` (the worst exit status).
loads=()
load_rc=0
run_load() { # host-dir
    local host=$1 code
    load_rc=0
    if [ "$generators" -eq 0 ]; then
        compose up --no-start --no-deps --force-recreate load >>"$host/compose.log" 2>&1 || return 1
        loads=("$(container_of load)")
        timeout 600 docker start -a "${loads[0]}" >"$host/load.log" 2>&1 || load_rc=$?
        return 0
    fi
    export C10K_START_AT=$((EPOCHSECONDS + start_delay))
    if [ "$engine" = swarm ]; then
        docker service update --detach --quiet --env-add "C10K_START_AT=$C10K_START_AT" \
            --replicas "$generators" "${project}_load" >>"$host/compose.log" 2>&1 || return 1
    else
        COMPOSE_PROFILES=prometheus compose up -d --no-deps --no-build --force-recreate \
            --scale load="$generators" load >>"$host/compose.log" 2>&1 || return 1
    fi
    local ids
    if ! ids=$(load_containers); then
        docker service ps --no-trunc "${project}_load" >>"$host/compose.log" 2>&1 || true
        say "fewer than $generators generators started (see $host/compose.log)"
        return 1
    fi
    mapfile -t loads <<<"$ids"
    while read -r code; do
        [ "$code" -le "$load_rc" ] || load_rc=$code
    done < <(timeout 600 docker wait "${loads[@]}" || echo 124)
    local c
    for c in "${loads[@]}"; do
        docker logs "$c" 2>&1 | sed "s/^/[$(docker inspect --format '{{.Name}}' "$c" | tr -d /)] /"
    done >"$host/load.log"
}

# The run's containers (and Prometheus, the stack) go; the next run starts from nothing.
run_down() { # server
    if [ "$engine" = swarm ]; then
        stack_down
    else
        local prometheus=()
        [ "$generators" -eq 0 ] || prometheus=("$(container_of prometheus)")
        docker rm -f "$1" "${loads[@]}" "${prometheus[@]}" >/dev/null 2>&1 || true
    fi
}

# The generators' JSON merged into the run's load.json (inside the image: the host may have no
# c10k-load), with c10k-load merge's per-generator table printed. A single generator wrote
# load.json itself. The cross-check against the server's count and Prometheus's figures are
# c10k-bench's, in its summary at the end.
merge_generators() { # run-dir host-dir
    local dir=$1 host=$2
    if [ -d "$dir/generators" ] && ! docker run --rm --network none --label "$run_label" --user "$C10K_USER" \
        -v "$dir:/results/run" -w /results/run "$C10K_IMAGE" \
        bash -c 'c10k-load merge --json load.json generators/*.json' >"$dir/load.txt" 2>"$host/merge.log"; then
        cat "$host/merge.log" >&2
        say "the generators' results did not merge (see $host/merge.log)"
        return 1
    fi
    if [ -f "$dir/load.txt" ]; then sed 's/^/  /' "$dir/load.txt" >&2; fi
    [ -f "$dir/prometheus.json" ] || say "no prometheus.json from generator 1"
}

run_one() {
    local scenario=$1 model=$2 level=$3 busy=$4 idle=$5 memory=$6 pids=$7 warmup=$8 duration=$9
    local timeout=${10}
    local id=$scenario-$model-$level
    local host=$out/host/$id
    mkdir -p "$host"
    if [ -n "${refused[$model]:-}" ]; then
        say "$id: skipped: ${refused[$model]}"
        write_skipped_spec "$host" "$id" "$scenario" "$model" "$level" "$busy" "$idle" "${refused[$model]}"
        return 0
    fi
    local by=
    [ "$generators" -eq 0 ] || by=", from $generators generator$([ "$generators" -eq 1 ] || echo s) ($engine)"
    say "$id: $model, $busy busy + $idle idle connections$by, server limits $memory, $pids pids"
    export C10K_MODE=$model C10K_SERVER_MEMORY=$memory C10K_SERVER_PIDS=$pids
    export C10K_RUN=$id C10K_CONNECTIONS=$busy C10K_IDLE=$idle C10K_WARMUP=$warmup
    export C10K_DURATION=$duration C10K_RAMP=$ramp C10K_TIMEOUT=$timeout
    if ! server_up >"$host/compose.log" 2>&1; then
        cat "$host/compose.log" >&2
        return 1
    fi
    local server
    if ! server=$(service_container server); then
        docker service ps --no-trunc "${project}_server" >>"$host/compose.log" 2>&1 || true
        say "$id: the server has no container (see $host/compose.log)"
        return 1
    fi
    if [ "$n_runs" -eq 0 ]; then
        docker network inspect --format '{"name":{{json .Name}},"driver":{{json .Driver}},"internal":{{json .Internal}},"subnet":{{json (index .IPAM.Config 0).Subnet}}}' \
            "${project}_c10k" >"$out/network.json" 2>/dev/null || echo null >"$out/network.json"
    fi
    local healthy=true
    wait_healthy "$server" || healthy=false
    local refusal
    refusal=$(server_refusal "$server")
    if [ -n "$refusal" ]; then
        refused[$model]=$refusal
        say "$id: skipped: $refusal"
        docker logs "$server" >"$host/server.log" 2>&1 || true
        loads=()
        run_down "$server"
        write_skipped_spec "$host" "$id" "$scenario" "$model" "$level" "$busy" "$idle" "$refusal"
        return 0
    fi
    local pid
    pid=$(docker inspect --format '{{.State.Pid}}' "$server")
    if [ "$pid" -gt 0 ]; then
        sample_cgroup "$pid" >"$host/cgroup.tsv" &
        sampler=$!
    fi

    run_load "$host" || { cat "$host/compose.log" >&2; return 1; }
    if [ -n "$sampler" ]; then
        kill "$sampler" 2>/dev/null || true
        wait "$sampler" 2>/dev/null || true
        sampler=
    fi
    docker stop --time 15 "$server" >/dev/null 2>&1 || true
    docker inspect "$server" >"$host/server-inspect.json"
    docker inspect "${loads[@]}" >"$host/load-inspect.json"
    docker logs "$server" >"$host/server.log" 2>&1 || true
    run_down "$server"
    [ "$generators" -eq 0 ] || merge_generators "$out/runs/$id" "$host" || load_rc=1
    {
        printf '{"id":%s,"scenario":%s,"model":%s,"mode":%s,"level":%s,' \
            "$(json_str "$id")" "$(json_str "$scenario")" "$(json_str "$model")" \
            "$(json_str "$model")" "$level"
        printf '"concurrency":%s,"idle_connections":%s,"warmup":%s,"duration":%s,' \
            "$busy" "$idle" "$(json_str "$warmup")" "$(json_str "$duration")"
        if [ "$generators" -gt 0 ]; then
            printf '"generators":%s,"engine":%s,"start_at":%s,' "$generators" \
                "$(json_str "$engine")" "$C10K_START_AT"
        fi
        printf '"timeout":%s,"ramp_per_s":%s,"healthy_before":%s,"load_exit":%s}\n' \
            "$(json_str "$timeout")" "$ramp" "$healthy" "$load_rc"
    } >"$host/spec.json"
    n_runs=$((n_runs + 1))
    if [ "$load_rc" -ne 0 ]; then
        n_load_failed=$((n_load_failed + 1))
        say "$id: the load exited with $load_rc (see $out/host/$id/load.log)"
    fi
    local oom
    oom=$(jq -r '.[0].State.OOMKilled' "$host/server-inspect.json")
    if [ "$oom" = true ]; then say "$id: the server container was killed by the OOM killer"; fi
    [ "$generators" -gt 0 ] ||
        grep -E '^ *(requests|errors|non-2xx) ' "$host/load.log" | sed "s/^ */  /" >&2 || true
}

for scenario in ${scenarios//,/ }; do
    for model in ${models//,/ }; do
        if [ "$scenario" = scale ]; then
            for level in $scale_levels; do
                warmup=$((level / ramp + 1))
                run_one scale "$model" "$level" "$level" 0 "$scale_memory" "$scale_pids" \
                    "${warmup}s" "$scale_duration" "$scale_timeout"
            done
        else
            # constrained: a small memory limit and a pids limit; memory: a smaller memory
            # limit alone. The same ramp: a few busy connections, the rest idle keep-alive.
            levels=$constrained_levels mem=$constrained_memory pids=$constrained_pids
            if [ "$scenario" = memory ]; then
                levels=$memory_levels mem=$memory_memory pids=$memory_pids
            fi
            for level in $levels; do
                busy=$((level < constrained_busy ? level : constrained_busy))
                warmup=$((level / ramp + 1))
                run_one "$scenario" "$model" "$level" "$busy" $((level - busy)) "$mem" "$pids" \
                    "${warmup}s" "$constrained_duration" "$constrained_timeout"
            done
        fi
    done
done

# ---- the engine and the host, then results.json, results.csv and report.html ----

elapsed_s=$(since "$t_start")
compose_version=$(compose version --short 2>/dev/null | head -n 1 || true)
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
    printf '{"started_at":%s,"elapsed_s":%s,"build_s":%s,"image":%s,"image_bytes":%s,' \
        "$(json_str "$stamp")" "$elapsed_s" "$build_s" "$(json_str "$C10K_IMAGE")" "$image_bytes"
    printf '"quick":%s,"project":%s,"compose_version":%s,"host_kernel":%s,"host_cpus":%s,' \
        "$([ "$quick" -eq 1 ] && echo true || echo false)" "$(json_str "$project")" \
        "$(json_str "$compose_version")" "$(json_str "$(uname -r)")" "$(nproc)"
    printf '"cpu_model":%s,"command":%s,' "$(json_str "$cpu_model")" "$(json_str "$0 $*")"
    printf '"limits":{"server_cpus":%s,"server_memory":%s,"server_pids":%s,' \
        "$(json_str "$C10K_SERVER_CPUS")" "$(json_str "$scale_memory")" "$scale_pids"
    printf '"load_cpus":%s,"load_memory":%s,"load_pids":%s,' \
        "$(json_str "$C10K_LOAD_CPUS")" "$(json_str "$C10K_LOAD_MEMORY")" "$C10K_LOAD_PIDS"
    printf '"constrained_memory":%s,"constrained_pids":%s,' \
        "$(json_str "$constrained_memory")" "$constrained_pids"
    printf '"memory_memory":%s,"memory_pids":%s,' "$(json_str "$memory_memory")" "$memory_pids"
    if [ -n "${C10K_SERVER_SECCOMP:-}" ]; then
        printf '"server_seccomp":%s},' "$(json_str "$C10K_SERVER_SECCOMP")"
    else
        printf '"server_seccomp":null},'
    fi
    printf '"engine":'
    docker info --format '{"server_version":{{json .ServerVersion}},"storage_driver":{{json .Driver}},"cgroup_driver":{{json .CgroupDriver}},"cgroup_version":{{json .CgroupVersion}},"kernel":{{json .KernelVersion}},"os":{{json .OperatingSystem}},"cpus":{{json .NCPU}},"mem_total_bytes":{{json .MemTotal}}}'
    printf ',"network":'
    cat "$out/network.json"
    printf ',"scale_out":'
    if [ "$generators" -gt 0 ]; then
        printf '{"engine":%s,"generators":%s,"start_delay_s":%s,"swarm_created":%s,"prometheus_image":%s}' \
            "$(json_str "$engine")" "$generators" "$start_delay" \
            "$([ "$swarm_created" -eq 1 ] && echo true || echo false)" \
            "$(json_str "$C10K_PROMETHEUS_IMAGE")"
    else
        printf 'null'
    fi
    printf '}\n'
} >"$out/docker.json"
rm -f "$out/network.json"
[ "$(id -u)" -ne 0 ] || chown -R "$C10K_USER" "$out"

say "writing results.json, results.csv and report.html"
docker run --rm --network none --label "$run_label" --user "$C10K_USER" \
    -v "$out:/results" "$C10K_IMAGE" c10k-docker-report /results >&2
say "done in $(since "$t_start")s: $out/report.html"
if [ "$n_load_failed" -gt 0 ]; then
    say "$n_load_failed of $n_runs load containers failed"
    exit 1
fi
