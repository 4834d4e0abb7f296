//! Byte encodings: order-preserving key encoding of datums (memcmp order of
//! the bytes = SQL order of the values), row value encoding, and the layout
//! of keys in the store (catalog prefix, table/index prefixes).

use crate::bit_string::BitString;
use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::numeric::{Kind as NumericKind, Numeric};
use crate::types::SqlType;

/// Keys starting with this byte belong to the catalog.
pub const CATALOG_PREFIX: u8 = 0x00;
/// Keys starting with this byte are table rows and index entries.
pub const DATA_PREFIX: u8 = 0x01;
/// Index id of a table's primary (row) index.
pub const PRIMARY_INDEX: u8 = 0;

const TAG_VALUE: u8 = 0x01;
const TAG_NULL: u8 = 0x02;

/// Prefix of every key of one index of one table.
pub fn index_prefix(table_id: u32, index_id: u8) -> Vec<u8> {
    let mut k = Vec::with_capacity(32);
    k.push(DATA_PREFIX);
    k.extend_from_slice(&table_id.to_be_bytes());
    k.push(index_id);
    k
}

/// The smallest key greater than every key starting with `prefix`.
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return end;
        }
    }
    vec![0xFF; 9]
}

/// Appends the order-preserving encoding of one datum (NULLs sort last).
pub fn encode_key_into(out: &mut Vec<u8>, d: &Datum, ty: SqlType) {
    if d.is_null() {
        out.push(TAG_NULL);
        return;
    }
    out.push(TAG_VALUE);
    if let (SqlType::Composite(oid), Datum::Text(text)) = (ty, d) {
        // Field by field, so key order is the row order (`composite::compare`).
        if let Some(fields) = crate::composite::typed_fields(oid, text) {
            for (field, fty) in &fields {
                encode_key_into(out, field, *fty);
            }
            return;
        }
    }
    match d {
        Datum::Null => {}
        Datum::Bool(b) => out.push(*b as u8),
        Datum::Int2(_) | Datum::Int4(_) | Datum::Int8(_) => {
            let v = d.as_i64().unwrap_or(0);
            out.extend_from_slice(&((v as u64) ^ (1 << 63)).to_be_bytes());
        }
        Datum::Float4(_) | Datum::Float8(_) => {
            let mut v = d.as_f64().unwrap_or(f64::NAN);
            if v == 0.0 {
                v = 0.0;
            }
            if v.is_nan() {
                v = f64::NAN;
            }
            let bits = v.to_bits();
            let enc = if bits >> 63 == 1 {
                !bits
            } else {
                bits ^ (1 << 63)
            };
            out.extend_from_slice(&enc.to_be_bytes());
        }
        Datum::Numeric(n) => encode_numeric(out, n),
        Datum::Date(v) => out.extend_from_slice(&((*v as i64 as u64) ^ (1 << 63)).to_be_bytes()),
        Datum::Timestamp(v) | Datum::TimestampTz(v) => {
            out.extend_from_slice(&((*v as u64) ^ (1 << 63)).to_be_bytes())
        }
        Datum::Bytea(b) => {
            for &x in b {
                out.push(x);
                if x == 0 {
                    out.push(0xFF);
                }
            }
            out.extend_from_slice(&[0x00, 0x01]);
        }
        Datum::Json(s) | Datum::Jsonb(s) => {
            for &x in s.as_bytes() {
                out.push(x);
                if x == 0 {
                    out.push(0xFF);
                }
            }
            out.extend_from_slice(&[0x00, 0x01]);
        }
        Datum::Uuid(u) => out.extend_from_slice(&u.to_be_bytes()),
        Datum::PgLsn(v) => out.extend_from_slice(&v.to_be_bytes()),
        Datum::Money(v) => out.extend_from_slice(&((*v as u64) ^ (1 << 63)).to_be_bytes()),
        // Geometric types have no btree order: the bytes only need to be
        // decodable and equal for equal values.
        Datum::Geo(g) => {
            for x in g.to_bytes() {
                out.push(x);
                if x == 0 {
                    out.push(0xFF);
                }
            }
            out.extend_from_slice(&[0x00, 0x01]);
        }
        // PostgreSQL's bit_cmp order: the bytes (a prefix first), then the length.
        Datum::Bits(b) => {
            for &x in b.bytes() {
                out.push(x);
                if x == 0 {
                    out.push(0xFF);
                }
            }
            out.extend_from_slice(&[0x00, 0x01]);
            out.extend_from_slice(&(b.len() as u32).to_be_bytes());
        }
        Datum::Array(items) => {
            let et = match ty {
                SqlType::Array(e) => e.ty(),
                SqlType::Int2Vector => SqlType::Int2,
                _ => SqlType::Unknown,
            };
            for x in items {
                out.push(0x01);
                let et = if et == SqlType::Unknown {
                    x.natural_type()
                } else {
                    et
                };
                encode_key_into(out, x, et);
            }
            out.push(0x00);
        }
        Datum::Interval(iv) => {
            out.extend_from_slice(&((iv.span() as u128) ^ (1 << 127)).to_be_bytes())
        }
        Datum::Time(v) => out.extend_from_slice(&((*v as u64) ^ (1 << 63)).to_be_bytes()),
        Datum::Text(s) => {
            if let SqlType::Enum(oid) = ty {
                // Enums sort by declaration order: the label's sort order
                // first (float encoding as above), the label after it.
                let v = crate::user_types::sort_order(oid, s).unwrap_or(0.0);
                let bits = v.to_bits();
                let enc = if bits >> 63 == 1 {
                    !bits
                } else {
                    bits ^ (1 << 63)
                };
                out.extend_from_slice(&enc.to_be_bytes());
            }
            let s = if ty == SqlType::Bpchar {
                s.trim_end_matches(' ')
            } else {
                s.as_str()
            };
            for &b in s.as_bytes() {
                out.push(b);
                if b == 0 {
                    out.push(0xFF);
                }
            }
            out.extend_from_slice(&[0x00, 0x01]);
        }
    }
}

/// Markers below 0x7F and above 0x81 place the special values around the
/// finite ones: -Infinity < negatives < zero < positives < Infinity < NaN.
fn encode_numeric(out: &mut Vec<u8>, n: &Numeric) {
    match n.kind() {
        NumericKind::NegInfinity => return out.push(0x7E),
        NumericKind::Infinity => return out.push(0x82),
        NumericKind::NaN => return out.push(0x83),
        NumericKind::Finite => {}
    }
    if n.is_zero() {
        out.push(0x80);
        return;
    }
    let (digits, exp) = n.digits_and_exponent();
    let exp = exp.clamp(i32::MIN as i64, i32::MAX as i64) as i32;
    let exp_enc = (exp as u32) ^ (1 << 31);
    if n.is_negative() {
        out.push(0x7F);
        out.extend_from_slice(&(!exp_enc).to_be_bytes());
        out.extend(digits.iter().map(|d| 254 - d));
        out.push(0xFF);
    } else {
        out.push(0x81);
        out.extend_from_slice(&exp_enc.to_be_bytes());
        out.extend(digits.iter().map(|d| d + 1));
        out.push(0x00);
    }
}

#[cfg_attr(not(test), allow(dead_code))]
pub fn encode_key_datum(d: &Datum, ty: SqlType) -> Vec<u8> {
    let mut v = Vec::new();
    encode_key_into(&mut v, d, ty);
    v
}

fn corrupt() -> SqlError {
    SqlError::internal("corrupt key encoding")
}

/// A byte string of a key: 0x00 escaped as 0x00 0xFF, ended by 0x00 0x01.
fn take_escaped(input: &mut &[u8]) -> SqlResult<Vec<u8>> {
    let mut bytes = Vec::new();
    loop {
        let b = take(input, 1)?[0];
        if b != 0 {
            bytes.push(b);
            continue;
        }
        match take(input, 1)?[0] {
            0x01 => return Ok(bytes),
            0xFF => bytes.push(0),
            _ => return Err(corrupt()),
        }
    }
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> SqlResult<&'a [u8]> {
    if input.len() < n {
        return Err(corrupt());
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Ok(head)
}

/// Decodes one datum written by `encode_key_into`, advancing `input`.
/// Numerics come back normalised (no trailing fractional zeros). Used by tests
/// today; index-only scans will need it.
#[cfg_attr(not(test), allow(dead_code))]
pub fn decode_key_datum(input: &mut &[u8], ty: SqlType) -> SqlResult<Datum> {
    // A user base type is encoded as the built-in type that holds it.
    if let SqlType::Base(_) | SqlType::Cstring = ty {
        return match crate::base_types::representation(ty) {
            SqlType::Cstring => decode_key_datum(input, SqlType::Text),
            SqlType::Base(_) => Err(corrupt()),
            held => decode_key_datum(input, held),
        };
    }
    let tag = take(input, 1)?[0];
    if tag == TAG_NULL {
        return Ok(Datum::Null);
    }
    if tag != TAG_VALUE {
        return Err(corrupt());
    }
    let be8 = |b: &[u8]| -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        u64::from_be_bytes(a)
    };
    if let SqlType::Composite(oid) = ty {
        if let Some(types) = crate::composite::field_types(oid) {
            let fields = types
                .into_iter()
                .map(|t| decode_key_datum(input, t))
                .collect::<SqlResult<Vec<_>>>()?;
            return Ok(Datum::Text(crate::composite::from_values(&fields)));
        }
    }
    Ok(match ty {
        SqlType::Bool => Datum::Bool(take(input, 1)?[0] != 0),
        SqlType::Int2 | SqlType::Int4 | SqlType::Int8 | SqlType::Oid => {
            let v = (be8(take(input, 8)?) ^ (1 << 63)) as i64;
            match ty {
                SqlType::Int2 => Datum::Int2(v as i16),
                SqlType::Int4 => Datum::Int4(v as i32),
                _ => Datum::Int8(v),
            }
        }
        SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz => {
            let v = (be8(take(input, 8)?) ^ (1 << 63)) as i64;
            match ty {
                SqlType::Date => Datum::Date(v as i32),
                SqlType::Timestamp => Datum::Timestamp(v),
                _ => Datum::TimestampTz(v),
            }
        }
        SqlType::Time => Datum::Time((be8(take(input, 8)?) ^ (1 << 63)) as i64),
        SqlType::Base(_) | SqlType::Cstring => return Err(corrupt()),
        SqlType::PgLsn => Datum::PgLsn(be8(take(input, 8)?)),
        SqlType::Money => Datum::Money((be8(take(input, 8)?) ^ (1 << 63)) as i64),
        SqlType::Point
        | SqlType::Lseg
        | SqlType::GeoBox
        | SqlType::Path
        | SqlType::Polygon
        | SqlType::Circle
        | SqlType::Line => {
            let bytes = take_escaped(input)?;
            let mut slice = bytes.as_slice();
            let g = crate::geometry::Geometry::from_bytes(&mut slice).ok_or_else(corrupt)?;
            Datum::Geo(Box::new(g))
        }
        SqlType::Bit | SqlType::VarBit => {
            let bytes = take_escaped(input)?;
            let mut len = [0u8; 4];
            len.copy_from_slice(take(input, 4)?);
            let len = u32::from_be_bytes(len) as usize;
            Datum::Bits(BitString::from_parts(len, bytes).ok_or_else(corrupt)?)
        }
        SqlType::Array(_) | SqlType::Int2Vector => {
            let elem = match ty {
                SqlType::Array(e) => e.ty(),
                _ => SqlType::Int2,
            };
            let mut items = Vec::new();
            while take(input, 1)?[0] == 0x01 {
                items.push(decode_key_datum(input, elem)?);
            }
            Datum::Array(items)
        }
        SqlType::Uuid => {
            let mut a = [0u8; 16];
            a.copy_from_slice(take(input, 16)?);
            Datum::Uuid(u128::from_be_bytes(a))
        }
        SqlType::Interval => {
            // Only the span is kept in keys: equal spans are equal intervals.
            let mut a = [0u8; 16];
            a.copy_from_slice(take(input, 16)?);
            let span = (u128::from_be_bytes(a) ^ (1 << 127)) as i128;
            Datum::Interval(crate::interval::Interval {
                months: 0,
                days: (span / crate::datetime::USECS_PER_DAY as i128) as i32,
                micros: (span % crate::datetime::USECS_PER_DAY as i128) as i64,
            })
        }
        SqlType::Bytea => {
            let out = take_escaped(input)?;
            Datum::Bytea(out)
        }
        SqlType::Float4 | SqlType::Float8 => {
            let enc = be8(take(input, 8)?);
            let bits = if enc >> 63 == 1 {
                enc ^ (1 << 63)
            } else {
                !enc
            };
            let v = f64::from_bits(bits);
            if ty == SqlType::Float4 {
                Datum::Float4(v as f32)
            } else {
                Datum::Float8(v)
            }
        }
        SqlType::Numeric => {
            let marker = take(input, 1)?[0];
            match marker {
                0x80 => Datum::Numeric(Numeric::zero()),
                0x7E => Datum::Numeric(Numeric::infinity(true)),
                0x82 => Datum::Numeric(Numeric::infinity(false)),
                0x83 => Datum::Numeric(Numeric::nan()),
                0x81 | 0x7F => {
                    let neg = marker == 0x7F;
                    let mut e = [0u8; 4];
                    e.copy_from_slice(take(input, 4)?);
                    let mut exp_enc = u32::from_be_bytes(e);
                    if neg {
                        exp_enc = !exp_enc;
                    }
                    let exp = (exp_enc ^ (1 << 31)) as i32 as i64;
                    let mut digits = Vec::new();
                    loop {
                        let b = take(input, 1)?[0];
                        if (!neg && b == 0x00) || (neg && b == 0xFF) {
                            break;
                        }
                        digits.push(if neg { 254 - b } else { b - 1 });
                    }
                    Datum::Numeric(Numeric::from_digits_and_exponent(neg, &digits, exp))
                }
                _ => return Err(corrupt()),
            }
        }
        SqlType::Text
        | SqlType::Varchar
        | SqlType::Bpchar
        | SqlType::Name
        | SqlType::InternalChar
        | SqlType::Unknown
        | SqlType::Json
        | SqlType::Jsonb
        | SqlType::Composite(_)
        | SqlType::Record
        | SqlType::Enum(_) => {
            if matches!(ty, SqlType::Enum(_)) {
                take(input, 8)?; // the label's sort order
            }
            let bytes = take_escaped(input)?;
            let s = String::from_utf8(bytes).map_err(|_| corrupt())?;
            match ty {
                SqlType::Json => Datum::Json(s),
                SqlType::Jsonb => Datum::Jsonb(s),
                _ => Datum::Text(s),
            }
        }
    })
}

/// Row value format 1: a version byte, then one tagged field per column
/// (what spill files hold; table rows written before format 2 too).
#[cfg(test)]
pub fn encode_row(row: &[Datum]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + row.len() * 9);
    encode_row_into(&mut out, row);
    out
}

/// Row value format 1 appended to `out` (spill files encode every record
/// into one reused buffer).
pub fn encode_row_into(out: &mut Vec<u8>, row: &[Datum]) {
    out.push(ROW_FORMAT_PLAIN);
    out.extend_from_slice(&(row.len() as u32).to_le_bytes());
    for d in row {
        encode_field(out, d);
    }
}

/// Row value format 1, no transaction id.
const ROW_FORMAT_PLAIN: u8 = 1;
/// Row value format 2: a table row version, `u32 LE` xmin after the version byte.
const ROW_FORMAT_VERSION: u8 = 2;
/// Row value format 3: format 2 in which some fields are toast pointers
/// ([`TOAST_POINTER_TAG`]) to values stored out of line (`crate::toast`).
/// A distinct version byte so that reading a row without any costs one
/// byte compare.
pub const ROW_FORMAT_TOASTED: u8 = 3;
/// The field tag of a toast pointer, followed by
/// [`crate::toast::POINTER_BYTES`] bytes (only in format 3 rows).
pub const TOAST_POINTER_TAG: u8 = 24;

/// PostgreSQL's FrozenTransactionId: the xmin of rows stored in format 1
/// (written before row versions carried one), older than every snapshot.
pub const FROZEN_XID: u32 = 2;

/// A table row version (format 2): the version byte, the id (`xmin`) of
/// the transaction that wrote it, then the fields as in format 1.
pub fn encode_row_version(row: &[Datum], xmin: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + row.len() * 9);
    out.push(ROW_FORMAT_VERSION);
    out.extend_from_slice(&xmin.to_le_bytes());
    out.extend_from_slice(&(row.len() as u32).to_le_bytes());
    for d in row {
        encode_field(&mut out, d);
    }
    out
}

/// The `xmin` of a stored row: the writer's transaction id in format 2,
/// [`FROZEN_XID`] in format 1.
pub fn row_xmin(value: &[u8]) -> SqlResult<u32> {
    match value.first() {
        Some(&ROW_FORMAT_VERSION | &ROW_FORMAT_TOASTED) => match value.get(1..5) {
            Some(b) => Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            None => Err(SqlError::internal("truncated row")),
        },
        Some(&ROW_FORMAT_PLAIN) => Ok(FROZEN_XID),
        _ => Err(SqlError::internal("unknown row format version")),
    }
}

/// The row-field tags of a pg_lsn, a bit string, a geometric value and
/// money (tags 0..=19 are the other types'). Tags are never reused or
/// renumbered: stored rows keep their meaning.
const PG_LSN_TAG: u8 = 20;
const BITS_TAG: u8 = 21;
const GEOMETRY_TAG: u8 = 22;
const MONEY_TAG: u8 = 23;

/// One tagged field of a row (array elements are fields too).
fn encode_field(out: &mut Vec<u8>, d: &Datum) {
    {
        match d {
            Datum::Array(items) => {
                out.push(19);
                out.extend_from_slice(&(items.len() as u32).to_le_bytes());
                for x in items {
                    encode_field(out, x);
                }
            }
            Datum::Null => out.push(0),
            Datum::Bool(b) => out.push(1 + *b as u8),
            Datum::Int2(v) => {
                out.push(3);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Datum::Int4(v) => {
                out.push(4);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Datum::Int8(v) => {
                out.push(5);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Datum::Float4(v) => {
                out.push(6);
                out.extend_from_slice(&v.to_bits().to_le_bytes());
            }
            Datum::Float8(v) => {
                out.push(7);
                out.extend_from_slice(&v.to_bits().to_le_bytes());
            }
            Datum::Numeric(n) => {
                out.push(8);
                let s = n.to_pg_string();
                out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            Datum::Date(v) => {
                out.push(10);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Datum::Timestamp(v) => {
                out.push(11);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Datum::TimestampTz(v) => {
                out.push(12);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Datum::Bytea(b) => {
                out.push(13);
                out.extend_from_slice(&(b.len() as u32).to_le_bytes());
                out.extend_from_slice(b);
            }
            Datum::Json(s) | Datum::Jsonb(s) => {
                out.push(if matches!(d, Datum::Json(_)) { 17 } else { 18 });
                out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            Datum::Uuid(u) => {
                out.push(14);
                out.extend_from_slice(&u.to_le_bytes());
            }
            Datum::PgLsn(v) => {
                out.push(PG_LSN_TAG);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Datum::Geo(g) => {
                out.push(GEOMETRY_TAG);
                let bytes = g.to_bytes();
                out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
                out.extend_from_slice(&bytes);
            }
            Datum::Money(v) => {
                out.push(MONEY_TAG);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Datum::Bits(b) => {
                out.push(BITS_TAG);
                out.extend_from_slice(&(b.len() as u32).to_le_bytes());
                out.extend_from_slice(b.bytes());
            }
            Datum::Interval(iv) => {
                out.push(15);
                out.extend_from_slice(&iv.months.to_le_bytes());
                out.extend_from_slice(&iv.days.to_le_bytes());
                out.extend_from_slice(&iv.micros.to_le_bytes());
            }
            Datum::Time(v) => {
                out.push(16);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Datum::Text(s) => {
                out.push(9);
                out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
        }
    }
}

/// A row of format 1 or 2 (a format 3 row needs its toasted values
/// fetched: [`decode_row_parts`], `executor::toast`).
pub fn decode_row(input: &[u8]) -> SqlResult<Vec<Datum>> {
    if input.first() == Some(&ROW_FORMAT_TOASTED) {
        return Err(SqlError::internal("a toasted row read without detoasting"));
    }
    decode_row_parts(input).map(|(row, _)| row)
}

/// The toast pointers of a format 3 row: (physical slot, pointer bytes).
pub type RawPointers = Vec<(usize, [u8; crate::toast::POINTER_BYTES])>;

/// A stored row of any format, with the toast pointers of format 3; their
/// slots hold NULL in the row.
pub fn decode_row_parts(mut input: &[u8]) -> SqlResult<(Vec<Datum>, RawPointers)> {
    let input = &mut input;
    let toasted = match take(input, 1)?[0] {
        ROW_FORMAT_PLAIN => false,
        ROW_FORMAT_VERSION => {
            take(input, 4)?;
            false
        }
        ROW_FORMAT_TOASTED => {
            take(input, 4)?;
            true
        }
        _ => return Err(SqlError::internal("unknown row format version")),
    };
    let le4 = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let n = le4(take(input, 4)?) as usize;
    let mut row = Vec::with_capacity(n.min(1600));
    let mut pointers = Vec::new();
    for slot in 0..n {
        if toasted && input.first() == Some(&TOAST_POINTER_TAG) {
            take(input, 1)?;
            let mut pointer = [0u8; crate::toast::POINTER_BYTES];
            pointer.copy_from_slice(take(input, crate::toast::POINTER_BYTES)?);
            pointers.push((slot, pointer));
            row.push(Datum::Null);
            continue;
        }
        row.push(decode_field(input)?);
    }
    Ok((row, pointers))
}

/// The row-value bytes of one field (what a toasted value stores).
pub fn encode_field_bytes(d: &Datum) -> Vec<u8> {
    let mut out = Vec::new();
    encode_field(&mut out, d);
    out
}

/// A field from exactly the bytes [`encode_field_bytes`] made.
pub fn decode_field_bytes(mut bytes: &[u8]) -> SqlResult<Datum> {
    let d = decode_field(&mut bytes)?;
    if !bytes.is_empty() {
        return Err(corrupt());
    }
    Ok(d)
}

/// A row version (format 2, or 3 when `toasted`) from its fields'
/// encoded bytes (each from [`encode_field_bytes`] or a toast pointer).
pub fn assemble_row_version(fields: &[Vec<u8>], xmin: u32, toasted: bool) -> Vec<u8> {
    let len: usize = fields.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(9 + len);
    out.push(if toasted {
        ROW_FORMAT_TOASTED
    } else {
        ROW_FORMAT_VERSION
    });
    out.extend_from_slice(&xmin.to_le_bytes());
    out.extend_from_slice(&(fields.len() as u32).to_le_bytes());
    for f in fields {
        out.extend_from_slice(f);
    }
    out
}

fn decode_field(input: &mut &[u8]) -> SqlResult<Datum> {
    let le4 = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    {
        let tag = take(input, 1)?[0];
        let d = match tag {
            0 => Datum::Null,
            1 => Datum::Bool(false),
            2 => Datum::Bool(true),
            3 => {
                let b = take(input, 2)?;
                Datum::Int2(i16::from_le_bytes([b[0], b[1]]))
            }
            4 => Datum::Int4(le4(take(input, 4)?) as i32),
            5 => {
                let mut a = [0u8; 8];
                a.copy_from_slice(take(input, 8)?);
                Datum::Int8(i64::from_le_bytes(a))
            }
            6 => Datum::Float4(f32::from_bits(le4(take(input, 4)?))),
            7 => {
                let mut a = [0u8; 8];
                a.copy_from_slice(take(input, 8)?);
                Datum::Float8(f64::from_bits(u64::from_le_bytes(a)))
            }
            8 | 9 => {
                let len = le4(take(input, 4)?) as usize;
                let s = std::str::from_utf8(take(input, len)?).map_err(|_| corrupt())?;
                if tag == 8 {
                    Datum::Numeric(Numeric::parse(s)?)
                } else {
                    Datum::Text(s.to_string())
                }
            }
            10 => Datum::Date(le4(take(input, 4)?) as i32),
            11 | 12 => {
                let mut a = [0u8; 8];
                a.copy_from_slice(take(input, 8)?);
                let v = i64::from_le_bytes(a);
                if tag == 11 {
                    Datum::Timestamp(v)
                } else {
                    Datum::TimestampTz(v)
                }
            }
            13 => {
                let len = le4(take(input, 4)?) as usize;
                Datum::Bytea(take(input, len)?.to_vec())
            }
            14 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(take(input, 16)?);
                Datum::Uuid(u128::from_le_bytes(a))
            }
            PG_LSN_TAG => {
                let mut a = [0u8; 8];
                a.copy_from_slice(take(input, 8)?);
                Datum::PgLsn(u64::from_le_bytes(a))
            }
            BITS_TAG => {
                let len = le4(take(input, 4)?) as usize;
                let bytes = take(input, len.div_ceil(8))?.to_vec();
                Datum::Bits(BitString::from_parts(len, bytes).ok_or_else(corrupt)?)
            }
            GEOMETRY_TAG => {
                let len = le4(take(input, 4)?) as usize;
                let mut bytes = take(input, len)?;
                let g = crate::geometry::Geometry::from_bytes(&mut bytes)
                    .filter(|_| bytes.is_empty())
                    .ok_or_else(corrupt)?;
                Datum::Geo(Box::new(g))
            }
            MONEY_TAG => {
                let mut a = [0u8; 8];
                a.copy_from_slice(take(input, 8)?);
                Datum::Money(i64::from_le_bytes(a))
            }
            15 => {
                let months = le4(take(input, 4)?) as i32;
                let days = le4(take(input, 4)?) as i32;
                let mut a = [0u8; 8];
                a.copy_from_slice(take(input, 8)?);
                Datum::Interval(crate::interval::Interval {
                    months,
                    days,
                    micros: i64::from_le_bytes(a),
                })
            }
            17 | 18 => {
                let len = le4(take(input, 4)?) as usize;
                let s = std::str::from_utf8(take(input, len)?)
                    .map_err(|_| corrupt())?
                    .to_string();
                if tag == 17 {
                    Datum::Json(s)
                } else {
                    Datum::Jsonb(s)
                }
            }
            16 => {
                let mut a = [0u8; 8];
                a.copy_from_slice(take(input, 8)?);
                Datum::Time(i64::from_le_bytes(a))
            }
            19 => {
                let n = le4(take(input, 4)?) as usize;
                let mut items = Vec::with_capacity(n.min(4096));
                for _ in 0..n {
                    items.push(decode_field(input)?);
                }
                Datum::Array(items)
            }
            _ => return Err(corrupt()),
        };
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datum::compare;
    use proptest::prelude::*;
    use std::cmp::Ordering;

    fn numeric_strategy() -> impl Strategy<Value = Numeric> {
        (any::<i64>(), 0u32..12).prop_map(|(m, s)| {
            let n = Numeric::from_i64(m);
            n.div_scaled(&Numeric::from_i64(10i64.pow(s.min(18))), s)
                .unwrap_or(n)
        })
    }

    fn check_order(a: &Datum, b: &Datum, ty: SqlType) {
        let ka = encode_key_datum(a, ty);
        let kb = encode_key_datum(b, ty);
        assert_eq!(ka.cmp(&kb), compare(a, b, ty), "{a:?} vs {b:?}");
        let mut slice = ka.as_slice();
        let back = decode_key_datum(&mut slice, ty).unwrap();
        assert!(slice.is_empty());
        assert_eq!(compare(&back, a, ty), Ordering::Equal);
    }

    proptest! {
        #[test]
        fn int_keys_preserve_order(a: i64, b: i64) {
            check_order(&Datum::Int8(a), &Datum::Int8(b), SqlType::Int8);
        }
        #[test]
        fn float_keys_preserve_order(a: f64, b: f64) {
            check_order(&Datum::Float8(a), &Datum::Float8(b), SqlType::Float8);
        }
        #[test]
        fn text_keys_preserve_order(a: String, b: String) {
            check_order(&Datum::Text(a), &Datum::Text(b), SqlType::Text);
        }
        #[test]
        fn numeric_keys_preserve_order(a in numeric_strategy(), b in numeric_strategy()) {
            check_order(&Datum::Numeric(a), &Datum::Numeric(b), SqlType::Numeric);
        }
        #[test]
        fn composite_keys_preserve_order(a: (i32, String), b: (i32, String)) {
            let enc = |x: &(i32, String)| {
                let mut k = Vec::new();
                encode_key_into(&mut k, &Datum::Int4(x.0), SqlType::Int4);
                encode_key_into(&mut k, &Datum::Text(x.1.clone()), SqlType::Text);
                k
            };
            let want = a.0.cmp(&b.0).then(a.1.as_bytes().cmp(b.1.as_bytes()));
            prop_assert_eq!(enc(&a).cmp(&enc(&b)), want);
        }
        #[test]
        fn row_versions_round_trip_with_their_xmin(i: i64, s: String, xmin: u32) {
            let row = vec![Datum::Int8(i), Datum::Text(s), Datum::Null];
            let stored = encode_row_version(&row, xmin);
            prop_assert_eq!(decode_row(&stored).unwrap(), row.clone());
            prop_assert_eq!(row_xmin(&stored).unwrap(), xmin);
            prop_assert_eq!(row_xmin(&encode_row(&row)).unwrap(), FROZEN_XID);
        }
        #[test]
        fn rows_round_trip(i: i64, f: f64, s: String, n in numeric_strategy(), b: bool) {
            let row = vec![Datum::Int8(i), Datum::Float8(f), Datum::Text(s), Datum::Numeric(n), Datum::Bool(b), Datum::Null, Datum::Int2(3), Datum::Int4(-4), Datum::Float4(1.5)];
            let back = decode_row(&encode_row(&row)).unwrap();
            prop_assert_eq!(back.len(), row.len());
            for (x, y) in back.iter().zip(row.iter()) {
                match (x, y) {
                    (Datum::Float8(p), Datum::Float8(q)) => prop_assert_eq!(p.to_bits(), q.to_bits()),
                    (Datum::Numeric(p), Datum::Numeric(q)) => prop_assert_eq!(p.to_pg_string(), q.to_pg_string()),
                    _ => prop_assert_eq!(x, y),
                }
            }
        }
    }

    #[test]
    fn geometry_and_money_rows_and_keys_round_trip() {
        use crate::geometry::{Geometry, Point};
        let path = Datum::Geo(Box::new(Geometry::Path {
            closed: false,
            points: vec![
                Point { x: 0.0, y: -1.5 },
                Point {
                    x: f64::NAN,
                    y: 1e300,
                },
            ],
        }));
        let row = vec![path.clone(), Datum::Money(-12_345), Datum::Null];
        let back = decode_row(&encode_row(&row)).unwrap();
        assert_eq!(back[0].to_text(1), path.to_text(1));
        assert_eq!(back[1], Datum::Money(-12_345));
        let mut key = encode_key_datum(&path, SqlType::Path);
        key.extend(encode_key_datum(&Datum::Money(7), SqlType::Money));
        let mut input = key.as_slice();
        let k1 = decode_key_datum(&mut input, SqlType::Path).unwrap();
        assert_eq!(k1.to_text(1), path.to_text(1));
        assert_eq!(
            decode_key_datum(&mut input, SqlType::Money).unwrap(),
            Datum::Money(7)
        );
        assert!(input.is_empty());
        check_order(&Datum::Money(-3), &Datum::Money(2), SqlType::Money);
    }

    #[test]
    fn nulls_sort_last_and_bpchar_ignores_padding() {
        assert!(
            encode_key_datum(&Datum::Null, SqlType::Int4)
                > encode_key_datum(&Datum::Int4(i32::MAX), SqlType::Int4)
        );
        assert_eq!(
            encode_key_datum(&Datum::Text("a  ".into()), SqlType::Bpchar),
            encode_key_datum(&Datum::Text("a".into()), SqlType::Bpchar)
        );
        assert!(decode_row(&[1, 5, 0, 0, 0]).is_err());
        assert!(decode_row(&[2, 7, 0, 0, 0, 5, 0, 0, 0]).is_err());
        assert!(decode_row(&[3, 0, 0, 0, 0]).is_err());
        assert_eq!(prefix_end(&[1, 2, 0xFF]), vec![1, 3]);
    }
}
