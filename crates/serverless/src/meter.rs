//! Metering: ACU-seconds, the basis of cost reporting, accumulated from (capacity, elapsed)
//! samples. Kept exactly, in half-ACU-microseconds, so that a long run adds up without
//! float drift.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::acu::Acu;

/// ACU-seconds of one instance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meter {
    half_acu_micros: u128,
}

impl Meter {
    pub fn new() -> Meter {
        Meter::default()
    }

    /// The instance ran at `capacity` for `elapsed`.
    pub fn record(&mut self, capacity: Acu, elapsed: Duration) {
        self.half_acu_micros = self
            .half_acu_micros
            .saturating_add(u128::from(capacity.half_units()) * elapsed.as_micros());
    }

    pub fn acu_seconds(&self) -> f64 {
        self.half_acu_micros as f64 / 2.0e6
    }

    /// Add another meter's total (e.g. the instance's earlier runs before a pause).
    pub fn merge(&mut self, other: &Meter) {
        self.half_acu_micros = self.half_acu_micros.saturating_add(other.half_acu_micros);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accumulates_capacity_times_time() {
        let mut meter = Meter::new();
        meter.record(Acu::HALF, Duration::from_secs(10));
        meter.record("4".parse().unwrap(), Duration::from_millis(1500));
        meter.record(Acu::ZERO, Duration::from_secs(1000));
        assert_eq!(meter.acu_seconds(), 5.0 + 6.0);
        let mut total = Meter::new();
        total.merge(&meter);
        total.merge(&meter);
        assert_eq!(total.acu_seconds(), 22.0);
    }

    #[test]
    fn exact_over_many_small_samples() {
        let mut meter = Meter::new();
        for _ in 0..1_000_000 {
            meter.record(Acu::HALF, Duration::from_millis(1));
        }
        assert_eq!(meter.acu_seconds(), 500.0);
    }
}
