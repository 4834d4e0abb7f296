//! DDL: CREATE TABLE and DROP TABLE. Each statement validates against the
//! current catalog, commits every catalog change in one `Store::commit`, and
//! only then installs the new catalog version.

use std::collections::BTreeSet;

use sqlparser::ast;

use crate::binder::{ident_name, object_name, Binder};
use crate::catalog::{
    sequence_key, sequence_mutation, table_key, Catalog, CheckDef, ColumnDef, IndexDef, TableDef,
};
use crate::encoding::PRIMARY_INDEX;
use crate::error::{SqlError, SqlResult};
use crate::store::Mutation;
use crate::types::{self, SqlType};

fn serial_type(dt: &ast::DataType) -> Option<SqlType> {
    if let ast::DataType::Custom(name, mods) = dt {
        if mods.is_empty() {
            return match name.to_string().to_lowercase().as_str() {
                "serial" | "serial4" => Some(SqlType::Int4),
                "bigserial" | "serial8" => Some(SqlType::Int8),
                "smallserial" | "serial2" => Some(SqlType::Int2),
                _ => None,
            };
        }
    }
    None
}

fn index_columns(cols: &[ast::IndexColumn], table: &TableDef) -> SqlResult<Vec<usize>> {
    let mut out = Vec::new();
    for c in cols {
        let name = match &c.column.expr {
            ast::Expr::Identifier(i) => ident_name(i),
            other => return Err(SqlError::unsupported(format!("index expression {other}"))),
        };
        let i = table.column_index(&name).ok_or_else(|| {
            SqlError::new(
                "42703",
                format!("column \"{name}\" named in key does not exist"),
            )
        })?;
        out.push(i);
    }
    Ok(out)
}

/// Column names an expression mentions (for naming CHECK constraints like PostgreSQL).
fn referenced_columns(e: &ast::Expr, table: &TableDef, out: &mut BTreeSet<usize>) {
    let text = e.to_string();
    // Cheap and sufficient: identifiers are words of the expression text.
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        if let Some(i) = table.column_index(&word.to_lowercase()) {
            out.insert(i);
        }
    }
}

fn unique_name(base: String, taken: &mut BTreeSet<String>) -> String {
    if taken.insert(base.clone()) {
        return base;
    }
    for n in 1.. {
        let candidate = format!("{base}{n}");
        if taken.insert(candidate.clone()) {
            return candidate;
        }
    }
    base
}

/// The effect of one DDL statement: the next catalog version and the
/// mutations that persist it (committed with the transaction).
pub struct DdlChange {
    pub catalog: Catalog,
    pub mutations: Vec<Mutation>,
    pub created_sequences: Vec<String>,
    pub dropped_sequences: Vec<String>,
    /// Checks against existing rows the change depends on (run before it applies).
    pub validations: Vec<Validation>,
    /// Index entries to build for existing rows (CREATE INDEX).
    pub backfill: Vec<Backfill>,
}

/// Builds one new index over a table's existing rows.
pub struct Backfill {
    pub table: std::sync::Arc<TableDef>,
    pub index: IndexDef,
    pub unique: bool,
}

/// A condition existing rows must meet for an ALTER TABLE to apply.
pub enum Validation {
    /// No row may hold NULL in this column (SET NOT NULL, ADD COLUMN ... NOT NULL).
    NoNulls {
        table: std::sync::Arc<TableDef>,
        column: Option<usize>,
        name: String,
    },
}

/// CREATE TABLE against `catalog`; None when IF NOT EXISTS found the table.
/// `id` comes from the engine's allocator, so concurrent transactions never
/// share a table id (nor the names derived from it).
pub fn create_table(
    catalog: &Catalog,
    ct: &ast::CreateTable,
    sql: &str,
    id: u32,
) -> SqlResult<Option<DdlChange>> {
    if ct.or_replace || ct.external || ct.query.is_some() || ct.like.is_some() || ct.clone.is_some()
    {
        return Err(SqlError::unsupported("this form of CREATE TABLE"));
    }
    let name = object_name(&ct.name)?;
    if catalog.tables.contains_key(&name) {
        if ct.if_not_exists {
            return Ok(None);
        }
        return Err(SqlError::new(
            "42P07",
            format!("relation \"{name}\" already exists"),
        ));
    }
    let mut t = TableDef {
        id,
        name: name.clone(),
        columns: vec![],
        primary_key: None,
        unique: vec![],
        checks: vec![],
        rowid_sequence: None,
        owned_sequences: vec![],
        indexes: vec![],
        next_index_id: 1,
    };
    let mut names = BTreeSet::new();
    let mut pending_pk: Option<(Option<String>, Vec<usize>)> = None;
    let mut pending_unique: Vec<(Option<String>, Vec<usize>)> = vec![];
    let mut pending_checks: Vec<(Option<String>, ast::Expr, Option<usize>)> = vec![];
    let pk_twice = || {
        SqlError::new(
            "42P16",
            format!("multiple primary keys for table \"{name}\" are not allowed"),
        )
    };
    for (ci, col) in ct.columns.iter().enumerate() {
        let cname = ident_name(&col.name);
        if t.column_index(&cname).is_some() {
            return Err(SqlError::new(
                "42701",
                format!("column \"{cname}\" specified more than once"),
            ));
        }
        let mut def = ColumnDef {
            name: cname.clone(),
            ty: SqlType::Int4.plain(),
            not_null: false,
            default: None,
            missing: None,
        };
        if let Some(st) = serial_type(&col.data_type) {
            let seq = format!("{name}_{cname}_seq");
            if catalog.sequences.contains_key(&seq) || catalog.tables.contains_key(&seq) {
                return Err(SqlError::new(
                    "42P07",
                    format!("relation \"{seq}\" already exists"),
                ));
            }
            def.ty = st.plain();
            def.not_null = true;
            def.default = Some(format!("nextval('{seq}')"));
            t.owned_sequences.push(seq);
        } else {
            def.ty = types::from_ast(&col.data_type)
                .map_err(|e| e.at(crate::binder::span_position(sql, col.name.span)))?;
        }
        for opt in &col.options {
            let cons_name = opt.name.as_ref().map(ident_name);
            match &opt.option {
                ast::ColumnOption::Null => {}
                ast::ColumnOption::NotNull => def.not_null = true,
                ast::ColumnOption::Default(e) => def.default = Some(e.to_string()),
                ast::ColumnOption::PrimaryKey(_) => {
                    if pending_pk.is_some() {
                        return Err(pk_twice());
                    }
                    pending_pk = Some((cons_name, vec![ci]));
                }
                ast::ColumnOption::Unique(_) => pending_unique.push((cons_name, vec![ci])),
                ast::ColumnOption::Check(c) => pending_checks.push((
                    c.name.as_ref().map(ident_name).or(cons_name),
                    (*c.expr).clone(),
                    Some(ci),
                )),
                ast::ColumnOption::Generated {
                    generation_expr: None,
                    ..
                } => {
                    let seq = format!("{name}_{cname}_seq");
                    def.not_null = true;
                    def.default = Some(format!("nextval('{seq}')"));
                    t.owned_sequences.push(seq);
                }
                other => return Err(SqlError::unsupported(format!("column option {other}"))),
            }
        }
        t.columns.push(def);
    }
    for c in &ct.constraints {
        match c {
            ast::TableConstraint::PrimaryKey(pk) => {
                if pending_pk.is_some() {
                    return Err(pk_twice());
                }
                pending_pk = Some((
                    pk.name.as_ref().map(ident_name),
                    index_columns(&pk.columns, &t)?,
                ));
            }
            ast::TableConstraint::Unique(u) => pending_unique.push((
                u.name.as_ref().map(ident_name),
                index_columns(&u.columns, &t)?,
            )),
            ast::TableConstraint::Check(ch) => {
                pending_checks.push((ch.name.as_ref().map(ident_name), (*ch.expr).clone(), None))
            }
            other => return Err(SqlError::unsupported(format!("table constraint {other}"))),
        }
    }
    if let Some((cname, cols)) = pending_pk {
        for &c in &cols {
            t.columns[c].not_null = true;
        }
        let n = unique_name(cname.unwrap_or_else(|| format!("{name}_pkey")), &mut names);
        t.primary_key = Some(IndexDef {
            id: PRIMARY_INDEX,
            name: n,
            columns: cols,
        });
    } else {
        let seq = format!("pg_rowid_{id}");
        t.rowid_sequence = Some(seq);
    }
    for (i, (cname, cols)) in pending_unique.into_iter().enumerate() {
        if i >= 254 {
            return Err(SqlError::unsupported("more than 254 unique constraints"));
        }
        let base = cols
            .iter()
            .map(|c| t.columns[*c].name.as_str())
            .collect::<Vec<_>>()
            .join("_");
        let n = unique_name(
            cname.unwrap_or_else(|| format!("{name}_{base}_key")),
            &mut names,
        );
        t.unique.push(IndexDef {
            id: (i + 1) as u8,
            name: n,
            columns: cols,
        });
    }
    for (cname, expr, col) in pending_checks {
        let n = match cname {
            Some(n) => unique_name(n, &mut names),
            None => {
                let mut refs = BTreeSet::new();
                match col {
                    Some(c) => {
                        refs.insert(c);
                    }
                    None => referenced_columns(&expr, &t, &mut refs),
                }
                let base = if refs.len() == 1 {
                    let c = refs.iter().next().copied().unwrap_or(0);
                    format!("{name}_{}_check", t.columns[c].name)
                } else {
                    format!("{name}_check")
                };
                unique_name(base, &mut names)
            }
        };
        t.checks.push(CheckDef {
            name: n,
            expr: expr.to_string(),
        });
    }
    t.checks.sort_by(|a, b| a.name.cmp(&b.name));
    // Validate defaults and checks by binding them.
    let mut scratch = catalog.clone();
    for s in t.owned_sequences.iter().chain(t.rowid_sequence.iter()) {
        scratch.sequences.insert(s.clone(), ());
    }
    {
        let mut b = Binder::new(&scratch, sql, vec![]);
        b.defaults(&t)?;
        b.checks(&t)?;
    }
    let mut mutations = vec![
        Catalog::table_mutation(&t)?,
        Catalog::next_id_mutation(catalog.next_table_id.max(id + 1)),
    ];
    for s in t.owned_sequences.iter().chain(t.rowid_sequence.iter()) {
        mutations.push(sequence_mutation(s, 0));
    }
    let created_sequences: Vec<String> = t
        .owned_sequences
        .iter()
        .chain(t.rowid_sequence.iter())
        .cloned()
        .collect();
    let mut next = scratch;
    next.tables.insert(name, std::sync::Arc::new(t));
    next.next_table_id = next.next_table_id.max(id + 1);
    Ok(Some(DdlChange {
        catalog: next,
        mutations,
        created_sequences,
        dropped_sequences: vec![],
        validations: vec![],
        backfill: vec![],
    }))
}

/// DROP TABLE against `catalog`. Row data of dropped tables stays under their
/// (never reused) table ids until a future background sweep removes it.
pub fn drop_table(
    catalog: &Catalog,
    names: &[ast::ObjectName],
    if_exists: bool,
) -> SqlResult<Option<DdlChange>> {
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    let mut dropped_sequences = Vec::new();
    for n in names {
        let name = object_name(n)?;
        let Some(t) = next.tables.remove(&name) else {
            if if_exists {
                continue;
            }
            return Err(SqlError::new(
                "42P01",
                format!("table \"{name}\" does not exist"),
            ));
        };
        mutations.push(Mutation {
            key: table_key(&name),
            value: None,
        });
        for s in t.owned_sequences.iter().chain(t.rowid_sequence.iter()) {
            mutations.push(Mutation {
                key: sequence_key(s),
                value: None,
            });
            next.sequences.remove(s);
            dropped_sequences.push(s.clone());
        }
    }
    if mutations.is_empty() {
        return Ok(None);
    }
    Ok(Some(DdlChange {
        catalog: next,
        mutations,
        created_sequences: vec![],
        dropped_sequences,
        validations: vec![],
        backfill: vec![],
    }))
}

/// ALTER TABLE: the catalog-only subset (ADD COLUMN with a constant default,
/// RENAME, column defaults and NOT NULL, DROP CONSTRAINT for checks).
pub fn alter_table(
    catalog: &Catalog,
    at: &ast::AlterTable,
    sql: &str,
) -> SqlResult<Option<DdlChange>> {
    let name = object_name(&at.name)?;
    let Some(old) = catalog.tables.get(&name).cloned() else {
        if at.if_exists {
            return Ok(None);
        }
        return Err(SqlError::undefined_table(&name));
    };
    let mut t = (*old).clone();
    let mut validations = Vec::new();
    let mut new_name = None;
    for op in &at.operations {
        match op {
            ast::AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                ..
            } => {
                let cname = ident_name(&column_def.name);
                if t.column_index(&cname).is_some() {
                    if *if_not_exists {
                        continue;
                    }
                    return Err(SqlError::new(
                        "42701",
                        format!(
                            "column \"{cname}\" of relation \"{}\" already exists",
                            t.name
                        ),
                    ));
                }
                if serial_type(&column_def.data_type).is_some() {
                    return Err(SqlError::unsupported("ADD COLUMN of a serial column"));
                }
                let ty = types::from_ast(&column_def.data_type)?;
                let mut def = ColumnDef {
                    name: cname.clone(),
                    ty,
                    not_null: false,
                    default: None,
                    missing: None,
                };
                for opt in &column_def.options {
                    match &opt.option {
                        ast::ColumnOption::Null => {}
                        ast::ColumnOption::NotNull => def.not_null = true,
                        ast::ColumnOption::Default(e) => def.default = Some(e.to_string()),
                        other => {
                            return Err(SqlError::unsupported(format!("ADD COLUMN with {other}")))
                        }
                    }
                }
                if let Some(text) = &def.default {
                    let mut b = Binder::new(catalog, sql, vec![]);
                    let probe = TableDef {
                        columns: vec![def.clone()],
                        ..t.clone()
                    };
                    let bound = b.defaults(&probe)?;
                    match bound.into_iter().next().flatten() {
                        Some(crate::plan::Expr::Const(d, _)) => def.missing = d.to_text(1),
                        _ => {
                            return Err(SqlError::unsupported(format!(
                                "ADD COLUMN with the non-constant default {text}"
                            )))
                        }
                    }
                }
                if def.not_null && def.missing.is_none() {
                    validations.push(Validation::NoNulls {
                        table: old.clone(),
                        column: None,
                        name: cname,
                    });
                }
                t.columns.push(def);
            }
            ast::AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                let from = ident_name(old_column_name);
                let to = ident_name(new_column_name);
                let i = t
                    .column_index(&from)
                    .ok_or_else(|| SqlError::undefined_column(&from))?;
                if t.column_index(&to).is_some() {
                    return Err(SqlError::new(
                        "42701",
                        format!("column \"{to}\" of relation \"{}\" already exists", t.name),
                    ));
                }
                let mut refs = BTreeSet::new();
                for c in &t.checks {
                    if let Ok(e) = crate::binder::parse_expr(&c.expr) {
                        referenced_columns(&e, &t, &mut refs);
                    }
                }
                if refs.contains(&i) {
                    return Err(SqlError::unsupported(
                        "renaming a column used by a CHECK constraint",
                    ));
                }
                t.columns[i].name = to;
            }
            ast::AlterTableOperation::RenameTable { table_name } => {
                let n = match table_name {
                    ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => {
                        object_name(n)?
                    }
                };
                if catalog.tables.contains_key(&n) || catalog.sequences.contains_key(&n) {
                    return Err(SqlError::new(
                        "42P07",
                        format!("relation \"{n}\" already exists"),
                    ));
                }
                new_name = Some(n);
            }
            ast::AlterTableOperation::AlterColumn { column_name, op } => {
                let cname = ident_name(column_name);
                let i = t.column_index(&cname).ok_or_else(|| {
                    SqlError::new(
                        "42703",
                        format!(
                            "column \"{cname}\" of relation \"{}\" does not exist",
                            t.name
                        ),
                    )
                })?;
                match op {
                    ast::AlterColumnOperation::SetNotNull => {
                        if !t.columns[i].not_null {
                            validations.push(Validation::NoNulls {
                                table: old.clone(),
                                column: Some(i),
                                name: cname,
                            });
                            t.columns[i].not_null = true;
                        }
                    }
                    ast::AlterColumnOperation::DropNotNull => {
                        if t.primary_key
                            .as_ref()
                            .is_some_and(|pk| pk.columns.contains(&i))
                        {
                            return Err(SqlError::new(
                                "42P16",
                                format!("column \"{cname}\" is in a primary key"),
                            ));
                        }
                        t.columns[i].not_null = false;
                    }
                    ast::AlterColumnOperation::SetDefault { value } => {
                        let mut probe_col = t.columns[i].clone();
                        probe_col.default = Some(value.to_string());
                        let probe = TableDef {
                            columns: vec![probe_col],
                            ..t.clone()
                        };
                        Binder::new(catalog, sql, vec![]).defaults(&probe)?;
                        t.columns[i].default = Some(value.to_string());
                    }
                    ast::AlterColumnOperation::DropDefault => t.columns[i].default = None,
                    other => {
                        return Err(SqlError::unsupported(format!("ALTER COLUMN ... {other}")))
                    }
                }
            }
            ast::AlterTableOperation::DropConstraint {
                if_exists,
                name: cname,
                ..
            } => {
                let cname = ident_name(cname);
                if let Some(pos) = t.checks.iter().position(|c| c.name == cname) {
                    t.checks.remove(pos);
                } else if t.unique.iter().any(|u| u.name == cname)
                    || t.primary_key.as_ref().is_some_and(|p| p.name == cname)
                {
                    return Err(SqlError::unsupported(
                        "dropping a UNIQUE or PRIMARY KEY constraint",
                    ));
                } else if !*if_exists {
                    return Err(SqlError::new(
                        "42704",
                        format!(
                            "constraint \"{cname}\" of relation \"{}\" does not exist",
                            t.name
                        ),
                    ));
                }
            }
            other => {
                let text = other.to_string();
                let words: Vec<&str> = text.split_whitespace().take(3).collect();
                return Err(SqlError::unsupported(format!(
                    "ALTER TABLE ... {}",
                    words.join(" ")
                )));
            }
        }
    }
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    if let Some(n) = new_name {
        next.tables.remove(&t.name);
        mutations.push(Mutation {
            key: table_key(&t.name),
            value: None,
        });
        t.name = n;
    }
    mutations.push(Catalog::table_mutation(&t)?);
    next.tables.insert(t.name.clone(), std::sync::Arc::new(t));
    Ok(Some(DdlChange {
        catalog: next,
        mutations,
        created_sequences: vec![],
        dropped_sequences: vec![],
        validations,
        backfill: vec![],
    }))
}

/// Is `name` taken by a relation (table, sequence or index) in the catalog?
fn relation_exists(catalog: &Catalog, name: &str) -> bool {
    catalog.tables.contains_key(name)
        || catalog.sequences.contains_key(name)
        || catalog
            .tables
            .values()
            .any(|t| t.index_names().any(|n| n == name))
}

/// CREATE [UNIQUE] INDEX: a new index, built over existing rows in the same transaction.
pub fn create_index(catalog: &Catalog, ci: &ast::CreateIndex) -> SqlResult<Option<DdlChange>> {
    if ci.predicate.is_some() || !ci.include.is_empty() || ci.concurrently {
        return Err(SqlError::unsupported(
            "partial, INCLUDE or CONCURRENTLY indexes",
        ));
    }
    let table_name = object_name(&ci.table_name)?;
    let old = catalog.table(&table_name)?;
    let mut t = (*old).clone();
    let columns = index_columns(&ci.columns, &t)?;
    let name = match &ci.name {
        Some(n) => object_name(n)?,
        None => {
            let base = columns
                .iter()
                .map(|c| t.columns[*c].name.as_str())
                .collect::<Vec<_>>()
                .join("_");
            let mut taken = BTreeSet::new();
            for tt in catalog.tables.values() {
                taken.extend(tt.index_names().map(str::to_string));
                taken.insert(tt.name.clone());
            }
            unique_name(format!("{}_{base}_idx", t.name), &mut taken)
        }
    };
    if relation_exists(catalog, &name) {
        if ci.if_not_exists {
            return Ok(None);
        }
        return Err(SqlError::new(
            "42P07",
            format!("relation \"{name}\" already exists"),
        ));
    }
    let index = IndexDef {
        id: t.alloc_index_id()?,
        name,
        columns,
    };
    if ci.unique {
        t.unique.push(index.clone());
    } else {
        t.indexes.push(index.clone());
    }
    let t = std::sync::Arc::new(t);
    let mut next = catalog.clone();
    next.tables.insert(t.name.clone(), t.clone());
    Ok(Some(DdlChange {
        catalog: next,
        mutations: vec![Catalog::table_mutation(&t)?],
        created_sequences: vec![],
        dropped_sequences: vec![],
        validations: vec![],
        backfill: vec![Backfill {
            table: t,
            index,
            unique: ci.unique,
        }],
    }))
}

/// DROP INDEX. Its entries stay under the (never reused) index id.
pub fn drop_index(
    catalog: &Catalog,
    names: &[ast::ObjectName],
    if_exists: bool,
) -> SqlResult<Option<DdlChange>> {
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    for n in names {
        let name = object_name(n)?;
        let owner = next
            .tables
            .values()
            .find(|t| t.index_names().any(|x| x == name))
            .cloned();
        let Some(owner) = owner else {
            if if_exists {
                continue;
            }
            return Err(SqlError::new(
                "42704",
                format!("index \"{name}\" does not exist"),
            ));
        };
        if owner.primary_key.as_ref().is_some_and(|p| p.name == name) {
            return Err(SqlError::new(
                "2BP01",
                format!(
                    "cannot drop index {name} because constraint {name} on table {} requires it",
                    owner.name
                ),
            )
            .with_hint(format!(
                "You can drop constraint {name} on table {} instead.",
                owner.name
            )));
        }
        let mut t = (*owner).clone();
        t.unique.retain(|i| i.name != name);
        t.indexes.retain(|i| i.name != name);
        mutations.push(Catalog::table_mutation(&t)?);
        next.tables.insert(t.name.clone(), std::sync::Arc::new(t));
    }
    if mutations.is_empty() {
        return Ok(None);
    }
    Ok(Some(DdlChange {
        catalog: next,
        mutations,
        created_sequences: vec![],
        dropped_sequences: vec![],
        validations: vec![],
        backfill: vec![],
    }))
}
