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
    /// Rows to move to a new key layout (ADD PRIMARY KEY).
    pub rekey: Option<Rekey>,
}

impl DdlChange {
    /// A change to catalog entries alone: no sequences, row checks,
    /// backfill or rekey.
    pub(crate) fn catalog_only(catalog: Catalog, mutations: Vec<Mutation>) -> DdlChange {
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

    /// Follows this change with `later`, a change built on this one's
    /// catalog (a child's or partition's part of an ALTER TABLE): its catalog
    /// replaces this one's and its mutations, checks, backfill and sequences
    /// come after this one's. `later`'s rekey is not carried over.
    pub(crate) fn then(&mut self, later: DdlChange) {
        self.catalog = later.catalog;
        self.mutations.extend(later.mutations);
        self.validations.extend(later.validations);
        self.backfill.extend(later.backfill);
        self.created_sequences.extend(later.created_sequences);
        self.dropped_sequences.extend(later.dropped_sequences);
    }
}

/// ADD PRIMARY KEY: every row of each `from` is copied into its `to` (a new
/// table id keyed by the primary key; several for the leaves of a partitioned
/// table); rows under the old ids are left for the sweep, like a dropped table's.
pub struct Rekey {
    pub tables: Vec<(std::sync::Arc<TableDef>, std::sync::Arc<TableDef>)>,
    /// Columns whose values are recomputed on the way (ALTER COLUMN ...
    /// TYPE, `ddl_retype`), bound over the `from` row.
    pub rewrite: Vec<ColumnRewrite>,
}

/// A column's new value in a rewritten row, computed from the old row.
pub struct ColumnRewrite {
    pub column: usize,
    pub expr: crate::plan::Expr,
}

/// Builds one new index over a table's existing rows.
pub struct Backfill {
    pub table: std::sync::Arc<TableDef>,
    pub index: IndexDef,
    pub unique: bool,
    /// REINDEX: the index's present entries are removed first.
    pub rebuild: bool,
}

/// A condition existing rows must meet for an ALTER TABLE to apply.
pub enum Validation {
    /// No row may hold NULL in this column (SET NOT NULL, ADD COLUMN ... NOT NULL).
    NoNulls {
        table: std::sync::Arc<TableDef>,
        column: Option<usize>,
        name: String,
    },
    /// Every existing row of `table` must pass its check constraint `name`.
    Check {
        table: std::sync::Arc<TableDef>,
        name: String,
    },
    /// Every existing row of `table` must satisfy the new foreign key.
    ForeignKey {
        table: std::sync::Arc<TableDef>,
        fk: crate::catalog::ForeignKeyDef,
    },
    /// Every existing row of leaf `table` must fit its (new) partition
    /// constraint, as `router` (built for it on the new catalog) sees it;
    /// otherwise 23514 with `message`.
    PartitionBound {
        table: std::sync::Arc<TableDef>,
        router: std::sync::Arc<crate::partition::Router>,
        message: String,
    },
}

/// `unknown`, the type of an untyped literal, which no column may have.
/// Whether a column is declared with the pseudo-type `unknown` (refused
/// in tables and composite types alike).
pub(crate) fn is_unknown_pseudo_type(ty: &ast::DataType) -> bool {
    match ty {
        ast::DataType::Custom(name, modifiers) => {
            modifiers.is_empty() && object_name(name).is_ok_and(|n| n == "unknown")
        }
        _ => false,
    }
}

/// The name CREATE TABLE creates, with PostgreSQL's checks of a schema
/// qualifier against TEMP/UNLOGGED; `pg_temp` (the session's temporary
/// schema) makes the table temporary.
fn created_table_name(ct: &ast::CreateTable, sql: &str) -> SqlResult<String> {
    use sqlparser::ast::Spanned;
    if let [schema, table] = ct.name.0.as_slice() {
        if let (Some(schema), Some(table)) = (schema.as_ident(), table.as_ident()) {
            let at = crate::binder::span_position(sql, ct.name.span());
            if ident_name(schema) == "pg_temp" {
                if ct.unlogged {
                    return Err(SqlError::new(
                        "42P16",
                        "only temporary relations may be created in temporary schemas",
                    )
                    .at(at));
                }
                return Ok(ident_name(table));
            }
            if ct.temporary {
                return Err(SqlError::new(
                    "42P16",
                    "cannot create temporary relation in non-temporary schema",
                )
                .at(at));
            }
        }
    }
    object_name(&ct.name)
}

/// CREATE TABLE against `catalog`; None when IF NOT EXISTS found the table.
/// `id` comes from the engine's allocator, so concurrent transactions never
/// share a table id (nor the names derived from it).
///
/// `session` is what a partition's bound expressions are evaluated with
/// (None: the defaults and the clock).
pub fn create_table(
    catalog: &Catalog,
    ct: &ast::CreateTable,
    sql: &str,
    id: u32,
    session: Option<&crate::partition_ddl::BoundContext>,
    notices: &mut Vec<SqlError>,
) -> SqlResult<Option<DdlChange>> {
    let like = match &ct.like {
        None => None,
        Some(ast::CreateTableLikeKind::Parenthesized(l)) => Some(l),
        Some(ast::CreateTableLikeKind::Plain(_)) => {
            return Err(SqlError::unsupported("this form of CREATE TABLE"))
        }
    };
    if ct.or_replace || ct.external || ct.query.is_some() || ct.clone.is_some() {
        return Err(SqlError::unsupported("this form of CREATE TABLE"));
    }
    if ct.partition_of.is_some() {
        return crate::partition_ddl::create_partition(catalog, ct, sql, id, session, notices);
    }
    if ct.for_values.is_some() {
        return Err(SqlError::syntax("FOR VALUES without PARTITION OF"));
    }
    crate::partition_ddl::check_inherits(catalog, ct)?;
    crate::reloptions::check_table_options(&ct.table_options)?;
    let name = created_table_name(ct, sql)?;
    if catalog.tables.contains_key(&name) || catalog.views.contains_key(&name) {
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
        foreign_keys: vec![],
        layout: vec![],
        slots: 0,
        stats: None,
        partitioning: Default::default(),
        inheritance: Default::default(),
        unlogged: ct.unlogged,
        attribute_numbers: Default::default(),
        toast: Default::default(),
    };
    let mut pending_fks: Vec<(Option<String>, Vec<usize>, ast::ForeignKeyConstraint)> = vec![];
    let mut names = BTreeSet::new();
    let mut pending_pk: Option<(Option<String>, Vec<usize>)> = None;
    let mut pending_unique: Vec<(Option<String>, Vec<usize>)> = vec![];
    let mut pending_checks: Vec<(Option<String>, ast::Expr, Option<usize>)> = vec![];
    let mut pending_defaults: Vec<(usize, &ast::Expr)> = vec![];
    // GENERATED ... AS IDENTITY (options), by sequence.
    let mut identity_options: Vec<(String, Vec<ast::SequenceOptions>)> = vec![];
    let pk_twice = || {
        SqlError::new(
            "42P16",
            format!("multiple primary keys for table \"{name}\" are not allowed"),
        )
    };
    // LIKE source: its columns (names, types, NOT NULL; defaults if asked) first.
    if let Some(l) = like {
        let src = catalog.table(&object_name(&l.name)?)?;
        let defaults = matches!(l.defaults, Some(ast::CreateTableLikeDefaults::Including));
        for c in &src.columns {
            t.columns.push(ColumnDef {
                name: c.name.clone(),
                ty: c.ty,
                not_null: c.not_null,
                default: if defaults { c.default.clone() } else { None },
                missing: None,
                domain: c.domain,
            });
        }
    }
    // INHERITS: the parents' columns come first; a local column of the same
    // name merges into the inherited one.
    let inherited = crate::inheritance::inherit_from_parents(catalog, ct, &mut t, notices)?;
    names.extend(t.checks.iter().map(|c| c.name.clone()));
    let mut merged = BTreeSet::new();
    for col in ct.columns.iter() {
        let cname = ident_name(&col.name);
        let merge_into = t
            .column_index(&cname)
            .filter(|&i| i < inherited && merged.insert(i));
        let ci = merge_into.unwrap_or(t.columns.len());
        if merge_into.is_none() && t.column_index(&cname).is_some() {
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
            domain: None,
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
        } else if is_unknown_pseudo_type(&col.data_type) {
            return Err(SqlError::new(
                "42P16",
                format!("column \"{cname}\" has pseudo-type unknown"),
            ));
        } else {
            def.ty = crate::user_types::resolve(catalog, &col.data_type)
                .map_err(|e| e.at(crate::binder::span_position(sql, col.name.span)))?;
            def.domain = crate::user_types::domain_of(catalog, &col.data_type);
            def.default = crate::user_types::domain_default(catalog, def.domain);
        }
        for opt in &col.options {
            let cons_name = opt.name.as_ref().map(ident_name);
            match &opt.option {
                ast::ColumnOption::Null => {}
                ast::ColumnOption::NotNull => def.not_null = true,
                ast::ColumnOption::Default(e) => {
                    def.default = Some(e.to_string());
                    pending_defaults.push((ci, e));
                }
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
                ast::ColumnOption::ForeignKey(fk) => {
                    pending_fks.push((
                        fk.name.as_ref().map(ident_name).or(cons_name),
                        vec![ci],
                        fk.clone(),
                    ));
                }
                ast::ColumnOption::Generated {
                    generation_expr: None,
                    sequence_options,
                    ..
                } => {
                    let seq = format!("{name}_{cname}_seq");
                    if let Some(o) = sequence_options.as_ref().filter(|o| !o.is_empty()) {
                        identity_options.push((seq.clone(), o.clone()));
                    }
                    def.not_null = true;
                    def.default = Some(format!("nextval('{seq}')"));
                    t.owned_sequences.push(seq);
                }
                // Text compares bytewise here: the C (POSIX) collation.
                ast::ColumnOption::Collation(c)
                    if crate::partition_ddl::is_byte_order_collation(c) => {}
                other => return Err(SqlError::unsupported(format!("column option {other}"))),
            }
        }
        match merge_into {
            Some(i) => crate::inheritance::merge_local_column(&mut t, i, def, notices)?,
            None => t.columns.push(def),
        }
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
            ast::TableConstraint::ForeignKey(fk) => {
                let mut cols = Vec::new();
                for c in &fk.columns {
                    let n = ident_name(c);
                    cols.push(t.column_index(&n).ok_or_else(|| {
                        SqlError::new(
                            "42703",
                            format!("column \"{n}\" referenced in foreign key constraint does not exist"),
                        )
                    })?);
                }
                pending_fks.push((fk.name.as_ref().map(ident_name), cols, fk.clone()));
            }
            ast::TableConstraint::Exclude(_) if ct.partition_by.is_some() => {
                use sqlparser::ast::Spanned;
                // The constraint's span starts after EXCLUDE; PostgreSQL
                // points at the keyword.
                let at = crate::binder::span_position(sql, c.span()).and_then(|p| {
                    let before: String = sql.chars().take(p as usize - 1).collect();
                    let keyword = before.to_ascii_lowercase().rfind("exclude")?;
                    Some(before[..keyword].chars().count() as u32 + 1)
                });
                return Err(SqlError::new(
                    "0A000",
                    "exclusion constraints are not supported on partitioned tables",
                )
                .at(at));
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
            ..IndexDef::default()
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
            ..IndexDef::default()
        });
    }
    for (cname, expr, col) in pending_checks {
        if let Some(n) = &cname {
            if crate::inheritance::merge_local_check(&t, n, &expr.to_string(), notices)? {
                continue;
            }
        }
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
    if let Some(e) = &ct.partition_by {
        // Its partitions inherit every CHECK, so none may opt out.
        let no_inherit = ct
            .constraints
            .iter()
            .any(|c| matches!(c, ast::TableConstraint::Check(ch) if ch.no_inherit));
        if no_inherit {
            return Err(SqlError::new(
                "42P16",
                format!(
                    "cannot add NO INHERIT constraint to partitioned table \"{}\"",
                    crate::schema::shown_name(&t.name)
                ),
            ));
        }
        t.partitioning.key = Some(crate::partition_ddl::parse_key(catalog, sql, e, &t)?);
        crate::partition_ddl::check_unique_covers_key(&t)?;
    }
    for (cname, cols, fk) in pending_fks {
        let def = foreign_key(catalog, &t, cname, cols, &fk, &mut names)?;
        t.foreign_keys.push(def);
    }
    // Validate defaults and checks by binding them.
    let mut scratch = catalog.clone();
    for s in t.owned_sequences.iter().chain(t.rowid_sequence.iter()) {
        scratch.sequences.insert(s.clone(), ());
    }
    {
        let mut b = Binder::new(&scratch, sql, vec![]);
        for (ci, e) in &pending_defaults {
            b.check_default_expr(e, &t.columns[*ci])?;
        }
        b.defaults(&t)?;
        b.checks(&t)?;
    }
    if let ast::CreateTableOptions::With(list) = &ct.table_options {
        t.toast.tuple_target = crate::reloptions::toast_tuple_target(list)?;
    }
    let mut mutations = vec![
        Catalog::table_mutation(&t)?,
        Catalog::next_id_mutation(catalog.next_table_id.max(id + 1)),
    ];
    let mut next = scratch;
    for s in t.owned_sequences.iter() {
        // SERIAL / identity sequences take their column's type.
        let identity = identity_options
            .iter()
            .find(|(n, _)| n == s)
            .map_or(&[][..], |(_, o)| o.as_slice());
        mutations.extend(crate::sequence_ddl::serial_sequence(
            &mut next, &t, s, identity,
        )?);
    }
    for s in t.rowid_sequence.iter() {
        mutations.push(sequence_mutation(s, 0));
    }
    let created_sequences: Vec<String> = t
        .owned_sequences
        .iter()
        .chain(t.rowid_sequence.iter())
        .cloned()
        .collect();
    next.tables.insert(name, std::sync::Arc::new(t));
    next.next_table_id = next.next_table_id.max(id + 1);
    Ok(Some(DdlChange {
        catalog: next,
        mutations,
        created_sequences,
        dropped_sequences: vec![],
        validations: vec![],
        backfill: vec![],
        rekey: None,
    }))
}

/// ALTER TABLE DROP COLUMN of logical column `i`: indexes, unique
/// constraints, foreign keys and checks using it go with it (as PostgreSQL
/// does without CASCADE); the primary key and columns other tables' foreign
/// keys reference cannot be dropped. Stored rows keep the slot (see
/// `TableDef::layout`). `earlier` are columns dropped earlier in the statement.
pub(crate) fn drop_column(
    catalog: &Catalog,
    t: &mut TableDef,
    i: usize,
    earlier: &[usize],
) -> SqlResult<()> {
    let cname = t.columns[i].name.clone();
    crate::partition_ddl::drop_key_column(t, i)?;
    if t.primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.contains(&i))
    {
        return Err(SqlError::unsupported(
            "dropping a column of the primary key",
        ));
    }
    // Other tables' foreign keys on this column (positions as in the catalog).
    let mut orig = i;
    for d in earlier.iter().rev() {
        if orig >= *d {
            orig += 1;
        }
    }
    for o in catalog.tables.values() {
        for fk in &o.foreign_keys {
            if fk.ref_table == t.name && fk.ref_columns.contains(&orig) && o.name != t.name {
                return Err(SqlError::new(
                    "2BP01",
                    format!(
                        "cannot drop column {cname} of table {} because other objects depend on it",
                        t.name
                    ),
                )
                .with_detail(format!(
                    "constraint {} on table {} depends on column {cname} of table {}",
                    fk.name, o.name, t.name
                ))
                .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
            }
        }
    }
    if t.layout.is_empty() {
        t.layout = (0..t.columns.len()).collect();
        t.slots = t.columns.len();
    }
    // Indexes using the column (as a key, in an expression, predicate or
    // INCLUDE list) are dropped with it, as in PostgreSQL.
    let probe = t.clone();
    t.unique.retain(|u| !u.uses_column(i, &probe));
    t.indexes.retain(|u| !u.uses_column(i, &probe));
    t.layout.remove(i);
    let width = t.columns.len();
    t.attribute_numbers.drop_column(i, width, t.columns[i].ty);
    t.columns.remove(i);
    let shift = |cols: &mut Vec<usize>| {
        for c in cols.iter_mut() {
            if *c > i && *c != crate::catalog::EXPRESSION_KEY {
                *c -= 1;
            }
        }
    };
    t.foreign_keys.retain(|f| {
        !(f.columns.contains(&i) || (f.ref_table == t.name && f.ref_columns.contains(&i)))
    });
    if let Some(pk) = t.primary_key.as_mut() {
        shift(&mut pk.columns);
    }
    for u in t.unique.iter_mut().chain(t.indexes.iter_mut()) {
        shift(&mut u.columns);
        shift(&mut u.include);
    }
    let own = t.name.clone();
    for f in t.foreign_keys.iter_mut() {
        shift(&mut f.columns);
        if f.ref_table == own {
            shift(&mut f.ref_columns);
        }
    }
    // Checks naming the column are dropped with it.
    t.checks.retain(|c| {
        !c.expr
            .split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
            .any(|w| w.eq_ignore_ascii_case(&cname) || w == cname)
    });
    Ok(())
}

/// Resolves a FOREIGN KEY of table `t` (which may reference itself).
fn foreign_key(
    catalog: &Catalog,
    t: &TableDef,
    cname: Option<String>,
    cols: Vec<usize>,
    fk: &ast::ForeignKeyConstraint,
    names: &mut BTreeSet<String>,
) -> SqlResult<crate::catalog::ForeignKeyDef> {
    use crate::catalog::FkAction;
    let ref_name = object_name(&fk.foreign_table)?;
    let parent: &TableDef = if ref_name == t.name {
        t
    } else {
        catalog
            .tables
            .get(&ref_name)
            .map(|a| a.as_ref())
            .ok_or_else(|| SqlError::undefined_table(&ref_name))?
    };
    let ref_cols: Vec<usize> = if fk.referred_columns.is_empty() {
        match &parent.primary_key {
            Some(pk) => pk.columns.clone(),
            None => {
                return Err(SqlError::new(
                    "42830",
                    format!("there is no primary key for referenced table \"{ref_name}\""),
                ))
            }
        }
    } else {
        let mut v = Vec::new();
        for c in &fk.referred_columns {
            let n = ident_name(c);
            v.push(parent.column_index(&n).ok_or_else(|| {
                SqlError::new(
                    "42703",
                    format!("column \"{n}\" referenced in foreign key constraint does not exist"),
                )
            })?);
        }
        v
    };
    if ref_cols.len() != cols.len() {
        return Err(SqlError::new(
            "42830",
            "number of referencing and referenced columns for foreign key disagree",
        ));
    }
    let mut sorted = ref_cols.clone();
    sorted.sort_unstable();
    let unique = parent
        .primary_key
        .iter()
        .chain(parent.unique.iter())
        .any(|i| {
            let mut c = i.columns.clone();
            c.sort_unstable();
            c == sorted
        });
    if !unique {
        return Err(SqlError::new(
            "42830",
            format!("there is no unique constraint matching given keys for referenced table \"{ref_name}\""),
        ));
    }
    let base = format!(
        "{}_{}_fkey",
        t.name,
        cols.iter()
            .map(|c| t.columns[*c].name.as_str())
            .collect::<Vec<_>>()
            .join("_")
    );
    let name = unique_name(cname.unwrap_or(base), names);
    for (c, r) in cols.iter().zip(&ref_cols) {
        let (ct, rt) = (t.columns[*c].ty.ty, parent.columns[*r].ty.ty);
        if ct.category() != rt.category() || crate::binder::common_type(&[ct, rt]).is_none() {
            return Err(SqlError::new(
                "42804",
                format!("foreign key constraint \"{name}\" cannot be implemented"),
            )
            .with_detail(format!(
                "Key columns \"{}\" and \"{}\" are of incompatible types: {} and {}.",
                t.columns[*c].name,
                parent.columns[*r].name,
                ct.display_name(),
                rt.display_name()
            )));
        }
    }
    if matches!(
        fk.match_kind,
        Some(ast::ConstraintReferenceMatchKind::Full | ast::ConstraintReferenceMatchKind::Partial)
    ) {
        return Err(SqlError::unsupported("MATCH FULL/PARTIAL"));
    }
    let action = |a: Option<ast::ReferentialAction>| -> SqlResult<FkAction> {
        Ok(match a {
            None | Some(ast::ReferentialAction::NoAction) => FkAction::NoAction,
            Some(ast::ReferentialAction::Restrict) => FkAction::Restrict,
            Some(ast::ReferentialAction::Cascade) => FkAction::Cascade,
            Some(ast::ReferentialAction::SetNull) => FkAction::SetNull,
            Some(ast::ReferentialAction::SetDefault) => {
                return Err(SqlError::unsupported("ON DELETE/UPDATE SET DEFAULT"))
            }
        })
    };
    Ok(crate::catalog::ForeignKeyDef {
        name,
        columns: cols,
        ref_table: ref_name,
        ref_columns: ref_cols,
        on_delete: action(fk.on_delete)?,
        on_update: action(fk.on_update)?,
    })
}

/// DROP TABLE against `catalog`. Row data of dropped tables stays under their
/// (never reused) table ids until a future background sweep removes it.
pub fn drop_table(
    catalog: &Catalog,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
    notices: &mut Vec<SqlError>,
) -> SqlResult<Option<DdlChange>> {
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    let mut dropped_sequences = Vec::new();
    // Tables dropped by this statement: partitions of listed ones included,
    // and their inheritance children under CASCADE.
    let listed: Vec<String> = names.iter().filter_map(|n| object_name(n).ok()).collect();
    let mut dropping = listed.clone();
    for n in &listed {
        if let Some(t) = catalog.tables.get(n) {
            dropping.extend(
                crate::partition::descendants(catalog, t)
                    .iter()
                    .map(|d| d.name.clone()),
            );
        }
    }
    if cascade {
        let cascaded = crate::inheritance::cascade_drop(catalog, &listed, notices);
        dropping.extend(cascaded);
    }
    for n in &dropping {
        if let Some(t) = catalog.tables.get(n) {
            crate::table_row_type::check_drop(catalog, t, &dropping, cascade)?;
        }
    }
    for n in &listed {
        if let Some(t) = catalog.tables.get(n) {
            crate::inheritance::check_drop(catalog, t, &dropping)?;
        }
    }
    let mut cascaded: Vec<String> = dropping
        .iter()
        .filter(|n| !listed.contains(n))
        .cloned()
        .collect();
    for n in names {
        let name = object_name(n)?;
        let mut deps = Vec::new();
        for other in catalog.tables.values() {
            if other.name == name || dropping.contains(&other.name) {
                continue;
            }
            for fk in other.foreign_keys.iter().filter(|f| f.ref_table == name) {
                deps.push(format!(
                    "constraint {} on table {} depends on table {name}",
                    fk.name, other.name
                ));
            }
        }
        if !deps.is_empty() {
            return Err(SqlError::new(
                "2BP01",
                format!("cannot drop table {name} because other objects depend on it"),
            )
            .with_detail(deps.join("\n"))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        let Some(t) = next.tables.remove(&name) else {
            // Already dropped as a partition of an earlier listed table.
            if catalog.tables.contains_key(&name) {
                continue;
            }
            if catalog.views.contains_key(&name) {
                return Err(SqlError::new("42809", format!("\"{name}\" is not a table"))
                    .with_hint("Use DROP VIEW to remove a view."));
            }
            if if_exists {
                continue;
            }
            return Err(SqlError::new(
                "42P01",
                format!("table \"{name}\" does not exist"),
            ));
        };
        // A partitioned table's partitions go with it (and CASCADE's
        // inheritance children with the first listed table).
        let mut gone = crate::partition::descendants(catalog, &t);
        gone.insert(0, t);
        for c in std::mem::take(&mut cascaded) {
            gone.extend(next.tables.get(&c).cloned());
        }
        for t in gone {
            next.tables.remove(&t.name);
            mutations.push(Mutation {
                key: table_key(&t.name),
                value: None,
            });
            for s in t.owned_sequences.iter().chain(t.rowid_sequence.iter()) {
                mutations.push(Mutation {
                    key: sequence_key(s),
                    value: None,
                });
                // OWNED BY sequences have stored options too.
                if next.sequence_defs.remove(s).is_some() {
                    mutations.push(Mutation {
                        key: crate::catalog::sequence_def_key(s),
                        value: None,
                    });
                }
                next.sequences.remove(s);
                dropped_sequences.push(s.clone());
            }
        }
    }
    if mutations.is_empty() {
        return Ok(None);
    }
    Ok(Some(DdlChange {
        dropped_sequences,
        ..DdlChange::catalog_only(next, mutations)
    }))
}

/// ALTER TABLE: the catalog-only subset (ADD COLUMN with a constant default,
/// RENAME, column defaults and NOT NULL, DROP CONSTRAINT for checks). On a
/// partitioned table, column and CHECK changes apply to every partition too.
pub fn alter_table(
    catalog: &Catalog,
    at: &ast::AlterTable,
    sql: &str,
) -> SqlResult<Option<DdlChange>> {
    alter_table_with_notices(catalog, at, sql, None, &mut Vec::new())
}

/// ALTER TABLE, with PostgreSQL's NOTICEs when a child's column or CHECK
/// constraint merges with the one added to its parent; `session` is what
/// ATTACH PARTITION's bound expressions are evaluated with.
pub fn alter_table_with_notices(
    catalog: &Catalog,
    at: &ast::AlterTable,
    sql: &str,
    session: Option<&crate::partition_ddl::BoundContext>,
    notices: &mut Vec<SqlError>,
) -> SqlResult<Option<DdlChange>> {
    let target = object_name(&at.name)
        .ok()
        .and_then(|n| catalog.tables.get(&n).cloned());
    if let Some(t) = &target {
        crate::partition_ddl::check_alter_of_partition(catalog, t, at)?;
        crate::table_row_type::check_alter(catalog, t, at)?;
        // The bound is evaluated with the session's settings.
        if let [ast::AlterTableOperation::AttachPartitionOf {
            partition,
            for_values,
        }] = at.operations.as_slice()
        {
            return crate::partition_ddl::attach_partition(
                catalog, &t.name, partition, for_values, sql, session,
            );
        }
    }
    let Some(mut change) = alter_one_table(catalog, at, sql)? else {
        return Ok(None);
    };
    if let Some(t) = target
        .as_ref()
        .filter(|t| crate::inheritance::has_children(catalog, t))
    {
        let apply: crate::inheritance::AlterOne = alter_one_table;
        crate::inheritance::propagate_alter(catalog, at, t, sql, &mut change, apply, notices)?;
    }
    let Some(t) = target.filter(|t| t.partitioning.key.is_some()) else {
        return Ok(Some(change));
    };
    for d in crate::partition::descendants(catalog, &t) {
        crate::inheritance::merge_notices(catalog, at, &d, notices)?;
        let Some(sub) = crate::partition_ddl::alter_for_partition(at, &d) else {
            continue;
        };
        if let Some(c) = alter_one_table(&change.catalog, &sub, sql)? {
            change.then(c);
        }
    }
    Ok(Some(change))
}

fn alter_one_table(
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
    // ATTACH PARTITION is `alter_table_with_notices`'s (it needs the session).
    if let [ast::AlterTableOperation::DetachPartitionOf { partition, .. }] =
        at.operations.as_slice()
    {
        return crate::partition_ddl::detach_partition(catalog, &name, partition);
    }
    let mut t = (*old).clone();
    let mut validations = Vec::new();
    let mut new_name = None;
    // Logical positions dropped (in order), for other tables' foreign keys.
    let mut dropped: Vec<usize> = Vec::new();
    let mut new_unique: Vec<IndexDef> = Vec::new();
    let mut new_checks: Vec<String> = Vec::new();
    for op in &at.operations {
        match op {
            ast::AlterTableOperation::AddConstraint {
                constraint: ast::TableConstraint::Unique(u),
                ..
            } => {
                let columns = index_columns(&u.columns, &t)?;
                let name = match &u.name {
                    Some(n) => ident_name(n),
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
                        taken.extend(t.index_names().map(str::to_string));
                        unique_name(format!("{}_{base}_key", t.name), &mut taken)
                    }
                };
                if relation_exists(catalog, &name) || t.index_names().any(|n| n == name) {
                    return Err(SqlError::new(
                        "42P07",
                        format!("relation \"{name}\" already exists"),
                    ));
                }
                let index = IndexDef {
                    id: t.alloc_index_id()?,
                    name,
                    columns,
                    ..IndexDef::default()
                };
                t.unique.push(index.clone());
                new_unique.push(index);
            }
            ast::AlterTableOperation::AddConstraint {
                constraint: ast::TableConstraint::Check(ch),
                ..
            } => {
                let mut names: BTreeSet<String> = t
                    .index_names()
                    .map(str::to_string)
                    .chain(t.checks.iter().map(|c| c.name.clone()))
                    .chain(t.foreign_keys.iter().map(|f| f.name.clone()))
                    .collect();
                let name = match &ch.name {
                    Some(n) => {
                        let n = ident_name(n);
                        if names.contains(&n) {
                            return Err(SqlError::new(
                                "42710",
                                format!(
                                    "constraint \"{n}\" for relation \"{}\" already exists",
                                    t.name
                                ),
                            ));
                        }
                        n
                    }
                    None => {
                        let mut refs = BTreeSet::new();
                        referenced_columns(&ch.expr, &t, &mut refs);
                        let base = if refs.len() == 1 {
                            let c = refs.iter().next().copied().unwrap_or(0);
                            format!("{}_{}_check", t.name, t.columns[c].name)
                        } else {
                            format!("{}_check", t.name)
                        };
                        unique_name(base, &mut names)
                    }
                };
                t.checks.push(CheckDef {
                    name: name.clone(),
                    expr: ch.expr.to_string(),
                });
                t.checks.sort_by(|a, b| a.name.cmp(&b.name));
                {
                    let mut b = Binder::new(catalog, sql, vec![]);
                    b.checks(&t)?;
                }
                new_checks.push(name);
            }
            ast::AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                drop_behavior,
                ..
            } => {
                // CASCADE with nothing depending on the column is a plain
                // drop (Django's contenttypes migration 0002 sends one).
                let cascade = matches!(drop_behavior, Some(ast::DropBehavior::Cascade));
                for cn in column_names {
                    let cname = ident_name(cn);
                    let Some(i) = t.column_index(&cname) else {
                        if *if_exists {
                            continue;
                        }
                        return Err(SqlError::new(
                            "42703",
                            format!(
                                "column \"{cname}\" of relation \"{}\" does not exist",
                                t.name
                            ),
                        ));
                    };
                    crate::inheritance::check_own_column(catalog, &t, &cname, "drop")?;
                    drop_column(catalog, &mut t, i, &dropped).map_err(|e| {
                        if cascade && e.sqlstate == "2BP01" {
                            SqlError::unsupported(
                                "DROP COLUMN ... CASCADE of a column other objects depend on",
                            )
                        } else {
                            e
                        }
                    })?;
                    dropped.push(i);
                }
            }
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
                let ty = crate::user_types::resolve(catalog, &column_def.data_type)?;
                let mut def = ColumnDef {
                    name: cname.clone(),
                    ty,
                    not_null: false,
                    default: None,
                    missing: None,
                    domain: crate::user_types::domain_of(catalog, &column_def.data_type),
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
                if !t.layout.is_empty() {
                    t.layout.push(t.slots);
                    t.slots += 1;
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
                crate::inheritance::check_own_column(catalog, &t, &from, "rename")?;
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
                for idx in t.unique.iter_mut().chain(t.indexes.iter_mut()) {
                    for text in idx.exprs.iter_mut().flatten().chain(idx.predicate.as_mut()) {
                        *text = crate::index_shape::rename_column(text, &from, &to)?;
                    }
                }
                t.columns[i].name = to;
            }
            ast::AlterTableOperation::NoInherit { parent } => {
                crate::inheritance::no_inherit(catalog, &mut t, &object_name(parent)?)?;
            }
            ast::AlterTableOperation::Inherit { parent } => {
                crate::inheritance::add_inherit(catalog, &mut t, &object_name(parent)?)?;
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
                    ast::AlterColumnOperation::SetDataType {
                        data_type, using, ..
                    } => {
                        // Only changes that leave stored rows valid as they
                        // are; the others rewrite the table (`ddl_retype`,
                        // which the session routes such statements to).
                        let to = types::from_ast(data_type)?;
                        if using.is_some()
                            || !crate::ddl_retype::stored_values_stay_valid(t.columns[i].ty, to)
                        {
                            return Err(SqlError::internal(format!(
                                "ALTER COLUMN ... TYPE {data_type} needs a table rewrite"
                            )));
                        }
                        t.columns[i].ty = to;
                    }
                    other if crate::column_storage::requested_mode(other).is_some() => {
                        let mode = crate::column_storage::requested_mode(other).unwrap_or_default();
                        let ty = t.columns[i].ty.ty;
                        let fixed_length = crate::pg_catalog::type_len(ty) > 0;
                        crate::column_storage::check(&mode, ty, fixed_length)?;
                        if let Some(storage) = crate::toast::Storage::from_mode(&mode) {
                            let slot = crate::toast::slot_of(&t, i);
                            t.toast.storage.insert(slot, storage);
                        }
                    }
                    other => {
                        return Err(SqlError::unsupported(format!("ALTER COLUMN ... {other}")))
                    }
                }
            }
            ast::AlterTableOperation::AddConstraint {
                constraint: ast::TableConstraint::ForeignKey(fk),
                ..
            } => {
                let mut cols = Vec::new();
                for c in &fk.columns {
                    let n = ident_name(c);
                    cols.push(t.column_index(&n).ok_or_else(|| {
                        SqlError::new(
                            "42703",
                            format!("column \"{n}\" referenced in foreign key constraint does not exist"),
                        )
                    })?);
                }
                let mut names: BTreeSet<String> = t
                    .index_names()
                    .map(str::to_string)
                    .chain(t.checks.iter().map(|c| c.name.clone()))
                    .chain(t.foreign_keys.iter().map(|f| f.name.clone()))
                    .collect();
                let cname = fk.name.as_ref().map(ident_name);
                if let Some(n) = &cname {
                    if names.contains(n) {
                        return Err(SqlError::new(
                            "42710",
                            format!(
                                "constraint \"{n}\" for relation \"{}\" already exists",
                                t.name
                            ),
                        ));
                    }
                }
                let def = foreign_key(catalog, &t, cname, cols, fk, &mut names)?;
                validations.push(Validation::ForeignKey {
                    table: old.clone(),
                    fk: def.clone(),
                });
                t.foreign_keys.push(def);
            }
            ast::AlterTableOperation::DropConstraint {
                if_exists,
                name: cname,
                ..
            } => {
                let cname = ident_name(cname);
                if let Some(pos) = t.checks.iter().position(|c| c.name == cname) {
                    t.checks.remove(pos);
                } else if let Some(pos) = t.foreign_keys.iter().position(|c| c.name == cname) {
                    t.foreign_keys.remove(pos);
                } else if let Some(pos) = t.unique.iter().position(|u| u.name == cname) {
                    let mut cols = t.unique[pos].columns.clone();
                    cols.sort_unstable();
                    let same = |c: &Vec<usize>| {
                        let mut c = c.clone();
                        c.sort_unstable();
                        c == cols
                    };
                    let others = t
                        .primary_key
                        .iter()
                        .chain(t.unique.iter())
                        .filter(|u| same(&u.columns))
                        .count();
                    let dependent = catalog
                        .tables
                        .values()
                        .flat_map(|o| o.foreign_keys.iter().map(move |f| (o, f)))
                        .chain(t.foreign_keys.iter().map(|f| (&old, f)))
                        .find(|(_, f)| f.ref_table == t.name && same(&f.ref_columns));
                    if let (Some((o, f)), 1) = (dependent, others) {
                        return Err(SqlError::new(
                            "2BP01",
                            format!(
                                "cannot drop constraint {cname} on table {} because other objects depend on it",
                                t.name
                            ),
                        )
                        .with_detail(format!(
                            "constraint {} on table {} depends on index {cname}",
                            f.name, o.name
                        ))
                        .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
                    }
                    // Its entries stay under the (never reused) index id.
                    t.unique.remove(pos);
                } else if t.primary_key.as_ref().is_some_and(|p| p.name == cname) {
                    return Err(SqlError::unsupported("dropping a PRIMARY KEY constraint"));
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
            // Storage parameters are checked as CREATE TABLE ... WITH
            // checks them; only toast_tuple_target has an effect (`reloptions.rs`).
            ast::AlterTableOperation::SetOptionsParens { options } => {
                crate::reloptions::check_table_options(&ast::CreateTableOptions::With(
                    options.clone(),
                ))?;
                if let Some(target) = crate::reloptions::toast_tuple_target(options)? {
                    t.toast.tuple_target = Some(target);
                }
            }
            ast::AlterTableOperation::ResetOptions { options } => {
                let names = options
                    .iter()
                    .map(|name| ast::SqlOption::Ident(name.clone()))
                    .collect();
                crate::reloptions::check_table_options(&ast::CreateTableOptions::With(names))?;
                if crate::reloptions::resets_toast_tuple_target(options) {
                    t.toast.tuple_target = None;
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
    if !dropped.is_empty() {
        let referencing: Vec<std::sync::Arc<TableDef>> = next
            .tables
            .values()
            .filter(|o| o.name != t.name && o.foreign_keys.iter().any(|f| f.ref_table == t.name))
            .cloned()
            .collect();
        for o in referencing {
            let mut o = (*o).clone();
            for fk in o.foreign_keys.iter_mut().filter(|f| f.ref_table == t.name) {
                for d in &dropped {
                    for r in fk.ref_columns.iter_mut() {
                        if *r > *d {
                            *r -= 1;
                        }
                    }
                }
            }
            mutations.push(Catalog::table_mutation(&o)?);
            next.tables.insert(o.name.clone(), std::sync::Arc::new(o));
        }
    }
    if let Some(n) = new_name {
        next.tables.remove(&t.name);
        mutations.push(Mutation {
            key: table_key(&t.name),
            value: None,
        });
        crate::inheritance::rename_parent(&mut next, &t.name, &n, &mut mutations)?;
        // Foreign keys name their referenced table: follow the rename.
        for fk in t.foreign_keys.iter_mut().filter(|f| f.ref_table == t.name) {
            fk.ref_table = n.clone();
        }
        let referencing: Vec<std::sync::Arc<TableDef>> = next
            .tables
            .values()
            .filter(|o| o.foreign_keys.iter().any(|f| f.ref_table == t.name))
            .cloned()
            .collect();
        for o in referencing {
            let mut o = (*o).clone();
            for fk in o.foreign_keys.iter_mut().filter(|f| f.ref_table == t.name) {
                fk.ref_table = n.clone();
            }
            mutations.push(Catalog::table_mutation(&o)?);
            next.tables.insert(o.name.clone(), std::sync::Arc::new(o));
        }
        t.name = n;
    }
    mutations.push(Catalog::table_mutation(&t)?);
    let t = std::sync::Arc::new(t);
    next.tables.insert(t.name.clone(), t.clone());
    for name in new_checks {
        validations.push(Validation::Check {
            table: t.clone(),
            name,
        });
    }
    let backfill = new_unique
        .into_iter()
        .map(|index| Backfill {
            table: t.clone(),
            index,
            unique: true,
            rebuild: false,
        })
        .collect();
    Ok(Some(DdlChange {
        validations,
        backfill,
        ..DdlChange::catalog_only(next, mutations)
    }))
}

/// Is `name` taken by a relation (table, sequence or index) in the catalog?
/// ANALYZE: records each table's new statistics (`(table id, name,
/// statistics)`); a table dropped or re-created since it was read is skipped.
pub fn analyze(
    catalog: &Catalog,
    stats: Vec<(u32, String, crate::stats::TableStats)>,
) -> SqlResult<Option<DdlChange>> {
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    for (id, name, st) in stats {
        let Some(t) = next.tables.get(&name).filter(|t| t.id == id) else {
            continue;
        };
        let mut def = (**t).clone();
        def.stats = Some(st);
        mutations.push(Catalog::table_mutation(&def)?);
        next.tables.insert(name, std::sync::Arc::new(def));
    }
    if mutations.is_empty() {
        return Ok(None);
    }
    Ok(Some(DdlChange::catalog_only(next, mutations)))
}

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
    let Some(mut change) = create_one_index(catalog, ci)? else {
        return Ok(None);
    };
    // On a partitioned table each partition gets its own index.
    let table = catalog.table(&object_name(&ci.table_name)?)?;
    for d in crate::partition::descendants(catalog, &table) {
        let mut sub = ci.clone();
        sub.name = None;
        sub.if_not_exists = false;
        sub.table_name = ast::ObjectName::from(vec![ast::Ident::with_quote('"', d.name.clone())]);
        if let Some(c) = create_one_index(&change.catalog, &sub)? {
            change.catalog = c.catalog;
            change.mutations.extend(c.mutations);
            change.backfill.extend(c.backfill);
        }
    }
    Ok(Some(change))
}

fn create_one_index(catalog: &Catalog, ci: &ast::CreateIndex) -> SqlResult<Option<DdlChange>> {
    // CONCURRENTLY builds like a plain CREATE INDEX: in one transaction,
    // which is what a concurrent build amounts to without long-running scans.
    let table_name = object_name(&ci.table_name)?;
    let old = catalog.table(&table_name)?;
    let mut t = (*old).clone();
    let (columns, exprs) = crate::index_shape::parse_keys(&ci.columns, &t)?;
    let include = crate::index_shape::parse_include(&ci.include, &t)?;
    let predicate = ci.predicate.as_ref().map(|p| match p {
        ast::Expr::Nested(inner) => inner.to_string(),
        other => other.to_string(),
    });
    let shape = IndexDef {
        columns,
        exprs,
        predicate,
        include,
        ..IndexDef::default()
    };
    for text in shape.exprs.iter().flatten() {
        crate::index_shape::check_immutable(text, "index expression")?;
    }
    if let Some(p) = &shape.predicate {
        crate::index_shape::check_immutable(p, "index predicate")?;
    }
    {
        // Binding checks the expressions (columns exist, types, immutability).
        let mut b = Binder::new(catalog, "", vec![]);
        let (keys, predicate) = b.index_exprs(&t, &shape)?;
        for k in keys.iter().flatten() {
            crate::index_shape::check_bound(k, "index expression")?;
        }
        if let Some(p) = &predicate {
            crate::index_shape::check_bound(p, "index predicate")?;
        }
    }
    let name = match &ci.name {
        Some(n) => object_name(n)?,
        None => {
            let base = crate::index_shape::name_part(&t, &shape);
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
        ..shape
    };
    if ci.unique {
        t.unique.push(index.clone());
        crate::partition_ddl::check_unique_covers_key(&t)?;
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
            rebuild: false,
        }],
        rekey: None,
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
    Ok(Some(DdlChange::catalog_only(next, mutations)))
}

/// `ALTER TABLE t ADD [CONSTRAINT name] PRIMARY KEY (cols)`: the table gets a new id
/// from `alloc_id`, keyed by the primary key; its rows move there in the same
/// transaction (`Rekey`). On a partitioned table every partition gets the key.
pub fn add_primary_key(
    catalog: &Catalog,
    at: &ast::AlterTable,
    pk: &ast::PrimaryKeyConstraint,
    alloc_id: &mut dyn FnMut() -> u32,
) -> SqlResult<Option<DdlChange>> {
    let name = object_name(&at.name)?;
    let Some(old) = catalog.tables.get(&name).cloned() else {
        if at.if_exists {
            return Ok(None);
        }
        return Err(SqlError::undefined_table(&name));
    };
    if old.primary_key.is_some() {
        return Err(SqlError::new(
            "42P16",
            format!("multiple primary keys for table \"{name}\" are not allowed"),
        ));
    }
    let columns = index_columns(&pk.columns, &old)?;
    let cname = pk
        .name
        .as_ref()
        .map(ident_name)
        .unwrap_or_else(|| format!("{name}_pkey"));
    if relation_exists(catalog, &cname) {
        return Err(SqlError::new(
            "42P07",
            format!("relation \"{cname}\" already exists"),
        ));
    }
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    let mut tables = Vec::new();
    let mut targets = vec![(old.clone(), cname)];
    for d in crate::partition::descendants(catalog, &old) {
        if d.primary_key.is_some() {
            return Err(SqlError::new(
                "42P16",
                format!(
                    "multiple primary keys for table \"{}\" are not allowed",
                    d.name
                ),
            ));
        }
        let n = format!("{}_pkey", d.name);
        targets.push((d, n));
    }
    for (from, index_name) in targets {
        let mut t = (*from).clone();
        for &c in &columns {
            t.columns[c].not_null = true;
        }
        t.primary_key = Some(IndexDef {
            id: PRIMARY_INDEX,
            name: index_name,
            columns: columns.clone(),
            ..IndexDef::default()
        });
        crate::partition_ddl::check_unique_covers_key(&t)?;
        // A partitioned table stores no rows: only its leaves move.
        let moves = t.partitioning.key.is_none();
        if moves {
            t.id = alloc_id();
            // Rows are rewritten under the new id in logical layout.
            t.layout.clear();
            t.slots = 0;
            next.next_table_id = next.next_table_id.max(t.id + 1);
        }
        let t = std::sync::Arc::new(t);
        mutations.push(Catalog::table_mutation(&t)?);
        next.tables.insert(t.name.clone(), t.clone());
        if moves {
            tables.push((from, t));
        }
    }
    mutations.push(Catalog::next_id_mutation(next.next_table_id));
    Ok(Some(DdlChange {
        rekey: Some(Rekey {
            tables,
            rewrite: vec![],
        }),
        ..DdlChange::catalog_only(next, mutations)
    }))
}
