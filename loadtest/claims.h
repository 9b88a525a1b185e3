/* The claims about threads, each held against what this session measured: the claim in our
 * words, what was measured, a verdict ("holds", "partly", "does not hold", "not measured") and
 * whether the result goes against what people expect. Also the headline figures and the list
 * of surprises (failed runs, counters that disagree, results against the folklore). */
#ifndef C10K_BENCH_CLAIMS_H
#define C10K_BENCH_CLAIMS_H

#include <jansson.h>

/* Sets root's "claims", "surprises" and "headline" from its "runs" and "calibration". */
void claims_build(json_t *root);

/* Formats bytes as "812 B", "14.2 KiB", "8.00 MiB". */
void claims_format_bytes(char *buf, size_t len, double bytes);

#endif
