//! `borealis-bench-engine` measures the SQL issue's engine benchmarks — a
//! prepared primary-key SELECT and UPDATE (p50/p99 per operation), a bulk
//! INSERT of multi-row VALUES batches, a GROUP BY over the bulk-loaded table
//! and a key join of two such tables with an aggregate on top — on the
//! Borealis engine in process over `MemStore` (no network) and on a scratch
//! PostgreSQL 15 started on a loopback port in the same run (client-observed
//! round trips through tokio-postgres, plus pg_stat_statements' server-side
//! mean for the point operations); runs are interleaved Borealis, PostgreSQL,
//! Borealis, PostgreSQL, each workload is capped in time, and the result is a
//! table of medians with min–max over the repeats and a JSON file
//! (see bench/README.md).

mod pg;
mod report;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use borealis_sql::{Engine, MemStore, Session, SqlError, StatementOutput};
use clap::{Parser, ValueEnum};
use serde_json::json;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use report::{Metric, Outcome, Results, System};

#[derive(Parser, Debug)]
#[command(about = "Borealis SQL engine (in process, MemStore) beside PostgreSQL 15, same run")]
struct Args {
    /// Rows of the bulk-insert table t and of the join table u.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// Rows of the point-operation table p.
    #[arg(long, default_value_t = 100_000)]
    point_rows: u64,
    /// Point operations per kind (SELECT, UPDATE) per repeat.
    #[arg(long, default_value_t = 100_000)]
    ops: u64,
    /// Repeats of every workload on each system, interleaved B P B P.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Rows per multi-row INSERT ... VALUES statement.
    #[arg(long, default_value_t = 1000)]
    batch: u64,
    /// Time cap per workload run, seconds; over it the run is reported as capped.
    #[arg(long, default_value_t = 120)]
    cap_secs: u64,
    /// Workloads to run.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "point,bulk,bulk-prepared,bulk-series,groupby,join"
    )]
    workloads: Vec<Workload>,
    /// Skip PostgreSQL (profiling the engine alone).
    #[arg(long)]
    no_pg: bool,
    /// Skip Borealis.
    #[arg(long)]
    no_borealis: bool,
    /// PostgreSQL 15 binaries.
    #[arg(long, default_value = "/usr/lib/postgresql/15/bin")]
    pg_bin: PathBuf,
    /// Write the results here as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
enum Workload {
    Point,
    Bulk,
    /// The same rows through a prepared 1000-row INSERT with parameters.
    BulkPrepared,
    /// `INSERT INTO t SELECT ... FROM generate_series(...)` in 100k-row statements.
    BulkSeries,
    Groupby,
    Join,
}

const T_DDL: &str = "CREATE TABLE t (id int8 PRIMARY KEY, k int8 NOT NULL, v int8 NOT NULL)";
const P_DDL: &str = "CREATE TABLE p (id int8 PRIMARY KEY, k int8 NOT NULL, v int8 NOT NULL)";
const U_DDL: &str = "CREATE TABLE u (id int8 PRIMARY KEY, w int8 NOT NULL)";
const POINT_SELECT: &str = "SELECT id, k, v FROM p WHERE id = $1";
const POINT_UPDATE: &str = "UPDATE p SET v = v + 1 WHERE id = $1";
const GROUP_BY: &str = "SELECT k % 1000, count(*), sum(v) FROM t GROUP BY 1";
const JOIN: &str = "SELECT count(*), sum(t.v + u.w) FROM t JOIN u ON t.id = u.id";

/// Row `r` of t and p: (id, k, v).
fn t_row(r: u64) -> [i64; 3] {
    let k = r.wrapping_mul(2_654_435_761) % 1_000_003;
    [r as i64, k as i64, (r % 997) as i64]
}

/// `INSERT INTO t (id, k, v) VALUES ($1, $2, $3), ...` with `rows` rows.
fn prepared_insert_sql(rows: u64) -> String {
    let mut s = String::from("INSERT INTO t (id, k, v) VALUES ");
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push_str(&format!("(${},${},${})", 3 * r + 1, 3 * r + 2, 3 * r + 3));
    }
    s
}

/// Parameter rows for the prepared bulk insert: batches of t's rows 1..=n.
fn prepared_batches(n: u64, batch: u64) -> Vec<Vec<i64>> {
    let mut out = Vec::new();
    let mut i = 1;
    while i <= n {
        let end = (i + batch - 1).min(n);
        out.push((i..=end).flat_map(t_row).collect());
        i = end + 1;
    }
    out
}

/// Rows per `INSERT ... SELECT generate_series` statement.
const SERIES_CHUNK: u64 = 100_000;

/// `INSERT ... SELECT generate_series` statements for t's rows 1..=n (same values as `t_row`).
fn series_batches(n: u64) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 1;
    while i <= n {
        let end = (i + SERIES_CHUNK - 1).min(n);
        out.push(format!(
            "INSERT INTO t (id, k, v) SELECT g, (g * 2654435761) % 1000003, g % 997 \
             FROM generate_series({i}::int8, {end}::int8) AS s(g)"
        ));
        i = end + 1;
    }
    out
}

/// Multi-row INSERT statements for rows 1..=n of table `name`.
fn insert_batches(name: &str, n: u64, batch: u64) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 1;
    while i <= n {
        let end = (i + batch - 1).min(n);
        let mut s = if name == "u" {
            String::from("INSERT INTO u (id, w) VALUES ")
        } else {
            format!("INSERT INTO {name} (id, k, v) VALUES ")
        };
        for r in i..=end {
            if r > i {
                s.push(',');
            }
            if name == "u" {
                s.push_str(&format!("({r},{})", r % 101));
            } else {
                let [id, k, v] = t_row(r);
                s.push_str(&format!("({id},{k},{v})"));
            }
        }
        out.push(s);
        i = end + 1;
    }
    out
}

/// The same pseudo-random primary keys in 1..=n for both systems.
fn random_ids(count: u64, n: u64, seed: u64) -> Vec<u64> {
    let mut x = seed | 1;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            1 + x % n
        })
        .collect()
}

/// p50, p99, mean in µs of per-operation nanoseconds.
fn percentiles(ns: &mut [u64]) -> (f64, f64, f64) {
    ns.sort_unstable();
    let at = |q: f64| ns[((ns.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0;
    let mean = ns.iter().sum::<u64>() as f64 / ns.len() as f64 / 1000.0;
    (at(0.50), at(0.99), mean)
}

fn sql_err(e: &SqlError) -> anyhow::Error {
    anyhow!("{} {}", e.sqlstate, e.message)
}

fn is_unsupported(e: &SqlError) -> bool {
    matches!(e.sqlstate, "0A000" | "42883" | "42601" | "42704")
}

fn text_rows(out: &StatementOutput) -> Vec<Vec<Option<String>>> {
    match out {
        StatementOutput::Rows { rows, .. } => rows.clone(),
        StatementOutput::Command { .. } => vec![],
    }
}

// ------------------------------------------------------------------ Borealis

struct Bor {
    engine: Engine,
    session: Session,
}

impl Bor {
    async fn open() -> Result<Bor> {
        let engine = Engine::open(Arc::new(MemStore::new()))
            .await
            .map_err(|e| sql_err(&e))?;
        let session = engine.session();
        Ok(Bor { engine, session })
    }

    async fn exec(&mut self, sql: &str) -> std::result::Result<Vec<StatementOutput>, SqlError> {
        self.session.execute_simple(sql).await.into_iter().collect()
    }
}

/// Runs `f` on its own thread and waits at most `cap`; `None` if it did not
/// finish (the thread is left to finish on its own: an engine statement cannot
/// be interrupted from outside).
fn run_capped<T: Send + 'static>(
    cap: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("bench-capped".into())
        .stack_size(8 << 20)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .ok()?;
    rx.recv_timeout(cap).ok()
}

/// One statement on a fresh session of `engine` in a capped thread: (elapsed, result).
fn bor_query_capped(
    engine: &Engine,
    sql: &'static str,
    cap: Duration,
) -> Option<(
    Duration,
    std::result::Result<Vec<StatementOutput>, SqlError>,
)> {
    let engine = engine.clone();
    run_capped(cap, move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut s = engine.session();
            let start = Instant::now();
            let r: std::result::Result<Vec<_>, _> =
                s.execute_simple(sql).await.into_iter().collect();
            (start.elapsed(), r)
        })
    })
}

/// Loads `stmts` (untimed or timed by the caller); Err(reason) if unsupported or over the cap.
async fn bor_load(b: &mut Bor, stmts: &[String], cap: Duration) -> std::result::Result<(), String> {
    let start = Instant::now();
    let mut rows = 0u64;
    for s in stmts {
        match b.exec(s).await {
            Ok(_) => {}
            Err(e) if is_unsupported(&e) => return Err(format!("unsupported: {}", e.message)),
            Err(e) => return Err(format!("error: {} {}", e.sqlstate, e.message)),
        }
        rows += s.matches("),(").count() as u64 + 1;
        if start.elapsed() > cap {
            return Err(format!(
                "capped: {rows} rows in {:.0} s ({:.0} rows/s)",
                start.elapsed().as_secs_f64(),
                rows as f64 / start.elapsed().as_secs_f64()
            ));
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ PostgreSQL

async fn pg_connect(conninfo: &str) -> Result<Client> {
    let (client, conn) = tokio_postgres::connect(conninfo, NoTls)
        .await
        .context("connecting to the scratch PostgreSQL")?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            eprintln!("postgres connection: {e}");
        }
    });
    Ok(client)
}

fn pg_rows(msgs: &[SimpleQueryMessage]) -> Vec<Vec<Option<String>>> {
    msgs.iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect()
}

/// pg_stat_statements' mean execution time (µs) and calls for `query`.
async fn pg_server_mean(c: &Client, query: &str) -> Result<(f64, i64)> {
    let row = c
        .query_opt(
            "SELECT mean_exec_time, calls FROM pg_stat_statements WHERE query = $1",
            &[&query],
        )
        .await?
        .ok_or_else(|| anyhow!("no pg_stat_statements row for {query}"))?;
    let mean_ms: f64 = row.get(0);
    Ok((mean_ms * 1000.0, row.get(1)))
}

// ------------------------------------------------------------------ the run

struct Bench {
    args: Args,
    cap: Duration,
    results: Results,
    t_batches: Vec<String>,
    /// Set when a Borealis workload could not run: later repeats are skipped with this reason.
    bor_gave_up: std::collections::HashMap<Workload, String>,
    /// Reference results (first system to produce them) for the cross-check.
    reference: std::collections::HashMap<&'static str, Vec<Vec<Option<String>>>>,
    /// Whether Borealis runs `generate_series` (the INSERT ... SELECT bulk path).
    generate_series: Option<String>,
}

impl Bench {
    fn has(&self, w: Workload) -> bool {
        self.args.workloads.contains(&w)
    }

    fn check_same(
        &mut self,
        what: &'static str,
        sys: System,
        metric: Metric,
        mut rows: Vec<Vec<Option<String>>>,
    ) {
        rows.sort();
        match self.reference.get(what) {
            None => {
                self.reference.insert(what, rows);
            }
            Some(r) if *r == rows => {}
            Some(r) => {
                let msg = format!(
                    "RESULT MISMATCH on {what}: {} rows vs {} reference rows (first: {:?} vs {:?})",
                    rows.len(),
                    r.len(),
                    rows.first(),
                    r.first()
                );
                eprintln!("{} {msg}", sys.name());
                self.results.note(metric, sys, msg);
            }
        }
    }

    fn give_up(&mut self, w: Workload, metrics: &[Metric], reason: String) {
        eprintln!("  borealis {w:?}: {reason}");
        for &m in metrics {
            self.results
                .push(m, System::Borealis, Outcome::NotRun(reason.clone()));
        }
        if matches!(w, Workload::Bulk | Workload::BulkPrepared) {
            // GROUP BY and the join need the full table t.
            let why = format!("table t not loaded ({reason})");
            self.bor_gave_up.insert(Workload::Groupby, why.clone());
            self.bor_gave_up.insert(Workload::Join, why);
        }
        self.bor_gave_up.insert(w, reason);
    }

    fn skipped(&mut self, w: Workload, metrics: &[Metric]) -> bool {
        if let Some(r) = self.bor_gave_up.get(&w).cloned() {
            for &m in metrics {
                self.results.push(
                    m,
                    System::Borealis,
                    Outcome::NotRun(format!("skipped after: {r}")),
                );
            }
            return true;
        }
        false
    }

    // ---------------------------------------------------------- Borealis

    async fn bor_setup(&mut self, b: &mut Bor) -> Result<()> {
        // The faster bulk path the issue names, if the engine has it.
        let probe = "SELECT count(*) FROM generate_series(1, 10)";
        self.generate_series = Some(match b.exec(probe).await {
            Ok(_) => "supported".into(),
            Err(e) => format!("not supported: {} {}", e.sqlstate, e.message),
        });
        eprintln!(
            "  borealis generate_series: {}",
            self.generate_series.as_deref().unwrap_or("")
        );
        if self.has(Workload::Point) {
            let r = match b.exec(P_DDL).await {
                Ok(_) => {
                    bor_load(
                        b,
                        &insert_batches("p", self.args.point_rows, self.args.batch),
                        self.cap,
                    )
                    .await
                }
                Err(e) => Err(format!("CREATE TABLE p: {}", e.message)),
            };
            if let Err(r) = r {
                self.bor_gave_up
                    .insert(Workload::Point, format!("loading p: {r}"));
            }
        }
        if self.has(Workload::Join) {
            let r = match b.exec(U_DDL).await {
                Ok(_) => {
                    bor_load(
                        b,
                        &insert_batches("u", self.args.rows, self.args.batch),
                        self.cap,
                    )
                    .await
                }
                Err(e) => Err(format!("CREATE TABLE u: {}", e.message)),
            };
            if let Err(r) = r {
                self.bor_gave_up
                    .insert(Workload::Join, format!("loading u: {r}"));
            }
        }
        if !self.has(Workload::Bulk)
            && !self.has(Workload::BulkPrepared)
            && !self.has(Workload::BulkSeries)
            && (self.has(Workload::Groupby) || self.has(Workload::Join))
        {
            let stmts = self.t_batches.clone();
            let r = match b.exec(T_DDL).await {
                Ok(_) => bor_load(b, &stmts, self.cap).await,
                Err(e) => Err(format!("CREATE TABLE t: {}", e.message)),
            };
            if let Err(r) = r {
                let r = format!("loading t: {r}");
                self.bor_gave_up.insert(Workload::Groupby, r.clone());
                self.bor_gave_up.insert(Workload::Join, r);
            }
        }
        Ok(())
    }

    async fn bor_point(&mut self, b: &mut Bor, ids: &[Vec<Option<String>>]) {
        let ms = [Metric::SelectP50, Metric::SelectP99, Metric::SelectMean];
        let mu = [Metric::UpdateP50, Metric::UpdateP99, Metric::UpdateMean];
        if self.skipped(Workload::Point, &[ms, mu].concat()) {
            return;
        }
        for (sql, metrics) in [(POINT_SELECT, ms), (POINT_UPDATE, mu)] {
            let prep = match b.session.prepare(sql, &[]).await {
                Ok(p) => p,
                Err(e) => {
                    self.give_up(
                        Workload::Point,
                        &metrics,
                        format!("prepare: {} {}", e.sqlstate, e.message),
                    );
                    continue;
                }
            };
            // Warm-up: the plan cache and the allocator.
            for p in ids.iter().take(1000) {
                let _ = b.session.execute_prepared(&prep, p).await;
            }
            let mut ns = Vec::with_capacity(ids.len());
            let start = Instant::now();
            let mut failure = None;
            for (i, p) in ids.iter().enumerate() {
                let t = Instant::now();
                let r = b.session.execute_prepared(&prep, p).await;
                ns.push(t.elapsed().as_nanos() as u64);
                match r {
                    Ok(StatementOutput::Rows { rows, .. }) if rows.len() == 1 => {}
                    Ok(StatementOutput::Command { tag }) if tag == "UPDATE 1" => {}
                    Ok(other) => {
                        failure = Some(format!("unexpected output {:?}", other.tag()));
                        break;
                    }
                    Err(e) => {
                        failure = Some(format!("{} {}", e.sqlstate, e.message));
                        break;
                    }
                }
                if i % 256 == 0 && start.elapsed() > self.cap {
                    self.results.note(
                        metrics[0],
                        System::Borealis,
                        format!("capped after {} ops", i + 1),
                    );
                    break;
                }
            }
            if let Some(f) = failure {
                self.give_up(Workload::Point, &metrics, f);
                continue;
            }
            let n = ns.len();
            let (p50, p99, mean) = percentiles(&mut ns);
            for (m, v) in metrics.iter().zip([p50, p99, mean]) {
                self.results.push(*m, System::Borealis, Outcome::Value(v));
            }
            self.results
                .note(metrics[0], System::Borealis, format!("{n} ops per repeat"));
            self.results.note(
                metrics[2],
                System::Borealis,
                "in-process engine time (no network), mean per op".to_string(),
            );
            eprintln!(
                "  borealis {sql}: p50 {p50:.2} µs, p99 {p99:.2} µs, mean {mean:.2} µs ({n} ops)"
            );
        }
    }

    async fn bor_bulk(&mut self, b: &mut Bor) {
        if self.skipped(Workload::Bulk, &[Metric::BulkRate]) {
            return;
        }
        if let Err(e) = b
            .exec("DROP TABLE IF EXISTS t")
            .await
            .and(b.exec(T_DDL).await)
        {
            self.give_up(
                Workload::Bulk,
                &[Metric::BulkRate],
                format!("DDL: {}", e.message),
            );
            return;
        }
        let stmts = std::mem::take(&mut self.t_batches);
        let start = Instant::now();
        let r = bor_load(b, &stmts, self.cap).await;
        let secs = start.elapsed().as_secs_f64();
        self.t_batches = stmts;
        match r {
            Ok(()) => {
                let rate = self.args.rows as f64 / secs;
                eprintln!(
                    "  borealis bulk insert: {} rows in {secs:.2} s = {rate:.0} rows/s",
                    self.args.rows
                );
                self.results
                    .push(Metric::BulkRate, System::Borealis, Outcome::Value(rate));
                self.results.note(
                    Metric::BulkRate,
                    System::Borealis,
                    format!(
                        "{}-row INSERT ... VALUES statements, autocommit each",
                        self.args.batch
                    ),
                );
            }
            Err(r) => {
                self.give_up(Workload::Bulk, &[Metric::BulkRate], r);
            }
        }
    }

    async fn bor_bulk_prepared(&mut self, b: &mut Bor) {
        let m = [Metric::BulkPreparedRate];
        if self.skipped(Workload::BulkPrepared, &m) {
            return;
        }
        if let Err(e) = b
            .exec("DROP TABLE IF EXISTS t")
            .await
            .and(b.exec(T_DDL).await)
        {
            self.give_up(Workload::BulkPrepared, &m, format!("DDL: {}", e.message));
            return;
        }
        // Text parameters, as the extended protocol hands them over (built untimed).
        let batches: Vec<Vec<Option<String>>> = prepared_batches(self.args.rows, self.args.batch)
            .into_iter()
            .map(|b| b.into_iter().map(|x| Some(x.to_string())).collect())
            .collect();
        let mut prepared: Vec<(usize, borealis_sql::Prepared)> = Vec::new();
        let start = Instant::now();
        let mut rows = 0u64;
        for params in &batches {
            let n = params.len();
            if !prepared.iter().any(|(len, _)| *len == n) {
                match b
                    .session
                    .prepare(&prepared_insert_sql(n as u64 / 3), &[])
                    .await
                {
                    Ok(p) => prepared.push((n, p)),
                    Err(e) => {
                        let why = format!("prepare: {} {}", e.sqlstate, e.message);
                        self.give_up(Workload::BulkPrepared, &m, why);
                        return;
                    }
                }
            }
            let Some((_, st)) = prepared.iter().find(|(len, _)| *len == n) else {
                return;
            };
            if let Err(e) = b.session.execute_prepared(st, params).await {
                let why = format!("error: {} {}", e.sqlstate, e.message);
                self.give_up(Workload::BulkPrepared, &m, why);
                return;
            }
            rows += n as u64 / 3;
            if start.elapsed() > self.cap {
                let why = format!("capped: {rows} rows in {} s", self.cap.as_secs());
                self.give_up(Workload::BulkPrepared, &m, why);
                return;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let rate = rows as f64 / secs;
        eprintln!("  borealis prepared bulk insert: {rows} rows in {secs:.2} s = {rate:.0} rows/s");
        self.results.push(
            Metric::BulkPreparedRate,
            System::Borealis,
            Outcome::Value(rate),
        );
        self.results.note(
            Metric::BulkPreparedRate,
            System::Borealis,
            format!(
                "prepared {}-row INSERT, 3 text parameters per row, autocommit each",
                self.args.batch
            ),
        );
    }

    async fn bor_bulk_series(&mut self, b: &mut Bor) {
        let m = [Metric::BulkSeriesRate];
        if self.skipped(Workload::BulkSeries, &m) {
            return;
        }
        if let Err(e) = b
            .exec("DROP TABLE IF EXISTS t")
            .await
            .and(b.exec(T_DDL).await)
        {
            self.give_up(Workload::BulkSeries, &m, format!("DDL: {}", e.message));
            return;
        }
        let stmts = series_batches(self.args.rows);
        let start = Instant::now();
        for s in &stmts {
            match b.exec(s).await {
                Ok(_) => {}
                Err(e) if is_unsupported(&e) => {
                    let why = format!("unsupported: {} {}", e.sqlstate, e.message);
                    self.give_up(Workload::BulkSeries, &m, why);
                    return;
                }
                Err(e) => {
                    let why = format!("error: {} {}", e.sqlstate, e.message);
                    self.give_up(Workload::BulkSeries, &m, why);
                    return;
                }
            }
            if start.elapsed() > self.cap {
                let why = format!("capped: not done in {} s", self.cap.as_secs());
                self.give_up(Workload::BulkSeries, &m, why);
                return;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let rate = self.args.rows as f64 / secs;
        eprintln!(
            "  borealis generate_series insert: {} rows in {secs:.2} s = {rate:.0} rows/s",
            self.args.rows
        );
        self.results.push(
            Metric::BulkSeriesRate,
            System::Borealis,
            Outcome::Value(rate),
        );
        self.results.note(
            Metric::BulkSeriesRate,
            System::Borealis,
            format!("INSERT ... SELECT FROM generate_series, {SERIES_CHUNK} rows per statement, autocommit each"),
        );
    }

    fn bor_query(&mut self, b: &Bor, w: Workload, metric: Metric, sql: &'static str) {
        if self.skipped(w, &[metric]) {
            return;
        }
        match bor_query_capped(&b.engine, sql, self.cap) {
            None => self.give_up(
                w,
                &[metric],
                format!("capped: not done in {} s", self.cap.as_secs()),
            ),
            Some((_, Err(e))) if is_unsupported(&e) => self.give_up(
                w,
                &[metric],
                format!("unsupported: {} {}", e.sqlstate, e.message),
            ),
            Some((_, Err(e))) => {
                self.give_up(w, &[metric], format!("error: {} {}", e.sqlstate, e.message))
            }
            Some((d, Ok(out))) => {
                let ms = d.as_secs_f64() * 1000.0;
                let rows = out.last().map(text_rows).unwrap_or_default();
                eprintln!("  borealis {sql}: {ms:.0} ms, {} rows", rows.len());
                self.results
                    .push(metric, System::Borealis, Outcome::Value(ms));
                self.check_same(sql, System::Borealis, metric, rows);
            }
        }
    }

    // ---------------------------------------------------------- PostgreSQL

    async fn pg_load(&self, c: &Client, ddl: &str, name: &str, stmts: &[String]) -> Result<()> {
        c.batch_execute(&format!("DROP TABLE IF EXISTS {name}; {ddl}"))
            .await?;
        for s in stmts {
            c.batch_execute(s).await?;
        }
        c.batch_execute(&format!("VACUUM ANALYZE {name}")).await?;
        Ok(())
    }

    async fn pg_setup(&mut self, c: &Client) -> Result<()> {
        c.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            .await?;
        c.batch_execute(&format!(
            "SET statement_timeout = '{}s'",
            self.cap.as_secs()
        ))
        .await?;
        if self.has(Workload::Point) {
            self.pg_load(
                c,
                P_DDL,
                "p",
                &insert_batches("p", self.args.point_rows, self.args.batch),
            )
            .await?;
        }
        if self.has(Workload::Join) {
            self.pg_load(
                c,
                U_DDL,
                "u",
                &insert_batches("u", self.args.rows, self.args.batch),
            )
            .await?;
        }
        if !self.has(Workload::Bulk)
            && !self.has(Workload::BulkPrepared)
            && !self.has(Workload::BulkSeries)
            && (self.has(Workload::Groupby) || self.has(Workload::Join))
        {
            self.pg_load(c, T_DDL, "t", &self.t_batches).await?;
        }
        Ok(())
    }

    async fn pg_point(&mut self, c: &Client, ids: &[u64]) -> Result<()> {
        let ms = [Metric::SelectP50, Metric::SelectP99, Metric::SelectMean];
        let mu = [Metric::UpdateP50, Metric::UpdateP99, Metric::UpdateMean];
        // Warm the buffer cache: every row of p cached, as for Borealis.
        c.batch_execute("SELECT sum(v) FROM p").await?;
        for (sql, metrics) in [(POINT_SELECT, ms), (POINT_UPDATE, mu)] {
            let st = c.prepare(sql).await?;
            for id in ids.iter().take(1000) {
                c.execute(&st, &[&(*id as i64)]).await?;
            }
            c.batch_execute("SELECT pg_stat_statements_reset()").await?;
            let mut ns = Vec::with_capacity(ids.len());
            let start = Instant::now();
            for (i, id) in ids.iter().enumerate() {
                let t = Instant::now();
                let n = c.execute(&st, &[&(*id as i64)]).await?;
                ns.push(t.elapsed().as_nanos() as u64);
                if n != 1 {
                    bail!("{sql} touched {n} rows");
                }
                if i % 256 == 0 && start.elapsed() > self.cap {
                    self.results.note(
                        metrics[0],
                        System::Postgres,
                        format!("capped after {} ops", i + 1),
                    );
                    break;
                }
            }
            let n = ns.len();
            let (p50, p99, mean) = percentiles(&mut ns);
            self.results
                .push(metrics[0], System::Postgres, Outcome::Value(p50));
            self.results
                .push(metrics[1], System::Postgres, Outcome::Value(p99));
            self.results.note(
                metrics[0],
                System::Postgres,
                format!("{n} ops per repeat, client round trip over loopback"),
            );
            match pg_server_mean(c, sql).await {
                Ok((server, calls)) => {
                    self.results
                        .push(metrics[2], System::Postgres, Outcome::Value(server));
                    self.results.note(
                        metrics[2],
                        System::Postgres,
                        "pg_stat_statements mean_exec_time (executor only: no parse, network or commit flush)",
                    );
                    eprintln!(
                        "  postgres {sql}: p50 {p50:.2} µs, p99 {p99:.2} µs, client mean {mean:.2} µs, server mean {server:.2} µs ({calls} calls)"
                    );
                }
                Err(e) => {
                    self.results.push(
                        metrics[2],
                        System::Postgres,
                        Outcome::NotRun(format!("pg_stat_statements: {e}")),
                    );
                }
            }
        }
        Ok(())
    }

    async fn pg_bulk(&mut self, c: &Client) -> Result<()> {
        c.batch_execute(&format!("DROP TABLE IF EXISTS t; {T_DDL}"))
            .await?;
        c.batch_execute("CHECKPOINT").await?;
        let start = Instant::now();
        for (i, s) in self.t_batches.iter().enumerate() {
            c.batch_execute(s).await?;
            if start.elapsed() > self.cap {
                let rows = (i as u64 + 1) * self.args.batch;
                self.results.push(
                    Metric::BulkRate,
                    System::Postgres,
                    Outcome::NotRun(format!("capped: {rows} rows in {} s", self.cap.as_secs())),
                );
                return Ok(());
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let rate = self.args.rows as f64 / secs;
        eprintln!(
            "  postgres bulk insert: {} rows in {secs:.2} s = {rate:.0} rows/s",
            self.args.rows
        );
        self.results
            .push(Metric::BulkRate, System::Postgres, Outcome::Value(rate));
        self.results.note(
            Metric::BulkRate,
            System::Postgres,
            format!("{}-row INSERT ... VALUES statements, autocommit each (fsync, synchronous_commit on)", self.args.batch),
        );
        // Steady state for the scans: hint bits set, statistics for the planner (untimed).
        c.batch_execute("VACUUM ANALYZE t").await?;
        Ok(())
    }

    async fn pg_bulk_prepared(&mut self, c: &Client) -> Result<()> {
        use tokio_postgres::types::{ToSql, Type};
        c.batch_execute(&format!("DROP TABLE IF EXISTS t; {T_DDL}"))
            .await?;
        c.batch_execute("CHECKPOINT").await?;
        let batches = prepared_batches(self.args.rows, self.args.batch);
        let mut prepared: Vec<(usize, tokio_postgres::Statement)> = Vec::new();
        let start = Instant::now();
        let mut rows = 0u64;
        for params in &batches {
            let n = params.len();
            if !prepared.iter().any(|(len, _)| *len == n) {
                let types = vec![Type::INT8; n];
                let st = c
                    .prepare_typed(&prepared_insert_sql(n as u64 / 3), &types)
                    .await?;
                prepared.push((n, st));
            }
            let Some((_, st)) = prepared.iter().find(|(len, _)| *len == n) else {
                bail!("no prepared statement for {n} parameters");
            };
            let refs: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|x| x as &(dyn ToSql + Sync)).collect();
            c.execute(st, &refs).await?;
            rows += n as u64 / 3;
            if start.elapsed() > self.cap {
                self.results.push(
                    Metric::BulkPreparedRate,
                    System::Postgres,
                    Outcome::NotRun(format!("capped: {rows} rows in {} s", self.cap.as_secs())),
                );
                return Ok(());
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let rate = rows as f64 / secs;
        eprintln!("  postgres prepared bulk insert: {rows} rows in {secs:.2} s = {rate:.0} rows/s");
        self.results.push(
            Metric::BulkPreparedRate,
            System::Postgres,
            Outcome::Value(rate),
        );
        self.results.note(
            Metric::BulkPreparedRate,
            System::Postgres,
            format!("prepared {}-row INSERT, binary int8 parameters, autocommit each (fsync, synchronous_commit on)", self.args.batch),
        );
        c.batch_execute("VACUUM ANALYZE t").await?;
        Ok(())
    }

    async fn pg_bulk_series(&mut self, c: &Client) -> Result<()> {
        c.batch_execute(&format!("DROP TABLE IF EXISTS t; {T_DDL}"))
            .await?;
        c.batch_execute("CHECKPOINT").await?;
        let start = Instant::now();
        for s in series_batches(self.args.rows) {
            c.batch_execute(&s).await?;
        }
        let secs = start.elapsed().as_secs_f64();
        let rate = self.args.rows as f64 / secs;
        eprintln!(
            "  postgres generate_series insert: {} rows in {secs:.2} s = {rate:.0} rows/s",
            self.args.rows
        );
        self.results.push(
            Metric::BulkSeriesRate,
            System::Postgres,
            Outcome::Value(rate),
        );
        self.results.note(
            Metric::BulkSeriesRate,
            System::Postgres,
            format!("INSERT ... SELECT FROM generate_series, {SERIES_CHUNK} rows per statement (fsync, synchronous_commit on)"),
        );
        c.batch_execute("VACUUM ANALYZE t").await?;
        Ok(())
    }

    async fn pg_query(&mut self, c: &Client, metric: Metric, sql: &'static str) -> Result<()> {
        if !self.results.notes.contains_key(&(metric, System::Postgres)) {
            // The plan PostgreSQL chose (parallel workers, join method), once.
            if let Ok(msgs) = c.simple_query(&format!("EXPLAIN {sql}")).await {
                let plan: Vec<String> = pg_rows(&msgs)
                    .into_iter()
                    .filter_map(|r| r.into_iter().next().flatten())
                    .collect();
                self.results.note(
                    metric,
                    System::Postgres,
                    format!("plan: {}", plan.join(" / ")),
                );
            }
        }
        let start = Instant::now();
        match c.simple_query(sql).await {
            Ok(msgs) => {
                let ms = start.elapsed().as_secs_f64() * 1000.0;
                let rows = pg_rows(&msgs);
                eprintln!("  postgres {sql}: {ms:.0} ms, {} rows", rows.len());
                self.results
                    .push(metric, System::Postgres, Outcome::Value(ms));
                self.check_same(sql, System::Postgres, metric, rows);
            }
            Err(e) => {
                self.results.push(
                    metric,
                    System::Postgres,
                    Outcome::NotRun(format!("error: {e}")),
                );
            }
        }
        Ok(())
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.rows == 0
        || args.point_rows == 0
        || args.ops == 0
        || args.repeats == 0
        || args.batch == 0
    {
        bail!("--rows, --point-rows, --ops, --repeats and --batch must be positive");
    }
    install_signal_cleanup();
    let _stop = pg::StopOnDrop;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(args))
}

/// Ctrl-C / SIGTERM: stop PostgreSQL and remove its temp dir, then exit. A
/// thread of its own, so it runs even while the engine holds the main thread.
fn install_signal_cleanup() {
    std::thread::spawn(|| {
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(_) => return,
        };
        rt.block_on(async {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(mut term) = signal(SignalKind::terminate()) else {
                return;
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            eprintln!("interrupted: stopping PostgreSQL, removing its temp dir");
            pg::stop_global();
            std::process::exit(130);
        });
    });
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

async fn run(args: Args) -> Result<()> {
    let started = Instant::now();
    let load_before = loadavg();
    eprintln!(
        "borealis-bench-engine: rows {} point_rows {} ops {} repeats {} batch {} cap {} s; load {load_before}",
        args.rows, args.point_rows, args.ops, args.repeats, args.batch, args.cap_secs
    );
    let pg_server = if args.no_pg {
        None
    } else {
        let s = pg::PgServer::start(&args.pg_bin)?;
        eprintln!("postgresql 15 on 127.0.0.1:{}", s.port);
        Some(s)
    };
    let pg_client = match &pg_server {
        Some(s) => Some(pg_connect(&s.conninfo()).await?),
        None => None,
    };
    let pg_version = match &pg_client {
        Some(c) => Some(
            c.query_one("SHOW server_version", &[])
                .await?
                .get::<_, String>(0),
        ),
        None => None,
    };

    let ids = random_ids(args.ops, args.point_rows, 0x5eed_b0de_a115);
    let id_params: Vec<Vec<Option<String>>> =
        ids.iter().map(|i| vec![Some(i.to_string())]).collect();
    let mut bench = Bench {
        cap: Duration::from_secs(args.cap_secs),
        t_batches: insert_batches("t", args.rows, args.batch),
        args,
        results: Results::default(),
        bor_gave_up: Default::default(),
        reference: Default::default(),
        generate_series: None,
    };

    let mut bor = if bench.args.no_borealis {
        None
    } else {
        eprintln!("setup borealis (untimed loads)");
        let mut b = Bor::open().await?;
        bench.bor_setup(&mut b).await?;
        Some(b)
    };
    if let Some(c) = &pg_client {
        eprintln!("setup postgresql (untimed loads)");
        bench.pg_setup(c).await?;
    }

    for round in 1..=bench.args.repeats {
        eprintln!("repeat {round}/{}", bench.args.repeats);
        if let Some(b) = bor.as_mut() {
            if bench.has(Workload::Point) {
                bench.bor_point(b, &id_params).await;
            }
            if bench.has(Workload::Bulk) {
                bench.bor_bulk(b).await;
            }
            if bench.has(Workload::BulkPrepared) {
                bench.bor_bulk_prepared(b).await;
            }
            if bench.has(Workload::BulkSeries) {
                bench.bor_bulk_series(b).await;
            }
            if bench.has(Workload::Groupby) {
                bench.bor_query(b, Workload::Groupby, Metric::GroupBy, GROUP_BY);
            }
            if bench.has(Workload::Join) {
                bench.bor_query(b, Workload::Join, Metric::Join, JOIN);
            }
        }
        if let Some(c) = &pg_client {
            if bench.has(Workload::Point) {
                bench.pg_point(c, &ids).await?;
            }
            if bench.has(Workload::Bulk) {
                bench.pg_bulk(c).await?;
            }
            if bench.has(Workload::BulkPrepared) {
                bench.pg_bulk_prepared(c).await?;
            }
            if bench.has(Workload::BulkSeries) {
                bench.pg_bulk_series(c).await?;
            }
            if bench.has(Workload::Groupby) {
                bench.pg_query(c, Metric::GroupBy, GROUP_BY).await?;
            }
            if bench.has(Workload::Join) {
                bench.pg_query(c, Metric::Join, JOIN).await?;
            }
        }
    }

    let table = bench.results.table();
    println!("{table}");
    println!(
        "* server-side: Borealis = in-process engine mean per op; PostgreSQL = pg_stat_statements mean_exec_time\n  \
         (executor only). The PostgreSQL p50/p99 rows are client round trips over loopback (prepared statement,\n  \
         tokio-postgres); Borealis's never include a network. Median over {} repeats, (min–max) across them.",
        bench.args.repeats
    );
    drop(pg_client);
    if pg_server.is_some() {
        pg::stop_global();
    }
    if let Some(path) = &bench.args.json {
        let doc = json!({
            "benchmark": "engine",
            "unix_time": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs(),
            "config": {
                "rows": bench.args.rows,
                "point_rows": bench.args.point_rows,
                "ops": bench.args.ops,
                "repeats": bench.args.repeats,
                "batch": bench.args.batch,
                "cap_secs": bench.args.cap_secs,
                "workloads": format!("{:?}", bench.args.workloads),
            },
            "host": {
                "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
                "loadavg_before": load_before,
                "loadavg_after": loadavg(),
            },
            "postgresql": {
                "version": pg_version,
                "settings": pg::SETTINGS.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>(),
                "client": "tokio-postgres 0.7, prepared statements for point ops, simple query otherwise, loopback TCP",
            },
            "borealis": {
                "store": "MemStore (in memory, no network, no durability)",
                "revision": std::env::var("BOREALIS_GIT_REV").ok(),
                "generate_series": bench.generate_series,
            },
            "sql": {
                "point_select": POINT_SELECT, "point_update": POINT_UPDATE,
                "group_by": GROUP_BY, "join": JOIN, "t": T_DDL, "u": U_DDL, "p": P_DDL,
            },
            "metrics": bench.results.json(),
            "table": table,
            "elapsed_s": started.elapsed().as_secs_f64(),
        });
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_string_pretty(&doc)?)?;
        eprintln!("wrote {}", path.display());
    }
    eprintln!("done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}
