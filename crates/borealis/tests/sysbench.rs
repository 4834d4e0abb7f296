//! sysbench (Debian's 1.0, pgsql driver over libpq) against `borealis up`,
//! unchanged: `prepare` of the OLTP tables with their secondary indexes,
//! short runs of oltp_read_write and oltp_point_select with two threads and
//! no ignored errors, and the tables intact afterwards. `.ci/run` installs
//! sysbench; if it is missing the test fails saying so.

mod support;

use std::process::Command;
use std::time::Instant;
use support::{free_address, TempDir, UpCluster, PASSWORD};

const TABLES: u32 = 2;
const TABLE_SIZE: u32 = 1000;

fn sysbench(port: u16, script: &str, command: &str, extra: &[&str]) -> String {
    let started = Instant::now();
    let out = Command::new("sysbench")
        .arg(script)
        .args([
            "--db-driver=pgsql",
            "--pgsql-host=127.0.0.1",
            &format!("--pgsql-port={port}"),
            "--pgsql-user=postgres",
            &format!("--pgsql-password={PASSWORD}"),
            "--pgsql-db=postgres",
            &format!("--tables={TABLES}"),
            &format!("--table-size={TABLE_SIZE}"),
        ])
        .args(extra)
        .arg(command)
        .env("PGSSLMODE", "require")
        .output()
        .unwrap_or_else(|e| {
            panic!("sysbench is not installed ({e}): apt-get install sysbench (.ci/run does this)")
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && !text.contains("FATAL"),
        "sysbench {script} {command} failed:\n{text}"
    );
    eprintln!(
        "sysbench {script} {command} ({:.1} s): {}",
        started.elapsed().as_secs_f64(),
        text.lines()
            .filter(|l| l.contains("transactions:") || l.contains("queries:"))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("; ")
    );
    text
}

/// The count on a sysbench statistics line such as
/// `    transactions:   37     (7.24 per sec.)`.
fn stat(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {name} line in:\n{text}"))
}

#[test]
fn sysbench_oltp_read_write_and_point_select_prepare_and_run() {
    let dir = TempDir::new("sysbench");
    let cluster = UpCluster::up(&dir.0.join("data"), free_address().port());
    let port = cluster.port;

    sysbench(port, "oltp_read_write", "prepare", &[]);
    for table in 1..=TABLES {
        assert_eq!(
            cluster.psql(&format!(
                "select count(*), count(distinct id), min(id), max(id) from sbtest{table}"
            )),
            format!("{TABLE_SIZE}|{TABLE_SIZE}|1|{TABLE_SIZE}")
        );
    }
    // The secondary index sysbench creates is there.
    assert_eq!(
        cluster.psql("select count(*) from pg_indexes where indexname like 'k_%'"),
        TABLES.to_string()
    );

    let run = ["--threads=2", "--time=4", "--report-interval=0"];
    let rw = sysbench(port, "oltp_read_write", "run", &run);
    let transactions = stat(&rw, "transactions:");
    assert!(transactions > 0, "{rw}");
    // Two threads updating, deleting and re-inserting random rows meet now
    // and then: sysbench retries a deadlock (40P01) or a duplicate key on a
    // re-insert as "ignored", as it does on PostgreSQL. Rare, never routine.
    assert!(stat(&rw, "ignored errors:") * 50 <= transactions, "{rw}");
    assert_eq!(stat(&rw, "reconnects:"), 0, "{rw}");
    let ps = sysbench(port, "oltp_point_select", "run", &run);
    assert!(stat(&ps, "transactions:") > 0, "{ps}");
    assert_eq!(stat(&ps, "ignored errors:"), 0, "{ps}");

    // oltp_read_write deletes and re-inserts the same ids: still every row.
    for table in 1..=TABLES {
        assert_eq!(
            cluster.psql(&format!(
                "select count(*), count(distinct id) from sbtest{table}"
            )),
            format!("{TABLE_SIZE}|{TABLE_SIZE}")
        );
    }
    sysbench(port, "oltp_read_write", "cleanup", &[]);
    assert_eq!(
        cluster.psql("select count(*) from pg_tables where tablename like 'sbtest%'"),
        "0"
    );
    cluster.stop();
}
