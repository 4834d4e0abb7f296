//! The writer's side of the cluster volume: what the compute links to store
//! and read data.
//!
//! - [`writer_state`]: the protocol core, without I/O: assigns LSNs and PG
//!   backlinks, builds the records of an atomic group (its last one a CPL),
//!   tracks every replica's SCL from its acks, and computes VCL and VDL; a
//!   commit is acknowledged only when VDL reaches its LSN, and no LSN is
//!   allocated more than the LSN allocation limit (LAL) above VDL.
//! - [`recovery`]: a new writer's recovery as a pure function of what a read
//!   quorum of each PG reports: the new epoch, the VDL, the records to make
//!   durable again, and the truncation of everything above. It looks only at
//!   records above the last VDL a replica heard of, so its time does not grow
//!   with the log.
//! - [`partitioning`]: which PG a key belongs to (key ranges): the
//!   partition map, stored in the volume and changed by PG splits.
//! - [`split_trigger`]: when to ask a PG for its live size (to split it).
//! - [`volume`]: the async client over TCP that the SQL engine uses: commit,
//!   get, scan, with reads routed to one replica whose SCL covers the read.
//!
//! The simulation (`crates/sim`) drives `writer_state` and `recovery` with
//! the same code the production path uses.

pub mod partitioning;
pub mod read_cache;
pub mod recovery;
pub mod split_trigger;
pub mod volume;
pub mod writer_state;

pub use volume::{Volume, VolumeConfig, VolumeError};
