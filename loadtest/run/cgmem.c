#include "cgmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CG_V2_ROOT "/sys/fs/cgroup"
#define CG_V1_ROOT "/sys/fs/cgroup/memory"
/* The kernel's MEMCG_CHARGE_BATCH: pages charged to a group at once and kept per CPU. */
#define CG_CHARGE_BATCH_PAGES 64
/* A group whose last process was just reaped can be busy for a moment. */
#define CG_REMOVE_TRIES 50
#define CG_REMOVE_WAIT_NS 20000000L

static int read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n;
    do
        n = read(fd, buf, len - 1);
    while (n < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (n < 0)
        return -e;
    buf[n] = '\0';
    return (int)n;
}

static int write_small(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    return n < 0 ? -e : 0;
}

static int64_t read_i64(const char *dir, const char *file)
{
    char path[768], buf[64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (read_small(path, buf, sizeof buf) <= 0)
        return -1;
    return strtoll(buf, NULL, 10);
}

static int exists(const char *dir, const char *file)
{
    char path[768];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return access(path, F_OK) == 0;
}

/* The memory hierarchy's path of this process in v1 ("/a/b"), from /proc/self/cgroup. */
static void own_v1_path(char *out, size_t len)
{
    out[0] = '\0';
    char buf[4096];
    if (read_small("/proc/self/cgroup", buf, sizeof buf) <= 0)
        return;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char *p = strstr(line, ":memory:");
        if (p) {
            snprintf(out, len, "%s", p + strlen(":memory:"));
            if (strcmp(out, "/") == 0)
                out[0] = '\0';
            return;
        }
    }
}

static int make_session(struct cgmem_session *s, const char *parent)
{
    snprintf(s->dir, sizeof s->dir, "%s/c10k-bench-%d", parent, (int)getpid());
    if (mkdir(s->dir, 0755) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int cgmem_open(struct cgmem_session *s)
{
    memset(s, 0, sizeof *s);
    if (access(CG_V2_ROOT "/cgroup.controllers", F_OK) == 0) {
        /* v2: a group of our own under the root, with the memory controller handed down to
         * its children (a group with processes cannot hand it down, the root can). */
        char ctl[256] = "";
        read_small(CG_V2_ROOT "/cgroup.subtree_control", ctl, sizeof ctl);
        if (!strstr(ctl, "memory") &&
            write_small(CG_V2_ROOT "/cgroup.subtree_control", "+memory") < 0) {
            snprintf(s->why, sizeof s->why,
                     "cgroup v2: the memory controller is not enabled below %s and cannot be "
                     "(%s)",
                     CG_V2_ROOT, strerror(errno));
            return -EACCES;
        }
        int rc = make_session(s, CG_V2_ROOT);
        char path[600];
        snprintf(path, sizeof path, "%s/cgroup.subtree_control", s->dir);
        if (rc == 0)
            rc = write_small(path, "+memory");
        if (rc < 0) {
            snprintf(s->why, sizeof s->why,
                     "cgroup v2: cannot make %s with the memory controller (%s)", s->dir,
                     strerror(-rc));
            rmdir(s->dir);
            return rc;
        }
        snprintf(s->root, sizeof s->root, "%s", CG_V2_ROOT);
        s->version = 2;
        return 0;
    }
    if (access(CG_V1_ROOT "/memory.kmem.usage_in_bytes", F_OK) == 0) {
        /* v1: beside this process (inside whatever limits it has), else under the root. */
        char own[400], parent[600];
        own_v1_path(own, sizeof own);
        snprintf(parent, sizeof parent, "%s%s", CG_V1_ROOT, own);
        int rc = make_session(s, parent);
        if (rc < 0 && own[0])
            rc = make_session(s, CG_V1_ROOT);
        if (rc < 0) {
            snprintf(s->why, sizeof s->why, "cgroup v1: cannot make a memory group under %s (%s)",
                     CG_V1_ROOT, strerror(-rc));
            return rc;
        }
        snprintf(s->root, sizeof s->root, "%s", CG_V1_ROOT);
        s->version = 1;
        return 0;
    }
    snprintf(s->why, sizeof s->why,
             "no memory cgroup hierarchy with kernel-memory accounting at %s or %s", CG_V2_ROOT,
             CG_V1_ROOT);
    return -ENOENT;
}

void cgmem_close(struct cgmem_session *s)
{
    if (s->version)
        rmdir(s->dir);
    s->version = 0;
}

int cgmem_group_create(const struct cgmem_session *s, const char *name, struct cgmem_group *g)
{
    memset(g, 0, sizeof *g);
    if (!s->version)
        return -ENOENT;
    snprintf(g->dir, sizeof g->dir, "%s/%s", s->dir, name);
    if (mkdir(g->dir, 0755) < 0 && errno != EEXIST)
        return -errno;
    if (!exists(g->dir, s->version == 2 ? "memory.stat" : "memory.kmem.usage_in_bytes")) {
        rmdir(g->dir);
        return -ENOTSUP;
    }
    /* v1 charges TCP buffers to a group only once a tcp limit has been written to it. */
    if (s->version == 1) {
        char path[700];
        snprintf(path, sizeof path, "%s/memory.kmem.tcp.limit_in_bytes", g->dir);
        write_small(path, "-1");
    }
    snprintf(g->rel, sizeof g->rel, "%s", g->dir + strlen(s->root));
    snprintf(g->procs, sizeof g->procs, "%s/cgroup.procs", g->dir);
    g->version = s->version;
    return 0;
}

void cgmem_group_remove(struct cgmem_group *g)
{
    if (!g->version)
        return;
    for (int i = 0; i < CG_REMOVE_TRIES && rmdir(g->dir) < 0 && errno == EBUSY; i++) {
        struct timespec ts = {0, CG_REMOVE_WAIT_NS};
        nanosleep(&ts, NULL);
    }
    g->version = 0;
}

int cgmem_group_holds(const struct cgmem_group *g, pid_t pid)
{
    if (!g->version)
        return 0;
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    if (read_small(path, buf, sizeof buf) <= 0)
        return 0;
    const char *tag = g->version == 2 ? "0::" : ":memory:";
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char *p = strstr(line, tag);
        if (p && (g->version == 1 || p == line) && strcmp(p + strlen(tag), g->rel) == 0)
            return 1;
    }
    return 0;
}

/* The value of "name " at the start of a line of a memory.stat, or -1. */
static int64_t stat_field(const char *text, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, name, nl) == 0 && p[nl] == ' ')
            return strtoll(p + nl + 1, NULL, 10);
    return -1;
}

int cgmem_parse_v2_stat(const char *text, struct cgmem_reading *r)
{
    memset(r, 0, sizeof *r);
    r->kernel_stack_bytes = stat_field(text, "kernel_stack");
    r->page_tables_bytes = stat_field(text, "pagetables");
    r->slab_bytes = stat_field(text, "slab");
    r->sock_bytes = stat_field(text, "sock");
    r->user_bytes = stat_field(text, "anon");
    if (r->kernel_stack_bytes < 0 || r->page_tables_bytes < 0 || r->slab_bytes < 0 ||
        r->sock_bytes < 0)
        return -EINVAL;
    /* "kernel" (Linux 5.18 and later) holds stacks, page tables, slab, percpu and vmalloc;
     * socket buffers are counted apart. */
    int64_t kernel = stat_field(text, "kernel");
    if (kernel < 0) {
        int64_t percpu = stat_field(text, "percpu");
        kernel = r->kernel_stack_bytes + r->page_tables_bytes + r->slab_bytes +
                 (percpu > 0 ? percpu : 0);
    }
    r->kernel_bytes = kernel + r->sock_bytes;
    r->ok = 1;
    return 0;
}

int cgmem_read(const struct cgmem_group *g, struct cgmem_reading *r)
{
    memset(r, 0, sizeof *r);
    if (!g->version)
        return -ENOENT;
    if (g->version == 2) {
        char path[700], buf[8192];
        snprintf(path, sizeof path, "%s/memory.stat", g->dir);
        int rc = read_small(path, buf, sizeof buf);
        if (rc <= 0)
            return rc < 0 ? rc : -EIO;
        return cgmem_parse_v2_stat(buf, r);
    }
    int64_t kmem = read_i64(g->dir, "memory.kmem.usage_in_bytes");
    int64_t tcp = read_i64(g->dir, "memory.kmem.tcp.usage_in_bytes");
    if (kmem < 0)
        return -EIO;
    r->sock_bytes = tcp > 0 ? tcp : 0;
    r->kernel_bytes = kmem + r->sock_bytes;
    r->kernel_stack_bytes = r->page_tables_bytes = r->slab_bytes = -1;
    char path[700], buf[8192];
    snprintf(path, sizeof path, "%s/memory.stat", g->dir);
    r->user_bytes = read_small(path, buf, sizeof buf) > 0 ? stat_field(buf, "rss") : -1;
    r->ok = 1;
    return 0;
}

double cgmem_resolution_bytes(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_CONF);
    return (double)CG_CHARGE_BATCH_PAGES * (double)sysconf(_SC_PAGESIZE) *
           (double)(cpus > 0 ? cpus : 1);
}

const char *cgmem_source(int version)
{
    switch (version) {
    case 2:
        return "the server's own cgroup (v2 memory.stat: kernel + sock)";
    case 1:
        return "the server's own cgroup (v1 memory.kmem.usage_in_bytes + "
               "memory.kmem.tcp.usage_in_bytes)";
    default:
        return "machine-wide (/proc/meminfo KernelStack + PageTables + SUnreclaim, "
               "/proc/net/sockstat TCP mem): includes the load generator's socket ends";
    }
}
