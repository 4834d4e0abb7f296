//! The simulated world: six replicas hosting one segment of every PG, the
//! writers (the current one, zombies, dead ones), the network between them,
//! the fault injector, the workload and the checkers.
//!
//! Everything runs on one thread in ticks of a virtual clock. Each tick the
//! network delivers what is due, every live replica drains its inbox the way
//! `server.rs` does (writes appended, then one sync, then acks; any other
//! request flushes first), every writer steps its state machine (recovery as
//! `volume.rs` does it, then commits, reads and heartbeats), and the fault
//! injector may strike. All choices come from one [`Rng`].

use crate::rng::Rng;
use borealis_common::limits::{
    BATCH_RECORDS_MAX, GOSSIP_BYTES_MAX, REPLICAS_PER_PG, SCAN_ROWS_MAX, WRITE_QUORUM,
};
use borealis_common::{Epoch, Lsn, PgId, ReplicaId};
use borealis_storage_replica::memory::{MemDisk, MemLog, MemVersions};
use borealis_storage_replica::Segment;
use borealis_volume_client::partitioning::{Partitioning, MAP_KEY};
use borealis_volume_client::recovery::{
    pgs_to_seal, plan_recovery, RecoveryError, RecoveryPlan, SealReport,
};
use borealis_volume_client::writer_state::WriterState;
use borealis_wire::{EpochHistory, LogRecord, Mutation, Request, Response};
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

type Seg = Segment<MemLog, MemVersions>;

/// How long a writer waits for one answer (volume.rs: 500 ms).
const REQUEST_TIMEOUT: u64 = 60;
/// Seals get four times as long (volume.rs).
const SEAL_TIMEOUT: u64 = 4 * REQUEST_TIMEOUT;
const HEARTBEAT_TICKS: u64 = 50;
/// Every this many heartbeats, every replica hears the VDL (volume.rs: 1 s).
const HEARTBEATS_TO_EVERYONE: u64 = 20;
const NO_QUORUM_RETRY_TICKS: u64 = 200;
const REWRITE_RETRY_TICKS: u64 = 100;
const GOSSIP_TICKS: u64 = 25;
/// A replica's answer to a FetchExact is bounded in bytes; small here, so
/// recovery's paging through its records to rewrite is exercised.
const FETCH_EXACT_BYTES_MAX: usize = 512;
/// At most this many replicas impaired at once in the design envelope: an
/// AZ plus one more.
const IMPAIRED_MAX: usize = 3;
/// Commits a writer keeps in flight at once (concurrent clients).
const TXNS_IN_FLIGHT_MAX: usize = 6;
/// Ticks the final phase may take to recover and converge.
const FINAL_TICKS_MAX: u64 = 30_000;

// ---------------------------------------------------------------- config

/// The fault mix of a run: per-tick probabilities and durations.
#[derive(Clone, Debug)]
pub struct Faults {
    pub loss: f64,
    pub duplicate: f64,
    pub delay_max: u64,
    /// A flush (sync + acks) is put off to a later tick: the window in which
    /// a crash loses or tears unsynced appends.
    pub slow_sync: f64,
    pub replica_crash: f64,
    pub replica_down_ticks: (u64, u64),
    /// A crash leaves a torn prefix of the unsynced appends.
    pub torn_write: f64,
    pub az_partition: f64,
    pub az_partition_ticks: (u64, u64),
    pub link_cut: f64,
    pub link_cut_ticks: (u64, u64),
    pub corruption: f64,
    pub writer_replace: f64,
    /// A replaced writer keeps running (a zombie) instead of dying.
    pub zombie: f64,
    pub background_apply: f64,
    /// Chance per tick that the writer checks a PG's size for a split.
    pub split_rate: f64,
    /// A PG whose live bytes reach this splits (tiny: splits are many).
    pub split_bytes: u64,
}

impl Faults {
    /// A quiet network and no faults (scripted scenarios add their own).
    pub fn none() -> Faults {
        Faults {
            loss: 0.0,
            duplicate: 0.0,
            delay_max: 5,
            slow_sync: 0.0,
            replica_crash: 0.0,
            replica_down_ticks: (50, 400),
            torn_write: 0.0,
            az_partition: 0.0,
            az_partition_ticks: (100, 800),
            link_cut: 0.0,
            link_cut_ticks: (50, 400),
            corruption: 0.0,
            writer_replace: 0.0,
            zombie: 0.0,
            background_apply: 0.05,
            split_rate: 0.0,
            split_bytes: 0,
        }
    }

    /// A random mix: each kind of fault is on or off, at a random rate, so
    /// that seeds explore very different weather.
    pub fn random(rng: &mut Rng) -> Faults {
        let on = |p: f64, lo: f64, hi: f64, rng: &mut Rng| {
            if rng.chance(p) {
                rng.float(lo, hi)
            } else {
                0.0
            }
        };
        Faults {
            loss: on(0.7, 0.0, 0.08, rng),
            duplicate: on(0.5, 0.0, 0.05, rng),
            delay_max: rng.between(1, 25),
            slow_sync: on(0.7, 0.0, 0.6, rng),
            replica_crash: on(0.7, 0.0, 0.004, rng),
            replica_down_ticks: (20, rng.between(50, 600)),
            torn_write: on(0.6, 0.2, 1.0, rng),
            az_partition: on(0.6, 0.0, 0.002, rng),
            az_partition_ticks: (50, rng.between(100, 1000)),
            link_cut: on(0.5, 0.0, 0.004, rng),
            link_cut_ticks: (20, rng.between(50, 500)),
            corruption: on(0.4, 0.0, 0.002, rng),
            writer_replace: on(0.7, 0.0, 0.002, rng),
            zombie: on(0.7, 0.2, 1.0, rng),
            background_apply: rng.float(0.0, 0.2),
            split_rate: on(0.7, 0.001, 0.02, rng),
            split_bytes: rng.between(0, 60),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub pg_count: u32,
    pub keys_per_pg: u8,
    /// Chance per tick that the current writer starts a transaction.
    pub txn_rate: f64,
    /// Chance per tick that a writer reads a key at its VDL.
    pub read_rate: f64,
    /// Ticks of the faulty phase in [`Sim::run_seed`].
    pub ticks: u64,
    pub faults: Faults,
    /// Print every event to stderr.
    pub verbose: bool,
}

impl Config {
    /// Failover storms: like [`Config::random`], with writers replaced (or
    /// left as zombies) every few hundred ticks, often in mid-recovery.
    pub fn storm(seed: u64, ticks: u64) -> Config {
        let mut cfg = Config::random(seed, ticks);
        let mut rng = Rng::new(seed ^ 0x5707_3000_0000_0000);
        cfg.pg_count = rng.between(2, 3) as u32;
        cfg.faults.writer_replace = rng.float(0.002, 0.012);
        cfg.faults.zombie = rng.float(0.3, 0.9);
        cfg
    }

    /// A fault-free configuration for scripted scenarios.
    pub fn quiet(seed: u64, pg_count: u32) -> Config {
        Config {
            seed,
            pg_count,
            keys_per_pg: 4,
            txn_rate: 0.3,
            read_rate: 0.2,
            ticks: 0,
            faults: Faults::none(),
            verbose: false,
        }
    }

    /// The configuration a seed stands for: everything drawn from it.
    pub fn random(seed: u64, ticks: u64) -> Config {
        let mut rng = Rng::new(seed ^ 0x5eed_c0f1_6000_0000);
        Config {
            seed,
            pg_count: rng.between(1, 3) as u32,
            keys_per_pg: rng.between(2, 6) as u8,
            txn_rate: rng.float(0.02, 0.2),
            read_rate: rng.float(0.0, 0.2),
            ticks,
            faults: Faults::random(&mut rng),
            verbose: false,
        }
    }
}

// ---------------------------------------------------------------- event log

/// Every event is hashed (FNV-1a over its text) so that two runs of one seed
/// can be compared; with `verbose` it is also printed.
struct EventLog {
    hash: u64,
    events: u64,
    verbose: bool,
}

impl fmt::Write for EventLog {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            self.hash ^= u64::from(byte);
            self.hash = self.hash.wrapping_mul(0x0100_0000_01b3);
        }
        if self.verbose {
            eprint!("{s}");
        }
        Ok(())
    }
}

macro_rules! event {
    ($sim:expr, $($arg:tt)*) => {{
        let now = $sim.now;
        let log = &mut $sim.log;
        log.events += 1;
        let _ = write!(log, "[{now:>6}] ");
        let _ = write!(log, $($arg)*);
        let _ = log.write_str("\n");
    }};
}

// ---------------------------------------------------------------- network

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Node {
    Replica(u8),
    Writer(u32),
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Replica(r) => write!(f, "r{r}"),
            Node::Writer(w) => write!(f, "w{w}"),
        }
    }
}

#[derive(Clone, Debug)]
enum Payload {
    Request(Request),
    Response(Response),
}

#[derive(Clone, Debug)]
struct Envelope {
    from: Node,
    to: Node,
    pg: PgId,
    id: u64,
    payload: Payload,
}

#[derive(Default)]
struct Net {
    queue: BTreeMap<(u64, u64), Envelope>,
    seq: u64,
    az_cut: Option<(u8, u64)>,
    link_cuts: Vec<(Node, Node, u64)>,
    /// Messages from a node about a PG held back until a tick (scripted
    /// races).
    held: Vec<(Node, PgId, u64)>,
}

fn az_of(node: Node) -> Option<u8> {
    match node {
        Node::Replica(r) => Some(ReplicaId(r).az().0),
        Node::Writer(_) => None,
    }
}

impl Net {
    fn connected(&self, a: Node, b: Node) -> bool {
        if let Some((az, _)) = self.az_cut {
            if (az_of(a) == Some(az)) != (az_of(b) == Some(az)) {
                return false;
            }
        }
        !self
            .link_cuts
            .iter()
            .any(|(x, y, _)| (*x == a && *y == b) || (*x == b && *y == a))
    }
}

// ---------------------------------------------------------------- replicas

struct Replica {
    id: u8,
    /// One disk per PG hosted (created with its segment, kept across
    /// crashes, as `DIR/pgN/` is).
    disks: BTreeMap<PgId, MemDisk>,
    /// `None` while crashed.
    segments: Option<BTreeMap<PgId, Seg>>,
    inbox: Vec<Envelope>,
    /// Per PG: writes appended but not yet synced, to ack after the sync.
    pending_acks: BTreeMap<PgId, Vec<(Node, u64)>>,
    restart_at: u64,
    /// Per PG: after a corruption, the SCL the replica must regain before
    /// it counts as healthy again.
    repairing: BTreeMap<PgId, Lsn>,
    next_gossip: u64,
}

impl Replica {
    fn is_up(&self) -> bool {
        self.segments.is_some()
    }
    /// The SCL of its segment of `pg` (`None`: down, or not hosted).
    fn scl(&self, pg: PgId) -> Option<Lsn> {
        self.segments
            .as_ref()
            .and_then(|s| s.get(&pg))
            .map(Seg::scl)
    }
    fn hosted(&self) -> Vec<PgId> {
        self.disks.keys().copied().collect()
    }
    fn segment(&mut self, pg: PgId) -> &mut Seg {
        self.segments
            .as_mut()
            .and_then(|s| s.get_mut(&pg))
            .expect("a hosted segment of a live replica")
    }
    /// Opens the segment of `pg` on a live replica, creating it if new (a
    /// write or seal of a PG a split made, as `server.rs` does).
    fn open_segment(&mut self, pg: PgId) -> std::io::Result<()> {
        if self.segments.as_ref().is_some_and(|s| s.contains_key(&pg)) {
            return Ok(());
        }
        let disk = self.disks.entry(pg).or_default().clone();
        let segment = Segment::open(pg, MemLog::new(disk), MemVersions::default())?;
        self.segments
            .as_mut()
            .expect("a live replica")
            .insert(pg, segment);
        Ok(())
    }
}

/// Rows per page of a genesis fill in the simulation (small, so fills take
/// several pages and interleave with faults).
const GENESIS_PAGE_ROWS: usize = 2;

// ---------------------------------------------------------------- writers

#[derive(Clone, Debug)]
enum Tag {
    /// A request of a recovery phase (answers of an older phase are late).
    Phase(u64),
    /// A write of the active writer (commit or heartbeat).
    Write,
    Read {
        op: ReadOp,
        pg: PgId,
        at: Lsn,
        need: Lsn,
        candidates: Vec<ReplicaId>,
    },
    /// A size check of a PG before a split.
    SplitAdvice { pg: PgId },
}

/// A read the writer sends to one replica covering it.
#[derive(Clone, Debug)]
enum ReadOp {
    Get(Vec<u8>),
    /// Keys in `[start, end)` of one PG, at most `limit` rows.
    Scan {
        start: Vec<u8>,
        end: Option<Vec<u8>>,
        limit: u32,
    },
}

enum Phase {
    Status {
        deadline: u64,
        waiting: usize,
        highest: Epoch,
    },
    Seal {
        epoch: Epoch,
        deadline: u64,
        waiting: usize,
        reports: Vec<SealReport>,
        refused: Option<Epoch>,
    },
    SealRetry {
        epoch: Epoch,
        at: u64,
    },
    Fetch {
        plan: Box<RecoveryPlan>,
        deadline: u64,
        waiting: usize,
        found: BTreeMap<Lsn, LogRecord>,
        /// `found.len()` when this round of asks went out: answers are
        /// bounded in bytes, so a round that found more asks again.
        found_before_round: usize,
    },
    Rewrite {
        plan: Box<RecoveryPlan>,
        records: BTreeMap<PgId, Vec<LogRecord>>,
        /// The PGs to rewrite (every PG sealed), and which one is at work.
        pgs: Vec<PgId>,
        index: usize,
        caught_up: [bool; REPLICAS_PER_PG],
        first: bool,
        deadline: u64,
        waiting: usize,
        retry_at: Option<u64>,
    },
    /// Reading the partition map at the recovered VDL from PG 0.
    ReadMap {
        plan: Box<RecoveryPlan>,
        retry_at: u64,
        found: Option<Partitioning>,
    },
    Active(Box<WriterState>),
    Dead,
}

impl Phase {
    fn name(&self) -> &'static str {
        match self {
            Phase::Status { .. } => "status",
            Phase::Seal { .. } => "seal",
            Phase::SealRetry { .. } => "seal-retry",
            Phase::Fetch { .. } => "fetch",
            Phase::Rewrite { .. } => "rewrite",
            Phase::ReadMap { .. } => "read-map",
            Phase::Active(_) => "active",
            Phase::Dead => "dead",
        }
    }
}

struct Writer {
    phase: Phase,
    /// Bumped at every phase change; requests carry it in their tag.
    generation: u64,
    outstanding: BTreeMap<u64, (Tag, u64)>,
    /// The PGs to seal: the initial ones and every one a sealed replica
    /// reported hosting.
    pgs: Vec<PgId>,
    /// Per PG, per replica: SCLs acked under this writer's epoch during
    /// recovery (volume.rs collects them and copies them over).
    rewrite_scls: BTreeMap<PgId, [Lsn; REPLICAS_PER_PG]>,
    fenced: bool,
    inbox: Vec<Envelope>,
    next_heartbeat: u64,
    heartbeats: u64,
    /// Transactions (indexes into `Sim::txns`) waiting for VDL.
    pending: Vec<usize>,
    last_vdl: Lsn,
    workload: bool,
}

// ---------------------------------------------------------------- model

struct Txn {
    writer: u32,
    epoch: Epoch,
    commit_lsn: Lsn,
    /// (key, new value: Some(txn id) or None for a delete).
    writes: Vec<(Vec<u8>, Option<u64>)>,
    sent_at: u64,
    acked_at: Option<u64>,
}

/// A split a writer allocated: the map it makes takes effect at `cpl` if
/// the split is committed.
struct SplitMade {
    writer: u32,
    epoch: Epoch,
    cpl: Lsn,
    map: Partitioning,
    sent_at: u64,
}

struct PlanMade {
    writer: u32,
    epoch: Epoch,
    vdl: Lsn,
    at: u64,
    /// The recovery went on to make the plan durable (the writer became
    /// active). Only then is its truncation part of every later history.
    completed: bool,
}

struct Observation {
    op: ReadOp,
    at: Lsn,
    seen: Seen,
    replica: u8,
    writer: u32,
}

/// What a read returned.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Value(Option<Vec<u8>>),
    Rows(Vec<(Vec<u8>, Vec<u8>)>, bool),
}

/// What a finished run reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub seed: u64,
    pub ticks: u64,
    pub events: u64,
    pub event_hash: u64,
    pub txns: usize,
    pub acked: usize,
    pub committed: usize,
    pub writers: usize,
    pub recoveries: usize,
    pub reads: usize,
    pub scans: usize,
    /// Splits committed (in the final map).
    pub splits: usize,
    pub final_vdl: Lsn,
}

// ---------------------------------------------------------------- the world

pub struct Sim {
    cfg: Config,
    rng: Rng,
    pub now: u64,
    net: Net,
    replicas: Vec<Replica>,
    writers: Vec<Writer>,
    current: Option<usize>,
    start_writer_at: Option<u64>,
    next_id: u64,
    /// The map of an empty volume (`pg_count` PGs).
    initial_map: Partitioning,
    splits: Vec<SplitMade>,
    keys: Vec<Vec<u8>>,
    txns: Vec<Txn>,
    plans: Vec<PlanMade>,
    recoveries: usize,
    observations: Vec<Observation>,
    max_acked_lsn: Lsn,
    max_vdl_seen: Lsn,
    failure: Option<String>,
    log: EventLog,
    faults_on: bool,
    loss: f64,
    duplicate: f64,
}

fn encode_txn(id: u64) -> Vec<u8> {
    id.to_le_bytes().to_vec()
}

fn decode_txn(value: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(value.try_into().ok()?))
}

impl Sim {
    pub fn new(cfg: Config) -> Sim {
        let partitioning = Partitioning::even(cfg.pg_count);
        let mut keys = Vec::new();
        for pg in 0..cfg.pg_count {
            let (start, _) = partitioning.range_of(PgId(pg)).expect("a mapped PG");
            let first = start.first().copied().unwrap_or(0);
            for k in 0..cfg.keys_per_pg {
                let key = vec![first, b'k', k];
                assert_eq!(partitioning.pg_of(&key), PgId(pg));
                keys.push(key);
            }
        }
        let mut rng = Rng::new(cfg.seed);
        let replicas = (0..REPLICAS_PER_PG as u8)
            .map(|id| {
                let mut replica = Replica {
                    id,
                    disks: BTreeMap::new(),
                    segments: Some(BTreeMap::new()),
                    inbox: Vec::new(),
                    pending_acks: BTreeMap::new(),
                    restart_at: 0,
                    repairing: BTreeMap::new(),
                    next_gossip: rng.below(GOSSIP_TICKS),
                };
                for pg in 0..cfg.pg_count {
                    replica
                        .open_segment(PgId(pg))
                        .expect("open an empty segment");
                }
                replica
            })
            .collect();
        let verbose = cfg.verbose;
        let loss = cfg.faults.loss;
        let duplicate = cfg.faults.duplicate;
        let mut sim = Sim {
            cfg,
            rng,
            now: 0,
            net: Net::default(),
            replicas,
            writers: Vec::new(),
            current: None,
            start_writer_at: None,
            next_id: 1,
            initial_map: partitioning,
            splits: Vec::new(),
            keys,
            txns: Vec::new(),
            plans: Vec::new(),
            recoveries: 0,
            observations: Vec::new(),
            max_acked_lsn: Lsn::ZERO,
            max_vdl_seen: Lsn::ZERO,
            failure: None,
            log: EventLog {
                hash: 0xcbf2_9ce4_8422_2325,
                events: 0,
                verbose,
            },
            faults_on: false,
            loss,
            duplicate,
        };
        event!(sim, "start {:?}", sim.cfg);
        sim.start_writer();
        sim
    }

    /// One seed, end to end: the faulty phase, then healing and the final
    /// checks. `Err` names the seed and the first violated invariant.
    pub fn run_seed(cfg: Config) -> Result<Summary, String> {
        let seed = cfg.seed;
        let ticks = cfg.ticks;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let mut sim = Sim::new(cfg);
            sim.set_faults(true);
            sim.run(ticks)?;
            sim.finish()
        }));
        match outcome {
            Ok(result) => result.map_err(|e| format!("seed {seed}: {e}")),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Err(format!("seed {seed}: panicked: {message}"))
            }
        }
    }

    // ------------------------------------------------------------ control

    /// Turns the random fault injector on or off (scripted faults work
    /// either way).
    pub fn set_faults(&mut self, on: bool) {
        self.faults_on = on;
        self.loss = if on { self.cfg.faults.loss } else { 0.0 };
        self.duplicate = if on { self.cfg.faults.duplicate } else { 0.0 };
    }

    /// Runs `ticks` ticks; stops at the first violated invariant.
    pub fn run(&mut self, ticks: u64) -> Result<(), String> {
        for _ in 0..ticks {
            self.tick();
            if let Some(failure) = &self.failure {
                return Err(failure.clone());
            }
        }
        Ok(())
    }

    /// Runs until `done` holds (checked every tick) or `ticks` pass.
    pub fn run_until(
        &mut self,
        ticks: u64,
        mut done: impl FnMut(&Sim) -> bool,
    ) -> Result<bool, String> {
        for _ in 0..ticks {
            if done(self) {
                return Ok(true);
            }
            self.tick();
            if let Some(failure) = &self.failure {
                return Err(failure.clone());
            }
        }
        Ok(done(self))
    }

    fn fail(&mut self, message: String) {
        event!(self, "FAILURE {message}");
        if self.failure.is_none() {
            self.failure = Some(format!("at tick {}: {message}", self.now));
        }
    }

    pub fn cut_az(&mut self, az: u8, ticks: u64) {
        event!(
            self,
            "fault: az-{} cut off for {ticks}",
            (b'a' + az) as char
        );
        self.net.az_cut = Some((az, self.now + ticks));
    }

    pub fn cut_link(&mut self, a: Node, b: Node, ticks: u64) {
        event!(self, "fault: link {a}-{b} cut for {ticks}");
        self.net.link_cuts.push((a, b, self.now + ticks));
    }

    /// Holds back every message `from` sends about `pg` in the next
    /// `ticks` ticks until they pass (a slow path for one PG's records).
    pub fn hold(&mut self, from: Node, pg: u32, ticks: u64) {
        event!(
            self,
            "fault: messages of {from} about pg{pg} held for {ticks}"
        );
        self.net.held.push((from, PgId(pg), self.now + ticks));
    }

    pub fn heal_network(&mut self) {
        event!(self, "heal network");
        self.net.az_cut = None;
        self.net.link_cuts.clear();
    }

    /// Crashes a replica: it loses its unsynced appends (leaving a torn
    /// prefix of `tear_bytes` of them, if set), its inbox and its pending
    /// acks; it restarts after `down_ticks`.
    pub fn crash_replica(&mut self, r: u8, tear_bytes: Option<usize>, down_ticks: u64) {
        event!(
            self,
            "fault: crash r{r} tear={tear_bytes:?} down={down_ticks}"
        );
        let replica = &mut self.replicas[r as usize];
        replica.segments = None;
        replica.inbox.clear();
        replica.pending_acks.clear();
        for disk in replica.disks.values() {
            disk.crash(tear_bytes);
        }
        replica.restart_at = self.now + down_ticks.max(1);
    }

    pub fn restart_replica(&mut self, r: u8) {
        if self.replicas[r as usize].is_up() {
            return;
        }
        let mut segments = BTreeMap::new();
        for (pg, disk) in &self.replicas[r as usize].disks {
            match Segment::open(*pg, MemLog::new(disk.clone()), MemVersions::default()) {
                Ok(segment) => {
                    segments.insert(*pg, segment);
                }
                Err(error) => {
                    let message = format!("r{r} {pg} failed to reopen: {error}");
                    self.fail(message);
                    return;
                }
            }
        }
        let scls: Vec<u64> = segments.values().map(|s| s.scl().0).collect();
        self.replicas[r as usize].segments = Some(segments);
        event!(self, "restart r{r} scls={scls:?}");
    }

    /// Flips a bit of a durable log and restarts the replica so that the
    /// corruption is found when it loads its log; it counts as impaired
    /// until it regains the SCL it had.
    pub fn corrupt_replica(&mut self, r: u8, pg: u32, position: usize) {
        let pg = PgId(pg);
        let had = self.replicas[r as usize].scl(pg).unwrap_or(Lsn::ZERO);
        event!(
            self,
            "fault: corrupt r{r} {pg} at byte {position} (scl {had})"
        );
        let Some(disk) = self.replicas[r as usize].disks.get(&pg) else {
            return;
        };
        disk.corrupt(position);
        if had > Lsn::ZERO {
            self.replicas[r as usize].repairing.insert(pg, had);
        }
        self.crash_replica(r, None, 5);
    }

    /// Replaces the current writer: it crashes, or goes on as a zombie.
    /// A new writer starts recovering at once.
    pub fn replace_writer(&mut self, keep_zombie: bool) {
        if let Some(current) = self.current.take() {
            let active = matches!(self.writers[current].phase, Phase::Active(_));
            if keep_zombie && active {
                event!(self, "fault: w{current} becomes a zombie");
            } else {
                event!(self, "fault: w{current} crashes");
                self.writers[current].phase = Phase::Dead;
            }
        }
        // Keep at most two zombies around.
        let live: Vec<usize> = (0..self.writers.len())
            .filter(|w| !matches!(self.writers[*w].phase, Phase::Dead))
            .collect();
        if live.len() > 2 {
            let oldest = live[0];
            event!(self, "w{oldest} (zombie) crashes");
            self.writers[oldest].phase = Phase::Dead;
        }
        self.start_writer();
    }

    fn start_writer(&mut self) {
        let id = self.writers.len() as u32;
        event!(self, "w{id} starts recovery");
        self.writers.push(Writer {
            phase: Phase::Dead,
            generation: 0,
            outstanding: BTreeMap::new(),
            pgs: (0..self.cfg.pg_count).map(PgId).collect(),
            rewrite_scls: BTreeMap::new(),
            fenced: false,
            inbox: Vec::new(),
            next_heartbeat: 0,
            heartbeats: 0,
            pending: Vec::new(),
            last_vdl: Lsn::ZERO,
            workload: true,
        });
        self.current = Some(id as usize);
        self.start_writer_at = None;
        self.begin_status(id as usize);
    }

    pub fn set_workload(&mut self, on: bool) {
        for writer in &mut self.writers {
            writer.workload = on;
        }
    }

    // ------------------------------------------------------------ queries

    pub fn acked_count(&self) -> usize {
        self.txns.iter().filter(|t| t.acked_at.is_some()).count()
    }

    /// Transactions acknowledged by writer `w`.
    pub fn acked_by(&self, w: u32) -> usize {
        self.txns
            .iter()
            .filter(|t| t.writer == w && t.acked_at.is_some())
            .count()
    }

    pub fn current_writer(&self) -> Option<u32> {
        self.current.map(|w| w as u32)
    }

    pub fn writer_is_active(&self, w: u32) -> bool {
        matches!(self.writers[w as usize].phase, Phase::Active(_))
    }

    pub fn writer_is_dead(&self, w: u32) -> bool {
        matches!(self.writers[w as usize].phase, Phase::Dead)
    }

    /// The phase of writer `w`: status, seal, seal-retry, fetch, rewrite,
    /// active or dead.
    pub fn writer_phase(&self, w: u32) -> &'static str {
        self.writers[w as usize].phase.name()
    }

    /// Recovery plans made so far (a read quorum of every PG was sealed).
    pub fn plans_made(&self) -> usize {
        self.plans.len()
    }

    pub fn writer_fenced(&self, w: u32) -> bool {
        self.writers[w as usize].fenced
    }

    pub fn writer_vdl(&self, w: u32) -> Option<Lsn> {
        match &self.writers[w as usize].phase {
            Phase::Active(state) => Some(state.vdl()),
            _ => None,
        }
    }

    pub fn replica_scl(&self, r: u8, pg: u32) -> Option<Lsn> {
        self.replicas[r as usize].scl(PgId(pg))
    }

    /// The PGs replica `r` hosts.
    pub fn replica_hosts(&self, r: u8) -> Vec<u32> {
        self.replicas[r as usize]
            .hosted()
            .into_iter()
            .map(|pg| pg.0)
            .collect()
    }

    /// The newest partition map of writer `w`, if active.
    pub fn writer_map(&self, w: u32) -> Option<Partitioning> {
        match &self.writers[w as usize].phase {
            Phase::Active(state) => Some(state.map().clone()),
            _ => None,
        }
    }

    /// Splits allocated so far (committed or not).
    pub fn splits_made(&self) -> usize {
        self.splits.len()
    }

    pub fn replica_is_up(&self, r: u8) -> bool {
        self.replicas[r as usize].is_up()
    }

    pub fn recoveries(&self) -> usize {
        self.recoveries
    }

    pub fn event_hash(&self) -> u64 {
        self.log.hash
    }

    // ------------------------------------------------------------ the tick

    fn tick(&mut self) {
        self.now += 1;
        self.deliver();
        for r in 0..self.replicas.len() {
            self.replica_step(r);
        }
        for w in 0..self.writers.len() {
            self.writer_step(w);
        }
        self.timers();
        if self.faults_on {
            self.inject_faults();
        }
    }

    fn send(&mut self, envelope: Envelope) {
        if !self.net.connected(envelope.from, envelope.to) {
            return;
        }
        if self.rng.chance(self.loss) {
            return;
        }
        let copies = if self.rng.chance(self.duplicate) {
            2
        } else {
            1
        };
        let held_until = self
            .net
            .held
            .iter()
            .filter(|(from, pg, _)| *from == envelope.from && *pg == envelope.pg)
            .map(|(_, _, until)| *until)
            .max()
            .unwrap_or(0);
        for _ in 0..copies {
            let delay = self.rng.between(1, self.cfg.faults.delay_max.max(1));
            self.net.seq += 1;
            let at = (self.now + delay).max(held_until);
            self.net.queue.insert((at, self.net.seq), envelope.clone());
        }
    }

    fn request(&mut self, from: Node, to: Node, pg: PgId, request: Request) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(Envelope {
            from,
            to,
            pg,
            id,
            payload: Payload::Request(request),
        });
        id
    }

    fn respond(&mut self, to_request: &Envelope, response: Response) {
        self.send(Envelope {
            from: to_request.to,
            to: to_request.from,
            pg: to_request.pg,
            id: to_request.id,
            payload: Payload::Response(response),
        });
    }

    fn deliver(&mut self) {
        while let Some(entry) = self.net.queue.first_entry() {
            if entry.key().0 > self.now {
                break;
            }
            let envelope = entry.remove();
            if !self.net.connected(envelope.from, envelope.to) {
                continue;
            }
            match envelope.to {
                Node::Replica(r) => {
                    let replica = &mut self.replicas[r as usize];
                    if replica.is_up() {
                        replica.inbox.push(envelope);
                    }
                }
                Node::Writer(w) => {
                    let writer = &mut self.writers[w as usize];
                    if !matches!(writer.phase, Phase::Dead) {
                        writer.inbox.push(envelope);
                    }
                }
            }
        }
    }

    fn timers(&mut self) {
        let now = self.now;
        if self.net.az_cut.is_some_and(|(_, until)| until <= now) {
            event!(self, "az partition heals");
            self.net.az_cut = None;
        }
        self.net.link_cuts.retain(|(_, _, until)| *until > now);
        for r in 0..self.replicas.len() {
            if !self.replicas[r].is_up() && self.replicas[r].restart_at <= now {
                self.restart_replica(r as u8);
            }
            let repairing: Vec<(PgId, Lsn)> = self.replicas[r]
                .repairing
                .iter()
                .map(|(pg, target)| (*pg, *target))
                .collect();
            for (pg, target) in repairing {
                if self.replicas[r].scl(pg).is_some_and(|scl| scl >= target) {
                    event!(self, "r{r} {pg} repaired (scl >= {target})");
                    self.replicas[r].repairing.remove(&pg);
                }
            }
        }
        let current_dead = self
            .current
            .is_none_or(|w| matches!(self.writers[w].phase, Phase::Dead));
        if current_dead {
            match self.start_writer_at {
                None => self.start_writer_at = Some(now + 20),
                Some(at) if at <= now => self.start_writer(),
                Some(_) => {}
            }
        }
    }

    // ------------------------------------------------------------ faults

    fn impaired(&self, r: u8) -> bool {
        let replica = &self.replicas[r as usize];
        !replica.is_up()
            || !replica.repairing.is_empty()
            || self
                .net
                .az_cut
                .is_some_and(|(az, _)| ReplicaId(r).az().0 == az)
            || self.net.link_cuts.iter().any(|(a, b, _)| {
                matches!((a, b), (Node::Writer(_), Node::Replica(x)) | (Node::Replica(x), Node::Writer(_)) if *x == r)
            })
    }

    fn impaired_count_with(&self, extra: &[u8]) -> usize {
        (0..REPLICAS_PER_PG as u8)
            .filter(|r| self.impaired(*r) || extra.contains(r))
            .count()
    }

    fn inject_faults(&mut self) {
        let f = self.cfg.faults.clone();
        if self.rng.chance(f.replica_crash) {
            let r = self.rng.below(REPLICAS_PER_PG as u64) as u8;
            if self.replicas[r as usize].is_up() && self.impaired_count_with(&[r]) <= IMPAIRED_MAX {
                let tear = if self.rng.chance(f.torn_write) {
                    Some(self.rng.below(300) as usize)
                } else {
                    None
                };
                let down = self
                    .rng
                    .between(f.replica_down_ticks.0, f.replica_down_ticks.1);
                self.crash_replica(r, tear, down);
            }
        }
        if self.net.az_cut.is_none() && self.rng.chance(f.az_partition) {
            let az = self.rng.below(3) as u8;
            if self.impaired_count_with(&[2 * az, 2 * az + 1]) <= IMPAIRED_MAX {
                let ticks = self
                    .rng
                    .between(f.az_partition_ticks.0, f.az_partition_ticks.1);
                self.cut_az(az, ticks);
            }
        }
        if self.rng.chance(f.link_cut) {
            let r = self.rng.below(REPLICAS_PER_PG as u64) as u8;
            let ticks = self.rng.between(f.link_cut_ticks.0, f.link_cut_ticks.1);
            if self.rng.chance(0.5) {
                let other = self.rng.below(REPLICAS_PER_PG as u64) as u8;
                if other != r {
                    self.cut_link(Node::Replica(r), Node::Replica(other), ticks);
                }
            } else if let Some(w) = self.current {
                if self.impaired_count_with(&[r]) <= IMPAIRED_MAX {
                    self.cut_link(Node::Writer(w as u32), Node::Replica(r), ticks);
                }
            }
        }
        if self.rng.chance(f.corruption) {
            let r = self.rng.below(REPLICAS_PER_PG as u64) as u8;
            let hosted = self.replicas[r as usize].hosted();
            let pg = *self.rng.pick(&hosted);
            // Only where a good copy survives: nobody else impaired, and
            // every other replica holds this one's whole chain.
            let mine = self.replicas[r as usize].scl(pg);
            let safe = self.impaired_count_with(&[]) == 0
                && mine.is_some_and(|mine| {
                    (0..REPLICAS_PER_PG as u8).filter(|s| *s != r).all(|s| {
                        self.replicas[s as usize]
                            .scl(pg)
                            .is_some_and(|scl| scl >= mine)
                    })
                });
            let bytes = self.replicas[r as usize].disks[&pg].durable_bytes();
            if safe && bytes > 0 {
                let position = self.rng.below(bytes as u64) as usize;
                self.corrupt_replica(r, pg.0, position);
            }
        }
        if self.rng.chance(f.writer_replace) {
            let zombie = self.rng.chance(f.zombie);
            self.replace_writer(zombie);
        }
    }

    // ------------------------------------------------------------ replicas

    fn fail_stop(&mut self, r: usize, what: &str, error: std::io::Error) {
        event!(self, "r{r} fail-stop on {what}: {error}");
        let down = self.rng.between(5, 50);
        self.crash_replica(r as u8, None, down);
    }

    /// One turn of a replica, as `server.rs` runs a segment thread: take
    /// every queued command; writes are appended and acked after a sync,
    /// other requests flush first and are answered in order. A write or
    /// seal of a PG not hosted yet opens its segment.
    fn replica_step(&mut self, r: usize) {
        if !self.replicas[r].is_up() {
            return;
        }
        let inbox = std::mem::take(&mut self.replicas[r].inbox);
        let mut touched: BTreeMap<PgId, bool> = BTreeMap::new();
        for envelope in inbox {
            let pg = envelope.pg;
            if !self.replicas[r].is_up() {
                continue;
            }
            if matches!(
                envelope.payload,
                Payload::Request(Request::Write { .. } | Request::Seal { .. })
            ) {
                if let Err(error) = self.replicas[r].open_segment(pg) {
                    self.fail_stop(r, "open", error);
                    continue;
                }
            }
            let hosted = self.replicas[r]
                .segments
                .as_ref()
                .is_some_and(|s| s.contains_key(&pg));
            if !hosted {
                if let Payload::Request(_) = &envelope.payload {
                    let response = Response::Error {
                        message: format!("this replica hosts no {pg}"),
                    };
                    self.respond(&envelope, response);
                }
                continue;
            }
            match &envelope.payload {
                Payload::Request(Request::Write {
                    epoch,
                    history,
                    vdl,
                    min_read_lsn,
                    records,
                    ..
                }) => {
                    touched.insert(pg, true);
                    let segment = self.replicas[r].segment(pg);
                    match segment.write(*epoch, history, *vdl, records) {
                        Ok(Ok(())) => {
                            segment.raise_gc_horizon(*min_read_lsn);
                            self.replicas[r]
                                .pending_acks
                                .entry(pg)
                                .or_default()
                                .push((envelope.from, envelope.id));
                            self.host_named_pgs(r, pg);
                        }
                        Ok(Err(error)) => self.fail_stop(r, "write", error),
                        Err(refusal) => {
                            let response = refusal.into_response();
                            event!(
                                self,
                                "r{r} {pg} refuses {} epoch {epoch}: {response:?}",
                                envelope.from
                            );
                            self.respond(&envelope, response);
                        }
                    }
                }
                Payload::Request(request) => {
                    if !self.flush(r, pg) {
                        continue;
                    }
                    let hosted_pgs = self.replicas[r].hosted();
                    let segment = self.replicas[r].segment(pg);
                    let result = match request {
                        Request::Write { .. } => unreachable!(),
                        Request::Seal { epoch, .. } => match segment.seal(*epoch) {
                            Ok(Ok(mut response)) => {
                                if let Response::Sealed { hosted, .. } = &mut response {
                                    *hosted = hosted_pgs;
                                }
                                Ok(response)
                            }
                            Ok(Err(error)) => Err(error),
                            Err(refusal) => Ok(refusal.into_response()),
                        },
                        Request::Get { key, at, need, .. } => segment.get(key, *at, *need),
                        Request::Scan {
                            start,
                            end,
                            at,
                            need,
                            limit,
                            ..
                        } => {
                            let limit = (*limit as usize).clamp(1, SCAN_ROWS_MAX);
                            segment.scan(start, end.as_deref(), *at, *need, limit)
                        }
                        Request::Fetch {
                            after, bytes_max, ..
                        } => segment.fetch(*after, (*bytes_max as usize).min(GOSSIP_BYTES_MAX)),
                        Request::FetchExact { lsns, .. } => {
                            segment.fetch_exact(lsns, FETCH_EXACT_BYTES_MAX)
                        }
                        Request::Status { .. } => Ok(segment.status()),
                        Request::SplitAdvice {
                            start,
                            end,
                            at,
                            need,
                            ..
                        } => segment.split_advice(start, end.as_deref(), *at, *need),
                    };
                    match result {
                        Ok(response) => {
                            if let Request::Seal { epoch, .. } = request {
                                event!(
                                    self,
                                    "r{r} {pg} seal {epoch} by {}: {}",
                                    envelope.from,
                                    brief(&response)
                                );
                            }
                            self.respond(&envelope, response);
                        }
                        Err(error) => self.fail_stop(r, "request", error),
                    }
                }
                Payload::Response(Response::Records {
                    history, records, ..
                }) => {
                    // Gossip: what a peer sent after our SCL.
                    if records.is_empty() {
                        continue;
                    }
                    touched.insert(pg, true);
                    let segment = self.replicas[r].segment(pg);
                    let before = segment.scl();
                    if let Err(error) = segment.receive_from_peer(history, records) {
                        self.fail_stop(r, "gossip", error);
                        continue;
                    }
                    self.host_named_pgs(r, pg);
                    event!(
                        self,
                        "r{r} {pg} gossip from {}: {} records (scl {before})",
                        envelope.from,
                        records.len()
                    );
                }
                Payload::Response(_) => {}
            }
        }
        if !self.replicas[r].is_up() {
            return;
        }
        for pg in self.replicas[r].hosted() {
            let mut touched = touched.get(&pg).copied().unwrap_or(false);
            let has_work = self.replicas[r]
                .pending_acks
                .get(&pg)
                .is_some_and(|acks| !acks.is_empty())
                || touched;
            if has_work && !self.rng.chance(self.cfg.faults.slow_sync) && !self.flush(r, pg) {
                return;
            }
            if self.rng.chance(self.cfg.faults.background_apply) {
                let segment = self.replicas[r].segment(pg);
                // Idle work, as the server's segment thread does it:
                // applying, then bounded garbage collection.
                if let Err(error) = segment.apply().and_then(|()| segment.collect_garbage(4)) {
                    self.fail_stop(r, "apply", error);
                    return;
                }
                touched = true;
            }
            if self.fill_genesis(r, pg, 4) {
                touched = true;
            }
            if !self.replicas[r].is_up() {
                return;
            }
            if touched {
                self.replicas[r].segment(pg).check_invariants();
            }
        }
        if self.now >= self.replicas[r].next_gossip {
            self.replicas[r].next_gossip = self.now + GOSSIP_TICKS + self.rng.below(GOSSIP_TICKS);
            for pg in self.replicas[r].hosted() {
                let mut peer = self.rng.below(REPLICAS_PER_PG as u64 - 1) as u8;
                if peer >= r as u8 {
                    peer += 1;
                }
                let after = self.replicas[r].segment(pg).scl();
                self.request(
                    Node::Replica(r as u8),
                    Node::Replica(peer),
                    pg,
                    Request::Fetch {
                        pg,
                        after,
                        bytes_max: GOSSIP_BYTES_MAX as u32,
                    },
                );
            }
        }
    }

    /// Opens the PGs split records taken by replica `r`'s segment of `pg`
    /// named, before the replica answers anything else (server.rs).
    fn host_named_pgs(&mut self, r: usize, pg: PgId) {
        for named in self.replicas[r].segment(pg).take_named_pgs() {
            if let Err(error) = self.replicas[r].open_segment(named) {
                self.fail_stop(r, "open", error);
                return;
            }
        }
    }

    /// Up to `pages_max` pages of the genesis fill of replica `r`'s segment
    /// of `pg` from its source segment on the same replica (as the server's
    /// segment thread asks its source's). Returns whether a page was taken.
    fn fill_genesis(&mut self, r: usize, pg: PgId, pages_max: usize) -> bool {
        let mut filled = false;
        for _ in 0..pages_max {
            let Some(segments) = self.replicas[r].segments.as_mut() else {
                return filled;
            };
            let Some(fill) = segments.get(&pg).and_then(|s| s.genesis_wanted()).cloned() else {
                return filled;
            };
            assert!(fill.source < pg, "a genesis copies from an older PG");
            let Some(source) = segments.get_mut(&fill.source) else {
                return filled;
            };
            let page = match source.snapshot_page(
                &fill.from,
                fill.end.as_deref(),
                fill.source_lsn,
                GENESIS_PAGE_ROWS,
            ) {
                Ok(Some(page)) => page,
                Ok(None) => return filled,
                Err(error) => {
                    self.fail_stop(r, "snapshot", error);
                    return filled;
                }
            };
            let rows = page.0.len();
            let segment = segments.get_mut(&pg).expect("the filling segment");
            if let Err(error) = segment.fill_genesis(page) {
                self.fail_stop(r, "fill", error);
                return filled;
            }
            filled = true;
            if segment.genesis_wanted().is_none() {
                event!(
                    self,
                    "r{r} {pg} genesis filled from {} as of {} (last page {rows} rows)",
                    fill.source,
                    fill.source_lsn
                );
                return filled;
            }
        }
        filled
    }

    /// Syncs a segment and acks the writes waiting on it. False if the
    /// replica fail-stopped.
    fn flush(&mut self, r: usize, pg: PgId) -> bool {
        let segment = self.replicas[r].segment(pg);
        if let Err(error) = segment.sync() {
            self.fail_stop(r, "sync", error);
            return false;
        }
        let scl = segment.scl();
        let acks = self.replicas[r]
            .pending_acks
            .remove(&pg)
            .unwrap_or_default();
        for (to, id) in acks {
            self.send(Envelope {
                from: Node::Replica(r as u8),
                to,
                pg,
                id,
                payload: Payload::Response(Response::WriteAck { pg, scl }),
            });
        }
        true
    }

    // ------------------------------------------------------------ writers

    fn set_phase(&mut self, w: usize, phase: Phase) {
        let writer = &mut self.writers[w];
        writer.generation += 1;
        writer
            .outstanding
            .retain(|_, (tag, _)| !matches!(tag, Tag::Phase(_)));
        event!(self, "w{w} -> {}", phase.name());
        self.writers[w].phase = phase;
    }

    fn phase_request(&mut self, w: usize, r: u8, pg: PgId, request: Request, timeout: u64) {
        let id = self.request(Node::Writer(w as u32), Node::Replica(r), pg, request);
        let generation = self.writers[w].generation;
        self.writers[w]
            .outstanding
            .insert(id, (Tag::Phase(generation), self.now + timeout));
    }

    fn begin_status(&mut self, w: usize) {
        let pgs = self.writers[w].pgs.clone();
        self.set_phase(
            w,
            Phase::Status {
                deadline: self.now + REQUEST_TIMEOUT,
                waiting: REPLICAS_PER_PG * pgs.len(),
                highest: Epoch(0),
            },
        );
        for r in 0..REPLICAS_PER_PG as u8 {
            for pg in &pgs {
                self.phase_request(w, r, *pg, Request::Status { pg: *pg }, REQUEST_TIMEOUT);
            }
        }
    }

    fn begin_seal(&mut self, w: usize, epoch: Epoch) {
        let pgs = self.writers[w].pgs.clone();
        self.set_phase(
            w,
            Phase::Seal {
                epoch,
                deadline: self.now + SEAL_TIMEOUT,
                waiting: REPLICAS_PER_PG * pgs.len(),
                reports: Vec::new(),
                refused: None,
            },
        );
        event!(self, "w{w} seals {pgs:?} at epoch {epoch}");
        for r in 0..REPLICAS_PER_PG as u8 {
            for pg in &pgs {
                self.phase_request(w, r, *pg, Request::Seal { epoch, pg: *pg }, SEAL_TIMEOUT);
            }
        }
    }

    fn writer_step(&mut self, w: usize) {
        if matches!(self.writers[w].phase, Phase::Dead) {
            self.writers[w].inbox.clear();
            return;
        }
        let inbox = std::mem::take(&mut self.writers[w].inbox);
        for envelope in inbox {
            self.writer_receive(w, envelope);
            if matches!(self.writers[w].phase, Phase::Dead) {
                return;
            }
        }
        // Time-outs: a request not answered in time counts as failed.
        let now = self.now;
        let expired: Vec<(u64, Tag)> = self.writers[w]
            .outstanding
            .iter()
            .filter(|(_, (_, deadline))| *deadline <= now)
            .map(|(id, (tag, _))| (*id, tag.clone()))
            .collect();
        for (id, tag) in expired {
            self.writers[w].outstanding.remove(&id);
            match tag {
                Tag::Phase(generation) if generation == self.writers[w].generation => {
                    self.phase_answered(w);
                }
                Tag::Read {
                    op,
                    pg,
                    at,
                    need,
                    candidates,
                } => self.send_read(w, op, pg, at, need, candidates),
                _ => {}
            }
        }
        self.writer_advance(w);
    }

    fn phase_answered(&mut self, w: usize) {
        match &mut self.writers[w].phase {
            Phase::Status { waiting, .. }
            | Phase::Seal { waiting, .. }
            | Phase::Fetch { waiting, .. }
            | Phase::Rewrite { waiting, .. } => *waiting = waiting.saturating_sub(1),
            _ => {}
        }
    }

    fn writer_receive(&mut self, w: usize, envelope: Envelope) {
        let Payload::Response(response) = envelope.payload else {
            return;
        };
        let Node::Replica(r) = envelope.from else {
            return;
        };
        let pg = envelope.pg;
        let tag = self.writers[w]
            .outstanding
            .remove(&envelope.id)
            .map(|(tag, _)| tag);
        // Acks of this writer's writes count whenever they come (volume.rs
        // feeds every WriteAck to its state).
        if let Response::WriteAck { scl, .. } = response {
            self.on_write_ack(w, pg, ReplicaId(r), scl);
        }
        if let Response::Refused { epoch } = response {
            if !matches!(self.writers[w].phase, Phase::Seal { .. }) {
                if !self.writers[w].fenced {
                    event!(self, "w{w} fenced by epoch {epoch} (from r{r})");
                }
                self.writers[w].fenced = true;
            }
        }
        let Some(tag) = tag else {
            return; // late or duplicate answer
        };
        match tag {
            Tag::Phase(generation) if generation == self.writers[w].generation => {
                self.phase_answered(w);
                self.phase_response(w, ReplicaId(r), pg, response);
            }
            Tag::Phase(_) | Tag::Write => {}
            Tag::SplitAdvice { pg } => {
                if let Response::SplitAdvice {
                    live_bytes,
                    median: Some(median),
                    ..
                } = response
                {
                    if live_bytes >= self.cfg.faults.split_bytes {
                        self.split(w, pg, &median);
                    }
                }
            }
            Tag::Read {
                op,
                pg,
                at,
                need,
                candidates,
            } => {
                let seen = match response {
                    Response::Value { value } if matches!(op, ReadOp::Get(_)) => Seen::Value(value),
                    Response::Rows { rows, more } if matches!(op, ReadOp::Scan { .. }) => {
                        Seen::Rows(rows, more)
                    }
                    _ => return self.send_read(w, op, pg, at, need, candidates),
                };
                // Invariant 2, at once: nothing committed above the read
                // point is visible (the whole answer is checked at the end).
                let values: Vec<&[u8]> = match &seen {
                    Seen::Value(value) => value.iter().map(Vec::as_slice).collect(),
                    Seen::Rows(rows, _) => rows.iter().map(|(_, v)| v.as_slice()).collect(),
                };
                for value in values {
                    let txn = decode_txn(value);
                    let lsn = txn
                        .and_then(|t| self.txns.get(t as usize))
                        .map(|t| t.commit_lsn);
                    if lsn.is_none_or(|lsn| lsn > at) {
                        let message = format!(
                            "w{w} {op:?} at {at} from r{r}: saw txn {txn:?} committed at {lsn:?}, above the read point"
                        );
                        self.fail(message);
                    }
                }
                self.observations.push(Observation {
                    op,
                    at,
                    seen,
                    replica: r,
                    writer: w as u32,
                });
            }
        }
    }

    fn phase_response(&mut self, w: usize, replica: ReplicaId, pg: PgId, response: Response) {
        if let (Phase::Rewrite { .. }, Response::Refused { epoch }) =
            (&self.writers[w].phase, &response)
        {
            // volume.rs: the open fails with Fenced.
            event!(self, "w{w} fenced during recovery by epoch {epoch}");
            self.set_phase(w, Phase::Dead);
            return;
        }
        let writer = &mut self.writers[w];
        match (&mut writer.phase, response) {
            (Phase::Status { highest, .. }, Response::Status { epoch, .. }) => {
                *highest = (*highest).max(epoch);
            }
            (
                Phase::Seal {
                    reports, refused, ..
                },
                response,
            ) => match response {
                Response::Sealed {
                    history,
                    vdl_hint,
                    last_lsn_at_or_below_hint,
                    headers,
                    hosted,
                    ..
                } => reports.push(SealReport {
                    pg,
                    replica,
                    history,
                    vdl_hint,
                    last_lsn_at_or_below_hint,
                    headers,
                    hosted,
                }),
                Response::Refused { epoch } => *refused = Some(epoch),
                _ => {}
            },
            (Phase::Fetch { plan, found, .. }, Response::Records { records, .. }) => {
                let wanted = plan
                    .records_to_rewrite
                    .iter()
                    .find(|(p, _)| *p == pg)
                    .map(|(_, lsns)| lsns.clone())
                    .unwrap_or_default();
                for record in records {
                    if wanted.contains(&record.lsn()) && plan.is_recovered_record(&record) {
                        found.entry(record.lsn()).or_insert(record);
                    }
                }
            }
            (
                Phase::Rewrite {
                    plan,
                    pgs,
                    index,
                    caught_up,
                    ..
                },
                Response::WriteAck { scl, .. },
            ) if pg == pgs[*index] && scl >= plan.pg_tails[&pg] => {
                caught_up[replica.index()] = true;
            }
            (Phase::ReadMap { found, .. }, Response::Value { value }) if pg == PgId(0) => {
                let map = match value {
                    None => Ok(self.initial_map.clone()),
                    Some(bytes) => Partitioning::decode(&bytes),
                };
                match map {
                    Ok(map) => *found = Some(map),
                    Err(error) => {
                        let message = format!("w{w} read a corrupt partition map: {error}");
                        self.fail(message);
                    }
                }
            }
            _ => {}
        }
    }

    fn on_write_ack(&mut self, w: usize, pg: PgId, replica: ReplicaId, scl: Lsn) {
        let writer = &mut self.writers[w];
        let slot = writer
            .rewrite_scls
            .entry(pg)
            .or_insert([Lsn::ZERO; REPLICAS_PER_PG]);
        slot[replica.index()] = slot[replica.index()].max(scl);
        let advanced = match &mut writer.phase {
            Phase::Active(state) => state.on_ack(pg, replica, scl),
            _ => false,
        };
        if advanced {
            self.on_vdl_advanced(w);
        }
    }

    fn on_vdl_advanced(&mut self, w: usize) {
        let Phase::Active(state) = &self.writers[w].phase else {
            return;
        };
        let vdl = state.vdl();
        let epoch = state.epoch();
        if vdl < self.writers[w].last_vdl {
            self.fail(format!(
                "w{w} VDL went back from {} to {vdl}",
                self.writers[w].last_vdl
            ));
        }
        self.writers[w].last_vdl = vdl;
        self.max_vdl_seen = self.max_vdl_seen.max(vdl);
        // Invariant 3: a newer writer's plan bounds what an older one may
        // still call durable.
        for plan in &self.plans {
            if plan.epoch > epoch && vdl > plan.vdl {
                let message = format!(
                    "w{w} (epoch {epoch}) reached VDL {vdl} above the VDL {} that w{} (epoch {}) recovered to",
                    plan.vdl, plan.writer, plan.epoch
                );
                self.fail(message);
                return;
            }
        }
        if self.writers[w].fenced {
            // volume.rs: a commit that wakes up fenced reports the fence.
            return;
        }
        let pending = std::mem::take(&mut self.writers[w].pending);
        let mut still = Vec::new();
        for index in pending {
            if self.txns[index].commit_lsn <= vdl {
                self.txns[index].acked_at = Some(self.now);
                self.max_acked_lsn = self.max_acked_lsn.max(self.txns[index].commit_lsn);
                event!(
                    self,
                    "w{w} ack txn {index} at {}",
                    self.txns[index].commit_lsn
                );
            } else {
                still.push(index);
            }
        }
        self.writers[w].pending = still;
    }

    /// Moves a writer's state machine along (timers, phase completion,
    /// workload).
    fn writer_advance(&mut self, w: usize) {
        let now = self.now;
        match &self.writers[w].phase {
            Phase::Dead => {}
            Phase::Status {
                deadline,
                waiting,
                highest,
            } => {
                if *waiting == 0 || *deadline <= now {
                    let epoch = Epoch(highest.0 + 1);
                    self.begin_seal(w, epoch);
                }
            }
            Phase::SealRetry { epoch, at } => {
                if *at <= now {
                    let epoch = *epoch;
                    self.begin_seal(w, epoch);
                }
            }
            Phase::Seal {
                epoch,
                deadline,
                waiting,
                reports,
                refused,
            } => {
                if *waiting > 0 && *deadline > now {
                    return;
                }
                let epoch = *epoch;
                if let Some(newer) = *refused {
                    let next = Epoch(newer.0.max(epoch.0) + 1);
                    event!(
                        self,
                        "w{w} seal at {epoch} refused by {newer}: trying {next}"
                    );
                    self.begin_seal(w, next);
                    return;
                }
                let pgs = self.writers[w].pgs.clone();
                let wanted = pgs_to_seal(&pgs, reports);
                if wanted != pgs {
                    // volume.rs: replicas host PGs (made by splits) not
                    // sealed yet; seal them all at a new epoch.
                    let next = Epoch(epoch.0 + 1);
                    event!(
                        self,
                        "w{w} replicas host {wanted:?}: sealing them all at {next}"
                    );
                    self.writers[w].pgs = wanted;
                    self.begin_seal(w, next);
                    return;
                }
                match plan_recovery(epoch, &pgs, reports) {
                    Ok(plan) => self.plan_made(w, plan),
                    Err(RecoveryError::NoReadQuorum { pg, reports }) => {
                        event!(
                            self,
                            "w{w} no read quorum for {pg} ({reports} reports): waiting"
                        );
                        self.set_phase(
                            w,
                            Phase::SealRetry {
                                epoch,
                                at: now + NO_QUORUM_RETRY_TICKS,
                            },
                        );
                    }
                    Err(error) => {
                        let message = format!("w{w} recovery at epoch {epoch} failed: {error}");
                        self.fail(message);
                    }
                }
            }
            Phase::Fetch {
                plan,
                deadline,
                waiting,
                found,
                found_before_round,
            } => {
                if *waiting > 0 && *deadline > now {
                    return;
                }
                let mut records: BTreeMap<PgId, Vec<LogRecord>> = BTreeMap::new();
                let mut missing = 0;
                for (pg, lsns) in &plan.records_to_rewrite {
                    for lsn in lsns {
                        match found.get(lsn) {
                            Some(record) => records.entry(*pg).or_default().push(record.clone()),
                            None => missing += 1,
                        }
                    }
                }
                if missing > 0 && found.len() > *found_before_round {
                    // Bounded answers: ask again for what is still missing.
                    self.ask_for_missing_records(w);
                    return;
                }
                if missing > 0 {
                    // volume.rs: the open fails; the caller opens again.
                    event!(
                        self,
                        "w{w} {missing} records to rewrite not found: recovering again"
                    );
                    self.begin_status(w);
                    return;
                }
                let plan = plan.clone();
                let pgs: Vec<PgId> = plan.pg_tails.keys().copied().collect();
                self.set_phase(
                    w,
                    Phase::Rewrite {
                        plan,
                        records,
                        pgs,
                        index: 0,
                        caught_up: [false; REPLICAS_PER_PG],
                        first: true,
                        deadline: 0,
                        waiting: 0,
                        retry_at: Some(now),
                    },
                );
                self.writer_advance(w);
            }
            Phase::Rewrite {
                plan,
                pgs,
                index,
                caught_up,
                deadline,
                waiting,
                retry_at,
                ..
            } => {
                let pg_now = pgs[*index];
                let last = *index + 1 == pgs.len();
                if let Some(at) = *retry_at {
                    if at > now {
                        return;
                    }
                    // Send a round of writes to the replicas not caught up;
                    // answers to an earlier round no longer count.
                    let plan = plan.clone();
                    let caught_up = *caught_up;
                    self.writers[w].generation += 1;
                    let (records, first) = match &mut self.writers[w].phase {
                        Phase::Rewrite {
                            records,
                            first,
                            deadline,
                            waiting,
                            retry_at,
                            ..
                        } => {
                            let sent = if *first {
                                records.get(&pg_now).cloned().unwrap_or_default()
                            } else {
                                Vec::new()
                            };
                            let was_first = *first;
                            *first = false;
                            *deadline = now + REQUEST_TIMEOUT;
                            *waiting = caught_up.iter().filter(|c| !**c).count();
                            *retry_at = None;
                            (sent, was_first)
                        }
                        _ => unreachable!(),
                    };
                    if first {
                        event!(
                            self,
                            "w{w} rewrites {pg_now}: {} records, tail {}",
                            records.len(),
                            plan.pg_tails[&pg_now]
                        );
                    }
                    for (r, done) in caught_up.iter().enumerate() {
                        if *done {
                            continue;
                        }
                        let request = Request::Write {
                            epoch: plan.epoch,
                            history: plan.history.clone(),
                            pg: pg_now,
                            // Not yet plan.vdl: durable only once the
                            // rewrite reaches a write quorum.
                            vdl: plan.committed,
                            min_read_lsn: Lsn::ZERO,
                            records: records.clone(),
                        };
                        self.phase_request(w, r as u8, pg_now, request, REQUEST_TIMEOUT);
                    }
                    return;
                }
                if *waiting > 0 && *deadline > now {
                    return;
                }
                if caught_up.iter().filter(|c| **c).count() < WRITE_QUORUM {
                    if let Phase::Rewrite { retry_at, .. } = &mut self.writers[w].phase {
                        *retry_at = Some(now + REWRITE_RETRY_TICKS);
                    }
                    return;
                }
                if !last {
                    if let Phase::Rewrite {
                        index,
                        caught_up,
                        first,
                        retry_at,
                        ..
                    } = &mut self.writers[w].phase
                    {
                        *index += 1;
                        *caught_up = [false; REPLICAS_PER_PG];
                        *first = true;
                        *retry_at = Some(now);
                    }
                    self.writer_advance(w);
                    return;
                }
                let plan = plan.clone();
                self.set_phase(
                    w,
                    Phase::ReadMap {
                        plan,
                        retry_at: now,
                        found: None,
                    },
                );
                self.writer_advance(w);
            }
            Phase::ReadMap {
                plan,
                retry_at,
                found,
            } => {
                if let Some(map) = found {
                    let (plan, map) = (plan.clone(), map.clone());
                    self.recovered(w, &plan, map);
                    return;
                }
                if *retry_at > now {
                    return;
                }
                // volume.rs: ask the replicas of PG 0 the rewrite found
                // caught up, until one answers.
                let plan = plan.clone();
                let need = plan.pg_tails.get(&PgId(0)).copied().unwrap_or(Lsn::ZERO);
                let scls = self.writers[w]
                    .rewrite_scls
                    .get(&PgId(0))
                    .copied()
                    .unwrap_or([Lsn::ZERO; REPLICAS_PER_PG]);
                if let Phase::ReadMap { retry_at, .. } = &mut self.writers[w].phase {
                    *retry_at = now + REQUEST_TIMEOUT;
                }
                for (r, scl) in scls.iter().enumerate() {
                    if *scl < need {
                        continue;
                    }
                    let request = Request::Get {
                        pg: PgId(0),
                        key: MAP_KEY.to_vec(),
                        at: plan.vdl,
                        need,
                    };
                    self.phase_request(w, r as u8, PgId(0), request, REQUEST_TIMEOUT);
                }
            }
            Phase::Active(_) => self.active_step(w),
        }
    }

    fn plan_made(&mut self, w: usize, plan: RecoveryPlan) {
        event!(
            self,
            "w{w} plan: epoch {} committed {} vdl {} next {} tails {:?} rewrite {:?} history {:?}",
            plan.epoch,
            plan.committed,
            plan.vdl,
            plan.next_lsn,
            plan.pg_tails,
            plan.records_to_rewrite,
            plan.history.truncations()
        );
        // Invariant 5: no acknowledged commit and no VDL ever published is
        // above the new VDL.
        if plan.vdl < self.max_acked_lsn || plan.vdl < self.max_vdl_seen {
            let message = format!(
                "w{w} recovered to VDL {} below an acknowledged commit ({}) or a published VDL ({})",
                plan.vdl, self.max_acked_lsn, self.max_vdl_seen
            );
            self.fail(message);
            return;
        }
        self.plans.push(PlanMade {
            writer: w as u32,
            epoch: plan.epoch,
            vdl: plan.vdl,
            at: self.now,
            completed: false,
        });
        self.set_phase(
            w,
            Phase::Fetch {
                plan: Box::new(plan),
                deadline: self.now,
                waiting: 0,
                found: BTreeMap::new(),
                found_before_round: 0,
            },
        );
        self.ask_for_missing_records(w);
    }

    /// One round of the fetch phase: asks every replica for the records to
    /// rewrite not found yet.
    fn ask_for_missing_records(&mut self, w: usize) {
        let now = self.now;
        let Phase::Fetch {
            plan,
            deadline,
            waiting,
            found,
            found_before_round,
        } = &mut self.writers[w].phase
        else {
            return;
        };
        let wanted: Vec<(PgId, Vec<Lsn>)> = plan
            .records_to_rewrite
            .iter()
            .map(|(pg, lsns)| {
                let missing = lsns
                    .iter()
                    .copied()
                    .filter(|l| !found.contains_key(l))
                    .take(BATCH_RECORDS_MAX);
                (*pg, missing.collect::<Vec<_>>())
            })
            .filter(|(_, lsns)| !lsns.is_empty())
            .collect();
        *deadline = now + REQUEST_TIMEOUT;
        *waiting = wanted.len() * REPLICAS_PER_PG;
        *found_before_round = found.len();
        for (pg, lsns) in wanted {
            for r in 0..REPLICAS_PER_PG as u8 {
                let request = Request::FetchExact {
                    pg,
                    lsns: lsns.clone(),
                };
                self.phase_request(w, r, pg, request, REQUEST_TIMEOUT);
            }
        }
    }

    fn recovered(&mut self, w: usize, plan: &RecoveryPlan, map: Partitioning) {
        // Invariant 6: the map a writer recovers is the one the committed
        // splits made (a split's map takes effect at its CPL).
        let expected = self.committed_map_at(plan.vdl, &plan.history);
        if map != expected {
            let message = format!(
                "w{w} recovered the map {map:?} at {}, but the committed splits make {expected:?}",
                plan.vdl
            );
            self.fail(message);
            return;
        }
        if let Some(pg) = map.pgs().find(|pg| !plan.pg_tails.contains_key(pg)) {
            let message = format!("w{w} recovered a map naming {pg}, which it did not seal");
            self.fail(message);
            return;
        }
        let mut state = WriterState::after_recovery(plan, map);
        let scls = self.writers[w].rewrite_scls.clone();
        for (pg, scls) in &scls {
            for (r, scl) in scls.iter().enumerate() {
                state.on_ack(*pg, ReplicaId(r as u8), *scl);
            }
        }
        self.recoveries += 1;
        if let Some(made) = self
            .plans
            .iter_mut()
            .rev()
            .find(|p| p.writer == w as u32 && p.epoch == plan.epoch)
        {
            made.completed = true;
        }
        event!(
            self,
            "w{w} recovered: epoch {} vdl {}",
            plan.epoch,
            state.vdl()
        );
        self.writers[w].last_vdl = state.vdl();
        self.max_vdl_seen = self.max_vdl_seen.max(state.vdl());
        self.writers[w].next_heartbeat = self.now + HEARTBEAT_TICKS;
        self.set_phase(w, Phase::Active(Box::new(state)));
    }

    /// The writer's PGMRPL: the oldest read point of its reads in flight,
    /// or its VDL (volume.rs gets it from the compute's oldest snapshot).
    fn min_read_lsn(&self, w: usize) -> Lsn {
        let Phase::Active(state) = &self.writers[w].phase else {
            return Lsn::ZERO;
        };
        self.writers[w]
            .outstanding
            .values()
            .filter_map(|(tag, _)| match tag {
                Tag::Read { at, .. } => Some(*at),
                _ => None,
            })
            .fold(state.vdl(), Lsn::min)
    }

    fn active_step(&mut self, w: usize) {
        if self.writers[w].fenced {
            // volume.rs: every commit now fails, the heartbeat stops.
            self.set_phase(w, Phase::Dead);
            return;
        }
        let now = self.now;
        if now >= self.writers[w].next_heartbeat {
            self.writers[w].next_heartbeat = now + HEARTBEAT_TICKS;
            self.writers[w].heartbeats += 1;
            let everyone = self.writers[w]
                .heartbeats
                .is_multiple_of(HEARTBEATS_TO_EVERYONE);
            let min_read_lsn = self.min_read_lsn(w);
            let Phase::Active(state) = &self.writers[w].phase else {
                unreachable!()
            };
            let mut sends = Vec::new();
            for pg in state.pgs() {
                let targets: Vec<ReplicaId> = if everyone {
                    ReplicaId::all().collect()
                } else {
                    state.lagging_replicas(pg)
                };
                for replica in targets {
                    sends.push((
                        replica,
                        pg,
                        Request::Write {
                            epoch: state.epoch(),
                            history: state.history().clone(),
                            pg,
                            vdl: state.vdl(),
                            min_read_lsn,
                            records: Vec::new(),
                        },
                    ));
                }
            }
            for (replica, pg, request) in sends {
                self.write_request(w, replica.0, pg, request);
            }
        }
        if self.writers[w].workload
            && self.writers[w].pending.len() < TXNS_IN_FLIGHT_MAX
            && self.rng.chance(self.cfg.txn_rate)
        {
            self.start_txn(w);
        }
        if self.rng.chance(self.cfg.read_rate) {
            self.start_read(w);
        }
        if self.writers[w].workload && self.rng.chance(self.cfg.faults.split_rate) {
            self.check_split(w);
        }
    }

    /// volume.rs's split trigger: ask a replica covering a PG of the map
    /// for its live size and median key at the VDL; the answer splits it
    /// if it passed the (tiny) limit.
    fn check_split(&mut self, w: usize) {
        let Phase::Active(state) = &self.writers[w].phase else {
            return;
        };
        let pgs: Vec<PgId> = state.map().pgs().collect();
        let pg = *self.rng.pick(&pgs);
        let Phase::Active(state) = &self.writers[w].phase else {
            return;
        };
        let vdl = state.vdl();
        let need = state.read_need(pg, vdl);
        let candidates = state.replicas_covering(pg, need);
        let Some((start, end)) = state.map().range_of(pg) else {
            return;
        };
        if candidates.is_empty() {
            return;
        }
        let replica = *self.rng.pick(&candidates);
        let request = Request::SplitAdvice {
            pg,
            start,
            end,
            at: vdl,
            need,
        };
        let id = self.request(
            Node::Writer(w as u32),
            Node::Replica(replica.0),
            pg,
            request,
        );
        self.writers[w]
            .outstanding
            .insert(id, (Tag::SplitAdvice { pg }, self.now + REQUEST_TIMEOUT));
    }

    /// Splits `pg` at `key` (volume.rs `Volume::split`): one atomic group
    /// sent like a commit's, not waited for.
    pub fn split(&mut self, w: usize, pg: PgId, key: &[u8]) {
        if self.writers[w].fenced {
            return;
        }
        let min_read_lsn = self.min_read_lsn(w);
        let Phase::Active(state) = &mut self.writers[w].phase else {
            return;
        };
        let Ok(Some(records)) = state.allocate_split(pg, key) else {
            return;
        };
        let epoch = state.epoch();
        let history = state.history().clone();
        let vdl = state.vdl();
        let map = state.map().clone();
        let cpl = records.last().expect("a split has records").lsn();
        event!(
            self,
            "w{w} splits {pg} at {key:?} into {}: lsns {}..={cpl}",
            records[1].header.pg,
            records[0].lsn()
        );
        self.splits.push(SplitMade {
            writer: w as u32,
            sent_at: self.now,
            epoch,
            cpl,
            map,
        });
        for record in records {
            let pg = record.header.pg;
            for r in 0..REPLICAS_PER_PG as u8 {
                let request = Request::Write {
                    epoch,
                    history: history.clone(),
                    pg,
                    vdl,
                    min_read_lsn,
                    records: vec![record.clone()],
                };
                self.write_request(w, r, pg, request);
            }
        }
    }

    /// Splits a PG of the current writer's map at `key` now (scripted
    /// scenarios). Returns the new PG, if the split was allocated.
    pub fn split_now(&mut self, pg: u32, key: &[u8]) -> Option<u32> {
        let w = self.current?;
        self.split_by(w as u32, pg, key)
    }

    /// Writer `w` (the current one or a zombie) splits a PG of its map at
    /// `key`. Returns the new PG, if the split was allocated.
    pub fn split_by(&mut self, w: u32, pg: u32, key: &[u8]) -> Option<u32> {
        let w = w as usize;
        let before = self.splits.len();
        self.split(w, PgId(pg), key);
        (self.splits.len() > before).then(|| self.splits[before].map.pg_of(key).0)
    }

    /// The map the committed splits make as of `at`, under `history`
    /// (which voids the splits of writers that never finished them).
    fn committed_map_at(&self, at: Lsn, history: &EpochHistory) -> Partitioning {
        self.splits
            .iter()
            .filter(|s| s.cpl <= at && !history.voids(s.epoch, s.cpl))
            .max_by_key(|s| s.cpl)
            .map_or_else(|| self.initial_map.clone(), |s| s.map.clone())
    }

    fn write_request(&mut self, w: usize, r: u8, pg: PgId, request: Request) {
        let id = self.request(Node::Writer(w as u32), Node::Replica(r), pg, request);
        self.writers[w]
            .outstanding
            .insert(id, (Tag::Write, self.now + REQUEST_TIMEOUT));
    }

    fn start_txn(&mut self, w: usize) {
        let count = self.rng.between(1, 3.min(self.keys.len() as u64)) as usize;
        let mut chosen: Vec<Vec<u8>> = Vec::new();
        while chosen.len() < count {
            let key = self.rng.pick(&self.keys).clone();
            if !chosen.contains(&key) {
                chosen.push(key);
            }
        }
        self.commit_keys(w, chosen);
    }

    /// Starts a transaction on the current (active) writer that writes
    /// `keys` (distinct keys of [`Sim::keys_of_pg`]).
    pub fn commit(&mut self, keys: Vec<Vec<u8>>) {
        let w = self.current.expect("a current writer");
        assert!(matches!(self.writers[w].phase, Phase::Active(_)));
        self.commit_keys(w, keys);
    }

    /// The keys the workload uses in `pg`.
    /// Writer `w` (active, perhaps a zombie) starts a transaction writing
    /// `keys`.
    pub fn commit_by(&mut self, w: u32, keys: Vec<Vec<u8>>) {
        assert!(matches!(self.writers[w as usize].phase, Phase::Active(_)));
        self.commit_keys(w as usize, keys);
    }

    /// The keys the workload uses in `pg` of the initial map.
    pub fn keys_of_pg(&self, pg: u32) -> Vec<Vec<u8>> {
        self.keys
            .iter()
            .filter(|k| self.initial_map.pg_of(k) == PgId(pg))
            .cloned()
            .collect()
    }

    /// The PG writer `w` is re-replicating, if it is in that phase.
    pub fn rewriting_pg(&self, w: u32) -> Option<u32> {
        match &self.writers[w as usize].phase {
            Phase::Rewrite { pgs, index, .. } => Some(pgs[*index].0),
            _ => None,
        }
    }

    fn commit_keys(&mut self, w: usize, chosen: Vec<Vec<u8>>) {
        let index = self.txns.len();
        let mut writes = Vec::new();
        let mut mutations = Vec::new();
        for key in chosen {
            let value = if self.rng.chance(0.15) {
                None
            } else {
                Some(index as u64)
            };
            mutations.push(Mutation {
                key: key.clone(),
                value: value.map(encode_txn),
            });
            writes.push((key, value));
        }
        let min_read_lsn = self.min_read_lsn(w);
        let Phase::Active(state) = &mut self.writers[w].phase else {
            unreachable!()
        };
        // Routed by the newest map under the allocation (volume.rs).
        let Ok(records) = state.allocate_commit(mutations) else {
            return; // over the LSN allocation limit: wait for VDL
        };
        let epoch = state.epoch();
        let history = state.history().clone();
        let vdl = state.vdl();
        let commit_lsn = records.last().expect("a group has records").lsn();
        event!(
            self,
            "w{w} txn {index}: lsns {}..={commit_lsn} writes {writes:?}",
            records[0].lsn()
        );
        self.txns.push(Txn {
            writer: w as u32,
            epoch,
            commit_lsn,
            writes,
            sent_at: self.now,
            acked_at: None,
        });
        self.writers[w].pending.push(index);
        for record in records {
            let pg = record.header.pg;
            for r in 0..REPLICAS_PER_PG as u8 {
                let request = Request::Write {
                    epoch,
                    history: history.clone(),
                    pg,
                    vdl,
                    min_read_lsn,
                    records: vec![record.clone()],
                };
                self.write_request(w, r, pg, request);
            }
        }
    }

    fn start_read(&mut self, w: usize) {
        let key = self.rng.pick(&self.keys).clone();
        let Phase::Active(state) = &self.writers[w].phase else {
            return;
        };
        // Routed by the map as of the read point (volume.rs).
        let at = state.vdl();
        let map = state.map_at(at);
        let pg = map.pg_of(&key);
        let (range_start, range_end) = map.range_of(pg).expect("a mapped PG");
        let op = if self.rng.chance(0.3) {
            // Scans start above the map's reserved key (the engine's
            // keys all do).
            let range_start = if range_start.as_slice() == MAP_KEY {
                vec![0]
            } else {
                range_start
            };
            let start = if self.rng.chance(0.5) {
                range_start
            } else {
                key
            };
            let limit = self.rng.between(1, u64::from(self.cfg.keys_per_pg) + 1) as u32;
            ReadOp::Scan {
                start,
                end: range_end,
                limit,
            }
        } else {
            ReadOp::Get(key)
        };
        let Phase::Active(state) = &self.writers[w].phase else {
            return;
        };
        let need = state.read_need(pg, at);
        let mut candidates = state.replicas_covering(pg, need);
        if candidates.is_empty() {
            return;
        }
        let turn = self.rng.below(candidates.len() as u64) as usize;
        candidates.rotate_left(turn);
        self.send_read(w, op, pg, at, need, candidates);
    }

    /// Sends a read to the next candidate replica (volume.rs tries them in
    /// turn until one answers).
    fn send_read(
        &mut self,
        w: usize,
        op: ReadOp,
        pg: PgId,
        at: Lsn,
        need: Lsn,
        mut candidates: Vec<ReplicaId>,
    ) {
        if candidates.is_empty() || matches!(self.writers[w].phase, Phase::Dead) {
            return;
        }
        let replica = candidates.remove(0);
        let request = match &op {
            ReadOp::Get(key) => Request::Get {
                pg,
                key: key.clone(),
                at,
                need,
            },
            ReadOp::Scan { start, end, limit } => Request::Scan {
                pg,
                start: start.clone(),
                end: end.clone(),
                at,
                need,
                limit: *limit,
            },
        };
        let id = self.request(
            Node::Writer(w as u32),
            Node::Replica(replica.0),
            pg,
            request,
        );
        self.writers[w].outstanding.insert(
            id,
            (
                Tag::Read {
                    op,
                    pg,
                    at,
                    need,
                    candidates,
                },
                self.now + REQUEST_TIMEOUT,
            ),
        );
    }

    // ------------------------------------------------------------ the end

    /// Heals everything, lets a new writer recover and the replicas
    /// converge, then checks every invariant against the model.
    pub fn finish(&mut self) -> Result<Summary, String> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        event!(self, "final phase: heal, recover, converge, check");
        self.set_faults(false);
        self.heal_network();
        for r in 0..REPLICAS_PER_PG as u8 {
            self.restart_replica(r);
        }
        for w in 0..self.writers.len() {
            if !matches!(self.writers[w].phase, Phase::Dead) {
                self.writers[w].phase = Phase::Dead;
            }
        }
        self.current = None;
        self.start_writer();
        let w = self.current.expect("a final writer");
        let recovered = self.run_until(FINAL_TICKS_MAX, |sim| sim.writer_is_active(w as u32))?;
        if !recovered {
            return Err(format!(
                "the final writer did not recover within {FINAL_TICKS_MAX} ticks after healing (phase {})",
                self.writers[w].phase.name()
            ));
        }
        // Writes go on once everything is healed.
        let acked_before = self.acked_by(w as u32);
        let progressed =
            self.run_until(FINAL_TICKS_MAX, |sim| sim.acked_by(w as u32) > acked_before)?;
        if !progressed {
            return Err("no commit was acknowledged after healing".into());
        }
        self.set_workload(false);
        let converged = self.run_until(FINAL_TICKS_MAX, |sim| {
            let Phase::Active(state) = &sim.writers[w].phase else {
                return false;
            };
            state.in_flight_count() == 0
                && state.pgs().into_iter().all(|pg| {
                    let tail = state.read_need(pg, state.vdl());
                    sim.replicas.iter().all(|replica| {
                        replica
                            .segments
                            .as_ref()
                            .and_then(|s| s.get(&pg))
                            .is_some_and(|s| s.scl() == tail && s.history() == state.history())
                    })
                })
        })?;
        let Phase::Active(state) = &self.writers[w].phase else {
            return Err(format!(
                "the final writer is {}",
                self.writers[w].phase.name()
            ));
        };
        if !converged {
            let scls: Vec<Vec<Option<Lsn>>> = state
                .pgs()
                .into_iter()
                .map(|pg| self.replicas.iter().map(|r| r.scl(pg)).collect())
                .collect();
            let tails: Vec<Lsn> = state
                .pgs()
                .into_iter()
                .map(|pg| state.read_need(pg, state.vdl()))
                .collect();
            return Err(format!(
                "replicas did not converge: scls {scls:?}, tails {tails:?}, in flight {}",
                state.in_flight_count()
            ));
        }
        let vdl = state.vdl();
        let history = state.history().clone();
        let needs: BTreeMap<PgId, Lsn> = state
            .pgs()
            .into_iter()
            .map(|pg| (pg, state.read_need(pg, vdl)))
            .collect();
        let map = state.map().clone();
        let expected_map = self.committed_map_at(vdl, &history);
        // Invariant 3 for splits: one sent after a newer writer sealed (and
        // finished its recovery) never takes effect.
        for split in &self.splits {
            if split.cpl <= vdl && !history.voids(split.epoch, split.cpl) {
                if let Some(plan) = self
                    .plans
                    .iter()
                    .find(|p| p.completed && p.epoch > split.epoch && p.at < split.sent_at)
                {
                    return Err(format!(
                        "a zombie split of w{} (epoch {}, cpl {}) became committed after w{} sealed",
                        split.writer, split.epoch, split.cpl, plan.writer
                    ));
                }
            }
        }
        if map != expected_map {
            return Err(format!(
                "the final writer routes by {map:?}, the committed splits make {expected_map:?}"
            ));
        }
        self.check_final(vdl, &history, &needs)?;
        let splits = self
            .splits
            .iter()
            .filter(|s| s.cpl <= vdl && !history.voids(s.epoch, s.cpl))
            .count();
        Ok(Summary {
            seed: self.cfg.seed,
            ticks: self.now,
            events: self.log.events,
            event_hash: self.log.hash,
            txns: self.txns.len(),
            acked: self.acked_count(),
            committed: self
                .txns
                .iter()
                .filter(|t| t.commit_lsn <= vdl && !history.voids(t.epoch, t.commit_lsn))
                .count(),
            writers: self.writers.len(),
            recoveries: self.recoveries,
            reads: self.observations.len(),
            scans: self
                .observations
                .iter()
                .filter(|o| matches!(o.op, ReadOp::Scan { .. }))
                .count(),
            splits,
            final_vdl: vdl,
        })
    }

    fn check_final(
        &mut self,
        vdl: Lsn,
        history: &EpochHistory,
        needs: &BTreeMap<PgId, Lsn>,
    ) -> Result<(), String> {
        // Which transactions the volume holds: at or below the final VDL and
        // not voided by any writer's truncation.
        let committed: Vec<bool> = self
            .txns
            .iter()
            .map(|t| t.commit_lsn <= vdl && !history.voids(t.epoch, t.commit_lsn))
            .collect();
        for (index, txn) in self.txns.iter().enumerate() {
            if txn.acked_at.is_some() && !committed[index] {
                return Err(format!(
                    "acknowledged txn {index} (w{}, epoch {}, lsn {}) was lost: final VDL {vdl}, history {:?}",
                    txn.writer,
                    txn.epoch,
                    txn.commit_lsn,
                    history.truncations()
                ));
            }
            // Invariant 3: once a newer writer sealed a read quorum (and
            // went on to make its recovery durable), an older one's new
            // writes never become part of the volume. (A seal alone fences
            // the old writer's acknowledgements, checked as they happen; if
            // the sealing writer dies before its rewrite, a later one may
            // legitimately recover the old writer's unacknowledged tail.)
            if committed[index] {
                if let Some(plan) = self
                    .plans
                    .iter()
                    .find(|p| p.completed && p.epoch > txn.epoch && p.at < txn.sent_at)
                {
                    return Err(format!(
                        "zombie txn {index} (w{}, epoch {}, lsn {}) sent at {} after w{} (epoch {}) sealed at {} became committed",
                        txn.writer, txn.epoch, txn.commit_lsn, txn.sent_at, plan.writer, plan.epoch, plan.at
                    ));
                }
            }
        }
        // The model: per key, its committed writes in LSN order.
        let mut order: Vec<usize> = (0..self.txns.len()).filter(|i| committed[*i]).collect();
        order.sort_by_key(|i| self.txns[*i].commit_lsn);
        let mut model: BTreeMap<Vec<u8>, Vec<(Lsn, Option<u64>)>> = BTreeMap::new();
        for index in order {
            let txn = &self.txns[index];
            for (key, value) in &txn.writes {
                model
                    .entry(key.clone())
                    .or_default()
                    .push((txn.commit_lsn, *value));
            }
        }
        let expect = |key: &[u8], at: Lsn| -> Option<Vec<u8>> {
            model
                .get(key)
                .and_then(|writes| writes.iter().rev().find(|(lsn, _)| *lsn <= at))
                .and_then(|(_, value)| value.map(encode_txn))
        };
        // Invariant 2: every read during the run saw exactly the committed
        // state at its read point.
        for observation in &self.observations {
            let expected = match &observation.op {
                ReadOp::Get(key) => Seen::Value(expect(key, observation.at)),
                ReadOp::Scan {
                    start, end, limit, ..
                } => {
                    let mut rows: Vec<(Vec<u8>, Vec<u8>)> = self
                        .keys
                        .iter()
                        .filter(|k| {
                            k.as_slice() >= start.as_slice()
                                && end.as_ref().is_none_or(|end| k.as_slice() < end.as_slice())
                        })
                        .filter_map(|k| expect(k, observation.at).map(|v| (k.clone(), v)))
                        .collect();
                    rows.sort();
                    let more = rows.len() > *limit as usize;
                    rows.truncate(*limit as usize);
                    Seen::Rows(rows, more)
                }
            };
            if observation.seen != expected {
                return Err(format!(
                    "w{} read {:?} at {} from r{}: got {:?}, the committed state holds {:?}",
                    observation.writer,
                    observation.op,
                    observation.at,
                    observation.replica,
                    observation.seen,
                    expected
                ));
            }
        }
        // Invariants 1 and 4: every replica answers every key, at the final
        // VDL and at earlier committed read points, with the model's value.
        let mut read_points: Vec<Lsn> = vec![vdl];
        let mut committed_lsns: Vec<Lsn> = self
            .txns
            .iter()
            .enumerate()
            .filter(|(i, _)| committed[*i])
            .map(|(_, t)| t.commit_lsn)
            .collect();
        // Reads right at a split's CPL too (the first read point of its map).
        committed_lsns.extend(
            self.splits
                .iter()
                .filter(|s| s.cpl <= vdl && !history.voids(s.epoch, s.cpl))
                .map(|s| s.cpl),
        );
        for _ in 0..6 {
            if !committed_lsns.is_empty() {
                read_points.push(*self.rng.pick(&committed_lsns));
            }
        }
        // Every segment applies through the VDL and finishes its genesis
        // fill (sources first: they have lower PG ids).
        for r in 0..REPLICAS_PER_PG {
            for (pg, need) in needs {
                let segment = self.replicas[r].segment(*pg);
                segment
                    .get(MAP_KEY, vdl, *need)
                    .map_err(|e| e.to_string())?;
                while self.fill_genesis(r, *pg, usize::MAX) {}
                if self.replicas[r].segment(*pg).genesis_wanted().is_some() {
                    return Err(format!("r{r} {pg} cannot finish its genesis fill"));
                }
            }
        }
        let maps: Vec<(Lsn, Partitioning)> = read_points
            .iter()
            .map(|at| (*at, self.committed_map_at(*at, history)))
            .collect();
        let keys = self.keys.clone();
        for replica in &mut self.replicas {
            let r = replica.id;
            let segments = replica.segments.as_mut().expect("every replica is up");
            for key in &keys {
                for (at, map) in &maps {
                    // Routed by the map as of the read point.
                    let pg = map.pg_of(key);
                    let need = needs[&pg].min(*at);
                    let segment = segments.get_mut(&pg).expect("a hosted PG");
                    let got = segment.get(key, *at, need).map_err(|e| e.to_string())?;
                    let expected = expect(key, *at);
                    let collected = *at < segment.gc_horizon();
                    match got {
                        Response::Value { value } if value == expected => {}
                        // Below the garbage-collection horizon a read must
                        // be refused, never answered from a partial history.
                        Response::Error { .. } if collected => {}
                        other => {
                            return Err(format!(
                                "r{r} {pg} key {key:?} at {at}: got {other:?} (txn {:?}), expected txn {:?}",
                                match &other {
                                    Response::Value { value } => value.as_deref().and_then(decode_txn),
                                    _ => None,
                                },
                                expected.as_deref().and_then(decode_txn)
                            ))
                        }
                    }
                }
            }
            for segment in segments.values() {
                segment.check_invariants();
            }
        }
        Ok(())
    }
}

fn brief(response: &Response) -> String {
    match response {
        Response::Sealed {
            epoch_before,
            history,
            scl,
            vdl_hint,
            last_lsn_at_or_below_hint,
            headers,
            ..
        } => format!(
            "sealed (before {epoch_before}, history {:?}, scl {scl}, hint {vdl_hint}, last {last_lsn_at_or_below_hint}, headers {:?})",
            history.truncations(),
            headers.iter().map(|h| (h.lsn.0, h.epoch.0, h.cpl)).collect::<Vec<_>>()
        ),
        other => format!("{other:?}"),
    }
}
