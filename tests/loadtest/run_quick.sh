#!/usr/bin/env bash
# loadtest_quick: the quick profile end to end, then its results checked against their documented
# shape and its report opened in headless Chromium (no console message, every chart drawn).
# usage: run_quick.sh C10K_BENCH CHECK_RESULTS OUT_DIR
set -euo pipefail

bench=$1
checker=$2
out=$3

rm -rf "$out"
start=$(date +%s)
"$bench" --profile quick --baseline nginx --out "$out"
elapsed=$(($(date +%s) - start))
echo "quick profile: ${elapsed}s"
if [ "$elapsed" -ge 120 ]; then
    echo "note: the quick profile took ${elapsed}s, more than its 2-minute budget (a busy machine?)"
fi

"$checker" "$out"

if ! command -v chromium >/dev/null; then
    echo "SKIPPED the report check: chromium is not installed (apt-get install chromium)"
    exit 0
fi

"$(dirname "$0")/check_report.sh" "$out/report.html"

# The page reads every figure by a key of results.json's schema: a misspelt one is a page error
# naming it, not a figure left "not measured".
sed '0,/fig(r, "server.ctx_per_s")/s//fig(r, "server.ctx_per_sec")/' "$out/report.html" \
    >"$out/misspelt.html"
if "$(dirname "$0")/check_report.sh" "$out/misspelt.html" >"$out/misspelt.log" 2>&1 ||
    ! grep -q "has no field server.ctx_per_sec" "$out/misspelt.log"; then
    cat "$out/misspelt.log" >&2
    echo "a figure key the schema does not have did not stop the report" >&2
    exit 1
fi
echo "a misspelt figure key is a page error, as it should be"
