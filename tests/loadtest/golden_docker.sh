#!/usr/bin/env bash
# loadtest_golden_docker: c10k-bench --from-docker on the Docker fixture must give the figures,
# statuses, CSV columns and claims it gave before (golden/docker.*).
# usage: golden_docker.sh C10K_BENCH TEST_GOLDEN FIXTURE GOLDEN_DIR WORK_DIR
set -euo pipefail
bench=$1 golden_test=$2 fixture=$3 golden=$4 work=$5
rm -rf "$work"
mkdir -p "$work"
cp -r "$fixture" "$work/run"
"$bench" --from-docker "$work/run" >"$work/summary.txt"
"$golden_test" --docker "$golden" "$work/run"
