//! The PostgreSQL 15 side: initdb in a temp dir, postgresql.conf with fsync
//! and synchronous_commit on and shared_buffers equal to Borealis's cache,
//! started on a free loopback port as the `postgres` OS user when run as root
//! (PostgreSQL refuses root), and stopped at the end or on Ctrl-C.

use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::cleanup;
use crate::client::Target;
use crate::proc_util::run_checked;
use crate::procfs;

pub struct Postgres {
    bin: PathBuf,
    root: PathBuf,
    data: PathBuf,
    pub port: u16,
    as_postgres_user: bool,
    /// postgresql.conf settings this run added (recorded in the JSON).
    pub settings: Vec<(String, String)>,
}

impl Postgres {
    /// initdb under `root` (created; owned by `postgres` when running as root).
    pub fn init(bin: &Path, root: &Path, port: u16, shared_buffers_mib: u64) -> Result<Postgres> {
        if !bin.join("postgres").exists() {
            bail!(
                "no PostgreSQL server at {} (install postgresql-15 or pass --pg-bin)",
                bin.display()
            );
        }
        fs::create_dir_all(root)?;
        let as_postgres_user = fs::metadata("/proc/self")?.uid() == 0;
        if as_postgres_user {
            run_checked(Command::new("chown").arg("-R").arg("postgres:").arg(root))?;
        }
        let settings: Vec<(String, String)> = [
            ("fsync", "on".to_string()),
            ("synchronous_commit", "on".to_string()),
            ("full_page_writes", "on".to_string()),
            ("shared_buffers", format!("'{shared_buffers_mib}MB'")),
            ("listen_addresses", "'127.0.0.1'".to_string()),
            ("max_connections", "100".to_string()),
            ("port", port.to_string()),
            ("unix_socket_directories", format!("'{}'", root.display())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let pg = Postgres {
            bin: bin.to_path_buf(),
            root: root.to_path_buf(),
            data: root.join("data"),
            port,
            as_postgres_user,
            settings,
        };
        let data = path_str(&pg.data)?;
        pg.run_tool(
            "initdb",
            &[
                "-D",
                data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        )?;
        let mut conf = fs::OpenOptions::new()
            .append(true)
            .open(pg.data.join("postgresql.conf"))?;
        writeln!(conf, "\n# borealis-bench-cluster")?;
        for (k, v) in &pg.settings {
            writeln!(conf, "{k} = {v}")?;
        }
        Ok(pg)
    }

    pub fn target(&self) -> Target {
        Target {
            port: self.port,
            password: None,
        }
    }

    /// Starts the server and returns the time from `pg_ctl start` to the first
    /// answered query. Registers the stop action before starting.
    pub fn start(self: &std::sync::Arc<Self>) -> Result<(Duration, cleanup::Registration)> {
        let stopper = self.clone();
        let registration = cleanup::register(move || stopper.stop());
        let log = self.root.join("postgres.log");
        let started = Instant::now();
        // Without -w: pg_ctl returns once the postmaster is forked, and the
        // harness polls with a real query, as it does for Borealis.
        self.run_tool(
            "pg_ctl",
            &["-D", path_str(&self.data)?, "-l", path_str(&log)?, "start"],
        )?;
        match crate::client::wait_first_answer(&self.target(), started, Duration::from_secs(60)) {
            Ok(cold_start) => Ok((cold_start, registration)),
            Err(e) => {
                let tail = fs::read_to_string(&log).unwrap_or_default();
                registration.run();
                bail!("{e:#}\npostgres.log:\n{tail}")
            }
        }
    }

    /// The postmaster's pid, from postmaster.pid.
    pub fn postmaster_pid(&self) -> Option<u32> {
        let text = fs::read_to_string(self.data.join("postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// Every live server process with its role: `postmaster`, `backend` or
    /// the auxiliary process's own name (checkpointer, walwriter, ...).
    pub fn processes(&self) -> Vec<(String, u32)> {
        let Some(postmaster) = self.postmaster_pid() else {
            return Vec::new();
        };
        let mut out = vec![("postmaster".to_string(), postmaster)];
        for pid in procfs::children_of(postmaster) {
            out.push((role_of(&procfs::cmdline(pid)), pid));
        }
        out
    }

    /// Bytes written to storage by the whole server so far: the postmaster
    /// (whose counter includes the backends it has reaped) plus live children.
    pub fn write_bytes(&self) -> u64 {
        self.processes()
            .iter()
            .filter_map(|(_, pid)| procfs::write_bytes(*pid))
            .sum()
    }

    fn run_tool(&self, tool: &str, args: &[&str]) -> Result<()> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args).current_dir(&self.root);
        run_checked(&mut cmd)
    }

    /// Fast shutdown (immediate if that fails), then the temp dir goes.
    fn stop(&self) {
        if self.data.join("postmaster.pid").exists() {
            let data = self.data.to_string_lossy().into_owned();
            if let Err(e) = self.run_tool(
                "pg_ctl",
                &["-D", &data, "-m", "fast", "-w", "-t", "60", "stop"],
            ) {
                eprintln!("warning: pg_ctl stop: {e:#}");
                let _ = self.run_tool("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
            }
        }
        if let Err(e) = fs::remove_dir_all(&self.root) {
            eprintln!("warning: removing {}: {e}", self.root.display());
        }
    }
}

/// `postgres: checkpointer` -> `checkpointer`; a backend's title names its
/// user, database and client address -> `backend`.
fn role_of(cmdline: &str) -> String {
    match cmdline.strip_prefix("postgres: ") {
        Some(title) if title.contains('(') || title.starts_with("postgres postgres") => {
            "backend".to_string()
        }
        Some(title) => title.trim().to_string(),
        None => "postgres".to_string(),
    }
}

fn path_str(p: &Path) -> Result<&str> {
    p.to_str().context("non-UTF-8 temp path")
}

#[cfg(test)]
mod tests {
    use super::role_of;

    #[test]
    fn names_process_roles() {
        assert_eq!(role_of("postgres: checkpointer"), "checkpointer");
        assert_eq!(role_of("postgres: background writer"), "background writer");
        assert_eq!(
            role_of("postgres: postgres postgres 127.0.0.1(43210) idle"),
            "backend"
        );
        assert_eq!(
            role_of("/usr/lib/postgresql/15/bin/postgres -D x"),
            "postgres"
        );
    }
}
