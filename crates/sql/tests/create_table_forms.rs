//! CREATE TABLE forms from PostgreSQL's create_table regression test:
//! CREATE TABLE AS EXECUTE of a prepared statement (with arguments, column
//! names, WITH NO DATA, IF NOT EXISTS and its NOTICE), WITHOUT OIDS, the
//! pseudo-type `unknown` in a composite type, and pg_relation_filenode /
//! pg_filenode_relation.

mod support;

use support::{check, memory_engine, run};

#[tokio::test]
async fn create_table_as_execute_runs_the_prepared_query() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("PREPARE select1 AS SELECT 1 AS a", "PREPARE"),
            ("CREATE TABLE as_select1 AS EXECUTE select1", "SELECT 1"),
            (
                "CREATE TABLE as_select1 AS EXECUTE select1",
                "ERROR 42P07: relation \"as_select1\" already exists",
            ),
            ("SELECT * FROM as_select1", "1"),
            (
                "CREATE TABLE IF NOT EXISTS as_select1 AS EXECUTE select1",
                "CREATE TABLE AS",
            ),
        ],
    )
    .await;
    let notices: Vec<String> = s.take_notices().into_iter().map(|n| n.message).collect();
    assert_eq!(
        notices,
        ["relation \"as_select1\" already exists, skipping"]
    );
    check(
        &mut s,
        &[
            ("DROP TABLE as_select1", "DROP TABLE"),
            // Arguments are computed once and bound to every use of $n.
            (
                "PREPARE p2 (int, text) AS SELECT $1 + 1 AS n, $2 || '!' AS t, $1 AS again",
                "PREPARE",
            ),
            (
                "CREATE TEMP TABLE named (x, y) AS EXECUTE p2(40 + 1, 'hi')",
                "SELECT 1",
            ),
            ("SELECT x, y, again FROM named", "42|hi!|41"),
            (
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute \
                 WHERE attrelid = 'named'::regclass AND attnum > 0 ORDER BY attnum",
                "x|integer\ny|text\nagain|integer",
            ),
            (
                "CREATE TABLE empty AS EXECUTE p2(1, NULL) WITH NO DATA",
                "SELECT 0",
            ),
            ("SELECT count(*) FROM empty", "0"),
            (
                "CREATE TABLE bad AS EXECUTE p2(1)",
                "ERROR 42601: wrong number of parameters for prepared statement \"p2\"",
            ),
            (
                "CREATE TABLE bad AS EXECUTE nosuch",
                "ERROR 26000: prepared statement \"nosuch\" does not exist",
            ),
            ("PREPARE ins AS INSERT INTO empty VALUES (1)", "PREPARE"),
            (
                "CREATE TABLE bad AS EXECUTE ins",
                "ERROR 42809: prepared statement is not a SELECT",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn create_table_as_with_no_data_creates_only_the_table() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE nd AS SELECT g AS a FROM generate_series(1, 3) g WITH NO DATA",
                "CREATE TABLE AS",
            ),
            ("SELECT count(*) FROM nd", "0"),
            (
                "CREATE TABLE wd AS SELECT g AS a FROM generate_series(1, 3) g WITH DATA",
                "SELECT 3",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn without_oids_and_unknown_columns() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE TEMP TABLE withoutoid() WITHOUT OIDS; DROP TABLE withoutoid",
                "CREATE TABLE\nDROP TABLE",
            ),
            ("CREATE TABLE w2 (a int) without oids", "CREATE TABLE"),
            (
                "CREATE TABLE withoid() WITH (oids = true)",
                "ERROR 0A000: tables declared WITH OIDS are not supported",
            ),
            (
                "CREATE TYPE unknown_comptype AS (u unknown)",
                "ERROR 42P16: column \"u\" has pseudo-type unknown",
            ),
        ],
    )
    .await;
    assert!(run(&mut s, "SELECT 1 WITHOUT OIDS")
        .await
        .starts_with("ERROR 42601"));
}

#[tokio::test]
async fn relation_filenodes() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE perm (a int PRIMARY KEY)", "CREATE TABLE"),
            ("CREATE TEMP TABLE tmp (c1 int)", "CREATE TABLE"),
            ("CREATE VIEW v AS SELECT 1", "CREATE VIEW"),
            (
                "SELECT pg_relation_filenode('perm') = relfilenode FROM pg_class WHERE relname = 'perm'",
                "t",
            ),
            (
                "SELECT pg_filenode_relation(0, pg_relation_filenode('perm')) = 'perm'::regclass, \
                 pg_filenode_relation(0, pg_relation_filenode('perm_pkey')) = 'perm_pkey'::regclass",
                "t|t",
            ),
            // Temporary relations are not found by file node; views have none.
            (
                "SELECT relpersistence, pg_filenode_relation(reltablespace, pg_relation_filenode(oid)) \
                 FROM pg_class WHERE relname = 'tmp'",
                "t|NULL",
            ),
            ("SELECT pg_relation_filenode('v')", "NULL"),
            (
                "SELECT pg_filenode_relation(0, pg_relation_filenode('pg_class')) = 'pg_class'::regclass",
                "t",
            ),
            ("SELECT pg_filenode_relation(0, 1)", "NULL"),
        ],
    )
    .await;
}

#[tokio::test]
async fn unlogged_tables_show_their_persistence() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE UNLOGGED TABLE unlogged1 (a int PRIMARY KEY)",
                "CREATE TABLE",
            ),
            (
                "CREATE TEMPORARY TABLE unlogged2 (a int PRIMARY KEY)",
                "CREATE TABLE",
            ),
            ("CREATE TABLE logged1 (a int UNIQUE)", "CREATE TABLE"),
            (
                "SELECT relname, relkind, relpersistence FROM pg_class \
                 WHERE relname ~ '^(un)?logged\\d' ORDER BY relname",
                "logged1|r|p\nlogged1_a_key|i|p\nunlogged1|r|u\nunlogged1_pkey|i|u\n\
                 unlogged2|r|t\nunlogged2_pkey|i|t",
            ),
            ("INSERT INTO unlogged1 VALUES (42)", "INSERT 0 1"),
            ("SELECT a FROM unlogged1", "42"),
        ],
    )
    .await;
}

#[tokio::test]
async fn reindex_rebuilds_index_entries() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE r (id int PRIMARY KEY, u int UNIQUE, v int)",
                "CREATE TABLE",
            ),
            ("CREATE INDEX r_v ON r (v)", "CREATE INDEX"),
            (
                "INSERT INTO r SELECT g, g * 10, g % 3 FROM generate_series(1, 30) g",
                "INSERT 0 30",
            ),
            ("REINDEX INDEX r_v", "REINDEX"),
            ("REINDEX INDEX r_pkey", "REINDEX"),
            ("REINDEX TABLE r", "REINDEX"),
            ("REINDEX SCHEMA public", "REINDEX"),
            ("REINDEX DATABASE postgres", "REINDEX"),
            ("REINDEX SYSTEM postgres", "REINDEX"),
            // Lookups through the rebuilt indexes find every row once.
            ("SELECT count(*) FROM r WHERE v = 1", "10"),
            ("SELECT id FROM r WHERE u = 120", "12"),
            (
                "EXPLAIN SELECT id FROM r WHERE u = 120",
                "Index Scan using r_u_key on r\n  Index Cond: (u = 120)",
            ),
            // Rows written earlier in the same transaction are rebuilt too.
            ("BEGIN", "BEGIN"),
            ("INSERT INTO r VALUES (31, 310, 1)", "INSERT 0 1"),
            ("DELETE FROM r WHERE id = 1", "DELETE 1"),
            ("REINDEX TABLE r", "REINDEX"),
            ("SELECT count(*) FROM r WHERE v = 1", "10"),
            ("SELECT id FROM r WHERE u = 310", "31"),
            ("COMMIT", "COMMIT"),
            ("SELECT count(*) FROM r WHERE v = 1", "10"),
            (
                "INSERT INTO r VALUES (32, 310, 0)",
                "ERROR 23505: duplicate key value violates unique constraint \"r_u_key\"",
            ),
            // Errors, as PostgreSQL reports them.
            (
                "REINDEX INDEX nosuch",
                "ERROR 42P01: relation \"nosuch\" does not exist",
            ),
            ("REINDEX INDEX r", "ERROR 42809: \"r\" is not an index"),
            (
                "REINDEX TABLE r_v",
                "ERROR 42809: \"r_v\" is not a table or materialized view",
            ),
            (
                "REINDEX SCHEMA nosuch",
                "ERROR 3F000: schema \"nosuch\" does not exist",
            ),
            (
                "REINDEX DATABASE other",
                "ERROR 0A000: can only reindex the currently open database",
            ),
            ("BEGIN", "BEGIN"),
            (
                "REINDEX SCHEMA public",
                "ERROR 25001: REINDEX SCHEMA cannot run inside a transaction block",
            ),
            ("ROLLBACK", "ROLLBACK"),
        ],
    )
    .await;
    let verbose = s.execute_simple("REINDEX (VERBOSE) TABLE r").await;
    assert!(verbose.iter().all(Result::is_ok));
    let notices: Vec<String> = s.take_notices().into_iter().map(|n| n.message).collect();
    assert_eq!(
        notices,
        [
            "index \"r_u_key\" was reindexed",
            "index \"r_v\" was reindexed"
        ]
    );
}

#[tokio::test]
async fn exclusion_constraints_on_partitioned_tables_are_refused() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    let sql = "CREATE TABLE partitioned (\n\ta int,\n\tEXCLUDE USING gist (a WITH &&)\n) PARTITION BY RANGE (a)";
    let err = s
        .execute_simple(sql)
        .await
        .pop()
        .expect("a result")
        .expect_err("refused");
    assert_eq!(
        (err.sqlstate, err.message.as_str()),
        (
            "0A000",
            "exclusion constraints are not supported on partitioned tables"
        )
    );
    assert_eq!(err.position, Some(37), "points at EXCLUDE");
}

#[tokio::test]
async fn partition_persistence_and_bound_arity_are_checked_first() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TEMP TABLE temp_parted (a int) PARTITION BY LIST (a)", "CREATE TABLE"),
            (
                "CREATE TABLE fail_part PARTITION OF temp_parted FOR VALUES IN ('a')",
                "ERROR 42P16: cannot create a permanent relation as partition of temporary relation \"temp_parted\"",
            ),
            (
                "CREATE TEMP TABLE ok_part PARTITION OF temp_parted FOR VALUES IN (1)",
                "CREATE TABLE",
            ),
            ("CREATE TABLE perm_parted (a int) PARTITION BY LIST (a)", "CREATE TABLE"),
            (
                "CREATE TEMP TABLE temp_part PARTITION OF perm_parted FOR VALUES IN (1)",
                "ERROR 42P16: cannot create a temporary relation as partition of permanent relation \"perm_parted\"",
            ),
            ("CREATE TABLE range_parted (a date) PARTITION BY RANGE (a)", "CREATE TABLE"),
            (
                "CREATE TABLE fail_part PARTITION OF range_parted FOR VALUES FROM ('a') TO ('z', 1)",
                "ERROR 42P16: TO must specify exactly one value per partitioning column",
            ),
        ],
    )
    .await;
}
