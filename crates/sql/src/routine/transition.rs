//! Transition tables of AFTER triggers (`REFERENCING OLD TABLE AS o NEW
//! TABLE AS n`). While a statement writes, each row written to a table
//! whose triggers (or whose ancestors' triggers) name transition tables is
//! captured in the transaction. At the end of the statement the captured
//! rows of its target (partition rows mapped to the target's columns by
//! name) become the OLD and NEW tables: an UPDATE's old rows include rows
//! it moved out of a partition and its new rows those it moved in. While a
//! trigger that names them runs, every SQL statement its function runs sees
//! them as WITH queries under the names it gave.

use std::sync::Arc;

use sqlparser::ast;

use super::{TriggerDef, TriggerEvent, TriggerTiming};
use crate::catalog::{Catalog, TableDef};
use crate::error::{SqlError, SqlResult};
use crate::executor::{Ctx, Row};

/// One captured row write.
#[derive(Debug)]
struct Captured {
    table: Arc<TableDef>,
    event: TriggerEvent,
    old: Option<Row>,
    new: Option<Row>,
}

/// The transaction's transition-table state.
#[derive(Debug, Default)]
pub struct TransitionState {
    captured: Vec<Captured>,
    /// (name, SELECT text) of the transition tables the running trigger
    /// function sees.
    pub active: Vec<(String, String)>,
    /// Relations (catalog keys) whose triggers are running, innermost
    /// last: their statements are still active, so DDL that PostgreSQL
    /// refuses on a relation in use (55006) is refused on them.
    pub firing_on: Vec<String>,
}

/// PostgreSQL's rules for a trigger naming transition tables.
pub fn check_definition(def: &TriggerDef) -> SqlResult<()> {
    if def.old_table.is_none() && def.new_table.is_none() {
        return Ok(());
    }
    let invalid = |m: &str| Err(SqlError::new("42P17", m.to_string()));
    if def.timing != TriggerTiming::After {
        return invalid("transition table name can only be specified for an AFTER trigger");
    }
    if def.events.contains(&TriggerEvent::Truncate) {
        return Err(SqlError::new(
            "0A000",
            "TRUNCATE triggers with transition tables are not supported",
        ));
    }
    if def.events.len() > 1 {
        return Err(SqlError::new(
            "0A000",
            "transition tables cannot be specified for triggers with more than one event",
        ));
    }
    if !def.update_columns.is_empty() {
        return Err(SqlError::new(
            "0A000",
            "transition tables cannot be specified for triggers with column lists",
        ));
    }
    let has = |e: TriggerEvent| def.events.contains(&e);
    if def.new_table.is_some() && !has(TriggerEvent::Insert) && !has(TriggerEvent::Update) {
        return invalid("NEW TABLE can only be specified for an INSERT or UPDATE trigger");
    }
    if def.old_table.is_some() && !has(TriggerEvent::Delete) && !has(TriggerEvent::Update) {
        return invalid("OLD TABLE can only be specified for a DELETE or UPDATE trigger");
    }
    if def.old_table.is_some() && def.old_table == def.new_table {
        return invalid("OLD TABLE name and NEW TABLE name cannot be the same");
    }
    Ok(())
}

/// `table` and its partitioned ancestors, nearest first.
fn with_ancestors(catalog: &Catalog, table: &TableDef) -> Vec<Arc<TableDef>> {
    let mut out = Vec::new();
    let mut next = table.partitioning.of.as_ref().map(|o| o.parent.clone());
    if let Some(t) = catalog.tables.get(&table.name) {
        out.push(t.clone());
    }
    while let Some(name) = next.take() {
        if out.len() > 64 {
            break;
        }
        if let Some(t) = catalog.tables.get(&name) {
            next = t.partitioning.of.as_ref().map(|o| o.parent.clone());
            out.push(t.clone());
        }
    }
    out
}

fn names_transition_tables(t: &TriggerDef) -> bool {
    t.enabled && (t.old_table.is_some() || t.new_table.is_some())
}

/// Whether writes to `table` are captured: it or an ancestor has an AFTER
/// trigger naming a transition table.
fn captures(catalog: &Catalog, table: &TableDef) -> bool {
    if catalog.triggers.is_empty() {
        return false;
    }
    with_ancestors(catalog, table).iter().any(|t| {
        catalog
            .triggers
            .get(&t.id)
            .is_some_and(|l| l.iter().any(|x| names_transition_tables(x)))
    })
}

/// `row` of `from` in the columns of `to` (by name; missing ones NULL).
fn convert(row: &Row, from: &TableDef, to: &TableDef) -> Row {
    if from.name == to.name {
        return row.clone();
    }
    to.columns
        .iter()
        .map(|c| {
            from.column_index(&c.name)
                .and_then(|i| row.get(i).cloned())
                .unwrap_or(crate::datum::Datum::Null)
        })
        .collect()
}

/// A SELECT yielding `rows` with `table`'s column names and types.
fn rows_query(table: &TableDef, rows: &[Row]) -> String {
    let quote = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
    let names: Vec<String> = table.columns.iter().map(|c| quote(&c.name)).collect();
    let literal = |d: &crate::datum::Datum, i: usize| {
        let ty = table.columns[i].ty.display();
        match d.to_text(3) {
            None => format!("CAST(NULL AS {ty})"),
            Some(text) => format!("CAST('{}' AS {ty})", text.replace('\'', "''")),
        }
    };
    if rows.is_empty() {
        let cols: Vec<String> = (0..table.columns.len())
            .map(|i| format!("{} AS {}", literal(&crate::datum::Datum::Null, i), names[i]))
            .collect();
        return format!("SELECT {} WHERE false", cols.join(", "));
    }
    let values: Vec<String> = rows
        .iter()
        .map(|r| {
            let v: Vec<String> = r.iter().enumerate().map(|(i, d)| literal(d, i)).collect();
            format!("({})", v.join(", "))
        })
        .collect();
    format!(
        "SELECT * FROM (VALUES {}) AS transition_rows({})",
        values.join(", "),
        names.join(", ")
    )
}

/// The OLD and NEW tables of a finished statement, as SELECT texts.
#[derive(Debug, Default)]
pub struct StatementTransitions {
    old: String,
    new: String,
}

impl<'a> Ctx<'a> {
    /// Captures one written row when its table's triggers need it.
    pub(crate) fn capture_transition(
        &mut self,
        table: &TableDef,
        event: TriggerEvent,
        old: Option<&Row>,
        new: Option<&Row>,
    ) {
        let catalog = self.routine_catalog();
        if !captures(&catalog, table) {
            return;
        }
        let Some(t) = catalog.tables.get(&table.name).cloned() else {
            return;
        };
        self.txn.transitions.captured.push(Captured {
            table: t,
            event,
            old: old.cloned(),
            new: new.cloned(),
        });
    }

    /// Takes the rows captured for a statement of kind `event` on `target`
    /// (rows of its partitions included); None when none of its triggers
    /// names a transition table.
    pub(crate) fn statement_transitions(
        &mut self,
        target: &TableDef,
        event: TriggerEvent,
    ) -> Option<StatementTransitions> {
        let catalog = self.routine_catalog();
        let mine = |c: &Captured| {
            c.table.name == target.name
                || with_ancestors(&catalog, &c.table)
                    .iter()
                    .any(|a| a.name == target.name)
        };
        let all = std::mem::take(&mut self.txn.transitions.captured);
        let (taken, kept): (Vec<Captured>, Vec<Captured>) = all.into_iter().partition(mine);
        self.txn.transitions.captured = kept;
        if !captures(&catalog, target) {
            return None;
        }
        let mut old = Vec::new();
        let mut new = Vec::new();
        for c in &taken {
            let take_old = match event {
                TriggerEvent::Update => {
                    matches!(c.event, TriggerEvent::Update | TriggerEvent::Delete)
                }
                e => c.event == e,
            };
            let take_new = match event {
                TriggerEvent::Update => {
                    matches!(c.event, TriggerEvent::Update | TriggerEvent::Insert)
                }
                e => c.event == e,
            };
            if let (true, Some(r)) = (take_old, &c.old) {
                old.push(convert(r, &c.table, target));
            }
            if let (true, Some(r)) = (take_new, &c.new) {
                new.push(convert(r, &c.table, target));
            }
        }
        Some(StatementTransitions {
            old: rows_query(target, &old),
            new: rows_query(target, &new),
        })
    }

    /// Makes `trig`'s transition tables visible; returns what to restore.
    pub(crate) fn enter_transitions(
        &mut self,
        trig: &TriggerDef,
        tables: Option<&StatementTransitions>,
    ) -> Vec<(String, String)> {
        let mut active = Vec::new();
        if let Some(t) = tables {
            if let Some(n) = &trig.old_table {
                active.push((n.clone(), t.old.clone()));
            }
            if let Some(n) = &trig.new_table {
                active.push((n.clone(), t.new.clone()));
            }
        }
        std::mem::replace(&mut self.txn.transitions.active, active)
    }
}

/// `stmt` with the active transition tables as WITH queries in front.
pub fn with_transition_tables(
    stmt: &ast::Statement,
    active: &[(String, String)],
) -> SqlResult<ast::Statement> {
    let ctes: Vec<String> = active
        .iter()
        .map(|(name, sql)| format!("\"{}\" AS ({sql})", name.replace('"', "\"\"")))
        .collect();
    let text = format!("WITH {} SELECT 1", ctes.join(", "));
    let mut parsed = crate::session::parse(&text)?;
    let Some(ast::Statement::Query(q)) = parsed.pop() else {
        return Err(SqlError::internal("transition tables do not parse"));
    };
    let Some(with) = q.with else {
        return Err(SqlError::internal("transition tables do not parse"));
    };
    let wrap = |body: ast::SetExpr, with: ast::With| crate::binder::bare_query(Some(with), body);
    Ok(match stmt {
        ast::Statement::Query(q) => {
            let mut q = q.clone();
            match &mut q.with {
                Some(w) => {
                    let mut tables = with.cte_tables;
                    tables.append(&mut w.cte_tables);
                    w.cte_tables = tables;
                }
                None => q.with = Some(with),
            }
            ast::Statement::Query(q)
        }
        ast::Statement::Insert(_) => {
            ast::Statement::Query(Box::new(wrap(ast::SetExpr::Insert(stmt.clone()), with)))
        }
        ast::Statement::Update(_) => {
            ast::Statement::Query(Box::new(wrap(ast::SetExpr::Update(stmt.clone()), with)))
        }
        ast::Statement::Delete(_) => {
            ast::Statement::Query(Box::new(wrap(ast::SetExpr::Delete(stmt.clone()), with)))
        }
        other => other.clone(),
    })
}
