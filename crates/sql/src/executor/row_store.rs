//! A row store within work_mem: rows are kept in memory until they take
//! work_mem, and every later row goes to a spill file, so the store holds at
//! most work_mem whatever it is given. It is read in the order written
//! (the in-memory prefix, then the file) and can be read again from the
//! start any number of times: what a nested loop's inner side, a WITH
//! RECURSIVE working table and the source rows of INSERT ... SELECT need
//! (PostgreSQL's tuplestore). Small inputs never touch the file.

use super::stream::{Batch, BATCH_ROWS};
use super::Row;
use crate::error::SqlResult;
use crate::spill::{row_bytes, SpillDir, SpillReader, SpillWriter};

pub(crate) struct RowStore {
    /// The first rows, while they fit in the budget.
    memory: Vec<Row>,
    memory_bytes: usize,
    budget: usize,
    file: SpillFile,
    len: usize,
    /// In-memory size of every row stored, spilled ones included.
    total_bytes: usize,
}

enum SpillFile {
    None,
    Writing(SpillWriter),
    Reading(SpillReader),
}

impl RowStore {
    /// An empty store that keeps at most `budget` bytes of rows in memory.
    pub(crate) fn new(budget: usize) -> RowStore {
        RowStore {
            memory: Vec::new(),
            memory_bytes: 0,
            budget: budget.max(1),
            file: SpillFile::None,
            len: 0,
            total_bytes: 0,
        }
    }

    /// Appends a row; past the budget it goes to a spill file (created in
    /// `spill` on first need). Rows can no longer be added once the store
    /// has been read.
    pub(crate) fn push(&mut self, spill: &SpillDir, row: Row) -> SqlResult<()> {
        self.len += 1;
        let bytes = row_bytes(&row);
        self.total_bytes += bytes;
        match &mut self.file {
            SpillFile::Writing(w) => return w.push(&row),
            SpillFile::Reading(_) => {
                return Err(crate::error::SqlError::internal(
                    "a row added to a row store being read",
                ))
            }
            SpillFile::None => {}
        }
        if self.memory_bytes + bytes <= self.budget || self.memory.is_empty() {
            self.memory_bytes += bytes;
            self.memory.push(row);
            return Ok(());
        }
        let mut w = spill.create_file()?;
        w.push(&row)?;
        tracing::debug!(
            memory_rows = self.memory.len(),
            budget = self.budget,
            "row store spilled to disk"
        );
        self.file = SpillFile::Writing(w);
        Ok(())
    }

    /// Rows stored.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether some rows are in a spill file.
    pub(crate) fn spilled(&self) -> bool {
        !matches!(self.file, SpillFile::None)
    }

    /// The rows held in memory (all of them unless `spilled`), in order.
    pub(crate) fn memory_rows(&self) -> &[Row] {
        &self.memory
    }

    /// Every row, when none spilled (`spilled` is false); else only the
    /// in-memory prefix.
    pub(crate) fn into_memory_rows(self) -> Vec<Row> {
        self.memory
    }

    /// In-memory size of all the rows stored, spilled ones included.
    pub(crate) fn total_bytes(&self) -> usize {
        self.total_bytes
    }

    /// Bytes of the rows held in memory.
    #[cfg(test)]
    pub(crate) fn memory_bytes(&self) -> usize {
        self.memory_bytes
    }

    /// Positions the spilled rows (those after `memory_rows`) at their
    /// first for `next_spilled`.
    pub(crate) fn rewind_spilled(&mut self) -> SqlResult<()> {
        self.file = match std::mem::replace(&mut self.file, SpillFile::None) {
            SpillFile::None => SpillFile::None,
            SpillFile::Writing(w) => SpillFile::Reading(w.into_reader()?),
            SpillFile::Reading(mut r) => {
                r.rewind()?;
                SpillFile::Reading(r)
            }
        };
        Ok(())
    }

    /// The next spilled row after `rewind_spilled`; None at the end (or if
    /// nothing spilled).
    pub(crate) fn next_spilled(&mut self) -> SqlResult<Option<Row>> {
        match &mut self.file {
            SpillFile::Reading(r) => r.next_row(),
            SpillFile::None => Ok(None),
            SpillFile::Writing(_) => Err(crate::error::SqlError::internal(
                "a row store read before rewind_spilled",
            )),
        }
    }
}

impl RowStore {
    /// The rows, moved out one at a time in order (a single pass).
    pub(crate) fn into_rows(mut self) -> SqlResult<RowStoreDrain> {
        self.rewind_spilled()?;
        let spilled = match self.file {
            SpillFile::Reading(r) => Some(r),
            SpillFile::None | SpillFile::Writing(_) => None,
        };
        Ok(RowStoreDrain {
            memory: self.memory.into_iter(),
            spilled,
        })
    }
}

/// A store's rows, moved out in order.
pub(crate) struct RowStoreDrain {
    memory: std::vec::IntoIter<Row>,
    spilled: Option<SpillReader>,
}

impl RowStoreDrain {
    pub(crate) fn next_row(&mut self) -> SqlResult<Option<Row>> {
        if let Some(r) = self.memory.next() {
            return Ok(Some(r));
        }
        match &mut self.spilled {
            Some(reader) => reader.next_row(),
            None => Ok(None),
        }
    }
}

/// A pass over a `RowStore` from its first row, a batch at a time.
#[derive(Default)]
pub(crate) struct RowStoreScan {
    /// Position in the store.
    next: usize,
}

impl RowStoreScan {
    pub(crate) fn new() -> RowStoreScan {
        RowStoreScan::default()
    }

    /// The next rows (at most BATCH_ROWS), None at the end.
    pub(crate) fn next_batch(&mut self, store: &mut RowStore) -> SqlResult<Option<Batch>> {
        let mut batch = Vec::new();
        let in_memory = store.memory.len();
        if self.next < in_memory {
            let end = in_memory.min(self.next + BATCH_ROWS);
            batch.extend_from_slice(&store.memory[self.next..end]);
            self.next = end;
        }
        if self.next == in_memory && batch.len() < BATCH_ROWS && store.spilled() {
            store.rewind_spilled()?;
        }
        while batch.len() < BATCH_ROWS && self.next >= in_memory && self.next < store.len {
            match store.next_spilled()? {
                Some(r) => batch.push(r),
                None => {
                    return Err(crate::error::SqlError::internal(
                        "a row store's spill file ended early",
                    ))
                }
            }
            self.next += 1;
        }
        Ok((!batch.is_empty()).then_some(batch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datum::Datum;

    fn row(i: i32) -> Row {
        vec![Datum::Int4(i), Datum::Text(format!("row {i}"))]
    }

    fn read_all(store: &mut RowStore) -> Vec<Row> {
        let mut scan = RowStoreScan::new();
        let mut out = Vec::new();
        while let Some(b) = scan.next_batch(store).unwrap() {
            out.extend(b);
        }
        out
    }

    #[test]
    fn rows_past_the_budget_spill_and_read_back_in_order_again_and_again() {
        let dir = std::env::temp_dir().join(format!("borealis-rowstore-{}", std::process::id()));
        let spill = SpillDir::new(dir);
        let mut store = RowStore::new(1000);
        let n = 3000;
        for i in 0..n {
            store.push(&spill, row(i)).unwrap();
        }
        assert!(store.spilled());
        assert!(store.memory_bytes() <= 1000);
        assert_eq!(store.len(), n as usize);
        let expected: Vec<Row> = (0..n).map(row).collect();
        assert_eq!(read_all(&mut store), expected);
        assert_eq!(read_all(&mut store), expected, "a second pass");
        assert_eq!(spill.files_created(), 1);
        let mut drain = store.into_rows().unwrap();
        let mut moved = Vec::new();
        while let Some(r) = drain.next_row().unwrap() {
            moved.push(r);
        }
        assert_eq!(moved, expected);
    }

    #[test]
    fn a_small_store_stays_in_memory() {
        let spill = SpillDir::new(std::env::temp_dir().join("borealis-rowstore-unused"));
        let mut store = RowStore::new(1 << 20);
        for i in 0..10 {
            store.push(&spill, row(i)).unwrap();
        }
        assert!(!store.spilled());
        assert_eq!(store.memory_rows().len(), 10);
        assert_eq!(read_all(&mut store).len(), 10);
        assert_eq!(spill.files_created(), 0);
    }
}
