#!/usr/bin/env bash
# The performance comparison, now c10k-bench's perf profile: this script only translates the
# options it used to take. c10k-bench --profile perf --help lists the rest.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
args=(--profile perf)
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) args+=(--repeat "${2:?}"); shift 2 ;;
    --duration | --warmup | --out | --server) args+=("$1" "${2:?}"); shift 2 ;;
    --conns) args+=(--levels "$(tr -s ' ' , <<<"${2:?}")"); shift 2 ;;
    --modes) args+=(--modes "$(tr -s ' ' , <<<"${2:?}")"); shift 2 ;;
    --only) args+=(--scenarios "${2:?}"); shift 2 ;;
    --no-nginx) args+=(--no-baseline); shift ;;
    --quick) args+=(--duration 3 --repeat 1); shift ;;
    --generator)
        case "${2:?}" in load) args+=(--generator c10k-load) ;; *) args+=(--generator "$2") ;; esac
        shift 2 ;;
    -h | --help)
        cat <<'USAGE'
usage: loadtest/perf.sh [--runs N] [--duration S] [--conns "LIST"] [--modes "LIST"]
                        [--only LIST] [--no-nginx] [--quick] [--generator load|wrk] [--out DIR]
                        [c10k-bench options]
Runs build/bin/c10k-bench --profile perf: the server pinned to one CPU, one c10k-load thread
on the other; scale (100, 1000, 10000 connections), pipeline, syscalls, instructions and idle
against each model and nginx; medians of --runs rounds (3). --conns sets the levels of every
scenario chosen; --only takes c10k-bench's scenario names.
USAGE
        exit 0 ;;
    *) args+=("$1"); shift ;;
    esac
done
exec "$top/build/bin/c10k-bench" "${args[@]}"
