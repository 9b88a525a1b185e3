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

# shellcheck source=chromium.sh
source "$(dirname "$0")/chromium.sh"
headless_dom "file://$report" "$work"

body=$(grep -o '<body[^>]*>' "$work/dom.html" | head -1)
echo "report: $body"
status=$(sed -n 's/.*data-status="\([a-z]*\)".*/\1/p' <<<"$body")
charts=$(sed -n 's/.*data-charts="\([0-9]*\)".*/\1/p' <<<"$body")
drawn=$(sed -n 's/.*data-charts-drawn="\([0-9]*\)".*/\1/p' <<<"$body")

failed=0
if [ "$status" != ok ]; then
    echo "the page did not finish drawing (status '${status:-none}'):" >&2
    sed -n '/<pre id="page-errors"/,/<\/pre>/p' "$work/dom.html" | sed 's/<[^>]*>//g' >&2
    failed=1
fi
if [ -z "$charts" ] || [ "$charts" -eq 0 ]; then
    echo "the page drew no chart" >&2
    failed=1
elif [ "$drawn" != "$charts" ]; then
    echo "only ${drawn:-0} of $charts charts have pixels" >&2
    failed=1
fi
console_clean "$work" || failed=1
exit "$failed"
