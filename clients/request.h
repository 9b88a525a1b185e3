/* The requests a run sends, rendered to bytes once before it starts: sending a request is then a
 * write of bytes that already exist. The mix is a fixed order of kinds in proportion to their
 * weights (a smooth weighted round robin), so a run's proportions are exact and need no random
 * numbers on the hot path. */
#ifndef C10K_REQUEST_H
#define C10K_REQUEST_H

#include <stddef.h>
#include <stdint.h>

struct load_config;

struct request_bytes {
    char *data; /* owned; the whole request: line, headers, body */
    size_t len;
    int head;           /* a HEAD request: its response has no body */
    const char *method; /* borrowed from the configuration */
    const char *path;
    unsigned weight;
    int keyed; /* its path had {key}: key_width digits at key_off stand for the key */
    size_t key_off;
};

struct request_mix {
    struct request_bytes *kinds; /* owned */
    size_t n_kinds;
    uint16_t *order;    /* owned; kind index for each step of the cycle */
    uint32_t order_len; /* the sum of the weights */
    unsigned key_width; /* digits of a key (--keys); 0: no kind is keyed */
    size_t keyed_len;   /* the longest keyed kind: a copy of it per request in flight */
};

/* Renders every kind of request of cfg. Returns 0 or -ENOMEM. */
int request_mix_build(struct request_mix *mix, const struct load_config *cfg);
void request_mix_free(struct request_mix *mix);

/* Copies a keyed kind's bytes to dst (mix->keyed_len bytes at least) with key written in its
 * place, zero-padded. Returns the request's length. */
size_t request_with_key(const struct request_mix *mix, const struct request_bytes *rb, char *dst,
                        uint32_t key);

#endif
