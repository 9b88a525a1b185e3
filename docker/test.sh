#!/usr/bin/env bash
# usage: docker/test.sh
# The Docker part's test, for CI: makes Docker usable (docker/setup.sh), then runs the short
# Docker load test (docker/run.sh --quick: the image is built, every model runs under Compose)
# and checks that
#   - every model's scale run came back with non-zero throughput and the server's own
#     counters (/stats before and after the load); uring's may instead be skipped with the
#     server's one line (io_uring missing, or forbidden by the engine's seccomp profile);
#   - results.json, results.csv and a self-contained report.html (Chart.js inlined) were
#     written, and the page draws its charts without errors (when chromium is installed);
#   - everything the test started (containers, networks, volumes; not the images) is gone;
#   - the Kubernetes manifests agree with each other and the image (docker/k8s/check-manifests);
#   - scale-out: two generators through a Swarm stack (docker/run.sh --quick --generators 2
#     --engine swarm) merge into requests within 1% of the server's own count, each generator
#     starting within 100 ms of the shared time, Prometheus's count agreeing with /stats, and
#     the stack, its network and the swarm (if the test made it) gone afterwards.
# Prints one line per check; on failure exits 1 with a one-line reason on stderr.
# Environment: C10K_TEST_TIMEOUT (seconds for the load test, default 900), C10K_TEST_KEEP=1
# keeps the results directory (it is removed after a success), and run.sh's variables.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
t_start=$SECONDS
out=
passed=0

fail() {
    echo "docker/test.sh: FAIL: $*${out:+ (results in $out)}" >&2
    echo "docker: $passed passed, 1 failed"
    exit 1
}
pass() {
    passed=$((passed + 1))
    echo "docker/test.sh: ok: $*"
}

if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
    [ "$(id -u)" -eq 0 ] || fail "python3-yaml is missing (apt-get install python3-yaml)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-yaml \
        >/dev/null || fail "python3-yaml could not be installed"
fi
"$here/k8s/check-manifests" >/dev/null || fail "the Kubernetes manifests in docker/k8s do not hold together"
pass "the Kubernetes manifests hold together (docker/k8s/check-manifests)"

"$here/setup.sh" || fail "docker/setup.sh could not make Docker usable"
docker info >/dev/null 2>&1 || fail "cannot talk to the Docker engine"

out=$(mktemp -d /tmp/c10k-docker-test.XXXXXX)
models=thread,pool,loop,uring
rc=0
timeout "${C10K_TEST_TIMEOUT:-900}" "$here/run.sh" --quick --no-setup --models "$models" \
    --out "$out" || rc=$?
case "$rc" in
0) ;;
124) fail "docker/run.sh --quick did not finish within ${C10K_TEST_TIMEOUT:-900}s" ;;
*) fail "docker/run.sh --quick exited with $rc" ;;
esac
pass "docker/run.sh --quick finished"

results=$out/results.json
[ -s "$results" ] || fail "no results.json"
[ -s "$out/results.csv" ] || fail "no results.csv"
project=$(jq -r '.docker.project // empty' "$results")
[ -n "$project" ] || fail "results.json names no Compose project"
image_bytes=$(jq -r '.docker.image_bytes' "$results")
pass "image $(jq -r '.docker.image' "$results"): $((image_bytes / 1000000)) MB"

for model in ${models//,/ }; do
    run=$(jq -c --arg m "$model" \
        '[.runs[] | select(.scenario == "scale" and .model == $m)] | first // empty' "$results")
    [ -n "$run" ] || fail "$model: no scale run in results.json"
    if [ "$model" = uring ] && jq -e '.status == "skipped" and (.reason | type) == "string"' <<<"$run" >/dev/null; then
        pass "$model: skipped: $(jq -r '.reason' <<<"$run")"
        continue
    fi
    rps=$(jq -r '.client.good_per_s // 0' <<<"$run")
    jq -e '(.client.good_per_s // 0) > 0' <<<"$run" >/dev/null ||
        fail "$model: zero throughput ($(jq -r '.reason // .status' <<<"$run"))"
    jq -e '.server.counters_from == "stats-after" and (.server.requests // 0) > 0
           and (.server.counters["connections.accepted"] // 0) > 0' <<<"$run" >/dev/null ||
        fail "$model: the server's own counters did not come back"
    jq -e '(.docker.server.cgroup.samples // 0) > 0 and .docker.server.limits.pids != null
           and .docker.server.limits.memory_bytes != null' <<<"$run" >/dev/null ||
        fail "$model: no cgroup samples or limits from the engine"
    pass "$model: $(printf '%.0f' "$rps") req/s, server counted $(jq -r '.server.requests' <<<"$run") requests, crosscheck $(jq -r '.server.crosscheck // "-" | if type == "number" then (. * 1000 | round / 1000) else . end' <<<"$run")"
done
jq -e '[.runs[] | .docker.server.state.health_passed // 0] | add > 0' "$results" >/dev/null ||
    fail "the image's health check never passed"
pass "the health check on /stats passed"

constrained=$(jq -r '[.runs[] | select(.scenario == "constrained") | "\(.model) \(.status)"] | join(", ")' "$results")
[ -n "$constrained" ] && pass "constrained: $constrained"

report=$out/report.html
[ -s "$report" ] || fail "no report.html"
grep -q 'id="c10k-data"' "$report" || fail "report.html has no data"
grep -q 'Chart.js v' "$report" || fail "report.html does not inline Chart.js"
if grep -Eq '<script[^>]+src=' "$report"; then fail "report.html loads a script from elsewhere"; fi
if command -v chromium >/dev/null; then
    profile=$(mktemp -d /tmp/c10k-docker-test-chromium.XXXXXX)
    dom=$(timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --virtual-time-budget=10000 --dump-dom "file://$report" \
        2>/dev/null) || true
    rm -rf "$profile"
    body=$(grep -o '<body[^>]*>' <<<"$dom" | head -n 1)
    [[ $body == *'data-status="ok"'* ]] || fail "report.html did not draw cleanly in chromium: ${body:-no page}"
    drawn=$(sed -n 's/.*data-charts-drawn="\([0-9]*\)".*/\1/p' <<<"$body")
    [ "${drawn:-0}" -gt 0 ] || fail "report.html drew no chart in chromium"
    pass "report.html draws $drawn charts in chromium without errors"
else
    pass "report.html written (chromium not installed: not rendered)"
fi

label=com.docker.compose.project=$project
left=$(docker ps -aq --filter "label=$label")
left+=$(docker ps -aq --filter "label=c10k-lab.run=$project")
[ -z "$left" ] || fail "containers left behind: $(echo "$left" | tr '\n' ' ')"
left=$(docker network ls -q --filter "label=$label")
[ -z "$left" ] || fail "networks left behind: $(echo "$left" | tr '\n' ' ')"
left=$(docker volume ls -q --filter "label=$label")
[ -z "$left" ] || fail "volumes left behind: $(echo "$left" | tr '\n' ' ')"
pass "no container, network or volume of $project is left"

# ---- scale-out: two generators through a Swarm stack ----

swarm_before=$(docker info --format '{{.Swarm.LocalNodeState}}')
main_out=$out
out=$(mktemp -d /tmp/c10k-docker-test-swarm.XXXXXX)
rc=0
timeout "${C10K_TEST_TIMEOUT:-900}" "$here/run.sh" --quick \
    --no-setup --generators 2 --engine swarm --out "$out" || rc=$?
[ "$rc" -eq 0 ] || fail "docker/run.sh --quick --generators 2 --engine swarm exited with $rc"
run_dir=$(find "$out/runs" -mindepth 1 -maxdepth 1 -type d | head -n 1)
merged=$run_dir/load.json
[ -s "$merged" ] || fail "no merged load.json"
jq -e '.merged_from == 2 and (.generators | length) == 2 and all(.generators[]; .requests > 0)' \
    "$merged" >/dev/null || fail "the merged load.json does not hold two generators with requests"
jq -e 'all(.generators[]; (.start_skew_ms | type) == "number" and .start_skew_ms < 100 and .late == false)' \
    "$merged" >/dev/null ||
    fail "a generator started 100 ms or more from the shared time: $(jq -c '[.generators[].start_skew_ms]' "$merged")"
pass "two generators merged: $(jq -r '[.generators[] | "\(.id): \(.requests) requests, skew \(.start_skew_ms) ms"] | join("; ")' "$merged")"
check=$(jq -n --slurpfile m "$merged" --slurpfile b "$run_dir/stats-before.json" \
    --slurpfile a "$run_dir/stats-after.json" '
    def load_requests: .requests.total - (.requests.by_endpoint.stats // 0)
        - (.requests.by_endpoint.metrics // 0);
    ($m[0].summary | .requests + .warmup_requests + (.idle.requests // 0)) as $c
    | (($a[0] | load_requests) - ($b[0] | load_requests)) as $s
    | {c: $c, s: $s, ok: ($s > 0 and (($c / $s) - 1 | fabs) <= 0.01)}') ||
    fail "no /stats before and after the scale-out run"
jq -e .ok <<<"$check" >/dev/null ||
    fail "the generators answered $(jq .c <<<"$check") requests, the server counted $(jq .s <<<"$check"): more than 1% apart"
pass "the generators answered $(jq .c <<<"$check") requests, the server counted $(jq .s <<<"$check") (within 1%)"
jq -e '.agreement.agree' "$run_dir/prometheus.json" >/dev/null 2>&1 ||
    fail "Prometheus's request count does not agree with /stats (or no prometheus.json)"
pass "Prometheus counted $(jq .agreement.requests_prometheus "$run_dir/prometheus.json") load requests, as /stats did"
stack=$(jq -r '.project' "$out/docker.json")
left=$(docker ps -aq --filter "label=com.docker.stack.namespace=$stack")
left+=$(docker network ls -q --filter "label=com.docker.stack.namespace=$stack")
[ -z "$left" ] || fail "the stack $stack left containers or networks: $(echo "$left" | tr '\n' ' ')"
[ "$(docker info --format '{{.Swarm.LocalNodeState}}')" = "$swarm_before" ] ||
    fail "the engine's swarm was $swarm_before before the test and is $(docker info --format '{{.Swarm.LocalNodeState}}') after"
pass "no container or network of the stack $stack is left; the swarm is $swarm_before, as before"

if [ "${C10K_TEST_KEEP:-0}" = 1 ]; then
    echo "docker/test.sh: results kept in $main_out and $out"
else
    rm -rf "$main_out" "$out"
fi
echo "docker/test.sh: passed in $((SECONDS - t_start))s"
echo "docker: $passed passed, 0 failed"
