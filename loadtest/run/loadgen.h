/* The two load generators behind one shape. wrk (closed loop, keep-alive) runs with a Lua
 * done() that prints its summary and latency percentiles as one JSON line; c10k-load writes
 * its JSON file (clients/README.md). Both become the same "client" object of results.json. */
#ifndef C10K_BENCH_LOADGEN_H
#define C10K_BENCH_LOADGEN_H

#include "plan.h"

#include <jansson.h>
#include <stddef.h>

/* The percentiles every run reports for the distribution plot. */
extern const double loadgen_percentiles[];
extern const size_t loadgen_n_percentiles;

#define LOADGEN_WRK_MARKER "C10K-WRK-JSON "
#define LOADGEN_MAX_ARGS 48

struct loadgen_argv {
    char *argv[LOADGEN_MAX_ARGS + 1];
    int argc;
    char store[LOADGEN_MAX_ARGS][256];
};

/* Writes the wrk Lua script to path. Returns 0 or a negative errno. */
int loadgen_write_wrk_script(const char *path);

/* Builds the command line of one client run. tool_path: the wrk or c10k-load executable;
 * duration_s and warmup_s are this invocation's (wrk has no warm-up of its own: the caller
 * runs it twice); out_path: c10k-load's --json file (unused for wrk); threads: client
 * threads. */
void loadgen_build(struct loadgen_argv *a, const struct run_spec *r, const char *tool_path,
                   const char *script_path, const char *url, double duration_s, double warmup_s,
                   int threads, const char *out_path);

/* Parses wrk's stdout (the file) into a client object (a new reference), or NULL with a reason
 * in err. */
json_t *loadgen_parse_wrk(const char *stdout_text, char *err, size_t err_len);

/* Parses c10k-load's JSON output into a client object, or NULL with a reason in err. */
json_t *loadgen_parse_load(const char *json_text, char *err, size_t err_len);

/* Percentiles [[p, value], ...] from histogram buckets [[lo, hi, count], ...]. */
json_t *loadgen_percentiles_from_buckets(const json_t *buckets);

#endif
