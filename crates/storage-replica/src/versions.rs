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

use crate::segment::{ScanPage, VersionStore};
use borealis_common::Lsn;
use borealis_wire::LogRecord;
use redb::{Database, Durability, ReadableDatabase, TableDefinition};
use std::io;
use std::path::Path;

const VERSIONS: TableDefinition<(&[u8], u64), &[u8]> = TableDefinition::new("versions");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const APPLIED_LSN: &str = "applied_lsn";
const DURABLE_COMMIT_EVERY: u64 = 64;

pub struct RedbVersions {
    db: Database,
    applied: Lsn,
    commits: u64,
}

fn storage_error(error: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("version store: {error}"))
}

impl RedbVersions {
    pub fn open(path: &Path) -> io::Result<RedbVersions> {
        let db = Database::create(path).map_err(storage_error)?;
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
            db,
            applied: Lsn(applied),
            commits: 0,
        })
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

    fn get(&self, key: &[u8], at: Lsn) -> io::Result<Option<Vec<u8>>> {
        let read = self.db.begin_read().map_err(storage_error)?;
        let table = read.open_table(VERSIONS).map_err(storage_error)?;
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

    fn scan(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        at: Lsn,
        limit: usize,
    ) -> io::Result<ScanPage> {
        let read = self.db.begin_read().map_err(storage_error)?;
        let table = read.open_table(VERSIONS).map_err(storage_error)?;
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
