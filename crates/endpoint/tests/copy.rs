//! The COPY sub-protocol: COPY FROM STDIN (CopyInResponse, CopyData batched to the
//! backend, CopyDone / CopyFail, errors mid-stream, messages PostgreSQL ignores or
//! refuses meanwhile, a client vanishing mid-COPY) and COPY TO STDOUT, from a
//! simple Query and from the extended protocol's Execute.

mod common;

use common::*;
use tokio::io::AsyncWriteExt;

fn query(sql: &str) -> Vec<u8> {
    frame(b'Q', &cstr(sql))
}

fn copy_data(data: &[u8]) -> Vec<u8> {
    frame(b'd', data)
}

fn tags(msgs: &[Msg]) -> String {
    msgs.iter().map(|m| m.tag as char).collect()
}

#[tokio::test]
async fn copy_in_streams_data_and_completes() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    stream.write_all(&query("COPYIN t")).await.unwrap();
    let response = read_msg(&mut stream).await.expect("CopyInResponse");
    assert_eq!(response.tag, b'G');
    // Overall format text, two columns, both text.
    assert_eq!(response.body, vec![0, 0, 2, 0, 0, 0, 0]);
    // Many small CopyData messages, a row split across two of them, and a Flush
    // and Sync that PostgreSQL ignores in this state; all in one write.
    let mut input = Vec::new();
    for i in 0..1000 {
        input.extend(copy_data(format!("{i}\tx\n").as_bytes()));
    }
    input.extend(copy_data(b"1000\t"));
    input.extend(frame(b'H', b""));
    input.extend(frame(b'S', b""));
    input.extend(copy_data(b"y\n"));
    input.extend(frame(b'c', b""));
    stream.write_all(&input).await.unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(tags(&msgs), "CZ", "{msgs:?}");
    assert_eq!(msgs[0].body, cstr("COPY 1001"));
    {
        let log = server.backend.copies.lock().unwrap();
        assert_eq!(log.committed.len(), 1);
        assert!(log.committed[0].ends_with(b"999\tx\n1000\ty\n"));
        // The endpoint fed the backend in batches, not one call per message.
        assert!(log.largest_chunk > 100, "{log:?}");
    }
    assert_healthy(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn copy_fail_and_bad_data_roll_back_and_session_continues() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;

    // CopyFail: ErrorResponse 57014 with the client's reason, then ReadyForQuery.
    stream.write_all(&query("COPYIN t")).await.unwrap();
    assert_eq!(read_msg(&mut stream).await.unwrap().tag, b'G');
    let mut input = copy_data(b"1\ta\n");
    input.extend(frame(b'f', &cstr("client gave up")));
    stream.write_all(&input).await.unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(tags(&msgs), "EZ", "{msgs:?}");
    assert_eq!(msgs[0].field(b'C').as_deref(), Some("57014"));
    assert!(msgs[0].field(b'M').unwrap().contains("client gave up"));

    // A bad row: the error comes at once; CopyData and CopyDone the client
    // still sends afterwards are ignored.
    stream.write_all(&query("COPYIN t")).await.unwrap();
    assert_eq!(read_msg(&mut stream).await.unwrap().tag, b'G');
    stream.write_all(&copy_data(b"bad\n")).await.unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(tags(&msgs), "EZ", "{msgs:?}");
    assert_eq!(msgs[0].field(b'C').as_deref(), Some("22P02"));
    let mut input = copy_data(b"2\tb\n");
    input.extend(frame(b'c', b""));
    input.extend(query("SELECT 1"));
    stream.write_all(&input).await.unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(tags(&msgs), "TDCZ", "{msgs:?}");

    // Another frontend message during COPY: 08P01, the COPY is gone.
    stream.write_all(&query("COPYIN t")).await.unwrap();
    assert_eq!(read_msg(&mut stream).await.unwrap().tag, b'G');
    stream.write_all(&query("SELECT 1")).await.unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(tags(&msgs), "EZ", "{msgs:?}");
    assert_eq!(msgs[0].field(b'C').as_deref(), Some("08P01"));

    {
        let log = server.backend.copies.lock().unwrap();
        assert!(log.committed.is_empty(), "{log:?}");
        assert_eq!(log.aborted, 3, "{log:?}");
    }
    assert_healthy(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn client_vanishing_mid_copy_leaves_nothing() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    stream.write_all(&query("COPYIN t")).await.unwrap();
    assert_eq!(read_msg(&mut stream).await.unwrap().tag, b'G');
    stream.write_all(&copy_data(b"1\ta\n2\tb\n")).await.unwrap();
    // Half a message, then the socket closes.
    stream.write_all(&[b'd', 0, 0, 0, 100, b'3']).await.unwrap();
    drop(stream);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if server.backend.copies.lock().unwrap().aborted == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "COPY not discarded");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(server.backend.copies.lock().unwrap().committed.is_empty());
    // Other sessions are undisturbed.
    assert_healthy(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn copy_out_sends_rows_as_copy_data() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    stream.write_all(&query("COPYOUT 3")).await.unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(tags(&msgs), "HdddcCZ", "{msgs:?}");
    assert_eq!(msgs[0].body, vec![0, 0, 2, 0, 0, 0, 0]);
    assert_eq!(msgs[2].body, b"1\trow 1\n");
    assert_eq!(msgs[5].body, cstr("COPY 3"));
    server.stop().await;
}

/// Parse, Bind and Execute of the unnamed statement and portal, then Sync.
fn extended(sql: &str) -> Vec<u8> {
    let mut out = frame(b'P', &[cstr(""), cstr(sql), vec![0, 0]].concat());
    out.extend(frame(
        b'B',
        &[cstr(""), cstr(""), vec![0, 0, 0, 0, 0, 0]].concat(),
    ));
    out.extend(frame(b'E', &[cstr(""), vec![0, 0, 0, 0]].concat()));
    out.extend(frame(b'S', b""));
    out
}

#[tokio::test]
async fn copy_in_through_the_extended_protocol() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    // As tokio-postgres's copy_in: Sync right after Execute, ignored during COPY.
    stream.write_all(&extended("COPYIN t")).await.unwrap();
    let mut started = String::new();
    for _ in 0..3 {
        started.push(read_msg(&mut stream).await.expect("reply").tag as char);
    }
    assert_eq!(started, "12G");
    let mut input = copy_data(b"1\tx\n2\ty\n");
    input.extend(frame(b'c', b""));
    input.extend(frame(b'S', b""));
    stream.write_all(&input).await.unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(tags(&msgs), "CZ", "{msgs:?}");
    assert_eq!(msgs[0].body, cstr("COPY 2"));
    assert_eq!(server.backend.copies.lock().unwrap().committed.len(), 1);

    // Bad data: the error, then everything up to the Sync after CopyDone is
    // skipped, as in PostgreSQL.
    stream.write_all(&extended("COPYIN t")).await.unwrap();
    for _ in 0..3 {
        read_msg(&mut stream).await.expect("reply");
    }
    let mut input = copy_data(b"bad\n");
    input.extend(copy_data(b"3\tz\n"));
    input.extend(frame(b'c', b""));
    input.extend(frame(b'S', b""));
    stream.write_all(&input).await.unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(tags(&msgs), "EZ", "{msgs:?}");
    assert_eq!(msgs[0].field(b'C').as_deref(), Some("22P02"));
    assert_eq!(server.backend.copies.lock().unwrap().committed.len(), 1);
    assert_healthy(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn copy_out_through_the_extended_protocol() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = raw_login(server.addr).await;
    stream.write_all(&extended("COPYOUT 2")).await.unwrap();
    let msgs = read_until_ready(&mut stream).await;
    assert_eq!(tags(&msgs), "12HddcCZ", "{msgs:?}");
    assert_eq!(msgs[3].body, b"0\trow 0\n");
    assert_eq!(msgs[6].body, cstr("COPY 2"));
    server.stop().await;
}
