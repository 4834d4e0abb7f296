//! Errors of the endpoint itself (setup, I/O, TLS) and the SQLSTATEs it reports to clients.
//!
//! Errors a client sees are [`ErrorInfo`]s; this module turns them into ErrorResponse and
//! NoticeResponse messages. [`EndpointError`] is for the embedding program (bad config,
//! cannot bind, bad certificate) and never reaches a client.

use pgwire::messages::response::{ErrorResponse, NoticeResponse};

use crate::backend::ErrorInfo;

/// SQLSTATE codes the endpoint itself raises (PostgreSQL's errcodes.txt names).
pub mod sqlstate {
    pub const PROTOCOL_VIOLATION: &str = "08P01";
    pub const INVALID_PASSWORD: &str = "28P01";
    pub const INVALID_AUTHORIZATION_SPECIFICATION: &str = "28000";
    pub const TOO_MANY_CONNECTIONS: &str = "53300";
    pub const CONFIGURATION_LIMIT_EXCEEDED: &str = "53400";
    pub const QUERY_CANCELED: &str = "57014";
    pub const ADMIN_SHUTDOWN: &str = "57P01";
    pub const IDLE_IN_TRANSACTION_SESSION_TIMEOUT: &str = "25P03";
    pub const FEATURE_NOT_SUPPORTED: &str = "0A000";
    pub const INVALID_BINARY_REPRESENTATION: &str = "22P03";
    pub const INVALID_TEXT_REPRESENTATION: &str = "22P02";
    pub const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";
    pub const DUPLICATE_PREPARED_STATEMENT: &str = "42P05";
    pub const DUPLICATE_CURSOR: &str = "42P03";
    pub const INVALID_SQL_STATEMENT_NAME: &str = "26000";
    pub const INVALID_CURSOR_NAME: &str = "34000";
    pub const INTERNAL_ERROR: &str = "XX000";
}

/// Errors returned to the program embedding the endpoint.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("invalid endpoint configuration: {0}")]
    Config(String),
    #[error("TLS setup failed: {0}")]
    Tls(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// ErrorResponse/NoticeResponse fields in PostgreSQL's order: S, V, C, M, D, H, P, W.
fn fields(info: &ErrorInfo) -> Vec<(u8, String)> {
    let mut fields = vec![
        (b'S', info.severity.to_owned()),
        (b'V', info.severity.to_owned()),
        (b'C', info.sqlstate.clone()),
        (b'M', info.message.clone()),
    ];
    if let Some(detail) = &info.detail {
        fields.push((b'D', detail.clone()));
    }
    if let Some(hint) = info.hint_text() {
        fields.push((b'H', hint.to_owned()));
    }
    if let Some(position) = info.position {
        fields.push((b'P', position.to_string()));
    }
    if let Some(context) = info.context_text() {
        fields.push((b'W', context.to_owned()));
    }
    fields
}

pub(crate) fn error_response(info: &ErrorInfo) -> ErrorResponse {
    ErrorResponse::new(fields(info))
}

pub(crate) fn notice_response(info: &ErrorInfo) -> NoticeResponse {
    NoticeResponse::new(fields(info))
}

/// A protocol violation: the connection is closed after reporting it.
pub(crate) fn protocol_violation(message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::fatal(sqlstate::PROTOCOL_VIOLATION, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_follow_postgresql_order_with_context_last() {
        let info = ErrorInfo::error("2201E", "cannot take logarithm of zero")
            .hint("h")
            .position(3)
            .context("SQL function \"log\" statement 1");
        let codes: Vec<u8> = fields(&info).iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, b"SVCMHPW");
        assert_eq!(
            fields(&info).last().map(|(_, v)| v.as_str()),
            Some("SQL function \"log\" statement 1")
        );
        let plain = ErrorInfo::error("42601", "x");
        assert!(fields(&plain).iter().all(|(c, _)| *c != b'W'));
    }
}
