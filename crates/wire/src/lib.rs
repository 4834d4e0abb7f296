//! Log records and the protocol between the volume client and the storage
//! replicas (and between replicas, for gossip).
//!
//! Everything that crosses a process boundary or reaches a disk is encoded
//! here, by hand, fixed-width little-endian, with a format version and a
//! crc32c checksum, so that a torn or corrupt record or frame is detected and
//! never used. The formats are specified in `docs/wire.md`; property tests
//! check that every encoding round-trips and that any single flipped byte is
//! caught.
//!
//! - [`record`]: a [`LogRecord`], the unit of the volume's log (on the wire
//!   and in a replica's log file alike).
//! - [`message`]: the requests and responses of the replica protocol.
//! - [`history`]: the epoch history: which records older writers left
//!   unacknowledged and a newer writer voided.
//! - [`frame`]: length-prefixed, checksummed frames that carry messages.
//! - [`client`]: a pipelined client for the protocol.
//! - [`codec`]: the little-endian reader/writer both are built from.

pub mod client;
pub mod codec;
pub mod frame;
pub mod history;
pub mod message;
pub mod record;

pub use codec::DecodeError;
pub use history::{EpochHistory, Truncation};
pub use message::{Request, Response};
pub use record::{LogRecord, Mutation, RecordHeader, SplitMark};
