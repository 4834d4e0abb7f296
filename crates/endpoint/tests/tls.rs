//! TLS paths a PostgreSQL 15 psql cannot exercise: direct TLS (libpq 17+
//! `sslnegotiation=direct`, ALPN `postgresql`) and plaintext injected after SSLRequest.

mod common;

use std::sync::Arc;

use borealis_endpoint::tls::generate_self_signed;
use common::*;
use pgwire::tokio::tokio_rustls::rustls;
use pgwire::tokio::tokio_rustls::TlsConnector;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn connector(ca_pem: &std::path::Path, alpn: bool) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_pem).expect("ca file") {
        roots.add(cert.expect("ca cert")).expect("add root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    if alpn {
        config.alpn_protocols = vec![b"postgresql".to_vec()];
    }
    TlsConnector::from(Arc::new(config))
}

struct Dir(std::path::PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn direct_tls_with_alpn_works_and_without_alpn_is_refused() {
    let dir = Dir(std::env::temp_dir().join(format!(
        "borealis-endpoint-direct-tls-{}",
        std::process::id()
    )));
    let files = generate_self_signed(&dir.0, &["localhost"]).expect("certificates");
    let server = TestServer::start(md5_config().with_tls(files.tls_source())).await;
    let name = ServerName::try_from("localhost").expect("name");

    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let mut tls = connector(&files.ca_cert, true)
        .connect(name.clone(), tcp)
        .await
        .expect("handshake");
    login_on(&mut tls, &[]).await;
    tls.write_all(&frame(b'Q', &cstr("SELECT 1")))
        .await
        .unwrap();
    let msgs = read_until_ready(&mut tls).await;
    assert_eq!(
        msgs.iter().map(|m| m.tag).collect::<Vec<_>>(),
        b"TDCZ".to_vec()
    );

    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let mut tls = connector(&files.ca_cert, false)
        .connect(name, tcp)
        .await
        .expect("handshake");
    let msg = read_msg(&mut tls).await.expect("error");
    assert_eq!(msg.field(b'C').as_deref(), Some("08P01"));
    server.stop().await;
}

#[tokio::test]
async fn plaintext_after_ssl_request_is_refused() {
    let dir =
        Dir(std::env::temp_dir().join(format!("borealis-endpoint-inject-{}", std::process::id())));
    let files = generate_self_signed(&dir.0, &["localhost"]).expect("certificates");
    let server = TestServer::start(md5_config().with_tls(files.tls_source())).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut bytes = vec![0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
    bytes.extend(startup_packet(&[("user", USER)]));
    stream.write_all(&bytes).await.unwrap();
    let mut answer = [0u8; 1];
    stream.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"S");
    let msg = read_msg(&mut stream).await.expect("error");
    assert_eq!(msg.field(b'C').as_deref(), Some("08P01"));
    expect_eof(&mut stream).await;
    assert_healthy(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn newer_protocol_minor_version_is_negotiated_down() {
    let server = TestServer::start(md5_config()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut packet = startup_packet(&[("user", USER), ("_pq_.fancy", "on")]);
    packet[4..8].copy_from_slice(&((3u32 << 16) | 2).to_be_bytes());
    stream.write_all(&packet).await.unwrap();
    let msg = read_msg(&mut stream).await.expect("negotiate");
    assert_eq!(msg.tag, b'v');
    assert_eq!(&msg.body[..4], &(3u32 << 16).to_be_bytes());
    assert_eq!(read_msg(&mut stream).await.expect("auth").tag, b'R');
    server.stop().await;
}
