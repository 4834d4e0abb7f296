//! Requests and responses of the replica protocol.
//!
//! The volume client (the writer) sends `Write`, `Seal`, `Get`, `Scan` and
//! `Status`; replicas send each other `Fetch` to fill gaps (gossip), and a
//! recovering writer uses it to re-replicate. Every request names one
//! protection group; a storage process hosts one replica of every PG.

use crate::codec::{DecodeError, Reader, Writer};
use crate::history::EpochHistory;
use crate::record::{LogRecord, RecordHeader};
use borealis_common::limits::{
    BATCH_RECORDS_MAX, FRAME_BYTES_MAX, KEY_BYTES_MAX, SCAN_ROWS_MAX, VALUE_BYTES_MAX,
};
use borealis_common::{Epoch, Lsn, PgId};

/// Headers a `Sealed` answer may carry: everything above the replica's VDL
/// hint, which the LSN allocation limit keeps bounded.
pub const SEALED_HEADERS_MAX: usize = 1 << 21;
const HEADER_BYTES: usize = 8 + 8 + 4 + 8 + 8 + 1;
/// PGs a `Sealed` answer may list as hosted.
pub const HOSTED_PGS_MAX: usize = 1 << 16;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Append records to the PG's segment. `history` is the writer's epoch
    /// history (its last entry is this epoch's start): records it voids are
    /// dropped. `vdl` is the writer's current VDL (a hint: everything at or below it
    /// is committed and durable). `min_read_lsn` is the PGMRPL: versions
    /// older than needed to read at it may be garbage-collected.
    Write {
        epoch: Epoch,
        history: EpochHistory,
        pg: PgId,
        vdl: Lsn,
        min_read_lsn: Lsn,
        records: Vec<LogRecord>,
    },
    /// Refuse every epoch below `epoch` from now on, and report what the
    /// segment holds above its VDL hint (recovery's read quorum).
    Seal { epoch: Epoch, pg: PgId },
    /// The newest version of `key` at or below `at`. The replica answers only
    /// if it holds the PG's log through `need` (the PG's last record at or
    /// below `at`, which the writer knows).
    Get {
        pg: PgId,
        key: Vec<u8>,
        at: Lsn,
        need: Lsn,
    },
    /// Keys in `[start, end)` (no end: to the end of the key space), newest
    /// version at or below `at`, deletes skipped, at most `limit` rows.
    Scan {
        pg: PgId,
        start: Vec<u8>,
        end: Option<Vec<u8>>,
        at: Lsn,
        need: Lsn,
        limit: u32,
    },
    /// Records of the PG's chain after `after`, at most about `bytes_max`.
    Fetch {
        pg: PgId,
        after: Lsn,
        bytes_max: u32,
    },
    /// The records at exactly these LSNs, chained or not (a recovering
    /// writer re-replicates what it found).
    FetchExact { pg: PgId, lsns: Vec<Lsn> },
    /// The segment's state.
    Status { pg: PgId },
    /// How much live data the keys `[start, end)` of the PG hold as of
    /// `at` (the PG's chain through `need` is required, as for a read), and
    /// the median live key: where a writer splits a PG that grew too big.
    SplitAdvice {
        pg: PgId,
        start: Vec<u8>,
        end: Option<Vec<u8>>,
        at: Lsn,
        need: Lsn,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// The records are persisted; the segment is complete through `scl`.
    WriteAck {
        pg: PgId,
        scl: Lsn,
    },
    /// The request's epoch is older than one this replica has seen.
    Refused {
        epoch: Epoch,
    },
    Sealed {
        pg: PgId,
        /// The epoch the segment had before this seal.
        epoch_before: Epoch,
        /// The newest epoch history the segment knows.
        history: EpochHistory,
        scl: Lsn,
        vdl_hint: Lsn,
        /// The PG's last record at or below `vdl_hint`.
        last_lsn_at_or_below_hint: Lsn,
        /// Every valid record held above `vdl_hint`, in LSN order.
        headers: Vec<RecordHeader>,
        /// Every PG this replica hosts a segment of (a recovering writer
        /// seals them all: a PG split off may not be in its map yet).
        hosted: Vec<PgId>,
    },
    Value {
        value: Option<Vec<u8>>,
    },
    Rows {
        rows: Vec<(Vec<u8>, Vec<u8>)>,
        more: bool,
    },
    /// The segment does not yet hold the log the read needs.
    NotCaughtUp {
        scl: Lsn,
    },
    /// Records of the chain, with the history under which they are valid.
    Records {
        scl: Lsn,
        history: EpochHistory,
        records: Vec<LogRecord>,
    },
    Status {
        pg: PgId,
        epoch: Epoch,
        scl: Lsn,
        vdl_hint: Lsn,
        applied_lsn: Lsn,
        /// Versions below this LSN may have been garbage-collected.
        gc_horizon: Lsn,
        records: u64,
        /// Bytes of the segment's log (what a PG split is triggered by).
        log_bytes: u64,
    },
    /// The answer to `SplitAdvice`.
    SplitAdvice {
        live_keys: u64,
        /// Bytes of the live keys and values.
        live_bytes: u64,
        /// The live key in the middle of the range (`None`: fewer than two
        /// live keys, nothing to split).
        median: Option<Vec<u8>>,
    },
    /// The request could not be served (bad request, I/O failure).
    Error {
        message: String,
    },
}

mod kind {
    pub const WRITE: u8 = 1;
    pub const SEAL: u8 = 2;
    pub const GET: u8 = 3;
    pub const SCAN: u8 = 4;
    pub const FETCH: u8 = 5;
    pub const STATUS: u8 = 6;
    pub const FETCH_EXACT: u8 = 7;
    pub const SPLIT_ADVICE: u8 = 8;

    pub const WRITE_ACK: u8 = 101;
    pub const REFUSED: u8 = 102;
    pub const SEALED: u8 = 103;
    pub const VALUE: u8 = 104;
    pub const ROWS: u8 = 105;
    pub const NOT_CAUGHT_UP: u8 = 106;
    pub const RECORDS: u8 = 107;
    pub const STATUS_REPORT: u8 = 108;
    pub const ERROR: u8 = 109;
    pub const SPLIT_ADVICE_REPORT: u8 = 110;
}

fn encode_records(writer: &mut Writer, records: &[LogRecord]) {
    writer.u32(u32::try_from(records.len()).expect("record count"));
    for record in records {
        record.encode_into(&mut writer.bytes);
    }
}

fn decode_records(reader: &mut Reader<'_>) -> Result<Vec<LogRecord>, DecodeError> {
    let count = reader.count("records", BATCH_RECORDS_MAX * 16, 8)?;
    let mut records = Vec::with_capacity(count);
    for _ in 0..count {
        let (record, used) = LogRecord::decode_prefix(reader.peek_rest())?;
        reader.take(used)?;
        records.push(record);
    }
    Ok(records)
}

fn encode_header(writer: &mut Writer, header: &RecordHeader) {
    writer.u64(header.lsn.0);
    writer.u64(header.epoch.0);
    writer.u32(header.pg.0);
    writer.u64(header.prev_pg_lsn.0);
    writer.u64(header.prev_volume_lsn.0);
    writer.u8(u8::from(header.cpl));
}

fn decode_header(reader: &mut Reader<'_>) -> Result<RecordHeader, DecodeError> {
    let header = RecordHeader {
        lsn: Lsn(reader.u64()?),
        epoch: Epoch(reader.u64()?),
        pg: PgId(reader.u32()?),
        prev_pg_lsn: Lsn(reader.u64()?),
        prev_volume_lsn: Lsn(reader.u64()?),
        cpl: match reader.u8()? {
            0 => false,
            1 => true,
            _ => return Err(DecodeError::Malformed("cpl flag is neither 0 nor 1")),
        },
    };
    if header.prev_pg_lsn >= header.lsn || header.prev_volume_lsn >= header.lsn {
        return Err(DecodeError::Malformed("backlink does not point back"));
    }
    Ok(header)
}

impl Request {
    pub fn pg(&self) -> PgId {
        match self {
            Request::Write { pg, .. }
            | Request::Seal { pg, .. }
            | Request::Get { pg, .. }
            | Request::Scan { pg, .. }
            | Request::Fetch { pg, .. }
            | Request::FetchExact { pg, .. }
            | Request::Status { pg }
            | Request::SplitAdvice { pg, .. } => *pg,
        }
    }

    /// Returns the message kind and appends the body to `writer`.
    pub fn encode_body(&self, writer: &mut Writer) -> u8 {
        match self {
            Request::Write {
                epoch,
                history,
                pg,
                vdl,
                min_read_lsn,
                records,
            } => {
                writer.u64(epoch.0);
                history.encode(writer);
                writer.u32(pg.0);
                writer.u64(vdl.0);
                writer.u64(min_read_lsn.0);
                encode_records(writer, records);
                kind::WRITE
            }
            Request::Seal { epoch, pg } => {
                writer.u64(epoch.0);
                writer.u32(pg.0);
                kind::SEAL
            }
            Request::Get { pg, key, at, need } => {
                writer.u32(pg.0);
                writer.bytes(key);
                writer.u64(at.0);
                writer.u64(need.0);
                kind::GET
            }
            Request::Scan {
                pg,
                start,
                end,
                at,
                need,
                limit,
            } => {
                writer.u32(pg.0);
                writer.bytes(start);
                writer.opt_bytes(end.as_deref());
                writer.u64(at.0);
                writer.u64(need.0);
                writer.u32(*limit);
                kind::SCAN
            }
            Request::Fetch {
                pg,
                after,
                bytes_max,
            } => {
                writer.u32(pg.0);
                writer.u64(after.0);
                writer.u32(*bytes_max);
                kind::FETCH
            }
            Request::FetchExact { pg, lsns } => {
                writer.u32(pg.0);
                writer.u32(u32::try_from(lsns.len()).expect("lsn count"));
                for lsn in lsns {
                    writer.u64(lsn.0);
                }
                kind::FETCH_EXACT
            }
            Request::Status { pg } => {
                writer.u32(pg.0);
                kind::STATUS
            }
            Request::SplitAdvice {
                pg,
                start,
                end,
                at,
                need,
            } => {
                writer.u32(pg.0);
                writer.bytes(start);
                writer.opt_bytes(end.as_deref());
                writer.u64(at.0);
                writer.u64(need.0);
                kind::SPLIT_ADVICE
            }
        }
    }

    pub fn decode_body(kind: u8, body: &[u8]) -> Result<Request, DecodeError> {
        let mut reader = Reader::new(body);
        let request = match kind {
            kind::WRITE => Request::Write {
                epoch: Epoch(reader.u64()?),
                history: EpochHistory::decode(&mut reader)?,
                pg: PgId(reader.u32()?),
                vdl: Lsn(reader.u64()?),
                min_read_lsn: Lsn(reader.u64()?),
                records: decode_records(&mut reader)?,
            },
            kind::SEAL => Request::Seal {
                epoch: Epoch(reader.u64()?),
                pg: PgId(reader.u32()?),
            },
            kind::GET => Request::Get {
                pg: PgId(reader.u32()?),
                key: reader.bytes("key", KEY_BYTES_MAX)?.to_vec(),
                at: Lsn(reader.u64()?),
                need: Lsn(reader.u64()?),
            },
            kind::SCAN => Request::Scan {
                pg: PgId(reader.u32()?),
                start: reader.bytes("key", KEY_BYTES_MAX)?.to_vec(),
                end: reader.opt_bytes("key", KEY_BYTES_MAX)?.map(<[u8]>::to_vec),
                at: Lsn(reader.u64()?),
                need: Lsn(reader.u64()?),
                limit: reader.u32()?,
            },
            kind::FETCH => Request::Fetch {
                pg: PgId(reader.u32()?),
                after: Lsn(reader.u64()?),
                bytes_max: reader.u32()?,
            },
            kind::FETCH_EXACT => {
                let pg = PgId(reader.u32()?);
                let count = reader.count("lsns", BATCH_RECORDS_MAX, 8)?;
                let mut lsns = Vec::with_capacity(count);
                for _ in 0..count {
                    lsns.push(Lsn(reader.u64()?));
                }
                Request::FetchExact { pg, lsns }
            }
            kind::STATUS => Request::Status {
                pg: PgId(reader.u32()?),
            },
            kind::SPLIT_ADVICE => Request::SplitAdvice {
                pg: PgId(reader.u32()?),
                start: reader.bytes("key", KEY_BYTES_MAX)?.to_vec(),
                end: reader.opt_bytes("key", KEY_BYTES_MAX)?.map(<[u8]>::to_vec),
                at: Lsn(reader.u64()?),
                need: Lsn(reader.u64()?),
            },
            other => return Err(DecodeError::UnknownKind(other)),
        };
        reader.finish()?;
        Ok(request)
    }
}

impl Response {
    pub fn encode_body(&self, writer: &mut Writer) -> u8 {
        match self {
            Response::WriteAck { pg, scl } => {
                writer.u32(pg.0);
                writer.u64(scl.0);
                kind::WRITE_ACK
            }
            Response::Refused { epoch } => {
                writer.u64(epoch.0);
                kind::REFUSED
            }
            Response::Sealed {
                pg,
                epoch_before,
                history,
                scl,
                vdl_hint,
                last_lsn_at_or_below_hint,
                headers,
                hosted,
            } => {
                writer.u32(pg.0);
                writer.u64(epoch_before.0);
                history.encode(writer);
                writer.u64(scl.0);
                writer.u64(vdl_hint.0);
                writer.u64(last_lsn_at_or_below_hint.0);
                writer.u32(u32::try_from(headers.len()).expect("header count"));
                for header in headers {
                    encode_header(writer, header);
                }
                writer.u32(u32::try_from(hosted.len()).expect("PG count"));
                for pg in hosted {
                    writer.u32(pg.0);
                }
                kind::SEALED
            }
            Response::Value { value } => {
                writer.opt_bytes(value.as_deref());
                kind::VALUE
            }
            Response::Rows { rows, more } => {
                writer.u32(u32::try_from(rows.len()).expect("row count"));
                for (key, value) in rows {
                    writer.bytes(key);
                    writer.bytes(value);
                }
                writer.u8(u8::from(*more));
                kind::ROWS
            }
            Response::NotCaughtUp { scl } => {
                writer.u64(scl.0);
                kind::NOT_CAUGHT_UP
            }
            Response::Records {
                scl,
                history,
                records,
            } => {
                writer.u64(scl.0);
                history.encode(writer);
                encode_records(writer, records);
                kind::RECORDS
            }
            Response::Status {
                pg,
                epoch,
                scl,
                vdl_hint,
                applied_lsn,
                gc_horizon,
                records,
                log_bytes,
            } => {
                writer.u32(pg.0);
                writer.u64(epoch.0);
                writer.u64(scl.0);
                writer.u64(vdl_hint.0);
                writer.u64(applied_lsn.0);
                writer.u64(gc_horizon.0);
                writer.u64(*records);
                writer.u64(*log_bytes);
                kind::STATUS_REPORT
            }
            Response::SplitAdvice {
                live_keys,
                live_bytes,
                median,
            } => {
                writer.u64(*live_keys);
                writer.u64(*live_bytes);
                writer.opt_bytes(median.as_deref());
                kind::SPLIT_ADVICE_REPORT
            }
            Response::Error { message } => {
                writer.bytes(message.as_bytes());
                kind::ERROR
            }
        }
    }

    pub fn decode_body(kind: u8, body: &[u8]) -> Result<Response, DecodeError> {
        let mut reader = Reader::new(body);
        let response = match kind {
            kind::WRITE_ACK => Response::WriteAck {
                pg: PgId(reader.u32()?),
                scl: Lsn(reader.u64()?),
            },
            kind::REFUSED => Response::Refused {
                epoch: Epoch(reader.u64()?),
            },
            kind::SEALED => {
                let pg = PgId(reader.u32()?);
                let epoch_before = Epoch(reader.u64()?);
                let history = EpochHistory::decode(&mut reader)?;
                let scl = Lsn(reader.u64()?);
                let vdl_hint = Lsn(reader.u64()?);
                let last_lsn_at_or_below_hint = Lsn(reader.u64()?);
                let count = reader.count("headers", SEALED_HEADERS_MAX, HEADER_BYTES)?;
                let mut headers = Vec::with_capacity(count);
                for _ in 0..count {
                    headers.push(decode_header(&mut reader)?);
                }
                let count = reader.count("hosted PGs", HOSTED_PGS_MAX, 4)?;
                let mut hosted = Vec::with_capacity(count);
                for _ in 0..count {
                    hosted.push(PgId(reader.u32()?));
                }
                Response::Sealed {
                    pg,
                    epoch_before,
                    history,
                    scl,
                    vdl_hint,
                    last_lsn_at_or_below_hint,
                    headers,
                    hosted,
                }
            }
            kind::VALUE => Response::Value {
                value: reader
                    .opt_bytes("value", VALUE_BYTES_MAX)?
                    .map(<[u8]>::to_vec),
            },
            kind::ROWS => {
                let count = reader.count("rows", SCAN_ROWS_MAX, 8)?;
                let mut rows = Vec::with_capacity(count);
                for _ in 0..count {
                    let key = reader.bytes("key", KEY_BYTES_MAX)?.to_vec();
                    let value = reader.bytes("value", VALUE_BYTES_MAX)?.to_vec();
                    rows.push((key, value));
                }
                let more = reader.u8()? != 0;
                Response::Rows { rows, more }
            }
            kind::NOT_CAUGHT_UP => Response::NotCaughtUp {
                scl: Lsn(reader.u64()?),
            },
            kind::RECORDS => Response::Records {
                scl: Lsn(reader.u64()?),
                history: EpochHistory::decode(&mut reader)?,
                records: decode_records(&mut reader)?,
            },
            kind::STATUS_REPORT => Response::Status {
                pg: PgId(reader.u32()?),
                epoch: Epoch(reader.u64()?),
                scl: Lsn(reader.u64()?),
                vdl_hint: Lsn(reader.u64()?),
                applied_lsn: Lsn(reader.u64()?),
                gc_horizon: Lsn(reader.u64()?),
                records: reader.u64()?,
                log_bytes: reader.u64()?,
            },
            kind::SPLIT_ADVICE_REPORT => Response::SplitAdvice {
                live_keys: reader.u64()?,
                live_bytes: reader.u64()?,
                median: reader.opt_bytes("key", KEY_BYTES_MAX)?.map(<[u8]>::to_vec),
            },
            kind::ERROR => Response::Error {
                message: String::from_utf8_lossy(reader.bytes("message", FRAME_BYTES_MAX)?)
                    .into_owned(),
            },
            other => return Err(DecodeError::UnknownKind(other)),
        };
        reader.finish()?;
        Ok(response)
    }
}
