/* c10k-bench: runs the scenarios of DESIGN.md across the concurrency models, samples what each
 * costs, and writes results/<time>/{results.json, results.csv, report.html}. This file is the
 * command: options, the session (calibration, then the runs in order), progress and ETA on a
 * terminal, and the files after every run. */
#include "calib.h"
#include "cgmem.h"
#include "claims.h"
#include "comparison.h"
#include "docker.h"
#include "env.h"
#include "loadgen.h"
#include "opts.h"
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
/* The Python server's interpreter unless --python says: Debian's, for which python3-uvloop is
 * built. */
#define PYTHON_DEFAULT "/usr/bin/python3"

struct options {
    int profile;                 /* --profile: an index of bench_profiles */
    unsigned servers, scenarios; /* --modes (1u << SRV_*), --scenarios (SCN_BIT()s) */
    const char *out;
    int baseline;        /* 1: asked for, 0: --no-baseline, -1: where installed (the default) */
    int repeat;          /* --repeat; 0: the profile's */
    double duration_s;   /* --duration; 0: the profile's */
    double warmup_s;     /* --warmup */
    int warmup_set;      /* --warmup was given (else the profile's) */
    enum wrap_kind wrap; /* --wrap */
    int hold_busy;       /* --hold-busy; 0: the scenario's */
    int instructions_requests;   /* --instructions-requests; 0: the scenario's */
    int generator;               /* --generator: 0 c10k-load, 1 wrk */
    int levels[PLAN_LEVELS_MAX]; /* --levels; levels[0] == LEVEL_END: the profile's */
    const char *server, *load, *wrk, *nginx_path;
    const char *python; /* --python */
    const char *apache_path;
    const char *report_only;
    const char *from_docker; /* --from-docker DIR */
    int list, schema;
    int compare;                 /* --compare: the operands are sessions */
    const char *const *sessions; /* into argv */
    int n_sessions;
    struct compare_rules fail_if; /* --fail-if */
};

/* ---- The options, declared once ---- */

/* The names of a table's rows, NULL-terminated, for the options that choose among them. */
static const char *profile_names[PROFILE_COUNT + 1], *server_row_names[SRV_COUNT + 1],
    *scenario_row_names[SCN_COUNT + 1];

static void choice_names(void)
{
    for (int i = 0; i < PROFILE_COUNT; i++)
        profile_names[i] = bench_profiles[i].name;
    for (int i = 0; i < SRV_COUNT; i++)
        server_row_names[i] = bench_servers[i].name;
    /* The container scenarios, last in the table, are docker/run.sh's: not a choice here. */
    for (int i = 0; i < SCN_COUNT && !bench_scenarios[i].container; i++)
        scenario_row_names[i] = bench_scenarios[i].name;
}

static struct options *opts_of(struct opts_parser *p)
{
    return p->dst;
}

static int set_baseline(struct opts_parser *p, const struct opt *o, const char *value)
{
    const struct bench_server *s = server_find(value);
    if (!s || !s->baseline)
        return -EINVAL;
    (void)o;
    opts_of(p)->baseline = 1;
    return 0;
}

static int set_levels(struct opts_parser *p, const struct opt *o, const char *value)
{
    (void)o;
    return plan_parse_levels(value, opts_of(p)->levels, PLAN_LEVELS_MAX) < 0 ? -EINVAL : 0;
}

static int set_wrap(struct opts_parser *p, const struct opt *o, const char *value)
{
    enum wrap_kind k;
    (void)o;
    if (wrap_parse(value, &k) < 0 || k == WRAP_SYSCALLS)
        return -EINVAL;
    opts_of(p)->wrap = k;
    return 0;
}

static int warmup_given(struct opts_parser *p, const struct opt *o, const char *value)
{
    (void)o;
    (void)value;
    opts_of(p)->warmup_set = 1;
    return 0;
}

static const char *const generators[] = {"c10k-load", "wrk", NULL};

static int add_rules(struct opts_parser *p, const struct opt *o, const char *value)
{
    char why[160];
    int rc = compare_parse_rules(value, &opts_of(p)->fail_if, why, sizeof why);
    return rc == -EINVAL ? opts_fail(p, o, "%s: %s", value, why) : rc;
}

#define OPTS(member) OPT_FIELD(struct options, member)
#define SECTION_WHAT "What runs"
#define SECTION_PROGRAMS "The programs"
#define SECTION_OTHER "Other commands"

static const struct opt bench_options[] = {
    {"profile", .kind = OPT_CHOICE, .arg = "NAME", OPTS(profile), .choices = profile_names,
     .sdef = "default", .section = SECTION_WHAT,
     .help = "how far and how long (the profiles are listed below)",
     .doc = "how far and how long ([Profiles](#profiles))"},
    {"modes", .kind = OPT_CHOICES, .arg = "LIST", OPTS(servers), .choices = server_row_names,
     .def_text = "every c10k-server model the server has, and the Python server's",
     .section = SECTION_WHAT,
     .help = "the servers to compare, rows of the server table (listed below)",
     .doc = "the servers to compare, rows of the [server table](#servers) (default: the "
            "c10k-server models `c10k-server --help` lists and the Python server's four, skipped "
            "where its interpreter is missing; the baselines run beside them)"},
    {"scenarios", .kind = OPT_CHOICES, .arg = "LIST", OPTS(scenarios),
     .choices = scenario_row_names, .def_text = "the profile's", .section = SECTION_WHAT,
     .help = "the scenarios to run, rows of the scenario table (listed below)",
     .doc = "the scenarios to run, rows of the [scenario table](#scenarios)"},
    {"no-baseline", .kind = OPT_FLAG, .negate = 1, OPTS(baseline), .section = SECTION_WHAT,
     .help = "leave the baselines out (nginx, with one worker, runs beside the models wherever "
             "it is installed, in the scenarios its row names)",
     .doc = "leave the baselines out; by default nginx with one worker runs beside the models "
            "wherever it is installed (`./c10k-lab bench` installs `nginx-light`), in the "
            "scenarios its row names, and `generators` and `hold` run against it instead of the "
            "loop"},
    {"baseline", .kind = OPT_CALL, .arg = "NAME", .call = set_baseline,
     .expect = "a baseline of the server table (nginx)", .section = SECTION_WHAT,
     .help = "require that baseline (a warning, and its runs skipped, when it is not installed)"},
    {"repeat", .kind = OPT_INT, .arg = "N", OPTS(repeat), .min = 1, .max = 20,
     .def_text = "1; perf: 3", .section = SECTION_WHAT,
     .help = "run the plan N times (levels stay the outer loop, the servers' order rotates) and "
             "judge every claim once per repetition",
     .doc = "run the plan N times (1 to 20; levels stay the outer loop, the servers' order "
            "rotates from one repetition to the next) and judge every claim once per repetition; "
            "`perf`'s figures are the medians of its 3"},
    {"duration", .kind = OPT_REAL, .arg = "TIME", OPTS(duration_s), .rmin = 1, .rmax = 3600,
     .units = &units_seconds, .def_text = "the profile's", .section = SECTION_WHAT,
     .help = "measured seconds of every run (churn keeps its 3 s, instructions its request "
             "counts)",
     .doc = "measured time of every run (1 s to 1 h; churn keeps its 3 s, instructions its "
            "request counts)"},
    {"warmup", .kind = OPT_REAL, .arg = "TIME", OPTS(warmup_s), .rmin = 0, .rmax = 3600,
     .units = &units_seconds, .call = warmup_given, .def_text = "the profile's",
     .section = SECTION_WHAT,
     .help = "warm-up of every run (a ramp of connections adds its time to it)",
     .doc = "warm-up of every run (0 to 1 h; a ramp of connections adds its time to it)"},
    {"levels", .kind = OPT_CALL, .arg = "LIST", .call = set_levels,
     .expect = "a list of up to 11 levels from 0 to 1000000, such as 100,1000",
     .def_text = "the profile's", .section = SECTION_WHAT,
     .help = "the levels (connections; idle ones for idle) of every chosen scenario, e.g. "
             "100,1000,10000",
     .doc = "the levels (connections; idle connections for `idle`) of every chosen scenario, e.g. "
            "`--scenarios scale --levels 100,1000,10000`"},
    {"hold-busy", .kind = OPT_INT, .arg = "N", OPTS(hold_busy), .min = 1, .max = 1000000,
     .def_text = "100", .section = SECTION_WHAT,
     .help = "busy connections among those hold holds (the rest are idle)"},
    {"instructions-requests", .kind = OPT_INT, .arg = "N", OPTS(instructions_requests), .min = 1,
     .max = 1000000, .def_text = "2000", .section = SECTION_WHAT,
     .help = "the instructions runs answer N and then 11 N requests"},
    {"wrap", .kind = OPT_CALL, .arg = "NAME", .call = set_wrap,
     .expect = "perf, strace or callgrind", .def_text = "none", .section = SECTION_WHAT,
     .help = "start every server under perf stat, strace -f -c or callgrind (syscalls and "
             "instructions runs do so anyway)",
     .doc =
         "start every server under `perf stat`, `strace -f -c` or `valgrind --tool=callgrind` "
         "([A server under a wrapper](#a-server-under-a-wrapper)); `syscalls` and `instructions` "
         "runs do so anyway"},
    {"generator", .kind = OPT_CHOICE, .arg = "NAME", OPTS(generator), .choices = generators,
     .sdef = "c10k-load", .section = SECTION_WHAT,
     .help = "what drives the closed-loop scale and cpu runs",
     .doc = "what drives the closed-loop `scale` and `cpu` runs ([What one run "
            "does](#what-one-run-does))"},
    {"out", .kind = OPT_STRING, .arg = "DIR", OPTS(out), .nonempty = 1,
     .def_text = "results/<time>", .section = SECTION_WHAT,
     .help = "where to write (with --compare: B's directory, or results/compare-<time> for more "
             "than two sessions)",
     .doc = "where to write (default `results/<YYYYmmdd-HHMMSS>` under the current directory; "
            "with `--compare`, the directory of B's `results.json`, or "
            "`results/compare-<YYYYmmdd-HHMMSS>` for more than two sessions)"},
    {"list", .kind = OPT_FLAG, OPTS(list), .section = SECTION_WHAT,
     .help = "print the runs and the estimated time; run nothing"},
    {"server", .kind = OPT_STRING, .arg = "PATH", OPTS(server), .nonempty = 1,
     .def_text = "next to c10k-bench, then PATH", .section = SECTION_PROGRAMS,
     .help = "c10k-server"},
    {"load", .kind = OPT_STRING, .arg = "PATH", OPTS(load), .nonempty = 1,
     .def_text = "next to c10k-bench, then PATH", .section = SECTION_PROGRAMS, .help = "c10k-load"},
    {"wrk", .kind = OPT_STRING, .arg = "PATH", OPTS(wrk), .nonempty = 1, .def_text = "PATH",
     .section = SECTION_PROGRAMS, .help = "wrk"},
    {"nginx", .kind = OPT_STRING, .arg = "PATH", OPTS(nginx_path), .nonempty = 1,
     .def_text = "PATH, then /usr/sbin", .section = SECTION_PROGRAMS, .help = "nginx"},
    {"apache", .kind = OPT_STRING, .arg = "PATH", OPTS(apache_path), .nonempty = 1,
     .def_text = "PATH, then /usr/sbin", .section = SECTION_PROGRAMS,
     .help = "Apache httpd (apache2)"},
    {"python", .kind = OPT_STRING, .arg = "PATH", OPTS(python), .nonempty = 1,
     .def_text = "/usr/bin/python3", .section = SECTION_PROGRAMS,
     .help = "the interpreter of the Python server (the py-* servers)",
     .doc = "the interpreter of the Python server (the `py-*` servers, "
            "[peers/python](../peers/python/README.md)); Debian's, whose `python3-uvloop` "
            "the asyncio models use"},
    {"report", .kind = OPT_STRING, .arg = "DIR", OPTS(report_only), .nonempty = 1,
     .section = SECTION_OTHER, .help = "rewrite DIR/report.html from DIR/results.json"},
    {"from-docker", .kind = OPT_STRING, .arg = "DIR", OPTS(from_docker), .nonempty = 1,
     .section = SECTION_OTHER,
     .help = "write DIR's results.json, results.csv and report.html from what docker/run.sh "
             "collected there",
     .doc = "build the session of a Docker load test from what `docker/run.sh` collected in "
            "`DIR` and write `DIR/results.json`, `results.csv` and `report.html` "
            "([A Docker run](#a-docker-run---from-docker)); prints the headline, one row per run "
            "and, for a run of several generators, their cross-check against the server's count, "
            "start skew and Prometheus's figures"},
    {"compare", .kind = OPT_FLAG, OPTS(compare), .section = SECTION_OTHER,
     .help = "compare the sessions named after the options (A B [C ...]: results.json files or "
             "their directories), each later one against A, and write compare.json, compare.csv "
             "and compare.html; exit 2 on a session that cannot be read",
     .doc = "compare the sessions named after the options (`A B [C ...]`: `results.json` files or "
            "their directories), each later one against the first, and write `compare.json`, "
            "`compare.csv` and `compare.html` ([Comparing sessions](#comparing-sessions)); exit "
            "2 on a session that cannot be read or sessions with nothing in common"},
    {"fail-if", .kind = OPT_CALL, .arg = "RULE", .call = add_rules,
     .expect = "[FIGURE:]worse[:PERCENT%], such as worse:5% or cpu_us_per_request:worse:5%",
     .section = SECTION_OTHER,
     .help = "with --compare: exit 1 when a figure (any, or the one named) got worse beyond noise "
             "and by more than PERCENT; RULE is [FIGURE:]worse[:PERCENT%], repeated or "
             "comma-separated",
     .doc = "with `--compare`: exit 1 when a figure (any, or the one named) got worse beyond noise "
            "and by more than PERCENT, printing those cells; `RULE` is "
            "`[FIGURE:]worse[:PERCENT%]` (`worse:5%`, `cpu_us_per_request:worse:5%`), repeated or "
            "comma-separated ([The gate](#the-gate---fail-if))"},
    {"schema", .kind = OPT_FLAG, OPTS(schema), .section = SECTION_OTHER,
     .help = "print results.json's schema as Markdown tables"},
    {"help", 'h', .kind = OPT_HELP, .section = SECTION_OTHER, .help = "this text"},
    {"version", 'V', .kind = OPT_VERSION, .section = SECTION_OTHER, .help = "the version"},
};

static const struct opts_spec bench_spec = {
    .program = "c10k-bench",
    .usage = "usage: c10k-bench [options]\n"
             "       c10k-bench --compare A B [C ...] [--out DIR] [--fail-if RULE]\n",
    .operands = "A B [C ...]",
    .intro = "Runs the scenarios across the servers and writes results.json, results.csv and a\n"
             "self-contained report.html (see loadtest/README.md).\n",
    .epilogue = "TIME takes us, ms, s, m or h (a plain number is seconds).\n"
                "Ctrl-C stops the session: what ran is written, every process started is "
                "stopped.\n",
    .opts = bench_options,
    .n = sizeof bench_options / sizeof bench_options[0],
};

/* --help's last part: the rows of the two tables. */
static void print_tables(FILE *f)
{
    fprintf(f, "\nProfiles (--profile):\n");
    for (int i = 0; i < PROFILE_COUNT; i++)
        fprintf(f, "  %-16s %s\n", bench_profiles[i].name, bench_profiles[i].about);
    fprintf(f, "\nServers (--modes):\n");
    for (int i = 0; i < SRV_COUNT; i++)
        fprintf(f, "  %-16s %s%s\n", bench_servers[i].name, bench_servers[i].about,
                bench_servers[i].baseline ? " (a baseline)" : "");
    fprintf(f, "\nScenarios (--scenarios):\n");
    for (int i = 0; i < SCN_COUNT && !bench_scenarios[i].container; i++)
        fprintf(f, "  %-16s %s\n", bench_scenarios[i].name, bench_scenarios[i].title);
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

/* Where --compare writes: --out; else the directory of B's results.json for two sessions, a
 * new results/compare-<time> for more. */
static void compare_dir(const struct options *o, char *dir, size_t len)
{
    struct stat sb;
    const char *b = o->sessions[1];
    if (o->out) {
        snprintf(dir, len, "%s", o->out);
    } else if (o->n_sessions > 2) {
        char stamp[64];
        time_t now_t = time(NULL);
        struct tm tm;
        localtime_r(&now_t, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        snprintf(dir, len, "results/compare-%s", stamp);
    } else if (stat(b, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(dir, len, "%s", b);
    } else {
        const char *slash = strrchr(b, '/');
        snprintf(dir, len, "%.*s", slash ? (int)(slash - b) : 1, slash ? b : ".");
        if (slash == b)
            snprintf(dir, len, "/");
    }
}

/* --compare: the sessions side by side. Exit 0, 1 when the gate failed, 2 on bad input. */
static int compare_command(const struct options *o)
{
    static struct comparison c;
    char err[PATH_MAX + 256], chartjs[PATH_MAX], dir[PATH_MAX];
    if (report_find_chartjs(chartjs, sizeof chartjs) < 0) {
        fprintf(stderr,
                "c10k-bench: --compare: Chart.js not found (%s): install Debian's libjs-chart.js "
                "(apt-get install libjs-chart.js) or point C10K_CHARTJS at chart.umd.js\n",
                chartjs);
        return COMPARE_EXIT_BAD;
    }
    c.rules = o->fail_if;
    int rc = comparison_build(&c, o->sessions, o->n_sessions, err, sizeof err);
    if (rc == 0) {
        compare_dir(o, dir, sizeof dir);
        int made = mkdir_p(dir);
        if (made < 0)
            snprintf(err, sizeof err, "cannot create %s: %s", dir, strerror(-made));
        rc = made < 0 ? -1 : comparison_write(&c, dir, chartjs, err, sizeof err);
    }
    if (rc < 0) {
        fprintf(stderr, "c10k-bench: --compare: %s\n", err);
        comparison_free(&c);
        return COMPARE_EXIT_BAD;
    }
    comparison_summary(&c, stdout);
    printf("\nWritten: %s/compare.html, compare.json, compare.csv\n", dir);
    int broken = comparison_broken(&c);
    comparison_free(&c);
    return broken ? COMPARE_EXIT_WORSE : COMPARE_EXIT_OK;
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

/* Returns 0 to run, -1 after --help, --version or --schema, or EXIT_USAGE after a line
 * naming the option. */
static int parse_options(struct options *o, int argc, char **argv)
{
    choice_names();
    memset(o, 0, sizeof *o);
    struct opts_parser p = {.spec = &bench_spec, .dst = o, .out = stdout, .err = stderr};
    enum opts_result r = opts_defaults(&p);
    o->baseline = -1;
    o->levels[0] = LEVEL_END;
    int operand = argc;
    if (r == OPTS_RUN)
        r = opts_parse(&p, argc, argv, &operand);
    if (r == OPTS_EXIT) {
        if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
            print_tables(stdout);
        return -1;
    }
    if (r != OPTS_RUN)
        return EXIT_USAGE;
    if (o->schema) {
        schema_markdown(stdout);
        return -1;
    }
    o->sessions = (const char *const *)argv + operand;
    o->n_sessions = argc - operand;
    if (o->compare && (o->n_sessions < 2 || o->n_sessions > COMPARE_SESSIONS_MAX))
        return opts_error(&p, "--compare: needs 2 to %d sessions after the options, not %d",
                          COMPARE_SESSIONS_MAX, o->n_sessions);
    if (!o->compare && o->n_sessions > 0)
        return opts_error(&p, "unexpected argument '%s' (see --help)", argv[operand]);
    if (!o->compare && o->fail_if.n > 0)
        return opts_error(&p, "--fail-if: only with --compare");
    return 0;
}

/* Everything a session holds; session_free releases it whatever was reached. */
struct session {
    struct options o;
    char chartjs[PATH_MAX];
    struct bench_env env;
    char *server, *load, *wrk, *nginx;   /* owned paths; NULL when not found */
    char *python;                        /* the Python server's interpreter, or NULL */
    char *apache;                        /* the same */
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
    free(s->python);
    free(s->apache);
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
 * in --help), but those the profile leaves out; a peer's row whose program is missing is
 * skipped run by run, with the reason. */
static unsigned default_servers(const char *server, int profile)
{
    unsigned bits = 0;
    for (int i = 0; i < SRV_COUNT; i++) {
        const struct bench_server *sv = &bench_servers[i];
        if (sv->in_default && !(sv->not_in_profiles & (1u << profile)) &&
            (sv->kind != SERVER_C10K || server_has_mode(server, sv->name)))
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
    s->python = find_program(o->python ? o->python : PYTHON_DEFAULT, "python3", 0);
    if (o->python && !s->python)
        fprintf(stderr,
                "c10k-bench: warning: --python %s is not executable: the Python "
                "server's runs are skipped\n",
                o->python);
    s->apache = find_program(o->apache_path, "apache2", 0);
    if (o->generator && !s->wrk)
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
        s->o.servers = default_servers(s->server, o->profile);
    if (o->load && !s->load)
        fprintf(stderr, "c10k-bench: warning: --load %s is not executable\n", o->load);
    if (o->baseline > 0 && !s->nginx)
        fprintf(stderr, "c10k-bench: warning: nginx not found: its baseline runs are skipped "
                        "(apt-get install nginx-light)\n");
    struct plan_opts po = {
        .servers = s->o.servers,
        .scenarios = o->scenarios,
        /* By default the baselines run beside the models where they are installed. */
        .baselines = o->baseline > 0 || (o->baseline < 0 && (s->nginx || s->apache)),
        .tools = (s->wrk ? 1u << TOOL_WRK : 0) | (s->load ? 1u << TOOL_LOAD : 0),
        .repeat = o->repeat,
        .duration_s = o->duration_s,
        .warmup_set = o->warmup_set,
        .warmup_s = o->warmup_s,
        .hold_busy = o->hold_busy,
        .instructions_requests = o->instructions_requests,
        .wrap = o->wrap,
        .prefer_wrk = o->generator,
        .levels = o->levels[0] != LEVEL_END ? o->levels : NULL,
    };
    if (plan_build(&s->plan, bench_profiles[o->profile].name, &po, &s->env) < 0) {
        fprintf(stderr, "c10k-bench: out of memory\n");
        return 1;
    }
    unsigned apache = 0;
    for (int i = 0; i < SRV_COUNT; i++)
        apache |= bench_servers[i].kind == SERVER_APACHE ? 1u << i : 0;
    if (!s->apache && (s->plan.servers & apache))
        fprintf(stderr, "c10k-bench: warning: apache2 not found: Apache's runs are skipped "
                        "(apt-get install apache2-bin)\n");
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

/* The Python server's interpreter, where a py-* server is planned: which one, whether it has
 * the global lock, whether uvloop is there. */
static void session_python(struct session *s)
{
    int planned = 0;
    for (int i = 0; i < SRV_COUNT; i++)
        planned |= bench_servers[i].kind == SERVER_PYTHON && (s->plan.servers >> i & 1u);
    struct env_python py;
    if (!planned || !s->python)
        return;
    if (env_python(s->python, &py) < 0) {
        fprintf(stderr, "c10k-bench: warning: %s did not say what it is\n", s->python);
        return;
    }
    struct rec_python_env *e = &s->rec.python;
    e->present = 1;
    record_set_str(&e->executable, py.executable);
    record_set_str(&e->version, py.version);
    e->gil = py.gil;
    record_set_str(&e->uvloop, py.uvloop[0] ? py.uvloop : NULL);
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
    json_object_set_new(versions, "apache", version_of(s->apache, "-v"));
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
    session_python(s);
    rec->clock_ticks = (double)s->env.clock_ticks;
    rec->estimate_s = plan_total_estimate_s(&s->plan);
    record_set_json(&rec->programs,
                    json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s}", "c10k_server", s->server,
                              "c10k_load", s->load, "wrk", s->wrk, "nginx", s->nginx, "python",
                              s->python, "chartjs", s->chartjs));
    if (s->apache)
        json_object_set_new(rec->programs, "apache", json_string(s->apache));
    rec->interrupted = 0;
    rec->repeat = s->plan.repeat;
    record_set_json(&rec->code_size, code_size_json());
    record_set_json(&rec->scheduler_profile,
                    s->perf ? json_pack("{s:b, s:s}", "available", 1, "perf", s->perf)
                            : json_pack("{s:b, s:s}", "available", 0, "why",
                                        s->perf_why[0] ? s->perf_why : "scale did not run"));
    record_set_str(&rec->generator, o->generator && s->wrk ? "wrk" : s->load ? "c10k-load" : "wrk");
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
        .python_path = s->python,
        .apache_path = s->apache,
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
    if (s->plan.calibrate || (s->plan.calibrate_python && s->python)) {
        if (pg->tty)
            fprintf(
                stderr, "calibrating: %s%s...",
                s->plan.calibrate ? "context switches, thread creation, idle threads, "
                                    "RLIMIT_AS, a ring of 500 tasks"
                                  : "",
                s->plan.calibrate_python && s->python
                    ? (s->plan.calibrate ? ", the Python interpreter" : "the Python interpreter")
                    : "");
        json_t *cal = s->plan.calibrate
                          ? calib_run(&s->env, s->plan.profile == &bench_profiles[PROFILE_QUICK])
                          : json_object();
        if (s->plan.calibrate_python && s->python)
            calib_python(cal, s->python, s->tmp, PLAN_PYTHON_CALIB_S, s->env.cpus_allowed);
        schema_parse(&schema_session, rec, cal, "calibration");
        json_decref(cal);
        const struct rec_calibration *c = &rec->calibration;
        ctx.switch_cost_ns =
            isfinite(c->context_switch.switch_cost_ns) ? c->context_switch.switch_cost_ns : 0;
        if (pg->tty)
            fprintf(stderr, "\r\033[K");
        if (c->context_switch.present == 1)
            fprintf(stderr,
                    "calibration: a context switch costs %.2f us between threads, %.2f us "
                    "between processes (%.2f and %.2f net of the pipe syscalls)\n",
                    c->context_switch.thread_pair_ns / 1000,
                    c->context_switch.process_pair_ns / 1000,
                    c->context_switch.thread_pair_net_ns / 1000,
                    c->context_switch.process_pair_net_ns / 1000);
        if (c->python.present == 1)
            fprintf(stderr,
                    "calibration: Python %s, a task through a ThreadPoolExecutor %.0f us (1 KiB) "
                    "/ %.0f us (1 MiB), through a ProcessPoolExecutor %.0f us / %.0f us\n",
                    c->python.version, c->python.thread_pool_task_1kib_us,
                    c->python.thread_pool_task_1mib_us, c->python.process_pool_task_1kib_us,
                    c->python.process_pool_task_1mib_us);
        else if (c->python_error)
            fprintf(stderr, "calibration: the Python interpreter was not calibrated: %s\n",
                    c->python_error);
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
    if (json_is_object(rec->environment))
        json_object_set_new(rec->environment, "loadavg_at_end", env_loadavg_json());
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
    if (s.o.compare)
        return compare_command(&s.o);
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
