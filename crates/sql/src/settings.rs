//! Per-session run-time settings (SET/SHOW): the handful of parameters
//! clients and drivers set, with PostgreSQL's canonical names and defaults.

use std::collections::BTreeMap;

use crate::error::{SqlError, SqlResult};
use crate::txn::Isolation;

/// (canonical name, default value).
const KNOWN: &[(&str, &str)] = &[
    ("application_name", ""),
    ("client_encoding", "UTF8"),
    ("client_min_messages", "notice"),
    ("DateStyle", "ISO, MDY"),
    // SQLAlchemy's table-options reflection compares pg_am.amname with it.
    ("default_table_access_method", "heap"),
    ("default_transaction_isolation", "read committed"),
    ("default_transaction_read_only", "off"),
    ("extra_float_digits", "1"),
    ("idle_in_transaction_session_timeout", "0"),
    ("integer_datetimes", "on"),
    ("IntervalStyle", "postgres"),
    ("lock_timeout", "0"),
    ("max_identifier_length", "63"),
    ("search_path", "\"$user\", public"),
    ("server_encoding", "UTF8"),
    ("server_version", "15.0"),
    ("server_version_num", "150000"),
    ("standard_conforming_strings", "on"),
    ("statement_timeout", "0"),
    ("TimeZone", "UTC"),
    ("transaction_isolation", "read committed"),
    ("work_mem", "4MB"),
];

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

#[derive(Clone, Debug)]
pub struct Settings {
    values: BTreeMap<&'static str, String>,
    /// work_mem in bytes, kept parsed: every statement reads it.
    work_mem: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            values: KNOWN.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            work_mem: crate::spill::DEFAULT_WORK_MEM,
        }
    }
}

pub fn canonical(name: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .map(|(k, _)| *k)
        .find(|k| k.eq_ignore_ascii_case(name))
}

/// A parameter's default value (what SET ... TO DEFAULT stores).
pub fn default_value(name: &str) -> SqlResult<String> {
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

impl Settings {
    pub fn get(&self, name: &str) -> SqlResult<(&'static str, String)> {
        let c = canonical(name).ok_or_else(|| unknown(name))?;
        Ok((c, self.values.get(c).cloned().unwrap_or_default()))
    }

    /// SET name = value (None = DEFAULT).
    pub fn set(&mut self, name: &str, value: Option<String>) -> SqlResult<&'static str> {
        let c = canonical(name).ok_or_else(|| unknown(name))?;
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
        match c {
            "extra_float_digits" => {
                let n: i32 = v.trim().parse().map_err(|_| invalid())?;
                if !(-15..=3).contains(&n) {
                    return Err(SqlError::new("22023", format!("{n} is outside the valid range for parameter \"extra_float_digits\" (-15 .. 3)")));
                }
            }
            "transaction_isolation" | "default_transaction_isolation" => {
                Isolation::parse(&v).ok_or_else(invalid)?;
            }
            "client_encoding" => {
                let u = v.to_ascii_uppercase().replace(['-', '_'], "");
                if u != "UTF8" && u != "UNICODE" {
                    return Err(SqlError::new(
                        "0A000",
                        format!("conversion between {v} and UTF8 is not supported"),
                    ));
                }
                self.values.insert(c, "UTF8".into());
                return Ok(c);
            }
            "work_mem" => {
                let kb = crate::spill::parse_memory_kb(&v).ok_or_else(invalid)?;
                if !(WORK_MEM_MIN_KB..=WORK_MEM_MAX_KB).contains(&kb) {
                    return Err(SqlError::new(
                        "22023",
                        format!("{kb} kB is outside the valid range for parameter \"work_mem\" ({WORK_MEM_MIN_KB} .. {WORK_MEM_MAX_KB})"),
                    ));
                }
                self.values.insert(c, crate::spill::format_memory_kb(kb));
                self.work_mem = kb.saturating_mul(1024);
                return Ok(c);
            }
            "standard_conforming_strings"
                if !matches!(v.to_ascii_lowercase().as_str(), "on" | "true" | "1") =>
            {
                return Err(SqlError::unsupported("standard_conforming_strings = off"));
            }
            _ => {}
        }
        self.values.insert(c, v);
        Ok(c)
    }

    pub fn extra_float_digits(&self) -> i32 {
        self.values
            .get("extra_float_digits")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(1)
    }

    /// The work_mem budget of each sort, hash aggregate and hash join, in bytes.
    pub fn work_mem_bytes(&self) -> usize {
        self.work_mem
    }

    pub fn default_isolation(&self) -> Isolation {
        self.values
            .get("default_transaction_isolation")
            .and_then(|v| Isolation::parse(v))
            .unwrap_or(Isolation::ReadCommitted)
    }
}

/// The settings one statement sees: the session's, then the statement's own
/// `set_config()` calls, which the session keeps if the statement succeeds.
pub struct StatementSettings<'a> {
    base: &'a Settings,
    changes: std::sync::Mutex<Vec<(&'static str, String)>>,
}

impl<'a> StatementSettings<'a> {
    pub fn new(base: &'a Settings) -> StatementSettings<'a> {
        StatementSettings {
            base,
            changes: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn changes(&self) -> SqlResult<std::sync::MutexGuard<'_, Vec<(&'static str, String)>>> {
        self.changes
            .lock()
            .map_err(|_| SqlError::internal("settings lock poisoned"))
    }

    /// `current_setting(name [, missing_ok])`: None for an unknown name
    /// when `missing_ok`.
    pub fn current(&self, name: &str, missing_ok: bool) -> SqlResult<Option<String>> {
        let Some(c) = canonical(name) else {
            return if missing_ok {
                Ok(None)
            } else {
                Err(unknown(name))
            };
        };
        if let Some((_, v)) = self.changes()?.iter().rev().find(|(k, _)| *k == c) {
            return Ok(Some(v.clone()));
        }
        self.base.get(c).map(|(_, v)| Some(v))
    }

    /// `set_config(name, value, false)`: the value as SET stores it.
    pub fn set_config(&self, name: &str, value: &str) -> SqlResult<String> {
        let mut changes = self.changes()?;
        let mut s = self.base.clone();
        for (k, v) in changes.iter() {
            s.set(k, Some(v.clone()))?;
        }
        let c = s.set(name, Some(value.to_string()))?;
        let stored = s.get(c)?.1;
        changes.push((c, stored.clone()));
        Ok(stored)
    }

    /// The statement's `set_config()` calls, in order.
    pub fn into_changes(self) -> Vec<(&'static str, String)> {
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
            ("DateStyle", "ISO, MDY".to_string())
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
    fn statement_settings_see_their_own_set_config() {
        let base = Settings::default();
        let st = StatementSettings::new(&base);
        assert_eq!(
            st.current("DATESTYLE", false).unwrap().as_deref(),
            Some("ISO, MDY")
        );
        assert_eq!(st.current("nope", true).unwrap(), None);
        assert_eq!(st.current("nope", false).unwrap_err().sqlstate, "42704");
        assert_eq!(st.set_config("work_mem", "65536").unwrap(), "64MB");
        assert_eq!(
            st.current("work_mem", false).unwrap().as_deref(),
            Some("64MB")
        );
        assert_eq!(
            st.set_config("work_mem", "1kB").unwrap_err().sqlstate,
            "22023"
        );
        assert_eq!(
            st.set_config("server_version", "1").unwrap_err().sqlstate,
            "55P02"
        );
        assert_eq!(st.into_changes(), vec![("work_mem", "64MB".to_string())]);
    }
}
