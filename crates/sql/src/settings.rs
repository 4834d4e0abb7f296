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
];

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
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            values: KNOWN.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        }
    }
}

pub fn canonical(name: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .map(|(k, _)| *k)
        .find(|k| k.eq_ignore_ascii_case(name))
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

    pub fn default_isolation(&self) -> Isolation {
        self.values
            .get("default_transaction_isolation")
            .and_then(|v| Isolation::parse(v))
            .unwrap_or(Isolation::ReadCommitted)
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
}
