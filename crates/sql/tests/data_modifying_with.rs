//! Data-modifying WITH queries (`WITH x AS (INSERT ... RETURNING ...)`)
//! through the SQL interface, simple and extended protocol, with
//! PostgreSQL 15's results: every top-level INSERT/UPDATE/DELETE form,
//! run exactly once, atomically with the statement; and what a role
//! without SELECT sees of a failing row.

mod support;

use support::{check, memory_engine, render};

#[tokio::test]
async fn with_queries_take_every_insert_form_and_run_once() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE w (a int, b text) PARTITION BY RANGE (a)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE w1 PARTITION OF w FOR VALUES FROM (1) TO (10)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE w2 PARTITION OF w FOR VALUES FROM (10) TO (20)",
                "CREATE TABLE",
            ),
            // A column list and a SELECT source, RETURNING renamed by the WITH.
            (
                "WITH ins (x, y, t) AS (INSERT INTO w (b, a) SELECT 'v' || s, s \
                 FROM generate_series(1, 15) s RETURNING *, tableoid::regclass) \
                 SELECT t, count(*), min(x), max(y) FROM ins GROUP BY t ORDER BY 1",
                "w1|9|1|v9\nw2|6|10|v15",
            ),
            (
                "WITH d AS (DELETE FROM w WHERE a > 12 RETURNING a), \
                 u AS (UPDATE w SET b = 'u' WHERE a < 3 RETURNING a) \
                 SELECT (SELECT count(*) FROM d), (SELECT sum(a) FROM u)",
                "3|3",
            ),
            // A WITH query feeding a top-level INSERT.
            (
                "WITH moved AS (DELETE FROM w WHERE a BETWEEN 5 AND 6 RETURNING a, b) \
                 INSERT INTO w SELECT a + 10, b FROM moved RETURNING *",
                "15|v5\n16|v6",
            ),
            // Run even when nothing reads it; read twice, run once.
            ("WITH x AS (INSERT INTO w VALUES (9, 'nine')) SELECT 1", "1"),
            (
                "WITH ins AS (INSERT INTO w VALUES (7, 'once') RETURNING a) \
                 SELECT (SELECT count(*) FROM ins), (SELECT sum(a) FROM ins)",
                "1|7",
            ),
            // A later WITH query reads an earlier one's rows.
            (
                "WITH a1 AS (INSERT INTO w VALUES (4, 'chain') RETURNING a), \
                 a2 AS (INSERT INTO w SELECT a + 10, 'chained' FROM a1 RETURNING a) \
                 SELECT * FROM a2",
                "14",
            ),
            (
                "WITH x AS (INSERT INTO w VALUES (8, 'e')) SELECT * FROM x",
                "ERROR 0A000: WITH query \"x\" does not have a RETURNING clause",
            ),
            // The statement fails: the WITH query's row is not kept.
            (
                "WITH ins AS (INSERT INTO w VALUES (3, 'x') RETURNING a) SELECT 1/0 FROM ins",
                "ERROR 22012: division by zero",
            ),
            (
                "SELECT a, b FROM w WHERE a IN (3, 4, 7, 8, 9, 14) ORDER BY a, b",
                "3|v3\n4|chain\n4|v4\n7|once\n7|v7\n8|v8\n9|nine\n9|v9\n14|chained",
            ),
            ("SELECT count(*) FROM w", "16"),
        ],
    )
    .await;
}

#[tokio::test]
async fn with_queries_run_inside_an_open_transaction() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int)", "CREATE TABLE"),
            ("BEGIN", "BEGIN"),
            ("WITH i AS (INSERT INTO t VALUES (1), (2) RETURNING a) SELECT sum(a) FROM i", "3"),
            ("ROLLBACK", "ROLLBACK"),
            ("SELECT count(*) FROM t", "0"),
            ("BEGIN", "BEGIN"),
            ("WITH i AS (INSERT INTO t VALUES (5) RETURNING a) SELECT a / 0 FROM i", "ERROR 22012: division by zero"),
            (
                "SELECT 1",
                "ERROR 25P02: current transaction is aborted, commands ignored until end of transaction block",
            ),
            ("ROLLBACK", "ROLLBACK"),
            ("SELECT count(*) FROM t", "0"),
        ],
    )
    .await;
}

#[tokio::test]
async fn with_queries_below_the_top_level_are_refused_not_skipped() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int)", "CREATE TABLE"),
            (
                "SELECT * FROM (WITH x AS (INSERT INTO t VALUES (1) RETURNING a) SELECT * FROM x) s",
                "ERROR 0A000: a data-modifying statement in WITH below the top level of a client's statement is not supported",
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS \
                 $$ WITH x AS (INSERT INTO t VALUES (2)) SELECT 1 $$",
                "CREATE FUNCTION",
            ),
            (
                "SELECT f()",
                "ERROR 0A000: a data-modifying statement in WITH below the top level of a client's statement is not supported",
            ),
            ("SELECT count(*) FROM t", "0"),
        ],
    )
    .await;
}

#[tokio::test]
async fn prepared_with_queries_bind_parameters_and_run_each_execute() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[("CREATE TABLE t (a int, b text)", "CREATE TABLE")],
    )
    .await;
    let prepared = s
        .prepare(
            "WITH i AS (INSERT INTO t VALUES ($1, $2) RETURNING a, b) SELECT a + 1, b FROM i",
            &[],
        )
        .await
        .expect("prepares");
    assert_eq!(prepared.param_types, [23, 25], "int4 and text parameters");
    let names: Vec<&str> = prepared.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["?column?", "b"]);
    for (a, b) in [("1", "one"), ("2", "two")] {
        let out = s
            .execute_prepared(&prepared, &[Some(a.into()), Some(b.into())])
            .await;
        let want = format!("{}|{b}", a.parse::<i32>().expect("a number") + 1);
        assert_eq!(render(vec![out]), want);
    }
    // Not read by the primary query, still run at every Execute.
    let unread = s
        .prepare("WITH i AS (INSERT INTO t VALUES ($1, 'u')) SELECT 0", &[])
        .await
        .expect("prepares");
    let out = s.execute_prepared(&unread, &[Some("3".into())]).await;
    assert_eq!(render(vec![out]), "0");
    check(
        &mut s,
        &[("SELECT a, b FROM t ORDER BY a", "1|one\n2|two\n3|u")],
    )
    .await;
}

#[tokio::test]
async fn a_role_without_select_sees_only_the_columns_it_writes() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE bt (a int, b text) PARTITION BY LIST (a)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE bt1 PARTITION OF bt FOR VALUES IN (1)",
                "CREATE TABLE",
            ),
            (
                "CREATE FUNCTION bt_f() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ begin new.a := 2; return new; end $$",
                "CREATE FUNCTION",
            ),
            (
                "CREATE TRIGGER bt_t BEFORE INSERT ON bt1 FOR EACH ROW EXECUTE PROCEDURE bt_f()",
                "CREATE TRIGGER",
            ),
            ("CREATE TABLE bt_log (n int)", "CREATE TABLE"),
            ("CREATE ROLE writer", "CREATE ROLE"),
            ("GRANT INSERT ON bt, bt_log TO writer", "GRANT"),
        ],
    )
    .await;
    let detail = |results: Vec<Result<_, borealis_sql::SqlError>>| {
        let e = results
            .into_iter()
            .find_map(Result::err)
            .expect("the statement fails");
        assert_eq!(
            e.message,
            "new row for relation \"bt1\" violates partition constraint"
        );
        e.detail
    };
    let owner = s.execute_simple("INSERT INTO bt VALUES (1, 'hi')").await;
    assert_eq!(
        detail(owner).as_deref(),
        Some("Failing row contains (2, hi).")
    );
    // RETURNING 1 reads no column: INSERT alone suffices, as in PostgreSQL.
    let cte = s
        .execute_simple(
            "SET ROLE writer; WITH r AS (INSERT INTO bt VALUES (1, 'hi') RETURNING 1) \
             INSERT INTO bt_log SELECT * FROM r",
        )
        .await;
    assert_eq!(
        detail(cte).as_deref(),
        Some("Failing row contains (a, b) = (2, hi).")
    );
    // The failed statement undid its SET ROLE, as PostgreSQL's implicit
    // transaction does: each statement below sets the role again.
    let one_column = s
        .execute_simple("SET ROLE writer; INSERT INTO bt (a) VALUES (1)")
        .await;
    assert_eq!(
        detail(one_column).as_deref(),
        Some("Failing row contains (a) = (2).")
    );
    check(
        &mut s,
        &[(
            "SET ROLE writer; INSERT INTO bt VALUES (1, 'hi') RETURNING b",
            "SET\nERROR 42501: permission denied for table bt",
        )],
    )
    .await;
    check(
        &mut s,
        &[
            ("RESET ROLE", "RESET"),
            ("GRANT SELECT (b) ON bt TO writer", "GRANT"),
        ],
    )
    .await;
    let granted = s
        .execute_simple("SET ROLE writer; INSERT INTO bt (a) VALUES (1)")
        .await;
    assert_eq!(
        detail(granted).as_deref(),
        Some("Failing row contains (a, b) = (2, null).")
    );
}

#[tokio::test]
async fn every_part_reads_the_tables_as_the_statement_began() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE t (id int PRIMARY KEY, x int)", "CREATE TABLE"),
            ("INSERT INTO t VALUES (1, 0), (2, 0)", "INSERT 0 2"),
            // The primary statement counts the rows the WITH query deletes.
            (
                "WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM t",
                "2",
            ),
            ("SELECT count(*) FROM t", "0"),
            ("INSERT INTO t VALUES (1, 0), (2, 0)", "INSERT 0 2"),
            // Nor does it see a row a WITH query inserts, only its RETURNING.
            (
                "WITH i AS (INSERT INTO t VALUES (3, 0) RETURNING id) \
                 SELECT string_agg(id::text, ',' ORDER BY id), (SELECT id FROM i) FROM t",
                "1,2|3",
            ),
            ("DELETE FROM t WHERE id = 3", "DELETE 1"),
            // The rows a WITH query updated, beside the same rows as before.
            (
                "WITH a AS (UPDATE t SET x = 8 WHERE id = 1 RETURNING *) \
                 SELECT a.x, t.x FROM a, t WHERE a.id = t.id",
                "8|0",
            ),
            // Inside a block: the rows the block wrote before the statement
            // are seen, not those the statement writes.
            ("BEGIN", "BEGIN"),
            ("INSERT INTO t VALUES (4, 0)", "INSERT 0 1"),
            (
                "WITH d AS (DELETE FROM t WHERE id = 4 RETURNING id), \
                 i AS (INSERT INTO t VALUES (5, 0) RETURNING id) \
                 SELECT string_agg(id::text, ',' ORDER BY id) FROM t",
                "1,2,4",
            ),
            (
                "SELECT string_agg(id::text, ',' ORDER BY id) FROM t",
                "1,2,5",
            ),
            ("ROLLBACK", "ROLLBACK"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_row_two_parts_modify_is_modified_once_in_postgresql_order() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE t (id int PRIMARY KEY, x int)", "CREATE TABLE"),
            ("INSERT INTO t VALUES (1, 0), (2, 0)", "INSERT 0 2"),
            // Read first, run first: the second UPDATE leaves the row alone.
            (
                "WITH a AS (UPDATE t SET x = 1 WHERE id = 1 RETURNING *), \
                 b AS (UPDATE t SET x = 2 WHERE id = 1 RETURNING *) \
                 SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM b)",
                "1|0",
            ),
            ("SELECT x FROM t WHERE id = 1", "1"),
            // Unread: they run after the primary statement, the last first.
            (
                "WITH a AS (UPDATE t SET x = 3 WHERE id = 1 RETURNING *), \
                 b AS (UPDATE t SET x = 4 WHERE id = 1 RETURNING *) SELECT 1",
                "1",
            ),
            ("SELECT x FROM t WHERE id = 1", "4"),
            // The primary statement first, then the WITH query nothing read.
            (
                "WITH a AS (UPDATE t SET x = 5 WHERE id = 1 RETURNING *) \
                 UPDATE t SET x = 6 WHERE id = 1",
                "UPDATE 1",
            ),
            ("SELECT x FROM t WHERE id = 1", "6"),
            (
                "WITH a AS (DELETE FROM t WHERE id = 1 RETURNING *) \
                 UPDATE t SET x = 7 WHERE id = 1 RETURNING x",
                "7",
            ),
            ("SELECT x FROM t WHERE id = 1", "7"),
            // Read by the primary statement: the WITH query wins.
            (
                "WITH a AS (UPDATE t SET x = 9 WHERE id = 1 RETURNING *) \
                 UPDATE t SET x = x + 10 WHERE id IN (SELECT id FROM a)",
                "UPDATE 0",
            ),
            ("SELECT x FROM t WHERE id = 1", "9"),
            // The INSERT runs first: the row to delete is still there.
            (
                "WITH d AS (DELETE FROM t WHERE id = 1 RETURNING *) \
                 INSERT INTO t VALUES (1, 42)",
                "ERROR 23505: duplicate key value violates unique constraint \"t_pkey\"",
            ),
            ("SELECT x FROM t WHERE id = 1", "9"),
        ],
    )
    .await;
}

#[tokio::test]
async fn foreign_keys_are_checked_at_the_end_of_the_whole_statement() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE p (id int PRIMARY KEY)", "CREATE TABLE"),
            ("CREATE TABLE c (pid int REFERENCES p)", "CREATE TABLE"),
            // The child row goes in first; its parent is there at the end.
            (
                "WITH i AS (INSERT INTO p VALUES (1) RETURNING *) INSERT INTO c VALUES (1)",
                "INSERT 0 1",
            ),
            (
                "WITH d AS (DELETE FROM c RETURNING *) DELETE FROM p RETURNING *",
                "1",
            ),
            ("INSERT INTO p VALUES (2)", "INSERT 0 1"),
            ("INSERT INTO c VALUES (2)", "INSERT 0 1"),
            (
                "WITH d AS (DELETE FROM p RETURNING *) SELECT count(*) FROM c",
                "ERROR 23503: update or delete on table \"p\" violates foreign key constraint \"c_pid_fkey\" on table \"c\"",
            ),
            (
                "WITH i AS (INSERT INTO c VALUES (3) RETURNING *) SELECT 1",
                "ERROR 23503: insert or update on table \"c\" violates foreign key constraint \"c_pid_fkey\"",
            ),
            ("SELECT count(*) FROM p", "1"),
            ("SELECT count(*) FROM c", "1"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_prepared_with_statement_runs_under_statement_timeout() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int)", "CREATE TABLE"),
            ("SET statement_timeout = '100ms'", "SET"),
        ],
    )
    .await;
    let slow = s
        .prepare(
            "WITH i AS (INSERT INTO t VALUES ($1) RETURNING a) \
             SELECT (SELECT sum(a) FROM i) + count(*) FROM generate_series(1, 1000000000)",
            &[],
        )
        .await
        .expect("prepares");
    let out = s.execute_prepared(&slow, &[Some("1".into())]).await;
    assert_eq!(
        render(vec![out]),
        "ERROR 57014: canceling statement due to statement timeout"
    );
    // Nothing of the cancelled statement stays.
    check(
        &mut s,
        &[
            ("SET statement_timeout = 0", "SET"),
            ("SELECT count(*) FROM t", "0"),
        ],
    )
    .await;
}
