//! Per-session run-time settings (SET/SHOW, `current_setting`/`set_config`):
//! the handful of parameters clients and drivers set, with PostgreSQL's
//! canonical names and defaults, custom dotted parameters (`myapp.user_id`),
//! and PostgreSQL's transaction rules (ROLLBACK undoes SET; SET LOCAL lasts
//! until the transaction ends).

use std::collections::BTreeMap;

use crate::error::{SqlError, SqlResult};
use crate::txn::Isolation;

/// (canonical name, default value).
const KNOWN: &[(&str, &str)] = &[
    ("application_name", ""),
    ("bytea_output", "hex"),
    ("client_encoding", "UTF8"),
    ("client_min_messages", "notice"),
    ("DateStyle", "ISO, MDY"),
    // SQLAlchemy's table-options reflection compares pg_am.amname with it.
    ("default_table_access_method", "heap"),
    ("default_transaction_isolation", "read committed"),
    ("default_transaction_read_only", "off"),
    ("escape_string_warning", "on"),
    ("extra_float_digits", "1"),
    ("idle_in_transaction_session_timeout", "0"),
    ("integer_datetimes", "on"),
    ("IntervalStyle", "postgres"),
    // Locale categories: only the C locale exists here (`C_LOCALES`), so
    // to_char's D and G are always '.' and ','.
    ("lc_messages", "C"),
    ("lc_monetary", "C"),
    ("lc_numeric", "C"),
    ("lc_time", "C"),
    ("lock_timeout", "0"),
    ("max_identifier_length", "63"),
    // SET ROLE (checked by the session); `none`: current_user is the session user.
    ("role", "none"),
    // Row-level security: off makes a query it would affect fail.
    ("row_security", "on"),
    ("search_path", "\"$user\", public"),
    ("server_encoding", "UTF8"),
    ("server_version", "15.0"),
    ("server_version_num", "150000"),
    // Set through SET SESSION AUTHORIZATION (the role is checked there).
    ("session_authorization", "postgres"),
    ("standard_conforming_strings", "on"),
    ("statement_timeout", "0"),
    ("TimeZone", "UTC"),
    ("transaction_isolation", "read committed"),
    ("work_mem", "4MB"),
    // Planner and commit knobs: validated, with no effect (`ignored_knobs.rs`).
    ("cpu_index_tuple_cost", "0.005"),
    ("cpu_operator_cost", "0.0025"),
    ("cpu_tuple_cost", "0.01"),
    ("effective_cache_size", "4GB"),
    ("enable_async_append", "on"),
    ("enable_bitmapscan", "on"),
    ("enable_gathermerge", "on"),
    ("enable_hashagg", "on"),
    ("enable_hashjoin", "on"),
    ("enable_incremental_sort", "on"),
    ("enable_indexonlyscan", "on"),
    ("enable_indexscan", "on"),
    ("enable_material", "on"),
    ("enable_memoize", "on"),
    ("enable_mergejoin", "on"),
    ("enable_nestloop", "on"),
    ("enable_parallel_append", "on"),
    ("enable_parallel_hash", "on"),
    ("enable_partition_pruning", "on"),
    ("enable_partitionwise_aggregate", "off"),
    ("enable_partitionwise_join", "off"),
    ("enable_seqscan", "on"),
    ("enable_sort", "on"),
    ("enable_tidscan", "on"),
    ("jit", "on"),
    ("max_parallel_workers_per_gather", "2"),
    ("parallel_setup_cost", "1000"),
    ("parallel_tuple_cost", "0.1"),
    ("random_page_cost", "4"),
    ("seq_page_cost", "1"),
    ("synchronous_commit", "on"),
];

/// PostgreSQL's range for the millisecond timeouts (lock_timeout, ...).
const TIMEOUT_MAX_MS: i64 = 2_147_483_647;

/// A time setting in milliseconds: a bare number is milliseconds, or a
/// number with PostgreSQL's units (us, ms, s, min, h, d); None if invalid
/// (a negative value parses, for the range check to refuse as PostgreSQL
/// does).
fn parse_timeout_ms(value: &str) -> Option<i64> {
    let v = value.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "" | "ms" => 1.0,
        "us" => 0.001,
        "s" => 1_000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    let ms = (number * factor).round();
    (ms.abs() < 1e18).then_some(ms as i64)
}

/// How PostgreSQL shows a millisecond setting: in the largest unit that
/// divides it (`5s`, `1min`, `1500ms`; `0` for off).
fn format_timeout_ms(ms: u64) -> String {
    if ms == 0 {
        return "0".into();
    }
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("min", 60_000),
        ("s", 1_000),
    ] {
        if ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// The locale names the lc_* settings accept: the C locale under its
/// spellings (an empty value means the server environment's, which is C).
const C_LOCALES: &[&str] = &["", "C", "POSIX", "C.UTF-8", "C.utf8"];

/// PostgreSQL's range for work_mem, in kB.
const WORK_MEM_MIN_KB: usize = 64;
const WORK_MEM_MAX_KB: usize = 2_147_483_647;

/// Parameters that cannot be changed by SET.
const READ_ONLY: &[&str] = &[
    "integer_datetimes",
    "max_identifier_length",
    "server_encoding",
    "server_version",
    "server_version_num",
];

/// One complete set of values.
#[derive(Clone, Debug)]
struct Values {
    known: BTreeMap<&'static str, String>,
    /// Custom (dotted) parameters by lowercased name: (name as first set, value).
    custom: BTreeMap<String, (String, String)>,
    /// work_mem in bytes, kept parsed: every statement reads it.
    work_mem: usize,
    /// TimeZone and DateStyle, kept parsed: every date/time value uses them.
    datetime: crate::timezone::DateTimeConfig,
}

/// What a transaction that changed settings restores when it ends.
#[derive(Clone, Debug)]
struct TransactionSaved {
    /// The values before its first change: what ROLLBACK restores.
    at_start: Values,
    /// The values before it with only its session-level SETs applied: what
    /// COMMIT keeps (SET LOCAL and `set_config(.., true)` end with it).
    on_commit: Values,
}

/// The session's settings, with PostgreSQL's transactional behaviour: SET
/// is undone by ROLLBACK, SET LOCAL by the end of the transaction.
#[derive(Clone, Debug)]
pub struct Settings {
    current: Values,
    transaction: Option<Box<TransactionSaved>>,
    /// The state at each open savepoint of the transaction, oldest first.
    savepoints: Vec<(Values, Option<Box<TransactionSaved>>)>,
    /// currval/lastval memory (not a setting, but session state expressions read).
    sequences: std::sync::Arc<crate::sequence::SessionSequences>,
    /// The role the connection logged in as: what RESET SESSION
    /// AUTHORIZATION returns to.
    login_role: String,
    /// The reported settings' values as the client last heard them.
    reported: Vec<(&'static str, String)>,
    /// Names the current values: a fresh number (never reused in the
    /// process) after every change, so a session can keep what it derives
    /// from them (search path, row-level security subject) until this moves.
    generation: u64,
}

/// Where every [`Settings::generation`] comes from: process-wide, so values
/// rebuilt from scratch (a new session, RESET ALL) never repeat an old number.
static NEXT_GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn fresh_generation() -> u64 {
    NEXT_GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Settings PostgreSQL reports to the client whenever they change
/// (GUC_REPORT): drivers and psql act on them (psql's lexer follows
/// standard_conforming_strings, drivers follow TimeZone and DateStyle).
const REPORTED: &[&str] = &[
    "application_name",
    "DateStyle",
    "default_transaction_read_only",
    "IntervalStyle",
    "session_authorization",
    "standard_conforming_strings",
    "TimeZone",
];

impl Default for Settings {
    fn default() -> Settings {
        let mut settings = Settings {
            current: Values {
                known: KNOWN.iter().map(|(k, v)| (*k, v.to_string())).collect(),
                custom: BTreeMap::new(),
                work_mem: crate::spill::DEFAULT_WORK_MEM,
                datetime: Default::default(),
            },
            transaction: None,
            sequences: Default::default(),
            savepoints: Vec::new(),
            login_role: crate::roles::BOOTSTRAP_ROLE.to_string(),
            reported: Vec::new(),
            generation: fresh_generation(),
        };
        settings.reported = settings.reported_values();
        settings
    }
}

impl Settings {
    fn reported_values(&self) -> Vec<(&'static str, String)> {
        REPORTED
            .iter()
            .filter_map(|name| Some((*name, self.current.known.get(name)?.clone())))
            .collect()
    }

    /// The reported settings whose values changed since the last call (by
    /// SET, RESET, a transaction's end, ...), for ParameterStatus messages.
    pub fn take_reported_changes(&mut self) -> Vec<(String, String)> {
        let now = self.reported_values();
        let changed = now
            .iter()
            .filter(|(name, value)| !self.reported.iter().any(|(n, v)| n == name && v == value))
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect();
        self.reported = now;
        changed
    }
}

pub fn canonical(name: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .map(|(k, _)| *k)
        .find(|k| k.eq_ignore_ascii_case(name))
}

/// PostgreSQL's rule for a custom parameter name: two or more identifiers
/// separated by dots (`myapp.user_id`).
fn is_custom_name(name: &str) -> bool {
    name.contains('.')
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || !c.is_ascii())
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii())
        })
}

/// A parameter's default value (what SET ... TO DEFAULT stores); a custom
/// parameter's is empty.
pub fn default_value(name: &str) -> SqlResult<String> {
    if canonical(name).is_none() && is_custom_name(name) {
        return Ok(String::new());
    }
    let c = canonical(name).ok_or_else(|| unknown(name))?;
    Ok(KNOWN
        .iter()
        .find(|(k, _)| *k == c)
        .map(|(_, v)| v.to_string())
        .unwrap_or_default())
}

fn unknown(name: &str) -> SqlError {
    SqlError::new(
        "42704",
        format!("unrecognized configuration parameter \"{name}\""),
    )
}

/// The parameter SHOW names: `transaction isolation level`, `time zone`,
/// or a (custom, dotted) name.
pub fn show_name(words: &[sqlparser::ast::Ident]) -> String {
    let words: Vec<String> = words.iter().map(|i| i.value.to_lowercase()).collect();
    match words.join(" ").as_str() {
        "transaction isolation level" => "transaction_isolation".to_string(),
        "time zone" => "TimeZone".to_string(),
        _ => words.join("."),
    }
}

/// How long a change lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// SET / `set_config(.., false)`: the session (undone by ROLLBACK).
    Session,
    /// SET LOCAL / `set_config(.., true)`: the current transaction.
    Transaction,
}

impl Values {
    fn get(&self, name: &str) -> SqlResult<(String, String)> {
        // Callers inside the engine pass canonical names: a map lookup
        // instead of the case-insensitive scan of every known name (each
        // statement reads several settings).
        if let Some((c, v)) = self.known.get_key_value(name) {
            return Ok((c.to_string(), v.clone()));
        }
        if let Some(c) = canonical(name) {
            return Ok((
                c.to_string(),
                self.known.get(c).cloned().unwrap_or_default(),
            ));
        }
        self.custom
            .get(&name.to_lowercase())
            .cloned()
            .ok_or_else(|| unknown(name))
    }

    /// SET name = value (None = DEFAULT); returns the canonical name.
    fn set(&mut self, name: &str, value: Option<String>) -> SqlResult<String> {
        let Some(c) = canonical(name) else {
            if !name.contains('.') {
                return Err(unknown(name));
            }
            if !is_custom_name(name) {
                return Err(SqlError::new(
                    "42602",
                    format!("invalid configuration parameter name \"{name}\""),
                )
                .with_detail(
                    "Custom parameter names must be two or more simple identifiers separated by dots.",
                ));
            }
            let entry = self
                .custom
                .entry(name.to_lowercase())
                .or_insert_with(|| (name.to_string(), String::new()));
            entry.1 = value.unwrap_or_default();
            return Ok(entry.0.clone());
        };
        if READ_ONLY.contains(&c) {
            return Err(SqlError::new(
                "55P02",
                format!("parameter \"{c}\" cannot be changed"),
            ));
        }
        let default = KNOWN
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, v)| v.to_string())
            .unwrap_or_default();
        let v = value.unwrap_or(default);
        let invalid = || {
            SqlError::new(
                "22023",
                format!("invalid value for parameter \"{c}\": \"{v}\""),
            )
        };
        if let Some(normalized) = crate::ignored_knobs::normalize(c, &v) {
            let value = normalized.ok_or_else(|| {
                if crate::ignored_knobs::is_boolean(c) {
                    SqlError::new(
                        "22023",
                        format!("parameter \"{c}\" requires a Boolean value"),
                    )
                } else {
                    invalid()
                }
            })?;
            self.known.insert(c, value);
            return Ok(c.to_string());
        }
        match c {
            "lc_messages" | "lc_monetary" | "lc_numeric" | "lc_time" => {
                if !C_LOCALES.contains(&v.as_str()) {
                    return Err(invalid());
                }
                let stored = if v.is_empty() { "C" } else { v.as_str() };
                self.known.insert(c, stored.to_string());
                return Ok(c.to_string());
            }
            "extra_float_digits" => {
                let n: i32 = v.trim().parse().map_err(|_| invalid())?;
                if !(-15..=3).contains(&n) {
                    return Err(SqlError::new("22023", format!("{n} is outside the valid range for parameter \"extra_float_digits\" (-15 .. 3)")));
                }
            }
            "transaction_isolation" | "default_transaction_isolation" => {
                Isolation::parse(&v).ok_or_else(invalid)?;
            }
            "bytea_output" => {
                let lower = v.to_ascii_lowercase();
                if lower != "hex" && lower != "escape" {
                    return Err(invalid().with_hint("Available values: escape, hex."));
                }
                self.known.insert(c, lower);
                return Ok(c.to_string());
            }
            "client_encoding" => {
                let u = v.to_ascii_uppercase().replace(['-', '_'], "");
                if u != "UTF8" && u != "UNICODE" {
                    return Err(SqlError::new(
                        "0A000",
                        format!("conversion between {v} and UTF8 is not supported"),
                    ));
                }
                self.known.insert(c, "UTF8".into());
                return Ok(c.to_string());
            }
            "lock_timeout" | "statement_timeout" | "idle_in_transaction_session_timeout" => {
                let ms = parse_timeout_ms(&v).ok_or_else(invalid)?;
                if !(0..=TIMEOUT_MAX_MS).contains(&ms) {
                    return Err(SqlError::new(
                        "22023",
                        format!("{ms} ms is outside the valid range for parameter \"{c}\" (0 .. {TIMEOUT_MAX_MS})"),
                    ));
                }
                self.known.insert(c, format_timeout_ms(ms.unsigned_abs()));
                return Ok(c.to_string());
            }
            "work_mem" => {
                let kb = crate::spill::parse_memory_kb(&v).ok_or_else(invalid)?;
                if !(WORK_MEM_MIN_KB..=WORK_MEM_MAX_KB).contains(&kb) {
                    return Err(SqlError::new(
                        "22023",
                        format!("{kb} kB is outside the valid range for parameter \"work_mem\" ({WORK_MEM_MIN_KB} .. {WORK_MEM_MAX_KB})"),
                    ));
                }
                self.known.insert(c, crate::spill::format_memory_kb(kb));
                self.work_mem = kb.saturating_mul(1024);
                return Ok(c.to_string());
            }
            "TimeZone" => {
                let lower = v.trim().to_ascii_lowercase();
                let zone = if lower == "local" || lower == "default" {
                    crate::timezone::SessionZone::utc()
                } else {
                    crate::timezone::SessionZone::parse(&v).ok_or_else(invalid)?
                };
                self.known.insert(c, zone.name().to_string());
                self.datetime.zone = zone;
                return Ok(c.to_string());
            }
            "IntervalStyle" => {
                // An enum parameter's error names it as the statement spelled
                // it (identifiers fold to lower case), as in PostgreSQL.
                let style = crate::timezone::IntervalStyle::parse(&v).ok_or_else(|| {
                    SqlError::new(
                        "22023",
                        format!(
                            "invalid value for parameter \"{}\": \"{v}\"",
                            name.to_lowercase()
                        ),
                    )
                    .with_hint(
                        "Available values: postgres, postgres_verbose, sql_standard, iso_8601.",
                    )
                })?;
                self.known.insert(c, style.name().to_string());
                self.datetime.interval = style;
                return Ok(c.to_string());
            }
            "DateStyle" => {
                let style = crate::timezone::DateStyle::parse(&v, self.datetime.style)
                    .ok_or_else(invalid)?;
                self.known.insert(c, style.to_setting());
                self.datetime.style = style;
                return Ok(c.to_string());
            }
            "standard_conforming_strings" | "escape_string_warning" => {
                let on = crate::datum::parse_bool(&v).ok_or_else(|| {
                    SqlError::new(
                        "22023",
                        format!("parameter \"{c}\" requires a Boolean value"),
                    )
                })?;
                self.known
                    .insert(c, if on { "on" } else { "off" }.to_string());
                return Ok(c.to_string());
            }
            _ => {}
        }
        self.known.insert(c, v);
        Ok(c.to_string())
    }

    fn add_placeholder(&mut self, name: &str) {
        self.custom
            .entry(name.to_lowercase())
            .or_insert_with(|| (name.to_string(), String::new()));
    }

    /// RESET ALL: every parameter to its default; custom ones stay, empty.
    fn reset_all(&mut self) {
        let custom = std::mem::take(&mut self.custom);
        // RESET ALL leaves the session's identity alone, as in PostgreSQL.
        let kept: Vec<(&'static str, String)> = ["session_authorization", "role"]
            .into_iter()
            .filter_map(|k| self.known.get(k).map(|v| (k, v.clone())))
            .collect();
        *self = Settings::default().current;
        self.known.extend(kept);
        self.custom = custom
            .into_iter()
            .map(|(key, (name, _))| (key, (name, String::new())))
            .collect();
    }
}

impl Settings {
    /// Changes whenever any current value may have changed (SET, RESET,
    /// SET ROLE, the login role, a transaction's end, ROLLBACK TO SAVEPOINT);
    /// equal generations mean equal values.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The role privileges are checked as: SET ROLE's, else the session user.
    pub fn current_user(&self) -> String {
        match self.current.known.get("role") {
            Some(r) if r != "none" => r.clone(),
            _ => self.session_user(),
        }
    }

    /// The role the connection logged in as.
    pub fn login_role(&self) -> &str {
        &self.login_role
    }

    /// Makes `name` the login role and the session user.
    pub fn set_login_role(&mut self, name: &str) {
        self.login_role = name.to_string();
        self.current
            .known
            .insert("session_authorization", name.to_string());
        self.generation = fresh_generation();
    }

    /// The session user (SET SESSION AUTHORIZATION's, else the login role).
    pub fn session_user(&self) -> String {
        self.current
            .known
            .get("session_authorization")
            .cloned()
            .unwrap_or_else(|| crate::roles::BOOTSTRAP_ROLE.to_string())
    }

    /// (name as SHOW labels it, value).
    pub fn get(&self, name: &str) -> SqlResult<(String, String)> {
        self.current.get(name)
    }

    /// SET name = value (None = DEFAULT) for the session.
    pub fn set(&mut self, name: &str, value: Option<String>) -> SqlResult<String> {
        self.set_scoped(name, value, Scope::Session)
    }

    /// SET [LOCAL] name = value (None = DEFAULT). A change in `scope`
    /// Transaction lasts until [`Settings::end_transaction`].
    pub fn set_scoped(
        &mut self,
        name: &str,
        value: Option<String>,
        scope: Scope,
    ) -> SqlResult<String> {
        // The session user's default is the login role, not `postgres`.
        let value = match (canonical(name), value) {
            (Some("session_authorization"), None) => Some(self.login_role.clone()),
            (_, v) => v,
        };
        let mut next = self.current.clone();
        let label = next.set(name, value.clone())?;
        let saved = self.transaction.get_or_insert_with(|| {
            Box::new(TransactionSaved {
                at_start: self.current.clone(),
                on_commit: self.current.clone(),
            })
        });
        if scope == Scope::Session {
            // Validated above on the current values, so this cannot fail
            // differently; the value SET stored is what COMMIT keeps.
            saved.on_commit.set(name, value)?;
        }
        if canonical(name).is_none() {
            // As in PostgreSQL, a custom parameter once set exists (empty)
            // even after the transaction that set it ends.
            saved.at_start.add_placeholder(&label);
            saved.on_commit.add_placeholder(&label);
        }
        self.current = next;
        self.generation = fresh_generation();
        Ok(label)
    }

    /// The session's currval/lastval memory (DISCARD SEQUENCES clears it).
    pub fn sequences(&self) -> &crate::sequence::SessionSequences {
        &self.sequences
    }

    /// RESET ALL (undone by ROLLBACK like SET).
    pub fn reset_all(&mut self) {
        let saved = self.transaction.get_or_insert_with(|| {
            Box::new(TransactionSaved {
                at_start: self.current.clone(),
                on_commit: self.current.clone(),
            })
        });
        saved.on_commit.reset_all();
        self.current.reset_all();
        self.generation = fresh_generation();
    }

    /// SAVEPOINT: what ROLLBACK TO restores.
    pub fn savepoint(&mut self) {
        self.savepoints
            .push((self.current.clone(), self.transaction.clone()));
    }

    /// ROLLBACK TO the `i`th open savepoint (which stays open): undoes the
    /// SETs made since.
    pub fn rollback_to_savepoint(&mut self, i: usize) {
        self.savepoints.truncate(i + 1);
        if let Some((current, transaction)) = self.savepoints.get(i) {
            self.current = current.clone();
            self.transaction = transaction.clone();
            self.generation = fresh_generation();
        }
    }

    /// RELEASE the `i`th open savepoint and those after it.
    pub fn release_savepoint(&mut self, i: usize) {
        self.savepoints.truncate(i);
    }

    /// The transaction (explicit block, or a statement's own) ended: keep its
    /// session-level changes if it committed, else restore the values before it.
    pub fn end_transaction(&mut self, committed: bool) {
        self.savepoints.clear();
        if let Some(saved) = self.transaction.take() {
            self.current = if committed {
                saved.on_commit
            } else {
                saved.at_start
            };
            self.generation = fresh_generation();
        }
    }

    /// bytea_output = escape (else hex).
    pub fn bytea_output_escape(&self) -> bool {
        self.current.known.get("bytea_output").map(String::as_str) == Some("escape")
    }

    /// The session's TimeZone and DateStyle.
    pub fn datetime(&self) -> &crate::timezone::DateTimeConfig {
        &self.current.datetime
    }

    pub fn extra_float_digits(&self) -> i32 {
        self.current
            .known
            .get("extra_float_digits")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(1)
    }

    /// The work_mem budget of each sort, hash aggregate and hash join, in bytes.
    /// lock_timeout: how long a row lock may be waited for (None: forever).
    pub fn lock_timeout(&self) -> Option<std::time::Duration> {
        self.timeout("lock_timeout")
    }

    /// statement_timeout: how long one statement may run (None: forever).
    pub fn statement_timeout(&self) -> Option<std::time::Duration> {
        self.timeout("statement_timeout")
    }

    /// idle_in_transaction_session_timeout: how long a session may sit idle inside a
    /// transaction block before the server ends it (None: forever).
    pub fn idle_in_transaction_session_timeout(&self) -> Option<std::time::Duration> {
        self.timeout("idle_in_transaction_session_timeout")
    }

    fn timeout(&self, name: &str) -> Option<std::time::Duration> {
        let ms = parse_timeout_ms(self.current.known.get(name)?)?;
        (ms > 0).then(|| std::time::Duration::from_millis(ms.unsigned_abs()))
    }

    pub fn work_mem_bytes(&self) -> usize {
        self.current.work_mem
    }

    pub fn default_isolation(&self) -> Isolation {
        self.current
            .known
            .get("default_transaction_isolation")
            .and_then(|v| Isolation::parse(v))
            .unwrap_or(Isolation::ReadCommitted)
    }
}

/// One `set_config()` call of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigChange {
    pub name: String,
    pub value: String,
    pub scope: Scope,
}

/// The settings one statement sees: the session's, then the statement's own
/// `set_config()` calls, which the session keeps if the statement succeeds.
pub struct StatementSettings<'a> {
    base: &'a Settings,
    changes: std::sync::Mutex<Vec<ConfigChange>>,
    /// The catalog and role run-time privilege checks use.
    access: Option<crate::privileges::Access>,
}

impl<'a> StatementSettings<'a> {
    /// The session's lock_timeout as the statement started.
    pub fn lock_timeout(&self) -> Option<std::time::Duration> {
        self.base.lock_timeout()
    }

    /// The session's TimeZone and DateStyle as the statement started.
    pub fn datetime(&self) -> &crate::timezone::DateTimeConfig {
        self.base.datetime()
    }

    /// Gives the statement what run-time privilege checks need.
    pub fn with_access(mut self, access: crate::privileges::Access) -> StatementSettings<'a> {
        self.access = Some(access);
        self
    }

    pub fn access(&self) -> Option<&crate::privileges::Access> {
        self.access.as_ref()
    }

    /// The role the statement runs as.
    pub fn current_user(&self) -> String {
        match &self.access {
            Some(a) => a.current_user.clone(),
            None => self.base.current_user(),
        }
    }

    /// A sequence function's privilege check (`any_of` the bits).
    pub fn check_sequence(&self, name: &str, any_of: u16) -> SqlResult<()> {
        match &self.access {
            Some(a) => a.check_sequence(name, any_of),
            None => Ok(()),
        }
    }

    /// The session's currval/lastval memory.
    pub fn sequences(&self) -> &crate::sequence::SessionSequences {
        &self.base.sequences
    }

    pub fn new(base: &'a Settings) -> StatementSettings<'a> {
        StatementSettings {
            base,
            changes: std::sync::Mutex::new(Vec::new()),
            access: None,
        }
    }

    fn changes(&self) -> SqlResult<std::sync::MutexGuard<'_, Vec<ConfigChange>>> {
        self.changes
            .lock()
            .map_err(|_| SqlError::internal("settings lock poisoned"))
    }

    /// The session's values with this statement's changes so far applied.
    fn with_changes(&self, changes: &[ConfigChange]) -> SqlResult<Values> {
        let mut values = self.base.current.clone();
        for change in changes {
            values.set(&change.name, Some(change.value.clone()))?;
        }
        Ok(values)
    }

    /// `current_setting(name [, missing_ok])`: None for an unknown name
    /// when `missing_ok`.
    pub fn current(&self, name: &str, missing_ok: bool) -> SqlResult<Option<String>> {
        let changes = self.changes()?;
        let values = if changes.is_empty() {
            self.base.current.get(name)
        } else {
            self.with_changes(&changes)?.get(name)
        };
        match values {
            Ok((_, v)) => Ok(Some(v)),
            Err(_) if missing_ok => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `set_config(name, value, is_local)`: the value as SET stores it.
    pub fn set_config(&self, name: &str, value: &str, scope: Scope) -> SqlResult<String> {
        // The session's identity changes only through its checked statements.
        if let Some(c @ ("role" | "session_authorization")) = canonical(name) {
            return Err(SqlError::unsupported(format!("set_config('{c}', ...)")));
        }
        let mut changes = self.changes()?;
        let mut values = self.with_changes(&changes)?;
        let canonical = values.set(name, Some(value.to_string()))?;
        let stored = values.get(&canonical)?.1;
        changes.push(ConfigChange {
            name: canonical,
            value: stored.clone(),
            scope,
        });
        Ok(stored)
    }

    /// The statement's `set_config()` calls, in order.
    pub fn into_changes(self) -> Vec<ConfigChange> {
        self.changes.into_inner().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_and_show() {
        let mut s = Settings::default();
        assert_eq!(
            s.get("datestyle").unwrap(),
            ("DateStyle".to_string(), "ISO, MDY".to_string())
        );
        s.set("EXTRA_FLOAT_DIGITS", Some("0".into())).unwrap();
        assert_eq!(s.extra_float_digits(), 0);
        assert!(s.set("extra_float_digits", Some("9".into())).is_err());
        assert_eq!(s.set("nope", None).unwrap_err().sqlstate, "42704");
        s.set("application_name", Some("x".into())).unwrap();
        s.set("application_name", None).unwrap();
        assert_eq!(s.get("application_name").unwrap().1, "");
    }

    #[test]
    fn locale_settings_accept_only_the_c_locale() {
        let mut s = Settings::default();
        assert_eq!(s.get("lc_numeric").unwrap().1, "C");
        s.set("LC_NUMERIC", Some("POSIX".into())).unwrap();
        assert_eq!(s.get("lc_numeric").unwrap().1, "POSIX");
        s.set("lc_numeric", None).unwrap();
        assert_eq!(s.get("lc_numeric").unwrap().1, "C");
        assert_eq!(
            s.set("lc_time", Some("xx_YY".into())).unwrap_err().message,
            "invalid value for parameter \"lc_time\": \"xx_YY\""
        );
    }

    #[test]
    fn work_mem_takes_postgresql_units() {
        let mut s = Settings::default();
        assert_eq!(s.get("work_mem").unwrap().1, "4MB");
        assert_eq!(s.work_mem_bytes(), 4 << 20);
        s.set("work_mem", Some("64kB".into())).unwrap();
        assert_eq!(s.get("WORK_MEM").unwrap().1, "64kB");
        assert_eq!(s.work_mem_bytes(), 64 << 10);
        s.set("work_mem", Some("65536".into())).unwrap();
        assert_eq!(s.get("work_mem").unwrap().1, "64MB");
        assert_eq!(
            s.set("work_mem", Some("10kB".into())).unwrap_err().sqlstate,
            "22023"
        );
        assert_eq!(
            s.set("work_mem", Some("lots".into())).unwrap_err().sqlstate,
            "22023"
        );
        s.set("work_mem", None).unwrap();
        assert_eq!(s.work_mem_bytes(), 4 << 20);
    }

    #[test]
    fn transactions_undo_set_and_end_set_local() {
        let mut s = Settings::default();
        s.set("work_mem", Some("64kB".into())).unwrap();
        s.set_scoped("work_mem", Some("128kB".into()), Scope::Transaction)
            .unwrap();
        assert_eq!(s.get("work_mem").unwrap().1, "128kB");
        s.end_transaction(true);
        assert_eq!(s.get("work_mem").unwrap().1, "64kB", "COMMIT keeps SET");
        s.set("work_mem", Some("256kB".into())).unwrap();
        s.end_transaction(false);
        assert_eq!(s.get("work_mem").unwrap().1, "64kB", "ROLLBACK undoes SET");
        s.set_scoped("work_mem", Some("1MB".into()), Scope::Transaction)
            .unwrap();
        s.set("work_mem", Some("2MB".into())).unwrap();
        s.end_transaction(true);
        assert_eq!(s.get("work_mem").unwrap().1, "2MB");
        assert_eq!(s.work_mem_bytes(), 2 << 20);
    }

    #[test]
    fn rollback_to_savepoint_undoes_the_sets_after_it() {
        let mut s = Settings::default();
        s.set("work_mem", Some("1MB".into())).unwrap();
        s.savepoint();
        s.set("work_mem", Some("2MB".into())).unwrap();
        s.savepoint();
        s.set("work_mem", Some("3MB".into())).unwrap();
        s.rollback_to_savepoint(0);
        assert_eq!(s.get("work_mem").unwrap().1, "1MB");
        s.set("work_mem", Some("5MB".into())).unwrap();
        s.rollback_to_savepoint(0);
        assert_eq!(s.get("work_mem").unwrap().1, "1MB", "the savepoint stays");
        s.release_savepoint(0);
        s.end_transaction(true);
        assert_eq!(s.get("work_mem").unwrap().1, "1MB");
        s.end_transaction(false);
        assert_eq!(s.get("work_mem").unwrap().1, "1MB");
    }

    #[test]
    fn custom_parameters_need_a_dotted_name_and_stay_once_set() {
        let mut s = Settings::default();
        assert_eq!(s.get("myapp.user_id").unwrap_err().sqlstate, "42704");
        assert_eq!(
            s.set("nodot", Some("1".into())).unwrap_err().sqlstate,
            "42704"
        );
        assert_eq!(
            s.set("x.1y", Some("1".into())).unwrap_err().sqlstate,
            "42602"
        );
        s.set_scoped("MyApp.User_Id", Some("42".into()), Scope::Transaction)
            .unwrap();
        assert_eq!(
            s.get("myapp.user_id").unwrap(),
            ("MyApp.User_Id".to_string(), "42".to_string())
        );
        s.end_transaction(false);
        // As in PostgreSQL, the parameter now exists, empty.
        assert_eq!(s.get("myapp.user_id").unwrap().1, "");
        s.set("myapp.user_id", Some("7".into())).unwrap();
        s.reset_all();
        s.end_transaction(true);
        assert_eq!(s.get("myapp.user_id").unwrap().1, "");
        assert_eq!(s.get("work_mem").unwrap().1, "4MB");
    }

    #[test]
    fn statement_settings_see_their_own_set_config() {
        let base = Settings::default();
        let st = StatementSettings::new(&base);
        assert_eq!(
            st.current("DATESTYLE", false).unwrap().as_deref(),
            Some("ISO, MDY")
        );
        assert_eq!(st.current("nope", true).unwrap(), None);
        assert_eq!(st.current("nope", false).unwrap_err().sqlstate, "42704");
        assert_eq!(
            st.set_config("work_mem", "65536", Scope::Session).unwrap(),
            "64MB"
        );
        assert_eq!(
            st.current("work_mem", false).unwrap().as_deref(),
            Some("64MB")
        );
        assert_eq!(
            st.set_config("work_mem", "1kB", Scope::Session)
                .unwrap_err()
                .sqlstate,
            "22023"
        );
        assert_eq!(
            st.set_config("server_version", "1", Scope::Session)
                .unwrap_err()
                .sqlstate,
            "55P02"
        );
        assert_eq!(
            st.into_changes(),
            vec![ConfigChange {
                name: "work_mem".into(),
                value: "64MB".into(),
                scope: Scope::Session
            }]
        );
    }
}
