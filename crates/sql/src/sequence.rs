//! Sequences (SERIAL defaults, hidden row ids, CREATE SEQUENCE): values
//! handed out from memory, non-transactionally as in PostgreSQL, following
//! each sequence's options (increment of either sign, bounds, CYCLE).
//!
//! Durability: nothing handed out may be handed out again after a crash.
//! Every change of a sequence's state (a value handed out, `setval`, an
//! ALTER) advances its *ordinal*, a position in its history that only
//! rises, whatever the values do (they fall with a negative increment or a
//! cycle wrap). A durable mark is a state of the sequence plus the ordinal
//! it covers; before a transaction that used a sequence commits, the engine
//! makes a mark durable whose state lies [`RESERVE_AHEAD`] steps further
//! along the sequence's own path (in the increment's direction, wrapping
//! as CYCLE does, stopping at a bound otherwise), so a restart resumes past
//! every value handed out, and a wrap is covered by the same rule: the
//! wrapped value's ordinal is above the mark's until a new mark covering it
//! is durable. `setval` and ALTER jump the ordinal past every reservation
//! that may be in flight, so a mark computed from the old state never
//! counts as covering the new one. A clean shutdown (`Engine::close`) gives
//! the unused rest of each reservation back.
//!
//! Also here: each session's `currval`/`lastval` memory
//! ([`SessionSequences`]).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::catalog::sequence_state_mutation;
use crate::error::{SqlError, SqlResult};
use crate::sequence_options::SequenceOptions;
use crate::store::Mutation;

/// Values reserved past the last one handed out, per durable mark.
pub const RESERVE_AHEAD: u64 = 32;

/// A sequence's position: the last value and whether it was handed out
/// (false after CREATE, RESTART or `setval(.., false)`: the next `nextval`
/// returns `last` itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SequenceState {
    pub last: i64,
    pub is_called: bool,
}

impl SequenceState {
    /// The state of a new (or restarted) sequence.
    pub fn fresh(start: i64) -> SequenceState {
        SequenceState {
            last: start,
            is_called: false,
        }
    }
}

struct Entry {
    options: SequenceOptions,
    state: SequenceState,
    ordinal: u64,
    /// The ordinal the durable mark covers.
    persisted: u64,
}

impl Entry {
    fn new(options: SequenceOptions, state: SequenceState) -> Entry {
        Entry {
            options,
            state,
            ordinal: 0,
            persisted: 0,
        }
    }

    /// Past every mark that may have been computed from the current state.
    fn jump(&mut self) {
        self.ordinal = self.ordinal.max(self.persisted) + RESERVE_AHEAD + 1;
    }
}

/// The value `nextval` returns from `state`, or why there is none.
fn advance(name: &str, o: &SequenceOptions, state: SequenceState) -> SqlResult<i64> {
    if !state.is_called {
        return Ok(state.last);
    }
    let next = i128::from(state.last) + i128::from(o.increment);
    if next > i128::from(o.max_value) {
        if o.cycle {
            return Ok(o.min_value);
        }
        return Err(SqlError::new(
            "2200H",
            format!(
                "nextval: reached maximum value of sequence \"{name}\" ({})",
                o.max_value
            ),
        ));
    }
    if next < i128::from(o.min_value) {
        if o.cycle {
            return Ok(o.max_value);
        }
        return Err(SqlError::new(
            "2200H",
            format!(
                "nextval: reached minimum value of sequence \"{name}\" ({})",
                o.min_value
            ),
        ));
    }
    // In range of two i64 bounds, so it fits.
    i64::try_from(next).map_err(|_| SqlError::internal("sequence step out of range"))
}

/// The state `RESERVE_AHEAD` steps along the sequence's path (fewer if a
/// bound without CYCLE stops it).
fn reservation(name: &str, o: &SequenceOptions, mut state: SequenceState) -> SequenceState {
    for _ in 0..RESERVE_AHEAD {
        match advance(name, o, state) {
            Ok(v) => {
                state = SequenceState {
                    last: v,
                    is_called: true,
                }
            }
            Err(_) => break,
        }
    }
    state
}

fn missing(name: &str) -> SqlError {
    SqlError::undefined_table(name)
}

/// What the engine must make durable for one sequence: its name, the
/// ordinal the mark covers, and the mutation that writes it.
pub type Mark = (String, u64, Mutation);

#[derive(Default)]
pub struct Sequences {
    state: Mutex<HashMap<String, Entry>>,
}

impl Sequences {
    fn lock(&self) -> SqlResult<std::sync::MutexGuard<'_, HashMap<String, Entry>>> {
        self.state
            .lock()
            .map_err(|_| SqlError::internal("sequence state poisoned"))
    }

    /// Registers a sequence with its durable state (after a restart).
    pub fn load(
        &self,
        name: &str,
        options: SequenceOptions,
        state: SequenceState,
    ) -> SqlResult<()> {
        self.lock()?
            .insert(name.to_string(), Entry::new(options, state));
        Ok(())
    }

    /// Registers a new sequence unless one of that name exists; true if
    /// created. `state` is what its creating DDL wrote as its mark.
    pub fn create(
        &self,
        name: &str,
        options: &SequenceOptions,
        state: SequenceState,
    ) -> SqlResult<bool> {
        let mut s = self.lock()?;
        if s.contains_key(name) {
            return Ok(false);
        }
        s.insert(name.to_string(), Entry::new(options.clone(), state));
        Ok(true)
    }

    pub fn drop_sequence(&self, name: &str) -> SqlResult<()> {
        self.lock()?.remove(name);
        Ok(())
    }

    pub fn nextval(&self, name: &str) -> SqlResult<i64> {
        let mut s = self.lock()?;
        let e = s.get_mut(name).ok_or_else(|| missing(name))?;
        let v = advance(name, &e.options, e.state)?;
        e.state = SequenceState {
            last: v,
            is_called: true,
        };
        e.ordinal += 1;
        Ok(v)
    }

    /// TRUNCATE ... RESTART IDENTITY: back to `start`; returns the state it
    /// had, for a rollback to put back (`restore`).
    pub fn restart(&self, name: &str, start: i64) -> SqlResult<SequenceState> {
        let mut s = self.lock()?;
        let e = s.get_mut(name).ok_or_else(|| missing(name))?;
        let before = e.state;
        e.state = SequenceState::fresh(start);
        e.jump();
        Ok(before)
    }

    /// A rolled-back RESTART IDENTITY: the state before it (a sequence
    /// dropped meanwhile is left alone).
    pub fn restore(&self, name: &str, state: SequenceState) -> SqlResult<()> {
        let mut s = self.lock()?;
        if let Some(e) = s.get_mut(name) {
            e.state = state;
            e.jump();
        }
        Ok(())
    }

    /// `setval(name, value, is_called)`, checked against the bounds.
    pub fn setval(&self, name: &str, value: i64, is_called: bool) -> SqlResult<()> {
        let mut s = self.lock()?;
        let e = s.get_mut(name).ok_or_else(|| missing(name))?;
        if value < e.options.min_value || value > e.options.max_value {
            return Err(SqlError::new(
                "22003",
                format!(
                    "setval: value {value} is out of bounds for sequence \"{name}\" ({}..{})",
                    e.options.min_value, e.options.max_value
                ),
            ));
        }
        e.state = SequenceState {
            last: value,
            is_called,
        };
        e.jump();
        Ok(())
    }

    /// The current state (`SELECT * FROM seq`) and the values still
    /// reserved by the durable mark (`log_cnt`).
    pub fn peek(&self, name: &str) -> SqlResult<(SequenceState, i64)> {
        let s = self.lock()?;
        let e = s.get(name).ok_or_else(|| missing(name))?;
        let reserved = e.persisted.saturating_sub(e.ordinal).min(RESERVE_AHEAD);
        Ok((e.state, reserved as i64))
    }

    /// ALTER SEQUENCE committed: new options, and the state `restart` if
    /// given, which the same commit made durable. Call holding the
    /// reservation lock (see `EngineInner::commit_writes`).
    pub fn reconfigure(
        &self,
        name: &str,
        options: SequenceOptions,
        restart: Option<SequenceState>,
    ) -> SqlResult<()> {
        let mut s = self.lock()?;
        // Dropped and created again by the same transaction.
        let e = s
            .entry(name.to_string())
            .or_insert_with(|| Entry::new(options.clone(), SequenceState::fresh(options.start)));
        e.options = options;
        e.jump();
        if let Some(state) = restart {
            e.state = state;
            // The commit carrying the ALTER wrote this very state.
            e.persisted = e.ordinal;
        }
        Ok(())
    }

    /// ALTER SEQUENCE RENAME, committing: the mark to write under the new
    /// name, the current state exactly (covering the ordinal returned; a
    /// value handed out meanwhile is above it, so its commit reserves
    /// again). Call holding the reservation lock, then
    /// [`Sequences::rename`] once the mark is durable.
    pub fn rename_mark(&self, from: &str, to: &str) -> SqlResult<(u64, Mutation)> {
        let s = self.lock()?;
        let e = s.get(from).ok_or_else(|| missing(from))?;
        Ok((e.ordinal, sequence_state_mutation(to, e.state)))
    }

    /// Moves a sequence's state to a new name whose mark covering
    /// `ordinal` is durable (called after that commit, so a state already
    /// gone is nothing to move rather than an error).
    pub fn rename(&self, from: &str, to: &str, ordinal: u64) -> SqlResult<()> {
        let mut s = self.lock()?;
        if let Some(mut e) = s.remove(from) {
            e.persisted = ordinal;
            s.insert(to.to_string(), e);
        }
        Ok(())
    }

    /// Every sequence with a state not covered by its durable mark, with
    /// the mark [`RESERVE_AHEAD`] steps further and the mutation that
    /// persists it.
    pub fn uncovered(&self) -> SqlResult<Vec<Mark>> {
        let s = self.lock()?;
        Ok(s.iter()
            .filter(|(_, e)| e.persisted < e.ordinal)
            .map(|(k, e)| {
                let mark = reservation(k, &e.options, e.state);
                (
                    k.clone(),
                    e.ordinal + RESERVE_AHEAD,
                    sequence_state_mutation(k, mark),
                )
            })
            .collect())
    }

    /// For a clean shutdown, when no value can be handed out any more: the
    /// marks that bring every reservation back down to the current state,
    /// so a restart continues each sequence without a gap (a crash skips
    /// the rest of a reservation instead, as in PostgreSQL).
    pub fn exact_marks(&self) -> SqlResult<Vec<Mark>> {
        let s = self.lock()?;
        Ok(s.iter()
            .filter(|(_, e)| e.persisted > e.ordinal)
            .map(|(k, e)| (k.clone(), e.ordinal, sequence_state_mutation(k, e.state)))
            .collect())
    }

    /// Records that the mark covering `ordinal` is durable (marks only rise).
    pub fn mark_persisted(&self, name: &str, ordinal: u64) -> SqlResult<()> {
        let mut s = self.lock()?;
        if let Some(e) = s.get_mut(name) {
            e.persisted = e.persisted.max(ordinal);
        }
        Ok(())
    }
}

/// One session's memory of the sequences it used: `currval` per sequence
/// and `lastval`'s sequence. Cleared by DISCARD SEQUENCES / DISCARD ALL.
#[derive(Debug, Default)]
pub struct SessionSequences {
    state: Mutex<SessionState>,
}

#[derive(Debug, Default)]
struct SessionState {
    current: HashMap<String, i64>,
    last_used: Option<String>,
}

impl SessionSequences {
    fn lock(&self) -> SqlResult<std::sync::MutexGuard<'_, SessionState>> {
        self.state
            .lock()
            .map_err(|_| SqlError::internal("session sequence state poisoned"))
    }

    /// `nextval` (and `setval` with is_called) returned `value` for `name`.
    pub fn record(&self, name: &str, value: i64) -> SqlResult<()> {
        let mut s = self.lock()?;
        s.current.insert(name.to_string(), value);
        s.last_used = Some(name.to_string());
        Ok(())
    }

    /// `setval` updates `currval` if the session already used the sequence,
    /// without making it `lastval`'s (as in PostgreSQL).
    pub fn record_setval(&self, name: &str, value: i64) -> SqlResult<()> {
        let mut s = self.lock()?;
        if let Some(v) = s.current.get_mut(name) {
            *v = value;
        }
        Ok(())
    }

    pub fn currval(&self, name: &str) -> SqlResult<i64> {
        self.lock()?.current.get(name).copied().ok_or_else(|| {
            SqlError::new(
                "55000",
                format!("currval of sequence \"{name}\" is not yet defined in this session"),
            )
        })
    }

    /// The sequence `lastval()` reads (its privileges are checked first).
    pub fn last_used(&self) -> SqlResult<Option<String>> {
        Ok(self.lock()?.last_used.clone())
    }

    /// `lastval()`: the value of the sequence `nextval` last used, if it
    /// still exists (`exists`).
    pub fn lastval(&self, exists: impl Fn(&str) -> bool) -> SqlResult<i64> {
        let s = self.lock()?;
        let Some(name) = &s.last_used else {
            return Err(SqlError::new(
                "55000",
                "lastval is not yet defined in this session",
            ));
        };
        // Dropped since: PostgreSQL says the same.
        if !exists(name) {
            return Err(SqlError::new(
                "55000",
                "lastval is not yet defined in this session",
            ));
        }
        s.current
            .get(name)
            .copied()
            .ok_or_else(|| SqlError::internal("lastval sequence without a value"))
    }

    pub fn discard(&self) -> SqlResult<()> {
        let mut s = self.lock()?;
        s.current.clear();
        s.last_used = None;
        Ok(())
    }
}

/// Sequence functions besides `nextval` (which `Func::NextVal` keeps).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqFn {
    /// currval(name)
    CurrVal,
    /// setval(name, value [, is_called])
    SetVal,
    /// lastval()
    LastVal,
    /// `SELECT * FROM seq`: last_value, log_cnt, is_called of `name`.
    LastValue,
    LogCnt,
    IsCalled,
    /// pg_sequences.last_value: NULL until the first nextval.
    LastValueIfCalled,
}

/// Evaluates `f` on its arguments (the sequence name first, as text).
pub fn eval_fn(
    f: SeqFn,
    args: &[crate::datum::Datum],
    sequences: &Sequences,
    session: Option<&SessionSequences>,
) -> SqlResult<crate::datum::Datum> {
    use crate::datum::Datum;
    let session =
        || session.ok_or_else(|| SqlError::internal("no session for a sequence function"));
    let name = match (f, args.first()) {
        (SeqFn::LastVal, _) => String::new(),
        (_, Some(Datum::Text(n))) => crate::sequence::relation_name(n),
        _ => return Ok(Datum::Null),
    };
    Ok(match f {
        SeqFn::CurrVal => {
            sequences.peek(&name)?;
            Datum::Int8(session()?.currval(&name)?)
        }
        SeqFn::LastVal => Datum::Int8(session()?.lastval(|n| sequences.peek(n).is_ok())?),
        SeqFn::SetVal => {
            let value = match args.get(1) {
                Some(Datum::Int8(v)) => *v,
                Some(Datum::Null) | None => return Ok(Datum::Null),
                Some(_) => return Err(SqlError::internal("setval value not bigint")),
            };
            let is_called = match args.get(2) {
                Some(Datum::Bool(b)) => *b,
                Some(Datum::Null) => return Ok(Datum::Null),
                _ => true,
            };
            sequences.setval(&name, value, is_called)?;
            if is_called {
                session()?.record_setval(&name, value)?;
            }
            Datum::Int8(value)
        }
        SeqFn::LastValue => Datum::Int8(sequences.peek(&name)?.0.last),
        SeqFn::LogCnt => Datum::Int8(sequences.peek(&name)?.1),
        SeqFn::IsCalled => Datum::Bool(sequences.peek(&name)?.0.is_called),
        SeqFn::LastValueIfCalled => match sequences.peek(&name)?.0 {
            SequenceState {
                last,
                is_called: true,
            } => Datum::Int8(last),
            _ => Datum::Null,
        },
    })
}

/// PostgreSQL's refusal of `what`() (nextval, setval) in a READ ONLY
/// transaction.
pub fn read_only_error(what: &str) -> SqlError {
    SqlError::new(
        "25006",
        format!("cannot execute {what}() in a read-only transaction"),
    )
}

/// A relation name as `text::regclass` reads it: double-quoted parts are
/// taken as written, others folded to lower case; the catalog key of a
/// schema-qualified name (`crate::schema`).
pub fn relation_name(text: &str) -> String {
    match crate::schema::text_name_parts(text).as_slice() {
        [name] => name.clone(),
        [schema, name] => crate::schema::qualified(schema, name),
        _ => text.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(increment: i64, min: i64, max: i64, cycle: bool) -> SequenceOptions {
        SequenceOptions {
            increment,
            min_value: min,
            max_value: max,
            start: if increment > 0 { min } else { max },
            cycle,
            ..SequenceOptions::default()
        }
    }

    #[test]
    fn cycles_and_bounds_follow_the_increment() {
        let s = Sequences::default();
        s.create("up", &opts(4, 5, 36, true), SequenceState::fresh(5))
            .unwrap();
        s.setval("up", 24, false).unwrap();
        let got: Vec<i64> = (0..5).map(|_| s.nextval("up").unwrap()).collect();
        assert_eq!(got, vec![24, 28, 32, 36, 5]);
        s.create("down", &opts(-4, -36, -5, false), SequenceState::fresh(-5))
            .unwrap();
        s.setval("down", -24, false).unwrap();
        let got: Vec<i64> = (0..4).map(|_| s.nextval("down").unwrap()).collect();
        assert_eq!(got, vec![-24, -28, -32, -36]);
        let e = s.nextval("down").unwrap_err();
        assert_eq!(e.sqlstate, "2200H");
        assert!(e.to_string().contains("reached minimum value"), "{e}");
        assert_eq!(s.setval("up", 100, true).unwrap_err().sqlstate, "22003");
    }

    #[test]
    fn marks_run_ahead_along_the_path_and_setval_uncovers() {
        let s = Sequences::default();
        s.create("d", &opts(-1, -1000, -1, false), SequenceState::fresh(-1))
            .unwrap();
        assert_eq!(s.nextval("d").unwrap(), -1);
        let marks = s.uncovered().unwrap();
        assert_eq!(marks.len(), 1);
        let (_, ordinal, m) = &marks[0];
        // 32 steps further down, as is_called state.
        assert_eq!(
            crate::catalog::decode_sequence_mark(m.value.as_deref().unwrap()).unwrap(),
            SequenceState {
                last: -33,
                is_called: true
            }
        );
        s.mark_persisted("d", *ordinal).unwrap();
        assert!(s.uncovered().unwrap().is_empty());
        s.nextval("d").unwrap();
        assert!(s.uncovered().unwrap().is_empty());
        s.setval("d", -500, true).unwrap();
        assert_eq!(s.uncovered().unwrap().len(), 1);
    }

    #[test]
    fn a_wrap_is_uncovered_until_a_new_mark() {
        let s = Sequences::default();
        s.create("c", &opts(1, 1, 3, true), SequenceState::fresh(1))
            .unwrap();
        assert_eq!(s.nextval("c").unwrap(), 1);
        let (_, ordinal, _) = s.uncovered().unwrap().remove(0);
        s.mark_persisted("c", ordinal).unwrap();
        // 32 values (many wraps) are covered, the 33rd is not.
        for _ in 0..32 {
            s.nextval("c").unwrap();
        }
        assert_eq!(s.uncovered().unwrap().len(), 0);
        s.nextval("c").unwrap();
        assert_eq!(s.uncovered().unwrap().len(), 1);
    }

    #[test]
    fn session_memory() {
        let m = SessionSequences::default();
        assert_eq!(m.currval("a").unwrap_err().sqlstate, "55000");
        assert_eq!(m.lastval(|_| true).unwrap_err().sqlstate, "55000");
        m.record("a", 7).unwrap();
        assert_eq!(m.currval("a").unwrap(), 7);
        assert_eq!(m.lastval(|_| true).unwrap(), 7);
        assert_eq!(m.lastval(|_| false).unwrap_err().sqlstate, "55000");
        m.discard().unwrap();
        assert_eq!(m.currval("a").unwrap_err().sqlstate, "55000");
    }
}
