//! Frontend message framing and decoding, written defensively for bytes from the network.
//!
//! Every message is length-checked against `Limits::message_bytes_max` before it is buffered,
//! then cut out of the read buffer and parsed from its own slice, so a bad body can never read
//! into the next message. Parsing never panics: short bodies, bad counts and unknown types
//! become [`DecodeError`]s. Invalid UTF-8 in an otherwise well-formed message is recoverable
//! (22021, the connection stays); anything else is a protocol violation (08P01, connection closed).

use crate::backend::{ErrorInfo, Oid};
use crate::error::{protocol_violation, sqlstate};

/// Startup-phase packets (no type byte).
#[derive(Debug)]
pub enum StartupPacket {
    SslRequest,
    GssEncRequest,
    Cancel {
        pid: i32,
        secret: Vec<u8>,
    },
    Startup {
        major: u16,
        minor: u16,
        params: Vec<(String, String)>,
    },
}

/// Messages after startup.
#[derive(Debug)]
pub enum FrontendMessage {
    Query(String),
    Parse {
        name: String,
        query: String,
        param_types: Vec<Oid>,
    },
    Bind {
        portal: String,
        statement: String,
        param_formats: Vec<i16>,
        params: Vec<Option<Vec<u8>>>,
        result_formats: Vec<i16>,
    },
    Describe {
        kind: u8,
        name: String,
    },
    Execute {
        portal: String,
        max_rows: i32,
    },
    Close {
        kind: u8,
        name: String,
    },
    Sync,
    Flush,
    Terminate,
    /// Password, SASLInitialResponse or SASLResponse: only the auth exchange knows which.
    Password(Vec<u8>),
    /// COPY data from the client (COPY FROM STDIN).
    CopyData(Vec<u8>),
    CopyDone,
    /// The client aborts a COPY FROM STDIN, with its reason.
    CopyFail(String),
}

impl FrontendMessage {
    /// Messages of the extended protocol: after an error in one, input is skipped until Sync.
    pub fn is_extended(&self) -> bool {
        matches!(
            self,
            FrontendMessage::Parse { .. }
                | FrontendMessage::Bind { .. }
                | FrontendMessage::Describe { .. }
                | FrontendMessage::Execute { .. }
                | FrontendMessage::Close { .. }
                | FrontendMessage::Flush
                | FrontendMessage::Sync
        )
    }
}

/// Why a message could not be decoded.
#[derive(Debug)]
pub enum DecodeError {
    /// Report and keep the connection (the message was consumed whole). `tag` is the
    /// message's type byte, so the caller knows whether to skip to the next Sync.
    Recoverable { tag: u8, info: ErrorInfo },
    /// Report as FATAL and close the connection.
    Fatal(ErrorInfo),
}

fn fatal(message: impl Into<String>) -> DecodeError {
    DecodeError::Fatal(protocol_violation(message))
}

pub const SSL_REQUEST_CODE: u32 = 80877103;
pub const GSSENC_REQUEST_CODE: u32 = 80877104;
pub const CANCEL_REQUEST_CODE: u32 = 80877102;
/// PostgreSQL's MAX_STARTUP_PACKET_LENGTH.
pub const STARTUP_PACKET_BYTES_MAX: usize = 10_000;

/// Known frontend message type bytes.
fn is_known_type(tag: u8) -> bool {
    matches!(
        tag,
        b'Q' | b'P' | b'B' | b'D' | b'E' | b'C' | b'S' | b'H' | b'X' | b'p' | b'd' | b'c' | b'f'
    )
}

/// If `buf` starts with a complete startup packet, the number of bytes it takes.
pub fn startup_packet_len(buf: &[u8]) -> Result<Option<usize>, DecodeError> {
    if buf.len() < 4 {
        return Ok(None);
    }
    let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if !(8..=STARTUP_PACKET_BYTES_MAX).contains(&len) {
        return Err(fatal("invalid length of startup packet"));
    }
    Ok((buf.len() >= len).then_some(len))
}

/// If `buf` starts with a complete typed message, the number of bytes it takes (type byte
/// included). Rejects unknown types and bad lengths as soon as the 5-byte header is in.
pub fn message_len(buf: &[u8], message_bytes_max: usize) -> Result<Option<usize>, DecodeError> {
    let Some(&tag) = buf.first() else {
        return Ok(None);
    };
    if !is_known_type(tag) {
        return Err(fatal(format!("invalid frontend message type {tag}")));
    }
    if buf.len() < 5 {
        return Ok(None);
    }
    let len = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize;
    if len < 4 {
        return Err(fatal(format!("invalid message length {len}")));
    }
    if len > message_bytes_max {
        return Err(fatal(format!(
            "message of {len} bytes exceeds the limit of {message_bytes_max} bytes"
        )));
    }
    Ok((buf.len() > len).then_some(len + 1))
}

/// A cursor over one message body: every read is bounds-checked.
struct Body<'a> {
    bytes: &'a [u8],
    tag: u8,
}

impl<'a> Body<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.bytes.len() < n {
            return Err(fatal("message body is shorter than its fields"));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn i16(&mut self) -> Result<i16, DecodeError> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Result<i32, DecodeError> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A count field: non-negative, and `count * elem_bytes_min` must fit in what is left.
    fn count(&mut self, elem_bytes_min: usize) -> Result<usize, DecodeError> {
        let count = self.i16()?;
        let count = usize::try_from(count).map_err(|_| fatal("negative count in message"))?;
        if count.saturating_mul(elem_bytes_min) > self.bytes.len() {
            return Err(fatal("count in message exceeds its length"));
        }
        Ok(count)
    }

    /// A NUL-terminated string as raw bytes.
    fn cstr_bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let Some(nul) = self.bytes.iter().position(|&b| b == 0) else {
            return Err(fatal("string in message is not NUL-terminated"));
        };
        let s = &self.bytes[..nul];
        self.bytes = &self.bytes[nul + 1..];
        Ok(s)
    }

    fn cstr(&mut self) -> Result<String, DecodeError> {
        let tag = self.tag;
        let bytes = self.cstr_bytes()?;
        String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::Recoverable {
            tag,
            info: ErrorInfo::error(
                sqlstate::CHARACTER_NOT_IN_REPERTOIRE,
                "invalid byte sequence for encoding \"UTF8\"",
            ),
        })
    }

    fn finish(&self) -> Result<(), DecodeError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(fatal("message has trailing bytes"))
        }
    }
}

/// Decode one startup packet (length prefix included in `packet`).
pub fn decode_startup(packet: &[u8]) -> Result<StartupPacket, DecodeError> {
    let mut body = Body {
        bytes: packet.get(4..).unwrap_or_default(),
        tag: 0,
    };
    let code = body.i32()? as u32;
    match code {
        SSL_REQUEST_CODE => Ok(StartupPacket::SslRequest),
        GSSENC_REQUEST_CODE => Ok(StartupPacket::GssEncRequest),
        CANCEL_REQUEST_CODE => {
            let pid = body.i32()?;
            if !(4..=256).contains(&body.bytes.len()) {
                return Err(fatal("invalid cancel request key length"));
            }
            Ok(StartupPacket::Cancel {
                pid,
                secret: body.bytes.to_vec(),
            })
        }
        _ => {
            let (major, minor) = ((code >> 16) as u16, (code & 0xffff) as u16);
            let mut params = Vec::new();
            loop {
                let key = body.cstr_bytes()?;
                if key.is_empty() {
                    break;
                }
                let value = body.cstr_bytes()?;
                let (Ok(key), Ok(value)) = (std::str::from_utf8(key), std::str::from_utf8(value))
                else {
                    return Err(fatal("invalid UTF-8 in startup packet"));
                };
                params.push((key.to_owned(), value.to_owned()));
            }
            body.finish()?;
            Ok(StartupPacket::Startup {
                major,
                minor,
                params,
            })
        }
    }
}

/// Decode one typed message (type byte and length included in `message`).
pub fn decode_message(message: &[u8]) -> Result<FrontendMessage, DecodeError> {
    let tag = message.first().copied().unwrap_or_default();
    let mut body = Body {
        bytes: message.get(5..).unwrap_or_default(),
        tag,
    };
    let msg = match tag {
        b'Q' => FrontendMessage::Query(body.cstr()?),
        b'P' => {
            let name = body.cstr()?;
            let query = body.cstr()?;
            let count = body.count(4)?;
            let mut param_types = Vec::with_capacity(count);
            for _ in 0..count {
                param_types.push(body.i32()? as u32);
            }
            FrontendMessage::Parse {
                name,
                query,
                param_types,
            }
        }
        b'B' => {
            let portal = body.cstr()?;
            let statement = body.cstr()?;
            let count = body.count(2)?;
            let mut param_formats = Vec::with_capacity(count);
            for _ in 0..count {
                param_formats.push(body.i16()?);
            }
            let count = body.count(4)?;
            let mut params = Vec::with_capacity(count);
            for _ in 0..count {
                let len = body.i32()?;
                if len == -1 {
                    params.push(None);
                } else {
                    let len =
                        usize::try_from(len).map_err(|_| fatal("invalid parameter length"))?;
                    params.push(Some(body.take(len)?.to_vec()));
                }
            }
            let count = body.count(2)?;
            let mut result_formats = Vec::with_capacity(count);
            for _ in 0..count {
                result_formats.push(body.i16()?);
            }
            FrontendMessage::Bind {
                portal,
                statement,
                param_formats,
                params,
                result_formats,
            }
        }
        b'D' | b'C' => {
            let kind = body.u8()?;
            if kind != b'S' && kind != b'P' {
                return Err(fatal(format!(
                    "invalid {} message subtype {kind}",
                    if tag == b'D' { "DESCRIBE" } else { "CLOSE" }
                )));
            }
            let name = body.cstr()?;
            if tag == b'D' {
                FrontendMessage::Describe { kind, name }
            } else {
                FrontendMessage::Close { kind, name }
            }
        }
        b'E' => {
            let portal = body.cstr()?;
            let max_rows = body.i32()?;
            FrontendMessage::Execute { portal, max_rows }
        }
        b'S' => FrontendMessage::Sync,
        b'H' => FrontendMessage::Flush,
        b'X' => FrontendMessage::Terminate,
        b'p' => {
            let bytes = body.bytes.to_vec();
            body.bytes = &[];
            FrontendMessage::Password(bytes)
        }
        b'd' => {
            let data = body.bytes.to_vec();
            body.bytes = &[];
            FrontendMessage::CopyData(data)
        }
        b'c' => FrontendMessage::CopyDone,
        b'f' => FrontendMessage::CopyFail(String::from_utf8_lossy(body.cstr_bytes()?).into_owned()),
        other => return Err(fatal(format!("invalid frontend message type {other}"))),
    };
    body.finish()?;
    Ok(msg)
}

/// Parse a SASLInitialResponse body: mechanism name, then length-prefixed data.
pub fn decode_sasl_initial(bytes: &[u8]) -> Result<(String, Vec<u8>), DecodeError> {
    let mut body = Body { bytes, tag: b'p' };
    let mechanism = body.cstr()?;
    let len = body.i32()?;
    let data = if len < 0 {
        Vec::new()
    } else {
        body.take(len as usize)?.to_vec()
    };
    body.finish()?;
    Ok((mechanism, data))
}

/// Parse a PasswordMessage body: one NUL-terminated string.
pub fn decode_password(bytes: &[u8]) -> Result<String, DecodeError> {
    let mut body = Body { bytes, tag: b'p' };
    let password = body.cstr()?;
    body.finish()?;
    Ok(password)
}

/// Runs the decoders over `bytes` the way a connection does (a startup
/// packet, then a stream of typed messages framed one at a time, password
/// bodies parsed both ways) and discards the results: for the property tests
/// and the fuzz target (`crates/endpoint/fuzz`), whose only question is
/// whether anything panics.
#[cfg(any(test, feature = "fuzzing"))]
pub fn decode_everything(bytes: &[u8], message_bytes_max: usize) {
    if let Ok(Some(len)) = startup_packet_len(bytes) {
        let _ = decode_startup(&bytes[..len]);
    }
    let mut rest = bytes;
    while let Ok(Some(len)) = message_len(rest, message_bytes_max) {
        assert!(
            len >= 5 && len <= rest.len(),
            "framed {len} of {} bytes",
            rest.len()
        );
        if let Ok(FrontendMessage::Password(body)) = decode_message(&rest[..len]) {
            let _ = decode_sasl_initial(&body);
            let _ = decode_password(&body);
        }
        rest = &rest[len..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        v.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn short_bind_body_is_a_protocol_violation_not_a_panic() {
        let msg = framed(b'B', b"\0\0\x00\x05");
        assert!(matches!(decode_message(&msg), Err(DecodeError::Fatal(_))));
    }

    #[test]
    fn huge_count_is_rejected() {
        let msg = framed(b'P', b"\0select 1\0\x7f\xff");
        assert!(matches!(decode_message(&msg), Err(DecodeError::Fatal(_))));
    }

    #[test]
    fn unknown_type_and_bad_lengths_are_rejected_early() {
        assert!(message_len(b"Z", 1024).is_err());
        assert!(message_len(b"Q\x00\x00\x00\x02", 1024).is_err());
        assert!(message_len(b"Q\x7f\x00\x00\x00", 1024).is_err());
        assert!(matches!(message_len(b"Q\x00\x00\x00\x05", 1024), Ok(None)));
    }

    #[test]
    fn invalid_utf8_query_is_recoverable() {
        let msg = framed(b'Q', b"select \xff\0");
        assert!(matches!(
            decode_message(&msg),
            Err(DecodeError::Recoverable { .. })
        ));
    }

    /// A message of a known type with an arbitrary body: reaches the field
    /// parsers, which random bytes rarely do.
    fn known_type_message() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        (
            proptest::sample::select(b"QPBDECSHXpdcf".to_vec()),
            proptest::collection::vec(
                prop_oneof![any::<u8>(), Just(0u8), Just(0xffu8), Just(b'S'), Just(b'P')],
                0..64,
            ),
        )
            .prop_map(|(tag, body)| framed(tag, &body))
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]

        #[test]
        fn arbitrary_bytes_never_panic_the_decoders(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
            decode_everything(&bytes, 1024);
            decode_everything(&bytes, 16);
        }

        #[test]
        fn arbitrary_bodies_of_known_types_decode_or_fail_cleanly(
            messages in proptest::collection::vec(known_type_message(), 1..8),
        ) {
            let stream: Vec<u8> = messages.concat();
            decode_everything(&stream, 1 << 20);
            for message in &messages {
                // Framing agrees with the length written in the header.
                proptest::prop_assert_eq!(message_len(message, 1 << 20).ok().flatten(), Some(message.len()));
            }
        }

        #[test]
        fn arbitrary_startup_packets_never_panic(
            code in proptest::prelude::any::<u32>(),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..128),
        ) {
            let mut packet = ((body.len() + 8) as u32).to_be_bytes().to_vec();
            packet.extend_from_slice(&code.to_be_bytes());
            packet.extend_from_slice(&body);
            proptest::prop_assert_eq!(startup_packet_len(&packet).ok().flatten(), Some(packet.len()));
            let _ = decode_startup(&packet);
            let mut cancel = 16u32.to_be_bytes().to_vec();
            cancel.extend_from_slice(&CANCEL_REQUEST_CODE.to_be_bytes());
            cancel.extend_from_slice(&body[..body.len().min(8)]);
            let _ = decode_startup(&cancel);
        }
    }

    #[test]
    fn bind_round_trip() {
        let mut body = Vec::new();
        body.extend_from_slice(b"p\0s\0");
        body.extend_from_slice(&1i16.to_be_bytes());
        body.extend_from_slice(&1i16.to_be_bytes());
        body.extend_from_slice(&2i16.to_be_bytes());
        body.extend_from_slice(&(-1i32).to_be_bytes());
        body.extend_from_slice(&2i32.to_be_bytes());
        body.extend_from_slice(b"ab");
        body.extend_from_slice(&0i16.to_be_bytes());
        match decode_message(&framed(b'B', &body)) {
            Ok(FrontendMessage::Bind {
                portal,
                statement,
                params,
                ..
            }) => {
                assert_eq!((portal.as_str(), statement.as_str()), ("p", "s"));
                assert_eq!(params, vec![None, Some(b"ab".to_vec())]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
