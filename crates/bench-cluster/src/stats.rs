//! Order statistics: latency percentiles over one run's transactions, and the
//! min–median–max of a measure over repeats.

use serde::{Deserialize, Serialize};

/// The value at fraction `q` (0..=1) of `sorted`, nearest-rank; None when empty.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    debug_assert!((0.0..=1.0).contains(&q));
    debug_assert!(
        sorted.windows(2).all(|w| w[0] <= w[1]),
        "input must be sorted"
    );
    if sorted.is_empty() {
        return None;
    }
    // Nearest rank: the smallest value with at least q of the samples at or below it.
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The value at fraction `q` of a histogram of (bucket value, count) pairs in
/// ascending bucket order; None when it holds no samples.
pub fn histogram_percentile(buckets: &[(f64, u64)], q: f64) -> Option<f64> {
    let total: u64 = buckets.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
    let mut seen = 0;
    for (value, count) in buckets {
        seen += count;
        if seen >= rank {
            return Some(*value);
        }
    }
    buckets.last().map(|(v, _)| *v)
}

/// Min, median and max of one measure over the repeats that produced it.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Spread {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Spread {
    /// None when no repeat produced a value. The median of an even count is the
    /// mean of the middle two.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Spread> {
        let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Spread {
            min: v[0],
            median,
            max: v[n - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), Some(50.0));
        assert_eq!(percentile(&v, 0.99), Some(99.0));
        assert_eq!(percentile(&v, 1.0), Some(100.0));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&[7.0], 0.99), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn histogram_percentiles_follow_counts() {
        let h = [(0.1, 50), (0.2, 40), (5.0, 10)];
        assert_eq!(histogram_percentile(&h, 0.5), Some(0.1));
        assert_eq!(histogram_percentile(&h, 0.51), Some(0.2));
        assert_eq!(histogram_percentile(&h, 0.99), Some(5.0));
        assert_eq!(histogram_percentile(&[(1.0, 0)], 0.5), None);
    }

    #[test]
    fn spread_over_repeats() {
        let s = Spread::of([3.0, 1.0, 2.0]).expect("values");
        assert_eq!((s.min, s.median, s.max), (1.0, 2.0, 3.0));
        let even = Spread::of([4.0, 1.0, 2.0, 3.0]).expect("values");
        assert_eq!(even.median, 2.5);
        assert_eq!(Spread::of([f64::NAN]), None);
    }
}
