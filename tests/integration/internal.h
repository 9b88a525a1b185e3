/* What the parts of the integration tests' support share (support.c: the program and what a
 * test owns; servers.c: processes; conn.c: sockets; response.c: the strict response parser;
 * json.c: JSON and /stats; files.c). The tests include support.h only. */
#ifndef C10K_IT_INTERNAL_H
#define C10K_IT_INTERNAL_H

#include "support.h"

#define IT_MAX_ARGS 64
#define IT_MAX_RESPONSE_HEAD (64 * 1024)

/* What a test owns, released when it ends: connections first, then servers, then memory and
 * directories. */
enum it_res_kind { IT_RES_MEMORY, IT_RES_CONN, IT_RES_SERVER, IT_RES_DIR };
void it_own(enum it_res_kind kind, void *p);
void it_disown(void *p);

/* malloc and realloc that abort when out of memory. */
void *it_xmalloc(size_t n);
void *it_xrealloc(void *p, size_t n);

/* Milliseconds to the deadline, at least 0. */
int it_remaining_ms(long long deadline);

/* The server arguments the program was given, passed to every server it starts. */
const char *const *it_server_args(int *n);

/* Starts a server with the program's arguments plus extra, not owned by the current test. */
struct it_server *it_server_spawn(const char *const *extra);
struct it_server *it_server_spawn_prefixed(const char *const *prefix, const char *const *extra);
/* Reaps the server if it has exited: 1 once it has (s->reaped, s->status), 0 while it runs. */
int it_server_poll(struct it_server *s);
/* Copies what the server printed on stdout since its first line to our stderr. */
void it_server_drain_stdout(struct it_server *s);

void it_conn_free(struct it_conn *c);

/* Parses one response at the start of buf: >0 bytes consumed with *out filled (in test memory),
 * 0 when more input is needed, -1 when malformed (*why says why). */
long it_parse_response(const char *buf, size_t len, int eof, int flags, struct it_response **out,
                       const char **why);
/* Logs bytes with CR, LF and other control bytes escaped. */
void it_log_bytes(const char *what, const char *p, size_t len);

void it_remove_tree(const char *dir);

#endif
