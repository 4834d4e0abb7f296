//! Row-count estimates for join ordering. A table that ANALYZE has seen
//! has statistics (`stats`): its row count, and per column the NULL
//! fraction, distinct values, most common values and a histogram, which
//! give the selectivity of `column op constant` conditions. Without them,
//! estimates come from the shape of a relation's plan: the access path
//! chosen for its filters (a point lookup reads one row) and fixed
//! selectivities per filter conjunct. They only rank relations against each
//! other; a poor estimate costs time, never correctness.

use crate::catalog::TableDef;
use crate::datum::Datum;
use crate::plan::{Access, BinOp, Expr, Plan};
use crate::stats::ColumnStats;
use crate::types::ColType;

/// Assumed rows of a table or other input without a better guess.
const DEFAULT_ROWS: f64 = 1000.0;
/// Assumed fraction of rows kept by `column = value`.
const EQUALITY_SELECTIVITY: f64 = 0.1;
/// Assumed fraction kept by a range comparison.
const RANGE_SELECTIVITY: f64 = 0.33;
/// Assumed fraction kept by any other condition.
const OTHER_SELECTIVITY: f64 = 0.5;

/// Estimated number of rows `plan` returns.
pub fn estimated_rows(plan: &Plan) -> f64 {
    match plan {
        Plan::Values { rows, .. } => rows.len() as f64,
        Plan::Scan {
            table,
            access,
            filter,
            ..
        } => match (&table.stats, access) {
            (None, Access::Full) => {
                DEFAULT_ROWS
                    * filter
                        .as_ref()
                        .map_or(1.0, |f| selectivity_in(f, Some(table)))
            }
            (None, other) => access_rows(table, other),
            (Some(_), Access::Point(_)) => 1.0,
            (Some(_), Access::Points(keys)) => keys.len() as f64,
            (Some(stats), other) if access_rows(table, other) == 1.0 => stats.rows.min(1.0),
            (Some(stats), _) => {
                // The filter holds every condition the access path uses.
                let kept = filter
                    .as_ref()
                    .map_or(1.0, |f| selectivity_in(f, Some(table)));
                (stats.rows * kept).max(stats.rows.min(1.0))
            }
        },
        Plan::Filter { input, predicate } => {
            let table = match input.as_ref() {
                Plan::Scan { table, .. } => Some(table.as_ref()),
                _ => None,
            };
            estimated_rows(input) * selectivity_in(predicate, table)
        }
        Plan::Project { input, .. }
        | Plan::Sort { input, .. }
        | Plan::Window { input, .. }
        | Plan::Distinct { input }
        | Plan::DistinctOn { input, .. } => estimated_rows(input),
        Plan::Aggregate { groups, input, .. } if !groups.is_empty() => estimated_rows(input),
        Plan::Aggregate { .. } => 1.0,
        _ => DEFAULT_ROWS,
    }
}

/// Distinct values of column `col` of `plan`'s rows, if the plan reads a
/// table ANALYZE has seen (filters are assumed to keep every value).
pub fn column_distinct(plan: &Plan, col: usize) -> Option<f64> {
    match plan {
        Plan::Scan { table, .. } => {
            let name = &table.columns.get(col)?.name;
            Some(table.stats.as_ref()?.column(name)?.n_distinct)
        }
        Plan::Filter { input, .. } => column_distinct(input, col),
        _ => None,
    }
}

/// Fraction of row pairs `a = b` keeps, given each side's distinct values
/// (PostgreSQL's eqjoinsel without most-common-value matching).
pub fn equijoin_selectivity(distinct_a: f64, distinct_b: f64) -> f64 {
    1.0 / distinct_a.max(distinct_b).max(1.0)
}

fn access_rows(table: &TableDef, access: &Access) -> f64 {
    match access {
        Access::Full => DEFAULT_ROWS,
        Access::Point(_) => 1.0,
        Access::Points(keys) => keys.len() as f64,
        Access::Index { index_id, prefix } => {
            let unique_and_complete = table
                .unique
                .iter()
                .any(|u| u.id == *index_id && u.columns.len() == prefix.len());
            if unique_and_complete {
                1.0
            } else {
                DEFAULT_ROWS * EQUALITY_SELECTIVITY.powi(prefix.len() as i32)
            }
        }
        Access::Range {
            prefix,
            lower,
            upper,
        } => {
            let bounds = lower.is_some() as i32 + upper.is_some() as i32;
            DEFAULT_ROWS
                * EQUALITY_SELECTIVITY.powi(prefix.len() as i32)
                * RANGE_SELECTIVITY.powi(bounds)
        }
    }
}

/// Assumed fraction of rows for which `e` is true (no statistics).
#[cfg(test)]
fn selectivity(e: &Expr) -> f64 {
    selectivity_in(e, None)
}

/// The statistics of column `e` of `table`, if `e` is a column and ANALYZE
/// has seen the table.
fn column_stats<'t>(e: &Expr, table: Option<&'t TableDef>) -> Option<(&'t ColumnStats, ColType)> {
    let (Expr::Column(i, _), Some(table)) = (e, table) else {
        return None;
    };
    let col = table.columns.get(*i)?;
    Some((table.stats.as_ref()?.column(&col.name)?, col.ty))
}

/// The value of a row-independent operand known at planning time (None:
/// e.g. a parameter).
fn constant(e: &Expr) -> Option<&Datum> {
    match e {
        Expr::Const(d, _) => Some(d),
        _ => None,
    }
}

/// Fraction of rows for which `e` is true; column conditions use the
/// statistics of `table` (whose row `e` is over) when it has them.
fn selectivity_in(e: &Expr, table: Option<&TableDef>) -> f64 {
    match e {
        Expr::Binary {
            op: BinOp::And,
            left,
            right,
            ..
        } => selectivity_in(left, table) * selectivity_in(right, table),
        Expr::Binary {
            op: BinOp::Or,
            left,
            right,
            ..
        } => (selectivity_in(left, table) + selectivity_in(right, table)).min(1.0),
        Expr::Binary {
            op,
            left,
            right,
            operand,
            ..
        } if op.is_comparison() => {
            // Put the column (if any) on the left.
            let (col, value, op) = if right.is_row_independent() {
                (left.as_ref(), right.as_ref(), *op)
            } else if left.is_row_independent() {
                (right.as_ref(), left.as_ref(), flipped(*op))
            } else {
                return if *op == BinOp::NotEq {
                    OTHER_SELECTIVITY
                } else {
                    RANGE_SELECTIVITY
                };
            };
            let stats = column_stats(col, table);
            match (op, stats) {
                (BinOp::Eq, Some((s, ty))) => s.eq_selectivity(constant(value), ty, *operand),
                (BinOp::Eq, None) => EQUALITY_SELECTIVITY,
                (BinOp::NotEq, Some((s, ty))) => {
                    (1.0 - s.null_frac - s.eq_selectivity(constant(value), ty, *operand)).max(0.0)
                }
                (BinOp::NotEq, None) => OTHER_SELECTIVITY,
                (_, Some((s, ty))) => constant(value)
                    .and_then(|v| s.range_selectivity(op, v, ty, *operand))
                    .unwrap_or(RANGE_SELECTIVITY),
                (_, None) => RANGE_SELECTIVITY,
            }
        }
        Expr::InList {
            expr,
            list,
            operand,
            negated: false,
        } => match column_stats(expr, table) {
            Some((s, ty)) => list
                .iter()
                .map(|v| s.eq_selectivity(constant(v), ty, *operand))
                .sum::<f64>()
                .min(1.0),
            None => (EQUALITY_SELECTIVITY * list.len() as f64).min(OTHER_SELECTIVITY),
        },
        Expr::IsNull { expr, negated } => match (column_stats(expr, table), negated) {
            (Some((s, _)), false) => s.null_frac,
            (Some((s, _)), true) => 1.0 - s.null_frac,
            (None, false) => EQUALITY_SELECTIVITY,
            (None, true) => OTHER_SELECTIVITY,
        },
        _ => OTHER_SELECTIVITY,
    }
}

/// `a op b` as `b op' a`.
fn flipped(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::LtEq => BinOp::GtEq,
        BinOp::Gt => BinOp::Lt,
        BinOp::GtEq => BinOp::LtEq,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datum::Datum;
    use crate::types::SqlType;

    fn eq_const(col: usize) -> Expr {
        Expr::Binary {
            op: BinOp::Eq,
            left: Box::new(Expr::Column(col, SqlType::Int4.plain())),
            right: Box::new(Expr::Const(Datum::Int4(1), SqlType::Int4.plain())),
            operand: SqlType::Int4,
            ty: SqlType::Bool.plain(),
        }
    }

    #[test]
    fn filters_make_a_relation_smaller() {
        let values = Plan::Values {
            rows: vec![vec![]; 3],
            width: 0,
        };
        assert_eq!(estimated_rows(&values), 3.0);
        let filtered = Plan::Filter {
            input: Box::new(Plan::Values {
                rows: vec![vec![]; 100],
                width: 0,
            }),
            predicate: eq_const(0),
        };
        assert!(estimated_rows(&filtered) < 100.0);
        let in_list = Expr::InList {
            expr: Box::new(Expr::Column(0, SqlType::Int4.plain())),
            list: vec![Expr::Const(Datum::Int4(1), SqlType::Int4.plain()); 2],
            operand: SqlType::Int4,
            negated: false,
        };
        assert!(selectivity(&in_list) > selectivity(&eq_const(0)));
        assert!(selectivity(&in_list) < 1.0);
    }
}
