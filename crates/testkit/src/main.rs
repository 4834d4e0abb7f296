//! `borealis-conformance`: the conformance scoreboard (see the crate doc and
//! crates/testkit/README.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use tokio_postgres::config::Host;
use tokio_postgres::Config;

use borealis_testkit::cluster::Cluster;
use borealis_testkit::oracle::Oracle;
use borealis_testkit::procs::TempDir;
use borealis_testkit::regress::{self, PsqlTarget, TestResult};
use borealis_testkit::score::{self, Score, Scores};
use borealis_testkit::slt::{self, BorealisTarget, FileResult, OracleTarget};
use borealis_testkit::{db, paths, report};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Suite {
    Slt,
    PgRegress,
    All,
}

/// Runs the sqllogictest corpus and PostgreSQL's regression tests against
/// Borealis and a PostgreSQL 15 oracle, and scores Borealis on what passes
/// on the oracle.
#[derive(Debug, Parser)]
#[command(name = "borealis-conformance")]
struct Args {
    #[arg(long, value_enum, default_value = "all")]
    suite: Suite,
    /// sqllogictest corpus dirs (default: shared/conformance/slt).
    #[arg(long)]
    corpus: Vec<PathBuf>,
    /// pg-regress dir with sql/, expected/, data/ (default: shared/conformance/pg-regress).
    #[arg(long)]
    regress_dir: Option<PathBuf>,
    /// Only slt files whose path (relative to the corpus) matches, and
    /// pg-regress tests whose name matches (test_setup always runs).
    #[arg(long)]
    files: Option<String>,
    /// Only the first N statement/query records of each slt file.
    #[arg(long)]
    max_records: Option<usize>,
    /// Keep the pg-regress outputs here (postgres/T.out, borealis/T.out).
    #[arg(long)]
    outputs: Option<PathBuf>,
    /// Markdown report of every failure.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Exit 1 if a suite passes fewer than recorded in this file.
    #[arg(long)]
    check_ratchet: Option<PathBuf>,
    /// Record this run's scores in this file.
    #[arg(long)]
    write_ratchet: Option<PathBuf>,
    /// Use this Borealis server instead of starting clusters.
    #[arg(long)]
    borealis_url: Option<String>,
    /// Use this PostgreSQL server (it must allow CREATE DATABASE) instead of starting one.
    #[arg(long)]
    postgres_url: Option<String>,
    /// The borealis binary (default: beside this one, or $CARGO_TARGET_DIR/debug).
    #[arg(long)]
    borealis_bin: Option<PathBuf>,
    /// PostgreSQL 15 server binaries (initdb, pg_ctl).
    #[arg(long, default_value = paths::PG_BIN_DIR)]
    pg_bin_dir: PathBuf,
    /// Seconds one slt statement may take before it fails.
    #[arg(long, default_value_t = 10)]
    statement_timeout: u64,
    /// Statements of one slt file that may time out before the rest of
    /// the file is not run (each one costs the timeout and a restart).
    #[arg(long, default_value_t = 5)]
    max_timeouts_per_file: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("borealis-conformance: {e}");
            return ExitCode::from(2);
        }
    };
    // Dropping the run on a signal stops every server it started.
    let outcome = tokio::select! {
        r = run(args) => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        _ = term.recv() => Err(anyhow::anyhow!("terminated")),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("borealis-conformance: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The oracle: started here or given.
struct OracleHandle {
    _oracle: Option<Oracle>,
    admin: Config,
}

async fn oracle(args: &Args) -> Result<OracleHandle> {
    match &args.postgres_url {
        Some(url) => Ok(OracleHandle {
            _oracle: None,
            admin: Config::from_str(url).context("--postgres-url")?,
        }),
        None => {
            let started = Instant::now();
            let oracle = Oracle::start(&args.pg_bin_dir)
                .await
                .context("starting the PostgreSQL 15 oracle")?;
            println!(
                "oracle: PostgreSQL on 127.0.0.1:{} ({:.1} s)",
                oracle.port(),
                started.elapsed().as_secs_f64()
            );
            let admin = oracle.config("postgres");
            Ok(OracleHandle {
                _oracle: Some(oracle),
                admin,
            })
        }
    }
}

fn borealis_bin(args: &Args) -> Result<PathBuf> {
    let bin = args
        .borealis_bin
        .clone()
        .unwrap_or_else(paths::borealis_bin);
    if bin.components().count() > 1 && !bin.is_file() {
        bail!(
            "no borealis binary at {}: run `cargo build -p borealis` or pass --borealis-bin",
            bin.display()
        );
    }
    Ok(bin)
}

/// A libpq key=value string for `config`, on database `dbname`.
fn conninfo(config: &Config, dbname: &str) -> String {
    let quote = |v: &str| format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"));
    let mut parts = Vec::new();
    if let Some(host) = config.get_hosts().first() {
        match host {
            Host::Tcp(h) => parts.push(format!("host={}", quote(h))),
            Host::Unix(p) => parts.push(format!("host={}", quote(&p.to_string_lossy()))),
        }
    }
    if let Some(port) = config.get_ports().first() {
        parts.push(format!("port={port}"));
    }
    if let Some(user) = config.get_user() {
        parts.push(format!("user={}", quote(user)));
    }
    if let Some(pw) = config.get_password() {
        parts.push(format!("password={}", quote(&String::from_utf8_lossy(pw))));
    }
    parts.push(format!("dbname={}", quote(dbname)));
    parts.join(" ")
}

async fn run(args: Args) -> Result<bool> {
    let started = Instant::now();
    let conformance = paths::conformance_dir();
    let mut scores = Scores::new();
    let mut summary = Vec::new();
    let oracle = oracle(&args).await?;

    let mut slt_results: Option<Vec<FileResult>> = None;
    if matches!(args.suite, Suite::Slt | Suite::All) {
        let corpus = if args.corpus.is_empty() {
            vec![conformance.join("slt")]
        } else {
            args.corpus.clone()
        };
        let (results, score) = run_slt(&args, &corpus, &oracle).await?;
        summary.push(score::line(
            "slt",
            score.borealis_passed,
            score.postgres_passed,
        ));
        scores.insert("slt".into(), score);
        slt_results = Some(results);
    }

    let mut regress_results: Option<Vec<TestResult>> = None;
    if matches!(args.suite, Suite::PgRegress | Suite::All) {
        let dir = args
            .regress_dir
            .clone()
            .unwrap_or_else(|| conformance.join("pg-regress"));
        let (results, tests, blocks) = run_regress(&args, &dir, &oracle).await?;
        summary.push(score::line(
            "pg-regress (tests)",
            tests.borealis_passed,
            tests.postgres_passed,
        ));
        summary.push(score::line(
            "pg-regress (blocks)",
            blocks.borealis_passed,
            blocks.postgres_passed,
        ));
        scores.insert("pg-regress-tests".into(), tests);
        scores.insert("pg-regress-blocks".into(), blocks);
        regress_results = Some(results);
    }

    println!("\n== scores: borealis_passed / postgres_passed ==");
    for line in &summary {
        println!("{line}");
    }
    for (suite, s) in &scores {
        println!("  {suite}: selection `{}`", s.selection);
    }
    if let Some(files) = &slt_results {
        print_ranking(
            "slt failure categories on Borealis",
            &report::slt_ranking(files),
        );
    }
    if let Some(tests) = &regress_results {
        print_ranking(
            "pg-regress block failure categories on Borealis",
            &report::regress_ranking(tests),
        );
    }
    println!("total time {:.0} s", started.elapsed().as_secs_f64());

    if let Some(path) = &args.report {
        let text = report::render(
            &summary.join("\n"),
            slt_results.as_deref(),
            regress_results.as_deref(),
        );
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).with_context(|| format!("{}", parent.display()))?;
        }
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("report: {}", path.display());
    }
    // Check against the recorded scores before (maybe) recording new ones.
    let mut ok = true;
    if let Some(path) = &args.check_ratchet {
        let recorded = score::read(path)?;
        let problems = score::check(&recorded, &scores);
        if problems.is_empty() {
            println!("ratchet: no score below {}", path.display());
        } else {
            ok = false;
            for p in &problems {
                println!("ratchet FAILED: {p}");
            }
        }
        // One check per suite run, in the plain closing-line format.
        let checked = scores.keys().filter(|s| recorded.contains_key(*s)).count();
        println!(
            "ratchet: {} passed, {} failed",
            checked.saturating_sub(problems.len()),
            problems.len()
        );
    }
    if let Some(path) = &args.write_ratchet {
        let mut recorded = if path.exists() {
            score::read(path)?
        } else {
            Scores::new()
        };
        recorded.extend(scores.clone());
        score::write(path, &recorded)?;
        println!("ratchet written: {}", path.display());
    }
    Ok(ok)
}

fn print_ranking(title: &str, ranking: &[(String, usize)]) {
    if ranking.is_empty() {
        return;
    }
    println!("\n{title} (top 15 of {}):", ranking.len());
    for (category, count) in ranking.iter().take(15) {
        println!("  {count:>6}  {category}");
    }
}

async fn run_slt(
    args: &Args,
    corpus: &[PathBuf],
    oracle: &OracleHandle,
) -> Result<(Vec<FileResult>, Score)> {
    let files = slt::discover(corpus, args.files.as_deref())?;
    if files.is_empty() {
        bail!("no .slt file under {corpus:?} matches");
    }
    let selection = format!(
        "files={} max-records={}",
        args.files.as_deref().unwrap_or("all"),
        args.max_records
            .map_or("all".to_string(), |n| n.to_string())
    );
    match args.max_records {
        Some(n) => println!(
            "\n== slt: {} files, SUBSET: the first {n} records of each file (--max-records; omit it for the full corpus) ==",
            files.len()
        ),
        None => println!("\n== slt: {} files, full corpus ==", files.len()),
    }
    let borealis = match &args.borealis_url {
        Some(url) => {
            BorealisTarget::Url(Box::new(Config::from_str(url).context("--borealis-url")?))
        }
        None => BorealisTarget::Spawn(borealis_bin(args)?),
    };
    let target = OracleTarget {
        admin: oracle.admin.clone(),
    };
    let timeout = Duration::from_secs(args.statement_timeout);
    let started = Instant::now();
    let mut results = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let r = slt::run_file(
            file,
            i,
            args.max_records,
            timeout,
            args.max_timeouts_per_file,
            &target,
            &borealis,
        )
        .await;
        println!(
            "  {}  [{:.1} s]{}",
            score::line(&r.name, r.borealis_passed, r.oracle_passed),
            r.elapsed.as_secs_f64(),
            r.note
                .as_ref()
                .map(|n| format!("  note: {n}"))
                .unwrap_or_default()
        );
        results.push(r);
    }
    let score = Score {
        borealis_passed: results.iter().map(|r| r.borealis_passed).sum(),
        postgres_passed: results.iter().map(|r| r.oracle_passed).sum(),
        total: results.iter().map(|r| r.records).sum(),
        selection,
    };
    println!(
        "{}  [{:.0} s]",
        score::line("slt", score.borealis_passed, score.postgres_passed),
        started.elapsed().as_secs_f64()
    );
    Ok((results, score))
}

async fn run_regress(
    args: &Args,
    dir: &Path,
    oracle: &OracleHandle,
) -> Result<(Vec<TestResult>, Score, Score)> {
    let tests = regress::tests(dir, args.files.as_deref());
    if tests.is_empty() {
        bail!("no pg-regress test under {}", dir.display());
    }
    println!(
        "\n== pg-regress: {} tests in parallel_schedule order ==",
        tests.len()
    );
    let started = Instant::now();
    let psql = paths::psql_bin(&args.pg_bin_dir);
    let work = TempDir::new("borealis-regress").context("results dir")?;
    let out_dir = args
        .outputs
        .clone()
        .unwrap_or_else(|| work.path().to_path_buf());
    let setup_timeout = Duration::from_secs(30);

    // The oracle's regression database, made as pg_regress makes it.
    let admin = db::connect(&oracle.admin, setup_timeout)
        .await
        .map_err(|e| anyhow::anyhow!("oracle: {e}"))?;
    admin
        .simple_query("DROP DATABASE IF EXISTS regression WITH (FORCE)")
        .await
        .context("oracle: drop regression")?;
    admin
        .simple_query(
            "CREATE DATABASE regression TEMPLATE template0 ENCODING 'UTF8' \
             LC_COLLATE 'C' LC_CTYPE 'C'",
        )
        .await
        .context("oracle: create regression")?;
    for sql in regress::DATABASE_SETTINGS {
        admin
            .simple_query(sql)
            .await
            .with_context(|| format!("oracle: {sql}"))?;
    }

    // Borealis: one cluster for the whole suite; the same settings, as far
    // as it takes them.
    let cluster = match &args.borealis_url {
        Some(_) => None,
        None => Some(Cluster::start(&borealis_bin(args)?).await?),
    };
    let borealis_config = match (&cluster, &args.borealis_url) {
        (Some(c), _) => c.config("regression"),
        (None, Some(url)) => Config::from_str(url).context("--borealis-url")?,
        (None, None) => bail!("no Borealis server"),
    };
    if let Ok(client) = db::connect(&borealis_config, setup_timeout).await {
        for sql in regress::DATABASE_SETTINGS {
            let _ = client.simple_query(sql).await;
        }
    }

    let mut oracle_config = oracle.admin.clone();
    oracle_config.dbname("regression");
    let targets = [
        PsqlTarget {
            psql: psql.clone(),
            conninfo: conninfo(&oracle_config, "regression"),
            results: out_dir.join("postgres"),
        },
        PsqlTarget {
            psql,
            conninfo: conninfo(&borealis_config, "regression"),
            results: out_dir.join("borealis"),
        },
    ];
    for t in &targets {
        std::fs::create_dir_all(&t.results).context("results dir")?;
    }
    let (pg_outputs, b_outputs) = tokio::join!(
        regress::run_all(&targets[0], dir, &tests),
        regress::run_all(&targets[1], dir, &tests),
    );
    drop(cluster);

    let mut results = Vec::new();
    for ((name, pg_out, pg_time), (_, b_out, b_time)) in pg_outputs.into_iter().zip(b_outputs) {
        let script = std::fs::read_to_string(dir.join("sql").join(format!("{name}.sql")))
            .unwrap_or_default();
        let expected = regress::expected_outputs(dir, &name);
        let mut notes = Vec::new();
        let pg_out = pg_out.unwrap_or_else(|e| {
            notes.push(format!("postgres: {e:#}"));
            String::new()
        });
        let b_out = b_out.unwrap_or_else(|e| {
            notes.push(format!("borealis: {e:#}"));
            String::new()
        });
        if expected.is_empty() {
            notes.push("no expected output".into());
        }
        let mut r = regress::score_test(&name, &script, &expected, &pg_out, &b_out);
        if !notes.is_empty() {
            r.note = Some(notes.join("; "));
        }
        let verdict = |p: bool| if p { "pass" } else { "FAIL" };
        println!(
            "  {}  test: pg {} / borealis {}  [{:.1} s / {:.1} s]",
            score::line(
                &format!("{name} (blocks)"),
                r.borealis_blocks,
                r.oracle_blocks
            ),
            verdict(r.oracle_passed),
            verdict(r.borealis_passed),
            pg_time.as_secs_f64(),
            b_time.as_secs_f64()
        );
        results.push(r);
    }
    let selection = format!("tests={}", args.files.as_deref().unwrap_or("all"));
    let tests_score = Score {
        borealis_passed: results
            .iter()
            .filter(|r| r.oracle_passed && r.borealis_passed)
            .count(),
        postgres_passed: results.iter().filter(|r| r.oracle_passed).count(),
        total: results.len(),
        selection: selection.clone(),
    };
    let blocks_score = Score {
        borealis_passed: results.iter().map(|r| r.borealis_blocks).sum(),
        postgres_passed: results.iter().map(|r| r.oracle_blocks).sum(),
        total: results.iter().map(|r| r.blocks).sum(),
        selection,
    };
    println!(
        "{}\n{}  [{:.0} s]",
        score::line(
            "pg-regress (tests)",
            tests_score.borealis_passed,
            tests_score.postgres_passed
        ),
        score::line(
            "pg-regress (blocks)",
            blocks_score.borealis_passed,
            blocks_score.postgres_passed
        ),
        started.elapsed().as_secs_f64()
    );
    Ok((results, tests_score, blocks_score))
}
