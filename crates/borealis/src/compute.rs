//! The writer compute inside `borealis up`: the volume (recovered under a
//! new epoch), the SQL engine on top of it, and the PostgreSQL endpoint in
//! front.
//!
//! Two adapters live here because neither side may know the other: the
//! engine's [`Store`] over the volume client, and the endpoint's
//! [`Backend`] over the engine's sessions.

use crate::layout::{ClusterConfig, Layout, PartState};
use crate::up::{Supervisor, UpArgs};
use anyhow::Context;
use async_trait::async_trait;
use borealis_common::Lsn;
use borealis_endpoint::{
    tls, Backend, BackendSession, Column, Description, EndpointConfig, ErrorInfo, Oid, Output,
    PreparedStatement, StartupInfo, TxStatus,
};
use borealis_sql::{
    CopyStart, Engine, Mutation, Session, SqlError, StatementOutput, Store, StoreError,
};
use borealis_volume_client::{Volume, VolumeConfig, VolumeError};
use std::any::Any;
use std::sync::{Arc, Mutex};

/// The engine's storage: the cluster volume.
pub struct VolumeStore {
    volume: Volume,
}

impl VolumeStore {
    pub fn new(volume: Volume) -> VolumeStore {
        VolumeStore { volume }
    }
}

fn store_error(error: VolumeError) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

#[async_trait]
impl Store for VolumeStore {
    fn read_point(&self) -> Lsn {
        self.volume.read_point()
    }

    async fn get(&self, key: &[u8], at: Lsn) -> Result<Option<Vec<u8>>, StoreError> {
        self.volume.get(key, at).await.map_err(store_error)
    }

    async fn scan(
        &self,
        start: &[u8],
        end: &[u8],
        at: Lsn,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        self.volume
            .scan(start, Some(end), at, limit)
            .await
            .map_err(store_error)
    }

    async fn commit(&self, mutations: Vec<Mutation>) -> Result<Lsn, StoreError> {
        let mutations = mutations
            .into_iter()
            .map(|m| borealis_wire::Mutation {
                key: m.key,
                value: m.value,
            })
            .collect();
        self.volume.commit(mutations).await.map_err(store_error)
    }
}

/// The endpoint's backend: one engine session per connection.
pub struct SqlBackend {
    engine: Engine,
}

impl SqlBackend {
    pub fn new(engine: Engine) -> SqlBackend {
        SqlBackend { engine }
    }
}

#[async_trait]
impl Backend for SqlBackend {
    async fn open_session(
        &self,
        _startup: &StartupInfo,
    ) -> Result<Box<dyn BackendSession>, ErrorInfo> {
        Ok(Box::new(SqlSession {
            session: self.engine.session(),
        }))
    }
}

struct SqlSession {
    session: Session,
}

fn error_info(error: SqlError) -> ErrorInfo {
    ErrorInfo {
        severity: error.severity,
        sqlstate: error.sqlstate.to_string(),
        message: error.message,
        detail: error.detail,
        hint: error.hint,
        position: error.position,
    }
}

fn columns(columns: Vec<borealis_sql::Column>) -> Vec<Column> {
    columns
        .into_iter()
        .map(|c| Column {
            name: c.name,
            type_oid: c.type_oid,
            type_modifier: c.type_modifier,
        })
        .collect()
}

fn output(result: StatementOutput) -> Output {
    match result {
        StatementOutput::Rows {
            columns: cols,
            rows,
            tag,
        } => Output::Rows {
            columns: columns(cols),
            rows,
            tag,
        },
        StatementOutput::Command { tag } => Output::Command { tag },
    }
}

#[async_trait]
impl BackendSession for SqlSession {
    async fn simple_query(&mut self, sql: &str) -> Vec<Result<Output, ErrorInfo>> {
        if let Some(started) = self.session.copy(sql).await {
            return vec![started
                .map(|start| match start {
                    CopyStart::In { columns, .. } => Output::CopyIn { columns },
                    CopyStart::Out { columns, data, tag } => Output::CopyOut { columns, data, tag },
                })
                .map_err(error_info)];
        }
        self.session
            .execute_simple(sql)
            .await
            .into_iter()
            .map(|result| result.map(output).map_err(error_info))
            .collect()
    }

    async fn prepare(
        &mut self,
        sql: &str,
        param_types: &[Oid],
    ) -> Result<PreparedStatement, ErrorInfo> {
        let prepared = self
            .session
            .prepare(sql, param_types)
            .await
            .map_err(error_info)?;
        let description = Description {
            param_types: prepared.param_types.clone(),
            columns: columns(prepared.columns.clone()),
        };
        let plan: Arc<dyn Any + Send + Sync> = Arc::new(prepared);
        Ok(PreparedStatement {
            sql: sql.to_string(),
            description,
            plan: Some(plan),
        })
    }

    async fn execute(
        &mut self,
        statement: &PreparedStatement,
        params: &[Option<String>],
    ) -> Result<Output, ErrorInfo> {
        let prepared = statement
            .plan
            .as_ref()
            .and_then(|plan| plan.clone().downcast::<borealis_sql::Prepared>().ok())
            .ok_or_else(|| ErrorInfo::error("XX000", "prepared statement has no plan"))?;
        self.session
            .execute_prepared(&prepared, params)
            .await
            .map(output)
            .map_err(error_info)
    }

    async fn copy_in_data(&mut self, data: &[u8]) -> Result<(), ErrorInfo> {
        self.session.copy_in_data(data).await.map_err(error_info)
    }

    async fn copy_in_done(&mut self) -> Result<Output, ErrorInfo> {
        self.session
            .copy_in_done()
            .await
            .map(output)
            .map_err(error_info)
    }

    async fn copy_in_fail(&mut self, message: &str) -> ErrorInfo {
        error_info(self.session.copy_in_fail(message))
    }

    fn transaction_status(&self) -> TxStatus {
        match self.session.transaction_status() {
            borealis_sql::TransactionStatus::Idle => TxStatus::Idle,
            borealis_sql::TransactionStatus::InBlock => TxStatus::InBlock,
            borealis_sql::TransactionStatus::Failed => TxStatus::Failed,
        }
    }
}

/// Tells the volume, once a second, the oldest read point any session may
/// still read at (the PGMRPL), so replicas can collect older versions.
/// It publishes the value computed one tick earlier: a statement that took
/// its snapshot just before a tick has registered it by the next one.
async fn report_min_read_point(engine: Engine, volume: Volume) {
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut previous: Option<Lsn> = None;
    loop {
        ticker.tick().await;
        let read_point = volume.read_point();
        let candidate = engine
            .oldest_snapshot()
            .map_or(read_point, |oldest| oldest.min(read_point));
        if let Some(previous) = previous {
            volume.set_min_read_lsn(previous.min(candidate));
        }
        previous = Some(candidate);
    }
}

/// Opens the volume, the engine and the endpoint, and serves until the
/// process is stopped.
pub async fn run_writer(
    args: &UpArgs,
    config: &ClusterConfig,
    password: &str,
    supervisor: Arc<Mutex<Supervisor>>,
) -> anyhow::Result<()> {
    let layout = Layout::new(&args.data_dir);
    let replicas = config.storage.iter().map(|p| p.address).collect();
    let mut volume_config = VolumeConfig::new(replicas, config.pg_count);
    // Replicas applying a bulk load (a large commit: pgbench -i -s 10 is ~130 MB)
    // may take minutes before they serve reads at the new LSN in a debug build;
    // a read then waits instead of failing the next statement.
    volume_config.read_deadline = std::time::Duration::from_secs(600);
    let volume = Volume::open(volume_config)
        .await
        .context("open the cluster volume")?;
    let engine = Engine::open(Arc::new(VolumeStore::new(volume.clone())))
        .await
        .map_err(|e| anyhow::anyhow!("open the SQL engine: {}", e.message))?;

    tokio::spawn(report_min_read_point(engine.clone(), volume.clone()));

    let tls_dir = layout.root.join("tls");
    let tls_files =
        tls::load_or_generate(&tls_dir, &["localhost", "127.0.0.1"]).context("set up TLS")?;
    let endpoint_config =
        EndpointConfig::new(&args.user, password)?.with_tls(tls_files.tls_source());
    let address = format!("{}:{}", args.host, args.port);
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .with_context(|| format!("listen on {address}"))?;
    let bound = listener.local_addr()?;
    {
        let mut supervisor = supervisor.lock().expect("supervisor lock");
        supervisor.add_part(PartState {
            name: "writer".into(),
            role: "writer".into(),
            az: None,
            pid: Some(std::process::id()),
            address: format!("epoch {}", volume.epoch()),
            state: "running".into(),
        })?;
        supervisor.add_part(PartState {
            name: "endpoint".into(),
            role: "proxy".into(),
            az: None,
            pid: Some(std::process::id()),
            address: bound.to_string(),
            state: "running".into(),
        })?;
    }
    println!("Borealis is up.");
    println!(
        "  PostgreSQL endpoint: {bound} (user {}, TLS available)",
        args.user
    );
    println!("  TLS CA certificate:  {}", tls_files.ca_cert.display());
    println!("  Data directory:      {}", args.data_dir.display());
    println!(
        "  Connect:  psql \"host={} port={} user={} dbname=postgres sslmode=require\"",
        bound.ip(),
        bound.port(),
        args.user
    );
    borealis_endpoint::serve(
        listener,
        endpoint_config,
        Arc::new(SqlBackend::new(engine)),
        std::future::pending(),
    )
    .await
    .context("PostgreSQL endpoint")?;
    Ok(())
}
