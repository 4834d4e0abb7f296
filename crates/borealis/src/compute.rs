//! The two adapters that join the writer compute's parts (the process
//! itself is [`crate::compute_cmd`]). They live here because neither side
//! may know the other: the
//! engine's [`Store`] over the volume client, and the endpoint's
//! [`Backend`] over the engine's sessions.

use async_trait::async_trait;
use borealis_common::Lsn;
use borealis_endpoint::{
    Backend, BackendSession, Column, Description, ErrorInfo, Fetched, Oid, Output,
    PreparedStatement, StartupInfo, TxStatus,
};
use borealis_sql::{
    CopyStart, Engine, Mutation, Session, SqlError, StatementOutput, Store, StoreError, Streamed,
};
use borealis_volume_client::{Volume, VolumeError};
use std::any::Any;
use std::sync::Arc;

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
        let started = std::time::Instant::now();
        let committed = self.volume.commit(mutations).await.map_err(store_error)?;
        crate::capacity::COMMIT_LATENCY.record(started.elapsed());
        Ok(committed)
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
        startup: &StartupInfo,
    ) -> Result<Box<dyn BackendSession>, ErrorInfo> {
        let mut session = self.engine.session();
        session.set_database_name(&startup.database);
        // A role made by CREATE ROLE ... LOGIN PASSWORD (authenticated against its stored
        // verifier) runs as itself; the configured cluster user is the bootstrap superuser.
        if session.is_created_role(&startup.user) {
            session
                .set_login_role(&startup.user)
                .map_err(|e| ErrorInfo {
                    severity: "FATAL",
                    ..error_info(e)
                })?;
        }
        session
            .apply_startup_parameters(&startup.parameters)
            .map_err(|e| ErrorInfo {
                severity: "FATAL",
                ..error_info(e)
            })?;
        Ok(Box::new(SqlSession { session }))
    }

    async fn role_secret(&self, user: &str) -> Option<String> {
        self.engine.session().login_password(user)
    }
}

struct SqlSession {
    session: Session,
}

fn error_info(error: SqlError) -> ErrorInfo {
    let context = error.context_text().map(str::to_owned);
    let extra = (error.hint.is_some() || context.is_some()).then(|| {
        Box::new(borealis_endpoint::ErrorExtra {
            hint: error.hint,
            context,
        })
    });
    ErrorInfo {
        severity: error.severity,
        sqlstate: error.sqlstate.to_string(),
        message: error.message,
        detail: error.detail,
        position: error.position,
        extra,
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

/// A result, or a cursor whose rows the endpoint fetches as the client takes them.
fn streamed_output(result: Streamed) -> Output {
    match result {
        Streamed::Done(result) => output(result),
        Streamed::Cursor(cursor) => Output::Cursor {
            columns: columns(cursor.columns),
            cursor: cursor.id,
        },
    }
}

fn copy_output(start: CopyStart) -> Output {
    match start {
        CopyStart::In { columns, .. } => Output::CopyIn { columns },
        CopyStart::Out { columns, data, tag } => Output::CopyOut { columns, data, tag },
        CopyStart::Finished { tag } => Output::Command { tag },
    }
}

/// The plan of a prepared COPY: nothing to cache, it starts at Execute.
struct PreparedCopy;

#[async_trait]
impl BackendSession for SqlSession {
    async fn simple_query(&mut self, sql: &str) -> Vec<Result<Output, ErrorInfo>> {
        if let Some(started) = self.session.copy(sql).await {
            return vec![started.map(copy_output).map_err(error_info)];
        }
        self.session
            .execute_simple_streaming(sql)
            .await
            .into_iter()
            .map(|result| result.map(streamed_output).map_err(error_info))
            .collect()
    }

    async fn prepare(
        &mut self,
        sql: &str,
        param_types: &[Oid],
    ) -> Result<PreparedStatement, ErrorInfo> {
        if let Some(checked) = Session::check_copy(sql) {
            checked.map_err(error_info)?;
            let plan: Arc<dyn Any + Send + Sync> = Arc::new(PreparedCopy);
            return Ok(PreparedStatement {
                sql: sql.to_string(),
                description: Description {
                    param_types: Vec::new(),
                    columns: Vec::new(),
                },
                plan: Some(plan),
            });
        }
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
        if statement
            .plan
            .as_ref()
            .is_some_and(|plan| plan.is::<PreparedCopy>())
        {
            return match self.session.copy(&statement.sql).await {
                Some(started) => started.map(copy_output).map_err(error_info),
                None => Err(ErrorInfo::error("XX000", "prepared COPY is not a COPY")),
            };
        }
        let prepared = statement
            .plan
            .as_ref()
            .and_then(|plan| plan.clone().downcast::<borealis_sql::Prepared>().ok())
            .ok_or_else(|| ErrorInfo::error("XX000", "prepared statement has no plan"))?;
        self.session
            .execute_prepared_streaming(&prepared, params)
            .await
            .map(streamed_output)
            .map_err(error_info)
    }

    async fn fetch(&mut self, cursor: u64, max_rows: usize) -> Result<Fetched, ErrorInfo> {
        let fetched = self
            .session
            .fetch(cursor, max_rows)
            .await
            .map_err(error_info)?;
        Ok(Fetched {
            rows: fetched.rows,
            done: fetched.done,
        })
    }

    fn close_cursor(&mut self, cursor: u64) {
        self.session.close_cursor(cursor);
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

    fn take_notices(&mut self) -> Vec<ErrorInfo> {
        self.session
            .take_notices()
            .into_iter()
            .map(error_info)
            .collect()
    }

    fn take_parameter_changes(&mut self) -> Vec<(String, String)> {
        self.session.take_parameter_changes()
    }

    fn idle_in_transaction_timeout(&self) -> Option<std::time::Duration> {
        self.session.idle_in_transaction_timeout()
    }

    fn transaction_status(&self) -> TxStatus {
        match self.session.transaction_status() {
            borealis_sql::TransactionStatus::Idle => TxStatus::Idle,
            borealis_sql::TransactionStatus::InBlock => TxStatus::InBlock,
            borealis_sql::TransactionStatus::Failed => TxStatus::Failed,
        }
    }
}
