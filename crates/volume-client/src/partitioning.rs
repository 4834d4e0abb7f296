//! The partition map: which protection group holds which key range.
//!
//! The map is a list of `(start key, PG)` in key order; a PG holds the keys
//! from its start up to the next start (the last one to the end of the key
//! space), and the first starts at the empty key. A volume starts with the
//! first key byte split evenly (`borealis up --pg-count`); a PG split
//! replaces one entry's range by two. The map lives in the volume itself,
//! as the value of the reserved key [`MAP_KEY`] (the empty key, which every
//! map puts in PG 0 and no engine key uses), versioned by LSN like any row.
//!
//! Encoding of the stored map (little-endian, crc32c-checked):
//! ```text
//! u8 version(=1) | u32 n | (bytes start | u32 pg)*n | u32 crc32c(all before)
//! ```

use borealis_common::limits::KEY_BYTES_MAX;
use borealis_common::PgId;
use borealis_wire::codec::{Reader, Writer};
use borealis_wire::DecodeError;

/// The reserved key under which the volume stores its partition map. It is
/// the smallest key, so it stays in PG 0 through every split.
pub const MAP_KEY: &[u8] = b"";
pub const MAP_FORMAT_VERSION: u8 = 1;
/// PGs a map may hold.
pub const MAP_PGS_MAX: usize = 1 << 16;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partitioning {
    /// `(start, pg)`, starts strictly ascending, the first empty.
    ranges: Vec<(Vec<u8>, PgId)>,
}

impl Partitioning {
    /// `pg_count` PGs splitting the first key byte evenly.
    pub fn even(pg_count: u32) -> Partitioning {
        assert!((1..=256).contains(&pg_count), "1 to 256 PGs");
        let ranges = (0..pg_count)
            .map(|i| {
                let start = if i == 0 {
                    Vec::new()
                } else {
                    vec![(i * 256 / pg_count) as u8]
                };
                (start, PgId(i))
            })
            .collect();
        Partitioning { ranges }
    }

    pub fn pg_count(&self) -> u32 {
        self.ranges.len() as u32
    }

    /// Every PG of the map, in key order.
    pub fn pgs(&self) -> impl Iterator<Item = PgId> + '_ {
        self.ranges.iter().map(|(_, pg)| *pg)
    }

    /// The highest PG id in the map.
    pub fn max_pg(&self) -> PgId {
        self.pgs().max().expect("a map has a PG")
    }

    fn index_of_key(&self, key: &[u8]) -> usize {
        self.ranges
            .partition_point(|(start, _)| start.as_slice() <= key)
            - 1
    }

    pub fn pg_of(&self, key: &[u8]) -> PgId {
        self.ranges[self.index_of_key(key)].1
    }

    fn end_of(&self, index: usize) -> Option<Vec<u8>> {
        self.ranges.get(index + 1).map(|(start, _)| start.clone())
    }

    /// The key range `[start, end)` of a PG (`None` end: unbounded above),
    /// or `None` if the PG is not in the map.
    pub fn range_of(&self, pg: PgId) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
        let index = self.ranges.iter().position(|(_, p)| *p == pg)?;
        Some((self.ranges[index].0.clone(), self.end_of(index)))
    }

    /// The PGs whose ranges meet `[start, end)`, in key order, each with
    /// its part of the range.
    pub fn pgs_for_range(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
    ) -> Vec<(PgId, Vec<u8>, Option<Vec<u8>>)> {
        let mut parts = Vec::new();
        for index in self.index_of_key(start)..self.ranges.len() {
            let (pg_start, pg) = &self.ranges[index];
            if end.is_some_and(|end| pg_start.as_slice() >= end) {
                break;
            }
            let part_start = pg_start.as_slice().max(start).to_vec();
            let part_end = match (end, self.end_of(index)) {
                (Some(a), Some(b)) => Some(a.to_vec().min(b)),
                (Some(a), None) => Some(a.to_vec()),
                (None, b) => b,
            };
            parts.push((*pg, part_start, part_end));
        }
        parts
    }

    /// The map after PG `pg` gives its keys from `at` on to the new PG
    /// `new_pg`; `None` if `at` is not strictly inside `pg`'s range or
    /// `new_pg` is taken.
    pub fn split(&self, pg: PgId, at: &[u8], new_pg: PgId) -> Option<Partitioning> {
        let index = self.ranges.iter().position(|(_, p)| *p == pg)?;
        let inside = at > self.ranges[index].0.as_slice()
            && self.end_of(index).is_none_or(|end| at < end.as_slice());
        if !inside || self.ranges.iter().any(|(_, p)| *p == new_pg) || at.len() > KEY_BYTES_MAX {
            return None;
        }
        let mut ranges = self.ranges.clone();
        ranges.insert(index + 1, (at.to_vec(), new_pg));
        Some(Partitioning { ranges })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut writer = Writer::with_capacity(16 + self.ranges.len() * 16);
        writer.u8(MAP_FORMAT_VERSION);
        writer.u32(self.ranges.len() as u32);
        for (start, pg) in &self.ranges {
            writer.bytes(start);
            writer.u32(pg.0);
        }
        let crc = crc32c::crc32c(&writer.bytes);
        writer.u32(crc);
        writer.bytes
    }

    pub fn decode(bytes: &[u8]) -> Result<Partitioning, DecodeError> {
        if bytes.len() < 4 {
            return Err(DecodeError::Malformed("partition map too short"));
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        let stored = u32::from_le_bytes(crc.try_into().expect("4 bytes"));
        let computed = crc32c::crc32c(body);
        if stored != computed {
            return Err(DecodeError::Checksum { stored, computed });
        }
        let mut reader = Reader::new(body);
        let version = reader.u8()?;
        if version != MAP_FORMAT_VERSION {
            return Err(DecodeError::Version(version));
        }
        let count = reader.count("partition map", MAP_PGS_MAX, 8)?;
        let mut ranges: Vec<(Vec<u8>, PgId)> = Vec::with_capacity(count);
        for _ in 0..count {
            let start = reader.bytes("key", KEY_BYTES_MAX)?.to_vec();
            let pg = PgId(reader.u32()?);
            ranges.push((start, pg));
        }
        reader.finish()?;
        let ordered = ranges.windows(2).all(|pair| pair[0].0 < pair[1].0);
        let mut pgs: Vec<PgId> = ranges.iter().map(|(_, pg)| *pg).collect();
        pgs.sort();
        pgs.dedup();
        if ranges.is_empty()
            || !ranges[0].0.is_empty()
            || ranges[0].1 != PgId(0)
            || !ordered
            || pgs.len() != ranges.len()
        {
            return Err(DecodeError::Malformed("partition map out of order"));
        }
        Ok(Partitioning { ranges })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fall_in_their_ranges() {
        let p = Partitioning::even(4);
        assert_eq!(p.pg_count(), 4);
        assert_eq!(p.pg_of(b""), PgId(0));
        assert_eq!(p.pg_of(&[63]), PgId(0));
        assert_eq!(p.pg_of(&[64]), PgId(1));
        assert_eq!(p.pg_of(&[255, 1]), PgId(3));
        for pg in 0..4 {
            let (start, end) = p.range_of(PgId(pg)).unwrap();
            assert_eq!(p.pg_of(&start), PgId(pg));
            if let Some(end) = end {
                assert_eq!(p.pg_of(&end), PgId(pg + 1));
            }
        }
        let pgs = |start: &[u8], end: Option<&[u8]>| -> Vec<PgId> {
            p.pgs_for_range(start, end)
                .into_iter()
                .map(|(pg, _, _)| pg)
                .collect()
        };
        assert_eq!(pgs(&[10], Some(&[64])), vec![PgId(0)]);
        assert_eq!(pgs(&[10], Some(&[65])), vec![PgId(0), PgId(1)]);
        assert_eq!(pgs(&[10], None).len(), 4);
        assert_eq!(
            p.pgs_for_range(&[10], Some(&[65])),
            vec![
                (PgId(0), vec![10], Some(vec![64])),
                (PgId(1), vec![64], Some(vec![65]))
            ]
        );
        assert_eq!(
            Partitioning::even(1).pgs_for_range(b"", None),
            vec![(PgId(0), vec![], None)]
        );
    }

    #[test]
    fn a_split_moves_the_upper_part_of_one_range() {
        let p = Partitioning::even(2);
        assert!(p.split(PgId(0), b"", PgId(2)).is_none(), "not inside");
        assert!(p.split(PgId(0), &[128], PgId(2)).is_none(), "not inside");
        assert!(p.split(PgId(0), &[5], PgId(1)).is_none(), "PG taken");
        let q = p.split(PgId(0), &[5], PgId(2)).unwrap();
        assert_eq!(q.pg_of(&[4, 9]), PgId(0));
        assert_eq!(q.pg_of(&[5]), PgId(2));
        assert_eq!(q.pg_of(&[127]), PgId(2));
        assert_eq!(q.pg_of(&[128]), PgId(1));
        assert_eq!(q.range_of(PgId(2)), Some((vec![5], Some(vec![128]))));
        assert_eq!(q.max_pg(), PgId(2));
        assert_eq!(q.pg_of(MAP_KEY), PgId(0));
    }

    #[test]
    fn the_stored_map_round_trips_and_detects_corruption() {
        let map = Partitioning::even(3)
            .split(PgId(2), &[200, 1], PgId(3))
            .unwrap();
        let bytes = map.encode();
        assert_eq!(Partitioning::decode(&bytes).unwrap(), map);
        for index in 0..bytes.len() {
            let mut corrupt = bytes.clone();
            corrupt[index] ^= 0x08;
            assert!(Partitioning::decode(&corrupt).is_err(), "byte {index}");
        }
    }
}
