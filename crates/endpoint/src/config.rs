//! Endpoint configuration: the one user and its credentials, auth method, TLS, and every bound.
//!
//! Only what authentication needs is kept: a SCRAM-SHA-256 verifier (salt, iteration count,
//! StoredKey, ServerKey, as `pg_authid.rolpassword` holds it), plus the md5 hash
//! `md5(password || user)` only when md5 authentication is chosen. The cleartext password is
//! dropped once the verifier is computed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use pgwire::api::auth::sasl::scram::{gen_salted_password, ScramSecret};
use ring::rand::{SecureRandom, SystemRandom};

use crate::control::EndpointControl;
use crate::error::EndpointError;

/// PostgreSQL's own bound on one protocol message (`PQ_LARGE_MESSAGE_LIMIT`): 1 GiB - 1.
pub const MESSAGE_BYTES_LIMIT_PG: usize = 0x3fff_ffff;

/// How clients prove who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMethod {
    /// SCRAM-SHA-256 (and SCRAM-SHA-256-PLUS with channel binding over TLS). The default.
    #[default]
    ScramSha256,
    /// Legacy md5 challenge-response, for old clients only.
    Md5,
}

/// SCRAM-SHA-256 verifier material (RFC 5802): never enough to log in by itself.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramVerifier {
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub stored_key: Vec<u8>,
    pub server_key: Vec<u8>,
}

impl std::fmt::Debug for ScramVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramVerifier")
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

impl ScramVerifier {
    /// Iteration count PostgreSQL uses by default (`scram_iterations`).
    pub const ITERATIONS_DEFAULT: u32 = 4096;

    /// Derive a verifier from a password with a fresh random 16-byte salt.
    pub fn from_password(password: &str, iterations: u32) -> Result<Self, EndpointError> {
        let mut salt = vec![0u8; 16];
        SystemRandom::new()
            .fill(&mut salt)
            .map_err(|_| EndpointError::Config("no system randomness for the SCRAM salt".into()))?;
        let salted = gen_salted_password(password, &salt, iterations as usize);
        match ScramSecret::verifier_from_salted_password(salt, salted, iterations as usize) {
            ScramSecret::Verifier {
                salt,
                iterations,
                stored_key,
                server_key,
            } => Ok(ScramVerifier {
                salt,
                iterations: iterations as u32,
                stored_key,
                server_key,
            }),
            ScramSecret::SaltedPassword { .. } => Err(EndpointError::Config(
                "SCRAM verifier derivation failed".into(),
            )),
        }
    }

    pub(crate) fn to_secret(&self) -> ScramSecret {
        ScramSecret::Verifier {
            salt: self.salt.clone(),
            iterations: self.iterations as usize,
            stored_key: self.stored_key.clone(),
            server_key: self.server_key.clone(),
        }
    }
}

/// The single configured user.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: String,
    pub scram: ScramVerifier,
    /// Hex `md5(password || user)`, kept only for [`AuthMethod::Md5`].
    pub md5_hash: Option<String>,
}

impl Credentials {
    /// Compute what `method` needs from a cleartext password, then forget the password.
    pub fn from_password(
        user: &str,
        password: &str,
        method: AuthMethod,
    ) -> Result<Self, EndpointError> {
        if user.is_empty() {
            return Err(EndpointError::Config("user name is empty".into()));
        }
        let md5_hash = match method {
            AuthMethod::Md5 => Some(format!("{:x}", md5::compute(format!("{password}{user}")))),
            AuthMethod::ScramSha256 => None,
        };
        Ok(Credentials {
            user: user.to_owned(),
            scram: ScramVerifier::from_password(password, ScramVerifier::ITERATIONS_DEFAULT)?,
            md5_hash,
        })
    }
}

/// Where the server certificate chain and private key come from (PEM).
#[derive(Debug, Clone)]
pub enum TlsSource {
    Files {
        cert_path: PathBuf,
        key_path: PathBuf,
    },
    Pem {
        cert_pem: Vec<u8>,
        key_pem: Vec<u8>,
    },
}

/// Bounds on what one connection may make the server hold. Every field has a default.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest frontend message accepted; larger ones get 08P01 and the connection closes.
    /// Default 64 MiB; at most [`MESSAGE_BYTES_LIMIT_PG`] (PostgreSQL's 1 GiB - 1).
    pub message_bytes_max: usize,
    /// Time allowed from accept to the end of authentication (`authentication_timeout`).
    pub startup_timeout: Duration,
    /// Named prepared statements per connection.
    pub statements_per_session_max: usize,
    /// Named portals per connection.
    pub portals_per_session_max: usize,
    /// Buffered output is written once it passes this many bytes, even before Sync/Flush.
    pub write_buffer_bytes_flush: usize,
    /// Read and write buffers grown past this are released once drained, so an idle
    /// connection holds a few KiB, not its largest message.
    pub buffer_bytes_retain_max: usize,
    /// Connections past `max_connections` still waiting to be told so (beyond: dropped).
    pub rejected_connections_max: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            message_bytes_max: 64 << 20,
            startup_timeout: Duration::from_secs(60),
            statements_per_session_max: 10_000,
            portals_per_session_max: 1_000,
            write_buffer_bytes_flush: 64 << 10,
            buffer_bytes_retain_max: 64 << 10,
            rejected_connections_max: 64,
        }
    }
}

/// Everything [`crate::serve`] needs besides the listener and the backend.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    pub credentials: Credentials,
    pub auth_method: AuthMethod,
    /// None: SSLRequest is answered `N` and clients continue in plaintext.
    pub tls: Option<TlsSource>,
    /// Authenticated-or-authenticating sessions at once; the next gets FATAL 53300.
    /// Ignored when `control` is set (its limit rules and can change while serving).
    pub max_connections: usize,
    /// Run-time limits and live counters shared with the caller (serverless capacity);
    /// None: fixed `max_connections`, no execution-slot limit.
    pub control: Option<Arc<EndpointControl>>,
    /// Reported as `server_version`; clients parse the leading number.
    pub server_version: String,
    /// Reported as `TimeZone`; the endpoint prints binary timestamptz in UTC.
    pub time_zone: String,
    pub limits: Limits,
}

impl EndpointConfig {
    /// Defaults: SCRAM-SHA-256, no TLS, 100 connections, PostgreSQL 15 compatible version.
    pub fn new(user: &str, password: &str) -> Result<Self, EndpointError> {
        Ok(EndpointConfig {
            credentials: Credentials::from_password(user, password, AuthMethod::ScramSha256)?,
            auth_method: AuthMethod::ScramSha256,
            tls: None,
            max_connections: 100,
            control: None,
            server_version: format!("15.18 (Borealis {})", env!("CARGO_PKG_VERSION")),
            time_zone: "UTC".to_owned(),
            limits: Limits::default(),
        })
    }

    /// Switch to md5 authentication (recomputes the credentials from the password).
    pub fn with_md5(mut self, password: &str) -> Result<Self, EndpointError> {
        self.credentials =
            Credentials::from_password(&self.credentials.user, password, AuthMethod::Md5)?;
        self.auth_method = AuthMethod::Md5;
        Ok(self)
    }

    pub fn with_tls(mut self, tls: TlsSource) -> Self {
        self.tls = Some(tls);
        self
    }

    pub fn with_max_connections(mut self, max_connections: usize) -> Self {
        self.max_connections = max_connections;
        self
    }

    /// Serve with run-time changeable limits; `control` replaces `max_connections`.
    pub fn with_control(mut self, control: Arc<EndpointControl>) -> Self {
        self.control = Some(control);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), EndpointError> {
        if self.max_connections == 0 {
            return Err(EndpointError::Config(
                "max_connections must be at least 1".into(),
            ));
        }
        let limit = self.limits.message_bytes_max;
        if !(1024..=MESSAGE_BYTES_LIMIT_PG).contains(&limit) {
            return Err(EndpointError::Config(format!(
                "message_bytes_max {limit} outside 1024..={MESSAGE_BYTES_LIMIT_PG}"
            )));
        }
        if self.auth_method == AuthMethod::Md5 && self.credentials.md5_hash.is_none() {
            return Err(EndpointError::Config(
                "md5 authentication needs an md5 hash".into(),
            ));
        }
        Ok(())
    }
}
