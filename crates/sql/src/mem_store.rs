//! `MemStore`: an in-memory multi-version `Store` for tests and embedded use.
//! Keys live in one `BTreeMap` whose values are the key's versions in LSN
//! order (the only one inline: most keys have one), so a point read is one
//! lookup by the borrowed key and a scan visits each key once; LSNs are
//! assigned on commit.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Mutex;

use borealis_common::limits::{KEY_BYTES_MAX, VALUE_BYTES_MAX};
use borealis_common::Lsn;

use crate::store::{Mutation, Store, StoreError};

#[derive(Default)]
struct Inner {
    keys: BTreeMap<Vec<u8>, Versions>,
    last: Lsn,
}

/// One key's versions (`None`: a tombstone), oldest first.
enum Versions {
    One(Lsn, Option<Vec<u8>>),
    Many(Vec<(Lsn, Option<Vec<u8>>)>),
}

impl Versions {
    /// The newest version at or below `at` (None: the key did not exist then).
    fn at(&self, at: Lsn) -> Option<&Option<Vec<u8>>> {
        match self {
            Versions::One(lsn, v) => (*lsn <= at).then_some(v),
            Versions::Many(all) => all.iter().rev().find(|(lsn, _)| *lsn <= at).map(|(_, v)| v),
        }
    }

    /// Adds a version newer than (or, within one commit, as new as) every other.
    fn push(&mut self, lsn: Lsn, value: Option<Vec<u8>>) {
        match self {
            Versions::Many(all) => all.push((lsn, value)),
            Versions::One(..) => {
                let first = std::mem::replace(self, Versions::Many(Vec::with_capacity(2)));
                if let (Versions::One(l, v), Versions::Many(all)) = (first, &mut *self) {
                    all.push((l, v));
                    all.push((lsn, value));
                }
            }
        }
    }
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
        inner.keys.get(key)?.at(at).cloned()
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
        // `BTreeMap::range` panics on a reversed range.
        if start >= end {
            return Ok(out);
        }
        let range = inner
            .keys
            .range::<[u8], _>((Bound::Included(start), Bound::Excluded(end)));
        for (k, versions) in range {
            if out.len() >= limit {
                break;
            }
            if let Some(Some(v)) = versions.at(at) {
                out.push((k.clone(), v.clone()));
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
            match inner.keys.get_mut(&m.key) {
                Some(versions) => versions.push(lsn, m.value),
                None => {
                    inner.keys.insert(m.key, Versions::One(lsn, m.value));
                }
            }
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
        assert_eq!(s.scan(b"z", b"a", l2, 10).await.unwrap().len(), 0);
        // A third version, and a key written twice in one commit: the later wins.
        let l3 = s
            .commit(vec![
                m("a", Some("3")),
                m("b", Some("3a")),
                m("b", Some("3b")),
            ])
            .await
            .unwrap();
        assert_eq!(s.get(b"a", l1).await.unwrap(), Some(b"1".to_vec()));
        assert_eq!(s.get(b"a", l2).await.unwrap(), Some(b"2".to_vec()));
        assert_eq!(s.get(b"a", l3).await.unwrap(), Some(b"3".to_vec()));
        assert_eq!(s.get(b"b", l2).await.unwrap(), None);
        assert_eq!(s.get(b"b", l3).await.unwrap(), Some(b"3b".to_vec()));
        let at3: Vec<_> = s.scan(b"a", b"z", l3, 10).await.unwrap();
        assert_eq!(
            at3,
            vec![
                (b"a".to_vec(), b"3".to_vec()),
                (b"b".to_vec(), b"3b".to_vec()),
                (b"c".to_vec(), b"2".to_vec())
            ]
        );
        assert_eq!(s.scan(b"a", b"z", l1, 10).await.unwrap().len(), 2);
    }
}
