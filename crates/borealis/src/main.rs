//! The one Borealis binary. `borealis up` starts a whole local cluster; every
//! part also runs on its own (`borealis storage ...`), so that in production
//! each part is its own process on its own host, from this same binary.
//!
//! Modules: [`layout`] (the cluster's directory and its files), [`up`] (the
//! supervisor of a local cluster) with [`compute_supervisor`] (the compute
//! under it: restarts, auto-pause, wake-on-connect), [`status`] and
//! [`part_control`] (the CLI that inspects it and stops or starts one part
//! for fault tests), [`storage_cmd`] (a storage replica process),
//! [`compute_cmd`] (a compute process) with [`compute`] (its adapters) and
//! [`compute_process`] (how a parent starts it), [`control_plane`] (serverless
//! settings, metering, metrics) with [`cluster_cmd`] (its CLI),
//! [`volume_bench`] (the commit latency benchmark of the volume).

mod capacity;
mod cluster_cmd;
mod compute;
mod compute_cmd;
mod compute_process;
mod compute_supervisor;
mod control_plane;
mod layout;
mod part_control;
mod status;
mod storage_cmd;
mod storage_process;
mod up;
mod volume_bench;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "borealis",
    version,
    about = "Borealis: a self-hostable Aurora Serverless that speaks PostgreSQL"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a complete local cluster in the foreground.
    Up(up::UpArgs),
    /// Run one storage replica (hosts one segment of every protection group).
    Storage(storage_cmd::StorageArgs),
    /// Run the writer compute: SQL engine and PostgreSQL endpoint on the
    /// cluster volume (`borealis up` starts it).
    Compute(compute_cmd::ComputeArgs),
    /// Show every part of a local cluster.
    Status {
        #[arg(long, default_value = "borealis-data")]
        data_dir: PathBuf,
        /// Print JSON: {"parts": [{"name","role","az","pid","address","state"}]}.
        #[arg(long)]
        json: bool,
    },
    /// Stop one part of a running local cluster (it stays down until started).
    Stop {
        #[arg(long, default_value = "borealis-data")]
        data_dir: PathBuf,
        /// The part's name, as `borealis status` lists it (e.g. storage-3).
        part: String,
    },
    /// Start a part stopped with `borealis stop`.
    Start {
        #[arg(long, default_value = "borealis-data")]
        data_dir: PathBuf,
        part: String,
    },
    /// Show or change a running cluster's serverless settings.
    Cluster {
        #[command(subcommand)]
        command: cluster_cmd::ClusterCommand,
    },
    /// Measure commit latency and throughput of the volume on six local
    /// replicas beside one plain fdatasync.
    BenchVolume(volume_bench::BenchArgs),
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BOREALIS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let result = match cli.command {
        Command::Compute(args) => match compute_cmd::run(args) {
            Ok(code) => return code,
            Err(error) => Err(error),
        },
        Command::Up(args) => up::run(args),
        Command::Cluster { command } => cluster_cmd::run(command),
        Command::Storage(args) => storage_cmd::run(args),
        Command::Status { data_dir, json } => status::run(&data_dir, json),
        Command::Stop { data_dir, part } => part_control::stop(&data_dir, &part),
        Command::Start { data_dir, part } => part_control::start(&data_dir, &part),
        Command::BenchVolume(args) => volume_bench::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("borealis: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
