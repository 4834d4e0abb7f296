//! Everything the benchmark starts registers a stop action here, so that a
//! normal exit, an error return and Ctrl-C/SIGTERM all stop it: the servers
//! are stopped in reverse order of start and their temp dirs removed.

use std::sync::Mutex;

type StopAction = Box<dyn FnOnce() + Send>;

/// Stop actions in start order, keyed so one can be run early (e.g. a server
/// stopped before the next phase).
static ACTIONS: Mutex<Vec<(u64, StopAction)>> = Mutex::new(Vec::new());
static NEXT_KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A registered stop action; `run` performs it now, otherwise `run_all` does.
#[derive(Debug)]
pub struct Registration(u64);

pub fn register(action: impl FnOnce() + Send + 'static) -> Registration {
    let key = NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    lock().push((key, Box::new(action)));
    Registration(key)
}

impl Registration {
    /// Runs this action now (once); later `run_all` calls skip it.
    pub fn run(self) {
        let action = {
            let mut actions = lock();
            let index = actions.iter().position(|(k, _)| *k == self.0);
            index.map(|i| actions.remove(i).1)
        };
        if let Some(action) = action {
            action();
        }
    }
}

/// Runs every pending action, newest first. The lock is held throughout, so a
/// second caller (an error exit racing Ctrl-C) waits until everything is
/// stopped instead of exiting early.
pub fn run_all() {
    let mut actions = lock();
    while let Some((_, action)) = actions.pop() {
        action();
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<(u64, StopAction)>> {
    ACTIONS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs every pending action when dropped (normal exit, error, panic unwind).
pub struct RunAllOnDrop;

impl Drop for RunAllOnDrop {
    fn drop(&mut self) {
        run_all();
    }
}

/// Ctrl-C / SIGTERM: stop everything, then exit 130. A thread of its own, so
/// it runs while the main thread waits on a client process.
pub fn install_signal_handler() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            runtime.block_on(async {
                use tokio::signal::unix::{signal, SignalKind};
                let Ok(mut term) = signal(SignalKind::terminate()) else {
                    return;
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
                eprintln!("interrupted: stopping Borealis and PostgreSQL, removing temp dirs");
                run_all();
                std::process::exit(130);
            });
        })?;
    Ok(())
}
