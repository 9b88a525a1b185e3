#include "env.h"

#include "proc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Descriptors a process needs besides its connections (listeners, stdio, epoll, logs). */
#define ENV_FD_MARGIN 64
/* Threads the server has besides one per connection (main, signals, loops). */
#define ENV_THREAD_MARGIN 16
/* Mappings a process has besides two per thread stack (stack and guard page). */
#define ENV_MAP_MARGIN 1000
/* Above this, a cgroup limit means "none" (v1 reports 2^63 rounded to pages). */
#define ENV_CG_UNLIMITED (1LL << 60)

static long long read_ll(const char *path, long long fallback)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return fallback;
    char buf[64];
    long long v = fallback;
    if (fgets(buf, sizeof buf, f)) {
        if (strncmp(buf, "max", 3) == 0)
            v = ENV_UNLIMITED;
        else
            v = strtoll(buf, NULL, 10);
    }
    fclose(f);
    return v;
}

static long long meminfo_kib(const char *name)
{
    FILE *f = fopen("/proc/meminfo", "re");
    if (!f)
        return -1;
    char line[256];
    long long v = -1;
    size_t nl = strlen(name);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, name, nl) == 0 && line[nl] == ':') {
            v = strtoll(line + nl + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

void env_format_cpus(const cpu_set_t *set, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, set))
            continue;
        int end = c;
        while (end + 1 < CPU_SETSIZE && CPU_ISSET(end + 1, set))
            end++;
        int n = end > c ? snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", c, end)
                        : snprintf(buf + used, len - used, "%s%d", used ? "," : "", c);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
        c = end;
    }
}

/* The limit for a cgroup controller file: the smallest along the path up to the root. */
static long long cgroup_min(const char *base, const char *path, const char *file)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    long long best = ENV_UNLIMITED;
    for (;;) {
        char full[1024];
        snprintf(full, sizeof full, "%s%s/%s", base, strcmp(dir, "/") == 0 ? "" : dir, file);
        long long v = read_ll(full, ENV_UNLIMITED);
        if (v >= ENV_CG_UNLIMITED)
            v = ENV_UNLIMITED;
        if (v >= 0 && (best < 0 || v < best))
            best = v;
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir) {
            if (strcmp(dir, "/") == 0)
                break;
            snprintf(dir, sizeof dir, "/");
            continue;
        }
        *slash = '\0';
    }
    return best;
}

static void read_cgroup(struct bench_env *e)
{
    e->cgroup_version = 0;
    e->cg_pids_max = e->cg_memory_max = ENV_UNLIMITED;
    e->cg_pids_current = e->cg_memory_current = -1;
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return;
    char line[1024];
    char v2path[512] = "", pids_path[512] = "", mem_path[512] = "";
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        const char *ctrl = c1 + 1, *path = c2 + 1;
        if (strcmp(line, "0") == 0 && *ctrl == '\0')
            snprintf(v2path, sizeof v2path, "%s", path);
        else if (strstr(ctrl, "pids"))
            snprintf(pids_path, sizeof pids_path, "%s", path);
        else if (strstr(ctrl, "memory"))
            snprintf(mem_path, sizeof mem_path, "%s", path);
    }
    fclose(f);
    if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 && v2path[0]) {
        e->cgroup_version = 2;
        e->cg_pids_max = cgroup_min("/sys/fs/cgroup", v2path, "pids.max");
        e->cg_memory_max = cgroup_min("/sys/fs/cgroup", v2path, "memory.max");
        char p[1024];
        snprintf(p, sizeof p, "/sys/fs/cgroup%s/pids.current", v2path);
        e->cg_pids_current = read_ll(p, -1);
        snprintf(p, sizeof p, "/sys/fs/cgroup%s/memory.current", v2path);
        e->cg_memory_current = read_ll(p, -1);
    } else if (pids_path[0] || mem_path[0]) {
        e->cgroup_version = 1;
        char p[1024];
        if (pids_path[0]) {
            e->cg_pids_max = cgroup_min("/sys/fs/cgroup/pids", pids_path, "pids.max");
            snprintf(p, sizeof p, "/sys/fs/cgroup/pids%s/pids.current", pids_path);
            e->cg_pids_current = read_ll(p, -1);
        }
        if (mem_path[0]) {
            e->cg_memory_max =
                cgroup_min("/sys/fs/cgroup/memory", mem_path, "memory.limit_in_bytes");
            snprintf(p, sizeof p, "/sys/fs/cgroup/memory%s/memory.usage_in_bytes", mem_path);
            e->cg_memory_current = read_ll(p, -1);
        }
    }
}

void env_refresh(struct bench_env *e)
{
    /* /proc/loadavg: "0.00 0.01 0.05 1/123 4567": the second number of the fourth field is the
     * number of threads on the machine. */
    FILE *f = fopen("/proc/loadavg", "re");
    e->tasks_now = 0;
    if (f) {
        double a, b, c;
        long running, total;
        if (fscanf(f, "%lf %lf %lf %ld/%ld", &a, &b, &c, &running, &total) == 5)
            e->tasks_now = total;
        fclose(f);
    }
    read_cgroup(e);
    long long cl = meminfo_kib("CommitLimit"), ca = meminfo_kib("Committed_AS");
    e->commit_limit_bytes = cl >= 0 ? cl * 1024 : -1;
    e->committed_bytes = ca >= 0 ? ca * 1024 : -1;
    env_conntrack_count(e);
    long long avail = meminfo_kib("MemAvailable");
    e->mem_available_bytes = avail > 0 ? (uint64_t)avail * 1024 : 0;
}

long long env_conntrack_count(struct bench_env *e)
{
    e->conntrack_max = read_ll("/proc/sys/net/netfilter/nf_conntrack_max", -1);
    e->conntrack_count =
        e->conntrack_max > 0 ? read_ll("/proc/sys/net/netfilter/nf_conntrack_count", -1) : -1;
    e->conntrack_time_wait_s =
        e->conntrack_max > 0
            ? read_ll("/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_time_wait", -1)
            : -1;
    return e->conntrack_count;
}

static void split_cpus(struct bench_env *e)
{
    CPU_ZERO(&e->server_cpus);
    CPU_ZERO(&e->load_cpus);
    int cpus[CPU_SETSIZE], n = 0;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &e->allowed))
            cpus[n++] = c;
    e->pinned = n >= 2;
    if (!e->pinned) {
        e->server_cpus = e->allowed;
        e->load_cpus = e->allowed;
    } else {
        /* Load on the lower half (it includes c10k-bench and its sampler), server on the
         * upper half: with 2 CPUs, one each. */
        int load = n / 2;
        for (int i = 0; i < n; i++)
            CPU_SET(cpus[i], i < load ? &e->load_cpus : &e->server_cpus);
    }
    e->n_server_cpus = CPU_COUNT(&e->server_cpus);
    e->n_load_cpus = CPU_COUNT(&e->load_cpus);
    env_format_cpus(&e->server_cpus, e->server_cpu_list, sizeof e->server_cpu_list);
    env_format_cpus(&e->load_cpus, e->load_cpu_list, sizeof e->load_cpu_list);
}

int env_read(struct bench_env *e)
{
    memset(e, 0, sizeof *e);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        e->nofile_soft = rl.rlim_cur == RLIM_INFINITY ? ENV_UNLIMITED : (long long)rl.rlim_cur;
        e->nofile_hard = rl.rlim_max == RLIM_INFINITY ? ENV_UNLIMITED : (long long)rl.rlim_max;
    }
    if (getrlimit(RLIMIT_STACK, &rl) == 0)
        e->stack_bytes = rl.rlim_cur == RLIM_INFINITY ? ENV_UNLIMITED : (long long)rl.rlim_cur;
    if (getrlimit(RLIMIT_NPROC, &rl) == 0)
        e->nproc = rl.rlim_cur == RLIM_INFINITY ? ENV_UNLIMITED : (long long)rl.rlim_cur;

    struct utsname u;
    if (uname(&u) == 0)
        snprintf(e->kernel, sizeof e->kernel, "%s %s %s", u.sysname, u.release, u.machine);
    FILE *f = fopen("/proc/cpuinfo", "re");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *colon = strchr(line, ':');
                if (colon) {
                    colon += strspn(colon + 1, " \t") + 1;
                    colon[strcspn(colon, "\n")] = '\0';
                    snprintf(e->cpu_model, sizeof e->cpu_model, "%s", colon);
                }
                break;
            }
        }
        fclose(f);
    }
    e->cpus_online = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (sched_getaffinity(0, sizeof e->allowed, &e->allowed) < 0)
        return -errno;
    e->cpus_allowed = CPU_COUNT(&e->allowed);
    split_cpus(e);

    e->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
    e->clock_ticks = sysconf(_SC_CLK_TCK);
    long long total = meminfo_kib("MemTotal");
    e->mem_total_bytes = total > 0 ? (uint64_t)total * 1024 : 0;

    e->port_lo = 32768;
    e->port_hi = 60999;
    f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
    if (f) {
        unsigned lo, hi;
        if (fscanf(f, "%u %u", &lo, &hi) == 2) {
            e->port_lo = lo;
            e->port_hi = hi;
        }
        fclose(f);
    }
    e->pid_max = read_ll("/proc/sys/kernel/pid_max", -1);
    e->threads_max = read_ll("/proc/sys/kernel/threads-max", -1);
    e->max_map_count = read_ll("/proc/sys/vm/max_map_count", -1);
    e->somaxconn = read_ll("/proc/sys/net/core/somaxconn", -1);
    e->syn_backlog = read_ll("/proc/sys/net/ipv4/tcp_max_syn_backlog", -1);
    e->overcommit_memory = read_ll("/proc/sys/vm/overcommit_memory", -1);
    e->tcp_tw_reuse = read_ll("/proc/sys/net/ipv4/tcp_tw_reuse", -1);
    env_refresh(e);
    return 0;
}

static int over(long long have, long long need)
{
    return have >= 0 && need > have;
}

static int fail(struct env_limit *lim, const char *name, long long have, long long need,
                const char *how)
{
    snprintf(lim->name, sizeof lim->name, "%s", name);
    lim->have = have;
    lim->need = need;
    snprintf(lim->how, sizeof lim->how, "%s", how);
    return 1;
}

/* The limits a task per connection meets: every task (thread or process) takes a pid, counts
 * in threads-max, in the cgroup's pids.max and in the user's process limit; a thread's stack is
 * also two mappings of its process and, under strict overcommit, committed in full. A process
 * has mappings of its own (vm.max_map_count is per process); what fork commits under strict
 * overcommit is the server's private writable memory, which the run cannot know before it. */
static int check_tasks(const struct bench_env *e, enum env_tasks kind, long long connections,
                       long long stack_bytes, struct env_limit *lim)
{
    int procs = kind == ENV_TASKS_PROCESSES;
    const char *what = procs ? "process" : "thread";
    char how[256];
    long long threads = connections + ENV_THREAD_MARGIN;
    long long tasks = e->tasks_now > 0 ? e->tasks_now : 0;
    snprintf(how, sizeof how, "every %s takes a pid: sysctl -w kernel.pid_max=4194304", what);
    if (e->pid_max > 0 && over(e->pid_max - tasks, threads))
        return fail(lim, "kernel.pid_max", e->pid_max - tasks, threads, how);
    if (e->threads_max > 0 && over(e->threads_max - tasks, threads))
        return fail(lim, "kernel.threads-max", e->threads_max - tasks, threads,
                    procs ? "every process is a task the kernel counts as a thread: sysctl -w "
                            "kernel.threads-max=N (N above the processes wanted)"
                          : "sysctl -w kernel.threads-max=N (N above the threads wanted)");
    long long maps = 2 * threads + ENV_MAP_MARGIN;
    if (!procs && over(e->max_map_count, maps))
        return fail(lim, "vm.max_map_count", e->max_map_count, maps,
                    "each thread stack is two mappings (stack and guard page): "
                    "sysctl -w vm.max_map_count=262144");
    if (e->cg_pids_max >= 0) {
        long long left = e->cg_pids_max - (e->cg_pids_current > 0 ? e->cg_pids_current : 0);
        if (over(left, threads))
            return fail(lim, "cgroup pids.max", left, threads,
                        "the container or service limits its tasks: raise pids.max (docker run "
                        "--pids-limit, TasksMax= for a systemd unit)");
    }
    if (e->nproc >= 0 && geteuid() != 0) {
        snprintf(how, sizeof how,
                 "%s count against the user's process limit: ulimit -u N, or nproc in "
                 "/etc/security/limits.conf",
                 procs ? "processes" : "threads");
        if (over(e->nproc - tasks, threads))
            return fail(lim, "RLIMIT_NPROC (ulimit -u)", e->nproc, threads, how);
    }
    if (!procs && e->overcommit_memory == 2 && e->commit_limit_bytes > 0) {
        long long stack =
            stack_bytes > 0 ? stack_bytes : (e->stack_bytes > 0 ? e->stack_bytes : 8LL << 20);
        long long need = threads * stack;
        long long left = e->commit_limit_bytes - e->committed_bytes;
        if (over(left, need))
            return fail(lim, "vm.overcommit_memory=2 (commit limit)", left, need,
                        "with strict overcommit every thread stack is committed in full: use "
                        "a smaller --stack-size, or sysctl -w vm.overcommit_memory=0");
    }
    return 0;
}

int env_check(const struct bench_env *e, enum env_tasks tasks, long long connections, int sources,
              long long stack_bytes, struct env_limit *lim)
{
    memset(lim, 0, sizeof *lim);
    long long fds = connections + ENV_FD_MARGIN;
    if (over(e->nofile_hard, fds))
        return fail(lim, "open files (RLIMIT_NOFILE hard limit)", e->nofile_hard, fds,
                    "each connection is a descriptor in the server and one in the client: raise "
                    "the hard limit (ulimit -Hn as root, LimitNOFILE= for a systemd unit, nofile "
                    "in /etc/security/limits.conf, or docker run --ulimit nofile=N:N)");
    long long ports = (long long)(e->port_hi - e->port_lo + 1) * (sources > 1 ? sources : 1);
    if (over(ports, connections))
        return fail(lim, "net.ipv4.ip_local_port_range", ports, connections,
                    "one ephemeral port per connection and source address: widen the range "
                    "(sysctl -w net.ipv4.ip_local_port_range='1024 65535') or connect from "
                    "several source addresses (c10k-load --source 127.0.0.2-127.0.0.40)");
    if (tasks == ENV_TASKS_NONE)
        return 0;
    return check_tasks(e, tasks, connections, stack_bytes, lim);
}

long long env_max_connections(const struct bench_env *e, int sources)
{
    long long best = 1000000;
    if (e->nofile_hard >= 0 && e->nofile_hard - ENV_FD_MARGIN < best)
        best = e->nofile_hard - ENV_FD_MARGIN;
    long long ports = (long long)(e->port_hi - e->port_lo + 1) * (sources > 1 ? sources : 1);
    if (ports < best)
        best = ports;
    /* Round down to a readable figure. */
    if (best > 1000)
        best = best / 100 * 100;
    return best;
}

static json_t *ll_or_null(long long v)
{
    return v < 0 ? json_null() : json_integer(v);
}

json_t *env_json(const struct bench_env *e, json_t *versions)
{
    json_t *limits = json_pack(
        "{s:o, s:o, s:o, s:o, s:[i,i], s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "nofile_soft",
        ll_or_null(e->nofile_soft), "nofile_hard", ll_or_null(e->nofile_hard), "stack_bytes",
        ll_or_null(e->stack_bytes), "nproc", ll_or_null(e->nproc), "ip_local_port_range",
        (int)e->port_lo, (int)e->port_hi, "pid_max", ll_or_null(e->pid_max), "threads_max",
        ll_or_null(e->threads_max), "max_map_count", ll_or_null(e->max_map_count), "somaxconn",
        ll_or_null(e->somaxconn), "tcp_max_syn_backlog", ll_or_null(e->syn_backlog),
        "overcommit_memory", ll_or_null(e->overcommit_memory), "tcp_tw_reuse",
        ll_or_null(e->tcp_tw_reuse), "commit_limit_bytes", ll_or_null(e->commit_limit_bytes),
        "tasks_at_start", ll_or_null(e->tasks_now));
    json_t *cgroup =
        json_pack("{s:o, s:o, s:o}", "version",
                  e->cgroup_version ? json_integer(e->cgroup_version) : json_null(), "pids_max",
                  ll_or_null(e->cg_pids_max), "memory_max_bytes", ll_or_null(e->cg_memory_max));
    json_object_set_new(limits, "cgroup", cgroup);
    json_object_set_new(limits, "nf_conntrack",
                        e->conntrack_max > 0
                            ? json_pack("{s:I, s:I, s:o}", "max", (json_int_t)e->conntrack_max,
                                        "count_at_start", (json_int_t)e->conntrack_count,
                                        "tcp_timeout_time_wait_s",
                                        ll_or_null(e->conntrack_time_wait_s))
                            : json_null());
    char allowed[64];
    env_format_cpus(&e->allowed, allowed, sizeof allowed);
    json_t *j = json_pack(
        "{s:s, s:s, s:i, s:i, s:s, s:b, s:s, s:s, s:I, s:I, s:I, s:o}", "kernel", e->kernel,
        "cpu_model", e->cpu_model, "cpus_online", e->cpus_online, "cpus_allowed", e->cpus_allowed,
        "cpu_list", allowed, "pinned", e->pinned, "server_cpus", e->server_cpu_list, "load_cpus",
        e->load_cpu_list, "mem_total_bytes", (json_int_t)e->mem_total_bytes, "page_size",
        (json_int_t)e->page_size, "clock_ticks", (json_int_t)e->clock_ticks, "limits", limits);
    json_object_set_new(j, "versions", versions ? versions : json_object());
    json_object_set_new(j, "loadavg_at_start", env_loadavg_json());
    return j;
}

/* One line, tab-separated, so that a path with spaces still parses. */
static const char python_probe[] =
    "import sys, platform\n"
    "try:\n"
    "    import uvloop\n"
    "    u = uvloop.__version__\n"
    "except Exception:\n"
    "    u = ''\n"
    "g = sys._is_gil_enabled() if hasattr(sys, '_is_gil_enabled') else True\n"
    "print(sys.executable, platform.python_implementation() + ' ' + platform.python_version(),\n"
    "      int(g), u, sep='\\t')\n";

static int copy_field(const char **p, char *out, size_t len, int last)
{
    size_t n = strcspn(*p, last ? "\r\n" : "\t\r\n");
    if ((!last && (*p)[n] != '\t') || n >= len)
        return -EINVAL;
    memcpy(out, *p, n);
    out[n] = '\0';
    *p += n + (last ? 0 : 1);
    return 0;
}

int env_parse_python(const char *text, struct env_python *py)
{
    memset(py, 0, sizeof *py);
    char gil[8];
    const char *p = text;
    if (copy_field(&p, py->executable, sizeof py->executable, 0) < 0 ||
        copy_field(&p, py->version, sizeof py->version, 0) < 0 ||
        copy_field(&p, gil, sizeof gil, 0) < 0 ||
        copy_field(&p, py->uvloop, sizeof py->uvloop, 1) < 0 || !py->executable[0] ||
        !py->version[0] || (strcmp(gil, "0") != 0 && strcmp(gil, "1") != 0))
        return -EINVAL;
    py->gil = gil[0] == '1';
    return 0;
}

int env_python(const char *python, struct env_python *py)
{
    char out[1024];
    char *argv[] = {(char *)python, "-c", (char *)python_probe, NULL};
    int rc = proc_capture(argv, out, sizeof out, 10000);
    if (rc < 0)
        return rc;
    return env_parse_python(out, py);
}

json_t *env_loadavg_json(void)
{
    double l[3];
    FILE *f = fopen("/proc/loadavg", "re");
    int n = f ? fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]) : 0;
    if (f)
        fclose(f);
    return n == 3 ? json_pack("[f, f, f]", l[0], l[1], l[2]) : json_null();
}
