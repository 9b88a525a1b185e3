#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* getopt_long's value for row i is OPTS_VAL + i; --help-markdown's is one past the last row. */
#define OPTS_VAL 256
#define OPTS_VAL_MARKDOWN (OPTS_VAL + OPTS_MAX_OPTIONS)

static int takes_value(enum opt_kind kind)
{
    return kind != OPT_FLAG && kind != OPT_HELP && kind != OPT_VERSION;
}

static void *field(const struct opts_parser *p, const struct opt *o)
{
    return (char *)p->dst + o->off;
}

/* Integers go into fields of any width; the table check keeps values within the width. */
static void store_int(void *f, size_t size, long long v)
{
    unsigned long long u = (unsigned long long)v;
    switch (size) {
    case 1: {
        uint8_t x = (uint8_t)u;
        memcpy(f, &x, 1);
        break;
    }
    case 2: {
        uint16_t x = (uint16_t)u;
        memcpy(f, &x, 2);
        break;
    }
    case 4: {
        uint32_t x = (uint32_t)u;
        memcpy(f, &x, 4);
        break;
    }
    default: {
        uint64_t x = (uint64_t)u;
        memcpy(f, &x, 8);
    }
    }
}

/* The largest value a field of this width holds, taken as signed. */
static long long field_max(size_t size)
{
    return size >= 8 ? LLONG_MAX : (1LL << (8 * size - 1)) - 1;
}

static long long int_max(const struct opt *o)
{
    return o->max ? o->max : field_max(o->size);
}

static const char *const *choices(const struct opts_parser *p, const struct opt *o)
{
    return o->choices ? o->choices : o->choices_of ? o->choices_of(p->user) : NULL;
}

static int choice_index(const char *const *list, const char *s, size_t n)
{
    for (int i = 0; list && list[i]; i++)
        if (strlen(list[i]) == n && strncmp(list[i], s, n) == 0)
            return i;
    return -1;
}

/* "a, b or c", each in `quote` ("`" for Markdown). */
static void join_choices(const char *const *list, const char *quote, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; list && list[i] && used < len; i++) {
        const char *sep = i == 0 ? "" : list[i + 1] ? ", " : " or ";
        int w = snprintf(buf + used, len - used, "%s%s%s%s", sep, quote, list[i], quote);
        used += w > 0 ? (size_t)w : 0;
    }
}

/* ---- errors ---- */

static void vline(struct opts_parser *p, const struct opt *o, const char *fmt, va_list ap)
{
    fprintf(p->err, "%s: ", p->spec->program);
    if (o)
        fprintf(p->err, "--%s: ", o->name);
    vfprintf(p->err, fmt, ap);
    fputc('\n', p->err);
    p->reported = 1;
}

int opts_fail(struct opts_parser *p, const struct opt *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(p, o, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

enum opts_result opts_error(struct opts_parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(p, NULL, fmt, ap);
    va_end(ap);
    return OPTS_USAGE;
}

static enum opts_result invalid(struct opts_parser *p, const struct opt *o, const char *value,
                                const char *why)
{
    opts_fail(p, o, "invalid value '%s'%s%s", value, why ? ": " : "", why ? why : "");
    return OPTS_USAGE;
}

/* ---- one value ---- */

/* The range a number missed, in the row's units: "must be between 1ms and 1440m". */
static void int_range(const struct opt *o, uint64_t v, char *why, size_t len)
{
    char lo[32], hi[32];
    long long max = int_max(o);
    units_format_int((uint64_t)o->min, o->units, lo, sizeof lo);
    units_format_int((uint64_t)max, o->units, hi, sizeof hi);
    if (o->max == 0 && v > (uint64_t)max)
        snprintf(why, len, "too large"); /* for the field, with no maximum of its own */
    else if (o->max == 0)
        snprintf(why, len, "must be at least %s", lo);
    else
        snprintf(why, len, "must be between %s and %s", lo, hi);
}

static void real_range(const struct opt *o, char *why, size_t len)
{
    char lo[32], hi[32];
    units_format_real(o->rmin, o->units, lo, sizeof lo);
    units_format_real(o->rmax, o->units, hi, sizeof hi);
    if (o->positive)
        snprintf(why, len, "must be more than 0%s%s", o->rmax > 0 ? " and at most " : "",
                 o->rmax > 0 ? hi : "");
    else if (o->rmax > 0)
        snprintf(why, len, "must be between %s and %s", lo, hi);
    else
        snprintf(why, len, "must be at least %s", lo);
}

static enum opts_result take_int(struct opts_parser *p, const struct opt *o, const char *value)
{
    char why[128];
    uint64_t v;
    int rc = units_parse_int(value, o->units, &v);
    if (rc < 0)
        return invalid(p, o, value, units_strerror(rc, o->units, why, sizeof why));
    if (v < (uint64_t)o->min || v > (uint64_t)int_max(o)) {
        int_range(o, v, why, sizeof why);
        return invalid(p, o, value, why);
    }
    store_int(field(p, o), o->size, (long long)v);
    return OPTS_RUN;
}

static enum opts_result take_real(struct opts_parser *p, const struct opt *o, const char *value)
{
    char why[128];
    double v;
    int rc = units_parse_real(value, o->units, &v);
    if (rc < 0)
        return invalid(p, o, value, units_strerror(rc, o->units, why, sizeof why));
    int low = o->positive ? !(v > 0) : v < o->rmin;
    if (low || (o->rmax > 0 && v > o->rmax)) {
        real_range(o, why, sizeof why);
        return invalid(p, o, value, why);
    }
    memcpy(field(p, o), &v, sizeof v);
    return OPTS_RUN;
}

static enum opts_result take_string(struct opts_parser *p, const struct opt *o, const char *value)
{
    if (o->nonempty && *value == '\0')
        return invalid(p, o, value, "empty");
    if (!o->copy) {
        memcpy(field(p, o), &value, sizeof value);
        return OPTS_RUN;
    }
    char **slot = field(p, o), *copy = strdup(value);
    if (copy == NULL) {
        opts_fail(p, o, "out of memory");
        return OPTS_USAGE;
    }
    free(*slot);
    *slot = copy;
    return OPTS_RUN;
}

static enum opts_result take_choice(struct opts_parser *p, const struct opt *o, const char *value)
{
    const char *const *list = choices(p, o);
    int i = choice_index(list, value, strlen(value));
    if (i < 0) {
        char names[256], why[300];
        join_choices(list, "", names, sizeof names);
        snprintf(why, sizeof why, "must be %s", names);
        return invalid(p, o, value, why);
    }
    memcpy(field(p, o), &i, sizeof i);
    return OPTS_RUN;
}

static enum opts_result take_choices(struct opts_parser *p, const struct opt *o, const char *value)
{
    const char *const *list = choices(p, o);
    unsigned set = 0;
    for (const char *s = value;; s++) {
        size_t n = strcspn(s, ",");
        int i = choice_index(list, s, n);
        if (i < 0) {
            char names[256], why[320];
            join_choices(list, "", names, sizeof names);
            snprintf(why, sizeof why, "must be a comma-separated list of %s", names);
            return invalid(p, o, value, why);
        }
        set |= 1u << i;
        s += n;
        if (*s == '\0')
            break;
    }
    memcpy(field(p, o), &set, sizeof set);
    return OPTS_RUN;
}

static enum opts_result called(struct opts_parser *p, const struct opt *o, const char *value)
{
    int rc = o->call(p, o, value);
    if (rc >= 0)
        return OPTS_RUN;
    if (!p->reported && rc == -ENOMEM)
        opts_fail(p, o, "out of memory");
    else if (!p->reported && o->expect) {
        char why[512];
        snprintf(why, sizeof why, "must be %s", o->expect);
        invalid(p, o, value, why);
    } else if (!p->reported)
        invalid(p, o, value, NULL);
    return OPTS_USAGE;
}

static enum opts_result take(struct opts_parser *p, const struct opt *o, const char *value)
{
    enum opts_result r = OPTS_RUN;
    switch (o->kind) {
    case OPT_FLAG:
        store_int(field(p, o), o->size, o->negate ? 0 : 1);
        break;
    case OPT_INT:
        r = take_int(p, o, value);
        break;
    case OPT_REAL:
        r = take_real(p, o, value);
        break;
    case OPT_STRING:
        r = take_string(p, o, value);
        break;
    case OPT_CHOICE:
        r = take_choice(p, o, value);
        break;
    case OPT_CHOICES:
        r = take_choices(p, o, value);
        break;
    case OPT_CALL:
        return called(p, o, value);
    case OPT_HELP:
        opts_usage(p, p->out);
        return OPTS_EXIT;
    case OPT_VERSION:
        fprintf(p->out, "%s %s\n", p->spec->program, C10K_VERSION);
        return OPTS_EXIT;
    }
    if (r == OPTS_RUN && o->call)
        r = called(p, o, value);
    return r;
}

/* ---- the table ---- */

static int check_field(const struct opt *o)
{
    switch (o->kind) {
    case OPT_FLAG:
    case OPT_CHOICE:
        return o->size == sizeof(int);
    case OPT_INT:
        return o->size == 1 || o->size == 2 || o->size == 4 || o->size == 8;
    case OPT_REAL:
        return o->size == sizeof(double);
    case OPT_STRING:
        return o->size == sizeof(char *);
    case OPT_CHOICES:
        return o->size == sizeof(unsigned);
    case OPT_CALL:
        return o->call != NULL;
    case OPT_HELP:
    case OPT_VERSION:
        return o->size == 0;
    }
    return 0;
}

static const char *check_int(const struct opt *o)
{
    if (o->min < 0 || (o->max && o->max < o->min))
        return "min and max are not a range of non-negative values";
    if (int_max(o) > field_max(o->size))
        return "max does not fit its field";
    for (const struct unit *u = o->units ? o->units->list : NULL; u && u->suffix; u++)
        if (u->scale < 1 || u->scale != floor(u->scale))
            return "a suffix that is a fraction of the unit";
    if (!o->def_text && (o->def < o->min || o->def > int_max(o)))
        return "the default is outside the range";
    return NULL;
}

static const char *check_real(const struct opt *o)
{
    if (o->rmin < 0 || (o->rmax && o->rmax < o->rmin))
        return "rmin and rmax are not a range of non-negative values";
    int low = o->positive ? !(o->rdef > 0) : o->rdef < o->rmin;
    if (!o->def_text && (low || (o->rmax && o->rdef > o->rmax)))
        return "the default is outside the range";
    return NULL;
}

static const char *check_row(const struct opts_spec *spec, size_t i, void *user)
{
    const struct opt *o = &spec->opts[i];
    if (o->name == NULL || o->name[0] == '\0' || strchr(o->name, '=') ||
        strcmp(o->name, "help-markdown") == 0)
        return "no name, or a name that cannot be one";
    for (size_t j = 0; j < i; j++) {
        if (strcmp(spec->opts[j].name, o->name) == 0)
            return "a second row with this name";
        if (o->short_name && spec->opts[j].short_name == o->short_name)
            return "a second row with this short name";
    }
    if (o->short_name && (o->short_name == ':' || o->short_name == '?' || o->short_name == '-'))
        return "a short name getopt cannot take";
    if (!takes_value(o->kind) != !o->arg)
        return "an .arg when it takes no value, or none when it does";
    if (!check_field(o))
        return "a field of the wrong size for its kind (or OPT_CALL without .call)";
    if (o->help == NULL)
        return "no help";
    if (o->copy && o->sdef)
        return "a copied string with a default (it would be freed)";
    if (o->kind == OPT_INT)
        return check_int(o);
    if (o->kind == OPT_REAL)
        return check_real(o);
    if (o->kind == OPT_CHOICE || o->kind == OPT_CHOICES) {
        struct opts_parser p = {.spec = spec, .user = user};
        const char *const *list = choices(&p, o);
        size_t n = 0;
        while (list && list[n])
            n++;
        if (o->choices == NULL && o->choices_of == NULL)
            return "no choices";
        if (o->kind == OPT_CHOICES && n > sizeof(unsigned) * CHAR_BIT)
            return "more choices than bits";
        if (list && o->sdef && choice_index(list, o->sdef, strlen(o->sdef)) < 0)
            return "a default that is not one of the choices";
    }
    return NULL;
}

int opts_check(const struct opts_spec *spec, void *user, char *msg, size_t len)
{
    if (spec->n > OPTS_MAX_OPTIONS) {
        snprintf(msg, len, "more than %d options", OPTS_MAX_OPTIONS);
        return -EINVAL;
    }
    for (size_t i = 0; i < spec->n; i++) {
        const char *why = check_row(spec, i, user);
        if (why) {
            snprintf(msg, len, "--%s: %s", spec->opts[i].name ? spec->opts[i].name : "?", why);
            return -EINVAL;
        }
    }
    return 0;
}

static enum opts_result checked(struct opts_parser *p)
{
    char msg[256];
    if (opts_check(p->spec, p->user, msg, sizeof msg) < 0)
        return opts_error(p, "option table: %s", msg);
    return OPTS_RUN;
}

enum opts_result opts_defaults(struct opts_parser *p)
{
    if (checked(p) != OPTS_RUN)
        return OPTS_USAGE;
    for (size_t i = 0; i < p->spec->n; i++) {
        const struct opt *o = &p->spec->opts[i];
        void *f = field(p, o);
        switch (o->kind) {
        case OPT_FLAG:
            store_int(f, o->size, o->negate ? 1 : 0);
            break;
        case OPT_INT:
        case OPT_CHOICES:
            store_int(f, o->size, o->def);
            break;
        case OPT_REAL:
            memcpy(f, &o->rdef, sizeof o->rdef);
            break;
        case OPT_STRING:
            memcpy(f, &o->sdef, sizeof o->sdef);
            break;
        case OPT_CHOICE: {
            int c = o->sdef ? choice_index(choices(p, o), o->sdef, strlen(o->sdef)) : -1;
            memcpy(f, &c, sizeof c);
            break;
        }
        case OPT_CALL:
        case OPT_HELP:
        case OPT_VERSION:
            break;
        }
    }
    return OPTS_RUN;
}

/* ---- parsing ---- */

static const struct opt *row_of(const struct opts_parser *p, int c)
{
    if (c >= OPTS_VAL && c < OPTS_VAL + (int)p->spec->n)
        return &p->spec->opts[c - OPTS_VAL];
    for (size_t i = 0; c > 0 && i < p->spec->n; i++)
        if (p->spec->opts[i].short_name == c)
            return &p->spec->opts[i];
    return NULL;
}

/* What getopt_long refused: the option as typed (-c or --name), and why. */
static enum opts_result bad_option(struct opts_parser *p, int c, const char *typed)
{
    const struct opt *o = row_of(p, optopt);
    int is_long = strncmp(typed, "--", 2) == 0;
    if (o && c == ':' && is_long)
        return opts_error(p, "--%s: needs a value (see --help)", o->name);
    if (o && c == ':')
        return opts_error(p, "-%c: needs a value (see --help)", o->short_name);
    if (o && is_long)
        return opts_error(p, "--%s: takes no value (see --help)", o->name);
    if (is_long)
        return opts_error(p, "%.*s: unknown option (see --help)", (int)strcspn(typed, "="), typed);
    return opts_error(p, "-%c: unknown option (see --help)", optopt);
}

/* getopt_long's tables from the rows, with the hidden --help-markdown last. */
static void getopt_tables(const struct opts_spec *spec, struct option *longs, char *shorts)
{
    size_t ns = 0;
    shorts[ns++] = ':'; /* a missing value is ':', not '?' */
    for (size_t i = 0; i < spec->n; i++) {
        const struct opt *o = &spec->opts[i];
        int arg = takes_value(o->kind);
        longs[i] = (struct option){o->name, arg ? required_argument : no_argument, NULL,
                                   OPTS_VAL + (int)i};
        if (o->short_name) {
            shorts[ns++] = o->short_name;
            if (arg)
                shorts[ns++] = ':';
        }
    }
    shorts[ns] = '\0';
    longs[spec->n] = (struct option){"help-markdown", no_argument, NULL, OPTS_VAL_MARKDOWN};
    longs[spec->n + 1] = (struct option){NULL, 0, NULL, 0};
}

enum opts_result opts_parse(struct opts_parser *p, int argc, char **argv, int *operand)
{
    struct option longs[OPTS_MAX_OPTIONS + 2];
    char shorts[2 * OPTS_MAX_OPTIONS + 2];
    p->reported = 0;
    if (checked(p) != OPTS_RUN)
        return OPTS_USAGE;
    getopt_tables(p->spec, longs, shorts);

    optind = 0; /* a fresh start, whatever parsed before */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == OPTS_VAL_MARKDOWN) {
            opts_markdown(p, p->out);
            return OPTS_EXIT;
        }
        const struct opt *o = c == ':' || c == '?' ? NULL : row_of(p, c);
        if (o == NULL)
            return bad_option(p, c, argv[optind - 1]);
        enum opts_result r = take(p, o, optarg);
        if (r != OPTS_RUN)
            return r;
    }
    if (optind < argc && p->spec->operands == NULL)
        return opts_error(p, "unexpected argument '%s' (see --help)", argv[optind]);
    if (operand)
        *operand = optind;
    return OPTS_RUN;
}

/* ---- --help and the README ---- */

/* The default as shown, or NULL when none is. */
static const char *default_text(const struct opt *o, int markdown, char *buf, size_t len)
{
    if (o->def_text)
        return o->def_text[0] ? o->def_text : NULL;
    switch (o->kind) {
    case OPT_INT:
        units_format_int((uint64_t)o->def, o->units, buf, len);
        return buf;
    case OPT_REAL:
        units_format_real(o->rdef, o->units, buf, len);
        return buf;
    case OPT_STRING:
    case OPT_CHOICE:
        if (o->sdef == NULL)
            return NULL;
        snprintf(buf, len, markdown ? "`%s`" : "%s", o->sdef);
        return buf;
    case OPT_FLAG:
        return markdown ? "off" : NULL;
    default:
        return NULL;
    }
}

/* Scope, text, and the choices: "pool: worker threads", "concurrency model: thread or loop". */
static void describe(struct opts_parser *p, const struct opt *o, const char *text, int markdown,
                     char *buf, size_t len)
{
    char names[256] = "";
    if (o->kind == OPT_CHOICE || o->kind == OPT_CHOICES)
        join_choices(choices(p, o), markdown ? "`" : "", names, sizeof names);
    snprintf(buf, len, "%s%s%s%s%s", o->scope ? o->scope : "", o->scope ? ": " : "", text,
             names[0] ? ": " : "", names);
}

/* Words from column col, wrapped at OPTS_HELP_WIDTH and indented to OPTS_HELP_COLUMN. */
static void wrap(FILE *f, const char *text, size_t col)
{
    int first = 1;
    for (const char *s = text;;) {
        s += strspn(s, " ");
        size_t w = strcspn(s, " ");
        if (w == 0)
            break;
        if (!first && col + 1 + w > OPTS_HELP_WIDTH) {
            fprintf(f, "\n%*s", OPTS_HELP_COLUMN, "");
            col = OPTS_HELP_COLUMN;
        } else if (!first) {
            fputc(' ', f);
            col++;
        }
        fwrite(s, 1, w, f);
        col += w;
        s += w;
        first = 0;
    }
    fputc('\n', f);
}

static void usage_row(struct opts_parser *p, const struct opt *o, int shorts, FILE *f)
{
    char flag[8] = "", left[128], text[1024], def[64];
    if (shorts && o->short_name)
        snprintf(flag, sizeof flag, "-%c, ", o->short_name);
    else if (shorts)
        snprintf(flag, sizeof flag, "    ");
    int n = snprintf(left, sizeof left, "  %s--%s%s%s", flag, o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
    describe(p, o, o->help, 0, text, sizeof text);
    const char *d = default_text(o, 0, def, sizeof def);
    if (d)
        snprintf(text + strlen(text), sizeof text - strlen(text), " (default%s %s)",
                 o->def_text ? ":" : "", d);
    fputs(left, f);
    if (n + 1 > OPTS_HELP_COLUMN)
        fprintf(f, "\n%*s", OPTS_HELP_COLUMN, "");
    else
        fprintf(f, "%*s", OPTS_HELP_COLUMN - n, "");
    wrap(f, text, OPTS_HELP_COLUMN);
}

void opts_usage(struct opts_parser *p, FILE *f)
{
    const struct opts_spec *spec = p->spec;
    int shorts = 0;
    for (size_t i = 0; i < spec->n; i++)
        shorts |= spec->opts[i].short_name != 0;
    fputs(spec->usage, f);
    if (spec->intro) {
        fputc('\n', f);
        fputs(spec->intro, f);
    }
    const char *section = NULL;
    fputc('\n', f);
    for (size_t i = 0; i < spec->n; i++) {
        const struct opt *o = &spec->opts[i];
        if (o->section && (section == NULL || strcmp(section, o->section) != 0)) {
            if (section)
                fputc('\n', f);
            fprintf(f, "%s:\n", o->section);
            section = o->section;
        }
        usage_row(p, o, shorts, f);
    }
    if (spec->epilogue) {
        fputc('\n', f);
        fputs(spec->epilogue, f);
    }
}

/* A table cell: '|' would end it. */
static void cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
}

void opts_markdown(struct opts_parser *p, FILE *f)
{
    char text[2048], def[64];
    fputs("| option | default | meaning |\n| --- | --- | --- |\n", f);
    for (size_t i = 0; i < p->spec->n; i++) {
        const struct opt *o = &p->spec->opts[i];
        fputs("| ", f);
        if (o->short_name)
            fprintf(f, "`-%c`, ", o->short_name);
        fprintf(f, "`--%s%s%s` | ", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        const char *d = default_text(o, 1, def, sizeof def);
        cell(f, d ? d : "");
        fputs(" | ", f);
        describe(p, o, o->doc ? o->doc : o->help, 1, text, sizeof text);
        cell(f, text);
        fputs(" |\n", f);
    }
}
