/* c10k-bench: runs the scenarios of DESIGN.md across the concurrency models, samples what each
 * costs, and writes results/<time>/{results.json, results.csv, report.html}. This file is the
 * command: options, the session (calibration, then the runs in order), progress and ETA on a
 * terminal, and the files after every run. */
#include "calib.h"
#include "cgmem.h"
#include "claims.h"
#include "docker.h"
#include "env.h"
#include "loadgen.h"
#include "perf.h"
#include "proc.h"
#include "report.h"
#include "results.h"
#include "run.h"
#include "scenarios.h"
#include "schedprof.h"

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef C10K_VERSION
#define C10K_VERSION "0"
#endif
#ifndef C10K_LIBUV_VERSION
#define C10K_LIBUV_VERSION "unknown"
#endif

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

struct options {
    const char *profile;
    unsigned modes, scenarios;
    const char *out;
    int nginx;      /* 1: asked for, 0: --no-baseline, -1: where installed (the default) */
    int repeat;     /* --repeat; 0: the profile's */
    double duration_s;         /* --duration; 0: the profile's */
    double warmup_s;           /* --warmup; negative: the profile's */
    enum wrap_kind wrap;       /* --wrap */
    int hold_busy;             /* --hold-busy; 0: the scenario's */
    int instructions_requests; /* --instructions-requests; 0: the scenario's */
    int prefer_wrk; /* --generator wrk */
    int levels[PLAN_LEVELS_MAX]; /* --levels; levels[0] == -1: the profile's */
    const char *server, *load, *wrk, *nginx_path;
    const char *report_only;
    const char *from_docker; /* --from-docker DIR */
    int list;
};

/* The largest --repeat: each repetition is a whole session's worth of runs. */
#define REPEAT_MAX 20
/* The longest --duration and --warmup, in seconds. */
#define DURATION_MAX_S 3600

static void usage(FILE *f)
{
    fprintf(f,
            "usage: c10k-bench [options]\n"
            "\n"
            "Runs the scenarios across the concurrency models and writes results.json,\n"
            "results.csv and a self-contained report.html (see loadtest/README.md).\n"
            "\n"
            "  --profile NAME      quick (under 2 minutes), default (under 15 minutes on 2\n"
            "                      cores), full (up to the open-file limit), perf (the\n"
            "                      README's performance table: scale, pipeline, syscalls,\n"
            "                      instructions and idle, 3 rounds of 10 s runs, ~25 minutes)\n"
            "                      or loadgen (what the load generator costs: generators,\n"
            "                      hold)\n"
            "  --modes LIST        models to compare: thread,pool,loop,uring (default: all\n"
            "                      the server has)\n"
            "  --scenarios LIST    scale,idle,cpu,blocking,churn,ctxswitch,pipeline,syscalls,\n"
            "                      instructions,generators,hold (default: the profile's)\n"
            "  --out DIR           write the results there (default: results/<time>)\n"
            "  --no-baseline       leave nginx out (by default scale, idle, pipeline,\n"
            "                      syscalls and instructions also run against nginx with one\n"
            "                      worker where it is installed; generators and hold run\n"
            "                      against it instead of the loop)\n"
            "  --baseline nginx    require the nginx baseline (a warning when missing)\n"
            "  --repeat N          run the plan N times (levels stay the outer loop) and\n"
            "                      judge every claim per repetition (default 1; perf: 3)\n"
            "  --duration SECONDS  measured time of every run instead of the profile's\n"
            "  --warmup SECONDS    warm-up of every run instead of the profile's (ramps add\n"
            "                      to it)\n"
            "  --hold-busy N       busy connections among those hold holds (default 100)\n"
            "  --instructions-requests N  the instructions runs answer N and 11 N requests\n"
            "                      (default 2000)\n"
            "  --wrap NAME         run every server under perf (perf stat), strace (strace -f\n"
            "                      -c) or callgrind (valgrind); syscalls and instructions\n"
            "                      do so anyway\n"
            "  --generator NAME    c10k-load (default) or wrk for the closed-loop scale and\n"
            "                      cpu runs\n"
            "  --levels LIST       the levels of every chosen scenario instead of the\n"
            "                      profile's, e.g. 100,1000,10000\n"
            "  --server PATH       c10k-server (default: next to c10k-bench, then PATH)\n"
            "  --load PATH         c10k-load (default: next to c10k-bench, then PATH)\n"
            "  --wrk PATH          wrk (default: from PATH)\n"
            "  --nginx PATH        nginx (default: from PATH, /usr/sbin)\n"
            "  --list              print the runs and the estimated time, run nothing\n"
            "  --report DIR        rewrite DIR/report.html from DIR/results.json\n"
            "  --from-docker DIR   write DIR's results.json, results.csv and report.html from\n"
            "                      what docker/run.sh collected there\n"
            "  -h, --help          this text\n"
            "  -V, --version       the version\n"
            "\n"
            "Ctrl-C stops the session: what ran is written, every process started is stopped.\n");
}

/* ---- Finding the programs ---- */

static char *self_dir(void)
{
    static char dir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n <= 0)
        return NULL;
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    return dir;
}

/* An explicit path, else next to c10k-bench (sibling), else PATH and extra directories.
 * Returns a static or strdup'd path, or NULL. */
static char *find_program(const char *explicit_path, const char *name, int sibling)
{
    if (explicit_path)
        return access(explicit_path, X_OK) == 0 ? strdup(explicit_path) : NULL;
    char path[PATH_MAX + 64];
    const char *dir = self_dir();
    if (sibling && dir) {
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (access(path, X_OK) == 0)
            return strdup(path);
    }
    const char *env = getenv("PATH");
    char *copy = strdup(env ? env : "/usr/bin:/bin");
    char *found = NULL;
    if (copy) {
        char *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
            snprintf(path, sizeof path, "%s/%s", d, name);
            if (access(path, X_OK) == 0)
                found = strdup(path);
        }
        free(copy);
    }
    static const char *const extra[] = {"/usr/sbin", "/sbin", "/usr/local/sbin"};
    for (size_t i = 0; !found && i < sizeof extra / sizeof extra[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", extra[i], name);
        if (access(path, X_OK) == 0)
            found = strdup(path);
    }
    return found;
}

static json_t *version_of(const char *path, const char *flag)
{
    if (!path)
        return json_null();
    char buf[256];
    char *argv[] = {(char *)path, (char *)flag, NULL};
    if (proc_capture_line(argv, buf, sizeof buf, 3000) < 0 || !buf[0])
        return json_null();
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
            *p = ' ';
    return json_string(buf);
}

static json_t *chartjs_version(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return json_null();
    char line[256];
    json_t *v = json_null();
    for (int i = 0; i < 5 && fgets(line, sizeof line, f); i++) {
        char *p = strstr(line, "Chart.js v");
        if (p) {
            p += strlen("Chart.js v");
            p[strcspn(p, " \r\n")] = '\0';
            json_decref(v);
            v = json_string(p);
            break;
        }
    }
    fclose(f);
    return v;
}

/* ---- Progress ---- */

struct progress {
    int tty;
    const struct plan *plan;
    size_t index;         /* the run under way */
    double session_start; /* proc_now() */
    double done_estimate, done_actual;
    double run_start;
    double last_draw;
};

static void format_duration(char *buf, size_t len, double s)
{
    if (!isfinite(s) || s < 0)
        s = 0;
    long t = lround(s);
    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

static double eta_s(const struct progress *pg, double current_left)
{
    double rest = 0;
    for (size_t i = pg->index + 1; i < pg->plan->n; i++)
        rest += plan_estimate_s(&pg->plan->runs[i]);
    /* Correct the estimates by how the finished runs compared with theirs. */
    double factor = pg->done_estimate > 10 ? pg->done_actual / pg->done_estimate : 1;
    if (factor < 0.5)
        factor = 0.5;
    if (factor > 3)
        factor = 3;
    return rest * factor + current_left;
}

static void on_tick(void *arg, const struct run_spec *r, const char *phase, double left)
{
    struct progress *pg = arg;
    if (!pg->tty)
        return;
    double now = proc_now();
    if (now - pg->last_draw < 0.2)
        return;
    pg->last_draw = now;
    char el[32], eta[32];
    format_duration(el, sizeof el, now - pg->session_start);
    double cur_left = plan_estimate_s(r) - (now - pg->run_start);
    format_duration(eta, sizeof eta, eta_s(pg, cur_left > 0 ? cur_left : 0));
    fprintf(stderr, "\r\033[K[%zu/%zu] %s %s %d: %s", pg->index + 1, pg->plan->n, r->scenario,
            r->model, r->level, phase);
    if (left > 0.5)
        fprintf(stderr, " %.0fs", left);
    fprintf(stderr, "  | elapsed %s, about %s left", el, eta);
    fflush(stderr);
}

static void print_run_line(struct progress *pg, const json_t *run)
{
    if (pg->tty)
        fprintf(stderr, "\r\033[K");
    char p99[32] = "-";
    double p = results_num(run, "client.latency_us.p99");
    if (isfinite(p)) {
        if (p < 1000)
            snprintf(p99, sizeof p99, "%.0fus", p);
        else
            snprintf(p99, sizeof p99, "%.1fms", p / 1000);
    }
    double rps = results_num(run, "client.good_per_s");
    const char *status = json_string_value(json_object_get(run, "status"));
    const char *reason = json_string_value(json_object_get(run, "reason"));
    fprintf(stderr, "[%3zu/%zu] %-8s %-16s %6.0f  %-11s %10.0f req/s  p99 %-8s %5.1fs",
            pg->index + 1, pg->plan->n, json_string_value(json_object_get(run, "scenario")),
            json_string_value(json_object_get(run, "model")), results_num(run, "level"),
            status ? status : "?", isfinite(rps) ? rps : 0, p99, results_num(run, "elapsed_s"));
    if (reason && status && strcmp(status, "ok") != 0)
        fprintf(stderr, "\n          %.300s", reason);
    fprintf(stderr, "\n");
}

/* ---- The session ---- */

static int mkdir_p(const char *path)
{
    char tmp[PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
                return -errno;
            *p = '/';
        }
    }
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Removes c10k-bench's temporary directory (the wrk script, nginx's prefix directories). */
static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int write_outputs(json_t *root, const char *dir, const char *chartjs, int with_report)
{
    int rc = results_write_json(root, dir);
    if (rc < 0) {
        fprintf(stderr, "c10k-bench: cannot write %s/results.json: %s\n", dir, strerror(-rc));
        return rc;
    }
    rc = results_write_csv(root, dir);
    if (rc < 0) {
        fprintf(stderr, "c10k-bench: cannot write %s/results.csv: %s\n", dir, strerror(-rc));
        return rc;
    }
    if (with_report) {
        rc = report_write(root, dir, chartjs);
        if (rc < 0) {
            fprintf(stderr, "c10k-bench: cannot write %s/report.html: %s\n", dir, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

static int report_only(const char *dir, const char *chartjs)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/results.json", dir);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        fprintf(stderr, "c10k-bench: %s: %s (line %d)\n", path, je.text, je.line);
        return 1;
    }
    int rc = report_write(root, dir, chartjs);
    json_decref(root);
    if (rc < 0) {
        fprintf(stderr, "c10k-bench: cannot write %s/report.html: %s\n", dir, strerror(-rc));
        return 1;
    }
    printf("%s/report.html\n", dir);
    return 0;
}

static void print_plan(const struct plan *p)
{
    char est[32];
    format_duration(est, sizeof est, plan_total_estimate_s(p));
    printf("profile %s: %zu runs%s, about %s\n", p->profile, p->n,
           p->calibrate ? " and the calibration" : "", est);
    for (size_t i = 0; i < p->n; i++) {
        const struct run_spec *r = &p->runs[i];
        printf("  %-34s %-9s %-16s level %-6d %s%s %s, %.1fs + %.1fs\n", r->id, r->scenario,
               r->model, r->level, r->tool == TOOL_WRK ? "wrk" : "c10k-load",
               r->tool_required ? " (required)" : "", r->path, r->warmup_s, r->duration_s);
    }
}

static json_t *command_line(int argc, char **argv)
{
    json_t *a = json_array();
    for (int i = 0; i < argc; i++)
        json_array_append_new(a, json_string(argv[i]));
    return a;
}

static void iso_time(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
}

static int parse_options(struct options *o, int argc, char **argv)
{
    static const struct option longs[] = {
        {"profile", required_argument, NULL, 'p'},
        {"modes", required_argument, NULL, 'm'},
        {"scenarios", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"baseline", required_argument, NULL, 'b'},
        {"no-baseline", no_argument, NULL, 7},
        {"repeat", required_argument, NULL, 8},
        {"generator", required_argument, NULL, 9},
        {"levels", required_argument, NULL, 10},
        {"duration", required_argument, NULL, 11},
        {"wrap", required_argument, NULL, 12},
        {"hold-busy", required_argument, NULL, 13},
        {"warmup", required_argument, NULL, 14},
        {"instructions-requests", required_argument, NULL, 15},
        {"server", required_argument, NULL, 1},
        {"load", required_argument, NULL, 2},
        {"wrk", required_argument, NULL, 3},
        {"nginx", required_argument, NULL, 4},
        {"report", required_argument, NULL, 5},
        {"list", no_argument, NULL, 6},
        {"from-docker", required_argument, NULL, 16},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->profile = "default";
    o->modes = 0; /* every model the server has (session_plan asks it) */
    o->scenarios = 0; /* the profile's */
    o->warmup_s = -1;
    o->nginx = -1;
    o->levels[0] = -1;
    int c;
    char bad[64];
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hV", longs, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (!plan_profile_known(optarg)) {
                fprintf(stderr,
                        "c10k-bench: --profile: '%s' is not quick, default, full, perf or "
                        "loadgen\n",
                        optarg);
                return EXIT_USAGE;
            }
            o->profile = optarg;
            break;
        case 'm':
            if (plan_parse_modes(optarg, &o->modes, bad, sizeof bad) < 0) {
                fprintf(stderr, "c10k-bench: --modes: '%s' is not thread, pool, loop or uring\n",
                        bad);
                return EXIT_USAGE;
            }
            break;
        case 's':
            if (plan_parse_scenarios(optarg, &o->scenarios, bad, sizeof bad) < 0) {
                fprintf(stderr,
                        "c10k-bench: --scenarios: '%s' is not scale, idle, cpu, blocking, "
                        "churn, ctxswitch, pipeline, syscalls, instructions, generators or "
                        "hold\n",
                        bad);
                return EXIT_USAGE;
            }
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'b':
            if (strcmp(optarg, "nginx") != 0) {
                fprintf(stderr, "c10k-bench: --baseline: only 'nginx' is known\n");
                return EXIT_USAGE;
            }
            o->nginx = 1;
            break;
        case 7:
            o->nginx = 0;
            break;
        case 8: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (end == optarg || *end || n < 1 || n > REPEAT_MAX) {
                fprintf(stderr, "c10k-bench: --repeat: '%s' is not a number from 1 to %d\n",
                        optarg, REPEAT_MAX);
                return EXIT_USAGE;
            }
            o->repeat = (int)n;
            break;
        }
        case 9:
            if (strcmp(optarg, "wrk") != 0 && strcmp(optarg, "c10k-load") != 0) {
                fprintf(stderr, "c10k-bench: --generator: '%s' is not c10k-load or wrk\n",
                        optarg);
                return EXIT_USAGE;
            }
            o->prefer_wrk = strcmp(optarg, "wrk") == 0;
            break;
        case 10:
            if (plan_parse_levels(optarg, o->levels, PLAN_LEVELS_MAX) < 0) {
                fprintf(stderr,
                        "c10k-bench: --levels: '%s' is not a list of up to %d levels from 0 to "
                        "%d, such as 100,1000\n",
                        optarg, PLAN_LEVELS_MAX - 1, PLAN_LEVEL_MAX);
                return EXIT_USAGE;
            }
            break;
        case 11:
        case 14: {
            const char *name = c == 11 ? "--duration" : "--warmup";
            char *end;
            double d = strtod(optarg, &end), least = c == 11 ? 1 : 0;
            if (end == optarg || *end || !(d >= least && d <= DURATION_MAX_S)) {
                fprintf(stderr, "c10k-bench: %s: '%s' is not a number of seconds from %.0f to %d\n",
                        name, optarg, least, DURATION_MAX_S);
                return EXIT_USAGE;
            }
            *(c == 11 ? &o->duration_s : &o->warmup_s) = d;
            break;
        }
        case 12:
            if (wrap_parse(optarg, &o->wrap) < 0 || o->wrap == WRAP_SYSCALLS) {
                fprintf(stderr, "c10k-bench: --wrap: '%s' is not perf, strace or callgrind\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 13:
        case 15: {
            const char *name = c == 13 ? "--hold-busy" : "--instructions-requests";
            char *end;
            long n = strtol(optarg, &end, 10);
            if (end == optarg || *end || n < 1 || n > PLAN_LEVEL_MAX) {
                fprintf(stderr, "c10k-bench: %s: '%s' is not a number from 1 to %d\n", name, optarg,
                        PLAN_LEVEL_MAX);
                return EXIT_USAGE;
            }
            *(c == 13 ? &o->hold_busy : &o->instructions_requests) = (int)n;
            break;
        }
        case 1:
            o->server = optarg;
            break;
        case 2:
            o->load = optarg;
            break;
        case 3:
            o->wrk = optarg;
            break;
        case 4:
            o->nginx_path = optarg;
            break;
        case 5:
            o->report_only = optarg;
            break;
        case 6:
            o->list = 1;
            break;
        case 16:
            o->from_docker = optarg;
            break;
        case 'h':
            usage(stdout);
            return -1;
        case 'V':
            printf("c10k-bench %s\n", C10K_VERSION);
            return -1;
        default:
            fprintf(stderr, "c10k-bench: unknown or incomplete option '%s' (see --help)\n",
                    argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "c10k-bench: unexpected argument '%s' (see --help)\n", argv[optind]);
        return EXIT_USAGE;
    }
    return 0;
}

/* Everything a session holds; session_free releases it whatever was reached. */
struct session {
    struct options o;
    char chartjs[PATH_MAX];
    struct bench_env env;
    char *server, *load, *wrk, *nginx; /* owned paths; NULL when not found */
    char *perf;                        /* perf, where it can sample the kernel; else NULL */
    char *perf_stat, *strace, *valgrind; /* the wrappers' programs (wrap.h), or NULL */
    char perf_why[512];
    struct plan plan;
    struct cgmem_session cg;
    char out[PATH_MAX], logs[PATH_MAX + 8], tmp[32], script[64];
    json_t *root;
    struct progress pg;
};

static void session_free(struct session *s)
{
    if (s->tmp[0])
        remove_tree(s->tmp);
    cgmem_close(&s->cg);
    json_decref(s->root);
    plan_free(&s->plan);
    free(s->server);
    free(s->load);
    free(s->wrk);
    free(s->nginx);
    free(s->perf);
    free(s->perf_stat);
    free(s->strace);
    free(s->valgrind);
}

/* 1 when some run of the plan starts its server under a wrapper. */
static int plan_wraps(const struct plan *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->runs[i].wrap != WRAP_NONE)
            return 1;
    return 0;
}

/* Finds the wrappers' programs when a run needs one; perf only where it can count the
 * syscall tracepoints (perf_event_paranoid, tracefs). */
static void session_wrappers(struct session *s)
{
    if (!plan_wraps(&s->plan))
        return;
    s->perf_stat = find_program(NULL, "perf", 0);
    if (s->perf_stat) {
        char out[512];
        char *argv[] = {s->perf_stat, "stat", "-e", "raw_syscalls:sys_enter,context-switches",
                        "--",         "true", NULL};
        if (proc_capture(argv, out, sizeof out, 10000) < 0 || strstr(out, "rror") ||
            !strstr(out, "raw_syscalls")) {
            fprintf(stderr, "c10k-bench: perf cannot count system calls here; strace does\n");
            free(s->perf_stat);
            s->perf_stat = NULL;
        }
    }
    s->strace = find_program(NULL, "strace", 0);
    s->valgrind = find_program(NULL, "valgrind", 0);
}

/* 1 when the server's --help lists mode among its concurrency models ("concurrency model:
 * thread, pool, loop or uring"). */
static int server_has_mode(const char *server, const char *mode)
{
    char help[8192];
    char *argv[] = {(char *)server, "--help", NULL};
    if (proc_capture(argv, help, sizeof help, 3000) < 0)
        return 0;
    const char *line = strstr(help, "concurrency model:");
    if (!line)
        return 0;
    size_t n = strcspn(line, "\n"), len = strlen(mode);
    for (const char *p = line; (p = strstr(p, mode)) && p + len <= line + n; p += len)
        if (!isalnum((unsigned char)p[-1]) && !isalnum((unsigned char)p[len]))
            return 1;
    return 0;
}

/* Finds the programs and builds the plan. Returns 0 or 1 after saying why not. */
static int session_plan(struct session *s)
{
    const struct options *o = &s->o;
    s->server = find_program(o->server, "c10k-server", 1);
    s->load = find_program(o->load, "c10k-load", 1);
    s->wrk = find_program(o->wrk, "wrk", 0);
    s->nginx = o->nginx ? find_program(o->nginx_path, "nginx", 0) : NULL;
    if (o->prefer_wrk && !s->wrk)
        fprintf(stderr, "c10k-bench: warning: --generator wrk, but wrk is not installed: "
                        "c10k-load does its runs (apt-get install wrk)\n");
    if (!s->server) {
        fprintf(stderr,
                "c10k-bench: c10k-server not found%s%s (build it: cmake --build build; "
                "or give --server PATH)\n",
                o->server ? " at " : "", o->server ? o->server : "");
        return 1;
    }
    if (!o->modes) {
        s->o.modes = MODE_THREAD | MODE_POOL | MODE_LOOP;
        if (server_has_mode(s->server, "uring"))
            s->o.modes |= MODE_URING;
    }
    if (o->load && !s->load)
        fprintf(stderr, "c10k-bench: warning: --load %s is not executable\n", o->load);
    if (o->nginx > 0 && !s->nginx)
        fprintf(stderr, "c10k-bench: warning: nginx not found: its baseline runs are skipped "
                        "(apt-get install nginx-light)\n");
    struct plan_opts po = {
        .modes = o->modes,
        .scenarios = o->scenarios,
        /* By default nginx runs beside the models where it is installed. */
        .nginx = o->nginx > 0 || (o->nginx < 0 && s->nginx),
        .tools = (s->wrk ? 1u << TOOL_WRK : 0) | (s->load ? 1u << TOOL_LOAD : 0),
        .repeat = o->repeat,
        .duration_s = o->duration_s,
        .warmup_set = o->warmup_s >= 0,
        .warmup_s = o->warmup_s,
        .hold_busy = o->hold_busy,
        .instructions_requests = o->instructions_requests,
        .wrap = o->wrap,
        .prefer_wrk = o->prefer_wrk,
        .levels = o->levels[0] >= 0 ? o->levels : NULL,
    };
    if (plan_build(&s->plan, o->profile, &po, &s->env) < 0) {
        fprintf(stderr, "c10k-bench: out of memory\n");
        return 1;
    }
    return 0;
}

/* Creates the results directory, the temporary one and the wrk script. Returns 0 or 1. */
static int session_dirs(struct session *s)
{
    if (s->o.out) {
        snprintf(s->out, sizeof s->out, "%s", s->o.out);
    } else {
        char stamp[64];
        time_t now_t = time(NULL);
        struct tm tm;
        localtime_r(&now_t, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        snprintf(s->out, sizeof s->out, "results/%s", stamp);
    }
    snprintf(s->logs, sizeof s->logs, "%s/logs", s->out);
    int rc = mkdir_p(s->logs);
    if (rc < 0) {
        fprintf(stderr, "c10k-bench: cannot create %s: %s\n", s->logs, strerror(-rc));
        return 1;
    }
    snprintf(s->tmp, sizeof s->tmp, "/tmp/c10k-bench.XXXXXX");
    if (!mkdtemp(s->tmp)) {
        fprintf(stderr, "c10k-bench: cannot create a temporary directory: %s\n", strerror(errno));
        s->tmp[0] = '\0';
        return 1;
    }
    snprintf(s->script, sizeof s->script, "%s/done.lua", s->tmp);
    if (loadgen_write_wrk_script(s->script) < 0) {
        fprintf(stderr, "c10k-bench: cannot write %s\n", s->script);
        return 1;
    }
    return 0;
}

static json_t *modes_json(unsigned modes)
{
    json_t *a = json_array();
    for (int i = 0; i < MODE_COUNT; i++)
        if (modes & (1u << i))
            json_array_append_new(a, json_string(plan_mode_name(1u << i)));
    return a;
}

/* The results document before any run: what runs, where, with what. */
static json_t *session_document(struct session *s, int argc, char **argv)
{
    const struct options *o = &s->o;
    json_t *versions = json_pack(
        "{s:o, s:o, s:o, s:o, s:s, s:s, s:o}", "c10k_server", version_of(s->server, "--version"),
        "c10k_load", version_of(s->load, "--version"), "wrk", version_of(s->wrk, "--version"),
        "nginx", version_of(s->nginx, "-v"), "libuv", C10K_LIBUV_VERSION, "jansson",
        JANSSON_VERSION, "chartjs", chartjs_version(s->chartjs));
    json_t *programs =
        json_pack("{s:s, s:s?, s:s?, s:s?, s:s}", "c10k_server", s->server, "c10k_load", s->load,
                  "wrk", s->wrk, "nginx", s->nginx, "chartjs", s->chartjs);
    char started[64];
    iso_time(started, sizeof started);
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:b, s:o, s:f, s:o, s:o, s:o, s:[], s:n}",
        "schema", RESULTS_SCHEMA, "tool", "c10k-bench", "version", C10K_VERSION, "profile",
        s->plan.profile, "command", command_line(argc, argv), "started_at", started, "modes",
        modes_json(o->modes), "scenarios", plan_scenarios_json(&s->plan, s->plan.scenarios),
        "baseline_nginx", s->nginx != NULL && o->nginx != 0, "environment",
        env_json(&s->env, versions), "estimate_s", plan_total_estimate_s(&s->plan), "programs",
        programs, "finished_at", json_null(), "interrupted", json_false(), "runs", "calibration");
    if (!doc)
        return NULL;
    json_object_set_new(doc, "repeat", json_integer(s->plan.repeat));
    json_object_set_new(doc, "code_size", claims_code_size_json());
    json_object_set_new(doc, "scheduler_profile",
                        s->perf ? json_pack("{s:b, s:s}", "available", 1, "perf", s->perf)
                                : json_pack("{s:b, s:s}", "available", 0, "why",
                                            s->perf_why[0] ? s->perf_why : "scale did not run"));
    json_object_set_new(doc, "generator",
                        json_string(o->prefer_wrk && s->wrk ? "wrk" : s->load ? "c10k-load" : "wrk"));
    /* Where the server's kernel memory is read from. */
    json_object_set_new(
        doc, "memory_cgroup",
        s->cg.version ? json_pack("{s:i, s:s, s:s, s:f}", "version", s->cg.version, "dir",
                                  s->cg.dir, "source", cgmem_source(s->cg.version),
                                  "resolution_bytes", cgmem_resolution_bytes())
                      : json_pack("{s:n, s:s, s:s}", "version", "why", s->cg.why, "source",
                                  cgmem_source(0)));
    return doc;
}

/* The calibration, then every run in order; the files are rewritten after each. */
static void session_run(struct session *s)
{
    struct progress *pg = &s->pg;
    struct bench_ctx ctx = {
        .env = &s->env,
        .server_path = s->server,
        .load_path = s->load,
        .wrk_path = s->wrk,
        .nginx_path = s->nginx,
        .out_dir = s->out,
        .log_dir = s->logs,
        .tmp_dir = s->tmp,
        .wrk_script = s->script,
        .cg = s->cg.version ? &s->cg : NULL,
        .perf_path = s->perf,
        .perf_stat_path = s->perf_stat,
        .strace_path = s->strace,
        .valgrind_path = s->valgrind,
        .t0 = pg->session_start,
        .tick = on_tick,
        .tick_arg = pg,
    };
    if (s->plan.calibrate) {
        if (pg->tty)
            fprintf(stderr, "calibrating: context switches, thread creation, idle threads, "
                            "RLIMIT_AS, a ring of 500 tasks...");
        json_t *cal = calib_run(&s->env, strcmp(s->plan.profile, "quick") == 0);
        json_object_set_new(s->root, "calibration", cal);
        ctx.switch_cost_ns = calib_switch_cost_ns(cal);
        fprintf(stderr,
                "%scalibration: a context switch costs %.2f us between threads, %.2f us between "
                "processes (%.2f and %.2f net of the pipe syscalls)\n",
                pg->tty ? "\r\033[K" : "", results_num(cal, "context_switch.thread_pair_ns") / 1000,
                results_num(cal, "context_switch.process_pair_ns") / 1000,
                results_num(cal, "context_switch.thread_pair_net_ns") / 1000,
                results_num(cal, "context_switch.process_pair_net_ns") / 1000);
        write_outputs(s->root, s->out, s->chartjs, 0);
    }
    json_t *runs = json_object_get(s->root, "runs");
    for (size_t i = 0; i < s->plan.n; i++) {
        pg->index = i;
        pg->run_start = proc_now();
        json_t *run;
        if (proc_interrupted())
            run = run_skipped(&s->plan.runs[i], "interrupted", "the session was interrupted");
        else
            run = run_execute(&ctx, &s->plan.runs[i]);
        json_array_append_new(runs, run);
        if (results_num(run, "elapsed_s") > 0)
            print_run_line(pg, run);
        pg->done_estimate += plan_estimate_s(&s->plan.runs[i]);
        pg->done_actual += proc_now() - pg->run_start;
        write_outputs(s->root, s->out, s->chartjs, 0);
    }
}

/* Judges the claims, writes the files with the report, prints the headline. Returns 0 or 1. */
static int session_finish(struct session *s)
{
    char finished[64];
    iso_time(finished, sizeof finished);
    json_object_set_new(s->root, "finished_at", json_string(finished));
    json_object_set_new(s->root, "elapsed_s", json_real(proc_now() - s->pg.session_start));
    json_object_set_new(s->root, "interrupted", json_boolean(proc_interrupted()));
    claims_build(s->root);
    if (s->plan.scenarios & (SCEN_PIPELINE | SCEN_SYSCALLS | SCEN_INSTRUCTIONS | SCEN_LOADGEN))
        json_object_set_new(s->root, "perf", perf_summary(s->root));
    int rc = write_outputs(s->root, s->out, s->chartjs, 1);

    char el[32];
    format_duration(el, sizeof el, proc_now() - s->pg.session_start);
    if (s->pg.tty)
        fprintf(stderr, "\r\033[K");
    fprintf(stderr, "\n%s after %s.\n", proc_interrupted() ? "Interrupted" : "Done", el);
    size_t i;
    json_t *line;
    json_array_foreach(json_object_get(s->root, "headline"), i, line)
        fprintf(stderr, "  %s\n", json_string_value(line));
    if (json_is_object(json_object_get(s->root, "perf"))) {
        fprintf(stderr, "\n");
        perf_print(stderr, json_object_get(s->root, "perf"));
    }
    fprintf(stderr, "\nReport:  %s/report.html\nResults: %s/results.json, %s/results.csv\n", s->out,
            s->out, s->out);
    return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    static struct session s;
    int rc = parse_options(&s.o, argc, argv);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (report_find_chartjs(s.chartjs, sizeof s.chartjs) < 0) {
        fprintf(stderr,
                "c10k-bench: Chart.js not found (%s): install Debian's libjs-chart.js "
                "(apt-get install libjs-chart.js) or point C10K_CHARTJS at chart.umd.js\n",
                s.chartjs);
        return 1;
    }
    if (s.o.report_only)
        return report_only(s.o.report_only, s.chartjs);
    if (s.o.from_docker)
        return docker_report(s.o.from_docker, s.chartjs);

    proc_signals_install();
    if (env_read(&s.env) < 0) {
        fprintf(stderr, "c10k-bench: cannot read this machine's CPUs: %s\n", strerror(errno));
        return 1;
    }
    rc = session_plan(&s);
    if (rc == 0 && s.o.list) {
        print_plan(&s.plan);
        session_free(&s);
        return 0;
    }
    if (rc == 0)
        rc = session_dirs(&s);
    if (rc == 0 && cgmem_open(&s.cg) < 0)
        fprintf(stderr, "c10k-bench: kernel memory is read machine-wide: %s\n", s.cg.why);
    if (rc == 0)
        session_wrappers(&s);
    if (rc == 0 && (s.plan.scenarios & SCEN_SCALE)) {
        /* perf, to say what share of a server's CPU the scheduler took. */
        s.perf = find_program(NULL, "perf", 0);
        if (!s.perf)
            snprintf(s.perf_why, sizeof s.perf_why,
                     "perf is not installed (apt-get install linux-perf)");
        else if (!schedprof_available(s.perf, s.perf_why, sizeof s.perf_why)) {
            free(s.perf);
            s.perf = NULL;
        }
        if (!s.perf)
            fprintf(stderr, "c10k-bench: the scheduler's share is not measured: %s\n",
                    s.perf_why);
    }
    if (rc == 0 && !(s.root = session_document(&s, argc, argv))) {
        fprintf(stderr, "c10k-bench: cannot build the results document\n");
        rc = 1;
    }
    if (rc == 0) {
        /* c10k-bench (and its sampler) stays on the load generator's CPUs. */
        if (s.env.pinned)
            sched_setaffinity(0, sizeof s.env.load_cpus, &s.env.load_cpus);
        s.pg = (struct progress){
            .tty = isatty(STDERR_FILENO), .plan = &s.plan, .session_start = proc_now()};
        char est[32];
        format_duration(est, sizeof est, plan_total_estimate_s(&s.plan));
        fprintf(stderr,
                "c10k-bench %s: profile %s, %zu runs, about %s; server on CPU %s, load on CPU "
                "%s; results in %s\n",
                C10K_VERSION, s.plan.profile, s.plan.n, est, s.env.server_cpu_list,
                s.env.load_cpu_list, s.out);
        if (!s.wrk)
            fprintf(stderr, "c10k-bench: wrk not found: c10k-load does its runs\n");
        if (!s.load)
            fprintf(stderr, "c10k-bench: c10k-load not found: the idle runs are skipped\n");
        session_run(&s);
        rc = session_finish(&s);
    }
    session_free(&s);
    if (proc_interrupted())
        return EXIT_INTERRUPTED;
    return rc;
}
