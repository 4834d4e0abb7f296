//! `MemStore`: an in-memory multi-version `Store` for tests and embedded use.
//! Versions live in one `BTreeMap<(key, lsn), Option<value>>`; LSNs are assigned on commit.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Mutex;

use borealis_common::limits::{KEY_BYTES_MAX, VALUE_BYTES_MAX};
use borealis_common::Lsn;

use crate::store::{Mutation, Store, StoreError};

#[derive(Default)]
struct Inner {
    versions: BTreeMap<(Vec<u8>, Lsn), Option<Vec<u8>>>,
    last: Lsn,
}

/// In-memory multi-version store. Commits are durable the moment they return
/// (for the life of the process).
#[derive(Default)]
pub struct MemStore {
    inner: Mutex<Inner>,
}

impl MemStore {
    pub fn new() -> MemStore {
        MemStore::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Internal("mem store mutex poisoned".into()))
    }

    /// Newest version of `key` at or below `at` (None = absent; Some(None) = tombstone).
    fn newest(inner: &Inner, key: &[u8], at: Lsn) -> Option<Option<Vec<u8>>> {
        let lo = Bound::Included((key.to_vec(), Lsn::ZERO));
        let hi = Bound::Included((key.to_vec(), at));
        inner
            .versions
            .range((lo, hi))
            .next_back()
            .map(|(_, v)| v.clone())
    }
}

#[async_trait::async_trait]
impl Store for MemStore {
    fn read_point(&self) -> Lsn {
        self.inner.lock().map(|i| i.last).unwrap_or(Lsn::ZERO)
    }

    async fn get(&self, key: &[u8], at: Lsn) -> Result<Option<Vec<u8>>, StoreError> {
        let inner = self.lock()?;
        Ok(MemStore::newest(&inner, key, at).flatten())
    }

    async fn scan(
        &self,
        start: &[u8],
        end: &[u8],
        at: Lsn,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        let inner = self.lock()?;
        let mut out = Vec::new();
        if start >= end {
            return Ok(out);
        }
        let lo = Bound::Included((start.to_vec(), Lsn::ZERO));
        let hi = Bound::Excluded((end.to_vec(), Lsn::ZERO));
        let mut current: Option<(&Vec<u8>, &Option<Vec<u8>>)> = None;
        for ((k, lsn), v) in inner.versions.range((lo, hi)) {
            if out.len() >= limit {
                break;
            }
            if let Some((ck, cv)) = current {
                if ck != k {
                    if let Some(val) = cv {
                        out.push((ck.clone(), val.clone()));
                    }
                    current = None;
                }
            }
            if *lsn <= at {
                current = Some((k, v));
            }
        }
        if out.len() < limit {
            if let Some((ck, Some(val))) = current {
                out.push((ck.clone(), val.clone()));
            }
        }
        Ok(out)
    }

    async fn commit(&self, mutations: Vec<Mutation>) -> Result<Lsn, StoreError> {
        for m in &mutations {
            if m.key.len() > KEY_BYTES_MAX {
                return Err(StoreError::TooLarge(format!(
                    "key of {} bytes",
                    m.key.len()
                )));
            }
            if m.value.as_ref().is_some_and(|v| v.len() > VALUE_BYTES_MAX) {
                return Err(StoreError::TooLarge("value over 16 MiB".into()));
            }
        }
        let mut inner = self.lock()?;
        let lsn = inner.last.next();
        for m in mutations {
            inner.versions.insert((m.key, lsn), m.value);
        }
        inner.last = lsn;
        Ok(lsn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(k: &str, v: Option<&str>) -> Mutation {
        Mutation {
            key: k.as_bytes().to_vec(),
            value: v.map(|v| v.as_bytes().to_vec()),
        }
    }

    #[tokio::test]
    async fn versions_are_read_at_their_lsn() {
        let s = MemStore::new();
        let l1 = s
            .commit(vec![m("a", Some("1")), m("b", Some("1"))])
            .await
            .unwrap();
        let l2 = s
            .commit(vec![m("a", Some("2")), m("b", None), m("c", Some("2"))])
            .await
            .unwrap();
        assert!(l2 > l1);
        assert_eq!(s.read_point(), l2);
        assert_eq!(s.get(b"a", l1).await.unwrap(), Some(b"1".to_vec()));
        assert_eq!(s.get(b"a", l2).await.unwrap(), Some(b"2".to_vec()));
        assert_eq!(s.get(b"b", l2).await.unwrap(), None);
        assert_eq!(s.get(b"a", Lsn::ZERO).await.unwrap(), None);
        let at1 = s.scan(b"a", b"z", l1, 10).await.unwrap();
        assert_eq!(at1.len(), 2);
        let at2 = s.scan(b"a", b"z", l2, 10).await.unwrap();
        let keys: Vec<_> = at2.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(keys, vec![b"a".to_vec(), b"c".to_vec()]);
        assert_eq!(s.scan(b"a", b"z", l2, 1).await.unwrap().len(), 1);
        assert_eq!(s.scan(b"b", b"c", l2, 10).await.unwrap().len(), 0);
    }
}
