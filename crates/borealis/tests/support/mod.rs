//! Test support: real `borealis storage` processes on loopback ports chosen
//! at run time, killed (SIGKILL) and restarted at will, and cleaned up when
//! the test ends.

#![allow(dead_code)]

use borealis_volume_client::VolumeConfig;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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
        let addresses: Vec<SocketAddr> = (0..6).map(|_| free_address()).collect();
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
