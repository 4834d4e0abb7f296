//! PostgreSQL arrays (any number of dimensions) in text and binary format, for the element
//! types `value_format` knows: `{1,2,NULL}`, `{{"a b",c},{d,e}}`, `[0:1]={x,y}`.
//!
//! Text follows `array_out`: elements are quoted when empty, `NULL`-like, or holding
//! whitespace, `{`, `}`, `,`, `"` or `\`; inside quotes `"` and `\` are backslash-escaped.
//! Binary follows `array_send`: ndim, has-null flag, element OID, (length, lower bound) per
//! dimension, then length-prefixed elements (-1 for NULL). Bounded: at most 6 dimensions
//! (PostgreSQL's MAXDIM) and `ELEMENTS_MAX` elements.

use bytes::{BufMut, BytesMut};

use crate::backend::Oid;
use crate::value_format::{self as scalar, FormatError};

/// PostgreSQL's MAXDIM.
const DIMENSIONS_MAX: usize = 6;
/// Elements per array value; far above what fits in a 64 MiB message of non-empty values.
const ELEMENTS_MAX: usize = 1 << 24;

/// The element type of an array type OID (`pg_type.typelem`), for supported element types.
pub fn element_type(array_oid: Oid) -> Option<Oid> {
    Some(match array_oid {
        1000 => 16,   // bool
        1001 => 17,   // bytea
        1002 => 18,   // "char"
        1003 => 19,   // name
        1016 => 20,   // int8
        1005 => 21,   // int2
        1007 => 23,   // int4
        1009 => 25,   // text
        1028 => 26,   // oid
        199 => 114,   // json
        143 => 142,   // xml
        1021 => 700,  // float4
        1022 => 701,  // float8
        1014 => 1042, // bpchar
        1015 => 1043, // varchar
        1182 => 1082, // date
        1183 => 1083, // time
        1115 => 1114, // timestamp
        1185 => 1184, // timestamptz
        1187 => 1186, // interval
        1231 => 1700, // numeric
        2951 => 2950, // uuid
        3807 => 3802, // jsonb
        enum_array if crate::value_format::is_user_enum(enum_array.wrapping_sub(1)) => {
            enum_array - 1
        }
        _ => return None,
    })
}

fn invalid(why: impl Into<String>) -> FormatError {
    FormatError::Invalid(format!("malformed array literal: {}", why.into()))
}

/// An array as dimensions plus its elements in row-major order.
#[derive(Debug, Default, PartialEq)]
struct Array {
    dims: Vec<i32>,
    lower_bounds: Vec<i32>,
    elements: Vec<Option<String>>,
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    /// Nesting depth of the elements: every element must sit at the same depth.
    leaf_depth: Option<usize>,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, c: u8) -> Result<(), FormatError> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(invalid(format!("expected '{}'", c as char)))
        }
    }

    fn int(&mut self) -> Result<i32, FormatError> {
        self.skip_ws();
        let start = self.pos;
        if self.peek() == Some(b'-') || self.peek() == Some(b'+') {
            self.pos += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        std::str::from_utf8(&self.s[start..self.pos])
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| invalid("bad dimension bound"))
    }

    /// `[lb:ub][lb:ub]=` decoration, if present.
    fn decoration(&mut self) -> Result<Option<Vec<(i32, i32)>>, FormatError> {
        self.skip_ws();
        if self.peek() != Some(b'[') {
            return Ok(None);
        }
        let mut bounds = Vec::new();
        while self.peek() == Some(b'[') {
            self.pos += 1;
            let first = self.int()?;
            self.skip_ws();
            let (lower, upper) = if self.peek() == Some(b':') {
                self.pos += 1;
                (first, self.int()?)
            } else {
                (1, first)
            };
            self.expect(b']')?;
            if upper < lower || bounds.len() == DIMENSIONS_MAX {
                return Err(invalid("bad dimensions"));
            }
            bounds.push((lower, upper));
            self.skip_ws();
        }
        self.expect(b'=')?;
        Ok(Some(bounds))
    }

    /// One element: quoted, or unquoted up to `,` or `}`; unquoted NULL is NULL.
    fn element(&mut self) -> Result<Option<String>, FormatError> {
        self.skip_ws();
        let mut out = Vec::new();
        if self.peek() == Some(b'"') {
            self.pos += 1;
            loop {
                match self.peek() {
                    None => return Err(invalid("unterminated quoted element")),
                    Some(b'"') => {
                        self.pos += 1;
                        break;
                    }
                    Some(b'\\') => {
                        let c = self
                            .s
                            .get(self.pos + 1)
                            .copied()
                            .ok_or_else(|| invalid("bad escape"))?;
                        out.push(c);
                        self.pos += 2;
                    }
                    Some(c) => {
                        out.push(c);
                        self.pos += 1;
                    }
                }
            }
            return String::from_utf8(out)
                .map(Some)
                .map_err(|_| invalid("invalid UTF-8"));
        }
        let mut escaped_any = false;
        let mut trailing_ws_from = 0;
        loop {
            match self.peek() {
                None => return Err(invalid("unexpected end of input")),
                Some(b',' | b'}') => break,
                Some(b'{' | b'"') => return Err(invalid("unexpected character")),
                Some(b'\\') => {
                    let c = self
                        .s
                        .get(self.pos + 1)
                        .copied()
                        .ok_or_else(|| invalid("bad escape"))?;
                    out.push(c);
                    self.pos += 2;
                    escaped_any = true;
                    trailing_ws_from = out.len();
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                    if !c.is_ascii_whitespace() {
                        trailing_ws_from = out.len();
                    }
                }
            }
        }
        out.truncate(trailing_ws_from);
        if out.is_empty() {
            return Err(invalid("empty unquoted element"));
        }
        if !escaped_any && out.eq_ignore_ascii_case(b"NULL") {
            return Ok(None);
        }
        String::from_utf8(out)
            .map(Some)
            .map_err(|_| invalid("invalid UTF-8"))
    }

    /// `{...}` at nesting `depth`; records the length of each dimension on first sight.
    fn level(&mut self, depth: usize, array: &mut Array) -> Result<(), FormatError> {
        if depth >= DIMENSIONS_MAX {
            return Err(invalid("too many dimensions"));
        }
        self.expect(b'{')?;
        self.skip_ws();
        let mut count = 0i32;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            if depth == 0 {
                return Ok(()); // '{}' is the empty array
            }
            return Err(invalid("empty sub-array"));
        }
        loop {
            self.skip_ws();
            if self.peek() == Some(b'{') {
                self.level(depth + 1, array)?;
            } else {
                if *self.leaf_depth.get_or_insert(depth) != depth {
                    return Err(invalid("mixed nesting of elements and sub-arrays"));
                }
                if array.elements.len() >= ELEMENTS_MAX {
                    return Err(invalid("too many elements"));
                }
                array.elements.push(self.element()?);
            }
            count += 1;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(invalid("expected ',' or '}'")),
            }
        }
        // Dimension lengths must agree across siblings (rectangular arrays only).
        if array.dims.len() <= depth {
            array.dims.resize(depth + 1, -1);
        }
        match array.dims[depth] {
            -1 => array.dims[depth] = count,
            n if n == count => {}
            _ => return Err(invalid("sub-arrays must have matching dimensions")),
        }
        Ok(())
    }
}

fn parse(text: &str) -> Result<Array, FormatError> {
    let mut parser = Parser {
        s: text.as_bytes(),
        pos: 0,
        leaf_depth: None,
    };
    let bounds = parser.decoration()?;
    let mut array = Array::default();
    parser.level(0, &mut array)?;
    parser.skip_ws();
    if parser.pos != parser.s.len() {
        return Err(invalid("junk after closing right brace"));
    }
    if array.elements.is_empty() {
        return Ok(Array::default());
    }
    let total: i64 = array.dims.iter().map(|&d| d as i64).product();
    if array.dims.contains(&-1) || total != array.elements.len() as i64 {
        return Err(invalid("sub-arrays must have matching dimensions"));
    }
    array.lower_bounds = vec![1; array.dims.len()];
    if let Some(bounds) = bounds {
        if bounds.len() != array.dims.len()
            || bounds
                .iter()
                .zip(&array.dims)
                .any(|((l, u), d)| (*u as i64 - *l as i64 + 1) != *d as i64)
        {
            return Err(invalid("dimensions do not match the decoration"));
        }
        array.lower_bounds = bounds.iter().map(|(l, _)| *l).collect();
    }
    Ok(array)
}

fn quote(element: &str) -> String {
    let needs_quotes = element.is_empty()
        || element.eq_ignore_ascii_case("NULL")
        || element
            .bytes()
            .any(|c| matches!(c, b'{' | b'}' | b',' | b'"' | b'\\') || c.is_ascii_whitespace());
    if !needs_quotes {
        return element.to_owned();
    }
    let mut out = String::with_capacity(element.len() + 2);
    out.push('"');
    for c in element.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn format(array: &Array) -> String {
    if array.elements.is_empty() {
        return "{}".to_owned();
    }
    let mut out = String::new();
    if array.lower_bounds.iter().any(|&l| l != 1) {
        for (l, d) in array.lower_bounds.iter().zip(&array.dims) {
            out.push_str(&format!("[{}:{}]", l, *l as i64 + *d as i64 - 1));
        }
        out.push('=');
    }
    // Walk elements in row-major order, opening and closing braces at dimension boundaries.
    let ndim = array.dims.len();
    let mut index = vec![0i32; ndim];
    for _ in 0..ndim {
        out.push('{');
    }
    for (n, element) in array.elements.iter().enumerate() {
        if n > 0 {
            // Advance the odometer and emit the braces for every dimension that wrapped.
            let mut wrapped = 0;
            for d in (0..ndim).rev() {
                index[d] += 1;
                if index[d] < array.dims[d] {
                    break;
                }
                index[d] = 0;
                wrapped += 1;
            }
            for _ in 0..wrapped {
                out.push('}');
            }
            out.push(',');
            for _ in 0..wrapped {
                out.push('{');
            }
        }
        match element {
            None => out.push_str("NULL"),
            Some(text) => out.push_str(&quote(text)),
        }
    }
    for _ in 0..ndim {
        out.push('}');
    }
    out
}

/// Array text to `array_send` binary.
pub fn text_to_binary(array_oid: Oid, text: &str, out: &mut BytesMut) -> Result<(), FormatError> {
    let element_oid = element_type(array_oid).ok_or(FormatError::Unsupported(array_oid))?;
    let array = parse(text.trim())?;
    out.put_i32(array.dims.len() as i32);
    out.put_i32(i32::from(array.elements.iter().any(Option::is_none)));
    out.put_u32(element_oid);
    for (d, l) in array.dims.iter().zip(&array.lower_bounds) {
        out.put_i32(*d);
        out.put_i32(*l);
    }
    for element in &array.elements {
        match element {
            None => out.put_i32(-1),
            Some(text) => {
                let at = out.len();
                out.put_i32(0);
                scalar::text_to_binary(element_oid, text, out)?;
                let len = (out.len() - at - 4) as i32;
                out[at..at + 4].copy_from_slice(&len.to_be_bytes());
            }
        }
    }
    Ok(())
}

/// `array_recv` binary to array text.
pub fn binary_to_text(array_oid: Oid, bytes: &[u8]) -> Result<String, FormatError> {
    let expected_element = element_type(array_oid).ok_or(FormatError::Unsupported(array_oid))?;
    let bad = |why: &str| FormatError::Invalid(format!("invalid binary array: {why}"));
    let mut rest = bytes;
    let i32_at = |rest: &mut &[u8]| -> Result<i32, FormatError> {
        let (head, tail) = rest.split_at_checked(4).ok_or_else(|| bad("truncated"))?;
        *rest = tail;
        Ok(i32::from_be_bytes([head[0], head[1], head[2], head[3]]))
    };
    let ndim = i32_at(&mut rest)?;
    let _has_null = i32_at(&mut rest)?;
    let element_oid = i32_at(&mut rest)? as u32;
    if !(0..=DIMENSIONS_MAX as i32).contains(&ndim) {
        return Err(bad("invalid number of dimensions"));
    }
    if element_oid != expected_element {
        return Err(bad("wrong element type"));
    }
    let mut array = Array::default();
    let mut total: i64 = if ndim == 0 { 0 } else { 1 };
    for _ in 0..ndim {
        let dim = i32_at(&mut rest)?;
        let lower = i32_at(&mut rest)?;
        if dim < 0 || (lower as i64 + dim as i64 - 1) > i32::MAX as i64 {
            return Err(bad("invalid dimension"));
        }
        total *= dim as i64;
        if total > ELEMENTS_MAX as i64 {
            return Err(bad("too many elements"));
        }
        array.dims.push(dim);
        array.lower_bounds.push(lower);
    }
    if total == 0 {
        return Ok("{}".to_owned());
    }
    for _ in 0..total {
        let len = i32_at(&mut rest)?;
        if len == -1 {
            array.elements.push(None);
            continue;
        }
        let len = usize::try_from(len).map_err(|_| bad("invalid element length"))?;
        let (element, tail) = rest
            .split_at_checked(len)
            .ok_or_else(|| bad("truncated element"))?;
        rest = tail;
        array
            .elements
            .push(Some(scalar::binary_to_text(element_oid, element)?));
    }
    if !rest.is_empty() {
        return Err(bad("trailing bytes"));
    }
    Ok(format(&array))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(array_oid: Oid, text: &str) -> String {
        let mut out = BytesMut::new();
        text_to_binary(array_oid, text, &mut out).unwrap_or_else(|e| panic!("{text}: {e}"));
        binary_to_text(array_oid, &out).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn canonical_arrays_round_trip() {
        for (oid, text) in [
            (1007, "{1,2,3}"),
            (1007, "{}"),
            (1007, "{{1,2},{3,4},{NULL,6}}"),
            (
                1009,
                "{\"a b\",\"\",\"NULL\",NULL,\"q\\\"uote\",\"back\\\\slash\",plain}",
            ),
            (1007, "[0:1]={7,8}"),
            (1231, "{1.50,-2}"),
            (1185, "{\"2000-01-01 00:00:00+00\"}"),
            (1000, "{t,f}"),
        ] {
            assert_eq!(round_trip(oid, text), text);
        }
        assert_eq!(round_trip(1007, " { 1 , 2 } "), "{1,2}");
        assert_eq!(round_trip(1009, "{ a b ,c}"), "{\"a b\",c}");
    }

    #[test]
    fn malformed_arrays_are_rejected() {
        let mut out = BytesMut::new();
        for text in [
            "{1,2",
            "{{1,2},{3}}",
            "{{1},2}",
            "1,2",
            "{1,2}x",
            "{,}",
            "[1:3]={1,2}",
            "{{{{{{{1}}}}}}}",
        ] {
            assert!(text_to_binary(1007, text, &mut out).is_err(), "{text}");
        }
        assert!(binary_to_text(
            1007,
            &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1]
        )
        .is_err());
        assert!(binary_to_text(
            1007,
            &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 0, 0, 0, 0, 1]
        )
        .is_err());
    }

    proptest! {
        #[test]
        fn text_arrays_round_trip(elements in proptest::collection::vec(proptest::option::of("[a-zA-Z0-9 ,{}\"\\\\]{0,8}"), 1..10)) {
            let array = Array { dims: vec![elements.len() as i32], lower_bounds: vec![1], elements };
            let text = format(&array);
            prop_assert_eq!(parse(&text).unwrap(), array);
            prop_assert_eq!(round_trip(1009, &text), text);
        }

        #[test]
        fn int_matrices_round_trip(rows in 1usize..4, cols in 1usize..4, seed: Vec<Option<i32>>) {
            let elements: Vec<Option<String>> = (0..rows * cols)
                .map(|i| seed.get(i).copied().unwrap_or(Some(i as i32)).map(|v| v.to_string()))
                .collect();
            let array = Array { dims: vec![rows as i32, cols as i32], lower_bounds: vec![1, 1], elements };
            let text = format(&array);
            prop_assert_eq!(round_trip(1007, &text), text);
        }
    }
}
