//! A sqllogictest parser that follows sqllogictest-rs's grammar for the
//! records the SQLite corpus uses, but never fails a whole file: a line it
//! cannot read becomes a [`Kind::Malformed`] record (skipped up to the next
//! blank line) and the file goes on. Differences from sqllogictest-rs, all
//! toward the original SQLite runner: `skipif`/`onlyif` also apply to
//! `halt`, and an error pattern is matched as a substring, not a regex.

/// A `skipif`/`onlyif` condition on the next record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    SkipIf(String),
    OnlyIf(String),
}

impl Condition {
    /// Whether the record is skipped for an engine labelled `label`.
    pub fn skips(&self, label: &str) -> bool {
        match self {
            Condition::SkipIf(l) => l == label,
            Condition::OnlyIf(l) => l != label,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortMode {
    NoSort,
    RowSort,
    ValueSort,
}

impl SortMode {
    fn parse(s: &str) -> Option<SortMode> {
        match s {
            "nosort" => Some(SortMode::NoSort),
            "rowsort" => Some(SortMode::RowSort),
            "valuesort" => Some(SortMode::ValueSort),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultMode {
    RowWise,
    ValueWise,
}

/// `statement ok`, `statement error [pattern]`, `statement count N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementExpect {
    Ok,
    Error(Option<String>),
    Count(u64),
}

/// `query error [pattern]` or the expected result lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryExpect {
    Error(Option<String>),
    Results(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Statement {
        sql: String,
        expect: StatementExpect,
    },
    Query {
        sql: String,
        types: String,
        sort: Option<SortMode>,
        expect: QueryExpect,
    },
    HashThreshold(usize),
    SortMode(SortMode),
    ResultMode(ResultMode),
    Halt,
    /// A record this parser cannot read: it fails on every server.
    Malformed {
        text: String,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based line of the record's header.
    pub line: usize,
    pub conditions: Vec<Condition>,
    pub kind: Kind,
}

impl Record {
    /// Statements, queries and malformed records are scored; the rest steer.
    pub fn is_scored(&self) -> bool {
        matches!(
            self.kind,
            Kind::Statement { .. } | Kind::Query { .. } | Kind::Malformed { .. }
        )
    }

    /// Whether conditions skip this record for `label`.
    pub fn skipped_for(&self, label: &str) -> bool {
        self.conditions.iter().any(|c| c.skips(label))
    }

    /// The SQL text, if the record has one.
    pub fn sql(&self) -> &str {
        match &self.kind {
            Kind::Statement { sql, .. } | Kind::Query { sql, .. } => sql,
            Kind::Malformed { text, .. } => text,
            _ => "",
        }
    }
}

const DELIMITER: &str = "----";

/// Parses a whole file.
pub fn parse(script: &str) -> Vec<Record> {
    let lines: Vec<&str> = script.lines().collect();
    let mut records = Vec::new();
    let mut conditions = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let header = i + 1;
        i += 1;
        if line.starts_with('#') {
            continue;
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some(&first) = tokens.first() else {
            continue;
        };
        let mut push = |kind: Kind, conditions: &mut Vec<Condition>| {
            records.push(Record {
                line: header,
                conditions: std::mem::take(conditions),
                kind,
            })
        };
        match (first, &tokens[1..]) {
            ("skipif", [label, ..]) => conditions.push(Condition::SkipIf(label.to_string())),
            ("onlyif", [label, ..]) => conditions.push(Condition::OnlyIf(label.to_string())),
            ("halt", []) => push(Kind::Halt, &mut conditions),
            ("hash-threshold", [n]) => match n.parse() {
                Ok(n) => records.push(Record {
                    line: header,
                    conditions: Vec::new(),
                    kind: Kind::HashThreshold(n),
                }),
                Err(_) => push(malformed(line, "invalid hash-threshold"), &mut conditions),
            },
            ("control", ["resultmode", "valuewise"]) => {
                records.push(control(header, Kind::ResultMode(ResultMode::ValueWise)))
            }
            ("control", ["resultmode", "rowwise"]) => {
                records.push(control(header, Kind::ResultMode(ResultMode::RowWise)))
            }
            ("control", ["sortmode", mode]) => match SortMode::parse(mode) {
                Some(mode) => records.push(control(header, Kind::SortMode(mode))),
                None => push(malformed(line, "invalid sort mode"), &mut conditions),
            },
            ("statement", rest) => {
                let expect = match rest {
                    ["ok"] => Some(StatementExpect::Ok),
                    ["error", pattern @ ..] => Some(StatementExpect::Error(pattern_of(pattern))),
                    ["count", n] => n.parse().ok().map(StatementExpect::Count),
                    _ => None,
                };
                let Some(expect) = expect else {
                    i = skip_record(&lines, i);
                    push(malformed(line, "invalid statement header"), &mut conditions);
                    continue;
                };
                let Some((sql, has_results, next)) = sql_lines(&lines, i) else {
                    i = lines.len();
                    push(
                        malformed(line, "no SQL before end of file"),
                        &mut conditions,
                    );
                    continue;
                };
                i = next;
                if has_results {
                    let (results, next) = result_lines(&lines, i);
                    i = next;
                    match expect {
                        StatementExpect::Error(None) => push(
                            Kind::Statement {
                                sql,
                                expect: StatementExpect::Error(Some(results.join("\n"))),
                            },
                            &mut conditions,
                        ),
                        _ => push(
                            malformed(&sql, "statement with a result section"),
                            &mut conditions,
                        ),
                    }
                } else {
                    push(Kind::Statement { sql, expect }, &mut conditions);
                }
            }
            ("query", rest) => {
                let header_parsed = match rest {
                    ["error", pattern @ ..] => {
                        Some((None, QueryExpect::Error(pattern_of(pattern))))
                    }
                    [types, rest @ ..] if types.chars().all(|c| c.is_ascii_alphabetic()) => {
                        let sort = rest.first().and_then(|s| SortMode::parse(s));
                        Some((
                            Some((types.to_string(), sort)),
                            QueryExpect::Results(Vec::new()),
                        ))
                    }
                    [] => Some((
                        Some((String::new(), None)),
                        QueryExpect::Results(Vec::new()),
                    )),
                    _ => None,
                };
                let Some((shape, mut expect)) = header_parsed else {
                    i = skip_record(&lines, i);
                    push(malformed(line, "invalid query header"), &mut conditions);
                    continue;
                };
                let Some((sql, has_results, next)) = sql_lines(&lines, i) else {
                    i = lines.len();
                    push(
                        malformed(line, "no SQL before end of file"),
                        &mut conditions,
                    );
                    continue;
                };
                i = next;
                if has_results {
                    let (results, next) = result_lines(&lines, i);
                    i = next;
                    expect = match expect {
                        QueryExpect::Results(_) => QueryExpect::Results(results),
                        QueryExpect::Error(None) => QueryExpect::Error(Some(results.join("\n"))),
                        QueryExpect::Error(Some(p)) => QueryExpect::Error(Some(p)),
                    };
                }
                let (types, sort) = shape.unwrap_or_default();
                push(
                    Kind::Query {
                        sql,
                        types,
                        sort,
                        expect,
                    },
                    &mut conditions,
                );
            }
            _ => {
                i = skip_record(&lines, i);
                push(
                    malformed(line, "unsupported or invalid directive"),
                    &mut conditions,
                );
            }
        }
    }
    records
}

fn control(line: usize, kind: Kind) -> Record {
    Record {
        line,
        conditions: Vec::new(),
        kind,
    }
}

fn malformed(text: &str, reason: &str) -> Kind {
    Kind::Malformed {
        text: text.to_string(),
        reason: reason.to_string(),
    }
}

fn pattern_of(tokens: &[&str]) -> Option<String> {
    let joined = tokens.join(" ");
    (!joined.is_empty()).then_some(joined)
}

/// The SQL of a record: its first line whatever it is, then lines up to a
/// blank line or `----`. Returns the SQL, whether `----` ended it, and the
/// next line index; `None` at end of file.
fn sql_lines(lines: &[&str], start: usize) -> Option<(String, bool, usize)> {
    let first = lines.get(start)?;
    let mut sql = first.to_string();
    let mut i = start + 1;
    while let Some(line) = lines.get(i) {
        i += 1;
        if line.is_empty() {
            return Some((sql, false, i));
        }
        if *line == DELIMITER {
            return Some((sql, true, i));
        }
        sql.push('\n');
        sql.push_str(line);
    }
    Some((sql, false, i))
}

/// Result lines up to a blank line (or end of file).
fn result_lines(lines: &[&str], start: usize) -> (Vec<String>, usize) {
    let mut results = Vec::new();
    let mut i = start;
    while let Some(line) = lines.get(i) {
        i += 1;
        if line.is_empty() {
            break;
        }
        results.push(line.to_string());
    }
    (results, i)
}

/// Skips the body of an unreadable record: up to the next blank line.
fn skip_record(lines: &[&str], start: usize) -> usize {
    let mut i = start;
    while let Some(line) = lines.get(i) {
        i += 1;
        if line.trim().is_empty() {
            break;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "hash-threshold 8\ncontrol resultmode valuewise\n\n\
statement ok\nCREATE TABLE t1(a INTEGER,\n b INTEGER)\n\n\
# a comment\nskipif mysql\nonlyif postgresql\nquery II rowsort label-1\nSELECT a, b\nFROM t1\n----\n1\n2\n\n\
statement error\nSELECT nope\n\n\
query I nosort\nSELECT 1 WHERE false\n----\n\n\
onlyif mssql\nhalt\n";

    #[test]
    fn parses_the_corpus_record_shapes() {
        let records = parse(SAMPLE);
        let kinds: Vec<&Kind> = records.iter().map(|r| &r.kind).collect();
        assert_eq!(kinds[0], &Kind::HashThreshold(8));
        assert_eq!(kinds[1], &Kind::ResultMode(ResultMode::ValueWise));
        assert_eq!(
            kinds[2],
            &Kind::Statement {
                sql: "CREATE TABLE t1(a INTEGER,\n b INTEGER)".into(),
                expect: StatementExpect::Ok
            }
        );
        assert_eq!(records[3].line, 11);
        assert_eq!(
            records[3].conditions,
            vec![
                Condition::SkipIf("mysql".into()),
                Condition::OnlyIf("postgresql".into())
            ]
        );
        assert_eq!(
            kinds[3],
            &Kind::Query {
                sql: "SELECT a, b\nFROM t1".into(),
                types: "II".into(),
                sort: Some(SortMode::RowSort),
                expect: QueryExpect::Results(vec!["1".into(), "2".into()])
            }
        );
        assert_eq!(
            kinds[4],
            &Kind::Statement {
                sql: "SELECT nope".into(),
                expect: StatementExpect::Error(None)
            }
        );
        assert!(
            matches!(kinds[5], Kind::Query { expect: QueryExpect::Results(r), .. } if r.is_empty())
        );
        assert_eq!(kinds[6], &Kind::Halt);
        assert!(records[6].skipped_for("postgresql"));
        assert!(!records[3].skipped_for("postgresql"));
        assert!(records[3].skipped_for("mysql"));
        assert_eq!(records.len(), 7);
    }

    #[test]
    fn malformed_records_do_not_stop_the_file() {
        let records =
            parse("statement maybe\nSELECT 1\n\nbogus line\nmore\n\nstatement ok\nSELECT 2\n");
        assert!(matches!(records[0].kind, Kind::Malformed { .. }));
        assert!(matches!(records[1].kind, Kind::Malformed { .. }));
        assert_eq!(
            records[2].kind,
            Kind::Statement {
                sql: "SELECT 2".into(),
                expect: StatementExpect::Ok
            }
        );
        // A header at end of file has no SQL.
        assert!(matches!(parse("query I\n")[0].kind, Kind::Malformed { .. }));
    }
}
