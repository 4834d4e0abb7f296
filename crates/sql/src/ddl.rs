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
}

/// CREATE TABLE against `catalog`; None when IF NOT EXISTS found the table.
pub fn create_table(
    catalog: &Catalog,
    ct: &ast::CreateTable,
    sql: &str,
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
    let id = catalog.next_table_id.max(1);
    let mut t = TableDef {
        id,
        name: name.clone(),
        columns: vec![],
        primary_key: None,
        unique: vec![],
        checks: vec![],
        rowid_sequence: None,
        owned_sequences: vec![],
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
        Catalog::next_id_mutation(id + 1),
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
    next.next_table_id = id + 1;
    Ok(Some(DdlChange {
        catalog: next,
        mutations,
        created_sequences,
        dropped_sequences: vec![],
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
    }))
}
