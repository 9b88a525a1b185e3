#include "load_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "usage: c10k-load [options] http://HOST[:PORT][/PATH]\n"
    "       c10k-load merge [--json OUT] FILE...   (results of several generators as one)\n"
    "\n"
    "An HTTP/1.1 load generator: closed loop by default (each connection sends its next request\n"
    "when the previous response arrives), open loop with --rate (latency counted from the time\n"
    "each request was due, so that a stalled server shows in the percentiles).\n"
    "\n"
    "Load:\n"
    "  -c, --connections N      busy connections (default 10)\n"
    "  -t, --threads N          threads, each with its own event loop (default 1)\n"
    "  -d, --duration TIME      measured time after the warm-up (default 10s)\n"
    "  -n, --requests N         stop after N measured requests (with --duration: what comes "
    "first)\n"
    "  -R, --rate N             open loop: N requests per second in total\n"
    "  -p, --pipeline N         requests in flight per connection (default 1)\n"
    "      --no-keepalive       a new connection for every request\n"
    "  -w, --warmup TIME        run this long first, excluded from the results (default 0)\n"
    "      --timeout TIME       a request (or a connect) that takes longer fails (default 10s)\n"
    "      --idle N             N more keep-alive connections that stay silent\n"
    "      --idle-interval TIME each idle connection sends one request this often (default never)\n"
    "      --ramp N             open N connections per second instead of all at once\n"
    "      --source ADDRS       local addresses to connect from, e.g. 127.0.0.2-127.0.0.40\n"
    "                           (comma-separated addresses or IPv4 ranges; repeatable)\n"
    "\n"
    "Requests:\n"
    "  -m, --method METHOD      default method (default GET, or POST with a body)\n"
    "  -r, --request SPEC       add \"[METHOD] PATH [WEIGHT]\" to the mix (repeatable); without\n"
    "                           it every request is for the URL's path\n"
    "  -H, --header 'N: V'      add a header to every request (repeatable)\n"
    "  -b, --body STRING        body for the requests whose method is not GET or HEAD\n"
    "      --body-file FILE     the same, read from a file\n"
    "\n"
    "Several generators (see \"c10k-load merge --help\"):\n"
    "      --start-at WHEN      wait until this Unix time (e.g. 1764640000.250; +5 or +500ms:\n"
    "                           that long from now), then connect, warm up and measure as usual\n"
    "      --generator-id ID    name this generator in the summary and the JSON\n"
    "                           (1-64 characters of A-Z a-z 0-9 . _ -)\n"
    "\n"
    "Output:\n"
    "  -j, --json FILE          write the summary, histograms and a per-second series as JSON\n"
    "                           (\"-\" for stdout)\n"
    "  -h, --help               this text\n"
    "  -V, --version            the version\n"
    "\n"
    "TIME takes ms, s, m or h (plain numbers are seconds); N takes k or M suffixes.\n"
    "The summary goes to stdout; on a terminal a progress line is shown on stderr.\n"
    "Exit status: 0 after a run, 1 when it could not run, 2 for a bad option.\n";

enum {
    OPT_NO_KEEPALIVE = 256,
    OPT_TIMEOUT,
    OPT_IDLE,
    OPT_IDLE_INTERVAL,
    OPT_RAMP,
    OPT_SOURCE,
    OPT_BODY_FILE,
    OPT_START_AT,
    OPT_GENERATOR_ID,
};

static const struct option long_options[] = {
    {"connections", required_argument, NULL, 'c'},
    {"threads", required_argument, NULL, 't'},
    {"duration", required_argument, NULL, 'd'},
    {"requests", required_argument, NULL, 'n'},
    {"rate", required_argument, NULL, 'R'},
    {"pipeline", required_argument, NULL, 'p'},
    {"no-keepalive", no_argument, NULL, OPT_NO_KEEPALIVE},
    {"warmup", required_argument, NULL, 'w'},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"idle", required_argument, NULL, OPT_IDLE},
    {"idle-interval", required_argument, NULL, OPT_IDLE_INTERVAL},
    {"ramp", required_argument, NULL, OPT_RAMP},
    {"source", required_argument, NULL, OPT_SOURCE},
    {"method", required_argument, NULL, 'm'},
    {"request", required_argument, NULL, 'r'},
    {"header", required_argument, NULL, 'H'},
    {"body", required_argument, NULL, 'b'},
    {"body-file", required_argument, NULL, OPT_BODY_FILE},
    {"json", required_argument, NULL, 'j'},
    {"start-at", required_argument, NULL, OPT_START_AT},
    {"generator-id", required_argument, NULL, OPT_GENERATOR_ID},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Parses a non-negative decimal number with an optional suffix from `units` (each a suffix and
 * its multiplier); returns 0 or -EINVAL. */
struct unit {
    const char *suffix;
    double scale;
};

static int parse_scaled(const char *s, const struct unit *units, double *out)
{
    if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
        return -EINVAL;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || !isfinite(v) || v < 0)
        return -EINVAL;
    /* strtod accepts hex, inf and nan; only plain decimals are meant. */
    for (const char *c = s; c < end; c++)
        if (!((*c >= '0' && *c <= '9') || *c == '.'))
            return -EINVAL;
    if (*end == '\0') {
        *out = v;
        return 0;
    }
    for (const struct unit *u = units; u->suffix; u++) {
        if (strcmp(end, u->suffix) == 0) {
            *out = v * u->scale;
            return 0;
        }
    }
    return -EINVAL;
}

int load_parse_duration(const char *s, double *seconds)
{
    static const struct unit units[] = {{"us", 1e-6}, {"ms", 1e-3}, {"s", 1},
                                        {"m", 60},    {"h", 3600},  {NULL, 0}};
    return parse_scaled(s, units, seconds);
}

int load_parse_count(const char *s, uint64_t *n)
{
    static const struct unit units[] = {{"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {NULL, 0}};
    double v;
    if (parse_scaled(s, units, &v) < 0 || v != floor(v) || v > 1e18)
        return -EINVAL;
    *n = (uint64_t)v;
    return 0;
}

static int parse_rate(const char *s, double *r)
{
    static const struct unit units[] = {{"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {NULL, 0}};
    return parse_scaled(s, units, r);
}

int load_parse_url(const char *url, char **host, char **host_header, char **port, char **path)
{
    *host = *host_header = *port = *path = NULL;
    if (strncmp(url, "http://", 7) != 0)
        return -EINVAL;
    const char *p = url + 7;
    const char *h, *h_end, *after;
    if (*p == '[') {
        h = p + 1;
        h_end = strchr(h, ']');
        if (h_end == NULL)
            return -EINVAL;
        after = h_end + 1;
        struct in6_addr a6;
        char tmp[INET6_ADDRSTRLEN + 1];
        size_t n = (size_t)(h_end - h);
        if (n == 0 || n >= sizeof tmp)
            return -EINVAL;
        memcpy(tmp, h, n);
        tmp[n] = '\0';
        if (inet_pton(AF_INET6, tmp, &a6) != 1)
            return -EINVAL;
    } else {
        h = p;
        h_end = p + strcspn(p, ":/?#@[]");
        after = h_end;
        if (*after == '@' || *after == '[' || *after == ']')
            return -EINVAL; /* userinfo or a stray bracket */
    }
    if (h_end == h)
        return -EINVAL;

    const char *port_s = "80";
    size_t port_n = 2;
    const char *rest = after;
    if (*after == ':') {
        port_s = after + 1;
        port_n = strspn(port_s, "0123456789");
        rest = port_s + port_n;
        if (port_n == 0 || port_n > 5)
            return -EINVAL;
        long v = strtol(port_s, NULL, 10);
        if (v < 1 || v > 65535)
            return -EINVAL;
    }
    if (*rest != '\0' && *rest != '/' && *rest != '?' && *rest != '#')
        return -EINVAL;
    size_t path_n = strcspn(rest, "#");
    for (size_t i = 0; i < path_n; i++)
        if ((unsigned char)rest[i] <= ' ' || rest[i] == 0x7f)
            return -EINVAL;

    int default_port = port_n == 2 && memcmp(port_s, "80", 2) == 0;
    size_t hh_n = (size_t)(after - p) + (default_port ? 0 : 1 + port_n);
    *host = dup_n(h, (size_t)(h_end - h));
    *host_header = dup_n(p, hh_n);
    *port = dup_n(port_s, port_n);
    if (path_n == 0 || rest[0] == '?') {
        *path = malloc(path_n + 2);
        if (*path) {
            (*path)[0] = '/';
            memcpy(*path + 1, rest, path_n);
            (*path)[path_n + 1] = '\0';
        }
    } else {
        *path = dup_n(rest, path_n);
    }
    if (!*host || !*host_header || !*port || !*path) {
        free(*host);
        free(*host_header);
        free(*port);
        free(*path);
        *host = *host_header = *port = *path = NULL;
        return -ENOMEM;
    }
    return 0;
}

static int append_source(struct load_address **list, size_t *n, const struct sockaddr *sa,
                         socklen_t len)
{
    if (*n >= LOAD_MAX_SOURCES)
        return -EINVAL;
    struct load_address *grown = realloc(*list, (*n + 1) * sizeof **list);
    if (grown == NULL)
        return -ENOMEM;
    *list = grown;
    memset(&grown[*n], 0, sizeof grown[*n]);
    memcpy(&grown[*n].addr, sa, len);
    grown[*n].len = len;
    (*n)++;
    return 0;
}

static int parse_one_source(const char *s, size_t n, struct load_address **list, size_t *count)
{
    char item[INET6_ADDRSTRLEN * 2 + 2];
    if (n == 0 || n >= sizeof item)
        return -EINVAL;
    memcpy(item, s, n);
    item[n] = '\0';

    char *dash = strchr(item, '-');
    if (dash) {
        *dash = '\0';
        struct in_addr a, b;
        if (inet_pton(AF_INET, item, &a) != 1 || inet_pton(AF_INET, dash + 1, &b) != 1)
            return -EINVAL;
        uint32_t lo = ntohl(a.s_addr), hi = ntohl(b.s_addr);
        if (lo > hi || hi - lo >= LOAD_MAX_SOURCES)
            return -EINVAL;
        for (uint64_t v = lo; v <= hi; v++) {
            struct sockaddr_in sin = {.sin_family = AF_INET};
            sin.sin_addr.s_addr = htonl((uint32_t)v);
            int r = append_source(list, count, (struct sockaddr *)&sin, sizeof sin);
            if (r < 0)
                return r;
        }
        return 0;
    }
    struct sockaddr_in sin = {.sin_family = AF_INET};
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
    if (inet_pton(AF_INET, item, &sin.sin_addr) == 1)
        return append_source(list, count, (struct sockaddr *)&sin, sizeof sin);
    if (inet_pton(AF_INET6, item, &sin6.sin6_addr) == 1)
        return append_source(list, count, (struct sockaddr *)&sin6, sizeof sin6);
    return -EINVAL;
}

int load_parse_sources(const char *s, struct load_address **list, size_t *n)
{
    if (*s == '\0')
        return -EINVAL;
    while (*s) {
        size_t len = strcspn(s, ",");
        int r = parse_one_source(s, len, list, n);
        if (r < 0)
            return r;
        s += len;
        if (*s == ',') {
            s++;
            if (*s == '\0')
                return -EINVAL;
        }
    }
    return 0;
}

/* A method is an HTTP token. */
static int valid_method(const char *m, size_t n)
{
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)m[i];
        if (c <= ' ' || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c))
            return 0;
    }
    return 1;
}

static int valid_target(const char *t, size_t n)
{
    if (n == 0 || (t[0] != '/' && !(n == 1 && t[0] == '*') && strncmp(t, "http://", 7) != 0))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] <= ' ' || t[i] == 0x7f)
            return 0;
    return 1;
}

int load_parse_request_kind(const char *s, struct load_request_kind *kind)
{
    const char *tok[4];
    size_t len[4];
    int n = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0')
            break;
        if (n == 3)
            return -EINVAL;
        tok[n] = s;
        len[n] = strcspn(s, " \t");
        s += len[n];
        n++;
    }
    if (n == 0)
        return -EINVAL;
    int t = 0;
    const char *method = NULL;
    size_t method_n = 0;
    if (!valid_target(tok[0], len[0])) {
        if (!valid_method(tok[0], len[0]))
            return -EINVAL;
        method = tok[0];
        method_n = len[0];
        t = 1;
    }
    if (t >= n || !valid_target(tok[t], len[t]))
        return -EINVAL;
    unsigned weight = 1;
    if (t + 1 < n) {
        if (t + 2 < n)
            return -EINVAL;
        char buf[16];
        if (len[t + 1] >= sizeof buf)
            return -EINVAL;
        memcpy(buf, tok[t + 1], len[t + 1]);
        buf[len[t + 1]] = '\0';
        uint64_t w;
        if (load_parse_count(buf, &w) < 0 || w < 1 || w > LOAD_MAX_WEIGHT)
            return -EINVAL;
        weight = (unsigned)w;
    }
    kind->method = method ? dup_n(method, method_n) : NULL;
    kind->path = dup_n(tok[t], len[t]);
    kind->weight = weight;
    if ((method && !kind->method) || !kind->path) {
        free(kind->method);
        free(kind->path);
        return -ENOMEM;
    }
    return 0;
}

int load_parse_start_at(const char *s, double now, double *unix_s)
{
    double at;
    if (s[0] == '+') {
        double ahead;
        if (load_parse_duration(s + 1, &ahead) < 0)
            return -EINVAL;
        at = now + ahead;
    } else {
        /* Plain decimal seconds: no unit, since an absolute time has none. */
        static const struct unit none[] = {{NULL, 0}};
        if (parse_scaled(s, none, &at) < 0)
            return -EINVAL;
    }
    /* Further than a day ahead is a mistake (milliseconds for seconds), not a plan. A time in the
     * past is allowed: the run starts at once and says how late it is. */
    if (at <= 0 || at > now + LOAD_MAX_START_AHEAD_S)
        return -EINVAL;
    *unix_s = at;
    return 0;
}

int load_valid_generator_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > LOAD_MAX_GENERATOR_ID)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -errno;
    size_t cap = 4096, n = 0;
    char *d = malloc(cap);
    int r = -ENOMEM;
    if (d == NULL)
        goto fail;
    for (;;) {
        if (n == cap) {
            if (cap >= LOAD_MAX_BODY_BYTES) {
                r = -EFBIG;
                goto fail;
            }
            char *g = realloc(d, cap * 2);
            if (g == NULL) {
                r = -ENOMEM;
                goto fail;
            }
            d = g;
            cap *= 2;
        }
        size_t got = fread(d + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                r = -EIO;
                goto fail;
            }
            break;
        }
    }
    fclose(f);
    *data = d;
    *len = n;
    return 0;
fail:
    fclose(f);
    free(d);
    return r;
}

static void config_init(struct load_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->connections = LOAD_DEFAULT_CONNECTIONS;
    cfg->threads = LOAD_DEFAULT_THREADS;
    cfg->pipeline = 1;
    cfg->timeout_s = LOAD_DEFAULT_TIMEOUT_S;
    cfg->keepalive = 1;
}

void load_config_free(struct load_config *cfg)
{
    free(cfg->url);
    free(cfg->host);
    free(cfg->host_header);
    free(cfg->port);
    free(cfg->url_path);
    free(cfg->method);
    for (size_t i = 0; i < cfg->n_kinds; i++) {
        free(cfg->kinds[i].method);
        free(cfg->kinds[i].path);
    }
    free(cfg->kinds);
    for (size_t i = 0; i < cfg->n_headers; i++)
        free(cfg->headers[i]);
    free(cfg->headers);
    free(cfg->body);
    free(cfg->sources);
    free(cfg->json_path);
    free(cfg->generator_id);
    memset(cfg, 0, sizeof *cfg);
}

#define USAGE_ERROR(...)                                                                           \
    do {                                                                                           \
        fprintf(err, "c10k-load: " __VA_ARGS__);                                                   \
        fputc('\n', err);                                                                          \
        return LOAD_CONFIG_USAGE;                                                                  \
    } while (0)

static int count_option(const char *arg, uint64_t lo, uint64_t hi, uint32_t *out)
{
    uint64_t v;
    if (load_parse_count(arg, &v) < 0 || v < lo || v > hi)
        return -EINVAL;
    *out = (uint32_t)v;
    return 0;
}

static int replace_string(char **dst, const char *src)
{
    char *d = strdup(src);
    if (d == NULL)
        return -ENOMEM;
    free(*dst);
    *dst = d;
    return 0;
}

static int valid_header(const char *h)
{
    const char *colon = strchr(h, ':');
    if (colon == NULL || colon == h)
        return 0;
    for (const char *c = h; c < colon; c++)
        if (!valid_method(c, 1))
            return 0;
    for (const char *c = h; *c; c++)
        if (*c == '\r' || *c == '\n')
            return 0;
    return 1;
}

enum load_config_result load_config_parse(struct load_config *cfg, int argc, char **argv, FILE *out,
                                          FILE *err)
{
    config_init(cfg);
    int have_duration = 0, have_body = 0, method_given = 0;
    uint64_t v64;

    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":c:t:d:n:R:p:w:m:r:H:b:j:hV", long_options, NULL)) !=
           -1) {
        switch (opt) {
        case 'c':
            if (count_option(optarg, 0, LOAD_MAX_CONNECTIONS, &cfg->connections) < 0)
                USAGE_ERROR("--connections: '%s' is not a count from 0 to %d", optarg,
                            LOAD_MAX_CONNECTIONS);
            break;
        case 't':
            if (count_option(optarg, 1, LOAD_MAX_THREADS, &cfg->threads) < 0)
                USAGE_ERROR("--threads: '%s' is not a count from 1 to %d", optarg,
                            LOAD_MAX_THREADS);
            break;
        case 'd':
            if (load_parse_duration(optarg, &cfg->duration_s) < 0 || cfg->duration_s <= 0)
                USAGE_ERROR("--duration: '%s' is not a positive time (e.g. 10s, 500ms, 2m)",
                            optarg);
            have_duration = 1;
            break;
        case 'n':
            if (load_parse_count(optarg, &v64) < 0 || v64 == 0)
                USAGE_ERROR("--requests: '%s' is not a positive count", optarg);
            cfg->requests = v64;
            break;
        case 'R':
            if (parse_rate(optarg, &cfg->rate) < 0 || cfg->rate <= 0 || cfg->rate > 1e8)
                USAGE_ERROR("--rate: '%s' is not a positive number of requests per second", optarg);
            break;
        case 'p':
            if (count_option(optarg, 1, LOAD_MAX_PIPELINE, &cfg->pipeline) < 0)
                USAGE_ERROR("--pipeline: '%s' is not a count from 1 to %d", optarg,
                            LOAD_MAX_PIPELINE);
            break;
        case OPT_NO_KEEPALIVE:
            cfg->keepalive = 0;
            break;
        case 'w':
            if (load_parse_duration(optarg, &cfg->warmup_s) < 0)
                USAGE_ERROR("--warmup: '%s' is not a time (e.g. 2s)", optarg);
            break;
        case OPT_TIMEOUT:
            if (load_parse_duration(optarg, &cfg->timeout_s) < 0 || cfg->timeout_s < 0.001)
                USAGE_ERROR("--timeout: '%s' is not a time of at least 1ms", optarg);
            break;
        case OPT_IDLE:
            if (count_option(optarg, 0, LOAD_MAX_CONNECTIONS, &cfg->idle) < 0)
                USAGE_ERROR("--idle: '%s' is not a count from 0 to %d", optarg,
                            LOAD_MAX_CONNECTIONS);
            break;
        case OPT_IDLE_INTERVAL:
            if (load_parse_duration(optarg, &cfg->idle_interval_s) < 0 ||
                cfg->idle_interval_s < 0.001)
                USAGE_ERROR("--idle-interval: '%s' is not a time of at least 1ms", optarg);
            break;
        case OPT_RAMP:
            if (parse_rate(optarg, &cfg->ramp) < 0 || cfg->ramp <= 0 || cfg->ramp > 1e7)
                USAGE_ERROR("--ramp: '%s' is not a positive number of connections per second",
                            optarg);
            break;
        case OPT_SOURCE: {
            int r = load_parse_sources(optarg, &cfg->sources, &cfg->n_sources);
            if (r == -ENOMEM)
                USAGE_ERROR("--source: out of memory");
            if (r < 0)
                USAGE_ERROR("--source: '%s' is not a list of addresses or IPv4 ranges (A-B) of "
                            "at most %d addresses",
                            optarg, LOAD_MAX_SOURCES);
            break;
        }
        case 'm':
            if (!valid_method(optarg, strlen(optarg)))
                USAGE_ERROR("--method: '%s' is not a method", optarg);
            if (replace_string(&cfg->method, optarg) < 0)
                USAGE_ERROR("--method: out of memory");
            method_given = 1;
            break;
        case 'r': {
            if (cfg->n_kinds >= LOAD_MAX_REQUEST_KINDS)
                USAGE_ERROR("--request: more than %d kinds of request", LOAD_MAX_REQUEST_KINDS);
            struct load_request_kind kind;
            if (load_parse_request_kind(optarg, &kind) < 0)
                USAGE_ERROR("--request: '%s' is not \"[METHOD] PATH [WEIGHT]\" (PATH starting "
                            "with /, WEIGHT from 1 to %d)",
                            optarg, LOAD_MAX_WEIGHT);
            struct load_request_kind *grown =
                realloc(cfg->kinds, (cfg->n_kinds + 1) * sizeof *cfg->kinds);
            if (grown == NULL) {
                free(kind.method);
                free(kind.path);
                USAGE_ERROR("--request: out of memory");
            }
            cfg->kinds = grown;
            cfg->kinds[cfg->n_kinds++] = kind;
            break;
        }
        case 'H': {
            if (!valid_header(optarg))
                USAGE_ERROR("--header: '%s' is not \"Name: value\"", optarg);
            char **grown = realloc(cfg->headers, (cfg->n_headers + 1) * sizeof *cfg->headers);
            if (grown == NULL)
                USAGE_ERROR("--header: out of memory");
            cfg->headers = grown;
            cfg->headers[cfg->n_headers] = strdup(optarg);
            if (cfg->headers[cfg->n_headers] == NULL)
                USAGE_ERROR("--header: out of memory");
            cfg->n_headers++;
            break;
        }
        case 'b':
            if (have_body)
                USAGE_ERROR("--body: a body was already given");
            if (replace_string(&cfg->body, optarg) < 0)
                USAGE_ERROR("--body: out of memory");
            cfg->body_len = strlen(optarg);
            have_body = 1;
            break;
        case OPT_BODY_FILE: {
            if (have_body)
                USAGE_ERROR("--body-file: a body was already given");
            int r = read_file(optarg, &cfg->body, &cfg->body_len);
            if (r < 0)
                USAGE_ERROR("--body-file: cannot read '%s': %s", optarg, strerror(-r));
            have_body = 1;
            break;
        }
        case 'j':
            if (*optarg == '\0')
                USAGE_ERROR("--json: empty file name");
            if (replace_string(&cfg->json_path, optarg) < 0)
                USAGE_ERROR("--json: out of memory");
            break;
        case OPT_START_AT: {
            struct timespec now;
            clock_gettime(CLOCK_REALTIME, &now);
            double now_s = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
            if (load_parse_start_at(optarg, now_s, &cfg->start_at) < 0)
                USAGE_ERROR("--start-at: '%s' is not a Unix time (e.g. %.0f.250) or +SECONDS "
                            "at most 24h ahead",
                            optarg, now_s);
            break;
        }
        case OPT_GENERATOR_ID:
            if (!load_valid_generator_id(optarg))
                USAGE_ERROR("--generator-id: '%s' is not 1 to %d characters of A-Z a-z 0-9 . _ -",
                            optarg, LOAD_MAX_GENERATOR_ID);
            if (replace_string(&cfg->generator_id, optarg) < 0)
                USAGE_ERROR("--generator-id: out of memory");
            break;
        case 'h':
            fputs(usage_text, out);
            return LOAD_CONFIG_EXIT;
        case 'V':
            fprintf(out, "c10k-load %s\n", C10K_VERSION);
            return LOAD_CONFIG_EXIT;
        case ':':
            if (strncmp(argv[optind - 1], "--", 2) == 0)
                USAGE_ERROR("%s: needs a value (see --help)", argv[optind - 1]);
            USAGE_ERROR("-%c: needs a value (see --help)", optopt);
        default:
            if (strncmp(argv[optind - 1], "--", 2) == 0)
                USAGE_ERROR("%.*s: unknown option (see --help)",
                            (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
            USAGE_ERROR("-%c: unknown option (see --help)", optopt);
        }
    }

    if (optind >= argc)
        USAGE_ERROR("missing the target URL, e.g. http://127.0.0.1:8080/ (see --help)");
    if (optind + 1 < argc)
        USAGE_ERROR("'%s': only one target URL is allowed", argv[optind + 1]);
    const char *url = argv[optind];
    if (strncmp(url, "https://", 8) == 0)
        USAGE_ERROR("'%s': https is not supported; use http://", url);
    int r = load_parse_url(url, &cfg->host, &cfg->host_header, &cfg->port, &cfg->url_path);
    if (r == -ENOMEM)
        USAGE_ERROR("out of memory");
    if (r < 0)
        USAGE_ERROR("'%s' is not a URL of the form http://HOST[:PORT][/PATH]", url);
    if (replace_string(&cfg->url, url) < 0)
        USAGE_ERROR("out of memory");

    /* Defaults that depend on other options. */
    if (!method_given && replace_string(&cfg->method, have_body ? "POST" : "GET") < 0)
        USAGE_ERROR("out of memory");
    if (cfg->n_kinds == 0) {
        cfg->kinds = calloc(1, sizeof *cfg->kinds);
        if (cfg->kinds == NULL || (cfg->kinds[0].path = strdup(cfg->url_path)) == NULL)
            USAGE_ERROR("out of memory");
        cfg->kinds[0].weight = 1;
        cfg->n_kinds = 1;
    }
    if (!have_duration && cfg->requests == 0)
        cfg->duration_s = LOAD_DEFAULT_DURATION_S;

    /* Combinations. */
    if (cfg->connections == 0 && cfg->idle == 0)
        USAGE_ERROR("--connections: 0, and no --idle connections either: nothing to do");
    if (cfg->threads > (uint64_t)cfg->connections + cfg->idle)
        USAGE_ERROR("--threads: %u threads for %llu connections; use at most one per connection",
                    cfg->threads, (unsigned long long)cfg->connections + cfg->idle);
    if (cfg->pipeline > 1 && !cfg->keepalive)
        USAGE_ERROR("--pipeline: pipelining needs keep-alive (drop --no-keepalive)");
    if (cfg->idle > 0 && !cfg->keepalive)
        USAGE_ERROR("--idle: idle connections are keep-alive ones (drop --no-keepalive)");
    if (cfg->idle_interval_s > 0 && cfg->idle == 0)
        USAGE_ERROR("--idle-interval: needs --idle N");
    if (cfg->connections == 0 && cfg->duration_s == 0)
        USAGE_ERROR("--requests: only idle connections (--connections 0) need --duration");
    if (cfg->connections == 0 && cfg->rate > 0)
        USAGE_ERROR("--rate: needs busy connections (--connections at least 1)");
    return LOAD_CONFIG_RUN;
}
