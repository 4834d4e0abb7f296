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
