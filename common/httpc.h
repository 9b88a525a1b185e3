/* The smallest HTTP/1.1 client: one GET on a new connection, the answer framed by the load
 * client's response parser (clients/resp_parse.h: Content-Length, chunked, or the close). Enough
 * for /stats, nginx's stub_status and health checks, never under load. Errors are negative errno
 * values. */
#ifndef C10K_COMMON_HTTPC_H
#define C10K_COMMON_HTTPC_H

#include <stddef.h>

#define HTTPC_MAX_BODY ((size_t)4 * 1024 * 1024) /* a longer body is -EMSGSIZE */
#define HTTPC_MAX_HOST 256
#define HTTPC_MAX_PATH 2048

/* GET http://host:port/path with "Connection: close", waiting at most timeout_ms in all (a host
 * name is resolved first, outside that deadline). host is a name, an IPv4 or an IPv6 address
 * (without brackets). On success *body is the answer's body (malloc'd, NUL-terminated, the
 * caller frees it) and the return value the status code; otherwise a negative errno
 * (-ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH for a name that does not resolve, -EPROTO for an
 * answer that is not HTTP or is cut short, -EMSGSIZE). */
int httpc_get(const char *host, int port, const char *path, int timeout_ms, char **body);

/* Whether something accepts connections on host:port (1) or not (0). */
int httpc_can_connect(const char *host, int port);

/* Splits "http://HOST[:PORT][/PATH]" (HOST may be a bracketed IPv6 address; PORT defaults to
 * 80, PATH to "/"). Returns 0, or -EINVAL for a URL of another form. */
int httpc_parse_url(const char *url, char host[HTTPC_MAX_HOST], int *port,
                    char path[HTTPC_MAX_PATH]);

#endif
