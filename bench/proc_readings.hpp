// What the benchmarks read from /proc about themselves, the daemon they
// run and the machine: a process's CPU time and resident memory, the
// machine's busy time, load averages and CPU model, and the wait for a
// quiet machine before a measurement. Linux only; plain functions, any
// thread.
#pragma once

#include <map>
#include <string>

#include <sys/types.h>

namespace sb::bench {

/// CPU seconds of `pid`, all its threads (utime + stime); 0 if it is gone.
double process_cpu_s(pid_t pid);

/// CPU seconds of `pid`'s threads, summed by thread name (comm: CAF
/// names its threads caf.multiplexer, caf.clock, caf.actor; threads
/// nobody named carry the program's name); empty if it is gone.
std::map<std::string, double> thread_cpu_s(pid_t pid);

/// VmRSS of `pid` in KiB; 0 if it is gone.
long vm_rss_kib(pid_t pid);

/// The machine's busy CPU seconds since boot (user, nice, system, irq,
/// softirq; no steal, no iowait), all CPUs together.
double machine_busy_s();

/// The first line of `path` starting with `prefix` ("" if none).
std::string first_line(const std::string& path, const std::string& prefix = {});

/// /proc/loadavg's first three fields.
std::string load_avg();

/// The CPU model of /proc/cpuinfo ("?" if not found).
std::string cpu_model();

/// Waits up to `seconds` until the machine is idle (under 0.15 cores busy
/// over 2 s); says so on stderr, naming `who`, if it never was.
void wait_quiet(int seconds, const char* who);

} // namespace sb::bench
