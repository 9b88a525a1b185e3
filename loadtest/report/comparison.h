/* What c10k-bench --compare writes: compare.json (every paired cell's figures, ratios, noise and
 * verdicts, the environment's differences, the claims side by side, the gate), compare.csv (a
 * row per cell and figure), compare.html (compare_template.html through report_page_write: A and
 * B on the same axes) and the one-screen summary on the terminal. The judging is
 * analyse/compare.c's. */
#ifndef C10K_BENCH_COMPARISON_H
#define C10K_BENCH_COMPARISON_H

#include "compare.h"

#include <jansson.h>
#include <stdio.h>

/* compare.json's schema name. */
#define COMPARE_SCHEMA "c10k-bench-compare/1"
/* Sessions one comparison takes: A and up to 25 against it, labelled A to Z. */
#define COMPARE_SESSIONS_MAX 26

/* Exit statuses of --compare. */
#define COMPARE_EXIT_OK 0
#define COMPARE_EXIT_WORSE 1 /* a rule of the gate was broken */
#define COMPARE_EXIT_BAD 2   /* a session could not be read, or two have nothing in common */

struct comparison {
    int n; /* sessions; pairs has n - 1 */
    const char *paths[COMPARE_SESSIONS_MAX];
    struct session_record sessions[COMPARE_SESSIONS_MAX];
    struct compare_pair pairs[COMPARE_SESSIONS_MAX - 1]; /* session i + 1 against session 0 */
    struct compare_rules rules;
};

/* Reads the sessions and compares each later one with the first. Returns 0, or -1 with a
 * one-line reason in err (a session that cannot be read, none in common). */
int comparison_build(struct comparison *c, const char *const *paths, int n, char *err,
                     size_t err_len);
void comparison_free(struct comparison *c);

/* The cells that broke a rule of the gate, over every pair. */
int comparison_broken(const struct comparison *c);

/* compare.json's document (a new reference). */
json_t *comparison_json(const struct comparison *c);
/* compare.csv: a header, then a row per cell and figure measured on either side. */
void comparison_csv(const struct comparison *c, FILE *f);
/* Writes dir/compare.json, compare.csv and compare.html. Returns 0 or a negative errno (with
 * what failed in err). */
int comparison_write(const struct comparison *c, const char *dir, const char *chartjs, char *err,
                     size_t err_len);
/* The summary for the terminal: one screen. */
void comparison_summary(const struct comparison *c, FILE *f);

#endif
