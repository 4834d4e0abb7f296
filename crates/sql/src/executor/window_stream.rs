//! Window functions within work_mem. The input is read into a `RowStore`;
//! if it fits, the whole set goes through `Ctx::window` in memory as
//! before. If it does not, each row gets its input position as a hidden
//! last column and every window call in turn sorts the rows (an external
//! sort) by its PARTITION BY, ORDER BY and that position, then computes
//! its values one partition at a time, appending them — so only one
//! partition is held in memory (charged to the statement's memory guard),
//! and the result is exactly the in-memory one: ordered by the last call's
//! window, ties in input order. The last call's pass streams.

use super::row_store::RowStore;
use super::sort::SortOp;
use super::stream::{Batch, Op};
use super::*;

use crate::spill::row_bytes;

const WHAT: &str = "a window function's partition";

pub(crate) struct WindowOp {
    input: Op,
    calls: Vec<WindowCall>,
    state: State,
}

enum State {
    Start,
    /// The whole input fit in work_mem.
    InMemory(std::vec::IntoIter<Row>),
    /// The last call's pass over its sorted rows.
    Streaming(Box<PartitionPass>),
    Done,
}

impl WindowOp {
    pub(crate) fn new(input: Op, calls: Vec<WindowCall>) -> WindowOp {
        WindowOp {
            input,
            calls,
            state: State::Start,
        }
    }

    pub(crate) async fn next_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
    ) -> SqlResult<Option<Batch>> {
        loop {
            match &mut self.state {
                State::Start => self.state = self.consume(ctx, outer).await?,
                State::InMemory(rows) => return Ok(stream::take_batch(rows)),
                State::Streaming(pass) => {
                    let out = pass.next_batch(ctx, outer).await;
                    if let Ok(Some(mut rows)) = out {
                        // The input position is not part of the result.
                        for r in &mut rows {
                            r.remove(pass.position);
                        }
                        return Ok(Some(rows));
                    }
                    ctx.memory.release(std::mem::take(&mut pass.held));
                    out?;
                    self.state = State::Done;
                }
                State::Done => return Ok(None),
            }
        }
    }

    async fn consume(&mut self, ctx: &mut Ctx<'_>, outer: &[Row]) -> SqlResult<State> {
        let store = stream::collect_within_work_mem(&mut self.input, ctx, outer).await?;
        if !store.spilled() {
            let rows = ctx
                .window(store.into_memory_rows(), &self.calls, outer)
                .await?;
            return Ok(State::InMemory(rows.into_iter()));
        }
        let position = store.memory_rows().first().map_or(0, Vec::len);
        tracing::debug!(
            rows = store.len(),
            work_mem = ctx.work_mem,
            "window function input spilled to disk"
        );
        let mut rows = store.into_rows()?;
        let mut numbered = RowStore::new(ctx.work_mem);
        let mut i = 0i64;
        while let Some(mut r) = rows.next_row()? {
            r.push(Datum::Int8(i));
            i += 1;
            numbered.push(&ctx.engine.spill, r)?;
        }
        let Some((last, first)) = self.calls.split_last() else {
            return Err(SqlError::internal("a window node without calls"));
        };
        for call in first {
            let mut pass = PartitionPass::new(numbered, call, position)?;
            numbered = RowStore::new(ctx.work_mem);
            let result = async {
                while let Some(batch) = pass.next_batch(ctx, outer).await? {
                    for r in batch {
                        numbered.push(&ctx.engine.spill, r)?;
                    }
                }
                Ok::<(), SqlError>(())
            }
            .await;
            ctx.memory.release(std::mem::take(&mut pass.held));
            result?;
        }
        Ok(State::Streaming(Box::new(PartitionPass::new(
            numbered, last, position,
        )?)))
    }
}

/// One window call over numbered rows: sorted by its window and the input
/// position, then computed a partition at a time.
struct PartitionPass {
    sorted: Op,
    call: WindowCall,
    /// Column of the input position.
    position: usize,
    /// The partition being gathered and its PARTITION BY values.
    partition: Vec<Row>,
    key: Option<Row>,
    held: usize,
    input_done: bool,
}

impl PartitionPass {
    fn new(rows: RowStore, call: &WindowCall, position: usize) -> SqlResult<PartitionPass> {
        let mut keys: Vec<SortKey> = call
            .partition
            .iter()
            .map(|e| SortKey {
                expr: e.clone(),
                desc: false,
                nulls_first: false,
            })
            .collect();
        keys.extend(call.order.iter().cloned());
        keys.push(SortKey {
            expr: Expr::Column(position, SqlType::Int8.plain()),
            desc: false,
            nulls_first: false,
        });
        let source = Op::Stored(Box::new(rows.into_rows()?));
        Ok(PartitionPass {
            sorted: Op::Sort(Box::new(SortOp::new(source, keys))),
            call: call.clone(),
            position,
            partition: Vec::new(),
            key: None,
            held: 0,
            input_done: false,
        })
    }

    /// The rows of the next complete partition with this call's value
    /// appended, None at the end.
    async fn next_batch(&mut self, ctx: &mut Ctx<'_>, outer: &[Row]) -> SqlResult<Option<Batch>> {
        while !self.input_done {
            let Some(batch) = self.sorted.next_batch(ctx, outer).await? else {
                self.input_done = true;
                break;
            };
            let mut complete = None;
            for r in batch {
                let mut key = Vec::with_capacity(self.call.partition.len());
                for e in &self.call.partition {
                    key.push(ctx.eval_row(e, &r, outer).await?);
                }
                let same = self.key.as_ref().is_none_or(|k| {
                    k.iter()
                        .zip(&key)
                        .zip(&self.call.partition)
                        .all(|((a, b), e)| compare(a, b, e.ty().ty) == Ordering::Equal)
                });
                if !same {
                    let done = std::mem::take(&mut self.partition);
                    let mut out = self.compute(ctx, done, outer).await?;
                    complete.get_or_insert_with(Vec::new).append(&mut out);
                }
                self.key = Some(key);
                let bytes = row_bytes(&r);
                ctx.memory.charge(bytes, WHAT)?;
                self.held += bytes;
                self.partition.push(r);
            }
            if complete.is_some() {
                return Ok(complete);
            }
        }
        if self.partition.is_empty() {
            return Ok(None);
        }
        let done = std::mem::take(&mut self.partition);
        self.compute(ctx, done, outer).await.map(Some)
    }

    /// One whole partition (in window order) with the call's values.
    async fn compute(
        &mut self,
        ctx: &mut Ctx<'_>,
        partition: Vec<Row>,
        outer: &[Row],
    ) -> SqlResult<Vec<Row>> {
        ctx.memory.release(std::mem::take(&mut self.held));
        ctx.window(partition, std::slice::from_ref(&self.call), outer)
            .await
    }
}
