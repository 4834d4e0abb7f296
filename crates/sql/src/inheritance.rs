//! Table inheritance (PostgreSQL's `CREATE TABLE ... INHERITS`): a child
//! table carries its parents' columns (merged with its own), NOT NULL and
//! CHECK constraints, and its catalog entry names its parents. Reads of a
//! parent include its descendants' rows (projected to the parent's columns
//! by name) unless `ONLY` is written; UPDATE/DELETE act on every table of
//! the tree through the partition router's leaf list (rows stay in the table
//! that holds them); INSERT stores in the named table only. A parent and its
//! children are otherwise independent tables with their own rows and ids.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlparser::ast;

use crate::binder::object_name;
use crate::catalog::{Catalog, CheckDef, ColumnDef, TableDef};
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::schema::shown_name;
use crate::store::Mutation;

/// A table's place in an inheritance tree (catalog format: absent for a
/// table without parents, so entries written before inheritance read as such).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Inheritance {
    /// Direct parents by catalog name, in INHERITS order (`pg_inherits.inhseqno`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<String>,
    /// Columns present only because a parent has them (PostgreSQL's
    /// `attislocal = false`): dropping the column from the last parent
    /// having it drops it here too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherited_only: Vec<String>,
}

impl Inheritance {
    pub fn is_empty(&self) -> bool {
        self.parents.is_empty() && self.inherited_only.is_empty()
    }
}

/// The direct inheritance children of the table named `parent`, in creation
/// order (PostgreSQL scans them in `pg_inherits` order, i.e. by OID).
pub fn children(catalog: &Catalog, parent: &str) -> Vec<Arc<TableDef>> {
    let mut out: Vec<Arc<TableDef>> = catalog
        .tables
        .values()
        .filter(|t| t.inheritance.parents.iter().any(|p| p == parent))
        .cloned()
        .collect();
    out.sort_by_key(|t| t.id);
    out
}

/// Every inheritance descendant of `table` (not `table` itself), breadth
/// first and each once, like PostgreSQL's `find_all_inheritors`.
pub fn descendants(catalog: &Catalog, table: &TableDef) -> Vec<Arc<TableDef>> {
    let mut out: Vec<Arc<TableDef>> = Vec::new();
    let mut next = 0;
    let mut current = children(catalog, &table.name);
    loop {
        for c in current {
            if c.name != table.name && !out.iter().any(|x| x.name == c.name) {
                out.push(c);
            }
        }
        let Some(t) = out.get(next) else {
            return out;
        };
        next += 1;
        current = children(catalog, &t.name);
    }
}

/// `table` followed by its inheritance descendants: what a scan or an
/// UPDATE/DELETE of `table` without ONLY reads.
pub fn with_descendants(catalog: &Catalog, table: &Arc<TableDef>) -> Vec<Arc<TableDef>> {
    let mut out = vec![table.clone()];
    out.extend(descendants(catalog, table));
    out
}

/// Does `t` have inheritance children?
pub fn has_children(catalog: &Catalog, t: &TableDef) -> bool {
    catalog
        .tables
        .values()
        .any(|c| c.inheritance.parents.contains(&t.name))
}

fn notice(message: String) -> SqlError {
    let mut n = SqlError::new("00000", message);
    n.severity = "NOTICE";
    n
}

/// What CREATE TABLE ... INHERITS takes from the parents: their columns
/// (merged by name), NOT NULL and CHECK constraints. `t` receives them
/// before its own columns; returns how many columns were inherited.
pub fn inherit_from_parents(
    catalog: &Catalog,
    ct: &ast::CreateTable,
    t: &mut TableDef,
    notices: &mut Vec<SqlError>,
) -> SqlResult<usize> {
    let Some(parents) = ct.inherits.as_ref().filter(|p| !p.is_empty()) else {
        return Ok(0);
    };
    let mut seen = BTreeSet::new();
    for p in parents {
        let name = object_name(p)?;
        let parent = catalog.table(&name)?;
        if !seen.insert(parent.name.clone()) {
            return Err(SqlError::new(
                "42P07",
                format!(
                    "relation \"{}\" would be inherited from more than once",
                    parent.name
                ),
            ));
        }
        if crate::schema::is_temp_key(&parent.name) && !crate::schema::is_temp_key(&t.name) {
            return Err(SqlError::new(
                "42809",
                format!(
                    "cannot inherit from temporary relation \"{}\"",
                    shown_name(&parent.name)
                ),
            ));
        }
        for c in &parent.columns {
            match t.column_index(&c.name) {
                Some(i) => {
                    notices.push(notice(format!(
                        "merging multiple inherited definitions of column \"{}\"",
                        c.name
                    )));
                    let have = &mut t.columns[i];
                    if have.ty != c.ty {
                        return Err(SqlError::datatype_mismatch(format!(
                            "inherited column \"{}\" has a type conflict",
                            c.name
                        ))
                        .with_detail(format!(
                            "{} versus {}",
                            have.ty.display(),
                            c.ty.display()
                        )));
                    }
                    have.not_null |= c.not_null;
                    if have.default.is_none() {
                        have.default = c.default.clone();
                    }
                }
                None => {
                    t.columns.push(ColumnDef {
                        name: c.name.clone(),
                        ty: c.ty,
                        not_null: c.not_null,
                        default: c.default.clone(),
                        missing: None,
                        domain: c.domain,
                    });
                    t.inheritance.inherited_only.push(c.name.clone());
                }
            }
        }
        for check in &parent.checks {
            inherit_check(t, check)?;
        }
        t.inheritance.parents.push(parent.name.clone());
    }
    Ok(t.columns.len())
}

/// A parent's CHECK constraint copied to a child (once, whatever the number
/// of paths it arrives by).
fn inherit_check(t: &mut TableDef, check: &CheckDef) -> SqlResult<()> {
    match t.checks.iter().find(|c| c.name == check.name) {
        Some(have) if have.expr == check.expr => Ok(()),
        Some(_) => Err(SqlError::new(
            "42710",
            format!(
                "check constraint name \"{}\" appears multiple times but with different expressions",
                check.name
            ),
        )),
        None => {
            t.checks.push(check.clone());
            Ok(())
        }
    }
}

/// A CHECK constraint declared in CREATE TABLE (of an inheritance child or
/// a partition) under the name of an inherited one: the same expression
/// merges with it (PostgreSQL's NOTICE; true: nothing to add), another is
/// 42710. False when no inherited constraint has the name.
pub fn merge_local_check(
    t: &TableDef,
    name: &str,
    expr: &str,
    notices: &mut Vec<SqlError>,
) -> SqlResult<bool> {
    let Some(have) = t.checks.iter().find(|c| c.name == name) else {
        return Ok(false);
    };
    if have.expr != expr {
        return Err(SqlError::new(
            "42710",
            format!(
                "constraint \"{name}\" for relation \"{}\" already exists",
                shown_name(&t.name)
            ),
        ));
    }
    notices.push(notice(format!(
        "merging constraint \"{name}\" with inherited definition"
    )));
    Ok(true)
}

/// A column declared in CREATE TABLE under the name of inherited column
/// `i`: PostgreSQL merges the two (types must agree; the local default and
/// NOT NULL win).
pub fn merge_local_column(
    t: &mut TableDef,
    i: usize,
    local: ColumnDef,
    notices: &mut Vec<SqlError>,
) -> SqlResult<()> {
    notices.push(notice(format!(
        "merging column \"{}\" with inherited definition",
        local.name
    )));
    let have = &mut t.columns[i];
    if have.ty != local.ty {
        return Err(SqlError::datatype_mismatch(format!(
            "column \"{}\" has a type conflict",
            local.name
        ))
        .with_detail(format!(
            "{} versus {}",
            have.ty.display(),
            local.ty.display()
        )));
    }
    have.not_null |= local.not_null;
    if local.default.is_some() {
        have.default = local.default;
    }
    t.inheritance.inherited_only.retain(|c| *c != local.name);
    Ok(())
}

/// DROP TABLE of a parent without CASCADE: PostgreSQL's 2BP01 naming the
/// children that depend on it.
pub fn check_drop(catalog: &Catalog, t: &TableDef, dropped: &[String]) -> SqlResult<()> {
    let kids: Vec<Arc<TableDef>> = children(catalog, &t.name)
        .into_iter()
        .filter(|c| !dropped.contains(&c.name))
        .collect();
    if kids.is_empty() {
        return Ok(());
    }
    let detail: Vec<String> = kids
        .iter()
        .map(|c| {
            format!(
                "table {} depends on table {}",
                shown_name(&c.name),
                shown_name(&t.name)
            )
        })
        .collect();
    Err(SqlError::new(
        "2BP01",
        format!(
            "cannot drop table {} because other objects depend on it",
            shown_name(&t.name)
        ),
    )
    .with_detail(detail.join("\n"))
    .with_hint("Use DROP ... CASCADE to drop the dependent objects too."))
}

/// ALTER TABLE child INHERIT parent: the child must have every column of
/// the parent, of the same type; it takes the parent's CHECK constraints
/// it lacks.
pub fn add_inherit(catalog: &Catalog, child: &mut TableDef, parent_name: &str) -> SqlResult<()> {
    let parent = catalog.table(parent_name)?;
    if parent.partitioning.key.is_some() {
        return Err(SqlError::new(
            "42809",
            format!("cannot inherit from partitioned table \"{}\"", parent.name),
        ));
    }
    if child.partitioning.of.is_some() || parent.partitioning.of.is_some() {
        return Err(SqlError::new(
            "42809",
            "cannot change inheritance of a partition",
        ));
    }
    if parent.name == child.name
        || descendants(catalog, child)
            .iter()
            .any(|d| d.name == parent.name)
    {
        return Err(
            SqlError::new("42P07", "circular inheritance not allowed").with_detail(format!(
                "\"{}\" is already a child of \"{}\".",
                shown_name(&parent.name),
                shown_name(&child.name)
            )),
        );
    }
    if child.inheritance.parents.contains(&parent.name) {
        return Err(SqlError::new(
            "42P07",
            format!(
                "relation \"{}\" would be inherited from more than once",
                shown_name(&parent.name)
            ),
        ));
    }
    for c in &parent.columns {
        let Some(i) = child.column_index(&c.name) else {
            return Err(SqlError::new(
                "42804",
                format!("child table is missing column \"{}\"", c.name),
            ));
        };
        if child.columns[i].ty != c.ty {
            return Err(SqlError::datatype_mismatch(format!(
                "child table \"{}\" has different type for column \"{}\"",
                shown_name(&child.name),
                c.name
            )));
        }
        if c.not_null && !child.columns[i].not_null {
            return Err(SqlError::new(
                "42804",
                format!(
                    "column \"{}\" in child table must be marked NOT NULL",
                    c.name
                ),
            ));
        }
    }
    for check in &parent.checks {
        if !child.checks.iter().any(|c| c.name == check.name) {
            return Err(SqlError::new(
                "42804",
                format!("child table is missing constraint \"{}\"", check.name),
            ));
        }
    }
    child.inheritance.parents.push(parent.name.clone());
    Ok(())
}

/// DROP TABLE ... CASCADE of `listed`: the inheritance descendants that go
/// with them, with PostgreSQL's NOTICE naming them (depth first).
pub fn cascade_drop(
    catalog: &Catalog,
    listed: &[String],
    notices: &mut Vec<SqlError>,
) -> Vec<String> {
    fn visit(catalog: &Catalog, name: &str, listed: &[String], out: &mut Vec<String>) {
        for c in children(catalog, name) {
            if !listed.contains(&c.name) && !out.contains(&c.name) {
                out.push(c.name.clone());
                visit(catalog, &c.name, listed, out);
            }
        }
    }
    let mut out = Vec::new();
    for n in listed {
        visit(catalog, n, listed, &mut out);
    }
    let lines: Vec<String> = out
        .iter()
        .map(|n| format!("drop cascades to table {}", shown_name(n)))
        .collect();
    match lines.as_slice() {
        [] => {}
        [one] => notices.push(notice(one.clone())),
        many => notices.push(
            notice(format!("drop cascades to {} other objects", many.len()))
                .with_detail(many.join("\n")),
        ),
    }
    out
}

/// ALTER TABLE child NO INHERIT parent: the link goes; columns and
/// constraints stay (they become the child's own).
pub fn no_inherit(catalog: &Catalog, child: &mut TableDef, parent_name: &str) -> SqlResult<()> {
    let parent = catalog.table(parent_name)?;
    let Some(pos) = child
        .inheritance
        .parents
        .iter()
        .position(|p| *p == parent.name)
    else {
        return Err(SqlError::new(
            "42P01",
            format!(
                "relation \"{}\" is not a parent of relation \"{}\"",
                shown_name(&parent.name),
                shown_name(&child.name)
            ),
        ));
    };
    child.inheritance.parents.remove(pos);
    // A column still arriving through another parent stays inherited.
    let remaining: Vec<Arc<TableDef>> = child
        .inheritance
        .parents
        .iter()
        .filter_map(|p| catalog.tables.get(p).cloned())
        .collect();
    child
        .inheritance
        .inherited_only
        .retain(|c| remaining.iter().any(|p| p.column_index(c).is_some()));
    Ok(())
}

/// ALTER TABLE of one table, as `crate::ddl` applies it.
pub type AlterOne = fn(&Catalog, &ast::AlterTable, &str) -> SqlResult<Option<DdlChange>>;

/// ALTER TABLE on inheritance parent `parent`: the column and CHECK changes
/// PostgreSQL recurses with go to every descendant (parents before their
/// children), applied to `change` (which holds the parent's own).
pub fn propagate_alter(
    catalog: &Catalog,
    at: &ast::AlterTable,
    parent: &TableDef,
    sql: &str,
    change: &mut DdlChange,
    alter_one: AlterOne,
    notices: &mut Vec<SqlError>,
) -> SqlResult<()> {
    for d in descendants(catalog, parent) {
        // The descendant as the change so far left it.
        let Some(child) = change.catalog.tables.get(&d.name).cloned() else {
            continue;
        };
        merge_notices(catalog, at, &child, notices)?;
        let Some(sub) = alter_for_child(&change.catalog, at, &child) else {
            continue;
        };
        let Some(c) = alter_one(&change.catalog, &sub, sql)? else {
            continue;
        };
        change.then(c);
        // Which of the child's columns are inherited only.
        if let Some(t) = change.catalog.tables.get(&child.name).cloned() {
            let mut t = (*t).clone();
            track_inherited_columns(&mut t.inheritance, &sub);
            change.mutations.push(Catalog::table_mutation(&t)?);
            change.catalog.tables.insert(t.name.clone(), Arc::new(t));
        }
    }
    Ok(())
}

/// ALTER TABLE on a parent adding what `child` has already: a column of
/// that name (of the same type, or 42804) or a CHECK constraint of that
/// name merge, each with PostgreSQL's NOTICE.
pub fn merge_notices(
    catalog: &Catalog,
    at: &ast::AlterTable,
    child: &TableDef,
    notices: &mut Vec<SqlError>,
) -> SqlResult<()> {
    for op in &at.operations {
        match op {
            ast::AlterTableOperation::AddColumn { column_def, .. } => {
                let name = crate::binder::ident_name(&column_def.name);
                let Some(i) = child.column_index(&name) else {
                    continue;
                };
                let same_type = crate::user_types::resolve(catalog, &column_def.data_type)
                    .is_ok_and(|ty| ty.ty == child.columns[i].ty.ty);
                if !same_type {
                    return Err(SqlError::datatype_mismatch(format!(
                        "child table \"{}\" has different type for column \"{name}\"",
                        shown_name(&child.name)
                    )));
                }
                notices.push(notice(format!(
                    "merging definition of column \"{name}\" for child \"{}\"",
                    shown_name(&child.name)
                )));
            }
            ast::AlterTableOperation::AddConstraint {
                constraint: ast::TableConstraint::Check(ch),
                ..
            } => {
                if let Some(n) = ch.name.as_ref().map(crate::binder::ident_name) {
                    if child.checks.iter().any(|c| c.name == n) {
                        notices.push(notice(format!(
                            "merging constraint \"{n}\" with inherited definition"
                        )));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// DROP or RENAME (`action`) of column `name` of `t` alone: refused while a
/// parent has the column (the parent's ALTER recurses instead).
pub fn check_own_column(
    catalog: &Catalog,
    t: &TableDef,
    name: &str,
    action: &str,
) -> SqlResult<()> {
    let inherited = t
        .inheritance
        .parents
        .iter()
        .filter_map(|p| catalog.tables.get(p))
        .any(|p| p.column_index(name).is_some());
    if inherited {
        return Err(SqlError::new(
            "42P16",
            format!("cannot {action} inherited column \"{name}\""),
        ));
    }
    Ok(())
}

/// The part of `at` that recurses to inheritance child `child`: ADD COLUMN
/// (unless the child has the column already), DROP COLUMN of columns the
/// child has only through parents that no longer have them, RENAME COLUMN,
/// ALTER COLUMN, ADD/DROP CHECK. None if nothing does.
fn alter_for_child(
    catalog: &Catalog,
    at: &ast::AlterTable,
    child: &TableDef,
) -> Option<ast::AlterTable> {
    let still_inherited = |c: &str| {
        child
            .inheritance
            .parents
            .iter()
            .filter_map(|p| catalog.tables.get(p))
            .any(|p| p.column_index(c).is_some())
    };
    let mut operations = Vec::new();
    for op in &at.operations {
        match op {
            ast::AlterTableOperation::AddColumn { column_def, .. }
                if child
                    .column_index(&crate::binder::ident_name(&column_def.name))
                    .is_none() =>
            {
                operations.push(op.clone());
            }
            ast::AlterTableOperation::DropColumn {
                has_column_keyword,
                column_names,
                drop_behavior,
                ..
            } => {
                let gone: Vec<ast::Ident> = column_names
                    .iter()
                    .filter(|c| {
                        let n = crate::binder::ident_name(c);
                        child.inheritance.inherited_only.contains(&n) && !still_inherited(&n)
                    })
                    .cloned()
                    .collect();
                if !gone.is_empty() {
                    operations.push(ast::AlterTableOperation::DropColumn {
                        has_column_keyword: *has_column_keyword,
                        column_names: gone,
                        if_exists: true,
                        drop_behavior: *drop_behavior,
                    });
                }
            }
            ast::AlterTableOperation::RenameColumn { .. }
            | ast::AlterTableOperation::AlterColumn { .. }
            | ast::AlterTableOperation::AddConstraint {
                constraint: ast::TableConstraint::Check(_),
                ..
            } => operations.push(op.clone()),
            ast::AlterTableOperation::DropConstraint { name, .. } => {
                let n = crate::binder::ident_name(name);
                if child.checks.iter().any(|c| c.name == n) {
                    operations.push(op.clone());
                }
            }
            _ => {}
        }
    }
    if operations.is_empty() {
        return None;
    }
    let mut sub = at.clone();
    sub.name = ast::ObjectName::from(vec![ast::Ident::with_quote('"', child.name.clone())]);
    sub.operations = operations;
    Some(sub)
}

/// The child's inherited-only column list after `sub` ran on it.
fn track_inherited_columns(inh: &mut Inheritance, sub: &ast::AlterTable) {
    for op in &sub.operations {
        match op {
            ast::AlterTableOperation::AddColumn { column_def, .. } => inh
                .inherited_only
                .push(crate::binder::ident_name(&column_def.name)),
            ast::AlterTableOperation::DropColumn { column_names, .. } => {
                let gone: Vec<String> =
                    column_names.iter().map(crate::binder::ident_name).collect();
                inh.inherited_only.retain(|c| !gone.contains(c));
            }
            ast::AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                let from = crate::binder::ident_name(old_column_name);
                for c in inh.inherited_only.iter_mut().filter(|c| **c == from) {
                    *c = crate::binder::ident_name(new_column_name);
                }
            }
            _ => {}
        }
    }
}

/// ALTER TABLE ... RENAME TO of a parent: its children's entries follow.
pub fn rename_parent(
    next: &mut Catalog,
    from: &str,
    to: &str,
    mutations: &mut Vec<Mutation>,
) -> SqlResult<()> {
    for c in children(next, from) {
        let mut c = (*c).clone();
        for p in c.inheritance.parents.iter_mut().filter(|p| *p == from) {
            *p = to.to_string();
        }
        mutations.push(Catalog::table_mutation(&c)?);
        next.tables.insert(c.name.clone(), Arc::new(c));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_without_inheritance_read_as_before() {
        let old = r#"{"parents":["a"]}"#;
        let i: Inheritance = serde_json::from_str(old).unwrap();
        assert_eq!(i.parents, vec!["a".to_string()]);
        assert!(i.inherited_only.is_empty());
        assert_eq!(
            serde_json::to_string(&Inheritance::default()).unwrap(),
            "{}"
        );
        assert!(Inheritance::default().is_empty());
    }
}
