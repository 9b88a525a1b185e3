#include "perf.h"

#include "schema.h"
#include "servers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A run whose figures count here: it ran to the end (client errors are figures too). */
static int ran(const struct run_record *r)
{
    return record_status_is(r, "ok") || record_status_is(r, "errors");
}

/* What a run's cell is keyed by besides the level: its load generator in a scenario keyed by
 * them (one server), its server and variant everywhere else. */
static const char *who_of(const struct run_record *r)
{
    return r->scn->by_tool ? r->tool : r->model;
}

/* A run's level as the cells' key. */
static void level_key(const struct run_record *r, char *buf, size_t len)
{
    snprintf(buf, len, "%lld", isfinite(r->level) ? (long long)r->level : 0LL);
}

static int same_cell(const struct run_record *a, const struct run_record *b)
{
    const char *wa = who_of(a), *wb = who_of(b);
    return a->scn == b->scn && wa && wb && strcmp(wa, wb) == 0 &&
           (a->level == b->level || (isnan(a->level) && isnan(b->level)));
}

/* obj[key], an object made when missing. */
static json_t *child(json_t *obj, const char *key)
{
    json_t *c = json_object_get(obj, key);
    if (!c) {
        c = json_object();
        json_object_set_new(obj, key, c);
    }
    return c;
}

/* The key an object got first (the load generator that ran first), or NULL. */
static const char *first_key(const json_t *obj)
{
    void *it = json_object_iter((json_t *)obj);
    return it ? json_object_iter_key(it) : NULL;
}

static double fig_at(const json_t *cell, const char *key)
{
    json_t *v = json_object_get(cell, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* One figure over the cell's runs (n of them, at least one). */
static json_t *figure_of(const struct summary_figure *f, const struct run_record *const *runs,
                         size_t n)
{
    if (f->json_of_runs)
        return f->json_of_runs(runs, n);
    if (f->of_runs) {
        double x = f->of_runs(runs, n);
        return !isfinite(x) ? NULL : f->flag ? json_boolean(x != 0) : json_real(x);
    }
    enum field_type t = f->field >= 0 ? schema_run.fields[f->field].type : FT_REAL;
    if (t == FT_STR || t == FT_JSON) {
        json_t *v = schema_value(&schema_run, f->field, runs[0]);
        if (json_is_null(v)) {
            json_decref(v);
            return NULL;
        }
        return v;
    }
    double *v = malloc(n * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; v && i < n; i++) {
        double x = f->compute ? f->compute(runs[i]) : schema_num(&schema_run, f->field, runs[i]);
        if (isfinite(x))
            v[k++] = x;
    }
    double m = v ? record_median(v, k) : NAN;
    free(v);
    return isfinite(m) ? json_real(m) : NULL;
}

/* The cell of a scenario's figures for one server (or load generator) at one level: each
 * figure over the runs of the cell that ran to the end, or why there is none. */
static void fill_cell(json_t *cell, const struct session_record *s, const struct run_record *first)
{
    const struct run_record **runs = malloc(s->n_runs * sizeof *runs);
    size_t n = 0;
    for (size_t i = 0; runs && i < s->n_runs; i++)
        if (ran(&s->runs[i]) && same_cell(&s->runs[i], first))
            runs[n++] = &s->runs[i];
    for (const struct summary_figure *f = first->scn->summary;
         n && f < first->scn->summary + SUMMARY_MAX && f->key; f++) {
        if (f->flag && json_object_size(cell) == 0)
            continue; /* a flag about figures there are none of */
        json_t *v = figure_of(f, runs, n);
        if (v)
            json_object_set_new(cell, f->key, v);
    }
    free(runs);
    if (json_object_size(cell) == 0)
        json_object_set_new(cell, "skipped",
                            json_string(first->reason ? first->reason : "no usable run"));
}

/* ---- Ratios ---- */

static void add_ratio(json_t *ratios, const json_t *sc, const char *a, const char *b,
                      const char *level, const struct bench_scenario *scn,
                      const struct summary_figure *f)
{
    const json_t *ca = json_object_get(json_object_get(sc, a), level),
                 *cb = json_object_get(json_object_get(sc, b), level);
    double x = fig_at(ca, f->key), y = fig_at(cb, f->key);
    if (!isfinite(x) || !isfinite(y) || y == 0)
        return;
    char name[160];
    snprintf(name, sizeof name, "%s/%s %s%s%s", a, b, f->ratio_name,
             scn->ratios_per_level ? " at " : "", scn->ratios_per_level ? level : "");
    json_array_append_new(ratios, json_pack("{s:s, s:f}", "name", name, "value", x / y));
}

/* The pairs of servers of the ratios, as (server, against, kind): those quoted with the most
 * figures first, then in the table's order. */
struct pair {
    int a, b;
    enum ratio_kind kind;
};

static size_t server_pairs(struct pair *p)
{
    size_t n = 0;
    for (int kind = RATIO_FULL; kind > RATIO_NONE; kind--)
        for (int i = 0; i < SRV_COUNT; i++)
            for (int k = 0; k < SERVER_RATIOS; k++)
                if (bench_servers[i].ratios[k].kind == (enum ratio_kind)kind)
                    p[n++] = (struct pair){i, bench_servers[i].ratios[k].against, kind};
    return n;
}

/* A scenario's ratios at one level: each load generator against the first, or each pair of
 * servers of the table's ratios, each figure its kind quotes. */
static void level_ratios(json_t *ratios, const json_t *sc, const struct bench_scenario *scn,
                         const char *level)
{
    const struct summary_figure *end = scn->summary + SUMMARY_MAX;
    if (scn->by_tool) {
        const char *first = first_key(sc), *tool;
        json_t *unused;
        json_object_foreach((json_t *)sc, tool, unused)
        {
            for (const struct summary_figure *f = scn->summary; f < end && f->key; f++)
                if (f->ratio != RATIO_NONE && strcmp(tool, first) != 0)
                    add_ratio(ratios, sc, tool, first, level, scn, f);
        }
        return;
    }
    struct pair pairs[SRV_COUNT * SERVER_RATIOS];
    size_t n = server_pairs(pairs);
    for (size_t i = 0; i < n; i++) {
        char a[64], b[64];
        server_label(&bench_servers[pairs[i].a], 0, 0, a, sizeof a);
        server_label(&bench_servers[pairs[i].b], 0, 0, b, sizeof b);
        for (const struct summary_figure *f = scn->summary; f < end && f->key; f++)
            if (f->ratio != RATIO_NONE && f->ratio <= pairs[i].kind)
                add_ratio(ratios, sc, a, b, level, scn, f);
    }
}

/* The ratios of every scenario summarised, in the table's order, level by level (in the order
 * they ran). */
static json_t *ratios_of(const json_t *perf, const struct session_record *s)
{
    json_t *ratios = json_array();
    for (int id = 0; id < SCN_COUNT; id++) {
        const struct bench_scenario *scn = &bench_scenarios[id];
        const json_t *sc = json_object_get(perf, scn->name);
        if (!sc)
            continue;
        json_t *levels = json_object();
        for (size_t i = 0; i < s->n_runs; i++) {
            char lv[24];
            level_key(&s->runs[i], lv, sizeof lv);
            if (s->runs[i].scn == scn && !json_object_get(levels, lv)) {
                json_object_set_new(levels, lv, json_true());
                level_ratios(ratios, sc, scn, lv);
            }
        }
        json_decref(levels);
    }
    return ratios;
}

/* A server the summary names: the baselines first, the others in the order they ran. */
static void add_model(json_t *models, const struct run_record *r)
{
    size_t i;
    json_t *m;
    json_array_foreach(models, i, m)
    {
        if (strcmp(json_string_value(m), r->model) == 0)
            return;
    }
    if (r->srv && r->srv->baseline)
        json_array_insert_new(models, 0, json_string(r->model));
    else
        json_array_append_new(models, json_string(r->model));
}

json_t *perf_summary(const struct session_record *s)
{
    json_t *perf = json_pack("{s:[], s:i}", "models", "rounds", (int)s->repeat);
    json_t *models = json_object_get(perf, "models");
    for (size_t i = 0; i < s->n_runs; i++) {
        const struct run_record *r = &s->runs[i];
        if (!r->scn || !r->scn->summary[0].key || !who_of(r))
            continue;
        if (r->scn->by_tool) {
            char key[64];
            snprintf(key, sizeof key, "%s_server", r->scn->name);
            if (r->model)
                json_object_set_new(perf, key, json_string(r->model));
        } else {
            add_model(models, r);
        }
        char lv[24];
        level_key(r, lv, sizeof lv);
        json_t *cell = child(child(child(perf, r->scn->name), who_of(r)), lv);
        if (json_object_size(cell) == 0)
            fill_cell(cell, s, r); /* else another repetition of a cell already summarised */
    }
    json_object_set_new(perf, "ratios", ratios_of(perf, s));
    return perf;
}

/* ---- The terminal's tables ---- */

static void print_num(FILE *f, double v, const char *fmt, const char *unit)
{
    if (isfinite(v)) {
        fprintf(f, fmt, v);
        fputs(unit, f);
    } else {
        fputs("-", f);
    }
}

/* How a scenario's summary is printed: its title; a one-figure table's figure and format, and
 * whether the system calls by name follow it. */
struct print_style {
    void (*print)(FILE *f, const json_t *perf, const struct bench_scenario *scn, const json_t *sc,
                  const struct print_style *p);
    const char *title, *key, *fmt;
    int breakdown;
};

/* One line per model of a per-level scenario: req/s, p99, CPU per request, busy shares. */
static void print_levels(FILE *f, const json_t *perf, const struct bench_scenario *scn,
                         const json_t *sc, const struct print_style *p)
{
    (void)scn;
    fprintf(f, "%s: requests/s, p99, server CPU per request, server core / load generator busy\n",
            p->title);
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(perf, "models"), i, m)
    {
        const char *lv;
        const json_t *cell;
        json_object_foreach(json_object_get(sc, json_string_value(m)), lv, cell)
        {
            fprintf(f, "  %-16s %6s conns  ", json_string_value(m), lv);
            print_num(f, fig_at(cell, "requests_per_s"), "%.0f", " req/s  ");
            print_num(f, fig_at(cell, "p99_us") / 1000, "%.2f", " ms  ");
            print_num(f, fig_at(cell, "cpu_us_per_request"), "%.2f", " us/req  ");
            print_num(f, 100 * fig_at(cell, "server_busy"), "%.0f", "% / ");
            print_num(f, 100 * fig_at(cell, "client_busy"), "%.0f", "%");
            fputc('\n', f);
        }
    }
}

/* The system calls of a cell by name, beside its context switches. */
static void print_breakdown(FILE *f, const json_t *cell)
{
    fputs(" (", f);
    print_num(f, fig_at(cell, "context_switches_per_request"), "%.2f", " context switches");
    const char *name;
    const json_t *v;
    json_object_foreach(json_object_get(cell, "breakdown"), name, v)
    {
        if (json_number_value(v) >= 0.01)
            fprintf(f, ", %s %.2f", name, json_number_value(v));
    }
    fputc(')', f);
}

/* One line per model and level of a one-figure scenario. */
static void print_figure(FILE *f, const json_t *perf, const struct bench_scenario *scn,
                         const json_t *sc, const struct print_style *p)
{
    (void)scn;
    fprintf(f, "%s\n", p->title);
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(perf, "models"), i, m)
    {
        const char *lv;
        const json_t *cell;
        json_object_foreach(json_object_get(sc, json_string_value(m)), lv, cell)
        {
            fprintf(f, "  %-16s %6s  ", json_string_value(m), lv);
            print_num(f, fig_at(cell, p->key), p->fmt, "");
            if (p->breakdown)
                print_breakdown(f, cell);
            const char *why = json_string_value(json_object_get(cell, "skipped"));
            if (why)
                fprintf(f, "  skipped: %.120s", why);
            fputc('\n', f);
        }
    }
}

/* The load generators against one server: each one's CPU per request and throughput per
 * level, in the order they ran. */
static void print_tools(FILE *f, const json_t *perf, const struct bench_scenario *scn,
                        const json_t *sc, const struct print_style *p)
{
    (void)p;
    char key[64];
    snprintf(key, sizeof key, "%s_server", scn->name);
    fprintf(f, "load generators against %s: CPU per request, requests/s\n",
            json_string_value(json_object_get(perf, key)));
    const char *lv, *tool;
    json_t *levels, *cell;
    json_object_foreach(json_object_get(sc, first_key(sc)), lv, cell)
    {
        fprintf(f, "  %6s conns", lv);
        json_object_foreach((json_t *)sc, tool, levels)
        {
            const json_t *c = json_object_get(levels, lv);
            fprintf(f, "  %s ", tool);
            print_num(f, fig_at(c, "client_cpu_us_per_request"), "%.2f", " us/req ");
            print_num(f, fig_at(c, "requests_per_s"), "%.0f", " req/s");
        }
        fputc('\n', f);
    }
}

/* One c10k-load holding many connections. */
static void print_hold(FILE *f, const json_t *perf, const struct bench_scenario *scn,
                       const json_t *sc, const struct print_style *p)
{
    (void)perf;
    (void)scn;
    (void)p;
    const char *model;
    const json_t *levels;
    json_object_foreach((json_t *)sc, model, levels)
    {
        const char *lv;
        const json_t *c;
        json_object_foreach((json_t *)levels, lv, c)
        {
            fprintf(f,
                    "one c10k-load holding %s connections to %s: %s\n  fewest open in a "
                    "measured second ",
                    lv, model, json_is_true(json_object_get(c, "held")) ? "held" : "NOT held");
            print_num(f, fig_at(c, "min_open"), "%.0f", ", errors ");
            print_num(f, fig_at(c, "errors"), "%.0f", ", client RSS ");
            print_num(f, fig_at(c, "client_rss_bytes") / 1048576, "%.1f", " MiB, client fds ");
            print_num(f, fig_at(c, "client_fds"), "%.0f", ", client CPU ");
            print_num(f, fig_at(c, "client_cores"), "%.2f", " cores, server held ");
            print_num(f, fig_at(c, "server_connections"), "%.0f", ", kernel TCP sockets in use ");
            print_num(f, fig_at(c, "tcp_inuse_peak"), "%.0f", "\n");
        }
    }
}

/* The terminal's layout of each summarised scenario; one without a layout here prints its
 * first figure. */
static const struct print_style print_styles[SCN_COUNT] = {
    [SCN_SCALE] = {.print = print_levels, .title = "keep-alive /plaintext"},
    [SCN_PIPELINE] = {.print = print_levels, .title = "pipelined x16"},
    [SCN_SYSCALLS] = {.print = print_figure,
                      .title = "system calls per request",
                      .key = "syscalls_per_request",
                      .fmt = "%.2f",
                      .breakdown = 1},
    [SCN_INSTRUCTIONS] = {.print = print_figure,
                          .title = "user-space instructions per request (callgrind)",
                          .key = "instructions_per_request",
                          .fmt = "%.0f"},
    [SCN_IDLE] = {.print = print_figure,
                  .title = "memory per idle keep-alive connection (bytes of RSS)",
                  .key = "rss_bytes_per_connection",
                  .fmt = "%.0f"},
    [SCN_GENERATORS] = {.print = print_tools},
    [SCN_HOLD] = {.print = print_hold},
};

void perf_print(FILE *f, const json_t *perf)
{
    fprintf(f, "Performance (medians of %lld rounds):\n",
            (long long)json_integer_value(json_object_get(perf, "rounds")));
    for (int id = 0; id < SCN_COUNT; id++) {
        const struct bench_scenario *scn = &bench_scenarios[id];
        const json_t *sc = json_object_get(perf, scn->name);
        struct print_style p = print_styles[id];
        if (!sc)
            continue;
        if (!p.print)
            p = (struct print_style){
                .print = print_figure, .title = scn->name, .key = scn->summary[0].key, .fmt = "%g"};
        p.print(f, perf, scn, sc, &p);
    }
    size_t i;
    const json_t *r;
    if (json_array_size(json_object_get(perf, "ratios")))
        fprintf(f, "ratios\n");
    json_array_foreach(json_object_get(perf, "ratios"), i, r)
    {
        fprintf(f, "  %-52s %.2f\n", json_string_value(json_object_get(r, "name")),
                json_number_value(json_object_get(r, "value")));
    }
}
