//! Row-level security through the real binary: a login role that does not
//! own the table sees and changes only the rows its policies allow, over
//! psql (simple protocol) and tokio-postgres (extended protocol, a portal
//! fetched a few rows at a time: the endpoint's streamed path); writes
//! outside WITH CHECK fail with 42501; the owner still sees every row; and
//! psql's `\d` lists the policies, which survive a restart.

mod support;

use std::process::{Command, Output};

use support::{drive_connection, free_address, text, TempDir, UpCluster, PASSWORD};

const CAROL_PW: &str = "carol-pw";

fn psql_as_carol(port: u16, sql: &str) -> Output {
    support::psql_as(port, "carol", CAROL_PW, sql)
}

/// psql's `\\d table` as the superuser, footers included.
fn describe(port: u16, table: &str) -> String {
    let out = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=require connect_timeout=5"
        ))
        .args(["-X", "-c", &format!("\\d {table}")])
        .env("PGPASSWORD", PASSWORD)
        .output()
        .expect("run psql");
    assert!(out.status.success(), "\\d: {}", text(&out.stderr));
    text(&out.stdout)
}

fn carol_ok(port: u16, sql: &str) -> String {
    let out = psql_as_carol(port, sql);
    assert!(out.status.success(), "{sql}: {}", text(&out.stderr));
    text(&out.stdout)
}

fn carol_err(port: u16, sql: &str) -> String {
    let out = psql_as_carol(port, sql);
    assert!(
        !out.status.success(),
        "{sql} succeeded: {}",
        text(&out.stdout)
    );
    text(&out.stderr)
}

/// Carol's rows through the extended protocol, fetched two at a time.
async fn carol_rows_streamed(port: u16) -> Vec<i32> {
    let mut config = tokio_postgres::Config::new();
    config
        .host("127.0.0.1")
        .port(port)
        .user("carol")
        .password(CAROL_PW)
        .dbname("postgres")
        .ssl_mode(tokio_postgres::config::SslMode::Disable);
    let (mut client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .expect("carol connects");
    drive_connection(connection);
    let txn = client.transaction().await.expect("begin");
    let statement = txn
        .prepare("SELECT id FROM notes WHERE id > $1 ORDER BY id")
        .await
        .expect("prepare");
    let portal = txn.bind(&statement, &[&0i32]).await.expect("bind");
    let mut ids = Vec::new();
    loop {
        let rows = txn.query_portal(&portal, 2).await.expect("fetch");
        if rows.is_empty() {
            break;
        }
        ids.extend(rows.iter().map(|r| r.get::<_, i32>(0)));
    }
    txn.commit().await.expect("commit");
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_owner_sees_and_writes_only_what_policies_allow() {
    let dir = TempDir::new("row_level_security");
    let data_dir = dir.0.join("data");
    let port = free_address().port();
    let cluster = UpCluster::up(&data_dir, port);
    cluster.psql("create role carol login password 'carol-pw'");
    cluster.psql("create table notes (id int, owner text, body text)");
    cluster.psql(
        "insert into notes values (1, 'carol', 'a'), (2, 'dave', 'b'), (3, 'carol', 'c'), \
         (4, 'dave', 'd'), (5, 'carol', 'e')",
    );
    cluster.psql("grant all on notes to carol");
    cluster.psql("alter table notes enable row level security");
    cluster.psql(
        "create policy mine on notes using (owner = current_user) with check (owner = current_user)",
    );

    assert_eq!(
        carol_ok(port, "select id from notes order by id"),
        "1\n3\n5"
    );
    assert_eq!(
        carol_ok(port, "select count(*) from notes where id = 2"),
        "0"
    );
    assert_eq!(carol_rows_streamed(port).await, [1, 3, 5]);
    assert_eq!(
        carol_ok(
            port,
            "update notes set body = 'x' where id in (1, 2) returning id"
        ),
        "1\nUPDATE 1"
    );
    assert_eq!(
        carol_ok(port, "delete from notes where id = 4 returning id"),
        "DELETE 0"
    );
    assert!(
        carol_err(port, "insert into notes values (6, 'dave', 'forged')")
            .contains("new row violates row-level security policy for table \"notes\"")
    );
    assert!(
        carol_err(port, "update notes set owner = 'dave' where id = 3")
            .contains("new row violates row-level security policy for table \"notes\"")
    );
    assert!(carol_err(port, "drop policy mine on notes").contains("must be owner of table notes"));

    // The owner (the superuser here) is not subject to the policies.
    assert_eq!(
        cluster.psql("select id, body from notes order by id"),
        "1|x\n2|b\n3|c\n4|d\n5|e"
    );
    let described = describe(port, "notes");
    assert!(
        described.contains("POLICY \"mine\"")
            && described.contains("USING ((owner = CURRENT_USER))"),
        "{described}"
    );

    cluster.stop();
    let cluster = UpCluster::up(&data_dir, port);
    assert_eq!(
        carol_ok(port, "select id from notes order by id"),
        "1\n3\n5"
    );
    assert_eq!(
        cluster.psql("select polname, polcmd from pg_policy"),
        "mine|*"
    );
    cluster.stop();
}
