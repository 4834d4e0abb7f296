//! Borealis's conformance scoreboard: it owns the differential runs that
//! measure how closely Borealis behaves like PostgreSQL. It starts a
//! PostgreSQL 15 oracle ([`oracle`]) and Borealis clusters ([`cluster`]) on
//! loopback ports, runs the SQLite sqllogictest corpus record by record
//! against both ([`slt`]) and PostgreSQL's own regression tests through psql
//! ([`regress`]), counts only what passes on the oracle ([`score`]), keeps the
//! recorded scores from going down (the ratchet in `conformance/scores.json`)
//! and writes a report of every failure with a ranking of failure categories
//! ([`report`]). The binary is `borealis-conformance`; the corpora live
//! outside the repository (`shared/conformance`, see [`paths`]).

pub mod cluster;
pub mod db;
pub mod glob;
pub mod oracle;
pub mod paths;
pub mod procs;
pub mod regress;
pub mod report;
pub mod score;
pub mod slt;
