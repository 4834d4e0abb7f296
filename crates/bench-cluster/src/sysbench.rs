//! sysbench 1.0 with its pgsql driver: prepare the sbtest table once per
//! system, then timed runs of oltp_point_select and oltp_read_write with
//! `--histogram=on`, from which p50 and p99 are computed here.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Result};

use crate::client::Target;
use crate::proc_util::run_captured;
use crate::run::Run;
use crate::stats::histogram_percentile;

pub struct Sysbench {
    pub exe: PathBuf,
    pub table_size: u64,
}

impl Sysbench {
    /// Finds sysbench and checks it was built with the pgsql driver; the error
    /// says what is missing.
    pub fn find() -> Result<PathBuf> {
        let out = Command::new("sysbench").arg("--help").output();
        let Ok(out) = out else {
            bail!("sysbench is not installed (Debian package sysbench)");
        };
        let help = String::from_utf8_lossy(&out.stdout);
        if !help.contains("pgsql - PostgreSQL driver") {
            bail!("this sysbench has no pgsql driver (sysbench --help lists no `pgsql`)");
        }
        Ok(PathBuf::from("sysbench"))
    }

    fn command(&self, target: &Target, test: &str) -> Command {
        let mut cmd = Command::new(&self.exe);
        cmd.arg(test)
            .args(["--db-driver=pgsql", "--pgsql-host=127.0.0.1"])
            .arg(format!("--pgsql-port={}", target.port))
            .args(["--pgsql-user=postgres", "--pgsql-db=postgres"])
            .arg("--tables=1")
            .arg(format!("--table-size={}", self.table_size))
            .envs(target.libpq_env());
        if let Some(password) = &target.password {
            cmd.arg(format!("--pgsql-password={password}"));
        }
        cmd
    }

    /// Creates and fills sbtest1 (shared by both tests).
    pub fn prepare(&self, target: &Target, work_dir: &Path) -> Result<()> {
        let mut cmd = self.command(target, "oltp_read_write");
        cmd.arg("prepare");
        let out = run_captured(
            &mut cmd,
            work_dir,
            &format!("sysbench-prepare-{}", target.port),
            Duration::from_secs(1800),
        )?;
        if !out.success || out.stdout.contains("FATAL") {
            bail!(
                "sysbench prepare on port {} failed:\n{}",
                target.port,
                out.tail()
            );
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &self,
        target: &Target,
        test: &str,
        ps_mode: &str,
        threads: u32,
        duration: Duration,
        work_dir: &Path,
        name: &str,
    ) -> Result<Run> {
        let mut cmd = self.command(target, test);
        cmd.arg(format!("--threads={threads}"))
            .arg(format!("--db-ps-mode={ps_mode}"))
            .arg(format!("--time={}", duration.as_secs().max(1)))
            .args(["--histogram=on", "--percentile=99", "run"]);
        let out = run_captured(
            &mut cmd,
            work_dir,
            name,
            duration + Duration::from_secs(120),
        )?;
        if !out.success || out.stdout.contains("FATAL") {
            return Ok(Run::failed(format!(
                "sysbench {test} failed: {}",
                out.tail()
            )));
        }
        let Some((transactions, tps)) = parse_transactions(&out.stdout) else {
            return Ok(Run::failed(format!(
                "no transactions line in sysbench output: {}",
                out.tail()
            )));
        };
        let histogram = parse_histogram(&out.stdout);
        Ok(Run {
            tps,
            transactions,
            failed: parse_ignored_errors(&out.stdout),
            p50_ms: histogram_percentile(&histogram, 0.50),
            p99_ms: histogram_percentile(&histogram, 0.99),
            error: None,
        })
    }
}

/// `    transactions:   12345  (1234.56 per sec.)` -> (12345, 1234.56).
fn parse_transactions(stdout: &str) -> Option<(u64, f64)> {
    let rest = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("transactions:"))?;
    let mut fields = rest.split_whitespace();
    let count = fields.next()?.parse().ok()?;
    let rate = fields.next()?.trim_start_matches('(').parse().ok()?;
    Some((count, rate))
}

/// `    ignored errors:   3  (0.30 per sec.)` (deadlocks and the like, retried).
fn parse_ignored_errors(stdout: &str) -> u64 {
    stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("ignored errors:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The latency histogram: lines `   0.095 |****    1234` (ms, count).
fn parse_histogram(stdout: &str) -> Vec<(f64, u64)> {
    stdout
        .lines()
        .filter_map(|line| {
            let (value, rest) = line.split_once('|')?;
            let value = value.trim().parse::<f64>().ok()?;
            let count = rest.trim_start_matches('*').trim().parse::<u64>().ok()?;
            Some((value, count))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
Latency histogram (values are in milliseconds)
       value  ------------- distribution ------------- count
       0.050 |****************************************  60
       0.100 |**********************                    30
       9.000 |*******                                   10

SQL statistics:
    transactions:                        100    (9.99 per sec.)
    ignored errors:                      2      (0.20 per sec.)
";

    #[test]
    fn parses_run_output() {
        assert_eq!(parse_transactions(OUTPUT), Some((100, 9.99)));
        assert_eq!(parse_ignored_errors(OUTPUT), 2);
        let h = parse_histogram(OUTPUT);
        assert_eq!(h, vec![(0.05, 60), (0.1, 30), (9.0, 10)]);
        assert_eq!(histogram_percentile(&h, 0.5), Some(0.05));
        assert_eq!(histogram_percentile(&h, 0.99), Some(9.0));
    }
}
