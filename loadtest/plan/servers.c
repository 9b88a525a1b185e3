#include "servers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SERVER_ROW(id, ...) [SRV_##id] = {__VA_ARGS__},
const struct bench_server bench_servers[SRV_COUNT] = {SERVER_TABLE(SERVER_ROW)};
#undef SERVER_ROW

const struct bench_server *server_find(const char *name)
{
    for (int i = 0; i < SRV_COUNT; i++)
        if (strcmp(bench_servers[i].name, name) == 0)
            return &bench_servers[i];
    return NULL;
}

int server_id_of(const struct bench_server *s)
{
    return (int)(s - bench_servers);
}

int server_parse_list(const char *list, unsigned *bits, char *bad, size_t bad_len)
{
    *bits = 0;
    const char *p = list;
    for (;;) {
        size_t n = strcspn(p, ",");
        char name[64];
        const struct bench_server *s = NULL;
        if (n < sizeof name) {
            memcpy(name, p, n);
            name[n] = '\0';
            s = server_find(name);
        }
        if (!s) {
            if (bad)
                snprintf(bad, bad_len, "%.*s", (int)n, p);
            return -EINVAL;
        }
        *bits |= 1u << server_id_of(s);
        if (!p[n])
            break;
        p += n + 1;
    }
    return 0;
}

const char *server_names(void)
{
    static char names[256];
    if (!names[0]) {
        size_t used = 0;
        for (int i = 0; i < SRV_COUNT && used < sizeof names; i++)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%s",
                                     i == 0              ? ""
                                     : i + 1 < SRV_COUNT ? ", "
                                                         : " or ",
                                     bench_servers[i].name);
    }
    return names;
}

int server_runs_in(const struct bench_server *s, int scenario, int every)
{
    unsigned bit = 1u << scenario;
    return (s->scenarios & bit) || (every && (s->scenarios_more & bit));
}

void server_label(const struct bench_server *s, int variant, int cpus, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "%s", s->name);
    for (int a = 0; a < VARIANT_ARGS && s->variants[variant].args[a] && used < len; a++) {
        const char *arg = s->variants[variant].args[a];
        if (strcmp(arg, "@CPUS@") == 0)
            used += (size_t)snprintf(buf + used, len - used, " %d", cpus);
        else
            used += (size_t)snprintf(buf + used, len - used, " %s", arg);
    }
}

/* Whether a label's arguments are those of a variant ("@CPUS@" takes any number). */
static int args_match(const struct server_variant *v, const char *rest)
{
    for (int a = 0; a < VARIANT_ARGS && v->args[a]; a++) {
        if (*rest != ' ')
            return 0;
        rest++;
        size_t n = strcspn(rest, " ");
        if (strcmp(v->args[a], "@CPUS@") == 0) {
            char *end;
            strtol(rest, &end, 10);
            if (end == rest || (size_t)(end - rest) != n)
                return 0;
        } else if (strlen(v->args[a]) != n || strncmp(v->args[a], rest, n) != 0) {
            return 0;
        }
        rest += n;
    }
    return *rest == '\0';
}

const struct bench_server *server_of_label(const char *label, int *variant)
{
    size_t n = strcspn(label, " ");
    for (int i = 0; i < SRV_COUNT; i++) {
        const struct bench_server *s = &bench_servers[i];
        if (strlen(s->name) != n || strncmp(s->name, label, n) != 0)
            continue;
        for (int v = 0; v < SERVER_VARIANTS && s->variants[v].scenarios; v++)
            if (args_match(&s->variants[v], label + n)) {
                *variant = v;
                return s;
            }
    }
    return NULL;
}
