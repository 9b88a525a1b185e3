/* Look-ups by dotted path in a results document, for the code not yet moved onto the record. */
#ifndef C10K_BENCH_COMPAT_H
#define C10K_BENCH_COMPAT_H

#include <jansson.h>

json_t *results_get(const json_t *root, const char *path);
double results_num(const json_t *root, const char *path);

#endif
