//! The writer's cache of volume reads: point reads by key, sized in bytes,
//! resizable while queries run, and kept coherent with the writer's own
//! commits (the writer is the only producer of log, so it knows every
//! change).
//!
//! A cached key holds up to [`VERSIONS_PER_KEY_MAX`] versions, each valid
//! over an LSN interval `[from, to)`. A read as of R hits when a version's
//! interval contains R.
//! - A commit allocated at LSN L for key k ends k's open version at L and
//!   opens a new one at L (inserting the key if absent, knowing nothing
//!   before L). Reads happen at or below VDL, and L is above every LSN
//!   allocated before, so no read in flight can see the new version early.
//! - A value fetched from a replica as of R is valid from R until the next
//!   version the cache knows of for that key, or forever if there is none
//!   and nothing newer about the key can have been forgotten: evicting a
//!   key raises the *eviction watermark* to the newest LSN it knew, and an
//!   open-ended version is only inserted for R at or above the watermark.
//!
//! Eviction is CLOCK (second chance) over keys, by bytes.

use borealis_common::Lsn;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Versions kept per key (readers slightly behind the writer still hit).
pub const VERSIONS_PER_KEY_MAX: usize = 4;
/// Bookkeeping bytes counted per cached key beyond its key and values.
const ENTRY_OVERHEAD_BYTES: usize = 64;

#[derive(Clone, Debug)]
struct Version {
    from: Lsn,
    /// Exclusive end; `None`: still the newest version.
    to: Option<Lsn>,
    value: Option<Vec<u8>>,
}

#[derive(Debug, Default)]
struct Entry {
    /// Ascending by `from`, non-overlapping.
    versions: Vec<Version>,
    referenced: bool,
}

impl Entry {
    fn bytes(&self, key: &[u8]) -> usize {
        ENTRY_OVERHEAD_BYTES
            + key.len()
            + self
                .versions
                .iter()
                .map(|v| v.value.as_ref().map_or(0, Vec::len) + 24)
                .sum::<usize>()
    }

    fn newest_known(&self) -> Lsn {
        self.versions.last().map_or(Lsn::ZERO, |v| v.from)
    }
}

#[derive(Default)]
struct State {
    entries: HashMap<Vec<u8>, Entry>,
    clock: VecDeque<Vec<u8>>,
    bytes: usize,
    capacity_bytes: usize,
    eviction_watermark: Lsn,
    hits: u64,
    misses: u64,
}

/// Hit and size counters (BufferCacheHitRatio and friends).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub bytes: usize,
    pub capacity_bytes: usize,
    pub keys: usize,
}

pub struct ReadCache {
    state: Mutex<State>,
}

impl ReadCache {
    pub fn new(capacity_bytes: usize) -> ReadCache {
        ReadCache {
            state: Mutex::new(State {
                capacity_bytes,
                ..State::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("read cache lock")
    }

    /// `Some(value)` when the cache knows the value of `key` as of `at`.
    pub fn lookup(&self, key: &[u8], at: Lsn) -> Option<Option<Vec<u8>>> {
        let mut state = self.lock();
        let found = state.entries.get_mut(key).and_then(|entry| {
            let version = entry
                .versions
                .iter()
                .find(|v| v.from <= at && v.to.is_none_or(|to| at < to))?;
            entry.referenced = true;
            Some(version.value.clone())
        });
        match found {
            Some(_) => state.hits += 1,
            None => state.misses += 1,
        }
        found
    }

    /// A commit allocated at `lsn` writes `value` to `key`.
    pub fn on_commit(&self, key: &[u8], lsn: Lsn, value: Option<&[u8]>) {
        let mut state = self.lock();
        let state = &mut *state;
        let is_new = !state.entries.contains_key(key);
        let entry = state.entries.entry(key.to_vec()).or_default();
        let before = if is_new { 0 } else { entry.bytes(key) };
        match entry.versions.last_mut() {
            // The same key twice in one record: the last write wins.
            Some(open) if open.from == lsn => open.value = value.map(<[u8]>::to_vec),
            open => {
                if let Some(open) = open {
                    assert!(open.from < lsn, "commits reach the cache in LSN order");
                    if open.to.is_none_or(|to| to > lsn) {
                        open.to = Some(lsn);
                    }
                }
                entry.versions.push(Version {
                    from: lsn,
                    to: None,
                    value: value.map(<[u8]>::to_vec),
                });
            }
        }
        if entry.versions.len() > VERSIONS_PER_KEY_MAX {
            entry.versions.remove(0);
        }
        let after = entry.bytes(key);
        state.bytes = state.bytes + after - before;
        if is_new {
            state.clock.push_back(key.to_vec());
        }
        Self::evict(state);
    }

    /// A replica answered a read of `key` as of `at` with `value`.
    pub fn on_read(&self, key: &[u8], at: Lsn, value: Option<&[u8]>) {
        let mut state = self.lock();
        let state = &mut *state;
        match state.entries.get_mut(key) {
            Some(entry) => {
                // Valid from `at` up to the first version the cache knows
                // after it; nothing to add if a version already covers it.
                if entry
                    .versions
                    .iter()
                    .any(|v| v.from <= at && v.to.is_none_or(|to| at < to))
                {
                    return;
                }
                let Some(next) = entry.versions.iter().map(|v| v.from).find(|f| *f > at) else {
                    return; // only older versions known: not worth guessing
                };
                if entry.versions.len() >= VERSIONS_PER_KEY_MAX {
                    return;
                }
                let before = entry.bytes(key);
                let index = entry.versions.partition_point(|v| v.from < at);
                entry.versions.insert(
                    index,
                    Version {
                        from: at,
                        to: Some(next),
                        value: value.map(<[u8]>::to_vec),
                    },
                );
                entry.referenced = true;
                let after = entry.bytes(key);
                state.bytes = state.bytes + after - before;
            }
            None => {
                if at < state.eviction_watermark {
                    // A newer version may have been forgotten.
                    return;
                }
                let entry = Entry {
                    versions: vec![Version {
                        from: at,
                        to: None,
                        value: value.map(<[u8]>::to_vec),
                    }],
                    referenced: false,
                };
                state.bytes += entry.bytes(key);
                state.entries.insert(key.to_vec(), entry);
                state.clock.push_back(key.to_vec());
            }
        }
        Self::evict(state);
    }

    /// Resizes the cache in place (scaling): shrinking evicts at once.
    pub fn set_capacity(&self, capacity_bytes: usize) {
        let mut state = self.lock();
        state.capacity_bytes = capacity_bytes;
        Self::evict(&mut state);
    }

    pub fn stats(&self) -> CacheStats {
        let state = self.lock();
        CacheStats {
            hits: state.hits,
            misses: state.misses,
            bytes: state.bytes,
            capacity_bytes: state.capacity_bytes,
            keys: state.entries.len(),
        }
    }

    fn evict(state: &mut State) {
        // Each key is looked at most twice per call (second chance).
        let mut budget = state.clock.len() * 2;
        while state.bytes > state.capacity_bytes && budget > 0 {
            budget -= 1;
            let Some(key) = state.clock.pop_front() else {
                break;
            };
            let Some(entry) = state.entries.get_mut(&key) else {
                continue;
            };
            if entry.referenced {
                entry.referenced = false;
                state.clock.push_back(key);
                continue;
            }
            if let Some(entry) = state.entries.remove(&key) {
                state.bytes -= entry.bytes(&key);
                state.eviction_watermark = state.eviction_watermark.max(entry.newest_known());
            }
        }
        // O(entries): only in unit tests (in a debug build of the server it made
        // every commit key of a bulk load cost a pass over the whole cache).
        #[cfg(test)]
        debug_assert_eq!(
            state.bytes,
            state.entries.iter().map(|(k, e)| e.bytes(k)).sum::<usize>()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fetched_value_is_valid_until_the_next_commit() {
        let cache = ReadCache::new(1 << 20);
        assert_eq!(cache.lookup(b"k", Lsn(10)), None);
        cache.on_read(b"k", Lsn(10), Some(b"a"));
        assert_eq!(cache.lookup(b"k", Lsn(10)), Some(Some(b"a".to_vec())));
        assert_eq!(cache.lookup(b"k", Lsn(15)), Some(Some(b"a".to_vec())));
        // Before the read point, the cache knows nothing.
        assert_eq!(cache.lookup(b"k", Lsn(9)), None);
        cache.on_commit(b"k", Lsn(20), Some(b"b"));
        assert_eq!(cache.lookup(b"k", Lsn(19)), Some(Some(b"a".to_vec())));
        assert_eq!(cache.lookup(b"k", Lsn(20)), Some(Some(b"b".to_vec())));
        cache.on_commit(b"k", Lsn(30), None);
        assert_eq!(cache.lookup(b"k", Lsn(31)), Some(None));
    }

    #[test]
    fn a_read_that_raced_a_commit_is_bounded_by_it() {
        let cache = ReadCache::new(1 << 20);
        // The read started at 10; a commit at 20 landed before it returned.
        cache.on_commit(b"k", Lsn(20), Some(b"new"));
        cache.on_read(b"k", Lsn(10), Some(b"old"));
        assert_eq!(cache.lookup(b"k", Lsn(12)), Some(Some(b"old".to_vec())));
        assert_eq!(cache.lookup(b"k", Lsn(20)), Some(Some(b"new".to_vec())));
    }

    #[test]
    fn eviction_never_lets_a_stale_value_back_in() {
        let cache = ReadCache::new(300);
        cache.on_commit(b"k", Lsn(20), Some(b"new"));
        // Push k out with other keys.
        for i in 0..10u8 {
            cache.on_read(&[b'x', i], Lsn(25), Some(b"filler-value"));
        }
        assert_eq!(cache.lookup(b"k", Lsn(20)), None, "k should be evicted");
        // A read that started before the commit returns now: it must not
        // be cached as the newest value.
        cache.on_read(b"k", Lsn(10), Some(b"old"));
        assert_eq!(cache.lookup(b"k", Lsn(21)), None);
        assert!(cache.stats().bytes <= 300);
    }

    #[test]
    fn resizing_evicts_in_place() {
        let cache = ReadCache::new(1 << 20);
        for i in 0..100u8 {
            cache.on_read(&[i], Lsn(5), Some(&[i; 100]));
        }
        assert!(cache.stats().bytes > 10_000);
        cache.set_capacity(2_000);
        let stats = cache.stats();
        assert!(stats.bytes <= 2_000 && stats.keys > 0);
    }
}
