/* c10k-bench --from-docker DIR: the session of a Docker load test, built from what docker/run.sh
 * collected in DIR (docker.json; host/<run>/ from the engine: spec.json, server-inspect.json,
 * load-inspect.json, cgroup.tsv, server.log; runs/<run>/ from the load container: load.json,
 * stats-before.json, stats-after.json, stats.jsonl and, where Prometheus scraped the server,
 * prometheus.json). Each run fills a run record as a local run does, its rows of the server and
 * scenario tables named by its spec, with the engine's view of both containers as its docker
 * part; the cross-check, the bottleneck and the status are judge.c's, the claims, the files and
 * the report c10k-bench's own. */
#ifndef C10K_BENCH_DOCKER_H
#define C10K_BENCH_DOCKER_H

#include "record.h"

#include <stddef.h>
#include <stdio.h>

/* The session of DIR into s (initialised here; the caller frees it), runs judged but not the
 * claims. Returns 0, or -1 with a one-line reason naming the file in err. A run whose own files
 * are missing or broken is in the session, "failed" with the file named in its reason. */
int docker_session(const char *dir, struct session_record *s, char *err, size_t err_len);

/* The terminal summary: the headline, one row per run (status, successful requests/s, p99,
 * errors, connections held, memory and pids peaks, OOM kill), then for a run of several
 * generators the cross-check of their requests against the server's count, their start skew
 * and Prometheus's figures. */
void docker_print_summary(const struct session_record *s, FILE *f);

/* The whole of --from-docker: builds the session, judges the claims, writes DIR/results.json,
 * results.csv and report.html (Chart.js from chartjs_path) and prints the summary. Returns the
 * exit status (0, or 1 after a one-line message). */
int docker_report(const char *dir, const char *chartjs_path);

#endif
