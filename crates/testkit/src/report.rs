//! The failure report (markdown) and the ranking of failure categories:
//! failures of what passes on the oracle, grouped by a normalized error
//! message (numbers and quoted literals replaced) or by kind (wrong result,
//! timeout...), most frequent first.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::regress::TestResult;
use crate::slt::results::FailKind;
use crate::slt::FileResult;

/// Longest output shown per failure in the report.
const MAX_LINES: usize = 40;

/// A failure category of a slt record.
pub fn slt_category(kind: &FailKind) -> String {
    match kind {
        FailKind::Error { message, .. } => format!("error: {}", normalize_message(message)),
        FailKind::WrongError { message } => {
            format!("wrong error: {}", normalize_message(message))
        }
        FailKind::Mismatch => "wrong result".into(),
        FailKind::UnexpectedOk => "succeeded where an error was expected".into(),
        FailKind::Timeout => "timeout".into(),
        FailKind::Connection(_) => "connection lost or refused".into(),
        FailKind::Malformed(reason) => format!("malformed record: {reason}"),
        FailKind::Abandoned => "not run (file abandoned after repeated timeouts)".into(),
    }
}

/// A failure category of a pg-regress block: its first error line, else
/// "different output".
pub fn block_category(actual: Option<&str>) -> String {
    let Some(actual) = actual else {
        return "statement missing from output (psql stopped)".into();
    };
    actual
        .lines()
        .find_map(|l| {
            let l = l.trim_start();
            l.strip_prefix("ERROR:")
                .or_else(|| l.strip_prefix("psql:").filter(|r| r.contains("ERROR:")))
                .map(|m| {
                    let m = m.rsplit("ERROR:").next().unwrap_or(m);
                    format!("error: {}", normalize_message(m.trim()))
                })
        })
        .unwrap_or_else(|| "different output".into())
}

/// Replaces numbers and quoted literals so that one kind of error is one
/// category; keeps double-quoted names short enough to stay informative.
pub fn normalize_message(message: &str) -> String {
    let mut out = String::new();
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '0'..='9' => {
                while chars
                    .peek()
                    .is_some_and(|c| c.is_ascii_digit() || *c == '.')
                {
                    chars.next();
                }
                out.push('N');
            }
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                }
                out.push_str("'…'");
            }
            _ => out.push(c),
        }
    }
    let out: String = out.chars().take(100).collect();
    out.trim().to_string()
}

/// Categories with counts, most frequent first.
pub fn rank<I: IntoIterator<Item = String>>(categories: I) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for c in categories {
        *counts.entry(c).or_default() += 1;
    }
    let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
}

pub fn slt_ranking(files: &[FileResult]) -> Vec<(String, usize)> {
    rank(
        files
            .iter()
            .flat_map(|f| &f.failures)
            .map(|f| slt_category(&f.failure.kind)),
    )
}

const ABORTED: &str =
    "error: current transaction is aborted, commands ignored until end of transaction block";

/// The category of each failed block of a test, in order; a block failing
/// only because an earlier error aborted its transaction is put under that
/// earlier error ("in aborted transaction after: ...").
pub fn regress_categories(test: &TestResult) -> Vec<String> {
    let mut root = String::from("an error not shown");
    test.failures
        .iter()
        .map(|f| {
            let category = block_category(f.actual.as_deref());
            if category == ABORTED {
                format!("in aborted transaction after: {root}")
            } else {
                if category.starts_with("error: ") {
                    root = category.clone();
                }
                category
            }
        })
        .collect()
}

pub fn regress_ranking(tests: &[TestResult]) -> Vec<(String, usize)> {
    rank(tests.iter().flat_map(regress_categories))
}

fn clip(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= MAX_LINES {
        text.to_string()
    } else {
        format!(
            "{}\n... ({} more lines)",
            lines[..MAX_LINES].join("\n"),
            lines.len() - MAX_LINES
        )
    }
}

fn fence(out: &mut String, text: &str) {
    let _ = writeln!(out, "```\n{}\n```", clip(text).replace("```", "` ` `"));
}

fn ranking_section(out: &mut String, title: &str, ranking: &[(String, usize)]) {
    let _ = writeln!(out, "### {title}\n\n| count | category |\n| ---: | --- |");
    for (category, count) in ranking {
        let _ = writeln!(out, "| {count} | {} |", category.replace('|', "\\|"));
    }
    out.push('\n');
}

/// The whole report.
pub fn render(summary: &str, slt: Option<&[FileResult]>, regress: Option<&[TestResult]>) -> String {
    let mut out = String::from("# Borealis conformance report\n\n");
    let _ = writeln!(out, "```\n{summary}\n```\n");
    if let Some(files) = slt {
        out.push_str("## sqllogictest\n\n");
        ranking_section(
            &mut out,
            "Failure categories on Borealis",
            &slt_ranking(files),
        );
        for file in files {
            let _ = writeln!(
                out,
                "### {}: {} / {} ({} records, {} fail on PostgreSQL)\n",
                file.name,
                file.borealis_passed,
                file.oracle_passed,
                file.records,
                file.oracle_failures.len()
            );
            if let Some(note) = &file.note {
                let _ = writeln!(out, "Harness note: {note}\n");
            }
            for f in &file.failures {
                let _ = writeln!(
                    out,
                    "#### {}:{} — {}\n",
                    file.name,
                    f.line,
                    slt_category(&f.failure.kind)
                );
                fence(&mut out, &f.sql);
                out.push_str("expected:\n");
                fence(&mut out, &f.failure.expected);
                out.push_str("actual:\n");
                fence(&mut out, &f.failure.actual);
            }
            if !file.oracle_failures.is_empty() {
                out.push_str(
                    "<details><summary>records failing on PostgreSQL (not scored)</summary>\n\n",
                );
                for f in &file.oracle_failures {
                    let _ = writeln!(
                        out,
                        "- line {}: {} — `{}`",
                        f.line,
                        slt_category(&f.failure.kind),
                        f.sql.lines().next().unwrap_or("").replace('`', "'")
                    );
                }
                out.push_str("\n</details>\n\n");
            }
        }
    }
    if let Some(tests) = regress {
        out.push_str("## pg-regress\n\n");
        ranking_section(
            &mut out,
            "Failure categories on Borealis (blocks)",
            &regress_ranking(tests),
        );
        for t in tests {
            let verdict = |p: bool| if p { "passes" } else { "fails" };
            let _ = writeln!(
                out,
                "### {}: whole test {} on PostgreSQL, {} on Borealis; blocks {} / {} of {}\n",
                t.name,
                verdict(t.oracle_passed),
                verdict(t.borealis_passed),
                t.borealis_blocks,
                t.oracle_blocks,
                t.blocks
            );
            if let Some(note) = &t.note {
                let _ = writeln!(out, "Harness note: {note}\n");
            }
            for (f, category) in t.failures.iter().zip(regress_categories(t)) {
                let _ = writeln!(out, "#### {}.sql:{} — {category}\n", t.name, f.line);
                out.push_str("expected:\n");
                fence(&mut out, &f.expected);
                out.push_str("actual:\n");
                fence(
                    &mut out,
                    f.actual
                        .as_deref()
                        .unwrap_or("(statement not echoed: psql stopped or lost its place)"),
                );
            }
            if !t.oracle_failures.is_empty() {
                out.push_str(
                    "<details><summary>blocks failing on PostgreSQL (not scored)</summary>\n\n",
                );
                for f in &t.oracle_failures {
                    let _ = writeln!(
                        out,
                        "- line {}: `{}`",
                        f.line,
                        f.statement.lines().next().unwrap_or("").replace('`', "'")
                    );
                }
                out.push_str("\n</details>\n\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_normalized_into_categories() {
        assert_eq!(
            normalize_message("invalid input syntax for type integer: 'abc' at 12"),
            "invalid input syntax for type integer: '…' at N"
        );
        assert_eq!(
            normalize_message("CREATE VIEW is not supported"),
            "CREATE VIEW is not supported"
        );
    }

    #[test]
    fn block_categories_come_from_the_first_error() {
        assert_eq!(
            block_category(Some(
                "SELECT x;\nERROR:  column \"x\" does not exist\nLINE 1: SELECT x;"
            )),
            "error: column \"x\" does not exist"
        );
        assert_eq!(block_category(Some("SELECT 1;\n 2\n")), "different output");
        assert!(block_category(None).contains("missing"));
    }

    #[test]
    fn aborted_transactions_count_under_their_root_error() {
        use crate::regress::BlockFailure;
        let failure = |actual: &str| BlockFailure {
            line: 1,
            statement: String::new(),
            expected: String::new(),
            actual: Some(actual.to_string()),
        };
        let test = TestResult {
            failures: vec![
                failure("INSERT;\nERROR:  invalid input syntax for type numeric: \"NaN\""),
                failure("INSERT;\nERROR:  current transaction is aborted, commands ignored until end of transaction block"),
            ],
            ..TestResult::default()
        };
        assert_eq!(
            regress_categories(&test),
            vec![
                "error: invalid input syntax for type numeric: \"NaN\"".to_string(),
                "in aborted transaction after: error: invalid input syntax for type numeric: \"NaN\"".to_string(),
            ]
        );
    }

    #[test]
    fn ranking_is_by_count_then_name() {
        let ranked = rank(["b", "a", "b", "c", "a", "b"].iter().map(|s| s.to_string()));
        assert_eq!(
            ranked,
            vec![
                ("b".to_string(), 3),
                ("a".to_string(), 2),
                ("c".to_string(), 1)
            ]
        );
    }
}
