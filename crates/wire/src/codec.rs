//! Little-endian primitive encoding with bounds-checked decoding. Decoding
//! never panics on malformed input: it returns [`DecodeError`].

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("input ends early: need {needed} more bytes")]
    Truncated { needed: usize },
    #[error("checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    Checksum { stored: u32, computed: u32 },
    #[error("unsupported format version {0}")]
    Version(u8),
    #[error("unknown message kind {0}")]
    UnknownKind(u8),
    #[error("{what} of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        what: &'static str,
        len: usize,
        max: usize,
    },
    #[error("malformed: {0}")]
    Malformed(&'static str),
    #[error("{0} trailing bytes after the message")]
    Trailing(usize),
}

/// Appends little-endian values to a byte vector.
#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn with_capacity(capacity: usize) -> Writer {
        Writer {
            bytes: Vec::with_capacity(capacity),
        }
    }
    pub fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }
    pub fn u32(&mut self, value: u32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }
    pub fn u64(&mut self, value: u64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }
    /// A length-prefixed byte string. Callers have checked the length bound.
    pub fn bytes(&mut self, value: &[u8]) {
        let len = u32::try_from(value.len()).expect("byte string over 4 GiB");
        self.u32(len);
        self.bytes.extend_from_slice(value);
    }
    pub fn opt_bytes(&mut self, value: Option<&[u8]>) {
        match value {
            None => self.u8(0),
            Some(value) => {
                self.u8(1);
                self.bytes(value);
            }
        }
    }
}

/// Reads little-endian values from a byte slice, failing cleanly at its end.
pub struct Reader<'a> {
    input: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(input: &'a [u8]) -> Reader<'a> {
        Reader { input }
    }
    /// The unread input, without consuming it.
    pub fn peek_rest(&self) -> &'a [u8] {
        self.input
    }
    pub fn remaining(&self) -> usize {
        self.input.len()
    }
    pub fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        if self.input.len() < len {
            return Err(DecodeError::Truncated {
                needed: len - self.input.len(),
            });
        }
        let (head, tail) = self.input.split_at(len);
        self.input = tail;
        Ok(head)
    }
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        let bytes = self.take(8)?;
        let mut array = [0u8; 8];
        array.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(array))
    }
    pub fn bytes(&mut self, what: &'static str, max: usize) -> Result<&'a [u8], DecodeError> {
        let len = self.u32()? as usize;
        if len > max {
            return Err(DecodeError::TooLarge { what, len, max });
        }
        self.take(len)
    }
    pub fn opt_bytes(
        &mut self,
        what: &'static str,
        max: usize,
    ) -> Result<Option<&'a [u8]>, DecodeError> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.bytes(what, max)?)),
            _ => Err(DecodeError::Malformed("option tag is neither 0 nor 1")),
        }
    }
    /// A count of items that each take at least `item_bytes_min` bytes: a
    /// count that cannot fit in the remaining input is refused before any
    /// allocation is sized by it.
    pub fn count(
        &mut self,
        what: &'static str,
        max: usize,
        item_bytes_min: usize,
    ) -> Result<usize, DecodeError> {
        let count = self.u32()? as usize;
        if count > max {
            return Err(DecodeError::TooLarge {
                what,
                len: count,
                max,
            });
        }
        if count.saturating_mul(item_bytes_min) > self.remaining() {
            return Err(DecodeError::Truncated {
                needed: count * item_bytes_min - self.remaining(),
            });
        }
        Ok(count)
    }
    pub fn finish(self) -> Result<(), DecodeError> {
        if self.input.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::Trailing(self.input.len()))
        }
    }
}
