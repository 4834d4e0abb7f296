//! Run-time limits through `EndpointControl`: max_connections and execution slots resized
//! while sessions are connected and statements run; nothing admitted is ever dropped.

mod common;

use std::time::{Duration, Instant};

use borealis_endpoint::EndpointControl;
use common::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Run `sql` on a logged-in stream; the tags of the answer.
async fn query(stream: &mut TcpStream, sql: &str) -> Vec<u8> {
    stream.write_all(&frame(b'Q', &cstr(sql))).await.unwrap();
    read_until_ready(stream)
        .await
        .iter()
        .map(|m| m.tag)
        .collect()
}

/// Try to log in; the SQLSTATE of the FATAL error when refused.
async fn refused_with(server: &TestServer) -> Option<String> {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(&startup_packet(&[("user", USER), ("database", "db")]))
        .await
        .unwrap();
    let first = read_msg(&mut stream).await.expect("an answer");
    (first.tag == b'E').then(|| first.field(b'C').unwrap_or_default())
}

#[tokio::test]
async fn max_connections_changes_while_sessions_stay() {
    let control = EndpointControl::new(2, 8);
    let server = TestServer::start(md5_config().with_control(control.clone())).await;
    let mut sessions = vec![raw_login(server.addr).await, raw_login(server.addr).await];
    assert_eq!(refused_with(&server).await.as_deref(), Some("53300"));

    control.set_max_connections(3);
    sessions.push(raw_login(server.addr).await);
    assert_eq!(control.stats().active_sessions, 3);

    // Below what is in use: every session keeps working, new ones are refused.
    control.set_max_connections(1);
    for session in &mut sessions {
        assert_eq!(query(session, "SELECT 1").await, b"TDCZ".to_vec());
    }
    assert_eq!(refused_with(&server).await.as_deref(), Some("53300"));
    sessions.truncate(1);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(control.stats().active_sessions, 1);
    assert_eq!(refused_with(&server).await.as_deref(), Some("53300"));
    sessions.clear();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_healthy(server.addr).await;
    assert!(control.stats().sessions_opened_total >= 4);
    server.stop().await;
}

#[tokio::test]
async fn statements_queue_for_execution_slots() {
    let control = EndpointControl::new(10, 1);
    let server = TestServer::start(md5_config().with_control(control.clone())).await;
    let mut a = raw_login(server.addr).await;
    let mut b = raw_login(server.addr).await;

    // One slot: two sleeps run one after the other.
    let started = Instant::now();
    let first = tokio::spawn(async move {
        query(&mut a, "SLEEP 300").await;
        a
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = tokio::spawn(async move {
        query(&mut b, "SLEEP 300").await;
        b
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let stats = control.stats();
    assert_eq!(
        (stats.statements_executing, stats.statements_waiting),
        (1, 1)
    );
    let mut a = first.await.unwrap();
    let mut b = second.await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(600));

    // Raising the limit admits the waiting statement at once.
    let started = Instant::now();
    let first = tokio::spawn(async move {
        query(&mut a, "SLEEP 300").await;
        a
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = tokio::spawn(async move {
        query(&mut b, "SLEEP 300").await;
        b
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    control.set_execution_slots(2);
    let mut a = first.await.unwrap();
    let mut b = second.await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(550),
        "{:?}",
        started.elapsed()
    );

    // Inside a transaction a statement needs no slot (it may hold locks the slot holders
    // wait for).
    control.set_execution_slots(1);
    assert_eq!(query(&mut a, "BEGIN").await, b"CZ".to_vec());
    let started = Instant::now();
    let holder = tokio::spawn(async move {
        query(&mut b, "SLEEP 300").await;
        b
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(query(&mut a, "SLEEP 10").await, b"CZ".to_vec());
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    holder.await.unwrap();
    assert_eq!(control.stats().statements_waiting, 0);
    server.stop().await;
}
