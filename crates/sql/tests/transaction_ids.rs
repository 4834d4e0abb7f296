//! Transaction ids never repeat across engine restarts: `xmin` of new row
//! versions and `txid_current()` keep growing after a crash and after a
//! clean shutdown, so `xmin` works as an optimistic concurrency token.

use std::sync::Arc;

use borealis_sql::{Engine, MemStore, Session};

mod support;
use support::{check_table, run_table};

/// The one value a one-row, one-column query returns.
async fn value(s: &mut Session, sql: &str) -> u64 {
    let out = run_table(s, sql).await;
    let line = out.lines().nth(1).unwrap_or_default();
    line.parse()
        .unwrap_or_else(|_| panic!("{sql}: no number in {out:?}"))
}

#[tokio::test]
async fn xmin_and_txid_current_keep_growing_after_a_crash() {
    let store = Arc::new(MemStore::new());
    let (written, seen) = {
        let e = Engine::open(store.clone()).await.unwrap();
        let mut s = e.session();
        check_table(
            &mut s,
            "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')",
            "CREATE TABLE\nINSERT 0 1",
        )
        .await;
        let written = value(&mut s, "SELECT xmin FROM t WHERE id = 1").await;
        let seen = value(&mut s, "SELECT txid_current()").await;
        (written, seen)
        // Dropped without `Engine::close`: a crash.
    };
    let e = Engine::open(store).await.unwrap();
    let mut s = e.session();
    let after = value(&mut s, "SELECT txid_current()").await;
    assert!(
        after > seen,
        "txid_current() {after} after the crash, {seen} before"
    );
    check_table(&mut s, "UPDATE t SET v = 'b' WHERE id = 1", "UPDATE 1").await;
    let rewritten = value(&mut s, "SELECT xmin FROM t WHERE id = 1").await;
    assert!(
        rewritten > after,
        "xmin {rewritten} of the update, {after} before it"
    );
    // A client still holding the version it read before the crash loses.
    check_table(
        &mut s,
        &format!("UPDATE t SET v = 'stale' WHERE id = 1 AND xmin = {written}"),
        "UPDATE 0",
    )
    .await;
    check_table(
        &mut s,
        &format!("UPDATE t SET v = 'c' WHERE id = 1 AND xmin = {rewritten}"),
        "UPDATE 1",
    )
    .await;
}

#[tokio::test]
async fn a_clean_restart_continues_the_transaction_ids_without_a_gap() {
    let store = Arc::new(MemStore::new());
    let before = {
        let e = Engine::open(store.clone()).await.unwrap();
        let mut s = e.session();
        let before = value(&mut s, "SELECT txid_current()").await;
        drop(s);
        e.close().await.unwrap();
        before
    };
    let e = Engine::open(store).await.unwrap();
    let mut s = e.session();
    assert_eq!(value(&mut s, "SELECT txid_current()").await, before + 1);
    assert_eq!(
        value(&mut s, "SELECT pg_current_xact_id()::text::int8").await,
        before + 2
    );
}

#[tokio::test]
async fn one_transaction_keeps_its_id() {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = e.session();
    check_table(&mut s, "CREATE TABLE k (id int)", "CREATE TABLE").await;
    let out = run_table(
        &mut s,
        "BEGIN; INSERT INTO k VALUES (1); SELECT txid_current() = (SELECT xmin::text::int8 FROM k) AS same; COMMIT",
    )
    .await;
    assert!(out.contains("same\nt\n"), "{out}");
}

/// Another session sees an open transaction that locked or updated a row as
/// the row's `xmax`; once it ends, `xmax` is 0 again (Borealis does not keep
/// a finished locker's id in the row, PostgreSQL does).
#[tokio::test]
async fn xmax_shows_an_open_locker_or_updater() {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut locker = e.session();
    let mut other = e.session();
    check_table(
        &mut locker,
        "CREATE TABLE l (id int PRIMARY KEY, v int); INSERT INTO l VALUES (1, 0), (2, 0), (3, 0)",
        "CREATE TABLE\nINSERT 0 3",
    )
    .await;
    check_table(&mut locker, "BEGIN", "BEGIN").await;
    let me = value(&mut locker, "SELECT txid_current()").await;
    check_table(
        &mut locker,
        "SELECT id FROM l WHERE id = 1 FOR UPDATE; SELECT id FROM l WHERE id = 2 FOR SHARE; UPDATE l SET v = 1 WHERE id = 3",
        "id\n1\n(SELECT 1)\nid\n2\n(SELECT 1)\nUPDATE 1",
    )
    .await;
    check_table(
        &mut other,
        "SELECT id, xmax::text::int8 AS xmax FROM l ORDER BY id",
        &format!("id|xmax\n1|{me}\n2|{me}\n3|{me}\n(SELECT 3)"),
    )
    .await;
    check_table(
        &mut locker,
        "SELECT id, xmax::text::int8 AS xmax FROM l ORDER BY id",
        &format!("id|xmax\n1|{me}\n2|{me}\n3|0\n(SELECT 3)"),
    )
    .await;
    check_table(&mut locker, "COMMIT", "COMMIT").await;
    check_table(
        &mut other,
        "SELECT id, xmax::text::int8 AS xmax FROM l ORDER BY id",
        "id|xmax\n1|0\n2|0\n3|0\n(SELECT 3)",
    )
    .await;
}

/// An id only shown by `txid_current()` (no row written) is not handed out
/// again after a crash either.
#[tokio::test]
async fn a_shown_id_is_not_repeated_after_a_crash() {
    let store = Arc::new(MemStore::new());
    let shown = {
        let e = Engine::open(store.clone()).await.unwrap();
        let mut s = e.session();
        value(&mut s, "SELECT txid_current()").await
    };
    let e = Engine::open(store).await.unwrap();
    let mut s = e.session();
    let after = value(&mut s, "SELECT pg_current_xact_id()").await;
    assert!(
        after > shown,
        "{after} after the crash, {shown} shown before"
    );
}
