/* The server's own kernel memory, from a memory cgroup of its own. Machine-wide counters
 * (/proc/meminfo, /proc/net/sockstat) also hold the load generator's socket ends and whatever
 * else runs; a cgroup that holds only the server is charged only for what the server's
 * threads, sockets and files cost. cgroup v2: memory.stat (kernel, kernel_stack, pagetables,
 * slab, sock); cgroup v1: memory.kmem.usage_in_bytes and memory.kmem.tcp.usage_in_bytes (TCP
 * buffers are charged only once a tcp limit has been written, so each run's group writes one).
 *
 * c10k-bench makes one group for the session (c10k-bench-PID) and one child per run, which the
 * server joins between fork and exec. Where neither hierarchy can be written (a container
 * without delegation, no root), cgmem_open says why and the figures are machine-wide only. */
#ifndef C10K_BENCH_CGMEM_H
#define C10K_BENCH_CGMEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cgmem_session {
    int version;    /* 1 or 2; 0: no group of our own (why says why) */
    char dir[512];  /* the session's directory */
    char root[128]; /* the hierarchy's mount point */
    char why[800];
};

/* One run's group. */
struct cgmem_group {
    int version; /* 0: none */
    char dir[640];
    char rel[640];   /* the path /proc/PID/cgroup shows for it */
    char procs[660]; /* dir/cgroup.procs, for the child to join */
};

/* What one reading says, in bytes; -1 where this version does not say. */
struct cgmem_reading {
    int ok;
    int64_t kernel_bytes;       /* every byte of kernel memory charged, sockets' buffers too */
    int64_t sock_bytes;         /* TCP buffers (v1: memory.kmem.tcp.usage_in_bytes) */
    int64_t kernel_stack_bytes; /* v2 only */
    int64_t page_tables_bytes;  /* v2 only */
    int64_t slab_bytes;         /* v2 only */
    int64_t user_bytes;         /* anonymous memory (v2 anon, v1 rss): the RSS cross-check */
};

/* Finds a writable memory hierarchy and makes the session's group. Returns 0 (version set),
 * or a negative errno with why filled; either way the session can be closed. */
int cgmem_open(struct cgmem_session *s);
void cgmem_close(struct cgmem_session *s);

/* Makes a fresh group for one run under the session. Returns 0 or a negative errno (g->version
 * is then 0). */
int cgmem_group_create(const struct cgmem_session *s, const char *name, struct cgmem_group *g);
/* Removes it once its processes have ended (retries while they are being reaped). */
void cgmem_group_remove(struct cgmem_group *g);
/* Whether pid is in the group now (read from /proc/PID/cgroup). */
int cgmem_group_holds(const struct cgmem_group *g, pid_t pid);

/* Reads the group's counters. Returns 0 or a negative errno (r->ok is 0 then). */
int cgmem_read(const struct cgmem_group *g, struct cgmem_reading *r);

/* The smallest change the counters can show: the kernel charges a cgroup in batches of 64
 * pages per CPU, so a reading may be ahead of the real use by up to that much. */
double cgmem_resolution_bytes(void);

/* What the figures are called in the results: "cgroup v1 memory.kmem.usage_in_bytes + ..." */
const char *cgmem_source(int version);

/* Parses a v2 memory.stat. Returns 0 or -EINVAL. Exposed for tests. */
int cgmem_parse_v2_stat(const char *text, struct cgmem_reading *r);

#endif
