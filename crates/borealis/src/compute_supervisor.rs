//! The writer compute under `borealis up`'s supervisor: started on demand,
//! restarted when it crashes, left down when it pauses itself (auto-pause),
//! and woken by the next connection to arrive on the cluster endpoint.
//!
//! All of it runs on the supervisor thread, the one thread that spawns
//! children (their PR_SET_PDEATHSIG is tied to it). Two helpers feed it
//! events: a thread per start that reads the compute's readiness line, and
//! the wake-on-connect thread that watches the listening socket while the
//! compute is paused.

use crate::compute_process::{ComputeProcess, ComputeReady, PAUSED_EXIT_CODE};
use crate::layout::{Layout, PartState};
use serde::Serialize;
use std::io::BufRead;
use std::os::fd::AsRawFd;
use std::os::unix::process::ExitStatusExt;
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The compute's part name in `borealis status`, `stop` and `start`.
pub const WRITER_PART: &str = "writer";

/// A compute that crashes this soon after starting is restarted only after
/// a pause, so a compute that cannot start does not spin.
const CRASH_LOOP_WINDOW: Duration = Duration::from_secs(5);
const CRASH_LOOP_BACKOFF: Duration = Duration::from_secs(1);

/// What the supervisor thread is told by its helper threads.
pub enum SupervisorEvent {
    /// A connection waits on the cluster endpoint while the compute is paused.
    Wake { at: Instant },
    /// The compute of this generation reported ready (or died before).
    Ready {
        generation: u64,
        ready: Result<ComputeReady, String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComputePhase {
    Starting,
    Running,
    Paused,
    Stopped,
}

impl ComputePhase {
    fn name(self) -> &'static str {
        match self {
            ComputePhase::Starting => "starting",
            ComputePhase::Running => "running",
            ComputePhase::Paused => "paused",
            ComputePhase::Stopped => "stopped",
        }
    }
}

/// Pause and resume history, shared with the control plane's metrics.
#[derive(Debug, Default, Clone)]
pub struct PauseStats {
    pub pauses: u64,
    pub resumes: u64,
    /// From the first waiting connection to the compute serving, per resume.
    pub resume_latencies: Vec<Duration>,
    pub paused: bool,
    /// The running compute's admin address, when there is one.
    pub admin: Option<String>,
}

/// Bound on the resume latencies kept for percentiles.
const RESUME_LATENCIES_KEPT: usize = 1024;

#[derive(Serialize)]
struct EventRecord<'a> {
    unix_ms: u128,
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resume_ms: Option<f64>,
}

pub struct ComputeSlot {
    pub phase: ComputePhase,
    child: Option<Child>,
    generation: u64,
    ready: Option<ComputeReady>,
    started_at: Option<Instant>,
    not_before: Option<Instant>,
    resume_requested_at: Option<Instant>,
    restarts: u32,
    /// Read by the wake-on-connect thread.
    paused_flag: Arc<AtomicBool>,
    pub stats: Arc<Mutex<PauseStats>>,
    /// Tells `borealis up` the first time a compute is ready.
    first_ready: Option<tokio::sync::oneshot::Sender<ComputeReady>>,
}

/// What spawning needs besides the slot.
pub struct ComputeLaunch<'a> {
    pub layout: &'a Layout,
    pub listener: &'a std::net::TcpListener,
    pub user: &'a str,
    pub password: &'a str,
    pub max_connections: Option<u32>,
    pub pg_split_bytes: u64,
    pub events: &'a Sender<SupervisorEvent>,
}

impl ComputeSlot {
    pub fn new(first_ready: tokio::sync::oneshot::Sender<ComputeReady>) -> ComputeSlot {
        ComputeSlot {
            phase: ComputePhase::Starting,
            child: None,
            generation: 0,
            ready: None,
            started_at: None,
            not_before: None,
            resume_requested_at: None,
            restarts: 0,
            paused_flag: Arc::new(AtomicBool::new(false)),
            stats: Arc::new(Mutex::new(PauseStats::default())),
            first_ready: Some(first_ready),
        }
    }

    pub fn paused_flag(&self) -> Arc<AtomicBool> {
        self.paused_flag.clone()
    }

    fn set_phase(&mut self, phase: ComputePhase) {
        self.phase = phase;
        let paused = phase == ComputePhase::Paused;
        self.paused_flag.store(paused, Ordering::Release);
        let mut stats = self.stats.lock().expect("pause stats");
        stats.paused = paused;
        stats.admin = match (phase, &self.ready) {
            (ComputePhase::Running, Some(ready)) => Some(ready.admin.clone()),
            _ => None,
        };
    }

    fn spawn(&mut self, launch: &ComputeLaunch) -> anyhow::Result<()> {
        let log_path = launch.layout.logs_dir().join(format!("{WRITER_PART}.log"));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)?;
        let spawned = ComputeProcess {
            data_dir: &launch.layout.root,
            user: launch.user,
            password: launch.password,
            max_connections: launch.max_connections,
            pg_split_bytes: launch.pg_split_bytes,
            listener: launch.listener,
            log,
        }
        .spawn()?;
        self.generation += 1;
        let generation = self.generation;
        let events = launch.events.clone();
        let ready_pipe = spawned.ready;
        std::thread::Builder::new()
            .name("compute-ready".into())
            .spawn(move || {
                let mut line = String::new();
                let ready = match std::io::BufReader::new(ready_pipe).read_line(&mut line) {
                    Ok(0) => Err("the compute exited before it was ready".to_string()),
                    Ok(_) => serde_json::from_str::<ComputeReady>(line.trim())
                        .map_err(|e| format!("bad readiness line {line:?}: {e}")),
                    Err(e) => Err(e.to_string()),
                };
                let _ = events.send(SupervisorEvent::Ready { generation, ready });
            })?;
        tracing::info!(pid = spawned.child.id(), generation, "compute started");
        self.child = Some(spawned.child);
        self.ready = None;
        self.started_at = Some(Instant::now());
        self.set_phase(ComputePhase::Starting);
        Ok(())
    }

    /// A connection is waiting: start a paused compute.
    pub fn wake(&mut self, at: Instant, launch: &ComputeLaunch) -> anyhow::Result<()> {
        if self.phase != ComputePhase::Paused || self.child.is_some() {
            return Ok(());
        }
        self.resume_requested_at = Some(at);
        tracing::info!("connection waiting: resuming the compute");
        self.spawn(launch)
    }

    pub fn on_ready(
        &mut self,
        layout: &Layout,
        generation: u64,
        ready: Result<ComputeReady, String>,
    ) {
        if generation != self.generation {
            return;
        }
        match ready {
            Ok(ready) => {
                if let Some(first) = self.first_ready.take() {
                    let _ = first.send(ready.clone());
                }
                self.ready = Some(ready);
                self.set_phase(ComputePhase::Running);
                if let Some(requested) = self.resume_requested_at.take() {
                    let latency = requested.elapsed();
                    tracing::info!(resume_ms = latency.as_secs_f64() * 1e3, "compute resumed");
                    {
                        let mut stats = self.stats.lock().expect("pause stats");
                        stats.resumes += 1;
                        if stats.resume_latencies.len() == RESUME_LATENCIES_KEPT {
                            stats.resume_latencies.remove(0);
                        }
                        stats.resume_latencies.push(latency);
                    }
                    record_event(layout, "resume", Some(latency));
                }
            }
            Err(reason) => tracing::warn!(%reason, "compute did not become ready"),
        }
    }

    /// One supervisor pass over the compute.
    pub fn reconcile(&mut self, launch: &ComputeLaunch) -> anyhow::Result<()> {
        let stopped = launch.layout.stop_marker(WRITER_PART).exists();
        if let Some(child) = self.child.as_mut() {
            if let Some(status) = child.try_wait()? {
                self.child = None;
                self.ready = None;
                if status.code() == Some(PAUSED_EXIT_CODE) {
                    tracing::info!("compute paused");
                    self.stats.lock().expect("pause stats").pauses += 1;
                    record_event(launch.layout, "pause", None);
                    self.set_phase(ComputePhase::Paused);
                    // A client that connected while the compute was
                    // pausing is already waiting: wake at once.
                    if connection_waiting(launch.listener, 0) {
                        self.wake(Instant::now(), launch)?;
                    }
                    return Ok(());
                }
                if !stopped {
                    tracing::warn!(%status, signal = ?status.signal(), "compute exited; restarting");
                    let crashed_early = self
                        .started_at
                        .is_some_and(|started| started.elapsed() < CRASH_LOOP_WINDOW);
                    if crashed_early {
                        self.not_before = Some(Instant::now() + CRASH_LOOP_BACKOFF);
                    }
                }
                self.set_phase(ComputePhase::Starting);
            } else if stopped {
                let _ = child.kill();
                let _ = child.wait();
                self.child = None;
                self.ready = None;
            }
        }
        if self.child.is_none() {
            if stopped {
                self.set_phase(ComputePhase::Stopped);
            } else if self.phase != ComputePhase::Paused
                && self.not_before.is_none_or(|at| Instant::now() >= at)
            {
                if self.phase == ComputePhase::Stopped || self.generation > 0 {
                    self.restarts += 1;
                }
                self.not_before = None;
                self.spawn(launch)?;
            }
        }
        Ok(())
    }

    pub fn part_state(&self) -> PartState {
        PartState {
            name: WRITER_PART.into(),
            role: "writer".into(),
            az: None,
            pid: self.child.as_ref().map(Child::id),
            address: self
                .ready
                .as_ref()
                .map(|r| r.admin.clone())
                .unwrap_or_default(),
            state: self.phase.name().into(),
        }
    }

    /// SIGTERM, then a few seconds for running queries to finish.
    pub fn shutdown(&mut self) {
        if let Some(child) = self.child.take() {
            crate::up::terminate(child, Duration::from_secs(10));
        }
    }
}

/// Appends one event to DIR/events.jsonl (best effort: an event log that
/// cannot be written must not stop the cluster).
fn record_event(layout: &Layout, event: &str, resume: Option<Duration>) {
    use std::io::Write;
    let record = EventRecord {
        unix_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0),
        event,
        resume_ms: resume.map(|d| d.as_secs_f64() * 1e3),
    };
    let Ok(line) = serde_json::to_string(&record) else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(layout.events_path())
        .and_then(|mut file| writeln!(file, "{line}"));
    if let Err(error) = written {
        tracing::warn!(%error, "could not record the {event} event");
    }
}

/// Whether a connection waits in the listener's accept queue (level
/// triggered, consumes nothing), waiting up to `timeout_ms`.
fn connection_waiting(listener: &std::net::TcpListener, timeout_ms: i32) -> bool {
    let mut poll = libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for a socket we own.
    let ready = unsafe { libc::poll(&mut poll, 1, timeout_ms) };
    ready > 0 && poll.revents & libc::POLLIN != 0
}

/// The wake-on-connect thread: while the compute is paused, the first
/// connection to arrive asks the supervisor to start it. The connection
/// itself waits in the accept queue for the compute to accept it.
pub fn watch_for_connections(
    listener: Arc<std::net::TcpListener>,
    paused: Arc<AtomicBool>,
    events: Sender<SupervisorEvent>,
    stop: Arc<AtomicBool>,
) {
    const POLL_MS: i32 = 100;
    while !stop.load(Ordering::Acquire) {
        if !paused.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        if connection_waiting(&listener, POLL_MS) && paused.load(Ordering::Acquire) {
            if events
                .send(SupervisorEvent::Wake { at: Instant::now() })
                .is_err()
            {
                return;
            }
            // Until the supervisor acts, the socket stays readable.
            while paused.load(Ordering::Acquire) && !stop.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
}
