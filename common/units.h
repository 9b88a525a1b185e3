/* Numbers with a unit suffix, as the command lines take them: sizes ("64K"), durations ("250ms",
 * "10s"), counts and rates ("20k"). One parser for every program; each kind of number is a table
 * of suffixes and what each one multiplies by. */
#ifndef C10K_UNITS_H
#define C10K_UNITS_H

#include <stddef.h>
#include <stdint.h>

struct unit {
    const char *suffix; /* "" for a plain number */
    double scale;       /* one of it in the unit the value is kept in (bytes, ms, seconds, ...) */
};

struct units {
    const struct unit *list; /* ends with {NULL, 0}; the first suffix of a scale is its name */
    int fractions;           /* "1.5s" and ".5k" are numbers (an integer still has to be whole) */
};

/* Sizes in bytes: K, M or G (either case) are powers of 1024; whole numbers only. */
extern const struct units units_bytes;
/* c10k-server's durations, in milliseconds: ms, s or m, a plain number is seconds; whole numbers
 * only. */
extern const struct units units_ms;
/* c10k-load's durations, in seconds: us, ms, s, m or h, a plain number is seconds. */
extern const struct units units_seconds;
/* Counts and rates: k or K (a thousand), M (a million). */
extern const struct units units_thousands;

/* Why a number was refused (the parsers return 0 or one of these). */
enum units_error {
    UNITS_NOT_A_NUMBER = -1, /* no digits first: empty, a sign, a space, a letter */
    UNITS_BAD_SUFFIX = -2,   /* digits, then something that is not one of the table's suffixes */
    UNITS_TOO_LARGE = -3,    /* beyond 2^64 - 1 (integers) or a double */
    UNITS_NOT_WHOLE = -4,    /* an integer with a fraction left over ("1.5" as a count) */
};

/* s as a whole number of the table's unit. u NULL: plain digits only. */
int units_parse_int(const char *s, const struct units *u, uint64_t *out);
/* s as a real number of the table's unit. */
int units_parse_real(const char *s, const struct units *u, double *out);

/* An error line's reason for a units_error, e.g. "unknown suffix (K, M or G)"; in buf. */
const char *units_strerror(int err, const struct units *u, char *buf, size_t len);

/* v written with the largest suffix that keeps it whole: 65536 bytes as "64K", 75000 ms as "75s",
 * 0.5 s as "500ms"; "0" for zero. u NULL: plain digits. */
void units_format_int(uint64_t v, const struct units *u, char *buf, size_t len);
void units_format_real(double v, const struct units *u, char *buf, size_t len);

#endif
