//! tokio-postgres (the Rust driver) against `borealis up`: TLS verified
//! against the cluster's CA with SCRAM-SHA-256-PLUS channel binding, DDL,
//! parameterized DML in binary format, a transaction rolled back and one
//! committed, every supported type written as binary parameters and read
//! back as binary results, errors with their SQLSTATE, and the catalog
//! queries tokio-postgres sends to look up types it does not know, and
//! `copy_in` / `copy_out` (COPY through the extended protocol), and
//! transactional and custom settings (`set_config`, SET LOCAL), and the
//! int2vector subscripts and `_pg_expandarray` records pgjdbc's metadata uses,
//! and a user-defined enum column (type OID, labels, binary values).

mod support;

use std::error::Error;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use support::{drive_connection, free_address, superuser_config, TempDir, UpCluster};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::{ChannelBinding, SslMode};
use tokio_postgres::error::SqlState;
use tokio_postgres::tls::{self, MakeTlsConnect, TlsConnect};
use tokio_postgres::types::{accepts, to_sql_checked, FromSql, IsNull, ToSql, Type};
use tokio_postgres::{Client, GenericClient, Socket};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};

/// rustls for tokio-postgres, trusting only the cluster's CA, with
/// `tls-server-end-point` channel binding (so SCRAM-SHA-256-PLUS is used).
#[derive(Clone)]
struct RustlsMakeConnect(Arc<rustls::ClientConfig>);

struct RustlsConnect {
    config: Arc<rustls::ClientConfig>,
    server_name: ServerName<'static>,
}

struct RustlsStream(tokio_rustls::client::TlsStream<Socket>);

impl RustlsMakeConnect {
    fn trusting(ca_pem: &std::path::Path) -> RustlsMakeConnect {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(ca_pem).expect("read CA") {
            roots.add(cert.expect("CA certificate")).expect("add CA");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        RustlsMakeConnect(Arc::new(config))
    }
}

impl MakeTlsConnect<Socket> for RustlsMakeConnect {
    type Stream = RustlsStream;
    type TlsConnect = RustlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> io::Result<RustlsConnect> {
        let server_name = ServerName::try_from(domain.to_owned())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(RustlsConnect {
            config: self.0.clone(),
            server_name,
        })
    }
}

impl TlsConnect<Socket> for RustlsConnect {
    type Stream = RustlsStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        Box::pin(async move {
            let connector = tokio_rustls::TlsConnector::from(self.config);
            Ok(RustlsStream(
                connector.connect(self.server_name, stream).await?,
            ))
        })
    }
}

impl tls::TlsStream for RustlsStream {
    fn channel_binding(&self) -> tls::ChannelBinding {
        // The certificate rcgen makes is signed with ECDSA/SHA-256, so the
        // end-point hash is SHA-256 of the DER certificate (RFC 5929).
        match self.0.get_ref().1.peer_certificates() {
            Some([cert, ..]) => tls::ChannelBinding::tls_server_end_point(
                ring::digest::digest(&ring::digest::SHA256, cert.as_ref())
                    .as_ref()
                    .to_vec(),
            ),
            _ => tls::ChannelBinding::none(),
        }
    }
}

impl AsyncRead for RustlsStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for RustlsStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

type BoxError = Box<dyn Error + Sync + Send>;

/// `numeric` in PostgreSQL's binary format (base-10000 digits), kept as its
/// decimal text: tokio-postgres has no built-in numeric type.
#[derive(Debug, PartialEq)]
struct Numeric(String);

impl ToSql for Numeric {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        let (negative, digits) = match self.0.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, self.0.as_str()),
        };
        let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
        let int_part = int_part.trim_start_matches('0');
        // Pad both sides to whole base-10000 groups around the decimal point.
        let int_pad = (4 - int_part.len() % 4) % 4;
        let frac_pad = (4 - frac_part.len() % 4) % 4;
        let padded = format!(
            "{}{int_part}{frac_part}{}",
            "0".repeat(int_pad),
            "0".repeat(frac_pad)
        );
        let mut groups: Vec<i16> = padded
            .as_bytes()
            .chunks(4)
            .map(|c| {
                std::str::from_utf8(c)
                    .map_err(BoxError::from)?
                    .parse()
                    .map_err(BoxError::from)
            })
            .collect::<Result<_, BoxError>>()?;
        let mut weight = ((int_part.len() + int_pad) / 4) as i16 - 1;
        while groups.first() == Some(&0) {
            groups.remove(0);
            weight -= 1;
        }
        while groups.last() == Some(&0) {
            groups.pop();
        }
        out.extend_from_slice(&(groups.len() as i16).to_be_bytes());
        out.extend_from_slice(&weight.to_be_bytes());
        out.extend_from_slice(&(if negative { 0x4000u16 } else { 0 }).to_be_bytes());
        out.extend_from_slice(&(frac_part.len() as u16).to_be_bytes());
        for g in groups {
            out.extend_from_slice(&g.to_be_bytes());
        }
        Ok(IsNull::No)
    }
    accepts!(NUMERIC);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for Numeric {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let field = |i: usize| -> Result<i16, BoxError> {
            raw.get(i..i + 2)
                .map(|b| i16::from_be_bytes([b[0], b[1]]))
                .ok_or_else(|| "short numeric".into())
        };
        let (ndigits, weight, sign, dscale) = (field(0)?, field(2)?, field(4)? as u16, field(6)?);
        let digits: Vec<i16> = (0..ndigits as usize)
            .map(|i| field(8 + 2 * i))
            .collect::<Result<_, _>>()?;
        let digit_at = |position: i16| -> i16 {
            let index = weight - position;
            if index >= 0 && (index as usize) < digits.len() {
                digits[index as usize]
            } else {
                0
            }
        };
        let mut int_part = String::new();
        for position in (0..=weight.max(0)).rev() {
            int_part.push_str(&format!("{:04}", digit_at(position)));
        }
        let int_part = int_part.trim_start_matches('0');
        let mut text = if sign == 0x4000 {
            "-".to_owned()
        } else {
            String::new()
        };
        text.push_str(if int_part.is_empty() { "0" } else { int_part });
        if dscale > 0 {
            let mut frac = String::new();
            let mut position = -1;
            while frac.len() < dscale as usize {
                frac.push_str(&format!("{:04}", digit_at(position)));
                position -= 1;
            }
            frac.truncate(dscale as usize);
            text.push('.');
            text.push_str(&frac);
        }
        Ok(Numeric(text))
    }
    accepts!(NUMERIC);
}

/// `uuid`: 16 bytes on the wire.
#[derive(Debug, PartialEq)]
struct Uuid([u8; 16]);

impl ToSql for Uuid {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(&self.0);
        Ok(IsNull::No)
    }
    accepts!(UUID);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for Uuid {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Uuid(raw.try_into()?))
    }
    accepts!(UUID);
}

/// `interval`: microseconds, days, months.
#[derive(Debug, PartialEq)]
struct Interval {
    micros: i64,
    days: i32,
    months: i32,
}

impl ToSql for Interval {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(&self.micros.to_be_bytes());
        out.extend_from_slice(&self.days.to_be_bytes());
        out.extend_from_slice(&self.months.to_be_bytes());
        Ok(IsNull::No)
    }
    accepts!(INTERVAL);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for Interval {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        if raw.len() != 16 {
            return Err("interval is not 16 bytes".into());
        }
        Ok(Interval {
            micros: i64::from_be_bytes(raw[0..8].try_into()?),
            days: i32::from_be_bytes(raw[8..12].try_into()?),
            months: i32::from_be_bytes(raw[12..16].try_into()?),
        })
    }
    accepts!(INTERVAL);
}

const EVERY_TYPE_DDL: &str = "create table every_type (id int4 primary key, b bool, i2 int2, \
    i8 int8, f4 float4, f8 float8, n numeric(12,3), t text, vc varchar(10), c char(4), d date, \
    ts timestamp, tstz timestamptz, by bytea, u uuid, iv interval, tm time, j json, jb jsonb, \
    ia int4[], ta text[])";

fn first_row(messages: &[tokio_postgres::SimpleQueryMessage]) -> &tokio_postgres::SimpleQueryRow {
    messages
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        })
        .expect("a row")
}

async fn connect(cluster: &UpCluster, ca: &std::path::Path) -> Client {
    let mut config = superuser_config(cluster.port);
    config
        .ssl_mode(SslMode::Require)
        .channel_binding(ChannelBinding::Require);
    let (client, connection) = config
        .connect(RustlsMakeConnect::trusting(ca))
        .await
        .expect("connect over TLS with SCRAM-SHA-256-PLUS");
    drive_connection(connection);
    client
}

async fn exercise(cluster: &UpCluster, ca: &std::path::Path) {
    let mut client = connect(cluster, ca).await;
    // DDL, then parameterized DML through the extended protocol.
    client.batch_execute(EVERY_TYPE_DDL).await.expect("DDL");
    client
        .batch_execute("create table accounts (id int8 primary key, owner text not null, balance int8 not null)")
        .await
        .expect("DDL");
    let insert = client
        .prepare("insert into accounts values ($1, $2, $3)")
        .await
        .expect("prepare");
    assert_eq!(insert.params(), &[Type::INT8, Type::TEXT, Type::INT8]);
    for (id, owner) in [(1i64, "ann"), (2, "bob")] {
        assert_eq!(
            client
                .execute(&insert, &[&id, &owner, &100i64])
                .await
                .expect("insert"),
            1
        );
    }

    // A transaction rolled back leaves nothing; one committed keeps both updates.
    let txn = client.transaction().await.expect("begin");
    txn.execute(
        "update accounts set balance = balance - $1 where id = $2",
        &[&500i64, &1i64],
    )
    .await
    .expect("update");
    txn.rollback().await.expect("rollback");
    let txn = client.transaction().await.expect("begin");
    for (delta, id) in [(-30i64, 1i64), (30, 2)] {
        txn.execute(
            "update accounts set balance = balance + $1 where id = $2",
            &[&delta, &id],
        )
        .await
        .expect("update");
    }
    txn.commit().await.expect("commit");
    let balances: Vec<(i64, i64)> = client
        .query("select id, balance from accounts order by id", &[])
        .await
        .expect("select")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(balances, vec![(1, 70), (2, 130)]);

    // Every supported type as binary parameters, and back as binary results.
    let date = NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
    let time = NaiveTime::from_hms_micro_opt(13, 14, 15, 250_000).expect("time");
    let timestamp = NaiveDateTime::new(date, time);
    let timestamptz: DateTime<Utc> = DateTime::from_naive_utc_and_offset(timestamp, Utc);
    let json = serde_json::json!({"a": [1, 2.5, "x"], "b": null});
    let uuid = Uuid(*b"\xa0\xee\xbc\x99\x9c\x0b\x4e\xf8\xbb\x6d\x6b\xb9\xbd\x38\x0a\x11");
    let interval = Interval {
        micros: 7_384_000_000,
        days: 1,
        months: 14,
    };
    let ints = vec![Some(1i32), None, Some(-3)];
    let texts = vec!["x".to_owned(), "y z".to_owned(), "\"q\"".to_owned()];
    let params: [&(dyn ToSql + Sync); 21] = [
        &1i32,
        &true,
        &-2i16,
        &9_000_000_000i64,
        &1.5f32,
        &-2.25e-10f64,
        &Numeric("-123.450".to_owned()),
        &"héllo",
        &"varchar",
        &"ab",
        &date,
        &timestamp,
        &timestamptz,
        &vec![0u8, 255, 10],
        &uuid,
        &interval,
        &time,
        &json,
        &json,
        &ints,
        &texts,
    ];
    client
        .execute(
            "insert into every_type values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
            &params,
        )
        .await
        .expect("insert every type");
    client
        .execute("insert into every_type (id) values ($1)", &[&2i32])
        .await
        .expect("insert nulls");
    let rows = client
        .query(
            "select * from every_type where id >= $1 order by id",
            &[&1i32],
        )
        .await
        .expect("select every type");
    assert_eq!(rows.len(), 2);
    let row = &rows[0];
    let types: Vec<&str> = row.columns().iter().map(|c| c.type_().name()).collect();
    assert_eq!(
        types,
        [
            "int4",
            "bool",
            "int2",
            "int8",
            "float4",
            "float8",
            "numeric",
            "text",
            "varchar",
            "bpchar",
            "date",
            "timestamp",
            "timestamptz",
            "bytea",
            "uuid",
            "interval",
            "time",
            "json",
            "jsonb",
            "_int4",
            "_text"
        ]
    );
    assert!(row.get::<_, bool>("b"));
    assert_eq!(row.get::<_, i16>("i2"), -2);
    assert_eq!(row.get::<_, i64>("i8"), 9_000_000_000);
    assert_eq!(row.get::<_, f32>("f4"), 1.5);
    assert_eq!(row.get::<_, f64>("f8"), -2.25e-10);
    assert_eq!(row.get::<_, Numeric>("n"), Numeric("-123.450".to_owned()));
    assert_eq!(row.get::<_, String>("t"), "héllo");
    assert_eq!(row.get::<_, String>("vc"), "varchar");
    assert_eq!(
        row.get::<_, String>("c"),
        "ab  ",
        "char(4) pads with blanks"
    );
    assert_eq!(row.get::<_, NaiveDate>("d"), date);
    assert_eq!(row.get::<_, NaiveDateTime>("ts"), timestamp);
    assert_eq!(row.get::<_, DateTime<Utc>>("tstz"), timestamptz);
    assert_eq!(row.get::<_, Vec<u8>>("by"), vec![0u8, 255, 10]);
    assert_eq!(row.get::<_, Uuid>("u"), uuid);
    assert_eq!(row.get::<_, Interval>("iv"), interval);
    assert_eq!(row.get::<_, NaiveTime>("tm"), time);
    assert_eq!(row.get::<_, serde_json::Value>("j"), json);
    assert_eq!(row.get::<_, serde_json::Value>("jb"), json);
    assert_eq!(row.get::<_, Vec<Option<i32>>>("ia"), ints);
    assert_eq!(row.get::<_, Vec<String>>("ta"), texts);
    assert_eq!(rows[1].get::<_, Option<Numeric>>("n"), None);
    assert_eq!(rows[1].get::<_, Option<Vec<Option<i32>>>>("ia"), None);
    let nulls = client
        .simple_query("select * from every_type where id = 2")
        .await
        .expect("simple query");
    let nulls = first_row(&nulls);
    assert_eq!(nulls.len(), 21);
    for column in 1..nulls.len() {
        assert_eq!(nulls.get(column), None, "column {column} of row 2 is NULL");
    }
    // The same values printed by the server in text format.
    let text = client
        .simple_query("select n, u, iv, tstz, ia, ta from every_type where id = 1")
        .await
        .expect("simple query");
    let row = first_row(&text);
    let values: Vec<&str> = (0..6).map(|i| row.get(i).unwrap_or("NULL")).collect();
    assert_eq!(
        values,
        [
            "-123.450",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "1 year 2 mons 1 day 02:03:04",
            "2024-02-29 13:14:15.25+00",
            "{1,NULL,-3}",
            "{x,\"y z\",\"\\\"q\\\"\"}"
        ]
    );

    // An error with its SQLSTATE; the connection stays usable.
    let error = client
        .execute(&insert, &[&1i64, &"dup", &0i64])
        .await
        .expect_err("duplicate key");
    assert_eq!(error.code(), Some(&SqlState::UNIQUE_VIOLATION), "{error:?}");
    let error = client
        .query_one("select 1 / $1", &[&0i32])
        .await
        .expect_err("division by zero");
    assert_eq!(error.code(), Some(&SqlState::DIVISION_BY_ZERO), "{error:?}");
    let count: i64 = client
        .query_one("select count(*) from accounts", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 2);

    // The queries tokio-postgres sends for a type OID it does not know
    // (custom types, see `enums_through_the_driver`), with oid parameters and
    // results (u32) and typtype as "char" (i8), as the driver binds them.
    let array_of_int4 = client
        .query_one(
            "SELECT t.typname, t.typtype, t.typelem, r.rngsubtype, t.typbasetype, n.nspname, t.typrelid \
             FROM pg_catalog.pg_type t \
             LEFT OUTER JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid \
             INNER JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid \
             WHERE t.oid = $1",
            &[&1007u32],
        )
        .await
        .expect("type info query");
    assert_eq!(array_of_int4.get::<_, String>(0), "_int4");
    assert_eq!(array_of_int4.get::<_, i8>(1), b'b' as i8, "typtype");
    assert_eq!(array_of_int4.get::<_, u32>(2), 23);
    assert_eq!(array_of_int4.get::<_, Option<u32>>(3), None);
    assert_eq!(array_of_int4.get::<_, u32>(4), 0);
    assert_eq!(array_of_int4.get::<_, String>(5), "pg_catalog");
    assert_eq!(array_of_int4.get::<_, u32>(6), 0);
    let labels = client
        .query(
            "SELECT enumlabel FROM pg_catalog.pg_enum WHERE enumtypid = $1 ORDER BY enumsortorder",
            &[&23u32],
        )
        .await
        .expect("enum query");
    assert!(labels.is_empty());
    let relid: u32 = client
        .query_one("select 'accounts'::regclass::oid", &[])
        .await
        .expect("regclass")
        .get(0);
    let attributes: Vec<(String, u32)> = client
        .query(
            "SELECT attname, atttypid FROM pg_catalog.pg_attribute WHERE attrelid = $1 \
             AND NOT attisdropped AND attnum > 0 ORDER BY attnum",
            &[&relid],
        )
        .await
        .expect("composite query")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        attributes,
        [
            ("id".to_owned(), 20),
            ("owner".to_owned(), 25),
            ("balance".to_owned(), 20)
        ]
    );

    copy_through_the_extended_protocol(&client).await;
    portals_fetch_rows_as_asked(&mut client).await;
    settings_follow_transactions(&mut client).await;
    index_keys_and_expanded_records(&client).await;
    enums_through_the_driver(&client).await;
}

/// A value of a user-defined enum, read as its label (binary format).
#[derive(Debug, PartialEq)]
struct Label(String);

impl<'a> FromSql<'a> for Label {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Label, Box<dyn Error + Sync + Send>> {
        Ok(Label(std::str::from_utf8(raw)?.to_owned()))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(ty.kind(), tokio_postgres::types::Kind::Enum(_))
    }
}

/// CREATE TYPE ... AS ENUM seen by the driver: the column's type OID is the
/// enum's pg_type row, the driver learns its labels from pg_enum, values
/// and arrays of them arrive in binary, rows sort by declaration order.
async fn enums_through_the_driver(client: &Client) {
    client
        .batch_execute(
            "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
             CREATE TABLE moods (id int PRIMARY KEY, m mood, history mood[]);
             INSERT INTO moods VALUES (1, 'happy', '{sad,happy}'), (2, 'sad', NULL), (3, 'ok', '{ok}')",
        )
        .await
        .expect("enum DDL");
    let oid: u32 = client
        .query_one("SELECT oid FROM pg_type WHERE typname = 'mood'", &[])
        .await
        .expect("pg_type")
        .get(0);
    let stmt = client
        .prepare("SELECT m, history FROM moods ORDER BY m")
        .await
        .expect("prepare enum select");
    let ty = stmt.columns()[0].type_();
    assert_eq!((ty.oid(), ty.name()), (oid, "mood"));
    assert_eq!(
        ty.kind(),
        &tokio_postgres::types::Kind::Enum(vec!["sad".into(), "ok".into(), "happy".into()])
    );
    let rows: Vec<(Label, Option<Vec<Label>>)> = client
        .query(&stmt, &[])
        .await
        .expect("enum rows")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let label = |s: &str| Label(s.to_owned());
    assert_eq!(
        rows,
        [
            (label("sad"), None),
            (label("ok"), Some(vec![label("ok")])),
            (label("happy"), Some(vec![label("sad"), label("happy")])),
        ]
    );
    let err = client
        .execute("INSERT INTO moods VALUES (4, 'angry')", &[])
        .await
        .expect_err("unknown label");
    assert_eq!(err.code(), Some(&SqlState::INVALID_TEXT_REPRESENTATION));
}

/// The value of a one-row, one-column query (text, or NULL).
async fn setting(client: &impl GenericClient, sql: &str) -> Option<String> {
    client
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .get(0)
}

/// Settings as PostgreSQL 15 keeps them: custom dotted parameters,
/// `current_setting(.., true)`, SET LOCAL and `set_config(.., true)` ending
/// with their transaction, and ROLLBACK undoing SET.
async fn settings_follow_transactions(client: &mut Client) {
    client
        .batch_execute("set myapp.user_id = '42'")
        .await
        .expect("custom parameter");
    assert_eq!(
        setting(&*client, "select current_setting('myapp.user_id')").await,
        Some("42".to_owned())
    );
    assert_eq!(
        setting(&*client, "show myapp.user_id").await,
        Some("42".to_owned())
    );
    assert_eq!(
        setting(&*client, "select current_setting('x.y', true)").await,
        None
    );
    for sql in ["select current_setting('x.y')", "set nodot = 1"] {
        let error = client.query(sql, &[]).await.expect_err(sql);
        assert_eq!(
            error.code(),
            Some(&SqlState::UNDEFINED_OBJECT),
            "{sql}: {error:?}"
        );
    }

    let txn = client.transaction().await.expect("begin");
    assert_eq!(
        setting(&txn, "select set_config('myapp.role', 'admin', true)").await,
        Some("admin".to_owned())
    );
    txn.batch_execute("set local work_mem = '64kB'")
        .await
        .expect("set local");
    assert_eq!(
        setting(&txn, "select current_setting('myapp.role')").await,
        Some("admin".to_owned())
    );
    assert_eq!(
        setting(&txn, "show work_mem").await,
        Some("64kB".to_owned())
    );
    txn.commit().await.expect("commit");
    assert_eq!(
        setting(&*client, "select current_setting('myapp.role')").await,
        Some(String::new()),
        "a custom parameter outlives its SET LOCAL, empty"
    );
    assert_eq!(
        setting(&*client, "show work_mem").await,
        Some("4MB".to_owned())
    );

    let txn = client.transaction().await.expect("begin");
    txn.batch_execute("set work_mem = '128kB'; set myapp.user_id = '7'")
        .await
        .expect("set");
    txn.rollback().await.expect("rollback");
    assert_eq!(
        setting(&*client, "show work_mem").await,
        Some("4MB".to_owned())
    );
    assert_eq!(
        setting(&*client, "select current_setting('myapp.user_id')").await,
        Some("42".to_owned()),
        "ROLLBACK undoes SET"
    );

    // Outside a block the statement is its own transaction.
    let row = client
        .query_one(
            "select set_config('myapp.tenant', 't1', true), current_setting('myapp.tenant')",
            &[],
        )
        .await
        .expect("set_config is_local");
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1)),
        ("t1".to_owned(), "t1".to_owned())
    );
    assert_eq!(
        setting(&*client, "select current_setting('myapp.tenant')").await,
        Some(String::new())
    );
    assert_eq!(
        setting(&*client, "select set_config('myapp.tenant', 't2', false)").await,
        Some("t2".to_owned())
    );
    assert_eq!(
        setting(&*client, "select current_setting('myapp.tenant')").await,
        Some("t2".to_owned())
    );

    // ROLLBACK TO SAVEPOINT undoes the SETs made after the savepoint.
    let mut txn = client.transaction().await.expect("begin");
    txn.batch_execute("set work_mem = '1MB'")
        .await
        .expect("set");
    let savepoint = txn.savepoint("s").await.expect("savepoint");
    savepoint
        .batch_execute("set work_mem = '2MB'")
        .await
        .expect("set");
    savepoint.rollback().await.expect("rollback to savepoint");
    assert_eq!(setting(&txn, "show work_mem").await, Some("1MB".to_owned()));
    txn.commit().await.expect("commit");
    assert_eq!(
        setting(&*client, "show work_mem").await,
        Some("1MB".to_owned())
    );
}

/// What pgjdbc's key and index metadata read: int2vector subscripts (from
/// 0) and `information_schema._pg_expandarray`'s (x, n) records, printed as
/// PostgreSQL prints them and taken apart with `(r).x` through a subquery.
async fn index_keys_and_expanded_records(client: &Client) {
    client
        .batch_execute("create table pair (a int4, b text, primary key (b, a))")
        .await
        .expect("DDL");
    let keys = client
        .query_one(
            "select indkey[0], indkey[1], indkey[2] from pg_index \
             where indexrelid = 'pair_pkey'::regclass",
            &[],
        )
        .await
        .expect("int2vector subscripts");
    assert_eq!(
        (
            keys.get::<_, Option<i16>>(0),
            keys.get::<_, Option<i16>>(1),
            keys.get::<_, Option<i16>>(2)
        ),
        (Some(2i16), Some(1i16), None)
    );
    let records = client
        .simple_query("select information_schema._pg_expandarray(array['a b', 'c'])")
        .await
        .expect("_pg_expandarray");
    let records: Vec<&str> = records
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0),
            _ => None,
        })
        .collect();
    assert_eq!(records, ["(\"a b\",1)", "(c,2)"]);
    let fields: Vec<(i16, i32)> = client
        .query(
            "select (s.r).x, (s.r).n from (select information_schema._pg_expandarray(indkey) as r \
             from pg_index where indexrelid = 'pair_pkey'::regclass) s",
            &[],
        )
        .await
        .expect("record fields through a subquery")
        .iter()
        .map(|r| (r.get("x"), r.get("n")))
        .collect();
    assert_eq!(fields, [(2, 1), (1, 2)]);
}

/// A query's rows come from a cursor the endpoint fetches only as Execute
/// asks: a row limit suspends the portal (PortalSuspended) and the next
/// Execute continues where it stopped; without a limit one Execute returns
/// every row.
async fn portals_fetch_rows_as_asked(client: &mut Client) {
    client
        .batch_execute(
            "create table streamed (id int8 primary key, pad text); \
             insert into streamed select g, repeat('x', 100) from generate_series(1, 5000) g",
        )
        .await
        .expect("setup");
    let txn = client.transaction().await.expect("begin");
    let statement = txn
        .prepare("select id from streamed where id > $1 order by id")
        .await
        .expect("prepare");
    let portal = txn.bind(&statement, &[&10i64]).await.expect("bind");
    let mut seen = Vec::new();
    loop {
        let rows = txn.query_portal(&portal, 1000).await.expect("fetch");
        assert!(rows.len() <= 1000);
        if rows.is_empty() {
            break;
        }
        seen.extend(rows.iter().map(|r| r.get::<_, i64>(0)));
    }
    assert_eq!(seen, (11..=5000).collect::<Vec<i64>>());
    txn.commit().await.expect("commit");
    let all = client
        .query("select id, pad from streamed", &[])
        .await
        .expect("all rows");
    assert_eq!(all.len(), 5000);
}

/// `copy_in` and `copy_out` run COPY through Parse/Bind/Execute: CopyIn and
/// CopyOut start from Execute, a bad row fails the COPY with its SQLSTATE and
/// rolls it back, and the connection stays usable.
async fn copy_through_the_extended_protocol(client: &Client) {
    use futures::{SinkExt, TryStreamExt};

    client
        .batch_execute("create table copied (id int4 primary key, name text)")
        .await
        .expect("DDL");
    let sink = client
        .copy_in::<_, bytes::Bytes>("copy copied (id, name) from stdin")
        .await
        .expect("COPY FROM STDIN starts from Execute");
    futures::pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"1\tone\n2\t\\N\n"))
        .await
        .expect("copy data");
    sink.send(bytes::Bytes::from_static(b"3\tthree\n"))
        .await
        .expect("copy data");
    assert_eq!(sink.finish().await.expect("COPY completes"), 3);

    let sink = client
        .copy_in::<_, bytes::Bytes>("copy copied from stdin")
        .await
        .expect("COPY FROM STDIN starts");
    futures::pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"4\tfour\nfive\tbad\n"))
        .await
        .expect("copy data");
    let error = sink.finish().await.expect_err("a bad int4 fails the COPY");
    assert_eq!(
        error.code(),
        Some(&SqlState::INVALID_TEXT_REPRESENTATION),
        "{error:?}"
    );

    let copy_out = client
        .prepare("copy (select id, name from copied order by id) to stdout")
        .await
        .expect("prepare COPY TO STDOUT");
    assert!(copy_out.params().is_empty() && copy_out.columns().is_empty());
    let chunks: Vec<bytes::Bytes> = client
        .copy_out(&copy_out)
        .await
        .expect("COPY TO STDOUT starts from Execute")
        .try_collect()
        .await
        .expect("copy out data");
    assert_eq!(chunks.concat(), b"1\tone\n2\t\\N\n3\tthree\n");

    // (A failed `copy_in` start is not tried: tokio-postgres then sends a
    // second Sync, whose ReadyForQuery it does not expect, with PostgreSQL too.)
    let error = client
        .copy_out("copy missing to stdout")
        .await
        .err()
        .expect("COPY from a missing table fails at Execute");
    assert_eq!(error.code(), Some(&SqlState::UNDEFINED_TABLE), "{error:?}");
    let count: i64 = client
        .query_one("select count(*) from copied", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 3, "the failed COPY kept nothing");
}

#[test]
fn tokio_postgres_over_tls_and_scram_plus_with_every_type() {
    let dir = TempDir::new("tokio-postgres");
    let data_dir = dir.0.join("data");
    let cluster = UpCluster::up(&data_dir, free_address().port());
    let ca = data_dir.join("tls").join("ca.pem");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        tokio::time::timeout(std::time::Duration::from_secs(120), exercise(&cluster, &ca))
            .await
            .expect("tokio-postgres scenario timed out")
    });
    drop(runtime);
    cluster.stop();
}
