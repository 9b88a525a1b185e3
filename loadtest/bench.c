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
#include "plan.h"
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
    unsigned servers, scenarios; /* --modes (1u << SRV_*), --scenarios (SCN_BIT()s) */
    const char *out;
    int baseline;        /* 1: asked for, 0: --no-baseline, -1: where installed (the default) */
    int repeat;          /* --repeat; 0: the profile's */
    double duration_s;   /* --duration; 0: the profile's */
    double warmup_s;     /* --warmup; negative: the profile's */
    enum wrap_kind wrap; /* --wrap */
    int hold_busy;       /* --hold-busy; 0: the scenario's */
    int instructions_requests;   /* --instructions-requests; 0: the scenario's */
    int prefer_wrk;              /* --generator wrk */
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

/* Prints text after a 22-column indent, wrapped at 78 columns. */
static void usage_wrapped(FILE *f, const char *text, int first_indent)
{
    int col = first_indent;
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, " ");
        if (col > 22 && col + 1 + (int)n > 78) {
            fprintf(f, "\n%22s", "");
            col = 22;
        } else if (col > 22 || (col == 22 && p != text)) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", (int)n, p);
        col += (int)n;
        p += n;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

static void usage(FILE *f)
{
    char text[1024];
    size_t used = 0;
    fprintf(f, "usage: c10k-bench [options]\n"
               "\n"
               "Runs the scenarios across the servers and writes results.json, results.csv and\n"
               "a self-contained report.html (see loadtest/README.md).\n"
               "\n");
    for (int i = 0; i < PROFILE_COUNT; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s%s (%s)",
                                 i == 0                  ? ""
                                 : i + 1 < PROFILE_COUNT ? ", "
                                                         : " or ",
                                 bench_profiles[i].name, bench_profiles[i].about);
    fprintf(f, "  --profile NAME      ");
    usage_wrapped(f, text, 22);
    fprintf(f, "  --modes LIST        servers to compare (default: every c10k-server model the\n"
               "                      server has; peers run as baselines):\n");
    for (int i = 0; i < SRV_COUNT; i++) {
        snprintf(text, sizeof text, "%s: %s%s", bench_servers[i].name, bench_servers[i].about,
                 bench_servers[i].baseline ? " (a baseline)" : "");
        fprintf(f, "%22s", "");
        usage_wrapped(f, text, 22);
    }
    fprintf(f, "  --scenarios LIST    ");
    snprintf(text, sizeof text, "%s (default: the profile's)", scenario_names());
    usage_wrapped(f, text, 22);
    fprintf(f,
            "  --out DIR           write the results there (default: results/<time>)\n"
            "  --no-baseline       leave the baselines out (by default nginx, with one worker,\n"
            "                      runs beside the models wherever it is installed, in the\n"
            "                      scenarios its row names; generators and hold run against\n"
            "                      it instead of the loop)\n"
            "  --baseline NAME     require that baseline (a warning when missing)\n"
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
            "  --schema            print results.json's schema as Markdown tables\n"
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
    fprintf(stderr, "\r\033[K[%zu/%zu] %s %s %d: %s", pg->index + 1, pg->plan->n, r->scn->name,
            r->model, r->level, phase);
    if (left > 0.5)
        fprintf(stderr, " %.0fs", left);
    fprintf(stderr, "  | elapsed %s, about %s left", el, eta);
    fflush(stderr);
}

static void print_run_line(struct progress *pg, const struct run_record *run)
{
    if (pg->tty)
        fprintf(stderr, "\r\033[K");
    char p99[32] = "-";
    double p = run->client.latency_us.p99;
    if (isfinite(p)) {
        if (p < 1000)
            snprintf(p99, sizeof p99, "%.0fus", p);
        else
            snprintf(p99, sizeof p99, "%.1fms", p / 1000);
    }
    double rps = run->client.good_per_s;
    const char *status = run->status ? run->status : "?";
    fprintf(stderr, "[%3zu/%zu] %-8s %-16s %6.0f  %-11s %10.0f req/s  p99 %-8s %5.1fs",
            pg->index + 1, pg->plan->n, run->scenario, run->model, run->level, status,
            isfinite(rps) ? rps : 0, p99, run->elapsed_s);
    if (run->reason && strcmp(status, "ok") != 0)
        fprintf(stderr, "\n          %.300s", run->reason);
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

static int write_outputs(const struct session_record *rec, const char *dir, const char *chartjs,
                         int with_report)
{
    int rc = results_write_json(rec, dir);
    if (rc < 0) {
        fprintf(stderr, "c10k-bench: cannot write %s/results.json: %s\n", dir, strerror(-rc));
        return rc;
    }
    rc = results_write_csv(rec, dir);
    if (rc < 0) {
        fprintf(stderr, "c10k-bench: cannot write %s/results.csv: %s\n", dir, strerror(-rc));
        return rc;
    }
    if (with_report) {
        json_t *root = results_document(rec);
        rc = report_write(root, dir, chartjs);
        json_decref(root);
        if (rc < 0) {
            fprintf(stderr, "c10k-bench: cannot write %s/report.html: %s\n", dir, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

static int report_only(const char *dir, const char *chartjs)
{
    struct session_record rec;
    char err[1024];
    if (results_load(dir, &rec, err, sizeof err) < 0) {
        fprintf(stderr, "c10k-bench: --report: %s\n", err);
        record_session_free(&rec);
        return 1;
    }
    int rc = write_outputs(&rec, dir, chartjs, 1);
    record_session_free(&rec);
    if (rc < 0)
        return 1;
    printf("%s/report.html\n", dir);
    return 0;
}

static void print_plan(const struct plan *p)
{
    char est[32];
    format_duration(est, sizeof est, plan_total_estimate_s(p));
    printf("profile %s: %zu runs%s, about %s\n", p->profile->name, p->n,
           p->calibrate ? " and the calibration" : "", est);
    for (size_t i = 0; i < p->n; i++) {
        const struct run_spec *r = &p->runs[i];
        printf("  %-34s %-9s %-16s level %-6d %s%s %s, %.1fs + %.1fs\n", r->id, r->scn->name,
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
        {"schema", no_argument, NULL, 17},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->profile = "default";
    o->servers = 0;   /* every model the server has (session_plan asks it) */
    o->scenarios = 0; /* the profile's */
    o->warmup_s = -1;
    o->baseline = -1;
    o->levels[0] = LEVEL_END;
    int c;
    char bad[64];
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hV", longs, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (!profile_find(optarg)) {
                fprintf(stderr, "c10k-bench: --profile: '%s' is not", optarg);
                for (int i = 0; i < PROFILE_COUNT; i++)
                    fprintf(stderr, "%s%s",
                            i == 0                  ? " "
                            : i + 1 < PROFILE_COUNT ? ", "
                                                    : " or ",
                            bench_profiles[i].name);
                fputc('\n', stderr);
                return EXIT_USAGE;
            }
            o->profile = optarg;
            break;
        case 'm':
            if (server_parse_list(optarg, &o->servers, bad, sizeof bad) < 0) {
                fprintf(stderr, "c10k-bench: --modes: '%s' is not %s\n", bad, server_names());
                return EXIT_USAGE;
            }
            break;
        case 's':
            if (scenario_parse_list(optarg, &o->scenarios, bad, sizeof bad) < 0) {
                fprintf(stderr, "c10k-bench: --scenarios: '%s' is not one of %s\n", bad,
                        scenario_names());
                return EXIT_USAGE;
            }
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'b':
            if (!server_find(optarg) || !server_find(optarg)->baseline) {
                fprintf(stderr,
                        "c10k-bench: --baseline: '%s' is not a baseline of the server "
                        "table:",
                        optarg);
                for (int i = 0; i < SRV_COUNT; i++)
                    if (bench_servers[i].baseline)
                        fprintf(stderr, " %s", bench_servers[i].name);
                fputc('\n', stderr);
                return EXIT_USAGE;
            }
            o->baseline = 1;
            break;
        case 7:
            o->baseline = 0;
            break;
        case 8: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (end == optarg || *end || n < 1 || n > REPEAT_MAX) {
                fprintf(stderr, "c10k-bench: --repeat: '%s' is not a number from 1 to %d\n", optarg,
                        REPEAT_MAX);
                return EXIT_USAGE;
            }
            o->repeat = (int)n;
            break;
        }
        case 9:
            if (strcmp(optarg, "wrk") != 0 && strcmp(optarg, "c10k-load") != 0) {
                fprintf(stderr, "c10k-bench: --generator: '%s' is not c10k-load or wrk\n", optarg);
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
        case 17:
            schema_markdown(stdout);
            return -1;
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
    char *server, *load, *wrk, *nginx;   /* owned paths; NULL when not found */
    char *perf;                          /* perf, where it can sample the kernel; else NULL */
    char *perf_stat, *strace, *valgrind; /* the wrappers' programs (wrap.h), or NULL */
    char perf_why[512];
    struct plan plan;
    struct cgmem_session cg;
    char out[PATH_MAX], logs[PATH_MAX + 8], tmp[32], script[64];
    struct session_record rec;
    int have_rec;
    struct progress pg;
};

static void session_free(struct session *s)
{
    if (s->tmp[0])
        remove_tree(s->tmp);
    cgmem_close(&s->cg);
    if (s->have_rec)
        record_session_free(&s->rec);
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

/* 1 when the server's --help lists name among its concurrency models ("concurrency model:
 * thread, pool, loop or uring"). */
static int server_has_mode(const char *server, const char *name)
{
    char help[8192];
    char *argv[] = {(char *)server, "--help", NULL};
    if (proc_capture(argv, help, sizeof help, 3000) < 0)
        return 0;
    const char *line = strstr(help, "concurrency model:");
    if (!line)
        return 0;
    size_t n = strcspn(line, "\n"), len = strlen(name);
    for (const char *p = line; (p = strstr(p, name)) && p + len <= line + n; p += len)
        if (!isalnum((unsigned char)p[-1]) && !isalnum((unsigned char)p[len]))
            return 1;
    return 0;
}

/* The default servers: every row in the default the binary has (a c10k-server model it lists
 * in --help). */
static unsigned default_servers(const char *server)
{
    unsigned bits = 0;
    for (int i = 0; i < SRV_COUNT; i++) {
        const struct bench_server *sv = &bench_servers[i];
        if (sv->in_default && (sv->kind != SERVER_C10K || server_has_mode(server, sv->name)))
            bits |= 1u << i;
    }
    return bits;
}

/* Finds the programs and builds the plan. Returns 0 or 1 after saying why not. */
static int session_plan(struct session *s)
{
    const struct options *o = &s->o;
    s->server = find_program(o->server, "c10k-server", 1);
    s->load = find_program(o->load, "c10k-load", 1);
    s->wrk = find_program(o->wrk, "wrk", 0);
    s->nginx = o->baseline ? find_program(o->nginx_path, "nginx", 0) : NULL;
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
    if (!o->servers)
        s->o.servers = default_servers(s->server);
    if (o->load && !s->load)
        fprintf(stderr, "c10k-bench: warning: --load %s is not executable\n", o->load);
    if (o->baseline > 0 && !s->nginx)
        fprintf(stderr, "c10k-bench: warning: nginx not found: its baseline runs are skipped "
                        "(apt-get install nginx-light)\n");
    struct plan_opts po = {
        .servers = s->o.servers,
        .scenarios = o->scenarios,
        /* By default the baselines run beside the models where they are installed. */
        .baselines = o->baseline > 0 || (o->baseline < 0 && s->nginx),
        .tools = (s->wrk ? 1u << TOOL_WRK : 0) | (s->load ? 1u << TOOL_LOAD : 0),
        .repeat = o->repeat,
        .duration_s = o->duration_s,
        .warmup_set = o->warmup_s >= 0,
        .warmup_s = o->warmup_s,
        .hold_busy = o->hold_busy,
        .instructions_requests = o->instructions_requests,
        .wrap = o->wrap,
        .prefer_wrk = o->prefer_wrk,
        .levels = o->levels[0] != LEVEL_END ? o->levels : NULL,
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

/* The servers the plan runs, by name. */
static json_t *servers_json(unsigned servers)
{
    json_t *a = json_array();
    for (int i = 0; i < SRV_COUNT; i++)
        if (servers & (1u << i))
            json_array_append_new(a, json_string(bench_servers[i].name));
    return a;
}

/* What each scenario of the plan is and asks (for results.json and the report). */
static json_t *scenarios_json(unsigned scenarios)
{
    json_t *arr = json_array();
    for (int i = 0; i < SCN_COUNT; i++) {
        const struct bench_scenario *sc = &bench_scenarios[i];
        if (scenarios & (1u << i))
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", sc->name,
                                                 "title", sc->title, "question", sc->question,
                                                 "x_label", sc->x_label, "how", sc->how));
    }
    return arr;
}

/* The size of each model's source file, for the correctness claim. */
static json_t *code_size_json(void)
{
    json_t *o = json_object();
    for (const struct claims_code_size *c = claims_code_size; c->file; c++)
        json_object_set_new(o, c->file, json_integer(c->lines));
    return o;
}

/* The session's record before any run: what runs, where, with what. */
static void session_document(struct session *s, int argc, char **argv)
{
    const struct options *o = &s->o;
    struct session_record *rec = &s->rec;
    record_session_init(rec);
    s->have_rec = 1;
    json_t *versions = json_pack(
        "{s:o, s:o, s:o, s:o, s:s, s:s, s:o}", "c10k_server", version_of(s->server, "--version"),
        "c10k_load", version_of(s->load, "--version"), "wrk", version_of(s->wrk, "--version"),
        "nginx", version_of(s->nginx, "-v"), "libuv", C10K_LIBUV_VERSION, "jansson",
        JANSSON_VERSION, "chartjs", chartjs_version(s->chartjs));
    char started[64];
    iso_time(started, sizeof started);
    record_set_str(&rec->schema, RESULTS_SCHEMA);
    record_set_str(&rec->tool, "c10k-bench");
    record_set_str(&rec->version, C10K_VERSION);
    record_set_str(&rec->profile, s->plan.profile->name);
    record_set_json(&rec->command, command_line(argc, argv));
    record_set_str(&rec->started_at, started);
    record_set_json(&rec->modes, servers_json(s->plan.servers ? s->plan.servers : o->servers));
    record_set_json(&rec->scenarios, scenarios_json(s->plan.scenarios));
    rec->baseline_nginx = s->nginx != NULL && o->baseline != 0;
    record_set_json(&rec->environment, env_json(&s->env, versions));
    rec->cpus_allowed = s->env.cpus_allowed;
    rec->estimate_s = plan_total_estimate_s(&s->plan);
    record_set_json(&rec->programs,
                    json_pack("{s:s, s:s?, s:s?, s:s?, s:s}", "c10k_server", s->server, "c10k_load",
                              s->load, "wrk", s->wrk, "nginx", s->nginx, "chartjs", s->chartjs));
    rec->interrupted = 0;
    rec->repeat = s->plan.repeat;
    record_set_json(&rec->code_size, code_size_json());
    record_set_json(&rec->scheduler_profile,
                    s->perf ? json_pack("{s:b, s:s}", "available", 1, "perf", s->perf)
                            : json_pack("{s:b, s:s}", "available", 0, "why",
                                        s->perf_why[0] ? s->perf_why : "scale did not run"));
    record_set_str(&rec->generator, o->prefer_wrk && s->wrk ? "wrk"
                                    : s->load               ? "c10k-load"
                                                            : "wrk");
    /* Where the server's kernel memory is read from. */
    record_set_json(
        &rec->memory_cgroup,
        s->cg.version
            ? json_pack("{s:i, s:s, s:s, s:f}", "version", s->cg.version, "dir", s->cg.dir,
                        "source", cgmem_source(s->cg.version), "resolution_bytes",
                        cgmem_resolution_bytes())
            : json_pack("{s:n, s:s, s:s}", "version", "why", s->cg.why, "source", cgmem_source(0)));
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
    struct session_record *rec = &s->rec;
    if (s->plan.calibrate) {
        if (pg->tty)
            fprintf(stderr, "calibrating: context switches, thread creation, idle threads, "
                            "RLIMIT_AS, a ring of 500 tasks...");
        json_t *cal = calib_run(&s->env, s->plan.profile == &bench_profiles[PROFILE_QUICK]);
        schema_parse(&schema_session, rec, cal, "calibration");
        json_decref(cal);
        const struct rec_calibration *c = &rec->calibration;
        ctx.switch_cost_ns =
            isfinite(c->context_switch.switch_cost_ns) ? c->context_switch.switch_cost_ns : 0;
        fprintf(stderr,
                "%scalibration: a context switch costs %.2f us between threads, %.2f us between "
                "processes (%.2f and %.2f net of the pipe syscalls)\n",
                pg->tty ? "\r\033[K" : "", c->context_switch.thread_pair_ns / 1000,
                c->context_switch.process_pair_ns / 1000,
                c->context_switch.thread_pair_net_ns / 1000,
                c->context_switch.process_pair_net_ns / 1000);
        write_outputs(rec, s->out, s->chartjs, 0);
    }
    for (size_t i = 0; i < s->plan.n; i++) {
        pg->index = i;
        pg->run_start = proc_now();
        struct run_record *run = record_session_add_run(rec);
        if (!run) {
            fprintf(stderr, "c10k-bench: out of memory\n");
            return;
        }
        if (proc_interrupted())
            run_skipped(&s->plan.runs[i], "interrupted", "the session was interrupted", run);
        else
            run_execute(&ctx, &s->plan.runs[i], run);
        if (run->elapsed_s > 0)
            print_run_line(pg, run);
        pg->done_estimate += plan_estimate_s(&s->plan.runs[i]);
        pg->done_actual += proc_now() - pg->run_start;
        write_outputs(rec, s->out, s->chartjs, 0);
    }
}

/* Judges the claims, writes the files with the report, prints the headline. Returns 0 or 1. */
static int session_finish(struct session *s)
{
    struct session_record *rec = &s->rec;
    char finished[64];
    iso_time(finished, sizeof finished);
    record_set_str(&rec->finished_at, finished);
    rec->elapsed_s = proc_now() - s->pg.session_start;
    rec->interrupted = proc_interrupted() != 0;
    claims_build(rec);
    if (s->plan.scenarios & (SCN_PERF | SCN_LOADGEN))
        record_set_json(&rec->perf, perf_summary(rec));
    int rc = write_outputs(rec, s->out, s->chartjs, 1);

    char el[32];
    format_duration(el, sizeof el, proc_now() - s->pg.session_start);
    if (s->pg.tty)
        fprintf(stderr, "\r\033[K");
    fprintf(stderr, "\n%s after %s.\n", proc_interrupted() ? "Interrupted" : "Done", el);
    size_t i;
    json_t *line;
    json_array_foreach(rec->headline, i, line) fprintf(stderr, "  %s\n", json_string_value(line));
    if (json_is_object(rec->perf)) {
        fprintf(stderr, "\n");
        perf_print(stderr, rec->perf);
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
    if (rc == 0 && plan_profiles_cpu(&s.plan)) {
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
            fprintf(stderr, "c10k-bench: the scheduler's share is not measured: %s\n", s.perf_why);
    }
    if (rc == 0)
        session_document(&s, argc, argv);
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
                C10K_VERSION, s.plan.profile->name, s.plan.n, est, s.env.server_cpu_list,
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
