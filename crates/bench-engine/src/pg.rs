//! A scratch PostgreSQL 15 for the comparison: initdb in a temp dir, started on
//! a free loopback port, stopped and removed at the end, on error and on Ctrl-C.

use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};

/// Settings written into postgresql.conf (also recorded in the JSON).
pub const SETTINGS: &[(&str, &str)] = &[
    ("fsync", "on"),
    ("synchronous_commit", "on"),
    ("shared_buffers", "'128MB'"),
    ("shared_preload_libraries", "'pg_stat_statements'"),
    ("pg_stat_statements.max", "1000"),
    ("listen_addresses", "'127.0.0.1'"),
];

pub struct PgServer {
    bin: PathBuf,
    root: PathBuf,
    data: PathBuf,
    pub port: u16,
    as_postgres: bool,
    stopped: AtomicBool,
}

/// The running server, for the signal handler.
static GLOBAL: Mutex<Option<Arc<PgServer>>> = Mutex::new(None);

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

impl PgServer {
    /// initdb + pg_ctl start. PostgreSQL refuses to run as root, so as root every
    /// server command runs as the `postgres` OS user (runuser) on a dir it owns.
    pub fn start(bin: &Path) -> Result<Arc<PgServer>> {
        if !bin.join("postgres").exists() {
            bail!(
                "no PostgreSQL at {} (install postgresql-15, pass --pg-bin, or run with --no-pg)",
                bin.display()
            );
        }
        let as_postgres = fs::metadata("/proc/self")?.uid() == 0;
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
        let root = std::env::temp_dir().join(format!(
            "borealis-bench-pg-{}-{}",
            std::process::id(),
            nanos % 1_000_000_000
        ));
        fs::create_dir_all(&root)?;
        let server = Arc::new(PgServer {
            bin: bin.to_path_buf(),
            data: root.join("data"),
            root: root.clone(),
            port: free_port()?,
            as_postgres,
            stopped: AtomicBool::new(false),
        });
        // Registered before anything can fail, so cleanup always finds the dir.
        *GLOBAL.lock().unwrap_or_else(|p| p.into_inner()) = Some(server.clone());
        if as_postgres {
            run(Command::new("chown").arg("-R").arg("postgres:").arg(&root))?;
        }
        server.run_pg(
            "initdb",
            &[
                "-D",
                path_str(&server.data)?,
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
            .open(server.data.join("postgresql.conf"))?;
        writeln!(conf, "\n# borealis-bench-engine")?;
        for (k, v) in SETTINGS {
            writeln!(conf, "{k} = {v}")?;
        }
        writeln!(conf, "port = {}", server.port)?;
        writeln!(conf, "unix_socket_directories = '{}'", path_str(&root)?)?;
        drop(conf);
        let log = root.join("postgres.log");
        if let Err(e) = server.run_pg(
            "pg_ctl",
            &[
                "-D",
                path_str(&server.data)?,
                "-l",
                path_str(&log)?,
                "-w",
                "-t",
                "60",
                "start",
            ],
        ) {
            let tail = fs::read_to_string(&log).unwrap_or_default();
            bail!("{e:#}\npostgres.log:\n{tail}");
        }
        Ok(server)
    }

    fn run_pg(&self, tool: &str, args: &[&str]) -> Result<()> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args).current_dir(&self.root);
        run(&mut cmd)
    }

    pub fn conninfo(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }

    /// Stops the server (fast shutdown) and removes the temp dir; idempotent.
    pub fn stop(&self) {
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        if self.data.join("postmaster.pid").exists() {
            let data = self.data.to_string_lossy().into_owned();
            if let Err(e) = self.run_pg(
                "pg_ctl",
                &["-D", &data, "-m", "fast", "-w", "-t", "60", "stop"],
            ) {
                eprintln!("warning: pg_ctl stop: {e:#}");
                let _ = self.run_pg("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
            }
        }
        if let Err(e) = fs::remove_dir_all(&self.root) {
            eprintln!("warning: removing {}: {e}", self.root.display());
        }
    }
}

/// Stops the registered server, if any (signal handler and exit paths). Holds
/// the lock while stopping, so a second caller (an error exit racing Ctrl-C)
/// waits until the temp dir is gone instead of exiting before it.
pub fn stop_global() {
    let g = GLOBAL.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(s) = g.as_ref() {
        s.stop();
    }
}

/// Stops the server when dropped (normal exit, error return, panic unwind).
pub struct StopOnDrop;

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        stop_global();
    }
}

fn path_str(p: &Path) -> Result<&str> {
    p.to_str().context("non-UTF-8 temp path")
}

fn run(cmd: &mut Command) -> Result<()> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}
