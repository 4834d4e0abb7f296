//! `borealis-sql` owns Borealis's SQL engine with PostgreSQL semantics: it
//! parses statements with sqlparser's PostgreSQL dialect, binds and types them
//! against a catalog kept in the cluster volume, plans primary-key lookups,
//! and executes them in transactions whose snapshots are LSNs of the
//! multi-versioned [`Store`]; it also defines that storage interface and an
//! in-memory implementation ([`MemStore`]) for tests.
//!
//! ```text
//! SQL text -> sqlparser AST -> binder (names, types) -> plan (+ access path)
//!          -> executor (snapshot reads + session write set) -> Store::commit at COMMIT
//! ```

mod acl;
mod analyze;
mod array_assign;
mod array_ops;
mod attribute_numbers;
mod base_types;
mod binder;
mod bit_string;
mod builtins;
mod casts;
mod catalog;
mod column_storage;
mod composite;
mod conflict_target_syntax;
mod copy;
mod datetime;
mod datetime_fns;
mod datum;
mod ddl;
mod ddl_retype;
mod descriptions;
mod encoding;
mod engine;
mod error;
mod eval;
mod executor;
mod explain;
mod float_text;
mod geometry;
mod ignored_knobs;
mod index_shape;
mod inheritance;
mod internal_functions;
mod interval;
mod json;
mod json_build;
mod json_ops;
mod json_srf;
mod literal_junk;
mod mem_store;
mod money;
mod numeric;
mod numeric_math;
mod opclass;
mod partition;
mod partition_constraint;
mod partition_ddl;
mod partition_key_syntax;
mod partition_prune;
mod pg_catalog;
mod pg_hash;
mod pg_lsn;
mod plan;
mod plan_deparse;
mod planner;
mod plpgsql;
mod privileges;
mod reindex;
mod relation_size;
mod reloptions;
mod roles;
mod routine;
mod row_security;
mod row_security_ddl;
mod row_security_scan;
mod row_star;
mod rule_deparse;
mod rule_rewrite;
mod rules;
mod schema;
mod schema_ddl;
mod scram_secret;
mod sequence;
mod sequence_ddl;
mod sequence_options;
mod sequence_stmt;
mod series;
mod session;
mod settings;
mod similar_substring;
mod spill;
mod statement_tokens;
mod stats;
mod store;
mod string_literals;
mod table_command;
mod table_row_type;
mod table_rules;
mod timezone;
mod toast;
#[cfg(test)]
mod token_rewrite_tests;
mod txn;
mod txn_ids;
mod types;
mod user_operators;
mod user_types;
mod variadic_args;
mod view;
mod view_dml;
mod view_instead_of;
mod view_syntax;

pub use engine::Engine;
pub use error::SqlError;
pub use mem_store::MemStore;
pub use session::{
    Column, CopyStart, Cursor, Fetched, Prepared, Session, StatementOutput, Streamed,
    TransactionStatus,
};
pub use store::{Mutation, Store, StoreError};
