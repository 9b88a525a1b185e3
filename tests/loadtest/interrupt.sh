#!/usr/bin/env bash
# loadtest_interrupt: Ctrl-C in the middle of a run stops the session cleanly: exit status 130,
# results.json and report.html written and marked interrupted, and no process that c10k-bench
# started left behind (none holds a file under the results directory, where every server and
# load generator writes its output).
# usage: interrupt.sh C10K_BENCH OUT_DIR
set -euo pipefail

bench=$1
out=$(realpath -m "$2")
rm -rf "$out"

"$bench" --profile quick --scenarios scale,idle --out "$out" 2>"$out.log" &
pid=$!

# Wait until the second run's server is up, then interrupt during its load.
for _ in $(seq 1 300); do
    if compgen -G "$out/logs/*.client.out" >/dev/null &&
        [ "$(find "$out/logs" -name '*.server.log' | wc -l)" -ge 2 ]; then
        break
    fi
    sleep 0.1
done
sleep 1
kill -INT "$pid"
status=0
wait "$pid" || status=$?
cat "$out.log"

failed=0
if [ "$status" -ne 130 ]; then
    echo "exit status $status, not 130" >&2
    failed=1
fi
leftover=$(find /proc/[0-9]*/fd -lname "$out/*" 2>/dev/null | cut -d/ -f3 | sort -u || true)
if [ -n "$leftover" ]; then
    echo "processes left behind: $leftover" >&2
    for p in $leftover; do tr '\0' ' ' <"/proc/$p/cmdline" >&2 || true; echo >&2; done
    failed=1
fi
if ! grep -q '"interrupted": true' "$out/results.json"; then
    echo "results.json is not marked interrupted" >&2
    failed=1
fi
if [ ! -s "$out/report.html" ]; then
    echo "no report.html after the interruption" >&2
    failed=1
fi
exit "$failed"
