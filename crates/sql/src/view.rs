//! Views: CREATE [OR REPLACE] VIEW and DROP VIEW [IF EXISTS]. A view is its
//! query text (sqlparser's canonical rendering) and output column names,
//! stored under `0x00 'V' <name>` and expanded like a derived table each
//! time a query names it (no dependency tracking: a view over a dropped
//! table fails when used).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlparser::ast;

use crate::binder::{ident_name, object_name, Binder};
use crate::catalog::{view_key, Catalog};
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::store::Mutation;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ViewDef {
    pub name: String,
    /// The SELECT, as text.
    pub query: String,
    /// Output column names (the CREATE VIEW column list applied).
    pub columns: Vec<String>,
    /// Output column types, as display names (OR REPLACE compatibility).
    pub types: Vec<String>,
}

fn change(catalog: Catalog, mutations: Vec<Mutation>) -> Option<DdlChange> {
    Some(DdlChange {
        catalog,
        mutations,
        created_sequences: vec![],
        dropped_sequences: vec![],
        validations: vec![],
        backfill: vec![],
        rekey: None,
    })
}

pub fn create_view(
    catalog: &Catalog,
    cv: &ast::CreateView,
    sql: &str,
) -> SqlResult<Option<DdlChange>> {
    if cv.materialized || cv.temporary || cv.or_alter || cv.to.is_some() {
        return Err(SqlError::unsupported("this form of CREATE VIEW"));
    }
    let name = object_name(&cv.name)?;
    if catalog.tables.contains_key(&name) || catalog.sequences.contains_key(&name) {
        if cv.or_replace {
            return Err(SqlError::new("42809", format!("\"{name}\" is not a view")));
        }
        return Err(SqlError::new(
            "42P07",
            format!("relation \"{name}\" already exists"),
        ));
    }
    let old = catalog.views.get(&name).cloned();
    if old.is_some() && !cv.or_replace {
        if cv.if_not_exists {
            return Ok(None);
        }
        return Err(SqlError::new(
            "42P07",
            format!("relation \"{name}\" already exists"),
        ));
    }
    let qp = {
        let mut b = Binder::new(catalog, sql, vec![]);
        b.bind_query(&cv.query)?
    };
    if cv.columns.len() > qp.columns.len() {
        return Err(SqlError::syntax(
            "CREATE VIEW specifies more column names than columns",
        ));
    }
    let mut columns: Vec<String> = qp.columns.iter().map(|c| c.name.clone()).collect();
    for (c, n) in columns.iter_mut().zip(&cv.columns) {
        *c = ident_name(&n.name);
    }
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].contains(c) {
            return Err(SqlError::new(
                "42701",
                format!("column \"{c}\" specified more than once"),
            ));
        }
    }
    let types: Vec<String> = qp.columns.iter().map(|c| c.ty.display()).collect();
    if let Some(old) = &old {
        if columns.len() < old.columns.len() {
            return Err(SqlError::new("42P16", "cannot drop columns from view"));
        }
        for i in 0..old.columns.len() {
            if old.columns[i] != columns[i] {
                return Err(SqlError::new(
                    "42P16",
                    format!(
                        "cannot change name of view column \"{}\" to \"{}\"",
                        old.columns[i], columns[i]
                    ),
                )
                .with_hint(
                    "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.",
                ));
            }
            if old.types[i] != types[i] {
                return Err(SqlError::new(
                    "42P16",
                    format!(
                        "cannot change data type of view column \"{}\" from {} to {}",
                        columns[i], old.types[i], types[i]
                    ),
                ));
            }
        }
    }
    let def = ViewDef {
        name: name.clone(),
        query: cv.query.to_string(),
        columns,
        types,
    };
    let json = serde_json::to_vec(&def).map_err(|e| SqlError::internal(e.to_string()))?;
    let mut next = catalog.clone();
    next.views.insert(name.clone(), Arc::new(def));
    Ok(change(
        next,
        vec![Mutation {
            key: view_key(&name),
            value: Some(json),
        }],
    ))
}

pub fn drop_view(
    catalog: &Catalog,
    names: &[ast::ObjectName],
    if_exists: bool,
) -> SqlResult<Option<DdlChange>> {
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    for n in names {
        let name = object_name(n)?;
        if next.views.remove(&name).is_none() {
            if next.tables.contains_key(&name) {
                return Err(SqlError::new("42809", format!("\"{name}\" is not a view"))
                    .with_hint("Use DROP TABLE to remove a table."));
            }
            if if_exists {
                continue;
            }
            return Err(SqlError::new(
                "42P01",
                format!("view \"{name}\" does not exist"),
            ));
        }
        mutations.push(Mutation {
            key: view_key(&name),
            value: None,
        });
    }
    if mutations.is_empty() {
        return Ok(None);
    }
    Ok(change(next, mutations))
}
