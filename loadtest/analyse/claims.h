/* The claims about threads, each held against what this session measured: the claim in our
 * words, what was measured, a verdict ("holds", "partly", "does not hold", "not measured") and
 * whether the result goes against what people expect. Also the headline figures and the list
 * of surprises (failed runs, counters that disagree, results against the folklore). They read
 * the session's record and find runs by the rows of the server and scenario tables; claims/
 * holds the framework (claims.c) and a file per claim beside its thresholds. */
#ifndef C10K_BENCH_CLAIMS_H
#define C10K_BENCH_CLAIMS_H

#include "record.h"

#include <jansson.h>

/* The size of each model's source file, counted at build time (a {NULL, 0} entry ends it). */
struct claims_code_size {
    const char *file;
    int lines;
};
extern const struct claims_code_size claims_code_size[];

/* The table above as an object {"mode_thread.c": lines, ...} (a new reference). */
json_t *claims_code_size_json(void);

/* Sets the session's claims, surprises and headline from its runs, calibration and code sizes;
 * with repeat > 1 each claim is judged once per repetition. */
void claims_build(struct session_record *s);

/* Formats bytes as "812 B", "14.2 KiB", "8.00 MiB". */
void claims_format_bytes(char *buf, size_t len, double bytes);

#endif
