//! Memory of every part under load: a thread samples RSS and PSS of each
//! process of a system every few hundred ms while a client runs, and keeps
//! per part the largest total seen.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;

use crate::procfs;

/// Peak memory of one part (all its processes together, e.g. every backend).
#[derive(Clone, Debug, Serialize)]
pub struct PartMemory {
    pub part: String,
    /// Most processes seen at once under this name.
    pub processes: usize,
    pub rss_mib: f64,
    pub pss_mib: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct MemoryUse {
    pub parts: Vec<PartMemory>,
    /// Largest sum over all processes in one sample. RSS counts shared
    /// memory (PostgreSQL's shared_buffers) once per process mapping it; PSS
    /// divides it, so the PSS total is the honest one.
    pub total_rss_mib: f64,
    pub total_pss_mib: f64,
    pub samples: usize,
}

pub struct Sampler {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<MemoryUse>,
}

/// Starts sampling the processes `list` returns (called at every sample).
pub fn start(list: impl Fn() -> Vec<(String, u32)> + Send + 'static, every: Duration) -> Sampler {
    let stop = Arc::new(AtomicBool::new(false));
    let stop_flag = stop.clone();
    let handle = std::thread::spawn(move || {
        let mut peaks: BTreeMap<String, PartMemory> = BTreeMap::new();
        let (mut total_rss, mut total_pss, mut samples) = (0u64, 0u64, 0usize);
        while !stop_flag.load(Ordering::Acquire) {
            let mut this: BTreeMap<String, (usize, u64, u64)> = BTreeMap::new();
            for (part, pid) in list() {
                let (Some(rss), Some(pss)) = (procfs::rss_kib(pid), procfs::pss_kib(pid)) else {
                    continue;
                };
                let entry = this.entry(part).or_default();
                *entry = (entry.0 + 1, entry.1 + rss, entry.2 + pss);
            }
            total_rss = total_rss.max(this.values().map(|v| v.1).sum());
            total_pss = total_pss.max(this.values().map(|v| v.2).sum());
            for (part, (count, rss, pss)) in this {
                let peak = peaks.entry(part.clone()).or_insert(PartMemory {
                    part,
                    processes: 0,
                    rss_mib: 0.0,
                    pss_mib: 0.0,
                });
                peak.processes = peak.processes.max(count);
                peak.rss_mib = peak.rss_mib.max(mib(rss));
                peak.pss_mib = peak.pss_mib.max(mib(pss));
            }
            samples += 1;
            std::thread::sleep(every);
        }
        MemoryUse {
            parts: peaks.into_values().collect(),
            total_rss_mib: mib(total_rss),
            total_pss_mib: mib(total_pss),
            samples,
        }
    });
    Sampler { stop, handle }
}

impl Sampler {
    pub fn finish(self) -> MemoryUse {
        self.stop.store(true, Ordering::Release);
        self.handle.join().unwrap_or_else(|_| MemoryUse {
            parts: Vec::new(),
            total_rss_mib: f64::NAN,
            total_pss_mib: f64::NAN,
            samples: 0,
        })
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_own_process() {
        let me = std::process::id();
        let sampler = start(
            move || vec![("me".to_string(), me)],
            Duration::from_millis(10),
        );
        std::thread::sleep(Duration::from_millis(50));
        let used = sampler.finish();
        assert!(used.samples >= 1);
        assert_eq!(used.parts.len(), 1);
        assert!(used.parts[0].rss_mib > 0.0 && used.total_rss_mib >= used.parts[0].rss_mib);
    }
}
