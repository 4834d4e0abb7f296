//! Error fields and session identity through `borealis up`: an error
//! raised inside a built-in PostgreSQL defines in SQL (log(numeric),
//! substring ... similar) carries PostgreSQL's CONTEXT line (the `W` field
//! of ErrorResponse) to psql and to tokio-postgres, and current_database()
//! and information_schema report the database name the client connected
//! with.

mod support;

use std::process::Command;

use support::{drive_connection, free_address, superuser_config, TempDir, UpCluster, PASSWORD};
use tokio_postgres::config::SslMode;

fn psql_on(cluster: &UpCluster, dbname: &str, sql: &str) -> std::process::Output {
    Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=postgres dbname={dbname} sslmode=require connect_timeout=5",
            cluster.port
        ))
        .args(["-X", "-A", "-t", "-c", sql])
        .env("PGPASSWORD", PASSWORD)
        .output()
        .expect("run psql")
}

fn psql_prints_context(cluster: &UpCluster) {
    let out = psql_on(cluster, "postgres", "SELECT log(-12.34)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        "ERROR:  cannot take logarithm of a negative number\n\
         CONTEXT:  SQL function \"log\" statement 1",
    );
    let out = psql_on(
        cluster,
        "postgres",
        "SELECT SUBSTRING('abcdefg' SIMILAR 'a*#\"%#\"g*#\"x' ESCAPE '#')",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("CONTEXT:  SQL function \"substring\" statement 1"),
        "{stderr}"
    );
    // An error outside such a function has no CONTEXT.
    let out = psql_on(cluster, "postgres", "SELECT ln(0::numeric)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim(), "ERROR:  cannot take logarithm of zero");
}

fn database_name_follows_the_connection(cluster: &UpCluster) {
    let out = psql_on(
        cluster,
        "regression",
        "CREATE SEQUENCE ctx_seq; \
         SELECT current_database(), sequence_catalog FROM information_schema.sequences \
         WHERE sequence_name = 'ctx_seq'; \
         SELECT datname FROM pg_database WHERE datname = current_database()",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "CREATE SEQUENCE\nregression|regression\nregression"
    );
    let out = psql_on(cluster, "postgres", "SELECT current_database()");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "postgres");
}

async fn driver_reads_the_where_field(port: u16) {
    let mut config = superuser_config(port);
    config.ssl_mode(SslMode::Disable);
    let (client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .expect("connect");
    drive_connection(connection);
    let err = client
        .query_one("SELECT log10(0::numeric)", &[])
        .await
        .expect_err("log10(0) fails");
    let db = err.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "2201E");
    assert_eq!(db.message(), "cannot take logarithm of zero");
    assert_eq!(db.where_(), Some("SQL function \"log10\" statement 1"));
}

#[test]
fn errors_carry_context_and_sessions_their_database_name() {
    let dir = TempDir::new("error-context");
    let data_dir = dir.0.join("data");
    let cluster = UpCluster::up(&data_dir, free_address().port());
    psql_prints_context(&cluster);
    database_name_follows_the_connection(&cluster);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        tokio::time::timeout(
            std::time::Duration::from_secs(60),
            driver_reads_the_where_field(cluster.port),
        )
        .await
        .expect("tokio-postgres scenario timed out")
    });
    drop(runtime);
    cluster.stop();
}
