/* schedprof: the parser of perf script's callchains on a captured excerpt and on samples of each
 * model and nginx recorded on the test VM (perf-script/, the server's path shortened), starting a
 * perf that is not there, and (run with --perf, skipped with status 77 where perf cannot sample
 * the kernel) a recording of a busy child. */
#include "proc.h"
#include "schedprof.h"
#include "testlib.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SKIP_STATUS 77

/* perf script -F pid,tid,ip,sym --no-demangle of c10k-server (pid 9908) in thread mode, cut
 * down: seven samples of the server, one of another process, one of the idle task. */
static const char script_text[] =
    /* A switch, seen through the paravirtual irq-enable thunks. */
    " 9908/9964  \n"
    "\tffffffff8225f759 pvm_irq_enable\n"
    "\tffffffff8225f681 __raw_callee_save_pvm_irq_enable\n"
    "\tffffffff813ae452 finish_task_switch.isra.0\n"
    "\tffffffff822656c4 __schedule\n"
    "\tffffffff82266273 schedule\n"
    "\tffffffff8226d586 schedule_timeout\n"
    "\tffffffff81e7f380 __x64_sys_recvfrom\n"
    "\t          10a974 __libc_recv\n"
    "\n"
    /* Another thread of the server, the same switch. */
    " 9908/10034 \n"
    "\tffffffff813ae452 finish_task_switch.isra.0\n"
    "\tffffffff822656c4 __schedule\n"
    "\tffffffff82266273 schedule\n"
    "\tffffffff81423941 exit_to_user_mode_loop\n"
    "\t          10aba4 __send\n"
    "\n"
    /* A wake-up of a reader, charged to the unlock after it. */
    " 9908/9979  \n"
    "\tffffffff8225f759 pvm_irq_enable\n"
    "\tffffffff8225f681 __raw_callee_save_pvm_irq_enable\n"
    "\tffffffff8226e078 _raw_spin_unlock_irqrestore\n"
    "\tffffffff81e82f7e sock_def_readable\n"
    "\tffffffff8207f299 tcp_rcv_established\n"
    "\tffffffff81e7f080 __x64_sys_sendto\n"
    "\t          10aba4 __send\n"
    "\n"
    /* Both a wake-up and a switch: one sample of the scheduler, not two. */
    " 9908/9990  \n"
    "\tffffffff813c0001 try_to_wake_up\n"
    "\tffffffff813c0002 wake_up_q\n"
    "\tffffffff822656c4 __schedule\n"
    "\tffffffff82266273 schedule\n"
    "\tffffffff81400000 futex_wait\n"
    "\n"
    /* Not the scheduler: the unlock of a timer, and sending. */
    " 9908/9964  \n"
    "\tffffffff8226e078 _raw_spin_unlock_irqrestore\n"
    "\tffffffff81400100 timer_delete_sync\n"
    "\tffffffff8226d586 schedule_timeout\n"
    "\n"
    " 9908/9964  \n"
    "\tffffffff8206cba0 tcp_sendmsg_locked\n"
    "\tffffffff8206d66b tcp_sendmsg\n"
    "\t          10aba4 __send\n"
    "\n"
    /* A user-space function named like the kernel's does not count. */
    " 9908/9964  \n"
    "\t          401000 schedule\n"
    "\t          401100 blocking_serve\n"
    "\n"
    /* Not the server: the load generator and the idle task. */
    " 99081/99081\n"
    "\tffffffff813ae452 finish_task_switch.isra.0\n"
    "\tffffffff822656c4 __schedule\n"
    "\n"
    "     0/0     \n"
    "\tffffffff82265000 pvm_safe_halt\n"
    "\tffffffff82265100 default_idle\n";

static json_t *parse_text(const char *text, pid_t pid)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    if (!f)
        return NULL;
    char err[256];
    json_t *j = schedprof_parse(f, pid, err, sizeof err);
    fclose(f);
    return j;
}

static double num(const json_t *j, const char *key)
{
    return json_number_value(json_object_get(j, key));
}

/* An area's share of the server's samples: "area_pct" holds it in %. */
static double share_of(const json_t *area_pct, const char *key)
{
    return num(area_pct, key) / 100;
}

#define CHECK_NEAR(a, b) CHECK(fabs((a) - (b)) < 1e-9)

TEST(schedprof_counts_the_server_process_only)
{
    json_t *j = parse_text(script_text, 9908);
    CHECK(j != NULL);
    CHECK_INT_EQ(num(j, "samples"), 9);
    CHECK_INT_EQ(num(j, "server_samples"), 7);
    CHECK_NEAR(num(j, "server_share_of_cpus"), 7.0 / 9);
    CHECK(json_is_null(json_object_get(j, "error")));
    json_decref(j);
}

TEST(schedprof_counts_a_sample_once_in_the_scheduler)
{
    json_t *j = parse_text(script_text, 9908);
    CHECK(j != NULL);
    /* Two switches, one wake-up, one sample with both. */
    CHECK_NEAR(num(j, "sched_share"), 4.0 / 7);
    CHECK_NEAR(num(j, "switch_share"), 3.0 / 7);
    CHECK_NEAR(num(j, "wakeup_share"), 2.0 / 7);
    json_decref(j);
}

TEST(schedprof_tops_by_self_share_past_irq_enable_thunks)
{
    json_t *j = parse_text(script_text, 9908);
    CHECK(j != NULL);
    json_t *top = json_object_get(j, "top");
    CHECK_INT_EQ(json_array_size(top), 5);
    /* Equal shares in name order. */
    CHECK_STR_EQ(json_string_value(json_array_get(json_array_get(top, 0), 0)),
                 "_raw_spin_unlock_irqrestore");
    CHECK_NEAR(json_number_value(json_array_get(json_array_get(top, 0), 1)), 2.0 / 7);
    CHECK_STR_EQ(json_string_value(json_array_get(json_array_get(top, 1), 0)),
                 "finish_task_switch.isra.0");
    CHECK_NEAR(json_number_value(json_array_get(json_array_get(top, 1), 1)), 2.0 / 7);
    CHECK_STR_EQ(json_string_value(json_array_get(json_array_get(top, 2), 0)), "schedule");
    CHECK_NEAR(json_number_value(json_array_get(json_array_get(top, 2), 1)), 1.0 / 7);
    for (size_t i = 0; i < json_array_size(top); i++)
        CHECK(strstr(json_string_value(json_array_get(json_array_get(top, i), 0)), "irq_enable") ==
              NULL);
    json_decref(j);
}

TEST(schedprof_without_server_samples_has_no_shares)
{
    json_t *j = parse_text(script_text, 4242);
    CHECK(j != NULL);
    CHECK_INT_EQ(num(j, "samples"), 9);
    CHECK_INT_EQ(num(j, "server_samples"), 0);
    CHECK(json_is_null(json_object_get(j, "sched_share")));
    CHECK_INT_EQ(json_array_size(json_object_get(j, "top")), 0);
    json_decref(j);
    j = parse_text("", 1);
    CHECK(j != NULL);
    CHECK_INT_EQ(num(j, "samples"), 0);
    json_decref(j);
}

/* The areas of the excerpt above, which has no objects (-F without dso): the user-space
 * "schedule" is user space that no row names. */
TEST(schedprof_puts_each_sample_in_one_area)
{
    json_t *j = parse_text(script_text, 9908);
    CHECK(j != NULL);
    json_t *a = json_object_get(j, "area_pct");
    CHECK_NEAR(share_of(a, "switch"), 3.0 / 7);
    CHECK_NEAR(share_of(a, "wakeup"), 1.0 / 7);
    CHECK_NEAR(share_of(a, "tcp_send"), 1.0 / 7);
    CHECK_NEAR(share_of(a, "kernel_other"), 1.0 / 7); /* schedule_timeout is not schedule */
    CHECK_NEAR(share_of(a, "user_other"), 1.0 / 7);
    CHECK_NEAR(share_of(a, "syscall"), 0);
    json_decref(j);
}

/* Memory management: malloc giving its heap's top back (brk, a TLB flush under the system call)
 * and taking it again (a page fault in user space) is memory, not the system call's; a fault in
 * a receive's copy stays TCP receive. */
TEST(schedprof_puts_heap_trims_and_faults_in_memory)
{
    static const char text[] =
        " 7/7 \n"
        "\tffffffff8225f759 pvm_irq_enable\n"
        "\tffffffff8225f681 __raw_callee_save_pvm_irq_enable\n"
        "\tffffffff8138a2b0 flush_tlb_mm_range\n"
        "\tffffffff8164c1a0 tlb_finish_mmu\n"
        "\tffffffff81652e10 do_vmi_align_munmap\n"
        "\tffffffff8165c2a0 __do_sys_brk\n"
        "\tffffffff8165c3f0 __x64_sys_brk\n"
        "\tffffffff8223c951 do_syscall_64\n"
        "\t           fa06b brk\n"
        "\n"
        " 7/7 \n"
        "\tffffffff8160a3cc __handle_mm_fault\n"
        "\tffffffff82242576 exc_page_fault\n"
        "\tffffffff81000c82 asm_exc_page_fault\n"
        "\t           96c98 _int_malloc\n"
        "\n"
        " 7/7 \n"
        "\tffffffff82242576 exc_page_fault\n"
        "\tffffffff81000c82 asm_exc_page_fault\n"
        "\tffffffff81e8b1a0 _copy_to_iter\n"
        "\tffffffff82065fc5 tcp_recvmsg_locked\n"
        "\tffffffff8206775f tcp_recvmsg\n"
        "\tffffffff8223c951 do_syscall_64\n";
    json_t *j = parse_text(text, 7);
    CHECK(j != NULL);
    json_t *a = json_object_get(j, "area_pct");
    CHECK_NEAR(share_of(a, "memory"), 2.0 / 3);
    CHECK_NEAR(share_of(a, "tcp_receive"), 1.0 / 3);
    CHECK_NEAR(share_of(a, "syscall"), 0);
    json_decref(j);
}

TEST(schedprof_reads_the_object_after_the_symbol)
{
    static const char text[] =
        " 7/7 \n"
        "\t            f3d0 http_parse_request (/src/c10k-lab/build/bin/c10k-server)\n"
        "\n"
        " 7/7 \n"
        "\t            9d61 ring_thread (/tmp/c10k-server (deleted))\n"
        "\n"
        " 7/7 \n"
        "\t           cf420 clock_gettime@@GLIBC_2.17 (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
        "\n"
        " 7/7 \n"
        "\t            29f7 [unknown] (/usr/lib/x86_64-linux-gnu/liburing.so.2.3)\n"
        "\n"
        " 7/7 \n"
        "\t            306d io_uring_submit_and_wait_timeout "
        "(/usr/lib/x86_64-linux-gnu/liburing.so.2.3)\n";
    json_t *j = parse_text(text, 7);
    CHECK(j != NULL);
    json_t *a = json_object_get(j, "area_pct");
    CHECK_NEAR(share_of(a, "http_core"), 1.0 / 5);
    CHECK_NEAR(share_of(a, "model"), 2.0 / 5); /* ring_thread; liburing's named code */
    CHECK_NEAR(share_of(a, "libc"), 1.0 / 5);
    CHECK_NEAR(share_of(a, "syscall"), 1.0 / 5); /* liburing's unnamed system-call wrapper */
    /* "top" names the symbol, not its object */
    char *top = json_dumps(json_object_get(j, "top"), 0);
    int has_paren = top == NULL || strchr(top, '(') != NULL;
    free(top);
    json_decref(j);
    CHECK(!has_paren);
}

/* Recorded samples of a server, chosen to cover its areas: the file, the server's pid, and how
 * many of its samples each area must get (the rest none). */
struct area_count {
    const char *area;
    int samples;
};

static const struct fixture {
    const char *file;
    pid_t pid;
    int server_samples;
    struct area_count want[14];
} fixtures[] = {
    {"uring.txt",
     23126,
     23,
     {{"switch", 2},
      {"wakeup", 2},
      {"syscall", 1},
      {"fd_lookup", 2},
      {"tcp_receive", 2},
      {"tcp_send", 2},
      {"io_uring", 4},
      {"kernel_other", 2},
      {"http_core", 2},
      {"model", 2},
      {"libc", 2}}},
    {"loop.txt",
     27471,
     20,
     {{"switch", 2},
      {"wakeup", 2},
      {"syscall", 2},
      {"fd_lookup", 2},
      {"tcp_receive", 2},
      {"tcp_send", 2},
      {"epoll", 2},
      {"http_core", 2},
      {"model", 2},
      {"libc", 2}}},
    {"thread.txt",
     27695,
     20,
     {{"switch", 2},
      {"wakeup", 2},
      {"syscall", 2},
      {"fd_lookup", 2},
      {"tcp_receive", 2},
      {"tcp_send", 2},
      {"memory", 2},
      {"http_core", 2},
      {"model", 2},
      {"libc", 2}}},
    {"nginx.txt",
     28272,
     20,
     {{"switch", 2},
      {"wakeup", 2},
      {"syscall", 4},
      {"fd_lookup", 2},
      {"tcp_receive", 2},
      {"tcp_send", 2},
      {"epoll", 2},
      {"kernel_other", 2},
      {"http_core", 1},
      {"model", 1}}},
};

static int wanted(const struct fixture *f, const char *area)
{
    for (size_t i = 0; i < sizeof f->want / sizeof f->want[0] && f->want[i].area; i++)
        if (strcmp(f->want[i].area, area) == 0)
            return f->want[i].samples;
    return 0;
}

TEST(schedprof_areas_of_recorded_servers)
{
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        const struct fixture *f = &fixtures[i];
        char path[512];
        snprintf(path, sizeof path, "%s/%s", PERF_SCRIPT_DIR, f->file);
        FILE *in = fopen(path, "re");
        CHECK(in != NULL);
        char err[256];
        json_t *j = schedprof_parse(in, f->pid, err, sizeof err);
        fclose(in);
        CHECK(j != NULL);
        CHECK_INT_EQ(num(j, "server_samples"), f->server_samples);
        CHECK_INT_EQ(num(j, "samples"), f->server_samples + 2); /* and two of other processes */
        json_t *a = json_object_get(j, "area_pct");
        CHECK_INT_EQ(json_object_size(a), 14);
        double sum = 0;
        const char *key;
        json_t *v;
        json_object_foreach(a, key, v)
        {
            double got = json_number_value(v) / 100 * f->server_samples;
            if (fabs(got - wanted(f, key)) > 1e-6)
                fprintf(stderr, "  %s: %s has %.0f samples, not %d\n", f->file, key, got,
                        wanted(f, key));
            CHECK(fabs(got - wanted(f, key)) < 1e-6);
            sum += json_number_value(v) / 100;
        }
        CHECK_NEAR(sum, 1.0);
        json_decref(j);
    }
}

/* What a recording leaves: perf's file, its log and perf script's errors. */
static void remove_outputs(const char *data, const char *log)
{
    char script_log[256];
    snprintf(script_log, sizeof script_log, "%s.script", log);
    unlink(data);
    unlink(log);
    unlink(script_log);
}

TEST(schedprof_start_says_when_perf_is_missing)
{
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(0, &cpus);
    char data[128], log[128];
    snprintf(data, sizeof data, "/tmp/test_schedprof-%d.data", (int)getpid());
    snprintf(log, sizeof log, "/tmp/test_schedprof-%d.log", (int)getpid());
    struct schedprof p;
    CHECK_INT_EQ(schedprof_start(&p, "/nonexistent/perf", &cpus, NULL, 0, data, log), -ENOENT);
    json_t *j = schedprof_finish(&p, 1);
    CHECK(strstr(json_string_value(json_object_get(j, "error")), "not found") != NULL);
    CHECK(json_is_null(json_object_get(j, "sched_share")));
    json_decref(j);
    char why[256];
    CHECK_INT_EQ(schedprof_available("/nonexistent/perf", why, sizeof why), 0);
    CHECK(strstr(why, "linux-perf") != NULL);
    remove_outputs(data, log);
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* The highest CPU this process may use: the busy child's and the recording's. */
static int last_cpu(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) < 0)
        return 0;
    int last = 0;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set))
            last = c;
    return last;
}

/* Records a busy child on cpus for window_ms after perf's file has appeared; the summary, or NULL
 * when perf did not start. */
static json_t *record_busy(const cpu_set_t *cpus, int window_ms)
{
    char data[128], log[128];
    snprintf(data, sizeof data, "/tmp/test_schedprof-%d.data", (int)getpid());
    snprintf(log, sizeof log, "/tmp/test_schedprof-%d.log", (int)getpid());
    struct proc busy;
    char *argv[] = {"sh", "-c", "while :; do :; done", NULL};
    struct proc_opts o = {.cpus = cpus};
    if (proc_spawn(&busy, "busy", argv, &o) != 0)
        return NULL;
    struct schedprof p;
    /* with a delay, as c10k-bench starts it ahead of the measured window */
    int rc = schedprof_start(&p, "perf", cpus, NULL, 200, data, log);
    for (int waited = 0; rc == 0 && waited < 15000 && file_size(data) <= 0; waited += 100)
        proc_sleep_ms(100);
    if (rc == 0)
        proc_sleep_ms(window_ms);
    json_t *j = schedprof_finish(&p, busy.pid);
    proc_stop(&busy, 1000);
    remove_outputs(data, log);
    if (rc != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

TEST(schedprof_samples_a_busy_child)
{
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(last_cpu(), &cpus);
    /* perf writes its file before it samples (with -a, first a record of every process on the
     * machine), and on a busy machine that takes seconds: a window that yielded no sample is
     * tried again, longer, three times in all (1, 3 and 9 s). */
    json_t *j = NULL;
    for (int window_ms = 1000; window_ms <= 9000; window_ms *= 3) {
        json_decref(j);
        j = record_busy(&cpus, window_ms);
        const char *e = json_string_value(json_object_get(j, "error"));
        if (!j || !e || !strstr(e, "no samples"))
            break;
    }
    CHECK(j != NULL);
    const json_t *err = json_object_get(j, "error");
    if (!json_is_null(err))
        fprintf(stderr, "  schedprof: %s\n", json_string_value(err));
    CHECK(json_is_null(err));
    CHECK(num(j, "server_samples") > 0);
    CHECK(num(j, "samples") >= num(j, "server_samples"));
    CHECK(strstr(json_string_value(json_object_get(j, "tool")), "-e cpu-clock") != NULL);
    json_decref(j);
}

int testlib_failed;

int main(int argc, char **argv)
{
    static const struct testlib_case units[] = {
        TEST_ENTRY(schedprof_counts_the_server_process_only),
        TEST_ENTRY(schedprof_counts_a_sample_once_in_the_scheduler),
        TEST_ENTRY(schedprof_tops_by_self_share_past_irq_enable_thunks),
        TEST_ENTRY(schedprof_without_server_samples_has_no_shares),
        TEST_ENTRY(schedprof_puts_each_sample_in_one_area),
        TEST_ENTRY(schedprof_puts_heap_trims_and_faults_in_memory),
        TEST_ENTRY(schedprof_reads_the_object_after_the_symbol),
        TEST_ENTRY(schedprof_areas_of_recorded_servers),
        TEST_ENTRY(schedprof_start_says_when_perf_is_missing),
    };
    static const struct testlib_case with_perf[] = {TEST_ENTRY(schedprof_samples_a_busy_child)};
    if (argc > 1 && strcmp(argv[1], "--perf") == 0) {
        char why[512];
        if (!schedprof_available("perf", why, sizeof why)) {
            printf("skipped: %s\n", why);
            return SKIP_STATUS;
        }
        return testlib_run(with_perf, 1, 1, argv);
    }
    return testlib_run(units, sizeof units / sizeof units[0], argc, argv);
}
