//! Helpers shared by the SQL integration tests: statement results as
//! text, one line per result (a tag, `v1|v2` per row, or
//! `ERROR <state>: <msg>`), scripts of statements with their expected
//! output, and an engine on a fresh in-memory store.

// Each test target compiles this module and uses only part of it.
#![allow(dead_code)]

use std::sync::Arc;

use borealis_sql::{Engine, MemStore, Session, StatementOutput};

/// One line per result.
pub fn render(results: Vec<Result<StatementOutput, borealis_sql::SqlError>>) -> String {
    let mut out = Vec::new();
    for r in results {
        match r {
            Ok(StatementOutput::Command { tag }) => out.push(tag),
            Ok(StatementOutput::Rows { rows, .. }) => {
                for row in rows {
                    out.push(
                        row.into_iter()
                            .map(|v| v.unwrap_or_else(|| "NULL".into()))
                            .collect::<Vec<_>>()
                            .join("|"),
                    );
                }
            }
            Err(e) => out.push(format!("ERROR {}: {}", e.sqlstate, e.message)),
        }
    }
    out.join("\n")
}

/// Like a compact psql: a header line of column names, the rows, `(tag)`.
pub fn render_table(results: Vec<Result<StatementOutput, borealis_sql::SqlError>>) -> String {
    let mut out = Vec::new();
    for r in results {
        match r {
            Ok(StatementOutput::Command { tag }) => out.push(tag),
            Ok(StatementOutput::Rows { columns, rows, tag }) => {
                let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
                out.push(names.join("|"));
                for row in rows {
                    let vals: Vec<String> = row
                        .into_iter()
                        .map(|v| v.unwrap_or_else(|| "NULL".into()))
                        .collect();
                    out.push(vals.join("|"));
                }
                out.push(format!("({tag})"));
            }
            Err(e) => out.push(format!("ERROR {}: {}", e.sqlstate, e.message)),
        }
    }
    out.join("\n")
}

pub async fn run_table(s: &mut Session, sql: &str) -> String {
    render_table(s.execute_simple(sql).await)
}

/// Runs `sql` and compares its [`render_table`] output with `expected`
/// (each line trimmed, blank lines ignored).
pub async fn check_table(s: &mut Session, sql: &str, expected: &str) {
    let got = run_table(s, sql).await;
    let norm = |t: &str| {
        t.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        norm(&got),
        norm(expected),
        "\nSQL: {sql}\n--- got ---\n{got}\n"
    );
}

pub async fn run(s: &mut Session, sql: &str) -> String {
    render(s.execute_simple(sql).await)
}

/// Runs each (sql, expected output) pair in order and asserts the output.
pub async fn check(s: &mut Session, cases: &[(&str, &str)]) {
    for (sql, want) in cases {
        assert_eq!(run(s, sql).await, *want, "{sql}");
    }
}

/// An engine on a new, empty `MemStore`.
pub async fn memory_engine() -> Engine {
    Engine::open(Arc::new(MemStore::new()))
        .await
        .expect("an engine opens on an empty MemStore")
}

/// Runs `before` on an engine over a new `MemStore`, opens a second engine
/// on the same store (a restart), and runs `after` on it.
pub async fn check_across_restart(before: &[(&str, &str)], after: &[(&str, &str)]) {
    let store = Arc::new(MemStore::new());
    {
        let e = Engine::open(store.clone())
            .await
            .expect("an engine opens on a MemStore");
        check(&mut e.session(), before).await;
    }
    let e = Engine::open(store)
        .await
        .expect("an engine reopens on its MemStore");
    check(&mut e.session(), after).await;
}

/// The rows of one query, each as `v1|v2` with `NULL` for null.
pub async fn rows(s: &mut Session, sql: &str) -> Vec<String> {
    let mut results = s.execute_simple(sql).await;
    assert_eq!(results.len(), 1, "one statement: {sql}");
    match results.pop() {
        Some(Ok(StatementOutput::Rows { rows, .. })) => rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|v| v.unwrap_or_else(|| "NULL".into()))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect(),
        other => panic!("{sql}: {other:?}"),
    }
}

/// Runs statements that must all succeed.
pub async fn exec(s: &mut Session, sql: &str) {
    for r in s.execute_simple(sql).await {
        if let Err(e) = r {
            panic!("{sql}: {e:?}");
        }
    }
}

/// The rows of one query (as `rows` gives them), sorted.
pub async fn sorted_rows(s: &mut Session, sql: &str) -> Vec<String> {
    sorted(rows(s, sql).await)
}

/// `v`, sorted: results compared without regard to row order.
pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// An engine on a new `MemStore` whose spill files go to a new directory
/// (`borealis-<name>-<pid>-<nanos>` under the system's temp dir), a
/// session on it, and that directory.
pub async fn spilling_engine(name: &str) -> (Engine, Session, std::path::PathBuf) {
    let engine = memory_engine().await;
    let dir = std::env::temp_dir().join(format!(
        "borealis-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    engine.set_spill_dir(dir.clone());
    let session = engine.session();
    (engine, session, dir)
}

/// Runs `sql` with work_mem 1GB (asserting no spill file was created) and
/// with 64kB (asserting one was), checks it returned more than
/// `more_rows_than` rows, and returns both results (in memory, spilled).
pub async fn in_memory_and_spilled(
    engine: &Engine,
    s: &mut Session,
    sql: &str,
    more_rows_than: usize,
) -> (Vec<String>, Vec<String>) {
    exec(s, "SET work_mem = '1GB'").await;
    let before = engine.spill_files_created();
    let in_memory = rows(s, sql).await;
    assert_eq!(engine.spill_files_created(), before, "in memory: {sql}");
    exec(s, "SET work_mem = '64kB'").await;
    let spilled = rows(s, sql).await;
    assert!(engine.spill_files_created() > before, "64kB spills: {sql}");
    exec(s, "RESET work_mem").await;
    assert!(
        in_memory.len() > more_rows_than,
        "more than {more_rows_than} rows: {sql}"
    );
    (in_memory, spilled)
}

/// Partitioned tables of every strategy, a sub-partitioned range partition,
/// default and NULL partitions, with rows in each leaf: `lp` (list), `rp`
/// (range, `rp_2` list-partitioned again), `hp` (hash), `mp` (two-column
/// range).
pub async fn pruning_tables(s: &mut Session) {
    exec(
        s,
        "CREATE TABLE lp (a int, b text) PARTITION BY LIST (a);
         CREATE TABLE lp_1 PARTITION OF lp FOR VALUES IN (1, 2);
         CREATE TABLE lp_3 PARTITION OF lp FOR VALUES IN (3);
         CREATE TABLE lp_null PARTITION OF lp FOR VALUES IN (NULL);
         CREATE TABLE lp_def PARTITION OF lp DEFAULT;
         CREATE TABLE rp (a int, b int) PARTITION BY RANGE (a);
         CREATE TABLE rp_1 PARTITION OF rp FOR VALUES FROM (MINVALUE) TO (10);
         CREATE TABLE rp_2 PARTITION OF rp FOR VALUES FROM (10) TO (20) PARTITION BY LIST (b);
         CREATE TABLE rp_2x PARTITION OF rp_2 FOR VALUES IN (1, 2);
         CREATE TABLE rp_2d PARTITION OF rp_2 DEFAULT;
         CREATE TABLE rp_3 PARTITION OF rp FOR VALUES FROM (20) TO (30);
         CREATE TABLE rp_def PARTITION OF rp DEFAULT;
         CREATE TABLE hp (a int, b text) PARTITION BY HASH (a, b);
         CREATE TABLE hp_0 PARTITION OF hp FOR VALUES WITH (MODULUS 3, REMAINDER 0);
         CREATE TABLE hp_1 PARTITION OF hp FOR VALUES WITH (MODULUS 3, REMAINDER 1);
         CREATE TABLE hp_2 PARTITION OF hp FOR VALUES WITH (MODULUS 3, REMAINDER 2);
         CREATE TABLE mp (a int, b int) PARTITION BY RANGE (a, b);
         CREATE TABLE mp_1 PARTITION OF mp FOR VALUES FROM (0, 0) TO (10, 5);
         CREATE TABLE mp_2 PARTITION OF mp FOR VALUES FROM (10, 5) TO (20, 0);
         CREATE TABLE mp_def PARTITION OF mp DEFAULT;
         INSERT INTO lp VALUES (1,'x'),(2,'y'),(3,'z'),(NULL,'n'),(7,'d');
         INSERT INTO rp VALUES (-5,1),(5,2),(10,1),(15,7),(19,NULL),(25,3),(30,4),(NULL,5);
         INSERT INTO hp SELECT g, g::text FROM generate_series(1,20) g;
         INSERT INTO hp VALUES (NULL, '1'), (2, NULL);
         INSERT INTO mp VALUES (0,0),(5,9),(10,4),(10,5),(10,9),(15,1),(20,0),(NULL,1),(3,NULL);",
    )
    .await;
}

/// The tables and partitions `EXPLAIN (COSTS OFF) sql` shows a Seq Scan
/// of (without their aliases), in plan order.
pub async fn scanned_leaves(s: &mut Session, sql: &str) -> Vec<String> {
    rows(s, &format!("EXPLAIN (COSTS OFF) {sql}"))
        .await
        .into_iter()
        .filter_map(|line| {
            let at = line.find("Seq Scan on ")?;
            let rest = &line[at + "Seq Scan on ".len()..];
            Some(rest.split(' ').next().unwrap_or(rest).to_string())
        })
        .collect()
}
