/* The /proc readers: their parsers on fixed text, then the readers on this very process. */
#include "procfs.h"
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TEST(procfs_parses_stat_with_odd_command_names)
{
    /* comm may hold spaces and parentheses: fields count from the last ')'. */
    const char *text = "123 (a) b) c) S 1 123 123 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0";
    uint64_t ut = 0, st = 0;
    CHECK_INT_EQ(procfs_parse_stat_times(text, &ut, &st), 0);
    CHECK_INT_EQ(ut, 250);
    CHECK_INT_EQ(st, 75);
    CHECK_INT_EQ(procfs_parse_stat_times("123 no parens", &ut, &st), -EINVAL);
    CHECK_INT_EQ(procfs_parse_stat_times("123 (short) S 1 2", &ut, &st), -EINVAL);
}

TEST(procfs_parses_reaped_times)
{
    const char *text = "123 (a) b) c) S 1 123 123 0 -1 4194560 100 0 0 0 250 75 11 13 20 0 3 0";
    uint64_t cu = 0, cs = 0;
    CHECK_INT_EQ(procfs_parse_stat_reaped_times(text, &cu, &cs), 0);
    CHECK_INT_EQ(cu, 11);
    CHECK_INT_EQ(cs, 13);
    CHECK_INT_EQ(procfs_parse_stat_reaped_times("123 (x) S 1 2 3 4 5 6 7 8 9 10 11 12", &cu, &cs),
                 -EINVAL);
}

/* A child that spent CPU and was waited for: its CPU moves to its parent's reaped figure. */
TEST(procfs_reads_reaped_cpu)
{
    double u0, s0, u1, s1;
    CHECK_INT_EQ(procfs_reaped_cpu_seconds(getpid(), &u0, &s0), 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct timespec t0, t;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        do
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 100000000L);
        _exit(0);
    }
    int status;
    CHECK_INT_EQ(waitpid(pid, &status, 0), pid);
    CHECK_INT_EQ(procfs_reaped_cpu_seconds(getpid(), &u1, &s1), 0);
    CHECK((u1 + s1) - (u0 + s0) >= 0.05);
    CHECK_INT_EQ(procfs_reaped_cpu_seconds(-1, &u1, &s1), -ESRCH);
}

TEST(procfs_parses_status)
{
    const char *text = "Name:\tc10k-server\nVmSize:\t  20000 kB\nVmRSS:\t    3000 kB\n"
                       "Threads:\t5\nvoluntary_ctxt_switches:\t42\n"
                       "nonvoluntary_ctxt_switches:\t7\n";
    struct procfs_status st;
    CHECK_INT_EQ(procfs_parse_status(text, &st), 0);
    CHECK_INT_EQ(st.rss_bytes, 3000 * 1024);
    CHECK_INT_EQ(st.vsize_bytes, 20000 * 1024);
    CHECK_INT_EQ(st.threads, 5);
    CHECK_INT_EQ(st.ctx_voluntary, 42);
    CHECK_INT_EQ(st.ctx_involuntary, 7);
    CHECK_INT_EQ(procfs_parse_status("Name:\tx\n", &st), 0);
    CHECK_INT_EQ(st.rss_bytes, 0); /* absent: 0 */
    CHECK_INT_EQ(procfs_parse_status("not status text", &st), -EINVAL);
    uint64_t v = 0;
    CHECK_INT_EQ(procfs_status_field(text, "Threads", &v), 0);
    CHECK_INT_EQ(v, 5);
    CHECK_INT_EQ(procfs_status_field(text, "VmSwap", &v), -ENOENT);
    /* a name is matched at a line's start only */
    CHECK_INT_EQ(procfs_status_field(text, "ctxt_switches", &v), -ENOENT);
}

TEST(procfs_counts_this_process_s_descriptors)
{
    int64_t before = procfs_fd_count(getpid());
    CHECK(before >= 3);
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    CHECK_INT_EQ(procfs_fd_count(getpid()), before + 1);
    close(fd);
    CHECK_INT_EQ(procfs_fd_count(getpid()), before);
    CHECK_INT_EQ(procfs_fd_count(0x7ffffff0), -ENOENT);
}

static void *park(void *arg)
{
    pthread_mutex_t *m = arg;
    pthread_mutex_lock(m);
    pthread_mutex_unlock(m);
    return NULL;
}

TEST(procfs_reads_this_process_s_status)
{
    struct procfs_status st;
    CHECK_INT_EQ(procfs_status(getpid(), &st), 0);
    CHECK(st.rss_bytes > 0);
    CHECK(st.vsize_bytes >= st.rss_bytes);
    CHECK(st.threads >= 1);
    /* Two parked threads, counted after each start: the second adds exactly one (the first may
     * bring a sanitizer's own thread along). */
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_t t[2];
    int64_t threads[2] = {0, 0};
    int started = 0;
    pthread_mutex_lock(&m);
    for (; started < 2 && pthread_create(&t[started], NULL, park, &m) == 0; started++)
        threads[started] = procfs_status(getpid(), &st) == 0 ? st.threads : -1;
    pthread_mutex_unlock(&m);
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    CHECK_INT_EQ(started, 2);
    CHECK(threads[0] > 1);
    CHECK_INT_EQ(threads[1], threads[0] + 1);
    CHECK_INT_EQ(procfs_status(0x7ffffff0, &st), -ESRCH);
}

TEST(procfs_reads_this_process_s_cpu_time)
{
    double user0, sys0, user, sys;
    CHECK_INT_EQ(procfs_cpu_seconds(getpid(), &user0, &sys0), 0);
    CHECK(user0 >= 0 && sys0 >= 0);
    /* spin until the kernel has charged at least one more tick, or give up after 10 s of it */
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    volatile unsigned long spin = 0;
    do {
        for (int i = 0; i < 1000000; i++)
            spin++;
        CHECK_INT_EQ(procfs_cpu_seconds(getpid(), &user, &sys), 0);
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (user + sys <= user0 + sys0 && t.tv_sec - t0.tv_sec < 10);
    CHECK(user + sys > user0 + sys0);
    CHECK_INT_EQ(procfs_cpu_seconds(0x7ffffff0, &user, &sys), -ESRCH);
}

TEST(procfs_parses_smaps_rollup)
{
    const char *text = "55d0c0a00000-7ffd1e5f2000 ---p 00000000 00:00 0                  [rollup]\n"
                       "Rss:                4096 kB\nPss:                1500 kB\n"
                       "Pss_Anon:            700 kB\nPss_File:            800 kB\n"
                       "Shared_Clean:       2048 kB\nShared_Dirty:        512 kB\n"
                       "Private_Clean:      1024 kB\nPrivate_Dirty:       512 kB\n"
                       "Referenced:         4096 kB\n";
    struct procfs_smaps m;
    CHECK_INT_EQ(procfs_parse_smaps_rollup(text, &m), 0);
    CHECK_INT_EQ(m.rss, 4096 * 1024);
    CHECK_INT_EQ(m.pss, 1500 * 1024); /* not Pss_Anon, which comes after it */
    CHECK_INT_EQ(m.shared_clean, 2048 * 1024);
    CHECK_INT_EQ(m.shared_dirty, 512 * 1024);
    CHECK_INT_EQ(m.private_clean, 1024 * 1024);
    CHECK_INT_EQ(m.private_dirty, 512 * 1024);
    CHECK_INT_EQ(m.uss, 1536 * 1024);
    CHECK_INT_EQ(procfs_parse_smaps_rollup("Pss: 1 kB\n", &m), -EINVAL);
}

TEST(procfs_parses_the_parent_and_state_from_stat)
{
    pid_t ppid = 0;
    char state = 0;
    CHECK_INT_EQ(procfs_parse_stat_ppid("77 (a) b) Z 12 77 77 0", &ppid, &state), 0);
    CHECK_INT_EQ(ppid, 12);
    CHECK_INT_EQ(state, 'Z');
    CHECK_INT_EQ(procfs_parse_stat_ppid("77 no parens", &ppid, &state), -EINVAL);
}

TEST(procfs_reads_this_process_s_shared_and_private_memory)
{
    struct procfs_smaps m;
    int rc = procfs_smaps_rollup(getpid(), &m);
    if (rc == -ENOENT) {
        fprintf(stderr, "  no smaps_rollup on this kernel\n");
        return;
    }
    CHECK_INT_EQ(rc, 0);
    CHECK(m.rss > 0);
    CHECK(m.pss > 0 && m.pss <= m.rss);
    CHECK(m.uss > 0 && m.uss <= m.pss);
    CHECK_INT_EQ(m.shared_clean + m.shared_dirty + m.uss, m.rss);
    CHECK_INT_EQ(procfs_smaps_rollup(0x7ffffff0, &m), -ESRCH);
    uint64_t vol = 0, invol = 0;
    CHECK_INT_EQ(procfs_ctx_switches(getpid(), &vol, &invol), 0);
    CHECK_INT_EQ(procfs_ctx_switches(0x7ffffff0, &vol, &invol), -ESRCH);
}

/* Whether pids[0..n) holds pid. */
static int has_pid(const pid_t *pids, int64_t n, pid_t pid)
{
    for (int64_t i = 0; i < n; i++)
        if (pids[i] == pid)
            return 1;
    return 0;
}

TEST(procfs_lists_a_process_tree_zombies_included)
{
    /* this process -> child -> grandchild; the child waits on a pipe, the grandchild exits and
     * stays a zombie until the child reaps it */
    int go[2], ready[2];
    CHECK_INT_EQ(pipe(go), 0);
    CHECK_INT_EQ(pipe(ready), 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        pid_t grandchild = fork();
        if (grandchild == 0)
            _exit(0);
        siginfo_t info;
        waitid(P_PID, (id_t)grandchild, &info, WEXITED | WNOWAIT); /* exited, not reaped */
        if (write(ready[1], &grandchild, sizeof grandchild) != sizeof grandchild)
            _exit(1);
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(1);
        waitpid(grandchild, NULL, 0);
        _exit(0);
    }
    pid_t grandchild = 0;
    CHECK_INT_EQ(read(ready[0], &grandchild, sizeof grandchild), sizeof grandchild);
    pid_t pids[64];
    int64_t n = procfs_tree_pids(getpid(), pids, 64);
    CHECK(n >= 3);
    CHECK_INT_EQ(pids[0], getpid());
    CHECK(has_pid(pids, n, child));
    CHECK(has_pid(pids, n, grandchild));
    CHECK_INT_EQ(procfs_state(grandchild), 'Z');
    CHECK_INT_EQ(procfs_tree_pids(child, pids, 1), 2); /* two, one written */
    CHECK_INT_EQ(pids[0], child);

    CHECK_INT_EQ(write(go[1], "x", 1), 1);
    CHECK_INT_EQ(waitpid(child, NULL, 0), child);
    n = procfs_tree_pids(getpid(), pids, 64);
    CHECK(!has_pid(pids, n, child) && !has_pid(pids, n, grandchild));
    CHECK_INT_EQ(procfs_state(child), -ESRCH);
    CHECK_INT_EQ(procfs_tree_pids(child, pids, 64), -ESRCH);
    close(go[0]), close(go[1]), close(ready[0]), close(ready[1]);
}

TEST_MAIN(TEST_ENTRY(procfs_parses_stat_with_odd_command_names), TEST_ENTRY(procfs_parses_status),
          TEST_ENTRY(procfs_parses_reaped_times), TEST_ENTRY(procfs_reads_reaped_cpu),
          TEST_ENTRY(procfs_parses_smaps_rollup),
          TEST_ENTRY(procfs_parses_the_parent_and_state_from_stat),
          TEST_ENTRY(procfs_reads_this_process_s_shared_and_private_memory),
          TEST_ENTRY(procfs_lists_a_process_tree_zombies_included),
          TEST_ENTRY(procfs_counts_this_process_s_descriptors),
          TEST_ENTRY(procfs_reads_this_process_s_status),
          TEST_ENTRY(procfs_reads_this_process_s_cpu_time))
