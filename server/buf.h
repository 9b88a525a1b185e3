/* A growable byte buffer. The owner decides its lifetime; buf_free releases the memory. */
#ifndef C10K_BUF_H
#define C10K_BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
};

/* Grows the buffer to hold n more bytes: the slow path of buf_reserve, which has found the room
 * short. */
int buf_grow(struct buf *b, size_t n);

/* Makes room for n more bytes. Returns 0, or -ENOMEM with the buffer unchanged. Inline: the
 * response path calls it for every request and almost always has the room already. */
static inline int buf_reserve(struct buf *b, size_t n)
{
    return b->cap - b->len >= n ? 0 : buf_grow(b, n);
}

static inline int buf_append(struct buf *b, const void *data, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc < 0)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    return 0;
}

/* Drops the first n bytes, moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);
void buf_free(struct buf *b);

#endif
