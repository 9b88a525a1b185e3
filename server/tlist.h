/* Timeout lists for the event models: one list per kind of timeout (keep-alive, header, body,
 * write). A list's timeout is the same for all its members, so appending at the tail keeps it
 * sorted by deadline and a periodic sweep only looks at the heads: no timer per connection. */
#ifndef C10K_TLIST_H
#define C10K_TLIST_H

#include "config.h"

#include <stddef.h>
#include <stdint.h>

enum tlist { TL_NONE = -1, TL_IDLE, TL_HEAD, TL_BODY, TL_WRITE, TL_COUNT };

/* Embedded in a connection; its owner finds the connection with offsetof. */
struct tlist_node {
    struct tlist_node *prev, *next;
    uint64_t deadline; /* ms, on the owner's clock */
    int8_t list;       /* enum tlist */
};

struct tlists {
    struct tlist_node heads[TL_COUNT];
    uint64_t timeout_ms[TL_COUNT];
};

static inline void tlists_init(struct tlists *t, const struct config *cfg)
{
    for (int i = 0; i < TL_COUNT; i++)
        t->heads[i].prev = t->heads[i].next = &t->heads[i];
    t->timeout_ms[TL_IDLE] = (uint64_t)cfg->keepalive_timeout_ms;
    t->timeout_ms[TL_HEAD] = (uint64_t)cfg->header_timeout_ms;
    t->timeout_ms[TL_BODY] = (uint64_t)cfg->body_timeout_ms;
    t->timeout_ms[TL_WRITE] = (uint64_t)cfg->write_timeout_ms;
}

static inline void tlist_node_init(struct tlist_node *n)
{
    n->list = TL_NONE;
}

static inline void tlist_unlink(struct tlist_node *n)
{
    if (n->list == TL_NONE)
        return;
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->list = TL_NONE;
}

/* Puts n at the tail of `which`, with a deadline of now plus that list's timeout. */
static inline void tlist_arm(struct tlists *t, struct tlist_node *n, enum tlist which, uint64_t now)
{
    tlist_unlink(n);
    struct tlist_node *head = &t->heads[which];
    n->prev = head->prev;
    n->next = head;
    head->prev->next = n;
    head->prev = n;
    n->list = (int8_t)which;
    n->deadline = now + t->timeout_ms[which];
}

/* The first member of `which` whose deadline has passed, unlinked, or NULL. */
static inline struct tlist_node *tlist_pop_expired(struct tlists *t, enum tlist which, uint64_t now)
{
    struct tlist_node *head = &t->heads[which];
    if (head->next == head || head->next->deadline > now)
        return NULL;
    struct tlist_node *n = head->next;
    tlist_unlink(n);
    return n;
}

/* How often to sweep: a quarter of the shortest timeout, from 10 ms to 1 s. */
static inline uint64_t tlists_sweep_interval(const struct config *cfg)
{
    int shortest = cfg->header_timeout_ms;
    const int others[] = {cfg->body_timeout_ms, cfg->keepalive_timeout_ms, cfg->write_timeout_ms};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (others[i] < shortest)
            shortest = others[i];
    int interval = shortest / 4;
    return (uint64_t)(interval < 10 ? 10 : interval > 1000 ? 1000 : interval);
}

#endif
