//! Query cancellation: BackendKeyData keys, and CancelRequests routed to the running query.
//!
//! Each session registers a slot with a process-unique pid and a random secret (sent to the
//! client in BackendKeyData). A CancelRequest arrives on a separate connection; if pid and
//! secret match and a query is running in that session, the query's future is dropped (see
//! `backend` for the contract) and the client gets 57014. A cancel with no query running is
//! ignored, as in PostgreSQL.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use ring::rand::{SecureRandom, SystemRandom};
use tokio::sync::Notify;

/// One session's cancel target.
pub struct CancelSlot {
    pub pid: i32,
    pub secret: i32,
    running: AtomicBool,
    notify: Notify,
}

impl CancelSlot {
    /// Run `future`; `None` if a matching CancelRequest arrived first.
    pub async fn run<F: Future>(&self, future: F) -> Option<F::Output> {
        let notified = self.notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        self.running.store(true, Ordering::SeqCst);
        let output = tokio::select! {
            biased;
            output = future => Some(output),
            () = notified => None,
        };
        self.running.store(false, Ordering::SeqCst);
        output
    }

    fn cancel(&self) {
        if self.running.load(Ordering::SeqCst) {
            self.notify.notify_waiters();
        }
    }
}

/// All live sessions' slots, by pid.
pub struct CancelRegistry {
    slots: Mutex<HashMap<i32, Arc<CancelSlot>>>,
    pid_next: AtomicI32,
    rng: SystemRandom,
}

/// Removes its slot from the registry when the session ends.
pub struct Registration {
    registry: Arc<CancelRegistry>,
    pub slot: Arc<CancelSlot>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut slots) = self.registry.slots.lock() {
            slots.remove(&self.slot.pid);
        }
    }
}

impl Default for CancelRegistry {
    fn default() -> Self {
        CancelRegistry {
            slots: Mutex::new(HashMap::new()),
            pid_next: AtomicI32::new(std::process::id() as i32 & 0xffff | 0x10000),
            rng: SystemRandom::new(),
        }
    }
}

impl CancelRegistry {
    pub fn register(self: &Arc<Self>) -> Option<Registration> {
        let mut secret = [0u8; 4];
        self.rng.fill(&mut secret).ok()?;
        let mut slots = self.slots.lock().ok()?;
        // Positive pids, skipping any still in use after wrap-around.
        let pid = loop {
            let pid = self.pid_next.fetch_add(1, Ordering::Relaxed) & i32::MAX;
            if pid != 0 && !slots.contains_key(&pid) {
                break pid;
            }
        };
        let slot = Arc::new(CancelSlot {
            pid,
            secret: i32::from_be_bytes(secret),
            running: AtomicBool::new(false),
            notify: Notify::new(),
        });
        slots.insert(pid, slot.clone());
        Some(Registration {
            registry: self.clone(),
            slot,
        })
    }

    /// Handle a CancelRequest: silently ignored unless pid and secret match.
    pub fn cancel(&self, pid: i32, secret: &[u8]) {
        let slot = match self.slots.lock() {
            Ok(slots) => slots.get(&pid).cloned(),
            Err(_) => None,
        };
        if let Some(slot) = slot {
            let expected = slot.secret.to_be_bytes();
            let matches = secret.len() == 4
                && secret
                    .iter()
                    .zip(expected)
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0;
            if matches {
                tracing::info!(pid, "cancel request");
                slot.cancel();
            }
        }
    }
}
