/* The latency histogram against known distributions: every percentile within the promised
 * precision of the exact one computed from the sorted samples, and merging equal to recording
 * everything in one histogram. */
#include "hist.h"
#include "testlib.h"

#include <errno.h>
#include <math.h>

#define N_SAMPLES 200000

/* A fixed-seed generator, so that every run checks the same samples. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
    rng_state = seed;
}

static double rng_uniform(void) /* (0, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The exact percentile by the same rank rule as the histogram: the smallest value that covers
 * p% of the samples. */
static int64_t exact_percentile(const int64_t *sorted, size_t n, double p)
{
    double rank = ceil(p / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    return sorted[(size_t)rank - 1];
}

/* Checks that every listed percentile of h is the exact one or above it by less than 10^-digits
 * relatively (the histogram reports the top of the equivalent range). */
static int percentiles_within(const struct hist *h, int64_t *samples, size_t n, double tolerance)
{
    static const double ps[] = {1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};
    qsort(samples, n, sizeof *samples, cmp_i64);
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        int64_t exact = exact_percentile(samples, n, ps[i]);
        int64_t got = hist_percentile(h, ps[i]);
        if (got < exact || (double)(got - exact) > tolerance * (double)exact) {
            fprintf(stderr, "  p%g: histogram %lld, exact %lld\n", ps[i], (long long)got,
                    (long long)exact);
            return 0;
        }
    }
    return 1;
}

TEST(hist_small_values_are_exact)
{
    struct hist h;
    CHECK_INT_EQ(hist_init(&h, HIST_LATENCY_HIGHEST_US, 3), 0);
    for (int64_t v = 0; v < 2048; v++)
        hist_record(&h, v);
    struct hist_bucket b;
    int32_t cursor = 0;
    int64_t expect = 0;
    while (hist_next_bucket(&h, &cursor, &b)) {
        CHECK_INT_EQ(b.lo, expect);
        CHECK_INT_EQ(b.hi, expect);
        CHECK_INT_EQ(b.count, 1);
        expect++;
    }
    CHECK_INT_EQ(expect, 2048);
    CHECK_INT_EQ(hist_percentile(&h, 50), 1023);
    hist_free(&h);
}

TEST(hist_uniform_distribution)
{
    struct hist h;
    CHECK_INT_EQ(hist_init(&h, HIST_LATENCY_HIGHEST_US, 3), 0);
    for (int64_t v = 1; v <= 1000000; v++)
        hist_record(&h, v);
    CHECK_INT_EQ(h.total, 1000000);
    CHECK_INT_EQ(h.min, 1);
    CHECK_INT_EQ(h.max, 1000000);
    CHECK(fabs(hist_mean(&h) - 500000.5) < 1e-6);
    static const double ps[] = {50, 90, 99, 99.9};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double exact = ps[i] * 10000;
        double got = (double)hist_percentile(&h, ps[i]);
        CHECK(got >= exact && got <= exact * 1.001);
    }
    CHECK_INT_EQ(hist_percentile(&h, 100), 1000000);
    CHECK_INT_EQ(hist_percentile(&h, 0), 1);
    hist_free(&h);
}

TEST(hist_exponential_distribution_matches_sorted_samples)
{
    static int64_t samples[N_SAMPLES];
    struct hist h;
    CHECK_INT_EQ(hist_init(&h, HIST_LATENCY_HIGHEST_US, 3), 0);
    rng_seed(42);
    for (size_t i = 0; i < N_SAMPLES; i++) {
        samples[i] = (int64_t)(-log(rng_uniform()) * 1000.0); /* mean 1ms in us */
        hist_record(&h, samples[i]);
    }
    CHECK(percentiles_within(&h, samples, N_SAMPLES, 0.001));
    hist_free(&h);
}

TEST(hist_heavy_tail_up_to_minutes)
{
    static int64_t samples[N_SAMPLES];
    struct hist h;
    CHECK_INT_EQ(hist_init(&h, HIST_LATENCY_HIGHEST_US, 3), 0);
    rng_seed(7);
    for (size_t i = 0; i < N_SAMPLES; i++) {
        /* Log-normal around 100us with a tail reaching tens of seconds; a few values of
         * several minutes. */
        double z = sqrt(-2 * log(rng_uniform())) * cos(2 * M_PI * rng_uniform());
        samples[i] = (int64_t)(100.0 * exp(2.5 * z));
        if (i % 10000 == 0)
            samples[i] = 180000000 + (int64_t)i; /* 3 minutes */
        hist_record(&h, samples[i]);
    }
    CHECK(percentiles_within(&h, samples, N_SAMPLES, 0.001));
    CHECK_INT_EQ(h.clamped, 0);
    hist_free(&h);
}

TEST(hist_two_digits_within_one_percent)
{
    static int64_t samples[N_SAMPLES];
    struct hist h;
    CHECK_INT_EQ(hist_init(&h, 1000000000, 2), 0);
    rng_seed(3);
    for (size_t i = 0; i < N_SAMPLES; i++) {
        samples[i] = (int64_t)(-log(rng_uniform()) * 50000.0);
        hist_record(&h, samples[i]);
    }
    CHECK(percentiles_within(&h, samples, N_SAMPLES, 0.01));
    hist_free(&h);
}

TEST(hist_bucket_width_keeps_three_digits)
{
    struct hist h;
    CHECK_INT_EQ(hist_init(&h, HIST_LATENCY_HIGHEST_US, 3), 0);
    /* Every value's bucket is narrower than a thousandth of the value (above the exact range). */
    for (int64_t v = 2048; v <= HIST_LATENCY_HIGHEST_US; v = v + v / 7 + 1) {
        struct hist one;
        CHECK_INT_EQ(hist_init(&one, HIST_LATENCY_HIGHEST_US, 3), 0);
        hist_record(&one, v);
        struct hist_bucket b;
        int32_t cursor = 0;
        int found = hist_next_bucket(&one, &cursor, &b);
        hist_free(&one);
        CHECK(found);
        CHECK(b.lo <= v && v <= b.hi);
        CHECK((double)(b.hi - b.lo + 1) <= (double)b.lo / 1000.0);
    }
    CHECK(hist_index(&h, HIST_LATENCY_HIGHEST_US) < h.counts_len);
    hist_free(&h);
}

TEST(hist_merge_equals_recording_in_one)
{
    struct hist all, parts[4], merged;
    CHECK_INT_EQ(hist_init(&all, HIST_LATENCY_HIGHEST_US, 3), 0);
    CHECK_INT_EQ(hist_init(&merged, HIST_LATENCY_HIGHEST_US, 3), 0);
    for (int i = 0; i < 4; i++)
        CHECK_INT_EQ(hist_init(&parts[i], HIST_LATENCY_HIGHEST_US, 3), 0);
    rng_seed(99);
    for (int i = 0; i < N_SAMPLES; i++) {
        /* Each part sees a different distribution, as threads with different loads would. */
        int64_t v = (int64_t)(-log(rng_uniform()) * (double)(100 << (i % 4) * 3));
        hist_record(&all, v);
        hist_record(&parts[i % 4], v);
    }
    for (int i = 0; i < 4; i++)
        CHECK_INT_EQ(hist_merge(&merged, &parts[i]), 0);
    CHECK_INT_EQ(merged.total, all.total);
    CHECK_INT_EQ(merged.min, all.min);
    CHECK_INT_EQ(merged.max, all.max);
    CHECK_INT_EQ(merged.sum, all.sum);
    CHECK(memcmp(merged.counts, all.counts, (size_t)all.counts_len * sizeof *all.counts) == 0);
    static const double ps[] = {50, 90, 99, 99.9, 99.99};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        CHECK_INT_EQ(hist_percentile(&merged, ps[i]), hist_percentile(&all, ps[i]));
    /* Merging an empty histogram changes nothing. */
    struct hist empty;
    CHECK_INT_EQ(hist_init(&empty, HIST_LATENCY_HIGHEST_US, 3), 0);
    CHECK_INT_EQ(hist_merge(&merged, &empty), 0);
    CHECK_INT_EQ(merged.min, all.min);
    hist_free(&empty);
    for (int i = 0; i < 4; i++)
        hist_free(&parts[i]);
    hist_free(&all);
    hist_free(&merged);
}

TEST(hist_merge_rejects_other_layouts)
{
    struct hist a, b;
    CHECK_INT_EQ(hist_init(&a, HIST_LATENCY_HIGHEST_US, 3), 0);
    CHECK_INT_EQ(hist_init(&b, HIST_LATENCY_HIGHEST_US, 2), 0);
    hist_record(&b, 5);
    CHECK_INT_EQ(hist_merge(&a, &b), -EINVAL);
    CHECK_INT_EQ(a.total, 0);
    hist_free(&a);
    hist_free(&b);
}

TEST(hist_clamps_values_over_the_highest)
{
    struct hist h;
    CHECK_INT_EQ(hist_init(&h, 1000000, 3), 0);
    hist_record(&h, 5000000);
    hist_record(&h, -3);
    CHECK_INT_EQ(h.clamped, 1);
    CHECK_INT_EQ(h.max, 1000000);
    CHECK_INT_EQ(h.min, 0);
    CHECK_INT_EQ(hist_percentile(&h, 100), 1000000);
    hist_free(&h);
}

TEST(hist_reset_empties)
{
    struct hist h;
    CHECK_INT_EQ(hist_init(&h, HIST_LATENCY_HIGHEST_US, 3), 0);
    CHECK_INT_EQ(hist_percentile(&h, 99), 0);
    for (int64_t v = 10; v < 100000; v += 37)
        hist_record(&h, v);
    hist_reset(&h);
    CHECK_INT_EQ(h.total, 0);
    for (int32_t i = 0; i < h.counts_len; i++)
        CHECK_INT_EQ(h.counts[i], 0);
    hist_record(&h, 77);
    CHECK_INT_EQ(hist_percentile(&h, 50), 77);
    hist_free(&h);
}

TEST(hist_rejects_bad_layouts)
{
    struct hist h;
    CHECK_INT_EQ(hist_init(&h, 1, 3), -EINVAL);
    CHECK_INT_EQ(hist_init(&h, 1000, 0), -EINVAL);
    CHECK_INT_EQ(hist_init(&h, 1000, 6), -EINVAL);
}

TEST(hist_buckets_add_up)
{
    struct hist h;
    CHECK_INT_EQ(hist_init(&h, HIST_LATENCY_HIGHEST_US, 3), 0);
    rng_seed(5);
    for (int i = 0; i < 50000; i++)
        hist_record(&h, (int64_t)(-log(rng_uniform()) * 20000.0));
    struct hist_bucket b;
    int32_t cursor = 0;
    uint64_t sum = 0;
    int64_t last_hi = -1;
    while (hist_next_bucket(&h, &cursor, &b)) {
        CHECK(b.lo > last_hi);
        CHECK(b.hi >= b.lo);
        last_hi = b.hi;
        sum += b.count;
    }
    CHECK_INT_EQ(sum, h.total);
    hist_free(&h);
}

/* What hist_next_bucket gives, with the exact figures, rebuilds the same histogram. */
TEST(hist_rebuilds_from_its_buckets)
{
    struct hist h, copy;
    CHECK_INT_EQ(hist_init(&h, HIST_LATENCY_HIGHEST_US, 3), 0);
    CHECK_INT_EQ(hist_init(&copy, HIST_LATENCY_HIGHEST_US, 3), 0);
    rng_seed(17);
    for (int i = 0; i < 50000; i++)
        hist_record(&h, (int64_t)(-log(rng_uniform()) * 300000.0));
    hist_record(&h, HIST_LATENCY_HIGHEST_US * 2);
    struct hist_bucket b;
    int32_t cursor = 0;
    while (hist_next_bucket(&h, &cursor, &b))
        CHECK_INT_EQ(hist_add_bucket(&copy, &b), 0);
    CHECK_INT_EQ(hist_set_exact(&copy, h.min, h.max, h.sum, h.clamped), 0);
    CHECK_INT_EQ(copy.total, h.total);
    CHECK_INT_EQ(copy.clamped, 1);
    CHECK_INT_EQ(copy.sum, h.sum);
    CHECK(memcmp(copy.counts, h.counts, (size_t)h.counts_len * sizeof *h.counts) == 0);
    CHECK_INT_EQ(hist_percentile(&copy, 99.9), hist_percentile(&h, 99.9));
    hist_free(&copy);
    hist_free(&h);
}

TEST(hist_rebuild_rejects_what_is_not_its_layout)
{
    struct hist h;
    CHECK_INT_EQ(hist_init(&h, HIST_LATENCY_HIGHEST_US, 3), 0);
    /* Below 2048 buckets are one wide; from 4096 to 8191, four wide. */
    struct hist_bucket ok = {4096, 4099, 3}, wide = {4096, 4100, 1}, shifted = {4097, 4100, 1};
    struct hist_bucket empty = {10, 10, 0}, beyond = {HIST_LATENCY_HIGHEST_US + 1, 0, 1};
    CHECK_INT_EQ(hist_add_bucket(&h, &ok), 0);
    CHECK_INT_EQ(hist_add_bucket(&h, &wide), -EINVAL);
    CHECK_INT_EQ(hist_add_bucket(&h, &shifted), -EINVAL);
    CHECK_INT_EQ(hist_add_bucket(&h, &empty), -EINVAL);
    beyond.hi = beyond.lo;
    CHECK_INT_EQ(hist_add_bucket(&h, &beyond), -EINVAL);
    CHECK_INT_EQ(h.total, 3);
    /* Extremes outside the only bucket, or more clamped values than values, contradict it. */
    CHECK_INT_EQ(hist_set_exact(&h, 4000, 4099, 12290, 0), -EINVAL);
    CHECK_INT_EQ(hist_set_exact(&h, 4096, 4100, 12290, 0), -EINVAL);
    CHECK_INT_EQ(hist_set_exact(&h, 4096, 4099, 12290, 4), -EINVAL);
    CHECK_INT_EQ(hist_set_exact(&h, 4097, 4098, 12293, 0), 0);
    CHECK_INT_EQ(h.min, 4097);
    CHECK_INT_EQ(h.max, 4098);
    hist_free(&h);
}

TEST_MAIN(TEST_ENTRY(hist_small_values_are_exact), TEST_ENTRY(hist_uniform_distribution),
          TEST_ENTRY(hist_exponential_distribution_matches_sorted_samples),
          TEST_ENTRY(hist_heavy_tail_up_to_minutes), TEST_ENTRY(hist_two_digits_within_one_percent),
          TEST_ENTRY(hist_bucket_width_keeps_three_digits),
          TEST_ENTRY(hist_merge_equals_recording_in_one),
          TEST_ENTRY(hist_merge_rejects_other_layouts),
          TEST_ENTRY(hist_clamps_values_over_the_highest), TEST_ENTRY(hist_reset_empties),
          TEST_ENTRY(hist_rejects_bad_layouts), TEST_ENTRY(hist_buckets_add_up),
          TEST_ENTRY(hist_rebuilds_from_its_buckets),
          TEST_ENTRY(hist_rebuild_rejects_what_is_not_its_layout))
