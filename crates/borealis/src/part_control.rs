//! `borealis stop PART` / `borealis start PART`: fault-test controls for a
//! running local cluster. A stop marker tells the supervisor to keep the
//! part down (and the part is killed at once, like a crash: SIGKILL);
//! removing it lets the supervisor start the part again.

use crate::layout::Layout;
use std::path::Path;

fn check_part(layout: &Layout, part: &str) -> anyhow::Result<()> {
    let state = layout.load_state()?;
    if !state.parts.iter().any(|p| p.name == part) {
        let names: Vec<&str> = state.parts.iter().map(|p| p.name.as_str()).collect();
        anyhow::bail!("no part named {part:?}; parts are {}", names.join(", "));
    }
    if !part.starts_with("storage-") && part != crate::compute_supervisor::WRITER_PART {
        anyhow::bail!("only storage parts and the writer can be stopped and started so far");
    }
    Ok(())
}

pub fn stop(data_dir: &Path, part: &str) -> anyhow::Result<()> {
    let layout = Layout::new(data_dir);
    check_part(&layout, part)?;
    std::fs::write(layout.stop_marker(part), b"")?;
    let state = layout.load_state()?;
    if let Some(pid) = state
        .parts
        .iter()
        .find(|p| p.name == part)
        .and_then(|p| p.pid)
    {
        if let Ok(pid) = i32::try_from(pid) {
            // SAFETY: sending a signal to a pid we recorded as our child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
    wait_for_state(&layout, part, "stopped")?;
    println!("stopped {part}");
    Ok(())
}

/// Waits (a few seconds at most) until the supervisor reports `part` in
/// `state`, so a script can rely on the part being down or up afterwards.
fn wait_for_state(layout: &Layout, part: &str, state: &str) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let current = layout.load_state()?;
        if current
            .parts
            .iter()
            .any(|p| p.name == part && p.state == state)
        {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            anyhow::bail!("{part} did not reach state {state:?}: is `borealis up` running?");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

pub fn start(data_dir: &Path, part: &str) -> anyhow::Result<()> {
    let layout = Layout::new(data_dir);
    check_part(&layout, part)?;
    match std::fs::remove_file(layout.stop_marker(part)) {
        Ok(()) => {
            wait_for_state(&layout, part, "running")?;
            println!("started {part}");
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => println!("{part} was not stopped"),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
