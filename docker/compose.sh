#!/usr/bin/env bash
# usage: docker/compose.sh COMPOSE-ARGS...
# Runs Compose on docker/compose.yml, whichever Compose this machine has: the v2 plugin
# (`docker compose`) or Debian 12's docker-compose 1.29. Two things differ between them and are
# handled here: 1.29 rejects a pids_limit that comes from a variable (it stays a string), so
# the pids limits are given again, as numbers, in a generated override; and builds go through
# the docker CLI with BuildKit when it can, so that docker/Dockerfile.dockerignore applies.
#   docker/compose.sh up --build --abort-on-container-exit
#   C10K_MODE=thread C10K_SERVER_PIDS=512 docker/compose.sh up -d server
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

pids_of() {
    local name=$1 value=$2
    if ! [[ $value =~ ^[0-9]+$ ]] || [ "$value" -eq 0 ]; then
        echo "docker/compose.sh: $name must be a positive whole number, not '$value'" >&2
        exit 2
    fi
    echo "$value"
}
server_pids=$(pids_of C10K_SERVER_PIDS "${C10K_SERVER_PIDS:-16384}")
load_pids=$(pids_of C10K_LOAD_PIDS "${C10K_LOAD_PIDS:-1024}")
bench_pids=$(pids_of C10K_BENCH_PIDS "${C10K_BENCH_PIDS:-16384}")

override=$(mktemp /tmp/c10k-compose-pids.XXXXXX.yml)
trap 'rm -f "$override"' EXIT
# C10K_SERVER_SECCOMP: a seccomp profile for the server container alone (Docker's default
# otherwise; see docker/README.md for uring).
server_security=""
if [ -n "${C10K_SERVER_SECCOMP:-}" ]; then
    server_security="    security_opt: [\"seccomp=$C10K_SERVER_SECCOMP\"]"
fi
cat >"$override" <<EOF
services:
  server:
    pids_limit: $server_pids
$server_security
  load:
    pids_limit: $load_pids
  bench:
    pids_limit: $bench_pids
EOF

# The load and bench services write to this folder as C10K_USER (the image's own user unless
# given): it must exist, and be theirs, before the engine would create it as root.
results=${C10K_RESULTS_DIR:-$here/../results/docker}
if [ ! -d "$results" ]; then
    mkdir -p "$results"
    if [ "$(id -u)" -eq 0 ]; then chown "${C10K_USER:-10001:10001}" "$results"; fi
fi

if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
else
    compose=(docker-compose)
fi

# BuildKit: with buildx, or with a docker CLI older than 23 (its own BuildKit client).
# A newer CLI without buildx can only use the legacy builder, which reads no Dockerfile-specific
# ignore file.
if [ -z "${DOCKER_BUILDKIT:-}" ]; then
    client=$(docker version --format '{{.Client.Version}}' 2>/dev/null || echo 0)
    if docker buildx version >/dev/null 2>&1 || [ "${client%%.*}" -lt 23 ] 2>/dev/null; then
        export DOCKER_BUILDKIT=1
    else
        export DOCKER_BUILDKIT=0
    fi
fi
export COMPOSE_DOCKER_CLI_BUILD=${COMPOSE_DOCKER_CLI_BUILD:-1}

"${compose[@]}" -f "$here/compose.yml" -f "$override" "$@"
