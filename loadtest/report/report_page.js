/* What every page of c10k-bench shares (report.html, compare.html), inlined by report.c before
   the page's own script: a script error is shown on the page and sets data-status="error" on
   <body>; the charts made with makeChart are counted by selfCheck, which sets data-charts,
   data-charts-drawn and, without an error, data-status="ok" (the headless checks read them);
   and the small helpers for elements and figures. */
"use strict";

var pageErrors = [];
function pageError(msg) {
  pageErrors.push(String(msg));
  var pre = document.getElementById("page-errors");
  pre.hidden = false;
  pre.textContent = "Errors while drawing this page:\n" + pageErrors.join("\n");
  document.body.setAttribute("data-status", "error");
  document.body.setAttribute("data-errors", String(pageErrors.length));
}
window.addEventListener("error", function (e) { pageError(e.message + " (" + e.lineno + ")"); });
window.addEventListener("unhandledrejection", function (e) { pageError(e.reason); });

var charts = [];

function el(tag, attrs, text) {
  var e = document.createElement(tag);
  if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function isNum(v) { return typeof v === "number" && isFinite(v); }

function fmtNum(v, digits) {
  if (!isNum(v)) return "–";
  return v.toLocaleString("en-US", { maximumFractionDigits: digits === undefined ? 0 : digits });
}

function fmtBytes(v) {
  if (!isNum(v)) return "–";
  var a = Math.abs(v);
  if (a < 1024) return v.toFixed(0) + " B";
  if (a < 1048576) return (v / 1024).toFixed(1) + " KiB";
  if (a < 1073741824) return (v / 1048576).toFixed(2) + " MiB";
  return (v / 1073741824).toFixed(2) + " GiB";
}

function fmtUs(v) {
  if (!isNum(v)) return "–";
  if (v < 1000) return v.toFixed(0) + " µs";
  if (v < 1e6) return (v / 1000).toFixed(v < 1e4 ? 2 : 1) + " ms";
  return (v / 1e6).toFixed(2) + " s";
}

function median(v) {
  if (!v.length) return null;
  var s = v.slice().sort(function (a, b) { return a - b; });
  var h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function pct(v) { return isNum(v) ? (100 * v).toFixed(0) + "%" : "–"; }

function cell(tr, text, cls) {
  var td = el("td", cls ? { "class": cls } : null, text);
  tr.appendChild(td);
  return td;
}

function makeChart(parent, title, config, emptyText) {
  var box = el("div", { "class": "chart" });
  parent.appendChild(box);
  var hasData = config.data.datasets.some(function (d) {
    return d.data.some(function (p) {
      var y = p !== null && typeof p === "object" ? p.y : p;
      return isNum(y);
    });
  });
  if (!hasData) {
    box.classList.add("empty");
    box.setAttribute("data-empty", title + ": " + (emptyText || "nothing measured"));
    return null;
  }
  var canvas = el("canvas");
  box.appendChild(canvas);
  config.options = config.options || {};
  var o = config.options;
  o.animation = false;
  o.responsive = true;
  o.maintainAspectRatio = false;
  o.spanGaps = true;
  o.plugins = o.plugins || {};
  o.plugins.title = { display: true, text: title };
  o.plugins.legend = o.plugins.legend || { position: "bottom", labels: { boxWidth: 12 } };
  var chart = new Chart(canvas.getContext("2d"), config);
  charts.push(chart);
  return chart;
}

function axis(title, type, extra) {
  var a = { title: { display: true, text: title } };
  if (type) a.type = type;
  if (extra) Object.keys(extra).forEach(function (k) { a[k] = extra[k]; });
  return a;
}

function verdictClass(v) { return "verdict v-" + String(v).replace(/ /g, "-"); }

function selfCheck() {
  var drawn = 0;
  charts.forEach(function (c) {
    var cv = c.canvas;
    if (!cv.width || !cv.height) return;
    var px = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data;
    for (var i = 3; i < px.length; i += 4 * 7) { if (px[i] !== 0) { drawn++; return; } }
  });
  document.body.setAttribute("data-charts", String(charts.length));
  document.body.setAttribute("data-charts-drawn", String(drawn));
  if (!pageErrors.length) document.body.setAttribute("data-status", "ok");
}
