//! Table scans: resolving an `Access` to the keys or key range it reads,
//! and the streaming scan operator, which reads a range one store page
//! (`SCAN_ROWS_MAX` entries) at a time with the transaction's own pending
//! writes for that page's key range merged in, so a scan holds one page
//! whatever the table's size.

use std::collections::VecDeque;

use super::stream::{Batch, BATCH_ROWS};
use super::*;

/// What an `Access` reads, its expressions evaluated.
pub(crate) enum KeyRange {
    /// Nothing (a NULL key value).
    Empty,
    /// These primary keys, each one `get`.
    Keys(Vec<Vec<u8>>),
    /// Primary-index entries in [start, end).
    Primary { start: Vec<u8>, end: Vec<u8> },
    /// Secondary-index entries in [start, end), each pointing at its row.
    Index { start: Vec<u8>, end: Vec<u8> },
}

impl<'a> Ctx<'a> {
    /// Appends the values of `exprs` to `key`, the i-th as key column type
    /// `type_of(i)` (the key has no more columns where it is None); false
    /// when one is NULL, which no key holds (the lookup finds nothing).
    async fn append_key_values(
        &mut self,
        key: &mut Vec<u8>,
        exprs: &[Expr],
        type_of: impl Fn(usize) -> Option<SqlType> + Send + Sync,
        outer: &[Row],
    ) -> SqlResult<bool> {
        for (i, e) in exprs.iter().enumerate() {
            let Some(t) = type_of(i) else { break };
            let d = self.eval_row(e, &[], outer).await?;
            if d.is_null() {
                return Ok(false);
            }
            encode_key_into(key, &d, t);
        }
        Ok(true)
    }

    /// `base` with a range bound's value appended (None: the value is NULL).
    async fn bound_key(
        &mut self,
        base: &[u8],
        e: &Expr,
        t: SqlType,
        outer: &[Row],
    ) -> SqlResult<Option<Vec<u8>>> {
        let mut key = base.to_vec();
        let found = self
            .append_key_values(&mut key, std::slice::from_ref(e), |_| Some(t), outer)
            .await?;
        Ok(found.then_some(key))
    }

    /// Evaluates the key expressions of `access` into the range it reads.
    pub(crate) async fn key_range(
        &mut self,
        table: &TableDef,
        access: &Access,
        outer: &[Row],
    ) -> SqlResult<KeyRange> {
        let prefix = index_prefix(table.id, PRIMARY_INDEX);
        let key_types: Vec<SqlType> = table
            .primary_key
            .as_ref()
            .map(|pk| pk.columns.iter().map(|c| table.columns[*c].ty.ty).collect())
            .unwrap_or_default();
        let key_type = |i: usize| key_types.get(i).copied();
        Ok(match access {
            Access::Full => KeyRange::Primary {
                end: prefix_end(&prefix),
                start: prefix,
            },
            Access::Point(exprs) => {
                let mut key = prefix.clone();
                if !self
                    .append_key_values(&mut key, exprs, key_type, outer)
                    .await?
                {
                    return Ok(KeyRange::Empty);
                }
                KeyRange::Keys(vec![key])
            }
            Access::Index {
                index_id,
                prefix: eqs,
            } => {
                let Some(idx) = table
                    .unique
                    .iter()
                    .chain(table.indexes.iter())
                    .find(|i| i.id == *index_id)
                else {
                    return Err(SqlError::internal("index vanished from its table"));
                };
                let mut start = index_prefix(table.id, idx.id);
                // An expression key is encoded as its expression's type.
                let bound = if idx.exprs.is_empty() {
                    None
                } else {
                    Some(self.bound_index(table, idx)?)
                };
                let key_types: Vec<Option<SqlType>> = (0..idx.columns.len())
                    .map(|i| {
                        let expr = bound
                            .as_ref()
                            .and_then(|b| b.keys.get(i))
                            .and_then(Option::as_ref);
                        match expr {
                            Some(e) => Some(e.ty().ty),
                            None => idx
                                .columns
                                .get(i)
                                .and_then(|c| table.columns.get(*c))
                                .map(|c| c.ty.ty),
                        }
                    })
                    .collect();
                let column_type = |i: usize| key_types.get(i).copied().flatten();
                if !self
                    .append_key_values(&mut start, eqs, column_type, outer)
                    .await?
                {
                    return Ok(KeyRange::Empty);
                }
                KeyRange::Index {
                    end: prefix_end(&start),
                    start,
                }
            }
            Access::Points(keys) => {
                let mut encoded = std::collections::BTreeSet::new();
                for exprs in keys {
                    let mut key = prefix.clone();
                    if self
                        .append_key_values(&mut key, exprs, key_type, outer)
                        .await?
                    {
                        encoded.insert(key);
                    }
                }
                KeyRange::Keys(encoded.into_iter().collect())
            }
            Access::Range {
                prefix: eqs,
                lower,
                upper,
            } => {
                let mut base = prefix.clone();
                if !self
                    .append_key_values(&mut base, eqs, key_type, outer)
                    .await?
                {
                    return Ok(KeyRange::Empty);
                }
                let t = key_types
                    .get(eqs.len())
                    .copied()
                    .unwrap_or(SqlType::Unknown);
                // Each bound is the prefix plus its value; an exclusive lower
                // bound and an inclusive upper one start past every key
                // extending it.
                let start = match lower {
                    Some((e, inclusive)) => match self.bound_key(&base, e, t, outer).await? {
                        None => return Ok(KeyRange::Empty),
                        Some(k) if *inclusive => k,
                        Some(k) => prefix_end(&k),
                    },
                    None => base.clone(),
                };
                let end = match upper {
                    Some((e, inclusive)) => match self.bound_key(&base, e, t, outer).await? {
                        None => return Ok(KeyRange::Empty),
                        Some(k) if *inclusive => prefix_end(&k),
                        Some(k) => k,
                    },
                    None => prefix_end(&base),
                };
                KeyRange::Primary { start, end }
            }
        })
    }

    /// One page of [cursor, end) at the snapshot, overlaid with this
    /// transaction's writes in the key range the page covers, and where the
    /// next page starts (None after the last).
    /// Bytes of the keys and values stored in `ranges` as this statement
    /// sees them (pg_relation_size and friends).
    pub(crate) async fn stored_bytes(
        &self,
        ranges: &[crate::relation_size::KeyRange],
    ) -> SqlResult<i64> {
        let mut total: i64 = 0;
        // Each range is one relation (or the whole database): its bytes
        // are reported in whole pages (`crate::relation_size`).
        for (start, end) in ranges {
            let mut bytes: i64 = 0;
            // A toast relation is measured through its table's rows'
            // pointers: its chunks are not read.
            let toast_of = crate::toast::table_of_toast_range(start, end);
            let (start, end) = match toast_of {
                Some(id) => {
                    let rows = index_prefix(id, PRIMARY_INDEX);
                    let rows_end = prefix_end(&rows);
                    (rows, rows_end)
                }
                None => (start.clone(), end.clone()),
            };
            let mut cursor = Some(start);
            while let Some(from) = cursor {
                let (page, next) = self.scan_page(&from, &end).await?;
                for (k, v) in &page {
                    let stored = match toast_of {
                        Some(id) => crate::toast::stored_chunk_bytes(id, v)? as i64,
                        None => (k.len() + v.len()) as i64,
                    };
                    bytes = bytes.saturating_add(stored);
                }
                cursor = next;
                super::cooperate().await;
            }
            total = total.saturating_add(crate::relation_size::whole_pages(bytes));
        }
        Ok(total)
    }

    pub(crate) async fn scan_page(
        &self,
        cursor: &[u8],
        end: &[u8],
    ) -> SqlResult<(Vec<(Vec<u8>, Vec<u8>)>, Option<Vec<u8>>)> {
        let page = self
            .engine
            .store
            .scan(cursor, end, self.snapshot, SCAN_ROWS_MAX)
            .await?;
        let next = match page.last() {
            Some((last, _)) if page.len() >= SCAN_ROWS_MAX => {
                let mut next = last.clone();
                next.push(0);
                Some(next)
            }
            _ => None,
        };
        // The page covers [cursor, next): writes beyond it belong to later pages.
        let covered_end = next.as_deref().unwrap_or(end);
        if cursor >= covered_end {
            return Ok((page, next));
        }
        let mut overlay = self
            .visible_writes()
            .range(cursor.to_vec()..covered_end.to_vec())
            .peekable();
        if overlay.peek().is_none() {
            return Ok((page, next));
        }
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = page.into_iter().collect();
        for (k, v) in overlay {
            match v {
                Some(v) => merged.insert(k.clone(), v.clone()),
                None => merged.remove(k),
            };
        }
        Ok((merged.into_iter().collect(), next))
    }
}

/// The streaming scan of one table.
pub(crate) struct ScanOp {
    table: Arc<TableDef>,
    access: Access,
    filter: Option<Expr>,
    lock: bool,
    /// Append each row version's `xmin` and `xmax` to its row.
    row_versions: bool,
    state: ScanState,
    /// For a table keyed by hidden row ids: the key of the newest row id
    /// handed out when the scan began. A row past it was written after that
    /// (by this transaction: others' are not in the snapshot), so the scan
    /// skips it, as a PostgreSQL scan does not see what its own transaction
    /// writes after the scan's command began: a cursor must not meet again,
    /// at the end of the table, a row its transaction updated meanwhile.
    last_row_key: Option<Vec<u8>>,
}

enum ScanState {
    Start,
    /// Paging a range; `lookup` when its entries are index entries whose
    /// values are the rows' primary keys.
    Range {
        cursor: Option<Vec<u8>>,
        end: Vec<u8>,
        lookup: bool,
        page: VecDeque<(Vec<u8>, Vec<u8>)>,
    },
    /// Primary keys to get, in order.
    Keys(std::vec::IntoIter<Vec<u8>>),
    Done,
}

impl ScanOp {
    pub(crate) fn new(
        table: Arc<TableDef>,
        access: Access,
        filter: Option<Expr>,
        lock: bool,
        row_versions: bool,
    ) -> ScanOp {
        ScanOp {
            table,
            access,
            filter,
            lock,
            row_versions,
            state: ScanState::Start,
            last_row_key: None,
        }
    }

    pub(crate) async fn next_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
    ) -> SqlResult<Option<Batch>> {
        if let ScanState::Start = self.state {
            self.last_row_key = last_row_key(ctx, &self.table);
            self.state = match ctx.key_range(&self.table, &self.access, outer).await? {
                KeyRange::Empty => ScanState::Done,
                KeyRange::Keys(keys) => ScanState::Keys(keys.into_iter()),
                KeyRange::Primary { start, end } => ScanState::Range {
                    cursor: Some(start),
                    end,
                    lookup: false,
                    page: VecDeque::new(),
                },
                KeyRange::Index { start, end } => ScanState::Range {
                    cursor: Some(start),
                    end,
                    lookup: true,
                    page: VecDeque::new(),
                },
            };
        }
        loop {
            let mut raw: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            match &mut self.state {
                ScanState::Start | ScanState::Done => return Ok(None),
                ScanState::Keys(keys) => {
                    for key in keys.by_ref().take(BATCH_ROWS) {
                        if let Some(v) = ctx.get_at(&key, ctx.snapshot).await? {
                            raw.push((key, v));
                        }
                    }
                    if raw.is_empty() {
                        self.state = ScanState::Done;
                        return Ok(None);
                    }
                }
                ScanState::Range {
                    cursor,
                    end,
                    lookup,
                    page,
                } => {
                    if page.is_empty() {
                        let Some(from) = cursor.take() else {
                            self.state = ScanState::Done;
                            return Ok(None);
                        };
                        let (entries, next) = ctx.scan_page(&from, end).await?;
                        *cursor = next;
                        page.extend(entries);
                        if page.is_empty() {
                            continue;
                        }
                    }
                    let n = page.len().min(BATCH_ROWS);
                    for (k, v) in page.drain(..n) {
                        if !*lookup {
                            raw.push((k, v));
                        } else if let Some(row) = ctx.get_at(&v, ctx.snapshot).await? {
                            raw.push((v, row));
                        }
                    }
                }
            }
            let mut out = Vec::with_capacity(raw.len());
            for (k, v) in raw {
                if self.last_row_key.as_ref().is_some_and(|last| k > *last) {
                    continue;
                }
                let row = self.decode(ctx, &k, &v, ctx.snapshot).await?;
                if let Some(f) = &self.filter {
                    if !ctx.predicate(f, &row, outer).await? {
                        continue;
                    }
                }
                if !self.lock {
                    out.push(row);
                } else if !self.row_versions {
                    if let Some((key, r)) = ctx
                        .lock_for_write(&self.table, k, row, self.filter.as_ref())
                        .await?
                    {
                        ctx.txn.row_locks.insert(key);
                        out.push(r);
                    }
                } else if let Some(r) = self.lock_version(ctx, k, row, outer).await? {
                    out.push(r);
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
    }
}

impl ScanOp {
    /// A stored row (at `key`) in the table's columns, then its version's
    /// `xmin` and `xmax` if the scan adds them (`Ctx::row_xmax`).
    /// Toasted values are read at `at`, where the row was read.
    async fn decode(&self, ctx: &Ctx<'_>, key: &[u8], value: &[u8], at: Lsn) -> SqlResult<Row> {
        let mut row = if value.first() == Some(&crate::encoding::ROW_FORMAT_TOASTED) {
            fill_row(
                ctx.detoasted(self.table.id, value, at).await?.0,
                &self.table,
            )?
        } else {
            fill_row(decode_row(value)?, &self.table)?
        };
        if self.row_versions {
            row.push(Datum::Int8(i64::from(row_xmin(value)?)));
            row.push(Datum::Int8(i64::from(ctx.row_xmax(key))));
        }
        Ok(row)
    }

    /// FOR UPDATE/SHARE with `xmin`/`xmax`: locks the row, then returns the
    /// version it locked (under READ COMMITTED maybe newer than the one
    /// scanned) with that version's own `xmin`, if the filter still holds.
    async fn lock_version(
        &self,
        ctx: &mut Ctx<'_>,
        key: Vec<u8>,
        mut row: Row,
        outer: &[Row],
    ) -> SqlResult<Option<Row>> {
        row.truncate(self.table.columns.len());
        let Some((key, _)) = ctx.lock_for_write(&self.table, key, row, None).await? else {
            return Ok(None);
        };
        let Some(value) = ctx.get_latest(&key).await? else {
            return Ok(None);
        };
        // `xmax` as the scan saw it, before this lock (as PostgreSQL, which
        // reads it before locking).
        let at = ctx.engine.store.read_point();
        let row = self.decode(ctx, &key, &value, at).await?;
        ctx.txn.row_locks.insert(key);
        if let Some(f) = &self.filter {
            if !ctx.predicate(f, &row, outer).await? {
                return Ok(None);
            }
        }
        Ok(Some(row))
    }
}

/// The key of the newest row id of `table` handed out so far (None: the
/// table is keyed by its primary key, or has no row id yet).
fn last_row_key(ctx: &Ctx<'_>, table: &TableDef) -> Option<Vec<u8>> {
    if table.primary_key.is_some() {
        return None;
    }
    let seq = table.rowid_sequence.as_deref()?;
    let (state, _) = ctx.engine.sequences.peek(seq).ok()?;
    let last = if state.is_called {
        state.last
    } else {
        state.last.checked_sub(1)?
    };
    let mut key = index_prefix(table.id, PRIMARY_INDEX);
    encode_key_into(&mut key, &Datum::Int8(last), SqlType::Int8);
    Some(key)
}
