#include "load_config.h"

#include "opts.h"
#include "units.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* The client's numbers are common/units.c's; these keep its -EINVAL convention. */
int load_parse_duration(const char *s, double *seconds)
{
    return s && units_parse_real(s, &units_seconds, seconds) == 0 ? 0 : -EINVAL;
}

int load_parse_count(const char *s, uint64_t *n)
{
    return s && units_parse_int(s, &units_thousands, n) == 0 ? 0 : -EINVAL;
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
        static const struct unit none[] = {{"", 1}, {NULL, 0}};
        static const struct units unix_seconds = {none, 1};
        if (units_parse_real(s, &unix_seconds, &at) < 0)
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

/* ---- the options ---- */

/* What a parse remembers beside the configuration, for the defaults that depend on it. */
struct load_parse {
    int have_duration;
    int have_body;
    int method_given;
};

static struct load_parse *state_of(struct opts_parser *p)
{
    return p->user;
}

static struct load_config *cfg_of(struct opts_parser *p)
{
    return p->dst;
}

static int note_duration(struct opts_parser *p, const struct opt *o, const char *value)
{
    (void)o, (void)value;
    state_of(p)->have_duration = 1;
    return 0;
}

static int add_sources(struct opts_parser *p, const struct opt *o, const char *value)
{
    (void)o;
    return load_parse_sources(value, &cfg_of(p)->sources, &cfg_of(p)->n_sources);
}

static int set_method(struct opts_parser *p, const struct opt *o, const char *value)
{
    (void)o;
    if (!valid_method(value, strlen(value)))
        return -EINVAL;
    state_of(p)->method_given = 1;
    return replace_string(&cfg_of(p)->method, value);
}

static int add_request(struct opts_parser *p, const struct opt *o, const char *value)
{
    struct load_config *cfg = cfg_of(p);
    if (cfg->n_kinds >= LOAD_MAX_REQUEST_KINDS)
        return opts_fail(p, o, "more than %d kinds of request", LOAD_MAX_REQUEST_KINDS);
    struct load_request_kind kind;
    if (load_parse_request_kind(value, &kind) < 0)
        return -EINVAL;
    struct load_request_kind *grown = realloc(cfg->kinds, (cfg->n_kinds + 1) * sizeof *cfg->kinds);
    if (grown == NULL) {
        free(kind.method);
        free(kind.path);
        return -ENOMEM;
    }
    cfg->kinds = grown;
    cfg->kinds[cfg->n_kinds++] = kind;
    return 0;
}

static int add_header(struct opts_parser *p, const struct opt *o, const char *value)
{
    struct load_config *cfg = cfg_of(p);
    (void)o;
    if (!valid_header(value))
        return -EINVAL;
    char **grown = realloc(cfg->headers, (cfg->n_headers + 1) * sizeof *cfg->headers);
    if (grown == NULL)
        return -ENOMEM;
    cfg->headers = grown;
    if ((cfg->headers[cfg->n_headers] = strdup(value)) == NULL)
        return -ENOMEM;
    cfg->n_headers++;
    return 0;
}

static int set_body(struct opts_parser *p, const struct opt *o, const char *value)
{
    struct load_config *cfg = cfg_of(p);
    if (state_of(p)->have_body)
        return opts_fail(p, o, "a body was already given");
    state_of(p)->have_body = 1;
    cfg->body_len = strlen(value);
    return replace_string(&cfg->body, value);
}

static int set_body_file(struct opts_parser *p, const struct opt *o, const char *value)
{
    if (state_of(p)->have_body)
        return opts_fail(p, o, "a body was already given");
    int r = read_file(value, &cfg_of(p)->body, &cfg_of(p)->body_len);
    if (r < 0)
        return opts_fail(p, o, "cannot read '%s': %s", value, strerror(-r));
    state_of(p)->have_body = 1;
    return 0;
}

static int set_start_at(struct opts_parser *p, const struct opt *o, const char *value)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    double now_s = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
    if (load_parse_start_at(value, now_s, &cfg_of(p)->start_at) < 0)
        return opts_fail(p, o,
                         "invalid value '%s': must be a Unix time (e.g. %.0f.250) or +SECONDS at "
                         "most 24h ahead",
                         value, now_s);
    return 0;
}

static int set_generator_id(struct opts_parser *p, const struct opt *o, const char *value)
{
    (void)o;
    if (!load_valid_generator_id(value))
        return -EINVAL;
    return replace_string(&cfg_of(p)->generator_id, value);
}

#define CFG(member) OPT_FIELD(struct load_config, member)
#define COUNT(member, least, most)                                                                 \
    .kind = OPT_INT, .arg = "N", CFG(member), .units = &units_thousands, .min = (least),           \
    .max = (most)
#define TIME(member) .kind = OPT_REAL, .arg = "TIME", CFG(member), .units = &units_seconds
#define PER_SECOND(member, most)                                                                   \
    .kind = OPT_REAL, .arg = "N", CFG(member), .units = &units_thousands, .positive = 1,           \
    .rmax = (most), .def_text = ""

#define SECTION_LOAD "Load"
#define SECTION_REQUESTS "Requests"
#define SECTION_GENERATORS "Several generators (see \"c10k-load merge --help\")"
#define SECTION_OUTPUT "Output"

/* Every option of c10k-load, once: --help, the errors and clients/README.md's table come from
 * here. */
static const struct opt load_options[] = {
    {"connections", 'c', COUNT(connections, 0, LOAD_MAX_CONNECTIONS),
     .def = LOAD_DEFAULT_CONNECTIONS, .section = SECTION_LOAD, .help = "busy connections",
     .doc = "busy connections; 0 is allowed with `--idle`"},
    {"threads", 't', COUNT(threads, 1, LOAD_MAX_THREADS), .def = LOAD_DEFAULT_THREADS,
     .section = SECTION_LOAD, .help = "threads, each with its own event loop",
     .doc = "threads, each with its own epoll loop and its share of the connections (at most one "
            "per connection)"},
    {"duration", 'd', TIME(duration_s), .positive = 1, .rdef = LOAD_DEFAULT_DURATION_S,
     .call = note_duration, .section = SECTION_LOAD, .help = "measured time after the warm-up",
     .doc = "measured time, after the warm-up (none when only `--requests` is given)"},
    {"requests", 'n', COUNT(requests, 1, 0), .def_text = "", .section = SECTION_LOAD,
     .help = "stop after N measured requests (with --duration: what comes first)",
     .doc = "stop after N measured requests have been answered (with `--duration` too: whichever "
            "comes first). Exactly N are sent."},
    {"rate", 'R', PER_SECOND(rate, LOAD_MAX_RATE), .section = SECTION_LOAD,
     .help = "open loop: N requests per second in total",
     .doc = "open loop: N requests per second in total, evenly spaced (each thread takes an "
            "interleaved share)"},
    {"pipeline", 'p', COUNT(pipeline, 1, LOAD_MAX_PIPELINE), .def = LOAD_DEFAULT_PIPELINE,
     .section = SECTION_LOAD, .help = "requests in flight per connection",
     .doc = "requests in flight per busy connection"},
    {"no-keepalive", .kind = OPT_FLAG, CFG(keepalive), .negate = 1, .section = SECTION_LOAD,
     .help = "a new connection for every request",
     .doc = "a new connection for every request (`Connection: close`); latency then includes the "
            "connect"},
    {"warmup", 'w', TIME(warmup_s), .section = SECTION_LOAD,
     .help = "run this long first, excluded from the results",
     .doc = "run this long first; requests due during the warm-up are left out of every result"},
    {"timeout", TIME(timeout_s), .rmin = LOAD_MIN_TIMEOUT_S, .rdef = LOAD_DEFAULT_TIMEOUT_S,
     .section = SECTION_LOAD, .help = "a request (or a connect) that takes longer fails",
     .doc = "a request without a response (or a connect without an answer) for this long fails"},
    {"idle", COUNT(idle, 0, LOAD_MAX_CONNECTIONS), .def_text = "", .section = SECTION_LOAD,
     .help = "N more keep-alive connections that stay silent",
     .doc = "N more keep-alive connections that stay silent beside the busy ones"},
    {"idle-interval", TIME(idle_interval_s), .rmin = LOAD_MIN_TIMEOUT_S, .def_text = "never",
     .section = SECTION_LOAD, .help = "each idle connection sends one request this often",
     .doc = "each idle connection sends one request this often (spread evenly)"},
    {"ramp", PER_SECOND(ramp, LOAD_MAX_RAMP), .section = SECTION_LOAD,
     .help = "open N connections per second instead of all at once",
     .doc = "open N connections per second (busy ones first) instead of all at once"},
    {"source", .kind = OPT_CALL, .arg = "ADDRS", .call = add_sources,
     .expect = "a list of addresses or IPv4 ranges (A-B) of at most " OPTS_STR(
         LOAD_MAX_SOURCES) " addresses",
     .section = SECTION_LOAD,
     .help = "local addresses to connect from, e.g. 127.0.0.2-127.0.0.40 (comma-separated "
             "addresses or IPv4 ranges; repeatable)",
     .doc = "local source addresses: a comma-separated list of addresses or IPv4 ranges "
            "(`127.0.0.2-127.0.0.40`); repeatable. Connection *i* uses address *i* mod count."},
    {"method", 'm', .kind = OPT_CALL, .arg = "METHOD", .call = set_method, .expect = "a method",
     .def_text = "GET, or POST with a body", .section = SECTION_REQUESTS, .help = "default method"},
    {"request", 'r', .kind = OPT_CALL, .arg = "SPEC", .call = add_request,
     .expect = "\"[METHOD] PATH [WEIGHT]\" (PATH starting with /, WEIGHT from 1 to " OPTS_STR(
         LOAD_MAX_WEIGHT) ")",
     .section = SECTION_REQUESTS,
     .help = "add \"[METHOD] PATH [WEIGHT]\" to the mix (repeatable); without it every request is "
             "for the URL's path",
     .doc = "add a kind of request, `[METHOD] PATH [WEIGHT]`, to the mix (repeatable, weight 1 to "
            "1000, default 1). Without it, every request is for the URL's path."},
    {"header", 'H', .kind = OPT_CALL, .arg = "'N: V'", .call = add_header,
     .expect = "\"Name: value\"", .section = SECTION_REQUESTS,
     .help = "add a header to every request (repeatable)",
     .doc = "add a header `Name: value` to every request (repeatable; a `Host`, `Content-Length` "
            "or `Connection` given here replaces the client's own)"},
    {"body", 'b', .kind = OPT_CALL, .arg = "STRING", .call = set_body, .section = SECTION_REQUESTS,
     .help = "body for the requests whose method is not GET or HEAD",
     .doc = "body of the requests whose method is not GET or HEAD (with `Content-Length`)"},
    {"body-file", .kind = OPT_CALL, .arg = "FILE", .call = set_body_file,
     .section = SECTION_REQUESTS, .help = "the same, read from a file"},
    {"keys", COUNT(keys, 1, LOAD_MAX_KEYS), .def_text = "", .section = SECTION_REQUESTS,
     .help = "replace {key} in the request paths with a key number below N, a new one per request",
     .doc = "replace `{key}` in the request paths (the URL's or `--request`'s) with a key number "
            "below N, zero-padded to the width of N - 1, a new one per request: connection *i* "
            "of *C* sends *i*, *i* + *C*, *i* + 2*C*... (mod N), so that the connections "
            "together walk every key (`/data?key={key}` over a server's `--dataset`)"},
    {"start-at", .kind = OPT_CALL, .arg = "WHEN", .call = set_start_at,
     .section = SECTION_GENERATORS,
     .help = "wait until this Unix time (e.g. 1764640000.250; +5 or +500ms: that long from now), "
             "then connect, warm up and measure as usual",
     .doc = "wait until this wall-clock time, Unix seconds with an optional fraction "
            "(`1764640000.250`) or `+SECONDS` from now (`+5`, `+500ms`), then connect, warm up "
            "and measure as usual. At most 24 h ahead; a time that has passed starts the run at "
            "once, with a line on stderr saying how late. See "
            "[Several generators](#several-generators)."},
    {"generator-id", .kind = OPT_CALL, .arg = "ID", .call = set_generator_id,
     .expect = "1 to " OPTS_STR(LOAD_MAX_GENERATOR_ID) " characters of A-Z a-z 0-9 . _ -",
     .section = SECTION_GENERATORS,
     .help = "name this generator in the summary and the JSON (1-64 characters of A-Z a-z 0-9 . "
             "_ -)",
     .doc = "a name for this generator (1 to 64 characters of `A-Z a-z 0-9 . _ -`), shown in the "
            "summary's first line and written as `generator_id`"},
    {"json", 'j', .kind = OPT_STRING, .arg = "FILE", CFG(json_path), .copy = 1, .nonempty = 1,
     .section = SECTION_OUTPUT,
     .help = "write the summary, histograms and a per-second series as JSON (\"-\" for stdout)",
     .doc = "write the results as JSON (`-` for stdout; the summary then goes to stderr)"},
    {"help", 'h', .kind = OPT_HELP, .section = SECTION_OUTPUT, .help = "this text"},
    {"version", 'V', .kind = OPT_VERSION, .section = SECTION_OUTPUT, .help = "the version"},
};

static const struct opts_spec load_spec = {
    .program = "c10k-load",
    .usage = "usage: c10k-load [options] http://HOST[:PORT][/PATH]\n"
             "       c10k-load merge [--json OUT] FILE...   (results of several generators as "
             "one)\n",
    .intro = "An HTTP/1.1 load generator: closed loop by default (each connection sends its next "
             "request\n"
             "when the previous response arrives), open loop with --rate (latency counted from the "
             "time\n"
             "each request was due, so that a stalled server shows in the percentiles).\n",
    .epilogue = "TIME takes us, ms, s, m or h (plain numbers are seconds); N takes k or M "
                "suffixes.\n"
                "The summary goes to stdout; on a terminal a progress line is shown on stderr.\n"
                "Exit status: 0 after a run, 1 when it could not run, 2 for a bad option.\n",
    .operands = "http://HOST[:PORT][/PATH]",
    .opts = load_options,
    .n = sizeof load_options / sizeof load_options[0],
};

/* ---- after the options ---- */

static enum opts_result take_url(struct opts_parser *p, int argc, char **argv, int first)
{
    struct load_config *cfg = cfg_of(p);
    if (first >= argc)
        return opts_error(p, "missing the target URL, e.g. http://127.0.0.1:8080/ (see --help)");
    if (first + 1 < argc)
        return opts_error(p, "'%s': only one target URL is allowed", argv[first + 1]);
    const char *url = argv[first];
    if (strncmp(url, "https://", 8) == 0)
        return opts_error(p, "'%s': https is not supported; use http://", url);
    int r = load_parse_url(url, &cfg->host, &cfg->host_header, &cfg->port, &cfg->url_path);
    if (r == -ENOMEM)
        return opts_error(p, "out of memory");
    if (r < 0)
        return opts_error(p, "'%s' is not a URL of the form http://HOST[:PORT][/PATH]", url);
    if (replace_string(&cfg->url, url) < 0)
        return opts_error(p, "out of memory");
    return OPTS_RUN;
}

/* The defaults that depend on other options. */
static enum opts_result late_defaults(struct opts_parser *p)
{
    struct load_config *cfg = cfg_of(p);
    const struct load_parse *st = state_of(p);
    if (!st->method_given && replace_string(&cfg->method, st->have_body ? "POST" : "GET") < 0)
        return opts_error(p, "out of memory");
    if (cfg->n_kinds == 0) {
        cfg->kinds = calloc(1, sizeof *cfg->kinds);
        if (cfg->kinds == NULL || (cfg->kinds[0].path = strdup(cfg->url_path)) == NULL)
            return opts_error(p, "out of memory");
        cfg->kinds[0].weight = 1;
        cfg->n_kinds = 1;
    }
    if (!st->have_duration && cfg->requests > 0)
        cfg->duration_s = 0;
    return OPTS_RUN;
}

static enum opts_result check_combinations(struct opts_parser *p)
{
    const struct load_config *cfg = cfg_of(p);
    if (cfg->connections == 0 && cfg->idle == 0)
        return opts_error(p, "--connections: 0, and no --idle connections either: nothing to do");
    if (cfg->threads > (uint64_t)cfg->connections + cfg->idle)
        return opts_error(
            p, "--threads: %u threads for %llu connections; use at most one per connection",
            cfg->threads, (unsigned long long)cfg->connections + cfg->idle);
    if (cfg->pipeline > 1 && !cfg->keepalive)
        return opts_error(p, "--pipeline: pipelining needs keep-alive (drop --no-keepalive)");
    if (cfg->idle > 0 && !cfg->keepalive)
        return opts_error(p, "--idle: idle connections are keep-alive ones (drop --no-keepalive)");
    if (cfg->idle_interval_s > 0 && cfg->idle == 0)
        return opts_error(p, "--idle-interval: needs --idle N");
    if (cfg->connections == 0 && cfg->duration_s == 0)
        return opts_error(p, "--requests: only idle connections (--connections 0) need --duration");
    if (cfg->connections == 0 && cfg->rate > 0)
        return opts_error(p, "--rate: needs busy connections (--connections at least 1)");
    int keyed = 0;
    for (size_t i = 0; i < cfg->n_kinds; i++)
        keyed |= strstr(cfg->kinds[i].path, LOAD_KEY_PLACEHOLDER) != NULL;
    if (cfg->keys > 0 && !keyed)
        return opts_error(p, "--keys: no request path has " LOAD_KEY_PLACEHOLDER " to replace");
    if (cfg->keys == 0 && keyed)
        return opts_error(p, "a request path has " LOAD_KEY_PLACEHOLDER ": give --keys N");
    return OPTS_RUN;
}

enum load_config_result load_config_parse(struct load_config *cfg, int argc, char **argv, FILE *out,
                                          FILE *err)
{
    struct load_parse st = {0};
    struct opts_parser p = {&load_spec, cfg, &st, out, err, 0};
    int first;
    memset(cfg, 0, sizeof *cfg);
    enum opts_result r = opts_defaults(&p);
    if (r == OPTS_RUN)
        r = opts_parse(&p, argc, argv, &first);
    if (r == OPTS_RUN)
        r = take_url(&p, argc, argv, first);
    if (r == OPTS_RUN)
        r = late_defaults(&p);
    if (r == OPTS_RUN)
        r = check_combinations(&p);
    return r == OPTS_RUN ? LOAD_CONFIG_RUN : r == OPTS_EXIT ? LOAD_CONFIG_EXIT : LOAD_CONFIG_USAGE;
}
