//! Aggregation: grouping rows and the running state of each aggregate
//! (PostgreSQL result types: sum(int4) is int8, avg(int) numeric...).

use std::collections::VecDeque;

use super::*;

use crate::spill::{partition_hash, row_bytes, SpillReader, SpillWriter};

/// Files a spilling hash aggregate splits its new groups' rows into.
const SPILL_PARTITIONS: usize = 16;
/// Partitions are split again at most this deep; deeper, a partition is
/// aggregated in memory whatever its size (it then holds few groups).
const SPILL_DEPTH_MAX: u64 = 4;
/// Assumed bookkeeping bytes of one group (hash entry, vectors).
const GROUP_OVERHEAD: usize = 64;

/// Rows a hash-aggregate pass consumes: the input, or a spilled partition
/// whose records are the group key values followed by the row.
enum AggInput {
    Rows(std::vec::IntoIter<Row>),
    Spilled(SpillReader),
}

impl<'a> Ctx<'a> {
    /// Hash aggregation within work_mem: once the groups held in memory
    /// exceed it, rows of groups not yet in memory are written to partition
    /// files by the hash of their group key (all rows of a group, in input
    /// order, land in the same file) and each file is aggregated afterwards
    /// the same way. Groups come out in-memory groups first, then by partition.
    pub(super) async fn aggregate(
        &mut self,
        rows: Vec<Row>,
        groups: &[Expr],
        aggs: &[AggCall],
        outer: &[Row],
    ) -> SqlResult<Vec<Row>> {
        let mut out = Vec::new();
        let mut pending: VecDeque<(SpillWriter, u64)> = VecDeque::new();
        self.aggregate_pass(
            AggInput::Rows(rows.into_iter()),
            0,
            groups,
            aggs,
            outer,
            &mut out,
            &mut pending,
        )
        .await?;
        while let Some((file, depth)) = pending.pop_front() {
            let input = AggInput::Spilled(file.into_reader()?);
            self.aggregate_pass(input, depth, groups, aggs, outer, &mut out, &mut pending)
                .await?;
        }
        if out.is_empty() && groups.is_empty() {
            let mut row = Vec::with_capacity(aggs.len());
            for a in aggs {
                row.push(AggState::new(a).finish(a)?);
            }
            out.push(row);
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    async fn aggregate_pass(
        &mut self,
        mut input: AggInput,
        depth: u64,
        groups: &[Expr],
        aggs: &[AggCall],
        outer: &[Row],
        out: &mut Vec<Row>,
        pending: &mut VecDeque<(SpillWriter, u64)>,
    ) -> SqlResult<()> {
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut states: Vec<(Row, Vec<AggState>)> = Vec::new();
        let may_spill = !groups.is_empty() && depth < SPILL_DEPTH_MAX;
        let state_bytes = aggs.len() * std::mem::size_of::<AggState>() + GROUP_OVERHEAD;
        let mut bytes = 0usize;
        let mut partitions: Vec<SpillWriter> = Vec::new();
        let mut record = Vec::new();
        loop {
            let (g, r) = match &mut input {
                AggInput::Rows(rows) => {
                    let Some(r) = rows.next() else { break };
                    let mut g = Vec::with_capacity(groups.len());
                    for e in groups {
                        g.push(self.eval_row(e, &r, outer).await?);
                    }
                    (g, r)
                }
                AggInput::Spilled(file) => {
                    let Some(mut g) = file.next_row()? else { break };
                    if g.len() < groups.len() {
                        return Err(SqlError::internal("spilled aggregate record too short"));
                    }
                    let r = g.split_off(groups.len());
                    (g, r)
                }
            };
            let key = row_key(&g);
            let slot = match index.get(&key) {
                Some(i) => *i,
                None if !partitions.is_empty() => {
                    let p = (partition_hash(&key, depth) % partitions.len() as u64) as usize;
                    record.clear();
                    record.extend(g);
                    record.extend(r);
                    partitions[p].push(&record)?;
                    continue;
                }
                None => {
                    bytes += row_bytes(&g) + key.len() + state_bytes;
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
                if a.distinct || matches!(a.func, AggFunc::StringAgg | AggFunc::ArrayAgg) {
                    // States that keep their inputs grow with them.
                    bytes += row_bytes(&args);
                }
                states[slot].1[ai].update(a, args)?;
            }
            if may_spill && partitions.is_empty() && bytes > self.work_mem {
                for _ in 0..SPILL_PARTITIONS {
                    partitions.push(self.engine.spill.create_file()?);
                }
                tracing::debug!(
                    groups = states.len(),
                    depth,
                    work_mem = self.work_mem,
                    "hash aggregate spilling new groups to disk"
                );
            }
        }
        for p in partitions {
            if p.rows() > 0 {
                pending.push_back((p, depth + 1));
            }
        }
        for (g, st) in states {
            let mut row = g;
            for (a, s) in aggs.iter().zip(st) {
                row.push(s.finish(a)?);
            }
            out.push(row);
        }
        Ok(())
    }
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
    Distinct(HashSet<Vec<u8>>, Box<AggState>),
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
                SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => AggState::SumInt(0, 0),
                SqlType::Float4 | SqlType::Float8 => AggState::SumFloat(0.0, false, 0),
                _ => AggState::SumNumeric(None, 0),
            },
            AggFunc::Min | AggFunc::Max => AggState::Extreme(None),
            AggFunc::BoolAnd | AggFunc::BoolOr => AggState::Bool(None),
            AggFunc::StringAgg => AggState::Str(None),
            AggFunc::ArrayAgg => AggState::Arr(None),
            AggFunc::VarSamp | AggFunc::VarPop | AggFunc::StddevSamp | AggFunc::StddevPop => {
                match a.args[0].ty().ty {
                    SqlType::Float4 | SqlType::Float8 => AggState::VarFloat(0.0, 0.0, 0.0),
                    _ => AggState::VarNumeric(0, Numeric::zero(), Numeric::zero()),
                }
            }
        };
        if a.distinct {
            AggState::Distinct(HashSet::new(), Box::new(base))
        } else {
            base
        }
    }

    pub(super) fn update(&mut self, a: &AggCall, args: Vec<Datum>) -> SqlResult<()> {
        if let AggState::Arr(cur) = self {
            cur.get_or_insert_with(Vec::new)
                .push(args.into_iter().next().unwrap_or(Datum::Null));
            return Ok(());
        }
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
            AggState::Arr(_) => {}
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
            AggState::VarNumeric(n, sx, sxx) => {
                let x = v.as_numeric().unwrap_or_else(Numeric::zero);
                *n += 1;
                *sxx = sxx.add(&x.mul(&x)?);
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
        }
        Ok(())
    }

    pub(super) fn finish(self, a: &AggCall) -> SqlResult<Datum> {
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
            AggState::Arr(v) => v.map(Datum::Array).unwrap_or(Datum::Null),
            AggState::VarNumeric(n, sx, sxx) => {
                let sample = matches!(a.func, AggFunc::VarSamp | AggFunc::StddevSamp);
                if n == 0 || (sample && n == 1) {
                    return Ok(Datum::Null);
                }
                let vn = Numeric::from_i64(n);
                let num = vn.mul(&sxx)?.sub(&sx.mul(&sx)?);
                if num.is_negative() || num.is_zero() {
                    return Ok(Datum::Numeric(Numeric::zero()));
                }
                let den = if sample {
                    vn.mul(&Numeric::from_i64(n - 1))?
                } else {
                    vn.mul(&vn)?
                };
                let var = num.div(&den)?;
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
