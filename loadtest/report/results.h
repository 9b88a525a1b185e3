/* The files of a session: results.json (everything, rendered from the session's record by the
 * schema tables; loadtest/README.md documents it) and results.csv (one row per run). Both are
 * rewritten after every run, each through a temporary file and a rename, so that an interrupted
 * session leaves whole files. A finished session's results.json is read back into a record for
 * --report, --compare and the golden test. */
#ifndef C10K_BENCH_RESULTS_H
#define C10K_BENCH_RESULTS_H

#include "record.h"
#include "schema.h"

#include <jansson.h>
#include <stdio.h>

/* The largest file c10k-bench reads whole: a load generator's JSON with its histograms and
 * per-second series, a wrapper's counts, Chart.js, a Docker run's collected files. */
#define RESULTS_TEXT_MAX ((size_t)64 << 20)

/* The whole file, NUL-terminated (malloc'd; the caller frees it), with its length in *len when
 * len is not NULL; or NULL with errno set: ENOENT (missing), EFBIG (over max bytes), EIO,
 * ENOMEM. */
char *results_read_text(const char *path, size_t max, size_t *len);

/* The session as results.json's document (a new reference). */
json_t *results_document(const struct session_record *s);
/* Writes dir/results.json. Returns 0 or a negative errno. */
int results_write_json(const struct session_record *s, const char *dir);
/* Writes dir/results.csv. Returns 0 or a negative errno. */
int results_write_csv(const struct session_record *s, const char *dir);
/* The CSV (header first) to f; exposed for tests. */
void results_csv(const struct session_record *s, FILE *f);

/* Reads a session's results.json (a file, or a directory holding one) into s (initialised
 * here). Returns 0, or -1 with a one-line reason in err: not readable, not JSON, not a
 * c10k-bench session, or a schema this build does not read (naming the one it needs). */
int results_load(const char *path, struct session_record *s, char *err, size_t err_len);
/* The session from a document already parsed (the run's rows resolved against the tables). */
void results_from_document(const json_t *doc, struct session_record *s);

#endif
