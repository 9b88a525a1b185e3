/* Checks a c10k-bench results directory. results.json: the session and every run against the
 * schema (schema_check: each field of fields.h there, of its type); what the schema cannot say,
 * the values and how fields relate (the schema name, statuses and their reasons, the figures a
 * run that ran must have, samples of equal length, no negative memory per connection, the
 * bottleneck and load_bound agreeing, throughput above zero, the seven claims and their
 * verdicts); and the members passed through as JSON that loadtest/README.md describes and the
 * report reads (environment, scenarios, the ring, the claims). Then one CSV row per run, and a
 * report.html with the data and the chart library inlined.
 * usage: check_results DIR */
#include "schema.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "results: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    failures++;
}

/* The shape of what the schema passes through as JSON. Type letters: s string, i integer, n number,
 * b boolean, o object, a array, z null. */
static int type_ok(const json_t *v, const char *types)
{
    for (const char *t = types; *t; t++) {
        switch (*t) {
        case 's':
            if (json_is_string(v))
                return 1;
            break;
        case 'i':
            if (json_is_integer(v))
                return 1;
            break;
        case 'n':
            if (json_is_number(v))
                return 1;
            break;
        case 'b':
            if (json_is_boolean(v))
                return 1;
            break;
        case 'o':
            if (json_is_object(v))
                return 1;
            break;
        case 'a':
            if (json_is_array(v))
                return 1;
            break;
        case 'z':
            if (json_is_null(v))
                return 1;
            break;
        }
    }
    return 0;
}

struct shape {
    const char *key;
    const char *types;
};

static void check_fields(const json_t *obj, const char *where, const struct shape *fields)
{
    if (!json_is_object(obj)) {
        fail("%s is not an object", where);
        return;
    }
    for (const struct shape *f = fields; f->key; f++) {
        json_t *v = json_object_get(obj, f->key);
        if (!v)
            fail("%s.%s is missing", where, f->key);
        else if (!type_ok(v, f->types))
            fail("%s.%s has the wrong type (want %s)", where, f->key, f->types);
    }
}

static const struct shape env_fields[] = {
    {"kernel", "s"},          {"cpu_model", "s"}, {"cpus_online", "i"}, {"cpus_allowed", "i"},
    {"cpu_list", "s"},        {"pinned", "b"},    {"server_cpus", "s"}, {"load_cpus", "s"},
    {"mem_total_bytes", "i"}, {"page_size", "i"}, {"clock_ticks", "i"}, {"limits", "o"},
    {"versions", "o"},        {NULL, NULL}};

static const struct shape limit_fields[] = {{"nofile_soft", "iz"},
                                            {"nofile_hard", "iz"},
                                            {"stack_bytes", "iz"},
                                            {"nproc", "iz"},
                                            {"ip_local_port_range", "a"},
                                            {"pid_max", "iz"},
                                            {"threads_max", "iz"},
                                            {"max_map_count", "iz"},
                                            {"somaxconn", "iz"},
                                            {"tcp_max_syn_backlog", "iz"},
                                            {"overcommit_memory", "iz"},
                                            {"tcp_tw_reuse", "iz"},
                                            {"commit_limit_bytes", "iz"},
                                            {"tasks_at_start", "iz"},
                                            {"cgroup", "o"},
                                            {NULL, NULL}};

static const struct shape scenario_fields[] = {{"name", "s"},    {"title", "s"}, {"question", "s"},
                                               {"x_label", "s"}, {"how", "s"},   {NULL, NULL}};

/* No memory figure is negative: one below the method's resolution is null and named in
 * below_resolution. */
static void check_not_negative(const json_t *obj, const char *where)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        if (json_is_number(v) && json_number_value(v) < 0)
            fail("%s.%s is negative (%g)", where, key, json_number_value(v));
        if (json_is_object(v)) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s.%s", where, key);
            check_not_negative(v, sub);
        }
    }
}

static const char *const sample_columns[] = {"t",
                                             "rss_bytes",
                                             "vsize_bytes",
                                             "threads",
                                             "fds",
                                             "cpu_cores",
                                             "ctx_per_s",
                                             "machine_ctx_per_s",
                                             "kernel_stack_bytes",
                                             "page_tables_bytes",
                                             "tcp_mem_bytes",
                                             "tcp_inuse",
                                             "slab_unreclaimable_bytes",
                                             "conntrack",
                                             NULL};

static const struct shape claim_fields[] = {
    {"id", "s"},         {"claim", "s"},      {"folklore", "s"},  {"measured", "s"},
    {"verdict", "s"},    {"surprising", "b"}, {"note", "s"},      {"evidence", "a"},
    {"thresholds", "s"}, {"figures", "o"},    {"sources", "a"},   {"verdicts", "a"},
    {"spread", "o"},     {"stable", "b"},     {"unstable", "sz"}, {"repetitions", "i"},
    {NULL, NULL}};

/* Each problem schema_check found, as a failure of where. */
static void check_schema(const struct schema *sc, const json_t *obj, const char *where)
{
    json_t *problems = json_array();
    schema_check(sc, obj, problems);
    size_t i;
    json_t *p;
    json_array_foreach(problems, i, p)
    {
        fail("%s: %s", where, json_string_value(p));
    }
    json_decref(problems);
}

/* A failure for each field of the list that is null (or missing) in obj. */
static void check_present(const struct schema *sc, const json_t *obj, const char *where,
                          const int *ids, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        json_t *v = schema_json_at(obj, sc->fields[ids[k]].key);
        if (!v || json_is_null(v))
            fail("%s: %s is null", where, sc->fields[ids[k]].key);
    }
}
#define CHECK_PRESENT(sc, obj, where, ids)                                                         \
    check_present(sc, obj, where, ids, sizeof ids / sizeof *ids)

/* What a finished session says of itself. */
static const int session_figures[] = {
    SES_F_SCHEMA,     SES_F_TOOL,           SES_F_VERSION,    SES_F_PROFILE,     SES_F_COMMAND,
    SES_F_STARTED_AT, SES_F_FINISHED_AT,    SES_F_ELAPSED_S,  SES_F_INTERRUPTED, SES_F_MODES,
    SES_F_SCENARIOS,  SES_F_BASELINE_NGINX, SES_F_ESTIMATE_S, SES_F_ENVIRONMENT, SES_F_PROGRAMS,
    SES_F_CLAIMS,     SES_F_SURPRISES,      SES_F_HEADLINE,
};

/* What the calibration measured when it ran, and its address-space experiment where it could
 * run. */
static const int calibration_figures[] = {
    SES_F_CAL_CS,
    SES_F_CAL_CS_CPU,
    SES_F_CAL_CS_ROUND_TRIPS,
    SES_F_CAL_CS_BATCHES,
    SES_F_CAL_CS_SWITCHES_PER_ROUND_TRIP,
    SES_F_CAL_TC,
    SES_F_CAL_TC_ITERATIONS,
    SES_F_CAL_IT,
    SES_F_CAL_IT_THREADS,
    SES_F_CAL_IT_STACK_SIZE_BYTES,
    SES_F_CAL_IT_RSS_BYTES,
    SES_F_CAL_IT_VSIZE_BYTES,
    SES_F_CAL_IT_KERNEL_STACK_BYTES,
    SES_F_CAL_IT_PAGE_TABLES_BYTES,
    SES_F_CAL_IT_MAPPINGS,
    SES_F_CAL_IT_CREATE_ALIVE_NS,
};
static const int python_calibration_figures[] = {
    SES_F_CAL_PY_VERSION,
    SES_F_CAL_PY_THREAD_START_US,
    SES_F_CAL_PY_FORK_START_US,
    SES_F_CAL_PY_THREAD_POOL_START_US,
    SES_F_CAL_PY_PROCESS_POOL_START_US,
    SES_F_CAL_PY_THREAD_POOL_TASK_1KIB_US,
    SES_F_CAL_PY_PROCESS_POOL_TASK_1KIB_US,
    SES_F_CAL_PY_THREAD_POOL_TASK_1MIB_US,
    SES_F_CAL_PY_PROCESS_POOL_TASK_1MIB_US,
};
static const int address_space_figures[] = {
    SES_F_CAL_AS_LIMIT_BYTES,         SES_F_CAL_AS_THREADS_DEFAULT_STACK,
    SES_F_CAL_AS_THREADS_SMALL_STACK, SES_F_CAL_AS_DEFAULT_STACK_BYTES,
    SES_F_CAL_AS_SMALL_STACK_BYTES,   SES_F_CAL_AS_CAP,
};

/* What a run that ran to the end must have measured: null in the schema's terms only when a
 * run did not. */
static const int ran_figures[] = {
    RUN_F_CLIENT,
    RUN_F_CLIENT_TOOL,
    RUN_F_CLIENT_REQUESTS,
    RUN_F_CLIENT_MEASURED_S,
    RUN_F_CLIENT_REQUESTS_PER_S,
    RUN_F_CLIENT_GOOD_REQUESTS,
    RUN_F_CLIENT_GOOD_PER_S,
    RUN_F_CLIENT_TOTAL_REQUESTS,
    RUN_F_CLIENT_BYTES_READ,
    RUN_F_CLIENT_ERRORS_TOTAL,
    RUN_F_CLIENT_ERRORS_CONNECT,
    RUN_F_CLIENT_ERRORS_READ,
    RUN_F_CLIENT_ERRORS_WRITE,
    RUN_F_CLIENT_ERRORS_TIMEOUT,
    RUN_F_CLIENT_ERRORS_STATUS,
    RUN_F_CLIENT_ERRORS_PARSE,
    RUN_F_CLIENT_LATENCY_P50,
    RUN_F_CLIENT_LATENCY_P90,
    RUN_F_CLIENT_LATENCY_P99,
    RUN_F_CLIENT_LATENCY_P99_9,
    RUN_F_CLIENT_LATENCY_MAX,
    RUN_F_CLIENT_LATENCY_MEAN,
    RUN_F_CLIENT_LATENCY_MIN,
    RUN_F_CLIENT_PERCENTILES,
    RUN_F_SERVER,
    RUN_F_SERVER_PID,
    RUN_F_SERVER_PORT,
    RUN_F_SERVER_CPUS,
    RUN_F_SERVER_RSS_BASELINE_BYTES,
    RUN_F_SERVER_VSIZE_BASELINE_BYTES,
    RUN_F_SERVER_THREADS_BASELINE,
    RUN_F_SERVER_RSS_PEAK_BYTES,
    RUN_F_SERVER_VSIZE_PEAK_BYTES,
    RUN_F_SERVER_THREADS_PEAK,
    RUN_F_SERVER_FDS_PEAK,
    RUN_F_SERVER_CONNECTIONS_HELD_PEAK,
    RUN_F_SERVER_SAMPLES_IN_WINDOW,
    RUN_F_SERVER_REQUESTS,
    RUN_F_SERVER_WINDOW_S,
    RUN_F_SERVER_REQUESTS_PER_S,
    RUN_F_SERVER_CROSSCHECK_OK,
    RUN_F_SERVER_CPU_USER_S,
    RUN_F_SERVER_CPU_SYSTEM_S,
    RUN_F_SERVER_CPU_CORES,
    RUN_F_SERVER_CTX_VOLUNTARY,
    RUN_F_SERVER_CTX_INVOLUNTARY,
    RUN_F_SERVER_CTX_PER_S,
    RUN_F_SERVER_CTX_SOURCE,
    RUN_F_SERVER_EXIT,
    RUN_F_MACHINE,
    RUN_F_MACHINE_TCP_INUSE_PEAK,
    RUN_F_MACHINE_CTX_PER_S,
    RUN_F_SAT,
    RUN_F_SAT_SERVER_BUSY,
    RUN_F_SAT_SERVER_CPUS,
    RUN_F_SAT_CLIENT_THREADS,
    RUN_F_SAT_BOTTLENECK,
    RUN_F_SAT_LOAD_BOUND,
    RUN_F_SAT_THRESHOLD,
    RUN_F_SAMPLES,
};

static void check_run(const json_t *run, size_t i, int *ok_runs)
{
    char where[128];
    const char *id = json_string_value(json_object_get(run, "id"));
    snprintf(where, sizeof where, "runs[%zu] (%s)", i, id ? id : "?");
    check_schema(&schema_run, run, where);
    const char *status = json_string_value(json_object_get(run, "status"));
    if (!status) {
        fail("%s has no status", where);
        return;
    }
    static const char *const statuses[] = {"ok", "errors", "failed", "skipped", "interrupted"};
    int known = 0;
    for (size_t k = 0; k < 5; k++)
        known |= strcmp(status, statuses[k]) == 0;
    if (!known)
        fail("%s.status is '%s'", where, status);
    if (strcmp(status, "ok") != 0 && !json_is_string(json_object_get(run, "reason")))
        fail("%s is %s without a reason", where, status);
    if (strcmp(status, "ok") != 0 && strcmp(status, "errors") != 0)
        return;

    CHECK_PRESENT(&schema_run, run, where, ran_figures);
    size_t k;
    json_t *pv;
    json_array_foreach(schema_json_at(run, "client.percentiles"), k, pv)
    {
        if (json_array_size(pv) != 2 || !json_is_number(json_array_get(pv, 0)) ||
            !json_is_integer(json_array_get(pv, 1)))
            fail("%s.client.percentiles[%zu] is not [p, value]", where, k);
    }
    json_t *pc = json_object_get(run, "per_connection");
    if (json_is_object(pc)) {
        char sub[192];
        snprintf(sub, sizeof sub, "%s.per_connection", where);
        check_not_negative(pc, sub);
    }
    json_t *sat = json_object_get(run, "saturation");
    if (json_is_object(sat)) {
        /* A closed-loop run whose server was under the threshold says what limited it. */
        double busy = json_number_value(json_object_get(sat, "server_busy"));
        const char *b = json_string_value(json_object_get(sat, "bottleneck"));
        if (b && strcmp(b, "server") == 0 && busy < 0.9)
            fail("%s.saturation: bottleneck 'server' with the server %.0f%% busy", where,
                 100 * busy);
        if (json_is_true(json_object_get(run, "load_bound")) !=
            (b && strcmp(b, "load generator") == 0))
            fail("%s: load_bound disagrees with the bottleneck '%s'", where, b ? b : "?");
    }
    json_t *samples = json_object_get(run, "samples");
    size_t n = json_array_size(json_object_get(samples, "t"));
    if (json_is_object(samples) && n == 0)
        fail("%s.samples has no sample", where);
    for (const char *const *c = sample_columns; json_is_object(samples) && *c; c++)
        if (json_array_size(json_object_get(samples, *c)) != n)
            fail("%s.samples.%s does not have %zu values", where, *c, n);
    double rps = json_number_value(schema_json_at(run, "client.good_per_s"));
    double sreq = json_number_value(schema_json_at(run, "server.requests"));
    if (strcmp(status, "ok") == 0) {
        if (rps <= 0)
            fail("%s is ok with a throughput of %g", where, rps);
        if (sreq <= 0)
            fail("%s is ok but the server counted %g requests", where, sreq);
        (*ok_runs)++;
    }
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    if (d) {
        size_t got = fread(d, 1, (size_t)n, f);
        d[got] = '\0';
    }
    fclose(f);
    return d;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: check_results DIR\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/results.json", argv[1]);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        fprintf(stderr, "results: %s: %s (line %d)\n", path, je.text, je.line);
        return 1;
    }
    check_schema(&schema_session, root, "the session");
    CHECK_PRESENT(&schema_session, root, "the session", session_figures);
    if (!json_is_array(json_object_get(root, "runs")))
        fail("results.runs is not an array");
    const char *schema = json_string_value(json_object_get(root, "schema"));
    if (!schema || strcmp(schema, RESULTS_SCHEMA) != 0)
        fail("schema is not " RESULTS_SCHEMA);
    json_t *env = json_object_get(root, "environment");
    check_fields(env, "environment", env_fields);
    check_fields(json_object_get(env, "limits"), "environment.limits", limit_fields);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(root, "scenarios"), i, v)
        check_fields(v, "scenarios[]", scenario_fields);
    json_t *cal = json_object_get(root, "calibration");
    /* The Python interpreter's calibration, where a py-* server ran: its figures, or why not. */
    if (json_is_object(json_object_get(cal, "python")))
        CHECK_PRESENT(&schema_session, root, "the session", python_calibration_figures);
    else if (json_is_object(cal) && json_is_string(json_object_get(cal, "python_error")) &&
             !json_is_null(json_object_get(cal, "python")))
        fail("calibration.python is not null beside python_error");
    /* The machine's calibration, where the ctxswitch scenario ran. */
    if (json_is_object(cal) && json_is_object(json_object_get(cal, "context_switch"))) {
        CHECK_PRESENT(&schema_session, root, "the session", calibration_figures);
        /* Under a sanitizer the address-space experiment cannot run: null with a reason. */
        if (json_is_object(json_object_get(cal, "address_space")))
            CHECK_PRESENT(&schema_session, root, "the session", address_space_figures);
        else if (!json_is_string(json_object_get(cal, "address_space_error")))
            fail("calibration.address_space is null without address_space_error");
        json_t *ring = json_object_get(cal, "ring");
        if (!json_is_object(ring)) {
            fail("calibration.ring is missing");
        } else {
            check_fields(ring, "calibration.ring",
                         (const struct shape[]){{"tasks", "i"},
                                                {"laps_target", "n"},
                                                {"threads", "oz"},
                                                {"threads_pinned", "oz"},
                                                {"loop", "oz"},
                                                {"published", "o"},
                                                {NULL, NULL}});
            static const char *const variants[] = {"threads", "threads_pinned", "loop"};
            for (size_t k = 0; k < 3; k++) {
                json_t *rv = json_object_get(ring, variants[k]);
                if (json_is_object(rv) &&
                    !(json_number_value(json_object_get(rv, "ms_per_lap")) > 0))
                    fail("calibration.ring.%s.ms_per_lap is not above zero", variants[k]);
            }
        }
    }
    json_t *runs = json_object_get(root, "runs");
    int ok_runs = 0;
    json_array_foreach(runs, i, v) check_run(v, i, &ok_runs);
    if (json_array_size(runs) > 0 && ok_runs == 0)
        fail("no run succeeded");
    json_t *claims = json_object_get(root, "claims");
    /* The ten claims answered in every session (about threads, then Python's), each as people
     * make it; then those about processes, where a process model ran. */
    static const char *const claim_ids[] = {
        "stack",       "resources",   "switching",  "idle",           "efficiency",
        "parallelism", "correctness", "python_gil", "python_waiting", "python_pools",
        "copies",      "dropin"};
    enum { ALWAYS = 10, ALL = sizeof claim_ids / sizeof claim_ids[0] };
    size_t n_claims = json_array_size(claims);
    if (n_claims < ALWAYS || n_claims > ALL)
        fail("%zu claims, not %d to %d", n_claims, ALWAYS, ALL);
    for (size_t k = 0, at = 0; k < n_claims && at < ALL; k++, at++) {
        const char *cid = json_string_value(json_object_get(json_array_get(claims, k), "id"));
        while (k >= ALWAYS && cid && at < ALL && strcmp(cid, claim_ids[at]) != 0)
            at++; /* a process claim not judged in this session */
        if (!cid || at == ALL || strcmp(cid, claim_ids[at]) != 0)
            fail("claims[%zu] is not '%s'", k, claim_ids[at < ALL ? at : ALL - 1]);
    }
    json_array_foreach(claims, i, v)
    {
        check_fields(v, "claims[]", claim_fields);
        /* A figure the claim quotes but could not compute must not read as a number. */
        const char *measured = json_string_value(json_object_get(v, "measured"));
        if (measured &&
            (strstr(measured, " nan") || strstr(measured, "-nan") || strstr(measured, " inf ")))
            fail("claims[%zu].measured quotes a figure that is not a number: %.200s", i, measured);
        const char *verdict = json_string_value(json_object_get(v, "verdict"));
        static const char *const verdicts[] = {"holds", "partly", "does not hold", "not measured",
                                               "unstable"};
        int known = 0;
        for (size_t k = 0; verdict && k < 5; k++)
            known |= strcmp(verdict, verdicts[k]) == 0;
        if (!known)
            fail("claims[%zu].verdict is '%s'", i, verdict ? verdict : "?");
    }

    /* results.csv: a header and one row per run. */
    snprintf(path, sizeof path, "%s/results.csv", argv[1]);
    char *csv = read_all(path);
    if (!csv) {
        fail("%s is missing", path);
    } else {
        size_t rows = 0;
        int quoted = 0;
        for (char *p = csv; *p; p++) {
            if (*p == '"')
                quoted = !quoted;
            else if (*p == '\n' && !quoted)
                rows++;
        }
        if (rows != json_array_size(runs) + 1)
            fail("results.csv has %zu lines for %zu runs", rows, json_array_size(runs));
        free(csv);
    }

    /* report.html: self-contained. */
    snprintf(path, sizeof path, "%s/report.html", argv[1]);
    char *html = read_all(path);
    if (!html) {
        fail("%s is missing", path);
    } else {
        if (strstr(html, "<!--C10K-"))
            fail("report.html still holds a placeholder");
        if (!strstr(html, "Chart.js v") && !strstr(html, "chart.js"))
            fail("report.html does not inline Chart.js");
        if (!strstr(html, "id=\"c10k-data\""))
            fail("report.html does not inline the data");
        if (!strstr(html, "id=\"c10k-tables\""))
            fail("report.html does not inline the servers and the schema");
        if (strstr(html, "src=\"http") || strstr(html, "href=\"http"))
            fail("report.html loads something from the network");
        free(html);
    }
    printf("results: %zu runs (%d ok), %zu claims, profile %s, %.0f s%s\n", json_array_size(runs),
           ok_runs, json_array_size(claims), json_string_value(json_object_get(root, "profile")),
           json_number_value(json_object_get(root, "elapsed_s")),
           failures ? "" : ": the shape is as documented");
    json_decref(root);
    return failures ? 1 : 0;
}
