//! Helpers shared by the SQL integration tests: statement results as
//! text, one line per result (a tag, `v1|v2` per row, or
//! `ERROR <state>: <msg>`).

use borealis_sql::{Session, StatementOutput};

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

pub async fn run(s: &mut Session, sql: &str) -> String {
    render(s.execute_simple(sql).await)
}
