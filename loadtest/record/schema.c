#include "schema.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The C type each field type lives in, checked against every row at compile time. */
#define FT_CTYPE_GROUP int
#define FT_CTYPE_INT double
#define FT_CTYPE_REAL double
#define FT_CTYPE_BOOL int
#define FT_CTYPE_STR char *
#define FT_CTYPE_JSON json_t *
#define CHECK_RUN(id, key, type, member, ...)                                                      \
    _Static_assert(_Generic(((struct run_record *)0)->member, FT_CTYPE_##type : 1, default : 0),   \
                   "run field " key " is not a " #type);
#define CHECK_SESSION(id, key, type, member, ...)                                                  \
    _Static_assert(                                                                                \
        _Generic(((struct session_record *)0)->member, FT_CTYPE_##type : 1, default : 0),          \
        "session field " key " is not a " #type);
RUN_FIELDS(CHECK_RUN)
SESSION_FIELDS(CHECK_SESSION)

#define ROW_RUN(id, key, type, member, unit, csv, meaning)                                         \
    [RUN_F_##id] = {key, FT_##type, offsetof(struct run_record, member), unit, csv, meaning},
#define ROW_SESSION(id, key, type, member, unit, csv, meaning)                                     \
    [SES_F_##id] = {key, FT_##type, offsetof(struct session_record, member), unit, csv, meaning},
static const struct field run_fields[] = {RUN_FIELDS(ROW_RUN)};
static const struct field session_fields[] = {SESSION_FIELDS(ROW_SESSION)};

/* Filled once, before main (the tables are constant). */
static int run_parent[RUN_F_COUNT], session_parent[SES_F_COUNT];

const struct schema schema_run = {"run", run_fields, RUN_F_COUNT, run_parent};
const struct schema schema_session = {"session", session_fields, SES_F_COUNT, session_parent};

/* Whether a's key is a proper prefix of b's at a dot. */
static int nests_in(const char *a, const char *b)
{
    size_t n = strlen(a);
    return strncmp(a, b, n) == 0 && b[n] == '.';
}

static void find_parents(const struct field *f, size_t n, int *parent)
{
    for (size_t i = 0; i < n; i++) {
        parent[i] = -1;
        for (size_t j = i; j-- > 0;)
            if ((f[j].type == FT_GROUP || f[j].type == FT_JSON) && nests_in(f[j].key, f[i].key)) {
                parent[i] = (int)j;
                break;
            }
    }
}

__attribute__((constructor)) static void schema_init(void)
{
    find_parents(run_fields, RUN_F_COUNT, run_parent);
    find_parents(session_fields, SES_F_COUNT, session_parent);
}

#define AT(rec, f, type) ((type *)((char *)(rec) + (f)->offset))
#define AT_CONST(rec, f, type) ((type const *)((const char *)(rec) + (f)->offset))

double schema_num(const struct schema *s, int id, const void *rec)
{
    const struct field *f = &s->fields[id];
    if (f->type == FT_INT || f->type == FT_REAL)
        return *AT_CONST(rec, f, double);
    if (f->type == FT_BOOL) {
        int b = *AT_CONST(rec, f, int);
        return b < 0 ? NAN : b;
    }
    return NAN;
}

int schema_find(const struct schema *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->fields[i].key, key) == 0)
            return (int)i;
    return -1;
}

/* Whether a row's ancestors are all present (a group's flag, a JSON row's value). */
static int reachable(const struct schema *s, int i, const void *rec)
{
    for (int p = s->parent[i]; p >= 0; p = s->parent[p]) {
        const struct field *f = &s->fields[p];
        if (f->type == FT_GROUP ? *AT_CONST(rec, f, int) != 1 : *AT_CONST(rec, f, json_t *) == NULL)
            return 0;
    }
    return 1;
}

/* Whether some row nests in row i (then a JSON value is copied before they are set in it). */
static int overlaid(const struct schema *s, size_t i)
{
    return i + 1 < s->n && s->parent[i + 1] == (int)i;
}

static json_t *value_of(const struct schema *s, size_t i, const void *rec)
{
    const struct field *f = &s->fields[i];
    switch (f->type) {
    case FT_GROUP:
        return *AT_CONST(rec, f, int) == 1 ? json_object() : json_null();
    case FT_INT: {
        double v = *AT_CONST(rec, f, double);
        return isfinite(v) ? json_integer((json_int_t)v) : json_null();
    }
    case FT_REAL: {
        double v = *AT_CONST(rec, f, double);
        return isfinite(v) ? json_real(v) : json_null();
    }
    case FT_BOOL: {
        int v = *AT_CONST(rec, f, int);
        return v < 0 ? json_null() : json_boolean(v);
    }
    case FT_STR: {
        const char *v = *AT_CONST(rec, f, char *);
        return v ? json_string(v) : json_null();
    }
    case FT_JSON: {
        json_t *v = *AT_CONST(rec, f, json_t *);
        if (!v)
            return json_null();
        return overlaid(s, i) ? json_deep_copy(v) : json_incref(v);
    }
    }
    return json_null();
}

json_t *schema_value(const struct schema *s, int id, const void *rec)
{
    return reachable(s, id, rec) ? value_of(s, (size_t)id, rec) : json_null();
}

/* The object that holds the last component of key in root, made as needed (NULL when a
 * component on the way is not an object). *last points at that component. */
static json_t *holder(json_t *root, const char *key, const char **last)
{
    json_t *o = root;
    const char *p = key;
    for (const char *dot; (dot = strchr(p, '.')); p = dot + 1) {
        char part[64];
        size_t n = (size_t)(dot - p);
        if (n >= sizeof part)
            return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        json_t *next = json_object_get(o, part);
        if (!next) {
            next = json_object();
            json_object_set_new(o, part, next);
        }
        if (!json_is_object(next))
            return NULL;
        o = next;
    }
    *last = p;
    return o;
}

json_t *schema_render(const struct schema *s, const void *rec)
{
    json_t *root = json_object();
    for (size_t i = 0; i < s->n; i++) {
        if (!reachable(s, (int)i, rec))
            continue;
        const char *last;
        json_t *o = holder(root, s->fields[i].key, &last);
        if (!o)
            continue;
        /* A present group inside an object passed through keeps that object's other members. */
        if (s->fields[i].type == FT_GROUP && *AT_CONST(rec, &s->fields[i], int) == 1 &&
            json_is_object(json_object_get(o, last)))
            continue;
        json_object_set_new(o, last, value_of(s, i, rec));
    }
    return root;
}

json_t *schema_json_at(const json_t *root, const char *path)
{
    const json_t *o = root;
    const char *p = path;
    while (o && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char part[64];
        if (n >= sizeof part)
            return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        o = json_object_get(o, part);
        p += n + (dot ? 1 : 0);
    }
    return (json_t *)o;
}

static void clear_one(const struct field *f, void *rec)
{
    switch (f->type) {
    case FT_GROUP:
        *AT(rec, f, int) = 0;
        break;
    case FT_INT:
    case FT_REAL:
        *AT(rec, f, double) = NAN;
        break;
    case FT_BOOL:
        *AT(rec, f, int) = -1;
        break;
    case FT_STR:
        free(*AT(rec, f, char *));
        *AT(rec, f, char *) = NULL;
        break;
    case FT_JSON:
        json_decref(*AT(rec, f, json_t *));
        *AT(rec, f, json_t *) = NULL;
        break;
    }
}

void schema_clear(const struct schema *s, void *rec)
{
    for (size_t i = 0; i < s->n; i++)
        clear_one(&s->fields[i], rec);
}

static void parse_one(const struct field *f, void *rec, const json_t *v)
{
    clear_one(f, rec);
    switch (f->type) {
    case FT_GROUP:
        *AT(rec, f, int) = json_is_object(v);
        break;
    case FT_INT:
    case FT_REAL:
        *AT(rec, f, double) = json_is_number(v) ? json_number_value(v) : NAN;
        break;
    case FT_BOOL:
        *AT(rec, f, int) = json_is_boolean(v) ? json_is_true(v) : -1;
        break;
    case FT_STR:
        *AT(rec, f, char *) = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
        break;
    case FT_JSON:
        *AT(rec, f, json_t *) = v && !json_is_null(v) ? json_incref((json_t *)v) : NULL;
        break;
    }
}

void schema_parse(const struct schema *s, void *rec, const json_t *obj, const char *under)
{
    size_t skip = under && *under ? strlen(under) : 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct field *f = &s->fields[i];
        if (skip && strcmp(f->key, under) != 0 && !nests_in(under, f->key))
            continue;
        const char *rest = f->key + skip;
        json_t *v = *rest == '.' ? schema_json_at(obj, rest + 1)
                    : !*rest     ? (json_t *)obj
                                 : schema_json_at(obj, rest);
        if (v) /* null sets it absent; a field obj does not have keeps its value */
            parse_one(f, rec, v);
    }
}

/* ---- results.csv ---- */

void schema_csv_text(FILE *f, const char *s)
{
    if (!s)
        return;
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_number(FILE *f, double d)
{
    if (d == floor(d) && fabs(d) < 1e15)
        fprintf(f, "%.0f", d);
    else
        fprintf(f, "%.6g", d);
}

void schema_csv_header(const struct schema *s, FILE *f)
{
    int first = 1;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->fields[i].csv[0])
            continue;
        fprintf(f, "%s%s", first ? "" : ",", s->fields[i].csv);
        first = 0;
    }
    fputc('\n', f);
}

void schema_csv_row(const struct schema *s, const void *rec, FILE *f)
{
    int first = 1;
    for (size_t i = 0; i < s->n; i++) {
        const struct field *fd = &s->fields[i];
        if (!fd->csv[0])
            continue;
        if (!first)
            fputc(',', f);
        first = 0;
        if (!reachable(s, (int)i, rec))
            continue;
        switch (fd->type) {
        case FT_INT:
        case FT_REAL:
            if (isfinite(*AT_CONST(rec, fd, double)))
                csv_number(f, *AT_CONST(rec, fd, double));
            break;
        case FT_BOOL:
            if (*AT_CONST(rec, fd, int) >= 0)
                fputs(*AT_CONST(rec, fd, int) ? "true" : "false", f);
            break;
        case FT_STR:
            schema_csv_text(f, *AT_CONST(rec, fd, char *));
            break;
        case FT_JSON: {
            const json_t *v = *AT_CONST(rec, fd, json_t *);
            if (json_is_number(v))
                csv_number(f, json_number_value(v));
            else if (json_is_string(v))
                schema_csv_text(f, json_string_value(v));
            break;
        }
        case FT_GROUP:
            break;
        }
    }
    fputc('\n', f);
}

/* ---- The schema section of loadtest/README.md, and the report's copy ---- */

static const char *type_name(enum field_type t)
{
    static const char *const names[] = {"object", "integer", "number", "boolean", "string", "JSON"};
    return names[t];
}

json_t *schema_describe(const struct schema *s)
{
    json_t *o = json_object();
    for (size_t i = 0; i < s->n; i++) {
        const struct field *fd = &s->fields[i];
        json_object_set_new(o, fd->key,
                            json_pack("{s:s, s:s, s:s}", "type", type_name(fd->type), "unit",
                                      fd->unit, "meaning", fd->meaning));
    }
    return o;
}

static void markdown_table(FILE *f, const struct schema *s)
{
    fprintf(f, "| key | type | unit | CSV column | meaning |\n| --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < s->n; i++) {
        const struct field *fd = &s->fields[i];
        fprintf(f, "| `%s` | %s | %s | %s%s%s | %s |\n", fd->key, type_name(fd->type), fd->unit,
                fd->csv[0] ? "`" : "", fd->csv, fd->csv[0] ? "`" : "", fd->meaning);
    }
}

void schema_markdown(FILE *f)
{
    fprintf(f, "#### A session\n\nBesides `runs` (an array of runs, below):\n\n");
    markdown_table(f, &schema_session);
    fprintf(f, "\n#### A run\n\n");
    markdown_table(f, &schema_run);
}

/* ---- The shape check ---- */

static int type_fits(enum field_type t, const json_t *v)
{
    switch (t) {
    case FT_GROUP:
        return json_is_object(v);
    case FT_INT:
    case FT_REAL:
        return json_is_number(v);
    case FT_BOOL:
        return json_is_boolean(v);
    case FT_STR:
        return json_is_string(v);
    case FT_JSON:
        return 1;
    }
    return 0;
}

int schema_check(const struct schema *s, const json_t *obj, json_t *problems)
{
    int bad = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct field *f = &s->fields[i];
        /* Only where its parent is there and not null. */
        int p = s->parent[i];
        if (p >= 0 && !json_is_object(schema_json_at(obj, s->fields[p].key)))
            continue;
        json_t *v = schema_json_at(obj, f->key);
        char line[256];
        if (!v) {
            snprintf(line, sizeof line, "%s: missing", f->key);
        } else if (!json_is_null(v) && !type_fits(f->type, v)) {
            snprintf(line, sizeof line, "%s: not a %s", f->key, type_name(f->type));
        } else {
            continue;
        }
        json_array_append_new(problems, json_string(line));
        bad++;
    }
    return bad;
}
