/* Threads reserve their stack up front. */
#include "claim.h"
#include "claims.h"

#include <math.h>

/* A thread's virtual size grows by at least this share of its stack: the stack is reserved. */
#define RESERVED_SHARE 0.5
/* The stack size assumed where the calibration did not say. */
#define DEFAULT_STACK_BYTES (8.0 * 1024 * 1024)

/* The calibration's idle threads: what creating one added to the virtual and resident size. */
static void stack_calibration(struct claim *c, const struct claim_runs *v)
{
    const struct rec_calibration *cal = &v->s->calibration;
    double vsz = cal->idle_thread.vsize_bytes, rss = cal->idle_thread.rss_bytes;
    double stack = cal->idle_thread.stack_size_bytes;
    if (!isfinite(vsz) || !isfinite(rss))
        return;
    char a[32], b[32], d[32];
    claim_source(c, "calibration: VmSize and VmRSS of this process around creating idle threads");
    claims_format_bytes(a, sizeof a, vsz);
    claims_format_bytes(b, sizeof b, rss);
    claims_format_bytes(d, sizeof d, stack);
    claim_add(&c->measured,
              "Each idle thread created here grew the virtual size by %s (its stack is %s) and "
              "the resident memory by %s.",
              a, d, b);
    claim_figure(c, "reserved_bytes_per_thread", vsz);
    claim_figure(c, "resident_bytes_per_thread", rss);
    if (!isfinite(stack) || stack <= 0)
        stack = DEFAULT_STACK_BYTES;
    c->verdict = vsz >= RESERVED_SHARE * stack ? "holds" : "does not hold";
    c->surprising = vsz < RESERVED_SHARE * stack;
}

/* The thread server under load: its virtual and resident size per connection. */
static void stack_under_load(struct claim *c, const struct claim_runs *v)
{
    const struct run_record *t = claim_top_run(v, SCN_IDLE, claim_thread());
    if (!claim_has_per_connection(t))
        t = claim_top_run(v, SCN_SCALE, claim_thread());
    if (!claim_has_per_connection(t))
        return;
    char a[32], b[32];
    double vsz = t->per_connection.vsize_bytes, rss = t->per_connection.rss_bytes;
    claim_source(c, "the thread server under load: /proc/PID/status VmSize and VmRSS per "
                    "connection");
    claims_format_bytes(a, sizeof a, vsz);
    claims_format_bytes(b, sizeof b, rss);
    claim_add(&c->measured,
              " The thread server with %.0f connections (%s): %s of virtual size and %s "
              "resident per connection.",
              t->level, t->id, a, isfinite(rss) ? b : "too little to measure");
    claim_figure(c, "run_vsize_bytes_per_connection", vsz);
    claim_cite(c, t);
}

/* Where the reservation binds: threads that fit under an address-space limit. */
static void stack_address_space(struct claim *c, const struct claim_runs *v)
{
    const struct rec_calibration *cal = &v->s->calibration;
    if (cal->address_space.present != 1)
        return;
    char a[32], b[32], d[32];
    double fit_default = cal->address_space.threads_default_stack;
    double fit_small = cal->address_space.threads_small_stack;
    claim_source(c, "calibration: threads created under RLIMIT_AS until pthread_create fails");
    claims_format_bytes(a, sizeof a, cal->address_space.limit_bytes);
    claims_format_bytes(b, sizeof b, cal->address_space.default_stack_bytes);
    claims_format_bytes(d, sizeof d, cal->address_space.small_stack_bytes);
    claim_add(&c->measured,
              " Where it binds: under an address-space limit (RLIMIT_AS) of %s, %.0f threads fit "
              "with %s stacks and %.0f%s with %s stacks.",
              a, fit_default, b, fit_small,
              cal->address_space.small_stack_error ? "" : " (the cap)", d);
    claim_figure(c, "threads_under_rlimit_as_default_stack", fit_default);
    claim_figure(c, "threads_under_rlimit_as_small_stack", fit_small);
}

static void judge_stack(struct claim *c, const struct claim_runs *v)
{
    stack_calibration(c, v);
    stack_under_load(c, v);
    stack_address_space(c, v);
    claim_add(&c->note,
              "The reservation is address space, not memory: a stack's pages become resident "
              "only when touched. It binds where address space is limited (RLIMIT_AS, a 32-bit "
              "process), under vm.overcommit_memory=2 (the commit limit counts it) and through "
              "vm.max_map_count (two mappings per thread); --stack-size shrinks it.");
}

const struct claim_def claim_stack = {
    .id = "stack",
    .claim = "Threads reserve their stack up front: every thread takes preallocated stack space "
             "out of the process's virtual memory when it is created.",
    .folklore = "Threads cost 8 MiB each.",
    .thresholds = "holds when an idle thread's creation grows the virtual size by at least half "
                  "its stack size; does not hold below that",
    .judge = judge_stack,
};
