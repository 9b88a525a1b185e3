/* Command-line options declared once. A program lists its options in one table of struct opt
 * (name, kind, where the value goes, range, default, help), as fio's options.c does with struct
 * fio_option; the parser, --help, the one-line errors and the README's option table (the hidden
 * --help-markdown every program has) all read that table. Adding an option is adding a row. */
#ifndef C10K_OPTS_H
#define C10K_OPTS_H

#include "units.h"

#include <stddef.h>
#include <stdio.h>

#define OPTS_MAX_OPTIONS 64
#define OPTS_HELP_WIDTH 96  /* --help lines are wrapped to this many columns */
#define OPTS_HELP_COLUMN 27 /* where the help text of each option starts */

enum opt_kind {
    OPT_FLAG,    /* no value: stores 1 in an int (0 with .negate) */
    OPT_INT,     /* a whole number from .min to .max with .units' suffixes, in an integer of any
                  * width (read as signed: the width's positive range) */
    OPT_REAL,    /* a number from .rmin to .rmax (or above 0, .positive) with .units, in a double */
    OPT_STRING,  /* a const char * into argv; with .copy a malloc'd copy the program frees */
    OPT_CHOICE,  /* one of the choices: its index, in an int */
    OPT_CHOICES, /* a comma-separated list of the choices: bit i for choice i, in an unsigned */
    OPT_CALL,    /* .call parses and stores: lists, repeated options, addresses, the odd ones */
    OPT_HELP,    /* prints the usage and exits */
    OPT_VERSION, /* prints "PROGRAM VERSION" and exits */
};

struct opts_parser;

/* One option. Rows are designated initialisers; what a row leaves out is 0, which is each
 * field's plain meaning ("no short name", "no limit", "no callback"). */
struct opt {
    const char *name; /* the long name, without "--" */
    char short_name;  /* 0: none */
    enum opt_kind kind;
    const char *arg;  /* the value's name in --help ("N", "BYTES"); NULL for options without one */
    size_t off, size; /* the field in the parser's dst, from OPT_FIELD; size 0: none (OPT_CALL) */

    long long min, max;         /* OPT_INT; max 0: the largest the field holds */
    double rmin, rmax;          /* OPT_REAL; rmax 0: no maximum */
    int positive;               /* OPT_REAL: must be above 0 (instead of rmin) */
    const struct units *units;  /* OPT_INT, OPT_REAL: the suffixes taken; NULL: plain digits */
    const char *const *choices; /* OPT_CHOICE(S): NULL-terminated; or, known at run time: */
    const char *const *(*choices_of)(void *user);
    int negate;   /* OPT_FLAG: stores 0 (a --no-... option) */
    int nonempty; /* OPT_STRING: "" is refused */
    int copy;     /* OPT_STRING: stores a strdup (freeing the one before): the program owns it */

    /* The default, stored by opts_defaults. */
    long long def;        /* OPT_INT */
    double rdef;          /* OPT_REAL */
    const char *sdef;     /* OPT_STRING; OPT_CHOICE: the name of the choice */
    const char *def_text; /* shown instead of the default above, when the program works it out
                           * ("2 x cores") or it means something ("never"); "" shows none */

    const char *help;    /* one sentence for --help (wrapped), without the default */
    const char *doc;     /* the README's wording, Markdown; NULL: the help */
    const char *section; /* --help lists the rows under this heading; NULL: none */
    const char *scope;   /* the models or modes it applies to, shown first ("pool: ...") */
    const char *expect;  /* OPT_CALL: what a valid value is, for the error line ("a method") */

    /* OPT_CALL: parses value and stores it. Other kinds: called after the value is stored, to
     * remember it was given. Returns 0, -EINVAL (the error line then says "must be" .expect),
     * -ENOMEM, or what opts_fail returned after printing its own line. */
    int (*call)(struct opts_parser *p, const struct opt *o, const char *value);
};

/* Where a row's value goes: OPT_FIELD(struct config, port). */
#define OPT_FIELD(type, member) .off = offsetof(type, member), .size = sizeof(((type *)0)->member)

/* A constant's digits in a string literal, for .expect and .help: OPTS_STR(LOAD_MAX_WEIGHT). */
#define OPTS_STR(x) OPTS_STR_(x)
#define OPTS_STR_(x) #x

/* A program's command line. */
struct opts_spec {
    const char *program;  /* starts every error line: "c10k-server" */
    const char *usage;    /* the first lines of --help: "usage: c10k-server [options]\n" */
    const char *intro;    /* paragraphs after them; NULL: none */
    const char *epilogue; /* after the options; NULL: none */
    const char *operands; /* what may follow the options, for the caller; NULL: nothing */
    const struct opt *opts;
    size_t n;
};

/* One parse: the table, the struct its fields are in, and where text goes. */
struct opts_parser {
    const struct opts_spec *spec;
    void *dst;       /* what the rows' OPT_FIELDs point into */
    void *user;      /* for the callbacks and choices_of */
    FILE *out, *err; /* --help, --version and --help-markdown; the error lines */
    int reported;    /* an error line was printed (opts_fail) */
};

enum opts_result {
    OPTS_RUN = 0,   /* the options are stored: run */
    OPTS_EXIT = 1,  /* --help, --version or --help-markdown was printed: exit 0 */
    OPTS_USAGE = 2, /* one line naming the option was printed to err: exit 2 */
};

/* Stores every row's default in p->dst (a program then sets the defaults it works out). Returns
 * OPTS_RUN, or OPTS_USAGE after a line saying what is wrong with the table. */
enum opts_result opts_defaults(struct opts_parser *p);

/* Parses argv from argv[1] (getopt_long: "--name=value", "--name value", "-c value", unique
 * prefixes of long names) into p->dst. On OPTS_RUN, *operand (when not NULL) is the index of
 * the first argument that is not an option; a spec without operands refuses any. */
enum opts_result opts_parse(struct opts_parser *p, int argc, char **argv, int *operand);

/* For callbacks: prints "PROGRAM: --NAME: " and the message on one line; returns -EINVAL. */
int opts_fail(struct opts_parser *p, const struct opt *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* For checks after parsing: prints "PROGRAM: " and the message on one line; returns OPTS_USAGE. */
enum opts_result opts_error(struct opts_parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* --help: the usage, each section's options with their help and defaults, the epilogue. */
void opts_usage(struct opts_parser *p, FILE *f);
/* The README's table: | option | default | meaning |, one row per option. */
void opts_markdown(struct opts_parser *p, FILE *f);

/* What is wrong with a table (a name twice, a range its field cannot hold, a default outside
 * its range...): 0, or -EINVAL with a message naming the row in msg. opts_defaults checks. */
int opts_check(const struct opts_spec *spec, void *user, char *msg, size_t len);

#endif
