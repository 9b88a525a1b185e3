/* The first line a server prints once it accepts connections, "listening on HOST:PORT", which
 * c10k-server follows with " mode=MODE" and the tests' stand-in server with nothing. */
#ifndef C10K_COMMON_LISTENING_H
#define C10K_COMMON_LISTENING_H

struct listening {
    char host[64]; /* without the brackets of an IPv6 address */
    int port;
    char mode[16]; /* "" when the line names none */
};

/* Parses the line (its newline already removed). Returns 0, or -EINVAL for any other line. */
int listening_parse(const char *line, struct listening *out);

#endif
