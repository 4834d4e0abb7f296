//! A partition's implicit constraint as text, in PostgreSQL's form
//! (`pg_get_partition_constraintdef`, psql's `\d+` "Partition constraint:"
//! line): the key columns are NOT NULL (unless a list includes NULL), then
//! the bound as comparisons, with the constraints of the partition's
//! ancestors first. Range bounds follow PostgreSQL's construction: the
//! equal leading key values as equalities, then an OR of arms for the lower
//! and for the upper bound (`get_qual_for_range`). A default partition is
//! NOT of its siblings' bounds; one without siblings has no constraint.
//! Also the bound itself as `pg_get_expr(relpartbound, ...)` prints it.

use crate::catalog::{Catalog, TableDef};
use crate::partition::{KeyPart, PartitionBound, PartitionKey, RangeValue, Strategy};
use crate::types::{ColType, SqlType};

/// The constraint text, or None when the table is no partition or the
/// constraint is empty (a lone default partition).
pub fn constraint_def(cat: &Catalog, t: &TableDef) -> Option<String> {
    let mut quals = Vec::new();
    let mut chain = Vec::new();
    let mut current = t;
    // Bounded by the catalog's size so a corrupt parent cycle cannot loop.
    while let Some(of) = &current.partitioning.of {
        let parent = cat.tables.get(&of.parent)?;
        chain.push((parent.as_ref(), &of.bound, current));
        if chain.len() > cat.tables.len() {
            return None;
        }
        current = parent;
    }
    for (parent, bound, child) in chain.into_iter().rev() {
        let key = parent.partitioning.key.as_ref()?;
        quals.extend(bound_quals(cat, parent, key, bound, child, t)?);
    }
    match quals.len() {
        0 => None,
        1 => quals.pop(),
        _ => Some(format!("({})", quals.join(" AND "))),
    }
}

/// A partition's bound as `pg_get_expr(relpartbound, oid)` prints it:
/// `FOR VALUES FROM (...) TO (...)`, `FOR VALUES IN (...)`, `FOR VALUES
/// WITH (modulus m, remainder r)` or `DEFAULT`.
pub fn bound_def(cat: &Catalog, t: &TableDef) -> Option<String> {
    let of = t.partitioning.of.as_ref()?;
    let parent = cat.tables.get(&of.parent)?;
    let key = parent.partitioning.key.as_ref()?;
    let types: Vec<ColType> = key.parts.iter().map(|p| key_sql(parent, p).1).collect();
    let value = |i: usize, v: &str| untyped_constant(v, types.get(i).copied());
    let range = |values: &[RangeValue]| {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                RangeValue::MinValue => "MINVALUE".to_string(),
                RangeValue::MaxValue => "MAXVALUE".to_string(),
                RangeValue::Value(s) => value(i, s),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    Some(match &of.bound {
        PartitionBound::Range { from, to } => {
            format!("FOR VALUES FROM ({}) TO ({})", range(from), range(to))
        }
        PartitionBound::List(values) => format!(
            "FOR VALUES IN ({})",
            values
                .iter()
                .map(|v| v.as_deref().map_or("NULL".to_string(), |s| value(0, s)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        PartitionBound::Hash { modulus, remainder } => {
            format!("FOR VALUES WITH (modulus {modulus}, remainder {remainder})")
        }
        PartitionBound::Default => "DEFAULT".to_string(),
    })
}

/// A bound value as PostgreSQL prints it inside FOR VALUES (no cast).
fn untyped_constant(value: &str, ty: Option<ColType>) -> String {
    let typed = constant(value, ty.unwrap_or(SqlType::Text.plain()));
    match typed.rsplit_once("'::") {
        Some((quoted, _)) if typed.starts_with('\'') => format!("{quoted}'"),
        _ => typed,
    }
}

/// A key column as PostgreSQL deparses it, and its type.
fn key_sql(parent: &TableDef, part: &KeyPart) -> (String, ColType) {
    match part {
        KeyPart::Column(c) => (
            crate::pg_catalog::quote_ident(&parent.columns[*c].name),
            parent.columns[*c].ty,
        ),
        KeyPart::Expr { sql, ty } => (expression_sql(sql).0, *ty),
    }
}

/// A key expression as PostgreSQL deparses it, and whether it is a
/// function call: a call prints bare (its name folded to lower case), an
/// operator expression parenthesized.
pub fn expression_sql(sql: &str) -> (String, bool) {
    let inner = strip_parens(sql.trim());
    let call = inner.ends_with(')')
        && inner.split_once('(').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        });
    if call {
        let (name, rest) = inner.split_once('(').unwrap_or((inner, ""));
        (format!("{}({rest}", name.to_lowercase()), true)
    } else {
        (format!("({inner})"), false)
    }
}

/// `s` without parentheses that enclose all of it.
fn strip_parens(s: &str) -> &str {
    let mut s = s;
    while s.starts_with('(') && s.ends_with(')') && encloses(s) {
        s = s[1..s.len() - 1].trim();
    }
    s
}

fn encloses(s: &str) -> bool {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i + 1 < s.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

/// A bound value as a constant of the key's type, as PostgreSQL prints it.
fn constant(value: &str, ty: ColType) -> String {
    let quoted = format!("'{}'", value.replace('\'', "''"));
    let plain_number = !value.starts_with('-') && value.parse::<f64>().is_ok();
    match ty.ty {
        SqlType::Int4 if plain_number => value.to_string(),
        SqlType::Numeric if plain_number && value.contains(['.', 'e', 'E']) => value.to_string(),
        // Stored as PostgreSQL's output text; deparsed as a keyword.
        SqlType::Bool => match value {
            "t" => "true".to_string(),
            "f" => "false".to_string(),
            other => other.to_string(),
        },
        SqlType::Bpchar => format!("{quoted}::bpchar"),
        _ => format!(
            "{quoted}::{}",
            crate::pg_catalog::format_type(i64::from(ty.ty.oid()), -1)
                .unwrap_or_else(|| "text".into())
        ),
    }
}

/// A whole-row reference to the parent as a key (`PARTITION BY LIST
/// ((parent))`): in the constraint of `described` it is that table's row
/// converted to the parent's row type, `(described.*)::parent`.
fn whole_row_key(parent: &TableDef, part: &KeyPart, described: &TableDef) -> Option<String> {
    let KeyPart::Expr { sql, .. } = part else {
        return None;
    };
    let inner = strip_parens(sql.trim());
    let unquoted = match inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => inner.to_lowercase(),
    };
    let parent_name = parent.name.rsplit('.').next().unwrap_or(&parent.name);
    (unquoted == parent_name).then(|| {
        format!(
            "({}.*)::{}",
            crate::pg_catalog::quote_ident(
                described.name.rsplit('.').next().unwrap_or(&described.name)
            ),
            crate::pg_catalog::quote_ident(parent_name)
        )
    })
}

/// A key's NOT NULL test as PostgreSQL deparses a scalar NullTest: a
/// row-typed key prints as IS DISTINCT FROM NULL (IS NOT NULL would test
/// every field).
fn not_null_typed(key: &str, ty: ColType) -> String {
    if matches!(ty.ty, SqlType::Composite(_) | SqlType::Record) {
        format!("({key} IS DISTINCT FROM NULL)")
    } else {
        not_null(key)
    }
}

fn not_null(key: &str) -> String {
    format!("({key} IS NOT NULL)")
}

/// The quals a partition adds under `parent` for `bound`.
fn bound_quals(
    cat: &Catalog,
    parent: &TableDef,
    key: &PartitionKey,
    bound: &PartitionBound,
    child: &TableDef,
    described: &TableDef,
) -> Option<Vec<String>> {
    let keys: Vec<(String, ColType)> = key
        .parts
        .iter()
        .map(|p| match whole_row_key(parent, p, described) {
            Some(sql) => (sql, key_sql(parent, p).1),
            None => key_sql(parent, p),
        })
        .collect();
    Some(match bound {
        PartitionBound::Range { from, to } => {
            let mut quals: Vec<String> =
                keys.iter().map(|(k, ty)| not_null_typed(k, *ty)).collect();
            quals.extend(range_quals(&keys, from, to));
            quals
        }
        PartitionBound::List(values) => list_quals(&keys[0], values),
        PartitionBound::Hash { modulus, remainder } => {
            let columns: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
            vec![format!(
                "satisfies_hash_partition('{}'::oid, {modulus}, {remainder}, {})",
                crate::pg_catalog::table_oid(parent),
                columns.join(", ")
            )]
        }
        PartitionBound::Default => {
            // In bound order, as PostgreSQL's partition descriptor keeps
            // them (catalog order if a bound no longer resolves).
            let ordered: Vec<_> = match crate::partition::children(cat, parent) {
                Ok(children) => children.into_iter().map(|(t, _)| t).collect(),
                Err(_) => cat.tables.values().cloned().collect(),
            };
            let siblings: Vec<&PartitionBound> = ordered
                .iter()
                .filter_map(|s| s.partitioning.of.as_ref().filter(|_| s.id != child.id))
                .filter(|of| of.parent == parent.name && of.bound != PartitionBound::Default)
                .map(|of| &of.bound)
                .collect();
            if siblings.is_empty() {
                return Some(vec![]);
            }
            vec![format!(
                "(NOT {})",
                others_quals(&keys, key.strategy, &siblings)
            )]
        }
    })
}

/// What the siblings of a default partition accept, as one condition.
fn others_quals(
    keys: &[(String, ColType)],
    strategy: Strategy,
    siblings: &[&PartitionBound],
) -> String {
    match strategy {
        Strategy::List => {
            let mut values: Vec<Option<String>> = siblings
                .iter()
                .flat_map(|b| match b {
                    PartitionBound::List(v) => v.clone(),
                    _ => vec![],
                })
                .collect();
            // In the key type's order, as PostgreSQL keeps the bounds.
            let numeric = keys[0].1.ty.category() == crate::types::Category::Numeric;
            values.sort_by(|a, b| match (a, b, numeric) {
                (Some(a), Some(b), true) => {
                    let (x, y) = (a.parse::<f64>(), b.parse::<f64>());
                    match (x, y) {
                        (Ok(x), Ok(y)) => x.total_cmp(&y),
                        _ => a.cmp(b),
                    }
                }
                (a, b, _) => a.cmp(b),
            });
            let quals = list_quals(&keys[0], &values);
            and_all(quals)
        }
        _ => {
            let arms: Vec<String> = siblings
                .iter()
                .filter_map(|b| match b {
                    PartitionBound::Range { from, to } => {
                        Some(and_all(range_quals(keys, from, to)))
                    }
                    _ => None,
                })
                .collect();
            let mut quals: Vec<String> =
                keys.iter().map(|(k, ty)| not_null_typed(k, *ty)).collect();
            quals.push(or_all(arms));
            and_all(quals)
        }
    }
}

fn and_all(mut quals: Vec<String>) -> String {
    match quals.len() {
        1 => quals.pop().unwrap_or_default(),
        _ => format!("({})", quals.join(" AND ")),
    }
}

fn or_all(mut arms: Vec<String>) -> String {
    match arms.len() {
        1 => arms.pop().unwrap_or_default(),
        _ => format!("({})", arms.join(" OR ")),
    }
}

fn list_quals(key: &(String, ColType), values: &[Option<String>]) -> Vec<String> {
    let (k, ty) = key;
    let accepts_null = values.iter().any(Option::is_none);
    let consts: Vec<String> = values.iter().flatten().map(|v| constant(v, *ty)).collect();
    let equal = match consts.as_slice() {
        [] => None,
        [one] => Some(format!("({k} = {one})")),
        // An array key compares whole arrays: one equality per value.
        many if matches!(ty.ty, SqlType::Array(_)) => Some(or_all(
            many.iter().map(|c| format!("({k} = {c})")).collect(),
        )),
        many => Some(format!("({k} = ANY (ARRAY[{}]))", many.join(", "))),
    };
    match (accepts_null, equal) {
        (false, Some(eq)) => vec![not_null_typed(k, *ty), eq],
        (true, Some(eq)) => vec![format!("(({k} IS NULL) OR {eq})")],
        (true, None) => vec![format!("({k} IS NULL)")],
        (false, None) => vec![],
    }
}

fn finite(v: Option<&RangeValue>) -> Option<&str> {
    match v {
        Some(RangeValue::Value(s)) => Some(s),
        _ => None,
    }
}

/// PostgreSQL's range quals after the NOT NULLs: equalities for the equal
/// leading values, then the lower and the upper bound's OR of arms.
fn range_quals(keys: &[(String, ColType)], from: &[RangeValue], to: &[RangeValue]) -> Vec<String> {
    let mut quals = Vec::new();
    let mut i = 0;
    while i < keys.len() {
        match (finite(from.get(i)), finite(to.get(i))) {
            (Some(a), Some(b)) if a == b => {
                quals.push(format!("({} = {})", keys[i].0, constant(a, keys[i].1)));
                i += 1;
            }
            _ => break,
        }
    }
    if i == keys.len() {
        return quals;
    }
    for (bound, lower) in [(from, true), (to, false)] {
        let mut arms = Vec::new();
        for j in i..keys.len() {
            let Some(value) = finite(bound.get(j)) else {
                break;
            };
            // The last column of the check, or one followed by the
            // bound's infinite end, compares inclusively.
            let next = bound.get(j + 1);
            let inclusive = j + 1 == keys.len()
                || matches!(
                    (next, lower),
                    (Some(RangeValue::MinValue), true) | (Some(RangeValue::MaxValue), false)
                );
            let op = match (lower, inclusive) {
                (true, true) => ">=",
                (true, false) => ">",
                (false, true) => "<=",
                (false, false) => "<",
            };
            // The upper bound is exclusive at the very last column.
            let op = if !lower && j + 1 == keys.len() {
                "<"
            } else {
                op
            };
            let mut parts: Vec<String> = (i..j)
                .filter_map(|k| finite(bound.get(k)).map(|v| (k, v)))
                .map(|(k, v)| format!("({} = {})", keys[k].0, constant(v, keys[k].1)))
                .collect();
            parts.push(format!(
                "({} {op} {})",
                keys[j].0,
                constant(value, keys[j].1)
            ));
            arms.push(and_all(parts));
        }
        if !arms.is_empty() {
            quals.push(or_all(arms));
        }
    }
    quals
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<(String, ColType)> {
        ["a", "b", "c"][..n]
            .iter()
            .map(|k| (k.to_string(), SqlType::Int4.plain()))
            .collect()
    }

    fn v(s: &str) -> RangeValue {
        match s {
            "MIN" => RangeValue::MinValue,
            "MAX" => RangeValue::MaxValue,
            s => RangeValue::Value(s.to_string()),
        }
    }

    fn range(n: usize, from: &[&str], to: &[&str]) -> String {
        let from: Vec<RangeValue> = from.iter().map(|s| v(s)).collect();
        let to: Vec<RangeValue> = to.iter().map(|s| v(s)).collect();
        range_quals(&keys(n), &from, &to).join(" AND ")
    }

    #[test]
    fn range_quals_follow_postgres() {
        assert_eq!(range(1, &["1"], &["10"]), "(a >= 1) AND (a < 10)");
        assert_eq!(range(1, &["MIN"], &["10"]), "(a < 10)");
        assert_eq!(range(1, &["MIN"], &["MAX"]), "");
        assert_eq!(range(2, &["MIN", "MIN"], &["2", "MIN"]), "(a < 2)");
        assert_eq!(
            range(2, &["2", "MIN"], &["3", "MIN"]),
            "(a >= 2) AND (a < 3)"
        );
        assert_eq!(range(2, &["5", "MIN"], &["5", "0"]), "(a = 5) AND (b < 0)");
        assert_eq!(
            range(2, &["5", "0"], &["5", "10"]),
            "(a = 5) AND (b >= 0) AND (b < 10)"
        );
        assert_eq!(
            range(2, &["5", "10"], &["5", "MAX"]),
            "(a = 5) AND (b >= 10)"
        );
        assert_eq!(
            range(2, &["5", "MAX"], &["6", "MIN"]),
            "(a > 5) AND (a < 6)"
        );
        assert_eq!(
            range(3, &["3", "4", "5"], &["6", "7", "MAX"]),
            "((a > 3) OR ((a = 3) AND (b > 4)) OR ((a = 3) AND (b = 4) AND (c >= 5))) \
             AND ((a < 6) OR ((a = 6) AND (b <= 7)))"
        );
        assert_eq!(
            range(3, &["6", "8", "MIN"], &["9", "MAX", "MAX"]),
            "((a > 6) OR ((a = 6) AND (b >= 8))) AND (a <= 9)"
        );
    }

    #[test]
    fn constants_are_typed_as_postgres_prints_them() {
        assert_eq!(constant("100", SqlType::Int4.plain()), "100");
        assert_eq!(constant("-1", SqlType::Int4.plain()), "'-1'::integer");
        assert_eq!(constant("10", SqlType::Int8.plain()), "'10'::bigint");
        assert_eq!(constant("it's", SqlType::Text.plain()), "'it''s'::text");
        assert_eq!(constant("1.5", SqlType::Numeric.plain()), "1.5");
    }

    #[test]
    fn key_expressions_print_as_postgres_deparses_them() {
        assert_eq!(
            expression_sql("SUBSTR(b, 1, 5)"),
            ("substr(b, 1, 5)".into(), true)
        );
        assert_eq!(expression_sql("(a + 1)"), ("(a + 1)".into(), false));
        assert_eq!(expression_sql("a + 1"), ("(a + 1)".into(), false));
        assert_eq!(expression_sql("(a) + (b)"), ("((a) + (b))".into(), false));
    }

    #[test]
    fn untyped_constants_drop_the_cast() {
        assert_eq!(
            untyped_constant("it's", Some(SqlType::Text.plain())),
            "'it''s'"
        );
        assert_eq!(untyped_constant("-1", Some(SqlType::Int4.plain())), "'-1'");
        assert_eq!(untyped_constant("7", Some(SqlType::Int4.plain())), "7");
        assert_eq!(untyped_constant("7", Some(SqlType::Int8.plain())), "'7'");
    }

    #[test]
    fn list_quals_handle_null() {
        let k = ("a".to_string(), SqlType::Text.plain());
        assert_eq!(
            list_quals(&k, &[Some("b".into())]).join(" AND "),
            "(a IS NOT NULL) AND (a = 'b'::text)"
        );
        assert_eq!(
            list_quals(&k, &[None, Some("b".into()), Some("c".into())]).join(" AND "),
            "((a IS NULL) OR (a = ANY (ARRAY['b'::text, 'c'::text])))"
        );
    }
}
