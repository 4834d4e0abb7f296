//! The executor: runs bound plans against a transaction's view of the store
//! (its snapshot plus its own pending writes), and performs INSERT, UPDATE
//! and DELETE with constraint checks, row locks and conflict handling.

mod aggregate;
mod bulk;
pub use bulk::CopyTarget;
mod dml;
mod fast_hash;
mod fk;
mod hash_table;
mod join;
mod joined_from;
mod memory;
pub use memory::DEFAULT_STATEMENT_MEMORY_MAX;
mod nested_loop;
mod one_snapshot;
pub use one_snapshot::SharedStatement;
mod project_set;
mod recursive;
mod row_store;
mod row_version;
mod scan;
mod setop;
mod sort;
pub(crate) mod stream;
mod toast;
mod window;
mod window_stream;

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::Arc;

use borealis_common::limits::SCAN_ROWS_MAX;
use borealis_common::Lsn;

use crate::binder::{
    ConflictAction, DeletePlan, InsertPlan, InsertSource, OnConflictPlan, PartitionTargets,
    UpdatePlan,
};
use crate::catalog::{IndexDef, TableDef};
use crate::datum::{compare, Datum};
use crate::encoding::{
    decode_row, encode_key_into, index_prefix, prefix_end, row_xmin, PRIMARY_INDEX,
};
use crate::engine::EngineInner;
use crate::error::{SqlError, SqlResult};
use crate::eval::{eval, truth, Env, SubResult};
use crate::numeric::Numeric;
use crate::plan::*;
use crate::txn::{Isolation, Txn};
use crate::types::SqlType;

pub type Row = Vec<Datum>;

/// A WITH RECURSIVE query stops with an error beyond this many rows (a
/// runaway recursion that nothing stops with a LIMIT).
const RECURSION_ROWS_MAX: usize = 10_000_000;
type BoxFut<'a, T> = Pin<Box<dyn Future<Output = SqlResult<T>> + Send + 'a>>;

/// Per-statement execution state.
pub struct Ctx<'a> {
    pub engine: &'a EngineInner,
    pub txn: &'a mut Txn,
    pub snapshot: Lsn,
    pub params: &'a [Datum],
    /// Results of uncorrelated subqueries, computed once per statement.
    cache: HashMap<usize, SubResult>,
    sequence_used: AtomicBool,
    /// Working tables of running WITH RECURSIVE queries, by id.
    work_tables: HashMap<usize, row_store::RowStore>,
    /// Foreign-key checks waiting for the end of the statement.
    fk_pending: Vec<fk::FkPending>,
    /// Inside INSERT/UPDATE/DELETE: checks wait for the end of the statement.
    fk_defer: bool,
    /// Bytes each sort, hash aggregate and hash join may hold before spilling.
    work_mem: usize,
    /// The session's settings, for current_setting() and set_config().
    settings: Option<&'a crate::settings::StatementSettings<'a>>,
    /// What the statement holds in memory that cannot spill.
    memory: memory::MemoryGuard,
    /// Expression and partial indexes bound for this statement, by
    /// (table id, index id, column count).
    bound_indexes: HashMap<(u32, u8, usize), Arc<crate::index_shape::BoundIndex>>,
    /// Toast pointers of the toasted rows this statement read to write
    /// (`executor::toast`), by row key.
    toasted_rows: HashMap<Vec<u8>, toast::Pointers>,
    /// A part of a statement with data-modifying WITH queries: what its
    /// parts share (`one_snapshot`).
    shared: Option<&'a mut SharedStatement>,
}

/// What a statement's `Ctx` carries between the fetches of a cursor (each
/// fetch borrows the transaction anew).
pub struct CtxState {
    cache: HashMap<usize, SubResult>,
    work_tables: HashMap<usize, row_store::RowStore>,
    work_mem: usize,
    memory: memory::MemoryGuard,
}

impl<'a> Ctx<'a> {
    pub fn new(
        engine: &'a EngineInner,
        txn: &'a mut Txn,
        snapshot: Lsn,
        params: &'a [Datum],
    ) -> Ctx<'a> {
        Ctx {
            engine,
            txn,
            snapshot,
            params,
            cache: HashMap::new(),
            sequence_used: AtomicBool::new(false),
            work_tables: HashMap::new(),
            fk_pending: Vec::new(),
            fk_defer: false,
            work_mem: crate::spill::DEFAULT_WORK_MEM,
            settings: None,
            memory: memory::MemoryGuard::new(engine.statement_memory_max()),
            bound_indexes: HashMap::new(),
            toasted_rows: HashMap::new(),
            shared: None,
        }
    }

    /// A context for a statement run inside this one (a function body, a
    /// trigger): the same transaction, snapshot and settings, its own
    /// parameters.
    pub(crate) fn nested<'s>(&'s mut self, params: &'s [Datum]) -> Ctx<'s> {
        let mut ctx = Ctx::new(self.engine, &mut *self.txn, self.snapshot, params);
        ctx.work_mem = self.work_mem;
        ctx.settings = self.settings;
        ctx
    }

    /// A statement's context again, for the next fetch of its cursor.
    pub fn resume(
        engine: &'a EngineInner,
        txn: &'a mut Txn,
        snapshot: Lsn,
        params: &'a [Datum],
        state: CtxState,
    ) -> Ctx<'a> {
        let mut ctx = Ctx::new(engine, txn, snapshot, params);
        ctx.cache = state.cache;
        ctx.work_tables = state.work_tables;
        ctx.work_mem = state.work_mem;
        ctx.memory = state.memory;
        ctx
    }

    /// Ends this fetch of a cursor (as `finish`), keeping what the next needs.
    pub fn suspend(self) -> CtxState {
        if self.sequence_used.load(AtomicOrdering::Relaxed) {
            self.txn.used_sequences = true;
        }
        CtxState {
            cache: self.cache,
            work_tables: self.work_tables,
            work_mem: self.work_mem,
            memory: self.memory,
        }
    }

    /// The session's settings (and its catalog view), if the statement has them.
    pub(crate) fn statement_settings(&self) -> Option<&'a crate::settings::StatementSettings<'a>> {
        self.settings
    }

    /// The session's settings as this statement sees them.
    pub fn set_settings(&mut self, settings: &'a crate::settings::StatementSettings<'a>) {
        self.settings = Some(settings);
    }

    /// The session's work_mem (bytes) for this statement.
    pub fn set_work_mem(&mut self, bytes: usize) {
        self.work_mem = bytes.max(1);
    }

    /// Call after the statement: folds sequence use into the transaction.
    pub fn finish(self) {
        if self.sequence_used.load(AtomicOrdering::Relaxed) {
            self.txn.used_sequences = true;
        }
    }

    // ------------------------------------------------------------ reads

    async fn get_at(&self, key: &[u8], at: Lsn) -> SqlResult<Option<Vec<u8>>> {
        if let Some(v) = self.visible_writes().get(key) {
            return Ok(v.clone());
        }
        Ok(self.engine.store.get(key, at).await?)
    }

    /// Keys in [start, end) at the snapshot, overlaid with this transaction's writes.
    async fn scan(&self, start: &[u8], end: &[u8]) -> SqlResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut rows = Vec::new();
        let mut cursor = Some(start.to_vec());
        while let Some(from) = cursor {
            let (page, next) = self.scan_page(&from, end).await?;
            rows.extend(page);
            cursor = next;
        }
        Ok(rows)
    }

    // ------------------------------------------------------------ expressions

    fn env<'e>(&'e self, outer: &'e [Row], subqueries: &'e HashMap<usize, SubResult>) -> Env<'e> {
        Env {
            params: self.params,
            outer,
            subqueries,
            sequences: &self.engine.sequences,
            sequence_used: &self.sequence_used,
            read_only: self.txn.read_only,
            now: self.txn.start_usecs,
            xid: crate::txn::client_xid(self.txn.id),
            settings: self.settings,
        }
    }

    /// [`Ctx::eval_row`] without its boxed future when `e` needs no await
    /// (no subquery, no user function, the transaction id already durable):
    /// what the per-row loops of hash aggregation and hash joins call.
    pub(crate) async fn eval_value(
        &mut self,
        e: &Expr,
        row: &[Datum],
        outer: &[Row],
    ) -> SqlResult<Datum> {
        if !e.has_subquery() && self.engine.txn_ids.is_durable(self.txn.id) {
            cooperate().await;
            let none = HashMap::new();
            return eval(e, row, &self.env(outer, &none));
        }
        self.eval_row(e, row, outer).await
    }

    /// Evaluates an expression, running any subqueries it contains first.
    pub fn eval_row<'s>(
        &'s mut self,
        e: &'s Expr,
        row: &'s [Datum],
        outer: &'s [Row],
    ) -> BoxFut<'s, Datum> {
        Box::pin(self.eval_row_with(e, row, outer, None))
    }

    /// Evaluates a SET list over `row` into `new`. The sub-SELECT of a
    /// multiple-column item (`SET (a, b) = (SELECT ...)`) runs once for
    /// all of its columns, as PostgreSQL's MULTIEXPR subplan does.
    pub(crate) async fn assign(
        &mut self,
        assignments: &[(usize, Expr)],
        row: &[Datum],
        new: &mut Row,
    ) -> SqlResult<()> {
        let mut row_results: HashMap<usize, SubResult> = HashMap::new();
        for (_, e) in assignments {
            let mut subs: Vec<&Expr> = Vec::new();
            if e.has_subquery() {
                collect_subqueries(e, &mut subs);
            }
            for s in subs {
                let Expr::Subquery {
                    id,
                    kind: kind @ SubqueryKind::MultiAssign { .. },
                    plan,
                    correlated,
                    ..
                } = s
                else {
                    continue;
                };
                if row_results.contains_key(id) {
                    continue;
                }
                let cached = if *correlated {
                    None
                } else {
                    self.cache.get(id).cloned()
                };
                let res = match cached {
                    Some(r) => r,
                    None => {
                        let res = self.run_subquery(*kind, plan, &[row.to_vec()]).await?;
                        if !correlated {
                            self.cache.insert(*id, res.clone());
                        }
                        res
                    }
                };
                row_results.insert(*id, res);
            }
        }
        let seeded = (!row_results.is_empty()).then_some(&row_results);
        for (ci, e) in assignments {
            let value = self.eval_row_with(e, row, &[], seeded).await?;
            let slot = new
                .get_mut(*ci)
                .ok_or_else(|| SqlError::internal("assigned column out of row"))?;
            *slot = value;
        }
        Ok(())
    }

    /// [`Ctx::eval_row`] with the results of some subqueries already known
    /// (`seeded`, by id): those are not run again.
    async fn eval_row_with(
        &mut self,
        e: &Expr,
        row: &[Datum],
        outer: &[Row],
        seeded: Option<&HashMap<usize, SubResult>>,
    ) -> SqlResult<Datum> {
        {
            cooperate().await;
            // txid_current() shows the id: it must never come again. Only
            // then, so that reads need no volume write (and go on while
            // the volume cannot take writes).
            if !self.engine.txn_ids.is_durable(self.txn.id) && shows_txn_id(e) {
                self.engine.make_txn_id_durable(self.txn.id).await?;
            }
            if !e.has_subquery() {
                let none = HashMap::new();
                return eval(e, row, &self.env(outer, &none));
            }
            let mut subs: Vec<&Expr> = Vec::new();
            collect_subqueries(e, &mut subs);
            let mut results = seeded.cloned().unwrap_or_default();
            for s in subs {
                if let Expr::StoredBytes { id, oid, ranges } = s {
                    let oid = self.eval_row(oid, row, outer).await?;
                    let v = match oid.as_i64().and_then(|o| ranges.get(&o)) {
                        Some(ranges) => Datum::Int8(self.stored_bytes(ranges).await?),
                        None => Datum::Null,
                    };
                    results.insert(*id, SubResult::Scalar(v));
                    continue;
                }
                if let Expr::UserCall { id, func, args, .. } = s {
                    let mut values = Vec::with_capacity(args.len());
                    for a in args {
                        values.push(self.eval_row(a, row, outer).await?);
                    }
                    let v = self.call_function(func, values).await?;
                    results.insert(*id, SubResult::Scalar(v));
                    continue;
                }
                let Expr::Subquery {
                    id,
                    kind,
                    plan,
                    correlated,
                    ..
                } = s
                else {
                    continue;
                };
                if results.contains_key(id) {
                    continue;
                }
                if !correlated {
                    if let Some(r) = self.cache.get(id) {
                        results.insert(*id, r.clone());
                        continue;
                    }
                }
                let mut stack = Vec::with_capacity(outer.len() + 1);
                stack.push(row.to_vec());
                stack.extend(outer.iter().cloned());
                let res = self.run_subquery(*kind, plan, &stack).await?;
                if !correlated {
                    self.cache.insert(*id, res.clone());
                }
                results.insert(*id, res);
            }
            eval(e, row, &self.env(outer, &results))
        }
    }

    async fn run_subquery(
        &mut self,
        kind: SubqueryKind,
        plan: &QueryPlan,
        stack: &[Row],
    ) -> SqlResult<SubResult> {
        match kind {
            SubqueryKind::Exists => {
                let rows = self.exec_plan(&plan.plan, stack).await?;
                Ok(SubResult::Exists(!rows.is_empty()))
            }
            SubqueryKind::Scalar => {
                let rows = self.exec_plan(&plan.plan, stack).await?;
                if rows.len() > 1 {
                    return Err(SqlError::new(
                        "21000",
                        "more than one row returned by a subquery used as an expression",
                    ));
                }
                Ok(SubResult::Scalar(
                    rows.into_iter()
                        .next()
                        .and_then(|r| r.into_iter().next())
                        .unwrap_or(Datum::Null),
                ))
            }
            SubqueryKind::MultiAssign { .. } => {
                let mut rows = self.exec_plan(&plan.plan, stack).await?;
                if rows.len() > 1 {
                    return Err(SqlError::new(
                        "21000",
                        "more than one row returned by a subquery used as an expression",
                    ));
                }
                Ok(SubResult::Row(
                    rows.pop()
                        .unwrap_or_else(|| vec![Datum::Null; plan.columns.len()]),
                ))
            }
            SubqueryKind::In => {
                let rows = self.exec_plan(&plan.plan, stack).await?;
                Ok(SubResult::Set(
                    rows.into_iter()
                        .filter_map(|r| r.into_iter().next())
                        .collect(),
                ))
            }
        }
    }

    /// Does `row` pass the filter `e`? Its top-level AND conjuncts are
    /// evaluated in order and the first one not true (false or NULL)
    /// decides, as PostgreSQL's qual lists: a row-level security qual put
    /// first keeps the statement's own conditions (which may call leaky
    /// functions) off the rows it hides, even where it is NULL.
    async fn predicate(&mut self, e: &Expr, row: &[Datum], outer: &[Row]) -> SqlResult<bool> {
        if !e.has_subquery() && self.engine.txn_ids.is_durable(self.txn.id) {
            cooperate().await;
            let none = HashMap::new();
            let env = self.env(outer, &none);
            return all_conjuncts_true(e, &mut |c| Ok(truth(&eval(c, row, &env)?) == Some(true)));
        }
        for conjunct in conjuncts_in_order(e) {
            if truth(&self.eval_row(conjunct, row, outer).await?) != Some(true) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    // ------------------------------------------------------------ plans

    pub async fn exec_query(&mut self, q: &QueryPlan) -> SqlResult<Vec<Row>> {
        self.exec_plan(&q.plan, &[]).await
    }

    /// Every row of `plan`, through the streaming operators (the result is
    /// charged to the memory guard while gathered).
    pub fn exec_plan<'s>(&'s mut self, plan: &'s Plan, outer: &'s [Row]) -> BoxFut<'s, Vec<Row>> {
        Box::pin(async move {
            let mut op = stream::Op::build(plan);
            stream::collect_charged(&mut op, self, outer, "a materialized row set").await
        })
    }

    /// The plan kinds without a streaming operator (`stream::MaterializedOp`).
    pub(crate) fn exec_materialized<'s>(
        &'s mut self,
        plan: &'s Plan,
        outer: &'s [Row],
    ) -> BoxFut<'s, Vec<Row>> {
        Box::pin(async move {
            match plan {
                Plan::Values { rows, .. } => {
                    let mut out = Vec::with_capacity(rows.len());
                    for r in rows {
                        let mut vals = Vec::with_capacity(r.len());
                        for e in r {
                            vals.push(self.eval_row(e, &[], outer).await?);
                        }
                        out.push(vals);
                    }
                    Ok(out)
                }
                Plan::UserFunction { call, width } => {
                    self.user_function_rows(call, *width, outer).await
                }
                _ => Err(SqlError::internal(
                    "a streaming plan node reached the materializing executor",
                )),
            }
        })
    }

    /// Rows of a table (with their keys) matching `filter`, reached through `access`.
    pub async fn scan_table(
        &mut self,
        table: &TableDef,
        access: &Access,
        filter: Option<&Expr>,
        outer: &[Row],
    ) -> SqlResult<Vec<(Vec<u8>, Row)>> {
        let raw: Vec<(Vec<u8>, Vec<u8>)> = match self.key_range(table, access, outer).await? {
            scan::KeyRange::Empty => Vec::new(),
            scan::KeyRange::Keys(keys) => {
                let mut out = Vec::with_capacity(keys.len());
                for key in keys {
                    if let Some(v) = self.get_at(&key, self.snapshot).await? {
                        out.push((key, v));
                    }
                }
                out
            }
            scan::KeyRange::Primary { start, end } => self.scan(&start, &end).await?,
            scan::KeyRange::Index { start, end } => {
                let mut out = Vec::new();
                for (_, row_key) in self.scan(&start, &end).await? {
                    if let Some(v) = self.get_at(&row_key, self.snapshot).await? {
                        out.push((row_key, v));
                    }
                }
                out
            }
        };
        let mut out = Vec::with_capacity(raw.len());
        for (k, v) in raw {
            let row = self.stored_row(table, &k, &v, self.snapshot).await?;
            if let Some(f) = filter {
                if !self.row_passes(table, f, &row, &v, outer).await? {
                    continue;
                }
            }
            out.push((k, row));
        }
        Ok(out)
    }
}

/// `left.col = right.col` conjuncts of a join condition: (left column,
/// right column relative to the right row, comparison type).
fn equi_keys(on: &Expr, left_width: usize) -> Vec<(usize, usize, SqlType)> {
    let mut out = Vec::new();
    let mut stack = vec![on];
    while let Some(e) = stack.pop() {
        if let Expr::Binary {
            op,
            left,
            right,
            operand,
            ..
        } = e
        {
            match (op, left.as_ref(), right.as_ref()) {
                (BinOp::And, _, _) => {
                    stack.push(left);
                    stack.push(right);
                }
                (BinOp::Eq, Expr::Column(a, ta), Expr::Column(b, tb))
                    if HashKey::encodes_equality(*operand, ta.ty)
                        && HashKey::encodes_equality(*operand, tb.ty) =>
                {
                    if *a < left_width && *b >= left_width {
                        out.push((*a, *b - left_width, *operand));
                    } else if *b < left_width && *a >= left_width {
                        out.push((*b, *a - left_width, *operand));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Hash key of a row's join columns; None if any is NULL (NULL never joins).
fn join_key(row: &[Datum], cols: impl Iterator<Item = (usize, SqlType)>) -> Option<Vec<u8>> {
    let mut k = Vec::new();
    for (c, t) in cols {
        let d = row.get(c)?;
        if d.is_null() {
            return None;
        }
        encode_key_into(&mut k, d, t);
    }
    Some(k)
}

fn collect_subqueries<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    if matches!(e, Expr::Subquery { .. }) {
        out.push(e);
    }
    // A function call evaluates its own arguments (`eval_row`).
    if matches!(e, Expr::UserCall { .. } | Expr::StoredBytes { .. }) {
        out.push(e);
        return;
    }
    e.for_each_child(&mut |c| collect_subqueries(c, out));
}

/// Completes a stored row to the table's current width: columns added
/// after it was written read as their recorded `missing` value (or NULL).
fn fill_row(mut row: Row, table: &TableDef) -> SqlResult<Row> {
    if !table.layout.is_empty() {
        let mut out = Vec::with_capacity(table.columns.len());
        for (c, s) in table.columns.iter().zip(&table.layout) {
            out.push(match row.get_mut(*s) {
                Some(d) => std::mem::replace(d, Datum::Null),
                None => match &c.missing {
                    Some(text) => crate::datum::parse_text(text, c.ty)?,
                    None => Datum::Null,
                },
            });
        }
        return Ok(out);
    }
    if row.len() < table.columns.len() {
        for c in &table.columns[row.len()..] {
            row.push(match &c.missing {
                Some(text) => crate::datum::parse_text(text, c.ty)?,
                None => Datum::Null,
            });
        }
    }
    row.truncate(table.columns.len());
    Ok(row)
}

/// Equality key of a row for DISTINCT, GROUP BY and set operations.
fn row_key(r: &[Datum]) -> Vec<u8> {
    let mut k = Vec::new();
    row_key_into(&mut k, r);
    k
}

/// [`row_key`] appended to `k` (a buffer reused across rows).
fn row_key_into(k: &mut Vec<u8>, r: &[Datum]) {
    for d in r {
        encode_key_into(k, d, d.natural_type());
    }
}

/// Does `e` itself (not a subquery or function body, which check their
/// own expressions) evaluate `txid_current()`?
fn shows_txn_id(e: &Expr) -> bool {
    if matches!(
        e,
        Expr::Func {
            func: crate::plan::Func::CurrentXactId,
            ..
        }
    ) {
        return true;
    }
    let mut found = false;
    e.for_each_child(&mut |c| found = found || shows_txn_id(c));
    found
}

/// Gives the thread back to the runtime once the task has used its
/// cooperative budget (tokio's, ~128 units per poll). Row loops call it so
/// that a long CPU-bound statement never holds a runtime thread: without it,
/// one `count(*)` over millions of rows stalled every other session and
/// every new connection, I/O included, until it finished. Costs a counter
/// decrement per call.
pub(crate) async fn cooperate() {
    tokio::task::consume_budget().await;
}

/// The top-level AND conjuncts of `e`, leftmost first.
fn conjuncts_in_order(e: &Expr) -> Vec<&Expr> {
    let mut rights = Vec::new();
    let mut first = e;
    while let Expr::Binary {
        op: BinOp::And,
        left,
        right,
        ..
    } = first
    {
        rights.push(right.as_ref());
        first = left;
    }
    std::iter::once(first)
        .chain(rights.into_iter().rev())
        .collect()
}

/// Is `passes` true for every top-level AND conjunct of `e`, asked
/// leftmost first and stopping at the first false? Recurses down the left
/// spine of a short chain (no allocation per row); a long one is listed.
fn all_conjuncts_true(
    e: &Expr,
    passes: &mut impl FnMut(&Expr) -> SqlResult<bool>,
) -> SqlResult<bool> {
    const RECURSION_MAX: usize = 32;
    fn spine(e: &Expr, passes: &mut impl FnMut(&Expr) -> SqlResult<bool>) -> SqlResult<bool> {
        match e {
            Expr::Binary {
                op: BinOp::And,
                left,
                right,
                ..
            } => Ok(spine(left, passes)? && passes(right)?),
            other => passes(other),
        }
    }
    let mut depth = 0;
    let mut cur = e;
    while let Expr::Binary {
        op: BinOp::And,
        left,
        ..
    } = cur
    {
        depth += 1;
        cur = left;
    }
    if depth <= RECURSION_MAX {
        return spine(e, passes);
    }
    for c in conjuncts_in_order(e) {
        if !passes(c)? {
            return Ok(false);
        }
    }
    Ok(true)
}
