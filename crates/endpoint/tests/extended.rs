//! The extended protocol through a real driver (tokio-postgres: binary formats everywhere,
//! pipelining, portals, cancellation), against the fake backend.

mod common;

use std::error::Error;
use std::time::Duration;

use bytes::BytesMut;
use common::*;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};
use tokio_postgres::{Client, NoTls};

/// Any value as its raw binary representation, for types without a Rust mapping here.
#[derive(Debug, PartialEq, Clone)]
struct Raw(Vec<u8>);

impl ToSql for Raw {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        out.extend_from_slice(&self.0);
        Ok(IsNull::No)
    }
    fn accepts(_ty: &Type) -> bool {
        true
    }
    to_sql_checked!();
}

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(Raw(raw.to_vec()))
    }
    fn accepts(_ty: &Type) -> bool {
        true
    }
}

async fn connect_with(port: u16, password: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user(USER)
        .password(password)
        .dbname("app")
        .connect(NoTls)
        .await?;
    tokio::spawn(connection);
    Ok(client)
}

async fn connect(server: &TestServer) -> Client {
    connect_with(server.port(), PASSWORD)
        .await
        .expect("connect")
}

#[tokio::test]
async fn common_types_round_trip_in_binary() {
    let server = TestServer::start(config()).await;
    let client = connect(&server).await;
    let row = client
        .query_one(
            "ECHO int2 int4 int8 float4 float8 bool text varchar bytea",
            &[
                &-7i16,
                &i32::MIN,
                &i64::MAX,
                &1.5f32,
                &-0.1f64,
                &true,
                &"héllo 🌍",
                &"v",
                &vec![0u8, 1, 255],
            ],
        )
        .await
        .expect("query");
    assert_eq!(row.get::<_, i16>(0), -7);
    assert_eq!(row.get::<_, i32>(1), i32::MIN);
    assert_eq!(row.get::<_, i64>(2), i64::MAX);
    assert_eq!(row.get::<_, f32>(3), 1.5);
    assert_eq!(row.get::<_, f64>(4), -0.1);
    assert!(row.get::<_, bool>(5));
    assert_eq!(row.get::<_, &str>(6), "héllo 🌍");
    assert_eq!(row.get::<_, &str>(7), "v");
    assert_eq!(row.get::<_, Vec<u8>>(8), vec![0u8, 1, 255]);

    // What the engine saw: PostgreSQL text format.
    let row = client
        .query_one(
            "ECHOTEXT float8 bool bytea",
            &[&1e20f64, &false, &vec![0xdeu8, 0xad]],
        )
        .await
        .expect("query");
    assert_eq!(row.get::<_, &str>(0), "1e+20");
    assert_eq!(row.get::<_, &str>(1), "f");
    assert_eq!(row.get::<_, &str>(2), "\\xdead");

    // Arrays, with NULL elements and quoting.
    let ints = vec![1i32, -2, 3];
    let texts = vec![Some("a b".to_owned()), None, Some("{\"}".to_owned())];
    let row = client
        .query_one("ECHO int4[] text[]", &[&ints, &texts])
        .await
        .expect("arrays");
    assert_eq!(row.get::<_, Vec<i32>>(0), ints);
    assert_eq!(row.get::<_, Vec<Option<String>>>(1), texts);
    let row = client
        .query_one("ECHOTEXT int4[] text[]", &[&ints, &texts])
        .await
        .expect("arrays");
    assert_eq!(row.get::<_, &str>(0), "{1,-2,3}");
    assert_eq!(row.get::<_, &str>(1), "{\"a b\",NULL,\"{\\\"}\"}");

    // NULLs in both directions.
    let row = client
        .query_one("ECHO int4 text", &[&None::<i32>, &None::<&str>])
        .await
        .expect("query");
    assert_eq!(row.get::<_, Option<i32>>(0), None);
    assert_eq!(row.get::<_, Option<&str>>(1), None);
    server.stop().await;
}

#[tokio::test]
async fn temporal_numeric_uuid_json_in_binary() {
    let server = TestServer::start(config()).await;
    let client = connect(&server).await;
    let numeric = Raw(vec![
        0, 3, 0, 1, 0x40, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c,
    ]); // -12345.678
    let uuid = Raw((0u8..16).collect());
    let mut interval = Vec::new();
    interval.extend_from_slice(&3_723_000_000i64.to_be_bytes()); // 01:02:03
    interval.extend_from_slice(&4i32.to_be_bytes());
    interval.extend_from_slice(&14i32.to_be_bytes());
    let values = [
        Raw(1i32.to_be_bytes().to_vec()),                 // date 2000-01-02
        Raw(1_500_000i64.to_be_bytes().to_vec()),         // timestamp
        Raw((-86_400_000_000i64).to_be_bytes().to_vec()), // timestamptz
        numeric,
        uuid,
        Raw(interval),
        Raw(b"\x01{\"a\": [1, 2]}".to_vec()),          // jsonb
        Raw(45_296_000_001i64.to_be_bytes().to_vec()), // time 12:34:56.000001
    ];
    let types = "date timestamp timestamptz numeric uuid interval jsonb time";
    let params: Vec<&(dyn ToSql + Sync)> =
        values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();

    let row = client
        .query_one(&format!("ECHOTEXT {types}"), &params)
        .await
        .expect("echotext");
    let texts: Vec<&str> = (0..values.len()).map(|i| row.get::<_, &str>(i)).collect();
    assert_eq!(
        texts,
        vec![
            "2000-01-02",
            "2000-01-01 00:00:01.5",
            "1999-12-31 00:00:00+00",
            "-12345.678",
            "00010203-0405-0607-0809-0a0b0c0d0e0f",
            "1 year 2 mons 4 days 01:02:03",
            "{\"a\": [1, 2]}",
            "12:34:56.000001",
        ]
    );
    let row = client
        .query_one(&format!("ECHO {types}"), &params)
        .await
        .expect("echo");
    for (i, value) in values.iter().enumerate() {
        assert_eq!(&row.get::<_, Raw>(i), value, "column {i}");
    }
    server.stop().await;
}

#[tokio::test]
async fn prepared_statements_describe_and_pipeline() {
    let server = TestServer::start(config()).await;
    let client = connect(&server).await;
    let statement = client.prepare("ECHO int8 text").await.expect("prepare");
    assert_eq!(statement.params(), &[Type::INT8, Type::TEXT]);
    assert_eq!(statement.columns()[0].type_(), &Type::INT8);
    assert_eq!(statement.columns()[1].name(), "p2");
    // Declared parameter types win over inference.
    let typed = client
        .prepare_typed("ECHO int8", &[Type::INT4])
        .await
        .expect("prepare_typed");
    assert_eq!(typed.params(), &[Type::INT4]);

    // Many queries in flight at once: tokio-postgres pipelines them on one connection.
    let labels: Vec<String> = (0..50).map(|i| format!("row {i}")).collect();
    let queries = (0..50i64).map(|i| {
        let client = &client;
        let statement = &statement;
        let label = &labels[i as usize];
        async move { client.query_one(statement, &[&i, label]).await }
    });
    let rows = futures::future::try_join_all(queries)
        .await
        .expect("pipelined queries");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.get::<_, i64>(0), i as i64);
        assert_eq!(row.get::<_, &str>(1), format!("row {i}"));
    }
    // Pipelined with an error in the middle: only that query fails.
    let (a, b, c) = futures::join!(
        client.query_one("SELECT 1", &[]),
        client.query("FAIL 22012", &[]),
        client.query_one("ECHO int4", &[&5i32]),
    );
    assert_eq!(a.expect("a").get::<_, i32>(0), 1);
    assert_eq!(b.expect_err("b").code(), Some(&SqlState::DIVISION_BY_ZERO));
    assert_eq!(c.expect("c").get::<_, i32>(0), 5);
    server.stop().await;
}

#[tokio::test]
async fn errors_carry_sqlstate_and_fields_and_session_recovers() {
    let server = TestServer::start(config()).await;
    let client = connect(&server).await;
    let err = client
        .query("FAIL 23505", &[])
        .await
        .expect_err("must fail");
    let db = err.as_db_error().expect("db error");
    assert_eq!(db.code(), &SqlState::UNIQUE_VIOLATION);
    assert_eq!(db.message(), "forced failure");
    assert_eq!(db.detail(), Some("some detail"));
    assert_eq!(db.hint(), Some("some hint"));

    let err = client
        .prepare("NONSENSE here")
        .await
        .expect_err("syntax error");
    assert_eq!(err.code(), Some(&SqlState::SYNTAX_ERROR));
    assert!(matches!(
        err.as_db_error().and_then(|d| d.position()),
        Some(tokio_postgres::error::ErrorPosition::Original(1))
    ));

    let row = client.query_one("SELECT 1", &[]).await.expect("recovered");
    assert_eq!(row.get::<_, i32>(0), 1);

    // Wrong parameter count is refused by the driver; wrong binary data by the endpoint.
    let err = client
        .query("ECHO int4", &[&Raw(vec![1, 2])])
        .await
        .expect_err("bad binary");
    assert_eq!(err.code(), Some(&SqlState::INVALID_BINARY_REPRESENTATION));
    server.stop().await;
}

#[tokio::test]
async fn cursor_results_stream_and_suspend_portals() {
    let server = TestServer::start(config()).await;
    let mut client = connect(&server).await;
    // Simple query: all 2500 rows, fetched from the backend in pieces.
    let messages = client.simple_query("STREAM 2500").await.expect("stream");
    let rows = messages
        .iter()
        .filter(|m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(_)))
        .count();
    assert_eq!(rows, 2500);
    assert!(matches!(
        messages.last(),
        Some(tokio_postgres::SimpleQueryMessage::CommandComplete(2500))
    ));
    // Execute with a row limit suspends the portal; the next Execute continues the cursor,
    // and a limit that ends exactly at the last row still suspends (as PostgreSQL).
    let tx = client.transaction().await.expect("begin");
    let portal = tx.bind("STREAM 5", &[]).await.expect("bind");
    let mut fetched = Vec::new();
    for expected in [2usize, 2, 1, 0] {
        let rows = tx.query_portal(&portal, 2).await.expect("fetch");
        assert_eq!(rows.len(), expected);
        fetched.extend(rows.iter().map(|r| r.get::<_, i64>(0)));
    }
    assert_eq!(fetched, vec![1, 2, 3, 4, 5]);
    let portal = tx.bind("STREAM 4", &[]).await.expect("bind");
    assert_eq!(tx.query_portal(&portal, 4).await.expect("fetch").len(), 4);
    assert_eq!(tx.query_portal(&portal, 4).await.expect("fetch").len(), 0);
    // Without a limit, Execute returns every row.
    let all = tx.query("STREAM 3000", &[]).await.expect("all");
    assert_eq!(all.len(), 3000);
    tx.commit().await.expect("commit");
    server.stop().await;
}

#[tokio::test]
async fn transactions_and_portals_with_row_limits() {
    let server = TestServer::start(config()).await;
    let mut client = connect(&server).await;
    let tx = client.transaction().await.expect("begin");
    let portal = tx.bind("ROWS 5", &[]).await.expect("bind");
    let mut fetched = Vec::new();
    for expected in [2usize, 2, 1, 0] {
        let rows = tx.query_portal(&portal, 2).await.expect("fetch");
        assert_eq!(rows.len(), expected);
        fetched.extend(rows.iter().map(|r| r.get::<_, i64>(0)));
    }
    assert_eq!(fetched, vec![1, 2, 3, 4, 5]);
    tx.commit().await.expect("commit");

    // A failed transaction block rejects statements until rollback.
    let tx = client.transaction().await.expect("begin");
    assert!(tx.query("FAIL 40001", &[]).await.is_err());
    let err = tx.query("SELECT 1", &[]).await.expect_err("aborted block");
    assert_eq!(err.code(), Some(&SqlState::IN_FAILED_SQL_TRANSACTION));
    tx.rollback().await.expect("rollback");
    assert_eq!(
        client
            .query_one("SELECT 1", &[])
            .await
            .expect("after rollback")
            .get::<_, i32>(0),
        1
    );

    let messages = client
        .simple_query("SELECT 1; ROWS 2")
        .await
        .expect("simple");
    let mut rows = Vec::new();
    let mut completions = Vec::new();
    for message in &messages {
        match message {
            tokio_postgres::SimpleQueryMessage::Row(row) => {
                rows.push(row.get(0).map(str::to_owned))
            }
            tokio_postgres::SimpleQueryMessage::CommandComplete(n) => completions.push(*n),
            _ => {}
        }
    }
    assert_eq!(
        rows,
        vec![
            Some("1".to_owned()),
            Some("1".to_owned()),
            Some("2".to_owned())
        ]
    );
    assert_eq!(completions, vec![1, 2]);
    server.stop().await;
}

#[tokio::test]
async fn cancel_request_stops_the_running_query() {
    let server = TestServer::start(config()).await;
    let client = connect(&server).await;
    let token = client.cancel_token();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        token.cancel_query(NoTls).await
    });
    let started = std::time::Instant::now();
    let err = client
        .batch_execute("SLEEP 10000")
        .await
        .expect_err("canceled");
    assert_eq!(err.code(), Some(&SqlState::QUERY_CANCELED));
    assert!(started.elapsed() < Duration::from_secs(5));
    canceller.await.expect("join").expect("cancel sent");
    // Also in the extended protocol, and the session stays usable.
    let token = client.cancel_token();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        token.cancel_query(NoTls).await
    });
    let err = client
        .query("SLEEP 10000", &[])
        .await
        .expect_err("canceled");
    assert_eq!(err.code(), Some(&SqlState::QUERY_CANCELED));
    assert_eq!(
        client
            .query_one("SELECT 1", &[])
            .await
            .expect("usable")
            .get::<_, i32>(0),
        1
    );
    server.stop().await;
}

#[tokio::test]
async fn wrong_password_and_limits_through_the_driver() {
    let server = TestServer::start(config().with_max_connections(1)).await;
    let Err(err) = connect_with(server.port(), "wrong").await else {
        panic!("wrong password accepted");
    };
    assert_eq!(err.code(), Some(&SqlState::INVALID_PASSWORD));
    let _first = connect(&server).await;
    let Err(err) = connect_with(server.port(), PASSWORD).await else {
        panic!("connection past max_connections accepted");
    };
    assert_eq!(err.code(), Some(&SqlState::TOO_MANY_CONNECTIONS));
    server.stop().await;
}
