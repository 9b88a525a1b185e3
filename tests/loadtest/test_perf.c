/* The perf summary on records: medians per server and level, the figures a scenario's row
 * names, the ratios the server table asks for, the cells keyed by load generator, and the
 * terminal's tables. */
#include "perf.h"
#include "schema.h"
#include "servers.h"
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A run of a scenario on a server (its first variant) that ran to the end. The pointer lasts
 * until the next run is added. */
static struct run_record *add_run(struct session_record *s, int scenario, int server, double level,
                                  int rep)
{
    struct run_record *r = record_session_add_run(s);
    r->scn = &bench_scenarios[scenario];
    r->srv = &bench_servers[server];
    record_set_str(&r->scenario, r->scn->name);
    char label[64];
    server_label(r->srv, 0, 1, label, sizeof label);
    record_set_str(&r->model, label);
    record_set_str(&r->tool, "c10k-load");
    record_set_str(&r->status, "ok");
    r->level = level;
    r->repetition = rep;
    r->client.present = 1;
    return r;
}

static struct run_record *add_scale(struct session_record *s, int server, double level, int rep,
                                    double rps, double cpu_us)
{
    struct run_record *r = add_run(s, SCN_SCALE, server, level, rep);
    r->client.requests_per_s = rps;
    r->client.latency_us.p99 = 1000;
    r->server.present = 1;
    r->server.cpu_us_per_request = cpu_us;
    return r;
}

/* perf->scenario->who->level->key as a number (NaN when missing). */
static double fig(const json_t *perf, const char *scenario, const char *who, const char *level,
                  const char *key)
{
    json_t *v = json_object_get(
        json_object_get(json_object_get(json_object_get(perf, scenario), who), level), key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The value of the ratio called name (NaN when there is none), and its place in *at. */
static double ratio(const json_t *perf, const char *name, size_t *at)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(perf, "ratios"), i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "name")), name) == 0) {
            if (at)
                *at = i;
            return json_real_value(json_object_get(r, "value"));
        }
    }
    return NAN;
}

TEST(perf_summary_takes_medians_and_ratios)
{
    struct session_record s;
    record_session_init(&s);
    s.repeat = 3;
    double loop_rps[] = {100, 300, 200}, nginx_rps[] = {90, 100, 400};
    double loop_tcp_receive[] = {30, 40, 35};
    for (int rep = 1; rep <= 3; rep++) {
        struct run_record *r = add_scale(&s, SRV_LOOP, 100, rep, loop_rps[rep - 1], 5);
        r->scheduler.present = 1;
        r->scheduler.area_pct[SCHED_AREA_TCP_RECEIVE] = loop_tcp_receive[rep - 1];
        add_scale(&s, SRV_NGINX, 100, rep, nginx_rps[rep - 1], 10);
    }
    /* instructions: 1,000,000 + 2,000 per request, over the two runs of a repetition */
    for (int k = 0; k < 2; k++) {
        struct run_record *r = add_run(&s, SCN_INSTRUCTIONS, SRV_LOOP, 100, 1);
        r->wrapper.present = 1;
        r->wrapper.requests = k ? 22000 : 2000;
        r->wrapper.instructions = 1000000 + 2000 * r->wrapper.requests;
    }
    struct run_record *skipped = add_run(&s, SCN_SYSCALLS, SRV_LOOP, 1000, 1);
    record_set_status(skipped, "skipped", "strace is not installed");
    json_t *perf = perf_summary(&s);

    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(perf, "models"), 0)), "nginx");
    CHECK_INT_EQ(json_integer_value(json_object_get(perf, "rounds")), 3);
    CHECK(fig(perf, "scale", "loop", "100", "requests_per_s") == 200);
    CHECK(fig(perf, "scale", "nginx", "100", "requests_per_s") == 100);
    CHECK(fig(perf, "scale", "loop", "100", "cpu_us_per_request") == 5);
    CHECK(fig(perf, "instructions", "loop", "100", "instructions_per_request") == 2000);
    /* the areas of the server's CPU: the median of each, where perf sampled */
    CHECK(json_number_value(schema_json_at(perf, "scale.loop.100.area_pct.tcp_receive")) == 35);
    CHECK(schema_json_at(perf, "scale.loop.100.area_pct.tcp_send") == NULL);
    CHECK(schema_json_at(perf, "scale.nginx.100.area_pct") == NULL);
    CHECK_STR_EQ(json_string_value(schema_json_at(perf, "syscalls.loop.1000.skipped")),
                 "strace is not installed");
    CHECK(ratio(perf, "loop/nginx req/s at 100", NULL) == 2.0);
    CHECK(ratio(perf, "loop/nginx CPU per request at 100", NULL) == 0.5);

    char buf[8192];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    CHECK(f != NULL);
    perf_print(f, perf);
    fclose(f);
    CHECK(strstr(buf, "Performance (medians of 3 rounds)") != NULL);
    CHECK(strstr(buf, "loop/nginx req/s at 100") != NULL);
    CHECK(strstr(buf, "skipped: strace is not installed") != NULL);
    json_decref(perf);
    record_session_free(&s);
}

/* Each pair of the server table's ratios quotes the figures its kind asks for: nginx beside the
 * event models with p99, uring beside the loop without, thread beside the loop req/s only. */
TEST(perf_summary_ratios_follow_the_server_table)
{
    struct session_record s;
    record_session_init(&s);
    s.repeat = 1;
    add_scale(&s, SRV_THREAD, 100, 1, 50, 40);
    add_scale(&s, SRV_LOOP, 100, 1, 200, 10);
    add_scale(&s, SRV_URING, 100, 1, 300, 8);
    add_scale(&s, SRV_NGINX, 100, 1, 400, 5);
    json_t *perf = perf_summary(&s);
    size_t full, event, rate;
    CHECK(ratio(perf, "loop/nginx p99 at 100", &full) == 1);
    CHECK(ratio(perf, "uring/nginx req/s at 100", NULL) == 0.75);
    CHECK(ratio(perf, "uring/loop CPU per request at 100", &event) == 0.8);
    CHECK(isnan(ratio(perf, "uring/loop p99 at 100", NULL)));
    CHECK(ratio(perf, "thread/loop req/s at 100", &rate) == 0.25);
    CHECK(isnan(ratio(perf, "thread/loop CPU per request at 100", NULL)));
    /* The pairs quoted with the most figures first. */
    CHECK(full < event && event < rate);
    CHECK_INT_EQ(json_array_size(json_object_get(perf, "ratios")), 3 + 3 + 2 + 1);
    json_decref(perf);
    record_session_free(&s);
}

/* A scenario keyed by load generator: cells per generator, each against the first in the
 * ratios, the server named beside them and not among the models. */
TEST(perf_summary_keys_generators_by_tool)
{
    struct session_record s;
    record_session_init(&s);
    s.repeat = 1;
    const char *tools[] = {"wrk", "c10k-load"};
    const double cpu[] = {4, 3};
    for (int t = 0; t < 2; t++) {
        struct run_record *r = add_run(&s, SCN_GENERATORS, SRV_NGINX, 100, 1);
        record_set_str(&r->tool, tools[t]);
        r->saturation.present = 1;
        r->saturation.client_cpu_us_per_request = cpu[t];
    }
    json_t *perf = perf_summary(&s);
    CHECK(fig(perf, "generators", "wrk", "100", "client_cpu_us_per_request") == 4);
    CHECK(fig(perf, "generators", "c10k-load", "100", "client_cpu_us_per_request") == 3);
    CHECK_STR_EQ(json_string_value(json_object_get(perf, "generators_server")), "nginx");
    CHECK_INT_EQ(json_array_size(json_object_get(perf, "models")), 0);
    CHECK(ratio(perf, "c10k-load/wrk load generator CPU per request at 100", NULL) == 0.75);
    CHECK_INT_EQ(json_array_size(json_object_get(perf, "ratios")), 1);
    json_decref(perf);
    record_session_free(&s);
}

/* A run's series and strings: the fewest connections open in a measured second, the flag on
 * them, the wrapper's name and breakdown passed through. */
TEST(perf_summary_computes_and_passes_through)
{
    struct session_record s;
    record_session_init(&s);
    s.repeat = 1;
    struct run_record *r = add_run(&s, SCN_HOLD, SRV_LOOP, 3, 1);
    r->client.series =
        json_pack("{s:[i,i,i,i], s:[b,b,b,b]}", "connections", 1, 3, 4, 3, "warmup", 1, 0, 0, 0);
    r->client.errors.total = 0;
    r = add_run(&s, SCN_SYSCALLS, SRV_LOOP, 100, 1);
    r->wrapper.present = 1;
    record_set_str(&r->wrapper.tool, "perf");
    r->wrapper.per_request = json_pack("{s:f}", "read", 1.0);
    r->wrapper.syscalls_per_request = 2.5;
    json_t *perf = perf_summary(&s);
    CHECK(fig(perf, "hold", "loop", "3", "min_open") == 3);
    CHECK(json_is_true(schema_json_at(perf, "hold.loop.3.held")));
    CHECK_STR_EQ(json_string_value(schema_json_at(perf, "syscalls.loop.100.tool")), "perf");
    CHECK(json_real_value(schema_json_at(perf, "syscalls.loop.100.breakdown.read")) == 1.0);
    CHECK(fig(perf, "syscalls", "loop", "100", "syscalls_per_request") == 2.5);
    json_decref(perf);
    record_session_free(&s);
}

TEST_MAIN(TEST_ENTRY(perf_summary_takes_medians_and_ratios),
          TEST_ENTRY(perf_summary_ratios_follow_the_server_table),
          TEST_ENTRY(perf_summary_keys_generators_by_tool),
          TEST_ENTRY(perf_summary_computes_and_passes_through))
