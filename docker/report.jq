# Turns what docker/run.sh collected into results.json, in the shape c10k-bench's report reads
# (loadtest/report_template.html): one object per run with "client", "server",
# "per_connection" and "samples", plus "docker" (the engine's view of both containers).
# Input (jq -s): one object per run, built by c10k-docker-report from the run's files:
#   spec, server_inspect, load_inspect, load, before, after, stats (array), cgroup (TSV text)
# $docker: docker.json (the engine, the image, the network, the limits).

def nums: map(select(type == "number"));
def maxof: nums | if length == 0 then null else max end;
def median: nums | sort | if length == 0 then null else .[(length / 2 | floor)] end;
def delta($a; $b; $path): ($b | getpath($path)) as $y | ($a | getpath($path)) as $x
    | if ($x | type) == "number" and ($y | type) == "number" then $y - $x else null end;
def div($a; $b): if ($a | type) == "number" and ($b | type) == "number" and $b > 0
    then $a / $b else null end;
def mib: if type == "number" then (. / 1048576 * 10 | round / 10 | tostring) + " MiB"
    else "?" end;
def fmt: if type == "number" then (if . == (. | floor) then tostring
    else (. * 10 | round / 10 | tostring) end) else "?" end;

# c10k-bench's percentile list, read from c10k-load's [lo, hi, count] buckets.
def percentiles($buckets):
    if ($buckets | type) != "array" or ($buckets | length) == 0 then []
    else ($buckets | map(.[2]) | add) as $total
    | [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 99, 99.5, 99.9, 99.95, 99.99,
       99.999, 100]
    | map(. as $p | ([($p / 100 * $total | ceil), 1] | max) as $target
        | [$p, first(foreach $buckets[] as $b (0; . + $b[2]; [., $b])
                    | select(.[0] >= $target) | .[1][if $p == 0 then 0 else 1 end])])
    end;

def columns($points; $keys):
    reduce $keys[] as $k ({}; .[$k] = [$points[] | .[$k]]);

def client_of($load):
    if $load == null or $load.summary == null then null
    else $load.summary as $s | {
        tool: "c10k-load",
        requests: $s.requests, measured_s: $s.measured_s, requests_per_s: $s.requests_per_s,
        # Successful responses: the measured 2xx answers (c10k-load's status counts; refusals
        # sent before a request are non-2xx there and not in "requests").
        good_per_s: div([($s.status // {}) | to_entries[]
            | select((.key | tonumber) >= 200 and (.key | tonumber) < 300) | .value] | add // 0;
            $s.measured_s),
        total_requests: ($s.requests + $s.warmup_requests + ($s.idle.requests // 0)),
        warmup_requests: $s.warmup_requests, bytes_read: $s.bytes_read,
        errors: $s.errors, status_codes: $s.status,
        latency_us: $s.latency_us, latency_uncorrected_us: $s.latency_uncorrected_us,
        percentiles: percentiles($load.histograms.latency),
        percentiles_uncorrected: (if $load.histograms.latency_uncorrected
            then percentiles($load.histograms.latency_uncorrected) else null end),
        series: columns($load.timeseries // [];
            ["t", "requests_per_s", "p50_us", "p99_us", "max_us", "errors", "connections",
             "connects", "warmup"]),
        connections: $s.connections, idle: $s.idle, cpu: $s.cpu, run_s: $s.run_s
    } end;

# The TSV of docker/run.sh's sampler: t, memory, memory peak, memory limit hits, OOM kills,
# pids, pids limit hits, established TCP connections to the server's port ("-" where the
# cgroup has no such file).
def cgroup_of($tsv):
    ($tsv | split("\n") | map(select(length > 0) | split("\t")
        | map(if . == "-" then null else (tonumber? // null) end))) as $rows
    | if ($rows | length) == 0 then null else {
        samples: ($rows | length),
        memory_baseline_bytes: $rows[0][1],
        memory_peak_bytes: ([$rows[][1], $rows[][2]] | maxof),
        memory_limit_hits: ($rows | map(.[3]) | maxof),
        oom_kills: ($rows | map(.[4]) | maxof),
        pids_baseline: $rows[0][5],
        pids_peak: ($rows | map(.[5]) | maxof),
        pids_refused: ($rows | map(.[6]) | maxof),
        connections_peak: ($rows | map(.[7]) | maxof),
        series: {t: ($rows | map(.[0])), memory_bytes: ($rows | map(.[1])),
                 pids: ($rows | map(.[5])), connections: ($rows | map(.[7]))}
    } end;

def limits_of($inspect):
    if $inspect == null then null else $inspect.HostConfig as $h | {
        memory_bytes: (if ($h.Memory // 0) > 0 then $h.Memory else null end),
        pids: (if ($h.PidsLimit // 0) > 0 then $h.PidsLimit else null end),
        cpus: (if ($h.NanoCpus // 0) > 0 then $h.NanoCpus / 1e9 else null end),
        nofile: ([($h.Ulimits // [])[] | select(.Name == "nofile") | .Hard] | first // null),
        network_mode: $h.NetworkMode
    } end;

def state_of($inspect):
    if $inspect == null then null else $inspect.State | {
        exit_code: .ExitCode, oom_killed: .OOMKilled, error: (.Error // ""),
        started_at: .StartedAt, finished_at: .FinishedAt,
        health: (.Health.Status // null),
        health_checks: ([.Health.Log[]?] | length),
        health_passed: ([.Health.Log[]? | select(.ExitCode == 0)] | length)
    } end;

def server_of($before; $after; $stats; $client):
    if $before == null then null else
    ($after // ($stats | last) // $before) as $fin
    | (delta($before; $fin; ["requests", "total"]) // 0) as $all
    | ((delta($before; $fin; ["requests", "by_endpoint", "stats"]) // 0)) as $stats_reqs
    | ($all - $stats_reqs) as $reqs
    | ((delta($before; $fin; ["process", "cpu_user_s"]) // 0)
       + (delta($before; $fin; ["process", "cpu_system_s"]) // 0)) as $cpu
    | ((delta($before; $fin; ["process", "ctx_voluntary"]) // 0)
       + (delta($before; $fin; ["process", "ctx_involuntary"]) // 0)) as $ctx
    | delta($before; $fin; ["uptime_s"]) as $wall
    | {
        mode: $before.mode, version: $before.version,
        requests: $reqs, window_s: $wall,
        requests_per_s: div($reqs; $client.run_s // $wall),
        crosscheck: div($client.total_requests; $reqs),
        rss_baseline_bytes: $before.process.rss_bytes,
        rss_bytes: ([$stats[].process.rss_bytes] | median),
        rss_peak_bytes: ([$stats[].process.rss_bytes, $fin.process.peak_rss_bytes] | maxof),
        vsize_peak_bytes: ([$stats[].process.vsize_bytes] | maxof),
        threads_baseline: $before.process.threads,
        threads: ([$stats[].process.threads] | median),
        threads_peak: ([$stats[].process.threads, $fin.process.threads] | maxof),
        connections_peak: ([$stats[].connections.active] | maxof),
        fds_peak: ([$stats[].process.open_fds] | maxof),
        cpu_user_s: delta($before; $fin; ["process", "cpu_user_s"]),
        cpu_system_s: delta($before; $fin; ["process", "cpu_system_s"]),
        cpu_cores: div($cpu; $wall),
        cpu_us_per_request: div($cpu * 1e6; $reqs),
        ctx_voluntary: delta($before; $fin; ["process", "ctx_voluntary"]),
        ctx_involuntary: delta($before; $fin; ["process", "ctx_involuntary"]),
        ctx_per_s: div($ctx; $wall),
        ctx_per_request: div($ctx; $reqs),
        counters_from: (if $after then "stats-after" else "the last /stats sample" end),
        counters: {
            connections: (($fin.connections // {}) | with_entries(.value =
                delta($before; $fin; ["connections", .key]))),
            errors: (($fin.errors // {}) | with_entries(.value = delta($before; $fin; ["errors", .key]))),
            responses: (($fin.responses // {}) | with_entries(.value =
                delta($before; $fin; ["responses", .key])))
        }
    } end;

# The server's /stats, once a second, as the report's per-second columns.
def samples_of($stats):
    if ($stats | length) < 2 then null else
    [range(1; $stats | length) as $i | $stats[$i - 1] as $a | $stats[$i] as $b
        | ($b.t - $a.t) as $dt | {
            t: ($b.t * 10 | round / 10),
            rss_bytes: $b.process.rss_bytes, threads: $b.process.threads,
            connections: $b.connections.active,
            ctx_per_s: div((delta($a; $b; ["process", "ctx_voluntary"]) // 0)
                + (delta($a; $b; ["process", "ctx_involuntary"]) // 0); $dt),
            cpu_cores: div((delta($a; $b; ["process", "cpu_user_s"]) // 0)
                + (delta($a; $b; ["process", "cpu_system_s"]) // 0); $dt)
        }] as $pts
    | columns($pts; ["t", "rss_bytes", "threads", "connections", "ctx_per_s", "cpu_cores"])
    end;

# A run not made because the server refused its model (exit 2 and one line: no such model,
# or io_uring forbidden by the container's seccomp profile).
def skipped_run_of:
    . as $in
    | {
        id: $in.spec.id, scenario: $in.spec.scenario, model: $in.spec.model,
        mode: $in.spec.mode, level: $in.spec.level,
        concurrency: $in.spec.concurrency, idle_connections: $in.spec.idle_connections,
        path: "/plaintext", tool: "c10k-load", keepalive: true,
        status: "skipped", reason: $in.spec.skipped_reason, limit: null,
        held_connections: null, established_peak: null, client: null, server: null,
        per_connection: null, samples: null, docker: null
    };

def measured_run_of:
    . as $in
    | client_of($in.load) as $client
    | server_of($in.before; $in.after; $in.stats; $client) as $server
    | limits_of($in.server_inspect) as $slim
    | state_of($in.server_inspect) as $sstate
    # The kernel OOM-kills a container at its memory limit: when the engine says it did, the
    # peak was the limit, whatever the last sample before the kill read.
    | cgroup_of($in.cgroup) as $cg0
    | (if $cg0 != null and ($sstate.oom_killed // false) and $slim.memory_bytes != null
       then $cg0 + {memory_peak_bytes: ([$cg0.memory_peak_bytes, $slim.memory_bytes] | maxof),
                    memory_peak_from: "the memory limit (OOM kill)"}
       else $cg0 end) as $cg
    # What the server held: TCP connections established to its port (sampled from the host,
    # so also while the server cannot answer /stats), else its own /stats count.
    # In thread mode each held connection has a thread: the pids peak bounds what it held
    # (connections being refused are established too, until the 503 is sent).
    | ([$cg.connections_peak, $server.connections_peak] | nums | first // null) as $established
    | (if $in.spec.model == "thread" and ($cg.pids_peak | type) == "number" and $established != null
       then [$established, $cg.pids_peak - ($cg.pids_baseline // 0) + 1] | min
       else $established end) as $held
    | (($client.good_per_s // 0) * ($client.measured_s // 0) | round) as $answered
    | ($server.counters.connections.rejected // 0) as $rejected
    | ($cg.pids_refused // 0) as $pids_refused
    | ($sstate.oom_killed // false) as $oom
    | ($client.errors.total // 0) as $errors
    | ([
        (if $oom then "server killed by the OOM killer (engine: OOMKilled, exit "
            + ($sstate.exit_code | tostring) + ") under a " + ($slim.memory_bytes | mib)
            + " memory limit" else empty end),
        (if ($oom | not) and ($sstate.exit_code // 0) != 0 then "server exited with "
            + ($sstate.exit_code | tostring) else empty end),
        (if $pids_refused > 0 then "the pids limit (" + ($slim.pids | fmt) + ") refused "
            + ($pids_refused | fmt) + " thread creations" else empty end),
        (if $rejected > 0 then "the server answered 503 to " + ($rejected | fmt)
            + " connections" else empty end),
        # As c10k-bench does: errors on more than 0.1% of the requests make a run's status.
        (if $errors > 0 and $errors > 0.001 * ($answered + $errors) then "client errors: " + ($errors | fmt) + " ("
            + ($client.errors | to_entries | map(select(.key != "total" and .value > 0)
                | "\(.key) \(.value)") | join(", ")) + ")" else empty end),
        (if $client != null and $answered == 0 then "no request was answered with a 2xx in the measured time"
            + (if $in.spec.model == "pool" then " (the pool's "
                + ($in.before.pool.workers // $in.before.config.threads | fmt)
                + " workers were all busy)"
               else "" end) else empty end),
        (if $in.load == null then "no results from the load container (exit "
            + ($in.spec.load_exit | tostring) + ")" else empty end),
        (if $in.spec.healthy_before == false then "the server was not healthy before the load"
            else empty end)
      ]) as $reasons
    | {
        id: $in.spec.id, scenario: $in.spec.scenario, model: $in.spec.model,
        mode: $in.spec.mode, level: $in.spec.level,
        concurrency: $in.spec.concurrency, idle_connections: $in.spec.idle_connections,
        path: "/plaintext", tool: "c10k-load", keepalive: true,
        warmup: $in.spec.warmup, duration: $in.spec.duration, ramp_per_s: $in.spec.ramp_per_s,
        status: (if $client == null then "failed"
                 elif ($reasons | length) > 0 then "errors" else "ok" end),
        reason: (if ($reasons | length) > 0 then $reasons | join("; ") else null end),
        limit: (if $oom then {name: "memory", have: $slim.memory_bytes,
                    how: "the server container's memory limit (C10K_CONSTRAINED_MEMORY or C10K_SERVER_MEMORY)"}
                elif $pids_refused > 0 then {name: "pids", have: $slim.pids,
                    how: "the server container's pids limit (C10K_CONSTRAINED_PIDS or C10K_SERVER_PIDS)"}
                else null end),
        held_connections: $held,
        established_peak: $established,
        client: $client,
        server: (if $server then $server + {exit_code: $sstate.exit_code, oom_killed: $oom}
                 else null end),
        # Not for a server the OOM killer ended: the sample before the kill may be far from it.
        per_connection: (if ($held // 0) > 0 and $cg != null and $cg.memory_peak_bytes != null
                and ($oom | not) then {
                connections: $held,
                total_bytes: (($cg.memory_peak_bytes - $cg.memory_baseline_bytes) / $held),
                rss_bytes: (if $server then (($server.rss_peak_bytes // 0)
                    - ($server.rss_baseline_bytes // 0)) / $held else null end),
                pids: (if $cg.pids_peak then ($cg.pids_peak - ($cg.pids_baseline // 0)) / $held
                    else null end),
                source: "cgroup memory (user and kernel memory charged to the server container)"
            } else null end),
        samples: samples_of($in.stats),
        docker: {
            server: {limits: $slim, state: $sstate, cgroup: $cg,
                     log_tail: ($in.server_log | .[-1500:])},
            load: {limits: limits_of($in.load_inspect), state: state_of($in.load_inspect),
                   exit: $in.spec.load_exit}
        }
    };

def run_of: if .spec.skipped_reason then skipped_run_of else measured_run_of end;

def by_model($runs; $scenario):
    [$runs[] | select(.scenario == $scenario)] | group_by(.model) | map({key: .[0].model, value: .})
    | from_entries;

def scale_headline($runs):
    by_model([$runs[] | select(.status != "skipped")]; "scale") as $m
    | if ($m | length) == 0 then empty else
      ([$runs[] | select(.scenario == "scale") | .level] | max) as $top
      | "Scale (bridge network, server " + ($docker[0].limits.server_cpus) + " CPU): at "
        + ($top | tostring) + " connections "
        + ([$m | to_entries[] | .key as $model | (.value[] | select(.level == $top)) as $r
            | $model + " " + ($r.client.requests_per_s // 0 | round | tostring) + " req/s, p99 "
              + (($r.client.latency_us.p99 // 0) / 1000 | fmt) + " ms"] | join("; ")) + "."
      end;

def constrained_headlines($runs; $scenario; $title):
    by_model($runs; $scenario) | to_entries[] | .key as $model | .value as $rs
    | ($rs | map(select(.status == "ok")) | map(.level) | max // null) as $ok_top
    | ($rs | map(select(.status != "ok")) | first // null) as $bad
    | $title + ", " + $model + ": "
      + (if $ok_top then "held " + ($ok_top | tostring) + " connections cleanly"
         else "no level ran cleanly" end)
      + (if $bad then "; at " + ($bad.level | tostring) + ": " + ($bad.reason // $bad.status)
         else "" end)
      + "; peak " + ([$rs[].docker.server.cgroup.memory_peak_bytes] | maxof | mib)
      + " and " + ([$rs[].docker.server.cgroup.pids_peak] | maxof | fmt) + " pids"
      + (([$rs[] | .per_connection.total_bytes | select(. != null)] | last) as $pc
         | if $pc then ", " + ($pc / 1024 | fmt) + " KiB per connection" else "" end)
      + ".";

# The constrained scenario as claims, in the shape of c10k-bench's claims table.
def claims_of($runs):
    [$runs[] | select(.scenario == "constrained")] as $c
    | if ($c | length) == 0 then [] else
      ($docker[0].limits) as $l
      | ($c | map(select(.model == "thread")) | sort_by(.level)) as $t
      | ($c | map(select(.model == "loop")) | sort_by(.level)) as $lp
      | ($t | map(select(.status != "ok")) | first // null) as $tbad
      | ($t | map(select(.status == "ok")) | last // null) as $tok
      | ($lp | map(select(.status == "ok")) | last // null) as $lok
      | ([$t[].held_connections] | maxof) as $thold
      | [
        {id: "pids", claim: "A thread per connection stops at the container's pids limit",
         folklore: "Each thread is a task: a container's pids limit caps the connections a thread-per-connection server can hold.",
         measured: (if $tbad == null then
                "thread mode ran every level cleanly, up to " + ($t | last | .level | fmt)
                + " connections, under " + ($l.constrained_pids | fmt) + " pids"
            elif $tbad.server.oom_killed then
                "at " + ($tbad.level | fmt) + " connections the engine reports the server OOM-killed (exit "
                + ($tbad.docker.server.state.exit_code | fmt) + ") under " + $l.constrained_memory
                + ", before the pids limit (" + ($l.constrained_pids | fmt) + ") was reached"
            else
                "at " + ($tbad.level | fmt) + " connections thread mode held "
                + ($tbad.held_connections | fmt) + " (pids peak " + ($tbad.docker.server.cgroup.pids_peak | fmt)
                + " of " + ($l.constrained_pids | fmt) + "); " + ($tbad.reason // $tbad.status)
            end),
         verdict: (if $tbad == null then "not measured"
                   elif ($tbad.docker.server.cgroup.pids_refused // 0) > 0 then "holds"
                   else "partly" end),
         surprising: false,
         note: "Refusals: the cgroup's pids.events and the server's own counters (errors.thread_create, connections.rejected); kills: the engine's State.OOMKilled.",
         evidence: [$t[].id]},
        {id: "loop", claim: "An event loop holds the same connections in the same container",
         folklore: "An event loop needs a thread per core, not per connection, so it is bounded by descriptors and memory, not tasks.",
         measured: (if $lok == null then "the loop ran no level cleanly"
            else "loop mode held " + ($lok.held_connections | fmt) + " connections at level "
                + ($lok.level | fmt) + " with " + ($lok.docker.server.cgroup.pids_peak | fmt) + " pids and "
                + ($lok.docker.server.cgroup.memory_peak_bytes | mib) + " of memory at peak"
                + (if $thold then "; thread mode held at most " + ($thold | fmt) else "" end) end),
         verdict: (if $lok == null then "does not hold"
                   elif $tbad == null then "not measured"
                   elif ($lok.held_connections // 0) > ($thold // 0) then "holds" else "partly" end),
         surprising: false, note: null, evidence: [$lp[].id]},
        ((([$t[] | select(.status == "ok" and (.held_connections // 0) >= 100 and .per_connection != null)]
          | last) // ([$t[] | select((.held_connections // 0) >= 100 and .per_connection != null
              and (.server.oom_killed | not))] | last)) as $pc
         | {id: "stack", claim: "A thread costs tens of KiB of memory, not its 8 MiB stack",
            folklore: "Threads cost 8 MiB each.",
            measured: (if $pc == null then "no thread run held 100 connections or more"
                else ($pc.per_connection.total_bytes / 1024 | fmt) + " KiB per connection in thread mode at "
                    + ($pc.level | fmt) + " connections (the container's cgroup memory: user memory, kernel stacks, page tables)"
                    + (([$lp[] | select(.level == $pc.level) | .per_connection.total_bytes] | first // null) as $lpc
                       | if $lpc then "; loop mode " + ($lpc / 1024 | fmt) + " KiB" else "" end) end),
            verdict: (if $pc == null then "not measured"
                      elif $pc.per_connection.total_bytes < 1048576 then "holds" else "does not hold" end),
            surprising: ($pc != null and $pc.per_connection.total_bytes < 1048576),
            note: "The stack is reserved address space; only the pages a thread touches are charged to the container.",
            evidence: (if $pc then [$pc.id] else [] end)})
      ] end
    + ([$runs[] | select(.scenario == "memory")] as $m
      | if ($m | length) == 0 then [] else
        ($m | map(select(.model == "thread")) | sort_by(.level)) as $t
        | ($m | map(select(.model == "loop")) | sort_by(.level)) as $lp
        | ($t | map(select(.server.oom_killed)) | first // null) as $tkill
        | ($lp | map(select(.server.oom_killed)) | first // null) as $lkill
        | ($lp | map(select(.status == "ok")) | last // null) as $lok
        | [{id: "oom", claim: "Under a memory limit alone, thread-per-connection is OOM-killed where the loop holds",
            folklore: "Threads run out of memory long before an event loop does.",
            measured: ((if $tkill then "thread mode was OOM-killed at " + ($tkill.level | fmt)
                    + " connections (engine: OOMKilled, exit " + ($tkill.docker.server.state.exit_code | fmt) + ")"
                    + (([$t[] | select(.status == "ok") | .held_connections] | maxof) as $th
                       | if $th then " after holding " + ($th | fmt) + " at a lower level" else "" end)
                else "thread mode was not OOM-killed (up to " + ($t | last | .level // 0 | fmt) + " connections)" end)
                + (if $lkill then "; loop mode was OOM-killed at " + ($lkill.level | fmt)
                   elif $lok then "; loop mode held " + ($lok.held_connections | fmt) + " connections in "
                       + ($lok.docker.server.cgroup.memory_peak_bytes | mib) + " at peak"
                   else "; loop mode ran no level cleanly" end)
                + " under " + ($docker[0].limits.memory_memory // "?")),
            verdict: (if $tkill and ($lkill | not) and $lok then "holds"
                      elif $tkill | not then "does not hold" else "partly" end),
            surprising: ($tkill | not),
            note: "An OOM kill is the engine's record (State.OOMKilled), read after the run.",
            evidence: [$m[] | select(.model != "pool") | .id]}]
        end);

map(run_of) as $runs
| $docker[0] as $d
| {
    schema: "c10k-docker/1",
    tool: "docker/run.sh",
    profile: (if $d.quick then "docker --quick" else "docker" end),
    started_at: $d.started_at,
    elapsed_s: $d.elapsed_s,
    interrupted: false,
    environment: {
        kernel: $d.host_kernel, cpus_allowed: $d.host_cpus, cpu_model: $d.cpu_model,
        server_cpus: ("container, cpus=" + $d.limits.server_cpus),
        load_cpus: ("container, cpus=" + $d.limits.load_cpus),
        docker: {
            engine: $d.engine, compose: $d.compose_version, network: $d.network,
            network_mode: "bridge (a private network, internal: no route out)",
            image: $d.image, image_bytes: $d.image_bytes, image_build_s: $d.build_s,
            limits: $d.limits, command: $d.command
        }
    },
    programs: {
        c10k_server: ([$runs[].server.version | select(. != null)] | first // null),
        image: $d.image
    },
    scenarios: ([
        {name: "scale", title: "Docker: keep-alive /plaintext at rising concurrency",
         question: "How does each model do in a container, over a bridge network, under a CPU quota?",
         how: ("Server container: cpus=" + $d.limits.server_cpus + ", memory " + $d.limits.server_memory
               + ", " + ($d.limits.server_pids | tostring) + " pids. Load container (c10k-load, closed loop): cpus="
               + $d.limits.load_cpus + ". Memory is the cgroup's (user and kernel memory charged to the container)."),
         x_label: "busy connections"},
        {name: "constrained", title: ("Docker, constrained: " + $d.limits.constrained_memory + " and "
               + ($d.limits.constrained_pids | tostring) + " pids"),
         question: "The same connection ramp against each model in a small container: where is thread-per-connection refused or killed, and does the loop hold?",
         how: ("Server container limited to " + $d.limits.constrained_memory + " of memory (no swap) and "
               + ($d.limits.constrained_pids | tostring) + " pids; the load opens the level's connections (a few busy, the rest idle keep-alive) at a fixed rate, then measures. "
               + "Refusals come from the server's counters and the cgroup's pids.events; OOM kills from the engine (State.OOMKilled)."),
         x_label: "connections (busy + idle)"},
        {name: "memory", title: ("Docker, memory only: " + ($d.limits.memory_memory // "?") + " and "
               + ($d.limits.memory_pids // "?" | tostring) + " pids"),
         question: "The same ramp under a smaller memory limit and no tight pids limit: which model does the OOM killer take?",
         how: ("Server container limited to " + ($d.limits.memory_memory // "?") + " of memory (no swap) and "
               + ($d.limits.memory_pids // "?" | tostring) + " pids; the same load as the constrained scenario. "
               + "An OOM kill is read from the engine (State.OOMKilled, exit 137) and is a result of the run, not a failure of the test."),
         x_label: "connections (busy + idle)"}
      ] | map(. as $s | select(any($runs[]; .scenario == $s.name)))),
    headline: ([
        ("Image " + $d.image + ": " + ($d.image_bytes / 1e6 | round | tostring) + " MB; the Docker test took "
         + ($d.elapsed_s | round | tostring) + " s (image build " + ($d.build_s | round | tostring) + " s)."),
        scale_headline($runs),
        constrained_headlines($runs; "constrained"; "Constrained (" + $d.limits.constrained_memory
            + ", " + ($d.limits.constrained_pids | tostring) + " pids)"),
        constrained_headlines($runs; "memory"; "Memory (" + ($d.limits.memory_memory // "?")
            + ", " + ($d.limits.memory_pids // "?" | tostring) + " pids)")
    ]),
    surprises: [
        "Containers talk over a bridge (a veth pair each and the bridge): expect less throughput and more latency than loopback on the same machine.",
        "CPU limits are CFS quotas (cpus=N), not pinned cores: a server that uses its quota early in a 100 ms period waits for the next one, which shows in the tail latency.",
        ("The server container ran under " + (if $d.limits.server_seccomp then "the seccomp profile " + $d.limits.server_seccomp else "Docker's default seccomp profile (which, since Docker 25, forbids io_uring: a uring server then reports it and its runs are skipped)" end) + "."),
        "Memory per connection is the growth of the server container's cgroup memory, which includes kernel memory charged to it (thread kernel stacks, page tables; socket buffers only under cgroup v2), divided by the connections the server held."
    ],
    claims: claims_of($runs),
    calibration: null,
    docker: $d,
    runs: $runs
}
