#!/usr/bin/env bash
# Opens a c10k-bench report in headless Chromium at 1,400 px and checks two things the page
# once got wrong: every "What it cost, per level" table fits the page (no column cut off behind
# a scroll bar), and a memory per connection below the method's resolution is a gap in the
# "Memory per connection" chart with a marker whose tooltip says "< N", never a point at 0.
# The report is rewritten from a recorded session (--report); a probe script added to a copy
# of it writes what it found on <body>. Skipped (77) without chromium.
# usage: check_layout.sh C10K_BENCH SESSION.json OUT_DIR
set -euo pipefail

bench=$1 session=$2 out=$3
if ! command -v chromium >/dev/null; then
    echo "SKIPPED: chromium is not installed (apt-get install chromium)"
    exit 77
fi
rm -rf "$out"
mkdir -p "$out"
cp "$session" "$out/results.json"
"$bench" --report "$out" >/dev/null
report=$(realpath "$out/report.html")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/probe.html" <<'PROBE'
<script>
window.addEventListener("load", function () {
  var wide = [], zeros = [], markers = [], tips = [];
  document.querySelectorAll("h3").forEach(function (h) {
    if (h.textContent.indexOf("What it cost") !== 0) return;
    var box = h.nextElementSibling;
    while (box && !box.classList.contains("scroll")) box = box.nextElementSibling;
    var t = box && box.querySelector("table");
    if (t && t.scrollWidth > box.clientWidth + 1)
      wide.push(h.closest("section").id + " " + t.scrollWidth + ">" + box.clientWidth);
  });
  charts.filter(function (c) {
    return String(c.options.plugins.title.text).indexOf("Memory per connection") === 0;
  }).forEach(function (c) {
    c.data.datasets.forEach(function (d) {
      d.data.forEach(function (y, i) {
        if (d.belowMarker && y !== null) {
          markers.push(d.label);
          tips.push(c.options.plugins.tooltip.callbacks.label({ dataset: d, dataIndex: i }));
        } else if (!d.belowMarker && y === 0) {
          zeros.push(d.label + "@" + c.data.labels[i]);
        }
      });
    });
  });
  var b = document.body;
  b.setAttribute("data-wide", wide.join(", "));
  b.setAttribute("data-zeros", zeros.join(", "));
  b.setAttribute("data-markers", String(markers.length));
  b.setAttribute("data-tips", tips.join(" | "));
  b.setAttribute("data-probe", "done");
});
</script>
PROBE
# After </body>: the parser puts it in the body, after the page's own script.
sed "/<\/body>/r $work/probe.html" "$report" >"$work/page.html"

# shellcheck source=chromium.sh
source "$(dirname "$0")/chromium.sh"
headless_dom "file://$work/page.html" "$work" --window-size=1400,1000

body=$(grep -o '<body[^>]*>' "$work/dom.html" | head -1)
attr() { sed -n "s/.* $1=\"\([^\"]*\)\".*/\1/p" <<<"$body"; }
failed=0
if [ "$(attr data-probe)" != "done" ] || [ "$(attr data-status)" != ok ]; then
    echo "the page did not finish drawing: $body" >&2
    exit 1
fi
if [ -n "$(attr data-wide)" ]; then
    echo "cost tables wider than the page at 1400 px: $(attr data-wide)" >&2
    failed=1
fi
if [ -n "$(attr data-zeros)" ]; then
    echo "memory per connection drawn as 0: $(attr data-zeros)" >&2
    failed=1
fi
markers=$(attr data-markers)
tips=$(attr data-tips)
echo "below-resolution markers: $markers; tooltips: $tips"
if [ "${markers:-0}" -eq 0 ] || ! grep -q '&lt; [0-9]' <<<"$tips"; then
    echo "no below-resolution point with a '< N' tooltip in the memory chart" >&2
    failed=1
fi
console_clean "$work" || failed=1
exit "$failed"
