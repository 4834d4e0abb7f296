//! Row order after UPDATE and the row-version system columns: a table
//! without a primary key lists an updated row after the untouched ones (as
//! PostgreSQL's heap does), concurrent writers still find a row an UPDATE
//! moved, and `xmin`/`xmax` name the transactions that wrote and removed a
//! row version.

use std::time::Duration;

use borealis_sql::{Session, Streamed};

mod support;
use support::{check_table, memory_engine, run_table};

/// Waits until a spawned statement is blocked (still running after a pause).
async fn assert_waiting<T>(h: &tokio::task::JoinHandle<T>) {
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !h.is_finished(),
        "the second writer must wait for the first"
    );
}

#[tokio::test]
async fn updated_rows_follow_the_untouched_ones_in_update_order() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(
        &mut s,
        "CREATE TABLE h (a int, b text); INSERT INTO h VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')",
        "CREATE TABLE\nINSERT 0 4",
    )
    .await;
    check_table(
        &mut s,
        "UPDATE h SET b = b || '!' WHERE a IN (3, 1); SELECT * FROM h",
        "UPDATE 2\na|b\n2|b\n4|d\n1|a!\n3|c!\n(SELECT 4)",
    )
    .await;
    check_table(
        &mut s,
        "UPDATE h SET a = a + 10 WHERE a = 2; SELECT * FROM h",
        "UPDATE 1\na|b\n4|d\n1|a!\n3|c!\n12|b\n(SELECT 4)",
    )
    .await;
    // Indexes point at the moved rows; a unique index's ON CONFLICT
    // updates (and moves) the row it finds.
    check_table(
        &mut s,
        "CREATE UNIQUE INDEX h_a ON h (a); CREATE INDEX h_b ON h (b); \
         INSERT INTO h VALUES (4, 'x') ON CONFLICT (a) DO UPDATE SET b = excluded.b; \
         SELECT * FROM h; SELECT a FROM h WHERE b = 'x'; SELECT b FROM h WHERE a = 4",
        "CREATE INDEX\nCREATE INDEX\nINSERT 0 1\na|b\n1|a!\n3|c!\n12|b\n4|x\n(SELECT 4)\na\n4\n(SELECT 1)\nb\nx\n(SELECT 1)",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO h VALUES (4, 'y'), (4, 'z') ON CONFLICT (a) DO UPDATE SET b = excluded.b",
        "ERROR 21000: ON CONFLICT DO UPDATE command cannot affect row a second time",
    )
    .await;
    // ROLLBACK TO SAVEPOINT puts the row back where it was.
    check_table(
        &mut s,
        "BEGIN; UPDATE h SET b = 'kept' WHERE a = 1; SAVEPOINT s; UPDATE h SET b = 'undone' WHERE a = 3; \
         ROLLBACK TO s; SELECT * FROM h; COMMIT",
        "BEGIN\nUPDATE 1\nSAVEPOINT\nUPDATE 1\nROLLBACK\na|b\n3|c!\n12|b\n4|x\n1|kept\n(SELECT 4)\nCOMMIT",
    )
    .await;
    // A table with a primary key keeps primary-key order.
    check_table(
        &mut s,
        "CREATE TABLE k (id int PRIMARY KEY, v int); INSERT INTO k VALUES (1, 0), (2, 0); \
         UPDATE k SET v = 1 WHERE id = 1; SELECT * FROM k",
        "CREATE TABLE\nINSERT 0 2\nUPDATE 1\nid|v\n1|1\n2|0\n(SELECT 2)",
    )
    .await;
}

/// A BEFORE trigger that updates the row being updated: PostgreSQL's 27000,
/// not a second copy of the row.
#[tokio::test]
async fn a_row_updated_by_its_own_before_trigger_is_refused() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(
        &mut s,
        "CREATE TABLE t (a int, b int); INSERT INTO t VALUES (1, 0); \
         CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN IF NEW.b = 1 THEN UPDATE t SET b = b + 100 WHERE a = NEW.a; END IF; RETURN NEW; END $$; \
         CREATE TRIGGER tb BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION bump()",
        "CREATE TABLE\nINSERT 0 1\nCREATE FUNCTION\nCREATE TRIGGER",
    )
    .await;
    check_table(
        &mut s,
        "UPDATE t SET b = 1",
        "ERROR 27000: tuple to be updated was already modified by an operation triggered by the current command",
    )
    .await;
    check_table(&mut s, "SELECT * FROM t", "a|b\n1|0\n(SELECT 1)").await;
}

/// READ COMMITTED: a writer that waited for a concurrent UPDATE finds the
/// row at its new key and updates the newest version (no lost update);
/// a FOR UPDATE waiter locks it there; REPEATABLE READ fails with 40001.
#[tokio::test]
async fn concurrent_writers_follow_a_moved_row() {
    let e = memory_engine().await;
    let mut a = e.session();
    check_table(
        &mut a,
        "CREATE TABLE c (id int, n int); INSERT INTO c VALUES (1, 0), (2, 0)",
        "CREATE TABLE\nINSERT 0 2",
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
        run_table(&mut b, "UPDATE c SET n = n + 10 WHERE id = 1").await
    });
    assert_waiting(&waiter).await;
    check_table(&mut a, "COMMIT", "COMMIT").await;
    assert_eq!(waiter.await.unwrap(), "UPDATE 1");
    check_table(&mut a, "SELECT * FROM c", "id|n\n2|0\n1|11\n(SELECT 2)").await;

    // The re-check of the WHERE runs on the moved version.
    check_table(
        &mut a,
        "BEGIN; UPDATE c SET n = 50 WHERE id = 1",
        "BEGIN\nUPDATE 1",
    )
    .await;
    let e3 = e.clone();
    let waiter = tokio::spawn(async move {
        let mut b = e3.session();
        run_table(&mut b, "UPDATE c SET n = n + 1 WHERE n = 11").await
    });
    assert_waiting(&waiter).await;
    check_table(&mut a, "COMMIT", "COMMIT").await;
    assert_eq!(waiter.await.unwrap(), "UPDATE 0");

    // Moved twice in one transaction, then locked FOR UPDATE by a waiter.
    check_table(
        &mut a,
        "BEGIN; UPDATE c SET n = n + 1 WHERE id = 1; UPDATE c SET n = n + 1 WHERE id = 1",
        "BEGIN\nUPDATE 1\nUPDATE 1",
    )
    .await;
    let e4 = e.clone();
    let waiter = tokio::spawn(async move {
        let mut b = e4.session();
        run_table(
            &mut b,
            "BEGIN; SELECT n FROM c WHERE id = 1 FOR UPDATE; UPDATE c SET n = n * 2 WHERE id = 1; COMMIT",
        )
        .await
    });
    assert_waiting(&waiter).await;
    check_table(&mut a, "COMMIT", "COMMIT").await;
    assert_eq!(
        waiter.await.unwrap(),
        "BEGIN\nn\n52\n(SELECT 1)\nUPDATE 1\nCOMMIT"
    );
    check_table(&mut a, "SELECT n FROM c WHERE id = 1", "n\n104\n(SELECT 1)").await;

    // DELETE waits and deletes the moved row.
    check_table(
        &mut a,
        "BEGIN; UPDATE c SET n = 0 WHERE id = 2",
        "BEGIN\nUPDATE 1",
    )
    .await;
    let e5 = e.clone();
    let waiter = tokio::spawn(async move {
        let mut b = e5.session();
        run_table(&mut b, "DELETE FROM c WHERE id = 2 RETURNING *").await
    });
    assert_waiting(&waiter).await;
    check_table(&mut a, "COMMIT", "COMMIT").await;
    assert_eq!(waiter.await.unwrap(), "id|n\n2|0\n(DELETE 1)");

    // First committer wins under REPEATABLE READ.
    check_table(
        &mut a,
        "BEGIN; UPDATE c SET n = 7 WHERE id = 1",
        "BEGIN\nUPDATE 1",
    )
    .await;
    let e6 = e.clone();
    let waiter = tokio::spawn(async move {
        let mut b = e6.session();
        run_table(
            &mut b,
            "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM c; UPDATE c SET n = n + 1 WHERE id = 1",
        )
        .await
    });
    assert_waiting(&waiter).await;
    check_table(&mut a, "COMMIT", "COMMIT").await;
    let out = waiter.await.unwrap();
    assert!(
        out.ends_with("ERROR 40001: could not serialize access due to concurrent update"),
        "{out}"
    );
    check_table(&mut a, "SELECT * FROM c", "id|n\n1|7\n(SELECT 1)").await;
}

/// ON CONFLICT DO UPDATE that waited for a concurrent UPDATE of the
/// conflicting row updates the row where that UPDATE moved it.
#[tokio::test]
async fn upsert_waiting_for_an_update_follows_the_moved_row() {
    let e = memory_engine().await;
    let mut a = e.session();
    check_table(
        &mut a,
        "CREATE TABLE u (k int UNIQUE, n int); INSERT INTO u VALUES (1, 0)",
        "CREATE TABLE\nINSERT 0 1",
    )
    .await;
    check_table(
        &mut a,
        "BEGIN; UPDATE u SET n = n + 1 WHERE k = 1",
        "BEGIN\nUPDATE 1",
    )
    .await;
    let e2 = e.clone();
    let waiter = tokio::spawn(async move {
        let mut b = e2.session();
        run_table(
            &mut b,
            "INSERT INTO u VALUES (1, 0) ON CONFLICT (k) DO UPDATE SET n = u.n + 10",
        )
        .await
    });
    assert_waiting(&waiter).await;
    check_table(&mut a, "COMMIT", "COMMIT").await;
    assert_eq!(waiter.await.unwrap(), "INSERT 0 1");
    check_table(&mut a, "SELECT * FROM u", "k|n\n1|11\n(SELECT 1)").await;
}

/// A cursor does not meet again a row its transaction updated after the
/// cursor began (the new version is past the last row id the scan started
/// with), here on a table larger than one store page.
#[tokio::test]
async fn a_cursor_does_not_see_rows_moved_after_it_began() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(
        &mut s,
        "CREATE TABLE r (a int); INSERT INTO r SELECT g FROM generate_series(1, 5000) g",
        "CREATE TABLE\nINSERT 0 5000",
    )
    .await;
    check_table(&mut s, "BEGIN", "BEGIN").await;
    let mut opened = s.execute_simple_streaming("SELECT a FROM r").await;
    let Some(Ok(Streamed::Cursor(c))) = opened.pop() else {
        panic!("not a cursor")
    };
    let first = s.fetch(c.id, 1).await.unwrap();
    assert_eq!(first.rows, vec![vec![Some("1".to_string())]]);
    check_table(&mut s, "UPDATE r SET a = -a WHERE a <= 10", "UPDATE 10").await;
    let mut rest = Vec::new();
    loop {
        let f = s.fetch(c.id, 1000).await.unwrap();
        rest.extend(f.rows);
        if f.done.is_some() {
            break;
        }
    }
    assert_eq!(rest.len(), 4999, "each row once");
    check_table(&mut s, "COMMIT", "COMMIT").await;
    check_table(
        &mut s,
        "SELECT count(*), min(a) FROM r",
        "count|min\n5000|-10\n(SELECT 1)",
    )
    .await;
}

/// The single value of a one-row, one-column result.
async fn value(s: &mut Session, sql: &str) -> String {
    let out = run_table(s, sql).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "one value expected from {sql}: {out}");
    lines[1].to_string()
}

/// `xmin` is the id of the transaction that wrote the row version
/// (`pg_current_xact_id()` inside it), changes with every UPDATE, and
/// serves an ORM's optimistic concurrency check (`WHERE id = $1 AND xmin =
/// $2`); `xmax` is 0 for a live row.
#[tokio::test]
async fn xmin_names_the_writing_transaction() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(
        &mut s,
        "CREATE TABLE x (id int PRIMARY KEY, v int); CREATE TABLE y (v int)",
        "CREATE TABLE\nCREATE TABLE",
    )
    .await;
    check_table(&mut s, "BEGIN", "BEGIN").await;
    let writer = value(&mut s, "SELECT pg_current_xact_id()").await;
    assert_eq!(
        value(&mut s, "INSERT INTO x VALUES (1, 0) RETURNING xmin").await,
        writer
    );
    check_table(&mut s, "INSERT INTO y VALUES (1), (2)", "INSERT 0 2").await;
    check_table(&mut s, "COMMIT", "COMMIT").await;
    assert_eq!(
        value(&mut s, "SELECT xmin FROM x WHERE id = 1").await,
        writer
    );
    assert_eq!(value(&mut s, "SELECT xmax FROM x").await, "0");

    // An UPDATE in another transaction gives the row a new xmin; the
    // optimistic check with the old one then matches nothing.
    let old = writer.clone();
    let updated = value(&mut s, "UPDATE x SET v = 1 WHERE id = 1 RETURNING xmin").await;
    assert_ne!(updated, old);
    assert_eq!(value(&mut s, "SELECT xmin FROM x").await, updated);
    check_table(
        &mut s,
        &format!("UPDATE x SET v = 2 WHERE id = 1 AND xmin = {old}"),
        "UPDATE 0",
    )
    .await;
    check_table(
        &mut s,
        &format!("UPDATE x SET v = 2 WHERE id = 1 AND xmin = {updated} RETURNING v"),
        "v\n2\n(UPDATE 1)",
    )
    .await;
    // Heap-ordered tables too, and through FOR UPDATE.
    let y_writer = value(&mut s, "SELECT DISTINCT xmin FROM y").await;
    assert_eq!(y_writer, writer);
    check_table(
        &mut s,
        &format!("SELECT v FROM y WHERE xmin = {writer} ORDER BY v FOR UPDATE"),
        "v\n1\n2\n(SELECT 2)",
    )
    .await;
    // DELETE RETURNING: xmin of the version deleted, xmax the deleter.
    check_table(&mut s, "BEGIN", "BEGIN").await;
    let deleter = value(&mut s, "SELECT txid_current()").await;
    check_table(
        &mut s,
        "DELETE FROM y WHERE v = 1 RETURNING xmin::text, xmax::text",
        &format!("xmin|xmax\n{writer}|{deleter}\n(DELETE 1)"),
    )
    .await;
    check_table(&mut s, "COMMIT", "COMMIT").await;
    // `*` does not show them.
    check_table(
        &mut s,
        "SELECT *, xmin <> 0 AS has_xmin FROM y",
        "v|has_xmin\n2|t\n(SELECT 1)",
    )
    .await;
}

/// PostgreSQL has no system columns for a row it routed from a
/// partitioned table into a leaf of the parent's own layout (a virtual
/// tuple): RETURNING xmin fails there with its message.
#[tokio::test]
async fn routed_rows_without_conversion_have_no_system_columns() {
    let e = memory_engine().await;
    let mut s = e.session();
    check_table(
        &mut s,
        "CREATE TABLE pq (a int, b text) PARTITION BY LIST (a); \
         CREATE TABLE pq1 PARTITION OF pq FOR VALUES IN (1)",
        "CREATE TABLE\nCREATE TABLE",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO pq VALUES (1, 'x') RETURNING xmin <> 0 AS ok",
        "ERROR XX000: cannot retrieve a system column in this context",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO pq1 VALUES (1, 'x') RETURNING xmin <> 0 AS ok",
        "ok\nt\n(INSERT 0 1)",
    )
    .await;
    check_table(
        &mut s,
        "INSERT INTO pq VALUES (1, 'y') RETURNING tableoid::regclass",
        "tableoid\npq1\n(INSERT 0 1)",
    )
    .await;
}
