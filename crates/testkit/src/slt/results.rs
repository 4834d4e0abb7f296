//! How a record's output is judged, as sqllogictest-rs judges it: sort
//! (`rowsort`, `valuesort`), hash results over the threshold with MD5 as
//! the original runner does ("N values hashing to <md5>"), flatten in
//! `valuewise` mode, and compare values with whitespace normalized.

use super::parser::{Kind, QueryExpect, ResultMode, SortMode, StatementExpect};
use crate::db::{DbOutput, ExecError};

/// Per-file settings changed by control records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub hash_threshold: usize,
    pub sort: Option<SortMode>,
    pub result_mode: ResultMode,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            hash_threshold: 0,
            sort: None,
            result_mode: ResultMode::RowWise,
        }
    }
}

/// Why a record failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailKind {
    /// The server returned an error where none was expected.
    Error {
        message: String,
        sqlstate: String,
    },
    /// Results (or a statement count) differ.
    Mismatch,
    /// It succeeded where an error was expected.
    UnexpectedOk,
    /// An error, but not the expected one.
    WrongError {
        message: String,
    },
    Timeout,
    Connection(String),
    /// The harness could not read the record.
    Malformed(String),
    /// Not run: the file was abandoned after repeated timeouts or lost connections.
    Abandoned,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailKind,
    pub expected: String,
    pub actual: String,
}

/// Trims and collapses whitespace, like sqllogictest-rs's default normalizer.
pub fn normalize(s: &str) -> String {
    s.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// The MD5 of the values, each followed by a newline, in lowercase hex.
pub fn md5_of_values(rows: &[Vec<String>]) -> String {
    let mut ctx = md5::Context::new();
    for row in rows {
        for value in row {
            ctx.consume(value.as_bytes());
            ctx.consume(b"\n");
        }
    }
    format!("{:x}", ctx.finalize())
}

/// Sorts as the record (or the file's `control sortmode`) says, then
/// replaces the rows by one hash line when there are more values than the
/// threshold.
pub fn sort_and_hash(
    mut rows: Vec<Vec<String>>,
    columns: usize,
    sort: Option<SortMode>,
    hash_threshold: usize,
) -> Vec<Vec<String>> {
    let mut value_sort = false;
    match sort {
        None | Some(SortMode::NoSort) => {}
        Some(SortMode::RowSort) => rows.sort_unstable(),
        Some(SortMode::ValueSort) => {
            rows = rows.into_iter().flatten().map(|v| vec![v]).collect();
            rows.sort_unstable();
            value_sort = true;
        }
    }
    let num_values = if value_sort {
        rows.len()
    } else {
        rows.len() * columns
    };
    if hash_threshold > 0 && num_values > hash_threshold {
        let total: usize = rows.iter().map(Vec::len).sum();
        let hash = md5_of_values(&rows);
        rows = vec![vec![format!("{total} values hashing to {hash}")]];
    }
    rows
}

/// Whether (already sorted and hashed) rows match the expected lines.
pub fn rows_match(rows: &[Vec<String>], mode: ResultMode, expected: &[String]) -> bool {
    let actual: Vec<String> = match mode {
        ResultMode::ValueWise => rows.iter().flatten().map(|v| normalize(v)).collect(),
        ResultMode::RowWise => rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|v| normalize(v))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect(),
    };
    let expected: Vec<String> = expected.iter().map(|e| normalize(e)).collect();
    actual == expected
}

fn render_rows(rows: &[Vec<String>]) -> String {
    rows.iter()
        .map(|r| r.join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn error_matches(pattern: &Option<String>, message: &str, sqlstate: &str) -> bool {
    match pattern {
        None => true,
        Some(p) => {
            let p = p.trim();
            let state = p.strip_prefix('(').and_then(|s| s.strip_suffix(')'));
            match state {
                Some(code) if code.len() == 5 => code == sqlstate,
                _ => message.contains(p),
            }
        }
    }
}

/// Judges one executed record; `Ok(())` is a pass.
pub fn judge(
    kind: &Kind,
    settings: &Settings,
    output: Result<DbOutput, ExecError>,
) -> Result<(), Failure> {
    let fail = |kind: FailKind, expected: String, actual: String| {
        Err(Failure {
            kind,
            expected,
            actual,
        })
    };
    let output = match output {
        Ok(o) => o,
        Err(ExecError::Timeout(d)) => {
            return fail(
                FailKind::Timeout,
                String::new(),
                ExecError::Timeout(d).to_string(),
            )
        }
        Err(ExecError::Connection(m)) => {
            return fail(FailKind::Connection(m.clone()), String::new(), m)
        }
        Err(ExecError::Db { message, sqlstate }) => {
            let expected_error = match kind {
                Kind::Statement {
                    expect: StatementExpect::Error(p),
                    ..
                }
                | Kind::Query {
                    expect: QueryExpect::Error(p),
                    ..
                } => Some(p),
                _ => None,
            };
            let actual = format!("ERROR {sqlstate}: {message}");
            return match expected_error {
                Some(p) if error_matches(p, &message, &sqlstate) => Ok(()),
                Some(p) => fail(
                    FailKind::WrongError { message },
                    format!("error matching {:?}", p.clone().unwrap_or_default()),
                    actual,
                ),
                None => {
                    let expected = match kind {
                        Kind::Query {
                            expect: QueryExpect::Results(r),
                            ..
                        } => r.join("\n"),
                        _ => "ok".into(),
                    };
                    fail(FailKind::Error { message, sqlstate }, expected, actual)
                }
            };
        }
    };
    match kind {
        Kind::Statement { expect, .. } => match (expect, &output) {
            (StatementExpect::Ok, _) => Ok(()),
            (StatementExpect::Error(_), _) => {
                fail(FailKind::UnexpectedOk, "an error".into(), "ok".into())
            }
            (StatementExpect::Count(n), DbOutput::Complete(c)) if n == c => Ok(()),
            (StatementExpect::Count(n), DbOutput::Rows(r)) if *n == r.len() as u64 => Ok(()),
            (StatementExpect::Count(n), DbOutput::Complete(c)) => fail(
                FailKind::Mismatch,
                format!("count {n}"),
                format!("count {c}"),
            ),
            (StatementExpect::Count(n), DbOutput::Rows(r)) => fail(
                FailKind::Mismatch,
                format!("count {n}"),
                format!("returned {} rows", r.len()),
            ),
        },
        Kind::Query { sort, expect, .. } => match (expect, output) {
            (QueryExpect::Error(_), _) => {
                fail(FailKind::UnexpectedOk, "an error".into(), "ok".into())
            }
            (QueryExpect::Results(expected), DbOutput::Complete(_)) => {
                if expected.is_empty() {
                    Ok(())
                } else {
                    fail(FailKind::Mismatch, expected.join("\n"), String::new())
                }
            }
            (QueryExpect::Results(expected), DbOutput::Rows(rows)) => {
                let columns = rows.first().map(Vec::len).unwrap_or(0);
                let rows = sort_and_hash(
                    rows,
                    columns,
                    sort.or(settings.sort),
                    settings.hash_threshold,
                );
                if rows_match(&rows, settings.result_mode, expected) {
                    Ok(())
                } else {
                    fail(FailKind::Mismatch, expected.join("\n"), render_rows(&rows))
                }
            }
        },
        Kind::Malformed { reason, .. } => fail(
            FailKind::Malformed(reason.clone()),
            String::new(),
            String::new(),
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn md5_matches_the_original_runner() {
        // echo -e "1\n2\n3" | md5sum: values joined with and ended by '\n'.
        assert_eq!(
            md5_of_values(&rows(&[&["1", "2"], &["3"]])),
            "c0710d6b4f15dfa88f600b0e6b624077"
        );
        assert_eq!(md5_of_values(&[]), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn hashes_only_over_the_threshold() {
        let r = rows(&[&["b", "1"], &["a", "2"]]);
        let kept = sort_and_hash(r.clone(), 2, Some(SortMode::RowSort), 8);
        assert_eq!(kept, rows(&[&["a", "2"], &["b", "1"]]));
        let hashed = sort_and_hash(r, 2, Some(SortMode::ValueSort), 3);
        // valuesort: 1, 2, a, b
        assert_eq!(
            hashed,
            vec![vec![format!(
                "4 values hashing to {}",
                md5_of_values(&rows(&[&["1"], &["2"], &["a"], &["b"]]))
            )]]
        );
    }

    #[test]
    fn valuewise_compares_one_value_per_line() {
        let r = rows(&[&["1", "x  y"], &["NULL", "(empty)"]]);
        let expected: Vec<String> = ["1", " x y", "NULL", "(empty)"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(rows_match(&r, ResultMode::ValueWise, &expected));
        assert!(!rows_match(&r, ResultMode::RowWise, &expected));
        assert!(rows_match(
            &r,
            ResultMode::RowWise,
            &["1 x y".to_string(), "NULL (empty)".to_string()]
        ));
    }

    #[test]
    fn judges_errors_counts_and_empty_results() {
        let settings = Settings::default();
        let query = Kind::Query {
            sql: "SELECT".into(),
            types: "I".into(),
            sort: None,
            expect: QueryExpect::Results(vec![]),
        };
        assert!(judge(&query, &settings, Ok(DbOutput::Complete(0))).is_ok());
        let err = || {
            Err(ExecError::Db {
                message: "relation \"t\" does not exist".into(),
                sqlstate: "42P01".into(),
            })
        };
        assert!(matches!(
            judge(&query, &settings, err()),
            Err(Failure {
                kind: FailKind::Error { .. },
                ..
            })
        ));
        let stmt_err = Kind::Statement {
            sql: "x".into(),
            expect: StatementExpect::Error(None),
        };
        assert!(judge(&stmt_err, &settings, err()).is_ok());
        assert!(judge(&stmt_err, &settings, Ok(DbOutput::Complete(0))).is_err());
        let by_state = Kind::Statement {
            sql: "x".into(),
            expect: StatementExpect::Error(Some("(42P01)".into())),
        };
        assert!(judge(&by_state, &settings, err()).is_ok());
        let count = Kind::Statement {
            sql: "x".into(),
            expect: StatementExpect::Count(2),
        };
        assert!(judge(&count, &settings, Ok(DbOutput::Complete(2))).is_ok());
        assert!(judge(&count, &settings, Ok(DbOutput::Complete(3))).is_err());
        assert!(matches!(
            judge(
                &query,
                &settings,
                Err(ExecError::Timeout(std::time::Duration::from_secs(1)))
            ),
            Err(Failure {
                kind: FailKind::Timeout,
                ..
            })
        ));
    }

    #[test]
    fn judges_a_hashed_valuewise_query() {
        let settings = Settings {
            hash_threshold: 8,
            sort: None,
            result_mode: ResultMode::ValueWise,
        };
        let values: Vec<Vec<String>> = (0..9).map(|i| vec![i.to_string()]).collect();
        let hash = md5_of_values(&values);
        let query = Kind::Query {
            sql: "SELECT".into(),
            types: "I".into(),
            sort: Some(SortMode::ValueSort),
            expect: QueryExpect::Results(vec![format!("9 values hashing to {hash}")]),
        };
        let mut shuffled = values.clone();
        shuffled.reverse();
        assert!(judge(&query, &settings, Ok(DbOutput::Rows(shuffled))).is_ok());
    }
}
