//! Transition tables of AFTER triggers (`REFERENCING OLD TABLE AS ... NEW
//! TABLE AS ...`): statement- and row-level triggers query the statement's
//! old and new rows; rows an UPDATE moves between partitions count as
//! updated; PostgreSQL's definition errors. Expected outputs are
//! PostgreSQL 15's.

mod support;

use borealis_sql::Session;
use support::{check, memory_engine, run};

async fn session() -> Session {
    memory_engine().await.session()
}

/// Runs `sql` and returns its output followed by its notices, one a line.
async fn run_with_notices(s: &mut Session, sql: &str) -> String {
    let out = run(s, sql).await;
    let mut lines = vec![out];
    lines.extend(s.take_notices().into_iter().map(|n| n.message));
    lines.join("\n")
}

const REPORT_FUNCTION: &str = "CREATE FUNCTION report() RETURNS trigger LANGUAGE plpgsql AS $$
begin
  raise notice 'trigger = %, old table = %, new table = %', TG_NAME,
    (select string_agg(o::text, ', ' ORDER BY a) FROM o),
    (select string_agg(n::text, ', ' ORDER BY a) FROM n);
  return null;
end $$";

const COUNT_FUNCTION: &str = "CREATE FUNCTION count_new() RETURNS trigger LANGUAGE plpgsql AS $$
begin
  raise notice 'trigger = %, new table = %, count = %', TG_NAME,
    (select string_agg(n::text, ', ' ORDER BY a) FROM n), (select count(*) from n);
  return null;
end $$";

#[tokio::test]
async fn statement_and_row_triggers_see_the_statement_rows() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE tt (a int, b text)", "CREATE TABLE"),
            (REPORT_FUNCTION, "CREATE FUNCTION"),
            (COUNT_FUNCTION, "CREATE FUNCTION"),
            (
                "CREATE TRIGGER tt_u AFTER UPDATE ON tt REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION report()",
                "CREATE TRIGGER",
            ),
            (
                "CREATE TRIGGER tt_i AFTER INSERT ON tt REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION count_new()",
                "CREATE TRIGGER",
            ),
            (
                "CREATE TRIGGER tt_r AFTER INSERT ON tt REFERENCING NEW TABLE AS n FOR EACH ROW EXECUTE FUNCTION count_new()",
                "CREATE TRIGGER",
            ),
        ],
    )
    .await;
    assert_eq!(
        run_with_notices(&mut s, "INSERT INTO tt VALUES (1, 'x'), (2, 'y')").await,
        "INSERT 0 2\n\
         trigger = tt_r, new table = (1,x), (2,y), count = 2\n\
         trigger = tt_r, new table = (1,x), (2,y), count = 2\n\
         trigger = tt_i, new table = (1,x), (2,y), count = 2"
    );
    assert_eq!(
        run_with_notices(&mut s, "UPDATE tt SET b = b || '!' WHERE a = 2").await,
        "UPDATE 1\ntrigger = tt_u, old table = (2,y), new table = (2,y!)"
    );
    assert_eq!(
        run_with_notices(&mut s, "UPDATE tt SET b = 'none' WHERE a = 99").await,
        "UPDATE 0\ntrigger = tt_u, old table = <NULL>, new table = <NULL>"
    );
}

#[tokio::test]
async fn rows_moved_between_partitions_are_updates() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE rp (a int, b int) PARTITION BY RANGE (a)", "CREATE TABLE"),
            ("CREATE TABLE rp_lo PARTITION OF rp FOR VALUES FROM (0) TO (10)", "CREATE TABLE"),
            // Another column order: rows are shown in the parent's.
            ("CREATE TABLE rp_hi (b int, a int)", "CREATE TABLE"),
            ("ALTER TABLE rp ATTACH PARTITION rp_hi FOR VALUES FROM (10) TO (100)", "ALTER TABLE"),
            ("INSERT INTO rp VALUES (1, 100), (5, 500), (20, 2000)", "INSERT 0 3"),
            (REPORT_FUNCTION, "CREATE FUNCTION"),
            (
                "CREATE TRIGGER rp_u AFTER UPDATE ON rp REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION report()",
                "CREATE TRIGGER",
            ),
            (
                "CREATE TRIGGER rp_d AFTER DELETE ON rp REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION report()",
                "CREATE TRIGGER",
            ),
        ],
    )
    .await;
    // rp_d does not fire (its function would fail: it has no table "n").
    assert_eq!(
        run_with_notices(&mut s, "UPDATE rp SET a = a + 10 WHERE a < 10").await,
        "UPDATE 2\ntrigger = rp_u, old table = (1,100), (5,500), new table = (11,100), (15,500)"
    );
}

#[tokio::test]
async fn definition_errors() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE tt (a int, b text)", "CREATE TABLE"),
            (REPORT_FUNCTION, "CREATE FUNCTION"),
            (
                "CREATE TRIGGER bad AFTER INSERT OR UPDATE ON tt REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION report()",
                "ERROR 0A000: transition tables cannot be specified for triggers with more than one event",
            ),
            (
                "CREATE TRIGGER bad BEFORE INSERT ON tt REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION report()",
                "ERROR 42P17: transition table name can only be specified for an AFTER trigger",
            ),
            (
                "CREATE TRIGGER bad AFTER INSERT ON tt REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION report()",
                "ERROR 42P17: OLD TABLE can only be specified for a DELETE or UPDATE trigger",
            ),
            (
                "CREATE TRIGGER bad AFTER DELETE ON tt REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION report()",
                "ERROR 42P17: NEW TABLE can only be specified for an INSERT or UPDATE trigger",
            ),
            (
                "CREATE TRIGGER bad AFTER UPDATE ON tt REFERENCING OLD TABLE AS x NEW TABLE AS x FOR EACH STATEMENT EXECUTE FUNCTION report()",
                "ERROR 42P17: OLD TABLE name and NEW TABLE name cannot be the same",
            ),
        ],
    )
    .await;
}
