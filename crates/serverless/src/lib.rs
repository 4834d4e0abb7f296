//! `borealis-serverless`: the pure, deterministic logic of serverless capacity (DESIGN.md
//! §4), shared by the compute (which measures and applies) and the control plane (which
//! configures, meters and pauses). No I/O, no clocks, no tokio: callers pass samples and
//! elapsed times in.
//!
//! - [`Acu`] — capacity in half-ACU steps, 0 to 256;
//! - [`CapacityRange`], [`ServerlessConfig`] — the settings, validated ([`ConfigError`]);
//! - [`InstanceResources`], [`ScaleProfile`] — what a capacity buys on this machine;
//! - [`Autoscaler`] — capacity from [`LoadSample`]s, up fast, down slowly;
//! - [`PausePolicy`] — when an instance with min 0 should pause;
//! - [`Meter`] — ACU-seconds;
//! - [`MetricsSnapshot`], [`Exposition`] — Prometheus text with Aurora's metric names.
//!
//! The model and its defaults are documented in `docs/serverless.md`.

pub mod acu;
pub mod autoscaler;
pub mod config;
pub mod meter;
pub mod metrics;
pub mod pause;
pub mod resources;

pub use acu::{Acu, AcuError};
pub use autoscaler::{Autoscaler, AutoscalerTuning, LoadSample};
pub use config::{CapacityRange, ConfigError, ServerlessConfig};
pub use meter::Meter;
pub use metrics::{Exposition, MetricsSnapshot};
pub use pause::{Activity, PausePolicy};
pub use resources::{InstanceResources, ScaleProfile};
