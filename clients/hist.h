/* A mergeable log-linear histogram in the manner of HdrHistogram: values from 0 up to a chosen
 * highest value are counted in buckets whose width grows with the value, so that every recorded
 * value is known to within a fixed number of significant decimal digits (3 digits: within 0.1%).
 * The unit is the caller's (the load client records microseconds). Recording is a few arithmetic
 * instructions and one increment, with no allocation; histograms with the same layout merge by
 * adding counts, so each thread records into its own and they are summed at the end. */
#ifndef C10K_HIST_H
#define C10K_HIST_H

#include <stddef.h>
#include <stdint.h>

/* The layout the load client uses for latencies: microseconds up to one hour, 3 digits. */
#define HIST_LATENCY_HIGHEST_US (3600LL * 1000 * 1000)
#define HIST_LATENCY_DIGITS 3

struct hist {
    int64_t highest;    /* largest trackable value; larger values are recorded as this */
    int digits;         /* significant decimal digits kept (1..5) */
    int half_magnitude; /* log2 of half the number of sub-buckets in a bucket */
    int64_t sub_mask;   /* sub-buckets per bucket - 1 */
    int32_t buckets;    /* number of power-of-two buckets */
    int32_t counts_len; /* length of counts[] */
    uint64_t *counts;   /* owned; allocated by hist_init, released by hist_free */
    uint64_t total;     /* values recorded */
    uint64_t clamped;   /* of which were larger than highest (recorded as highest) */
    int64_t min, max;   /* exact extremes of the recorded values (after clamping) */
    uint64_t sum;       /* exact sum, for the mean */
};

/* One bucket with a non-zero count: it holds values lo..hi (inclusive). */
struct hist_bucket {
    int64_t lo, hi;
    uint64_t count;
};

/* Prepares an empty histogram for values 0..highest (highest >= 2) kept to `digits` significant
 * digits (1..5). Returns 0, -EINVAL or -ENOMEM. */
int hist_init(struct hist *h, int64_t highest, int digits);
void hist_free(struct hist *h);
/* Empties the histogram (cost proportional to the range of values recorded). */
void hist_reset(struct hist *h);

/* Counts one value; negative values count as 0, values over highest as highest. */
static inline void hist_record(struct hist *h, int64_t value);

/* Adds src's counts to dst. Returns 0, or -EINVAL when the layouts (highest, digits) differ. */
int hist_merge(struct hist *dst, const struct hist *src);

/* The value at percentile p (0..100): the largest value that is equivalent (within the
 * histogram's precision) to the value below which p% of the recorded values fall, never above
 * the recorded maximum nor below the minimum. 0 when the histogram is empty. */
int64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);

/* Iterates over the non-zero buckets in increasing order: start with *cursor = 0; each call
 * fills *b and returns 1, or returns 0 at the end. */
int hist_next_bucket(const struct hist *h, int32_t *cursor, struct hist_bucket *b);

/* Rebuilding a histogram from what another process wrote (its buckets, as hist_next_bucket gave
 * them, and its exact figures): hist_add_bucket for each bucket, then hist_set_exact. */
/* Adds b->count values to the bucket b->lo..b->hi, which must be one of h's buckets exactly.
 * min, max and sum follow the bucket bounds until hist_set_exact replaces them. Returns 0, or
 * -EINVAL when b is not one of h's buckets. */
int hist_add_bucket(struct hist *h, const struct hist_bucket *b);
/* Sets the exact extremes, sum and clamped count that buckets do not keep. Returns 0, or -EINVAL
 * when they contradict the buckets (min or max outside the lowest or highest non-empty bucket,
 * more clamped values than values). */
int hist_set_exact(struct hist *h, int64_t min, int64_t max, uint64_t sum, uint64_t clamped);

/* Index of the bucket that counts `value` (0 <= value <= highest); exposed for the inline
 * recorder and for tests. */
static inline int32_t hist_index(const struct hist *h, int64_t value)
{
    /* The bucket is the position of the value's highest bit beyond the sub-bucket range; within
     * it the sub-bucket is the value shifted down to that range. */
    int magnitude = 64 - __builtin_clzll((uint64_t)value | (uint64_t)h->sub_mask);
    int bucket = magnitude - (h->half_magnitude + 1);
    int64_t sub = value >> bucket;
    return (int32_t)(((int64_t)(bucket + 1) << h->half_magnitude) + sub -
                     ((int64_t)1 << h->half_magnitude));
}

static inline void hist_record(struct hist *h, int64_t value)
{
    if (value < 0)
        value = 0;
    if (value > h->highest) {
        value = h->highest;
        h->clamped++;
    }
    h->counts[hist_index(h, value)]++;
    h->total++;
    h->sum += (uint64_t)value;
    if (value < h->min)
        h->min = value;
    if (value > h->max)
        h->max = value;
}

#endif
