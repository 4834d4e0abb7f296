//! Shared test support: an in-memory fake SQL backend, a server launcher, and raw-socket
//! protocol helpers. Every server binds 127.0.0.1:0 and stops when its handle drops.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use borealis_endpoint::value_format::oid;
use borealis_endpoint::{
    Backend, BackendSession, Column, Description, EndpointConfig, ErrorInfo, Fetched, Oid, Output,
    PreparedStatement, StartupInfo, TxStatus,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

pub const USER: &str = "alice";
pub const PASSWORD: &str = "s3cret-pw";

/// A backend that understands a handful of commands:
/// `SELECT 1`, `BEGIN`/`COMMIT`/`ROLLBACK`, `FAIL <sqlstate>`, `SLEEP <ms>`, `NOTICE <text>`,
/// `ROWS <n>`, `ECHO <type>...` (returns its parameters as columns of those types) and
/// `ECHOTEXT <type>...` (same parameters, returned as text columns: what the engine saw) and
/// `IDLETIMEOUT <ms>` (idle_in_transaction_session_timeout; 0 = off).
#[derive(Default)]
pub struct FakeBackend {
    pub sessions_opened: Mutex<usize>,
    pub copies: Arc<Mutex<CopyLog>>,
    /// Sessions dropped with a transaction block open (the real engine rolls it back).
    pub open_transactions_dropped: Arc<Mutex<usize>>,
}

/// What COPY FROM STDIN did across sessions (`COPYIN` starts one).
#[derive(Default, Debug)]
pub struct CopyLog {
    /// Data of the COPYs that finished with CopyDone.
    pub committed: Vec<Vec<u8>>,
    /// COPYs ended by CopyFail, an error, or the session going away.
    pub aborted: usize,
    /// Largest single `copy_in_data` call (the endpoint batches CopyData).
    pub largest_chunk: usize,
}

pub struct FakeSession {
    tx: TxStatus,
    notices: Vec<ErrorInfo>,
    parameter_changes: Vec<(String, String)>,
    copy: Option<Vec<u8>>,
    copies: Arc<Mutex<CopyLog>>,
    /// `STREAM n` cursors: id -> (rows returned so far, rows in all).
    cursors: std::collections::HashMap<u64, (usize, usize)>,
    next_cursor: u64,
    idle_in_transaction_timeout: Option<Duration>,
    open_transactions_dropped: Arc<Mutex<usize>>,
}

impl Drop for FakeSession {
    fn drop(&mut self) {
        if self.tx != TxStatus::Idle {
            *self.open_transactions_dropped.lock().unwrap() += 1;
        }
        if self.copy.take().is_some() {
            self.copies.lock().unwrap().aborted += 1;
        }
    }
}

fn type_oid(name: &str) -> Option<Oid> {
    Some(match name {
        "bool" => oid::BOOL,
        "bytea" => oid::BYTEA,
        "int8" => oid::INT8,
        "int2" => oid::INT2,
        "int4" => oid::INT4,
        "text" => oid::TEXT,
        "float4" => oid::FLOAT4,
        "float8" => oid::FLOAT8,
        "varchar" => oid::VARCHAR,
        "bpchar" => oid::BPCHAR,
        "date" => oid::DATE,
        "time" => oid::TIME,
        "timestamp" => oid::TIMESTAMP,
        "timestamptz" => oid::TIMESTAMPTZ,
        "interval" => oid::INTERVAL,
        "numeric" => oid::NUMERIC,
        "uuid" => oid::UUID,
        "json" => oid::JSON,
        "jsonb" => oid::JSONB,
        "int4[]" => 1007,
        "text[]" => 1009,
        _ => return None,
    })
}

fn syntax_error(sql: &str) -> ErrorInfo {
    ErrorInfo::error(
        "42601",
        format!(
            "syntax error at or near \"{}\"",
            sql.split_whitespace().next().unwrap_or("")
        ),
    )
    .position(1)
}

#[async_trait]
impl Backend for FakeBackend {
    async fn open_session(
        &self,
        startup: &StartupInfo,
    ) -> Result<Box<dyn BackendSession>, ErrorInfo> {
        let database = startup.database.as_str();
        if database == "nosuchdb" {
            return Err(ErrorInfo::fatal(
                "3D000",
                format!("database \"{database}\" does not exist"),
            ));
        }
        *self.sessions_opened.lock().unwrap() += 1;
        Ok(Box::new(FakeSession {
            tx: TxStatus::Idle,
            notices: Vec::new(),
            parameter_changes: Vec::new(),
            copy: None,
            copies: self.copies.clone(),
            cursors: Default::default(),
            next_cursor: 0,
            idle_in_transaction_timeout: None,
            open_transactions_dropped: self.open_transactions_dropped.clone(),
        }))
    }
}

impl FakeSession {
    fn describe(&self, sql: &str, declared: &[Oid]) -> Result<Description, ErrorInfo> {
        let words: Vec<&str> = sql.split_whitespace().collect();
        let upper = words
            .first()
            .map(|w| w.to_ascii_uppercase())
            .unwrap_or_default();
        Ok(match upper.as_str() {
            "" | "BEGIN" | "START" | "COMMIT" | "ROLLBACK" | "FAIL" | "SLEEP" | "NOTICE"
            | "SET" | "COPYIN" | "COPYOUT" | "IDLETIMEOUT" => Description::default(),
            "SELECT" if sql.trim() == "SELECT 1" => Description {
                param_types: vec![],
                columns: vec![Column::new("?column?", oid::INT4)],
            },
            "ROWS" | "STREAM" => Description {
                param_types: vec![],
                columns: vec![Column::new("n", oid::INT8)],
            },
            "ECHO" | "ECHOTEXT" => {
                let mut param_types = Vec::new();
                for (i, name) in words[1..].iter().enumerate() {
                    let declared = declared.get(i).copied().unwrap_or(0);
                    let t = if declared != 0 {
                        declared
                    } else {
                        type_oid(name).ok_or_else(|| syntax_error(name))?
                    };
                    param_types.push(t);
                }
                let columns = param_types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        Column::new(
                            format!("p{}", i + 1),
                            if upper == "ECHO" { *t } else { oid::TEXT },
                        )
                    })
                    .collect();
                Description {
                    param_types,
                    columns,
                }
            }
            _ => return Err(syntax_error(sql)),
        })
    }
}

#[async_trait]
impl BackendSession for FakeSession {
    async fn simple_query(&mut self, sql: &str) -> Vec<Result<Output, ErrorInfo>> {
        let mut results = Vec::new();
        for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let result = match self.prepare(statement, &[]).await {
                Ok(prepared) => self.execute(&prepared, &[]).await,
                Err(e) => Err(e),
            };
            let failed = result.is_err();
            results.push(result);
            if failed {
                break;
            }
        }
        results
    }

    async fn prepare(
        &mut self,
        sql: &str,
        param_types: &[Oid],
    ) -> Result<PreparedStatement, ErrorInfo> {
        let sql = sql.trim().trim_end_matches(';').trim_end();
        let description = self.describe(sql, param_types)?;
        Ok(PreparedStatement {
            sql: sql.to_owned(),
            description,
            plan: None,
        })
    }

    async fn execute(
        &mut self,
        statement: &PreparedStatement,
        params: &[Option<String>],
    ) -> Result<Output, ErrorInfo> {
        let words: Vec<&str> = statement.sql.split_whitespace().collect();
        let upper = words
            .first()
            .map(|w| w.to_ascii_uppercase())
            .unwrap_or_default();
        if self.tx == TxStatus::Failed && upper != "COMMIT" && upper != "ROLLBACK" {
            return Err(ErrorInfo::error(
                "25P02",
                "current transaction is aborted, commands ignored until end of transaction block",
            ));
        }
        let arg = words.get(1).copied().unwrap_or("");
        let result = match upper.as_str() {
            "" => Ok(Output::Empty),
            "BEGIN" | "START" => {
                self.tx = TxStatus::InBlock;
                Ok(Output::Command {
                    tag: "BEGIN".into(),
                })
            }
            "COMMIT" | "ROLLBACK" => {
                let tag = if self.tx == TxStatus::Failed {
                    "ROLLBACK".to_owned()
                } else {
                    upper.clone()
                };
                self.tx = TxStatus::Idle;
                Ok(Output::Command { tag })
            }
            "FAIL" => Err(ErrorInfo::error(arg, "forced failure")
                .detail("some detail")
                .hint("some hint")
                .position(6)),
            "COPYIN" => {
                self.copy = Some(Vec::new());
                Ok(Output::CopyIn { columns: 2 })
            }
            "COPYOUT" => {
                let n: usize = arg.parse().unwrap_or(0);
                Ok(Output::CopyOut {
                    columns: 2,
                    data: (0..n)
                        .map(|i| format!("{i}\trow {i}\n").into_bytes())
                        .collect(),
                    tag: format!("COPY {n}"),
                })
            }
            "IDLETIMEOUT" => {
                let ms: u64 = arg.parse().unwrap_or(0);
                self.idle_in_transaction_timeout = (ms > 0).then(|| Duration::from_millis(ms));
                Ok(Output::Command { tag: "SET".into() })
            }
            "SLEEP" => {
                tokio::time::sleep(Duration::from_millis(arg.parse().unwrap_or(0))).await;
                Ok(Output::Command {
                    tag: "SLEEP".into(),
                })
            }
            "SET" => {
                let value = words.get(2).copied().unwrap_or("").to_owned();
                self.parameter_changes.push((arg.to_owned(), value));
                Ok(Output::Command { tag: "SET".into() })
            }
            "NOTICE" => {
                self.notices.push(ErrorInfo::notice(words[1..].join(" ")));
                Ok(Output::Command { tag: "DO".into() })
            }
            "ROWS" => {
                let n: usize = arg.parse().unwrap_or(0);
                Ok(Output::Rows {
                    columns: statement.description.columns.clone(),
                    rows: (1..=n).map(|i| vec![Some(i.to_string())]).collect(),
                    tag: format!("SELECT {n}"),
                })
            }
            "STREAM" => {
                self.next_cursor += 1;
                let n: usize = arg.parse().unwrap_or(0);
                self.cursors.insert(self.next_cursor, (0, n));
                Ok(Output::Cursor {
                    columns: statement.description.columns.clone(),
                    cursor: self.next_cursor,
                })
            }
            "SELECT" => Ok(Output::Rows {
                columns: statement.description.columns.clone(),
                rows: vec![vec![Some("1".into())]],
                tag: "SELECT 1".into(),
            }),
            "ECHO" | "ECHOTEXT" => Ok(Output::Rows {
                columns: statement.description.columns.clone(),
                rows: vec![params.to_vec()],
                tag: "SELECT 1".into(),
            }),
            _ => Err(syntax_error(&statement.sql)),
        };
        if result.is_err() && self.tx == TxStatus::InBlock {
            self.tx = TxStatus::Failed;
        }
        result
    }

    /// Rows 1..=n of a `STREAM n` cursor; like the engine's, it knows it is
    /// exhausted only after returning fewer rows than asked.
    async fn fetch(&mut self, cursor: u64, max_rows: usize) -> Result<Fetched, ErrorInfo> {
        let Some((sent, total)) = self.cursors.get_mut(&cursor) else {
            return Err(ErrorInfo::error("34000", "cursor does not exist"));
        };
        let take = max_rows.min(*total - *sent);
        let rows = (*sent + 1..=*sent + take)
            .map(|i| vec![Some(i.to_string())])
            .collect();
        *sent += take;
        let done = (take < max_rows).then(|| format!("SELECT {total}"));
        if done.is_some() {
            self.cursors.remove(&cursor);
        }
        Ok(Fetched { rows, done })
    }

    fn close_cursor(&mut self, cursor: u64) {
        self.cursors.remove(&cursor);
    }

    /// Accepts any data; a line `bad` fails the COPY (22P02).
    async fn copy_in_data(&mut self, data: &[u8]) -> Result<(), ErrorInfo> {
        let Some(buf) = self.copy.as_mut() else {
            return Err(ErrorInfo::error("08P01", "no COPY in progress"));
        };
        buf.extend_from_slice(data);
        let bad = buf.split(|&b| b == b'\n').any(|l| l == b"bad");
        let mut log = self.copies.lock().unwrap();
        log.largest_chunk = log.largest_chunk.max(data.len());
        if bad {
            self.copy = None;
            log.aborted += 1;
            return Err(ErrorInfo::error(
                "22P02",
                "invalid input syntax for type integer: \"bad\"",
            ));
        }
        Ok(())
    }

    async fn copy_in_done(&mut self) -> Result<Output, ErrorInfo> {
        let Some(buf) = self.copy.take() else {
            return Err(ErrorInfo::error("08P01", "no COPY in progress"));
        };
        let rows = buf.iter().filter(|&&b| b == b'\n').count();
        self.copies.lock().unwrap().committed.push(buf);
        Ok(Output::Command {
            tag: format!("COPY {rows}"),
        })
    }

    async fn copy_in_fail(&mut self, message: &str) -> ErrorInfo {
        if self.copy.take().is_some() {
            self.copies.lock().unwrap().aborted += 1;
        }
        ErrorInfo::error("57014", format!("COPY from stdin failed: {message}"))
    }

    fn transaction_status(&self) -> TxStatus {
        self.tx
    }

    fn idle_in_transaction_timeout(&self) -> Option<Duration> {
        self.idle_in_transaction_timeout
    }

    fn take_notices(&mut self) -> Vec<ErrorInfo> {
        std::mem::take(&mut self.notices)
    }

    fn take_parameter_changes(&mut self) -> Vec<(String, String)> {
        std::mem::take(&mut self.parameter_changes)
    }
}

/// A running server; dropping it (or calling `stop`) shuts it down.
pub struct TestServer {
    pub addr: SocketAddr,
    pub backend: Arc<FakeBackend>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    pub async fn start(config: EndpointConfig) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let backend = Arc::new(FakeBackend::default());
        let (tx, rx) = oneshot::channel::<()>();
        let dyn_backend: Arc<dyn Backend> = backend.clone();
        let task = tokio::spawn(async move {
            borealis_endpoint::serve(listener, config, dyn_backend, async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        TestServer {
            addr,
            backend,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("server stops")
                .expect("server task");
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

pub fn config() -> EndpointConfig {
    EndpointConfig::new(USER, PASSWORD).expect("config")
}

pub fn md5_config() -> EndpointConfig {
    config().with_md5(PASSWORD).expect("md5 config")
}

// ------------------------------------------------------------------ raw protocol client

/// A backend message as raw bytes.
#[derive(Debug)]
pub struct Msg {
    pub tag: u8,
    pub body: Vec<u8>,
}

impl Msg {
    /// Field `code` of an ErrorResponse/NoticeResponse.
    pub fn field(&self, code: u8) -> Option<String> {
        let mut rest = &self.body[..];
        while let Some((&c, tail)) = rest.split_first() {
            if c == 0 {
                break;
            }
            let end = tail.iter().position(|&b| b == 0)?;
            if c == code {
                return Some(String::from_utf8_lossy(&tail[..end]).into_owned());
            }
            rest = &tail[end + 1..];
        }
        None
    }
}

pub fn startup_packet(params: &[(&str, &str)]) -> Vec<u8> {
    let mut body = 196608u32.to_be_bytes().to_vec();
    for (k, v) in params {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut packet = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    packet.extend_from_slice(&body);
    packet
}

pub fn frame(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    v.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    v.extend_from_slice(body);
    v
}

pub fn cstr(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

/// Read one backend message; None on EOF. Panics after 10 s.
pub async fn read_msg<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Msg> {
    tokio::time::timeout(Duration::from_secs(10), async {
        let mut header = [0u8; 5];
        stream.read_exact(&mut header).await.ok()?;
        let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        let mut body = vec![0u8; len - 4];
        stream.read_exact(&mut body).await.ok()?;
        Some(Msg {
            tag: header[0],
            body,
        })
    })
    .await
    .expect("timed out reading from server")
}

/// Read messages until ReadyForQuery (included).
pub async fn read_until_ready<S: AsyncRead + Unpin>(stream: &mut S) -> Vec<Msg> {
    let mut out = Vec::new();
    loop {
        let msg = read_msg(stream)
            .await
            .expect("connection closed before ReadyForQuery");
        let done = msg.tag == b'Z';
        out.push(msg);
        if done {
            return out;
        }
    }
}

/// Connect and log in with md5 (the server must use `md5_config`).
pub async fn raw_login(addr: SocketAddr) -> TcpStream {
    raw_login_with(addr, &[]).await.0
}

/// Log in with extra startup parameters; returns the stream and all startup messages.
pub async fn raw_login_with(addr: SocketAddr, extra: &[(&str, &str)]) -> (TcpStream, Vec<Msg>) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let msgs = login_on(&mut stream, extra).await;
    (stream, msgs)
}

/// Startup + md5 login over any stream (plain or TLS); returns the startup messages.
pub async fn login_on<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    extra: &[(&str, &str)],
) -> Vec<Msg> {
    let mut params = vec![("user", USER), ("database", "db")];
    params.extend_from_slice(extra);
    stream.write_all(&startup_packet(&params)).await.unwrap();
    let auth = read_msg(stream).await.expect("auth request");
    assert_eq!(auth.tag, b'R', "{auth:?}");
    assert_eq!(&auth.body[..4], &5u32.to_be_bytes(), "md5 requested");
    let salt = &auth.body[4..8];
    let inner = format!("{:x}", md5::compute(format!("{PASSWORD}{USER}")));
    let mut salted = inner.into_bytes();
    salted.extend_from_slice(salt);
    let answer = format!("md5{:x}", md5::compute(&salted));
    stream
        .write_all(&frame(b'p', &cstr(&answer)))
        .await
        .unwrap();
    let msgs = read_until_ready(stream).await;
    assert!(msgs.iter().all(|m| m.tag != b'E'), "login failed: {msgs:?}");
    msgs
}

/// Expect the server to end the connection (EOF) soon, skipping any messages.
pub async fn expect_eof<S: AsyncRead + Unpin>(stream: &mut S) {
    while read_msg(stream).await.is_some() {}
}

/// Run `SELECT 1` on a fresh raw connection and check the answer.
pub async fn assert_healthy(addr: SocketAddr) {
    let mut stream = raw_login(addr).await;
    stream
        .write_all(&frame(b'Q', &cstr("SELECT 1")))
        .await
        .unwrap();
    let msgs = read_until_ready(&mut stream).await;
    let tags: Vec<u8> = msgs.iter().map(|m| m.tag).collect();
    assert_eq!(tags, b"TDCZ".to_vec(), "{msgs:?}");
}
