#!/usr/bin/env bash
# CPU time per request of c10k-load and of wrk against the same server: c10k-bench's generators
# scenario (the loadgen profile), server on one core, each client in turn on the other, one
# thread each. Exits 1 when c10k-load used more CPU per request than wrk at any level.
set -euo pipefail

build=build
out=results/cpu_vs_wrk-$(date +%Y%m%d-%H%M%S)
args=(--profile loadgen --scenarios generators)
while [[ $# -gt 0 ]]; do
    case "$1" in
    --server)
        case "${2:?}" in nginx) args+=(--baseline nginx) ;; c10k) args+=(--no-baseline) ;;
        *) echo "cpu_vs_wrk.sh: --server: nginx or c10k, not '$2'" >&2; exit 2 ;; esac
        shift 2 ;;
    --build) build=${2:?}; shift 2 ;;
    --connections) args+=(--levels "$(tr -s ' ' , <<<"${2:?}")"); shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    -h | --help)
        echo "usage: clients/bench/cpu_vs_wrk.sh [--server nginx|c10k] [--build DIR]"
        echo "         [--connections \"N...\"] [--out DIR] [c10k-bench options: --duration, --repeat]"
        exit 0 ;;
    *) args+=("$1"); shift ;;
    esac
done

"$build/bin/c10k-bench" "${args[@]}" --out "$out"
jq -e '.perf.generators as $g | ($g.wrk | keys) | length > 0 and all(. as $l |
    $g["c10k-load"][$l].client_cpu_us_per_request <= $g.wrk[$l].client_cpu_us_per_request)' \
    "$out/results.json" >/dev/null || {
    echo "c10k-load used MORE CPU per request than wrk at some level (or a run failed)"
    exit 1
}
echo "c10k-load used no more CPU per request than wrk at every level"
