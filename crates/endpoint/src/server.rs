//! The accept loop and the startup sequence of each connection, up to the first ReadyForQuery.
//!
//! Per connection: SSLRequest/GSSENCRequest negotiation (TLS when configured, else `N`),
//! CancelRequest routing, the StartupMessage, the max_connections check (FATAL 53300),
//! authentication, `Backend::open_session`, ParameterStatus, BackendKeyData, ReadyForQuery.
//! Then the connection belongs to `session`. Everything before the session is bounded by
//! `Limits::startup_timeout`. Each connection is its own task: one client's failure or
//! disappearance never touches another.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use pgwire::messages::response::{ReadyForQuery, TransactionStatus};
use pgwire::messages::startup::{
    Authentication, BackendKeyData, NegotiateProtocolVersion, ParameterStatus, SecretKey,
};
use pgwire::messages::PgWireBackendMessage;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::auth::{AuthFailure, Authenticator};
use crate::backend::{Backend, ErrorInfo, StartupInfo, TxStatus};
use crate::cancel::CancelRegistry;
use crate::config::{EndpointConfig, Limits};
use crate::conn::{Conn, ReadError, Stream};
use crate::control::{EndpointControl, LimitPermit, EXECUTION_SLOTS_UNLIMITED};
use crate::error::{error_response, protocol_violation, sqlstate, EndpointError};
use crate::protocol::{DecodeError, StartupPacket};
use crate::session::Session;
use crate::tls::{self, TlsSetup};

/// Shared by every connection of one server.
struct Shared {
    config: EndpointConfig,
    backend: Arc<dyn Backend>,
    auth: Authenticator,
    tls: Option<TlsSetup>,
    cancel: Arc<CancelRegistry>,
    control: Arc<EndpointControl>,
    shutdown: watch::Receiver<bool>,
}

/// What a connection was admitted as.
enum Admission {
    Session(#[allow(dead_code)] LimitPermit),
    /// Over max_connections: read the startup packet, answer 53300, close.
    Rejected(#[allow(dead_code)] OwnedSemaphorePermit),
}

/// Serve PostgreSQL clients on `listener` until `shutdown` completes, then tell every idle
/// session FATAL 57P01, wait for running queries to finish and return.
pub async fn serve(
    listener: TcpListener,
    config: EndpointConfig,
    backend: Arc<dyn Backend>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), EndpointError> {
    config.validate()?;
    let tls = config.tls.as_ref().map(tls::load).transpose()?;
    let auth = Authenticator::new(&config, tls.as_ref().map(|t| t.cert_pem.as_slice()))?;
    let control = config
        .control
        .clone()
        .unwrap_or_else(|| EndpointControl::new(config.max_connections, EXECUTION_SLOTS_UNLIMITED));
    let rejected = Arc::new(Semaphore::new(config.limits.rejected_connections_max));
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        config,
        backend,
        auth,
        tls,
        cancel: Arc::new(CancelRegistry::default()),
        control,
        shutdown: shutdown_rx,
    });
    tokio::pin!(shutdown);
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _peer)) => {
                    let admission = if let Some(permit) = shared.control.try_admit() {
                        Admission::Session(permit)
                    } else if let Ok(permit) = rejected.clone().try_acquire_owned() {
                        Admission::Rejected(permit)
                    } else {
                        tracing::warn!("dropping connection: too many connections waiting to be rejected");
                        continue;
                    };
                    tasks.spawn(connection(shared.clone(), tcp, admission));
                }
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    drop(listener);
    let _ = shutdown_tx.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

fn to_pg_status(status: TxStatus) -> TransactionStatus {
    match status {
        TxStatus::Idle => TransactionStatus::Idle,
        TxStatus::InBlock => TransactionStatus::Transaction,
        TxStatus::Failed => TransactionStatus::Error,
    }
}

pub(crate) fn ready_for_query(status: TxStatus) -> PgWireBackendMessage {
    PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(to_pg_status(status)))
}

async fn send_fatal(conn: &mut Conn, info: &ErrorInfo) {
    let info = ErrorInfo {
        severity: "FATAL",
        ..info.clone()
    };
    let _ = conn
        .send(PgWireBackendMessage::ErrorResponse(error_response(&info)))
        .await;
    conn.shutdown().await;
}

/// A startup that got as far as a session.
struct Started {
    conn: Conn,
    startup: StartupInfo,
    is_tls: bool,
}

/// Completes once the server is shutting down.
async fn shutting_down(mut shutdown: watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

async fn connection(shared: Arc<Shared>, tcp: TcpStream, admission: Admission) {
    // A connection still starting up is simply dropped at shutdown; a session handles
    // shutdown itself (FATAL 57P01 once idle).
    let started = tokio::select! {
        started = startup(shared.clone(), tcp, admission) => started,
        () = shutting_down(shared.shutdown.clone()) => None,
    };
    if let Some((session, _admission)) = started {
        session.run(shared.shutdown.clone()).await;
    }
}

/// Everything up to the first ReadyForQuery, bounded by the startup timeout.
async fn startup(
    shared: Arc<Shared>,
    tcp: TcpStream,
    admission: Admission,
) -> Option<(Session, Admission)> {
    let _ = tcp.set_nodelay(true);
    let timeout = shared.config.limits.startup_timeout;
    let Ok(Some(mut started)) = tokio::time::timeout(timeout, negotiate(&shared, tcp)).await else {
        return None;
    };
    if matches!(admission, Admission::Rejected(_)) {
        let info = ErrorInfo::fatal(
            sqlstate::TOO_MANY_CONNECTIONS,
            "sorry, too many clients already",
        );
        send_fatal(&mut started.conn, &info).await;
        return None;
    }
    let Ok(Some(session)) = tokio::time::timeout(timeout, start_session(&shared, started)).await
    else {
        return None;
    };
    Some((session, admission))
}

/// SSL/GSS negotiation and the StartupMessage (or a CancelRequest).
async fn negotiate(shared: &Shared, tcp: TcpStream) -> Option<Started> {
    let limits = shared.config.limits.clone();
    // Direct TLS (libpq 17+ `sslnegotiation=direct`): a TLS ClientHello instead of SSLRequest.
    let (mut conn, mut is_tls) = match &shared.tls {
        Some(tls) if starts_with_tls_handshake(&tcp).await? => {
            (accept_tls(tls, tcp, true, &limits).await?, true)
        }
        _ => (Conn::new(Stream::Plain(tcp), limits.clone()), false),
    };
    let mut gss_answered = false;
    loop {
        let packet = match conn.read_startup().await {
            Ok(packet) => packet,
            Err(ReadError::Closed) => return None,
            Err(ReadError::Decode(
                DecodeError::Fatal(info) | DecodeError::Recoverable { info, .. },
            )) => {
                send_fatal(&mut conn, &info).await;
                return None;
            }
        };
        match packet {
            StartupPacket::SslRequest if is_tls => {
                send_fatal(
                    &mut conn,
                    &protocol_violation("duplicate SSL negotiation request"),
                )
                .await;
                return None;
            }
            StartupPacket::SslRequest => {
                let Some(tls) = &shared.tls else {
                    conn.send_byte(b'N').await.ok()?;
                    continue;
                };
                conn.send_byte(b'S').await.ok()?;
                if conn.has_buffered_input() {
                    // Bytes sent before the handshake could be injected by a man in the middle.
                    send_fatal(
                        &mut conn,
                        &protocol_violation("received unencrypted data after SSL request"),
                    )
                    .await;
                    return None;
                }
                let Stream::Plain(tcp) = conn.into_stream() else {
                    return None;
                };
                conn = accept_tls(tls, tcp, false, &limits).await?;
                is_tls = true;
            }
            StartupPacket::GssEncRequest if gss_answered || is_tls => {
                send_fatal(
                    &mut conn,
                    &protocol_violation("duplicate GSSAPI negotiation request"),
                )
                .await;
                return None;
            }
            StartupPacket::GssEncRequest => {
                gss_answered = true;
                conn.send_byte(b'N').await.ok()?;
            }
            StartupPacket::Cancel { pid, secret } => {
                shared.cancel.cancel(pid, &secret);
                return None;
            }
            StartupPacket::Startup {
                major,
                minor,
                params,
            } => {
                return startup_message(conn, major, minor, params, is_tls).await;
            }
        }
    }
}

/// Whether the first byte is a TLS handshake record (0x16) rather than a packet length.
async fn starts_with_tls_handshake(tcp: &TcpStream) -> Option<bool> {
    let mut first = [0u8; 1];
    match tcp.peek(&mut first).await {
        Ok(1) => Some(first[0] == 0x16),
        _ => None,
    }
}

/// TLS handshake; a direct one must have negotiated ALPN `postgresql`, as PostgreSQL demands.
async fn accept_tls(tls: &TlsSetup, tcp: TcpStream, direct: bool, limits: &Limits) -> Option<Conn> {
    let stream = match tls.acceptor.accept(tcp).await {
        Ok(stream) => stream,
        Err(e) => {
            tracing::info!(error = %e, "TLS handshake failed");
            return None;
        }
    };
    let alpn_ok = stream.get_ref().1.alpn_protocol() == Some(tls::ALPN_POSTGRESQL);
    let mut conn = Conn::new(Stream::Tls(Box::new(stream)), limits.clone());
    if direct && !alpn_ok {
        let info = protocol_violation(
            "received direct SSL connection request without ALPN protocol negotiation extension",
        );
        send_fatal(&mut conn, &info).await;
        return None;
    }
    Some(conn)
}

async fn startup_message(
    mut conn: Conn,
    major: u16,
    minor: u16,
    params: Vec<(String, String)>,
    is_tls: bool,
) -> Option<Started> {
    if major != 3 {
        let info = ErrorInfo::fatal(
            sqlstate::FEATURE_NOT_SUPPORTED,
            format!("unsupported frontend protocol {major}.{minor}: server supports 3.0 to 3.0"),
        );
        send_fatal(&mut conn, &info).await;
        return None;
    }
    let unsupported: Vec<String> = params
        .iter()
        .filter(|(k, _)| k.starts_with("_pq_."))
        .map(|(k, _)| k.clone())
        .collect();
    if minor > 0 || !unsupported.is_empty() {
        let newest = NegotiateProtocolVersion::new(3 << 16, unsupported);
        conn.send(PgWireBackendMessage::NegotiateProtocolVersion(newest))
            .await
            .ok()?;
    }
    let get = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let Some(user) = get("user").filter(|u| !u.is_empty()) else {
        let info = ErrorInfo::fatal(
            sqlstate::INVALID_AUTHORIZATION_SPECIFICATION,
            "no PostgreSQL user name specified in startup packet",
        );
        send_fatal(&mut conn, &info).await;
        return None;
    };
    let database = get("database")
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| user.clone());
    let parameters = params
        .into_iter()
        .filter(|(k, _)| k != "user" && k != "database")
        .collect();
    Some(Started {
        conn,
        startup: StartupInfo {
            user,
            database,
            parameters,
        },
        is_tls,
    })
}

/// Authenticate, open the backend session and send the startup reports.
async fn start_session(shared: &Shared, started: Started) -> Option<Session> {
    let Started {
        mut conn,
        startup,
        is_tls,
    } = started;
    let user = startup.user.as_str();
    let role_secret = if user == shared.config.credentials.user {
        None
    } else {
        shared.backend.role_secret(user).await
    };
    match shared
        .auth
        .authenticate(&mut conn, user, is_tls, role_secret.as_deref())
        .await
    {
        Ok(()) => {}
        Err(AuthFailure::Closed) => return None,
        Err(AuthFailure::Fatal(info)) => {
            tracing::info!(user, sqlstate = %info.sqlstate, "authentication failed");
            send_fatal(&mut conn, &info).await;
            return None;
        }
    }
    conn.authenticated();
    conn.send(PgWireBackendMessage::Authentication(Authentication::Ok))
        .await
        .ok()?;
    let mut backend_session = match shared.backend.open_session(&startup).await {
        Ok(session) => shared.control.gate(session),
        Err(info) => {
            send_fatal(&mut conn, &info).await;
            return None;
        }
    };
    let config = &shared.config;
    // What PostgreSQL 15 reports at startup (GUC_REPORT settings); the backend may override
    // any of them right away through `take_parameter_changes`.
    let mut reports: Vec<(String, String)> = [
        (
            "application_name",
            startup.parameter("application_name").unwrap_or(""),
        ),
        ("client_encoding", "UTF8"),
        ("DateStyle", "ISO, MDY"),
        ("default_transaction_read_only", "off"),
        ("in_hot_standby", "off"),
        ("integer_datetimes", "on"),
        ("IntervalStyle", "postgres"),
        ("is_superuser", "on"),
        ("server_encoding", "UTF8"),
        ("server_version", &config.server_version),
        ("session_authorization", user),
        ("standard_conforming_strings", "on"),
        ("TimeZone", &config.time_zone),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (name, value) in backend_session.take_parameter_changes() {
        match reports.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => reports.push((name, value)),
        }
    }
    for (name, value) in reports {
        conn.send(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
            name, value,
        )))
        .await
        .ok()?;
    }
    let registration = shared.cancel.register()?;
    let key = BackendKeyData::new(
        registration.slot.pid,
        SecretKey::I32(registration.slot.secret),
    );
    conn.send(PgWireBackendMessage::BackendKeyData(key))
        .await
        .ok()?;
    conn.send(ready_for_query(backend_session.transaction_status()))
        .await
        .ok()?;
    conn.flush().await.ok()?;
    tracing::debug!(user, database = %startup.database, tls = is_tls, pid = registration.slot.pid, "session started");
    Some(Session::new(
        conn,
        backend_session,
        registration,
        config.limits.clone(),
    ))
}
