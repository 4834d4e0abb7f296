//! TLS for the endpoint: a rustls server configuration (ring provider) from PEM, and a helper
//! that creates a self-signed CA plus a server certificate for local clusters and tests.
//!
//! The certificate PEM is also kept for SCRAM-SHA-256-PLUS channel binding
//! (`tls-server-end-point` hashes the server's leaf certificate).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pgwire::tokio::tokio_rustls::rustls;
use pgwire::tokio::tokio_rustls::TlsAcceptor;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::TlsSource;
use crate::error::EndpointError;

/// The ALPN protocol name PostgreSQL registered; required for direct TLS connections.
pub const ALPN_POSTGRESQL: &[u8] = b"postgresql";

/// A ready TLS acceptor and the PEM of the certificate chain it presents.
#[derive(Clone)]
pub struct TlsSetup {
    pub acceptor: TlsAcceptor,
    pub cert_pem: Vec<u8>,
}

fn read(path: &Path) -> Result<Vec<u8>, EndpointError> {
    std::fs::read(path).map_err(|e| EndpointError::Tls(format!("read {}: {e}", path.display())))
}

/// Build the acceptor from PEM files or PEM bytes.
pub fn load(source: &TlsSource) -> Result<TlsSetup, EndpointError> {
    let (cert_pem, key_pem) = match source {
        TlsSource::Files {
            cert_path,
            key_path,
        } => (read(cert_path)?, read(key_path)?),
        TlsSource::Pem { cert_pem, key_pem } => (cert_pem.clone(), key_pem.clone()),
    };
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| EndpointError::Tls(format!("parse certificate PEM: {e}")))?;
    if certs.is_empty() {
        return Err(EndpointError::Tls("no certificate in PEM".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| EndpointError::Tls(format!("parse private key PEM: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| EndpointError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| EndpointError::Tls(format!("certificate and key: {e}")))?;
    let mut config = config;
    // Clients that offer ALPN (libpq 17+) must offer this one; older clients offer none.
    config.alpn_protocols = vec![ALPN_POSTGRESQL.to_vec()];
    Ok(TlsSetup {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        cert_pem,
    })
}

/// Files written by [`generate_self_signed`].
#[derive(Debug, Clone)]
pub struct SelfSignedFiles {
    /// The CA certificate: give it to clients as `sslrootcert`.
    pub ca_cert: PathBuf,
    /// The server certificate (leaf), signed by the CA.
    pub server_cert: PathBuf,
    /// The server's private key (PKCS#8), mode 0600.
    pub server_key: PathBuf,
}

impl SelfSignedFiles {
    pub fn tls_source(&self) -> TlsSource {
        TlsSource::Files {
            cert_path: self.server_cert.clone(),
            key_path: self.server_key.clone(),
        }
    }
}

fn rcgen_err(e: rcgen::Error) -> EndpointError {
    EndpointError::Tls(format!("generate certificate: {e}"))
}

fn write(path: &Path, contents: &str, private: bool) -> Result<(), EndpointError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options
        .open(path)
        .map_err(|e| EndpointError::Tls(format!("create {}: {e}", path.display())))?;
    file.write_all(contents.as_bytes())
        .map_err(|e| EndpointError::Tls(format!("write {}: {e}", path.display())))
}

/// Create a self-signed CA and a server certificate for `hostnames` (DNS names or IP
/// addresses, e.g. `["localhost", "127.0.0.1"]`), and write `ca.pem`, `server.pem` and
/// `server.key` into `dir`. ECDSA P-256 keys; valid until rcgen's far-future default.
pub fn generate_self_signed(
    dir: &Path,
    hostnames: &[&str],
) -> Result<SelfSignedFiles, EndpointError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };

    if hostnames.is_empty() {
        return Err(EndpointError::Tls(
            "at least one host name is needed".into(),
        ));
    }
    let ca_key = KeyPair::generate().map_err(rcgen_err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(rcgen_err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Borealis local CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(rcgen_err)?;

    let server_key = KeyPair::generate().map_err(rcgen_err)?;
    let names: Vec<String> = hostnames.iter().map(|h| (*h).to_owned()).collect();
    let mut params = CertificateParams::new(names).map_err(rcgen_err)?;
    params
        .distinguished_name
        .push(DnType::CommonName, hostnames[0]);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = params
        .signed_by(&server_key, &ca_cert, &ca_key)
        .map_err(rcgen_err)?;

    std::fs::create_dir_all(dir)
        .map_err(|e| EndpointError::Tls(format!("create {}: {e}", dir.display())))?;
    let files = SelfSignedFiles {
        ca_cert: dir.join("ca.pem"),
        server_cert: dir.join("server.pem"),
        server_key: dir.join("server.key"),
    };
    write(&files.ca_cert, &ca_cert.pem(), false)?;
    write(&files.server_cert, &server_cert.pem(), false)?;
    write(&files.server_key, &server_key.serialize_pem(), true)?;
    Ok(files)
}

/// Reuses the certificate files in `dir` when all three exist (so clients
/// keep trusting the same CA across restarts), else generates them.
pub fn load_or_generate(dir: &Path, hostnames: &[&str]) -> Result<SelfSignedFiles, EndpointError> {
    let files = SelfSignedFiles {
        ca_cert: dir.join("ca.pem"),
        server_cert: dir.join("server.pem"),
        server_key: dir.join("server.key"),
    };
    if files.ca_cert.exists() && files.server_cert.exists() && files.server_key.exists() {
        return Ok(files);
    }
    generate_self_signed(dir, hostnames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_load() {
        let dir = std::env::temp_dir().join(format!("borealis-tls-unit-{}", std::process::id()));
        let files = generate_self_signed(&dir, &["localhost", "127.0.0.1"]).expect("generate");
        let setup = load(&files.tls_source()).expect("load");
        assert!(!setup.cert_pem.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
