/* The limits that decide how many connections one client process can hold: its open-file limit
 * and, per local source address, the ephemeral port range. A run that asks for more than they
 * allow stops before it starts with one line that names the limit, rather than falling short
 * silently. */
#ifndef C10K_LOAD_LIMITS_H
#define C10K_LOAD_LIMITS_H

#include <stddef.h>
#include <stdint.h>

/* Descriptors the client needs besides its connections: stdio, the JSON file, one epoll
 * descriptor per thread, and a margin for the resolver and libc. */
#define LIMITS_FD_RESERVE 16

struct limits {
    uint64_t fd_soft, fd_hard; /* RLIMIT_NOFILE */
    unsigned port_lo, port_hi; /* net.ipv4.ip_local_port_range */
};

/* Reads the limits of this process and machine. Returns 0 or a negative errno. */
int limits_read(struct limits *l);

/* Checks that `connections` connections on `threads` threads, spread over `sources` source
 * addresses (0: one, chosen by the kernel), fit the limits. Returns 0, or -1 with a one-line
 * explanation in msg. */
int limits_check(const struct limits *l, uint64_t connections, unsigned threads, size_t sources,
                 char *msg, size_t msg_len);

/* Raises the soft open-file limit to the hard one. Returns 0 or a negative errno. */
int limits_raise_nofile(struct limits *l);

#endif
