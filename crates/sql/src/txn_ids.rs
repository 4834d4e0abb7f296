//! Transaction ids that never repeat, across restarts and writer changes.
//!
//! Clients see a transaction's id as `xmin` of the rows it wrote and as
//! `txid_current()`; ORMs use `xmin` as an optimistic concurrency token, so
//! an id handed out again after a restart could make a stale update look
//! current. Ids are therefore reserved durably in batches, like a sequence
//! cache: the volume holds a high-water mark (key `0x00 'I'`, a `u64 LE`)
//! that no id handed out so far reaches. Handing out an id is one atomic
//! increment; an id may not become visible outside the engine (a committed
//! row version carrying it, a `txid_current()` result) before it is below
//! the durable mark ([`TxnIds::make_durable`]), which writes a new mark
//! [`TXN_ID_BATCH`] ids ahead when the old one is used up. An engine that
//! starts (after a crash, or as the new writer after a failover: the old
//! writer is fenced out by the volume epoch, so it cannot move the mark
//! afterwards) continues at the mark; a clean shutdown writes back the exact
//! next id ([`TxnIds::give_back`]), so a restart leaves no gap.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::encoding::CATALOG_PREFIX;
use crate::error::{SqlError, SqlResult};
use crate::store::{Mutation, Store};
use crate::txn::TxnId;

/// Ids reserved per durable mark: one extra volume write per this many
/// transactions, and at most this many ids skipped by a crash.
pub const TXN_ID_BATCH: u64 = 1 << 14;

/// The catalog tag of the mark (`0x00 'I'`).
const TXN_ID_MARK_TAG: u8 = b'I';

/// The first id of a new database.
const FIRST_TXN_ID: TxnId = 1;

fn mark_key() -> Vec<u8> {
    vec![CATALOG_PREFIX, TXN_ID_MARK_TAG]
}

fn mark_mutation(mark: TxnId) -> Mutation {
    Mutation {
        key: mark_key(),
        value: Some(mark.to_le_bytes().to_vec()),
    }
}

/// The engine's transaction-id counter and its durable reservation.
pub struct TxnIds {
    /// The next id to hand out.
    next: AtomicU64,
    /// Every id below this is covered by a durable mark.
    durable: AtomicU64,
    /// Serialises mark writes, so a lower mark never lands after a higher one.
    reserving: tokio::sync::Mutex<()>,
}

impl TxnIds {
    /// Continues where the durable mark in `store` says (a new database
    /// starts at [`FIRST_TXN_ID`]).
    pub async fn open(store: &dyn Store) -> SqlResult<TxnIds> {
        let stored = store.get(&mark_key(), store.read_point()).await?;
        let next = match stored {
            None => FIRST_TXN_ID,
            Some(v) => {
                let bytes: [u8; 8] = v.as_slice().try_into().map_err(|_| {
                    SqlError::internal("corrupt catalog entry transaction id mark: bad length")
                })?;
                u64::from_le_bytes(bytes).max(FIRST_TXN_ID)
            }
        };
        Ok(TxnIds::starting_at(next))
    }

    fn starting_at(next: TxnId) -> TxnIds {
        TxnIds {
            next: AtomicU64::new(next),
            durable: AtomicU64::new(next),
            reserving: tokio::sync::Mutex::new(()),
        }
    }

    /// A new transaction id, higher than every id handed out before, by
    /// this engine or an earlier one on the same volume once made durable.
    pub fn next(&self) -> TxnId {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// May `id` be shown or stored: is a durable mark above it?
    pub fn is_durable(&self, id: TxnId) -> bool {
        id < self.durable.load(Ordering::Acquire)
    }

    /// Makes sure a durable mark lies above `id` (an id this engine handed
    /// out), writing one [`TXN_ID_BATCH`] ids past every id handed out so
    /// far if none does yet.
    pub async fn make_durable(&self, store: &dyn Store, id: TxnId) -> SqlResult<()> {
        if self.is_durable(id) {
            return Ok(());
        }
        let _reserving = self.reserving.lock().await;
        // Another transaction may have reserved while this one waited.
        if self.is_durable(id) {
            return Ok(());
        }
        let handed_out = self.next.load(Ordering::Relaxed);
        assert!(id < handed_out, "transaction id {id} was never handed out");
        let mark = handed_out.saturating_add(TXN_ID_BATCH);
        store.commit(vec![mark_mutation(mark)]).await?;
        self.durable.fetch_max(mark, Ordering::AcqRel);
        Ok(())
    }

    /// A clean shutdown, once no transaction runs: lowers the mark to the
    /// next id, so the next start continues without a gap.
    pub async fn give_back(&self, store: &dyn Store) -> SqlResult<()> {
        let _reserving = self.reserving.lock().await;
        let next = self.next.load(Ordering::Relaxed);
        if self.durable.load(Ordering::Acquire) == next {
            return Ok(());
        }
        store.commit(vec![mark_mutation(next)]).await?;
        self.durable.store(next, Ordering::Release);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemStore;

    #[tokio::test]
    async fn a_new_database_starts_at_the_first_id() {
        let store = MemStore::new();
        let ids = TxnIds::open(&store).await.unwrap();
        assert_eq!(ids.next(), FIRST_TXN_ID);
        assert!(!ids.is_durable(FIRST_TXN_ID));
    }

    #[tokio::test]
    async fn ids_made_durable_are_never_handed_out_again_after_a_crash() {
        let store = MemStore::new();
        let ids = TxnIds::open(&store).await.unwrap();
        let mut highest = 0;
        // Past one batch, so the mark has to move twice.
        for _ in 0..TXN_ID_BATCH + 10 {
            let id = ids.next();
            ids.make_durable(&store, id).await.unwrap();
            highest = id;
        }
        // No give_back: the engine crashed.
        let restarted = TxnIds::open(&store).await.unwrap();
        let first = restarted.next();
        assert!(first > highest, "{first} <= {highest}");
        assert!(first <= highest + 1 + TXN_ID_BATCH);
    }

    #[tokio::test]
    async fn a_clean_shutdown_leaves_no_gap() {
        let store = MemStore::new();
        let ids = TxnIds::open(&store).await.unwrap();
        let a = ids.next();
        ids.make_durable(&store, a).await.unwrap();
        let b = ids.next();
        ids.give_back(&store).await.unwrap();
        let restarted = TxnIds::open(&store).await.unwrap();
        assert_eq!(restarted.next(), b + 1);
    }

    #[tokio::test]
    async fn one_mark_covers_a_batch() {
        let store = MemStore::new();
        let ids = TxnIds::open(&store).await.unwrap();
        let first = ids.next();
        ids.make_durable(&store, first).await.unwrap();
        let before = store.read_point();
        for _ in 0..TXN_ID_BATCH - 1 {
            let id = ids.next();
            ids.make_durable(&store, id).await.unwrap();
        }
        assert_eq!(
            store.read_point(),
            before,
            "no mark written within the batch"
        );
    }
}
