#!/usr/bin/env bash
# One c10k-load process holding many open connections to one server (15,000 by default): past a
# single source address's port range, 100 of them busy. c10k-bench's hold scenario (the loadgen
# profile) reports what the client, the kernel and the server each saw. Exits 1 unless the
# client held every connection open at once, without errors.
set -euo pipefail

build=build
out=results/hold-$(date +%Y%m%d-%H%M%S)
args=(--profile loadgen --scenarios hold --repeat 1)
while [[ $# -gt 0 ]]; do
    case "$1" in
    --server)
        case "${2:?}" in nginx) args+=(--baseline nginx) ;; c10k) args+=(--no-baseline) ;;
        *) echo "hold_connections.sh: --server: nginx or c10k, not '$2'" >&2; exit 2 ;; esac
        shift 2 ;;
    --build) build=${2:?}; shift 2 ;;
    --connections) args+=(--levels "${2:?}"); shift 2 ;;
    --busy) args+=(--hold-busy "${2:?}"); shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    -h | --help)
        echo "usage: clients/bench/hold_connections.sh [--server nginx|c10k] [--build DIR]"
        echo "         [--connections N] [--busy N] [--out DIR] [c10k-bench options: --duration]"
        exit 0 ;;
    *) args+=("$1"); shift ;;
    esac
done

"$build/bin/c10k-bench" "${args[@]}" --out "$out"
jq -e '[.perf.hold[][]] | length > 0 and all(.held)' "$out/results.json" >/dev/null || {
    echo "the client did NOT hold every connection without errors"
    exit 1
}
echo "one c10k-load process held every connection"
