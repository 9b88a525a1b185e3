/* Apache httpd as a peer: the MPMs, each sized for a number of connections as Apache's
 * documentation sizes it, and peers/apache/apache.conf.in filled for one run. */
#ifndef C10K_COMMON_APACHE_CONF_H
#define C10K_COMMON_APACHE_CONF_H

#include <stddef.h>

/* Threads per process of the worker and event MPMs (Apache's default is 25; ThreadLimit, 64
 * by default, is raised with it). */
#define APACHE_THREADS_PER_CHILD 64
/* The event MPM's AsyncRequestWorkerFactor, Apache's default. */
#define APACHE_ASYNC_FACTOR 2
/* Apache's compiled-in bound on ServerLimit for the worker and event MPMs (prefork: 200,000). */
#define APACHE_MAX_SERVER_LIMIT 20000

/* The MPMs, in the order of their table. */
enum apache_mpm { APACHE_PREFORK, APACHE_WORKER, APACHE_EVENT, APACHE_MPM_COUNT };

/* "prefork", "worker", "event". */
const char *apache_mpm_name(enum apache_mpm mpm);

/* The values of the template's sizing placeholders. */
struct apache_sizing {
    long server_limit, max_request_workers, threads_per_child, start_servers, async_factor;
};

/* mpm sized to hold `connections` connections at once (see the template's comments). */
void apache_size(enum apache_mpm mpm, long connections, struct apache_sizing *out);

/* Writes the template (its text) filled for one run to path: dir (the run's directory), host,
 * port, the MPM and its sizing for `connections`. Returns 0 or a negative errno. */
int apache_conf_write(const char *template_text, const char *path, const char *dir,
                      const char *host, int port, enum apache_mpm mpm, long connections);

/* Fills @NAME@ placeholders: each NAME in names[i] becomes values[i]; an '@' that starts no known
 * placeholder is kept. Writes to path. Returns 0 or a negative errno. */
int template_write(const char *text, const char *path, const char *const *names,
                   const char *const *values, size_t n);

#endif
