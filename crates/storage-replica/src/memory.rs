//! In-memory log and version store for tests and the deterministic
//! simulation. The log models a disk with a volatile write cache: a crash
//! loses every record appended since the last sync, and may tear the last
//! one (leaving a prefix of its bytes), as a real disk can.

use crate::gc::GcPass;
use crate::meta::SegmentMeta;
use crate::segment::{ScanPage, SegmentLog, VersionStore};
use borealis_common::Lsn;
use borealis_wire::{LogRecord, RecordHeader};
use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex};

/// The bytes that survive a crash: shared between the [`MemLog`] of a
/// segment's successive lives.
#[derive(Clone, Default)]
pub struct MemDisk {
    inner: Arc<Mutex<MemDiskState>>,
}

#[derive(Default)]
struct MemDiskState {
    /// Durable log bytes.
    synced: Vec<u8>,
    /// Appended, not yet synced.
    cached: Vec<u8>,
    meta: Option<Vec<u8>>,
}

impl MemDisk {
    /// A crash: the cache is lost; if `tear` is set, a prefix of it of
    /// `tear_bytes` survives as a torn write.
    pub fn crash(&self, tear_bytes: Option<usize>) {
        let mut state = self.inner.lock().expect("disk lock");
        let cached = std::mem::take(&mut state.cached);
        if let Some(bytes) = tear_bytes {
            let keep = bytes.min(cached.len());
            state.synced.extend_from_slice(&cached[..keep]);
        }
    }

    /// Flips one bit of the durable log (bit rot): the record holding it
    /// must be detected as corrupt on the next load.
    pub fn corrupt(&self, position: usize) {
        let mut state = self.inner.lock().expect("disk lock");
        if !state.synced.is_empty() {
            let index = position % state.synced.len();
            state.synced[index] ^= 0x10;
        }
    }

    pub fn durable_bytes(&self) -> usize {
        self.inner.lock().expect("disk lock").synced.len()
    }
}

/// A segment log over a [`MemDisk`].
pub struct MemLog {
    disk: MemDisk,
}

impl MemLog {
    pub fn new(disk: MemDisk) -> MemLog {
        MemLog { disk }
    }
}

impl SegmentLog for MemLog {
    fn load(
        &mut self,
        visit: &mut dyn FnMut(RecordHeader, u64),
    ) -> io::Result<Option<SegmentMeta>> {
        let mut state = self.disk.inner.lock().expect("disk lock");
        state.cached.clear();
        let mut offset = 0usize;
        while offset < state.synced.len() {
            match LogRecord::decode_prefix(&state.synced[offset..]) {
                Ok((record, used)) => {
                    visit(record.header, offset as u64);
                    offset += used;
                }
                Err(_) => break,
            }
        }
        state.synced.truncate(offset);
        let meta = match &state.meta {
            None => None,
            Some(bytes) => Some(
                SegmentMeta::decode(bytes)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?,
            ),
        };
        Ok(meta)
    }

    fn bytes(&self) -> u64 {
        let state = self.disk.inner.lock().expect("disk lock");
        (state.synced.len() + state.cached.len()) as u64
    }

    fn append(&mut self, record: &LogRecord) -> io::Result<u64> {
        let mut state = self.disk.inner.lock().expect("disk lock");
        let location = (state.synced.len() + state.cached.len()) as u64;
        record.encode_into(&mut state.cached);
        Ok(location)
    }

    fn sync(&mut self) -> io::Result<()> {
        let mut state = self.disk.inner.lock().expect("disk lock");
        let cached = std::mem::take(&mut state.cached);
        state.synced.extend_from_slice(&cached);
        Ok(())
    }

    fn read(&mut self, location: u64) -> io::Result<LogRecord> {
        let state = self.disk.inner.lock().expect("disk lock");
        let location = location as usize;
        let bytes = if location < state.synced.len() {
            &state.synced[location..]
        } else {
            &state.cached[location - state.synced.len()..]
        };
        LogRecord::decode_prefix(bytes)
            .map(|(record, _)| record)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
    }

    fn persist_meta(&mut self, meta: &SegmentMeta) -> io::Result<()> {
        // Meta is replaced atomically and durably (rename + fsync).
        self.disk.inner.lock().expect("disk lock").meta = Some(meta.encode());
        Ok(())
    }
}

/// Row versions in a `BTreeMap`; lost on a crash (rebuilt from the log).
#[derive(Default)]
pub struct MemVersions {
    versions: BTreeMap<(Vec<u8>, Lsn), Option<Vec<u8>>>,
    applied: Lsn,
}

impl MemVersions {
    /// Versions held (every key's, deletes included).
    pub fn len(&self) -> usize {
        self.versions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }
}

impl VersionStore for MemVersions {
    fn applied_lsn(&self) -> Lsn {
        self.applied
    }

    fn apply(&mut self, records: &[LogRecord], through: Lsn) -> io::Result<()> {
        for record in records {
            assert!(record.lsn() > self.applied && record.lsn() <= through);
            for mutation in &record.mutations {
                self.versions
                    .insert((mutation.key.clone(), record.lsn()), mutation.value.clone());
            }
        }
        self.applied = self.applied.max(through);
        Ok(())
    }

    fn insert_versions(&mut self, lsn: Lsn, rows: &[(Vec<u8>, Vec<u8>)]) -> io::Result<()> {
        assert!(lsn > self.applied, "inserting below what is applied");
        for (key, value) in rows {
            self.versions
                .insert((key.clone(), lsn), Some(value.clone()));
        }
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        self.versions.clear();
        self.applied = Lsn::ZERO;
        Ok(())
    }

    fn unapply(&mut self, records: &[LogRecord], through: Lsn) -> io::Result<()> {
        for record in records {
            for mutation in &record.mutations {
                self.versions.remove(&(mutation.key.clone(), record.lsn()));
            }
        }
        self.applied = self.applied.min(through);
        Ok(())
    }

    fn collect_garbage(
        &mut self,
        horizon: Lsn,
        from: &[u8],
        keys_max: usize,
    ) -> io::Result<Option<Vec<u8>>> {
        let mut pass = GcPass::new(horizon, keys_max);
        for ((key, lsn), value) in self.versions.range((from.to_vec(), Lsn::ZERO)..) {
            if !pass.visit(key, *lsn, value.is_none()) {
                break;
            }
        }
        let (doomed, next) = pass.finish();
        for version in doomed {
            self.versions.remove(&version);
        }
        Ok(next)
    }

    fn collect_garbage_of(&mut self, horizon: Lsn, keys: &[Vec<u8>]) -> io::Result<()> {
        let mut pass = GcPass::new(horizon, keys.len());
        for key in keys {
            for ((key, lsn), value) in self
                .versions
                .range((key.clone(), Lsn::ZERO)..=(key.clone(), horizon))
            {
                assert!(pass.visit(key, *lsn, value.is_none()));
            }
        }
        let (doomed, _) = pass.finish();
        for version in doomed {
            self.versions.remove(&version);
        }
        Ok(())
    }

    fn get(&self, key: &[u8], at: Lsn) -> io::Result<Option<Vec<u8>>> {
        let newest = self
            .versions
            .range((key.to_vec(), Lsn::ZERO)..=(key.to_vec(), at))
            .next_back()
            .and_then(|(_, value)| value.clone());
        Ok(newest)
    }

    fn scan(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        at: Lsn,
        limit: usize,
    ) -> io::Result<ScanPage> {
        let mut rows: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        // The key being read and its newest value at or below `at` (None:
        // deleted, or no version that old).
        let mut pending: Option<(&[u8], Option<&Vec<u8>>)> = None;
        for ((key, lsn), value) in self.versions.range((start.to_vec(), Lsn::ZERO)..) {
            if end.is_some_and(|end| key.as_slice() >= end) {
                break;
            }
            if pending.is_none_or(|(k, _)| k != key.as_slice()) {
                if let Some((k, Some(v))) = pending.take() {
                    rows.push((k.to_vec(), v.clone()));
                    if rows.len() > limit {
                        break;
                    }
                }
                pending = Some((key.as_slice(), None));
            }
            if *lsn <= at {
                pending = Some((key.as_slice(), value.as_ref()));
            }
        }
        if let Some((k, Some(v))) = pending {
            rows.push((k.to_vec(), v.clone()));
        }
        let more = rows.len() > limit;
        rows.truncate(limit);
        Ok((rows, more))
    }
}
