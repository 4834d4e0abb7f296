//! The pull-based operator tree: a `Plan` becomes an `Op` whose
//! `next_batch` yields the next rows (at most `BATCH_ROWS`) on demand, so a
//! scan reads the store page by page as its consumer asks, LIMIT stops
//! pulling once it has its rows, and sort, hash aggregate, hash join,
//! DISTINCT, the nested loop's inner side, window functions and WITH
//! RECURSIVE's working tables stay within work_mem (spilling beyond it).
//! Operators own clones of their plan's pieces (cheap: tables
//! and subquery plans are behind `Arc`s), so a tree can outlive one call —
//! a suspended portal keeps its tree between fetches — and borrow the
//! statement's `Ctx` only while producing a batch. Plan kinds with no
//! streaming form here (VALUES, set-returning user functions) run through
//! `Ctx::exec_materialized` and their rows are charged to the statement's
//! memory guard while held.

use super::*;

use super::row_store::RowStore;
use crate::spill::row_bytes;

/// Most rows in one batch.
pub(crate) const BATCH_ROWS: usize = 1024;

/// A batch of rows; never empty when returned by `next_batch`.
pub(crate) type Batch = Vec<Row>;

/// One operator of a running query.
pub(crate) enum Op {
    Scan(Box<scan::ScanOp>),
    Filter {
        input: Box<Op>,
        predicate: Expr,
    },
    Project {
        input: Box<Op>,
        exprs: Vec<Expr>,
    },
    ProjectSet {
        input: Box<Op>,
        calls: Vec<SrfCall>,
    },
    Limit(Box<LimitOp>),
    HashJoin(Box<join::HashJoinOp>),
    NestedLoop(Box<nested_loop::NestedLoopOp>),
    Lateral(Box<join::LateralOp>),
    Sort(Box<sort::SortOp>),
    Aggregate(Box<aggregate::AggregateOp>),
    DistinctOn(Box<DistinctOnOp>),
    /// UNION ALL: each input in turn.
    Concat {
        inputs: Vec<Op>,
        current: usize,
    },
    /// INTERSECT / EXCEPT [ALL].
    Counted(Box<setop::CountedSetOp>),
    /// generate_series in FROM: values made as they are pulled.
    Series(Box<SeriesOp>),
    RecursiveUnion(Box<recursive::RecursiveUnionOp>),
    WorkTable(Box<recursive::WorkTableScan>),
    Window(Box<window_stream::WindowOp>),
    /// Rows kept by an operator in a `RowStore`, read back once.
    Stored(Box<row_store::RowStoreDrain>),
    Materialized(Box<MaterializedOp>),
}

impl Op {
    /// The operator tree of `plan`.
    pub(crate) fn build(plan: &Plan) -> Op {
        match plan {
            Plan::Scan {
                table,
                access,
                filter,
                lock,
                row_versions,
                ..
            } => Op::Scan(Box::new(scan::ScanOp::new(
                table.clone(),
                access.clone(),
                filter.clone(),
                *lock,
                *row_versions,
            ))),
            Plan::Filter { input, predicate } => Op::Filter {
                input: Box::new(Op::build(input)),
                predicate: predicate.clone(),
            },
            Plan::Project { input, exprs } => Op::Project {
                input: Box::new(Op::build(input)),
                exprs: exprs.clone(),
            },
            Plan::ProjectSet { input, calls } => Op::ProjectSet {
                input: Box::new(Op::build(input)),
                calls: calls.clone(),
            },
            Plan::Limit {
                input,
                limit,
                offset,
            } => Op::Limit(Box::new(LimitOp {
                input: Op::build(input),
                limit: limit.clone(),
                offset: offset.clone(),
                window: None,
            })),
            Plan::HashJoin {
                left,
                right,
                keys,
                residual,
                ..
            } => Op::HashJoin(Box::new(join::HashJoinOp::new(
                Op::build(left),
                Op::build(right),
                keys.clone(),
                residual.clone(),
            ))),
            Plan::Join {
                left,
                right,
                kind,
                on,
                left_width,
                right_width,
            } => Op::NestedLoop(Box::new(nested_loop::NestedLoopOp::new(
                Op::build(left),
                Op::build(right),
                *kind,
                on.clone(),
                *left_width,
                *right_width,
            ))),
            Plan::LateralJoin {
                left,
                right,
                left_outer,
                on,
                right_width,
            } => Op::Lateral(Box::new(join::LateralOp::new(
                Op::build(left),
                (**right).clone(),
                *left_outer,
                on.clone(),
                *right_width,
            ))),
            Plan::Sort { input, keys } => {
                Op::Sort(Box::new(sort::SortOp::new(Op::build(input), keys.clone())))
            }
            Plan::Aggregate {
                input,
                groups,
                aggs,
            } => Op::Aggregate(Box::new(aggregate::AggregateOp::new(
                Op::build(input),
                groups.clone(),
                aggs.clone(),
                false,
            ))),
            Plan::Distinct { input } => Op::Aggregate(Box::new(aggregate::AggregateOp::new(
                Op::build(input),
                Vec::new(),
                Vec::new(),
                true,
            ))),
            Plan::DistinctOn { input, columns } => Op::DistinctOn(Box::new(DistinctOnOp {
                input: Op::build(input),
                columns: columns.clone(),
                seen: HashSet::new(),
                held: 0,
            })),
            Plan::SetOp {
                op,
                all,
                left,
                right,
                ..
            } => {
                let (l, r) = (Op::build(left), Op::build(right));
                match op {
                    SetOpKind::Union => {
                        let concat = Op::Concat {
                            inputs: vec![l, r],
                            current: 0,
                        };
                        if *all {
                            concat
                        } else {
                            Op::Aggregate(Box::new(aggregate::AggregateOp::new(
                                concat,
                                Vec::new(),
                                Vec::new(),
                                true,
                            )))
                        }
                    }
                    SetOpKind::Intersect | SetOpKind::Except => {
                        Op::Counted(Box::new(setop::CountedSetOp::new(l, r, *op, *all)))
                    }
                }
            }
            Plan::Series { args, ty } => Op::Series(Box::new(SeriesOp {
                args: args.clone(),
                ty: *ty,
                series: None,
            })),
            Plan::RecursiveUnion {
                id,
                all,
                base,
                recursive,
            } => Op::RecursiveUnion(Box::new(recursive::RecursiveUnionOp::new(
                *id, *all, base, recursive,
            ))),
            Plan::WorkTable { id } => Op::WorkTable(Box::new(recursive::WorkTableScan::new(*id))),
            Plan::Window { input, calls } => Op::Window(Box::new(window_stream::WindowOp::new(
                Op::build(input),
                calls.clone(),
            ))),
            Plan::Values { .. } | Plan::UserFunction { .. } => {
                Op::Materialized(Box::new(MaterializedOp {
                    plan: plan.clone(),
                    rows: None,
                    held: 0,
                }))
            }
        }
    }

    /// Only the first `rows` rows of this operator will be read: a sort
    /// under it (through projections, which keep the row count) need
    /// keep only that many.
    fn bound_sort(&mut self, rows: usize) {
        match self {
            Op::Sort(sort) => sort.set_bound(rows),
            Op::Project { input, .. } => input.bound_sort(rows),
            _ => {}
        }
    }

    /// The next batch of rows, None once the operator is exhausted.
    pub(crate) fn next_batch<'s, 'c: 's>(
        &'s mut self,
        ctx: &'s mut Ctx<'c>,
        outer: &'s [Row],
    ) -> BoxFut<'s, Option<Batch>> {
        Box::pin(async move {
            match self {
                Op::Scan(s) => s.next_batch(ctx, outer).await,
                Op::Filter { input, predicate } => loop {
                    let Some(batch) = input.next_batch(ctx, outer).await? else {
                        return Ok(None);
                    };
                    let mut out = Vec::with_capacity(batch.len());
                    for r in batch {
                        if ctx.predicate(predicate, &r, outer).await? {
                            out.push(r);
                        }
                    }
                    if !out.is_empty() {
                        return Ok(Some(out));
                    }
                },
                Op::Project { input, exprs } => {
                    let Some(batch) = input.next_batch(ctx, outer).await? else {
                        return Ok(None);
                    };
                    let mut out = Vec::with_capacity(batch.len());
                    for r in batch {
                        let mut vals = Vec::with_capacity(exprs.len());
                        for e in exprs.iter() {
                            vals.push(ctx.eval_value(e, &r, outer).await?);
                        }
                        out.push(vals);
                    }
                    Ok(Some(out))
                }
                Op::ProjectSet { input, calls } => loop {
                    let Some(batch) = input.next_batch(ctx, outer).await? else {
                        return Ok(None);
                    };
                    let out = ctx.project_set(batch, calls, outer).await?;
                    if !out.is_empty() {
                        return Ok(Some(out));
                    }
                },
                Op::Limit(l) => l.next_batch(ctx, outer).await,
                Op::HashJoin(j) => j.next_batch(ctx, outer).await,
                Op::NestedLoop(j) => j.next_batch(ctx, outer).await,
                Op::Lateral(j) => j.next_batch(ctx, outer).await,
                Op::Sort(s) => s.next_batch(ctx, outer).await,
                Op::Aggregate(a) => a.next_batch(ctx, outer).await,
                Op::DistinctOn(d) => d.next_batch(ctx, outer).await,
                Op::Concat { inputs, current } => {
                    while let Some(input) = inputs.get_mut(*current) {
                        if let Some(batch) = input.next_batch(ctx, outer).await? {
                            return Ok(Some(batch));
                        }
                        *current += 1;
                    }
                    Ok(None)
                }
                Op::Counted(s) => s.next_batch(ctx, outer).await,
                Op::Series(g) => g.next_batch(ctx, outer).await,
                Op::RecursiveUnion(r) => r.next_batch(ctx, outer).await,
                Op::WorkTable(w) => w.next_batch(ctx),
                Op::Window(w) => w.next_batch(ctx, outer).await,
                Op::Stored(rows) => {
                    let mut batch = Vec::new();
                    while batch.len() < BATCH_ROWS {
                        match rows.next_row()? {
                            Some(r) => batch.push(r),
                            None => break,
                        }
                    }
                    Ok((!batch.is_empty()).then_some(batch))
                }
                Op::Materialized(m) => m.next_batch(ctx, outer).await,
            }
        })
    }
}

/// `generate_series(...)` in FROM, one batch of values at a time (a
/// series of billions holds one batch, as PostgreSQL's does).
pub(crate) struct SeriesOp {
    args: Vec<Expr>,
    ty: SqlType,
    /// Made from the arguments on the first pull.
    series: Option<crate::series::Series>,
}

impl SeriesOp {
    async fn next_batch(&mut self, ctx: &mut Ctx<'_>, outer: &[Row]) -> SqlResult<Option<Batch>> {
        if self.series.is_none() {
            let mut values = Vec::with_capacity(self.args.len());
            for a in &self.args {
                values.push(ctx.eval_row(a, &[], outer).await?);
            }
            let datetime = ctx
                .statement_settings()
                .map_or(crate::timezone::DateTimeConfig::standard(), |s| {
                    s.datetime()
                });
            self.series = Some(crate::series::Series::new(&values, self.ty, datetime)?);
        }
        let Some(series) = self.series.as_mut() else {
            return Ok(None);
        };
        let mut batch = Vec::new();
        while batch.len() < BATCH_ROWS {
            match series.next_value()? {
                Some(v) => batch.push(vec![v]),
                None => break,
            }
        }
        cooperate().await;
        Ok(if batch.is_empty() { None } else { Some(batch) })
    }
}

/// Every row of `op`, charged to the statement's memory guard as `what`
/// while it is gathered (the caller holds the result).
pub(crate) async fn collect_charged(
    op: &mut Op,
    ctx: &mut Ctx<'_>,
    outer: &[Row],
    what: &str,
) -> SqlResult<Vec<Row>> {
    let mut rows = Vec::new();
    let mut held = 0;
    let result = async {
        while let Some(batch) = op.next_batch(ctx, outer).await? {
            let bytes: usize = batch.iter().map(|r| row_bytes(r)).sum();
            ctx.memory.charge(bytes, what)?;
            held += bytes;
            rows.extend(batch);
        }
        Ok(())
    }
    .await;
    ctx.memory.release(held);
    result.map(|()| rows)
}

/// Every row of `op`, in order, in a store that keeps at most work_mem of
/// them in memory and spills the rest.
pub(crate) async fn collect_within_work_mem(
    op: &mut Op,
    ctx: &mut Ctx<'_>,
    outer: &[Row],
) -> SqlResult<RowStore> {
    let mut store = RowStore::new(ctx.work_mem);
    while let Some(batch) = op.next_batch(ctx, outer).await? {
        for r in batch {
            store.push(&ctx.engine.spill, r)?;
        }
    }
    Ok(store)
}

/// Rows `from` a batch buffer: up to BATCH_ROWS at a time.
pub(crate) fn take_batch(rows: &mut std::vec::IntoIter<Row>) -> Option<Batch> {
    let batch: Batch = rows.by_ref().take(BATCH_ROWS).collect();
    (!batch.is_empty()).then_some(batch)
}

/// LIMIT / OFFSET: evaluated at the first pull; stops pulling its input
/// once the limit is reached.
pub(crate) struct LimitOp {
    input: Op,
    limit: Option<Expr>,
    offset: Option<Expr>,
    /// Rows still to skip and still to return, once evaluated.
    window: Option<(usize, usize)>,
}

impl LimitOp {
    async fn next_batch(&mut self, ctx: &mut Ctx<'_>, outer: &[Row]) -> SqlResult<Option<Batch>> {
        let (skip, left) = match &mut self.window {
            Some(w) => w,
            None => {
                let limit = match &self.limit {
                    Some(e) => match ctx.eval_row(e, &[], outer).await? {
                        Datum::Null => usize::MAX,
                        d => {
                            let v = d.as_i64().unwrap_or(0);
                            if v < 0 {
                                return Err(SqlError::new("2201W", "LIMIT must not be negative"));
                            }
                            usize::try_from(v).unwrap_or(usize::MAX)
                        }
                    },
                    None => usize::MAX,
                };
                let offset = match &self.offset {
                    Some(e) => {
                        let v = ctx.eval_row(e, &[], outer).await?.as_i64().unwrap_or(0);
                        if v < 0 {
                            return Err(SqlError::new("2201X", "OFFSET must not be negative"));
                        }
                        usize::try_from(v).unwrap_or(usize::MAX)
                    }
                    None => 0,
                };
                if limit < usize::MAX {
                    self.input.bound_sort(offset.saturating_add(limit));
                }
                self.window.insert((offset, limit))
            }
        };
        while *left > 0 {
            let Some(batch) = self.input.next_batch(ctx, outer).await? else {
                return Ok(None);
            };
            let dropped = (*skip).min(batch.len());
            *skip -= dropped;
            let out: Batch = batch.into_iter().skip(dropped).take(*left).collect();
            *left -= out.len();
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
        Ok(None)
    }
}

/// DISTINCT ON: the first row (in input order) of each key; the keys seen
/// are charged to the memory guard.
pub(crate) struct DistinctOnOp {
    input: Op,
    columns: Vec<usize>,
    seen: HashSet<Vec<u8>>,
    held: usize,
}

impl DistinctOnOp {
    async fn next_batch(&mut self, ctx: &mut Ctx<'_>, outer: &[Row]) -> SqlResult<Option<Batch>> {
        loop {
            let Some(batch) = self.input.next_batch(ctx, outer).await? else {
                ctx.memory.release(std::mem::take(&mut self.held));
                self.seen = HashSet::new();
                return Ok(None);
            };
            let mut out = Vec::new();
            for r in batch {
                let key: Vec<Datum> = self
                    .columns
                    .iter()
                    .map(|c| r.get(*c).cloned().unwrap_or(Datum::Null))
                    .collect();
                let key = row_key(&key);
                let bytes = key.len() + 32;
                if self.seen.insert(key) {
                    ctx.memory.charge(bytes, "DISTINCT ON's set of keys")?;
                    self.held += bytes;
                    out.push(r);
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
    }
}

/// A plan kind without a streaming form: run through the materializing
/// executor at the first pull; its rows are charged while held.
pub(crate) struct MaterializedOp {
    plan: Plan,
    rows: Option<std::vec::IntoIter<Row>>,
    held: usize,
}

impl MaterializedOp {
    async fn next_batch(&mut self, ctx: &mut Ctx<'_>, outer: &[Row]) -> SqlResult<Option<Batch>> {
        if self.rows.is_none() {
            let rows = ctx.exec_materialized(&self.plan, outer).await?;
            let bytes: usize = rows.iter().map(|r| row_bytes(r)).sum();
            ctx.memory.charge(bytes, "a materialized row set")?;
            self.held = bytes;
            self.rows = Some(rows.into_iter());
        }
        let batch = self.rows.as_mut().and_then(take_batch);
        if batch.is_none() {
            ctx.memory.release(std::mem::take(&mut self.held));
        }
        Ok(batch)
    }
}
