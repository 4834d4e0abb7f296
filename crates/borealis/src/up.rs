//! `borealis up`: a complete local cluster in the foreground.
//!
//! The supervisor starts six storage replicas as separate processes (two
//! per simulated AZ directory), restarts any that dies (unless stopped on
//! purpose with `borealis stop`), runs the writer compute and the
//! PostgreSQL endpoint in this process, and records every part in
//! `state.json` for `borealis status`. SIGINT or SIGTERM stops everything
//! cleanly; a restart on the same data directory keeps every committed row.

use crate::layout::{ClusterConfig, ClusterState, Layout, PartState, StoragePart};
use crate::storage_process::StorageProcess;
use anyhow::Context;
use std::path::PathBuf;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(clap::Args, Clone)]
pub struct UpArgs {
    /// Where the cluster keeps its data (created on first start).
    #[arg(long, default_value = "borealis-data")]
    pub data_dir: PathBuf,
    /// PostgreSQL endpoint port.
    #[arg(long, default_value_t = 5432)]
    pub port: u16,
    /// Address the PostgreSQL endpoint listens on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// The user clients log in as.
    #[arg(long, default_value = "postgres")]
    pub user: String,
    /// The user's password (else BOREALIS_PASSWORD, else generated on first
    /// start, printed once and kept in DATA_DIR/password with mode 0600).
    #[arg(long, env = "BOREALIS_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Protection groups in a new volume (key ranges split evenly by first
    /// key byte). One is right until PGs split by size: Aurora, too, starts
    /// a volume with one 10 GB protection group.
    #[arg(long, default_value_t = 1)]
    pub pg_count: u32,
    /// Client connections served at once; more get SQLSTATE 53300.
    #[arg(long, default_value_t = 100)]
    pub max_connections: usize,
}

/// A storage child process under supervision.
struct Supervised {
    part: StoragePart,
    child: Option<Child>,
    restarts: u32,
}

pub struct Supervisor {
    layout: Layout,
    config: ClusterConfig,
    parts: Vec<Supervised>,
    /// Parts that are not storage (the writer, the endpoint), for status.
    other_parts: Vec<PartState>,
}

impl Supervisor {
    fn spawn_storage(&self, part: &StoragePart) -> anyhow::Result<Child> {
        let log_path = self.layout.logs_dir().join(format!("{}.log", part.name));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .with_context(|| format!("open {}", log_path.display()))?;
        let peers: Vec<_> = self.config.storage.iter().map(|p| p.address).collect();
        let child = StorageProcess {
            data_dir: &self.layout.storage_dir(part),
            listen: part.address,
            peers: &peers,
            pg_count: self.config.pg_count,
            az: &part.az,
            log,
        }
        .command()?
        .spawn()
        .with_context(|| format!("start {}", part.name))?;
        tracing::info!(part = %part.name, pid = child.id(), address = %part.address, "storage replica started");
        Ok(child)
    }

    /// One pass: restart what died, stop what is marked stopped, start what
    /// was unmarked; then publish the state.
    fn reconcile(&mut self) -> anyhow::Result<()> {
        for index in 0..self.parts.len() {
            let stopped = self
                .layout
                .stop_marker(&self.parts[index].part.name)
                .exists();
            let supervised = &mut self.parts[index];
            if let Some(child) = supervised.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    if !stopped {
                        tracing::warn!(part = %supervised.part.name, %status, "storage replica exited; restarting");
                    }
                    supervised.child = None;
                } else if stopped {
                    let _ = child.kill();
                    let _ = child.wait();
                    supervised.child = None;
                }
            }
            if supervised.child.is_none() && !stopped {
                let part = supervised.part.clone();
                let child = self.spawn_storage(&part)?;
                let supervised = &mut self.parts[index];
                supervised.restarts += 1;
                supervised.child = Some(child);
            }
        }
        self.publish()
    }

    fn publish(&self) -> anyhow::Result<()> {
        let mut parts: Vec<PartState> = self
            .parts
            .iter()
            .map(|s| PartState {
                name: s.part.name.clone(),
                role: "storage".into(),
                az: Some(s.part.az.clone()),
                pid: s.child.as_ref().map(Child::id),
                address: s.part.address.to_string(),
                state: if s.child.is_some() {
                    "running"
                } else {
                    "stopped"
                }
                .into(),
            })
            .collect();
        parts.extend(self.other_parts.iter().cloned());
        self.layout.write_state(&ClusterState { parts })
    }

    fn shutdown(&mut self) {
        for supervised in &mut self.parts {
            if let Some(mut child) = supervised.child.take() {
                if let Ok(pid) = i32::try_from(child.id()) {
                    // SAFETY: signalling our own child.
                    unsafe {
                        libc::kill(pid, libc::SIGTERM);
                    }
                }
                let deadline = std::time::Instant::now() + Duration::from_secs(3);
                loop {
                    match child.try_wait() {
                        Ok(Some(_)) => break,
                        _ if std::time::Instant::now() > deadline => {
                            let _ = child.kill();
                            let _ = child.wait();
                            break;
                        }
                        _ => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            }
        }
        let _ = std::fs::remove_file(self.layout.state_path());
    }
}

fn resolve_password(args: &UpArgs, layout: &Layout) -> anyhow::Result<String> {
    if let Some(password) = &args.password {
        if password.is_empty() {
            anyhow::bail!("the password must not be empty");
        }
        return Ok(password.clone());
    }
    let path = layout.password_path();
    if let Ok(saved) = std::fs::read_to_string(&path) {
        return Ok(saved.trim().to_string());
    }
    let password = generate_password()?;
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("create {}", path.display()))?;
        writeln!(file, "{password}")?;
    }
    println!(
        "Generated password for user {:?}: {password}\n(kept in {}, mode 0600)",
        args.user,
        path.display()
    );
    Ok(password)
}

fn generate_password() -> anyhow::Result<String> {
    use std::io::Read;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

pub fn run(args: UpArgs) -> anyhow::Result<()> {
    let layout = Layout::new(&args.data_dir);
    let config = layout.load_or_create(args.pg_count)?;
    let password = resolve_password(&args, &layout)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // sqlparser and the engine recurse on nested expressions; debug
        // builds need more than tokio's default 2 MiB to reach their limits.
        .thread_stack_size(8 << 20)
        .enable_all()
        .build()?;
    let supervisor = Arc::new(Mutex::new(Supervisor {
        parts: config
            .storage
            .iter()
            .map(|part| Supervised {
                part: part.clone(),
                child: None,
                restarts: 0,
            })
            .collect(),
        other_parts: Vec::new(),
        layout,
        config: config.clone(),
    }));
    supervisor.lock().expect("supervisor lock").reconcile()?;
    // Children are spawned from one long-lived thread: PR_SET_PDEATHSIG
    // fires when the spawning *thread* exits, so no short-lived pool thread
    // may start a replica.
    let stop_supervising = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let supervisor = supervisor.clone();
        let stop = stop_supervising.clone();
        std::thread::Builder::new()
            .name("supervisor".into())
            .spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Acquire) {
                    std::thread::sleep(Duration::from_millis(200));
                    if let Err(error) = supervisor.lock().expect("supervisor lock").reconcile() {
                        tracing::error!(%error, "supervisor pass failed");
                    }
                }
            })?
    };
    let result = runtime.block_on(async {
        let compute = crate::compute::run_writer(&args, &config, &password, supervisor.clone());
        tokio::select! {
            result = compute => result,
            _ = shutdown_signal() => {
                println!("shutting down");
                Ok(())
            }
        }
    });
    stop_supervising.store(true, std::sync::atomic::Ordering::Release);
    let _ = watcher.join();
    supervisor.lock().expect("supervisor lock").shutdown();
    runtime.shutdown_timeout(Duration::from_secs(2));
    result
}

impl Supervisor {
    /// Records a non-storage part (writer, endpoint) for `borealis status`.
    pub fn add_part(&mut self, part: PartState) -> anyhow::Result<()> {
        self.other_parts.retain(|p| p.name != part.name);
        self.other_parts.push(part);
        self.publish()
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(signal) => signal,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
