#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t procfs_read_text(const char *path, char *buf, size_t len)
{
    if (len == 0)
        return -EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t used = 0;
    while (used < len - 1) {
        ssize_t n = read(fd, buf + used, len - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    close(fd);
    buf[used] = '\0';
    return (ssize_t)used;
}

int64_t procfs_count_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    int64_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

int64_t procfs_fd_count(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    /* Since Linux 6.2 the directory's size is the count: a look at the descriptor table, where
     * reading the directory makes an entry per descriptor (11 ms for 10,000 here, on the load
     * generator's CPU every second the harness samples a server). Older kernels say 0. */
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    if (st.st_size > 0)
        return (int64_t)st.st_size;
    return procfs_count_dir(path);
}

int procfs_status_field(const char *text, const char *name, uint64_t *out)
{
    size_t nl = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
            *out = strtoull(p + nl + 1, NULL, 10);
            return 0;
        }
    }
    return -ENOENT;
}

/* A field, or 0 when absent. */
static uint64_t field_or_zero(const char *text, const char *name)
{
    uint64_t v = 0;
    return procfs_status_field(text, name, &v) == 0 ? v : 0;
}

int procfs_parse_status(const char *text, struct procfs_status *st)
{
    memset(st, 0, sizeof *st);
    if (!strstr(text, "Name:"))
        return -EINVAL;
    st->rss_bytes = field_or_zero(text, "VmRSS") * 1024;
    st->vsize_bytes = field_or_zero(text, "VmSize") * 1024;
    st->peak_rss_bytes = field_or_zero(text, "VmHWM") * 1024;
    st->threads = (int64_t)field_or_zero(text, "Threads");
    st->ctx_voluntary = field_or_zero(text, "voluntary_ctxt_switches");
    st->ctx_involuntary = field_or_zero(text, "nonvoluntary_ctxt_switches");
    return 0;
}

int procfs_status(pid_t pid, struct procfs_status *st)
{
    char path[64], buf[PROCFS_TEXT_MAX];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if (procfs_read_text(path, buf, sizeof buf) <= 0 || procfs_parse_status(buf, st) < 0)
        return -ESRCH;
    return 0;
}

/* Fields a and a + 1 of /proc/PID/stat text (numbered as proc(5) numbers them, 3 the first after
 * comm, which may hold spaces and ')'). Returns 0 or -EINVAL. */
static int stat_pair(const char *text, int a, uint64_t *x, uint64_t *y)
{
    const char *p = strrchr(text, ')');
    if (!p)
        return -EINVAL;
    p++;
    for (int field = 3; field <= a + 1; field++) {
        while (*p == ' ')
            p++;
        if (!*p)
            return -EINVAL;
        if (field == a)
            *x = strtoull(p, NULL, 10);
        if (field == a + 1) {
            *y = strtoull(p, NULL, 10);
            return 0;
        }
        while (*p && *p != ' ')
            p++;
    }
    return -EINVAL;
}

int procfs_parse_stat_times(const char *text, uint64_t *utime, uint64_t *stime)
{
    return stat_pair(text, 14, utime, stime);
}

int procfs_parse_stat_reaped_times(const char *text, uint64_t *cutime, uint64_t *cstime)
{
    return stat_pair(text, 16, cutime, cstime);
}

/* Two tick counts of /proc/PID/stat, in seconds. */
static int stat_seconds(pid_t pid, int (*parse)(const char *, uint64_t *, uint64_t *), double *a_s,
                        double *b_s)
{
    char path[64], buf[PROCFS_TEXT_MAX];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    uint64_t a = 0, b = 0;
    if (procfs_read_text(path, buf, sizeof buf) <= 0 || parse(buf, &a, &b) < 0)
        return -ESRCH;
    double ticks = (double)sysconf(_SC_CLK_TCK);
    *a_s = (double)a / ticks;
    *b_s = (double)b / ticks;
    return 0;
}

int procfs_cpu_seconds(pid_t pid, double *user_s, double *system_s)
{
    return stat_seconds(pid, procfs_parse_stat_times, user_s, system_s);
}

int procfs_reaped_cpu_seconds(pid_t pid, double *user_s, double *system_s)
{
    return stat_seconds(pid, procfs_parse_stat_reaped_times, user_s, system_s);
}

int procfs_ctx_switches(pid_t pid, uint64_t *voluntary, uint64_t *involuntary)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -ESRCH;
    *voluntary = *involuntary = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char tpath[96], buf[PROCFS_TEXT_MAX];
        snprintf(tpath, sizeof tpath, "/proc/%d/task/%.20s/status", (int)pid, e->d_name);
        struct procfs_status ts;
        if (procfs_read_text(tpath, buf, sizeof buf) <= 0 || procfs_parse_status(buf, &ts) < 0)
            continue; /* the thread ended meanwhile */
        *voluntary += ts.ctx_voluntary;
        *involuntary += ts.ctx_involuntary;
    }
    closedir(d);
    return 0;
}

int procfs_parse_smaps_rollup(const char *text, struct procfs_smaps *out)
{
    memset(out, 0, sizeof *out);
    static const struct {
        const char *name;
        size_t offset;
    } fields[] = {
        {"Rss", offsetof(struct procfs_smaps, rss)},
        {"Pss", offsetof(struct procfs_smaps, pss)},
        {"Shared_Clean", offsetof(struct procfs_smaps, shared_clean)},
        {"Shared_Dirty", offsetof(struct procfs_smaps, shared_dirty)},
        {"Private_Clean", offsetof(struct procfs_smaps, private_clean)},
        {"Private_Dirty", offsetof(struct procfs_smaps, private_dirty)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        uint64_t kb = 0;
        int required = i < 2; /* Rss and Pss */
        if (procfs_status_field(text, fields[i].name, &kb) < 0 && required)
            return -EINVAL;
        *(uint64_t *)(void *)((char *)out + fields[i].offset) = kb * 1024;
    }
    out->uss = out->private_clean + out->private_dirty;
    return 0;
}

int procfs_smaps_rollup(pid_t pid, struct procfs_smaps *out)
{
    char path[64], buf[PROCFS_TEXT_MAX];
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
    ssize_t n = procfs_read_text(path, buf, sizeof buf);
    if (n == -ENOENT) {
        snprintf(path, sizeof path, "/proc/%d", (int)pid);
        return access(path, F_OK) == 0 ? -ENOENT : -ESRCH;
    }
    if (n <= 0 || procfs_parse_smaps_rollup(buf, out) < 0)
        return -ESRCH; /* a zombie has no mappings left */
    return 0;
}

int procfs_parse_stat_ppid(const char *text, pid_t *ppid, char *state)
{
    const char *p = strrchr(text, ')');
    char st;
    int pp;
    if (!p || sscanf(p + 1, " %c %d", &st, &pp) != 2)
        return -EINVAL;
    *ppid = (pid_t)pp;
    *state = st;
    return 0;
}

/* The parent and state of pid: 0, or -ESRCH. */
static int read_ppid(pid_t pid, pid_t *ppid, char *state)
{
    char path[64], buf[PROCFS_TEXT_MAX];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (procfs_read_text(path, buf, sizeof buf) <= 0 ||
        procfs_parse_stat_ppid(buf, ppid, state) < 0)
        return -ESRCH;
    return 0;
}

int procfs_state(pid_t pid)
{
    pid_t ppid;
    char state;
    return read_ppid(pid, &ppid, &state) < 0 ? -ESRCH : (unsigned char)state;
}

struct pid_pair {
    pid_t pid, ppid;
};

/* Every process of the machine with its parent, from one pass over /proc. */
static int64_t all_processes(struct pid_pair **out)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -errno;
    size_t n = 0, cap = 512;
    struct pid_pair *v = malloc(cap * sizeof *v);
    struct dirent *e;
    while (v && (e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        pid_t ppid;
        char state;
        if (*end != '\0' || pid <= 0 || read_ppid((pid_t)pid, &ppid, &state) < 0)
            continue;
        if (n == cap) {
            struct pid_pair *bigger = realloc(v, 2 * cap * sizeof *v);
            if (!bigger) {
                free(v);
                v = NULL;
                break;
            }
            v = bigger;
            cap *= 2;
        }
        v[n++] = (struct pid_pair){(pid_t)pid, ppid};
    }
    closedir(d);
    if (!v)
        return -ENOMEM;
    *out = v;
    return (int64_t)n;
}

static int by_ppid(const void *a, const void *b)
{
    const struct pid_pair *x = a, *y = b;
    return (x->ppid > y->ppid) - (x->ppid < y->ppid);
}

/* The first index in v (sorted by parent) whose parent is ppid, or where it would be. */
static size_t first_child(const struct pid_pair *v, size_t n, pid_t ppid)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].ppid < ppid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int64_t procfs_tree_pids(pid_t root, pid_t *out, size_t max)
{
    pid_t ppid;
    char state;
    if (read_ppid(root, &ppid, &state) < 0)
        return -ESRCH;
    struct pid_pair *all = NULL;
    int64_t n_all = all_processes(&all);
    if (n_all < 0)
        return n_all;
    /* Breadth first: the tree so far is the queue; each one's children are a run of `all`, sorted
     * by parent. */
    qsort(all, (size_t)n_all, sizeof *all, by_ppid);
    pid_t *tree = malloc(((size_t)n_all + 1) * sizeof *tree);
    if (!tree) {
        free(all);
        return -ENOMEM;
    }
    size_t n = 0;
    tree[n++] = root;
    for (size_t head = 0; head < n; head++)
        for (size_t i = first_child(all, (size_t)n_all, tree[head]);
             i < (size_t)n_all && all[i].ppid == tree[head]; i++)
            if (all[i].pid != root)
                tree[n++] = all[i].pid;
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = tree[i];
    free(tree);
    free(all);
    return (int64_t)n;
}
