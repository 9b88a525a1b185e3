/* Support for the load client's tests: run programs with deadlines, capture what they print,
 * start a server and read its port from its first line, fetch a path over HTTP, and pick numbers
 * out of the client's JSON. Every wait has a deadline; every process started is stopped. The
 * processes, the first line and the GET are common/'s (proc.h, listening.h, httpc.h). */
#ifndef C10K_TESTS_CLIENTS_SUPPORT_H
#define C10K_TESTS_CLIENTS_SUPPORT_H

#include "proc.h"

#include <stddef.h>
#include <sys/types.h>

#define PROC_RUN_TIMEOUT_MS 30000
#define PROC_SERVER_START_MS 10000 /* to read a server's "listening on" line */
#define PROC_SERVER_STOP_MS 5000   /* from SIGTERM to SIGKILL */
#define PROC_HTTP_TIMEOUT_MS 5000

/* A program run to completion. out and err are NUL-terminated and owned (proc_result_free). */
struct proc_result {
    int exit_code; /* -1 when killed by a signal or by the deadline */
    char *out, *err;
};

/* Runs argv (NULL-terminated) with an optional open-file limit (0: unchanged) and waits for it,
 * killing it after timeout_ms. Returns 0, or -1 when it could not be started. */
int proc_run(char *const argv[], unsigned long nofile, int timeout_ms, struct proc_result *r);
void proc_result_free(struct proc_result *r);

/* Runs argv with its stderr on a pseudo-terminal (stdout discarded) and returns what it wrote
 * there (owned, NUL-terminated), or NULL. */
char *proc_run_tty_stderr(char *const argv[], int timeout_ms);
/* Runs c10k-load: argv (argc arguments, with room for three more) gets `--json FILE` for a
 * temporary file. Returns the exit code (-1 when it could not run) with its output in r, and
 * sets *json to what it wrote there (owned; NULL when nothing). Prints the error of a non-zero
 * exit. */
int proc_run_load(char *argv[], int argc, struct proc_result *r, char **json);

/* A server running in the background. */
struct proc_server {
    struct proc proc;
    char host[64];
    int port;
};

/* Starts argv and reads its first stdout line, "listening on HOST:PORT ...". Returns 0 or -1. */
int proc_server_start(struct proc_server *s, char *const argv[]);
/* SIGTERM, then SIGKILL after a deadline; reaps it. */
void proc_server_stop(struct proc_server *s);

/* GET path from the server (Connection: close); copies the body into buf (NUL-terminated).
 * Returns the status code, or -1. */
int proc_http_get(const struct proc_server *s, const char *path, char *buf, size_t len);

/* The number at the path of object keys (a NULL-terminated list) in the JSON text: 0 or -1. */
int proc_json_number(const char *json, const char *const keys[], double *value);
/* Whether text is one well-formed JSON value. */
int proc_json_valid(const char *text);

/* Reads a whole file (NUL-terminated, owned by the caller); NULL when it cannot. */
char *proc_read_file(const char *path);

#endif
