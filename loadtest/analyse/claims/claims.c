/* The claims' framework: finding runs, building one claim, judging every claim once per
 * repetition and merging the repetitions, then the surprises and the headline. The claims
 * themselves are one file each (claim.h lists them). */
#include "claims.h"

#include "claim.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void claims_format_bytes(char *buf, size_t len, double bytes)
{
    double a = fabs(bytes);
    if (!isfinite(bytes))
        snprintf(buf, len, "n/a");
    else if (a < 1024)
        snprintf(buf, len, "%.0f B", bytes);
    else if (a < 1024 * 1024)
        snprintf(buf, len, "%.1f KiB", bytes / 1024);
    else if (a < 1024.0 * 1024 * 1024)
        snprintf(buf, len, "%.2f MiB", bytes / (1024 * 1024));
    else
        snprintf(buf, len, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
}

void claim_format_us(char *buf, size_t len, double us)
{
    if (!isfinite(us))
        snprintf(buf, len, "n/a");
    else if (us < 10)
        snprintf(buf, len, "%.2f µs", us);
    else if (us < 1000)
        snprintf(buf, len, "%.0f µs", us);
    else if (us < 1e6)
        snprintf(buf, len, "%.1f ms", us / 1000);
    else
        snprintf(buf, len, "%.2f s", us / 1e6);
}

/* ---- Finding runs ---- */

const struct bench_server *claim_thread(void)
{
    return &bench_servers[SRV_THREAD];
}

const struct bench_server *claim_reference(void)
{
    for (int i = 0; i < SRV_COUNT; i++)
        if (bench_servers[i].reference)
            return &bench_servers[i];
    return NULL;
}

static enum variant_role role_of(const struct run_record *r)
{
    return r->srv->variants[r->variant].role;
}

static int is_variant(const struct run_record *r, int scn, const struct bench_server *srv,
                      enum variant_role role)
{
    return r->scn == &bench_scenarios[scn] && (!srv || (r->srv == srv && role_of(r) == role));
}

int claim_is(const struct run_record *r, int scn, const struct bench_server *srv)
{
    return is_variant(r, scn, srv, VARIANT_BASE);
}

const struct run_record *claim_variant_at(const struct claim_runs *v, int scn,
                                          const struct bench_server *srv, enum variant_role role,
                                          double level)
{
    claim_each(v, r)
    {
        if (is_variant(r, scn, srv, role) && record_usable(r) && r->level == level)
            return r;
    }
    return NULL;
}

const struct run_record *claim_run_at(const struct claim_runs *v, int scn,
                                      const struct bench_server *srv, double level)
{
    return claim_variant_at(v, scn, srv, VARIANT_BASE, level);
}

/* The usable run with the highest level (lowest = 0) or the lowest (lowest = 1). */
static const struct run_record *end_run(const struct claim_runs *v, int scn,
                                        const struct bench_server *srv, int lowest)
{
    const struct run_record *best = NULL;
    claim_each(v, r)
    {
        if (claim_is(r, scn, srv) && record_usable(r) &&
            (!best || (lowest ? r->level < best->level : r->level > best->level)))
            best = r;
    }
    return best;
}

const struct run_record *claim_top_run(const struct claim_runs *v, int scn,
                                       const struct bench_server *srv)
{
    return end_run(v, scn, srv, 0);
}

const struct run_record *claim_bottom_run(const struct claim_runs *v, int scn,
                                          const struct bench_server *srv)
{
    return end_run(v, scn, srv, 1);
}

double claim_rps(const struct run_record *r)
{
    return r ? r->client.good_per_s : NAN;
}

double claim_cpu_us(const struct run_record *r)
{
    return r ? r->server.cpu_us_per_request : NAN;
}

/* A load-bound run's throughput is the load generator's, but its CPU per request is its own. */
double claim_capacity(const struct run_record *r, int *estimated)
{
    const char *b = r->saturation.bottleneck;
    *estimated = 0;
    if (b && strcmp(b, "server") == 0)
        return claim_rps(r);
    double cpus = r->saturation.server_cpus, cpu = claim_cpu_us(r);
    *estimated = 1;
    return isfinite(cpu) && cpu > 0 ? (isfinite(cpus) ? cpus : 1) * 1e6 / cpu : NAN;
}

/* The reference stands for the event models in every verdict; a server the table puts beside it
 * is quoted at the same scenario and level, where it ran. */
static void quote_one(struct claim *c, const struct run_record *u, double level)
{
    char mem[32];
    claims_format_bytes(mem, sizeof mem, u->per_connection.total_bytes);
    claim_add(&c->measured, " Beside the %s, %s at %.0f: %.1f µs of CPU per request",
              claim_reference()->name, u->srv->name, level, claim_cpu_us(u));
    if (claim_has_per_connection(u))
        claim_add(&c->measured, ", %s per connection", mem);
    if (u->load_bound != 1 && isfinite(u->client.latency_us.p99))
        claim_add(&c->measured, ", p99 %.0f µs", u->client.latency_us.p99);
    claim_add(&c->measured, ".");
    claim_cite(c, u);
}

void claim_quote_beside(struct claim *c, const struct claim_runs *v, int scn, double level)
{
    int ref = server_id_of(claim_reference());
    for (int i = 0; i < SRV_COUNT; i++) {
        const struct run_record *u =
            bench_servers[i].beside == ref ? claim_run_at(v, scn, &bench_servers[i], level) : NULL;
        if (u)
            quote_one(c, u, level);
    }
}

/* A figure of two runs, "a against b" (n/a where one has none). */
static void quote_bytes_pair(struct claim *c, const struct run_record *u,
                             const struct run_record *w)
{
    char a[32], b[32];
    claims_format_bytes(a, sizeof a,
                        claim_has_per_connection(u) ? u->per_connection.total_bytes : NAN);
    claims_format_bytes(b, sizeof b,
                        claim_has_per_connection(w) ? w->per_connection.total_bytes : NAN);
    claim_add(&c->measured, ", %s against %s per connection", a, b);
}

/* u beside its look-alike w at one level: CPU per request, memory per connection, and how busy
 * each side's server CPUs and load generator were (a ratio means little where one was not). */
static void quote_pair(struct claim *c, const struct run_record *u, const struct run_record *w)
{
    const struct rec_saturation *su = &u->saturation, *sw = &w->saturation;
    claim_add(&c->measured, " %s beside %s at %.0f: %.1f against %.1f µs of CPU per request",
              u->srv->name, w->srv->name, u->level, claim_cpu_us(u), claim_cpu_us(w));
    if (claim_has_per_connection(u) || claim_has_per_connection(w))
        quote_bytes_pair(c, u, w);
    if (isfinite(su->server_busy) && isfinite(sw->server_busy))
        claim_add(&c->measured, "; server CPUs %.0f%% and %.0f%% busy", 100 * su->server_busy,
                  100 * sw->server_busy);
    if (isfinite(su->client_busy) && isfinite(sw->client_busy))
        claim_add(&c->measured, ", load generator %.0f%% and %.0f%%", 100 * su->client_busy,
                  100 * sw->client_busy);
    claim_add(&c->measured, ".");
    claim_cite(c, u);
    claim_cite(c, w);
}

/* srv's usable run in scn at level, or (level < 0) at the highest level its look-alike ran at
 * too; *like is the look-alike's. */
static const struct run_record *pair_at(const struct claim_runs *v, int scn,
                                        const struct bench_server *srv, double level,
                                        const struct run_record **like)
{
    const struct bench_server *w = &bench_servers[srv->beside];
    if (level >= 0) {
        *like = claim_run_at(v, scn, w, level);
        return *like ? claim_run_at(v, scn, srv, level) : NULL;
    }
    const struct run_record *best = NULL;
    claim_each(v, r)
    {
        const struct run_record *o =
            claim_is(r, scn, srv) && record_usable(r) ? claim_run_at(v, scn, w, r->level) : NULL;
        if (o && (!best || r->level > best->level)) {
            best = r;
            *like = o;
        }
    }
    return best;
}

void claim_quote_lookalikes(struct claim *c, const struct claim_runs *v, int scn, double level)
{
    int ref = server_id_of(claim_reference());
    for (int i = 0; i < SRV_COUNT; i++) {
        const struct bench_server *s = &bench_servers[i];
        const struct run_record *like = NULL;
        const struct run_record *u =
            s->beside >= 0 && s->beside != ref ? pair_at(v, scn, s, level, &like) : NULL;
        if (u && like)
            quote_pair(c, u, like);
    }
}

/* ---- A Docker session's runs ---- */

const struct run_record *claim_container_edge(const struct claim_runs *v, int scn,
                                              const struct bench_server *srv, int bad, int *n)
{
    const struct run_record *best = NULL;
    *n = 0;
    claim_each(v, r)
    {
        if (!claim_is(r, scn, srv))
            continue;
        ++*n;
        if (record_status_is(r, "ok") == bad)
            continue;
        if (!best || (bad ? r->level < best->level : r->level > best->level))
            best = r;
    }
    return best;
}

double claim_container_max(const struct claim_runs *v, int scn, const struct bench_server *srv,
                           int field)
{
    double m = NAN;
    claim_each(v, r)
    {
        double x = schema_num(&schema_run, field, r);
        if (claim_is(r, scn, srv) && isfinite(x) && !(x <= m))
            m = x;
    }
    return m;
}

int claim_oom_killed(const struct run_record *r)
{
    return r->docker.server.state.oom_killed == 1;
}

void claim_cite_all(struct claim *c, const struct claim_runs *v, int scn,
                    const struct bench_server *srv)
{
    claim_each(v, r)
    {
        if (claim_is(r, scn, srv))
            claim_cite(c, r);
    }
}

/* ---- Building one claim ---- */

void claim_add(struct claim_text *t, const char *fmt, ...)
{
    if (t->len >= sizeof t->s - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->s + t->len, sizeof t->s - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
    if (t->len >= sizeof t->s)
        t->len = sizeof t->s - 1;
}

void claim_figure(struct claim *c, const char *name, double v)
{
    json_object_set_new(c->figures, name, isfinite(v) ? json_real(v) : json_null());
}

void claim_figuref(struct claim *c, double v, const char *fmt, ...)
{
    char name[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    claim_figure(c, name, v);
}

void claim_cite(struct claim *c, const struct run_record *r)
{
    if (!r || !r->id)
        return;
    size_t i;
    json_t *e;
    json_array_foreach(c->evidence, i, e)
    {
        if (strcmp(json_string_value(e), r->id) == 0)
            return;
    }
    json_array_append_new(c->evidence, json_string(r->id));
}

void claim_source(struct claim *c, const char *text)
{
    json_array_append_new(c->sources, json_string(text));
}

void claim_verdict_of(struct claim *c, int costlier, int judged)
{
    if (judged > 0)
        c->verdict = costlier == judged ? "holds" : costlier > 0 ? "partly" : "does not hold";
}

/* Judges one claim from one repetition's runs (a new reference). */
static json_t *claim_judge(const struct claim_def *def, const struct claim_runs *v)
{
    struct claim c;
    memset(&c, 0, sizeof c);
    c.def = def;
    c.verdict = "not measured";
    c.figures = json_object();
    c.evidence = json_array();
    c.sources = json_array();
    def->judge(&c, v);
    json_t *j =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:o, s:o, s:o}", "id", def->id, "claim",
                  def->claim, "folklore", def->folklore, "measured",
                  c.measured.len ? c.measured.s : "not measured", "verdict", c.verdict,
                  "surprising", c.surprising, "note", c.note.s, "thresholds", def->thresholds,
                  "figures", c.figures, "evidence", c.evidence, "sources", c.sources);
    if (j && c.headline.len)
        json_object_set_new(j, "headline", json_string(c.headline.s));
    return j;
}

/* ---- Every claim, per repetition ---- */

#define CLAIM_ENTRY(name) &claim_##name,
static const struct claim_def *const claims_table[] = {CLAIMS(CLAIM_ENTRY)};
#undef CLAIM_ENTRY
#define N_CLAIMS (sizeof claims_table / sizeof claims_table[0])

static int container_session(const struct session_record *s)
{
    return s->docker.rest != NULL;
}

/* The scenarios (SCN_BIT()s) the runs are of. */
static unsigned scenarios_run(const struct claim_runs *v)
{
    unsigned bits = 0;
    claim_each(v, r)
    {
        if (r->scn)
            bits |= 1u << scenario_id_of(r->scn);
    }
    return bits;
}

/* The servers (SRV bits) the runs are of. */
static unsigned servers_run(const struct claim_runs *v)
{
    unsigned bits = 0;
    claim_each(v, r)
    {
        if (r->srv)
            bits |= 1u << server_id_of(r->srv);
    }
    return bits;
}

/* Whether a claim is judged from these runs: a local claim in a local session (one about some
 * servers where one of them ran), a container claim in a Docker session where its scenario
 * ran. */
static int judged_here(const struct claim_def *def, const struct claim_runs *v)
{
    if (container_session(v->s))
        return (def->container & scenarios_run(v)) != 0;
    return !def->container && (!def->servers || (def->servers & servers_run(v)));
}

/* The runs of one repetition (a run without one is of the first). */
static void repetition_view(const struct session_record *s, int rep, struct claim_runs *v)
{
    v->s = s;
    v->n = 0;
    for (size_t i = 0; i < s->n_runs; i++) {
        double r = s->runs[i].repetition;
        if ((isfinite(r) ? (int)r : 1) == rep)
            v->runs[v->n++] = &s->runs[i];
    }
}

/* Every claim's judgement of each repetition: per[claim * reps + repetition], NULL where the
 * claim is not judged. */
static void judge_repetitions(const struct session_record *s, int reps, json_t **per,
                              const struct run_record **buf)
{
    struct claim_runs v = {.runs = buf};
    for (int k = 0; k < reps; k++) {
        repetition_view(s, k + 1, &v);
        for (size_t c = 0; c < N_CLAIMS; c++)
            if (judged_here(claims_table[c], &v))
                per[c * (size_t)reps + (size_t)k] = claim_judge(claims_table[c], &v);
    }
}

/* Each figure's [min, max] over the repetitions' judgements. */
static json_t *figure_spread(json_t **per, int reps)
{
    json_t *spread = json_object();
    for (int k = 0; k < reps; k++) {
        const char *name;
        json_t *f;
        json_object_foreach(json_object_get(per[k], "figures"), name, f)
        {
            if (!json_is_number(f))
                continue;
            double x = json_number_value(f);
            json_t *mm = json_object_get(spread, name);
            if (!mm) {
                json_object_set_new(spread, name, json_pack("[f, f]", x, x));
                continue;
            }
            double lo = json_number_value(json_array_get(mm, 0));
            double hi = json_number_value(json_array_get(mm, 1));
            json_array_set_new(mm, 0, json_real(x < lo ? x : lo));
            json_array_set_new(mm, 1, json_real(x > hi ? x : hi));
        }
    }
    return spread;
}

static const char *verdict_of(const json_t *claim)
{
    return json_string_value(json_object_get(claim, "verdict"));
}

/* Why a claim is unstable: each repetition's verdict and the figures that moved. */
static void unstable_text(json_t **per, int reps, const json_t *spread, struct claim_text *t)
{
    claim_add(t, "The verdict changed between repetitions (");
    for (int k = 0; k < reps; k++)
        claim_add(t, "%s%d: %s", k ? ", " : "", k + 1, verdict_of(per[k]));
    claim_add(t, "); the figures that decide it ranged:");
    const char *name;
    json_t *mm;
    int n = 0;
    json_object_foreach((json_t *)spread, name, mm)
    {
        double lo = json_number_value(json_array_get(mm, 0));
        double hi = json_number_value(json_array_get(mm, 1));
        if (hi != lo)
            claim_add(t, "%s %s %.3g to %.3g", n++ ? "," : "", name, lo, hi);
    }
    claim_add(t, "%s.", n ? "" : " none moved (a figure was missing in one)");
}

/* One claim's judgements merged: the first is the one shown, every verdict is listed, figures
 * get their min-max, and differing verdicts make it unstable. */
static json_t *merge_repetitions(json_t **per, int reps)
{
    json_t *out = json_deep_copy(per[0]);
    json_t *verdicts = json_array(), *spread = figure_spread(per, reps);
    int stable = 1;
    for (int k = 0; k < reps; k++) {
        json_array_append_new(verdicts, json_string(verdict_of(per[k])));
        stable &= strcmp(verdict_of(per[k]), verdict_of(per[0])) == 0;
    }
    json_object_set_new(out, "repetitions", json_integer(reps));
    json_object_set_new(out, "verdicts", verdicts);
    json_object_set_new(out, "spread", spread);
    json_object_set_new(out, "stable", json_boolean(stable));
    if (stable) {
        json_object_set_new(out, "unstable", json_null());
        return out;
    }
    struct claim_text t = {0};
    unstable_text(per, reps, spread, &t);
    json_object_set_new(out, "verdict", json_string("unstable"));
    json_object_set_new(out, "unstable", json_string(t.s));
    return out;
}

/* The claims judged in every repetition, merged. */
static json_t *judge_claims(const struct session_record *s)
{
    int reps = isfinite(s->repeat) && s->repeat >= 1 ? (int)s->repeat : 1;
    json_t *claims = json_array();
    json_t **per = calloc((size_t)reps * N_CLAIMS, sizeof *per);
    const struct run_record **buf = calloc(s->n_runs ? s->n_runs : 1, sizeof *buf);
    if (per && buf)
        judge_repetitions(s, reps, per, buf);
    for (size_t c = 0; per && buf && c < N_CLAIMS; c++) {
        json_t **one = &per[c * (size_t)reps];
        int judged = 1;
        for (int k = 0; k < reps; k++)
            judged &= one[k] != NULL;
        if (judged)
            json_array_append_new(claims, merge_repetitions(one, reps));
        for (int k = 0; k < reps; k++)
            json_decref(one[k]);
    }
    free(per);
    free(buf);
    return claims;
}

/* ---- Surprises ---- */

static void append(json_t *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(json_t *out, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(out, json_string(msg));
}

static int fixed_workers(const struct run_record *r)
{
    return r->srv && r->srv->fixed_workers;
}

/* A run that failed, had errors (not where a fixed set of workers explains them), carries
 * notes, or whose client and server counts disagree. */
static void run_surprises(const struct run_record *r, json_t *out)
{
    const char *reason = r->reason;
    if (record_status_is(r, "failed"))
        append(out, "%s failed: %s", r->id, reason ? reason : "");
    else if (record_status_is(r, "errors") && r->model && !fixed_workers(r))
        append(out, "%s: %s", r->id, reason ? reason : "errors");
    size_t k;
    json_t *note;
    json_array_foreach(r->notes, k, note)
    {
        append(out, "%s: %s", r->id, json_string_value(note));
    }
    double cc = r->server.crosscheck;
    if (isfinite(cc) && r->server.crosscheck_ok == 0 && record_usable(r))
        append(out,
               "%s: the client counted %.1f%% of the requests the server counted (requests in "
               "flight when the client stopped, or errors)",
               r->id, 100 * cc);
}

/* The connection-tracking table as the environment describes the machine (passed through: a
 * fact about the machine, not a figure of a run), or NULL where it is not loaded. */
static const json_t *conntrack_table(const struct session_record *s)
{
    const json_t *ct = json_object_get(json_object_get(s->environment, "limits"), "nf_conntrack");
    return json_is_object(ct) ? ct : NULL;
}

static void conntrack_surprise(const struct claim_runs *v, json_t *out)
{
    const json_t *ct = conntrack_table(v->s);
    if (!ct)
        return;
    const json_t *max = json_object_get(ct, "max");
    double waited = 0;
    claim_each(v, r)
    {
        if (isfinite(r->conntrack_wait_s))
            waited += r->conntrack_wait_s;
    }
    append(out,
           "Netfilter connection tracking is loaded here (Docker or a firewall loads it): every "
           "connection, loopback ones too, holds one of its %.0f entries until 120 s after it "
           "closes, and a full table drops new connections. Runs waited %.0f s in all for it to "
           "empty; a run during which it filled says so.",
           json_is_number(max) ? json_number_value(max) : NAN, waited);
}

/* A fixed set of workers all busy, once, with what it means. */
static void workers_surprise(const struct claim_runs *v, json_t *out)
{
    claim_each(v, r)
    {
        if (!fixed_workers(r) || !record_status_is(r, "errors"))
            continue;
        append(out,
               "The pool had client errors (%s: %s). Every worker was busy (a blocking /sleep "
               "holds one for its whole wait, as does a connection under --hold), so ready "
               "requests waited for a worker past the client's timeout: expected for this "
               "model, whose size shows in its latency.",
               r->id, r->reason ? r->reason : "errors");
        return;
    }
}

/* What changes the numbers of a Docker session, said once. */
static void container_caveats(const struct session_record *s, json_t *out)
{
    append(out, "Containers talk over a bridge (a veth pair each and the bridge): expect less "
                "throughput and more latency than loopback on the same machine.");
    append(out, "CPU limits are CFS quotas (cpus=N), not pinned cores: a server that uses its "
                "quota early in a 100 ms period waits for the next one, which shows in the tail "
                "latency.");
    const char *seccomp = s->docker.limits.server_seccomp;
    if (seccomp)
        append(out, "The server container ran under the seccomp profile %s.", seccomp);
    else
        append(out, "The server container ran under Docker's default seccomp profile (which, "
                    "since Docker 25, forbids io_uring: a uring server then reports it and its "
                    "runs are skipped).");
    append(out, "Memory per connection is the growth of the server container's cgroup memory, "
                "which includes kernel memory charged to it (thread kernel stacks, page tables; "
                "socket buffers only under cgroup v2), divided by the connections the server "
                "held.");
}

static json_t *surprises(const struct claim_runs *v)
{
    json_t *out = json_array();
    claim_each(v, r)
    {
        run_surprises(r, out);
    }
    conntrack_surprise(v, out);
    workers_surprise(v, out);
    if (container_session(v->s))
        container_caveats(v->s, out);
    return out;
}

/* ---- Headline ---- */

/* A Docker session's first line: the image and how long the test took. */
static void image_line(const struct session_record *s, json_t *out)
{
    const struct rec_docker_session *d = &s->docker;
    append(out, "Image %s: %.0f MB; the Docker test took %.0f s (image build %.0f s).", d->image,
           d->image_bytes / 1e6, d->elapsed_s, d->build_s);
}

/* Scale: every server at the highest level the reference reached; by CPU per request where a
 * run there was load-bound (its throughput measured the load generator). */
static void scale_line(const struct claim_runs *v, json_t *out)
{
    const struct run_record *top = claim_top_run(v, SCN_SCALE, claim_reference());
    if (!top)
        top = claim_top_run(v, SCN_SCALE, NULL);
    if (!top)
        return;
    int bound = 0;
    for (int i = 0; i < SRV_COUNT; i++) {
        const struct run_record *r = claim_run_at(v, SCN_SCALE, &bench_servers[i], top->level);
        bound |= r && r->load_bound == 1;
    }
    struct claim_text t = {0};
    claim_add(&t, "scale, %.0f connections%s:", top->level,
              bound ? " (load-bound: compared by server CPU per request)" : "");
    for (int i = 0; i < SRV_COUNT; i++) {
        const struct run_record *r = claim_run_at(v, SCN_SCALE, &bench_servers[i], top->level);
        char p99[32];
        if (!r)
            continue;
        claim_format_us(p99, sizeof p99, r->client.latency_us.p99);
        if (bound)
            claim_add(&t, " %s %.2f µs;", r->srv->name, claim_cpu_us(r));
        else
            claim_add(&t, " %s %.0f req/s (p99 %s, %.2f µs CPU per request);", r->srv->name,
                      claim_rps(r), p99, claim_cpu_us(r));
    }
    json_array_append_new(out, json_string(t.s));
}

static void idle_line(const struct claim_runs *v, json_t *out)
{
    const struct run_record *it = claim_top_run(v, SCN_IDLE, claim_reference());
    if (!it)
        return;
    struct claim_text t = {0};
    claim_add(&t, "idle, %.0f connections, memory per connection:", it->level);
    for (int i = 0; i < SRV_COUNT; i++) {
        const struct run_record *r = claim_run_at(v, SCN_IDLE, &bench_servers[i], it->level);
        if (!claim_has_per_connection(r))
            continue;
        char a[32], b[32];
        double u = r->per_connection.rss_bytes, k = r->per_connection.kernel_bytes;
        claims_format_bytes(a, sizeof a, u);
        claims_format_bytes(b, sizeof b, k);
        claim_add(&t, " %s %s user + %s kernel;", r->srv->name, isfinite(u) ? a : "~0",
                  isfinite(k) ? b : "~0");
    }
    json_array_append_new(out, json_string(t.s));
}

/* Every variant of every server at the level the reference reached, first repetition. */
static void cpu_line(const struct claim_runs *v, json_t *out)
{
    const struct run_record *cl = claim_top_run(v, SCN_CPU, claim_reference());
    if (!cl)
        return;
    struct claim_text t = {0};
    claim_add(&t, "cpu, %.0f connections:", cl->level);
    claim_each(v, r)
    {
        if (claim_is(r, SCN_CPU, NULL) && record_usable(r) && r->level == cl->level &&
            r->repetition <= 1)
            claim_add(&t, " %s %.0f req/s on %.2f cores;", r->model, claim_rps(r),
                      r->server.cpu_cores);
    }
    json_array_append_new(out, json_string(t.s));
}

/* Per server in a container scenario: the highest level held cleanly, the first that was not
 * and why, the memory and pids peaks, and the highest level's memory per connection. */
static void container_server_line(const struct claim_runs *v, int scn,
                                  const struct bench_server *srv, const char *title, json_t *out)
{
    int n;
    const struct run_record *ok = claim_container_edge(v, scn, srv, 0, &n);
    const struct run_record *bad = claim_container_edge(v, scn, srv, 1, &n);
    if (!n)
        return;
    struct claim_text t = {0};
    char mem[32];
    claim_add(&t, "%s, %s: ", title, srv->name);
    if (ok)
        claim_add(&t, "held %.0f connections cleanly", ok->level);
    else
        claim_add(&t, "no level ran cleanly");
    if (bad)
        claim_add(&t, "; at %.0f: %s", bad->level, bad->reason ? bad->reason : bad->status);
    double peak = claim_container_max(v, scn, srv, RUN_F_DOCKER_SERVER_CGROUP_MEMORY_PEAK_BYTES);
    double pids = claim_container_max(v, scn, srv, RUN_F_DOCKER_SERVER_CGROUP_PIDS_PEAK);
    claims_format_bytes(mem, sizeof mem, peak);
    if (isfinite(peak) && isfinite(pids))
        claim_add(&t, "; peak %s and %.0f pids", mem, pids);
    const struct run_record *pc = NULL;
    claim_each(v, r)
    {
        if (claim_is(r, scn, srv) && claim_has_per_connection(r))
            pc = r;
    }
    if (pc) {
        claims_format_bytes(mem, sizeof mem, pc->per_connection.total_bytes);
        claim_add(&t, ", %s per connection", mem);
    }
    claim_add(&t, ".");
    json_array_append_new(out, json_string(t.s));
}

static void container_lines(const struct claim_runs *v, json_t *out)
{
    const struct rec_docker_session *d = &v->s->docker;
    char title[160];
    snprintf(title, sizeof title, "Constrained (%s, %.0f pids)", d->limits.constrained_memory,
             d->limits.constrained_pids);
    for (int i = 0; i < SRV_COUNT; i++)
        container_server_line(v, SCN_CONSTRAINED, &bench_servers[i], title, out);
    snprintf(title, sizeof title, "Memory (%s, %.0f pids)", d->limits.memory_memory,
             d->limits.memory_pids);
    for (int i = 0; i < SRV_COUNT; i++)
        container_server_line(v, SCN_MEMORY, &bench_servers[i], title, out);
}

static void machine_line(const struct session_record *s, json_t *out)
{
    const struct rec_calibration *cal = &s->calibration;
    if (cal->context_switch.present != 1)
        return;
    char a[32], b[32], c[32];
    claims_format_bytes(a, sizeof a, cal->idle_thread.rss_bytes);
    claims_format_bytes(b, sizeof b, cal->idle_thread.kernel_stack_bytes);
    claims_format_bytes(c, sizeof c, cal->idle_thread.vsize_bytes);
    append(out,
           "this machine: a context switch %.2f µs (threads) / %.2f µs (processes); creating a "
           "thread %.1f µs; an idle thread %s resident + %s kernel stack, %s reserved",
           cal->context_switch.thread_pair_ns / 1000, cal->context_switch.process_pair_ns / 1000,
           cal->thread_create.create_join_ns / 1000, a, b, c);
}

/* A line for each claim that has one (the Python claims): its verdict and its figures. */
static void claim_lines(const json_t *claims, json_t *out)
{
    size_t i;
    json_t *cm;
    json_array_foreach(claims, i, cm)
    {
        const char *line = json_string_value(json_object_get(cm, "headline"));
        if (line)
            append(out, "%s %s: %s", json_string_value(json_object_get(cm, "id")), verdict_of(cm),
                   line);
    }
}

static void claims_line(const json_t *claims, json_t *out)
{
    struct claim_text t = {0};
    size_t i;
    json_t *cm;
    claim_add(&t, "claims:");
    json_array_foreach(claims, i, cm)
        claim_add(&t, " %s %s;", json_string_value(json_object_get(cm, "id")), verdict_of(cm));
    if (json_array_size(claims) == 0)
        claim_add(&t, " none judged (no scenario of this session answers one)");
    json_array_append_new(out, json_string(t.s));
}

static json_t *headline(const struct claim_runs *v, const json_t *claims)
{
    json_t *out = json_array();
    if (container_session(v->s))
        image_line(v->s, out);
    scale_line(v, out);
    idle_line(v, out);
    cpu_line(v, out);
    if (container_session(v->s))
        container_lines(v, out);
    machine_line(v->s, out);
    claim_lines(claims, out);
    claims_line(claims, out);
    return out;
}

void claims_build(struct session_record *s)
{
    const struct run_record **all = calloc(s->n_runs ? s->n_runs : 1, sizeof *all);
    struct claim_runs v = {.s = s, .runs = all, .n = all ? s->n_runs : 0};
    for (size_t i = 0; i < v.n; i++)
        all[i] = &s->runs[i];
    record_set_json(&s->claims, judge_claims(s));
    record_set_json(&s->surprises, surprises(&v));
    record_set_json(&s->headline, headline(&v, s->claims));
    free(all);
}
