#!/usr/bin/env bash
# loadtest_from_docker: c10k-bench --from-docker on what a real docker/run.sh --quick collected
# (tests/loadtest/docker-run, trimmed), with one run's load.json replaced by the merge of two
# c10k-load generators run here against a c10k-server on port 0, a Prometheus file beside it
# and a run the server refused. Checks results.json (the one schema, the docker section, the
# generators and the cross-check), the claims, results.csv's columns, the summary and the
# report; then that broken inputs give a one-line error or a failed run, never a crash.
# usage: from_docker.sh C10K_BENCH C10K_SERVER C10K_LOAD FIXTURE WORK_DIR
set -euo pipefail

bench=$1
server=$2
load=$3
fixture=$4
work=$5

command -v jq >/dev/null || { echo "SKIPPED: jq is not installed (apt-get install jq)"; exit 77; }

rm -rf "$work"
mkdir -p "$work"
dir=$work/run
cp -r "$fixture" "$dir"

fail() {
    echo "from_docker: FAIL: $*" >&2
    exit 1
}
# check JQ_FILTER WHAT: the filter must be true of results.json.
check() {
    jq -e "$1" "$dir/results.json" >/dev/null || fail "$2"
    echo "ok: $2"
}

# ---- two real generators, merged ----
server_pid=
trap '[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true' EXIT
"$server" --mode loop --port 0 --quiet >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 100); do
    grep -q '^listening on' "$work/server.out" && break
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited: $(cat "$work/server.err")"
    sleep 0.05
done
port=$(sed -n 's/^listening on .*:\([0-9]*\) mode=.*/\1/p' "$work/server.out")
[ -n "$port" ] || fail "the server did not start: $(cat "$work/server.err")"
for g in a b; do
    "$load" --connections 2 --warmup 200ms --duration 1s --start-at +300ms --generator-id "$g" \
        --json "$work/$g.json" "http://127.0.0.1:$port/plaintext" >/dev/null &
done
wait %2 %3 || fail "a generator failed"
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
merged=$dir/runs/scale-loop-50/load.json
"$load" merge --json "$merged" "$work/a.json" "$work/b.json" >/dev/null
echo '{"series": {"requests": [[0, "1"]]}, "agreement": {"requests_prometheus": 171890, "requests_stats": 171890, "ratio": 1, "agree": true}}' \
    >"$dir/runs/scale-loop-50/prometheus.json"

# ---- a run the server refused (docker/run.sh's skipped spec) ----
mkdir -p "$dir/host/scale-uring-50"
printf '{"id":"scale-uring-50","scenario":"scale","model":"uring","mode":"uring","level":50,"concurrency":50,"idle_connections":0,"skipped_reason":"io_uring is not permitted here"}\n' \
    >"$dir/host/scale-uring-50/spec.json"

"$bench" --from-docker "$dir" >"$work/summary.txt" || fail "c10k-bench --from-docker exited with $?"

check '.schema == "c10k-bench/1" and .tool == "c10k-bench" and .profile == "docker --quick"' \
    "one schema, the session of a Docker run"
check '(.runs | map(.id)) == ["constrained-loop-800", "constrained-thread-800", "scale-loop-50", "scale-uring-50"]' \
    "every run, in name order"
check '.docker.project != null and .environment.docker.image == "c10k-lab:dockres"' \
    "the engine and the image"
check '.runs[] | select(.id == "scale-uring-50") | .status == "skipped" and .reason == "io_uring is not permitted here"' \
    "a refused model is skipped with the server's line"

# The constrained thread run hit the pids limit: the engine's figures and the server's own.
check '.runs[] | select(.id == "constrained-thread-800")
       | .status == "errors" and .limit.name == "pids" and .docker.server.limits.pids == 512
         and .docker.server.cgroup.pids_refused > 0 and .docker.server.cgroup.pids_peak >= 512
         and .server.counters["connections.rejected"] > 0 and .docker.server.state.oom_killed == false
         and (.reason | test("pids limit \\(512\\) refused"))' \
    "constrained thread: refused at the pids limit, as the cgroup and the server counted"
check '.runs[] | select(.id == "constrained-loop-800")
       | .status == "ok" and .held_connections == 800 and .per_connection.total_bytes > 0
         and .docker.server.cgroup.samples > 0 and (.samples.t | length) > 0
         and .server.counters_from == "stats-after" and .saturation.bottleneck != null' \
    "constrained loop: held every connection; memory per connection from the cgroup"
# Percentiles from c10k-bench's one list, p0 to p100.
check '[.runs[] | select(.client) | .client.percentiles | (length > 10 and .[0][0] == 0 and .[-1][0] == 100)] | all' \
    "percentiles from c10k-bench's list"

# The merged run: per-generator rows, totals, the cross-check against the server's count.
a=$(jq '.summary.requests' "$work/a.json")
b=$(jq '.summary.requests' "$work/b.json")
check ".runs[] | select(.id == \"scale-loop-50\") | .client.merged_from == 2
       and (.client.generators | map(.id)) == [\"a\", \"b\"]
       and (.client.generators | map(.requests)) == [$a, $b] and .client.requests == $a + $b" \
    "merged run: each generator's requests and their sum"
# shellcheck disable=SC2016 # a jq program: $s and $c are jq's
check '.runs[] | select(.id == "scale-loop-50") | .server as $s | .client as $c
       | (($c.total_requests - $c.errors.status - $s.requests) * 100 / $s.requests) as $want
       | ($s.crosscheck_difference_pct - $want | fabs) < 1e-4 * ($want | fabs) + 1e-9' \
    "merged run: the client against the server's /stats count, in percent"
check '.runs[] | select(.id == "scale-loop-50") | .prometheus.agreement.agree == true' \
    "prometheus.json carried into the run"

check '(.claims | map(.id)) == ["pids", "loop", "thread_memory"]
       and (.claims[] | select(.id == "pids") | .verdict == "holds")
       and (.claims[] | select(.id == "loop") | .verdict == "holds")' \
    "the container claims, judged by claims.c"
check '(.headline[0] | startswith("Image c10k-lab:dockres"))
       and any(.headline[]; startswith("Constrained (256m, 512 pids), thread: no level ran cleanly"))' \
    "the headline"

# results.csv: results.c's columns, the Docker ones among them, a row per run.
header=$(head -n 1 "$dir/results.csv")
for col in id status good_per_s crosscheck p99_us server_rejected server_thread_create_errors \
    held_connections cgroup_memory_baseline_bytes cgroup_memory_peak_bytes per_connection_bytes \
    memory_limit_bytes pids_peak pids_limit pids_refused oom_killed server_exit generators reason; do
    [[ ",$header," == *",$col,"* ]] || fail "results.csv has no column $col"
done
[ "$(wc -l <"$dir/results.csv")" = 5 ] || fail "results.csv: not a header and 4 rows"
n=$(tr ',' '\n' <<<"$header" | grep -n '^pids_refused$' | cut -d: -f1)
want=$(jq '.runs[] | select(.id == "constrained-thread-800") | .docker.server.cgroup.pids_refused' "$dir/results.json")
# Quoted cells (a reason may hold commas) emptied first, so that the commas left part the columns.
got=$(grep '^constrained-thread-800,' "$dir/results.csv" | sed 's/"[^"]*"//g' | cut -d, -f"$n")
[ "$got" = "$want" ] || fail "results.csv: pids_refused $got, results.json $want"
echo "ok: results.csv's columns"

grep -q '^constrained-thread-800 *errors ' "$work/summary.txt" || fail "no summary row per run"
grep -q '^  Image c10k-lab:dockres' "$work/summary.txt" || fail "no headline in the summary"
echo "ok: the terminal summary"

report=$dir/report.html
grep -q 'id="c10k-data"' "$report" || fail "report.html has no data"
grep -q 'id="containers-section"' "$report" || fail "report.html is not c10k-bench's template"
if command -v chromium >/dev/null; then
    "$(dirname "$0")/check_report.sh" "$report"
fi
echo "ok: report.html"

# ---- broken inputs ----
rm "$dir/docker.json"
if "$bench" --from-docker "$dir" >/dev/null 2>"$work/err"; then fail "no docker.json: exit 0"; fi
if [ "$(wc -l <"$work/err")" != 1 ] || ! grep -q 'docker.json' "$work/err"; then
    fail "no docker.json: not one line naming it: $(cat "$work/err")"
fi
echo "ok: a missing docker.json: $(cat "$work/err")"
cp "$fixture/docker.json" "$dir/"
echo '{"summary": ' >"$dir/runs/constrained-loop-800/load.json"
rm "$dir/runs/constrained-thread-800/stats-before.json" "$dir/host/constrained-thread-800/cgroup.tsv"
echo '[1, 2' >"$dir/host/scale-uring-50/spec.json"
"$bench" --from-docker "$dir" >/dev/null || fail "broken run files: c10k-bench failed"
check '.runs[] | select(.id == "constrained-loop-800") | .status == "failed"
       and (.reason | test("runs/constrained-loop-800/load.json: not JSON"))' \
    "a broken load.json: the run failed, naming the file"
check '.runs[] | select(.id == "scale-uring-50") | .status == "failed" and (.reason | test("spec.json"))' \
    "a broken spec.json: the run failed, naming the file"
check '.runs[] | select(.id == "constrained-thread-800") | .server == null and .docker.server.cgroup == null
       and .client != null' \
    "missing stats and cgroup files: those figures are null, the rest stays"

# ---- the engine's facts and Docker's own, through the one judge ----
rm -rf "$dir"
cp -r "$fixture" "$dir"
jq '.[0].State.OOMKilled = true | .[0].State.ExitCode = 137' \
    "$fixture/host/constrained-loop-800/server-inspect.json" >"$dir/host/constrained-loop-800/server-inspect.json"
jq '.healthy_before = false' "$fixture/host/scale-loop-50/spec.json" >"$dir/host/scale-loop-50/spec.json"
jq '.scenario = "crowded"' "$fixture/host/constrained-thread-800/spec.json" \
    >"$dir/host/constrained-thread-800/spec.json"
"$bench" --from-docker "$dir" >/dev/null || fail "changed run files: c10k-bench failed"
check '.runs[] | select(.id == "constrained-loop-800") | .status == "errors" and .limit.name == "memory"
       and .docker.server.cgroup.memory_peak_bytes == .docker.server.limits.memory_bytes
       and .docker.server.cgroup.memory_peak_from != null and .per_connection == null
       and .server.oom_killed == true and (.reason | test("OOM killer"))' \
    "an OOM kill: errors, the memory limit named, the peak at the limit, no figure per connection"
check '.runs[] | select(.id == "scale-loop-50") | .status == "errors" and (.reason | test("not healthy"))
       and .server.crosscheck_ok == true' \
    "a server not healthy before the load: errors, its figures kept"
check '.runs[] | select(.id == "constrained-thread-800") | .status == "failed"
       and (.reason | test("not rows of c10k-bench.s tables"))' \
    "a scenario no row names: failed, naming the spec"
