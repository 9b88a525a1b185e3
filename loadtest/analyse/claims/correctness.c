/* Threads are hard to get right: not a benchmark's question. The one fact measured is the size
 * of each model's code, its file named by the server table (.source, .shared_source). */
#include "claim.h"
#include "claims.h"

#include <math.h>
#include <string.h>

json_t *claims_code_size_json(void)
{
    json_t *o = json_object();
    for (const struct claims_code_size *c = claims_code_size; c->file; c++)
        json_object_set_new(o, c->file, json_integer(c->lines));
    return o;
}

/* A file's lines in the session's code_size (NaN: not counted). */
static double lines_of(const struct session_record *s, const char *file)
{
    json_t *n = json_object_get(s->code_size, file);
    return json_is_number(n) ? json_number_value(n) : NAN;
}

/* The figure of a file: "mode_thread.c" gives mode_thread_lines. */
static void file_figure(struct claim *c, const char *file, double lines)
{
    const char *dot = strrchr(file, '.');
    int stem = dot ? (int)(dot - file) : (int)strlen(file);
    claim_figuref(c, lines, "%.*s_lines", stem, file);
}

static int shares(int srv, const char *file)
{
    const char *f = bench_servers[srv].shared_source;
    return f && strcmp(f, file) == 0;
}

/* Whether the session counted a server's own file (one recorded before the server existed
 * did not). */
static int counted(const struct session_record *s, int srv)
{
    return bench_servers[srv].source && isfinite(lines_of(s, bench_servers[srv].source));
}

/* The servers of the session that share a file: "thread and pool" (or "a, b and c"). */
static void sharers(struct claim_text *t, const struct session_record *s, const char *file)
{
    int n = 0, total = 0;
    for (int i = 0; i < SRV_COUNT; i++)
        total += shares(i, file) && counted(s, i);
    for (int i = 0; i < SRV_COUNT; i++)
        if (shares(i, file) && counted(s, i))
            claim_add(t, "%s%s",
                      n++ == 0     ? ""
                      : n == total ? " and "
                                   : ", ",
                      bench_servers[i].name);
}

/* Each file several models share, once: its lines and who shares it. */
static void shared_files(struct claim *c, const struct session_record *s)
{
    for (int i = 0; i < SRV_COUNT; i++) {
        const char *file = bench_servers[i].shared_source;
        int seen = 0;
        for (int j = 0; j < i && file; j++)
            seen |= shares(j, file);
        if (!file || seen)
            continue;
        claim_add(&c->measured, " (%s, %.0f lines, is shared by ", file, lines_of(s, file));
        sharers(&c->measured, s, file);
        claim_add(&c->measured, ")");
    }
}

/* The models the claims judge, each file's lines; then those quoted beside them, where
 * counted. */
static void model_files(struct claim *c, const struct session_record *s)
{
    int n = 0;
    for (int i = 0; i < SRV_COUNT; i++) {
        const struct bench_server *srv = &bench_servers[i];
        if (!srv->source || srv->beside >= 0)
            continue;
        double lines = lines_of(s, srv->source);
        claim_add(&c->measured, n++ ? ", %s %.0f" : " %s %.0f lines", srv->source, lines);
        file_figure(c, srv->source, lines);
    }
    shared_files(c, s);
    claim_add(&c->measured, ".");
    for (int i = 0; i < SRV_COUNT; i++) {
        const struct bench_server *srv = &bench_servers[i];
        double lines = srv->source ? lines_of(s, srv->source) : NAN;
        if (srv->beside < 0 || !isfinite(lines))
            continue;
        claim_add(&c->measured, " %s has %.0f lines.", srv->source, lines);
        file_figure(c, srv->source, lines);
    }
}

static void judge_correctness(struct claim *c, const struct claim_runs *v)
{
    if (json_is_object(v->s->code_size)) {
        claim_source(c, "the size of each model's source file (non-blank lines, at build time)");
        claim_add(&c->measured, "Not a benchmark's question. The one measurable fact here is the "
                                "size of each model's code:");
        model_files(c, v->s);
    } else {
        claim_add(&c->measured, "Not a benchmark's question.");
    }
    claim_add(&c->note, "The test suite runs every model under ThreadSanitizer.");
}

const struct claim_def claim_correctness = {
    .id = "correctness",
    .claim = "Threads are hard to get right and to reason about (races).",
    .folklore = "Shared memory and locks breed races; event loops avoid them.",
    .thresholds = "none: a benchmark cannot judge it",
    .judge = judge_correctness,
};
