//! Deterministic simulation of the cluster volume protocol, FoundationDB /
//! TigerBeetle style: the real protocol core (`Segment` over `MemDisk`,
//! `WriterState`, `plan_recovery`) runs on one thread, in ticks of a virtual
//! clock, for six storage replicas (replica r in AZ r/2) hosting 1-3
//! protection groups and a succession of writers that recover exactly as
//! `volume.rs` does (highest epoch, seal every PG any replica hosts, plan,
//! fetch and rewrite under the new epoch until a write quorum of every PG
//! holds its tail, read the partition map at the VDL) and then commit
//! transactions spanning PGs, read and scan at their VDL (routed by the map
//! as of it), split PGs past a tiny size limit at the median key a replica
//! reports (new PGs fill themselves from their source segment on the same
//! replica), and send heartbeats; every choice comes from one seed through the crate's own
//! PRNG. The network delays, loses, duplicates and reorders messages, cuts
//! whole AZs and single links; replicas crash (losing unsynced appends,
//! sometimes leaving a torn tail), restart from their disks, fail-stop on
//! I/O errors and repair by gossip; a durable log bit may rot; writers crash
//! (mid-recovery too) or linger as zombies. The fault atlas keeps runs in
//! the design envelope: at most three replicas impaired at once (an AZ plus
//! one: down, cut off from the writer, or repairing after corruption), and
//! corruption only when every other replica holds the whole chain; writes
//! may stall, nothing may be lost. Checkers: acknowledged commits survive
//! every fault and recovery (the model's keys read back from every replica),
//! transactions stay atomic, reads and scans see exactly the committed state
//! at their read point, a recovered map is exactly the one the committed
//! splits made, zombies are fenced, VDL never goes back, healed
//! replicas converge to equal SCLs and equal answers, `check_invariants`
//! after every step. A failure names its seed; replay it with its event log
//! on stderr with `BOREALIS_SIM_SEED=S cargo test -p borealis-sim --test sim
//! replay -- --nocapture` (add `BOREALIS_SIM_STORM=1` for a failover-storm
//! seed); `BOREALIS_SIM_SEEDS=N` (and `BOREALIS_SIM_SEED_BASE=B`) runs more
//! seeds, `BOREALIS_SIM_VERBOSE=1` logs the scripted scenarios.

pub mod rng;
pub mod world;

pub use rng::Rng;
pub use world::{Config, Faults, Node, Sim, Summary};
