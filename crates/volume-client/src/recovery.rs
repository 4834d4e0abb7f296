//! Recovery of the volume by a new writer, as a pure function of what the
//! replicas report when sealed.
//!
//! The new writer seals a read quorum of every PG at a new epoch (they will
//! refuse the old writer from then on), and each sealed segment reports its
//! epoch history, the VDL it last heard of, its last record at or below that
//! VDL, and the headers of every record it holds above it. From those
//! reports [`plan_recovery`] computes:
//!
//! - the merged epoch history (every truncation any of them knows), and the
//!   headers it does not void;
//! - H, the highest VDL any replica heard of: everything at or below it is
//!   committed and durable;
//! - VCL: following volume backlinks up from H through the reported
//!   records, as far as the chain goes. Every durable record is on at least
//!   one replica of any read quorum (3 + 4 > 6), so no acknowledged commit
//!   is missed;
//! - VDL: the last CPL on that chain (or H). Everything above it is voided
//!   by the new epoch's truncation `(epoch, VDL)`;
//! - the records in (H, VDL] to write again under the new epoch, so they are
//!   durable on a write quorum before anything new is acknowledged;
//! - each PG's last record at or below VDL (the next record's backlink).
//!
//! It reads nothing below H: recovery time is bounded by the LSN allocation
//! limit, not by the length of the log.
//!
//! PGs come and go with splits, so the set to seal is not fixed: every
//! report lists the PGs its replica hosts, and a plan is made only once
//! every PG any sealed replica hosts has been sealed too (a split whose
//! genesis is durable is on 4 replicas, so a read quorum of PG 0 names
//! it). The writer then reads the partition map at the recovered VDL.

use borealis_common::limits::{LSN_ALLOCATION_LIMIT, READ_QUORUM};
use borealis_common::{Epoch, Lsn, PgId, ReplicaId};
use borealis_wire::{EpochHistory, RecordHeader, Truncation};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What one sealed segment reported.
#[derive(Clone, Debug)]
pub struct SealReport {
    pub pg: PgId,
    pub replica: ReplicaId,
    pub history: EpochHistory,
    pub vdl_hint: Lsn,
    pub last_lsn_at_or_below_hint: Lsn,
    pub headers: Vec<RecordHeader>,
    /// Every PG the replica hosts.
    pub hosted: Vec<PgId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryPlan {
    pub epoch: Epoch,
    /// H: the highest VDL any replica heard of (committed and durable).
    pub committed: Lsn,
    /// The merged history extended by `(epoch, vdl)`.
    pub history: EpochHistory,
    pub vdl: Lsn,
    /// The first LSN the new writer allocates.
    pub next_lsn: Lsn,
    /// Per PG (every PG sealed): its last record at or below VDL.
    pub pg_tails: BTreeMap<PgId, Lsn>,
    /// Records in (H, VDL] to write again, by PG, ascending.
    pub records_to_rewrite: Vec<(PgId, Vec<Lsn>)>,
    /// Their headers, ascending by LSN: a fetched record is used only if it
    /// is exactly the one recovery chose (a void record of an older epoch
    /// may share its LSN).
    pub rewrite_headers: Vec<RecordHeader>,
}

impl RecoveryPlan {
    /// Whether `record` is one of the records this plan rewrites.
    pub fn is_recovered_record(&self, record: &borealis_wire::LogRecord) -> bool {
        self.rewrite_headers
            .binary_search_by_key(&record.lsn(), |h| h.lsn)
            .is_ok_and(|index| self.rewrite_headers[index] == record.header)
    }

    /// The plan for an empty volume (also the placeholder state a writer
    /// holds until its recovery finishes).
    pub fn empty_volume(pg_count: u32) -> RecoveryPlan {
        RecoveryPlan {
            epoch: Epoch(1),
            committed: Lsn::ZERO,
            history: EpochHistory::starting(Epoch(1), Lsn::ZERO),
            vdl: Lsn::ZERO,
            next_lsn: Lsn(1),
            pg_tails: (0..pg_count).map(|pg| (PgId(pg), Lsn::ZERO)).collect(),
            records_to_rewrite: vec![],
            rewrite_headers: vec![],
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecoveryError {
    #[error("{pg} has {reports} sealed replicas, fewer than a read quorum")]
    NoReadQuorum { pg: PgId, reports: usize },
    #[error("replicas report conflicting epoch histories")]
    ConflictingHistories,
    #[error("replicas host PGs that were not sealed: {0:?}")]
    UnsealedPgs(Vec<PgId>),
}

/// The PGs to seal: `known` and every PG a report says its replica hosts.
pub fn pgs_to_seal(known: &[PgId], reports: &[SealReport]) -> Vec<PgId> {
    let mut pgs: BTreeSet<PgId> = known.iter().copied().collect();
    for report in reports {
        pgs.extend(report.hosted.iter().copied());
    }
    pgs.into_iter().collect()
}

/// Computes the recovery of a volume by a writer of `epoch` from the
/// reports of the segments of `pgs` it sealed.
pub fn plan_recovery(
    epoch: Epoch,
    pgs: &[PgId],
    reports: &[SealReport],
) -> Result<RecoveryPlan, RecoveryError> {
    let unsealed: Vec<PgId> = pgs_to_seal(pgs, reports)
        .into_iter()
        .filter(|pg| !pgs.contains(pg))
        .collect();
    if !unsealed.is_empty() {
        return Err(RecoveryError::UnsealedPgs(unsealed));
    }
    for pg in pgs {
        let mut replicas: Vec<ReplicaId> = reports
            .iter()
            .filter(|r| r.pg == *pg)
            .map(|r| r.replica)
            .collect();
        replicas.sort();
        replicas.dedup();
        if replicas.len() < READ_QUORUM {
            return Err(RecoveryError::NoReadQuorum {
                pg: *pg,
                reports: replicas.len(),
            });
        }
    }
    let truncations: Vec<Truncation> = reports
        .iter()
        .flat_map(|r| r.history.truncations().iter().copied())
        .collect();
    let merged =
        EpochHistory::from_truncations(truncations).ok_or(RecoveryError::ConflictingHistories)?;
    assert!(
        merged.epoch() < epoch,
        "sealed at an epoch not above every history"
    );

    let committed = reports
        .iter()
        .map(|r| r.vdl_hint)
        .max()
        .unwrap_or(Lsn::ZERO);
    // Valid records above H, by their volume backlink. Two valid records
    // never share a backlink; if a bug made them, the newer epoch wins.
    let mut by_prev: HashMap<Lsn, RecordHeader> = HashMap::new();
    let mut pg_tails: BTreeMap<PgId, Lsn> = pgs.iter().map(|pg| (*pg, Lsn::ZERO)).collect();
    for report in reports {
        let Some(tail) = pg_tails.get_mut(&report.pg) else {
            continue;
        };
        *tail = (*tail).max(report.last_lsn_at_or_below_hint);
        for header in &report.headers {
            if header.pg != report.pg || merged.voids(header.epoch, header.lsn) {
                continue;
            }
            if header.lsn <= committed {
                *tail = (*tail).max(header.lsn);
                continue;
            }
            let slot = by_prev.entry(header.prev_volume_lsn).or_insert(*header);
            if header.epoch > slot.epoch {
                *slot = *header;
            }
        }
    }

    let mut chain = Vec::new();
    let mut cursor = committed;
    let mut vdl = committed;
    while let Some(header) = by_prev.get(&cursor) {
        chain.push(*header);
        cursor = header.lsn;
        if header.cpl {
            vdl = header.lsn;
        }
    }
    let mut rewrite: HashMap<PgId, Vec<Lsn>> = HashMap::new();
    let rewrite_headers: Vec<RecordHeader> =
        chain.iter().filter(|h| h.lsn <= vdl).copied().collect();
    for header in chain.iter().filter(|h| h.lsn <= vdl) {
        rewrite.entry(header.pg).or_default().push(header.lsn);
        let tail = pg_tails.get_mut(&header.pg).expect("a sealed PG");
        *tail = (*tail).max(header.lsn);
    }
    let max_seen = reports
        .iter()
        .flat_map(|r| r.headers.iter().map(|h| h.lsn))
        .max()
        .unwrap_or(Lsn::ZERO);
    // Above anything seen, and above what the old writer allocated in the
    // common case (it stays within LAL of max(its VDL, the LSNs its own
    // recovery skipped); see `WriterState`). Should an older epoch's
    // record share an LSN with one of ours, it is above our VDL and so void
    // under our history, which a replica adopts before it takes our records.
    let next_lsn = Lsn((vdl.0 + LSN_ALLOCATION_LIMIT).max(max_seen.0) + 1);
    let mut records_to_rewrite: Vec<(PgId, Vec<Lsn>)> = rewrite.into_iter().collect();
    records_to_rewrite.sort();
    Ok(RecoveryPlan {
        epoch,
        committed,
        history: merged.extended(epoch, vdl),
        vdl,
        next_lsn,
        pg_tails,
        records_to_rewrite,
        rewrite_headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(lsn: u64, prev_pg: u64, prev_volume: u64, cpl: bool, epoch: u64) -> RecordHeader {
        RecordHeader {
            lsn: Lsn(lsn),
            epoch: Epoch(epoch),
            pg: PgId(0),
            prev_pg_lsn: Lsn(prev_pg),
            prev_volume_lsn: Lsn(prev_volume),
            cpl,
        }
    }

    fn report(replica: u8, hint: u64, last: u64, headers: Vec<RecordHeader>) -> SealReport {
        SealReport {
            pg: PgId(0),
            replica: ReplicaId(replica),
            history: EpochHistory::starting(Epoch(1), Lsn::ZERO),
            vdl_hint: Lsn(hint),
            last_lsn_at_or_below_hint: Lsn(last),
            headers,
            hosted: vec![PgId(0)],
        }
    }

    #[test]
    fn empty_volume_recovers_to_zero() {
        let reports: Vec<_> = (0..3).map(|r| report(r, 0, 0, vec![])).collect();
        let plan = plan_recovery(Epoch(2), &[PgId(0)], &reports).unwrap();
        assert_eq!(plan.vdl, Lsn::ZERO);
        assert_eq!(plan.pg_tails, BTreeMap::from([(PgId(0), Lsn::ZERO)]));
        assert_eq!(plan.history.epoch(), Epoch(2));
    }

    #[test]
    fn recovery_stops_at_the_last_complete_group_and_needs_a_quorum() {
        // Records 3 (CPL), 4 (not CPL), 5 (CPL, but 4's group... 5 is its own
        // group's end) and 7 whose predecessor 6 nobody has.
        let h3 = header(3, 2, 2, true, 1);
        let h4 = header(4, 3, 3, false, 1);
        let h5 = header(5, 4, 4, true, 1);
        let h7 = header(7, 6, 6, true, 1);
        let reports = vec![
            report(0, 2, 2, vec![h3, h4]),
            report(1, 2, 2, vec![h3, h4, h5, h7]),
            report(2, 1, 1, vec![header(2, 1, 1, true, 1), h3]),
        ];
        let plan = plan_recovery(Epoch(2), &[PgId(0)], &reports).unwrap();
        assert_eq!(plan.vdl, Lsn(5));
        assert_eq!(plan.pg_tails, BTreeMap::from([(PgId(0), Lsn(5))]));
        assert_eq!(
            plan.records_to_rewrite,
            vec![(PgId(0), vec![Lsn(3), Lsn(4), Lsn(5)])]
        );
        assert!(plan.next_lsn > Lsn(7));
        assert!(plan.history.voids(Epoch(1), Lsn(7)));
        assert_eq!(
            plan_recovery(Epoch(2), &[PgId(0)], &reports[..2]),
            Err(RecoveryError::NoReadQuorum {
                pg: PgId(0),
                reports: 2
            })
        );
    }

    #[test]
    fn a_writer_that_died_mid_rewrite_does_not_block_the_next() {
        // Epoch 1 wrote a group across two PGs: 3 (pg0) and 4 (pg1, CPL),
        // above the committed 2. Epoch 2 found both, planned VDL 4, rewrote
        // pg0 (whose replicas now carry its truncation (2, 4)) and died
        // before pg1. Record 4 was on one replica of pg1 only, down now.
        let pg = |p: u32, h: RecordHeader| RecordHeader { pg: PgId(p), ..h };
        let h3 = pg(0, header(3, 1, 2, false, 1));
        let mut reports = Vec::new();
        for replica in 3..6 {
            let mut r0 = report(replica, 2, 1, vec![h3]);
            r0.history = EpochHistory::starting(Epoch(1), Lsn::ZERO).extended(Epoch(2), Lsn(4));
            reports.push(r0);
            let mut r1 = report(replica, 2, 2, vec![]);
            r1.pg = PgId(1);
            reports.push(r1);
        }
        // Epoch 3 can only recover to 2. Epoch 2's truncation at 4 proves
        // nothing: it never finished, so it never allocated or acknowledged
        // anything, and (3, 2) voids everything (2, 4) did.
        let plan = plan_recovery(Epoch(3), &[PgId(0), PgId(1)], &reports).unwrap();
        assert_eq!(plan.vdl, Lsn(2));
        assert!(plan.history.voids(Epoch(1), Lsn(3)));
        assert_eq!(
            plan.history.truncations(),
            &[
                Truncation {
                    epoch: Epoch(1),
                    vdl: Lsn::ZERO
                },
                Truncation {
                    epoch: Epoch(3),
                    vdl: Lsn(2)
                }
            ]
        );
    }

    #[test]
    fn every_hosted_pg_must_be_sealed() {
        // A split made PG 4 (its genesis may be durable): a plan without
        // its records could cut the volume chain short.
        let mut reports: Vec<_> = (0..3).map(|r| report(r, 0, 0, vec![])).collect();
        reports[1].hosted = vec![PgId(0), PgId(4)];
        assert_eq!(
            plan_recovery(Epoch(2), &[PgId(0)], &reports),
            Err(RecoveryError::UnsealedPgs(vec![PgId(4)]))
        );
        assert_eq!(pgs_to_seal(&[PgId(0)], &reports), vec![PgId(0), PgId(4)]);
    }

    #[test]
    fn voided_records_are_not_recovered() {
        // Epoch 2 began at VDL 3: epoch-1 record 4 is void even though a
        // stale replica still reports it.
        let h4_old = header(4, 3, 3, true, 1);
        let mut knows = report(0, 3, 3, vec![]);
        knows.history = EpochHistory::starting(Epoch(1), Lsn::ZERO).extended(Epoch(2), Lsn(3));
        let reports = vec![
            knows,
            report(1, 3, 3, vec![h4_old]),
            report(2, 3, 3, vec![]),
        ];
        let plan = plan_recovery(Epoch(3), &[PgId(0)], &reports).unwrap();
        assert_eq!(plan.vdl, Lsn(3));
    }
}
