//! The auto-pause policy: with min capacity 0, pause once no connection has existed for
//! `auto_pause_seconds`. A connection that opened and closed between two observations
//! counts as activity too, so short-lived clients keep the instance up.

use std::time::Duration;

use crate::config::ServerlessConfig;

/// What happened since the previous observation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Activity {
    /// Connections open now.
    pub connections: u32,
    /// Connections opened since the previous observation.
    pub connections_opened: u64,
}

impl Activity {
    pub fn is_idle(&self) -> bool {
        self.connections == 0 && self.connections_opened == 0
    }
}

/// Tracks how long the instance has been without connections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PausePolicy {
    idle_for: Duration,
}

impl PausePolicy {
    pub fn new() -> PausePolicy {
        PausePolicy::default()
    }

    /// Record `elapsed` time of `activity`; true when the instance should pause now.
    pub fn observe(
        &mut self,
        activity: Activity,
        elapsed: Duration,
        config: &ServerlessConfig,
    ) -> bool {
        if activity.is_idle() {
            self.idle_for = self.idle_for.saturating_add(elapsed);
        } else {
            self.idle_for = Duration::ZERO;
        }
        config.range.allows_pause()
            && self.idle_for >= Duration::from_secs(u64::from(config.auto_pause_seconds))
    }

    /// Time since the last connection was seen.
    pub fn idle_for(&self) -> Duration {
        self.idle_for
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn idle() -> Activity {
        Activity::default()
    }

    #[test]
    fn pauses_after_the_whole_idle_period() {
        let config = ServerlessConfig::parse("0", "4", 5).unwrap();
        let mut policy = PausePolicy::new();
        for _ in 0..4 {
            assert!(!policy.observe(idle(), SECOND, &config));
        }
        assert!(policy.observe(idle(), SECOND, &config));
        assert_eq!(policy.idle_for(), 5 * SECOND);
    }

    #[test]
    fn a_connection_restarts_the_period() {
        let config = ServerlessConfig::parse("0", "4", 3).unwrap();
        let mut policy = PausePolicy::new();
        policy.observe(idle(), SECOND, &config);
        policy.observe(idle(), SECOND, &config);
        let open = Activity {
            connections: 1,
            connections_opened: 0,
        };
        assert!(!policy.observe(open, SECOND, &config));
        let flicker = Activity {
            connections: 0,
            connections_opened: 1,
        };
        policy.observe(idle(), SECOND, &config);
        assert!(!policy.observe(flicker, SECOND, &config));
        assert!(!policy.observe(idle(), SECOND, &config));
        assert!(!policy.observe(idle(), SECOND, &config));
        assert!(policy.observe(idle(), SECOND, &config));
    }

    #[test]
    fn never_pauses_with_min_above_zero() {
        let config = ServerlessConfig::parse("0.5", "4", 1).unwrap();
        let mut policy = PausePolicy::new();
        for _ in 0..100 {
            assert!(!policy.observe(idle(), SECOND, &config));
        }
    }
}
