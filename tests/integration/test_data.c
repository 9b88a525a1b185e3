/* /data over the --dataset table: entry k's bytes, the write counter in its first 8 bytes, bad
 * keys, no data set, and what /stats says of it. Where a write shows depends on the model: one
 * copy for the threads of a process, one copy per process after a fork. */
#include "support.h"

#include <stdint.h>

#define ENTRY_BYTES 1024
#define ENTRIES 64

static struct it_server *data_server(void)
{
    return it_server_start("--dataset", "64K");
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Asks for target on c; checks a 200 with a whole entry k and returns its write counter, or
 * UINT64_MAX (the test has failed). */
static uint64_t entry_counter(struct it_conn *c, const char *target, uint64_t k)
{
    if (it_sendf(c, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", target) < 0)
        return UINT64_MAX;
    struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
    if (r == NULL || r->status != 200 || r->body_len != ENTRY_BYTES) {
        it_log("%s: %d, %zu bytes", target, r ? r->status : -1, r ? r->body_len : 0);
        return UINT64_MAX;
    }
    const char *type = it_header(r, "Content-Type");
    if (type == NULL || strcmp(type, "application/octet-stream") != 0) {
        it_log("%s: Content-Type %s", target, type ? type : "(none)");
        return UINT64_MAX;
    }
    const unsigned char *b = (const unsigned char *)r->body;
    for (size_t off = 8; off < ENTRY_BYTES; off += 8)
        if (le64(b + off) != k) {
            it_log("%s: bytes %zu-%zu hold %llu, not the key", target, off, off + 7,
                   (unsigned long long)le64(b + off));
            return UINT64_MAX;
        }
    return le64(b);
}

TEST(data_answers_entry_k_filled_from_k)
{
    struct it_server *s = data_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    static const uint64_t keys[] = {0, 1, 17, ENTRIES - 1};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK_INT_EQ(
            entry_counter(c, it_printf("/data?key=%llu", (unsigned long long)keys[i]), keys[i]), 0);
    /* parameters in any order, others ignored, an explicit read */
    CHECK_INT_EQ(entry_counter(c, "/data?write=0&x=y&key=5", 5), 0);
}

TEST(data_write_increments_the_entry_s_counter_first)
{
    struct it_server *s = data_server();
    CHECK(s != NULL);
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    CHECK_INT_EQ(entry_counter(c, "/data?key=7&write=1", 7), 1);
    CHECK_INT_EQ(entry_counter(c, "/data?key=7&write=1", 7), 2);
    CHECK_INT_EQ(entry_counter(c, "/data?key=7", 7), 2);
    CHECK_INT_EQ(entry_counter(c, "/data?key=8", 8), 0); /* its neighbour untouched */

    /* HEAD answers the GET's head and, being safe, writes nothing. */
    CHECK_INT_EQ(it_sends(c, "HEAD /data?key=7&write=1 HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    struct it_response *h = it_read_response_ex(c, IT_RESP_HEAD, IT_IO_TIMEOUT_MS);
    CHECK(h != NULL);
    CHECK_INT_EQ(h->status, 200);
    CHECK_STR_EQ(it_header(h, "Content-Length"), "1024");
    CHECK_STR_EQ(it_header(h, "Content-Type"), "application/octet-stream");
    CHECK_INT_EQ(entry_counter(c, "/data?key=7", 7), 2);

    /* Another connection: the threads of one process share the table; a process model's other
     * processes have their own copy, in which this connection's writes never happened. */
    it_close(c);
    struct it_conn *d = it_connect(s);
    CHECK(d != NULL);
    uint64_t seen = entry_counter(d, "/data?key=7", 7);
    const struct it_process_model *pm = it_process_model();
    if (pm == NULL)
        CHECK_INT_EQ(seen, 2);
    else if (pm->count_option == NULL)
        CHECK_INT_EQ(seen, 0); /* a new child, forked from a parent that never wrote */
    else
        CHECK(seen == 0 || seen == 2); /* the same worker, or another one */
    it_log("a new connection sees the counter at %llu", (unsigned long long)seen);
}

TEST(data_bad_keys_are_400_and_keep_the_connection)
{
    struct it_server *s = data_server();
    CHECK(s != NULL);
    double bad0 = it_stat(s, "errors.bad_param");
    CHECK(bad0 >= 0);
    static const char *const targets[] = {
        "/data",
        "/data?key=",
        "/data?key=-1",
        "/data?key=64",
        "/data?key=abc",
        "/data?key=1&key=2",
        "/data?key=1&write=2",
        "/data?key=1&write=",
        "/data?key=1x",
        "/data?key=99999999999",
        "/data?write=1",
    };
    size_t n = sizeof targets / sizeof targets[0];
    struct it_conn *c = it_connect(s);
    CHECK(c != NULL);
    for (size_t i = 0; i < n; i++) {
        CHECK_INT_EQ(it_sendf(c, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", targets[i]), 0);
        struct it_response *r = it_read_response(c, IT_IO_TIMEOUT_MS);
        CHECK(r != NULL);
        if (r->status != 400)
            it_log("%s: %d", targets[i], r->status);
        CHECK_INT_EQ(r->status, 400);
        CHECK(!it_header_has_token(r, "Connection", "close"));
    }
    CHECK_INT_EQ(entry_counter(c, "/data?key=63", 63), 0); /* still served */
    CHECK_INT_EQ(it_wait_stat_ge(s, "errors.bad_param", bad0 + (double)n, 5000, NULL), 0);
}

TEST(data_without_a_data_set_is_404_saying_so)
{
    struct it_server *s = it_shared_server(); /* started without --dataset */
    CHECK(s != NULL);
    static const char *const targets[] = {"/data?key=0", "/data?key=0&write=1", "/data"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        struct it_response *r = it_get(s, targets[i]);
        CHECK(r != NULL);
        CHECK_INT_EQ(r->status, 404);
        CHECK(strstr(r->body, "--dataset") != NULL);
        CHECK(r->body_len > 0 && memchr(r->body, '\n', r->body_len) == r->body + r->body_len - 1);
    }
    char *json = it_stats(s);
    CHECK(json != NULL);
    double v;
    CHECK_INT_EQ(it_json_number(json, "dataset.entries", &v), 0);
    CHECK_INT_EQ(v, 0);
    CHECK_INT_EQ(it_json_number(json, "dataset.bytes", &v), 0);
    CHECK_INT_EQ(v, 0);
}

TEST(stats_shows_the_data_set_and_counts_data_requests)
{
    struct it_server *s = data_server();
    CHECK(s != NULL);
    double before = it_stat(s, "requests.by_endpoint.data");
    CHECK(before >= 0);
    /* each on its own connection: in the process models, counted by as many processes */
    for (int i = 0; i < 5; i++) {
        struct it_response *r = it_get(s, it_printf("/data?key=%d&write=%d", i, i % 2));
        CHECK(r != NULL && r->status == 200);
    }
    CHECK_INT_EQ(it_wait_stat_ge(s, "requests.by_endpoint.data", before + 5, 5000, NULL), 0);
    char *json = it_stats(s);
    CHECK(json != NULL);
    double bytes, entries, entry;
    CHECK_INT_EQ(it_json_number(json, "dataset.bytes", &bytes), 0);
    CHECK_INT_EQ(it_json_number(json, "dataset.entries", &entries), 0);
    CHECK_INT_EQ(it_json_number(json, "dataset.entry_bytes", &entry), 0);
    CHECK_INT_EQ(bytes, 64 * 1024);
    CHECK_INT_EQ(entries, ENTRIES);
    CHECK_INT_EQ(entry, ENTRY_BYTES);
}

IT_MAIN(TEST_ENTRY(data_answers_entry_k_filled_from_k),
        TEST_ENTRY(data_write_increments_the_entry_s_counter_first),
        TEST_ENTRY(data_bad_keys_are_400_and_keep_the_connection),
        TEST_ENTRY(data_without_a_data_set_is_404_saying_so),
        TEST_ENTRY(stats_shows_the_data_set_and_counts_data_requests))
