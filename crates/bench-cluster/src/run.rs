//! The result of one timed client run on one system.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Run {
    pub tps: f64,
    /// Committed (logged as successful) transactions.
    pub transactions: u64,
    pub failed: u64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// Why the run produced no numbers, when it did not.
    pub error: Option<String>,
}

impl Run {
    pub fn failed(error: String) -> Run {
        Run {
            tps: f64::NAN,
            transactions: 0,
            failed: 0,
            p50_ms: None,
            p99_ms: None,
            error: Some(error),
        }
    }

    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}
