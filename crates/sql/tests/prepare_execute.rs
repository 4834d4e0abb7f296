//! SQL-level prepared statements and session resets end to end on a
//! `MemStore`: PREPARE / EXECUTE / DEALLOCATE with typed and inferred
//! parameters, argument expressions, re-binding after DDL, PostgreSQL's
//! errors, and DISCARD ALL / TEMP / PLANS as connection poolers send them.

mod support;

use support::{check, memory_engine};

#[tokio::test]
async fn prepare_execute_and_deallocate() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE t (id int PRIMARY KEY, name text)",
                "CREATE TABLE",
            ),
            (
                "PREPARE ins (int, text) AS INSERT INTO t VALUES ($1, $2)",
                "PREPARE",
            ),
            ("EXECUTE ins(1, 'one')", "INSERT 0 1"),
            ("EXECUTE ins (1 + 1, upper('two'))", "INSERT 0 1"),
            ("PREPARE get AS SELECT name FROM t WHERE id = $1", "PREPARE"),
            ("EXECUTE get(2)", "TWO"),
            ("EXECUTE get('1')", "one"),
            ("PREPARE cnt AS SELECT count(*) FROM t", "PREPARE"),
            ("EXECUTE cnt", "2"),
            // The plan follows the catalog.
            (
                "ALTER TABLE t ADD COLUMN extra int DEFAULT 7",
                "ALTER TABLE",
            ),
            (
                "PREPARE everything AS SELECT * FROM t ORDER BY id",
                "PREPARE",
            ),
            ("EXECUTE everything", "1|one|7\n2|TWO|7"),
            (
                "PREPARE ins (int, text) AS SELECT 1",
                "ERROR 42P05: prepared statement \"ins\" already exists",
            ),
            (
                "EXECUTE nope",
                "ERROR 26000: prepared statement \"nope\" does not exist",
            ),
            (
                "EXECUTE get",
                "ERROR 42601: wrong number of parameters for prepared statement \"get\"",
            ),
            (
                "EXECUTE get(1, 2)",
                "ERROR 42601: wrong number of parameters for prepared statement \"get\"",
            ),
            (
                "EXECUTE ins('x', 'y')",
                "ERROR 22P02: invalid input syntax for type integer: \"x\"",
            ),
            (
                "EXECUTE ins(1, 'dup')",
                "ERROR 23505: duplicate key value violates unique constraint \"t_pkey\"",
            ),
            ("DEALLOCATE get", "DEALLOCATE"),
            (
                "EXECUTE get(1)",
                "ERROR 26000: prepared statement \"get\" does not exist",
            ),
            ("DEALLOCATE PREPARE cnt", "DEALLOCATE"),
            (
                "DEALLOCATE cnt",
                "ERROR 26000: prepared statement \"cnt\" does not exist",
            ),
            ("DEALLOCATE ALL", "DEALLOCATE ALL"),
            (
                "EXECUTE ins(3, 'three')",
                "ERROR 26000: prepared statement \"ins\" does not exist",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn execute_in_a_transaction_block_sees_its_writes_and_rolls_back() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE t (id int)", "CREATE TABLE"),
            (
                "PREPARE add (int) AS INSERT INTO t VALUES ($1) RETURNING id * 10",
                "PREPARE",
            ),
            ("BEGIN", "BEGIN"),
            ("EXECUTE add(4)", "40"),
            ("SELECT count(*) FROM t", "1"),
            ("ROLLBACK", "ROLLBACK"),
            ("SELECT count(*) FROM t", "0"),
            // A prepared statement outlives the transactions it ran in.
            ("EXECUTE add(5)", "50"),
            ("SELECT id FROM t", "5"),
        ],
    )
    .await;
}

#[tokio::test]
async fn discard_resets_the_session_as_poolers_expect() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TEMP TABLE scratch (a int)", "CREATE TABLE"),
            ("INSERT INTO scratch VALUES (1)", "INSERT 0 1"),
            ("PREPARE p AS SELECT 1", "PREPARE"),
            ("SET work_mem = '1MB'", "SET"),
            ("CREATE SEQUENCE q", "CREATE SEQUENCE"),
            ("SELECT nextval('q')", "1"),
            ("BEGIN", "BEGIN"),
            (
                "DISCARD ALL",
                "ERROR 25001: DISCARD ALL cannot run inside a transaction block",
            ),
            ("ROLLBACK", "ROLLBACK"),
            ("DISCARD PLANS", "DISCARD PLANS"),
            ("EXECUTE p", "1"),
            ("DISCARD ALL", "DISCARD ALL"),
            (
                "EXECUTE p",
                "ERROR 26000: prepared statement \"p\" does not exist",
            ),
            ("SHOW work_mem", "4MB"),
            (
                "SELECT * FROM scratch",
                "ERROR 42P01: relation \"scratch\" does not exist",
            ),
            (
                "SELECT currval('q')",
                "ERROR 55000: currval of sequence \"q\" is not yet defined in this session",
            ),
            ("CREATE TEMP TABLE scratch (a int)", "CREATE TABLE"),
            ("DISCARD TEMP", "DISCARD TEMP"),
            (
                "SELECT * FROM scratch",
                "ERROR 42P01: relation \"scratch\" does not exist",
            ),
        ],
    )
    .await;
}
