/* The files of a session: results.json (everything; its shape is documented in
 * loadtest/README.md), results.csv (one row per run). Both are rewritten after every run, each
 * through a temporary file and a rename, so that an interrupted session leaves whole files. */
#ifndef C10K_BENCH_RESULTS_H
#define C10K_BENCH_RESULTS_H

#include <jansson.h>
#include <stdio.h>

#define RESULTS_SCHEMA "c10k-bench/1"

/* The value at a dotted path ("server.requests"), or NULL. A key with dots in it is found
 * too ("server.counters.errors.thread_create" for the key "errors.thread_create"). */
json_t *results_get(const json_t *root, const char *path);
/* Its number, or NaN when absent or not a number. */
double results_num(const json_t *root, const char *path);

/* The largest file c10k-bench reads whole: a load generator's JSON with its histograms and
 * per-second series, a wrapper's counts, Chart.js, a Docker run's collected files. */
#define RESULTS_TEXT_MAX ((size_t)64 << 20)

/* The whole file, NUL-terminated (malloc'd; the caller frees it), with its length in *len when
 * len is not NULL; or NULL with errno set: ENOENT (missing), EFBIG (over max bytes), EIO,
 * ENOMEM. */
char *results_read_text(const char *path, size_t max, size_t *len);

/* Writes dir/results.json. Returns 0 or a negative errno. */
int results_write_json(const json_t *root, const char *dir);
/* Writes dir/results.csv. Returns 0 or a negative errno. */
int results_write_csv(const json_t *root, const char *dir);
/* The CSV rows of root's runs (header first) to f; exposed for tests. */
void results_csv(const json_t *root, FILE *f);

#endif
