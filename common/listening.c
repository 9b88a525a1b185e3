#include "listening.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LISTENING_PREFIX "listening on "

/* Copies [p, end) into dst (size n): 0, or -EINVAL when it does not fit. */
static int copy_span(char *dst, size_t n, const char *p, const char *end)
{
    size_t len = (size_t)(end - p);
    if (len >= n)
        return -EINVAL;
    memcpy(dst, p, len);
    dst[len] = '\0';
    return 0;
}

/* HOST:PORT in [p, end), HOST maybe a bracketed IPv6 address. */
static int parse_address(const char *p, const char *end, struct listening *out)
{
    const char *colon = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == ':')
            colon = q;
    if (!colon || colon == p)
        return -EINVAL;
    const char *host = p, *host_end = colon;
    if (*host == '[') {
        if (host_end[-1] != ']' || host_end - host < 3)
            return -EINVAL;
        host++;
        host_end--;
    }
    if (copy_span(out->host, sizeof out->host, host, host_end) < 0)
        return -EINVAL;
    char *port_end;
    long port = strtol(colon + 1, &port_end, 10);
    if (port_end != end || colon + 1 == end || port <= 0 || port > 65535)
        return -EINVAL;
    out->port = (int)port;
    return 0;
}

int listening_parse(const char *line, struct listening *out)
{
    memset(out, 0, sizeof *out);
    if (strncmp(line, LISTENING_PREFIX, strlen(LISTENING_PREFIX)) != 0)
        return -EINVAL;
    const char *p = line + strlen(LISTENING_PREFIX);
    const char *end = p + strcspn(p, " ");
    if (parse_address(p, end, out) < 0)
        return -EINVAL;
    if (*end == '\0')
        return 0;
    /* " mode=MODE", maybe followed by more fields */
    if (strncmp(end, " mode=", 6) != 0)
        return -EINVAL;
    const char *mode = end + 6;
    return copy_span(out->mode, sizeof out->mode, mode, mode + strcspn(mode, " "));
}
