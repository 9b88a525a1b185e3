#include "load_limits.h"

#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>

int limits_read(struct limits *l)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -errno;
    l->fd_soft = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
    l->fd_hard = rl.rlim_max == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_max;

    /* Linux's defaults, for a kernel that does not show the range. */
    l->port_lo = 32768;
    l->port_hi = 60999;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        unsigned lo, hi;
        if (fscanf(f, "%u %u", &lo, &hi) == 2 && lo <= hi) {
            l->port_lo = lo;
            l->port_hi = hi;
        }
        fclose(f);
    }
    return 0;
}

int limits_check(const struct limits *l, uint64_t connections, unsigned threads, size_t sources,
                 char *msg, size_t msg_len)
{
    uint64_t fds = connections + threads + LIMITS_FD_RESERVE;
    if (fds > l->fd_hard) {
        snprintf(msg, msg_len,
                 "%llu connections need %llu file descriptors, but the open-file hard limit "
                 "(RLIMIT_NOFILE, ulimit -Hn) is %llu; raise it or split the load over several "
                 "processes",
                 (unsigned long long)connections, (unsigned long long)fds,
                 (unsigned long long)l->fd_hard);
        return -1;
    }
    uint64_t ports = (uint64_t)l->port_hi - l->port_lo + 1;
    uint64_t addresses = sources ? sources : 1;
    uint64_t per_address = (connections + addresses - 1) / addresses;
    if (per_address > ports) {
        uint64_t needed = 1 + (connections + ports - 1) / ports;
        snprintf(msg, msg_len,
                 "%llu connections from %llu source address%s need %llu local ports per address, "
                 "but the ephemeral port range (net.ipv4.ip_local_port_range %u-%u) has %llu; "
                 "add source addresses with --source (e.g. --source 127.0.0.2-127.0.0.%llu)",
                 (unsigned long long)connections, (unsigned long long)addresses,
                 addresses == 1 ? "" : "es", (unsigned long long)per_address, l->port_lo,
                 l->port_hi, (unsigned long long)ports, (unsigned long long)needed);
        return -1;
    }
    return 0;
}

int limits_raise_nofile(struct limits *l)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -errno;
    if (rl.rlim_cur == rl.rlim_max)
        return 0;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -errno;
    l->fd_soft = l->fd_hard;
    return 0;
}
