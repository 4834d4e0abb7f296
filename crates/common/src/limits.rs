//! Every bound of the system, in one place, with their relations checked at
//! compile time. A bound that is not here does not exist.

/// Segment replicas of one protection group.
pub const REPLICAS_PER_PG: usize = 6;
/// Availability zones a protection group spans.
pub const AZ_COUNT: usize = 3;
/// Replicas of a protection group in one availability zone.
pub const REPLICAS_PER_AZ: usize = REPLICAS_PER_PG / AZ_COUNT;
/// Acks that make a record durable.
pub const WRITE_QUORUM: usize = 4;
/// Replicas whose answers together are sure to include every durable record.
pub const READ_QUORUM: usize = 3;

const _: () = assert!(REPLICAS_PER_AZ * AZ_COUNT == REPLICAS_PER_PG);
// Read and write quorums intersect, and two write quorums intersect.
const _: () = assert!(READ_QUORUM + WRITE_QUORUM > REPLICAS_PER_PG);
const _: () = assert!(2 * WRITE_QUORUM > REPLICAS_PER_PG);
// Losing a whole AZ leaves a write quorum; an AZ plus one replica, a read quorum.
const _: () = assert!(REPLICAS_PER_PG - REPLICAS_PER_AZ >= WRITE_QUORUM);
// (AZ plus one down leaves at least READ_QUORUM.)
const _: () = assert!(REPLICAS_PER_PG - REPLICAS_PER_AZ > READ_QUORUM);

/// LSN allocation limit: the writer never allocates an LSN more than this far
/// above the volume durable LSN (back-pressure on a slow quorum). Recovery
/// only has to look at this many LSNs above the last VDL a replica heard of.
pub const LSN_ALLOCATION_LIMIT: u64 = 1 << 20;

/// Largest frame on the replica wire protocol (header included).
pub const FRAME_BYTES_MAX: usize = 64 << 20;
/// Largest key stored in the volume.
pub const KEY_BYTES_MAX: usize = 8 << 10;
/// Largest value stored under one key.
pub const VALUE_BYTES_MAX: usize = 16 << 20;
/// Largest single log record (all of its mutations).
pub const RECORD_BYTES_MAX: usize = 32 << 20;
/// Records in one write batch sent to a replica.
pub const BATCH_RECORDS_MAX: usize = 4096;
/// Rows returned by one scan request; callers page with a resume key.
pub const SCAN_ROWS_MAX: usize = 4096;
/// Records a replica holds above its SCL while it waits for the gap to fill.
pub const HOLD_RECORDS_MAX: usize = 65_536;
/// Log bytes a replica sends in one gossip answer.
pub const GOSSIP_BYTES_MAX: usize = 8 << 20;
/// Write requests queued per replica connection before the sender waits.
pub const REPLICA_QUEUE_DEPTH: usize = 1024;

const _: () = assert!(KEY_BYTES_MAX + VALUE_BYTES_MAX < RECORD_BYTES_MAX);
const _: () = assert!(RECORD_BYTES_MAX < FRAME_BYTES_MAX);
const _: () = assert!(GOSSIP_BYTES_MAX < FRAME_BYTES_MAX);
