#include "series.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int series_init(struct series *s, int n_threads, double warmup_s)
{
    memset(s, 0, sizeof *s);
    s->n_threads = n_threads;
    s->warmup_s = warmup_s;
    s->next_t = calloc((size_t)n_threads, sizeof *s->next_t);
    if (s->next_t == NULL)
        goto fail;
    for (int i = 0; i < SERIES_RING; i++) {
        s->ring[i].t = -1;
        if (hist_init(&s->ring[i].hist, HIST_LATENCY_HIGHEST_US, HIST_LATENCY_DIGITS) < 0)
            goto fail;
    }
    if (pthread_mutex_init(&s->lock, NULL) != 0)
        goto fail;
    return 0;
fail:
    free(s->next_t);
    for (int i = 0; i < SERIES_RING; i++)
        hist_free(&s->ring[i].hist);
    return -ENOMEM;
}

void series_free(struct series *s)
{
    pthread_mutex_destroy(&s->lock);
    free(s->next_t);
    for (int i = 0; i < SERIES_RING; i++)
        hist_free(&s->ring[i].hist);
    free(s->points);
}

/* Turns a slot into a point and frees it. Called with the lock held. */
static void emit(struct series *s, struct series_slot *slot)
{
    if (s->n_points == s->cap_points) {
        size_t cap = s->cap_points ? s->cap_points * 2 : 64;
        struct series_point *grown = realloc(s->points, cap * sizeof *grown);
        if (grown == NULL)
            goto out; /* the point is lost; the run goes on */
        s->points = grown;
        s->cap_points = cap;
    }
    struct series_point *p = &s->points[s->n_points++];
    p->t = slot->t;
    p->span_s = slot->span_s;
    p->warmup = (double)slot->t < s->warmup_s;
    p->counts = slot->counts;
    p->p50_us = hist_percentile(&slot->hist, 50);
    p->p99_us = hist_percentile(&slot->hist, 99);
    p->max_us = slot->hist.max;
out:
    slot->t = -1;
    memset(&slot->counts, 0, sizeof slot->counts);
    slot->span_s = 0;
    hist_reset(&slot->hist);
}

/* Emits every slot that all threads have moved past. Called with the lock held. */
static void emit_ready(struct series *s)
{
    int64_t slowest = INT64_MAX;
    for (int i = 0; i < s->n_threads; i++)
        if (s->next_t[i] < slowest)
            slowest = s->next_t[i];
    for (;;) {
        struct series_slot *oldest = NULL;
        for (int i = 0; i < SERIES_RING; i++)
            if (s->ring[i].t >= 0 && s->ring[i].t < slowest &&
                (oldest == NULL || s->ring[i].t < oldest->t))
                oldest = &s->ring[i];
        if (oldest == NULL)
            return;
        emit(s, oldest);
    }
}

void series_add(struct series *s, int thread, int64_t t, double span_s,
                const struct series_counts *counts, const struct hist *interval)
{
    pthread_mutex_lock(&s->lock);
    struct series_slot *slot = &s->ring[t % SERIES_RING];
    if (slot->t >= 0 && slot->t != t)
        emit(s, slot); /* a thread lags SERIES_RING seconds behind: its share comes too late */
    slot->t = t;
    if (span_s > slot->span_s)
        slot->span_s = span_s;
    slot->counts.requests += counts->requests;
    slot->counts.errors += counts->errors;
    slot->counts.connects += counts->connects;
    slot->counts.bytes_read += counts->bytes_read;
    slot->counts.connections += counts->connections;
    hist_merge(&slot->hist, interval);
    s->next_t[thread] = t + 1;
    emit_ready(s);
    pthread_mutex_unlock(&s->lock);
}

void series_thread_done(struct series *s, int thread)
{
    pthread_mutex_lock(&s->lock);
    s->next_t[thread] = INT64_MAX;
    emit_ready(s);
    pthread_mutex_unlock(&s->lock);
}

static int by_time(const void *a, const void *b)
{
    const struct series_point *x = a, *y = b;
    return (x->t > y->t) - (x->t < y->t);
}

void series_finish(struct series *s)
{
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < s->n_threads; i++)
        s->next_t[i] = INT64_MAX;
    emit_ready(s);
    qsort(s->points, s->n_points, sizeof *s->points, by_time);
    pthread_mutex_unlock(&s->lock);
}

int series_latest(struct series *s, struct series_point *out)
{
    pthread_mutex_lock(&s->lock);
    int found = 0;
    for (size_t i = 0; i < s->n_points; i++) {
        if (!found || s->points[i].t > out->t) {
            *out = s->points[i];
            found = 1;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return found;
}
