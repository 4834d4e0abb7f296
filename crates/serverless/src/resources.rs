//! What a capacity buys: the cache budget, the CPU share, the execution slots and the
//! connection limit of an instance at a given number of ACUs.
//!
//! Aurora's ACU is 2 GiB of memory with its share of CPU. A development machine cannot give
//! 2 GiB per ACU to a compute that shares it with six storage replicas, so a
//! [`ScaleProfile`] divides the memory (not the ACU count): the autoscaler, the metrics and
//! the metering all speak real ACUs, and only the bytes behind them shrink.
//!
//! Formulas (ACU = `a`, profile defaults in brackets):
//! - memory = a × 2 GiB / `memory_divisor` [16: 128 MiB per ACU]
//! - cache = memory × 3/4 [96 MiB per ACU] — as Aurora gives the buffer pool about 3/4 of
//!   the instance's memory; the rest is for sessions, write sets and plans.
//! - CPU share = a × `cpu_per_acu` cores [0.25: Aurora's ratio, 8 ACU = 2 vCPU, the whole
//!   of a 2-core machine] — used to turn process CPU time into utilization.
//! - execution slots (statements executing at once) = max(4, ⌈a × `slots_per_acu`⌉) [8 per
//!   ACU]: several per core because a statement mostly waits for storage round trips.
//! - max connections = LEAST(a × 2 GiB / 9531392, 5000), Aurora PostgreSQL's formula over
//!   the nominal (unscaled) memory: a Borealis connection costs kilobytes, not a process, so
//!   the scaled-down memory would refuse clients for no reason. 0.5 ACU: 112, 1 ACU: 225,
//!   8 ACU: 1802.
//!
//! A capacity of 0 (paused) has no resources at all.

use serde::{Deserialize, Serialize};

use crate::acu::Acu;

/// Bytes of memory in one ACU, before scaling.
pub const ACU_MEMORY_BYTES: u64 = 2 << 30;
/// Aurora PostgreSQL's `max_connections` divisor (bytes of instance memory per connection).
pub const MEMORY_BYTES_PER_CONNECTION: u64 = 9_531_392;
/// Aurora PostgreSQL's `max_connections` ceiling.
pub const CONNECTIONS_MAX: u32 = 5000;
/// Fewest execution slots of a running instance, however small.
pub const EXECUTION_SLOTS_MIN: u32 = 4;

/// How ACUs map onto this machine.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScaleProfile {
    /// Memory per ACU is 2 GiB divided by this (at least 1).
    pub memory_divisor: u32,
    /// CPU cores per ACU.
    pub cpu_per_acu: f64,
    /// Execution slots per ACU.
    pub slots_per_acu: u32,
}

impl Default for ScaleProfile {
    /// For a 2-core, 24 GiB machine that also runs the six storage replicas: 8 ACU (the
    /// default max) is the whole CPU and 768 MiB of cache.
    fn default() -> Self {
        ScaleProfile {
            memory_divisor: 16,
            cpu_per_acu: 0.25,
            slots_per_acu: 8,
        }
    }
}

/// The resources of an instance at one capacity.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstanceResources {
    pub capacity: Acu,
    pub memory_bytes: u64,
    pub cache_bytes: u64,
    /// CPU cores this capacity pays for.
    pub cpu_share: f64,
    /// Statements executing at once; more wait for a slot.
    pub execution_slots: u32,
    pub max_connections: u32,
}

impl InstanceResources {
    pub fn for_capacity(capacity: Acu, profile: &ScaleProfile) -> InstanceResources {
        if capacity.is_zero() {
            return InstanceResources {
                capacity,
                memory_bytes: 0,
                cache_bytes: 0,
                cpu_share: 0.0,
                execution_slots: 0,
                max_connections: 0,
            };
        }
        let halves = u64::from(capacity.half_units());
        let nominal_bytes = halves * ACU_MEMORY_BYTES / 2;
        let memory_bytes = nominal_bytes / u64::from(profile.memory_divisor.max(1));
        let slots = (u64::from(profile.slots_per_acu) * halves).div_ceil(2);
        let connections =
            (nominal_bytes / MEMORY_BYTES_PER_CONNECTION).clamp(1, u64::from(CONNECTIONS_MAX));
        InstanceResources {
            capacity,
            memory_bytes,
            cache_bytes: memory_bytes / 4 * 3,
            cpu_share: capacity.as_f64() * profile.cpu_per_acu.max(0.0),
            execution_slots: (slots as u32).max(EXECUTION_SLOTS_MIN),
            max_connections: connections as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn acu(text: &str) -> Acu {
        text.parse().unwrap()
    }

    #[test]
    fn default_profile_numbers() {
        let profile = ScaleProfile::default();
        let one = InstanceResources::for_capacity(Acu::ONE, &profile);
        assert_eq!(one.memory_bytes, 128 << 20);
        assert_eq!(one.cache_bytes, 96 << 20);
        assert_eq!(one.cpu_share, 0.25);
        assert_eq!(one.execution_slots, 8);
        assert_eq!(one.max_connections, 225);
        let half = InstanceResources::for_capacity(Acu::HALF, &profile);
        assert_eq!(half.cache_bytes, 48 << 20);
        assert_eq!(half.execution_slots, EXECUTION_SLOTS_MIN);
        assert_eq!(half.max_connections, 112);
        let eight = InstanceResources::for_capacity(acu("8"), &profile);
        assert_eq!(eight.cpu_share, 2.0);
        assert_eq!(eight.max_connections, 1802);
        assert_eq!(eight.execution_slots, 64);
        let max = InstanceResources::for_capacity(Acu::MAX, &profile);
        assert_eq!(max.max_connections, CONNECTIONS_MAX);
    }

    #[test]
    fn paused_has_nothing() {
        let zero = InstanceResources::for_capacity(Acu::ZERO, &ScaleProfile::default());
        assert_eq!(zero.cache_bytes, 0);
        assert_eq!(zero.execution_slots, 0);
        assert_eq!(zero.max_connections, 0);
    }

    #[test]
    fn divisor_one_is_aurora_sized() {
        let profile = ScaleProfile {
            memory_divisor: 1,
            ..ScaleProfile::default()
        };
        let two = InstanceResources::for_capacity(acu("2"), &profile);
        assert_eq!(two.memory_bytes, 4 << 30);
    }

    proptest! {
        #[test]
        fn resources_grow_with_capacity(a in 1u16..512, divisor in 0u32..64) {
            let profile = ScaleProfile { memory_divisor: divisor, ..ScaleProfile::default() };
            let small = InstanceResources::for_capacity(Acu::from_half_units(a).unwrap(), &profile);
            let large = InstanceResources::for_capacity(Acu::from_half_units(a + 1).unwrap(), &profile);
            prop_assert!(small.cache_bytes <= large.cache_bytes);
            prop_assert!(small.execution_slots <= large.execution_slots);
            prop_assert!(small.max_connections <= large.max_connections);
            prop_assert!(small.cpu_share < large.cpu_share);
            prop_assert!(small.execution_slots >= EXECUTION_SLOTS_MIN);
            prop_assert!(small.max_connections >= 1);
        }
    }
}
