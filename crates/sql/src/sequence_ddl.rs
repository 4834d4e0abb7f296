//! CREATE SEQUENCE and DROP SEQUENCE as catalog changes. A sequence is a
//! catalog entry plus its durable mark (`sequence_mutation`); creating one
//! writes mark 0 and registers it with the engine when the DDL applies,
//! dropping one deletes the entry, both committed with the transaction like
//! every other DDL. Only sequences whose options resolve to PostgreSQL's
//! defaults (ascending by 1 from 1, bigint, no cycle) are accepted for now:
//! the catalog does not store options yet, so anything else is refused with
//! 0A000 after PostgreSQL's own validation errors.

use sqlparser::ast;

use crate::binder::object_name;
use crate::catalog::{sequence_key, sequence_mutation, Catalog, TableDef};
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::sequence_options::SequenceOptions;
use crate::store::Mutation;

fn relation_exists(catalog: &Catalog, name: &str) -> bool {
    catalog.tables.contains_key(name)
        || catalog.sequences.contains_key(name)
        || catalog.views.contains_key(name)
        || catalog
            .tables
            .values()
            .any(|t| t.index_names().any(|n| n == name))
}

fn change(catalog: Catalog, mutations: Vec<Mutation>) -> DdlChange {
    DdlChange {
        catalog,
        mutations,
        created_sequences: vec![],
        dropped_sequences: vec![],
        validations: vec![],
        backfill: vec![],
        rekey: None,
    }
}

/// CREATE SEQUENCE [IF NOT EXISTS] name [options]; `None` when IF NOT
/// EXISTS found the name taken.
pub fn create_sequence(
    catalog: &Catalog,
    name: &ast::ObjectName,
    if_not_exists: bool,
    temporary: bool,
    options: &[ast::SequenceOptions],
) -> SqlResult<Option<DdlChange>> {
    if temporary {
        return Err(SqlError::unsupported("CREATE TEMPORARY SEQUENCE"));
    }
    let name = object_name(name)?;
    let resolved = SequenceOptions::from_create(options)?;
    if options
        .iter()
        .any(|o| matches!(o, ast::SequenceOptions::OwnedBy(Some(_))))
    {
        return Err(SqlError::unsupported("CREATE SEQUENCE ... OWNED BY"));
    }
    if resolved != SequenceOptions::default() {
        return Err(SqlError::unsupported(
            "CREATE SEQUENCE with non-default options",
        ));
    }
    if relation_exists(catalog, &name) {
        if if_not_exists {
            return Ok(None);
        }
        return Err(SqlError::new(
            "42P07",
            format!("relation \"{name}\" already exists"),
        ));
    }
    let mut next = catalog.clone();
    next.sequences.insert(name.clone(), ());
    let mut c = change(next, vec![sequence_mutation(&name, 0)]);
    c.created_sequences.push(name);
    Ok(Some(c))
}

/// The default `nextval('name')` a SERIAL column or an explicit default
/// stores (see `ddl::create_table`).
fn uses_sequence(default: &str, sequence: &str) -> bool {
    default.contains(&format!("nextval('{sequence}')"))
}

/// What depends on `sequence` in `table`: column defaults that call it, as
/// PostgreSQL's DETAIL lines name them.
fn dependents(table: &TableDef, sequence: &str) -> Vec<String> {
    table
        .columns
        .iter()
        .filter(|c| {
            c.default
                .as_deref()
                .is_some_and(|d| uses_sequence(d, sequence))
        })
        .map(|c| {
            format!(
                "default value for column {} of table {} depends on sequence {sequence}",
                c.name, table.name
            )
        })
        .collect()
}

/// DROP SEQUENCE [IF EXISTS] a, b [CASCADE | RESTRICT]. CASCADE removes the
/// column defaults that call a dropped sequence, as PostgreSQL does.
pub fn drop_sequence(
    catalog: &Catalog,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
) -> SqlResult<Option<DdlChange>> {
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    let mut dropped = Vec::new();
    for n in names {
        let name = object_name(n)?;
        // Hidden row-id sequences are not relations PostgreSQL would show.
        let hidden = next
            .tables
            .values()
            .any(|t| t.rowid_sequence.as_deref() == Some(name.as_str()));
        if hidden || !next.sequences.contains_key(&name) {
            if !hidden && relation_exists(&next, &name) {
                return Err(
                    SqlError::new("42809", format!("\"{name}\" is not a sequence"))
                        .with_hint("Use DROP TABLE to remove a table."),
                );
            }
            if if_exists {
                continue;
            }
            return Err(SqlError::new(
                "42P01",
                format!("sequence \"{name}\" does not exist"),
            ));
        }
        let details: Vec<String> = next
            .tables
            .values()
            .flat_map(|t| dependents(t, &name))
            .collect();
        if !details.is_empty() && !cascade {
            return Err(SqlError::new(
                "2BP01",
                format!("cannot drop sequence {name} because other objects depend on it"),
            )
            .with_detail(details.join("\n"))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        let touched: Vec<String> = next
            .tables
            .values()
            .filter(|t| t.owned_sequences.contains(&name) || !dependents(t, &name).is_empty())
            .map(|t| t.name.clone())
            .collect();
        for table in touched {
            let Some(t) = next.tables.get(&table) else {
                continue;
            };
            let mut t = (**t).clone();
            t.owned_sequences.retain(|s| s != &name);
            for c in &mut t.columns {
                if c.default
                    .as_deref()
                    .is_some_and(|d| uses_sequence(d, &name))
                {
                    c.default = None;
                }
            }
            mutations.push(Catalog::table_mutation(&t)?);
            next.tables.insert(table, std::sync::Arc::new(t));
        }
        next.sequences.remove(&name);
        mutations.push(Mutation {
            key: sequence_key(&name),
            value: None,
        });
        dropped.push(name);
    }
    if mutations.is_empty() {
        return Ok(None);
    }
    let mut c = change(next, mutations);
    c.dropped_sequences = dropped;
    Ok(Some(c))
}
