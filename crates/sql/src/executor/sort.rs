//! ORDER BY: a stable sort on the evaluated sort keys, consuming its input
//! batch by batch. Within work_mem it sorts in memory; beyond it, it is an
//! external merge sort: sorted runs of at most work_mem each go to spill
//! files, which are merged (at most `MERGE_FAN_IN` at a time, adjacent runs
//! together) until one streaming merge can produce the output. Ties between
//! runs go to the earlier run, so the result is exactly the in-memory
//! stable sort's.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::stream::{take_batch, Batch, Op, BATCH_ROWS};
use super::*;

use crate::spill::{row_bytes, SpillReader, SpillWriter};

/// Runs merged at once (each holds a file handle and a read buffer).
const MERGE_FAN_IN: usize = 64;

pub(crate) struct SortOp {
    input: Op,
    keys: Arc<Vec<SortKey>>,
    state: SortState,
    /// Under a LIMIT: only this many first rows are wanted (top-N sort).
    bound: Option<usize>,
}

enum SortState {
    Input,
    /// Sorted in memory: (keys, row) in order.
    Sorted(std::vec::IntoIter<Row>),
    Merging(Merge),
    Done,
}

impl SortOp {
    pub(crate) fn new(input: Op, keys: Vec<SortKey>) -> SortOp {
        SortOp {
            input,
            keys: Arc::new(keys),
            state: SortState::Input,
            bound: None,
        }
    }

    /// Only the first `rows` rows will be read (LIMIT + OFFSET): the sort
    /// keeps at most twice that many in memory instead of all its input.
    pub(crate) fn set_bound(&mut self, rows: usize) {
        self.bound = Some(rows);
    }

    pub(crate) async fn next_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
    ) -> SqlResult<Option<Batch>> {
        if let SortState::Input = self.state {
            self.state = self.consume(ctx, outer).await?;
        }
        match &mut self.state {
            SortState::Input | SortState::Done => Ok(None),
            SortState::Sorted(rows) => Ok(take_batch(rows)),
            SortState::Merging(merge) => {
                let mut out = Vec::with_capacity(BATCH_ROWS);
                while out.len() < BATCH_ROWS {
                    let Some(mut record) = merge.next_record()? else {
                        break;
                    };
                    out.push(record.split_off(self.keys.len()));
                }
                if out.is_empty() {
                    self.state = SortState::Done;
                    return Ok(None);
                }
                Ok(Some(out))
            }
        }
    }

    /// Reads the whole input: sorted in memory, or into sorted runs merged
    /// down to at most MERGE_FAN_IN.
    async fn consume(&mut self, ctx: &mut Ctx<'_>, outer: &[Row]) -> SqlResult<SortState> {
        let keys = self.keys.clone();
        let mut keyed: Vec<(Row, Row)> = Vec::new();
        let mut bytes = 0;
        let mut total = 0usize;
        let mut runs: Vec<SpillWriter> = Vec::new();
        while let Some(batch) = self.input.next_batch(ctx, outer).await? {
            for r in batch {
                let mut k = Vec::with_capacity(keys.len());
                for key in keys.iter() {
                    k.push(ctx.eval_row(&key.expr, &r, outer).await?);
                }
                bytes += row_bytes(&k) + row_bytes(&r);
                keyed.push((k, r));
                total += 1;
                if let Some(n) = self
                    .bound
                    .filter(|n| keyed.len() >= n.saturating_mul(2).max(1))
                {
                    // Top-N: rows past the first n in order can never be returned. The sort
                    // is stable and the kept rows precede the new ones, so ties keep input order.
                    keyed.sort_by(|(a, _), (b, _)| compare_sort_keys(a, b, &keys));
                    keyed.truncate(n);
                    bytes = keyed.iter().map(|(k, r)| row_bytes(k) + row_bytes(r)).sum();
                }
                if bytes > ctx.work_mem {
                    runs.push(write_run(ctx, &mut keyed, &keys)?);
                    bytes = 0;
                }
            }
        }
        keyed.sort_by(|(a, _), (b, _)| compare_sort_keys(a, b, &keys));
        if let Some(n) = self.bound {
            keyed.truncate(n);
        }
        if runs.is_empty() {
            let rows: Vec<Row> = keyed.into_iter().map(|(_, r)| r).collect();
            return Ok(SortState::Sorted(rows.into_iter()));
        }
        if !keyed.is_empty() {
            runs.push(write_run(ctx, &mut keyed, &keys)?);
        }
        tracing::debug!(
            rows = total,
            runs = runs.len(),
            work_mem = ctx.work_mem,
            "sort spilled to disk"
        );
        while runs.len() > MERGE_FAN_IN {
            let mut merged = Vec::with_capacity(runs.len().div_ceil(MERGE_FAN_IN));
            let mut rest = runs.into_iter().peekable();
            while rest.peek().is_some() {
                let group: Vec<SpillWriter> = rest.by_ref().take(MERGE_FAN_IN).collect();
                let mut out = ctx.engine.spill.create_file()?;
                let mut merge = Merge::new(group, keys.clone())?;
                while let Some(record) = merge.next_record()? {
                    out.push(&record)?;
                }
                merged.push(out);
            }
            runs = merged;
        }
        Ok(SortState::Merging(Merge::new(runs, keys)?))
    }
}

/// Sorts `keyed` and writes it to a new run (each record: keys, then row).
fn write_run(
    ctx: &Ctx<'_>,
    keyed: &mut Vec<(Row, Row)>,
    keys: &[SortKey],
) -> SqlResult<SpillWriter> {
    keyed.sort_by(|(a, _), (b, _)| compare_sort_keys(a, b, keys));
    let mut run = ctx.engine.spill.create_file()?;
    let mut record = Vec::new();
    for (k, r) in keyed.drain(..) {
        record.clear();
        record.extend(k);
        record.extend(r);
        run.push(&record)?;
    }
    Ok(run)
}

/// One run's current record in the merge; ordered by its keys, then by run
/// (earlier runs first, which keeps the merge stable).
struct Head {
    record: Row,
    run: usize,
    keys: Arc<Vec<SortKey>>,
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.keys.len();
        compare_sort_keys(&self.record[..n], &other.record[..n], &self.keys)
            .then(self.run.cmp(&other.run))
    }
}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

/// A streaming merge of sorted runs (given in input order): each call
/// returns the next record (keys, then row).
struct Merge {
    readers: Vec<SpillReader>,
    heap: BinaryHeap<Reverse<Head>>,
    keys: Arc<Vec<SortKey>>,
}

impl Merge {
    fn new(runs: Vec<SpillWriter>, keys: Arc<Vec<SortKey>>) -> SqlResult<Merge> {
        let mut readers: Vec<SpillReader> = runs
            .into_iter()
            .map(SpillWriter::into_reader)
            .collect::<SqlResult<_>>()?;
        let mut heap = BinaryHeap::with_capacity(readers.len());
        for (run, reader) in readers.iter_mut().enumerate() {
            if let Some(record) = reader.next_row()? {
                check_record(&record, &keys)?;
                heap.push(Reverse(Head {
                    record,
                    run,
                    keys: keys.clone(),
                }));
            }
        }
        Ok(Merge {
            readers,
            heap,
            keys,
        })
    }

    fn next_record(&mut self) -> SqlResult<Option<Row>> {
        let Some(Reverse(head)) = self.heap.pop() else {
            return Ok(None);
        };
        if let Some(record) = self.readers[head.run].next_row()? {
            check_record(&record, &self.keys)?;
            self.heap.push(Reverse(Head {
                record,
                run: head.run,
                keys: self.keys.clone(),
            }));
        }
        Ok(Some(head.record))
    }
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
