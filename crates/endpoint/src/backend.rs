//! The contract between the endpoint and the SQL engine: a narrow, text-based trait pair.
//!
//! The endpoint calls [`Backend::open_session`] once per authenticated connection and then
//! drives the returned [`BackendSession`] one call at a time (never concurrently). Values cross
//! this boundary in PostgreSQL TEXT format only; the endpoint converts to and from binary format
//! by type OID itself (see `value_format`).
//!
//! Cancellation: when a client sends a CancelRequest, or the session is shut down, the endpoint
//! drops the in-flight future of `simple_query`/`prepare`/`execute` and reports SQLSTATE 57014.
//! Implementations must therefore leave the session consistent if a future is dropped at any
//! `.await` point (for a transaction in progress: mark it failed).

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

/// A PostgreSQL type OID (`pg_type.oid`), e.g. 23 for int4.
pub type Oid = u32;

/// Transaction state reported in every ReadyForQuery message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxStatus {
    /// Not in a transaction block (`I`).
    Idle,
    /// In a transaction block (`T`).
    InBlock,
    /// In a failed transaction block: statements are rejected until ROLLBACK (`E`).
    Failed,
}

/// One result column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub type_oid: Oid,
    /// `atttypmod`, -1 when none (e.g. varchar(10) has 14).
    pub type_modifier: i32,
}

impl Column {
    /// A column without a type modifier.
    pub fn new(name: impl Into<String>, type_oid: Oid) -> Self {
        Column {
            name: name.into(),
            type_oid,
            type_modifier: -1,
        }
    }
}

/// What a prepared statement takes and returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Description {
    /// One OID per `$n` parameter, all resolved (no 0 left).
    pub param_types: Vec<Oid>,
    /// Result columns; empty when the statement returns no rows (the endpoint sends NoData).
    pub columns: Vec<Column>,
}

/// A statement parsed and typed by the backend, owned by the endpoint while the client keeps it.
///
/// `plan` lets the backend cache whatever it wants (a bound plan) and find it again in
/// [`BackendSession::execute`] by downcasting. Dropping the statement frees it.
#[derive(Clone)]
pub struct PreparedStatement {
    pub sql: String,
    pub description: Description,
    pub plan: Option<Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for PreparedStatement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedStatement")
            .field("sql", &self.sql)
            .field("description", &self.description)
            .field("plan", &self.plan.is_some())
            .finish()
    }
}

/// The result of one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// A row-returning statement. Values are PostgreSQL text format; `None` is NULL.
    /// `tag` is the CommandComplete tag, e.g. `SELECT 2`.
    Rows {
        columns: Vec<Column>,
        rows: Vec<Vec<Option<String>>>,
        tag: String,
    },
    /// A row-returning statement whose rows the endpoint fetches as the client takes them
    /// ([`BackendSession::fetch`] with `cursor`), so a large result is never held whole.
    Cursor { columns: Vec<Column>, cursor: u64 },
    /// A statement without rows, e.g. `INSERT 0 1`, `BEGIN`, `CREATE TABLE`.
    Command { tag: String },
    /// An empty statement (only whitespace, comments or `;`): EmptyQueryResponse.
    Empty,
    /// `COPY ... FROM STDIN` started (as a simple query's last statement, or from Execute):
    /// the endpoint sends CopyInResponse (text format, `columns` fields) and streams the
    /// client's CopyData to [`BackendSession::copy_in_data`] until CopyDone
    /// ([`BackendSession::copy_in_done`]) or CopyFail ([`BackendSession::copy_in_fail`]). A
    /// session dropped mid-COPY (client gone) must keep nothing of it.
    CopyIn { columns: usize },
    /// `COPY ... TO STDOUT`: CopyOutResponse, one CopyData per entry of `data` (a row in the
    /// COPY format, newline included), CopyDone, then CommandComplete with `tag`.
    CopyOut {
        columns: usize,
        data: Vec<Vec<u8>>,
        tag: String,
    },
}

/// Rows of one [`BackendSession::fetch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Values in PostgreSQL text format; `None` is NULL.
    pub rows: Vec<Vec<Option<String>>>,
    /// Once the cursor is exhausted (and closed): its CommandComplete tag, e.g. `SELECT 2`
    /// (all its rows). `None` while rows remain.
    pub done: Option<String>,
}

/// An error (or notice) as PostgreSQL reports it. Only this reaches clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    /// `ERROR`, `FATAL`, `PANIC`; for notices `WARNING`, `NOTICE`, `INFO`, `LOG`, `DEBUG`.
    pub severity: &'static str,
    /// Five-character SQLSTATE, e.g. `42P01`.
    pub sqlstate: String,
    pub message: String,
    pub detail: Option<String>,
    /// 1-based character position in the statement text.
    pub position: Option<u32>,
    /// HINT and CONTEXT (see [`ErrorInfo::hint_text`],
    /// [`ErrorInfo::context_text`]). Boxed: they are rare, and an ErrorInfo
    /// travels in the `Err` of every protocol step.
    pub extra: Option<Box<ErrorExtra>>,
}

/// The rarer fields of an [`ErrorInfo`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorExtra {
    pub hint: Option<String>,
    /// PostgreSQL's CONTEXT (the `W` field): where the error arose, one
    /// line per level, innermost first.
    pub context: Option<String>,
}

impl ErrorInfo {
    /// An `ERROR` with the given SQLSTATE and message.
    pub fn error(sqlstate: &str, message: impl Into<String>) -> Self {
        Self::with_severity("ERROR", sqlstate, message)
    }

    /// A `FATAL` error: the endpoint closes the connection after sending it.
    pub fn fatal(sqlstate: &str, message: impl Into<String>) -> Self {
        Self::with_severity("FATAL", sqlstate, message)
    }

    /// A `NOTICE` (SQLSTATE 00000 unless given otherwise).
    pub fn notice(message: impl Into<String>) -> Self {
        Self::with_severity("NOTICE", "00000", message)
    }

    pub fn with_severity(
        severity: &'static str,
        sqlstate: &str,
        message: impl Into<String>,
    ) -> Self {
        ErrorInfo {
            severity,
            sqlstate: sqlstate.to_owned(),
            message: message.into(),
            detail: None,
            position: None,
            extra: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Sets the CONTEXT lines (innermost first).
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.extra.get_or_insert_with(Box::default).context = Some(context.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.extra.get_or_insert_with(Box::default).hint = Some(hint.into());
        self
    }

    pub fn hint_text(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|e| e.hint.as_deref())
    }

    pub fn context_text(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|e| e.context.as_deref())
    }

    pub fn position(mut self, position: u32) -> Self {
        self.position = Some(position);
        self
    }

    /// True for FATAL and PANIC: the session ends.
    pub fn is_fatal(&self) -> bool {
        matches!(self.severity, "FATAL" | "PANIC")
    }
}

/// Who connected and what they asked for in the StartupMessage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupInfo {
    /// The authenticated user.
    pub user: String,
    /// The database asked for (defaults to the user name, as in PostgreSQL).
    pub database: String,
    /// Every other startup parameter in the order sent, e.g. `application_name`,
    /// `TimeZone`, `DateStyle`, `extra_float_digits`, `search_path`, `options`: the engine
    /// applies those it knows as session settings (PostgreSQL treats them like `SET`).
    pub parameters: Vec<(String, String)>,
}

impl StartupInfo {
    /// The value of a startup parameter, if sent.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the endpoint needs from the SQL engine, once per server.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Open a session for an authenticated user. An error is sent to the client as FATAL
    /// (e.g. 3D000 `database "x" does not exist`) and the connection is closed.
    async fn open_session(
        &self,
        startup: &StartupInfo,
    ) -> Result<Box<dyn BackendSession>, ErrorInfo>;

    /// The password verifier of a role the SQL engine knows (not the configured user), in
    /// PostgreSQL's `rolpassword` form (`SCRAM-SHA-256$...` or `md5<hex>`), if the role exists,
    /// may log in and has a password. The endpoint authenticates such a role against it.
    async fn role_secret(&self, _user: &str) -> Option<String> {
        None
    }
}

/// One client session on the SQL engine. Calls never overlap.
#[async_trait]
pub trait BackendSession: Send {
    /// Run a simple-protocol query string, which may hold several `;`-separated statements.
    /// Return one entry per statement executed, stopping after the first error (as PostgreSQL,
    /// the statements before it keep their effects unless inside a transaction). An empty
    /// vector means the string held no statement (the endpoint sends EmptyQueryResponse).
    async fn simple_query(&mut self, sql: &str) -> Vec<Result<Output, ErrorInfo>>;

    /// Parse and type one statement with `$n` parameters. `param_types` holds the client's
    /// OIDs (0 or missing = infer). The returned description must resolve every parameter.
    async fn prepare(
        &mut self,
        sql: &str,
        param_types: &[Oid],
    ) -> Result<PreparedStatement, ErrorInfo>;

    /// Execute a statement returned by [`BackendSession::prepare`] with text-format parameters
    /// (`None` is NULL), one per `description.param_types`. Row-returning statements must give
    /// columns with the same types as the description.
    async fn execute(
        &mut self,
        statement: &PreparedStatement,
        params: &[Option<String>],
    ) -> Result<Output, ErrorInfo>;

    /// The next `max_rows` (at least 1) rows of an [`Output::Cursor`]; fewer only at its end,
    /// when `done` is set and the cursor is closed. An error closes the cursor too.
    async fn fetch(&mut self, _cursor: u64, _max_rows: usize) -> Result<Fetched, ErrorInfo> {
        Err(ErrorInfo::error("34000", "cursor does not exist"))
    }

    /// Closes a cursor before its end (its portal was closed or dropped).
    fn close_cursor(&mut self, _cursor: u64) {}

    /// Called at each extended-protocol Sync, after any skipped messages: the end of the
    /// implicit transaction that PostgreSQL wraps around the statements since the previous
    /// Sync when no transaction block is open (commit it; if one of them failed it was
    /// already rolled back). An error here is reported before ReadyForQuery.
    async fn sync(&mut self) -> Result<(), ErrorInfo> {
        Ok(())
    }

    /// COPY FROM STDIN data: bytes of the stream in order, cut anywhere (not at rows).
    /// An error ends the COPY (the backend has rolled it back); later data is ignored.
    async fn copy_in_data(&mut self, _data: &[u8]) -> Result<(), ErrorInfo> {
        Err(ErrorInfo::error("08P01", "no COPY in progress"))
    }

    /// CopyDone: the end of the COPY FROM STDIN data. Returns the `COPY n` completion.
    async fn copy_in_done(&mut self) -> Result<Output, ErrorInfo> {
        Err(ErrorInfo::error("08P01", "no COPY in progress"))
    }

    /// CopyFail (or a protocol error) ends the COPY: roll it back; returns the error to send.
    async fn copy_in_fail(&mut self, message: &str) -> ErrorInfo {
        ErrorInfo::error("57014", format!("COPY from stdin failed: {message}"))
    }

    /// The transaction state after the last call.
    fn transaction_status(&self) -> TxStatus;

    /// How long the client may stay idle inside a transaction block (ReadyForQuery `T` or
    /// `E`) before the endpoint sends FATAL 25P03 and closes the connection, dropping the
    /// session (which must roll the transaction back). `None`: no limit.
    fn idle_in_transaction_timeout(&self) -> Option<Duration> {
        None
    }

    /// Notices raised since the last call (sent to the client before the results).
    fn take_notices(&mut self) -> Vec<ErrorInfo> {
        Vec::new()
    }

    /// Reported settings (`GUC_REPORT` in PostgreSQL: application_name, TimeZone, DateStyle,
    /// IntervalStyle, standard_conforming_strings, is_superuser, ...) changed since the last
    /// call, e.g. by `SET`; sent to the client as ParameterStatus before ReadyForQuery.
    fn take_parameter_changes(&mut self) -> Vec<(String, String)> {
        Vec::new()
    }
}
