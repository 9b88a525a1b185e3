#include "report.h"

#include "results.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* report_template.html and the style and helpers every page shares, compiled in by c10k_embed. */
extern const char report_template_html[], report_page_css[], report_page_js[];
extern const unsigned long report_page_css_len, report_page_js_len;

#define MARK_CHARTJS "<!--C10K-CHARTJS-->"
#define MARK_DATA "<!--C10K-DATA-->"
#define MARK_PAGE_CSS "<!--C10K-PAGE-CSS-->"
#define MARK_PAGE_JS "<!--C10K-PAGE-JS-->"

int report_find_chartjs(char *buf, size_t len)
{
    const char *env = getenv("C10K_CHARTJS");
    if (env && *env) {
        snprintf(buf, len, "%s", env);
        return access(env, R_OK) == 0 ? 0 : -ENOENT;
    }
    static const char *const candidates[] = {
        "/usr/share/javascript/chart.js/chart.umd.js",
        "/usr/share/javascript/chart.js/chart.umd.min.js",
        "/usr/share/javascript/chart.js/chart.min.js",
        "/usr/share/javascript/chart.js/chart.js",
    };
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (access(candidates[i], R_OK) == 0) {
            snprintf(buf, len, "%s", candidates[i]);
            return 0;
        }
    }
    snprintf(buf, len, "%s", candidates[0]);
    return -ENOENT;
}

static int buf_reserve(struct report_buf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d)
        return -ENOMEM;
    b->data = d;
    b->cap = cap;
    return 0;
}

static int buf_append(struct report_buf *b, const char *text, size_t len)
{
    if (buf_reserve(b, len) < 0)
        return -ENOMEM;
    memcpy(b->data + b->len, text, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int report_append_script_safe(struct report_buf *b, const char *text, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (text[i] == '<' && text[i + 1] == '/') {
            if (buf_append(b, text + start, i + 1 - start) < 0 || buf_append(b, "\\", 1) < 0)
                return -ENOMEM;
            start = i + 1;
        }
    }
    return buf_append(b, text + start, len - start);
}

/* The shared style and helpers (report_page.css, report_page.js) in place of their markers: the
 * template with them, malloc'd. */
static char *expand_shared(const char *tpl)
{
    struct report_buf b = {0};
    const char *m1 = strstr(tpl, MARK_PAGE_CSS), *m2 = strstr(tpl, MARK_PAGE_JS);
    if (!m1 || !m2 || m2 < m1)
        return NULL;
    if (buf_append(&b, tpl, (size_t)(m1 - tpl)) < 0 || buf_append(&b, "<style>\n", 8) < 0 ||
        buf_append(&b, report_page_css, (size_t)report_page_css_len) < 0 ||
        buf_append(&b, "</style>", 8) < 0)
        goto fail;
    m1 += strlen(MARK_PAGE_CSS);
    if (buf_append(&b, m1, (size_t)(m2 - m1)) < 0 || buf_append(&b, "<script>\n", 9) < 0 ||
        report_append_script_safe(&b, report_page_js, (size_t)report_page_js_len) < 0 ||
        buf_append(&b, "</script>", 9) < 0)
        goto fail;
    m2 += strlen(MARK_PAGE_JS);
    if (buf_append(&b, m2, strlen(m2)) < 0)
        goto fail;
    return b.data;
fail:
    free(b.data);
    return NULL;
}

/* Writes the page through a temporary file and a rename. */
static int write_file(const char *path, const struct report_buf *b)
{
    char tmp[4096 + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "we");
    if (!f)
        return -errno;
    size_t w = fwrite(b->data, 1, b->len, f);
    if (fclose(f) != 0 || w != b->len) {
        remove(tmp);
        return -EIO;
    }
    return rename(tmp, path) < 0 ? -errno : 0;
}

int report_page_write(const char *template_html, const json_t *data, const char *chartjs_path,
                      const char *path)
{
    size_t js_len = 0;
    char *js = results_read_text(chartjs_path, RESULTS_TEXT_MAX, &js_len);
    if (!js)
        return -ENOENT;
    char *text = json_dumps(data, JSON_COMPACT | JSON_REAL_PRECISION(7));
    char *tpl = expand_shared(template_html);
    struct report_buf b = {0};
    int rc = -ENOMEM;
    if (!text || !tpl)
        goto out;
    const char *m1 = strstr(tpl, MARK_CHARTJS), *m2 = strstr(tpl, MARK_DATA);
    rc = -EINVAL;
    if (!m1 || !m2 || m2 < m1)
        goto out;
    rc = -ENOMEM;
    if (buf_append(&b, tpl, (size_t)(m1 - tpl)) < 0 || buf_append(&b, "<script>\n", 9) < 0 ||
        report_append_script_safe(&b, js, js_len) < 0 || buf_append(&b, "\n</script>", 10) < 0)
        goto out;
    m1 += strlen(MARK_CHARTJS);
    static const char open_data[] = "<script id=\"c10k-data\" type=\"application/json\">";
    if (buf_append(&b, m1, (size_t)(m2 - m1)) < 0 ||
        buf_append(&b, open_data, sizeof open_data - 1) < 0 ||
        report_append_script_safe(&b, text, strlen(text)) < 0 || buf_append(&b, "</script>", 9) < 0)
        goto out;
    m2 += strlen(MARK_DATA);
    if (buf_append(&b, m2, strlen(m2)) < 0)
        goto out;
    rc = write_file(path, &b);
out:
    free(b.data);
    free(tpl);
    free(text);
    free(js);
    return rc;
}

int report_write(const json_t *root, const char *dir, const char *chartjs_path)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/report.html", dir);
    return report_page_write(report_template_html, root, chartjs_path, path);
}
