//! The interleaved runs: every workload on Borealis and right after on
//! PostgreSQL, repeat after repeat, for pgbench (per scale, after loading it)
//! and sysbench (after preparing its table).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use serde::Serialize;

use crate::client::Target;
use crate::report::{Measured, Workload};
use crate::run::Run;
use crate::{cleanup, cluster, loadavg, pgbench, postgres, sysbench, Settings};

/// The two systems under test, Borealis first in every pair.
pub struct Systems {
    pub borealis: Arc<cluster::Borealis>,
    pub borealis_running: Option<cleanup::Registration>,
    pub postgres: Arc<postgres::Postgres>,
    pub postgres_running: Option<cleanup::Registration>,
}

impl Systems {
    pub fn targets(&self) -> [(&'static str, Target); 2] {
        [
            ("Borealis", self.borealis.target()),
            ("PostgreSQL", self.postgres.target()),
        ]
    }
}

#[derive(Debug, Serialize)]
pub struct LoadTime {
    pub system: &'static str,
    pub what: String,
    pub seconds: Option<f64>,
    pub error: Option<String>,
}

pub fn find_pgbench(pg_bin: &Path) -> Result<PathBuf> {
    let beside = pg_bin.join("pgbench");
    if beside.exists() {
        return Ok(beside);
    }
    let on_path = std::process::Command::new("pgbench")
        .arg("--version")
        .output();
    match on_path {
        Ok(out) if out.status.success() => Ok(PathBuf::from("pgbench")),
        _ => bail!("pgbench not found (install postgresql-15 / postgresql-contrib)"),
    }
}

/// `pgbench -i` at `scale` on both systems, then an untimed warm-up; returns
/// the load error of each system (Borealis, PostgreSQL), None when loaded.
pub fn load_scale(
    pgbench: &pgbench::Pgbench,
    systems: &Systems,
    scale: u32,
    settings: &Settings,
    work: &Path,
    load_times: &mut Vec<LoadTime>,
) -> Result<[Option<String>; 2]> {
    let mut errors: [Option<String>; 2] = [None, None];
    for (i, (system, target)) in systems.targets().into_iter().enumerate() {
        eprintln!(
            "loading pgbench scale {scale} on {system} (load {})",
            loadavg()
        );
        match pgbench.init(&target, scale, work) {
            Ok(took) => {
                eprintln!("  loaded in {:.1} s", took.as_secs_f64());
                load_times.push(LoadTime {
                    system,
                    what: format!("pgbench -i -s {scale}"),
                    seconds: Some(took.as_secs_f64()),
                    error: None,
                });
            }
            Err(e) => {
                eprintln!("  load failed: {e:#}");
                load_times.push(LoadTime {
                    system,
                    what: format!("pgbench -i -s {scale}"),
                    seconds: None,
                    error: Some(format!("{e:#}")),
                });
                errors[i] = Some(format!("pgbench -i -s {scale} failed: {e:#}"));
                continue;
            }
        }
        if settings.warmup_secs > 0 {
            let warm = pgbench.run(
                &target,
                "select-only",
                "prepared",
                8,
                Duration::from_secs(settings.warmup_secs),
                false,
                work,
                &format!("warmup-{}-s{scale}", target.port),
            )?;
            if let Some(e) = warm.error {
                eprintln!("  warm-up on {system} failed: {e}");
            }
        }
    }
    Ok(errors)
}

pub fn progress(step: usize, steps: usize, label: &str, system: &str, run: &Run) {
    match &run.error {
        None => eprintln!(
            "[{step}/{steps}] {label} on {system}: {:.0} TPS, p50 {:.2} ms, p99 {:.2} ms (load {}){}",
            run.tps,
            run.p50_ms.unwrap_or(f64::NAN),
            run.p99_ms.unwrap_or(f64::NAN),
            loadavg(),
            if run.failed > 0 {
                format!(", {} failed", run.failed)
            } else {
                String::new()
            }
        ),
        Some(e) => eprintln!(
            "[{step}/{steps}] {label} on {system}: ERROR {}",
            e.lines().next().unwrap_or_default()
        ),
    }
}

/// Every script x mode x client count at one scale, `repeats` times, each
/// workload on Borealis then right away on PostgreSQL.
pub fn measure_pgbench(
    pgbench: &pgbench::Pgbench,
    systems: &Systems,
    scale: u32,
    settings: &Settings,
    work: &Path,
    load_errors: &[Option<String>; 2],
    measured: &mut Vec<Measured>,
) -> Result<()> {
    let first = measured.len();
    for script in &settings.scripts {
        for mode in &settings.modes {
            for &clients in &settings.clients {
                measured.push(Measured {
                    workload: Workload {
                        tool: "pgbench".into(),
                        test: script.clone(),
                        scale: Some(scale),
                        mode: Some(mode.clone()),
                        clients,
                    },
                    borealis: Vec::new(),
                    postgres: Vec::new(),
                });
            }
        }
    }
    let steps = (measured.len() - first) * settings.repeats as usize * 2;
    let mut step = 0;
    for repeat in 0..settings.repeats {
        for cell in &mut measured[first..] {
            let w = cell.workload.clone();
            for (i, (system, target)) in systems.targets().into_iter().enumerate() {
                step += 1;
                let run = match &load_errors[i] {
                    Some(e) => Run::failed(e.clone()),
                    None => pgbench.run(
                        &target,
                        &w.test,
                        w.mode.as_deref().unwrap_or("simple"),
                        w.clients,
                        settings.duration(),
                        true,
                        work,
                        &format!("pgbench-{}-r{repeat}-{step}", target.port),
                    )?,
                };
                progress(step, steps, &w.label(), system, &run);
                if i == 0 {
                    cell.borealis.push(run)
                } else {
                    cell.postgres.push(run)
                }
            }
        }
    }
    Ok(())
}

/// sysbench: prepare sbtest1 on both, then every test x thread count,
/// repeated and interleaved like pgbench.
pub fn measure_sysbench(
    sb: &sysbench::Sysbench,
    systems: &Systems,
    settings: &Settings,
    work: &Path,
    measured: &mut Vec<Measured>,
    load_times: &mut Vec<LoadTime>,
) -> Result<()> {
    let mut prepare_errors: [Option<String>; 2] = [None, None];
    for (i, (system, target)) in systems.targets().into_iter().enumerate() {
        eprintln!(
            "sysbench prepare ({} rows) on {system}",
            settings.sysbench_table_size
        );
        let started = Instant::now();
        let result = sb.prepare(&target, work);
        let error = result.err().map(|e| format!("{e:#}"));
        if let Some(e) = &error {
            eprintln!("  prepare failed: {e}");
            prepare_errors[i] = Some(e.clone());
        }
        load_times.push(LoadTime {
            system,
            what: format!("sysbench prepare, {} rows", settings.sysbench_table_size),
            seconds: error.is_none().then(|| started.elapsed().as_secs_f64()),
            error,
        });
    }
    let first = measured.len();
    for test in &settings.sysbench_tests {
        for ps_mode in &settings.sysbench_ps_modes {
            for &threads in &settings.sysbench_threads {
                measured.push(Measured {
                    workload: Workload {
                        tool: "sysbench".into(),
                        test: test.clone(),
                        scale: None,
                        mode: Some(format!("ps-{ps_mode}")),
                        clients: threads,
                    },
                    borealis: Vec::new(),
                    postgres: Vec::new(),
                });
            }
        }
    }
    let steps = (measured.len() - first) * settings.repeats as usize * 2;
    let mut step = 0;
    for repeat in 0..settings.repeats {
        for cell in &mut measured[first..] {
            let w = cell.workload.clone();
            for (i, (system, target)) in systems.targets().into_iter().enumerate() {
                step += 1;
                let run = match &prepare_errors[i] {
                    Some(e) => Run::failed(e.clone()),
                    None => sb.run(
                        &target,
                        &w.test,
                        w.mode
                            .as_deref()
                            .and_then(|m| m.strip_prefix("ps-"))
                            .unwrap_or("auto"),
                        w.clients,
                        settings.duration(),
                        work,
                        &format!("sysbench-{}-r{repeat}-{step}", target.port),
                    )?,
                };
                progress(step, steps, &w.label(), system, &run);
                if i == 0 {
                    cell.borealis.push(run)
                } else {
                    cell.postgres.push(run)
                }
            }
        }
    }
    Ok(())
}
