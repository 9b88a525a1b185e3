/* Threads give parallelism with shared memory. */
#include "claim.h"

/* The thread server keeps this share of the CPUs busy, and this many times one loop's cores:
 * it uses every core. */
#define PARALLEL_SHARE 0.8
#define CORES_OVER_LOOP 1.5

/* A server's run quoted beside the thread server's: its cores and throughput. */
static void quote(struct claim *c, const struct run_record *r)
{
    if (!r)
        return;
    claim_add(&c->measured, "; %s %.2f CPUs, %.0f req/s", r->model, r->server.cpu_cores,
              claim_rps(r));
    claim_cite(c, r);
}

/* The loop on every core, then each server beside it as it is and on every core: quoted, not
 * judged. */
static void quote_event_models(struct claim *c, const struct claim_runs *v, double level)
{
    const struct bench_server *ref = claim_reference();
    quote(c, claim_variant_at(v, SCN_CPU, ref, VARIANT_PER_CORE, level));
    for (int i = 0; i < SRV_COUNT; i++) {
        if (bench_servers[i].beside != server_id_of(ref))
            continue;
        quote(c, claim_run_at(v, SCN_CPU, &bench_servers[i], level));
        quote(c, claim_variant_at(v, SCN_CPU, &bench_servers[i], VARIANT_PER_CORE, level));
    }
}

static void judge_parallelism(struct claim *c, const struct claim_runs *v)
{
    const struct run_record *t = claim_top_run(v, SCN_CPU, claim_thread());
    const struct run_record *l = t ? claim_run_at(v, SCN_CPU, claim_reference(), t->level) : NULL;
    double cpus = v->s->cpus_allowed;
    if (t && cpus < 2) {
        claim_add(&c->measured, "One CPU only: parallelism cannot be measured here.");
        return;
    }
    if (!t || !l)
        return;
    double tc = t->server.cpu_cores, lc = l->server.cpu_cores;
    claim_source(c, "the cpu runs: the server's CPU seconds per second (/proc/PID/stat) and "
                    "throughput with /work");
    claim_add(&c->measured,
              "CPU-bound requests at %.0f connections: the thread server kept %.2f of %.0f CPUs "
              "busy and served %.0f req/s; one loop %.2f CPUs, %.0f req/s",
              t->level, tc, cpus, claim_rps(t), lc, claim_rps(l));
    claim_cite(c, t);
    claim_cite(c, l);
    quote_event_models(c, v, t->level);
    claim_add(&c->measured, ".");
    claim_figure(c, "thread_cpu_share", tc / cpus);
    claim_figure(c, "thread_over_loop_cores", tc / lc);
    claim_figure(c, "thread_over_loop_throughput", claim_rps(t) / claim_rps(l));
    int every_core = tc >= PARALLEL_SHARE * cpus && tc >= CORES_OVER_LOOP * lc;
    c->verdict = every_core ? "holds" : tc > lc ? "partly" : "does not hold";
    c->surprising = !every_core && !(tc > lc);
    claim_add(&c->note, "So do several event loops (--loops N, one SO_REUSEPORT listener each): "
                        "they are threads on one address space too, one per core rather than "
                        "one per connection.");
}

const struct claim_def claim_parallelism = {
    .id = "parallelism",
    .claim = "Threads give parallelism with shared memory: they use every core on one address "
             "space.",
    .folklore = "The benefit of threads; event loops cannot use more than one core.",
    .thresholds = "holds when the thread server kept at least 80% of the CPUs busy on CPU-bound "
                  "requests and at least 1.5x the cores of one loop; partly when more than one "
                  "loop but less; does not hold otherwise",
    .judge = judge_parallelism,
};
