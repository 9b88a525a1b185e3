/* The child-process helper on real children (/bin/sh): output to files and pipes, the first line,
 * the stop with its grace period and its SIGKILL fallback, the open-file limit. */
#include "proc.h"
#include "testlib.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_WAIT_MS 10000 /* for a child that ought to be quick: only a broken helper waits it */

static char *sh_argv[4] = {"/bin/sh", "-c", NULL, NULL};

/* A path in a fresh temporary directory, removed by cleanup(). */
static char tmp_dir[64];
static char *tmp_path(const char *name)
{
    static char path[128];
    if (!tmp_dir[0]) {
        snprintf(tmp_dir, sizeof tmp_dir, "/tmp/c10k-common-XXXXXX");
        if (!mkdtemp(tmp_dir))
            return NULL;
    }
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    return path;
}

static char *read_all(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Starts `sh -c script` with the options. */
static int start_sh(struct proc *p, const char *script, const struct proc_opts *o)
{
    sh_argv[2] = (char *)script;
    return proc_spawn(p, "sh", sh_argv, o);
}

/* Starts `sh -c script` with stdout on a pipe and waits for its first line. */
static int first_line_of(struct proc *p, const char *script, char *line, size_t len)
{
    struct proc_opts o = {.stdout_pipe = 1};
    int rc = start_sh(p, script, &o);
    return rc < 0 ? rc : proc_wait_first_line(p, NULL, line, len, TEST_WAIT_MS);
}

TEST(proc_writes_stdout_and_stderr_to_their_files)
{
    char out[128], err[128];
    snprintf(out, sizeof out, "%s", tmp_path("out"));
    snprintf(err, sizeof err, "%s", tmp_path("err"));
    struct proc p;
    struct proc_opts o = {.stdout_path = out, .stderr_path = err};
    CHECK_INT_EQ(start_sh(&p, "echo to-out; echo to-err >&2; exit 3", &o), 0);
    CHECK_INT_EQ(proc_wait(&p, TEST_WAIT_MS), 0);
    CHECK(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 3);
    CHECK(proc_failed(&p));
    CHECK_STR_EQ(read_all(out), "to-out\n");
    CHECK_STR_EQ(read_all(err), "to-err\n");
}

TEST(proc_shares_one_file_for_both_outputs_and_empties_it_first)
{
    char log[128];
    snprintf(log, sizeof log, "%s", tmp_path("log"));
    FILE *f = fopen(log, "we");
    CHECK(f != NULL);
    fputs("an earlier run's output\n", f);
    fclose(f);
    struct proc p;
    struct proc_opts o = {.stdout_path = log, .stderr_path = log};
    CHECK_INT_EQ(start_sh(&p, "echo one; echo two >&2; echo three", &o), 0);
    CHECK_INT_EQ(proc_wait(&p, TEST_WAIT_MS), 0);
    CHECK(!proc_failed(&p));
    CHECK_STR_EQ(read_all(log), "one\ntwo\nthree\n");
}

TEST(proc_waits_for_the_first_line_in_a_file)
{
    char out[128];
    snprintf(out, sizeof out, "%s", tmp_path("first"));
    struct proc p;
    struct proc_opts o = {.stdout_path = out};
    /* the line comes in two writes: a half line is not taken for the whole */
    CHECK_INT_EQ(start_sh(&p, "printf 'listening '; printf 'on x:1\\nmore\\n'; exec cat", &o), 0);
    char line[64];
    int rc = proc_wait_first_line(&p, out, line, sizeof line, TEST_WAIT_MS);
    proc_stop(&p, 1000);
    CHECK_INT_EQ(rc, 0);
    CHECK_STR_EQ(line, "listening on x:1");
}

TEST(proc_reads_the_first_line_from_a_pipe_and_leaves_the_rest)
{
    struct proc p;
    char line[64];
    CHECK_INT_EQ(first_line_of(&p, "printf 'first\\r\\nsecond\\n'", line, sizeof line), 0);
    CHECK_STR_EQ(line, "first");
    char *out = NULL;
    CHECK_INT_EQ(proc_collect(&p, TEST_WAIT_MS, &out, NULL), 0);
    CHECK_STR_EQ(out, "second\n");
    free(out);
}

TEST(proc_first_line_reports_a_child_that_exits_without_one)
{
    struct proc p;
    char line[64];
    CHECK_INT_EQ(first_line_of(&p, "printf 'no newline'; exit 2", line, sizeof line), -ECHILD);
    CHECK_INT_EQ(proc_collect(&p, TEST_WAIT_MS, NULL, NULL), 0);
    CHECK(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 2);
}

TEST(proc_first_line_times_out_on_a_silent_child)
{
    struct proc p;
    struct proc_opts o = {.stdout_pipe = 1};
    CHECK_INT_EQ(start_sh(&p, "exec sleep 30", &o), 0);
    char line[64];
    int rc = proc_wait_first_line(&p, NULL, line, sizeof line, 100);
    proc_stop(&p, 1000);
    close(p.stdout_fd);
    CHECK_INT_EQ(rc, -ETIMEDOUT);
}

TEST(proc_collects_stdout_and_stderr_apart)
{
    struct proc p;
    struct proc_opts o = {.stdout_pipe = 1, .stderr_pipe = 1};
    CHECK_INT_EQ(start_sh(&p, "echo out; echo err >&2", &o), 0);
    char *out = NULL, *err = NULL;
    CHECK_INT_EQ(proc_collect(&p, TEST_WAIT_MS, &out, &err), 0);
    CHECK_STR_EQ(out, "out\n");
    CHECK_STR_EQ(err, "err\n");
    CHECK_INT_EQ(p.stdout_fd, -1);
    CHECK_INT_EQ(p.stderr_fd, -1);
    free(out);
    free(err);
}

TEST(proc_collect_kills_a_child_past_its_deadline)
{
    struct proc p;
    struct proc_opts o = {.stdout_pipe = 1, .stderr_pipe = 1};
    CHECK_INT_EQ(start_sh(&p, "echo started; exec sleep 30", &o), 0);
    char *out = NULL;
    CHECK_INT_EQ(proc_collect(&p, 200, &out, NULL), -ETIMEDOUT);
    CHECK(!p.running);
    CHECK(WIFSIGNALED(p.status));
    CHECK_STR_EQ(out, "started\n");
    free(out);
}

TEST(proc_stop_ends_a_child_with_sigterm_within_the_grace)
{
    struct proc p;
    char line[16];
    CHECK_INT_EQ(first_line_of(&p, "echo ready; exec sleep 30", line, sizeof line), 0);
    close(p.stdout_fd);
    CHECK_INT_EQ(proc_stop(&p, TEST_WAIT_MS), 0);
    CHECK(WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGTERM);
    CHECK(!proc_failed(&p)); /* we stopped it */
    char how[64];
    proc_describe_exit(&p, how, sizeof how);
    CHECK(strstr(how, "killed by signal 15") != NULL);
}

TEST(proc_stop_kills_the_group_of_a_child_that_ignores_sigterm)
{
    struct proc p;
    char line[16];
    /* the shell ignores SIGTERM, and so does its sleep: only the SIGKILL ends the group */
    CHECK_INT_EQ(
        first_line_of(&p, "trap '' TERM; echo ready; sleep 30; sleep 30", line, sizeof line), 0);
    close(p.stdout_fd);
    CHECK_INT_EQ(proc_stop(&p, 200), -ETIMEDOUT);
    CHECK(WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGKILL);
}

TEST(proc_leaves_stderr_with_the_parent_when_asked)
{
    /* our stderr on a pipe for the while, so that what the child writes there can be read */
    int fds[2];
    CHECK_INT_EQ(pipe(fds), 0);
    int saved = dup(STDERR_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[1]);
    struct proc p;
    struct proc_opts o = {.stderr_path = "/dev/null", .stderr_inherit = 1};
    int rc = start_sh(&p, "echo inherited >&2", &o);
    int waited = rc == 0 ? proc_wait(&p, TEST_WAIT_MS) : rc;
    dup2(saved, STDERR_FILENO);
    close(saved);
    char buf[64] = "";
    ssize_t n = waited == 0 ? read(fds[0], buf, sizeof buf - 1) : -1;
    close(fds[0]);
    CHECK_INT_EQ(waited, 0);
    CHECK_INT_EQ(n, 10);
    CHECK(strncmp(buf, "inherited\n", 10) == 0);
}

TEST(proc_applies_the_open_file_limit)
{
    struct proc p;
    struct proc_opts o = {.stdout_pipe = 1, .nofile = 77};
    CHECK_INT_EQ(start_sh(&p, "ulimit -n; ulimit -H -n", &o), 0);
    char *out = NULL;
    CHECK_INT_EQ(proc_collect(&p, TEST_WAIT_MS, &out, NULL), 0);
    CHECK_STR_EQ(out, "77\n77\n");
    free(out);
}

TEST(proc_capture_returns_both_outputs_and_knows_a_missing_program)
{
    char buf[64];
    char *argv[] = {"/bin/sh", "-c", "echo v1.2; echo warn >&2", NULL};
    CHECK_INT_EQ(proc_capture(argv, buf, sizeof buf, TEST_WAIT_MS), 0);
    CHECK_STR_EQ(buf, "v1.2\nwarn\n");
    CHECK_INT_EQ(proc_capture_line(argv, buf, sizeof buf, TEST_WAIT_MS), 0);
    CHECK_STR_EQ(buf, "v1.2");
    char *missing[] = {"c10k-no-such-program", NULL};
    CHECK_INT_EQ(proc_capture(missing, buf, sizeof buf, TEST_WAIT_MS), -ENOENT);
}

int testlib_failed;

int main(int argc, char **argv)
{
    static const struct testlib_case cases[] = {
        TEST_ENTRY(proc_writes_stdout_and_stderr_to_their_files),
        TEST_ENTRY(proc_shares_one_file_for_both_outputs_and_empties_it_first),
        TEST_ENTRY(proc_waits_for_the_first_line_in_a_file),
        TEST_ENTRY(proc_reads_the_first_line_from_a_pipe_and_leaves_the_rest),
        TEST_ENTRY(proc_first_line_reports_a_child_that_exits_without_one),
        TEST_ENTRY(proc_first_line_times_out_on_a_silent_child),
        TEST_ENTRY(proc_collects_stdout_and_stderr_apart),
        TEST_ENTRY(proc_collect_kills_a_child_past_its_deadline),
        TEST_ENTRY(proc_stop_ends_a_child_with_sigterm_within_the_grace),
        TEST_ENTRY(proc_stop_kills_the_group_of_a_child_that_ignores_sigterm),
        TEST_ENTRY(proc_leaves_stderr_with_the_parent_when_asked),
        TEST_ENTRY(proc_applies_the_open_file_limit),
        TEST_ENTRY(proc_capture_returns_both_outputs_and_knows_a_missing_program),
    };
    int rc = testlib_run(cases, sizeof cases / sizeof cases[0], argc, argv);
    if (tmp_dir[0]) {
        char *rm[] = {"rm", "-rf", tmp_dir, NULL};
        char buf[16];
        proc_capture(rm, buf, sizeof buf, TEST_WAIT_MS);
    }
    return rc;
}
