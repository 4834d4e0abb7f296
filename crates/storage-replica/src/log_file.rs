//! A segment's log on disk: one append-only file of records, and the
//! metadata file beside it.
//!
//! ```text
//! log:  8-byte magic "BRLSLOG1" | record*      (record format: wire::record)
//! meta: see meta.rs; replaced by write-to-temp, fsync, rename, fsync(dir)
//! ```
//! Appends are buffered in memory and written with one `write` and one
//! `fdatasync` per [`SegmentLog::sync`] (group commit). On load, the first
//! record that is torn or fails its checksum ends the log: the file is cut
//! there and the records after it are refilled from peers by gossip.

use crate::meta::SegmentMeta;
use crate::segment::SegmentLog;
use borealis_wire::record::RECORD_PREFIX_BYTES;
use borealis_wire::{LogRecord, RecordHeader};
use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

const LOG_MAGIC: &[u8; 8] = b"BRLSLOG1";

pub struct FileLog {
    dir: PathBuf,
    file: File,
    /// Bytes durable in the file (its length after the last sync).
    file_len: u64,
    /// Appended, not yet written.
    buffer: Vec<u8>,
}

fn invalid(error: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error.to_string())
}

impl FileLog {
    /// Opens (creating if needed) the log in `dir`.
    pub fn open(dir: &Path) -> io::Result<FileLog> {
        let created = !dir.exists();
        std::fs::create_dir_all(dir)?;
        if created {
            // A new segment (a PG a split made) must survive a crash: the
            // replica reports hosting it from its directory.
            if let Some(parent) = dir.parent() {
                sync_dir(parent)?;
            }
        }
        let path = dir.join("log");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        let mut file_len = file.metadata()?.len();
        if file_len < LOG_MAGIC.len() as u64 {
            // New, or torn while being created.
            file.set_len(0)?;
            file.write_all_at(LOG_MAGIC, 0)?;
            file.sync_all()?;
            sync_dir(dir)?;
            file_len = LOG_MAGIC.len() as u64;
        } else {
            let mut magic = [0u8; 8];
            file.read_exact_at(&mut magic, 0)?;
            if &magic != LOG_MAGIC {
                return Err(invalid(format!("{} is not a segment log", path.display())));
            }
        }
        let _ = &mut file;
        Ok(FileLog {
            dir: dir.to_path_buf(),
            file,
            file_len,
            buffer: Vec::new(),
        })
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl SegmentLog for FileLog {
    fn load(
        &mut self,
        visit: &mut dyn FnMut(RecordHeader, u64),
    ) -> io::Result<Option<SegmentMeta>> {
        self.buffer.clear();
        let mut reader = BufReader::with_capacity(1 << 20, &self.file);
        let mut magic = [0u8; 8];
        reader.read_exact(&mut magic)?;
        let mut offset = LOG_MAGIC.len() as u64;
        let mut record_bytes = Vec::new();
        loop {
            let mut prefix = [0u8; RECORD_PREFIX_BYTES];
            match reader.read_exact(&mut prefix) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e),
            }
            let body_len = u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
            if body_len as usize + RECORD_PREFIX_BYTES > borealis_common::limits::RECORD_BYTES_MAX {
                tracing::warn!(offset, "log record length is corrupt; cutting the log here");
                break;
            }
            record_bytes.clear();
            record_bytes.extend_from_slice(&prefix);
            record_bytes.resize(RECORD_PREFIX_BYTES + body_len as usize, 0);
            match reader.read_exact(&mut record_bytes[RECORD_PREFIX_BYTES..]) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    tracing::warn!(offset, "torn record at the end of the log; cutting it off");
                    break;
                }
                Err(e) => return Err(e),
            }
            match LogRecord::decode_prefix(&record_bytes) {
                Ok((record, used)) => {
                    visit(record.header, offset);
                    offset += used as u64;
                }
                Err(error) => {
                    tracing::warn!(offset, %error, "corrupt log record; cutting the log here");
                    break;
                }
            }
        }
        drop(reader);
        if offset < self.file.metadata()?.len() {
            self.file.set_len(offset)?;
            self.file.sync_all()?;
        }
        self.file_len = offset;
        let meta_path = self.dir.join("meta");
        match std::fs::read(&meta_path) {
            Ok(bytes) => Ok(Some(SegmentMeta::decode(&bytes).map_err(|e| {
                invalid(format!("segment metadata {}: {e}", meta_path.display()))
            })?)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn bytes(&self) -> u64 {
        self.file_len + self.buffer.len() as u64
    }

    fn append(&mut self, record: &LogRecord) -> io::Result<u64> {
        let location = self.file_len + self.buffer.len() as u64;
        record.encode_into(&mut self.buffer);
        Ok(location)
    }

    fn sync(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        self.file.write_all_at(&self.buffer, self.file_len)?;
        self.file.sync_data()?;
        self.file_len += self.buffer.len() as u64;
        self.buffer.clear();
        Ok(())
    }

    fn read(&mut self, location: u64) -> io::Result<LogRecord> {
        if location >= self.file_len {
            let start = (location - self.file_len) as usize;
            return LogRecord::decode_prefix(&self.buffer[start..])
                .map(|(record, _)| record)
                .map_err(invalid);
        }
        let mut prefix = [0u8; RECORD_PREFIX_BYTES];
        self.file.read_exact_at(&mut prefix, location)?;
        let body_len = u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
        if body_len + RECORD_PREFIX_BYTES > borealis_common::limits::RECORD_BYTES_MAX {
            return Err(invalid("log record length is corrupt"));
        }
        let mut bytes = vec![0u8; RECORD_PREFIX_BYTES + body_len];
        self.file.read_exact_at(&mut bytes, location)?;
        LogRecord::decode_prefix(&bytes)
            .map(|(record, _)| record)
            .map_err(invalid)
    }

    fn persist_meta(&mut self, meta: &SegmentMeta) -> io::Result<()> {
        let temp = self.dir.join("meta.tmp");
        let mut file = File::create(&temp)?;
        file.write_all(&meta.encode())?;
        file.sync_all()?;
        std::fs::rename(&temp, self.dir.join("meta"))?;
        sync_dir(&self.dir)
    }
}
