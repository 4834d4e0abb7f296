//! The autoscaling policy: once a second, from one [`LoadSample`], the capacity to run at.
//!
//! Each signal becomes a *demand ratio*, the load relative to what the current capacity is
//! meant to carry (1.0 = exactly at target):
//! - CPU: utilization of the capacity's CPU share / `cpu_target` (0.7);
//! - execution slots: (executing + waiting statements) / (slots × `slots_target`), so
//!   queued statements ask for more;
//! - connections: connections / (max connections × `connections_target`);
//! - cache: when more than `cache_pressure_threshold` of the reads missed in a full cache,
//!   1 + that fraction (more memory would have served them).
//!
//! The demand is the largest ratio; times the capacity the sample was measured at, it gives
//! the ACUs that would carry the load exactly on target (so a range change between samples
//! is accounted for). Up, at once (the first sample needing more than the current capacity):
//! to those ACUs (rounded up to a half ACU), and at least by half the current capacity (at
//! least 0.5), so that larger instances take larger steps, as Aurora does. Down, slowly: only after `down_after_samples` consecutive
//! samples in which the demand, carried by the next smaller capacity, would still be below
//! `down_headroom` with no statement waiting and no cache pressure; then one step of a
//! quarter of the capacity (at least 0.5), and the count starts again. Capacity always
//! stays in the running range `[max(min, 0.5), max]`; a range change applies at once.
//! Capacity 0 (pause) is not the autoscaler's business: see `pause`.

use serde::{Deserialize, Serialize};

use crate::acu::Acu;
use crate::config::CapacityRange;

/// One second of an instance's load, measured against its capacity at the time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadSample {
    /// Process CPU time over the CPU share of the current capacity: nominally 0..1, more
    /// when the instance uses CPU it does not pay for (the share is not enforced).
    pub cpu_utilization: f64,
    /// Cache hits / lookups over the interval; 1 when there were none.
    pub cache_hit_ratio: f64,
    /// Fraction of the interval's lookups that missed while the cache was full (0..1): the
    /// misses more memory would have served.
    pub cache_pressure: f64,
    pub active_connections: u32,
    pub max_connections: u32,
    /// Statements executing now (holding an execution slot or inside a transaction).
    pub executing_statements: u32,
    /// Statements waiting for an execution slot.
    pub waiting_statements: u32,
    pub execution_slots: u32,
}

/// The policy's constants. Defaults suit a one-second sample interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AutoscalerTuning {
    pub cpu_target: f64,
    pub slots_target: f64,
    pub connections_target: f64,
    pub cache_pressure_threshold: f64,
    /// Consecutive low samples before each step down.
    pub down_after_samples: u32,
    /// A sample is low when the next smaller capacity would run below this demand.
    pub down_headroom: f64,
}

impl Default for AutoscalerTuning {
    fn default() -> Self {
        AutoscalerTuning {
            cpu_target: 0.7,
            slots_target: 0.8,
            connections_target: 0.8,
            cache_pressure_threshold: 0.05,
            down_after_samples: 5,
            down_headroom: 0.7,
        }
    }
}

/// Demand above this is treated as this: a sample cannot ask for more than everything.
const DEMAND_MAX: f64 = 1.0e6;

/// The autoscaler of one instance.
#[derive(Clone, Debug)]
pub struct Autoscaler {
    tuning: AutoscalerTuning,
    current: Acu,
    low_samples: u32,
}

fn finite_or_zero(value: f64) -> f64 {
    if value.is_finite() {
        value.clamp(0.0, DEMAND_MAX)
    } else if value == f64::INFINITY {
        DEMAND_MAX
    } else {
        0.0
    }
}

fn ratio(load: f64, capacity: f64) -> f64 {
    if capacity > 0.0 {
        finite_or_zero(load / capacity)
    } else if load > 0.0 {
        DEMAND_MAX
    } else {
        0.0
    }
}

impl Autoscaler {
    /// Starts at `initial` (moved into the range at the first decision).
    pub fn new(initial: Acu, tuning: AutoscalerTuning) -> Autoscaler {
        Autoscaler {
            tuning,
            current: initial,
            low_samples: 0,
        }
    }

    pub fn current(&self) -> Acu {
        self.current
    }

    pub fn tuning(&self) -> &AutoscalerTuning {
        &self.tuning
    }

    /// The demand ratio of a sample (see the module documentation); 1.0 is on target.
    pub fn demand(&self, sample: &LoadSample) -> f64 {
        let t = &self.tuning;
        let cpu = ratio(finite_or_zero(sample.cpu_utilization), t.cpu_target);
        let statements =
            f64::from(sample.executing_statements) + f64::from(sample.waiting_statements);
        let slots = ratio(
            statements,
            f64::from(sample.execution_slots) * t.slots_target,
        );
        let connections = ratio(
            f64::from(sample.active_connections),
            f64::from(sample.max_connections) * t.connections_target,
        );
        let pressure = finite_or_zero(sample.cache_pressure).min(1.0);
        let cache = if pressure > t.cache_pressure_threshold {
            1.0 + pressure
        } else {
            0.0
        };
        cpu.max(slots).max(connections).max(cache)
    }

    fn is_pressured(&self, sample: &LoadSample) -> bool {
        sample.waiting_statements > 0
            || finite_or_zero(sample.cache_pressure) > self.tuning.cache_pressure_threshold
    }

    /// The capacity to run at after `sample`, within `range`'s running range.
    pub fn decide(&mut self, sample: &LoadSample, range: CapacityRange) -> Acu {
        // The sample was measured at `measured`; a range change may have moved the capacity
        // since, so the load is compared in ACUs: `needed` carries it exactly on target.
        let measured = self.current;
        let before = range.clamp_running(self.current);
        let demand = self.demand(sample);
        let needed = if measured.is_zero() {
            demand * before.as_f64()
        } else {
            demand * measured.as_f64()
        };
        let next = if needed > before.as_f64() {
            self.low_samples = 0;
            let step = Acu::ceil_from_f64(before.as_f64() / 2.0).max(Acu::HALF);
            Acu::ceil_from_f64(needed).max(before.saturating_add(step))
        } else {
            let step = Acu::from_half_units(before.half_units() / 4)
                .unwrap_or(Acu::HALF)
                .max(Acu::HALF);
            let smaller = range.clamp_running(before.saturating_sub(step));
            let would_be = needed / smaller.as_f64();
            if smaller < before
                && !self.is_pressured(sample)
                && would_be < self.tuning.down_headroom
            {
                self.low_samples += 1;
                if self.low_samples >= self.tuning.down_after_samples {
                    self.low_samples = 0;
                    smaller
                } else {
                    before
                }
            } else {
                self.low_samples = 0;
                before
            }
        };
        self.current = range.clamp_running(next);
        debug_assert!(range.min > range.max || range.contains(self.current));
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn acu(text: &str) -> Acu {
        text.parse().unwrap()
    }

    fn range(min: &str, max: &str) -> CapacityRange {
        CapacityRange::parse(min, max).unwrap()
    }

    fn idle() -> LoadSample {
        LoadSample {
            cache_hit_ratio: 1.0,
            max_connections: 100,
            execution_slots: 8,
            ..LoadSample::default()
        }
    }

    fn busy(cpu: f64) -> LoadSample {
        LoadSample {
            cpu_utilization: cpu,
            active_connections: 10,
            executing_statements: 4,
            ..idle()
        }
    }

    #[test]
    fn scales_up_on_the_first_busy_sample() {
        let mut scaler = Autoscaler::new(Acu::HALF, AutoscalerTuning::default());
        let range = range("0.5", "16");
        assert_eq!(scaler.decide(&idle(), range), Acu::HALF);
        // 0.5 ACU at 2x its CPU share: demand 2/0.7 = 2.86, 0.5 * 2.86 = 1.43 -> 1.5.
        assert_eq!(scaler.decide(&busy(2.0), range), acu("1.5"));
    }

    #[test]
    fn larger_instances_take_larger_steps() {
        let range = range("0.5", "256");
        let mut small = Autoscaler::new(acu("1"), AutoscalerTuning::default());
        let mut large = Autoscaler::new(acu("32"), AutoscalerTuning::default());
        let just_over = busy(0.75);
        let small_step = small.decide(&just_over, range).as_f64() - 1.0;
        let large_step = large.decide(&just_over, range).as_f64() - 32.0;
        assert_eq!(small_step, 0.5);
        assert_eq!(large_step, 16.0);
    }

    #[test]
    fn waiting_statements_and_connections_scale_up() {
        let range = range("0.5", "8");
        let mut scaler = Autoscaler::new(Acu::HALF, AutoscalerTuning::default());
        let queued = LoadSample {
            executing_statements: 4,
            waiting_statements: 6,
            execution_slots: 4,
            ..idle()
        };
        // (4 + 6) / (4 * 0.8) = 3.1 -> 0.5 * 3.1 = 1.56 -> 2.
        assert_eq!(scaler.decide(&queued, range), acu("2"));
        let crowded = LoadSample {
            active_connections: 95,
            max_connections: 100,
            ..idle()
        };
        assert!(scaler.decide(&crowded, range) > acu("2"));
    }

    #[test]
    fn cache_pressure_scales_up_and_blocks_down() {
        let range = range("0.5", "8");
        let mut scaler = Autoscaler::new(acu("2"), AutoscalerTuning::default());
        let pressured = LoadSample {
            cache_pressure: 0.5,
            cache_hit_ratio: 0.5,
            ..idle()
        };
        assert_eq!(scaler.decide(&pressured, range), acu("3"));
        let light = LoadSample {
            cache_pressure: 0.02,
            ..idle()
        };
        for _ in 0..20 {
            scaler.decide(&light, range);
        }
        assert!(scaler.current() < acu("3"), "light pressure allows down");
    }

    #[test]
    fn scales_down_slowly_in_small_steps() {
        let tuning = AutoscalerTuning::default();
        let range = range("0.5", "16");
        let mut scaler = Autoscaler::new(acu("8"), tuning);
        let mut trace = Vec::new();
        for _ in 0..tuning.down_after_samples * 12 {
            trace.push(scaler.decide(&idle(), range));
        }
        let down_after = tuning.down_after_samples as usize;
        assert!(trace[..down_after - 1].iter().all(|&c| c == acu("8")));
        assert_eq!(trace[down_after - 1], acu("6"));
        for pair in trace.windows(2) {
            let drop = pair[0].as_f64() - pair[1].as_f64();
            assert!(drop <= pair[0].as_f64() / 4.0 + 0.5, "{pair:?}");
        }
        assert_eq!(*trace.last().unwrap(), Acu::HALF);
    }

    #[test]
    fn one_busy_sample_resets_the_down_count() {
        let tuning = AutoscalerTuning::default();
        let range = range("0.5", "16");
        let mut scaler = Autoscaler::new(acu("4"), tuning);
        for _ in 0..tuning.down_after_samples - 1 {
            scaler.decide(&idle(), range);
        }
        // On target: not low, not high.
        scaler.decide(&busy(0.6), range);
        for _ in 0..tuning.down_after_samples - 1 {
            assert_eq!(scaler.decide(&idle(), range), acu("4"));
        }
        assert_eq!(scaler.decide(&idle(), range), acu("3"));
    }

    #[test]
    fn steady_load_on_target_holds() {
        let range = range("0.5", "16");
        let mut scaler = Autoscaler::new(acu("4"), AutoscalerTuning::default());
        for _ in 0..50 {
            assert_eq!(scaler.decide(&busy(0.6), range), acu("4"));
        }
    }

    #[test]
    fn range_changes_apply_at_once() {
        let mut scaler = Autoscaler::new(acu("8"), AutoscalerTuning::default());
        assert_eq!(scaler.decide(&busy(0.6), range("0.5", "4")), acu("4"));
        assert_eq!(scaler.decide(&busy(0.6), range("6", "10")), acu("6"));
        // Min 0 still runs at 0.5 at least.
        let mut scaler = Autoscaler::new(Acu::ZERO, AutoscalerTuning::default());
        assert_eq!(scaler.decide(&idle(), range("0", "4")), Acu::HALF);
    }

    #[test]
    fn a_raised_min_counts_the_load_in_acus() {
        // Measured at 0.5 ACU with 10 statements on 4 slots (demand 3.1: 1.6 ACU needed),
        // then the min rises to 4: 4 ACU carry that load, no reason to go higher.
        let mut scaler = Autoscaler::new(Acu::HALF, AutoscalerTuning::default());
        let queued = LoadSample {
            executing_statements: 10,
            execution_slots: 4,
            ..idle()
        };
        assert_eq!(scaler.decide(&queued, range("4", "8")), acu("4"));
    }

    #[test]
    fn garbage_samples_do_not_panic_or_escape() {
        let range = range("1", "4");
        let mut scaler = Autoscaler::new(acu("2"), AutoscalerTuning::default());
        for cpu in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 1e300] {
            let sample = LoadSample {
                cpu_utilization: cpu,
                cache_pressure: cpu,
                cache_hit_ratio: cpu,
                ..idle()
            };
            assert!(range.contains(scaler.decide(&sample, range)));
        }
    }

    fn arbitrary_f64() -> impl Strategy<Value = f64> {
        prop_oneof![
            0.0f64..4.0,
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-1.0),
            any::<f64>(),
        ]
    }

    fn arbitrary_sample() -> impl Strategy<Value = LoadSample> {
        (
            arbitrary_f64(),
            arbitrary_f64(),
            arbitrary_f64(),
            0u32..6000,
            0u32..6000,
            0u32..3000,
            0u32..3000,
            0u32..3000,
        )
            .prop_map(
                |(cpu, hit, pressure, conns, max_conns, exec, wait, slots)| LoadSample {
                    cpu_utilization: cpu,
                    cache_hit_ratio: hit,
                    cache_pressure: pressure,
                    active_connections: conns,
                    max_connections: max_conns,
                    executing_statements: exec,
                    waiting_statements: wait,
                    execution_slots: slots,
                },
            )
    }

    fn arbitrary_range() -> impl Strategy<Value = CapacityRange> {
        (0u16..=512, 1u16..=512).prop_map(|(a, b)| CapacityRange {
            min: Acu::from_half_units(a.min(b)).unwrap(),
            max: Acu::from_half_units(a.max(b)).unwrap(),
        })
    }

    proptest! {
        #[test]
        fn capacity_never_leaves_the_range(
            initial in 0u16..=512,
            steps in proptest::collection::vec(
                (arbitrary_sample(), proptest::option::weighted(0.1, arbitrary_range())),
                1..200,
            ),
            first_range in arbitrary_range(),
        ) {
            let mut scaler = Autoscaler::new(
                Acu::from_half_units(initial).unwrap(),
                AutoscalerTuning::default(),
            );
            let mut range = first_range;
            for (sample, new_range) in steps {
                if let Some(new_range) = new_range {
                    range = new_range;
                }
                let capacity = scaler.decide(&sample, range);
                prop_assert!(range.contains(capacity), "{capacity} outside {range}");
                prop_assert!(capacity >= Acu::HALF, "running capacity {capacity}");
            }
        }

        #[test]
        fn idle_always_returns_to_the_running_min(
            initial in 1u16..=512,
            range in arbitrary_range(),
        ) {
            let tuning = AutoscalerTuning::default();
            let mut scaler = Autoscaler::new(Acu::from_half_units(initial).unwrap(), tuning);
            // Quartering from 256 ACU takes under 40 steps.
            for _ in 0..tuning.down_after_samples * 40 {
                scaler.decide(&idle(), range);
            }
            prop_assert_eq!(scaler.current(), range.running_min());
        }
    }
}
