//! Writes: INSERT (with ON CONFLICT), UPDATE, DELETE, TRUNCATE and index
//! builds, with constraint checks, row locks, unique-key claims, secondary
//! index maintenance and the READ COMMITTED / REPEATABLE READ conflict rules.

use super::*;
use crate::binder::system_columns::reads_row_version;
use crate::routine::{TriggerEvent, TriggerTiming};

impl<'a> Ctx<'a> {
    // ------------------------------------------------------------ writes

    pub(super) async fn lock(&mut self, key: &[u8]) -> SqlResult<()> {
        let timeout = self.settings.and_then(|s| s.lock_timeout());
        if self.engine.locks.lock(key, self.txn.id, timeout).await? {
            self.txn.locks.push(key.to_vec());
        }
        Ok(())
    }

    /// The newest committed (or own) version: what uniqueness is checked against.
    pub(super) async fn get_latest(&self, key: &[u8]) -> SqlResult<Option<Vec<u8>>> {
        // The transaction's current writes, even in a part of a statement
        // that reads those of the statement's start (`one_snapshot`).
        if let Some(v) = self.txn.writes.get(key) {
            return Ok(v.clone());
        }
        let at = self.engine.store.read_point();
        Ok(self.engine.store.get(key, at).await?)
    }

    /// Records the definition a write was made against (checked at commit).
    pub(super) fn note_write(&mut self, table: &TableDef) {
        self.txn
            .tables_written
            .entry(table.id)
            .or_insert_with(|| std::sync::Arc::new(table.clone()));
    }

    /// This transaction's id as row versions record it (`xmin`).
    pub(super) fn xid(&self) -> u32 {
        crate::txn::client_xid(self.txn.id)
    }

    pub(super) fn put(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        self.txn.writes.insert(key, value);
    }

    pub(super) async fn check_row(
        &mut self,
        table: &TableDef,
        row: &[Datum],
        checks: &[(String, Expr)],
    ) -> SqlResult<()> {
        for (i, c) in table.columns.iter().enumerate() {
            if c.not_null && row[i].is_null() {
                return Err(SqlError::new("23502", format!("null value in column \"{}\" of relation \"{}\" violates not-null constraint", c.name, table.name))
                    .with_detail(failing_row(row, self.float_digits())));
            }
        }
        for (name, e) in checks {
            let v = self.eval_row(e, row, &[]).await?;
            if truth(&v) == Some(false) {
                if let Some(e) = crate::binder::row_security_violation(name) {
                    return Err(e);
                }
                let digits = self.float_digits();
                let view_check =
                    crate::view_dml::check_option_violation(name, row, |r| failing_row(r, digits));
                if let Some(e) = view_check {
                    return Err(e);
                }
                return Err(SqlError::new(
                    "23514",
                    format!(
                        "new row for relation \"{}\" violates check constraint \"{name}\"",
                        table.name
                    ),
                )
                .with_detail(failing_row(row, self.float_digits())));
            }
        }
        Ok(())
    }

    pub(super) fn float_digits(&self) -> i32 {
        1
    }

    pub(super) fn index_key(table: &TableDef, idx: &IndexDef, row: &[Datum]) -> Option<Vec<u8>> {
        let mut k = index_prefix(table.id, idx.id);
        for &c in &idx.columns {
            if row[c].is_null() {
                return None;
            }
            encode_key_into(&mut k, &row[c], table.columns[c].ty.ty);
        }
        Some(k)
    }

    /// `idx`'s key expressions and predicate bound over `table`'s rows
    /// (once per statement and index).
    pub(super) fn bound_index(
        &mut self,
        table: &TableDef,
        idx: &IndexDef,
    ) -> SqlResult<Arc<crate::index_shape::BoundIndex>> {
        let cache_key = (table.id, idx.id, table.columns.len());
        if let Some(b) = self.bound_indexes.get(&cache_key) {
            return Ok(b.clone());
        }
        let catalog = self.current_catalog();
        let (keys, predicate) =
            crate::binder::Binder::new(&catalog, "", vec![]).index_exprs(table, idx)?;
        let bound = Arc::new(crate::index_shape::BoundIndex { keys, predicate });
        self.bound_indexes.insert(cache_key, bound.clone());
        Ok(bound)
    }

    /// The key values of `row` in `idx` with their types, or None when the
    /// row has no entry (a partial index whose predicate is not true).
    pub(super) fn index_values(
        &mut self,
        table: &TableDef,
        idx: &IndexDef,
        row: &[Datum],
    ) -> SqlResult<Option<Vec<(Datum, SqlType)>>> {
        let bound = self.bound_index(table, idx)?;
        let none = HashMap::new();
        let env = self.env(&[], &none);
        if let Some(p) = &bound.predicate {
            if truth(&eval(p, row, &env)?) != Some(true) {
                return Ok(None);
            }
        }
        let mut out = Vec::with_capacity(idx.columns.len());
        for (pos, &c) in idx.columns.iter().enumerate() {
            match bound.keys.get(pos).and_then(Option::as_ref) {
                Some(e) => out.push((eval(e, row, &env)?, e.ty().ty)),
                None => {
                    let column = table
                        .columns
                        .get(c)
                        .ok_or_else(|| SqlError::internal("index column out of table"))?;
                    out.push((row[c].clone(), column.ty.ty));
                }
            }
        }
        Ok(Some(out))
    }

    /// The entry key of a unique index (`index_key` for any index shape):
    /// None when the row has no entry or a key value is NULL.
    pub(super) fn unique_entry(
        &mut self,
        table: &TableDef,
        idx: &IndexDef,
        row: &[Datum],
    ) -> SqlResult<Option<Vec<u8>>> {
        if idx.exprs.is_empty() && idx.predicate.is_none() {
            return Ok(Self::index_key(table, idx, row));
        }
        let Some(values) = self.index_values(table, idx, row)? else {
            return Ok(None);
        };
        let mut k = index_prefix(table.id, idx.id);
        for (v, ty) in &values {
            if v.is_null() {
                return Ok(None);
            }
            encode_key_into(&mut k, v, *ty);
        }
        Ok(Some(k))
    }

    /// The entry key of a non-unique index (`secondary_key` for any index
    /// shape): None when the row has no entry (partial index).
    pub(super) fn secondary_entry(
        &mut self,
        table: &TableDef,
        idx: &IndexDef,
        row: &[Datum],
        row_key: &[u8],
    ) -> SqlResult<Option<Vec<u8>>> {
        if idx.exprs.is_empty() && idx.predicate.is_none() {
            return Ok(Some(Self::secondary_key(table, idx, row, row_key)));
        }
        let Some(values) = self.index_values(table, idx, row)? else {
            return Ok(None);
        };
        let mut k = index_prefix(table.id, idx.id);
        for (v, ty) in &values {
            encode_key_into(&mut k, v, *ty);
        }
        let own = index_prefix(table.id, PRIMARY_INDEX).len();
        k.extend_from_slice(row_key.get(own..).unwrap_or_default());
        Ok(Some(k))
    }

    /// PostgreSQL's 23505 for `row`'s key in unique index `idx` (any shape):
    /// `Key (lower(x))=(abc) already exists.`
    pub(super) fn duplicate_entry(
        &mut self,
        table: &TableDef,
        idx: &IndexDef,
        row: &[Datum],
    ) -> SqlResult<SqlError> {
        Ok(Self::unique_violation(
            idx,
            &self.entry_key_text(table, idx, row)?,
        ))
    }

    /// `Key (a, lower(x))=(1, abc)` for any index shape.
    pub(super) fn entry_key_text(
        &mut self,
        table: &TableDef,
        idx: &IndexDef,
        row: &[Datum],
    ) -> SqlResult<String> {
        if idx.exprs.is_empty() {
            return Ok(Self::unique_key_text(table, idx, row));
        }
        let names: Vec<String> = (0..idx.columns.len())
            .map(|p| crate::index_shape::key_text(table, idx, p, true))
            .collect();
        let values = self.index_values(table, idx, row)?.unwrap_or_default();
        let vals: Vec<String> = values
            .iter()
            .map(|(v, _)| v.to_text(1).unwrap_or_else(|| "null".into()))
            .collect();
        Ok(format!("Key ({})=({})", names.join(", "), vals.join(", ")))
    }

    /// Locks and claims unique entry `key` of `idx` (any shape).
    pub(super) async fn claim_entry(
        &mut self,
        key: &[u8],
        table: &TableDef,
        idx: &IndexDef,
        row: &[Datum],
    ) -> SqlResult<()> {
        self.lock(key).await?;
        if self.get_latest(key).await?.is_some() {
            return Err(self.duplicate_entry(table, idx, row)?);
        }
        Ok(())
    }

    /// `Key (a, b)=(1, x)`: the start of PostgreSQL's detail for a unique
    /// violation, naming `idx`'s columns and `row`'s values in them.
    pub(super) fn unique_key_text(table: &TableDef, idx: &IndexDef, row: &[Datum]) -> String {
        let names: Vec<&str> = idx
            .columns
            .iter()
            .map(|c| table.columns[*c].name.as_str())
            .collect();
        let vals: Vec<String> = idx
            .columns
            .iter()
            .map(|c| row[*c].to_text(1).unwrap_or_else(|| "null".into()))
            .collect();
        format!("Key ({})=({})", names.join(", "), vals.join(", "))
    }

    pub(super) fn duplicate(table: &TableDef, idx: &IndexDef, row: &[Datum]) -> SqlError {
        Self::unique_violation(idx, &Self::unique_key_text(table, idx, row))
    }

    /// 23505 for `idx`, with `key` (`Key (a)=(1)`) as the DETAIL.
    fn unique_violation(idx: &IndexDef, key: &str) -> SqlError {
        SqlError::new(
            "23505",
            format!(
                "duplicate key value violates unique constraint \"{}\"",
                idx.name
            ),
        )
        .with_detail(format!("{key} already exists."))
    }

    /// Locks and claims a unique key; fails if a live row already holds it.
    pub(super) async fn claim(
        &mut self,
        key: &[u8],
        table: &TableDef,
        idx: &IndexDef,
        row: &[Datum],
    ) -> SqlResult<()> {
        self.lock(key).await?;
        if self.get_latest(key).await?.is_some() {
            return Err(Self::duplicate(table, idx, row));
        }
        Ok(())
    }

    pub(super) async fn insert_row(
        &mut self,
        table: &TableDef,
        row: Row,
        checks: &[(String, Expr)],
    ) -> SqlResult<(Vec<u8>, Row)> {
        self.note_write(table);
        self.check_row(table, &row, checks).await?;
        let key = match &table.primary_key {
            Some(pk) => {
                let key = Self::index_key(table, pk, &row)
                    .ok_or_else(|| SqlError::internal("null in primary key"))?;
                self.claim(&key, table, pk, &row).await?;
                key
            }
            None => self.fresh_row_key(table)?,
        };
        for idx in &table.unique {
            if let Some(ik) = self.unique_entry(table, idx, &row)? {
                self.claim_entry(&ik, table, idx, &row).await?;
                self.put(ik, Some(key.clone()));
            }
        }
        for idx in &table.indexes {
            if let Some(ik) = self.secondary_entry(table, idx, &row, &key)? {
                self.put(ik, Some(key.clone()));
            }
        }
        self.put_row(table, key.clone(), &table.to_physical(&row), None)?;
        self.fk_child_written(table, None, &row).await?;
        Ok((key, row))
    }

    /// A new hidden row id key of a table without a primary key. Row ids
    /// only grow, so key order is the order rows were written: an UPDATE
    /// gives the new row version a fresh key too, which puts it last in a
    /// scan, as PostgreSQL's heap puts a new row version at its end.
    pub(super) fn fresh_row_key(&mut self, table: &TableDef) -> SqlResult<Vec<u8>> {
        let seq = table
            .rowid_sequence
            .as_deref()
            .ok_or_else(|| SqlError::internal("table without row id sequence"))?;
        let id = self.engine.sequences.nextval(seq)?;
        self.sequence_used.store(true, AtomicOrdering::Relaxed);
        let mut k = index_prefix(table.id, PRIMARY_INDEX);
        encode_key_into(&mut k, &Datum::Int8(id), SqlType::Int8);
        Ok(k)
    }

    /// Entry of a non-unique index: the indexed values, then the row's own
    /// key suffix (so equal values stay distinct and ordered by row key).
    pub(super) fn secondary_key(
        table: &TableDef,
        idx: &IndexDef,
        row: &[Datum],
        row_key: &[u8],
    ) -> Vec<u8> {
        let mut k = index_prefix(table.id, idx.id);
        for &c in &idx.columns {
            encode_key_into(&mut k, &row[c], table.columns[c].ty.ty);
        }
        let own = index_prefix(table.id, PRIMARY_INDEX).len();
        k.extend_from_slice(row_key.get(own..).unwrap_or_default());
        k
    }

    /// Removes every entry of `idx` (REINDEX writes them again).
    pub async fn clear_index(&mut self, table: &TableDef, idx: &IndexDef) -> SqlResult<()> {
        let prefix = index_prefix(table.id, idx.id);
        for (k, _) in self.scan(&prefix, &prefix_end(&prefix)).await? {
            self.put(k, None);
        }
        Ok(())
    }

    /// Builds a new index over the table's existing rows (CREATE INDEX).
    pub async fn backfill_index(
        &mut self,
        table: &TableDef,
        idx: &IndexDef,
        unique: bool,
    ) -> SqlResult<()> {
        for (key, row) in self.scan_table(table, &Access::Full, None, &[]).await? {
            if !unique {
                if let Some(ik) = self.secondary_entry(table, idx, &row, &key)? {
                    self.put(ik, Some(key));
                }
                continue;
            }
            let Some(ik) = self.unique_entry(table, idx, &row)? else {
                continue;
            };
            self.lock(&ik).await?;
            if self.get_latest(&ik).await?.is_some() {
                let key_text = self.entry_key_text(table, idx, &row)?;
                return Err(SqlError::new(
                    "23505",
                    format!("could not create unique index \"{}\"", idx.name),
                )
                .with_detail(format!("{key_text} is duplicated.")));
            }
            self.put(ik, Some(key));
        }
        Ok(())
    }

    /// RETURNING over `row` (in the statement's scope order), written to
    /// `table`: its oid follows the row as the hidden `tableoid` column,
    /// then the `version`'s `xmin` and `xmax`.
    pub(super) async fn returning(
        &mut self,
        ret: &Option<(Vec<Expr>, Vec<OutColumn>)>,
        row: &[Datum],
        table: &TableDef,
        version: ReturnedVersion,
        out: &mut Vec<Row>,
    ) -> SqlResult<()> {
        if let Some((exprs, _)) = ret {
            let width = row.len();
            let mut row = row.to_vec();
            row.push(Datum::Int8(crate::pg_catalog::table_oid(table)));
            let xid = self.xid();
            let (xmin, xmax) = match version {
                ReturnedVersion::Written => (xid, 0),
                ReturnedVersion::Removed { xmin } => (xmin, xid),
                ReturnedVersion::Unavailable => {
                    if exprs.iter().any(|e| reads_row_version(e, width)) {
                        return Err(SqlError::new(
                            "XX000",
                            "cannot retrieve a system column in this context",
                        ));
                    }
                    (0, 0)
                }
            };
            row.push(Datum::Int8(i64::from(xmin)));
            row.push(Datum::Int8(i64::from(xmax)));
            let mut vals = Vec::with_capacity(exprs.len());
            for e in exprs {
                vals.push(self.eval_row(e, &row, &[]).await?);
            }
            out.push(vals);
        }
        Ok(())
    }

    /// The leaf of `router` a row goes to (key expressions evaluated here).
    pub(super) async fn route(
        &mut self,
        router: &crate::partition::Router,
        row: &[Datum],
    ) -> SqlResult<usize> {
        let computed = self.key_calls(router, row).await?;
        let none = HashMap::new();
        let env = self.env(&[], &none);
        router
            .place(row, &|e, r| computed_or_eval(&computed, e, r, &env))
            .map_err(|e| crate::privileges::visible_partition_error(e, router, env.settings))
    }

    /// After a BEFORE ROW trigger changed `row` (in `leaf`'s column
    /// order): it must route to the same leaf, else PostgreSQL's 23514
    /// names the leaf (and shows the row in the target's order).
    async fn recheck_partition(
        &mut self,
        router: &crate::partition::Router,
        leaf: &crate::partition::Leaf,
        row: &[Datum],
        (target, written): (&TableDef, &[String]),
    ) -> SqlResult<()> {
        let target_row = leaf.to_target(row.to_vec());
        // The failing row shows in the statement target's column order, as
        // far as the role may see it (PostgreSQL checks the root table).
        let settings = self.statement_settings();
        let violation = || {
            let e = SqlError::new(
                "23514",
                format!(
                    "new row for relation \"{}\" violates partition constraint",
                    leaf.table.name
                ),
            );
            match crate::privileges::failing_row_detail(settings, target, &target_row, written) {
                Some(detail) => e.with_detail(detail),
                None => e,
            }
        };
        match self.route(router, &target_row).await {
            Ok(dest) if std::ptr::eq(&router.leaves[dest], leaf) => Ok(()),
            Ok(_) => Err(violation()),
            Err(e) if e.sqlstate == "23514" => Err(violation()),
            Err(e) => Err(e),
        }
    }

    /// The values of `router`'s key expressions that call user functions,
    /// for `row` (routing itself evaluates synchronously).
    pub(super) async fn key_calls<'r>(
        &mut self,
        router: &'r crate::partition::Router,
        row: &[Datum],
    ) -> SqlResult<Vec<(&'r Expr, Datum)>> {
        let mut out = Vec::new();
        for (e, map) in router.exprs_needing_execution() {
            let own = crate::partition::remap(row.to_vec(), map);
            let v = self.eval_row(e, &own, &[]).await?;
            out.push((e, v));
        }
        Ok(out)
    }

    pub async fn insert(&mut self, p: &InsertPlan) -> SqlResult<(u64, Vec<Row>)> {
        // An upsert is an INSERT and an UPDATE statement: both kinds of
        // statement triggers fire (BEFORE: INSERT then UPDATE; AFTER: the
        // reverse), as in PostgreSQL.
        let upsert = matches!(
            p.on_conflict.as_ref().map(|oc| &oc.action),
            Some(ConflictAction::Update { .. })
        );
        let mark = self.txn.pending_triggers.len();
        self.statement_triggers(&p.table, TriggerEvent::Insert, TriggerTiming::Before)
            .await?;
        if upsert {
            self.statement_triggers(&p.table, TriggerEvent::Update, TriggerTiming::Before)
                .await?;
        }
        self.fk_defer = true;
        let r = self.insert_rows(p).await;
        self.fk_defer = false;
        let r = r?;
        self.statement_fk_checks().await?;
        if upsert {
            self.after_statement(&p.table, TriggerEvent::Update, mark)
                .await?;
            self.statement_triggers(&p.table, TriggerEvent::Insert, TriggerTiming::After)
                .await?;
        } else {
            self.after_statement(&p.table, TriggerEvent::Insert, mark)
                .await?;
        }
        Ok(r)
    }

    async fn insert_rows(&mut self, p: &InsertPlan) -> SqlResult<(u64, Vec<Row>)> {
        let width = p.table.columns.len();
        // The rows to insert, all made before any is written (the source
        // must not see them); beyond work_mem they wait in a spill file.
        let mut new_rows = row_store::RowStore::new(self.work_mem);
        match &p.source {
            InsertSource::Values(rows) => {
                for r in rows {
                    let mut row = Vec::with_capacity(width);
                    for (i, e) in r.iter().enumerate() {
                        let e = e.as_ref().or(p.defaults[i].as_ref());
                        row.push(match e {
                            Some(e) => self.eval_row(e, &[], &[]).await?,
                            None => Datum::Null,
                        });
                    }
                    new_rows.push(&self.engine.spill, row)?;
                }
            }
            InsertSource::Query {
                plan,
                targets,
                casts,
            } => {
                let mut source = stream::Op::build(&plan.plan);
                while let Some(batch) = source.next_batch(self, &[]).await? {
                    for src in batch {
                        let mut row = vec![Datum::Null; width];
                        let mut supplied = vec![false; width];
                        for (t, c) in targets.iter().zip(casts) {
                            row[*t] = self.eval_row(c, &src, &[]).await?;
                            supplied[*t] = true;
                        }
                        for i in 0..width {
                            if !supplied[i] {
                                if let Some(d) = &p.defaults[i] {
                                    row[i] = self.eval_row(d, &[], &[]).await?;
                                }
                            }
                        }
                        new_rows.push(&self.engine.spill, row)?;
                    }
                }
            }
        }
        let written = inserted_columns(p);
        let mut out = Vec::new();
        let mut n = 0;
        // Row keys written by this statement (ON CONFLICT may not touch one twice).
        let mut touched: HashSet<Vec<u8>> = HashSet::new();
        let mut new_rows = new_rows.into_rows()?;
        while let Some(row) = new_rows.next_row()? {
            // A partitioned target writes each row to its leaf.
            let leaf = match &p.routing {
                Some(router) => Some(&router.leaves[self.route(router, &row).await?]),
                None => None,
            };
            let (table, checks, row) = match leaf {
                Some(leaf) => (&leaf.table, &leaf.checks, leaf.to_leaf(row)),
                None => (&p.table, &p.checks, row),
            };
            let routed = row.clone();
            let Some(row) = self
                .before_row_triggers(table, TriggerEvent::Insert, None, Some(row), None)
                .await?
            else {
                continue;
            };
            // A BEFORE ROW trigger may have changed the row: it must still
            // satisfy the leaf's partition constraint (PostgreSQL's
            // ExecPartitionCheck after the triggers).
            if let (Some(router), Some(leaf)) = (&p.routing, leaf) {
                if row != routed {
                    let statement_target = (p.table.as_ref(), written.as_slice());
                    self.recheck_partition(router, leaf, &row, statement_target)
                        .await?;
                }
            }
            if let Some(oc) = &p.on_conflict {
                match self
                    .on_conflict(table, &row, oc, checks, &touched, leaf)
                    .await?
                {
                    Conflict::None => {}
                    Conflict::Skipped => continue,
                    Conflict::Updated(key, new) => {
                        // Back in the statement target's column order.
                        let new = match leaf {
                            Some(l) => l.to_target(new),
                            None => new,
                        };
                        if let (Some(router), Some(leaf)) = (&p.routing, leaf) {
                            let dest = self.route(router, &new).await?;
                            if !std::ptr::eq(&router.leaves[dest], leaf) {
                                return Err(SqlError::new("0A000", "invalid ON UPDATE specification")
                                    .with_detail("The result tuple would appear in a different partition than the original tuple."));
                            }
                        }
                        touched.insert(key);
                        n += 1;
                        let locked = ReturnedVersion::Removed { xmin: self.xid() };
                        self.returning(&p.returning, &new, table, locked, &mut out)
                            .await?;
                        continue;
                    }
                }
            }
            // A partition with its own column order reports failing rows in
            // the target's order, as PostgreSQL does.
            let target_row = leaf
                .filter(|l| l.to_leaf.is_some())
                .map(|l| l.to_target(row.clone()));
            let (key, row) = match self.insert_row(table, row, checks).await {
                Ok(written) => written,
                Err(e) => return Err(in_target_order(e, target_row.as_deref())),
            };
            touched.insert(key);
            n += 1;
            self.queue_after_row(table, TriggerEvent::Insert, None, Some(&row), None);
            let row = match leaf {
                Some(leaf) => leaf.to_target(row),
                None => row,
            };
            // PostgreSQL has no system columns for a row it routed from a
            // partitioned table into a leaf of the table's own layout.
            let version = match leaf {
                Some(leaf) if p.table.partitioning.key.is_some() && !converts(leaf, &p.table) => {
                    ReturnedVersion::Unavailable
                }
                _ => ReturnedVersion::Written,
            };
            self.returning(&p.returning, &row, table, version, &mut out)
                .await?;
        }
        Ok((n, out))
    }

    /// Probes the arbiter indexes for a row that `row` conflicts with.
    async fn on_conflict(
        &mut self,
        t: &TableDef,
        row: &[Datum],
        oc: &OnConflictPlan,
        checks: &[(String, Expr)],
        touched: &HashSet<Vec<u8>>,
        leaf: Option<&crate::partition::Leaf>,
    ) -> SqlResult<Conflict> {
        self.check_row(t, row, checks).await?;
        // `row` is in `t`'s column order; the arbiters and the DO UPDATE
        // expressions are in the statement target's, which a partition
        // attached with its own column order does not share.
        let from_leaf = leaf.and_then(|l| l.from_leaf.as_deref());
        let to_target = |r: &[Datum]| match leaf {
            Some(l) => l.to_target(r.to_vec()),
            None => r.to_vec(),
        };
        // Each arbiter is found among `t`'s own indexes by its shape: a
        // partition's copy of an index may have another id and name.
        let arbiters: Vec<IndexDef> = match from_leaf {
            None if leaf.is_none() => oc.arbiters.clone(),
            _ => oc
                .arbiters
                .iter()
                .filter_map(|idx| {
                    let map_column = |c: &usize| match from_leaf {
                        Some(map) => map.get(*c).copied().unwrap_or(*c),
                        None => *c,
                    };
                    let columns: Vec<usize> = idx.columns.iter().map(map_column).collect();
                    let include: Vec<usize> = idx.include.iter().map(map_column).collect();
                    t.primary_key
                        .iter()
                        .chain(&t.unique)
                        .find(|i| {
                            i.columns == columns
                                && i.exprs == idx.exprs
                                && i.predicate == idx.predicate
                                && i.include == include
                        })
                        .cloned()
                })
                .collect(),
        };
        for idx in &arbiters {
            let Some(ik) = self.unique_entry(t, idx, row)? else {
                continue;
            };
            self.lock(&ik).await?;
            let Some(v) = self.get_latest(&ik).await? else {
                continue;
            };
            let row_key = if idx.id == PRIMARY_INDEX { ik } else { v };
            if self.txn.isolation != Isolation::ReadCommitted
                && !self.txn.writes.contains_key(&row_key)
                && self.engine.write_log.changed_since(&row_key, self.snapshot)
            {
                return Err(SqlError::serialization_failure());
            }
            let ConflictAction::Update {
                assignments,
                filter,
            } = &oc.action
            else {
                return Ok(Conflict::Skipped);
            };
            if touched.contains(&row_key) || self.modified_by_statement(&row_key) {
                return Err(SqlError::new("21000", "ON CONFLICT DO UPDATE command cannot affect row a second time")
                    .with_hint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values."));
            }
            self.lock(&row_key).await?;
            let Some((row_key, bytes)) = self.newest_version(row_key).await? else {
                continue;
            };
            let at = self.engine.store.read_point();
            let old = self.stored_row(t, &row_key, &bytes, at).await?;
            let mut combined = to_target(&old);
            combined.extend(to_target(row));
            if let Some(f) = filter {
                if !self.predicate(f, &combined, &[]).await? {
                    return Ok(Conflict::Skipped);
                }
            }
            // Row-level security: the existing row must pass the UPDATE
            // policies' USING (after the WHERE, as in PostgreSQL), and the
            // updated row their WITH CHECK in place of the INSERT's.
            let policy_update_checks: Vec<(String, Expr)>;
            let checks = match &oc.security {
                Some(security) => {
                    self.check_row(t, &old, &security.existing).await?;
                    policy_update_checks = security
                        .updated
                        .iter()
                        .chain(checks.iter().filter(|(name, _)| {
                            crate::binder::row_security_violation(name).is_none()
                        }))
                        .cloned()
                        .collect();
                    &policy_update_checks[..]
                }
                None => checks,
            };
            let mut new = to_target(&old);
            self.assign(assignments, &combined, &mut new).await?;
            let new = match leaf {
                Some(l) => l.to_leaf(new),
                None => new,
            };
            // The conflict path is an UPDATE of the existing row: its row
            // triggers fire (not AFTER INSERT), and a NULL from a BEFORE
            // trigger skips the row.
            let assigned: Vec<usize> = assignments
                .iter()
                .map(|(c, _)| from_leaf.map_or(*c, |m| m[*c]))
                .collect();
            return Ok(
                match self
                    .update_row(t, &row_key, &old, new, &assigned, checks)
                    .await?
                {
                    Some((key, new)) => Conflict::Updated(key, new),
                    None => Conflict::Skipped,
                },
            );
        }
        Ok(Conflict::None)
    }

    /// Does any row of `table` hold NULL in `column` (any row at all if None)?
    pub async fn any_row(&mut self, table: &TableDef, column: Option<usize>) -> SqlResult<bool> {
        let rows = self.scan_table(table, &Access::Full, None, &[]).await?;
        Ok(match column {
            None => !rows.is_empty(),
            Some(c) => rows
                .iter()
                .any(|(_, r)| r.get(c).is_none_or(Datum::is_null)),
        })
    }

    /// TRUNCATE: deletes every row and index entry of the tables and, under
    /// RESTART IDENTITY, restarts their sequences (undone by a rollback).
    pub async fn truncate(&mut self, plan: &crate::binder::TruncatePlan) -> SqlResult<()> {
        let tables = plan.tables.as_slice();
        let catalog = self
            .txn
            .ddl
            .as_ref()
            .map(|d| d.catalog.clone())
            .unwrap_or_else(|| self.engine.catalog());
        // As PostgreSQL: for each listed table in order, its referencing
        // tables oldest first; the first one not listed is reported.
        let mut by_id: Vec<&std::sync::Arc<TableDef>> = catalog.tables.values().collect();
        by_id.sort_by_key(|other| other.id);
        for t in tables {
            let Some(other) = by_id.iter().find(|other| {
                !tables.iter().any(|x| x.name == other.name)
                    && crate::binder::truncate_references(&catalog, other, t)
            }) else {
                continue;
            };
            return Err(SqlError::new(
                "0A000",
                "cannot truncate a table referenced in a foreign key constraint",
            )
            .with_detail(format!(
                "Table \"{}\" references \"{}\".",
                other.name, t.name
            ))
            .with_hint(format!(
                "Truncate table \"{}\" at the same time, or use TRUNCATE ... CASCADE.",
                other.name
            )));
        }
        for name in &plan.cascaded {
            let mut n = SqlError::new(
                "00000",
                format!(
                    "truncate cascades to table \"{}\"",
                    crate::schema::split(name).1
                ),
            );
            n.severity = "NOTICE";
            self.txn.notices.push(n);
        }
        let mark = self.txn.pending_triggers.len();
        for t in tables {
            self.statement_triggers(t, TriggerEvent::Truncate, TriggerTiming::Before)
                .await?;
        }
        for t in tables {
            let mut prefix = vec![crate::encoding::DATA_PREFIX];
            prefix.extend_from_slice(&t.id.to_be_bytes());
            let primary = index_prefix(t.id, PRIMARY_INDEX);
            // Toast chunks are deleted through the rows pointing to them
            // (their own range is not read).
            let (toast, _) = crate::toast::toast_range(t.id);
            for (k, v) in self.scan(&prefix, &toast).await? {
                if k.starts_with(&primary) {
                    self.lock(&k).await?;
                    self.delete_stored_chunks(t.id, &v)?;
                }
                self.put(k, None);
            }
        }
        for (name, start) in &plan.restart_sequences {
            let before = self.engine.sequences.restart(name, *start)?;
            // Undone newest first by ROLLBACK (TO SAVEPOINT).
            self.txn.restarted_sequences.push((name.clone(), before));
            // The commit makes the restarted state durable.
            self.txn.used_sequences = true;
        }
        for t in tables {
            self.after_statement(t, TriggerEvent::Truncate, mark)
                .await?;
        }
        Ok(())
    }

    /// Locks a row found at the statement snapshot. Returns the version to act
    /// on: the same row, the newest version (READ COMMITTED re-check), or None
    /// if it is gone or no longer matches.
    /// The key returned is where that version is: a concurrent UPDATE of a
    /// table without a primary key moves the row to a new key, which READ
    /// COMMITTED follows (as PostgreSQL follows a tuple's update chain).
    pub(super) async fn lock_for_write(
        &mut self,
        table: &TableDef,
        key: Vec<u8>,
        row: Row,
        filter: Option<&Expr>,
    ) -> SqlResult<Option<(Vec<u8>, Row)>> {
        self.lock(&key).await?;
        if self.modified_by_statement(&key) {
            // Another part of the statement modified it first: PostgreSQL
            // leaves a row its own command modified alone.
            return Ok(None);
        }
        if self.txn.writes.contains_key(&key)
            || !self.engine.write_log.changed_since(&key, self.snapshot)
        {
            return Ok(Some((key, row)));
        }
        if self.txn.isolation != Isolation::ReadCommitted {
            return Err(SqlError::serialization_failure());
        }
        let Some((key, v)) = self.newest_version(key).await? else {
            return Ok(None);
        };
        let at = self.engine.store.read_point();
        let newest = self.stored_row(table, &key, &v, at).await?;
        if let Some(f) = filter {
            if !self.row_passes(table, f, &newest, &v, &[]).await? {
                return Ok(None);
            }
        }
        Ok(Some((key, newest)))
    }

    /// The newest committed version of the row at `key` (locked by the
    /// caller) as (its key, its value), following the moves committed
    /// UPDATEs made (each new key is locked before it is read); None if the
    /// row was deleted.
    pub(super) async fn newest_version(
        &mut self,
        mut key: Vec<u8>,
    ) -> SqlResult<Option<(Vec<u8>, Vec<u8>)>> {
        loop {
            if let Some(v) = self.get_latest(&key).await? {
                return Ok(Some((key, v)));
            }
            let Some(next) = self.engine.write_log.moved_to(&key) else {
                return Ok(None);
            };
            // Row ids only grow, so the chain ends.
            assert!(next > key, "a row moved to a smaller key");
            self.lock(&next).await?;
            key = next;
        }
    }

    pub async fn update(&mut self, p: &UpdatePlan) -> SqlResult<(u64, Vec<Row>)> {
        let mark = self.txn.pending_triggers.len();
        self.statement_triggers(&p.table, TriggerEvent::Update, TriggerTiming::Before)
            .await?;
        self.fk_defer = true;
        let r = match &p.from {
            Some(from) => self.update_joined(p, from).await,
            None => self.update_rows(p).await,
        };
        self.fk_defer = false;
        let r = r?;
        self.statement_fk_checks().await?;
        self.after_statement(&p.table, TriggerEvent::Update, mark)
            .await?;
        Ok(r)
    }

    /// The rows an UPDATE/DELETE acts on as (leaf, key, row): for a
    /// partitioned target every leaf's rows (leaf indexes `router.leaves`),
    /// all read before any is written so a row moved to a later leaf is not
    /// seen twice; leaf 0 is the table itself otherwise.
    async fn write_targets(
        &mut self,
        table: &TableDef,
        access: &Access,
        filter: Option<&Expr>,
        partitions: Option<&PartitionTargets>,
    ) -> SqlResult<Vec<(usize, Vec<u8>, Row)>> {
        let Some(parts) = partitions else {
            let rows = self.scan_table(table, access, filter, &[]).await?;
            return Ok(rows.into_iter().map(|(k, r)| (0, k, r)).collect());
        };
        // Partition pruning: a WHERE that pins the whole key reads one leaf.
        let mut only = None;
        if !parts.pins.is_empty() {
            let mut row = vec![Datum::Null; table.columns.len()];
            for (c, e) in &parts.pins {
                row[*c] = self.eval_row(e, &[], &[]).await?;
            }
            let none = HashMap::new();
            let env = self.env(&[], &none);
            only = parts.router.prune(&row, &|e, r| eval(e, r, &env));
        }
        let mut out = Vec::new();
        let per_leaf = parts.access.iter().zip(&parts.filters);
        for (i, (leaf, (access, filter))) in parts.router.leaves.iter().zip(per_leaf).enumerate() {
            if only.is_some_and(|o| o != i) || !parts.reads(i) {
                continue;
            }
            let rows = self
                .scan_table(&leaf.table, access, filter.as_ref(), &[])
                .await?;
            out.extend(rows.into_iter().map(|(k, r)| (i, k, r)));
        }
        Ok(out)
    }

    async fn update_rows(&mut self, p: &UpdatePlan) -> SqlResult<(u64, Vec<Row>)> {
        let targets = self
            .write_targets(
                &p.table,
                &p.access,
                p.filter.as_ref(),
                p.partitions.as_ref(),
            )
            .await?;
        let mut out = Vec::new();
        let mut n = 0;
        for (leaf, key, row) in targets {
            let (t, checks, filter) = match &p.partitions {
                Some(parts) => (
                    &parts.router.leaves[leaf].table,
                    &parts.router.leaves[leaf].checks,
                    parts.filters[leaf].as_ref(),
                ),
                None => (&p.table, &p.checks, p.filter.as_ref()),
            };
            let Some((key, old)) = self.lock_for_write(t, key, row, filter).await? else {
                continue;
            };
            let Some(parts) = &p.partitions else {
                let mut new = old.clone();
                self.assign(&p.assignments, &old, &mut new).await?;
                let assigned: Vec<usize> = p.assignments.iter().map(|(c, _)| *c).collect();
                let Some((_, new)) = self
                    .update_row(t, &key, &old, new, &assigned, checks)
                    .await?
                else {
                    continue;
                };
                n += 1;
                self.returning(&p.returning, &new, t, ReturnedVersion::Written, &mut out)
                    .await?;
                continue;
            };
            // Assignments and RETURNING see the target's column order.
            let old_target = parts.router.leaves[leaf].to_target(old.clone());
            let mut new = old_target.clone();
            self.assign(&p.assignments, &old_target, &mut new).await?;
            let Some((dest, new)) = self
                .update_in_tree(parts, &p.table, &p.assignments, leaf, key, &old, new)
                .await?
            else {
                continue;
            };
            n += 1;
            let version = moved_version(parts, &p.table, leaf, dest);
            let written_to = &parts.router.leaves[dest].table;
            self.returning(&p.returning, &new, written_to, version, &mut out)
                .await?;
        }
        Ok((n, out))
    }

    /// One row of an UPDATE through the partition or inheritance tree of
    /// `target`: `old` as leaf `leaf` holds it, `new` the updated row in the
    /// target's columns. BEFORE UPDATE row triggers fire on the leaf; the
    /// row is written in place or, when the partition tree routes it
    /// elsewhere, moved (PostgreSQL fires DELETE triggers on the old leaf,
    /// INSERT ones on the new). Returns the leaf written and the row in the
    /// target's columns; None if a trigger skipped it.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn update_in_tree(
        &mut self,
        parts: &PartitionTargets,
        target: &TableDef,
        assignments: &[(usize, Expr)],
        leaf: usize,
        key: Vec<u8>,
        old: &Row,
        new: Row,
    ) -> SqlResult<Option<(usize, Row)>> {
        let source = &parts.router.leaves[leaf];
        let t = &source.table;
        // Row triggers fire on the leaf, with its column numbers.
        let assigned: Vec<usize> = assignments
            .iter()
            .filter_map(|(c, _)| t.column_index(&target.columns[*c].name))
            .collect();
        let leaf_new = source.updated(new, old);
        let Some(leaf_new) = self
            .before_row_triggers(
                t,
                TriggerEvent::Update,
                Some(old),
                Some(leaf_new),
                Some(&assigned),
            )
            .await?
        else {
            return Ok(None);
        };
        let new = source.to_target(leaf_new);
        let dest = if parts.router.keeps_rows_in_place() {
            leaf
        } else {
            self.route(&parts.router, &new).await?
        };
        if dest == leaf {
            let leaf_new = source.updated(new.clone(), old);
            self.write_update(t, &key, old, &leaf_new, &source.checks)
                .await?;
            let after = Some(&leaf_new);
            self.queue_after_row(t, TriggerEvent::Update, Some(old), after, Some(&assigned));
            return Ok(Some((dest, new)));
        }
        // Row movement: out of this partition, into its new one.
        if self
            .before_row_triggers(t, TriggerEvent::Delete, Some(old), None, None)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        self.delete_row(t, key, old, 0).await?;
        self.queue_after_row(t, TriggerEvent::Delete, Some(old), None, None);
        let to = &parts.router.leaves[dest];
        let Some(row) = self
            .before_row_triggers(
                &to.table,
                TriggerEvent::Insert,
                None,
                Some(to.to_leaf(new)),
                None,
            )
            .await?
        else {
            return Ok(None);
        };
        let (_, row) = self.insert_row(&to.table, row, &to.checks).await?;
        self.queue_after_row(&to.table, TriggerEvent::Insert, None, Some(&row), None);
        Ok(Some((dest, to.to_target(row))))
    }

    /// One row of an UPDATE (or of ON CONFLICT DO UPDATE): BEFORE UPDATE
    /// row triggers may change `new` or skip the row (None), then the row
    /// is written and its AFTER UPDATE event queued. Returns the row's key
    /// (it moves with its primary key) and the row as written.
    pub(super) async fn update_row(
        &mut self,
        t: &TableDef,
        key: &[u8],
        old: &Row,
        new: Row,
        assigned: &[usize],
        checks: &[(String, Expr)],
    ) -> SqlResult<Option<(Vec<u8>, Row)>> {
        let Some(new) = self
            .before_row_triggers(
                t,
                TriggerEvent::Update,
                Some(old),
                Some(new),
                Some(assigned),
            )
            .await?
        else {
            return Ok(None);
        };
        let key = self.write_update(t, key, old, &new, checks).await?;
        self.queue_after_row(
            t,
            TriggerEvent::Update,
            Some(old),
            Some(&new),
            Some(assigned),
        );
        Ok(Some((key, new)))
    }

    /// Replaces row `old` (at `key`, already locked) by `new`: constraint
    /// checks, primary-key moves and unique-index maintenance.
    pub(super) async fn write_update(
        &mut self,
        t: &TableDef,
        key: &[u8],
        old: &[Datum],
        new: &[Datum],
        checks: &[(String, Expr)],
    ) -> SqlResult<Vec<u8>> {
        self.write_update_depth(t, key, old, new, checks, 0).await
    }

    /// `write_update` at a foreign-key cascade depth.
    pub(super) async fn write_update_depth(
        &mut self,
        t: &TableDef,
        key: &[u8],
        old: &[Datum],
        new: &[Datum],
        checks: &[(String, Expr)],
        depth: usize,
    ) -> SqlResult<Vec<u8>> {
        self.note_write(t);
        {
            let (t, key, old, new) = (t, key.to_vec(), old, new);
            self.check_row(t, new, checks).await?;
            let new_key = match &t.primary_key {
                Some(pk) => Self::index_key(t, pk, new)
                    .ok_or_else(|| SqlError::internal("null in primary key"))?,
                None => {
                    // The version being replaced is already gone from this
                    // transaction's view: something the statement triggered
                    // (a row trigger) updated or deleted the row first.
                    if matches!(self.txn.writes.get(&key), Some(None)) {
                        return Err(SqlError::new("27000", "tuple to be updated was already modified by an operation triggered by the current command")
                            .with_hint("Consider using an AFTER trigger instead of a BEFORE trigger to propagate changes to other rows."));
                    }
                    self.fresh_row_key(t)?
                }
            };
            if new_key != key {
                self.put(key.clone(), None);
                match &t.primary_key {
                    Some(pk) => self.claim(&new_key, t, pk, new).await?,
                    None => {
                        // Held like the old key: FOR UPDATE waiters that
                        // follow the move queue here until this transaction ends.
                        self.lock(&new_key).await?;
                        self.txn.moved_rows.insert(key.clone(), new_key.clone());
                    }
                }
            }
            for idx in &t.unique {
                let ok = self.unique_entry(t, idx, old)?;
                let nk = self.unique_entry(t, idx, new)?;
                if ok == nk && new_key == key {
                    continue;
                }
                if let Some(ok) = &ok {
                    if Some(ok) != nk.as_ref() {
                        self.put(ok.clone(), None);
                    }
                }
                if let Some(nk) = nk {
                    if ok.as_ref() != Some(&nk) {
                        self.claim_entry(&nk, t, idx, new).await?;
                    }
                    self.put(nk, Some(new_key.clone()));
                }
            }
            for idx in &t.indexes {
                let ok = self.secondary_entry(t, idx, old, &key)?;
                let nk = self.secondary_entry(t, idx, new, &new_key)?;
                if ok != nk {
                    if let Some(ok) = ok {
                        self.put(ok, None);
                    }
                    if let Some(nk) = nk {
                        self.put(nk, Some(new_key.clone()));
                    }
                }
            }
            let old_physical = t.to_physical(old);
            let new_physical = t.to_physical(new);
            self.put_row(
                t,
                new_key.clone(),
                &new_physical,
                Some((&key, &old_physical)),
            )?;
            self.fk_child_written(t, Some(old), new).await?;
            self.fk_parent_changed(t, old, Some(new), depth).await?;
            Ok(new_key)
        }
    }

    pub async fn delete(&mut self, p: &DeletePlan) -> SqlResult<(u64, Vec<Row>)> {
        let mark = self.txn.pending_triggers.len();
        self.statement_triggers(&p.table, TriggerEvent::Delete, TriggerTiming::Before)
            .await?;
        self.fk_defer = true;
        let r = self.delete_rows(p).await;
        self.fk_defer = false;
        let r = r?;
        self.statement_fk_checks().await?;
        self.after_statement(&p.table, TriggerEvent::Delete, mark)
            .await?;
        Ok(r)
    }

    async fn delete_rows(&mut self, p: &DeletePlan) -> SqlResult<(u64, Vec<Row>)> {
        if let Some(using) = &p.using {
            return self.delete_joined(p, using).await;
        }
        let targets = self
            .write_targets(
                &p.table,
                &p.access,
                p.filter.as_ref(),
                p.partitions.as_ref(),
            )
            .await?;
        let mut out = Vec::new();
        let mut n = 0;
        self.note_write(&p.table);
        for (leaf, key, row) in targets {
            let (t, filter) = match &p.partitions {
                Some(parts) => (
                    &parts.router.leaves[leaf].table,
                    parts.filters[leaf].as_ref(),
                ),
                None => (&p.table, p.filter.as_ref()),
            };
            self.note_write(t);
            let Some((key, old)) = self.lock_for_write(t, key, row, filter).await? else {
                continue;
            };
            let width = p.table.columns.len();
            let version = self.removed_version(&p.returning, &key, width).await?;
            if self
                .before_row_triggers(t, TriggerEvent::Delete, Some(&old), None, None)
                .await?
                .is_none()
            {
                continue;
            }
            self.delete_row(t, key, &old, 0).await?;
            self.queue_after_row(t, TriggerEvent::Delete, Some(&old), None, None);
            let old = match &p.partitions {
                Some(parts) => parts.router.leaves[leaf].to_target(old),
                None => old,
            };
            n += 1;
            self.returning(&p.returning, &old, t, version, &mut out)
                .await?;
        }
        Ok((n, out))
    }
}

/// The row version a RETURNING row shows `xmin` and `xmax` of.
#[derive(Clone, Copy)]
pub(super) enum ReturnedVersion {
    /// Written by this transaction (INSERT, UPDATE): xmax 0.
    Written,
    /// Deleted by this transaction, or locked by ON CONFLICT DO UPDATE
    /// (PostgreSQL then shows xmax = the own transaction too).
    Removed { xmin: u32 },
    /// None (PostgreSQL's virtual tuple): naming them fails.
    Unavailable,
}

/// Does the row of `leaf` differ in physical layout from `target`'s
/// (PostgreSQL converts such a row into the partition's own tuple)?
pub(super) fn converts(leaf: &crate::partition::Leaf, target: &TableDef) -> bool {
    leaf.to_leaf.is_some() || leaf.table.layout != target.layout
}

/// The version RETURNING shows for a row UPDATE moved from leaf `from` to
/// `to` of `target`'s tree: PostgreSQL has none when a row converted out of
/// its old partition is inserted unconverted into its new one.
pub(super) fn moved_version(
    parts: &PartitionTargets,
    target: &TableDef,
    from: usize,
    to: usize,
) -> ReturnedVersion {
    let leaves = &parts.router.leaves;
    if from != to && converts(&leaves[from], target) && !converts(&leaves[to], target) {
        ReturnedVersion::Unavailable
    } else {
        ReturnedVersion::Written
    }
}

impl Ctx<'_> {
    /// The version a DELETE removes, with its `xmin` read only when
    /// RETURNING (over rows `width` wide) names a row-version column.
    pub(super) async fn removed_version(
        &mut self,
        ret: &Option<(Vec<Expr>, Vec<OutColumn>)>,
        key: &[u8],
        width: usize,
    ) -> SqlResult<ReturnedVersion> {
        let Some((exprs, _)) = ret else {
            return Ok(ReturnedVersion::Removed { xmin: 0 });
        };
        if !exprs.iter().any(|e| reads_row_version(e, width)) {
            return Ok(ReturnedVersion::Removed { xmin: 0 });
        }
        let xmin = match self.get_latest(key).await? {
            Some(stored) => row_xmin(&stored)?,
            None => 0,
        };
        Ok(ReturnedVersion::Removed { xmin })
    }
}

/// Outcome of probing ON CONFLICT arbiters.
enum Conflict {
    None,
    Skipped,
    /// The existing row was updated (its key, its new value).
    Updated(Vec<u8>, Row),
}

/// The columns an INSERT supplies values for (PostgreSQL's inserted
/// columns), by name: what a role may see of a failing row without SELECT.
fn inserted_columns(p: &InsertPlan) -> Vec<String> {
    let supplied: Vec<usize> = match &p.source {
        InsertSource::Values(rows) => (0..p.table.columns.len())
            .filter(|&i| rows.iter().any(|r| r.get(i).is_some_and(Option::is_some)))
            .collect(),
        InsertSource::Query { targets, .. } => targets.clone(),
    };
    supplied
        .into_iter()
        .filter_map(|i| p.table.columns.get(i).map(|c| c.name.clone()))
        .collect()
}

/// A constraint error's "Failing row contains" detail, with the row shown as
/// `target_row` (a routed row in its statement target's column order).
fn in_target_order(e: SqlError, target_row: Option<&[Datum]>) -> SqlError {
    match target_row {
        Some(row)
            if e.detail
                .as_deref()
                .is_some_and(|d| d.starts_with("Failing row contains")) =>
        {
            SqlError {
                detail: Some(failing_row(row, 1)),
                ..e
            }
        }
        _ => e,
    }
}

fn failing_row(row: &[Datum], digits: i32) -> String {
    let vals: Vec<String> = row
        .iter()
        .map(|d| d.to_text(digits).unwrap_or_else(|| "null".into()))
        .collect();
    format!("Failing row contains ({}).", vals.join(", "))
}

/// A key expression's value: computed beforehand (`key_calls`; the same
/// expression, by address) or evaluated now.
pub(super) fn computed_or_eval(
    computed: &[(&Expr, Datum)],
    e: &Expr,
    row: &[Datum],
    env: &crate::eval::Env,
) -> SqlResult<Datum> {
    match computed.iter().find(|(c, _)| std::ptr::eq(*c, e)) {
        Some((_, v)) => Ok(v.clone()),
        None => eval(e, row, env),
    }
}
