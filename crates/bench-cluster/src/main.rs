//! Side-by-side cluster benchmark (issue 5): the same pgbench and sysbench
//! clients against `borealis up` (six storage replicas, every commit durable
//! on 4 of 6) and against a PostgreSQL 15 started in the same run on the same
//! machine (fsync and synchronous_commit on, shared_buffers equal to
//! Borealis's read cache), interleaved Borealis, PostgreSQL, Borealis, ...
//! so drift hits both. Also measures cold start, memory of every part under
//! load and bytes written per committed transaction, runs the engine
//! benchmarks (crates/bench-engine) and writes a table, JSON and a PNG chart.
//!
//! Modules: [`cluster`] and [`postgres`] start and stop the two systems,
//! [`pgbench`] and [`sysbench`] run the clients, [`matrix`] interleaves
//! them, [`resources`], [`memory`] and [`procfs`] measure processes,
//! [`report`] and [`chart`] present the results, [`cleanup`] stops
//! everything on any exit.

mod chart;
mod cleanup;
mod client;
mod cluster;
mod matrix;
mod memory;
mod pgbench;
mod postgres;
mod proc_util;
mod procfs;
mod report;
mod resources;
mod run;
mod stats;
mod sysbench;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use clap::Parser;
use serde::Serialize;

use matrix::{find_pgbench, load_scale, measure_pgbench, measure_sysbench, LoadTime, Systems};
use report::{Measured, Row};
use resources::Resources;

#[derive(Parser, Debug)]
#[command(
    name = "borealis-bench-cluster",
    about = "pgbench and sysbench against borealis up and PostgreSQL 15, side by side (bench/cluster.sh)"
)]
struct Args {
    /// A run of a few minutes: scale 1, 8 clients, 10 s, 1 repeat, a small
    /// sysbench table and small engine benchmarks (flags given explicitly win).
    #[arg(long)]
    quick: bool,
    /// Seconds per timed run [full: 15, quick: 10].
    #[arg(long)]
    duration: Option<u64>,
    /// Repeats of every workload on each system [full: 3, quick: 1].
    #[arg(long)]
    repeats: Option<u32>,
    /// pgbench scales [full: 1,10, quick: 1].
    #[arg(long, value_delimiter = ',')]
    scales: Option<Vec<u32>>,
    /// Client counts for pgbench [full: 1,2,8,32, quick: 8].
    #[arg(long, value_delimiter = ',')]
    clients: Option<Vec<u32>>,
    #[arg(long, value_delimiter = ',', default_value = "tpcb-like,select-only")]
    scripts: Vec<String>,
    #[arg(long, value_delimiter = ',', default_value = "simple,prepared")]
    modes: Vec<String>,
    /// Untimed select-only seconds on each system after loading a scale.
    #[arg(long, default_value_t = 5)]
    warmup: u64,
    #[arg(long)]
    no_pgbench: bool,
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "oltp_point_select,oltp_read_write"
    )]
    sysbench_tests: Vec<String>,
    #[arg(long, value_delimiter = ',', default_value = "8")]
    sysbench_threads: Vec<u32>,
    /// sysbench --db-ps-mode values: `auto` (server-side prepared statements
    /// with declared parameter types, sysbench's default) and/or `disable`.
    #[arg(long, value_delimiter = ',')]
    sysbench_ps_modes: Option<Vec<String>>,
    /// Rows in sbtest1 [full: 100000, quick: 10000].
    #[arg(long)]
    sysbench_table_size: Option<u64>,
    #[arg(long)]
    no_sysbench: bool,
    /// Seconds of the pgbench tpcb-like run (8 clients) that measures memory
    /// and bytes written per transaction [default: --duration].
    #[arg(long)]
    resource_secs: Option<u64>,
    #[arg(long)]
    no_resources: bool,
    /// Arguments for the engine benchmarks, as one string
    /// [full: its defaults, quick: --rows 100000 --point-rows 20000 --ops 5000 --repeats 1].
    #[arg(long, allow_hyphen_values = true)]
    engine_args: Option<String>,
    #[arg(long)]
    no_engine: bool,
    #[arg(long, default_value = "borealis")]
    borealis_bin: PathBuf,
    /// The borealis-bench-engine binary (skipped when absent).
    #[arg(long)]
    engine_bin: Option<PathBuf>,
    #[arg(long, default_value = "/usr/lib/postgresql/15/bin")]
    pg_bin: PathBuf,
    /// Borealis's capacity, fixed for the run (`up --min-acu A --max-acu A`):
    /// its read cache, execution slots and connection limit follow it, and
    /// PostgreSQL's shared_buffers is set to that cache. A fixed capacity
    /// keeps autoscaling out of the comparison (it is measured by
    /// bench/serverless.sh).
    #[arg(long, default_value = "4")]
    acu: borealis_serverless::Acu,
    /// PostgreSQL shared_buffers in MiB [default: Borealis's read cache size].
    #[arg(long)]
    shared_buffers_mib: Option<u64>,
    #[arg(long)]
    json: Option<PathBuf>,
    #[arg(long)]
    chart: Option<PathBuf>,
    /// A TrueType font for the chart [default: DejaVu Sans from the system].
    #[arg(long)]
    font: Option<PathBuf>,
    /// Only redraw the chart (to --chart) from the JSON of an earlier run.
    #[arg(long)]
    chart_from: Option<PathBuf>,
    /// Keep the temp dir (data dirs, client output) for inspection.
    #[arg(long)]
    keep_temp: bool,
}

/// The run's settings after applying --quick (recorded in the JSON).
#[derive(Debug, Serialize)]
struct Settings {
    quick: bool,
    duration_secs: u64,
    repeats: u32,
    scales: Vec<u32>,
    clients: Vec<u32>,
    scripts: Vec<String>,
    modes: Vec<String>,
    warmup_secs: u64,
    sysbench_tests: Vec<String>,
    sysbench_threads: Vec<u32>,
    sysbench_ps_modes: Vec<String>,
    sysbench_table_size: u64,
    resource_secs: u64,
    engine_args: Vec<String>,
    borealis_acu: f64,
    borealis_cache_mib: u64,
    postgres_shared_buffers_mib: u64,
    postgres_settings: Vec<(String, String)>,
    borealis_git_rev: String,
}

impl Settings {
    fn from(args: &Args) -> Settings {
        let q = args.quick;
        let duration_secs = args.duration.unwrap_or(if q { 10 } else { 15 });
        // The writer's read cache at the run's capacity, as the compute sizes it.
        let resources = borealis_serverless::InstanceResources::for_capacity(
            args.acu,
            &borealis_serverless::ScaleProfile::default(),
        );
        let borealis_cache_mib = resources.cache_bytes >> 20;
        let engine_args = match &args.engine_args {
            Some(s) => s.split_whitespace().map(String::from).collect(),
            None if q => "--rows 100000 --point-rows 20000 --ops 5000 --repeats 1"
                .split(' ')
                .map(String::from)
                .collect(),
            None => Vec::new(),
        };
        Settings {
            quick: q,
            duration_secs,
            repeats: args.repeats.unwrap_or(if q { 1 } else { 3 }),
            scales: args
                .scales
                .clone()
                .unwrap_or(if q { vec![1] } else { vec![1, 10] }),
            clients: args
                .clients
                .clone()
                .unwrap_or(if q { vec![8] } else { vec![1, 2, 8, 32] }),
            scripts: args.scripts.clone(),
            modes: args.modes.clone(),
            warmup_secs: args.warmup,
            sysbench_tests: args.sysbench_tests.clone(),
            sysbench_threads: args.sysbench_threads.clone(),
            sysbench_ps_modes: args.sysbench_ps_modes.clone().unwrap_or_else(|| {
                if q {
                    vec!["auto".into()]
                } else {
                    vec!["auto".into(), "disable".into()]
                }
            }),
            sysbench_table_size: args.sysbench_table_size.unwrap_or(if q {
                10_000
            } else {
                100_000
            }),
            resource_secs: args.resource_secs.unwrap_or(duration_secs),
            engine_args,
            borealis_acu: args.acu.as_f64(),
            borealis_cache_mib,
            postgres_shared_buffers_mib: args.shared_buffers_mib.unwrap_or(borealis_cache_mib),
            postgres_settings: Vec::new(),
            borealis_git_rev: std::env::var("BOREALIS_GIT_REV")
                .unwrap_or_else(|_| "unknown".into()),
        }
    }

    fn duration(&self) -> Duration {
        Duration::from_secs(self.duration_secs)
    }
}

#[derive(Debug, Default, Serialize)]
struct ColdStarts {
    /// `borealis up` on an empty data dir until `SELECT 1` is answered.
    borealis_fresh_ms: Option<f64>,
    /// `borealis up` again on the data the benchmark left, after a clean stop.
    borealis_restart_ms: Option<f64>,
    /// `pg_ctl start` after initdb until `SELECT 1` is answered.
    postgres_ms: Option<f64>,
}

#[derive(Serialize)]
struct Report<'a> {
    measured_at: String,
    machine: report::Machine,
    settings: &'a Settings,
    cold_start: &'a ColdStarts,
    load_times: &'a [LoadTime],
    rows: &'a [Row],
    resources: Option<&'a Resources>,
    skipped: &'a [String],
    engine: Option<serde_json::Value>,
    wall_secs: f64,
    /// /proc/loadavg (1, 5, 15 min) at the start and the end: other work on
    /// the machine during the run.
    load_at_start: String,
    load_at_end: String,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let outcome = cleanup::install_signal_handler().and_then(|()| {
        let _stop_everything = cleanup::RunAllOnDrop;
        run(&args)
    });
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("borealis-bench-cluster: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The parts of an earlier run's JSON the chart needs.
#[derive(serde::Deserialize)]
struct Charted {
    measured_at: String,
    machine: report::Machine,
    rows: Vec<Row>,
}

fn redraw_chart(json: &Path, args: &Args) -> Result<()> {
    let Some(out) = &args.chart else {
        bail!("--chart-from needs --chart (where to write the PNG)");
    };
    let text = std::fs::read_to_string(json).with_context(|| format!("read {}", json.display()))?;
    let charted: Charted =
        serde_json::from_str(&text).with_context(|| format!("parse {}", json.display()))?;
    let font = chart::find_font(args.font.as_deref())?;
    let subtitle = format!("{}, {}", charted.measured_at, charted.machine.describe());
    chart::draw(&charted.rows, out, &font, &subtitle)?;
    println!("chart: {}", out.display());
    Ok(())
}

fn run(args: &Args) -> Result<()> {
    if let Some(json) = &args.chart_from {
        return redraw_chart(json, args);
    }
    let wall = Instant::now();
    let load_at_start = loadavg();
    let mut settings = Settings::from(args);
    if settings.repeats == 0 || settings.duration_secs == 0 {
        bail!("--repeats and --duration must be positive");
    }
    if !args.borealis_bin.exists() && args.borealis_bin.components().count() > 1 {
        bail!("no borealis binary at {}", args.borealis_bin.display());
    }
    let unix_now = SystemTime::now().duration_since(UNIX_EPOCH)?;
    let root = std::env::temp_dir().join(format!(
        "borealis-bench-cluster-{}-{}",
        std::process::id(),
        unix_now.subsec_nanos()
    ));
    std::fs::create_dir_all(&root)?;
    // Registered first, so it runs last: after both servers have stopped.
    if args.keep_temp {
        eprintln!("keeping {}", root.display());
    } else {
        let dir = root.clone();
        cleanup::register(move || {
            let _ = std::fs::remove_dir_all(&dir);
        });
    }
    let work = root.join("clients");
    std::fs::create_dir_all(&work)?;
    eprintln!(
        "borealis-bench-cluster: {:?}; load {}; temp {}",
        settings,
        loadavg(),
        root.display()
    );

    let mut cold = ColdStarts::default();
    let postgres = Arc::new(postgres::Postgres::init(
        &args.pg_bin,
        &root.join("pg"),
        free_port()?,
        settings.postgres_shared_buffers_mib,
    )?);
    settings.postgres_settings = postgres.settings.clone();
    let (pg_cold, pg_registration) = postgres.start()?;
    cold.postgres_ms = Some(pg_cold.as_secs_f64() * 1e3);
    let borealis = cluster::Borealis::new(
        &args.borealis_bin,
        &root.join("borealis"),
        free_port()?,
        "bench-pw",
        args.acu,
    );
    let (b_cold, b_registration) = borealis.start_within(Duration::from_secs(120))?;
    cold.borealis_fresh_ms = Some(b_cold.as_secs_f64() * 1e3);
    eprintln!(
        "cold start to first answer: Borealis {:.0} ms, PostgreSQL {:.0} ms",
        b_cold.as_secs_f64() * 1e3,
        pg_cold.as_secs_f64() * 1e3
    );
    let mut systems = Systems {
        borealis,
        borealis_running: Some(b_registration),
        postgres,
        postgres_running: Some(pg_registration),
    };

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
    let pgbench = pgbench::Pgbench {
        exe: find_pgbench(&args.pg_bin)?,
        max_threads: cores,
    };
    let mut measured: Vec<Measured> = Vec::new();
    let mut load_times: Vec<LoadTime> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let mut resources = None;

    if !args.no_pgbench {
        for (index, &scale) in settings.scales.iter().enumerate() {
            let load_errors =
                load_scale(&pgbench, &systems, scale, &settings, &work, &mut load_times)?;
            measure_pgbench(
                &pgbench,
                &systems,
                scale,
                &settings,
                &work,
                &load_errors,
                &mut measured,
            )?;
            let last_scale = index + 1 == settings.scales.len();
            if last_scale && !args.no_resources && load_errors.iter().all(Option::is_none) {
                resources = Some(resources::measure(
                    &pgbench, &systems, scale, &settings, &work,
                )?);
            }
        }
    }
    if !args.no_sysbench {
        match sysbench::Sysbench::find() {
            Ok(exe) => {
                let sb = sysbench::Sysbench {
                    exe,
                    table_size: settings.sysbench_table_size,
                };
                measure_sysbench(
                    &sb,
                    &systems,
                    &settings,
                    &work,
                    &mut measured,
                    &mut load_times,
                )?;
            }
            Err(e) => {
                let note = format!("sysbench rows skipped: {e:#}");
                eprintln!("{note}");
                skipped.push(note);
            }
        }
    }

    // Restart on the data the benchmark left: recovery, not first boot.
    if let Some(running) = systems.borealis_running.take() {
        running.run();
        match systems.borealis.start_within(Duration::from_secs(60)) {
            Ok((restart, registration)) => {
                cold.borealis_restart_ms = Some(restart.as_secs_f64() * 1e3);
                eprintln!(
                    "restart with data to first answer: Borealis {:.0} ms",
                    restart.as_secs_f64() * 1e3
                );
                registration.run();
            }
            Err(e) => skipped.push(format!("Borealis restart with data failed: {e:#}")),
        }
    }
    if let Some(running) = systems.postgres_running.take() {
        running.run();
    }

    let engine = if args.no_engine {
        None
    } else {
        run_engine(args, &settings, &mut skipped)
    };

    let rows: Vec<Row> = measured.iter().map(Row::of).collect();
    let machine = report::Machine::this();
    let measured_at = report::utc_text(unix_now.as_secs());
    print_results(
        &rows,
        &settings,
        &cold,
        &load_times,
        resources.as_ref(),
        &skipped,
        &format!("{measured_at}, {}", machine.describe()),
    );
    let report = Report {
        measured_at: measured_at.clone(),
        machine: machine.clone(),
        settings: &settings,
        cold_start: &cold,
        load_times: &load_times,
        rows: &rows,
        resources: resources.as_ref(),
        skipped: &skipped,
        engine,
        wall_secs: wall.elapsed().as_secs_f64(),
        load_at_start,
        load_at_end: loadavg(),
    };
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("write {}", path.display()))?;
        println!("JSON: {}", path.display());
    }
    if let Some(path) = &args.chart {
        let subtitle = format!("{measured_at}, {}", machine.describe());
        match chart::find_font(args.font.as_deref())
            .and_then(|font| chart::draw(&rows, path, &font, &subtitle))
        {
            Ok(()) => println!("chart: {}", path.display()),
            Err(e) => eprintln!("no chart: {e:#}"),
        }
    }
    Ok(())
}

/// The engine benchmarks (bench/engine.sh's binary), its output shown as it
/// runs and its JSON folded into this report.
fn run_engine(
    args: &Args,
    settings: &Settings,
    skipped: &mut Vec<String>,
) -> Option<serde_json::Value> {
    let Some(bin) = args.engine_bin.as_ref().filter(|b| b.exists()) else {
        skipped
            .push("engine benchmarks skipped: no --engine-bin (bench/cluster.sh builds it)".into());
        return None;
    };
    let json = std::env::temp_dir().join(format!(
        "borealis-bench-cluster-engine-{}.json",
        std::process::id()
    ));
    eprintln!(
        "engine benchmarks: {} {}",
        bin.display(),
        settings.engine_args.join(" ")
    );
    let status = std::process::Command::new(bin)
        .arg("--json")
        .arg(&json)
        .arg("--pg-bin")
        .arg(&args.pg_bin)
        .args(&settings.engine_args)
        .status();
    let value = match status {
        Ok(s) if s.success() => std::fs::read_to_string(&json)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok()),
        Ok(s) => {
            skipped.push(format!("engine benchmarks failed ({s})"));
            None
        }
        Err(e) => {
            skipped.push(format!("engine benchmarks could not start: {e}"));
            None
        }
    };
    let _ = std::fs::remove_file(&json);
    value
}

fn print_results(
    rows: &[Row],
    settings: &Settings,
    cold: &ColdStarts,
    load_times: &[LoadTime],
    resources: Option<&Resources>,
    skipped: &[String],
    when_and_where: &str,
) {
    println!("\n## Borealis beside PostgreSQL 15 — {when_and_where}\n");
    println!(
        "Borealis at a fixed {} ACU (read cache {} MiB); PostgreSQL shared_buffers {} MiB.",
        settings.borealis_acu, settings.borealis_cache_mib, settings.postgres_shared_buffers_mib
    );
    println!("Median (min–max) over repeats; ratio = Borealis / PostgreSQL.\n");
    println!("{}", report::markdown_table(rows));
    let ms = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.0} ms"));
    println!(
        "Cold start to first answered query: Borealis {} (empty data dir), {} (restart with the benchmark's data); PostgreSQL {} (pg_ctl start).\n",
        ms(cold.borealis_fresh_ms),
        ms(cold.borealis_restart_ms),
        ms(cold.postgres_ms)
    );
    for l in load_times {
        match (l.seconds, &l.error) {
            (Some(s), _) => println!("- {} on {}: {s:.1} s", l.what, l.system),
            (None, Some(e)) => println!(
                "- {} on {}: failed: {}",
                l.what,
                l.system,
                e.lines().next().unwrap_or_default()
            ),
            (None, None) => {}
        }
    }
    if let Some(r) = resources {
        println!(
            "\nUnder load ({}): peak memory per part (RSS / PSS MiB)\n",
            r.workload
        );
        println!(
            "| system | part | processes | RSS MiB | PSS MiB |\n| --- | --- | ---: | ---: | ---: |"
        );
        for (system, m) in [
            ("Borealis", &r.borealis_memory),
            ("PostgreSQL", &r.postgres_memory),
        ] {
            for p in &m.parts {
                println!(
                    "| {system} | {} | {} | {:.1} | {:.1} |",
                    p.part, p.processes, p.rss_mib, p.pss_mib
                );
            }
            println!(
                "| {system} | **total** | | {:.1} | {:.1} |",
                m.total_rss_mib, m.total_pss_mib
            );
        }
        println!("\nBytes written to disk per committed transaction (/proc/PID/io write_bytes, all processes):\n");
        println!("| system | transactions | TPS | bytes/txn during run | bytes/txn incl. deferred |\n| --- | ---: | ---: | ---: | ---: |");
        for (system, w, run, deferred) in [
            ("Borealis", &r.borealis_writes, &r.borealis_run, "next 2 s"),
            (
                "PostgreSQL",
                &r.postgres_writes,
                &r.postgres_run,
                "CHECKPOINT",
            ),
        ] {
            println!(
                "| {system} | {} | {:.0} | {} | {} ({deferred}) |",
                w.transactions,
                run.tps,
                report::number(w.bytes_per_transaction, 0),
                report::number(w.bytes_per_transaction_with_deferred, 0)
            );
        }
        if !r.borealis_writes.per_process.is_empty() {
            let parts: Vec<String> = r
                .borealis_writes
                .per_process
                .iter()
                .map(|(name, bytes)| {
                    format!(
                        "{name} {}",
                        report::number(
                            *bytes as f64 / r.borealis_writes.transactions.max(1) as f64,
                            0
                        )
                    )
                })
                .collect();
            println!("\nBorealis bytes/txn per process: {}", parts.join(", "));
        }
    }
    for s in skipped {
        println!("\nnote: {s}");
    }
}
