/* The second parser of the differential fuzzer: Debian's libhttp-parser (the classic C parser
 * Node.js used before llhttp), linked from the package, driven as a server would drive it: one
 * parser over the whole byte stream, paused after each message so that its end is known. */
#include "diff.h"

#include <http_parser.h>
#include <string.h>

struct diff_hp {
    struct diff_message cur;
    int in_message;
    const char *end;     /* of the whole input */
    const char *framing; /* where the framing bytes not yet looked at begin */
};

/* Framing (head, chunk lines, trailers) from h->framing up to at: notes a bare CR. */
static void diff_hp_framing(struct diff_hp *h, const char *at)
{
    for (const char *p = h->framing; p < at; p++)
        if (*p == '\r' && (p + 1 == h->end || p[1] != '\n'))
            h->cur.framing_bare_cr = 1;
    h->framing = at;
}

static int diff_hp_begin(http_parser *p)
{
    struct diff_hp *h = p->data;
    h->cur = (struct diff_message){0};
    h->in_message = 1;
    /* framing from the end of the last message: the CR and LF bytes it skipped count */
    return 0;
}

static int diff_hp_url(http_parser *p, const char *at, size_t n)
{
    struct diff_hp *h = p->data;
    /* the whole stream is one buffer and a pause only falls between messages: one span */
    if (h->cur.target == NULL)
        h->cur.target = at;
    h->cur.target_len = (size_t)(at + n - h->cur.target);
    return 0;
}

static int diff_hp_body(http_parser *p, const char *at, size_t n)
{
    struct diff_hp *h = p->data;
    diff_hp_framing(h, at);
    h->framing = at + n;
    h->cur.body_len += n;
    return 0;
}

static int diff_hp_complete(http_parser *p)
{
    struct diff_hp *h = p->data;
    const char *m = http_method_str((enum http_method)p->method);
    h->cur.method = m;
    h->cur.method_len = strlen(m);
    /* stop here, so that http_parser_execute says where the message ended */
    http_parser_pause(p, 1);
    return 0;
}

void diff_read_http_parser(const char *data, size_t len, struct diff_reading *out)
{
    http_parser_settings settings;
    http_parser_settings_init(&settings);
    settings.on_message_begin = diff_hp_begin;
    settings.on_url = diff_hp_url;
    settings.on_body = diff_hp_body;
    settings.on_message_complete = diff_hp_complete;

    struct diff_hp h = {.end = data + len, .framing = data};
    http_parser p;
    http_parser_init(&p, HTTP_REQUEST);
    p.data = &h;
    *out = (struct diff_reading){.stop = DIFF_MORE};

    size_t off = 0;
    while (off < len) {
        off += http_parser_execute(&p, &settings, data + off, len - off);
        enum http_errno e = HTTP_PARSER_ERRNO(&p);
        if (e == HPE_PAUSED) {
            h.cur.end = off;
            diff_hp_framing(&h, data + off);
            h.in_message = 0;
            out->msg[out->n++] = h.cur;
            if (p.upgrade) {
                out->stop = DIFF_UPGRADE;
                return;
            }
            if (out->n == DIFF_MAX_MESSAGES) {
                out->stop = DIFF_FULL;
                return;
            }
            http_parser_pause(&p, 0);
            continue;
        }
        if (e != HPE_OK) {
            out->stop = DIFF_REJECTED;
            return;
        }
        break;
    }
    out->partial = h.in_message;
}
