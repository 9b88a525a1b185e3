#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int procfs_parse_stat_times(const char *text, uint64_t *utime, uint64_t *stime)
{
    const char *p = strrchr(text, ')');
    if (!p)
        return -EINVAL;
    p++;
    /* After comm: state(3) ppid(4) ... utime(14) stime(15); p points before field 3. */
    for (int field = 3; field <= 15; field++) {
        while (*p == ' ')
            p++;
        if (!*p)
            return -EINVAL;
        if (field == 14)
            *utime = strtoull(p, NULL, 10);
        if (field == 15) {
            *stime = strtoull(p, NULL, 10);
            return 0;
        }
        while (*p && *p != ' ')
            p++;
    }
    return -EINVAL;
}

int procfs_cpu_seconds(pid_t pid, double *user_s, double *system_s)
{
    char path[64], buf[PROCFS_TEXT_MAX];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    uint64_t ut = 0, st = 0;
    if (procfs_read_text(path, buf, sizeof buf) <= 0 || procfs_parse_stat_times(buf, &ut, &st) < 0)
        return -ESRCH;
    double ticks = (double)sysconf(_SC_CLK_TCK);
    *user_s = (double)ut / ticks;
    *system_s = (double)st / ticks;
    return 0;
}
