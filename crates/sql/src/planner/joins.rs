//! Join planning for one SELECT's FROM list and WHERE clause. The inner and
//! cross joins of the FROM list form one set of relations; outer and lateral
//! joins, derived tables and the like are single relations of that set (they
//! are never reordered across, only planned inside). The WHERE clause and
//! the ON conditions of the inner joins are split into conjuncts: a conjunct
//! over one relation filters that relation (and can choose its access path),
//! an equality between already-joined relations and the next one becomes a
//! hash-join key, and any other conjunct is checked at the first join where
//! all its relations are present. The order is greedy: the relation with the
//! fewest estimated rows first, then repeatedly the smallest relation tied to
//! the joined ones by a hash-join equality (else by any condition; a cross
//! product only when nothing is connected); where ANALYZE gave both columns
//! of a `column = column` key distinct counts, "smallest" is the estimated
//! join result (rows / the larger distinct count) rather than the rows. A projection restores the FROM
//! column order, and conjuncts that must see that row (correlated subqueries,
//! `nextval`) are checked after it. Every conjunct takes effect exactly once
//! (a hash key through key equality, which never matches NULL), so results
//! equal those of filtering the cross product.

use super::choose_access;
use super::estimate::{column_distinct, equijoin_selectivity, estimated_rows};
use crate::plan::{Access, BinOp, Expr, Func, HashKey, JoinKind, Plan, SetOpKind};
use crate::types::{ColType, SqlType};

/// Relation sets are bit sets; a larger FROM list is filtered as written.
const MAX_RELATIONS: usize = 128;
type RelSet = u128;

/// One relation of the join set: its plan and its columns' place in the
/// FROM-order row.
struct Relation {
    plan: Plan,
    offset: usize,
    width: usize,
    /// Conjuncts over this relation only (FROM-order columns).
    filters: Vec<Expr>,
}

/// A conjunct over two or more relations, waiting for its join.
struct JoinConjunct {
    expr: Expr,
    rels: RelSet,
    applied: bool,
}

/// Plans the FROM clause `from` (as bound: `width` columns of types `types`)
/// filtered by `predicate`. The result returns the same rows, with columns
/// in FROM order.
pub fn plan_from_where(from: Plan, predicate: Option<Expr>, types: &[ColType]) -> Plan {
    plan_join_set(from, predicate, types.len(), Some(types))
}

/// As `plan_from_where`; without column types the relations keep FROM order.
fn plan_join_set(
    from: Plan,
    predicate: Option<Expr>,
    width: usize,
    types: Option<&[ColType]>,
) -> Plan {
    if count_relations(&from, width) > MAX_RELATIONS {
        return filter_as_written(plan_inside(from), predicate);
    }
    let mut rels = Vec::new();
    let mut conjuncts = Vec::new();
    flatten(from, 0, width, &mut rels, &mut conjuncts);
    if rels.len() == 1 {
        let Some(rel) = rels.pop() else {
            unreachable!("one relation was just counted")
        };
        return filter_as_written(rel.plan, predicate);
    }
    if let Some(p) = predicate {
        split_conjuncts(p, &mut conjuncts);
    }
    // Classify: after the join, at the first relation, on one relation, or at a join.
    let mut after_join = Vec::new();
    let mut constant = Vec::new();
    let mut pending = Vec::new();
    for c in conjuncts {
        if must_see_whole_row(&c) {
            after_join.push(c);
            continue;
        }
        let rs = relations_of(&c, &rels);
        match rs.count_ones() {
            0 => constant.push(c),
            1 => rels[rs.trailing_zeros() as usize].filters.push(c),
            _ => pending.push(JoinConjunct {
                expr: c,
                rels: rs,
                applied: false,
            }),
        }
    }
    let offsets: Vec<usize> = rels.iter().map(|r| r.offset).collect();
    let widths: Vec<usize> = rels.iter().map(|r| r.width).collect();
    let mut slots: Vec<Option<Plan>> = rels.into_iter().map(|r| Some(filter_relation(r))).collect();
    let estimates: Vec<f64> = slots
        .iter()
        .map(|p| p.as_ref().map_or(0.0, estimated_rows))
        .collect();
    // Distinct values of each FROM-order column, where ANALYZE has seen it.
    let distinct: Vec<Option<f64>> = slots
        .iter()
        .zip(&widths)
        .flat_map(|(p, &w)| (0..w).map(move |c| p.as_ref().and_then(|p| column_distinct(p, c))))
        .collect();
    let order = join_order(
        &estimates,
        &pending,
        &offsets,
        &widths,
        &distinct,
        types.is_some(),
    );

    // `layout[c]`: where FROM-order column c is in the row built so far.
    let mut layout = vec![usize::MAX; width];
    let mut joined: RelSet = 0;
    let mut plan: Option<Plan> = None;
    let mut built_width = 0;
    for &r in &order {
        let Some(mut right) = slots[r].take() else {
            unreachable!("a relation joined twice")
        };
        if plan.is_none() && !constant.is_empty() {
            // Conditions on no relation (constants, outer references) filter the first.
            right = Plan::Filter {
                input: Box::new(right),
                predicate: conjunction(std::mem::take(&mut constant)),
            };
        }
        for j in 0..widths[r] {
            layout[offsets[r] + j] = built_width + j;
        }
        let Some(left) = plan.take() else {
            plan = Some(right);
            joined |= 1 << r;
            built_width = widths[r];
            continue;
        };
        let mut keys = Vec::new();
        let mut residual = Vec::new();
        for c in pending.iter_mut().filter(|c| !c.applied) {
            if c.rels & !(joined | 1 << r) != 0 {
                continue;
            }
            c.applied = true;
            match hash_key(&c.expr, joined, r, &offsets, &widths) {
                Some(mut k) => {
                    k.left.map_columns(&|i| layout[i]);
                    k.right.map_columns(&|i| i - offsets[r]);
                    keys.push(k);
                }
                None => {
                    let mut e = c.expr.clone();
                    e.map_columns(&|i| layout[i]);
                    residual.push(e);
                }
            }
        }
        let residual = (!residual.is_empty()).then(|| conjunction(residual));
        plan = Some(if keys.is_empty() {
            Plan::Join {
                left: Box::new(left),
                right: Box::new(right),
                kind: JoinKind::Inner,
                on: residual,
                left_width: built_width,
                right_width: widths[r],
            }
        } else {
            Plan::HashJoin {
                left: Box::new(left),
                right: Box::new(right),
                keys,
                residual,
                left_width: built_width,
                right_width: widths[r],
            }
        });
        joined |= 1 << r;
        built_width += widths[r];
    }
    debug_assert!(
        pending.iter().all(|c| c.applied),
        "every conjunct is placed"
    );
    debug_assert_eq!(built_width, width);
    let Some(mut plan) = plan else {
        unreachable!("a join set has at least two relations")
    };
    if layout.iter().enumerate().any(|(c, &p)| c != p) {
        let Some(types) = types else {
            unreachable!("relations are only reordered when column types are known")
        };
        plan = Plan::Project {
            input: Box::new(plan),
            exprs: layout
                .iter()
                .zip(types)
                .map(|(&p, &t)| Expr::Column(p, t))
                .collect(),
        };
    }
    if !after_join.is_empty() {
        plan = Plan::Filter {
            input: Box::new(plan),
            predicate: conjunction(after_join),
        };
    }
    plan
}

/// The greedy join order (indexes into the relations, FROM order).
/// `distinct[c]`: distinct values of FROM-order column c, from ANALYZE.
fn join_order(
    estimates: &[f64],
    pending: &[JoinConjunct],
    offsets: &[usize],
    widths: &[usize],
    distinct: &[Option<f64>],
    may_reorder: bool,
) -> Vec<usize> {
    let n = estimates.len();
    if !may_reorder {
        return (0..n).collect();
    }
    let mut order = Vec::with_capacity(n);
    let mut joined: RelSet = 0;
    while order.len() < n {
        let free = || (0..n).filter(move |&r| joined & (1 << r) == 0);
        let ready = |r: usize| {
            pending
                .iter()
                .filter(move |c| c.rels & (1 << r) != 0 && c.rels & !(joined | 1 << r) == 0)
        };
        // The estimate of joining r next, relative to the other candidates:
        // its rows, times the selectivity of each `column = column` key whose
        // columns both have statistics (without them, just its rows).
        let score = |r: usize| {
            ready(r)
                .filter_map(|c| column_pair_distinct(&c.expr, distinct))
                .fold(estimates[r], |acc, nd| {
                    acc * equijoin_selectivity(nd.0, nd.1)
                })
        };
        // Smallest score first; ties keep FROM order.
        let smallest = |candidates: &mut dyn Iterator<Item = usize>| {
            candidates.min_by(|&a, &b| score(a).total_cmp(&score(b)).then(a.cmp(&b)))
        };
        let next = if joined == 0 {
            free().min_by(|&a, &b| estimates[a].total_cmp(&estimates[b]).then(a.cmp(&b)))
        } else {
            smallest(&mut free().filter(|&r| {
                ready(r).any(|c| hash_key(&c.expr, joined, r, offsets, widths).is_some())
            }))
            .or_else(|| smallest(&mut free().filter(|&r| ready(r).next().is_some())))
            .or_else(|| smallest(&mut free()))
        };
        let Some(next) = next else {
            unreachable!("a relation is left to join")
        };
        order.push(next);
        joined |= 1 << next;
    }
    order
}

/// The distinct counts of both columns of a `column = column` conjunct, if
/// both are known.
fn column_pair_distinct(conjunct: &Expr, distinct: &[Option<f64>]) -> Option<(f64, f64)> {
    let Expr::Binary {
        op: BinOp::Eq,
        left,
        right,
        ..
    } = conjunct
    else {
        return None;
    };
    let (Expr::Column(a, _), Expr::Column(b, _)) = (left.as_ref(), right.as_ref()) else {
        return None;
    };
    Some(((*distinct.get(*a)?)?, (*distinct.get(*b)?)?))
}

/// `conjunct` as a hash-join key joining relation `r` to the relations
/// `joined` (FROM-order columns), if it is an equality of a hashable type
/// between an expression over `joined` and one over `r`.
fn hash_key(
    conjunct: &Expr,
    joined: RelSet,
    r: usize,
    offsets: &[usize],
    widths: &[usize],
) -> Option<HashKey> {
    let Expr::Binary {
        op: BinOp::Eq,
        left,
        right,
        operand,
        ..
    } = conjunct
    else {
        return None;
    };
    if !HashKey::encodes_equality(*operand, left.ty().ty)
        || !HashKey::encodes_equality(*operand, right.ty().ty)
    {
        return None;
    }
    if left.has_subquery() || right.has_subquery() {
        return None;
    }
    let rels = |e: &Expr| {
        let mut rs: RelSet = 0;
        for_each_column(e, &mut |c| {
            if let Some(i) =
                (0..offsets.len()).find(|&i| c >= offsets[i] && c < offsets[i] + widths[i])
            {
                rs |= 1 << i;
            }
        });
        rs
    };
    let (l, rr) = (rels(left), rels(right));
    let only_r: RelSet = 1 << r;
    let within_joined = |s: RelSet| s != 0 && s & !joined == 0;
    if within_joined(l) && rr == only_r {
        Some(HashKey {
            left: (**left).clone(),
            right: (**right).clone(),
            ty: *operand,
        })
    } else if within_joined(rr) && l == only_r {
        Some(HashKey {
            left: (**right).clone(),
            right: (**left).clone(),
            ty: *operand,
        })
    } else {
        None
    }
}

/// Splits nested ANDs into their operands, in evaluation order.
fn split_conjuncts(e: Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::Binary {
            op: BinOp::And,
            left,
            right,
            ..
        } => {
            split_conjuncts(*left, out);
            split_conjuncts(*right, out);
        }
        other => out.push(other),
    }
}

/// The AND of `cs` (left-deep, in order); `cs` is not empty.
fn conjunction(cs: Vec<Expr>) -> Expr {
    Expr::conjunction(cs).expect("a conjunction of nothing")
}

fn for_each_column(e: &Expr, f: &mut dyn FnMut(usize)) {
    if let Expr::Column(i, _) = e {
        f(*i);
        return;
    }
    e.for_each_child(&mut |c| for_each_column(c, f));
}

/// The relations whose columns `e` reads.
fn relations_of(e: &Expr, rels: &[Relation]) -> RelSet {
    let mut rs: RelSet = 0;
    for_each_column(e, &mut |c| {
        if let Some(i) = rels
            .iter()
            .position(|r| c >= r.offset && c < r.offset + r.width)
        {
            rs |= 1 << i;
        }
    });
    rs
}

/// A conjunct that must be checked on the finished FROM-order row: a
/// correlated subquery reads that row by position, and `nextval` must run
/// once per row of the result as written.
fn must_see_whole_row(e: &Expr) -> bool {
    match e {
        Expr::Subquery {
            correlated: true, ..
        } => true,
        Expr::Func {
            func: Func::NextVal | Func::Sequence(_),
            ..
        } => true,
        _ => {
            let mut found = false;
            e.for_each_child(&mut |c| found = found || must_see_whole_row(c));
            found
        }
    }
}

/// Flattens the inner joins of `plan` (columns from `offset`, `width` wide)
/// into relations, collecting their ON conjuncts (FROM-order columns).
fn flatten(
    plan: Plan,
    offset: usize,
    width: usize,
    rels: &mut Vec<Relation>,
    conjuncts: &mut Vec<Expr>,
) {
    match plan {
        Plan::Join {
            left,
            right,
            kind: JoinKind::Inner,
            on,
            left_width,
            right_width,
        } if left_width + right_width == width
            && on.as_ref().is_none_or(|e| !must_see_whole_row(e)) =>
        {
            flatten(*left, offset, left_width, rels, conjuncts);
            flatten(*right, offset + left_width, right_width, rels, conjuncts);
            if let Some(on) = on {
                let mut cs = Vec::new();
                split_conjuncts(on, &mut cs);
                for mut c in cs {
                    c.map_columns(&|i| i + offset);
                    conjuncts.push(c);
                }
            }
        }
        other => rels.push(Relation {
            plan: plan_inside(other),
            offset,
            width,
            filters: Vec::new(),
        }),
    }
}

/// How many relations `flatten` would make of `plan`.
fn count_relations(plan: &Plan, width: usize) -> usize {
    match plan {
        Plan::Join {
            left,
            right,
            kind: JoinKind::Inner,
            on,
            left_width,
            right_width,
        } if left_width + right_width == width
            && on.as_ref().is_none_or(|e| !must_see_whole_row(e)) =>
        {
            count_relations(left, *left_width) + count_relations(right, *right_width)
        }
        _ => 1,
    }
}

/// Plans the join sets inside a relation that is not itself reordered: the
/// inputs of outer joins and of JOIN ... USING's merging projection.
fn plan_inside(plan: Plan) -> Plan {
    match plan {
        Plan::Join {
            left,
            right,
            kind,
            on,
            left_width,
            right_width,
        } => Plan::Join {
            left: Box::new(plan_nested(*left, left_width)),
            right: Box::new(plan_nested(*right, right_width)),
            kind,
            on,
            left_width,
            right_width,
        },
        Plan::Project { input, exprs } => match *input {
            Plan::Join {
                left_width,
                right_width,
                ..
            } => Plan::Project {
                input: Box::new(plan_nested(*input, left_width + right_width)),
                exprs,
            },
            other => Plan::Project {
                input: Box::new(other),
                exprs,
            },
        },
        other => other,
    }
}

/// A join set nested in another plan: reordered only if its column types are known.
fn plan_nested(plan: Plan, width: usize) -> Plan {
    let types = output_types(&plan).filter(|t| t.len() == width);
    plan_join_set(plan, None, width, types.as_deref())
}

/// Column types of what `plan` returns, where they are evident.
fn output_types(plan: &Plan) -> Option<Vec<ColType>> {
    match plan {
        Plan::Scan {
            table,
            row_versions,
            ..
        } => {
            let mut types: Vec<ColType> = table.columns.iter().map(|c| c.ty).collect();
            if *row_versions {
                types.extend([SqlType::Oid.plain(), SqlType::Oid.plain()]);
            }
            Some(types)
        }
        Plan::Values { rows, width } => match rows.first() {
            Some(r) => Some(r.iter().map(Expr::ty).collect()),
            None if *width == 0 => Some(Vec::new()),
            None => None,
        },
        Plan::Project { exprs, .. } => Some(exprs.iter().map(Expr::ty).collect()),
        Plan::Filter { input, .. } => output_types(input),
        Plan::Join { left, right, .. } | Plan::HashJoin { left, right, .. } => {
            let mut t = output_types(left)?;
            t.extend(output_types(right)?);
            Some(t)
        }
        _ => None,
    }
}

/// The single-relation plan with its filter conjuncts (FROM-order columns).
fn filter_relation(rel: Relation) -> Plan {
    if rel.filters.is_empty() {
        return rel.plan;
    }
    let mut predicate = conjunction(rel.filters);
    predicate.map_columns(&|i| i - rel.offset);
    filter_as_written(rel.plan, Some(predicate))
}

/// `plan` filtered by `predicate`: a scan takes it as its filter and picks
/// an access path from it; anything else gets a filter node.
fn filter_as_written(plan: Plan, predicate: Option<Expr>) -> Plan {
    let Some(predicate) = predicate else {
        return plan;
    };
    match plan {
        Plan::Scan {
            table,
            filter: None,
            lock,
            row_versions,
            alias,
            ..
        } => {
            let access: Access = choose_access(&table, &predicate);
            Plan::Scan {
                table,
                access,
                filter: Some(predicate),
                lock,
                row_versions,
                alias,
            }
        }
        // A scan behind a security filter (row-level security): one scan
        // applying the security quals first, then the statement's; only its
        // leakproof conditions may choose the access path.
        Plan::Filter {
            input,
            predicate: security,
        } if matches!(input.as_ref(), Plan::Scan { filter: None, .. }) => {
            let Plan::Scan {
                table,
                lock,
                row_versions,
                alias,
                ..
            } = *input
            else {
                unreachable!("matched a scan above")
            };
            let access = crate::row_security_scan::leakproof_key_quals(&predicate)
                .map_or(Access::Full, |quals| choose_access(&table, &quals));
            Plan::Scan {
                table,
                access,
                filter: Some(Expr::Binary {
                    op: BinOp::And,
                    left: Box::new(security),
                    right: Box::new(predicate),
                    operand: SqlType::Bool,
                    ty: SqlType::Bool.plain(),
                }),
                lock,
                row_versions,
                alias,
            }
        }
        // A partitioned table's leaves (same column types on both sides):
        // each leaf scan takes the filter and picks its own access path.
        Plan::SetOp {
            op: SetOpKind::Union,
            all: true,
            left,
            right,
            types,
        } if scans_of(&left, &types) && scans_of(&right, &types) => Plan::SetOp {
            op: SetOpKind::Union,
            all: true,
            left: Box::new(filter_as_written(*left, Some(predicate.clone()))),
            right: Box::new(filter_as_written(*right, Some(predicate))),
            types,
        },
        other => Plan::Filter {
            input: Box::new(other),
            predicate,
        },
    }
}

/// Is `plan` table scans (or a UNION ALL of them) returning columns of `types`?
fn scans_of(plan: &Plan, types: &[SqlType]) -> bool {
    match plan {
        Plan::Scan {
            table,
            row_versions: false,
            ..
        } => {
            table.columns.len() == types.len()
                && table.columns.iter().zip(types).all(|(c, t)| c.ty.ty == *t)
        }
        Plan::SetOp {
            op: SetOpKind::Union,
            all: true,
            left,
            right,
            ..
        } => scans_of(left, types) && scans_of(right, types),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(a: usize, b: usize) -> JoinConjunct {
        let col = |i| Box::new(Expr::Column(i, SqlType::Int4.plain()));
        JoinConjunct {
            expr: Expr::Binary {
                op: BinOp::Eq,
                left: col(a),
                right: col(b),
                operand: SqlType::Int4,
                ty: SqlType::Bool.plain(),
            },
            rels: 1 << a | 1 << b,
            applied: false,
        }
    }

    #[test]
    fn greedy_order_starts_small_and_follows_equalities() {
        // One single-column relation per column.
        let (offsets, widths) = ([0, 1, 2, 3], [1, 1, 1, 1]);
        let estimates = [1000.0, 1.0, 500.0, 10.0];
        let chain = [eq(0, 1), eq(0, 2), eq(2, 3)];
        assert_eq!(
            join_order(&estimates, &chain, &offsets, &widths, &[], true),
            vec![1, 0, 2, 3],
            "relation 3 (10 rows) waits until 2, its only equality partner, is joined"
        );
        // Nothing connected: smallest first, each time.
        assert_eq!(
            join_order(&estimates, &[], &offsets, &widths, &[], true),
            vec![1, 3, 2, 0]
        );
        // Column types unknown: FROM order.
        assert_eq!(
            join_order(&estimates, &chain, &offsets, &widths, &[], false),
            vec![0, 1, 2, 3]
        );
    }

    #[test]
    fn statistics_rank_joins_by_their_estimated_size() {
        let (offsets, widths) = ([0, 1, 2], [1, 1, 1]);
        let estimates = [1.0, 1000.0, 1000.0];
        let star = [eq(0, 1), eq(0, 2)];
        // Equal sizes: FROM order.
        assert_eq!(
            join_order(&estimates, &star, &offsets, &widths, &[], true),
            vec![0, 1, 2]
        );
        // Relation 1's key has 2 values (a match keeps half its rows),
        // relation 2's 1000: joining 2 first keeps the intermediate result small.
        let distinct = [Some(1.0), Some(2.0), Some(1000.0)];
        assert_eq!(
            join_order(&estimates, &star, &offsets, &widths, &distinct, true),
            vec![0, 2, 1]
        );
    }
}
