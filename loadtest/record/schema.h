/* The schema tables of fields.h as data: each field's key, type, unit, CSV column and meaning,
 * and where it lives in its record. From them: results.json's run and session objects, the
 * records read back from a results.json, results.csv, the schema section of
 * loadtest/README.md and the shape check. */
#ifndef C10K_BENCH_SCHEMA_H
#define C10K_BENCH_SCHEMA_H

#include "fields.h"
#include "record.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* results.json's schema name; a file of another schema is not read. */
#define RESULTS_SCHEMA "c10k-bench/1"

enum field_type { FT_GROUP, FT_INT, FT_REAL, FT_BOOL, FT_STR, FT_JSON };

struct field {
    const char *key;
    enum field_type type;
    size_t offset; /* in struct run_record or struct session_record */
    const char *unit, *csv, *meaning;
};

#define FIELD_ENUM(id, ...) RUN_F_##id,
enum run_field { RUN_FIELDS(FIELD_ENUM) RUN_F_COUNT };
#undef FIELD_ENUM
#define FIELD_ENUM(id, ...) SES_F_##id,
enum session_field { SESSION_FIELDS(FIELD_ENUM) SES_F_COUNT };
#undef FIELD_ENUM

/* One table: its rows, and for each row the nearest row above it in the JSON tree (a group or a
 * JSON row it nests in; -1 at the top). */
struct schema {
    const char *name; /* "run", "session" */
    const struct field *fields;
    size_t n;
    const int *parent;
};

extern const struct schema schema_run, schema_session;

/* A numeric field's value in a record (NaN when absent or not numeric). */
double schema_num(const struct schema *s, int id, const void *rec);
/* A field's value in a record as JSON, as results.json has it (a new reference; null when
 * absent). */
json_t *schema_value(const struct schema *s, int id, const void *rec);
/* A field by key, or -1. */
int schema_find(const struct schema *s, const char *key);

/* The record as a JSON object (a new reference). */
json_t *schema_render(const struct schema *s, const void *rec);
/* Fills a record from a JSON object: every field whose key is under `under` (NULL or "": every
 * field) takes the value at the rest of its key in obj. Fields absent there stay as they were. */
void schema_parse(const struct schema *s, void *rec, const json_t *obj, const char *under);
/* Frees what a record owns (strings, JSON) and sets every field absent. */
void schema_clear(const struct schema *s, void *rec);

/* results.csv: the header, then one line per run. */
void schema_csv_header(const struct schema *s, FILE *f);
void schema_csv_row(const struct schema *s, const void *rec, FILE *f);
/* One CSV field: as it is, or in double quotes (a quote doubled) where it holds a comma, a quote
 * or a line break (RFC 4180). NULL writes an empty field. compare.csv writes its text with it. */
void schema_csv_text(FILE *f, const char *s);

/* The table as JSON, for the report's page: {key: {type, unit, meaning}} (a new reference). */
json_t *schema_describe(const struct schema *s);

/* The schema as Markdown tables (the section of loadtest/README.md). */
void schema_markdown(FILE *f);

/* Checks a JSON object against a table: every field is there (or null), with its type. Appends
 * one line per problem to problems (a JSON array of strings). Returns the number found. */
int schema_check(const struct schema *s, const json_t *obj, json_t *problems);

/* The value at a dotted path of a JSON document, the one reader of paths: for the schema's own
 * use and for documents that are not records (c10k-load's JSON, Docker's files). */
json_t *schema_json_at(const json_t *root, const char *path);

#endif
