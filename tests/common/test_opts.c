/* The option table: every kind of row stored in its field, the one-line errors (exact text),
 * getopt's forms, the callbacks of repeated and list options, --help's layout, the Markdown
 * table, and the table checks that catch a bad row before any parse. */
#include "opts.h"
#include "testlib.h"

#include <errno.h>
#include <stdint.h>

struct t_cfg {
    int verbose, keep;
    int port;
    uint8_t small;
    uint64_t big;
    size_t bytes;
    int timeout_ms;
    double seconds, rate;
    const char *name;
    char *path;
    int colour, model;
    unsigned modes;
    int levels[8];
    int n_levels;
    int given;
};

static const char *const colours[] = {"red", "green", "blue", NULL};

static const char *const *models_of(void *user)
{
    return user;
}

/* --level N, repeatable, and --levels N,N,...: a list of whole numbers up to 1000. */
static int add_levels(struct opts_parser *p, const struct opt *o, const char *value)
{
    struct t_cfg *c = p->dst;
    for (const char *s = value;; s++) {
        uint64_t v;
        char item[24];
        size_t n = strcspn(s, ",");
        if (n == 0 || n >= sizeof item)
            return -EINVAL;
        memcpy(item, s, n);
        item[n] = '\0';
        if (units_parse_int(item, NULL, &v) < 0 || v > 1000)
            return -EINVAL;
        if (c->n_levels == 8)
            return opts_fail(p, o, "more than %d levels", 8);
        c->levels[c->n_levels++] = (int)v;
        s += n;
        if (*s == '\0')
            return 0;
    }
}

static int no_memory(struct opts_parser *p, const struct opt *o, const char *value)
{
    (void)p, (void)o, (void)value;
    return -ENOMEM;
}

static int note_given(struct opts_parser *p, const struct opt *o, const char *value)
{
    (void)o, (void)value;
    ((struct t_cfg *)p->dst)->given++;
    return 0;
}

#define F(m) OPT_FIELD(struct t_cfg, m)
static const struct opt t_opts[] = {
    {"verbose", 'v', .kind = OPT_FLAG, F(verbose), .section = "General", .help = "say more"},
    {"no-keep", .kind = OPT_FLAG, F(keep), .negate = 1, .section = "General",
     .help = "do not keep"},
    {"port", 'p', .kind = OPT_INT, .arg = "N", F(port), .max = 65535, .def = 8080,
     .section = "General", .help = "port; 0 picks one"},
    {"small", .kind = OPT_INT, .arg = "N", F(small), .def = 7, .help = "a byte"},
    {"big", .kind = OPT_INT, .arg = "N", F(big), .min = 1, .units = &units_thousands,
     .def_text = "", .help = "a large count"},
    {"bytes", .kind = OPT_INT, .arg = "BYTES", F(bytes), .min = 1024, .max = 1 << 30,
     .units = &units_bytes, .def = 65536, .scope = "loop, pool", .help = "a size"},
    {"timeout", .kind = OPT_INT, .arg = "T", F(timeout_ms), .min = 1, .max = 86400000,
     .units = &units_ms, .def = 75000, .call = note_given,
     .help = "a long help text that goes on and on so that it has to be wrapped at least once "
             "onto a second line of the usage",
     .doc = "the README's | own wording"},
    {"seconds", 's', .kind = OPT_REAL, .arg = "TIME", F(seconds), .rmin = 0.001,
     .units = &units_seconds, .rdef = 10, .help = "a time"},
    {"rate", .kind = OPT_REAL, .arg = "N", F(rate), .positive = 1, .rmax = 1e6,
     .units = &units_thousands, .def_text = "", .help = "a rate"},
    {"name", .kind = OPT_STRING, .arg = "NAME", F(name), .nonempty = 1, .sdef = "anon",
     .help = "a name"},
    {"path", .kind = OPT_STRING, .arg = "PATH", F(path), .copy = 1, .help = "a path"},
    {"colour", .kind = OPT_CHOICE, .arg = "C", F(colour), .choices = colours, .sdef = "green",
     .help = "a colour"},
    {"model", .kind = OPT_CHOICE, .arg = "M", F(model), .choices_of = models_of, .sdef = "loop",
     .help = "a model"},
    {"modes", .kind = OPT_CHOICES, .arg = "LIST", F(modes), .choices_of = models_of,
     .def_text = "all", .help = "models"},
    {"level", 'l', .kind = OPT_CALL, .arg = "N[,N...]", .call = add_levels,
     .expect = "levels from 0 to 1000, separated by commas", .help = "levels (repeatable)"},
    {"oom", .kind = OPT_CALL, .arg = "X", .call = no_memory, .help = "fails"},
    {"help", 'h', .kind = OPT_HELP, .help = "this text"},
    {"version", 'V', .kind = OPT_VERSION, .help = "the version"},
};

static const struct opts_spec t_spec = {
    .program = "t",
    .usage = "usage: t [options] [FILE...]\n",
    .intro = "A test program.\n",
    .epilogue = "The end.\n",
    .operands = "FILE...",
    .opts = t_opts,
    .n = sizeof t_opts / sizeof t_opts[0],
};

static const struct opts_spec t_no_operands = {
    .program = "t", .usage = "usage: t\n", .opts = t_opts, .n = sizeof t_opts / sizeof t_opts[0]};

static const char *const models[] = {"thread", "pool", "loop", NULL};

static char out_text[8192], err_text[1024];
static char *argv_seen[64]; /* the last parse's argv, as getopt left it */
static int argc_seen, first_operand;

/* Parses the words (split at spaces; "" alone is an empty argument) with defaults first. */
static enum opts_result parse_spec(const struct opts_spec *spec, struct t_cfg *c, const char *words)
{
    static char buf[1024];
    char **argv = argv_seen;
    int argc = 1;
    argv[0] = "t";
    snprintf(buf, sizeof buf, "%s", words);
    for (char *tok = strtok(buf, " "); tok && argc < 63; tok = strtok(NULL, " "))
        argv[argc++] = strcmp(tok, "''") == 0 ? "" : tok;
    argv[argc] = NULL;
    argc_seen = argc;
    memset(out_text, 0, sizeof out_text); /* not every fmemopen clears it: see test_merge.c */
    memset(err_text, 0, sizeof err_text);
    FILE *out = fmemopen(out_text, sizeof out_text - 1, "w");
    FILE *err = fmemopen(err_text, sizeof err_text - 1, "w");
    struct opts_parser p = {spec, c, (void *)models, out, err, 0};
    memset(c, 0, sizeof *c);
    enum opts_result r = opts_defaults(&p);
    if (r == OPTS_RUN)
        r = opts_parse(&p, argc, argv, &first_operand);
    fclose(out);
    fclose(err);
    return r;
}

static enum opts_result parse(struct t_cfg *c, const char *words)
{
    return parse_spec(&t_spec, c, words);
}

/* The words fail with exactly this error line. */
static int fails_with(const char *words, const char *line)
{
    struct t_cfg c;
    enum opts_result r = parse(&c, words);
    free(c.path);
    char want[512];
    snprintf(want, sizeof want, "%s\n", line);
    if (r != OPTS_USAGE || strcmp(err_text, want) != 0) {
        fprintf(stderr, "  '%s': %d, \"%s\"\n    want \"%s\"\n", words, r, err_text, line);
        return 0;
    }
    return 1;
}

TEST(defaults_are_stored_before_parsing)
{
    struct t_cfg c;
    CHECK_INT_EQ(parse(&c, ""), OPTS_RUN);
    CHECK_INT_EQ(c.verbose, 0);
    CHECK_INT_EQ(c.keep, 1);
    CHECK_INT_EQ(c.port, 8080);
    CHECK_INT_EQ(c.small, 7);
    CHECK_INT_EQ(c.bytes, 65536);
    CHECK_INT_EQ(c.timeout_ms, 75000);
    CHECK(c.seconds == 10);
    CHECK_STR_EQ(c.name, "anon");
    CHECK(c.path == NULL);
    CHECK_INT_EQ(c.colour, 1);
    CHECK_INT_EQ(c.model, 2);
    CHECK_INT_EQ(c.given, 0);
    CHECK_STR_EQ(err_text, "");
}

TEST(every_kind_is_stored_in_its_field)
{
    struct t_cfg c;
    CHECK_INT_EQ(parse(&c, "-v --no-keep --port=0 --small 127 --big 9223372036854775807 "
                           "--bytes 1M --timeout 250ms -s 1.5m --rate 2.5k --name x --path a "
                           "--path b --colour blue --model pool --modes thread,loop"),
                 OPTS_RUN);
    CHECK_INT_EQ(c.verbose, 1);
    CHECK_INT_EQ(c.keep, 0);
    CHECK_INT_EQ(c.port, 0);
    CHECK_INT_EQ(c.small, 127);
    CHECK(c.big == 9223372036854775807ULL);
    CHECK_INT_EQ(c.bytes, 1 << 20);
    CHECK_INT_EQ(c.timeout_ms, 250);
    CHECK_INT_EQ(c.given, 1);
    CHECK(c.seconds == 90);
    CHECK(c.rate == 2500);
    CHECK_STR_EQ(c.name, "x");
    CHECK_STR_EQ(c.path, "b"); /* the copy of "a" was freed (ASan would say otherwise) */
    CHECK_INT_EQ(c.colour, 2);
    CHECK_INT_EQ(c.model, 1);
    CHECK_INT_EQ(c.modes, (1u << 0) | (1u << 2));
    free(c.path);
}

TEST(long_names_take_unique_prefixes_and_short_names_cluster)
{
    struct t_cfg c;
    CHECK_INT_EQ(parse(&c, "--verb --por 9 -vp 10"), OPTS_RUN);
    CHECK_INT_EQ(c.verbose, 1);
    CHECK_INT_EQ(c.port, 10);
    CHECK(fails_with("--mode x", "t: --mode: unknown option (see --help)")); /* model or modes */
}

TEST(repeated_and_list_options_go_through_their_callback)
{
    struct t_cfg c;
    CHECK_INT_EQ(parse(&c, "-l 1 --level 2,3 -l 1000"), OPTS_RUN);
    CHECK_INT_EQ(c.n_levels, 4);
    CHECK_INT_EQ(c.levels[0], 1);
    CHECK_INT_EQ(c.levels[2], 3);
    CHECK_INT_EQ(c.levels[3], 1000);
    CHECK(fails_with("-l 1,,2", "t: --level: invalid value '1,,2': must be levels from 0 to 1000, "
                                "separated by commas"));
    CHECK(fails_with("-l 1,2,3,4,5,6,7,8,9", "t: --level: more than 8 levels"));
    CHECK(fails_with("--oom x", "t: --oom: out of memory"));
}

TEST(numbers_out_of_range_say_the_range_in_their_units)
{
    CHECK(fails_with("--port 70000", "t: --port: invalid value '70000': must be between 0 and "
                                     "65535"));
    CHECK(fails_with("--port x", "t: --port: invalid value 'x': not a non-negative number"));
    CHECK(fails_with("--port -1", "t: --port: invalid value '-1': not a non-negative number"));
    CHECK(fails_with("--port 1.5", "t: --port: invalid value '1.5': unknown suffix"));
    CHECK(fails_with("--small 128", "t: --small: invalid value '128': too large"));
    CHECK(fails_with("--big 0", "t: --big: invalid value '0': must be at least 1"));
    CHECK(fails_with("--big 9223372036854775808", "t: --big: invalid value "
                                                  "'9223372036854775808': too large"));
    CHECK(fails_with("--bytes 1000", "t: --bytes: invalid value '1000': must be between 1K and "
                                     "1G"));
    CHECK(fails_with("--bytes 1Q", "t: --bytes: invalid value '1Q': unknown suffix (K, M or G)"));
    CHECK(fails_with("--timeout 0", "t: --timeout: invalid value '0': must be between 1ms and "
                                    "1440m"));
    CHECK(fails_with("-s 0", "t: --seconds: invalid value '0': must be at least 1ms"));
    CHECK(fails_with("--rate 0", "t: --rate: invalid value '0': must be more than 0 and at most "
                                 "1M"));
    CHECK(fails_with("--big 1.5", "t: --big: invalid value '1.5': not a whole number"));
}

TEST(strings_and_choices_say_what_is_wanted)
{
    CHECK(fails_with("--name ''", "t: --name: invalid value '': empty"));
    CHECK(fails_with("--colour mauve", "t: --colour: invalid value 'mauve': must be red, green or "
                                       "blue"));
    CHECK(fails_with("--model fibers", "t: --model: invalid value 'fibers': must be thread, pool "
                                       "or loop"));
    CHECK(fails_with("--modes thread,,loop", "t: --modes: invalid value 'thread,,loop': must be a "
                                             "comma-separated list of thread, pool or loop"));
}

TEST(misused_options_name_themselves_as_typed)
{
    CHECK(fails_with("--port", "t: --port: needs a value (see --help)"));
    CHECK(fails_with("-p", "t: -p: needs a value (see --help)"));
    CHECK(fails_with("--verbose=1", "t: --verbose: takes no value (see --help)"));
    CHECK(fails_with("--frob=3", "t: --frob: unknown option (see --help)"));
    CHECK(fails_with("-x", "t: -x: unknown option (see --help)"));
}

TEST(operands_are_left_to_the_program_or_refused)
{
    struct t_cfg c;
    CHECK_INT_EQ(parse(&c, "a -v b -- -c"), OPTS_RUN);
    CHECK_INT_EQ(c.verbose, 1);
    /* getopt moved the options first; after "--", "-c" is an operand too. */
    CHECK_INT_EQ(argc_seen - first_operand, 3);
    CHECK_STR_EQ(argv_seen[first_operand], "a");
    CHECK_STR_EQ(argv_seen[first_operand + 2], "-c");
    CHECK_INT_EQ(parse_spec(&t_no_operands, &c, "-v extra"), OPTS_USAGE);
    CHECK_STR_EQ(err_text, "t: unexpected argument 'extra' (see --help)\n");
}

TEST(help_lists_sections_defaults_and_wraps)
{
    struct t_cfg c;
    CHECK_INT_EQ(parse(&c, "--help"), OPTS_EXIT);
    CHECK(strncmp(out_text, "usage: t [options] [FILE...]\n\nA test program.\n\nGeneral:\n", 56) ==
          0);
    CHECK(strstr(out_text, "  -p, --port N             port; 0 picks one (default 8080)\n"));
    CHECK(strstr(out_text, "\n      --no-keep            do not keep\n"));
    CHECK(strstr(out_text, "loop, pool: a size (default 64K)\n"));
    CHECK(strstr(out_text, "a colour: red, green or blue (default green)\n"));
    CHECK(strstr(out_text, "models: thread, pool or loop (default: all)\n"));
    CHECK(strstr(out_text, "a time (default 10s)\n"));
    CHECK(strstr(out_text, "a rate\n")); /* "" shows no default */
    CHECK(strstr(out_text, "  -l, --level N[,N...]     levels"));
    CHECK(strstr(out_text, "\nThe end.\n"));
    /* Every line fits; the long help went on to a second line at the help's column. */
    for (char *line = out_text; *line;) {
        size_t n = strcspn(line, "\n");
        CHECK(n <= OPTS_HELP_WIDTH);
        line += n + (line[n] == '\n');
    }
    const char *wrapped = strstr(out_text, "a long help text");
    CHECK(wrapped != NULL);
    const char *next = strchr(wrapped, '\n');
    CHECK(next && strncmp(next + 1, "                           ", OPTS_HELP_COLUMN) == 0 &&
          next[1 + OPTS_HELP_COLUMN] != ' ');
    CHECK(strstr(next, " usage (default 75s)\n") != NULL);
    CHECK_INT_EQ(parse(&c, "-V"), OPTS_EXIT);
    CHECK_STR_EQ(out_text, "t " C10K_VERSION "\n");
}

TEST(markdown_has_one_row_per_option)
{
    struct t_cfg c;
    CHECK_INT_EQ(parse(&c, "--help-markdown"), OPTS_EXIT);
    CHECK(strncmp(out_text, "| option | default | meaning |\n| --- | --- | --- |\n", 50) == 0);
    int rows = 0;
    for (const char *s = out_text; (s = strstr(s, "\n| `")) != NULL; s++)
        rows++;
    CHECK_INT_EQ(rows, (int)t_spec.n);
    CHECK(strstr(out_text, "| `-p`, `--port N` | 8080 | port; 0 picks one |\n"));
    CHECK(strstr(out_text, "| `--timeout T` | 75s | the README's \\| own wording |\n"));
    CHECK(strstr(out_text, "| `--name NAME` | `anon` | a name |\n"));
    CHECK(strstr(out_text, "| `--model M` | `loop` | a model: `thread`, `pool` or `loop` |\n"));
    CHECK(strstr(out_text, "| `-v`, `--verbose` | off | say more |\n"));
    CHECK(strstr(out_text, "| `--big N` |  | a large count |\n"));
}

/* A table with one bad row: the check names the row and says what is wrong. */
static int table_refused(const struct opt *row, const char *why)
{
    struct opt rows[2] = {
        {"port", 'p', .kind = OPT_INT, .arg = "N", F(port), .max = 65535, .help = "port"},
        *row,
    };
    struct opts_spec spec = {.program = "t", .usage = "", .opts = rows, .n = 2};
    char msg[256] = "";
    int rc = opts_check(&spec, NULL, msg, sizeof msg);
    if (rc != -EINVAL || strstr(msg, why) == NULL ||
        strstr(msg, row->name ? row->name : "?") == NULL) {
        fprintf(stderr, "  %d \"%s\", want \"%s\"\n", rc, msg, why);
        return 0;
    }
    return 1;
}

TEST(the_table_check_catches_bad_rows)
{
    struct opt r;
    r = (struct opt){"port", .kind = OPT_FLAG, F(verbose), .help = "x"};
    CHECK(table_refused(&r, "second row with this name"));
    r = (struct opt){"other", 'p', .kind = OPT_FLAG, F(verbose), .help = "x"};
    CHECK(table_refused(&r, "second row with this short name"));
    r = (struct opt){"s", .kind = OPT_INT, .arg = "N", F(small), .max = 300, .help = "x"};
    CHECK(table_refused(&r, "max does not fit"));
    r = (struct opt){"s", .kind = OPT_INT, .arg = "N", F(port), .min = 1, .max = 9, .help = "x"};
    CHECK(table_refused(&r, "default is outside"));
    r = (struct opt){"s", .kind = OPT_INT, F(port), .max = 9, .help = "x"};
    CHECK(table_refused(&r, "an .arg"));
    r = (struct opt){"s", .kind = OPT_REAL, .arg = "T", F(port), .help = "x"};
    CHECK(table_refused(&r, "wrong size"));
    r = (struct opt){"s",     .kind = OPT_INT,         .arg = "T",
                     F(port), .units = &units_seconds, .help = "x"};
    CHECK(table_refused(&r, "fraction of the unit"));
    r = (struct opt){"s", .kind = OPT_REAL, .arg = "T", F(seconds), .positive = 1, .help = "x"};
    CHECK(table_refused(&r, "default is outside"));
    r = (struct opt){"s",        .kind = OPT_CHOICE, .arg = "C",
                     F(colour),  .choices = colours, .sdef = "mauve",
                     .help = "x"};
    CHECK(table_refused(&r, "not one of the choices"));
    r = (struct opt){"s",       .kind = OPT_STRING, .arg = "P", F(path),
                     .copy = 1, .sdef = "x",        .help = "x"};
    CHECK(table_refused(&r, "copied string with a default"));
    r = (struct opt){"s", .kind = OPT_CALL, .arg = "X", .help = "x"};
    CHECK(table_refused(&r, "without .call"));
    r = (struct opt){"s", .kind = OPT_FLAG, F(verbose)};
    CHECK(table_refused(&r, "no help"));
    r = (struct opt){"help-markdown", .kind = OPT_FLAG, F(verbose), .help = "x"};
    CHECK(table_refused(&r, "cannot be one"));
    char msg[256];
    CHECK_INT_EQ(opts_check(&t_spec, (void *)models, msg, sizeof msg), 0);
}

TEST(a_bad_table_fails_every_parse_with_one_line)
{
    static const struct opt rows[] = {
        {"a", .kind = OPT_FLAG, F(verbose), .help = "x"},
        {"a", .kind = OPT_FLAG, F(keep), .help = "y"},
    };
    static const struct opts_spec spec = {.program = "t", .usage = "", .opts = rows, .n = 2};
    struct t_cfg c;
    CHECK_INT_EQ(parse_spec(&spec, &c, ""), OPTS_USAGE);
    CHECK_STR_EQ(err_text, "t: option table: --a: a second row with this name\n");
}

TEST_MAIN(TEST_ENTRY(defaults_are_stored_before_parsing),
          TEST_ENTRY(every_kind_is_stored_in_its_field),
          TEST_ENTRY(long_names_take_unique_prefixes_and_short_names_cluster),
          TEST_ENTRY(repeated_and_list_options_go_through_their_callback),
          TEST_ENTRY(numbers_out_of_range_say_the_range_in_their_units),
          TEST_ENTRY(strings_and_choices_say_what_is_wanted),
          TEST_ENTRY(misused_options_name_themselves_as_typed),
          TEST_ENTRY(operands_are_left_to_the_program_or_refused),
          TEST_ENTRY(help_lists_sections_defaults_and_wraps),
          TEST_ENTRY(markdown_has_one_row_per_option), TEST_ENTRY(the_table_check_catches_bad_rows),
          TEST_ENTRY(a_bad_table_fails_every_parse_with_one_line))
