//! Newtypes for the volume's identifiers, so that an LSN is never confused
//! with an epoch or a count.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Log sequence number: the position of a log record in the volume's single
/// history. The writer assigns LSNs, strictly increasing across the whole
/// volume. `Lsn::ZERO` is "before the first record".
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Lsn(pub u64);

impl Lsn {
    pub const ZERO: Lsn = Lsn(0);
    pub const MAX: Lsn = Lsn(u64::MAX);

    /// The next LSN. Panics on overflow: 2^64 records cannot be written.
    pub fn next(self) -> Lsn {
        Lsn(self.0.checked_add(1).expect("LSN space exhausted"))
    }

    /// Distance from `lower` up to `self` (0 when `lower` is above).
    pub fn distance_from(self, lower: Lsn) -> u64 {
        self.0.saturating_sub(lower.0)
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Volume epoch. Every writer start or failover opens a new, higher epoch;
/// replicas refuse writes from any lower one, which fences out a zombie writer.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Epoch(pub u64);

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Protection group: a key range of the volume, replicated on six segments.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct PgId(pub u32);

impl fmt::Display for PgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pg{}", self.0)
    }
}

/// One of the six segment replicas of a protection group, 0..6. Replicas
/// `2*az` and `2*az + 1` live in availability zone `az`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct ReplicaId(pub u8);

impl ReplicaId {
    /// Every replica of a protection group, in placement order.
    pub fn all() -> impl Iterator<Item = ReplicaId> {
        (0..crate::limits::REPLICAS_PER_PG as u8).map(ReplicaId)
    }

    /// The availability zone this replica is placed in.
    pub fn az(self) -> AzId {
        AzId(self.0 / crate::limits::REPLICAS_PER_AZ as u8)
    }

    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl fmt::Display for ReplicaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}

/// Availability zone label: 0, 1, 2 shown as a, b, c.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct AzId(pub u8);

impl AzId {
    pub fn name(self) -> char {
        char::from(b'a' + self.0)
    }
}

impl fmt::Display for AzId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "az-{}", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_puts_two_replicas_in_each_az() {
        let mut per_az = [0usize; 3];
        for replica in ReplicaId::all() {
            per_az[usize::from(replica.az().0)] += 1;
        }
        assert_eq!(per_az, [2, 2, 2]);
    }
}
