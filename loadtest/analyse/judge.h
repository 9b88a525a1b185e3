/* The one judge of a run, local or in Docker: which side set the pace, whether the client's and
 * the server's counts agree, and the run's status and reason from what the client, the server,
 * the kernel and (in Docker) the engine counted. Each reads and writes fields of the record only,
 * so that both inputs (run/run.c's measurements, analyse/docker.c's collected files) meet the
 * same thresholds, stated once here. */
#ifndef C10K_BENCH_JUDGE_H
#define C10K_BENCH_JUDGE_H

#include "record.h"

struct bench_env;

/* Client errors below this share of the requests still leave a run "ok" (a handful of
 * connections reset when a run stops are not a result). */
#define JUDGE_ERROR_SHARE 0.001
/* Client and server counts may differ by this share besides the requests in flight. */
#define JUDGE_CROSSCHECK_SHARE 0.02
/* A CPU busy this share of the time or more was saturated: the server's decides whether a
 * throughput figure measured the server, the load generator's whether it limited the load. */
#define JUDGE_SATURATED_SHARE 0.90
/* A server holding fewer than this share of the run's connections at its peak left the rest in
 * the listen queue. */
#define JUDGE_HELD_SHARE 0.9
/* Below this many connections the held share is not judged. */
#define JUDGE_HELD_MIN 100
/* A connection-tracking table fuller than this during a run dropped connections. */
#define JUDGE_CONNTRACK_FULL 0.97
#define JUDGE_CONNTRACK_HOW                                                                        \
    "raise net.netfilter.nf_conntrack_max (sysctl -w net.netfilter.nf_conntrack_max=1048576), "    \
    "or do not track loopback (iptables -t raw -I OUTPUT -o lo -j NOTRACK; iptables -t raw -I "    \
    "PREROUTING -i lo -j NOTRACK)"

/* What held back a run that neither side saturated, from the machine's CPUs over its window (%
 * of all their time, /proc/stat): less idle than this, or more stolen by the hypervisor, and
 * there was no CPU to spare ("machine limit": other work, or the run's own processes beside the
 * two measured); more waiting on I/O than this, with CPU to spare, "stall"; otherwise the CPUs
 * idled between round trips ("latency-bound": too few requests in flight to fill either side). */
#define JUDGE_MACHINE_IDLE_PCT 10.0
#define JUDGE_MACHINE_STEAL_PCT 5.0
#define JUDGE_MACHINE_IOWAIT_PCT 5.0
/* "machine limit", "stall", "latency-bound", or "unknown" (no /proc/stat figures). */
const char *judge_held_back_by(double idle_pct, double steal_pct, double iowait_pct);

/* What limited a run, from how busy the server's CPUs and the load generator's threads were
 * (shares of 1; client_busy NaN when unknown): "server", "load generator" (load-bound),
 * "neither", "unknown", or "fixed rate" (open loop). */
const char *judge_bottleneck_of(double server_busy, double client_busy, int open_loop);
/* Sets the saturation's bottleneck and load_bound from its busy shares, and notes a load-bound
 * run. cpu_word says what the server's share is of ("CPU", "CPU quota"). */
void judge_bottleneck(struct run_record *r, int open_loop, const char *cpu_word);

/* The client's requests against the server's count: without the answers the server refused
 * at admission (non-2xx, not in its count), allowing for the requests in flight at each end
 * and those the client gave up on. Sets server.crosscheck, _difference_pct and _ok. */
void judge_crosscheck(struct run_record *r);

/* server.refused from the server's own counters (server.counters). */
void judge_refusals_from_counters(struct run_record *r);

/* What a judge may need besides the record. */
struct judge_context {
    const struct bench_env *env; /* local: to name the limit thread creation hit; else NULL */
    double pool_workers;         /* the pool's workers, where known (NaN: not) */
    const char *server_ended;    /* the server ended during the run: how (NULL: it did not) */
};

/* The run's status and reason from what was counted: the server killed or refused, client
 * errors, nothing answered, connections left in the listen queue. */
void judge_run(struct run_record *r, const struct judge_context *cx);

/* Whether the connection-tracking table (max entries) filled during the run (peak entries). */
void judge_conntrack(struct run_record *r, double peak, long long max);

#endif
