//! Plan-time partition pruning (PostgreSQL's partprune.c, for constants):
//! from the conjuncts of a WHERE clause that compare a partition key column
//! with a constant (`=`, `IN`, `<`, `<=`, `>`, `>=`, `IS NULL`, an integer
//! key as a wider integer type, a boolean key by itself), the leaves
//! of a partition tree that may hold a matching row. Pruning is
//! conservative: a leaf is dropped only when no row it can hold (by its
//! bound, NULLs and the default partition included) satisfies the
//! conjuncts; whatever is not understood keeps every leaf.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;

use crate::catalog::{Catalog, TableDef};
use crate::datum::{compare, Datum};
use crate::error::{SqlError, SqlResult};
use crate::partition::{
    children, column_map, Bound, Edge, KeyPart, RouteBinder, Strategy, TypedKey,
};
use crate::plan::{BinOp, Expr};
use crate::types::{Category, SqlType};

/// At most this many key tuples are routed one by one (IN lists multiply).
const MAX_POINTS: usize = 256;

/// A comparison of a key column with a constant.
#[derive(Clone, Debug)]
enum Condition {
    /// `=` or `IN`: the column is one of these (never NULL).
    OneOf(Vec<Datum>),
    IsNull,
    /// `column op value` with op one of `<`, `<=`, `>`, `>=`.
    Compare(BinOp, Datum),
}

/// The names of the leaves of partitioned table `root` that may hold rows
/// satisfying `predicate` (over `root`'s columns); None when nothing was
/// pruned.
/// `binder` binds key expressions.
pub fn surviving_leaves(
    catalog: &Catalog,
    root: &Arc<TableDef>,
    predicate: &Expr,
    binder: &mut dyn RouteBinder,
) -> SqlResult<Option<HashSet<String>>> {
    let mut conditions: Vec<(Expr, Condition)> = Vec::new();
    collect_conditions(predicate, &mut conditions);
    if conditions.is_empty() {
        return Ok(None);
    }
    let mut kept = HashSet::new();
    let mut pruned_any = false;
    let mut walk = Walk {
        catalog,
        root,
        conditions: &conditions,
        binder,
        kept: &mut kept,
        pruned_any: &mut pruned_any,
    };
    walk.keep_leaves(root, 0)?;
    Ok(pruned_any.then_some(kept))
}

/// The `key op constant` conjuncts of `e`, keyed by their non-constant
/// side (a column of the root or an expression over its columns), with
/// constants of that side's own type.
fn collect_conditions(e: &Expr, out: &mut Vec<(Expr, Condition)>) {
    match e {
        Expr::Binary {
            op: BinOp::And,
            left,
            right,
            ..
        } => {
            collect_conditions(left, out);
            collect_conditions(right, out);
        }
        Expr::Binary {
            op,
            left,
            right,
            operand,
            ..
        } if matches!(
            op,
            BinOp::Eq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq
        ) =>
        {
            let (target, value, op) = match (left.as_ref(), right.as_ref()) {
                (Expr::Const(..), Expr::Const(..)) => return,
                (x, Expr::Const(v, t)) => (x, (v, t.ty), *op),
                (Expr::Const(v, t), x) => (x, (v, t.ty), commuted(*op)),
                _ => return,
            };
            if !is_key_like(target) {
                return;
            }
            // A comparison with NULL is never true: no partition can match.
            if value.0.is_null() {
                out.push((target.clone(), Condition::OneOf(vec![])));
                return;
            }
            // An integer key compared as a wider integer type.
            if let Some((key, v, beyond)) = integer_key(target, value.0, *operand) {
                // Past the key type's range the value is clamped to its end
                // with the comparison adjusted to mean the same for values
                // of the key's type (`=` never holds then; PostgreSQL
                // still routes it, to the partition of the end).
                let op = match (beyond, op) {
                    (Ordering::Greater, BinOp::Lt | BinOp::LtEq) => BinOp::LtEq,
                    (Ordering::Greater, BinOp::Gt | BinOp::GtEq) => BinOp::Gt,
                    (Ordering::Less, BinOp::Gt | BinOp::GtEq) => BinOp::GtEq,
                    (Ordering::Less, BinOp::Lt | BinOp::LtEq) => BinOp::Lt,
                    (_, op) => op,
                };
                let condition = match op {
                    BinOp::Eq => Condition::OneOf(vec![v]),
                    _ => Condition::Compare(op, v),
                };
                out.push((key.clone(), condition));
                return;
            }
            let ty = target.ty().ty;
            // Same type on both sides.
            if value.1 != ty || *operand != ty {
                return;
            }
            // Ordering of strings may follow a collation routing does not.
            if op != BinOp::Eq && ty.category() == Category::String {
                return;
            }
            let condition = match op {
                BinOp::Eq => Condition::OneOf(vec![value.0.clone()]),
                _ => Condition::Compare(op, value.0.clone()),
            };
            out.push((target.clone(), condition));
        }
        Expr::InList {
            expr,
            list,
            operand,
            negated: false,
        } => {
            let ty = expr.ty().ty;
            if *operand != ty || !is_key_like(expr) {
                return;
            }
            let mut values = Vec::new();
            for item in list {
                match item {
                    Expr::Const(v, t) if t.ty == ty => {
                        // A NULL item matches nothing.
                        if !v.is_null() {
                            values.push(v.clone());
                        }
                    }
                    _ => return,
                }
            }
            out.push((expr.as_ref().clone(), Condition::OneOf(values)));
        }
        Expr::IsNull {
            expr,
            negated: false,
        } if is_key_like(expr)
            // A row IS NULL when its fields are: its key value is not NULL.
            && !matches!(expr.ty().ty, SqlType::Composite(_) | SqlType::Record) =>
        {
            out.push((expr.as_ref().clone(), Condition::IsNull));
        }
        // A boolean key as a condition: `a`, `NOT a`, `a IS TRUE`, ...
        Expr::Not(inner) if is_bool_key_like(inner) => {
            out.push((
                inner.as_ref().clone(),
                Condition::OneOf(vec![Datum::Bool(false)]),
            ));
        }
        Expr::IsBool {
            expr,
            value,
            negated: false,
        } if is_bool_key_like(expr) => {
            let condition = match value {
                Some(v) => Condition::OneOf(vec![Datum::Bool(*v)]),
                None => Condition::IsNull,
            };
            out.push((expr.as_ref().clone(), condition));
        }
        e if is_bool_key_like(e) => {
            out.push((e.clone(), Condition::OneOf(vec![Datum::Bool(true)])));
        }
        _ => {}
    }
}

/// Is `e` boolean and possibly a partition key (a conjunct that is one
/// holds exactly when the key is true)?
fn is_bool_key_like(e: &Expr) -> bool {
    e.ty().ty == SqlType::Bool && is_key_like(e)
}

/// `target` compared as integer type `operand` with integer `value`, when
/// `target` is an integer key of a narrower type (bare, or cast to
/// `operand`): the key, `value` in the key's type clamped to its range, and
/// whether `value` lies beyond its top (Greater) or bottom (Less).
fn integer_key<'e>(
    target: &'e Expr,
    value: &Datum,
    operand: SqlType,
) -> Option<(&'e Expr, Datum, Ordering)> {
    let key = match target {
        Expr::Cast { expr, to, .. } if to.ty == operand => expr.as_ref(),
        other => other,
    };
    let key_ty = key.ty().ty;
    let is_integer = |t: SqlType| matches!(t, SqlType::Int2 | SqlType::Int4 | SqlType::Int8);
    if !is_integer(key_ty) || !is_integer(operand) || key_ty == operand || !is_key_like(key) {
        return None;
    }
    let wide: i64 = match value {
        Datum::Int2(v) => i64::from(*v),
        Datum::Int4(v) => i64::from(*v),
        Datum::Int8(v) => *v,
        _ => return None,
    };
    let (min, max) = match key_ty {
        SqlType::Int2 => (i64::from(i16::MIN), i64::from(i16::MAX)),
        SqlType::Int4 => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let beyond = if wide > max {
        Ordering::Greater
    } else if wide < min {
        Ordering::Less
    } else {
        Ordering::Equal
    };
    let clamped = wide.clamp(min, max);
    let datum = match key_ty {
        SqlType::Int2 => Datum::Int2(i16::try_from(clamped).ok()?),
        SqlType::Int4 => Datum::Int4(i32::try_from(clamped).ok()?),
        _ => Datum::Int8(clamped),
    };
    Some((key, datum, beyond))
}

/// Could `e` be a partition key (a column, or an expression over the row
/// that reads no subquery and calls nothing volatile)?
fn is_key_like(e: &Expr) -> bool {
    matches!(e, Expr::Column(..)) || (!e.is_row_independent() && !e.has_subquery())
}

fn commuted(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::LtEq => BinOp::GtEq,
        BinOp::Gt => BinOp::Lt,
        BinOp::GtEq => BinOp::LtEq,
        other => other,
    }
}

/// A descent of a partition tree collecting the leaves to read.
struct Walk<'w> {
    catalog: &'w Catalog,
    root: &'w TableDef,
    conditions: &'w [(Expr, Condition)],
    binder: &'w mut dyn RouteBinder,
    kept: &'w mut HashSet<String>,
    pruned_any: &'w mut bool,
}

impl Walk<'_> {
    /// Adds to `kept` the leaves under `table` (a partition tree node of
    /// `root`) that may hold matching rows.
    fn keep_leaves(&mut self, table: &Arc<TableDef>, depth: usize) -> SqlResult<()> {
        if depth > 64 {
            return Err(SqlError::internal("partition tree too deep"));
        }
        let (Some(key_def), Some(key)) = (table.partitioning.key.as_ref(), TypedKey::of(table))
        else {
            self.kept.insert(table.name.clone());
            return Ok(());
        };
        let kids = children(self.catalog, table)?;
        // to_root[j]: the position in `table` of root column j.
        let to_root = column_map(table, self.root)?;
        let mut part_conditions: Vec<Vec<&Condition>> = Vec::new();
        let mut understood = key_def.opclasses.iter().all(Option::is_none)
            && key_def.collations.iter().all(Option::is_none);
        for part in &key.parts {
            let target = match part {
                KeyPart::Column(c) => match &to_root {
                    None => Some(*c),
                    Some(m) => m.iter().position(|i| i == c),
                }
                .map(|r| Expr::Column(r, table.columns[*c].ty)),
                // Bound over the table's columns: the root's only when the
                // layouts agree.
                KeyPart::Expr { sql, .. } if to_root.is_none() => {
                    Some(self.binder.key_expr(table, sql)?)
                }
                KeyPart::Expr { .. } => None,
            };
            let Some(target) = target else {
                understood = false;
                continue;
            };
            part_conditions.push(
                self.conditions
                    .iter()
                    .filter(|(t, _)| same_target(t, &target))
                    .map(|(_, cond)| cond)
                    .collect(),
            );
        }
        let selected: Vec<bool> = if understood {
            let user_hash = key_def.hash_functions.iter().any(Option::is_some);
            select_children(&key, user_hash, &kids, &part_conditions)
        } else {
            vec![true; kids.len()]
        };
        for ((child, _), keep) in kids.iter().zip(selected) {
            if keep {
                self.keep_leaves(child, depth + 1)?;
            } else {
                *self.pruned_any = true;
            }
        }
        Ok(())
    }
}

/// Is condition target `t` key part `key` (columns by position)?
fn same_target(t: &Expr, key: &Expr) -> bool {
    match (t, key) {
        (Expr::Column(a, _), Expr::Column(b, _)) => a == b,
        _ => t == key,
    }
}

/// Per child of a node (in `children` order), may it hold a row meeting
/// `parts` (per key part, the conditions on it)?
fn select_children(
    key: &TypedKey,
    user_hash: bool,
    kids: &[(Arc<TableDef>, Bound)],
    parts: &[Vec<&Condition>],
) -> Vec<bool> {
    let types: Vec<SqlType> = key.types.iter().map(|t| t.ty).collect();
    // Every part pinned to a few values: route each key tuple.
    if let Some(points) = key_points(parts, &types) {
        if key.strategy == Strategy::Hash && user_hash {
            return vec![true; kids.len()];
        }
        let mut selected = vec![false; kids.len()];
        for point in points {
            let values = key.values_of(point);
            let hit = kids
                .iter()
                .position(|(_, b)| !matches!(b, Bound::Default) && key.contains(b, &values))
                .or_else(|| kids.iter().position(|(_, b)| matches!(b, Bound::Default)));
            if let Some(i) = hit {
                selected[i] = true;
            }
        }
        return selected;
    }
    let Some(first) = parts.first() else {
        return vec![true; kids.len()];
    };
    if first.is_empty() || key.strategy == Strategy::Hash {
        return vec![true; kids.len()];
    }
    let ty = types[0];
    let is_null = first.iter().any(|c| matches!(c, Condition::IsNull));
    let any_null_list = kids
        .iter()
        .any(|(_, b)| matches!(b, Bound::List { null: true, .. }));
    kids.iter()
        .map(|(_, bound)| match bound {
            // Whatever is not in the other partitions (conservatively).
            Bound::Default => match key.strategy {
                Strategy::List => !is_null || !any_null_list,
                Strategy::Range => is_null || key.parts.len() > 1 || !ranges_cover(kids, first, ty),
                Strategy::Hash => true,
            },
            Bound::List { values, null } => {
                if is_null {
                    *null && first.iter().all(|c| matches!(c, Condition::IsNull))
                } else {
                    values.iter().any(|v| satisfies(v, first, ty))
                }
            }
            Bound::Range { from, to } => {
                !is_null && range_may_match(from, to, key.parts.len() == 1, first, ty)
            }
            Bound::Hash { .. } => true,
        })
        .collect()
}

/// The key tuples a row must have when every part is pinned (`=`, `IN`,
/// `IS NULL`), each value meeting the part's other conditions; None when a
/// part is not pinned or there are too many tuples.
fn key_points(parts: &[Vec<&Condition>], types: &[SqlType]) -> Option<Vec<Vec<Datum>>> {
    let mut per_part: Vec<Vec<Datum>> = Vec::new();
    for (conds, &ty) in parts.iter().zip(types) {
        let mut values: Option<Vec<Datum>> = None;
        for c in conds {
            let these = match c {
                Condition::OneOf(v) => v.clone(),
                Condition::IsNull => vec![Datum::Null],
                Condition::Compare(..) => continue,
            };
            values = Some(match values {
                None => these,
                Some(old) => old
                    .into_iter()
                    .filter(|x| these.iter().any(|y| same(x, y, ty)))
                    .collect(),
            });
        }
        let values: Vec<Datum> = values?
            .into_iter()
            .filter(|v| v.is_null() || satisfies(v, conds, ty))
            .collect();
        per_part.push(values);
    }
    let mut points: Vec<Vec<Datum>> = vec![vec![]];
    for values in per_part {
        let mut next = Vec::new();
        for p in &points {
            for v in &values {
                let mut q = p.clone();
                q.push(v.clone());
                next.push(q);
            }
        }
        if next.len() > MAX_POINTS {
            return None;
        }
        points = next;
    }
    Some(points)
}

/// Equal as partition keys compare (NULL only to NULL).
fn same(a: &Datum, b: &Datum, ty: SqlType) -> bool {
    match (a.is_null(), b.is_null()) {
        (true, true) => true,
        (false, false) => compare(a, b, ty) == Ordering::Equal,
        _ => false,
    }
}

/// Does non-NULL `v` meet every condition?
fn satisfies(v: &Datum, conds: &[&Condition], ty: SqlType) -> bool {
    if v.is_null() {
        return false;
    }
    conds.iter().all(|c| match c {
        Condition::OneOf(values) => values.iter().any(|x| same(v, x, ty)),
        Condition::IsNull => false,
        Condition::Compare(op, x) => {
            let o = compare(v, x, ty);
            match op {
                BinOp::Lt => o == Ordering::Less,
                BinOp::LtEq => o != Ordering::Greater,
                BinOp::Gt => o == Ordering::Greater,
                BinOp::GtEq => o != Ordering::Less,
                _ => true,
            }
        }
    })
}

/// May a range partition `[from, to)` hold a non-NULL first key value
/// meeting `conds`? `single` keys end their partitions before `to`; with
/// more parts the first value may equal `to`'s.
fn range_may_match(
    from: &[Edge],
    to: &[Edge],
    single: bool,
    conds: &[&Condition],
    ty: SqlType,
) -> bool {
    // The partition's first-part interval; None: unbounded.
    let low = match from.first() {
        Some(Edge::Value(v)) => Some(v),
        _ => None,
    };
    let high = match to.first() {
        Some(Edge::Value(v)) => Some(v),
        _ => None,
    };
    let high_inclusive = !single;
    let in_partition = |v: &Datum| {
        low.is_none_or(|l| compare(v, l, ty) != Ordering::Less)
            && high.is_none_or(|h| match compare(v, h, ty) {
                Ordering::Less => true,
                Ordering::Equal => high_inclusive,
                Ordering::Greater => false,
            })
    };
    // Pinned values: one must fall inside.
    for c in conds {
        if let Condition::OneOf(values) = c {
            return values
                .iter()
                .any(|v| in_partition(v) && satisfies(v, conds, ty));
        }
    }
    // Compare each condition with the partition's interval: keep unless one
    // excludes it entirely (values between bounds are not enumerated).
    conds.iter().all(|c| match c {
        Condition::Compare(op, x) => match op {
            // Needs a value below x (or at x): the partition's low end must be.
            BinOp::Lt => low.is_none_or(|l| compare(l, x, ty) == Ordering::Less),
            BinOp::LtEq => low.is_none_or(|l| compare(l, x, ty) != Ordering::Greater),
            BinOp::Gt => high.is_none_or(|h| match compare(h, x, ty) {
                Ordering::Greater => true,
                Ordering::Equal => high_inclusive,
                Ordering::Less => false,
            }),
            BinOp::GtEq => high.is_none_or(|h| match compare(h, x, ty) {
                Ordering::Greater => true,
                Ordering::Equal => high_inclusive,
                Ordering::Less => false,
            }),
            _ => true,
        },
        Condition::IsNull => false,
        Condition::OneOf(_) => true,
    })
}

/// Do the range partitions among `kids` (in bound order, single-part key)
/// hold every non-NULL value meeting `conds`, leaving none for a default?
/// Gaps are never assumed empty (a discrete type may have no value in one).
fn ranges_cover(kids: &[(Arc<TableDef>, Bound)], conds: &[&Condition], ty: SqlType) -> bool {
    // The query's interval: (value, inclusive) ends; None is unbounded.
    let mut lower: Option<(&Datum, bool)> = None;
    let mut upper: Option<(&Datum, bool)> = None;
    for c in conds {
        let Condition::Compare(op, x) = c else {
            return false;
        };
        match op {
            BinOp::Gt | BinOp::GtEq => {
                let inclusive = *op == BinOp::GtEq;
                let tighter = lower.is_none_or(|(l, li)| match compare(x, l, ty) {
                    Ordering::Greater => true,
                    Ordering::Equal => li && !inclusive,
                    Ordering::Less => false,
                });
                if tighter {
                    lower = Some((x, inclusive));
                }
            }
            BinOp::Lt | BinOp::LtEq => {
                let inclusive = *op == BinOp::LtEq;
                let tighter = upper.is_none_or(|(u, ui)| match compare(x, u, ty) {
                    Ordering::Less => true,
                    Ordering::Equal => ui && !inclusive,
                    Ordering::Greater => false,
                });
                if tighter {
                    upper = Some((x, inclusive));
                }
            }
            _ => return false,
        }
    }
    // Values from `cursor` on (None: from the lowest) still need a partition.
    let mut cursor: Option<&Datum> = lower.map(|(l, _)| l);
    for (_, bound) in kids {
        let Bound::Range { from, to } = bound else {
            continue;
        };
        let (Some(from), Some(to)) = (from.first(), to.first()) else {
            return false;
        };
        // Ends before the cursor: nothing to add.
        if let (Edge::Value(t), Some(c)) = (to, cursor) {
            if compare(t, c, ty) != Ordering::Greater {
                continue;
            }
        }
        let starts_in_time = match (from, cursor) {
            (Edge::Min, _) => true,
            (Edge::Value(f), Some(c)) => compare(f, c, ty) != Ordering::Greater,
            _ => false,
        };
        if !starts_in_time {
            return false;
        }
        let Edge::Value(t) = to else {
            // MAXVALUE: everything from the cursor on.
            return matches!(to, Edge::Max);
        };
        cursor = Some(t);
        // Partition ends at `t` (exclusive): done if the query ends before.
        if let Some((u, inclusive)) = upper {
            match compare(u, t, ty) {
                Ordering::Less => return true,
                Ordering::Equal if !inclusive => return true,
                _ => {}
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int4_column() -> Expr {
        Expr::Column(0, SqlType::Int4.plain())
    }

    /// `a::int8 op value` (an int4 key compared as int8).
    fn widened(op: BinOp, value: i64) -> Expr {
        Expr::Binary {
            op,
            left: Box::new(Expr::Cast {
                expr: Box::new(int4_column()),
                from: SqlType::Int4,
                to: SqlType::Int8.plain(),
                ctx: crate::datum::CastContext::Implicit,
            }),
            right: Box::new(Expr::Const(Datum::Int8(value), SqlType::Int8.plain())),
            operand: SqlType::Int8,
            ty: SqlType::Bool.plain(),
        }
    }

    fn conditions(e: &Expr) -> Vec<(Expr, String)> {
        let mut out = Vec::new();
        collect_conditions(e, &mut out);
        out.into_iter()
            .map(|(t, c)| (t, format!("{c:?}")))
            .collect()
    }

    #[test]
    fn wider_integer_comparisons_narrow_to_the_key_type() {
        assert_eq!(
            conditions(&widened(BinOp::Eq, 5)),
            [(int4_column(), "OneOf([Int4(5)])".to_string())]
        );
        // Past int4: clamped, the comparison meaning the same for int4 values.
        assert_eq!(
            conditions(&widened(BinOp::Lt, 5_000_000_000)),
            [(int4_column(), format!("Compare(LtEq, Int4({}))", i32::MAX))]
        );
        assert_eq!(
            conditions(&widened(BinOp::GtEq, 5_000_000_000)),
            [(int4_column(), format!("Compare(Gt, Int4({}))", i32::MAX))]
        );
        assert_eq!(
            conditions(&widened(BinOp::LtEq, -5_000_000_000)),
            [(int4_column(), format!("Compare(Lt, Int4({}))", i32::MIN))]
        );
    }

    #[test]
    fn boolean_keys_are_conditions_by_themselves() {
        let a = Expr::Column(0, SqlType::Bool.plain());
        assert_eq!(conditions(&a), [(a.clone(), "OneOf([Bool(true)])".into())]);
        assert_eq!(
            conditions(&Expr::Not(Box::new(a.clone()))),
            [(a.clone(), "OneOf([Bool(false)])".into())]
        );
        let is_unknown = Expr::IsBool {
            expr: Box::new(a.clone()),
            value: None,
            negated: false,
        };
        assert_eq!(conditions(&is_unknown), [(a.clone(), "IsNull".into())]);
        // `a IS NOT TRUE` holds for false and NULL: not one condition.
        let is_not_true = Expr::IsBool {
            expr: Box::new(a.clone()),
            value: Some(true),
            negated: true,
        };
        assert!(conditions(&is_not_true).iter().all(|(t, _)| *t != a));
    }

    #[test]
    fn a_comparison_with_null_matches_no_partition() {
        let e = Expr::Binary {
            op: BinOp::Eq,
            left: Box::new(int4_column()),
            right: Box::new(Expr::Const(Datum::Null, SqlType::Int4.plain())),
            operand: SqlType::Int4,
            ty: SqlType::Bool.plain(),
        };
        assert_eq!(conditions(&e), [(int4_column(), "OneOf([])".to_string())]);
    }
}
