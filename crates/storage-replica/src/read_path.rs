//! Reads answered beside the segment thread.
//!
//! A segment thread takes writes, fdatasyncs, applies and collects garbage;
//! a point read queued behind it waited for whatever fdatasync was under
//! way (most of a cache miss's 0.75 ms in pgbench). The segment publishes
//! what a reader needs to know — how far the version store is applied and
//! the garbage-collection horizon — and a connection answers a read from a
//! version-store snapshot itself when that is safe: the store is applied
//! through the read's `need`, and the read point is not below the horizon
//! as published *after* the snapshot began (the horizon only rises and is
//! published before any collection at it commits, so every collection the
//! snapshot can see was at a horizon at or below the read point). Any
//! other read goes to the segment thread as before, which applies first.

use std::sync::atomic::{AtomicU64, Ordering};

use borealis_common::Lsn;
use borealis_wire::{Request, Response};

use crate::versions::VersionReader;

/// What a segment publishes for readers on other threads.
#[derive(Debug, Default)]
pub struct PublishedReadState {
    applied: AtomicU64,
    gc_horizon: AtomicU64,
}

impl PublishedReadState {
    /// After the version store committed an apply through `lsn` (or moved
    /// back, for a voided tail or a genesis fill).
    pub fn publish_applied(&self, lsn: Lsn) {
        self.applied.store(lsn.0, Ordering::Release);
    }

    /// Before any collection at `horizon` commits.
    pub fn publish_gc_horizon(&self, horizon: Lsn) {
        self.gc_horizon.fetch_max(horizon.0, Ordering::AcqRel);
    }

    pub fn applied(&self) -> Lsn {
        Lsn(self.applied.load(Ordering::Acquire))
    }

    pub fn gc_horizon(&self) -> Lsn {
        Lsn(self.gc_horizon.load(Ordering::Acquire))
    }
}

/// A segment's reads that may bypass its thread.
#[derive(Clone)]
pub struct ReadPath {
    pub state: std::sync::Arc<PublishedReadState>,
    pub reader: VersionReader,
}

/// A read this path can answer.
pub enum Read {
    Get {
        key: Vec<u8>,
        at: Lsn,
    },
    Scan {
        start: Vec<u8>,
        end: Option<Vec<u8>>,
        at: Lsn,
        limit: usize,
    },
}

impl Read {
    /// The read in `request` and the LSN it needs applied, if it is one
    /// this path may answer (a `need` above the read point is for the
    /// segment thread to refuse).
    pub fn of(request: &Request) -> Option<(Read, Lsn)> {
        match request {
            Request::Get { key, at, need, .. } if need <= at => Some((
                Read::Get {
                    key: key.clone(),
                    at: *at,
                },
                *need,
            )),
            Request::Scan {
                start,
                end,
                at,
                need,
                limit,
                ..
            } if need <= at => Some((
                Read::Scan {
                    start: start.clone(),
                    end: end.clone(),
                    at: *at,
                    limit: (*limit as usize).clamp(1, borealis_common::limits::SCAN_ROWS_MAX),
                },
                *need,
            )),
            _ => None,
        }
    }

    fn at(&self) -> Lsn {
        match self {
            Read::Get { at, .. } | Read::Scan { at, .. } => *at,
        }
    }
}

impl ReadPath {
    /// Whether the store is applied far enough for a read needing `need`
    /// (checked before the snapshot begins: an apply published is committed).
    pub fn applied_through(&self, need: Lsn) -> bool {
        self.state.applied() >= need
    }

    /// Answers `read`, whose `need` the store was applied through.
    /// Blocking (a version-store read): call off the async threads.
    pub fn answer(&self, read: &Read) -> std::io::Result<Response> {
        let snapshot = self.reader.snapshot()?;
        let horizon = self.state.gc_horizon();
        let at = read.at();
        if at < horizon {
            // The segment thread refuses it the same way.
            return Ok(Response::Error {
                message: format!(
                    "read point {at} is below the garbage-collection horizon {horizon}"
                ),
            });
        }
        match read {
            Read::Get { key, at } => Ok(Response::Value {
                value: snapshot.get(key, *at)?,
            }),
            Read::Scan {
                start,
                end,
                at,
                limit,
            } => {
                let (rows, more) = snapshot.scan(start, end.as_deref(), *at, *limit)?;
                Ok(Response::Rows { rows, more })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log_file::FileLog;
    use crate::segment::Segment;
    use crate::versions::RedbVersions;
    use borealis_common::{Epoch, PgId};
    use borealis_wire::{EpochHistory, LogRecord, Mutation, RecordHeader};

    fn record(lsn: u64, key: &str) -> LogRecord {
        LogRecord {
            header: RecordHeader {
                lsn: Lsn(lsn),
                epoch: Epoch(1),
                pg: PgId(0),
                prev_pg_lsn: Lsn(lsn - 1),
                prev_volume_lsn: Lsn(lsn - 1),
                cpl: true,
            },
            split: None,
            mutations: vec![Mutation {
                key: key.as_bytes().to_vec(),
                value: Some(format!("{key}@{lsn}").into_bytes()),
            }],
        }
    }

    fn get(key: &str, at: u64, need: u64) -> Request {
        Request::Get {
            pg: PgId(0),
            key: key.as_bytes().to_vec(),
            at: Lsn(at),
            need: Lsn(need),
        }
    }

    #[test]
    fn answers_what_the_segment_answers_once_applied_and_refuses_below_the_horizon() {
        let dir = std::env::temp_dir().join(format!("borealis-read-path-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let versions = RedbVersions::open(&dir.join("versions.redb")).unwrap();
        let path = ReadPath {
            reader: versions.reader(),
            state: Default::default(),
        };
        let mut segment = Segment::open(PgId(0), FileLog::open(&dir).unwrap(), versions).unwrap();
        let path = ReadPath {
            state: segment.published(),
            ..path
        };
        let history = EpochHistory::starting(Epoch(1), Lsn::ZERO);
        let records = [record(1, "a"), record(2, "b"), record(3, "a")];
        segment
            .write(Epoch(1), &history, Lsn(3), &records)
            .unwrap()
            .unwrap();
        let (_, need) = Read::of(&get("a", 3, 3)).unwrap();
        assert!(
            !path.applied_through(need),
            "nothing is applied before the sync"
        );
        segment.sync().unwrap();
        segment.apply().unwrap();
        assert!(path.applied_through(need));
        for (key, at) in [("a", 1), ("a", 2), ("a", 3), ("b", 1), ("b", 3), ("c", 3)] {
            let request = get(key, at, at);
            let (read, _) = Read::of(&request).unwrap();
            let Request::Get { key, at, need, .. } = &request else {
                unreachable!()
            };
            assert_eq!(
                path.answer(&read).unwrap(),
                segment.get(key, *at, *need).unwrap()
            );
        }
        // A need above the read point is the segment's to refuse.
        assert!(Read::of(&get("a", 2, 3)).is_none());
        segment.raise_gc_horizon(Lsn(3));
        let (read, _) = Read::of(&get("a", 2, 2)).unwrap();
        assert!(matches!(
            path.answer(&read).unwrap(),
            Response::Error { .. }
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
