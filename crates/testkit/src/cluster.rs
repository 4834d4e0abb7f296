//! A Borealis cluster under test: `borealis up` on a fresh data dir and a
//! free loopback port, in its own process group. Dropping the [`Cluster`]
//! sends SIGTERM (which stops every part), kills the group if it lingers, and
//! removes the data dir. [`Cluster::restart`] gets out of a hung statement
//! without losing the data.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use tokio_postgres::Config;

use crate::db;
use crate::procs::{self, TempDir};

/// The password the harness gives its clusters.
pub const PASSWORD: &str = "conformance";

pub struct Cluster {
    bin: PathBuf,
    port: u16,
    child: Child,
    dir: TempDir,
}

impl Cluster {
    /// Starts `bin up` and waits until it answers `SELECT 1`.
    pub async fn start(bin: &Path) -> Result<Cluster> {
        let dir = TempDir::new("borealis-cluster").context("cluster temp dir")?;
        let (port, child) = spawn(bin, dir.path())?;
        let mut cluster = Cluster {
            bin: bin.to_path_buf(),
            port,
            child,
            dir,
        };
        cluster.wait_ready().await?;
        Ok(cluster)
    }

    /// Stops the cluster and starts it again on the same data dir (every
    /// committed row kept), on a new port: the way out of a hung statement.
    pub async fn restart(&mut self) -> Result<()> {
        // A hung statement need not finish: every committed row is durable.
        procs::terminate(&mut self.child, Duration::from_millis(300));
        let (port, child) = spawn(&self.bin, self.dir.path())?;
        self.port = port;
        self.child = child;
        self.wait_ready().await
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let ready = db::wait_ready(&self.config("postgres"), Duration::from_secs(60)).await;
        if let Err(e) = ready {
            let exited = self.child.try_wait().ok().flatten();
            let log = procs::tail(&self.dir.path().join("up.log"), 20);
            bail!("borealis up not ready ({e}; exit: {exited:?}):\n{log}");
        }
        Ok(())
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn config(&self, dbname: &str) -> Config {
        config_for(self.port, dbname)
    }

    pub fn conninfo(&self, dbname: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname={dbname} password={PASSWORD}",
            self.port
        )
    }
}

/// A client configuration for a cluster started by this harness.
pub fn config_for(port: u16, dbname: &str) -> Config {
    let mut config = Config::new();
    config
        .host("127.0.0.1")
        .port(port)
        .user("postgres")
        .password(PASSWORD)
        .dbname(dbname);
    config
}

/// `bin up` on `dir/data`, logging to `dir/up.log`, on a free port.
fn spawn(bin: &Path, dir: &Path) -> Result<(u16, Child)> {
    let port = procs::free_port().context("free port")?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("up.log"))
        .context("cluster log")?;
    let log_err = log.try_clone().context("cluster log")?;
    let child = Command::new(bin)
        .arg("up")
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--password", PASSWORD])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .process_group(0)
        .spawn()
        .with_context(|| format!("starting {} up", bin.display()))?;
    Ok((port, child))
}

impl Drop for Cluster {
    fn drop(&mut self) {
        procs::terminate(&mut self.child, Duration::from_secs(10));
    }
}
