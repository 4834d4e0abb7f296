//! DROP TYPE / DROP DOMAIN against the tables that use the type, with
//! PostgreSQL 15's dependency reports: a column of the type is the
//! dependent ("column a of table t"), unless the table's partition key uses
//! the column, when the table itself is ("table p", its partitions going
//! with it unnamed). CASCADE drops the columns and those tables, with one
//! NOTICE (or "drop cascades to N other objects" and the list as DETAIL).
//! Also the SQL-standard `TABLE name` statement that checks the result.

mod support;

use support::{check, memory_engine};

/// The (message, detail) of the NOTICEs the session has collected.
fn notices(s: &mut borealis_sql::Session) -> Vec<(String, Option<String>)> {
    s.take_notices()
        .into_iter()
        .map(|n| (n.message, n.detail))
        .collect()
}

#[tokio::test]
async fn drop_domain_lists_columns_and_partition_keyed_tables() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE DOMAIN d1 AS int", "CREATE DOMAIN"),
            ("CREATE TABLE t (a d1, b int)", "CREATE TABLE"),
            ("CREATE TABLE t2 (x int, y d1, z d1)", "CREATE TABLE"),
            (
                "CREATE TABLE p (a d1, b text) PARTITION BY RANGE (a)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (1) TO (10)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE q (a d1, b int) PARTITION BY LIST (b)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE q1 PARTITION OF q FOR VALUES IN (1)",
                "CREATE TABLE",
            ),
            (
                "INSERT INTO t VALUES (1, 2); INSERT INTO q VALUES (3, 1)",
                "INSERT 0 1\nINSERT 0 1",
            ),
        ],
    )
    .await;
    let err = s
        .execute_simple("DROP DOMAIN d1")
        .await
        .pop()
        .and_then(Result::err)
        .expect("DROP DOMAIN without CASCADE fails");
    assert_eq!(err.sqlstate, "2BP01");
    assert_eq!(
        err.detail.as_deref(),
        Some(
            "column a of table t depends on type d1\n\
             column z of table t2 depends on type d1\n\
             column y of table t2 depends on type d1\n\
             table p depends on type d1\n\
             column a of table q depends on type d1\n\
             column a of table q1 depends on type d1"
        )
    );
    s.take_notices();
    check(&mut s, &[("DROP DOMAIN d1 CASCADE", "DROP DOMAIN")]).await;
    assert_eq!(
        notices(&mut s),
        [(
            "drop cascades to 6 other objects".to_string(),
            Some(
                "drop cascades to column a of table t\n\
                 drop cascades to column z of table t2\n\
                 drop cascades to column y of table t2\n\
                 drop cascades to table p\n\
                 drop cascades to column a of table q\n\
                 drop cascades to column a of table q1"
                    .to_string()
            )
        )]
    );
    check(
        &mut s,
        &[
            ("TABLE t", "2"),
            ("SELECT * FROM t2", ""),
            ("TABLE q", "1"),
            ("TABLE q1", "1"),
            ("TABLE p", "ERROR 42P01: relation \"p\" does not exist"),
            ("TABLE p1", "ERROR 42P01: relation \"p1\" does not exist"),
            ("INSERT INTO q VALUES (1); TABLE q1", "INSERT 0 1\n1\n1"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_partition_expression_on_the_column_makes_the_table_the_dependent() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE DOMAIN d2 AS int", "CREATE DOMAIN"),
            (
                "CREATE TABLE pe (a d2, b text) PARTITION BY RANGE (abs(a))",
                "CREATE TABLE",
            ),
            ("CREATE TABLE other (a d2)", "CREATE TABLE"),
        ],
    )
    .await;
    let err = s
        .execute_simple("DROP DOMAIN d2")
        .await
        .pop()
        .and_then(Result::err)
        .expect("DROP DOMAIN without CASCADE fails");
    assert_eq!(
        err.detail.as_deref(),
        Some("table pe depends on type d2\ncolumn a of table other depends on type d2")
    );
    s.take_notices();
    check(&mut s, &[("DROP TABLE other", "DROP TABLE")]).await;
    check(&mut s, &[("DROP DOMAIN d2 CASCADE", "DROP DOMAIN")]).await;
    assert_eq!(
        notices(&mut s),
        [("drop cascades to table pe".to_string(), None)]
    );
    check(
        &mut s,
        &[
            ("TABLE pe", "ERROR 42P01: relation \"pe\" does not exist"),
            ("CREATE DOMAIN d2 AS int", "CREATE DOMAIN"),
        ],
    )
    .await;
}

#[tokio::test]
async fn table_statement_reads_like_select_star_and_points_at_the_name() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE tt (a int, b text)", "CREATE TABLE"),
            ("INSERT INTO tt VALUES (1, 'x'), (2, 'y')", "INSERT 0 2"),
            ("table tt", "1|x\n2|y"),
            ("TABLE public.tt; TABLE ONLY tt", "1|x\n2|y\n1|x\n2|y"),
        ],
    )
    .await;
    let err = s
        .execute_simple("table nosuch")
        .await
        .pop()
        .and_then(Result::err)
        .expect("TABLE of a missing relation fails");
    assert_eq!(err.message, "relation \"nosuch\" does not exist");
    assert_eq!(err.position, Some(7));
}

#[tokio::test]
async fn cascade_lists_types_before_table_columns() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TYPE ct AS (a int, b text)", "CREATE TYPE"),
            ("CREATE TYPE holder AS (n int, c ct)", "CREATE TYPE"),
            ("CREATE DOMAIN zdom AS ct", "CREATE DOMAIN"),
            ("CREATE TABLE uses (k int, c ct)", "CREATE TABLE"),
        ],
    )
    .await;
    s.take_notices();
    check(&mut s, &[("DROP TYPE ct CASCADE", "DROP TYPE")]).await;
    assert_eq!(
        notices(&mut s),
        [(
            "drop cascades to 3 other objects".to_string(),
            Some(
                "drop cascades to column c of composite type holder\n\
                 drop cascades to type zdom\n\
                 drop cascades to column c of table uses"
                    .to_string()
            )
        )]
    );
    check(
        &mut s,
        &[
            ("INSERT INTO uses VALUES (1); TABLE uses", "INSERT 0 1\n1"),
            ("SELECT '(1)'::holder", "(1)"),
        ],
    )
    .await;
}
