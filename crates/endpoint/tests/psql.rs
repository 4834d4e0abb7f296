//! The real PostgreSQL 15 client against the endpoint: SCRAM over plaintext and TLS
//! (require, verify-full with our self-signed CA, channel binding), wrong passwords,
//! SQLSTATEs in verbose errors, notices, multi-statement strings.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use borealis_endpoint::tls::generate_self_signed;
use common::*;

const PSQL: &str = "/usr/bin/psql";

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Run psql with a clean environment; the child is killed if the test fails or times out.
async fn psql(conninfo: &str, password: &str, commands: &[&str]) -> Run {
    let home = std::env::temp_dir();
    let mut cmd = tokio::process::Command::new(PSQL);
    cmd.env_clear()
        .env("HOME", &home)
        .env("PGPASSWORD", password)
        .env("PGCONNECT_TIMEOUT", "10")
        .arg("-X")
        .arg("-A")
        .arg("-t")
        .arg("-v")
        .arg("ON_ERROR_STOP=1")
        .arg("-d")
        .arg(conninfo)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for c in commands {
        cmd.arg("-c").arg(c);
    }
    let child = cmd.spawn().expect("spawn psql");
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("psql timed out")
        .expect("psql output");
    Run {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn conninfo(port: u16, extra: &str) -> String {
    format!("host=127.0.0.1 port={port} user={USER} dbname=app {extra}")
}

fn psql_available() -> bool {
    Path::new(PSQL).exists()
}

/// A per-test directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("borealis-endpoint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn psql_scram_plaintext_queries_errors_and_notices() {
    if !psql_available() {
        eprintln!("skipping: {PSQL} not installed");
        return;
    }
    let server = TestServer::start(config()).await;
    let info = conninfo(server.port(), "sslmode=disable");

    let run = psql(&info, PASSWORD, &["SELECT 1", "SELECT 1; ROWS 3"]).await;
    assert!(run.ok, "{}", run.stderr);
    // psql 15 prints the result of every statement of a multi-statement string.
    assert_eq!(run.stdout, "1\n1\n1\n2\n3\n");

    let run = psql(&info, PASSWORD, &["SHOW_NOTHING"]).await;
    assert!(!run.ok);
    assert!(
        run.stderr
            .contains("ERROR:  syntax error at or near \"SHOW_NOTHING\""),
        "{}",
        run.stderr
    );

    let run = psql(&info, PASSWORD, &["\\set VERBOSITY verbose", "FAIL 42P01"]).await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("ERROR:  42P01: forced failure"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("DETAIL:  some detail"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("HINT:  some hint"), "{}", run.stderr);

    let run = psql(&info, PASSWORD, &["NOTICE hello there"]).await;
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stderr.contains("NOTICE:  hello there"),
        "{}",
        run.stderr
    );

    // Server parameters psql reads at startup.
    let run = psql(&info, PASSWORD, &["\\echo :SERVER_VERSION_NAME :ENCODING"]).await;
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.starts_with("15.18 (Borealis"), "{}", run.stdout);
    assert!(run.stdout.trim_end().ends_with("UTF8"), "{}", run.stdout);
    server.stop().await;
}

#[tokio::test]
async fn psql_wrong_password_is_28p01() {
    if !psql_available() {
        return;
    }
    let server = TestServer::start(config()).await;
    let run = psql(
        &conninfo(server.port(), "sslmode=disable"),
        "wrong",
        &["SELECT 1"],
    )
    .await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains(&format!(
            "FATAL:  password authentication failed for user \"{USER}\""
        )),
        "{}",
        run.stderr
    );
    server.stop().await;
}

#[tokio::test]
async fn psql_over_tls_require_and_verify_full() {
    if !psql_available() {
        return;
    }
    let dir = TempDir::new("psql-tls");
    let files = generate_self_signed(&dir.0, &["localhost", "127.0.0.1"]).expect("certificates");
    let server = TestServer::start(config().with_tls(files.tls_source())).await;
    let port = server.port();

    let run = psql(&conninfo(port, "sslmode=require"), PASSWORD, &["SELECT 1"]).await;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(run.stdout, "1\n");

    // verify-full: the certificate must chain to our CA and name the host.
    let verify = format!(
        "host=localhost hostaddr=127.0.0.1 port={port} user={USER} dbname=app sslmode=verify-full sslrootcert={}",
        files.ca_cert.display()
    );
    let run = psql(&verify, PASSWORD, &["SELECT 1"]).await;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(run.stdout, "1\n");

    // SCRAM-SHA-256-PLUS: channel binding to the TLS certificate.
    let run = psql(
        &format!("{verify} channel_binding=require"),
        PASSWORD,
        &["SELECT 1"],
    )
    .await;
    assert!(run.ok, "{}", run.stderr);

    // Wrong password over TLS.
    let run = psql(&conninfo(port, "sslmode=require"), "nope", &["SELECT 1"]).await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("password authentication failed"),
        "{}",
        run.stderr
    );

    // verify-full against a CA that did not sign the server certificate fails.
    let other = TempDir::new("psql-tls-other");
    let other_files = generate_self_signed(&other.0, &["localhost"]).expect("certificates");
    let bad = format!(
        "host=localhost port={port} user={USER} dbname=app sslmode=verify-full sslrootcert={}",
        other_files.ca_cert.display()
    );
    let run = psql(&bad, PASSWORD, &["SELECT 1"]).await;
    assert!(!run.ok, "verify-full must reject a foreign CA");
    server.stop().await;
}

#[tokio::test]
async fn psql_without_tls_configured_fails_require_but_prefer_works() {
    if !psql_available() {
        return;
    }
    let server = TestServer::start(config()).await;
    let run = psql(
        &conninfo(server.port(), "sslmode=require"),
        PASSWORD,
        &["SELECT 1"],
    )
    .await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("server does not support SSL"),
        "{}",
        run.stderr
    );
    let run = psql(
        &conninfo(server.port(), "sslmode=prefer"),
        PASSWORD,
        &["SELECT 1"],
    )
    .await;
    assert!(run.ok, "{}", run.stderr);
    server.stop().await;
}

#[tokio::test]
async fn psql_md5_authentication() {
    if !psql_available() {
        return;
    }
    let server = TestServer::start(md5_config()).await;
    let run = psql(
        &conninfo(server.port(), "sslmode=disable"),
        PASSWORD,
        &["SELECT 1"],
    )
    .await;
    assert!(run.ok, "{}", run.stderr);
    let run = psql(
        &conninfo(server.port(), "sslmode=disable"),
        "bad",
        &["SELECT 1"],
    )
    .await;
    assert!(
        run.stderr.contains("password authentication failed"),
        "{}",
        run.stderr
    );
    server.stop().await;
}

#[tokio::test]
async fn pgbench_in_simple_extended_and_prepared_modes() {
    const PGBENCH: &str = "/usr/bin/pgbench";
    if !Path::new(PGBENCH).exists() {
        eprintln!("skipping: {PGBENCH} not installed");
        return;
    }
    let dir = TempDir::new("pgbench");
    let script = dir.0.join("script.sql");
    std::fs::write(&script, "BEGIN;\nSELECT 1;\nROWS 10;\nCOMMIT;\n").expect("script");
    let server = TestServer::start(config()).await;
    for mode in ["simple", "extended", "prepared"] {
        let mut cmd = tokio::process::Command::new(PGBENCH);
        cmd.env_clear()
            .env("HOME", &dir.0)
            .env("PGPASSWORD", PASSWORD)
            .args([
                "-n",
                "-c",
                "4",
                "-j",
                "2",
                "-t",
                "50",
                "-M",
                mode,
                "-h",
                "127.0.0.1",
            ])
            .args(["-p", &server.port().to_string(), "-U", USER, "-f"])
            .arg(&script)
            .arg("app")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let output = tokio::time::timeout(Duration::from_secs(60), cmd.output())
            .await
            .expect("pgbench timed out")
            .expect("pgbench output");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "mode {mode}: {stdout}\n{stderr}");
        assert!(
            stdout.contains("number of transactions actually processed: 200/200"),
            "mode {mode}: {stdout}\n{stderr}"
        );
    }
    server.stop().await;
}
