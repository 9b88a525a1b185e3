#!/usr/bin/env bash
# Opens the server's live /dashboard in headless Chromium while the server is under a little
# load, and checks what the page says about itself (server/dashboard.html): data-status="ok"
# once every chart has plotted samples from /stats, no script error, no console message.
# usage: check_dashboard.sh C10K-SERVER C10K-LOAD MODE
set -euo pipefail

server=$1 load=$2 mode=$3
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$server" --mode "$mode" --port 0 --quiet >"$work/server.out" 2>"$work/server.err" &
pids+=($!)
for _ in $(seq 100); do
    grep -q '^listening on' "$work/server.out" && break
    sleep 0.1
done
port=$(sed -n 's/^listening on .*:\([0-9]*\) mode=.*/\1/p' "$work/server.out")
[ -n "$port" ] || { echo "the server did not start:" >&2; cat "$work/server.err" >&2; exit 1; }
base="http://127.0.0.1:$port"

# Requests to plot: a steady trickle for the whole check.
"$load" -c 2 -R 200 -d 60s "$base/plaintext" >/dev/null 2>&1 &
pids+=($!)

# Virtual time runs the page's one-second poll fast; fetches to the server are real.
# shellcheck source=chromium.sh
source "$(dirname "$0")/chromium.sh"
headless_dom "$base/dashboard" "$work" --virtual-time-budget=8000

body=$(grep -o '<body[^>]*>' "$work/dom.html" | head -1)
echo "dashboard ($mode): $body"
status=$(sed -n 's/.*data-status="\([a-z]*\)".*/\1/p' <<<"$body")
samples=$(sed -n 's/.*data-samples="\([0-9]*\)".*/\1/p' <<<"$body")
failed=0
if [ "$status" != ok ]; then
    echo "the dashboard plotted nothing or failed (status '${status:-none}')" >&2
    grep -o '<span id="status"[^<]*<' "$work/dom.html" >&2 || true
    failed=1
fi
if [ -z "$samples" ] || [ "$samples" -lt 2 ]; then
    echo "fewer than 2 samples plotted (${samples:-0})" >&2
    failed=1
fi
console_clean "$work" || failed=1
exit "$failed"
