#include "sample.h"

#include "proc.h"
#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The size of one connection-tracking entry (struct nf_conn) where /proc/slabinfo is not
 * readable. */
#define SAMPLE_CONNTRACK_OBJ_BYTES 256
/* A walk over the threads that takes longer than this is done less often (every
 * SAMPLE_TASK_EVERY_SLOW samples), so that sampling does not steal the load generator's core. */
#define SAMPLE_TASK_SLOW_S 0.05
#define SAMPLE_TASK_EVERY_SLOW 5

int sample_parse_meminfo(const char *text, uint64_t *kernel_stack, uint64_t *page_tables,
                         uint64_t *slab_unreclaimable)
{
    uint64_t ks = 0, pt = 0, su = 0;
    if (procfs_status_field(text, "KernelStack", &ks) < 0 ||
        procfs_status_field(text, "PageTables", &pt) < 0)
        return -EINVAL;
    procfs_status_field(text, "SUnreclaim", &su);
    *kernel_stack = ks * 1024;
    *page_tables = pt * 1024;
    *slab_unreclaimable = su * 1024;
    return 0;
}

int sample_parse_slabinfo(const char *text, const char *cache, uint64_t *bytes)
{
    size_t n = strlen(cache);
    const char *p = text;
    while (p && *p) {
        if (strncmp(p, cache, n) == 0 && p[n] == ' ') {
            unsigned long long active, total, objsize;
            if (sscanf(p + n, "%llu %llu %llu", &active, &total, &objsize) != 3)
                return -EINVAL;
            *bytes = active * objsize;
            return 0;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -EINVAL;
}

int sample_parse_stat_cpu(const char *text, uint64_t ticks[SAMPLE_CPU_STATES])
{
    if (strncmp(text, "cpu ", 4) != 0)
        return -EINVAL;
    const char *p = text + 4;
    for (int i = 0; i < SAMPLE_CPU_STATES; i++) {
        char *end;
        ticks[i] = strtoull(p, &end, 10);
        if (end == p || (*end != ' ' && *end != '\n' && *end != '\0'))
            return -EINVAL;
        p = end;
    }
    return 0;
}

int sample_parse_sockstat(const char *text, uint64_t *mem_pages, uint64_t *inuse, uint64_t *tw)
{
    const char *p = strstr(text, "\nTCP:");
    if (p)
        p++;
    else if (strncmp(text, "TCP:", 4) == 0)
        p = text;
    else
        return -EINVAL;
    const char *eol = strchr(p, '\n');
    size_t n = eol ? (size_t)(eol - p) : strlen(p);
    char line[256];
    if (n >= sizeof line)
        n = sizeof line - 1;
    memcpy(line, p, n);
    line[n] = '\0';
    *mem_pages = *inuse = *tw = 0;
    int found = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line + 4, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *val = strtok_r(NULL, " ", &save);
        if (!val)
            break;
        uint64_t v = strtoull(val, NULL, 10);
        if (strcmp(tok, "mem") == 0) {
            *mem_pages = v;
            found = 1;
        } else if (strcmp(tok, "inuse") == 0) {
            *inuse = v;
        } else if (strcmp(tok, "tw") == 0) {
            *tw = v;
        }
    }
    return found ? 0 : -EINVAL;
}

/* The bytes of one slab cache from /proc/slabinfo (readable by root only); *bytes is left
 * alone when it cannot be read. */
static void slab_cache_bytes(const char *cache, uint64_t *bytes)
{
    FILE *f = fopen("/proc/slabinfo", "re");
    if (!f)
        return;
    char line[512];
    size_t n = strlen(cache);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, cache, n) == 0 && line[n] == ' ') {
            sample_parse_slabinfo(line, cache, bytes);
            break;
        }
    }
    fclose(f);
}

void sample_machine(struct sample *s)
{
    char buf[16384];
    if (procfs_read_text("/proc/meminfo", buf, sizeof buf) > 0)
        sample_parse_meminfo(buf, &s->kernel_stack_bytes, &s->page_tables_bytes,
                             &s->slab_unreclaimable_bytes);
    if (procfs_read_text("/proc/net/sockstat", buf, sizeof buf) > 0) {
        uint64_t pages = 0;
        if (sample_parse_sockstat(buf, &pages, &s->tcp_inuse, &s->tcp_tw) == 0)
            s->tcp_mem_bytes = pages * (uint64_t)sysconf(_SC_PAGESIZE);
    }
    s->conntrack = -1;
    if (procfs_read_text("/proc/sys/net/netfilter/nf_conntrack_count", buf, sizeof buf) > 0)
        s->conntrack = strtoll(buf, NULL, 10);
    if (s->conntrack > 0) {
        /* Their slab cache, from /proc/slabinfo (root only), else their count at the usual
         * object size. */
        uint64_t tracked = (uint64_t)s->conntrack * SAMPLE_CONNTRACK_OBJ_BYTES;
        slab_cache_bytes("nf_conntrack", &tracked);
        s->slab_unreclaimable_bytes =
            s->slab_unreclaimable_bytes > tracked ? s->slab_unreclaimable_bytes - tracked : 0;
    }
    if (procfs_read_text("/proc/stat", buf, sizeof buf) > 0) {
        const char *p = strstr(buf, "\nctxt ");
        if (p)
            s->machine_ctxt = strtoull(p + 6, NULL, 10);
        if (sample_parse_stat_cpu(buf, s->cpu_ticks) < 0)
            memset(s->cpu_ticks, 0, sizeof s->cpu_ticks);
    }
}

static void sum_tasks(pid_t pid, uint64_t *vol, uint64_t *invol, uint64_t *run_ns)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char tpath[96];
        snprintf(tpath, sizeof tpath, "/proc/%d/task/%.20s/status", (int)pid, e->d_name);
        if (procfs_read_text(tpath, buf, sizeof buf) <= 0)
            continue; /* the thread ended meanwhile */
        struct procfs_status ts;
        procfs_parse_status(buf, &ts);
        *vol += ts.ctx_voluntary;
        *invol += ts.ctx_involuntary;
        uint64_t run, wait, slices;
        snprintf(tpath, sizeof tpath, "/proc/%d/task/%.20s/schedstat", (int)pid, e->d_name);
        if (procfs_read_text(tpath, buf, sizeof buf) > 0 &&
            sample_parse_schedstat(buf, &run, &wait, &slices) == 0)
            *run_ns += run;
    }
    closedir(d);
}

/* User + system CPU seconds of a process, or -1. */
static double sample_cpu_s(pid_t pid)
{
    double u, sy;
    return procfs_cpu_seconds(pid, &u, &sy) == 0 ? u + sy : -1;
}

/* Adds one process's CPU to s: stat's ticks, and in s->cpu_unsplit_s what its live threads'
 * schedstat time (run_s) has more. Ticks are whole 1/CLK_TCK per process, so a tree of many
 * processes that each ran less than a tick (a thousand prefork children) reads as almost no CPU;
 * schedstat counts nanoseconds but misses threads that have ended, which stat keeps. */
static void add_cpu(pid_t pid, double run_s, struct sample *s)
{
    double user, sys;
    if (procfs_cpu_seconds(pid, &user, &sys) < 0)
        return;
    s->cpu_user_s += user;
    s->cpu_system_s += sys;
    if (run_s > user + sys)
        s->cpu_unsplit_s += run_s - (user + sys);
}

/* Splits the tree's unsplit CPU as its ticks split, all user time when it has none (as the
 * kernel does for one process). */
static void split_cpu(struct sample *s)
{
    double ticks = s->cpu_user_s + s->cpu_system_s;
    double user_share = ticks > 0 ? s->cpu_user_s / ticks : 1;
    s->cpu_user_s += s->cpu_unsplit_s * user_share;
    s->cpu_system_s += s->cpu_unsplit_s * (1 - user_share);
    s->cpu_unsplit_s = 0;
}

/* Adds one process's figures to s, its memory by sharing too; with_tasks: also its threads'
 * switches. Returns 0 or -ESRCH. */
static int add_process(pid_t pid, int with_tasks, struct sample *s)
{
    struct procfs_status st;
    if (procfs_status(pid, &st) < 0)
        return -ESRCH;
    s->processes++;
    s->rss_bytes += st.rss_bytes;
    s->vsize_bytes += st.vsize_bytes;
    s->threads += st.threads;
    uint64_t run_before = s->run_ns;
    if (with_tasks)
        sum_tasks(pid, &s->ctx_voluntary, &s->ctx_involuntary, &s->run_ns);
    add_cpu(pid, with_tasks ? (double)(s->run_ns - run_before) / 1e9 : 0, s);
    int64_t fds = procfs_fd_count(pid);
    if (fds > 0)
        s->fds += fds;
    struct procfs_smaps sm;
    if (procfs_smaps_rollup(pid, &sm) == 0) {
        s->pss_bytes += sm.pss;
        s->uss_bytes += sm.uss;
        if (pid != s->root)
            s->worker_uss_bytes += sm.uss;
        s->shared_bytes += sm.shared_clean + sm.shared_dirty;
    } else if (pid == s->root) {
        s->smaps_read = 0; /* no smaps_rollup here (before Linux 4.14) */
    }
    return 0;
}

int sample_parse_schedstat(const char *text, uint64_t *run_ns, uint64_t *wait_ns, uint64_t *slices)
{
    unsigned long long a, b, c;
    if (sscanf(text, "%llu %llu %llu", &a, &b, &c) != 3)
        return -EINVAL;
    *run_ns = a;
    *wait_ns = b;
    *slices = c;
    return 0;
}

static int task_cmp(const void *a, const void *b)
{
    const struct task_counters *x = a, *y = b;
    return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Adds the threads of one process to snap. Returns 0 or a negative errno. */
static int add_tasks(pid_t pid, struct task_snapshot *snap, size_t *cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    struct dirent *e;
    char buf[4096], tpath[112];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        struct task_counters tc = {.tid = atoi(e->d_name)};
        snprintf(tpath, sizeof tpath, "/proc/%d/task/%d/status", (int)pid, tc.tid);
        if (procfs_read_text(tpath, buf, sizeof buf) <= 0)
            continue; /* the thread ended meanwhile */
        struct procfs_status ts;
        procfs_parse_status(buf, &ts);
        tc.ctx_voluntary = ts.ctx_voluntary;
        tc.ctx_involuntary = ts.ctx_involuntary;
        snprintf(tpath, sizeof tpath, "/proc/%d/task/%d/stat", (int)pid, tc.tid);
        if (procfs_read_text(tpath, buf, sizeof buf) > 0)
            procfs_parse_stat_times(buf, &tc.utime_ticks, &tc.stime_ticks);
        snprintf(tpath, sizeof tpath, "/proc/%d/task/%d/schedstat", (int)pid, tc.tid);
        if (procfs_read_text(tpath, buf, sizeof buf) <= 0 ||
            sample_parse_schedstat(buf, &tc.run_ns, &tc.wait_ns, &tc.timeslices) < 0)
            snap->has_schedstat = 0;
        if (snap->n == *cap) {
            struct task_counters *nt = realloc(snap->tasks, *cap * 2 * sizeof *nt);
            if (!nt)
                break;
            snap->tasks = nt;
            *cap *= 2;
        }
        snap->tasks[snap->n++] = tc;
    }
    closedir(d);
    return 0;
}

/* The pids of pid's tree (malloc'd), or NULL with *n = 0. */
static pid_t *tree_pids(pid_t pid, size_t *n)
{
    size_t max = 1024;
    for (;;) {
        pid_t *pids = malloc(max * sizeof *pids);
        if (!pids)
            break;
        int64_t got = procfs_tree_pids(pid, pids, max);
        if (got >= 0 && (size_t)got <= max) {
            *n = (size_t)got;
            return pids;
        }
        free(pids);
        if (got < 0)
            break;
        max = (size_t)got + 256; /* it grew meanwhile: try once more with room */
    }
    *n = 0;
    return NULL;
}

int sample_tasks(pid_t pid, double t, struct task_snapshot *snap)
{
    memset(snap, 0, sizeof *snap);
    snap->t = t;
    size_t cap = 256;
    snap->tasks = malloc(cap * sizeof *snap->tasks);
    if (!snap->tasks)
        return -ENOMEM;
    snap->has_schedstat = 1;
    int rc = add_tasks(pid, snap, &cap);
    if (rc < 0) {
        sample_tasks_free(snap);
        return rc;
    }
    /* A process per connection: its children's threads are its connections' tasks. */
    size_t n;
    pid_t *pids = tree_pids(pid, &n);
    for (size_t i = 1; i < n; i++)
        add_tasks(pids[i], snap, &cap);
    free(pids);
    qsort(snap->tasks, snap->n, sizeof *snap->tasks, task_cmp);
    return 0;
}

void sample_tasks_free(struct task_snapshot *snap)
{
    free(snap->tasks);
    snap->tasks = NULL;
    snap->n = 0;
}

int sample_take(pid_t pid, double t, int with_tasks, struct sample *s)
{
    memset(s, 0, sizeof *s);
    s->t = t;
    s->client_cpu_s = -1;
    s->root = pid;
    s->smaps_read = 1;
    sample_machine(s);
    if (add_process(pid, with_tasks, s) < 0)
        return -ESRCH;
    s->alive = 1;
    /* The children it has waited for: a process per connection's ended ones, a worker that was
     * replaced. Their CPU left the tree when they were reaped. */
    double user, sys;
    if (procfs_reaped_cpu_seconds(pid, &user, &sys) == 0) {
        s->cpu_user_s += user;
        s->cpu_system_s += sys;
    }
    size_t n;
    pid_t *pids = tree_pids(pid, &n);
    for (size_t i = 1; i < n; i++)
        add_process(pids[i], with_tasks, s);
    free(pids);
    split_cpu(s);
    if (!s->smaps_read)
        s->pss_bytes = s->uss_bytes = s->shared_bytes = s->worker_uss_bytes = 0;
    return 0;
}

int sample_children(pid_t pid, pid_t *out, int max)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    if (procfs_read_text(path, buf, sizeof buf) <= 0)
        return 0;
    char *save = NULL;
    int n = 0;
    for (char *tok = strtok_r(buf, " \n", &save); tok && n < max;
         tok = strtok_r(NULL, " \n", &save))
        out[n++] = (pid_t)atoi(tok);
    return n;
}

static void *sampler_main(void *arg)
{
    struct sampler *sp = arg;
    unsigned k = 0;
    pthread_mutex_lock(&sp->lock);
    while (!sp->stop && sp->n < SAMPLER_MAX) {
        pthread_mutex_unlock(&sp->lock);
        struct sample s;
        int with_tasks = sp->task_every <= 1 || k % (unsigned)sp->task_every == 0;
        double before = proc_now();
        int alive = sample_take(sp->pid, before - sp->t0, with_tasks, &s) == 0;
        if (with_tasks && proc_now() - before > SAMPLE_TASK_SLOW_S)
            sp->task_every = SAMPLE_TASK_EVERY_SLOW;
        if (!with_tasks)
            s.ctx_voluntary = s.ctx_involuntary = UINT64_MAX; /* not read this time */
        if (sp->cg.version)
            cgmem_read(&sp->cg, &s.cg);
        pthread_mutex_lock(&sp->lock);
        pid_t client = sp->client_pid;
        pthread_mutex_unlock(&sp->lock);
        if (client > 0)
            s.client_cpu_s = sample_cpu_s(client);
        pthread_mutex_lock(&sp->lock);
        sp->samples[sp->n++] = s;
        if (!alive)
            break;
        k++;
        /* Next tick on the grid t0 + k * interval, whatever this sample cost. */
        double next = sp->t0 + (double)k * sp->interval_s;
        struct timespec now_rt;
        clock_gettime(CLOCK_MONOTONIC, &now_rt);
        double wait = next - proc_now();
        if (wait < 0)
            wait = 0;
        struct timespec until = now_rt;
        until.tv_sec += (time_t)wait;
        until.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9);
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!sp->stop) {
            int r = pthread_cond_timedwait(&sp->wake, &sp->lock, &until);
            if (r == ETIMEDOUT)
                break;
        }
    }
    pthread_mutex_unlock(&sp->lock);
    return NULL;
}

void sampler_watch_client(struct sampler *sp, pid_t pid)
{
    if (!sp->started)
        return;
    pthread_mutex_lock(&sp->lock);
    sp->client_pid = pid;
    pthread_mutex_unlock(&sp->lock);
}

int sampler_start(struct sampler *sp, pid_t pid, double t0, double interval_s,
                  const struct cgmem_group *cg)
{
    memset(sp, 0, sizeof *sp);
    sp->pid = pid;
    if (cg)
        sp->cg = *cg;
    sp->t0 = t0;
    sp->interval_s = interval_s;
    sp->task_every = 1;
    sp->samples = calloc(SAMPLER_MAX, sizeof *sp->samples);
    if (!sp->samples)
        return -ENOMEM;
    pthread_mutex_init(&sp->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&sp->wake, &ca);
    pthread_condattr_destroy(&ca);
    int r = pthread_create(&sp->thread, NULL, sampler_main, sp);
    if (r != 0) {
        free(sp->samples);
        sp->samples = NULL;
        return -r;
    }
    sp->started = 1;
    return 0;
}

void sampler_stop(struct sampler *sp)
{
    if (!sp->started)
        return;
    pthread_mutex_lock(&sp->lock);
    sp->stop = 1;
    pthread_cond_signal(&sp->wake);
    pthread_mutex_unlock(&sp->lock);
    pthread_join(sp->thread, NULL);
    sp->started = 0;
}

void sampler_free(struct sampler *sp)
{
    sampler_stop(sp);
    free(sp->samples);
    sp->samples = NULL;
    sp->n = 0;
}
