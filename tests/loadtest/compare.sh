#!/usr/bin/env bash
# loadtest_compare: c10k-bench --compare on sessions recorded on the project's 2-CPU VM
# (tests/loadtest/golden) and copies of them changed with jq: a session against itself (all
# within noise, the gate passes), against a copy whose server needs twice the CPU per request
# (worse, the gate fails with exit 1), against a session with repetitions (their spread is the
# noise), three sessions (each against the first), the default directory beside B, the bad
# inputs (one line, exit 2), and compare.html in headless Chromium.
# usage: compare.sh C10K_BENCH GOLDEN_DIR OUT_DIR
set -euo pipefail

bench=$1 golden=$2 out=$3
rm -rf "$out"
mkdir -p "$out"
a=$golden/quick.json

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# run STATUS NAME COMMAND...: its output in OUT/NAME.out and .err; fails unless it exits STATUS.
run() {
    local want=$1 name=$2 rc=0
    shift 2
    "$@" >"$out/$name.out" 2>"$out/$name.err" || rc=$?
    if [ "$rc" -ne "$want" ]; then
        cat "$out/$name.out" "$out/$name.err" >&2
        fail "$name: exit status $rc, expected $want"
    fi
}

# check NAME JQ-EXPRESSION: the expression is true of OUT/NAME/compare.json.
check() {
    jq -e "$2" "$out/$1/compare.json" >/dev/null || fail "$1: compare.json: $2"
}

# 1. A session against itself: every figure within noise (or without a verdict), the gate
# passes, and the three files are there.
run 0 same "$bench" --compare "$a" "$a" --out "$out/same" --fail-if worse:0%
for f in compare.json compare.csv compare.html; do
    [ -s "$out/same/$f" ] || fail "same: no $f"
done
check same '.schema == "c10k-bench-compare/1" and (.comparisons | length) == 1'
check same '.comparisons[0].counts.all.better == 0 and .comparisons[0].counts.all.worse == 0'
check same '.comparisons[0].counts.all["within noise"] > 0 and .gate.exit_status == 0'
check same '(.comparisons[0].cells | length) == 28 and (.comparisons[0].environment | length) == 0'
check same '[.comparisons[0].cells[].figures.throughput.verdict] | index("load-bound") != null'
grep -q '^Gate (--fail-if worse:0%): passed' "$out/same.out" || fail "same: the gate's line"
head -1 "$out/same/compare.csv" | grep -q '^a,b,scenario,model,level,figure,' ||
    fail "same: compare.csv's header"

# 2. B's server needs twice the CPU per request: worse beyond the default noise, and the gate on
# that figure fails with exit 1, printing the cells; a gate on another figure passes.
jq '(.runs[] | select(.server.cpu_us_per_request != null) | .server.cpu_us_per_request) |= . * 2' \
    "$a" >"$out/slower.json"
run 1 slower "$bench" --compare "$a" "$out/slower.json" --out "$out/slower" \
    --fail-if cpu_us_per_request:worse:5%
grep -q 'FAILED' "$out/slower.out" || fail "slower: the gate did not say it failed"
cells=$(grep -c '^  B: .* cpu_us_per_request .* worse by 100.0%' "$out/slower.out" || true)
[ "$cells" -eq 20 ] || fail "slower: $cells cells printed as worse by 100%, not the first 20"
broken=$(jq .gate.broken "$out/slower/compare.json")
grep -q "^  ... and $((broken - 20)) more" "$out/slower.out" || fail "slower: the cells left out are not counted"
check slower '.gate.exit_status == 1 and .gate.broken > 20'
# Every cell whose change is larger than what its clock ticks resolve is worse; one within them
# (a run of few requests) is within noise.
check slower '[.comparisons[0].cells[].figures.cpu_us_per_request | select(. != null)
    | select(.b - .a > .resolution) | .verdict] | length > 20 and all(. == "worse")'
check slower '[.comparisons[0].cells[].figures.cpu_us_per_request | select(. != null)
    | select(.b - .a <= .resolution) | .verdict] | all(. == "within noise")'
run 0 other "$bench" --compare "$a" "$out/slower.json" --out "$out/other" --fail-if p99:worse:5%

# 3. Against a session that ran --repeat 2: its repetitions' spread is the noise; the cells the
# two have in common (scale and idle at 1000) are paired, the rest listed.
run 0 real "$bench" --compare "$a" "$golden/claims.json" --out "$out/real"
check real '(.comparisons[0].cells | length) == 8'
check real '[.comparisons[0].cells[].figures.cpu_us_per_request.noise_from] | all(. == "repetitions")'
check real '(.comparisons[0].only_b | length) > 0 and (.comparisons[0].claims | length) > 0'
grep -q 'repetitions' "$out/real.out" || fail "real: the summary does not say where the noise came from"

# 4. Three sessions: each later one against the first.
run 0 three "$bench" --compare "$a" "$out/slower.json" "$golden/claims.json" --out "$out/three"
check three '(.comparisons | length) == 2 and .comparisons[1].b == "C" and .comparisons[1].a == "A"'
grep -q 'each later session against the first' "$out/three.out" || fail "three: not said"

# 5. Without --out, the files go beside B's results.json.
mkdir -p "$out/b"
cp "$a" "$out/b/results.json"
run 0 beside "$bench" --compare "$a" "$out/b"
[ -s "$out/b/compare.html" ] || fail "beside: no compare.html in B's directory"

# 6. Bad inputs: one line on stderr, nothing on stdout, exit 2.
echo '{"a": 1}' >"$out/not-a-session.json"
echo 'hello' >"$out/not-json.json"
jq '.schema = "c10k-bench/0"' "$a" >"$out/old.json"
jq '.runs = []' "$a" >"$out/empty.json"
bad() {
    local name=$1 expect=$2
    shift 2
    run 2 "$name" "$bench" "$@"
    [ ! -s "$out/$name.out" ] || fail "$name: wrote to stdout"
    [ "$(wc -l <"$out/$name.err")" -eq 1 ] || fail "$name: not one line: $(cat "$out/$name.err")"
    grep -q -- "$expect" "$out/$name.err" || fail "$name: '$(cat "$out/$name.err")' lacks '$expect'"
}
bad not-session 'not a c10k-bench session' --compare "$a" "$out/not-a-session.json" --out "$out/x"
bad not-json 'not JSON' --compare "$out/not-json.json" "$a" --out "$out/x"
bad missing 'No such file' --compare "$a" "$out/missing.json" --out "$out/x"
bad old-schema 'it reads c10k-bench/1' --compare "$out/old.json" "$a" --out "$out/x"
bad nothing-in-common 'nothing in common' --compare "$a" "$out/empty.json" --out "$out/x"
bad one-session 'needs 2 to 26 sessions' --compare "$a"
bad bad-rule "is not a compared figure" --compare "$a" "$a" --fail-if nope:worse:5%
bad rule-alone 'only with --compare' --fail-if worse:5%
bad operand-alone "unexpected argument" "$a"
[ ! -e "$out/x" ] || fail "a bad input left $out/x behind"

# 7. compare.html in headless Chromium: drawn, every chart with pixels, no console message.
if ! command -v chromium >/dev/null; then
    echo "SKIPPED the page check: chromium is not installed (apt-get install chromium)"
    exit 0
fi
"$(dirname "$0")/check_report.sh" "$out/real/compare.html"
"$(dirname "$0")/check_report.sh" "$out/three/compare.html"
echo "compare: ok"
