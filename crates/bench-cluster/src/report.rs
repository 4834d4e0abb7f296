//! The results: per workload the runs of both systems, summarised as
//! min–median–max over repeats and a Borealis/PostgreSQL ratio; printed as a
//! Markdown table and serialised to JSON beside the machine and the date.

use serde::{Deserialize, Serialize};

use crate::run::Run;
use crate::stats::Spread;

/// One workload both systems run: a pgbench script at a scale, mode and
/// client count, or a sysbench test at a thread count.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Workload {
    pub tool: String,
    pub test: String,
    pub scale: Option<u32>,
    pub mode: Option<String>,
    pub clients: u32,
}

impl Workload {
    pub fn label(&self) -> String {
        let mut label = format!("{} {}", self.tool, self.test);
        if let Some(scale) = self.scale {
            label.push_str(&format!(" s{scale}"));
        }
        if let Some(mode) = &self.mode {
            label.push_str(&format!(" {mode}"));
        }
        label.push_str(&format!(" c{}", self.clients));
        label
    }
}

/// The runs of one workload, one per repeat and system, in run order.
#[derive(Clone, Debug)]
pub struct Measured {
    pub workload: Workload,
    pub borealis: Vec<Run>,
    pub postgres: Vec<Run>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SystemSummary {
    pub tps: Option<Spread>,
    pub p50_ms: Option<Spread>,
    pub p99_ms: Option<Spread>,
    pub runs: Vec<Run>,
}

impl SystemSummary {
    fn of(runs: &[Run]) -> SystemSummary {
        let ok = || runs.iter().filter(|r| r.ok());
        SystemSummary {
            tps: Spread::of(ok().map(|r| r.tps)),
            p50_ms: Spread::of(ok().filter_map(|r| r.p50_ms)),
            p99_ms: Spread::of(ok().filter_map(|r| r.p99_ms)),
            runs: runs.to_vec(),
        }
    }

    fn first_error(&self) -> Option<&str> {
        self.runs.iter().find_map(|r| r.error.as_deref())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Row {
    pub label: String,
    pub workload: Workload,
    pub borealis: SystemSummary,
    pub postgres: SystemSummary,
    /// Median Borealis TPS over median PostgreSQL TPS.
    pub tps_ratio: Option<f64>,
    /// The same ratio per repeat (each Borealis run over the PostgreSQL run
    /// right after it), min–median–max: how much the ratio itself moved.
    pub tps_ratio_per_repeat: Option<Spread>,
    /// Median Borealis p99 over median PostgreSQL p99 (lower is better).
    pub p99_ratio: Option<f64>,
}

impl Row {
    pub fn of(measured: &Measured) -> Row {
        let borealis = SystemSummary::of(&measured.borealis);
        let postgres = SystemSummary::of(&measured.postgres);
        let ratio = |a: Option<Spread>, b: Option<Spread>| match (a, b) {
            (Some(a), Some(b)) if b.median > 0.0 => Some(a.median / b.median),
            _ => None,
        };
        let pairs = measured
            .borealis
            .iter()
            .zip(&measured.postgres)
            .filter(|(b, p)| b.ok() && p.ok() && p.tps > 0.0)
            .map(|(b, p)| b.tps / p.tps);
        Row {
            label: measured.workload.label(),
            workload: measured.workload.clone(),
            tps_ratio: ratio(borealis.tps, postgres.tps),
            tps_ratio_per_repeat: Spread::of(pairs),
            p99_ratio: ratio(borealis.p99_ms, postgres.p99_ms),
            borealis,
            postgres,
        }
    }
}

/// `12,345 (12,001–12,700)`; a single repeat prints the value alone.
fn spread_text(s: Option<Spread>, decimals: usize) -> String {
    let Some(s) = s else {
        return "—".to_string();
    };
    if s.min == s.max {
        return number(s.median, decimals);
    }
    format!(
        "{} ({}–{})",
        number(s.median, decimals),
        number(s.min, decimals),
        number(s.max, decimals)
    )
}

/// A number with thousands separators and `decimals` places.
pub fn number(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn ratio_text(r: Option<f64>) -> String {
    r.map_or("—".to_string(), |r| format!("{r:.2}x"))
}

/// The comparison as a Markdown table (median (min–max) over repeats), then
/// any errors, one line per system and workload.
pub fn markdown_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| workload | Borealis TPS | PostgreSQL TPS | TPS ratio | Borealis p50 / p99 ms | PostgreSQL p50 / p99 ms | p99 ratio |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        let latency = |s: &SystemSummary| {
            format!(
                "{} / {}",
                spread_text(s.p50_ms, 2),
                spread_text(s.p99_ms, 2)
            )
        };
        let tps = |s: &SystemSummary| match (s.tps, s.first_error()) {
            (None, Some(_)) => "error".to_string(),
            (t, _) => spread_text(t, 0),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            row.label,
            tps(&row.borealis),
            tps(&row.postgres),
            ratio_text(row.tps_ratio),
            latency(&row.borealis),
            latency(&row.postgres),
            ratio_text(row.p99_ratio),
        ));
    }
    let mut errors = String::new();
    for row in rows {
        for (system, summary) in [("Borealis", &row.borealis), ("PostgreSQL", &row.postgres)] {
            if let Some(e) = summary.first_error() {
                let first_line = e.lines().find(|l| !l.trim().is_empty()).unwrap_or(e);
                errors.push_str(&format!(
                    "- {} on {system}: {}\n",
                    row.label,
                    first_line.trim()
                ));
            }
        }
    }
    if !errors.is_empty() {
        out.push_str("\nErrors (first per workload and system; every one is in the JSON):\n");
        out.push_str(&errors);
    }
    out
}

/// The machine a run was measured on.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub kernel: String,
}

impl Machine {
    pub fn this() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown CPU".to_string());
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_gib: crate::procfs::mem_total_kib()
                .map_or(f64::NAN, |k| k as f64 / (1024.0 * 1024.0)),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
        }
    }

    pub fn describe(&self) -> String {
        format!(
            "{} cores ({}), {:.0} GiB, Linux {}",
            self.cores, self.cpu, self.memory_gib, self.kernel
        )
    }
}

/// `YYYY-MM-DD HH:MM UTC` for seconds since the Unix epoch (proleptic
/// Gregorian calendar; days-to-civil after Howard Hinnant).
pub fn utc_text(unix_secs: u64) -> String {
    let days = (unix_secs / 86_400) as i64;
    let secs_of_day = unix_secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        secs_of_day / 3600,
        secs_of_day % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(tps: f64, p99: f64) -> Run {
        Run {
            tps,
            transactions: 10,
            failed: 0,
            p50_ms: Some(p99 / 2.0),
            p99_ms: Some(p99),
            error: None,
        }
    }

    #[test]
    fn ratios_use_medians_and_pairs() {
        let measured = Measured {
            workload: Workload {
                tool: "pgbench".into(),
                test: "tpcb-like".into(),
                scale: Some(1),
                mode: Some("prepared".into()),
                clients: 8,
            },
            borealis: vec![run(100.0, 4.0), run(300.0, 2.0), run(200.0, 3.0)],
            postgres: vec![run(200.0, 1.0), run(400.0, 1.0), run(400.0, 2.0)],
        };
        let row = Row::of(&measured);
        assert_eq!(row.label, "pgbench tpcb-like s1 prepared c8");
        assert_eq!(row.tps_ratio, Some(0.5));
        assert_eq!(row.p99_ratio, Some(3.0));
        let pairs = row.tps_ratio_per_repeat.expect("pairs");
        assert_eq!((pairs.min, pairs.median, pairs.max), (0.5, 0.5, 0.75));
        let table = markdown_table(&[row]);
        assert!(
            table.contains("| 200 (100–300) | 400 (200–400) | 0.50x |"),
            "{table}"
        );
    }

    #[test]
    fn failed_runs_are_reported_not_averaged() {
        let measured = Measured {
            workload: Workload {
                tool: "sysbench".into(),
                test: "oltp_read_write".into(),
                scale: None,
                mode: None,
                clients: 8,
            },
            borealis: vec![Run::failed(
                "sysbench oltp_read_write failed: FATAL: boom".into(),
            )],
            postgres: vec![run(50.0, 9.0)],
        };
        let row = Row::of(&measured);
        assert_eq!(row.tps_ratio, None);
        let table = markdown_table(&[row]);
        assert!(table.contains("| error | 50 |"), "{table}");
        assert!(
            table.contains("on Borealis: sysbench oltp_read_write failed: FATAL: boom"),
            "{table}"
        );
    }

    #[test]
    fn formats_numbers_and_dates() {
        assert_eq!(number(1234567.891, 1), "1,234,567.9");
        assert_eq!(number(999.0, 0), "999");
        assert_eq!(number(-1000.0, 0), "-1,000");
        assert_eq!(utc_text(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_text(1_795_633_200), "2026-11-25 19:00 UTC");
    }
}
