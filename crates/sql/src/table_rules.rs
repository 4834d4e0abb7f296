//! Rules on tables (`crate::rules` stores them) applied to an INSERT,
//! UPDATE or DELETE of the table. The table is seen as a view over itself
//! so the view machinery reads the affected rows (`crate::view_instead_of`)
//! and runs the actions (`crate::rule_rewrite`): with an unconditional DO
//! INSTEAD rule only the rules' actions run (DO INSTEAD NOTHING: nothing);
//! with DO ALSO rules alone the statement itself runs too, before the
//! actions for INSERT and after them for UPDATE/DELETE, as PostgreSQL
//! orders rewritten queries, and its row count and RETURNING are the
//! statement's. A conditional DO INSTEAD rule (which PostgreSQL applies by
//! adding the negated condition to the statement) is refused.

use std::sync::Arc;

use sqlparser::ast;

use crate::binder::Binder;
use crate::catalog::TableDef;
use crate::error::{SqlError, SqlResult};
use crate::routine::instead_of::InsteadOfPlan;
use crate::routine::TriggerEvent;
use crate::rule_rewrite::OriginalStatement;
use crate::view::ViewDef;

/// The table a data statement writes and its event, if it is one.
fn target(stmt: &ast::Statement) -> Option<(&ast::ObjectName, TriggerEvent)> {
    use ast::{FromTable, Statement, TableFactor, TableObject};
    match stmt {
        Statement::Insert(i) => match &i.table {
            TableObject::TableName(n) => Some((n, TriggerEvent::Insert)),
            _ => None,
        },
        Statement::Update(u) => match &u.table.relation {
            TableFactor::Table { name, .. } => Some((name, TriggerEvent::Update)),
            _ => None,
        },
        Statement::Delete(d) => match &d.from {
            FromTable::WithFromKeyword(v) | FromTable::WithoutKeyword(v) => {
                match v.first().map(|t| &t.relation) {
                    Some(TableFactor::Table { name, .. }) => Some((name, TriggerEvent::Delete)),
                    _ => None,
                }
            }
        },
        _ => None,
    }
}

/// Table `t` with its rules for `event`, as a view over itself.
fn as_view(t: &TableDef, rules: Vec<crate::rules::RuleDef>) -> ViewDef {
    ViewDef {
        name: t.name.clone(),
        query: String::new(),
        columns: t.columns.iter().map(|c| c.name.clone()).collect(),
        types: t.columns.iter().map(|c| c.ty.display()).collect(),
        check_option: None,
        security_barrier: false,
        defaults: t.columns.iter().map(|c| c.default.clone()).collect(),
        trigger_id: None,
        rules,
    }
}

/// The plan of `stmt` when it writes a table with rules for its event;
/// None otherwise.
pub fn bind(b: &mut Binder, stmt: &ast::Statement) -> SqlResult<Option<InsteadOfPlan>> {
    let catalog = b.catalog();
    if catalog.table_rules.is_empty() {
        return Ok(None);
    }
    let Some((name, event)) = target(stmt) else {
        return Ok(None);
    };
    let Ok(key) = crate::binder::object_name(name) else {
        return Ok(None);
    };
    let key = catalog.resolve_key(&key);
    let Some(t) = catalog.tables.get(&key).cloned() else {
        return Ok(None);
    };
    let rules: Vec<crate::rules::RuleDef> = catalog
        .table_rules
        .get(&t.id)
        .map(|r| {
            r.rules
                .iter()
                .filter(|r| r.event == event)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if rules.is_empty() {
        return Ok(None);
    }
    if rules.iter().any(|r| r.instead && r.condition.is_some()) {
        return Err(SqlError::unsupported(format!(
            "{} on a table with a conditional DO INSTEAD rule",
            event.name()
        )));
    }
    if let ast::Statement::Insert(i) = stmt {
        if i.on.is_some() {
            return Err(SqlError::unsupported(
                "ON CONFLICT on a table with ON INSERT rules",
            ));
        }
    }
    let shown = crate::schema::split(&t.name).1;
    for r in &rules {
        for text in &r.actions {
            let writes_itself = crate::session::parse(text)
                .ok()
                .and_then(|mut s| s.pop())
                .and_then(|s| {
                    let (n, e) = target(&s)?;
                    let k = crate::binder::object_name(n).ok()?;
                    Some(catalog.resolve_key(&k) == t.name && e == event)
                })
                .unwrap_or(false);
            if writes_itself {
                return Err(SqlError::new(
                    "42P17",
                    format!("infinite recursion detected in rules for relation \"{shown}\""),
                ));
            }
        }
    }
    let instead = rules.iter().any(|r| r.instead);
    let def = as_view(&t, rules);
    let Some(mut plan) = crate::rule_rewrite::bind_actions(b, &def, stmt)? else {
        return Ok(None);
    };
    let returns = plan.rules.as_ref().is_some_and(|r| r.returns());
    if instead && plan.returning.is_some() && !returns {
        return Err(crate::rule_rewrite::returning_needs_instead_rule(
            event, shown,
        ));
    }
    if !instead {
        // The statement runs as written too.
        let original = match stmt {
            ast::Statement::Insert(i) => OriginalStatement::Insert(b.bind_insert(i)?),
            ast::Statement::Update(u) => OriginalStatement::Update(b.bind_update(u)?),
            ast::Statement::Delete(d) => OriginalStatement::Delete(b.bind_delete(d)?),
            _ => return Err(SqlError::internal("rules on a non-DML statement")),
        };
        let rules = plan
            .rules
            .take()
            .ok_or_else(|| SqlError::internal("rule plan without actions"))?;
        let mut rules = (*rules).clone();
        rules.original = Some(Arc::new(original));
        plan.rules = Some(Arc::new(rules));
    }
    Ok(Some(plan))
}
