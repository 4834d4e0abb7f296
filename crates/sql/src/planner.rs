//! Access-path selection: turns WHERE conjuncts on primary-key columns into
//! point lookups (`Store::get`) and key-range scans instead of full scans.
//! The full predicate is still applied to every row, so a chosen path only
//! narrows what is read and can never change a result. Join planning for
//! SELECTs over several relations is in `joins`, its row estimates in
//! `estimate`.

mod estimate;
pub mod joins;

use crate::catalog::TableDef;
use crate::plan::{Access, BinOp, Expr};
use crate::types::SqlType;

/// Whether a key expression of type `e` may look up a key column of type
/// `col`: the same type, text and varchar, or any two integer widths. Keys
/// encode every integer width as the same 64-bit value (encoding.rs), so an
/// `int4` column looked up by an `int8` parameter (what drivers such as
/// sysbench's send) finds exactly the rows `=` finds, and a value out of the
/// column's range finds none, as in PostgreSQL.
fn same_key_type(col: SqlType, e: SqlType) -> bool {
    const INTEGERS: [SqlType; 3] = [SqlType::Int2, SqlType::Int4, SqlType::Int8];
    col == e
        || (matches!(col, SqlType::Text | SqlType::Varchar)
            && matches!(e, SqlType::Text | SqlType::Varchar))
        || (INTEGERS.contains(&col) && INTEGERS.contains(&e))
}

/// `column <op> key-expression` for table column `col`, normalised so the column is on the left.
fn column_comparison(e: &Expr, col: usize, col_ty: SqlType) -> Option<(BinOp, &Expr)> {
    let Expr::Binary {
        op, left, right, ..
    } = e
    else {
        return None;
    };
    if !op.is_comparison() || *op == BinOp::NotEq {
        return None;
    }
    let flip = |op: BinOp| match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::LtEq => BinOp::GtEq,
        BinOp::Gt => BinOp::Lt,
        BinOp::GtEq => BinOp::LtEq,
        o => o,
    };
    let is_key_column = |e: &Expr| key_column(e) == Some(col);
    match (left.as_ref(), right.as_ref()) {
        (column, other)
            if is_key_column(column)
                && other.is_row_independent()
                && same_key_type(col_ty, other.ty().ty) =>
        {
            Some((*op, other))
        }
        (other, column)
            if is_key_column(column)
                && other.is_row_independent()
                && same_key_type(col_ty, other.ty().ty) =>
        {
            Some((flip(*op), other))
        }
        _ => None,
    }
}

/// The column `e` reads, directly or widened from one integer type to
/// another (`int4col = $1::int8` is bound as `int4col::int8 = $1`): widening
/// keeps every value, so the column's key order still answers the comparison.
fn key_column(e: &Expr) -> Option<usize> {
    const INTEGERS: [SqlType; 3] = [SqlType::Int2, SqlType::Int4, SqlType::Int8];
    match e {
        Expr::Column(c, _) => Some(*c),
        Expr::Cast { expr, to, .. } => match expr.as_ref() {
            Expr::Column(c, from)
                if INTEGERS.contains(&from.ty)
                    && INTEGERS.contains(&to.ty)
                    && integer_width(to.ty) >= integer_width(from.ty) =>
            {
                Some(*c)
            }
            _ => None,
        },
        _ => None,
    }
}

fn integer_width(ty: SqlType) -> u8 {
    match ty {
        SqlType::Int2 => 2,
        SqlType::Int4 => 4,
        _ => 8,
    }
}

/// Chooses how to read `table` given a predicate over its columns.
pub fn choose_access(table: &TableDef, predicate: &Expr) -> Access {
    let cs = predicate.conjuncts();
    match primary_access(table, &cs) {
        Access::Full => secondary_access(table, &cs),
        a => a,
    }
}

/// Equality on the longest prefix of some secondary index. An expression
/// key matches a conjunct `expression = value`; a partial index is a
/// candidate only when its predicate's conjuncts are among the query's, so
/// every row the query can return has an entry.
fn secondary_access(table: &TableDef, cs: &[&Expr]) -> Access {
    let mut best: Option<(u8, Vec<Expr>)> = None;
    for idx in table.unique.iter().chain(table.indexes.iter()) {
        let bound = if idx.is_plain() {
            None
        } else {
            match crate::index_shape::bind_for_planning(table, idx) {
                Some(b) => Some(b),
                None => continue,
            }
        };
        if let Some(p) = bound.as_ref().and_then(|b| b.predicate.as_ref()) {
            let needed = p.conjuncts();
            if !needed.iter().all(|n| cs.contains(n)) {
                continue;
            }
        }
        let mut prefix = Vec::new();
        for (pos, &col) in idx.columns.iter().enumerate() {
            let key_expr = bound
                .as_ref()
                .and_then(|b| b.keys.get(pos))
                .and_then(Option::as_ref);
            let found = match key_expr {
                Some(k) => cs.iter().find_map(|c| expression_equality(c, k)),
                None => {
                    let Some(column) = table.columns.get(col) else {
                        break;
                    };
                    let ty = column.ty.ty;
                    cs.iter().find_map(|c| match column_comparison(c, col, ty) {
                        Some((BinOp::Eq, e)) => Some(e),
                        _ => None,
                    })
                }
            };
            match found {
                Some(e) => prefix.push(e.clone()),
                None => break,
            }
        }
        if !prefix.is_empty() && best.as_ref().is_none_or(|(_, b)| prefix.len() > b.len()) {
            best = Some((idx.id, prefix));
        }
    }
    match best {
        Some((index_id, prefix)) => Access::Index { index_id, prefix },
        None => Access::Full,
    }
}

/// `key = value` (either side) for index key expression `key`: the value.
fn expression_equality<'a>(c: &'a Expr, key: &Expr) -> Option<&'a Expr> {
    let Expr::Binary {
        op: BinOp::Eq,
        left,
        right,
        ..
    } = c
    else {
        return None;
    };
    let key_ty = key.ty().ty;
    let (l, r) = (left.as_ref(), right.as_ref());
    if l == key && r.is_row_independent() && same_key_type(key_ty, r.ty().ty) {
        return Some(r);
    }
    if r == key && l.is_row_independent() && same_key_type(key_ty, l.ty().ty) {
        return Some(l);
    }
    None
}

fn primary_access(table: &TableDef, cs: &[&Expr]) -> Access {
    let Some(pk) = &table.primary_key else {
        return Access::Full;
    };
    let mut prefix = Vec::new();
    for &col in &pk.columns {
        let ty = table.columns[col].ty.ty;
        let eq = cs.iter().find_map(|c| match column_comparison(c, col, ty) {
            Some((BinOp::Eq, e)) => Some(e.clone()),
            _ => None,
        });
        match eq {
            Some(e) => prefix.push(e),
            None => {
                // `last_key_column IN (constants)` completing the key: several point lookups.
                if prefix.len() + 1 == pk.columns.len() {
                    let list = cs.iter().find_map(|c| match c {
                        Expr::InList { expr, list, negated: false, .. }
                            if matches!(expr.as_ref(), Expr::Column(i, t) if *i == col && same_key_type(ty, t.ty))
                                && list.iter().all(|e| e.is_row_independent() && same_key_type(ty, e.ty().ty)) =>
                        {
                            Some(list.clone())
                        }
                        _ => None,
                    });
                    if let Some(list) = list {
                        let keys = list
                            .into_iter()
                            .map(|e| {
                                let mut k = prefix.clone();
                                k.push(e);
                                k
                            })
                            .collect();
                        return Access::Points(keys);
                    }
                }
                let mut lower = None;
                let mut upper = None;
                for c in cs {
                    match column_comparison(c, col, ty) {
                        Some((BinOp::Gt, e)) if lower.is_none() => lower = Some((e.clone(), false)),
                        Some((BinOp::GtEq, e)) if lower.is_none() => {
                            lower = Some((e.clone(), true))
                        }
                        Some((BinOp::Lt, e)) if upper.is_none() => upper = Some((e.clone(), false)),
                        Some((BinOp::LtEq, e)) if upper.is_none() => {
                            upper = Some((e.clone(), true))
                        }
                        _ => {}
                    }
                }
                if prefix.is_empty() && lower.is_none() && upper.is_none() {
                    return Access::Full;
                }
                return Access::Range {
                    prefix,
                    lower,
                    upper,
                };
            }
        }
    }
    Access::Point(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{ColumnDef, IndexDef};
    use crate::datum::Datum;

    fn table() -> TableDef {
        let col = |n: &str| ColumnDef {
            name: n.into(),
            ty: SqlType::Int4.plain(),
            not_null: true,
            default: None,
            missing: None,
            domain: None,
        };
        TableDef {
            id: 1,
            name: "t".into(),
            columns: vec![col("a"), col("b"), col("c")],
            primary_key: Some(IndexDef {
                id: 0,
                name: "t_pkey".into(),
                columns: vec![0, 1],
                ..IndexDef::default()
            }),
            unique: vec![],
            checks: vec![],
            rowid_sequence: None,
            owned_sequences: vec![],
            indexes: vec![],
            next_index_id: 1,
            foreign_keys: vec![],
            layout: vec![],
            slots: 0,
            stats: None,
            partitioning: Default::default(),
            inheritance: Default::default(),
            unlogged: false,
            attribute_numbers: Default::default(),
            toast: Default::default(),
        }
    }

    /// A partial index is read only when the query's conjuncts include
    /// its predicate's: otherwise rows outside it would be missed.
    #[test]
    fn partial_index_needs_its_predicate_among_the_conjuncts() {
        let mut t = table();
        t.indexes.push(IndexDef {
            id: 5,
            name: "t_c_part".into(),
            columns: vec![2],
            predicate: Some("b = 1".into()),
            ..IndexDef::default()
        });
        assert_eq!(choose_access(&t, &cmp(BinOp::Eq, 2, 3)), Access::Full);
        assert_eq!(
            choose_access(&t, &and(cmp(BinOp::Eq, 2, 3), cmp(BinOp::Eq, 1, 2))),
            Access::Full
        );
        assert!(matches!(
            choose_access(&t, &and(cmp(BinOp::Eq, 2, 3), cmp(BinOp::Eq, 1, 1))),
            Access::Index { index_id: 5, ref prefix } if prefix.len() == 1
        ));
    }

    fn cmp(op: BinOp, col: usize, v: i32) -> Expr {
        Expr::Binary {
            op,
            left: Box::new(Expr::Column(col, SqlType::Int4.plain())),
            right: Box::new(Expr::Const(Datum::Int4(v), SqlType::Int4.plain())),
            operand: SqlType::Int4,
            ty: SqlType::Bool.plain(),
        }
    }

    fn and(a: Expr, b: Expr) -> Expr {
        Expr::Binary {
            op: BinOp::And,
            left: Box::new(a),
            right: Box::new(b),
            operand: SqlType::Bool,
            ty: SqlType::Bool.plain(),
        }
    }

    #[test]
    fn integer_widths_share_key_lookups() {
        let t = table();
        let key = Expr::Const(Datum::Int8(5), SqlType::Int8.plain());
        let eq = Expr::Binary {
            op: BinOp::Eq,
            left: Box::new(Expr::Column(0, SqlType::Int4.plain())),
            right: Box::new(key),
            operand: SqlType::Int8,
            ty: SqlType::Bool.plain(),
        };
        assert!(
            matches!(choose_access(&t, &eq), Access::Range { prefix, .. } if prefix.len() == 1)
        );
        // As the binder writes it: the column widened to the parameter's type.
        let widened = Expr::Binary {
            op: BinOp::GtEq,
            left: Box::new(Expr::Cast {
                expr: Box::new(Expr::Column(0, SqlType::Int4.plain())),
                from: SqlType::Int4,
                to: SqlType::Int8.plain(),
                ctx: crate::datum::CastContext::Implicit,
            }),
            right: Box::new(Expr::Const(Datum::Int8(5), SqlType::Int8.plain())),
            operand: SqlType::Int8,
            ty: SqlType::Bool.plain(),
        };
        assert!(matches!(
            choose_access(&t, &widened),
            Access::Range { lower: Some(_), .. }
        ));
    }

    #[test]
    fn full_key_equality_is_a_point_lookup() {
        let t = table();
        assert!(
            matches!(choose_access(&t, &and(cmp(BinOp::Eq, 1, 2), cmp(BinOp::Eq, 0, 1))), Access::Point(v) if v.len() == 2)
        );
        assert!(
            matches!(choose_access(&t, &cmp(BinOp::Eq, 0, 1)), Access::Range { prefix, lower: None, upper: None } if prefix.len() == 1)
        );
        assert!(matches!(
            choose_access(&t, &cmp(BinOp::Gt, 0, 1)),
            Access::Range {
                lower: Some((_, false)),
                ..
            }
        ));
        assert!(matches!(
            choose_access(&t, &cmp(BinOp::Eq, 2, 1)),
            Access::Full
        ));
        let in_list = Expr::InList {
            expr: Box::new(Expr::Column(1, SqlType::Int4.plain())),
            list: vec![
                Expr::Const(Datum::Int4(1), SqlType::Int4.plain()),
                Expr::Const(Datum::Int4(2), SqlType::Int4.plain()),
            ],
            operand: SqlType::Int4,
            negated: false,
        };
        assert!(
            matches!(choose_access(&t, &and(cmp(BinOp::Eq, 0, 1), in_list)), Access::Points(k) if k.len() == 2)
        );
    }
}
