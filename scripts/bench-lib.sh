# shellcheck shell=bash
# Shared by the benchmark scripts (clients/bench, loadtest/perf.sh): a free loopback port, the
# nginx baseline's configuration, and a server pinned to one core started and stopped again.
# Source it; bench_start_server sets SERVER_PID, SERVER_PORT and SERVER_URL.

# A port nothing listens on, taken below the ephemeral range (net.ipv4.ip_local_port_range) so that
# no client connection of a benchmark can hold it as its local port when the server binds it.
bench_free_port() {
    local port low=32768 _high
    read -r low _high </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    local base=10000 span=$((low - 10000))
    [ "$span" -ge 1000 ] || { base=$((low > 1024 ? low : 1024)); span=20000; }
    for _ in $(seq 1 100); do
        port=$((base + RANDOM % span))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "bench: no free port found" >&2
    return 1
}

bench_wait_port() {
    local port=$1
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    echo "bench: the server did not start listening on port $port" >&2
    return 1
}

# bench_nginx_conf DIR PORT: writes DIR/nginx.conf for the nginx baseline from the one
# configuration every benchmark uses (loadtest/nginx.conf.in): one worker, access log off,
# keep-alive without a request limit, /plaintext and /nginx_status; its pid, error log and
# temporary files in DIR.
bench_nginx_conf() {
    local dir=$1 port=$2
    local template
    template="$(dirname "${BASH_SOURCE[0]}")/../loadtest/nginx.conf.in"
    mkdir -p "$dir"
    sed -e "s|@DIR@|$dir|g" -e "s|@HOST@|127.0.0.1|g" -e "s|@PORT@|$port|g" \
        -e "s|@CONNECTIONS@|19500|g" "$template" >"$dir/nginx.conf"
}

# bench_start_server KIND CPU WORKDIR BUILD_DIR
#   KIND: nginx (one worker, bench_nginx_conf) or c10k (c10k-server --mode loop)
bench_start_server() {
    local kind=$1 cpu=$2 workdir=$3 build=$4
    case "$kind" in
    nginx)
        command -v nginx >/dev/null || { echo "bench: nginx is not installed" >&2; return 1; }
        SERVER_PORT=$(bench_free_port)
        bench_nginx_conf "$workdir/nginx" "$SERVER_PORT"
        taskset -c "$cpu" nginx -c "$workdir/nginx/nginx.conf" -p "$workdir/nginx" \
            -e "$workdir/nginx/error.log" 2>"$workdir/nginx/stderr" &
        SERVER_PID=$!
        bench_wait_port "$SERVER_PORT"
        ;;
    c10k)
        local bin=$build/bin/c10k-server
        [[ -x $bin ]] || { echo "bench: $bin is not built" >&2; return 1; }
        local fifo=$workdir/server.out
        taskset -c "$cpu" "$bin" --mode loop --host 127.0.0.1 --port 0 --quiet \
            --keepalive-requests 0 >"$fifo" 2>"$workdir/server.err" &
        SERVER_PID=$!
        for _ in $(seq 1 100); do
            [[ -s $fifo ]] && break
            sleep 0.05
        done
        SERVER_PORT=$(sed -n '1s/^listening on [^ ]*:\([0-9]*\) .*/\1/p' "$fifo")
        [[ -n $SERVER_PORT ]] || { echo "bench: c10k-server did not report its port" >&2; return 1; }
        ;;
    *)
        echo "bench: unknown server '$kind' (nginx or c10k)" >&2
        return 1
        ;;
    esac
    # shellcheck disable=SC2034 # for the scripts that source this file
    SERVER_URL=http://127.0.0.1:$SERVER_PORT/plaintext
}

bench_stop_server() {
    if [[ -n ${SERVER_PID:-} ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
