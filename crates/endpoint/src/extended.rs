//! The extended query protocol: Parse, Bind, Describe, Execute, Close (Sync and Flush are in
//! `session`). Named and unnamed statements and portals, parameter and result formats per
//! column (binary converted by OID in `value_format`), and Execute with a row limit
//! (PortalSuspended).
//!
//! A portal holds its parameters; on first Execute the backend runs the statement. A query
//! comes back as a backend cursor whose rows are fetched only as Execute asks for them (a row
//! limit suspends the portal, PortalSuspended, and the next Execute continues the cursor);
//! other row results stay in the portal until fetched. A portal lasts until closed or its
//! transaction ends (Sync while idle); dropping it closes its cursor. Bounded by `Limits::statements_per_session_max` and `portals_per_session_max`.

use std::collections::VecDeque;
use std::sync::Arc;

use pgwire::messages::data::{NoData, ParameterDescription};
use pgwire::messages::extendedquery::{
    BindComplete, CloseComplete, ParseComplete, PortalSuspended,
};
use pgwire::messages::PgWireBackendMessage;

use crate::backend::{Column, ErrorInfo, Oid, Output, PreparedStatement};
use crate::error::sqlstate;
use crate::session::{
    canceled, data_row, row_description, Failure, Session, FORMAT_BINARY, FORMAT_TEXT,
};
use crate::value_format::{self, FormatError};

/// What a portal has done so far.
enum PortalState {
    NotRun,
    /// Rows fetched from the backend and not yet sent.
    Suspended {
        columns: Vec<Column>,
        rows: VecDeque<Vec<Option<String>>>,
    },
    /// A backend cursor, fetched as Execute asks.
    Cursor {
        columns: Vec<Column>,
        cursor: u64,
    },
    Done {
        tag: String,
    },
}

pub struct Portal {
    statement: Arc<PreparedStatement>,
    params: Vec<Option<String>>,
    /// One format per result column.
    result_formats: Vec<i16>,
    state: PortalState,
}

fn statement_missing(name: &str) -> ErrorInfo {
    if name.is_empty() {
        ErrorInfo::error(
            sqlstate::INVALID_SQL_STATEMENT_NAME,
            "unnamed prepared statement does not exist",
        )
    } else {
        ErrorInfo::error(
            sqlstate::INVALID_SQL_STATEMENT_NAME,
            format!("prepared statement \"{name}\" does not exist"),
        )
    }
}

fn portal_missing(name: &str) -> ErrorInfo {
    if name.is_empty() {
        ErrorInfo::error(
            sqlstate::INVALID_CURSOR_NAME,
            "unnamed portal does not exist",
        )
    } else {
        ErrorInfo::error(
            sqlstate::INVALID_CURSOR_NAME,
            format!("portal \"{name}\" does not exist"),
        )
    }
}

/// Expand Bind's format codes (none = all text, one = all alike, else one each).
fn expand_formats(codes: &[i16], count: usize, what: &str) -> Result<Vec<i16>, ErrorInfo> {
    let formats = match codes.len() {
        0 => vec![FORMAT_TEXT; count],
        1 => vec![codes[0]; count],
        n if n == count => codes.to_vec(),
        n => {
            return Err(bind_violation(format!(
                "bind message has {n} {what} formats but {count} {what}s"
            )))
        }
    };
    if let Some(bad) = formats
        .iter()
        .find(|f| **f != FORMAT_TEXT && **f != FORMAT_BINARY)
    {
        return Err(ErrorInfo::error(
            "22023",
            format!("unsupported format code: {bad}"),
        ));
    }
    Ok(formats)
}

/// A malformed Bind: a protocol violation, but at ERROR level as in PostgreSQL (the session
/// survives and skips to Sync).
fn bind_violation(message: String) -> ErrorInfo {
    ErrorInfo::error(sqlstate::PROTOCOL_VIOLATION, message)
}

/// SELECT-like tags carry the row count last; rewrite it for partial fetches.
fn tag_with_count(tag: &str, count: usize) -> String {
    match tag.rsplit_once(' ') {
        Some((head, n)) if n.bytes().all(|c| c.is_ascii_digit()) && !n.is_empty() => {
            format!("{head} {count}")
        }
        _ => tag.to_owned(),
    }
}

impl Session {
    pub(crate) async fn parse(
        &mut self,
        name: String,
        query: String,
        param_types: Vec<Oid>,
    ) -> Result<(), Failure> {
        if !name.is_empty() {
            if self.statements.contains_key(&name) {
                return Err(ErrorInfo::error(
                    sqlstate::DUPLICATE_PREPARED_STATEMENT,
                    format!("prepared statement \"{name}\" already exists"),
                )
                .into());
            }
            if self.statements.len() >= self.limits.statements_per_session_max {
                return Err(ErrorInfo::error(
                    sqlstate::CONFIGURATION_LIMIT_EXCEEDED,
                    format!(
                        "too many prepared statements (limit {})",
                        self.limits.statements_per_session_max
                    ),
                )
                .into());
            }
        }
        let slot = self.registration.slot.clone();
        let prepared = slot.run(self.backend.prepare(&query, &param_types)).await;
        self.send_notices().await?;
        let prepared = prepared.unwrap_or_else(|| Err(canceled()))?;
        if prepared.description.param_types.len() < param_types.len()
            || prepared.description.param_types.len() > u16::MAX as usize
        {
            return Err(ErrorInfo::error(
                sqlstate::INTERNAL_ERROR,
                "backend described a different number of parameters than the client declared",
            )
            .into());
        }
        self.statements.insert(name, Arc::new(prepared));
        self.conn
            .send(PgWireBackendMessage::ParseComplete(ParseComplete::new()))
            .await?;
        Ok(())
    }

    pub(crate) async fn bind(
        &mut self,
        portal_name: String,
        statement_name: String,
        param_formats: Vec<i16>,
        params: Vec<Option<Vec<u8>>>,
        result_formats: Vec<i16>,
    ) -> Result<(), Failure> {
        let statement = self
            .statements
            .get(&statement_name)
            .cloned()
            .ok_or_else(|| statement_missing(&statement_name))?;
        if !portal_name.is_empty() {
            if self.portals.contains_key(&portal_name) {
                return Err(ErrorInfo::error(
                    sqlstate::DUPLICATE_CURSOR,
                    format!("portal \"{portal_name}\" already exists"),
                )
                .into());
            }
            if self.portals.len() >= self.limits.portals_per_session_max {
                return Err(ErrorInfo::error(
                    sqlstate::CONFIGURATION_LIMIT_EXCEEDED,
                    format!(
                        "too many portals (limit {})",
                        self.limits.portals_per_session_max
                    ),
                )
                .into());
            }
        }
        let param_types = &statement.description.param_types;
        if params.len() != param_types.len() {
            return Err(bind_violation(format!(
                "bind message supplies {} parameters, but prepared statement \"{statement_name}\" requires {}",
                params.len(),
                param_types.len()
            ))
            .into());
        }
        let formats = expand_formats(&param_formats, params.len(), "parameter")?;
        let mut texts = Vec::with_capacity(params.len());
        for (i, (value, format)) in params.into_iter().zip(formats).enumerate() {
            let Some(bytes) = value else {
                texts.push(None);
                continue;
            };
            let text = if format == FORMAT_BINARY {
                value_format::binary_to_text(param_types[i], &bytes).map_err(|e| match e {
                    FormatError::Unsupported(_) => {
                        ErrorInfo::error(sqlstate::FEATURE_NOT_SUPPORTED, e.to_string())
                    }
                    FormatError::Invalid(why) => ErrorInfo::error(
                        sqlstate::INVALID_BINARY_REPRESENTATION,
                        format!("incorrect binary data format in bind parameter {}", i + 1),
                    )
                    .detail(why),
                })?
            } else {
                String::from_utf8(bytes).map_err(|_| {
                    ErrorInfo::error(
                        sqlstate::CHARACTER_NOT_IN_REPERTOIRE,
                        "invalid byte sequence for encoding \"UTF8\"",
                    )
                })?
            };
            texts.push(Some(text));
        }
        let columns = &statement.description.columns;
        let result_formats = expand_formats(&result_formats, columns.len(), "result")?;
        for (column, format) in columns.iter().zip(&result_formats) {
            if *format == FORMAT_BINARY && !value_format::supports_binary(column.type_oid) {
                return Err(ErrorInfo::error(
                    sqlstate::FEATURE_NOT_SUPPORTED,
                    format!(
                        "binary output for column \"{}\" (type OID {}) is not supported",
                        column.name, column.type_oid
                    ),
                )
                .into());
            }
        }
        let portal = Portal {
            statement,
            params: texts,
            result_formats,
            state: PortalState::NotRun,
        };
        if let Some(replaced) = self.portals.insert(portal_name, portal) {
            self.discard_portal(replaced);
        }
        self.conn
            .send(PgWireBackendMessage::BindComplete(BindComplete::new()))
            .await?;
        Ok(())
    }

    pub(crate) async fn describe(&mut self, kind: u8, name: &str) -> Result<(), Failure> {
        let (columns, formats) = if kind == b'S' {
            let statement = self
                .statements
                .get(name)
                .cloned()
                .ok_or_else(|| statement_missing(name))?;
            let types = statement.description.param_types.clone();
            self.conn
                .send(PgWireBackendMessage::ParameterDescription(
                    ParameterDescription::new(types),
                ))
                .await?;
            (statement.description.columns.clone(), Vec::new())
        } else {
            let portal = self.portals.get(name).ok_or_else(|| portal_missing(name))?;
            (
                portal.statement.description.columns.clone(),
                portal.result_formats.clone(),
            )
        };
        if columns.is_empty() {
            self.conn
                .send(PgWireBackendMessage::NoData(NoData::new()))
                .await?;
        } else {
            self.conn.send(row_description(&columns, &formats)).await?;
        }
        Ok(())
    }

    pub(crate) async fn execute(&mut self, name: &str, max_rows: i32) -> Result<(), Failure> {
        let mut portal = self
            .portals
            .remove(name)
            .ok_or_else(|| portal_missing(name))?;
        let result = self.execute_portal(&mut portal, max_rows).await;
        self.portals.insert(name.to_owned(), portal);
        result
    }

    async fn execute_portal(&mut self, portal: &mut Portal, max_rows: i32) -> Result<(), Failure> {
        if let PortalState::NotRun = portal.state {
            let slot = self.registration.slot.clone();
            let output = slot
                .run(self.backend.execute(&portal.statement, &portal.params))
                .await;
            self.send_notices().await?;
            match output.unwrap_or_else(|| Err(canceled())) {
                Err(info) => {
                    portal.state = PortalState::Done { tag: String::new() };
                    return Err(info.into());
                }
                Ok(Output::CopyIn { columns }) => {
                    // As PostgreSQL: CommandComplete after CopyDone, or an error after which
                    // input is skipped up to the Sync that follows the copy data.
                    portal.state = PortalState::Done { tag: String::new() };
                    let tag = self.copy_in_exchange(columns).await??;
                    self.send_command_complete(tag.clone()).await?;
                    portal.state = PortalState::Done { tag };
                    return Ok(());
                }
                Ok(Output::CopyOut { columns, data, tag }) => {
                    self.copy_out(columns, data, tag.clone()).await?;
                    portal.state = PortalState::Done { tag };
                    return Ok(());
                }
                Ok(Output::Empty) => {
                    portal.state = PortalState::Done { tag: String::new() };
                    self.send_empty().await?;
                    return Ok(());
                }
                Ok(Output::Command { tag }) => {
                    self.send_command_complete(tag.clone()).await?;
                    portal.state = PortalState::Done { tag };
                    return Ok(());
                }
                Ok(Output::Cursor { columns, cursor }) => {
                    if columns.len() != portal.result_formats.len() {
                        self.backend.close_cursor(cursor);
                        portal.state = PortalState::Done { tag: String::new() };
                        return Err(ErrorInfo::error(
                            sqlstate::INTERNAL_ERROR,
                            format!(
                                "statement returned {} columns but was described with {}",
                                columns.len(),
                                portal.result_formats.len()
                            ),
                        )
                        .into());
                    }
                    portal.state = PortalState::Cursor { columns, cursor };
                    return self.send_cursor_rows(portal, max_rows).await;
                }
                Ok(Output::Rows { columns, rows, tag }) => {
                    if columns.len() != portal.result_formats.len() {
                        portal.state = PortalState::Done { tag: String::new() };
                        return Err(ErrorInfo::error(
                            sqlstate::INTERNAL_ERROR,
                            format!(
                                "statement returned {} columns but was described with {}",
                                columns.len(),
                                portal.result_formats.len()
                            ),
                        )
                        .into());
                    }
                    portal.state = PortalState::Suspended {
                        columns,
                        rows: rows.into(),
                    };
                    // Keep the backend's tag shape (e.g. `SELECT n`) for the completion.
                    return self.send_rows(portal, max_rows, tag).await;
                }
            }
        }
        match &portal.state {
            PortalState::Suspended { .. } => {
                self.send_rows(portal, max_rows, "SELECT 0".to_owned())
                    .await
            }
            PortalState::Cursor { .. } => self.send_cursor_rows(portal, max_rows).await,
            PortalState::Done { tag } => {
                // Re-executing a completed portal fetches nothing more.
                let tag = tag_with_count(tag, 0);
                if tag.is_empty() {
                    self.send_empty().await?;
                } else {
                    self.send_command_complete(tag).await?;
                }
                Ok(())
            }
            PortalState::NotRun => Ok(()),
        }
    }

    /// Send up to `max_rows` (<= 0: all) pending rows, then PortalSuspended or CommandComplete.
    async fn send_rows(
        &mut self,
        portal: &mut Portal,
        max_rows: i32,
        tag: String,
    ) -> Result<(), Failure> {
        let PortalState::Suspended { columns, rows } = &mut portal.state else {
            return Ok(());
        };
        let limit = if max_rows <= 0 {
            usize::MAX
        } else {
            max_rows as usize
        };
        let mut sent = 0usize;
        while sent < limit {
            let Some(row) = rows.pop_front() else { break };
            let message = data_row(columns, &row, &portal.result_formats)?;
            self.conn.send(message).await?;
            sent += 1;
        }
        if rows.is_empty() {
            let tag = tag_with_count(&tag, sent);
            portal.state = PortalState::Done { tag: tag.clone() };
            self.send_command_complete(tag).await?;
        } else {
            self.conn
                .send(PgWireBackendMessage::PortalSuspended(PortalSuspended::new()))
                .await?;
        }
        Ok(())
    }

    /// Fetch and send up to `max_rows` (<= 0: all) rows of the portal's cursor, then
    /// PortalSuspended, or CommandComplete once the cursor is exhausted.
    async fn send_cursor_rows(
        &mut self,
        portal: &mut Portal,
        max_rows: i32,
    ) -> Result<(), Failure> {
        let PortalState::Cursor { columns, cursor } = &portal.state else {
            return Ok(());
        };
        let (columns, cursor) = (columns.clone(), *cursor);
        let limit = if max_rows <= 0 {
            usize::MAX
        } else {
            max_rows as usize
        };
        let slot = self.registration.slot.clone();
        let mut sent = 0usize;
        while sent < limit {
            let want = (limit - sent).min(crate::session::FETCH_ROWS);
            let fetched = slot.run(self.backend.fetch(cursor, want)).await;
            self.send_notices().await?;
            let fetched = match fetched {
                Some(Ok(fetched)) => fetched,
                failed => {
                    // The backend closed the cursor with its error; a cancel dropped it mid-fetch.
                    self.backend.close_cursor(cursor);
                    portal.state = PortalState::Done { tag: String::new() };
                    return Err(failed
                        .map_or_else(canceled, |r| r.err().unwrap_or_else(canceled))
                        .into());
                }
            };
            for row in &fetched.rows {
                let message = match data_row(&columns, row, &portal.result_formats) {
                    Ok(message) => message,
                    Err(info) => {
                        self.backend.close_cursor(cursor);
                        portal.state = PortalState::Done { tag: String::new() };
                        return Err(info.into());
                    }
                };
                self.conn.send(message).await?;
            }
            sent += fetched.rows.len();
            if let Some(tag) = fetched.done {
                let tag = tag_with_count(&tag, sent);
                portal.state = PortalState::Done { tag: tag.clone() };
                self.send_command_complete(tag).await?;
                return Ok(());
            }
        }
        self.conn
            .send(PgWireBackendMessage::PortalSuspended(PortalSuspended::new()))
            .await?;
        Ok(())
    }

    /// Forgets a portal, closing its backend cursor if it has one.
    pub(crate) fn discard_portal(&mut self, portal: Portal) {
        if let PortalState::Cursor { cursor, .. } = portal.state {
            self.backend.close_cursor(cursor);
        }
    }

    pub(crate) async fn close(&mut self, kind: u8, name: &str) -> Result<(), Failure> {
        if kind == b'S' {
            self.statements.remove(name);
        } else if let Some(portal) = self.portals.remove(name) {
            self.discard_portal(portal);
        }
        self.conn
            .send(PgWireBackendMessage::CloseComplete(CloseComplete::new()))
            .await?;
        Ok(())
    }
}
