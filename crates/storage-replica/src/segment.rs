//! One protection group's segment on one replica: the replica half of the
//! volume protocol, without I/O of its own.
//!
//! The caller (the server's segment thread, or the simulator) feeds it
//! requests and calls [`Segment::sync`] to make received records durable;
//! only durable records count toward the SCL, so an ack never claims more
//! than a crash would leave.
//!
//! Invariants (checked with assertions in `check_invariants`):
//! - every indexed record with LSN <= SCL is on the PG's backlink chain from
//!   `Lsn::ZERO` to SCL; every one above SCL is waiting for its gap to fill;
//! - no indexed record is void under the segment's epoch history;
//! - versions are applied only through min(SCL, VDL hint), so nothing that
//!   a later writer could truncate is ever readable (reads go no higher
//!   than the VDL either).
//!
//! A PG split off another starts with a genesis record (see
//! `borealis_wire::SplitMark`): before applying it, the segment copies the
//! newest versions of its key range as of the split from the source PG's
//! segment on the same replica, in bounded pages that the host carries
//! ([`Segment::genesis_wanted`], [`Segment::snapshot_page`],
//! [`Segment::fill_genesis`]); no data crosses the network. Until the copy
//! is done the segment answers reads with `NotCaughtUp`.
//!
//! Left out on purpose: log trimming below a snapshot; see docs/storage.md.

use crate::gc_queue::GcQueue;
use crate::meta::SegmentMeta;
use crate::read_path::PublishedReadState;
use borealis_common::limits::{HOLD_RECORDS_MAX, LSN_ALLOCATION_LIMIT};
use borealis_common::{Epoch, Lsn, PgId};
use borealis_wire::{EpochHistory, LogRecord, RecordHeader, Response, SplitMark};
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::sync::Arc;

/// Where a segment's log lives: appended, synced, read back by location.
pub trait SegmentLog {
    /// Reads the metadata (if any) and calls `visit` with the header and
    /// location of every intact record, in log order. A torn or corrupt
    /// record ends the log: it and everything after it are cut off.
    fn load(&mut self, visit: &mut dyn FnMut(RecordHeader, u64))
        -> io::Result<Option<SegmentMeta>>;
    /// Appends a record (not yet durable); returns its location.
    fn append(&mut self, record: &LogRecord) -> io::Result<u64>;
    /// Makes every appended record durable.
    fn sync(&mut self) -> io::Result<()>;
    /// Reads the record at `location`.
    fn read(&mut self, location: u64) -> io::Result<LogRecord>;
    /// Bytes of the log (appended, synced or not).
    fn bytes(&self) -> u64;
    /// Replaces the metadata durably.
    fn persist_meta(&mut self, meta: &SegmentMeta) -> io::Result<()>;
}

/// A page of scan results (key, value) and whether more rows follow.
pub type ScanPage = (Vec<(Vec<u8>, Vec<u8>)>, bool);

/// Row versions by (key, LSN): the materialized result of applying the log.
/// A cache of log application: it can be rebuilt from the log.
pub trait VersionStore {
    /// Every record at or below this LSN is applied.
    fn applied_lsn(&self) -> Lsn;
    /// Applies `records` (ascending, all above `applied_lsn`) and moves
    /// `applied_lsn` to `through`.
    fn apply(&mut self, records: &[LogRecord], through: Lsn) -> io::Result<()>;
    /// Removes the versions `records` created and moves `applied_lsn` back
    /// to `through` (a voided tail that had been applied).
    fn unapply(&mut self, records: &[LogRecord], through: Lsn) -> io::Result<()>;
    /// Inserts values at `lsn`, above `applied_lsn`, which does not move
    /// (a genesis fill, page by page; `apply` of the genesis ends it).
    fn insert_versions(&mut self, lsn: Lsn, rows: &[(Vec<u8>, Vec<u8>)]) -> io::Result<()>;
    /// Removes every version and moves `applied_lsn` to zero (before a
    /// genesis fill: whatever is there belongs to no chain).
    fn clear(&mut self) -> io::Result<()>;
    fn get(&self, key: &[u8], at: Lsn) -> io::Result<Option<Vec<u8>>>;
    /// Garbage collection of up to `keys_max` keys from `from` on: of each
    /// key's versions at or below `horizon`, only the newest is kept (and
    /// not even that if it is a delete). Reads at or above `horizon` see
    /// exactly what they saw before. Returns where to go on, or `None` at
    /// the end of the key space.
    fn collect_garbage(
        &mut self,
        horizon: Lsn,
        from: &[u8],
        keys_max: usize,
    ) -> io::Result<Option<Vec<u8>>>;
    /// The same for exactly `keys` (ascending): what a full pass would
    /// remove of these keys' versions.
    fn collect_garbage_of(&mut self, horizon: Lsn, keys: &[Vec<u8>]) -> io::Result<()>;
    /// Keys in `[start, end)`, newest version at or below `at`, deletes
    /// skipped; at most `limit` rows, and whether more follow.
    fn scan(&self, start: &[u8], end: Option<&[u8]>, at: Lsn, limit: usize)
        -> io::Result<ScanPage>;
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    header: RecordHeader,
    location: u64,
    synced: bool,
}

/// A genesis fill in progress: what the segment wants next from its
/// source PG's segment on the same replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenesisFill {
    /// The genesis record's LSN (the copied versions are placed there).
    pub lsn: Lsn,
    pub source: PgId,
    /// The source's versions are copied as of this LSN.
    pub source_lsn: Lsn,
    /// The next key to copy.
    pub from: Vec<u8>,
    pub end: Option<Vec<u8>>,
}

/// Rows a genesis fill copies per page.
pub const GENESIS_PAGE_ROWS: usize = 1024;

/// Why a write or seal was not taken.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The request's epoch is older than the segment's.
    StaleEpoch(Epoch),
    /// The request is inconsistent (wrong PG, history not ending at its
    /// epoch, too many held records); `Response::Error` carries the text.
    Invalid(String),
}

impl Refusal {
    pub fn into_response(self) -> Response {
        match self {
            Refusal::StaleEpoch(epoch) => Response::Refused { epoch },
            Refusal::Invalid(message) => Response::Error { message },
        }
    }
}

pub struct Segment<L: SegmentLog, V: VersionStore> {
    pg: PgId,
    log: L,
    versions: V,
    meta: SegmentMeta,
    /// The VDL hint last persisted in `meta` on disk.
    vdl_hint_persisted: Lsn,
    index: BTreeMap<Lsn, Entry>,
    /// Synced records above the SCL, by their PG backlink.
    waiting_by_prev: HashMap<Lsn, Lsn>,
    unsynced: Vec<Lsn>,
    scl: Lsn,
    /// No read comes below this LSN (the PGMRPL the writer sent, capped at
    /// what is applied): older versions may be collected.
    gc_horizon: Lsn,
    /// The next key of a full garbage-collection pass in progress.
    gc_cursor: Option<Vec<u8>>,
    /// A full pass is owed: once after opening (versions applied before a
    /// restart), and whenever `gc_queue` overflowed.
    gc_full_pass_owed: bool,
    /// Keys applied since they were last collected.
    gc_queue: GcQueue,
    /// How far the version store is applied and the GC horizon, for
    /// readers on other threads (`read_path.rs`).
    published: Arc<PublishedReadState>,
    /// The genesis fill the next apply waits for, if any.
    genesis: Option<GenesisFill>,
    /// New PGs named by split records taken since the host last asked.
    named_pgs: Vec<PgId>,
}

impl<L: SegmentLog, V: VersionStore> Segment<L, V> {
    /// Opens a segment from its log and version store (after a restart or a
    /// crash): rebuilds the index and the SCL from the log.
    pub fn open(pg: PgId, mut log: L, versions: V) -> io::Result<Self> {
        let mut loaded: Vec<(RecordHeader, u64)> = Vec::new();
        let meta = log
            .load(&mut |header, location| loaded.push((header, location)))?
            .unwrap_or_default();
        let mut segment = Segment {
            pg,
            log,
            versions,
            vdl_hint_persisted: meta.vdl_hint,
            meta,
            index: BTreeMap::new(),
            waiting_by_prev: HashMap::new(),
            unsynced: Vec::new(),
            scl: Lsn::ZERO,
            gc_horizon: Lsn::ZERO,
            gc_cursor: None,
            gc_full_pass_owed: true,
            gc_queue: GcQueue::default(),
            published: Arc::default(),
            genesis: None,
            named_pgs: Vec::new(),
        };
        for (header, location) in loaded {
            if header.pg != pg || segment.meta.history.voids(header.epoch, header.lsn) {
                continue;
            }
            segment.index.entry(header.lsn).or_insert(Entry {
                header,
                location,
                synced: true,
            });
        }
        segment.rebuild_chain();
        segment.check_invariants();
        segment.publish_applied();
        Ok(segment)
    }

    pub fn pg(&self) -> PgId {
        self.pg
    }
    pub fn scl(&self) -> Lsn {
        self.scl
    }
    pub fn epoch(&self) -> Epoch {
        self.meta.epoch
    }
    pub fn history(&self) -> &EpochHistory {
        &self.meta.history
    }
    pub fn vdl_hint(&self) -> Lsn {
        self.meta.vdl_hint
    }
    pub fn applied_lsn(&self) -> Lsn {
        self.versions.applied_lsn()
    }
    pub fn record_count(&self) -> usize {
        self.index.len()
    }
    /// Whether records wait above the SCL for a gap to fill (gossip needed).
    pub fn has_gap(&self) -> bool {
        !self.waiting_by_prev.is_empty()
    }

    /// Takes a write from the writer of `epoch` (not yet durable: call
    /// [`Segment::sync`] before acknowledging).
    pub fn write(
        &mut self,
        epoch: Epoch,
        history: &EpochHistory,
        vdl: Lsn,
        records: &[LogRecord],
    ) -> Result<io::Result<()>, Refusal> {
        if epoch < self.meta.epoch {
            return Err(Refusal::StaleEpoch(self.meta.epoch));
        }
        if history.epoch() != epoch {
            return Err(Refusal::Invalid(format!(
                "write of epoch {epoch} carries the history of epoch {}",
                history.epoch()
            )));
        }
        if let Some(record) = records.iter().find(|r| r.header.pg != self.pg) {
            return Err(Refusal::Invalid(format!(
                "record {} of {} sent to segment of {}",
                record.lsn(),
                record.header.pg,
                self.pg
            )));
        }
        if let Some(record) = records.iter().find(|r| r.header.epoch > epoch) {
            return Err(Refusal::Invalid(format!(
                "record {} of epoch {} in a write of epoch {epoch}",
                record.lsn(),
                record.header.epoch
            )));
        }
        Ok(self.write_checked(epoch, history, vdl, records))
    }

    fn write_checked(
        &mut self,
        epoch: Epoch,
        history: &EpochHistory,
        vdl: Lsn,
        records: &[LogRecord],
    ) -> io::Result<()> {
        let mut meta_changed = false;
        if epoch > self.meta.epoch {
            self.meta.epoch = epoch;
            meta_changed = true;
        }
        if history.epoch() > self.meta.history.epoch() {
            self.adopt_history(history.clone())?;
            meta_changed = true;
        }
        if meta_changed {
            self.persist_meta()?;
        }
        self.raise_vdl_hint(vdl);
        for record in records {
            self.receive(record)?;
        }
        Ok(())
    }

    /// Takes records a peer sent (gossip, re-replication), under the peer's
    /// history. Not yet durable: call [`Segment::sync`].
    pub fn receive_from_peer(
        &mut self,
        history: &EpochHistory,
        records: &[LogRecord],
    ) -> io::Result<()> {
        if history.epoch() > self.meta.history.epoch() {
            if history.epoch() > self.meta.epoch {
                self.meta.epoch = history.epoch();
            }
            self.adopt_history(history.clone())?;
            self.persist_meta()?;
        }
        if history.epoch() < self.meta.history.epoch() {
            // The peer has not heard of our newer writer yet: its records may
            // be void under our history; `receive` drops those.
        }
        let pg = self.pg;
        for record in records.iter().filter(|r| r.header.pg == pg) {
            self.receive(record)?;
        }
        Ok(())
    }

    fn receive(&mut self, record: &LogRecord) -> io::Result<()> {
        let lsn = record.lsn();
        if self.meta.history.voids(record.header.epoch, lsn) || self.index.contains_key(&lsn) {
            return Ok(());
        }
        if lsn <= self.scl {
            // Every record of the chain up to the SCL is here already: this
            // one cannot belong to it (a bug elsewhere, or a forged message).
            tracing::warn!(pg = %self.pg, %lsn, scl = %self.scl, "dropping a record below the SCL that is not on the chain");
            return Ok(());
        }
        if self.waiting_by_prev.len() + self.unsynced.len() >= HOLD_RECORDS_MAX {
            // Bounded: a replica far behind refills through gossip instead.
            return Ok(());
        }
        let location = self.log.append(record)?;
        if let Some(SplitMark::MovedOut { to, .. }) = &record.split {
            self.named_pgs.push(*to);
        }
        self.index.insert(
            lsn,
            Entry {
                header: record.header,
                location,
                synced: false,
            },
        );
        self.unsynced.push(lsn);
        Ok(())
    }

    /// Makes every received record durable and advances the SCL.
    pub fn sync(&mut self) -> io::Result<()> {
        if !self.unsynced.is_empty() {
            self.log.sync()?;
            for lsn in std::mem::take(&mut self.unsynced) {
                if let Some(entry) = self.index.get_mut(&lsn) {
                    entry.synced = true;
                    self.waiting_by_prev.insert(entry.header.prev_pg_lsn, lsn);
                }
            }
            self.extend_chain();
        }
        if self.meta.vdl_hint.distance_from(self.vdl_hint_persisted) > LSN_ALLOCATION_LIMIT / 4 {
            // Keep recovery's work bounded: the seal answer lists records
            // above the persisted hint.
            self.persist_meta()?;
        }
        self.check_invariants();
        Ok(())
    }

    fn extend_chain(&mut self) {
        while let Some(next) = self.waiting_by_prev.remove(&self.scl) {
            assert!(next > self.scl, "backlink chain goes backwards");
            self.scl = next;
        }
        // Waiting records at or below the SCL can never join the chain.
        let scl = self.scl;
        let stale: Vec<Lsn> = self
            .waiting_by_prev
            .iter()
            .filter(|(_, lsn)| **lsn <= scl)
            .map(|(prev, _)| *prev)
            .collect();
        for prev in stale {
            if let Some(lsn) = self.waiting_by_prev.remove(&prev) {
                self.index.remove(&lsn);
            }
        }
    }

    fn rebuild_chain(&mut self) {
        self.waiting_by_prev.clear();
        self.scl = Lsn::ZERO;
        for (lsn, entry) in &self.index {
            if entry.synced {
                self.waiting_by_prev.insert(entry.header.prev_pg_lsn, *lsn);
            }
        }
        self.extend_chain();
    }

    fn adopt_history(&mut self, history: EpochHistory) -> io::Result<()> {
        assert!(history.epoch() > self.meta.history.epoch());
        let voided: Vec<Lsn> = self
            .index
            .iter()
            .filter(|(lsn, entry)| history.voids(entry.header.epoch, **lsn))
            .map(|(lsn, _)| *lsn)
            .collect();
        let applied = self.versions.applied_lsn();
        let mut unapply = Vec::new();
        for lsn in &voided {
            if *lsn <= applied {
                // Applied only when a reader claimed a read point above the
                // new epoch's start: remove what it created.
                let location = self.index[lsn].location;
                let record = self.log.read(location)?;
                // A genesis is applied only at or below a VDL some writer
                // reached, which no later writer truncates; the versions
                // its fill copied are not in the record to remove.
                assert!(
                    !matches!(record.split, Some(SplitMark::Genesis { .. })),
                    "an applied genesis record {lsn} was voided"
                );
                unapply.push(record);
            }
        }
        if !unapply.is_empty() {
            self.versions.unapply(&unapply, history.start_vdl())?;
            self.publish_applied();
            // The queue is in apply order, and applying starts again lower.
            self.forget_gc_queue();
        }
        if let Some(fill) = &self.genesis {
            if voided.contains(&fill.lsn) {
                self.genesis = None;
            }
        }
        for lsn in voided {
            self.index.remove(&lsn);
        }
        self.unsynced.retain(|lsn| self.index.contains_key(lsn));
        self.meta.history = history;
        self.rebuild_chain();
        Ok(())
    }

    fn raise_vdl_hint(&mut self, vdl: Lsn) {
        if vdl > self.meta.vdl_hint {
            self.meta.vdl_hint = vdl;
        }
    }

    fn persist_meta(&mut self) -> io::Result<()> {
        self.log.persist_meta(&self.meta)?;
        self.vdl_hint_persisted = self.meta.vdl_hint;
        Ok(())
    }

    /// Applies committed records (through min(SCL, VDL hint)) into versions.
    pub fn apply(&mut self) -> io::Result<()> {
        while self.apply_step(1024)? {}
        Ok(())
    }

    /// Applies at most `records_max` committed records; returns whether
    /// more wait.
    pub fn apply_step(&mut self, records_max: usize) -> io::Result<bool> {
        let through = self.apply_target();
        let applied = self.versions.applied_lsn();
        if through <= applied || self.genesis.is_some() {
            return Ok(false);
        }
        if let Some((lsn, entry)) = self.index.range(applied.next()..=through).next() {
            if entry.header.prev_pg_lsn == Lsn::ZERO {
                // The chain's first record: a genesis needs its fill first.
                let (lsn, location) = (*lsn, entry.location);
                let record = self.log.read(location)?;
                if let Some(SplitMark::Genesis {
                    source,
                    source_lsn,
                    start,
                    end,
                }) = record.split
                {
                    // Anything in the store belongs to no chain (a fill of
                    // an earlier, voided genesis).
                    self.versions.clear()?;
                    self.publish_applied();
                    self.forget_gc_queue();
                    self.genesis = Some(GenesisFill {
                        lsn,
                        source,
                        source_lsn,
                        from: start,
                        end,
                    });
                    return Ok(false);
                }
            }
        }
        let locations: Vec<(Lsn, u64)> = self
            .index
            .range(applied.next()..=through)
            .take(records_max)
            .map(|(lsn, entry)| (*lsn, entry.location))
            .collect();
        let more = locations.len() == records_max
            && locations.last().is_some_and(|(lsn, _)| *lsn < through);
        let mut batch = Vec::with_capacity(locations.len());
        for (_, location) in &locations {
            batch.push(self.log.read(*location)?);
        }
        let applied_to = if more {
            locations.last().map_or(applied, |(lsn, _)| *lsn)
        } else {
            through
        };
        self.versions.apply(&batch, applied_to)?;
        self.publish_applied();
        for record in &batch {
            for mutation in &record.mutations {
                self.gc_queue.push(&mutation.key, record.lsn());
            }
        }
        Ok(more)
    }

    /// Whether applying or garbage collection has work left (done when the
    /// segment has nothing else to do). A segment waiting for its genesis
    /// fill has none of its own: the host drives the fill.
    pub fn has_background_work(&self) -> bool {
        (self.genesis.is_none() && self.versions.applied_lsn() < self.apply_target())
            || self.gc_pending()
    }

    /// How far the version store should be applied: everything the segment
    /// holds (its SCL), committed or not — a read at R sees only versions at
    /// or below R, which is committed, and recovery unapplies a voided tail
    /// (`Segment::adopt_history`). Applying ahead of the VDL lets readers
    /// on other threads answer without waiting for the segment to hear of
    /// the VDL (`read_path.rs`). The one exception is a new PG's genesis:
    /// its fill starts only once the genesis is committed (at or below the
    /// VDL hint), since a fill is never undone.
    fn apply_target(&self) -> Lsn {
        let applied = self.versions.applied_lsn();
        if applied >= self.scl {
            return applied;
        }
        match self.index.range(applied.next()..=self.scl).next() {
            Some((lsn, entry))
                if entry.header.prev_pg_lsn == Lsn::ZERO && *lsn > self.meta.vdl_hint =>
            {
                applied
            }
            _ => self.scl,
        }
    }

    /// The PGs that split records taken since the last call moved keys
    /// to. The host must host them before it answers anything else: a
    /// recovering writer learns of a new PG from the seal reports' hosted
    /// lists, and a split that is durable has its old-PG record on a
    /// replica of any read quorum of the old PG, taken before that
    /// replica's seal, so that replica's seal report names the new PG.
    pub fn take_named_pgs(&mut self) -> Vec<PgId> {
        std::mem::take(&mut self.named_pgs)
    }

    /// The genesis fill this segment waits for, if any (after an apply
    /// found its genesis record committed).
    pub fn genesis_wanted(&self) -> Option<&GenesisFill> {
        self.genesis.as_ref()
    }

    /// A page of the newest versions of `[from, end)` as of `at`, for a PG
    /// split off this one (the source side of a genesis fill); `None` while
    /// this segment does not hold and apply its chain through `at`.
    ///
    /// Read below the garbage-collection horizon on purpose: after the
    /// split at `at` no key of the range is written in this PG again (the
    /// writer routes them to the new PG), so the newest version of each,
    /// which collection always keeps unless it is a delete, is its version
    /// as of `at`.
    pub fn snapshot_page(
        &mut self,
        from: &[u8],
        end: Option<&[u8]>,
        at: Lsn,
        limit: usize,
    ) -> io::Result<Option<ScanPage>> {
        if self.scl < at {
            return Ok(None);
        }
        self.raise_vdl_hint(at);
        self.apply()?;
        if self.versions.applied_lsn() < at {
            return Ok(None);
        }
        self.versions.scan(from, end, at, limit).map(Some)
    }

    /// Takes a page of the genesis fill: `rows` from the source, and
    /// whether more follow. The last page applies the genesis record.
    pub fn fill_genesis(&mut self, page: ScanPage) -> io::Result<()> {
        let Some(fill) = self.genesis.as_mut() else {
            return Ok(());
        };
        let (rows, more) = page;
        let lsn = fill.lsn;
        self.versions.insert_versions(lsn, &rows)?;
        match rows.last() {
            Some((last, _)) if more => {
                let mut next = last.clone();
                next.push(0);
                fill.from = next;
            }
            _ => {
                self.genesis = None;
                self.versions.apply(&[], lsn)?;
                self.apply()?;
            }
        }
        Ok(())
    }

    /// One bounded step of background work.
    pub fn background_step(&mut self) -> io::Result<()> {
        if !self.apply_step(256)? {
            self.collect_garbage(256)?;
        }
        Ok(())
    }

    /// Promises to refuse epochs below `epoch`; reports what recovery needs.
    ///
    /// An epoch is sealed once: a seal at the segment's own epoch is refused
    /// too. A writer picks its epoch as one above the highest it hears of,
    /// and may hear only from stale replicas; accepting an equal epoch let
    /// it seal everyone at the epoch of a live zombie and run beside it
    /// (found by the simulation: `a_new_writer_never_shares_its_epoch_with_a_zombie`).
    /// Refused, it retries above (volume.rs), which fences the zombie. A
    /// writer re-sealing after a failed attempt moves up an epoch likewise.
    pub fn seal(&mut self, epoch: Epoch) -> Result<io::Result<Response>, Refusal> {
        if epoch <= self.meta.epoch {
            return Err(Refusal::StaleEpoch(self.meta.epoch));
        }
        Ok(self.seal_checked(epoch))
    }

    fn seal_checked(&mut self, epoch: Epoch) -> io::Result<Response> {
        let epoch_before = self.meta.epoch;
        if epoch > self.meta.epoch {
            self.meta.epoch = epoch;
            self.persist_meta()?;
        }
        let hint = self.meta.vdl_hint;
        let headers = self
            .index
            .range(hint.next()..)
            .filter(|(_, entry)| entry.synced)
            .map(|(_, entry)| entry.header)
            .collect();
        let last_lsn_at_or_below_hint = self
            .index
            .range(..=hint)
            .rev()
            .find(|(_, entry)| entry.synced)
            .map_or(Lsn::ZERO, |(lsn, _)| *lsn);
        Ok(Response::Sealed {
            pg: self.pg,
            epoch_before,
            history: self.meta.history.clone(),
            scl: self.scl,
            vdl_hint: hint,
            last_lsn_at_or_below_hint,
            headers,
            // The host fills in the PGs it hosts.
            hosted: Vec::new(),
        })
    }

    /// The writer's PG minimum read point: no read will come below it.
    pub fn raise_gc_horizon(&mut self, min_read_lsn: Lsn) {
        let horizon = min_read_lsn.min(self.versions.applied_lsn());
        if horizon > self.gc_horizon {
            self.gc_horizon = horizon;
            // Before any collection at this horizon commits.
            self.published.publish_gc_horizon(horizon);
            self.start_owed_full_pass();
        }
    }

    /// What readers on other threads may rely on (see `read_path.rs`).
    pub fn published(&self) -> Arc<PublishedReadState> {
        self.published.clone()
    }

    fn publish_applied(&self) {
        self.published.publish_applied(self.versions.applied_lsn());
    }

    /// Drops the queue of keys to collect; a full pass finds them instead.
    fn forget_gc_queue(&mut self) {
        self.gc_queue.clear();
        self.gc_full_pass_owed = true;
    }

    fn start_owed_full_pass(&mut self) {
        self.gc_full_pass_owed |= self.gc_queue.take_overflowed();
        if self.gc_full_pass_owed && self.gc_cursor.is_none() {
            self.gc_full_pass_owed = false;
            self.gc_cursor = Some(Vec::new());
        }
    }

    pub fn gc_horizon(&self) -> Lsn {
        self.gc_horizon
    }

    /// Whether garbage collection has work it can do now.
    pub fn gc_pending(&self) -> bool {
        self.gc_cursor.is_some() || self.gc_queue.ready(self.gc_horizon)
    }

    /// One bounded step of garbage collection (run when the segment is
    /// otherwise idle): the keys written since they were last collected
    /// first, then a step of a full pass if one is owed.
    pub fn collect_garbage(&mut self, keys_max: usize) -> io::Result<()> {
        self.start_owed_full_pass();
        let keys = self.gc_queue.pop_ready(self.gc_horizon, keys_max);
        if !keys.is_empty() {
            return self.versions.collect_garbage_of(self.gc_horizon, &keys);
        }
        let Some(cursor) = self.gc_cursor.take() else {
            return Ok(());
        };
        self.gc_cursor = self
            .versions
            .collect_garbage(self.gc_horizon, &cursor, keys_max)?;
        Ok(())
    }

    /// A read can be served when the segment holds the PG's log through
    /// `need`. The read point itself is proof that everything at or below it
    /// is committed (writers read at or below their VDL).
    fn prepare_read(&mut self, at: Lsn, need: Lsn) -> io::Result<bool> {
        if self.scl < need || need > at {
            return Ok(false);
        }
        self.raise_vdl_hint(at);
        self.apply()?;
        // A genesis fill not done yet holds the apply back.
        Ok(self.versions.applied_lsn() >= need)
    }

    fn below_gc_horizon(&self, at: Lsn) -> Option<Response> {
        (at < self.gc_horizon).then(|| Response::Error {
            message: format!(
                "read point {at} is below the garbage-collection horizon {}",
                self.gc_horizon
            ),
        })
    }

    pub fn get(&mut self, key: &[u8], at: Lsn, need: Lsn) -> io::Result<Response> {
        if let Some(refusal) = self.below_gc_horizon(at) {
            return Ok(refusal);
        }
        if !self.prepare_read(at, need)? {
            return Ok(Response::NotCaughtUp { scl: self.scl });
        }
        Ok(Response::Value {
            value: self.versions.get(key, at)?,
        })
    }

    pub fn scan(
        &mut self,
        start: &[u8],
        end: Option<&[u8]>,
        at: Lsn,
        need: Lsn,
        limit: usize,
    ) -> io::Result<Response> {
        if let Some(refusal) = self.below_gc_horizon(at) {
            return Ok(refusal);
        }
        if !self.prepare_read(at, need)? {
            return Ok(Response::NotCaughtUp { scl: self.scl });
        }
        let (rows, more) = self.versions.scan(start, end, at, limit)?;
        Ok(Response::Rows { rows, more })
    }

    /// Chain records after `after` (through the SCL), about `bytes_max`.
    pub fn fetch(&mut self, after: Lsn, bytes_max: usize) -> io::Result<Response> {
        let mut records = Vec::new();
        let mut bytes = 0usize;
        if after >= self.scl {
            // The asker holds everything we do (gossip asks after its own
            // SCL). Without this, `range` below panics on an empty range
            // (start > end): a peer at or behind the asker crashed on every
            // gossip round (found by the simulation, every seed).
            return Ok(Response::Records {
                scl: self.scl,
                history: self.meta.history.clone(),
                records,
            });
        }
        let locations: Vec<u64> = self
            .index
            .range(after.next()..=self.scl)
            .map(|(_, entry)| entry.location)
            .collect();
        for location in locations {
            let record = self.log.read(location)?;
            bytes += record.encoded_len();
            records.push(record);
            if bytes >= bytes_max {
                break;
            }
        }
        Ok(Response::Records {
            scl: self.scl,
            history: self.meta.history.clone(),
            records,
        })
    }

    /// The records at exactly `lsns` that this segment holds durably.
    /// The synced records among `lsns`, in the order asked, up to about
    /// `bytes_max` (always at least one found record, so the answer stays
    /// under the frame limit and the asker makes progress: it asks again
    /// for what is missing).
    pub fn fetch_exact(&mut self, lsns: &[Lsn], bytes_max: usize) -> io::Result<Response> {
        let mut records = Vec::new();
        let mut bytes = 0usize;
        for lsn in lsns {
            if bytes >= bytes_max {
                break;
            }
            if let Some(entry) = self.index.get(lsn).filter(|entry| entry.synced) {
                let location = entry.location;
                let record = self.log.read(location)?;
                bytes += record.encoded_len();
                records.push(record);
            }
        }
        Ok(Response::Records {
            scl: self.scl,
            history: self.meta.history.clone(),
            records,
        })
    }

    pub fn status(&self) -> Response {
        Response::Status {
            pg: self.pg,
            epoch: self.meta.epoch,
            scl: self.scl,
            vdl_hint: self.meta.vdl_hint,
            applied_lsn: self.versions.applied_lsn(),
            gc_horizon: self.gc_horizon,
            records: self.index.len() as u64,
            log_bytes: self.log.bytes(),
        }
    }

    /// The live keys and bytes of `[start, end)` as of `at`, and the median
    /// key (where the writer splits a PG that grew too big). Two passes
    /// over the range in pages: memory stays bounded.
    pub fn split_advice(
        &mut self,
        start: &[u8],
        end: Option<&[u8]>,
        at: Lsn,
        need: Lsn,
    ) -> io::Result<Response> {
        if let Some(refusal) = self.below_gc_horizon(at) {
            return Ok(refusal);
        }
        if !self.prepare_read(at, need)? {
            return Ok(Response::NotCaughtUp { scl: self.scl });
        }
        let mut live_keys = 0u64;
        let mut live_bytes = 0u64;
        let mut cursor = start.to_vec();
        loop {
            let (rows, more) = self.versions.scan(&cursor, end, at, GENESIS_PAGE_ROWS)?;
            live_keys += rows.len() as u64;
            live_bytes += rows
                .iter()
                .map(|(k, v)| (k.len() + v.len()) as u64)
                .sum::<u64>();
            match rows.last() {
                Some((last, _)) if more => {
                    cursor = last.clone();
                    cursor.push(0);
                }
                _ => break,
            }
        }
        let mut median = None;
        if live_keys >= 2 {
            let mut skip = live_keys / 2;
            let mut cursor = start.to_vec();
            while median.is_none() {
                let (rows, _) = self.versions.scan(&cursor, end, at, GENESIS_PAGE_ROWS)?;
                let Some((last, _)) = rows.last() else {
                    break;
                };
                if (rows.len() as u64) > skip {
                    median = Some(rows[skip as usize].0.clone());
                } else {
                    skip -= rows.len() as u64;
                    cursor = last.clone();
                    cursor.push(0);
                }
            }
        }
        Ok(Response::SplitAdvice {
            live_keys,
            live_bytes,
            median,
        })
    }

    /// Costly checks of the invariants in the module doc.
    pub fn check_invariants(&self) {
        if !cfg!(debug_assertions) {
            return;
        }
        let mut tail = Lsn::ZERO;
        for (lsn, entry) in self.index.range(..=self.scl) {
            assert!(entry.synced, "unsynced record {lsn} at or below SCL");
            assert_eq!(
                entry.header.prev_pg_lsn, tail,
                "record {lsn} is off the chain"
            );
            tail = *lsn;
        }
        assert_eq!(tail, self.scl, "chain does not end at the SCL");
        for (lsn, entry) in &self.index {
            assert!(
                !self.meta.history.voids(entry.header.epoch, *lsn),
                "void record {lsn} kept"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{MemDisk, MemLog, MemVersions};

    fn record(
        lsn: u64,
        pg: u32,
        prev_pg: u64,
        split: Option<SplitMark>,
        puts: &[&str],
    ) -> LogRecord {
        LogRecord {
            header: RecordHeader {
                lsn: Lsn(lsn),
                epoch: Epoch(1),
                pg: PgId(pg),
                prev_pg_lsn: Lsn(prev_pg),
                prev_volume_lsn: Lsn(lsn - 1),
                cpl: true,
            },
            split,
            mutations: puts
                .iter()
                .map(|key| borealis_wire::Mutation {
                    key: key.as_bytes().to_vec(),
                    value: Some(format!("{key}@{lsn}").into_bytes()),
                })
                .collect(),
        }
    }

    #[test]
    fn a_new_pg_fills_itself_from_its_source_as_of_the_split() {
        let open = |pg| {
            Segment::open(
                PgId(pg),
                MemLog::new(MemDisk::default()),
                MemVersions::default(),
            )
            .unwrap()
        };
        let (mut p, mut q) = (open(0), open(1));
        let history = EpochHistory::starting(Epoch(1), Lsn::ZERO);
        let before = [
            record(1, 0, 0, None, &["a", "m", "n", "z"]),
            record(2, 0, 1, None, &["n"]),
            record(
                3,
                0,
                2,
                Some(SplitMark::MovedOut {
                    to: PgId(1),
                    from_key: b"m".to_vec(),
                }),
                &[],
            ),
        ];
        p.write(Epoch(1), &history, Lsn(5), &before)
            .unwrap()
            .unwrap();
        p.sync().unwrap();
        assert_eq!(p.take_named_pgs(), vec![PgId(1)], "the host must open PG 1");
        let genesis = record(
            4,
            1,
            0,
            Some(SplitMark::Genesis {
                source: PgId(0),
                source_lsn: Lsn(3),
                start: b"m".to_vec(),
                end: Some(b"y".to_vec()),
            }),
            &[],
        );
        let after = record(6, 1, 4, None, &["m"]);
        q.write(Epoch(1), &history, Lsn(6), &[genesis, after])
            .unwrap()
            .unwrap();
        q.sync().unwrap();
        // Until the fill is done, reads are not served.
        assert_eq!(
            q.get(b"n", Lsn(6), Lsn(6)).unwrap(),
            Response::NotCaughtUp { scl: Lsn(6) }
        );
        let fill = q.genesis_wanted().cloned().expect("a fill");
        assert_eq!(
            (fill.source, fill.source_lsn, fill.lsn),
            (PgId(0), Lsn(3), Lsn(4))
        );
        let mut from = fill.from;
        while q.genesis_wanted().is_some() {
            let page = p
                .snapshot_page(&from, Some(b"y"), Lsn(3), 1)
                .unwrap()
                .expect("p is caught up");
            q.fill_genesis(page).unwrap();
            if let Some(fill) = q.genesis_wanted() {
                from = fill.from.clone();
            }
        }
        let value = |segment: &mut Segment<MemLog, MemVersions>, key: &str, at: u64| match segment
            .get(key.as_bytes(), Lsn(at), Lsn(at))
            .unwrap()
        {
            Response::Value { value } => value.map(|v| String::from_utf8(v).unwrap()),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(value(&mut q, "m", 5), Some("m@1".into()));
        assert_eq!(value(&mut q, "m", 6), Some("m@6".into()));
        assert_eq!(value(&mut q, "n", 6), Some("n@2".into()));
        // Keys outside the moved range are not copied.
        assert_eq!(value(&mut q, "a", 6), None);
        assert_eq!(value(&mut q, "z", 6), None);
        match q.split_advice(b"m", Some(b"y"), Lsn(6), Lsn(6)).unwrap() {
            Response::SplitAdvice {
                live_keys, median, ..
            } => {
                assert_eq!(live_keys, 2);
                assert_eq!(median, Some(b"n".to_vec()));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn garbage_collection_after_the_first_pass_visits_only_keys_written_since() {
        let mut segment = Segment::open(
            PgId(0),
            MemLog::new(MemDisk::default()),
            MemVersions::default(),
        )
        .unwrap();
        let history = EpochHistory::starting(Epoch(1), Lsn::ZERO);
        let write = |segment: &mut Segment<MemLog, MemVersions>, records: &[LogRecord]| {
            let through = records.last().unwrap().lsn();
            segment
                .write(Epoch(1), &history, through, records)
                .unwrap()
                .unwrap();
            segment.sync().unwrap();
            segment.apply().unwrap();
        };
        write(
            &mut segment,
            &[
                record(1, 0, 0, None, &["a", "b"]),
                record(2, 0, 1, None, &["a"]),
            ],
        );
        // The first rise of the horizon owes a full pass (versions from
        // before a restart are in no queue).
        segment.raise_gc_horizon(Lsn(2));
        assert!(segment.gc_cursor.is_some());
        while segment.has_background_work() {
            segment.background_step().unwrap();
        }
        assert_eq!(segment.versions.len(), 2, "a@2 and b@1 are left");
        write(
            &mut segment,
            &[
                record(3, 0, 2, None, &["a"]),
                record(4, 0, 3, None, &["a", "c"]),
            ],
        );
        assert_eq!(segment.versions.len(), 5);
        // Not yet: the horizon is below the queued versions.
        assert!(!segment.has_background_work());
        segment.raise_gc_horizon(Lsn(4));
        assert!(segment.gc_cursor.is_none(), "no second full pass");
        assert!(segment.has_background_work());
        segment.background_step().unwrap();
        assert!(!segment.has_background_work());
        assert_eq!(segment.versions.len(), 3, "a@4, b@1 and c@4 are left");
        match segment.get(b"a", Lsn(4), Lsn(4)).unwrap() {
            Response::Value { value } => assert_eq!(value, Some(b"a@4".to_vec())),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn fetch_at_or_above_the_scl_is_empty() {
        let mut segment = Segment::open(
            PgId(0),
            MemLog::new(MemDisk::default()),
            MemVersions::default(),
        )
        .unwrap();
        for after in [Lsn::ZERO, Lsn(5)] {
            match segment.fetch(after, 1 << 20).unwrap() {
                Response::Records { records, .. } => assert!(records.is_empty()),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}
