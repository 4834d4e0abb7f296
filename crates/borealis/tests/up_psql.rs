//! `borealis up` end to end, as a user meets it: the real binary starts six
//! storage processes, the writer and the endpoint; psql (Debian's
//! PostgreSQL 15 client) creates a table, inserts and selects; the rows
//! survive the loss of an AZ, a restart of the whole cluster, and `status`
//! lists every part.

mod support;

use std::path::Path;
use std::process::Command;
use support::{borealis_exe, free_address, TempDir, UpCluster};

fn borealis(data_dir: &Path, args: &[&str]) -> String {
    let out = Command::new(borealis_exe())
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("run borealis");
    assert!(
        out.status.success(),
        "borealis {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn psql_creates_inserts_and_selects_through_the_replicated_volume() {
    let dir = TempDir::new("up");
    let data_dir = dir.0.join("data");
    let port = free_address().port();
    let cluster = UpCluster::up(&data_dir, port);

    cluster.psql("create table accounts (id int primary key, owner text not null, balance bigint)");
    cluster.psql("insert into accounts values (1, 'ada', 100), (2, 'grace', 250)");
    assert_eq!(
        cluster.psql("select id, owner, balance from accounts order by id"),
        "1|ada|100\n2|grace|250"
    );

    // Every part is listed, as JSON too.
    let status: serde_json::Value =
        serde_json::from_str(&borealis(&data_dir, &["status", "--json"])).expect("status JSON");
    let parts = status["parts"].as_array().expect("parts");
    let storage: Vec<_> = parts.iter().filter(|p| p["role"] == "storage").collect();
    assert_eq!(storage.len(), 6);
    assert!(storage.iter().all(|p| p["state"] == "running"));
    assert!(parts.iter().any(|p| p["role"] == "writer"));
    for az in ["a", "b", "c"] {
        assert_eq!(storage.iter().filter(|p| p["az"] == az).count(), 2);
    }

    // Lose AZ a: commits go on.
    borealis(&data_dir, &["stop", "storage-0"]);
    borealis(&data_dir, &["stop", "storage-1"]);
    cluster.psql("insert into accounts values (3, 'edsger', 7)");
    cluster.psql("update accounts set balance = balance + 1 where id = 1");
    assert_eq!(cluster.psql("select sum(balance) from accounts"), "358");
    borealis(&data_dir, &["start", "storage-0"]);
    borealis(&data_dir, &["start", "storage-1"]);

    // A clean restart on the same data directory keeps every row.
    cluster.stop();
    let cluster = UpCluster::up(&data_dir, port);
    assert_eq!(
        cluster.psql("select id, owner, balance from accounts order by id"),
        "1|ada|101\n2|grace|250\n3|edsger|7"
    );
    // A REPEATABLE READ transaction keeps reading its snapshot while other
    // sessions update the row and garbage collection runs (the compute
    // reports its oldest snapshot every second; replicas collect below it).
    let update = format!(
        "psql \"host=127.0.0.1 port={port} user=postgres dbname=postgres\" -X -q -c \"update accounts set balance = balance + 1 where id = 2\""
    );
    let script = format!(
        "begin isolation level repeatable read;\n\
         select balance from accounts where id = 2;\n\
         \\! {update} && {update} && {update}\n\
         \\! sleep 3\n\
         select balance from accounts where id = 2;\n\
         commit;\n"
    );
    assert_eq!(cluster.psql_script(&script), "250\n250");
    assert_eq!(
        cluster.psql("select balance from accounts where id = 2"),
        "253"
    );

    // Bad SQL gets PostgreSQL's error, and the server goes on serving.
    let out = cluster.psql_raw("select * from no_such_table");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("relation \"no_such_table\" does not exist")
    );
    assert_eq!(cluster.psql("select count(*) from accounts"), "3");

    // User-defined functions and a trigger, created with $$ bodies through
    // psql; \df lists them and the trigger fires on INSERT.
    cluster.psql(
        "create function owner_of(k int) returns text language sql stable as $$ select owner from accounts where id = k $$",
    );
    cluster.psql("create table audit (id int, op text)");
    cluster.psql(
        "create function audit_fn() returns trigger language plpgsql as $$ begin insert into audit values (new.id, tg_op); return new; end $$",
    );
    cluster.psql(
        "create trigger accounts_audit after insert on accounts for each row execute function audit_fn()",
    );
    assert_eq!(
        cluster.psql_script("\\df\n"),
        "public|audit_fn|trigger||func\npublic|owner_of|text|k integer|func"
    );
    cluster.psql("insert into accounts values (4, 'barbara', 1)");
    assert_eq!(
        cluster.psql("select owner_of(4), (select op from audit where id = 4)"),
        "barbara|INSERT"
    );
}

/// A long CPU-bound statement must not hold the compute's runtime: another
/// session's query, and a new connection, are answered while it runs.
/// (They once waited for it to finish: the executor never yielded.)
#[test]
fn a_long_query_does_not_stall_other_sessions() {
    let dir = TempDir::new("long-query");
    let data_dir = dir.0.join("data");
    let port = free_address().port();
    let cluster = UpCluster::up(&data_dir, port);
    let long = std::thread::spawn(move || {
        let out = Command::new("psql")
            .arg(format!(
                "host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable"
            ))
            .args(["-X", "-A", "-t", "-c"])
            .arg("select count(*) from generate_series(1, 5000000) a, generate_series(1, 2) b")
            .env("PGPASSWORD", support::PASSWORD)
            .output()
            .expect("psql");
        (out, std::time::Instant::now())
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // New connections (psql connects anew each time), answered meanwhile.
    for _ in 0..3 {
        assert_eq!(cluster.psql("select 1"), "1");
    }
    let answered = std::time::Instant::now();
    let (out, long_done) = long.join().expect("long query thread");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "10000000");
    assert!(
        answered < long_done,
        "the short queries waited for the long one to finish"
    );
}
