/* c10k-bench --from-docker DIR: the session of a Docker load test, built from what docker/run.sh
 * collected in DIR (docker.json; host/<run>/ from the engine: spec.json, server-inspect.json,
 * load-inspect.json, cgroup.tsv, server.log; runs/<run>/ from the load container: load.json,
 * stats-before.json, stats-after.json, stats.jsonl and, where Prometheus scraped the server,
 * prometheus.json). Each run becomes one run object of results.json's one schema, with the
 * engine's view of both containers as its "docker" section; the claims, the files and the
 * report are c10k-bench's own. */
#ifndef C10K_BENCH_DOCKER_H
#define C10K_BENCH_DOCKER_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* The session document of DIR, runs judged but not the claims (a new reference), or NULL with
 * a one-line reason naming the file in err. A run whose own files are missing or broken is in
 * the document, "failed" with the file named in its reason. */
json_t *docker_session(const char *dir, char *err, size_t err_len);

/* The terminal summary: the headline, then one row per run (status, successful requests/s,
 * p99, errors, connections held, memory and pids peaks, OOM kill). */
void docker_print_summary(const json_t *root, FILE *f);

/* The whole of --from-docker: builds the session, judges the claims, writes DIR/results.json,
 * results.csv and report.html (Chart.js from chartjs_path) and prints the summary. Returns the
 * exit status (0, or 1 after a one-line message). */
int docker_report(const char *dir, const char *chartjs_path);

#endif
