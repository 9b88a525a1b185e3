#include "wrap.h"

#include "results.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The system calls perf counts by name beside the total, where the kernel has the tracepoint
 * (a missing one would fail the whole perf stat). strace names every call anyway. */
static const char *const perf_syscalls[] = {
    "read",    "write",      "recvfrom",      "sendto",         "readv",
    "writev",  "epoll_wait", "epoll_pwait",   "epoll_ctl",      "futex",
    "accept4", "setsockopt", "clock_gettime", "io_uring_enter",
};
#define PERF_TOTAL_EVENT "raw_syscalls:sys_enter"
#define PERF_SWITCH_EVENT "context-switches"
#define PERF_SYSCALL_PREFIX "syscalls:sys_enter_"

static const struct {
    enum wrap_kind kind;
    const char *name, *program, *package;
    int forks;
} kinds[] = {
    {WRAP_PERF, "perf", "perf", "linux-perf", 1},
    {WRAP_STRACE, "strace", "strace", "strace", 1},
    {WRAP_CALLGRIND, "callgrind", "valgrind", "valgrind", 0},
    {WRAP_SYSCALLS, "syscalls", "perf", "linux-perf", 1},
};

static int kind_index(enum wrap_kind kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].kind == kind)
            return (int)i;
    return -1;
}

int wrap_parse(const char *name, enum wrap_kind *kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].name, name) == 0) {
            *kind = kinds[i].kind;
            return 0;
        }
    return -EINVAL;
}

const char *wrap_name(enum wrap_kind kind)
{
    int i = kind_index(kind);
    return i < 0 ? "none" : kinds[i].name;
}

const char *wrap_program(enum wrap_kind kind)
{
    int i = kind_index(kind);
    return i < 0 ? NULL : kinds[i].program;
}

const char *wrap_package(enum wrap_kind kind)
{
    int i = kind_index(kind);
    return i < 0 ? NULL : kinds[i].package;
}

int wrap_forks(enum wrap_kind kind)
{
    int i = kind_index(kind);
    return i < 0 ? 0 : kinds[i].forks;
}

static int tracepoint_exists(const char *name)
{
    static const char *const roots[] = {"/sys/kernel/tracing/events/syscalls",
                                        "/sys/kernel/debug/tracing/events/syscalls"};
    char path[256];
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        snprintf(path, sizeof path, "%s/sys_enter_%s", roots[i], name);
        if (access(path, F_OK) == 0)
            return 1;
    }
    return 0;
}

/* Appends one string to store and its pointer to argv. */
static void push(char **argv, int *n, char **cursor, char *end, const char *s)
{
    size_t len = strlen(s) + 1;
    if (*n >= WRAP_MAX_ARGS || (size_t)(end - *cursor) < len)
        return;
    memcpy(*cursor, s, len);
    argv[(*n)++] = *cursor;
    *cursor += len;
}

int wrap_argv(enum wrap_kind kind, const char *program, const char *out_path, char **argv,
              char *store, size_t store_len)
{
    int n = 0;
    char *cur = store, *end = store + store_len;
    char buf[1024];
    push(argv, &n, &cur, end, program);
    switch (kind) {
    case WRAP_PERF:
    case WRAP_SYSCALLS: {
        push(argv, &n, &cur, end, "stat");
        push(argv, &n, &cur, end, "-x,");
        push(argv, &n, &cur, end, "--no-big-num");
        size_t used =
            (size_t)snprintf(buf, sizeof buf, "%s,%s", PERF_TOTAL_EVENT, PERF_SWITCH_EVENT);
        for (size_t i = 0; i < sizeof perf_syscalls / sizeof perf_syscalls[0]; i++)
            if (tracepoint_exists(perf_syscalls[i]) && used < sizeof buf)
                used += (size_t)snprintf(buf + used, sizeof buf - used, ",%s%s",
                                         PERF_SYSCALL_PREFIX, perf_syscalls[i]);
        push(argv, &n, &cur, end, "-e");
        push(argv, &n, &cur, end, buf);
        push(argv, &n, &cur, end, "-o");
        push(argv, &n, &cur, end, out_path);
        push(argv, &n, &cur, end, "--");
        break;
    }
    case WRAP_STRACE:
        push(argv, &n, &cur, end, "-f");
        push(argv, &n, &cur, end, "-c");
        push(argv, &n, &cur, end, "-q");
        push(argv, &n, &cur, end, "-o");
        push(argv, &n, &cur, end, out_path);
        break;
    case WRAP_CALLGRIND:
        push(argv, &n, &cur, end, "--tool=callgrind");
        snprintf(buf, sizeof buf, "--callgrind-out-file=%s.%%p", out_path);
        push(argv, &n, &cur, end, buf);
        break;
    case WRAP_NONE:
        return 0;
    }
    return n;
}

static json_t *counts_result(json_t *counts, const char *what, char *err, size_t err_len)
{
    if (json_object_size(counts) == 0) {
        snprintf(err, err_len, "no %s in the wrapper's output", what);
        json_decref(counts);
        return NULL;
    }
    return json_pack("{s:o}", "counts", counts);
}

json_t *wrap_parse_perf_stat(const char *text, char *err, size_t err_len)
{
    json_t *counts = json_object();
    json_t *out;
    long long total = -1, switches = -1;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char buf[512];
        if (len < sizeof buf && line[0] != '#') {
            memcpy(buf, line, len);
            buf[len] = '\0';
            /* value,unit,event,running time,share,... */
            char *f0 = buf, *f1 = strchr(f0, ','), *f2 = f1 ? strchr(f1 + 1, ',') : NULL;
            char *f3 = f2 ? strchr(f2 + 1, ',') : NULL;
            char *end;
            long long v = strtoll(f0, &end, 10);
            if (f2 && end == f1) {
                f2++;
                if (f3)
                    *f3 = '\0';
                if (strcmp(f2, PERF_TOTAL_EVENT) == 0)
                    total = v;
                else if (strcmp(f2, PERF_SWITCH_EVENT) == 0)
                    switches = v;
                else if (strncmp(f2, PERF_SYSCALL_PREFIX, strlen(PERF_SYSCALL_PREFIX)) == 0)
                    json_object_set_new(counts, f2 + strlen(PERF_SYSCALL_PREFIX), json_integer(v));
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    if (total < 0 && switches < 0) {
        json_decref(counts);
        snprintf(err, err_len, "no %s or %s count in perf stat's output", PERF_TOTAL_EVENT,
                 PERF_SWITCH_EVENT);
        return NULL;
    }
    out = json_pack("{s:o}", "counts", counts);
    json_object_set_new(out, "syscalls", total >= 0 ? json_integer(total) : json_null());
    json_object_set_new(out, "context_switches",
                        switches >= 0 ? json_integer(switches) : json_null());
    return out;
}

json_t *wrap_parse_strace(const char *text, char *err, size_t err_len)
{
    json_t *counts = json_object();
    long long total = -1;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char buf[512];
        if (len < sizeof buf) {
            memcpy(buf, line, len);
            buf[len] = '\0';
            /* % time, seconds, usecs/call, calls, [errors,] syscall */
            char *f[8];
            int n = 0;
            char *save = NULL;
            for (char *t = strtok_r(buf, " \t", &save); t && n < 8;
                 t = strtok_r(NULL, " \t", &save))
                f[n++] = t;
            char *end;
            if ((n == 5 || n == 6) && (strtod(f[0], &end), end != f[0] && *end == '\0')) {
                long long calls = strtoll(f[3], &end, 10);
                if (*end == '\0' && strcmp(f[n - 1], "total") == 0)
                    total = calls;
                else if (*end == '\0')
                    json_object_set_new(counts, f[n - 1], json_integer(calls));
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    json_t *out = counts_result(counts, "system call table", err, err_len);
    if (out)
        json_object_set_new(out, "syscalls", total >= 0 ? json_integer(total) : json_null());
    return out;
}

json_t *wrap_parse_callgrind(const char *text, char *err, size_t err_len)
{
    const char *p = strstr(text, "\nsummary:");
    if (!p && strncmp(text, "summary:", 8) == 0)
        p = text - 1;
    char *end;
    long long v = p ? strtoll(p + 9, &end, 10) : -1;
    if (!p || end == p + 9 || v < 0) {
        snprintf(err, err_len, "no summary line in callgrind's output");
        return NULL;
    }
    return json_pack("{s:{s:I}, s:I}", "counts", "Ir", (json_int_t)v, "instructions",
                     (json_int_t)v);
}

/* Sums callgrind's files out_path.<pid> (nginx's master and worker write one each). */
static json_t *read_callgrind(const char *out_path, char *err, size_t err_len)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", out_path);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : out_path;
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, err_len, "cannot open %s: %s", dir, strerror(errno));
        return NULL;
    }
    long long sum = 0;
    int files = 0;
    struct dirent *e;
    size_t blen = strlen(base);
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, base, blen) != 0 || e->d_name[blen] != '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = results_read_text(path, RESULTS_TEXT_MAX, NULL);
        json_t *one = text ? wrap_parse_callgrind(text, err, err_len) : NULL;
        free(text);
        if (one) {
            sum += json_integer_value(json_object_get(one, "instructions"));
            files++;
        }
        json_decref(one);
    }
    closedir(d);
    if (files == 0) {
        if (!err[0])
            snprintf(err, err_len, "callgrind wrote no %s.<pid> file", out_path);
        return NULL;
    }
    return json_pack("{s:{s:I}, s:I, s:i}", "counts", "Ir", (json_int_t)sum, "instructions",
                     (json_int_t)sum, "files", files);
}

json_t *wrap_read(enum wrap_kind kind, const char *out_path, char *err, size_t err_len)
{
    err[0] = '\0';
    if (kind == WRAP_CALLGRIND)
        return read_callgrind(out_path, err, err_len);
    char *text = results_read_text(out_path, RESULTS_TEXT_MAX, NULL);
    if (!text) {
        snprintf(err, err_len, "cannot read %s: %s", out_path, strerror(errno));
        return NULL;
    }
    json_t *out = kind == WRAP_STRACE ? wrap_parse_strace(text, err, err_len)
                                      : wrap_parse_perf_stat(text, err, err_len);
    free(text);
    return out;
}
