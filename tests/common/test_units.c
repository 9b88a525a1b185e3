/* Numbers with unit suffixes: each table's suffixes, what each refuses and why, exact integers
 * near the limits, and the defaults written back the way a user would type them. */
#include "testlib.h"
#include "units.h"

#include <math.h>

static int parses_int(const char *s, const struct units *u, uint64_t want)
{
    uint64_t v = 0;
    int rc = units_parse_int(s, u, &v);
    if (rc != 0 || v != want)
        fprintf(stderr, "  '%s': rc %d, %" PRIu64 " (want %" PRIu64 ")\n", s, rc, v, want);
    return rc == 0 && v == want;
}

static int refuses_int(const char *s, const struct units *u, int why)
{
    uint64_t v;
    int rc = units_parse_int(s, u, &v);
    if (rc != why)
        fprintf(stderr, "  '%s': rc %d (want %d)\n", s, rc, why);
    return rc == why;
}

static int parses_real(const char *s, const struct units *u, double want)
{
    double v = -1;
    int rc = units_parse_real(s, u, &v);
    if (rc != 0 || v != want)
        fprintf(stderr, "  '%s': rc %d, %.17g (want %.17g)\n", s, rc, v, want);
    return rc == 0 && v == want;
}

static int refuses_real(const char *s, const struct units *u, int why)
{
    double v;
    int rc = units_parse_real(s, u, &v);
    if (rc != why)
        fprintf(stderr, "  '%s': rc %d (want %d)\n", s, rc, why);
    return rc == why;
}

TEST(sizes_are_powers_of_1024_in_either_case)
{
    CHECK(parses_int("0", &units_bytes, 0));
    CHECK(parses_int("512", &units_bytes, 512));
    CHECK(parses_int("64K", &units_bytes, 65536));
    CHECK(parses_int("64k", &units_bytes, 65536));
    CHECK(parses_int("1M", &units_bytes, 1 << 20));
    CHECK(parses_int("1m", &units_bytes, 1 << 20));
    CHECK(parses_int("4G", &units_bytes, 4ULL << 30));
    CHECK(refuses_int("1Q", &units_bytes, UNITS_BAD_SUFFIX));
    CHECK(refuses_int("1.5K", &units_bytes, UNITS_BAD_SUFFIX)); /* whole numbers only */
    CHECK(refuses_int("1KB", &units_bytes, UNITS_BAD_SUFFIX));
    CHECK(refuses_int("0x10", &units_bytes, UNITS_BAD_SUFFIX));
}

TEST(numbers_have_no_sign_space_or_emptiness)
{
    const char *bad[] = {"", "-1", "+1", " 1", "\t1", "K", "ms", ".", "-", "inf", "nan"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(refuses_int(bad[i], &units_bytes, UNITS_NOT_A_NUMBER));
        CHECK(refuses_real(bad[i], &units_seconds, UNITS_NOT_A_NUMBER));
    }
    CHECK(refuses_int("1 ", &units_bytes, UNITS_BAD_SUFFIX));
}

TEST(integers_are_exact_up_to_2_to_the_64)
{
    CHECK(parses_int("18446744073709551615", NULL, UINT64_MAX));
    CHECK(parses_int("9223372036854775807", NULL, 9223372036854775807ULL));
    CHECK(refuses_int("18446744073709551616", NULL, UNITS_TOO_LARGE));
    CHECK(refuses_int("99999999999999999999999", NULL, UNITS_TOO_LARGE));
    CHECK(parses_int("17179869183G", &units_bytes, 17179869183ULL << 30));
    CHECK(refuses_int("17179869184G", &units_bytes, UNITS_TOO_LARGE));
}

TEST(plain_integers_take_no_suffix)
{
    CHECK(parses_int("12", NULL, 12));
    CHECK(refuses_int("12abc", NULL, UNITS_BAD_SUFFIX));
    CHECK(refuses_int("1.5", NULL, UNITS_BAD_SUFFIX));
    CHECK(refuses_int("1k", NULL, UNITS_BAD_SUFFIX));
}

TEST(server_durations_are_whole_milliseconds)
{
    CHECK(parses_int("10", &units_ms, 10000)); /* a plain number is seconds */
    CHECK(parses_int("250ms", &units_ms, 250));
    CHECK(parses_int("30s", &units_ms, 30000));
    CHECK(parses_int("2m", &units_ms, 120000));
    CHECK(parses_int("0", &units_ms, 0));
    CHECK(refuses_int("1.5s", &units_ms, UNITS_BAD_SUFFIX));
    CHECK(refuses_int("1h", &units_ms, UNITS_BAD_SUFFIX));
    CHECK(refuses_int("5parsecs", &units_ms, UNITS_BAD_SUFFIX));
}

TEST(fractions_must_leave_a_whole_integer)
{
    CHECK(parses_int("1.5k", &units_thousands, 1500));
    CHECK(parses_int(".5k", &units_thousands, 500));
    CHECK(parses_int("0.001k", &units_thousands, 1));
    CHECK(parses_int("2.000", &units_thousands, 2));
    CHECK(parses_int("1.000000000000000000000000k", &units_thousands, 1000));
    CHECK(parses_int("2M", &units_thousands, 2000000));
    CHECK(refuses_int("1.5", &units_thousands, UNITS_NOT_WHOLE));
    CHECK(refuses_int("0.0001k", &units_thousands, UNITS_NOT_WHOLE));
    CHECK(refuses_int("1e6", &units_thousands, UNITS_BAD_SUFFIX));
    CHECK(refuses_int("10m", &units_thousands, UNITS_BAD_SUFFIX));
    /* A unit smaller than the integer's own cannot be counted in it. */
    CHECK(refuses_int("1000ms", &units_seconds, UNITS_NOT_WHOLE));
}

TEST(client_durations_are_seconds_with_fractions)
{
    CHECK(parses_real("10", &units_seconds, 10));
    CHECK(parses_real("1.5s", &units_seconds, 1.5));
    CHECK(parses_real("250ms", &units_seconds, 0.25));
    CHECK(parses_real("2m", &units_seconds, 120));
    CHECK(parses_real("1h", &units_seconds, 3600));
    CHECK(parses_real("5.", &units_seconds, 5));
    CHECK(parses_real(".5", &units_seconds, 0.5));
    double v;
    CHECK_INT_EQ(units_parse_real("500us", &units_seconds, &v), 0);
    CHECK(fabs(v - 0.0005) < 1e-12);
    CHECK(refuses_real("1e3", &units_seconds, UNITS_BAD_SUFFIX));
    CHECK(refuses_real("0x10", &units_seconds, UNITS_BAD_SUFFIX));
    CHECK(refuses_real("1.2.3", &units_seconds, UNITS_BAD_SUFFIX));
    CHECK(refuses_real("10x", &units_seconds, UNITS_BAD_SUFFIX));
    char huge[400];
    memset(huge, '9', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    CHECK(refuses_real(huge, &units_seconds, UNITS_TOO_LARGE));
}

TEST(errors_name_the_suffixes_a_table_takes)
{
    char buf[128];
    CHECK_STR_EQ(units_strerror(UNITS_BAD_SUFFIX, &units_bytes, buf, sizeof buf),
                 "unknown suffix (K, M or G)");
    CHECK_STR_EQ(units_strerror(UNITS_BAD_SUFFIX, &units_ms, buf, sizeof buf),
                 "unknown suffix (ms, s or m)");
    CHECK_STR_EQ(units_strerror(UNITS_BAD_SUFFIX, &units_seconds, buf, sizeof buf),
                 "unknown suffix (us, ms, s, m or h)");
    CHECK_STR_EQ(units_strerror(UNITS_BAD_SUFFIX, NULL, buf, sizeof buf), "unknown suffix");
    CHECK_STR_EQ(units_strerror(UNITS_NOT_A_NUMBER, NULL, buf, sizeof buf),
                 "not a non-negative number");
    CHECK_STR_EQ(units_strerror(UNITS_TOO_LARGE, NULL, buf, sizeof buf), "too large");
    CHECK_STR_EQ(units_strerror(UNITS_NOT_WHOLE, NULL, buf, sizeof buf), "not a whole number");
}

TEST(values_are_written_with_the_largest_whole_suffix)
{
    char buf[32];
    units_format_int(65536, &units_bytes, buf, sizeof buf);
    CHECK_STR_EQ(buf, "64K");
    units_format_int(1 << 30, &units_bytes, buf, sizeof buf);
    CHECK_STR_EQ(buf, "1G");
    units_format_int(1000, &units_bytes, buf, sizeof buf);
    CHECK_STR_EQ(buf, "1000");
    units_format_int(0, &units_bytes, buf, sizeof buf);
    CHECK_STR_EQ(buf, "0");
    units_format_int(75000, &units_ms, buf, sizeof buf);
    CHECK_STR_EQ(buf, "75s");
    units_format_int(1500, &units_ms, buf, sizeof buf);
    CHECK_STR_EQ(buf, "1500ms");
    units_format_int(86400000, &units_ms, buf, sizeof buf);
    CHECK_STR_EQ(buf, "1440m");
    units_format_int(1000000, NULL, buf, sizeof buf);
    CHECK_STR_EQ(buf, "1000000");
    units_format_real(10, &units_seconds, buf, sizeof buf);
    CHECK_STR_EQ(buf, "10s");
    units_format_real(0.001, &units_seconds, buf, sizeof buf);
    CHECK_STR_EQ(buf, "1ms");
    units_format_real(3600, &units_seconds, buf, sizeof buf);
    CHECK_STR_EQ(buf, "1h");
    units_format_real(2.5, &units_seconds, buf, sizeof buf);
    CHECK_STR_EQ(buf, "2500ms");
    units_format_real(0, &units_seconds, buf, sizeof buf);
    CHECK_STR_EQ(buf, "0");
    units_format_real(1e8, &units_thousands, buf, sizeof buf);
    CHECK_STR_EQ(buf, "100M");
}

TEST(written_values_parse_back_to_themselves)
{
    const uint64_t sizes[] = {0, 1, 1023, 1024, 65536, 3 << 20, 5ULL << 30, 1000000007};
    const uint64_t durations[] = {0, 1, 999, 1000, 1500, 60000, 90000, 86400000};
    char buf[32];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        units_format_int(sizes[i], &units_bytes, buf, sizeof buf);
        CHECK(parses_int(buf, &units_bytes, sizes[i]));
        units_format_int(durations[i], &units_ms, buf, sizeof buf);
        CHECK(parses_int(buf, &units_ms, durations[i]));
    }
    const double seconds[] = {0, 0.001, 0.25, 1, 10, 90, 7200, 0.0005};
    for (size_t i = 0; i < sizeof seconds / sizeof seconds[0]; i++) {
        double v;
        units_format_real(seconds[i], &units_seconds, buf, sizeof buf);
        CHECK_INT_EQ(units_parse_real(buf, &units_seconds, &v), 0);
        CHECK(fabs(v - seconds[i]) <= 1e-12 * (1 + seconds[i]));
    }
}

TEST_MAIN(TEST_ENTRY(sizes_are_powers_of_1024_in_either_case),
          TEST_ENTRY(numbers_have_no_sign_space_or_emptiness),
          TEST_ENTRY(integers_are_exact_up_to_2_to_the_64),
          TEST_ENTRY(plain_integers_take_no_suffix),
          TEST_ENTRY(server_durations_are_whole_milliseconds),
          TEST_ENTRY(fractions_must_leave_a_whole_integer),
          TEST_ENTRY(client_durations_are_seconds_with_fractions),
          TEST_ENTRY(errors_name_the_suffixes_a_table_takes),
          TEST_ENTRY(values_are_written_with_the_largest_whole_suffix),
          TEST_ENTRY(written_values_parse_back_to_themselves))
