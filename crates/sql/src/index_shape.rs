//! Index definitions beyond a plain column list: expression keys
//! (`CREATE INDEX ON t ((b = 1))`, `(lower(x))`), partial-index predicates
//! (`... WHERE pred`) and INCLUDE columns. Parses them from CREATE INDEX,
//! names indexes and their partitions' copies as PostgreSQL does, and
//! deparses them for `pg_get_indexdef`. Expressions are stored as SQL text
//! over the table's column names (`IndexDef::exprs`, `IndexDef::predicate`)
//! and bound again where rows are written (`Binder::index_exprs`).

use sqlparser::ast;

use crate::binder::{ident_name, parse_expr};
use std::collections::BTreeSet;

use crate::catalog::{Catalog, IndexDef, TableDef, EXPRESSION_KEY};
use crate::error::{SqlError, SqlResult};
use crate::plan::Expr;

/// An index's key expressions (by key position; None for a column key)
/// and predicate, bound over its table's rows for one statement.
#[derive(Debug)]
pub struct BoundIndex {
    pub keys: Vec<Option<Expr>>,
    pub predicate: Option<Expr>,
}

/// `idx` bound over `table` for the planner, which has no catalog: index
/// expressions use built-in functions and operators only (`check_bound`),
/// so an empty catalog binds them. None (index not used) if that fails.
pub fn bind_for_planning(table: &TableDef, idx: &IndexDef) -> Option<BoundIndex> {
    let catalog = crate::catalog::Catalog::default();
    let (keys, predicate) = crate::binder::Binder::new(&catalog, "", vec![])
        .index_exprs(table, idx)
        .ok()?;
    Some(BoundIndex { keys, predicate })
}

/// The key of one CREATE INDEX column: a column or an expression's text.
pub fn parse_keys(
    cols: &[ast::IndexColumn],
    table: &TableDef,
) -> SqlResult<(Vec<usize>, Vec<Option<String>>)> {
    let mut columns = Vec::with_capacity(cols.len());
    let mut exprs = Vec::with_capacity(cols.len());
    for c in cols {
        let mut e = &c.column.expr;
        // `((b))` is the column b, as in PostgreSQL.
        while let ast::Expr::Nested(inner) = e {
            e = inner;
        }
        if let ast::Expr::Identifier(i) = e {
            let name = ident_name(i);
            let i = table.column_index(&name).ok_or_else(|| {
                SqlError::new("42703", format!("column \"{name}\" does not exist"))
            })?;
            columns.push(i);
            exprs.push(None);
            continue;
        }
        columns.push(EXPRESSION_KEY);
        exprs.push(Some(e.to_string()));
    }
    if exprs.iter().all(Option::is_none) {
        exprs.clear();
    }
    Ok((columns, exprs))
}

/// INCLUDE (cols): non-key columns, which may not repeat a key column's
/// position in the list (PostgreSQL allows a key column to be included).
pub fn parse_include(cols: &[ast::Ident], table: &TableDef) -> SqlResult<Vec<usize>> {
    cols.iter()
        .map(|i| {
            let name = ident_name(i);
            table
                .column_index(&name)
                .ok_or_else(|| SqlError::new("42703", format!("column \"{name}\" does not exist")))
        })
        .collect()
}

/// The AND-ed parts of a predicate, each as normalized SQL text.
pub fn conjunct_texts(e: &ast::Expr) -> Vec<String> {
    fn walk(e: &ast::Expr, out: &mut Vec<String>) {
        match e {
            ast::Expr::Nested(inner) => walk(inner, out),
            ast::Expr::BinaryOp {
                left,
                op: ast::BinaryOperator::And,
                right,
            } => {
                walk(left, out);
                walk(right, out);
            }
            other => out.push(other.to_string()),
        }
    }
    let mut out = Vec::new();
    walk(e, &mut out);
    out
}

/// Whether a partial index's predicate (stored text) is implied by a
/// statement's conjuncts: each of its conjuncts is one of them. A
/// sufficient test, never a wrong yes.
pub fn predicate_implied(predicate: &str, given: &[String]) -> bool {
    match parse_expr(predicate) {
        Ok(p) => conjunct_texts(&p).iter().all(|c| given.contains(c)),
        Err(_) => false,
    }
}

/// Stored expression `text` with column `from` renamed to `to` (ALTER
/// TABLE ... RENAME COLUMN keeps index expressions and predicates bound
/// to the same column, as PostgreSQL's attnum references do).
pub fn rename_column(text: &str, from: &str, to: &str) -> SqlResult<String> {
    let mut e = parse_expr(text)?;
    let renamed = |i: &mut ast::Ident| {
        if ident_name(i) == from {
            let plain = crate::pg_catalog::quote_ident(to) == to;
            *i = if plain {
                ast::Ident::new(to)
            } else {
                ast::Ident::with_quote('"', to)
            };
        }
    };
    let _ = ast::visit_expressions_mut(&mut e, |x| {
        match x {
            ast::Expr::Identifier(i) => renamed(i),
            ast::Expr::CompoundIdentifier(parts) => {
                if let Some(last) = parts.last_mut() {
                    renamed(last);
                }
            }
            _ => {}
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    Ok(e.to_string())
}

/// An expression's text as index keys store it (outer parens dropped).
pub fn normalized_key(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Nested(inner) => normalized_key(inner),
        other => other.to_string(),
    }
}

/// `idx`'s keys as sorted comparable text (`#i` for column i, else the
/// expression), for ON CONFLICT inference.
pub fn comparable_keys(idx: &IndexDef) -> Vec<String> {
    let mut keys: Vec<String> = idx
        .columns
        .iter()
        .enumerate()
        .map(|(pos, c)| match idx.expr_at(pos) {
            Some(text) => parse_expr(text)
                .map(|e| normalized_key(&e))
                .unwrap_or_else(|_| text.to_string()),
            None => format!("#{c}"),
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Built-in functions that are not IMMUTABLE in PostgreSQL (volatile or
/// stable): an index expression or predicate may not call them.
const NOT_IMMUTABLE: &[&str] = &[
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtime",
    "localtimestamp",
    "clock_timestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "timeofday",
    "random",
    "setseed",
    "gen_random_uuid",
    "nextval",
    "currval",
    "lastval",
    "setval",
    "current_setting",
    "set_config",
    "current_user",
    "session_user",
    "current_role",
    "current_schema",
    "current_database",
    "txid_current",
    "pg_backend_pid",
];

/// PostgreSQL's 42P17 when stored expression `text` calls a built-in
/// function that is not IMMUTABLE (`what`: "index expression" or
/// "index predicate").
pub fn check_immutable(text: &str, what: &str) -> SqlResult<()> {
    let e = parse_expr(text)?;
    let mut found = false;
    let _ = ast::visit_expressions(&e, |x| {
        if let ast::Expr::Function(f) = x {
            let name = f
                .name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(ident_name)
                .unwrap_or_default();
            found |= NOT_IMMUTABLE.contains(&name.as_str());
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    if found {
        return Err(SqlError::new(
            "42P17",
            format!("functions in {what} must be marked IMMUTABLE"),
        ));
    }
    Ok(())
}

/// PostgreSQL's rules for what an index expression or predicate may
/// contain: no subqueries, only immutable functions (user-defined functions
/// are not known to be immutable here).
pub fn check_bound(e: &Expr, what: &str) -> SqlResult<()> {
    if matches!(e, Expr::Subquery { .. }) {
        return Err(SqlError::new(
            "0A000",
            format!("cannot use subquery in {what}"),
        ));
    }
    if matches!(e, Expr::UserCall { .. } | Expr::StoredBytes { .. }) {
        return Err(SqlError::new(
            "42P17",
            format!("functions in {what} must be marked IMMUTABLE"),
        ));
    }
    let mut result = Ok(());
    e.for_each_child(&mut |c| {
        if result.is_ok() {
            result = check_bound(c, what);
        }
    });
    result
}

/// The name PostgreSQL gives an index key in a generated index name: the
/// column's name, a function's name, or `expr` (FigureIndexColname).
fn key_name_part(table: &TableDef, idx: &IndexDef, pos: usize) -> String {
    let Some(text) = idx.expr_at(pos) else {
        return idx
            .columns
            .get(pos)
            .and_then(|c| table.columns.get(*c))
            .map_or_else(|| "expr".to_string(), |c| c.name.clone());
    };
    parse_expr(text)
        .ok()
        .and_then(|e| figure_name(&e))
        .unwrap_or_else(|| "expr".to_string())
}

fn figure_name(e: &ast::Expr) -> Option<String> {
    match e {
        ast::Expr::Nested(inner) => figure_name(inner),
        ast::Expr::Function(f) => f.name.0.last().and_then(|p| p.as_ident()).map(ident_name),
        ast::Expr::Cast {
            expr, data_type, ..
        } => figure_name(expr).or_else(|| {
            let ty = data_type.to_string().to_lowercase();
            ty.split('(').next().map(|s| s.trim().to_string())
        }),
        ast::Expr::Identifier(i) => Some(ident_name(i)),
        ast::Expr::CompoundIdentifier(parts) => parts.last().map(ident_name),
        ast::Expr::Case { .. } => Some("case".into()),
        _ => None,
    }
}

/// The pg_attribute name of index attribute `pos` (`expr`, `lower`, or
/// the column's name).
pub fn key_attribute_name(table: &TableDef, idx: &IndexDef, pos: usize) -> String {
    key_name_part(table, idx, pos)
}

/// `a_b`, `expr`, `lower`: the middle of `{table}_{part}_idx`, from every
/// key and INCLUDE column (ChooseIndexColumnNames).
pub fn name_part(table: &TableDef, idx: &IndexDef) -> String {
    let mut parts: Vec<String> = (0..idx.columns.len())
        .map(|p| key_name_part(table, idx, p))
        .collect();
    parts.extend(
        idx.include
            .iter()
            .filter_map(|c| table.columns.get(*c).map(|c| c.name.clone())),
    );
    parts.join("_")
}

/// Whether PostgreSQL prints expression `text` without wrapping parens in
/// an index column list (a bare function call).
fn is_function_call(text: &str) -> bool {
    matches!(parse_expr(text), Ok(ast::Expr::Function(_)))
}

/// PostgreSQL's non-pretty deparse: every operator expression in parens.
fn deparse_full(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Nested(inner) => deparse_full(inner),
        ast::Expr::BinaryOp { left, op, right } => {
            format!("({} {op} {})", deparse_full(left), deparse_full(right))
        }
        ast::Expr::IsNull(x) => format!("({} IS NULL)", deparse_full(x)),
        ast::Expr::IsNotNull(x) => format!("({} IS NOT NULL)", deparse_full(x)),
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Not,
            expr,
        } => format!("(NOT {})", deparse_full(expr)),
        ast::Expr::Cast {
            kind: ast::CastKind::DoubleColon,
            expr,
            data_type,
            ..
        } => format!("(({})::{data_type})", deparse_full(expr)),
        other => other.to_string(),
    }
}

/// Stored expression text as `pg_get_indexdef` shows it.
fn deparse(text: &str, pretty: bool) -> String {
    match parse_expr(text) {
        Ok(e) if !pretty => deparse_full(&e),
        Ok(ast::Expr::Nested(inner)) => inner.to_string(),
        _ => text.to_string(),
    }
}

/// One key as `pg_get_indexdef(oid, n, pretty)` shows it (also its place
/// in the column list of the full definition).
pub fn key_text(table: &TableDef, idx: &IndexDef, pos: usize, pretty: bool) -> String {
    match idx.expr_at(pos) {
        Some(text) if is_function_call(text) => deparse(text, pretty),
        Some(text) => format!("({})", deparse(text, pretty)),
        None => idx
            .columns
            .get(pos)
            .and_then(|c| table.columns.get(*c))
            .map_or_else(String::new, |c| crate::pg_catalog::quote_ident(&c.name)),
    }
}

/// `pg_get_indexdef(oid)` (pretty: as psql's `\d` shows it, without the
/// schema and with fewer parens).
pub fn index_definition(table: &TableDef, idx: &IndexDef, unique: bool, pretty: bool) -> String {
    let keys: Vec<String> = (0..idx.columns.len())
        .map(|p| key_text(table, idx, p, pretty))
        .collect();
    let quoted_table = crate::pg_catalog::quote_ident(&table.name);
    let on = if pretty {
        quoted_table
    } else {
        format!("public.{quoted_table}")
    };
    let only = if table.partitioning.key.is_some() {
        "ONLY "
    } else {
        ""
    };
    let mut def = format!(
        "CREATE {}INDEX {} ON {only}{on} USING btree ({})",
        if unique { "UNIQUE " } else { "" },
        crate::pg_catalog::quote_ident(&idx.name),
        keys.join(", ")
    );
    if !idx.include.is_empty() {
        let names: Vec<String> = idx
            .include
            .iter()
            .filter_map(|c| table.columns.get(*c))
            .map(|c| crate::pg_catalog::quote_ident(&c.name))
            .collect();
        def.push_str(&format!(" INCLUDE ({})", names.join(", ")));
    }
    if let Some(p) = &idx.predicate {
        def.push_str(&format!(" WHERE {}", deparse(p, pretty)));
    }
    def
}

/// An index described by column names and expression text, comparable
/// across tables whose column orders differ.
fn signature(table: &TableDef, idx: &IndexDef) -> (Vec<String>, Option<String>, Vec<String>) {
    let keys = (0..idx.columns.len())
        .map(|p| key_text(table, idx, p, true))
        .collect();
    let include = idx
        .include
        .iter()
        .filter_map(|c| table.columns.get(*c).map(|c| c.name.clone()))
        .collect();
    (keys, idx.predicate.clone(), include)
}

/// ATTACH PARTITION: the attached table `part` gets a copy of every index
/// of `parent` it has no equivalent of (named as PostgreSQL names them),
/// returned with whether it is unique, for building over its rows.
pub fn adopt_parent_indexes(
    catalog: &Catalog,
    parent: &TableDef,
    part: &mut TableDef,
) -> SqlResult<Vec<(IndexDef, bool)>> {
    let mut taken: BTreeSet<String> = catalog
        .tables
        .values()
        .flat_map(|t| t.index_names().chain([t.name.as_str()]))
        .map(str::to_string)
        .collect();
    let mut added = Vec::new();
    let wanted = parent
        .unique
        .iter()
        .map(|i| (i, true))
        .chain(parent.indexes.iter().map(|i| (i, false)));
    for (idx, unique) in wanted {
        let sig = signature(parent, idx);
        let own = if unique { &part.unique } else { &part.indexes };
        if own.iter().any(|i| signature(part, i) == sig) {
            continue;
        }
        let remap = |c: &usize| -> SqlResult<usize> {
            if *c == EXPRESSION_KEY {
                return Ok(*c);
            }
            let name = &parent.columns[*c].name;
            part.column_index(name)
                .ok_or_else(|| SqlError::internal("attached partition lacks a parent column"))
        };
        let columns = idx
            .columns
            .iter()
            .map(remap)
            .collect::<SqlResult<Vec<_>>>()?;
        let include = idx
            .include
            .iter()
            .map(remap)
            .collect::<SqlResult<Vec<_>>>()?;
        let mut copy = IndexDef {
            id: 0,
            name: String::new(),
            columns,
            exprs: idx.exprs.clone(),
            predicate: idx.predicate.clone(),
            include,
        };
        let plain_unique = unique && copy.is_plain() && copy.include.is_empty();
        let suffix = if plain_unique { "key" } else { "idx" };
        let base = format!("{}_{}_{suffix}", part.name, name_part(part, &copy));
        let mut chosen = base.clone();
        let mut n = 0;
        while !taken.insert(chosen.clone()) {
            n += 1;
            chosen = format!("{base}{n}");
        }
        copy.name = chosen;
        copy.id = part.alloc_index_id()?;
        if unique {
            part.unique.push(copy.clone());
        } else {
            part.indexes.push(copy.clone());
        }
        added.push((copy, unique));
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deparse_matches_postgres_forms() {
        assert_eq!(deparse("b = 1", false), "(b = 1)");
        assert_eq!(deparse("b = 1", true), "b = 1");
        assert_eq!(
            deparse("a > 5 AND b IS NOT NULL", false),
            "((a > 5) AND (b IS NOT NULL))"
        );
    }
}
