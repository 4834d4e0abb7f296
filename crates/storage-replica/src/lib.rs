//! The storage replica: hosts one segment replica of each protection group
//! (PG) and keeps it durable, complete and readable.
//!
//! A [`segment::Segment`] is the protocol core for one PG on one replica,
//! written without I/O of its own so that the same code runs in production
//! (over [`log_file::FileLog`] and [`versions::RedbVersions`]) and in the
//! deterministic simulation (over [`memory`]): it takes log records from the
//! writer or from peers, tracks the segment complete LSN (SCL) along the PG's
//! backlink chain, refuses older epochs, voids records above a new epoch's
//! starting VDL, applies committed records into row versions keyed by
//! (key, LSN), answers reads "as of LSN R", and, for a PG split off
//! another, fills itself from the source PG's segment on the same replica.
//!
//! [`server`] runs one thread per segment (group commit: one fdatasync for
//! every write that arrived meanwhile) behind a framed TCP protocol, and
//! [`gossip`] pulls missing records from peer replicas, without the writer.
//! Formats are in `docs/storage.md`.

pub mod gc;
pub mod gc_queue;
pub mod gossip;
pub mod log_file;
pub mod memory;
pub mod meta;
pub mod read_path;
pub mod segment;
pub mod server;
pub mod versions;

pub use segment::{Segment, SegmentLog, VersionStore};
