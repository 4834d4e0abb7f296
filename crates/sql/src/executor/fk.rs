//! FOREIGN KEY enforcement (MATCH SIMPLE). Inserted or re-keyed child rows
//! must find their parent key (checked at the end of the statement, as
//! PostgreSQL's constraint triggers do); deleting or re-keying a parent row
//! applies each referencing constraint's action: NO ACTION (checked at the
//! end of the statement), RESTRICT (at once), CASCADE or SET NULL.
//!
//! Known gap: the parent row is not locked (PostgreSQL takes FOR KEY SHARE),
//! so a concurrent transaction can delete a parent whose new child is not yet
//! committed.

use std::sync::Arc;

use super::*;
use crate::catalog::{Catalog, FkAction, ForeignKeyDef};
use crate::datum::{cast, CastContext};

/// Cascades deeper than this fail (a guard against runaway cycles).
const FK_DEPTH_MAX: usize = 64;

/// A check run at the end of the statement.
pub(super) enum FkPending {
    /// A child row's key must exist in the parent.
    Child {
        child: String,
        columns: Vec<String>,
        fk: ForeignKeyDef,
        vals: Vec<Datum>,
    },
    /// NO ACTION: no child row may still reference the old parent key.
    Parent {
        parent: String,
        ref_names: Vec<String>,
        child: String,
        fk: ForeignKeyDef,
        vals: Vec<Datum>,
    },
}

fn list(vals: &[Datum]) -> String {
    vals.iter()
        .map(|d| d.to_text(1).unwrap_or_else(|| "null".into()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl<'a> Ctx<'a> {
    pub(super) fn current_catalog(&self) -> Arc<Catalog> {
        self.txn
            .ddl
            .as_ref()
            .map(|d| d.catalog.clone())
            .unwrap_or_else(|| self.engine.catalog())
    }

    /// Queues (or, outside a statement that defers them, runs) the checks of
    /// a new or changed child row.
    pub(super) async fn fk_child_written(
        &mut self,
        t: &TableDef,
        old: Option<&[Datum]>,
        new: &[Datum],
    ) -> SqlResult<()> {
        for fk in &t.foreign_keys {
            let vals: Vec<Datum> = fk.columns.iter().map(|c| new[*c].clone()).collect();
            if vals.iter().any(Datum::is_null) {
                continue;
            }
            if let Some(old) = old {
                let same = fk.columns.iter().all(|c| {
                    !old[*c].is_null()
                        && compare(&old[*c], &new[*c], t.columns[*c].ty.ty) == Ordering::Equal
                });
                if same {
                    continue;
                }
            }
            self.fk_pending.push(FkPending::Child {
                child: t.name.clone(),
                columns: fk
                    .columns
                    .iter()
                    .map(|c| t.columns[*c].name.clone())
                    .collect(),
                fk: fk.clone(),
                vals,
            });
        }
        if !self.fk_defer {
            self.run_fk_checks().await?;
        }
        Ok(())
    }

    /// Runs the checks queued by the statement.
    pub async fn run_fk_checks(&mut self) -> SqlResult<()> {
        let pending = std::mem::take(&mut self.fk_pending);
        if pending.is_empty() {
            return Ok(());
        }
        let catalog = self.current_catalog();
        for p in pending {
            match p {
                FkPending::Child {
                    child,
                    columns,
                    fk,
                    vals,
                } => {
                    let parent = catalog.table(&fk.ref_table)?;
                    let child_def = catalog.table(&child)?;
                    if !self
                        .fk_parent_exists(&parent, &child_def, &fk, &vals)
                        .await?
                    {
                        return Err(SqlError::new(
                            "23503",
                            format!(
                                "insert or update on table \"{child}\" violates foreign key constraint \"{}\"",
                                fk.name
                            ),
                        )
                        .with_detail(format!(
                            "Key ({})=({}) is not present in table \"{}\".",
                            columns.join(", "),
                            list(&vals),
                            fk.ref_table
                        )));
                    }
                }
                FkPending::Parent {
                    parent,
                    ref_names,
                    child,
                    fk,
                    vals,
                } => {
                    let child_def = catalog.table(&child)?;
                    if !self.fk_child_rows(&child_def, &fk, &vals).await?.is_empty() {
                        return Err(still_referenced(&parent, &ref_names, &child, &fk, &vals));
                    }
                }
            }
        }
        Ok(())
    }

    /// ALTER TABLE ADD CHECK: every existing row must pass check `name`.
    pub async fn validate_check(&mut self, table: &TableDef, name: &str) -> SqlResult<()> {
        let catalog = self.current_catalog();
        let checks = {
            let mut b = crate::binder::Binder::new(&catalog, "", vec![]);
            b.checks(table)?
        };
        let Some((_, e)) = checks.into_iter().find(|(n, _)| n == name) else {
            return Err(SqlError::internal("check constraint vanished"));
        };
        for (_, row) in self.scan_table(table, &Access::Full, None, &[]).await? {
            if truth(&self.eval_row(&e, &row, &[]).await?) == Some(false) {
                return Err(SqlError::new(
                    "23514",
                    format!(
                        "check constraint \"{name}\" of relation \"{}\" is violated by some row",
                        table.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// ALTER TABLE ADD FOREIGN KEY: every existing row must find its parent.
    pub async fn validate_foreign_key(
        &mut self,
        child: &TableDef,
        fk: &ForeignKeyDef,
    ) -> SqlResult<()> {
        let catalog = self.current_catalog();
        let parent = if fk.ref_table == child.name {
            Arc::new(child.clone())
        } else {
            catalog.table(&fk.ref_table)?
        };
        for (_, row) in self.scan_table(child, &Access::Full, None, &[]).await? {
            let vals: Vec<Datum> = fk.columns.iter().map(|c| row[*c].clone()).collect();
            if vals.iter().any(Datum::is_null) {
                continue;
            }
            if !self.fk_parent_exists(&parent, child, fk, &vals).await? {
                return Err(SqlError::new(
                    "23503",
                    format!(
                        "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
                        child.name, fk.name
                    ),
                )
                .with_detail(format!(
                    "Key ({})=({}) is not present in table \"{}\".",
                    fk.columns
                        .iter()
                        .map(|c| child.columns[*c].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    list(&vals),
                    fk.ref_table
                )));
            }
        }
        Ok(())
    }

    /// Does the parent hold a row with these referenced-column values?
    async fn fk_parent_exists(
        &mut self,
        parent: &TableDef,
        child: &TableDef,
        fk: &ForeignKeyDef,
        vals: &[Datum],
    ) -> SqlResult<bool> {
        // A partitioned parent's rows are in its leaves.
        if parent.partitioning.key.is_some() {
            let catalog = self.current_catalog();
            let parent = Arc::new(parent.clone());
            for leaf in crate::partition::leaves(&catalog, &parent)? {
                let mut leaf_fk = fk.clone();
                if let Some(m) = crate::partition::column_map(&leaf, &parent)? {
                    leaf_fk.ref_columns = fk.ref_columns.iter().map(|r| m[*r]).collect();
                }
                if Box::pin(self.fk_parent_exists(&leaf, child, &leaf_fk, vals)).await? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        let mut sorted = fk.ref_columns.clone();
        sorted.sort_unstable();
        let Some(idx) = parent
            .primary_key
            .iter()
            .chain(parent.unique.iter())
            .filter(|i| i.is_plain())
            .find(|i| {
                let mut c = i.columns.clone();
                c.sort_unstable();
                c == sorted
            })
            .cloned()
        else {
            return Err(SqlError::internal("foreign key lost its unique index"));
        };
        let mut row = vec![Datum::Null; parent.columns.len()];
        for (i, r) in fk.ref_columns.iter().enumerate() {
            let from = child.columns[fk.columns[i]].ty.ty;
            match cast(
                vals[i].clone(),
                from,
                parent.columns[*r].ty,
                CastContext::Assignment,
            ) {
                Ok(d) => row[*r] = d,
                Err(_) => return Ok(false),
            }
        }
        let Some(key) = Self::index_key(parent, &idx, &row) else {
            return Ok(false);
        };
        let Some(v) = self.get_latest(&key).await? else {
            return Ok(false);
        };
        if idx.id == PRIMARY_INDEX {
            return Ok(true);
        }
        Ok(self.get_latest(&v).await?.is_some())
    }

    /// Child rows (key, row) whose foreign key equals `vals`.
    async fn fk_child_rows(
        &mut self,
        child: &TableDef,
        fk: &ForeignKeyDef,
        vals: &[Datum],
    ) -> SqlResult<Vec<(Vec<u8>, Row)>> {
        let consts: Vec<Expr> = fk
            .columns
            .iter()
            .zip(vals)
            .map(|(c, v)| Expr::Const(v.clone(), child.columns[*c].ty))
            .collect();
        let starts_with = |cols: &[usize]| {
            cols.len() >= fk.columns.len() && cols[..fk.columns.len()] == fk.columns[..]
        };
        let access = if child
            .primary_key
            .as_ref()
            .is_some_and(|pk| starts_with(&pk.columns))
        {
            Access::Range {
                prefix: consts,
                lower: None,
                upper: None,
            }
        } else if let Some(idx) = child
            .unique
            .iter()
            .chain(child.indexes.iter())
            .find(|i| i.is_plain() && starts_with(&i.columns))
        {
            Access::Index {
                index_id: idx.id,
                prefix: consts,
            }
        } else {
            Access::Full
        };
        // The current rows, even in a part of a statement that reads the
        // statement's start (`one_snapshot`).
        let shared = self.detach_statement();
        let rows = self.scan_table(child, &access, None, &[]).await;
        self.reattach_statement(shared);
        Ok(rows?
            .into_iter()
            .filter(|(_, r)| {
                fk.columns.iter().zip(vals).all(|(c, v)| {
                    !r[*c].is_null()
                        && compare(&r[*c], v, child.columns[*c].ty.ty) == Ordering::Equal
                })
            })
            .collect())
    }

    /// A parent row was deleted (`new` None) or updated: apply the actions
    /// of every foreign key that references it.
    pub(super) fn fk_parent_changed<'s>(
        &'s mut self,
        t: &'s TableDef,
        old: &'s [Datum],
        new: Option<&'s [Datum]>,
        depth: usize,
    ) -> BoxFut<'s, ()> {
        let catalog = self.current_catalog();
        // Most tables are referenced by no foreign key: settle that before
        // allocating the actions' (large) future, once per written row.
        let referenced = |c: &Catalog| {
            c.tables
                .values()
                .any(|child| child.foreign_keys.iter().any(|f| f.ref_table == t.name))
        };
        if t.partitioning.of.is_none() && !referenced(&catalog) {
            return Box::pin(std::future::ready(Ok(())));
        }
        Box::pin(async move {
            // Foreign keys may reference a partition's ancestors (in their column order).
            if let Some(of) = &t.partitioning.of {
                let parent = catalog.table(&of.parent)?;
                let map = crate::partition::column_map(t, &parent)?;
                let old_p = crate::partition::remap(old.to_vec(), map.as_deref());
                let new_p = new.map(|n| crate::partition::remap(n.to_vec(), map.as_deref()));
                self.fk_parent_changed(&parent, &old_p, new_p.as_deref(), depth)
                    .await?;
            }
            for child in catalog.tables.values() {
                for fk in child.foreign_keys.iter().filter(|f| f.ref_table == t.name) {
                    let vals: Vec<Datum> = fk.ref_columns.iter().map(|c| old[*c].clone()).collect();
                    if vals.iter().any(Datum::is_null) {
                        continue;
                    }
                    if let Some(new) = new {
                        let same = fk.ref_columns.iter().all(|c| {
                            compare(&old[*c], &new[*c], t.columns[*c].ty.ty) == Ordering::Equal
                                && !new[*c].is_null()
                        });
                        if same {
                            continue;
                        }
                    }
                    // Child values compare in the child's column types.
                    let cvals: Vec<Datum> = vals
                        .iter()
                        .zip(&fk.columns)
                        .map(|(v, c)| {
                            cast(
                                v.clone(),
                                v.natural_type(),
                                child.columns[*c].ty,
                                CastContext::Assignment,
                            )
                            .unwrap_or_else(|_| v.clone())
                        })
                        .collect();
                    let ref_names: Vec<String> = fk
                        .ref_columns
                        .iter()
                        .map(|c| t.columns[*c].name.clone())
                        .collect();
                    let action = if new.is_some() {
                        fk.on_update
                    } else {
                        fk.on_delete
                    };
                    match action {
                        FkAction::NoAction => self.fk_pending.push(FkPending::Parent {
                            parent: t.name.clone(),
                            ref_names,
                            child: child.name.clone(),
                            fk: fk.clone(),
                            vals: cvals,
                        }),
                        FkAction::Restrict => {
                            if !self.fk_child_rows(child, fk, &cvals).await?.is_empty() {
                                return Err(still_referenced(
                                    &t.name,
                                    &ref_names,
                                    &child.name,
                                    fk,
                                    &vals,
                                ));
                            }
                        }
                        FkAction::Cascade | FkAction::SetNull => {
                            if depth >= FK_DEPTH_MAX {
                                return Err(SqlError::new(
                                    "54001",
                                    "foreign key cascades nest too deeply",
                                ));
                            }
                            // Cascades act on the rows as they are now, as
                            // PostgreSQL's run after the statement.
                            let shared = self.detach_statement();
                            let cascaded = async {
                                let rows = self.fk_child_rows(child, fk, &cvals).await?;
                                for (key, row) in rows {
                                    let Some((key, cur)) =
                                        self.lock_for_write(child, key, row, None).await?
                                    else {
                                        continue;
                                    };
                                    if let (FkAction::Cascade, None) = (action, new) {
                                        self.delete_row(child, key, &cur, depth + 1).await?;
                                        continue;
                                    }
                                    // ON UPDATE CASCADE takes the parent's new key;
                                    // SET NULL clears the referencing columns.
                                    let mut next = cur.clone();
                                    if let (FkAction::Cascade, Some(new)) = (action, new) {
                                        for (c, r) in fk.columns.iter().zip(&fk.ref_columns) {
                                            next[*c] = cast(
                                                new[*r].clone(),
                                                t.columns[*r].ty.ty,
                                                child.columns[*c].ty,
                                                CastContext::Assignment,
                                            )?;
                                        }
                                    } else {
                                        for c in &fk.columns {
                                            next[*c] = Datum::Null;
                                        }
                                    }
                                    self.write_update_depth(
                                        child,
                                        &key,
                                        &cur,
                                        &next,
                                        &[],
                                        depth + 1,
                                    )
                                    .await?;
                                }
                                Ok::<(), SqlError>(())
                            }
                            .await;
                            self.reattach_statement(shared);
                            cascaded?;
                        }
                    }
                }
            }
            Ok(())
        })
    }

    /// Deletes one locked row: index entries, the row, then the foreign-key
    /// actions of tables referencing it.
    pub(super) async fn delete_row(
        &mut self,
        t: &TableDef,
        key: Vec<u8>,
        old: &[Datum],
        depth: usize,
    ) -> SqlResult<()> {
        self.note_write(t);
        for idx in &t.unique {
            if let Some(ik) = self.unique_entry(t, idx, old)? {
                self.put(ik, None);
            }
        }
        for idx in &t.indexes {
            if let Some(ik) = self.secondary_entry(t, idx, old, &key)? {
                self.put(ik, None);
            }
        }
        self.delete_toasted(t.id, &key);
        self.put(key, None);
        self.fk_parent_changed(t, old, None, depth).await
    }
}

fn still_referenced(
    parent: &str,
    ref_names: &[String],
    child: &str,
    fk: &ForeignKeyDef,
    vals: &[Datum],
) -> SqlError {
    SqlError::new(
        "23503",
        format!(
            "update or delete on table \"{parent}\" violates foreign key constraint \"{}\" on table \"{child}\"",
            fk.name
        ),
    )
    .with_detail(format!(
        "Key ({})=({}) is still referenced from table \"{child}\".",
        ref_names.join(", "),
        list(vals)
    ))
}
