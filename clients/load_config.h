/* The load client's command line: what to send, to where, how hard and for how long. Parsing is
 * separate from running so that every rule about values is unit-tested without sockets. */
#ifndef C10K_LOAD_CONFIG_H
#define C10K_LOAD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#define LOAD_DEFAULT_CONNECTIONS 10
#define LOAD_DEFAULT_THREADS 1
#define LOAD_DEFAULT_DURATION_S 10.0
#define LOAD_DEFAULT_TIMEOUT_S 10.0
#define LOAD_DEFAULT_PIPELINE 1
#define LOAD_MIN_TIMEOUT_S 0.001 /* --timeout and --idle-interval: at least 1ms */
#define LOAD_MAX_RATE 1e8        /* --rate: requests per second */
#define LOAD_MAX_RAMP 1e7        /* --ramp: connections per second */
#define LOAD_MAX_CONNECTIONS 1000000
#define LOAD_MAX_THREADS 256
#define LOAD_MAX_PIPELINE 1024
#define LOAD_MAX_REQUEST_KINDS 64
#define LOAD_MAX_WEIGHT 1000
#define LOAD_MAX_SOURCES 65536
#define LOAD_MAX_BODY_BYTES ((size_t)64 * 1024 * 1024)
#define LOAD_MAX_START_AHEAD_S (24.0 * 3600) /* --start-at: at most this far ahead */
#define LOAD_MAX_GENERATOR_ID 64             /* --generator-id: characters */
#define LOAD_MAX_KEYS 1000000000             /* --keys: at most 9 digits */
/* In a request path, replaced by a key number (--keys). */
#define LOAD_KEY_PLACEHOLDER "{key}"

/* One kind of request in the mix: sent in proportion to its weight. */
struct load_request_kind {
    char *method; /* owned */
    char *path;   /* owned; the request-target as sent */
    unsigned weight;
};

struct load_address {
    struct sockaddr_storage addr;
    socklen_t len;
};

struct load_config {
    /* The target, from the URL. */
    char *url;         /* owned copy of the argument */
    char *host;        /* owned; as in the URL, without brackets */
    char *host_header; /* owned; the Host header value (brackets and non-default port kept) */
    char *port;        /* owned; decimal */
    char *url_path;    /* owned; path and query of the URL, "/" when absent */

    /* Load. */
    uint32_t connections; /* busy connections */
    uint32_t threads;
    uint32_t pipeline; /* requests in flight per busy connection */
    double rate;       /* open loop when > 0: requests per second in total */
    double duration_s; /* measured time, after the warm-up; 0 with --requests alone */
    uint64_t requests; /* measured requests to send; 0 for no count limit */
    double warmup_s;
    double timeout_s;
    int keepalive;
    uint32_t idle;          /* extra silent keep-alive connections */
    double idle_interval_s; /* each idle connection sends one request this often; 0: never */
    double ramp;            /* connections opened per second; 0: all at once */

    /* What to send. */
    char *method;                    /* owned; default method for kinds that name none */
    struct load_request_kind *kinds; /* owned; never empty after parsing */
    size_t n_kinds;
    char **headers; /* owned; "Name: value" lines without CRLF */
    size_t n_headers;
    char *body; /* owned; NULL when none */
    size_t body_len;
    uint32_t keys; /* LOAD_KEY_PLACEHOLDER in a path: a number below this, new per request */

    /* Where from. */
    struct load_address *sources; /* owned; NULL when the kernel picks the source address */
    size_t n_sources;

    char *json_path; /* owned; NULL when no JSON is wanted; "-" for stdout */

    /* One generator among several. */
    double start_at;    /* Unix time (CLOCK_REALTIME) at which the run starts; 0: at once */
    char *generator_id; /* owned; NULL when not given */
};

enum load_config_result {
    LOAD_CONFIG_RUN = 0,   /* run with the parsed configuration */
    LOAD_CONFIG_EXIT = 1,  /* --help or --version was printed: exit 0 */
    LOAD_CONFIG_USAGE = 2, /* a bad value: an error line was printed; exit 2 */
};

/* Parses argv into cfg (which it initialises), by the option table in load_config.c. Help, version
 * and --help-markdown go to out, errors (one line, naming the option) to err. cfg must be released
 * with load_config_free whatever the result. */
enum load_config_result load_config_parse(struct load_config *cfg, int argc, char **argv, FILE *out,
                                          FILE *err);
void load_config_free(struct load_config *cfg);

/* Value parsers, exposed for tests. Each returns 0 or -EINVAL. */
/* "10", "1.5s", "250ms", "2m", "1h" (plain numbers are seconds); must be >= 0. */
int load_parse_duration(const char *s, double *seconds);
/* A count with an optional k (10^3) or M (10^6) suffix; must be >= 0. */
int load_parse_count(const char *s, uint64_t *n);
/* http://HOST[:PORT][/PATH]; HOST may be a name, an IPv4 address or a bracketed IPv6 one. */
int load_parse_url(const char *url, char **host, char **host_header, char **port, char **path);
/* A comma-separated list of addresses or IPv4 ranges "A-B"; appends to *list. */
int load_parse_sources(const char *s, struct load_address **list, size_t *n);
/* "[METHOD] PATH [WEIGHT]". method is NULL when not given. */
int load_parse_request_kind(const char *s, struct load_request_kind *kind);
/* "1764640000.250" (Unix seconds) or "+SECONDS" / "+TIME" (from now, the Unix time `now`); the
 * result must be positive and at most LOAD_MAX_START_AHEAD_S after now (a past time is allowed). */
int load_parse_start_at(const char *s, double now, double *unix_s);
/* 1 to LOAD_MAX_GENERATOR_ID characters of [A-Za-z0-9._-]: 1 when valid. */
int load_valid_generator_id(const char *s);

#endif
