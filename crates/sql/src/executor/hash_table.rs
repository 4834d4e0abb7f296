//! The hash join's in-memory side: rows with their encoded join keys, and
//! the hash table over them. The keys lie back to back in one buffer (no
//! allocation per row), and the table is open addressing over row
//! indexes: a slot holds a key's hash and its first and last row, and each
//! row links to the next row of the same key, so a key's matches come out
//! in row order with no vector per key. (A `HashMap<Vec<u8>, _>` cost a key
//! allocation per row and a quarter of a 1M-row join.)

use std::hash::BuildHasher;

use super::fast_hash::FastHash;
use super::Row;
use crate::error::SqlResult;
use crate::spill::SpillReader;

/// Rows with their encoded keys, in the order added.
#[derive(Default)]
pub(super) struct KeyedRows {
    keys: Vec<u8>,
    /// Where each row's key ends in `keys` (it starts where the previous ends).
    key_ends: Vec<usize>,
    rows: Vec<Row>,
}

impl KeyedRows {
    pub(super) fn push(&mut self, key: &[u8], row: Row) {
        self.keys.extend_from_slice(key);
        self.key_ends.push(self.keys.len());
        self.rows.push(row);
    }

    /// Appends the next keyed record of a spill file (false at its end).
    pub(super) fn push_spilled(&mut self, file: &mut SpillReader) -> SqlResult<bool> {
        let Some(row) = file.next_keyed(&mut self.keys)? else {
            return Ok(false);
        };
        self.key_ends.push(self.keys.len());
        self.rows.push(row);
        Ok(true)
    }

    /// Every keyed record of a spill file written by `SpillWriter::push_keyed`.
    pub(super) fn read_spilled(mut file: SpillReader) -> SqlResult<KeyedRows> {
        let mut keyed = KeyedRows::default();
        while keyed.push_spilled(&mut file)? {}
        Ok(keyed)
    }

    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub(super) fn key(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.key_ends[i - 1] };
        &self.keys[start..self.key_ends[i]]
    }

    pub(super) fn row(&self, i: usize) -> &Row {
        &self.rows[i]
    }

    /// Calls `f` with each key and row, handing the rows over.
    pub(super) fn for_each_owned(
        self,
        mut f: impl FnMut(&[u8], Row) -> SqlResult<()>,
    ) -> SqlResult<()> {
        let mut start = 0;
        for (end, row) in self.key_ends.iter().zip(self.rows) {
            f(&self.keys[start..*end], row)?;
            start = *end;
        }
        Ok(())
    }

    pub(super) fn into_rows(self) -> Vec<Row> {
        self.rows
    }
}

/// A hash table over the keys of a [`KeyedRows`] (built from it, probed
/// with it).
pub(super) struct RowTable {
    /// Power-of-two many; at most half of them used.
    slots: Vec<Slot>,
    /// Each row's next row of the same key.
    next: Vec<usize>,
}

#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    /// The key's first row (`NO_ROW`: the slot is free) and last row.
    first: usize,
    last: usize,
}

/// No row: a free slot, the end of a key's chain.
const NO_ROW: usize = usize::MAX;

const FREE: Slot = Slot {
    hash: 0,
    first: NO_ROW,
    last: NO_ROW,
};

fn hash_key(key: &[u8]) -> u64 {
    FastHash::default().hash_one(key)
}

impl RowTable {
    pub(super) fn build(rows: &KeyedRows) -> RowTable {
        let capacity = (rows.len() * 2).max(8).next_power_of_two();
        let mask = capacity - 1;
        let mut slots = vec![FREE; capacity];
        let mut next = vec![NO_ROW; rows.len()];
        for i in 0..rows.len() {
            let key = rows.key(i);
            let hash = hash_key(key);
            let mut at = hash as usize & mask;
            loop {
                let slot = &mut slots[at];
                if slot.first == NO_ROW {
                    *slot = Slot {
                        hash,
                        first: i,
                        last: i,
                    };
                    break;
                }
                if slot.hash == hash && rows.key(slot.first) == key {
                    next[slot.last] = i;
                    slot.last = i;
                    break;
                }
                at = (at + 1) & mask;
            }
        }
        RowTable { slots, next }
    }

    /// The indexes of the rows of `rows` (what the table was built from)
    /// whose key is `key`, in row order.
    pub(super) fn matches<'t>(
        &'t self,
        rows: &'t KeyedRows,
        key: &[u8],
    ) -> impl Iterator<Item = usize> + 't {
        let hash = hash_key(key);
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        let mut row = loop {
            let slot = self.slots[at];
            if slot.first == NO_ROW {
                break NO_ROW;
            }
            if slot.hash == hash && rows.key(slot.first) == key {
                break slot.first;
            }
            at = (at + 1) & mask;
        };
        std::iter::from_fn(move || {
            let i = row;
            (i != NO_ROW).then(|| {
                row = self.next[i];
                i
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datum::Datum;

    #[test]
    fn matches_come_out_in_row_order_per_key() {
        let mut rows = KeyedRows::default();
        let keys: [&[u8]; 6] = [b"a", b"b", b"a", b"", b"ab", b"a"];
        for (i, k) in keys.iter().enumerate() {
            rows.push(k, vec![Datum::Int8(i as i64)]);
        }
        assert_eq!(rows.key(3), b"");
        assert_eq!(rows.key(4), b"ab");
        let table = RowTable::build(&rows);
        let m = |k: &[u8]| table.matches(&rows, k).collect::<Vec<_>>();
        assert_eq!(m(b"a"), vec![0, 2, 5]);
        assert_eq!(m(b"b"), vec![1]);
        assert_eq!(m(b""), vec![3]);
        assert_eq!(m(b"ab"), vec![4]);
        assert!(m(b"c").is_empty());
        assert!(m(b"a\0").is_empty());
    }

    #[test]
    fn many_keys_with_collisions_all_found() {
        let mut rows = KeyedRows::default();
        for i in 0..5000u64 {
            rows.push(&(i % 1000).to_be_bytes(), vec![]);
        }
        let table = RowTable::build(&rows);
        for k in 0..1000u64 {
            let found: Vec<usize> = table.matches(&rows, &k.to_be_bytes()).collect();
            let want: Vec<usize> = (0..5).map(|j| (k + 1000 * j) as usize).collect();
            assert_eq!(found, want);
        }
        assert_eq!(table.matches(&rows, &1000u64.to_be_bytes()).count(), 0);
        let mut seen = Vec::new();
        rows.for_each_owned(|k, _| {
            seen.push(k.to_vec());
            Ok(())
        })
        .unwrap();
        assert_eq!(seen.len(), 5000);
        assert_eq!(seen[1001], 1u64.to_be_bytes());
    }
}
