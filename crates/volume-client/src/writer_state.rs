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
//! - a commit is acknowledged only once VDL >= its CPL's LSN;
//! - the partition map a group is routed by is chosen under the same lock
//!   that allocates its LSNs, so no group straddles a PG split; a read at R
//!   is routed by the map as of R (a split's map takes effect at its CPL).

use crate::partitioning::{Partitioning, MAP_KEY};
use crate::recovery::RecoveryPlan;
use borealis_common::limits::{LSN_ALLOCATION_LIMIT, REPLICAS_PER_PG, WRITE_QUORUM};
use borealis_common::{Epoch, Lsn, PgId, ReplicaId};
use borealis_wire::{EpochHistory, LogRecord, Mutation, RecordHeader, SplitMark};
use std::collections::BTreeMap;

/// Mutation bytes per log record: a large commit (a bulk load) becomes
/// several records of its PG in the same atomic group, each far below the
/// record, frame and gossip bounds.
pub const RECORD_SPLIT_BYTES: usize = 4 << 20;

/// What the writer tracks of one PG.
#[derive(Clone, Debug)]
struct PgTrack {
    /// Its last allocated record (the next record's PG backlink).
    tail: Lsn,
    /// Its last record at or below VDL (what a read must find).
    durable_tail: Lsn,
    /// Per replica: the highest SCL it reported.
    replica_scl: [Lsn; REPLICAS_PER_PG],
}

impl PgTrack {
    fn new(tail: Lsn) -> PgTrack {
        PgTrack {
            tail,
            durable_tail: tail,
            replica_scl: [Lsn::ZERO; REPLICAS_PER_PG],
        }
    }
}

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
    /// Every PG this writer writes or heartbeats: those of the map, and
    /// those recovery found hosted (a split it voided may have left some).
    pgs: BTreeMap<PgId, PgTrack>,
    /// The partition map's versions, by the LSN each takes effect at
    /// (ascending); the last one routes new groups.
    maps: Vec<(Lsn, Partitioning)>,
    /// The id the next split gives its new PG: above every PG seen, so a
    /// PG a voided split left behind is never reused.
    next_pg: PgId,
    /// Records above VCL, with their PG.
    in_flight: BTreeMap<Lsn, InFlight>,
    /// Records durable but above VDL (waiting for their group's CPL).
    durable_above_vdl: Vec<(Lsn, PgId)>,
    vcl: Lsn,
    vdl: Lsn,
}

impl WriterState {
    /// The state of a writer that has just recovered the volume, whose
    /// partition map as of the recovered VDL is `map`.
    pub fn after_recovery(plan: &RecoveryPlan, map: Partitioning) -> WriterState {
        assert!(plan.next_lsn > plan.vdl);
        let mut pgs: BTreeMap<PgId, PgTrack> = plan
            .pg_tails
            .iter()
            .map(|(pg, tail)| (*pg, PgTrack::new(*tail)))
            .collect();
        for pg in map.pgs() {
            pgs.entry(pg).or_insert_with(|| PgTrack::new(Lsn::ZERO));
        }
        let highest = pgs.keys().next_back().copied().unwrap_or(PgId(0));
        WriterState {
            epoch: plan.epoch,
            history: plan.history.clone(),
            next_lsn: plan.next_lsn,
            allocation_floor: Lsn(plan.next_lsn.0 - 1),
            last_lsn: plan.vdl,
            pgs,
            maps: vec![(plan.vdl, map)],
            next_pg: PgId(highest.0 + 1),
            in_flight: BTreeMap::new(),
            durable_above_vdl: Vec::new(),
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
    /// Every PG this writer tracks (the map's and any recovery found).
    pub fn pgs(&self) -> Vec<PgId> {
        self.pgs.keys().copied().collect()
    }
    /// The newest partition map (what new groups are routed by).
    pub fn map(&self) -> &Partitioning {
        &self.maps.last().expect("a map").1
    }
    /// The partition map as of read point `at`.
    pub fn map_at(&self, at: Lsn) -> &Partitioning {
        let index = self.maps.partition_point(|(lsn, _)| *lsn <= at);
        &self.maps[index.saturating_sub(1)].1
    }
    /// Forgets map versions no read at or above `min_read_lsn` needs.
    pub fn forget_maps_below(&mut self, min_read_lsn: Lsn) {
        let keep_from = self
            .maps
            .partition_point(|(lsn, _)| *lsn <= min_read_lsn)
            .saturating_sub(1);
        self.maps.drain(..keep_from);
    }
    /// Map versions kept (for tests and status).
    pub fn map_versions(&self) -> usize {
        self.maps.len()
    }
    pub fn in_flight_count(&self) -> usize {
        self.in_flight.len()
    }
    /// The lowest LSN not yet durable, if any (what a stalled commit waits on).
    pub fn oldest_in_flight(&self) -> Option<(Lsn, PgId)> {
        self.in_flight.iter().next().map(|(lsn, f)| (*lsn, f.pg))
    }
    /// The SCL a replica last reported for a PG (zero for a PG not
    /// tracked).
    pub fn replica_scl(&self, pg: PgId, replica: ReplicaId) -> Lsn {
        self.pgs
            .get(&pg)
            .map_or(Lsn::ZERO, |track| track.replica_scl[replica.index()])
    }

    /// Builds the records of a commit of `mutations`: routed to PGs by the
    /// newest map (under the caller's lock, so no split comes between),
    /// one record per PG (several for a large share), the last one the CPL.
    /// An empty commit still takes an LSN (in PG 0), so it is ordered.
    ///
    /// Over the LSN allocation limit, the mutations come back untouched
    /// (the caller waits for VDL and tries again without having copied
    /// them: a bulk load's group can be hundreds of megabytes).
    pub fn allocate_commit(
        &mut self,
        mutations: Vec<Mutation>,
    ) -> Result<Vec<LogRecord>, (OverAllocationLimit, Vec<Mutation>)> {
        let map = self.map();
        let mut by_pg: Vec<(PgId, Vec<Mutation>)> = Vec::new();
        for mutation in mutations {
            let pg = map.pg_of(&mutation.key);
            match by_pg.iter_mut().find(|(p, _)| *p == pg) {
                Some((_, list)) => list.push(mutation),
                None => by_pg.push((pg, vec![mutation])),
            }
        }
        if by_pg.is_empty() {
            by_pg.push((PgId(0), Vec::new()));
        }
        let parts = split_records(by_pg);
        if !self.can_allocate(parts.len() as u64) {
            let mutations = parts.into_iter().flat_map(|(_, list)| list).collect();
            return Err((OverAllocationLimit, mutations));
        }
        Ok(self
            .allocate_group(parts)
            .expect("checked against the allocation limit above"))
    }

    /// Whether `count` more LSNs stay within LAL of the VDL.
    fn can_allocate(&self, count: u64) -> bool {
        let last = Lsn(self.next_lsn.0 + count - 1);
        last.distance_from(self.vdl.max(self.allocation_floor)) <= LSN_ALLOCATION_LIMIT
    }

    /// Builds the atomic group that splits PG `pg` at key `at`: a record
    /// in `pg` ("keys from `at` on moved out"), the genesis record of the
    /// new PG (its chain starts there; its segments copy those keys from
    /// `pg` as of the first record), and the new map under [`MAP_KEY`] in
    /// PG 0, the CPL. From here on new groups are routed by the new map;
    /// reads use it from the CPL on. `Ok(None)`: `at` is not strictly
    /// inside `pg`'s range (nothing to split).
    pub fn allocate_split(
        &mut self,
        pg: PgId,
        at: &[u8],
    ) -> Result<Option<Vec<LogRecord>>, OverAllocationLimit> {
        let new_pg = self.next_pg;
        let Some(new_map) = self.map().split(pg, at, new_pg) else {
            return Ok(None);
        };
        let (start, end) = new_map.range_of(new_pg).expect("the new PG is mapped");
        let mut records = self.allocate_group(vec![
            (pg, Vec::new()),
            (new_pg, Vec::new()),
            (
                PgId(0),
                vec![Mutation {
                    key: MAP_KEY.to_vec(),
                    value: Some(new_map.encode()),
                }],
            ),
        ])?;
        let moved_lsn = records[0].lsn();
        records[0].split = Some(SplitMark::MovedOut {
            to: new_pg,
            from_key: at.to_vec(),
        });
        records[1].split = Some(SplitMark::Genesis {
            source: pg,
            source_lsn: moved_lsn,
            start,
            end,
        });
        let cpl = records[2].lsn();
        self.maps.push((cpl, new_map));
        self.next_pg = PgId(new_pg.0 + 1);
        Ok(Some(records))
    }

    /// Builds the records of one atomic group: one record per PG touched, in
    /// the order given; the last is the CPL. Returns the records (the last
    /// one's LSN is the commit LSN).
    pub fn allocate_group(
        &mut self,
        parts: Vec<(PgId, Vec<Mutation>)>,
    ) -> Result<Vec<LogRecord>, OverAllocationLimit> {
        assert!(!parts.is_empty(), "an atomic group has at least one record");
        if !self.can_allocate(parts.len() as u64) {
            return Err(OverAllocationLimit);
        }
        let mut records = Vec::with_capacity(parts.len());
        let part_count = parts.len();
        for (index, (pg, mutations)) in parts.into_iter().enumerate() {
            let lsn = self.next_lsn;
            let cpl = index + 1 == part_count;
            let track = self
                .pgs
                .entry(pg)
                .or_insert_with(|| PgTrack::new(Lsn::ZERO));
            let header = RecordHeader {
                lsn,
                epoch: self.epoch,
                pg,
                prev_pg_lsn: track.tail,
                prev_volume_lsn: self.last_lsn,
                cpl,
            };
            assert!(header.prev_pg_lsn < lsn && header.prev_volume_lsn < lsn);
            track.tail = lsn;
            self.last_lsn = lsn;
            self.next_lsn = lsn.next();
            self.in_flight.insert(lsn, InFlight { pg, cpl });
            records.push(LogRecord::new(header, mutations));
        }
        Ok(records)
    }

    /// A replica reported its SCL for a PG. Returns whether VDL advanced.
    pub fn on_ack(&mut self, pg: PgId, replica: ReplicaId, scl: Lsn) -> bool {
        let Some(track) = self.pgs.get_mut(&pg) else {
            return false;
        };
        let slot = &mut track.replica_scl[replica.index()];
        if scl > *slot {
            *slot = scl;
        }
        self.advance()
    }

    /// The SCL that `WRITE_QUORUM` replicas of `pg` have reached.
    fn quorum_scl(&self, pg: PgId) -> Lsn {
        let mut scls = self.pgs[&pg].replica_scl;
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
                    let track = self.pgs.get_mut(&pg).expect("a tracked PG");
                    track.durable_tail = track.durable_tail.max(lsn);
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
        self.pgs
            .get(&pg)
            .map_or(Lsn::ZERO, |track| track.durable_tail)
            .min(at)
    }

    /// Replicas of `pg` known to hold its chain through `need`, best first.
    pub fn replicas_covering(&self, pg: PgId, need: Lsn) -> Vec<ReplicaId> {
        ReplicaId::all()
            .filter(|r| self.replica_scl(pg, *r) >= need)
            .collect()
    }

    /// Replicas of `pg` that have not reported holding everything sent.
    pub fn lagging_replicas(&self, pg: PgId) -> Vec<ReplicaId> {
        let tail = self.pgs.get(&pg).map_or(Lsn::ZERO, |track| track.tail);
        ReplicaId::all()
            .filter(|r| self.replica_scl(pg, *r) < tail)
            .collect()
    }
}

/// Cuts each PG's share of a group into records of at most about
/// [`RECORD_SPLIT_BYTES`] of mutations.
fn split_records(by_pg: Vec<(PgId, Vec<Mutation>)>) -> Vec<(PgId, Vec<Mutation>)> {
    let mut parts = Vec::with_capacity(by_pg.len());
    for (pg, list) in by_pg {
        let mut current = Vec::new();
        let mut bytes = 0;
        for m in list {
            let len = 4 + m.key.len() + 1 + m.value.as_ref().map_or(0, |v| 4 + v.len());
            if !current.is_empty() && bytes + len > RECORD_SPLIT_BYTES {
                parts.push((pg, std::mem::take(&mut current)));
                bytes = 0;
            }
            bytes += len;
            current.push(m);
        }
        parts.push((pg, current));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(pgs: u32) -> WriterState {
        WriterState::after_recovery(&RecoveryPlan::empty_volume(pgs), Partitioning::even(pgs))
    }

    #[test]
    fn a_split_is_one_group_and_routes_by_lsn() {
        let mut state = fresh(1);
        let before = state.allocate_commit(put("m")).unwrap();
        assert_eq!(before[0].header.pg, PgId(0));
        let split = state.allocate_split(PgId(0), b"k").unwrap().unwrap();
        assert_eq!(split.len(), 3);
        let [moved, genesis, map] = [&split[0], &split[1], &split[2]];
        assert_eq!(moved.header.pg, PgId(0));
        assert_eq!(genesis.header.pg, PgId(1));
        assert_eq!(genesis.header.prev_pg_lsn, Lsn::ZERO);
        assert_eq!(
            genesis.split,
            Some(SplitMark::Genesis {
                source: PgId(0),
                source_lsn: moved.lsn(),
                start: b"k".to_vec(),
                end: None
            })
        );
        assert!(map.header.cpl && !moved.header.cpl && !genesis.header.cpl);
        assert_eq!(map.header.pg, PgId(0));
        let stored = Partitioning::decode(map.mutations[0].value.as_deref().unwrap()).unwrap();
        assert_eq!(stored.pg_of(b"m"), PgId(1));
        // New groups go by the new map at once; reads by the map of their
        // read point.
        let after = state.allocate_commit(put("m")).unwrap();
        assert_eq!(after[0].header.pg, PgId(1));
        assert_eq!(after[0].header.prev_pg_lsn, genesis.lsn());
        assert_eq!(state.map_at(before[0].lsn()).pg_of(b"m"), PgId(0));
        assert_eq!(state.map_at(map.lsn()).pg_of(b"m"), PgId(1));
        // Splitting outside the range, or at its start, does nothing.
        assert_eq!(state.allocate_split(PgId(1), b"k"), Ok(None));
        assert_eq!(state.allocate_split(PgId(0), b"z"), Ok(None));
        // The next split gets a new PG id.
        let again = state.allocate_split(PgId(1), b"t").unwrap().unwrap();
        assert_eq!(again[1].header.pg, PgId(2));
        state.forget_maps_below(again[2].lsn());
        assert_eq!(state.map_versions(), 1);
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
        plan.pg_tails = BTreeMap::from([(PgId(0), Lsn(10))]);
        plan.next_lsn = Lsn(10 + LSN_ALLOCATION_LIMIT + 1);
        let mut state = WriterState::after_recovery(&plan, Partitioning::even(1));
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
