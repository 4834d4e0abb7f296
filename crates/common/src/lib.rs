//! Identifiers and bounds shared by every part of Borealis.
//!
//! This crate sits at the bottom of the dependency graph: the log sequence
//! number ([`Lsn`]), the volume [`Epoch`], protection-group and replica
//! identifiers, availability-zone labels, and [`limits`], the one place where
//! every bound of the system is written down with the relations between them
//! checked at compile time. Terms are those of DESIGN.md and
//! `docs/glossary.md`.

pub mod ids;
pub mod limits;

pub use ids::{AzId, Epoch, Lsn, PgId, ReplicaId};
