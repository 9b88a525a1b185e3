/* --mode uring where io_uring cannot be used: the server exits 2 after one line saying why. A
 * seccomp filter, installed in a child of the test before it starts the server, makes
 * io_uring_setup fail as a kernel without io_uring (ENOSYS) or a container's policy (EPERM)
 * would; nothing on the machine is changed. */
#include "support.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Makes io_uring_setup fail with `err` in this process and what it starts. */
static int refuse_io_uring(int err)
{
#if defined(__x86_64__)
    const unsigned arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    const unsigned arch = AUDIT_ARCH_AARCH64;
#else
    return -1;
#endif
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof filter / sizeof filter[0], filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
        return -1;
    return 0;
}

/* In a child with the filter: runs the server and checks exit 2 and one line containing `why`.
 * Returns 0 when all held, 1 when not, 77 when no filter could be installed. */
static int run_refused(int err, const char *why)
{
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        if (refuse_io_uring(err) < 0)
            _exit(77);
        static const char *const args[] = {"--mode", "uring", "--port", "0", NULL};
        int code;
        char *out, *errout;
        if (it_run(args, 5000, &code, &out, &errout) < 0)
            _exit(1);
        const char *nl = strchr(errout, '\n');
        int one_line = nl != NULL && nl[1] == '\0';
        if (code != 2 || !one_line || strstr(errout, why) == NULL || strstr(out, "listening")) {
            fprintf(stderr, "  exit %d, stderr: %s", code, errout);
            _exit(1);
        }
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

TEST(kernel_without_io_uring_is_named_and_exits_2)
{
    int rc = run_refused(ENOSYS, "the kernel has no io_uring");
    if (rc == 77) {
        it_log("skipped: no seccomp filter could be installed");
        return;
    }
    CHECK_INT_EQ(rc, 0);
}

TEST(forbidden_io_uring_is_named_and_exits_2)
{
    /* EPERM reads as "disabled by kernel.io_uring_disabled=N" where that sysctl is set, as a
     * policy otherwise; both lines begin so */
    int rc = run_refused(EPERM, "--mode uring: io_uring is ");
    if (rc == 77) {
        it_log("skipped: no seccomp filter could be installed");
        return;
    }
    CHECK_INT_EQ(rc, 0);
}

IT_MAIN(TEST_ENTRY(kernel_without_io_uring_is_named_and_exits_2),
        TEST_ENTRY(forbidden_io_uring_is_named_and_exits_2))
