//! One SQL session through the simple query protocol, as sqllogictest-rs's
//! `postgres` engine runs it: every statement bounded in time, a lost or
//! hung connection replaced by a new one, and errors turned into values.

use std::time::Duration;

use tokio_postgres::{Client, Config, NoTls, SimpleQueryMessage};

/// What a statement returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbOutput {
    /// At least one row; values as text, NULL as `NULL`, '' as `(empty)`.
    Rows(Vec<Vec<String>>),
    /// No row: the command tag's count (0 when it has none).
    Complete(u64),
}

/// Why a statement did not return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecError {
    /// The server answered with an error.
    Db { message: String, sqlstate: String },
    /// No answer within the statement timeout.
    Timeout(Duration),
    /// No connection could be made or it broke.
    Connection(String),
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExecError::Db { message, sqlstate } => write!(f, "ERROR {sqlstate}: {message}"),
            ExecError::Timeout(d) => write!(f, "timeout: no answer within {} s", d.as_secs()),
            ExecError::Connection(m) => write!(f, "connection: {m}"),
        }
    }
}

/// A reconnecting session.
pub struct Session {
    config: Config,
    client: Option<Client>,
    timeout: Duration,
}

impl Session {
    pub fn new(config: Config, timeout: Duration) -> Session {
        Session {
            config,
            client: None,
            timeout,
        }
    }

    async fn client(&mut self) -> Result<&Client, ExecError> {
        let usable = matches!(&self.client, Some(c) if !c.is_closed());
        if !usable {
            self.client = Some(connect(&self.config, self.timeout).await?);
        }
        self.client
            .as_ref()
            .ok_or_else(|| ExecError::Connection("no client".into()))
    }

    /// Runs `sql` and returns the first result, like sqllogictest-rs.
    pub async fn run(&mut self, sql: &str) -> Result<DbOutput, ExecError> {
        let timeout = self.timeout;
        let client = self.client().await?;
        match tokio::time::timeout(timeout, client.simple_query(sql)).await {
            Err(_) => {
                let token = client.cancel_token();
                let _ =
                    tokio::time::timeout(Duration::from_secs(2), token.cancel_query(NoTls)).await;
                // The session may still be busy: start over with a new one.
                self.client = None;
                Err(ExecError::Timeout(timeout))
            }
            Ok(Err(e)) => match e.as_db_error() {
                Some(db) => Err(ExecError::Db {
                    message: db.message().to_string(),
                    sqlstate: db.code().code().to_string(),
                }),
                None => {
                    self.client = None;
                    Err(ExecError::Connection(e.to_string()))
                }
            },
            Ok(Ok(messages)) => Ok(first_result(messages)),
        }
    }
}

/// Connects within `timeout`, driving the connection on a spawned task.
pub async fn connect(config: &Config, timeout: Duration) -> Result<Client, ExecError> {
    match tokio::time::timeout(timeout, config.connect(NoTls)).await {
        Err(_) => Err(ExecError::Connection("connect timed out".into())),
        Ok(Err(e)) => Err(ExecError::Connection(e.to_string())),
        Ok(Ok((client, connection))) => {
            tokio::spawn(async move {
                let _ = connection.await;
            });
            Ok(client)
        }
    }
}

/// The rows up to the first command completion, as sqllogictest-rs's
/// postgres (simple) engine reads them.
pub fn first_result(messages: Vec<SimpleQueryMessage>) -> DbOutput {
    let mut rows = Vec::new();
    let mut count = 0;
    for message in messages {
        match message {
            SimpleQueryMessage::Row(row) => {
                let values = (0..row.len())
                    .map(|i| match row.get(i) {
                        Some("") => "(empty)".to_string(),
                        Some(v) => v.to_string(),
                        None => "NULL".to_string(),
                    })
                    .collect();
                rows.push(values);
            }
            SimpleQueryMessage::CommandComplete(n) => {
                count = n;
                break;
            }
            _ => {}
        }
    }
    if rows.is_empty() {
        DbOutput::Complete(count)
    } else {
        DbOutput::Rows(rows)
    }
}

/// Waits until a server accepts a session and answers `SELECT 1`.
pub async fn wait_ready(config: &Config, within: Duration) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + within;
    let mut last = String::from("never tried");
    while tokio::time::Instant::now() < deadline {
        match connect(config, Duration::from_secs(5)).await {
            Ok(client) => match client.simple_query("SELECT 1").await {
                Ok(_) => return Ok(()),
                Err(e) => last = e.to_string(),
            },
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(last)
}
