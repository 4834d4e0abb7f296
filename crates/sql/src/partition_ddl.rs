//! DDL of declarative partitioning: PARTITION BY on CREATE TABLE (the key
//! and the rule that unique constraints include it) and CREATE TABLE ...
//! PARTITION OF (the bound, its checks against the sibling partitions, and
//! the new table, which takes the parent's columns and constraints).

use std::cmp::Ordering;
use std::sync::Arc;

use sqlparser::ast;
use sqlparser::tokenizer::Span;

use crate::binder::{
    check_partition_expr, ident_name, object_name, Binder, PartitionExprUse, Scope,
};
use crate::catalog::{sequence_mutation, Catalog, CheckDef, IndexDef, TableDef};
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::partition::{
    children, Bound, KeyPart, PartitionBound, PartitionKey, PartitionOf, Partitioning, RangeValue,
    Strategy, TypedKey,
};
use crate::plan::Expr;

/// PostgreSQL's system column names (never partition key columns).
const SYSTEM_COLUMNS: [&str; 6] = ["tableoid", "xmin", "xmax", "cmin", "cmax", "ctid"];

/// `PARTITION BY RANGE|LIST|HASH (column or expression, ...)` over `table`'s columns.
/// Whether `e` calls a user-defined function for which `test` holds.
fn calls_user_function(
    e: &crate::plan::Expr,
    test: &dyn Fn(&crate::routine::FunctionDef) -> bool,
) -> bool {
    if let crate::plan::Expr::UserCall { func, .. } = e {
        if test(func) {
            return true;
        }
    }
    let mut found = false;
    e.for_each_child(&mut |c| found = found || calls_user_function(c, test));
    found
}

/// Whether `e` reads a column of the row.
fn reads_a_column(e: &crate::plan::Expr) -> bool {
    if matches!(e, crate::plan::Expr::Column(..)) {
        return true;
    }
    let mut found = false;
    e.for_each_child(&mut |c| found = found || reads_a_column(c));
    found
}

pub fn parse_key(
    catalog: &Catalog,
    sql: &str,
    e: &ast::Expr,
    table: &TableDef,
) -> SqlResult<PartitionKey> {
    let ast::Expr::Function(f) = e else {
        return Err(SqlError::syntax(format!(
            "syntax error at or near \"{}\"",
            e.to_string().split_whitespace().next().unwrap_or("")
        )));
    };
    let strategy_name = f.name.to_string().to_lowercase();
    let strategy = match strategy_name.as_str() {
        "range" => Strategy::Range,
        "list" => Strategy::List,
        "hash" => Strategy::Hash,
        other => {
            return Err(SqlError::new(
                "22023",
                format!("unrecognized partitioning strategy \"{other}\""),
            ))
        }
    };
    let ast::FunctionArguments::List(list) = &f.args else {
        return Err(SqlError::syntax("syntax error in PARTITION BY"));
    };
    let mut parts = Vec::new();
    for arg in &list.args {
        let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) = arg else {
            return Err(SqlError::syntax("syntax error in PARTITION BY"));
        };
        // `((a))` is the column a, as in PostgreSQL.
        let mut x = x;
        while let ast::Expr::Nested(inner) = x {
            if !matches!(
                inner.as_ref(),
                ast::Expr::Identifier(_) | ast::Expr::Nested(_)
            ) {
                break;
            }
            x = inner;
        }
        let part = match x {
            ast::Expr::Identifier(i) => {
                let name = ident_name(i);
                let at = crate::binder::span_position(sql, i.span);
                if SYSTEM_COLUMNS.contains(&name.as_str()) {
                    return Err(SqlError::new(
                        "42P17",
                        format!("cannot use system column \"{name}\" in partition key"),
                    )
                    .at(at));
                }
                let c = table.column_index(&name).ok_or_else(|| {
                    SqlError::new(
                        "42703",
                        format!("column \"{name}\" named in partition key does not exist"),
                    )
                    .at(at)
                })?;
                KeyPart::Column(c)
            }
            expr => {
                check_partition_expr(expr, PartitionExprUse::Key, sql)?;
                let mut b = Binder::new(catalog, sql, vec![]);
                let bound = b.bind_expr(expr, &Scope::of_table(table, &table.name))?;
                let pseudo = match bound.ty().ty {
                    crate::types::SqlType::Record => Some("record"),
                    crate::types::SqlType::Unknown => Some("unknown"),
                    _ => None,
                };
                if let Some(pseudo) = pseudo {
                    return Err(SqlError::new(
                        "42P16",
                        format!(
                            "partition key column {} has pseudo-type {pseudo}",
                            parts.len() + 1
                        ),
                    ));
                }
                if calls_user_function(&bound, &|f| f.volatility != 'i') {
                    return Err(SqlError::new(
                        "42P17",
                        "functions in partition key expression must be marked IMMUTABLE",
                    ));
                }
                if calls_user_function(&bound, &|f| f.returns_set()) {
                    return Err(SqlError::new(
                        "0A000",
                        "set-returning functions are not allowed in partition key expressions",
                    ));
                }
                // A function of no column is a constant too (PostgreSQL
                // folds the immutable call).
                if bound.is_row_independent() || !reads_a_column(&bound) {
                    return Err(SqlError::new(
                        "0A000",
                        "cannot use constant expression as partition key",
                    ));
                }
                KeyPart::Expr {
                    sql: expr.to_string(),
                    ty: bound.ty(),
                }
            }
        };
        let ty = match &part {
            KeyPart::Column(c) => table.columns[*c].ty,
            KeyPart::Expr { ty, .. } => *ty,
        };

        if matches!(
            ty.ty,
            crate::types::SqlType::Json | crate::types::SqlType::Array(_)
        ) {
            return Err(SqlError::new(
                "42704",
                format!(
                    "data type {} has no default operator class for access method \"btree\"",
                    ty.display()
                ),
            ));
        }
        parts.push(part);
    }
    if strategy == Strategy::List && parts.len() > 1 {
        return Err(SqlError::new(
            "42P17",
            "cannot use \"list\" partition strategy with more than one column",
        ));
    }
    if parts.is_empty() {
        return Err(SqlError::syntax("syntax error in PARTITION BY"));
    }
    Ok(PartitionKey { strategy, parts })
}

/// PostgreSQL's rule: a unique constraint of a partitioned table must
/// contain every partition key column (uniqueness is enforced per partition).
pub fn check_unique_covers_key(t: &TableDef) -> SqlResult<()> {
    let Some(key) = &t.partitioning.key else {
        return Ok(());
    };
    let constraints = t
        .primary_key
        .iter()
        .map(|i| ("PRIMARY KEY", i))
        .chain(t.unique.iter().map(|i| ("UNIQUE", i)));
    for (kind, idx) in constraints {
        if key.parts.iter().any(|p| matches!(p, KeyPart::Expr { .. })) {
            return Err(SqlError::new(
                "0A000",
                format!("unsupported {kind} constraint with partition key definition"),
            )
            .with_detail(format!(
                "{kind} constraints cannot be used when partition keys include expressions."
            )));
        }
        if let Some(missing) = key.columns().find(|c| !idx.columns.contains(c)) {
            return Err(SqlError::new(
                "0A000",
                "unique constraint on partitioned table must include all partitioning columns",
            )
            .with_detail(format!(
                "{kind} constraint on table \"{}\" lacks column \"{}\" which is part of the partition key.",
                t.name, t.columns[missing].name
            )));
        }
    }
    Ok(())
}

/// CREATE TABLE name PARTITION OF parent FOR VALUES ... [PARTITION BY ...].
pub fn create_partition(
    catalog: &Catalog,
    ct: &ast::CreateTable,
    sql: &str,
    id: u32,
    notices: &mut Vec<SqlError>,
) -> SqlResult<Option<DdlChange>> {
    let name = object_name(&ct.name)?;
    let parent_name = object_name(
        ct.partition_of
            .as_ref()
            .ok_or_else(|| SqlError::internal("PARTITION OF without a parent"))?,
    )?;
    if catalog.tables.contains_key(&name) || catalog.views.contains_key(&name) {
        if ct.if_not_exists {
            return Ok(None);
        }
        return Err(SqlError::new(
            "42P07",
            format!("relation \"{name}\" already exists"),
        ));
    }
    let parent = catalog.table(&parent_name)?;
    let key = TypedKey::of(&parent)
        .ok_or_else(|| SqlError::new("42809", format!("\"{parent_name}\" is not partitioned")))?;
    let for_values = ct
        .for_values
        .as_ref()
        .ok_or_else(|| SqlError::syntax("syntax error: PARTITION OF needs FOR VALUES"))?;
    let at = BoundPositions::of(sql, for_values);
    let bound = bound_from_ast(catalog, sql, &key, &name, for_values, &at)?;
    check_against_siblings(catalog, &parent, &key, &name, &bound, &at)?;

    let mut t = partition_table(&parent, &name, id);
    t.partitioning.of = Some(PartitionOf {
        parent: parent_name,
        bound,
    });
    let mut binder_catalog = catalog.clone();
    apply_column_options(&mut t, &ct.columns)?;
    for c in &ct.constraints {
        match c {
            ast::TableConstraint::Check(ch) => {
                let cname = ch
                    .name
                    .as_ref()
                    .map(ident_name)
                    .unwrap_or_else(|| format!("{name}_check"));
                // Merged with the inherited constraint of the same name.
                let expr = ch.expr.to_string();
                if crate::inheritance::merge_local_check(&t, &cname, &expr, notices)? {
                    continue;
                }
                t.checks.push(CheckDef {
                    name: cname,
                    expr: ch.expr.to_string(),
                });
            }
            other => {
                return Err(SqlError::unsupported(format!(
                    "constraint {other} in CREATE TABLE ... PARTITION OF"
                )))
            }
        }
    }
    t.checks.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(e) = &ct.partition_by {
        t.partitioning.key = Some(parse_key(catalog, sql, e, &t)?);
        check_unique_covers_key(&t)?;
    }
    if let Some(s) = &t.rowid_sequence {
        binder_catalog.sequences.insert(s.clone(), ());
    }
    Binder::new(&binder_catalog, sql, vec![]).checks(&t)?;
    let mut mutations = vec![
        Catalog::table_mutation(&t)?,
        Catalog::next_id_mutation(catalog.next_table_id.max(id + 1)),
    ];
    let created_sequences: Vec<String> = t.rowid_sequence.iter().cloned().collect();
    for s in &created_sequences {
        mutations.push(sequence_mutation(s, 0));
    }
    let mut next = binder_catalog;
    next.next_table_id = next.next_table_id.max(id + 1);
    next.tables.insert(name.clone(), Arc::new(t));
    let validations = default_validations(&next, &parent, &name, sql)?;
    Ok(Some(DdlChange {
        created_sequences,
        validations,
        ..DdlChange::catalog_only(next, mutations)
    }))
}

/// `PARTITION OF parent (column options ...)`: NOT NULL, DEFAULT and CHECK
/// for columns the partition takes from its parent.
fn apply_column_options(t: &mut TableDef, columns: &[ast::ColumnDef]) -> SqlResult<()> {
    let mut seen: Vec<String> = Vec::new();
    for col in columns {
        let cname = ident_name(&col.name);
        if seen.contains(&cname) {
            return Err(SqlError::new(
                "42701",
                format!("column \"{cname}\" specified more than once"),
            ));
        }
        seen.push(cname.clone());
        let i = t
            .column_index(&cname)
            .ok_or_else(|| SqlError::new("42703", format!("column \"{cname}\" does not exist")))?;
        for opt in &col.options {
            match &opt.option {
                ast::ColumnOption::Null => {}
                ast::ColumnOption::NotNull => t.columns[i].not_null = true,
                ast::ColumnOption::Default(e) => t.columns[i].default = Some(e.to_string()),
                ast::ColumnOption::Check(c) => {
                    let name = c
                        .name
                        .as_ref()
                        .or(opt.name.as_ref())
                        .map(ident_name)
                        .unwrap_or_else(|| format!("{}_{cname}_check", t.name));
                    t.checks.push(CheckDef {
                        name,
                        expr: c.expr.to_string(),
                    });
                }
                other => {
                    return Err(SqlError::unsupported(format!(
                        "column option {other} in CREATE TABLE ... PARTITION OF"
                    )))
                }
            }
        }
    }
    Ok(())
}

/// A new partition of `parent`: its columns, NOT NULL, defaults, checks,
/// foreign keys and indexes (named after the partition, as PostgreSQL does).
fn partition_table(parent: &TableDef, name: &str, id: u32) -> TableDef {
    let columns: Vec<_> = parent
        .columns
        .iter()
        .map(|c| crate::catalog::ColumnDef {
            missing: None,
            ..c.clone()
        })
        .collect();
    let cols_name = |idx: &IndexDef| {
        idx.columns
            .iter()
            .map(|c| parent.columns[*c].name.as_str())
            .collect::<Vec<_>>()
            .join("_")
    };
    let rename = |idx: &IndexDef, name: String| IndexDef {
        id: idx.id,
        name,
        columns: idx.columns.clone(),
    };
    TableDef {
        id,
        name: name.to_string(),
        primary_key: parent
            .primary_key
            .as_ref()
            .map(|pk| rename(pk, format!("{name}_pkey"))),
        unique: parent
            .unique
            .iter()
            .map(|u| rename(u, format!("{name}_{}_key", cols_name(u))))
            .collect(),
        checks: parent.checks.clone(),
        rowid_sequence: parent
            .primary_key
            .is_none()
            .then(|| format!("pg_rowid_{id}")),
        owned_sequences: vec![],
        indexes: parent
            .indexes
            .iter()
            .map(|i| rename(i, format!("{name}_{}_idx", cols_name(i))))
            .collect(),
        next_index_id: parent.next_index_id,
        foreign_keys: parent.foreign_keys.clone(),
        layout: vec![],
        slots: 0,
        stats: None,
        columns,
        partitioning: Partitioning::default(),
        inheritance: Default::default(),
    }
}

fn invalid_bound(strategy: Strategy) -> SqlError {
    SqlError::new(
        "42P16",
        format!(
            "invalid bound specification for a {} partition",
            strategy.name()
        ),
    )
}

/// A bound value: a constant in the key column's type, kept as text (None: NULL).
fn bound_value(
    catalog: &Catalog,
    sql: &str,
    key: &TypedKey,
    part: usize,
    e: &ast::Expr,
) -> SqlResult<Option<String>> {
    check_partition_expr(e, PartitionExprUse::Bound, sql)?;
    let mut b = Binder::new(catalog, sql, vec![]);
    let bound = b.bind_expr(e, &Scope::default())?;
    // Coerced like a value assigned to a column of the key part's type.
    let target = crate::catalog::ColumnDef {
        name: key.part_name(part).to_string(),
        ty: key.types[part],
        not_null: false,
        default: None,
        missing: None,
        domain: None,
    };
    let bound = b
        .coerce_assign(bound, &target, Span::empty())
        .map_err(|err| {
            if err.sqlstate == "42804" {
                SqlError::new(
                    "42804",
                    format!(
                        "specified value cannot be cast to type {} for column \"{}\"",
                        target.ty.display(),
                        target.name
                    ),
                )
                .at(crate::binder::span_position(
                    sql,
                    sqlparser::ast::Spanned::span(e),
                ))
            } else {
                err
            }
        })?;
    match bound {
        Expr::Const(d, _) => Ok(d.to_text(1)),
        _ => Err(SqlError::unsupported(format!(
            "partition bound expression {e}"
        ))),
    }
}

/// Where PostgreSQL points its bound errors: the bound specification (after
/// FOR VALUES) and the first bound value.
struct BoundPositions {
    spec: Option<u32>,
    first_value: Option<u32>,
}

impl BoundPositions {
    fn of(sql: &str, fv: &ast::ForValues) -> BoundPositions {
        use sqlparser::ast::Spanned;
        let lower = sql.to_ascii_lowercase();
        let spec = match fv {
            ast::ForValues::Default => lower.find("default"),
            _ => lower.find("for values").map(|i| {
                let rest = &sql[i + "for values".len()..];
                i + "for values".len() + (rest.len() - rest.trim_start().len())
            }),
        }
        .map(|b| sql[..b].chars().count() as u32 + 1);
        let first_value = match fv {
            ast::ForValues::In(items) => items
                .first()
                .and_then(|e| crate::binder::span_position(sql, e.span())),
            // MINVALUE has no span: the first token inside FROM's parentheses.
            ast::ForValues::From { .. } => lower
                .find("for values")
                .and_then(|i| lower[i..].find('(').map(|j| i + j + 1))
                .map(|b| {
                    let rest = &sql[b..];
                    let b = b + (rest.len() - rest.trim_start().len());
                    sql[..b].chars().count() as u32 + 1
                }),
            _ => None,
        };
        BoundPositions { spec, first_value }
    }
}

fn bound_from_ast(
    catalog: &Catalog,
    sql: &str,
    key: &TypedKey,
    name: &str,
    fv: &ast::ForValues,
    at: &BoundPositions,
) -> SqlResult<PartitionBound> {
    match fv {
        ast::ForValues::Default if key.strategy == Strategy::Hash => Err(SqlError::new(
            "42P16",
            "a hash-partitioned table may not have a default partition",
        )),
        ast::ForValues::Default => Ok(PartitionBound::Default),
        ast::ForValues::In(items) => {
            if key.strategy != Strategy::List {
                return Err(invalid_bound(key.strategy).at(at.spec));
            }
            let mut values: Vec<Option<String>> = Vec::new();
            for e in items {
                let v = bound_value(catalog, sql, key, 0, e)?;
                if !values.contains(&v) {
                    values.push(v);
                }
            }
            Ok(PartitionBound::List(values))
        }
        ast::ForValues::From { from, to } => {
            if key.strategy != Strategy::Range {
                return Err(invalid_bound(key.strategy).at(at.spec));
            }
            let edges = |vals: &[ast::PartitionBoundValue], what: &str| {
                if vals.len() != key.parts.len() {
                    return Err(SqlError::new(
                        "42P16",
                        format!("{what} must specify exactly one value per partitioning column"),
                    ));
                }
                let mut out = Vec::new();
                for (i, v) in vals.iter().enumerate() {
                    out.push(match v {
                        ast::PartitionBoundValue::MinValue => RangeValue::MinValue,
                        ast::PartitionBoundValue::MaxValue => RangeValue::MaxValue,
                        ast::PartitionBoundValue::Expr(e) => {
                            match bound_value(catalog, sql, key, i, e)? {
                                Some(s) => RangeValue::Value(s),
                                None => {
                                    return Err(SqlError::new(
                                        "42P16",
                                        "cannot specify NULL in range bound",
                                    ))
                                }
                            }
                        }
                    });
                }
                // After MINVALUE/MAXVALUE only the same may follow.
                let mut seen: Option<&RangeValue> = None;
                for (i, v) in out.iter().enumerate() {
                    // PostgreSQL points at the offending value.
                    let at = match &vals[i] {
                        ast::PartitionBoundValue::Expr(e) => {
                            crate::binder::span_position(sql, sqlparser::ast::Spanned::span(e))
                        }
                        _ => None,
                    };
                    match (seen, v) {
                        (Some(RangeValue::MinValue), x) if *x != RangeValue::MinValue => {
                            return Err(SqlError::new(
                                "42P16",
                                "every bound following MINVALUE must also be MINVALUE",
                            )
                            .at(at))
                        }
                        (Some(RangeValue::MaxValue), x) if *x != RangeValue::MaxValue => {
                            return Err(SqlError::new(
                                "42P16",
                                "every bound following MAXVALUE must also be MAXVALUE",
                            )
                            .at(at))
                        }
                        _ => {}
                    }
                    if !matches!(v, RangeValue::Value(_)) {
                        seen = Some(v);
                    }
                }
                Ok(out)
            };
            let (from, to) = (edges(from, "FROM")?, edges(to, "TO")?);
            let bound = PartitionBound::Range { from, to };
            if let Bound::Range { from: f, to: t } = key.resolve(&bound)? {
                if key.cmp_bounds(&f, &t) != Ordering::Less {
                    let PartitionBound::Range { from, to } = &bound else {
                        unreachable!("built as a range just above")
                    };
                    return Err(SqlError::new(
                        "42P17",
                        format!("empty range bound specified for partition \"{name}\""),
                    )
                    .with_detail(format!(
                        "Specified lower bound {} is greater than or equal to upper bound {}.",
                        show_edges(key, from),
                        show_edges(key, to)
                    ))
                    .at(at.first_value));
                }
            }
            Ok(bound)
        }
        ast::ForValues::With { modulus, remainder } => {
            if key.strategy != Strategy::Hash {
                return Err(invalid_bound(key.strategy).at(at.spec));
            }
            if *modulus == 0 {
                return Err(SqlError::new(
                    "42P16",
                    "modulus for hash partition must be an integer value greater than zero",
                ));
            }
            if remainder >= modulus {
                return Err(SqlError::new(
                    "42P16",
                    "remainder for hash partition must be less than modulus",
                ));
            }
            Ok(PartitionBound::Hash {
                modulus: *modulus,
                remainder: *remainder,
            })
        }
    }
}

/// `(1, 'a', MINVALUE)` as PostgreSQL prints a range bound.
fn show_edges(key: &TypedKey, values: &[RangeValue]) -> String {
    let parts: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            RangeValue::MinValue => "MINVALUE".to_string(),
            RangeValue::MaxValue => "MAXVALUE".to_string(),
            RangeValue::Value(s) => {
                use crate::types::Category;
                match key.types.get(i).map(|t| t.ty.category()) {
                    Some(Category::Numeric) => s.clone(),
                    _ => format!("'{}'", s.replace('\'', "''")),
                }
            }
        })
        .collect();
    format!("({})", parts.join(", "))
}

fn overlap(name: &str, other: &str) -> SqlError {
    SqlError::new(
        "42P17",
        format!("partition \"{name}\" would overlap partition \"{other}\""),
    )
}

/// PostgreSQL's checks of a new bound against the parent's other partitions.
fn check_against_siblings(
    catalog: &Catalog,
    parent: &TableDef,
    key: &TypedKey,
    name: &str,
    bound: &PartitionBound,
    at: &BoundPositions,
) -> SqlResult<()> {
    let new = key.resolve(bound)?;
    if let Bound::Hash { modulus, remainder } = new {
        let siblings: Vec<(String, u64, u64)> = children(catalog, parent)?
            .into_iter()
            .filter_map(|(t, b)| match b {
                Bound::Hash { modulus, remainder } => Some((t.name.clone(), modulus, remainder)),
                _ => None,
            })
            .collect();
        return check_hash_bound(name, modulus, remainder, siblings, at);
    }
    for (sibling, old) in children(catalog, parent)? {
        match (&new, &old) {
            (Bound::Default, Bound::Default) => {
                return Err(SqlError::new(
                    "42P17",
                    format!(
                        "partition \"{name}\" conflicts with existing default partition \"{}\"",
                        sibling.name
                    ),
                )
                .at(at.spec))
            }
            (Bound::Range { from, to }, Bound::Range { from: f, to: t })
                if key.cmp_bounds(from, t) == Ordering::Less
                    && key.cmp_bounds(f, to) == Ordering::Less =>
            {
                return Err(overlap(name, &sibling.name).at(at.first_value));
            }
            (
                Bound::List { values, null },
                Bound::List {
                    values: v2,
                    null: n2,
                },
            ) => {
                let shared = values.iter().any(|x| {
                    key.contains(
                        &Bound::List {
                            values: v2.clone(),
                            null: false,
                        },
                        std::slice::from_ref(x),
                    )
                });
                if shared || (*null && *n2) {
                    return Err(overlap(name, &sibling.name).at(at.first_value));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// PostgreSQL's hash bound rules: each modulus a factor of the next larger
/// one (checked against the neighbours in (modulus, remainder) order), and
/// no hash slot below the greatest modulus owned twice.
fn check_hash_bound(
    name: &str,
    modulus: u64,
    remainder: u64,
    mut siblings: Vec<(String, u64, u64)>,
    at: &BoundPositions,
) -> SqlResult<()> {
    if siblings.is_empty() {
        return Ok(());
    }
    siblings.sort_by_key(|(_, m, r)| (*m, *r));
    let not_factor = |detail: String| {
        SqlError::new(
            "42P17",
            "every hash partition modulus must be a factor of the next larger modulus",
        )
        .with_detail(detail)
    };
    // The greatest bound not above the new one, as PostgreSQL's bsearch finds it.
    let offset = siblings
        .iter()
        .rposition(|(_, m, r)| (*m, *r) <= (modulus, remainder));
    match offset {
        None => {
            let (next_name, next, _) = &siblings[0];
            if !next.is_multiple_of(modulus) {
                return Err(not_factor(format!("The new modulus {modulus} is not a factor of {next}, the modulus of existing partition \"{next_name}\".")));
            }
        }
        Some(o) => {
            let (prev_name, prev, _) = &siblings[o];
            if !modulus.is_multiple_of(*prev) {
                return Err(not_factor(format!("The new modulus {modulus} is not divisible by {prev}, the modulus of existing partition \"{prev_name}\".")));
            }
            if let Some((next_name, next, _)) = siblings.get(o + 1) {
                if !next.is_multiple_of(modulus) {
                    return Err(not_factor(format!("The new modulus {modulus} is not a factor of {next}, the modulus of existing partition \"{next_name}\".")));
                }
            }
        }
    }
    let greatest = siblings.iter().map(|(_, m, _)| *m).max().unwrap_or(modulus);
    let mut slot = if remainder >= greatest {
        remainder % greatest
    } else {
        remainder
    };
    while slot < greatest {
        if let Some((owner, _, _)) = siblings.iter().find(|(_, m, r)| slot % m == *r) {
            return Err(overlap(name, owner).at(at.spec));
        }
        slot += modulus;
    }
    Ok(())
}

/// ALTER TABLE parent ATTACH PARTITION name FOR VALUES ... | DEFAULT: an
/// existing table becomes a partition once its columns and constraints
/// match the parent's and its rows (and the default partition's) are
/// checked against the new bounds.
pub fn attach_partition(
    catalog: &Catalog,
    parent_name: &str,
    partition: &ast::ObjectName,
    for_values: &ast::ForValues,
    sql: &str,
) -> SqlResult<Option<DdlChange>> {
    let parent = catalog.table(parent_name)?;
    let name = object_name(partition)?;
    let part = catalog.table(&name)?;
    let key = TypedKey::of(&parent).ok_or_else(|| {
        SqlError::new(
            "42809",
            format!("table \"{parent_name}\" is not partitioned"),
        )
    })?;
    if part.partitioning.of.is_some() {
        return Err(SqlError::new(
            "42P17",
            format!("\"{name}\" is already a partition"),
        ));
    }
    if part.name == parent.name
        || crate::partition::descendants(catalog, &part)
            .iter()
            .any(|d| d.name == parent.name)
    {
        return Err(
            SqlError::new("42P07", "circular inheritance not allowed").with_detail(format!(
                "\"{}\" is already a child of \"{}\".",
                parent.name, part.name
            )),
        );
    }
    check_columns_match(&parent, &part)?;
    if let Some(pk) = &parent.primary_key {
        let wanted: Vec<&str> = pk
            .columns
            .iter()
            .map(|c| parent.columns[*c].name.as_str())
            .collect();
        let has = part.primary_key.as_ref().is_some_and(|p| {
            p.columns
                .iter()
                .map(|c| part.columns[*c].name.as_str())
                .eq(wanted.iter().copied())
        });
        if !has {
            return Err(SqlError::unsupported(
                "ATTACH PARTITION of a table without the parent's primary key",
            ));
        }
    }
    let at = BoundPositions::of(sql, for_values);
    let bound = bound_from_ast(catalog, sql, &key, &name, for_values, &at)?;
    check_against_siblings(catalog, &parent, &key, &name, &bound, &at)?;
    let mut t = (*part).clone();
    t.partitioning.of = Some(PartitionOf {
        parent: parent.name.clone(),
        bound,
    });
    let t = Arc::new(t);
    let mut next = catalog.clone();
    next.tables.insert(name.clone(), t.clone());
    let mut validations = Vec::new();
    let mut binder = Binder::new(&next, sql, vec![]);
    for leaf in crate::partition::leaves(&next, &t)? {
        if let Some(router) = binder.router(&leaf)? {
            validations.push(crate::ddl::Validation::PartitionBound {
                table: leaf,
                router,
                message: format!(
                    "partition constraint of relation \"{name}\" is violated by some row"
                ),
            });
        }
    }
    validations.extend(default_validations(&next, &parent, &name, sql)?);
    let mutations = vec![Catalog::table_mutation(&t)?];
    Ok(Some(DdlChange {
        validations,
        ..DdlChange::catalog_only(next, mutations)
    }))
}

/// Rows of `parent`'s default partition (other than `new`) must not belong
/// to the new partition `new` (checked on the catalog `next` that has it).
fn default_validations(
    next: &Catalog,
    parent: &TableDef,
    new: &str,
    sql: &str,
) -> SqlResult<Vec<crate::ddl::Validation>> {
    let mut out = Vec::new();
    let Some(default) = default_partition(next, parent, new) else {
        return Ok(out);
    };
    let mut binder = Binder::new(next, sql, vec![]);
    for leaf in crate::partition::leaves(next, &default)? {
        if let Some(router) = binder.router(&leaf)? {
            out.push(crate::ddl::Validation::PartitionBound {
                table: leaf,
                router,
                message: format!(
                    "updated partition constraint for default partition \"{}\" would be violated by some row",
                    default.name
                ),
            });
        }
    }
    Ok(out)
}

/// The default partition of `parent` other than `except`, if any.
fn default_partition(catalog: &Catalog, parent: &TableDef, except: &str) -> Option<Arc<TableDef>> {
    catalog
        .tables
        .values()
        .find(|t| {
            t.name != except
                && t.partitioning
                    .of
                    .as_ref()
                    .is_some_and(|o| o.parent == parent.name && o.bound == PartitionBound::Default)
        })
        .cloned()
}

/// PostgreSQL's rules for a table attached as a partition: the same column
/// names and types (in any order), NOT NULL and CHECK constraints kept.
fn check_columns_match(parent: &TableDef, part: &TableDef) -> SqlResult<()> {
    let mismatch = |m: String| SqlError::new("42804", m);
    for c in &part.columns {
        if parent.column_index(&c.name).is_none() {
            return Err(mismatch(format!(
                "table \"{}\" contains column \"{}\" not found in parent \"{}\"",
                part.name, c.name, parent.name
            ))
            .with_detail("The new partition may contain only the columns present in parent."));
        }
    }
    for pc in &parent.columns {
        let Some(i) = part.column_index(&pc.name) else {
            return Err(mismatch(format!(
                "child table is missing column \"{}\"",
                pc.name
            )));
        };
        let c = &part.columns[i];
        if c.ty != pc.ty {
            return Err(mismatch(format!(
                "child table \"{}\" has different type for column \"{}\"",
                part.name, pc.name
            )));
        }
        if pc.not_null && !c.not_null {
            return Err(mismatch(format!(
                "column \"{}\" in child table must be marked NOT NULL",
                pc.name
            )));
        }
    }
    for ch in &parent.checks {
        if !part.checks.iter().any(|x| x.name == ch.name) {
            return Err(mismatch(format!(
                "child table is missing constraint \"{}\"",
                ch.name
            )));
        }
    }
    Ok(())
}

/// ALTER TABLE parent DETACH PARTITION name: the partition becomes an
/// ordinary (or, if partitioned itself, a root partitioned) table.
pub fn detach_partition(
    catalog: &Catalog,
    parent_name: &str,
    partition: &ast::ObjectName,
) -> SqlResult<Option<DdlChange>> {
    let parent = catalog.table(parent_name)?;
    let name = object_name(partition)?;
    let part = catalog.table(&name)?;
    if part.partitioning.of.as_ref().map(|o| o.parent.as_str()) != Some(parent.name.as_str()) {
        return Err(SqlError::new(
            "42P01",
            format!(
                "relation \"{name}\" is not a partition of relation \"{}\"",
                parent.name
            ),
        ));
    }
    let mut t = (*part).clone();
    t.partitioning.of = None;
    let mut next = catalog.clone();
    let mutations = vec![Catalog::table_mutation(&t)?];
    next.tables.insert(name, Arc::new(t));
    Ok(Some(DdlChange::catalog_only(next, mutations)))
}

/// ALTER TABLE on a partition: its columns are the parent's, so adding,
/// dropping or renaming one there is refused as in PostgreSQL.
pub fn check_alter_of_partition(
    catalog: &Catalog,
    t: &TableDef,
    at: &ast::AlterTable,
) -> SqlResult<()> {
    let Some(of) = &t.partitioning.of else {
        return Ok(());
    };
    let parent = catalog.table(&of.parent)?;
    for op in &at.operations {
        match op {
            ast::AlterTableOperation::DropConstraint { name, .. } => {
                let n = ident_name(name);
                if parent.checks.iter().any(|c| c.name == n) {
                    return Err(SqlError::new(
                        "42P16",
                        format!(
                            "cannot drop inherited constraint \"{n}\" of relation \"{}\"",
                            t.name
                        ),
                    ));
                }
            }
            ast::AlterTableOperation::AddColumn { .. } => {
                return Err(SqlError::new("42809", "cannot add column to a partition"))
            }
            ast::AlterTableOperation::DropColumn { column_names, .. } => {
                let name = column_names.first().map(ident_name).unwrap_or_default();
                if t.column_index(&name).is_some() {
                    return Err(SqlError::new(
                        "42P16",
                        format!("cannot drop inherited column \"{name}\""),
                    ));
                }
            }
            ast::AlterTableOperation::RenameColumn {
                old_column_name, ..
            } => {
                return Err(SqlError::new(
                    "42P16",
                    format!(
                        "cannot rename inherited column \"{}\"",
                        ident_name(old_column_name)
                    ),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// The part of an ALTER TABLE of a partitioned table that applies to its
/// partition `d` too (columns, NOT NULL, defaults, CHECK constraints); None
/// if nothing does.
pub fn alter_for_partition(at: &ast::AlterTable, d: &TableDef) -> Option<ast::AlterTable> {
    let operations: Vec<ast::AlterTableOperation> = at
        .operations
        .iter()
        .filter(|op| match op {
            ast::AlterTableOperation::AddColumn { .. }
            | ast::AlterTableOperation::DropColumn { .. }
            | ast::AlterTableOperation::AlterColumn { .. }
            | ast::AlterTableOperation::RenameColumn { .. } => true,
            // A partition's own CHECK of the same name merges with it.
            ast::AlterTableOperation::AddConstraint {
                constraint: ast::TableConstraint::Check(ch),
                ..
            } => !ch
                .name
                .as_ref()
                .is_some_and(|n| d.checks.iter().any(|c| c.name == ident_name(n))),
            ast::AlterTableOperation::DropConstraint { name, .. } => {
                let n = ident_name(name);
                d.checks.iter().any(|c| c.name == n)
            }
            _ => false,
        })
        .cloned()
        .collect();
    if operations.is_empty() {
        return None;
    }
    let mut sub = at.clone();
    sub.name = ast::ObjectName::from(vec![ast::Ident::with_quote('"', d.name.clone())]);
    sub.operations = operations;
    Some(sub)
}

/// DROP COLUMN of logical column `i`: refused if the partition key uses it;
/// the key's later column positions shift down.
pub fn drop_key_column(t: &mut TableDef, i: usize) -> SqlResult<()> {
    let Some(key) = t.partitioning.key.as_mut() else {
        return Ok(());
    };
    let cname = t.columns[i].name.clone();
    let used = key.parts.iter().any(|p| match p {
        KeyPart::Column(c) => *c == i,
        KeyPart::Expr { sql, .. } => sql
            .split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
            .any(|w| w.eq_ignore_ascii_case(&cname)),
    });
    if used {
        return Err(SqlError::new(
            "42P16",
            format!(
                "cannot drop column \"{cname}\" because it is part of the partition key of relation \"{}\"",
                t.name
            ),
        ));
    }
    for p in key.parts.iter_mut() {
        if let KeyPart::Column(c) = p {
            if *c > i {
                *c -= 1;
            }
        }
    }
    Ok(())
}

/// INHERITS next to partitioning: PostgreSQL's refusals (other INHERITS
/// are left to CREATE TABLE).
pub fn check_inherits(catalog: &Catalog, ct: &ast::CreateTable) -> SqlResult<()> {
    let Some(parents) = ct.inherits.as_ref().filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    if ct.partition_by.is_some() {
        return Err(SqlError::new(
            "42P16",
            "cannot create partitioned table as inheritance child",
        ));
    }
    for p in parents {
        let name = object_name(p)?;
        if let Some(t) = catalog.tables.get(&name) {
            if t.partitioning.key.is_some() {
                return Err(SqlError::new(
                    "42809",
                    format!("cannot inherit from partitioned table \"{name}\""),
                ));
            }
            if t.partitioning.of.is_some() {
                return Err(SqlError::new(
                    "42809",
                    format!("cannot inherit from partition \"{name}\""),
                ));
            }
        }
    }
    Ok(())
}
