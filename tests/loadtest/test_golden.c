/* The golden test: sessions recorded by an earlier c10k-bench must read back into records and
 * give the same results.json figures, the same results.csv columns, the same claims and the same
 * perf summary (its ratios by name: perf.c lists them scenario by scenario, level by level).
 * golden/ holds sessions of the quick, perf and a scale/idle profile (histograms, percentiles and
 * per-second samples emptied: passed through, they are not judged) and the --from-docker output
 * of the Docker fixture.
 *
 * usage: test_golden GOLDEN_DIR NAME...        each NAME.json and NAME.csv: read back, rebuilt
 *        test_golden --docker GOLDEN_DIR DIR   DIR's results.json and results.csv, written by
 *                                              --from-docker now, against GOLDEN_DIR/docker.* */
#include "claims.h"
#include "perf.h"
#include "results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int problems;
/* How far two numbers may be apart, relatively: what results.json held is rounded to 7 digits, so
 * a figure computed from it anew may differ in its 7th digit. */
static double tolerance = 1e-9;
#define DERIVED_TOLERANCE 1e-5

static void problem(const char *what, const char *path, const char *detail)
{
    if (problems++ < 40)
        fprintf(stderr, "  %s: %s: %s\n", what, path, detail);
}

/* Text that is made anew from the inputs, where the comparison takes the figures only. */
static int is_prose(const char *key)
{
    static const char *const prose[] = {"reason",   "notes",     "measured", "note",
                                        "unstable", "surprises", "headline", "log_tail"};
    for (size_t i = 0; i < sizeof prose / sizeof prose[0]; i++)
        if (strcmp(key, prose[i]) == 0)
            return 1;
    return 0;
}

/* Every member of old is in new with the same value (numbers to 1e-9 of each other); new may
 * have more. skip_prose leaves the prose keys out. */
static void same(const char *what, const json_t *old, const json_t *new, const char *path,
                 int skip_prose)
{
    char sub[512], detail[256];
    if (json_is_number(old)) {
        double a = json_number_value(old), b = json_number_value(new);
        if (!json_is_number(new) || fabs(a - b) > tolerance * fmax(fabs(a), 1e-3)) {
            snprintf(detail, sizeof detail, "%.10g, now %s%.10g", a,
                     json_is_number(new) ? "" : "not a number: ", b);
            problem(what, path, detail);
        }
    } else if (json_is_object(old)) {
        if (!json_is_object(new)) {
            problem(what, path, "an object, now not");
            return;
        }
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)old, key, v)
        {
            snprintf(sub, sizeof sub, "%s.%s", path, key);
            if (skip_prose && is_prose(key))
                continue;
            json_t *w = json_object_get(new, key);
            if (!w)
                problem(what, sub, "missing now");
            else
                same(what, v, w, sub, skip_prose);
        }
    } else if (json_is_array(old)) {
        if (!json_is_array(new) || json_array_size(old) != json_array_size(new)) {
            snprintf(detail, sizeof detail, "%zu entries, now %zu", json_array_size(old),
                     json_array_size(new));
            problem(what, path, detail);
            return;
        }
        for (size_t i = 0; i < json_array_size(old); i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            same(what, json_array_get(old, i), json_array_get(new, i), sub, skip_prose);
        }
    } else if (!json_equal((json_t *)old, (json_t *)new)) {
        char *a = json_dumps(old, JSON_ENCODE_ANY), *b = json_dumps(new, JSON_ENCODE_ANY);
        snprintf(detail, sizeof detail, "%.100s, now %.100s", a ? a : "?", b ? b : "(absent)");
        problem(what, path, detail);
        free(a);
        free(b);
    }
}

/* The claims of two documents, by id: verdict, figures, evidence, thresholds (and the prose
 * unless skip_prose). */
static void same_claims(const json_t *old, const json_t *new, int skip_prose)
{
    size_t i, j;
    json_t *c, *d;
    if (json_array_size(old) != json_array_size(new))
        problem("claims", "claims", "a different number of claims");
    json_array_foreach(old, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "id"));
        const json_t *match = NULL;
        json_array_foreach(new, j, d)
        {
            if (strcmp(json_string_value(json_object_get(d, "id")), id) == 0)
                match = d;
        }
        char path[64];
        snprintf(path, sizeof path, "claims[%s]", id);
        if (!match)
            problem("claims", path, "missing now");
        else
            same("claims", c, match, path, skip_prose);
    }
}

/* The k-th ratio called name in a perf summary's ratios, or NULL. */
static const json_t *nth_ratio(const json_t *ratios, const char *name, size_t k)
{
    size_t i;
    const json_t *r;
    json_array_foreach(ratios, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "name")), name) == 0 && k-- == 0)
            return r;
    }
    return NULL;
}

/* Two perf summaries: the same figures, and the same ratios by name (the k-th of a name, where a
 * scenario's ratios are not named by level, against the k-th), in whatever order. */
static void same_perf(const json_t *old, const json_t *new)
{
    json_t *a = json_copy((json_t *)old), *b = json_copy((json_t *)new);
    json_object_del(a, "ratios");
    json_object_del(b, "ratios");
    same("perf", a, b, "perf", 0);
    json_decref(a);
    json_decref(b);
    const json_t *ro = json_object_get(old, "ratios"), *rn = json_object_get(new, "ratios");
    if (json_array_size(ro) != json_array_size(rn))
        problem("perf", "perf.ratios", "a different number of ratios");
    size_t i;
    const json_t *r;
    json_array_foreach(ro, i, r)
    {
        const char *name = json_string_value(json_object_get(r, "name"));
        size_t k = 0;
        for (size_t j = 0; j < i; j++)
            k += strcmp(json_string_value(json_object_get(json_array_get(ro, j), "name")), name) ==
                 0;
        char path[256];
        snprintf(path, sizeof path, "perf.ratios[%s #%zu]", name, k + 1);
        const json_t *match = nth_ratio(rn, name, k);
        if (!match)
            problem("perf", path, "missing now");
        else
            same("perf", json_object_get(r, "value"), json_object_get(match, "value"), path, 0);
    }
}

/* A CSV file as rows of cells (header first), for a comparison by column name. */
struct csv {
    char ***rows;
    size_t n;
    size_t *cols;
};

static char **csv_line(char **p, size_t *ncols)
{
    char **cells = NULL;
    size_t n = 0;
    char *s = *p;
    for (;;) {
        char *cell = malloc(strlen(s) + 1), *o = cell;
        if (*s == '"') {
            for (s++; *s && !(*s == '"' && s[1] != '"'); s++) {
                if (*s == '"')
                    s++;
                *o++ = *s;
            }
            if (*s == '"')
                s++;
        } else {
            while (*s && *s != ',' && *s != '\n')
                *o++ = *s++;
        }
        *o = '\0';
        cells = realloc(cells, (n + 1) * sizeof *cells);
        cells[n++] = cell;
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '\n')
            s++;
        break;
    }
    *p = s;
    *ncols = n;
    return cells;
}

static int csv_read(const char *path, struct csv *c)
{
    char *text = results_read_text(path, RESULTS_TEXT_MAX, NULL);
    memset(c, 0, sizeof *c);
    if (!text)
        return -1;
    for (char *p = text; *p;) {
        c->rows = realloc(c->rows, (c->n + 1) * sizeof *c->rows);
        c->cols = realloc(c->cols, (c->n + 1) * sizeof *c->cols);
        c->rows[c->n] = csv_line(&p, &c->cols[c->n]);
        c->n++;
    }
    free(text);
    return 0;
}

static int csv_col(const struct csv *c, const char *name)
{
    for (size_t i = 0; c->n && i < c->cols[0]; i++)
        if (strcmp(c->rows[0][i], name) == 0)
            return (int)i;
    return -1;
}

/* Every column of old is in new with the same cells, row by row (numbers as results.json rounds
 * them: the old CSV was written from the unrounded figures). */
static void same_csv(const struct csv *old, const struct csv *new, int skip_prose)
{
    if (old->n != new->n) {
        problem("csv", "rows", "a different number of rows");
        return;
    }
    for (size_t k = 0; old->n && k < old->cols[0]; k++) {
        const char *name = old->rows[0][k];
        if (skip_prose && is_prose(name))
            continue;
        int m = csv_col(new, name);
        if (m < 0) {
            problem("csv", name, "column missing now");
            continue;
        }
        for (size_t r = 1; r < old->n; r++) {
            const char *a = k < old->cols[r] ? old->rows[r][k] : "";
            const char *b = (size_t)m < new->cols[r] ? new->rows[r][m] : "";
            char *ea, *eb;
            double x = strtod(a, &ea), y = strtod(b, &eb);
            int numbers = *a && *b && !*ea && !*eb;
            if (numbers ? fabs(x - y) > DERIVED_TOLERANCE * fmax(fabs(x), 1e-3)
                        : strcmp(a, b) != 0) {
                char where[128], detail[256];
                snprintf(where, sizeof where, "%s, row %zu", name, r);
                snprintf(detail, sizeof detail, "'%.80s', now '%.80s'", a, b);
                problem("csv", where, detail);
            }
        }
    }
}

static void csv_free(struct csv *c)
{
    for (size_t r = 0; r < c->n; r++) {
        for (size_t k = 0; k < c->cols[r]; k++)
            free(c->rows[r][k]);
        free(c->rows[r]);
    }
    free(c->rows);
    free(c->cols);
}

/* A golden session read back: its runs rendered again, its CSV, its claims and perf rebuilt. */
static void check_session(const char *dir, const char *name)
{
    char path[1024], err[1024];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    json_error_t je;
    json_t *old = json_load_file(path, 0, &je);
    struct session_record s;
    if (!old || results_load(path, &s, err, sizeof err) < 0) {
        problem(name, path, old ? err : je.text);
        json_decref(old);
        return;
    }
    json_t *doc = results_document(&s);
    same("results.json", json_object_get(old, "runs"), json_object_get(doc, "runs"), "runs", 0);
    json_decref(doc);

    char tmp[] = "/tmp/c10k-golden-XXXXXX";
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f) {
        results_csv(&s, f);
        fclose(f);
        struct csv a, b;
        snprintf(path, sizeof path, "%s/%s.csv", dir, name);
        if (csv_read(path, &a) == 0 && csv_read(tmp, &b) == 0)
            same_csv(&a, &b, 0);
        else
            problem("csv", path, "cannot read");
        csv_free(&a);
        csv_free(&b);
        remove(tmp);
    }

    claims_build(&s);
    tolerance = DERIVED_TOLERANCE;
    same_claims(json_object_get(old, "claims"), s.claims, 0);
    same("headline", json_object_get(old, "headline"), s.headline, "headline", 0);
    same("surprises", json_object_get(old, "surprises"), s.surprises, "surprises", 0);
    if (json_object_get(old, "perf")) {
        json_t *perf = perf_summary(&s);
        same_perf(json_object_get(old, "perf"), perf);
        json_decref(perf);
    }
    tolerance = 1e-9;
    record_session_free(&s);
    json_decref(old);
}

/* A Docker run's session written now against the one written before: its runs' figures and
 * statuses, the CSV's figures and the claims' verdicts and figures (the prose is made anew). */
static void check_docker(const char *golden, const char *dir)
{
    char a_path[1024], b_path[1024];
    snprintf(a_path, sizeof a_path, "%s/docker.json", golden);
    snprintf(b_path, sizeof b_path, "%s/results.json", dir);
    json_error_t je;
    json_t *old = json_load_file(a_path, 0, &je), *new = json_load_file(b_path, 0, &je);
    if (!old || !new) {
        problem("docker", old ? b_path : a_path, je.text);
    } else {
        json_t *runs = json_object_get(new, "runs");
        size_t i;
        json_t *r;
        /* The fixture's histograms and samples were emptied, as the golden file's. */
        json_array_foreach(runs, i, r)
        {
            json_t *c = json_object_get(r, "client");
            if (json_is_object(c))
                for (const char *const *k = (const char *const[]){"histogram", "percentiles",
                                                                  "percentiles_uncorrected", NULL};
                     *k; k++)
                    if (json_is_array(json_object_get(c, *k)))
                        json_object_set_new(c, *k, json_array());
            if (json_is_object(json_object_get(r, "samples")))
                json_object_set_new(r, "samples", json_object());
            json_t *cg = schema_json_at(r, "docker.server.cgroup");
            if (json_is_object(cg))
                json_object_set_new(cg, "series", json_object());
        }
        tolerance = DERIVED_TOLERANCE;
        same("results.json", json_object_get(old, "runs"), runs, "runs", 1);
        same_claims(json_object_get(old, "claims"), json_object_get(new, "claims"), 1);
    }
    json_decref(old);
    json_decref(new);
    struct csv a, b;
    snprintf(a_path, sizeof a_path, "%s/docker.csv", golden);
    snprintf(b_path, sizeof b_path, "%s/results.csv", dir);
    if (csv_read(a_path, &a) == 0 && csv_read(b_path, &b) == 0)
        same_csv(&a, &b, 1);
    else
        problem("csv", b_path, "cannot read");
    csv_free(&a);
    csv_free(&b);
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "--docker") == 0) {
        check_docker(argv[2], argv[3]);
    } else if (argc >= 3) {
        for (int i = 2; i < argc; i++) {
            int before = problems;
            check_session(argv[1], argv[i]);
            printf("%s: %s\n", argv[i], problems == before ? "the same" : "DIFFERS");
        }
    } else {
        fprintf(stderr, "usage: test_golden GOLDEN_DIR NAME... | --docker GOLDEN_DIR DIR\n");
        return 2;
    }
    if (problems)
        fprintf(stderr, "%d differences%s\n", problems,
                problems > 40 ? " (the first 40 shown)" : "");
    return problems ? 1 : 0;
}
