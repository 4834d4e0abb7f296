//! Memory held by idle sessions, measured alone in its own test binary so that no other
//! test's allocations land in the measurement.

mod common;

use common::*;
use tokio::io::AsyncWriteExt;

fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Idle sessions must stay small: no per-connection buffers kept after a query.
#[tokio::test]
async fn idle_sessions_stay_small() {
    const SESSIONS: usize = 300;
    let server = TestServer::start(md5_config().with_max_connections(SESSIONS + 10)).await;
    // Warm up allocator and runtime with a few sessions first.
    let mut streams = Vec::new();
    for _ in 0..10 {
        streams.push(raw_login(server.addr).await);
    }
    let Some(before) = rss_bytes() else {
        return; // not Linux
    };
    for _ in 0..SESSIONS {
        let mut stream = raw_login(server.addr).await;
        stream
            .write_all(&frame(b'Q', &cstr("ROWS 100")))
            .await
            .unwrap();
        read_until_ready(&mut stream).await;
        streams.push(stream);
    }
    let after = rss_bytes().unwrap_or(before);
    let per_session = after.saturating_sub(before) / SESSIONS as u64;
    eprintln!("idle session footprint: ~{per_session} bytes (client and server side together)");
    assert!(
        per_session < 64 * 1024,
        "{per_session} bytes per idle session"
    );
    server.stop().await;
}
