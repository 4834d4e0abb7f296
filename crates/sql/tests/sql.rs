//! End-to-end tests: SQL text in, PostgreSQL-formatted results out, through
//! `Session::execute_simple` on a `MemStore`.

use std::sync::Arc;

use borealis_sql::{Engine, MemStore, StatementOutput, TransactionStatus};

mod support;
use support::{check_table, memory_engine, run_table};

#[tokio::test]
async fn literals_types_and_casts() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(
        &mut s,
        "SELECT 1, 1.5, 'a', true, NULL",
        "?column?|?column?|?column?|bool|?column?\n1|1.5|a|t|NULL\n(SELECT 1)",
    )
    .await;
    check_table(
        &mut s,
        "SELECT 1::int8 AS a, '1'::int + 1 AS b, 10/3, 10/3.0, 7 % 3, -7 / 2",
        "a|b|?column?|?column?|?column?|?column?\n1|2|3|3.3333333333333333|1|-3\n(SELECT 1)",
    )
    .await;
    check_table(&mut s, "SELECT 1.5::float8, 0.1::float4, 1e100::float8, 'NaN'::float8, '-inf'::float8, 100::float8", "float8|float4|float8|float8|float8|float8\n1.5|0.1|1e+100|NaN|-Infinity|100\n(SELECT 1)").await;
    check_table(
        &mut s,
        "SELECT 2147483647 + 1",
        "ERROR 22003: integer out of range",
    )
    .await;
    check_table(&mut s, "SELECT 1/0", "ERROR 22012: division by zero").await;
    check_table(&mut s, "SELECT 1.0/0", "ERROR 22012: division by zero").await;
    check_table(
        &mut s,
        "SELECT 'abc'::int",
        "ERROR 22P02: invalid input syntax for type integer: \"abc\"",
    )
    .await;
    check_table(
        &mut s,
        "SELECT '99999999999'::int",
        "ERROR 22003: value \"99999999999\" is out of range for type integer",
    )
    .await;
    check_table(&mut s, "SELECT 'abcd'::varchar(2), 'a'::char(3) || '|', CAST(2.5 AS int), 3.5::float8::int, true::text", "varchar|?column?|int4|int4|text\nab|a||3|4|true\n(SELECT 1)").await;
    check_table(
        &mut s,
        "SELECT 'a'::text = 1",
        "ERROR 42883: operator does not exist: text = integer",
    )
    .await;
    check_table(&mut s, "SELECT 1.10 = 1.1, 'a ' ::char(3) = 'a'::char(2), NULL = NULL, NULL IS NULL, 1 IS DISTINCT FROM NULL", "?column?|?column?|?column?|?column?|?column?\nt|t|NULL|t|t\n(SELECT 1)").await;
    check_table(
        &mut s,
        "SELECT true AND NULL, false AND NULL, true OR NULL, NOT NULL::bool",
        "?column?|?column?|?column?|?column?\nNULL|f|t|NULL\n(SELECT 1)",
    )
    .await;
    check_table(&mut s, "SELECT 123456789012345678901234567890.123 * 2, round(2.5), round(-2.567, 2), round(2.5::float8), abs(-3), 0.1 + 0.2", "?column?|round|round|round|abs|?column?\n246913578024691357802469135780.246|3|-2.57|2|3|0.3\n(SELECT 1)").await;
}

#[tokio::test]
async fn ddl_and_constraints() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(&mut s, "CREATE TABLE t (id int PRIMARY KEY, name varchar(5) NOT NULL, score numeric(5,2) DEFAULT 0, CHECK (score >= 0))", "CREATE TABLE").await;
    check_table(
        &mut s,
        "CREATE TABLE t (x int)",
        "ERROR 42P07: relation \"t\" already exists",
    )
    .await;
    check_table(
        &mut s,
        "CREATE TABLE IF NOT EXISTS t (x int)",
        "CREATE TABLE",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO t VALUES (1, 'ann', 1.234), (2, 'bob', DEFAULT)",
        "INSERT 0 2",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO t (id, name) VALUES (3, 'cy')",
        "INSERT 0 1",
    )
    .await;
    check_table(
        &mut s,
        "SELECT * FROM t ORDER BY id",
        "id|name|score\n1|ann|1.23\n2|bob|0.00\n3|cy|0.00\n(SELECT 3)",
    )
    .await;
    let r = s.execute_simple("INSERT INTO t VALUES (1, 'dup', 1)").await;
    let err = r[0].as_ref().unwrap_err();
    assert_eq!(err.sqlstate, "23505");
    assert_eq!(
        err.message,
        "duplicate key value violates unique constraint \"t_pkey\""
    );
    assert_eq!(err.detail.as_deref(), Some("Key (id)=(1) already exists."));
    check_table(
        &mut s,
        "INSERT INTO t VALUES (4, NULL)",
        "ERROR 23502: null value in column \"name\" of relation \"t\" violates not-null constraint",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO t VALUES (4, 'toolong')",
        "ERROR 22001: value too long for type character varying(5)",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO t VALUES (4, 'x', -1)",
        "ERROR 23514: new row for relation \"t\" violates check constraint \"t_score_check\"",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO t VALUES (4, 'x', 1000)",
        "ERROR 22003: numeric field overflow",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO t (nope) VALUES (1)",
        "ERROR 42703: column \"nope\" of relation \"t\" does not exist",
    )
    .await;
    check_table(
        &mut s,
        "SELECT nope FROM t",
        "ERROR 42703: column \"nope\" does not exist",
    )
    .await;
    check_table(
        &mut s,
        "SELECT * FROM missing",
        "ERROR 42P01: relation \"missing\" does not exist",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO t VALUES ('5', 'five', '2.5')",
        "INSERT 0 1",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO t VALUES (6, 'six', 'x')",
        "ERROR 22P02: invalid input syntax for type numeric: \"x\"",
    )
    .await;
    check_table(
        &mut s,
        "CREATE TABLE u (a int, b text, UNIQUE (a, b), UNIQUE (b))",
        "CREATE TABLE",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO u VALUES (1, 'x'), (1, NULL), (1, NULL)",
        "INSERT 0 3",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO u VALUES (2, 'x')",
        "ERROR 23505: duplicate key value violates unique constraint \"u_b_key\"",
    )
    .await;
    check_table(
        &mut s,
        "UPDATE u SET b = 'y' WHERE b IS NULL AND a = 1 AND false",
        "UPDATE 0",
    )
    .await;
    check_table(
        &mut s,
        "SELECT count(*), count(b) FROM u",
        "count|count\n3|1\n(SELECT 1)",
    )
    .await;
    check_table(&mut s, "DROP TABLE u", "DROP TABLE").await;
    check_table(
        &mut s,
        "DROP TABLE u",
        "ERROR 42P01: table \"u\" does not exist",
    )
    .await;
    check_table(&mut s, "DROP TABLE IF EXISTS u", "DROP TABLE").await;
    check_table(
        &mut s,
        "CREATE TABLE s (id serial PRIMARY KEY, v text)",
        "CREATE TABLE",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO s (v) VALUES ('a'), ('b') RETURNING id, v",
        "id|v\n1|a\n2|b\n(INSERT 0 2)",
    )
    .await;
    check_table(
        &mut s,
        "CREATE TABLE k (a int, b int, c text, PRIMARY KEY (a, b))",
        "CREATE TABLE",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO k VALUES (1, 1, 'x'), (1, 2, 'y'), (2, 1, 'z')",
        "INSERT 0 3",
    )
    .await;
    let r = s.execute_simple("INSERT INTO k VALUES (1, 2, 'w')").await;
    assert_eq!(
        r[0].as_ref().unwrap_err().detail.as_deref(),
        Some("Key (a, b)=(1, 2) already exists.")
    );
    check_table(
        &mut s,
        "SELECT c FROM k WHERE a = 1 AND b = 2",
        "c\ny\n(SELECT 1)",
    )
    .await;
    check_table(
        &mut s,
        "SELECT c FROM k WHERE a = 1 ORDER BY b DESC",
        "c\ny\nx\n(SELECT 2)",
    )
    .await;
    check_table(&mut s, "SELECT c FROM k WHERE a >= 2", "c\nz\n(SELECT 1)").await;
}

#[tokio::test]
async fn catalog_survives_restart() {
    let store = Arc::new(MemStore::new());
    {
        let e = Engine::open(store.clone()).await.unwrap();
        let mut s = e.session();
        check_table(&mut s, "CREATE TABLE r (id bigserial PRIMARY KEY, v text); INSERT INTO r (v) VALUES ('a'), ('b')", "CREATE TABLE\nINSERT 0 2").await;
        check_table(
            &mut s,
            "CREATE TABLE nopk (v int); INSERT INTO nopk VALUES (1), (1)",
            "CREATE TABLE\nINSERT 0 2",
        )
        .await;
        drop(s);
        // A clean shutdown gives back the unused rest of each reservation.
        e.close().await.unwrap();
    }
    let e = Engine::open(store).await.unwrap();
    let mut s = e.session();
    check_table(
        &mut s,
        "INSERT INTO r (v) VALUES ('c') RETURNING id",
        "id\n3\n(INSERT 0 1)",
    )
    .await;
    check_table(
        &mut s,
        "SELECT * FROM r ORDER BY id",
        "id|v\n1|a\n2|b\n3|c\n(SELECT 3)",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO nopk VALUES (2); SELECT v FROM nopk ORDER BY v",
        "INSERT 0 1\nv\n1\n1\n2\n(SELECT 3)",
    )
    .await;
}

/// After a crash (no `Engine::close`), a sequence skips what it had reserved
/// but never hands out a value a committed row holds.
#[tokio::test]
async fn sequences_never_repeat_after_a_crash() {
    let store = Arc::new(MemStore::new());
    {
        let e = Engine::open(store.clone()).await.unwrap();
        let mut s = e.session();
        check_table(
            &mut s,
            "CREATE TABLE q (id serial PRIMARY KEY, v text); INSERT INTO q (v) SELECT 'x' FROM generate_series(1, 40)",
            "CREATE TABLE\nINSERT 0 40",
        )
        .await;
        // Handed out, never committed.
        check_table(
            &mut s,
            "BEGIN; INSERT INTO q (v) VALUES ('lost'); ROLLBACK",
            "BEGIN\nINSERT 0 1\nROLLBACK",
        )
        .await;
    }
    let e = Engine::open(store).await.unwrap();
    let mut s = e.session();
    let got = run_table(&mut s, "INSERT INTO q (v) VALUES ('after') RETURNING id").await;
    let id: i64 = got.lines().nth(1).unwrap().parse().unwrap();
    assert!((42..=41 + 32).contains(&id), "id after the crash: {id}");
    check_table(
        &mut s,
        "SELECT count(*), count(DISTINCT id) FROM q",
        "count|count\n41|41\n(SELECT 1)",
    )
    .await;
}

#[tokio::test]
async fn dml() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(
        &mut s,
        "CREATE TABLE a (id int PRIMARY KEY, n int, t text)",
        "CREATE TABLE",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO a VALUES (1, 10, 'x'), (2, 20, 'y'), (3, NULL, 'z')",
        "INSERT 0 3",
    )
    .await;
    check_table(
        &mut s,
        "UPDATE a SET n = n + 1 WHERE id <= 2 RETURNING id, n",
        "id|n\n1|11\n2|21\n(UPDATE 2)",
    )
    .await;
    check_table(&mut s, "UPDATE a SET id = id + 10 WHERE id = 3", "UPDATE 1").await;
    check_table(
        &mut s,
        "SELECT id FROM a ORDER BY id",
        "id\n1\n2\n13\n(SELECT 3)",
    )
    .await;
    check_table(
        &mut s,
        "UPDATE a SET id = 1 WHERE id = 2",
        "ERROR 23505: duplicate key value violates unique constraint \"a_pkey\"",
    )
    .await;
    check_table(
        &mut s,
        "DELETE FROM a WHERE n IS NULL RETURNING *",
        "id|n|t\n13|NULL|z\n(DELETE 1)",
    )
    .await;
    check_table(
        &mut s,
        "CREATE TABLE b (id int PRIMARY KEY, n int)",
        "CREATE TABLE",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO b SELECT id * 100, n FROM a",
        "INSERT 0 2",
    )
    .await;
    check_table(
        &mut s,
        "SELECT * FROM b ORDER BY 1",
        "id|n\n100|11\n200|21\n(SELECT 2)",
    )
    .await;
    check_table(&mut s, "DELETE FROM b", "DELETE 2").await;
    check_table(
        &mut s,
        "INSERT INTO a (id, n) VALUES (1.6, '7')",
        "ERROR 23505: duplicate key value violates unique constraint \"a_pkey\"",
    )
    .await;
    check_table(&mut s, "INSERT INTO a (id, t) VALUES (5, 5)", "INSERT 0 1").await;
    check_table(
        &mut s,
        "INSERT INTO a (id, n) VALUES (6, 'x'::text)",
        "ERROR 42804: column \"n\" is of type integer but expression is of type text",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO a VALUES (7, 1, 'x', 9)",
        "ERROR 42601: INSERT has more expressions than target columns",
    )
    .await;
}

#[tokio::test]
async fn queries() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(
        &mut s,
        "CREATE TABLE emp (id int PRIMARY KEY, name text, dept int, salary int)",
        "CREATE TABLE",
    )
    .await;
    check_table(
        &mut s,
        "CREATE TABLE dept (id int PRIMARY KEY, dname text)",
        "CREATE TABLE",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO emp VALUES (1,'ann',1,100),(2,'bob',1,200),(3,'cy',2,300),(4,'dee',NULL,400),(5,'Ed',2,NULL)",
        "INSERT 0 5",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO dept VALUES (1,'eng'),(2,'ops'),(3,'hr')",
        "INSERT 0 3",
    )
    .await;
    check_table(&mut s, "SELECT dept, count(*), sum(salary), avg(salary), min(name), max(salary) FROM emp GROUP BY dept ORDER BY dept NULLS FIRST",
        "dept|count|sum|avg|min|max\nNULL|1|400|400.0000000000000000|dee|400\n1|2|300|150.0000000000000000|ann|200\n2|2|300|300.0000000000000000|Ed|300\n(SELECT 3)").await;
    check_table(&mut s, "SELECT dept AS d, count(*) AS c FROM emp GROUP BY 1 HAVING count(*) > 1 ORDER BY c DESC, d", "d|c\n1|2\n2|2\n(SELECT 2)").await;
    check_table(
        &mut s,
        "SELECT count(*), sum(salary), avg(salary) FROM emp WHERE id > 100",
        "count|sum|avg\n0|NULL|NULL\n(SELECT 1)",
    )
    .await;
    check_table(&mut s, "SELECT name FROM emp GROUP BY dept", "ERROR 42803: column \"emp.name\" must appear in the GROUP BY clause or be used in an aggregate function").await;
    check_table(
        &mut s,
        "SELECT e.name, d.dname FROM emp e JOIN dept d ON e.dept = d.id ORDER BY e.id",
        "name|dname\nann|eng\nbob|eng\ncy|ops\nEd|ops\n(SELECT 4)",
    )
    .await;
    check_table(&mut s, "SELECT e.name, d.dname FROM emp e LEFT JOIN dept d ON e.dept = d.id WHERE e.id > 2 ORDER BY e.id", "name|dname\ncy|ops\ndee|NULL\nEd|ops\n(SELECT 3)").await;
    check_table(
        &mut s,
        "SELECT count(*) FROM emp, dept",
        "count\n15\n(SELECT 1)",
    )
    .await;
    check_table(
        &mut s,
        "SELECT dname FROM dept d WHERE NOT EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.id)",
        "dname\nhr\n(SELECT 1)",
    )
    .await;
    check_table(
        &mut s,
        "SELECT name FROM emp WHERE dept IN (SELECT id FROM dept WHERE dname = 'ops') ORDER BY 1",
        "name\nEd\ncy\n(SELECT 2)",
    )
    .await;
    check_table(&mut s, "SELECT name, (SELECT dname FROM dept WHERE id = emp.dept) FROM emp WHERE id < 3 ORDER BY id", "name|dname\nann|eng\nbob|eng\n(SELECT 2)").await;
    check_table(
        &mut s,
        "SELECT (SELECT max(salary) FROM emp), (SELECT id FROM dept)",
        "ERROR 21000: more than one row returned by a subquery used as an expression",
    )
    .await;
    check_table(
        &mut s,
        "SELECT DISTINCT dept FROM emp ORDER BY dept",
        "dept\n1\n2\nNULL\n(SELECT 3)",
    )
    .await;
    check_table(
        &mut s,
        "SELECT name FROM emp ORDER BY salary DESC NULLS LAST LIMIT 2 OFFSET 1",
        "name\ncy\nbob\n(SELECT 2)",
    )
    .await;
    check_table(&mut s, "SELECT upper(name) || '!' AS x, length(name), substring(name, 2), substring(name from 1 for 1) FROM emp WHERE name LIKE 'a%' OR name ILIKE 'e%' ORDER BY 1", "x|length|substring|substring\nANN!|3|nn|a\nED!|2|d|E\n(SELECT 2)").await;
    check_table(
        &mut s,
        "SELECT id FROM emp WHERE salary BETWEEN 150 AND 350 AND id NOT IN (3) ORDER BY id",
        "id\n2\n(SELECT 1)",
    )
    .await;
    check_table(&mut s, "SELECT coalesce(salary, 0), nullif(dept, 1), CASE WHEN salary > 250 THEN 'hi' WHEN salary IS NULL THEN 'none' ELSE 'lo' END, greatest(1, salary, 250), least(3, 2.5) FROM emp ORDER BY id",
        "coalesce|nullif|case|greatest|least\n100|NULL|lo|250|2.5\n200|NULL|lo|250|2.5\n300|2|hi|300|2.5\n400|NULL|hi|400|2.5\n0|2|none|250|2.5\n(SELECT 5)").await;
    check_table(
        &mut s,
        "SELECT concat('a', 1, NULL, true), lower('ABC'), 'x' || 1 || NULL IS NULL",
        "concat|lower|?column?\na1t|abc|t\n(SELECT 1)",
    )
    .await;
    check_table(
        &mut s,
        "SELECT id FROM emp WHERE id IN (1, 3, NULL) ORDER BY id DESC",
        "id\n3\n1\n(SELECT 2)",
    )
    .await;
    check_table(
        &mut s,
        "SELECT sum(x), avg(x) FROM (VALUES (1::int8), (2), (4)) v(x)",
        "sum|avg\n7|2.3333333333333333\n(SELECT 1)",
    )
    .await;
    check_table(
        &mut s,
        "SELECT 1 UNION SELECT 1 UNION ALL SELECT 2 ORDER BY 1",
        "?column?\n1\n2\n(SELECT 2)",
    )
    .await;
    check_table(
        &mut s,
        "SELECT count(DISTINCT dept), string_agg(name, ',') FROM (SELECT * FROM emp ORDER BY id) e",
        "count|string_agg\n2|ann,bob,cy,dee,Ed\n(SELECT 1)",
    )
    .await;
    check_table(
        &mut s,
        "SELECT id FROM emp ORDER BY 9",
        "ERROR 42P10: ORDER BY position 9 is not in select list",
    )
    .await;
    check_table(
        &mut s,
        "SELECT id FROM emp e, dept d WHERE id = 1",
        "ERROR 42702: column reference \"id\" is ambiguous",
    )
    .await;
}

#[tokio::test]
async fn errors_and_parser() {
    let e = memory_engine().await;
    let mut s = e.session();
    let r = s.execute_simple("SELEC 1").await;
    let err = r[0].as_ref().unwrap_err();
    assert_eq!(
        (err.sqlstate, err.message.as_str(), err.position),
        ("42601", "syntax error at or near \"SELEC\"", Some(1))
    );
    let r = s.execute_simple("SELECT 1 +").await;
    assert_eq!(
        r[0].as_ref().unwrap_err().message,
        "syntax error at end of input"
    );
    let r = s.execute_simple("SELECT nosuch FROM (SELECT 1) x").await;
    assert_eq!(r[0].as_ref().unwrap_err().position, Some(8));
    check_table(
        &mut s,
        "CREATE MATERIALIZED VIEW v AS SELECT 1",
        "ERROR 0A000: this form of CREATE VIEW is not supported",
    )
    .await;
    check_table(
        &mut s,
        "SELECT 1; SELECT 1/0; SELECT 2",
        "?column?\n1\n(SELECT 1)\nERROR 22012: division by zero",
    )
    .await;
    assert!(s.execute_simple("").await.is_empty());
    // Hostile inputs never panic.
    for q in [
        "SELECT ((((((((((1))))))))))",
        "SELECT 'a' LIKE '\\'",
        "SELECT repeat('x', 1000000000)",
        "SELECT -(-9223372036854775808)",
        "SELECT 1e1000000::numeric",
        "SELECT substring('a', 1, -1)",
        "SELECT $1",
        "SELECT * FROM (SELECT 1) x ORDER BY 0",
    ] {
        let _ = s.execute_simple(q).await;
    }
}

#[tokio::test]
async fn transactions_and_settings() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(
        &mut s,
        "CREATE TABLE t (id int PRIMARY KEY, v int)",
        "CREATE TABLE",
    )
    .await;
    check_table(
        &mut s,
        "BEGIN; INSERT INTO t VALUES (1, 1); SELECT v FROM t",
        "BEGIN\nINSERT 0 1\nv\n1\n(SELECT 1)",
    )
    .await;
    assert_eq!(s.transaction_status(), TransactionStatus::InBlock);
    let mut other = e.session();
    check_table(&mut other, "SELECT count(*) FROM t", "count\n0\n(SELECT 1)").await;
    check_table(&mut s, "SELECT 1/0", "ERROR 22012: division by zero").await;
    assert_eq!(s.transaction_status(), TransactionStatus::Failed);
    check_table(&mut s, "SELECT 1", "ERROR 25P02: current transaction is aborted, commands ignored until end of transaction block").await;
    check_table(&mut s, "COMMIT", "ROLLBACK").await;
    assert_eq!(s.transaction_status(), TransactionStatus::Idle);
    check_table(&mut s, "SELECT count(*) FROM t", "count\n0\n(SELECT 1)").await;
    check_table(
        &mut s,
        "START TRANSACTION; INSERT INTO t VALUES (2, 2); COMMIT",
        "BEGIN\nINSERT 0 1\nCOMMIT",
    )
    .await;
    check_table(&mut other, "SELECT v FROM t", "v\n2\n(SELECT 1)").await;
    check_table(
        &mut s,
        "BEGIN; DELETE FROM t; ROLLBACK; SELECT count(*) FROM t",
        "BEGIN\nDELETE 1\nROLLBACK\ncount\n1\n(SELECT 1)",
    )
    .await;
    // An implicit multi-statement transaction rolls back as a whole.
    check_table(
        &mut s,
        "INSERT INTO t VALUES (3, 3); INSERT INTO t VALUES (2, 2)",
        "INSERT 0 1\nERROR 23505: duplicate key value violates unique constraint \"t_pkey\"",
    )
    .await;
    check_table(&mut s, "SELECT count(*) FROM t", "count\n1\n(SELECT 1)").await;
    check_table(
        &mut s,
        "SHOW transaction_isolation",
        "transaction_isolation\nread committed\n(SHOW)",
    )
    .await;
    check_table(
        &mut s,
        "SET application_name = 'app'; SHOW application_name",
        "SET\napplication_name\napp\n(SHOW)",
    )
    .await;
    check_table(
        &mut s,
        "SET DateStyle TO 'ISO, DMY'; SHOW datestyle",
        "SET\nDateStyle\nISO, DMY\n(SHOW)",
    )
    .await;
    check_table(
        &mut s,
        "SHOW nope",
        "ERROR 42704: unrecognized configuration parameter \"nope\"",
    )
    .await;
    check_table(&mut s, "SET extra_float_digits = 0; SELECT 0.1::float8 + 0.2::float8; SET extra_float_digits TO DEFAULT; SELECT 0.1::float8 + 0.2::float8", "SET\n?column?\n0.3\n(SELECT 1)\nSET\n?column?\n0.30000000000000004\n(SELECT 1)").await;
    check_table(
        &mut s,
        "BEGIN ISOLATION LEVEL REPEATABLE READ; SHOW transaction_isolation; COMMIT",
        "BEGIN\ntransaction_isolation\nrepeatable read\n(SHOW)\nCOMMIT",
    )
    .await;
}

/// READ COMMITTED sees a concurrent commit between two statements (a
/// non-repeatable read); REPEATABLE READ does not.
#[tokio::test]
async fn non_repeatable_read_allowed_only_under_read_committed() {
    let e = memory_engine().await;
    let mut a = e.session();
    let mut b = e.session();
    check_table(
        &mut a,
        "CREATE TABLE acct (id int PRIMARY KEY, bal int); INSERT INTO acct VALUES (1, 100)",
        "CREATE TABLE\nINSERT 0 1",
    )
    .await;

    check_table(
        &mut a,
        "BEGIN; SELECT bal FROM acct WHERE id = 1",
        "BEGIN\nbal\n100\n(SELECT 1)",
    )
    .await;
    check_table(&mut b, "UPDATE acct SET bal = 50 WHERE id = 1", "UPDATE 1").await;
    check_table(
        &mut a,
        "SELECT bal FROM acct WHERE id = 1; COMMIT",
        "bal\n50\n(SELECT 1)\nCOMMIT",
    )
    .await;

    check_table(
        &mut a,
        "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT bal FROM acct WHERE id = 1",
        "BEGIN\nbal\n50\n(SELECT 1)",
    )
    .await;
    check_table(&mut b, "UPDATE acct SET bal = 10 WHERE id = 1", "UPDATE 1").await;
    check_table(
        &mut a,
        "SELECT bal FROM acct WHERE id = 1",
        "bal\n50\n(SELECT 1)",
    )
    .await;
    // First committer wins: a's update conflicts with b's committed one.
    check_table(
        &mut a,
        "UPDATE acct SET bal = bal - 1 WHERE id = 1",
        "ERROR 40001: could not serialize access due to concurrent update",
    )
    .await;
    check_table(&mut a, "ROLLBACK", "ROLLBACK").await;
    check_table(&mut a, "SELECT bal FROM acct", "bal\n10\n(SELECT 1)").await;
}

/// A second writer waits for the first; under READ COMMITTED it then updates
/// the newest version (no lost update); under REPEATABLE READ it fails 40001.
#[tokio::test]
async fn writers_wait_for_each_other() {
    let e = memory_engine().await;
    let mut a = e.session();
    check_table(
        &mut a,
        "CREATE TABLE c (id int PRIMARY KEY, n int); INSERT INTO c VALUES (1, 0)",
        "CREATE TABLE\nINSERT 0 1",
    )
    .await;
    check_table(
        &mut a,
        "BEGIN; UPDATE c SET n = n + 1 WHERE id = 1",
        "BEGIN\nUPDATE 1",
    )
    .await;
    let e2 = e.clone();
    let waiter = tokio::spawn(async move {
        let mut b = e2.session();
        let out = run_table(&mut b, "UPDATE c SET n = n + 10 WHERE id = 1").await;
        (out, b)
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(
        !waiter.is_finished(),
        "second writer must wait for the first"
    );
    check_table(&mut a, "COMMIT", "COMMIT").await;
    let (out, mut b) = waiter.await.unwrap();
    assert_eq!(out, "UPDATE 1");
    check_table(&mut b, "SELECT n FROM c", "n\n11\n(SELECT 1)").await;

    check_table(
        &mut a,
        "BEGIN; UPDATE c SET n = 100 WHERE id = 1",
        "BEGIN\nUPDATE 1",
    )
    .await;
    let e3 = e.clone();
    let waiter = tokio::spawn(async move {
        let mut b = e3.session();
        run_table(&mut b, "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT n FROM c; UPDATE c SET n = n + 1 WHERE id = 1").await
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    check_table(&mut a, "COMMIT", "COMMIT").await;
    let out = waiter.await.unwrap();
    assert!(
        out.ends_with("ERROR 40001: could not serialize access due to concurrent update"),
        "{out}"
    );
}

#[tokio::test]
async fn prepared_statements() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(
        &mut s,
        "CREATE TABLE p (id int PRIMARY KEY, name text, amt numeric)",
        "CREATE TABLE",
    )
    .await;
    let ins = s
        .prepare("INSERT INTO p VALUES ($1, $2, $3)", &[])
        .await
        .unwrap();
    assert_eq!(ins.param_types, vec![23, 25, 1700]);
    for (id, name) in [("1", "a"), ("2", "b")] {
        let r = s
            .execute_prepared(
                &ins,
                &[Some(id.into()), Some(name.into()), Some("1.50".into())],
            )
            .await
            .unwrap();
        assert_eq!(r.tag(), "INSERT 0 1");
    }
    let sel = s
        .prepare("SELECT name, amt FROM p WHERE id = $1", &[0])
        .await
        .unwrap();
    assert_eq!(sel.param_types, vec![23]);
    assert_eq!(
        sel.columns
            .iter()
            .map(|c| (c.name.as_str(), c.type_oid))
            .collect::<Vec<_>>(),
        vec![("name", 25), ("amt", 1700)]
    );
    let r = s.execute_prepared(&sel, &[Some("2".into())]).await.unwrap();
    assert_eq!(
        r,
        StatementOutput::Rows {
            columns: sel.columns.clone(),
            rows: vec![vec![Some("b".into()), Some("1.50".into())]],
            tag: "SELECT 1".into()
        }
    );
    let err = s
        .execute_prepared(&sel, &[Some("x".into())])
        .await
        .unwrap_err();
    assert_eq!(err.sqlstate, "22P02");
    let r = s.execute_prepared(&sel, &[None]).await.unwrap();
    assert_eq!(r.tag(), "SELECT 0");
    let typed = s.prepare("SELECT $1::int8 + 1", &[]).await.unwrap();
    assert_eq!(typed.param_types, vec![20]);
}

/// Counts what the engine reads, to prove key lookups do not scan.
struct CountingStore {
    inner: MemStore,
    gets: std::sync::atomic::AtomicUsize,
    scanned_rows: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl borealis_sql::Store for CountingStore {
    fn read_point(&self) -> borealis_common::Lsn {
        self.inner.read_point()
    }
    async fn get(
        &self,
        key: &[u8],
        at: borealis_common::Lsn,
    ) -> Result<Option<Vec<u8>>, borealis_sql::StoreError> {
        self.gets.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.get(key, at).await
    }
    async fn scan(
        &self,
        start: &[u8],
        end: &[u8],
        at: borealis_common::Lsn,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, borealis_sql::StoreError> {
        let r = self.inner.scan(start, end, at, limit).await?;
        self.scanned_rows
            .fetch_add(r.len(), std::sync::atomic::Ordering::SeqCst);
        Ok(r)
    }
    async fn commit(
        &self,
        mutations: Vec<borealis_sql::Mutation>,
    ) -> Result<borealis_common::Lsn, borealis_sql::StoreError> {
        self.inner.commit(mutations).await
    }
}

#[tokio::test]
async fn primary_key_lookups_do_not_scan() {
    use borealis_sql::Store;
    use std::sync::atomic::Ordering::SeqCst;
    let store = Arc::new(CountingStore {
        inner: MemStore::new(),
        gets: 0.into(),
        scanned_rows: 0.into(),
    });
    let e = Engine::open(store.clone()).await.unwrap();
    let mut s = e.session();
    check_table(
        &mut s,
        "CREATE TABLE big (id int PRIMARY KEY, v text)",
        "CREATE TABLE",
    )
    .await;
    let values: Vec<String> = (1..=200).map(|i| format!("({i}, 'v{i}')")).collect();
    check_table(
        &mut s,
        &format!("INSERT INTO big VALUES {}", values.join(", ")),
        "INSERT 0 200",
    )
    .await;
    let _ = store.read_point();

    store.scanned_rows.store(0, SeqCst);
    store.gets.store(0, SeqCst);
    check_table(
        &mut s,
        "SELECT v FROM big WHERE id = 150",
        "v\nv150\n(SELECT 1)",
    )
    .await;
    check_table(&mut s, "UPDATE big SET v = 'x' WHERE id = 7", "UPDATE 1").await;
    check_table(&mut s, "DELETE FROM big WHERE 8 = id", "DELETE 1").await;
    assert_eq!(
        store.scanned_rows.load(SeqCst),
        0,
        "point statements must not scan"
    );
    assert!(store.gets.load(SeqCst) >= 3);

    check_table(
        &mut s,
        "SELECT count(*) FROM big WHERE id > 10 AND id <= 20",
        "count\n10\n(SELECT 1)",
    )
    .await;
    assert_eq!(
        store.scanned_rows.load(SeqCst),
        10,
        "a key range reads only its rows"
    );

    check_table(
        &mut s,
        "SELECT v FROM big WHERE id IN (5, 3, 5, NULL, 999) ORDER BY v",
        "v\nv3\nv5\n(SELECT 2)",
    )
    .await;
    assert_eq!(
        store.scanned_rows.load(SeqCst),
        10,
        "an IN list on the key does point lookups"
    );

    // The fast path and the general path agree.
    check_table(
        &mut s,
        "SELECT v FROM big WHERE id + 0 = 150",
        "v\nv150\n(SELECT 1)",
    )
    .await;
    check_table(
        &mut s,
        "SELECT count(*) FROM big WHERE id + 0 > 10 AND id + 0 <= 20",
        "count\n10\n(SELECT 1)",
    )
    .await;
}

#[tokio::test]
async fn ddl_is_transactional() {
    let e = memory_engine().await;
    let mut a = e.session();
    let mut b = e.session();
    check_table(&mut a, "BEGIN; CREATE TABLE d (id serial PRIMARY KEY, v text); INSERT INTO d (v) VALUES ('x') RETURNING id", "BEGIN\nCREATE TABLE\nid\n1\n(INSERT 0 1)").await;
    check_table(
        &mut b,
        "SELECT * FROM d",
        "ERROR 42P01: relation \"d\" does not exist",
    )
    .await;
    check_table(&mut a, "ROLLBACK", "ROLLBACK").await;
    check_table(
        &mut a,
        "SELECT * FROM d",
        "ERROR 42P01: relation \"d\" does not exist",
    )
    .await;
    check_table(&mut a, "BEGIN; CREATE TABLE d (id serial PRIMARY KEY, v text); INSERT INTO d (v) VALUES ('y'); COMMIT", "BEGIN\nCREATE TABLE\nINSERT 0 1\nCOMMIT").await;
    check_table(&mut b, "SELECT * FROM d", "id|v\n1|y\n(SELECT 1)").await;
    check_table(
        &mut a,
        "CREATE TABLE e1 (x int); INSERT INTO e1 VALUES ('bad')",
        "CREATE TABLE\nERROR 22P02: invalid input syntax for type integer: \"bad\"",
    )
    .await;
    check_table(
        &mut b,
        "SELECT * FROM e1",
        "ERROR 42P01: relation \"e1\" does not exist",
    )
    .await;
    check_table(
        &mut a,
        "BEGIN; DROP TABLE d; ROLLBACK; SELECT count(*) FROM d",
        "BEGIN\nDROP TABLE\nROLLBACK\ncount\n1\n(SELECT 1)",
    )
    .await;
}

#[tokio::test]
async fn hash_join_matches_nested_loop() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(&mut s, "CREATE TABLE l (id int PRIMARY KEY, k int, t text); CREATE TABLE r (id int PRIMARY KEY, k int, t char(3))", "CREATE TABLE\nCREATE TABLE").await;
    let lv: Vec<String> = (1..=60)
        .map(|i| {
            format!(
                "({i}, {}, '{}')",
                if i % 7 == 0 {
                    "NULL".to_string()
                } else {
                    (i % 5).to_string()
                },
                i % 3
            )
        })
        .collect();
    let rv: Vec<String> = (1..=40)
        .map(|i| {
            format!(
                "({i}, {}, '{}')",
                if i % 9 == 0 {
                    "NULL".to_string()
                } else {
                    (i % 6).to_string()
                },
                i % 4
            )
        })
        .collect();
    check_table(
        &mut s,
        &format!("INSERT INTO l VALUES {}", lv.join(",")),
        "INSERT 0 60",
    )
    .await;
    check_table(
        &mut s,
        &format!("INSERT INTO r VALUES {}", rv.join(",")),
        "INSERT 0 40",
    )
    .await;
    for (fast, slow) in [
        (
            "SELECT l.id, r.id FROM l JOIN r ON l.k = r.k ORDER BY 1, 2",
            "SELECT l.id, r.id FROM l JOIN r ON l.k + 0 = r.k ORDER BY 1, 2",
        ),
        (
            "SELECT l.id, r.id FROM l LEFT JOIN r ON r.k = l.k AND r.id > l.id ORDER BY 1, 2",
            "SELECT l.id, r.id FROM l LEFT JOIN r ON r.k = l.k + 0 AND r.id > l.id ORDER BY 1, 2",
        ),
        (
            "SELECT count(*) FROM l JOIN r ON l.t = r.t",
            "SELECT count(*) FROM l JOIN r ON l.t || '' = r.t",
        ),
    ] {
        let a = run_table(&mut s, fast).await;
        let b = run_table(&mut s, slow).await;
        assert_eq!(a, b, "{fast}");
        assert!(!a.contains("ERROR"), "{a}");
    }
}

#[tokio::test]
async fn select_for_update_and_read_only() {
    let e = memory_engine().await;
    let mut a = e.session();
    check_table(
        &mut a,
        "CREATE TABLE q (id int PRIMARY KEY, n int); INSERT INTO q VALUES (1, 0), (2, 0)",
        "CREATE TABLE\nINSERT 0 2",
    )
    .await;
    check_table(
        &mut a,
        "BEGIN; SELECT n FROM q WHERE id = 1 FOR UPDATE",
        "BEGIN\nn\n0\n(SELECT 1)",
    )
    .await;
    let e2 = e.clone();
    let waiter = tokio::spawn(async move {
        let mut b = e2.session();
        run_table(&mut b, "UPDATE q SET n = n + 1 WHERE id = 1").await
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(!waiter.is_finished(), "FOR UPDATE must block writers");
    check_table(
        &mut a,
        "UPDATE q SET n = 10 WHERE id = 1; COMMIT",
        "UPDATE 1\nCOMMIT",
    )
    .await;
    assert_eq!(waiter.await.unwrap(), "UPDATE 1");
    check_table(&mut a, "SELECT n FROM q WHERE id = 1", "n\n11\n(SELECT 1)").await;
    check_table(&mut a, "BEGIN READ ONLY; SELECT count(*) FROM q; INSERT INTO q VALUES (3, 3)", "BEGIN\ncount\n2\n(SELECT 1)\nERROR 25006: cannot execute INSERT in a read-only transaction").await;
    check_table(&mut a, "ROLLBACK", "ROLLBACK").await;
}

#[tokio::test]
async fn ctes_truncate_and_upsert() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(
        &mut s,
        "CREATE TABLE kv (k text PRIMARY KEY, v int)",
        "CREATE TABLE",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO kv VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET v = kv.v + excluded.v",
        "INSERT 0 1",
    )
    .await;
    check_table(&mut s, "INSERT INTO kv VALUES ('a', 5) ON CONFLICT (k) DO UPDATE SET v = kv.v + excluded.v RETURNING v", "v\n6\n(INSERT 0 1)").await;
    check_table(
        &mut s,
        "INSERT INTO kv VALUES ('a', 5), ('b', 2) ON CONFLICT DO NOTHING",
        "INSERT 0 1",
    )
    .await;
    check_table(
        &mut s,
        "WITH t AS (SELECT k, v * 10 AS w FROM kv) SELECT * FROM t ORDER BY k",
        "k|w\na|60\nb|20\n(SELECT 2)",
    )
    .await;
    check_table(
        &mut s,
        "TRUNCATE kv; SELECT count(*) FROM kv",
        "TRUNCATE TABLE\ncount\n0\n(SELECT 1)",
    )
    .await;
}

#[tokio::test]
async fn set_show_reset_variants() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(
        &mut s,
        "SET search_path TO public, pg_catalog; SHOW search_path",
        "SET\nsearch_path\npublic, pg_catalog\n(SHOW)",
    )
    .await;
    check_table(
        &mut s,
        "SET TIME ZONE 'Europe/Paris'; SHOW timezone",
        "SET\nTimeZone\nEurope/Paris\n(SHOW)",
    )
    .await;
    check_table(
        &mut s,
        "SET SESSION application_name = 'x'; RESET application_name; SHOW application_name",
        "SET\nRESET\napplication_name\n\n(SHOW)",
    )
    .await;
    check_table(
        &mut s,
        "SET client_encoding TO 'utf8'; SHOW client_encoding",
        "SET\nclient_encoding\nUTF8\n(SHOW)",
    )
    .await;
    check_table(
        &mut s,
        "SET standard_conforming_strings = on; SHOW standard_conforming_strings",
        "SET\nstandard_conforming_strings\non\n(SHOW)",
    )
    .await;
    check_table(&mut s, "SET default_transaction_isolation = 'repeatable read'; BEGIN; SHOW transaction_isolation; COMMIT", "SET\nBEGIN\ntransaction_isolation\nrepeatable read\n(SHOW)\nCOMMIT").await;
    check_table(&mut s, "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED; SHOW default_transaction_isolation", "SET\ndefault_transaction_isolation\nread committed\n(SHOW)").await;
    check_table(&mut s, "BEGIN; SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SHOW transaction_isolation; SELECT 1; SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "BEGIN\nSET\ntransaction_isolation\nrepeatable read\n(SHOW)\n?column?\n1\n(SELECT 1)\nERROR 25001: SET TRANSACTION ISOLATION LEVEL must be called before any query").await;
    check_table(
        &mut s,
        "ROLLBACK; SET extra_float_digits = 'x'",
        "ROLLBACK\nERROR 22023: invalid value for parameter \"extra_float_digits\": \"x\"",
    )
    .await;
    check_table(
        &mut s,
        "SHOW server_version",
        "server_version\n15.0\n(SHOW)",
    )
    .await;
}

#[tokio::test]
async fn explain_shows_access_paths() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(
        &mut s,
        "CREATE TABLE x (a int, b int, c text, PRIMARY KEY (a, b))",
        "CREATE TABLE",
    )
    .await;
    check_table(
        &mut s,
        "EXPLAIN SELECT c FROM x WHERE a = 1 AND b = 2",
        "QUERY PLAN\nIndex Scan using x_pkey on x\nIndex Cond: ((a = 1) AND (b = 2))\n(EXPLAIN)",
    )
    .await;
    check_table(
        &mut s,
        "EXPLAIN UPDATE x SET c = 'z' WHERE a = 1 AND b IN (1, 2)",
        "QUERY PLAN\nUpdate on x\n->  Index Scan using x_pkey on x\nIndex Cond: ((a = 1) AND (b = ANY ('{1,2}'::integer[])))\n(EXPLAIN)",
    )
    .await;
    check_table(
        &mut s,
        "EXPLAIN DELETE FROM x WHERE a = 1 AND b > 3 AND c <> 'q'",
        "QUERY PLAN\nDelete on x\n->  Index Scan using x_pkey on x\nIndex Cond: ((a = 1) AND (b > 3))\nFilter: (c <> 'q'::text)\n(EXPLAIN)",
    )
    .await;
    check_table(
        &mut s,
        "EXPLAIN SELECT c FROM x WHERE c = 'q'",
        "QUERY PLAN\nSeq Scan on x\nFilter: (c = 'q'::text)\n(EXPLAIN)",
    )
    .await;
}

#[tokio::test]
async fn secondary_indexes() {
    use borealis_sql::Store;
    use std::sync::atomic::Ordering::SeqCst;
    let store = Arc::new(CountingStore {
        inner: MemStore::new(),
        gets: 0.into(),
        scanned_rows: 0.into(),
    });
    let e = Engine::open(store.clone()).await.unwrap();
    let mut s = e.session();
    check_table(
        &mut s,
        "CREATE TABLE o (id int PRIMARY KEY, cust int, note text)",
        "CREATE TABLE",
    )
    .await;
    let values: Vec<String> = (1..=300)
        .map(|i| format!("({i}, {}, 'n{i}')", i % 30))
        .collect();
    check_table(
        &mut s,
        &format!("INSERT INTO o VALUES {}", values.join(", ")),
        "INSERT 0 300",
    )
    .await;
    check_table(&mut s, "CREATE INDEX o_cust ON o (cust)", "CREATE INDEX").await;
    check_table(
        &mut s,
        "EXPLAIN SELECT id FROM o WHERE cust = 7",
        "QUERY PLAN\nIndex Scan using o_cust on o\nIndex Cond: (cust = 7)\n(EXPLAIN)",
    )
    .await;
    let _ = store.read_point();
    store.scanned_rows.store(0, SeqCst);
    check_table(
        &mut s,
        "SELECT count(*) FROM o WHERE cust = 7",
        "count\n10\n(SELECT 1)",
    )
    .await;
    assert_eq!(
        store.scanned_rows.load(SeqCst),
        10,
        "index scan reads only matching entries"
    );
    check_table(&mut s, "UPDATE o SET cust = 99 WHERE id = 7; DELETE FROM o WHERE id = 37; INSERT INTO o VALUES (301, 7, 'new')", "UPDATE 1\nDELETE 1\nINSERT 0 1").await;
    let fast = run_table(&mut s, "SELECT id FROM o WHERE cust = 7 ORDER BY id").await;
    let slow = run_table(&mut s, "SELECT id FROM o WHERE cust + 0 = 7 ORDER BY id").await;
    assert_eq!(fast, slow);
    check_table(
        &mut s,
        "SELECT id FROM o WHERE cust = 99",
        "id\n7\n(SELECT 1)",
    )
    .await;
    // Rows written against the old definition cannot commit after an index appeared.
    let mut other = e.session();
    check_table(
        &mut other,
        "BEGIN; INSERT INTO o VALUES (500, 5, 'x')",
        "BEGIN\nINSERT 0 1",
    )
    .await;
    check_table(&mut s, "CREATE INDEX o_note ON o (note)", "CREATE INDEX").await;
    check_table(
        &mut other,
        "COMMIT",
        "ERROR 40001: could not serialize access due to concurrent DDL on relation \"o\"",
    )
    .await;
    check_table(
        &mut s,
        "SELECT count(*) FROM o WHERE id = 500",
        "count\n0\n(SELECT 1)",
    )
    .await;
}

#[tokio::test]
async fn concurrent_ddl_first_committer_wins() {
    let e = memory_engine().await;
    let mut a = e.session();
    let mut b = e.session();
    check_table(
        &mut a,
        "BEGIN; CREATE TABLE t1 (x int)",
        "BEGIN\nCREATE TABLE",
    )
    .await;
    check_table(
        &mut b,
        "BEGIN; CREATE TABLE t2 (x int); COMMIT",
        "BEGIN\nCREATE TABLE\nCOMMIT",
    )
    .await;
    check_table(
        &mut a,
        "COMMIT",
        "ERROR 40001: could not serialize access due to concurrent DDL",
    )
    .await;
    check_table(
        &mut a,
        "SELECT * FROM t1",
        "ERROR 42P01: relation \"t1\" does not exist",
    )
    .await;
    check_table(&mut a, "SELECT * FROM t2", "x\n(SELECT 0)").await;
    // A NOT NULL check that raced with a committed insert of NULL fails.
    check_table(
        &mut a,
        "BEGIN; ALTER TABLE t2 ALTER COLUMN x SET NOT NULL",
        "BEGIN\nALTER TABLE",
    )
    .await;
    check_table(&mut b, "INSERT INTO t2 VALUES (NULL)", "INSERT 0 1").await;
    check_table(
        &mut a,
        "COMMIT",
        "ERROR 40001: could not serialize access due to concurrent DDL on relation \"t2\"",
    )
    .await;
}

#[tokio::test]
async fn cancelled_statement_releases_its_locks() {
    let e = memory_engine().await;
    let mut a = e.session();
    let mut b = e.session();
    check_table(
        &mut a,
        "CREATE TABLE z (id int PRIMARY KEY, n int); INSERT INTO z VALUES (1, 0)",
        "CREATE TABLE\nINSERT 0 1",
    )
    .await;
    check_table(
        &mut a,
        "BEGIN; UPDATE z SET n = 1 WHERE id = 1",
        "BEGIN\nUPDATE 1",
    )
    .await;
    // b's autocommit UPDATE waits for a's lock; cancel it by dropping the future.
    let r = tokio::time::timeout(
        std::time::Duration::from_millis(50),
        b.execute_simple("UPDATE z SET n = 2 WHERE id = 1"),
    )
    .await;
    assert!(r.is_err(), "must still be waiting");
    check_table(&mut a, "COMMIT", "COMMIT").await;
    // b's next statement starts clean (the cancelled one never committed).
    check_table(&mut b, "SELECT n FROM z", "n\n1\n(SELECT 1)").await;
    assert_eq!(b.transaction_status(), TransactionStatus::Idle);
    check_table(&mut a, "UPDATE z SET n = 3 WHERE id = 1", "UPDATE 1").await;
}
