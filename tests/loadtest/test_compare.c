/* --compare's pairing, noise, verdicts, claims, environment and gate, on synthetic sessions:
 * records filled with the figures compared. */
#include "compare.h"
#include "scenarios.h"
#include "servers.h"
#include "testlib.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* A usable run of a server's variant in a scenario, with the figures --compare reads. */
static struct run_record *add_run(struct session_record *s, int scn, int srv, int variant,
                                  double level, int rep)
{
    struct run_record *r = record_session_add_run(s);
    char label[64];
    server_label(&bench_servers[srv], variant, 2, label, sizeof label);
    record_set_str(&r->scenario, bench_scenarios[scn].name);
    record_set_str(&r->model, label);
    record_set_str(&r->mode, bench_servers[srv].name);
    record_set_str(&r->status, "ok");
    r->scn = &bench_scenarios[scn];
    r->srv = &bench_servers[srv];
    r->variant = variant;
    r->level = r->concurrency = level;
    r->repetition = rep;
    r->client.present = 1;
    r->load_bound = 0;
    r->client.good_per_s = 10000;
    r->client.latency_us.p50 = 500;
    r->client.latency_us.p99 = 2000;
    r->server.present = 1;
    r->server.cpu_us_per_request = 10;
    r->server.ctx_per_request = 0.01;
    r->server.cpu_cores = 0.95;
    return r;
}

static struct run_record *scale(struct session_record *s, int srv, double level, int rep,
                                double cpu_us)
{
    struct run_record *r = add_run(s, SCN_SCALE, srv, 0, level, rep);
    r->server.cpu_us_per_request = cpu_us;
    return r;
}

static const struct compare_cell *cell_of(const struct compare_pair *p, const char *scenario,
                                          const char *model, double level)
{
    for (size_t i = 0; i < p->n_cells; i++) {
        const struct run_record *r = p->cells[i].a_run;
        if (strcmp(r->scenario, scenario) == 0 && strcmp(r->model, model) == 0 && r->level == level)
            return &p->cells[i];
    }
    return NULL;
}

static enum compare_verdict verdict_of(const struct compare_pair *p, const char *model,
                                       double level, int figure)
{
    const struct compare_cell *c = cell_of(p, "scale", model, level);
    return c ? c->v[figure].verdict : CMP_VERDICT_COUNT;
}

/* Runs meet by scenario, server and level; what one session ran alone is listed, not paired. */
TEST(compare_pairs_runs_by_scenario_server_and_level)
{
    struct session_record a, b;
    record_session_init(&a);
    record_session_init(&b);
    scale(&a, SRV_LOOP, 10, 1, 10);
    scale(&a, SRV_LOOP, 100, 1, 10);
    scale(&a, SRV_THREAD, 10, 1, 20);
    scale(&b, SRV_THREAD, 10, 1, 20);
    scale(&b, SRV_LOOP, 10, 1, 10);
    scale(&b, SRV_LOOP, 10, 2, 10);
    add_run(&b, SCN_IDLE, SRV_LOOP, 0, 1000, 1);
    struct compare_pair p;
    CHECK_INT_EQ(compare_sessions(&a, &b, &p), 0);
    CHECK_INT_EQ(p.n_cells, 2);
    const struct compare_cell *c = cell_of(&p, "scale", "loop", 10);
    CHECK(c != NULL);
    CHECK_INT_EQ(c->a_runs, 1);
    CHECK_INT_EQ(c->b_runs, 2);
    CHECK(cell_of(&p, "scale", "thread", 10) != NULL);
    CHECK_INT_EQ(json_array_size(p.only_a), 1);
    CHECK(json_number_value(json_object_get(json_array_get(p.only_a, 0), "level")) == 100);
    CHECK_INT_EQ(json_array_size(p.only_b), 1);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(p.only_b, 0), "scenario")),
                 "idle");
    compare_pair_free(&p);
    record_session_free(&a);
    record_session_free(&b);
}

/* A variant is paired by its row, not its label: "--loops 2" on a 2-CPU machine meets
 * "--loops 4" on a 4-CPU one. */
TEST(compare_pairs_a_variant_across_machines)
{
    struct session_record a, b;
    record_session_init(&a);
    record_session_init(&b);
    add_run(&a, SCN_CPU, SRV_LOOP, 1, 8, 1);
    struct run_record *r = add_run(&b, SCN_CPU, SRV_LOOP, 1, 8, 1);
    record_set_str(&r->model, "loop --loops 4");
    add_run(&b, SCN_CPU, SRV_LOOP, 2, 8, 1); /* --offload: another variant */
    struct compare_pair p;
    CHECK_INT_EQ(compare_sessions(&a, &b, &p), 0);
    CHECK_INT_EQ(p.n_cells, 1);
    CHECK_STR_EQ(p.cells[0].b_run->model, "loop --loops 4");
    CHECK_INT_EQ(json_array_size(p.only_b), 1);
    compare_pair_free(&p);
    record_session_free(&a);
    record_session_free(&b);
}

/* Without repetitions the default noise decides, and the verdict says so; beyond it, the
 * direction of the figure makes the verdict. */
TEST(compare_judges_against_the_default_noise)
{
    struct session_record a, b;
    record_session_init(&a);
    record_session_init(&b);
    double noise = compare_figures[CMP_F_CPU_PER_REQUEST].noise;
    scale(&a, SRV_LOOP, 10, 1, 10);
    scale(&b, SRV_LOOP, 10, 1, 10 * (1 + noise / 2));
    scale(&a, SRV_LOOP, 100, 1, 10);
    scale(&b, SRV_LOOP, 100, 1, 10 * (1 + noise * 2))->client.good_per_s = 7000;
    scale(&a, SRV_LOOP, 1000, 1, 10);
    scale(&b, SRV_LOOP, 1000, 1, 10 / (1 + noise * 2))->client.good_per_s = 20000;
    struct compare_pair p;
    CHECK_INT_EQ(compare_sessions(&a, &b, &p), 0);
    const struct compare_value *v = &cell_of(&p, "scale", "loop", 10)->v[CMP_F_CPU_PER_REQUEST];
    CHECK_INT_EQ(v->verdict, CMP_WITHIN_NOISE);
    CHECK_INT_EQ(v->noise_from, CMP_NOISE_DEFAULT);
    CHECK(fabs(v->noise - noise) < 1e-9);
    CHECK(fabs(v->ratio - (1 + noise / 2)) < 1e-9);
    CHECK_INT_EQ(verdict_of(&p, "loop", 100, CMP_F_CPU_PER_REQUEST), CMP_WORSE);
    CHECK(fabs(cell_of(&p, "scale", "loop", 100)->v[CMP_F_CPU_PER_REQUEST].worse - 2 * noise) <
          1e-9);
    CHECK_INT_EQ(verdict_of(&p, "loop", 100, CMP_F_THROUGHPUT),
                 10000.0 / 7000 - 1 > compare_figures[CMP_F_THROUGHPUT].noise ? CMP_WORSE
                                                                              : CMP_WITHIN_NOISE);
    CHECK_INT_EQ(verdict_of(&p, "loop", 1000, CMP_F_CPU_PER_REQUEST), CMP_BETTER);
    /* Apart by the same share either way: half the CPU is as far as twice. */
    CHECK(fabs(cell_of(&p, "scale", "loop", 1000)->v[CMP_F_CPU_PER_REQUEST].worse + 2 * noise) <
          1e-9);
    CHECK(fabs(cell_of(&p, "scale", "loop", 1000)->v[CMP_F_THROUGHPUT].worse + 1) < 1e-9);
    CHECK_INT_EQ(verdict_of(&p, "loop", 1000, CMP_F_THROUGHPUT),
                 1.0 > compare_figures[CMP_F_THROUGHPUT].noise ? CMP_BETTER : CMP_WITHIN_NOISE);
    /* Unchanged figures are within noise, absent ones not measured. */
    CHECK_INT_EQ(verdict_of(&p, "loop", 10, CMP_F_P99), CMP_WITHIN_NOISE);
    CHECK_INT_EQ(verdict_of(&p, "loop", 10, CMP_F_SYSCALLS), CMP_NOT_MEASURED);
    CHECK(p.counts[CMP_WORSE] >= 1 && p.counts[CMP_BETTER] >= 1);
    compare_pair_free(&p);
    record_session_free(&a);
    record_session_free(&b);
}

/* With repetitions, their spread is the noise: a change the default would call noise is a
 * verdict when the repetitions agree more closely, and the median of each side is compared. */
TEST(compare_takes_the_noise_from_repetitions)
{
    struct session_record a, b;
    record_session_init(&a);
    record_session_init(&b);
    a.repeat = b.repeat = 3;
    const double as[] = {10.0, 10.2, 9.8}, bs[] = {10.5, 10.7, 10.6};
    for (int i = 0; i < 3; i++) {
        scale(&a, SRV_LOOP, 10, i + 1, as[i]);
        scale(&b, SRV_LOOP, 10, i + 1, bs[i]);
    }
    struct compare_pair p;
    CHECK_INT_EQ(compare_sessions(&a, &b, &p), 0);
    const struct compare_value *v = &cell_of(&p, "scale", "loop", 10)->v[CMP_F_CPU_PER_REQUEST];
    CHECK_INT_EQ(v->noise_from, CMP_NOISE_REPETITIONS);
    CHECK(fabs(v->a.value - 10.0) < 1e-9 && fabs(v->b.value - 10.6) < 1e-9);
    CHECK(fabs(v->a.spread - 0.04) < 1e-9);
    CHECK(fabs(v->noise - 0.04) < 1e-9); /* the larger of A's 4% and B's 1.9% */
    CHECK_INT_EQ(v->a.n, 3);
    CHECK_INT_EQ(v->verdict, CMP_WORSE);
    compare_pair_free(&p);

    /* One session's repetitions are enough; a wide spread makes the same change noise. */
    record_session_free(&b);
    record_session_init(&b);
    scale(&b, SRV_LOOP, 10, 1, 10.6);
    a.runs[1].server.cpu_us_per_request = 12;
    CHECK_INT_EQ(compare_sessions(&a, &b, &p), 0);
    v = &p.cells[0].v[CMP_F_CPU_PER_REQUEST];
    CHECK_INT_EQ(v->noise_from, CMP_NOISE_REPETITIONS);
    CHECK(fabs(v->noise - 0.22) < 1e-9);
    CHECK_INT_EQ(v->verdict, CMP_WITHIN_NOISE);
    compare_pair_free(&p);
    record_session_free(&a);
    record_session_free(&b);
}

/* A load-bound run's throughput and latency measure the load generator: no verdict; its CPU per
 * request still gets one. */
TEST(compare_gives_a_load_bound_throughput_no_verdict)
{
    struct session_record a, b;
    record_session_init(&a);
    record_session_init(&b);
    scale(&a, SRV_LOOP, 10, 1, 10);
    struct run_record *r = scale(&b, SRV_LOOP, 10, 1, 20);
    r->load_bound = 1;
    r->client.good_per_s = 1000;
    struct compare_pair p;
    CHECK_INT_EQ(compare_sessions(&a, &b, &p), 0);
    CHECK_INT_EQ(verdict_of(&p, "loop", 10, CMP_F_THROUGHPUT), CMP_LOAD_BOUND);
    CHECK_INT_EQ(verdict_of(&p, "loop", 10, CMP_F_P99), CMP_LOAD_BOUND);
    CHECK_INT_EQ(verdict_of(&p, "loop", 10, CMP_F_CPU_PER_REQUEST), CMP_WORSE);
    CHECK(fabs(p.cells[0].v[CMP_F_THROUGHPUT].ratio - 0.1) < 1e-9);
    compare_pair_free(&p);
    record_session_free(&a);
    record_session_free(&b);
}

/* A change under the figure's floor is noise whatever its share; a figure without a direction
 * is "changed", never better or worse. */
TEST(compare_keeps_small_changes_and_undirected_figures_out_of_verdicts)
{
    struct compare_value v = {.a = {.value = 0.01, .below = NAN, .spread = NAN, .n = 1},
                              .b = {.value = 0.02, .below = NAN, .spread = NAN, .n = 1}};
    compare_judge(&compare_figures[CMP_F_SWITCHES], &v);
    CHECK_INT_EQ(v.verdict, CMP_WITHIN_NOISE);
    v.b.value = 1.0;
    compare_judge(&compare_figures[CMP_F_SWITCHES], &v);
    CHECK_INT_EQ(v.verdict, CMP_WORSE);
    v.a.value = 0.1;
    v.b.value = 0.1 * (2 + compare_figures[CMP_F_CPUS_BUSY].noise);
    compare_judge(&compare_figures[CMP_F_CPUS_BUSY], &v);
    CHECK_INT_EQ(v.verdict, CMP_CHANGED);
    CHECK(isnan(v.worse));
    v.b.value = NAN;
    compare_judge(&compare_figures[CMP_F_CPUS_BUSY], &v);
    CHECK_INT_EQ(v.verdict, CMP_NOT_MEASURED);
}

/* CPU times are read in clock ticks: a run with few requests knows its CPU per request only to
 * two ticks over them, and a change within both runs' resolutions is noise. */
TEST(compare_knows_cpu_per_request_to_two_clock_ticks)
{
    struct session_record a, b;
    record_session_init(&a);
    record_session_init(&b);
    a.clock_ticks = b.clock_ticks = 100;
    struct run_record *ra = scale(&a, SRV_LOOP, 4, 1, 54);
    struct run_record *rb = scale(&b, SRV_LOOP, 4, 1, 146);
    ra->server.requests = rb->server.requests = 400; /* 2 ticks / 400 = 50 µs each */
    struct compare_pair p;
    CHECK_INT_EQ(compare_sessions(&a, &b, &p), 0);
    const struct compare_value *v = &p.cells[0].v[CMP_F_CPU_PER_REQUEST];
    CHECK(fabs(v->a.resolution - 50) < 1e-9);
    CHECK_INT_EQ(v->verdict, CMP_WITHIN_NOISE);
    compare_pair_free(&p);
    ra->server.requests = rb->server.requests = 40000;
    CHECK_INT_EQ(compare_sessions(&a, &b, &p), 0);
    CHECK_INT_EQ(p.cells[0].v[CMP_F_CPU_PER_REQUEST].verdict, CMP_WORSE);
    compare_pair_free(&p);
    record_session_free(&a);
    record_session_free(&b);
}

/* A memory figure below the method's resolution is no number: a verdict only where the other
 * side is clearly above that resolution. */
TEST(compare_treats_a_figure_below_resolution_as_a_bound)
{
    struct session_record a, b;
    record_session_init(&a);
    record_session_init(&b);
    struct run_record *ra = scale(&a, SRV_THREAD, 1000, 1, 20);
    ra->per_connection.present = 1;
    ra->per_connection.rss_bytes = NAN;
    record_set_json(&ra->per_connection.below_resolution,
                    json_pack("[{s:s, s:f}, {s:s, s:f}]", "figure", "rss_bytes", "resolution_bytes",
                              500.0, "figure", "machine.kernel_bytes", "resolution_bytes", 512.0));
    struct run_record *rb = scale(&b, SRV_THREAD, 1000, 1, 20);
    rb->per_connection.present = 1;
    rb->per_connection.rss_bytes = 40000;
    rb->per_connection.kernel_bytes = NAN;
    record_set_json(
        &rb->per_connection.below_resolution,
        json_pack("[{s:s, s:f}]", "figure", "machine.kernel_bytes", "resolution_bytes", 520.0));
    struct compare_pair p;
    CHECK_INT_EQ(compare_sessions(&a, &b, &p), 0);
    const struct compare_value *u = &p.cells[0].v[CMP_F_MEMORY_USER];
    CHECK(isnan(u->a.value) && u->a.below == 500);
    CHECK_INT_EQ(u->verdict, CMP_WORSE);
    CHECK(fabs(u->worse - 79) < 1e-9); /* at least 40000 / 500 - 1 */
    const struct compare_value *k = &p.cells[0].v[CMP_F_MEMORY_KERNEL];
    CHECK(k->a.below == 512 && k->b.below == 520);
    CHECK_INT_EQ(k->verdict, CMP_BELOW_RESOLUTION);
    compare_pair_free(&p);
    record_session_free(&a);
    record_session_free(&b);
}

/* The claims side by side: a verdict that changed names the figures that moved it. */
TEST(compare_sets_the_claims_side_by_side)
{
    struct session_record a, b;
    record_session_init(&a);
    record_session_init(&b);
    scale(&a, SRV_LOOP, 10, 1, 10);
    scale(&b, SRV_LOOP, 10, 1, 10);
    record_set_json(&a.claims,
                    json_pack("[{s:s, s:s, s:{s:f, s:f}}, {s:s, s:s, s:{}}]", "id", "switching",
                              "verdict", "holds", "figures", "capacity_drop", 0.30, "switches", 1.0,
                              "id", "idle", "verdict", "does not hold", "figures"));
    record_set_json(&b.claims,
                    json_pack("[{s:s, s:s, s:{s:f, s:f}}, {s:s, s:s, s:{}}]", "id", "switching",
                              "verdict", "partly", "figures", "capacity_drop", 0.12, "switches",
                              1.02, "id", "idle", "verdict", "does not hold", "figures"));
    struct compare_pair p;
    CHECK_INT_EQ(compare_sessions(&a, &b, &p), 0);
    CHECK_INT_EQ(json_array_size(p.claims), 2);
    const json_t *sw = json_array_get(p.claims, 0);
    CHECK_STR_EQ(json_string_value(json_object_get(sw, "a")), "holds");
    CHECK_STR_EQ(json_string_value(json_object_get(sw, "b")), "partly");
    CHECK(json_is_true(json_object_get(sw, "changed")));
    const json_t *moved = json_object_get(sw, "moved");
    CHECK_INT_EQ(json_array_size(moved), 1);
    CHECK_STR_EQ(json_string_value(json_array_get(moved, 0)), "capacity_drop");
    CHECK_INT_EQ(json_array_size(json_object_get(sw, "figures")), 2);
    CHECK(json_is_false(json_object_get(json_array_get(p.claims, 1), "changed")));
    compare_pair_free(&p);
    record_session_free(&a);
    record_session_free(&b);
}

static const char *differing(const struct compare_pair *p, const char *key, const char *side)
{
    size_t i;
    json_t *d;
    json_array_foreach(p->environment, i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "key")), key) == 0)
            return json_string_value(json_object_get(d, side));
    }
    return NULL;
}

/* What differs in the environment and the session's own choices is listed; what is the same
 * is not. */
TEST(compare_lists_what_differs_in_the_environment)
{
    struct session_record a, b;
    record_session_init(&a);
    record_session_init(&b);
    scale(&a, SRV_LOOP, 10, 1, 10);
    scale(&b, SRV_LOOP, 10, 1, 10);
    record_set_json(&a.environment, json_pack("{s:s, s:i, s:{s:i}}", "kernel", "Linux 6.1",
                                              "cpus_allowed", 2, "limits", "nofile_soft", 1024));
    record_set_json(&b.environment, json_pack("{s:s, s:i, s:{s:i}}", "kernel", "Linux 6.18",
                                              "cpus_allowed", 2, "limits", "nofile_soft", 65536));
    record_set_str(&a.generator, "c10k-load");
    record_set_str(&b.generator, "wrk");
    b.docker.rest = json_object();
    struct compare_pair p;
    CHECK_INT_EQ(compare_sessions(&a, &b, &p), 0);
    CHECK_STR_EQ(differing(&p, "environment.kernel", "a"), "Linux 6.1");
    CHECK_STR_EQ(differing(&p, "environment.kernel", "b"), "Linux 6.18");
    CHECK_STR_EQ(differing(&p, "environment.limits.nofile_soft", "b"), "65536");
    CHECK_STR_EQ(differing(&p, "generator", "b"), "wrk");
    CHECK(differing(&p, "container", "b") != NULL);
    CHECK(differing(&p, "environment.cpus_allowed", "a") == NULL);
    /* The machine comes first. */
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(p.environment, 0), "key")),
                 "environment.kernel");
    compare_pair_free(&p);
    record_session_free(&a);
    record_session_free(&b);
}

/* --fail-if's rules: their forms, the errors, and which cells break them. */
TEST(compare_parses_the_gates_rules)
{
    struct compare_rules rules = {0};
    char why[160];
    CHECK_INT_EQ(compare_parse_rules("worse:5%", &rules, why, sizeof why), 0);
    CHECK_INT_EQ(rules.rule[0].figure, -1);
    CHECK(fabs(rules.rule[0].margin - 0.05) < 1e-12);
    CHECK_INT_EQ(
        compare_parse_rules("cpu_us_per_request:worse:2.5,p99:worse", &rules, why, sizeof why), 0);
    CHECK_INT_EQ(rules.n, 3);
    CHECK_INT_EQ(rules.rule[1].figure, CMP_F_CPU_PER_REQUEST);
    CHECK(fabs(rules.rule[1].margin - 0.025) < 1e-12);
    CHECK_INT_EQ(rules.rule[2].figure, CMP_F_P99);
    CHECK(rules.rule[2].margin == 0);
    static const char *const bad[] = {"better:5%", "nope:worse", "worse:x%", "worse:5%:1",
                                      "worse:-1%", "",           "worse:5%%"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct compare_rules r = {0};
        why[0] = '\0';
        if (compare_parse_rules(bad[i], &r, why, sizeof why) != -EINVAL || !why[0])
            CHECK_FAIL_("'%s' was taken", bad[i]);
    }
    CHECK(compare_parse_rules("nope:worse", &(struct compare_rules){0}, why, sizeof why) < 0);
    CHECK(strstr(why, "'nope' is not a compared figure") != NULL);

    struct compare_rules cpu = {0};
    CHECK_INT_EQ(compare_parse_rules("cpu_us_per_request:worse:5%", &cpu, why, sizeof why), 0);
    struct compare_value v = {.verdict = CMP_WORSE, .worse = 0.06};
    CHECK(compare_rule_broken(&cpu, CMP_F_CPU_PER_REQUEST, &v) != NULL);
    CHECK(compare_rule_broken(&cpu, CMP_F_P99, &v) == NULL);
    v.worse = 0.04;
    CHECK(compare_rule_broken(&cpu, CMP_F_CPU_PER_REQUEST, &v) == NULL);
    v.worse = 0.5;
    v.verdict = CMP_WITHIN_NOISE;
    CHECK(compare_rule_broken(&cpu, CMP_F_CPU_PER_REQUEST, &v) == NULL);
    v.verdict = CMP_LOAD_BOUND;
    CHECK(compare_rule_broken(&rules, CMP_F_THROUGHPUT, &v) == NULL);
}

TEST_MAIN(TEST_ENTRY(compare_pairs_runs_by_scenario_server_and_level),
          TEST_ENTRY(compare_pairs_a_variant_across_machines),
          TEST_ENTRY(compare_judges_against_the_default_noise),
          TEST_ENTRY(compare_takes_the_noise_from_repetitions),
          TEST_ENTRY(compare_gives_a_load_bound_throughput_no_verdict),
          TEST_ENTRY(compare_keeps_small_changes_and_undirected_figures_out_of_verdicts),
          TEST_ENTRY(compare_knows_cpu_per_request_to_two_clock_ticks),
          TEST_ENTRY(compare_treats_a_figure_below_resolution_as_a_bound),
          TEST_ENTRY(compare_sets_the_claims_side_by_side),
          TEST_ENTRY(compare_lists_what_differs_in_the_environment),
          TEST_ENTRY(compare_parses_the_gates_rules))
