//! The session TimeZone and DateStyle as clients set them at connect time,
//! against `borealis up`: psql's PGTZ / PGDATESTYLE (sent in the startup
//! packet) change text output, an unknown zone is refused with FATAL, and
//! tokio-postgres with `-c TimeZone=...` in its options still reads binary
//! timestamptz values as UTC instants while text output shows the zone.

mod support;

use std::process::{Command, Output};

use chrono::{DateTime, TimeZone as _, Utc};
use support::{drive_connection, free_address, superuser_config, TempDir, UpCluster, PASSWORD};
use tokio_postgres::config::SslMode;

fn psql_with_env(cluster: &UpCluster, env: &[(&str, &str)], sql: &str) -> Output {
    Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=require connect_timeout=5",
            cluster.port
        ))
        .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .env("PGPASSWORD", PASSWORD)
        .envs(env.iter().copied())
        .output()
        .expect("run psql")
}

fn psql_zone_and_style_apply(cluster: &UpCluster) {
    let out = psql_with_env(
        cluster,
        &[
            ("PGTZ", "America/Los_Angeles"),
            ("PGDATESTYLE", "Postgres, MDY"),
        ],
        "SHOW TimeZone; SHOW DateStyle; \
         SELECT '2024-07-01 12:00+00'::timestamptz, '2024-01-15 12:00'::timestamptz, \
         to_date('20100309','YYYYMMDD')",
    );
    assert!(
        out.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "America/Los_Angeles\nPostgres, MDY\n\
         Mon Jul 01 05:00:00 2024 PDT|Mon Jan 15 12:00:00 2024 PST|03-09-2010"
    );
    let bad = psql_with_env(cluster, &[("PGTZ", "Mars/Olympus")], "SELECT 1");
    assert!(!bad.status.success(), "an unknown zone must be refused");
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("FATAL:  invalid value for parameter \"TimeZone\": \"Mars/Olympus\""),
        "{stderr}"
    );
}

async fn binary_timestamptz_stays_utc(cluster: &UpCluster) {
    let mut config = superuser_config(cluster.port);
    config
        .ssl_mode(SslMode::Disable)
        .options("-c TimeZone=America/New_York");
    let (client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .expect("connect");
    drive_connection(connection);
    // Extended protocol: the result column travels in binary.
    let row = client
        .query_one("SELECT '2024-07-01 12:00'::timestamptz", &[])
        .await
        .expect("binary timestamptz");
    let instant: DateTime<Utc> = row.get(0);
    assert_eq!(
        instant,
        Utc.with_ymd_and_hms(2024, 7, 1, 16, 0, 0).unwrap(),
        "12:00 in New York (EDT) is 16:00 UTC"
    );
    // Simple protocol: text, in the session zone.
    let text = client
        .simple_query("SHOW TimeZone; SELECT '2024-07-01 16:00+00'::timestamptz")
        .await
        .expect("text timestamptz");
    let values: Vec<String> = text
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        })
        .collect();
    assert_eq!(values, ["America/New_York", "2024-07-01 12:00:00-04"]);
}

#[test]
fn startup_time_zone_and_datestyle_apply_to_the_session() {
    let dir = TempDir::new("session-time-zone");
    let data_dir = dir.0.join("data");
    let cluster = UpCluster::up(&data_dir, free_address().port());
    psql_zone_and_style_apply(&cluster);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        tokio::time::timeout(
            std::time::Duration::from_secs(60),
            binary_timestamptz_stays_utc(&cluster),
        )
        .await
        .expect("tokio-postgres scenario timed out")
    });
    drop(runtime);
    cluster.stop();
}
