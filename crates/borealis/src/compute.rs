//! The writer compute inside `borealis up`: opens (and recovers) the volume.

use crate::layout::{ClusterConfig, PartState};
use crate::up::{Supervisor, UpArgs};
use borealis_volume_client::{Volume, VolumeConfig};
use std::sync::{Arc, Mutex};

pub async fn run_writer(
    _args: &UpArgs,
    config: &ClusterConfig,
    _password: &str,
    supervisor: Arc<Mutex<Supervisor>>,
) -> anyhow::Result<()> {
    let replicas = config.storage.iter().map(|p| p.address).collect();
    let volume = Volume::open(VolumeConfig::new(replicas, config.pg_count)).await?;
    supervisor
        .lock()
        .expect("supervisor lock")
        .add_part(PartState {
            name: "writer".into(),
            role: "writer".into(),
            az: None,
            pid: Some(std::process::id()),
            address: "-".into(),
            state: "running".into(),
        })?;
    println!(
        "volume ready: epoch {}, read point {}",
        volume.epoch(),
        volume.read_point()
    );
    std::future::pending::<()>().await;
    Ok(())
}
