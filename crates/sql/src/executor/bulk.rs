//! Bulk writes: COPY FROM rows and moving a table's rows to a new key layout
//! (ALTER TABLE ... ADD PRIMARY KEY).

use super::*;
use crate::routine::TriggerEvent;

/// The table a COPY FROM writes to, with its CHECK constraints and, for a
/// partitioned table or a partition, where each row goes.
pub struct CopyTarget<'a> {
    pub table: &'a TableDef,
    pub checks: &'a [(String, Expr)],
    pub routing: Option<&'a crate::partition::Router>,
}

impl<'a> Ctx<'a> {
    /// Inserts one COPY row: `values` for the `targets` columns, the other
    /// columns from their defaults, then INSERT's row triggers, constraints,
    /// locks and indexes. False when a BEFORE trigger skipped the row.
    pub async fn copy_row(
        &mut self,
        into: &CopyTarget<'_>,
        targets: &[usize],
        defaults: &[Option<Expr>],
        values: Vec<Datum>,
    ) -> SqlResult<bool> {
        let table = into.table;
        let width = table.columns.len();
        let mut row = vec![Datum::Null; width];
        let mut supplied = vec![false; width];
        for (&t, v) in targets.iter().zip(values) {
            row[t] = v;
            supplied[t] = true;
        }
        for i in 0..width {
            if !supplied[i] {
                if let Some(d) = &defaults[i] {
                    row[i] = self.eval_row(d, &[], &[]).await?;
                }
            }
        }
        // As INSERT: row triggers fire on the leaf a routed row goes to.
        let (table, checks, row) = match into.routing {
            Some(router) => {
                let leaf = &router.leaves[self.route(router, &row).await?];
                (&*leaf.table, &leaf.checks[..], leaf.to_leaf(row))
            }
            None => (table, into.checks, row),
        };
        let Some(row) = self
            .before_row_triggers(table, TriggerEvent::Insert, None, Some(row), None)
            .await?
        else {
            return Ok(false);
        };
        let (_, row) = self.insert_row(table, row, checks).await?;
        self.queue_after_row(table, TriggerEvent::Insert, None, Some(&row), None);
        Ok(true)
    }

    /// ATTACH PARTITION (and a new partition beside a default one): every
    /// row of leaf `table` must fit its partition constraint under `router`.
    pub async fn validate_partition_bound(
        &mut self,
        table: &TableDef,
        router: &crate::partition::Router,
        message: String,
    ) -> SqlResult<()> {
        for (_, row) in self.scan_table(table, &Access::Full, None, &[]).await? {
            let computed = self.key_calls(router, &row).await?;
            let fits = {
                let none = HashMap::new();
                let env = self.env(&[], &none);
                router.fits_target(&row, &|e, r| {
                    super::dml::computed_or_eval(&computed, e, r, &env)
                })?
            };
            if !fits {
                return Err(SqlError::new("23514", message));
            }
        }
        Ok(())
    }

    /// Writes every row of `from` under `to`'s id and primary key (with its
    /// index entries), failing as PostgreSQL does on NULL or duplicate keys.
    /// `rewrite` recomputes columns from the old row on the way (ALTER
    /// COLUMN ... TYPE); a table without a primary key keeps its row ids.
    pub async fn rekey_table(
        &mut self,
        from: &TableDef,
        to: &TableDef,
        rewrite: &[crate::ddl::ColumnRewrite],
    ) -> SqlResult<()> {
        assert_eq!(
            from.columns.len(),
            to.columns.len(),
            "a rekey keeps the columns"
        );
        self.note_write(to);
        let from_prefix = index_prefix(from.id, PRIMARY_INDEX);
        for (old_key, old_row) in self.scan_table(from, &Access::Full, None, &[]).await? {
            let mut row = old_row.clone();
            for r in rewrite {
                let value = self.eval_row(&r.expr, &old_row, &[]).await?;
                if value.is_null() && to.columns[r.column].not_null {
                    return Err(SqlError::new(
                        "23502",
                        format!(
                            "column \"{}\" of relation \"{}\" contains null values",
                            to.columns[r.column].name, to.name
                        ),
                    ));
                }
                row[r.column] = value;
            }
            let Some(pk) = &to.primary_key else {
                // Row-id keyed: the same row id under the new table id.
                let row_id = old_key
                    .get(from_prefix.len()..)
                    .ok_or_else(|| SqlError::internal("row key shorter than its prefix"))?;
                let mut key = index_prefix(to.id, PRIMARY_INDEX);
                key.extend_from_slice(row_id);
                self.write_indexes_and_row(to, key, &row)?;
                continue;
            };
            for &c in &pk.columns {
                if row[c].is_null() {
                    return Err(SqlError::new(
                        "23502",
                        format!(
                            "column \"{}\" of relation \"{}\" contains null values",
                            to.columns[c].name, to.name
                        ),
                    ));
                }
            }
            let key = Self::index_key(to, pk, &row)
                .ok_or_else(|| SqlError::internal("null in primary key"))?;
            if self.txn.writes.contains_key(&key) {
                return Err(Self::index_build_duplicate(to, pk, &row));
            }
            self.write_indexes_and_row(to, key, &row)?;
        }
        Ok(())
    }

    /// PostgreSQL's error when building a unique index meets a second row
    /// with the same key.
    fn index_build_duplicate(table: &TableDef, idx: &IndexDef, row: &[Datum]) -> SqlError {
        SqlError::new(
            "23505",
            format!("could not create unique index \"{}\"", idx.name),
        )
        .with_detail(format!(
            "{} is duplicated.",
            Self::unique_key_text(table, idx, row)
        ))
    }

    /// A moved row's unique and secondary index entries, then the row.
    fn write_indexes_and_row(&mut self, to: &TableDef, key: Vec<u8>, row: &Row) -> SqlResult<()> {
        for idx in &to.unique {
            if let Some(ik) = self.unique_entry(to, idx, row)? {
                if self.txn.writes.contains_key(&ik) {
                    let key_text = self.entry_key_text(to, idx, row)?;
                    return Err(SqlError::new(
                        "23505",
                        format!("could not create unique index \"{}\"", idx.name),
                    )
                    .with_detail(format!("{key_text} is duplicated.")));
                }
                self.put(ik, Some(key.clone()));
            }
        }
        for idx in &to.indexes {
            if let Some(ik) = self.secondary_entry(to, idx, row, &key)? {
                self.put(ik, Some(key.clone()));
            }
        }
        self.put_row(to, key, row, None)?;
        Ok(())
    }
}
