#!/usr/bin/env bash
# loadtest_perf: a tiny perf profile end to end (the loop, and nginx where installed; 1-s runs):
# results.json holds the perf figures, results.csv the wrapper's columns, report.html the
# Performance section (drawn in headless Chromium where installed), the terminal the table;
# then a wrapper that is not on PATH makes its runs skipped with the reason.
# usage: run_perf.sh C10K_BENCH OUT_DIR [callgrind|no-callgrind]
# (no-callgrind: a sanitizer build, which valgrind cannot run)
set -euo pipefail

bench=$1
out=$2
callgrind=${3:-callgrind}
rm -rf "$out"
mkdir -p "$out"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bench" --profile perf --modes loop --levels 100 --warmup 0.5 --duration 1 --repeat 1 \
    --instructions-requests 300 \
    --out "$out/run" 2>"$out/terminal.txt" || { cat "$out/terminal.txt"; fail "c10k-bench failed"; }
json=$out/run/results.json
jq -e '.perf.scale.loop["100"] | .requests_per_s > 0 and .cpu_us_per_request > 0 and
    (.server_busy | type) == "number"' "$json" >/dev/null || fail "no scale figures"
jq -e '.perf.pipeline.loop["100"].requests_per_s > 0' "$json" >/dev/null || fail "no pipeline"
jq -e '.perf.idle.loop["100"].rss_bytes_per_connection | type == "number"' "$json" >/dev/null ||
    fail "no idle memory"
jq -e '[.runs[] | select(.scenario == "pipeline")][0].client_argv | index("--pipeline")' \
    "$json" >/dev/null || fail "the pipelined run did not pipeline"
# Every request needs a read and a write at least; each syscalls run names its wrapper.
if command -v perf >/dev/null || command -v strace >/dev/null; then
    jq -e '.perf.syscalls.loop["100"].syscalls_per_request >= 2' "$json" >/dev/null ||
        fail "no system calls per request"
    jq -e '[.runs[] | select(.scenario == "syscalls")] | all(.wrapper.argv[0] | test("perf|strace"))' \
        "$json" >/dev/null || fail "a syscalls run has no wrapper argv"
fi
if [ "$callgrind" = callgrind ] && command -v valgrind >/dev/null; then
    jq -e '.perf.instructions.loop["100"].instructions_per_request | . > 100 and . < 1000000' \
        "$json" >/dev/null || fail "no instructions per request"
fi
if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
    jq -e '.perf.models[0] == "nginx" and
        (.perf.ratios | map(.name) | index("loop/nginx req/s at 100"))' "$json" >/dev/null ||
        fail "no nginx beside the loop"
fi
head -1 "$out/run/results.csv" | grep -q wrapper_syscalls_per_request || fail "csv columns"
grep -q 'id="perf-section"' "$out/run/report.html" || fail "no perf section in the report"
grep -q '^Performance (medians of 1 rounds)' "$out/terminal.txt" || fail "no table on the terminal"
grep -q '^  loop .* req/s' "$out/terminal.txt" || fail "no loop row on the terminal"

if command -v chromium >/dev/null; then
    # shellcheck source=chromium.sh
    source "$(dirname "$0")/chromium.sh"
    headless_dom "file://$(realpath "$out/run/report.html")" "$out"
    grep -q '<section id="perf-section">' "$out/dom.html" || fail "the perf section is hidden"
    grep -q 'data-status="ok"' "$out/dom.html" || fail "the report did not finish drawing"
    console_clean "$out" || fail "the report logged to the console"
else
    echo "SKIPPED the report's drawing: chromium is not installed"
fi

# Without valgrind on PATH, the instructions runs are skipped with the reason, not failed.
PATH=/nonexistent "$bench" --profile perf --scenarios instructions --modes loop --no-baseline \
    --repeat 1 --out "$out/skip" 2>"$out/skip.txt" || { cat "$out/skip.txt"; fail "exit status"; }
jq -e '.runs | length == 2 and all(.status == "skipped" and
    (.reason | test("^valgrind is not installed")))' "$out/skip/results.json" >/dev/null ||
    fail "a missing wrapper did not skip its runs"
echo "perf profile: ok"
