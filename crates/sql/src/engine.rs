//! `Engine`: the state shared by every session of one compute instance: the
//! store, the current catalog, the row lock table, the commit write log and
//! sequences. Opening it loads (or bootstraps) the catalog from the store.

use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

use borealis_common::Lsn;

use crate::catalog::Catalog;
use crate::error::{SqlError, SqlResult};
use crate::sequence::Sequences;
use crate::session::Session;
use crate::store::{Mutation, Store};
use crate::txn::{LockManager, Txn, TxnDdl, WriteLog};
use crate::txn_ids::TxnIds;

/// Releases a transaction's row locks and snapshot registration on drop.
struct EndGuard<'a> {
    engine: &'a EngineInner,
    id: u64,
    locks: Vec<Vec<u8>>,
}

impl Drop for EndGuard<'_> {
    fn drop(&mut self) {
        self.engine.locks.release(&self.locks, self.id);
        self.engine.write_log.unregister(self.id);
    }
}

fn concurrent_ddl(relation: &str) -> SqlError {
    SqlError::new(
        "40001",
        format!("could not serialize access due to concurrent DDL on relation \"{relation}\""),
    )
}

pub struct EngineInner {
    pub store: Arc<dyn Store>,
    catalog: RwLock<Arc<Catalog>>,
    /// Serialises DDL (catalog read-modify-write).
    /// Taken for write while a transaction with DDL commits, for read while
    /// a transaction that wrote rows commits (it re-checks the definitions).
    pub ddl_lock: Arc<tokio::sync::RwLock<()>>,
    /// Serialises commits that persist sequence marks.
    /// Serializes sequence reservations (`reserve_sequences`).
    sequence_reservation: tokio::sync::Mutex<()>,
    pub locks: LockManager,
    pub write_log: WriteLog,
    pub sequences: Sequences,
    /// Transaction ids, reserved durably in batches (`crate::txn_ids`).
    pub txn_ids: TxnIds,
    next_table_id: std::sync::atomic::AtomicU32,
    /// Where queries over their work_mem budget spill rows.
    pub spill: crate::spill::SpillDir,
    /// Bytes one statement may hold in memory outside its spilling
    /// operators (`executor::memory`).
    statement_memory_max: std::sync::atomic::AtomicUsize,
}

impl EngineInner {
    /// Bytes one statement may hold in memory outside its spilling operators.
    pub fn statement_memory_max(&self) -> usize {
        self.statement_memory_max.load(Ordering::Relaxed)
    }
}

/// The SQL engine: cheap to clone, shared by all sessions.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

impl Engine {
    /// Loads the catalog from `store` (an empty store is an empty database).
    pub async fn open(store: Arc<dyn Store>) -> Result<Engine, SqlError> {
        let (catalog, seqs) = Catalog::load(store.as_ref()).await?;
        // Never below an existing table id, whatever the persisted counter says.
        let next_table_id = catalog
            .tables
            .values()
            .map(|t| t.id + 1)
            .max()
            .unwrap_or(1)
            .max(catalog.next_table_id)
            .max(1);
        let txn_ids = TxnIds::open(store.as_ref()).await?;
        let sequences = Sequences::default();
        for name in catalog.sequences.keys() {
            let state = seqs
                .get(name)
                .copied()
                .ok_or_else(|| SqlError::internal(format!("sequence {name} has no mark")))?;
            sequences.load(name, catalog.sequence_options(name), state)?;
        }
        Ok(Engine {
            inner: Arc::new(EngineInner {
                store,
                catalog: RwLock::new(Arc::new(catalog)),
                ddl_lock: Arc::new(tokio::sync::RwLock::new(())),
                sequence_reservation: tokio::sync::Mutex::new(()),
                locks: LockManager::default(),
                write_log: WriteLog::default(),
                sequences,
                txn_ids,
                next_table_id: std::sync::atomic::AtomicU32::new(next_table_id),
                spill: crate::spill::SpillDir::default(),
                statement_memory_max: std::sync::atomic::AtomicUsize::new(
                    crate::executor::DEFAULT_STATEMENT_MEMORY_MAX,
                ),
            }),
        })
    }

    /// The oldest read point any session may still read at, if any
    /// statement or transaction is running (the compute reports it to the
    /// volume as the minimum read point for garbage collection).
    pub fn oldest_snapshot(&self) -> Option<borealis_common::Lsn> {
        self.inner.write_log.oldest_snapshot()
    }

    /// Puts queries' spill files in `dir` (e.g. under the data directory)
    /// instead of the default `<temp dir>/borealis-spill-<pid>`.
    pub fn set_spill_dir(&self, dir: std::path::PathBuf) {
        self.inner.spill.set_path(dir);
    }

    /// Bounds what one statement may hold in memory outside its spilling
    /// operators (sort, hash aggregate, hash join and DISTINCT stay within
    /// work_mem); beyond it the statement fails with 53200 `out of memory`.
    pub fn set_statement_memory_max(&self, bytes: usize) {
        self.inner
            .statement_memory_max
            .store(bytes.max(1), Ordering::Relaxed);
    }

    /// Spill files queries have created since the engine started.
    pub fn spill_files_created(&self) -> u64 {
        self.inner.spill.files_created()
    }

    /// A new session (one per client connection).
    pub fn session(&self) -> Session {
        Session::new(self.inner.clone())
    }

    /// A clean shutdown, once every session has ended: gives back the unused
    /// rest of each sequence reservation and of the transaction-id
    /// reservation, so that a restart continues each sequence and the
    /// transaction ids without a gap (see `crate::sequence`, `crate::txn_ids`).
    pub async fn close(&self) -> SqlResult<()> {
        self.inner.close().await
    }
}

impl EngineInner {
    pub fn catalog(&self) -> Arc<Catalog> {
        match self.catalog.read() {
            Ok(c) => c.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Installs a new catalog version (call with `ddl_lock` held, after the store commit).
    pub fn set_catalog(&self, mut c: Catalog) {
        c.version = self.catalog().version + 1;
        match self.catalog.write() {
            Ok(mut g) => *g = Arc::new(c),
            Err(p) => *p.into_inner() = Arc::new(c),
        }
    }

    /// A table id no other transaction will get (gaps are fine).
    pub fn alloc_table_id(&self) -> u32 {
        self.next_table_id.fetch_add(1, Ordering::Relaxed)
    }

    /// A transaction id never handed out before on this volume; before it
    /// is shown or stored, `make_txn_id_durable` must have covered it.
    pub fn new_txn_id(&self) -> u64 {
        self.txn_ids.next()
    }

    /// Makes transaction id `id` safe to show or store (`crate::txn_ids`):
    /// one atomic load, and a volume write once per batch of ids.
    pub async fn make_txn_id_durable(&self, id: u64) -> SqlResult<()> {
        self.txn_ids.make_durable(self.store.as_ref(), id).await
    }

    /// The snapshot a statement of `txn` reads at: under REPEATABLE READ the
    /// transaction's own (taken by its first statement), else a fresh one;
    /// registered so the row versions it can see are kept.
    pub fn statement_snapshot(&self, txn: &mut Txn) -> Lsn {
        let snapshot = if txn.isolation.transaction_snapshot() {
            *txn.snapshot.get_or_insert_with(|| self.store.read_point())
        } else {
            self.store.read_point()
        };
        self.write_log.register_snapshot(txn.id, snapshot);
        snapshot
    }

    /// Makes a transaction's writes durable as one commit group, then releases its locks.
    /// If the caller's future is dropped mid-commit (client gone), the guard
    /// still releases the locks.
    pub async fn commit(&self, mut txn: Txn) -> SqlResult<()> {
        let _end = EndGuard {
            engine: self,
            id: txn.id,
            locks: std::mem::take(&mut txn.locks),
        };
        self.commit_writes(&mut txn).await
    }

    async fn commit_writes(&self, txn: &mut Txn) -> SqlResult<()> {
        if txn.writes.is_empty() && !txn.used_sequences && txn.ddl.is_none() {
            return Ok(());
        }
        // The rows carry the id as their xmin: it must never come again.
        self.make_txn_id_durable(txn.id).await?;
        let writes = std::mem::take(&mut txn.writes);
        let keys: Vec<Vec<u8>> = writes.keys().cloned().collect();
        let mut mutations: Vec<Mutation> = writes
            .into_iter()
            .map(|(key, value)| Mutation { key, value })
            .collect();
        let ddl = txn.ddl.take();
        let final_catalog = match &ddl {
            Some(d) => d.catalog.clone(),
            None => self.catalog(),
        };
        if let Some(d) = &ddl {
            mutations.extend(d.mutations.iter().cloned());
        }
        // DDL commits exclusively; commits that wrote rows share the lock and
        // re-check the table definitions they wrote against.
        let _ddl_write;
        let _ddl_read;
        if let Some(d) = &ddl {
            _ddl_write = self.ddl_lock.write().await;
            if let Err(e) = self.check_ddl(d) {
                self.undo_ddl(d);
                return Err(e);
            }
        } else if !txn.tables_written.is_empty() {
            _ddl_read = self.ddl_lock.read().await;
            let current = self.catalog();
            for (id, used) in &txn.tables_written {
                let now = current.tables.values().find(|t| t.id == *id);
                // The table moved to a new id (ADD PRIMARY KEY): these rows would be lost.
                if now.is_none() && current.tables.contains_key(&used.name) {
                    return Err(concurrent_ddl(&used.name));
                }
                if let Some(now) = now {
                    let same = now.primary_key == used.primary_key
                        && now.unique == used.unique
                        && now.indexes == used.indexes
                        && now.checks == used.checks
                        && now
                            .columns
                            .iter()
                            .zip(used.columns.iter())
                            .all(|(a, b)| a.not_null == b.not_null);
                    if !same {
                        return Err(concurrent_ddl(&now.name));
                    }
                }
            }
        }
        // Sequences this transaction created commit their marks with it
        // (nobody else sees them before); every other sequence's values are
        // covered by a durable mark before this commit may become durable.
        let dirty: Vec<_> = if txn.used_sequences {
            let committed = self.catalog();
            let (shared, own): (Vec<_>, Vec<_>) = self
                .sequences
                .uncovered()?
                .into_iter()
                .partition(|(name, _, _)| committed.sequences.contains_key(name));
            if !shared.is_empty() {
                self.reserve_sequences().await?;
            }
            own.into_iter()
                .filter(|(name, _, _)| final_catalog.sequences.contains_key(name))
                .collect()
        } else {
            vec![]
        };
        mutations.extend(dirty.iter().map(|(_, _, m)| m.clone()));
        // ALTER SEQUENCE: no reservation computed from the old options may
        // become durable after this commit's mark (see `crate::sequence`).
        let (altered, renamed) = match &ddl {
            Some(d) => {
                let committed = self.catalog();
                match crate::sequence_ddl::altered_sequences(&committed, d) {
                    Ok(a) => (a, crate::sequence_ddl::renamed_sequences(&committed, d)),
                    Err(e) => {
                        self.undo_ddl(d);
                        return Err(e);
                    }
                }
            }
            None => (vec![], vec![]),
        };
        let _reserving = if altered.is_empty() && renamed.is_empty() {
            None
        } else {
            Some(self.sequence_reservation.lock().await)
        };
        let mut renamed_marks = Vec::with_capacity(renamed.len());
        for (old, new) in renamed {
            match self.sequences.rename_mark(&old, &new) {
                Ok((ordinal, mark)) => {
                    mutations.push(mark);
                    renamed_marks.push((old, new, ordinal));
                }
                Err(e) => {
                    if let Some(d) = &ddl {
                        self.undo_ddl(d);
                    }
                    return Err(e);
                }
            }
        }
        let result = self.store.commit(mutations).await;
        let lsn = match result {
            Ok(lsn) => lsn,
            Err(e) => {
                if let Some(d) = ddl {
                    self.undo_ddl(&d);
                }
                return Err(e.into());
            }
        };
        // Record before the locks go, so a waiter sees that the row moved.
        self.write_log.record(keys.iter(), lsn);
        self.write_log.record_moves(&txn.moved_rows, lsn);
        self.write_log.record_tables(txn.tables_written.keys(), lsn);
        for (name, value, _) in dirty {
            self.sequences.mark_persisted(&name, value)?;
        }
        if let Some(d) = ddl {
            for (old, new, ordinal) in renamed_marks {
                self.sequences.rename(&old, &new, ordinal)?;
            }
            for s in &d.dropped_sequences {
                self.sequences.drop_sequence(s)?;
            }
            for a in altered {
                self.sequences.reconfigure(&a.name, a.options, a.restart)?;
            }
            self.set_catalog(crate::sequence_ddl::without_rename_markers(
                (*d.catalog).clone(),
            ));
            // d.guard drops here: the next DDL sees the new catalog.
        }
        Ok(())
    }

    /// Makes durable a mark covering every value handed out so far of every
    /// committed sequence (and [`crate::sequence::RESERVE_AHEAD`] more).
    /// Reservations are one at a time, each durable before the next begins,
    /// so marks only rise in log order; commits that only consume values
    /// wait here at most for one reservation, never for each other.
    async fn reserve_sequences(&self) -> SqlResult<()> {
        let _reserving = self.sequence_reservation.lock().await;
        let committed = self.catalog();
        // Another commit may have reserved while this one waited.
        let marks: Vec<_> = self
            .sequences
            .uncovered()?
            .into_iter()
            .filter(|(name, _, _)| committed.sequences.contains_key(name))
            .collect();
        if marks.is_empty() {
            return Ok(());
        }
        self.store
            .commit(marks.iter().map(|(_, _, m)| m.clone()).collect())
            .await?;
        for (name, mark, _) in marks {
            self.sequences.mark_persisted(&name, mark)?;
        }
        Ok(())
    }

    /// See [`Engine::close`]. Skipping it (a crash) loses nothing: the
    /// sequences and transaction ids then skip what was reserved.
    async fn close(&self) -> SqlResult<()> {
        self.txn_ids.give_back(self.store.as_ref()).await?;
        let _reserving = self.sequence_reservation.lock().await;
        let committed = self.catalog();
        let marks: Vec<_> = self
            .sequences
            .exact_marks()?
            .into_iter()
            .filter(|(name, _, _)| committed.sequences.contains_key(name))
            .collect();
        if marks.is_empty() {
            return Ok(());
        }
        self.store
            .commit(marks.into_iter().map(|(_, _, m)| m).collect())
            .await?;
        Ok(())
    }

    /// A transaction's DDL may commit only on the catalog it started from,
    /// and only if the rows it read (index builds, NOT NULL checks) are unchanged.
    fn check_ddl(&self, d: &TxnDdl) -> SqlResult<()> {
        let current = self.catalog();
        if current.version != d.base_version {
            return Err(SqlError::new(
                "40001",
                "could not serialize access due to concurrent DDL",
            ));
        }
        for (id, snapshot) in &d.checked {
            if self.write_log.table_changed_since(*id, *snapshot) {
                let name = current
                    .tables
                    .values()
                    .find(|t| t.id == *id)
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                return Err(concurrent_ddl(&name));
            }
        }
        Ok(())
    }

    /// Forgets sequences created by DDL that will never commit.
    fn undo_ddl(&self, d: &TxnDdl) {
        for s in &d.created_sequences {
            let _ = self.sequences.drop_sequence(s);
        }
    }

    /// ROLLBACK TO SAVEPOINT: releases the locks and drops the sequences
    /// taken since the savepoint.
    pub fn rollback_to_savepoint(&self, txn: &mut Txn, i: usize) {
        for (name, state) in txn.restarts_since(i).iter().rev() {
            let _ = self.sequences.restore(name, *state);
        }
        let (locks, sequences) = txn.rollback_to(i);
        for s in &sequences {
            let _ = self.sequences.drop_sequence(s);
        }
        self.locks.release(&locks, txn.id);
    }

    /// Discards a transaction's writes and releases its locks.
    pub fn rollback(&self, txn: Txn) {
        if let Some(d) = &txn.ddl {
            self.undo_ddl(d);
        }
        // TRUNCATE ... RESTART IDENTITY is transactional, as in PostgreSQL.
        for (name, state) in txn.restarted_sequences.iter().rev() {
            let _ = self.sequences.restore(name, *state);
        }
        self.end(&txn);
    }

    fn end(&self, txn: &Txn) {
        self.locks.release(&txn.locks, txn.id);
        self.write_log.unregister(txn.id);
    }
}
