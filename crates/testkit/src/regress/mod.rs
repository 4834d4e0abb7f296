//! The pg-regress suite: test_setup and then the type and DML tests in the
//! order of PostgreSQL 15's parallel_schedule, each through psql exactly as
//! pg_regress runs it, on the oracle and on Borealis at the same time (one
//! `regression` database each, shared by the tests in order). Outputs are
//! compared with the expected files (`T.out` or any `T_N.out`) like
//! `diff -w`, as whole tests and as echoed statement blocks ([`blocks`]).
//!
//! After test_setup an unscored fix-up loads with `\copy` any table its
//! server-side `COPY` left empty (a server that cannot read the data files
//! still gets the data the later tests need).

pub mod blocks;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use blocks::same_ignoring_whitespace;

/// PostgreSQL 15's parallel_schedule order of the tests in the corpus.
pub const SCHEDULE: &[&str] = &[
    "test_setup",
    "boolean",
    "char",
    "name",
    "varchar",
    "text",
    "int2",
    "int4",
    "int8",
    "oid",
    "float4",
    "float8",
    "numeric",
    "strings",
    "numerology",
    "insert",
    "create_table",
    "update",
    "delete",
    "namespace",
    "truncate",
    "sequence",
    "returning",
];

/// Settings pg_regress gives the `regression` database.
pub const DATABASE_SETTINGS: &[&str] = &[
    "ALTER DATABASE regression SET lc_messages TO 'C'",
    "ALTER DATABASE regression SET lc_monetary TO 'C'",
    "ALTER DATABASE regression SET lc_numeric TO 'C'",
    "ALTER DATABASE regression SET lc_time TO 'C'",
    "ALTER DATABASE regression SET bytea_output TO 'hex'",
    "ALTER DATABASE regression SET timezone_abbreviations TO 'Default'",
];

/// Time one test may take on one server before psql is killed: a guard
/// against a hang, far above any test's time (Borealis's numeric takes
/// ~150 s, most of it in three round/trunc calls on 131071-digit numbers).
pub const TEST_TIMEOUT: Duration = Duration::from_secs(600);

/// The tests of the schedule present in `dir/sql`, filtered by `glob` on
/// the test name (test_setup always runs).
pub fn tests(dir: &Path, glob: Option<&str>) -> Vec<String> {
    SCHEDULE
        .iter()
        .filter(|t| dir.join("sql").join(format!("{t}.sql")).is_file())
        .filter(|t| **t == "test_setup" || glob.is_none_or(|g| crate::glob::matches(g, t)))
        .map(|t| t.to_string())
        .collect()
}

/// How to reach one server with psql.
#[derive(Debug, Clone)]
pub struct PsqlTarget {
    pub psql: PathBuf,
    /// libpq connection string of the `regression` database.
    pub conninfo: String,
    /// Where this server's outputs go.
    pub results: PathBuf,
}

/// Runs one script through psql like pg_regress; returns its output.
pub async fn run_psql(target: &PsqlTarget, regress_dir: &Path, script: &Path) -> Result<String> {
    let stdin = std::fs::File::open(script).with_context(|| format!("{}", script.display()))?;
    let name = script
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let out_path = target.results.join(format!("{name}.out"));
    let out = std::fs::File::create(&out_path).context("results file")?;
    let err = out.try_clone().context("results file")?;
    let mut child = tokio::process::Command::new(&target.psql)
        .args(["-X", "-a", "-q", "-d", &target.conninfo])
        .args(["-v", "HIDE_TABLEAM=on", "-v", "HIDE_TOAST_COMPRESSION=on"])
        .env("PGTZ", "America/Los_Angeles")
        .env("PGDATESTYLE", "Postgres, MDY")
        .env("LC_MESSAGES", "C")
        .env("PGOPTIONS", "-c intervalstyle=postgres_verbose")
        .env("PGAPPNAME", "pg_regress")
        .env("PG_ABS_SRCDIR", regress_dir)
        .env("PG_LIBDIR", regress_dir)
        .env("PG_DLSUFFIX", ".so")
        .current_dir(&target.results)
        .stdin(Stdio::from(stdin))
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", target.psql.display()))?;
    let timed_out = tokio::time::timeout(TEST_TIMEOUT, child.wait())
        .await
        .is_err();
    if timed_out {
        let _ = child.kill().await;
    }
    let bytes = std::fs::read(&out_path).context("reading results")?;
    let mut text = String::from_utf8_lossy(&bytes).to_string();
    if timed_out {
        text.push_str(&format!(
            "\n-- borealis-conformance: psql killed after {} s\n",
            TEST_TIMEOUT.as_secs()
        ));
    }
    Ok(text)
}

/// A psql script that `\copy`s the data of every table test_setup loads
/// with a server-side COPY, where that table is still empty.
pub fn fixup_script(test_setup: &str, regress_dir: &Path) -> String {
    let mut script = String::new();
    let mut file: Option<String> = None;
    for line in test_setup.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("\\set filename :abs_srcdir ") {
            file = Some(rest.trim().trim_matches('\'').to_string());
            continue;
        }
        let upper = t.to_ascii_uppercase();
        if let (Some(f), true) = (&file, upper.starts_with("COPY ")) {
            let words: Vec<&str> = t.split_whitespace().collect();
            if let Some(table) = words.get(1) {
                let path = format!("{}{f}", regress_dir.display());
                script.push_str(&format!(
                    "\\unset tk_empty\nSELECT count(*) = 0 AS tk_empty FROM {table} \\gset\n\
                     \\if :tk_empty\n\\copy {table} FROM '{path}'\n\\endif\n"
                ));
            }
            file = None;
        }
    }
    script
}

/// One test's outcome on both servers.
#[derive(Debug, Clone, Default)]
pub struct TestResult {
    pub name: String,
    pub oracle_passed: bool,
    pub borealis_passed: bool,
    pub blocks: usize,
    pub oracle_blocks: usize,
    pub borealis_blocks: usize,
    /// Blocks that pass on the oracle and fail on Borealis.
    pub failures: Vec<BlockFailure>,
    /// Blocks that fail on the oracle (outside the score).
    pub oracle_failures: Vec<BlockFailure>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct BlockFailure {
    pub line: usize,
    pub statement: String,
    pub expected: String,
    /// `None` when the statement's echo is missing from the output.
    pub actual: Option<String>,
}

/// The expected outputs of a test: `T.out` and every `T_N.out`.
pub fn expected_outputs(dir: &Path, test: &str) -> Vec<String> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("expected"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let stem = p.file_stem().map(|s| s.to_string_lossy().to_string());
                    let is_out = p.extension().is_some_and(|e| e == "out");
                    is_out
                        && stem.is_some_and(|s| {
                            s == test
                                || s.strip_prefix(test)
                                    .and_then(|r| r.strip_prefix('_'))
                                    .is_some_and(|n| {
                                        !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())
                                    })
                        })
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|b| String::from_utf8_lossy(&b).to_string())
        .collect()
}

/// Scores one test from its script, expected outputs and the two outputs.
pub fn score_test(
    name: &str,
    script: &str,
    expected: &[String],
    oracle_out: &str,
    borealis_out: &str,
) -> TestResult {
    let chunks = blocks::chunks(script);
    let expected_blocks: Vec<Vec<Option<String>>> =
        expected.iter().map(|e| blocks::split(e, &chunks)).collect();
    let whole = |out: &str| expected.iter().any(|e| same_ignoring_whitespace(e, out));
    let oracle_blocks = blocks::split(oracle_out, &chunks);
    let borealis_blocks = blocks::split(borealis_out, &chunks);
    let mut result = TestResult {
        name: name.to_string(),
        oracle_passed: whole(oracle_out),
        borealis_passed: whole(borealis_out),
        blocks: chunks.len(),
        ..TestResult::default()
    };
    for (i, chunk) in chunks.iter().enumerate() {
        let passes = |actual: &Option<String>| {
            actual.as_ref().is_some_and(|a| {
                expected_blocks.iter().any(|e| {
                    e[i].as_ref()
                        .is_some_and(|e| same_ignoring_whitespace(e, a))
                })
            })
        };
        let expected_text = expected_blocks
            .first()
            .and_then(|e| e[i].clone())
            .unwrap_or_else(|| "(not in the expected output)".into());
        let failure = |actual: &Option<String>| BlockFailure {
            line: chunk.line,
            statement: chunk.statement(),
            expected: expected_text.clone(),
            actual: actual.clone(),
        };
        if passes(&oracle_blocks[i]) {
            result.oracle_blocks += 1;
            if passes(&borealis_blocks[i]) {
                result.borealis_blocks += 1;
            } else {
                result.failures.push(failure(&borealis_blocks[i]));
            }
        } else {
            result.oracle_failures.push(failure(&oracle_blocks[i]));
        }
    }
    result
}

/// Runs every test on one server in order (test_setup, its fix-up, the
/// rest); returns each test's output.
pub async fn run_all(
    target: &PsqlTarget,
    regress_dir: &Path,
    tests: &[String],
) -> Vec<(String, Result<String>, Duration)> {
    let mut outputs = Vec::new();
    for test in tests {
        let script = regress_dir.join("sql").join(format!("{test}.sql"));
        let started = Instant::now();
        let out = run_psql(target, regress_dir, &script).await;
        outputs.push((test.clone(), out, started.elapsed()));
        if test == "test_setup" {
            let fixup = std::fs::read_to_string(&script)
                .map(|s| fixup_script(&s, regress_dir))
                .unwrap_or_default();
            let path = target.results.join("test_setup_fixup.sql");
            if std::fs::write(&path, fixup).is_ok() {
                let _ = run_psql(target, regress_dir, &path).await;
            }
        }
    }
    outputs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_order_starts_with_setup() {
        assert_eq!(SCHEDULE[0], "test_setup");
        let pos = |t: &str| SCHEDULE.iter().position(|s| *s == t);
        assert!(pos("char") < pos("strings"));
        assert!(pos("float8") < pos("numerology"));
    }

    #[test]
    fn fixup_copies_tables_loaded_by_server_side_copy() {
        let setup = "\\set filename :abs_srcdir '/data/onek.data'\nCOPY onek FROM :'filename';\nVACUUM ANALYZE onek;\n";
        let script = fixup_script(setup, Path::new("/r"));
        assert!(script.contains("FROM onek \\gset"));
        assert!(script.contains("\\copy onek FROM '/r/data/onek.data'"));
        assert_eq!(script.matches("\\copy").count(), 1);
    }

    #[test]
    fn scores_whole_tests_and_blocks_over_alternatives() {
        let script = "SELECT 1;\nSELECT 2;\n";
        let expected = vec![
            "SELECT 1;\n 1\nSELECT 2;\n 2\n".to_string(),
            "SELECT 1;\n 1\nSELECT 2;\n two\n".to_string(),
        ];
        let oracle = "SELECT 1;\n1\nSELECT 2;\ntwo\n";
        let borealis = "SELECT 1;\nERROR:  no\nSELECT 2;\n2\n";
        let r = score_test("t", script, &expected, oracle, borealis);
        assert!(r.oracle_passed);
        assert!(!r.borealis_passed);
        assert_eq!((r.blocks, r.oracle_blocks, r.borealis_blocks), (2, 2, 1));
        assert_eq!(r.failures.len(), 1);
        assert_eq!(r.failures[0].statement, "SELECT 1;");
        assert_eq!(
            r.failures[0].actual.as_deref(),
            Some("SELECT 1;\nERROR:  no")
        );
    }
}
