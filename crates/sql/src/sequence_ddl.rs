//! CREATE, ALTER and DROP SEQUENCE as catalog changes. A sequence is a
//! catalog entry, its options (`SequenceDef`, under its own key) and its
//! durable mark (`sequence_state_mutation`); creating one writes its fresh
//! state and registers it with the engine when the DDL applies, ALTER
//! writes new options (and, for RESTART, a new mark the engine adopts when
//! the transaction commits), dropping one deletes the entries, all
//! committed with the transaction like every other DDL. OWNED BY links the
//! sequence to a table column: it is dropped with the table.

use sqlparser::ast;

use crate::binder::object_name;
use std::sync::Arc;

use crate::catalog::{sequence_def_key, sequence_key, sequence_state_mutation, Catalog, TableDef};
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::sequence::SequenceState;
use crate::sequence_options::{OwnedBy, SequenceDef, SequenceOptions};
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

/// The table and column an OWNED BY names (`None`: OWNED BY NONE), checked
/// as PostgreSQL checks them.
fn resolve_owner(catalog: &Catalog, owned_by: &OwnedBy) -> SqlResult<Option<(String, String)>> {
    let Some(parts) = owned_by else {
        return Ok(None);
    };
    let (table, column) = match parts.as_slice() {
        [t, c] => (t.clone(), c.clone()),
        [schema, t, c] if schema == "public" => (t.clone(), c.clone()),
        [_, _, _] => {
            return Err(SqlError::new(
                "55000",
                "sequence must be in same schema as table it is linked to",
            ))
        }
        _ => {
            return Err(SqlError::new("42601", "invalid OWNED BY option")
                .with_hint("Specify OWNED BY table.column or OWNED BY NONE."))
        }
    };
    let Some(t) = catalog.tables.get(&table) else {
        let index = catalog
            .tables
            .values()
            .any(|t| t.index_names().any(|n| n == table));
        if index || crate::pg_catalog::is_system_index(&table) {
            return Err(SqlError::new(
                "42809",
                format!("sequence cannot be owned by relation \"{table}\""),
            )
            .with_detail("This operation is not supported for indexes."));
        }
        // System catalogs live in pg_catalog; every sequence here in public.
        if crate::pg_catalog::is_system_relation(None, &table) {
            return Err(SqlError::new(
                "55000",
                "sequence must be in same schema as table it is linked to",
            ));
        }
        if catalog.sequences.contains_key(&table) || catalog.views.contains_key(&table) {
            return Err(SqlError::new(
                "42809",
                format!("sequence cannot be owned by relation \"{table}\""),
            ));
        }
        return Err(SqlError::undefined_table(&table));
    };
    if t.column_index(&column).is_none() {
        return Err(SqlError::new(
            "42703",
            format!("column \"{column}\" of relation \"{table}\" does not exist"),
        ));
    }
    Ok(Some((table, column)))
}

/// Moves `sequence` from its old owning table (if any) to `owner`, adding
/// the table mutations to `mutations`.
fn set_owner(
    next: &mut Catalog,
    sequence: &str,
    owner: Option<&str>,
    mutations: &mut Vec<Mutation>,
) -> SqlResult<()> {
    let touched: Vec<String> = next
        .tables
        .values()
        .filter(|t| {
            t.owned_sequences.iter().any(|s| s == sequence) || Some(t.name.as_str()) == owner
        })
        .map(|t| t.name.clone())
        .collect();
    for name in touched {
        let Some(t) = next.tables.get(&name) else {
            continue;
        };
        let mut t = (**t).clone();
        t.owned_sequences.retain(|s| s != sequence);
        if Some(name.as_str()) == owner {
            t.owned_sequences.push(sequence.to_string());
        }
        mutations.push(Catalog::table_mutation(&t)?);
        next.tables.insert(name, Arc::new(t));
    }
    Ok(())
}

fn def_mutation(name: &str, def: &SequenceDef) -> SqlResult<Mutation> {
    let json = serde_json::to_vec(def).map_err(|e| SqlError::internal(e.to_string()))?;
    Ok(Mutation {
        key: sequence_def_key(name),
        value: Some(json),
    })
}

/// CREATE SEQUENCE [IF NOT EXISTS] name [options]; `None` when IF NOT
/// EXISTS found the name taken.
pub fn create_sequence(
    catalog: &Catalog,
    name: &ast::ObjectName,
    if_not_exists: bool,
    temporary: bool,
    unlogged: bool,
    options: &[ast::SequenceOptions],
) -> SqlResult<Option<DdlChange>> {
    if temporary {
        return Err(SqlError::unsupported("CREATE TEMPORARY SEQUENCE"));
    }
    let name = object_name(name)?;
    let (resolved, owned_by) = SequenceOptions::from_create(options)?;
    let owner = match &owned_by {
        Some(o) => resolve_owner(catalog, o)?,
        None => None,
    };
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
    let state = SequenceState::fresh(resolved.start);
    let def = SequenceDef {
        unlogged,
        ..SequenceDef::new(resolved, owner.clone())
    };
    let mut mutations = vec![
        def_mutation(&name, &def)?,
        sequence_state_mutation(&name, state),
    ];
    if let Some((table, _)) = &owner {
        set_owner(&mut next, &name, Some(table), &mut mutations)?;
    }
    next.sequence_defs.insert(name.clone(), Arc::new(def));
    let mut c = change(next, mutations);
    c.created_sequences.push(name);
    Ok(Some(c))
}

/// The catalog entries of the sequence `sequence` that a SERIAL (or
/// identity) column of `table` uses: typed like the column (smallserial
/// and serial sequences stop at their type's maximum) and OWNED BY it, as
/// PostgreSQL makes them. A bigint column's sequence has the default
/// options and keeps the legacy mark alone.
/// `identity` are the options of a GENERATED ... AS IDENTITY (...) column.
pub fn serial_sequence(
    next: &mut Catalog,
    table: &TableDef,
    sequence: &str,
    identity: &[ast::SequenceOptions],
) -> SqlResult<Vec<Mutation>> {
    let call = format!("nextval('{sequence}')");
    let column = table
        .columns
        .iter()
        .find(|c| c.default.as_deref() == Some(call.as_str()));
    let data_type = match column.map(|c| c.ty.ty) {
        Some(crate::types::SqlType::Int2) => crate::sequence_options::SequenceType::Int2,
        Some(crate::types::SqlType::Int4) => crate::sequence_options::SequenceType::Int4,
        _ if !identity.is_empty() => crate::sequence_options::SequenceType::Int8,
        _ => return Ok(vec![crate::catalog::sequence_mutation(sequence, 0)]),
    };
    let mut options = SequenceOptions {
        data_type,
        max_value: data_type.bounds().1,
        ..SequenceOptions::default()
    };
    if !identity.is_empty() {
        let start = options.start;
        options = SequenceOptions::from_alter(&options, identity, None, start)?.options;
    }
    let state = SequenceState::fresh(options.start);
    let owner = column.map(|c| (table.name.clone(), c.name.clone()));
    let def = SequenceDef::new(options, owner);
    let mutations = vec![
        def_mutation(sequence, &def)?,
        sequence_state_mutation(sequence, state),
    ];
    next.sequence_defs
        .insert(sequence.to_string(), Arc::new(def));
    Ok(mutations)
}

/// What ALTER SEQUENCE does besides options.
pub enum AlterAction {
    /// Options, RESTART [WITH v] (`Some(None)`: RESTART) and OWNED BY.
    Options {
        options: Vec<ast::SequenceOptions>,
        restart: Option<Option<i64>>,
    },
    RenameTo(String),
    /// SET LOGGED (false) / SET UNLOGGED (true).
    SetUnlogged(bool),
}

/// ALTER SEQUENCE [IF EXISTS] name ...; `last` is the sequence's current
/// value (options must keep it within bounds). `None`: nothing to change
/// (IF EXISTS and no such sequence).
pub fn alter_sequence(
    catalog: &Catalog,
    name: &str,
    if_exists: bool,
    action: &AlterAction,
    last: Option<i64>,
) -> SqlResult<Option<DdlChange>> {
    if !catalog.sequences.contains_key(name) || hidden(catalog, name) {
        if !hidden(catalog, name) && relation_exists(catalog, name) {
            return Err(SqlError::new(
                "42809",
                format!("\"{name}\" is not a sequence"),
            ));
        }
        if if_exists {
            return Ok(None);
        }
        return Err(SqlError::new(
            "42P01",
            format!("relation \"{name}\" does not exist"),
        ));
    }
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    let current = catalog
        .sequence_defs
        .get(name)
        .map(|d| (**d).clone())
        .unwrap_or_else(|| SequenceDef::new(SequenceOptions::default(), None));
    match action {
        AlterAction::Options { options, restart } => {
            let altered = SequenceOptions::from_alter(
                &current.options,
                options,
                *restart,
                last.unwrap_or(current.options.start),
            )?;
            let mut def = current.clone();
            def.options = altered.options;
            if let Some(o) = &altered.owned_by {
                def.owned_by = resolve_owner(catalog, o)?;
                let table = def.owned_by.as_ref().map(|(t, _)| t.as_str());
                set_owner(&mut next, name, table, &mut mutations)?;
            }
            if let Some(v) = altered.restart {
                // The engine adopts this mark as the state when the
                // transaction commits (`EngineInner::commit_writes`).
                mutations.push(sequence_state_mutation(name, SequenceState::fresh(v)));
            }
            mutations.push(def_mutation(name, &def)?);
            next.sequence_defs.insert(name.to_string(), Arc::new(def));
        }
        AlterAction::SetUnlogged(unlogged) => {
            if current.unlogged == *unlogged {
                return Ok(None);
            }
            let def = SequenceDef {
                unlogged: *unlogged,
                ..current
            };
            mutations.push(def_mutation(name, &def)?);
            next.sequence_defs.insert(name.to_string(), Arc::new(def));
        }
        AlterAction::RenameTo(to) => {
            if relation_exists(catalog, to) {
                return Err(SqlError::new(
                    "42P07",
                    format!("relation \"{to}\" already exists"),
                ));
            }
            return rename(next, name, to, current);
        }
    }
    Ok(Some(change(next, mutations)))
}

/// RENAME TO: the entries move to the new name, column defaults follow
/// (PostgreSQL's refer to the sequence by oid); the engine moves the
/// state and writes its mark when the transaction commits.
fn rename(
    mut next: Catalog,
    name: &str,
    to: &str,
    mut def: SequenceDef,
) -> SqlResult<Option<DdlChange>> {
    let mut mutations = vec![
        Mutation {
            key: sequence_key(name),
            value: None,
        },
        Mutation {
            key: sequence_def_key(name),
            value: None,
        },
    ];
    // Renamed again in the same transaction: the state is still under
    // the first name.
    def.renamed_from = Some(def.renamed_from.take().unwrap_or_else(|| name.to_string()));
    mutations.push(def_mutation(to, &def)?);
    next.sequences.remove(name);
    next.sequence_defs.remove(name);
    next.sequences.insert(to.to_string(), ());
    next.sequence_defs.insert(to.to_string(), Arc::new(def));
    let old_call = format!("nextval('{name}')");
    let new_call = format!("nextval('{to}')");
    let touched: Vec<String> = next
        .tables
        .values()
        .filter(|t| {
            t.owned_sequences.iter().any(|s| s == name) || !dependents(&next, t, name).is_empty()
        })
        .map(|t| t.name.clone())
        .collect();
    for table in touched {
        let Some(t) = next.tables.get(&table) else {
            continue;
        };
        let mut t = (**t).clone();
        for s in &mut t.owned_sequences {
            if s == name {
                *s = to.to_string();
            }
        }
        for c in &mut t.columns {
            if let Some(d) = &mut c.default {
                *d = d.replace(&old_call, &new_call);
            }
        }
        mutations.push(Catalog::table_mutation(&t)?);
        next.tables.insert(table, Arc::new(t));
    }
    let mut c = change(next, mutations);
    c.dropped_sequences.push(name.to_string());
    Ok(Some(c))
}

/// Sequences a transaction's DDL renamed: (old name, new name). The old
/// name is where the engine holds the state (committed, or created by
/// this transaction).
pub fn renamed_sequences(committed: &Catalog, d: &crate::txn::TxnDdl) -> Vec<(String, String)> {
    d.catalog
        .sequence_defs
        .iter()
        .filter(|(new, _)| !committed.sequences.contains_key(*new))
        .filter_map(|(new, def)| Some((def.renamed_from.clone()?, new.clone())))
        .collect()
}

/// The catalog to install at commit: rename markers cleared.
pub fn without_rename_markers(mut catalog: Catalog) -> Catalog {
    for def in catalog.sequence_defs.values_mut() {
        if def.renamed_from.is_some() {
            Arc::make_mut(def).renamed_from = None;
        }
    }
    catalog
}

/// Hidden row-id sequences are not relations PostgreSQL would show.
fn hidden(catalog: &Catalog, name: &str) -> bool {
    catalog
        .tables
        .values()
        .any(|t| t.rowid_sequence.as_deref() == Some(name))
}

/// Whether a column default calls `nextval` on `sequence` by a regclass
/// constant (`nextval('name')`, `nextval('name'::regclass)`; a text
/// argument is looked up when called, so it is no dependency, as in
/// PostgreSQL). The constant is the key, the key double-quoted as the
/// binder resolves names, or a bare name the search path resolves to it.
fn uses_sequence(catalog: &Catalog, default: &str, sequence: &str) -> bool {
    let bare = crate::schema::split(sequence).1;
    let quoted = format!("\"{sequence}\"");
    let mut rest = default;
    while let Some(at) = rest.find("nextval('") {
        rest = &rest[at + "nextval('".len()..];
        let Some(end) = rest.find('\'') else {
            return false;
        };
        let (literal, after) = (&rest[..end], &rest[end + 1..]);
        let regclass = after.starts_with(')') || after.starts_with("::regclass");
        let names_it = literal == sequence
            || literal == quoted
            || (literal == bare && catalog.resolve_unqualified(bare).as_deref() == Some(sequence));
        if regclass && names_it {
            return true;
        }
        rest = after;
    }
    false
}

/// What depends on `sequence` in `table`: column defaults that call it, as
/// PostgreSQL's DETAIL lines name them.
fn dependents(catalog: &Catalog, table: &TableDef, sequence: &str) -> Vec<String> {
    table
        .columns
        .iter()
        .filter(|c| {
            c.default
                .as_deref()
                .is_some_and(|d| uses_sequence(catalog, d, sequence))
        })
        .map(|c| {
            format!(
                "default value for column {} of table {} depends on sequence {}",
                c.name,
                crate::schema::shown_name(&table.name),
                crate::schema::shown_name(sequence)
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
            .flat_map(|t| dependents(&next, t, &name))
            .collect();
        if !details.is_empty() && !cascade {
            return Err(SqlError::new(
                "2BP01",
                format!(
                    "cannot drop sequence {} because other objects depend on it",
                    crate::schema::shown_name(&name)
                ),
            )
            .with_detail(details.join("\n"))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        let touched: Vec<String> = next
            .tables
            .values()
            .filter(|t| {
                t.owned_sequences.contains(&name) || !dependents(&next, t, &name).is_empty()
            })
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
                    .is_some_and(|d| uses_sequence(&next, d, &name))
                {
                    c.default = None;
                }
            }
            mutations.push(Catalog::table_mutation(&t)?);
            next.tables.insert(table, std::sync::Arc::new(t));
        }
        next.sequences.remove(&name);
        next.sequence_defs.remove(&name);
        mutations.push(Mutation {
            key: sequence_key(&name),
            value: None,
        });
        mutations.push(Mutation {
            key: sequence_def_key(&name),
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

/// A committed ALTER SEQUENCE for the engine to apply.
pub struct Alteration {
    pub name: String,
    pub options: SequenceOptions,
    /// The state RESTART wrote as the sequence's mark.
    pub restart: Option<SequenceState>,
}

/// The options and RESTART state one ALTER SEQUENCE change gives `name`.
pub fn alteration_of(change: &DdlChange, name: &str) -> SqlResult<Alteration> {
    let key = sequence_key(name);
    let restart = change
        .mutations
        .iter()
        .find(|m| m.key == key)
        .and_then(|m| m.value.as_deref())
        .map(crate::catalog::decode_sequence_mark)
        .transpose()?;
    Ok(Alteration {
        name: name.to_string(),
        options: change.catalog.sequence_options(name),
        restart,
    })
}

/// The sequences a transaction's DDL altered (options or RESTART) that
/// existed in `committed`: their options differ, or the DDL wrote a mark.
pub fn altered_sequences(
    committed: &Catalog,
    d: &crate::txn::TxnDdl,
) -> SqlResult<Vec<Alteration>> {
    let mut out = Vec::new();
    for name in d.catalog.sequences.keys() {
        if !committed.sequences.contains_key(name) {
            continue;
        }
        let key = sequence_key(name);
        let restart = d
            .mutations
            .iter()
            .rev()
            .find(|m| m.key == key)
            .and_then(|m| m.value.as_deref())
            .map(crate::catalog::decode_sequence_mark)
            .transpose()?;
        let options = d.catalog.sequence_options(name);
        if restart.is_some() || options != committed.sequence_options(name) {
            out.push(Alteration {
                name: name.clone(),
                options,
                restart,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regclass_constants_naming_the_sequence_are_dependencies() {
        let cat = Catalog::default();
        assert!(uses_sequence(&cat, "nextval('s')", "s"));
        assert!(uses_sequence(&cat, "nextval('s'::regclass)", "s"));
        assert!(uses_sequence(&cat, "nextval('\"app.s\"')", "app.s"));
        assert!(uses_sequence(&cat, "1 + nextval('t') + nextval('s')", "s"));
        // Looked up by text when called: no dependency.
        assert!(!uses_sequence(&cat, "nextval('s'::text)", "s"));
        assert!(!uses_sequence(&cat, "nextval('s2')", "s"));
        assert!(!uses_sequence(&cat, "nextval('", "s"));
        // A bare name counts only where the search path finds the sequence.
        assert!(!uses_sequence(&cat, "nextval('s')", "app.s"));
    }
}
