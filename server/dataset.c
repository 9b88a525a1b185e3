#include "dataset.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

int dataset_init(struct dataset *ds, size_t bytes)
{
    *ds = (struct dataset){0};
    uint64_t entries = bytes / DATASET_ENTRY_BYTES;
    if (entries == 0)
        return 0;
    size_t len = (size_t)entries * DATASET_ENTRY_BYTES;
    /* Private: after a fork the processes share the pages until one writes. */
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -errno;
    unsigned char *table = p;
    for (uint64_t k = 0; k < entries; k++) {
        unsigned char *e = table + k * DATASET_ENTRY_BYTES;
        memset(e, 0, DATASET_COUNTER_BYTES);
        for (size_t off = DATASET_COUNTER_BYTES; off < DATASET_ENTRY_BYTES; off += 8)
            put_le64(e + off, k);
    }
    *ds = (struct dataset){.table = table, .entries = entries, .bytes = len};
    return 0;
}

void dataset_free(struct dataset *ds)
{
    if (ds->table)
        munmap(ds->table, ds->bytes);
    *ds = (struct dataset){0};
}

void dataset_get(const struct dataset *ds, uint64_t k, int write,
                 unsigned char out[DATASET_ENTRY_BYTES])
{
    unsigned char *e = ds->table + k * DATASET_ENTRY_BYTES;
    uint64_t *counter = (uint64_t *)(void *)e; /* entries are 1 KiB aligned */
    uint64_t n = write ? __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED)
                       : __atomic_load_n(counter, __ATOMIC_RELAXED);
    memcpy(out, &n, DATASET_COUNTER_BYTES);
    /* The rest is never written after start. */
    memcpy(out + DATASET_COUNTER_BYTES, e + DATASET_COUNTER_BYTES,
           DATASET_ENTRY_BYTES - DATASET_COUNTER_BYTES);
}
