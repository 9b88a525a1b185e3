/* The smallest HTTP/1.1 client: one GET on a new connection, the answer read until the server
 * closes it. Enough for /stats and nginx's stub_status between runs, never under load. */
#ifndef C10K_BENCH_HTTPC_H
#define C10K_BENCH_HTTPC_H

/* GET http://host:port/path with "Connection: close", waiting at most timeout_ms in all. On
 * success *body is the answer's body (malloc'd, NUL-terminated, the caller frees it) and the
 * return value the status code; otherwise a negative errno (-ETIMEDOUT, -ECONNREFUSED, -EPROTO
 * for an answer that is not HTTP). */
int httpc_get(const char *host, int port, const char *path, int timeout_ms, char **body);

/* Whether something accepts connections on host:port (1) or not (0). */
int httpc_can_connect(const char *host, int port);

#endif
