//! The storage interface the engine runs on: a multi-versioned key/value store
//! (the cluster volume) read at an LSN and written in atomic commit groups.

use borealis_common::Lsn;

/// Multi-versioned key/value store. Keys are at most
/// `borealis_common::limits::KEY_BYTES_MAX` bytes, values at most `VALUE_BYTES_MAX`.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// Every commit acknowledged so far is visible at this read point.
    fn read_point(&self) -> Lsn;
    /// The newest version of `key` at or below `at`; `None` if absent or deleted.
    async fn get(&self, key: &[u8], at: Lsn) -> Result<Option<Vec<u8>>, StoreError>;
    /// Keys in [start, end) in ascending order, newest version <= at, tombstones skipped, at most `limit` rows.
    async fn scan(
        &self,
        start: &[u8],
        end: &[u8],
        at: Lsn,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError>;
    /// Atomically commit a group of mutations (value None = delete). Returns the commit LSN once durable;
    /// after it returns, read_point() >= that LSN.
    async fn commit(&self, mutations: Vec<Mutation>) -> Result<Lsn, StoreError>;
}

/// One write of a commit group: `value: None` deletes the key (a tombstone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mutation {
    pub key: Vec<u8>,
    pub value: Option<Vec<u8>>,
}

#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("storage limit exceeded: {0}")]
    TooLarge(String),
    #[error("storage internal error: {0}")]
    Internal(String),
}
