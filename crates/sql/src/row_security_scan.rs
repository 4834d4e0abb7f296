//! Access paths for scans under row-level security. A table read in FROM
//! is filtered by its policies first; of the statement's own conditions,
//! only the leakproof ones (a built-in comparison of a key column with a
//! row-independent value, on a type whose operators PostgreSQL marks
//! leakproof) may choose a primary-key or index lookup, as PostgreSQL
//! uses only such quals as index conditions below a security barrier.
//! The chosen path only narrows what is read: the scan still applies the
//! policy and then every condition, in that order, to each row it reads.

use crate::plan::Expr;
use crate::types::SqlType;

/// Types whose comparison operators are leakproof in PostgreSQL 15 (they
/// cannot raise an error or reveal a value they are given). numeric,
/// jsonb, enums, arrays and composites are not.
fn leakproof_comparison(ty: SqlType) -> bool {
    matches!(
        ty,
        SqlType::Bool
            | SqlType::Int2
            | SqlType::Int4
            | SqlType::Int8
            | SqlType::Float4
            | SqlType::Float8
            | SqlType::Text
            | SqlType::Varchar
            | SqlType::Bpchar
            | SqlType::Name
            | SqlType::InternalChar
            | SqlType::Date
            | SqlType::Timestamp
            | SqlType::TimestampTz
            | SqlType::Time
            | SqlType::Interval
            | SqlType::Bytea
            | SqlType::Uuid
            | SqlType::Oid
            | SqlType::PgLsn
            | SqlType::Bit
            | SqlType::VarBit
            | SqlType::Money
    )
}

/// A column of the row, or one widened to a larger integer type (a
/// leakproof cast, as PostgreSQL's cross-width integer operators are).
fn plain_column(e: &Expr) -> bool {
    const INTEGERS: [SqlType; 3] = [SqlType::Int2, SqlType::Int4, SqlType::Int8];
    match e {
        Expr::Column(..) => true,
        Expr::Cast { expr, from, to, .. } => {
            matches!(expr.as_ref(), Expr::Column(..))
                && INTEGERS.contains(from)
                && INTEGERS.contains(&to.ty)
        }
        _ => false,
    }
}

/// Is `e` `column <cmp> value` (either side) or `column IN (values)` with
/// a leakproof operator: safe to evaluate on rows the policy hides?
fn leakproof_key_qual(e: &Expr) -> bool {
    match e {
        Expr::Binary {
            op,
            left,
            right,
            operand,
            ..
        } => {
            op.is_comparison()
                && leakproof_comparison(*operand)
                && ((plain_column(left) && right.is_row_independent())
                    || (plain_column(right) && left.is_row_independent()))
        }
        Expr::InList {
            expr,
            list,
            operand,
            negated: false,
        } => {
            leakproof_comparison(*operand)
                && plain_column(expr)
                && list.iter().all(Expr::is_row_independent)
        }
        _ => false,
    }
}

/// The conjuncts of `predicate` an access path may be chosen from under
/// row-level security (None: none are).
pub(crate) fn leakproof_key_quals(predicate: &Expr) -> Option<Expr> {
    Expr::conjunction(
        predicate
            .conjuncts()
            .into_iter()
            .filter(|c| leakproof_key_qual(c))
            .cloned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datum::Datum;
    use crate::plan::BinOp;

    fn column(i: usize, ty: SqlType) -> Expr {
        Expr::Column(i, ty.plain())
    }

    fn constant(ty: SqlType) -> Expr {
        Expr::Const(Datum::Int8(5), ty.plain())
    }

    fn compare(op: BinOp, left: Expr, right: Expr, operand: SqlType) -> Expr {
        Expr::Binary {
            op,
            left: Box::new(left),
            right: Box::new(right),
            operand,
            ty: SqlType::Bool.plain(),
        }
    }

    fn and(a: Expr, b: Expr) -> Expr {
        compare(BinOp::And, a, b, SqlType::Bool)
    }

    #[test]
    fn only_leakproof_key_comparisons_may_choose_the_path() {
        let key = compare(
            BinOp::Eq,
            column(0, SqlType::Int4),
            constant(SqlType::Int4),
            SqlType::Int4,
        );
        let flipped = compare(
            BinOp::Lt,
            constant(SqlType::Int4),
            column(0, SqlType::Int4),
            SqlType::Int4,
        );
        let numeric = compare(
            BinOp::Eq,
            column(1, SqlType::Numeric),
            constant(SqlType::Numeric),
            SqlType::Numeric,
        );
        let two_columns = compare(
            BinOp::Eq,
            column(0, SqlType::Int4),
            column(2, SqlType::Int4),
            SqlType::Int4,
        );
        let all = and(
            and(numeric.clone(), key.clone()),
            and(two_columns, flipped.clone()),
        );
        assert_eq!(leakproof_key_quals(&all), Some(and(key, flipped)));
        assert_eq!(leakproof_key_quals(&numeric), None);
    }
}
