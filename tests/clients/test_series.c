/* The per-second series: a second becomes a point once every thread has handed it in, threads
 * that stop early do not hold it back, and the points come out in time order. */
#include "series.h"
#include "testlib.h"

static void add(struct series *s, int thread, int64_t t, uint64_t requests, int64_t latency)
{
    struct hist h;
    hist_init(&h, HIST_LATENCY_HIGHEST_US, HIST_LATENCY_DIGITS);
    for (uint64_t i = 0; i < requests; i++)
        hist_record(&h, latency);
    struct series_counts c = {.requests = requests, .connections = 1};
    series_add(s, thread, t, 1.0, &c, &h);
    hist_free(&h);
}

TEST(series_waits_for_every_thread)
{
    struct series s;
    CHECK_INT_EQ(series_init(&s, 2, 0), 0);
    add(&s, 0, 0, 10, 100);
    add(&s, 0, 1, 10, 100);
    CHECK_INT_EQ(s.n_points, 0);
    add(&s, 1, 0, 30, 1000);
    CHECK_INT_EQ(s.n_points, 1);
    CHECK_INT_EQ(s.points[0].counts.requests, 40);
    CHECK_INT_EQ(s.points[0].counts.connections, 2);
    CHECK_INT_EQ(s.points[0].p50_us, 1000);
    CHECK_INT_EQ(s.points[0].p99_us, 1000);
    struct series_point p;
    CHECK(series_latest(&s, &p));
    CHECK_INT_EQ(p.t, 0);
    series_free(&s);
}

TEST(series_thread_done_releases_seconds)
{
    struct series s;
    CHECK_INT_EQ(series_init(&s, 2, 1.5), 0);
    add(&s, 0, 0, 1, 10);
    add(&s, 1, 0, 1, 10);
    add(&s, 1, 1, 1, 10);
    add(&s, 1, 2, 1, 10);
    CHECK_INT_EQ(s.n_points, 1);
    series_thread_done(&s, 0);
    CHECK_INT_EQ(s.n_points, 3);
    series_finish(&s);
    CHECK_INT_EQ(s.n_points, 3);
    for (size_t i = 0; i < s.n_points; i++)
        CHECK_INT_EQ(s.points[i].t, (int64_t)i);
    CHECK_INT_EQ(s.points[0].warmup, 1);
    CHECK_INT_EQ(s.points[1].warmup, 1);
    CHECK_INT_EQ(s.points[2].warmup, 0);
    series_free(&s);
}

TEST(series_lagging_thread_does_not_block_the_ring)
{
    struct series s;
    CHECK_INT_EQ(series_init(&s, 2, 0), 0);
    /* Thread 1 never reports; thread 0 runs far ahead: old seconds are emitted partially. */
    for (int64_t t = 0; t < 3 * SERIES_RING; t++)
        add(&s, 0, t, 1, 10);
    CHECK_INT_EQ(s.n_points, 2 * SERIES_RING);
    series_finish(&s);
    CHECK_INT_EQ(s.n_points, 3 * SERIES_RING);
    for (size_t i = 1; i < s.n_points; i++)
        CHECK(s.points[i].t > s.points[i - 1].t);
    series_free(&s);
}

TEST_MAIN(TEST_ENTRY(series_waits_for_every_thread),
          TEST_ENTRY(series_thread_done_releases_seconds),
          TEST_ENTRY(series_lagging_thread_does_not_block_the_ring))
