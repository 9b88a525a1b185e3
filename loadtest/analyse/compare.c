#include "compare.h"

#include "schema.h"
#include "servers.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A claim's figure that moved by more than this share is named as what changed its verdict. */
#define COMPARE_CLAIM_MOVED 0.10

#define FIGURE_ROW(id, ...) [CMP_F_##id] = {__VA_ARGS__},
const struct compare_figure compare_figures[CMP_F_COUNT] = {COMPARE_FIGURES(FIGURE_ROW)};
#undef FIGURE_ROW

int compare_figure_find(const char *name)
{
    for (int i = 0; i < CMP_F_COUNT; i++)
        if (strcmp(compare_figures[i].name, name) == 0)
            return i;
    return -1;
}

const char *compare_verdict_name(enum compare_verdict v)
{
#define VERDICT_NAME(id, text) [CMP_##id] = text,
    static const char *const names[CMP_VERDICT_COUNT] = {COMPARE_VERDICTS(VERDICT_NAME)};
#undef VERDICT_NAME
    return (unsigned)v < CMP_VERDICT_COUNT ? names[v] : "?";
}

/* ---- One side of a figure ---- */

static int by_value(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median_of(double *v, int n)
{
    if (n == 0)
        return NAN;
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The resolution a run's figure is below, or NaN. */
static double below_resolution(const struct compare_figure *f, const struct run_record *r)
{
    if (!f->resolution || !r->per_connection.below_resolution)
        return NAN;
    const char *name = f->resolution;
    if (strcmp(name, "kernel_bytes") == 0)
        name =
            r->per_connection.cgroup.present == 1 ? "cgroup.kernel_bytes" : "machine.kernel_bytes";
    size_t i;
    json_t *b;
    json_array_foreach(r->per_connection.below_resolution, i, b)
    {
        const char *fig = json_string_value(json_object_get(b, "figure"));
        json_t *res = json_object_get(b, "resolution_bytes");
        if (fig && strcmp(fig, name) == 0 && json_is_number(res))
            return json_number_value(res);
    }
    return NAN;
}

/* What a run's figure is known to: two clock ticks over the server's requests (a CPU time is
 * read twice, each to a tick), in µs; 0 for other figures or where the ticks are unknown. */
static double tick_resolution(const struct compare_figure *f, const struct run_record *r,
                              double clock_ticks)
{
    double requests = r->server.requests;
    if (!f->in_ticks || !(clock_ticks > 0) || !(requests > 0))
        return 0;
    return 2 * 1e6 / clock_ticks / requests;
}

/* The median of a figure over a cell's usable repetitions, their spread and resolution. */
static struct compare_side side_of(const struct compare_figure *f,
                                   const struct run_record *const *runs, int n, double clock_ticks)
{
    struct compare_side s = {.value = NAN, .below = NAN, .spread = NAN};
    double *vals = calloc(2 * (size_t)n + 2, sizeof *vals);
    if (!vals)
        return s;
    double *belows = vals + n + 1;
    int nb = 0;
    for (int i = 0; i < n; i++) {
        const struct run_record *r = runs[i];
        if (!record_usable(r))
            continue;
        s.load_bound |= r->load_bound == 1;
        s.resolution = fmax(s.resolution, tick_resolution(f, r, clock_ticks));
        double v = schema_num(&schema_run, f->field, r);
        if (isfinite(v))
            vals[s.n++] = v;
        else if (isfinite(v = below_resolution(f, r)))
            belows[nb++] = v;
    }
    if (s.n == 0) {
        s.below = median_of(belows, nb);
    } else {
        s.value = median_of(vals, s.n);
        if (s.n >= 2 && s.value != 0)
            s.spread = (vals[s.n - 1] - vals[0]) / fabs(s.value);
    }
    free(vals);
    return s;
}

/* ---- The verdict ---- */

/* The verdict of a change that is beyond noise, by the figure's direction (up: B's figure is
 * above A's). */
static enum compare_verdict beyond_noise(const struct compare_figure *f, int up)
{
    if (f->direction == CMP_NO_DIRECTION)
        return CMP_CHANGED;
    int worse = f->direction == CMP_LOWER_IS_BETTER ? up : !up;
    return worse ? CMP_WORSE : CMP_BETTER;
}

/* How much worse B is (negative: better), from how far apart the two are as a share of the
 * smaller (factor - 1, the same either way: half the throughput is 100% worse, twice the CPU
 * per request too); NaN for a figure without a direction. */
static double worse_share(const struct compare_figure *f, double apart, int up)
{
    if (f->direction == CMP_NO_DIRECTION)
        return NAN;
    return (f->direction == CMP_LOWER_IS_BETTER) == up ? apart : -apart;
}

/* One side measured (x), the other below its resolution (bound): a verdict only where x is
 * clearly above the bound. up: B is the measured side. */
static void judge_against_bound(const struct compare_figure *f, struct compare_value *v, double x,
                                double bound, int up)
{
    v->verdict = CMP_BELOW_RESOLUTION;
    if (x - bound <= f->floor || x <= bound * (1 + v->noise))
        return;
    v->verdict = beyond_noise(f, up);
    /* At least this far apart: x against the most the other side can be. */
    v->worse = worse_share(f, bound > 0 ? x / bound - 1 : INFINITY, up);
}

void compare_judge(const struct compare_figure *f, struct compare_value *v)
{
    const struct compare_side *a = &v->a, *b = &v->b;
    v->ratio = v->worse = NAN;
    /* The sessions' own noise where one of them repeated the cell, else the default. */
    double own = NAN;
    if (isfinite(a->spread))
        own = a->spread;
    if (isfinite(b->spread) && !(own >= b->spread))
        own = b->spread;
    v->noise_from = isfinite(own) ? CMP_NOISE_REPETITIONS : CMP_NOISE_DEFAULT;
    v->noise = isfinite(own) ? own : f->noise;

    int ha = isfinite(a->value), hb = isfinite(b->value);
    int la = isfinite(a->below), lb = isfinite(b->below);
    if ((!ha && !la) || (!hb && !lb)) {
        v->verdict = CMP_NOT_MEASURED;
        return;
    }
    if (ha && hb && a->value != 0)
        v->ratio = b->value / a->value;
    if (f->server_bound && (a->load_bound || b->load_bound)) {
        v->verdict = CMP_LOAD_BOUND;
        return;
    }
    if (!ha || !hb) {
        if (ha)
            judge_against_bound(f, v, a->value, b->below, 0);
        else if (hb)
            judge_against_bound(f, v, b->value, a->below, 1);
        else
            v->verdict = CMP_BELOW_RESOLUTION;
        return;
    }
    double lo = fmin(fabs(a->value), fabs(b->value)), hi = fmax(fabs(a->value), fabs(b->value));
    double apart = lo > 0 ? hi / lo - 1 : (hi > 0 ? INFINITY : 0);
    int up = b->value > a->value;
    v->worse = worse_share(f, apart, up);
    if (fabs(b->value - a->value) <= fmax(f->floor, a->resolution + b->resolution) ||
        apart <= v->noise)
        v->verdict = CMP_WITHIN_NOISE;
    else
        v->verdict = beyond_noise(f, up);
}

/* ---- Pairing ---- */

/* Whether two runs are of the same cell: scenario, server (its row and variant where both are
 * rows of this build's table, so that "loop --loops 2" pairs with "loop --loops 4" from a
 * machine with more CPUs; else the label) and level. */
static int same_cell(const struct run_record *x, const struct run_record *y)
{
    if (x->level != y->level && !(isnan(x->level) && isnan(y->level)))
        return 0;
    if (x->scn || y->scn) {
        if (x->scn != y->scn)
            return 0;
    } else if (!x->scenario || !y->scenario || strcmp(x->scenario, y->scenario) != 0) {
        return 0;
    }
    if (x->srv && y->srv)
        return x->srv == y->srv && x->variant == y->variant;
    return x->model && y->model && strcmp(x->model, y->model) == 0;
}

/* A session's runs grouped by cell, in the order of their first runs. */
struct groups {
    const struct run_record **runs; /* every run, grouped: group g is runs[start[g]..start[g+1]) */
    size_t *start;
    size_t n;
};

static int group_runs(const struct session_record *s, struct groups *g)
{
    g->runs = calloc(s->n_runs + 1, sizeof *g->runs);
    g->start = calloc(s->n_runs + 2, sizeof *g->start);
    g->n = 0;
    if (!g->runs || !g->start)
        return -ENOMEM;
    char *taken = calloc(s->n_runs + 1, 1);
    if (!taken)
        return -ENOMEM;
    size_t used = 0;
    for (size_t i = 0; i < s->n_runs; i++) {
        if (taken[i])
            continue;
        g->start[g->n++] = used;
        for (size_t j = i; j < s->n_runs; j++) {
            if (!taken[j] && same_cell(&s->runs[i], &s->runs[j])) {
                taken[j] = 1;
                g->runs[used++] = &s->runs[j];
            }
        }
    }
    g->start[g->n] = used;
    free(taken);
    return 0;
}

static void groups_free(struct groups *g)
{
    free(g->runs);
    free(g->start);
}

static int group_size(const struct groups *g, size_t i)
{
    return (int)(g->start[i + 1] - g->start[i]);
}

static const struct run_record *const *group_of(const struct groups *g, size_t i)
{
    return g->runs + g->start[i];
}

static int usable_in(const struct run_record *const *runs, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += record_usable(runs[i]);
    return k;
}

static json_t *cell_name(const struct run_record *r)
{
    return json_pack("{s:s?, s:s?, s:f}", "scenario", r->scenario, "model", r->model, "level",
                     isfinite(r->level) ? r->level : -1.0);
}

static void judge_cell(struct compare_pair *p, const struct run_record *const *ra, int na,
                       const struct run_record *const *rb, int nb)
{
    struct compare_cell *c = &p->cells[p->n_cells++];
    c->a_run = ra[0];
    c->b_run = rb[0];
    c->a_runs = na;
    c->b_runs = nb;
    c->a_usable = usable_in(ra, na);
    c->b_usable = usable_in(rb, nb);
    for (int f = 0; f < CMP_F_COUNT; f++) {
        struct compare_value *v = &c->v[f];
        v->a = side_of(&compare_figures[f], ra, na, p->a->clock_ticks);
        v->b = side_of(&compare_figures[f], rb, nb, p->b->clock_ticks);
        compare_judge(&compare_figures[f], v);
        p->counts[v->verdict]++;
    }
}

static int pair_cells(struct compare_pair *p)
{
    struct groups ga = {0}, gb = {0};
    int rc = -ENOMEM;
    if (group_runs(p->a, &ga) < 0 || group_runs(p->b, &gb) < 0)
        goto out;
    p->cells = calloc(ga.n + 1, sizeof *p->cells);
    char *matched = calloc(gb.n + 1, 1);
    if (!p->cells || !matched) {
        free(matched);
        goto out;
    }
    for (size_t i = 0; i < ga.n; i++) {
        size_t j = 0;
        while (j < gb.n && (matched[j] || !same_cell(group_of(&ga, i)[0], group_of(&gb, j)[0])))
            j++;
        if (j == gb.n) {
            json_array_append_new(p->only_a, cell_name(group_of(&ga, i)[0]));
            continue;
        }
        matched[j] = 1;
        judge_cell(p, group_of(&ga, i), group_size(&ga, i), group_of(&gb, j), group_size(&gb, j));
    }
    for (size_t j = 0; j < gb.n; j++)
        if (!matched[j])
            json_array_append_new(p->only_b, cell_name(group_of(&gb, j)[0]));
    free(matched);
    rc = 0;
out:
    groups_free(&ga);
    groups_free(&gb);
    return rc;
}

/* ---- The environment ---- */

/* Every leaf of v under prefix, as text, into out (key -> string). */
static void flatten(const json_t *v, const char *prefix, json_t *out)
{
    char buf[128];
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            char key[256];
            snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", k);
            flatten(x, key, out);
        }
        return;
    }
    if (json_is_string(v)) {
        json_object_set_new(out, prefix, json_string(json_string_value(v)));
    } else if (json_is_number(v)) {
        snprintf(buf, sizeof buf, "%.10g", json_number_value(v));
        json_object_set_new(out, prefix, json_string(buf));
    } else if (json_is_null(v) || !v) {
        json_object_set_new(out, prefix, json_string("none"));
    } else {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
        json_object_set_new(out, prefix, json_string(text ? text : "?"));
        free(text);
    }
}

/* What describes where and how a session ran, flattened: the environment (the machine first),
 * then the session's own choices. */
static json_t *setting_of(const struct session_record *s, const struct run_record *first)
{
    json_t *out = json_object();
    flatten(s->environment, "environment", out);
    json_object_set_new(out, "container",
                        json_string(s->docker.rest ? "yes (a Docker session)" : "no"));
    const json_t *cg = json_object_get(s->memory_cgroup, "source");
    flatten(cg, "memory_cgroup.source", out);
    json_object_set_new(out, "generator", json_string(s->generator ? s->generator : "none"));
    char buf[64];
    json_object_set_new(out, "profile", json_string(s->profile ? s->profile : "none"));
    snprintf(buf, sizeof buf, "%.0f", isfinite(s->repeat) ? s->repeat : 1);
    json_object_set_new(out, "repeat", json_string(buf));
    json_object_set_new(out, "version", json_string(s->version ? s->version : "none"));
    if (first) {
        snprintf(buf, sizeof buf, "%g s + %g s", first->warmup_s, first->duration_s);
        json_object_set_new(out, "runs.warmup_s + duration_s", json_string(buf));
    }
    return out;
}

static json_t *environment_diff(const struct compare_pair *p)
{
    json_t *diff = json_array();
    const struct run_record *fa = p->n_cells ? p->cells[0].a_run : NULL;
    const struct run_record *fb = p->n_cells ? p->cells[0].b_run : NULL;
    json_t *a = setting_of(p->a, fa), *b = setting_of(p->b, fb);
    const char *k;
    json_t *va;
    json_object_foreach(a, k, va)
    {
        const char *sa = json_string_value(va);
        const char *sb = json_string_value(json_object_get(b, k));
        if (!sb || strcmp(sa, sb) != 0)
            json_array_append_new(
                diff, json_pack("{s:s, s:s, s:s}", "key", k, "a", sa, "b", sb ? sb : "absent"));
    }
    json_t *vb;
    json_object_foreach(b, k, vb)
    {
        if (!json_object_get(a, k))
            json_array_append_new(diff, json_pack("{s:s, s:s, s:s}", "key", k, "a", "absent", "b",
                                                  json_string_value(vb)));
    }
    json_decref(a);
    json_decref(b);
    return diff;
}

/* ---- The claims ---- */

static const json_t *claim_by_id(const json_t *claims, const char *id)
{
    size_t i;
    json_t *c;
    json_array_foreach(claims, i, c)
    {
        const char *cid = json_string_value(json_object_get(c, "id"));
        if (cid && strcmp(cid, id) == 0)
            return c;
    }
    return NULL;
}

static double log_move(const json_t *fig)
{
    double r = json_number_value(json_object_get(fig, "ratio"));
    return r > 0 ? fabs(log(r)) : INFINITY;
}

static int by_move(const void *x, const void *y)
{
    double a = log_move(*(json_t *const *)x), b = log_move(*(json_t *const *)y);
    return (a < b) - (a > b);
}

/* The claim's figures in both sessions with their ratios, and those that moved (where the
 * verdict changed): beyond COMPARE_CLAIM_MOVED, largest first, else the one that moved most. */
static void claim_figures(const json_t *ca, const json_t *cb, int changed, json_t *row)
{
    json_t *figs = json_array(), *moved = json_array();
    const json_t *fa = json_object_get(ca, "figures"), *fb = json_object_get(cb, "figures");
    const char *k;
    json_t *va;
    json_object_foreach((json_t *)fa, k, va)
    {
        json_t *vb = json_object_get(fb, k);
        if (!json_is_number(va) || !json_is_number(vb))
            continue;
        double a = json_number_value(va), b = json_number_value(vb);
        json_array_append_new(figs, json_pack("{s:s, s:f, s:f, s:o}", "name", k, "a", a, "b", b,
                                              "ratio", a != 0 ? json_real(b / a) : json_null()));
    }
    size_t n = json_array_size(figs);
    if (changed && n) {
        json_t **sorted = malloc(n * sizeof *sorted);
        for (size_t i = 0; sorted && i < n; i++)
            sorted[i] = json_array_get(figs, i);
        if (sorted) {
            qsort(sorted, n, sizeof *sorted, by_move);
            for (size_t i = 0; i < n; i++)
                if (i == 0 || log_move(sorted[i]) > log1p(COMPARE_CLAIM_MOVED))
                    json_array_append_new(
                        moved, json_string(json_string_value(json_object_get(sorted[i], "name"))));
            free(sorted);
        }
    }
    json_object_set_new(row, "figures", figs);
    json_object_set_new(row, "moved", moved);
}

static json_t *claim_row(const json_t *ca, const json_t *cb)
{
    const json_t *any = ca ? ca : cb;
    const char *va = ca ? json_string_value(json_object_get(ca, "verdict")) : NULL;
    const char *vb = cb ? json_string_value(json_object_get(cb, "verdict")) : NULL;
    int changed = !va || !vb || strcmp(va, vb) != 0;
    json_t *row = json_pack("{s:s?, s:s?, s:s?, s:s?, s:b}", "id",
                            json_string_value(json_object_get(any, "id")), "claim",
                            json_string_value(json_object_get(any, "claim")), "a", va, "b", vb,
                            "changed", changed);
    claim_figures(ca, cb, changed && va && vb, row);
    return row;
}

static json_t *claims_side_by_side(const struct compare_pair *p)
{
    json_t *rows = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(p->a->claims, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "id"));
        if (id)
            json_array_append_new(rows, claim_row(c, claim_by_id(p->b->claims, id)));
    }
    json_array_foreach(p->b->claims, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "id"));
        if (id && !claim_by_id(p->a->claims, id))
            json_array_append_new(rows, claim_row(NULL, c));
    }
    return rows;
}

/* ---- The pair ---- */

int compare_sessions(const struct session_record *a, const struct session_record *b,
                     struct compare_pair *out)
{
    memset(out, 0, sizeof *out);
    out->a = a;
    out->b = b;
    out->only_a = json_array();
    out->only_b = json_array();
    if (pair_cells(out) < 0) {
        compare_pair_free(out);
        return -ENOMEM;
    }
    out->environment = environment_diff(out);
    out->claims = claims_side_by_side(out);
    return 0;
}

void compare_pair_free(struct compare_pair *p)
{
    free(p->cells);
    json_decref(p->only_a);
    json_decref(p->only_b);
    json_decref(p->environment);
    json_decref(p->claims);
    memset(p, 0, sizeof *p);
}

/* ---- The gate ---- */

static int parse_rule(char *item, struct compare_rule *r, char *why, size_t why_len)
{
    char *parts[4] = {0};
    int n = 0;
    for (char *save = NULL, *t = strtok_r(item, ":", &save); t && n < 4;
         t = strtok_r(NULL, ":", &save))
        parts[n++] = t;
    int at = 0;
    r->figure = -1;
    r->margin = 0;
    if (n > 0 && strcmp(parts[0], "worse") != 0) {
        r->figure = compare_figure_find(parts[0]);
        if (r->figure < 0) {
            snprintf(why, why_len, "'%s' is not a compared figure", parts[0]);
            return -EINVAL;
        }
        at = 1;
    }
    if (at >= n || strcmp(parts[at], "worse") != 0 || n > at + 2) {
        snprintf(why, why_len, "a rule is [FIGURE:]worse[:PERCENT%%]");
        return -EINVAL;
    }
    if (at + 1 < n) {
        char *end;
        double pct = strtod(parts[at + 1], &end);
        if (end == parts[at + 1] || (*end && strcmp(end, "%") != 0) || !(pct >= 0) || pct > 1000) {
            snprintf(why, why_len, "'%s' is not a percentage from 0 to 1000", parts[at + 1]);
            return -EINVAL;
        }
        r->margin = pct / 100;
    }
    return 0;
}

int compare_parse_rules(const char *text, struct compare_rules *rules, char *why, size_t why_len)
{
    char *copy = strdup(text);
    if (!copy)
        return -ENOMEM;
    int rc = 0;
    char *save = NULL;
    char *item = strtok_r(copy, ",", &save);
    if (!item) {
        snprintf(why, why_len, "a rule is [FIGURE:]worse[:PERCENT%%]");
        rc = -EINVAL;
    }
    for (; item && rc == 0; item = strtok_r(NULL, ",", &save)) {
        if (rules->n == COMPARE_RULES_MAX) {
            snprintf(why, why_len, "more than %d rules", COMPARE_RULES_MAX);
            rc = -EINVAL;
            break;
        }
        rc = parse_rule(item, &rules->rule[rules->n], why, why_len);
        if (rc == 0)
            rules->n++;
    }
    free(copy);
    return rc;
}

const struct compare_rule *compare_rule_broken(const struct compare_rules *rules, int figure,
                                               const struct compare_value *v)
{
    if (v->verdict != CMP_WORSE)
        return NULL;
    for (int i = 0; i < rules->n; i++) {
        const struct compare_rule *r = &rules->rule[i];
        if ((r->figure < 0 || r->figure == figure) && v->worse > r->margin)
            return r;
    }
    return NULL;
}
