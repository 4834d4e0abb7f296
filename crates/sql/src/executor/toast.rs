//! Toasted rows through a statement's transaction: reading a stored row
//! fetches its out-of-line values (`crate::toast` decides and encodes),
//! writing one queues its chunks with it, and replacing or deleting one
//! deletes the chunks of the values it no longer points to.
//!
//! The pointers of the toasted rows a writing statement read (by row key)
//! are remembered in `Ctx::toasted_rows`, so an UPDATE keeps the chunks of
//! unchanged values and a DELETE removes the rest without reading the row
//! again; rows without toasted values cost nothing here.

use super::*;
use crate::encoding::{decode_field_bytes, decode_row_parts, ROW_FORMAT_TOASTED};
use crate::toast::{chunk_payload, store_row, OldVersion, ToastPointer};

/// Chunks of one value read from the volume at a time.
const CHUNK_READS_IN_FLIGHT: usize = 8;

/// Toast pointers of a stored row, by physical slot.
pub(super) type Pointers = Vec<(usize, ToastPointer)>;

impl Ctx<'_> {
    /// The row stored at `key` (`value`, read at `at`) in `table`'s columns
    /// with its toasted values fetched; its pointers are remembered for an
    /// UPDATE or DELETE of the row by this statement.
    pub(super) async fn stored_row(
        &mut self,
        table: &TableDef,
        key: &[u8],
        value: &[u8],
        at: Lsn,
    ) -> SqlResult<Row> {
        if value.first() != Some(&ROW_FORMAT_TOASTED) {
            return fill_row(decode_row(value)?, table);
        }
        let (row, pointers) = self.detoasted(table.id, value, at).await?;
        self.toasted_rows.insert(key.to_vec(), pointers);
        fill_row(row, table)
    }

    /// A stored row of table `table_id` (any format, physical slots) with
    /// its toasted values fetched at `at`, and its pointers.
    pub(super) async fn detoasted(
        &self,
        table_id: u32,
        value: &[u8],
        at: Lsn,
    ) -> SqlResult<(Row, Pointers)> {
        let (mut row, raw) = decode_row_parts(value)?;
        let mut pointers = Vec::with_capacity(raw.len());
        for (slot, bytes) in raw {
            let pointer = ToastPointer::from_bytes(&bytes)?;
            row[slot] = self.toasted_value(table_id, &pointer, at).await?;
            pointers.push((slot, pointer));
        }
        Ok((row, pointers))
    }

    /// One out-of-line value, its chunks read a few at a time.
    async fn toasted_value(
        &self,
        table_id: u32,
        pointer: &ToastPointer,
        at: Lsn,
    ) -> SqlResult<Datum> {
        let keys: Vec<Vec<u8>> = pointer.chunk_keys(table_id).collect();
        let mut bytes = Vec::with_capacity(pointer.raw_len as usize);
        for (batch_no, batch) in keys.chunks(CHUNK_READS_IN_FLIGHT).enumerate() {
            let values =
                futures::future::try_join_all(batch.iter().map(|k| self.get_at(k, at))).await?;
            for (i, value) in values.into_iter().enumerate() {
                let n = (batch_no * CHUNK_READS_IN_FLIGHT + i) as u32;
                let Some(value) = value else {
                    return Err(SqlError::new(
                        "XX001",
                        format!(
                            "missing chunk number {n} for toast value {}.{}",
                            pointer.txn, pointer.seq
                        ),
                    ));
                };
                bytes.extend_from_slice(chunk_payload(pointer, n, &value)?);
            }
            cooperate().await;
        }
        decode_field_bytes(&bytes)
    }

    /// Queues row `physical` (in `t`'s slots) under `key`, toasting it as
    /// `crate::toast` decides. `old`: the key and physical row of the
    /// version it replaces: its unchanged toasted values keep their chunks,
    /// the others' chunks are deleted.
    pub(super) fn put_row(
        &mut self,
        t: &TableDef,
        key: Vec<u8>,
        physical: &[Datum],
        old: Option<(&[u8], &[Datum])>,
    ) -> SqlResult<()> {
        let old_pointers = old.and_then(|(k, _)| self.toasted_rows.remove(k));
        let old_version = match (&old_pointers, old) {
            (Some(pointers), Some((_, physical))) => Some(OldVersion { physical, pointers }),
            _ => None,
        };
        let stored = store_row(t, physical, self.xid(), self.txn.id, old_version)?;
        for (_, pointer) in old_pointers.iter().flatten() {
            if !stored.pointers.iter().any(|(_, p)| p == pointer) {
                self.delete_chunks(t.id, pointer);
            }
        }
        for (k, v) in stored.chunks {
            self.put(k, Some(v));
        }
        self.put(key, Some(stored.value));
        Ok(())
    }

    /// Deletes the chunks of the row at `key` (read by this statement),
    /// which is being deleted.
    pub(super) fn delete_toasted(&mut self, table_id: u32, key: &[u8]) {
        if let Some(pointers) = self.toasted_rows.remove(key) {
            for (_, pointer) in &pointers {
                self.delete_chunks(table_id, pointer);
            }
        }
    }

    /// Deletes the chunks of the toasted values of stored row `value`
    /// (TRUNCATE, which reads the rows' values but not their chunks).
    pub(super) fn delete_stored_chunks(&mut self, table_id: u32, value: &[u8]) -> SqlResult<()> {
        for (_, pointer) in crate::toast::stored_pointers(value)? {
            self.delete_chunks(table_id, &pointer);
        }
        Ok(())
    }

    fn delete_chunks(&mut self, table_id: u32, pointer: &ToastPointer) {
        for k in pointer.chunk_keys(table_id) {
            self.put(k, None);
        }
    }
}
