//! `borealis status`: every part of a local cluster, from the supervisor's
//! state file, with each pid checked for life.

use crate::layout::{pid_alive, Layout};
use std::path::Path;

pub fn run(data_dir: &Path, json: bool) -> anyhow::Result<()> {
    let layout = Layout::new(data_dir);
    let mut state = layout.load_state()?;
    for part in &mut state.parts {
        if part.state == "running" && !part.pid.is_some_and(pid_alive) {
            part.state = "exited".into();
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&state)?);
        return Ok(());
    }
    println!(
        "{:<12} {:<8} {:<4} {:<8} {:<22} STATE",
        "NAME", "ROLE", "AZ", "PID", "ADDRESS"
    );
    for part in &state.parts {
        println!(
            "{:<12} {:<8} {:<4} {:<8} {:<22} {}",
            part.name,
            part.role,
            part.az.as_deref().unwrap_or("-"),
            part.pid.map_or("-".to_string(), |p| p.to_string()),
            part.address,
            part.state
        );
    }
    Ok(())
}
