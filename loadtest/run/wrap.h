/* A server run under a wrapper that counts what it does: perf stat (system calls and context
 * switches, every thread and child), strace -f -c (system calls by name, where perf cannot
 * read the syscall tracepoints) or valgrind's callgrind (user-space instructions). The wrapper
 * writes its counts to a file; wrap_read turns that file into one object of results.json. */
#ifndef C10K_BENCH_WRAP_H
#define C10K_BENCH_WRAP_H

#include <jansson.h>
#include <stddef.h>

enum wrap_kind {
    WRAP_NONE,
    WRAP_PERF,      /* perf stat -x, -e raw_syscalls:sys_enter,context-switches,... */
    WRAP_STRACE,    /* strace -f -c */
    WRAP_CALLGRIND, /* valgrind --tool=callgrind */
    WRAP_SYSCALLS,  /* perf where it can read the syscall tracepoints, else strace */
};

#define WRAP_MAX_ARGS 12

/* Parses "perf", "strace", "callgrind" or "syscalls". Returns 0 or -EINVAL. */
int wrap_parse(const char *name, enum wrap_kind *kind);
const char *wrap_name(enum wrap_kind kind);
/* The program a kind runs ("perf", "strace", "valgrind") and its Debian package. */
const char *wrap_program(enum wrap_kind kind);
const char *wrap_package(enum wrap_kind kind);
/* 1 when the wrapper forks the server as its child (perf, strace); 0 when the server runs in
 * the wrapper's own process (valgrind). */
int wrap_forks(enum wrap_kind kind);

/* Writes the wrapper's argv up to the server's (program, options, "--" where needed) into argv
 * (at most WRAP_MAX_ARGS entries; the strings live in store, of store_len bytes) with its
 * output going to out_path (callgrind: out_path.<pid>, one file per process). Returns the
 * number of entries. */
int wrap_argv(enum wrap_kind kind, const char *program, const char *out_path, char **argv,
              char *store, size_t store_len);

/* The counts in a wrapper's output, as an object with "counts" (name -> count) and the
 * totals that apply: "syscalls", "context_switches", "instructions". NULL with a reason in err
 * when the text holds none. */
json_t *wrap_parse_perf_stat(const char *text, char *err, size_t err_len);
json_t *wrap_parse_strace(const char *text, char *err, size_t err_len);
/* One callgrind output file; "instructions" is its summary line (events Ir). */
json_t *wrap_parse_callgrind(const char *text, char *err, size_t err_len);

/* Reads what the wrapper wrote to out_path (callgrind: every out_path.<pid> file, summed).
 * Returns the object of the parsers above, or NULL with a reason in err. */
json_t *wrap_read(enum wrap_kind kind, const char *out_path, char *err, size_t err_len);

#endif
