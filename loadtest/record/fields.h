/* The schema of results.json: every field of a run and of a session, once. Each row is
 *
 *   X(ID, "json.key", TYPE, member, "unit", "csv_column", "meaning")
 *
 * ID names the field in C (RUN_F_ID, SES_F_ID); the key is its place in results.json (dots
 * nest; a row under a JSON row overlays the object passed through, and is present only where
 * that object is); TYPE is one of GROUP (an object that may be null; member is its `present`
 * flag), INT
 * and REAL (a double, NaN for null; INT is written as an integer), BOOL (an int: 1, 0, -1 for
 * null), STR (a char *), JSON (a json_t * passed through: histograms, series, argv, maps keyed
 * by the server's own names); member is where it lives in struct run_record or struct
 * session_record (record.h); the CSV column is "" for a field results.csv leaves out. The
 * order is the order of results.json and of results.csv's columns. schema.c renders
 * results.json, results.csv, the schema section of loadtest/README.md and the shape check
 * from these tables; a row whose member has another type does not compile. */
#ifndef C10K_BENCH_FIELDS_H
#define C10K_BENCH_FIELDS_H

/* Latency percentiles under a prefix (client.latency_us, ...); CSV(name) gives the CSV column of
 * a percentile, LAT_CSV for the run's own latency and NO_CSV for the others. */
#define LAT_CSV(name) #name
#define NO_CSV(name) ""
#define LATENCY_FIELDS(X, ID, KEY, M, WHAT, CSV)                                                   \
    X(ID##_COUNT, KEY ".count", INT, M.count, "requests", "", WHAT ": requests counted")           \
    X(ID##_MIN, KEY ".min", INT, M.min, "µs", "", WHAT ": the fastest")                            \
    X(ID##_MEAN, KEY ".mean", REAL, M.mean, "µs", "", WHAT ": the mean")                           \
    X(ID##_P50, KEY ".p50", INT, M.p50, "µs", CSV(p50_us), WHAT ": the median")                    \
    X(ID##_P90, KEY ".p90", INT, M.p90, "µs", CSV(p90_us), WHAT ": the 90th percentile")           \
    X(ID##_P99, KEY ".p99", INT, M.p99, "µs", CSV(p99_us), WHAT ": the 99th percentile")           \
    X(ID##_P99_9, KEY ".p99_9", INT, M.p99_9, "µs", CSV(p99_9_us), WHAT ": the 99.9th percentile") \
    X(ID##_MAX, KEY ".max", INT, M.max, "µs", CSV(max_us), WHAT ": the slowest")

/* The load generator's figures, under "client" in a run and at the top of a load generator's
 * own JSON (loadgen.c normalises wrk's to it). */
#define CLIENT_FIELDS(X)                                                                           \
    X(CLIENT, "client", GROUP, client.present, "", "",                                             \
      "the load generator's account of the measured window; null when it reported nothing")        \
    X(CLIENT_TOOL, "client.tool", STR, client.tool, "", "", "c10k-load or wrk")                    \
    X(CLIENT_REQUESTS, "client.requests", INT, client.requests, "requests", "requests",            \
      "responses received in the measured window")                                                 \
    X(CLIENT_MEASURED_S, "client.measured_s", REAL, client.measured_s, "s", "",                    \
      "the measured window's length")                                                              \
    X(CLIENT_REQUESTS_PER_S, "client.requests_per_s", REAL, client.requests_per_s, "requests/s",   \
      "requests_per_s", "responses per second, every status")                                      \
    X(CLIENT_TOTAL_REQUESTS, "client.total_requests", INT, client.total_requests, "requests", "",  \
      "responses over the whole run, warm-up included")                                            \
    X(CLIENT_BYTES_READ, "client.bytes_read", INT, client.bytes_read, "bytes", "",                 \
      "bytes the load generator read")                                                             \
    X(CLIENT_ERRORS_TOTAL, "client.errors.total", INT, client.errors.total, "errors", "errors",    \
      "client errors of every class")                                                              \
    X(CLIENT_ERRORS_CONNECT, "client.errors.connect", INT, client.errors.connect, "errors",        \
      "errors_connect", "connections that could not be made")                                      \
    X(CLIENT_ERRORS_READ, "client.errors.read", INT, client.errors.read, "errors", "errors_read",  \
      "reads that failed (reset, closed early)")                                                   \
    X(CLIENT_ERRORS_WRITE, "client.errors.write", INT, client.errors.write, "errors",              \
      "errors_write", "writes that failed")                                                        \
    X(CLIENT_ERRORS_TIMEOUT, "client.errors.timeout", INT, client.errors.timeout, "errors",        \
      "errors_timeout", "requests unanswered within the timeout")                                  \
    X(CLIENT_ERRORS_PARSE, "client.errors.parse", INT, client.errors.parse, "errors", "",          \
      "responses that did not parse")                                                              \
    X(CLIENT_ERRORS_STATUS, "client.errors.status", INT, client.errors.status, "errors",           \
      "errors_status", "responses with a status other than 2xx")                                   \
    LATENCY_FIELDS(X, CLIENT_LATENCY, "client.latency_us", client.latency_us,                      \
                   "latency from when each request was due", LAT_CSV)                              \
    X(CLIENT_LATENCY_UNCORRECTED, "client.latency_uncorrected_us", GROUP,                          \
      client.latency_uncorrected_us.present, "", "",                                               \
      "open loop: latency from when each request was sent (what coordinated omission hides)")      \
    LATENCY_FIELDS(X, CLIENT_LATENCY_UNCORRECTED, "client.latency_uncorrected_us",                 \
                   client.latency_uncorrected_us, "latency from the actual send", NO_CSV)          \
    X(CLIENT_PERCENTILES, "client.percentiles", JSON, client.percentiles, "", "",                  \
      "[percentile, µs] pairs of the distribution plot")                                           \
    X(CLIENT_HISTOGRAM, "client.histogram", JSON, client.histogram, "", "",                        \
      "the log-linear latency histogram's non-empty buckets")                                      \
    X(CLIENT_PERCENTILES_UNCORRECTED, "client.percentiles_uncorrected", JSON,                      \
      client.percentiles_uncorrected, "", "", "the same, uncorrected (open loop)")                 \
    X(CLIENT_SERIES, "client.series", JSON, client.series, "", "",                                 \
      "per second: requests/s, p50, p99, max, errors, open connections, connects, warm-up")        \
    X(CLIENT_IDLE, "client.idle", GROUP, client.idle.present, "", "",                              \
      "the silent keep-alive connections beside the busy ones")                                    \
    X(CLIENT_IDLE_CONNECTIONS, "client.idle.connections", INT, client.idle.connections,            \
      "connections", "", "idle connections opened")                                                \
    X(CLIENT_IDLE_REQUESTS, "client.idle.requests", INT, client.idle.requests, "requests", "",     \
      "requests the idle connections sent (a few, to check they are alive)")                       \
    X(CLIENT_IDLE_LATENCY, "client.idle.latency_us", GROUP, client.idle.latency_us.present, "",    \
      "", "their latency")                                                                         \
    LATENCY_FIELDS(X, CLIENT_IDLE_LATENCY, "client.idle.latency_us", client.idle.latency_us,       \
                   "the idle connections' latency", NO_CSV)                                        \
    X(CLIENT_GENERATORS, "client.generators", JSON, client.generators, "", "",                     \
      "several generators merged: each one's requests, rate, CPU, saturation and start skew")      \
    X(CLIENT_MERGED_FROM, "client.merged_from", JSON, client.merged_from, "", "generators",        \
      "how many generators' results were merged")                                                  \
    X(CLIENT_CONNECTIONS, "client.connections", GROUP, client.connections.present, "", "",         \
      "the load generator's connections")                                                          \
    X(CLIENT_CONNECTIONS_ESTABLISHED, "client.connections.established", INT,                       \
      client.connections.established, "connections", "", "connections established")                \
    X(CLIENT_CONNECTIONS_RECONNECTS, "client.connections.reconnects", INT,                         \
      client.connections.reconnects, "connections", "", "connections made again after a close")    \
    X(CLIENT_CONNECTIONS_MAX_OPEN, "client.connections.max_open", INT,                             \
      client.connections.max_open, "connections", "", "the most open at once")                     \
    X(CLIENT_CPU, "client.cpu", GROUP, client.cpu.present, "", "",                                 \
      "the load generator's own CPU time")                                                         \
    X(CLIENT_CPU_USER_S, "client.cpu.user_s", REAL, client.cpu.user_s, "s", "",                    \
      "user CPU over its life")                                                                    \
    X(CLIENT_CPU_SYSTEM_S, "client.cpu.system_s", REAL, client.cpu.system_s, "s", "",              \
      "system CPU over its life")                                                                  \
    X(CLIENT_CPU_US_PER_REQUEST, "client.cpu.us_per_request", REAL, client.cpu.us_per_request,     \
      "µs", "", "its CPU per response")                                                            \
    X(CLIENT_CPU_WINDOW_CPU_S, "client.cpu.window_cpu_s", REAL, client.cpu.window_cpu_s, "s", "",  \
      "its CPU in the measured window")                                                            \
    X(CLIENT_CPU_THREADS_CPU_S, "client.cpu.threads_cpu_s", JSON, client.cpu.threads_cpu_s, "",    \
      "", "each thread's CPU in the window")                                                       \
    X(CLIENT_CPU_BUSIEST_THREAD_SHARE, "client.cpu.busiest_thread_share", REAL,                    \
      client.cpu.busiest_thread_share, "share", "", "its busiest thread's share of the window")    \
    X(CLIENT_CPU_SATURATED, "client.cpu.saturated", BOOL, client.cpu.saturated, "", "",            \
      "whether that thread was saturated")                                                         \
    X(CLIENT_CPU_SATURATION_THRESHOLD, "client.cpu.saturation_threshold", REAL,                    \
      client.cpu.saturation_threshold, "share", "", "the share that counts as saturated")          \
    X(CLIENT_STATUS_CODES, "client.status_codes", JSON, client.status_codes, "", "",               \
      "responses by status code")                                                                  \
    X(CLIENT_WARMUP_REQUESTS, "client.warmup_requests", INT, client.warmup_requests, "requests",   \
      "", "responses during the warm-up")                                                          \
    X(CLIENT_ABANDONED, "client.abandoned", INT, client.abandoned, "requests", "",                 \
      "requests in flight or due when it stopped")                                                 \
    X(CLIENT_GOOD_REQUESTS, "client.good_requests", INT, client.good_requests, "requests", "",     \
      "2xx responses in the measured window")                                                      \
    X(CLIENT_GOOD_PER_S, "client.good_per_s", REAL, client.good_per_s, "requests/s", "good_per_s", \
      "throughput: 2xx responses per second")

#define SERVER_FIELDS(X)                                                                           \
    X(SERVER, "server", GROUP, server.present, "", "",                                             \
      "the server's own figures; null when it did not start")                                      \
    X(SERVER_ARGV, "server.argv", JSON, server.argv, "", "", "its command line")                   \
    X(SERVER_PID, "server.pid", INT, server.pid, "", "", "the serving process")                    \
    X(SERVER_PORT, "server.port", INT, server.port, "", "", "the port it listened on")             \
    X(SERVER_CPUS, "server.cpus", STR, server.cpus, "", "", "the CPUs it ran on")                  \
    X(SERVER_RSS_BASELINE_BYTES, "server.rss_baseline_bytes", INT, server.rss_baseline_bytes,      \
      "bytes", "", "VmRSS before the load")                                                        \
    X(SERVER_VSIZE_BASELINE_BYTES, "server.vsize_baseline_bytes", INT,                             \
      server.vsize_baseline_bytes, "bytes", "", "VmSize before the load")                          \
    X(SERVER_THREADS_BASELINE, "server.threads_baseline", INT, server.threads_baseline, "threads", \
      "", "threads before the load")                                                               \
    X(SERVER_RSS_BYTES, "server.rss_bytes", REAL, server.rss_bytes, "bytes", "rss_bytes",          \
      "VmRSS, median over the window")                                                             \
    X(SERVER_RSS_PEAK_BYTES, "server.rss_peak_bytes", REAL, server.rss_peak_bytes, "bytes",        \
      "rss_peak_bytes", "VmRSS, the highest sample")                                               \
    X(SERVER_VSIZE_BYTES, "server.vsize_bytes", REAL, server.vsize_bytes, "bytes", "vsize_bytes",  \
      "VmSize, median over the window")                                                            \
    X(SERVER_VSIZE_PEAK_BYTES, "server.vsize_peak_bytes", REAL, server.vsize_peak_bytes, "bytes",  \
      "", "VmSize, the highest sample")                                                            \
    X(SERVER_THREADS, "server.threads", REAL, server.threads, "threads", "",                       \
      "threads, median over the window")                                                           \
    X(SERVER_THREADS_PEAK, "server.threads_peak", REAL, server.threads_peak, "threads",            \
      "threads_peak", "threads, the highest sample")                                               \
    X(SERVER_FDS_PEAK, "server.fds_peak", REAL, server.fds_peak, "descriptors", "",                \
      "open descriptors, the highest sample")                                                      \
    X(SERVER_CONNECTIONS_HELD_PEAK, "server.connections_held_peak", REAL,                          \
      server.connections_held_peak, "connections", "",                                             \
      "descriptors over the baseline: the most connections it held at once")                       \
    X(SERVER_SAMPLES_IN_WINDOW, "server.samples_in_window", INT, server.samples_in_window,         \
      "samples", "", "1 Hz samples inside the measured window")                                    \
    X(SERVER_TREE, "server.tree", GROUP, server.tree.present, "", "",                              \
      "every process of the server (workers, a process per connection) by sharing, from "          \
      "/proc/PID/smaps_rollup; null where the kernel has none")                                    \
    X(SERVER_TREE_PROCESSES, "server.tree.processes", REAL, server.tree.processes, "processes",    \
      "processes", "its processes, median over the window")                                        \
    X(SERVER_TREE_PROCESSES_PEAK, "server.tree.processes_peak", REAL, server.tree.processes_peak,  \
      "processes", "", "its processes, the highest sample")                                        \
    X(SERVER_TREE_PSS_BASELINE_BYTES, "server.tree.pss_baseline_bytes", INT,                       \
      server.tree.pss_baseline_bytes, "bytes", "",                                                 \
      "PSS summed over its processes before the load")                                             \
    X(SERVER_TREE_PSS_BYTES, "server.tree.pss_bytes", REAL, server.tree.pss_bytes, "bytes",        \
      "pss_bytes",                                                                                 \
      "PSS summed over its processes (its memory, shared pages counted once), median")             \
    X(SERVER_TREE_PSS_PEAK_BYTES, "server.tree.pss_peak_bytes", REAL, server.tree.pss_peak_bytes,  \
      "bytes", "", "the same, the highest sample")                                                 \
    X(SERVER_TREE_USS_BYTES, "server.tree.uss_bytes", REAL, server.tree.uss_bytes, "bytes",        \
      "uss_bytes", "USS (Private_Clean + Private_Dirty) summed: what only one process holds")      \
    X(SERVER_TREE_SHARED_BYTES, "server.tree.shared_bytes", REAL, server.tree.shared_bytes,        \
      "bytes", "", "Shared_Clean + Shared_Dirty summed (a page counted in each sharer)")           \
    X(SERVER_TREE_USS_PER_PROCESS_BYTES, "server.tree.uss_per_process_bytes", REAL,                \
      server.tree.uss_per_process_bytes, "bytes", "uss_per_process_bytes",                         \
      "USS per process (a worker's private bytes), median over the window")                        \
    X(SERVER_TREE_USS_PER_WORKER_BYTES, "server.tree.uss_per_worker_bytes", REAL,                  \
      server.tree.uss_per_worker_bytes, "bytes", "uss_per_worker_bytes",                           \
      "USS per worker: that of its processes but the first over their number (the one process's "  \
      "where it has no other), at the measured window's last sample (reads only add to it)")       \
    X(SERVER_TREE_USS_PER_WORKER_BASELINE_BYTES, "server.tree.uss_per_worker_baseline_bytes",      \
      REAL, server.tree.uss_per_worker_baseline_bytes, "bytes", "", "the same before the load")    \
    X(SERVER_CGROUP, "server.cgroup", GROUP, server.cgroup.present, "", "",                        \
      "its own memory cgroup; null where it had none")                                             \
    X(SERVER_CGROUP_VERSION, "server.cgroup.version", INT, server.cgroup.version, "", "",          \
      "cgroup version, 1 or 2")                                                                    \
    X(SERVER_CGROUP_PATH, "server.cgroup.path", STR, server.cgroup.path, "", "",                   \
      "the group, under the memory hierarchy")                                                     \
    X(SERVER_CGROUP_KERNEL_DELTA_BYTES, "server.cgroup.kernel_delta_bytes", REAL,                  \
      server.cgroup.kernel_delta_bytes, "bytes", "", "kernel memory over the baseline")            \
    X(SERVER_CGROUP_SOCK_DELTA_BYTES, "server.cgroup.sock_delta_bytes", REAL,                      \
      server.cgroup.sock_delta_bytes, "bytes", "", "socket buffers over the baseline")             \
    X(SERVER_CGROUP_KERNEL_STACK_DELTA_BYTES, "server.cgroup.kernel_stack_delta_bytes", REAL,      \
      server.cgroup.kernel_stack_delta_bytes, "bytes", "", "kernel stacks (v2)")                   \
    X(SERVER_CGROUP_PAGE_TABLES_DELTA_BYTES, "server.cgroup.page_tables_delta_bytes", REAL,        \
      server.cgroup.page_tables_delta_bytes, "bytes", "", "page tables (v2)")                      \
    X(SERVER_CGROUP_SLAB_DELTA_BYTES, "server.cgroup.slab_delta_bytes", REAL,                      \
      server.cgroup.slab_delta_bytes, "bytes", "", "slab (v2)")                                    \
    X(SERVER_CGROUP_KERNEL_BASELINE_BYTES, "server.cgroup.kernel_baseline_bytes", INT,             \
      server.cgroup.kernel_baseline_bytes, "bytes", "", "kernel memory before the load")           \
    X(SERVER_REQUESTS, "server.requests", INT, server.requests, "requests", "server_requests",     \
      "requests it counted in the window (its own counter)")                                       \
    X(SERVER_WINDOW_S, "server.window_s", REAL, server.window_s, "s", "",                          \
      "between its counters' two readings")                                                        \
    X(SERVER_REQUESTS_PER_S, "server.requests_per_s", REAL, server.requests_per_s, "requests/s",   \
      "", "its own count per second")                                                              \
    X(SERVER_CROSSCHECK, "server.crosscheck", REAL, server.crosscheck, "ratio", "crosscheck",      \
      "the client's requests over the server's")                                                   \
    X(SERVER_CROSSCHECK_OK, "server.crosscheck_ok", BOOL, server.crosscheck_ok, "", "",            \
      "whether the two agree within the requests in flight and 2%")                                \
    X(SERVER_CROSSCHECK_DIFFERENCE_PCT, "server.crosscheck_difference_pct", REAL,                  \
      server.crosscheck_difference_pct, "%", "crosscheck_difference_pct",                          \
      "how far the client's count is from the server's")                                           \
    X(SERVER_CPU_USER_S, "server.cpu_user_s", REAL, server.cpu_user_s, "s", "",                    \
      "user CPU in the window")                                                                    \
    X(SERVER_CPU_SYSTEM_S, "server.cpu_system_s", REAL, server.cpu_system_s, "s", "",              \
      "system CPU in the window")                                                                  \
    X(SERVER_CPU_CORES, "server.cpu_cores", REAL, server.cpu_cores, "CPUs", "cpu_cores",           \
      "CPU seconds per second")                                                                    \
    X(SERVER_CPU_US_PER_REQUEST, "server.cpu_us_per_request", REAL, server.cpu_us_per_request,     \
      "µs", "cpu_us_per_request", "CPU time per request it counted")                               \
    X(SERVER_RUN_S, "server.run_s", REAL, server.run_s, "s", "",                                   \
      "schedstat's time on a CPU in the window over every task of its tree alive at both "         \
      "readings: exact where the tick-sampled CPU times above miss many short runs (hundreds of "  \
      "processes); blind to tasks that ended between the readings")                                \
    X(SERVER_RUN_US_PER_REQUEST, "server.run_us_per_request", REAL, server.run_us_per_request,     \
      "µs", "run_us_per_request", "the same per request it counted")                               \
    X(SERVER_CTX_VOLUNTARY, "server.ctx_voluntary", INT, server.ctx_voluntary, "switches", "",     \
      "voluntary context switches in the window")                                                  \
    X(SERVER_CTX_INVOLUNTARY, "server.ctx_involuntary", INT, server.ctx_involuntary, "switches",   \
      "", "involuntary context switches in the window")                                            \
    X(SERVER_CTX_PER_S, "server.ctx_per_s", REAL, server.ctx_per_s, "switches/s", "ctx_per_s",     \
      "context switches per second")                                                               \
    X(SERVER_CTX_PER_REQUEST, "server.ctx_per_request", REAL, server.ctx_per_request, "switches",  \
      "ctx_per_request", "context switches per request")                                           \
    X(SERVER_CTX_SOURCE, "server.ctx_source", STR, server.ctx_source, "", "",                      \
      "where the switches are read")                                                               \
    X(SERVER_SWITCH_CPU_SHARE, "server.switch_cpu_share", REAL, server.switch_cpu_share, "share",  \
      "switch_cpu_share", "the switches' direct cost (calibration) over its CPU time")             \
    X(SERVER_COUNTERS, "server.counters", JSON, server.counters, "", "",                           \
      "deltas of its /stats errors and connections, by the server's names")                        \
    X(SERVER_REFUSED, "server.refused", GROUP, server.refused.present, "", "",                     \
      "connections it refused in the window, by cause (from its counters)")                        \
    X(SERVER_REFUSED_THREAD_CREATE, "server.refused.thread_create", INT,                           \
      server.refused.thread_create, "connections", "server_thread_create_errors",                  \
      "no thread (or process) could be created for them (503)")                                    \
    X(SERVER_REFUSED_EMFILE, "server.refused.emfile", INT, server.refused.emfile, "connections",   \
      "", "out of descriptors (RLIMIT_NOFILE)")                                                    \
    X(SERVER_REFUSED_MAX_CONNS, "server.refused.max_conns", INT, server.refused.max_conns,         \
      "connections", "", "over --max-conns (503)")                                                 \
    X(SERVER_REFUSED_REJECTED, "server.refused.rejected", INT, server.refused.rejected,            \
      "connections", "server_rejected", "answered 503 and closed, every cause")                    \
    X(SERVER_EXIT, "server.exit", STR, server.exit, "", "", "how it ended")                        \
    X(SERVER_LOG_TAIL, "server.log_tail", STR, server.log_tail, "", "",                            \
      "the end of its log, where the run did not go well")                                         \
    X(SERVER_COUNTERS_FROM, "server.counters_from", STR, server.counters_from, "", "",             \
      "Docker: which /stats readings the counters come from")                                      \
    X(SERVER_MODE, "server.mode", STR, server.mode, "", "", "Docker: the model /stats names")      \
    X(SERVER_VERSION, "server.version", STR, server.version, "", "", "Docker: its version")        \
    X(SERVER_CONNECTIONS_PEAK, "server.connections_peak", REAL, server.connections_peak,           \
      "connections", "", "Docker: the most active connections /stats showed")                      \
    X(SERVER_EXIT_CODE, "server.exit_code", INT, server.exit_code, "", "",                         \
      "Docker: its exit status")                                                                   \
    X(SERVER_OOM_KILLED, "server.oom_killed", BOOL, server.oom_killed, "", "",                     \
      "Docker: killed by the OOM killer")

#define MACHINE_FIELDS(X)                                                                          \
    X(MACHINE, "machine", GROUP, machine.present, "", "", "machine-wide figures in the window")    \
    X(MACHINE_KERNEL_STACK_DELTA_BYTES, "machine.kernel_stack_delta_bytes", REAL,                  \
      machine.kernel_stack_delta_bytes, "bytes", "", "KernelStack over the baseline")              \
    X(MACHINE_PAGE_TABLES_DELTA_BYTES, "machine.page_tables_delta_bytes", REAL,                    \
      machine.page_tables_delta_bytes, "bytes", "", "PageTables over the baseline")                \
    X(MACHINE_TCP_MEM_DELTA_BYTES, "machine.tcp_mem_delta_bytes", REAL,                            \
      machine.tcp_mem_delta_bytes, "bytes", "", "TCP buffer pages over the baseline")              \
    X(MACHINE_SLAB_UNRECLAIMABLE_DELTA_BYTES, "machine.slab_unreclaimable_delta_bytes", REAL,      \
      machine.slab_unreclaimable_delta_bytes, "bytes", "",                                         \
      "SUnreclaim (less connection tracking) over the baseline")                                   \
    X(MACHINE_TCP_INUSE_PEAK, "machine.tcp_inuse_peak", REAL, machine.tcp_inuse_peak, "sockets",   \
      "", "TCP sockets in use, the highest sample")                                                \
    X(MACHINE_CONNTRACK_PEAK, "machine.conntrack_peak", REAL, machine.conntrack_peak, "entries",   \
      "", "connection-tracking entries, the highest sample")                                       \
    X(MACHINE_CTX_PER_S, "machine.ctx_per_s", REAL, machine.ctx_per_s, "switches/s",               \
      "machine_ctx_per_s", "the machine's context switches per second")                            \
    X(MACHINE_CTX_PER_REQUEST, "machine.ctx_per_request", REAL, machine.ctx_per_request,           \
      "switches", "", "the machine's context switches per request")                                \
    X(MACHINE_IDLE_PCT, "machine.idle_pct", REAL, machine.idle_pct, "%", "machine_idle_pct",       \
      "the CPUs' idle time over the window, of all their time (/proc/stat)")                       \
    X(MACHINE_IOWAIT_PCT, "machine.iowait_pct", REAL, machine.iowait_pct, "%", "",                 \
      "the CPUs' idle time with I/O outstanding (/proc/stat iowait)")                              \
    X(MACHINE_SOFTIRQ_PCT, "machine.softirq_pct", REAL, machine.softirq_pct, "%", "",              \
      "the CPUs' time in softirq: network receive and transmit, timers (/proc/stat)")              \
    X(MACHINE_STEAL_PCT, "machine.steal_pct", REAL, machine.steal_pct, "%", "machine_steal_pct",   \
      "time the hypervisor gave the CPUs to other guests (/proc/stat steal)")

#define PER_CONNECTION_FIELDS(X)                                                                   \
    X(PC, "per_connection", GROUP, per_connection.present, "", "",                                 \
      "memory per connection the server held; null below 100 connections")                         \
    X(PC_CONNECTIONS, "per_connection.connections", INT, per_connection.connections,               \
      "connections", "", "the connections it held (the divisor)")                                  \
    X(PC_CONNECTIONS_OPENED, "per_connection.connections_opened", INT,                             \
      per_connection.connections_opened, "connections", "", "the connections the client opened")   \
    X(PC_RSS_BYTES, "per_connection.rss_bytes", REAL, per_connection.rss_bytes, "bytes",           \
      "per_connection_rss_bytes", "user memory (VmRSS) per connection")                            \
    X(PC_PSS_BYTES, "per_connection.pss_bytes", REAL, per_connection.pss_bytes, "bytes",           \
      "per_connection_pss_bytes",                                                                  \
      "PSS summed over the server's processes, per connection (the user memory of total_bytes "    \
      "for a server of several processes, whose VmRSS sum counts a shared page in each)")          \
    X(PC_MACHINE, "per_connection.machine", GROUP, per_connection.machine.present, "", "",         \
      "the machine-wide kernel counters' growth per connection")                                   \
    X(PC_MACHINE_KERNEL_BYTES, "per_connection.machine.kernel_bytes", REAL,                        \
      per_connection.machine.kernel_bytes, "bytes", "per_connection_machine_kernel_bytes",         \
      "kernel stacks, page tables, TCP buffers and slab")                                          \
    X(PC_MACHINE_KERNEL_STACK_BYTES, "per_connection.machine.kernel_stack_bytes", REAL,            \
      per_connection.machine.kernel_stack_bytes, "bytes", "", "kernel stacks")                     \
    X(PC_MACHINE_PAGE_TABLES_BYTES, "per_connection.machine.page_tables_bytes", REAL,              \
      per_connection.machine.page_tables_bytes, "bytes", "", "page tables")                        \
    X(PC_MACHINE_TCP_MEM_BYTES, "per_connection.machine.tcp_mem_bytes", REAL,                      \
      per_connection.machine.tcp_mem_bytes, "bytes", "", "TCP buffers")                            \
    X(PC_MACHINE_SLAB_BYTES, "per_connection.machine.slab_bytes", REAL,                            \
      per_connection.machine.slab_bytes, "bytes", "", "slab")                                      \
    X(PC_CGROUP, "per_connection.cgroup", GROUP, per_connection.cgroup.present, "", "",            \
      "the server's own cgroup's growth per connection; null without one")                         \
    X(PC_CGROUP_KERNEL_BYTES, "per_connection.cgroup.kernel_bytes", REAL,                          \
      per_connection.cgroup.kernel_bytes, "bytes", "", "kernel memory")                            \
    X(PC_CGROUP_SOCK_BYTES, "per_connection.cgroup.sock_bytes", REAL,                              \
      per_connection.cgroup.sock_bytes, "bytes", "", "socket buffers")                             \
    X(PC_CGROUP_KERNEL_STACK_BYTES, "per_connection.cgroup.kernel_stack_bytes", REAL,              \
      per_connection.cgroup.kernel_stack_bytes, "bytes", "", "kernel stacks (v2)")                 \
    X(PC_CGROUP_PAGE_TABLES_BYTES, "per_connection.cgroup.page_tables_bytes", REAL,                \
      per_connection.cgroup.page_tables_bytes, "bytes", "", "page tables (v2)")                    \
    X(PC_CGROUP_SLAB_BYTES, "per_connection.cgroup.slab_bytes", REAL,                              \
      per_connection.cgroup.slab_bytes, "bytes", "", "slab (v2)")                                  \
    X(PC_KERNEL_BYTES, "per_connection.kernel_bytes", REAL, per_connection.kernel_bytes, "bytes",  \
      "per_connection_kernel_bytes",                                                               \
      "kernel memory per connection: the cgroup's, else the "                                      \
      "machine's")                                                                                 \
    X(PC_KERNEL_SOURCE, "per_connection.kernel_source", STR, per_connection.kernel_source, "",     \
      "per_connection_kernel_source", "where the kernel figure is read")                           \
    X(PC_TOTAL_BYTES, "per_connection.total_bytes", REAL, per_connection.total_bytes, "bytes",     \
      "per_connection_bytes", "user (VmRSS, or PSS: above) + kernel memory per connection")        \
    X(PC_VSIZE_BYTES, "per_connection.vsize_bytes", REAL, per_connection.vsize_bytes, "bytes", "", \
      "virtual size per connection (reserved, not resident)")                                      \
    X(PC_BELOW_RESOLUTION, "per_connection.below_resolution", JSON,                                \
      per_connection.below_resolution, "", "",                                                     \
      "figures within the method's resolution: [{figure, resolution_bytes}]")                      \
    X(PC_PIDS, "per_connection.pids", REAL, per_connection.pids, "pids", "",                       \
      "Docker: the cgroup's pids per connection")                                                  \
    X(PC_SOURCE, "per_connection.source", STR, per_connection.source, "", "",                      \
      "Docker: what the figure is read from")

#define SATURATION_FIELDS(X)                                                                       \
    X(SAT, "saturation", GROUP, saturation.present, "", "",                                        \
      "which side set the pace: the server's CPUs or the load generator's threads")                \
    X(SAT_SERVER_BUSY, "saturation.server_busy", REAL, saturation.server_busy, "share",            \
      "server_cpu_busy", "how busy the server's CPUs were in the window")                          \
    X(SAT_SERVER_BUSY_FROM, "saturation.server_busy_from", STR, saturation.server_busy_from, "",   \
      "", "Docker: what that share is read from")                                                  \
    X(SAT_SERVER_CPUS, "saturation.server_cpus", REAL, saturation.server_cpus, "CPUs", "",         \
      "the CPUs the server had (in Docker its CPU quota, which may be a fraction)")                \
    X(SAT_CLIENT_CORES, "saturation.client_cores", REAL, saturation.client_cores, "CPUs", "",      \
      "the load generator's CPU seconds per second")                                               \
    X(SAT_CLIENT_BUSY, "saturation.client_busy", REAL, saturation.client_busy, "share",            \
      "client_cpu_busy", "how busy the load generator's threads were")                             \
    X(SAT_CLIENT_THREADS, "saturation.client_threads", INT, saturation.client_threads, "threads",  \
      "", "its threads")                                                                           \
    X(SAT_BOTTLENECK, "saturation.bottleneck", STR, saturation.bottleneck, "", "bottleneck",       \
      "server, load generator, neither, unknown or fixed rate")                                    \
    X(SAT_HELD_BACK_BY, "saturation.held_back_by", STR, saturation.held_back_by, "", "",           \
      "neither: machine limit, latency-bound or stall, from the machine's CPU shares")             \
    X(SAT_LOAD_BOUND, "saturation.load_bound", BOOL, saturation.load_bound, "", "",                \
      "the generator limited the load")                                                            \
    X(SAT_THRESHOLD, "saturation.threshold", REAL, saturation.threshold, "share", "",              \
      "the share that counts as saturated")                                                        \
    X(SAT_CLIENT_CPU_US_PER_REQUEST, "saturation.client_cpu_us_per_request", REAL,                 \
      saturation.client_cpu_us_per_request, "µs", "", "the load generator's CPU per request")

#define IDLE_THREADS_FIELDS(X)                                                                     \
    X(IT, "idle_threads", GROUP, idle_threads.present, "", "",                                     \
      "the idle connections' threads' own counters (idle runs, a thread per connection)")          \
    X(IT_ERROR, "idle_threads.error", STR, idle_threads.error, "", "", "why they were not read")   \
    X(IT_THREADS, "idle_threads.threads", INT, idle_threads.threads, "threads", "",                \
      "idle threads read at both ends of the window")                                              \
    X(IT_BUSY_THREADS_LEFT_OUT, "idle_threads.busy_threads_left_out", INT,                         \
      idle_threads.busy_threads_left_out, "threads", "", "the busy connections' threads")          \
    X(IT_WINDOW_S, "idle_threads.window_s", REAL, idle_threads.window_s, "s", "",                  \
      "between the two readings")                                                                  \
    X(IT_SWITCHES, "idle_threads.switches", REAL, idle_threads.switches, "switches", "",           \
      "their switches in all")                                                                     \
    X(IT_CPU_S, "idle_threads.cpu_s", REAL, idle_threads.cpu_s, "s", "", "their CPU in all")       \
    X(IT_SWITCHES_PER_THREAD_PER_S, "idle_threads.switches_per_thread_per_s", REAL,                \
      idle_threads.switches_per_thread_per_s, "switches/s", "idle_thread_switches_per_s",          \
      "switches per idle thread per second")                                                       \
    X(IT_CPU_US_PER_THREAD_PER_S, "idle_threads.cpu_us_per_thread_per_s", REAL,                    \
      idle_threads.cpu_us_per_thread_per_s, "µs/s", "", "CPU per idle thread per second")          \
    X(IT_MOST_SWITCHES_ONE_THREAD, "idle_threads.most_switches_one_thread", REAL,                  \
      idle_threads.most_switches_one_thread, "switches", "", "the most any idle thread made")      \
    X(IT_BUSY_SWITCHES_PER_THREAD_PER_S, "idle_threads.busy_switches_per_thread_per_s", REAL,      \
      idle_threads.busy_switches_per_thread_per_s, "switches/s", "",                               \
      "the busy connections' threads, per thread per second")                                      \
    X(IT_TIMESLICES_PER_THREAD_PER_S, "idle_threads.timeslices_per_thread_per_s", REAL,            \
      idle_threads.timeslices_per_thread_per_s, "slices/s", "", "schedstat's timeslices")          \
    X(IT_RUN_US_PER_THREAD_PER_S, "idle_threads.run_us_per_thread_per_s", REAL,                    \
      idle_threads.run_us_per_thread_per_s, "µs/s", "", "schedstat's time on a CPU")               \
    X(IT_SCHEDSTAT, "idle_threads.schedstat", BOOL, idle_threads.schedstat, "", "",                \
      "whether schedstat was there")                                                               \
    X(IT_SOURCE, "idle_threads.source", STR, idle_threads.source, "", "", "where they are read")

/* One row per area of record.h's SCHED_AREAS: the share of the server's samples in it. */
#define SCHED_AREA_FIELD(X, id, key, meaning)                                                      \
    X(SCHED_AREA_##id, "scheduler.area_pct." key, REAL, scheduler.area_pct[SCHED_AREA_##id], "%",  \
      "", meaning)

/* Where the server's threads ran (cpu runs; run/placement.h). */
#define PLACEMENT_FIELDS(X)                                                                        \
    X(PLACEMENT, "placement", GROUP, placement.present, "", "",                                    \
      "where the server's threads (its children's too) ran in the window: "                        \
      "/proc/PID/task/TID/stat and schedstat a few times a second (cpu runs)")                     \
    X(PL_READINGS, "placement.readings", INT, placement.readings, "readings", "",                  \
      "readings of every thread")                                                                  \
    X(PL_WINDOW_S, "placement.window_s", REAL, placement.window_s, "s", "",                        \
      "from the first reading to the last")                                                        \
    X(PL_PROCESSES, "placement.processes", INT, placement.processes, "processes", "",              \
      "the server's processes (a process pool's workers are its children)")                        \
    X(PL_THREADS, "placement.threads", INT, placement.threads, "threads", "",                      \
      "threads that used CPU time in the window")                                                  \
    X(PL_CPUS_BUSY, "placement.cpus_busy", INT, placement.cpus_busy, "CPUs",                       \
      "placement_cpus_busy", "CPUs that carried at least 10% of its CPU time")                     \
    X(PL_BUSIEST_CPU_SHARE, "placement.busiest_cpu_share", REAL, placement.busiest_cpu_share,      \
      "share", "placement_busiest_cpu_share", "the share of its CPU time on its busiest CPU")      \
    X(PL_THREADS_MULTI_CPU, "placement.threads_multi_cpu", INT, placement.threads_multi_cpu,       \
      "threads", "placement_threads_multi_cpu", "threads seen using CPU on more than one CPU")     \
    X(PL_MIGRATIONS, "placement.migrations", INT, placement.migrations, "migrations", "",          \
      "its threads' moves from one CPU to another in the window")                                  \
    X(PL_MIGRATIONS_SOURCE, "placement.migrations_source", STR, placement.migrations_source, "",   \
      "", "se.nr_migrations of /proc/PID/task/TID/sched, or the readings' changes of CPU")         \
    X(PL_CPU_SHARES, "placement.cpu_shares", JSON, placement.cpu_shares, "", "",                   \
      "each CPU's share of its CPU time, CPU 0 first")

#define SCHEDULER_FIELDS(X)                                                                        \
    X(SCHED, "scheduler", GROUP, scheduler.present, "", "",                                        \
      "perf's cpu-clock samples of the server's CPUs (scale runs, where perf can)")                \
    X(SCHED_TOOL, "scheduler.tool", STR, scheduler.tool, "", "", "the perf command")               \
    X(SCHED_WINDOW_S, "scheduler.window_s", REAL, scheduler.window_s, "s", "", "how long it ran")  \
    X(SCHED_SAMPLES, "scheduler.samples", INT, scheduler.samples, "samples", "",                   \
      "samples of the server's CPUs")                                                              \
    X(SCHED_SERVER_SAMPLES, "scheduler.server_samples", INT, scheduler.server_samples, "samples",  \
      "", "those of the server's process")                                                         \
    X(SCHED_SERVER_SHARE_OF_CPUS, "scheduler.server_share_of_cpus", REAL,                          \
      scheduler.server_share_of_cpus, "share", "", "the server's share of its CPUs' samples")      \
    X(SCHED_SCHED_SHARE, "scheduler.sched_share", REAL, scheduler.sched_share, "share",            \
      "sched_cpu_share", "the scheduler's share of the server's samples")                          \
    X(SCHED_SWITCH_SHARE, "scheduler.switch_share", REAL, scheduler.switch_share, "share", "",     \
      "in a context switch")                                                                       \
    X(SCHED_WAKEUP_SHARE, "scheduler.wakeup_share", REAL, scheduler.wakeup_share, "share", "",     \
      "in a wake-up")                                                                              \
    SCHED_AREAS(SCHED_AREA_FIELD, X)                                                               \
    X(SCHED_TOP, "scheduler.top", JSON, scheduler.top, "", "",                                     \
      "the symbols with the most samples: [symbol, self share]")                                   \
    X(SCHED_ERROR, "scheduler.error", STR, scheduler.error, "", "", "why there are no figures")

#define WRAPPER_FIELDS(X)                                                                          \
    X(WRAP, "wrapper", GROUP, wrapper.present, "", "",                                             \
      "what perf stat, strace or callgrind counted over the server's life")                        \
    X(WRAP_TOOL, "wrapper.tool", STR, wrapper.tool, "", "wrapper", "perf, strace or callgrind")    \
    X(WRAP_ARGV, "wrapper.argv", JSON, wrapper.argv, "", "", "its command line")                   \
    X(WRAP_OUTPUT, "wrapper.output", STR, wrapper.output, "", "", "its output file")               \
    X(WRAP_ERROR, "wrapper.error", STR, wrapper.error, "", "", "why it counted nothing")           \
    X(WRAP_FILES, "wrapper.files", INT, wrapper.files, "files", "", "callgrind: files read")       \
    X(WRAP_COUNTS, "wrapper.counts", JSON, wrapper.counts, "", "",                                 \
      "its counts by name (system calls, or callgrind's events)")                                  \
    X(WRAP_SYSCALLS, "wrapper.syscalls", INT, wrapper.syscalls, "calls", "",                       \
      "system calls over the server's life")                                                       \
    X(WRAP_CONTEXT_SWITCHES, "wrapper.context_switches", INT, wrapper.context_switches,            \
      "switches", "", "context switches over its life")                                            \
    X(WRAP_INSTRUCTIONS, "wrapper.instructions", INT, wrapper.instructions, "instructions",        \
      "wrapper_instructions", "user-space instructions over its life")                             \
    X(WRAP_REQUESTS, "wrapper.requests", INT, wrapper.requests, "requests", "wrapper_requests",    \
      "requests it answered over its life")                                                        \
    X(WRAP_SYSCALLS_PER_REQUEST, "wrapper.syscalls_per_request", REAL,                             \
      wrapper.syscalls_per_request, "calls", "wrapper_syscalls_per_request",                       \
      "system calls per request")                                                                  \
    X(WRAP_CONTEXT_SWITCHES_PER_REQUEST, "wrapper.context_switches_per_request", REAL,             \
      wrapper.context_switches_per_request, "switches", "wrapper_context_switches_per_request",    \
      "context switches per request")                                                              \
    X(WRAP_INSTRUCTIONS_PER_REQUEST, "wrapper.instructions_per_request", REAL,                     \
      wrapper.instructions_per_request, "instructions", "",                                        \
      "instructions per request, start-up "                                                        \
      "included")                                                                                  \
    X(WRAP_PER_REQUEST, "wrapper.per_request", JSON, wrapper.per_request, "", "",                  \
      "each count per request")

#define CONTAINER_FIELDS(X, ID, KEY, M)                                                            \
    X(ID##_LIMITS, KEY ".limits", GROUP, M.limits.present, "", "", "the container's limits")       \
    X(ID##_LIMITS_CPUS, KEY ".limits.cpus", REAL, M.limits.cpus, "CPUs", "", "its CPU quota")      \
    X(ID##_LIMITS_MEMORY_BYTES, KEY ".limits.memory_bytes", REAL, M.limits.memory_bytes, "bytes",  \
      CSV_##ID##_MEMORY_LIMIT, "its memory limit")                                                 \
    X(ID##_LIMITS_PIDS, KEY ".limits.pids", REAL, M.limits.pids, "pids", CSV_##ID##_PIDS_LIMIT,    \
      "its pids limit")                                                                            \
    X(ID##_LIMITS_NOFILE, KEY ".limits.nofile", INT, M.limits.nofile, "descriptors", "",           \
      "its open-file limit")                                                                       \
    X(ID##_LIMITS_NETWORK_MODE, KEY ".limits.network_mode", STR, M.limits.network_mode, "", "",    \
      "bridge or host")                                                                            \
    X(ID##_STATE, KEY ".state", GROUP, M.state.present, "", "", "how the engine saw it end")       \
    X(ID##_STATE_OOM_KILLED, KEY ".state.oom_killed", BOOL, M.state.oom_killed, "",                \
      CSV_##ID##_OOM, "killed by the OOM killer (State.OOMKilled)")                                \
    X(ID##_STATE_EXIT_CODE, KEY ".state.exit_code", INT, M.state.exit_code, "", CSV_##ID##_EXIT,   \
      "its exit status")                                                                           \
    X(ID##_STATE_ERROR, KEY ".state.error", STR, M.state.error, "", "", "the engine's error")      \
    X(ID##_STATE_STARTED_AT, KEY ".state.started_at", STR, M.state.started_at, "", "",             \
      "when it started")                                                                           \
    X(ID##_STATE_FINISHED_AT, KEY ".state.finished_at", STR, M.state.finished_at, "", "",          \
      "when it ended")                                                                             \
    X(ID##_STATE_HEALTH, KEY ".state.health", STR, M.state.health, "", "", "its health status")    \
    X(ID##_STATE_HEALTH_CHECKS, KEY ".state.health_checks", INT, M.state.health_checks, "checks",  \
      "", "health checks run")                                                                     \
    X(ID##_STATE_HEALTH_PASSED, KEY ".state.health_passed", INT, M.state.health_passed, "checks",  \
      "", "health checks passed")

/* The CSV columns of the server container's figures (the load container's have none). */
#define CSV_DOCKER_SERVER_MEMORY_LIMIT "memory_limit_bytes"
#define CSV_DOCKER_SERVER_PIDS_LIMIT "pids_limit"
#define CSV_DOCKER_SERVER_OOM "oom_killed"
#define CSV_DOCKER_SERVER_EXIT "server_exit"
#define CSV_DOCKER_LOAD_MEMORY_LIMIT ""
#define CSV_DOCKER_LOAD_PIDS_LIMIT ""
#define CSV_DOCKER_LOAD_OOM ""
#define CSV_DOCKER_LOAD_EXIT ""

#define DOCKER_FIELDS(X)                                                                           \
    X(DOCKER, "docker", GROUP, docker.present, "", "",                                             \
      "a Docker run: the engine's view of both containers")                                        \
    X(DOCKER_SERVER, "docker.server", GROUP, docker.server.present, "", "",                        \
      "the server's container")                                                                    \
    CONTAINER_FIELDS(X, DOCKER_SERVER, "docker.server", docker.server)                             \
    X(DOCKER_SERVER_CGROUP, "docker.server.cgroup", GROUP, docker.server.cgroup.present, "", "",   \
      "its cgroup, sampled from the host")                                                         \
    X(DOCKER_SERVER_CGROUP_SAMPLES, "docker.server.cgroup.samples", INT,                           \
      docker.server.cgroup.samples, "samples", "", "samples taken")                                \
    X(DOCKER_SERVER_CGROUP_MEMORY_BASELINE_BYTES, "docker.server.cgroup.memory_baseline_bytes",    \
      REAL, docker.server.cgroup.memory_baseline_bytes, "bytes", "cgroup_memory_baseline_bytes",   \
      "memory before the load")                                                                    \
    X(DOCKER_SERVER_CGROUP_MEMORY_PEAK_BYTES, "docker.server.cgroup.memory_peak_bytes", REAL,      \
      docker.server.cgroup.memory_peak_bytes, "bytes", "cgroup_memory_peak_bytes",                 \
      "memory, the highest sample")                                                                \
    X(DOCKER_SERVER_CGROUP_MEMORY_PEAK_FROM, "docker.server.cgroup.memory_peak_from", STR,         \
      docker.server.cgroup.memory_peak_from, "", "",                                               \
      "after an OOM kill: the peak is the memory limit; null: the samples")                        \
    X(DOCKER_SERVER_CGROUP_MEMORY_LIMIT_HITS, "docker.server.cgroup.memory_limit_hits", REAL,      \
      docker.server.cgroup.memory_limit_hits, "events", "", "times it hit its memory limit")       \
    X(DOCKER_SERVER_CGROUP_OOM_KILLS, "docker.server.cgroup.oom_kills", REAL,                      \
      docker.server.cgroup.oom_kills, "kills", "", "OOM kills in the group")                       \
    X(DOCKER_SERVER_CGROUP_PIDS_BASELINE, "docker.server.cgroup.pids_baseline", REAL,              \
      docker.server.cgroup.pids_baseline, "pids", "", "tasks before the load")                     \
    X(DOCKER_SERVER_CGROUP_PIDS_PEAK, "docker.server.cgroup.pids_peak", REAL,                      \
      docker.server.cgroup.pids_peak, "pids", "pids_peak", "tasks, the highest sample")            \
    X(DOCKER_SERVER_CGROUP_PIDS_REFUSED, "docker.server.cgroup.pids_refused", REAL,                \
      docker.server.cgroup.pids_refused, "tasks", "pids_refused",                                  \
      "task creations the pids limit refused (pids.events)")                                       \
    X(DOCKER_SERVER_CGROUP_CONNECTIONS_PEAK, "docker.server.cgroup.connections_peak", REAL,        \
      docker.server.cgroup.connections_peak, "connections", "",                                    \
      "TCP connections established to its port, the highest sample")                               \
    X(DOCKER_SERVER_CGROUP_SERIES, "docker.server.cgroup.series", JSON,                            \
      docker.server.cgroup.series, "", "", "per sample: memory, pids, connections")                \
    X(DOCKER_SERVER_LOG_TAIL, "docker.server.log_tail", STR, docker.server.log_tail, "", "",       \
      "the end of its log")                                                                        \
    X(DOCKER_LOAD, "docker.load", GROUP, docker.load.present, "", "",                              \
      "the load generator's container")                                                            \
    X(DOCKER_LOAD_EXIT, "docker.load.exit", REAL, docker.load.exit, "", "", "its exit status")     \
    CONTAINER_FIELDS(X, DOCKER_LOAD, "docker.load", docker.load)

/* Every field of a run. */
#define RUN_FIELDS(X)                                                                              \
    X(ID, "id", STR, id, "", "id", "scenario, server, level and repetition")                       \
    X(SCENARIO, "scenario", STR, scenario, "", "scenario", "a row of the scenario table")          \
    X(MODEL, "model", STR, model, "", "model", "the server and its variant's arguments")           \
    X(MODE, "mode", STR, mode, "", "mode", "a row of the server table")                            \
    X(SERVER_ARGS, "server_args", JSON, server_args, "", "", "the variant's extra arguments")      \
    X(LEVEL, "level", INT, level, "", "level", "the charts' x value: connections, or idle ones")   \
    X(CONCURRENCY, "concurrency", INT, concurrency, "connections", "concurrency",                  \
      "busy connections")                                                                          \
    X(IDLE_CONNECTIONS, "idle_connections", INT, idle_connections, "connections",                  \
      "idle_connections", "silent keep-alive connections beside them")                             \
    X(RATE, "rate", REAL, rate, "requests/s", "", "open loop: the rate in all; null: closed loop") \
    X(PATH, "path", STR, path, "", "path", "the request's path")                                   \
    X(KEEPALIVE, "keepalive", BOOL, keepalive, "", "", "keep-alive connections")                   \
    X(SOURCE_ADDRESSES, "source_addresses", INT, source_addresses, "addresses", "",                \
      "local addresses connected from (0: the kernel's choice)")                                   \
    X(WARMUP_S, "warmup_s", REAL, warmup_s, "s", "", "warm-up, left out of the figures")           \
    X(DURATION_S, "duration_s", REAL, duration_s, "s", "", "the measured window")                  \
    X(RAMP_PER_S, "ramp_per_s", REAL, ramp_per_s, "connections/s", "",                             \
      "connections opened per second; null: at once")                                              \
    X(TOOL, "tool", STR, tool, "", "tool", "the load generator: c10k-load or wrk")                 \
    X(SERVER_ALL_CPUS, "server_all_cpus", BOOL, server_all_cpus, "", "",                           \
      "the server could use every CPU")                                                            \
    X(TIMEOUT_S, "timeout_s", REAL, timeout_s, "s", "", "a slower request is a client error")      \
    X(PIPELINE, "pipeline", INT, pipeline, "requests", "pipeline",                                 \
      "requests in flight per "                                                                    \
      "connection")                                                                                \
    X(REQUESTS_LIMIT, "requests_limit", INT, requests_limit, "requests", "",                       \
      "the load generator stops after this many; null: at the duration")                           \
    X(WRAP_NAME, "wrap", STR, wrap, "", "", "the wrapper the plan asked for")                      \
    X(REPETITION, "repetition", INT, repetition, "", "repetition", "1 to --repeat")                \
    X(STATUS, "status", STR, status, "", "status", "ok, errors, failed, skipped or interrupted")   \
    X(REASON, "reason", STR, reason, "", "reason", "why the status is not ok")                     \
    X(NOTES, "notes", JSON, notes, "", "", "remarks that change how to read the run")              \
    X(LIMIT, "limit", GROUP, limit.present, "", "", "the limit of this machine that stopped it")   \
    X(LIMIT_NAME, "limit.name", STR, limit.name, "", "", "e.g. kernel.pid_max")                    \
    X(LIMIT_HAVE, "limit.have", REAL, limit.have, "", "", "the limit, or what is left of it")      \
    X(LIMIT_NEED, "limit.need", REAL, limit.need, "", "", "what the run needs")                    \
    X(LIMIT_HOW, "limit.how", STR, limit.how, "", "", "how to raise it")                           \
    X(LOAD_BOUND, "load_bound", BOOL, load_bound, "", "load_bound",                                \
      "the load generator limited the load: compare by CPU per request")                           \
    SATURATION_FIELDS(X)                                                                           \
    IDLE_THREADS_FIELDS(X)                                                                         \
    PLACEMENT_FIELDS(X)                                                                            \
    SCHEDULER_FIELDS(X)                                                                            \
    WRAPPER_FIELDS(X)                                                                              \
    X(CLIENT_PROCESS, "client_process", GROUP, client_process.present, "", "",                     \
      "the load generator's process halfway through the window")                                   \
    X(CLIENT_PROCESS_T, "client_process.t", REAL, client_process.t, "s", "", "when")               \
    X(CLIENT_PROCESS_RSS_BYTES, "client_process.rss_bytes", INT, client_process.rss_bytes,         \
      "bytes", "", "its VmRSS")                                                                    \
    X(CLIENT_PROCESS_VSIZE_BYTES, "client_process.vsize_bytes", INT, client_process.vsize_bytes,   \
      "bytes", "", "its VmSize")                                                                   \
    X(CLIENT_PROCESS_FDS, "client_process.fds", INT, client_process.fds, "descriptors", "",        \
      "its open descriptors")                                                                      \
    X(CLIENT_PROCESS_THREADS, "client_process.threads", INT, client_process.threads, "threads",    \
      "", "its threads")                                                                           \
    SERVER_FIELDS(X)                                                                               \
    MACHINE_FIELDS(X)                                                                              \
    PER_CONNECTION_FIELDS(X)                                                                       \
    X(CONNTRACK_WAIT_S, "conntrack_wait_s", REAL, conntrack_wait_s, "s", "",                       \
      "how long it waited for the connection-tracking table to empty")                             \
    X(CLIENT_ARGV, "client_argv", JSON, client_argv, "", "", "the load generator's command line")  \
    CLIENT_FIELDS(X)                                                                               \
    X(ELAPSED_S, "elapsed_s", REAL, elapsed_s, "s", "", "the run's time, start to stop")           \
    X(STARTED_AT_S, "started_at_s", REAL, started_at_s, "s", "", "since the session began")        \
    X(EVENTS, "events", GROUP, events.present, "", "",                                             \
      "moments of the run, from when the "                                                         \
      "server was ready")                                                                          \
    X(EVENTS_CLIENT_START_S, "events.client_start_s", REAL, events.client_start_s, "s", "",        \
      "the load generator started")                                                                \
    X(EVENTS_MEASURE_START_S, "events.measure_start_s", REAL, events.measure_start_s, "s", "",     \
      "the measured window opened")                                                                \
    X(EVENTS_CLIENT_END_S, "events.client_end_s", REAL, events.client_end_s, "s", "",              \
      "the load generator ended")                                                                  \
    X(SAMPLES, "samples", JSON, samples, "", "",                                                   \
      "the 1 Hz samples as columns: t, RSS, threads, descriptors, CPUs, switches, kernel memory")  \
    X(LOGS, "logs", GROUP, logs.present, "", "", "the run's log files")                            \
    X(LOGS_SERVER, "logs.server", STR, logs.server, "", "", "the server's stderr")                 \
    X(LOGS_SERVER_STDOUT, "logs.server_stdout", STR, logs.server_stdout, "", "",                   \
      "the server's stdout")                                                                       \
    X(LOGS_CLIENT, "logs.client", STR, logs.client, "", "", "the load generator's results")        \
    DOCKER_FIELDS(X)                                                                               \
    X(HELD_CONNECTIONS, "held_connections", REAL, held_connections, "connections",                 \
      "held_connections", "Docker: the connections the server held at its peak")                   \
    X(ESTABLISHED_PEAK, "established_peak", REAL, established_peak, "connections", "",             \
      "Docker: TCP connections established, the highest sample")                                   \
    X(PROMETHEUS, "prometheus", JSON, prometheus, "", "",                                          \
      "Docker: Prometheus's range queries and their agreement with /stats")

/* Every field of a session besides its runs. */
#define SESSION_FIELDS(X)                                                                          \
    X(SCHEMA, "schema", STR, schema, "", "", "c10k-bench/1")                                       \
    X(TOOL, "tool", STR, tool, "", "", "c10k-bench")                                               \
    X(VERSION, "version", STR, version, "", "", "its version")                                     \
    X(PROFILE, "profile", STR, profile, "", "", "quick, default, full, perf, loadgen or docker")   \
    X(COMMAND, "command", JSON, command, "", "", "the command line")                               \
    X(STARTED_AT, "started_at", STR, started_at, "", "", "when it began")                          \
    X(MODES, "modes", JSON, modes, "", "", "the servers it ran")                                   \
    X(SCENARIOS, "scenarios", JSON, scenarios, "", "",                                             \
      "each scenario it ran: name, title, question, x_label, how")                                 \
    X(BASELINE_NGINX, "baseline_nginx", BOOL, baseline_nginx, "", "", "nginx ran beside them")     \
    X(ENVIRONMENT, "environment", JSON, environment, "", "",                                       \
      "kernel, CPUs, memory, limits, versions")                                                    \
    X(ENV_CPUS_ALLOWED, "environment.cpus_allowed", INT, cpus_allowed, "CPUs", "",                 \
      "the CPUs this session could use")                                                           \
    X(ENV_PYTHON, "environment.python", GROUP, python.present, "", "",                             \
      "the Python server's interpreter; null where no py-* server ran or it is missing")           \
    X(ENV_PYTHON_EXECUTABLE, "environment.python.executable", STR, python.executable, "", "",      \
      "its path (sys.executable)")                                                                 \
    X(ENV_PYTHON_VERSION, "environment.python.version", STR, python.version, "", "",               \
      "its implementation and version")                                                            \
    X(ENV_PYTHON_GIL, "environment.python.gil", BOOL, python.gil, "", "",                          \
      "the global lock is on (sys._is_gil_enabled() where it exists, else true)")                  \
    X(ENV_PYTHON_UVLOOP, "environment.python.uvloop", STR, python.uvloop, "", "",                  \
      "uvloop's version; null: not installed (the asyncio models run asyncio's own loop)")         \
    X(ENV_CLOCK_TICKS, "environment.clock_ticks", INT, clock_ticks, "ticks/s", "",                 \
      "the kernel's clock ticks per second: CPU times are counted in them")                        \
    X(ESTIMATE_S, "estimate_s", REAL, estimate_s, "s", "", "its estimated length")                 \
    X(PROGRAMS, "programs", JSON, programs, "", "", "the programs it ran")                         \
    X(FINISHED_AT, "finished_at", STR, finished_at, "", "", "when it ended")                       \
    X(INTERRUPTED, "interrupted", BOOL, interrupted, "", "", "Ctrl-C stopped it")                  \
    X(CALIBRATION, "calibration", GROUP, calibration.present, "", "",                              \
      "this machine's costs (the ctxswitch scenario)")                                             \
    X(CAL_CS, "calibration.context_switch", GROUP, calibration.context_switch.present, "", "",     \
      "two threads (processes) on one CPU passing a byte over pipes")                              \
    X(CAL_CS_CPU, "calibration.context_switch.cpu", INT, calibration.context_switch.cpu, "", "",   \
      "the CPU")                                                                                   \
    X(CAL_CS_ROUND_TRIPS, "calibration.context_switch.round_trips", INT,                           \
      calibration.context_switch.round_trips, "round trips", "", "per batch")                      \
    X(CAL_CS_BATCHES, "calibration.context_switch.batches", INT,                                   \
      calibration.context_switch.batches, "batches", "", "batches, the fastest kept")              \
    X(CAL_CS_THREAD_PAIR_NS, "calibration.context_switch.thread_pair_ns", REAL,                    \
      calibration.context_switch.thread_pair_ns, "ns", "", "a switch between threads")             \
    X(CAL_CS_PROCESS_PAIR_NS, "calibration.context_switch.process_pair_ns", REAL,                  \
      calibration.context_switch.process_pair_ns, "ns", "", "a switch between processes")          \
    X(CAL_CS_PIPE_SYSCALLS_NS, "calibration.context_switch.pipe_syscalls_ns", REAL,                \
      calibration.context_switch.pipe_syscalls_ns, "ns", "", "the pipe calls of one switch")       \
    X(CAL_CS_THREAD_PAIR_NET_NS, "calibration.context_switch.thread_pair_net_ns", REAL,            \
      calibration.context_switch.thread_pair_net_ns, "ns", "", "threads, net of the calls")        \
    X(CAL_CS_PROCESS_PAIR_NET_NS, "calibration.context_switch.process_pair_net_ns", REAL,          \
      calibration.context_switch.process_pair_net_ns, "ns", "", "processes, net of the calls")     \
    X(CAL_CS_SWITCHES_PER_ROUND_TRIP, "calibration.context_switch.switches_per_round_trip", REAL,  \
      calibration.context_switch.switches_per_round_trip, "switches", "", "2")                     \
    X(CAL_CS_SWITCH_COST_NS, "calibration.context_switch.switch_cost_ns", REAL,                    \
      calibration.context_switch.switch_cost_ns, "ns", "", "the direct cost of one switch")        \
    X(CAL_TC, "calibration.thread_create", GROUP, calibration.thread_create.present, "", "",       \
      "creating threads")                                                                          \
    X(CAL_TC_ITERATIONS, "calibration.thread_create.iterations", INT,                              \
      calibration.thread_create.iterations, "threads", "", "threads created")                      \
    X(CAL_TC_CREATE_JOIN_NS, "calibration.thread_create.create_join_ns", REAL,                     \
      calibration.thread_create.create_join_ns, "ns", "", "create and join one")                   \
    X(CAL_TC_CREATE_ALIVE_NS, "calibration.thread_create.create_alive_ns", REAL,                   \
      calibration.thread_create.create_alive_ns, "ns", "", "create one that stays, fresh stack")   \
    X(CAL_IT, "calibration.idle_thread", GROUP, calibration.idle_thread.present, "", "",           \
      "what an idle thread holds")                                                                 \
    X(CAL_IT_THREADS, "calibration.idle_thread.threads", INT, calibration.idle_thread.threads,     \
      "threads", "", "threads kept idle")                                                          \
    X(CAL_IT_STACK_SIZE_BYTES, "calibration.idle_thread.stack_size_bytes", INT,                    \
      calibration.idle_thread.stack_size_bytes, "bytes", "", "their stack size")                   \
    X(CAL_IT_RSS_BYTES, "calibration.idle_thread.rss_bytes", REAL,                                 \
      calibration.idle_thread.rss_bytes, "bytes", "", "resident memory per thread")                \
    X(CAL_IT_VSIZE_BYTES, "calibration.idle_thread.vsize_bytes", REAL,                             \
      calibration.idle_thread.vsize_bytes, "bytes", "", "virtual size per thread")                 \
    X(CAL_IT_KERNEL_STACK_BYTES, "calibration.idle_thread.kernel_stack_bytes", REAL,               \
      calibration.idle_thread.kernel_stack_bytes, "bytes", "", "kernel stack per thread")          \
    X(CAL_IT_PAGE_TABLES_BYTES, "calibration.idle_thread.page_tables_bytes", REAL,                 \
      calibration.idle_thread.page_tables_bytes, "bytes", "", "page tables per thread")            \
    X(CAL_IT_MAPPINGS, "calibration.idle_thread.mappings", REAL, calibration.idle_thread.mappings, \
      "mappings", "", "memory mappings per thread")                                                \
    X(CAL_IT_CREATE_ALIVE_NS, "calibration.idle_thread.create_alive_ns", REAL,                     \
      calibration.idle_thread.create_alive_ns, "ns", "", "creating each")                          \
    X(CAL_PC, "calibration.process_create", GROUP, calibration.process_create.present, "", "",     \
      "creating processes, beside threads")                                                        \
    X(CAL_PC_ITERATIONS, "calibration.process_create.iterations", INT,                             \
      calibration.process_create.iterations, "processes", "", "processes forked")                  \
    X(CAL_PC_FORK_WAIT_NS, "calibration.process_create.fork_wait_ns", REAL,                        \
      calibration.process_create.fork_wait_ns, "ns", "", "fork, _exit in the child and waitpid")   \
    X(CAL_IP, "calibration.idle_process", GROUP, calibration.idle_process.present, "", "",         \
      "what an idle forked process holds, beside an idle thread")                                  \
    X(CAL_IP_PROCESSES, "calibration.idle_process.processes", INT,                                 \
      calibration.idle_process.processes, "processes", "", "processes kept idle")                  \
    X(CAL_IP_RSS_BYTES, "calibration.idle_process.rss_bytes", REAL,                                \
      calibration.idle_process.rss_bytes, "bytes", "", "VmRSS per process (shared pages in each)") \
    X(CAL_IP_PSS_BYTES, "calibration.idle_process.pss_bytes", REAL,                                \
      calibration.idle_process.pss_bytes, "bytes", "", "PSS per process")                          \
    X(CAL_IP_USS_BYTES, "calibration.idle_process.uss_bytes", REAL,                                \
      calibration.idle_process.uss_bytes, "bytes", "", "private bytes per process (USS)")          \
    X(CAL_IP_KERNEL_STACK_BYTES, "calibration.idle_process.kernel_stack_bytes", REAL,              \
      calibration.idle_process.kernel_stack_bytes, "bytes", "", "kernel stack per process")        \
    X(CAL_IP_PAGE_TABLES_BYTES, "calibration.idle_process.page_tables_bytes", REAL,                \
      calibration.idle_process.page_tables_bytes, "bytes", "", "page tables per process")          \
    X(CAL_IP_CREATE_ALIVE_NS, "calibration.idle_process.create_alive_ns", REAL,                    \
      calibration.idle_process.create_alive_ns, "ns", "", "forking each")                          \
    X(CAL_AS, "calibration.address_space", GROUP, calibration.address_space.present, "", "",       \
      "threads created under RLIMIT_AS until pthread_create fails")                                \
    X(CAL_AS_LIMIT_BYTES, "calibration.address_space.limit_bytes", INT,                            \
      calibration.address_space.limit_bytes, "bytes", "", "the limit")                             \
    X(CAL_AS_DEFAULT_STACK_BYTES, "calibration.address_space.default_stack_bytes", INT,            \
      calibration.address_space.default_stack_bytes, "bytes", "", "the default stack")             \
    X(CAL_AS_THREADS_DEFAULT_STACK, "calibration.address_space.threads_default_stack", INT,        \
      calibration.address_space.threads_default_stack, "threads", "", "threads that fit")          \
    X(CAL_AS_DEFAULT_STACK_ERROR, "calibration.address_space.default_stack_error", STR,            \
      calibration.address_space.default_stack_error, "", "", "how creation failed")                \
    X(CAL_AS_SMALL_STACK_BYTES, "calibration.address_space.small_stack_bytes", INT,                \
      calibration.address_space.small_stack_bytes, "bytes", "", "a small stack")                   \
    X(CAL_AS_THREADS_SMALL_STACK, "calibration.address_space.threads_small_stack", INT,            \
      calibration.address_space.threads_small_stack, "threads", "", "threads that fit")            \
    X(CAL_AS_SMALL_STACK_ERROR, "calibration.address_space.small_stack_error", STR,                \
      calibration.address_space.small_stack_error, "", "", "how creation failed; null: the cap")   \
    X(CAL_AS_CAP, "calibration.address_space.cap", INT, calibration.address_space.cap, "threads",  \
      "", "where it stops counting")                                                               \
    X(CAL_AS_ERROR, "calibration.address_space_error", STR, calibration.address_space_error, "",   \
      "", "why the address-space limit was not measured")                                          \
    X(CAL_RING, "calibration.ring", JSON, calibration.ring, "", "",                                \
      "the 500-task pipe ring beside the published figures")                                       \
    X(CAL_PY, "calibration.python", GROUP, calibration.python.present, "", "",                     \
      "the Python server's interpreter: threads against processes (peers/python/calibrate.py, "    \
      "where a py-* server ran)")                                                                  \
    X(CAL_PY_VERSION, "calibration.python.version", STR, calibration.python.version, "", "",       \
      "the interpreter's version")                                                                 \
    X(CAL_PY_WORKERS, "calibration.python.workers", INT, calibration.python.workers, "workers",    \
      "", "the pools' workers at start-up")                                                        \
    X(CAL_PY_THREAD_START_US, "calibration.python.thread_start_us", REAL,                          \
      calibration.python.thread_start_us, "µs", "", "start and join a threading.Thread")           \
    X(CAL_PY_FORK_START_US, "calibration.python.fork_start_us", REAL,                              \
      calibration.python.fork_start_us, "µs", "", "start and join a process (fork)")               \
    X(CAL_PY_SPAWN_START_US, "calibration.python.spawn_start_us", REAL,                            \
      calibration.python.spawn_start_us, "µs", "", "start and join a process (spawn)")             \
    X(CAL_PY_THREAD_POOL_START_US, "calibration.python.thread_pool_start_us", REAL,                \
      calibration.python.thread_pool_start_us, "µs", "",                                           \
      "a ThreadPoolExecutor started (every worker ran a task) and shut down")                      \
    X(CAL_PY_PROCESS_POOL_START_US, "calibration.python.process_pool_start_us", REAL,              \
      calibration.python.process_pool_start_us, "µs", "",                                          \
      "the same of a ProcessPoolExecutor (fork)")                                                  \
    X(CAL_PY_THREAD_POOL_TASK_1KIB_US, "calibration.python.thread_pool_task_1kib_us", REAL,        \
      calibration.python.thread_pool_task_1kib_us, "µs", "",                                       \
      "a task's round trip through a ThreadPoolExecutor, 1 KiB argument and result")               \
    X(CAL_PY_PROCESS_POOL_TASK_1KIB_US, "calibration.python.process_pool_task_1kib_us", REAL,      \
      calibration.python.process_pool_task_1kib_us, "µs", "",                                      \
      "the same through a ProcessPoolExecutor (pickled both ways)")                                \
    X(CAL_PY_THREAD_POOL_TASK_1MIB_US, "calibration.python.thread_pool_task_1mib_us", REAL,        \
      calibration.python.thread_pool_task_1mib_us, "µs", "", "a ThreadPoolExecutor, 1 MiB")        \
    X(CAL_PY_PROCESS_POOL_TASK_1MIB_US, "calibration.python.process_pool_task_1mib_us", REAL,      \
      calibration.python.process_pool_task_1mib_us, "µs", "", "a ProcessPoolExecutor, 1 MiB")      \
    X(CAL_PY_PUBLISHED_THREAD_START_US, "calibration.python.published_thread_start_us", REAL,      \
      calibration.python.published_thread_start_us, "µs", "", "PEP 703's figure for a thread")     \
    X(CAL_PY_PUBLISHED_PROCESS_START_US, "calibration.python.published_process_start_us", REAL,    \
      calibration.python.published_process_start_us, "µs", "", "PEP 703's figure for a process")   \
    X(CAL_PY_ERROR, "calibration.python_error", STR, calibration.python_error, "", "",             \
      "why the interpreter was not calibrated")                                                    \
    X(REPEAT, "repeat", INT, repeat, "", "", "runs of the plan (--repeat)")                        \
    X(CODE_SIZE, "code_size", JSON, code_size, "", "", "each model's source file, in lines")       \
    X(SCHEDULER_PROFILE, "scheduler_profile", JSON, scheduler_profile, "", "",                     \
      "whether perf could sample the scheduler")                                                   \
    X(GENERATOR, "generator", STR, generator, "", "", "the closed-loop load generator")            \
    X(MEMORY_CGROUP, "memory_cgroup", JSON, memory_cgroup, "", "",                                 \
      "where the servers' kernel memory is read")                                                  \
    X(ELAPSED_S, "elapsed_s", REAL, elapsed_s, "s", "", "its length")                              \
    X(DOCKER, "docker", JSON, docker.rest, "", "",                                                 \
      "a Docker session: what docker/run.sh recorded")                                             \
    X(DOCKER_IMAGE, "docker.image", STR, docker.image, "", "", "the image")                        \
    X(DOCKER_IMAGE_BYTES, "docker.image_bytes", INT, docker.image_bytes, "bytes", "", "its size")  \
    X(DOCKER_ELAPSED_S, "docker.elapsed_s", REAL, docker.elapsed_s, "s", "", "the test's length")  \
    X(DOCKER_BUILD_S, "docker.build_s", REAL, docker.build_s, "s", "", "the image build's")        \
    X(DOCKER_LIMITS, "docker.limits", GROUP, docker.limits.present, "", "",                        \
      "the scenarios' "                                                                            \
      "limits")                                                                                    \
    X(DOCKER_LIMITS_CONSTRAINED_MEMORY, "docker.limits.constrained_memory", STR,                   \
      docker.limits.constrained_memory, "", "", "the constrained scenario's memory limit")         \
    X(DOCKER_LIMITS_CONSTRAINED_PIDS, "docker.limits.constrained_pids", INT,                       \
      docker.limits.constrained_pids, "pids", "", "its pids limit")                                \
    X(DOCKER_LIMITS_MEMORY_MEMORY, "docker.limits.memory_memory", STR,                             \
      docker.limits.memory_memory, "", "", "the memory scenario's memory limit")                   \
    X(DOCKER_LIMITS_MEMORY_PIDS, "docker.limits.memory_pids", INT, docker.limits.memory_pids,      \
      "pids", "", "its pids limit")                                                                \
    X(DOCKER_LIMITS_SERVER_SECCOMP, "docker.limits.server_seccomp", STR,                           \
      docker.limits.server_seccomp, "", "", "the server container's seccomp profile")              \
    X(CLAIMS, "claims", JSON, claims, "", "", "the claims, each judged")                           \
    X(SURPRISES, "surprises", JSON, surprises, "", "", "what a reader should not miss")            \
    X(HEADLINE, "headline", JSON, headline, "", "", "the headline figures, a line each")           \
    X(PERF, "perf", JSON, perf, "", "", "the perf profile's medians and ratios")

#endif
