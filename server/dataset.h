/* The data set every model serves at /data: a table of fixed-size entries built at start, before
 * any process model forks, so that the thread models and the loop share one copy and the process
 * models share its pages copy-on-write until an entry is written. */
#ifndef C10K_DATASET_H
#define C10K_DATASET_H

#include <stddef.h>
#include <stdint.h>

#define DATASET_ENTRY_BYTES 1024
/* The entry's first bytes hold its write counter, a native 64-bit integer (little-endian here). */
#define DATASET_COUNTER_BYTES 8

/* Entry k: bytes 0-7 its write counter (0 at start), bytes 8-1023 k as a little-endian 64-bit
 * integer, 127 times over. */
struct dataset {
    unsigned char *table; /* entries * DATASET_ENTRY_BYTES bytes, a private anonymous mapping */
    uint64_t entries;     /* 0: no data set */
    size_t bytes;
};

/* Builds a table of bytes / DATASET_ENTRY_BYTES entries (none when bytes is 0). Returns 0 or a
 * negative errno. */
int dataset_init(struct dataset *ds, size_t bytes);
void dataset_free(struct dataset *ds);

/* Copies entry k (< ds->entries) into out, first adding 1 to its write counter when `write`
 * (an atomic increment: the threads of a model share the one copy). */
void dataset_get(const struct dataset *ds, uint64_t k, int write,
                 unsigned char out[DATASET_ENTRY_BYTES]);

#endif
