#include "comparison.h"

#include "report.h"
#include "results.h"
#include "schema.h"
#include "servers.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef C10K_VERSION
#define C10K_VERSION "0"
#endif

/* compare_template.html, compiled in by c10k_embed. */
extern const char compare_template_html[];

/* The terminal summary's lists stop at these many lines. */
#define SUMMARY_ENVIRONMENT 6
#define SUMMARY_WORSE 8
#define SUMMARY_BETTER 4
#define SUMMARY_CLAIMS 6
#define SUMMARY_GATE 20

static char label_of(int i)
{
    return (char)('A' + i);
}

/* ---- Reading and pairing ---- */

int comparison_build(struct comparison *c, const char *const *paths, int n, char *err,
                     size_t err_len)
{
    if (n < 2 || n > COMPARE_SESSIONS_MAX) {
        snprintf(err, err_len, "--compare takes 2 to %d sessions, not %d", COMPARE_SESSIONS_MAX, n);
        return -1;
    }
    for (c->n = 0; c->n < n; c->n++) {
        c->paths[c->n] = paths[c->n];
        if (results_load(paths[c->n], &c->sessions[c->n], err, err_len) < 0) {
            record_session_free(&c->sessions[c->n]);
            return -1;
        }
    }
    for (int i = 1; i < n; i++) {
        struct compare_pair *p = &c->pairs[i - 1];
        if (compare_sessions(&c->sessions[0], &c->sessions[i], p) < 0) {
            snprintf(err, err_len, "out of memory");
            return -1;
        }
        p->ia = 0;
        p->ib = i;
        if (p->n_cells == 0) {
            snprintf(err, err_len,
                     "%s and %s have nothing in common: no scenario, server and level ran in both",
                     paths[0], paths[i]);
            return -1;
        }
    }
    return 0;
}

void comparison_free(struct comparison *c)
{
    for (int i = 0; i < c->n; i++) {
        record_session_free(&c->sessions[i]);
        if (i > 0)
            compare_pair_free(&c->pairs[i - 1]);
    }
    c->n = 0;
}

static int pairs_of(const struct comparison *c)
{
    return c->n > 1 ? c->n - 1 : 0;
}

int comparison_broken(const struct comparison *c)
{
    int broken = 0;
    for (int p = 0; p < pairs_of(c); p++)
        for (size_t i = 0; i < c->pairs[p].n_cells; i++)
            for (int f = 0; f < CMP_F_COUNT; f++)
                broken += compare_rule_broken(&c->rules, f, &c->pairs[p].cells[i].v[f]) != NULL;
    return broken;
}

/* ---- compare.json ---- */

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static const char *direction_name(enum compare_direction d)
{
    return d == CMP_HIGHER_IS_BETTER  ? "higher is better"
           : d == CMP_LOWER_IS_BETTER ? "lower is better"
                                      : "neither";
}

static const char *noise_name(enum compare_noise_from n)
{
    return n == CMP_NOISE_REPETITIONS ? "repetitions" : "default";
}

static void rule_text(const struct compare_rule *r, char *buf, size_t len)
{
    snprintf(buf, len, "%s%sworse:%g%%", r->figure >= 0 ? compare_figures[r->figure].name : "",
             r->figure >= 0 ? ":" : "", r->margin * 100);
}

static json_t *figures_json(void)
{
    json_t *a = json_array();
    for (int i = 0; i < CMP_F_COUNT; i++) {
        const struct compare_figure *f = &compare_figures[i];
        const struct field *fd = &schema_run.fields[f->field];
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:f, s:f}", "name", f->name, "title",
                         f->title, "key", fd->key, "unit", fd->unit, "meaning", fd->meaning,
                         "direction", direction_name(f->direction), "server_bound", f->server_bound,
                         "default_noise", f->noise, "floor", f->floor));
    }
    return a;
}

static json_t *sessions_json(const struct comparison *c)
{
    json_t *a = json_array();
    for (int i = 0; i < c->n; i++) {
        const struct session_record *s = &c->sessions[i];
        char label[2] = {label_of(i), '\0'};
        json_array_append_new(a,
                              json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:o, s:I, s:b}",
                                        "label", label, "path", c->paths[i], "profile", s->profile,
                                        "started_at", s->started_at, "finished_at", s->finished_at,
                                        "version", s->version, "repeat", num(s->repeat), "runs",
                                        (json_int_t)s->n_runs, "docker", s->docker.rest != NULL));
    }
    return a;
}

static json_t *value_json(const struct compare_value *v)
{
    json_t *o = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:b, s:b, s:o, s:o, s:f, s:s, s:s}", "a",
        num(v->a.value), "b", num(v->b.value), "a_below", num(v->a.below), "b_below",
        num(v->b.below), "a_spread", num(v->a.spread), "b_spread", num(v->b.spread), "a_n", v->a.n,
        "b_n", v->b.n, "a_load_bound", v->a.load_bound, "b_load_bound", v->b.load_bound, "ratio",
        num(v->ratio), "worse", num(v->worse), "noise", v->noise, "noise_from",
        noise_name(v->noise_from), "verdict", compare_verdict_name(v->verdict));
    /* Where the figure is known only to so much (CPU times in clock ticks). */
    if (v->a.resolution > 0 || v->b.resolution > 0)
        json_object_set_new(o, "resolution", json_real(v->a.resolution + v->b.resolution));
    return o;
}

static json_t *cell_json(const struct comparison *c, const struct compare_cell *cell)
{
    const struct run_record *a = cell->a_run, *b = cell->b_run;
    json_t *figs = json_object(), *broken = json_array();
    for (int f = 0; f < CMP_F_COUNT; f++) {
        json_object_set_new(figs, compare_figures[f].name, value_json(&cell->v[f]));
        const struct compare_rule *r = compare_rule_broken(&c->rules, f, &cell->v[f]);
        if (r) {
            char text[96];
            rule_text(r, text, sizeof text);
            json_array_append_new(
                broken, json_pack("{s:s, s:s}", "figure", compare_figures[f].name, "rule", text));
        }
    }
    return json_pack("{s:s?, s:s?, s:s?, s:o, s:s?, s:i, s:i, s:i, s:i, s:o, s:o}", "scenario",
                     a->scenario, "model", a->model, "b_model",
                     b->model && a->model && strcmp(a->model, b->model) != 0 ? b->model : NULL,
                     "level", num(a->level), "server", a->srv ? a->srv->name : NULL, "a_runs",
                     cell->a_runs, "b_runs", cell->b_runs, "a_usable", cell->a_usable, "b_usable",
                     cell->b_usable, "figures", figs, "broken", broken);
}

static json_t *counts_json(const struct compare_pair *p)
{
    json_t *all = json_object(), *by = json_object();
    for (int v = 0; v < CMP_VERDICT_COUNT; v++)
        json_object_set_new(all, compare_verdict_name(v), json_integer(p->counts[v]));
    for (int f = 0; f < CMP_F_COUNT; f++) {
        int n[CMP_VERDICT_COUNT] = {0};
        for (size_t i = 0; i < p->n_cells; i++)
            n[p->cells[i].v[f].verdict]++;
        json_t *o = json_object();
        for (int v = 0; v < CMP_VERDICT_COUNT; v++)
            json_object_set_new(o, compare_verdict_name(v), json_integer(n[v]));
        json_object_set_new(by, compare_figures[f].name, o);
    }
    return json_pack("{s:o, s:o}", "all", all, "by_figure", by);
}

static json_t *pair_json(const struct comparison *c, const struct compare_pair *p)
{
    json_t *cells = json_array();
    for (size_t i = 0; i < p->n_cells; i++)
        json_array_append_new(cells, cell_json(c, &p->cells[i]));
    char a[2] = {label_of(p->ia), '\0'}, b[2] = {label_of(p->ib), '\0'};
    return json_pack("{s:s, s:s, s:O, s:o, s:O, s:O, s:o, s:O}", "a", a, "b", b, "environment",
                     p->environment, "cells", cells, "only_a", p->only_a, "only_b", p->only_b,
                     "counts", counts_json(p), "claims", p->claims);
}

static json_t *gate_json(const struct comparison *c)
{
    json_t *rules = json_array();
    for (int i = 0; i < c->rules.n; i++) {
        char text[96];
        rule_text(&c->rules.rule[i], text, sizeof text);
        json_array_append_new(rules, json_string(text));
    }
    int broken = comparison_broken(c);
    return json_pack("{s:o, s:i, s:i}", "rules", rules, "broken", broken, "exit_status",
                     broken ? COMPARE_EXIT_WORSE : COMPARE_EXIT_OK);
}

json_t *comparison_json(const struct comparison *c)
{
    char now[64];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S%z", &tm);
    json_t *pairs = json_array();
    for (int i = 0; i < pairs_of(c); i++)
        json_array_append_new(pairs, pair_json(c, &c->pairs[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o}", "schema", COMPARE_SCHEMA,
                     "tool", "c10k-bench", "version", C10K_VERSION, "created_at", now, "sessions",
                     sessions_json(c), "against",
                     c->n > 2 ? "each later session against the first (A)" : "B against A",
                     "figures", figures_json(), "comparisons", pairs, "gate", gate_json(c));
}

/* ---- compare.csv ---- */

static void csv_num(FILE *f, double v, double scale)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v * scale);
}

void comparison_csv(const struct comparison *c, FILE *f)
{
    fputs("a,b,scenario,model,level,figure,unit,direction,a_value,b_value,a_below,b_below,ratio,"
          "worse_pct,noise_pct,noise_from,verdict,a_repetitions,b_repetitions\n",
          f);
    for (int p = 0; p < pairs_of(c); p++) {
        const struct compare_pair *pr = &c->pairs[p];
        for (size_t i = 0; i < pr->n_cells; i++) {
            const struct compare_cell *cell = &pr->cells[i];
            for (int fi = 0; fi < CMP_F_COUNT; fi++) {
                const struct compare_figure *fig = &compare_figures[fi];
                const struct compare_value *v = &cell->v[fi];
                if (!isfinite(v->a.value) && !isfinite(v->a.below) && !isfinite(v->b.value) &&
                    !isfinite(v->b.below))
                    continue;
                fprintf(f, "%c,%c,", label_of(pr->ia), label_of(pr->ib));
                schema_csv_text(f, cell->a_run->scenario);
                fputc(',', f);
                schema_csv_text(f, cell->a_run->model);
                fputc(',', f);
                csv_num(f, cell->a_run->level, 1);
                fprintf(f, ",%s,%s,%s,", fig->name, schema_run.fields[fig->field].unit,
                        direction_name(fig->direction));
                csv_num(f, v->a.value, 1);
                fputc(',', f);
                csv_num(f, v->b.value, 1);
                fputc(',', f);
                csv_num(f, v->a.below, 1);
                fputc(',', f);
                csv_num(f, v->b.below, 1);
                fputc(',', f);
                csv_num(f, v->ratio, 1);
                fputc(',', f);
                csv_num(f, v->worse, 100);
                fputc(',', f);
                csv_num(f, v->noise, 100);
                fprintf(f, ",%s,%s,%d,%d\n", noise_name(v->noise_from),
                        compare_verdict_name(v->verdict), cell->a_usable, cell->b_usable);
            }
        }
    }
}

/* ---- The files ---- */

/* The page's data: compare.json and each model's colour from the server table. */
static json_t *page_json(const struct comparison *c)
{
    json_t *doc = comparison_json(c), *colors = json_object();
    for (int i = 0; i < c->n; i++) {
        const struct session_record *s = &c->sessions[i];
        for (size_t r = 0; r < s->n_runs; r++) {
            const struct run_record *run = &s->runs[r];
            if (!run->srv || !run->model || json_object_get(colors, run->model))
                continue;
            const char *vc = run->variant >= 0 && run->variant < SERVER_VARIANTS
                                 ? run->srv->variants[run->variant].color
                                 : NULL;
            json_object_set_new(colors, run->model, json_string(vc ? vc : run->srv->color));
        }
    }
    json_object_set_new(doc, "colors", colors);
    return doc;
}

static int write_csv(const struct comparison *c, const char *path)
{
    char tmp[4096 + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "we");
    if (!f)
        return -errno;
    comparison_csv(c, f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        remove(tmp);
        return -EIO;
    }
    return rename(tmp, path) < 0 ? -errno : 0;
}

static int write_json(const json_t *doc, const char *path)
{
    char tmp[4096 + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (json_dump_file(doc, tmp, JSON_INDENT(1) | JSON_REAL_PRECISION(7)) < 0) {
        remove(tmp);
        return -EIO;
    }
    return rename(tmp, path) < 0 ? -errno : 0;
}

int comparison_write(const struct comparison *c, const char *dir, const char *chartjs, char *err,
                     size_t err_len)
{
    char path[4096];
    json_t *doc = comparison_json(c);
    snprintf(path, sizeof path, "%s/compare.json", dir);
    int rc = doc ? write_json(doc, path) : -ENOMEM;
    json_decref(doc);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/compare.csv", dir);
        rc = write_csv(c, path);
    }
    if (rc == 0) {
        json_t *page = page_json(c);
        snprintf(path, sizeof path, "%s/compare.html", dir);
        rc = page ? report_page_write(compare_template_html, page, NULL, chartjs, path) : -ENOMEM;
        json_decref(page);
    }
    if (rc < 0)
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(-rc));
    return rc;
}

/* ---- The terminal ---- */

static void format_value(char *buf, size_t len, const struct compare_figure *f, double v)
{
    const char *unit = schema_run.fields[f->field].unit;
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else if (strcmp(unit, "bytes") == 0 && fabs(v) >= 1024 * 1024)
        snprintf(buf, len, "%.2f MiB", v / (1024 * 1024));
    else if (strcmp(unit, "bytes") == 0 && fabs(v) >= 1024)
        snprintf(buf, len, "%.1f KiB", v / 1024);
    else if (strcmp(unit, "µs") == 0 && fabs(v) >= 1000)
        snprintf(buf, len, "%.2f ms", v / 1000);
    else if (fabs(v) >= 100)
        snprintf(buf, len, "%.0f %s", v, unit);
    else
        snprintf(buf, len, "%.3g %s", v, unit);
}

static void format_side(char *buf, size_t len, const struct compare_figure *f,
                        const struct compare_side *s)
{
    if (isfinite(s->value) || !isfinite(s->below)) {
        format_value(buf, len, f, s->value);
        return;
    }
    buf[0] = '<';
    buf[1] = ' ';
    format_value(buf + 2, len - 2, f, s->below);
}

static void print_sessions(const struct comparison *c, FILE *f)
{
    fprintf(f, "c10k-bench --compare: %s\n",
            c->n > 2 ? "each later session against the first (A)" : "B against A");
    for (int i = 0; i < c->n; i++) {
        const struct session_record *s = &c->sessions[i];
        fprintf(f, "  %c  %s: %s, started %s, %zu runs", label_of(i), c->paths[i],
                s->profile ? s->profile : "?", s->started_at ? s->started_at : "?", s->n_runs);
        if (s->repeat > 1)
            fprintf(f, ", --repeat %.0f", s->repeat);
        fputc('\n', f);
    }
}

static void print_environment(const struct compare_pair *p, FILE *f)
{
    size_t n = json_array_size(p->environment);
    if (n == 0) {
        fprintf(f, "  What differs: nothing (machine, kernel, limits, versions, profile)\n");
        return;
    }
    fprintf(f, "  What differs, %zu setting%s:\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n && i < SUMMARY_ENVIRONMENT; i++) {
        const json_t *d = json_array_get(p->environment, i);
        fprintf(f, "    %s: %.40s -> %.40s\n", json_string_value(json_object_get(d, "key")),
                json_string_value(json_object_get(d, "a")),
                json_string_value(json_object_get(d, "b")));
    }
    if (n > SUMMARY_ENVIRONMENT)
        fprintf(f, "    ... and %zu more in compare.json\n", n - SUMMARY_ENVIRONMENT);
}

static void print_counts(const struct compare_pair *p, FILE *f)
{
    int reps = 0, defaults = 0;
    for (size_t i = 0; i < p->n_cells; i++)
        for (int fi = 0; fi < CMP_F_COUNT; fi++) {
            const struct compare_value *v = &p->cells[i].v[fi];
            if (v->verdict == CMP_WITHIN_NOISE || v->verdict == CMP_BETTER ||
                v->verdict == CMP_WORSE || v->verdict == CMP_CHANGED) {
                reps += v->noise_from == CMP_NOISE_REPETITIONS;
                defaults += v->noise_from == CMP_NOISE_DEFAULT;
            }
        }
    fprintf(f, "  Noise: %s\n",
            reps && !defaults ? "the spread of the sessions' repetitions"
            : reps
                ? "the spread of the repetitions where a session repeated a cell, else the default"
                : "the defaults (this machine's run-to-run spread); --repeat N gives the sessions' "
                  "own");
    fprintf(f, "  %-30s %7s %6s %7s %11s %6s\n", "figure", "better", "worse", "noise", "load-bound",
            "other");
    for (int fi = 0; fi < CMP_F_COUNT; fi++) {
        int n[CMP_VERDICT_COUNT] = {0};
        for (size_t i = 0; i < p->n_cells; i++)
            n[p->cells[i].v[fi].verdict]++;
        if (n[CMP_NOT_MEASURED] == (int)p->n_cells)
            continue;
        fprintf(f, "  %-30s %7d %6d %7d %11d %6d\n", compare_figures[fi].title, n[CMP_BETTER],
                n[CMP_WORSE], n[CMP_WITHIN_NOISE], n[CMP_LOAD_BOUND],
                n[CMP_CHANGED] + n[CMP_BELOW_RESOLUTION]);
    }
}

/* A cell and figure beyond noise, for the lists. */
struct moved {
    const struct compare_cell *cell;
    int figure;
    double by; /* how much worse (or better), a share */
};

static int by_size(const void *x, const void *y)
{
    double a = fabs(((const struct moved *)x)->by), b = fabs(((const struct moved *)y)->by);
    return (a < b) - (a > b);
}

static void print_moved(const struct compare_pair *p, enum compare_verdict which, int most, FILE *f)
{
    struct moved *m = calloc(p->n_cells * CMP_F_COUNT + 1, sizeof *m);
    size_t n = 0;
    if (!m)
        return;
    for (size_t i = 0; i < p->n_cells; i++)
        for (int fi = 0; fi < CMP_F_COUNT; fi++)
            if (p->cells[i].v[fi].verdict == which)
                m[n++] = (struct moved){&p->cells[i], fi, p->cells[i].v[fi].worse};
    qsort(m, n, sizeof *m, by_size);
    if (n)
        fprintf(f, "  %s beyond noise (%zu, largest first):\n",
                which == CMP_WORSE ? "Worse" : "Better", n);
    for (size_t i = 0; i < n && (int)i < most; i++) {
        const struct compare_value *v = &m[i].cell->v[m[i].figure];
        const struct compare_figure *fig = &compare_figures[m[i].figure];
        const struct run_record *r = m[i].cell->a_run;
        char name[96], a[32], b[32];
        snprintf(name, sizeof name, "%s %s %.0f", r->scenario, r->model, r->level);
        format_side(a, sizeof a, fig, &v->a);
        format_side(b, sizeof b, fig, &v->b);
        fprintf(f, "    %-26.26s %-22.22s %10s -> %-10s %s%.0f%% (noise %.0f%%, %s)\n", name,
                fig->name, a, b, which == CMP_WORSE ? "worse by " : "better by ",
                100 * fabs(v->worse), 100 * v->noise, noise_name(v->noise_from));
    }
    if ((int)n > most)
        fprintf(f, "    ... and %zu more in compare.csv\n", n - (size_t)most);
    free(m);
}

static void print_claims(const struct compare_pair *p, FILE *f)
{
    size_t n = json_array_size(p->claims), changed = 0, shown = 0;
    size_t i;
    json_t *cl;
    json_array_foreach(p->claims, i, cl) changed += json_is_true(json_object_get(cl, "changed"));
    fprintf(f, "  Claims: %zu of %zu verdict%s changed\n", changed, n, n == 1 ? "" : "s");
    json_array_foreach(p->claims, i, cl)
    {
        if (!json_is_true(json_object_get(cl, "changed")) || shown++ >= SUMMARY_CLAIMS)
            continue;
        const char *a = json_string_value(json_object_get(cl, "a"));
        const char *b = json_string_value(json_object_get(cl, "b"));
        fprintf(f, "    %s: %s -> %s", json_string_value(json_object_get(cl, "id")),
                a ? a : "not judged", b ? b : "not judged");
        const json_t *moved = json_object_get(cl, "moved");
        for (size_t k = 0; k < json_array_size(moved) && k < 3; k++)
            fprintf(f, "%s%s", k ? ", " : " (moved: ", json_string_value(json_array_get(moved, k)));
        fprintf(f, "%s\n", json_array_size(moved) ? ")" : "");
    }
}

static void print_gate(const struct comparison *c, FILE *f)
{
    if (c->rules.n == 0)
        return;
    fprintf(f, "Gate (--fail-if");
    for (int i = 0; i < c->rules.n; i++) {
        char text[96];
        rule_text(&c->rules.rule[i], text, sizeof text);
        fprintf(f, "%s%s", i ? "," : " ", text);
    }
    int broken = comparison_broken(c);
    fprintf(f, "): %s", broken ? "FAILED" : "passed");
    if (!broken) {
        fprintf(f, ", no figure got worse beyond noise and the margin\n");
        return;
    }
    fprintf(f, ", %d cell%s:\n", broken, broken == 1 ? "" : "s");
    int shown = 0;
    for (int p = 0; p < pairs_of(c); p++) {
        const struct compare_pair *pr = &c->pairs[p];
        for (size_t i = 0; i < pr->n_cells; i++)
            for (int fi = 0; fi < CMP_F_COUNT; fi++) {
                const struct compare_value *v = &pr->cells[i].v[fi];
                if (!compare_rule_broken(&c->rules, fi, v) || shown++ >= SUMMARY_GATE)
                    continue;
                const struct compare_figure *fig = &compare_figures[fi];
                const struct run_record *r = pr->cells[i].a_run;
                char a[32], b[32];
                format_side(a, sizeof a, fig, &v->a);
                format_side(b, sizeof b, fig, &v->b);
                fprintf(f, "  %c: %s %s %.0f: %s %s -> %s, worse by %.1f%% (noise %.0f%%, %s)\n",
                        label_of(pr->ib), r->scenario, r->model, r->level, fig->name, a, b,
                        100 * v->worse, 100 * v->noise, noise_name(v->noise_from));
            }
    }
    if (broken > SUMMARY_GATE)
        fprintf(f, "  ... and %d more (compare.json: each cell's \"broken\")\n",
                broken - SUMMARY_GATE);
}

void comparison_summary(const struct comparison *c, FILE *f)
{
    print_sessions(c, f);
    for (int i = 0; i < pairs_of(c); i++) {
        const struct compare_pair *p = &c->pairs[i];
        fprintf(f, "\n%c against %c: %zu cells paired, %zu only in %c, %zu only in %c\n",
                label_of(p->ib), label_of(p->ia), p->n_cells, json_array_size(p->only_a),
                label_of(p->ia), json_array_size(p->only_b), label_of(p->ib));
        print_environment(p, f);
        print_counts(p, f);
        print_moved(p, CMP_WORSE, SUMMARY_WORSE, f);
        print_moved(p, CMP_BETTER, SUMMARY_BETTER, f);
        print_claims(p, f);
    }
    print_gate(c, f);
}
