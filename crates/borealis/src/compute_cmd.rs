//! `borealis compute`: one writer compute instance as its own process.
//!
//! It opens the cluster volume (recovering it under a new epoch), the SQL
//! engine on top of it and the PostgreSQL endpoint in front, then serves
//! clients on the listening socket `borealis up` hands it
//! ([`crate::compute_process`]) or on an address of its own. SIGTERM stops
//! it cleanly; it exits with [`PAUSED_EXIT_CODE`] when it pauses itself.

use crate::capacity::{CapacityController, CapacityHandle};
use crate::compute::{SqlBackend, VolumeStore};
use crate::compute_process::{ComputeReady, PAUSED_EXIT_CODE};
use crate::layout::Layout;
use anyhow::Context;
use borealis_common::Lsn;
use borealis_endpoint::{tls, EndpointConfig, EndpointControl};
use borealis_serverless::ScaleProfile;
use borealis_sql::Engine;
use borealis_volume_client::{Volume, VolumeConfig};
use std::io::Write;
use std::net::SocketAddr;
use std::os::fd::{FromRawFd, RawFd};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args, Clone)]
pub struct ComputeArgs {
    /// The local cluster's directory (cluster.json names the replicas).
    #[arg(long)]
    pub data_dir: PathBuf,
    /// Serve clients on this inherited listening socket (socket activation).
    #[arg(long, conflicts_with = "listen")]
    pub listen_fd: Option<RawFd>,
    /// Or listen on this address.
    #[arg(long, required_unless_present = "listen_fd")]
    pub listen: Option<SocketAddr>,
    /// Write one JSON line to this inherited pipe once serving.
    #[arg(long)]
    pub ready_fd: Option<RawFd>,
    /// The user clients log in as.
    #[arg(long, default_value = "postgres")]
    pub user: String,
    #[arg(long, env = "BOREALIS_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// Client connections served at once, fixed; more get SQLSTATE 53300.
    /// Without it the limit follows the capacity (docs/serverless.md).
    #[arg(long)]
    pub max_connections: Option<u32>,
    /// Split a protection group once its live data passes this many bytes;
    /// 0 never splits.
    #[arg(long, default_value_t = 10 << 30)]
    pub pg_split_bytes: u64,
    /// The admin HTTP server (status, metrics, capacity configuration).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub admin_listen: SocketAddr,
}

/// Why the compute stopped serving.
enum Stopped {
    Signalled,
    Paused,
}

pub fn run(args: ComputeArgs) -> anyhow::Result<std::process::ExitCode> {
    if args.password.is_empty() {
        anyhow::bail!("the password must not be empty");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // sqlparser and the engine recurse on nested expressions; debug
        // builds need more than tokio's default 2 MiB to reach their limits.
        .thread_stack_size(8 << 20)
        .enable_all()
        .build()?;
    let stopped = runtime.block_on(serve(args))?;
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    Ok(match stopped {
        Stopped::Signalled => std::process::ExitCode::SUCCESS,
        Stopped::Paused => std::process::ExitCode::from(PAUSED_EXIT_CODE as u8),
    })
}

fn listener(args: &ComputeArgs) -> anyhow::Result<std::net::TcpListener> {
    let listener = match (args.listen_fd, args.listen) {
        (Some(fd), _) => {
            // SAFETY: the parent placed a listening TCP socket at this fd
            // for us alone (compute_process.rs); we take ownership once.
            let listener = unsafe { std::net::TcpListener::from_raw_fd(fd) };
            listener
                .local_addr()
                .with_context(|| format!("fd {fd} is not a listening socket"))?;
            listener
        }
        (None, Some(address)) => {
            std::net::TcpListener::bind(address).with_context(|| format!("listen on {address}"))?
        }
        (None, None) => anyhow::bail!("give --listen or --listen-fd"),
    };
    listener.set_nonblocking(true)?;
    Ok(listener)
}

async fn serve(args: ComputeArgs) -> anyhow::Result<Stopped> {
    let layout = Layout::new(&args.data_dir);
    let config = layout.load_config()?;
    let listener = tokio::net::TcpListener::from_std(listener(&args)?)?;
    let started = std::time::Instant::now();
    let replicas = config.storage.iter().map(|p| p.address).collect();
    let mut volume_config = VolumeConfig::new(replicas, config.pg_count);
    // Replicas applying a bulk load (a large commit: pgbench -i -s 10 is ~130 MB)
    // may take minutes before they serve reads at the new LSN in a debug build;
    // a read then waits instead of failing the next statement.
    volume_config.read_deadline = std::time::Duration::from_secs(600);
    volume_config.split_bytes = (args.pg_split_bytes > 0).then_some(args.pg_split_bytes);
    let volume = Volume::open(volume_config)
        .await
        .context("open the cluster volume")?;
    let engine = Engine::open(Arc::new(VolumeStore::new(volume.clone())))
        .await
        .map_err(|e| anyhow::anyhow!("open the SQL engine: {}", e.message))?;
    // Queries past work_mem spill beside the cluster's data, not into /tmp.
    engine.set_spill_dir(layout.root.join("spill"));
    tokio::spawn(report_min_read_point(engine.clone(), volume.clone()));

    let tls_files = tls::load_or_generate(&layout.tls_dir(), &["localhost", "127.0.0.1"])
        .context("set up TLS")?;
    // The capacity controller sets both limits from the capacity at once.
    let initial_limit = args.max_connections.unwrap_or(100) as usize;
    let control = EndpointControl::new(initial_limit, initial_limit);
    let endpoint_config = EndpointConfig::new(&args.user, &args.password)?
        .with_tls(tls_files.tls_source())
        .with_control(control.clone());
    let capacity = CapacityController::start(
        volume.clone(),
        control.clone(),
        crate::control_plane::saved_config(&layout)?,
        ScaleProfile::default(),
        args.admin_listen,
        args.max_connections,
    )
    .await?;
    let ready = ComputeReady {
        admin: capacity.admin_address().to_string(),
        epoch: volume.epoch().0,
    };
    if let Some(fd) = args.ready_fd {
        // SAFETY: the parent placed the write end of a pipe at this fd for
        // us alone; we take ownership once and close it after one line.
        let mut pipe = unsafe { std::fs::File::from_raw_fd(fd) };
        writeln!(pipe, "{}", serde_json::to_string(&ready)?)
            .context("report readiness to the supervisor")?;
    }
    tracing::info!(
        epoch = ready.epoch,
        startup_ms = started.elapsed().as_millis() as u64,
        "compute serving"
    );

    let stopped = std::sync::Mutex::new(Stopped::Signalled);
    borealis_endpoint::serve(
        listener,
        endpoint_config,
        Arc::new(SqlBackend::new(engine.clone())),
        async {
            tokio::select! {
                () = shutdown_signal() => {}
                () = pause_when_idle(&capacity, &control) => {
                    *stopped.lock().expect("stop reason") = Stopped::Paused;
                }
            }
        },
    )
    .await
    .context("PostgreSQL endpoint")?;
    // Every session has ended: give sequence reservations back, so that ids
    // go on without a gap after a restart or a resume.
    if let Err(error) = engine.close().await {
        tracing::warn!(error = %error.message, "could not give sequence reservations back");
    }
    drop(capacity);
    Ok(stopped.into_inner().expect("stop reason"))
}

/// Completes when the compute should pause: the pause policy asked for it
/// and no connection is open. This future is polled by the endpoint's
/// accept loop itself, between accepts, and every accepted connection is
/// counted before the loop polls again: so when it completes, no client has
/// been accepted that the pause would drop. Clients arriving from then on
/// wait in the accept queue for the next compute.
async fn pause_when_idle(capacity: &CapacityHandle, control: &EndpointControl) {
    loop {
        capacity.pause_requested().await;
        if control.stats().active_sessions == 0 {
            return;
        }
        // A client came as the request was made; the controller withdraws
        // the request at its next sample, and asks again after a new idle period.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Tells the volume, once a second, the oldest read point any session may
/// still read at (the PGMRPL), so replicas can collect older versions.
/// It publishes the value computed one tick earlier: a statement that took
/// its snapshot just before a tick has registered it by the next one.
async fn report_min_read_point(engine: Engine, volume: Volume) {
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut previous: Option<Lsn> = None;
    loop {
        ticker.tick().await;
        let read_point = volume.read_point();
        let candidate = engine
            .oldest_snapshot()
            .map_or(read_point, |oldest| oldest.min(read_point));
        if let Some(previous) = previous {
            volume.set_min_read_lsn(previous.min(candidate));
        }
        previous = Some(candidate);
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
