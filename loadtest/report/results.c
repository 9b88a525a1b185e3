#include "results.h"

#include "judge.h"
#include "scenarios.h"
#include "servers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *results_read_text(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    size_t cap = 65536, used = 0;
    char *buf = malloc(cap);
    int err = ENOMEM;
    if (!buf)
        goto fail;
    for (;;) {
        if (cap - used < 4096) {
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                goto fail;
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + used, 1, cap - used - 1, f);
        if (n == 0)
            break;
        used += n;
        if (used > max) {
            err = EFBIG;
            goto fail;
        }
    }
    if (ferror(f)) {
        err = EIO;
        goto fail;
    }
    fclose(f);
    buf[used] = '\0';
    if (len)
        *len = used;
    return buf;
fail:
    free(buf);
    fclose(f);
    errno = err;
    return NULL;
}

json_t *results_document(const struct session_record *s)
{
    json_t *doc = schema_render(&schema_session, s);
    json_t *runs = json_array();
    for (size_t i = 0; i < s->n_runs; i++)
        json_array_append_new(runs, schema_render(&schema_run, &s->runs[i]));
    json_object_set_new(doc, "runs", runs);
    const char *key;
    json_t *v;
    json_object_foreach(s->extra, key, v)
    {
        if (!json_object_get(doc, key))
            json_object_set(doc, key, v);
    }
    return doc;
}

static int write_atomically(const char *dir, const char *name, const struct session_record *s,
                            void (*fn)(const struct session_record *, FILE *))
{
    char path[1024], tmp[1040];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "we");
    if (!f)
        return -errno;
    fn(s, f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        remove(tmp);
        return -EIO;
    }
    if (rename(tmp, path) < 0)
        return -errno;
    return 0;
}

static void dump_json(const struct session_record *s, FILE *f)
{
    json_t *doc = results_document(s);
    json_dumpf(doc, f, JSON_INDENT(1) | JSON_REAL_PRECISION(7));
    fputc('\n', f);
    json_decref(doc);
}

int results_write_json(const struct session_record *s, const char *dir)
{
    return write_atomically(dir, "results.json", s, dump_json);
}

void results_csv(const struct session_record *s, FILE *f)
{
    schema_csv_header(&schema_run, f);
    for (size_t i = 0; i < s->n_runs; i++)
        schema_csv_row(&schema_run, &s->runs[i], f);
}

int results_write_csv(const struct session_record *s, const char *dir)
{
    return write_atomically(dir, "results.csv", s, results_csv);
}

/* A run's rows of the two tables, from the names results.json gives (NULL where this build has
 * no such server or scenario). */
static void resolve(struct run_record *r)
{
    r->scn = r->scenario ? scenario_find(r->scenario) : NULL;
    r->srv = r->model ? server_of_label(r->model, &r->variant) : NULL;
    if (!r->srv && r->mode) {
        r->srv = server_find(r->mode);
        r->variant = 0;
    }
    /* Sessions written before server.refused existed kept only the counters it comes from. */
    if (r->server.refused.present != 1 && r->server.counters)
        judge_refusals_from_counters(r);
}

void results_from_document(const json_t *doc, struct session_record *s)
{
    record_session_init(s);
    schema_parse(&schema_session, s, doc, NULL);
    size_t i;
    json_t *run;
    json_array_foreach(json_object_get(doc, "runs"), i, run)
    {
        struct run_record *r = record_session_add_run(s);
        if (!r)
            break;
        schema_parse(&schema_run, r, run, NULL);
        resolve(r);
    }
    /* What no field of this build holds is kept as it was. */
    s->extra = json_object();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)doc, key, v)
    {
        if (strcmp(key, "runs") != 0 && schema_find(&schema_session, key) < 0)
            json_object_set(s->extra, key, v);
    }
}

int results_load(const char *path, struct session_record *s, char *err, size_t err_len)
{
    char file[4096];
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        snprintf(file, sizeof file, "%s/results.json", path);
    else
        snprintf(file, sizeof file, "%s", path);
    record_session_init(s);
    json_error_t je;
    json_t *doc = json_load_file(file, 0, &je);
    if (!doc) {
        if (access(file, R_OK) != 0)
            snprintf(err, err_len, "%s: %s", file, strerror(errno));
        else
            snprintf(err, err_len, "%s: not JSON (line %d: %s)", file, je.line, je.text);
        return -1;
    }
    const char *schema = json_string_value(json_object_get(doc, "schema"));
    if (!json_is_object(doc) || !json_is_array(json_object_get(doc, "runs")) || !schema) {
        snprintf(err, err_len, "%s: not a c10k-bench session (no schema and runs)", file);
        json_decref(doc);
        return -1;
    }
    if (strcmp(schema, RESULTS_SCHEMA) != 0) {
        snprintf(err, err_len, "%s: schema %s, which this c10k-bench does not read (it reads %s)",
                 file, schema, RESULTS_SCHEMA);
        json_decref(doc);
        return -1;
    }
    results_from_document(doc, s);
    json_decref(doc);
    return 0;
}
