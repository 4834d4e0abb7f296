//! Run-time control of a serving endpoint: the connection limit and the execution-slot limit,
//! both resizable while clients are connected, and live counters of what the endpoint is
//! doing (for the capacity controller's load samples).
//!
//! Lowering a limit never drops anything: sessions and statements already admitted keep
//! running, and the permits they return are retired until the new limit holds.
//!
//! Execution slots bound how many statements execute at once. A statement takes a slot only
//! when its session holds no locks, i.e. outside any transaction: at `TxStatus::Idle` and not
//! between an extended-protocol Execute and its Sync (the implicit transaction). Statements
//! inside a transaction run without one, so a transaction holding locks never waits for a
//! slot held by a statement waiting for those locks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::backend::{BackendSession, ErrorInfo, Oid, Output, PreparedStatement, TxStatus};

/// Execution slots when nobody sets a limit: effectively unbounded.
pub const EXECUTION_SLOTS_UNLIMITED: usize = 1 << 20;

#[derive(Debug)]
struct LimitState {
    limit: usize,
    /// Permits to retire as they come back (the limit was lowered below what is in use).
    owed: usize,
    in_use: usize,
}

/// A semaphore whose size can change while permits are out.
#[derive(Debug)]
struct ResizableLimit {
    semaphore: Arc<Semaphore>,
    state: Mutex<LimitState>,
}

/// One unit of a [`ResizableLimit`]; returned (or retired) on drop.
#[derive(Debug)]
pub struct LimitPermit {
    permit: Option<OwnedSemaphorePermit>,
    limit: Arc<ResizableLimit>,
}

impl Drop for LimitPermit {
    fn drop(&mut self) {
        let mut state = self.limit.lock();
        state.in_use -= 1;
        if let Some(permit) = self.permit.take() {
            if state.owed > 0 {
                state.owed -= 1;
                permit.forget();
            }
        }
    }
}

impl ResizableLimit {
    fn new(limit: usize) -> Arc<ResizableLimit> {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        Arc::new(ResizableLimit {
            semaphore: Arc::new(Semaphore::new(limit)),
            state: Mutex::new(LimitState {
                limit,
                owed: 0,
                in_use: 0,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, LimitState> {
        // The state stays consistent across a panic elsewhere: every update is one step.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wrap(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> LimitPermit {
        self.lock().in_use += 1;
        LimitPermit {
            permit: Some(permit),
            limit: self.clone(),
        }
    }

    fn try_acquire(self: &Arc<Self>) -> Option<LimitPermit> {
        let permit = self.semaphore.clone().try_acquire_owned().ok()?;
        Some(self.wrap(permit))
    }

    async fn acquire(self: &Arc<Self>) -> LimitPermit {
        let permit = self
            .semaphore
            .clone()
            .acquire_owned()
            .await
            .expect("the limit's semaphore is never closed");
        self.wrap(permit)
    }

    /// Resize to `limit` (at least 1).
    fn set(&self, limit: usize) {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        let mut state = self.lock();
        if limit > state.limit {
            let mut grow = limit - state.limit;
            let repaid = grow.min(state.owed);
            state.owed -= repaid;
            grow -= repaid;
            self.semaphore.add_permits(grow);
        } else {
            let shrink = state.limit - limit;
            let retired = self.semaphore.forget_permits(shrink);
            state.owed += shrink - retired;
        }
        state.limit = limit;
    }

    fn limit(&self) -> usize {
        self.lock().limit
    }

    fn in_use(&self) -> usize {
        self.lock().in_use
    }
}

/// What the endpoint is doing now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// Admitted connections (authenticating or in a session).
    pub active_sessions: usize,
    pub max_connections: usize,
    /// Connections admitted since the endpoint started.
    pub sessions_opened_total: u64,
    /// Statements executing now, with or without an execution slot.
    pub statements_executing: u64,
    /// Statements waiting for an execution slot.
    pub statements_waiting: u64,
    pub execution_slots: usize,
    /// Statements executed since the endpoint started.
    pub statements_total: u64,
}

/// The connection and execution-slot limits of one endpoint and its live counters; shared
/// between [`crate::serve`] (through [`crate::EndpointConfig::with_control`]) and whoever
/// resizes it.
#[derive(Debug)]
pub struct EndpointControl {
    connections: Arc<ResizableLimit>,
    execution_slots: Arc<ResizableLimit>,
    sessions_opened: AtomicU64,
    statements_executing: AtomicU64,
    statements_waiting: AtomicU64,
    statements_total: AtomicU64,
}

impl EndpointControl {
    /// Limits are at least 1.
    pub fn new(max_connections: usize, execution_slots: usize) -> Arc<EndpointControl> {
        Arc::new(EndpointControl {
            connections: ResizableLimit::new(max_connections),
            execution_slots: ResizableLimit::new(execution_slots),
            sessions_opened: AtomicU64::new(0),
            statements_executing: AtomicU64::new(0),
            statements_waiting: AtomicU64::new(0),
            statements_total: AtomicU64::new(0),
        })
    }

    /// New connections past `max_connections` (at least 1) get FATAL 53300; connections
    /// already admitted stay.
    pub fn set_max_connections(&self, max_connections: usize) {
        self.connections.set(max_connections);
    }

    /// Statements past `execution_slots` (at least 1) wait; running ones finish.
    pub fn set_execution_slots(&self, execution_slots: usize) {
        self.execution_slots.set(execution_slots);
    }

    pub fn stats(&self) -> EndpointStats {
        EndpointStats {
            active_sessions: self.connections.in_use(),
            max_connections: self.connections.limit(),
            sessions_opened_total: self.sessions_opened.load(Ordering::Relaxed),
            statements_executing: self.statements_executing.load(Ordering::Relaxed),
            statements_waiting: self.statements_waiting.load(Ordering::Relaxed),
            execution_slots: self.execution_slots.limit(),
            statements_total: self.statements_total.load(Ordering::Relaxed),
        }
    }

    /// Admit a new connection, or None when at max_connections.
    pub(crate) fn try_admit(&self) -> Option<LimitPermit> {
        let permit = self.connections.try_acquire()?;
        self.sessions_opened.fetch_add(1, Ordering::Relaxed);
        Some(permit)
    }

    /// Wrap a backend session so that its statements take execution slots and are counted.
    pub(crate) fn gate(
        self: &Arc<Self>,
        inner: Box<dyn BackendSession>,
    ) -> Box<dyn BackendSession> {
        Box::new(GatedSession {
            inner,
            control: self.clone(),
            in_implicit_transaction: false,
        })
    }

    /// Run one statement: with an execution slot when `needs_slot`, counted either way.
    async fn run<F: std::future::Future>(&self, needs_slot: bool, statement: F) -> F::Output {
        let slot = if needs_slot {
            let waiting = Counted::new(&self.statements_waiting);
            let slot = self.execution_slots.acquire().await;
            drop(waiting);
            Some(slot)
        } else {
            None
        };
        let _executing = Counted::new(&self.statements_executing);
        self.statements_total.fetch_add(1, Ordering::Relaxed);
        let output = statement.await;
        drop(slot);
        output
    }
}

/// Increments a gauge for as long as it lives (also when its future is dropped: cancel).
struct Counted<'a>(&'a AtomicU64);

impl<'a> Counted<'a> {
    fn new(gauge: &'a AtomicU64) -> Counted<'a> {
        gauge.fetch_add(1, Ordering::Relaxed);
        Counted(gauge)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A backend session whose statements go through the endpoint's execution slots.
struct GatedSession {
    inner: Box<dyn BackendSession>,
    control: Arc<EndpointControl>,
    /// An Execute ran since the last Sync: its implicit transaction may hold locks.
    in_implicit_transaction: bool,
}

impl GatedSession {
    fn holds_no_locks(&self) -> bool {
        !self.in_implicit_transaction && self.inner.transaction_status() == TxStatus::Idle
    }
}

#[async_trait]
impl BackendSession for GatedSession {
    async fn simple_query(&mut self, sql: &str) -> Vec<Result<Output, ErrorInfo>> {
        let needs_slot = self.holds_no_locks();
        self.control
            .run(needs_slot, self.inner.simple_query(sql))
            .await
    }

    async fn prepare(
        &mut self,
        sql: &str,
        param_types: &[Oid],
    ) -> Result<PreparedStatement, ErrorInfo> {
        self.inner.prepare(sql, param_types).await
    }

    async fn execute(
        &mut self,
        statement: &PreparedStatement,
        params: &[Option<String>],
    ) -> Result<Output, ErrorInfo> {
        let needs_slot = self.holds_no_locks();
        self.in_implicit_transaction = true;
        self.control
            .run(needs_slot, self.inner.execute(statement, params))
            .await
    }

    async fn fetch(
        &mut self,
        cursor: u64,
        max_rows: usize,
    ) -> Result<crate::backend::Fetched, ErrorInfo> {
        let needs_slot = self.holds_no_locks();
        self.control
            .run(needs_slot, self.inner.fetch(cursor, max_rows))
            .await
    }

    fn close_cursor(&mut self, cursor: u64) {
        self.inner.close_cursor(cursor)
    }

    async fn sync(&mut self) -> Result<(), ErrorInfo> {
        let result = self.inner.sync().await;
        self.in_implicit_transaction = false;
        result
    }

    async fn copy_in_data(&mut self, data: &[u8]) -> Result<(), ErrorInfo> {
        self.inner.copy_in_data(data).await
    }

    async fn copy_in_done(&mut self) -> Result<Output, ErrorInfo> {
        self.inner.copy_in_done().await
    }

    async fn copy_in_fail(&mut self, message: &str) -> ErrorInfo {
        self.inner.copy_in_fail(message).await
    }

    fn transaction_status(&self) -> TxStatus {
        self.inner.transaction_status()
    }

    fn idle_in_transaction_timeout(&self) -> Option<std::time::Duration> {
        self.inner.idle_in_transaction_timeout()
    }

    fn take_notices(&mut self) -> Vec<ErrorInfo> {
        self.inner.take_notices()
    }

    fn take_parameter_changes(&mut self) -> Vec<(String, String)> {
        self.inner.take_parameter_changes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn lowering_the_limit_retires_permits_as_they_return() {
        let limit = ResizableLimit::new(3);
        let a = limit.try_acquire().unwrap();
        let b = limit.try_acquire().unwrap();
        limit.set(1);
        assert!(limit.try_acquire().is_none(), "two in use, limit 1");
        drop(a);
        assert!(limit.try_acquire().is_none(), "one in use, limit 1");
        drop(b);
        let c = limit.try_acquire().expect("none in use, limit 1");
        assert!(limit.try_acquire().is_none());
        assert_eq!(limit.in_use(), 1);
        drop(c);
        assert_eq!(limit.in_use(), 0);
    }

    #[test]
    fn raising_the_limit_repays_what_is_owed_first() {
        let limit = ResizableLimit::new(4);
        let held: Vec<_> = (0..4).map(|_| limit.try_acquire().unwrap()).collect();
        limit.set(1);
        limit.set(2);
        drop(held);
        let a = limit.try_acquire().unwrap();
        let b = limit.try_acquire().unwrap();
        assert!(limit.try_acquire().is_none(), "limit 2");
        drop((a, b));
        limit.set(5);
        let all: Vec<_> = (0..5).map(|_| limit.try_acquire().unwrap()).collect();
        assert!(limit.try_acquire().is_none(), "limit 5");
        assert_eq!(limit.in_use(), 5);
        drop(all);
    }

    #[test]
    fn limits_are_at_least_one() {
        let control = EndpointControl::new(0, 0);
        assert_eq!(control.stats().max_connections, 1);
        control.set_execution_slots(0);
        assert_eq!(control.stats().execution_slots, 1);
    }

    #[tokio::test]
    async fn statements_wait_for_a_slot_and_are_counted() {
        let control = EndpointControl::new(10, 1);
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let first = tokio::spawn({
            let control = control.clone();
            async move { control.run(true, released).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let second = tokio::spawn({
            let control = control.clone();
            async move { control.run(true, async { 2 }).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let stats = control.stats();
        assert_eq!(stats.statements_executing, 1);
        assert_eq!(stats.statements_waiting, 1);
        // Without a slot (inside a transaction) a statement runs at once.
        assert_eq!(control.run(false, async { 3 }).await, 3);
        control.set_execution_slots(2);
        assert_eq!(second.await.unwrap(), 2);
        release.send(()).unwrap();
        first.await.unwrap().unwrap();
        let stats = control.stats();
        assert_eq!(stats.statements_executing, 0);
        assert_eq!(stats.statements_waiting, 0);
        assert_eq!(stats.statements_total, 3);
    }
}
