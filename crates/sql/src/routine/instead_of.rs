//! INSTEAD OF ... FOR EACH ROW triggers on views: their DDL (a view's
//! triggers are stored under an id taken from the table-id counter, kept in
//! the view's definition) and their execution. A statement on a view with
//! such a trigger for its event reads the view rows it affects (a query
//! the binder built: new rows for INSERT, old rows followed by new rows for
//! UPDATE, old rows for DELETE) and calls the triggers per row instead of
//! writing; a NULL result skips the row (not counted, no RETURNING row),
//! otherwise RETURNING sees the row the trigger returned.

use std::sync::Arc;

use super::ddl::{check_trigger_function, install_trigger, remove_trigger, triggers_mutation};
use super::{TriggerDef, TriggerEvent, TriggerTiming};
use crate::catalog::Catalog;
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::executor::{Ctx, Row};
use crate::plan::{Expr, OutColumn, QueryPlan};
use crate::plpgsql::interp::Record;
use crate::store::Mutation;
use crate::types::ColType;

/// A bound INSERT/UPDATE/DELETE on a view that INSTEAD OF triggers carry out.
#[derive(Clone, Debug)]
pub struct InsteadOfPlan {
    /// The view's name (TG_TABLE_NAME).
    pub view: String,
    pub names: Vec<String>,
    pub types: Vec<ColType>,
    pub event: TriggerEvent,
    /// The view's enabled INSTEAD OF row triggers for `event`, in name order.
    pub triggers: Vec<Arc<TriggerDef>>,
    /// One row per affected view row (see the module comment).
    pub source: QueryPlan,
    /// RETURNING over a view row.
    pub returning: Option<(Vec<Expr>, Vec<OutColumn>)>,
    /// Set when the view's DO INSTEAD rules carry the statement out instead
    /// of `triggers` (see `crate::rule_rewrite`).
    pub rules: Option<Arc<crate::rule_rewrite::RulePlan>>,
}

/// The INSTEAD OF row triggers of view `view` for `event`.
pub fn view_triggers(catalog: &Catalog, view: &str, event: TriggerEvent) -> Vec<Arc<TriggerDef>> {
    let Some(id) = catalog.views.get(view).and_then(|v| v.trigger_id) else {
        return vec![];
    };
    let mut out: Vec<Arc<TriggerDef>> = catalog
        .triggers
        .get(&id)
        .map(|l| {
            l.iter()
                .filter(|t| {
                    t.enabled
                        && t.for_each_row
                        && t.timing == TriggerTiming::InsteadOf
                        && t.events.contains(&event)
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn view_mutation(def: &crate::view::ViewDef) -> SqlResult<Mutation> {
    let json = serde_json::to_vec(def).map_err(|e| SqlError::internal(e.to_string()))?;
    Ok(Mutation {
        key: crate::catalog::view_key(&def.name),
        value: Some(json),
    })
}

/// CREATE [OR REPLACE] TRIGGER on view `view` (PostgreSQL's rules: only
/// INSTEAD OF ... FOR EACH ROW, without WHEN or a column list).
pub fn create_view_trigger(
    catalog: &Catalog,
    or_replace: bool,
    view: &str,
    def: &TriggerDef,
    id: u32,
) -> SqlResult<DdlChange> {
    let Some(v) = catalog.views.get(view) else {
        return Err(SqlError::undefined_table(view));
    };
    let shown = crate::schema::split(view).1;
    if def.timing != TriggerTiming::InsteadOf {
        if def.for_each_row {
            return Err(SqlError::new("42809", format!("\"{shown}\" is a view"))
                .with_detail("Views cannot have row-level BEFORE or AFTER triggers."));
        }
        return Err(SqlError::unsupported("statement-level triggers on views"));
    }
    if !def.for_each_row {
        return Err(SqlError::new(
            "0A000",
            "INSTEAD OF triggers must be FOR EACH ROW",
        ));
    }
    if def.when.is_some() {
        return Err(SqlError::new(
            "0A000",
            "INSTEAD OF triggers cannot have WHEN conditions",
        ));
    }
    if !def.update_columns.is_empty() {
        return Err(SqlError::new(
            "0A000",
            "INSTEAD OF triggers cannot have column lists",
        ));
    }
    if def.old_table.is_some() || def.new_table.is_some() {
        return Err(SqlError::new("42809", format!("\"{shown}\" is a view"))
            .with_detail("Triggers on views cannot have transition tables."));
    }
    if def.events.contains(&TriggerEvent::Truncate) {
        return Err(SqlError::new("42809", format!("\"{shown}\" is a view"))
            .with_detail("Views cannot have TRUNCATE triggers."));
    }
    check_trigger_function(catalog, def)?;
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    let key = match v.trigger_id {
        Some(k) => k,
        None => {
            let mut nv = (**v).clone();
            nv.trigger_id = Some(id);
            mutations.push(view_mutation(&nv)?);
            next.views.insert(view.to_string(), Arc::new(nv));
            id
        }
    };
    install_trigger(&mut next, key, def, or_replace, shown, id)?;
    mutations.push(triggers_mutation(&next, key)?);
    mutations.push(Catalog::next_id_mutation(next.next_table_id));
    Ok(DdlChange::catalog_only(next, mutations))
}

/// DROP TRIGGER on a view; None when `name` is not one of its triggers.
pub fn drop_view_trigger(
    catalog: &Catalog,
    view: &str,
    name: &str,
) -> SqlResult<Option<DdlChange>> {
    let Some(id) = catalog.views.get(view).and_then(|v| v.trigger_id) else {
        return Ok(None);
    };
    remove_trigger(catalog, id, name)
}

/// The mutation dropping every trigger of a view being dropped.
pub fn drop_all_view_triggers(next: &mut Catalog, def: &crate::view::ViewDef) -> Option<Mutation> {
    let id = def.trigger_id?;
    next.triggers.remove(&id);
    Some(Mutation {
        key: crate::catalog::trigger_key(id),
        value: None,
    })
}

impl<'a> Ctx<'a> {
    /// Runs an INSTEAD OF statement: the affected row count and RETURNING rows.
    pub async fn instead_of(&mut self, p: &InsteadOfPlan) -> SqlResult<(u64, Vec<Row>)> {
        // Boxed: a rare statement kind should not enlarge every statement's future.
        Box::pin(self.run_instead_of(p)).await
    }

    async fn run_instead_of(&mut self, p: &InsteadOfPlan) -> SqlResult<(u64, Vec<Row>)> {
        if let Some(rules) = &p.rules {
            return self.run_rules(p, rules).await;
        }
        let rows = self.exec_query(&p.source).await?;
        let width = p.names.len();
        let record = |values: &[crate::datum::Datum]| Record {
            names: p.names.clone(),
            types: p.types.clone(),
            values: values.to_vec(),
        };
        let mut count = 0u64;
        let mut out = Vec::new();
        for row in rows {
            let (old, mut new) = match p.event {
                TriggerEvent::Insert => (None, Some(record(&row[..width.min(row.len())]))),
                TriggerEvent::Update if row.len() >= 2 * width => (
                    Some(record(&row[..width])),
                    Some(record(&row[width..2 * width])),
                ),
                TriggerEvent::Delete => (Some(record(&row[..width.min(row.len())])), None),
                _ => return Err(SqlError::internal("INSTEAD OF row of the wrong width")),
            };
            let mut result = None;
            for trig in &p.triggers {
                result = self
                    .fire_record(trig, &p.view, p.event, old.clone(), new.clone())
                    .await?;
                match &result {
                    None => break,
                    Some(r) if r.values.len() != width => {
                        return Err(SqlError::new(
                            "42804",
                            "returned row structure does not match the structure of the triggering table",
                        ))
                    }
                    Some(r) if p.event != TriggerEvent::Delete => new = Some(r.clone()),
                    Some(_) => {}
                }
            }
            let Some(returned) = result else { continue };
            count += 1;
            if let Some((exprs, _)) = &p.returning {
                let mut r = Vec::with_capacity(exprs.len());
                for e in exprs {
                    r.push(self.eval_row(e, &returned.values, &[]).await?);
                }
                out.push(r);
            }
        }
        Ok((count, out))
    }
}
