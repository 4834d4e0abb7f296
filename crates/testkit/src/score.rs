//! Scores and the ratchet: a suite's score is what passes on Borealis out of
//! what passes on the oracle; the ratchet file records each suite's passed
//! count and the selection it was measured on, and a later run of the same
//! selection must not pass fewer.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// One suite's score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// Passed on Borealis (and on the oracle).
    pub borealis_passed: usize,
    /// Passed on the oracle: the denominator.
    pub postgres_passed: usize,
    /// Everything run, whatever the oracle did.
    pub total: usize,
    /// What was run (files, record limit): scores compare only like with like.
    pub selection: String,
}

impl Score {
    pub fn percent(&self) -> f64 {
        percent(self.borealis_passed, self.postgres_passed)
    }
}

pub fn percent(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        100.0 * n as f64 / d as f64
    }
}

/// `name  borealis / postgres  (pct)`, the one line format of every score.
pub fn line(name: &str, borealis: usize, postgres: usize) -> String {
    format!(
        "{name:<44} {borealis:>6} / {postgres:<6} ({:5.1}%)",
        percent(borealis, postgres)
    )
}

/// The ratchet file: suite name to score.
pub type Scores = BTreeMap<String, Score>;

pub fn read(path: &Path) -> Result<Scores> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

pub fn write(path: &Path, scores: &Scores) -> Result<()> {
    let mut text = serde_json::to_string_pretty(scores).context("serializing scores")?;
    text.push('\n');
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Problems of `current` against `recorded`: a suite that passes fewer than
/// recorded, or was measured on another selection. Suites not run now are
/// not checked.
pub fn check(recorded: &Scores, current: &Scores) -> Vec<String> {
    let mut problems = Vec::new();
    for (suite, now) in current {
        let Some(before) = recorded.get(suite) else {
            continue;
        };
        if before.selection != now.selection {
            problems.push(format!(
                "{suite}: recorded on selection `{}`, run now on `{}`: rerun with the same flags or --write-ratchet",
                before.selection, now.selection
            ));
        } else if now.borealis_passed < before.borealis_passed {
            problems.push(format!(
                "{suite}: {} passed, below the recorded {} (of {} on PostgreSQL)",
                now.borealis_passed, before.borealis_passed, now.postgres_passed
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(b: usize, p: usize, sel: &str) -> Score {
        Score {
            borealis_passed: b,
            postgres_passed: p,
            total: p + 1,
            selection: sel.into(),
        }
    }

    #[test]
    fn ratchet_fails_only_on_a_lower_score_or_another_selection() {
        let recorded: Scores = [("slt".to_string(), score(10, 100, "a"))].into();
        let same: Scores = [("slt".to_string(), score(10, 100, "a"))].into();
        let up: Scores = [("slt".to_string(), score(11, 100, "a"))].into();
        let down: Scores = [("slt".to_string(), score(9, 100, "a"))].into();
        let other: Scores = [("slt".to_string(), score(50, 100, "b"))].into();
        let new_suite: Scores = [("x".to_string(), score(0, 1, "a"))].into();
        assert!(check(&recorded, &same).is_empty());
        assert!(check(&recorded, &up).is_empty());
        assert_eq!(check(&recorded, &down).len(), 1);
        assert_eq!(check(&recorded, &other).len(), 1);
        assert!(check(&recorded, &new_suite).is_empty());
    }

    #[test]
    fn scores_round_trip_through_the_file() {
        let dir = crate::procs::TempDir::new("testkit-score").expect("temp dir");
        let path = dir.path().join("scores.json");
        let scores: Scores = [("slt".to_string(), score(1, 2, "all"))].into();
        write(&path, &scores).expect("write");
        assert_eq!(read(&path).expect("read"), scores);
        assert_eq!(percent(1, 4), 25.0);
        assert_eq!(percent(1, 0), 0.0);
    }
}
