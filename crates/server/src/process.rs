//! The standard `process_*` metrics (as Prometheus's own client libraries name them), read from `/proc` at each
//! scrape and written in the text format after the recorder's families: CPU seconds, resident and virtual memory,
//! threads, open and maximum file descriptors, start time. Linux only; elsewhere nothing is written.

/// Appends the process families to `out` (text exposition format).
pub fn render(out: &mut String) {
    #[cfg(target_os = "linux")]
    if let Some(p) = linux::read() {
        p.write(out);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = out;
}

/// One reading of the process.
#[derive(Debug, Clone, PartialEq)]
pub struct Process {
    pub cpu_seconds: f64,
    pub resident_bytes: u64,
    pub virtual_bytes: u64,
    pub threads: u64,
    pub open_fds: Option<u64>,
    pub max_fds: Option<u64>,
    pub start_time_seconds: f64,
}

impl Process {
    /// The families in the text format, each with HELP and TYPE.
    pub fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let mut family = |name: &str, kind: &str, help: &str, value: &dyn std::fmt::Display| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
        };
        family(
            "process_cpu_seconds_total",
            "counter",
            "Total user and system CPU time spent in seconds.",
            &self.cpu_seconds,
        );
        family(
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes.",
            &self.resident_bytes,
        );
        family(
            "process_virtual_memory_bytes",
            "gauge",
            "Virtual memory size in bytes.",
            &self.virtual_bytes,
        );
        family(
            "process_threads",
            "gauge",
            "Number of OS threads in the process.",
            &self.threads,
        );
        if let Some(n) = self.open_fds {
            family("process_open_fds", "gauge", "Number of open file descriptors.", &n);
        }
        if let Some(n) = self.max_fds {
            family(
                "process_max_fds",
                "gauge",
                "Maximum number of open file descriptors.",
                &n,
            );
        }
        family(
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since unix epoch in seconds.",
            &self.start_time_seconds,
        );
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::Process;

    pub fn read() -> Option<Process> {
        // SAFETY: sysconf only reads a configuration value.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        let ticks = if ticks > 0 { ticks as f64 } else { 100.0 };
        let stat = parse_stat(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let boot = boot_time(&std::fs::read_to_string("/proc/stat").ok()?)?;
        let kib = |key: &str| status_value(&status, key).map(|v| v * 1024);
        Some(Process {
            cpu_seconds: (stat.utime + stat.stime) as f64 / ticks,
            resident_bytes: kib("VmRSS:")?,
            virtual_bytes: kib("VmSize:")?,
            threads: status_value(&status, "Threads:")?,
            open_fds: std::fs::read_dir("/proc/self/fd").ok().map(|d| d.count() as u64),
            max_fds: std::fs::read_to_string("/proc/self/limits")
                .ok()
                .and_then(|l| max_open_files(&l)),
            start_time_seconds: boot as f64 + stat.start_ticks as f64 / ticks,
        })
    }

    #[derive(Debug, PartialEq, Eq)]
    pub struct Stat {
        pub utime: u64,
        pub stime: u64,
        pub start_ticks: u64,
    }

    /// `/proc/self/stat`: fields 14 (utime), 15 (stime) and 22 (starttime), counted after the command name in
    /// parentheses (which may itself hold spaces and parentheses).
    pub fn parse_stat(text: &str) -> Option<Stat> {
        let fields: Vec<&str> = text[text.rfind(')')? + 1..].split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3)?.parse().ok();
        Some(Stat {
            utime: field(14)?,
            stime: field(15)?,
            start_ticks: field(22)?,
        })
    }

    /// A number after `key` in `/proc/self/status` (`VmRSS:  1234 kB`).
    pub fn status_value(text: &str, key: &str) -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(key))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }

    /// `btime` of `/proc/stat`: the boot time in Unix seconds.
    pub fn boot_time(text: &str) -> Option<u64> {
        text.lines().find_map(|l| l.strip_prefix("btime "))?.trim().parse().ok()
    }

    /// The soft limit of `Max open files` in `/proc/self/limits`.
    pub fn max_open_files(text: &str) -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix("Max open files"))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn proc_files_are_read_by_their_fields() {
            let stat = "4242 (snit (flade) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 12345 \
                        1000000 500 18446744073709551615";
            assert_eq!(
                parse_stat(stat),
                Some(Stat {
                    utime: 250,
                    stime: 50,
                    start_ticks: 12345
                })
            );
            assert_eq!(parse_stat("garbage"), None);
            let status = "Name:\tsnitflade\nVmSize:\t  204800 kB\nVmRSS:\t   10240 kB\nThreads:\t9\n";
            assert_eq!(status_value(status, "VmRSS:"), Some(10240));
            assert_eq!(status_value(status, "Threads:"), Some(9));
            assert_eq!(status_value(status, "VmSwap:"), None);
            assert_eq!(
                boot_time("cpu 1 2 3\nbtime 1700000000\nprocesses 5\n"),
                Some(1_700_000_000)
            );
            let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                          Max open files            1048576              1048576              files\n";
            assert_eq!(max_open_files(limits), Some(1_048_576));
        }

        #[test]
        fn this_process_is_read_and_written_with_help_and_type() {
            let p = read().expect("this process's /proc");
            assert!(
                p.resident_bytes > 0 && p.threads >= 1 && p.open_fds.unwrap() >= 1,
                "{p:?}"
            );
            let now = jiff::Timestamp::now().as_second() as f64;
            assert!(p.start_time_seconds <= now + 1.0 && p.start_time_seconds > now - 86_400.0 * 365.0);
            let mut out = String::new();
            p.write(&mut out);
            for name in [
                "process_cpu_seconds_total",
                "process_resident_memory_bytes",
                "process_open_fds",
            ] {
                assert!(out.contains(&format!("# HELP {name} ")), "{out}");
                assert!(out.contains(&format!("# TYPE {name} ")), "{out}");
            }
        }
    }
}
