/* Processes do not share memory: each gets its own copy of the data. */
#include "claim.h"
#include "claims.h"

#include <math.h>

/* Reading: the processes hold private copies when their private bytes add up to at least half
 * a data set per worker (holds). Writing: a second copy has appeared when the private bytes of
 * every process together reach one data set (partly). Below both, they share it. */
#define COPIES_PER_WORKER 0.5
#define COPIES_WRITTEN 1.0

/* The process servers the claim is about, and the thread servers held beside them: C's, then
 * Python's (a ProcessPoolExecutor's forked workers, where reference counting writes to the
 * objects a worker only reads). */
static const int process_servers[] = {SRV_PREFORK, SRV_PROCESS, SRV_PY_PROCESSPOOL};
static const int thread_servers[] = {SRV_THREAD, SRV_POOL, SRV_PY_THREADS, SRV_PY_THREADPOOL};

/* One server's figures in a data set run: its processes, all its private bytes, a worker's and
 * its PSS, each in data sets. */
static void quote_run(struct claim *c, const struct run_record *r, const char *what, int *n)
{
    char a[32], b[32], w[32];
    claims_format_bytes(a, sizeof a, r->server.tree.uss_bytes);
    claims_format_bytes(b, sizeof b, r->server.tree.pss_bytes);
    claims_format_bytes(w, sizeof w, r->server.tree.uss_per_worker_bytes);
    claim_add(&c->measured,
              "%s %s: %.0f process%s, %s private in all (%.2f data sets), %s per worker (%.3f), "
              "%s by PSS",
              (*n)++ ? ";" : "", r->srv->name, r->server.tree.processes,
              r->server.tree.processes == 1 ? "" : "es", a,
              r->server.tree.uss_bytes / DATASET_BYTES, w,
              r->server.tree.uss_per_worker_bytes / DATASET_BYTES, b);
    claim_figuref(c, r->server.tree.uss_bytes / DATASET_BYTES, "%s_%s_private_data_sets",
                  r->srv->name, what);
    claim_figuref(c, r->server.tree.uss_per_worker_bytes, "%s_%s_private_per_worker_bytes",
                  r->srv->name, what);
    claim_figuref(c, r->server.tree.pss_bytes / DATASET_BYTES, "%s_%s_pss_data_sets", r->srv->name,
                  what);
    claim_cite(c, r);
}

static int has_tree(const struct run_record *r)
{
    return r && r->server.tree.present == 1 && isfinite(r->server.tree.uss_bytes) &&
           isfinite(r->server.tree.uss_per_worker_bytes);
}

/* The runs of scn at the highest level the first process server reached: returns how many
 * private data sets per worker the process servers held (NaN: none ran), *over the total's
 * largest in data sets. */
static double copies_in(struct claim *c, const struct claim_runs *v, int scn, const char *what,
                        double *total)
{
    /* The highest level at which the first process server's memory was read. */
    const struct run_record *top = NULL;
    for (size_t i = 0; i < sizeof process_servers / sizeof process_servers[0] && !top; i++)
        claim_each(v, r)
        {
            if (claim_is(r, scn, &bench_servers[process_servers[i]]) && record_usable(r) &&
                has_tree(r) && (!top || r->level > top->level))
                top = r;
        }
    *total = NAN;
    if (!top)
        return NAN;
    claim_add(&c->measured, " %s at %.0f connections:", bench_scenarios[scn].title, top->level);
    double per_worker = NAN;
    int n = 0;
    for (size_t i = 0; i < sizeof process_servers / sizeof process_servers[0]; i++) {
        const struct run_record *r =
            claim_run_at(v, scn, &bench_servers[process_servers[i]], top->level);
        if (!has_tree(r))
            continue;
        quote_run(c, r, what, &n);
        double copies = r->server.tree.uss_bytes / DATASET_BYTES;
        double worker = r->server.tree.uss_per_worker_bytes / DATASET_BYTES;
        if (!isfinite(per_worker) || worker > per_worker)
            per_worker = worker;
        if (!isfinite(*total) || copies > *total)
            *total = copies;
    }
    for (size_t i = 0; i < sizeof thread_servers / sizeof thread_servers[0]; i++) {
        const struct run_record *r =
            claim_run_at(v, scn, &bench_servers[thread_servers[i]], top->level);
        if (has_tree(r))
            quote_run(c, r, what, &n);
    }
    claim_add(&c->measured, ".");
    return per_worker;
}

/* Python's answer beside C's: a process pool worker's private bytes after reading against
 * prefork's, at the process pool's highest level. The keys walk in order (c10k-load --keys), so
 * a run that did not reach every key read the first total_requests of them: what a worker
 * gained over its bytes before the load, per key read, says what reading them all would cost. */
static void python_answer(struct claim *c, const struct claim_runs *v)
{
    const struct run_record *py = claim_top_run(v, SCN_DATASET, &bench_servers[SRV_PY_PROCESSPOOL]);
    if (!has_tree(py))
        return;
    const struct run_record *pf =
        claim_run_at(v, SCN_DATASET, &bench_servers[SRV_PREFORK], py->level);
    double worker = py->server.tree.uss_per_worker_bytes;
    double before = py->server.tree.uss_per_worker_baseline_bytes;
    double keys =
        py->client.total_requests > 0 ? fmin(py->client.total_requests, DATASET_KEYS) : NAN;
    double per_key = isfinite(before) && worker > before ? (worker - before) / keys : NAN;
    char w[32], p[32];
    claims_format_bytes(w, sizeof w, worker);
    claim_figure(c, "python_reads_private_per_worker_bytes", worker);
    claim_figure(c, "python_reads_keys_share", keys / DATASET_KEYS);
    claim_figure(c, "python_reads_private_bytes_per_key", per_key);
    claim_add(&c->note, " Python beside C: each of py-processpool's %.0f workers held %s alone",
              py->server.tree.processes - 1, w);
    if (isfinite(keys))
        claim_add(&c->note, " after the server read %.0f%% of the keys", 100 * keys / DATASET_KEYS);
    claim_add(&c->note, " (%.3f data sets)", worker / DATASET_BYTES);
    if (has_tree(pf)) {
        claims_format_bytes(p, sizeof p, pf->server.tree.uss_per_worker_bytes);
        claim_add(&c->note, ", prefork's %s", p);
    }
    if (isfinite(per_key)) {
        claims_format_bytes(p, sizeof p, before + per_key * DATASET_KEYS);
        claim_add(&c->note,
                  ": %.0f bytes per key read over its bytes before the load, so about %s (%.2f "
                  "data sets) once every key is read. A read takes a reference to the entry's "
                  "object, a write to its header: a worker copies the pages of the headers it "
                  "reads, not those of the data",
                  per_key, p, (before + per_key * DATASET_KEYS) / DATASET_BYTES);
    }
    claim_add(&c->note, ".");
    claim_cite(c, py);
}

static void judge_copies(struct claim *c, const struct claim_runs *v)
{
    char size[32];
    claims_format_bytes(size, sizeof size, DATASET_BYTES);
    claim_source(c, "dataset runs: /proc/PID/smaps_rollup of every process of the server, "
                    "summed (private = Private_Clean + Private_Dirty)");
    claim_add(&c->measured, "Serving a %s data set built before the workers were forked.", size);
    double reads_total, writes_total;
    double reads = copies_in(c, v, SCN_DATASET, "reads", &reads_total);
    double writes = copies_in(c, v, SCN_DATASET_WRITE, "writes", &writes_total);
    claim_figure(c, "reads_private_data_sets_per_worker", reads);
    claim_figure(c, "writes_private_data_sets", writes_total);
    if (!isfinite(reads) && !isfinite(writes))
        return;
    if (reads >= COPIES_PER_WORKER)
        c->verdict = "holds";
    else if (writes_total >= COPIES_WRITTEN)
        c->verdict = "partly";
    else
        c->verdict = "does not hold";
    c->surprising = reads < COPIES_PER_WORKER;
    claim_add(&c->note, "fork() shares the parent's pages copy-on-write: a worker that only "
                        "reads the data set holds none of it alone, and one that writes gets its "
                        "own copy of each page it writes, page by page (over a run longer than "
                        "this one, of every page it writes). Threads hold one copy, whatever "
                        "they do.");
    python_answer(c, v);
}

const struct claim_def claim_copies = {
    .id = "copies",
    .claim = "Processes do not share memory: each process gets its own copy of the data it "
             "serves, where threads share one.",
    .folklore = "A pool of processes multiplies the memory of its data by the number of workers.",
    .thresholds = "holds when, reading, the process servers' private bytes come to at least half "
                  "a data set per worker; partly when only writing brings them to a whole data "
                  "set in all; does not hold when neither",
    .judge = judge_copies,
    .servers = 1u << SRV_PREFORK | 1u << SRV_PROCESS | 1u << SRV_PY_PROCESSPOOL,
};
