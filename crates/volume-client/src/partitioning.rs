//! Protection groups by key range: PG `i` holds keys in
//! `[boundaries[i-1], boundaries[i])`, the first from the empty key, the
//! last to the end of the key space.

use borealis_common::PgId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partitioning {
    /// `pg_count - 1` ascending split keys.
    boundaries: Vec<Vec<u8>>,
}

impl Partitioning {
    /// `pg_count` PGs splitting the first key byte evenly.
    pub fn even(pg_count: u32) -> Partitioning {
        assert!((1..=256).contains(&pg_count), "1 to 256 PGs");
        let boundaries = (1..pg_count)
            .map(|i| vec![(i * 256 / pg_count) as u8])
            .collect();
        Partitioning { boundaries }
    }

    pub fn pg_count(&self) -> u32 {
        self.boundaries.len() as u32 + 1
    }

    pub fn pg_of(&self, key: &[u8]) -> PgId {
        PgId(self.boundaries.partition_point(|b| b.as_slice() <= key) as u32)
    }

    /// The key range `[start, end)` of a PG (`None`: unbounded above).
    pub fn range_of(&self, pg: PgId) -> (Vec<u8>, Option<Vec<u8>>) {
        let index = pg.0 as usize;
        let start = if index == 0 {
            Vec::new()
        } else {
            self.boundaries[index - 1].clone()
        };
        (start, self.boundaries.get(index).cloned())
    }

    /// The PGs whose ranges meet `[start, end)`, in key order.
    pub fn pgs_for_range(&self, start: &[u8], end: Option<&[u8]>) -> Vec<PgId> {
        let first = self.pg_of(start).0;
        let last = match end {
            None => self.pg_count() - 1,
            Some(end) => {
                // The PG holding the largest key below `end`.
                let pg = self.boundaries.partition_point(|b| b.as_slice() < end) as u32;
                pg.max(first)
            }
        };
        (first..=last).map(PgId).collect()
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
            let (start, end) = p.range_of(PgId(pg));
            assert_eq!(p.pg_of(&start), PgId(pg));
            if let Some(end) = end {
                assert_eq!(p.pg_of(&end), PgId(pg + 1));
            }
        }
        assert_eq!(p.pgs_for_range(&[10], Some(&[64])), vec![PgId(0)]);
        assert_eq!(p.pgs_for_range(&[10], Some(&[65])), vec![PgId(0), PgId(1)]);
        assert_eq!(p.pgs_for_range(&[10], None).len(), 4);
        assert_eq!(
            Partitioning::even(1).pgs_for_range(b"", None),
            vec![PgId(0)]
        );
    }
}
