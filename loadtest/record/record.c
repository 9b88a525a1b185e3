#include "record.h"

#include "schema.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void record_run_init(struct run_record *r)
{
    memset(r, 0, sizeof *r);
    schema_clear(&schema_run, r);
    r->variant = 0;
}

void record_run_free(struct run_record *r)
{
    schema_clear(&schema_run, r);
}

void record_session_init(struct session_record *s)
{
    memset(s, 0, sizeof *s);
    schema_clear(&schema_session, s);
}

void record_session_free(struct session_record *s)
{
    for (size_t i = 0; i < s->n_runs; i++)
        record_run_free(&s->runs[i]);
    free(s->runs);
    s->runs = NULL;
    s->n_runs = s->cap_runs = 0;
    json_decref(s->extra);
    s->extra = NULL;
    schema_clear(&schema_session, s);
}

struct run_record *record_session_add_run(struct session_record *s)
{
    if (s->n_runs == s->cap_runs) {
        size_t cap = s->cap_runs ? s->cap_runs * 2 : 64;
        struct run_record *r = realloc(s->runs, cap * sizeof *r);
        if (!r)
            return NULL;
        s->runs = r;
        s->cap_runs = cap;
    }
    struct run_record *r = &s->runs[s->n_runs++];
    record_run_init(r);
    return r;
}

void record_set_str(char **field, const char *s)
{
    char *copy = s ? strdup(s) : NULL;
    free(*field);
    *field = copy;
}

void record_set_json(json_t **field, json_t *v)
{
    json_decref(*field);
    *field = v;
}

/* The statuses from best to worst: the worst so far wins. */
static const char *const status_rank[] = {"ok", "errors", "failed", "skipped", "interrupted"};

static int rank_of(const char *status)
{
    for (int i = 0; i < 5; i++)
        if (status && strcmp(status, status_rank[i]) == 0)
            return i;
    return 0;
}

void record_set_status(struct run_record *r, const char *status, const char *fmt, ...)
{
    if (!r->status || rank_of(status) > rank_of(r->status))
        record_set_str(&r->status, status);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!msg[0])
        return;
    size_t had = r->reason ? strlen(r->reason) : 0;
    char *reason = malloc(had + strlen(msg) + 3);
    if (!reason)
        return;
    snprintf(reason, had + strlen(msg) + 3, "%s%s%s", had ? r->reason : "", had ? "; " : "", msg);
    free(r->reason);
    r->reason = reason;
}

void record_note(struct run_record *r, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!r->notes)
        r->notes = json_array();
    json_array_append_new(r->notes, json_string(msg));
}

int record_status_is(const struct run_record *r, const char *status)
{
    return r->status && strcmp(r->status, status) == 0;
}

int record_usable(const struct run_record *r)
{
    return (record_status_is(r, "ok") || record_status_is(r, "errors")) && r->client.present == 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double record_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
