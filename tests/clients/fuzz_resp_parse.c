/* libFuzzer target for the response parser: the input is split at a fuzzer-chosen point (its
 * first byte), parsed as a stream of responses, and must never crash, read out of bounds, or
 * consume more than it was given; the same bytes parsed in one piece must give the same number
 * of responses (or the same error). Built with -DC10K_FUZZ=ON (clang). */
#include "resp_parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Parses data in two pieces split at `split`. Returns the number of complete responses, or -1
 * on a protocol error. */
static int parse_stream(const uint8_t *data, size_t size, size_t split, int head)
{
    struct resp_parser p;
    resp_parser_init(&p, head);
    int responses = 0;
    size_t pieces[2][2] = {{0, split}, {split, size}};
    for (int k = 0; k < 2; k++) {
        size_t pos = pieces[k][0], end = pieces[k][1];
        while (pos < end) {
            ssize_t r = resp_parse(&p, (const char *)data + pos, end - pos);
            if (r < 0)
                return -1;
            if ((size_t)r > end - pos)
                abort();
            pos += (size_t)r;
            if (p.done) {
                responses++;
                resp_parser_init(&p, head);
            } else if (r == 0) {
                abort(); /* no progress without a response: the caller would spin */
            }
        }
    }
    if (resp_parse_eof(&p) == 1)
        responses++;
    return responses;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int head = data[0] & 1;
    size_t split = size > 1 ? (size_t)(data[0] >> 1) % size : 0;
    data++;
    size--;
    if (split > size)
        split = size;
    int whole = parse_stream(data, size, size, head);
    int pieces = parse_stream(data, size, split, head);
    if (whole != pieces)
        abort();
    return 0;
}
