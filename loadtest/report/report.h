/* report.html: one self-contained page, readable offline. The page (report_template.html,
 * compiled in) gets Chart.js from Debian's libjs-chart.js, the whole of results.json, and the
 * tables it draws with (the servers with their colours, which row each of the session's models
 * is, results.json's schema) inlined; its JavaScript only draws what the C code measured and
 * judged, and reads every figure by a key of the schema. */
#ifndef C10K_BENCH_REPORT_H
#define C10K_BENCH_REPORT_H

#include <jansson.h>
#include <stddef.h>

/* Where Chart.js is: $C10K_CHARTJS, else the first of Debian's UMD builds that exists
 * (/usr/share/javascript/chart.js/chart.umd.js, chart.umd.min.js, chart.min.js, chart.js).
 * Returns 0 with the path in buf, or -ENOENT. */
int report_find_chartjs(char *buf, size_t len);

/* Writes dir/report.html. Returns 0 or a negative errno. */
int report_write(const json_t *root, const char *dir, const char *chartjs_path);

/* Writes a page (report.html, compare.html) to path from its template. The frame every page
 * shares (report_page.html: the head, the header, the error box) takes the template's parts, each
 * the lines after a <!--C10K-PART-NAME--> line (TITLE, HEAD, HEADING, MAIN, SCRIPT; one left out
 * is empty), in place of its own <!--C10K-PART-NAME--> lines; then come the style and helpers
 * every page shares (report_page.css, report_page.js) at <!--C10K-PAGE-CSS--> and
 * <!--C10K-PAGE-JS-->, Chart.js at <!--C10K-CHARTJS-->, and data at <!--C10K-DATA--> as
 * <script id="c10k-data" type="application/json">, and the tables the page draws with (the
 * server table, the schema; NULL: none) as <script id="c10k-tables">. Returns 0 or a negative
 * errno. */
int report_page_write(const char *template_html, const json_t *data, const json_t *tables,
                      const char *chartjs_path, const char *path);

/* Appends text to a growing buffer with "</" written as "<\/", so that it cannot end the
 * <script> element it sits in. Exposed for tests. Returns 0 or -ENOMEM. */
struct report_buf {
    char *data;
    size_t len, cap;
};
int report_append_script_safe(struct report_buf *b, const char *text, size_t len);

#endif
