//! A role made with CREATE ROLE ... LOGIN PASSWORD logs in through the
//! endpoint (SCRAM-SHA-256 against the verifier the SQL catalog stores), runs
//! as itself (current_user, 42501 where it has no privilege), and a wrong
//! password or a NOLOGIN role is refused like an unknown user. psql's `\dp`
//! prints the grants as PostgreSQL 15 does.

mod support;

use std::process::Command;
use support::{free_address, psql_as, text, TempDir, UpCluster, PASSWORD};

/// PostgreSQL 15's `\dp shared` after the grants below (psql, aligned).
const DP_SHARED: &str = "                                 Access privileges
 Schema |  Name  | Type  |     Access privileges     | Column privileges | Policies 
--------+--------+-------+---------------------------+-------------------+----------
 public | shared | table | postgres=arwdDxt/postgres+| a:               +| 
        |        |       | ann=r/postgres            |   ann=w/postgres  | 
(1 row)

";

#[test]
fn a_created_role_logs_in_with_its_password_and_has_only_its_privileges() {
    let dir = TempDir::new("role_login");
    let data_dir = dir.0.join("data");
    let port = free_address().port();
    let cluster = UpCluster::up(&data_dir, port);
    cluster.psql("create table secret (a int)");
    cluster.psql("create table shared (a int)");
    cluster.psql("insert into shared values (7)");
    cluster.psql("create role ann login password 'ann-pw'");
    cluster.psql("grant select on shared to ann");
    cluster.psql("create role bob password 'bob-pw'");

    let ok = psql_as(
        port,
        "ann",
        "ann-pw",
        "select current_user, session_user, (select a from shared)",
    );
    assert!(ok.status.success(), "ann: {}", text(&ok.stderr));
    assert_eq!(text(&ok.stdout), "ann|ann|7");

    let denied = psql_as(port, "ann", "ann-pw", "select * from secret");
    assert!(!denied.status.success());
    assert!(
        text(&denied.stderr).contains("permission denied for table secret"),
        "{}",
        text(&denied.stderr)
    );

    // Sequence functions check privileges as rows stream out: nothing on
    // `counter` for ann until USAGE is granted (nextval and currval only).
    cluster.psql("create sequence counter");
    for call in [
        "nextval('counter')",
        "currval('counter')",
        "setval('counter', 5)",
    ] {
        let refused = psql_as(port, "ann", "ann-pw", &format!("select {call}"));
        assert!(!refused.status.success(), "{call} ran without privileges");
        assert!(
            text(&refused.stderr).contains("permission denied for sequence counter"),
            "{call}: {}",
            text(&refused.stderr)
        );
    }
    cluster.psql("grant usage on sequence counter to ann");
    let allowed = psql_as(
        port,
        "ann",
        "ann-pw",
        "select nextval('counter'), currval('counter')",
    );
    assert!(allowed.status.success(), "{}", text(&allowed.stderr));
    assert_eq!(text(&allowed.stdout), "1|1");
    let setval = psql_as(port, "ann", "ann-pw", "select setval('counter', 5)");
    assert!(!setval.status.success(), "setval needs UPDATE");

    let wrong = psql_as(port, "ann", "not-it", "select 1");
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stderr).contains("password authentication failed for user \"ann\""),
        "{}",
        text(&wrong.stderr)
    );

    let nologin = psql_as(port, "bob", "bob-pw", "select 1");
    assert!(!nologin.status.success(), "a NOLOGIN role logged in");

    cluster.psql("grant update (a) on shared to ann");
    let dp = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=require connect_timeout=5"
        ))
        .args(["-X", "-c", "\\dp shared"])
        .env("PGPASSWORD", PASSWORD)
        .output()
        .expect("run psql");
    assert_eq!(
        String::from_utf8_lossy(&dp.stdout),
        DP_SHARED,
        "{}",
        text(&dp.stderr)
    );
    cluster.stop();
}
