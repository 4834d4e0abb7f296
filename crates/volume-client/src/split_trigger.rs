//! When the writer asks a PG for its live size (to split it): a pure
//! estimate, so that the costly question (a replica scans the PG's live
//! data) is asked rarely.
//!
//! A replica reports its segment's log bytes cheaply. A PG's live data
//! grows by at most what its log grows by, so after an answer "L live
//! bytes at log size B", the live data at log size B' is at most
//! L + (B' - B): the writer asks again only once that bound passes the
//! limit. A split halves the estimate of both halves (it splits at the
//! median key), so a PG far above the limit (a bulk load) is split again
//! at the next check. A PG this writer has never asked about is asked
//! once its log passes half the limit (its live data may include versions
//! a genesis fill copied, which its log does not show).

use borealis_common::PgId;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Answer {
    log_bytes: u64,
    live_bytes: u64,
}

/// The writer's last answers about its PGs' sizes.
#[derive(Debug, Default)]
pub struct SizeEstimates {
    answers: BTreeMap<PgId, Answer>,
}

impl SizeEstimates {
    /// Whether to ask `pg`, whose log now holds `log_bytes`, for its live
    /// size against `limit`.
    pub fn should_ask(&self, pg: PgId, log_bytes: u64, limit: u64) -> bool {
        match self.answers.get(&pg) {
            None => log_bytes >= limit / 2,
            Some(answer) => {
                let bound = answer
                    .live_bytes
                    .saturating_add(log_bytes.saturating_sub(answer.log_bytes));
                bound >= limit
            }
        }
    }

    /// `pg` answered: `live_bytes` live at log size `log_bytes`.
    pub fn answered(&mut self, pg: PgId, log_bytes: u64, live_bytes: u64) {
        self.answers.insert(
            pg,
            Answer {
                log_bytes,
                live_bytes,
            },
        );
    }

    /// `pg` (at log size `log_bytes`, `live_bytes` live) was split at its
    /// median into `new_pg`: each holds about half.
    pub fn split(&mut self, pg: PgId, log_bytes: u64, live_bytes: u64, new_pg: PgId) {
        self.answered(pg, log_bytes, live_bytes / 2);
        self.answered(new_pg, 0, live_bytes - live_bytes / 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pg_is_asked_again_only_once_it_may_have_passed_the_limit() {
        let mut sizes = SizeEstimates::default();
        let pg = PgId(0);
        assert!(!sizes.should_ask(pg, 499, 1000));
        assert!(sizes.should_ask(pg, 500, 1000));
        // Mostly overwrites: little live data for a big log.
        sizes.answered(pg, 5_000, 100);
        assert!(!sizes.should_ask(pg, 5_899, 1000));
        assert!(sizes.should_ask(pg, 5_900, 1000));
    }

    #[test]
    fn a_bulk_load_splits_again_and_again() {
        let mut sizes = SizeEstimates::default();
        // 8x the limit at once: split, and both halves still over it.
        sizes.split(PgId(0), 9_000, 8_000, PgId(1));
        assert!(sizes.should_ask(PgId(0), 9_000, 1000));
        assert!(sizes.should_ask(PgId(1), 10, 1000));
        sizes.split(PgId(1), 10, 4_000, PgId(2));
        sizes.split(PgId(2), 10, 2_000, PgId(3));
        sizes.split(PgId(3), 10, 1_000, PgId(4));
        // Halves of a PG just at the limit wait for new writes.
        assert!(!sizes.should_ask(PgId(4), 10, 1000));
        assert!(sizes.should_ask(PgId(4), 510, 1000));
    }
}
