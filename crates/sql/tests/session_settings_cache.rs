//! A session keeps the catalog view it binds with (search path, row-level
//! security subject) between statements until a setting, the catalog or its
//! temporary objects change. These tests prove every change shows in the
//! very next statement, through the extended protocol's prepared path (the
//! one that skips binding) and simple queries alike, inside transaction
//! blocks: SET / SET LOCAL search_path, set_config(), SET ROLE,
//! row_security, ROLLBACK TO SAVEPOINT, COMMIT / ROLLBACK, and row-level
//! security DDL inside the open transaction.

mod support;

use borealis_sql::{Prepared, Session};
use support::{check, memory_engine, render, run};

async fn prepared(s: &mut Session, p: &Prepared) -> String {
    render(vec![s.execute_prepared(p, &[]).await])
}

/// Schemas `a` and `b`, each with a table `t` holding its own name.
const TWO_SCHEMAS: &[(&str, &str)] = &[
    ("CREATE SCHEMA a", "CREATE SCHEMA"),
    ("CREATE SCHEMA b", "CREATE SCHEMA"),
    ("CREATE TABLE a.t (v text)", "CREATE TABLE"),
    ("CREATE TABLE b.t (v text)", "CREATE TABLE"),
    ("INSERT INTO a.t VALUES ('a')", "INSERT 0 1"),
    ("INSERT INTO b.t VALUES ('b')", "INSERT 0 1"),
];

#[tokio::test]
async fn search_path_changes_show_in_the_next_statement_inside_a_block() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(&mut s, TWO_SCHEMAS).await;
    check(&mut s, &[("SET search_path = a", "SET")]).await;
    let q = s.prepare("SELECT v FROM t", &[]).await.expect("prepares");
    assert_eq!(prepared(&mut s, &q).await, "a");

    check(
        &mut s,
        &[("BEGIN", "BEGIN"), ("SET search_path = b", "SET")],
    )
    .await;
    assert_eq!(prepared(&mut s, &q).await, "b");
    check(&mut s, &[("SET LOCAL search_path = a", "SET")]).await;
    assert_eq!(prepared(&mut s, &q).await, "a");
    check(
        &mut s,
        &[
            ("SAVEPOINT sp", "SAVEPOINT"),
            ("SET search_path = b", "SET"),
        ],
    )
    .await;
    assert_eq!(prepared(&mut s, &q).await, "b");
    check(&mut s, &[("ROLLBACK TO SAVEPOINT sp", "ROLLBACK")]).await;
    assert_eq!(prepared(&mut s, &q).await, "a");
    // COMMIT keeps the session-level SET (b) and ends SET LOCAL (a).
    check(&mut s, &[("COMMIT", "COMMIT")]).await;
    assert_eq!(prepared(&mut s, &q).await, "b");

    // ROLLBACK undoes a SET made in the block.
    check(
        &mut s,
        &[("BEGIN", "BEGIN"), ("SET search_path = a", "SET")],
    )
    .await;
    assert_eq!(prepared(&mut s, &q).await, "a");
    check(&mut s, &[("ROLLBACK", "ROLLBACK")]).await;
    assert_eq!(prepared(&mut s, &q).await, "b");

    // set_config() from a query is kept once the statement succeeds.
    check(
        &mut s,
        &[
            ("SELECT set_config('search_path', 'a', false)", "a"),
            ("SELECT v FROM t", "a"),
        ],
    )
    .await;
    assert_eq!(prepared(&mut s, &q).await, "a");
    check(&mut s, &[("RESET search_path", "RESET")]).await;
    assert_eq!(
        prepared(&mut s, &q).await,
        "ERROR 42P01: relation \"t\" does not exist"
    );
}

#[tokio::test]
async fn a_schema_created_in_the_block_joins_the_path_at_once() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(&mut s, TWO_SCHEMAS).await;
    check(&mut s, &[("SET search_path = c, a", "SET")]).await;
    let q = s.prepare("SELECT v FROM t", &[]).await.expect("prepares");
    assert_eq!(prepared(&mut s, &q).await, "a");
    check(
        &mut s,
        &[
            ("BEGIN", "BEGIN"),
            ("CREATE SCHEMA c", "CREATE SCHEMA"),
            ("CREATE TABLE c.t (v text)", "CREATE TABLE"),
            ("INSERT INTO c.t VALUES ('c')", "INSERT 0 1"),
        ],
    )
    .await;
    assert_eq!(prepared(&mut s, &q).await, "c");
    check(&mut s, &[("ROLLBACK", "ROLLBACK")]).await;
    assert_eq!(prepared(&mut s, &q).await, "a");
}

/// `docs` owned by `owner` with row-level security on and a policy that
/// shows each role its own rows; `reader` and `other` may read it.
const RLS_SETUP: &[(&str, &str)] = &[
    ("CREATE ROLE owner", "CREATE ROLE"),
    ("CREATE ROLE reader", "CREATE ROLE"),
    ("CREATE ROLE other", "CREATE ROLE"),
    ("CREATE TABLE docs (id int, author text)", "CREATE TABLE"),
    ("ALTER TABLE docs OWNER TO owner", "ALTER TABLE"),
    (
        "INSERT INTO docs VALUES (1, 'reader'), (2, 'owner'), (3, 'reader'), (4, 'other')",
        "INSERT 0 4",
    ),
    ("GRANT SELECT, UPDATE ON docs TO reader, other", "GRANT"),
    ("ALTER TABLE docs ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
    (
        "CREATE POLICY own ON docs USING (author = current_user)",
        "CREATE POLICY",
    ),
];

#[tokio::test]
async fn set_role_and_row_security_show_in_the_next_statement_inside_a_block() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(&mut s, RLS_SETUP).await;
    let count = s
        .prepare("SELECT count(*) FROM docs", &[])
        .await
        .expect("prepares");
    let touch = s
        .prepare("UPDATE docs SET id = id", &[])
        .await
        .expect("prepares");
    assert_eq!(prepared(&mut s, &count).await, "4");
    check(&mut s, &[("BEGIN", "BEGIN"), ("SET ROLE reader", "SET")]).await;
    assert_eq!(prepared(&mut s, &count).await, "2");
    assert_eq!(prepared(&mut s, &touch).await, "UPDATE 2");
    check(&mut s, &[("SET LOCAL ROLE other", "SET")]).await;
    assert_eq!(prepared(&mut s, &count).await, "1");
    assert_eq!(prepared(&mut s, &touch).await, "UPDATE 1");
    check(
        &mut s,
        &[("SAVEPOINT sp", "SAVEPOINT"), ("RESET ROLE", "RESET")],
    )
    .await;
    assert_eq!(prepared(&mut s, &count).await, "4");
    check(&mut s, &[("ROLLBACK TO SAVEPOINT sp", "ROLLBACK")]).await;
    assert_eq!(prepared(&mut s, &count).await, "1");
    check(&mut s, &[("ROLLBACK", "ROLLBACK")]).await;
    assert_eq!(prepared(&mut s, &count).await, "4");

    // The owner is exempt unless row_security is off for a non-owner: then
    // PostgreSQL refuses a query the policies would filter.
    check(&mut s, &[("BEGIN", "BEGIN"), ("SET ROLE reader", "SET")]).await;
    assert_eq!(prepared(&mut s, &count).await, "2");
    check(&mut s, &[("SET row_security = off", "SET")]).await;
    assert_eq!(
        prepared(&mut s, &count).await,
        "ERROR 42501: query would be affected by row-level security policy for table \"docs\""
    );
    check(&mut s, &[("ROLLBACK", "ROLLBACK")]).await;
}

#[tokio::test]
async fn row_security_ddl_in_the_block_applies_to_the_next_statement() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(&mut s, RLS_SETUP).await;
    let count = s
        .prepare("SELECT count(*) FROM docs", &[])
        .await
        .expect("prepares");
    check(&mut s, &[("SET ROLE reader", "SET")]).await;
    assert_eq!(prepared(&mut s, &count).await, "2");
    check(
        &mut s,
        &[
            ("BEGIN", "BEGIN"),
            ("RESET ROLE", "RESET"),
            ("DROP POLICY own ON docs", "DROP POLICY"),
            ("SET ROLE reader", "SET"),
        ],
    )
    .await;
    // Enabled without a policy: nothing is visible to a non-owner.
    assert_eq!(prepared(&mut s, &count).await, "0");
    check(
        &mut s,
        &[
            ("RESET ROLE", "RESET"),
            ("ALTER TABLE docs DISABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            ("SET ROLE reader", "SET"),
        ],
    )
    .await;
    assert_eq!(prepared(&mut s, &count).await, "4");
    check(&mut s, &[("ROLLBACK", "ROLLBACK")]).await;
    // The policy and the switch are back; the role set in the block is not.
    assert_eq!(prepared(&mut s, &count).await, "2");
    assert_eq!(run(&mut s, "SELECT current_user").await, "reader");
}
