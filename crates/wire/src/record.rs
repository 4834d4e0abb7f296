//! The log record: the unit of the volume's log.
//!
//! A record carries one protection group's share of an atomic group of
//! changes (a transaction's commit, a DDL change). Its two backlinks let a
//! replica tell whether it holds its PG's whole history up to a point
//! (`prev_pg_lsn`, for the SCL) and let a recovering writer tell whether the
//! volume's history is complete across PGs (`prev_volume_lsn`, for the VCL).
//! The last record of an atomic group is flagged CPL (consistency point).
//! A PG split adds a [`SplitMark`] to two records of its group: the old
//! PG's ("keys from here on moved out") and the new PG's first, its genesis
//! ("my keys come from that PG as of that LSN").
//!
//! Encoding (little-endian), identical on the wire and in a replica's log:
//!
//! ```text
//! u32 body_len | u32 crc32c(body) | body
//! body: u8 version(=2) | u8 flags | u64 lsn | u64 epoch | u32 pg
//!       | u64 prev_pg_lsn | u64 prev_volume_lsn
//!       | [flags bit 1, genesis: u32 source_pg | u64 source_lsn
//!          | bytes start | opt_bytes end]
//!       | [flags bit 2, moved out: u32 to_pg | bytes from_key]
//!       | u32 mutation_count
//!       | mutation*: bytes key | opt_bytes value (absent = delete)
//! ```
//!
//! Version 1 (no split marks, flag bit 0 only) is still decoded, so logs
//! written before splits existed stay readable; everything is written as
//! version 2.

use crate::codec::{DecodeError, Reader, Writer};
use borealis_common::limits::{KEY_BYTES_MAX, RECORD_BYTES_MAX, VALUE_BYTES_MAX};
use borealis_common::{Epoch, Lsn, PgId};

pub const RECORD_FORMAT_VERSION: u8 = 2;
/// The version before split marks; decoded, never written.
const RECORD_FORMAT_VERSION_1: u8 = 1;
/// Flag: this record is the last of an atomic group (a CPL).
pub const FLAG_CPL: u8 = 0b0000_0001;
/// Flag: the record opens a new PG split off another ([`SplitMark::Genesis`]).
pub const FLAG_GENESIS: u8 = 0b0000_0010;
/// Flag: keys of this record's PG moved to a new PG ([`SplitMark::MovedOut`]).
pub const FLAG_MOVED_OUT: u8 = 0b0000_0100;
/// Bytes before the body: length and checksum.
pub const RECORD_PREFIX_BYTES: usize = 8;
const BODY_FIXED_BYTES: usize = 1 + 1 + 8 + 8 + 4 + 8 + 8 + 4;
/// The smallest encoding of one mutation: empty key and absent value.
const MUTATION_BYTES_MIN: usize = 4 + 1;

/// One key's change: a new value, or a delete (`value == None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mutation {
    pub key: Vec<u8>,
    pub value: Option<Vec<u8>>,
}

/// The parts of a record that recovery and chain tracking need, without the
/// payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    pub lsn: Lsn,
    pub epoch: Epoch,
    pub pg: PgId,
    pub prev_pg_lsn: Lsn,
    pub prev_volume_lsn: Lsn,
    pub cpl: bool,
}

/// What a record of a PG split says about the key ranges it changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SplitMark {
    /// The first record of a new PG (its chain starts here): it holds the
    /// keys `[start, end)`, whose versions up to the split are those of PG
    /// `source` as of `source_lsn` (the old PG's record of the same group).
    Genesis {
        source: PgId,
        source_lsn: Lsn,
        start: Vec<u8>,
        end: Option<Vec<u8>>,
    },
    /// The keys of this PG from `from_key` on moved to PG `to`.
    MovedOut { to: PgId, from_key: Vec<u8> },
}

impl SplitMark {
    fn encoded_len(&self) -> usize {
        match self {
            SplitMark::Genesis { start, end, .. } => {
                4 + 8 + 4 + start.len() + 1 + end.as_ref().map_or(0, |e| 4 + e.len())
            }
            SplitMark::MovedOut { from_key, .. } => 4 + 4 + from_key.len(),
        }
    }

    fn flag(&self) -> u8 {
        match self {
            SplitMark::Genesis { .. } => FLAG_GENESIS,
            SplitMark::MovedOut { .. } => FLAG_MOVED_OUT,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRecord {
    pub header: RecordHeader,
    /// Set on the records of a PG split.
    pub split: Option<SplitMark>,
    pub mutations: Vec<Mutation>,
}

impl LogRecord {
    pub fn lsn(&self) -> Lsn {
        self.header.lsn
    }

    /// A record of plain changes (no split mark).
    pub fn new(header: RecordHeader, mutations: Vec<Mutation>) -> LogRecord {
        LogRecord {
            header,
            split: None,
            mutations,
        }
    }

    /// Bytes this record takes when encoded.
    pub fn encoded_len(&self) -> usize {
        RECORD_PREFIX_BYTES
            + BODY_FIXED_BYTES
            + self.split.as_ref().map_or(0, SplitMark::encoded_len)
            + self
                .mutations
                .iter()
                .map(|m| 4 + m.key.len() + 1 + m.value.as_ref().map_or(0, |v| 4 + v.len()))
                .sum::<usize>()
    }

    /// Appends the encoding to `out`. The caller has checked the bounds
    /// (keys, values, record size) when it built the record.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let header = &self.header;
        assert!(
            header.prev_pg_lsn < header.lsn,
            "PG backlink must point back"
        );
        assert!(
            header.prev_volume_lsn < header.lsn,
            "volume backlink must point back"
        );
        let start = out.len();
        out.extend_from_slice(&[0u8; RECORD_PREFIX_BYTES]);
        let mut body = Writer {
            bytes: std::mem::take(out),
        };
        body.u8(RECORD_FORMAT_VERSION);
        let flags =
            if header.cpl { FLAG_CPL } else { 0 } | self.split.as_ref().map_or(0, SplitMark::flag);
        body.u8(flags);
        body.u64(header.lsn.0);
        body.u64(header.epoch.0);
        body.u32(header.pg.0);
        body.u64(header.prev_pg_lsn.0);
        body.u64(header.prev_volume_lsn.0);
        match &self.split {
            None => {}
            Some(SplitMark::Genesis {
                source,
                source_lsn,
                start,
                end,
            }) => {
                assert!(header.prev_pg_lsn == Lsn::ZERO, "a genesis opens its chain");
                assert!(*source_lsn < header.lsn, "a genesis copies from before it");
                body.u32(source.0);
                body.u64(source_lsn.0);
                body.bytes(start);
                body.opt_bytes(end.as_deref());
            }
            Some(SplitMark::MovedOut { to, from_key }) => {
                body.u32(to.0);
                body.bytes(from_key);
            }
        }
        body.u32(u32::try_from(self.mutations.len()).expect("mutation count"));
        for mutation in &self.mutations {
            assert!(mutation.key.len() <= KEY_BYTES_MAX);
            body.bytes(&mutation.key);
            body.opt_bytes(mutation.value.as_deref());
        }
        *out = body.bytes;
        let body_len = out.len() - start - RECORD_PREFIX_BYTES;
        assert!(body_len + RECORD_PREFIX_BYTES <= RECORD_BYTES_MAX);
        let crc = crc32c::crc32c(&out[start + RECORD_PREFIX_BYTES..]);
        out[start..start + 4].copy_from_slice(&(body_len as u32).to_le_bytes());
        out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        debug_assert_eq!(out.len(), self.encoded_len());
        out
    }

    /// Decodes one record from the front of `input`, returning it and the
    /// bytes it took. A short input is `Truncated` (a torn tail in a log
    /// file); a checksum mismatch is `Checksum` (corruption).
    pub fn decode_prefix(input: &[u8]) -> Result<(LogRecord, usize), DecodeError> {
        let mut prefix = Reader::new(input);
        let body_len = prefix.u32()? as usize;
        let stored_crc = prefix.u32()?;
        if body_len + RECORD_PREFIX_BYTES > RECORD_BYTES_MAX {
            return Err(DecodeError::TooLarge {
                what: "record",
                len: body_len,
                max: RECORD_BYTES_MAX,
            });
        }
        let body = prefix.take(body_len)?;
        let computed = crc32c::crc32c(body);
        if computed != stored_crc {
            return Err(DecodeError::Checksum {
                stored: stored_crc,
                computed,
            });
        }
        let record = Self::decode_body(body)?;
        Ok((record, RECORD_PREFIX_BYTES + body_len))
    }

    fn decode_body(body: &[u8]) -> Result<LogRecord, DecodeError> {
        let mut reader = Reader::new(body);
        let version = reader.u8()?;
        let known_flags = match version {
            RECORD_FORMAT_VERSION => FLAG_CPL | FLAG_GENESIS | FLAG_MOVED_OUT,
            RECORD_FORMAT_VERSION_1 => FLAG_CPL,
            other => return Err(DecodeError::Version(other)),
        };
        let flags = reader.u8()?;
        if flags & !known_flags != 0
            || flags & (FLAG_GENESIS | FLAG_MOVED_OUT) == FLAG_GENESIS | FLAG_MOVED_OUT
        {
            return Err(DecodeError::Malformed("unknown record flags"));
        }
        let header = RecordHeader {
            lsn: Lsn(reader.u64()?),
            epoch: Epoch(reader.u64()?),
            pg: PgId(reader.u32()?),
            prev_pg_lsn: Lsn(reader.u64()?),
            prev_volume_lsn: Lsn(reader.u64()?),
            cpl: flags & FLAG_CPL != 0,
        };
        if header.prev_pg_lsn >= header.lsn || header.prev_volume_lsn >= header.lsn {
            return Err(DecodeError::Malformed("backlink does not point back"));
        }
        let split = if flags & FLAG_GENESIS != 0 {
            let source = PgId(reader.u32()?);
            let source_lsn = Lsn(reader.u64()?);
            let start = reader.bytes("key", KEY_BYTES_MAX)?.to_vec();
            let end = reader.opt_bytes("key", KEY_BYTES_MAX)?.map(<[u8]>::to_vec);
            if header.prev_pg_lsn != Lsn::ZERO || source_lsn >= header.lsn {
                return Err(DecodeError::Malformed("genesis record out of place"));
            }
            Some(SplitMark::Genesis {
                source,
                source_lsn,
                start,
                end,
            })
        } else if flags & FLAG_MOVED_OUT != 0 {
            let to = PgId(reader.u32()?);
            let from_key = reader.bytes("key", KEY_BYTES_MAX)?.to_vec();
            Some(SplitMark::MovedOut { to, from_key })
        } else {
            None
        };
        let count = reader.count("mutations", RECORD_BYTES_MAX, MUTATION_BYTES_MIN)?;
        let mut mutations = Vec::with_capacity(count);
        for _ in 0..count {
            let key = reader.bytes("key", KEY_BYTES_MAX)?.to_vec();
            let value = reader
                .opt_bytes("value", VALUE_BYTES_MAX)?
                .map(<[u8]>::to_vec);
            mutations.push(Mutation { key, value });
        }
        reader.finish()?;
        Ok(LogRecord {
            header,
            split,
            mutations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record_strategy() -> impl Strategy<Value = LogRecord> {
        let mutation = (
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..100)),
        )
            .prop_map(|(key, value)| Mutation { key, value });
        (
            1u64..u64::MAX,
            any::<u64>(),
            any::<u32>(),
            any::<bool>(),
            proptest::collection::vec(mutation, 0..8),
            any::<u64>(),
            any::<u64>(),
            (
                0u8..3,
                any::<u32>(),
                proptest::collection::vec(any::<u8>(), 0..20),
                proptest::option::of(proptest::collection::vec(any::<u8>(), 0..20)),
            ),
        )
            .prop_map(
                |(lsn, epoch, pg, cpl, mutations, a, b, (kind, other_pg, key, end))| {
                    let split = match kind {
                        0 => None,
                        1 => Some(SplitMark::Genesis {
                            source: PgId(other_pg),
                            source_lsn: Lsn(a % lsn),
                            start: key,
                            end,
                        }),
                        _ => Some(SplitMark::MovedOut {
                            to: PgId(other_pg),
                            from_key: key,
                        }),
                    };
                    let genesis = kind == 1;
                    LogRecord {
                        header: RecordHeader {
                            lsn: Lsn(lsn),
                            epoch: Epoch(epoch),
                            pg: PgId(pg),
                            prev_pg_lsn: if genesis { Lsn::ZERO } else { Lsn(a % lsn) },
                            prev_volume_lsn: Lsn(b % lsn),
                            cpl,
                        },
                        split,
                        mutations,
                    }
                },
            )
    }

    #[test]
    fn version_1_records_still_decode() {
        // A version-1 record as the previous release wrote it: lsn 5, epoch
        // 1, pg 0, backlinks 4 and 4, CPL, one put of "k" = "v".
        let mut body = vec![1u8, FLAG_CPL];
        for field in [5u64, 1] {
            body.extend_from_slice(&field.to_le_bytes());
        }
        body.extend_from_slice(&0u32.to_le_bytes());
        for field in [4u64, 4] {
            body.extend_from_slice(&field.to_le_bytes());
        }
        body.extend_from_slice(&1u32.to_le_bytes());
        body.extend_from_slice(&1u32.to_le_bytes());
        body.push(b'k');
        body.push(1);
        body.extend_from_slice(&1u32.to_le_bytes());
        body.push(b'v');
        let mut bytes = (body.len() as u32).to_le_bytes().to_vec();
        bytes.extend_from_slice(&crc32c::crc32c(&body).to_le_bytes());
        bytes.extend_from_slice(&body);
        let (record, used) = LogRecord::decode_prefix(&bytes).unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(record.lsn(), Lsn(5));
        assert!(record.header.cpl && record.split.is_none());
        assert_eq!(record.mutations[0].value.as_deref(), Some(&b"v"[..]));
        // Version 1 knows no split flags.
        let mut flagged = body.clone();
        flagged[1] |= FLAG_GENESIS;
        let mut bytes = (flagged.len() as u32).to_le_bytes().to_vec();
        bytes.extend_from_slice(&crc32c::crc32c(&flagged).to_le_bytes());
        bytes.extend_from_slice(&flagged);
        assert!(LogRecord::decode_prefix(&bytes).is_err());
    }

    proptest! {
        #[test]
        fn record_round_trips(record in record_strategy()) {
            let bytes = record.encode();
            prop_assert_eq!(bytes.len(), record.encoded_len());
            let (decoded, used) = LogRecord::decode_prefix(&bytes).unwrap();
            prop_assert_eq!(used, bytes.len());
            prop_assert_eq!(decoded, record);
        }

        #[test]
        fn any_flipped_byte_is_detected(record in record_strategy(), index in any::<usize>(), bit in 0u8..8) {
            let mut bytes = record.encode();
            let index = index % bytes.len();
            bytes[index] ^= 1 << bit;
            match LogRecord::decode_prefix(&bytes) {
                Err(_) => {}
                // A flip in the length prefix may still frame a valid-looking
                // shorter record only if the checksum also matches: never.
                Ok((decoded, _)) => prop_assert!(false, "corruption accepted: {:?}", decoded),
            }
        }

        #[test]
        fn every_torn_prefix_is_truncated(record in record_strategy(), cut in any::<usize>()) {
            let bytes = record.encode();
            let cut = cut % bytes.len();
            prop_assert!(LogRecord::decode_prefix(&bytes[..cut]).is_err());
        }
    }
}
