#include "units.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct unit bytes[] = {
    {"", 1},        {"K", 1024},    {"k", 1024},    {"M", 1 << 20},
    {"m", 1 << 20}, {"G", 1 << 30}, {"g", 1 << 30}, {NULL, 0},
};
const struct units units_bytes = {bytes, 0};

static const struct unit ms[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {NULL, 0}};
const struct units units_ms = {ms, 0};

static const struct unit seconds[] = {
    {"", 1}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}, {NULL, 0},
};
const struct units units_seconds = {seconds, 1};

static const struct unit thousands[] = {{"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {NULL, 0}};
const struct units units_thousands = {thousands, 1};

static const struct unit plain[] = {{"", 1}, {NULL, 0}};

/* "12.50ms" taken apart: 12, the fraction's digits "50", the suffix "ms". */
struct number {
    uint64_t whole;
    int whole_overflow;
    const char *frac;
    size_t frac_n;
    const char *suffix;
};

/* Only digits with at most one point: no sign, no space, no exponent, no hex, no "inf". */
static int scan(const char *s, int fractions, struct number *n)
{
    memset(n, 0, sizeof *n);
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (n->whole > (UINT64_MAX - d) / 10)
            n->whole_overflow = 1;
        else
            n->whole = n->whole * 10 + d;
    }
    size_t whole_n = (size_t)(p - s);
    if (fractions && *p == '.') {
        n->frac = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        n->frac_n = (size_t)(p - n->frac);
    }
    if (whole_n + n->frac_n == 0)
        return UNITS_NOT_A_NUMBER;
    n->suffix = p;
    return 0;
}

static const struct unit *find_unit(const struct units *u, const char *suffix)
{
    for (const struct unit *x = u ? u->list : plain; x->suffix; x++)
        if (strcmp(x->suffix, suffix) == 0)
            return x;
    return NULL;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The fraction's share of the value, exactly: F / 10^d * scale must be whole. */
static int fraction_part(const struct number *n, uint64_t scale, uint64_t *out)
{
    size_t d = n->frac_n;
    while (d > 0 && n->frac[d - 1] == '0')
        d--;
    *out = 0;
    if (d == 0)
        return 0;
    if (d > 19) /* F would not fit; no whole result has that many digits here */
        return UNITS_NOT_WHOLE;
    uint64_t f = 0, p10 = 1;
    for (size_t i = 0; i < d; i++) {
        f = f * 10 + (uint64_t)(n->frac[i] - '0');
        p10 *= 10;
    }
    uint64_t g = gcd(scale, p10), q = p10 / g, s = scale / g;
    if (f % q != 0)
        return UNITS_NOT_WHOLE;
    if (f / q > UINT64_MAX / s)
        return UNITS_TOO_LARGE;
    *out = f / q * s;
    return 0;
}

int units_parse_int(const char *s, const struct units *u, uint64_t *out)
{
    struct number n;
    int rc = scan(s, u && u->fractions, &n);
    if (rc < 0)
        return rc;
    const struct unit *x = find_unit(u, n.suffix);
    if (x == NULL)
        return UNITS_BAD_SUFFIX;
    if (n.whole_overflow)
        return UNITS_TOO_LARGE;
    uint64_t scale = (uint64_t)x->scale;
    if (scale == 0 || (double)scale != x->scale)
        return UNITS_NOT_WHOLE; /* a unit smaller than the integer's own */
    if (n.whole > UINT64_MAX / scale)
        return UNITS_TOO_LARGE;
    uint64_t part;
    if ((rc = fraction_part(&n, scale, &part)) < 0)
        return rc;
    if (n.whole * scale > UINT64_MAX - part)
        return UNITS_TOO_LARGE;
    *out = n.whole * scale + part;
    return 0;
}

int units_parse_real(const char *s, const struct units *u, double *out)
{
    struct number n;
    int rc = scan(s, u && u->fractions, &n);
    if (rc < 0)
        return rc;
    const struct unit *x = find_unit(u, n.suffix);
    if (x == NULL)
        return UNITS_BAD_SUFFIX;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end != n.suffix) /* strtod read further, e.g. an exponent */
        return UNITS_BAD_SUFFIX;
    if (errno == ERANGE && v > 1)
        return UNITS_TOO_LARGE;
    v *= x->scale;
    if (!isfinite(v))
        return UNITS_TOO_LARGE;
    *out = v;
    return 0;
}

/* "K, M or G": each scale's first suffix, plain numbers left out. */
static void suffix_names(const struct units *u, char *buf, size_t len)
{
    size_t used = 0, count = 0;
    const struct unit *named[16];
    for (const struct unit *x = u->list; x->suffix && count < 16; x++) {
        int seen = x->suffix[0] == '\0';
        for (size_t i = 0; i < count && !seen; i++)
            seen = named[i]->scale == x->scale;
        if (!seen)
            named[count++] = x;
    }
    buf[0] = '\0';
    for (size_t i = 0; i < count && used < len; i++) {
        const char *sep = i == 0 ? "" : i + 1 < count ? ", " : " or ";
        int w = snprintf(buf + used, len - used, "%s%s", sep, named[i]->suffix);
        used += w > 0 ? (size_t)w : 0;
    }
}

const char *units_strerror(int err, const struct units *u, char *buf, size_t len)
{
    switch (err) {
    case UNITS_NOT_A_NUMBER:
        snprintf(buf, len, "not a non-negative number");
        break;
    case UNITS_BAD_SUFFIX: {
        char names[96] = "";
        if (u)
            suffix_names(u, names, sizeof names);
        snprintf(buf, len, names[0] ? "unknown suffix (%s)" : "unknown suffix", names);
        break;
    }
    case UNITS_TOO_LARGE:
        snprintf(buf, len, "too large");
        break;
    case UNITS_NOT_WHOLE:
        snprintf(buf, len, "not a whole number");
        break;
    default:
        snprintf(buf, len, "not a number");
    }
    return buf;
}

void units_format_int(uint64_t v, const struct units *u, char *buf, size_t len)
{
    const struct unit *best = NULL;
    for (const struct unit *x = u && v ? u->list : plain; x->suffix; x++) {
        uint64_t scale = (uint64_t)x->scale;
        if (x->suffix[0] && scale > 0 && (double)scale == x->scale && v % scale == 0 &&
            (best == NULL || x->scale > best->scale))
            best = x;
    }
    if (best)
        snprintf(buf, len, "%" PRIu64 "%s", v / (uint64_t)best->scale, best->suffix);
    else
        snprintf(buf, len, "%" PRIu64, v);
}

void units_format_real(double v, const struct units *u, char *buf, size_t len)
{
    const struct unit *best = NULL;
    for (const struct unit *x = u && v > 0 ? u->list : plain; x->suffix; x++) {
        double q = v / x->scale;
        if (x->suffix[0] && q >= 1 && fabs(q - nearbyint(q)) <= 1e-9 * q &&
            (best == NULL || x->scale > best->scale))
            best = x;
    }
    if (best)
        snprintf(buf, len, "%.15g%s", nearbyint(v / best->scale), best->suffix);
    else
        snprintf(buf, len, "%.15g", v);
}
