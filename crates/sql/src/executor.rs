//! The executor: runs bound plans against a transaction's view of the store
//! (its snapshot plus its own pending writes), and performs INSERT, UPDATE
//! and DELETE with constraint checks, row locks and conflict handling.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use borealis_common::limits::SCAN_ROWS_MAX;
use borealis_common::Lsn;

use crate::binder::{
    ConflictAction, DeletePlan, InsertPlan, InsertSource, OnConflictPlan, UpdatePlan,
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
        }
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
                    right_width,
                } => {
                    let l = self.exec_plan(left, outer).await?;
                    let r = self.exec_plan(right, outer).await?;
                    let left_width = l.first().map(Vec::len).unwrap_or(0);
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
                                out.push(row);
                            }
                        }
                        if !matched && *kind == JoinKind::Left {
                            let mut row = lr;
                            row.extend(std::iter::repeat_n(Datum::Null, *right_width));
                            out.push(row);
                        }
                    }
                    Ok(out)
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
                    let mut keyed = Vec::with_capacity(rows.len());
                    for r in rows {
                        let mut k = Vec::with_capacity(keys.len());
                        for key in keys {
                            k.push(self.eval_row(&key.expr, &r, outer).await?);
                        }
                        keyed.push((k, r));
                    }
                    keyed.sort_by(|(a, _), (b, _)| {
                        for (i, key) in keys.iter().enumerate() {
                            let (x, y) = (&a[i], &b[i]);
                            let c = match (x.is_null(), y.is_null()) {
                                (true, true) => Ordering::Equal,
                                (true, false) => {
                                    if key.nulls_first {
                                        Ordering::Less
                                    } else {
                                        Ordering::Greater
                                    }
                                }
                                (false, true) => {
                                    if key.nulls_first {
                                        Ordering::Greater
                                    } else {
                                        Ordering::Less
                                    }
                                }
                                _ => {
                                    let c = compare(x, y, key.expr.ty().ty);
                                    if key.desc {
                                        c.reverse()
                                    } else {
                                        c
                                    }
                                }
                            };
                            if c != Ordering::Equal {
                                return c;
                            }
                        }
                        Ordering::Equal
                    });
                    Ok(keyed.into_iter().map(|(_, r)| r).collect())
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

    async fn aggregate(
        &mut self,
        rows: Vec<Row>,
        groups: &[Expr],
        aggs: &[AggCall],
        outer: &[Row],
    ) -> SqlResult<Vec<Row>> {
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut states: Vec<(Row, Vec<AggState>)> = Vec::new();
        for r in rows {
            let mut g = Vec::with_capacity(groups.len());
            for e in groups {
                g.push(self.eval_row(e, &r, outer).await?);
            }
            let key = row_key(&g);
            let slot = match index.get(&key) {
                Some(i) => *i,
                None => {
                    states.push((g, aggs.iter().map(AggState::new).collect()));
                    index.insert(key, states.len() - 1);
                    states.len() - 1
                }
            };
            for (ai, a) in aggs.iter().enumerate() {
                if let Some(f) = &a.filter {
                    if !self.predicate(f, &r, outer).await? {
                        continue;
                    }
                }
                let mut args = Vec::with_capacity(a.args.len());
                for e in &a.args {
                    args.push(self.eval_row(e, &r, outer).await?);
                }
                states[slot].1[ai].update(a, args)?;
            }
        }
        if states.is_empty() && groups.is_empty() {
            states.push((vec![], aggs.iter().map(AggState::new).collect()));
        }
        let mut out = Vec::with_capacity(states.len());
        for (g, st) in states {
            let mut row = g;
            for (a, s) in aggs.iter().zip(st) {
                row.push(s.finish(a)?);
            }
            out.push(row);
        }
        Ok(out)
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
            let row = fit_width(row, table.columns.len());
            if let Some(f) = filter {
                if !self.predicate(f, &row, outer).await? {
                    continue;
                }
            }
            out.push((k, row));
        }
        Ok(out)
    }

    // ------------------------------------------------------------ writes

    async fn lock(&mut self, key: &[u8]) -> SqlResult<()> {
        if self.engine.locks.lock(key, self.txn.id).await? {
            self.txn.locks.push(key.to_vec());
        }
        Ok(())
    }

    /// The newest committed (or own) version: what uniqueness is checked against.
    async fn get_latest(&self, key: &[u8]) -> SqlResult<Option<Vec<u8>>> {
        let at = self.engine.store.read_point();
        self.get_at(key, at).await
    }

    fn put(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        self.txn.writes.insert(key, value);
    }

    async fn check_row(
        &mut self,
        table: &TableDef,
        row: &[Datum],
        checks: &[(String, Expr)],
    ) -> SqlResult<()> {
        for (i, c) in table.columns.iter().enumerate() {
            if c.not_null && row[i].is_null() {
                return Err(SqlError::new("23502", format!("null value in column \"{}\" of relation \"{}\" violates not-null constraint", c.name, table.name))
                    .with_detail(failing_row(row, self.float_digits())));
            }
        }
        for (name, e) in checks {
            let v = self.eval_row(e, row, &[]).await?;
            if truth(&v) == Some(false) {
                return Err(SqlError::new(
                    "23514",
                    format!(
                        "new row for relation \"{}\" violates check constraint \"{name}\"",
                        table.name
                    ),
                )
                .with_detail(failing_row(row, self.float_digits())));
            }
        }
        Ok(())
    }

    fn float_digits(&self) -> i32 {
        1
    }

    fn index_key(table: &TableDef, idx: &IndexDef, row: &[Datum]) -> Option<Vec<u8>> {
        let mut k = index_prefix(table.id, idx.id);
        for &c in &idx.columns {
            if row[c].is_null() {
                return None;
            }
            encode_key_into(&mut k, &row[c], table.columns[c].ty.ty);
        }
        Some(k)
    }

    fn duplicate(table: &TableDef, idx: &IndexDef, row: &[Datum]) -> SqlError {
        let names: Vec<&str> = idx
            .columns
            .iter()
            .map(|c| table.columns[*c].name.as_str())
            .collect();
        let vals: Vec<String> = idx
            .columns
            .iter()
            .map(|c| row[*c].to_text(1).unwrap_or_else(|| "null".into()))
            .collect();
        SqlError::new(
            "23505",
            format!(
                "duplicate key value violates unique constraint \"{}\"",
                idx.name
            ),
        )
        .with_detail(format!(
            "Key ({})=({}) already exists.",
            names.join(", "),
            vals.join(", ")
        ))
    }

    /// Locks and claims a unique key; fails if a live row already holds it.
    async fn claim(
        &mut self,
        key: &[u8],
        table: &TableDef,
        idx: &IndexDef,
        row: &[Datum],
    ) -> SqlResult<()> {
        self.lock(key).await?;
        if self.get_latest(key).await?.is_some() {
            return Err(Self::duplicate(table, idx, row));
        }
        Ok(())
    }

    async fn insert_row(
        &mut self,
        table: &TableDef,
        row: Row,
        checks: &[(String, Expr)],
    ) -> SqlResult<(Vec<u8>, Row)> {
        self.check_row(table, &row, checks).await?;
        let key = match &table.primary_key {
            Some(pk) => {
                let key = Self::index_key(table, pk, &row)
                    .ok_or_else(|| SqlError::internal("null in primary key"))?;
                self.claim(&key, table, pk, &row).await?;
                key
            }
            None => {
                let seq = table
                    .rowid_sequence
                    .as_deref()
                    .ok_or_else(|| SqlError::internal("table without row id sequence"))?;
                let id = self.engine.sequences.nextval(seq)?;
                self.sequence_used.store(true, AtomicOrdering::Relaxed);
                let mut k = index_prefix(table.id, PRIMARY_INDEX);
                encode_key_into(&mut k, &Datum::Int8(id), SqlType::Int8);
                k
            }
        };
        for idx in &table.unique {
            if let Some(ik) = Self::index_key(table, idx, &row) {
                self.claim(&ik, table, idx, &row).await?;
                self.put(ik, Some(key.clone()));
            }
        }
        self.put(key.clone(), Some(encode_row(&row)));
        Ok((key, row))
    }

    async fn returning(
        &mut self,
        ret: &Option<(Vec<Expr>, Vec<OutColumn>)>,
        row: &[Datum],
        out: &mut Vec<Row>,
    ) -> SqlResult<()> {
        if let Some((exprs, _)) = ret {
            let mut vals = Vec::with_capacity(exprs.len());
            for e in exprs {
                vals.push(self.eval_row(e, row, &[]).await?);
            }
            out.push(vals);
        }
        Ok(())
    }

    pub async fn insert(&mut self, p: &InsertPlan) -> SqlResult<(u64, Vec<Row>)> {
        let width = p.table.columns.len();
        let mut new_rows: Vec<Row> = Vec::new();
        match &p.source {
            InsertSource::Values(rows) => {
                for r in rows {
                    let mut row = Vec::with_capacity(width);
                    for (i, e) in r.iter().enumerate() {
                        let e = e.as_ref().or(p.defaults[i].as_ref());
                        row.push(match e {
                            Some(e) => self.eval_row(e, &[], &[]).await?,
                            None => Datum::Null,
                        });
                    }
                    new_rows.push(row);
                }
            }
            InsertSource::Query {
                plan,
                targets,
                casts,
            } => {
                let rows = self.exec_query(plan).await?;
                for src in rows {
                    let mut row = vec![Datum::Null; width];
                    let mut supplied = vec![false; width];
                    for (t, c) in targets.iter().zip(casts) {
                        row[*t] = self.eval_row(c, &src, &[]).await?;
                        supplied[*t] = true;
                    }
                    for i in 0..width {
                        if !supplied[i] {
                            if let Some(d) = &p.defaults[i] {
                                row[i] = self.eval_row(d, &[], &[]).await?;
                            }
                        }
                    }
                    new_rows.push(row);
                }
            }
        }
        let mut out = Vec::new();
        let mut n = 0;
        // Row keys written by this statement (ON CONFLICT may not touch one twice).
        let mut touched: HashSet<Vec<u8>> = HashSet::new();
        for row in new_rows {
            if let Some(oc) = &p.on_conflict {
                match self
                    .on_conflict(&p.table, &row, oc, &p.checks, &touched)
                    .await?
                {
                    Conflict::None => {}
                    Conflict::Skipped => continue,
                    Conflict::Updated(key, new) => {
                        touched.insert(key);
                        n += 1;
                        self.returning(&p.returning, &new, &mut out).await?;
                        continue;
                    }
                }
            }
            let (key, row) = self.insert_row(&p.table, row, &p.checks).await?;
            touched.insert(key);
            n += 1;
            self.returning(&p.returning, &row, &mut out).await?;
        }
        Ok((n, out))
    }

    /// Probes the arbiter indexes for a row that `row` conflicts with.
    async fn on_conflict(
        &mut self,
        t: &TableDef,
        row: &[Datum],
        oc: &OnConflictPlan,
        checks: &[(String, Expr)],
        touched: &HashSet<Vec<u8>>,
    ) -> SqlResult<Conflict> {
        self.check_row(t, row, checks).await?;
        for idx in &oc.arbiters {
            let Some(ik) = Self::index_key(t, idx, row) else {
                continue;
            };
            self.lock(&ik).await?;
            let Some(v) = self.get_latest(&ik).await? else {
                continue;
            };
            let row_key = if idx.id == PRIMARY_INDEX { ik } else { v };
            if self.txn.isolation != Isolation::ReadCommitted
                && !self.txn.writes.contains_key(&row_key)
                && self.engine.write_log.changed_since(&row_key, self.snapshot)
            {
                return Err(SqlError::serialization_failure());
            }
            let ConflictAction::Update {
                assignments,
                filter,
            } = &oc.action
            else {
                return Ok(Conflict::Skipped);
            };
            if touched.contains(&row_key) {
                return Err(SqlError::new("21000", "ON CONFLICT DO UPDATE command cannot affect row a second time")
                    .with_hint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values."));
            }
            self.lock(&row_key).await?;
            let Some(bytes) = self.get_latest(&row_key).await? else {
                continue;
            };
            let old = fit_width(decode_row(&bytes)?, t.columns.len());
            let mut combined = old.clone();
            combined.extend(row.iter().cloned());
            if let Some(f) = filter {
                if !self.predicate(f, &combined, &[]).await? {
                    return Ok(Conflict::Skipped);
                }
            }
            let mut new = old.clone();
            for (ci, e) in assignments {
                new[*ci] = self.eval_row(e, &combined, &[]).await?;
            }
            let key = self.write_update(t, &row_key, &old, &new, checks).await?;
            return Ok(Conflict::Updated(key, new));
        }
        Ok(Conflict::None)
    }

    /// TRUNCATE: deletes every row and index entry of the tables.
    pub async fn truncate(&mut self, tables: &[std::sync::Arc<TableDef>]) -> SqlResult<()> {
        for t in tables {
            let mut prefix = vec![crate::encoding::DATA_PREFIX];
            prefix.extend_from_slice(&t.id.to_be_bytes());
            let primary = index_prefix(t.id, PRIMARY_INDEX);
            for (k, _) in self.scan(&prefix, &prefix_end(&prefix)).await? {
                if k.starts_with(&primary) {
                    self.lock(&k).await?;
                }
                self.put(k, None);
            }
        }
        Ok(())
    }

    /// Locks a row found at the statement snapshot. Returns the version to act
    /// on: the same row, the newest version (READ COMMITTED re-check), or None
    /// if it is gone or no longer matches.
    async fn lock_for_write(
        &mut self,
        table: &TableDef,
        key: &[u8],
        row: Row,
        filter: Option<&Expr>,
    ) -> SqlResult<Option<Row>> {
        self.lock(key).await?;
        if self.txn.writes.contains_key(key)
            || !self.engine.write_log.changed_since(key, self.snapshot)
        {
            return Ok(Some(row));
        }
        if self.txn.isolation != Isolation::ReadCommitted {
            return Err(SqlError::serialization_failure());
        }
        let Some(v) = self.get_latest(key).await? else {
            return Ok(None);
        };
        let newest = fit_width(decode_row(&v)?, table.columns.len());
        if let Some(f) = filter {
            if !self.predicate(f, &newest, &[]).await? {
                return Ok(None);
            }
        }
        Ok(Some(newest))
    }

    pub async fn update(&mut self, p: &UpdatePlan) -> SqlResult<(u64, Vec<Row>)> {
        let t = p.table.clone();
        let targets = self
            .scan_table(&t, &p.access, p.filter.as_ref(), &[])
            .await?;
        let mut out = Vec::new();
        let mut n = 0;
        for (key, row) in targets {
            let Some(old) = self
                .lock_for_write(&t, &key, row, p.filter.as_ref())
                .await?
            else {
                continue;
            };
            let mut new = old.clone();
            for (ci, e) in &p.assignments {
                new[*ci] = self.eval_row(e, &old, &[]).await?;
            }
            self.write_update(&t, &key, &old, &new, &p.checks).await?;
            n += 1;
            self.returning(&p.returning, &new, &mut out).await?;
        }
        Ok((n, out))
    }

    /// Replaces row `old` (at `key`, already locked) by `new`: constraint
    /// checks, primary-key moves and unique-index maintenance.
    async fn write_update(
        &mut self,
        t: &TableDef,
        key: &[u8],
        old: &[Datum],
        new: &[Datum],
        checks: &[(String, Expr)],
    ) -> SqlResult<Vec<u8>> {
        {
            let (t, key, old, new) = (t, key.to_vec(), old, new);
            self.check_row(t, new, checks).await?;
            let new_key = match &t.primary_key {
                Some(pk) => Self::index_key(t, pk, new)
                    .ok_or_else(|| SqlError::internal("null in primary key"))?,
                None => key.clone(),
            };
            if new_key != key {
                self.put(key.clone(), None);
                if let Some(pk) = &t.primary_key {
                    self.claim(&new_key, t, pk, new).await?;
                }
            }
            for idx in &t.unique {
                let ok = Self::index_key(t, idx, old);
                let nk = Self::index_key(t, idx, new);
                if ok == nk && new_key == key {
                    continue;
                }
                if let Some(ok) = ok {
                    if Some(&ok) != nk.as_ref() {
                        self.put(ok, None);
                    }
                }
                if let Some(nk) = nk {
                    if Self::index_key(t, idx, old).as_ref() != Some(&nk) {
                        self.claim(&nk, t, idx, new).await?;
                    }
                    self.put(nk, Some(new_key.clone()));
                }
            }
            self.put(new_key.clone(), Some(encode_row(new)));
            Ok(new_key)
        }
    }

    pub async fn delete(&mut self, p: &DeletePlan) -> SqlResult<(u64, Vec<Row>)> {
        let t = p.table.clone();
        let targets = self
            .scan_table(&t, &p.access, p.filter.as_ref(), &[])
            .await?;
        let mut out = Vec::new();
        let mut n = 0;
        for (key, row) in targets {
            let Some(old) = self
                .lock_for_write(&t, &key, row, p.filter.as_ref())
                .await?
            else {
                continue;
            };
            for idx in &t.unique {
                if let Some(ik) = Self::index_key(&t, idx, &old) {
                    self.put(ik, None);
                }
            }
            self.put(key, None);
            n += 1;
            self.returning(&p.returning, &old, &mut out).await?;
        }
        Ok((n, out))
    }
}

/// Outcome of probing ON CONFLICT arbiters.
enum Conflict {
    None,
    Skipped,
    /// The existing row was updated (its key, its new value).
    Updated(Vec<u8>, Row),
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
                (BinOp::Eq, Expr::Column(a, _), Expr::Column(b, _)) => {
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

/// Rows written before a column existed read it as NULL.
fn fit_width(mut row: Row, width: usize) -> Row {
    row.resize(width, Datum::Null);
    row
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

fn failing_row(row: &[Datum], digits: i32) -> String {
    let vals: Vec<String> = row
        .iter()
        .map(|d| d.to_text(digits).unwrap_or_else(|| "null".into()))
        .collect();
    format!("Failing row contains ({}).", vals.join(", "))
}

/// Running state of one aggregate call.
enum AggState {
    Count(i64),
    SumInt(i128, i64),
    SumNumeric(Option<Numeric>, i64),
    SumFloat(f64, bool, i64),
    Extreme(Option<Datum>),
    Bool(Option<bool>),
    Str(Option<String>),
    Distinct(HashSet<Vec<u8>>, Box<AggState>),
}

impl AggState {
    fn new(a: &AggCall) -> AggState {
        let base = match a.func {
            AggFunc::CountStar | AggFunc::Count => AggState::Count(0),
            AggFunc::Sum | AggFunc::Avg => match a.args[0].ty().ty {
                SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => AggState::SumInt(0, 0),
                SqlType::Float4 | SqlType::Float8 => AggState::SumFloat(0.0, false, 0),
                _ => AggState::SumNumeric(None, 0),
            },
            AggFunc::Min | AggFunc::Max => AggState::Extreme(None),
            AggFunc::BoolAnd | AggFunc::BoolOr => AggState::Bool(None),
            AggFunc::StringAgg => AggState::Str(None),
        };
        if a.distinct {
            AggState::Distinct(HashSet::new(), Box::new(base))
        } else {
            base
        }
    }

    fn update(&mut self, a: &AggCall, args: Vec<Datum>) -> SqlResult<()> {
        if a.func != AggFunc::CountStar && args.first().is_none_or(Datum::is_null) {
            return Ok(());
        }
        let v = args.first().cloned().unwrap_or(Datum::Null);
        match self {
            AggState::Distinct(seen, inner) => {
                if seen.insert(row_key(&args)) {
                    inner.update(a, args)?;
                }
            }
            AggState::Count(n) => *n += 1,
            AggState::SumInt(s, n) => {
                *s += v.as_i64().unwrap_or(0) as i128;
                *n += 1;
            }
            AggState::SumNumeric(s, n) => {
                let x = v.as_numeric().unwrap_or_else(Numeric::zero);
                *s = Some(match s.take() {
                    Some(acc) => acc.add(&x),
                    None => x,
                });
                *n += 1;
            }
            AggState::SumFloat(s, any, n) => {
                *s += v.as_f64().unwrap_or(0.0);
                *any = true;
                *n += 1;
            }
            AggState::Extreme(cur) => {
                let take = match cur {
                    None => true,
                    Some(c) => {
                        let o = compare(&v, c, a.ty.ty);
                        // On ties PostgreSQL keeps the newer value (numeric_larger & co.).
                        if a.func == AggFunc::Min {
                            o != Ordering::Greater
                        } else {
                            o != Ordering::Less
                        }
                    }
                };
                if take {
                    *cur = Some(v);
                }
            }
            AggState::Bool(cur) => {
                let b = truth(&v).unwrap_or(false);
                *cur = Some(match (*cur, a.func) {
                    (None, _) => b,
                    (Some(c), AggFunc::BoolOr) => c || b,
                    (Some(c), _) => c && b,
                });
            }
            AggState::Str(cur) => {
                let s = v.as_str().unwrap_or_default().to_string();
                *cur = Some(match cur.take() {
                    None => s,
                    Some(mut acc) => {
                        if let Some(Datum::Text(d)) = args.get(1) {
                            acc.push_str(d);
                        }
                        acc.push_str(&s);
                        acc
                    }
                });
            }
        }
        Ok(())
    }

    fn finish(self, a: &AggCall) -> SqlResult<Datum> {
        match self {
            AggState::Distinct(_, inner) => inner.finish_with(a),
            other => other.finish_with(a),
        }
    }

    fn finish_with(self, a: &AggCall) -> SqlResult<Datum> {
        Ok(match self {
            AggState::Count(n) => Datum::Int8(n),
            AggState::SumInt(s, n) => {
                if n == 0 {
                    return Ok(Datum::Null);
                }
                match (a.func, a.ty.ty) {
                    (AggFunc::Avg, _) => avg_int(s, true, n)?,
                    (_, SqlType::Int8) => {
                        Datum::Int8(i64::try_from(s).map_err(|_| SqlError::out_of_range("bigint"))?)
                    }
                    _ => Datum::Numeric(Numeric::from_i128(s)),
                }
            }
            AggState::SumNumeric(s, n) => match s {
                None => Datum::Null,
                Some(s) if a.func == AggFunc::Avg => Datum::Numeric(s.div(&Numeric::from_i64(n))?),
                Some(s) => Datum::Numeric(s),
            },
            AggState::SumFloat(s, any, n) => {
                if !any {
                    return Ok(Datum::Null);
                }
                if a.func == AggFunc::Avg {
                    Datum::Float8(s / n as f64)
                } else if a.ty.ty == SqlType::Float4 {
                    Datum::Float4(s as f32)
                } else {
                    Datum::Float8(s)
                }
            }
            AggState::Extreme(v) => v.unwrap_or(Datum::Null),
            AggState::Bool(b) => b.map(Datum::Bool).unwrap_or(Datum::Null),
            AggState::Str(s) => s.map(Datum::Text).unwrap_or(Datum::Null),
            AggState::Distinct(..) => return Err(SqlError::internal("nested distinct state")),
        })
    }
}

fn avg_int(sum: i128, any: bool, n: i64) -> SqlResult<Datum> {
    if !any || n == 0 {
        return Ok(Datum::Null);
    }
    Ok(Datum::Numeric(
        Numeric::from_i128(sum).div(&Numeric::from_i64(n))?,
    ))
}
