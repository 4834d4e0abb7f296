//! One snapshot for every part of a statement with data-modifying WITH
//! queries (`crate::session_writing_with`), as in PostgreSQL: each part
//! and the primary statement run in a context of their own, one after the
//! other, but all read the tables as they were when the statement began
//! (the same store snapshot, and this transaction's writes as of then).
//! Writes go to the transaction as usual, and what must see them does:
//! unique-key claims, foreign-key checks (which wait for the end of the
//! whole statement, where PostgreSQL runs them too) and cascaded actions.
//! A row an earlier part already modified is left alone by a later one,
//! as PostgreSQL skips a row its own command modified.

use std::collections::BTreeMap;
use std::sync::Arc;

use borealis_common::Lsn;

use super::{fk, Ctx};
use crate::error::SqlResult;
use crate::txn::Txn;

/// What the parts of one statement share.
pub struct SharedStatement {
    /// The statement's store snapshot.
    pub snapshot: Lsn,
    /// The transaction's pending writes when the statement began.
    writes_at_start: Arc<BTreeMap<Vec<u8>, Option<Vec<u8>>>>,
    /// Foreign-key checks the parts queued, run at the statement's end.
    fk_pending: Vec<fk::FkPending>,
}

impl SharedStatement {
    /// The state of `txn` at the start of a statement reading at `snapshot`.
    pub fn new(txn: &Txn, snapshot: Lsn) -> SharedStatement {
        SharedStatement {
            snapshot,
            writes_at_start: Arc::new(txn.writes.clone()),
            fk_pending: Vec::new(),
        }
    }
}

impl<'a> Ctx<'a> {
    /// Makes this context one part of a statement: it reads what the
    /// statement's start saw and leaves foreign-key checks to its end.
    pub fn join_statement(&mut self, shared: &'a mut SharedStatement) {
        assert_eq!(
            self.snapshot, shared.snapshot,
            "a part of a statement reads at the statement's snapshot"
        );
        self.shared = Some(shared);
    }

    /// The transaction's own writes as this context's reads see them.
    pub(super) fn visible_writes(&self) -> &BTreeMap<Vec<u8>, Option<Vec<u8>>> {
        match &self.shared {
            Some(shared) => &shared.writes_at_start,
            None => &self.txn.writes,
        }
    }

    /// Did an earlier part of the statement (or this one) write `key`?
    pub(super) fn modified_by_statement(&self, key: &[u8]) -> bool {
        self.shared
            .as_ref()
            .is_some_and(|shared| shared.writes_at_start.get(key) != self.txn.writes.get(key))
    }

    /// The foreign-key checks due at the end of an INSERT, UPDATE or
    /// DELETE: run now, or, in a part of a statement, at its end.
    pub(super) async fn statement_fk_checks(&mut self) -> SqlResult<()> {
        if let Some(shared) = self.shared.as_deref_mut() {
            shared.fk_pending.append(&mut self.fk_pending);
            return Ok(());
        }
        self.run_fk_checks().await
    }

    /// At the end of the statement: the foreign-key checks every part
    /// queued, against the tables as the statement left them.
    pub async fn run_statement_fk_checks(&mut self) -> SqlResult<()> {
        if let Some(shared) = self.shared.as_deref_mut() {
            self.fk_pending.append(&mut shared.fk_pending);
        }
        self.run_fk_checks().await
    }

    /// Makes reads see the transaction's current writes, not the
    /// statement start's (what constraint checks and cascaded actions
    /// need) until [`Ctx::reattach_statement`] puts back what it returns.
    pub(super) fn detach_statement(&mut self) -> Option<&'a mut SharedStatement> {
        self.shared.take()
    }

    /// Undoes [`Ctx::detach_statement`].
    pub(super) fn reattach_statement(&mut self, shared: Option<&'a mut SharedStatement>) {
        self.shared = shared;
    }
}
