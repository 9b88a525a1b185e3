#include "procs.h"

#include "blocking.h"
#include "procfs.h"
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* A signal handler takes no argument, so what a serving process's drain handler reaches is the
 * one file-level state of the process models: set in each child after the fork, before the
 * drain signals are unblocked, and never in the main process. */
static struct server *drain_server;
static struct blocking_slot *_Atomic drain_slot; /* the connection being served, or NULL */

/* SIGTERM or SIGINT in a serving process: stop as the thread models do. A request under way is
 * answered (with Connection: close); a connection waiting for its next request is closed; a
 * blocked accept or read returns EINTR and sees the stop. */
static void on_drain_signal(int sig)
{
    (void)sig;
    int saved = errno;
    atomic_store(&drain_server->env.stopping, 1);
    struct blocking_slot *s = atomic_load(&drain_slot);
    if (s)
        blocking_wake_slot(s);
    errno = saved;
}

int procs_init(struct procs *p, struct server *srv, uint32_t children)
{
    *p = (struct procs){.main_pid = getpid()};
    uint32_t n = children + PROCS_MAIN_SLOTS;
    p->area = stats_area_create(n);
    p->free_slots = malloc((size_t)children * sizeof *p->free_slots);
    if (p->area == NULL || p->free_slots == NULL) {
        int err = p->area == NULL ? errno : ENOMEM;
        fprintf(stderr, "c10k-server: %s: cannot map counters for %u processes: %s\n",
                srv->mode->name, n, strerror(err));
        stats_area_destroy(p->area);
        free(p->free_slots);
        return -err;
    }
    /* Taken from the end: the lowest slots first, so that few pages are ever touched. */
    for (uint32_t k = 0; k < children; k++)
        p->free_slots[k] = n - 1 - k;
    p->n_free = children;
    stats_area_assign(p->area, PROCS_SLOT_MAIN, p->main_pid);
    stats_area_assign(p->area, PROCS_SLOT_REAPER, p->main_pid);
    srv->main_shard = &p->area->slots[PROCS_SLOT_MAIN].shard;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    return 0;
}

void procs_destroy(struct procs *p)
{
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->lock);
    free(p->free_slots);
    /* The area stays mapped: the server's main shard points into it until the process exits. */
}

/* The child's side of the fork. */
static void child_start(struct procs *p, struct server *srv, uint32_t slot)
{
    /* No serving process outlives the server, whatever ends it; and if it has ended already
     * (before the prctl), this one goes at once. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != p->main_pid)
        _exit(1);
    srv->main_shard = &p->area->slots[slot].shard;
    drain_server = srv;
    struct sigaction sa = {.sa_handler = on_drain_signal}; /* no SA_RESTART: blocked calls return */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    /* Blocked in every thread of the main process (its signal thread takes them); a signal sent
     * since the fork is pending and arrives now. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

pid_t procs_fork(struct procs *p, struct server *srv)
{
    pthread_mutex_lock(&p->lock);
    if (p->n_free == 0) {
        pthread_mutex_unlock(&p->lock);
        return -EAGAIN;
    }
    uint32_t slot = p->free_slots[--p->n_free];
    stats_area_reserve(p->area, slot); /* summed from the child's first count on */
    pid_t pid = fork();
    if (pid == 0) {
        child_start(p, srv, slot); /* p->lock stays as the fork left it: the child never uses it */
        return 0;
    }
    if (pid < 0) {
        int err = errno;
        p->free_slots[p->n_free++] = slot;
        pthread_mutex_unlock(&p->lock);
        return -err;
    }
    stats_area_assign(p->area, slot, (int32_t)pid);
    p->live++;
    pthread_cond_broadcast(&p->changed); /* a reaper waiting for a child to exist */
    pthread_mutex_unlock(&p->lock);
    return pid;
}

void procs_serve(struct server *srv, struct blocking_conn *bc, struct blocking_ctx *ctx)
{
    atomic_store(&drain_slot, &bc->slot);
    blocking_serve(srv, bc, srv->main_shard, ctx, -1);
    atomic_store(&drain_slot, NULL);
}

void procs_signal_all(struct procs *p, int sig)
{
    pthread_mutex_lock(&p->lock);
    uint32_t used = atomic_load(&p->area->used);
    for (uint32_t i = PROCS_MAIN_SLOTS; i < used; i++) {
        pid_t pid = atomic_load(&p->area->slots[i].pid);
        if (pid > 0)
            kill(pid, sig);
    }
    pthread_mutex_unlock(&p->lock);
}

static uint64_t micros(struct timeval tv)
{
    return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

/* Under p->lock: the slot of child pid, or 0 when it is not one of ours. */
static uint32_t slot_of(struct procs *p, pid_t pid)
{
    uint32_t used = atomic_load(&p->area->used);
    for (uint32_t i = PROCS_MAIN_SLOTS; i < used; i++)
        if (atomic_load(&p->area->slots[i].pid) == pid)
            return i;
    return 0;
}

int procs_reap(struct procs *p, int options, struct procs_ended *out)
{
    for (;;) {
        int status;
        struct rusage ru;
        pid_t pid = wait4(-1, &status, options, &ru);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            return -errno;
        if (pid == 0)
            return -EAGAIN;
        pthread_mutex_lock(&p->lock);
        uint32_t slot = slot_of(p, pid);
        if (slot != 0) {
            stats_area_retire(p->area, slot, micros(ru.ru_utime), micros(ru.ru_stime),
                              (uint64_t)ru.ru_nvcsw, (uint64_t)ru.ru_nivcsw);
            p->free_slots[p->n_free++] = slot;
            p->live--;
            pthread_cond_broadcast(&p->changed);
        }
        pthread_mutex_unlock(&p->lock);
        if (slot == 0)
            continue; /* not a serving process (a sanitizer's helper, say) */
        *out = (struct procs_ended){
            .pid = pid,
            .status = status,
            .died = WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0),
        };
        return 0;
    }
}

void procs_reap_all(struct procs *p)
{
    struct procs_ended e;
    while (procs_reap(p, 0, &e) == 0) {
    }
}

void procs_wait_all(struct procs *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->live > 0)
        pthread_cond_wait(&p->changed, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

uint32_t procs_children(struct procs *p)
{
    uint32_t n = 0, used = atomic_load(&p->area->used);
    for (uint32_t i = PROCS_MAIN_SLOTS; i < used; i++)
        n += atomic_load(&p->area->slots[i].pid) > 0;
    return n;
}

void procs_counters(struct procs *p, uint64_t v[STAT_COUNT])
{
    stats_area_sum(p->area, v, NULL);
}

/* Adds one live process's /proc figures. */
static void add_process(struct process_stats *out, pid_t pid)
{
    struct procfs_status st;
    if (procfs_status(pid, &st) < 0)
        return; /* gone meanwhile: its use is in the ended totals once reaped */
    out->rss_bytes += st.rss_bytes;
    out->peak_rss_bytes += st.peak_rss_bytes;
    out->vsize_bytes += st.vsize_bytes;
    out->threads += (long)st.threads;
    uint64_t vol, invol;
    if (procfs_ctx_switches(pid, &vol, &invol) == 0) {
        out->ctx_voluntary += vol;
        out->ctx_involuntary += invol;
    }
    double user, sys;
    if (procfs_cpu_seconds(pid, &user, &sys) == 0) {
        out->cpu_user_s += user;
        out->cpu_system_s += sys;
    }
    int64_t fds = procfs_fd_count(pid);
    if (fds > 0)
        out->open_fds += (long)fds - (pid == getpid()); /* the directory being read */
    out->processes++;
}

void procs_process_stats(struct procs *p, struct process_stats *out)
{
    *out = (struct process_stats){.shared_counter_bytes = p->area->bytes};
    uint64_t v[STAT_COUNT];
    struct stats_usage_sum ended;
    stats_area_sum(p->area, v, &ended);
    add_process(out, p->main_pid);
    uint32_t used = atomic_load(&p->area->used);
    for (uint32_t i = PROCS_MAIN_SLOTS; i < used; i++) {
        pid_t pid = atomic_load(&p->area->slots[i].pid);
        if (pid > 0)
            add_process(out, pid);
    }
    out->ctx_voluntary += ended.ctx_voluntary;
    out->ctx_involuntary += ended.ctx_involuntary;
    out->cpu_user_s += (double)ended.user_us / 1e6;
    out->cpu_system_s += (double)ended.system_us / 1e6;
}
