//! Bulk writes: COPY FROM rows and moving a table's rows to a new key layout
//! (ALTER TABLE ... ADD PRIMARY KEY).

use super::*;

/// The table a COPY FROM writes to, with its CHECK constraints and, for a
/// partitioned table or a partition, where each row goes.
pub struct CopyTarget<'a> {
    pub table: &'a TableDef,
    pub checks: &'a [(String, Expr)],
    pub routing: Option<&'a crate::partition::Router>,
}

impl<'a> Ctx<'a> {
    /// `generate_series(start, stop [, step])`: no rows if an argument is NULL.
    pub(super) async fn generate_series(
        &mut self,
        args: &[Expr],
        ty: SqlType,
        outer: &[Row],
    ) -> SqlResult<Vec<Row>> {
        let mut v = Vec::with_capacity(3);
        for a in args {
            match self.eval_row(a, &[], outer).await?.as_i64() {
                Some(x) => v.push(x as i128),
                None => return Ok(vec![]),
            }
        }
        let (start, stop) = (v[0], v[1]);
        let step = v.get(2).copied().unwrap_or(1);
        if step == 0 {
            return Err(SqlError::new("22023", "step size cannot equal zero"));
        }
        let count = if (step > 0 && start > stop) || (step < 0 && start < stop) {
            0
        } else {
            ((stop - start) / step + 1) as usize
        };
        let mut out = Vec::with_capacity(count.min(1 << 20));
        let mut i = start;
        for _ in 0..count {
            super::cooperate().await;
            out.push(vec![match ty {
                SqlType::Int8 => Datum::Int8(i as i64),
                _ => Datum::Int4(i as i32),
            }]);
            i += step;
        }
        Ok(out)
    }

    /// Inserts one COPY row: `values` for the `targets` columns, the other
    /// columns from their defaults, then INSERT's constraints, locks and indexes.
    pub async fn copy_row(
        &mut self,
        into: &CopyTarget<'_>,
        targets: &[usize],
        defaults: &[Option<Expr>],
        values: Vec<Datum>,
    ) -> SqlResult<()> {
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
        match into.routing {
            Some(router) => {
                let leaf = &router.leaves[self.route(router, &row)?];
                self.insert_row(&leaf.table, leaf.to_leaf(row), &leaf.checks)
                    .await?;
            }
            None => {
                self.insert_row(table, row, into.checks).await?;
            }
        }
        Ok(())
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
            let fits = {
                let none = HashMap::new();
                let env = self.env(&[], &none);
                router.fits_target(&row, &|e, r| eval(e, r, &env))?
            };
            if !fits {
                return Err(SqlError::new("23514", message));
            }
        }
        Ok(())
    }

    /// Writes every row of `from` under `to`'s id and primary key (with its
    /// index entries), failing as PostgreSQL does on NULL or duplicate keys.
    pub async fn rekey_table(&mut self, from: &TableDef, to: &TableDef) -> SqlResult<()> {
        let pk = to
            .primary_key
            .as_ref()
            .ok_or_else(|| SqlError::internal("rekey without a primary key"))?;
        self.note_write(to);
        for (_, row) in self.scan_table(from, &Access::Full, None, &[]).await? {
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
                let names: Vec<&str> = pk
                    .columns
                    .iter()
                    .map(|c| to.columns[*c].name.as_str())
                    .collect();
                let vals: Vec<String> = pk
                    .columns
                    .iter()
                    .map(|c| row[*c].to_text(1).unwrap_or_default())
                    .collect();
                return Err(SqlError::new(
                    "23505",
                    format!("could not create unique index \"{}\"", pk.name),
                )
                .with_detail(format!(
                    "Key ({})=({}) is duplicated.",
                    names.join(", "),
                    vals.join(", ")
                )));
            }
            for idx in &to.unique {
                if let Some(ik) = Self::index_key(to, idx, &row) {
                    if self.txn.writes.contains_key(&ik) {
                        return Err(Self::duplicate(to, idx, &row));
                    }
                    self.put(ik, Some(key.clone()));
                }
            }
            for idx in &to.indexes {
                self.put(Self::secondary_key(to, idx, &row, &key), Some(key.clone()));
            }
            self.put(key, Some(encode_row(&row)));
        }
        Ok(())
    }
}
