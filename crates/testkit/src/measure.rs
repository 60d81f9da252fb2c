//! What the benchmarks print about a process, read from Linux's /proc: memory (the peak and the
//! resident set, in MiB) and CPU time (in seconds). A figure /proc does not give reads as 0.

/// A memory figure of this process from /proc/self/status (`VmHWM:`, `VmRSS:`), in MiB.
fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The peak resident set (VmHWM) since the process started or the last [`reset_peak`], in MiB.
pub fn peak_rss_mib() -> f64 {
    status_mib("VmHWM:")
}

/// The current resident set (VmRSS), in MiB.
pub fn rss_mib() -> f64 {
    status_mib("VmRSS:")
}

/// Resets VmHWM to the current RSS, so that the next reading is the peak of one phase.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// CPU time of the calling thread, from /proc/thread-self/schedstat: figures that hold on a
/// machine other processes load.
pub fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

/// CPU seconds (user + system, every thread) of process `pid` (`self`: this one), from
/// /proc/<pid>/stat, in clock ticks of 1/100 s (Linux's USER_HZ).
pub fn process_cpu(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the command name: state is field 3, utime 14, stime 15.
            let fields: Vec<&str> = s[s.rfind(')')? + 2..].split_whitespace().collect();
            let ticks = |field: usize| fields.get(field - 3)?.parse::<f64>().ok();
            Some((ticks(14)? + ticks(15)?) / 100.0)
        })
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_memory_and_cpu_time() {
        // Burn a little CPU so the thread's time is above zero.
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        assert!(rss_mib() > 0.0);
        assert!(peak_rss_mib() >= rss_mib());
        assert!(thread_cpu() > 0.0);
        assert!(process_cpu("self") >= 0.0);
    }
}
