//! Spill files: where sorts, hash aggregates and hash joins put rows that do
//! not fit in their `work_mem` budget. A file is created in the engine's
//! spill directory and unlinked at once, so it disappears when its handle is
//! dropped, whether the query finishes, fails or is cancelled (its future
//! dropped) — nothing is left to clean up. Rows are stored with the engine's
//! row encoding (`encoding::encode_row_into`), each behind a length prefix; a
//! hash join's records carry the row's encoded join key before the row.
//! Records are encoded into and read from one reused buffer per file: no
//! allocation per record but the decoded row itself.
//!
//! File I/O is buffered std I/O on the executing thread: it is local
//! temporary-file traffic that mostly lands in the page cache.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use crate::datum::Datum;
use crate::encoding::{decode_row, encode_row_into};
use crate::error::{SqlError, SqlResult};

/// PostgreSQL's default work_mem (4MB).
pub const DEFAULT_WORK_MEM: usize = 4 * 1024 * 1024;
/// Buffer of each spill file in either direction.
const IO_BUFFER: usize = 16 * 1024;

fn io_error(what: &str, e: std::io::Error) -> SqlError {
    let sqlstate = match e.kind() {
        std::io::ErrorKind::StorageFull => "53100",
        _ => "58030",
    };
    SqlError::new(sqlstate, format!("could not {what} temporary file: {e}"))
}

/// The directory spill files are created in (made on first use, removed
/// when the engine goes away if it is empty).
#[derive(Debug)]
pub struct SpillDir {
    path: RwLock<PathBuf>,
    next_file: AtomicU64,
}

impl Default for SpillDir {
    fn default() -> SpillDir {
        SpillDir::new(std::env::temp_dir().join(format!("borealis-spill-{}", std::process::id())))
    }
}

impl SpillDir {
    pub fn new(path: PathBuf) -> SpillDir {
        SpillDir {
            path: RwLock::new(path),
            next_file: AtomicU64::new(0),
        }
    }

    pub fn set_path(&self, path: PathBuf) {
        match self.path.write() {
            Ok(mut g) => *g = path,
            Err(p) => *p.into_inner() = path,
        }
    }

    pub fn path(&self) -> PathBuf {
        match self.path.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Spill files created since the engine started.
    pub fn files_created(&self) -> u64 {
        self.next_file.load(Ordering::Relaxed)
    }

    /// A new, empty, already-unlinked spill file.
    pub fn create_file(&self) -> SqlResult<SpillWriter> {
        let dir = self.path();
        std::fs::create_dir_all(&dir).map_err(|e| io_error("create directory for", e))?;
        let n = self.next_file.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("spill-{n}"));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io_error("create", e))?;
        // Unlinked now: the open handle keeps the data until it is dropped.
        std::fs::remove_file(&path).map_err(|e| io_error("unlink", e))?;
        Ok(SpillWriter {
            out: BufWriter::with_capacity(IO_BUFFER, file),
            rows: 0,
            bytes: 0,
            record: Vec::new(),
        })
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        // Only succeeds if empty, which it is unless another engine shares it.
        let _ = std::fs::remove_dir(self.path());
    }
}

/// A spill file being written.
pub struct SpillWriter {
    out: BufWriter<File>,
    rows: u64,
    bytes: u64,
    /// The record being encoded, reused for every record.
    record: Vec<u8>,
}

impl SpillWriter {
    pub fn push(&mut self, row: &[Datum]) -> SqlResult<()> {
        let mut record = std::mem::take(&mut self.record);
        record.clear();
        encode_row_into(&mut record, row);
        let written = self.push_record(&record);
        self.record = record;
        written
    }

    /// Appends a keyed record: `key` (a hash join's encoded key), then
    /// `row`; read back by [`SpillReader::next_keyed`].
    pub fn push_keyed(&mut self, key: &[u8], row: &[Datum]) -> SqlResult<()> {
        let key_len = u32::try_from(key.len())
            .map_err(|_| SqlError::new("54000", "key too large to spill"))?;
        let mut record = std::mem::take(&mut self.record);
        record.clear();
        record.extend_from_slice(&key_len.to_le_bytes());
        record.extend_from_slice(key);
        encode_row_into(&mut record, row);
        let written = self.push_record(&record);
        self.record = record;
        written
    }

    /// Appends one record as it is (a record read back from another spill
    /// file: a partition split again is copied without decoding).
    pub fn push_record(&mut self, record: &[u8]) -> SqlResult<()> {
        let len = u32::try_from(record.len())
            .map_err(|_| SqlError::new("54000", "row too large to spill"))?;
        self.out
            .write_all(&len.to_le_bytes())
            .and_then(|_| self.out.write_all(record))
            .map_err(|e| io_error("write to", e))?;
        self.rows += 1;
        self.bytes += 4 + record.len() as u64;
        Ok(())
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Finishes writing; the reader returns the rows in the order pushed.
    pub fn into_reader(self) -> SqlResult<SpillReader> {
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| io_error("write to", e.into_error()))?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| io_error("seek in", e))?;
        Ok(SpillReader {
            input: BufReader::with_capacity(IO_BUFFER, file),
            left: self.rows,
            rows: self.rows,
            record: Vec::new(),
        })
    }
}

/// A spill file being read back.
pub struct SpillReader {
    input: BufReader<File>,
    left: u64,
    /// Rows in the file, for `rewind`.
    rows: u64,
    /// The record last read, reused for every record.
    record: Vec<u8>,
}

impl SpillReader {
    /// Starts reading again from the first row (a rescan of a stored
    /// inner side or working table).
    pub fn rewind(&mut self) -> SqlResult<()> {
        self.input
            .seek(SeekFrom::Start(0))
            .map_err(|e| io_error("seek in", e))?;
        self.left = self.rows;
        Ok(())
    }

    pub fn next_row(&mut self) -> SqlResult<Option<Vec<Datum>>> {
        match self.next_record()? {
            Some(record) => decode_row(record).map(Some),
            None => Ok(None),
        }
    }

    /// The next record as written, undecoded (valid until the next read).
    pub fn next_record(&mut self) -> SqlResult<Option<&[u8]>> {
        if self.left == 0 {
            return Ok(None);
        }
        let mut len = [0u8; 4];
        self.input
            .read_exact(&mut len)
            .map_err(|e| io_error("read from", e))?;
        self.record.clear();
        self.record.resize(u32::from_le_bytes(len) as usize, 0);
        self.input
            .read_exact(&mut self.record)
            .map_err(|e| io_error("read from", e))?;
        self.left -= 1;
        Ok(Some(&self.record))
    }

    /// The next record written by [`SpillWriter::push_keyed`]: its key is
    /// appended to `keys`, its row returned.
    pub fn next_keyed(&mut self, keys: &mut Vec<u8>) -> SqlResult<Option<Vec<Datum>>> {
        let Some(record) = self.next_record()? else {
            return Ok(None);
        };
        let (key, row) = split_keyed(record)?;
        keys.extend_from_slice(key);
        decode_row(row).map(Some)
    }
}

/// The key and the encoded row of a record written by
/// [`SpillWriter::push_keyed`].
pub fn split_keyed(record: &[u8]) -> SqlResult<(&[u8], &[u8])> {
    let short = || SqlError::internal("spilled join record without its key");
    let len = record.get(..4).ok_or_else(short)?;
    let key_len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
    let rest = &record[4..];
    if rest.len() < key_len {
        return Err(short());
    }
    Ok(rest.split_at(key_len))
}

/// Approximate bytes a row occupies in memory (its vector, every datum and
/// what the datums own): the measure work_mem budgets are checked against.
pub fn row_bytes(row: &[Datum]) -> usize {
    std::mem::size_of::<Vec<Datum>>() + row.iter().map(datum_bytes).sum::<usize>()
}

fn datum_bytes(d: &Datum) -> usize {
    std::mem::size_of::<Datum>()
        + match d {
            Datum::Text(s) | Datum::Json(s) | Datum::Jsonb(s) => s.capacity(),
            Datum::Bytea(b) => b.capacity(),
            Datum::Numeric(_) => 32,
            Datum::Array(items) => items.iter().map(datum_bytes).sum(),
            _ => 0,
        }
}

/// A 64-bit hash of `bytes` salted with `seed` (FNV-1a then a final mix):
/// picks a row's partition; a different seed per recursion level splits a
/// partition that was still too large.
pub fn partition_hash(bytes: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// Parses a memory setting in PostgreSQL's units (a bare number is kB) into
/// bytes; PostgreSQL's range for work_mem is 64kB .. 2147483647kB.
pub fn parse_memory_kb(text: &str) -> Option<usize> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let kb = match unit.trim() {
        "" | "kB" => n,
        "B" => n / 1024,
        "MB" => n.checked_mul(1024)?,
        "GB" => n.checked_mul(1024 * 1024)?,
        "TB" => n.checked_mul(1024 * 1024 * 1024)?,
        _ => return None,
    };
    usize::try_from(kb).ok()
}

/// PostgreSQL's display of a kB memory setting: the largest exact unit.
pub fn format_memory_kb(kb: usize) -> String {
    const UNITS: [(usize, &str); 3] = [
        (1024 * 1024 * 1024, "TB"),
        (1024 * 1024, "GB"),
        (1024, "MB"),
    ];
    for (size, unit) in UNITS {
        if kb >= size && kb.is_multiple_of(size) {
            return format!("{}{unit}", kb / size);
        }
    }
    format!("{kb}kB")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_the_file_is_unlinked() {
        let dir = std::env::temp_dir().join(format!("borealis-spill-test-{}", std::process::id()));
        let spill = SpillDir::new(dir.clone());
        let mut w = spill.create_file().unwrap();
        let rows = vec![
            vec![Datum::Int4(1), Datum::Text("a".into()), Datum::Null],
            vec![
                Datum::Array(vec![Datum::Int8(2), Datum::Null]),
                Datum::Bool(true),
            ],
        ];
        for r in &rows {
            w.push(r).unwrap();
        }
        assert_eq!(w.rows(), 2);
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "unlinked at creation"
        );
        let mut r = w.into_reader().unwrap();
        assert_eq!(r.next_row().unwrap(), Some(rows[0].clone()));
        assert_eq!(r.next_row().unwrap(), Some(rows[1].clone()));
        assert_eq!(r.next_row().unwrap(), None);
        drop(spill);
        assert!(!dir.exists(), "the empty directory goes with the engine");
    }

    #[test]
    fn keyed_records_round_trip_and_copy_raw() {
        let dir = std::env::temp_dir().join(format!("borealis-spill-keyed-{}", std::process::id()));
        let spill = SpillDir::new(dir);
        let mut w = spill.create_file().unwrap();
        let row = vec![Datum::Int8(7), Datum::Text("seven".into())];
        w.push_keyed(b"k7", &row).unwrap();
        w.push_keyed(b"", &[]).unwrap();
        let mut r = w.into_reader().unwrap();
        // Copied record by record into a second file, undecoded.
        let mut copy = spill.create_file().unwrap();
        while let Some(record) = r.next_record().unwrap() {
            copy.push_record(record).unwrap();
        }
        assert_eq!(copy.rows(), 2);
        let mut r = copy.into_reader().unwrap();
        let mut keys = Vec::new();
        assert_eq!(r.next_keyed(&mut keys).unwrap(), Some(row));
        assert_eq!(keys, b"k7");
        assert_eq!(r.next_keyed(&mut keys).unwrap(), Some(vec![]));
        assert_eq!(keys, b"k7", "an empty key adds nothing");
        assert_eq!(r.next_keyed(&mut keys).unwrap(), None);
        assert!(
            split_keyed(&[1, 0, 0]).is_err(),
            "a record shorter than its key length"
        );
        assert!(split_keyed(&[9, 0, 0, 0, 1]).is_err());
    }

    #[test]
    fn memory_units_follow_postgresql() {
        assert_eq!(parse_memory_kb("64kB"), Some(64));
        assert_eq!(parse_memory_kb("4MB"), Some(4096));
        assert_eq!(parse_memory_kb("1GB"), Some(1024 * 1024));
        assert_eq!(parse_memory_kb("100"), Some(100));
        assert_eq!(parse_memory_kb("4mb"), None);
        assert_eq!(parse_memory_kb("x"), None);
        assert_eq!(format_memory_kb(4096), "4MB");
        assert_eq!(format_memory_kb(64), "64kB");
        assert_eq!(format_memory_kb(1536), "1536kB");
    }
}
