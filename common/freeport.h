/* A TCP port for a program that cannot be told to bind port 0 (nginx, HAProxy). */
#ifndef C10K_COMMON_FREEPORT_H
#define C10K_COMMON_FREEPORT_H

/* Tries this many random ports before giving up. */
#define FREEPORT_TRIES 100

/* A port nothing is bound to on 127.0.0.1, below the ephemeral range
 * (net.ipv4.ip_local_port_range) so that no client connection holds it as its local port by the
 * time the program binds it. Another process may still take it first: a caller whose program
 * then fails to bind picks again. Returns the port or -EADDRNOTAVAIL. */
int freeport_pick(void);

/* Whether nothing is bound to 127.0.0.1:port now (1) or something is (0). */
int freeport_is_free(int port);

#endif
