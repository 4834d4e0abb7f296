//! `borealis up`: a complete local cluster in the foreground.
//!
//! The supervisor starts six storage replicas as separate processes (two
//! per simulated AZ directory) and the writer compute as another
//! (`borealis compute`, [`crate::compute_supervisor`]), restarts any that
//! dies (unless stopped on purpose with `borealis stop`), and records every
//! part in `state.json` for `borealis status`. This process owns the
//! cluster endpoint's listening socket and hands it to each compute it
//! starts (socket activation, [`crate::compute_process`]): a paused compute
//! is woken by the next connection. SIGINT or SIGTERM stops everything
//! cleanly; a restart on the same data directory keeps every committed row.

use crate::compute_supervisor::{
    watch_for_connections, ComputeLaunch, ComputeSlot, SupervisorEvent,
};
use crate::layout::{ClusterConfig, ClusterState, Layout, PartState, StoragePart};
use crate::storage_process::StorageProcess;
use anyhow::Context;
use std::path::PathBuf;
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    /// key byte). One is right: PGs split by size (`--pg-split-bytes`), as
    /// Aurora starts a volume with one protection group.
    #[arg(long, default_value_t = 1)]
    pub pg_count: u32,
    /// Split a protection group once its live data passes this many bytes
    /// (Aurora: 10 GB); 0 never splits.
    #[arg(long, default_value_t = 10 << 30)]
    pub pg_split_bytes: u64,
    /// A fixed limit of client connections (more get SQLSTATE 53300).
    /// Without it the limit follows the compute's capacity, as on Aurora.
    #[arg(long)]
    pub max_connections: Option<u32>,
    /// Lowest capacity in ACUs (0 to 256 in steps of 0.5; 0 enables
    /// auto-pause). Kept in DATA_DIR/serverless.json; default 0.5.
    #[arg(long)]
    pub min_acu: Option<String>,
    /// Highest capacity in ACUs (0.5 to 256 in steps of 0.5); default 8.
    #[arg(long)]
    pub max_acu: Option<String>,
    /// With --min-acu 0: seconds without connections before the compute
    /// pauses (default 300).
    #[arg(long, allow_negative_numbers = true)]
    pub auto_pause: Option<i64>,
    /// The control plane's HTTP port (metrics, `borealis cluster`); 0 picks
    /// a free one.
    #[arg(long, default_value_t = 0)]
    pub control_port: u16,
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
    compute: ComputeSlot,
    /// The cluster endpoint, owned here for the cluster's whole life.
    listener: Arc<std::net::TcpListener>,
    user: String,
    password: String,
    max_connections: Option<u32>,
    pg_split_bytes: u64,
    events: Sender<SupervisorEvent>,
    /// Parts that are neither storage nor compute (the endpoint, the
    /// control plane), for status.
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

    fn handle(&mut self, event: SupervisorEvent) -> anyhow::Result<()> {
        match event {
            SupervisorEvent::Wake { at } => {
                self.with_compute(|compute, launch| compute.wake(at, launch))?;
            }
            SupervisorEvent::Ready { generation, ready } => {
                self.compute.on_ready(&self.layout, generation, ready);
            }
        }
        self.publish()
    }

    /// One pass: restart what died, stop what is marked stopped, start what
    /// was unmarked; then publish the state.
    fn reconcile(&mut self) -> anyhow::Result<()> {
        self.reconcile_storage()?;
        self.with_compute(|compute, launch| compute.reconcile(launch))?;
        self.publish()
    }

    /// Runs `f` on the compute slot with what starting a compute takes
    /// (borrowed from the other fields).
    fn with_compute<R>(&mut self, f: impl FnOnce(&mut ComputeSlot, &ComputeLaunch) -> R) -> R {
        let Supervisor {
            layout,
            compute,
            listener,
            user,
            password,
            max_connections,
            pg_split_bytes,
            events,
            ..
        } = self;
        let launch = ComputeLaunch {
            layout,
            listener,
            user,
            password,
            max_connections: *max_connections,
            pg_split_bytes: *pg_split_bytes,
            events,
        };
        f(compute, &launch)
    }

    fn reconcile_storage(&mut self) -> anyhow::Result<()> {
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
        Ok(())
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
        parts.push(self.compute.part_state());
        parts.extend(self.other_parts.iter().cloned());
        self.layout.write_state(&ClusterState { parts })
    }

    fn shutdown(&mut self) {
        // The compute first: it finishes running queries while the volume
        // is still there to commit them.
        self.compute.shutdown();
        for supervised in &mut self.parts {
            if let Some(child) = supervised.child.take() {
                terminate(child, Duration::from_secs(3));
            }
        }
        let _ = std::fs::remove_file(self.layout.state_path());
    }
}

/// SIGTERM, then SIGKILL if `child` has not exited within `grace`.
pub fn terminate(mut child: Child, grace: Duration) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: signalling our own child.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
    let deadline = Instant::now() + grace;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            _ if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
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
    let serverless = crate::control_plane::startup_config(
        &layout,
        args.min_acu.as_deref(),
        args.max_acu.as_deref(),
        args.auto_pause,
    )?;
    let address = format!("{}:{}", args.host, args.port);
    let listener =
        std::net::TcpListener::bind(&address).with_context(|| format!("listen on {address}"))?;
    listener.set_nonblocking(true)?;
    let bound = listener.local_addr()?;
    // Made here so that the banner can name the CA before any compute runs.
    let tls_files =
        borealis_endpoint::tls::load_or_generate(&layout.tls_dir(), &["localhost", "127.0.0.1"])
            .context("set up TLS")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let control_listener = runtime
        .block_on(tokio::net::TcpListener::bind((
            args.host.as_str(),
            args.control_port,
        )))
        .with_context(|| {
            format!(
                "control plane listen on {}:{}",
                args.host, args.control_port
            )
        })?;
    let control_address = control_listener.local_addr()?;
    let (events, event_receiver) = std::sync::mpsc::channel();
    let (first_ready_tx, first_ready) = tokio::sync::oneshot::channel();
    let listener = Arc::new(listener);
    let mut supervisor = Supervisor {
        parts: config
            .storage
            .iter()
            .map(|part| Supervised {
                part: part.clone(),
                child: None,
                restarts: 0,
            })
            .collect(),
        compute: ComputeSlot::new(first_ready_tx),
        listener: listener.clone(),
        user: args.user.clone(),
        password,
        max_connections: args.max_connections,
        pg_split_bytes: args.pg_split_bytes,
        events: events.clone(),
        other_parts: vec![
            PartState {
                name: "endpoint".into(),
                role: "proxy".into(),
                az: None,
                pid: Some(std::process::id()),
                address: bound.to_string(),
                state: "running".into(),
            },
            PartState {
                name: "control".into(),
                role: "control".into(),
                az: None,
                pid: Some(std::process::id()),
                address: control_address.to_string(),
                state: "running".into(),
            },
        ],
        layout,
        config: config.clone(),
    };
    let control_plane = Arc::new(crate::control_plane::ControlPlane::new(
        Layout::new(&args.data_dir),
        serverless,
        supervisor.compute.stats.clone(),
    ));
    supervisor.reconcile()?;
    let stop_supervising = Arc::new(AtomicBool::new(false));
    let waker = {
        let paused = supervisor.compute.paused_flag();
        let stop = stop_supervising.clone();
        let events = events.clone();
        std::thread::Builder::new()
            .name("wake-on-connect".into())
            .spawn(move || watch_for_connections(listener, paused, events, stop))?
    };
    let supervisor = Arc::new(Mutex::new(supervisor));
    // Children are spawned from one long-lived thread: PR_SET_PDEATHSIG
    // fires when the spawning *thread* exits, so no short-lived pool thread
    // may start a part. For the same reason this thread stops the parts
    // before it ends: one it started would otherwise get SIGKILL as it
    // ends, with no time for a clean shutdown.
    let watcher = {
        let supervisor = supervisor.clone();
        let stop = stop_supervising.clone();
        std::thread::Builder::new()
            .name("supervisor".into())
            .spawn(move || {
                supervise(&*supervisor, &event_receiver, &stop);
                lock_even_poisoned(&supervisor).shutdown();
            })?
    };
    runtime.block_on(async {
        let control = tokio::spawn(control_plane.run(control_listener));
        tokio::select! {
            ready = first_ready => {
                if let Ok(ready) = ready {
                    print_banner(&args, bound, &tls_files.ca_cert, ready.epoch, control_address);
                }
                shutdown_signal().await;
            }
            _ = shutdown_signal() => {}
        }
        control.abort();
    });
    // First: the children got the signal too and are exiting.
    stop_supervision(&*supervisor, &stop_supervising);
    println!("shutting down");
    let _ = watcher.join();
    let _ = waker.join();
    // Already done by the supervisor thread, unless it panicked.
    lock_even_poisoned(&supervisor).shutdown();
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(())
}

/// The supervisor, also after a panic of a thread holding it (shutting the
/// parts down must still happen).
fn lock_even_poisoned(supervisor: &Mutex<Supervisor>) -> std::sync::MutexGuard<'_, Supervisor> {
    supervisor
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the supervisor thread drives (the [`Supervisor`]; a fake in tests).
trait Supervise {
    fn handle(&mut self, event: SupervisorEvent) -> anyhow::Result<()>;
    fn reconcile(&mut self) -> anyhow::Result<()>;
}

impl Supervise for Supervisor {
    fn handle(&mut self, event: SupervisorEvent) -> anyhow::Result<()> {
        Supervisor::handle(self, event)
    }
    fn reconcile(&mut self) -> anyhow::Result<()> {
        Supervisor::reconcile(self)
    }
}

/// Ends supervision: after this returns, no pass of [`supervise`] starts or
/// restarts a part. Taken under the supervisor's lock, so a pass running now
/// (which may start a part) finishes first and `shutdown` then stops what it
/// started.
fn stop_supervision<S>(supervisor: &Mutex<S>, stop: &AtomicBool) {
    let _supervisor = supervisor.lock().expect("supervisor lock");
    stop.store(true, Ordering::Release);
}

/// The supervisor thread: events as they come, a full pass every 200 ms.
fn supervise<S: Supervise>(
    supervisor: &Mutex<S>,
    events: &Receiver<SupervisorEvent>,
    stop: &AtomicBool,
) {
    const PASS_EVERY: Duration = Duration::from_millis(200);
    let mut next_pass = Instant::now() + PASS_EVERY;
    while !stop.load(Ordering::Acquire) {
        let wait = next_pass.saturating_duration_since(Instant::now());
        let event = match events.recv_timeout(wait) {
            Ok(event) => Some(event),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                next_pass = Instant::now() + PASS_EVERY;
                None
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let mut supervisor = supervisor.lock().expect("supervisor lock");
        // The children get the shutdown signal too and exit: a pass that
        // waited for the lock while supervision stopped must not restart them.
        if stop.load(Ordering::Acquire) {
            return;
        }
        let result = match event {
            Some(event) => supervisor.handle(event),
            None => supervisor.reconcile(),
        };
        if let Err(error) = result {
            tracing::error!(%error, "supervisor pass failed");
        }
    }
}

fn print_banner(
    args: &UpArgs,
    bound: std::net::SocketAddr,
    ca_cert: &std::path::Path,
    epoch: u64,
    control: std::net::SocketAddr,
) {
    println!("Borealis is up (volume epoch {epoch}).");
    println!(
        "  PostgreSQL endpoint: {bound} (user {}, TLS available)",
        args.user
    );
    println!("  TLS CA certificate:  {}", ca_cert.display());
    println!("  Data directory:      {}", args.data_dir.display());
    println!("  Control plane:       http://{control}/metrics, /status, /config");
    println!(
        "  Connect:  psql \"host={} port={} user={} dbname=postgres sslmode=require\"",
        bound.ip(),
        bound.port(),
        args.user
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts the passes it is asked for.
    #[derive(Default)]
    struct CountingSupervisor {
        passes: usize,
    }

    impl Supervise for CountingSupervisor {
        fn handle(&mut self, _event: SupervisorEvent) -> anyhow::Result<()> {
            self.passes += 1;
            Ok(())
        }
        fn reconcile(&mut self) -> anyhow::Result<()> {
            self.passes += 1;
            Ok(())
        }
    }

    /// A supervisor thread over a [`CountingSupervisor`], with one event
    /// sent to it.
    struct Watched {
        supervisor: Arc<Mutex<CountingSupervisor>>,
        stop: Arc<AtomicBool>,
        events: Sender<SupervisorEvent>,
        thread: std::thread::JoinHandle<()>,
    }

    impl Watched {
        fn start(supervisor: Arc<Mutex<CountingSupervisor>>) -> Watched {
            let stop = Arc::new(AtomicBool::new(false));
            let (events, receiver) = std::sync::mpsc::channel();
            let thread = {
                let supervisor = supervisor.clone();
                let stop = stop.clone();
                std::thread::spawn(move || supervise(&*supervisor, &receiver, &stop))
            };
            events
                .send(SupervisorEvent::Wake { at: Instant::now() })
                .unwrap();
            Watched {
                supervisor,
                stop,
                events,
                thread,
            }
        }

        fn passes(&self) -> usize {
            self.supervisor.lock().unwrap().passes
        }
    }

    #[test]
    fn a_pass_waiting_for_the_lock_when_supervision_stops_does_nothing() {
        let supervisor = Arc::new(Mutex::new(CountingSupervisor::default()));
        // Hold the lock (as a shutdown in progress would) while the event arrives.
        let held = supervisor.lock().unwrap();
        let watched = Watched::start(supervisor.clone());
        // Let the thread take the event and block on the lock.
        std::thread::sleep(Duration::from_millis(100));
        watched.stop.store(true, Ordering::Release);
        drop(held);
        watched.thread.join().unwrap();
        assert_eq!(supervisor.lock().unwrap().passes, 0);
        drop(watched.events);
    }

    #[test]
    fn passes_run_until_supervision_stops() {
        let watched = Watched::start(Arc::default());
        let deadline = Instant::now() + Duration::from_secs(10);
        while watched.passes() == 0 {
            assert!(Instant::now() < deadline, "the event was never handled");
            std::thread::sleep(Duration::from_millis(5));
        }
        stop_supervision(&*watched.supervisor, &watched.stop);
        let passes = watched.passes();
        watched.thread.join().unwrap();
        assert_eq!(
            watched.supervisor.lock().unwrap().passes,
            passes,
            "a pass after the stop"
        );
    }
}
