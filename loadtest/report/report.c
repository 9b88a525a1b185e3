#include "report.h"

#include "results.h"
#include "schema.h"
#include "servers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* report_template.html, and the frame, style and helpers every page shares, compiled in by
 * c10k_embed. */
extern const char report_template_html[], report_page_html[], report_page_css[], report_page_js[];
extern const unsigned long report_page_css_len, report_page_js_len;

#define MARK_CHARTJS "<!--C10K-CHARTJS-->"
#define MARK_DATA "<!--C10K-DATA-->"
#define MARK_PAGE_CSS "<!--C10K-PAGE-CSS-->"
#define MARK_PAGE_JS "<!--C10K-PAGE-JS-->"
#define MARK_PART "<!--C10K-PART-"
#define MARK_PART_END "-->\n"

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

/* The server table as the page needs it: name, colour, baseline, whom it is quoted beside,
 * each variant's arguments and colour (null: the server's), and whether the Python section
 * shows it. */
static json_t *servers_json(void)
{
    json_t *servers = json_array();
    for (int i = 0; i < SRV_COUNT; i++) {
        const struct bench_server *s = &bench_servers[i];
        json_t *variants = json_array();
        for (int v = 0; v < SERVER_VARIANTS && s->variants[v].scenarios; v++) {
            json_t *args = json_array();
            for (int a = 0; a < VARIANT_ARGS && s->variants[v].args[a]; a++)
                json_array_append_new(args, json_string(s->variants[v].args[a]));
            json_array_append_new(
                variants, json_pack("{s:o, s:s?}", "args", args, "color", s->variants[v].color));
        }
        /* The Python section shows the Python server's models, and the thread server the
         * Python claims hold them beside. */
        json_array_append_new(servers,
                              json_pack("{s:s, s:s, s:b, s:s?, s:o, s:b, s:b}", "name", s->name,
                                        "color", s->color, "baseline", s->baseline, "beside",
                                        s->beside >= 0 ? bench_servers[s->beside].name : NULL,
                                        "variants", variants, "python", s->kind == SERVER_PYTHON,
                                        "python_beside", i == SRV_THREAD));
    }
    return servers;
}

/* Which row and variant each model of the session's runs is (as results.c resolves a run read
 * back: by its label, else by its mode), so that the page never parses a label. */
static json_t *labels_json(const json_t *root)
{
    json_t *labels = json_object();
    size_t i;
    const json_t *run;
    json_array_foreach(json_object_get(root, "runs"), i, run)
    {
        const char *model = json_string_value(json_object_get(run, "model"));
        const char *mode = json_string_value(json_object_get(run, "mode"));
        int variant = 0;
        const struct bench_server *s = model ? server_of_label(model, &variant) : NULL;
        if (!s && mode) {
            s = server_find(mode);
            variant = 0;
        }
        if (s && model)
            json_object_set_new(labels, model,
                                json_pack("{s:s, s:i}", "server", s->name, "variant", variant));
    }
    return labels;
}

/* What the page draws with besides the session: the server table, the session's models in it,
 * and results.json's schema (the page reads every figure by a key the schema has). */
static json_t *tables_json(const json_t *root)
{
    /* The scenarios the Python claims are judged from, in the Python section. */
    json_t *python_scenarios =
        json_pack("[s, s]", bench_scenarios[SCN_CPU].name, bench_scenarios[SCN_BLOCKING].name);
    /* The data sets': a table of each worker's private bytes, there and in the Python section. */
    json_t *data_scenarios = json_array();
    for (int i = 0; i < SCN_COUNT; i++)
        if (SCN_DATASETS & (1u << i))
            json_array_append_new(data_scenarios, json_string(bench_scenarios[i].name));
    return json_pack("{s:o, s:o, s:{s:o, s:o}, s:o, s:o, s:f, s:i}", "servers", servers_json(),
                     "labels", labels_json(root), "schema", "run", schema_describe(&schema_run),
                     "session", schema_describe(&schema_session), "python_scenarios",
                     python_scenarios, "data_scenarios", data_scenarios, "dataset_bytes",
                     DATASET_BYTES, "dataset_keys", DATASET_KEYS);
}

/* <script id="ID" type="application/json">JSON</script>, safe inside the page. */
static int append_json_script(struct report_buf *b, const char *id, const char *json)
{
    char tag[96];
    int n = snprintf(tag, sizeof tag, "<script id=\"%s\" type=\"application/json\">", id);
    if (buf_append(b, tag, (size_t)n) < 0 || report_append_script_safe(b, json, strlen(json)) < 0 ||
        buf_append(b, "</script>", 9) < 0)
        return -ENOMEM;
    return 0;
}

/* The template's part named name (name_len bytes): the text after its marker line up to the next
 * part's marker; NULL where the template has none. */
static const char *template_part(const char *tpl, const char *name, size_t name_len, size_t *len)
{
    for (const char *m = strstr(tpl, MARK_PART); m; m = strstr(m + 1, MARK_PART)) {
        const char *n = m + strlen(MARK_PART);
        if (strncmp(n, name, name_len) != 0 ||
            strncmp(n + name_len, MARK_PART_END, strlen(MARK_PART_END)) != 0)
            continue;
        const char *start = n + name_len + strlen(MARK_PART_END), *end = strstr(start, MARK_PART);
        *len = end ? (size_t)(end - start) : strlen(start);
        return start;
    }
    return NULL;
}

/* report_page.html, the frame every page shares, with each <!--C10K-PART-NAME--> line replaced by
 * the template's part NAME (none: nothing), into *page (malloc'd). Returns 0, -EINVAL when the
 * template has a part the frame has no place for, or -ENOMEM. */
static int fill_frame(const char *tpl, char **page)
{
    struct report_buf b = {0};
    const char *f = report_page_html, *m;
    size_t used = 0, parts = 0;
    int rc = -ENOMEM;
    for (m = strstr(tpl, MARK_PART); m; m = strstr(m + 1, MARK_PART))
        parts++;
    while ((m = strstr(f, MARK_PART))) {
        const char *name = m + strlen(MARK_PART), *close = strstr(name, MARK_PART_END);
        size_t len = 0;
        if (!close)
            break;
        const char *part = template_part(tpl, name, (size_t)(close - name), &len);
        used += part != NULL;
        if (buf_append(&b, f, (size_t)(m - f)) < 0 || (part && buf_append(&b, part, len) < 0))
            goto fail;
        f = close + strlen(MARK_PART_END);
    }
    rc = -EINVAL;
    if (m || used != parts)
        goto fail;
    rc = -ENOMEM;
    if (buf_append(&b, f, strlen(f)) < 0)
        goto fail;
    *page = b.data;
    return 0;
fail:
    free(b.data);
    return rc;
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

int report_page_write(const char *template_html, const json_t *data, const json_t *tables,
                      const char *chartjs_path, const char *path)
{
    size_t js_len = 0;
    char *js = results_read_text(chartjs_path, RESULTS_TEXT_MAX, &js_len);
    if (!js)
        return -ENOENT;
    char *text = json_dumps(data, JSON_COMPACT | JSON_REAL_PRECISION(7));
    char *tabs = tables ? json_dumps(tables, JSON_COMPACT) : NULL;
    char *frame = NULL, *tpl = NULL;
    struct report_buf b = {0};
    int rc = fill_frame(template_html, &frame);
    if (rc < 0)
        goto out;
    tpl = expand_shared(frame);
    rc = -ENOMEM;
    if (!text || !tpl || (tables && !tabs))
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
    if (buf_append(&b, m1, (size_t)(m2 - m1)) < 0 ||
        append_json_script(&b, "c10k-data", text) < 0 ||
        (tabs && append_json_script(&b, "c10k-tables", tabs) < 0))
        goto out;
    m2 += strlen(MARK_DATA);
    if (buf_append(&b, m2, strlen(m2)) < 0)
        goto out;
    rc = write_file(path, &b);
out:
    free(b.data);
    free(frame);
    free(tpl);
    free(text);
    free(tabs);
    free(js);
    return rc;
}

int report_write(const json_t *root, const char *dir, const char *chartjs_path)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/report.html", dir);
    json_t *tables = tables_json(root);
    int rc = tables ? report_page_write(report_template_html, root, tables, chartjs_path, path)
                    : -ENOMEM;
    json_decref(tables);
    return rc;
}
