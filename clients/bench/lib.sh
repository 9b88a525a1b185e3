# shellcheck shell=bash
# Shared by the benchmark scripts: start a server pinned to one core on a free loopback port, and
# stop it again. Source it; it sets SERVER_PID, SERVER_PORT and SERVER_URL.

bench_free_port() {
    local port
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 20000))
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

# bench_start_server KIND CPU WORKDIR BUILD_DIR
#   KIND: nginx (one worker, the way DESIGN.md's baseline runs it) or c10k (c10k-server --mode loop)
# nginx gets multi_accept: with one worker busy serving thousands of connections, accepting one
# connection per event-loop pass lets the listen queue overflow while connections are ramped up.
bench_start_server() {
    local kind=$1 cpu=$2 workdir=$3 build=$4
    case "$kind" in
    nginx)
        command -v nginx >/dev/null || { echo "bench: nginx is not installed" >&2; return 1; }
        SERVER_PORT=$(bench_free_port)
        mkdir -p "$workdir/nginx"
        cat >"$workdir/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
worker_rlimit_nofile 20000;
error_log stderr error;
pid $workdir/nginx/nginx.pid;
events { worker_connections 19500; multi_accept on; }
http {
    access_log off;
    keepalive_requests 1000000000;
    keepalive_timeout 600s;
    client_body_temp_path $workdir/nginx/body;
    proxy_temp_path $workdir/nginx/proxy;
    fastcgi_temp_path $workdir/nginx/fastcgi;
    uwsgi_temp_path $workdir/nginx/uwsgi;
    scgi_temp_path $workdir/nginx/scgi;
    server {
        listen 127.0.0.1:$SERVER_PORT backlog=4096;
        location = /plaintext { default_type text/plain; return 200 "Hello, World!"; }
        location = /nginx_status { stub_status; }
    }
}
CONF
        taskset -c "$cpu" nginx -c "$workdir/nginx/nginx.conf" -p "$workdir/nginx" \
            2>"$workdir/nginx/stderr" &
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
