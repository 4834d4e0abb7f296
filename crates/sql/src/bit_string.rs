//! bit(n) and bit varying(n): PostgreSQL's bit strings. A value is a
//! length in bits and its bits packed most significant first (the unused
//! low bits of the last byte are zero, so equal strings have equal bytes).
//! Text input (`0101`, or hex `x1F`), the B'…' and X'…' literals, length
//! rules of the two types, casts to and from integers, and the operators
//! || & | # ~ << >> with length, get_bit and set_bit.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::error::{SqlError, SqlResult};

/// One bit string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BitString {
    len: usize,
    bytes: Vec<u8>,
}

/// The largest n of bit(n) and bit varying(n) (PostgreSQL's MaxAttrSize in bits).
pub const MAX_TYPMOD: u64 = 83_886_080;

/// PostgreSQL's limit on a bit string's length (VARBITMAXLEN).
const MAX_BITS: usize = 0x3FFF_FFFF - 8 * 8;

fn too_long() -> SqlError {
    SqlError::new(
        "54000",
        "bit string length exceeds the maximum allowed (1073741823)",
    )
}

impl BitString {
    fn zeros(len: usize) -> BitString {
        BitString {
            len,
            bytes: vec![0; len.div_ceil(8)],
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// The packed bits (the serialized form keys and rows store).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// From packed bytes as `bytes()` gives them; None if they do not fit `len`.
    pub fn from_parts(len: usize, bytes: Vec<u8>) -> Option<BitString> {
        if bytes.len() != len.div_ceil(8) {
            return None;
        }
        let mut b = BitString { len, bytes };
        b.clear_padding();
        Some(b)
    }

    pub fn bit(&self, i: usize) -> bool {
        self.bytes[i / 8] & (0x80 >> (i % 8)) != 0
    }

    fn set(&mut self, i: usize, on: bool) {
        let mask = 0x80 >> (i % 8);
        if on {
            self.bytes[i / 8] |= mask;
        } else {
            self.bytes[i / 8] &= !mask;
        }
    }

    /// Zeroes the bits past `len` in the last byte.
    fn clear_padding(&mut self) {
        let used = self.len % 8;
        if used != 0 {
            if let Some(last) = self.bytes.last_mut() {
                *last &= 0xFFu8 << (8 - used);
            }
        }
    }

    /// Text input of bit and varbit: binary digits, or `x`/`X` then hex
    /// digits (four bits each).
    pub fn parse(text: &str) -> SqlResult<BitString> {
        if let Some(hex) = text.strip_prefix(['x', 'X']) {
            return Self::parse_hex(hex);
        }
        let digits = text.strip_prefix(['b', 'B']).unwrap_or(text);
        Self::parse_binary(digits)
    }

    /// The digits of a B'…' literal or binary text input.
    pub fn parse_binary(digits: &str) -> SqlResult<BitString> {
        if digits.len() > MAX_BITS {
            return Err(too_long());
        }
        let mut b = BitString::zeros(digits.len());
        for (i, c) in digits.chars().enumerate() {
            match c {
                '0' => {}
                '1' => b.set(i, true),
                other => {
                    return Err(SqlError::new(
                        "22P02",
                        format!("\"{other}\" is not a valid binary digit"),
                    ))
                }
            }
        }
        Ok(b)
    }

    /// The digits of an X'…' literal or hex text input.
    pub fn parse_hex(digits: &str) -> SqlResult<BitString> {
        if digits.len() > MAX_BITS / 4 {
            return Err(too_long());
        }
        let mut b = BitString::zeros(digits.len() * 4);
        for (i, c) in digits.chars().enumerate() {
            let v = c.to_digit(16).ok_or_else(|| {
                SqlError::new("22P02", format!("\"{c}\" is not a valid hexadecimal digit"))
            })?;
            for k in 0..4 {
                b.set(i * 4 + k, v & (8 >> k) != 0);
            }
        }
        Ok(b)
    }

    /// Text output: one binary digit per bit.
    pub fn format(&self) -> String {
        (0..self.len)
            .map(|i| if self.bit(i) { '1' } else { '0' })
            .collect()
    }

    /// This string as bit(`n`): an explicit cast pads with zeros on the
    /// right or truncates; anything else must already have `n` bits.
    pub fn into_fixed(self, n: usize, explicit: bool) -> SqlResult<BitString> {
        if self.len == n {
            return Ok(self);
        }
        if !explicit {
            return Err(SqlError::new(
                "22026",
                format!(
                    "bit string length {} does not match type bit({n})",
                    self.len
                ),
            ));
        }
        Ok(self.resized(n))
    }

    /// This string as bit varying(`n`): longer ones are an error, or
    /// truncated by an explicit cast.
    pub fn into_varying(self, n: usize, explicit: bool) -> SqlResult<BitString> {
        if self.len <= n {
            return Ok(self);
        }
        if !explicit {
            return Err(SqlError::new(
                "22001",
                format!("bit string too long for type bit varying({n})"),
            ));
        }
        Ok(self.resized(n))
    }

    fn resized(&self, n: usize) -> BitString {
        let mut out = BitString::zeros(n);
        for i in 0..n.min(self.len) {
            out.set(i, self.bit(i));
        }
        out
    }

    /// int4/int8 -> bit(n): the low `n` bits of the two's-complement value,
    /// sign-extended when `n` is wider than the integer.
    pub fn from_integer(v: i64, width: usize, n: usize) -> BitString {
        let mut out = BitString::zeros(n);
        for i in 0..n {
            // Bit i counts from the left: it is bit (n - 1 - i) of the value.
            let from_right = n - 1 - i;
            let on = if from_right >= width {
                v < 0
            } else {
                (v >> from_right) & 1 == 1
            };
            out.set(i, on);
        }
        out
    }

    /// bit -> int4/int8 (`width` 32 or 64): the bits as an unsigned number
    /// wrapped to the integer's width; too many bits is out of range.
    pub fn to_integer(&self, width: usize, type_name: &str) -> SqlResult<i64> {
        if self.len > width {
            return Err(SqlError::new("22003", format!("{type_name} out of range")));
        }
        let mut v: u64 = 0;
        for i in 0..self.len {
            v = (v << 1) | self.bit(i) as u64;
        }
        Ok(if width == 32 {
            i64::from(v as u32 as i32)
        } else {
            v as i64
        })
    }

    pub fn concat(&self, o: &BitString) -> SqlResult<BitString> {
        let len = self.len + o.len;
        if len > MAX_BITS {
            return Err(too_long());
        }
        let mut out = self.resized(len);
        for i in 0..o.len {
            out.set(self.len + i, o.bit(i));
        }
        Ok(out)
    }

    /// & | # on strings of one length (`op_name` AND, OR, XOR for the message).
    pub fn bitwise(
        &self,
        o: &BitString,
        op_name: &str,
        f: impl Fn(u8, u8) -> u8,
    ) -> SqlResult<BitString> {
        if self.len != o.len {
            return Err(SqlError::new(
                "22026",
                format!("cannot {op_name} bit strings of different sizes"),
            ));
        }
        let mut out = BitString {
            len: self.len,
            bytes: self
                .bytes
                .iter()
                .zip(&o.bytes)
                .map(|(a, b)| f(*a, *b))
                .collect(),
        };
        out.clear_padding();
        Ok(out)
    }

    pub fn not(&self) -> BitString {
        let mut out = BitString {
            len: self.len,
            bytes: self.bytes.iter().map(|b| !b).collect(),
        };
        out.clear_padding();
        out
    }

    /// `<<` by `count` bits (a negative count shifts right), length kept.
    pub fn shift_left(&self, count: i64) -> BitString {
        let mut out = BitString::zeros(self.len);
        for i in 0..self.len as i64 {
            let from = i + count;
            if (0..self.len as i64).contains(&from) {
                out.set(i as usize, self.bit(from as usize));
            }
        }
        out
    }

    /// get_bit(b, n): 2202E outside 0..len-1.
    pub fn get_bit(&self, n: i64) -> SqlResult<i32> {
        let i = self.index(n)?;
        Ok(self.bit(i) as i32)
    }

    /// set_bit(b, n, value): value 0 or 1 (22023 otherwise).
    pub fn set_bit(&self, n: i64, value: i64) -> SqlResult<BitString> {
        let i = self.index(n)?;
        if value != 0 && value != 1 {
            return Err(SqlError::new("22023", "new bit must be 0 or 1".to_string()));
        }
        let mut out = self.clone();
        out.set(i, value == 1);
        Ok(out)
    }

    fn index(&self, n: i64) -> SqlResult<usize> {
        if n < 0 || n >= self.len as i64 {
            return Err(SqlError::new(
                "2202E",
                format!(
                    "bit index {n} out of valid range (0..{})",
                    self.len as i64 - 1
                ),
            ));
        }
        Ok(n as usize)
    }

    /// PostgreSQL's bit_cmp: the common prefix's bits, then the length.
    pub fn compare(&self, o: &BitString) -> Ordering {
        let common = self.len.min(o.len).div_ceil(8);
        self.bytes[..common.min(self.bytes.len())]
            .cmp(&o.bytes[..common.min(o.bytes.len())])
            .then(self.len.cmp(&o.len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> BitString {
        BitString::parse(s).unwrap()
    }

    #[test]
    fn text_forms() {
        assert_eq!(b("0101").format(), "0101");
        assert_eq!(b("x1F").format(), "00011111");
        assert_eq!(b("X00000001").len(), 32);
        assert_eq!(b("").format(), "");
        assert_eq!(
            BitString::parse("012").unwrap_err().message,
            "\"2\" is not a valid binary digit"
        );
        assert_eq!(
            BitString::parse("xG").unwrap_err().message,
            "\"G\" is not a valid hexadecimal digit"
        );
    }

    #[test]
    fn lengths_follow_the_type() {
        assert_eq!(b("101").into_fixed(5, true).unwrap().format(), "10100");
        assert_eq!(b("10111").into_fixed(3, true).unwrap().format(), "101");
        assert_eq!(
            b("101").into_fixed(5, false).unwrap_err().message,
            "bit string length 3 does not match type bit(5)"
        );
        assert_eq!(b("101").into_varying(5, false).unwrap().format(), "101");
        assert_eq!(
            b("101").into_varying(2, false).unwrap_err().message,
            "bit string too long for type bit varying(2)"
        );
        assert_eq!(b("101").into_varying(2, true).unwrap().format(), "10");
    }

    #[test]
    fn integers() {
        assert_eq!(BitString::from_integer(5, 32, 4).format(), "0101");
        assert_eq!(BitString::from_integer(-1, 32, 34).format(), "1".repeat(34));
        assert_eq!(
            BitString::from_integer(1, 32, 32).format(),
            format!("{}1", "0".repeat(31))
        );
        assert_eq!(b("x00000001").to_integer(32, "integer").unwrap(), 1);
        assert_eq!(b("xFFFFFFFF").to_integer(32, "integer").unwrap(), -1);
        assert_eq!(
            b("x7f800000").to_integer(32, "integer").unwrap(),
            0x7f80_0000
        );
        assert_eq!(
            b("x8000000000000000").to_integer(64, "bigint").unwrap(),
            i64::MIN
        );
        assert_eq!(
            b("x100000000")
                .to_integer(32, "integer")
                .unwrap_err()
                .message,
            "integer out of range"
        );
        assert_eq!(b("101").to_integer(32, "integer").unwrap(), 5);
    }

    #[test]
    fn operators() {
        assert_eq!(b("101").concat(&b("01")).unwrap().format(), "10101");
        assert_eq!(
            b("1100")
                .bitwise(&b("1010"), "AND", |x, y| x & y)
                .unwrap()
                .format(),
            "1000"
        );
        assert_eq!(
            b("1100")
                .bitwise(&b("1010"), "XOR", |x, y| x ^ y)
                .unwrap()
                .format(),
            "0110"
        );
        assert_eq!(
            b("1100")
                .bitwise(&b("10"), "OR", |x, y| x | y)
                .unwrap_err()
                .message,
            "cannot OR bit strings of different sizes"
        );
        assert_eq!(b("101").not().format(), "010");
        assert_eq!(b("10011").shift_left(2).format(), "01100");
        assert_eq!(b("10011").shift_left(-2).format(), "00100");
        assert_eq!(b("1010").get_bit(2).unwrap(), 1);
        assert_eq!(
            b("1010").get_bit(4).unwrap_err().message,
            "bit index 4 out of valid range (0..3)"
        );
        assert_eq!(b("1010").set_bit(1, 1).unwrap().format(), "1110");
        assert_eq!(b("10").compare(&b("101")), Ordering::Less);
        assert_eq!(b("11").compare(&b("101")), Ordering::Greater);
        assert_eq!(b("101").compare(&b("101")), Ordering::Equal);
    }
}
