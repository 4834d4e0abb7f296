//! Sequences (SERIAL defaults and hidden row ids): values handed out from
//! memory, non-transactionally as in PostgreSQL. No committed row may ever
//! hold a value above a sequence's durable mark (else a restart would hand
//! it out again), so before a transaction that used a sequence commits, the
//! engine makes a mark durable that covers every value handed out so far,
//! reserving [`RESERVE_AHEAD`] more at once (PostgreSQL logs 32 values ahead
//! the same way). Most commits find their values covered and need nothing;
//! the cost is one small durable write per 32 values, and a restart skips
//! at most the unused rest of a reservation, as PostgreSQL's does; a clean
//! shutdown (`Engine::close`) gives the rest back.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::catalog::sequence_mutation;
use crate::error::{SqlError, SqlResult};
use crate::store::Mutation;

/// Values reserved past the last one handed out, per durable mark.
pub const RESERVE_AHEAD: i64 = 32;

#[derive(Default)]
pub struct Sequences {
    state: Mutex<SeqState>,
}

#[derive(Default)]
struct SeqState {
    last: HashMap<String, i64>,
    persisted: HashMap<String, i64>,
}

impl Sequences {
    fn lock(&self) -> SqlResult<std::sync::MutexGuard<'_, SeqState>> {
        self.state
            .lock()
            .map_err(|_| SqlError::internal("sequence state poisoned"))
    }

    /// Registers a sequence whose persisted mark is `value` (0 = fresh): the
    /// next value is above it, whatever was handed out before a restart.
    pub fn load(&self, name: &str, value: i64) -> SqlResult<()> {
        let mut s = self.lock()?;
        s.last.insert(name.to_string(), value);
        s.persisted.insert(name.to_string(), value);
        Ok(())
    }

    /// Registers a new sequence unless one of that name exists; true if created.
    pub fn create(&self, name: &str) -> SqlResult<bool> {
        let mut s = self.lock()?;
        if s.last.contains_key(name) {
            return Ok(false);
        }
        s.last.insert(name.to_string(), 0);
        s.persisted.insert(name.to_string(), 0);
        Ok(true)
    }

    pub fn drop_sequence(&self, name: &str) -> SqlResult<()> {
        let mut s = self.lock()?;
        s.last.remove(name);
        s.persisted.remove(name);
        Ok(())
    }

    pub fn nextval(&self, name: &str) -> SqlResult<i64> {
        let mut s = self.lock()?;
        let v = s
            .last
            .get_mut(name)
            .ok_or_else(|| SqlError::undefined_table(name))?;
        *v = v.checked_add(1).ok_or_else(|| {
            SqlError::new(
                "2200H",
                format!(
                    "nextval: reached maximum value of sequence \"{name}\" ({})",
                    i64::MAX
                ),
            )
        })?;
        Ok(*v)
    }

    /// Every sequence with values handed out above its durable mark, with
    /// the mark that covers them and [`RESERVE_AHEAD`] more, and the
    /// mutation that persists it.
    pub fn uncovered(&self) -> SqlResult<Vec<(String, i64, Mutation)>> {
        let s = self.lock()?;
        Ok(s.last
            .iter()
            .filter(|(k, v)| s.persisted.get(*k).is_none_or(|p| p < *v))
            .map(|(k, v)| {
                let mark = v.saturating_add(RESERVE_AHEAD);
                (k.clone(), mark, sequence_mutation(k, mark))
            })
            .collect())
    }

    /// For a clean shutdown, when no value can be handed out any more: the
    /// marks that bring every reservation back down to the last value handed
    /// out, so a restart continues without a gap (a crash skips the rest of
    /// a reservation instead, as in PostgreSQL).
    pub fn exact_marks(&self) -> SqlResult<Vec<(String, i64, Mutation)>> {
        let s = self.lock()?;
        Ok(s.last
            .iter()
            .filter(|(k, v)| s.persisted.get(*k).is_some_and(|p| p > *v))
            .map(|(k, v)| (k.clone(), *v, sequence_mutation(k, *v)))
            .collect())
    }

    /// Records that `value` is durable as `name`'s mark (marks only rise).
    pub fn mark_persisted(&self, name: &str, value: i64) -> SqlResult<()> {
        let mut s = self.lock()?;
        let p = s.persisted.entry(name.to_string()).or_insert(0);
        *p = (*p).max(value);
        Ok(())
    }
}
