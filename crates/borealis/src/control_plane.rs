//! The control plane inside `borealis up`: the cluster's serverless
//! settings (kept in DIR/serverless.json and changed on a running cluster by
//! `borealis cluster modify`), metering in ACU-seconds, and the cluster's
//! Prometheus metrics, all on one HTTP port.
//!
//! The compute owns its capacity (its autoscaler decides within the range);
//! the control plane hands it the range, samples it once a second for
//! metering, and speaks for it while it is paused (capacity 0).

use crate::compute_supervisor::PauseStats;
use crate::layout::{write_atomically, Layout};
use anyhow::Context;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use borealis_serverless::{Acu, Exposition, Meter, ServerlessConfig};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the control plane samples the compute for metering.
const SAMPLE_EVERY: Duration = Duration::from_secs(1);
/// A compute admin call slower than this is treated as failed.
const ADMIN_CALL_TIMEOUT: Duration = Duration::from_secs(2);

pub struct ControlPlane {
    layout: Layout,
    config: Mutex<ServerlessConfig>,
    pause: Arc<Mutex<PauseStats>>,
    metering: Mutex<Metering>,
}

#[derive(Default)]
struct Metering {
    meter: Meter,
    /// The compute's capacity at the last sample (0 while paused).
    capacity: Acu,
    last_sample: Option<Instant>,
}

/// The settings a cluster starts with: DIR/serverless.json if present, else
/// the defaults, with any `borealis up` flags applied on top (and saved).
pub fn startup_config(
    layout: &Layout,
    min_acu: Option<&str>,
    max_acu: Option<&str>,
    auto_pause_seconds: Option<i64>,
) -> anyhow::Result<ServerlessConfig> {
    let config = apply_changes(saved_config(layout)?, min_acu, max_acu, auto_pause_seconds)?;
    save_config(layout, &config)?;
    Ok(config)
}

/// DIR/serverless.json as the control plane keeps it, else the defaults.
pub fn saved_config(layout: &Layout) -> anyhow::Result<ServerlessConfig> {
    let path = layout.serverless_path();
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            ServerlessConfig::from_json(&text).with_context(|| format!("read {}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ServerlessConfig::default()),
        Err(e) => Err(e).with_context(|| format!("read {}", path.display())),
    }
}

/// `base` with the given settings changed, validated as a whole.
pub fn apply_changes(
    base: ServerlessConfig,
    min_acu: Option<&str>,
    max_acu: Option<&str>,
    auto_pause_seconds: Option<i64>,
) -> anyhow::Result<ServerlessConfig> {
    let min = min_acu.map_or_else(|| base.range.min.to_string(), str::to_string);
    let max = max_acu.map_or_else(|| base.range.max.to_string(), str::to_string);
    let pause = auto_pause_seconds.unwrap_or(i64::from(base.auto_pause_seconds));
    Ok(ServerlessConfig::parse(&min, &max, pause)?)
}

fn save_config(layout: &Layout, config: &ServerlessConfig) -> anyhow::Result<()> {
    write_atomically(
        &layout.serverless_path(),
        serde_json::to_string_pretty(config)?.as_bytes(),
    )
}

impl ControlPlane {
    pub fn new(layout: Layout, config: ServerlessConfig, pause: Arc<Mutex<PauseStats>>) -> Self {
        ControlPlane {
            layout,
            config: Mutex::new(config),
            pause,
            metering: Mutex::new(Metering::default()),
        }
    }

    fn compute_admin(&self) -> Option<String> {
        self.pause.lock().expect("pause stats").admin.clone()
    }

    /// Serves the HTTP API until the task is dropped, and samples the
    /// compute for metering once a second.
    pub async fn run(self: Arc<Self>, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
        tokio::spawn(self.clone().meter_compute());
        let router = Router::new()
            .route("/config", get(get_config).put(put_config))
            .route("/status", get(get_status))
            .route("/metrics", get(get_metrics))
            .with_state(self);
        axum::serve(listener, router)
            .await
            .context("control plane HTTP")
    }

    async fn meter_compute(self: Arc<Self>) {
        let mut ticker = tokio::time::interval(SAMPLE_EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let capacity = match self.compute_admin() {
                Some(admin) => admin_call(&admin, "GET", "/status", None)
                    .await
                    .ok()
                    .and_then(|body| capacity_of(&body)),
                None => Some(Acu::ZERO),
            };
            let mut metering = self.metering.lock().expect("metering");
            let now = Instant::now();
            if let Some(last) = metering.last_sample {
                // The capacity held since the last sample is the last one seen.
                let held = metering.capacity;
                metering.meter.record(held, now - last);
            }
            metering.last_sample = Some(now);
            if let Some(capacity) = capacity {
                metering.capacity = capacity;
            }
        }
    }

    fn status_json(&self) -> serde_json::Value {
        let config = *self.config.lock().expect("config");
        let pause = self.pause.lock().expect("pause stats").clone();
        let metering = self.metering.lock().expect("metering");
        let (p50, p99) = percentiles(&pause.resume_latencies);
        // A paused compute holds nothing, whatever the last sample said.
        let capacity = if pause.paused {
            0.0
        } else {
            metering.capacity.as_f64()
        };
        serde_json::json!({
            "config": config,
            "paused": pause.paused,
            "capacity": capacity,
            "acu_seconds": metering.meter.acu_seconds(),
            "pauses": pause.pauses,
            "resumes": pause.resumes,
            "resume_ms_p50": p50.map(|d| d.as_secs_f64() * 1e3),
            "resume_ms_p99": p99.map(|d| d.as_secs_f64() * 1e3),
        })
    }
}

/// p50 and p99 of the recorded latencies (nearest rank).
fn percentiles(latencies: &[Duration]) -> (Option<Duration>, Option<Duration>) {
    if latencies.is_empty() {
        return (None, None);
    }
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let rank =
        |p: f64| sorted[((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1];
    (Some(rank(0.50)), Some(rank(0.99)))
}

fn capacity_of(status_body: &str) -> Option<Acu> {
    let status: serde_json::Value = serde_json::from_str(status_body).ok()?;
    Acu::from_f64(status.get("capacity")?.as_f64()?).ok()
}

async fn get_config(State(plane): State<Arc<ControlPlane>>) -> Response {
    let config = *plane.config.lock().expect("config");
    axum::Json(config).into_response()
}

async fn put_config(State(plane): State<Arc<ControlPlane>>, body: String) -> Response {
    let config = match ServerlessConfig::from_json(&body) {
        Ok(config) => config,
        Err(error) => return (StatusCode::BAD_REQUEST, format!("{error}\n")).into_response(),
    };
    if let Err(error) = save_config(&plane.layout, &config) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("could not save the configuration: {error:#}\n"),
        )
            .into_response();
    }
    *plane.config.lock().expect("config") = config;
    // A running compute takes the new range now; a paused or starting one
    // reads DIR/serverless.json when it starts.
    if let Some(admin) = plane.compute_admin() {
        let body = serde_json::to_string(&config).unwrap_or_default();
        if let Err(error) = admin_call(&admin, "PUT", "/config", Some(body)).await {
            tracing::warn!(%error, "the compute did not take the new configuration yet");
        }
    }
    tracing::info!(range = %config.range, auto_pause = config.auto_pause_seconds, "serverless configuration changed");
    axum::Json(config).into_response()
}

async fn get_status(State(plane): State<Arc<ControlPlane>>) -> Response {
    axum::Json(plane.status_json()).into_response()
}

async fn get_metrics(State(plane): State<Arc<ControlPlane>>) -> Response {
    let compute = match plane.compute_admin() {
        Some(admin) => admin_call(&admin, "GET", "/metrics", None).await.ok(),
        None => None,
    };
    let status = plane.status_json();
    let mut out = Exposition::new();
    let number = |key: &str| status.get(key).and_then(serde_json::Value::as_f64);
    if compute.is_none() {
        // Paused (or starting): the instance holds no capacity and no clients.
        out.gauge(
            "ServerlessDatabaseCapacity",
            "Current capacity of the instance in ACUs.",
            &[],
            0.0,
        );
        out.gauge(
            "DatabaseConnections",
            "Client connections to the instance.",
            &[],
            0.0,
        );
    }
    out.counter(
        "borealis_acu_seconds_total",
        "Capacity used, in ACU-seconds (the basis of cost).",
        &[],
        number("acu_seconds").unwrap_or(0.0),
    );
    out.counter(
        "borealis_pauses_total",
        "Times the compute paused itself after its idle period.",
        &[],
        number("pauses").unwrap_or(0.0),
    );
    out.counter(
        "borealis_resumes_total",
        "Times a connection woke a paused compute.",
        &[],
        number("resumes").unwrap_or(0.0),
    );
    for (key, quantile) in [("resume_ms_p50", "0.5"), ("resume_ms_p99", "0.99")] {
        if let Some(ms) = number(key) {
            out.gauge(
                "borealis_resume_latency_seconds",
                "From the first waiting connection to the compute serving.",
                &[("quantile", quantile)],
                ms / 1e3,
            );
        }
    }
    let mut text = compute.unwrap_or_default();
    text.push_str(&out.finish());
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        text,
    )
        .into_response()
}

/// One HTTP/1.1 call to a part's admin API on loopback.
pub async fn admin_call(
    address: &str,
    method: &str,
    path: &str,
    body: Option<String>,
) -> anyhow::Result<String> {
    let url = format!("http://{address}{path}");
    let method = method.to_string();
    let call = tokio::task::spawn_blocking(move || blocking_admin_call(&url, &method, body));
    tokio::time::timeout(ADMIN_CALL_TIMEOUT, call)
        .await
        .context("admin call timed out")??
}

/// The same call from synchronous code (the CLI).
pub fn blocking_admin_call(
    url: &str,
    method: &str,
    body: Option<String>,
) -> anyhow::Result<String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(ADMIN_CALL_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = match (method, body) {
        ("PUT", Some(body)) => agent
            .put(url)
            .header("content-type", "application/json")
            .send(body)?,
        ("GET", None) => agent.get(url).call()?,
        (method, _) => anyhow::bail!("unsupported admin call {method} {url}"),
    };
    let status = response.status();
    let text = response.body_mut().read_to_string()?;
    if !status.is_success() {
        anyhow::bail!("{}", text.trim());
    }
    Ok(text)
}
