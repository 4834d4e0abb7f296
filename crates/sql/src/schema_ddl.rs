//! CREATE SCHEMA, DROP SCHEMA and ALTER SCHEMA ... RENAME TO against a
//! catalog (see `crate::schema` for how relations belong to schemas).
//! Dropping a schema's contents reuses DROP VIEW/TABLE/SEQUENCE.

use std::sync::Arc;

use sqlparser::ast;

use crate::catalog::{schema_key, table_key, view_key, Catalog};
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::schema::{split, SchemaDef, BUILTIN};
use crate::store::Mutation;

fn notice(sqlstate: &'static str, message: String) -> SqlError {
    let mut n = SqlError::new(sqlstate, message);
    n.severity = "NOTICE";
    n
}

fn undefined_schema(name: &str) -> SqlError {
    SqlError::new("3F000", format!("schema \"{name}\" does not exist"))
}

/// CREATE SCHEMA: `Ok(None)` when IF NOT EXISTS finds it (the caller
/// sends `skipped`'s NOTICE).
pub fn create_schema(
    catalog: &Catalog,
    name: &str,
    owner: &str,
    if_not_exists: bool,
    oid: i64,
) -> SqlResult<Option<DdlChange>> {
    if catalog.schema_exists(name) || name.starts_with("pg_temp_") {
        if if_not_exists {
            return Ok(None);
        }
        return Err(SqlError::new(
            "42P06",
            format!("schema \"{name}\" already exists"),
        ));
    }
    if name.starts_with("pg_") {
        return Err(
            SqlError::new("42939", format!("unacceptable schema name \"{name}\""))
                .with_detail("The prefix \"pg_\" is reserved for system schemas."),
        );
    }
    if name.contains('.') {
        return Err(SqlError::unsupported("schema names containing a dot"));
    }
    let def = SchemaDef {
        name: name.to_string(),
        owner: owner.to_string(),
        oid,
    };
    let value = serde_json::to_vec(&def).map_err(|e| SqlError::internal(e.to_string()))?;
    let mut next = catalog.clone();
    next.schemas.insert(name.to_string(), Arc::new(def));
    Ok(Some(DdlChange::catalog_only(
        next,
        vec![Mutation {
            key: schema_key(name),
            value: Some(value),
        }],
    )))
}

/// The NOTICE of CREATE SCHEMA IF NOT EXISTS on an existing schema.
pub fn skipped(name: &str) -> SqlError {
    notice(
        "42P06",
        format!("schema \"{name}\" already exists, skipping"),
    )
}

/// What a schema holds, in creation order: (kind, key). Sequences owned
/// by a table (SERIAL) and row-id sequences go with their table.
fn contents(catalog: &Catalog, schema: &str) -> Vec<(&'static str, String)> {
    let mut tables: Vec<_> = catalog
        .tables
        .values()
        .filter(|t| split(&t.name).0 == schema)
        .collect();
    tables.sort_by_key(|t| t.id);
    let owned: Vec<&String> = catalog
        .tables
        .values()
        .flat_map(|t| t.owned_sequences.iter().chain(t.rowid_sequence.iter()))
        .collect();
    let mut out: Vec<(&'static str, String)> = catalog
        .sequences
        .keys()
        .filter(|s| split(s).0 == schema && !owned.contains(s))
        .map(|s| ("sequence", s.clone()))
        .collect();
    out.extend(tables.iter().map(|t| ("table", t.name.clone())));
    out.extend(
        catalog
            .views
            .keys()
            .filter(|v| split(v).0 == schema)
            .map(|v| ("view", v.clone())),
    );
    out
}

fn name_of(key: &str) -> ast::ObjectName {
    let (schema, rel) = split(key);
    let part = |v: &str| ast::ObjectNamePart::Identifier(ast::Ident::with_quote('"', v));
    ast::ObjectName(vec![part(schema), part(rel)])
}

/// Folds `next` (a change against `acc`'s catalog) into `acc`.
fn merge(acc: &mut DdlChange, next: Option<DdlChange>) {
    if let Some(n) = next {
        acc.catalog = n.catalog;
        acc.mutations.extend(n.mutations);
        acc.created_sequences.extend(n.created_sequences);
        acc.dropped_sequences.extend(n.dropped_sequences);
    }
}

/// DROP SCHEMA [IF EXISTS] names [CASCADE | RESTRICT]: the change and
/// the NOTICEs to send.
pub fn drop_schemas(
    catalog: &Catalog,
    names: &[String],
    if_exists: bool,
    cascade: bool,
) -> SqlResult<(Option<DdlChange>, Vec<SqlError>)> {
    let mut notices = Vec::new();
    let mut change = DdlChange::catalog_only(catalog.clone(), vec![]);
    let mut dropped_any = false;
    let mut cascaded = Vec::new();
    for name in names {
        if !change.catalog.schemas.contains_key(name) {
            if BUILTIN.contains(&name.as_str()) {
                return Err(SqlError::new(
                    "2BP01",
                    format!(
                        "cannot drop schema {name} because it is required by the database system"
                    ),
                ));
            }
            if if_exists {
                notices.push(notice(
                    "00000",
                    format!("schema \"{name}\" does not exist, skipping"),
                ));
                continue;
            }
            return Err(undefined_schema(name));
        }
        let inside = contents(&change.catalog, name);
        if !inside.is_empty() && !cascade {
            let detail: Vec<String> = inside
                .iter()
                .map(|(kind, key)| format!("{kind} {key} depends on schema {name}"))
                .collect();
            return Err(SqlError::new(
                "2BP01",
                format!("cannot drop schema {name} because other objects depend on it"),
            )
            .with_detail(detail.join("\n"))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        cascaded.extend(
            inside
                .iter()
                .map(|(k, n)| format!("drop cascades to {k} {n}")),
        );
        let of = |kind: &str| -> Vec<ast::ObjectName> {
            inside
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, n)| name_of(n))
                .collect()
        };
        let views = of("view");
        if !views.is_empty() {
            let next = crate::view::drop_view(&change.catalog, &views, false)?;
            merge(&mut change, next);
        }
        let tables = of("table");
        if !tables.is_empty() {
            let next =
                crate::ddl::drop_table(&change.catalog, &tables, false, true, &mut Vec::new())?;
            merge(&mut change, next);
        }
        let sequences = of("sequence");
        if !sequences.is_empty() {
            let next =
                crate::sequence_ddl::drop_sequence(&change.catalog, &sequences, false, false)?;
            merge(&mut change, next);
        }
        change.catalog.schemas.remove(name);
        change.mutations.push(Mutation {
            key: schema_key(name),
            value: None,
        });
        dropped_any = true;
    }
    match cascaded.as_slice() {
        [] => {}
        [one] => notices.push(notice("00000", one.clone())),
        many => notices.push(
            notice(
                "00000",
                format!("drop cascades to {} other objects", many.len()),
            )
            .with_detail(many.join("\n")),
        ),
    }
    Ok((dropped_any.then_some(change), notices))
}

/// ALTER SCHEMA old RENAME TO new: every table and view key moves.
pub fn rename_schema(catalog: &Catalog, old: &str, new: &str) -> SqlResult<Option<DdlChange>> {
    let Some(def) = catalog.schemas.get(old) else {
        return Err(undefined_schema(old));
    };
    if catalog.schema_exists(new) {
        return Err(SqlError::new(
            "42P06",
            format!("schema \"{new}\" already exists"),
        ));
    }
    if new.starts_with("pg_") {
        return Err(
            SqlError::new("42939", format!("unacceptable schema name \"{new}\""))
                .with_detail("The prefix \"pg_\" is reserved for system schemas."),
        );
    }
    if new.contains('.') {
        return Err(SqlError::unsupported("schema names containing a dot"));
    }
    let moved = |key: &str| -> String {
        match split(key) {
            (s, rel) if s == old => crate::schema::qualified(new, rel),
            _ => key.to_string(),
        }
    };
    // Sequences first: ALTER SEQUENCE RENAME moves their engine state and
    // the column defaults that call them.
    let mut change = DdlChange::catalog_only(catalog.clone(), vec![]);
    let sequences: Vec<String> = catalog
        .sequences
        .keys()
        .filter(|s| split(s).0 == old)
        .cloned()
        .collect();
    for s in sequences {
        let to = crate::sequence_ddl::AlterAction::RenameTo(moved(&s));
        let next = crate::sequence_ddl::alter_sequence(&change.catalog, &s, false, &to, None)?;
        merge(&mut change, next);
    }
    let catalog = &change.catalog;
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    next.tables.clear();
    for t in catalog.tables.values() {
        let mut d = (**t).clone();
        d.name = moved(&t.name);
        for fk in &mut d.foreign_keys {
            fk.ref_table = moved(&fk.ref_table);
        }
        if let Some(of) = &mut d.partitioning.of {
            of.parent = moved(&of.parent);
        }
        // Derived index and constraint names carry the table's key.
        for ix in d
            .primary_key
            .iter_mut()
            .chain(d.unique.iter_mut())
            .chain(d.indexes.iter_mut())
        {
            ix.name = moved(&ix.name);
        }
        for c in &mut d.checks {
            c.name = moved(&c.name);
        }
        for fk in &mut d.foreign_keys {
            fk.name = moved(&fk.name);
        }
        if d != **t || d.name != t.name {
            if d.name != t.name {
                mutations.push(Mutation {
                    key: table_key(&t.name),
                    value: None,
                });
            }
            mutations.push(crate::catalog::Catalog::table_mutation(&d)?);
        }
        next.tables.insert(d.name.clone(), Arc::new(d));
    }
    next.views.clear();
    for v in catalog.views.values() {
        let mut d = (**v).clone();
        d.name = moved(&v.name);
        // Resolution writes qualified names as `"schema"."name"`.
        d.query = d
            .query
            .replace(&format!("\"{old}\"."), &format!("\"{new}\"."));
        if d != **v {
            if d.name != v.name {
                mutations.push(Mutation {
                    key: view_key(&v.name),
                    value: None,
                });
            }
            let value = serde_json::to_vec(&d).map_err(|e| SqlError::internal(e.to_string()))?;
            mutations.push(Mutation {
                key: view_key(&d.name),
                value: Some(value),
            });
        }
        next.views.insert(d.name.clone(), Arc::new(d));
    }
    let mut renamed = (**def).clone();
    renamed.name = new.to_string();
    let value = serde_json::to_vec(&renamed).map_err(|e| SqlError::internal(e.to_string()))?;
    next.schemas.remove(old);
    next.schemas.insert(new.to_string(), Arc::new(renamed));
    mutations.push(Mutation {
        key: schema_key(old),
        value: None,
    });
    mutations.push(Mutation {
        key: schema_key(new),
        value: Some(value),
    });
    change.catalog = next;
    change.mutations.extend(mutations);
    Ok(Some(change))
}
