/* What a claim's file sees. A claim is one function that reads the runs of one repetition (and
 * its session) and fills one struct claim: what was measured, the figures that decide it, the
 * runs it cites, its sources and its verdict. Its words (the claim, the folklore, the thresholds)
 * and where it is judged are its struct claim_def, beside the function and its thresholds in its
 * own file; CLAIMS below lists them in the order they are shown. claims.c finds runs, builds
 * each claim once per repetition and merges them, and writes the surprises and the headline. */
#ifndef C10K_BENCH_CLAIM_H
#define C10K_BENCH_CLAIM_H

#include "record.h"
#include "scenarios.h"
#include "servers.h"

#include <jansson.h>
#include <stddef.h>

/* Every claim: X(name), its struct claim_def being claim_<name>. A local session is judged on
 * the local claims, a Docker session on the container claims whose scenario ran. */
#define CLAIMS(X)                                                                                  \
    X(stack)                                                                                       \
    X(resources)                                                                                   \
    X(switching)                                                                                   \
    X(idle)                                                                                        \
    X(efficiency)                                                                                  \
    X(parallelism)                                                                                 \
    X(correctness)                                                                                 \
    X(python_gil)                                                                                  \
    X(python_waiting)                                                                              \
    X(python_pools)                                                                                \
    X(copies)                                                                                      \
    X(dropin)                                                                                      \
    X(container_pids)                                                                              \
    X(container_loop)                                                                              \
    X(container_memory)                                                                            \
    X(container_oom)

/* The runs a claim is judged from: one repetition's, in the session's order (the surprises and
 * the headline see every run). */
struct claim_runs {
    const struct session_record *s;
    const struct run_record **runs;
    size_t n;
};

/* For each run r of v, in order (r is a const struct run_record *). */
#define claim_each(v, r)                                                                           \
    for (const struct run_record **r##_at_ = (v)->runs, *r;                                        \
         r##_at_ < (v)->runs + (v)->n && ((r = *r##_at_), 1); r##_at_++)

/* Text built by pieces; what does not fit is cut. */
struct claim_text {
    char s[4096];
    size_t len;
};

void claim_add(struct claim_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct claim;

struct claim_def {
    const char *id, *claim, *folklore, *thresholds;
    void (*judge)(struct claim *c, const struct claim_runs *v);
    /* A container claim: the SCN_BIT() of the Docker session's scenario it is judged from, where
     * that scenario ran; 0: a local claim. */
    unsigned container;
    /* A local claim about these servers (SRV bits) is judged where one of them ran; 0: always. */
    unsigned servers;
};

/* One claim as it is judged from one repetition's runs. */
struct claim {
    const struct claim_def *def;
    struct claim_text measured, note;
    struct claim_text headline; /* a line of the session's headline (none: no line) */
    const char *verdict;        /* "not measured" until the claim says */
    int surprising;
    json_t *figures;  /* name -> number (null: not measured): what decides the verdict */
    json_t *evidence; /* the ids of the runs cited */
    json_t *sources;  /* what the figures come from */
};

#define CLAIM_DECLARE(name) extern const struct claim_def claim_##name;
CLAIMS(CLAIM_DECLARE)
#undef CLAIM_DECLARE

/* ---- Building a claim ---- */

void claim_figure(struct claim *c, const char *name, double v);
/* A figure named printf-style ("memory_ratio_at_%.0f"). */
void claim_figuref(struct claim *c, double v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Cites a run (once; NULL: nothing). */
void claim_cite(struct claim *c, const struct run_record *r);
void claim_source(struct claim *c, const char *text);
/* "holds" when every one of judged figures costs more, "partly" when some do, "does not hold"
 * when none does; judged 0 leaves the verdict alone. */
void claim_verdict_of(struct claim *c, int costlier, int judged);

/* ---- Finding runs ---- */

/* The server the claims are about (thread per connection) and the event model they hold it
 * against (the table's reference). */
const struct bench_server *claim_thread(void);
const struct bench_server *claim_reference(void);
/* Whether a run is of scenario scn and of srv as it is (its base variant; srv NULL: any server
 * and variant). */
int claim_is(const struct run_record *r, int scn, const struct bench_server *srv);
/* A usable run of srv's variant with this role in scn at level, or NULL. */
const struct run_record *claim_variant_at(const struct claim_runs *v, int scn,
                                          const struct bench_server *srv, enum variant_role role,
                                          double level);
/* The same of srv as it is. */
const struct run_record *claim_run_at(const struct claim_runs *v, int scn,
                                      const struct bench_server *srv, double level);
/* srv's usable run (srv NULL: any) in scn with the highest level, or the lowest. */
const struct run_record *claim_top_run(const struct claim_runs *v, int scn,
                                       const struct bench_server *srv);
const struct run_record *claim_bottom_run(const struct claim_runs *v, int scn,
                                          const struct bench_server *srv);
/* Quotes, after the measured text, each server the table puts beside the reference at scn and
 * level: its CPU per request, memory per connection and p99. Quoted, not judged. */
void claim_quote_beside(struct claim *c, const struct claim_runs *v, int scn, double level);
/* Quotes, after the measured text, each server the table puts beside another model (process
 * beside thread, Apache's MPMs beside theirs) with that model, at scn and level (level < 0: the
 * highest level both ran at): CPU per request, memory per connection, how busy each side was.
 * Quoted, not judged. */
void claim_quote_lookalikes(struct claim *c, const struct claim_runs *v, int scn, double level);

/* ---- A run's figures ---- */

/* Throughput: successful responses per second (NaN without a run). */
double claim_rps(const struct run_record *r);
/* The server's CPU time per request, µs (NaN without a run). */
double claim_cpu_us(const struct run_record *r);
/* Requests per second the server could serve on its CPUs: what it served where its CPUs were
 * the limit, else what its CPU per request allows (*estimated set). */
double claim_capacity(const struct run_record *r, int *estimated);
/* Whether there is a run and it has memory per connection (it held enough connections). */
static inline int claim_has_per_connection(const struct run_record *r)
{
    return r && r->per_connection.present == 1;
}

/* ---- A Docker session's runs: every status counts, not only the usable ---- */

/* srv's runs in scn: the lowest level that did not run cleanly (bad = 1), or the highest that
 * did (bad = 0); *n counts srv's runs there. */
const struct run_record *claim_container_edge(const struct claim_runs *v, int scn,
                                              const struct bench_server *srv, int bad, int *n);
/* The highest value of a run field (RUN_F_*) over srv's runs in scn (NaN: none). */
double claim_container_max(const struct claim_runs *v, int scn, const struct bench_server *srv,
                           int field);
/* Whether the server container was OOM-killed. */
int claim_oom_killed(const struct run_record *r);
/* Cites every run of srv in scn. */
void claim_cite_all(struct claim *c, const struct claim_runs *v, int scn,
                    const struct bench_server *srv);

/* ---- Formatting ---- */

/* "8.5 µs", "120 µs", "1.7 ms", "2.10 s" ("n/a": not a number). */
void claim_format_us(char *buf, size_t len, double us);

#endif
