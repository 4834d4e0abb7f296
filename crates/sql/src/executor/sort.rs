//! ORDER BY: a stable sort on the evaluated sort keys. Within work_mem it
//! sorts in memory; beyond it, it is an external merge sort: sorted runs of
//! at most work_mem each go to spill files, which are merged (at most
//! `MERGE_FAN_IN` at a time, adjacent runs together) back into one order.
//! Ties between runs go to the earlier run, so the result is exactly the
//! in-memory stable sort's.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::*;

use crate::spill::{row_bytes, SpillReader, SpillWriter};

/// Runs merged at once (each holds a file handle and a read buffer).
const MERGE_FAN_IN: usize = 64;

impl<'a> Ctx<'a> {
    pub(super) async fn sort(
        &mut self,
        rows: Vec<Row>,
        keys: &[SortKey],
        outer: &[Row],
    ) -> SqlResult<Vec<Row>> {
        let total = rows.len();
        let mut keyed = Vec::with_capacity(rows.len());
        let mut bytes = 0;
        let mut runs: Vec<SpillWriter> = Vec::new();
        for r in rows {
            let mut k = Vec::with_capacity(keys.len());
            for key in keys {
                k.push(self.eval_row(&key.expr, &r, outer).await?);
            }
            bytes += row_bytes(&k) + row_bytes(&r);
            keyed.push((k, r));
            if bytes > self.work_mem {
                runs.push(self.write_run(&mut keyed, keys)?);
                bytes = 0;
            }
        }
        keyed.sort_by(|(a, _), (b, _)| compare_sort_keys(a, b, keys));
        if runs.is_empty() {
            return Ok(keyed.into_iter().map(|(_, r)| r).collect());
        }
        if !keyed.is_empty() {
            runs.push(self.write_run(&mut keyed, keys)?);
        }
        tracing::debug!(
            rows = total,
            runs = runs.len(),
            work_mem = self.work_mem,
            "sort spilled to disk"
        );
        while runs.len() > MERGE_FAN_IN {
            let mut merged = Vec::with_capacity(runs.len().div_ceil(MERGE_FAN_IN));
            let mut rest = runs.into_iter().peekable();
            while rest.peek().is_some() {
                let group: Vec<SpillWriter> = rest.by_ref().take(MERGE_FAN_IN).collect();
                let mut out = self.engine.spill.create_file()?;
                merge_runs(group, keys, |kr| out.push(&kr))?;
                merged.push(out);
            }
            runs = merged;
        }
        let mut out = Vec::with_capacity(total);
        merge_runs(runs, keys, |mut kr| {
            out.push(kr.split_off(keys.len()));
            Ok(())
        })?;
        Ok(out)
    }

    /// Sorts `keyed` and writes it to a new run (each record: keys, then row).
    fn write_run(&self, keyed: &mut Vec<(Row, Row)>, keys: &[SortKey]) -> SqlResult<SpillWriter> {
        keyed.sort_by(|(a, _), (b, _)| compare_sort_keys(a, b, keys));
        let mut run = self.engine.spill.create_file()?;
        let mut record = Vec::new();
        for (k, r) in keyed.drain(..) {
            record.clear();
            record.extend(k);
            record.extend(r);
            run.push(&record)?;
        }
        Ok(run)
    }
}

/// One run's current record in the merge; ordered by its keys, then by run
/// (earlier runs first, which keeps the merge stable).
struct Head<'k> {
    record: Row,
    run: usize,
    keys: &'k [SortKey],
}

impl Ord for Head<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.keys.len();
        compare_sort_keys(&self.record[..n], &other.record[..n], self.keys)
            .then(self.run.cmp(&other.run))
    }
}

impl PartialOrd for Head<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head<'_> {}

/// Merges sorted runs (given in input order), passing each record to `emit`.
fn merge_runs(
    runs: Vec<SpillWriter>,
    keys: &[SortKey],
    mut emit: impl FnMut(Row) -> SqlResult<()>,
) -> SqlResult<()> {
    let mut readers: Vec<SpillReader> = runs
        .into_iter()
        .map(SpillWriter::into_reader)
        .collect::<SqlResult<_>>()?;
    let mut heap = BinaryHeap::with_capacity(readers.len());
    for (run, reader) in readers.iter_mut().enumerate() {
        if let Some(record) = reader.next_row()? {
            check_record(&record, keys)?;
            heap.push(Reverse(Head { record, run, keys }));
        }
    }
    while let Some(Reverse(head)) = heap.pop() {
        if let Some(record) = readers[head.run].next_row()? {
            check_record(&record, keys)?;
            heap.push(Reverse(Head {
                record,
                run: head.run,
                keys,
            }));
        }
        emit(head.record)?;
    }
    Ok(())
}

fn check_record(record: &[Datum], keys: &[SortKey]) -> SqlResult<()> {
    if record.len() < keys.len() {
        return Err(SqlError::internal(
            "spilled sort record shorter than its keys",
        ));
    }
    Ok(())
}

/// ORDER BY comparison of two rows' evaluated sort keys.
pub(super) fn compare_sort_keys(a: &[Datum], b: &[Datum], keys: &[SortKey]) -> Ordering {
    for (i, key) in keys.iter().enumerate() {
        let (x, y) = (&a[i], &b[i]);
        let c = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if key.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if key.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            _ => {
                let c = compare(x, y, key.expr.ty().ty);
                if key.desc {
                    c.reverse()
                } else {
                    c
                }
            }
        };
        if c != Ordering::Equal {
            return c;
        }
    }
    Ordering::Equal
}
