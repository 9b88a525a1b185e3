/* How a test or the harness learns where a server listens: its "listening on" line, or a free
 * port picked for a program that cannot bind port 0. */
#include "freeport.h"
#include "listening.h"
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* Checks that line parses into host, port and mode. */
static void expect_listening(const char *line, const char *host, int port, const char *mode)
{
    struct listening l;
    CHECK_INT_EQ(listening_parse(line, &l), 0);
    CHECK_STR_EQ(l.host, host);
    CHECK_INT_EQ(l.port, port);
    CHECK_STR_EQ(l.mode, mode);
}

TEST(listening_line_of_the_server)
{
    expect_listening("listening on 127.0.0.1:8080 mode=loop", "127.0.0.1", 8080, "loop");
    expect_listening("listening on [::1]:43 mode=thread more=1", "::1", 43, "thread");
}

TEST(listening_line_without_a_mode)
{
    expect_listening("listening on 0.0.0.0:65535", "0.0.0.0", 65535, "");
}

TEST(listening_line_refuses_anything_else)
{
    static const char *const bad[] = {
        "hello",
        "listening on 127.0.0.1 mode=loop",
        "listening on 127.0.0.1:0 mode=loop",
        "listening on 127.0.0.1:65536",
        "listening on 127.0.0.1:80x",
        "listening on :80",
        "listening on []:80",
        "listening on [::1:80",
        "listening on 127.0.0.1:80 threads=4",
        "listening on 127.0.0.1:80 mode=a-mode-name-too-long",
        "warning: listening on 127.0.0.1:80 mode=loop",
    };
    struct listening l;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (listening_parse(bad[i], &l) != -EINVAL)
            CHECK_STR_EQ(bad[i], "refused");
}

/* Binds 127.0.0.1:port (0: any) and listens: the fd, or -1; *bound gets the port. */
static int bind_port(int port, int *bound)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(fd, 1) < 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *bound = ntohs(sin.sin_port);
    return fd;
}

TEST(freeport_picks_a_bindable_port_below_the_ephemeral_range)
{
    int low = 32768, high = 60999;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
    if (f) {
        CHECK_INT_EQ(fscanf(f, "%d %d", &low, &high), 2);
        fclose(f);
    }
    int port = freeport_pick();
    CHECK(port > 1024 && port <= 65535);
    if (low - 10000 >= 1000)
        CHECK(port >= 10000 && port < low);
    int bound = 0;
    int fd = bind_port(port, &bound);
    CHECK(fd >= 0);
    CHECK_INT_EQ(bound, port);
    CHECK_INT_EQ(freeport_is_free(port), 0);
    close(fd);
}

TEST(freeport_sees_a_bound_port)
{
    int port = 0;
    int fd = bind_port(0, &port);
    CHECK(fd >= 0);
    CHECK_INT_EQ(freeport_is_free(port), 0);
    close(fd);
    CHECK_INT_EQ(freeport_is_free(port), 1);
}

TEST_MAIN(TEST_ENTRY(listening_line_of_the_server), TEST_ENTRY(listening_line_without_a_mode),
          TEST_ENTRY(listening_line_refuses_anything_else),
          TEST_ENTRY(freeport_picks_a_bindable_port_below_the_ephemeral_range),
          TEST_ENTRY(freeport_sees_a_bound_port))
