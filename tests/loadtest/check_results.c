/* Checks a c10k-bench results directory against the shape loadtest/README.md documents:
 * results.json's fields and types, one CSV row per run, a report.html with the data and the
 * chart library inlined, and throughput above zero where runs succeeded.
 * usage: check_results DIR */
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

/* Type letters: s string, i integer, n number, b boolean, o object, a array, z null. */
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

struct field {
    const char *key;
    const char *types;
};

static void check_fields(const json_t *obj, const char *where, const struct field *fields)
{
    if (!json_is_object(obj)) {
        fail("%s is not an object", where);
        return;
    }
    for (const struct field *f = fields; f->key; f++) {
        json_t *v = json_object_get(obj, f->key);
        if (!v)
            fail("%s.%s is missing", where, f->key);
        else if (!type_ok(v, f->types))
            fail("%s.%s has the wrong type (want %s)", where, f->key, f->types);
    }
}

static const struct field top_fields[] = {
    {"schema", "s"},      {"tool", "s"},        {"version", "s"},     {"profile", "s"},
    {"command", "a"},     {"started_at", "s"},  {"finished_at", "s"}, {"elapsed_s", "n"},
    {"interrupted", "b"}, {"modes", "a"},       {"scenarios", "a"},   {"baseline_nginx", "b"},
    {"estimate_s", "n"},  {"environment", "o"}, {"programs", "o"},    {"calibration", "oz"},
    {"runs", "a"},        {"claims", "a"},      {"surprises", "a"},   {"headline", "a"},
    {NULL, NULL}};

static const struct field env_fields[] = {
    {"kernel", "s"},          {"cpu_model", "s"}, {"cpus_online", "i"}, {"cpus_allowed", "i"},
    {"cpu_list", "s"},        {"pinned", "b"},    {"server_cpus", "s"}, {"load_cpus", "s"},
    {"mem_total_bytes", "i"}, {"page_size", "i"}, {"clock_ticks", "i"}, {"limits", "o"},
    {"versions", "o"},        {NULL, NULL}};

static const struct field limit_fields[] = {{"nofile_soft", "iz"},
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

static const struct field scenario_fields[] = {{"name", "s"},    {"title", "s"}, {"question", "s"},
                                               {"x_label", "s"}, {"how", "s"},   {NULL, NULL}};

static const struct field calib_cs_fields[] = {{"cpu", "i"},
                                               {"round_trips", "i"},
                                               {"batches", "i"},
                                               {"thread_pair_ns", "nz"},
                                               {"process_pair_ns", "nz"},
                                               {"pipe_syscalls_ns", "nz"},
                                               {"thread_pair_net_ns", "nz"},
                                               {"process_pair_net_ns", "nz"},
                                               {"switches_per_round_trip", "n"},
                                               {"switch_cost_ns", "nz"},
                                               {NULL, NULL}};

static const struct field calib_idle_fields[] = {
    {"threads", "i"},     {"stack_size_bytes", "i"},   {"rss_bytes", "n"},
    {"vsize_bytes", "n"}, {"kernel_stack_bytes", "n"}, {"page_tables_bytes", "n"},
    {"mappings", "n"},    {"create_alive_ns", "n"},    {NULL, NULL}};

static const struct field run_fields[] = {{"id", "s"},
                                          {"scenario", "s"},
                                          {"model", "s"},
                                          {"mode", "s"},
                                          {"server_args", "a"},
                                          {"level", "i"},
                                          {"concurrency", "i"},
                                          {"idle_connections", "i"},
                                          {"rate", "nz"},
                                          {"path", "s"},
                                          {"keepalive", "b"},
                                          {"source_addresses", "i"},
                                          {"warmup_s", "n"},
                                          {"duration_s", "n"},
                                          {"ramp_per_s", "nz"},
                                          {"tool", "s"},
                                          {"server_all_cpus", "b"},
                                          {"timeout_s", "n"},
                                          {"status", "s"},
                                          {"notes", "a"},
                                          {"reason", "sz"},
                                          {"limit", "oz"},
                                          {"elapsed_s", "n"},
                                          {"client", "oz"},
                                          {"server", "oz"},
                                          {"machine", "oz"},
                                          {"per_connection", "oz"},
                                          {"samples", "oz"},
                                          {"repetition", "i"},
                                          {"load_bound", "b"},
                                          {"saturation", "oz"},
                                          {"idle_threads", "oz"},
                                          {"scheduler", "oz"},
                                          {NULL, NULL}};

static const struct field saturation_fields[] = {
    {"server_busy", "n"}, {"server_cpus", "i"},  {"client_cores", "nz"}, {"client_busy", "nz"},
    {"client_threads", "i"}, {"bottleneck", "s"}, {"load_bound", "b"},   {"threshold", "n"},
    {NULL, NULL}};

static const struct field client_fields[] = {{"tool", "s"},
                                             {"requests", "i"},
                                             {"measured_s", "n"},
                                             {"requests_per_s", "n"},
                                             {"good_requests", "i"},
                                             {"good_per_s", "n"},
                                             {"total_requests", "i"},
                                             {"bytes_read", "i"},
                                             {"errors", "o"},
                                             {"latency_us", "o"},
                                             {"latency_uncorrected_us", "oz"},
                                             {"percentiles", "a"},
                                             {"percentiles_uncorrected", "az"},
                                             {"histogram", "az"},
                                             {"series", "oz"},
                                             {"idle", "oz"},
                                             {"connections", "oz"},
                                             {"cpu", "oz"},
                                             {"status_codes", "oz"},
                                             {"warmup_requests", "iz"},
                                             {"abandoned", "iz"},
                                             {NULL, NULL}};

static const struct field error_fields[] = {{"total", "i"}, {"connect", "i"}, {"read", "i"},
                                            {"write", "i"}, {"timeout", "i"}, {"status", "i"},
                                            {"parse", "i"}, {NULL, NULL}};

static const struct field latency_fields[] = {{"p50", "i"},   {"p90", "i"}, {"p99", "i"},
                                              {"p99_9", "i"}, {"max", "i"}, {"mean", "n"},
                                              {"min", "i"},   {NULL, NULL}};

static const struct field server_fields[] = {{"pid", "i"},
                                             {"port", "i"},
                                             {"cpus", "s"},
                                             {"rss_baseline_bytes", "i"},
                                             {"vsize_baseline_bytes", "i"},
                                             {"threads_baseline", "i"},
                                             {"rss_bytes", "nz"},
                                             {"rss_peak_bytes", "n"},
                                             {"vsize_bytes", "nz"},
                                             {"vsize_peak_bytes", "n"},
                                             {"threads", "nz"},
                                             {"threads_peak", "n"},
                                             {"fds_peak", "n"},
                                             {"connections_held_peak", "n"},
                                             {"samples_in_window", "i"},
                                             {"requests", "i"},
                                             {"window_s", "n"},
                                             {"requests_per_s", "n"},
                                             {"crosscheck", "nz"},
                                             {"crosscheck_ok", "b"},
                                             {"cpu_user_s", "n"},
                                             {"cpu_system_s", "n"},
                                             {"cpu_cores", "n"},
                                             {"cpu_us_per_request", "nz"},
                                             {"ctx_voluntary", "i"},
                                             {"ctx_involuntary", "i"},
                                             {"ctx_per_s", "n"},
                                             {"ctx_per_request", "nz"},
                                             {"ctx_source", "s"},
                                             {"switch_cpu_share", "nz"},
                                             {"counters", "oz"},
                                             {"exit", "s"},
                                             {NULL, NULL}};

static const struct field machine_fields[] = {{"kernel_stack_delta_bytes", "nz"},
                                              {"page_tables_delta_bytes", "nz"},
                                              {"tcp_mem_delta_bytes", "nz"},
                                              {"slab_unreclaimable_delta_bytes", "nz"},
                                              {"tcp_inuse_peak", "n"},
                                              {"conntrack_peak", "nz"},
                                              {"ctx_per_s", "n"},
                                              {"ctx_per_request", "nz"},
                                              {NULL, NULL}};

static const struct field per_conn_fields[] = {
    {"connections", "i"},  {"connections_opened", "i"}, {"rss_bytes", "nz"}, {"kernel_bytes", "nz"},
    {"total_bytes", "nz"}, {"vsize_bytes", "nz"},  {"kernel_source", "s"},
    {"machine", "o"},      {"cgroup", "oz"},       {"below_resolution", "a"},
    {NULL, NULL}};

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

static const struct field claim_fields[] = {
    {"id", "s"},         {"claim", "s"},      {"folklore", "s"},  {"measured", "s"},
    {"verdict", "s"},    {"surprising", "b"}, {"note", "s"},      {"evidence", "a"},
    {"thresholds", "s"}, {"figures", "o"},    {"sources", "a"},   {"verdicts", "a"},
    {"spread", "o"},     {"stable", "b"},     {"unstable", "sz"}, {"repetitions", "i"},
    {NULL, NULL}};

static void check_run(const json_t *run, size_t i, int *ok_runs)
{
    char where[128];
    const char *id = json_string_value(json_object_get(run, "id"));
    snprintf(where, sizeof where, "runs[%zu] (%s)", i, id ? id : "?");
    check_fields(run, where, run_fields);
    const char *status = json_string_value(json_object_get(run, "status"));
    if (!status)
        return;
    static const char *const statuses[] = {"ok", "errors", "failed", "skipped", "interrupted"};
    int known = 0;
    for (size_t k = 0; k < 5; k++)
        known |= strcmp(status, statuses[k]) == 0;
    if (!known)
        fail("%s.status is '%s'", where, status);
    if (strcmp(status, "ok") != 0 && !json_is_string(json_object_get(run, "reason")))
        fail("%s is %s without a reason", where, status);
    json_t *limit = json_object_get(run, "limit");
    if (json_is_object(limit))
        check_fields(limit, where,
                     (const struct field[]){
                         {"name", "s"}, {"have", "i"}, {"need", "i"}, {"how", "s"}, {NULL, NULL}});
    if (strcmp(status, "ok") != 0 && strcmp(status, "errors") != 0)
        return;

    char sub[192];
    json_t *client = json_object_get(run, "client");
    snprintf(sub, sizeof sub, "%s.client", where);
    check_fields(client, sub, client_fields);
    snprintf(sub, sizeof sub, "%s.client.errors", where);
    check_fields(json_object_get(client, "errors"), sub, error_fields);
    snprintf(sub, sizeof sub, "%s.client.latency_us", where);
    check_fields(json_object_get(client, "latency_us"), sub, latency_fields);
    size_t k;
    json_t *pv;
    json_array_foreach(json_object_get(client, "percentiles"), k, pv)
    {
        if (json_array_size(pv) != 2 || !json_is_number(json_array_get(pv, 0)) ||
            !json_is_integer(json_array_get(pv, 1)))
            fail("%s.client.percentiles[%zu] is not [p, value]", where, k);
    }
    json_t *server = json_object_get(run, "server");
    snprintf(sub, sizeof sub, "%s.server", where);
    check_fields(server, sub, server_fields);
    snprintf(sub, sizeof sub, "%s.machine", where);
    check_fields(json_object_get(run, "machine"), sub, machine_fields);
    json_t *pc = json_object_get(run, "per_connection");
    if (json_is_object(pc)) {
        snprintf(sub, sizeof sub, "%s.per_connection", where);
        check_fields(pc, sub, per_conn_fields);
        check_not_negative(pc, sub);
    }
    json_t *sat = json_object_get(run, "saturation");
    snprintf(sub, sizeof sub, "%s.saturation", where);
    if (!json_is_object(sat)) {
        fail("%s is missing", sub);
    } else {
        check_fields(sat, sub, saturation_fields);
        /* A closed-loop run whose server was under the threshold says what limited it. */
        double busy = json_number_value(json_object_get(sat, "server_busy"));
        const char *b = json_string_value(json_object_get(sat, "bottleneck"));
        if (b && strcmp(b, "server") == 0 && busy < 0.9)
            fail("%s: bottleneck 'server' with the server %.0f%% busy", sub, 100 * busy);
        if (json_is_true(json_object_get(run, "load_bound")) != (b && strcmp(b, "load generator") == 0))
            fail("%s: load_bound disagrees with the bottleneck '%s'", where, b ? b : "?");
    }
    json_t *samples = json_object_get(run, "samples");
    if (!json_is_object(samples)) {
        fail("%s.samples is missing", where);
    } else {
        size_t n = json_array_size(json_object_get(samples, "t"));
        if (n == 0)
            fail("%s.samples has no sample", where);
        for (const char *const *c = sample_columns; *c; c++)
            if (json_array_size(json_object_get(samples, *c)) != n)
                fail("%s.samples.%s does not have %zu values", where, *c, n);
    }
    double rps = json_number_value(json_object_get(client, "good_per_s"));
    double sreq = json_number_value(json_object_get(server, "requests"));
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
    check_fields(root, "results", top_fields);
    const char *schema = json_string_value(json_object_get(root, "schema"));
    if (!schema || strcmp(schema, "c10k-bench/1") != 0)
        fail("schema is not c10k-bench/1");
    json_t *env = json_object_get(root, "environment");
    check_fields(env, "environment", env_fields);
    check_fields(json_object_get(env, "limits"), "environment.limits", limit_fields);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(root, "scenarios"), i, v)
        check_fields(v, "scenarios[]", scenario_fields);
    json_t *cal = json_object_get(root, "calibration");
    if (json_is_object(cal)) {
        check_fields(json_object_get(cal, "context_switch"), "calibration.context_switch",
                     calib_cs_fields);
        check_fields(json_object_get(cal, "idle_thread"), "calibration.idle_thread",
                     calib_idle_fields);
        check_fields(json_object_get(cal, "thread_create"), "calibration.thread_create",
                     (const struct field[]){{"iterations", "i"},
                                            {"create_join_ns", "nz"},
                                            {"create_alive_ns", "nz"},
                                            {NULL, NULL}});
        /* Under a sanitizer the address-space experiment cannot run: null with a reason. */
        json_t *as = json_object_get(cal, "address_space");
        if (json_is_object(as))
            check_fields(as, "calibration.address_space",
                         (const struct field[]){{"limit_bytes", "n"},
                                                {"threads_default_stack", "n"},
                                                {"threads_small_stack", "n"},
                                                {"default_stack_bytes", "n"},
                                                {"small_stack_bytes", "n"},
                                                {"cap", "n"},
                                                {NULL, NULL}});
        else if (!json_is_string(json_object_get(cal, "address_space_error")))
            fail("calibration.address_space is null without address_space_error");
        json_t *ring = json_object_get(cal, "ring");
        if (!json_is_object(ring)) {
            fail("calibration.ring is missing");
        } else {
            check_fields(ring, "calibration.ring",
                         (const struct field[]){{"tasks", "i"},
                                                {"laps_target", "n"},
                                                {"threads", "oz"},
                                                {"threads_pinned", "oz"},
                                                {"loop", "oz"},
                                                {"published", "o"},
                                                {NULL, NULL}});
            static const char *const variants[] = {"threads", "threads_pinned", "loop"};
            for (size_t k = 0; k < 3; k++) {
                json_t *rv = json_object_get(ring, variants[k]);
                if (json_is_object(rv) && !(json_number_value(json_object_get(rv, "ms_per_lap")) > 0))
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
    /* The seven claims, each answered as people make it. */
    static const char *const claim_ids[] = {"stack",      "resources",   "switching",  "idle",
                                            "efficiency", "parallelism", "correctness"};
    if (json_array_size(claims) != 7)
        fail("%zu claims, not 7", json_array_size(claims));
    for (size_t k = 0; k < 7 && k < json_array_size(claims); k++) {
        const char *cid = json_string_value(json_object_get(json_array_get(claims, k), "id"));
        if (!cid || strcmp(cid, claim_ids[k]) != 0)
            fail("claims[%zu] is not '%s'", k, claim_ids[k]);
    }
    json_array_foreach(claims, i, v)
    {
        check_fields(v, "claims[]", claim_fields);
        /* A figure the claim quotes but could not compute must not read as a number. */
        const char *measured = json_string_value(json_object_get(v, "measured"));
        if (measured && (strstr(measured, " nan") || strstr(measured, "-nan") || strstr(measured, " inf ")))
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
