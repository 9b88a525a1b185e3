/* JSON (jansson) and the server's /stats for the integration tests. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int it_json_valid(const char *json)
{
    json_t *root = json_loads(json, JSON_DECODE_ANY, NULL);
    json_decref(root);
    return root != NULL;
}

/* Parses the text and finds the value at a dotted path: 0 with *root (to json_decref) and *at,
 * -ENOENT, -EINVAL. */
static int j_find(const char *json, const char *path, json_t **root, json_t **at)
{
    *root = json_loads(json, JSON_DECODE_ANY, NULL);
    if (!*root)
        return -EINVAL;
    json_t *v = *root;
    for (const char *comp = path; *comp && v;) {
        size_t cl = strcspn(comp, ".");
        char key[128];
        if (cl >= sizeof(key)) {
            v = NULL;
            break;
        }
        memcpy(key, comp, cl);
        key[cl] = '\0';
        if (json_is_object(v))
            v = json_object_get(v, key);
        else if (json_is_array(v) && isdigit((unsigned char)key[0]))
            v = json_array_get(v, strtoul(key, NULL, 10));
        else
            v = NULL;
        comp += cl;
        if (*comp == '.')
            comp++;
    }
    if (!v) {
        json_decref(*root);
        return -ENOENT;
    }
    *at = v;
    return 0;
}

int it_json_number(const char *json, const char *path, double *out)
{
    json_t *root, *at;
    int rc = j_find(json, path, &root, &at);
    if (rc < 0)
        return rc;
    rc = json_is_number(at) ? 0 : -EINVAL;
    if (rc == 0)
        *out = json_number_value(at);
    json_decref(root);
    return rc;
}

int it_json_string(const char *json, const char *path, char *out, size_t outlen)
{
    json_t *root, *at;
    int rc = j_find(json, path, &root, &at);
    if (rc < 0)
        return rc;
    if (!json_is_string(at)) {
        rc = -EINVAL;
    } else if (json_string_length(at) >= outlen) {
        rc = -ENOSPC;
    } else {
        memcpy(out, json_string_value(at), json_string_length(at) + 1);
    }
    json_decref(root);
    return rc;
}

int it_json_array_len(const char *json, const char *path)
{
    json_t *root, *at;
    int rc = j_find(json, path, &root, &at);
    if (rc < 0)
        return rc;
    rc = json_is_array(at) ? (int)json_array_size(at) : -EINVAL;
    json_decref(root);
    return rc;
}

/* ---- /stats ---- */

char *it_stats(struct it_server *s)
{
    struct it_response *r = it_get(s, "/stats");
    if (!r)
        return NULL;
    if (r->status != 200) {
        it_log("/stats answered %d", r->status);
        return NULL;
    }
    if (!it_json_valid(r->body)) {
        it_log_bytes("/stats is not valid JSON", r->body, r->body_len);
        return NULL;
    }
    return r->body;
}

double it_stat(struct it_server *s, const char *path)
{
    char *json = it_stats(s);
    if (!json)
        return -1;
    double v;
    int rc = it_json_number(json, path, &v);
    if (rc < 0) {
        it_log("/stats has no number at %s (%s)", path, strerror(-rc));
        return -1;
    }
    return v;
}

static int wait_stat(struct it_server *s, const char *path, double want, int timeout_ms,
                     double *got, int exact)
{
    long long deadline = it_now_ms() + timeout_ms;
    double v = -1;
    for (;;) {
        v = it_stat(s, path);
        if (got)
            *got = v;
        if (exact ? v == want : v >= want)
            return 0;
        if (it_now_ms() >= deadline)
            break;
        it_pause_ms(5); /* between polls of a condition, not a wait for it */
    }
    it_log("%s stayed at %.0f, expected %s %.0f, for %d ms", path, v, exact ? "==" : ">=", want,
           timeout_ms);
    return -ETIMEDOUT;
}

int it_wait_stat_ge(struct it_server *s, const char *path, double want, int timeout_ms, double *got)
{
    return wait_stat(s, path, want, timeout_ms, got, 0);
}

int it_wait_stat_eq(struct it_server *s, const char *path, double want, int timeout_ms, double *got)
{
    return wait_stat(s, path, want, timeout_ms, got, 1);
}

int it_wait_server_read_all(struct it_server *s, int timeout_ms)
{
    long long deadline = it_now_ms() + timeout_ms;
    for (;;) {
        double in = it_stat(s, "bytes.in");
        /* bytes_sent now includes the /stats request just answered, which the server had read */
        if (in >= 0 && in >= (double)s->bytes_sent)
            return 0;
        if (it_now_ms() >= deadline) {
            it_log("bytes.in stayed at %.0f, below the %llu bytes sent, for %d ms", in,
                   s->bytes_sent, timeout_ms);
            return -ETIMEDOUT;
        }
        it_pause_ms(5);
    }
}

int it_wait_workers(struct it_server *s)
{
    if (it_serving_limit() == INT_MAX)
        return 0;
    return it_wait_stat_eq(s, "prefork.live", it_serving_limit(), 5000, NULL);
}
