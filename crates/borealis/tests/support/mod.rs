//! Test support: real `borealis storage` processes on loopback ports chosen
//! at run time, killed (SIGKILL) and restarted at will, and cleaned up when
//! the test ends.

#![allow(dead_code)]

use borealis_volume_client::VolumeConfig;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Logs of the test process itself, with BOREALIS_LOG=debug (or info...).
pub fn init_logging() {
    if let Ok(filter) = std::env::var("BOREALIS_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}

pub fn borealis_exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_borealis"))
}

pub fn free_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address")
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "borealis-test-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Six storage replica processes.
pub struct StorageCluster {
    pub dir: TempDir,
    pub addresses: Vec<SocketAddr>,
    pub pg_count: u32,
    children: Vec<Option<Child>>,
}

impl StorageCluster {
    pub fn start(pg_count: u32) -> StorageCluster {
        init_logging();
        // Six distinct ports: a port just released may be handed out again.
        let mut addresses: Vec<SocketAddr> = Vec::with_capacity(6);
        while addresses.len() < 6 {
            let address = free_address();
            if !addresses.contains(&address) {
                addresses.push(address);
            }
        }
        let mut cluster = StorageCluster {
            dir: TempDir::new("storage"),
            addresses,
            pg_count,
            children: (0..6).map(|_| None).collect(),
        };
        for replica in 0..6 {
            cluster.start_replica(replica);
        }
        cluster
    }

    pub fn volume_config(&self) -> VolumeConfig {
        let mut config = VolumeConfig::new(self.addresses.clone(), self.pg_count);
        config.request_timeout = Duration::from_millis(300);
        // Reads must reach the replicas in fault tests.
        config.cache_bytes = 0;
        config
    }

    pub fn start_replica(&mut self, replica: usize) {
        assert!(
            self.children[replica].is_none(),
            "replica {replica} is running"
        );
        let peers: Vec<String> = self.addresses.iter().map(|a| a.to_string()).collect();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.0.join(format!("storage-{replica}.log")))
            .expect("open log");
        let mut command = Command::new(borealis_exe());
        command
            .arg("storage")
            .arg("--data-dir")
            .arg(self.dir.0.join(format!("storage-{replica}")))
            .arg("--listen")
            .arg(self.addresses[replica].to_string())
            .arg("--peers")
            .arg(peers.join(","))
            .arg("--pg-count")
            .arg(self.pg_count.to_string())
            .arg("--gossip-interval-ms")
            .arg("50")
            .env("BOREALIS_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        // SAFETY: prctl before exec, so a replica never outlives its test.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        self.children[replica] = Some(command.spawn().expect("start borealis storage"));
    }

    /// kill -9.
    pub fn kill_replica(&mut self, replica: usize) {
        if let Some(mut child) = self.children[replica].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn log_of(&self, replica: usize) -> String {
        std::fs::read_to_string(self.dir.0.join(format!("storage-{replica}.log")))
            .unwrap_or_default()
    }
}

impl Drop for StorageCluster {
    fn drop(&mut self) {
        for replica in 0..6 {
            self.kill_replica(replica);
        }
    }
}

pub const PASSWORD: &str = "test-password";

/// tokio-postgres settings for the superuser of the cluster on `port`
/// (password `PASSWORD`); the caller adds SSL mode and other options.
/// psql (unaligned, tuples only, stop on error) as a login role.
pub fn psql_as(port: u16, user: &str, password: &str, sql: &str) -> Output {
    Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={port} user={user} dbname=postgres sslmode=require connect_timeout=5"
        ))
        .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .env("PGPASSWORD", password)
        .output()
        .expect("run psql")
}

/// A process's output as trimmed text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_string()
}

pub fn superuser_config(port: u16) -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::new();
    config
        .host("127.0.0.1")
        .port(port)
        .user("postgres")
        .password(PASSWORD)
        .dbname("postgres");
    config
}

/// Runs a tokio-postgres connection's I/O in the background until the
/// client is dropped, logging how it ended if with an error.
pub fn drive_connection<C>(connection: C)
where
    C: std::future::Future<Output = Result<(), tokio_postgres::Error>> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("connection ended: {e}");
        }
    });
}

/// `borealis up` as a child process (killed with the test), and psql against it.
pub struct UpCluster {
    child: Child,
    pub port: u16,
}

impl UpCluster {
    pub fn up(data_dir: &Path, port: u16) -> UpCluster {
        UpCluster::up_with(data_dir, port, &[])
    }

    /// `borealis up` with more flags (e.g. `--min-acu 0`).
    pub fn up_with(data_dir: &Path, port: u16, flags: &[&str]) -> UpCluster {
        let log = std::fs::File::create(data_dir.with_extension("up.log")).expect("log file");
        let mut command = Command::new(borealis_exe());
        command
            .arg("up")
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--port")
            .arg(port.to_string())
            .args(flags)
            .env("BOREALIS_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        // SAFETY: prctl before exec, so the cluster never outlives its test.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = command.spawn().expect("start borealis up");
        let cluster = UpCluster { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = cluster.psql_raw("select 1");
            if out.status.success() {
                return cluster;
            }
            assert!(
                Instant::now() < deadline,
                "borealis up did not answer: {}\n{}",
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(data_dir.with_extension("up.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn psql_raw(&self, sql: &str) -> Output {
        Command::new("psql")
            .arg(format!(
                "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=require connect_timeout=5",
                self.port
            ))
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .env("PGPASSWORD", PASSWORD)
            .output()
            .expect("run psql")
    }

    /// Runs a psql script (meta-commands allowed) from standard input.
    pub fn psql_script(&self, script: &str) -> String {
        use std::io::Write;
        let mut child = Command::new("psql")
            .arg(format!(
                "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=require connect_timeout=5",
                self.port
            ))
            .args(["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"])
            .env("PGPASSWORD", PASSWORD)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run psql");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("write script");
        let out = child.wait_with_output().expect("psql output");
        assert!(
            out.status.success(),
            "psql script failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn psql(&self, sql: &str) -> String {
        let out = self.psql_raw(sql);
        assert!(
            out.status.success(),
            "psql {sql:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Waits (up to a minute) until the cluster answers a query again, e.g.
    /// after its compute was killed and the supervisor started another.
    pub fn wait_until_serving(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.psql_raw("select 1").status.success() {
            assert!(Instant::now() < deadline, "the cluster stopped answering");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// SIGTERM and wait: a clean shutdown.
    pub fn stop(mut self) {
        // SAFETY: signalling our own child.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.child.try_wait().ok().flatten().is_none() {
            assert!(Instant::now() < deadline, "borealis up did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for UpCluster {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
