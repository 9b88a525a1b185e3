/* c10k-bench's parts that need no server: /proc parsers, the load generators' outputs, the
 * plan, the limits check, the CSV and the script-safe JSON of the report. */
#include "calib.h"
#include "env.h"
#include "loadgen.h"
#include "report.h"
#include "results.h"
#include "run.h"
#include "run_state.h"
#include "sample.h"
#include "judge.h"
#include "placement.h"
#include "plan.h"
#include "testlib.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A number at a dotted path of a calibration's JSON (NaN where there is none). */
static double num_at(const json_t *o, const char *path)
{
    json_t *v = schema_json_at(o, path);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

#define SRVS(id) (1u << SRV_##id)
#define QUICK_SCENARIOS (bench_profiles[PROFILE_QUICK].scenarios)

TEST(sample_parses_meminfo)
{
    const char *text = "MemTotal:       24000000 kB\nKernelStack:       12345 kB\n"
                       "PageTables:         678 kB\nSUnreclaim:    90 kB\nSlab: 1 kB\n";
    uint64_t ks = 0, pt = 0, su = 0;
    CHECK_INT_EQ(sample_parse_meminfo(text, &ks, &pt, &su), 0);
    CHECK_INT_EQ(ks, 12345 * 1024);
    CHECK_INT_EQ(pt, 678 * 1024);
    CHECK_INT_EQ(su, 90 * 1024);
    CHECK_INT_EQ(sample_parse_meminfo("MemTotal: 1 kB\n", &ks, &pt, &su), -EINVAL);
}

TEST(sample_parses_sockstat)
{
    const char *text = "sockets: used 190\nTCP: inuse 12 orphan 0 tw 7 alloc 15 mem 3\n"
                       "UDP: inuse 1 mem 2\n";
    uint64_t mem = 0, inuse = 0, tw = 0;
    CHECK_INT_EQ(sample_parse_sockstat(text, &mem, &inuse, &tw), 0);
    CHECK_INT_EQ(mem, 3);
    CHECK_INT_EQ(inuse, 12);
    CHECK_INT_EQ(tw, 7);
    CHECK_INT_EQ(sample_parse_sockstat("sockets: used 1\n", &mem, &inuse, &tw), -EINVAL);
}

TEST(sample_parses_the_cpu_line_of_stat)
{
    uint64_t t[SAMPLE_CPU_STATES];
    CHECK_INT_EQ(
        sample_parse_stat_cpu("cpu  10 1 20 300 4 5 6 7 0 0\ncpu0 5 0 10 150 2 2 3 3 0 0\n", t), 0);
    CHECK_INT_EQ(t[SAMPLE_CPU_USER], 10);
    CHECK_INT_EQ(t[SAMPLE_CPU_IDLE], 300);
    CHECK_INT_EQ(t[SAMPLE_CPU_IOWAIT], 4);
    CHECK_INT_EQ(t[SAMPLE_CPU_SOFTIRQ], 6);
    CHECK_INT_EQ(t[SAMPLE_CPU_STEAL], 7);
    /* a kernel without steal (before 2.6.11), or not the cpu line */
    CHECK_INT_EQ(sample_parse_stat_cpu("cpu  10 1 20 300 4 5 6\n", t), -EINVAL);
    CHECK_INT_EQ(sample_parse_stat_cpu("intr 5 0\n", t), -EINVAL);
}

TEST(sample_parses_schedstat)
{
    uint64_t run = 0, wait = 0, slices = 0;
    CHECK_INT_EQ(sample_parse_schedstat("123456 789 42\n", &run, &wait, &slices), 0);
    CHECK_INT_EQ((long long)run, 123456);
    CHECK_INT_EQ((long long)wait, 789);
    CHECK_INT_EQ((long long)slices, 42);
    CHECK_INT_EQ(sample_parse_schedstat("12 x\n", &run, &wait, &slices), -EINVAL);
}

TEST(sample_reads_every_thread_of_this_process)
{
    struct task_snapshot snap;
    CHECK_INT_EQ(sample_tasks(getpid(), 0, &snap), 0);
    CHECK(snap.n >= 1);
    CHECK_INT_EQ(snap.tasks[0].tid, (int)getpid());
    sample_tasks_free(&snap);
}

TEST(cgmem_parses_a_v2_memory_stat)
{
    struct cgmem_reading r;
    const char *with_kernel = "anon 4096\nfile 0\nkernel 81920\nkernel_stack 16384\n"
                              "pagetables 8192\nsec_pagetables 0\npercpu 0\nsock 12288\n"
                              "slab 40960\nslab_reclaimable 1\n";
    CHECK_INT_EQ(cgmem_parse_v2_stat(with_kernel, &r), 0);
    CHECK(r.ok);
    /* Socket buffers are counted beside "kernel", not in it. */
    CHECK_INT_EQ((long long)r.kernel_bytes, 81920 + 12288);
    CHECK_INT_EQ((long long)r.kernel_stack_bytes, 16384);
    CHECK_INT_EQ((long long)r.page_tables_bytes, 8192);
    CHECK_INT_EQ((long long)r.slab_bytes, 40960);
    CHECK_INT_EQ((long long)r.sock_bytes, 12288);
    CHECK_INT_EQ((long long)r.user_bytes, 4096);
    /* Before Linux 5.18 there is no "kernel" line: the parts are summed. */
    const char *without = "anon 0\nkernel_stack 100\npagetables 20\npercpu 3\nsock 7\nslab 1000\n";
    CHECK_INT_EQ(cgmem_parse_v2_stat(without, &r), 0);
    CHECK_INT_EQ((long long)r.kernel_bytes, 100 + 20 + 3 + 1000 + 7);
    CHECK_INT_EQ(cgmem_parse_v2_stat("anon 1\n", &r), -EINVAL);
}

TEST(sample_reads_this_process)
{
    struct sample s;
    CHECK_INT_EQ(sample_take(getpid(), 1.5, 1, &s), 0);
    CHECK(s.alive);
    CHECK(s.rss_bytes > 0);
    CHECK(s.threads >= 1);
    CHECK(s.fds >= 3);
    CHECK(s.machine_ctxt > 0);
    CHECK(s.kernel_stack_bytes > 0);
    CHECK_INT_EQ(sample_take(0x7ffffff0, 0, 0, &s), -ESRCH);
}

TEST(judge_names_what_limited_a_run)
{
    CHECK_STR_EQ(judge_bottleneck_of(0.97, 0.99, 0), "server");
    CHECK_STR_EQ(judge_bottleneck_of(0.90, 0.50, 0), "server");
    CHECK_STR_EQ(judge_bottleneck_of(0.75, 0.95, 0), "load generator");
    CHECK_STR_EQ(judge_bottleneck_of(0.60, 0.40, 0), "neither");
    CHECK_STR_EQ(judge_bottleneck_of(0.60, NAN, 0), "unknown");
    CHECK_STR_EQ(judge_bottleneck_of(0.10, 0.10, 1), "fixed rate");
    /* a run neither side saturated, by what the machine's CPUs did */
    CHECK_STR_EQ(judge_held_back_by(3, 0, 0), "machine limit");
    CHECK_STR_EQ(judge_held_back_by(40, 12, 0), "machine limit");
    CHECK_STR_EQ(judge_held_back_by(40, 0, 20), "stall");
    CHECK_STR_EQ(judge_held_back_by(40, 0, 1), "latency-bound");
    CHECK_STR_EQ(judge_held_back_by(NAN, NAN, NAN), "unknown");
}

TEST(run_parses_stub_status)
{
    const char *text = "Active connections: 1 \nserver accepts handled requests\n 5 5 17 \n"
                       "Reading: 0 Writing: 1 Waiting: 0 \n";
    CHECK_INT_EQ(run_parse_stub_status(text), 17);
    CHECK_INT_EQ(run_parse_stub_status("nothing"), -EINVAL);
}

TEST(run_parses_apache_server_status)
{
    const char *text = "127.0.0.1\nServerVersion: Apache/2.4.62 (Debian)\nServerMPM: event\n"
                       "Total Accesses: 4211\nTotal kBytes: 12\nBusyWorkers: 1\n";
    CHECK_INT_EQ(run_parse_server_status(text), 4211);
    CHECK_INT_EQ(run_parse_server_status("ServerMPM: event\nTotal kBytes: 12\n"), -EINVAL);
    CHECK_INT_EQ(run_parse_server_status("Total Accesses: x\n"), -EINVAL);
}

/* The requests a server served, its status page's left out: Apache's Total Accesses counts the
 * status requests answered before the one it answers, nginx's stub_status those and itself,
 * c10k-server's /stats counts them apart. */
TEST(run_takes_the_status_reads_out_of_the_request_count)
{
    struct sample smp;
    struct snapshot s;
    memset(&smp, 0, sizeof smp);
    const char *apache = "ServerMPM: event\nTotal Accesses: 4211\nBusyWorkers: 1\n";
    for (int srv = SRV_APACHE_PREFORK; srv <= SRV_APACHE_EVENT; srv++) {
        memset(&s, 0, sizeof s);
        CHECK_INT_EQ(peer_read_counters(&bench_servers[srv], apache, &smp, 3, &s), 0);
        CHECK_INT_EQ(s.requests, 4208);
    }
    const char *nginx = "Active connections: 1 \nserver accepts handled requests\n 5 5 17 \n";
    memset(&s, 0, sizeof s);
    CHECK_INT_EQ(peer_read_counters(&bench_servers[SRV_NGINX], nginx, &smp, 3, &s), 0);
    CHECK_INT_EQ(s.requests, 13);
    const char *stats = "{\"requests\": {\"total\": 100, \"by_endpoint\": {\"stats\": 4}}, "
                        "\"process\": {\"ctx_voluntary\": 1, \"ctx_involuntary\": 2}}";
    memset(&s, 0, sizeof s);
    CHECK_INT_EQ(peer_read_counters(&bench_servers[SRV_THREAD], stats, &smp, 3, &s), 0);
    CHECK_INT_EQ(s.requests, 96);
    json_decref(s.stats);
}

static const char wrk_output[] =
    "Running 2s test @ http://127.0.0.1:1/plaintext\n  1 threads and 10 connections\n"
    "C10K-WRK-JSON {\"duration_us\":2000000,\"requests\":5000,\"bytes\":650000,"
    "\"errors\":{\"connect\":0,\"read\":1,\"write\":0,\"status\":2,\"timeout\":3},"
    "\"latency\":{\"min\":10,\"max\":900,\"mean\":55.5,\"stdev\":4.0,"
    "\"percentiles\":[[50,40],[90,70],[99,300],[99.9,800],[100,900]]}}\n";

TEST(loadgen_parses_wrk)
{
    char err[256];
    json_t *c = loadgen_parse_wrk(wrk_output, err, sizeof err);
    CHECK(c != NULL);
    /* The load generator's account is the run record's client part. */
    struct run_record r;
    record_run_init(&r);
    schema_parse(&schema_run, &r, c, "client");
    json_decref(c);
    CHECK_INT_EQ(r.client.present, 1);
    CHECK_INT_EQ(r.client.requests, 5000);
    CHECK(fabs(r.client.requests_per_s - 2500) < 1e-9);
    CHECK_INT_EQ(r.client.errors.total, 6);
    CHECK_INT_EQ(r.client.errors.timeout, 3);
    CHECK_INT_EQ(r.client.good_requests, 4998); /* the 2 status errors are answers */
    CHECK_INT_EQ(r.client.latency_us.p50, 40);
    CHECK_INT_EQ(r.client.latency_us.p99_9, 800);
    CHECK_INT_EQ(r.client.latency_us.max, 900);
    CHECK(r.client.series == NULL);
    CHECK_INT_EQ(json_array_size(r.client.percentiles), 5);
    record_run_free(&r);
    CHECK(loadgen_parse_wrk("Running 2s test\nno results\n", err, sizeof err) == NULL);
    CHECK(strstr(err, "no") != NULL);
}

TEST(loadgen_parses_c10k_load)
{
    const char *text =
        "{\"tool\":\"c10k-load\",\"summary\":{\"measured_s\":2.0,\"requests\":100,"
        "\"requests_per_s\":50.0,\"warmup_requests\":20,\"abandoned\":1,\"bytes_read\":1000,"
        "\"latency_us\":{\"count\":100,\"min\":1,\"mean\":5.0,\"p50\":4,\"p90\":8,\"p99\":9,"
        "\"p99_9\":10,\"max\":10},\"latency_uncorrected_us\":null,"
        "\"errors\":{\"total\":0,\"connect\":0,\"read\":0,\"write\":0,\"timeout\":0,"
        "\"parse\":0,\"status\":0},\"idle\":{\"connections\":5,\"requests\":3}},"
        "\"histograms\":{\"latency\":[[1,1,10],[4,4,40],[8,8,40],[10,10,10]]},"
        "\"timeseries\":[{\"t\":0,\"warmup\":true,\"requests_per_s\":10,\"p99_us\":9}]}";
    char err[256];
    json_t *c = loadgen_parse_load(text, err, sizeof err);
    CHECK(c != NULL);
    struct run_record r;
    record_run_init(&r);
    schema_parse(&schema_run, &r, c, "client");
    CHECK_INT_EQ(r.client.total_requests, 123);
    CHECK_INT_EQ(r.client.abandoned, 1);
    CHECK_INT_EQ(json_array_size(json_object_get(r.client.series, "t")), 1);
    CHECK(json_is_true(json_array_get(json_object_get(r.client.series, "warmup"), 0)));
    record_run_free(&r);
    /* p50 of 100 values: the 50th is in the bucket [4,4]. */
    json_t *pcts = json_object_get(c, "percentiles");
    CHECK(json_array_size(pcts) == loadgen_n_percentiles);
    for (size_t i = 0; i < json_array_size(pcts); i++) {
        json_t *pv = json_array_get(pcts, i);
        if (json_number_value(json_array_get(pv, 0)) == 50)
            CHECK_INT_EQ(json_integer_value(json_array_get(pv, 1)), 4);
        if (json_number_value(json_array_get(pv, 0)) == 100)
            CHECK_INT_EQ(json_integer_value(json_array_get(pv, 1)), 10);
    }
    json_decref(c);
    CHECK(loadgen_parse_load("{}", err, sizeof err) == NULL);
    CHECK(loadgen_parse_load("not json", err, sizeof err) == NULL);
}

static int has_arg(const struct loadgen_argv *a, const char *s)
{
    for (int i = 0; i < a->argc; i++)
        if (strcmp(a->argv[i], s) == 0)
            return 1;
    return 0;
}

TEST(loadgen_builds_command_lines)
{
    struct run_spec r;
    memset(&r, 0, sizeof r);
    r.tool = TOOL_WRK;
    r.concurrency = 100;
    r.keepalive = 0;
    r.timeout_s = 5;
    struct loadgen_argv a;
    loadgen_build(&a, &r, "wrk", "/tmp/x.lua", "http://127.0.0.1:1/", 2.4, 0, 4, NULL);
    CHECK(has_arg(&a, "-c100"));
    CHECK(has_arg(&a, "-t4"));
    CHECK(has_arg(&a, "-d2s")); /* wrk takes whole seconds */
    CHECK(has_arg(&a, "Connection: close"));
    CHECK_STR_EQ(a.argv[a.argc - 1], "http://127.0.0.1:1/");
    CHECK(a.argv[a.argc] == NULL);

    r.tool = TOOL_LOAD;
    r.concurrency = 2;
    r.idle = 1000;
    r.rate = 500;
    r.ramp = 5000;
    r.keepalive = 1;
    loadgen_build(&a, &r, "c10k-load", NULL, "http://127.0.0.1:1/", 1.5, 0.5, 4, "/tmp/o.json");
    CHECK(has_arg(&a, "--idle"));
    CHECK(has_arg(&a, "--rate"));
    CHECK(has_arg(&a, "1.500s"));
    CHECK(has_arg(&a, "/tmp/o.json"));
    CHECK(!has_arg(&a, "--no-keepalive"));
    /* Never more client threads than connections. */
    CHECK(has_arg(&a, "--threads") && has_arg(&a, "2"));
    CHECK(!has_arg(&a, "--pipeline") && !has_arg(&a, "--requests"));

    /* The pipeline and instructions scenarios' runs. */
    r.pipeline = 16;
    r.requests = 2000;
    loadgen_build(&a, &r, "c10k-load", NULL, "http://127.0.0.1:1/", 1, 0, 1, NULL);
    CHECK(has_arg(&a, "--pipeline") && has_arg(&a, "16"));
    CHECK(has_arg(&a, "--requests") && has_arg(&a, "2000"));
}

TEST(report_escapes_script_ends)
{
    struct report_buf b = {0};
    const char *text = "{\"a\":\"</script><b>\",\"c\":\"<\\/ok\"}";
    CHECK_INT_EQ(report_append_script_safe(&b, text, strlen(text)), 0);
    CHECK(strstr(b.data, "</") == NULL);
    CHECK(strstr(b.data, "<\\/script>") != NULL);
    json_t *j = json_loads(b.data, 0, NULL);
    CHECK(j != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "a")), "</script><b>");
    json_decref(j);
    free(b.data);
}

/* Writes a page from tpl with a stand-in Chart.js into dir/page.html; its text (malloc'd) in
 * *html, or NULL where nothing was written. Returns report_page_write's result. */
static int write_page(const char *dir, const char *tpl, char **html)
{
    char chart[96], page[96];
    snprintf(chart, sizeof chart, "%s/chart.js", dir);
    snprintf(page, sizeof page, "%s/page.html", dir);
    FILE *f = fopen(chart, "w");
    if (f) {
        fputs("var Chart = function () {};", f);
        fclose(f);
    }
    json_t *data = json_pack("{s:i}", "n", 1);
    int rc = report_page_write(tpl, data, NULL, chart, page);
    json_decref(data);
    *html = results_read_text(page, RESULTS_TEXT_MAX, NULL);
    unlink(page);
    unlink(chart);
    return rc;
}

/* A template's parts land in the shared frame's places, in the frame's order, with no marker
 * left; a part the frame has no place for is refused, and no page is written. */
TEST(report_page_puts_a_template_s_parts_in_the_frame)
{
    char dir[] = "/tmp/c10k-test-page.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char *html = NULL;
    CHECK_INT_EQ(write_page(dir,
                            "<!--C10K-PART-TITLE-->\n<title>T</title>\n"
                            "<!--C10K-PART-HEADING-->\n  <h1>H</h1>\n"
                            "<!--C10K-PART-MAIN-->\n  <p id=\"m\"></p>\n"
                            "<!--C10K-PART-SCRIPT-->\n<script>var s;</script>\n",
                            &html),
                 0);
    CHECK(html != NULL);
    const char *order[] = {"<!doctype html>",
                           "<title>T</title>\n<style>",
                           "var Chart",
                           "</head>",
                           "<h1>H</h1>\n  <p class=\"sub\"",
                           "<p id=\"m\"></p>\n  <pre",
                           "c10k-data",
                           "pageError",
                           "<script>var s;</script>\n</body>"};
    const char *at = html;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *next = strstr(at, order[i]);
        if (!next)
            CHECK_FAIL_("missing or out of order: %s", order[i]);
        at = next;
    }
    CHECK(strstr(html, "<!--C10K-") == NULL);
    free(html);
    CHECK_INT_EQ(write_page(dir, "<!--C10K-PART-TITEL-->\n<title>T</title>\n", &html), -EINVAL);
    CHECK(html == NULL);
    CHECK_INT_EQ(rmdir(dir), 0);
}

static void fake_env(struct bench_env *e)
{
    memset(e, 0, sizeof *e);
    e->nofile_soft = e->nofile_hard = 20000;
    e->port_lo = 32768;
    e->port_hi = 60999;
    e->pid_max = 32768;
    e->threads_max = 200000;
    e->max_map_count = 65530;
    e->cg_pids_max = e->cg_memory_max = ENV_UNLIMITED;
    e->nproc = ENV_UNLIMITED;
    e->tasks_now = 200;
    e->cpus_allowed = 2;
    e->n_server_cpus = e->n_load_cpus = 1;
}

TEST(env_names_the_limit_a_run_hits)
{
    struct bench_env e;
    struct env_limit lim;
    fake_env(&e);
    CHECK_INT_EQ(env_check(&e, 1, 10000, 0, 0, &lim), 0);
    CHECK_INT_EQ(env_check(&e, 0, 30000, 0, 0, &lim), 1);
    CHECK(strstr(lim.name, "RLIMIT_NOFILE") != NULL);
    e.nofile_hard = 100000;
    CHECK_INT_EQ(env_check(&e, 0, 30000, 0, 0, &lim), 1);
    CHECK(strstr(lim.name, "ip_local_port_range") != NULL);
    CHECK_INT_EQ(env_check(&e, 0, 30000, 40, 0, &lim), 0);
    CHECK_INT_EQ(env_check(&e, 1, 30000, 40, 0, &lim), 0);
    CHECK_INT_EQ(env_check(&e, 1, 33000, 40, 0, &lim), 1);
    CHECK_STR_EQ(lim.name, "kernel.pid_max");
    CHECK(strstr(lim.how, "sysctl") != NULL);
    CHECK_INT_EQ(env_check(&e, ENV_TASKS_PROCESSES, 33000, 40, 0, &lim), 1);
    CHECK_STR_EQ(lim.name, "kernel.pid_max");
    CHECK(strstr(lim.how, "every process takes a pid") != NULL);
    e.pid_max = 4194304;
    CHECK_INT_EQ(env_check(&e, 1, 33000, 40, 0, &lim), 1);
    CHECK_STR_EQ(lim.name, "vm.max_map_count");
    /* A process's mappings are its own: vm.max_map_count does not bound processes. */
    CHECK_INT_EQ(env_check(&e, ENV_TASKS_PROCESSES, 33000, 40, 0, &lim), 0);
    e.nproc = 20000;
    if (geteuid() != 0) {
        CHECK_INT_EQ(env_check(&e, ENV_TASKS_PROCESSES, 33000, 40, 0, &lim), 1);
        CHECK_STR_EQ(lim.name, "RLIMIT_NPROC (ulimit -u)");
    }
    e.nproc = ENV_UNLIMITED;
    e.max_map_count = 1000000;
    CHECK_INT_EQ(env_check(&e, 1, 33000, 40, 0, &lim), 0);
    e.cg_pids_max = 1000;
    e.cg_pids_current = 10;
    CHECK_INT_EQ(env_check(&e, 1, 5000, 0, 0, &lim), 1);
    CHECK_STR_EQ(lim.name, "cgroup pids.max");
    CHECK_INT_EQ(env_check(&e, 0, 5000, 0, 0, &lim), 0);
}

/* How many runs of a plan are of a server in a scenario. */
static int runs_of(const struct plan *p, int srv, int scn)
{
    int n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += p->runs[i].srv == &bench_servers[srv] && p->runs[i].scn == &bench_scenarios[scn];
    return n;
}

/* How many runs of a server in a scenario are at level. */
static int runs_at(const struct plan *p, int srv, int scn, int level)
{
    int n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += p->runs[i].srv == &bench_servers[srv] && p->runs[i].scn == &bench_scenarios[scn] &&
             p->runs[i].level == level;
    return n;
}

/* A row's .scenarios_more: left out of the default profile, in under --profile full, and where
 * --scenarios names them (a baseline: where --modes names it too). Apache's MPMs run beside the
 * models in the default profile at the levels their claims read, in no other but full. */
TEST(plan_runs_a_server_s_further_scenarios_when_asked)
{
    struct bench_env e;
    fake_env(&e);
    struct plan p;
    unsigned tools = (1u << TOOL_WRK) | (1u << TOOL_LOAD);
    struct plan_opts o = {
        .servers = SRVS(THREAD) | SRVS(PROCESS) | SRVS(PREFORK), .baselines = 1, .tools = tools};
    CHECK_INT_EQ(plan_build(&p, "default", &o, &e), 0);
    CHECK_INT_EQ(runs_of(&p, SRV_PROCESS, SCN_CPU), 0);
    CHECK_INT_EQ(runs_of(&p, SRV_PROCESS, SCN_SCALE), 2);
    CHECK(runs_of(&p, SRV_PROCESS, SCN_IDLE) > 0);
    CHECK(runs_of(&p, SRV_PREFORK, SCN_SCALE) > 0);
    for (int srv = SRV_APACHE_PREFORK; srv <= SRV_APACHE_EVENT; srv++) {
        CHECK_INT_EQ(runs_of(&p, srv, SCN_SCALE), 2);
        CHECK_INT_EQ(runs_at(&p, srv, SCN_SCALE, 100) + runs_at(&p, srv, SCN_SCALE, 1000), 2);
        CHECK_INT_EQ(runs_of(&p, srv, SCN_IDLE), 1);
        CHECK_INT_EQ(runs_at(&p, srv, SCN_IDLE, 1000), 1);
        CHECK_INT_EQ(runs_of(&p, srv, SCN_CHURN), 0);
    }
    plan_free(&p);
    static const char *const without[] = {"quick", "perf", "loadgen"};
    for (size_t i = 0; i < sizeof without / sizeof without[0]; i++) {
        CHECK_INT_EQ(plan_build(&p, without[i], &o, &e), 0);
        for (int srv = SRV_APACHE_PREFORK; srv <= SRV_APACHE_EVENT; srv++)
            CHECK_INT_EQ(runs_of(&p, srv, SCN_SCALE) + runs_of(&p, srv, SCN_IDLE) +
                             runs_of(&p, srv, SCN_GENERATORS) + runs_of(&p, srv, SCN_HOLD),
                         0);
        plan_free(&p);
    }
    CHECK_INT_EQ(plan_build(&p, "full", &o, &e), 0);
    CHECK(runs_of(&p, SRV_PROCESS, SCN_CPU) > 0);
    CHECK(runs_of(&p, SRV_APACHE_EVENT, SCN_CHURN) > 0);
    CHECK(runs_of(&p, SRV_APACHE_EVENT, SCN_SCALE) > 2);
    plan_free(&p);
    o.scenarios = SCN_BIT(CPU);
    CHECK_INT_EQ(plan_build(&p, "default", &o, &e), 0);
    CHECK(runs_of(&p, SRV_PROCESS, SCN_CPU) > 0);
    plan_free(&p);
    o.servers |= SRVS(APACHE_EVENT);
    o.baselines = 0;
    o.scenarios = SCN_BIT(SCALE) | SCN_BIT(CHURN);
    CHECK_INT_EQ(plan_build(&p, "default", &o, &e), 0);
    CHECK(runs_of(&p, SRV_APACHE_EVENT, SCN_SCALE) > 0);
    CHECK_INT_EQ(runs_of(&p, SRV_APACHE_WORKER, SCN_SCALE), 0);
    CHECK(runs_of(&p, SRV_APACHE_EVENT, SCN_CHURN) > 0);
    plan_free(&p);
    CHECK_INT_EQ(plan_build(&p, "quick", &o, &e), 0);
    CHECK(runs_of(&p, SRV_APACHE_EVENT, SCN_SCALE) > 0);
    plan_free(&p);
}

/* ./c10k-lab bench: every server of the default (and the baselines) within 16 minutes on 2
 * CPUs, each run once. */
TEST(plan_default_profile_keeps_its_time)
{
    struct bench_env e;
    fake_env(&e);
    struct plan p;
    unsigned all = 0;
    for (int i = 0; i < SRV_COUNT; i++)
        all |= bench_servers[i].in_default ? 1u << i : 0;
    struct plan_opts o = {
        .servers = all, .baselines = 1, .tools = (1u << TOOL_WRK) | (1u << TOOL_LOAD)};
    CHECK_INT_EQ(plan_build(&p, "default", &o, &e), 0);
    CHECK(plan_total_estimate_s(&p) <= 16 * 60);
    for (size_t i = 0; i < p.n; i++)
        for (size_t j = i + 1; j < p.n; j++)
            CHECK(strcmp(p.runs[i].id, p.runs[j].id) != 0);
    /* Each look-alike runs where its Apache MPM does. */
    for (int srv = SRV_APACHE_PREFORK; srv <= SRV_APACHE_EVENT; srv++) {
        int like = bench_servers[srv].beside;
        CHECK_INT_EQ(runs_at(&p, like, SCN_IDLE, 1000), 1);
        CHECK_INT_EQ(runs_at(&p, like, SCN_SCALE, 100), 1);
        CHECK_INT_EQ(runs_at(&p, like, SCN_SCALE, 1000), 1);
    }
    /* process beside thread: idle at 1,000, scale at 100 and 1,000. */
    CHECK_INT_EQ(runs_at(&p, SRV_PROCESS, SCN_IDLE, 1000), 1);
    CHECK_INT_EQ(runs_at(&p, SRV_PROCESS, SCN_SCALE, 100), 1);
    CHECK_INT_EQ(runs_at(&p, SRV_PROCESS, SCN_SCALE, 1000), 1);
    CHECK_INT_EQ(runs_at(&p, SRV_THREAD, SCN_IDLE, 1000), 1);
    plan_free(&p);
}

TEST(plan_quick_is_small_and_ids_are_unique)
{
    struct bench_env e;
    fake_env(&e);
    struct plan p;
    unsigned tools = (1u << TOOL_WRK) | (1u << TOOL_LOAD);
    struct plan_opts o = {.servers = SRVS(THREAD) | SRVS(POOL) | SRVS(LOOP),
                          .scenarios = QUICK_SCENARIOS,
                          .baselines = 1,
                          .tools = tools};
    CHECK_INT_EQ(plan_build(&p, "quick", &o, &e), 0);
    CHECK(p.calibrate);
    CHECK(p.n > 10);
    CHECK(plan_total_estimate_s(&p) < 110);
    int idle_required = 0, nginx = 0;
    for (size_t i = 0; i < p.n; i++) {
        for (size_t j = i + 1; j < p.n; j++)
            CHECK(strcmp(p.runs[i].id, p.runs[j].id) != 0);
        if (p.runs[i].scn == &bench_scenarios[SCN_IDLE])
            idle_required += p.runs[i].tool == TOOL_LOAD && p.runs[i].tool_required;
        if (p.runs[i].srv->baseline) {
            nginx++;
            CHECK(p.runs[i].scn == &bench_scenarios[SCN_SCALE] ||
                  p.runs[i].scn == &bench_scenarios[SCN_IDLE]);
        }
    }
    CHECK(idle_required > 0);
    CHECK(nginx > 0);
    /* The closed-loop scale runs take c10k-load, which loads a server harder than wrk. */
    for (size_t i = 0; i < p.n; i++)
        if (p.runs[i].scn == &bench_scenarios[SCN_SCALE])
            CHECK(p.runs[i].tool == TOOL_LOAD);
    plan_free(&p);

    o = (struct plan_opts){.servers = SRVS(LOOP), .scenarios = SCN_BIT(CPU), .tools = tools};
    CHECK_INT_EQ(plan_build(&p, "default", &o, &e), 0);
    CHECK(!p.calibrate);
    for (size_t i = 0; i < p.n; i++) {
        CHECK(p.runs[i].server_all_cpus);
        CHECK(p.runs[i].srv == &bench_servers[SRV_LOOP]);
    }
    plan_free(&p);
    o = (struct plan_opts){.servers = SRVS(THREAD) | SRVS(POOL) | SRVS(LOOP) | SRVS(URING),
                           .scenarios = QUICK_SCENARIOS,
                           .tools = tools};
    CHECK_INT_EQ(plan_build(&p, "default", &o, &e), 0);
    CHECK(plan_total_estimate_s(&p) < 15 * 60);
    plan_free(&p);
    CHECK_INT_EQ(plan_build(&p, "nope", &o, &e), -EINVAL);
    /* --generator wrk: wrk drives the closed-loop scale runs. */
    o = (struct plan_opts){
        .servers = SRVS(LOOP), .scenarios = SCN_BIT(SCALE), .tools = tools, .prefer_wrk = 1};
    CHECK_INT_EQ(plan_build(&p, "quick", &o, &e), 0);
    for (size_t i = 0; i < p.n; i++)
        CHECK(p.runs[i].tool == TOOL_WRK);
    plan_free(&p);
}

/* A stat line of a thread called "a) (b c" whose fields after the name are 3..52: utime (14)
 * is 14, stime (15) 15, processor (39) given. */
static void stat_line(char *buf, size_t len, long long utime, long long stime, int cpu)
{
    size_t n = (size_t)snprintf(buf, len, "4242 (a) (b c) S");
    for (int field = 4; field <= 52; field++)
        n += (size_t)snprintf(buf + n, len - n, " %lld",
                              field == 14   ? utime
                              : field == 15 ? stime
                              : field == 39 ? (long long)cpu
                                            : (long long)field);
    snprintf(buf + n, len - n, "\n");
}

TEST(placement_parses_a_threads_stat_and_sched)
{
    char line[512];
    long long ticks;
    int cpu;
    stat_line(line, sizeof line, 120, 30, 3);
    CHECK_INT_EQ(placement_parse_stat(line, &ticks, &cpu), 0);
    CHECK_INT_EQ(ticks, 150);
    CHECK_INT_EQ(cpu, 3);
    CHECK_INT_EQ(placement_parse_stat("4242 (cut) S 1 2 3", &ticks, &cpu), -EINVAL);
    CHECK_INT_EQ(placement_parse_stat("no name here", &ticks, &cpu), -EINVAL);
    CHECK_INT_EQ(placement_parse_migrations("python3 (4242, #threads: 3)\n"
                                            "se.exec_start                                :"
                                            "    123.45\n"
                                            "se.nr_migrations                             :"
                                            "                   17\n"),
                 17);
    CHECK_INT_EQ(placement_parse_migrations("se.exec_start : 1\n"), -1);
    CHECK_INT_EQ(placement_parse_migrations(NULL), -1);
    /* The real thing: this thread. */
    FILE *f = fopen("/proc/thread-self/stat", "re");
    CHECK(f != NULL);
    if (f) {
        CHECK(fgets(line, sizeof line, f) != NULL);
        fclose(f);
        CHECK_INT_EQ(placement_parse_stat(line, &ticks, &cpu), 0);
        CHECK(cpu >= 0 && cpu < CPU_SETSIZE);
    }
}

TEST(placement_tells_one_cpu_from_several)
{
    struct placement *p = calloc(1, sizeof *p);
    struct placement_figures f;
    char a[512], b[512];
    /* Thread 1 stays on CPU 1 and thread 2 goes 1 -> 0 -> 1: 3 of 4 readings' ticks on CPU 1. */
    static const int cpus2[] = {1, 0, 1, 1};
    for (int i = 0; i < 4; i++) {
        stat_line(a, sizeof a, 100 + 10 * i, 0, 1);
        stat_line(b, sizeof b, 200 + 10 * i, 0, cpus2[i]);
        char sched[64];
        snprintf(sched, sizeof sched, "se.nr_migrations : %d\n", i == 0 ? 5 : 7);
        placement_add(p, 10, 11, a, NULL, "se.nr_migrations : 0\n");
        placement_add(p, 10, 12, b, NULL, sched);
        placement_next(p, i * 0.2);
    }
    placement_summarise(p, &f);
    CHECK_INT_EQ(f.readings, 4);
    CHECK_INT_EQ(f.threads, 2);
    CHECK_INT_EQ(f.n_cpus, 2);
    CHECK_INT_EQ(f.cpus_busy, 2); /* CPU 0 carried 10 of 60 ticks: 17% */
    CHECK(f.busiest_cpu_share > 0.83 && f.busiest_cpu_share < 0.84);
    CHECK_INT_EQ(f.threads_multi_cpu, 1);
    CHECK_INT_EQ(f.migrations_from_sched, 1);
    CHECK_INT_EQ(f.migrations, 2);
    CHECK(f.window_s > 0.59 && f.window_s < 0.61);
    /* Without sched: the readings' changes of CPU (0 -> 1 counts, the first reading does not). */
    memset(p, 0, sizeof *p);
    for (int i = 0; i < 4; i++) {
        stat_line(b, sizeof b, 200 + 10 * i, 0, cpus2[i]);
        placement_add(p, 10, 12, b, NULL, NULL);
        placement_next(p, i * 0.2);
    }
    placement_summarise(p, &f);
    CHECK_INT_EQ(f.migrations_from_sched, 0);
    CHECK_INT_EQ(f.migrations, 2);
    CHECK_INT_EQ(f.cpus_busy, 2);
    /* A thread that never used CPU counts for nothing. */
    memset(p, 0, sizeof *p);
    stat_line(a, sizeof a, 5, 5, 0);
    for (int i = 0; i < 3; i++) {
        placement_add(p, 10, 11, a, NULL, NULL);
        placement_next(p, i);
    }
    placement_summarise(p, &f);
    CHECK_INT_EQ(f.threads, 0);
    CHECK_INT_EQ(f.cpus_busy, 0);
    /* A thread whose ticks do not move (half a millisecond a second) but whose schedstat
     * does: 1 ms on CPU 1, then on CPU 0, then on CPU 1. */
    memset(p, 0, sizeof *p);
    stat_line(a, sizeof a, 5, 5, 0);
    for (int i = 0; i < 4; i++) {
        char ss[64];
        stat_line(a, sizeof a, 5, 5, i % 2);
        snprintf(ss, sizeof ss, "%d 0 %d\n", 1000000 * (i + 1), i);
        placement_add(p, 10, 11, a, ss, NULL);
        placement_next(p, i);
    }
    placement_summarise(p, &f);
    CHECK_INT_EQ(f.threads, 1);
    CHECK_INT_EQ(f.cpus_busy, 2);
    CHECK(f.busiest_cpu_share > 0.66 && f.busiest_cpu_share < 0.67);
    CHECK_INT_EQ(f.threads_multi_cpu, 1);
    CHECK_INT_EQ(f.migrations, 3);
    /* This process, busy for a while between two readings. */
    memset(p, 0, sizeof *p);
    placement_read(p, getpid(), 0);
    struct timespec t0, t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    do
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 60000000L);
    placement_read(p, getpid(), 1);
    placement_summarise(p, &f);
    CHECK_INT_EQ(f.readings, 2);
    CHECK_INT_EQ(f.processes, 1);
    CHECK(f.threads >= 1);
    CHECK(f.cpus_busy >= 1);
    free(p);
}

TEST(calib_reads_what_the_python_calibration_prints)
{
    static const char out[] =
        "{\"python\": {\"implementation\": \"CPython\", \"version\": \"3.11.2\", \"gil\": true},\n"
        " \"published\": {\"source\": \"PEP 703\", \"thread_start_us\": 100,"
        " \"process_start_us\": 50000},\n"
        " \"start_us\": {\"thread\": {\"median_us\": 111.1, \"runs\": 547},"
        " \"process_fork\": {\"median_us\": 63118.1, \"runs\": 5},"
        " \"process_spawn\": {\"median_us\": 287865.3, \"runs\": 5}},\n"
        " \"pool_start_us\": {\"ThreadPoolExecutor\": {\"median_us\": 344.5, \"runs\": 189},"
        " \"ProcessPoolExecutor\": {\"median_us\": 344908.1, \"runs\": 5}},\n"
        " \"pool_workers\": 4,\n"
        " \"round_trip_us\": {\"1KiB\": {\"ThreadPoolExecutor\": {\"median_us\": 23.5},"
        " \"ProcessPoolExecutor\": {\"median_us\": 275.2}},"
        " \"1MiB\": {\"ThreadPoolExecutor\": {\"median_us\": 33.8},"
        " \"ProcessPoolExecutor\": {\"median_us\": 17463.8}}},\n"
        " \"seconds\": 5.17}\n"
        "a warning on stderr\n";
    char err[256];
    json_t *py = calib_python_parse(out, err, sizeof err);
    CHECK(py != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(py, "version")), "3.11.2");
    CHECK_INT_EQ(json_integer_value(json_object_get(py, "workers")), 4);
    CHECK(json_real_value(json_object_get(py, "fork_start_us")) == 63118.1);
    CHECK(json_real_value(json_object_get(py, "process_pool_start_us")) == 344908.1);
    CHECK(json_real_value(json_object_get(py, "thread_pool_task_1kib_us")) == 23.5);
    CHECK(json_real_value(json_object_get(py, "process_pool_task_1mib_us")) == 17463.8);
    CHECK_INT_EQ(json_integer_value(json_object_get(py, "published_process_start_us")), 50000);
    json_decref(py);
    CHECK(calib_python_parse("Traceback (most recent call last):", err, sizeof err) == NULL);
    CHECK(strstr(err, "JSON") != NULL);
    CHECK(calib_python_parse("{\"start_us\": {}}", err, sizeof err) == NULL);
    /* The interpreter itself, briefly, where there is one; a missing one is an error. */
    json_t *cal = json_object();
    calib_python(cal, "/nonexistent/python3", "/nonexistent", 0.1, 1);
    CHECK(json_is_null(json_object_get(cal, "python")));
    CHECK(json_is_string(json_object_get(cal, "python_error")));
    char dir[] = "/tmp/test_bench.XXXXXX";
    if (access("/usr/bin/python3", X_OK) == 0 && mkdtemp(dir)) {
        calib_python(cal, "/usr/bin/python3", dir, 0.1, 1);
        json_t *got = json_object_get(cal, "python");
        CHECK(json_is_object(got));
        CHECK(json_number_value(json_object_get(got, "process_pool_task_1kib_us")) >
              json_number_value(json_object_get(got, "thread_pool_task_1kib_us")));
        char script[64];
        snprintf(script, sizeof script, "%s/calibrate.py", dir);
        unlink(script);
        rmdir(dir);
    }
    json_decref(cal);
}

TEST(env_parses_what_the_python_interpreter_says)
{
    struct env_python py;
    CHECK_INT_EQ(env_parse_python("/usr/bin/python3\tCPython 3.11.2\t1\t0.17.0\n", &py), 0);
    CHECK_STR_EQ(py.executable, "/usr/bin/python3");
    CHECK_STR_EQ(py.version, "CPython 3.11.2");
    CHECK_INT_EQ(py.gil, 1);
    CHECK_STR_EQ(py.uvloop, "0.17.0");
    /* A free-threaded build without uvloop, from a path with a space. */
    CHECK_INT_EQ(env_parse_python("/opt/py 3.13t/bin/python3\tCPython 3.13.1\t0\t\n", &py), 0);
    CHECK_STR_EQ(py.executable, "/opt/py 3.13t/bin/python3");
    CHECK_INT_EQ(py.gil, 0);
    CHECK_STR_EQ(py.uvloop, "");
    CHECK_INT_EQ(env_parse_python("Traceback (most recent call last):\n", &py), -EINVAL);
    CHECK_INT_EQ(env_parse_python("/usr/bin/python3\tCPython 3.11.2\tyes\t\n", &py), -EINVAL);
    CHECK_INT_EQ(env_parse_python("", &py), -EINVAL);
    /* The interpreter itself, where there is one. */
    if (access("/usr/bin/python3", X_OK) == 0) {
        CHECK_INT_EQ(env_python("/usr/bin/python3", &py), 0);
        CHECK(strstr(py.version, " 3.") != NULL);
        CHECK(py.executable[0] == '/');
    }
    CHECK(env_python("/nonexistent/python3", &py) < 0);
}

/* The default profile runs the Python server at the levels its claims need; the full profile
 * and --levels run every level. */
TEST(plan_trims_the_python_servers_levels_in_the_default_profile)
{
    struct bench_env e;
    fake_env(&e);
    struct plan p;
    struct plan_opts o = {.servers = SRVS(THREAD) | SRVS(PY_THREADS) | SRVS(PY_ASYNCIO),
                          .scenarios =
                              SCN_BIT(SCALE) | SCN_BIT(IDLE) | SCN_BIT(CPU) | SCN_BIT(BLOCKING),
                          .tools = 1u << TOOL_LOAD};
    CHECK_INT_EQ(plan_build(&p, "default", &o, &e), 0);
    int blocking = 0, cpu_asyncio = 0, cpu_threads = 0, idle = 0, thread = 0;
    for (size_t i = 0; i < p.n; i++) {
        const struct run_spec *r = &p.runs[i];
        if (r->srv == &bench_servers[SRV_THREAD]) {
            thread++;
            continue;
        }
        if (r->scn == &bench_scenarios[SCN_BLOCKING]) {
            blocking++;
            CHECK(r->level == 64 || r->level == 1024);
        }
        if (r->scn == &bench_scenarios[SCN_SCALE])
            CHECK_INT_EQ(r->level, 100);
        idle += r->scn == &bench_scenarios[SCN_IDLE];
        if (r->scn == &bench_scenarios[SCN_CPU]) {
            cpu_asyncio += r->srv == &bench_servers[SRV_PY_ASYNCIO];
            cpu_threads += r->srv == &bench_servers[SRV_PY_THREADS];
        }
    }
    CHECK_INT_EQ(blocking, 4);
    CHECK_INT_EQ(idle, 0);
    CHECK_INT_EQ(cpu_asyncio, 1);
    CHECK_INT_EQ(cpu_threads, 4);
    CHECK_INT_EQ(thread, 5 + 4 + 4 + 3); /* the thread server: all but blocking's 4 and 256 */
    size_t trimmed = p.n;
    plan_free(&p);
    int levels[] = {64, 1024, LEVEL_END};
    o.levels = levels;
    o.scenarios = SCN_BIT(BLOCKING) | SCN_BIT(SCALE);
    CHECK_INT_EQ(plan_build(&p, "default", &o, &e), 0);
    CHECK_INT_EQ((long long)p.n, 2 * 2 * 3);
    plan_free(&p);
    o.levels = NULL;
    o.scenarios = SCN_BIT(SCALE) | SCN_BIT(IDLE) | SCN_BIT(CPU) | SCN_BIT(BLOCKING);
    CHECK_INT_EQ(plan_build(&p, "full", &o, &e), 0);
    CHECK(p.n > trimmed);
    plan_free(&p);
}

TEST(plan_repeats_with_levels_outermost)
{
    struct bench_env e;
    fake_env(&e);
    struct plan p;
    struct plan_opts o = {.servers = SRVS(THREAD) | SRVS(LOOP),
                          .scenarios = SCN_BIT(SCALE),
                          .tools = 1u << TOOL_LOAD,
                          .repeat = 3};
    CHECK_INT_EQ(plan_build(&p, "quick", &o, &e), 0);
    /* quick: 2 levels x 3 repetitions x 2 models. */
    CHECK_INT_EQ((long long)p.n, 12);
    for (size_t i = 0; i < p.n; i++) {
        CHECK_INT_EQ(p.runs[i].level, i < 6 ? 10 : 1000);
        CHECK_INT_EQ(p.runs[i].repetition, (int)(i % 6) / 2 + 1);
        CHECK(strstr(p.runs[i].id, "-r") != NULL);
        for (size_t j = i + 1; j < p.n; j++)
            CHECK(strcmp(p.runs[i].id, p.runs[j].id) != 0);
    }
    /* The order of the models rotates, so neither always runs first. */
    CHECK(p.runs[0].srv != p.runs[2].srv);
    plan_free(&p);
}

TEST(plan_takes_the_levels_asked_for)
{
    int levels[PLAN_LEVELS_MAX];
    CHECK_INT_EQ(plan_parse_levels("100,1000,10000", levels, PLAN_LEVELS_MAX), 0);
    CHECK_INT_EQ(levels[0], 100);
    CHECK_INT_EQ(levels[2], 10000);
    CHECK_INT_EQ(levels[3], -1);
    CHECK_INT_EQ(plan_parse_levels("100,", levels, PLAN_LEVELS_MAX), -EINVAL);
    CHECK_INT_EQ(plan_parse_levels("ten", levels, PLAN_LEVELS_MAX), -EINVAL);
    CHECK_INT_EQ(plan_parse_levels("-5", levels, PLAN_LEVELS_MAX), -EINVAL);
    CHECK_INT_EQ(plan_parse_levels("1,2,3,4,5,6,7,8,9,10,11,12", levels, PLAN_LEVELS_MAX), -EINVAL);
    struct bench_env e;
    fake_env(&e);
    CHECK_INT_EQ(plan_parse_levels("100,1000", levels, PLAN_LEVELS_MAX), 0);
    struct plan p;
    struct plan_opts o = {.servers = SRVS(LOOP),
                          .scenarios = SCN_BIT(SCALE),
                          .tools = 1u << TOOL_LOAD,
                          .levels = levels};
    CHECK_INT_EQ(plan_build(&p, "default", &o, &e), 0);
    CHECK_INT_EQ((long long)p.n, 2);
    CHECK_INT_EQ(p.runs[0].level, 100);
    CHECK_INT_EQ(p.runs[1].level, 1000);
    plan_free(&p);
}

/* A server that lacks a model, or may not use io_uring here, exits 2 after one line: the run
 * is skipped with that line, and the model's later runs are skipped without starting it. */
TEST(run_skips_a_model_the_server_refuses)
{
    char dir[] = "/tmp/c10k-test-refuse.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char server[64], cmd[128];
    snprintf(server, sizeof server, "%s/server", dir);
    FILE *f = fopen(server, "w");
    CHECK(f != NULL);
    fprintf(f, "#!/bin/sh\n"
               "echo 'c10k-server: --mode uring: io_uring is disabled by "
               "kernel.io_uring_disabled=2' >&2\n"
               "exit 2\n");
    fclose(f);
    CHECK_INT_EQ(chmod(server, 0755), 0);

    struct bench_env e;
    CHECK_INT_EQ(env_read(&e), 0);
    struct bench_ctx ctx = {.env = &e,
                            .server_path = server,
                            .load_path = "/bin/false",
                            .out_dir = dir,
                            .log_dir = dir,
                            .tmp_dir = dir};
    struct plan p;
    int ten[] = {10, -1};
    struct plan_opts o = {.servers = SRVS(URING),
                          .scenarios = SCN_BIT(SCALE),
                          .tools = 1u << TOOL_LOAD,
                          .levels = ten,
                          .repeat = 2};
    CHECK_INT_EQ(plan_build(&p, "quick", &o, &e), 0);
    CHECK_INT_EQ((long long)p.n, 2);
    for (size_t i = 0; i < p.n; i++) {
        struct run_record run;
        record_run_init(&run);
        run_execute(&ctx, &p.runs[i], &run);
        CHECK_STR_EQ(run.status, "skipped");
        CHECK_STR_EQ(run.reason, "c10k-server: --mode uring: io_uring is disabled by "
                                 "kernel.io_uring_disabled=2");
        CHECK_STR_EQ(run.model, "uring");
        record_run_free(&run);
    }
    /* Another exit is a failure, not a skip. */
    f = fopen(server, "w");
    CHECK(f != NULL);
    fprintf(f, "#!/bin/sh\necho 'one' >&2\necho 'two' >&2\nexit 2\n");
    fclose(f);
    memset(ctx.refused, 0, sizeof ctx.refused);
    struct run_record run;
    record_run_init(&run);
    run_execute(&ctx, &p.runs[0], &run);
    CHECK_STR_EQ(run.status, "failed");
    record_run_free(&run);
    plan_free(&p);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT_EQ(system(cmd), 0);
}

TEST(plan_runs_uring_as_the_loop_runs)
{
    struct bench_env e;
    fake_env(&e);
    struct plan p;
    int eight[] = {8, -1};
    struct plan_opts o = {.servers = SRVS(LOOP) | SRVS(URING),
                          .scenarios = SCN_BIT(CPU),
                          .tools = 1u << TOOL_LOAD,
                          .levels = eight};
    CHECK_INT_EQ(plan_build(&p, "quick", &o, &e), 0);
    CHECK_INT_EQ((long long)p.n, 6);
    CHECK_STR_EQ(p.runs[3].model, "uring");
    CHECK_STR_EQ(p.runs[4].model, "uring --rings 2");
    CHECK_STR_EQ(p.runs[5].model, "uring --offload");
    plan_free(&p);
}

TEST(plan_parses_lists)
{
    unsigned bits;
    char bad[32];
    CHECK_INT_EQ(server_parse_list("thread,loop", &bits, bad, sizeof bad), 0);
    CHECK_INT_EQ(bits, SRVS(THREAD) | SRVS(LOOP));
    CHECK_INT_EQ(server_parse_list("uring", &bits, bad, sizeof bad), 0);
    CHECK_INT_EQ(bits, SRVS(URING));
    CHECK_INT_EQ(server_parse_list("thread,fork", &bits, bad, sizeof bad), -EINVAL);
    CHECK_STR_EQ(bad, "fork");
    CHECK_INT_EQ(scenario_parse_list("ctxswitch", &bits, bad, sizeof bad), 0);
    CHECK_INT_EQ(bits, SCN_BIT(CTXSWITCH));
    CHECK_INT_EQ(scenario_parse_list("", &bits, bad, sizeof bad), -EINVAL);
    int v = -1;
    CHECK(server_of_label("loop --loops 2", &v) == &bench_servers[SRV_LOOP]);
    CHECK_INT_EQ(bench_servers[SRV_LOOP].variants[v].role, VARIANT_PER_CORE);
    CHECK(server_of_label("pool --threads 16", &v) == &bench_servers[SRV_POOL]);
    CHECK_INT_EQ(v, 1);
    CHECK(server_of_label("loop --loops", &v) == NULL);
    CHECK(server_of_label("fork", &v) == NULL);
    char label[48];
    server_label(&bench_servers[SRV_URING], 1, 4, label, sizeof label);
    CHECK_STR_EQ(label, "uring --rings 4");
}

/* The container scenarios are rows, so that a Docker run's record finds its row, but
 * docker/run.sh runs them: --scenarios refuses them and --help leaves them out. */
TEST(plan_leaves_the_container_scenarios_to_docker)
{
    unsigned bits;
    char bad[32];
    CHECK(scenario_find("constrained") == &bench_scenarios[SCN_CONSTRAINED]);
    CHECK(bench_scenarios[SCN_MEMORY].container);
    CHECK_INT_EQ(scenario_parse_list("scale,constrained", &bits, bad, sizeof bad), -EINVAL);
    CHECK_STR_EQ(bad, "constrained");
    CHECK(strstr(scenario_names(), "constrained") == NULL);
    CHECK(strstr(scenario_names(), "memory") == NULL);
    CHECK(strncmp(scenario_names(), "scale,", 6) == 0);
    /* They come last, so that the other rows' indices are --scenarios's choices. */
    for (int i = 1; i < SCN_COUNT; i++)
        CHECK(bench_scenarios[i].container || !bench_scenarios[i - 1].container);
}

TEST(results_csv_quotes_what_needs_it)
{
    struct session_record s;
    record_session_init(&s);
    struct run_record *r = record_session_add_run(&s);
    record_set_str(&r->id, "a");
    record_set_str(&r->status, "errors");
    r->level = 10;
    r->client.present = 1;
    r->client.requests_per_s = 1.5;
    record_set_str(&r->reason, "client errors: 3, \"timeout\"");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    results_csv(&s, f);
    fclose(f);
    CHECK(strncmp(buf, "id,scenario,", 12) == 0);
    CHECK(strstr(buf, "\na,,,,10,") != NULL);
    CHECK(strstr(buf, ",1.5,") != NULL);
    CHECK(strstr(buf, "\"client errors: 3, \"\"timeout\"\"\"") != NULL);
    free(buf);
    record_session_free(&s);
}

/* One CSV field, as results.csv and compare.csv write it (RFC 4180). */
TEST(schema_csv_text_quotes_commas_quotes_and_line_breaks)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *fields[] = {"plain", NULL, "a,b", "say \"hi\"", "two\nlines", "cr\rhere"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        schema_csv_text(f, fields[i]);
        fputc('|', f);
    }
    fclose(f);
    CHECK_STR_EQ(buf, "plain||\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"cr\rhere\"|");
    free(buf);
}

/* The one whole-file reader: a file of 200,000 bytes (several times its first buffer) comes
 * back whole with its length; over the limit, missing, or a directory, NULL with errno. */
TEST(results_read_text_reads_whole_files_up_to_a_limit)
{
    char dir[] = "/tmp/c10k-test-read.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/text", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    for (int i = 0; i < 200000; i++)
        fputc('a' + i % 26, f);
    fclose(f);
    size_t len = 0;
    char *text = results_read_text(path, RESULTS_TEXT_MAX, &len);
    CHECK(text != NULL);
    CHECK_INT_EQ((long long)len, 200000);
    CHECK_INT_EQ((long long)strlen(text), 200000);
    CHECK(text[199999] == 'a' + 199999 % 26);
    free(text);
    errno = 0;
    CHECK(results_read_text(path, 199999, NULL) == NULL);
    CHECK_INT_EQ(errno, EFBIG);
    text = results_read_text(path, 200000, NULL);
    CHECK(text != NULL);
    free(text);
    CHECK(results_read_text(dir, RESULTS_TEXT_MAX, NULL) == NULL);
    CHECK_INT_EQ(unlink(path), 0);
    CHECK(results_read_text(path, RESULTS_TEXT_MAX, NULL) == NULL);
    CHECK_INT_EQ(errno, ENOENT);
    CHECK_INT_EQ(rmdir(dir), 0);
}

TEST(schema_renders_and_reads_back_a_record)
{
    struct run_record r;
    record_run_init(&r);
    record_set_str(&r.id, "scale-loop-10");
    r.level = 10;
    r.server.present = 1;
    r.server.requests = 1000;
    r.server.cgroup.present = 0;
    r.per_connection.present = 1;
    r.per_connection.rss_bytes = 512.5;
    r.load_bound = 1;
    json_t *o = schema_render(&schema_run, &r);
    CHECK(json_integer_value(schema_json_at(o, "server.requests")) == 1000);
    CHECK(json_is_null(schema_json_at(o, "server.cgroup")));
    CHECK(json_is_null(schema_json_at(o, "client")));
    CHECK(json_real_value(schema_json_at(o, "per_connection.rss_bytes")) == 512.5);
    CHECK(json_is_true(json_object_get(o, "load_bound")));
    json_t *problems = json_array();
    CHECK_INT_EQ(schema_check(&schema_run, o, problems), 0);
    struct run_record back;
    record_run_init(&back);
    schema_parse(&schema_run, &back, o, NULL);
    CHECK_STR_EQ(back.id, "scale-loop-10");
    CHECK(back.server.requests == 1000);
    CHECK(back.per_connection.rss_bytes == 512.5);
    CHECK(isnan(back.server.cpu_us_per_request));
    CHECK_INT_EQ(back.server.cgroup.present, 0);
    CHECK_INT_EQ(back.load_bound, 1);
    /* A field of the wrong type is found. */
    json_object_set_new(json_object_get(o, "server"), "requests", json_string("many"));
    CHECK_INT_EQ(schema_check(&schema_run, o, problems), 1);
    CHECK(strstr(json_string_value(json_array_get(problems, 0)), "server.requests") != NULL);
    json_decref(problems);
    json_decref(o);
    record_run_free(&r);
    record_run_free(&back);
}

/* A wrapper's counts parsed into a run keep what was set before them (its name, its command
 * line), and a null sets a field absent. */
TEST(schema_parse_keeps_the_fields_the_object_does_not_have)
{
    struct run_record r;
    record_run_init(&r);
    r.wrapper.present = 1;
    record_set_str(&r.wrapper.tool, "perf");
    r.wrapper.requests = 7;
    json_t *got = json_pack("{s:i, s:n}", "syscalls", 100, "requests");
    schema_parse(&schema_run, &r, got, "wrapper");
    CHECK_STR_EQ(r.wrapper.tool, "perf");
    CHECK(r.wrapper.syscalls == 100);
    CHECK(isnan(r.wrapper.requests));
    CHECK_INT_EQ(r.wrapper.present, 1);
    json_decref(got);
    record_run_free(&r);
}

TEST(calib_ring_goes_round_as_threads_and_on_a_loop)
{
    struct bench_env e;
    CHECK_INT_EQ(env_read(&e), 0);
    json_t *cal = json_object();
    calib_ring(cal, &e, 16, 50, 5.0);
    CHECK_INT_EQ(num_at(cal, "ring.tasks"), 16);
    static const char *const variants[] = {"threads", "threads_pinned", "loop"};
    for (size_t i = 0; i < 3; i++) {
        char key[64];
        json_t *v = json_object_get(json_object_get(cal, "ring"), variants[i]);
        CHECK(json_is_object(v));
        snprintf(key, sizeof key, "ring.%s.laps", variants[i]);
        CHECK_INT_EQ(num_at(cal, key), 50);
        snprintf(key, sizeof key, "ring.%s.ms_per_lap", variants[i]);
        CHECK(num_at(cal, key) > 0);
        CHECK(json_string_value(json_object_get(v, "cpus")) != NULL);
    }
    /* Pinned to one CPU: a single number. */
    CHECK(strpbrk(json_string_value(schema_json_at(cal, "ring.loop.cpus")), ",-") == NULL);
    CHECK_STR_EQ(json_string_value(schema_json_at(cal, "ring.published.source")),
                 "jimblandy/context-switch");
    json_decref(cal);
}

static uint64_t own_vsize(void)
{
    struct sample s;
    return sample_take(getpid(), 0, 0, &s) == 0 ? s.vsize_bytes : 0;
}

TEST(calib_small_stacks_fit_more_threads_under_the_address_limit)
{
    struct bench_env e;
    CHECK_INT_EQ(env_read(&e), 0);
    json_t *cal = json_object();
    calib_address_space(cal, &e, 2000);
    json_t *as = json_object_get(cal, "address_space");
    if (json_is_null(as)) {
        /* Only where the process already maps more than the limit (sanitizers' shadow). */
        CHECK(json_is_string(json_object_get(cal, "address_space_error")));
        CHECK(own_vsize() >= 4ULL << 30);
        json_decref(cal);
        return;
    }
    CHECK_INT_EQ(num_at(as, "limit_bytes"), 4LL << 30);
    CHECK_INT_EQ(num_at(as, "cap"), 2000);
    /* 64 KiB stacks reach the cap; 8 MiB ones run out of address space (about 500). */
    CHECK_INT_EQ(num_at(as, "threads_small_stack"), 2000);
    CHECK(json_is_null(json_object_get(as, "small_stack_error")));
    CHECK(num_at(as, "threads_default_stack") > 0);
    CHECK(num_at(as, "threads_default_stack") < 2000);
    const char *err = json_string_value(json_object_get(as, "default_stack_error"));
    CHECK(err != NULL && (strcmp(err, "EAGAIN") == 0 || strcmp(err, "ENOMEM") == 0));
    json_decref(cal);
}

TEST(plan_perf_profile_runs_every_perf_scenario_three_times)
{
    struct bench_env e;
    fake_env(&e);
    struct plan p;
    unsigned tools = (1u << TOOL_WRK) | (1u << TOOL_LOAD);
    struct plan_opts o = {.servers = SRVS(LOOP) | SRVS(THREAD), .baselines = 1, .tools = tools};
    CHECK_INT_EQ(plan_build(&p, "perf", &o, &e), 0);
    CHECK_INT_EQ(p.scenarios, SCN_BIT(SCALE) | SCN_BIT(IDLE) | SCN_PERF);
    CHECK_INT_EQ(p.repeat, 3);
    CHECK(!p.calibrate);
    int pipelined = 0, wrapped = 0, small = 0, large = 0, scale_levels[3] = {0, 0, 0};
    for (size_t i = 0; i < p.n; i++) {
        const struct run_spec *r = &p.runs[i];
        for (size_t j = i + 1; j < p.n; j++)
            CHECK(strcmp(r->id, p.runs[j].id) != 0);
        if (r->scn == &bench_scenarios[SCN_SCALE]) {
            CHECK(r->tool == TOOL_LOAD && r->wrap == WRAP_NONE);
            scale_levels[0] += r->level == 100;
            scale_levels[1] += r->level == 1000;
            scale_levels[2] += r->level == 10000;
        }
        if (r->scn == &bench_scenarios[SCN_PIPELINE])
            pipelined += r->pipeline == 16 && r->tool == TOOL_LOAD && r->level == 100;
        if (r->scn == &bench_scenarios[SCN_SYSCALLS])
            wrapped += r->wrap == WRAP_SYSCALLS && r->level == 1000;
        if (r->scn == &bench_scenarios[SCN_INSTRUCTIONS]) {
            CHECK(r->wrap == WRAP_CALLGRIND && r->warmup_s == 0);
            small += r->requests == 2000;
            large += r->requests == 22000;
        }
    }
    /* three models (nginx too), three rounds */
    CHECK_INT_EQ(scale_levels[0], 9);
    CHECK_INT_EQ(scale_levels[1], 9);
    CHECK_INT_EQ(scale_levels[2], 9);
    CHECK_INT_EQ(pipelined, 9);
    CHECK_INT_EQ(wrapped, 9);
    CHECK_INT_EQ(small, 9);
    CHECK_INT_EQ(large, 9);
    /* the rounds rotate the models: the first run of each round differs */
    CHECK(strcmp(p.runs[0].model, p.runs[3].model) != 0);
    plan_free(&p);

    o.repeat = 1;
    o.duration_s = 2;
    o.wrap = WRAP_STRACE;
    o.scenarios = SCN_BIT(SCALE);
    CHECK_INT_EQ(plan_build(&p, "perf", &o, &e), 0);
    CHECK_INT_EQ(p.n, 9);
    for (size_t i = 0; i < p.n; i++)
        CHECK(p.runs[i].duration_s == 2 && p.runs[i].wrap == WRAP_STRACE);
    plan_free(&p);
}

TEST(plan_loadgen_runs_both_generators_against_one_server)
{
    struct bench_env e;
    fake_env(&e);
    struct plan p;
    unsigned tools = (1u << TOOL_WRK) | (1u << TOOL_LOAD);
    struct plan_opts o = {.servers = SRVS(THREAD) | SRVS(LOOP),
                          .baselines = 0,
                          .tools = tools,
                          .repeat = 1,
                          .hold_busy = 40};
    CHECK_INT_EQ(plan_build(&p, "loadgen", &o, &e), 0);
    int wrk = 0, load = 0, hold = 0;
    for (size_t i = 0; i < p.n; i++) {
        const struct run_spec *r = &p.runs[i];
        CHECK(r->srv == &bench_servers[SRV_LOOP]);
        if (r->scn == &bench_scenarios[SCN_GENERATORS]) {
            wrk += r->tool == TOOL_WRK;
            load += r->tool == TOOL_LOAD;
            CHECK(r->tool_required);
        } else {
            CHECK(r->scn == &bench_scenarios[SCN_HOLD]);
            CHECK_INT_EQ(r->concurrency, 40);
            CHECK_INT_EQ(r->idle, 15000 - 40);
            CHECK(r->ramp == 5000 && r->sources > 1);
            hold++;
        }
    }
    CHECK_INT_EQ(wrk, 2);
    CHECK_INT_EQ(load, 2);
    CHECK_INT_EQ(hold, 1);
    plan_free(&p);
    /* With the baselines: the one whose row runs the scenarios (nginx), not the first. */
    o.baselines = 1;
    CHECK_INT_EQ(plan_build(&p, "loadgen", &o, &e), 0);
    CHECK(p.n > 0);
    for (size_t i = 0; i < p.n; i++)
        CHECK(p.runs[i].srv == &bench_servers[SRV_NGINX]);
    plan_free(&p);
}

TEST_MAIN(TEST_ENTRY(sample_parses_meminfo), TEST_ENTRY(sample_parses_sockstat),
          TEST_ENTRY(sample_parses_the_cpu_line_of_stat), TEST_ENTRY(sample_parses_schedstat),
          TEST_ENTRY(sample_reads_every_thread_of_this_process),
          TEST_ENTRY(cgmem_parses_a_v2_memory_stat), TEST_ENTRY(sample_reads_this_process),
          TEST_ENTRY(judge_names_what_limited_a_run), TEST_ENTRY(run_parses_stub_status),
          TEST_ENTRY(run_parses_apache_server_status),
          TEST_ENTRY(run_takes_the_status_reads_out_of_the_request_count),
          TEST_ENTRY(loadgen_parses_wrk), TEST_ENTRY(loadgen_parses_c10k_load),
          TEST_ENTRY(loadgen_builds_command_lines), TEST_ENTRY(report_escapes_script_ends),
          TEST_ENTRY(env_names_the_limit_a_run_hits),
          TEST_ENTRY(plan_quick_is_small_and_ids_are_unique),
          TEST_ENTRY(plan_runs_a_server_s_further_scenarios_when_asked),
          TEST_ENTRY(plan_repeats_with_levels_outermost),
          TEST_ENTRY(plan_takes_the_levels_asked_for),
          TEST_ENTRY(plan_trims_the_python_servers_levels_in_the_default_profile),
          TEST_ENTRY(plan_default_profile_keeps_its_time),
          TEST_ENTRY(env_parses_what_the_python_interpreter_says),
          TEST_ENTRY(calib_reads_what_the_python_calibration_prints),
          TEST_ENTRY(placement_parses_a_threads_stat_and_sched),
          TEST_ENTRY(placement_tells_one_cpu_from_several),
          TEST_ENTRY(run_skips_a_model_the_server_refuses),
          TEST_ENTRY(plan_runs_uring_as_the_loop_runs), TEST_ENTRY(plan_parses_lists),
          TEST_ENTRY(plan_leaves_the_container_scenarios_to_docker),
          TEST_ENTRY(results_csv_quotes_what_needs_it),
          TEST_ENTRY(schema_csv_text_quotes_commas_quotes_and_line_breaks),
          TEST_ENTRY(report_page_puts_a_template_s_parts_in_the_frame),
          TEST_ENTRY(results_read_text_reads_whole_files_up_to_a_limit),
          TEST_ENTRY(schema_renders_and_reads_back_a_record),
          TEST_ENTRY(schema_parse_keeps_the_fields_the_object_does_not_have),
          TEST_ENTRY(calib_ring_goes_round_as_threads_and_on_a_loop),
          TEST_ENTRY(calib_small_stacks_fit_more_threads_under_the_address_limit),
          TEST_ENTRY(plan_perf_profile_runs_every_perf_scenario_three_times),
          TEST_ENTRY(plan_loadgen_runs_both_generators_against_one_server))
