//! A cluster's serverless settings: the capacity range and the auto-pause delay.
//!
//! The control plane persists these as JSON and sends them to the compute over HTTP, so
//! they are serde types; [`ServerlessConfig::from_json`] and [`ServerlessConfig::validate`]
//! refuse every bad setting with a message that says what is allowed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use thiserror::Error;

use crate::acu::{Acu, AcuError};

/// Shortest and longest auto-pause delays. Aurora allows 300 s to 1 day; we allow shorter
/// delays for development and tests.
pub const AUTO_PAUSE_SECONDS_MIN: u32 = 1;
pub const AUTO_PAUSE_SECONDS_MAX: u32 = 86_400;
pub const AUTO_PAUSE_SECONDS_DEFAULT: u32 = 300;

/// A serverless setting that is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error(transparent)]
    Capacity(#[from] AcuError),
    #[error("min capacity {min} ACU is above max capacity {max} ACU: min must be at most max")]
    MinAboveMax { min: Acu, max: Acu },
    #[error("max capacity 0 ACU would never run: max must be from 0.5 to 256 ACU in steps of 0.5")]
    MaxZero,
    #[error(
        "auto-pause after {0} seconds is not allowed: it must be a whole number of seconds \
         from {AUTO_PAUSE_SECONDS_MIN} to {AUTO_PAUSE_SECONDS_MAX}"
    )]
    AutoPauseOutOfRange(i64),
    #[error("bad serverless configuration: {0}")]
    Json(String),
}

/// The capacity an instance may take: `min..=max` ACUs. `min` 0 enables auto-pause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityRange {
    pub min: Acu,
    pub max: Acu,
}

impl CapacityRange {
    /// A valid range, or why not.
    pub fn new(min: Acu, max: Acu) -> Result<CapacityRange, ConfigError> {
        let range = CapacityRange { min, max };
        range.validate()?;
        Ok(range)
    }

    /// Parse both bounds as the command line gives them ("0.5", "8").
    pub fn parse(min: &str, max: &str) -> Result<CapacityRange, ConfigError> {
        CapacityRange::new(min.parse()?, max.parse()?)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max.is_zero() {
            return Err(ConfigError::MaxZero);
        }
        if self.min > self.max {
            return Err(ConfigError::MinAboveMax {
                min: self.min,
                max: self.max,
            });
        }
        Ok(())
    }

    /// The lowest capacity a running instance may have: `min`, but at least 0.5 (0 is
    /// paused, which only the pause policy decides), and never above `max`.
    pub fn running_min(&self) -> Acu {
        self.min.max(Acu::HALF).min(self.max)
    }

    /// `capacity` moved into the running range.
    pub fn clamp_running(&self, capacity: Acu) -> Acu {
        capacity.min(self.max).max(self.running_min())
    }

    pub fn contains(&self, capacity: Acu) -> bool {
        self.min <= capacity && capacity <= self.max
    }

    /// Whether the instance may pause (min capacity 0).
    pub fn allows_pause(&self) -> bool {
        self.min.is_zero()
    }
}

impl fmt::Display for CapacityRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {} ACU", self.min, self.max)
    }
}

/// A cluster's serverless settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerlessConfig {
    pub range: CapacityRange,
    /// With `range.min` 0: pause after this many seconds without any connection.
    #[serde(
        default = "auto_pause_seconds_default",
        deserialize_with = "deserialize_auto_pause"
    )]
    pub auto_pause_seconds: u32,
}

fn auto_pause_seconds_default() -> u32 {
    AUTO_PAUSE_SECONDS_DEFAULT
}

/// Reads any JSON integer so that a negative or huge delay gets the message that says what
/// is allowed, not serde's "expected u32".
fn deserialize_auto_pause<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let seconds = i64::deserialize(deserializer)?;
    check_auto_pause(seconds).map_err(serde::de::Error::custom)
}

fn check_auto_pause(seconds: i64) -> Result<u32, ConfigError> {
    if (i64::from(AUTO_PAUSE_SECONDS_MIN)..=i64::from(AUTO_PAUSE_SECONDS_MAX)).contains(&seconds) {
        Ok(seconds as u32)
    } else {
        Err(ConfigError::AutoPauseOutOfRange(seconds))
    }
}

impl Default for ServerlessConfig {
    /// 0.5 to 8 ACU (on the default profile: 48 to 768 MiB of cache), no auto-pause; pause
    /// after 300 s (Aurora's default) once min is set to 0.
    fn default() -> Self {
        ServerlessConfig {
            range: CapacityRange {
                min: Acu::HALF,
                max: Acu::from_half_units(16).expect("8 ACU is within range"),
            },
            auto_pause_seconds: AUTO_PAUSE_SECONDS_DEFAULT,
        }
    }
}

impl ServerlessConfig {
    /// A valid configuration from command-line values ("0", "4", seconds), or why not.
    pub fn parse(min: &str, max: &str, auto_pause_seconds: i64) -> Result<Self, ConfigError> {
        let config = ServerlessConfig {
            range: CapacityRange::parse(min, max)?,
            auto_pause_seconds: check_auto_pause(auto_pause_seconds)?,
        };
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.range.validate()?;
        check_auto_pause(i64::from(self.auto_pause_seconds))?;
        Ok(())
    }

    /// Parse and validate a JSON configuration
    /// (`{"range":{"min":0,"max":4},"auto_pause_seconds":60}`).
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let config: ServerlessConfig =
            serde_json::from_str(text).map_err(|e| ConfigError::Json(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acu(text: &str) -> Acu {
        text.parse().unwrap()
    }

    #[test]
    fn refuses_min_above_max() {
        let error = CapacityRange::parse("4", "2").unwrap_err();
        assert_eq!(
            error,
            ConfigError::MinAboveMax {
                min: acu("4"),
                max: acu("2")
            }
        );
        assert!(error.to_string().contains("min must be at most max"));
    }

    #[test]
    fn refuses_max_zero_and_bad_steps() {
        assert_eq!(CapacityRange::parse("0", "0"), Err(ConfigError::MaxZero));
        let error = CapacityRange::parse("0.3", "2").unwrap_err().to_string();
        assert!(error.contains("steps of 0.5"), "{error}");
        let error = CapacityRange::parse("1", "300").unwrap_err().to_string();
        assert!(error.contains("from 0 to 256"), "{error}");
    }

    #[test]
    fn refuses_bad_auto_pause() {
        for seconds in [-5, 0, 86_401] {
            let error = ServerlessConfig::parse("0", "2", seconds).unwrap_err();
            assert_eq!(error, ConfigError::AutoPauseOutOfRange(seconds));
            assert!(error.to_string().contains("from 1 to 86400"), "{error}");
        }
        assert!(ServerlessConfig::parse("0", "2", 1).is_ok());
    }

    #[test]
    fn running_min_is_at_least_half() {
        let range = CapacityRange::parse("0", "4").unwrap();
        assert!(range.allows_pause());
        assert_eq!(range.running_min(), Acu::HALF);
        assert_eq!(range.clamp_running(Acu::ZERO), Acu::HALF);
        assert_eq!(range.clamp_running(acu("10")), acu("4"));
        let range = CapacityRange::parse("2", "4").unwrap();
        assert_eq!(range.clamp_running(Acu::HALF), acu("2"));
        assert!(!range.allows_pause());
    }

    #[test]
    fn json_round_trip_and_defaults() {
        let config = ServerlessConfig::parse("0", "4.5", 60).unwrap();
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(
            json,
            r#"{"range":{"min":0,"max":4.5},"auto_pause_seconds":60}"#
        );
        assert_eq!(ServerlessConfig::from_json(&json), Ok(config));
        let defaulted = ServerlessConfig::from_json(r#"{"range":{"min":1,"max":2}}"#).unwrap();
        assert_eq!(defaulted.auto_pause_seconds, AUTO_PAUSE_SECONDS_DEFAULT);
        ServerlessConfig::default().validate().unwrap();
    }

    #[test]
    fn json_refusals_say_what_is_allowed() {
        let cases = [
            (r#"{"range":{"min":3,"max":2}}"#, "min must be at most max"),
            (r#"{"range":{"min":0.2,"max":2}}"#, "steps of 0.5"),
            (
                r#"{"range":{"min":0,"max":2},"auto_pause_seconds":-1}"#,
                "from 1 to 86400",
            ),
            (r#"{"range":{"min":0,"max":0}}"#, "max must be from 0.5"),
            ("{", "bad serverless configuration"),
        ];
        for (json, what) in cases {
            let error = ServerlessConfig::from_json(json).unwrap_err().to_string();
            assert!(error.contains(what), "{json}: {error}");
        }
    }
}
