//! `pg_size_pretty(bigint | numeric)`: a byte count in bytes, kB, MB, GB,
//! TB or PB, rounded as PostgreSQL 15 rounds it (each step divides by a
//! power of two, a unit is used below 10 kB / 20 units, and the value in a
//! rounded unit is halved with rounding away from zero).

/// (unit, limit below which it is used, whether its value is half-rounded,
/// log2 of its size).
const UNITS: &[(&str, i128, bool, u32)] = &[
    ("bytes", 10 * 1024, false, 0),
    ("kB", 20 * 1024 - 1, true, 10),
    ("MB", 20 * 1024 - 1, true, 20),
    ("GB", 20 * 1024 - 1, true, 30),
    ("TB", 20 * 1024 - 1, true, 40),
    ("PB", 20 * 1024 - 1, true, 50),
];

fn half_rounded(v: i128) -> i128 {
    (v + if v < 0 { -1 } else { 1 }) / 2
}

pub fn size_pretty(bytes: i128) -> String {
    let mut size = bytes;
    for (i, (name, limit, round, bits)) in UNITS.iter().enumerate() {
        let Some((_, _, next_round, next_bits)) = UNITS.get(i + 1) else {
            return format!("{} {name}", if *round { half_rounded(size) } else { size });
        };
        if size.abs() < *limit {
            return format!("{} {name}", if *round { half_rounded(size) } else { size });
        }
        // One bit fewer when the next unit is half-rounded, one more when
        // this one was (its value carries the extra bit).
        let shift = next_bits - bits - u32::from(*next_round) + u32::from(*round);
        // Division truncating toward zero, as C's.
        size /= 1i128 << shift;
    }
    unreachable!("the last unit always answers")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_postgres() {
        // Values from PostgreSQL 15's dbsize regression test.
        for (bytes, want) in [
            (10, "10 bytes"),
            (1000, "1000 bytes"),
            (10_239, "10239 bytes"),
            (10_240, "10 kB"),
            (1_000_000, "977 kB"),
            (1_000_000_000, "954 MB"),
            (1_000_000_000_000, "931 GB"),
            (1_000_000_000_000_000, "909 TB"),
            (-1_000_000, "-977 kB"),
            (i128::from(i64::MAX), "8192 PB"),
        ] {
            assert_eq!(size_pretty(bytes), want, "{bytes}");
        }
    }
}
