//! Sequences (SERIAL defaults and hidden row ids): values handed out from
//! memory, non-transactionally as in PostgreSQL; the highest value handed out
//! is written into the commit group of any transaction that used one, so no
//! committed row ever holds a value above the persisted mark.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::catalog::sequence_mutation;
use crate::error::{SqlError, SqlResult};
use crate::store::Mutation;

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

    /// Registers a sequence whose persisted mark is `value` (0 = fresh).
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

    /// Mutations persisting every mark that moved; call under the commit lock.
    pub fn dirty_mutations(&self) -> SqlResult<Vec<(String, i64, Mutation)>> {
        let s = self.lock()?;
        Ok(s.last
            .iter()
            .filter(|(k, v)| s.persisted.get(*k).is_none_or(|p| p < *v))
            .map(|(k, v)| (k.clone(), *v, sequence_mutation(k, *v)))
            .collect())
    }

    pub fn mark_persisted(&self, name: &str, value: i64) -> SqlResult<()> {
        let mut s = self.lock()?;
        let p = s.persisted.entry(name.to_string()).or_insert(0);
        *p = (*p).max(value);
        Ok(())
    }
}
