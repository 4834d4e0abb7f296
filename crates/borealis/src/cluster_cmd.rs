//! `borealis cluster show|modify`: the serverless settings of a running
//! local cluster, read and changed through its control plane; a change
//! takes effect at once, without a restart.

use crate::control_plane::{apply_changes, blocking_admin_call};
use crate::layout::Layout;
use borealis_serverless::ServerlessConfig;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum ClusterCommand {
    /// Print the capacity range, auto-pause, current capacity and metering.
    Show {
        #[arg(long, default_value = "borealis-data")]
        data_dir: PathBuf,
    },
    /// Change the capacity range or auto-pause of a running cluster.
    Modify {
        #[arg(long, default_value = "borealis-data")]
        data_dir: PathBuf,
        /// Lowest capacity in ACUs (0 to 256 in steps of 0.5; 0 enables auto-pause).
        #[arg(long)]
        min_acu: Option<String>,
        /// Highest capacity in ACUs (0.5 to 256 in steps of 0.5).
        #[arg(long)]
        max_acu: Option<String>,
        /// With min 0: seconds without connections before the compute pauses.
        #[arg(long, allow_negative_numbers = true)]
        auto_pause: Option<i64>,
    },
}

/// The control plane's HTTP address, from the running cluster's state.
fn control_address(data_dir: &std::path::Path) -> anyhow::Result<String> {
    let state = Layout::new(data_dir).load_state()?;
    state
        .parts
        .iter()
        .find(|p| p.role == "control")
        .map(|p| p.address.clone())
        .ok_or_else(|| anyhow::anyhow!("the running cluster lists no control plane"))
}

pub fn run(command: ClusterCommand) -> anyhow::Result<()> {
    match command {
        ClusterCommand::Show { data_dir } => {
            let control = control_address(&data_dir)?;
            let status = blocking_admin_call(&format!("http://{control}/status"), "GET", None)?;
            let status: serde_json::Value = serde_json::from_str(&status)?;
            println!("{}", serde_json::to_string_pretty(&status)?);
            Ok(())
        }
        ClusterCommand::Modify {
            data_dir,
            min_acu,
            max_acu,
            auto_pause,
        } => {
            if min_acu.is_none() && max_acu.is_none() && auto_pause.is_none() {
                anyhow::bail!("nothing to change: give --min-acu, --max-acu or --auto-pause");
            }
            let control = control_address(&data_dir)?;
            let url = format!("http://{control}/config");
            let current: ServerlessConfig =
                serde_json::from_str(&blocking_admin_call(&url, "GET", None)?)?;
            let changed =
                apply_changes(current, min_acu.as_deref(), max_acu.as_deref(), auto_pause)?;
            let body = serde_json::to_string(&changed)?;
            let saved: ServerlessConfig =
                serde_json::from_str(&blocking_admin_call(&url, "PUT", Some(body))?)?;
            println!(
                "capacity {}, auto-pause after {} s{}",
                saved.range,
                saved.auto_pause_seconds,
                if saved.range.allows_pause() {
                    ""
                } else {
                    " (off: min is above 0)"
                }
            );
            Ok(())
        }
    }
}
