//! What the benchmark reads from /proc: resident memory (RSS, and PSS, which
//! splits shared pages among the processes mapping them so sums are honest),
//! bytes each process caused to be written to storage, and the process tree.

use std::fs;

/// A `Key: value kB` field of a /proc status-style file, in KiB.
fn kib_field(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// Resident set size in KiB; None once the process is gone.
pub fn rss_kib(pid: u32) -> Option<u64> {
    kib_field(
        &fs::read_to_string(format!("/proc/{pid}/status")).ok()?,
        "VmRSS",
    )
}

/// Proportional set size in KiB (shared pages divided among their mappers).
pub fn pss_kib(pid: u32) -> Option<u64> {
    kib_field(
        &fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?,
        "Pss",
    )
}

/// `write_bytes` of /proc/PID/io: bytes this process (all its threads, and
/// the children it has reaped) caused to be sent to the storage layer.
pub fn write_bytes(pid: u32) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("write_bytes:"))
        .and_then(|v| v.trim().parse().ok())
}

/// The parent pid from /proc/PID/stat (field 4, after the parenthesized name,
/// which may itself contain spaces and parentheses).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// The live direct children of `parent`.
pub fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| parent_of(*pid) == Some(parent))
        .collect()
}

/// The command line with NULs as spaces (PostgreSQL rewrites its own to name
/// the process's role, e.g. `postgres: checkpointer`).
pub fn cmdline(pid: u32) -> String {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            String::from_utf8_lossy(&b)
                .replace('\0', " ")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

/// Total memory of the machine in KiB.
pub fn mem_total_kib() -> Option<u64> {
    kib_field(&fs::read_to_string("/proc/meminfo").ok()?, "MemTotal")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_process() {
        let me = std::process::id();
        assert!(rss_kib(me).is_some_and(|kib| kib > 0));
        assert!(write_bytes(me).is_some());
        assert!(parent_of(me).is_some_and(|p| p != me));
        assert!(children_of(parent_of(me).expect("parent")).contains(&me));
        assert!(!cmdline(me).is_empty());
    }

    #[test]
    fn parses_kib_fields() {
        let text = "Name:\tx\nVmRSS:\t  1234 kB\nPss:   99 kB\n";
        assert_eq!(kib_field(text, "VmRSS"), Some(1234));
        assert_eq!(kib_field(text, "Pss"), Some(99));
        assert_eq!(kib_field(text, "VmHWM"), None);
    }
}
