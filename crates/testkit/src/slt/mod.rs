//! The sqllogictest suite: every file of the corpus runs, record by record
//! and going on after failures, on the oracle and on Borealis at the same
//! time. Each file starts from nothing on both sides: a fresh database on
//! the oracle (`CREATE DATABASE ... TEMPLATE template0`, dropped after) and a
//! fresh cluster on a fresh data dir for Borealis (`borealis up` takes about
//! 0.3 s). Against a given `--borealis-url` the objects a file created are
//! dropped instead.
//!
//! A statement that does not answer in time fails; a cluster started here is
//! then restarted on the same data dir (the hung statement dies, the rows
//! stay) and the file goes on. After `max_timeouts` timed-out statements the
//! rest of the file is not run and counts as failed: some files would
//! otherwise spend hours in timeouts.

pub mod parser;
pub mod results;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio_postgres::Config;

use crate::cluster::Cluster;
use crate::db::{self, ExecError, Session};
use parser::{Kind, Record};
use results::{FailKind, Failure, Settings};

/// The label for `skipif`/`onlyif`.
pub const LABEL: &str = "postgresql";

/// Consecutive lost connections after which the rest of a file is not run.
const ABANDON_AFTER: usize = 3;

/// One file of the corpus.
#[derive(Debug, Clone)]
pub struct SltFile {
    /// Path relative to its corpus dir (prefixed by the dir's name when
    /// several corpus dirs are given).
    pub name: String,
    pub path: PathBuf,
}

/// Every `*.slt` under the corpus dirs whose relative path matches `glob`,
/// sorted by name.
pub fn discover(corpus: &[PathBuf], glob: Option<&str>) -> Result<Vec<SltFile>> {
    let mut files = Vec::new();
    for dir in corpus {
        let mut found = Vec::new();
        walk(dir, &mut found).with_context(|| format!("reading {}", dir.display()))?;
        for path in found {
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .to_string();
            if glob.is_some_and(|g| !crate::glob::matches(g, &rel)) {
                continue;
            }
            let name = if corpus.len() > 1 {
                let base = dir.file_name().map(|n| n.to_string_lossy().to_string());
                format!("{}/{rel}", base.unwrap_or_default())
            } else {
                rel
            };
            files.push(SltFile { name, path });
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "slt") {
            out.push(path);
        }
    }
    Ok(())
}

/// Keeps the records up to the `max`-th scored one (control records before
/// it included): a deterministic prefix of the file.
pub fn truncate(records: Vec<Record>, max: Option<usize>) -> Vec<Record> {
    let Some(max) = max else { return records };
    let mut scored = 0;
    let mut kept = Vec::new();
    for record in records {
        if record.is_scored() {
            if scored == max {
                break;
            }
            scored += 1;
        }
        kept.push(record);
    }
    kept
}

/// What happened to one record on one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not a scored record (control), or after a halt.
    NotScored,
    /// Skipped by `skipif`/`onlyif`.
    Skipped,
    Pass,
    Fail(Failure),
}

/// One server's side of a file: a session, and the cluster behind it when
/// this harness started it (restarted on the same data dir when a
/// statement hangs, so that the next records run on a live server).
pub struct Side<'a> {
    pub session: Session,
    pub cluster: Option<&'a mut Cluster>,
    pub dbname: String,
    pub timeout: Duration,
    /// Timeouts after which the rest of the file is not run.
    pub max_timeouts: usize,
    timeouts: usize,
    consecutive_lost: usize,
}

impl<'a> Side<'a> {
    pub fn new(config: Config, timeout: Duration, max_timeouts: usize) -> Side<'a> {
        let dbname = config.get_dbname().unwrap_or("postgres").to_string();
        Side {
            session: Session::new(config, timeout),
            cluster: None,
            dbname,
            timeout,
            max_timeouts,
            timeouts: 0,
            consecutive_lost: 0,
        }
    }

    pub fn with_cluster(
        cluster: &'a mut Cluster,
        dbname: &str,
        timeout: Duration,
        max_timeouts: usize,
    ) -> Side<'a> {
        let mut side = Side::new(cluster.config(dbname), timeout, max_timeouts);
        side.cluster = Some(cluster);
        side
    }

    /// Why the rest of the file is not run, if it is not.
    fn abandoned(&self) -> Option<String> {
        if self.timeouts >= self.max_timeouts {
            Some(format!(
                "not run: {} statements of this file timed out before",
                self.timeouts
            ))
        } else if self.consecutive_lost >= ABANDON_AFTER {
            Some(format!(
                "not run: {ABANDON_AFTER} consecutive lost connections before"
            ))
        } else {
            None
        }
    }

    async fn run(&mut self, sql: &str) -> Result<db::DbOutput, ExecError> {
        let output = self.session.run(sql).await;
        match &output {
            Err(ExecError::Timeout(_)) => self.timeouts += 1,
            Err(ExecError::Connection(_)) => self.consecutive_lost += 1,
            _ => self.consecutive_lost = 0,
        }
        if matches!(
            output,
            Err(ExecError::Timeout(_) | ExecError::Connection(_))
        ) {
            if let Some(cluster) = self.cluster.as_deref_mut() {
                if cluster.restart().await.is_ok() {
                    self.session = Session::new(cluster.config(&self.dbname), self.timeout);
                }
            }
        }
        output
    }
}

/// Runs the records in order on one side, going on after failures.
pub async fn run_records(side: &mut Side<'_>, records: &[Record]) -> Vec<Outcome> {
    let mut settings = Settings::default();
    let mut outcomes = Vec::with_capacity(records.len());
    let mut halted = false;
    for record in records {
        if halted {
            outcomes.push(NOT_SCORED);
            continue;
        }
        if record.skipped_for(LABEL) {
            outcomes.push(if record.is_scored() {
                Outcome::Skipped
            } else {
                NOT_SCORED
            });
            continue;
        }
        let outcome = match &record.kind {
            Kind::HashThreshold(n) => {
                settings.hash_threshold = *n;
                NOT_SCORED
            }
            Kind::SortMode(m) => {
                settings.sort = Some(*m);
                NOT_SCORED
            }
            Kind::ResultMode(m) => {
                settings.result_mode = *m;
                NOT_SCORED
            }
            Kind::Halt => {
                halted = true;
                NOT_SCORED
            }
            Kind::Malformed { .. } => verdict(results::judge(
                &record.kind,
                &settings,
                Ok(db::DbOutput::Complete(0)),
            )),
            Kind::Statement { sql, .. } | Kind::Query { sql, .. } => match side.abandoned() {
                Some(why) => Outcome::Fail(Failure {
                    kind: FailKind::Abandoned,
                    expected: String::new(),
                    actual: why,
                }),
                None => {
                    let output = side.run(sql).await;
                    verdict(results::judge(&record.kind, &settings, output))
                }
            },
        };
        outcomes.push(outcome);
    }
    outcomes
}

const NOT_SCORED: Outcome = Outcome::NotScored;

fn verdict(v: std::result::Result<(), Failure>) -> Outcome {
    match v {
        Ok(()) => Outcome::Pass,
        Err(f) => Outcome::Fail(f),
    }
}

/// Where the oracle side runs: a fresh database per file on this server.
pub struct OracleTarget {
    /// Connects to a database that may create and drop databases.
    pub admin: Config,
}

/// Where the Borealis side runs.
pub enum BorealisTarget {
    /// A fresh cluster per file from this binary.
    Spawn(PathBuf),
    /// An existing server: objects the file created are dropped after it.
    Url(Box<Config>),
}

/// One failed record, for the report.
#[derive(Debug, Clone)]
pub struct RecordFailure {
    pub line: usize,
    pub sql: String,
    pub failure: Failure,
}

/// The scores and failures of one file.
#[derive(Debug, Clone, Default)]
pub struct FileResult {
    pub name: String,
    /// Scored records not skipped by conditions.
    pub records: usize,
    pub oracle_passed: usize,
    pub borealis_passed: usize,
    /// Records that pass on the oracle but fail on Borealis.
    pub failures: Vec<RecordFailure>,
    /// Records that fail on the oracle (outside the score).
    pub oracle_failures: Vec<RecordFailure>,
    /// Borealis passes of records that fail on the oracle.
    pub borealis_only: usize,
    pub elapsed: Duration,
    /// A harness problem with the whole file (e.g. a cluster that would not start).
    pub note: Option<String>,
}

/// Runs one file on both servers at once and scores it.
pub async fn run_file(
    file: &SltFile,
    index: usize,
    max_records: Option<usize>,
    timeout: Duration,
    max_timeouts: usize,
    oracle: &OracleTarget,
    borealis: &BorealisTarget,
) -> FileResult {
    let started = Instant::now();
    let mut result = FileResult {
        name: file.name.clone(),
        ..FileResult::default()
    };
    let text = match std::fs::read(&file.path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).to_string(),
        Err(e) => {
            result.note = Some(format!("cannot read: {e}"));
            return result;
        }
    };
    let records = truncate(parser::parse(&text), max_records);
    let dbname = format!("slt_{index}");
    let (pg, bo) = tokio::join!(
        run_on_oracle(oracle, &dbname, &records, timeout, max_timeouts),
        run_on_borealis(borealis, &records, timeout, max_timeouts),
    );
    let notes: Vec<String> = [pg.as_ref().err(), bo.as_ref().err()]
        .into_iter()
        .flatten()
        .map(|e| format!("{e:#}"))
        .collect();
    if !notes.is_empty() {
        result.note = Some(notes.join("; "));
    }
    let failed_all = |e: &anyhow::Error| {
        Outcome::Fail(Failure {
            kind: FailKind::Connection(format!("{e:#}")),
            expected: String::new(),
            actual: format!("{e:#}"),
        })
    };
    let pg = pg.unwrap_or_else(|e| vec![failed_all(&e); records.len()]);
    let bo = bo.unwrap_or_else(|e| vec![failed_all(&e); records.len()]);
    for ((record, p), b) in records.iter().zip(&pg).zip(&bo) {
        match (p, b) {
            (Outcome::NotScored | Outcome::Skipped, _) => {}
            (Outcome::Pass, b) => {
                result.records += 1;
                result.oracle_passed += 1;
                match b {
                    Outcome::Pass => result.borealis_passed += 1,
                    Outcome::Fail(f) => result.failures.push(RecordFailure {
                        line: record.line,
                        sql: record.sql().to_string(),
                        failure: f.clone(),
                    }),
                    _ => {}
                }
            }
            (Outcome::Fail(f), b) => {
                result.records += 1;
                if *b == Outcome::Pass {
                    result.borealis_only += 1;
                }
                result.oracle_failures.push(RecordFailure {
                    line: record.line,
                    sql: record.sql().to_string(),
                    failure: f.clone(),
                });
            }
        }
    }
    result.elapsed = started.elapsed();
    result
}

async fn run_on_oracle(
    oracle: &OracleTarget,
    dbname: &str,
    records: &[Record],
    timeout: Duration,
    max_timeouts: usize,
) -> Result<Vec<Outcome>> {
    let admin = db::connect(&oracle.admin, timeout)
        .await
        .map_err(|e| anyhow::anyhow!("oracle: {e}"))?;
    admin
        .simple_query(&format!("DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"))
        .await
        .context("oracle: drop database")?;
    admin
        .simple_query(&format!("CREATE DATABASE {dbname} TEMPLATE template0"))
        .await
        .context("oracle: create database")?;
    let mut config = oracle.admin.clone();
    config.dbname(dbname);
    let mut side = Side::new(config, timeout, max_timeouts);
    let outcomes = run_records(&mut side, records).await;
    drop(side);
    let _ = admin
        .simple_query(&format!("DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"))
        .await;
    Ok(outcomes)
}

async fn run_on_borealis(
    target: &BorealisTarget,
    records: &[Record],
    timeout: Duration,
    max_timeouts: usize,
) -> Result<Vec<Outcome>> {
    match target {
        BorealisTarget::Spawn(bin) => {
            let mut cluster = Cluster::start(bin).await.context("borealis")?;
            let mut side = Side::with_cluster(&mut cluster, "slt", timeout, max_timeouts);
            let outcomes = run_records(&mut side, records).await;
            drop(side);
            drop(cluster);
            Ok(outcomes)
        }
        BorealisTarget::Url(config) => {
            let mut side = Side::new(config.as_ref().clone(), timeout, max_timeouts);
            let outcomes = run_records(&mut side, records).await;
            for drop_sql in cleanup_statements(records) {
                let _ = side.session.run(&drop_sql).await;
            }
            Ok(outcomes)
        }
    }
}

/// `DROP` statements for the tables and views `CREATE` statements in the
/// records made, views first, last created first.
pub fn cleanup_statements(records: &[Record]) -> Vec<String> {
    let mut views = Vec::new();
    let mut tables = Vec::new();
    for record in records {
        if let Kind::Statement { sql, .. } = &record.kind {
            let words: Vec<String> = sql
                .split(|c: char| c.is_whitespace() || c == '(')
                .filter(|w| !w.is_empty())
                .take(8)
                .map(str::to_string)
                .collect();
            let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
            if upper.first().map(String::as_str) != Some("CREATE") {
                continue;
            }
            let mut i = 1;
            while upper
                .get(i)
                .is_some_and(|w| w == "TEMP" || w == "TEMPORARY")
            {
                i += 1;
            }
            let kind = upper.get(i).cloned().unwrap_or_default();
            i += 1;
            if upper
                .get(i..i + 3)
                .is_some_and(|w| w == ["IF", "NOT", "EXISTS"])
            {
                i += 3;
            }
            let Some(name) = words.get(i) else { continue };
            match kind.as_str() {
                "VIEW" => views.push(format!("DROP VIEW IF EXISTS {name}")),
                "TABLE" => tables.push(format!("DROP TABLE IF EXISTS {name}")),
                _ => {}
            }
        }
    }
    views.reverse();
    tables.reverse();
    views.into_iter().chain(tables).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_a_prefix_of_scored_records() {
        let records = parser::parse(
            "hash-threshold 8\n\nstatement ok\nA\n\nstatement ok\nB\n\nhash-threshold 4\n\nquery I\nC\n----\n1\n",
        );
        let kept = truncate(records.clone(), Some(1));
        assert_eq!(kept.len(), 2);
        assert_eq!(truncate(records.clone(), Some(2)).len(), 4);
        assert_eq!(truncate(records.clone(), None).len(), 5);
    }

    #[test]
    fn cleanup_drops_views_then_tables_in_reverse() {
        let records = parser::parse(
            "statement ok\nCREATE TABLE t1(x INTEGER)\n\nstatement ok\nCREATE TEMP VIEW v1 AS SELECT 1\n\n\
statement ok\ncreate table if not exists t2 (y int)\n\nstatement ok\nCREATE INDEX i1 ON t1(x)\n",
        );
        assert_eq!(
            cleanup_statements(&records),
            vec![
                "DROP VIEW IF EXISTS v1",
                "DROP TABLE IF EXISTS t2",
                "DROP TABLE IF EXISTS t1"
            ]
        );
    }
}
