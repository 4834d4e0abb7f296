//! Password authentication of the configured user, and of roles the SQL engine stores with a
//! password (their verifier comes from `Backend::role_secret`): SCRAM-SHA-256 (default, with
//! SCRAM-SHA-256-PLUS channel binding over TLS) or md5.
//!
//! Called by the startup sequence after the StartupMessage and before AuthenticationOk. The
//! SCRAM math is pgwire's (`ScramServerAuth`); this module runs the message exchange. An unknown
//! user name goes through the same exchange against a random mock verifier, so a client cannot
//! tell "no such user" from "wrong password": both end in FATAL 28P01.

use pgwire::api::auth::sasl::scram::ScramServerAuth;
use pgwire::error::PgWireError;
use pgwire::messages::startup::Authentication;
use pgwire::messages::PgWireBackendMessage;
use ring::rand::{SecureRandom, SystemRandom};

use crate::backend::ErrorInfo;
use crate::config::{AuthMethod, EndpointConfig, ScramVerifier};
use crate::conn::{Conn, ReadError};
use crate::error::{protocol_violation, sqlstate, EndpointError};
use crate::protocol::{self, DecodeError, FrontendMessage};

const SCRAM: &str = "SCRAM-SHA-256";
const SCRAM_PLUS: &str = "SCRAM-SHA-256-PLUS";

/// How authentication ended, when it did not succeed.
#[derive(Debug)]
pub enum AuthFailure {
    /// Report this FATAL error, then close.
    Fatal(ErrorInfo),
    /// The client went away: close silently.
    Closed,
}

impl From<DecodeError> for AuthFailure {
    fn from(e: DecodeError) -> Self {
        match e {
            DecodeError::Fatal(info) | DecodeError::Recoverable { info, .. } => {
                AuthFailure::Fatal(ErrorInfo {
                    severity: "FATAL",
                    ..info
                })
            }
        }
    }
}

impl From<ReadError> for AuthFailure {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Closed => AuthFailure::Closed,
            ReadError::Decode(e) => e.into(),
        }
    }
}

impl From<std::io::Error> for AuthFailure {
    fn from(_: std::io::Error) -> Self {
        AuthFailure::Closed
    }
}

/// Per-server authentication state, built once.
pub struct Authenticator {
    method: AuthMethod,
    user: String,
    verifier: ScramVerifier,
    /// Used for unknown users: never matches any password.
    mock_verifier: ScramVerifier,
    md5_hash: Option<String>,
    scram: ScramServerAuth,
    /// With the TLS certificate configured, for connections over TLS.
    scram_tls: Option<ScramServerAuth>,
    rng: SystemRandom,
}

fn random_bytes<const N: usize>(rng: &SystemRandom) -> Result<[u8; N], EndpointError> {
    let mut bytes = [0u8; N];
    rng.fill(&mut bytes)
        .map_err(|_| EndpointError::Config("no system randomness".into()))?;
    Ok(bytes)
}

impl Authenticator {
    pub fn new(
        config: &EndpointConfig,
        tls_cert_pem: Option<&[u8]>,
    ) -> Result<Self, EndpointError> {
        let rng = SystemRandom::new();
        let mock_verifier = ScramVerifier {
            salt: random_bytes::<16>(&rng)?.to_vec(),
            iterations: config.credentials.scram.iterations,
            stored_key: random_bytes::<32>(&rng)?.to_vec(),
            server_key: random_bytes::<32>(&rng)?.to_vec(),
        };
        let scram_tls = match tls_cert_pem {
            Some(pem) => {
                let mut auth = ScramServerAuth::new();
                auth.configure_certificate(pem)
                    .map_err(|e| EndpointError::Tls(format!("channel binding certificate: {e}")))?;
                Some(auth)
            }
            None => None,
        };
        Ok(Authenticator {
            method: config.auth_method,
            user: config.credentials.user.clone(),
            verifier: config.credentials.scram.clone(),
            mock_verifier,
            md5_hash: config.credentials.md5_hash.clone(),
            scram: ScramServerAuth::new(),
            scram_tls,
            rng,
        })
    }

    /// Run the exchange for `user`; on success the caller sends AuthenticationOk.
    /// `role_secret` is the stored verifier of a role other than the configured user (see
    /// `Backend::role_secret`): a SCRAM one is always used through SCRAM (as PostgreSQL does
    /// under md5 too), an md5 one only under md5.
    pub async fn authenticate(
        &self,
        conn: &mut Conn,
        user: &str,
        is_tls: bool,
        role_secret: Option<&str>,
    ) -> Result<(), AuthFailure> {
        let role = if user == self.user {
            None
        } else {
            role_secret.and_then(RoleSecret::parse)
        };
        match (self.method, role) {
            (_, Some(RoleSecret::Scram(v))) => self.scram(conn, user, is_tls, Some(&v)).await,
            (AuthMethod::Md5, Some(RoleSecret::Md5(hash))) => {
                self.md5(conn, user, Some(&hash)).await
            }
            (AuthMethod::ScramSha256, _) => self.scram(conn, user, is_tls, None).await,
            (AuthMethod::Md5, _) => self.md5(conn, user, None).await,
        }
    }

    fn failed(user: &str) -> AuthFailure {
        AuthFailure::Fatal(ErrorInfo::fatal(
            sqlstate::INVALID_PASSWORD,
            format!("password authentication failed for user \"{user}\""),
        ))
    }

    async fn read_password_message(conn: &mut Conn) -> Result<Vec<u8>, AuthFailure> {
        match conn.read_message().await? {
            FrontendMessage::Password(bytes) => Ok(bytes),
            FrontendMessage::Terminate => Err(AuthFailure::Closed),
            other => Err(AuthFailure::Fatal(protocol_violation(format!(
                "expected password response, got {}",
                message_name(&other)
            )))),
        }
    }

    async fn scram(
        &self,
        conn: &mut Conn,
        user: &str,
        is_tls: bool,
        role: Option<&ScramVerifier>,
    ) -> Result<(), AuthFailure> {
        let server = match (&self.scram_tls, is_tls) {
            (Some(with_cert), true) => with_cert,
            _ => &self.scram,
        };
        let mechanisms: Vec<String> = if server.supports_channel_binding() {
            vec![SCRAM_PLUS.to_owned(), SCRAM.to_owned()]
        } else {
            vec![SCRAM.to_owned()]
        };
        conn.send(PgWireBackendMessage::Authentication(Authentication::SASL(
            mechanisms.clone(),
        )))
        .await?;
        conn.flush().await?;

        let initial = Self::read_password_message(conn).await?;
        let (mechanism, data) = protocol::decode_sasl_initial(&initial)?;
        if !mechanisms.contains(&mechanism) {
            return Err(AuthFailure::Fatal(protocol_violation(
                "client selected an invalid SASL authentication mechanism",
            )));
        }
        let known_user = user == self.user || role.is_some();
        let verifier = match role {
            Some(v) => v,
            None if user == self.user => &self.verifier,
            None => &self.mock_verifier,
        };
        let (server_first, waiting) = server
            .on_client_first_message_with_secret(&data, verifier.to_secret())
            .map_err(|e| scram_failure(user, e))?;
        conn.send(PgWireBackendMessage::Authentication(
            Authentication::SASLContinue(server_first.into_bytes().into()),
        ))
        .await?;
        conn.flush().await?;

        let response = Self::read_password_message(conn).await?;
        let server_final = waiting
            .on_client_final_message(&response)
            .map_err(|e| scram_failure(user, e))?;
        if !known_user {
            return Err(Self::failed(user));
        }
        conn.send(PgWireBackendMessage::Authentication(
            Authentication::SASLFinal(server_final.into_bytes().into()),
        ))
        .await?;
        Ok(())
    }

    async fn md5(
        &self,
        conn: &mut Conn,
        user: &str,
        role_hash: Option<&str>,
    ) -> Result<(), AuthFailure> {
        let salt = random_bytes::<4>(&self.rng).map_err(|_| Self::failed(user))?;
        conn.send(PgWireBackendMessage::Authentication(
            Authentication::MD5Password(salt.to_vec()),
        ))
        .await?;
        conn.flush().await?;
        let body = Self::read_password_message(conn).await?;
        let answer = protocol::decode_password(&body)?;
        let configured = self.md5_hash.as_deref().filter(|_| user == self.user);
        let Some(hash) = configured.or(role_hash) else {
            return Err(Self::failed(user));
        };
        let mut salted = hash.as_bytes().to_vec();
        salted.extend_from_slice(&salt);
        let expected = format!("md5{:x}", md5::compute(&salted));
        if constant_time_eq(expected.as_bytes(), answer.as_bytes()) {
            Ok(())
        } else {
            Err(Self::failed(user))
        }
    }
}

/// A role's stored verifier, parsed.
enum RoleSecret {
    Scram(ScramVerifier),
    /// Hex `md5(password || user)`.
    Md5(String),
}

impl RoleSecret {
    /// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64 fields) or
    /// `md5<32 hex digits>`; None for anything else.
    fn parse(secret: &str) -> Option<RoleSecret> {
        use base64::Engine;
        if let Some(hex) = secret.strip_prefix("md5") {
            return (hex.len() == 32).then(|| RoleSecret::Md5(hex.to_string()));
        }
        let rest = secret.strip_prefix("SCRAM-SHA-256$")?;
        let (params, keys) = rest.split_once('$')?;
        let (iterations, salt) = params.split_once(':')?;
        let (stored_key, server_key) = keys.split_once(':')?;
        let b64 = base64::engine::general_purpose::STANDARD;
        Some(RoleSecret::Scram(ScramVerifier {
            salt: b64.decode(salt).ok()?,
            iterations: iterations.parse().ok()?,
            stored_key: b64.decode(stored_key).ok()?,
            server_key: b64.decode(server_key).ok()?,
        }))
    }
}

fn scram_failure(user: &str, error: PgWireError) -> AuthFailure {
    match error {
        PgWireError::InvalidPassword(_) => Authenticator::failed(user),
        other => AuthFailure::Fatal(
            protocol_violation("malformed SCRAM message").detail(other.to_string()),
        ),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A short name for a frontend message, for error messages.
pub fn message_name(message: &FrontendMessage) -> &'static str {
    match message {
        FrontendMessage::Query(_) => "Query",
        FrontendMessage::Parse { .. } => "Parse",
        FrontendMessage::Bind { .. } => "Bind",
        FrontendMessage::Describe { .. } => "Describe",
        FrontendMessage::Execute { .. } => "Execute",
        FrontendMessage::Close { .. } => "Close",
        FrontendMessage::Sync => "Sync",
        FrontendMessage::Flush => "Flush",
        FrontendMessage::Terminate => "Terminate",
        FrontendMessage::Password(_) => "PasswordMessage",
        FrontendMessage::CopyData(_) => "CopyData",
        FrontendMessage::CopyDone => "CopyDone",
        FrontendMessage::CopyFail(_) => "CopyFail",
    }
}
