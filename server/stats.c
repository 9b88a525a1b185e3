#include "stats.h"

#include "buf.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

/* The registry: every live shard, and the sums of those that went away. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct stats_shard *registry_head;
static uint64_t retired[STAT_COUNT];

#define STATS_ROW(id, group, name, metric, label, type, help)                                      \
    [STAT_##id] = {group, name, metric, label, help, STATS_##type},
const struct stats_counter stats_counters[STAT_COUNT] = {STATS_COUNTERS(STATS_ROW)};
#undef STATS_ROW

void stats_shard_register(struct stats_shard *s)
{
    for (int i = 0; i < STAT_COUNT; i++)
        atomic_init(&s->v[i], 0);
    pthread_mutex_lock(&registry_lock);
    s->prev = NULL;
    s->next = registry_head;
    if (registry_head)
        registry_head->prev = s;
    registry_head = s;
    pthread_mutex_unlock(&registry_lock);
}

void stats_shard_release(struct stats_shard *s)
{
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < STAT_COUNT; i++)
        retired[i] += atomic_load_explicit(&s->v[i], memory_order_relaxed);
    if (s->prev)
        s->prev->next = s->next;
    else
        registry_head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    pthread_mutex_unlock(&registry_lock);
}

void stats_sum(uint64_t out[STAT_COUNT])
{
    pthread_mutex_lock(&registry_lock);
    memcpy(out, retired, sizeof retired);
    for (struct stats_shard *s = registry_head; s; s = s->next)
        for (int i = 0; i < STAT_COUNT; i++)
            out[i] += atomic_load_explicit(&s->v[i], memory_order_relaxed);
    pthread_mutex_unlock(&registry_lock);
}

void stats_shard_json(struct buf *out, const char *key, int index, struct stats_shard *s)
{
    char tmp[160];
    uint64_t handled = stats_read(s, STAT_HANDLED), closed = stats_read(s, STAT_CLOSED);
    int n = snprintf(tmp, sizeof tmp, "%s{\"%s\":%d,\"accepted\":%llu,\"active\":%lld}",
                     index ? "," : "", key, index,
                     (unsigned long long)stats_read(s, STAT_ACCEPTED), (long long)(handled - closed));
    if (n > 0 && (size_t)n < sizeof tmp)
        buf_append(out, tmp, (size_t)n);
}

struct stats_area *stats_area_create(uint32_t n_slots)
{
    size_t bytes = sizeof(struct stats_area) + (size_t)n_slots * sizeof(struct stats_slot);
    /* Zero-filled, and a page becomes resident only once a slot on it is used. */
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    struct stats_area *a = p;
    a->bytes = bytes;
    a->n_slots = n_slots;
    return a;
}

void stats_area_destroy(struct stats_area *a)
{
    if (a)
        munmap(a, a->bytes);
}

void stats_area_reserve(struct stats_area *a, uint32_t i)
{
    if (i >= atomic_load(&a->used))
        atomic_store(&a->used, i + 1);
}

void stats_area_assign(struct stats_area *a, uint32_t i, int32_t pid)
{
    stats_area_reserve(a, i);
    atomic_store(&a->slots[i].pid, pid);
}

static void add_usage(_Atomic uint64_t *to, uint64_t n)
{
    atomic_store_explicit(to, atomic_load_explicit(to, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

void stats_area_retire(struct stats_area *a, uint32_t i, uint64_t user_us, uint64_t system_us,
                       uint64_t ctx_voluntary, uint64_t ctx_involuntary)
{
    struct stats_slot *slot = &a->slots[i];
    /* A seqlock: readers that overlap the move read again, so that nothing is counted twice
     * or not at all. */
    uint64_t seq = atomic_load_explicit(&a->seq, memory_order_relaxed);
    atomic_store_explicit(&a->seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    for (int k = 0; k < STAT_COUNT; k++) {
        uint64_t v = atomic_load_explicit(&slot->shard.v[k], memory_order_relaxed);
        if (stats_counters[k].type == STATS_COUNTER)
            add_usage(&a->ended[k], v);
        atomic_store_explicit(&slot->shard.v[k], 0, memory_order_relaxed);
    }
    add_usage(&a->ended_usage.user_us, user_us);
    add_usage(&a->ended_usage.system_us, system_us);
    add_usage(&a->ended_usage.ctx_voluntary, ctx_voluntary);
    add_usage(&a->ended_usage.ctx_involuntary, ctx_involuntary);
    atomic_store_explicit(&slot->pid, 0, memory_order_relaxed);
    atomic_store_explicit(&a->seq, seq + 2, memory_order_release);
}

void stats_area_sum(struct stats_area *a, uint64_t v[STAT_COUNT], struct stats_usage_sum *usage)
{
    for (;;) {
        uint64_t seq = atomic_load_explicit(&a->seq, memory_order_acquire);
        if (seq & 1)
            continue; /* a move under way: a few stores */
        for (int k = 0; k < STAT_COUNT; k++)
            v[k] = atomic_load_explicit(&a->ended[k], memory_order_relaxed);
        uint32_t used = atomic_load(&a->used);
        /* Free slots are zero; a child may count before its pid is set. */
        for (uint32_t i = 0; i < used; i++) {
            struct stats_slot *slot = &a->slots[i];
            for (int k = 0; k < STAT_COUNT; k++)
                v[k] += atomic_load_explicit(&slot->shard.v[k], memory_order_relaxed);
        }
        if (usage)
            *usage = (struct stats_usage_sum){
                atomic_load_explicit(&a->ended_usage.ctx_voluntary, memory_order_relaxed),
                atomic_load_explicit(&a->ended_usage.ctx_involuntary, memory_order_relaxed),
                atomic_load_explicit(&a->ended_usage.user_us, memory_order_relaxed),
                atomic_load_explicit(&a->ended_usage.system_us, memory_order_relaxed),
            };
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&a->seq, memory_order_relaxed) == seq)
            return;
    }
}

uint64_t stats_read(struct stats_shard *s, enum stat_id id)
{
    return atomic_load_explicit(&s->v[id], memory_order_relaxed);
}

static long count_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

void stats_process(struct process_stats *p)
{
    *p = (struct process_stats){.processes = 1};
    FILE *f = fopen("/proc/self/status", "re");
    if (f != NULL) {
        char line[256];
        unsigned long long kb;
        long n;
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
                p->rss_bytes = kb * 1024;
            else if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
                p->peak_rss_bytes = kb * 1024;
            else if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
                p->vsize_bytes = kb * 1024;
            else if (sscanf(line, "Threads: %ld", &n) == 1)
                p->threads = n;
        }
        fclose(f);
    }
    /* getrusage sums every thread of the process, live and ended. */
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        p->ctx_voluntary = (uint64_t)ru.ru_nvcsw;
        p->ctx_involuntary = (uint64_t)ru.ru_nivcsw;
        p->cpu_user_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
        p->cpu_system_s = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    }
    p->open_fds = count_open_fds();
}
