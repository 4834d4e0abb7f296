//! PostgreSQL's extended (seeded, 64-bit) hash functions — Bob Jenkins'
//! lookup3 as in src/common/hashfn.c — and the per-type `*extended`
//! support functions of the default hash operator classes. Hash
//! partitioning routes a row by these exact values, so a row lands in the
//! same partition as in PostgreSQL.

use crate::datum::Datum;
use crate::types::SqlType;

/// HASH_PARTITION_SEED (partition.h): the seed every partition key
/// column's hash support function is called with.
pub const HASH_PARTITION_SEED: u64 = 0x7A5B_2236_7996_DCFD;

fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

fn finish(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(14));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(11));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(25));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(16));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(4));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(14));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(24));
}

/// The lookup3 state before any key bytes, perturbed by a non-zero seed.
fn start(len: u32, seed: u64) -> (u32, u32, u32) {
    let init = 0x9e37_79b9u32.wrapping_add(len).wrapping_add(3_923_095);
    let (mut a, mut b, mut c) = (init, init, init);
    if seed != 0 {
        a = a.wrapping_add((seed >> 32) as u32);
        b = b.wrapping_add(seed as u32);
        mix(&mut a, &mut b, &mut c);
    }
    (a, b, c)
}

/// hash_bytes_extended (the little-endian reading PostgreSQL uses on x86
/// and ARM; its word-aligned and unaligned paths agree there).
pub fn hash_bytes_extended(k: &[u8], seed: u64) -> u64 {
    let (mut a, mut b, mut c) = start(k.len() as u32, seed);
    let word = |s: &[u8]| u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
    let mut rest = k;
    while rest.len() >= 12 {
        a = a.wrapping_add(word(&rest[0..4]));
        b = b.wrapping_add(word(&rest[4..8]));
        c = c.wrapping_add(word(&rest[8..12]));
        mix(&mut a, &mut b, &mut c);
        rest = &rest[12..];
    }
    // The last 0..=11 bytes; the lowest byte of c is reserved for the length.
    let byte = |i: usize, shift: u32| (rest[i] as u32) << shift;
    let n = rest.len();
    if n >= 11 {
        c = c.wrapping_add(byte(10, 24));
    }
    if n >= 10 {
        c = c.wrapping_add(byte(9, 16));
    }
    if n >= 9 {
        c = c.wrapping_add(byte(8, 8));
    }
    for i in (0..n.min(8)).rev() {
        let v = byte(i, 8 * (i as u32 % 4));
        if i >= 4 {
            b = b.wrapping_add(v);
        } else {
            a = a.wrapping_add(v);
        }
    }
    finish(&mut a, &mut b, &mut c);
    ((b as u64) << 32) | c as u64
}

/// hash_bytes_uint32_extended: one 32-bit key.
pub fn hash_uint32_extended(k: u32, seed: u64) -> u64 {
    let (mut a, mut b, mut c) = start(4, seed);
    a = a.wrapping_add(k);
    finish(&mut a, &mut b, &mut c);
    ((b as u64) << 32) | c as u64
}

/// hashint8extended: the low half folded with the high half (complemented
/// for negative values) so equal int2/int4/int8 values hash alike.
fn hash_int8_extended(v: i64, seed: u64) -> u64 {
    let hi = (v >> 32) as u32;
    let lo = v as u32 ^ if v >= 0 { hi } else { !hi };
    hash_uint32_extended(lo, seed)
}

/// hashfloat8extended: zero (either sign) hashes to the seed, and every
/// NaN as the canonical one.
fn hash_float8_extended(v: f64, seed: u64) -> u64 {
    if v == 0.0 {
        return seed;
    }
    let v = if v.is_nan() { f64::NAN } else { v };
    hash_bytes_extended(&v.to_le_bytes(), seed)
}

/// The default hash operator class's extended support function (support
/// function 2) for a non-null value of type `ty`; None for types whose
/// PostgreSQL hash is not reproduced here (numeric, interval, arrays, ...).
pub fn hash_datum_extended(d: &Datum, ty: SqlType, seed: u64) -> Option<u64> {
    Some(match d {
        Datum::Bool(v) => hash_uint32_extended(*v as u32, seed),
        Datum::Int2(v) => hash_uint32_extended(*v as i32 as u32, seed),
        Datum::Int4(v) | Datum::Date(v) => hash_uint32_extended(*v as u32, seed),
        Datum::Int8(v) | Datum::Timestamp(v) | Datum::TimestampTz(v) | Datum::Time(v) => {
            hash_int8_extended(*v, seed)
        }
        Datum::Float4(v) => hash_float8_extended(*v as f64, seed),
        Datum::Float8(v) => hash_float8_extended(*v, seed),
        // hashbpcharextended ignores trailing blanks.
        Datum::Text(s) if ty == SqlType::Bpchar => {
            hash_bytes_extended(s.trim_end_matches(' ').as_bytes(), seed)
        }
        Datum::Text(s) => hash_bytes_extended(s.as_bytes(), seed),
        Datum::Bytea(b) => hash_bytes_extended(b, seed),
        Datum::Uuid(u) => hash_bytes_extended(&u.to_be_bytes(), seed),
        _ => return None,
    })
}

/// hash_combine64: how PostgreSQL folds the column hashes of a row.
pub fn hash_combine64(a: u64, b: u64) -> u64 {
    a ^ b
        .wrapping_add(0x49a0_f4dd_15e5_a8e3)
        .wrapping_add(a << 54)
        .wrapping_add(a >> 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values from PostgreSQL 15 (SELECT hashint4extended(5, 0), ...).
    #[test]
    fn integer_hashes_match_postgres() {
        let h =
            |d: Datum, ty: SqlType, seed: u64| hash_datum_extended(&d, ty, seed).map(|h| h as i64);
        assert_eq!(
            hash_uint32_extended(5, 0) as i64,
            -9_138_765_687_874_534_020
        );
        assert_eq!(
            h(Datum::Int4(1), SqlType::Int4, HASH_PARTITION_SEED),
            Some(5_968_994_663_651_403_477)
        );
        assert_eq!(
            h(Datum::Int8(-7), SqlType::Int8, 42),
            Some(-7_260_134_608_902_199_406)
        );
        assert_eq!(
            h(Datum::Int8(1_234_567_890_123), SqlType::Int8, 99),
            Some(-1_707_164_888_698_833_390)
        );
        assert_eq!(
            h(Datum::Float8(1.5), SqlType::Float8, 7),
            Some(5_076_885_761_154_526_455)
        );
    }

    #[test]
    fn text_hashes_match_postgres() {
        let h = |s: &str, ty: SqlType, seed: u64| {
            hash_datum_extended(&Datum::Text(s.into()), ty, seed).map(|h| h as i64)
        };
        assert_eq!(h("abc", SqlType::Text, 0), Some(-6_747_756_470_228_489_321));
        assert_eq!(
            h("hello, world, seeded", SqlType::Text, HASH_PARTITION_SEED),
            Some(-6_009_586_535_426_402_046)
        );
        assert_eq!(
            h("ab  ", SqlType::Bpchar, 3),
            Some(3_720_279_804_167_291_300)
        );
        assert_eq!(h("", SqlType::Text, 5), Some(-8_122_693_617_258_832_648));
    }

    #[test]
    fn row_hashes_combine_as_postgres() {
        // (1, 'x1') lands in remainder 2 of modulus 3 in PostgreSQL 15.
        let seed = HASH_PARTITION_SEED;
        let a = hash_datum_extended(&Datum::Int4(1), SqlType::Int4, seed).unwrap_or(0);
        let b = hash_datum_extended(&Datum::Text("x1".into()), SqlType::Text, seed).unwrap_or(0);
        assert_eq!(hash_combine64(hash_combine64(0, a), b) % 3, 2);
    }
}
