//! pgbench: initialize a scale, run one built-in script for a fixed time with
//! a per-transaction log (`--log`), and turn its output and logs into TPS and
//! latency percentiles computed here from every logged transaction.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::client::Target;
use crate::proc_util::run_captured;
use crate::run::Run;
use crate::stats::percentile;

pub struct Pgbench {
    pub exe: PathBuf,
    /// Client threads (-j) never exceed this (the machine's cores).
    pub max_threads: u32,
}

impl Pgbench {
    fn command(&self, target: &Target) -> Command {
        let mut cmd = Command::new(&self.exe);
        cmd.args([
            "-h",
            "127.0.0.1",
            "-p",
            &target.port.to_string(),
            "-U",
            "postgres",
        ]);
        cmd.envs(target.libpq_env());
        cmd
    }

    /// `pgbench -i -s scale` (client-side COPY, then VACUUM and primary keys);
    /// returns how long it took.
    pub fn init(&self, target: &Target, scale: u32, work_dir: &Path) -> Result<Duration> {
        let started = Instant::now();
        let mut cmd = self.command(target);
        cmd.args(["-i", "-q", "-s", &scale.to_string(), "postgres"]);
        let out = run_captured(
            &mut cmd,
            work_dir,
            &format!("init-{}-s{scale}", target.port),
            Duration::from_secs(3600),
        )?;
        if !out.success {
            bail!(
                "pgbench -i -s {scale} on port {} failed:\n{}",
                target.port,
                out.tail()
            );
        }
        Ok(started.elapsed())
    }

    /// One timed run. `vacuum` false adds -n (no VACUUM/TRUNCATE before it).
    /// Failures of the client become a Run carrying the error.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &self,
        target: &Target,
        script: &str,
        mode: &str,
        clients: u32,
        duration: Duration,
        vacuum: bool,
        work_dir: &Path,
        name: &str,
    ) -> Result<Run> {
        let log_dir = work_dir.join(format!("{name}-log"));
        fs::create_dir_all(&log_dir)?;
        let threads = clients.min(self.max_threads).max(1);
        let mut cmd = self.command(target);
        cmd.args(["-b", script, "-M", mode])
            .args(["-c", &clients.to_string(), "-j", &threads.to_string()])
            .args(["-T", &duration.as_secs().max(1).to_string()])
            .arg("--log")
            .arg(format!(
                "--log-prefix={}",
                log_dir.join("pgbench_log").display()
            ));
        if !vacuum {
            cmd.arg("-n");
        }
        cmd.arg("postgres");
        let out = run_captured(
            &mut cmd,
            work_dir,
            name,
            duration + Duration::from_secs(120),
        )?;
        let latencies = read_logs(&log_dir);
        // The logs can be large (one line per transaction): keep only the numbers.
        let _ = fs::remove_dir_all(&log_dir);
        if !out.success {
            return Ok(Run::failed(format!("pgbench failed: {}", out.tail())));
        }
        let Some(tps) = parse_tps(&out.stdout) else {
            return Ok(Run::failed(format!(
                "no tps in pgbench output: {}",
                out.tail()
            )));
        };
        let mut latencies = latencies?;
        latencies.ok.sort_by(f64::total_cmp);
        Ok(Run {
            tps,
            transactions: latencies.ok.len() as u64,
            failed: latencies.failed,
            p50_ms: percentile(&latencies.ok, 0.50),
            p99_ms: percentile(&latencies.ok, 0.99),
            error: None,
        })
    }
}

/// `tps = 1234.5 (without initial connection time)`.
fn parse_tps(stdout: &str) -> Option<f64> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

struct Latencies {
    ok: Vec<f64>,
    failed: u64,
}

/// Every per-transaction log of a run (one file per client thread). Line:
/// `client_id transaction_no time script_no time_epoch time_us`, where `time`
/// is the latency in µs or `failed`/`skipped`.
fn read_logs(dir: &Path) -> Result<Latencies> {
    let mut latencies = Latencies {
        ok: Vec::new(),
        failed: 0,
    };
    for entry in fs::read_dir(dir)? {
        let text = fs::read_to_string(entry?.path())?;
        parse_log(&text, &mut latencies);
    }
    Ok(latencies)
}

fn parse_log(text: &str, into: &mut Latencies) {
    for line in text.lines() {
        match line.split_whitespace().nth(2) {
            Some(field) => match field.parse::<f64>() {
                Ok(us) => into.ok.push(us / 1000.0),
                Err(_) => into.failed += 1,
            },
            None => continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tps_line() {
        let out = "latency average = 1.2 ms\ntps = 6543.210987 (without initial connection time)\n";
        assert_eq!(parse_tps(out), Some(6543.210987));
        assert_eq!(parse_tps("nothing"), None);
    }

    #[test]
    fn parses_transaction_log_lines() {
        let mut l = Latencies {
            ok: Vec::new(),
            failed: 0,
        };
        parse_log(
            "0 1 1500 0 1700000000 123\n1 1 failed 0 1700000000 456\n0 2 250 0 1700000001 7\n",
            &mut l,
        );
        assert_eq!(l.ok, vec![1.5, 0.25]);
        assert_eq!(l.failed, 1);
    }
}
