//! Results: one outcome per metric, system and repeat; the printed table and the JSON.

use std::collections::BTreeMap;

use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum System {
    Borealis,
    Postgres,
}

impl System {
    pub fn name(self) -> &'static str {
        match self {
            System::Borealis => "borealis",
            System::Postgres => "postgresql",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Metric {
    SelectP50,
    SelectP99,
    SelectMean,
    UpdateP50,
    UpdateP99,
    UpdateMean,
    BulkRate,
    BulkPreparedRate,
    BulkSeriesRate,
    GroupBy,
    Join,
}

pub const METRICS: &[Metric] = &[
    Metric::SelectP50,
    Metric::SelectP99,
    Metric::SelectMean,
    Metric::UpdateP50,
    Metric::UpdateP99,
    Metric::UpdateMean,
    Metric::BulkRate,
    Metric::BulkPreparedRate,
    Metric::BulkSeriesRate,
    Metric::GroupBy,
    Metric::Join,
];

impl Metric {
    pub fn key(self) -> &'static str {
        match self {
            Metric::SelectP50 => "point_select_p50_us",
            Metric::SelectP99 => "point_select_p99_us",
            Metric::SelectMean => "point_select_server_mean_us",
            Metric::UpdateP50 => "point_update_p50_us",
            Metric::UpdateP99 => "point_update_p99_us",
            Metric::UpdateMean => "point_update_server_mean_us",
            Metric::BulkRate => "bulk_insert_rows_per_s",
            Metric::BulkPreparedRate => "bulk_insert_prepared_rows_per_s",
            Metric::BulkSeriesRate => "bulk_insert_generate_series_rows_per_s",
            Metric::GroupBy => "group_by_ms",
            Metric::Join => "join_ms",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::SelectP50 => "point SELECT p50",
            Metric::SelectP99 => "point SELECT p99",
            Metric::SelectMean => "point SELECT mean, server-side*",
            Metric::UpdateP50 => "point UPDATE p50",
            Metric::UpdateP99 => "point UPDATE p99",
            Metric::UpdateMean => "point UPDATE mean, server-side*",
            Metric::BulkRate => "bulk INSERT (VALUES text)",
            Metric::BulkPreparedRate => "bulk INSERT (prepared, params)",
            Metric::BulkSeriesRate => "bulk INSERT ... generate_series",
            Metric::GroupBy => "GROUP BY k % 1000",
            Metric::Join => "join t JOIN u ON id + agg",
        }
    }

    fn higher_is_better(self) -> bool {
        matches!(
            self,
            Metric::BulkRate | Metric::BulkPreparedRate | Metric::BulkSeriesRate
        )
    }

    /// (target value, text) where the issue sets one.
    fn target(self) -> Option<(f64, &'static str)> {
        match self {
            Metric::SelectP50 | Metric::UpdateP50 => Some((5.0, "<= 5 µs")),
            Metric::BulkRate | Metric::BulkPreparedRate | Metric::BulkSeriesRate => {
                Some((200_000.0, ">= 200k rows/s"))
            }
            _ => None,
        }
    }

    pub fn fmt(self, v: f64) -> String {
        match self {
            Metric::BulkRate | Metric::BulkPreparedRate | Metric::BulkSeriesRate => {
                format!("{:.0}k rows/s", v / 1000.0)
            }
            Metric::GroupBy | Metric::Join => {
                if v >= 10_000.0 {
                    format!("{:.1} s", v / 1000.0)
                } else {
                    format!("{v:.0} ms")
                }
            }
            _ => {
                if v >= 1000.0 {
                    format!("{:.2} ms", v / 1000.0)
                } else {
                    format!("{v:.1} µs")
                }
            }
        }
    }
}

/// One repeat's result: a number, or why there is none.
#[derive(Clone, Debug)]
pub enum Outcome {
    Value(f64),
    NotRun(String),
}

#[derive(Default)]
pub struct Results {
    pub samples: BTreeMap<(Metric, System), Vec<Outcome>>,
    /// Free-form notes per (metric, system): op counts, row checks, plans.
    pub notes: BTreeMap<(Metric, System), Vec<String>>,
}

pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

impl Results {
    pub fn push(&mut self, m: Metric, s: System, o: Outcome) {
        self.samples.entry((m, s)).or_default().push(o);
    }

    pub fn note(&mut self, m: Metric, s: System, n: impl Into<String>) {
        let n = n.into();
        let v = self.notes.entry((m, s)).or_default();
        if !v.contains(&n) {
            v.push(n);
        }
    }

    pub fn summary(&self, m: Metric, s: System) -> Option<Summary> {
        let mut v: Vec<f64> = self
            .samples
            .get(&(m, s))?
            .iter()
            .filter_map(|o| match o {
                Outcome::Value(x) => Some(*x),
                Outcome::NotRun(_) => None,
            })
            .collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Summary {
            median,
            min: v[0],
            max: v[n - 1],
            n,
        })
    }

    fn reason(&self, m: Metric, s: System) -> Option<String> {
        self.samples.get(&(m, s))?.iter().find_map(|o| match o {
            Outcome::NotRun(r) => Some(r.clone()),
            Outcome::Value(_) => None,
        })
    }

    fn cell(&self, m: Metric, s: System) -> String {
        match self.summary(m, s) {
            Some(x) => {
                let mut c = format!("{} ({}–{})", m.fmt(x.median), m.fmt(x.min), m.fmt(x.max));
                if let Some(r) = self.reason(m, s) {
                    c.push_str(&format!(" [{} runs; {}]", x.n, short(&r)));
                }
                c
            }
            None => match self.reason(m, s) {
                Some(r) => short(&r),
                None => "—".into(),
            },
        }
    }

    pub fn table(&self) -> String {
        let header = [
            "workload",
            "Borealis median (min–max)",
            "PostgreSQL median (min–max)",
            "Borealis vs PG",
            "target",
            "met?",
        ];
        let mut rows: Vec<[String; 6]> = Vec::new();
        for &m in METRICS {
            if !self.samples.contains_key(&(m, System::Borealis))
                && !self.samples.contains_key(&(m, System::Postgres))
            {
                continue;
            }
            let b = self.summary(m, System::Borealis);
            let p = self.summary(m, System::Postgres);
            let ratio = match (&b, &p) {
                (Some(b), Some(p)) if b.median > 0.0 && p.median > 0.0 => {
                    let faster = if m.higher_is_better() {
                        b.median / p.median
                    } else {
                        p.median / b.median
                    };
                    if faster >= 1.0 {
                        format!("{faster:.1}x faster")
                    } else {
                        format!("{:.1}x slower", 1.0 / faster)
                    }
                }
                _ => "—".into(),
            };
            let (target, met) = match (m.target(), &b) {
                (Some((t, text)), Some(b)) => {
                    let ok = if m.higher_is_better() {
                        b.median >= t
                    } else {
                        b.median <= t
                    };
                    (text.to_string(), if ok { "yes" } else { "NO" }.to_string())
                }
                (Some((_, text)), None) => (text.to_string(), "NO".into()),
                (None, _) => ("—".into(), "—".into()),
            };
            rows.push([
                m.label().into(),
                self.cell(m, System::Borealis),
                self.cell(m, System::Postgres),
                ratio,
                target,
                met,
            ]);
        }
        let mut widths = header.map(|h| h.chars().count());
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: &[String]| -> String {
            let mut s = String::from("|");
            for (c, w) in cells.iter().zip(widths) {
                s.push_str(&format!(" {c}{} |", " ".repeat(w - c.chars().count())));
            }
            s.push('\n');
            s
        };
        let mut out = line(&header.map(String::from));
        out.push_str(&line(&widths.map(|w| "-".repeat(w))));
        for r in &rows {
            out.push_str(&line(r));
        }
        out
    }

    pub fn json(&self) -> Value {
        let mut metrics = serde_json::Map::new();
        for &m in METRICS {
            let mut per = serde_json::Map::new();
            for s in [System::Borealis, System::Postgres] {
                let Some(samples) = self.samples.get(&(m, s)) else {
                    continue;
                };
                let raw: Vec<Value> = samples
                    .iter()
                    .map(|o| match o {
                        Outcome::Value(v) => json!(v),
                        Outcome::NotRun(r) => json!({ "not_run": r }),
                    })
                    .collect();
                let summary = self
                    .summary(m, s)
                    .map(|x| json!({ "median": x.median, "min": x.min, "max": x.max, "n": x.n }));
                let notes = self.notes.get(&(m, s)).cloned().unwrap_or_default();
                per.insert(
                    s.name().into(),
                    json!({ "repeats": raw, "summary": summary, "notes": notes }),
                );
            }
            if let Some((t, text)) = m.target() {
                per.insert("target".into(), json!({ "value": t, "text": text }));
            }
            per.insert("label".into(), json!(m.label()));
            metrics.insert(m.key().into(), Value::Object(per));
        }
        Value::Object(metrics)
    }
}

fn short(r: &str) -> String {
    let mut s: String = r.chars().take(60).collect();
    if r.chars().count() > 60 {
        s.push('…');
    }
    s
}
