//! Aggregation: grouping rows and the running state of each aggregate
//! (PostgreSQL result types: sum(int4) is int8, avg(int) numeric...), and
//! DISTINCT, which is grouping by the whole row without aggregates. The
//! operator consumes its input batch by batch into a hash table bounded by
//! work_mem and spills the rows of new groups beyond it; each pass's groups
//! are returned before the next pass starts.

use std::collections::VecDeque;

use super::fast_hash::FastMap;
use super::stream::{take_batch, Batch, Op};
use super::*;

use crate::spill::{partition_hash, row_bytes, SpillReader, SpillWriter};

/// Files a spilling hash aggregate splits its new groups' rows into.
const SPILL_PARTITIONS: usize = 16;
/// Partitions are split again at most this deep; deeper, a partition is
/// aggregated in memory whatever its size (it then holds few groups).
const SPILL_DEPTH_MAX: u64 = 4;
/// Assumed bookkeeping bytes of one group (hash entry, vectors).
const GROUP_OVERHEAD: usize = 64;

/// Hash aggregation (or DISTINCT) over a streaming input.
pub(crate) struct AggregateOp {
    input: Op,
    groups: Vec<Expr>,
    aggs: Vec<AggCall>,
    /// DISTINCT: the group key is the whole input row; no aggregates.
    distinct: bool,
    started: bool,
    /// Rows of the finished pass not yet returned.
    out: std::vec::IntoIter<Row>,
    /// Spilled partitions still to aggregate, with their depth.
    pending: VecDeque<(SpillWriter, u64)>,
    produced: bool,
}

/// Rows a hash-aggregate pass consumes: the operator's input, or a spilled
/// partition whose records are the group key values followed by the row.
enum AggInput<'i> {
    Stream(&'i mut Op, std::vec::IntoIter<Row>),
    Spilled(SpillReader),
}

/// True if none of the aggregate's expressions needs an await (no
/// subquery, no user function): they are then evaluated in place, without
/// `Ctx::eval_value`'s per-call checks.
fn evaluates_in_place(ctx: &Ctx<'_>, groups: &[Expr], aggs: &[AggCall]) -> bool {
    let exprs = groups
        .iter()
        .chain(aggs.iter().flat_map(|a| a.args.iter().chain(&a.filter)));
    // As `Ctx::eval_value`: evaluating in place needs a durable transaction id.
    ctx.engine.txn_ids.is_durable(ctx.txn.id) && exprs.into_iter().all(|e| !e.has_subquery())
}

impl AggregateOp {
    pub(crate) fn new(input: Op, groups: Vec<Expr>, aggs: Vec<AggCall>, distinct: bool) -> Self {
        debug_assert!(!distinct || (groups.is_empty() && aggs.is_empty()));
        AggregateOp {
            input,
            groups,
            aggs,
            distinct,
            started: false,
            out: Vec::new().into_iter(),
            pending: VecDeque::new(),
            produced: false,
        }
    }

    /// Groups come out in-memory groups first (in order of first
    /// appearance), then partition by partition.
    pub(crate) async fn next_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
    ) -> SqlResult<Option<Batch>> {
        loop {
            if let Some(batch) = take_batch(&mut self.out) {
                self.produced = true;
                return Ok(Some(batch));
            }
            let (input, depth) = if !self.started {
                self.started = true;
                (AggInput::Stream(&mut self.input, Vec::new().into_iter()), 0)
            } else if let Some((file, depth)) = self.pending.pop_front() {
                (AggInput::Spilled(file.into_reader()?), depth)
            } else {
                if !self.produced && self.groups.is_empty() && !self.distinct {
                    // An aggregate without GROUP BY returns one row even over no rows.
                    self.produced = true;
                    let mut row = Vec::with_capacity(self.aggs.len());
                    for a in &self.aggs {
                        row.push(AggState::new(a).finish(a)?);
                    }
                    return Ok(Some(vec![row]));
                }
                return Ok(None);
            };
            let rows = aggregate_pass(
                ctx,
                input,
                depth,
                &self.groups,
                &self.aggs,
                self.distinct,
                outer,
                &mut self.pending,
            )
            .await?;
            self.out = rows.into_iter();
        }
    }
}

impl<'i> AggInput<'i> {
    /// The next row, its group key values put in `g` (for DISTINCT, whose
    /// key is the row, the row goes to `g` and an empty row is returned).
    /// `g` is reused from row to row: a row of a known group allocates no
    /// key vector.
    async fn next(
        &mut self,
        ctx: &mut Ctx<'_>,
        groups: &[Expr],
        distinct: bool,
        in_place: bool,
        outer: &[Row],
        g: &mut Row,
    ) -> SqlResult<Option<Row>> {
        match self {
            AggInput::Stream(op, batch) => {
                let r = loop {
                    if let Some(r) = batch.next() {
                        break r;
                    }
                    match op.next_batch(ctx, outer).await? {
                        Some(b) => *batch = b.into_iter(),
                        None => return Ok(None),
                    }
                };
                if distinct {
                    *g = r;
                    return Ok(Some(Vec::new()));
                }
                g.clear();
                if in_place {
                    cooperate().await;
                    let none = HashMap::new();
                    let env = ctx.env(outer, &none);
                    for e in groups {
                        g.push(eval(e, &r, &env)?);
                    }
                } else {
                    for e in groups {
                        g.push(ctx.eval_value(e, &r, outer).await?);
                    }
                }
                Ok(Some(r))
            }
            AggInput::Spilled(file) => {
                let Some(mut record) = file.next_row()? else {
                    return Ok(None);
                };
                if distinct {
                    *g = record;
                    return Ok(Some(Vec::new()));
                }
                if record.len() < groups.len() {
                    return Err(SqlError::internal("spilled aggregate record too short"));
                }
                let r = record.split_off(groups.len());
                *g = record;
                Ok(Some(r))
            }
        }
    }
}

/// One pass of hash aggregation within work_mem: once the groups held in
/// memory exceed it, rows of groups not yet in memory are written to
/// partition files by the hash of their group key (all rows of a group, in
/// input order, land in the same file), queued on `pending` for a later
/// pass. Returns the pass's groups.
#[allow(clippy::too_many_arguments)]
async fn aggregate_pass(
    ctx: &mut Ctx<'_>,
    mut input: AggInput<'_>,
    depth: u64,
    groups: &[Expr],
    aggs: &[AggCall],
    distinct: bool,
    outer: &[Row],
    pending: &mut VecDeque<(SpillWriter, u64)>,
) -> SqlResult<Vec<Row>> {
    let mut index: FastMap<Vec<u8>, usize> = FastMap::default();
    let mut states: Vec<(Row, Vec<AggState>)> = Vec::new();
    let may_spill = (distinct || !groups.is_empty()) && depth < SPILL_DEPTH_MAX;
    let state_bytes = aggs.len() * std::mem::size_of::<AggState>() + GROUP_OVERHEAD;
    let mut bytes = 0usize;
    let mut partitions: Vec<SpillWriter> = Vec::new();
    let mut record = Vec::new();
    // Key, group values and aggregate arguments are built in buffers
    // reused for every row: a row of a known group allocates nothing.
    let mut key = Vec::new();
    let mut g = Vec::new();
    let mut args = Vec::new();
    let in_place = evaluates_in_place(ctx, groups, aggs);
    // Without GROUP BY every row belongs to the one group: no key to hash.
    let one_group = groups.is_empty() && !distinct;
    while let Some(r) = input
        .next(ctx, groups, distinct, in_place, outer, &mut g)
        .await?
    {
        key.clear();
        row_key_into(&mut key, &g);
        let found = if one_group && !states.is_empty() {
            Some(&0)
        } else {
            index.get(key.as_slice())
        };
        let slot = match found {
            Some(i) => *i,
            None if !partitions.is_empty() => {
                let p = (partition_hash(&key, depth) % partitions.len() as u64) as usize;
                record.clear();
                record.append(&mut g);
                record.extend(r);
                partitions[p].push(&record)?;
                continue;
            }
            None => {
                bytes += row_bytes(&g) + key.len() + state_bytes;
                states.push((
                    std::mem::take(&mut g),
                    aggs.iter().map(AggState::new).collect(),
                ));
                index.insert(key.clone(), states.len() - 1);
                states.len() - 1
            }
        };
        for (ai, a) in aggs.iter().enumerate() {
            args.clear();
            if in_place {
                let none = HashMap::new();
                let env = ctx.env(outer, &none);
                if let Some(f) = &a.filter {
                    if truth(&eval(f, &r, &env)?) != Some(true) {
                        continue;
                    }
                }
                for e in &a.args {
                    args.push(eval(e, &r, &env)?);
                }
            } else {
                if let Some(f) = &a.filter {
                    if !ctx.predicate(f, &r, outer).await? {
                        continue;
                    }
                }
                for e in &a.args {
                    args.push(ctx.eval_value(e, &r, outer).await?);
                }
            }
            if a.distinct
                || matches!(
                    a.func,
                    AggFunc::StringAgg
                        | AggFunc::ByteaStringAgg
                        | AggFunc::ArrayAgg
                        | AggFunc::Json(_)
                )
            {
                // States that keep their inputs grow with them.
                bytes += row_bytes(&args);
            }
            states[slot].1[ai].update_from(a, &mut args)?;
        }
        if may_spill && partitions.is_empty() && bytes > ctx.work_mem {
            for _ in 0..SPILL_PARTITIONS {
                partitions.push(ctx.engine.spill.create_file()?);
            }
            tracing::debug!(
                groups = states.len(),
                depth,
                work_mem = ctx.work_mem,
                "hash aggregate spilling new groups to disk"
            );
        }
    }
    for p in partitions {
        if p.rows() > 0 {
            pending.push_back((p, depth + 1));
        }
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

/// Running state of one aggregate call.
#[derive(Clone)]
pub(super) enum AggState {
    Count(i64),
    SumInt(i128, i64),
    SumNumeric(Option<Numeric>, i64),
    SumFloat(f64, bool, i64),
    Extreme(Option<Datum>),
    Bool(Option<bool>),
    Str(Option<String>),
    Bytes(Option<Vec<u8>>),
    Distinct(HashSet<Vec<u8>>, Box<AggState>),
    /// `agg(DISTINCT x)` of an aggregate whose result depends on input
    /// order (string_agg, array_agg, json_agg) with no ORDER BY: PostgreSQL
    /// sorts the input by the arguments, so the argument rows are kept and
    /// fed in sorted, duplicates dropped, at the end.
    DistinctSorted(Vec<Vec<Datum>>, Box<AggState>),
    /// Variance over numeric (and integer) input: n, sum(x), sum(x*x).
    VarNumeric(i64, Numeric, Numeric),
    /// Variance over floats, Youngs-Cramer as PostgreSQL's float8_accum: n, Sx, Sxx.
    VarFloat(f64, f64, f64),
    /// array_agg (keeps NULL inputs).
    Arr(Option<Vec<Datum>>),
}

impl AggState {
    pub(super) fn new(a: &AggCall) -> AggState {
        let base = match a.func {
            AggFunc::CountStar | AggFunc::Count => AggState::Count(0),
            AggFunc::Sum | AggFunc::Avg => match a.args[0].ty().ty {
                // money sums its cents exactly (cash_pl).
                SqlType::Int2 | SqlType::Int4 | SqlType::Int8 | SqlType::Money => {
                    AggState::SumInt(0, 0)
                }
                SqlType::Float4 | SqlType::Float8 => AggState::SumFloat(0.0, false, 0),
                _ => AggState::SumNumeric(None, 0),
            },
            AggFunc::Min | AggFunc::Max => AggState::Extreme(None),
            AggFunc::BoolAnd | AggFunc::BoolOr => AggState::Bool(None),
            AggFunc::StringAgg => AggState::Str(None),
            AggFunc::ByteaStringAgg => AggState::Bytes(None),
            AggFunc::ArrayAgg | AggFunc::Json(_) => AggState::Arr(None),
            AggFunc::VarSamp | AggFunc::VarPop | AggFunc::StddevSamp | AggFunc::StddevPop => {
                match a.args[0].ty().ty {
                    SqlType::Float4 | SqlType::Float8 => AggState::VarFloat(0.0, 0.0, 0.0),
                    _ => AggState::VarNumeric(0, Numeric::zero(), Numeric::zero()),
                }
            }
        };
        let order_sensitive = matches!(
            a.func,
            AggFunc::StringAgg | AggFunc::ByteaStringAgg | AggFunc::ArrayAgg | AggFunc::Json(_)
        );
        if a.distinct && order_sensitive && a.order_by.is_empty() {
            AggState::DistinctSorted(Vec::new(), Box::new(base))
        } else if a.distinct {
            AggState::Distinct(HashSet::new(), Box::new(base))
        } else {
            base
        }
    }

    pub(super) fn update(&mut self, a: &AggCall, mut args: Vec<Datum>) -> SqlResult<()> {
        self.update_from(a, &mut args)
    }

    /// [`AggState::update`] taking the argument values out of `args` (left
    /// in an unspecified state): the hash aggregate reuses one vector.
    pub(super) fn update_from(&mut self, a: &AggCall, args: &mut Vec<Datum>) -> SqlResult<()> {
        if let AggState::DistinctSorted(rows, inner) = self {
            // array_agg and json_agg keep NULL inputs; the others skip them.
            if matches!(**inner, AggState::Arr(_)) || !args.first().is_none_or(Datum::is_null) {
                rows.push(std::mem::take(args));
            }
            return Ok(());
        }
        if let AggState::Arr(cur) = self {
            // json_object_agg keeps (key, value) pairs.
            let input = if args.len() > 1 {
                Datum::Array(std::mem::take(args))
            } else {
                args.pop().unwrap_or(Datum::Null)
            };
            cur.get_or_insert_with(Vec::new).push(input);
            return Ok(());
        }
        if a.func != AggFunc::CountStar && args.first().is_none_or(Datum::is_null) {
            return Ok(());
        }
        if let AggState::Distinct(seen, inner) = self {
            if seen.insert(row_key(args)) {
                inner.update_from(a, args)?;
            }
            return Ok(());
        }
        // The first argument by value; a second one (string_agg's
        // delimiter) stays in place.
        let v = args
            .first_mut()
            .map_or(Datum::Null, |d| std::mem::replace(d, Datum::Null));
        match self {
            AggState::Distinct(..) | AggState::DistinctSorted(..) | AggState::Arr(_) => {}
            AggState::Count(n) => *n += 1,
            AggState::SumInt(s, n) => {
                *s += match &v {
                    Datum::Money(cents) => i128::from(*cents),
                    other => other.as_i64().unwrap_or(0) as i128,
                };
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
            AggState::VarNumeric(n, sx, sxx) => {
                let x = v.as_numeric().unwrap_or_else(Numeric::zero);
                *n += 1;
                // Squares keep every digit, as PostgreSQL's accumulator does:
                // a sum of squares may pass numeric's limits while the
                // variance stays within them.
                let square = if x.is_finite() {
                    x.mul_exact(&x)
                } else {
                    x.mul(&x)?
                };
                *sxx = sxx.add(&square);
                *sx = sx.add(&x);
            }
            AggState::VarFloat(n, sx, sxx) => {
                let x = v.as_f64().unwrap_or(f64::NAN);
                let old_n = *n;
                *n += 1.0;
                *sx += x;
                if old_n > 0.0 {
                    let tmp = x * *n - *sx;
                    *sxx += tmp * tmp / (*n * old_n);
                } else {
                    *sxx = if x.is_finite() { 0.0 } else { f64::NAN };
                }
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
            AggState::Bytes(cur) => {
                let Datum::Bytea(b) = v else {
                    return Err(SqlError::internal(
                        "string_agg(bytea) over a non-bytea value",
                    ));
                };
                match cur {
                    None => *cur = Some(b),
                    Some(acc) => {
                        if let Some(Datum::Bytea(d)) = args.get(1) {
                            acc.extend_from_slice(d);
                        }
                        acc.extend_from_slice(&b);
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn finish(self, a: &AggCall) -> SqlResult<Datum> {
        match self {
            AggState::Distinct(_, inner) => inner.finish_with(a),
            AggState::DistinctSorted(mut rows, mut inner) => {
                let types: Vec<SqlType> = a.args.iter().map(|e| e.ty().ty).collect();
                let order = |x: &Vec<Datum>, y: &Vec<Datum>| {
                    x.iter()
                        .zip(y)
                        .zip(&types)
                        .map(|((x, y), ty)| crate::datum::compare(x, y, *ty))
                        .find(|o| o.is_ne())
                        .unwrap_or(std::cmp::Ordering::Equal)
                };
                rows.sort_by(order);
                rows.dedup_by(|x, y| order(x, y).is_eq());
                for mut row in rows {
                    inner.update_from(a, &mut row)?;
                }
                inner.finish_with(a)
            }
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
                    (_, SqlType::Money) => {
                        Datum::Money(i64::try_from(s).map_err(|_| SqlError::out_of_range("money"))?)
                    }
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
            AggState::Bytes(b) => b.map(Datum::Bytea).unwrap_or(Datum::Null),
            AggState::Arr(v) => match a.func {
                AggFunc::Json(json) => crate::json_build::finish_agg(json, v)?,
                _ => v.map(Datum::Array).unwrap_or(Datum::Null),
            },
            AggState::VarNumeric(n, sx, sxx) => {
                let sample = matches!(a.func, AggFunc::VarSamp | AggFunc::StddevSamp);
                if n == 0 || (sample && n == 1) {
                    return Ok(Datum::Null);
                }
                let vn = Numeric::from_i64(n);
                let num = if sxx.is_finite() && sx.is_finite() {
                    vn.mul_exact(&sxx).sub(&sx.mul_exact(&sx))
                } else {
                    vn.mul(&sxx)?.sub(&sx.mul(&sx)?)
                };
                if num.is_negative() || num.is_zero() {
                    return Ok(Datum::Numeric(Numeric::zero()));
                }
                let den = if sample {
                    vn.mul(&Numeric::from_i64(n - 1))?
                } else {
                    vn.mul(&vn)?
                };
                let var = num.div(&den)?;
                var.check_overflow()?;
                Datum::Numeric(match a.func {
                    AggFunc::StddevSamp | AggFunc::StddevPop => {
                        let scale = var.to_pg_string().split('.').nth(1).map_or(0, str::len);
                        var.sqrt_scaled(scale as u32)
                    }
                    _ => var,
                })
            }
            AggState::VarFloat(n, _, sxx) => {
                let sample = matches!(a.func, AggFunc::VarSamp | AggFunc::StddevSamp);
                if n == 0.0 || (sample && n <= 1.0) {
                    return Ok(Datum::Null);
                }
                let var = if sample { sxx / (n - 1.0) } else { sxx / n };
                Datum::Float8(match a.func {
                    AggFunc::StddevSamp | AggFunc::StddevPop => var.sqrt(),
                    _ => var,
                })
            }
            AggState::Distinct(..) | AggState::DistinctSorted(..) => {
                return Err(SqlError::internal("nested distinct state"))
            }
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
