//! The session's TimeZone / DateStyle / IntervalStyle as a driver meets
//! them: startup parameters applied before the first statement and reported
//! (ParameterStatus), SET following transactions, and values read and
//! printed in the session zone.

use std::sync::Arc;

use borealis_sql::{Engine, MemStore, Session, StatementOutput};

async fn session() -> Session {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    engine.session()
}

async fn one(s: &mut Session, sql: &str) -> String {
    let mut out = s.execute_simple(sql).await;
    match out.pop() {
        Some(Ok(StatementOutput::Rows { rows, .. })) => rows[0][0].clone().unwrap_or_default(),
        other => panic!("{sql}: {other:?}"),
    }
}

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn startup_parameters_set_and_report_the_zone_and_style() {
    let mut s = session().await;
    s.apply_startup_parameters(&params(&[
        ("user", "postgres"),
        ("timezone", "America/Los_Angeles"),
        ("datestyle", "Postgres, MDY"),
        ("options", "-c IntervalStyle=iso_8601"),
    ]))
    .unwrap();
    let mut reported = s.take_parameter_changes();
    reported.sort();
    assert_eq!(
        reported,
        params(&[
            ("DateStyle", "Postgres, MDY"),
            ("IntervalStyle", "iso_8601"),
            ("TimeZone", "America/Los_Angeles"),
        ])
    );
    assert_eq!(
        one(&mut s, "SELECT '2024-07-01 12:00+00'::timestamptz").await,
        "Mon Jul 01 05:00:00 2024 PDT"
    );
    assert_eq!(
        one(&mut s, "SELECT interval '1 day 2 hours'").await,
        "P1DT2H"
    );
    // A ROLLBACK right after connecting keeps the startup values.
    s.execute_simple("BEGIN; SET TIME ZONE 'Asia/Tokyo'; ROLLBACK")
        .await;
    assert_eq!(one(&mut s, "SHOW TimeZone").await, "America/Los_Angeles");
    assert!(s.take_parameter_changes().is_empty());
}

#[tokio::test]
async fn an_unknown_startup_zone_is_refused() {
    let mut s = session().await;
    let err = s
        .apply_startup_parameters(&params(&[("TimeZone", "Mars/Olympus")]))
        .unwrap_err();
    assert_eq!(err.sqlstate, "22023");
    assert_eq!(
        err.message,
        "invalid value for parameter \"TimeZone\": \"Mars/Olympus\""
    );
}

#[tokio::test]
async fn set_time_zone_changes_reading_and_printing() {
    let mut s = session().await;
    s.execute_simple("CREATE TABLE ev (at timestamptz)").await;
    s.execute_simple("SET TIME ZONE 'Europe/Berlin'; INSERT INTO ev VALUES ('2024-01-15 12:00')")
        .await;
    assert_eq!(
        s.take_parameter_changes(),
        params(&[("TimeZone", "Europe/Berlin")])
    );
    s.execute_simple("SET TIME ZONE 'UTC'").await;
    assert_eq!(
        one(&mut s, "SELECT at FROM ev").await,
        "2024-01-15 11:00:00+00"
    );
    s.execute_simple("SET TIME ZONE 'Asia/Kolkata'").await;
    assert_eq!(
        one(&mut s, "SELECT at FROM ev").await,
        "2024-01-15 16:30:00+05:30"
    );
    assert_eq!(
        one(&mut s, "SELECT at::date || ' ' || at::time FROM ev").await,
        "2024-01-15 16:30:00"
    );
}
