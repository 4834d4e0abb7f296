//! Raw-socket tests: malformed, oversized and truncated input, vanishing clients,
//! max_connections, shutdown. After each abuse, a second healthy connection must still work.

mod common;

use std::time::Duration;

use common::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[tokio::test]
async fn garbage_before_startup_gets_protocol_violation_and_server_keeps_serving() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let msg = read_msg(&mut stream).await.expect("error response");
    assert_eq!(msg.tag, b'E');
    assert_eq!(msg.field(b'C').as_deref(), Some("08P01"));
    assert_eq!(msg.field(b'S').as_deref(), Some("FATAL"));
    expect_eof(&mut stream).await;
    assert_healthy(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn unknown_message_type_closes_only_that_connection() {
    let server = TestServer::start(md5_config()).await;
    let mut other = raw_login(server.addr).await;
    let mut stream = raw_login(server.addr).await;
    stream
        .write_all(b"\x01\x02\x03\x04\x05garbage")
        .await
        .unwrap();
    let msg = read_msg(&mut stream).await.expect("error response");
    assert_eq!(msg.field(b'C').as_deref(), Some("08P01"), "{msg:?}");
    expect_eof(&mut stream).await;
    // The other session is untouched.
    other
        .write_all(&frame(b'Q', &cstr("SELECT 1")))
        .await
        .unwrap();
    let msgs = read_until_ready(&mut other).await;
    assert_eq!(
        msgs.iter().map(|m| m.tag).collect::<Vec<_>>(),
        b"TDCZ".to_vec()
    );
    server.stop().await;
}

#[tokio::test]
async fn huge_declared_length_is_rejected_without_buffering() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    stream
        .write_all(&[b'Q', 0x7f, 0xff, 0xff, 0xff])
        .await
        .unwrap();
    let msg = read_msg(&mut stream).await.expect("error response");
    assert_eq!(msg.field(b'C').as_deref(), Some("08P01"));
    assert!(
        msg.field(b'M').unwrap().contains("exceeds the limit"),
        "{msg:?}"
    );
    expect_eof(&mut stream).await;

    // Before authentication the bound is PostgreSQL's 10000 bytes.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(&startup_packet(&[("user", USER)]))
        .await
        .unwrap();
    assert_eq!(read_msg(&mut stream).await.unwrap().tag, b'R');
    stream.write_all(&[b'p', 0, 1, 0, 0]).await.unwrap();
    let msg = read_msg(&mut stream).await.expect("error response");
    assert_eq!(msg.field(b'C').as_deref(), Some("08P01"), "{msg:?}");
    expect_eof(&mut stream).await;

    // A huge startup packet length too.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(&[0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0])
        .await
        .unwrap();
    let msg = read_msg(&mut stream).await.expect("error response");
    assert_eq!(msg.field(b'C').as_deref(), Some("08P01"));
    expect_eof(&mut stream).await;
    assert_healthy(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn malformed_bodies_are_protocol_violations() {
    let server = TestServer::start(md5_config()).await;
    let bodies: Vec<Vec<u8>> = vec![
        frame(b'B', b"\0\0\x00\x05"),         // Bind cut short
        frame(b'P', b"\0select 1\0\x7f\xff"), // Parse with an impossible count
        frame(b'Q', b"no terminator"),        // Query without NUL
        frame(b'D', b"Xname\0"),              // Describe with a bad subtype
        frame(b'E', b"\0\0\0"),               // Execute without its row count
    ];
    for body in bodies {
        let mut stream = raw_login(server.addr).await;
        stream.write_all(&body).await.unwrap();
        let msg = read_msg(&mut stream).await.expect("error response");
        assert_eq!(
            msg.field(b'C').as_deref(),
            Some("08P01"),
            "{body:?} -> {msg:?}"
        );
        expect_eof(&mut stream).await;
    }
    assert_healthy(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn truncated_message_then_disconnect() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    let mut partial = frame(b'Q', &cstr("SELECT 1 -- padded so the message is long"));
    partial.truncate(12);
    stream.write_all(&partial).await.unwrap();
    stream.shutdown().await.unwrap();
    expect_eof(&mut stream).await;
    assert_healthy(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn client_vanishing_mid_query_does_not_affect_others() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    stream
        .write_all(&frame(b'Q', &cstr("SLEEP 300; ROWS 100000")))
        .await
        .unwrap();
    drop(stream);
    assert_healthy(server.addr).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_healthy(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn invalid_utf8_query_is_an_error_not_a_disconnect() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    stream
        .write_all(&frame(b'Q', b"SELECT \xff\0"))
        .await
        .unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(msgs[0].field(b'C').as_deref(), Some("22021"));
    stream
        .write_all(&frame(b'Q', &cstr("SELECT 1")))
        .await
        .unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(
        msgs.iter().map(|m| m.tag).collect::<Vec<_>>(),
        b"TDCZ".to_vec()
    );
    server.stop().await;
}

#[tokio::test]
async fn simple_query_reports_fields_and_transaction_status() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    // Multi-statement: BEGIN, a row, a failure; then the block is failed.
    stream
        .write_all(&frame(b'Q', &cstr("BEGIN; SELECT 1; FAIL 23505; SELECT 1")))
        .await
        .unwrap();
    let msgs = read_until_ready(&mut stream).await;
    let tags: Vec<u8> = msgs.iter().map(|m| m.tag).collect();
    assert_eq!(tags, b"CTDCEZ".to_vec(), "{msgs:?}");
    let error = &msgs[4];
    assert_eq!(error.field(b'C').as_deref(), Some("23505"));
    assert_eq!(error.field(b'S').as_deref(), Some("ERROR"));
    assert_eq!(error.field(b'D').as_deref(), Some("some detail"));
    assert_eq!(error.field(b'H').as_deref(), Some("some hint"));
    assert_eq!(error.field(b'P').as_deref(), Some("6"));
    assert_eq!(msgs[5].body, b"E");
    stream
        .write_all(&frame(b'Q', &cstr("ROLLBACK")))
        .await
        .unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(msgs.last().unwrap().body, b"I");
    // Empty query string.
    stream.write_all(&frame(b'Q', &cstr(" ; "))).await.unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(
        msgs.iter().map(|m| m.tag).collect::<Vec<_>>(),
        b"IZ".to_vec()
    );
    // BEGIN leaves the block open.
    stream
        .write_all(&frame(b'Q', &cstr("BEGIN")))
        .await
        .unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(msgs.last().unwrap().body, b"T");
    server.stop().await;
}

#[tokio::test]
async fn pipelined_extended_messages_in_one_write() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    let mut batch = Vec::new();
    // Statement "s1": ECHO int4, executed twice with different parameters, plus a failure
    // that must skip the rest until Sync, then a healthy batch.
    let mut parse = cstr("s1");
    parse.extend(cstr("ECHO int4"));
    parse.extend(0i16.to_be_bytes());
    batch.extend(frame(b'P', &parse));
    for value in ["7", "8"] {
        let mut bind = cstr("");
        bind.extend(cstr("s1"));
        bind.extend(0i16.to_be_bytes());
        bind.extend(1i16.to_be_bytes());
        bind.extend((value.len() as i32).to_be_bytes());
        bind.extend(value.as_bytes());
        bind.extend(0i16.to_be_bytes());
        batch.extend(frame(b'B', &bind));
        let mut execute = cstr("");
        execute.extend(0i32.to_be_bytes());
        batch.extend(frame(b'E', &execute));
    }
    batch.extend(frame(b'S', b""));
    // An error in Parse: Bind/Execute after it are skipped until Sync.
    let mut bad = cstr("");
    bad.extend(cstr("NONSENSE"));
    bad.extend(0i16.to_be_bytes());
    batch.extend(frame(b'P', &bad));
    batch.extend(frame(
        b'B',
        &[cstr(""), cstr(""), vec![0, 0, 0, 0, 0, 0]].concat(),
    ));
    batch.extend(frame(b'E', &[cstr(""), vec![0, 0, 0, 0]].concat()));
    batch.extend(frame(b'S', b""));
    stream.write_all(&batch).await.unwrap();

    let first = read_until_ready(&mut stream).await;
    let tags: Vec<u8> = first.iter().map(|m| m.tag).collect();
    assert_eq!(tags, b"12DC2DCZ".to_vec(), "{first:?}");
    assert_eq!(&first[2].body[6..], b"7");
    assert_eq!(&first[5].body[6..], b"8");
    let second = read_until_ready(&mut stream).await;
    let tags: Vec<u8> = second.iter().map(|m| m.tag).collect();
    assert_eq!(tags, b"EZ".to_vec(), "{second:?}");
    assert_eq!(second[0].field(b'C').as_deref(), Some("42601"));
    server.stop().await;
}

#[tokio::test]
async fn max_connections_rejects_the_next_client_with_53300() {
    let server = TestServer::start(md5_config().with_max_connections(2)).await;
    let first = raw_login(server.addr).await;
    let _second = raw_login(server.addr).await;
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    third
        .write_all(&startup_packet(&[("user", USER)]))
        .await
        .unwrap();
    let msg = read_msg(&mut third).await.expect("error response");
    assert_eq!(msg.field(b'C').as_deref(), Some("53300"));
    assert_eq!(
        msg.field(b'M').as_deref(),
        Some("sorry, too many clients already")
    );
    expect_eof(&mut third).await;
    // A slot frees when a session ends.
    drop(first);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream
            .write_all(&startup_packet(&[("user", USER)]))
            .await
            .unwrap();
        let msg = read_msg(&mut stream).await.expect("reply");
        if msg.tag == b'R' {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "slot never freed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_28p01() {
    let server = TestServer::start(md5_config()).await;
    for user in [USER, "mallory"] {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream
            .write_all(&startup_packet(&[("user", user)]))
            .await
            .unwrap();
        let auth = read_msg(&mut stream).await.unwrap();
        assert_eq!(auth.tag, b'R');
        stream
            .write_all(&frame(b'p', &cstr("md5deadbeefdeadbeefdeadbeefdeadbeef")))
            .await
            .unwrap();
        let msg = read_msg(&mut stream).await.expect("error");
        assert_eq!(msg.field(b'C').as_deref(), Some("28P01"));
        assert_eq!(
            msg.field(b'M'),
            Some(format!(
                "password authentication failed for user \"{user}\""
            ))
        );
        expect_eof(&mut stream).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn startup_reports_parameters_and_key_and_set_reports_changes() {
    let server = TestServer::start(md5_config()).await;
    let (mut stream, msgs) = raw_login_with(server.addr, &[("application_name", "tester")]).await;
    let status = |msgs: &[Msg], name: &str| {
        msgs.iter().filter(|m| m.tag == b'S').find_map(|m| {
            let mut parts = m.body.split(|&b| b == 0);
            let key = parts.next()?;
            let value = parts.next()?;
            (key == name.as_bytes()).then(|| String::from_utf8_lossy(value).into_owned())
        })
    };
    assert_eq!(status(&msgs, "application_name").as_deref(), Some("tester"));
    assert_eq!(status(&msgs, "server_encoding").as_deref(), Some("UTF8"));
    assert_eq!(status(&msgs, "client_encoding").as_deref(), Some("UTF8"));
    assert_eq!(status(&msgs, "DateStyle").as_deref(), Some("ISO, MDY"));
    assert_eq!(status(&msgs, "integer_datetimes").as_deref(), Some("on"));
    assert_eq!(
        status(&msgs, "standard_conforming_strings").as_deref(),
        Some("on")
    );
    assert!(status(&msgs, "server_version").unwrap().starts_with("15."));
    assert_eq!(msgs.iter().filter(|m| m.tag == b'K').count(), 1);
    assert_eq!(msgs.last().unwrap().body, b"I");

    stream
        .write_all(&frame(b'Q', &cstr("SET application_name other")))
        .await
        .unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(
        msgs.iter().map(|m| m.tag).collect::<Vec<_>>(),
        b"CSZ".to_vec()
    );
    assert_eq!(status(&msgs, "application_name").as_deref(), Some("other"));
    server.stop().await;
}

#[tokio::test]
async fn cancel_with_a_wrong_key_is_ignored() {
    let server = TestServer::start(md5_config()).await;
    let (mut stream, msgs) = raw_login_with(server.addr, &[]).await;
    let key = msgs.iter().find(|m| m.tag == b'K').expect("BackendKeyData");
    let pid = &key.body[..4];
    let secret = i32::from_be_bytes([key.body[4], key.body[5], key.body[6], key.body[7]]);
    stream
        .write_all(&frame(b'Q', &cstr("SLEEP 300")))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut cancel = TcpStream::connect(server.addr).await.unwrap();
    let mut packet = vec![0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e];
    packet.extend_from_slice(pid);
    packet.extend_from_slice(&secret.wrapping_add(1).to_be_bytes());
    cancel.write_all(&packet).await.unwrap();
    expect_eof(&mut cancel).await;
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(
        msgs.iter().map(|m| m.tag).collect::<Vec<_>>(),
        b"CZ".to_vec(),
        "not canceled"
    );
    server.stop().await;
}

#[tokio::test]
async fn missing_user_and_unknown_database_are_fatal() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(&startup_packet(&[("database", "db")]))
        .await
        .unwrap();
    let msg = read_msg(&mut stream).await.unwrap();
    assert_eq!(msg.field(b'C').as_deref(), Some("28000"));
    expect_eof(&mut stream).await;

    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(&startup_packet(&[("user", USER), ("database", "nosuchdb")]))
        .await
        .unwrap();
    let auth = read_msg(&mut stream).await.unwrap();
    let inner = format!("{:x}", md5::compute(format!("{PASSWORD}{USER}")));
    let mut salted = inner.into_bytes();
    salted.extend_from_slice(&auth.body[4..8]);
    let answer = format!("md5{:x}", md5::compute(&salted));
    stream
        .write_all(&frame(b'p', &cstr(&answer)))
        .await
        .unwrap();
    let ok = read_msg(&mut stream).await.unwrap();
    assert_eq!(
        (ok.tag, &ok.body[..]),
        (b'R', &[0u8, 0, 0, 0][..]),
        "AuthenticationOk first"
    );
    let msg = read_msg(&mut stream).await.unwrap();
    assert_eq!(msg.field(b'C').as_deref(), Some("3D000"));
    assert_eq!(msg.field(b'S').as_deref(), Some("FATAL"));
    expect_eof(&mut stream).await;
    server.stop().await;
}

#[tokio::test]
async fn ssl_request_without_tls_is_refused_and_startup_continues() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])
        .await
        .unwrap();
    let mut answer = [0u8; 1];
    tokio::io::AsyncReadExt::read_exact(&mut stream, &mut answer)
        .await
        .unwrap();
    assert_eq!(&answer, b"N");
    stream
        .write_all(&startup_packet(&[("user", USER)]))
        .await
        .unwrap();
    assert_eq!(read_msg(&mut stream).await.unwrap().tag, b'R');
    server.stop().await;
}

#[tokio::test]
async fn shutdown_terminates_idle_sessions_with_57p01() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    let addr = server.addr;
    server.stop().await;
    let msg = read_msg(&mut stream).await.expect("termination notice");
    assert_eq!(msg.field(b'C').as_deref(), Some("57P01"));
    expect_eof(&mut stream).await;
    assert!(TcpStream::connect(addr).await.is_err(), "listener closed");
}

#[tokio::test]
async fn named_portals_describe_suspend_close_and_bind_mismatch() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    let mut batch = Vec::new();
    batch.extend(frame(
        b'P',
        &[cstr("s"), cstr("ROWS 3"), vec![0, 0]].concat(),
    ));
    // Bind portal "p" with all results in binary.
    batch.extend(frame(
        b'B',
        &[
            cstr("p"),
            cstr("s"),
            vec![0, 0],
            vec![0, 0],
            vec![0, 1, 0, 1],
        ]
        .concat(),
    ));
    batch.extend(frame(b'D', &[vec![b'P'], cstr("p")].concat()));
    batch.extend(frame(b'D', &[vec![b'S'], cstr("s")].concat()));
    batch.extend(frame(
        b'E',
        &[cstr("p"), 1i32.to_be_bytes().to_vec()].concat(),
    ));
    batch.extend(frame(b'C', &[vec![b'P'], cstr("p")].concat()));
    batch.extend(frame(
        b'E',
        &[cstr("p"), 0i32.to_be_bytes().to_vec()].concat(),
    ));
    batch.extend(frame(b'S', b""));
    // Too many parameters for the statement: an ERROR, not a disconnect.
    let one_param = [0u8, 1, 0, 0, 0, 1, b'7'];
    batch.extend(frame(
        b'B',
        &[
            cstr(""),
            cstr("s"),
            vec![0, 0],
            one_param.to_vec(),
            vec![0, 0],
        ]
        .concat(),
    ));
    batch.extend(frame(b'S', b""));
    stream.write_all(&batch).await.unwrap();

    let msgs = read_until_ready(&mut stream).await;
    let tags: Vec<u8> = msgs.iter().map(|m| m.tag).collect();
    assert_eq!(tags, b"12TtTDs3EZ".to_vec(), "{msgs:?}");
    // Portal RowDescription: one int8 column in binary format (last 2 bytes of the field).
    let row_description = &msgs[2].body;
    assert_eq!(&row_description[row_description.len() - 2..], &[0, 1]);
    assert_eq!(
        &msgs[5].body,
        &[0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1],
        "binary int8 1"
    );
    assert_eq!(msgs[8].field(b'C').as_deref(), Some("34000"));

    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(msgs[0].field(b'C').as_deref(), Some("08P01"));
    assert_eq!(msgs[0].field(b'S').as_deref(), Some("ERROR"));
    assert_eq!(msgs.last().unwrap().tag, b'Z');
    server.stop().await;
}

/// Sends one simple query and returns its messages up to ReadyForQuery.
async fn simple(stream: &mut TcpStream, sql: &str) -> Vec<Msg> {
    stream.write_all(&frame(b'Q', &cstr(sql))).await.unwrap();
    read_until_ready(stream).await
}

/// Waits for the FATAL 25P03 of an idle transaction block, then EOF; returns how long it took.
async fn expect_idle_in_transaction_fatal(stream: &mut TcpStream) -> Duration {
    let started = tokio::time::Instant::now();
    let msg = read_msg(stream).await.expect("FATAL before close");
    let waited = started.elapsed();
    assert_eq!(msg.tag, b'E', "{msg:?}");
    assert_eq!(msg.field(b'S').as_deref(), Some("FATAL"));
    assert_eq!(msg.field(b'C').as_deref(), Some("25P03"));
    assert_eq!(
        msg.field(b'M').as_deref(),
        Some("terminating connection due to idle-in-transaction timeout")
    );
    expect_eof(stream).await;
    waited
}

#[tokio::test]
async fn idle_in_transaction_timeout_closes_only_sessions_idle_in_a_block() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    simple(&mut stream, "IDLETIMEOUT 150").await;

    // Idle outside a block: never closed.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let msgs = simple(&mut stream, "SELECT 1").await;
    assert_eq!(msgs.last().unwrap().body, b"I", "{msgs:?}");

    // Between extended-protocol messages (no ReadyForQuery yet) the timer is not armed,
    // as in PostgreSQL, even inside a block.
    simple(&mut stream, "BEGIN").await;
    let mut parse = cstr("");
    parse.extend_from_slice(&cstr("SELECT 1"));
    parse.extend_from_slice(&0i16.to_be_bytes());
    stream.write_all(&frame(b'P', &parse)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    stream.write_all(&frame(b'S', &[])).await.unwrap();
    let msgs = read_until_ready(&mut stream).await;
    let tags: Vec<u8> = msgs.iter().map(|m| m.tag).collect();
    assert_eq!(tags, b"1Z".to_vec(), "{msgs:?}");
    assert_eq!(msgs.last().unwrap().body, b"T");

    // After ReadyForQuery 'T': closed once the timeout passes, the block dropped.
    let waited = expect_idle_in_transaction_fatal(&mut stream).await;
    assert!(
        waited >= Duration::from_millis(100),
        "closed after {waited:?}"
    );

    // A failed block ('E') is timed too.
    let mut failed = raw_login(server.addr).await;
    simple(&mut failed, "IDLETIMEOUT 150").await;
    let msgs = simple(&mut failed, "BEGIN; FAIL 23505").await;
    assert_eq!(msgs.last().unwrap().body, b"E", "{msgs:?}");
    expect_idle_in_transaction_fatal(&mut failed).await;

    // Both sessions were dropped with their blocks open (the engine rolls them back).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while *server.backend.open_transactions_dropped.lock().unwrap() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "sessions not dropped"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_healthy(server.addr).await;
    server.stop().await;
}
