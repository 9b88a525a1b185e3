/* c10k-load merge on JSON files written by the client's own report code from known samples: the
 * round trip through JSON rebuilds each histogram exactly, the merge equals one histogram of all
 * the samples bucket for bucket, its percentiles are those of the concatenated samples within the
 * histogram's precision, and files that cannot be merged are refused with exit status 2 and one
 * line naming the file. */
#include "hist.h"
#include "load_config.h"
#include "merge.h"
#include "report.h"
#include "request.h"
#include "series.h"
#include "testlib.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define END ((char *)NULL) /* ends the argument list of run_merge() */
#define N_GENERATORS 4
#define N_SAMPLES 60000

static char dir[] = "/tmp/c10k-test-merge-XXXXXX";

static uint64_t rng_state;

static double rng_uniform(void) /* (0, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}

/* Generator g's latencies, in microseconds: each its own distribution, as generators on
 * differently loaded machines would see. */
static int64_t sample(int g)
{
    switch (g % 4) {
    case 0:
        return (int64_t)(-log(rng_uniform()) * 800.0);
    case 1:
        return (int64_t)(-log(rng_uniform()) * 25000.0);
    case 2:
        return (int64_t)(300.0 / pow(rng_uniform(), 0.8)); /* heavy tail */
    default:
        return 5000 + (int64_t)(rng_uniform() * 2000.0);
    }
}

/* What one generator's run produced, to be written by report_json. */
struct fake_run {
    const char *id;
    int digits;
    double measure_start, measure_s;
    const int64_t *samples;
    size_t n;
};

/* Writes the JSON a run with these samples would have written, through the client's own
 * load_config, request_mix and report code. Returns 0 or -1. */
static int write_run(const char *path, const struct fake_run *f)
{
    char *argv[] = {"c10k-load",   "-c",
                    "4",           "-t",
                    "2",           "--generator-id",
                    (char *)f->id, "http://127.0.0.1:8080/",
                    NULL};
    struct load_config cfg;
    struct request_mix mix = {0};
    struct series series;
    struct load_result r;
    int rc = -1;
    memset(&series, 0, sizeof series);
    memset(&r, 0, sizeof r);
    FILE *devnull = fopen("/dev/null", "w");
    if (load_config_parse(&cfg, 8, argv, devnull, devnull) != LOAD_CONFIG_RUN ||
        request_mix_build(&mix, &cfg) < 0)
        goto out;
    struct hist *hists[] = {&r.latency, &r.latency_unc, &r.connect, &r.idle_latency, &r.send_lag};
    for (size_t i = 0; i < sizeof hists / sizeof hists[0]; i++)
        if (hist_init(hists[i], HIST_LATENCY_HIGHEST_US, f->digits) < 0)
            goto out;
    r.cfg = &cfg;
    r.mix = &mix;
    r.series = &series;
    snprintf(r.address, sizeof r.address, "127.0.0.1:8080");
    for (size_t i = 0; i < f->n; i++) {
        hist_record(&r.latency, f->samples[i]);
        r.c.status[200]++;
    }
    r.c.requests = f->n;
    r.c.err_read = 1;
    r.c.status[503] = 2;
    r.c.err_status = 2;
    hist_record(&r.connect, 120);
    r.measured_s = f->measure_s;
    r.run_s = f->measure_s;
    r.start_unix = f->measure_start;
    r.measure_start_unix = f->measure_start;
    r.measure_end_unix = f->measure_start + f->measure_s;
    r.thread_cpu_s = calloc(2, sizeof *r.thread_cpu_s);
    if (r.thread_cpu_s == NULL)
        goto out;
    r.thread_cpu_s[0] = 0.5 * f->measure_s;
    r.thread_cpu_s[1] = 0.25 * f->measure_s;
    r.n_thread_cpu = 2;
    report_note_saturation(&r);
    /* One point per second, with the requests spread evenly. */
    struct series_point points[64];
    size_t n_points = (size_t)ceil(f->measure_s);
    if (n_points > 64)
        goto out;
    for (size_t t = 0; t < n_points; t++) {
        points[t] = (struct series_point){.t = (int64_t)t, .span_s = 1, .max_us = 100};
        points[t].counts.requests = f->n / n_points + (t < f->n % n_points);
    }
    series.points = points;
    series.n_points = n_points;
    FILE *out = fopen(path, "w");
    if (out == NULL)
        goto out;
    rc = report_json(out, &r);
    if (fclose(out) != 0)
        rc = -1;
    series.points = NULL;
out:
    report_result_free(&r);
    request_mix_free(&mix);
    load_config_free(&cfg);
    if (devnull)
        fclose(devnull);
    return rc;
}

static void path_of(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

/* Runs the merge subcommand on the NULL-terminated arguments; its stdout and stderr go to the
 * buffers. Returns its exit status. */
static int run_merge(char *out_text, size_t out_len, char *err_text, size_t err_len, ...)
{
    char *argv[32] = {"merge"};
    int argc = 1;
    va_list ap;
    va_start(ap, err_len);
    for (char *a = va_arg(ap, char *); a && argc < 31; a = va_arg(ap, char *))
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    /* Empty strings when nothing is written: not every fmemopen (TSan's among them) clears the
     * buffer on opening. */
    memset(out_text, 0, out_len);
    memset(err_text, 0, err_len);
    FILE *out = fmemopen(out_text, out_len - 1, "w");
    FILE *err = fmemopen(err_text, err_len - 1, "w");
    int status = merge_main(argc, argv, out, err);
    fclose(out);
    fclose(err);
    return status;
}

static int same_hist(const struct hist *a, const struct hist *b)
{
    if (a->highest != b->highest || a->digits != b->digits || a->total != b->total ||
        a->sum != b->sum || a->clamped != b->clamped || (a->total && (a->min != b->min)) ||
        a->max != b->max) {
        fprintf(stderr, "  totals differ: %llu/%llu values, min %lld/%lld, max %lld/%lld\n",
                (unsigned long long)a->total, (unsigned long long)b->total, (long long)a->min,
                (long long)b->min, (long long)a->max, (long long)b->max);
        return 0;
    }
    for (int32_t i = 0; i < a->counts_len; i++) {
        if (a->counts[i] != b->counts[i]) {
            fprintf(stderr, "  bucket %d: %llu != %llu\n", i, (unsigned long long)a->counts[i],
                    (unsigned long long)b->counts[i]);
            return 0;
        }
    }
    return 1;
}

static int one_line_with(const char *text, const char *a, const char *b)
{
    size_t len = strlen(text);
    int ok = len > 0 && strchr(text, '\n') == text + len - 1 && strstr(text, a) && strstr(text, b);
    if (!ok)
        fprintf(stderr, "  expected one line with '%s' and '%s', got: %s\n", a, b, text);
    return ok;
}

TEST(merge_round_trip_equals_the_histogram_of_all_samples)
{
    static int64_t a[N_SAMPLES], b[N_SAMPLES];
    struct hist ha, hb, all;
    CHECK_INT_EQ(hist_init(&ha, HIST_LATENCY_HIGHEST_US, HIST_LATENCY_DIGITS), 0);
    CHECK_INT_EQ(hist_init(&hb, HIST_LATENCY_HIGHEST_US, HIST_LATENCY_DIGITS), 0);
    CHECK_INT_EQ(hist_init(&all, HIST_LATENCY_HIGHEST_US, HIST_LATENCY_DIGITS), 0);
    rng_state = 11;
    for (int i = 0; i < N_SAMPLES; i++) {
        a[i] = sample(0);
        b[i] = sample(2);
        if (i == 7)
            b[i] = HIST_LATENCY_HIGHEST_US + 5; /* clamped, and counted as such */
        hist_record(&ha, a[i]);
        hist_record(&hb, b[i]);
        hist_record(&all, a[i]);
        hist_record(&all, b[i]);
    }
    char pa[128], pb[128], pm[128], out[4096], err[1024];
    path_of(pa, sizeof pa, "a.json");
    path_of(pb, sizeof pb, "b.json");
    path_of(pm, sizeof pm, "merged.json");
    struct fake_run fa = {"a", HIST_LATENCY_DIGITS, 1764640000.25, 10, a, N_SAMPLES};
    struct fake_run fb = {"b", HIST_LATENCY_DIGITS, 1764640000.26, 10, b, N_SAMPLES};
    CHECK_INT_EQ(write_run(pa, &fa), 0);
    CHECK_INT_EQ(write_run(pb, &fb), 0);

    /* Each file rebuilds its own histogram exactly. */
    struct merge_input ia, ib, im;
    char msg[512];
    CHECK_INT_EQ(merge_read(pa, &ia, msg, sizeof msg), 0);
    CHECK_INT_EQ(merge_read(pb, &ib, msg, sizeof msg), 0);
    CHECK(same_hist(&ia.latency, &ha));
    CHECK(same_hist(&ib.latency, &hb));
    CHECK_INT_EQ(ib.latency.clamped, 1);
    CHECK_STR_EQ(ia.id, "a");

    /* The merge, written and read back, is the histogram of every sample. */
    CHECK_INT_EQ(run_merge(out, sizeof out, err, sizeof err, "--json", pm, pa, pb, END), 0);
    CHECK_STR_EQ(err, "");
    CHECK_INT_EQ(merge_read(pm, &im, msg, sizeof msg), 0);
    CHECK(same_hist(&im.latency, &all));
    CHECK_INT_EQ(im.c.requests, 2 * N_SAMPLES);
    CHECK_INT_EQ(im.c.status[200], 2 * N_SAMPLES);
    CHECK_INT_EQ(im.c.status[503], 4);
    CHECK_INT_EQ(im.c.err_read, 2);
    CHECK_INT_EQ(im.connect.total, 2);
    CHECK_INT_EQ(im.n_thread_cpu, 4);
    /* The series adds up second by second on the wall clock (b started 10ms after a). */
    CHECK_INT_EQ(im.n_points, 10);
    uint64_t series_total = 0;
    for (size_t t = 0; t < im.n_points; t++)
        series_total += im.points[t].counts.requests;
    CHECK_INT_EQ(series_total, 2 * N_SAMPLES);
    CHECK_INT_EQ(im.points[0].counts.requests, 2 * (N_SAMPLES / 10));
    CHECK(strstr(out, "2 generators") != NULL);
    CHECK(strstr(out, "\n  a ") != NULL && strstr(out, "\n  b ") != NULL);
    CHECK(strstr(out, "\n  all ") != NULL);

    /* The merged file has a single run's shape, plus its generators. */
    json_error_t je;
    json_t *doc = json_load_file(pm, 0, &je);
    CHECK(doc != NULL);
    CHECK_INT_EQ(json_integer_value(json_object_get(doc, "merged_from")), 2);
    json_t *gens = json_object_get(doc, "generators");
    CHECK_INT_EQ(json_array_size(gens), 2);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(gens, 1), "id")), "b");
    CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(gens, 0), "requests")),
                 N_SAMPLES);
    json_t *summary = json_object_get(doc, "summary");
    CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(summary, "latency_us"), "p99")),
                 hist_percentile(&all, 99));
    CHECK(json_is_null(
        json_object_get(json_array_get(json_object_get(doc, "timeseries"), 0), "p99_us")));
    json_decref(doc);

    merge_input_free(&ia);
    merge_input_free(&ib);
    merge_input_free(&im);
    hist_free(&ha);
    hist_free(&hb);
    hist_free(&all);
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

TEST(merge_percentiles_match_the_concatenated_samples)
{
    static int64_t samples[N_GENERATORS][N_SAMPLES], everything[N_GENERATORS * N_SAMPLES];
    char paths[N_GENERATORS][128], pm[128], out[4096], err[1024];
    rng_state = 2026;
    for (int g = 0; g < N_GENERATORS; g++) {
        for (int i = 0; i < N_SAMPLES; i++) {
            samples[g][i] = sample(g);
            everything[g * N_SAMPLES + i] = samples[g][i];
        }
        char name[32], id[16];
        snprintf(name, sizeof name, "gen%d.json", g);
        snprintf(id, sizeof id, "gen%d", g);
        path_of(paths[g], sizeof paths[g], name);
        struct fake_run f = {id, HIST_LATENCY_DIGITS, 1764640000 + 0.1 * g,
                             10, samples[g],          N_SAMPLES};
        CHECK_INT_EQ(write_run(paths[g], &f), 0);
    }
    path_of(pm, sizeof pm, "merged4.json");
    CHECK_INT_EQ(run_merge(out, sizeof out, err, sizeof err, "-j", pm, paths[0], paths[1], paths[2],
                           paths[3], END),
                 0);
    json_error_t je;
    json_t *doc = json_load_file(pm, 0, &je);
    CHECK(doc != NULL);
    json_t *lat = json_object_get(json_object_get(doc, "summary"), "latency_us");
    size_t n = N_GENERATORS * N_SAMPLES;
    qsort(everything, n, sizeof *everything, cmp_i64);
    CHECK_INT_EQ(json_integer_value(json_object_get(lat, "count")), n);
    CHECK_INT_EQ(json_integer_value(json_object_get(lat, "min")), everything[0]);
    CHECK_INT_EQ(json_integer_value(json_object_get(lat, "max")), everything[n - 1]);
    static const struct {
        const char *key;
        double p;
    } ps[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99_9", 99.9}};
    double averaged_p99 = 0;
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        int64_t exact = everything[(size_t)ceil(ps[i].p / 100.0 * (double)n) - 1];
        int64_t got = json_integer_value(json_object_get(lat, ps[i].key));
        if (got < exact || (double)(got - exact) > 0.001 * (double)exact)
            fprintf(stderr, "  %s: merged %lld, exact %lld\n", ps[i].key, (long long)got,
                    (long long)exact);
        CHECK(got >= exact);
        CHECK((double)(got - exact) <= 0.001 * (double)exact);
    }
    /* What averaging the generators' own p99s would give is far from the truth here. */
    json_t *gens = json_object_get(doc, "generators");
    for (size_t g = 0; g < json_array_size(gens); g++)
        averaged_p99 +=
            (double)json_integer_value(json_object_get(json_array_get(gens, g), "p99_us")) /
            N_GENERATORS;
    int64_t exact_p99 = everything[(size_t)ceil(0.99 * (double)n) - 1];
    CHECK(fabs(averaged_p99 - (double)exact_p99) > 0.1 * (double)exact_p99);
    json_decref(doc);
}

TEST(merge_refuses_what_cannot_be_merged)
{
    static int64_t s[1000];
    for (int i = 0; i < 1000; i++)
        s[i] = 100 + i;
    char pa[128], pb[128], p2[128], plate[128], pbad[128], pnot[128], pmissing[128];
    char out[4096], err[1024];
    path_of(pa, sizeof pa, "ok-a.json");
    path_of(pb, sizeof pb, "ok-b.json");
    path_of(p2, sizeof p2, "two-digits.json");
    path_of(plate, sizeof plate, "later.json");
    path_of(pbad, sizeof pbad, "broken.json");
    path_of(pnot, sizeof pnot, "other.json");
    path_of(pmissing, sizeof pmissing, "missing.json");
    struct fake_run a = {"a", 3, 1764640000, 10, s, 1000};
    struct fake_run b = {"b", 3, 1764640005, 10, s, 1000};
    struct fake_run two = {"two", 2, 1764640000, 10, s, 1000};
    struct fake_run later = {"later", 3, 1764640010, 10, s, 1000}; /* starts as a ends */
    CHECK_INT_EQ(write_run(pa, &a), 0);
    CHECK_INT_EQ(write_run(pb, &b), 0);
    CHECK_INT_EQ(write_run(p2, &two), 0);
    CHECK_INT_EQ(write_run(plate, &later), 0);
    FILE *f = fopen(pbad, "w");
    CHECK(f != NULL);
    fputs("{\"tool\": \"c10k-load\", \"summary\": ", f);
    fclose(f);
    f = fopen(pnot, "w");
    CHECK(f != NULL);
    fputs("{\"tool\": \"wrk\"}\n", f);
    fclose(f);

    /* Overlapping windows with the same layout merge. */
    CHECK_INT_EQ(run_merge(out, sizeof out, err, sizeof err, pa, pb, END), 0);

    CHECK_INT_EQ(run_merge(out, sizeof out, err, sizeof err, pa, p2, END), 2);
    CHECK(one_line_with(err, p2, "layout"));
    CHECK_INT_EQ(run_merge(out, sizeof out, err, sizeof err, pa, pb, plate, END), 2);
    CHECK(one_line_with(err, plate, "does not overlap"));
    CHECK_INT_EQ(run_merge(out, sizeof out, err, sizeof err, pa, pmissing, END), 2);
    CHECK(one_line_with(err, pmissing, "cannot read"));
    CHECK_INT_EQ(run_merge(out, sizeof out, err, sizeof err, pa, pbad, END), 2);
    CHECK(one_line_with(err, pbad, "not JSON"));
    CHECK_INT_EQ(run_merge(out, sizeof out, err, sizeof err, pnot, pa, END), 2);
    CHECK(one_line_with(err, pnot, "not c10k-load JSON"));
    CHECK_INT_EQ(run_merge(out, sizeof out, err, sizeof err, END), 2);
    CHECK(one_line_with(err, "merge", "no files"));
    CHECK_INT_EQ(run_merge(out, sizeof out, err, sizeof err, "--frob", pa, END), 2);
    CHECK(one_line_with(err, "--frob", "unknown option"));
    CHECK_INT_EQ(run_merge(out, sizeof out, err, sizeof err, "--help", END), 0);
    CHECK(strstr(out, "usage: c10k-load merge") != NULL);
}

TEST(merge_keeps_each_generators_saturation)
{
    static int64_t s[100];
    for (int i = 0; i < 100; i++)
        s[i] = 1000;
    char pa[128], pb[128], pm[128], out[4096], err[1024];
    path_of(pa, sizeof pa, "cool.json");
    path_of(pb, sizeof pb, "hot.json");
    path_of(pm, sizeof pm, "hot-merged.json");
    struct fake_run a = {"cool", 3, 1764640000, 10, s, 100};
    CHECK_INT_EQ(write_run(pa, &a), 0);
    /* The fake runs' busiest thread uses half of the window: a shorter window with the same CPU
     * time is not possible through write_run, so the saturated file is edited. */
    CHECK_INT_EQ(write_run(pb, &a), 0);
    json_error_t je;
    json_t *doc = json_load_file(pb, 0, &je);
    CHECK(doc != NULL);
    json_t *cpu = json_object_get(json_object_get(doc, "summary"), "cpu");
    CHECK(json_is_false(json_object_get(cpu, "saturated")));
    json_object_set_new(cpu, "saturated", json_true());
    json_object_set_new(cpu, "busiest_thread_share", json_real(0.97));
    json_object_set_new(doc, "generator_id", json_string("hot"));
    CHECK_INT_EQ(json_dump_file(doc, pb, 0), 0);
    json_decref(doc);
    CHECK_INT_EQ(run_merge(out, sizeof out, err, sizeof err, "--json", pm, pa, pb, END), 0);
    CHECK(strstr(out, "saturated") != NULL);
    doc = json_load_file(pm, 0, &je);
    CHECK(doc != NULL);
    json_t *gens = json_object_get(doc, "generators");
    CHECK(json_is_false(json_object_get(json_array_get(gens, 0), "saturated")));
    CHECK(json_is_true(json_object_get(json_array_get(gens, 1), "saturated")));
    cpu = json_object_get(json_object_get(doc, "summary"), "cpu");
    CHECK(json_is_true(json_object_get(cpu, "saturated")));
    CHECK(json_number_value(json_object_get(cpu, "saturation_threshold")) == 0.9);
    json_decref(doc);
}

static const struct testlib_case cases[] = {
    TEST_ENTRY(merge_round_trip_equals_the_histogram_of_all_samples),
    TEST_ENTRY(merge_percentiles_match_the_concatenated_samples),
    TEST_ENTRY(merge_refuses_what_cannot_be_merged),
    TEST_ENTRY(merge_keeps_each_generators_saturation),
};

int testlib_failed;

int main(int argc, char **argv)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    int status = testlib_run(cases, sizeof cases / sizeof cases[0], argc, argv);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return status;
}
