//! Window functions: rows sorted by PARTITION BY then ORDER BY (stable),
//! peer groups by ORDER BY equality, frames in ROWS / RANGE / GROUPS units
//! with PostgreSQL's default (RANGE UNBOUNDED PRECEDING .. CURRENT ROW).

use super::aggregate::AggState;
use super::*;

fn cmp_partition(a: &[Datum], b: &[Datum], exprs: &[Expr]) -> Ordering {
    for (i, e) in exprs.iter().enumerate() {
        let c = compare(&a[i], &b[i], e.ty().ty);
        if c != Ordering::Equal {
            return c;
        }
    }
    Ordering::Equal
}

/// First index in 0..n where `f` holds, for `f` monotone false..true.
fn first_true(n: usize, f: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if f(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// One partition's rows in window order, with their peer groups.
struct Part<'p> {
    /// Row indexes (into the input) in window order.
    rows: &'p [usize],
    /// Per position: its peer group's index.
    group: Vec<usize>,
    /// Per peer group: [start, end) positions.
    groups: Vec<(usize, usize)>,
}

impl<'a> Ctx<'a> {
    pub(super) async fn window(
        &mut self,
        rows: Vec<Row>,
        calls: &[WindowCall],
        outer: &[Row],
    ) -> SqlResult<Vec<Row>> {
        let n = rows.len();
        let mut results: Vec<Vec<Datum>> = Vec::with_capacity(calls.len());
        let mut last: Vec<usize> = (0..n).collect();
        for call in calls {
            let mut pkeys = Vec::with_capacity(n);
            let mut okeys = Vec::with_capacity(n);
            for r in &rows {
                let mut p = Vec::with_capacity(call.partition.len());
                for e in &call.partition {
                    p.push(self.eval_row(e, r, outer).await?);
                }
                let mut o = Vec::with_capacity(call.order.len());
                for k in &call.order {
                    o.push(self.eval_row(&k.expr, r, outer).await?);
                }
                pkeys.push(p);
                okeys.push(o);
            }
            let mut perm: Vec<usize> = (0..n).collect();
            perm.sort_by(|&a, &b| {
                cmp_partition(&pkeys[a], &pkeys[b], &call.partition)
                    .then_with(|| super::sort::compare_sort_keys(&okeys[a], &okeys[b], &call.order))
            });
            let mut vals = vec![Datum::Null; n];
            let mut start = 0;
            while start < n {
                let mut end = start + 1;
                while end < n
                    && cmp_partition(&pkeys[perm[start]], &pkeys[perm[end]], &call.partition)
                        == Ordering::Equal
                {
                    end += 1;
                }
                let slice = &perm[start..end];
                let mut group = Vec::with_capacity(slice.len());
                let mut groups: Vec<(usize, usize)> = Vec::new();
                for (pos, &ri) in slice.iter().enumerate() {
                    let new_group = match groups.last() {
                        None => true,
                        Some(&(gs, _)) => {
                            super::sort::compare_sort_keys(
                                &okeys[slice[gs]],
                                &okeys[ri],
                                &call.order,
                            ) != Ordering::Equal
                        }
                    };
                    if new_group {
                        groups.push((pos, pos + 1));
                    } else if let Some(g) = groups.last_mut() {
                        g.1 = pos + 1;
                    }
                    group.push(groups.len() - 1);
                }
                let part = Part {
                    rows: slice,
                    group,
                    groups,
                };
                self.window_partition(call, &rows, &okeys, &part, &mut vals, outer)
                    .await?;
                start = end;
            }
            results.push(vals);
            last = perm;
        }
        let mut slots: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
        let mut out = Vec::with_capacity(n);
        for i in last {
            let mut r = slots[i].take().unwrap_or_default();
            for v in &results {
                r.push(v[i].clone());
            }
            out.push(r);
        }
        Ok(out)
    }

    async fn window_partition(
        &mut self,
        call: &WindowCall,
        rows: &[Row],
        okeys: &[Vec<Datum>],
        part: &Part<'_>,
        vals: &mut [Datum],
        outer: &[Row],
    ) -> SqlResult<()> {
        let m = part.rows.len();
        let row_at = |pos: usize| &rows[part.rows[pos]];
        match call.func {
            WinFunc::RowNumber => {
                for pos in 0..m {
                    vals[part.rows[pos]] = Datum::Int8(pos as i64 + 1);
                }
            }
            WinFunc::Rank => {
                for pos in 0..m {
                    vals[part.rows[pos]] = Datum::Int8(part.groups[part.group[pos]].0 as i64 + 1);
                }
            }
            WinFunc::DenseRank => {
                for pos in 0..m {
                    vals[part.rows[pos]] = Datum::Int8(part.group[pos] as i64 + 1);
                }
            }
            WinFunc::PercentRank => {
                for pos in 0..m {
                    let rank = part.groups[part.group[pos]].0 as f64;
                    vals[part.rows[pos]] =
                        Datum::Float8(if m > 1 { rank / (m - 1) as f64 } else { 0.0 });
                }
            }
            WinFunc::CumeDist => {
                for pos in 0..m {
                    let end = part.groups[part.group[pos]].1 as f64;
                    vals[part.rows[pos]] = Datum::Float8(end / m as f64);
                }
            }
            WinFunc::Ntile => {
                let k = self.eval_row(&call.args[0], row_at(0), outer).await?;
                let Some(k) = k.as_i64() else {
                    return Ok(());
                };
                if k <= 0 {
                    return Err(SqlError::new(
                        "22014",
                        "argument of ntile must be greater than zero",
                    ));
                }
                let k = k as usize;
                let per = m / k;
                let extra = m % k;
                let mut bucket = 1usize;
                let mut left = if extra > 0 { per + 1 } else { per };
                for pos in 0..m {
                    if left == 0 {
                        bucket += 1;
                        left = if bucket <= extra { per + 1 } else { per };
                    }
                    vals[part.rows[pos]] = Datum::Int4(bucket as i32);
                    left = left.saturating_sub(1);
                }
            }
            WinFunc::Lag | WinFunc::Lead => {
                for pos in 0..m {
                    let cur = row_at(pos);
                    let off = match call.args.get(1) {
                        Some(e) => match self.eval_row(e, cur, outer).await?.as_i64() {
                            Some(o) => o,
                            None => continue,
                        },
                        None => 1,
                    };
                    let target = if call.func == WinFunc::Lag {
                        pos as i64 - off
                    } else {
                        pos as i64 + off
                    };
                    let v = if target >= 0 && (target as usize) < m {
                        self.eval_row(&call.args[0], row_at(target as usize), outer)
                            .await?
                    } else if let Some(d) = call.args.get(2) {
                        self.eval_row(d, cur, outer).await?
                    } else {
                        Datum::Null
                    };
                    vals[part.rows[pos]] = v;
                }
            }
            WinFunc::FirstValue | WinFunc::LastValue | WinFunc::NthValue | WinFunc::Agg(_) => {
                let frames = self.frames(call, rows, okeys, part, outer).await?;
                self.framed(call, rows, part, &frames, vals, outer).await?;
            }
        }
        Ok(())
    }

    /// Each position's frame as [lo, hi) positions of the partition.
    async fn frames(
        &mut self,
        call: &WindowCall,
        rows: &[Row],
        okeys: &[Vec<Datum>],
        part: &Part<'_>,
        outer: &[Row],
    ) -> SqlResult<Vec<(usize, usize)>> {
        let m = part.rows.len();
        let units = call.frame.units;
        // ROWS / GROUPS offsets are row-independent: evaluate once.
        let mut counts = [0usize; 2];
        for (slot, (b, what)) in [(&call.frame.start, "starting"), (&call.frame.end, "ending")]
            .into_iter()
            .enumerate()
        {
            if let FrameBound::Preceding { offset, .. } | FrameBound::Following { offset, .. } = b {
                let d = self.eval_row(offset, &[], outer).await?;
                if d.is_null() {
                    return Err(SqlError::new(
                        "22004",
                        format!("frame {what} offset must not be null"),
                    ));
                }
                let negative = compare(&d, &Datum::Int8(0), offset.ty().ty) == Ordering::Less;
                if units == FrameUnits::Range {
                    if negative {
                        return Err(SqlError::new(
                            "22013",
                            "invalid preceding or following size in window function",
                        ));
                    }
                } else {
                    if negative {
                        return Err(SqlError::new(
                            "22013",
                            format!("frame {what} offset must not be negative"),
                        ));
                    }
                    counts[slot] = usize::try_from(d.as_i64().unwrap_or(0)).unwrap_or(usize::MAX);
                }
            }
        }
        let key0 = |pos: usize| -> &Datum { &okeys[part.rows[pos]][0] };
        let (desc, nulls_first, kty) = call
            .order
            .first()
            .map(|k| (k.desc, k.nulls_first, k.expr.ty().ty))
            .unwrap_or((false, false, SqlType::Unknown));
        let ngroups = part.groups.len();
        let mut out = Vec::with_capacity(m);
        for pos in 0..m {
            let g = part.group[pos];
            let (gs, ge) = part.groups[g];
            let mut bounds = [0usize; 2];
            for (slot, b) in [&call.frame.start, &call.frame.end].into_iter().enumerate() {
                let is_start = slot == 0;
                let k = counts[slot];
                bounds[slot] = match b {
                    FrameBound::UnboundedPreceding => 0,
                    FrameBound::UnboundedFollowing => m,
                    FrameBound::CurrentRow => match (units, is_start) {
                        (FrameUnits::Rows, true) => pos,
                        (FrameUnits::Rows, false) => pos + 1,
                        (_, true) => gs,
                        (_, false) => ge,
                    },
                    FrameBound::Preceding { bound, .. } | FrameBound::Following { bound, .. } => {
                        let preceding = matches!(b, FrameBound::Preceding { .. });
                        match units {
                            FrameUnits::Rows => {
                                let base = if is_start { pos } else { pos + 1 };
                                if preceding {
                                    base.saturating_sub(k)
                                } else {
                                    base.saturating_add(k).min(m)
                                }
                            }
                            FrameUnits::Groups => {
                                let tg = if preceding {
                                    g.checked_sub(k)
                                } else {
                                    g.checked_add(k).filter(|t| *t < ngroups)
                                };
                                match (tg, is_start) {
                                    (Some(t), true) => part.groups[t].0,
                                    (Some(t), false) => part.groups[t].1,
                                    (None, _) if preceding => 0,
                                    (None, _) => m,
                                }
                            }
                            FrameUnits::Range => {
                                let Some(bexpr) = bound else {
                                    return Err(SqlError::internal("RANGE bound not bound"));
                                };
                                let cur = &rows[part.rows[pos]];
                                if key0(pos).is_null() {
                                    if is_start {
                                        gs
                                    } else {
                                        ge
                                    }
                                } else {
                                    let bv = self.eval_row(bexpr, cur, outer).await?;
                                    if is_start {
                                        first_true(m, |j| {
                                            let kj = key0(j);
                                            if kj.is_null() {
                                                return !nulls_first;
                                            }
                                            let c = compare(kj, &bv, kty);
                                            if desc {
                                                c != Ordering::Greater
                                            } else {
                                                c != Ordering::Less
                                            }
                                        })
                                    } else {
                                        first_true(m, |j| {
                                            let kj = key0(j);
                                            if kj.is_null() {
                                                return !nulls_first;
                                            }
                                            let c = compare(kj, &bv, kty);
                                            if desc {
                                                c == Ordering::Less
                                            } else {
                                                c == Ordering::Greater
                                            }
                                        })
                                    }
                                }
                            }
                        }
                    }
                };
            }
            out.push((bounds[0], bounds[1].max(bounds[0])));
        }
        Ok(out)
    }

    /// first_value / last_value / nth_value and aggregates over each row's frame.
    async fn framed(
        &mut self,
        call: &WindowCall,
        rows: &[Row],
        part: &Part<'_>,
        frames: &[(usize, usize)],
        vals: &mut [Datum],
        outer: &[Row],
    ) -> SqlResult<()> {
        let m = part.rows.len();
        if let WinFunc::Agg(func) = call.func {
            let agg = AggCall {
                func,
                args: call.args.clone(),
                distinct: false,
                ty: call.ty,
                filter: None,
                order_by: vec![],
            };
            // Arguments per position; None where FILTER rejects the row.
            let mut argv: Vec<Option<Vec<Datum>>> = Vec::with_capacity(m);
            for pos in 0..m {
                let r = &rows[part.rows[pos]];
                if let Some(f) = &call.filter {
                    if !self.predicate(f, r, outer).await? {
                        argv.push(None);
                        continue;
                    }
                }
                let mut a = Vec::with_capacity(call.args.len());
                for e in &call.args {
                    a.push(self.eval_row(e, r, outer).await?);
                }
                argv.push(Some(a));
            }
            let mut state = AggState::new(&agg);
            let (mut slo, mut shi) = (0usize, 0usize);
            let mut prev: Option<((usize, usize), Datum)> = None;
            for pos in 0..m {
                let (lo, hi) = frames[pos];
                if let Some((f, v)) = &prev {
                    if *f == (lo, hi) {
                        vals[part.rows[pos]] = v.clone();
                        continue;
                    }
                }
                if lo != slo || hi < shi {
                    state = AggState::new(&agg);
                    slo = lo;
                    shi = lo;
                }
                while shi < hi {
                    if let Some(a) = &argv[shi] {
                        state.update(&agg, a.clone())?;
                    }
                    shi += 1;
                }
                let v = state.clone().finish(&agg)?;
                vals[part.rows[pos]] = v.clone();
                prev = Some(((lo, hi), v));
            }
            return Ok(());
        }
        for pos in 0..m {
            let (lo, hi) = frames[pos];
            let target = match call.func {
                WinFunc::FirstValue => (lo < hi).then_some(lo),
                WinFunc::LastValue => (lo < hi).then(|| hi - 1),
                _ => {
                    let nth = self
                        .eval_row(&call.args[1], &rows[part.rows[pos]], outer)
                        .await?;
                    let Some(nth) = nth.as_i64() else {
                        continue;
                    };
                    if nth <= 0 {
                        return Err(SqlError::new(
                            "22016",
                            "argument of nth_value must be greater than zero",
                        ));
                    }
                    let t = lo.saturating_add(usize::try_from(nth - 1).unwrap_or(usize::MAX));
                    (t < hi).then_some(t)
                }
            };
            vals[part.rows[pos]] = match target {
                Some(t) => {
                    self.eval_row(&call.args[0], &rows[part.rows[t]], outer)
                        .await?
                }
                None => Datum::Null,
            };
        }
        Ok(())
    }
}
