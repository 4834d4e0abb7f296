//! Temporary tables end to end on a `MemStore`: visible only to their
//! session, shadowing permanent tables, transactional, ON COMMIT
//! PRESERVE ROWS / DELETE ROWS / DROP, gone when the session ends.

use std::sync::Arc;

mod support;

use borealis_sql::{Engine, MemStore};
use support::{check, memory_engine};

#[tokio::test]
async fn temp_tables_shadow_permanent_ones_in_their_session_only() {
    let e = memory_engine().await;
    let mut a = e.session();
    let mut b = e.session();
    check(
        &mut a,
        &[
            ("CREATE TABLE t (v text)", "CREATE TABLE"),
            ("INSERT INTO t VALUES ('permanent')", "INSERT 0 1"),
            ("CREATE TEMP TABLE t (v text, n serial)", "CREATE TABLE"),
            ("INSERT INTO t (v) VALUES ('temp')", "INSERT 0 1"),
            ("SELECT v, n FROM t", "temp|1"),
            ("SELECT v FROM public.t", "permanent"),
            ("SELECT v FROM pg_temp.t", "temp"),
            (
                "CREATE TEMPORARY TABLE u (k int PRIMARY KEY)",
                "CREATE TABLE",
            ),
            ("INSERT INTO u VALUES (1), (2)", "INSERT 0 2"),
            (
                "INSERT INTO u VALUES (1)",
                "ERROR 23505: duplicate key value violates unique constraint \"u_pkey\"",
            ),
            ("UPDATE u SET k = 3 WHERE k = 2", "UPDATE 1"),
            ("SELECT k FROM u ORDER BY k", "1\n3"),
            (
                "SELECT c.relpersistence, n.nspname LIKE 'pg_temp_%' FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'u'",
                "t|t",
            ),
            ("SELECT current_schemas(true)[1] LIKE 'pg_temp_%'", "t"),
            (
                "CREATE TABLE p (a int) ON COMMIT DELETE ROWS",
                "ERROR 42P16: ON COMMIT can only be used on temporary tables",
            ),
        ],
    )
    .await;
    check(
        &mut b,
        &[
            ("SELECT v FROM t", "permanent"),
            (
                "SELECT k FROM u",
                "ERROR 42P01: relation \"u\" does not exist",
            ),
            ("CREATE TEMP TABLE u (other text)", "CREATE TABLE"),
            ("INSERT INTO u VALUES ('b')", "INSERT 0 1"),
        ],
    )
    .await;
    check(&mut a, &[("SELECT k FROM u ORDER BY k", "1\n3")]).await;
    drop(a);
    // The session's temporary tables went with it.
    let mut c = e.session();
    check(
        &mut c,
        &[
            ("SELECT v FROM t", "permanent"),
            (
                "SELECT k FROM u",
                "ERROR 42P01: relation \"u\" does not exist",
            ),
            (
                "SELECT count(*) FROM pg_class WHERE relname IN ('u', 't_n_seq', 'u_pkey')",
                "0",
            ),
        ],
    )
    .await;
    check(&mut b, &[("SELECT other FROM u", "b")]).await;
}

#[tokio::test]
async fn temp_tables_follow_transactions() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TEMP TABLE t (a int)", "CREATE TABLE"),
            ("INSERT INTO t VALUES (1)", "INSERT 0 1"),
            ("BEGIN", "BEGIN"),
            ("INSERT INTO t VALUES (2)", "INSERT 0 1"),
            ("SELECT count(*) FROM t", "2"),
            ("ROLLBACK", "ROLLBACK"),
            ("SELECT a FROM t", "1"),
            // CREATE TEMP TABLE is rolled back like any DDL.
            ("BEGIN", "BEGIN"),
            ("CREATE TEMP TABLE gone (a int)", "CREATE TABLE"),
            ("INSERT INTO gone VALUES (1)", "INSERT 0 1"),
            ("SELECT a FROM gone", "1"),
            ("ROLLBACK", "ROLLBACK"),
            (
                "SELECT a FROM gone",
                "ERROR 42P01: relation \"gone\" does not exist",
            ),
            // DROP of a temporary table too.
            ("BEGIN", "BEGIN"),
            ("DROP TABLE t", "DROP TABLE"),
            ("ROLLBACK", "ROLLBACK"),
            ("SELECT a FROM t", "1"),
            ("DROP TABLE t", "DROP TABLE"),
            (
                "SELECT a FROM t",
                "ERROR 42P01: relation \"t\" does not exist",
            ),
            ("CREATE TEMP TABLE t (b text)", "CREATE TABLE"),
            ("SELECT count(*) FROM t", "0"),
            ("ALTER TABLE t ADD COLUMN c int", "ALTER TABLE"),
            ("INSERT INTO t VALUES ('x', 1)", "INSERT 0 1"),
            ("SELECT b, c FROM t", "x|1"),
        ],
    )
    .await;
}

#[tokio::test]
async fn on_commit_delete_rows_and_drop() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                "CREATE TEMP TABLE d (a int) ON COMMIT DELETE ROWS",
                "CREATE TABLE",
            ),
            ("BEGIN", "BEGIN"),
            ("INSERT INTO d VALUES (1), (2)", "INSERT 0 2"),
            ("SELECT count(*) FROM d", "2"),
            ("COMMIT", "COMMIT"),
            ("SELECT count(*) FROM d", "0"),
            ("INSERT INTO d VALUES (3)", "INSERT 0 1"),
            ("SELECT count(*) FROM d", "0"),
            (
                "CREATE TEMP TABLE p (a int) ON COMMIT PRESERVE ROWS",
                "CREATE TABLE",
            ),
            ("INSERT INTO p VALUES (1)", "INSERT 0 1"),
            ("SELECT count(*) FROM p", "1"),
            ("BEGIN", "BEGIN"),
            ("CREATE TEMP TABLE x (a int) ON COMMIT DROP", "CREATE TABLE"),
            ("INSERT INTO x VALUES (1)", "INSERT 0 1"),
            ("SELECT count(*) FROM x", "1"),
            ("COMMIT", "COMMIT"),
            (
                "SELECT count(*) FROM x",
                "ERROR 42P01: relation \"x\" does not exist",
            ),
            // Recreated without ON COMMIT: the old action does not stick.
            ("CREATE TEMP TABLE x (a int)", "CREATE TABLE"),
            ("INSERT INTO x VALUES (1)", "INSERT 0 1"),
            ("SELECT count(*) FROM x", "1"),
        ],
    )
    .await;
}

#[tokio::test]
async fn temp_objects_never_reach_the_stored_catalog() {
    let store = Arc::new(MemStore::new());
    {
        let e = Engine::open(store.clone()).await.unwrap();
        let mut s = e.session();
        check(
            &mut s,
            &[
                ("CREATE TEMP TABLE t (a serial, b int)", "CREATE TABLE"),
                ("INSERT INTO t (b) VALUES (1)", "INSERT 0 1"),
                ("CREATE TEMP SEQUENCE sq", "CREATE SEQUENCE"),
                ("SELECT nextval('sq')", "1"),
                ("CREATE TEMP VIEW tv AS SELECT b FROM t", "CREATE VIEW"),
                ("SELECT b FROM tv", "1"),
            ],
        )
        .await;
        e.close().await.unwrap();
    }
    let e = Engine::open(store).await.unwrap();
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                "SELECT count(*) FROM pg_class WHERE relname IN ('t', 't_a_seq', 'sq', 'tv')",
                "0",
            ),
            ("CREATE TEMP TABLE t (a serial, b int)", "CREATE TABLE"),
            ("INSERT INTO t (b) VALUES (1)", "INSERT 0 1"),
            ("SELECT a, b FROM t", "1|1"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_view_over_a_temp_table_is_temporary() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TEMP TABLE t (a int)", "CREATE TABLE"),
            ("INSERT INTO t VALUES (4)", "INSERT 0 1"),
            ("CREATE VIEW v AS SELECT a FROM t", "CREATE VIEW"),
            ("SELECT a FROM v", "4"),
            (
                "CREATE VIEW public.pv AS SELECT a FROM t",
                "ERROR 42P16: cannot create temporary relation in non-temporary schema",
            ),
        ],
    )
    .await;
    let notices: Vec<String> = s.take_notices().into_iter().map(|n| n.message).collect();
    assert_eq!(
        notices,
        vec!["view \"v\" will be a temporary view".to_string()]
    );
    let mut other = e.session();
    check(
        &mut other,
        &[(
            "SELECT a FROM v",
            "ERROR 42P01: relation \"v\" does not exist",
        )],
    )
    .await;
}

#[tokio::test]
async fn defaults_find_temporary_and_schema_sequences_through_the_path() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TEMP SEQUENCE myseq2", "CREATE SEQUENCE"),
            (
                "CREATE TEMP TABLE t1 (f1 serial, f2 int DEFAULT nextval('myseq2'))",
                "CREATE TABLE",
            ),
            ("INSERT INTO t1 DEFAULT VALUES", "INSERT 0 1"),
            ("SELECT f1, f2 FROM t1", "1|1"),
            ("CREATE SCHEMA q", "CREATE SCHEMA"),
            ("CREATE SEQUENCE q.qs START 7", "CREATE SEQUENCE"),
            ("SET search_path TO q, public", "SET"),
            (
                "CREATE TABLE public.pt (a int DEFAULT nextval('qs'))",
                "CREATE TABLE",
            ),
            ("RESET search_path", "RESET"),
            ("INSERT INTO pt DEFAULT VALUES", "INSERT 0 1"),
            ("SELECT a FROM pt", "7"),
        ],
    )
    .await;
}
