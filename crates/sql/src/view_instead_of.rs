//! Binding of INSERT/UPDATE/DELETE on a view that has INSTEAD OF row
//! triggers for the event: the rows the triggers receive are read by a
//! query built from the statement (INSERT: its rows as view rows, with view
//! defaults and casts to the view's column types; UPDATE: each matching view
//! row followed by its new values; DELETE: each matching view row), and
//! RETURNING is bound over one view row. `crate::routine::instead_of`
//! runs the result.

use sqlparser::ast;

use crate::binder::{ident_name, object_name, Binder, Scope, ScopeCol};
use crate::error::{SqlError, SqlResult};
use crate::routine::instead_of::InsteadOfPlan;
use crate::routine::TriggerEvent;
use crate::view::ViewDef;

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The index of the column of view `def` (shown as `shown`) that `n` names.
fn view_column(def: &ViewDef, n: &ast::ObjectName, shown: &str) -> SqlResult<usize> {
    let c = object_name(n)?;
    def.columns.iter().position(|x| *x == c).ok_or_else(|| {
        SqlError::new(
            "42703",
            format!("column \"{c}\" of relation \"{shown}\" does not exist"),
        )
    })
}

/// UPDATE's FROM or DELETE's USING tables as text joined after the view's
/// own FROM item (each preceded by a comma).
fn joined_tables_text(tables: &[ast::TableWithJoins]) -> String {
    tables.iter().map(|t| format!(", {t}")).collect()
}

/// The statement's WHERE clause as text (empty without one).
fn where_text(selection: Option<&ast::Expr>) -> String {
    selection.map(|w| format!(" WHERE {w}")).unwrap_or_default()
}

fn is_default_keyword(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"))
}

fn parse_query(text: &str) -> SqlResult<ast::Query> {
    let mut stmts = crate::session::parse(text)?;
    match stmts.pop() {
        Some(ast::Statement::Query(q)) if stmts.is_empty() => Ok(*q),
        _ => Err(SqlError::internal("INSTEAD OF source query does not parse")),
    }
}

/// The INSTEAD OF plan for `stmt` on view `def`, or None when the view has
/// no INSTEAD OF trigger for the statement's event.
pub fn bind(
    b: &mut Binder,
    def: &ViewDef,
    stmt: &ast::Statement,
) -> SqlResult<Option<InsteadOfPlan>> {
    let event = match stmt {
        ast::Statement::Insert(_) => TriggerEvent::Insert,
        ast::Statement::Update(_) => TriggerEvent::Update,
        ast::Statement::Delete(_) => TriggerEvent::Delete,
        _ => return Ok(None),
    };
    let triggers = crate::routine::instead_of::view_triggers(b.catalog(), &def.name, event);
    if triggers.is_empty() {
        return Ok(None);
    }
    let mut plan = bind_rows(b, def, stmt, event)?;
    plan.triggers = triggers;
    Ok(Some(plan))
}

/// The affected-rows query and RETURNING of `stmt` on view `def` (see the
/// module comment), as a plan without triggers (`crate::rule_rewrite`
/// uses it for rules too).
pub fn bind_rows(
    b: &mut Binder,
    def: &ViewDef,
    stmt: &ast::Statement,
    event: TriggerEvent,
) -> SqlResult<InsteadOfPlan> {
    let shown = crate::schema::split(&def.name).1.to_string();
    let view_sql = match def.name.split_once('.') {
        None => quote(&def.name),
        Some((s, n)) => format!("{}.{}", quote(s), quote(n)),
    };
    let col = |i: usize| quote(&def.columns[i]);
    let cast = |e: String, i: usize| format!("CAST(({e}) AS {})", def.types[i]);
    let (text, alias, returning) = match stmt {
        ast::Statement::Insert(ins) => {
            if ins.on.is_some() {
                return Err(SqlError::unsupported(
                    "ON CONFLICT on a view with INSTEAD OF triggers",
                ));
            }
            let named: Vec<usize> = if ins.columns.is_empty() {
                let width = match ins.source.as_ref().map(|q| q.body.as_ref()) {
                    Some(ast::SetExpr::Values(v)) => v.rows.first().map_or(0, |r| r.content.len()),
                    // A query: as wide as its output.
                    Some(_) => match &ins.source {
                        Some(q) => b.bind_query(q)?.columns.len(),
                        None => def.columns.len(),
                    },
                    None => def.columns.len(),
                };
                (0..width.min(def.columns.len())).collect()
            } else {
                let mut v = Vec::new();
                for n in &ins.columns {
                    v.push(view_column(def, n, &shown)?);
                }
                v
            };
            let default_text = |i: usize| -> String {
                def.defaults
                    .get(i)
                    .and_then(|d| d.clone())
                    .unwrap_or_else(|| "NULL".into())
            };
            let source = match &ins.source {
                None => None,
                Some(q) => {
                    let mut q = q.clone();
                    if let ast::SetExpr::Values(values) = q.body.as_mut() {
                        for row in &mut values.rows {
                            for (k, e) in row.content.iter_mut().enumerate() {
                                if is_default_keyword(e) {
                                    let i = named.get(k).copied().unwrap_or(usize::MAX);
                                    let d = if i < def.columns.len() {
                                        default_text(i)
                                    } else {
                                        "NULL".into()
                                    };
                                    *e = crate::binder::parse_expr(&d)?;
                                }
                            }
                        }
                    }
                    Some(q)
                }
            };
            let items: Vec<String> = (0..def.columns.len())
                .map(|i| match named.iter().position(|&n| n == i) {
                    Some(k) if source.is_some() => cast(format!("view_source.c{}", k + 1), i),
                    _ => cast(default_text(i), i),
                })
                .collect();
            let text = match &source {
                Some(q) => {
                    let cols: Vec<String> = (1..=named.len()).map(|k| format!("c{k}")).collect();
                    format!(
                        "SELECT {} FROM ({q}) AS view_source({})",
                        items.join(", "),
                        cols.join(", ")
                    )
                }
                None => format!("SELECT {}", items.join(", ")),
            };
            let alias = ins
                .table_alias
                .as_ref()
                .map(|a| ident_name(&a.alias))
                .unwrap_or_else(|| shown.clone());
            (text, alias, &ins.returning)
        }
        ast::Statement::Update(u) => {
            let alias = match &u.table.relation {
                ast::TableFactor::Table { alias: Some(a), .. } => ident_name(&a.name),
                _ => shown.clone(),
            };
            let mut new_values: Vec<Option<String>> = vec![None; def.columns.len()];
            for a in &u.assignments {
                let ast::AssignmentTarget::ColumnName(n) = &a.target else {
                    return Err(SqlError::unsupported(
                        "this assignment on a view with INSTEAD OF triggers",
                    ));
                };
                new_values[view_column(def, n, &shown)?] = Some(a.value.to_string());
            }
            let items: Vec<String> = (0..def.columns.len())
                .map(|i| match &new_values[i] {
                    Some(e) => cast(e.clone(), i),
                    None => format!("{}.{}", quote(&alias), col(i)),
                })
                .collect();
            let from = match &u.from {
                Some(
                    ast::UpdateTableFromKind::AfterSet(f) | ast::UpdateTableFromKind::BeforeSet(f),
                ) => joined_tables_text(f),
                None => String::new(),
            };
            let filter = where_text(u.selection.as_ref());
            let text = format!(
                "SELECT {}.*, {} FROM {view_sql} AS {}{from}{filter}",
                quote(&alias),
                items.join(", "),
                quote(&alias)
            );
            (text, alias, &u.returning)
        }
        ast::Statement::Delete(d) => {
            let (ast::FromTable::WithFromKeyword(v) | ast::FromTable::WithoutKeyword(v)) = &d.from;
            let alias = match v.first().map(|t| &t.relation) {
                Some(ast::TableFactor::Table { alias: Some(a), .. }) => ident_name(&a.name),
                _ => shown.clone(),
            };
            let using = d
                .using
                .as_deref()
                .map(joined_tables_text)
                .unwrap_or_default();
            let filter = where_text(d.selection.as_ref());
            let text = format!(
                "SELECT {}.* FROM {view_sql} AS {}{using}{filter}",
                quote(&alias),
                quote(&alias)
            );
            (text, alias, &d.returning)
        }
        _ => return Err(SqlError::internal("not a data-modifying statement")),
    };
    let source = b.bind_query(&parse_query(&text)?)?;
    let width = def.columns.len();
    if source.columns.len() < width {
        return Err(SqlError::internal(
            "INSTEAD OF source narrower than the view",
        ));
    }
    let types: Vec<_> = source.columns[..width].iter().map(|c| c.ty).collect();
    let scope = Scope {
        cols: def
            .columns
            .iter()
            .zip(&types)
            .map(|(n, ty)| ScopeCol {
                qualifier: Some(alias.clone()),
                name: n.clone(),
                ty: *ty,
            })
            .collect(),
    };
    let returning = b.returning(returning, &scope)?;
    Ok(InsteadOfPlan {
        view: shown,
        names: def.columns.clone(),
        types,
        event,
        triggers: vec![],
        source,
        returning,
        rules: None,
    })
}
