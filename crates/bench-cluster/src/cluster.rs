//! The Borealis side, through its CLI only: `borealis up` (six storage
//! replicas, the writer and the endpoint) on a fresh data dir and a loopback
//! port, `borealis status --json` for the pids of its parts, SIGTERM to stop.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::cleanup;
use crate::client::Target;
use crate::procfs;

pub struct Borealis {
    bin: PathBuf,
    pub data_dir: PathBuf,
    pub port: u16,
    password: String,
    /// Fixed capacity (`--min-acu` = `--max-acu`).
    acu: borealis_serverless::Acu,
    log: PathBuf,
    child: Mutex<Option<Child>>,
}

/// One part as `borealis status --json` lists it.
#[derive(Clone, Debug, Deserialize)]
pub struct Part {
    pub name: String,
    pub pid: Option<u32>,
    pub state: String,
}

#[derive(Deserialize)]
struct Status {
    parts: Vec<Part>,
}

impl Borealis {
    pub fn new(
        bin: &Path,
        data_dir: &Path,
        port: u16,
        password: &str,
        acu: borealis_serverless::Acu,
    ) -> Arc<Borealis> {
        Arc::new(Borealis {
            bin: bin.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
            port,
            password: password.to_string(),
            acu,
            log: data_dir.with_extension("log"),
            child: Mutex::new(None),
        })
    }

    pub fn target(&self) -> Target {
        Target {
            port: self.port,
            password: Some(self.password.clone()),
        }
    }

    /// Starts `borealis up` and returns the time from spawn to the first
    /// answered query (cold start), with the stop action registered; gives up
    /// (and stops it) after `limit`.
    pub fn start_within(
        self: &Arc<Self>,
        limit: Duration,
    ) -> Result<(Duration, cleanup::Registration)> {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let started = Instant::now();
        let child = Command::new(&self.bin)
            .arg("up")
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--password", &self.password])
            .args(["--min-acu", &self.acu.to_string()])
            .args(["--max-acu", &self.acu.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Its own process group: Ctrl-C at the terminal reaches the
            // harness, which then stops the cluster in order.
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {} up", self.bin.display()))?;
        *self.lock_child() = Some(child);
        let stopper = self.clone();
        let registration = cleanup::register(move || stopper.stop());
        match crate::client::wait_first_answer(&self.target(), started, limit) {
            Ok(cold_start) => Ok((cold_start, registration)),
            Err(e) => {
                registration.run();
                bail!("{e:#}\n{}:\n{}", self.log.display(), self.log_tail())
            }
        }
    }

    fn lock_child(&self) -> std::sync::MutexGuard<'_, Option<Child>> {
        self.child.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// The parts `borealis status --json` reports.
    pub fn parts(&self) -> Result<Vec<Part>> {
        let out = Command::new(&self.bin)
            .arg("status")
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--json")
            .output()
            .context("borealis status")?;
        if !out.status.success() {
            bail!(
                "borealis status failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let status: Status =
            serde_json::from_slice(&out.stdout).context("parse borealis status --json")?;
        Ok(status.parts)
    }

    /// Every running process with the names of the parts it hosts (parts
    /// sharing a process, such as the writer and the endpoint, are joined).
    pub fn processes(&self) -> Result<Vec<(String, u32)>> {
        let mut out: Vec<(String, u32)> = Vec::new();
        for part in self.parts()? {
            let Some(pid) = part.pid.filter(|_| part.state == "running") else {
                continue;
            };
            match out.iter_mut().find(|(_, p)| *p == pid) {
                Some((name, _)) => {
                    name.push('+');
                    name.push_str(&part.name);
                }
                None => out.push((part.name, pid)),
            }
        }
        if out.is_empty() {
            bail!("borealis status lists no running part");
        }
        Ok(out)
    }

    /// Bytes written to storage so far by every Borealis process.
    pub fn write_bytes(&self) -> Result<u64> {
        Ok(self
            .processes()?
            .iter()
            .filter_map(|(_, pid)| procfs::write_bytes(*pid))
            .sum())
    }

    /// SIGTERM to `borealis up` (it stops its parts), SIGKILL to its process
    /// group if it has not exited within 20 s.
    fn stop(&self) {
        let Some(mut child) = self.lock_child().take() else {
            return;
        };
        let pid = child.id() as libc::pid_t;
        // SAFETY: kill(2) with a pid we spawned and have not yet reaped.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => {
                    eprintln!(
                        "warning: borealis up did not stop on SIGTERM; killing its process group"
                    );
                    // SAFETY: the group we created with process_group(0).
                    unsafe { libc::kill(-pid, libc::SIGKILL) };
                    let _ = child.wait();
                    break;
                }
            }
        }
    }
}
