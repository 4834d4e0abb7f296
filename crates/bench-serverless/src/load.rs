//! The load pattern (idle, ramp, spike, idle) and what it records: per
//! second, the active clients, queries answered and their p50/p99 latency;
//! every 250 ms, the compute's capacity.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::cluster::{compute_capacity, Cluster};

const TABLE_ROWS: i32 = 10_000;
const CAPACITY_SAMPLE_EVERY: Duration = Duration::from_millis(250);

#[derive(Serialize, Default)]
pub struct Second {
    pub t: f64,
    pub clients: usize,
    pub queries: usize,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

#[derive(Serialize, Default)]
pub struct Timeline {
    /// Phase boundaries in seconds from the start: ramp, spike, idle.
    pub phase_starts: [f64; 3],
    pub seconds: Vec<Second>,
    /// (seconds from the start, ACU)
    pub capacity: Vec<(f64, f64)>,
    pub ramp_reaction_s: Option<f64>,
    pub spike_reaction_s: Option<f64>,
    pub fall_back_s: Option<f64>,
    pub peak_capacity: f64,
    pub final_capacity: f64,
}

/// Latencies of one second, by the second they completed in.
type Buckets = Arc<Mutex<Vec<Vec<f64>>>>;

async fn client_loop(
    conninfo: String,
    active: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    started: Instant,
    buckets: Buckets,
    seed: u64,
) -> Result<()> {
    let (client, connection) = tokio_postgres::connect(&conninfo, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    let select = client
        .prepare("select v from bench_kv where id = $1")
        .await?;
    let mut x = seed | 1;
    while !stop.load(Ordering::Relaxed) {
        if !active.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        // xorshift: cheap, different per client.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let id = (x % TABLE_ROWS as u64) as i32 + 1;
        let t = Instant::now();
        client.query_one(&select, &[&id]).await?;
        let done = started.elapsed();
        let mut buckets = buckets.lock().expect("buckets");
        let second = done.as_secs() as usize;
        if buckets.len() <= second {
            buckets.resize_with(second + 1, Vec::new);
        }
        buckets[second].push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    Some(sorted[i])
}

/// Clients wanted at `t` seconds into the pattern.
fn clients_at(t: f64, phases: &[u64], ramp_top: usize, spike: usize) -> usize {
    let [idle, ramp, spike_s, _] = [phases[0], phases[1], phases[2], phases[3]].map(|s| s as f64);
    if t < idle {
        0
    } else if t < idle + ramp {
        (((t - idle) / ramp) * ramp_top as f64).ceil().max(1.0) as usize
    } else if t < idle + ramp + spike_s {
        spike
    } else {
        0
    }
}

pub async fn run_pattern(cluster: &Cluster, phases: &[u64], clients: &[usize]) -> Result<Timeline> {
    let (ramp_top, spike) = (clients[0], clients[1]);
    let conninfo = cluster.conninfo();
    // The compute answers once the table exists; its admin address comes after.
    let (setup, connection) = loop {
        match tokio_postgres::connect(&conninfo, tokio_postgres::NoTls).await {
            Ok(pair) => break pair,
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    tokio::spawn(connection);
    setup
        .batch_execute(&format!(
            "create table bench_kv (id int primary key, v int not null);
             insert into bench_kv select g, g from generate_series(1, {TABLE_ROWS}) g"
        ))
        .await
        .context("create the benchmark table")?;
    drop(setup);
    let admin = cluster.wait_for_writer("running", Duration::from_secs(60))?;
    // Start from the bottom of the range.
    let deadline = Instant::now() + Duration::from_secs(120);
    while compute_capacity(&admin).await? > 0.5 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let buckets: Buckets = Arc::new(Mutex::new(Vec::new()));
    let mut flags = Vec::new();
    let mut tasks = Vec::new();
    for i in 0..spike.max(ramp_top) {
        let active = Arc::new(AtomicBool::new(false));
        flags.push(active.clone());
        tasks.push(tokio::spawn(client_loop(
            conninfo.clone(),
            active,
            stop.clone(),
            started,
            buckets.clone(),
            0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1),
        )));
    }
    let total: u64 = phases.iter().sum();
    let mut timeline = Timeline {
        phase_starts: [
            phases[0] as f64,
            (phases[0] + phases[1]) as f64,
            (phases[0] + phases[1] + phases[2]) as f64,
        ],
        ..Timeline::default()
    };
    let mut clients_per_second = Vec::new();
    // After the pattern, keep sampling until capacity is back at the bottom.
    let tail = Duration::from_secs(60);
    while started.elapsed() < Duration::from_secs(total) + tail {
        let t = started.elapsed().as_secs_f64();
        let want = clients_at(t, phases, ramp_top, spike);
        for (i, flag) in flags.iter().enumerate() {
            flag.store(i < want, Ordering::Relaxed);
        }
        if t < total as f64 {
            let second = t as usize;
            if clients_per_second.len() <= second {
                clients_per_second.resize(second + 1, 0);
            }
            clients_per_second[second] = clients_per_second[second].max(want);
        }
        if let Ok(capacity) = compute_capacity(&admin).await {
            timeline.capacity.push((t, capacity));
            if t > total as f64 && capacity <= 0.5 {
                break;
            }
        }
        tokio::time::sleep(CAPACITY_SAMPLE_EVERY).await;
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.context("client task")?.context("client")?;
    }

    let buckets = std::mem::take(&mut *buckets.lock().expect("buckets"));
    for (second, clients) in clients_per_second.iter().enumerate() {
        let mut latencies = buckets.get(second).cloned().unwrap_or_default();
        latencies.sort_by(f64::total_cmp);
        timeline.seconds.push(Second {
            t: second as f64,
            clients: *clients,
            queries: latencies.len(),
            p50_ms: percentile(&latencies, 0.5),
            p99_ms: percentile(&latencies, 0.99),
        });
    }
    let capacity_at = |t: f64| {
        timeline
            .capacity
            .iter()
            .rev()
            .find(|(at, _)| *at <= t)
            .map_or(0.5, |(_, c)| *c)
    };
    let reaction = |from: f64| {
        let base = capacity_at(from);
        timeline
            .capacity
            .iter()
            .find(|(at, c)| *at >= from && *c > base)
            .map(|(at, _)| at - from)
    };
    timeline.ramp_reaction_s = reaction(timeline.phase_starts[0]);
    timeline.spike_reaction_s = reaction(timeline.phase_starts[1]);
    timeline.peak_capacity = timeline
        .capacity
        .iter()
        .map(|(_, c)| *c)
        .fold(0.0, f64::max);
    timeline.final_capacity = timeline.capacity.last().map_or(0.0, |(_, c)| *c);
    timeline.fall_back_s = timeline
        .capacity
        .iter()
        .find(|(at, c)| *at >= total as f64 && *c <= 0.5)
        .map(|(at, _)| at - total as f64);
    Ok(timeline)
}
