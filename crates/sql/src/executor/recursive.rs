//! WITH RECURSIVE, streamed: the non-recursive term's rows, then each
//! round's, are returned as they are made (so `LIMIT` stops an unbounded
//! recursion, as in PostgreSQL). The rows of a round become the next
//! round's working table, which the recursive term reads through
//! `WorkTableScan`; working tables are `RowStore`s, so each holds at most
//! work_mem in memory and spills beyond it. UNION (without ALL) remembers
//! every row returned so far to drop duplicates; that set is charged to the
//! statement's memory guard, as PostgreSQL's in-memory hash table is not
//! bounded by work_mem either.
//!
//! A working table is in `Ctx::work_tables` only while this query's
//! recursive term is being pulled, so two instances of one recursive query
//! (the same id) can run interleaved without seeing each other's rows.

use super::row_store::{RowStore, RowStoreScan};
use super::stream::{Batch, Op};
use super::*;

pub(crate) struct RecursiveUnionOp {
    id: usize,
    all: bool,
    recursive: Plan,
    /// The non-recursive term, then the recursive term of the current round.
    term: Op,
    in_base: bool,
    /// The previous round's rows, read by this round's recursive term.
    work: RowStore,
    /// This round's rows: the next working table.
    next: RowStore,
    /// Keys of the rows returned so far (UNION only).
    seen: HashSet<Vec<u8>>,
    held: usize,
    produced: usize,
    done: bool,
}

impl RecursiveUnionOp {
    pub(crate) fn new(id: usize, all: bool, base: &Plan, recursive: &Plan) -> RecursiveUnionOp {
        RecursiveUnionOp {
            id,
            all,
            recursive: recursive.clone(),
            term: Op::build(base),
            in_base: true,
            work: RowStore::new(1),
            next: RowStore::new(1),
            seen: HashSet::new(),
            held: 0,
            produced: 0,
            done: false,
        }
    }

    pub(crate) async fn next_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
    ) -> SqlResult<Option<Batch>> {
        if self.in_base && self.produced == 0 && self.next.is_empty() {
            self.next = RowStore::new(ctx.work_mem);
        }
        while !self.done {
            let batch = if self.in_base {
                self.term.next_batch(ctx, outer).await
            } else {
                self.pull_recursive(ctx, outer).await
            };
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    self.finish(ctx);
                    return Err(e);
                }
            };
            let Some(batch) = batch else {
                self.next_round(ctx);
                continue;
            };
            let mut out = Vec::with_capacity(batch.len());
            for r in batch {
                if !self.all {
                    let key = row_key(&r);
                    let bytes = key.len() + 32;
                    if !self.seen.insert(key) {
                        continue;
                    }
                    if let Err(e) = ctx.memory.charge(bytes, "WITH RECURSIVE's set of rows") {
                        self.finish(ctx);
                        return Err(e);
                    }
                    self.held += bytes;
                }
                if let Err(e) = self.next.push(&ctx.engine.spill, r.clone()) {
                    self.finish(ctx);
                    return Err(e);
                }
                out.push(r);
            }
            self.produced += out.len();
            if self.produced > RECURSION_ROWS_MAX {
                self.finish(ctx);
                return Err(SqlError::new(
                    "54000",
                    format!("WITH RECURSIVE produced more than {RECURSION_ROWS_MAX} rows"),
                ));
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
        Ok(None)
    }

    /// The recursive term's next batch, with this query's working table
    /// installed for the pull (and whatever was under its id put back).
    async fn pull_recursive(
        &mut self,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
    ) -> SqlResult<Option<Batch>> {
        let work = std::mem::replace(&mut self.work, RowStore::new(1));
        let shadowed = ctx.work_tables.insert(self.id, work);
        let batch = self.term.next_batch(ctx, outer).await;
        if let Some(work) = ctx.work_tables.remove(&self.id) {
            self.work = work;
        }
        if let Some(s) = shadowed {
            ctx.work_tables.insert(self.id, s);
        }
        batch
    }

    /// The current term is exhausted: the rows it made become the working
    /// table of a new round, or, if it made none, the query is done.
    fn next_round(&mut self, ctx: &mut Ctx<'_>) {
        self.in_base = false;
        if self.next.is_empty() {
            self.finish(ctx);
            return;
        }
        if self.next.spilled() {
            tracing::debug!(
                rows = self.next.len(),
                work_mem = ctx.work_mem,
                "WITH RECURSIVE working table spilled to disk"
            );
        }
        self.work = std::mem::replace(&mut self.next, RowStore::new(ctx.work_mem));
        self.term = Op::build(&self.recursive);
    }

    fn finish(&mut self, ctx: &mut Ctx<'_>) {
        self.done = true;
        ctx.memory.release(std::mem::take(&mut self.held));
        self.seen = HashSet::new();
        self.work = RowStore::new(1);
        self.next = RowStore::new(1);
    }
}

/// The recursive term's reference to its query: the working table's rows.
pub(crate) struct WorkTableScan {
    id: usize,
    scan: RowStoreScan,
}

impl WorkTableScan {
    pub(crate) fn new(id: usize) -> WorkTableScan {
        WorkTableScan {
            id,
            scan: RowStoreScan::new(),
        }
    }

    pub(crate) fn next_batch(&mut self, ctx: &mut Ctx<'_>) -> SqlResult<Option<Batch>> {
        match ctx.work_tables.get_mut(&self.id) {
            Some(store) => self.scan.next_batch(store),
            None => Ok(None),
        }
    }
}
