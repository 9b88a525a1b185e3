#include "request.h"

#include "load_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Whether the user's headers already have a field of this name. */
static int has_header(const struct load_config *cfg, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < cfg->n_headers; i++)
        if (strncasecmp(cfg->headers[i], name, n) == 0 && cfg->headers[i][n] == ':')
            return 1;
    return 0;
}

static int method_has_body(const char *m)
{
    return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

/* Methods whose requests servers expect to carry a length even when empty. */
static int method_wants_length(const char *m)
{
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
}

/* The digits of the largest key, n - 1 (at least 1). */
static unsigned key_width(uint32_t n)
{
    unsigned w = 1;
    for (uint32_t v = n > 0 ? n - 1 : 0; v >= 10; v /= 10)
        w++;
    return w;
}

static int render(struct request_bytes *rb, const struct load_config *cfg, const char *method,
                  const char *path)
{
    /* The placeholder becomes zeros of the key's width, overwritten per request. */
    char keyed_path[4096];
    const char *at = cfg->keys > 0 ? strstr(path, LOAD_KEY_PLACEHOLDER) : NULL;
    size_t path_off = 0;
    if (at) {
        unsigned w = key_width(cfg->keys);
        size_t pre = (size_t)(at - path);
        int n = snprintf(keyed_path, sizeof keyed_path, "%.*s%0*d%s", (int)pre, path, (int)w, 0,
                         at + strlen(LOAD_KEY_PLACEHOLDER));
        if (n < 0 || (size_t)n >= sizeof keyed_path)
            return -ENOMEM;
        path_off = pre;
    }
    const char *sent = at ? keyed_path : path;
    int with_body = cfg->body != NULL && method_has_body(method);
    size_t body_len = with_body ? cfg->body_len : 0;
    size_t cap = strlen(method) + strlen(sent) + strlen(cfg->host_header) + 128 + body_len;
    for (size_t i = 0; i < cfg->n_headers; i++)
        cap += strlen(cfg->headers[i]) + 2;

    char *d = malloc(cap);
    if (d == NULL)
        return -ENOMEM;
    size_t n = (size_t)snprintf(d, cap, "%s %s HTTP/1.1\r\n", method, sent);
    rb->keyed = at != NULL;
    rb->key_off = strlen(method) + 1 + path_off;
    if (!has_header(cfg, "Host"))
        n += (size_t)snprintf(d + n, cap - n, "Host: %s\r\n", cfg->host_header);
    for (size_t i = 0; i < cfg->n_headers; i++)
        n += (size_t)snprintf(d + n, cap - n, "%s\r\n", cfg->headers[i]);
    if ((with_body || method_wants_length(method)) && !has_header(cfg, "Content-Length"))
        n += (size_t)snprintf(d + n, cap - n, "Content-Length: %zu\r\n", body_len);
    if (!cfg->keepalive && !has_header(cfg, "Connection"))
        n += (size_t)snprintf(d + n, cap - n, "Connection: close\r\n");
    n += (size_t)snprintf(d + n, cap - n, "\r\n");
    if (body_len) {
        memcpy(d + n, cfg->body, body_len);
        n += body_len;
    }
    rb->data = d;
    rb->len = n;
    rb->head = strcmp(method, "HEAD") == 0;
    rb->method = method;
    rb->path = path;
    return 0;
}

/* Smooth weighted round robin: each step every kind gains its weight and the richest is chosen
 * and pays the total; kinds come out in proportion, evenly spread. */
static void build_order(struct request_mix *mix)
{
    int64_t current[LOAD_MAX_REQUEST_KINDS] = {0};
    for (uint32_t step = 0; step < mix->order_len; step++) {
        size_t best = 0;
        for (size_t k = 0; k < mix->n_kinds; k++) {
            current[k] += mix->kinds[k].weight;
            if (current[k] > current[best])
                best = k;
        }
        current[best] -= mix->order_len;
        mix->order[step] = (uint16_t)best;
    }
}

int request_mix_build(struct request_mix *mix, const struct load_config *cfg)
{
    memset(mix, 0, sizeof *mix);
    mix->kinds = calloc(cfg->n_kinds, sizeof *mix->kinds);
    if (mix->kinds == NULL)
        goto fail;
    for (size_t k = 0; k < cfg->n_kinds; k++) {
        const struct load_request_kind *kind = &cfg->kinds[k];
        const char *method = kind->method ? kind->method : cfg->method;
        if (render(&mix->kinds[k], cfg, method, kind->path) < 0)
            goto fail;
        mix->kinds[k].weight = kind->weight;
        if (mix->kinds[k].keyed) {
            mix->key_width = key_width(cfg->keys);
            if (mix->kinds[k].len > mix->keyed_len)
                mix->keyed_len = mix->kinds[k].len;
        }
        mix->n_kinds++;
        mix->order_len += kind->weight;
    }
    mix->order = malloc(mix->order_len * sizeof *mix->order);
    if (mix->order == NULL)
        goto fail;
    build_order(mix);
    return 0;
fail:
    request_mix_free(mix);
    return -ENOMEM;
}

size_t request_with_key(const struct request_mix *mix, const struct request_bytes *rb, char *dst,
                        uint32_t key)
{
    memcpy(dst, rb->data, rb->len);
    char *digits = dst + rb->key_off;
    for (unsigned i = mix->key_width; i-- > 0; key /= 10)
        digits[i] = (char)('0' + key % 10);
    return rb->len;
}

void request_mix_free(struct request_mix *mix)
{
    for (size_t k = 0; mix->kinds && k < mix->n_kinds; k++)
        free(mix->kinds[k].data);
    free(mix->kinds);
    free(mix->order);
    memset(mix, 0, sizeof *mix);
}
