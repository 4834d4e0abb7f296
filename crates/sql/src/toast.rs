//! TOAST: out-of-line storage of large column values, as PostgreSQL's
//! "The Oversized-Attribute Storage Technique".
//!
//! A row whose encoded value would exceed its table's `toast_tuple_target`
//! (2032 bytes unless the reloption says otherwise) has its largest
//! movable fields cut into chunks of [`CHUNK_BYTES`] stored under the
//! table's toast key range (`index_prefix(table, TOAST_INDEX)`, value id,
//! chunk number); the row keeps a toast pointer (value id, raw length,
//! chunk count) in the field's place and is stored in row format 3
//! (`encoding::ROW_FORMAT_TOASTED`). Which fields may move follows the
//! column's storage strategy: PLAIN never, EXTERNAL and EXTENDED first
//! (largest first), MAIN only while the row is still above
//! [`MAIN_TARGET`]. Values are not compressed (EXTENDED behaves as
//! EXTERNAL). Chunks are written in the same commit group as their row,
//! so the volume's multi-versioning makes them consistent with it for
//! every snapshot; a value id (the writing transaction's id and a counter)
//! is never reused. This module is the pure part (decisions, keys,
//! formats); `executor::toast` reads and writes through a transaction.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};

use crate::catalog::TableDef;
use crate::datum::Datum;
use crate::encoding::{
    assemble_row_version, encode_field_bytes, encode_row_version, index_prefix, prefix_end,
    TOAST_POINTER_TAG,
};
use crate::error::{SqlError, SqlResult};

/// The index id whose key range holds a table's toast chunks (secondary
/// indexes get 1..=254).
pub const TOAST_INDEX: u8 = 255;
/// Bytes of one chunk: large enough that a 1 GB value is 4096 keys, small
/// enough that a chunk is a small part of a log record.
pub const CHUNK_BYTES: usize = 256 << 10;
/// PostgreSQL's TOAST_TUPLE_TARGET: the default row size to toast down to.
pub const DEFAULT_TUPLE_TARGET: usize = 2032;
/// The range PostgreSQL accepts for the toast_tuple_target reloption.
pub const TUPLE_TARGET_MIN: i64 = 128;
pub const TUPLE_TARGET_MAX: i64 = 8160;
/// PostgreSQL's TOAST_TUPLE_TARGET_MAIN: MAIN fields move out of line only
/// while the row is above this.
pub const MAIN_TARGET: usize = 8160;
/// Fields smaller than this stay inline (a pointer would save little).
const FIELD_BYTES_MIN: usize = 64;
/// Bytes of a toast pointer after its tag.
pub const POINTER_BYTES: usize = 24;
/// Version byte of a chunk value.
const CHUNK_FORMAT: u8 = 1;
/// PostgreSQL's limit on one value (MaxAllocSize).
pub const VALUE_BYTES_MAX: u64 = (1 << 30) - 1;

/// A column's storage strategy (pg_attribute.attstorage).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Storage {
    Plain,
    External,
    Extended,
    Main,
}

impl Storage {
    /// From SET STORAGE's (checked, lower-case) mode.
    pub fn from_mode(mode: &str) -> Option<Storage> {
        Some(match mode {
            "plain" => Storage::Plain,
            "external" => Storage::External,
            "extended" => Storage::Extended,
            "main" => Storage::Main,
            _ => return None,
        })
    }

    /// From pg_type.typstorage's letter.
    fn from_letter(letter: &str) -> Storage {
        match letter {
            "p" => Storage::Plain,
            "e" => Storage::External,
            "m" => Storage::Main,
            _ => Storage::Extended,
        }
    }

    /// pg_attribute.attstorage's letter.
    pub fn letter(self) -> &'static str {
        match self {
            Storage::Plain => "p",
            Storage::External => "e",
            Storage::Extended => "x",
            Storage::Main => "m",
        }
    }
}

/// A table's TOAST settings beyond the defaults: the toast_tuple_target
/// reloption and SET STORAGE choices by physical slot (slots are never
/// reused, and survive renames and dropped columns).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ToastOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuple_target: Option<u16>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub storage: BTreeMap<usize, Storage>,
}

impl ToastOptions {
    pub fn is_default(&self) -> bool {
        self.tuple_target.is_none() && self.storage.is_empty()
    }
}

/// The physical slot of column `i` of `t`.
pub fn slot_of(t: &TableDef, i: usize) -> usize {
    t.layout.get(i).copied().unwrap_or(i)
}

/// Column `i`'s storage strategy: SET STORAGE's, else its type's.
pub fn column_storage(t: &TableDef, i: usize) -> Storage {
    match t.toast.storage.get(&slot_of(t, i)) {
        Some(s) => *s,
        None => Storage::from_letter(crate::pg_catalog::default_storage(t.columns[i].ty.ty)),
    }
}

/// Does `t` have a toast relation? As PostgreSQL: a plain table with a
/// column whose type may be toasted.
pub fn has_toast_relation(t: &TableDef) -> bool {
    t.partitioning.key.is_none()
        && t.columns
            .iter()
            .any(|c| crate::pg_catalog::default_storage(c.ty.ty) != "p")
}

/// The toast relation's name in schema pg_toast, from its table's oid.
pub fn relation_name(table_oid: i64) -> String {
    format!("pg_toast_{table_oid}")
}

/// `[start, end)` of a table's toast chunks.
pub fn toast_range(table_id: u32) -> (Vec<u8>, Vec<u8>) {
    let start = index_prefix(table_id, TOAST_INDEX);
    let end = prefix_end(&start);
    (start, end)
}

/// The table whose toast range is exactly `[start, end)`, if it is one
/// (`relation_size` measures it through the rows, `stored_chunk_bytes`).
pub fn table_of_toast_range(start: &[u8], end: &[u8]) -> Option<u32> {
    let id = start.get(1..5)?;
    let id = u32::from_be_bytes([id[0], id[1], id[2], id[3]]);
    let (s, e) = toast_range(id);
    (s == start && e == end).then_some(id)
}

/// Bytes the chunks of stored row `value` (of table `table_id`) take in
/// the volume, keys included: what its toast relation's size counts,
/// computed from the row's pointers without reading the chunks.
pub fn stored_chunk_bytes(table_id: u32, value: &[u8]) -> SqlResult<u64> {
    let mut total = 0u64;
    for (_, p) in stored_pointers(value)? {
        let key_len = p.chunk_key(table_id, 0).len() as u64;
        total = total.saturating_add(u64::from(p.chunks) * (key_len + 1) + p.raw_len);
    }
    Ok(total)
}

/// Where one toasted value is: its id (writing transaction, counter), its
/// encoded length and chunk count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ToastPointer {
    pub txn: u64,
    pub seq: u32,
    pub raw_len: u64,
    pub chunks: u32,
}

impl ToastPointer {
    pub fn to_bytes(self) -> [u8; POINTER_BYTES] {
        let mut out = [0u8; POINTER_BYTES];
        out[0..8].copy_from_slice(&self.txn.to_le_bytes());
        out[8..12].copy_from_slice(&self.seq.to_le_bytes());
        out[12..20].copy_from_slice(&self.raw_len.to_le_bytes());
        out[20..24].copy_from_slice(&self.chunks.to_le_bytes());
        out
    }

    pub fn from_bytes(b: &[u8; POINTER_BYTES]) -> SqlResult<ToastPointer> {
        let u64_at = |i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[i..i + 8]);
            u64::from_le_bytes(a)
        };
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let p = ToastPointer {
            txn: u64_at(0),
            seq: u32_at(8),
            raw_len: u64_at(12),
            chunks: u32_at(20),
        };
        if p.raw_len > VALUE_BYTES_MAX || u64::from(p.chunks) != chunk_count(p.raw_len) {
            return Err(SqlError::internal("corrupt toast pointer"));
        }
        Ok(p)
    }

    /// The key of chunk `n` of this value in table `table_id`.
    pub fn chunk_key(&self, table_id: u32, n: u32) -> Vec<u8> {
        let mut k = index_prefix(table_id, TOAST_INDEX);
        k.extend_from_slice(&self.txn.to_be_bytes());
        k.extend_from_slice(&self.seq.to_be_bytes());
        k.extend_from_slice(&n.to_be_bytes());
        k
    }

    /// Every chunk key of this value, in order.
    pub fn chunk_keys(&self, table_id: u32) -> impl Iterator<Item = Vec<u8>> + '_ {
        (0..self.chunks).map(move |n| self.chunk_key(table_id, n))
    }

    /// The payload bytes chunk `n` must hold.
    pub fn chunk_len(&self, n: u32) -> usize {
        let start = n as u64 * CHUNK_BYTES as u64;
        (self.raw_len - start).min(CHUNK_BYTES as u64) as usize
    }
}

fn chunk_count(raw_len: u64) -> u64 {
    raw_len.div_ceil(CHUNK_BYTES as u64)
}

/// The stored value of one chunk.
fn chunk_value(payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(1 + payload.len());
    v.push(CHUNK_FORMAT);
    v.extend_from_slice(payload);
    v
}

/// The payload of chunk `n` of `pointer` from its stored value.
pub fn chunk_payload<'v>(pointer: &ToastPointer, n: u32, value: &'v [u8]) -> SqlResult<&'v [u8]> {
    match value.split_first() {
        Some((&CHUNK_FORMAT, payload)) if payload.len() == pointer.chunk_len(n) => Ok(payload),
        Some((&CHUNK_FORMAT, payload)) => Err(SqlError::new(
            "XX001",
            format!(
                "unexpected chunk size {} (expected {}) in chunk {n} of {} for toast value {}.{}",
                payload.len(),
                pointer.chunk_len(n),
                pointer.chunks,
                pointer.txn,
                pointer.seq
            ),
        )),
        _ => Err(SqlError::internal("unknown toast chunk format version")),
    }
}

/// Value ids are unique per transaction id (never reused on a volume).
static NEXT_SEQ: AtomicU32 = AtomicU32::new(0);

/// A row as it is to be stored: its value and the chunks of the values it
/// moved out of line (key, value), with its pointers by physical slot.
#[derive(Debug)]
pub struct StoredRow {
    pub value: Vec<u8>,
    pub chunks: Vec<(Vec<u8>, Vec<u8>)>,
    pub pointers: Vec<(usize, ToastPointer)>,
}

/// The previous version of an updated row: its physical fields and
/// pointers, so that unchanged toasted values keep their chunks.
pub struct OldVersion<'a> {
    pub physical: &'a [Datum],
    pub pointers: &'a [(usize, ToastPointer)],
}

/// Encodes `physical` (the row in `t`'s slots) as transaction `txn`
/// (`xmin` its client id) stores it, toasting as described above.
pub fn store_row(
    t: &TableDef,
    physical: &[Datum],
    xmin: u32,
    txn: u64,
    old: Option<OldVersion<'_>>,
) -> SqlResult<StoredRow> {
    let target = t
        .toast
        .tuple_target
        .map_or(DEFAULT_TUPLE_TARGET, usize::from);
    let reused: Vec<(usize, ToastPointer)> = match &old {
        Some(o) => o
            .pointers
            .iter()
            .filter(|(slot, _)| physical.get(*slot) == o.physical.get(*slot))
            .copied()
            .collect(),
        None => Vec::new(),
    };
    if reused.is_empty() {
        let plain = encode_row_version(physical, xmin);
        if plain.len() <= target {
            return Ok(StoredRow {
                value: plain,
                chunks: Vec::new(),
                pointers: Vec::new(),
            });
        }
    }
    let mut fields: Vec<Vec<u8>> = Vec::with_capacity(physical.len());
    let mut pointers = Vec::new();
    for (slot, d) in physical.iter().enumerate() {
        match reused.iter().find(|(s, _)| *s == slot) {
            Some((_, p)) => {
                fields.push(pointer_field(p));
                pointers.push((slot, *p));
            }
            None => fields.push(encode_field_bytes(d)),
        }
    }
    let mut storage: BTreeMap<usize, Storage> = BTreeMap::new();
    for i in 0..t.columns.len() {
        storage.insert(slot_of(t, i), column_storage(t, i));
    }
    let mut chunks = Vec::new();
    let size = |fields: &[Vec<u8>]| 9 + fields.iter().map(Vec::len).sum::<usize>();
    for (movable, limit) in [
        (&[Storage::External, Storage::Extended][..], target),
        (&[Storage::Main][..], target.max(MAIN_TARGET)),
    ] {
        while size(&fields) > limit {
            let largest = (0..fields.len())
                .filter(|s| storage.get(s).is_some_and(|st| movable.contains(st)))
                .filter(|s| !pointers.iter().any(|(p, _)| p == s))
                .filter(|&s| fields[s].len() >= FIELD_BYTES_MIN)
                .max_by_key(|&s| (fields[s].len(), std::cmp::Reverse(s)));
            let Some(slot) = largest else { break };
            let raw = std::mem::take(&mut fields[slot]);
            let pointer = ToastPointer {
                txn,
                seq: NEXT_SEQ.fetch_add(1, Ordering::Relaxed),
                raw_len: raw.len() as u64,
                chunks: chunk_count(raw.len() as u64) as u32,
            };
            if pointer.raw_len > VALUE_BYTES_MAX {
                return Err(SqlError::new(
                    "54000",
                    format!("invalid memory alloc request size {}", pointer.raw_len),
                ));
            }
            for (n, payload) in raw.chunks(CHUNK_BYTES).enumerate() {
                chunks.push((pointer.chunk_key(t.id, n as u32), chunk_value(payload)));
            }
            fields[slot] = pointer_field(&pointer);
            pointers.push((slot, pointer));
        }
    }
    let total = size(&fields);
    if total > borealis_common::limits::VALUE_BYTES_MAX {
        return Err(SqlError::new(
            "54000",
            format!(
                "row is too big: size {total}, maximum size {}",
                borealis_common::limits::VALUE_BYTES_MAX
            ),
        ));
    }
    pointers.sort_by_key(|(slot, _)| *slot);
    let value = assemble_row_version(&fields, xmin, !pointers.is_empty());
    Ok(StoredRow {
        value,
        chunks,
        pointers,
    })
}

fn pointer_field(p: &ToastPointer) -> Vec<u8> {
    let mut f = Vec::with_capacity(1 + POINTER_BYTES);
    f.push(TOAST_POINTER_TAG);
    f.extend_from_slice(&p.to_bytes());
    f
}

/// The toast pointers of a stored row value (none unless format 3).
pub fn stored_pointers(value: &[u8]) -> SqlResult<Vec<(usize, ToastPointer)>> {
    if value.first() != Some(&crate::encoding::ROW_FORMAT_TOASTED) {
        return Ok(Vec::new());
    }
    let (_, raw) = crate::encoding::decode_row_parts(value)?;
    raw.iter()
        .map(|(slot, b)| Ok((*slot, ToastPointer::from_bytes(b)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ColumnDef;
    use crate::encoding::{decode_field_bytes, decode_row, decode_row_parts};
    use crate::types::SqlType;

    fn table(types: &[SqlType]) -> TableDef {
        let mut t: TableDef = serde_json::from_str(
            r#"{"id":7,"name":"t","columns":[],"primary_key":null,"unique":[],
                "checks":[],"rowid_sequence":null,"owned_sequences":[]}"#,
        )
        .expect("a minimal table definition");
        t.columns = types
            .iter()
            .enumerate()
            .map(|(i, ty)| ColumnDef {
                name: format!("c{i}"),
                ty: ty.plain(),
                not_null: false,
                default: None,
                missing: None,
                domain: None,
            })
            .collect();
        t
    }

    /// The row back from a stored row and its chunks.
    fn read_back(stored: &StoredRow, table_id: u32) -> Vec<Datum> {
        let (mut row, raw) = decode_row_parts(&stored.value).unwrap();
        for (slot, b) in raw {
            let p = ToastPointer::from_bytes(&b).unwrap();
            let mut bytes = Vec::new();
            for (n, key) in p.chunk_keys(table_id).enumerate() {
                let (_, v) = stored.chunks.iter().find(|(k, _)| *k == key).unwrap();
                bytes.extend_from_slice(chunk_payload(&p, n as u32, v).unwrap());
            }
            row[slot] = decode_field_bytes(&bytes).unwrap();
        }
        row
    }

    #[test]
    fn small_rows_stay_inline_in_format_2() {
        let t = table(&[SqlType::Int4, SqlType::Text]);
        let row = vec![Datum::Int4(1), Datum::Text("x".repeat(1000))];
        let stored = store_row(&t, &row, 9, 1, None).unwrap();
        assert!(stored.chunks.is_empty());
        assert_eq!(decode_row(&stored.value).unwrap(), row);
    }

    #[test]
    fn large_values_move_out_of_line_in_chunks() {
        let t = table(&[SqlType::Int4, SqlType::Text, SqlType::Bytea]);
        let big = "y".repeat(3 * CHUNK_BYTES + 5);
        let row = vec![
            Datum::Int4(1),
            Datum::Text(big),
            Datum::Bytea(vec![0, 1, 2]),
        ];
        let stored = store_row(&t, &row, 9, 42, None).unwrap();
        assert_eq!(stored.pointers.len(), 1);
        assert_eq!(stored.pointers[0].0, 1);
        assert_eq!(stored.chunks.len(), 4);
        assert!(stored.value.len() < 100);
        assert!(decode_row(&stored.value).is_err(), "needs detoasting");
        assert_eq!(crate::encoding::row_xmin(&stored.value).unwrap(), 9);
        assert_eq!(read_back(&stored, t.id), row);
        assert_eq!(stored_pointers(&stored.value).unwrap(), stored.pointers);
        let chunk_bytes: usize = stored.chunks.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert_eq!(
            stored_chunk_bytes(t.id, &stored.value).unwrap(),
            chunk_bytes as u64
        );
        let (start, end) = toast_range(t.id);
        assert_eq!(table_of_toast_range(&start, &end), Some(t.id));
        let (rows, rows_end) = (index_prefix(t.id, 0), prefix_end(&index_prefix(t.id, 0)));
        assert_eq!(table_of_toast_range(&rows, &rows_end), None);
        assert!(stored
            .chunks
            .iter()
            .all(|(k, _)| k.as_slice() >= start.as_slice() && k.as_slice() < end.as_slice()));
    }

    #[test]
    fn the_tuple_target_and_storage_strategies_decide() {
        let mut t = table(&[SqlType::Text]);
        let row = vec![Datum::Text("1234567890".repeat(300))];
        assert_eq!(store_row(&t, &row, 9, 1, None).unwrap().pointers.len(), 1);
        t.toast.tuple_target = Some(4080);
        assert!(store_row(&t, &row, 9, 1, None).unwrap().pointers.is_empty());
        t.toast.tuple_target = None;
        t.toast.storage.insert(0, Storage::Plain);
        assert!(store_row(&t, &row, 9, 1, None).unwrap().pointers.is_empty());
        // MAIN: out of line only above MAIN_TARGET.
        t.toast.storage.insert(0, Storage::Main);
        assert!(store_row(&t, &row, 9, 1, None).unwrap().pointers.is_empty());
        let huge = vec![Datum::Text("z".repeat(10_000))];
        assert_eq!(store_row(&t, &huge, 9, 1, None).unwrap().pointers.len(), 1);
        // Fixed-length columns never move.
        let ints = table(&[SqlType::Int8; 300]);
        let row: Vec<Datum> = (0..300).map(Datum::Int8).collect();
        assert!(store_row(&ints, &row, 9, 1, None)
            .unwrap()
            .pointers
            .is_empty());
    }

    #[test]
    fn an_unchanged_value_keeps_its_pointer_and_a_changed_one_gets_a_new_one() {
        let t = table(&[SqlType::Text, SqlType::Text]);
        let a = Datum::Text("a".repeat(5000));
        let b = Datum::Text("b".repeat(5000));
        let first = store_row(&t, &[a.clone(), b.clone()], 9, 1, None).unwrap();
        assert_eq!(first.pointers.len(), 2);
        let old_row = vec![a.clone(), b.clone()];
        let c = Datum::Text("c".repeat(5000));
        let second = store_row(
            &t,
            &[a.clone(), c.clone()],
            10,
            2,
            Some(OldVersion {
                physical: &old_row,
                pointers: &first.pointers,
            }),
        )
        .unwrap();
        assert_eq!(second.pointers[0], first.pointers[0], "a is reused");
        assert_ne!(second.pointers[1], first.pointers[1]);
        assert_eq!(second.chunks.len(), 1, "only c is written");
        let mut all = second;
        all.chunks.extend(first.chunks);
        assert_eq!(read_back(&all, t.id), vec![a, c]);
    }

    #[test]
    fn pointers_and_chunks_are_checked() {
        let p = ToastPointer {
            txn: 5,
            seq: 6,
            raw_len: CHUNK_BYTES as u64 + 1,
            chunks: 2,
        };
        assert_eq!(ToastPointer::from_bytes(&p.to_bytes()).unwrap(), p);
        let bad = ToastPointer { chunks: 3, ..p };
        assert!(ToastPointer::from_bytes(&bad.to_bytes()).is_err());
        assert_eq!(p.chunk_len(1), 1);
        assert!(chunk_payload(&p, 1, &chunk_value(&[7])).is_ok());
        assert_eq!(
            chunk_payload(&p, 1, &chunk_value(&[7, 8]))
                .unwrap_err()
                .sqlstate,
            "XX001"
        );
        assert!(chunk_payload(&p, 1, &[9, 7]).is_err());
        assert!(p.chunk_key(1, 0) < p.chunk_key(1, 1));
    }
}
