//! Table statistics gathered by ANALYZE and the selectivities the planner
//! derives from them. Per table: the row count; per column: the fraction of
//! NULLs, an estimate of the distinct non-NULL values, the most common values
//! with their frequencies and an equi-depth histogram of the rest (values in
//! PostgreSQL text form, as pg_stats shows them). Statistics come from a
//! fixed-size reservoir sample of the rows, so gathering them costs a bounded
//! amount of memory beyond the scan; estimates only rank plans, a stale one
//! costs time, never correctness.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::catalog::TableDef;
use crate::datum::{compare, parse_text, Datum};
use crate::encoding::encode_key_into;
use crate::plan::BinOp;
use crate::types::{ColType, SqlType};

/// Rows sampled per table (PostgreSQL's default_statistics_target of 100
/// samples 300 × 100 rows).
pub const SAMPLE_ROWS: usize = 30_000;
/// Most common values kept per column.
const MCV_MAX: usize = 10;
/// Histogram buckets per column.
const HISTOGRAM_BUCKETS: usize = 10;
/// Values wider than this (text form) are left out of the most common
/// values and histogram, as PostgreSQL leaves out its "too wide" values:
/// statistics stay small in the catalog entry.
const VALUE_WIDTH_MAX: usize = 1024;

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct TableStats {
    /// Rows when ANALYZE ran (pg_class.reltuples).
    pub rows: f64,
    pub columns: Vec<ColumnStats>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ColumnStats {
    /// Column name (statistics of a renamed or dropped column go unused).
    pub name: String,
    pub null_frac: f64,
    /// Estimated distinct non-NULL values (a count, not PostgreSQL's
    /// negative-fraction form).
    pub n_distinct: f64,
    /// Average bytes of a non-NULL value's text form.
    pub avg_width: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub most_common: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub most_common_freqs: Vec<f64>,
    /// Bucket bounds over the values that are not among the most common.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub histogram: Vec<String>,
}

/// Keeps a uniform sample of at most `SAMPLE_ROWS` of the rows offered
/// (reservoir sampling with a fixed-seed generator: ANALYZE is repeatable).
pub struct Sampler {
    rows: Vec<Vec<Datum>>,
    seen: u64,
    rng: u64,
}

impl Default for Sampler {
    fn default() -> Sampler {
        Sampler {
            rows: Vec::new(),
            seen: 0,
            rng: 0x2545_f491_4f6c_dd1d,
        }
    }
}

impl Sampler {
    pub fn offer(&mut self, row: Vec<Datum>) {
        self.seen += 1;
        if self.rows.len() < SAMPLE_ROWS {
            self.rows.push(row);
            return;
        }
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let slot = self.rng % self.seen;
        if let Some(r) = self.rows.get_mut(slot as usize) {
            *r = row;
        }
    }

    /// The statistics of `table` from the rows offered.
    pub fn finish(self, table: &TableDef) -> TableStats {
        let total = self.seen as f64;
        let columns = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| column_stats(&c.name, c.ty, i, &self.rows, total))
            .collect();
        TableStats {
            rows: total,
            columns,
        }
    }
}

fn column_stats(
    name: &str,
    ty: ColType,
    col: usize,
    sample: &[Vec<Datum>],
    total: f64,
) -> ColumnStats {
    let n = sample.len();
    let mut counts: HashMap<Vec<u8>, (usize, &Datum)> = HashMap::new();
    let mut nulls = 0usize;
    let mut width = 0usize;
    for row in sample {
        let d = row.get(col).unwrap_or(&Datum::Null);
        if d.is_null() {
            nulls += 1;
            continue;
        }
        width += d.to_text(0).map_or(0, |t| t.len());
        let mut key = Vec::new();
        encode_key_into(&mut key, d, ty.ty);
        counts.entry(key).or_insert((0, d)).0 += 1;
    }
    let non_null = n - nulls;
    let mut stats = ColumnStats {
        name: name.to_string(),
        null_frac: if n == 0 { 0.0 } else { nulls as f64 / n as f64 },
        avg_width: width.checked_div(non_null).unwrap_or(0) as u32,
        ..ColumnStats::default()
    };
    if non_null == 0 {
        return stats;
    }
    let distinct = counts.len() as f64;
    let singles = counts.values().filter(|(c, _)| *c == 1).count() as f64;
    let sampled_all = n as f64 >= total;
    // Haas and Stokes' estimator (PostgreSQL's), exact when every row was read.
    stats.n_distinct = if sampled_all || singles == 0.0 {
        distinct
    } else {
        let nn = non_null as f64;
        let population = total * (1.0 - stats.null_frac);
        let d = nn * distinct / (nn - singles + singles * nn / population);
        d.clamp(distinct, population)
    };
    let mut by_count: Vec<(usize, &Datum)> = counts.values().copied().collect();
    by_count.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| compare(a.1, b.1, ty.ty)));
    // A value is common if it occurs more often than the average value.
    let average = non_null as f64 / distinct;
    let mut common = Vec::new();
    for &(c, d) in by_count.iter().take(MCV_MAX) {
        if c < 2 || ((c as f64) <= average * 1.25 && counts.len() > MCV_MAX) {
            break;
        }
        if let Some(t) = d.to_text(3).filter(|t| t.len() <= VALUE_WIDTH_MAX) {
            stats.most_common.push(t);
            stats.most_common_freqs.push(c as f64 / n as f64);
            common.push(d);
        }
    }
    if orderable(ty.ty) {
        let mut rest: Vec<&Datum> = by_count
            .iter()
            .filter(|(_, d)| {
                !common
                    .iter()
                    .any(|m| compare(m, d, ty.ty) == Ordering::Equal)
            })
            .flat_map(|&(c, d)| std::iter::repeat_n(d, c))
            .collect();
        rest.sort_by(|a, b| compare(a, b, ty.ty));
        if rest.len() >= 2 {
            for b in 0..=HISTOGRAM_BUCKETS {
                let at = (b * (rest.len() - 1)) / HISTOGRAM_BUCKETS;
                if let Some(t) = rest[at].to_text(3).filter(|t| t.len() <= VALUE_WIDTH_MAX) {
                    if stats.histogram.last() != Some(&t) {
                        stats.histogram.push(t);
                    }
                }
            }
        }
    }
    stats
}

fn orderable(ty: SqlType) -> bool {
    !matches!(
        ty,
        SqlType::Json | SqlType::Jsonb | SqlType::Array(_) | SqlType::Unknown
    )
}

impl TableStats {
    pub fn column(&self, name: &str) -> Option<&ColumnStats> {
        self.columns.iter().find(|c| c.name == name)
    }
}

impl ColumnStats {
    fn non_null(&self) -> f64 {
        1.0 - self.null_frac
    }

    fn common_values(&self, ty: ColType) -> impl Iterator<Item = (Datum, f64)> + '_ {
        self.most_common
            .iter()
            .zip(&self.most_common_freqs)
            .filter_map(move |(t, f)| parse_text(t, ty).ok().map(|d| (d, *f)))
    }

    /// Fraction of rows where the column is `= value` (None: a value not
    /// known at planning time, e.g. a parameter).
    pub fn eq_selectivity(&self, value: Option<&Datum>, ty: ColType, operand: SqlType) -> f64 {
        let common_total: f64 = self.most_common_freqs.iter().sum();
        let others = (self.n_distinct - self.most_common.len() as f64).max(1.0);
        let uncommon = ((self.non_null() - common_total) / others).max(0.0);
        match value {
            Some(Datum::Null) => 0.0,
            Some(v) => self
                .common_values(ty)
                .find(|(d, _)| compare(d, v, operand) == Ordering::Equal)
                .map_or(uncommon, |(_, f)| f),
            None => self.non_null() / self.n_distinct.max(1.0),
        }
    }

    /// Fraction of rows where `column op value` holds, for <, <=, >, >=.
    pub fn range_selectivity(
        &self,
        op: BinOp,
        value: &Datum,
        ty: ColType,
        operand: SqlType,
    ) -> Option<f64> {
        if value.is_null() {
            return Some(0.0);
        }
        let holds = |d: &Datum| {
            let c = compare(d, value, operand);
            match op {
                BinOp::Lt => c == Ordering::Less,
                BinOp::LtEq => c != Ordering::Greater,
                BinOp::Gt => c == Ordering::Greater,
                BinOp::GtEq => c != Ordering::Less,
                _ => false,
            }
        };
        let mut common_total = 0.0;
        let mut common_hit = 0.0;
        for (d, f) in self.common_values(ty) {
            common_total += f;
            if holds(&d) {
                common_hit += f;
            }
        }
        let bounds: Vec<Datum> = self
            .histogram
            .iter()
            .filter_map(|t| parse_text(t, ty).ok())
            .collect();
        let rest = (self.non_null() - common_total).max(0.0);
        if bounds.len() < 2 {
            return (common_total > 0.0).then_some(common_hit);
        }
        // Fraction of histogram bounds satisfying the condition, a bucket-level estimate.
        let hits = bounds.iter().filter(|d| holds(d)).count() as f64;
        let frac = (hits / bounds.len() as f64).clamp(0.5 / bounds.len() as f64, 1.0);
        Some(common_hit + rest * frac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ColumnDef;

    fn table() -> TableDef {
        let col = |name: &str| ColumnDef {
            name: name.into(),
            ty: SqlType::Int4.plain(),
            not_null: false,
            default: None,
            missing: None,
            domain: None,
        };
        TableDef {
            id: 1,
            name: "t".into(),
            columns: vec![col("a"), col("b")],
            primary_key: None,
            unique: vec![],
            checks: vec![],
            rowid_sequence: None,
            owned_sequences: vec![],
            indexes: vec![],
            next_index_id: 1,
            foreign_keys: vec![],
            layout: vec![],
            slots: 0,
            stats: None,
            partitioning: Default::default(),
            inheritance: Default::default(),
            unlogged: false,
            attribute_numbers: Default::default(),
            toast: Default::default(),
        }
    }

    #[test]
    fn statistics_describe_the_rows() {
        let mut s = Sampler::default();
        for i in 0..1000 {
            // a: 0..999 unique; b: 7 in half the rows, NULL in a tenth, else i % 50.
            let b = if i % 10 == 0 {
                Datum::Null
            } else if i % 2 == 0 {
                Datum::Int4(7)
            } else {
                Datum::Int4(100 + i % 50)
            };
            s.offer(vec![Datum::Int4(i), b]);
        }
        let stats = s.finish(&table());
        assert_eq!(stats.rows, 1000.0);
        let a = stats.column("a").unwrap();
        assert_eq!(a.n_distinct, 1000.0);
        assert!(a.most_common.is_empty());
        assert_eq!(a.histogram.first().map(String::as_str), Some("0"));
        assert_eq!(a.histogram.last().map(String::as_str), Some("999"));
        let lt = a
            .range_selectivity(
                BinOp::Lt,
                &Datum::Int4(100),
                SqlType::Int4.plain(),
                SqlType::Int4,
            )
            .unwrap();
        assert!((0.05..0.2).contains(&lt), "{lt}");
        let b = stats.column("b").unwrap();
        assert!((b.null_frac - 0.1).abs() < 1e-9);
        assert_eq!(b.most_common.first().map(String::as_str), Some("7"));
        let seven = b.eq_selectivity(Some(&Datum::Int4(7)), SqlType::Int4.plain(), SqlType::Int4);
        assert!((seven - 0.4).abs() < 1e-9, "{seven}");
        let rare = b.eq_selectivity(
            Some(&Datum::Int4(101)),
            SqlType::Int4.plain(),
            SqlType::Int4,
        );
        assert!(rare < 0.05, "{rare}");
    }

    #[test]
    fn the_sample_is_bounded() {
        let mut s = Sampler::default();
        for i in 0..(SAMPLE_ROWS as i32 * 2) {
            s.offer(vec![Datum::Int4(i % 3), Datum::Null]);
        }
        assert_eq!(s.rows.len(), SAMPLE_ROWS);
        let stats = s.finish(&table());
        assert_eq!(stats.rows, SAMPLE_ROWS as f64 * 2.0);
        assert_eq!(stats.column("a").unwrap().n_distinct, 3.0);
        assert_eq!(stats.column("b").unwrap().null_frac, 1.0);
    }
}
