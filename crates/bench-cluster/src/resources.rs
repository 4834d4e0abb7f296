//! Resources under load: one pgbench tpcb-like run per system while a thread
//! samples the memory of every process, with the bytes every process wrote
//! to storage before and after, per committed transaction.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use crate::matrix::{progress, Systems};
use crate::run::Run;
use crate::{client, memory, pgbench, procfs, Settings};

/// Bytes written to storage over the tpcb-like resource run.
#[derive(Debug, Serialize)]
pub struct WriteVolume {
    pub transactions: u64,
    /// Written during the run (until its clients disconnected).
    pub bytes_during_run: u64,
    /// Including what followed: PostgreSQL's CHECKPOINT right after the run
    /// (the data pages it defers), Borealis's next 2 s of background work.
    pub bytes_with_deferred: u64,
    pub bytes_per_transaction: f64,
    pub bytes_per_transaction_with_deferred: f64,
    /// Borealis only: bytes per process (writer+endpoint, each replica).
    pub per_process: Vec<(String, u64)>,
}

#[derive(Debug, Serialize)]
pub struct Resources {
    pub workload: String,
    pub borealis_run: Run,
    pub postgres_run: Run,
    pub borealis_memory: memory::MemoryUse,
    pub postgres_memory: memory::MemoryUse,
    pub borealis_writes: WriteVolume,
    pub postgres_writes: WriteVolume,
}

/// tpcb-like, prepared, 8 clients, without the pre-run VACUUM: memory of
/// every process sampled under load, and write_bytes of every process
/// before and after, per committed transaction.
pub fn measure(
    pgbench: &pgbench::Pgbench,
    systems: &Systems,
    scale: u32,
    settings: &Settings,
    work: &Path,
) -> Result<Resources> {
    let duration = Duration::from_secs(settings.resource_secs);
    let workload = format!(
        "pgbench tpcb-like s{scale} prepared c8, {} s, -n",
        settings.resource_secs
    );
    eprintln!("resources: {workload}");
    let every = Duration::from_millis(250);

    // Borealis: its parts' pids are fixed while it runs.
    let b = &systems.borealis;
    let b_processes = b.processes()?;
    let before: Vec<(String, u64)> = b_processes
        .iter()
        .map(|(name, pid)| (name.clone(), procfs::write_bytes(*pid).unwrap_or(0)))
        .collect();
    let listed = b_processes.clone();
    let sampler = memory::start(move || listed.clone(), every);
    let b_run = pgbench.run(
        &b.target(),
        "tpcb-like",
        "prepared",
        8,
        duration,
        false,
        work,
        "resources-borealis",
    )?;
    let b_memory = sampler.finish();
    std::thread::sleep(Duration::from_millis(500));
    let after_run = b.write_bytes()?;
    std::thread::sleep(Duration::from_secs(2));
    let after_deferred = b.write_bytes()?;
    let per_process: Vec<(String, u64)> = b_processes
        .iter()
        .zip(&before)
        .map(|((name, pid), (_, was))| {
            (
                name.clone(),
                procfs::write_bytes(*pid).unwrap_or(0).saturating_sub(*was),
            )
        })
        .collect();
    let b_before: u64 = before.iter().map(|(_, v)| v).sum();
    progress(1, 2, &workload, "Borealis", &b_run);

    // PostgreSQL: backends come and go; the postmaster's counter keeps those it reaped.
    let p = systems.postgres.clone();
    let p_before = p.write_bytes();
    let sampled = p.clone();
    let sampler = memory::start(move || sampled.processes(), every);
    let p_run = pgbench.run(
        &p.target(),
        "tpcb-like",
        "prepared",
        8,
        duration,
        false,
        work,
        "resources-postgres",
    )?;
    let p_memory = sampler.finish();
    std::thread::sleep(Duration::from_millis(500));
    let p_after_run = p.write_bytes();
    client::query(&p.target(), "CHECKPOINT")?;
    std::thread::sleep(Duration::from_millis(300));
    let p_after_checkpoint = p.write_bytes();
    progress(2, 2, &workload, "PostgreSQL", &p_run);

    let volume = |run: &Run, during: u64, deferred: u64, per_process| {
        let txns = run.transactions.max(1) as f64;
        WriteVolume {
            transactions: run.transactions,
            bytes_during_run: during,
            bytes_with_deferred: deferred,
            bytes_per_transaction: during as f64 / txns,
            bytes_per_transaction_with_deferred: deferred as f64 / txns,
            per_process,
        }
    };
    Ok(Resources {
        workload,
        borealis_writes: volume(
            &b_run,
            after_run.saturating_sub(b_before),
            after_deferred.saturating_sub(b_before),
            per_process,
        ),
        postgres_writes: volume(
            &p_run,
            p_after_run.saturating_sub(p_before),
            p_after_checkpoint.saturating_sub(p_before),
            Vec::new(),
        ),
        borealis_run: b_run,
        postgres_run: p_run,
        borealis_memory: b_memory,
        postgres_memory: p_memory,
    })
}
