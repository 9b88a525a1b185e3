#include "placement.h"

#include "sample.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int placement_parse_stat(const char *text, long long *ticks, int *cpu)
{
    /* The command name may hold spaces and parentheses: the fields start after the last ')'. */
    const char *p = strrchr(text, ')');
    if (!p)
        return -EINVAL;
    p++;
    long long utime = -1, stime = -1, processor = -1;
    /* Field 3 (the state) is the first after the name; utime is 14, stime 15, processor 39. */
    for (int field = 3; field <= 39; field++) {
        while (*p == ' ')
            p++;
        if (!*p || *p == '\n')
            return -EINVAL;
        char *end;
        long long v = field == 3 ? 0 : strtoll(p, &end, 10);
        if (field == 3)
            end = (char *)p + strcspn(p, " ");
        else if (end == p)
            return -EINVAL;
        if (field == 14)
            utime = v;
        else if (field == 15)
            stime = v;
        else if (field == 39)
            processor = v;
        p = end;
    }
    if (utime < 0 || stime < 0 || processor < 0)
        return -EINVAL;
    *ticks = utime + stime;
    *cpu = (int)processor;
    return 0;
}

long long placement_parse_migrations(const char *text)
{
    const char *p = text ? strstr(text, "se.nr_migrations") : NULL;
    if (!p)
        return -1;
    p = strchr(p, ':');
    if (!p)
        return -1;
    char *end;
    long long v = strtoll(p + 1, &end, 10);
    return end == p + 1 || v < 0 ? -1 : v;
}

static struct placement_task *task_of(struct placement *p, pid_t tid)
{
    for (int i = 0; i < p->n_tasks; i++)
        if (p->tasks[i].tid == tid)
            return &p->tasks[i];
    return NULL;
}

/* A task's CPU time in ns: schedstat's, else stat's ticks. Returns whether from schedstat. */
static int cpu_time_ns(long long ticks, const char *schedstat, long long *ns)
{
    uint64_t run_ns, wait_ns, slices;
    if (schedstat && sample_parse_schedstat(schedstat, &run_ns, &wait_ns, &slices) == 0) {
        *ns = (long long)run_ns;
        return 1;
    }
    static long hz;
    if (!hz)
        hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
    *ns = ticks * (1000000000LL / hz);
    return 0;
}

void placement_add(struct placement *p, pid_t pid, pid_t tid, const char *stat,
                   const char *schedstat, const char *sched)
{
    long long ticks, ns;
    int cpu;
    if (placement_parse_stat(stat, &ticks, &cpu) < 0 || cpu >= PLACEMENT_CPUS)
        return;
    int from_schedstat = cpu_time_ns(ticks, schedstat, &ns);
    long long mig = placement_parse_migrations(sched);
    struct placement_task *t = task_of(p, tid);
    if (!t) {
        if (p->n_tasks == PLACEMENT_TASKS) {
            p->dropped++;
            return;
        }
        t = &p->tasks[p->n_tasks++];
        memset(t, 0, sizeof *t);
        t->pid = pid;
        t->tid = tid;
        t->ns0 = ns;
        t->from_schedstat = from_schedstat;
        t->mig0 = mig;
        CPU_ZERO(&t->cpus);
    } else if (from_schedstat != t->from_schedstat) {
        return; /* a reading without schedstat: its time does not compare */
    } else if (ns > t->ns) {
        /* The CPU time since the last reading goes to the CPU it is on now. */
        p->cpu_ns[cpu] += ns - t->ns;
        CPU_SET(cpu, &t->cpus);
        t->moves += cpu != t->cpu;
    }
    t->cpu = cpu;
    t->ns = ns;
    t->mig = mig;
    t->seen = p->readings;
}

void placement_next(struct placement *p, double t)
{
    if (p->readings == 0)
        p->t0 = t;
    p->t1 = t;
    p->readings++;
}

static char *read_small(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n ? buf : NULL;
}

static void read_process(struct placement *p, pid_t pid)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        pid_t tid = (pid_t)atoi(e->d_name);
        if (tid <= 0)
            continue;
        char path[128], stat[1024], schedstat[128], sched[4096];
        snprintf(path, sizeof path, "%s/%d/stat", dir, (int)tid);
        if (!read_small(path, stat, sizeof stat))
            continue;
        snprintf(path, sizeof path, "%s/%d/schedstat", dir, (int)tid);
        const char *ss = read_small(path, schedstat, sizeof schedstat);
        snprintf(path, sizeof path, "%s/%d/sched", dir, (int)tid);
        placement_add(p, pid, tid, stat, ss, read_small(path, sched, sizeof sched));
    }
    closedir(d);
}

#define PLACEMENT_CHILDREN 64

void placement_read(struct placement *p, pid_t pid, double t)
{
    pid_t kids[PLACEMENT_CHILDREN];
    int n = sample_children(pid, kids, PLACEMENT_CHILDREN);
    read_process(p, pid);
    for (int i = 0; i < n; i++)
        read_process(p, kids[i]);
    if (1 + (n > 0 ? n : 0) > p->processes)
        p->processes = 1 + (n > 0 ? n : 0);
    placement_next(p, t);
}

void placement_summarise(const struct placement *p, struct placement_figures *f)
{
    memset(f, 0, sizeof *f);
    f->readings = p->readings;
    f->window_s = p->t1 - p->t0;
    f->processes = p->processes;
    long long total = 0, best = 0, moves = 0, migrations = 0;
    int sched = 1;
    for (int c = 0; c < PLACEMENT_CPUS; c++) {
        total += p->cpu_ns[c];
        if (p->cpu_ns[c] > best)
            best = p->cpu_ns[c];
        if (p->cpu_ns[c] > 0)
            f->n_cpus = c + 1;
    }
    for (int c = 0; c < f->n_cpus; c++) {
        f->shares[c] = total > 0 ? (double)p->cpu_ns[c] / (double)total : 0;
        f->cpus_busy += f->shares[c] >= PLACEMENT_BUSY_SHARE;
    }
    f->busiest_cpu_share = total > 0 ? (double)best / (double)total : 0;
    for (int i = 0; i < p->n_tasks; i++) {
        const struct placement_task *t = &p->tasks[i];
        if (t->ns <= t->ns0)
            continue;
        f->threads++;
        f->threads_multi_cpu += CPU_COUNT(&t->cpus) > 1;
        moves += t->moves;
        if (t->mig0 < 0 || t->mig < t->mig0)
            sched = 0;
        else
            migrations += t->mig - t->mig0;
    }
    f->migrations_from_sched = sched && f->threads > 0;
    f->migrations = f->migrations_from_sched ? migrations : moves;
}
