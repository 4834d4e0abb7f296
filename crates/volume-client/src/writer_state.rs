//! The writer's protocol state, without I/O: LSN allocation, backlinks,
//! quorum tracking, VCL and VDL.
//!
//! Invariants (asserted):
//! - LSNs are allocated strictly increasing, never more than
//!   [`LSN_ALLOCATION_LIMIT`] above max(VDL, the LSNs recovery skipped);
//! - a record is durable when [`WRITE_QUORUM`] replicas of its PG report an
//!   SCL at or above it (they hold its whole PG chain through it);
//! - VCL is the highest LSN with every record at or below it durable; VDL is
//!   the highest CPL at or below VCL; both only grow;
//! - a commit is acknowledged only once VDL >= its CPL's LSN.

use crate::recovery::RecoveryPlan;
use borealis_common::limits::{LSN_ALLOCATION_LIMIT, REPLICAS_PER_PG, WRITE_QUORUM};
use borealis_common::{Epoch, Lsn, PgId, ReplicaId};
use borealis_wire::{EpochHistory, LogRecord, Mutation, RecordHeader};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug)]
struct InFlight {
    pg: PgId,
    cpl: bool,
}

/// Allocating the group would pass the LSN allocation limit: wait for VDL.
#[derive(Debug, PartialEq, Eq)]
pub struct OverAllocationLimit;

pub struct WriterState {
    epoch: Epoch,
    history: EpochHistory,
    next_lsn: Lsn,
    /// The last LSN recovery skipped: the plan starts this epoch at
    /// `next_lsn`, up to LAL above the recovered VDL, and nothing lives in
    /// between. The allocation limit counts from max(VDL, this floor):
    /// counting from VDL alone, a recovered writer could allocate nothing
    /// (its first LSN is already more than LAL above VDL), and every commit
    /// after a failover would wait forever (found by the simulation, every
    /// seed).
    allocation_floor: Lsn,
    /// The last LSN allocated (the next record's volume backlink).
    last_lsn: Lsn,
    /// Per PG: its last allocated record (the next record's PG backlink).
    pg_tails: Vec<Lsn>,
    /// Per PG: its last record at or below VDL (what a read must find).
    durable_pg_tails: Vec<Lsn>,
    /// Records above VCL, with their PG.
    in_flight: BTreeMap<Lsn, InFlight>,
    /// Records durable but above VDL (waiting for their group's CPL).
    durable_above_vdl: Vec<(Lsn, PgId)>,
    /// Per PG, per replica: the highest SCL it reported.
    replica_scl: Vec<[Lsn; REPLICAS_PER_PG]>,
    vcl: Lsn,
    vdl: Lsn,
}

impl WriterState {
    /// The state of a writer that has just recovered the volume.
    pub fn after_recovery(plan: &RecoveryPlan) -> WriterState {
        let pg_count = plan.pg_tails.len();
        assert!(pg_count > 0);
        assert!(plan.next_lsn > plan.vdl);
        WriterState {
            epoch: plan.epoch,
            history: plan.history.clone(),
            next_lsn: plan.next_lsn,
            allocation_floor: Lsn(plan.next_lsn.0 - 1),
            last_lsn: plan.vdl,
            pg_tails: plan.pg_tails.clone(),
            durable_pg_tails: plan.pg_tails.clone(),
            in_flight: BTreeMap::new(),
            durable_above_vdl: Vec::new(),
            replica_scl: vec![[Lsn::ZERO; REPLICAS_PER_PG]; pg_count],
            vcl: plan.vdl,
            vdl: plan.vdl,
        }
    }

    pub fn epoch(&self) -> Epoch {
        self.epoch
    }
    pub fn history(&self) -> &EpochHistory {
        &self.history
    }
    pub fn vcl(&self) -> Lsn {
        self.vcl
    }
    pub fn vdl(&self) -> Lsn {
        self.vdl
    }
    pub fn pg_count(&self) -> usize {
        self.pg_tails.len()
    }
    pub fn in_flight_count(&self) -> usize {
        self.in_flight.len()
    }
    /// The lowest LSN not yet durable, if any (what a stalled commit waits on).
    pub fn oldest_in_flight(&self) -> Option<(Lsn, PgId)> {
        self.in_flight.iter().next().map(|(lsn, f)| (*lsn, f.pg))
    }
    pub fn replica_scl(&self, pg: PgId, replica: ReplicaId) -> Lsn {
        self.replica_scl[pg.0 as usize][replica.index()]
    }

    /// Builds the records of one atomic group: one record per PG touched, in
    /// the order given; the last is the CPL. Returns the records (the last
    /// one's LSN is the commit LSN).
    pub fn allocate_group(
        &mut self,
        parts: Vec<(PgId, Vec<Mutation>)>,
    ) -> Result<Vec<LogRecord>, OverAllocationLimit> {
        assert!(!parts.is_empty(), "an atomic group has at least one record");
        let count = parts.len() as u64;
        let last = Lsn(self.next_lsn.0 + count - 1);
        if last.distance_from(self.vdl.max(self.allocation_floor)) > LSN_ALLOCATION_LIMIT {
            return Err(OverAllocationLimit);
        }
        let mut records = Vec::with_capacity(parts.len());
        let part_count = parts.len();
        for (index, (pg, mutations)) in parts.into_iter().enumerate() {
            let lsn = self.next_lsn;
            let cpl = index + 1 == part_count;
            let header = RecordHeader {
                lsn,
                epoch: self.epoch,
                pg,
                prev_pg_lsn: self.pg_tails[pg.0 as usize],
                prev_volume_lsn: self.last_lsn,
                cpl,
            };
            assert!(header.prev_pg_lsn < lsn && header.prev_volume_lsn < lsn);
            self.pg_tails[pg.0 as usize] = lsn;
            self.last_lsn = lsn;
            self.next_lsn = lsn.next();
            self.in_flight.insert(lsn, InFlight { pg, cpl });
            records.push(LogRecord { header, mutations });
        }
        Ok(records)
    }

    /// A replica reported its SCL for a PG. Returns whether VDL advanced.
    pub fn on_ack(&mut self, pg: PgId, replica: ReplicaId, scl: Lsn) -> bool {
        let Some(scls) = self.replica_scl.get_mut(pg.0 as usize) else {
            return false;
        };
        let slot = &mut scls[replica.index()];
        if scl > *slot {
            *slot = scl;
        }
        self.advance()
    }

    /// The SCL that `WRITE_QUORUM` replicas of `pg` have reached.
    fn quorum_scl(&self, pg: PgId) -> Lsn {
        let mut scls = self.replica_scl[pg.0 as usize];
        scls.sort_unstable_by(|a, b| b.cmp(a));
        scls[WRITE_QUORUM - 1]
    }

    fn advance(&mut self) -> bool {
        let vdl_before = self.vdl;
        while let Some((&lsn, &flight)) = self.in_flight.iter().next() {
            if self.quorum_scl(flight.pg) < lsn {
                break;
            }
            self.in_flight.remove(&lsn);
            assert!(lsn > self.vcl, "VCL goes backwards");
            self.vcl = lsn;
            self.durable_above_vdl.push((lsn, flight.pg));
            if flight.cpl {
                self.vdl = lsn;
                for (lsn, pg) in self.durable_above_vdl.drain(..) {
                    let tail = &mut self.durable_pg_tails[pg.0 as usize];
                    *tail = (*tail).max(lsn);
                }
            }
        }
        if self.in_flight.is_empty() {
            self.vcl = self.last_lsn;
            assert!(
                self.durable_above_vdl.is_empty(),
                "a group ended without its CPL"
            );
            self.vdl = self.vdl.max(self.vcl);
        }
        assert!(self.vdl <= self.vcl);
        self.vdl > vdl_before
    }

    /// What a read of `pg` as of `at` (at or below VDL) needs a replica to
    /// hold: the PG's chain through this LSN.
    pub fn read_need(&self, pg: PgId, at: Lsn) -> Lsn {
        self.durable_pg_tails[pg.0 as usize].min(at)
    }

    /// Replicas of `pg` known to hold its chain through `need`, best first.
    pub fn replicas_covering(&self, pg: PgId, need: Lsn) -> Vec<ReplicaId> {
        ReplicaId::all()
            .filter(|r| self.replica_scl(pg, *r) >= need)
            .collect()
    }

    /// Replicas of `pg` that have not reported holding everything sent.
    pub fn lagging_replicas(&self, pg: PgId) -> Vec<ReplicaId> {
        let tail = self.pg_tails[pg.0 as usize];
        ReplicaId::all()
            .filter(|r| self.replica_scl(pg, *r) < tail)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(pgs: usize) -> WriterState {
        WriterState::after_recovery(&RecoveryPlan::empty_volume(pgs))
    }

    fn put(key: &str) -> Vec<Mutation> {
        vec![Mutation {
            key: key.as_bytes().to_vec(),
            value: Some(b"v".to_vec()),
        }]
    }

    #[test]
    fn commit_is_durable_only_on_a_write_quorum() {
        let mut state = fresh(1);
        let records = state.allocate_group(vec![(PgId(0), put("a"))]).unwrap();
        let lsn = records[0].lsn();
        for replica in 0..3 {
            assert!(!state.on_ack(PgId(0), ReplicaId(replica), lsn));
        }
        assert!(state.vdl() < lsn);
        assert!(state.on_ack(PgId(0), ReplicaId(3), lsn));
        assert_eq!(state.vdl(), lsn);
    }

    #[test]
    fn vdl_stops_at_the_last_complete_group() {
        let mut state = fresh(2);
        let group = state
            .allocate_group(vec![(PgId(0), put("a")), (PgId(1), put("b"))])
            .unwrap();
        assert!(!group[0].header.cpl && group[1].header.cpl);
        for replica in 0..4 {
            state.on_ack(PgId(0), ReplicaId(replica), group[0].lsn());
        }
        // The first record is durable, the group is not: VDL must not move.
        assert_eq!(state.vcl(), group[0].lsn());
        assert!(state.vdl() < group[0].lsn());
        for replica in 2..6 {
            state.on_ack(PgId(1), ReplicaId(replica), group[1].lsn());
        }
        assert_eq!(state.vdl(), group[1].lsn());
        assert_eq!(state.read_need(PgId(0), state.vdl()), group[0].lsn());
    }

    #[test]
    fn a_recovered_writer_can_allocate() {
        // Recovery starts the epoch LAL above the recovered VDL.
        let mut plan = RecoveryPlan::empty_volume(1);
        plan.epoch = Epoch(2);
        plan.vdl = Lsn(10);
        plan.pg_tails = vec![Lsn(10)];
        plan.next_lsn = Lsn(10 + LSN_ALLOCATION_LIMIT + 1);
        let mut state = WriterState::after_recovery(&plan);
        let records = state.allocate_group(vec![(PgId(0), put("a"))]).unwrap();
        assert_eq!(records[0].lsn(), plan.next_lsn);
        assert_eq!(records[0].header.prev_pg_lsn, Lsn(10));
        // The limit still holds, counted from the skipped range's top.
        let group = || (0..1024).map(|_| (PgId(0), vec![])).collect::<Vec<_>>();
        let mut allocated = 1u64;
        while state.allocate_group(group()).is_ok() {
            allocated += 1024;
        }
        assert!(allocated <= LSN_ALLOCATION_LIMIT);
        assert!(allocated + 1024 > LSN_ALLOCATION_LIMIT);
    }

    #[test]
    fn allocation_stops_at_the_limit() {
        let mut state = fresh(1);
        let group = || (0..1024).map(|_| (PgId(0), vec![])).collect::<Vec<_>>();
        let mut allocated = 0u64;
        while state.allocate_group(group()).is_ok() {
            allocated += 1024;
            assert!(allocated <= LSN_ALLOCATION_LIMIT);
        }
        assert_eq!(allocated, LSN_ALLOCATION_LIMIT);
        // Once the allocated records are durable, allocation goes on.
        for replica in 0..4 {
            state.on_ack(PgId(0), ReplicaId(replica), Lsn(allocated + 1));
        }
        assert!(state.allocate_group(group()).is_ok());
    }
}
