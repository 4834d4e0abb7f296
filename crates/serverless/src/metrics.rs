//! Metrics in the Prometheus text exposition format (version 0.0.4), with Aurora's names
//! where Aurora has one: ServerlessDatabaseCapacity, ACUUtilization, CPUUtilization,
//! DatabaseConnections, BufferCacheHitRatio, CommitLatency. Percentages and milliseconds as
//! CloudWatch reports them. Metrics without an Aurora name are prefixed `borealis_`.
//!
//! [`Exposition`] writes any gauge or counter (the control plane uses it for the metrics
//! that outlive an instance: ACU-seconds, pauses, resumes, resume latency);
//! [`MetricsSnapshot::render`] writes a running instance's.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::acu::Acu;
use crate::config::CapacityRange;

/// Content-Type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A Prometheus text exposition being written.
#[derive(Debug, Default)]
pub struct Exposition {
    text: String,
}

fn escape_label_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value == f64::INFINITY {
        "+Inf".to_owned()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        value.to_string()
    }
}

/// Whether `name` is a valid metric or label name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

impl Exposition {
    pub fn new() -> Exposition {
        Exposition::default()
    }

    fn sample(&mut self, name: &str, kind: &str, help: &str, labels: &[(&str, &str)], value: f64) {
        assert!(is_valid_name(name), "metric name {name:?}");
        let _ = writeln!(self.text, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (label, value)) in labels.iter().enumerate() {
                assert!(is_valid_name(label), "label name {label:?}");
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{label}=\"{}\"", escape_label_value(value));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {}", format_value(value));
    }

    pub fn gauge(&mut self, name: &str, help: &str, labels: &[(&str, &str)], value: f64) {
        self.sample(name, "gauge", help, labels, value);
    }

    /// A counter; by convention its name ends in `_total`.
    pub fn counter(&mut self, name: &str, help: &str, labels: &[(&str, &str)], value: f64) {
        self.sample(name, "counter", help, labels, value);
    }

    pub fn finish(self) -> String {
        self.text
    }
}

/// One instance's metrics at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricsSnapshot {
    pub capacity: Acu,
    pub range: CapacityRange,
    /// CPU use over the capacity's CPU share, 0..1 (more when above the share).
    pub cpu_utilization: f64,
    pub database_connections: u32,
    /// 0..1 over the last interval.
    pub buffer_cache_hit_ratio: f64,
    /// Mean commit latency over the last interval, milliseconds (0 with no commits).
    pub commit_latency_ms: f64,
    pub commits_total: u64,
}

impl MetricsSnapshot {
    /// ACUUtilization as Aurora defines it: capacity as a percentage of the max capacity.
    pub fn acu_utilization_percent(&self) -> f64 {
        if self.range.max.is_zero() {
            0.0
        } else {
            100.0 * self.capacity.as_f64() / self.range.max.as_f64()
        }
    }

    /// The text exposition, every sample carrying `labels` (e.g. `instance="writer"`).
    pub fn render(&self, labels: &[(&str, &str)]) -> String {
        let mut out = Exposition::new();
        self.write(&mut out, labels);
        out.finish()
    }

    /// Append to an exposition being written.
    pub fn write(&self, out: &mut Exposition, labels: &[(&str, &str)]) {
        out.gauge(
            "ServerlessDatabaseCapacity",
            "Current capacity of the instance in ACUs.",
            labels,
            self.capacity.as_f64(),
        );
        out.gauge(
            "borealis_min_capacity",
            "Configured min capacity in ACUs (0: auto-pause).",
            labels,
            self.range.min.as_f64(),
        );
        out.gauge(
            "borealis_max_capacity",
            "Configured max capacity in ACUs.",
            labels,
            self.range.max.as_f64(),
        );
        out.gauge(
            "ACUUtilization",
            "Capacity as a percentage of the max capacity.",
            labels,
            self.acu_utilization_percent(),
        );
        out.gauge(
            "CPUUtilization",
            "Percentage of the CPU share of the current capacity in use.",
            labels,
            100.0 * self.cpu_utilization,
        );
        out.gauge(
            "DatabaseConnections",
            "Client connections open now.",
            labels,
            f64::from(self.database_connections),
        );
        out.gauge(
            "BufferCacheHitRatio",
            "Percentage of reads served by the cache over the last interval.",
            labels,
            100.0 * self.buffer_cache_hit_ratio,
        );
        out.gauge(
            "CommitLatency",
            "Mean commit latency over the last interval, in milliseconds.",
            labels,
            self.commit_latency_ms,
        );
        out.counter(
            "borealis_commits_total",
            "Commits since the instance started.",
            labels,
            self.commits_total as f64,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> MetricsSnapshot {
        MetricsSnapshot {
            capacity: "2".parse().unwrap(),
            range: CapacityRange::parse("0", "8").unwrap(),
            cpu_utilization: 0.5,
            database_connections: 7,
            buffer_cache_hit_ratio: 0.99,
            commit_latency_ms: 1.25,
            commits_total: 42,
        }
    }

    #[test]
    fn renders_aurora_names_with_labels() {
        let text = snapshot().render(&[("instance", "writer")]);
        for line in [
            "# TYPE ServerlessDatabaseCapacity gauge",
            "ServerlessDatabaseCapacity{instance=\"writer\"} 2",
            "ACUUtilization{instance=\"writer\"} 25",
            "CPUUtilization{instance=\"writer\"} 50",
            "DatabaseConnections{instance=\"writer\"} 7",
            "BufferCacheHitRatio{instance=\"writer\"} 99",
            "CommitLatency{instance=\"writer\"} 1.25",
            "# TYPE borealis_commits_total counter",
            "borealis_commits_total{instance=\"writer\"} 42",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
    }

    /// Every line is a comment or `name{labels} value` with a parseable value: what a
    /// Prometheus scraper needs.
    #[test]
    fn every_sample_line_is_well_formed() {
        let mut snapshot = snapshot();
        snapshot.cpu_utilization = f64::NAN;
        snapshot.commit_latency_ms = f64::INFINITY;
        let text = snapshot.render(&[("instance", "a \"quoted\"\\ name\nx")]);
        for line in text.lines() {
            if line.starts_with('#') {
                assert!(line.starts_with("# HELP ") || line.starts_with("# TYPE "));
                continue;
            }
            let (series, value) = line.rsplit_once(' ').unwrap();
            let name = series.split('{').next().unwrap();
            assert!(is_valid_name(name), "{line}");
            assert!(series.ends_with('}'), "{line}");
            assert!(!series.contains('\n'));
            assert!(
                value.parse::<f64>().is_ok() || ["NaN", "+Inf", "-Inf"].contains(&value),
                "{line}"
            );
        }
        assert!(
            text.contains(r#"instance="a \"quoted\"\\ name\nx""#),
            "{text}"
        );
        assert!(text.contains("CPUUtilization{instance=") && text.contains("} NaN"));
    }

    #[test]
    fn without_labels() {
        let mut out = Exposition::new();
        out.gauge("up", "Whether it is up.", &[], 1.0);
        assert_eq!(
            out.finish(),
            "# HELP up Whether it is up.\n# TYPE up gauge\nup 1\n"
        );
    }

    #[test]
    fn names() {
        assert!(is_valid_name("ServerlessDatabaseCapacity"));
        assert!(is_valid_name("a:b_c1"));
        assert!(!is_valid_name("1abc"));
        assert!(!is_valid_name("a-b"));
        assert!(!is_valid_name(""));
    }
}
