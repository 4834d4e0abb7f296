//! What garbage collection removes, decided once for every version store.
//!
//! A [`GcPass`] is fed a store's versions in (key, LSN) order and decides,
//! for up to `keys_max` keys, which versions no read at or above the
//! horizon needs: of each key's versions at or below the horizon, all but
//! the newest, and the newest too if it is a delete.

use borealis_common::Lsn;

/// Versions to remove: (key, LSN).
pub type Doomed = Vec<(Vec<u8>, Lsn)>;

pub struct GcPass {
    horizon: Lsn,
    keys_max: usize,
    keys: usize,
    current: Option<Vec<u8>>,
    /// The current key's versions at or below the horizon: (LSN, is delete).
    old: Vec<(Lsn, bool)>,
    doomed: Doomed,
    next: Option<Vec<u8>>,
}

impl GcPass {
    pub fn new(horizon: Lsn, keys_max: usize) -> GcPass {
        GcPass {
            horizon,
            keys_max,
            keys: 0,
            current: None,
            old: Vec::new(),
            doomed: Vec::new(),
            next: None,
        }
    }

    /// Takes the next version in (key, LSN) order; false once the pass has
    /// its `keys_max` keys (stop feeding it).
    pub fn visit(&mut self, key: &[u8], lsn: Lsn, is_delete: bool) -> bool {
        if self.current.as_deref() != Some(key) {
            self.finish_key();
            if self.keys == self.keys_max {
                self.next = Some(key.to_vec());
                return false;
            }
            self.keys += 1;
            self.current = Some(key.to_vec());
        }
        if lsn <= self.horizon {
            self.old.push((lsn, is_delete));
        }
        true
    }

    fn finish_key(&mut self) {
        let Some(key) = self.current.take() else {
            return;
        };
        if let Some(&(newest, newest_is_delete)) = self.old.last() {
            for (lsn, _) in self.old.iter().filter(|(lsn, _)| *lsn < newest) {
                self.doomed.push((key.clone(), *lsn));
            }
            if newest_is_delete {
                self.doomed.push((key, newest));
            }
        }
        self.old.clear();
    }

    /// The versions to remove, and the key the next pass starts from
    /// (`None`: the pass reached the end of the key space).
    pub fn finish(mut self) -> (Doomed, Option<Vec<u8>>) {
        self.finish_key();
        (self.doomed, self.next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_old_version_unless_it_is_a_delete() {
        let mut pass = GcPass::new(Lsn(10), 10);
        for (key, lsn, delete) in [
            (b"a", 1, false),
            (b"a", 5, false),
            (b"a", 12, false),
            (b"b", 2, false),
            (b"b", 9, true),
            (b"c", 11, false),
        ] {
            assert!(pass.visit(key, Lsn(lsn), delete));
        }
        let (doomed, next) = pass.finish();
        assert_eq!(
            doomed,
            vec![
                (b"a".to_vec(), Lsn(1)),
                (b"b".to_vec(), Lsn(2)),
                (b"b".to_vec(), Lsn(9))
            ]
        );
        assert_eq!(next, None);
    }

    #[test]
    fn stops_after_its_keys() {
        let mut pass = GcPass::new(Lsn(10), 1);
        assert!(pass.visit(b"a", Lsn(1), false));
        assert!(pass.visit(b"a", Lsn(2), false));
        assert!(!pass.visit(b"b", Lsn(1), false));
        let (doomed, next) = pass.finish();
        assert_eq!(doomed, vec![(b"a".to_vec(), Lsn(1))]);
        assert_eq!(next, Some(b"b".to_vec()));
    }
}
