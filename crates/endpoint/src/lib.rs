//! `borealis-endpoint` owns the PostgreSQL wire protocol between clients (psql, libpq, JDBC,
//! psycopg, asyncpg, node-postgres, tokio-postgres, pgbench) and the SQL engine: accepting TCP
//! connections, TLS (rustls), SCRAM-SHA-256/md5 authentication of the configured user, the
//! startup reports, the simple and extended query protocols with text and binary formats,
//! cancellation, connection limits and protocol-level bounds. It knows nothing about SQL: it
//! hands statement text to a [`Backend`] through a narrow text-only trait and converts values
//! between PostgreSQL text and binary formats itself (`value_format`). pgwire supplies message
//! encoding and the SCRAM computations; framing, decoding and the connection state machine are
//! here so that every byte from the network is bounds-checked and never panics.
//!
//! Entry point: [`serve`]. Limits resizable while serving, and live counters:
//! [`EndpointControl`]. TLS helper: [`tls::generate_self_signed`]. Decisions, bounds and
//! what is not done yet: `crates/endpoint/README.md`.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # async fn run(engine: Arc<dyn borealis_endpoint::Backend>) -> Result<(), borealis_endpoint::EndpointError> {
//! use borealis_endpoint::{serve, tls, EndpointConfig};
//!
//! let files = tls::generate_self_signed("/var/lib/borealis/tls".as_ref(), &["localhost"])?;
//! let config = EndpointConfig::new("postgres", "secret")?.with_tls(files.tls_source());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:5432").await?;
//! serve(listener, config, engine, async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await
//! # }
//! ```

mod array_format;
mod auth;
pub mod backend;
mod cancel;
pub mod config;
mod conn;
pub mod control;
pub mod error;
mod extended;
mod geo_format;
mod protocol;
mod server;
mod session;
pub mod tls;
pub mod value_format;

pub use backend::{
    Backend, BackendSession, Column, Description, ErrorExtra, ErrorInfo, Fetched, Oid, Output,
    PreparedStatement, StartupInfo, TxStatus,
};
pub use config::{AuthMethod, Credentials, EndpointConfig, Limits, ScramVerifier, TlsSource};
pub use control::{EndpointControl, EndpointStats};
pub use error::EndpointError;
pub use server::serve;

/// The frontend decoders over arbitrary bytes, for `crates/endpoint/fuzz`.
#[cfg(feature = "fuzzing")]
pub use protocol::decode_everything as fuzz_decode;
