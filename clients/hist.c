#include "hist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int hist_init(struct hist *h, int64_t highest, int digits)
{
    memset(h, 0, sizeof *h);
    if (highest < 2 || digits < 1 || digits > 5)
        return -EINVAL;

    /* Values below 2 * 10^digits need single-unit resolution to keep `digits` digits; the
     * sub-bucket count is the power of two that covers them. */
    int64_t single_unit_limit = 2;
    for (int i = 0; i < digits; i++)
        single_unit_limit *= 10;
    int sub_magnitude = 0;
    while (((int64_t)1 << sub_magnitude) < single_unit_limit)
        sub_magnitude++;
    int64_t sub_count = (int64_t)1 << sub_magnitude;

    /* Each further bucket doubles the range covered. */
    int32_t buckets = 1;
    int64_t untrackable = sub_count;
    while (untrackable <= highest) {
        if (untrackable > INT64_MAX / 2) {
            buckets++;
            break;
        }
        untrackable <<= 1;
        buckets++;
    }

    h->highest = highest;
    h->digits = digits;
    h->half_magnitude = sub_magnitude - 1;
    h->sub_mask = sub_count - 1;
    h->buckets = buckets;
    h->counts_len = (int32_t)((buckets + 1) * (sub_count / 2));
    h->counts = calloc((size_t)h->counts_len, sizeof *h->counts);
    if (h->counts == NULL)
        return -ENOMEM;
    h->min = INT64_MAX;
    h->max = 0;
    return 0;
}

void hist_free(struct hist *h)
{
    free(h->counts);
    h->counts = NULL;
}

void hist_reset(struct hist *h)
{
    if (h->total > 0) {
        int32_t lo = hist_index(h, h->min), hi = hist_index(h, h->max);
        memset(h->counts + lo, 0, (size_t)(hi - lo + 1) * sizeof *h->counts);
    }
    h->total = 0;
    h->clamped = 0;
    h->sum = 0;
    h->min = INT64_MAX;
    h->max = 0;
}

int hist_merge(struct hist *dst, const struct hist *src)
{
    if (dst->highest != src->highest || dst->digits != src->digits)
        return -EINVAL;
    if (src->total == 0)
        return 0;
    /* Only the indices between the extremes can be non-zero. */
    int32_t lo = hist_index(src, src->min), hi = hist_index(src, src->max);
    for (int32_t i = lo; i <= hi; i++)
        dst->counts[i] += src->counts[i];
    dst->total += src->total;
    dst->clamped += src->clamped;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    return 0;
}

/* The smallest value counted at index i, and the width of its bucket. */
static int64_t index_lowest(const struct hist *h, int32_t i, int64_t *width)
{
    int32_t half = (int32_t)1 << h->half_magnitude;
    int bucket = (i >> h->half_magnitude) - 1;
    int64_t sub = (i & (half - 1)) + half;
    if (bucket < 0) {
        sub -= half;
        bucket = 0;
    }
    *width = (int64_t)1 << bucket;
    return sub << bucket;
}

int64_t hist_percentile(const struct hist *h, double p)
{
    if (h->total == 0)
        return 0;
    if (p <= 0)
        return h->min;
    if (p > 100)
        p = 100;
    /* The rank of the wanted value: the smallest count that covers p% of the values. */
    double exact = p / 100.0 * (double)h->total;
    uint64_t rank = (uint64_t)exact;
    if ((double)rank < exact)
        rank++;
    if (rank < 1)
        rank = 1;
    if (rank > h->total)
        rank = h->total;

    uint64_t seen = 0;
    int32_t lo = hist_index(h, h->min), hi = hist_index(h, h->max);
    for (int32_t i = lo; i <= hi; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            int64_t width;
            int64_t value = index_lowest(h, i, &width) + width - 1;
            if (value > h->max)
                value = h->max;
            if (value < h->min)
                value = h->min;
            return value;
        }
    }
    return h->max;
}

double hist_mean(const struct hist *h)
{
    return h->total ? (double)h->sum / (double)h->total : 0.0;
}

int hist_next_bucket(const struct hist *h, int32_t *cursor, struct hist_bucket *b)
{
    if (h->total == 0)
        return 0;
    int32_t i = *cursor;
    int32_t lo = hist_index(h, h->min), hi = hist_index(h, h->max);
    if (i < lo)
        i = lo;
    for (; i <= hi; i++) {
        if (h->counts[i] == 0)
            continue;
        int64_t width;
        b->lo = index_lowest(h, i, &width);
        b->hi = b->lo + width - 1;
        b->count = h->counts[i];
        *cursor = i + 1;
        return 1;
    }
    *cursor = hi + 1;
    return 0;
}

int hist_add_bucket(struct hist *h, const struct hist_bucket *b)
{
    if (b->lo < 0 || b->lo > h->highest || b->hi < b->lo || b->count == 0)
        return -EINVAL;
    int32_t i = hist_index(h, b->lo);
    int64_t width;
    if (index_lowest(h, i, &width) != b->lo || b->lo + width - 1 != b->hi)
        return -EINVAL;
    h->counts[i] += b->count;
    h->total += b->count;
    h->sum += b->count * (uint64_t)b->lo;
    if (b->lo < h->min)
        h->min = b->lo;
    int64_t top = b->hi < h->highest ? b->hi : h->highest;
    if (top > h->max)
        h->max = top;
    return 0;
}

int hist_set_exact(struct hist *h, int64_t min, int64_t max, uint64_t sum, uint64_t clamped)
{
    if (h->total == 0)
        return min == 0 && max == 0 && sum == 0 && clamped == 0 ? 0 : -EINVAL;
    if (min < 0 || max < min || max > h->highest || clamped > h->total ||
        hist_index(h, min) != hist_index(h, h->min) || hist_index(h, max) != hist_index(h, h->max))
        return -EINVAL;
    h->min = min;
    h->max = max;
    h->sum = sum;
    h->clamped = clamped;
    return 0;
}
