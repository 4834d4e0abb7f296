//! Frames: how messages travel over a TCP stream.
//!
//! ```text
//! u32 len | u32 crc32c(rest) | rest: u8 version(=1) | u8 kind | u64 request_id | body
//! ```
//! `len` counts `rest`. A frame over [`FRAME_BYTES_MAX`] is refused before
//! anything is allocated for it. Request ids let a client pipeline requests
//! on one connection; a replica answers each request with the same id.

use crate::codec::{DecodeError, Writer};
use crate::message::{Request, Response};
use borealis_common::limits::FRAME_BYTES_MAX;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// 2: records carry split marks, `Sealed` lists hosted PGs, `Status`
/// reports log bytes, `SplitAdvice` exists.
pub const FRAME_FORMAT_VERSION: u8 = 2;
const REST_FIXED_BYTES: usize = 1 + 1 + 8;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("connection closed")]
    Closed,
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("bad frame: {0}")]
    Decode(#[from] DecodeError),
}

/// Encodes a request as one frame.
pub fn encode_request(request_id: u64, request: &Request) -> Vec<u8> {
    encode(request_id, |writer| request.encode_body(writer))
}

/// Encodes a response as one frame.
pub fn encode_response(request_id: u64, response: &Response) -> Vec<u8> {
    encode(request_id, |writer| response.encode_body(writer))
}

fn encode(request_id: u64, body: impl FnOnce(&mut Writer) -> u8) -> Vec<u8> {
    let mut writer = Writer::with_capacity(64);
    writer.bytes.extend_from_slice(&[0u8; 8]);
    writer.u8(FRAME_FORMAT_VERSION);
    writer.u8(0); // kind, filled in below
    writer.u64(request_id);
    let kind = body(&mut writer);
    writer.bytes[9] = kind;
    let rest_len = writer.bytes.len() - 8;
    assert!(rest_len + 8 <= FRAME_BYTES_MAX, "frame over the limit");
    let crc = crc32c::crc32c(&writer.bytes[8..]);
    writer.bytes[0..4].copy_from_slice(&(rest_len as u32).to_le_bytes());
    writer.bytes[4..8].copy_from_slice(&crc.to_le_bytes());
    writer.bytes
}

/// A checked frame: its kind, request id and body.
pub struct RawFrame {
    pub kind: u8,
    pub request_id: u64,
    pub body: Vec<u8>,
}

/// Checks a frame's `rest` (everything after length and checksum).
pub fn decode_rest(stored_crc: u32, rest: &[u8]) -> Result<RawFrame, DecodeError> {
    let computed = crc32c::crc32c(rest);
    if computed != stored_crc {
        return Err(DecodeError::Checksum {
            stored: stored_crc,
            computed,
        });
    }
    if rest.len() < REST_FIXED_BYTES {
        return Err(DecodeError::Truncated {
            needed: REST_FIXED_BYTES - rest.len(),
        });
    }
    if rest[0] != FRAME_FORMAT_VERSION {
        return Err(DecodeError::Version(rest[0]));
    }
    let mut id = [0u8; 8];
    id.copy_from_slice(&rest[2..10]);
    Ok(RawFrame {
        kind: rest[1],
        request_id: u64::from_le_bytes(id),
        body: rest[REST_FIXED_BYTES..].to_vec(),
    })
}

/// Reads one frame. `Closed` when the peer closed cleanly between frames.
pub async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R) -> Result<RawFrame, FrameError> {
    let mut prefix = [0u8; 8];
    match reader.read_exact(&mut prefix).await {
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err(FrameError::Closed)
        }
        Err(error) => return Err(error.into()),
    }
    let rest_len = u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
    let stored_crc = u32::from_le_bytes([prefix[4], prefix[5], prefix[6], prefix[7]]);
    if rest_len + 8 > FRAME_BYTES_MAX {
        return Err(DecodeError::TooLarge {
            what: "frame",
            len: rest_len,
            max: FRAME_BYTES_MAX,
        }
        .into());
    }
    let mut rest = vec![0u8; rest_len];
    reader.read_exact(&mut rest).await?;
    Ok(decode_rest(stored_crc, &rest)?)
}

pub async fn write_frame<W: AsyncWrite + Unpin>(
    writer: &mut W,
    frame: &[u8],
) -> Result<(), FrameError> {
    writer.write_all(frame).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::EpochHistory;
    use crate::record::{LogRecord, Mutation, RecordHeader};
    use borealis_common::{Epoch, Lsn, PgId};
    use proptest::prelude::*;

    fn sample_requests() -> Vec<Request> {
        let record = LogRecord {
            header: RecordHeader {
                lsn: Lsn(10),
                epoch: Epoch(2),
                pg: PgId(0),
                prev_pg_lsn: Lsn(7),
                prev_volume_lsn: Lsn(9),
                cpl: true,
            },
            split: None,
            mutations: vec![
                Mutation {
                    key: b"k".to_vec(),
                    value: Some(b"v".to_vec()),
                },
                Mutation {
                    key: b"gone".to_vec(),
                    value: None,
                },
            ],
        };
        vec![
            Request::Write {
                epoch: Epoch(2),
                history: EpochHistory::starting(Epoch(2), Lsn(5)),
                pg: PgId(0),
                vdl: Lsn(8),
                min_read_lsn: Lsn(3),
                records: vec![record],
            },
            Request::Seal {
                epoch: Epoch(3),
                pg: PgId(1),
            },
            Request::Get {
                pg: PgId(0),
                key: b"abc".to_vec(),
                at: Lsn(4),
                need: Lsn(3),
            },
            Request::Scan {
                pg: PgId(0),
                start: vec![],
                end: Some(b"z".to_vec()),
                at: Lsn(4),
                need: Lsn(4),
                limit: 100,
            },
            Request::Fetch {
                pg: PgId(0),
                after: Lsn(1),
                bytes_max: 1000,
            },
            Request::FetchExact {
                pg: PgId(0),
                lsns: vec![Lsn(3), Lsn(9)],
            },
            Request::Status { pg: PgId(2) },
            Request::SplitAdvice {
                pg: PgId(1),
                start: b"m".to_vec(),
                end: None,
                at: Lsn(9),
                need: Lsn(8),
            },
        ]
    }

    fn round_trip_request(request: &Request) -> Request {
        let frame = encode_request(7, request);
        let stored_crc = u32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]);
        let raw = decode_rest(stored_crc, &frame[8..]).unwrap();
        assert_eq!(raw.request_id, 7);
        Request::decode_body(raw.kind, &raw.body).unwrap()
    }

    #[test]
    fn requests_round_trip() {
        for request in sample_requests() {
            assert_eq!(round_trip_request(&request), request);
        }
    }

    #[test]
    fn responses_round_trip() {
        let responses = vec![
            Response::WriteAck {
                pg: PgId(1),
                scl: Lsn(9),
            },
            Response::Refused { epoch: Epoch(4) },
            Response::Sealed {
                pg: PgId(0),
                epoch_before: Epoch(1),
                history: EpochHistory::starting(Epoch(1), Lsn(0)),
                scl: Lsn(10),
                vdl_hint: Lsn(8),
                last_lsn_at_or_below_hint: Lsn(7),
                headers: vec![RecordHeader {
                    lsn: Lsn(10),
                    epoch: Epoch(1),
                    pg: PgId(0),
                    prev_pg_lsn: Lsn(7),
                    prev_volume_lsn: Lsn(9),
                    cpl: false,
                }],
                hosted: vec![PgId(0), PgId(3)],
            },
            Response::Value { value: None },
            Response::Value {
                value: Some(vec![1, 2]),
            },
            Response::Rows {
                rows: vec![(b"a".to_vec(), b"1".to_vec())],
                more: true,
            },
            Response::NotCaughtUp { scl: Lsn(3) },
            Response::Records {
                scl: Lsn(3),
                history: EpochHistory::default(),
                records: vec![],
            },
            Response::Status {
                pg: PgId(0),
                epoch: Epoch(1),
                scl: Lsn(2),
                vdl_hint: Lsn(2),
                applied_lsn: Lsn(1),
                gc_horizon: Lsn(1),
                records: 5,
                log_bytes: 4096,
            },
            Response::SplitAdvice {
                live_keys: 10,
                live_bytes: 300,
                median: Some(b"m".to_vec()),
            },
            Response::Error {
                message: "nope".into(),
            },
        ];
        for response in responses {
            let frame = encode_response(1, &response);
            let stored_crc = u32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]);
            let raw = decode_rest(stored_crc, &frame[8..]).unwrap();
            assert_eq!(
                Response::decode_body(raw.kind, &raw.body).unwrap(),
                response
            );
        }
    }

    proptest! {
        #[test]
        fn corrupt_frames_are_refused(index in any::<usize>(), bit in 0u8..8, which in 0usize..8) {
            let request = &sample_requests()[which];
            let mut frame = encode_request(1, request);
            let index = 8 + index % (frame.len() - 8);
            frame[index] ^= 1 << bit;
            let stored_crc = u32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]);
            prop_assert!(decode_rest(stored_crc, &frame[8..]).is_err());
        }

        #[test]
        fn arbitrary_bodies_never_panic(kind in any::<u8>(), body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Request::decode_body(kind, &body);
            let _ = Response::decode_body(kind, &body);
        }
    }
}
