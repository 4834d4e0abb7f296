//! User-defined functions and DO blocks through the SQL interface:
//! LANGUAGE sql and plpgsql, overloading, defaults and named arguments,
//! set-returning functions in FROM, the PL/pgSQL statements applications
//! use, exceptions with subtransaction rollback, RAISE notices, recursion
//! limits, DROP FUNCTION rules, transactional DDL and restart.

use std::sync::Arc;

mod support;

use borealis_sql::{Engine, MemStore, Session};
use support::{check, memory_engine};

async fn session() -> Session {
    memory_engine().await.session()
}

#[tokio::test]
async fn sql_functions_overloads_defaults() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int PRIMARY KEY, b text)", "CREATE TABLE"),
            ("INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')", "INSERT 0 3"),
            ("CREATE FUNCTION add(a int, b int DEFAULT 10) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$", "CREATE FUNCTION"),
            ("SELECT add(1, 2), add(5), add(b => 1, a => 2)", "3|15|3"),
            ("CREATE FUNCTION add(a text, b text) RETURNS text AS 'SELECT $1 || $2' LANGUAGE sql", "CREATE FUNCTION"),
            ("SELECT add('x'::text, 'y'), add(1, 1)", "xy|2"),
            ("SELECT add(1.5, 2)", "ERROR 42883: function add(numeric, integer) does not exist"),
            ("CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT 0'", "ERROR 42723: function \"add\" already exists with same argument types"),
            ("CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS bigint LANGUAGE sql AS 'SELECT 0'", "ERROR 42P13: cannot change return type of existing function"),
            ("CREATE FUNCTION name_of(int) RETURNS text STABLE STRICT LANGUAGE sql AS 'SELECT b FROM t WHERE a = $1'", "CREATE FUNCTION"),
            ("SELECT a, name_of(a) FROM t WHERE name_of(a) <> 'two' ORDER BY a", "1|one\n3|three"),
            ("SELECT name_of(NULL) IS NULL", "t"),
            ("CREATE FUNCTION big(n int) RETURNS SETOF t LANGUAGE sql AS 'SELECT * FROM t WHERE a >= n ORDER BY a'", "CREATE FUNCTION"),
            ("SELECT b, a FROM big(2)", "two|2\nthree|3"),
            ("CREATE FUNCTION nope() RETURNS SETOF nosuch LANGUAGE sql AS 'SELECT 1'", "ERROR 42704: type \"nosuch\" does not exist"),
            ("CREATE FUNCTION above(n int) RETURNS TABLE(a int, b text) LANGUAGE sql AS 'SELECT a, b FROM t WHERE a >= n ORDER BY a'", "CREATE FUNCTION"),
            ("SELECT * FROM above(2)", "2|two\n3|three"),
            ("SELECT x.b FROM above(3) x", "three"),
            ("CREATE FUNCTION ins(x int) RETURNS void LANGUAGE sql AS 'INSERT INTO t VALUES (x, ''new'')'", "CREATE FUNCTION"),
            ("SELECT ins(4)", ""),
            ("SELECT count(*) FROM t", "4"),
            ("SELECT nosuch(1)", "ERROR 42883: function nosuch(integer) does not exist"),
            ("DROP FUNCTION add", "ERROR 42725: function name \"add\" is not unique"),
            ("DROP FUNCTION add(text, text)", "DROP FUNCTION"),
            ("DROP FUNCTION add(int)", "ERROR 42883: function add(integer) does not exist"),
            ("DROP FUNCTION IF EXISTS add(int)", "DROP FUNCTION"),
            ("DROP FUNCTION add", "DROP FUNCTION"),
            ("SELECT add(1, 2)", "ERROR 42883: function add(integer, integer) does not exist"),
        ],
    )
    .await;
}

#[tokio::test]
async fn plpgsql_control_flow_and_sql() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int PRIMARY KEY, b text)", "CREATE TABLE"),
            (
                "CREATE FUNCTION fill(n int) RETURNS int LANGUAGE plpgsql AS $$
                 DECLARE
                   total int := 0;
                   r record;
                   c bigint;
                 BEGIN
                   FOR i IN 1..n LOOP
                     CONTINUE WHEN i = 2;
                     INSERT INTO t VALUES (i, 'v' || i);
                   END LOOP;
                   GET DIAGNOSTICS c = ROW_COUNT;
                   FOR r IN SELECT a FROM t ORDER BY a LOOP
                     total := total + r.a;
                   END LOOP;
                   WHILE total < 100 LOOP total := total * 2; END LOOP;
                   <<outer>> LOOP
                     total := total + 1;
                     EXIT outer WHEN total % 5 = 0;
                   END LOOP;
                   IF total > 1000 THEN RETURN -1;
                   ELSIF total > 100 THEN RETURN total;
                   ELSE RETURN 0;
                   END IF;
                 END $$",
                "CREATE FUNCTION",
            ),
            // 1+3+4 = 8 -> 128 -> 130.
            ("SELECT fill(4)", "130"),
            ("SELECT a, b FROM t ORDER BY a", "1|v1\n3|v3\n4|v4"),
            (
                "CREATE FUNCTION lookup(k int, OUT found_it boolean, OUT val text) LANGUAGE plpgsql AS $$
                 BEGIN
                   SELECT b INTO val FROM t WHERE a = k;
                   found_it := FOUND;
                 END $$",
                "CREATE FUNCTION",
            ),
            ("SELECT * FROM lookup(3)", "t|v3"),
            ("SELECT * FROM lookup(2)", "f|NULL"),
            ("SELECT lookup(1)", "(t,v1)"),
            (
                "CREATE FUNCTION strict_get(k int) RETURNS text LANGUAGE plpgsql AS $$
                 DECLARE v t.b%TYPE;
                 BEGIN SELECT b INTO STRICT v FROM t WHERE a >= k; RETURN v; END $$",
                "CREATE FUNCTION",
            ),
            ("SELECT strict_get(4)", "v4"),
            ("SELECT strict_get(9)", "ERROR P0002: query returned no rows"),
            ("SELECT strict_get(1)", "ERROR P0003: query returned more than one row"),
            (
                "CREATE FUNCTION evens(n int) RETURNS SETOF int LANGUAGE plpgsql AS $$
                 BEGIN
                   FOR i IN REVERSE n..1 BY 2 LOOP RETURN NEXT i; END LOOP;
                   RETURN QUERY SELECT a * 100 FROM t WHERE a < 3;
                 END $$",
                "CREATE FUNCTION",
            ),
            ("SELECT * FROM evens(5)", "5\n3\n1\n100"),
            (
                "CREATE FUNCTION kind(x int) RETURNS text LANGUAGE plpgsql AS $$
                 BEGIN
                   CASE x WHEN 1, 2 THEN RETURN 'small'; WHEN 3 THEN RETURN 'three'; END CASE;
                   RETURN 'unreached';
                 END $$",
                "CREATE FUNCTION",
            ),
            ("SELECT kind(2), kind(3)", "small|three"),
            ("SELECT kind(7)", "ERROR 20000: case not found"),
            (
                "CREATE FUNCTION dyn(tab text, k int) RETURNS text LANGUAGE plpgsql AS $$
                 DECLARE res text;
                 BEGIN
                   EXECUTE 'SELECT b FROM ' || tab || ' WHERE a = $1' INTO res USING k;
                   RETURN res;
                 END $$",
                "CREATE FUNCTION",
            ),
            ("SELECT dyn('t', 3)", "v3"),
            (
                "CREATE FUNCTION bad() RETURNS int LANGUAGE plpgsql AS $$ BEGIN SELECT 1; RETURN 1; END $$",
                "CREATE FUNCTION",
            ),
            ("SELECT bad()", "ERROR 42601: query has no destination for result data"),
            (
                "CREATE FUNCTION noret() RETURNS int LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$",
                "CREATE FUNCTION",
            ),
            ("SELECT noret()", "ERROR 2F005: control reached end of function without RETURN"),
            (
                "CREATE FUNCTION broken() RETURNS int LANGUAGE plpgsql AS $$ BEGIN IF THEN END IF; END $$",
                "ERROR 42601: syntax error at or near \"THEN\"",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn exceptions_raise_and_do_blocks() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int PRIMARY KEY)", "CREATE TABLE"),
            (
                "CREATE FUNCTION safe_insert(x int) RETURNS text LANGUAGE plpgsql AS $$
                 BEGIN
                   INSERT INTO t VALUES (x);
                   INSERT INTO t VALUES (x + 1000);
                   PERFORM 1 / (x - x);
                   RETURN 'inserted';
                 EXCEPTION
                   WHEN unique_violation THEN RETURN 'duplicate';
                   WHEN division_by_zero THEN
                     RAISE NOTICE 'caught % (%)', SQLERRM, SQLSTATE;
                     RETURN 'rolled back';
                 END $$",
                "CREATE FUNCTION",
            ),
            ("SELECT safe_insert(1)", "rolled back"),
            // The block's inserts were rolled back with its subtransaction.
            ("SELECT count(*) FROM t", "0"),
            ("INSERT INTO t VALUES (5)", "INSERT 0 1"),
            ("SELECT safe_insert(5)", "duplicate"),
            (
                "DO $$ BEGIN RAISE EXCEPTION 'custom % failure', 'big' USING ERRCODE = 'P1234', HINT = 'try again'; END $$",
                "ERROR P1234: custom big failure",
            ),
            (
                "DO $$ BEGIN RAISE division_by_zero; EXCEPTION WHEN data_exception THEN RAISE NOTICE 'class caught'; END $$",
                "DO",
            ),
            (
                "DO $$ DECLARE n int; BEGIN SELECT count(*) INTO n FROM t; IF n = 1 THEN INSERT INTO t VALUES (6); END IF; END $$",
                "DO",
            ),
            ("SELECT a FROM t ORDER BY a", "5\n6"),
            (
                "DO $$ BEGIN BEGIN RAISE EXCEPTION 'inner'; EXCEPTION WHEN others THEN RAISE; END; END $$",
                "ERROR P0001: inner",
            ),
            ("DO $$ BEGIN x := 1; END $$", "ERROR 42601: \"x\" is not a known variable"),
            ("DO LANGUAGE plpgsql $$ BEGIN NULL; END $$", "DO"),
            (
                "DO $$ DECLARE r record; BEGIN SELECT 1 AS x, 'a b' AS y INTO r; RAISE NOTICE 'row %', r; END $$",
                "DO",
            ),
            ("DO $$ BEGIN NULL; END $$ LANGUAGE sql", "ERROR 42704: language \"sql\" does not exist"),
        ],
    )
    .await;
    let notices: Vec<String> = s
        .take_notices()
        .into_iter()
        .map(|n| format!("{}: {}", n.severity, n.message))
        .collect();
    assert_eq!(
        notices,
        vec![
            "NOTICE: caught division by zero (22012)".to_string(),
            "NOTICE: class caught".to_string(),
            "NOTICE: row (1,\"a b\")".to_string(),
        ]
    );
}

/// On an 8 MiB stack, the size the server's runtime threads get: runaway
/// recursion stops with 54001 before the stack runs out.
#[test]
fn recursion_is_bounded_and_transactions_apply() {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(recursion_scenario());
        })
        .unwrap()
        .join()
        .unwrap();
}

async fn recursion_scenario() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            (
                "CREATE FUNCTION fib(n int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
                 BEGIN IF n < 2 THEN RETURN n; END IF; RETURN fib(n - 1) + fib(n - 2); END $$",
                "CREATE FUNCTION",
            ),
            ("SELECT fib(12)", "144"),
            (
                "CREATE FUNCTION forever(n int) RETURNS int LANGUAGE sql AS 'SELECT forever(n + 1)'",
                "CREATE FUNCTION",
            ),
            ("SELECT forever(1)", "ERROR 54001: stack depth limit exceeded"),
            ("BEGIN", "BEGIN"),
            ("CREATE FUNCTION temp_f() RETURNS int LANGUAGE sql AS 'SELECT 7'", "CREATE FUNCTION"),
            ("SELECT temp_f()", "7"),
            ("ROLLBACK", "ROLLBACK"),
            ("SELECT temp_f()", "ERROR 42883: function temp_f() does not exist"),
            (
                "SELECT proname, prorettype::regtype, pronargs FROM pg_proc WHERE proname = 'fib'",
                "fib|integer|1",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn functions_survive_restart() {
    let store = Arc::new(MemStore::new());
    let engine = Engine::open(store.clone()).await.unwrap();
    let mut s = engine.session();
    check(
        &mut s,
        &[(
            "CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql AS 'SELECT 2 * x'",
            "CREATE FUNCTION",
        )],
    )
    .await;
    drop(s);
    drop(engine);
    let engine = Engine::open(store).await.unwrap();
    let mut s = engine.session();
    check(&mut s, &[("SELECT twice(21)", "42")]).await;
}

#[tokio::test]
async fn errors_inside_sql_builtins_carry_their_context() {
    let mut s = session().await;
    for (sql, context) in [
        (
            "SELECT log(-12.34)",
            Some("SQL function \"log\" statement 1"),
        ),
        (
            "SELECT log10(0.0)",
            Some("SQL function \"log10\" statement 1"),
        ),
        (
            "SELECT SUBSTRING('abcdefg' SIMILAR 'a*#\"%#\"g*#\"x' ESCAPE '#')",
            Some("SQL function \"substring\" statement 1"),
        ),
        // PostgreSQL's internal functions add none.
        ("SELECT log(10, 0.0)", None),
        ("SELECT ln(-1.0)", None),
    ] {
        let err = s
            .execute_simple(sql)
            .await
            .pop()
            .expect("a result")
            .expect_err(sql);
        assert_eq!(err.context_text(), context, "{sql}");
    }
    let ok = s.execute_simple("SELECT log(1000.0), log10(100)").await;
    assert!(ok.iter().all(Result::is_ok));
}
