//! A local cluster's directory: what lives where, and the two JSON files
//! the CLI shares with the supervisor.
//!
//! ```text
//! DIR/cluster.json        fixed on first start: PG count, ports, user
//! DIR/state.json          written by the running supervisor: every part
//! DIR/password            generated password (mode 0600), if none was given
//! DIR/serverless.json     capacity range and auto-pause (`borealis cluster modify`)
//! DIR/events.jsonl        control-plane events: each pause and resume
//! DIR/tls/                the endpoint's self-signed CA and certificate
//! DIR/spill/              queries' temporary files past work_mem (unlinked at once)
//! DIR/az-a/storage-0/     a storage replica's segments (2 per AZ: a, b, c)
//! DIR/control/NAME.stopped  a part stopped by `borealis stop`
//! DIR/logs/NAME.log       each child process's log
//! ```

use anyhow::Context;
use borealis_common::limits::REPLICAS_PER_PG;
use borealis_common::ReplicaId;
use serde::{Deserialize, Serialize};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

pub const CLUSTER_FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoragePart {
    pub name: String,
    pub az: String,
    pub address: SocketAddr,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClusterConfig {
    pub format_version: u32,
    pub pg_count: u32,
    pub storage: Vec<StoragePart>,
}

/// One part of the running cluster, as `borealis status` shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PartState {
    pub name: String,
    /// storage, writer, reader, proxy or control.
    pub role: String,
    pub az: Option<String>,
    pub pid: Option<u32>,
    pub address: String,
    /// running, stopped, starting or exited.
    pub state: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ClusterState {
    pub parts: Vec<PartState>,
}

pub struct Layout {
    pub root: PathBuf,
}

impl Layout {
    pub fn new(root: &Path) -> Layout {
        Layout {
            root: root.to_path_buf(),
        }
    }
    pub fn cluster_path(&self) -> PathBuf {
        self.root.join("cluster.json")
    }
    pub fn state_path(&self) -> PathBuf {
        self.root.join("state.json")
    }
    pub fn password_path(&self) -> PathBuf {
        self.root.join("password")
    }
    pub fn logs_dir(&self) -> PathBuf {
        self.root.join("logs")
    }
    pub fn control_dir(&self) -> PathBuf {
        self.root.join("control")
    }
    pub fn stop_marker(&self, part: &str) -> PathBuf {
        self.control_dir().join(format!("{part}.stopped"))
    }
    pub fn serverless_path(&self) -> PathBuf {
        self.root.join("serverless.json")
    }
    pub fn events_path(&self) -> PathBuf {
        self.root.join("events.jsonl")
    }
    pub fn tls_dir(&self) -> PathBuf {
        self.root.join("tls")
    }
    pub fn storage_dir(&self, part: &StoragePart) -> PathBuf {
        self.root.join(format!("az-{}", part.az)).join(&part.name)
    }

    /// Reads cluster.json, or creates it with free loopback ports.
    pub fn load_or_create(&self, pg_count: u32) -> anyhow::Result<ClusterConfig> {
        std::fs::create_dir_all(&self.root)
            .with_context(|| format!("create {}", self.root.display()))?;
        std::fs::create_dir_all(self.logs_dir())?;
        std::fs::create_dir_all(self.control_dir())?;
        if self.cluster_path().exists() {
            return self.load_config();
        }
        self.create_config(pg_count)
    }

    /// Reads cluster.json of an existing cluster.
    pub fn load_config(&self) -> anyhow::Result<ClusterConfig> {
        let path = self.cluster_path();
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))?;
        let config: ClusterConfig =
            serde_json::from_str(&text).with_context(|| format!("parse {}", path.display()))?;
        if config.format_version != CLUSTER_FORMAT_VERSION {
            anyhow::bail!(
                "{} has format version {}, this borealis reads {}",
                path.display(),
                config.format_version,
                CLUSTER_FORMAT_VERSION
            );
        }
        if config.storage.len() != REPLICAS_PER_PG {
            anyhow::bail!(
                "{} must list {REPLICAS_PER_PG} storage parts",
                path.display()
            );
        }
        Ok(config)
    }

    fn create_config(&self, pg_count: u32) -> anyhow::Result<ClusterConfig> {
        let path = self.cluster_path();
        let storage = ReplicaId::all()
            .zip(free_loopback_addresses(REPLICAS_PER_PG)?)
            .map(|(replica, address)| StoragePart {
                name: format!("storage-{}", replica.0),
                az: replica.az().name().to_string(),
                address,
            })
            .collect();
        let config = ClusterConfig {
            format_version: CLUSTER_FORMAT_VERSION,
            pg_count,
            storage,
        };
        write_atomically(&path, serde_json::to_string_pretty(&config)?.as_bytes())?;
        Ok(config)
    }

    pub fn load_state(&self) -> anyhow::Result<ClusterState> {
        let path = self.state_path();
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "no running cluster found at {} (read {})",
                self.root.display(),
                path.display()
            )
        })?;
        Ok(serde_json::from_str(&text)?)
    }

    pub fn write_state(&self, state: &ClusterState) -> anyhow::Result<()> {
        write_atomically(
            &self.state_path(),
            serde_json::to_string_pretty(state)?.as_bytes(),
        )
    }
}

/// `count` distinct loopback addresses with ports free right now. Every
/// listener is held until all are picked: binding and dropping one at a
/// time can hand out the same port twice (it did, to two replicas of one
/// cluster, which then could not both listen).
pub fn free_loopback_addresses(count: usize) -> anyhow::Result<Vec<SocketAddr>> {
    let listeners = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()?;
    let addresses = listeners
        .iter()
        .map(TcpListener::local_addr)
        .collect::<std::io::Result<Vec<_>>>()?;
    Ok(addresses)
}

pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, bytes).with_context(|| format!("write {}", temp.display()))?;
    std::fs::rename(&temp, path).with_context(|| format!("rename to {}", path.display()))?;
    Ok(())
}

/// Whether a process with this pid is alive.
pub fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}
