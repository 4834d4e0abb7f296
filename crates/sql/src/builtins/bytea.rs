//! bytea functions of PostgreSQL 15: encode/decode (hex, base64, escape),
//! get_bit/set_bit, get_byte/set_byte, bit_count, btrim, position and
//! substring.

use crate::error::{SqlError, SqlResult};

fn invalid(msg: impl Into<String>) -> SqlError {
    SqlError::new("22023", msg)
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// encode(bytea, format).
pub fn encode(data: &[u8], format: &str) -> SqlResult<String> {
    match format.to_ascii_lowercase().as_str() {
        "hex" => Ok(data.iter().map(|b| format!("{b:02x}")).collect()),
        "base64" => {
            // PostgreSQL breaks the output into lines of 76 characters.
            let mut out = String::new();
            let mut line_len = 0;
            for chunk in data.chunks(3) {
                let b = [
                    chunk[0],
                    *chunk.get(1).unwrap_or(&0),
                    *chunk.get(2).unwrap_or(&0),
                ];
                let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
                if line_len >= 76 {
                    out.push('\n');
                    line_len = 0;
                }
                for i in 0..4 {
                    if i <= chunk.len() {
                        out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
                    } else {
                        out.push('=');
                    }
                }
                line_len += 4;
            }
            Ok(out)
        }
        "escape" => {
            let mut out = String::new();
            for &b in data {
                if b == b'\\' {
                    out.push_str("\\\\");
                } else if b == 0 || b >= 0x80 {
                    out.push_str(&format!("\\{b:03o}"));
                } else {
                    out.push(b as char);
                }
            }
            Ok(out)
        }
        _ => Err(invalid(format!("unrecognized encoding: \"{format}\""))),
    }
}

/// decode(text, format).
pub fn decode(text: &str, format: &str) -> SqlResult<Vec<u8>> {
    let s = text.as_bytes();
    match format.to_ascii_lowercase().as_str() {
        "hex" => {
            let digits: Vec<u8> = s
                .iter()
                .copied()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            let val = |c: u8| -> SqlResult<u8> {
                (c as char)
                    .to_digit(16)
                    .map(|d| d as u8)
                    .ok_or_else(|| invalid(format!("invalid hexadecimal digit: \"{}\"", c as char)))
            };
            if digits.len() % 2 == 1 {
                return Err(invalid("invalid hexadecimal data: odd number of digits"));
            }
            digits
                .chunks(2)
                .map(|p| Ok(val(p[0])? << 4 | val(p[1])?))
                .collect()
        }
        "base64" => {
            let mut out = Vec::new();
            let mut acc = 0u32;
            let mut bits = 0;
            let mut pad = 0;
            for &c in s {
                if c.is_ascii_whitespace() {
                    continue;
                }
                if c == b'=' {
                    pad += 1;
                    continue;
                }
                if pad > 0 {
                    return Err(invalid("unexpected \"=\" while decoding base64 sequence"));
                }
                let v = BASE64.iter().position(|&b| b == c).ok_or_else(|| {
                    invalid(format!(
                        "invalid symbol \"{}\" found while decoding base64 sequence",
                        c as char
                    ))
                })?;
                acc = acc << 6 | v as u32;
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    out.push((acc >> bits & 0xFF) as u8);
                }
            }
            if bits >= 6 && pad == 0 {
                return Err(invalid("invalid base64 end sequence").with_hint(
                    "Input data is missing padding, is truncated, or is otherwise corrupted.",
                ));
            }
            Ok(out)
        }
        "escape" => {
            let mut out = Vec::new();
            let mut i = 0;
            while i < s.len() {
                if s[i] != b'\\' {
                    out.push(s[i]);
                    i += 1;
                } else if s.get(i + 1) == Some(&b'\\') {
                    out.push(b'\\');
                    i += 2;
                } else if i + 3 < s.len()
                    && s[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
                    && s[i + 1] <= b'3'
                {
                    out.push((s[i + 1] - b'0') << 6 | (s[i + 2] - b'0') << 3 | (s[i + 3] - b'0'));
                    i += 4;
                } else {
                    return Err(SqlError::new(
                        "22P02",
                        "invalid input syntax for type bytea",
                    ));
                }
            }
            Ok(out)
        }
        _ => Err(invalid(format!("unrecognized encoding: \"{format}\""))),
    }
}

fn out_of_range(n: i64, max: i64) -> SqlError {
    SqlError::new("2202E", format!("index {n} out of valid range, 0..{max}"))
}

pub fn get_bit(data: &[u8], n: i64) -> SqlResult<i32> {
    let bits = data.len() as i64 * 8;
    if n < 0 || n >= bits {
        return Err(out_of_range(n, bits - 1));
    }
    Ok((data[(n / 8) as usize] >> (n % 8) & 1) as i32)
}

pub fn set_bit(data: &[u8], n: i64, value: i64) -> SqlResult<Vec<u8>> {
    let bits = data.len() as i64 * 8;
    if n < 0 || n >= bits {
        return Err(out_of_range(n, bits - 1));
    }
    if value != 0 && value != 1 {
        return Err(invalid("new bit must be 0 or 1"));
    }
    let mut out = data.to_vec();
    let byte = &mut out[(n / 8) as usize];
    *byte = (*byte & !(1 << (n % 8))) | ((value as u8) << (n % 8));
    Ok(out)
}

pub fn get_byte(data: &[u8], n: i64) -> SqlResult<i32> {
    if n < 0 || n >= data.len() as i64 {
        return Err(out_of_range(n, data.len() as i64 - 1));
    }
    Ok(data[n as usize] as i32)
}

pub fn set_byte(data: &[u8], n: i64, value: i64) -> SqlResult<Vec<u8>> {
    if n < 0 || n >= data.len() as i64 {
        return Err(out_of_range(n, data.len() as i64 - 1));
    }
    let mut out = data.to_vec();
    out[n as usize] = value as u8;
    Ok(out)
}

pub fn bit_count(data: &[u8]) -> i64 {
    data.iter().map(|b| b.count_ones() as i64).sum()
}

/// btrim(bytea, bytea): strips bytes found in `set` from both ends.
pub fn btrim(data: &[u8], set: &[u8]) -> Vec<u8> {
    let start = data
        .iter()
        .position(|b| !set.contains(b))
        .unwrap_or(data.len());
    let end = data
        .iter()
        .rposition(|b| !set.contains(b))
        .map_or(start, |i| i + 1);
    data[start..end.max(start)].to_vec()
}

/// ltrim(bytea, bytea): drops leading bytes found in `set`.
pub fn ltrim(data: &[u8], set: &[u8]) -> Vec<u8> {
    let start = data
        .iter()
        .position(|b| !set.contains(b))
        .unwrap_or(data.len());
    data[start..].to_vec()
}

/// rtrim(bytea, bytea): drops trailing bytes found in `set`.
pub fn rtrim(data: &[u8], set: &[u8]) -> Vec<u8> {
    let end = data
        .iter()
        .rposition(|b| !set.contains(b))
        .map_or(0, |i| i + 1);
    data[..end].to_vec()
}

/// position(needle IN haystack) over bytes: the 1-based offset of the first
/// match, 1 for an empty needle, 0 when there is none.
pub fn position(haystack: &[u8], needle: &[u8]) -> usize {
    if needle.is_empty() {
        return 1;
    }
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .map_or(0, |i| i + 1)
}

/// substring(bytea FROM start [FOR count]) with SQL's 1-based positions.
pub fn substring(data: &[u8], start: i64, count: Option<i64>) -> SqlResult<Vec<u8>> {
    let end = match count {
        Some(c) if c < 0 => {
            return Err(SqlError::new(
                "22011",
                "negative substring length not allowed",
            ))
        }
        Some(c) => start.saturating_add(c),
        None => i64::MAX,
    };
    let from = (start.max(1) - 1).min(data.len() as i64) as usize;
    let to = (end.max(1) - 1).min(data.len() as i64) as usize;
    Ok(data[from..to.max(from)].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_round_trip() {
        let data = [0x12, 0x34, 0x56, 0x78, 0x90, 0xab, 0xcd, 0xef, 0x00];
        assert_eq!(encode(&data, "hex").unwrap(), "1234567890abcdef00");
        assert_eq!(decode("1234567890abcdef00", "hex").unwrap(), data);
        assert_eq!(
            encode(&data, "escape").unwrap(),
            "\u{12}4Vx\\220\\253\\315\\357\\000"
        );
        assert_eq!(
            decode(&encode(&data, "escape").unwrap(), "escape").unwrap(),
            data
        );
        assert_eq!(encode(b"abcd", "base64").unwrap(), "YWJjZA==");
        assert_eq!(decode("YWJjZA==", "base64").unwrap(), b"abcd");
        assert!(decode("abc", "hex").is_err());
        assert!(encode(b"x", "rot13").is_err());
    }

    #[test]
    fn bits_bytes_and_slices() {
        let data = [0x12, 0x34, 0x56, 0x78, 0x90, 0xab, 0xcd, 0xef, 0x00];
        assert_eq!(get_bit(&data, 43).unwrap(), 1);
        assert_eq!(
            get_bit(&data, 99).unwrap_err().message,
            "index 99 out of valid range, 0..71"
        );
        assert_eq!(set_bit(&data, 43, 0).unwrap()[5], 0xa3);
        assert_eq!(get_byte(&data, 3).unwrap(), 0x78);
        assert_eq!(set_byte(&data, 7, 11).unwrap()[7], 11);
        assert_eq!(bit_count(&[0x12, 0x34]), 5);
        assert_eq!(btrim(b"\0trim\0", b"\0"), b"trim");
        assert_eq!(substring(b"1234567890", 4, Some(3)).unwrap(), b"456");
        assert_eq!(
            substring(b"string", -10, Some(2147483646)).unwrap(),
            b"string"
        );
        assert!(substring(b"string", -10, Some(-5)).is_err());
        assert_eq!(position(b"\x01\x02\x03", b"\x02\x03"), 2);
        assert_eq!(position(b"abc", b""), 1);
        assert_eq!(position(b"abc", b"abcd"), 0);
    }
}
