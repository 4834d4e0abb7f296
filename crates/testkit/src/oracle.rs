//! The PostgreSQL 15 oracle: a throw-away server in a temp dir, on a free
//! loopback port, fsync off, trust authentication on loopback. PostgreSQL
//! refuses to run as root, so as root initdb and pg_ctl run as the
//! `postgres` OS user. Dropping the [`Oracle`] stops the server and removes
//! its directory, also after a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use tokio_postgres::Config;

use crate::db;
use crate::procs::{self, TempDir};

/// A running PostgreSQL server owned by this process.
pub struct Oracle {
    port: u16,
    bin_dir: PathBuf,
    data: PathBuf,
    as_postgres: bool,
    dir: TempDir,
}

impl Oracle {
    /// initdb + pg_ctl start with the binaries in `bin_dir`.
    pub async fn start(bin_dir: &Path) -> Result<Oracle> {
        let dir = TempDir::new("borealis-oracle").context("oracle temp dir")?;
        // SAFETY: geteuid has no preconditions.
        let as_postgres = unsafe { libc::geteuid() } == 0;
        if as_postgres {
            chown_to_postgres(dir.path())?;
        }
        let data = dir.path().join("data");
        let sock = dir.path().join("sock");
        std::fs::create_dir(&sock).context("socket dir")?;
        if as_postgres {
            chown_to_postgres(&sock)?;
        }
        let port = procs::free_port().context("free port")?;
        let oracle = Oracle {
            port,
            bin_dir: bin_dir.to_path_buf(),
            data: data.clone(),
            as_postgres,
            dir,
        };
        let initdb = oracle.run_pg_tool(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                "postgres",
                "--auth=trust",
                "--locale=C",
                "--encoding=UTF8",
                "--no-sync",
            ],
        )?;
        if !initdb.status.success() {
            bail!(
                "initdb failed: {}",
                String::from_utf8_lossy(&initdb.stderr).trim()
            );
        }
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c max_connections=50",
            sock.display()
        );
        let log = oracle.dir.path().join("postgres.log");
        let started = oracle.run_pg_tool(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-l",
                &log.to_string_lossy(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )?;
        if !started.status.success() {
            bail!(
                "pg_ctl start failed: {}\n{}",
                String::from_utf8_lossy(&started.stderr).trim(),
                procs::tail(&log, 20)
            );
        }
        db::wait_ready(&oracle.config("postgres"), Duration::from_secs(30))
            .await
            .map_err(|e| anyhow::anyhow!("oracle not ready: {e}"))?;
        Ok(oracle)
    }

    fn run_pg_tool(&self, tool: &str, args: &[&str]) -> Result<std::process::Output> {
        let program = self.bin_dir.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        cmd.args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.output()
            .with_context(|| format!("running {}", program.display()))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A client configuration for database `dbname`.
    pub fn config(&self, dbname: &str) -> Config {
        let mut config = Config::new();
        config
            .host("127.0.0.1")
            .port(self.port)
            .user("postgres")
            .dbname(dbname);
        config
    }

    /// A libpq connection string for database `dbname` (for psql).
    pub fn conninfo(&self, dbname: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname={dbname}",
            self.port
        )
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let data = self.data.to_string_lossy().to_string();
        let stopped = self
            .run_pg_tool("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"])
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !stopped {
            // Fall back to the postmaster's pid, by id.
            if let Ok(text) = std::fs::read_to_string(self.data.join("postmaster.pid")) {
                if let Some(pid) = text.lines().next().and_then(|l| l.trim().parse().ok()) {
                    procs::signal(pid, libc::SIGKILL);
                }
            }
        }
    }
}

fn chown_to_postgres(path: &Path) -> Result<()> {
    let id = |flag: &str| -> Result<u32> {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .context("id postgres")?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .context("no `postgres` OS user: is postgresql-15 installed?")
    };
    std::os::unix::fs::chown(path, Some(id("-u")?), Some(id("-g")?))
        .with_context(|| format!("chown {}", path.display()))
}
