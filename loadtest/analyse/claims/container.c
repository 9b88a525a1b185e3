/* The container claims, judged from a Docker session's constrained and memory scenarios: where
 * a thread per connection stops (the pids limit, the OOM killer) and whether the loop holds the
 * same connections in the same container. Every run counts here, not only the clean ones: a
 * refusal or a kill is the result. */
#include "claim.h"
#include "claims.h"

#include <math.h>

/* A thread run's memory per connection counts from this many connections held. */
#define CONTAINER_HELD_MIN 100
/* Under this much per connection, a thread costs its touched pages, not its stack. */
#define CONTAINER_THREAD_BYTES (1024.0 * 1024)

/* ---- A thread per connection stops at the container's pids limit ---- */

/* The lowest level thread mode did not run cleanly: why. */
static void pids_edge(struct claim *c, const struct run_record *bad, double pids,
                      const char *memory)
{
    if (claim_oom_killed(bad)) {
        claim_add(&c->measured,
                  "At %.0f connections the engine reports the server OOM-killed (exit %.0f) under "
                  "%s, before the pids limit (%.0f) was reached.",
                  bad->level, bad->docker.server.state.exit_code, memory ? memory : "?", pids);
        c->verdict = "partly";
        return;
    }
    double refused = bad->docker.server.cgroup.pids_refused;
    claim_add(&c->measured,
              "At %.0f connections thread mode held %.0f (pids peak %.0f of %.0f); %s.", bad->level,
              bad->held_connections, bad->docker.server.cgroup.pids_peak, pids,
              bad->reason ? bad->reason : bad->status);
    claim_figure(c, "held_connections", bad->held_connections);
    claim_figure(c, "pids_refused", refused);
    c->verdict = refused > 0 ? "holds" : "partly";
}

static void judge_pids(struct claim *c, const struct claim_runs *v)
{
    const struct rec_docker_session *d = &v->s->docker;
    double pids = d->limits.constrained_pids;
    int n, m;
    const struct run_record *bad = claim_container_edge(v, SCN_CONSTRAINED, claim_thread(), 1, &n);
    const struct run_record *top = claim_container_edge(v, SCN_CONSTRAINED, claim_thread(), 0, &m);
    claim_source(c, "the server container's cgroup (pids.current, pids.events), the server's "
                    "counters (errors.thread_create, connections.rejected) and the engine's "
                    "State.OOMKilled");
    claim_figure(c, "pids_limit", pids);
    if (!n)
        claim_add(&c->measured, "Thread mode did not run in the constrained scenario.");
    else if (!bad)
        claim_add(&c->measured,
                  "Thread mode ran every level cleanly, up to %.0f connections, under %.0f pids.",
                  top->level, pids);
    else
        pids_edge(c, bad, pids, d->limits.constrained_memory);
    claim_cite_all(c, v, SCN_CONSTRAINED, claim_thread());
    claim_add(&c->note, "Refusals: the cgroup's pids.events and the server's own counters "
                        "(errors.thread_create, connections.rejected); kills: the engine's "
                        "State.OOMKilled.");
}

const struct claim_def claim_container_pids = {
    .id = "pids",
    .claim = "A thread per connection stops at the container's pids limit.",
    .folklore = "Each thread is a task: a container's pids limit caps the connections a "
                "thread-per-connection server can hold.",
    .thresholds = "at the lowest level thread mode did not run cleanly: holds when the cgroup "
                  "refused thread creations (pids.events), partly when it failed otherwise (an "
                  "OOM kill, errors); not measured when every level ran cleanly",
    .judge = judge_pids,
    .container = SCN_BIT(CONSTRAINED),
};

/* ---- An event loop holds the same connections in the same container ---- */

static void judge_loop(struct claim *c, const struct claim_runs *v)
{
    int n, m;
    const struct run_record *lok =
        claim_container_edge(v, SCN_CONSTRAINED, claim_reference(), 0, &n);
    const struct run_record *tbad = claim_container_edge(v, SCN_CONSTRAINED, claim_thread(), 1, &m);
    double thold = claim_container_max(v, SCN_CONSTRAINED, claim_thread(), RUN_F_HELD_CONNECTIONS);
    claim_source(c, "TCP connections established to the server's port, sampled from the host; "
                    "the server container's cgroup");
    claim_cite_all(c, v, SCN_CONSTRAINED, claim_reference());
    if (!lok) {
        claim_add(&c->measured, "The loop ran no level cleanly.");
        c->verdict = n ? "does not hold" : "not measured";
        return;
    }
    char a[32];
    double held = lok->held_connections;
    claims_format_bytes(a, sizeof a, lok->docker.server.cgroup.memory_peak_bytes);
    claim_add(&c->measured,
              "Loop mode held %.0f connections at level %.0f with %.0f pids and %s of memory at "
              "peak",
              held, lok->level, lok->docker.server.cgroup.pids_peak, a);
    if (isfinite(thold))
        claim_add(&c->measured, "; thread mode held at most %.0f", thold);
    claim_add(&c->measured, ".");
    claim_figure(c, "loop_held_connections", held);
    claim_figure(c, "thread_held_connections", thold);
    c->verdict = !tbad ? "not measured" : held > (isfinite(thold) ? thold : 0) ? "holds" : "partly";
}

const struct claim_def claim_container_loop = {
    .id = "loop",
    .claim = "An event loop holds the same connections in the same container.",
    .folklore = "An event loop needs a thread per core, not per connection, so it is bounded by "
                "descriptors and memory, not tasks.",
    .thresholds = "holds when the loop's highest clean level held more connections than thread "
                  "mode ever did; partly when not more; does not hold when no loop level ran "
                  "cleanly; not measured when thread mode ran every level cleanly",
    .judge = judge_loop,
    .container = SCN_BIT(CONSTRAINED),
};

/* ---- A thread costs tens of KiB in a container, not its stack ---- */

/* The thread run whose memory per connection speaks for thread mode: the highest clean one that
 * held enough connections, else one the OOM killer did not end. */
static const struct run_record *thread_memory_run(const struct claim_runs *v)
{
    const struct run_record *clean = NULL, *any = NULL;
    claim_each(v, r)
    {
        if (!claim_is(r, SCN_CONSTRAINED, claim_thread()) ||
            !(r->held_connections >= CONTAINER_HELD_MIN) || !claim_has_per_connection(r))
            continue;
        if (record_status_is(r, "ok"))
            clean = r;
        else if (!claim_oom_killed(r))
            any = r;
    }
    return clean ? clean : any;
}

/* The loop's memory per connection at the same level, quoted beside it. */
static void memory_of_loop(struct claim *c, const struct claim_runs *v, double level)
{
    const struct run_record *l = NULL;
    char b[32];
    claim_each(v, r)
    {
        if (claim_is(r, SCN_CONSTRAINED, claim_reference()) && r->level == level &&
            claim_has_per_connection(r))
            l = r;
    }
    if (!l)
        return;
    claims_format_bytes(b, sizeof b, l->per_connection.total_bytes);
    claim_add(&c->measured, "; loop mode %s", b);
    claim_cite(c, l);
}

static void judge_thread_memory(struct claim *c, const struct claim_runs *v)
{
    const struct run_record *pc = thread_memory_run(v);
    claim_source(c, "the server container's cgroup memory: user memory, kernel stacks, page "
                    "tables");
    claim_add(&c->note, "The stack is reserved address space; only the pages a thread touches "
                        "are charged to the container.");
    if (!pc) {
        claim_add(&c->measured, "No thread run held %d connections or more.", CONTAINER_HELD_MIN);
        return;
    }
    char a[32];
    double per = pc->per_connection.total_bytes;
    claims_format_bytes(a, sizeof a, per);
    claim_add(&c->measured,
              "%s per connection in thread mode at %.0f connections (the container's cgroup "
              "memory: user memory, kernel stacks, page tables)",
              a, pc->level);
    memory_of_loop(c, v, pc->level);
    claim_add(&c->measured, ".");
    claim_figure(c, "thread_bytes_per_connection", per);
    c->verdict = per < CONTAINER_THREAD_BYTES ? "holds" : "does not hold";
    c->surprising = per < CONTAINER_THREAD_BYTES;
    claim_cite(c, pc);
}

const struct claim_def claim_container_memory = {
    .id = "thread_memory",
    .claim = "A thread costs tens of KiB of memory, not its 8 MiB stack.",
    .folklore = "Threads cost 8 MiB each.",
    .thresholds = "holds when a connection of thread mode grows the container's cgroup memory by "
                  "less than 1 MiB (at 100 connections or more); does not hold from 1 MiB",
    .judge = judge_thread_memory,
    .container = SCN_BIT(CONSTRAINED),
};

/* ---- Under a memory limit alone, thread-per-connection is OOM-killed where the loop holds */

/* srv's OOM-killed run at the lowest level in the memory scenario, or NULL. */
static const struct run_record *first_kill(const struct claim_runs *v,
                                           const struct bench_server *srv)
{
    const struct run_record *kill = NULL;
    claim_each(v, r)
    {
        if (claim_oom_killed(r) && claim_is(r, SCN_MEMORY, srv) &&
            (!kill || r->level < kill->level))
            kill = r;
    }
    return kill;
}

static void oom_thread(struct claim *c, const struct claim_runs *v, const struct run_record *kill)
{
    int n;
    const struct run_record *top = claim_container_edge(v, SCN_MEMORY, claim_thread(), 0, &n);
    if (!kill) {
        claim_add(&c->measured, "Thread mode was not OOM-killed (up to %.0f connections)",
                  claim_container_max(v, SCN_MEMORY, claim_thread(), RUN_F_LEVEL));
        return;
    }
    claim_add(&c->measured,
              "Thread mode was OOM-killed at %.0f connections (engine: OOMKilled, exit %.0f)",
              kill->level, kill->docker.server.state.exit_code);
    if (top)
        claim_add(&c->measured, " after holding %.0f at a lower level", top->held_connections);
}

static void oom_loop(struct claim *c, const struct run_record *kill, const struct run_record *ok)
{
    char a[32];
    if (kill) {
        claim_add(&c->measured, "; loop mode was OOM-killed at %.0f", kill->level);
    } else if (ok) {
        claims_format_bytes(a, sizeof a, ok->docker.server.cgroup.memory_peak_bytes);
        claim_add(&c->measured, "; loop mode held %.0f connections in %s at peak",
                  ok->held_connections, a);
    } else {
        claim_add(&c->measured, "; loop mode ran no level cleanly");
    }
}

static void judge_oom(struct claim *c, const struct claim_runs *v)
{
    const struct run_record *tkill = first_kill(v, claim_thread());
    const struct run_record *lkill = first_kill(v, claim_reference());
    int n;
    const struct run_record *lok = claim_container_edge(v, SCN_MEMORY, claim_reference(), 0, &n);
    const char *memory = v->s->docker.limits.memory_memory;
    claim_source(
        c, "the engine's State.OOMKilled, read after each run; the container's cgroup memory");
    oom_thread(c, v, tkill);
    oom_loop(c, lkill, lok);
    claim_add(&c->measured, " under %s.", memory ? memory : "?");
    c->verdict = tkill && !lkill && lok ? "holds" : !tkill ? "does not hold" : "partly";
    c->surprising = !tkill;
    claim_cite_all(c, v, SCN_MEMORY, claim_thread());
    claim_cite_all(c, v, SCN_MEMORY, claim_reference());
    claim_add(&c->note,
              "An OOM kill is the engine's record (State.OOMKilled), read after the run.");
}

const struct claim_def claim_container_oom = {
    .id = "oom",
    .claim = "Under a memory limit alone, thread-per-connection is OOM-killed where the loop "
             "holds.",
    .folklore = "Threads run out of memory long before an event loop does.",
    .thresholds = "holds when thread mode was OOM-killed and loop mode was not and ran a level "
                  "cleanly; does not hold when thread mode was not OOM-killed; partly otherwise",
    .judge = judge_oom,
    .container = SCN_BIT(MEMORY),
};
