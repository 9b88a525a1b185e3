#include "perf.h"

#include "compat.h"
#include "results.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A figure of the summary: the median of path over a cell's runs. */
struct figure {
    const char *scenario, *key, *path;
};

static const struct figure figures[] = {
    {"scale", "requests_per_s", "client.requests_per_s"},
    {"scale", "p99_us", "client.latency_us.p99"},
    {"scale", "errors", "client.errors.total"},
    {"scale", "cpu_us_per_request", "server.cpu_us_per_request"},
    {"scale", "server_busy", "saturation.server_busy"},
    {"scale", "client_busy", "saturation.client_busy"},
    {"pipeline", "requests_per_s", "client.requests_per_s"},
    {"pipeline", "p99_us", "client.latency_us.p99"},
    {"pipeline", "cpu_us_per_request", "server.cpu_us_per_request"},
    {"pipeline", "server_busy", "saturation.server_busy"},
    {"pipeline", "client_busy", "saturation.client_busy"},
    {"syscalls", "syscalls_per_request", "wrapper.syscalls_per_request"},
    {"syscalls", "context_switches_per_request", "wrapper.context_switches_per_request"},
    {"syscalls", "cpu_us_per_request", "server.cpu_us_per_request"},
    {"idle", "rss_bytes_per_connection", "per_connection.rss_bytes"},
    {"generators", "client_cpu_us_per_request", "saturation.client_cpu_us_per_request"},
    {"generators", "requests_per_s", "client.requests_per_s"},
    {"generators", "server_busy", "saturation.server_busy"},
    {"generators", "client_busy", "saturation.client_busy"},
    {"hold", "min_open", "min_open"},
    {"hold", "max_open", "client.connections.max_open"},
    {"hold", "errors", "client.errors.total"},
    {"hold", "client_rss_bytes", "client_process.rss_bytes"},
    {"hold", "client_fds", "client_process.fds"},
    {"hold", "client_cores", "saturation.client_cores"},
    {"hold", "server_connections", "server.connections_held_peak"},
    {"hold", "tcp_inuse_peak", "machine.tcp_inuse_peak"},
};

static const char *const perf_scenarios[] = {"scale", "pipeline",   "syscalls", "instructions",
                                             "idle",  "generators", "hold"};

/* What a cell is keyed by besides the level: the load generator in generators (one server),
 * the server everywhere else. */
static const char *who_of(const json_t *run)
{
    const char *scenario = json_string_value(json_object_get(run, "scenario"));
    return json_string_value(
        json_object_get(run, scenario && strcmp(scenario, "generators") == 0 ? "tool" : "model"));
}

/* The fewest connections c10k-load had open in any measured second (its per-second series). */
static double min_open(const json_t *run)
{
    const json_t *series = results_get(run, "client.series");
    const json_t *conns = json_object_get(series, "connections");
    const json_t *warm = json_object_get(series, "warmup");
    double least = NAN;
    size_t i;
    const json_t *c;
    json_array_foreach(conns, i, c)
    {
        if (json_is_true(json_array_get(warm, i)) || !json_is_number(c))
            continue;
        if (!(json_number_value(c) >= least))
            least = json_number_value(c);
    }
    return least;
}

/* A figure of one run: at its path, or computed. */
static double run_figure(const json_t *run, const char *path)
{
    return strcmp(path, "min_open") == 0 ? min_open(run) : results_num(run, path);
}

/* A run whose figures count: it ran to the end (client errors are figures too). */
static int usable(const json_t *run)
{
    const char *st = json_string_value(json_object_get(run, "status"));
    return st && (strcmp(st, "ok") == 0 || strcmp(st, "errors") == 0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int run_is(const json_t *run, const char *scenario, const char *who, json_int_t level)
{
    const char *w = who_of(run);
    return strcmp(json_string_value(json_object_get(run, "scenario")), scenario) == 0 && w &&
           strcmp(w, who) == 0 && json_integer_value(json_object_get(run, "level")) == level;
}

static double cell_median(const json_t *runs, const char *scenario, const char *model,
                          json_int_t level, const char *path)
{
    size_t n = 0, i;
    double *v = malloc((json_array_size(runs) + 1) * sizeof *v);
    const json_t *run;
    json_array_foreach(runs, i, run)
    {
        double x = run_figure(run, path);
        if (v && usable(run) && run_is(run, scenario, model, level) && isfinite(x))
            v[n++] = x;
    }
    double m = v ? median_of(v, n) : NAN;
    free(v);
    return m;
}

static double fig_at(const json_t *cell, const char *key)
{
    json_t *v = json_object_get(cell, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Instructions per request of one repetition: the difference between its two runs (the
 * fewer and the more requests) over the difference in requests answered. */
static double instructions_median(const json_t *runs, const char *model, json_int_t level)
{
    size_t n = 0, i, j;
    double *v = malloc((json_array_size(runs) + 1) * sizeof *v);
    const json_t *a, *b;
    json_array_foreach(runs, i, a)
    {
        if (!v || !usable(a) || !run_is(a, "instructions", model, level))
            continue;
        json_array_foreach(runs, j, b)
        {
            if (!usable(b) || !run_is(b, "instructions", model, level) ||
                results_num(a, "repetition") != results_num(b, "repetition"))
                continue;
            double ia = results_num(a, "wrapper.instructions"),
                   ib = results_num(b, "wrapper.instructions");
            double ra = results_num(a, "wrapper.requests"), rb = results_num(b, "wrapper.requests");
            if (isfinite(ia) && isfinite(ib) && rb > ra && ib > ia)
                v[n++] = (ib - ia) / (rb - ra);
        }
    }
    double m = v ? median_of(v, n) : NAN;
    free(v);
    return m;
}

static void add_model(json_t *models, const char *model)
{
    size_t i;
    json_t *m;
    json_array_foreach(models, i, m)
    {
        if (strcmp(json_string_value(m), model) == 0)
            return;
    }
    if (strcmp(model, "nginx") == 0)
        json_array_insert_new(models, 0, json_string(model));
    else
        json_array_append_new(models, json_string(model));
}

static void set_num(json_t *obj, const char *key, double v)
{
    if (isfinite(v))
        json_object_set_new(obj, key, json_real(v));
}

/* obj[a][b], created when missing. */
static json_t *child(json_t *obj, const char *key)
{
    json_t *c = json_object_get(obj, key);
    if (!c) {
        c = json_object();
        json_object_set_new(obj, key, c);
    }
    return c;
}

static double figure_of(const json_t *perf, const char *scenario, const char *model,
                        const char *level, const char *key)
{
    json_t *v = json_object_get(
        json_object_get(json_object_get(json_object_get(perf, scenario), model), level), key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void add_ratio(json_t *ratios, const json_t *perf, const char *scenario, const char *a,
                      const char *b, const char *level, const char *key, const char *what)
{
    double x = figure_of(perf, scenario, a, level, key),
           y = figure_of(perf, scenario, b, level, key);
    if (!isfinite(x) || !isfinite(y) || y == 0)
        return;
    char name[160];
    snprintf(name, sizeof name, "%s/%s %s%s%s", a, b, what,
             strcmp(scenario, "scale") == 0 ? " at " : "",
             strcmp(scenario, "scale") == 0 ? level : "");
    json_array_append_new(ratios, json_pack("{s:s, s:f}", "name", name, "value", x / y));
}

/* The ratios perf.sh printed: the event models against nginx and each other, the thread
 * models against the loop. */
static json_t *ratios_of(const json_t *perf)
{
    json_t *ratios = json_array();
    const char *level;
    json_t *unused;
    json_t *scale_levels = json_object();
    json_object_foreach(json_object_get(json_object_get(perf, "scale"), "loop"), level, unused)
    {
        json_object_set_new(scale_levels, level, json_true());
    }
    static const char *const events[] = {"loop", "uring"};
    json_object_foreach(scale_levels, level, unused)
    {
        for (size_t e = 0; e < 2; e++) {
            add_ratio(ratios, perf, "scale", events[e], "nginx", level, "requests_per_s", "req/s");
            add_ratio(ratios, perf, "scale", events[e], "nginx", level, "p99_us", "p99");
            add_ratio(ratios, perf, "scale", events[e], "nginx", level, "cpu_us_per_request",
                      "CPU per request");
        }
        add_ratio(ratios, perf, "scale", "uring", "loop", level, "requests_per_s", "req/s");
        add_ratio(ratios, perf, "scale", "uring", "loop", level, "cpu_us_per_request",
                  "CPU per request");
        add_ratio(ratios, perf, "scale", "thread", "loop", level, "requests_per_s", "req/s");
        add_ratio(ratios, perf, "scale", "pool", "loop", level, "requests_per_s", "req/s");
    }
    json_decref(scale_levels);
    static const struct {
        const char *scenario, *key, *what;
    } others[] = {
        {"pipeline", "requests_per_s", "pipelined req/s"},
        {"pipeline", "cpu_us_per_request", "pipelined CPU per request"},
        {"syscalls", "syscalls_per_request", "system calls per request"},
        {"instructions", "instructions_per_request", "instructions per request"},
        {"idle", "rss_bytes_per_connection", "idle bytes per connection"},
    };
    json_object_foreach(json_object_get(json_object_get(perf, "generators"), "wrk"), level, unused)
    {
        double c = figure_of(perf, "generators", "c10k-load", level, "client_cpu_us_per_request");
        double w = figure_of(perf, "generators", "wrk", level, "client_cpu_us_per_request");
        if (isfinite(c) && isfinite(w) && w > 0) {
            char name[96];
            snprintf(name, sizeof name, "c10k-load/wrk load generator CPU per request at %s",
                     level);
            json_array_append_new(ratios, json_pack("{s:s, s:f}", "name", name, "value", c / w));
        }
    }
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        json_object_foreach(json_object_get(json_object_get(perf, others[i].scenario), "loop"),
                            level, unused)
        {
            for (size_t e = 0; e < 2; e++)
                add_ratio(ratios, perf, others[i].scenario, events[e], "nginx", level,
                          others[i].key, others[i].what);
            add_ratio(ratios, perf, others[i].scenario, "uring", "loop", level, others[i].key,
                      others[i].what);
        }
    }
    return ratios;
}

static json_t *perf_summary_json(const json_t *root)
{
    const json_t *runs = json_object_get(root, "runs");
    json_t *perf = json_pack("{s:[], s:i}", "models", "rounds",
                             (int)json_integer_value(json_object_get(root, "repeat")));
    json_t *models = json_object_get(perf, "models");
    size_t i;
    const json_t *run;
    json_array_foreach(runs, i, run)
    {
        const char *scenario = json_string_value(json_object_get(run, "scenario"));
        const char *model = who_of(run);
        json_int_t level = json_integer_value(json_object_get(run, "level"));
        size_t s;
        for (s = 0; s < sizeof perf_scenarios / sizeof perf_scenarios[0]; s++)
            if (scenario && strcmp(scenario, perf_scenarios[s]) == 0)
                break;
        if (!model || s == sizeof perf_scenarios / sizeof perf_scenarios[0])
            continue;
        if (strcmp(scenario, "generators") != 0)
            add_model(models, model);
        else
            json_object_set(perf, "generators_server", json_object_get(run, "model"));
        char lv[24];
        snprintf(lv, sizeof lv, "%lld", (long long)level);
        json_t *cell = child(child(child(perf, scenario), model), lv);
        if (json_object_size(cell) > 0)
            continue; /* another repetition of a cell already summarised */
        for (size_t f = 0; f < sizeof figures / sizeof figures[0]; f++)
            if (strcmp(figures[f].scenario, scenario) == 0)
                set_num(cell, figures[f].key,
                        cell_median(runs, scenario, model, level, figures[f].path));
        if (strcmp(scenario, "instructions") == 0)
            set_num(cell, "instructions_per_request", instructions_median(runs, model, level));
        if (strcmp(scenario, "hold") == 0 && json_object_size(cell) > 0)
            json_object_set_new(cell, "held",
                                json_boolean(fig_at(cell, "min_open") >= (double)level &&
                                             fig_at(cell, "errors") == 0));
        if (strcmp(scenario, "syscalls") == 0 && usable(run)) {
            json_object_set(cell, "tool", json_object_get(json_object_get(run, "wrapper"), "tool"));
            json_object_set(cell, "breakdown",
                            json_object_get(json_object_get(run, "wrapper"), "per_request"));
        }
        if (json_object_size(cell) == 0) {
            const char *why = json_string_value(json_object_get(run, "reason"));
            json_object_set_new(cell, "skipped", json_string(why ? why : "no usable run"));
        }
    }
    json_object_set_new(perf, "ratios", ratios_of(perf));
    return perf;
}

/* ---- The terminal's tables ---- */

static void print_num(FILE *f, double v, const char *fmt, const char *unit)
{
    if (isfinite(v)) {
        fprintf(f, fmt, v);
        fputs(unit, f);
    } else {
        fputs("-", f);
    }
}

/* One line per model of a per-level scenario: req/s, p99, CPU per request, busy shares. */
static void print_levels(FILE *f, const json_t *perf, const char *scenario, const char *title)
{
    const json_t *sc = json_object_get(perf, scenario);
    if (!sc)
        return;
    fprintf(f, "%s: requests/s, p99, server CPU per request, server core / load generator busy\n",
            title);
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(perf, "models"), i, m)
    {
        const json_t *levels = json_object_get(sc, json_string_value(m));
        if (!levels)
            continue;
        const char *lv;
        const json_t *cell;
        json_object_foreach((json_t *)levels, lv, cell)
        {
            fprintf(f, "  %-16s %6s conns  ", json_string_value(m), lv);
            print_num(f, fig_at(cell, "requests_per_s"), "%.0f", " req/s  ");
            print_num(f, fig_at(cell, "p99_us") / 1000, "%.2f", " ms  ");
            print_num(f, fig_at(cell, "cpu_us_per_request"), "%.2f", " us/req  ");
            print_num(f, 100 * fig_at(cell, "server_busy"), "%.0f", "% / ");
            print_num(f, 100 * fig_at(cell, "client_busy"), "%.0f", "%");
            fputc('\n', f);
        }
    }
}

/* One line per model and level of a one-figure scenario. */
static void print_figure(FILE *f, const json_t *perf, const char *scenario, const char *key,
                         const char *title, const char *fmt)
{
    const json_t *sc = json_object_get(perf, scenario);
    if (!sc)
        return;
    fprintf(f, "%s\n", title);
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(perf, "models"), i, m)
    {
        const char *lv;
        const json_t *cell;
        json_object_foreach(json_object_get(sc, json_string_value(m)), lv, cell)
        {
            fprintf(f, "  %-16s %6s  ", json_string_value(m), lv);
            print_num(f, fig_at(cell, key), fmt, "");
            if (strcmp(scenario, "syscalls") == 0) {
                fputs(" (", f);
                print_num(f, fig_at(cell, "context_switches_per_request"), "%.2f",
                          " context switches");
                const char *name;
                const json_t *v;
                json_object_foreach(json_object_get(cell, "breakdown"), name, v)
                {
                    if (json_number_value(v) >= 0.01)
                        fprintf(f, ", %s %.2f", name, json_number_value(v));
                }
                fputc(')', f);
            }
            const char *why = json_string_value(json_object_get(cell, "skipped"));
            if (why)
                fprintf(f, "  skipped: %.120s", why);
            fputc('\n', f);
        }
    }
}

/* c10k-load against wrk: each one's CPU per request and throughput per level. */
static void print_generators(FILE *f, const json_t *perf)
{
    const json_t *g = json_object_get(perf, "generators");
    if (!g)
        return;
    fprintf(f, "load generators against %s: CPU per request, requests/s\n",
            json_string_value(json_object_get(perf, "generators_server")));
    const char *lv;
    const json_t *cell;
    json_object_foreach(json_object_get(g, "wrk"), lv, cell)
    {
        const json_t *c = json_object_get(json_object_get(g, "c10k-load"), lv);
        fprintf(f, "  %6s conns  wrk ", lv);
        print_num(f, fig_at(cell, "client_cpu_us_per_request"), "%.2f", " us/req ");
        print_num(f, fig_at(cell, "requests_per_s"), "%.0f", " req/s");
        fputs("  c10k-load ", f);
        print_num(f, fig_at(c, "client_cpu_us_per_request"), "%.2f", " us/req ");
        print_num(f, fig_at(c, "requests_per_s"), "%.0f", " req/s");
        fputc('\n', f);
    }
}

/* One c10k-load holding many connections. */
static void print_hold(FILE *f, const json_t *perf)
{
    const json_t *h = json_object_get(perf, "hold");
    const char *model;
    const json_t *levels;
    json_object_foreach((json_t *)h, model, levels)
    {
        const char *lv;
        const json_t *c;
        json_object_foreach((json_t *)levels, lv, c)
        {
            fprintf(f,
                    "one c10k-load holding %s connections to %s: %s\n  fewest open in a "
                    "measured second ",
                    lv, model, json_is_true(json_object_get(c, "held")) ? "held" : "NOT held");
            print_num(f, fig_at(c, "min_open"), "%.0f", ", errors ");
            print_num(f, fig_at(c, "errors"), "%.0f", ", client RSS ");
            print_num(f, fig_at(c, "client_rss_bytes") / 1048576, "%.1f", " MiB, client fds ");
            print_num(f, fig_at(c, "client_fds"), "%.0f", ", client CPU ");
            print_num(f, fig_at(c, "client_cores"), "%.2f", " cores, server held ");
            print_num(f, fig_at(c, "server_connections"), "%.0f", ", kernel TCP sockets in use ");
            print_num(f, fig_at(c, "tcp_inuse_peak"), "%.0f", "\n");
        }
    }
}

void perf_print(FILE *f, const json_t *perf)
{
    fprintf(f, "Performance (medians of %lld rounds):\n",
            (long long)json_integer_value(json_object_get(perf, "rounds")));
    print_levels(f, perf, "scale", "keep-alive /plaintext");
    print_levels(f, perf, "pipeline", "pipelined x16");
    print_figure(f, perf, "syscalls", "syscalls_per_request", "system calls per request", "%.2f");
    print_figure(f, perf, "instructions", "instructions_per_request",
                 "user-space instructions per request (callgrind)", "%.0f");
    print_figure(f, perf, "idle", "rss_bytes_per_connection",
                 "memory per idle keep-alive connection (bytes of RSS)", "%.0f");
    print_generators(f, perf);
    print_hold(f, perf);
    size_t i;
    const json_t *r;
    if (json_array_size(json_object_get(perf, "ratios")))
        fprintf(f, "ratios\n");
    json_array_foreach(json_object_get(perf, "ratios"), i, r)
    {
        fprintf(f, "  %-52s %.2f\n", json_string_value(json_object_get(r, "name")),
                json_number_value(json_object_get(r, "value")));
    }
}

json_t *perf_summary(const struct session_record *s)
{
    json_t *doc = results_document(s);
    json_t *perf = perf_summary_json(doc);
    json_decref(doc);
    return perf;
}
