/* Readers of /proc/PID: the open descriptors, the status fields, the CPU times, the memory a
 * process shares and holds alone, and the processes of a tree. The parsers
 * take the files' text so that they are tested without a process. Errors are negative errno
 * values. */
#ifndef C10K_COMMON_PROCFS_H
#define C10K_COMMON_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Large enough for /proc/PID/status and /proc/PID/stat. */
#define PROCFS_TEXT_MAX 4096

/* The fields of /proc/PID/status that are read; absent ones read 0. */
struct procfs_status {
    uint64_t rss_bytes, vsize_bytes; /* VmRSS, VmSize */
    uint64_t peak_rss_bytes;         /* VmHWM */
    int64_t threads;
    uint64_t ctx_voluntary, ctx_involuntary; /* of this thread, or the main one for a process */
};

/* Reads a whole small file into buf (NUL-terminated, cut at len - 1 bytes). Returns the length
 * or a negative errno. */
ssize_t procfs_read_text(const char *path, char *buf, size_t len);

/* The entries of a directory other than . and .., or a negative errno. */
int64_t procfs_count_dir(const char *path);
/* The process's open descriptors, or a negative errno (-ENOENT: gone). */
int64_t procfs_fd_count(pid_t pid);

/* The value after "Name:" at the start of a line of status text: 0, or -ENOENT. */
int procfs_status_field(const char *text, const char *name, uint64_t *out);
/* Parses status text. Returns 0, or -EINVAL when it is not status text. */
int procfs_parse_status(const char *text, struct procfs_status *st);
/* Reads /proc/PID/status. Returns 0, or -ESRCH when the process is gone. */
int procfs_status(pid_t pid, struct procfs_status *st);

/* utime and stime (clock ticks) from /proc/PID/stat text, whose comm field may hold spaces and
 * ')'. Returns 0 or -EINVAL. */
int procfs_parse_stat_times(const char *text, uint64_t *utime, uint64_t *stime);
/* A process's user and system CPU seconds (every thread, ended ones too). Returns 0 or -ESRCH. */
int procfs_cpu_seconds(pid_t pid, double *user_s, double *system_s);

/* cutime and cstime (clock ticks): the CPU of the children a process has waited for, and of
 * theirs, from /proc/PID/stat text. Returns 0 or -EINVAL. */
int procfs_parse_stat_reaped_times(const char *text, uint64_t *cutime, uint64_t *cstime);
/* The user and system CPU seconds of the children a process has waited for: with its tree's
 * live processes, the CPU of everything it started. Returns 0 or -ESRCH. */
int procfs_reaped_cpu_seconds(pid_t pid, double *user_s, double *system_s);

/* Context switches summed over every live thread of a process (each
 * /proc/PID/task/TID/status).
 * Returns 0 or -ESRCH. */
int procfs_ctx_switches(pid_t pid, uint64_t *voluntary, uint64_t *involuntary);

/* A process's memory by sharing, from /proc/PID/smaps_rollup, in bytes. RSS counts a page
 * shared by n processes in each of them; PSS counts 1/n of it in each, so PSS adds up over
 * processes; USS is what the process alone holds (private clean + private dirty), what ending it
 * would free. */
struct procfs_smaps {
    uint64_t rss, pss, shared_clean, shared_dirty, private_clean, private_dirty, uss;
};
/* Parses smaps_rollup text. Returns 0, or -EINVAL when Rss or Pss is missing. */
int procfs_parse_smaps_rollup(const char *text, struct procfs_smaps *out);
/* Reads /proc/PID/smaps_rollup (Linux 4.14 and later). Returns 0, -ESRCH when the process is
 * gone or -ENOENT when the kernel has no such file. */
int procfs_smaps_rollup(pid_t pid, struct procfs_smaps *out);

/* The parent pid and the state letter (R, S, Z...) from /proc/PID/stat text. 0 or -EINVAL. */
int procfs_parse_stat_ppid(const char *text, pid_t *ppid, char *state);
/* A process's state letter ('Z' for a zombie), or -ESRCH when there is no such process. */
int procfs_state(pid_t pid);
/* The pids of root's process tree: root first, then its descendants (children of any of its
 * threads, their children, ...), zombies included. Writes at most max of them and returns how
 * many there are (more than max: out holds the first max), or -ESRCH when root is gone, or
 * another negative errno. */
int64_t procfs_tree_pids(pid_t root, pid_t *out, size_t max);

#endif
