//! pgbench (Debian's PostgreSQL 15) against `borealis up`, unchanged: both
//! ways of `pgbench -i` (client-side COPY and server-side generate_series,
//! vacuum and primary keys included), then every built-in script in every
//! query mode with several clients, and the bank invariant afterwards: the
//! accounts, tellers and branches each hold exactly the history's deltas.
//! pgbench's partition probe query is checked on its own (pgbench ignores
//! its failure). A missing pgbench fails the test (`.ci/run` installs it).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use support::{free_address, TempDir, UpCluster, PASSWORD};

fn pgbench_exe() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("BOREALIS_PGBENCH") {
        return Some(PathBuf::from(p));
    }
    ["/usr/lib/postgresql/15/bin/pgbench", "/usr/bin/pgbench"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn pgbench(exe: &Path, port: u16, args: &[&str]) -> String {
    let started = Instant::now();
    let out = Command::new(exe)
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .args(args)
        .arg("postgres")
        .env("PGPASSWORD", PASSWORD)
        .env("PGSSLMODE", "disable")
        .output()
        .expect("run pgbench");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "pgbench {args:?} failed:\n{text}");
    eprintln!(
        "pgbench {} ({:.1} s): {}",
        args.join(" "),
        started.elapsed().as_secs_f64(),
        text.lines()
            .filter(|l| l.starts_with("tps") || l.starts_with("done in"))
            .collect::<Vec<_>>()
            .join("; ")
    );
    text
}

fn assert_balanced(cluster: &UpCluster) {
    let sums = cluster.psql(
        "select (select coalesce(sum(abalance), 0) from pgbench_accounts) || ' ' || \
         (select coalesce(sum(tbalance), 0) from pgbench_tellers) || ' ' || \
         (select coalesce(sum(bbalance), 0) from pgbench_branches) || ' ' || \
         (select coalesce(sum(delta), 0) from pgbench_history)",
    );
    let v: Vec<&str> = sums.split(' ').collect();
    assert_eq!(v.len(), 4, "{sums}");
    assert_eq!(v[0], v[3], "accounts vs history: {sums}");
}

#[test]
fn pgbench_initializes_and_runs_every_builtin_script_in_every_mode() {
    let exe = pgbench_exe().expect(
        "pgbench not found: apt-get install postgresql-15 (.ci/run does this) or set BOREALIS_PGBENCH",
    );
    let dir = TempDir::new("pgbench");
    let data_dir = dir.0.join("data");
    let port = free_address().port();
    let cluster = UpCluster::up(&data_dir, port);

    // Server-side generation (generate_series in FROM), then the default
    // steps: drop, create, COPY ... FROM STDIN WITH (FREEZE ON), vacuum, keys.
    pgbench(&exe, port, &["-i", "-I", "dtGvp", "-s", "1"]);
    assert_eq!(
        cluster.psql("select count(*) from pgbench_accounts"),
        "100000"
    );
    pgbench(&exe, port, &["-i", "-s", "1"]);
    assert_eq!(
        cluster.psql(
            "select count(*), count(distinct aid), min(aid), max(aid), sum(bid) from pgbench_accounts"
        ),
        "100000|100000|1|100000|100000"
    );
    assert_eq!(cluster.psql("select count(*) from pgbench_tellers"), "10");
    // pgbench's partition probe (GetTableInfo, before every run), verbatim:
    // pgbench ignores its failure, so it is checked here.
    assert_eq!(
        cluster.psql(
            "select o.n, p.partstrat, pg_catalog.count(i.inhparent) from pg_catalog.pg_class as c \
             join pg_catalog.pg_namespace as n on (n.oid = c.relnamespace) cross join lateral \
             (select pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)) as o(n) \
             left join pg_catalog.pg_partitioned_table as p on (p.partrelid = c.oid) \
             left join pg_catalog.pg_inherits as i on (c.oid = i.inhparent) \
             where c.relname = 'pgbench_accounts' and o.n is not null group by 1, 2 order by 1 asc limit 1"
        ),
        "2||0"
    );
    // The primary keys are there: a duplicate is refused.
    let dup = cluster.psql_raw("insert into pgbench_accounts(aid, bid, abalance) values (1, 1, 0)");
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("pgbench_accounts_pkey"));

    // Every script in every mode; the first run vacuums and truncates the
    // history, the rest keep it (-n) so the invariant covers them all.
    let mut first = true;
    for script in ["tpcb-like", "simple-update", "select-only"] {
        for mode in ["simple", "extended", "prepared"] {
            let mut args = vec!["-b", script, "-M", mode, "-c", "4", "-j", "2", "-t", "20"];
            if !first {
                args.push("-n");
            }
            first = false;
            let out = pgbench(&exe, port, &args);
            assert!(
                out.contains("number of failed transactions: 0"),
                "{script} {mode}:\n{out}"
            );
            assert!(
                out.contains("number of transactions actually processed: 80/80"),
                "{out}"
            );
        }
    }
    assert_balanced(&cluster);
    let history: i64 = cluster
        .psql("select count(*) from pgbench_history")
        .parse()
        .expect("count");
    assert_eq!(
        history,
        2 * 3 * 80,
        "tpcb-like and simple-update each write one row per transaction"
    );

    // Range-partitioned pgbench_accounts (--partitions): COPY rows routed by
    // aid, a primary key added to every partition, pgbench's probe finding
    // the partitioning, then a timed run.
    pgbench(&exe, port, &["-i", "--partitions=4", "-s", "1"]);
    assert_eq!(
        cluster.psql("select count(*), min(aid), max(aid) from pgbench_accounts"),
        "100000|1|100000"
    );
    assert_eq!(
        cluster.psql("select count(*), min(aid) from pgbench_accounts_4"),
        "25000|75001"
    );
    let out = pgbench(&exe, port, &["-c", "4", "-j", "2", "-T", "5"]);
    assert!(out.contains("partition method: range"), "{out}");
    assert!(out.contains("partitions: 4"), "{out}");
    assert!(out.contains("number of failed transactions: 0"), "{out}");
    assert_balanced(&cluster);
    cluster.stop();
}
