//! The query loop of one authenticated connection: reads frontend messages, runs the simple
//! query protocol, dispatches the extended protocol (see `extended`), reports ReadyForQuery
//! with the backend's transaction status, and ends on Terminate, EOF, a FATAL error or server
//! shutdown (FATAL 57P01 while idle). Idle inside a transaction block after ReadyForQuery
//! longer than the backend's idle_in_transaction_session_timeout ends it with FATAL 25P03.
//!
//! Output is buffered and written at ReadyForQuery, Flush, or when the buffer passes its
//! threshold, so pipelined clients get their replies in few writes.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, BytesMut};
use pgwire::messages::copy::{CopyData, CopyDone, CopyInResponse, CopyOutResponse};
use pgwire::messages::data::{DataRow, FieldDescription, RowDescription};
use pgwire::messages::response::{CommandComplete, EmptyQueryResponse};
use pgwire::messages::startup::ParameterStatus;
use pgwire::messages::PgWireBackendMessage;
use tokio::sync::watch;

use crate::backend::{BackendSession, Column, ErrorInfo, Output, PreparedStatement, TxStatus};
use crate::cancel::Registration;
use crate::config::Limits;
use crate::conn::{Conn, ReadError};
use crate::error::{error_response, notice_response, protocol_violation, sqlstate};
use crate::extended::Portal;
use crate::protocol::{DecodeError, FrontendMessage};
use crate::server::ready_for_query;
use crate::value_format::{self, oid};

/// Bounds that keep short backend messages under libpq's 30000-byte limit for them.
const PARAMETER_STATUS_BYTES_MAX: usize = 16 << 10;
const COMMAND_TAG_BYTES_MAX: usize = 1024;

pub const FORMAT_TEXT: i16 = 0;
pub const FORMAT_BINARY: i16 = 1;

/// The connection is over (client gone, fatal error sent, or shutdown).
pub(crate) struct Closed;

impl From<io::Error> for Closed {
    fn from(_: io::Error) -> Self {
        Closed
    }
}

pub struct Session {
    pub(crate) conn: Conn,
    pub(crate) backend: Box<dyn BackendSession>,
    pub(crate) registration: Registration,
    pub(crate) statements: HashMap<String, Arc<PreparedStatement>>,
    pub(crate) portals: HashMap<String, Portal>,
    /// After an error in an extended-protocol message: discard input until Sync.
    pub(crate) skipping_to_sync: bool,
    pub(crate) limits: Limits,
    /// ReadyForQuery was the last message sent: the client's turn, so (as PostgreSQL) an
    /// idle transaction block is timed only now, not between extended-protocol messages.
    ready_for_query_sent: bool,
}

pub(crate) fn canceled() -> ErrorInfo {
    ErrorInfo::error(
        sqlstate::QUERY_CANCELED,
        "canceling statement due to user request",
    )
}

/// `pg_type.typlen` for the types clients commonly look at; -1 (varlena) otherwise.
fn type_size(type_oid: u32) -> i16 {
    match type_oid {
        oid::BOOL | oid::CHAR => 1,
        oid::INT2 => 2,
        oid::INT4 | oid::OID | oid::FLOAT4 | oid::DATE => 4,
        oid::INT8 | oid::FLOAT8 | oid::TIME | oid::TIMESTAMP | oid::TIMESTAMPTZ => 8,
        oid::INTERVAL | oid::UUID => 16,
        oid::NAME => 64,
        _ => -1,
    }
}

pub(crate) fn row_description(columns: &[Column], formats: &[i16]) -> PgWireBackendMessage {
    let fields = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let format = formats.get(i).copied().unwrap_or(FORMAT_TEXT);
            FieldDescription::new(
                c.name.clone(),
                0,
                0,
                c.type_oid,
                type_size(c.type_oid),
                c.type_modifier,
                format,
            )
        })
        .collect();
    PgWireBackendMessage::RowDescription(RowDescription::new(fields))
}

/// Encode one row in the requested formats.
pub(crate) fn data_row(
    columns: &[Column],
    row: &[Option<String>],
    formats: &[i16],
) -> Result<PgWireBackendMessage, ErrorInfo> {
    if columns.len() > i16::MAX as usize {
        return Err(ErrorInfo::error(
            "54011",
            format!("target lists can have at most {} entries", i16::MAX),
        ));
    }
    if row.len() != columns.len() {
        return Err(ErrorInfo::error(
            sqlstate::INTERNAL_ERROR,
            format!("row has {} values for {} columns", row.len(), columns.len()),
        ));
    }
    let mut data = BytesMut::with_capacity(
        row.iter()
            .map(|v| 4 + v.as_ref().map_or(0, |s| s.len()))
            .sum(),
    );
    for (i, value) in row.iter().enumerate() {
        match value {
            None => data.put_i32(-1),
            Some(text) if formats.get(i).copied().unwrap_or(FORMAT_TEXT) == FORMAT_BINARY => {
                let at = data.len();
                data.put_i32(0);
                value_format::text_to_binary(columns[i].type_oid, text, &mut data).map_err(
                    |e| {
                        ErrorInfo::error(
                            sqlstate::INTERNAL_ERROR,
                            format!("cannot send column \"{}\" in binary: {e}", columns[i].name),
                        )
                    },
                )?;
                let len = (data.len() - at - 4) as i32;
                data[at..at + 4].copy_from_slice(&len.to_be_bytes());
            }
            Some(text) => {
                data.put_i32(text.len() as i32);
                data.put_slice(text.as_bytes());
            }
        }
    }
    Ok(PgWireBackendMessage::DataRow(DataRow::new(
        data,
        columns.len() as i16,
    )))
}

impl Session {
    pub(crate) fn new(
        conn: Conn,
        backend: Box<dyn BackendSession>,
        registration: Registration,
        limits: Limits,
    ) -> Self {
        Session {
            conn,
            backend,
            registration,
            statements: HashMap::new(),
            portals: HashMap::new(),
            skipping_to_sync: false,
            limits,
            ready_for_query_sent: false,
        }
    }

    /// Serve messages until the connection ends.
    pub(crate) async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let _ = self.serve(&mut shutdown).await;
        self.conn.shutdown().await;
    }

    async fn serve(&mut self, shutdown: &mut watch::Receiver<bool>) -> Result<(), Closed> {
        loop {
            let message = if self.conn.has_buffered_message() {
                self.conn.read_message().await
            } else {
                if *shutdown.borrow() {
                    return self.terminate_for_shutdown().await;
                }
                // Idle: what was produced goes out before we wait (PostgreSQL flushes at
                // ReadyForQuery and Flush; anything else buffered is for a client that has
                // not asked yet, so holding it matches PostgreSQL too).
                self.conn.release_idle_buffers();
                let idle_limit = self.idle_in_transaction_limit();
                tokio::select! {
                    message = self.conn.read_message() => message,
                    _ = shutdown.changed() => return self.terminate_for_shutdown().await,
                    _ = sleep_for(idle_limit) => return self.terminate_idle_in_transaction().await,
                }
            };
            self.ready_for_query_sent = false;
            let message = match message {
                Ok(message) => message,
                Err(ReadError::Closed) => return Err(Closed),
                Err(ReadError::Decode(DecodeError::Fatal(info))) => return self.fatal(&info).await,
                Err(ReadError::Decode(DecodeError::Recoverable { tag, info })) => {
                    if self.skipping_to_sync {
                        continue;
                    }
                    self.send_error(&info).await?;
                    if tag == b'Q' {
                        self.send_ready().await?;
                    } else {
                        self.skipping_to_sync = true;
                    }
                    continue;
                }
            };
            if self.skipping_to_sync {
                match message {
                    FrontendMessage::Sync => {
                        self.skipping_to_sync = false;
                        self.sync().await?;
                    }
                    FrontendMessage::Terminate => return Err(Closed),
                    _ => {}
                }
                continue;
            }
            self.dispatch(message).await?;
        }
    }

    async fn dispatch(&mut self, message: FrontendMessage) -> Result<(), Closed> {
        let is_extended = message.is_extended();
        let result = match message {
            FrontendMessage::Query(sql) => return self.simple_query(&sql).await,
            FrontendMessage::Parse {
                name,
                query,
                param_types,
            } => self.parse(name, query, param_types).await,
            FrontendMessage::Bind {
                portal,
                statement,
                param_formats,
                params,
                result_formats,
            } => {
                self.bind(portal, statement, param_formats, params, result_formats)
                    .await
            }
            FrontendMessage::Describe { kind, name } => self.describe(kind, &name).await,
            FrontendMessage::Execute { portal, max_rows } => self.execute(&portal, max_rows).await,
            FrontendMessage::Close { kind, name } => self.close(kind, &name).await,
            FrontendMessage::Sync => return self.sync().await,
            FrontendMessage::Flush => {
                self.conn.flush().await?;
                Ok(())
            }
            FrontendMessage::Terminate => return Err(Closed),
            // Left over from a failed COPY: PostgreSQL ignores these too.
            FrontendMessage::CopyData(_)
            | FrontendMessage::CopyDone
            | FrontendMessage::CopyFail(_) => Ok(()),
            FrontendMessage::Password(_) => {
                return self
                    .fatal(&protocol_violation(
                        "unexpected password message after authentication",
                    ))
                    .await;
            }
        };
        match result {
            Ok(()) => Ok(()),
            Err(Failure::Closed) => Err(Closed),
            Err(Failure::Error(info)) => {
                if info.is_fatal() {
                    return self.fatal(&info).await;
                }
                self.send_error(&info).await?;
                if is_extended {
                    self.skipping_to_sync = true;
                }
                Ok(())
            }
        }
    }

    /// How long the coming wait for the client may last: bounded only after ReadyForQuery
    /// reported an open (or failed) transaction block; a client idle outside one is never
    /// closed.
    fn idle_in_transaction_limit(&self) -> Option<Duration> {
        if !self.ready_for_query_sent || self.backend.transaction_status() == TxStatus::Idle {
            return None;
        }
        self.backend.idle_in_transaction_timeout()
    }

    /// The client left a transaction block idle too long. Closing the connection drops
    /// the backend session, which rolls the transaction back and releases its locks.
    async fn terminate_idle_in_transaction(&mut self) -> Result<(), Closed> {
        let info = ErrorInfo::fatal(
            sqlstate::IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
            "terminating connection due to idle-in-transaction timeout",
        );
        self.fatal(&info).await
    }

    async fn terminate_for_shutdown(&mut self) -> Result<(), Closed> {
        let info = ErrorInfo::fatal(
            sqlstate::ADMIN_SHUTDOWN,
            "terminating connection due to administrator command",
        );
        self.fatal(&info).await
    }

    /// Send a FATAL error and end the connection.
    pub(crate) async fn fatal(&mut self, info: &ErrorInfo) -> Result<(), Closed> {
        let info = ErrorInfo {
            severity: "FATAL",
            ..info.clone()
        };
        let _ = self
            .conn
            .send(PgWireBackendMessage::ErrorResponse(error_response(&info)))
            .await;
        let _ = self.conn.flush().await;
        Err(Closed)
    }

    pub(crate) async fn send_error(&mut self, info: &ErrorInfo) -> Result<(), Closed> {
        self.conn
            .send(PgWireBackendMessage::ErrorResponse(error_response(info)))
            .await?;
        Ok(())
    }

    pub(crate) async fn send_notices(&mut self) -> Result<(), Closed> {
        for notice in self.backend.take_notices() {
            self.conn
                .send(PgWireBackendMessage::NoticeResponse(notice_response(
                    &notice,
                )))
                .await?;
        }
        Ok(())
    }

    async fn send_ready(&mut self) -> Result<(), Closed> {
        for (name, value) in self.backend.take_parameter_changes() {
            // libpq rejects ParameterStatus messages over 30000 bytes; PostgreSQL's
            // reported settings are far shorter, so anything that long is a backend bug.
            if name.len() + value.len() > PARAMETER_STATUS_BYTES_MAX {
                tracing::warn!(name = %name, "parameter status too long to report; skipped");
                continue;
            }
            let status = ParameterStatus::new(name, value);
            self.conn
                .send(PgWireBackendMessage::ParameterStatus(status))
                .await?;
        }
        self.conn
            .send(ready_for_query(self.backend.transaction_status()))
            .await?;
        self.conn.flush().await?;
        self.ready_for_query_sent = true;
        Ok(())
    }

    pub(crate) async fn send_command_complete(&mut self, mut tag: String) -> Result<(), Closed> {
        if tag.len() > COMMAND_TAG_BYTES_MAX {
            let mut cut = COMMAND_TAG_BYTES_MAX;
            while !tag.is_char_boundary(cut) {
                cut -= 1;
            }
            tag.truncate(cut);
        }
        self.conn
            .send(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                tag,
            )))
            .await?;
        Ok(())
    }

    pub(crate) async fn send_empty(&mut self) -> Result<(), Closed> {
        self.conn
            .send(PgWireBackendMessage::EmptyQueryResponse(
                EmptyQueryResponse::new(),
            ))
            .await?;
        Ok(())
    }

    async fn sync(&mut self) -> Result<(), Closed> {
        let slot = self.registration.slot.clone();
        let synced = slot.run(self.backend.sync()).await;
        self.send_notices().await?;
        match synced.unwrap_or_else(|| Err(canceled())) {
            Ok(()) => {}
            Err(info) if info.is_fatal() => return self.fatal(&info).await,
            Err(info) => self.send_error(&info).await?,
        }
        // Portals live until the end of their transaction; outside a block that is now.
        if self.backend.transaction_status() == crate::backend::TxStatus::Idle {
            let portals: Vec<_> = self.portals.drain().map(|(_, p)| p).collect();
            for portal in portals {
                self.discard_portal(portal);
            }
        }
        self.send_ready().await
    }

    /// The simple query protocol: one Query, any number of statements, one ReadyForQuery.
    async fn simple_query(&mut self, sql: &str) -> Result<(), Closed> {
        // As PostgreSQL: a simple Query destroys the unnamed statement and portal.
        self.statements.remove("");
        if let Some(portal) = self.portals.remove("") {
            self.discard_portal(portal);
        }
        let slot = self.registration.slot.clone();
        let results = slot
            .run(self.backend.simple_query(sql))
            .await
            .unwrap_or_else(|| vec![Err(canceled())]);
        self.send_notices().await?;
        if results.is_empty() {
            self.send_empty().await?;
        }
        for result in results {
            match result {
                Ok(Output::Rows { columns, rows, tag }) => {
                    self.conn.send(row_description(&columns, &[])).await?;
                    let mut failed = None;
                    for row in &rows {
                        match data_row(&columns, row, &[]) {
                            Ok(message) => self.conn.send(message).await?,
                            Err(info) => {
                                failed = Some(info);
                                break;
                            }
                        }
                    }
                    match failed {
                        None => self.send_command_complete(tag).await?,
                        Some(info) => {
                            self.send_error(&info).await?;
                            break;
                        }
                    }
                }
                Ok(Output::Cursor { columns, cursor }) => {
                    self.conn.send(row_description(&columns, &[])).await?;
                    if let Err(info) = self.stream_cursor(&columns, cursor).await? {
                        if info.is_fatal() {
                            return self.fatal(&info).await;
                        }
                        self.send_error(&info).await?;
                        break;
                    }
                }
                Ok(Output::Command { tag }) => self.send_command_complete(tag).await?,
                Ok(Output::Empty) => self.send_empty().await?,
                Ok(Output::CopyIn { columns }) => return self.copy_in(columns).await,
                Ok(Output::CopyOut { columns, data, tag }) => {
                    self.copy_out(columns, data, tag).await?
                }
                Err(info) if info.is_fatal() => return self.fatal(&info).await,
                Err(info) => {
                    self.send_error(&info).await?;
                    break;
                }
            }
        }
        self.send_ready().await
    }
}

/// Sleeps for `limit`, or forever when there is none.
async fn sleep_for(limit: Option<Duration>) {
    match limit {
        Some(limit) => tokio::time::sleep(limit).await,
        None => std::future::pending().await,
    }
}

/// Rows fetched from a cursor per backend call while streaming a result.
pub(crate) const FETCH_ROWS: usize = 1000;

impl Session {
    /// Sends all rows of a cursor (simple query) as the backend produces them, then
    /// CommandComplete. Returns the error that ended it early, if any (the cursor is closed).
    async fn stream_cursor(
        &mut self,
        columns: &[Column],
        cursor: u64,
    ) -> Result<Result<(), ErrorInfo>, Closed> {
        let slot = self.registration.slot.clone();
        loop {
            let fetched = slot.run(self.backend.fetch(cursor, FETCH_ROWS)).await;
            self.send_notices().await?;
            let fetched = match fetched {
                Some(Ok(fetched)) => fetched,
                Some(Err(info)) => return Ok(Err(info)),
                None => {
                    self.backend.close_cursor(cursor);
                    return Ok(Err(canceled()));
                }
            };
            for row in &fetched.rows {
                match data_row(columns, row, &[]) {
                    Ok(message) => self.conn.send(message).await?,
                    Err(info) => {
                        self.backend.close_cursor(cursor);
                        return Ok(Err(info));
                    }
                }
            }
            if let Some(tag) = fetched.done {
                self.send_command_complete(tag).await?;
                return Ok(Ok(()));
            }
        }
    }
}

/// CopyData bytes gathered from the client before they go to the backend in one call.
const COPY_BATCH_BYTES: usize = 256 << 10;

impl Session {
    pub(crate) async fn copy_out(
        &mut self,
        columns: usize,
        data: Vec<Vec<u8>>,
        tag: String,
    ) -> Result<(), Closed> {
        let columns = columns.min(i16::MAX as usize);
        self.conn
            .send(PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(
                0,
                columns as i16,
                vec![FORMAT_TEXT; columns],
            )))
            .await?;
        for row in data {
            self.conn
                .send(PgWireBackendMessage::CopyData(CopyData::new(row.into())))
                .await?;
        }
        self.conn
            .send(PgWireBackendMessage::CopyDone(CopyDone::new()))
            .await?;
        self.send_command_complete(tag).await
    }

    /// COPY FROM STDIN started by a simple Query: the exchange, its completion or error,
    /// then ReadyForQuery.
    async fn copy_in(&mut self, columns: usize) -> Result<(), Closed> {
        match self.copy_in_exchange(columns).await? {
            Ok(tag) => self.send_command_complete(tag).await?,
            Err(info) if info.is_fatal() => return self.fatal(&info).await,
            Err(info) => self.send_error(&info).await?,
        }
        self.send_ready().await
    }

    /// The COPY FROM STDIN sub-protocol: CopyInResponse, then the client's CopyData
    /// (batched, so the backend sees large chunks) until CopyDone or CopyFail (Flush and
    /// Sync are ignored meanwhile, as in PostgreSQL). Returns the completion tag or the
    /// error for the caller to report. A client that goes away ends the session, and the
    /// backend session's drop discards the COPY.
    pub(crate) async fn copy_in_exchange(
        &mut self,
        columns: usize,
    ) -> Result<Result<String, ErrorInfo>, Closed> {
        let columns = columns.min(i16::MAX as usize);
        self.conn
            .send(PgWireBackendMessage::CopyInResponse(CopyInResponse::new(
                0,
                columns as i16,
                vec![FORMAT_TEXT; columns],
            )))
            .await?;
        self.conn.flush().await?;
        let slot = self.registration.slot.clone();
        let mut batch: Vec<u8> = Vec::new();
        let outcome: Result<Output, ErrorInfo> = loop {
            let message = match self.conn.read_message().await {
                Ok(message) => message,
                Err(ReadError::Closed) => return Err(Closed),
                Err(ReadError::Decode(DecodeError::Fatal(info))) => {
                    self.fatal(&info).await?;
                    return Err(Closed);
                }
                Err(ReadError::Decode(DecodeError::Recoverable { info, .. })) => {
                    let _ = self.backend.copy_in_fail(&info.message).await;
                    break Err(info);
                }
            };
            let done = match message {
                FrontendMessage::CopyData(data) => {
                    batch.extend_from_slice(&data);
                    if batch.len() < COPY_BATCH_BYTES && self.conn.has_buffered_message() {
                        continue;
                    }
                    false
                }
                FrontendMessage::CopyDone => true,
                FrontendMessage::CopyFail(reason) => {
                    break Err(self.backend.copy_in_fail(&reason).await);
                }
                // PostgreSQL ignores these during COPY FROM STDIN.
                FrontendMessage::Flush | FrontendMessage::Sync => continue,
                FrontendMessage::Terminate => return Err(Closed),
                other => {
                    let _ = self.backend.copy_in_fail("protocol violation").await;
                    break Err(ErrorInfo::error(
                        sqlstate::PROTOCOL_VIOLATION,
                        format!(
                            "unexpected message type {} during COPY from stdin",
                            crate::auth::message_name(&other)
                        ),
                    ));
                }
            };
            if !batch.is_empty() {
                let fed = slot.run(self.backend.copy_in_data(&batch)).await;
                batch.clear();
                match fed {
                    Some(Ok(())) => {}
                    Some(Err(info)) => break Err(info),
                    None => {
                        let _ = self.backend.copy_in_fail("canceled").await;
                        break Err(canceled());
                    }
                }
            }
            if done {
                match slot.run(self.backend.copy_in_done()).await {
                    Some(result) => break result,
                    None => {
                        let _ = self.backend.copy_in_fail("canceled").await;
                        break Err(canceled());
                    }
                }
            }
        };
        self.send_notices().await?;
        Ok(match outcome {
            Ok(Output::Command { tag }) => Ok(tag),
            Ok(_) => Err(ErrorInfo::error(
                sqlstate::INTERNAL_ERROR,
                "COPY ended without a completion tag",
            )),
            Err(info) => Err(info),
        })
    }
}

/// Why an extended-protocol step stopped.
pub(crate) enum Failure {
    Error(ErrorInfo),
    Closed,
}

impl From<ErrorInfo> for Failure {
    fn from(info: ErrorInfo) -> Self {
        Failure::Error(info)
    }
}

impl From<Closed> for Failure {
    fn from(_: Closed) -> Self {
        Failure::Closed
    }
}

impl From<io::Error> for Failure {
    fn from(_: io::Error) -> Self {
        Failure::Closed
    }
}
