//! `borealis storage`: one storage replica process.

use anyhow::Context;
use borealis_storage_replica::server::{self, ServerConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct StorageArgs {
    /// Where this replica keeps its segments.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// Address to listen on for the writer and peers.
    #[arg(long)]
    pub listen: SocketAddr,
    /// Every replica's address, comma-separated (for gossip).
    #[arg(long, value_delimiter = ',')]
    pub peers: Vec<SocketAddr>,
    /// Protection groups of a new volume (PGs made by splits are hosted on
    /// demand).
    #[arg(long, default_value_t = 1)]
    pub pg_count: u32,
    /// Availability zone label (informational).
    #[arg(long, default_value = "a")]
    pub az: String,
    /// How often to pull missing records from a peer.
    #[arg(long, default_value_t = 100)]
    pub gossip_interval_ms: u64,
}

pub fn run(args: StorageArgs) -> anyhow::Result<()> {
    if !(1..=256).contains(&args.pg_count) {
        anyhow::bail!("--pg-count must be between 1 and 256");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // sqlparser and the engine recurse on nested expressions; debug
        // builds need more than tokio's default 2 MiB to reach their limits.
        .thread_stack_size(8 << 20)
        .enable_all()
        .build()?;
    tracing::info!(az = %args.az, data_dir = %args.data_dir.display(), "starting storage replica");
    runtime
        .block_on(server::run(ServerConfig {
            data_dir: args.data_dir.clone(),
            listen: args.listen,
            pg_count: args.pg_count,
            peers: args.peers,
            gossip_interval: Duration::from_millis(args.gossip_interval_ms),
        }))
        .with_context(|| format!("storage replica on {}", args.listen))
}
