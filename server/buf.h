/* A growable byte buffer. The owner decides its lifetime; buf_free releases the memory. */
#ifndef C10K_BUF_H
#define C10K_BUF_H

#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
};

/* Makes room for n more bytes. Returns 0, or -ENOMEM with the buffer unchanged. */
int buf_reserve(struct buf *b, size_t n);
int buf_append(struct buf *b, const void *data, size_t n);
/* Drops the first n bytes, moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);
void buf_free(struct buf *b);

#endif
