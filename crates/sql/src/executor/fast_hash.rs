//! The hasher of the executor's per-statement hash tables (hash aggregate,
//! hash join): their keys are key-encoded values (`encoding::encode_key_into`),
//! hashed once per input row, where std's SipHash cost more than the lookup
//! itself. This is a multiply-rotate hash over 8-byte words (the FxHash
//! scheme) with a final avalanche. It is not keyed: as in PostgreSQL,
//! crafted data can make a table's chains long, which costs time only.

use std::hash::{BuildHasherDefault, Hasher};

/// Builds [`WordHasher`]s: the `S` of the executor's `HashMap`s.
pub(crate) type FastHash = BuildHasherDefault<WordHasher>;

/// A `HashMap` keyed by encoded values, hashed with [`WordHasher`].
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, FastHash>;

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[derive(Default, Clone, Copy)]
pub(crate) struct WordHasher {
    hash: u64,
}

impl WordHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for WordHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            // The length keeps "ab" and "ab\0" apart.
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // hashbrown picks buckets by the low bits and tags by the top 7:
        // mix both from every input bit.
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash(bytes: &[u8]) -> u64 {
        FastHash::default().hash_one(bytes)
    }

    #[test]
    fn equal_keys_hash_equal_and_near_keys_apart() {
        assert_eq!(hash(b"abcdefghij"), hash(b"abcdefghij"));
        assert_ne!(hash(b"ab"), hash(b"ab\0"));
        assert_ne!(hash(b""), hash(b"\0"));
        // Sequential integer keys (as encoded) spread over the low bits.
        let low: std::collections::HashSet<u64> = (0u64..1024)
            .map(|i| hash(&i.to_be_bytes()) & 1023)
            .collect();
        assert!(low.len() > 550, "{} distinct buckets of 1024", low.len());
    }
}
