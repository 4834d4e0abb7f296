//! The cluster under test, through its CLI and HTTP APIs only: `borealis up`
//! with serverless flags, `borealis status --json` for the parts, and the
//! compute's admin `/status` for its capacity right now.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const PASSWORD: &str = "bench-serverless";

pub struct Cluster {
    bin: PathBuf,
    pub data_dir: PathBuf,
    pub port: u16,
    child: Child,
}

impl Cluster {
    /// Starts `borealis up` on a fresh data dir with `flags` and waits until
    /// `psql`-style connections work.
    pub fn start(bin: &Path, data_dir: &Path, flags: &[&str]) -> Result<Cluster> {
        let port = free_port()?;
        std::fs::create_dir_all(data_dir)?;
        let log = std::fs::File::create(data_dir.with_extension("log"))?;
        let mut command = Command::new(bin);
        command
            .arg("up")
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--port", &port.to_string(), "--password", PASSWORD])
            .args(flags)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        // SAFETY: prctl in the child before exec: the cluster dies with us.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = command.spawn().context("start borealis up")?;
        Ok(Cluster {
            bin: bin.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
            port,
            child,
        })
    }

    pub fn conninfo(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres password={PASSWORD} dbname=postgres",
            self.port
        )
    }

    /// The writer's state ("running", "paused", ...) and admin address.
    pub fn writer(&self) -> Result<(String, String)> {
        let out = Command::new(&self.bin)
            .args(["status", "--json", "--data-dir"])
            .arg(&self.data_dir)
            .output()?;
        if !out.status.success() {
            bail!("borealis status: {}", String::from_utf8_lossy(&out.stderr));
        }
        let status: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        let writer = status["parts"]
            .as_array()
            .and_then(|parts| parts.iter().find(|p| p["role"] == "writer"))
            .context("no writer part")?;
        Ok((
            writer["state"].as_str().unwrap_or_default().to_string(),
            writer["address"].as_str().unwrap_or_default().to_string(),
        ))
    }

    pub fn wait_for_writer(&self, state: &str, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok((current, admin)) = self.writer() {
                if current == state {
                    return Ok(admin);
                }
            }
            if Instant::now() > deadline {
                bail!("the writer did not become {state} within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop(mut self) {
        // SAFETY: signalling our own child.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// The compute's capacity now, from its admin API (`GET /status`).
pub async fn compute_capacity(admin: &str) -> Result<f64> {
    let mut stream = tokio::net::TcpStream::connect(admin).await?;
    let request = format!("GET /status HTTP/1.0\r\nHost: {admin}\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .context("no HTTP body")?;
    let status: serde_json::Value = serde_json::from_str(body)?;
    status["capacity"]
        .as_f64()
        .context("no capacity in /status")
}
