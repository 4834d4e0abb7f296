//! Trigger firing, called from the executor's INSERT/UPDATE/DELETE/TRUNCATE:
//! BEFORE row triggers (the returned row replaces NEW, NULL skips the row),
//! AFTER row events queued in the transaction and fired in order at the end
//! of their statement, and statement-level triggers. A partition fires its
//! own triggers and those of its partitioned ancestors.

use std::sync::Arc;

use super::sql_text::{substitute, Variables};
use super::{trigger_function, TriggerDef, TriggerEvent, TriggerTiming};
use crate::catalog::{Catalog, TableDef};
use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::executor::{Ctx, Row};
use crate::plpgsql::interp::{Record, TriggerVars};
use crate::types::ColType;

/// An AFTER ROW trigger call waiting for the end of its statement.
#[derive(Debug)]
pub struct PendingEvent {
    trigger: Arc<TriggerDef>,
    table: Arc<TableDef>,
    event: TriggerEvent,
    old: Option<Row>,
    new: Option<Row>,
}

fn record(table: &TableDef, row: &Row) -> Record {
    Record {
        names: table.columns.iter().map(|c| c.name.clone()).collect(),
        types: table.columns.iter().map(|c| c.ty).collect(),
        values: row.clone(),
    }
}

/// NEW and OLD for a WHEN condition.
struct RowVars<'r> {
    new: Option<&'r Record>,
    old: Option<&'r Record>,
}

impl Variables for RowVars<'_> {
    fn scalar(&self, _: &str) -> Option<(Datum, ColType)> {
        None
    }
    fn is_record(&self, name: &str) -> bool {
        matches!(name, "new" | "old")
    }
    fn field(&self, record: &str, field: &str) -> SqlResult<(Datum, ColType)> {
        let r = if record == "new" { self.new } else { self.old };
        let r = r.ok_or_else(|| {
            SqlError::new(
                "42P17",
                format!("{} row is not available here", record.to_uppercase()),
            )
        })?;
        let i = r
            .names
            .iter()
            .position(|n| n == field)
            .ok_or_else(|| SqlError::undefined_column(&format!("{record}.{field}")))?;
        Ok((r.values[i].clone(), r.types[i]))
    }
    fn positional(&self, _: usize) -> Option<(Datum, ColType)> {
        None
    }
}

/// The enabled triggers of `table` (and its ancestors) for an event, in
/// name order, as PostgreSQL fires them.
fn triggers_for(
    catalog: &Catalog,
    table: &TableDef,
    event: TriggerEvent,
    timing: TriggerTiming,
    row_level: bool,
) -> Vec<Arc<TriggerDef>> {
    if catalog.triggers.is_empty() {
        return vec![];
    }
    let mut out = Vec::new();
    let mut id = Some(table.id);
    let mut current = table.partitioning.of.as_ref().map(|o| o.parent.clone());
    let mut hops = 0;
    while let Some(tid) = id {
        if let Some(list) = catalog.triggers.get(&tid) {
            out.extend(
                list.iter()
                    .filter(|t| {
                        t.enabled
                            && t.timing == timing
                            && t.for_each_row == row_level
                            && t.events.contains(&event)
                    })
                    .cloned(),
            );
        }
        // Statement triggers fire for the table the statement names only.
        if !row_level {
            break;
        }
        id = None;
        hops += 1;
        if let Some(parent) = current.take().and_then(|p| catalog.tables.get(&p).cloned()) {
            if hops < 64 {
                id = Some(parent.id);
                current = parent.partitioning.of.as_ref().map(|o| o.parent.clone());
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

impl<'a> Ctx<'a> {
    /// Calls one trigger's function; its returned row (None: NULL), or
    /// `Ok(Some(new))` unchanged when the WHEN condition is not true.
    async fn fire(
        &mut self,
        trig: &TriggerDef,
        table: &TableDef,
        event: TriggerEvent,
        old: Option<&Row>,
        new: Option<&Row>,
    ) -> SqlResult<Option<Record>> {
        let new_rec = new.map(|r| record(table, r));
        let old_rec = old.map(|r| record(table, r));
        self.fire_record(trig, &table.name, event, old_rec, new_rec)
            .await
    }

    /// `fire` over OLD/NEW records of relation `relation` (a table or,
    /// for INSTEAD OF triggers, a view).
    pub(crate) async fn fire_record(
        &mut self,
        trig: &TriggerDef,
        relation: &str,
        event: TriggerEvent,
        old_rec: Option<Record>,
        new_rec: Option<Record>,
    ) -> SqlResult<Option<Record>> {
        let catalog = self.routine_catalog();
        let Some(f) = trigger_function(&catalog, &trig.function) else {
            return Err(SqlError::new(
                "42883",
                format!("function {}() does not exist", trig.function),
            ));
        };
        if let Some(w) = &trig.when {
            let sub = substitute(
                &format!("SELECT ({w})"),
                &RowVars {
                    new: new_rec.as_ref(),
                    old: old_rec.as_ref(),
                },
            )?;
            let out = self.run_sql(&sub.sql, sub.params, sub.types).await?;
            let pass = matches!(
                out.rows.first().and_then(|r| r.first()),
                Some(Datum::Bool(true))
            );
            if !pass {
                return Ok(new_rec.or(old_rec));
            }
        }
        let vars = TriggerVars {
            new: new_rec,
            old: old_rec,
            name: trig.name.clone(),
            table: relation.to_string(),
            when: match trig.timing {
                TriggerTiming::Before => "BEFORE",
                TriggerTiming::After => "AFTER",
                TriggerTiming::InsteadOf => "INSTEAD OF",
            },
            level: if trig.for_each_row {
                "ROW"
            } else {
                "STATEMENT"
            },
            op: event.name(),
            argv: trig.args.clone(),
        };
        self.txn.transitions.firing_on.push(relation.to_string());
        let ret = self.invoke(&f, vec![], Some(vars)).await;
        self.txn.transitions.firing_on.pop();
        Ok(ret?.row)
    }

    /// BEFORE ROW triggers: the row to write (None: a trigger returned NULL
    /// and the row is skipped). `new` is None for DELETE (OLD is returned).
    /// `assigned` lists an UPDATE's SET columns (for UPDATE OF).
    pub(crate) async fn before_row_triggers(
        &mut self,
        table: &TableDef,
        event: TriggerEvent,
        old: Option<&Row>,
        new: Option<Row>,
        assigned: Option<&[usize]>,
    ) -> SqlResult<Option<Row>> {
        let catalog = self.routine_catalog();
        let triggers = triggers_for(&catalog, table, event, TriggerTiming::Before, true);
        let mut current = new.or_else(|| old.cloned());
        for trig in triggers {
            if !update_of_applies(&trig, table, assigned) {
                continue;
            }
            let Some(row) = current.take() else { break };
            let (o, n) = match event {
                TriggerEvent::Delete => (Some(&row), None),
                _ => (old, Some(&row)),
            };
            let result = self.fire(&trig, table, event, o, n).await?;
            current = match result {
                None => None,
                Some(r) if r.values.len() == table.columns.len() => Some(r.values),
                Some(_) => return Err(SqlError::new(
                    "42804",
                    "returned row structure does not match the structure of the triggering table",
                )),
            };
            if current.is_none() {
                return Ok(None);
            }
            if event == TriggerEvent::Delete {
                // A DELETE trigger's non-NULL result only lets the delete proceed.
                current = Some(row);
            }
        }
        Ok(current)
    }

    /// Queues the AFTER ROW triggers of a written row.
    pub(crate) fn queue_after_row(
        &mut self,
        table: &TableDef,
        event: TriggerEvent,
        old: Option<&Row>,
        new: Option<&Row>,
        assigned: Option<&[usize]>,
    ) {
        self.capture_transition(table, event, old, new);
        let catalog = self.routine_catalog();
        let triggers = triggers_for(&catalog, table, event, TriggerTiming::After, true);
        if triggers.is_empty() {
            return;
        }
        let Some(table_arc) = catalog.tables.get(&table.name).cloned() else {
            return;
        };
        for trigger in triggers {
            if !update_of_applies(&trigger, table, assigned) {
                continue;
            }
            self.txn.pending_triggers.push(PendingEvent {
                trigger,
                table: table_arc.clone(),
                event,
                old: old.cloned(),
                new: new.cloned(),
            });
        }
    }

    /// Statement-level triggers of `table` for an event and timing.
    pub(crate) async fn statement_triggers(
        &mut self,
        table: &TableDef,
        event: TriggerEvent,
        timing: TriggerTiming,
    ) -> SqlResult<()> {
        let catalog = self.routine_catalog();
        for trig in triggers_for(&catalog, table, event, timing, false) {
            self.fire(&trig, table, event, None, None).await?;
        }
        Ok(())
    }

    /// End of a statement that started with `mark` pending events: its
    /// AFTER ROW triggers in order, then its AFTER STATEMENT triggers.
    pub(crate) async fn after_statement(
        &mut self,
        table: &TableDef,
        event: TriggerEvent,
        mark: usize,
    ) -> SqlResult<()> {
        // Boxed: trigger calls are deep futures, and every write statement
        // awaits this one.
        Box::pin(self.fire_after_statement(table, event, mark)).await
    }

    async fn fire_after_statement(
        &mut self,
        table: &TableDef,
        event: TriggerEvent,
        mark: usize,
    ) -> SqlResult<()> {
        let transitions = self.statement_transitions(table, event);
        if self.txn.pending_triggers.len() > mark {
            let events = self.txn.pending_triggers.split_off(mark);
            for e in events {
                let saved = self.enter_transitions(&e.trigger, transitions.as_ref());
                let fired = self
                    .fire(
                        &e.trigger,
                        &e.table,
                        e.event,
                        e.old.as_ref(),
                        e.new.as_ref(),
                    )
                    .await;
                self.txn.transitions.active = saved;
                fired?;
            }
        }
        let catalog = self.routine_catalog();
        for trig in triggers_for(&catalog, table, event, TriggerTiming::After, false) {
            let saved = self.enter_transitions(&trig, transitions.as_ref());
            let fired = self.fire(&trig, table, event, None, None).await;
            self.txn.transitions.active = saved;
            fired?;
        }
        Ok(())
    }
}

/// UPDATE OF columns: the trigger fires only if the SET list names one.
fn update_of_applies(trig: &TriggerDef, table: &TableDef, assigned: Option<&[usize]>) -> bool {
    if trig.update_columns.is_empty() {
        return true;
    }
    let Some(assigned) = assigned else {
        return true;
    };
    trig.update_columns
        .iter()
        .any(|c| table.column_index(c).is_some_and(|i| assigned.contains(&i)))
}
