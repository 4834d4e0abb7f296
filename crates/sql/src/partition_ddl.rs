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
    children, Bound, Edge, KeyPart, PartitionBound, PartitionKey, PartitionOf, Partitioning,
    RangeValue, Strategy, TypedKey,
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

/// Would PostgreSQL's planner inline SQL function `f` (a body of one
/// `SELECT expression` without FROM) into an immutable expression? Then a
/// partition key may call it even though it is not marked IMMUTABLE.
fn inlines_to_immutable(catalog: &Catalog, f: &crate::routine::FunctionDef) -> bool {
    if f.language != crate::routine::Language::Sql || f.returns_set() || f.security_definer {
        return false;
    }
    let Ok(statements) = crate::session::parse(&f.body) else {
        return false;
    };
    let [ast::Statement::Query(q)] = statements.as_slice() else {
        return false;
    };
    let ast::SetExpr::Select(select) = q.body.as_ref() else {
        return false;
    };
    let [ast::SelectItem::UnnamedExpr(e)] = select.projection.as_slice() else {
        return false;
    };
    if !select.from.is_empty() || select.selection.is_some() || q.with.is_some() {
        return false;
    }
    // The body's own calls must be immutable too (built-ins here are).
    let mut names = Vec::new();
    let _ = sqlparser::ast::visit_expressions(e, |x| {
        if let ast::Expr::Function(call) = x {
            names.push(call.name.to_string().to_lowercase());
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    names.iter().all(|n| {
        catalog
            .functions
            .get(n)
            .is_none_or(|list| list.iter().all(|g| g.volatility == 'i'))
            && !["random", "now", "clock_timestamp", "nextval", "timeofday"].contains(&n.as_str())
    })
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
    let mut opclasses: Vec<Option<String>> = Vec::new();
    let mut collations: Vec<Option<String>> = Vec::new();
    for arg in &list.args {
        let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) = arg else {
            return Err(SqlError::syntax("syntax error in PARTITION BY"));
        };
        // `key [COLLATE c] [opclass]` (`crate::partition_key_syntax` made the
        // class a marked COLLATE).
        let mut x = x;
        let mut opclass = None;
        let mut collation = None;
        while let ast::Expr::Collate { expr, collation: c } = x {
            let name =
                c.0.last()
                    .and_then(|p| p.as_ident())
                    .map(ident_name)
                    .unwrap_or_default();
            match crate::partition_key_syntax::opclass_of_collation(&name) {
                Some(class) => opclass = Some(class.to_string()),
                // The default collation is the column's own.
                None if name == "default" => {}
                None => collation = Some(name),
            }
            x = expr;
        }
        let named_class = opclass.is_some();
        opclasses.push(opclass);
        collations.push(collation);
        // `((a))` is the column a, as in PostgreSQL.
        while let ast::Expr::Nested(inner) = x {
            if !matches!(
                inner.as_ref(),
                ast::Expr::Identifier(_) | ast::Expr::Nested(_)
            ) {
                break;
            }
            x = inner;
        }
        // The table's own name is its whole row (a composite key), unless a
        // column has that name.
        let whole_row = |i: &ast::Ident| {
            let name = ident_name(i);
            table.column_index(&name).is_none() && name == crate::schema::split(&table.name).1
        };
        let part = match x {
            ast::Expr::Identifier(i) if !whole_row(i) => {
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
                // The key may name the table's row type, so the table being
                // created is in the catalog the key binds against.
                let mut with_table = catalog.clone();
                with_table
                    .tables
                    .insert(table.name.clone(), std::sync::Arc::new(table.clone()));
                let mut b = Binder::new(&with_table, sql, vec![]);
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
                if calls_user_function(&bound, &|f| {
                    f.volatility != 'i' && !inlines_to_immutable(catalog, f)
                }) {
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

        // A named class is checked below (`crate::opclass`).
        if !named_class
            && (matches!(ty.ty, crate::types::SqlType::Json)
                || crate::geometry::is_geometric(ty.ty))
        {
            return Err(SqlError::new(
                "42704",
                format!(
                    "data type {} has no default operator class for access method \"btree\"",
                    ty.display()
                ),
            )
            .with_hint("You must specify a btree operator class or define a default btree operator class for the data type."));
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
    let mut key = PartitionKey::new(strategy, parts);
    if opclasses.iter().any(Option::is_some) {
        let method = match strategy {
            Strategy::Hash => crate::opclass::AccessMethod::Hash,
            _ => crate::opclass::AccessMethod::Btree,
        };
        for (i, class) in opclasses.iter().enumerate() {
            let ty = match &key.parts[i] {
                KeyPart::Column(c) => table.columns[*c].ty,
                KeyPart::Expr { ty, .. } => *ty,
            };
            let is_default = match class {
                Some(class) => crate::opclass::check_key_class(catalog, method, class, ty)?,
                None => true,
            };
            key.default_classes.push(is_default);
            key.hash_functions.push(match (strategy, class) {
                (Strategy::Hash, Some(class)) => {
                    crate::opclass::hash_support_function(catalog, class).map(|f| f.function)
                }
                _ => None,
            });
        }
        key.opclasses = opclasses;
    }
    if collations.iter().any(Option::is_some) {
        key.collations = collations;
    }
    Ok(key)
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

/// What a session gives the evaluation of bound expressions (PostgreSQL
/// evaluates them once, at CREATE): its settings (TimeZone for timestamp
/// casts) and its transaction's start time (what current_timestamp is).
pub struct BoundContext<'a> {
    pub settings: &'a crate::settings::StatementSettings<'a>,
    pub now: i64,
}

/// CREATE TABLE name PARTITION OF parent FOR VALUES ... [PARTITION BY ...].
pub fn create_partition(
    catalog: &Catalog,
    ct: &ast::CreateTable,
    sql: &str,
    id: u32,
    session: Option<&BoundContext>,
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
    // A partition has its parent's persistence (checked before the bound).
    let shown_parent = crate::schema::shown_name(&parent_name);
    match (
        crate::schema::is_temp_key(&parent_name),
        crate::schema::is_temp_key(&name),
    ) {
        (true, false) => {
            return Err(SqlError::new(
                "42P16",
                format!("cannot create a permanent relation as partition of temporary relation \"{shown_parent}\""),
            ))
        }
        (false, true) => {
            return Err(SqlError::new(
                "42P16",
                format!("cannot create a temporary relation as partition of permanent relation \"{shown_parent}\""),
            ))
        }
        _ => {}
    }
    let at = BoundPositions::of(sql, for_values);
    let bound = bound_from_ast(catalog, sql, &key, &name, for_values, &at, session)?;
    check_against_siblings(catalog, &parent, &key, &name, &bound, &at)?;

    let mut t = partition_table(catalog, &parent, &name, id);
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

/// Is `c` a collation text already follows here? Text compares bytewise,
/// which is PostgreSQL's C (POSIX) collation; other collations are refused
/// rather than ignored.
pub fn is_byte_order_collation(c: &ast::ObjectName) -> bool {
    let name =
        c.0.last()
            .and_then(|p| p.as_ident())
            .map(ident_name)
            .unwrap_or_default();
    ["C", "POSIX", "default", "ucs_basic"].contains(&name.as_str())
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
                ast::ColumnOption::Collation(c) if is_byte_order_collation(c) => {}
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
fn partition_table(catalog: &Catalog, parent: &TableDef, name: &str, id: u32) -> TableDef {
    let columns: Vec<_> = parent
        .columns
        .iter()
        .map(|c| crate::catalog::ColumnDef {
            missing: None,
            ..c.clone()
        })
        .collect();
    // Generated names must not collide with any relation (`_expr_idx1`).
    let mut taken: std::collections::BTreeSet<String> = catalog
        .tables
        .values()
        .flat_map(|t| t.index_names().chain([t.name.as_str()]))
        .map(str::to_string)
        .collect();
    let mut rename = |idx: &IndexDef, suffix: &str| {
        let base = format!(
            "{name}_{}_{suffix}",
            crate::index_shape::name_part(parent, idx)
        );
        let mut chosen = base.clone();
        let mut n = 0;
        while !taken.insert(chosen.clone()) {
            n += 1;
            chosen = format!("{base}{n}");
        }
        IndexDef {
            name: chosen,
            ..idx.clone()
        }
    };
    let primary_key = parent.primary_key.as_ref().map(|pk| IndexDef {
        name: format!("{name}_pkey"),
        ..pk.clone()
    });
    let unique = parent
        .unique
        .iter()
        .map(|u| {
            let plain = u.is_plain() && u.include.is_empty();
            rename(u, if plain { "key" } else { "idx" })
        })
        .collect();
    let indexes = parent.indexes.iter().map(|i| rename(i, "idx")).collect();
    TableDef {
        id,
        name: name.to_string(),
        primary_key,
        unique,
        checks: parent.checks.clone(),
        rowid_sequence: parent
            .primary_key
            .is_none()
            .then(|| format!("pg_rowid_{id}")),
        owned_sequences: vec![],
        indexes,
        next_index_id: parent.next_index_id,
        foreign_keys: parent.foreign_keys.clone(),
        layout: vec![],
        slots: 0,
        stats: None,
        columns,
        partitioning: Partitioning::default(),
        inheritance: Default::default(),
        unlogged: false,
        attribute_numbers: Default::default(),
        toast: Default::default(),
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
    session: Option<&BoundContext>,
) -> SqlResult<Option<String>> {
    check_partition_expr(e, PartitionExprUse::Bound, sql)?;
    // COLLATE on a bound value needs a collatable key type.
    let mut inner = e;
    while let ast::Expr::Nested(x) = inner {
        inner = x;
    }
    if let ast::Expr::Collate { expr, .. } = inner {
        let ty = key.types[part].ty;
        let collatable = matches!(
            ty,
            crate::types::SqlType::Text
                | crate::types::SqlType::Varchar
                | crate::types::SqlType::Bpchar
        );
        if !collatable {
            use sqlparser::ast::Spanned;
            // The COLLATE keyword follows the collated expression.
            let at = crate::binder::span_position(sql, expr.span()).and_then(|p| {
                let start: usize = sql.chars().take(p as usize - 1).map(char::len_utf8).sum();
                let found = sql[start..].to_ascii_lowercase().find("collate")?;
                Some(sql[..start + found].chars().count() as u32 + 1)
            });
            return Err(SqlError::new(
                "42804",
                format!("collations are not supported by type {}", ty.display_name()),
            )
            .at(at));
        }
    }
    let mut b = Binder::new(catalog, sql, vec![]);
    if let Some(s) = session {
        b = b.with_datetime(s.settings.datetime());
    }
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
        // A constant expression the binder does not fold (a function call,
        // a cast of one): evaluated once, as PostgreSQL does.
        x if x.is_row_independent() => Ok(eval_detached(&x, session)?.to_text(1)),
        _ => Err(SqlError::unsupported(format!(
            "partition bound expression {e}"
        ))),
    }
}

/// Evaluates a row-independent expression outside any statement: no
/// parameters, no sequences; the session's settings and transaction start
/// (as now()) when there is a session, else the defaults and the clock.
fn eval_detached(x: &Expr, session: Option<&BoundContext>) -> SqlResult<crate::datum::Datum> {
    let sequences = crate::sequence::Sequences::default();
    let sequence_used = std::sync::atomic::AtomicBool::new(false);
    let subqueries = std::collections::HashMap::new();
    let env = crate::eval::Env {
        params: &[],
        outer: &[],
        subqueries: &subqueries,
        sequences: &sequences,
        sequence_used: &sequence_used,
        read_only: true,
        now: session.map_or_else(crate::datetime::now, |s| s.now),
        xid: 0,
        settings: session.map(|s| s.settings),
    };
    crate::eval::eval(x, &[], &env)
}

/// Where PostgreSQL points its bound errors: the bound specification
/// (DEFAULT, or what follows FOR VALUES), the first bound value, and each
/// value of FROM (...) / IN (...) and TO (...).
struct BoundPositions {
    spec: Option<u32>,
    first_value: Option<u32>,
    lower: Vec<Option<u32>>,
    upper: Vec<Option<u32>>,
}

impl BoundPositions {
    fn of(sql: &str, _fv: &ast::ForValues) -> BoundPositions {
        use sqlparser::keywords::Keyword;
        use sqlparser::tokenizer::{Token, Tokenizer};
        let mut out = BoundPositions {
            spec: None,
            first_value: None,
            lower: vec![],
            upper: vec![],
        };
        let Ok(tokens) =
            Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, sql).tokenize_with_location()
        else {
            return out;
        };
        let tokens: Vec<_> = tokens
            .into_iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .collect();
        let kw = |i: usize, k: Keyword| matches!(tokens.get(i).map(|t| &t.token), Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == k);
        let pos = |i: usize| {
            tokens
                .get(i)
                .and_then(|t| crate::binder::span_position(sql, t.span))
        };
        // The start of each top-level item of the parenthesized list at `open`.
        let items = |open: usize| -> (Vec<Option<u32>>, usize) {
            let mut starts = vec![pos(open + 1)];
            let mut depth = 0usize;
            let mut k = open;
            while k < tokens.len() {
                match tokens[k].token {
                    Token::LParen => depth += 1,
                    Token::RParen => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Token::Comma if depth == 1 => starts.push(pos(k + 1)),
                    _ => {}
                }
                k += 1;
            }
            (starts, k)
        };
        let mut depth = 0usize;
        for (i, t) in tokens.iter().enumerate() {
            match t.token {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                _ => {}
            }
            // `... PARTITION OF parent DEFAULT`: the last top-level DEFAULT.
            if depth == 0 && kw(i, Keyword::DEFAULT) {
                out.spec = pos(i);
            }
            if kw(i, Keyword::FOR) && kw(i + 1, Keyword::VALUES) {
                out.spec = pos(i + 2);
                let mut k = i + 2;
                if kw(k, Keyword::FROM) || kw(k, Keyword::IN) {
                    let (lower, end) = items(k + 1);
                    out.lower = lower;
                    k = end + 1;
                }
                if kw(k, Keyword::TO) {
                    out.upper = items(k + 1).0;
                }
                out.first_value = out.lower.first().copied().flatten();
                break;
            }
        }
        out
    }

    fn lower(&self, i: usize) -> Option<u32> {
        self.lower.get(i).copied().flatten().or(self.first_value)
    }

    fn upper(&self, i: usize) -> Option<u32> {
        self.upper.get(i).copied().flatten().or(self.first_value)
    }
}

fn bound_from_ast(
    catalog: &Catalog,
    sql: &str,
    key: &TypedKey,
    name: &str,
    fv: &ast::ForValues,
    at: &BoundPositions,
    session: Option<&BoundContext>,
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
                let v = bound_value(catalog, sql, key, 0, e, session)?;
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
            // Both edges' lengths are checked before any value is read, as
            // PostgreSQL does.
            for (vals, what) in [(from, "FROM"), (to, "TO")] {
                if vals.len() != key.parts.len() {
                    return Err(SqlError::new(
                        "42P16",
                        format!("{what} must specify exactly one value per partitioning column"),
                    ));
                }
            }
            let edges = |vals: &[ast::PartitionBoundValue], positions: &[Option<u32>]| {
                let mut out = Vec::new();
                for (i, v) in vals.iter().enumerate() {
                    out.push(match v {
                        ast::PartitionBoundValue::MinValue => RangeValue::MinValue,
                        ast::PartitionBoundValue::MaxValue => RangeValue::MaxValue,
                        ast::PartitionBoundValue::Expr(e) => {
                            match bound_value(catalog, sql, key, i, e, session)? {
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
                        // MINVALUE/MAXVALUE have no span: their token's place.
                        _ => positions.get(i).copied().flatten(),
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
            let (from, to) = (edges(from, &at.lower)?, edges(to, &at.upper)?);
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
    if let Bound::Range { from, to } = &new {
        let existing: Vec<(String, Vec<Edge>, Vec<Edge>)> = children(catalog, parent)?
            .into_iter()
            .filter_map(|(t, b)| match b {
                Bound::Range { from, to } => Some((t.name.clone(), from, to)),
                _ => None,
            })
            .collect();
        if let Some((with, location)) = range_overlap(key, from, to, &existing) {
            let at = match location {
                BoundSide::Lower(i) => at.lower(i),
                BoundSide::Upper(i) => at.upper(i),
            };
            return Err(overlap(name, &existing[with].0).at(at));
        }
    }
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
                        &crate::partition::KeyValues {
                            values: vec![x.clone()],
                            hash: None,
                        },
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

/// Which value of a new range bound an overlap error points at.
#[derive(Debug, PartialEq)]
enum BoundSide {
    Lower(usize),
    Upper(usize),
}

/// partition_rbound_cmp: bound `a` (a lower bound if `a_lower`) against
/// `b`; the sign orders them and the magnitude is the 1-based key column
/// that decided (an upper bound sorts before an equal lower bound).
fn rbound_cmp(key: &TypedKey, a: &[Edge], a_lower: bool, b: &[Edge], b_lower: bool) -> i32 {
    let mut column = 0i32;
    let mut cmp = Ordering::Equal;
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        column += 1;
        let rank = |e: &Edge| match e {
            Edge::Min => 0,
            Edge::Value(_) => 1,
            Edge::Max => 2,
        };
        match rank(x).cmp(&rank(y)) {
            Ordering::Less => return -column,
            Ordering::Greater => return column,
            Ordering::Equal => {}
        }
        let (Edge::Value(x), Edge::Value(y)) = (x, y) else {
            break;
        };
        cmp = crate::datum::compare(x, y, key.types[i].ty);
        if cmp != Ordering::Equal {
            break;
        }
    }
    if cmp == Ordering::Equal && a_lower != b_lower {
        cmp = if a_lower {
            Ordering::Greater
        } else {
            Ordering::Less
        };
    }
    match cmp {
        Ordering::Equal => 0,
        Ordering::Less => -column,
        Ordering::Greater => column,
    }
}

/// PostgreSQL's check_new_partition_bound for a range: the partition the
/// new bound [from, to) would overlap (an index into `existing`) and the
/// value the error points at. Existing bounds are laid out as PostgreSQL's
/// PartitionBoundInfo: distinct bound values in order, each marked with the
/// partition it ends (None: only a lower bound, after a gap).
fn range_overlap(
    key: &TypedKey,
    from: &[Edge],
    to: &[Edge],
    existing: &[(String, Vec<Edge>, Vec<Edge>)],
) -> Option<(usize, BoundSide)> {
    let mut all: Vec<(&[Edge], bool, usize)> = Vec::new();
    for (i, (_, f, t)) in existing.iter().enumerate() {
        all.push((f, true, i));
        all.push((t, false, i));
    }
    all.sort_by(|a, b| rbound_cmp(key, a.0, a.1, b.0, b.1).cmp(&0));
    let mut datums: Vec<(&[Edge], Option<usize>)> = Vec::new();
    for (edges, lower, part) in all {
        let same = datums
            .last()
            .is_some_and(|(prev, _)| rbound_cmp(key, prev, true, edges, true) == 0);
        if same {
            continue;
        }
        datums.push((edges, (!lower).then_some(part)));
    }
    // partition_range_bsearch: the greatest datum <= the new lower bound.
    let mut offset: Option<usize> = None;
    let mut cmpval = 0;
    for (i, (edges, ends)) in datums.iter().enumerate() {
        let c = rbound_cmp(key, edges, ends.is_none(), from, true);
        if c <= 0 {
            offset = Some(i);
            cmpval = c;
        } else {
            break;
        }
    }
    let next = offset.map_or(0, |o| o + 1);
    match datums.get(next).and_then(|(_, ends)| *ends) {
        // The new lower bound lies inside partition `with`.
        Some(with) => {
            let column = if cmpval == 0 {
                0
            } else {
                cmpval.unsigned_abs() as usize - 1
            };
            Some((with, BoundSide::Lower(column)))
        }
        // In a gap: the new partition must end before the next bound.
        None => {
            let (edges, _) = datums.get(next)?;
            let c = rbound_cmp(key, edges, true, to, false);
            if c < 0 {
                let with = datums.get(next + 1).and_then(|(_, ends)| *ends)?;
                Some((with, BoundSide::Upper(c.unsigned_abs() as usize - 1)))
            } else {
                None
            }
        }
    }
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
    session: Option<&BoundContext>,
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
    let bound = bound_from_ast(catalog, sql, &key, &name, for_values, &at, session)?;
    check_against_siblings(catalog, &parent, &key, &name, &bound, &at)?;
    let mut t = (*part).clone();
    t.partitioning.of = Some(PartitionOf {
        parent: parent.name.clone(),
        bound,
    });
    let backfill = if t.partitioning.key.is_none() {
        crate::index_shape::adopt_parent_indexes(catalog, &parent, &mut t)?
    } else {
        vec![]
    };
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
    let backfill = backfill
        .into_iter()
        .map(|(index, unique)| crate::ddl::Backfill {
            table: t.clone(),
            index,
            unique,
            rebuild: false,
        })
        .collect();
    Ok(Some(DdlChange {
        validations,
        backfill,
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

/// Whether table `t`'s partition key has column `i` as a part or names it
/// in a key expression.
pub fn key_uses_column(t: &TableDef, i: usize) -> bool {
    let Some(key) = t.partitioning.key.as_ref() else {
        return false;
    };
    let cname = &t.columns[i].name;
    key.parts.iter().any(|p| match p {
        KeyPart::Column(c) => *c == i,
        KeyPart::Expr { sql, .. } => sql
            .split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
            .any(|w| w.eq_ignore_ascii_case(cname)),
    })
}

/// DROP COLUMN of logical column `i`: refused if the partition key uses it;
/// the key's later column positions shift down.
pub fn drop_key_column(t: &mut TableDef, i: usize) -> SqlResult<()> {
    let used = key_uses_column(t, i);
    let Some(key) = t.partitioning.key.as_mut() else {
        return Ok(());
    };
    let cname = t.columns[i].name.clone();
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
