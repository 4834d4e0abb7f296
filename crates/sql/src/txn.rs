//! Transactions: isolation levels, the per-transaction write set, the row
//! lock table (waits, deadlock detection), and the record of which keys each
//! commit wrote (for first-committer-wins and READ COMMITTED re-checks).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use borealis_common::Lsn;
use tokio::sync::Notify;

use crate::catalog::Catalog;
use crate::error::{SqlError, SqlResult};
use crate::store::Mutation;
use std::sync::Arc;

pub type TxnId = u64;

/// The 32-bit transaction id clients see (`xmin`, `xmax`,
/// `pg_current_xact_id()`) of transaction `id`: from 3 on (0, 1 and 2 are
/// PostgreSQL's invalid, bootstrap and frozen ids), wrapping as xids do.
/// Transaction ids go on across restarts and writer changes
/// (`crate::txn_ids`), so an id repeats only after that wrap.
pub fn client_xid(id: TxnId) -> u32 {
    const NORMAL_XIDS: u64 = u32::MAX as u64 - 2;
    (id % NORMAL_XIDS) as u32 + 3
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isolation {
    ReadCommitted,
    /// Snapshot isolation; also what SERIALIZABLE runs as for now.
    RepeatableRead,
    Serializable,
}

impl Isolation {
    pub fn name(self) -> &'static str {
        match self {
            Isolation::ReadCommitted => "read committed",
            Isolation::RepeatableRead => "repeatable read",
            Isolation::Serializable => "serializable",
        }
    }
    pub fn parse(s: &str) -> Option<Isolation> {
        match s.trim().to_ascii_lowercase().as_str() {
            "read committed" | "read uncommitted" => Some(Isolation::ReadCommitted),
            "repeatable read" => Some(Isolation::RepeatableRead),
            "serializable" => Some(Isolation::Serializable),
            _ => None,
        }
    }
    /// One snapshot for the whole transaction?
    pub fn transaction_snapshot(self) -> bool {
        self != Isolation::ReadCommitted
    }
}

/// An open transaction of one session.
#[derive(Debug)]
pub struct Txn {
    pub id: TxnId,
    pub isolation: Isolation,
    /// Transaction snapshot (REPEATABLE READ), taken by the first statement.
    pub snapshot: Option<Lsn>,
    /// Pending mutations (None = delete), applied as one commit group at COMMIT.
    pub writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Rows of heap-ordered tables this transaction updated: old row key ->
    /// the key of the new version (published to the `WriteLog` at commit,
    /// so a transaction that waited for the old key finds the row).
    pub moved_rows: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Row/index keys locked by this transaction.
    pub locks: Vec<Vec<u8>>,
    /// Row keys locked by SELECT ... FOR UPDATE/SHARE (they show this
    /// transaction as their `xmax`, `Ctx::row_xmax`).
    pub row_locks: BTreeSet<Vec<u8>>,
    pub used_sequences: bool,
    /// Opened by BEGIN (false: autocommit or an implicit multi-statement block).
    pub explicit: bool,
    /// An error happened inside the block: only ROLLBACK/COMMIT are accepted.
    pub failed: bool,
    /// A statement has run (SET TRANSACTION must come first).
    pub started: bool,
    /// Catalog changes made by DDL in this transaction, published at COMMIT.
    pub ddl: Option<TxnDdl>,
    /// BEGIN READ ONLY: writes fail with 25006.
    pub read_only: bool,
    /// Start time: what now() returns throughout the transaction.
    pub start_usecs: i64,
    /// Definitions of the tables this transaction wrote rows to, as bound.
    pub tables_written: BTreeMap<u32, Arc<crate::catalog::TableDef>>,
    /// Open savepoints, oldest first.
    pub savepoints: Vec<Savepoint>,
    /// RAISE NOTICE/WARNING output of functions, for the session to send.
    pub notices: Vec<crate::error::SqlError>,
    /// Nesting of user-defined function calls (54001 past the limit).
    pub routine_depth: usize,
    /// AFTER trigger events of running statements, fired at each one's end.
    pub pending_triggers: Vec<crate::routine::trigger::PendingEvent>,
    /// Rows captured for AFTER triggers' transition tables, and the tables
    /// a running trigger function sees.
    pub transitions: crate::routine::transition::TransitionState,
    /// Sequences TRUNCATE ... RESTART IDENTITY restarted, with the state
    /// each had before (put back if the transaction rolls back).
    pub restarted_sequences: Vec<(String, crate::sequence::SequenceState)>,
}

/// The state a ROLLBACK TO SAVEPOINT returns to.
#[derive(Debug)]
pub struct Savepoint {
    pub name: String,
    pub writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    pub moved_rows: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Locks taken after the savepoint are `locks[locks_len..]`.
    pub locks_len: usize,
    /// `Txn::row_locks` at the savepoint.
    pub row_locks: BTreeSet<Vec<u8>>,
    pub tables_written: BTreeMap<u32, Arc<crate::catalog::TableDef>>,
    pub ddl: Option<DdlMark>,
    /// RESTART IDENTITY done after the savepoint: `restarted_sequences[restarted_len..]`.
    pub restarted_len: usize,
}

/// How far a transaction's DDL had got at a savepoint.
#[derive(Debug)]
pub struct DdlMark {
    pub catalog: Arc<Catalog>,
    pub checked: usize,
    pub mutations: usize,
    pub created_sequences: usize,
    pub dropped_sequences: usize,
}

impl Txn {
    /// Records a savepoint (PostgreSQL allows repeating a name; the newest wins).
    pub fn savepoint(&mut self, name: String) {
        let ddl = self.ddl.as_ref().map(|d| DdlMark {
            catalog: d.catalog.clone(),
            checked: d.checked.len(),
            mutations: d.mutations.len(),
            created_sequences: d.created_sequences.len(),
            dropped_sequences: d.dropped_sequences.len(),
        });
        self.savepoints.push(Savepoint {
            name,
            writes: self.writes.clone(),
            moved_rows: self.moved_rows.clone(),
            locks_len: self.locks.len(),
            row_locks: self.row_locks.clone(),
            tables_written: self.tables_written.clone(),
            ddl,
            restarted_len: self.restarted_sequences.len(),
        });
    }

    /// The RESTART IDENTITY restarts made since savepoint `i`, taken off
    /// the transaction for the caller to undo (ROLLBACK TO).
    pub fn restarts_since(&mut self, i: usize) -> Vec<(String, crate::sequence::SequenceState)> {
        let len = self.savepoints.get(i).map_or(0, |s| s.restarted_len);
        self.restarted_sequences
            .split_off(len.min(self.restarted_sequences.len()))
    }

    /// Index of the newest savepoint with this name.
    pub fn find_savepoint(&self, name: &str) -> Option<usize> {
        self.savepoints.iter().rposition(|s| s.name == name)
    }

    /// ROLLBACK TO savepoint `i` (which stays defined): restores the write set
    /// and DDL state and returns the locks taken since, for the caller to
    /// release, and the sequences created since, for the caller to drop.
    pub fn rollback_to(&mut self, i: usize) -> (Vec<Vec<u8>>, Vec<String>) {
        self.savepoints.truncate(i + 1);
        let sp = &self.savepoints[i];
        self.writes = sp.writes.clone();
        self.moved_rows = sp.moved_rows.clone();
        self.tables_written = sp.tables_written.clone();
        let released = self.locks.split_off(sp.locks_len.min(self.locks.len()));
        self.row_locks = sp.row_locks.clone();
        let mut created = Vec::new();
        match (&sp.ddl, self.ddl.as_mut()) {
            (None, Some(d)) => {
                created = std::mem::take(&mut d.created_sequences);
                self.ddl = None;
            }
            (Some(m), Some(d)) => {
                d.catalog = m.catalog.clone();
                d.checked.truncate(m.checked);
                d.mutations.truncate(m.mutations);
                created = d.created_sequences.split_off(m.created_sequences);
                d.dropped_sequences.truncate(m.dropped_sequences);
            }
            _ => {}
        }
        self.failed = false;
        (released, created)
    }
}

/// DDL of an open transaction: a private catalog version published at
/// COMMIT, which fails with 40001 if another DDL committed since `base_version`
/// or rows of a table it read (backfill, validation) changed since then.
#[derive(Debug)]
pub struct TxnDdl {
    pub base_version: u64,
    /// Tables whose existing rows this DDL read, and the snapshot it read at.
    pub checked: Vec<(u32, Lsn)>,
    pub catalog: Arc<Catalog>,
    pub mutations: Vec<Mutation>,
    pub created_sequences: Vec<String>,
    pub dropped_sequences: Vec<String>,
}

impl Txn {
    pub fn new(id: TxnId, isolation: Isolation, explicit: bool) -> Txn {
        Txn {
            id,
            isolation,
            snapshot: None,
            writes: BTreeMap::new(),
            moved_rows: BTreeMap::new(),
            locks: Vec::new(),
            row_locks: BTreeSet::new(),
            used_sequences: false,
            explicit,
            failed: false,
            started: false,
            ddl: None,
            read_only: false,
            start_usecs: crate::datetime::now(),
            tables_written: BTreeMap::new(),
            savepoints: Vec::new(),
            notices: Vec::new(),
            routine_depth: 0,
            pending_triggers: Vec::new(),
            transitions: Default::default(),
            restarted_sequences: Vec::new(),
        }
    }
}

#[derive(Default)]
struct LockState {
    owners: HashMap<Vec<u8>, TxnId>,
    waits_for: HashMap<TxnId, TxnId>,
}

/// Exclusive row locks held until the owning transaction ends. A waiter sleeps
/// until the owner releases; a cycle in the wait-for graph fails the
/// transaction that would close it with 40P01.
#[derive(Default)]
pub struct LockManager {
    state: Mutex<LockState>,
    released: Notify,
}

impl LockManager {
    fn state(&self) -> SqlResult<std::sync::MutexGuard<'_, LockState>> {
        self.state
            .lock()
            .map_err(|_| SqlError::internal("lock table poisoned"))
    }

    /// Takes the lock on `key` for `me`, waiting for its owner to finish
    /// (at most `timeout`: lock_timeout, 55P03 past it). Returns true if the
    /// lock is newly taken (the caller records it).
    pub async fn lock(
        &self,
        key: &[u8],
        me: TxnId,
        timeout: Option<std::time::Duration>,
    ) -> SqlResult<bool> {
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        loop {
            let notified = self.released.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut st = self.state()?;
                match st.owners.get(key).copied() {
                    None => {
                        st.owners.insert(key.to_vec(), me);
                        st.waits_for.remove(&me);
                        return Ok(true);
                    }
                    Some(owner) if owner == me => return Ok(false),
                    Some(owner) => {
                        st.waits_for.insert(me, owner);
                        // Follow the wait-for chain; reaching `me` is a deadlock.
                        let mut cur = owner;
                        let mut steps = 0usize;
                        while let Some(&next) = st.waits_for.get(&cur) {
                            if next == me {
                                st.waits_for.remove(&me);
                                return Err(SqlError::new("40P01", "deadlock detected")
                                    .with_detail(format!("Process {me} waits for ShareLock on transaction {owner}; blocked by process {owner}.")));
                            }
                            cur = next;
                            steps += 1;
                            if steps > st.waits_for.len() {
                                break;
                            }
                        }
                    }
                }
            }
            match deadline {
                None => notified.await,
                Some(deadline) => {
                    if tokio::time::timeout_at(deadline, notified).await.is_err() {
                        self.state()?.waits_for.remove(&me);
                        return Err(SqlError::new(
                            "55P03",
                            "canceling statement due to lock timeout",
                        ));
                    }
                }
            }
        }
    }

    /// The transaction holding the lock on `key`, if one does.
    pub fn owner(&self, key: &[u8]) -> Option<TxnId> {
        self.state().ok()?.owners.get(key).copied()
    }

    /// Releases every lock of `me` and wakes the waiters.
    pub fn release(&self, keys: &[Vec<u8>], me: TxnId) {
        if let Ok(mut st) = self.state.lock() {
            for k in keys {
                if st.owners.get(k) == Some(&me) {
                    st.owners.remove(k);
                }
            }
            st.waits_for.remove(&me);
        }
        self.released.notify_waiters();
    }
}

/// Which commit last wrote each key, for keys written while some snapshot
/// that could care was open, and where committed UPDATEs moved rows of
/// heap-ordered tables (old key -> new key). Pruned below the oldest open
/// snapshot.
#[derive(Default)]
pub struct WriteLog {
    state: Mutex<WriteLogState>,
}

#[derive(Default)]
struct WriteLogState {
    last: HashMap<Vec<u8>, Lsn>,
    /// Old row key -> (new row key, commit that moved it).
    moved: HashMap<Vec<u8>, (Vec<u8>, Lsn)>,
    snapshots: HashMap<TxnId, Lsn>,
    /// Last commit that wrote rows of each table (by table id).
    tables: HashMap<u32, Lsn>,
}

const WRITE_LOG_PRUNE_AT: usize = 1 << 16;

impl WriteLog {
    pub fn register_snapshot(&self, txn: TxnId, at: Lsn) {
        if let Ok(mut s) = self.state.lock() {
            s.snapshots.insert(txn, at);
        }
    }
    /// Registers an extra read point of `txn` (a DDL backfill) without
    /// moving an older one it already holds.
    pub fn register_extra_snapshot(&self, txn: TxnId, at: Lsn) {
        if let Ok(mut s) = self.state.lock() {
            let slot = s.snapshots.entry(txn).or_insert(at);
            *slot = (*slot).min(at);
        }
    }
    /// The oldest snapshot a running statement or transaction reads at:
    /// no version it can see may be garbage-collected.
    pub fn oldest_snapshot(&self) -> Option<Lsn> {
        self.state
            .lock()
            .ok()
            .and_then(|s| s.snapshots.values().min().copied())
    }
    pub fn unregister(&self, txn: TxnId) {
        if let Ok(mut s) = self.state.lock() {
            s.snapshots.remove(&txn);
        }
    }
    pub fn record<'a>(&self, keys: impl Iterator<Item = &'a Vec<u8>>, lsn: Lsn) {
        if let Ok(mut s) = self.state.lock() {
            for k in keys {
                s.last.insert(k.clone(), lsn);
            }
            if s.last.len() > WRITE_LOG_PRUNE_AT {
                let oldest = s.snapshots.values().min().copied().unwrap_or(Lsn::MAX);
                s.last.retain(|_, l| *l > oldest);
            }
        }
    }
    /// Rows a commit at `lsn` moved to new keys (UPDATE of a heap-ordered
    /// table); call before the commit's locks are released.
    pub fn record_moves(&self, moves: &BTreeMap<Vec<u8>, Vec<u8>>, lsn: Lsn) {
        if moves.is_empty() {
            return;
        }
        if let Ok(mut s) = self.state.lock() {
            for (old, new) in moves {
                s.moved.insert(old.clone(), (new.clone(), lsn));
            }
            if s.moved.len() > WRITE_LOG_PRUNE_AT {
                let oldest = s.snapshots.values().min().copied().unwrap_or(Lsn::MAX);
                s.moved.retain(|_, (_, l)| *l > oldest);
            }
        }
    }

    /// Where a committed UPDATE moved the row at `key`, if one did while a
    /// snapshot that could still see `key` was open.
    pub fn moved_to(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.state
            .lock()
            .ok()
            .and_then(|s| s.moved.get(key).map(|(new, _)| new.clone()))
    }

    pub fn record_tables<'a>(&self, tables: impl Iterator<Item = &'a u32>, lsn: Lsn) {
        if let Ok(mut s) = self.state.lock() {
            for t in tables {
                s.tables.insert(*t, lsn);
            }
        }
    }

    /// Did a commit after `snapshot` write rows of table `id`?
    pub fn table_changed_since(&self, id: u32, snapshot: Lsn) -> bool {
        self.state
            .lock()
            .map(|s| s.tables.get(&id).is_some_and(|l| *l > snapshot))
            .unwrap_or(true)
    }

    /// Was `key` written by a commit after `snapshot`?
    pub fn changed_since(&self, key: &[u8], snapshot: Lsn) -> bool {
        self.state
            .lock()
            .map(|s| s.last.get(key).is_some_and(|l| *l > snapshot))
            .unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_xids_skip_the_special_ids_and_wrap() {
        assert_eq!(client_xid(0), 3);
        assert_eq!(client_xid(1), 4);
        assert_eq!(client_xid(u32::MAX as u64 - 3), u32::MAX);
        assert_eq!(client_xid(u32::MAX as u64 - 2), 3);
    }

    #[tokio::test]
    async fn second_locker_waits_for_release() {
        let lm = Arc::new(LockManager::default());
        assert!(lm.lock(b"k", 1, None).await.unwrap());
        assert!(!lm.lock(b"k", 1, None).await.unwrap());
        let lm2 = lm.clone();
        let waiter = tokio::spawn(async move { lm2.lock(b"k", 2, None).await });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        lm.release(&[b"k".to_vec()], 1);
        assert!(waiter.await.unwrap().unwrap());
    }

    #[tokio::test]
    async fn a_wait_past_the_lock_timeout_fails_and_leaves_no_edge() {
        let lm = Arc::new(LockManager::default());
        lm.lock(b"k", 1, None).await.unwrap();
        let timeout = Some(std::time::Duration::from_millis(20));
        let err = lm.lock(b"k", 2, timeout).await.unwrap_err();
        assert_eq!(err.sqlstate, "55P03");
        assert!(lm.state().unwrap().waits_for.is_empty());
        lm.release(&[b"k".to_vec()], 1);
        assert!(lm.lock(b"k", 2, timeout).await.unwrap());
    }

    #[tokio::test]
    async fn deadlock_is_detected() {
        let lm = Arc::new(LockManager::default());
        lm.lock(b"a", 1, None).await.unwrap();
        lm.lock(b"b", 2, None).await.unwrap();
        let lm2 = lm.clone();
        let t1 = tokio::spawn(async move { lm2.lock(b"b", 1, None).await });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let err = lm.lock(b"a", 2, None).await.unwrap_err();
        assert_eq!(err.sqlstate, "40P01");
        lm.release(&[b"b".to_vec()], 2);
        assert!(t1.await.unwrap().unwrap());
    }
}
