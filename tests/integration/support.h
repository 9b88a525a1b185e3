/* Support for the integration tests: start the real c10k-server on port 0, talk HTTP/1.1 to it
 * over real sockets with a deadline on every wait, read its /stats, and stop it.
 *
 * Ownership: everything this library hands out (servers, connections, responses, strings) belongs
 * to the running test and is released when the test function returns, whether it passed or failed
 * (a CHECK returns early). A server started by a test is stopped then; a connection is closed.
 * The shared server (it_shared_server) lives until every test of the program has run.
 *
 * A test program is run as `test_x <server-binary> <server arguments...> [-- test names...]`; the
 * server arguments (for example `--mode pool --threads 4`) are passed to every server it starts,
 * after `--host 127.0.0.1 --port 0` and before the test's own extra arguments. */
#ifndef C10K_IT_SUPPORT_H
#define C10K_IT_SUPPORT_H

#include "proc.h"
#include "testlib.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#define IT_START_TIMEOUT_MS 10000 /* to read the server's "listening on" line */
#define IT_IO_TIMEOUT_MS 5000     /* default deadline for one response or one send */
#define IT_STOP_TIMEOUT_MS 5000   /* from SIGTERM to exit before SIGKILL */
#define IT_MAX_HEADERS 64

struct it_server {
    struct proc proc; /* common/'s child; a server's stdout is proc.stdout_fd, non-blocking */
    pid_t pid;        /* proc.pid */
    char host[64];
    int port;
    char mode[16]; /* as the "listening on" line reported it */
    int reaped;    /* it has been reaped; `status` is its wait status */
    int status;
    unsigned long long bytes_sent;     /* by every connection to it */
    unsigned long long bytes_received; /* from it, by every connection */
};

struct it_header {
    char *name;
    char *value;
};

struct it_response {
    int status;
    int minor_version;
    char *reason;
    struct it_header headers[IT_MAX_HEADERS];
    int nheaders;
    int chunked; /* the body came with Transfer-Encoding: chunked */
    char *body;  /* NUL-terminated for convenience; body_len excludes the NUL */
    size_t body_len;
    size_t raw_len; /* head and framed body as they were on the wire */
};

struct it_conn {
    int fd; /* non-blocking, TCP_NODELAY */
    struct it_server *srv;
    char *buf; /* received bytes not yet taken as a response */
    size_t len, cap;
    int eof;   /* the peer closed: FIN or reset */
    int reset; /* ... and it was a reset */
};

/* Flags for reading a response. */
#define IT_RESP_HEAD 1 /* the answer to a HEAD request: no body whatever the headers say */

/* Built with a sanitizer, where a fork is slow: it copies the page tables of the sanitizer's
 * mappings (about 100 ms under ThreadSanitizer, 10 to 40 ms under AddressSanitizer, more on a
 * busy machine). Tests that fork a process per connection use fewer connections there. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define IT_SLOW_FORK 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define IT_SLOW_FORK 1
#endif
#endif
#ifndef IT_SLOW_FORK
#define IT_SLOW_FORK 0
#endif

/* ---- the program: argv, the runner ---- */

int it_main(int argc, char **argv, const struct testlib_case *cases, size_t n);

#define IT_MAIN(...)                                                                               \
    int testlib_failed;                                                                            \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        static const struct testlib_case cases[] = {__VA_ARGS__};                                  \
        return it_main(argc, argv, cases, sizeof cases / sizeof cases[0]);                         \
    }

const char *it_server_path(void);
/* The mode the program was asked to test ("thread", "pool", "loop", "uring"), from its --mode
 * argument. */
const char *it_mode(void);

/* An event model (loop, uring): non-blocking, a few threads, the same behaviour under load. */
struct it_event_model {
    const char *count_option; /* how many loops or rings: "--loops" */
    const char *stats_array;  /* their section of /stats: "loops" */
};
/* The mode under test as an event model, or NULL for a thread model. */
const struct it_event_model *it_event_model(void);
/* Whether the mode under test serves each connection on a thread of its own ("thread",
 * "py-threads"). */
int it_thread_per_connection(void);
/* A model of several processes (process, prefork), each serving one connection at a time. */
struct it_process_model {
    const char *count_option; /* the option that sets how many serve at once, or NULL: one per
                                 connection */
};
/* The mode under test as a process model, or NULL for a model of one process. */
const struct it_process_model *it_process_model(void);
/* Waits until every prefork worker has started (the server says it listens before it starts
 * them): 0 (at once for the other models), or -ETIMEDOUT (printed). */
int it_wait_workers(struct it_server *s);
/* How many connections the server serves at once at most: the prefork workers, else unbounded
 * (INT_MAX). */
int it_serving_limit(void);
/* The value of a server option the program was given (e.g. "--threads"), or NULL. */
const char *it_option(const char *name);

/* Prints a diagnostic line under the current test (stderr). */
void it_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

long long it_now_ms(void);
/* A pause between two polls of a condition (never a wait for one to hold). */
void it_pause_ms(int ms);

/* Memory released when the current test ends. Never NULL (aborts when out of memory). */
void *it_alloc(size_t n);
char *it_strdup(const char *s);
char *it_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- servers ---- */

/* The program's shared server, started with the program's arguments on first use (NULL if it
 * could not start). Tests that need other options or that stop the server start their own. */
struct it_server *it_shared_server(void);

/* Starts a server with the program's arguments plus the given ones (a NULL-terminated list, or
 * NULL), and waits for its "listening on" line. NULL on failure (the reason is printed).
 * it_server_start("--max-conns", "2") is it_server_startv with the list made for you. */
struct it_server *it_server_startv(const char *const *extra);
#define it_server_start(...) it_server_startv((const char *const[]){__VA_ARGS__, NULL})

/* Same, with the command line after a prefix (a NULL-terminated list, or NULL), such as
 * {"setpriv", "--reuid=65534", ..., NULL} to run it as another user. */
struct it_server *it_server_start_prefixed(const char *const *prefix, const char *const *extra);

#define IT_MAX_PIDS 4096
/* The server's processes: its pid first, then its descendants (common/procfs.h's tree).
 * Returns how many, or a negative errno (printed). */
int it_server_pids(struct it_server *s, pid_t *out, int max);
/* How many of the server's descendants are zombies (ended, not reaped), or a negative errno. */
int it_server_zombies(struct it_server *s);

int it_server_signal(struct it_server *s, int sig);
/* Waits until the server exits. 0 once it has (see s->status), -ETIMEDOUT. */
int it_server_wait_exit(struct it_server *s, int timeout_ms);
/* SIGTERM, then waits; SIGKILL (reported) when it does not exit in time. Returns 0 when it exited
 * with status 0, -ETIMEDOUT when it had to be killed, -ECHILD for any other end (printed). */
int it_server_stop(struct it_server *s, int timeout_ms);
/* A description of a wait status ("exit 0", "signal 11"), in test memory. */
const char *it_wait_status_str(int status);

/* Runs the server binary with exactly these arguments (NULL-terminated), stdout and stderr
 * captured, and waits for it to exit. Returns 0 with *exit_code set (128 + signal when killed by
 * one), or -ETIMEDOUT after killing it. `out` and `err` (either may be NULL) receive the captured
 * text, NUL-terminated, in test memory. */
int it_run(const char *const *args, int timeout_ms, int *exit_code, char **out, char **err);

/* ---- connections ---- */

/* Connects to the server (deadline IT_IO_TIMEOUT_MS). NULL on failure (printed). */
struct it_conn *it_connect(struct it_server *s);
/* Same, without printing: returns NULL and sets *err to a negative errno. */
struct it_conn *it_try_connect(struct it_server *s, int *err);
void it_close(struct it_conn *c);

/* Sends every byte (input arriving meanwhile is kept, so a long pipeline cannot deadlock).
 * Returns 0, or a negative errno (printed). */
int it_send(struct it_conn *c, const void *data, size_t len);
int it_sends(struct it_conn *c, const char *str);
int it_sendf(struct it_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sends one byte per write(). */
int it_send_bytewise(struct it_conn *c, const void *data, size_t len);

/* Reads one response, waiting at most timeout_ms. NULL on timeout, close or malformed input
 * (the reason is printed). */
struct it_response *it_read_response(struct it_conn *c, int timeout_ms);
struct it_response *it_read_response_ex(struct it_conn *c, int flags, int timeout_ms);

/* Non-blocking pieces of the above, for tests that poll many connections themselves.
 * it_conn_fill reads what is available: >0 bytes read, 0 at EOF (c->eof set), -EAGAIN.
 * it_conn_take_response: 1 with *out set, 0 when more input is needed, -EPROTO when malformed. */
int it_conn_fill(struct it_conn *c);
int it_conn_take_response(struct it_conn *c, int flags, struct it_response **out);

/* Reads until the peer closes: 0 with the bytes received (if data is not NULL), -ETIMEDOUT. */
int it_read_until_eof(struct it_conn *c, int timeout_ms, char **data, size_t *len);
/* Waits for the peer to close, discarding anything it sends: 0, or -ETIMEDOUT. */
int it_wait_closed(struct it_conn *c, int timeout_ms);
/* Takes responses until the peer closes: the number of final (non-1xx) responses, -EPROTO when
 * one is malformed (printed), -ETIMEDOUT. Bytes of an unfinished response at the close are
 * ignored. */
int it_count_responses_until_eof(struct it_conn *c, int timeout_ms);
/* True when the peer has not closed the connection and sent nothing unread (a non-blocking look).
 */
int it_conn_is_quiet(struct it_conn *c);

/* One request on its own connection, with Connection: close. NULL on failure (printed). */
struct it_response *it_request(struct it_server *s, const char *method, const char *target,
                               const char *body, size_t body_len);
struct it_response *it_get(struct it_server *s, const char *target);

/* A header's value (the first, names compared case-insensitively), or NULL. */
const char *it_header(const struct it_response *r, const char *name);
int it_header_count(const struct it_response *r, const char *name);
/* True when the comma-separated header value lists `token` (case-insensitive). */
int it_header_has_token(const struct it_response *r, const char *name, const char *token);

/* ---- other processes (the proxies in front of the server), ports and files ---- */

/* A port nothing is bound to on 127.0.0.1, below the ephemeral range (common/freeport.h's
 * freeport_pick), or -1 (printed). Another process may take it before it is used: a caller whose
 * process then fails to bind it picks again. */
int it_free_port(void);
/* Starts argv (argv[0] looked up in PATH) with stdout and stderr in log_path (emptied first). It is
 * owned like a server: stopped (SIGTERM, then SIGKILL) when the test ends, killed if the test
 * program dies, and it_connect reaches it at host:port. NULL on failure (printed). */
struct it_server *it_process_startv(const char *const *argv, const char *log_path, const char *host,
                                    int port);
/* Waits until the process accepts connections: 0, -ECHILD when it exited first, -ETIMEDOUT. */
int it_process_wait_listening(struct it_server *s, int timeout_ms);
/* The path of a program in PATH or in an sbin directory, or NULL; in test memory. */
const char *it_find_program(const char *name);
/* A new empty directory, removed with everything in it when the test ends (after the processes
 * it started are stopped). NULL on failure (printed). */
char *it_temp_dir(void);
/* 0, or a negative errno (printed). */
int it_write_file(const char *path, const char *text);
/* The whole file, NUL-terminated, in test memory; NULL when it cannot be read (printed). */
char *it_read_file(const char *path);

/* ---- JSON and /stats ---- */

/* True when the text is one valid JSON value. */
int it_json_valid(const char *json);
/* Looks up a dotted path ("requests.total", "loops.0.accepted"; a numeric component indexes an
 * array). 0 on success, -ENOENT when absent, -EINVAL when the value has another type. */
int it_json_number(const char *json, const char *path, double *out);
int it_json_string(const char *json, const char *path, char *out, size_t outlen);
/* Elements of the array at path, or a negative errno. */
int it_json_array_len(const char *json, const char *path);

/* GET /stats on a new connection: the body, or NULL (printed). */
char *it_stats(struct it_server *s);
/* One counter of a fresh /stats, or -1 (printed). */
double it_stat(struct it_server *s, const char *path);
/* Polls /stats until the number at path is >= want; 0, or -ETIMEDOUT (printed, with the last
 * value). `got` (may be NULL) receives the last value read. */
int it_wait_stat_ge(struct it_server *s, const char *path, double want, int timeout_ms,
                    double *got);
int it_wait_stat_eq(struct it_server *s, const char *path, double want, int timeout_ms,
                    double *got);
/* Polls /stats until bytes.in covers every byte sent to the server so far: proof that the server
 * has read (and started on) whatever was sent. 0, or -ETIMEDOUT. */
int it_wait_server_read_all(struct it_server *s, int timeout_ms);

#endif
