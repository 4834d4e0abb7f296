//! Window frames, views, WITH RECURSIVE and savepoints: behaviour that the
//! differential test cannot show (multi-statement sessions, locks, restart,
//! errors whose PostgreSQL positions we do not reproduce).

use std::sync::Arc;
use std::time::Duration;

mod support;

use borealis_sql::{Engine, MemStore, StatementOutput};
use support::{render, run};

#[tokio::test]
async fn window_frame_errors() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    let cases = [
        ("SELECT sum(x) OVER (ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM (VALUES (1)) v(x)",
         "ERROR 42P20: frame start cannot be UNBOUNDED FOLLOWING"),
        ("SELECT sum(x) OVER (ROWS BETWEEN CURRENT ROW AND UNBOUNDED PRECEDING) FROM (VALUES (1)) v(x)",
         "ERROR 42P20: frame end cannot be UNBOUNDED PRECEDING"),
        ("SELECT sum(x) OVER (ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM (VALUES (1)) v(x)",
         "ERROR 42P20: frame starting from current row cannot have preceding rows"),
        ("SELECT sum(x) OVER (ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM (VALUES (1)) v(x)",
         "ERROR 42P20: frame starting from following row cannot have preceding rows"),
        ("SELECT sum(x) OVER (RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM (VALUES (1)) v(x)",
         "ERROR 42P20: RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column"),
        ("SELECT sum(x) OVER (GROUPS 1 PRECEDING) FROM (VALUES (1)) v(x)",
         "ERROR 42P20: GROUPS mode requires an ORDER BY clause"),
        ("SELECT sum(x) OVER (w ORDER BY x) FROM (VALUES (1)) v(x) WINDOW w AS (ORDER BY x)",
         "ERROR 42P20: cannot override ORDER BY clause of window \"w\""),
        ("SELECT sum(x) OVER (w) FROM (VALUES (1)) v(x) WINDOW w AS (ORDER BY x ROWS 1 PRECEDING)",
         "ERROR 42P20: cannot copy window \"w\" because it has a frame clause"),
        ("SELECT x FROM (VALUES (1)) a(x) JOIN (VALUES (1)) b(y) ON rank() OVER () = 1",
         "ERROR 42P20: window functions are not allowed in JOIN conditions"),
        // Frames over peers, empty frames and the whole partition.
        ("SELECT x, sum(x) OVER (ORDER BY x), sum(x) OVER (ORDER BY x ROWS BETWEEN 1 FOLLOWING AND 2 FOLLOWING), last_value(x) OVER (ORDER BY x) FROM (VALUES (1), (2), (2), (3)) v(x)",
         "1|1|4|1\n2|5|5|2\n2|5|3|2\n3|8|NULL|3"),
    ];
    for (sql, want) in cases {
        assert_eq!(run(&mut s, sql).await, want, "{sql}");
    }
}

#[tokio::test]
async fn recursive_query_limits() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    // UNION (not ALL) terminates on a cycle.
    assert_eq!(
        run(
            &mut s,
            "WITH RECURSIVE t(n) AS (SELECT 1 UNION SELECT 3 - n FROM t) SELECT count(*) FROM t"
        )
        .await,
        "2"
    );
    assert_eq!(
        run(&mut s, "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n IN (SELECT n FROM t)) SELECT * FROM t").await,
        "ERROR 42P19: recursive reference to query \"t\" must not appear within a subquery"
    );
}

#[tokio::test]
async fn views_survive_restart() {
    let store = Arc::new(MemStore::new());
    {
        let engine = Engine::open(store.clone()).await.unwrap();
        let mut s = engine.session();
        run(&mut s, "CREATE TABLE t (a int PRIMARY KEY, b text)").await;
        run(&mut s, "INSERT INTO t VALUES (1, 'x'), (2, 'y')").await;
        assert_eq!(
            run(
                &mut s,
                "CREATE VIEW v (k, label) AS SELECT a, upper(b) FROM t"
            )
            .await,
            "CREATE VIEW"
        );
        // DDL is transactional: a rolled-back view never existed.
        run(&mut s, "BEGIN").await;
        run(&mut s, "CREATE VIEW gone AS SELECT 1").await;
        run(&mut s, "ROLLBACK").await;
    }
    let engine = Engine::open(store).await.unwrap();
    let mut s = engine.session();
    assert_eq!(run(&mut s, "SELECT label FROM v WHERE k = 2").await, "Y");
    assert_eq!(
        run(&mut s, "SELECT * FROM gone").await,
        "ERROR 42P01: relation \"gone\" does not exist"
    );
    assert_eq!(
        run(&mut s, "CREATE OR REPLACE VIEW v AS SELECT a FROM t").await,
        "ERROR 42P16: cannot drop columns from view"
    );
    assert_eq!(
        run(
            &mut s,
            "CREATE OR REPLACE VIEW v AS SELECT a AS k, b AS label FROM t"
        )
        .await,
        "CREATE VIEW"
    );
    assert_eq!(run(&mut s, "SELECT label FROM v WHERE k = 2").await, "y");
    assert_eq!(run(&mut s, "DROP VIEW v").await, "DROP VIEW");
    assert_eq!(
        run(&mut s, "SELECT * FROM v").await,
        "ERROR 42P01: relation \"v\" does not exist"
    );
}

#[tokio::test]
async fn savepoints() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    run(&mut s, "CREATE TABLE sp (id int PRIMARY KEY, v int)").await;
    run(&mut s, "INSERT INTO sp VALUES (1, 0), (2, 0)").await;
    assert_eq!(
        run(&mut s, "SAVEPOINT a").await,
        "ERROR 25P01: SAVEPOINT can only be used in transaction blocks"
    );
    assert_eq!(
        run(&mut s, "ROLLBACK TO SAVEPOINT a").await,
        "ERROR 25P01: ROLLBACK TO SAVEPOINT can only be used in transaction blocks"
    );
    assert_eq!(run(&mut s, "BEGIN").await, "BEGIN");
    run(&mut s, "UPDATE sp SET v = 1 WHERE id = 1").await;
    assert_eq!(run(&mut s, "SAVEPOINT a").await, "SAVEPOINT");
    run(&mut s, "UPDATE sp SET v = 2 WHERE id = 1").await;
    run(&mut s, "UPDATE sp SET v = 2 WHERE id = 2").await;
    run(&mut s, "INSERT INTO sp VALUES (3, 3)").await;
    assert_eq!(run(&mut s, "ROLLBACK TO SAVEPOINT a").await, "ROLLBACK");
    assert_eq!(
        run(&mut s, "SELECT * FROM sp ORDER BY id").await,
        "1|1\n2|0"
    );
    // The lock on row 2 was taken after the savepoint: it is released.
    let mut other = engine.session();
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        other.execute_simple("UPDATE sp SET v = 9 WHERE id = 2"),
    )
    .await
    .expect("row 2 still locked after ROLLBACK TO SAVEPOINT");
    assert_eq!(render(r), "UPDATE 1");
    // Errors inside the block: ROLLBACK TO clears the failed state.
    run(&mut s, "SAVEPOINT b").await;
    assert_eq!(
        run(&mut s, "INSERT INTO sp VALUES (1, 5)").await,
        "ERROR 23505: duplicate key value violates unique constraint \"sp_pkey\""
    );
    assert_eq!(
        run(&mut s, "SELECT 1").await,
        "ERROR 25P02: current transaction is aborted, commands ignored until end of transaction block"
    );
    assert_eq!(
        run(&mut s, "RELEASE SAVEPOINT b").await,
        "ERROR 25P02: current transaction is aborted, commands ignored until end of transaction block"
    );
    assert_eq!(run(&mut s, "ROLLBACK TO b").await, "ROLLBACK");
    assert_eq!(
        run(&mut s, "INSERT INTO sp VALUES (4, 4)").await,
        "INSERT 0 1"
    );
    assert_eq!(run(&mut s, "RELEASE SAVEPOINT b").await, "RELEASE");
    assert_eq!(
        run(&mut s, "ROLLBACK TO SAVEPOINT b").await,
        "ERROR 3B001: savepoint \"b\" does not exist"
    );
    assert_eq!(run(&mut s, "ROLLBACK TO SAVEPOINT a").await, "ROLLBACK");
    assert_eq!(
        run(&mut s, "INSERT INTO sp VALUES (5, 5)").await,
        "INSERT 0 1"
    );
    assert_eq!(run(&mut s, "COMMIT").await, "COMMIT");
    assert_eq!(
        run(&mut s, "SELECT * FROM sp ORDER BY id").await,
        "1|1\n2|9\n5|5"
    );
    // DDL after a savepoint is undone by ROLLBACK TO.
    run(&mut s, "BEGIN").await;
    run(&mut s, "SAVEPOINT c").await;
    run(&mut s, "CREATE TABLE tmp (a int)").await;
    run(&mut s, "ROLLBACK TO c").await;
    run(&mut s, "COMMIT").await;
    assert_eq!(
        run(&mut s, "SELECT * FROM tmp").await,
        "ERROR 42P01: relation \"tmp\" does not exist"
    );
}

#[tokio::test]
async fn new_types_survive_restart_and_index() {
    let store = Arc::new(MemStore::new());
    {
        let engine = Engine::open(store.clone()).await.unwrap();
        let mut s = engine.session();
        assert_eq!(
            run(&mut s, "CREATE TABLE nt (u uuid PRIMARY KEY, b bytea, i interval, t time, j json, jb jsonb, a int[], x text[])").await,
            "CREATE TABLE"
        );
        run(&mut s, "CREATE INDEX nt_i ON nt (i)").await;
        assert_eq!(
            run(&mut s, "INSERT INTO nt VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x0001ff', '1 mon 2 days 03:04:05.5', '12:00:01', '{\"k\": [1, 2]}', '{\"k\":[1,2]}', '{1,NULL,3}', '{\"a,b\",c}'), ('00000000-0000-0000-0000-000000000001', '', '-1 day', '00:00', '1', '\"s\"', '{}', NULL)").await,
            "INSERT 0 2"
        );
    }
    let engine = Engine::open(store).await.unwrap();
    let mut s = engine.session();
    assert_eq!(
        run(&mut s, "SELECT * FROM nt ORDER BY u").await,
        "00000000-0000-0000-0000-000000000001|\\x|-1 days|00:00:00|1|\"s\"|{}|NULL\n\
         a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|\\x0001ff|1 mon 2 days 03:04:05.5|12:00:01|{\"k\": [1, 2]}|{\"k\": [1, 2]}|{1,NULL,3}|{\"a,b\",c}"
    );
    assert_eq!(
        run(&mut s, "SELECT u FROM nt WHERE i = '32 days 03:04:05.5'").await,
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    );
    assert_eq!(
        run(
            &mut s,
            "SELECT u FROM nt WHERE u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"
        )
        .await,
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    );
    assert_eq!(
        run(&mut s, "SELECT ARRAY[]").await,
        "ERROR 42P18: cannot determine type of empty array"
    );
    assert_eq!(
        run(&mut s, "SELECT (1)[1]").await,
        "ERROR 42804: cannot subscript type integer because it does not support subscripting"
    );
    assert_eq!(
        run(&mut s, "SELECT '{{1}}'::int[]").await,
        "ERROR 0A000: multidimensional arrays is not supported"
    );
}

fn detail(r: &[Result<StatementOutput, borealis_sql::SqlError>]) -> String {
    match r.last() {
        Some(Err(e)) => format!(
            "{}: {} / {}",
            e.sqlstate,
            e.message,
            e.detail.clone().unwrap_or_default()
        ),
        _ => "no error".into(),
    }
}

#[tokio::test]
async fn foreign_keys() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    for sql in [
        "CREATE TABLE fp (id int PRIMARY KEY, code text UNIQUE)",
        "CREATE TABLE fc (id int PRIMARY KEY, pid int REFERENCES fp ON DELETE CASCADE, pcode text)",
        "CREATE TABLE fr (id int, pid int REFERENCES fp (id))",
        "INSERT INTO fp VALUES (1, 'a'), (2, 'b')",
        "INSERT INTO fr VALUES (1, 1)",
    ] {
        let r = s.execute_simple(sql).await;
        assert!(r.iter().all(|x| x.is_ok()), "{sql}: {}", detail(&r));
    }
    let r = s.execute_simple("INSERT INTO fc VALUES (1, 9, 'x')").await;
    assert_eq!(
        detail(&r),
        "23503: insert or update on table \"fc\" violates foreign key constraint \"fc_pid_fkey\" / Key (pid)=(9) is not present in table \"fp\"."
    );
    let r = s.execute_simple("DELETE FROM fp WHERE id = 1").await;
    assert_eq!(
        detail(&r),
        "23503: update or delete on table \"fp\" violates foreign key constraint \"fr_pid_fkey\" on table \"fr\" / Key (id)=(1) is still referenced from table \"fr\"."
    );
    let r = s.execute_simple("DROP TABLE fp").await;
    assert_eq!(
        detail(&r),
        "2BP01: cannot drop table fp because other objects depend on it / constraint fc_pid_fkey on table fc depends on table fp\nconstraint fr_pid_fkey on table fr depends on table fp"
    );
    // Children of existing parents, and of parents inserted earlier in the
    // same transaction; CASCADE and ROLLBACK TO SAVEPOINT together.
    assert_eq!(
        run(&mut s, "INSERT INTO fc VALUES (1, 2, NULL)").await,
        "INSERT 0 1"
    );
    run(&mut s, "BEGIN").await;
    run(&mut s, "INSERT INTO fp VALUES (3, 'c')").await;
    run(&mut s, "SAVEPOINT a").await;
    assert_eq!(
        run(&mut s, "INSERT INTO fc VALUES (2, 3, NULL)").await,
        "INSERT 0 1"
    );
    assert_eq!(run(&mut s, "DELETE FROM fp WHERE id = 3").await, "DELETE 1");
    assert_eq!(run(&mut s, "SELECT count(*) FROM fc").await, "1");
    run(&mut s, "ROLLBACK TO a").await;
    assert_eq!(
        run(&mut s, "SELECT id FROM fp ORDER BY id").await,
        "1\n2\n3"
    );
    run(&mut s, "COMMIT").await;
    assert_eq!(
        run(&mut s, "UPDATE fc SET pid = 42").await,
        "ERROR 23503: insert or update on table \"fc\" violates foreign key constraint \"fc_pid_fkey\""
    );
}

#[tokio::test]
async fn drop_column_layout_survives_restart() {
    let store = Arc::new(MemStore::new());
    {
        let engine = Engine::open(store.clone()).await.unwrap();
        let mut s = engine.session();
        for sql in [
            "CREATE TABLE p (id int PRIMARY KEY, k int UNIQUE, junk text)",
            "CREATE TABLE c (id int PRIMARY KEY, pk int REFERENCES p (k))",
            "INSERT INTO p VALUES (1, 10, 'j1'), (2, 20, 'j2')",
            "CREATE INDEX p_junk ON p (junk)",
        ] {
            assert!(!run(&mut s, sql).await.starts_with("ERROR"), "{sql}");
        }
        let r = s.execute_simple("ALTER TABLE p DROP COLUMN k").await;
        assert_eq!(
            detail(&r),
            "2BP01: cannot drop column k of table p because other objects depend on it / constraint c_pk_fkey on table c depends on column k of table p"
        );
        assert_eq!(
            run(&mut s, "ALTER TABLE p DROP COLUMN id").await,
            "ERROR 0A000: dropping a column of the primary key is not supported"
        );
        assert_eq!(
            run(&mut s, "ALTER TABLE p DROP COLUMN junk").await,
            "ALTER TABLE"
        );
        run(&mut s, "ALTER TABLE p ADD COLUMN junk int DEFAULT 7").await;
        run(&mut s, "INSERT INTO p VALUES (3, 30, 8)").await;
        run(&mut s, "INSERT INTO c VALUES (1, 30)").await;
    }
    let engine = Engine::open(store).await.unwrap();
    let mut s = engine.session();
    assert_eq!(
        run(&mut s, "SELECT * FROM p ORDER BY id").await,
        "1|10|7\n2|20|7\n3|30|8"
    );
    assert_eq!(run(&mut s, "SELECT id FROM p WHERE k = 20").await, "2");
    assert_eq!(
        run(&mut s, "DELETE FROM p WHERE id = 3").await,
        "ERROR 23503: update or delete on table \"p\" violates foreign key constraint \"c_pk_fkey\" on table \"c\""
    );
    // ADD PRIMARY KEY rewrites rows in logical layout.
    run(&mut s, "CREATE TABLE q (a int, b text, c int)").await;
    run(&mut s, "INSERT INTO q VALUES (1, 'x', 5), (2, 'y', 6)").await;
    run(&mut s, "ALTER TABLE q DROP COLUMN b").await;
    assert_eq!(
        run(&mut s, "ALTER TABLE q ADD PRIMARY KEY (c)").await,
        "ALTER TABLE"
    );
    assert_eq!(run(&mut s, "SELECT * FROM q ORDER BY c").await, "1|5\n2|6");
    assert_eq!(
        run(&mut s, "UPDATE q SET a = a + 10 WHERE c = 6").await,
        "UPDATE 1"
    );
    assert_eq!(run(&mut s, "SELECT * FROM q ORDER BY c").await, "1|5\n12|6");
}

#[tokio::test]
async fn alter_column_type_rewrites_rows_and_indexes_durably() {
    let store = Arc::new(MemStore::new());
    {
        let engine = Engine::open(store.clone()).await.unwrap();
        let mut s = engine.session();
        for sql in [
            "CREATE TABLE acct (id int PRIMARY KEY, code text, amount numeric(8,2))",
            "CREATE INDEX acct_amount ON acct (amount)",
            "CREATE UNIQUE INDEX acct_code ON acct (code)",
            "INSERT INTO acct SELECT g, (g * 10)::text, g * 1.25 FROM generate_series(1, 50) g",
            "CREATE TABLE plain (a int, b text)",
            "INSERT INTO plain VALUES (1, '1'), (1, '1'), (2, '2')",
        ] {
            assert!(!run(&mut s, sql).await.starts_with("ERROR"), "{sql}");
        }
        assert_eq!(
            run(
                &mut s,
                "ALTER TABLE acct ALTER COLUMN code TYPE bigint USING code::bigint, \
                 ALTER COLUMN id TYPE bigint, ALTER COLUMN amount TYPE int"
            )
            .await,
            "ALTER TABLE"
        );
        assert_eq!(
            run(
                &mut s,
                "ALTER TABLE plain ALTER COLUMN b TYPE int USING b::int"
            )
            .await,
            "ALTER TABLE"
        );
    }
    let engine = Engine::open(store).await.unwrap();
    let mut s = engine.session();
    assert_eq!(
        run(&mut s, "SELECT count(*), sum(code), sum(amount) FROM acct").await,
        "50|12750|1600"
    );
    // Each index answers with the new types.
    assert_eq!(
        run(&mut s, "SELECT id FROM acct WHERE code = 200").await,
        "20"
    );
    assert_eq!(
        run(&mut s, "SELECT id FROM acct WHERE amount = 25 ORDER BY id").await,
        "20"
    );
    assert_eq!(
        run(&mut s, "INSERT INTO acct VALUES (99, 200, 1)").await,
        "ERROR 23505: duplicate key value violates unique constraint \"acct_code\""
    );
    assert_eq!(
        run(
            &mut s,
            "INSERT INTO acct VALUES (5000000000, 5000000000, 1)"
        )
        .await,
        "INSERT 0 1"
    );
    // A table keyed by row ids keeps every row, duplicates included.
    assert_eq!(
        run(&mut s, "SELECT a, b + 1 FROM plain ORDER BY a").await,
        "1|2\n1|2\n2|3"
    );
    assert_eq!(
        run(&mut s, "DELETE FROM plain WHERE b = 1").await,
        "DELETE 2"
    );
}

#[tokio::test]
async fn standard_conforming_strings_off_makes_backslash_an_escape() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    assert_eq!(
        run(&mut s, r"SELECT 'a\\b', length('a\\b')").await,
        r"a\\b|4"
    );
    assert_eq!(
        run(&mut s, "SET standard_conforming_strings = off").await,
        "SET"
    );
    // The setting applies from the next query string on, as in PostgreSQL.
    assert_eq!(
        run(
            &mut s,
            r"SELECT 'a\\b', 'it\'s', 'tab\there' = E'tab\there'"
        )
        .await,
        r"a\b|it's|t"
    );
    let warnings = s.take_notices();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert_eq!(
        warnings[0].message,
        r"nonstandard use of \\ in a string literal"
    );
    assert_eq!(warnings[0].position, Some(8));
    assert_eq!(
        run(&mut s, "SELECT U&'x'").await,
        "ERROR 0A000: unsafe use of string constant with Unicode escapes"
    );
    run(&mut s, "SET escape_string_warning = off").await;
    assert_eq!(run(&mut s, r"SELECT 'a\\b'").await, r"a\b");
    assert!(s.take_notices().is_empty());
    run(&mut s, "RESET standard_conforming_strings").await;
    assert_eq!(run(&mut s, r"SELECT 'a\\b'").await, r"a\\b");
}

#[tokio::test]
async fn a_statement_dropped_inside_a_block_aborts_the_block() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    run(&mut s, "CREATE TABLE drop_mid (id int PRIMARY KEY, v int)").await;
    run(
        &mut s,
        "INSERT INTO drop_mid SELECT g, 0 FROM generate_series(1, 200000) g",
    )
    .await;
    run(&mut s, "BEGIN").await;
    // The UPDATE's future is dropped part-way, as a cancel or a statement
    // timeout at the endpoint drops it.
    let dropped = tokio::time::timeout(
        std::time::Duration::from_millis(50),
        s.execute_simple("UPDATE drop_mid SET v = 1"),
    )
    .await;
    assert!(dropped.is_err(), "the UPDATE finished before the timeout");
    assert_eq!(
        run(&mut s, "SELECT 1").await,
        "ERROR 25P02: current transaction is aborted, commands ignored until end of transaction block"
    );
    assert_eq!(run(&mut s, "COMMIT").await, "ROLLBACK");
    assert_eq!(
        run(&mut s, "SELECT count(*) FROM drop_mid WHERE v = 1").await,
        "0"
    );
}

#[tokio::test]
async fn lock_timeout_ends_a_row_lock_wait_with_55p03() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut a = engine.session();
    let mut b = engine.session();
    run(&mut a, "CREATE TABLE lt (id int PRIMARY KEY, v int)").await;
    run(&mut a, "INSERT INTO lt VALUES (1, 0), (2, 0)").await;
    run(&mut a, "BEGIN").await;
    run(&mut a, "UPDATE lt SET v = 1 WHERE id = 1").await;
    assert_eq!(run(&mut b, "SET lock_timeout = '50ms'").await, "SET");
    assert_eq!(run(&mut b, "SHOW lock_timeout").await, "50ms");
    assert_eq!(
        run(&mut b, "UPDATE lt SET v = 2 WHERE id = 1").await,
        "ERROR 55P03: canceling statement due to lock timeout"
    );
    // Rows nobody holds are not waited for.
    assert_eq!(
        run(&mut b, "UPDATE lt SET v = 2 WHERE id = 2").await,
        "UPDATE 1"
    );
    assert_eq!(
        run(&mut b, "SET lock_timeout = '-1'").await,
        "ERROR 22023: -1 ms is outside the valid range for parameter \"lock_timeout\" (0 .. 2147483647)"
    );
    run(&mut a, "COMMIT").await;
    assert_eq!(
        run(&mut b, "UPDATE lt SET v = 2 WHERE id = 1").await,
        "UPDATE 1"
    );
    assert_eq!(
        run(&mut b, "SET lock_timeout = '2min'; SHOW lock_timeout").await,
        "SET\n2min"
    );
}

#[tokio::test]
async fn statement_timeout_cancels_with_57014() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    let slow = "SELECT count(*) FROM generate_series(1, 1000000000)";
    assert_eq!(run(&mut s, "SET statement_timeout = '100ms'").await, "SET");
    assert_eq!(run(&mut s, "SHOW statement_timeout").await, "100ms");
    assert_eq!(
        run(&mut s, slow).await,
        "ERROR 57014: canceling statement due to statement timeout"
    );
    assert_eq!(run(&mut s, "SELECT 1").await, "1");
    // Inside a block the timeout aborts the block, as in PostgreSQL.
    run(&mut s, "CREATE TABLE st (a int)").await;
    run(&mut s, "BEGIN").await;
    run(&mut s, "INSERT INTO st VALUES (1)").await;
    assert_eq!(
        run(&mut s, slow).await,
        "ERROR 57014: canceling statement due to statement timeout"
    );
    assert!(run(&mut s, "SELECT 1").await.starts_with("ERROR 25P02"));
    assert_eq!(run(&mut s, "COMMIT").await, "ROLLBACK");
    assert_eq!(run(&mut s, "SELECT count(*) FROM st").await, "0");
    // A streamed query's fetches share one deadline.
    let streamed = s.execute_simple_streaming(slow).await;
    let cursor = match streamed.into_iter().next() {
        Some(Ok(borealis_sql::Streamed::Cursor(c))) => c.id,
        other => panic!("expected a cursor, got {other:?}"),
    };
    let err = s.fetch(cursor, 1000).await.unwrap_err();
    assert_eq!(err.sqlstate, "57014");
    assert_eq!(
        run(&mut s, "SET statement_timeout = 0; SELECT 2").await,
        "SET\n2"
    );
}
