#include "schedprof.h"

#include "env.h"
#include "record.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* perf record writes its file after SIGINT: a few seconds at most for a 10 s window. */
#define SCHEDPROF_STOP_MS 30000
#define SCHEDPROF_SCRIPT_MS 60000
#define SCHEDPROF_PROBE_MS 10000
#define SCHEDPROF_SYMBOL_MAX 256
/* Above this, a kernel address (x86-64 and arm64 kernels live in the top half). */
#define SCHEDPROF_KERNEL_BASE 0xffff800000000000ULL

enum { SCHED_SWITCH = 1, SCHED_WAKEUP = 2 };

/* The areas (record.h's SCHED_AREAS), by the names the pattern table uses. */
enum area_id {
#define AREA_ENUM(X, id, key, meaning) AREA_##id = SCHED_AREA_##id,
    SCHED_AREAS(AREA_ENUM, _)
#undef AREA_ENUM
        AREA_COUNT = SCHED_AREA_COUNT
};

static const char *const area_keys[AREA_COUNT] = {
#define AREA_KEY(X, id, key, meaning) key,
    SCHED_AREAS(AREA_KEY, _)
#undef AREA_KEY
};

/* How a row of area_patterns matches a sample. Kernel rows look at every kernel frame of the
 * callchain (the sample was inside that function); user rows at the sample's own frame only,
 * when it is in user space. A name matches with any suffix after a dot (finish_task_switch.isra.0),
 * or, for the PREFIX kinds, any name that starts with it. */
enum pattern_kind {
    IN_KERNEL,
    IN_KERNEL_PREFIX,
    AT_USER, /* the user-space symbol */
    AT_USER_PREFIX,
    AT_USER_OBJECT,  /* any symbol of the object whose file name starts with this */
    AT_USER_UNNAMED, /* an address of that object perf could not name */
};

/* The first row that matches a sample gives its area: the order is the precedence. Chosen from
 * profiles of every model and nginx on a VM with only software events, where cpu-clock is an
 * hrtimer interrupt that cannot fire while interrupts are off: a sample due in such a region
 * lands where they come back on. So a context switch (interrupts off from __schedule to the end
 * of the switch) is charged to finish_task_switch, a wake-up (try_to_wake_up under the wait
 * queue's spin_lock_irqsave) to the _raw_spin_unlock_irqrestore after it, when try_to_wake_up
 * is no longer on the stack, and the end of a system call to the user-space instruction after
 * it, in the wrapper that made it. The switch and wake-up rows also give switch_share and
 * wakeup_share, which count a sample with any such frame. */
static const struct area_pattern {
    enum area_id area;
    enum pattern_kind kind;
    const char *name;
} area_patterns[] = {
    /* Switching out and in: schedule, __schedule's caller, stands for it in a chain whose
     * unwinding lost __schedule's frame; finish_task_switch runs in the thread switched in. */
    {AREA_SWITCH, IN_KERNEL, "__schedule"},
    {AREA_SWITCH, IN_KERNEL, "schedule"},
    {AREA_SWITCH, IN_KERNEL, "finish_task_switch"},
    /* Waking a thread: where sampling can see inside it (a PMU's NMI), try_to_wake_up... */
    {AREA_WAKEUP, IN_KERNEL, "try_to_wake_up"},
    {AREA_WAKEUP, IN_KERNEL, "wake_up_q"},
    {AREA_WAKEUP, IN_KERNEL, "wake_up_process"},
    {AREA_WAKEUP, IN_KERNEL, "wake_up_new_task"},
    /* ...and, where it cannot, the wait-queue wake-ups that hold interrupts off around it:
     * __wake_up_sync_key, __wake_up_common_lock (both often absent: a tail call, and the frame
     * the unwinder skips below a leaf without one), then their callers on a socket that has
     * data for a sleeping reader, directly, through epoll or through an io_uring poll. */
    {AREA_WAKEUP, IN_KERNEL_PREFIX, "__wake_up"},
    {AREA_WAKEUP, IN_KERNEL, "sock_def_readable"},
    {AREA_WAKEUP, IN_KERNEL, "ep_poll_callback"},
    {AREA_WAKEUP, IN_KERNEL, "io_poll_wake"},
    /* The receiving end of a wake-up from another CPU: the woken thread is to run here now. */
    {AREA_WAKEUP, IN_KERNEL, "sched_ttwu_pending"},
    {AREA_WAKEUP, IN_KERNEL, "sysvec_reschedule_ipi"},
    {AREA_WAKEUP, IN_KERNEL, "asm_sysvec_reschedule_ipi"},
    /* A descriptor's file: every read, write and recv looks it up and drops it again; io_uring
     * does the same per request unless the descriptor is registered (io_file_get_fixed). */
    {AREA_FD, IN_KERNEL_PREFIX, "fdget"},
    {AREA_FD, IN_KERNEL_PREFIX, "__fget"},
    {AREA_FD, IN_KERNEL, "fget"},
    {AREA_FD, IN_KERNEL_PREFIX, "fput"},
    {AREA_FD, IN_KERNEL, "sock_from_file"},
    {AREA_FD, IN_KERNEL, "io_file_get_normal"},
    {AREA_FD, IN_KERNEL, "io_file_get_fixed"},
    /* Receiving, before sending: over loopback a send delivers the segment to the peer's
     * socket in the sender's context (net_rx_action in the softirq run by local_bh_enable),
     * and that part is receive processing, whoever pays for it. */
    {AREA_TCP_RECEIVE, IN_KERNEL_PREFIX, "tcp_recvmsg"},
    {AREA_TCP_RECEIVE, IN_KERNEL, "inet_recvmsg"},
    {AREA_TCP_RECEIVE, IN_KERNEL, "sock_recvmsg"},
    {AREA_TCP_RECEIVE, IN_KERNEL, "__skb_datagram_iter"},
    {AREA_TCP_RECEIVE, IN_KERNEL, "tcp_rcv_space_adjust"},
    {AREA_TCP_RECEIVE, IN_KERNEL_PREFIX, "__tcp_cleanup_rbuf"},
    {AREA_TCP_RECEIVE, IN_KERNEL, "tcp_cleanup_rbuf"},
    {AREA_TCP_RECEIVE, IN_KERNEL, "net_rx_action"},
    {AREA_TCP_RECEIVE, IN_KERNEL, "process_backlog"},
    {AREA_TCP_RECEIVE, IN_KERNEL_PREFIX, "__netif_receive_skb"},
    {AREA_TCP_RECEIVE, IN_KERNEL_PREFIX, "ip_rcv"},
    {AREA_TCP_RECEIVE, IN_KERNEL_PREFIX, "ip_local_deliver"},
    {AREA_TCP_RECEIVE, IN_KERNEL, "tcp_v4_rcv"},
    {AREA_TCP_RECEIVE, IN_KERNEL, "tcp_v6_rcv"},
    {AREA_TCP_RECEIVE, IN_KERNEL, "tcp_v4_do_rcv"},
    {AREA_TCP_RECEIVE, IN_KERNEL, "tcp_rcv_established"},
    {AREA_TCP_RECEIVE, IN_KERNEL, "skb_defer_free_flush"},
    /* Sending: from sendmsg (write, send, writev, io_uring's send) to the loopback device. */
    {AREA_TCP_SEND, IN_KERNEL_PREFIX, "tcp_sendmsg"},
    {AREA_TCP_SEND, IN_KERNEL, "sock_sendmsg"},
    {AREA_TCP_SEND, IN_KERNEL, "inet_sendmsg"},
    {AREA_TCP_SEND, IN_KERNEL_PREFIX, "__tcp_push_pending_frames"},
    {AREA_TCP_SEND, IN_KERNEL, "tcp_write_xmit"},
    {AREA_TCP_SEND, IN_KERNEL, "__tcp_transmit_skb"},
    {AREA_TCP_SEND, IN_KERNEL, "__ip_queue_xmit"},
    {AREA_TCP_SEND, IN_KERNEL, "ip_output"},
    {AREA_TCP_SEND, IN_KERNEL, "ip_finish_output2"},
    {AREA_TCP_SEND, IN_KERNEL, "__dev_queue_xmit"},
    {AREA_TCP_SEND, IN_KERNEL, "loopback_xmit"},
    /* io_uring: its system call, submission, deferred task work, poll arming (tcp_poll under
     * it), provided buffers, completions. io_schedule is not io_uring's, but its samples are
     * in schedule, a switch row above. */
    {AREA_IO_URING, IN_KERNEL_PREFIX, "io_"},
    {AREA_IO_URING, IN_KERNEL_PREFIX, "__io_"},
    {AREA_IO_URING, IN_KERNEL_PREFIX, "__do_sys_io_uring"},
    {AREA_IO_URING, IN_KERNEL_PREFIX, "__x64_sys_io_uring"},
    {AREA_IO_URING, IN_KERNEL, "tctx_task_work"},
    /* epoll: epoll_wait's collection of ready items (tcp_poll under it), epoll_ctl. */
    {AREA_EPOLL, IN_KERNEL_PREFIX, "ep_"},
    {AREA_EPOLL, IN_KERNEL_PREFIX, "do_epoll_"},
    {AREA_EPOLL, IN_KERNEL_PREFIX, "__x64_sys_epoll"},
    {AREA_EPOLL, IN_KERNEL_PREFIX, "__do_sys_epoll"},
    /* Memory management: page faults (a first touch, or memory that malloc gave back to the
     * kernel and takes again), the TLB flushes of unmapping, and the calls that map and unmap.
     * Before the system-call rows, which would claim those calls; after the TCP rows, which keep
     * a fault in a receive's copy. */
    {AREA_MEMORY, IN_KERNEL, "asm_exc_page_fault"},
    {AREA_MEMORY, IN_KERNEL, "exc_page_fault"},
    {AREA_MEMORY, IN_KERNEL_PREFIX, "flush_tlb"},
    {AREA_MEMORY, IN_KERNEL_PREFIX, "__x64_sys_brk"},
    {AREA_MEMORY, IN_KERNEL_PREFIX, "__x64_sys_mmap"},
    {AREA_MEMORY, IN_KERNEL_PREFIX, "__x64_sys_munmap"},
    {AREA_MEMORY, IN_KERNEL_PREFIX, "__x64_sys_madvise"},
    {AREA_MEMORY, IN_KERNEL_PREFIX, "__x64_sys_mprotect"},
    /* Every system call passes through do_syscall_64: a sample under it that no row above
     * claims is the call's entry and exit or its generic layers (vfs_read, sock_read_iter,
     * the LSM hooks); so is the entry code itself. */
    {AREA_SYSCALL, IN_KERNEL, "do_syscall_64"},
    {AREA_SYSCALL, IN_KERNEL_PREFIX, "entry_SYSCALL"},
    {AREA_SYSCALL, IN_KERNEL_PREFIX, "syscall_exit_to_user_mode"},
    {AREA_SYSCALL, IN_KERNEL_PREFIX, "exit_to_user_mode"},
    /* User space at a system-call wrapper of libc: the sample was due in the kernel's exit
     * from the call, with interrupts off (see above). */
    {AREA_SYSCALL, AT_USER, "read"},
    {AREA_SYSCALL, AT_USER, "write"},
    {AREA_SYSCALL, AT_USER, "__libc_read"},
    {AREA_SYSCALL, AT_USER, "__libc_write"},
    {AREA_SYSCALL, AT_USER, "__GI___libc_read"},
    {AREA_SYSCALL, AT_USER, "__GI___libc_write"},
    {AREA_SYSCALL, AT_USER, "__libc_recv"},
    {AREA_SYSCALL, AT_USER, "__libc_send"},
    {AREA_SYSCALL, AT_USER, "__send"},
    {AREA_SYSCALL, AT_USER, "__libc_recvfrom"},
    {AREA_SYSCALL, AT_USER, "__libc_sendto"},
    {AREA_SYSCALL, AT_USER, "writev"},
    {AREA_SYSCALL, AT_USER, "__writev"},
    {AREA_SYSCALL, AT_USER, "__GI___writev"},
    {AREA_SYSCALL, AT_USER, "readv"},
    {AREA_SYSCALL, AT_USER, "epoll_wait"},
    {AREA_SYSCALL, AT_USER, "epoll_ctl"},
    {AREA_SYSCALL, AT_USER, "__close"},
    {AREA_SYSCALL, AT_USER, "accept4"},
    /* Debian's liburing is stripped: its wrapper of io_uring_enter is the address perf cannot
     * name where nearly all its samples land, the instruction after `syscall`. */
    {AREA_SYSCALL, AT_USER_UNNAMED, "liburing.so"},
    /* The thread model's connection thread, named like the HTTP core's functions. */
    {AREA_MODEL, AT_USER, "conn_thread"},
    /* The HTTP core's prefixes (server/http.c, conn.c, router.c, response.c, buf.c), and
     * nginx's own HTTP module beside them. */
    {AREA_HTTP_CORE, AT_USER_PREFIX, "http_"},
    {AREA_HTTP_CORE, AT_USER_PREFIX, "conn_"},
    {AREA_HTTP_CORE, AT_USER_PREFIX, "router_"},
    {AREA_HTTP_CORE, AT_USER_PREFIX, "respond_"},
    {AREA_HTTP_CORE, AT_USER_PREFIX, "resp_"},
    {AREA_HTTP_CORE, AT_USER_PREFIX, "buf_"},
    {AREA_HTTP_CORE, AT_USER_PREFIX, "ngx_http_"},
    /* The rest of the server's own code is its model (the mode_*.c file, server.c's
     * admission), with the libraries a model is built on. */
    {AREA_MODEL, AT_USER_OBJECT, "c10k-server"},
    {AREA_MODEL, AT_USER_OBJECT, "libuv.so"},
    {AREA_MODEL, AT_USER_OBJECT, "liburing.so"},
    {AREA_MODEL, AT_USER_OBJECT, "nginx"},
    {AREA_LIBC, AT_USER_OBJECT, "libc.so"},
    {AREA_LIBC, AT_USER_OBJECT, "[vdso]"},
};

/* Paravirtual "interrupts on again" helpers (pvm_irq_enable and its callee-save thunk on this
 * VM; Xen's; the native one where it is not inlined): a sample there is the caller's time, for
 * the reason above, so "top" names the caller. */
static int is_irq_enable_thunk(const char *sym)
{
    static const char *const thunks[] = {"pvm_irq_enable", "native_irq_enable", "xen_irq_enable",
                                         "xen_irq_enable_direct"};
    if (strncmp(sym, "__raw_callee_save_", 18) == 0)
        return 1;
    for (size_t i = 0; i < sizeof thunks / sizeof thunks[0]; i++)
        if (strcmp(sym, thunks[i]) == 0)
            return 1;
    return 0;
}

static int name_matches(const char *sym, const char *name, int prefix)
{
    size_t n = strlen(name);
    return strncmp(sym, name, n) == 0 && (prefix || sym[n] == '\0' || sym[n] == '.');
}

/* The first kernel row of area_patterns that matches a kernel function, or -1. */
static int kernel_row(const char *sym)
{
    for (size_t i = 0; i < sizeof area_patterns / sizeof area_patterns[0]; i++) {
        const struct area_pattern *r = &area_patterns[i];
        if ((r->kind == IN_KERNEL || r->kind == IN_KERNEL_PREFIX) &&
            name_matches(sym, r->name, r->kind == IN_KERNEL_PREFIX))
            return (int)i;
    }
    return -1;
}

/* The area of a sample whose own frame is in user space: sym in the object at path. */
static enum area_id user_area(const char *sym, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *object = slash ? slash + 1 : path;
    int unnamed = strcmp(sym, "[unknown]") == 0;
    for (size_t i = 0; i < sizeof area_patterns / sizeof area_patterns[0]; i++) {
        const struct area_pattern *r = &area_patterns[i];
        int hit = (r->kind == AT_USER && name_matches(sym, r->name, 0)) ||
                  (r->kind == AT_USER_PREFIX && name_matches(sym, r->name, 1)) ||
                  ((r->kind == AT_USER_OBJECT || (r->kind == AT_USER_UNNAMED && unnamed)) &&
                   name_matches(object, r->name, 1));
        if (hit)
            return r->area;
    }
    return AREA_USER_OTHER;
}

/* Self samples per symbol: an open-addressing table, its names owned by it. */
struct sym_count {
    char *name;
    long long count;
};

struct sym_table {
    struct sym_count *slots;
    size_t cap, used;
};

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int table_grow(struct sym_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 256;
    struct sym_count *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -ENOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].name)
            continue;
        size_t j = hash_name(t->slots[i].name) & (cap - 1);
        while (slots[j].name)
            j = (j + 1) & (cap - 1);
        slots[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

static int table_add(struct sym_table *t, const char *name)
{
    if ((t->used + 1) * 10 > t->cap * 7 && table_grow(t) < 0)
        return -ENOMEM;
    size_t j = hash_name(name) & (t->cap - 1);
    while (t->slots[j].name && strcmp(t->slots[j].name, name) != 0)
        j = (j + 1) & (t->cap - 1);
    if (!t->slots[j].name) {
        t->slots[j].name = strdup(name);
        if (!t->slots[j].name)
            return -ENOMEM;
        t->used++;
    }
    t->slots[j].count++;
    return 0;
}

static void table_free(struct sym_table *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slots[i].name);
    free(t->slots);
}

static int by_count_then_name(const void *a, const void *b)
{
    const struct sym_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* The top SCHEDPROF_TOP symbols as [[name, share of total]...]; reorders the table's slots. */
static json_t *table_top(struct sym_table *t, long long total)
{
    size_t n = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].name)
            t->slots[n++] = t->slots[i];
    if (n > 1)
        qsort(t->slots, n, sizeof *t->slots, by_count_then_name);
    for (size_t i = n; i < t->cap; i++)
        t->slots[i] = (struct sym_count){NULL, 0};
    json_t *top = json_array();
    for (size_t i = 0; i < n && i < SCHEDPROF_TOP; i++)
        json_array_append_new(
            top, json_pack("[s, f]", t->slots[i].name, (double)t->slots[i].count / (double)total));
    return top;
}

/* One sample while its lines are read. */
struct sample_state {
    int open;
    int server;
    int have_leaf;
    int leaf_user; /* the leaf is in user space */
    int row;       /* the first row of area_patterns a kernel frame matched; -1: none */
    int frames;
    unsigned kinds;
    char leaf[SCHEDPROF_SYMBOL_MAX];        /* the first frame that is not an irq-enable thunk */
    char first[SCHEDPROF_SYMBOL_MAX];       /* the first frame, should every frame be one */
    char leaf_object[SCHEDPROF_SYMBOL_MAX]; /* the leaf's object file, as perf names it */
};

struct counts {
    long long samples, server, sched, switching, wakeup;
    long long area[AREA_COUNT];
    struct sym_table self;
};

static enum area_id sample_area(const struct sample_state *s)
{
    if (!s->have_leaf)
        return s->frames ? AREA_KERNEL_OTHER : AREA_USER_OTHER;
    if (s->leaf_user)
        return user_area(s->leaf, s->leaf_object);
    return s->row >= 0 ? area_patterns[s->row].area : AREA_KERNEL_OTHER;
}

static int sample_close(struct sample_state *s, struct counts *c)
{
    if (!s->open)
        return 0;
    s->open = 0;
    c->samples++;
    if (!s->server)
        return 0;
    c->server++;
    c->sched += s->kinds != 0;
    c->switching += (s->kinds & SCHED_SWITCH) != 0;
    c->wakeup += (s->kinds & SCHED_WAKEUP) != 0;
    c->area[sample_area(s)]++;
    const char *self = s->have_leaf ? s->leaf : s->first[0] ? s->first : "[unknown]";
    return table_add(&c->self, self);
}

/* A header line: "  PID/TID" (then ip and symbol when the sample has no callchain). Returns
 * where the rest starts. */
static const char *sample_open(struct sample_state *s, const char *line, pid_t server_pid)
{
    memset(s, 0, offsetof(struct sample_state, leaf));
    s->leaf[0] = s->first[0] = s->leaf_object[0] = '\0';
    s->open = 1;
    s->row = -1;
    char *end;
    long pid = strtol(line, &end, 10);
    s->server = end != line && *end == '/' && pid == (long)server_pid;
    if (*end == '/')
        strtol(end + 1, &end, 10);
    return end;
}

/* Copies n bytes of perf's text into out (of SCHEDPROF_SYMBOL_MAX), as ASCII: JSON wants UTF-8,
 * and symbols and paths here are ASCII. */
static void copy_ascii(char *out, const char *text, size_t n)
{
    if (n >= SCHEDPROF_SYMBOL_MAX)
        n = SCHEDPROF_SYMBOL_MAX - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)text[i] >= 0x80 ? '?' : text[i];
    out[n] = '\0';
}

/* A frame: "\tffffffff813ae452 finish_task_switch.isra.0 ([kernel.kallsyms])"; the object in
 * parentheses is there with -F ...,dso. */
static void sample_frame(struct sample_state *s, const char *text)
{
    if (!s->server)
        return;
    while (*text == ' ' || *text == '\t')
        text++;
    char *end;
    unsigned long long ip = strtoull(text, &end, 16);
    if (end == text)
        return;
    const char *sym = end;
    while (*sym == ' ')
        sym++;
    size_t n = strcspn(sym, "\r\n");
    while (n > 0 && sym[n - 1] == ' ')
        n--;
    char object[SCHEDPROF_SYMBOL_MAX] = "";
    if (n > 0 && sym[n - 1] == ')') {
        /* the matching parenthesis: a path can end in " (deleted)" */
        size_t open = n - 1;
        int depth = 0;
        for (; open > 0; open--) {
            depth += sym[open] == ')' ? 1 : sym[open] == '(' ? -1 : 0;
            if (depth == 0)
                break;
        }
        if (open > 0 && sym[open - 1] == ' ') {
            copy_ascii(object, sym + open + 1, n - open - 2);
            for (n = open - 1; n > 0 && sym[n - 1] == ' ';)
                n--;
        }
    }
    char name[SCHEDPROF_SYMBOL_MAX];
    copy_ascii(name, sym, n);
    if (n == 0)
        snprintf(name, sizeof name, "[unknown]");
    int kernel = ip >= SCHEDPROF_KERNEL_BASE;
    s->frames++;
    if (!s->first[0])
        snprintf(s->first, sizeof s->first, "%s", name);
    if (!s->have_leaf && !(kernel && is_irq_enable_thunk(name))) {
        snprintf(s->leaf, sizeof s->leaf, "%s", name);
        snprintf(s->leaf_object, sizeof s->leaf_object, "%s", object);
        s->leaf_user = !kernel;
        s->have_leaf = 1;
    }
    if (!kernel)
        return;
    int row = kernel_row(name);
    if (row < 0)
        return;
    if (s->row < 0 || row < s->row)
        s->row = row;
    enum area_id area = area_patterns[row].area;
    s->kinds |= area == AREA_SWITCH ? SCHED_SWITCH : area == AREA_WAKEUP ? SCHED_WAKEUP : 0;
}

/* {"switch": %, ...}: every area, in its order: the share of the server's samples, in %. */
static json_t *areas_json(const struct counts *c)
{
    json_t *o = json_object();
    for (int i = 0; i < AREA_COUNT; i++)
        json_object_set_new(o, area_keys[i],
                            c->server > 0
                                ? json_real(100.0 * (double)c->area[i] / (double)c->server)
                                : json_null());
    return o;
}

static json_t *share(long long part, long long whole)
{
    return whole > 0 ? json_real((double)part / (double)whole) : json_null();
}

json_t *schedprof_parse(FILE *in, pid_t server_pid, char *err, size_t err_len)
{
    struct counts c;
    memset(&c, 0, sizeof c);
    struct sample_state s;
    memset(&s, 0, sizeof s);
    char *line = NULL;
    size_t cap = 0;
    json_t *out = NULL;
    int rc = 0;
    for (;;) {
        errno = 0;
        ssize_t len = getline(&line, &cap, in);
        if (len < 0) {
            if (errno == ENOMEM || ferror(in)) {
                snprintf(err, err_len, "reading perf script's output: %s",
                         strerror(errno ? errno : EIO));
                goto fail;
            }
            break;
        }
        if (line[0] == '\t') {
            if (s.open)
                sample_frame(&s, line);
        } else if (line[strspn(line, " \r\n")] == '\0') {
            rc = sample_close(&s, &c);
        } else {
            rc = sample_close(&s, &c);
            const char *rest = sample_open(&s, line, server_pid);
            sample_frame(&s, rest);
        }
        if (rc < 0)
            break;
    }
    if (rc == 0)
        rc = sample_close(&s, &c);
    if (rc < 0) {
        snprintf(err, err_len, "out of memory");
        goto fail;
    }
    out = json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:n}", "samples",
                    (json_int_t)c.samples, "server_samples", (json_int_t)c.server,
                    "server_share_of_cpus", share(c.server, c.samples), "sched_share",
                    share(c.sched, c.server), "switch_share", share(c.switching, c.server),
                    "wakeup_share", share(c.wakeup, c.server), "area_pct", areas_json(&c), "top",
                    table_top(&c.self, c.server), "error");
    if (!out)
        snprintf(err, err_len, "out of memory");
fail:
    free(line);
    table_free(&c.self);
    return out;
}

/* The object of schedprof_finish for a recording that gave no figures. */
static json_t *error_json(const struct schedprof *p, const char *why)
{
    return json_pack("{s:s, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:s}", "tool", p->tool,
                     "window_s", "samples", "server_samples", "server_share_of_cpus", "sched_share",
                     "switch_share", "wakeup_share", "area_pct", "top", "error", why);
}

/* The first line of perf's log that says something ("Error:" alone does not), in buf. */
static void log_message(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *t = line + strspn(line, " \t");
        if (*t && strcmp(t, "Error:") != 0 && strncmp(t, "[ perf record:", 14) != 0 &&
            strncmp(t, "Events ", 7) != 0) { /* "Events disabled", "Events enabled" (-D) */
            snprintf(buf, len, "%s", t);
            break;
        }
    }
    fclose(f);
}

/* "exited with status 255: <what perf said>". */
static void describe_failure(const struct proc *pr, const char *log_path, char *buf, size_t len)
{
    char how[128], msg[400];
    proc_describe_exit(pr, how, sizeof how);
    log_message(log_path, msg, sizeof msg);
    snprintf(buf, len, "%s %s%s%s", pr->name, how, msg[0] ? ": " : "", msg);
}

/* Starts perf with argv, its output in out_path and err_path, and waits up to timeout_ms for
 * it. Returns 0 once it has exited; -ENOENT when it could not be run; -ETIMEDOUT (it is
 * stopped), -EINTR (it is stopped) or a spawn error. */
static int perf_run(struct proc *pr, const char *name, char *const argv[], const cpu_set_t *cpus,
                    const char *out_path, const char *err_path, int timeout_ms)
{
    struct proc_opts o = {.cpus = cpus, .stdout_path = out_path, .stderr_path = err_path};
    int rc = proc_spawn(pr, name, argv, &o);
    if (rc < 0)
        return rc;
    rc = proc_wait(pr, timeout_ms);
    if (rc < 0) {
        proc_stop(pr, 1000);
        return rc;
    }
    if (WIFEXITED(pr->status) && WEXITSTATUS(pr->status) == 127)
        return -ENOENT;
    return 0;
}

static int start_recording(struct schedprof *p, const char *perf_path, const cpu_set_t *server_cpus,
                           const cpu_set_t *load_cpus, int delay_ms, const char *data_path,
                           const char *log_path)
{
    memset(p, 0, sizeof *p);
    char cpus[128], freq[16];
    env_format_cpus(server_cpus, cpus, sizeof cpus);
    snprintf(freq, sizeof freq, "%d", SCHEDPROF_FREQ_HZ);
    snprintf(p->tool, sizeof p->tool, "perf record -e cpu-clock -F %s -a -C %s -g", freq, cpus);
    snprintf(p->perf_path, sizeof p->perf_path, "%s", perf_path);
    snprintf(p->data_path, sizeof p->data_path, "%s", data_path);
    snprintf(p->log_path, sizeof p->log_path, "%s", log_path);
    if (load_cpus) {
        p->load_cpus = *load_cpus;
        p->have_load_cpus = 1;
    }
    if (!cpus[0])
        return -EINVAL;
    /* Said at once, not after the exec of a missing file: that may take longer than the check
     * below on a loaded machine. */
    if (strchr(perf_path, '/') && access(perf_path, X_OK) < 0)
        return -errno;
    /* perf would keep an earlier file as data_path.old. */
    if (unlink(data_path) < 0 && errno != ENOENT)
        return -errno;
    /* --no-bpf-event: describing the loaded BPF programs would delay the first sample by about
     * a second, for samples that never land in them. */
    char delay[16];
    snprintf(delay, sizeof delay, "%d", delay_ms > 0 ? delay_ms : 0);
    char *argv[] = {p->perf_path, "record", "-e", "cpu-clock", "-F", freq, "-a", "-C", cpus, "-g",
                    "--no-bpf-event",
                    /* no build-id pass over the data when it stops: perf script reads the
                     * binaries where they are */
                    "--no-buildid", "-o", p->data_path,
                    /* perf reads every process's threads and mappings as it starts (a tenth of a
                     * second of a CPU here): events then wait this long, so that the start can
                     * come before the window it samples */
                    delay_ms > 0 ? "-D" : NULL, delay, NULL};
    struct proc_opts o = {.cpus = load_cpus, .stdout_path = log_path, .stderr_path = log_path};
    int rc = proc_spawn(&p->perf, "perf record", argv, &o);
    if (rc < 0)
        return rc;
    p->t_start = proc_now() + (delay_ms > 0 ? delay_ms / 1000.0 : 0);
    p->started = 1;
    rc = proc_wait(&p->perf, SCHEDPROF_START_CHECK_MS);
    if (rc == -ETIMEDOUT)
        return 0; /* recording */
    if (rc == -EINTR) {
        proc_stop(&p->perf, 1000);
        return -EINTR;
    }
    return WIFEXITED(p->perf.status) && WEXITSTATUS(p->perf.status) == 127 ? -ENOENT : -EIO;
}

int schedprof_start(struct schedprof *p, const char *perf_path, const cpu_set_t *server_cpus,
                    const cpu_set_t *load_cpus, int delay_ms, const char *data_path,
                    const char *log_path)
{
    int rc = start_recording(p, perf_path, server_cpus, load_cpus, delay_ms, data_path, log_path);
    p->start_error = rc;
    return rc;
}

/* Ends perf record. Returns 0 when it wrote its file, else a negative errno with why set. */
static int stop_recording(struct schedprof *p, char *why, size_t why_len)
{
    if (p->perf.running)
        kill(-p->perf.pid, SIGINT);
    int rc = proc_wait(&p->perf, SCHEDPROF_STOP_MS);
    if (rc < 0) {
        proc_stop(&p->perf, 1000);
        snprintf(why, why_len, "%s", rc == -EINTR ? "interrupted" : "perf record did not stop");
        return rc;
    }
    int st = p->perf.status;
    if ((WIFSIGNALED(st) && WTERMSIG(st) == SIGINT) || (WIFEXITED(st) && WEXITSTATUS(st) == 0))
        return 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        snprintf(why, why_len, "%s not found (Debian: apt-get install linux-perf)", p->perf_path);
    else
        describe_failure(&p->perf, p->log_path, why, why_len);
    return -EIO;
}

json_t *schedprof_finish(struct schedprof *p, pid_t server_pid)
{
    char why[1024] = "";
    if (!p->started) {
        if (p->start_error == -ENOENT)
            snprintf(why, sizeof why, "%s not found (Debian: apt-get install linux-perf)",
                     p->perf_path);
        else if (p->start_error < 0)
            snprintf(why, sizeof why, "perf record did not start: %s", strerror(-p->start_error));
        else
            snprintf(why, sizeof why, "perf record was not started, or already finished");
        return error_json(p, why);
    }
    double window = proc_now() - p->t_start;
    if (stop_recording(p, why, sizeof why) < 0)
        return error_json(p, why);

    char text_path[600], err_path[600];
    snprintf(text_path, sizeof text_path, "%s.txt", p->data_path);
    snprintf(err_path, sizeof err_path, "%s.script", p->log_path);
    char *argv[] = {p->perf_path,         "script",        "-i", p->data_path, "-F",
                    "pid,tid,ip,sym,dso", "--no-demangle", NULL};
    struct proc script;
    int rc = perf_run(&script, "perf script", argv, p->have_load_cpus ? &p->load_cpus : NULL,
                      text_path, err_path, SCHEDPROF_SCRIPT_MS);
    json_t *out = NULL;
    if (rc < 0) {
        snprintf(why, sizeof why, "perf script: %s", strerror(-rc));
        goto fail;
    }
    if (proc_failed(&script)) {
        describe_failure(&script, err_path, why, sizeof why);
        goto fail;
    }
    FILE *f = fopen(text_path, "re");
    if (!f) {
        snprintf(why, sizeof why, "cannot read %s: %s", text_path, strerror(errno));
        goto fail;
    }
    out = schedprof_parse(f, server_pid, why, sizeof why);
    fclose(f);
    if (!out)
        goto fail;
    if (json_integer_value(json_object_get(out, "samples")) == 0) {
        json_decref(out);
        out = NULL;
        snprintf(why, sizeof why, "perf recorded no samples (%s)", p->tool);
        goto fail;
    }
    json_t *res = json_pack("{s:s, s:f}", "tool", p->tool, "window_s", window);
    if (res)
        json_object_update(res, out);
    json_decref(out);
    unlink(text_path);
    p->started = 0;
    return res;
fail:
    unlink(text_path);
    p->started = 0;
    return error_json(p, why);
}

/* Whether /proc/kallsyms shows kernel addresses to this process (kernel.kptr_restrict). */
static int kernel_addresses_visible(void)
{
    FILE *f = fopen("/proc/kallsyms", "re");
    if (!f)
        return 0;
    unsigned long long addr = 0;
    int ok = fscanf(f, "%llx", &addr) == 1 && addr != 0;
    fclose(f);
    return ok;
}

static long read_sysctl(const char *path)
{
    FILE *f = fopen(path, "re");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

int schedprof_available(const char *perf_path, char *why, size_t why_len)
{
    char data[128], log[128];
    snprintf(data, sizeof data, "/tmp/schedprof-probe-%d.data", (int)getpid());
    snprintf(log, sizeof log, "/tmp/schedprof-probe-%d.log", (int)getpid());
    char *argv[] = {(char *)perf_path, "record", "-e", "cpu-clock", "-a",    "-C",  "0",
                    "--no-bpf-event",  "-o",     data, "--",        "sleep", "0.2", NULL};
    struct proc probe;
    int rc = perf_run(&probe, "perf record", argv, NULL, log, log, SCHEDPROF_PROBE_MS);
    int ok = 0;
    long paranoid = read_sysctl("/proc/sys/kernel/perf_event_paranoid");
    if (rc == -ENOENT) {
        snprintf(why, why_len, "%s not found (Debian: apt-get install linux-perf)", perf_path);
    } else if (rc < 0) {
        snprintf(why, why_len, "perf record -a -C 0 -- sleep 0.2: %s", strerror(-rc));
    } else if (proc_failed(&probe)) {
        char msg[400];
        describe_failure(&probe, log, msg, sizeof msg);
        snprintf(why, why_len,
                 "%s (kernel.perf_event_paranoid is %ld; system-wide sampling needs root, "
                 "CAP_PERFMON or a value of -1 or 0)",
                 msg, paranoid);
    } else if (!kernel_addresses_visible()) {
        snprintf(why, why_len,
                 "kernel addresses are hidden (kernel.kptr_restrict is %ld): callchains would "
                 "not name kernel functions; run as root or set kernel.kptr_restrict=0",
                 read_sysctl("/proc/sys/kernel/kptr_restrict"));
    } else {
        ok = 1;
        snprintf(why, why_len, "perf samples the kernel");
    }
    unlink(data);
    unlink(log);
    return ok;
}
