//! Serverless capacity inside the compute: the [`CapacityController`] samples the instance's
//! load once a second (process CPU over the CPU share of the current capacity, the volume
//! read cache's hit ratio and pressure, the endpoint's connections and statements), runs the
//! autoscaler (`borealis_serverless::Autoscaler`) and applies the resources of the chosen
//! capacity in place — cache budget, connection limit, execution slots — while queries run:
//! no restart, no dropped connection. It meters ACU-seconds, says when the instance should
//! pause (`PausePolicy`), and serves an admin HTTP API: GET /status (JSON), GET /metrics
//! (Prometheus text), GET and PUT /config (a `ServerlessConfig`, taking effect at the next
//! sample).
//!
//! Commit latency comes from [`COMMIT_LATENCY`], which `VolumeStore::commit` feeds.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use borealis_endpoint::{EndpointControl, EndpointStats};
use borealis_serverless::metrics::CONTENT_TYPE;
use borealis_serverless::{
    Activity, Acu, Autoscaler, AutoscalerTuning, CapacityRange, InstanceResources, LoadSample,
    Meter, MetricsSnapshot, PausePolicy, ScaleProfile, ServerlessConfig,
};
use borealis_volume_client::read_cache::CacheStats;
use borealis_volume_client::Volume;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A cache at least this full counts as full: its misses are evictions' doing.
const CACHE_FULL_FRACTION: f64 = 0.9;
/// Below this many lookups per second, misses say nothing about the cache's size.
const PRESSURE_LOOKUPS_PER_SECOND_MIN: f64 = 100.0;

/// Commit latencies of this process, recorded by `VolumeStore::commit`.
pub static COMMIT_LATENCY: CommitLatency = CommitLatency::new();

/// Count and total time of commits: two relaxed atomic adds per commit.
pub struct CommitLatency {
    count: AtomicU64,
    total_nanos: AtomicU64,
}

impl CommitLatency {
    pub const fn new() -> CommitLatency {
        CommitLatency {
            count: AtomicU64::new(0),
            total_nanos: AtomicU64::new(0),
        }
    }

    pub fn record(&self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.total_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// (commits, total nanoseconds) so far.
    fn totals(&self) -> (u64, u64) {
        (
            self.count.load(Ordering::Relaxed),
            self.total_nanos.load(Ordering::Relaxed),
        )
    }
}

impl Default for CommitLatency {
    fn default() -> Self {
        CommitLatency::new()
    }
}

/// The cache the controller reads and resizes: the volume's read cache (a fake in tests).
pub trait CacheControl: Send + Sync + 'static {
    fn cache_stats(&self) -> CacheStats;
    /// May take a while when shrinking (evicts at once): called off the async threads.
    fn set_cache_capacity(&self, bytes: usize);
}

impl CacheControl for Volume {
    fn cache_stats(&self) -> CacheStats {
        Volume::cache_stats(self)
    }

    fn set_cache_capacity(&self, bytes: usize) {
        Volume::set_cache_capacity(self, bytes)
    }
}

/// A source of CPU time used so far (by this process, in production).
pub type CpuClock = Arc<dyn Fn() -> Duration + Send + Sync>;

/// How the controller runs; the defaults are production's.
#[derive(Clone)]
pub struct ControllerOptions {
    pub sample_interval: Duration,
    pub tuning: AutoscalerTuning,
    /// Tests give a synthetic clock so that other tests' CPU use does not count.
    pub cpu_clock: CpuClock,
    /// A connection limit the operator fixed (`--max-connections`), instead of
    /// the one capacity sets.
    pub fixed_max_connections: Option<u32>,
}

impl Default for ControllerOptions {
    fn default() -> Self {
        ControllerOptions {
            sample_interval: Duration::from_secs(1),
            tuning: AutoscalerTuning::default(),
            cpu_clock: Arc::new(process_cpu_time),
            fixed_max_connections: None,
        }
    }
}

/// The read cache as last sampled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheView {
    pub hits: u64,
    pub misses: u64,
    pub bytes: usize,
    pub capacity_bytes: usize,
}

impl From<CacheStats> for CacheView {
    fn from(stats: CacheStats) -> Self {
        CacheView {
            hits: stats.hits,
            misses: stats.misses,
            bytes: stats.bytes,
            capacity_bytes: stats.capacity_bytes,
        }
    }
}

/// What GET /status answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CapacityStatus {
    pub capacity: Acu,
    pub range: CapacityRange,
    pub auto_pause_seconds: u32,
    pub resources: InstanceResources,
    /// The latest load sample; None before the first.
    pub sample: Option<LoadSample>,
    /// The autoscaler's demand ratio for that sample (1 = on target).
    pub demand: f64,
    pub connections: usize,
    pub statements_executing: u64,
    pub statements_waiting: u64,
    pub idle_seconds: f64,
    /// Since this compute process started (the control plane meters across pauses).
    pub acu_seconds: f64,
    pub scale_events: u64,
    pub pause_requested: bool,
    /// Mean over the latest sample interval; 0 without commits.
    pub commit_latency_ms: f64,
    pub commits_total: u64,
    pub cache: CacheView,
}

struct Shared {
    endpoint: Arc<EndpointControl>,
    config: Mutex<ServerlessConfig>,
    status: Mutex<CapacityStatus>,
    pause: watch::Sender<bool>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update under these locks is a plain assignment: never half done.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts the controller; see the module documentation.
pub struct CapacityController;

impl CapacityController {
    /// Sample every second with the default policy; serve the admin API on `admin_listen`.
    pub async fn start(
        volume: Volume,
        endpoint: Arc<EndpointControl>,
        config: ServerlessConfig,
        profile: ScaleProfile,
        admin_listen: SocketAddr,
        fixed_max_connections: Option<u32>,
    ) -> anyhow::Result<CapacityHandle> {
        let admin = tokio::net::TcpListener::bind(admin_listen)
            .await
            .with_context(|| format!("admin listen on {admin_listen}"))?;
        Self::start_with(
            Arc::new(volume),
            endpoint,
            config,
            profile,
            admin,
            ControllerOptions {
                fixed_max_connections,
                ..ControllerOptions::default()
            },
        )
        .await
    }

    /// [`CapacityController::start`] with any cache, a bound admin listener and options.
    pub async fn start_with(
        cache: Arc<dyn CacheControl>,
        endpoint: Arc<EndpointControl>,
        config: ServerlessConfig,
        profile: ScaleProfile,
        admin: tokio::net::TcpListener,
        options: ControllerOptions,
    ) -> anyhow::Result<CapacityHandle> {
        config.validate()?;
        let admin_address = admin.local_addr()?;
        let capacity = config.range.running_min();
        let resources = resources_for(capacity, &profile, options.fixed_max_connections);
        apply(&cache, &endpoint, &resources).await;
        let status = CapacityStatus {
            capacity,
            range: config.range,
            auto_pause_seconds: config.auto_pause_seconds,
            resources,
            sample: None,
            demand: 0.0,
            connections: 0,
            statements_executing: 0,
            statements_waiting: 0,
            idle_seconds: 0.0,
            acu_seconds: 0.0,
            scale_events: 0,
            pause_requested: false,
            commit_latency_ms: 0.0,
            commits_total: COMMIT_LATENCY.totals().0,
            cache: cache.cache_stats().into(),
        };
        let (pause, pause_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            endpoint: endpoint.clone(),
            config: Mutex::new(config),
            status: Mutex::new(status),
            pause,
        });
        let sample_interval = options.sample_interval;
        let sampler = Sampler {
            last_cache: cache.cache_stats(),
            cache,
            shared: shared.clone(),
            profile,
            autoscaler: Autoscaler::new(capacity, options.tuning),
            pause_policy: PausePolicy::new(),
            meter: Meter::new(),
            last_at: Instant::now(),
            last_cpu: (options.cpu_clock)(),
            cpu_clock: options.cpu_clock,
            last_sessions_opened: endpoint.stats().sessions_opened_total,
            last_commits: COMMIT_LATENCY.totals(),
            fixed_max_connections: options.fixed_max_connections,
        };
        let sampling = tokio::spawn(sampler.run(sample_interval));
        let router = Router::new()
            .route("/status", get(get_status))
            .route("/metrics", get(get_metrics))
            .route("/config", get(get_config).put(put_config))
            .with_state(shared.clone());
        let serving = tokio::spawn(async move {
            if let Err(error) = axum::serve(admin, router).await {
                tracing::warn!(%error, "compute admin HTTP server stopped");
            }
        });
        tracing::info!(%capacity, range = %config.range, %admin_address, "capacity controller started");
        Ok(CapacityHandle {
            admin_address,
            shared,
            pause_rx,
            tasks: vec![sampling, serving],
        })
    }
}

/// The running controller; dropping it stops sampling and the admin server.
pub struct CapacityHandle {
    admin_address: SocketAddr,
    shared: Arc<Shared>,
    pause_rx: watch::Receiver<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl CapacityHandle {
    pub fn admin_address(&self) -> SocketAddr {
        self.admin_address
    }

    /// Completes once the pause policy says the instance should pause (min capacity 0 and no
    /// connection for the whole auto-pause period), at once if it says so now. The request is
    /// withdrawn at the next sample that sees a connection (opened or open), so a caller that
    /// finds a connection after this completes should wait for it again.
    pub fn pause_requested(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut pause = self.pause_rx.clone();
        async move {
            if pause.wait_for(|requested| *requested).await.is_err() {
                // The controller is gone: nobody will ask for a pause any more.
                std::future::pending::<()>().await;
            }
        }
    }

    pub fn current(&self) -> Acu {
        lock(&self.shared.status).capacity
    }

    pub fn status(&self) -> CapacityStatus {
        lock(&self.shared.status).clone()
    }
}

impl Drop for CapacityHandle {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        let status = self.status();
        tracing::info!(
            capacity = %self.current(),
            acu_seconds = status.acu_seconds,
            scale_events = status.scale_events,
            "capacity controller stopped"
        );
    }
}

/// What `capacity` buys, with the operator's fixed connection limit if any.
fn resources_for(
    capacity: Acu,
    profile: &ScaleProfile,
    fixed_max_connections: Option<u32>,
) -> InstanceResources {
    let mut resources = InstanceResources::for_capacity(capacity, profile);
    if let Some(fixed) = fixed_max_connections {
        resources.max_connections = fixed;
    }
    resources
}

/// Resize the cache (off the async threads: shrinking evicts at once) and the endpoint.
async fn apply(
    cache: &Arc<dyn CacheControl>,
    endpoint: &EndpointControl,
    resources: &InstanceResources,
) {
    endpoint.set_max_connections(resources.max_connections as usize);
    endpoint.set_execution_slots(resources.execution_slots as usize);
    let cache = cache.clone();
    let bytes = usize::try_from(resources.cache_bytes).unwrap_or(usize::MAX);
    if let Err(error) = tokio::task::spawn_blocking(move || cache.set_cache_capacity(bytes)).await {
        tracing::warn!(%error, "resizing the read cache failed");
    }
}

/// User plus system CPU time of this process so far.
fn process_cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole rusage into the pointer we own; RUSAGE_SELF is valid.
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
            return Duration::ZERO;
        }
        usage.assume_init()
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// Hit ratio and pressure of the cache over one interval.
fn cache_signals(before: &CacheStats, now: &CacheStats, interval: Duration) -> (f64, f64) {
    let hits = now.hits.saturating_sub(before.hits);
    let misses = now.misses.saturating_sub(before.misses);
    let lookups = hits + misses;
    if lookups == 0 {
        return (1.0, 0.0);
    }
    let hit_ratio = hits as f64 / lookups as f64;
    let full = now.capacity_bytes > 0
        && now.bytes as f64 >= CACHE_FULL_FRACTION * now.capacity_bytes as f64;
    let enough = lookups as f64 >= PRESSURE_LOOKUPS_PER_SECOND_MIN * interval.as_secs_f64();
    let pressure = if full && enough {
        misses as f64 / lookups as f64
    } else {
        0.0
    };
    (hit_ratio, pressure)
}

/// The sampling task's own state.
struct Sampler {
    cache: Arc<dyn CacheControl>,
    shared: Arc<Shared>,
    profile: ScaleProfile,
    autoscaler: Autoscaler,
    pause_policy: PausePolicy,
    meter: Meter,
    last_at: Instant,
    last_cpu: Duration,
    cpu_clock: CpuClock,
    last_cache: CacheStats,
    last_sessions_opened: u64,
    last_commits: (u64, u64),
    fixed_max_connections: Option<u32>,
}

impl Sampler {
    async fn run(mut self, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            self.sample().await;
        }
    }

    async fn sample(&mut self) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last_at);
        if elapsed.is_zero() {
            return;
        }
        self.last_at = now;
        let config = *lock(&self.shared.config);
        let before = lock(&self.shared.status).clone();

        let cpu = (self.cpu_clock)();
        let cpu_seconds = cpu.saturating_sub(self.last_cpu).as_secs_f64();
        self.last_cpu = cpu;
        let cpu_share = before.resources.cpu_share;
        let cpu_utilization = if cpu_share > 0.0 {
            cpu_seconds / elapsed.as_secs_f64() / cpu_share
        } else {
            0.0
        };

        let cache_now = self.cache.cache_stats();
        let (cache_hit_ratio, cache_pressure) =
            cache_signals(&self.last_cache, &cache_now, elapsed);
        self.last_cache = cache_now;

        let endpoint: EndpointStats = self.shared.endpoint.stats();
        let sample = LoadSample {
            cpu_utilization,
            cache_hit_ratio,
            cache_pressure,
            active_connections: u32::try_from(endpoint.active_sessions).unwrap_or(u32::MAX),
            max_connections: u32::try_from(endpoint.max_connections).unwrap_or(u32::MAX),
            executing_statements: u32::try_from(endpoint.statements_executing).unwrap_or(u32::MAX),
            waiting_statements: u32::try_from(endpoint.statements_waiting).unwrap_or(u32::MAX),
            execution_slots: u32::try_from(endpoint.execution_slots).unwrap_or(u32::MAX),
        };
        let demand = self.autoscaler.demand(&sample);
        let capacity = self.autoscaler.decide(&sample, config.range);
        self.meter.record(before.capacity, elapsed);

        let mut resources = before.resources;
        let mut scale_events = before.scale_events;
        if capacity != before.capacity {
            resources = resources_for(capacity, &self.profile, self.fixed_max_connections);
            apply(&self.cache, &self.shared.endpoint, &resources).await;
            scale_events += 1;
            tracing::info!(
                from = %before.capacity,
                to = %capacity,
                demand,
                cpu = cpu_utilization,
                connections = endpoint.active_sessions,
                waiting = endpoint.statements_waiting,
                cache_pressure,
                "capacity changed"
            );
        }

        let activity = Activity {
            connections: sample.active_connections,
            connections_opened: endpoint
                .sessions_opened_total
                .saturating_sub(self.last_sessions_opened),
        };
        self.last_sessions_opened = endpoint.sessions_opened_total;
        let pause = self.pause_policy.observe(activity, elapsed, &config);
        if pause != *self.shared.pause.borrow() {
            if pause {
                tracing::info!(
                    idle_seconds = self.pause_policy.idle_for().as_secs(),
                    "no connections for the auto-pause period: pause requested"
                );
            } else {
                tracing::info!("a connection came: pause request withdrawn");
            }
            self.shared.pause.send_replace(pause);
        }

        let commits = COMMIT_LATENCY.totals();
        let (count, nanos) = (
            commits.0.saturating_sub(self.last_commits.0),
            commits.1.saturating_sub(self.last_commits.1),
        );
        self.last_commits = commits;
        let commit_latency_ms = if count == 0 {
            0.0
        } else {
            nanos as f64 / count as f64 / 1e6
        };

        *lock(&self.shared.status) = CapacityStatus {
            capacity,
            range: config.range,
            auto_pause_seconds: config.auto_pause_seconds,
            resources,
            sample: Some(sample),
            demand,
            connections: endpoint.active_sessions,
            statements_executing: endpoint.statements_executing,
            statements_waiting: endpoint.statements_waiting,
            idle_seconds: self.pause_policy.idle_for().as_secs_f64(),
            acu_seconds: self.meter.acu_seconds(),
            scale_events,
            pause_requested: *self.shared.pause.borrow(),
            commit_latency_ms,
            commits_total: commits.0,
            cache: cache_now.into(),
        };
    }
}

async fn get_status(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(lock(&shared.status).clone()).into_response()
}

async fn get_metrics(State(shared): State<Arc<Shared>>) -> Response {
    let status = lock(&shared.status).clone();
    let sample = status.sample.unwrap_or_default();
    let snapshot = MetricsSnapshot {
        capacity: status.capacity,
        range: status.range,
        cpu_utilization: sample.cpu_utilization,
        database_connections: u32::try_from(status.connections).unwrap_or(u32::MAX),
        buffer_cache_hit_ratio: if status.sample.is_some() {
            sample.cache_hit_ratio
        } else {
            1.0
        },
        commit_latency_ms: status.commit_latency_ms,
        commits_total: status.commits_total,
    };
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], snapshot.render(&[])).into_response()
}

async fn get_config(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(*lock(&shared.config)).into_response()
}

async fn put_config(State(shared): State<Arc<Shared>>, body: String) -> Response {
    match ServerlessConfig::from_json(&body) {
        Ok(config) => {
            *lock(&shared.config) = config;
            tracing::info!(range = %config.range, auto_pause = config.auto_pause_seconds, "capacity configuration changed");
            axum::Json(config).into_response()
        }
        Err(error) => (StatusCode::BAD_REQUEST, format!("{error}\n")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A read cache that only records its budget.
    #[derive(Default)]
    struct FakeCache {
        stats: Mutex<CacheStats>,
    }

    impl CacheControl for FakeCache {
        fn cache_stats(&self) -> CacheStats {
            *lock(&self.stats)
        }

        fn set_cache_capacity(&self, bytes: usize) {
            lock(&self.stats).capacity_bytes = bytes;
        }
    }

    struct Started {
        handle: CapacityHandle,
        cache: Arc<FakeCache>,
        endpoint: Arc<EndpointControl>,
    }

    async fn start(config: ServerlessConfig, options: ControllerOptions) -> Started {
        let cache = Arc::new(FakeCache::default());
        let endpoint = EndpointControl::new(100, 100);
        let admin = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let handle = CapacityController::start_with(
            cache.clone(),
            endpoint.clone(),
            config,
            ScaleProfile::default(),
            admin,
            options,
        )
        .await
        .unwrap();
        Started {
            handle,
            cache,
            endpoint,
        }
    }

    fn acu(text: &str) -> Acu {
        text.parse().unwrap()
    }

    /// Poll `condition` every 20 ms for up to `limit`; how long it took.
    async fn within(limit: Duration, mut condition: impl FnMut() -> bool) -> Option<Duration> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if condition() {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    /// A CPU clock that runs at one core while its load is on, and stands still otherwise.
    #[derive(Default)]
    struct SyntheticCpu {
        state: Mutex<(Duration, Option<Instant>)>,
    }

    impl SyntheticCpu {
        fn set_busy(&self, busy: bool) {
            let mut state = lock(&self.state);
            if let Some(since) = state.1.take() {
                state.0 += since.elapsed();
            }
            if busy {
                state.1 = Some(Instant::now());
            }
        }

        fn clock(self: &Arc<Self>) -> CpuClock {
            let cpu = self.clone();
            Arc::new(move || {
                let state = lock(&cpu.state);
                state.0 + state.1.map_or(Duration::ZERO, |since| since.elapsed())
            })
        }
    }

    /// Burns one core on an OS thread until dropped: a CPU load step.
    struct CpuLoad {
        stop: Arc<AtomicBool>,
        thread: Option<std::thread::JoinHandle<()>>,
    }

    impl CpuLoad {
        fn start() -> CpuLoad {
            let stop = Arc::new(AtomicBool::new(false));
            let thread = std::thread::spawn({
                let stop = stop.clone();
                move || {
                    let mut x = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        x = std::hint::black_box(
                            x.wrapping_mul(6364136223846793005).wrapping_add(1),
                        );
                    }
                }
            });
            CpuLoad {
                stop,
                thread: Some(thread),
            }
        }
    }

    impl Drop for CpuLoad {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn load_step_scales_up_within_two_seconds_and_back_down() {
        let config = ServerlessConfig::parse("0.5", "2", 300).unwrap();
        let cpu = Arc::new(SyntheticCpu::default());
        let options = ControllerOptions {
            cpu_clock: cpu.clock(),
            // The production interval; one low sample per step down keeps the test short.
            sample_interval: Duration::from_secs(1),
            tuning: AutoscalerTuning {
                down_after_samples: 1,
                ..AutoscalerTuning::default()
            },
            fixed_max_connections: None,
        };
        let Started {
            handle,
            cache,
            endpoint,
        } = start(config, options).await;
        let small = InstanceResources::for_capacity(Acu::HALF, &ScaleProfile::default());
        assert_eq!(handle.current(), Acu::HALF);
        assert_eq!(cache.cache_stats().capacity_bytes as u64, small.cache_bytes);
        assert_eq!(
            endpoint.stats().execution_slots,
            small.execution_slots as usize
        );
        assert_eq!(
            endpoint.stats().max_connections,
            small.max_connections as usize
        );

        cpu.set_busy(true);
        let rose = within(Duration::from_secs(2), || handle.current() > Acu::HALF).await;
        assert!(
            rose.is_some(),
            "capacity still {} after 2 s of load",
            handle.current()
        );
        // One core against 0.5 ACU's 0.125: straight to the max.
        within(Duration::from_secs(2), || handle.current() == acu("2"))
            .await
            .expect("reaches the max under load");
        let large = InstanceResources::for_capacity(acu("2"), &ScaleProfile::default());
        assert_eq!(cache.cache_stats().capacity_bytes as u64, large.cache_bytes);
        assert_eq!(
            endpoint.stats().execution_slots,
            large.execution_slots as usize
        );
        assert_eq!(
            endpoint.stats().max_connections,
            large.max_connections as usize
        );
        let status = handle.status();
        assert!(status.sample.unwrap().cpu_utilization > 1.0, "{status:?}");

        cpu.set_busy(false);
        // 2 -> 1.5 -> 1 -> 0.5, one sample each, after the sample that still saw the load.
        let fell = within(Duration::from_secs(8), || handle.current() == Acu::HALF).await;
        assert!(
            fell.is_some(),
            "capacity still {} after the load",
            handle.current()
        );
        assert_eq!(cache.cache_stats().capacity_bytes as u64, small.cache_bytes);
        assert_eq!(
            endpoint.stats().execution_slots,
            small.execution_slots as usize
        );
        let status = handle.status();
        assert!(status.scale_events >= 2, "{status:?}");
        assert!(status.acu_seconds > 0.0);
        assert!(status.range.contains(status.capacity));
    }

    /// One HTTP/1.1 request; (status code, headers, body).
    async fn http(
        address: SocketAddr,
        method: &str,
        path: &str,
        body: &str,
    ) -> (u16, String, String) {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        let code = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        (code, head.to_ascii_lowercase(), body.to_owned())
    }

    /// The production CPU clock: a real load step on an OS thread scales up too.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn real_cpu_load_scales_up_within_two_seconds() {
        let config = ServerlessConfig::parse("0.5", "4", 300).unwrap();
        let Started { handle, .. } = start(config, ControllerOptions::default()).await;
        let _load = CpuLoad::start();
        let rose = within(Duration::from_secs(2), || handle.current() > Acu::HALF).await;
        assert!(
            rose.is_some(),
            "capacity still {} after 2 s of load",
            handle.current()
        );
    }

    #[tokio::test]
    async fn admin_api_status_metrics_and_config() {
        let options = ControllerOptions {
            sample_interval: Duration::from_millis(100),
            ..ControllerOptions::default()
        };
        let Started {
            handle, endpoint, ..
        } = start(ServerlessConfig::parse("0.5", "4", 300).unwrap(), options).await;
        let admin = handle.admin_address();

        let (code, _, body) = http(admin, "GET", "/status", "").await;
        assert_eq!(code, 200);
        let status: CapacityStatus = serde_json::from_str(&body).unwrap();
        assert_eq!(status.capacity, Acu::HALF);

        let (code, _, body) = http(admin, "PUT", "/config", r#"{"range":{"min":3,"max":2}}"#).await;
        assert_eq!(code, 400);
        assert!(body.contains("min must be at most max"), "{body}");
        let (code, _, body) = http(
            admin,
            "PUT",
            "/config",
            r#"{"range":{"min":0,"max":2},"auto_pause_seconds":-3}"#,
        )
        .await;
        assert_eq!(code, 400);
        assert!(body.contains("from 1 to 86400"), "{body}");

        // min = max pins the capacity, whatever CPU other tests in this process burn.
        let (code, _, body) = http(admin, "PUT", "/config", r#"{"range":{"min":1,"max":1}}"#).await;
        assert_eq!(code, 200, "{body}");
        within(Duration::from_secs(2), || handle.current() == acu("1"))
            .await
            .expect("the new min applies at the next sample");
        let (_, _, body) = http(admin, "GET", "/config", "").await;
        assert_eq!(
            ServerlessConfig::from_json(&body).unwrap().range,
            CapacityRange::parse("1", "1").unwrap()
        );
        assert_eq!(
            endpoint.stats().execution_slots,
            InstanceResources::for_capacity(acu("1"), &ScaleProfile::default()).execution_slots
                as usize
        );

        let commits_before = handle.status().commits_total;
        for _ in 0..3 {
            COMMIT_LATENCY.record(Duration::from_millis(2));
        }
        within(Duration::from_secs(2), || {
            handle.status().commits_total >= commits_before + 3
        })
        .await
        .expect("commits sampled");

        let (code, head, body) = http(admin, "GET", "/metrics", "").await;
        assert_eq!(code, 200);
        assert!(
            head.contains("content-type: text/plain; version=0.0.4"),
            "{head}"
        );
        for line in [
            "ServerlessDatabaseCapacity 1",
            "ACUUtilization 100",
            "DatabaseConnections 0",
            "BufferCacheHitRatio 100",
        ] {
            assert!(body.lines().any(|l| l == line), "{line} missing in\n{body}");
        }
        for name in [
            "CPUUtilization ",
            "CommitLatency ",
            "borealis_commits_total ",
        ] {
            assert!(
                body.lines().any(|l| l.starts_with(name)),
                "{name} missing in\n{body}"
            );
        }
    }

    #[tokio::test]
    async fn pause_requested_after_the_idle_period_only_with_min_zero() {
        let options = ControllerOptions {
            sample_interval: Duration::from_millis(100),
            ..ControllerOptions::default()
        };
        let started = start(
            ServerlessConfig::parse("0", "2", 1).unwrap(),
            options.clone(),
        )
        .await;
        let handle = &started.handle;
        assert_eq!(handle.current(), Acu::HALF, "min 0 runs at 0.5");
        tokio::time::timeout(Duration::from_secs(3), handle.pause_requested())
            .await
            .expect("pause after 1 s without connections");
        assert!(handle.status().pause_requested);
        assert!(handle.status().idle_seconds >= 1.0);

        let started = start(ServerlessConfig::parse("0.5", "2", 1).unwrap(), options).await;
        let waited = tokio::time::timeout(
            Duration::from_millis(1500),
            started.handle.pause_requested(),
        )
        .await;
        assert!(waited.is_err(), "min 0.5 never pauses");
    }

    /// A backend that refuses every session: the tests only need connections to exist.
    struct NoSessions;

    #[async_trait::async_trait]
    impl borealis_endpoint::Backend for NoSessions {
        async fn open_session(
            &self,
            _startup: &borealis_endpoint::StartupInfo,
        ) -> Result<Box<dyn borealis_endpoint::BackendSession>, borealis_endpoint::ErrorInfo>
        {
            Err(borealis_endpoint::ErrorInfo::fatal(
                "57P03",
                "no sessions in this test",
            ))
        }
    }

    #[tokio::test]
    async fn a_connection_withdraws_the_pause_request() {
        let options = ControllerOptions {
            sample_interval: Duration::from_millis(100),
            ..ControllerOptions::default()
        };
        let config = ServerlessConfig::parse("0", "2", 1).unwrap();
        let started = start(config, options).await;
        let handle = &started.handle;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let endpoint_config = borealis_endpoint::EndpointConfig::new("postgres", "pw")
            .unwrap()
            .with_control(started.endpoint.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(borealis_endpoint::serve(
            listener,
            endpoint_config,
            Arc::new(NoSessions),
            async {
                let _ = stopped.await;
            },
        ));

        tokio::time::timeout(Duration::from_secs(3), handle.pause_requested())
            .await
            .expect("pause after 1 s without connections");
        // A client connects (admitted at accept, still in its startup).
        let client = tokio::net::TcpStream::connect(address).await.unwrap();
        within(Duration::from_secs(2), || !handle.status().pause_requested)
            .await
            .expect("the request is withdrawn");
        let waited =
            tokio::time::timeout(Duration::from_millis(1200), handle.pause_requested()).await;
        assert!(waited.is_err(), "no pause while the client is connected");
        drop(client);
        tokio::time::timeout(Duration::from_secs(3), handle.pause_requested())
            .await
            .expect("pause again after a whole idle period");
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    }

    #[test]
    fn cache_signals_need_a_full_cache_and_enough_reads() {
        let second = Duration::from_secs(1);
        let before = CacheStats::default();
        let busy_full = CacheStats {
            hits: 600,
            misses: 400,
            bytes: 95,
            capacity_bytes: 100,
            keys: 10,
        };
        assert_eq!(cache_signals(&before, &busy_full, second), (0.6, 0.4));
        let not_full = CacheStats {
            bytes: 50,
            ..busy_full
        };
        assert_eq!(cache_signals(&before, &not_full, second), (0.6, 0.0));
        let few_reads = CacheStats {
            hits: 6,
            misses: 4,
            ..busy_full
        };
        assert_eq!(cache_signals(&before, &few_reads, second), (0.6, 0.0));
        assert_eq!(cache_signals(&busy_full, &busy_full, second), (1.0, 0.0));
    }

    #[test]
    fn process_cpu_time_advances_with_work() {
        let before = process_cpu_time();
        let started = Instant::now();
        let mut x = 1u64;
        while started.elapsed() < Duration::from_millis(50) {
            x = std::hint::black_box(x.wrapping_mul(3).wrapping_add(1));
        }
        assert!(process_cpu_time() > before);
    }
}
