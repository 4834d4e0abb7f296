//! The volume client over TCP: what the compute calls to commit and read.
//!
//! One [`Volume`] per writer. It recovers the volume when it opens (a new
//! epoch; see [`crate::recovery`]), then:
//! - `commit` builds the group's records under the state lock, sends each
//!   record to the six replicas of its PG (pipelined connections; replicas
//!   group-commit), and returns once VDL covers the group's CPL;
//! - `get` and `scan` go to ONE replica whose SCL covers the read (the
//!   writer knows every replica's SCL from its acks), hedged: if it has not
//!   answered within `hedge_delay`, or misses, the next one is asked too;
//! - point reads go through [`ReadCache`] first, which the writer keeps
//!   coherent with its own commits;
//! - a heartbeat re-sends the writer's VDL and collects SCLs from replicas
//!   that lag, so a replica that caught up by gossip counts toward quorum;
//!   with a split limit set, it also splits a PG whose live data passed it
//!   (at the median key a replica reports).
//!
//! Keys go to PGs by the partition map stored in the volume
//! ([`crate::partitioning`]): commits by the newest map, chosen under the
//! lock that allocates their LSNs; reads by the map as of their read point.

use crate::partitioning::{Partitioning, MAP_KEY};
use crate::read_cache::{CacheStats, ReadCache};
use crate::recovery::{pgs_to_seal, plan_recovery, RecoveryError, RecoveryPlan, SealReport};
use crate::split_trigger::SizeEstimates;
use crate::writer_state::WriterState;
use borealis_common::limits::{BATCH_RECORDS_MAX, REPLICAS_PER_PG, SCAN_ROWS_MAX, WRITE_QUORUM};
use borealis_common::{Epoch, Lsn, PgId, ReplicaId};
use borealis_wire::client::{ClientError, ReplicaClient};
use borealis_wire::{LogRecord, Mutation, Request, Response};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

#[derive(Clone, Debug)]
pub struct VolumeConfig {
    /// The six storage replicas, in placement order (2 per AZ).
    pub replicas: Vec<SocketAddr>,
    pub pg_count: u32,
    /// How long one replica request may take before another is tried.
    pub request_timeout: Duration,
    /// How long a read keeps trying before it reports the volume unavailable.
    pub read_deadline: Duration,
    /// How long a read waits for one replica before asking another too.
    pub hedge_delay: Duration,
    /// Bytes of point reads the writer caches (resizable while running).
    pub cache_bytes: usize,
    /// Split a PG once its live keys and values pass this many bytes
    /// (`None`: never split).
    pub split_bytes: Option<u64>,
}

impl VolumeConfig {
    pub fn new(replicas: Vec<SocketAddr>, pg_count: u32) -> VolumeConfig {
        VolumeConfig {
            replicas,
            pg_count,
            request_timeout: Duration::from_millis(500),
            read_deadline: Duration::from_secs(10),
            hedge_delay: Duration::from_millis(20),
            cache_bytes: 64 << 20,
            split_bytes: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    #[error("volume configuration: {0}")]
    Config(String),
    #[error("no replica could serve the read within the deadline")]
    ReadUnavailable,
    #[error("recovery failed: {0}")]
    Recovery(#[from] RecoveryError),
    #[error("this writer was fenced out by a newer writer (epoch {0})")]
    Fenced(Epoch),
    #[error("key of {0} bytes exceeds the limit")]
    KeyTooLarge(usize),
    #[error("the empty key is reserved for the volume's partition map")]
    KeyReserved,
    #[error("the volume's partition map is corrupt: {0}")]
    CorruptMap(String),
    #[error("the volume client is shutting down")]
    Closed,
}

/// A connection to one replica, re-established on demand.
struct ReplicaLink {
    address: SocketAddr,
    client: tokio::sync::Mutex<Option<Arc<ReplicaClient>>>,
}

impl ReplicaLink {
    /// The connection, made anew if there is none or it failed.
    async fn client(&self, timeout: Duration) -> Result<Arc<ReplicaClient>, ClientError> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(client.clone());
        }
        let connect = ReplicaClient::connect(self.address);
        let client = match tokio::time::timeout(timeout, connect).await {
            Ok(Ok(client)) => Arc::new(client),
            Ok(Err(error)) => return Err(ClientError::Disconnected(error.to_string())),
            Err(_) => return Err(ClientError::Disconnected("connect timed out".into())),
        };
        *slot = Some(client.clone());
        Ok(client)
    }

    async fn call(&self, request: &Request, timeout: Duration) -> Result<Response, ClientError> {
        let client = self.client(timeout).await?;
        match tokio::time::timeout(timeout, client.call(request)).await {
            Ok(result) => result,
            Err(_) => {
                // A replica that does not answer in time is treated as
                // gone: its connection is closed (failing everything in
                // flight on it) and the next request connects anew.
                client.close();
                Err(ClientError::Disconnected("request timed out".into()))
            }
        }
    }

    /// Sends without waiting; `on_answer` runs on the connection's reader.
    async fn send(
        &self,
        request: &Request,
        timeout: Duration,
        on_answer: impl FnOnce(Result<Response, ClientError>) + Send + 'static,
    ) {
        match self.client(timeout).await {
            Ok(client) => client.send(request, on_answer).await,
            Err(error) => on_answer(Err(error)),
        }
    }
}

/// Records waiting to go to one replica. Bounded: when a replica is too
/// slow to drain it, records for it are dropped (it refills by gossip), so
/// one slow replica never stalls commits.
const OUTBOX_RECORDS_MAX: usize = 8192;

struct Shared {
    config: VolumeConfig,
    cache: ReadCache,
    /// Per replica: records to send, batched by its sender task.
    /// Per replica: records to send. Shared between the six (a record is
    /// copied only when its batch is encoded, not six times at commit).
    outboxes: Vec<mpsc::Sender<Arc<LogRecord>>>,
    links: Vec<ReplicaLink>,
    state: Mutex<WriterState>,
    vdl: watch::Sender<Lsn>,
    fenced_by: Mutex<Option<Epoch>>,
    read_turn: AtomicUsize,
    /// The PGMRPL: no read of this writer's users comes below it, so
    /// replicas may collect older versions. 0 (collect nothing) until the
    /// compute reports its oldest snapshot.
    min_read_lsn: std::sync::atomic::AtomicU64,
}

/// The writer's handle on the cluster volume. Cheap to clone.
#[derive(Clone)]
pub struct Volume {
    shared: Arc<Shared>,
}

impl Volume {
    /// Connects to the replicas, recovers the volume under a new epoch, and
    /// starts the heartbeat.
    pub async fn open(config: VolumeConfig) -> Result<Volume, VolumeError> {
        if config.replicas.len() != REPLICAS_PER_PG {
            return Err(VolumeError::Config(format!(
                "a volume needs {REPLICAS_PER_PG} replica addresses, got {}",
                config.replicas.len()
            )));
        }
        let mut distinct = config.replicas.clone();
        distinct.sort();
        distinct.dedup();
        if distinct.len() != config.replicas.len() {
            // One process as two replicas would seal itself twice at one
            // epoch and refuse the second, forever.
            return Err(VolumeError::Config(format!(
                "the replica addresses are not distinct: {:?}",
                config.replicas
            )));
        }
        let links = config
            .replicas
            .iter()
            .map(|address| ReplicaLink {
                address: *address,
                client: tokio::sync::Mutex::new(None),
            })
            .collect();
        if !(1..=256).contains(&config.pg_count) {
            return Err(VolumeError::Config(format!(
                "a volume starts with 1 to 256 PGs, not {}",
                config.pg_count
            )));
        }
        let plan_placeholder = RecoveryPlan::empty_volume(config.pg_count);
        let (vdl, _) = watch::channel(Lsn::ZERO);
        let mut outboxes = Vec::new();
        let mut outbox_receivers = Vec::new();
        for _ in 0..REPLICAS_PER_PG {
            let (tx, rx) = mpsc::channel(OUTBOX_RECORDS_MAX);
            outboxes.push(tx);
            outbox_receivers.push(rx);
        }
        let shared = Arc::new(Shared {
            cache: ReadCache::new(config.cache_bytes),
            outboxes,
            links,
            state: Mutex::new(WriterState::after_recovery(
                &plan_placeholder,
                Partitioning::even(config.pg_count),
            )),
            vdl,
            fenced_by: Mutex::new(None),
            read_turn: AtomicUsize::new(0),
            min_read_lsn: std::sync::atomic::AtomicU64::new(0),
            config,
        });
        for (index, receiver) in outbox_receivers.into_iter().enumerate() {
            let shared = Arc::downgrade(&shared);
            tokio::spawn(async move { outbox_loop(shared, index, receiver).await });
        }
        let volume = Volume { shared };
        volume.recover().await?;
        let heartbeat = Arc::downgrade(&volume.shared);
        tokio::spawn(async move { heartbeat_loop(heartbeat).await });
        Ok(volume)
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, WriterState> {
        self.shared.state.lock().expect("writer state lock")
    }

    /// Every commit acknowledged so far is visible at this read point.
    pub fn read_point(&self) -> Lsn {
        *self.shared.vdl.borrow()
    }

    pub fn epoch(&self) -> Epoch {
        self.lock_state().epoch()
    }

    /// Reports the oldest read point any user of this writer may still read
    /// at (the PGMRPL). Replicas may then collect versions no read at or
    /// above it needs. It never moves back, and never above the read point.
    pub fn set_min_read_lsn(&self, lsn: Lsn) {
        let capped = lsn.min(self.read_point());
        self.shared
            .min_read_lsn
            .fetch_max(capped.0, Ordering::AcqRel);
    }

    pub fn min_read_lsn(&self) -> Lsn {
        Lsn(self.shared.min_read_lsn.load(Ordering::Acquire))
    }

    /// PGs in the current partition map.
    pub fn pg_count(&self) -> u32 {
        self.lock_state().map().pg_count()
    }

    /// The newest partition map.
    pub fn partitioning(&self) -> Partitioning {
        self.lock_state().map().clone()
    }

    /// Per PG the writer tracks, per replica: the SCL last reported (for
    /// status and tests).
    pub fn replica_scls(&self) -> Vec<(PgId, Vec<Lsn>)> {
        let state = self.lock_state();
        state
            .pgs()
            .into_iter()
            .map(|pg| {
                (
                    pg,
                    ReplicaId::all().map(|r| state.replica_scl(pg, r)).collect(),
                )
            })
            .collect()
    }

    async fn recover(&self) -> Result<(), VolumeError> {
        let started = Instant::now();
        let mut pgs: Vec<PgId> = (0..self.shared.config.pg_count).map(PgId).collect();
        pgs = pgs_to_seal(&pgs, &[]);
        let mut epoch = Epoch(self.highest_epoch(&pgs).await.0 + 1);
        let plan = loop {
            let (reports, refused) = self.seal_all(epoch, &pgs).await;
            if let Some(newer) = refused {
                epoch = Epoch(newer.0.max(epoch.0) + 1);
                continue;
            }
            let wanted = pgs_to_seal(&pgs, &reports);
            if wanted != pgs {
                // Replicas host PGs (made by splits) not sealed yet: seal
                // them all, at a new epoch (a segment seals an epoch once).
                tracing::info!(?wanted, "replicas host more PGs: sealing them too");
                pgs = wanted;
                epoch = Epoch(epoch.0 + 1);
                continue;
            }
            match plan_recovery(epoch, &pgs, &reports) {
                Ok(plan) => break plan,
                Err(RecoveryError::NoReadQuorum { pg, reports }) => {
                    tracing::warn!(%pg, reports, "waiting for a read quorum to recover the volume");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => return Err(error.into()),
            }
        };
        tracing::info!(epoch = %plan.epoch, vdl = %plan.vdl, committed = %plan.committed, "recovery plan made");
        let acks = self.rewrite(&plan).await?;
        let map = self.read_map(&plan, &acks).await?;
        if let Some(pg) = map.pgs().find(|pg| !plan.pg_tails.contains_key(pg)) {
            // Unreachable: a PG in a committed map has a durable genesis,
            // which a read quorum of PG 0's replicas reports hosting.
            return Err(VolumeError::CorruptMap(format!(
                "the map names {pg}, which no replica hosts"
            )));
        }
        {
            let mut state = self.lock_state();
            let mut fresh = WriterState::after_recovery(&plan, map);
            for ((pg, replica), scl) in acks {
                fresh.on_ack(pg, replica, scl);
            }
            *state = fresh;
        }
        self.shared.vdl.send_replace(plan.vdl);
        tracing::info!(epoch = %plan.epoch, vdl = %plan.vdl, elapsed_ms = started.elapsed().as_millis() as u64, "volume recovered");
        Ok(())
    }

    /// Reads the partition map at the recovered VDL from PG 0 (from a
    /// replica the rewrite found caught up); an empty volume has none yet
    /// and starts with `--pg-count` PGs split evenly.
    async fn read_map(
        &self,
        plan: &RecoveryPlan,
        acks: &BTreeMap<(PgId, ReplicaId), Lsn>,
    ) -> Result<Partitioning, VolumeError> {
        let need = plan.pg_tails.get(&PgId(0)).copied().unwrap_or(Lsn::ZERO);
        let request = Request::Get {
            pg: PgId(0),
            key: MAP_KEY.to_vec(),
            at: plan.vdl,
            need,
        };
        let deadline = Instant::now() + self.shared.config.read_deadline;
        loop {
            for replica in ReplicaId::all() {
                if acks.get(&(PgId(0), replica)).is_none_or(|scl| *scl < need) {
                    continue;
                }
                let link = &self.shared.links[replica.index()];
                match link
                    .call(&request, self.shared.config.request_timeout)
                    .await
                {
                    Ok(Response::Value { value: None }) => {
                        return Ok(Partitioning::even(self.shared.config.pg_count))
                    }
                    Ok(Response::Value { value: Some(bytes) }) => {
                        return Partitioning::decode(&bytes)
                            .map_err(|e| VolumeError::CorruptMap(e.to_string()))
                    }
                    other => tracing::debug!(%replica, ?other, "reading the partition map"),
                }
            }
            if Instant::now() >= deadline {
                return Err(VolumeError::ReadUnavailable);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn highest_epoch(&self, pgs: &[PgId]) -> Epoch {
        let mut calls = Vec::new();
        for link in &self.shared.links {
            for pg in pgs.iter().copied() {
                let request = Request::Status { pg };
                let timeout = self.shared.config.request_timeout;
                calls.push(async move { link.call(&request, timeout).await });
            }
        }
        let mut highest = Epoch(0);
        for result in futures_join_all(calls).await {
            if let Ok(Response::Status { epoch, .. }) = result {
                highest = highest.max(epoch);
            }
        }
        highest
    }

    /// Seals every segment at `epoch`; returns the reports, or the newer
    /// epoch a replica refused with.
    async fn seal_all(&self, epoch: Epoch, pgs: &[PgId]) -> (Vec<SealReport>, Option<Epoch>) {
        let mut calls = Vec::new();
        let mut whom = Vec::new();
        for (index, link) in self.shared.links.iter().enumerate() {
            for pg in pgs.iter().copied() {
                let request = Request::Seal { epoch, pg };
                let timeout = self.shared.config.request_timeout * 4;
                calls.push(async move { link.call(&request, timeout).await });
                whom.push((ReplicaId(index as u8), pg));
            }
        }
        let mut reports = Vec::new();
        let mut refused = None;
        for ((replica, pg), result) in whom.into_iter().zip(futures_join_all(calls).await) {
            match result {
                Ok(Response::Sealed {
                    history,
                    vdl_hint,
                    last_lsn_at_or_below_hint,
                    headers,
                    hosted,
                    ..
                }) => reports.push(SealReport {
                    pg,
                    replica,
                    history,
                    vdl_hint,
                    last_lsn_at_or_below_hint,
                    headers,
                    hosted,
                }),
                Ok(Response::Refused { epoch }) => refused = Some(epoch),
                Ok(other) => tracing::warn!(%replica, %pg, ?other, "unexpected answer to seal"),
                Err(error) => tracing::debug!(%replica, %pg, %error, "seal failed"),
            }
        }
        (reports, refused)
    }

    /// Makes the plan durable: writes the recovered records and the new
    /// history to every replica until a write quorum of each PG holds the
    /// PG's chain through its tail under the new epoch. Returns the SCLs
    /// the replicas acknowledged.
    async fn rewrite(
        &self,
        plan: &RecoveryPlan,
    ) -> Result<BTreeMap<(PgId, ReplicaId), Lsn>, VolumeError> {
        let timeout = self.shared.config.request_timeout;
        let mut acks: BTreeMap<(PgId, ReplicaId), Lsn> = BTreeMap::new();
        for pg in plan.pg_tails.keys().copied() {
            let lsns: Vec<Lsn> = plan
                .records_to_rewrite
                .iter()
                .find(|(p, _)| *p == pg)
                .map(|(_, lsns)| lsns.clone())
                .unwrap_or_default();
            let wanted: std::collections::BTreeSet<Lsn> = lsns.iter().copied().collect();
            let mut found: BTreeMap<Lsn, LogRecord> = BTreeMap::new();
            if !lsns.is_empty() {
                // Answers are bounded in bytes: ask each replica again while
                // it still gives records we lack (there may be more than one
                // frame's worth: up to LAL/4 above the persisted VDL hint).
                for link in &self.shared.links {
                    loop {
                        let missing: Vec<Lsn> = lsns
                            .iter()
                            .copied()
                            .filter(|l| !found.contains_key(l))
                            .take(BATCH_RECORDS_MAX)
                            .collect();
                        if missing.is_empty() {
                            break;
                        }
                        let request = Request::FetchExact { pg, lsns: missing };
                        let Ok(Response::Records { records, .. }) =
                            link.call(&request, timeout).await
                        else {
                            break;
                        };
                        let before = found.len();
                        for record in records {
                            if wanted.contains(&record.lsn()) && plan.is_recovered_record(&record) {
                                found.entry(record.lsn()).or_insert(record);
                            }
                        }
                        if found.len() == before {
                            break;
                        }
                    }
                }
                if found.len() != wanted.len() {
                    // A replica that reported a record lost it since: start over.
                    return Err(VolumeError::Recovery(RecoveryError::NoReadQuorum {
                        pg,
                        reports: 0,
                    }));
                }
            }
            // Sent in frames of bounded size, then empty writes until a
            // write quorum reports the PG's tail.
            let mut batches = rewrite_batches(found.into_values()).into_iter();
            let tail = plan.pg_tails[&pg];
            let mut caught_up = [false; REPLICAS_PER_PG];
            loop {
                let batch = batches.next();
                let sending = batch.is_some();
                let records = batch.unwrap_or_default();
                let mut calls = Vec::new();
                let mut whom = Vec::new();
                for (index, link) in self.shared.links.iter().enumerate() {
                    if caught_up[index] {
                        continue;
                    }
                    let request = Request::Write {
                        epoch: plan.epoch,
                        history: plan.history.clone(),
                        pg,
                        // Not yet plan.vdl: it is durable only once this
                        // rewrite reaches a write quorum.
                        vdl: plan.committed,
                        min_read_lsn: Lsn::ZERO,
                        records: records.clone(),
                    };
                    whom.push(index);
                    calls.push(async move { link.call(&request, timeout).await });
                }
                for (index, result) in whom.into_iter().zip(futures_join_all(calls).await) {
                    match result {
                        Ok(Response::WriteAck { scl, .. }) => {
                            let slot = acks.entry((pg, ReplicaId(index as u8))).or_default();
                            *slot = (*slot).max(scl);
                            if scl >= tail {
                                caught_up[index] = true;
                            }
                        }
                        Ok(Response::Refused { epoch }) => return Err(VolumeError::Fenced(epoch)),
                        _ => {}
                    }
                }
                if caught_up.iter().filter(|c| **c).count() >= WRITE_QUORUM {
                    break;
                }
                if !sending {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        Ok(acks)
    }

    fn check_fenced(&self) -> Result<(), VolumeError> {
        match *self.shared.fenced_by.lock().expect("fence lock") {
            Some(epoch) => Err(VolumeError::Fenced(epoch)),
            None => Ok(()),
        }
    }

    /// Commits `mutations` as one atomic group; returns its commit LSN once
    /// it is durable (VDL has reached it).
    pub async fn commit(&self, mutations: Vec<Mutation>) -> Result<Lsn, VolumeError> {
        self.check_fenced()?;
        if let Some(m) = mutations
            .iter()
            .find(|m| m.key.len() > borealis_common::limits::KEY_BYTES_MAX)
        {
            return Err(VolumeError::KeyTooLarge(m.key.len()));
        }
        if mutations.iter().any(|m| m.key == MAP_KEY) {
            return Err(VolumeError::KeyReserved);
        }
        let mut vdl_rx = self.shared.vdl.subscribe();
        let mut mutations = mutations;
        let records = loop {
            let allocated = {
                let mut state = self.lock_state();
                // Routed by the newest map under the lock that allocates
                // LSNs: no split can come between.
                let allocated = state.allocate_commit(mutations);
                // Under the state lock, so the cache sees commits in LSN order.
                if let Ok(records) = &allocated {
                    for record in records {
                        for mutation in &record.mutations {
                            self.shared.cache.on_commit(
                                &mutation.key,
                                record.lsn(),
                                mutation.value.as_deref(),
                            );
                        }
                    }
                }
                allocated
            };
            match allocated {
                Ok(records) => break records,
                Err((_, back)) => {
                    mutations = back;
                    // Back-pressure: wait for VDL to move.
                    if vdl_rx.changed().await.is_err() {
                        return Err(VolumeError::Closed);
                    }
                }
            }
        };
        let commit_lsn = records
            .last()
            .map(LogRecord::lsn)
            .expect("a group has records");
        self.send_to_replicas(records);
        loop {
            self.check_fenced()?;
            if *vdl_rx.borrow_and_update() >= commit_lsn {
                return Ok(commit_lsn);
            }
            if vdl_rx.changed().await.is_err() {
                return Err(VolumeError::Closed);
            }
        }
    }

    /// Queues `records` for every replica's sender. A full outbox drops the
    /// record for that replica, which then refills by gossip.
    fn send_to_replicas(&self, records: Vec<LogRecord>) {
        for record in records {
            let record = Arc::new(record);
            for outbox in &self.shared.outboxes {
                if outbox.try_send(record.clone()).is_err() {
                    tracing::debug!(lsn = %record.lsn(), "a replica's outbox is full; it will catch up by gossip");
                }
            }
        }
    }

    async fn send_write(&self, index: usize, pg: PgId, request: &Request) {
        let link = &self.shared.links[index];
        let result = link.call(request, self.shared.config.request_timeout).await;
        self.on_write_answer(index, pg, result);
    }

    fn on_write_answer(&self, index: usize, pg: PgId, result: Result<Response, ClientError>) {
        match result {
            Ok(Response::WriteAck { scl, .. }) => self.on_ack(pg, ReplicaId(index as u8), scl),
            Ok(Response::Refused { epoch }) => {
                tracing::error!(%epoch, "a newer writer fenced this one out");
                *self.shared.fenced_by.lock().expect("fence lock") = Some(epoch);
                // Wake every waiting commit so it reports the fence.
                self.shared.vdl.send_modify(|_| {});
            }
            Ok(other) => tracing::warn!(replica = index, ?other, "unexpected answer to a write"),
            // The replica is down or slow: gossip will fill it in, and the
            // heartbeat collects its SCL when it answers again.
            Err(error) => tracing::debug!(replica = index, %error, "write not delivered"),
        }
    }

    fn on_ack(&self, pg: PgId, replica: ReplicaId, scl: Lsn) {
        let vdl = {
            let mut state = self.lock_state();
            if !state.on_ack(pg, replica, scl) {
                return;
            }
            state.vdl()
        };
        self.shared.vdl.send_if_modified(|current| {
            if vdl > *current {
                *current = vdl;
                true
            } else {
                false
            }
        });
    }

    /// The newest value of `key` at or below `at` (a read point no higher
    /// than [`Volume::read_point`]).
    pub async fn get(&self, key: &[u8], at: Lsn) -> Result<Option<Vec<u8>>, VolumeError> {
        if let Some(value) = self.shared.cache.lookup(key, at) {
            return Ok(value);
        }
        let value = self.get_from_replica(key, at).await?;
        self.shared.cache.on_read(key, at, value.as_deref());
        Ok(value)
    }

    /// The read cache's counters (hit ratio, bytes).
    pub fn cache_stats(&self) -> CacheStats {
        self.shared.cache.stats()
    }

    /// Resizes the read cache in place.
    pub fn set_cache_capacity(&self, bytes: usize) {
        self.shared.cache.set_capacity(bytes);
    }

    async fn get_from_replica(&self, key: &[u8], at: Lsn) -> Result<Option<Vec<u8>>, VolumeError> {
        let pg = self.lock_state().map_at(at).pg_of(key);
        let request_for = |need| Request::Get {
            pg,
            key: key.to_vec(),
            at,
            need,
        };
        match self.read(pg, at, request_for).await? {
            Response::Value { value } => Ok(value),
            _ => Err(VolumeError::ReadUnavailable),
        }
    }

    /// Keys in `[start, end)` at `at`, ascending, at most `limit` rows.
    pub async fn scan(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        at: Lsn,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, VolumeError> {
        let mut rows = Vec::new();
        // The reserved key (the partition map) is never a user row.
        let start = if start == MAP_KEY { &[0u8][..] } else { start };
        let parts = self.lock_state().map_at(at).pgs_for_range(start, end);
        for (pg, mut cursor, stop) in parts {
            loop {
                let want = (limit - rows.len()).min(SCAN_ROWS_MAX);
                if want == 0 {
                    return Ok(rows);
                }
                let request_for = |need| Request::Scan {
                    pg,
                    start: cursor.clone(),
                    end: stop.clone(),
                    at,
                    need,
                    limit: want as u32,
                };
                let (page, more) = match self.read(pg, at, request_for).await? {
                    Response::Rows { rows, more } => (rows, more),
                    _ => return Err(VolumeError::ReadUnavailable),
                };
                let last = page.last().map(|(key, _)| key.clone());
                rows.extend(page);
                match (more, last) {
                    (true, Some(mut last)) => {
                        last.push(0);
                        cursor = last;
                    }
                    _ => break,
                }
            }
        }
        Ok(rows)
    }

    /// Sends a read to one replica covering it; if it has not answered
    /// within the hedge delay (or answers with a miss), to the next as well,
    /// and takes the first answer. Retries until the read deadline.
    async fn read(
        &self,
        pg: PgId,
        at: Lsn,
        request_for: impl Fn(Lsn) -> Request,
    ) -> Result<Response, VolumeError> {
        let deadline = Instant::now() + self.shared.config.read_deadline;
        loop {
            let (need, covering) = {
                let state = self.lock_state();
                let need = state.read_need(pg, at);
                (need, state.replicas_covering(pg, need))
            };
            let request = Arc::new(request_for(need));
            let turn = self.shared.read_turn.fetch_add(1, Ordering::Relaxed);
            let mut attempts = tokio::task::JoinSet::new();
            let mut launched = 0usize;
            let launch = |attempts: &mut tokio::task::JoinSet<_>, launched: &mut usize| {
                let replica = covering[(turn + *launched) % covering.len()];
                *launched += 1;
                let shared = self.shared.clone();
                let request = request.clone();
                attempts.spawn(async move {
                    shared.links[replica.index()]
                        .call(&request, shared.config.request_timeout)
                        .await
                });
            };
            if !covering.is_empty() {
                launch(&mut attempts, &mut launched);
            }
            while !attempts.is_empty() {
                let can_hedge = launched < covering.len();
                tokio::select! {
                    joined = attempts.join_next() => match joined {
                        Some(Ok(Ok(response @ (Response::Value { .. } | Response::Rows { .. })))) => {
                            attempts.abort_all();
                            return Ok(response);
                        }
                        // A miss, an error or a timeout: try the next one now.
                        _ => {
                            if can_hedge {
                                launch(&mut attempts, &mut launched);
                            }
                        }
                    },
                    _ = tokio::time::sleep(self.shared.config.hedge_delay), if can_hedge => {
                        launch(&mut attempts, &mut launched);
                    }
                }
            }
            if Instant::now() >= deadline {
                return Err(VolumeError::ReadUnavailable);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Record bytes in one write batch to a replica (one frame).
const OUTBOX_BATCH_BYTES: usize = 16 << 20;

/// Sends one replica its records: drains whatever is queued into one write
/// per PG (batching under load), many batches in flight at once (bounded
/// by the connection's requests in flight).
async fn outbox_loop(
    shared: std::sync::Weak<Shared>,
    index: usize,
    mut outbox: mpsc::Receiver<Arc<LogRecord>>,
) {
    while let Some(first) = outbox.recv().await {
        let mut bytes = first.encoded_len();
        let mut batch = vec![first];
        while batch.len() < borealis_common::limits::BATCH_RECORDS_MAX && bytes < OUTBOX_BATCH_BYTES
        {
            match outbox.try_recv() {
                Ok(record) => {
                    bytes += record.encoded_len();
                    batch.push(record);
                }
                Err(_) => break,
            }
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let volume = Volume { shared };
        let (epoch, history, vdl) = {
            let state = volume.lock_state();
            (state.epoch(), state.history().clone(), state.vdl())
        };
        let mut by_pg: Vec<(PgId, Vec<LogRecord>)> = Vec::new();
        for record in batch {
            // The last replica's sender to get here takes it without a copy.
            let record = Arc::unwrap_or_clone(record);
            let pg = record.header.pg;
            match by_pg.iter_mut().find(|(p, _)| *p == pg) {
                Some((_, records)) => records.push(record),
                None => by_pg.push((pg, vec![record])),
            }
        }
        for (pg, records) in by_pg {
            let request = Request::Write {
                epoch,
                history: history.clone(),
                pg,
                vdl,
                min_read_lsn: volume.min_read_lsn(),
                records,
            };
            // The answer is handled on the connection's reader task: no
            // task per batch. The client bounds batches in flight.
            let answer_to = volume.clone();
            volume.shared.links[index]
                .send(
                    &request,
                    volume.shared.config.request_timeout,
                    move |result| answer_to.on_write_answer(index, pg, result),
                )
                .await;
        }
    }
}

/// Heartbeats between two checks of the PGs' sizes (every 1 s).
const SPLIT_CHECK_TICKS: u32 = 20;

impl Volume {
    /// Asks each PG of the map for its log size, and, when its live data
    /// may have passed `limit` ([`SizeEstimates`]), for its live size and
    /// median key; splits a PG whose live data passed `limit` at that
    /// median. One split per check: the next check sees the new map.
    async fn split_if_too_big(&self, limit: u64, sizes: &mut SizeEstimates) {
        let timeout = self.shared.config.request_timeout;
        let (map, vdl) = {
            let state = self.lock_state();
            (state.map().clone(), state.vdl())
        };
        for pg in map.pgs().collect::<Vec<_>>() {
            let (need, replica) = {
                let state = self.lock_state();
                let need = state.read_need(pg, vdl);
                let best = state
                    .replicas_covering(pg, need)
                    .into_iter()
                    .max_by_key(|r| state.replica_scl(pg, *r));
                (need, best)
            };
            let Some(replica) = replica else { continue };
            let link = &self.shared.links[replica.index()];
            let Ok(Response::Status { log_bytes, .. }) =
                link.call(&Request::Status { pg }, timeout).await
            else {
                continue;
            };
            if !sizes.should_ask(pg, log_bytes, limit) {
                continue;
            }
            let Some((start, end)) = map.range_of(pg) else {
                continue;
            };
            let advice = Request::SplitAdvice {
                pg,
                start,
                end,
                at: vdl,
                need,
            };
            let Ok(Response::SplitAdvice {
                live_bytes, median, ..
            }) = link.call(&advice, timeout * 20).await
            else {
                continue;
            };
            sizes.answered(pg, log_bytes, live_bytes);
            let Some(median) = median.filter(|_| live_bytes >= limit) else {
                continue;
            };
            if let Some((new_pg, _)) = self.split(pg, &median) {
                sizes.split(pg, log_bytes, live_bytes, new_pg);
                return;
            }
        }
    }

    /// Splits `pg` at `key` (one atomic group; see
    /// [`WriterState::allocate_split`]) and returns the new PG and the LSN
    /// of the split's CPL, or `None` if `key` is not inside the PG's range
    /// now or the allocation limit is reached. Does not wait for the split
    /// to be durable.
    pub fn split(&self, pg: PgId, key: &[u8]) -> Option<(PgId, Lsn)> {
        if self.check_fenced().is_err() {
            return None;
        }
        let records = {
            let mut state = self.lock_state();
            state.allocate_split(pg, key).ok().flatten()?
        };
        let cpl = records.last().map(LogRecord::lsn)?;
        let new_pg = records[1].header.pg;
        tracing::info!(%pg, %new_pg, key = ?key, %cpl, "splitting a PG");
        self.send_to_replicas(records);
        Some((new_pg, cpl))
    }
}

/// Every 50 ms: re-send the VDL to lagging replicas (an empty write) and
/// collect their SCLs, so replicas that caught up by gossip count again.
async fn heartbeat_loop(shared: std::sync::Weak<Shared>) {
    let mut ticker = tokio::time::interval(Duration::from_millis(50));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut ticks = 0u32;
    let split_checked: Arc<tokio::sync::Mutex<SizeEstimates>> = Arc::default();
    loop {
        ticker.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let volume = Volume { shared };
        if volume.check_fenced().is_err() {
            return;
        }
        ticks += 1;
        let (epoch, history, vdl, lagging) = {
            let mut state = volume.lock_state();
            state.forget_maps_below(volume.min_read_lsn());
            let lagging: Vec<(PgId, Vec<ReplicaId>)> = state
                .pgs()
                .into_iter()
                .map(|pg| (pg, state.lagging_replicas(pg)))
                .collect();
            (state.epoch(), state.history().clone(), state.vdl(), lagging)
        };
        if let Some(limit) = volume.shared.config.split_bytes {
            // One check at a time: a slow replica must not pile them up.
            if ticks.is_multiple_of(SPLIT_CHECK_TICKS) {
                if let Ok(mut checked) = split_checked.clone().try_lock_owned() {
                    let volume = volume.clone();
                    tokio::spawn(async move { volume.split_if_too_big(limit, &mut checked).await });
                }
            }
        }
        // Everyone hears the VDL once a second; laggards every tick.
        let everyone = ticks.is_multiple_of(20);
        for (pg, laggards) in lagging {
            let targets: Vec<ReplicaId> = if everyone {
                ReplicaId::all().collect()
            } else {
                laggards
            };
            for replica in targets {
                let request = Request::Write {
                    epoch,
                    history: history.clone(),
                    pg,
                    vdl,
                    min_read_lsn: volume.min_read_lsn(),
                    records: Vec::new(),
                };
                let volume = volume.clone();
                tokio::spawn(async move {
                    volume.send_write(replica.index(), pg, &request).await;
                });
            }
        }
    }
}

/// Bytes of records in one rewrite `Write` (one record may exceed it).
const REWRITE_BATCH_BYTES: usize = 8 << 20;

/// Recovery's records to rewrite, in LSN order, cut into `Write`s that
/// stay within the frame and batch limits.
fn rewrite_batches(records: impl Iterator<Item = LogRecord>) -> Vec<Vec<LogRecord>> {
    let mut batches: Vec<Vec<LogRecord>> = Vec::new();
    let mut bytes = 0usize;
    for record in records {
        let len = record.encoded_len();
        let full = batches.last().is_none_or(|batch| {
            batch.len() >= BATCH_RECORDS_MAX || bytes + len > REWRITE_BATCH_BYTES
        });
        if full {
            batches.push(Vec::new());
            bytes = 0;
        }
        bytes += len;
        batches.last_mut().expect("pushed above").push(record);
    }
    batches
}

/// Awaits every future (in order of the input) on the current task.
async fn futures_join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut set = Vec::with_capacity(futures.len());
    for future in futures {
        set.push(Box::pin(future));
    }
    let mut outputs: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (index, future) in set.iter_mut().enumerate() {
            if outputs[index].is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => outputs[index] = Some(output),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}
