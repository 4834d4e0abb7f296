//! How the harness itself talks to a server under test (cold-start probe,
//! CHECKPOINT, row counts): tokio-postgres over loopback TCP without TLS, the
//! same way the benchmark clients connect (libpq with PGSSLMODE=disable).

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Where a server under test listens, and how to log in.
#[derive(Clone, Debug)]
pub struct Target {
    pub port: u16,
    pub password: Option<String>,
}

impl Target {
    fn config(&self) -> tokio_postgres::Config {
        let mut config = tokio_postgres::Config::new();
        config
            .host("127.0.0.1")
            .port(self.port)
            .user("postgres")
            .dbname("postgres")
            .ssl_mode(tokio_postgres::config::SslMode::Disable)
            .connect_timeout(Duration::from_secs(5));
        if let Some(password) = &self.password {
            config.password(password);
        }
        config
    }

    /// Environment for libpq clients (pgbench, sysbench, psql): no TLS, so
    /// both systems are measured over plain TCP.
    pub fn libpq_env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![("PGSSLMODE", "disable".to_string())];
        if let Some(password) = &self.password {
            env.push(("PGPASSWORD", password.clone()));
        }
        env
    }
}

/// One connection attempt of the cold-start probe.
const ATTEMPT_LIMIT: Duration = Duration::from_secs(5);
/// A harness query (CHECKPOINT after a benchmark run can take a while).
const QUERY_LIMIT: Duration = Duration::from_secs(300);

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

async fn connect(target: &Target) -> Result<tokio_postgres::Client> {
    let (client, connection) = target.config().connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        // Errors surface on the client's next call; nothing to do here.
        let _ = connection.await;
    });
    Ok(client)
}

/// Runs `sql` (simple protocol) and returns the first column of every row.
pub fn query(target: &Target, sql: &str) -> Result<Vec<String>> {
    let work = async {
        let client = connect(target)
            .await
            .with_context(|| format!("connect to port {}", target.port))?;
        let messages = client
            .simple_query(sql)
            .await
            .with_context(|| format!("run `{sql}` on port {}", target.port))?;
        Ok(messages
            .into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => {
                    Some(row.get(0).unwrap_or_default().to_string())
                }
                _ => None,
            })
            .collect())
    };
    runtime()?.block_on(async {
        tokio::time::timeout(QUERY_LIMIT, work)
            .await
            .with_context(|| format!("`{sql}` on port {} took over {QUERY_LIMIT:?}", target.port))?
    })
}

/// Polls every 5 ms from `since` until `SELECT 1` is answered; returns the
/// time from `since` to the first answer.
pub fn wait_first_answer(target: &Target, since: Instant, timeout: Duration) -> Result<Duration> {
    runtime()?.block_on(async {
        let mut last_error = String::new();
        while since.elapsed() < timeout {
            // A server that accepts but never answers the startup must not
            // hold the probe past the deadline.
            let attempt_limit = timeout.saturating_sub(since.elapsed()).min(ATTEMPT_LIMIT);
            let attempt = async {
                let client = connect(target).await?;
                client.simple_query("SELECT 1").await?;
                anyhow::Ok(())
            };
            match tokio::time::timeout(attempt_limit, attempt).await {
                Ok(Ok(())) => return Ok(since.elapsed()),
                Ok(Err(e)) => last_error = format!("{e:#}"),
                Err(_) => last_error = format!("no answer within {attempt_limit:?}"),
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        bail!(
            "no answer on port {} within {timeout:?}: {last_error}",
            target.port
        )
    })
}
