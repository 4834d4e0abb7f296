//! `borealis bench-volume`: commit latency and throughput of the volume on
//! six local storage replica processes, beside one plain local `fdatasync`
//! measured in the same run (the physical floor), and the time a new writer
//! takes to recover a volume holding a given amount of log.
//!
//! Targets (issue: cluster volume): p50 commit latency at 1 committer <=
//! 2x one fdatasync; 64 committers >= 20x the throughput of 1 (group
//! commit); recovery of a volume holding 1 GB of log in < 1 s.

use crate::storage_process::StorageProcess;
use anyhow::Context;
use borealis_common::limits::REPLICAS_PER_PG;
use borealis_common::ReplicaId;
use borealis_volume_client::{Volume, VolumeConfig};
use borealis_wire::Mutation;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Scratch directory for the replicas and the fdatasync probe (removed
    /// afterwards). It should be on the disk you want to measure.
    #[arg(long, default_value = "bench-volume-data")]
    pub dir: PathBuf,
    /// Seconds each committer count runs.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// Committer counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,8,64")]
    pub committers: Vec<usize>,
    /// Bytes per committed value.
    #[arg(long, default_value_t = 100)]
    pub value_bytes: usize,
    /// Megabytes of log to write before measuring recovery (0: skip).
    #[arg(long, default_value_t = 1024)]
    pub recovery_log_mb: u64,
    /// Protection groups in the benchmark volume.
    #[arg(long, default_value_t = 1)]
    pub pg_count: u32,
    /// Write the results as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

struct Replicas {
    children: Vec<Child>,
    addresses: Vec<std::net::SocketAddr>,
}

impl Drop for Replicas {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn start_replicas(dir: &Path, pg_count: u32) -> anyhow::Result<Replicas> {
    let addresses = crate::layout::free_loopback_addresses(REPLICAS_PER_PG)?;
    let mut children = Vec::new();
    for (index, address) in addresses.iter().enumerate() {
        let command = StorageProcess {
            data_dir: &dir.join(format!("storage-{index}")),
            listen: *address,
            peers: &addresses,
            pg_count,
            az: &ReplicaId(index as u8).az().name().to_string(),
            log: std::fs::File::create(dir.join(format!("storage-{index}.log")))?,
        }
        .command()?
        .env("BOREALIS_LOG", "warn")
        .spawn()
        .context("start a storage replica")?;
        children.push(command);
    }
    Ok(Replicas {
        children,
        addresses,
    })
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// p50 of writing 4 KiB and fdatasync-ing it, on the benchmark's disk.
fn measure_fdatasync(dir: &Path) -> anyhow::Result<Duration> {
    let path = dir.join("fdatasync-probe");
    let mut file = std::fs::File::create(&path)?;
    let block = vec![7u8; 4096];
    let mut samples = Vec::new();
    for _ in 0..500 {
        let start = Instant::now();
        file.write_all(&block)?;
        file.sync_data()?;
        samples.push(start.elapsed());
    }
    std::fs::remove_file(&path)?;
    samples.sort();
    Ok(percentile(&samples, 0.5))
}

struct Row {
    committers: usize,
    commits: usize,
    throughput: f64,
    p50: Duration,
    p99: Duration,
}

async fn measure_commits(
    volume: &Volume,
    committers: usize,
    seconds: u64,
    value_bytes: usize,
) -> Row {
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for committer in 0..committers {
        let volume = volume.clone();
        let latencies = latencies.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let mut i = 0u64;
            while Instant::now() < deadline {
                let key = format!(
                    "{:02x}bench-{committer}-{i}",
                    (i * 7 + committer as u64) % 256
                );
                let mutation = Mutation {
                    key: key.into_bytes(),
                    value: Some(vec![b'v'; value_bytes]),
                };
                let start = Instant::now();
                if volume.commit(vec![mutation]).await.is_err() {
                    break;
                }
                mine.push(start.elapsed());
                i += 1;
            }
            latencies.lock().expect("latencies").extend(mine);
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed();
    let mut samples = std::mem::take(&mut *latencies.lock().expect("latencies"));
    samples.sort();
    Row {
        committers,
        commits: samples.len(),
        throughput: samples.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&samples, 0.5),
        p99: percentile(&samples, 0.99),
    }
}

/// Writes about `megabytes` of log, then times a new writer's recovery.
async fn measure_recovery(
    volume: Volume,
    config: VolumeConfig,
    megabytes: u64,
) -> anyhow::Result<(u64, Duration)> {
    let value = vec![b'r'; 256 * 1024];
    let total = megabytes * 1024 * 1024;
    let written = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for writer in 0..16u64 {
        let volume = volume.clone();
        let value = value.clone();
        let written = written.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = 0u64;
            while written.load(std::sync::atomic::Ordering::Relaxed) < total {
                let key = format!("{:02x}recovery-{writer}-{i}", (writer * 16 + i) % 256);
                let mutation = Mutation {
                    key: key.into_bytes(),
                    value: Some(value.clone()),
                };
                if volume.commit(vec![mutation]).await.is_err() {
                    return;
                }
                written.fetch_add(value.len() as u64, std::sync::atomic::Ordering::Relaxed);
                i += 1;
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    drop(volume);
    let start = Instant::now();
    let recovered = Volume::open(config).await?;
    let elapsed = start.elapsed();
    drop(recovered);
    Ok((written.load(std::sync::atomic::Ordering::Relaxed), elapsed))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)?;
    let dir = args.dir.canonicalize()?;
    let fdatasync = measure_fdatasync(&dir)?;
    let replicas = start_replicas(&dir, args.pg_count)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let config = VolumeConfig::new(replicas.addresses.clone(), args.pg_count);
    let (rows, recovery) = runtime.block_on(async {
        let volume = Volume::open(config.clone()).await?;
        let mut rows = Vec::new();
        for committers in &args.committers {
            rows.push(measure_commits(&volume, *committers, args.seconds, args.value_bytes).await);
        }
        let recovery = if args.recovery_log_mb > 0 {
            Some(measure_recovery(volume, config, args.recovery_log_mb).await?)
        } else {
            None
        };
        anyhow::Ok((rows, recovery))
    })?;
    drop(replicas);

    println!(
        "Borealis volume: 6 local replicas (3 AZs, {} PG{}), commits durable on 4 of 6",
        args.pg_count,
        if args.pg_count == 1 { "" } else { "s" }
    );
    println!(
        "plain fdatasync of 4 KiB (p50, same disk): {:.3} ms",
        ms(fdatasync)
    );
    println!();
    println!(
        "{:>10} {:>10} {:>14} {:>10} {:>10} {:>14}",
        "committers", "commits", "commits/s", "p50 ms", "p99 ms", "p50/fdatasync"
    );
    for row in &rows {
        println!(
            "{:>10} {:>10} {:>14.0} {:>10.3} {:>10.3} {:>14.2}",
            row.committers,
            row.commits,
            row.throughput,
            ms(row.p50),
            ms(row.p99),
            ms(row.p50) / ms(fdatasync).max(1e-9)
        );
    }
    let base = rows
        .iter()
        .find(|r| r.committers == 1)
        .map(|r| r.throughput);
    if let (Some(base), Some(top)) = (base, rows.iter().max_by_key(|r| r.committers)) {
        println!(
            "\nthroughput at {} committers / at 1: {:.1}x (target >= 20x)",
            top.committers,
            top.throughput / base.max(1e-9)
        );
    }
    if let Some((bytes, elapsed)) = recovery {
        println!(
            "writer recovery with {:.0} MB of log on the volume: {:.1} ms (target < 1000 ms)",
            bytes as f64 / 1048576.0,
            ms(elapsed)
        );
    }
    if let Some(path) = &args.json {
        let json = serde_json::json!({
            "fdatasync_p50_ms": ms(fdatasync),
            "rows": rows.iter().map(|r| serde_json::json!({
                "committers": r.committers, "commits": r.commits,
                "commits_per_s": r.throughput, "p50_ms": ms(r.p50), "p99_ms": ms(r.p99),
            })).collect::<Vec<_>>(),
            "recovery": recovery.map(|(bytes, elapsed)| serde_json::json!({
                "log_bytes": bytes, "recovery_ms": ms(elapsed),
            })),
        });
        std::fs::write(path, serde_json::to_string_pretty(&json)?)?;
    }
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
