#!/usr/bin/env bash
# Opens a c10k-bench report in headless Chromium and checks what the page says about itself:
# it sets data-status="ok" on <body> once every chart is built, counts the charts it made
# (data-charts) and those with pixels drawn (data-charts-drawn); a script error turns the status
# into "error". Any console message also fails the check: the page logs nothing when it works.
# usage: check_report.sh REPORT.html
set -euo pipefail

report=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --enable-logging=stderr --v=0 --window-size=1300,1000 \
    --dump-dom "file://$report" >"$work/dom.html" 2>"$work/chromium.log" || {
    echo "chromium failed:" >&2
    tail -20 "$work/chromium.log" >&2
    exit 1
}

body=$(grep -o '<body[^>]*>' "$work/dom.html" | head -1)
echo "report: $body"
status=$(sed -n 's/.*data-status="\([a-z]*\)".*/\1/p' <<<"$body")
charts=$(sed -n 's/.*data-charts="\([0-9]*\)".*/\1/p' <<<"$body")
drawn=$(sed -n 's/.*data-charts-drawn="\([0-9]*\)".*/\1/p' <<<"$body")

failed=0
if [ "$status" != ok ]; then
    echo "the page did not finish drawing (status '${status:-none}'):" >&2
    sed -n 's/.*<pre id="page-errors"[^>]*>\([^<]*\)<.*/\1/p' "$work/dom.html" >&2
    failed=1
fi
if [ -z "$charts" ] || [ "$charts" -eq 0 ]; then
    echo "the page drew no chart" >&2
    failed=1
elif [ "$drawn" != "$charts" ]; then
    echo "only ${drawn:-0} of $charts charts have pixels" >&2
    failed=1
fi
if grep -q ':CONSOLE' "$work/chromium.log"; then
    echo "console messages:" >&2
    grep ':CONSOLE' "$work/chromium.log" >&2
    failed=1
fi
exit "$failed"
