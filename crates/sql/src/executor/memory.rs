//! The per-statement memory guard. Sorts, hash aggregates, hash joins,
//! DISTINCT, the nested loop's inner side, window functions' input, WITH
//! RECURSIVE's working tables and INSERT ... SELECT's rows stay within
//! work_mem by spilling; what an operator must hold in memory whatever its
//! size (one window partition, one partition of a keyed nested loop, the
//! set of rows a WITH RECURSIVE ... UNION has returned, DISTINCT ON's keys,
//! INTERSECT/EXCEPT's hash of its right input, a result gathered whole) is
//! charged here instead, and a statement whose charges exceed the engine's
//! statement memory limit fails with 53200 `out of memory` rather than
//! taking the compute down.

use crate::error::SqlError;

/// Default bound of what one statement may hold in memory beyond its
/// spilling operators' work_mem (`Engine::set_statement_memory_max`).
pub const DEFAULT_STATEMENT_MEMORY_MAX: usize = 1 << 30;

/// Bytes a statement holds in memory that cannot spill, against its limit.
#[derive(Debug, Clone)]
pub struct MemoryGuard {
    limit: usize,
    held: usize,
}

impl MemoryGuard {
    pub fn new(limit: usize) -> MemoryGuard {
        MemoryGuard {
            limit: limit.max(1),
            held: 0,
        }
    }

    /// Records `bytes` more held by `what` (e.g. "a window function's
    /// input"); fails, recording nothing, if the statement would then hold
    /// more than its limit.
    pub fn charge(&mut self, bytes: usize, what: &str) -> Result<(), SqlError> {
        let held = self.held.saturating_add(bytes);
        if held > self.limit {
            return Err(out_of_memory(what, self.limit));
        }
        self.held = held;
        Ok(())
    }

    /// `bytes` charged earlier are no longer held.
    pub fn release(&mut self, bytes: usize) {
        debug_assert!(bytes <= self.held, "released more than was charged");
        self.held = self.held.saturating_sub(bytes);
    }
}

fn out_of_memory(what: &str, limit: usize) -> SqlError {
    SqlError::new("53200", "out of memory").with_detail(format!(
        "{what} needs more than the {} kB a statement may hold in memory; operators spill to \
         disk beyond work_mem, but this part of one cannot.",
        limit / 1024
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_over_the_limit_fail_with_53200() {
        let mut g = MemoryGuard::new(1000);
        g.charge(600, "a window function's input").unwrap();
        g.release(600);
        g.charge(900, "x").unwrap();
        let e = g.charge(200, "a window function's input").unwrap_err();
        g.charge(100, "x").unwrap();
        assert_eq!(e.sqlstate, "53200");
        assert_eq!(e.message, "out of memory");
        assert!(e
            .detail
            .unwrap()
            .starts_with("a window function's input needs more"));
    }
}
