//! Which keys garbage collection should look at next.
//!
//! Only a key that got a new version can have garbage, so a segment does
//! not sweep its whole key space every time the horizon rises (at pgbench
//! scale 10 that was a million keys read through redb per rise, on the
//! thread that takes writes: it cost more CPU than the writes themselves).
//! It queues each key it applies, in apply (LSN) order, and collects a key
//! once the horizon passes the newest version queued for it. The queue is
//! bounded in bytes; past the bound it is dropped and the segment falls
//! back to one full sweep, which finds everything the queue would have.
//! A full sweep also runs once after the segment opens, for the versions
//! written before a restart.

use std::collections::{HashMap, VecDeque};

use borealis_common::Lsn;

/// Bytes of queued keys past which the queue gives way to a full sweep.
pub const GC_QUEUE_BYTES_MAX: usize = 16 << 20;

/// Per-entry overhead counted against [`GC_QUEUE_BYTES_MAX`] besides the key
/// (the LSN, the map slot and the deque slot, roughly).
const ENTRY_OVERHEAD_BYTES: usize = 64;

#[derive(Debug, Default)]
pub struct GcQueue {
    /// Keys in the order their versions were applied, with that version's
    /// LSN; a key written again is queued again (the later entry wins).
    order: VecDeque<(Lsn, Vec<u8>)>,
    /// The newest queued LSN of each key.
    newest: HashMap<Vec<u8>, Lsn>,
    bytes: usize,
    /// The queue overflowed since the last [`GcQueue::take_overflowed`].
    overflowed: bool,
}

impl GcQueue {
    /// Notes that `key` got a version at `lsn` (called in LSN order).
    pub fn push(&mut self, key: &[u8], lsn: Lsn) {
        if self.overflowed {
            return;
        }
        debug_assert!(self.order.back().is_none_or(|(last, _)| *last <= lsn));
        self.bytes += key.len() + ENTRY_OVERHEAD_BYTES;
        if self.bytes > GC_QUEUE_BYTES_MAX {
            self.clear();
            self.overflowed = true;
            return;
        }
        self.newest.insert(key.to_vec(), lsn);
        self.order.push_back((lsn, key.to_vec()));
    }

    /// Whether some queued key can be collected at `horizon`.
    pub fn ready(&self, horizon: Lsn) -> bool {
        self.order.front().is_some_and(|(lsn, _)| *lsn <= horizon)
    }

    /// Up to `keys_max` distinct keys whose newest queued version is at or
    /// below `horizon`, ascending (the order version stores read fastest).
    pub fn pop_ready(&mut self, horizon: Lsn, keys_max: usize) -> Vec<Vec<u8>> {
        let mut keys = Vec::new();
        while keys.len() < keys_max {
            match self.order.front() {
                Some((lsn, _)) if *lsn <= horizon => {}
                _ => break,
            }
            let Some((lsn, key)) = self.order.pop_front() else {
                break;
            };
            self.bytes -= key.len() + ENTRY_OVERHEAD_BYTES;
            // An older entry of a key queued again later is skipped: the
            // later one collects it.
            if self.newest.get(&key) == Some(&lsn) {
                self.newest.remove(&key);
                keys.push(key);
            }
        }
        keys.sort_unstable();
        keys
    }

    /// Whether the queue overflowed (and was dropped) since the last call.
    pub fn take_overflowed(&mut self) -> bool {
        std::mem::take(&mut self.overflowed)
    }

    /// Forgets every queued key (a full sweep will cover them).
    pub fn clear(&mut self) {
        self.order.clear();
        self.newest.clear();
        self.bytes = 0;
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_ready_once_the_horizon_passes_its_newest_version() {
        let mut queue = GcQueue::default();
        queue.push(b"b", Lsn(1));
        queue.push(b"a", Lsn(2));
        queue.push(b"b", Lsn(3));
        assert!(!queue.ready(Lsn(0)));
        assert!(queue.ready(Lsn(1)));
        // b's entry at 1 is superseded by its entry at 3.
        assert_eq!(queue.pop_ready(Lsn(2), 10), vec![b"a".to_vec()]);
        assert!(!queue.ready(Lsn(2)));
        assert_eq!(queue.pop_ready(Lsn(9), 10), vec![b"b".to_vec()]);
        assert!(queue.is_empty());
    }

    #[test]
    fn pops_at_most_keys_max_and_sorted() {
        let mut queue = GcQueue::default();
        for (i, key) in [b"c", b"a", b"b"].iter().enumerate() {
            queue.push(*key, Lsn(i as u64 + 1));
        }
        assert_eq!(
            queue.pop_ready(Lsn(9), 2),
            vec![b"a".to_vec(), b"c".to_vec()]
        );
        assert_eq!(queue.pop_ready(Lsn(9), 2), vec![b"b".to_vec()]);
    }

    #[test]
    fn overflow_drops_the_queue_and_says_so_once() {
        let mut queue = GcQueue::default();
        let key = vec![7u8; 1 << 20];
        for i in 0..32 {
            queue.push(&key, Lsn(i + 1));
        }
        assert!(queue.is_empty());
        assert!(queue.take_overflowed());
        assert!(!queue.take_overflowed());
        queue.push(b"k", Lsn(100));
        assert_eq!(queue.len(), 1);
    }
}
