//! The epoch history: the truncations every writer made when it opened its
//! epoch.
//!
//! A writer that opens epoch E recovers the volume to a VDL V and voids
//! every record of an older epoch above V (it was never acknowledged). The
//! history is the list of those (E, V) pairs, oldest first, ending with the
//! current epoch's own start. The writer of an epoch sends its history with
//! every write; a replica that learns a history of a newer epoch replaces its
//! own with it (a truncation missing from the newer history belonged to an
//! epoch that never finished recovery and so never acknowledged anything).
//!
//! Encoding: `u32 count | (u64 epoch | u64 vdl)*`.

use crate::codec::{DecodeError, Reader, Writer};
use borealis_common::{Epoch, Lsn};

/// Epochs a history may hold; a history grows by one per writer start.
pub const HISTORY_ENTRIES_MAX: usize = 1 << 16;

/// Records of epochs below `epoch` with an LSN above `vdl` are void.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Truncation {
    pub epoch: Epoch,
    pub vdl: Lsn,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochHistory {
    /// Strictly increasing epochs, non-decreasing VDLs.
    truncations: Vec<Truncation>,
}

impl EpochHistory {
    /// The history of a first writer: nothing before it.
    pub fn starting(epoch: Epoch, vdl: Lsn) -> EpochHistory {
        EpochHistory {
            truncations: vec![Truncation { epoch, vdl }],
        }
    }

    /// Builds a history from truncations gathered anywhere (a recovery's
    /// read quorum): sorted, deduplicated, superseded ones dropped (see
    /// [`EpochHistory::extended`]). `None` if two entries disagree about
    /// one epoch, which no correct writer makes.
    pub fn from_truncations(mut truncations: Vec<Truncation>) -> Option<EpochHistory> {
        truncations.sort();
        truncations.dedup();
        if truncations
            .windows(2)
            .any(|pair| pair[0].epoch == pair[1].epoch)
        {
            return None;
        }
        Some(EpochHistory {
            truncations: drop_superseded(truncations),
        })
    }

    /// This history extended by a new epoch's start.
    ///
    /// A truncation above `vdl` is dropped: a newer writer recovering to a
    /// lower VDL proves that the older one never finished its recovery (a
    /// finished recovery made its VDL durable on a write quorum of every
    /// PG, which every later read quorum sees), so it never allocated or
    /// acknowledged anything, and every record its truncation voids (older
    /// epoch, LSN above its VDL) the new one voids too. This happens when a
    /// writer dies mid-rewrite: the PGs it had rewritten carry its
    /// truncation, the others may not hold its tail. Asserting VDLs
    /// non-decreasing instead made every later recovery panic, and
    /// `from_truncations` refuse the mixed histories, until the replica
    /// holding that tail came back (found with the simulation's scenario
    /// `a_writer_dying_mid_rewrite_does_not_wedge_recovery`; see also
    /// `recovery::tests`).
    pub fn extended(&self, epoch: Epoch, vdl: Lsn) -> EpochHistory {
        assert!(self.epoch() < epoch, "a new epoch is above every old one");
        let mut truncations = self.truncations.clone();
        truncations.push(Truncation { epoch, vdl });
        EpochHistory {
            truncations: drop_superseded(truncations),
        }
    }

    /// The epoch whose writer wrote this history (`Epoch(0)`: none yet).
    pub fn epoch(&self) -> Epoch {
        self.truncations.last().map_or(Epoch(0), |t| t.epoch)
    }

    /// The VDL the newest epoch started from.
    pub fn start_vdl(&self) -> Lsn {
        self.truncations.last().map_or(Lsn::ZERO, |t| t.vdl)
    }

    pub fn truncations(&self) -> &[Truncation] {
        &self.truncations
    }

    /// Whether a record of `epoch` at `lsn` was voided by a later writer.
    pub fn voids(&self, epoch: Epoch, lsn: Lsn) -> bool {
        self.truncations
            .iter()
            .any(|truncation| epoch < truncation.epoch && lsn > truncation.vdl)
    }

    pub fn encode(&self, writer: &mut Writer) {
        writer.u32(u32::try_from(self.truncations.len()).expect("history length"));
        for truncation in &self.truncations {
            writer.u64(truncation.epoch.0);
            writer.u64(truncation.vdl.0);
        }
    }

    pub fn decode(reader: &mut Reader<'_>) -> Result<EpochHistory, DecodeError> {
        let count = reader.count("epoch history", HISTORY_ENTRIES_MAX, 16)?;
        let mut truncations = Vec::with_capacity(count);
        for _ in 0..count {
            truncations.push(Truncation {
                epoch: Epoch(reader.u64()?),
                vdl: Lsn(reader.u64()?),
            });
        }
        for pair in truncations.windows(2) {
            if pair[0].epoch >= pair[1].epoch || pair[0].vdl > pair[1].vdl {
                return Err(DecodeError::Malformed("epoch history out of order"));
            }
        }
        Ok(EpochHistory { truncations })
    }
}

/// Drops every truncation whose VDL is above that of a newer one (epochs
/// ascending in, epochs ascending and VDLs non-decreasing out).
fn drop_superseded(truncations: Vec<Truncation>) -> Vec<Truncation> {
    let mut kept: Vec<Truncation> = Vec::with_capacity(truncations.len());
    for truncation in truncations {
        while kept.last().is_some_and(|last| last.vdl > truncation.vdl) {
            kept.pop();
        }
        kept.push(truncation);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voiding_follows_every_truncation() {
        let history = EpochHistory::starting(Epoch(2), Lsn(10)).extended(Epoch(3), Lsn(50));
        assert!(history.voids(Epoch(1), Lsn(11)));
        assert!(!history.voids(Epoch(1), Lsn(10)));
        assert!(history.voids(Epoch(2), Lsn(51)));
        assert!(!history.voids(Epoch(2), Lsn(50)));
        assert!(!history.voids(Epoch(3), Lsn(1000)));
        assert_eq!(history.epoch(), Epoch(3));
        assert_eq!(history.start_vdl(), Lsn(50));
    }

    #[test]
    fn inconsistent_truncations_are_refused() {
        let a = Truncation {
            epoch: Epoch(2),
            vdl: Lsn(10),
        };
        let b = Truncation {
            epoch: Epoch(2),
            vdl: Lsn(11),
        };
        assert!(EpochHistory::from_truncations(vec![a, b]).is_none());
        assert!(EpochHistory::from_truncations(vec![a, a]).is_some());
    }

    #[test]
    fn an_unfinished_epochs_truncation_is_superseded() {
        let t = |epoch, vdl| Truncation {
            epoch: Epoch(epoch),
            vdl: Lsn(vdl),
        };
        // Epoch 2 planned VDL 40 and died; epoch 3 recovered to 30.
        let merged = EpochHistory::from_truncations(vec![t(3, 30), t(1, 0), t(2, 40)]).unwrap();
        assert_eq!(merged.truncations(), &[t(1, 0), t(3, 30)]);
        let extended = EpochHistory::starting(Epoch(1), Lsn(0))
            .extended(Epoch(2), Lsn(40))
            .extended(Epoch(3), Lsn(30));
        assert_eq!(extended, merged);
        // Everything the dropped truncation voided is still void.
        assert!(extended.voids(Epoch(1), Lsn(41)));
        assert!(extended.voids(Epoch(1), Lsn(31)));
        assert!(!extended.voids(Epoch(1), Lsn(30)));
    }
}
