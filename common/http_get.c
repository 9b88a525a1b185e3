/* c10k-http-get [--timeout DURATION] http://HOST[:PORT][/PATH]: one GET; prints the body, exits
 * 0 on a 200, 1 on any other answer or none, 2 on a URL or an option it cannot take. */
#include "httpc.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_GET_TIMEOUT_MS 3000 /* --timeout: connecting, sending and the whole answer */
#define HTTP_GET_MAX_TIMEOUT_MS (24 * 3600 * 1000)

static const char usage[] =
    "usage: c10k-http-get [--timeout DURATION] http://HOST[:PORT][/PATH]\n"
    "One GET with Connection: close; prints the body. Exits 0 on a 200, 1 on any other answer or\n"
    "none, 2 on a URL or an option it cannot take.\n"
    "  --timeout DURATION  for the whole exchange: 500ms, 3s, or seconds (default 3s)\n";

/* "500ms", "3s", "1.5" (seconds): milliseconds, or -1. */
static int parse_duration_ms(const char *s)
{
    double v;
    if (units_parse_real(s, &units_seconds, &v) < 0)
        return -1;
    if (v * 1000 > HTTP_GET_MAX_TIMEOUT_MS || v * 1000 < 1)
        return -1;
    return (int)(v * 1000);
}

static int bad_usage(const char *what, const char *arg)
{
    fprintf(stderr, "c10k-http-get: %s: %s (try --help)\n", what, arg);
    return 2;
}

int main(int argc, char **argv)
{
    int timeout_ms = HTTP_GET_TIMEOUT_MS;
    const char *url = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--timeout") == 0) {
            if (i + 1 == argc)
                return bad_usage("--timeout needs a value", "DURATION");
            if ((timeout_ms = parse_duration_ms(argv[++i])) < 0)
                return bad_usage("--timeout is not a duration", argv[i]);
        } else if (url == NULL && strncmp(argv[i], "--", 2) != 0) {
            url = argv[i];
        } else {
            return bad_usage("unexpected argument", argv[i]);
        }
    }
    if (url == NULL)
        return bad_usage("missing URL", "http://HOST[:PORT][/PATH]");
    char host[HTTPC_MAX_HOST], path[HTTPC_MAX_PATH];
    int port;
    if (httpc_parse_url(url, host, &port, path) < 0)
        return bad_usage("not a URL of the form http://HOST[:PORT][/PATH]", url);
    char *body;
    int status = httpc_get(host, port, path, timeout_ms, &body);
    if (status < 0) {
        fprintf(stderr, "c10k-http-get: %s: %s\n", url,
                status == -EPROTO ? "the answer is not HTTP" : strerror(-status));
        return 1;
    }
    fputs(body, stdout);
    free(body);
    if (status != 200) {
        fprintf(stderr, "c10k-http-get: %s answered %d\n", url, status);
        return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
