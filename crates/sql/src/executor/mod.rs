//! The executor: runs bound plans against a transaction's view of the store
//! (its snapshot plus its own pending writes), and performs INSERT, UPDATE
//! and DELETE with constraint checks, row locks and conflict handling.

mod aggregate;
mod bulk;
pub use bulk::CopyTarget;
mod dml;
mod fk;
mod join;
mod joined_from;
mod project_set;
mod sort;
mod window;

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use borealis_common::limits::SCAN_ROWS_MAX;
use borealis_common::Lsn;

use crate::binder::{
    ConflictAction, DeletePlan, InsertPlan, InsertSource, OnConflictPlan, PartitionTargets,
    UpdatePlan,
};
use crate::catalog::{IndexDef, TableDef};
use crate::datum::{compare, Datum};
use crate::encoding::{
    decode_row, encode_key_into, encode_row, index_prefix, prefix_end, PRIMARY_INDEX,
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
/// runaway recursion would otherwise exhaust memory).
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
    work_tables: HashMap<usize, Vec<Row>>,
    /// Foreign-key checks waiting for the end of the statement.
    fk_pending: Vec<fk::FkPending>,
    /// Inside INSERT/UPDATE/DELETE: checks wait for the end of the statement.
    fk_defer: bool,
    /// Bytes each sort, hash aggregate and hash join may hold before spilling.
    work_mem: usize,
    /// The session's settings, for current_setting() and set_config().
    settings: Option<&'a crate::settings::StatementSettings<'a>>,
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
        }
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
        if let Some(v) = self.txn.writes.get(key) {
            return Ok(v.clone());
        }
        Ok(self.engine.store.get(key, at).await?)
    }

    /// Keys in [start, end) at the snapshot, overlaid with this transaction's writes.
    async fn scan(&self, start: &[u8], end: &[u8]) -> SqlResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut rows = Vec::new();
        let mut cursor = start.to_vec();
        loop {
            let page = self
                .engine
                .store
                .scan(&cursor, end, self.snapshot, SCAN_ROWS_MAX)
                .await?;
            let full = page.len() >= SCAN_ROWS_MAX;
            if let Some((last, _)) = page.last() {
                cursor = last.clone();
                cursor.push(0);
            }
            rows.extend(page);
            if !full {
                break;
            }
        }
        let mut overlay = self
            .txn
            .writes
            .range(start.to_vec()..end.to_vec())
            .peekable();
        if overlay.peek().is_none() {
            return Ok(rows);
        }
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = rows.into_iter().collect();
        for (k, v) in overlay {
            match v {
                Some(v) => merged.insert(k.clone(), v.clone()),
                None => merged.remove(k),
            };
        }
        Ok(merged.into_iter().collect())
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
            settings: self.settings,
        }
    }

    /// Evaluates an expression, running any subqueries it contains first.
    pub fn eval_row<'s>(
        &'s mut self,
        e: &'s Expr,
        row: &'s [Datum],
        outer: &'s [Row],
    ) -> BoxFut<'s, Datum> {
        Box::pin(async move {
            cooperate().await;
            if !e.has_subquery() {
                let none = HashMap::new();
                return eval(e, row, &self.env(outer, &none));
            }
            let mut subs: Vec<&Expr> = Vec::new();
            collect_subqueries(e, &mut subs);
            let mut results = HashMap::new();
            for s in subs {
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
        })
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

    async fn predicate(&mut self, e: &Expr, row: &[Datum], outer: &[Row]) -> SqlResult<bool> {
        Ok(truth(&self.eval_row(e, row, outer).await?) == Some(true))
    }

    // ------------------------------------------------------------ plans

    pub async fn exec_query(&mut self, q: &QueryPlan) -> SqlResult<Vec<Row>> {
        self.exec_plan(&q.plan, &[]).await
    }

    pub fn exec_plan<'s>(&'s mut self, plan: &'s Plan, outer: &'s [Row]) -> BoxFut<'s, Vec<Row>> {
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
                Plan::Scan {
                    table,
                    access,
                    filter,
                    lock,
                } => {
                    let rows = self
                        .scan_table(table, access, filter.as_ref(), outer)
                        .await?;
                    if !*lock {
                        return Ok(rows.into_iter().map(|(_, r)| r).collect());
                    }
                    let mut out = Vec::with_capacity(rows.len());
                    for (key, row) in rows {
                        if let Some(r) = self
                            .lock_for_write(table, &key, row, filter.as_ref())
                            .await?
                        {
                            out.push(r);
                        }
                    }
                    Ok(out)
                }
                Plan::Filter { input, predicate } => {
                    let rows = self.exec_plan(input, outer).await?;
                    let mut out = Vec::new();
                    for r in rows {
                        if self.predicate(predicate, &r, outer).await? {
                            out.push(r);
                        }
                    }
                    Ok(out)
                }
                Plan::Project { input, exprs } => {
                    let rows = self.exec_plan(input, outer).await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in rows {
                        let mut vals = Vec::with_capacity(exprs.len());
                        for e in exprs {
                            vals.push(self.eval_row(e, &r, outer).await?);
                        }
                        out.push(vals);
                    }
                    Ok(out)
                }
                Plan::Join {
                    left,
                    right,
                    kind,
                    on,
                    left_width,
                    right_width,
                } => {
                    let l = self.exec_plan(left, outer).await?;
                    let r = self.exec_plan(right, outer).await?;
                    let left_width = *left_width;
                    let mut right_matched = vec![false; r.len()];
                    // Equality conjuncts between the sides turn the nested loop
                    // into a hash join; the full ON is still checked per pair.
                    let keys = on
                        .as_ref()
                        .map(|p| equi_keys(p, left_width))
                        .unwrap_or_default();
                    let buckets = (!keys.is_empty()).then(|| {
                        let mut m: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
                        for (i, rr) in r.iter().enumerate() {
                            if let Some(k) = join_key(rr, keys.iter().map(|(_, rc, t)| (*rc, *t))) {
                                m.entry(k).or_default().push(i);
                            }
                        }
                        m
                    });
                    let all: Vec<usize> = (0..r.len()).collect();
                    let mut out = Vec::new();
                    for lr in l {
                        let mut matched = false;
                        let candidates: &[usize] = match &buckets {
                            None => &all,
                            Some(m) => match join_key(&lr, keys.iter().map(|(lc, _, t)| (*lc, *t)))
                            {
                                Some(k) => m.get(&k).map(Vec::as_slice).unwrap_or(&[]),
                                None => &[],
                            },
                        };
                        for &ri in candidates {
                            let rr = &r[ri];
                            let mut row = lr.clone();
                            row.extend(rr.iter().cloned());
                            let keep = match on {
                                Some(p) => self.predicate(p, &row, outer).await?,
                                None => true,
                            };
                            if keep {
                                matched = true;
                                right_matched[ri] = true;
                                out.push(row);
                            }
                        }
                        if !matched && matches!(kind, JoinKind::Left | JoinKind::Full) {
                            let mut row = lr;
                            row.extend(std::iter::repeat_n(Datum::Null, *right_width));
                            out.push(row);
                        }
                    }
                    if matches!(kind, JoinKind::Right | JoinKind::Full) {
                        for (rr, m) in r.into_iter().zip(right_matched) {
                            if !m {
                                let mut row = vec![Datum::Null; left_width];
                                row.extend(rr);
                                out.push(row);
                            }
                        }
                    }
                    Ok(out)
                }
                Plan::HashJoin {
                    left,
                    right,
                    keys,
                    residual,
                    ..
                } => {
                    self.hash_join(left, right, keys, residual.as_ref(), outer)
                        .await
                }
                Plan::LateralJoin {
                    left,
                    right,
                    left_outer,
                    on,
                    right_width,
                } => {
                    let l = self.exec_plan(left, outer).await?;
                    let mut out = Vec::new();
                    for lr in l {
                        let mut stack = Vec::with_capacity(outer.len() + 1);
                        stack.push(lr.clone());
                        stack.extend(outer.iter().cloned());
                        let r = self.exec_plan(right, &stack).await?;
                        let mut matched = false;
                        for rr in r {
                            let mut row = lr.clone();
                            row.extend(rr);
                            let keep = match on {
                                Some(p) => self.predicate(p, &row, outer).await?,
                                None => true,
                            };
                            if keep {
                                matched = true;
                                out.push(row);
                            }
                        }
                        if !matched && *left_outer {
                            let mut row = lr;
                            row.extend(std::iter::repeat_n(Datum::Null, *right_width));
                            out.push(row);
                        }
                    }
                    Ok(out)
                }
                Plan::Window { input, calls } => {
                    let rows = self.exec_plan(input, outer).await?;
                    self.window(rows, calls, outer).await
                }
                Plan::Series { args, ty } => self.generate_series(args, *ty, outer).await,
                Plan::ProjectSet { input, calls } => {
                    let rows = self.exec_plan(input, outer).await?;
                    self.project_set(rows, calls, outer).await
                }
                Plan::WorkTable { id } => Ok(self.work_tables.get(id).cloned().unwrap_or_default()),
                Plan::RecursiveUnion {
                    id,
                    all,
                    base,
                    recursive,
                } => {
                    let mut seen = HashSet::new();
                    let mut out = Vec::new();
                    let mut work = Vec::new();
                    for r in self.exec_plan(base, outer).await? {
                        if *all || seen.insert(row_key(&r)) {
                            out.push(r.clone());
                            work.push(r);
                        }
                    }
                    let saved = self.work_tables.remove(id);
                    let mut result = Ok(());
                    while !work.is_empty() {
                        self.work_tables.insert(*id, std::mem::take(&mut work));
                        let next = match self.exec_plan(recursive, outer).await {
                            Ok(n) => n,
                            Err(e) => {
                                result = Err(e);
                                break;
                            }
                        };
                        for r in next {
                            if *all || seen.insert(row_key(&r)) {
                                out.push(r.clone());
                                work.push(r);
                            }
                        }
                        if out.len() > RECURSION_ROWS_MAX {
                            result = Err(SqlError::new(
                                "54000",
                                format!(
                                    "WITH RECURSIVE produced more than {RECURSION_ROWS_MAX} rows"
                                ),
                            ));
                            break;
                        }
                    }
                    self.work_tables.remove(id);
                    if let Some(s) = saved {
                        self.work_tables.insert(*id, s);
                    }
                    result.map(|_| out)
                }
                Plan::Aggregate {
                    input,
                    groups,
                    aggs,
                } => {
                    let rows = self.exec_plan(input, outer).await?;
                    self.aggregate(rows, groups, aggs, outer).await
                }
                Plan::Sort { input, keys } => {
                    let rows = self.exec_plan(input, outer).await?;
                    self.sort(rows, keys, outer).await
                }
                Plan::DistinctOn { input, columns } => {
                    let rows = self.exec_plan(input, outer).await?;
                    let mut seen = HashSet::new();
                    Ok(rows
                        .into_iter()
                        .filter(|r| {
                            let key: Vec<Datum> = columns
                                .iter()
                                .map(|c| r.get(*c).cloned().unwrap_or(Datum::Null))
                                .collect();
                            seen.insert(row_key(&key))
                        })
                        .collect())
                }
                Plan::Distinct { input } => {
                    let rows = self.exec_plan(input, outer).await?;
                    let mut seen = HashSet::new();
                    Ok(rows
                        .into_iter()
                        .filter(|r| seen.insert(row_key(r)))
                        .collect())
                }
                Plan::Limit {
                    input,
                    limit,
                    offset,
                } => {
                    let rows = self.exec_plan(input, outer).await?;
                    let lim = match limit {
                        Some(e) => match self.eval_row(e, &[], outer).await? {
                            Datum::Null => None,
                            d => {
                                let v = d.as_i64().unwrap_or(0);
                                if v < 0 {
                                    return Err(SqlError::new(
                                        "2201W",
                                        "LIMIT must not be negative",
                                    ));
                                }
                                Some(v as usize)
                            }
                        },
                        None => None,
                    };
                    let off = match offset {
                        Some(e) => {
                            let v = self.eval_row(e, &[], outer).await?.as_i64().unwrap_or(0);
                            if v < 0 {
                                return Err(SqlError::new("2201X", "OFFSET must not be negative"));
                            }
                            v as usize
                        }
                        None => 0,
                    };
                    Ok(rows
                        .into_iter()
                        .skip(off)
                        .take(lim.unwrap_or(usize::MAX))
                        .collect())
                }
                Plan::SetOp {
                    op,
                    all,
                    left,
                    right,
                    ..
                } => {
                    let l = self.exec_plan(left, outer).await?;
                    let r = self.exec_plan(right, outer).await?;
                    Ok(set_op(*op, *all, l, r))
                }
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
        let prefix = index_prefix(table.id, PRIMARY_INDEX);
        let key_types: Vec<SqlType> = table
            .primary_key
            .as_ref()
            .map(|pk| pk.columns.iter().map(|c| table.columns[*c].ty.ty).collect())
            .unwrap_or_default();
        let raw: Vec<(Vec<u8>, Vec<u8>)> = match access {
            Access::Full => self.scan(&prefix, &prefix_end(&prefix)).await?,
            Access::Point(exprs) => {
                let mut key = prefix.clone();
                for (e, t) in exprs.iter().zip(&key_types) {
                    let d = self.eval_row(e, &[], outer).await?;
                    if d.is_null() {
                        return Ok(vec![]);
                    }
                    encode_key_into(&mut key, &d, *t);
                }
                match self.get_at(&key, self.snapshot).await? {
                    Some(v) => vec![(key, v)],
                    None => vec![],
                }
            }
            Access::Index {
                index_id,
                prefix: eqs,
            } => {
                let Some(idx) = table
                    .unique
                    .iter()
                    .chain(table.indexes.iter())
                    .find(|i| i.id == *index_id)
                else {
                    return Err(SqlError::internal("index vanished from its table"));
                };
                let mut start = index_prefix(table.id, idx.id);
                for (e, c) in eqs.iter().zip(&idx.columns) {
                    let d = self.eval_row(e, &[], outer).await?;
                    if d.is_null() {
                        return Ok(vec![]);
                    }
                    encode_key_into(&mut start, &d, table.columns[*c].ty.ty);
                }
                let end = prefix_end(&start);
                let mut out = Vec::new();
                for (_, row_key) in self.scan(&start, &end).await? {
                    if let Some(v) = self.get_at(&row_key, self.snapshot).await? {
                        out.push((row_key, v));
                    }
                }
                out
            }
            Access::Points(keys) => {
                let mut encoded = std::collections::BTreeSet::new();
                'keys: for exprs in keys {
                    let mut key = prefix.clone();
                    for (e, t) in exprs.iter().zip(&key_types) {
                        let d = self.eval_row(e, &[], outer).await?;
                        if d.is_null() {
                            continue 'keys;
                        }
                        encode_key_into(&mut key, &d, *t);
                    }
                    encoded.insert(key);
                }
                let mut out = Vec::with_capacity(encoded.len());
                for key in encoded {
                    if let Some(v) = self.get_at(&key, self.snapshot).await? {
                        out.push((key, v));
                    }
                }
                out
            }
            Access::Range {
                prefix: eqs,
                lower,
                upper,
            } => {
                let mut base = prefix.clone();
                for (e, t) in eqs.iter().zip(&key_types) {
                    let d = self.eval_row(e, &[], outer).await?;
                    if d.is_null() {
                        return Ok(vec![]);
                    }
                    encode_key_into(&mut base, &d, *t);
                }
                let t = key_types
                    .get(eqs.len())
                    .copied()
                    .unwrap_or(SqlType::Unknown);
                let start = match lower {
                    Some((e, inclusive)) => {
                        let d = self.eval_row(e, &[], outer).await?;
                        if d.is_null() {
                            return Ok(vec![]);
                        }
                        let mut k = base.clone();
                        encode_key_into(&mut k, &d, t);
                        if *inclusive {
                            k
                        } else {
                            prefix_end(&k)
                        }
                    }
                    None => base.clone(),
                };
                let end = match upper {
                    Some((e, inclusive)) => {
                        let d = self.eval_row(e, &[], outer).await?;
                        if d.is_null() {
                            return Ok(vec![]);
                        }
                        let mut k = base.clone();
                        encode_key_into(&mut k, &d, t);
                        if *inclusive {
                            prefix_end(&k)
                        } else {
                            k
                        }
                    }
                    None => prefix_end(&base),
                };
                self.scan(&start, &end).await?
            }
        };
        let mut out = Vec::with_capacity(raw.len());
        for (k, v) in raw {
            let row = decode_row(&v)?;
            let row = fill_row(row, table)?;
            if let Some(f) = filter {
                if !self.predicate(f, &row, outer).await? {
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
    for d in r {
        encode_key_into(&mut k, d, d.natural_type());
    }
    k
}

fn set_op(op: SetOpKind, all: bool, l: Vec<Row>, r: Vec<Row>) -> Vec<Row> {
    match op {
        SetOpKind::Union => {
            let mut out = l;
            out.extend(r);
            if all {
                return out;
            }
            let mut seen = HashSet::new();
            out.into_iter()
                .filter(|x| seen.insert(row_key(x)))
                .collect()
        }
        SetOpKind::Intersect | SetOpKind::Except => {
            let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
            for x in &r {
                *counts.entry(row_key(x)).or_insert(0) += 1;
            }
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for x in l {
                let k = row_key(&x);
                let c = counts.get(&k).copied().unwrap_or(0);
                let keep = if op == SetOpKind::Intersect {
                    c > 0
                } else {
                    c == 0
                };
                if all {
                    if op == SetOpKind::Intersect && c > 0 {
                        counts.insert(k, c - 1);
                        out.push(x);
                    } else if op == SetOpKind::Except {
                        if c > 0 {
                            counts.insert(k, c - 1);
                        } else {
                            out.push(x);
                        }
                    }
                } else if keep && seen.insert(k) {
                    out.push(x);
                }
            }
            out
        }
    }
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
