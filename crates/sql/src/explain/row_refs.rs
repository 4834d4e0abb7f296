//! Which columns of a row a plan fragment reads: the parameters PostgreSQL
//! passes a correlated subplan (its references to the enclosing row) and
//! the columns a gating Result needs from the scan below it. EXPLAIN uses
//! them to number subplan parameters and to list a node's `Output:`.

use crate::plan::{Access, Expr, Plan};

/// Adds `index` to `out` unless it is there already (first use wins).
fn note(out: &mut Vec<usize>, index: usize) {
    if !out.contains(&index) {
        out.push(index);
    }
}

/// Columns of the row `level` enclosing queries out that `e` reads
/// (level 0: `e`'s own row).
fn expr_refs(e: &Expr, level: usize, out: &mut Vec<usize>) {
    match e {
        Expr::Column(i, _) if level == 0 => note(out, *i),
        Expr::Outer { depth, index, .. } if *depth == level => note(out, *index),
        Expr::Subquery { plan, .. } => plan_refs(&plan.plan, level + 1, out),
        _ => {}
    }
    e.for_each_child(&mut |c| expr_refs(c, level, out));
}

fn access_exprs(access: &Access) -> Vec<&Expr> {
    match access {
        Access::Full => Vec::new(),
        Access::Point(keys) => keys.iter().collect(),
        Access::Points(keys) => keys.iter().flatten().collect(),
        Access::Index { prefix, .. } => prefix.iter().collect(),
        Access::Range {
            prefix,
            lower,
            upper,
        } => prefix
            .iter()
            .chain(lower.iter().map(|(e, _)| e))
            .chain(upper.iter().map(|(e, _)| e))
            .collect(),
    }
}

/// Columns of the row `level` queries out of `plan` that it reads.
fn plan_refs(plan: &Plan, level: usize, out: &mut Vec<usize>) {
    walk_plan(plan, level, &mut |e, level| expr_refs(e, level, out));
}

/// Calls `visit` with every expression of `plan`'s nodes (not descending
/// into the expressions) and the nesting level it is evaluated at.
fn walk_plan<'p>(plan: &'p Plan, level: usize, visit: &mut dyn FnMut(&'p Expr, usize)) {
    let each = |list: &mut dyn Iterator<Item = &'p Expr>,
                visit: &mut dyn FnMut(&'p Expr, usize)| {
        for e in list {
            visit(e, level);
        }
    };
    match plan {
        Plan::Values { rows, .. } => each(&mut rows.iter().flatten(), visit),
        Plan::Scan { access, filter, .. } => {
            each(&mut access_exprs(access).into_iter().chain(filter), visit)
        }
        Plan::Filter { input, predicate } => {
            walk_plan(input, level, visit);
            each(&mut std::iter::once(predicate), visit);
        }
        Plan::Project { input, exprs } => {
            walk_plan(input, level, visit);
            each(&mut exprs.iter(), visit);
        }
        Plan::Join {
            left, right, on, ..
        } => {
            walk_plan(left, level, visit);
            walk_plan(right, level, visit);
            each(&mut on.iter(), visit);
        }
        Plan::HashJoin {
            left,
            right,
            keys,
            residual,
            ..
        } => {
            walk_plan(left, level, visit);
            walk_plan(right, level, visit);
            let mut list = keys
                .iter()
                .flat_map(|k| [&k.left, &k.right])
                .chain(residual);
            each(&mut list, visit);
        }
        // The right side runs once per left row, that row one level out.
        Plan::LateralJoin {
            left, right, on, ..
        } => {
            walk_plan(left, level, visit);
            walk_plan(right, level + 1, visit);
            each(&mut on.iter(), visit);
        }
        Plan::Window { input, .. }
        | Plan::ProjectSet { input, .. }
        | Plan::Distinct { input }
        | Plan::DistinctOn { input, .. } => walk_plan(input, level, visit),
        Plan::RecursiveUnion {
            base, recursive, ..
        } => {
            walk_plan(base, level, visit);
            walk_plan(recursive, level, visit);
        }
        Plan::WorkTable { .. } => {}
        Plan::UserFunction { call, .. } => each(&mut std::iter::once(call), visit),
        Plan::Series { args, .. } => each(&mut args.iter(), visit),
        Plan::Aggregate {
            input,
            groups,
            aggs,
        } => {
            walk_plan(input, level, visit);
            let mut list = groups
                .iter()
                .chain(aggs.iter().flat_map(|a| a.args.iter().chain(&a.filter)));
            each(&mut list, visit);
        }
        Plan::Sort { input, keys } => {
            walk_plan(input, level, visit);
            each(&mut keys.iter().map(|k| &k.expr), visit);
        }
        Plan::Limit {
            input,
            limit,
            offset,
        } => {
            walk_plan(input, level, visit);
            each(&mut limit.iter().chain(offset), visit);
        }
        Plan::SetOp { left, right, .. } => {
            walk_plan(left, level, visit);
            walk_plan(right, level, visit);
        }
    }
}

/// The plans of the subqueries `plan`'s expressions run, at any depth.
pub(super) fn nested_subqueries(plan: &Plan) -> Vec<&Plan> {
    fn in_expr<'p>(e: &'p Expr, out: &mut Vec<&'p Plan>) {
        if let Expr::Subquery { plan, .. } = e {
            out.push(&plan.plan);
            let mut inner = Vec::new();
            walk_plan(&plan.plan, 0, &mut |e, _| in_expr(e, &mut inner));
            out.extend(inner);
        }
        e.for_each_child(&mut |c| in_expr(c, out));
    }
    let mut out = Vec::new();
    walk_plan(plan, 0, &mut |e, _| in_expr(e, &mut out));
    out
}

/// The enclosing row's columns a subquery's plan reads (its correlation
/// parameters), in order of first reference.
pub(super) fn correlation_columns(plan: &Plan) -> Vec<usize> {
    let mut out = Vec::new();
    plan_refs(plan, 1, &mut out);
    out
}

/// The columns of their row that `exprs` read, directly or as the
/// correlation parameters of their subqueries, in order of first use.
pub(super) fn columns_read(exprs: &[&Expr]) -> Vec<usize> {
    let mut out = Vec::new();
    for e in exprs {
        expr_refs(e, 0, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::QueryPlan;
    use crate::types::SqlType;
    use std::sync::Arc;

    fn int() -> crate::types::ColType {
        SqlType::Int4.plain()
    }

    #[test]
    fn subquery_references_to_the_enclosing_row_are_its_parameters() {
        // (SELECT 1 WHERE $outer.2 = $outer.0 AND own.0 = $outer.2)
        let outer = |index| Expr::Outer {
            depth: 1,
            index,
            ty: int(),
        };
        let predicate = Expr::Binary {
            op: crate::plan::BinOp::And,
            left: Box::new(Expr::Binary {
                op: crate::plan::BinOp::Eq,
                left: Box::new(outer(2)),
                right: Box::new(outer(0)),
                operand: SqlType::Int4,
                ty: SqlType::Bool.plain(),
            }),
            right: Box::new(Expr::Binary {
                op: crate::plan::BinOp::Eq,
                left: Box::new(Expr::Column(0, int())),
                right: Box::new(outer(2)),
                operand: SqlType::Int4,
                ty: SqlType::Bool.plain(),
            }),
            operand: SqlType::Bool,
            ty: SqlType::Bool.plain(),
        };
        let plan = Plan::Filter {
            input: Box::new(Plan::Values {
                rows: vec![vec![Expr::Const(crate::datum::Datum::Int4(1), int())]],
                width: 1,
            }),
            predicate,
        };
        assert_eq!(correlation_columns(&plan), vec![2, 0]);
        let sub = Expr::Subquery {
            id: 1,
            kind: crate::plan::SubqueryKind::Scalar,
            plan: Arc::new(QueryPlan {
                plan,
                columns: Vec::new(),
            }),
            lhs: None,
            operand: SqlType::Int4,
            negated: false,
            correlated: true,
            ty: int(),
        };
        let sum = Expr::Binary {
            op: crate::plan::BinOp::Add,
            left: Box::new(Expr::Column(1, int())),
            right: Box::new(sub),
            operand: SqlType::Int4,
            ty: int(),
        };
        assert_eq!(columns_read(&[&sum]), vec![1, 2, 0]);
    }
}
