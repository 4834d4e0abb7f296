//! Row versions by (key, LSN) in redb.
//!
//! Why redb (over fjall): a small, pure-Rust B-tree with ACID commits and a
//! short build; our write pattern is "apply a batch of committed records",
//! a good fit for one write transaction per batch. The store is a cache of
//! log application, so its commits need not be durable one by one: they use
//! `Durability::None`, and every `DURABLE_COMMIT_EVERY`-th apply is durable.
//! After a crash, redb reopens at its last durable commit and the segment
//! re-applies the log from the `applied_lsn` stored in that commit.
//!
//! Tables: `versions`: (key bytes, lsn u64) -> tag u8 (0 delete, 1 value)
//! ++ value bytes; `meta`: "applied_lsn" -> u64.

use crate::gc::GcPass;
use crate::segment::{ScanPage, VersionStore};
use borealis_common::Lsn;
use borealis_wire::LogRecord;
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};
use std::io;
use std::path::Path;
use std::sync::Arc;

const VERSIONS: TableDefinition<(&[u8], u64), &[u8]> = TableDefinition::new("versions");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const APPLIED_LSN: &str = "applied_lsn";
const DURABLE_COMMIT_EVERY: u64 = 64;

/// redb's page cache per segment. redb's default (1 GiB) would let every
/// segment of every PG on a replica grow to a gigabyte of RSS; the version
/// store is read mostly on cache misses of the compute, and the OS page
/// cache holds the file anyway.
pub const VERSION_CACHE_BYTES: usize = 16 << 20;

pub struct RedbVersions {
    db: Arc<Database>,
    applied: Lsn,
    commits: u64,
}

fn storage_error(error: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("version store: {error}"))
}

impl RedbVersions {
    pub fn open(path: &Path) -> io::Result<RedbVersions> {
        let db = redb::Builder::new()
            .set_cache_size(VERSION_CACHE_BYTES)
            .create(path)
            .map_err(storage_error)?;
        let txn = db.begin_write().map_err(storage_error)?;
        {
            txn.open_table(VERSIONS).map_err(storage_error)?;
            txn.open_table(META).map_err(storage_error)?;
        }
        txn.commit().map_err(storage_error)?;
        let read = db.begin_read().map_err(storage_error)?;
        let applied = {
            let meta = read.open_table(META).map_err(storage_error)?;
            meta.get(APPLIED_LSN)
                .map_err(storage_error)?
                .map_or(0, |v| v.value())
        };
        Ok(RedbVersions {
            db: Arc::new(db),
            applied: Lsn(applied),
            commits: 0,
        })
    }

    /// A reader for other threads.
    pub fn reader(&self) -> VersionReader {
        VersionReader {
            db: self.db.clone(),
        }
    }

    /// One garbage-collection step: `decide` reads the table and names the
    /// versions to remove (and what to return); they go in one commit,
    /// not durable (the store is a cache of log application).
    fn collect<R>(
        &mut self,
        decide: impl FnOnce(
            &redb::Table<(&[u8], u64), &[u8]>,
        ) -> Result<(crate::gc::Doomed, R), redb::Error>,
    ) -> io::Result<R> {
        let mut txn = self.db.begin_write().map_err(storage_error)?;
        txn.set_durability(Durability::None)
            .map_err(storage_error)?;
        let result = {
            let mut table = txn.open_table(VERSIONS).map_err(storage_error)?;
            let (doomed, result) = decide(&table).map_err(storage_error)?;
            for (key, lsn) in &doomed {
                table
                    .remove((key.as_slice(), lsn.0))
                    .map_err(storage_error)?;
            }
            result
        };
        txn.commit().map_err(storage_error)?;
        Ok(result)
    }

    fn write(
        &mut self,
        through: Lsn,
        body: impl FnOnce(&mut redb::Table<(&[u8], u64), &[u8]>) -> Result<(), redb::Error>,
    ) -> io::Result<()> {
        let mut txn = self.db.begin_write().map_err(storage_error)?;
        self.commits += 1;
        if !self.commits.is_multiple_of(DURABLE_COMMIT_EVERY) {
            txn.set_durability(Durability::None)
                .map_err(storage_error)?;
        }
        {
            let mut table = txn.open_table(VERSIONS).map_err(storage_error)?;
            body(&mut table).map_err(storage_error)?;
            let mut meta = txn.open_table(META).map_err(storage_error)?;
            meta.insert(APPLIED_LSN, through.0).map_err(storage_error)?;
        }
        txn.commit().map_err(storage_error)?;
        self.applied = through;
        Ok(())
    }
}

fn is_delete(stored: &[u8]) -> bool {
    stored.first() == Some(&0)
}

fn encode_value(value: Option<&[u8]>) -> Vec<u8> {
    match value {
        None => vec![0],
        Some(bytes) => {
            let mut out = Vec::with_capacity(bytes.len() + 1);
            out.push(1);
            out.extend_from_slice(bytes);
            out
        }
    }
}

fn decode_value(stored: &[u8]) -> io::Result<Option<Vec<u8>>> {
    match stored.split_first() {
        Some((0, _)) => Ok(None),
        Some((1, rest)) => Ok(Some(rest.to_vec())),
        _ => Err(storage_error("corrupt version tag")),
    }
}

impl VersionStore for RedbVersions {
    fn applied_lsn(&self) -> Lsn {
        self.applied
    }

    fn apply(&mut self, records: &[LogRecord], through: Lsn) -> io::Result<()> {
        assert!(records
            .iter()
            .all(|r| r.lsn() > self.applied && r.lsn() <= through));
        self.write(through, |table| {
            for record in records {
                for mutation in &record.mutations {
                    table.insert(
                        (mutation.key.as_slice(), record.lsn().0),
                        encode_value(mutation.value.as_deref()).as_slice(),
                    )?;
                }
            }
            Ok(())
        })
    }

    fn insert_versions(&mut self, lsn: Lsn, rows: &[(Vec<u8>, Vec<u8>)]) -> io::Result<()> {
        assert!(lsn > self.applied, "inserting below what is applied");
        let applied = self.applied;
        self.write(applied, |table| {
            for (key, value) in rows {
                table.insert(
                    (key.as_slice(), lsn.0),
                    encode_value(Some(value)).as_slice(),
                )?;
            }
            Ok(())
        })
    }

    fn clear(&mut self) -> io::Result<()> {
        let txn = self.db.begin_write().map_err(storage_error)?;
        txn.delete_table(VERSIONS).map_err(storage_error)?;
        {
            txn.open_table(VERSIONS).map_err(storage_error)?;
            let mut meta = txn.open_table(META).map_err(storage_error)?;
            meta.insert(APPLIED_LSN, 0).map_err(storage_error)?;
        }
        txn.commit().map_err(storage_error)?;
        self.applied = Lsn::ZERO;
        Ok(())
    }

    fn unapply(&mut self, records: &[LogRecord], through: Lsn) -> io::Result<()> {
        let through = through.min(self.applied);
        self.write(through, |table| {
            for record in records {
                for mutation in &record.mutations {
                    table.remove((mutation.key.as_slice(), record.lsn().0))?;
                }
            }
            Ok(())
        })
    }

    fn collect_garbage(
        &mut self,
        horizon: Lsn,
        from: &[u8],
        keys_max: usize,
    ) -> io::Result<Option<Vec<u8>>> {
        self.collect(|table| {
            let mut pass = GcPass::new(horizon, keys_max);
            for entry in table.range((from, 0u64)..)? {
                let (key_guard, value_guard) = entry?;
                let (key, lsn) = key_guard.value();
                if !pass.visit(key, Lsn(lsn), is_delete(value_guard.value())) {
                    break;
                }
            }
            Ok(pass.finish())
        })
    }

    fn collect_garbage_of(&mut self, horizon: Lsn, keys: &[Vec<u8>]) -> io::Result<()> {
        debug_assert!(keys.is_sorted());
        self.collect(|table| {
            let mut pass = GcPass::new(horizon, keys.len());
            for key in keys {
                for entry in table.range((key.as_slice(), 0u64)..=(key.as_slice(), horizon.0))? {
                    let (key_guard, value_guard) = entry?;
                    let (_, lsn) = key_guard.value();
                    let more = pass.visit(key, Lsn(lsn), is_delete(value_guard.value()));
                    assert!(more, "a pass sized for its keys stopped early");
                }
            }
            Ok(pass.finish())
        })?;
        Ok(())
    }

    fn get(&self, key: &[u8], at: Lsn) -> io::Result<Option<Vec<u8>>> {
        self.reader().snapshot()?.get(key, at)
    }

    fn scan(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        at: Lsn,
        limit: usize,
    ) -> io::Result<ScanPage> {
        self.reader().snapshot()?.scan(start, end, at, limit)
    }
}

/// Reads the version store beside the thread that writes it (redb readers
/// see the last commit and never block the writer), so that a point read
/// does not queue behind the segment's fdatasync. See `read_path.rs` for
/// when that is allowed.
#[derive(Clone)]
pub struct VersionReader {
    db: Arc<Database>,
}

impl VersionReader {
    /// A consistent view of everything committed so far.
    pub fn snapshot(&self) -> io::Result<VersionSnapshot> {
        Ok(VersionSnapshot {
            read: self.db.begin_read().map_err(storage_error)?,
        })
    }
}

pub struct VersionSnapshot {
    read: redb::ReadTransaction,
}

impl VersionSnapshot {
    /// The newest value of `key` at or below `at` (`None`: deleted or absent).
    pub fn get(&self, key: &[u8], at: Lsn) -> io::Result<Option<Vec<u8>>> {
        let table = self.read.open_table(VERSIONS).map_err(storage_error)?;
        let mut range = table
            .range((key, 0u64)..=(key, at.0))
            .map_err(storage_error)?;
        match range.next_back() {
            None => Ok(None),
            Some(entry) => {
                let (_, value) = entry.map_err(storage_error)?;
                decode_value(value.value())
            }
        }
    }

    /// See [`VersionStore::scan`].
    pub fn scan(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        at: Lsn,
        limit: usize,
    ) -> io::Result<ScanPage> {
        let table = self.read.open_table(VERSIONS).map_err(storage_error)?;
        let range = match end {
            Some(end) => table.range((start, 0u64)..(end, 0u64)),
            None => table.range((start, 0u64)..),
        }
        .map_err(storage_error)?;
        let mut rows: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        // The key being read and its newest value at or below `at`.
        let mut pending: Option<(Vec<u8>, Option<Vec<u8>>)> = None;
        for entry in range {
            let (key_guard, value_guard) = entry.map_err(storage_error)?;
            let (key, lsn) = key_guard.value();
            if pending.as_ref().is_none_or(|(k, _)| k.as_slice() != key) {
                if let Some((k, Some(v))) = pending.take() {
                    rows.push((k, v));
                    if rows.len() > limit {
                        break;
                    }
                }
                pending = Some((key.to_vec(), None));
            }
            if lsn <= at.0 {
                let value = decode_value(value_guard.value())?;
                pending = Some((key.to_vec(), value));
            }
        }
        if let Some((k, Some(v))) = pending {
            rows.push((k, v));
        }
        let more = rows.len() > limit;
        rows.truncate(limit);
        Ok((rows, more))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemVersions;
    use borealis_common::{Epoch, PgId};
    use borealis_wire::{Mutation, RecordHeader};

    fn record(lsn: u64, key: &str, value: Option<&str>) -> LogRecord {
        LogRecord {
            split: None,
            header: RecordHeader {
                lsn: Lsn(lsn),
                epoch: Epoch(1),
                pg: PgId(0),
                prev_pg_lsn: Lsn(lsn - 1),
                prev_volume_lsn: Lsn(lsn - 1),
                cpl: true,
            },
            mutations: vec![Mutation {
                key: key.as_bytes().to_vec(),
                value: value.map(|v| v.as_bytes().to_vec()),
            }],
        }
    }

    /// The same behaviour from every version store: reads by LSN, scans,
    /// and garbage collection that never changes a read at or above the
    /// horizon.
    fn exercise(store: &mut dyn VersionStore) {
        let records = vec![
            record(1, "a", Some("a1")),
            record(2, "b", Some("b2")),
            record(3, "a", Some("a3")),
            record(4, "b", None),
            record(5, "c", Some("c5")),
            record(6, "a", Some("a6")),
        ];
        store.apply(&records, Lsn(6)).unwrap();
        assert_eq!(store.get(b"a", Lsn(2)).unwrap(), Some(b"a1".to_vec()));
        assert_eq!(store.get(b"a", Lsn(5)).unwrap(), Some(b"a3".to_vec()));
        assert_eq!(store.get(b"b", Lsn(4)).unwrap(), None);
        let (rows, more) = store.scan(b"", None, Lsn(5), 10).unwrap();
        assert_eq!(
            rows,
            vec![
                (b"a".to_vec(), b"a3".to_vec()),
                (b"c".to_vec(), b"c5".to_vec())
            ]
        );
        assert!(!more);
        let (rows, more) = store.scan(b"", None, Lsn(6), 1).unwrap();
        assert_eq!(rows.len(), 1);
        assert!(more);

        let before: Vec<_> = (4..=7)
            .map(|at| store.scan(b"", None, Lsn(at), 10).unwrap())
            .collect();
        // Collect in steps of one key to cross the cursor logic.
        let mut cursor = Some(Vec::new());
        let mut steps = 0;
        while let Some(from) = cursor {
            cursor = store.collect_garbage(Lsn(4), &from, 1).unwrap();
            steps += 1;
            assert!(steps < 10);
        }
        let after: Vec<_> = (4..=7)
            .map(|at| store.scan(b"", None, Lsn(at), 10).unwrap())
            .collect();
        assert_eq!(before, after, "a read at or above the horizon changed");
        // The old versions are gone: a3 is the oldest of "a", b is gone.
        assert_eq!(store.get(b"a", Lsn(2)).unwrap(), None);
        assert_eq!(store.get(b"a", Lsn(4)).unwrap(), Some(b"a3".to_vec()));
        assert_eq!(store.get(b"b", Lsn(3)).unwrap(), None);
    }

    /// A genesis fill: versions inserted above what is applied, then the
    /// genesis applied; clearing empties the store.
    fn exercise_genesis_fill(store: &mut dyn VersionStore) {
        store.apply(&[record(1, "a", Some("a1"))], Lsn(6)).unwrap();
        store
            .insert_versions(Lsn(9), &[(b"x".to_vec(), b"x9".to_vec())])
            .unwrap();
        assert_eq!(store.applied_lsn(), Lsn(6));
        store.apply(&[], Lsn(9)).unwrap();
        assert_eq!(store.get(b"x", Lsn(9)).unwrap(), Some(b"x9".to_vec()));
        store.clear().unwrap();
        assert_eq!(store.applied_lsn(), Lsn::ZERO);
        assert_eq!(store.get(b"x", Lsn(9)).unwrap(), None);
        assert_eq!(store.scan(b"", None, Lsn(9), 10).unwrap().0, vec![]);
    }

    #[test]
    fn memory_versions_behave() {
        exercise(&mut MemVersions::default());
        exercise_genesis_fill(&mut MemVersions::default());
    }

    /// Collecting named keys removes what a full pass would remove of them.
    fn exercise_collect_named_keys(store: &mut dyn VersionStore) {
        let records = vec![
            record(1, "a", Some("a1")),
            record(2, "b", Some("b2")),
            record(3, "a", Some("a3")),
            record(4, "b", None),
            record(5, "a", Some("a5")),
        ];
        store.apply(&records, Lsn(5)).unwrap();
        store
            .collect_garbage_of(Lsn(4), &[b"a".to_vec(), b"b".to_vec()])
            .unwrap();
        assert_eq!(store.get(b"a", Lsn(2)).unwrap(), None, "a1 is collected");
        assert_eq!(store.get(b"a", Lsn(4)).unwrap(), Some(b"a3".to_vec()));
        assert_eq!(store.get(b"a", Lsn(5)).unwrap(), Some(b"a5".to_vec()));
        assert_eq!(store.get(b"b", Lsn(3)).unwrap(), None, "b's delete ends it");
        let (rows, _) = store.scan(b"", None, Lsn(5), 10).unwrap();
        assert_eq!(rows, vec![(b"a".to_vec(), b"a5".to_vec())]);
    }

    #[test]
    fn collecting_named_keys_behaves_alike_in_every_store() {
        exercise_collect_named_keys(&mut MemVersions::default());
        let dir = std::env::temp_dir().join(format!("borealis-gc-of-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        exercise_collect_named_keys(&mut RedbVersions::open(&dir.join("v.redb")).unwrap());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// What `read_path.rs` relies on: a snapshot taken before a collection
    /// commits keeps every version it could see.
    #[test]
    fn a_snapshot_keeps_what_a_later_collection_removes() {
        let dir = std::env::temp_dir().join(format!("borealis-snap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut store = RedbVersions::open(&dir.join("v.redb")).unwrap();
        store
            .apply(
                &[record(1, "a", Some("a1")), record(2, "a", Some("a2"))],
                Lsn(2),
            )
            .unwrap();
        let before = store.reader().snapshot().unwrap();
        store.collect_garbage_of(Lsn(2), &[b"a".to_vec()]).unwrap();
        assert_eq!(before.get(b"a", Lsn(1)).unwrap(), Some(b"a1".to_vec()));
        let after = store.reader().snapshot().unwrap();
        assert_eq!(after.get(b"a", Lsn(1)).unwrap(), None);
        assert_eq!(after.get(b"a", Lsn(2)).unwrap(), Some(b"a2".to_vec()));
        drop((before, after));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn redb_versions_behave_and_survive_reopen() {
        let dir = std::env::temp_dir().join(format!("borealis-versions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("versions.redb");
        {
            let mut store = RedbVersions::open(&path).unwrap();
            exercise(&mut store);
            assert_eq!(store.applied_lsn(), Lsn(6));
        }
        let store = RedbVersions::open(&path).unwrap();
        // Non-durable commits may be lost in a crash, never on a clean close.
        assert_eq!(store.applied_lsn(), Lsn(6));
        assert_eq!(store.get(b"a", Lsn(6)).unwrap(), Some(b"a6".to_vec()));
        let mut fresh = RedbVersions::open(&dir.join("genesis.redb")).unwrap();
        exercise_genesis_fill(&mut fresh);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
