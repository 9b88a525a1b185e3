# Sourced by the page checks. headless_dom URL DIR [chromium options...]: loads URL in headless
# Chromium with a new profile in DIR, writes the DOM after the page ran to DIR/dom.html and the
# browser's log (console messages included) to DIR/chromium.log; prints the log's end and
# returns 1 when Chromium fails. console_clean DIR: fails, printing them, on console messages.
headless_dom() {
    local url=$1 dir=$2
    shift 2
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$dir/profile" --enable-logging=stderr --v=0 --window-size=1300,1000 \
        "$@" --dump-dom "$url" >"$dir/dom.html" 2>"$dir/chromium.log" || {
        echo "chromium failed:" >&2
        tail -20 "$dir/chromium.log" >&2
        return 1
    }
}

console_clean() {
    if grep -q ':CONSOLE' "$1/chromium.log"; then
        echo "console messages:" >&2
        grep ':CONSOLE' "$1/chromium.log" >&2
        return 1
    fi
}
