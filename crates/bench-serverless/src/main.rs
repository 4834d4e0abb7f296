//! `borealis-bench-serverless` (run it with `bench/serverless.sh`): what a
//! user of a serverless database feels, measured through the real binary.
//!
//! 1. **Resume latency**: with `--min-acu 0 --auto-pause 1`, N times: wait
//!    for the compute to pause, then time a new connection's first answer
//!    (`select 1`), beside the same with the compute running.
//! 2. **Scaling under a load pattern** (idle, ramp, spike, idle): clients
//!    run prepared point selects; the compute's capacity is sampled every
//!    250 ms; printed are the reaction times to the ramp and to the spike,
//!    and a PNG chart shows capacity, throughput and latency over time.

mod chart;
mod cluster;
mod load;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use serde::Serialize;

use cluster::Cluster;

#[derive(Parser)]
struct Args {
    /// The borealis binary (a release build).
    #[arg(long)]
    borealis_bin: PathBuf,
    /// Resumes to measure.
    #[arg(long, default_value_t = 50)]
    resumes: usize,
    /// Seconds of each phase: idle, ramp, spike, idle.
    #[arg(long, value_delimiter = ',', default_value = "10,20,10,20")]
    phases: Vec<u64>,
    /// Clients at the top of the ramp, and during the spike.
    #[arg(long, value_delimiter = ',', default_value = "8,32")]
    clients: Vec<usize>,
    #[arg(long)]
    json: PathBuf,
    #[arg(long)]
    chart: PathBuf,
    /// A TrueType font for the chart (default: DejaVu Sans from fonts-dejavu-core).
    #[arg(long)]
    font: Option<PathBuf>,
}

#[derive(Serialize)]
struct Summary {
    p50_ms: f64,
    p99_ms: f64,
    min_ms: f64,
    max_ms: f64,
    count: usize,
}

fn summarize(samples: &[Duration]) -> Summary {
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    let rank = |p: f64| {
        let i = ((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len().max(1)) - 1;
        ms.get(i).copied().unwrap_or(f64::NAN)
    };
    Summary {
        p50_ms: rank(0.5),
        p99_ms: rank(0.99),
        min_ms: ms.first().copied().unwrap_or(f64::NAN),
        max_ms: ms.last().copied().unwrap_or(f64::NAN),
        count: ms.len(),
    }
}

#[derive(Serialize)]
struct Report {
    machine: String,
    measured_at_unix: u64,
    resume: Summary,
    connect_while_running: Summary,
    scaling: load::Timeline,
}

async fn first_answer(conninfo: &str) -> Result<Duration> {
    let started = Instant::now();
    let (client, connection) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls).await?;
    let driver = tokio::spawn(connection);
    client.simple_query("select 1").await?;
    let elapsed = started.elapsed();
    drop(client);
    let _ = driver.await;
    Ok(elapsed)
}

async fn measure_resumes(args: &Args, dir: &std::path::Path) -> Result<(Summary, Summary)> {
    let cluster = Cluster::start(
        &args.borealis_bin,
        &dir.join("resume"),
        &["--min-acu", "0", "--max-acu", "4", "--auto-pause", "1"],
    )?;
    cluster.wait_for_writer("running", Duration::from_secs(60))?;
    let conninfo = cluster.conninfo();
    let mut running = Vec::new();
    for _ in 0..args.resumes {
        running.push(first_answer(&conninfo).await?);
    }
    let mut resumes = Vec::with_capacity(args.resumes);
    for i in 0..args.resumes {
        cluster
            .wait_for_writer("paused", Duration::from_secs(60))
            .with_context(|| format!("pause {i}"))?;
        let latency = first_answer(&conninfo).await?;
        eprintln!("resume {:>3}: {:.1} ms", i + 1, latency.as_secs_f64() * 1e3);
        resumes.push(latency);
    }
    cluster.stop();
    Ok((summarize(&resumes), summarize(&running)))
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores ({cpu})")
}

async fn run(args: Args) -> Result<()> {
    anyhow::ensure!(args.phases.len() == 4, "--phases takes 4 durations");
    anyhow::ensure!(args.clients.len() == 2, "--clients takes 2 counts");
    let font = chart::find_font(args.font.as_deref())?;
    let dir =
        std::env::temp_dir().join(format!("borealis-bench-serverless-{}", std::process::id()));
    let _cleanup = RemoveDir(dir.clone());

    let (resume, running) = measure_resumes(&args, &dir).await?;
    let cluster = Cluster::start(
        &args.borealis_bin,
        &dir.join("scaling"),
        &["--min-acu", "0.5", "--max-acu", "8"],
    )?;
    let timeline = load::run_pattern(&cluster, &args.phases, &args.clients).await?;
    cluster.stop();

    let report = Report {
        machine: machine(),
        measured_at_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        resume,
        connect_while_running: running,
        scaling: timeline,
    };
    println!("Borealis serverless — {}", report.machine);
    println!("| measurement | p50 | p99 | min | max | n |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (name, s) in [
        ("resume: paused -> first answer", &report.resume),
        (
            "connect + first answer, compute running",
            &report.connect_while_running,
        ),
    ] {
        println!(
            "| {name} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
            s.p50_ms, s.p99_ms, s.min_ms, s.max_ms, s.count
        );
    }
    let t = &report.scaling;
    let show = |r: Option<f64>| r.map_or("no rise".to_string(), |s| format!("{s:.2} s"));
    println!(
        "scale-up reaction: ramp {}, spike {}; peak {} ACU; capacity back at {} ACU {} after the load",
        show(t.ramp_reaction_s),
        show(t.spike_reaction_s),
        t.peak_capacity,
        t.final_capacity,
        show(t.fall_back_s)
    );
    std::fs::write(&args.json, serde_json::to_string_pretty(&report)?)?;
    chart::draw(&report.scaling, &args.chart, &font, &report.machine)?;
    println!(
        "JSON: {}\nchart: {}",
        args.json.display(),
        args.chart.display()
    );
    Ok(())
}

struct RemoveDir(PathBuf);

impl Drop for RemoveDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("borealis-bench-serverless: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("borealis-bench-serverless: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
