//! The go-plugin handshake, as Terraform's plugin client expects it.
//!
//! 1. Terraform starts the plugin with a magic cookie in the environment. A
//!    plugin started by hand refuses to run and says why.
//! 2. `PLUGIN_PROTOCOL_VERSIONS` lists the protocol versions Terraform
//!    speaks; this provider speaks 6 (Terraform 1.0 and later).
//! 3. AutoMTLS: Terraform passes its client certificate in
//!    `PLUGIN_CLIENT_CERT`. The plugin makes a fresh self-signed server
//!    certificate, and accepts only connections that present exactly
//!    Terraform's certificate.
//! 4. The plugin listens on a unix socket in a private directory and prints
//!    one line on stdout: `1|6|unix|<socket>|grpc|<server cert>`, the
//!    certificate as unpadded standard base64 of its DER. Nothing else is
//!    ever written to stdout.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The go-plugin core protocol version, first field of the handshake line.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The tfplugin major version this provider speaks.
pub const PROTOCOL_VERSION: u32 = 6;

/// Why the plugin cannot start or serve.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// Started without the magic cookie, i.e. not by Terraform.
    #[error(
        "This binary is a Terraform provider plugin (terraform-provider-irsa). It is not meant to be run directly: \
         Terraform starts it when a configuration uses the irsa provider. See the README for how to install it. To \
         check an issuer's trust chain from a shell, run `terraform-provider-irsa check --help`."
    )]
    NotLaunchedByTerraform,
    /// Terraform does not offer protocol 6.
    #[error(
        "terraform-provider-irsa speaks plugin protocol {PROTOCOL_VERSION}, but this Terraform offers only {offered:?}. \
         Use Terraform 1.0 or later."
    )]
    UnsupportedProtocol { offered: String },
    /// Terraform did not pass a client certificate.
    #[error(
        "PLUGIN_CLIENT_CERT is not set: terraform-provider-irsa only serves mutual TLS with the client certificate \
         Terraform passes. Start it through Terraform."
    )]
    MissingClientCert,
    /// The client certificate in the environment is not a PEM certificate.
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    BadClientCert(String),
    /// The server certificate or TLS configuration could not be made.
    #[error("setting up TLS failed: {0}")]
    Tls(String),
    /// The socket could not be created.
    #[error("creating the plugin socket failed: {0}")]
    Io(#[source] std::io::Error),
    /// The gRPC server stopped with an error.
    #[error("serving failed: {0}")]
    Serve(String),
}

/// The parts of the environment the handshake reads.
#[derive(Clone, Debug, Default)]
pub struct PluginEnv {
    pub magic_cookie: Option<String>,
    pub protocol_versions: Option<String>,
    pub client_cert: Option<String>,
    pub socket_dir: Option<PathBuf>,
}

impl PluginEnv {
    pub fn from_process() -> PluginEnv {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        PluginEnv {
            magic_cookie: var(MAGIC_COOKIE_KEY),
            protocol_versions: var("PLUGIN_PROTOCOL_VERSIONS"),
            client_cert: var("PLUGIN_CLIENT_CERT"),
            socket_dir: var("PLUGIN_UNIX_SOCKET_DIR").map(PathBuf::from),
        }
    }
}

/// What the handshake agreed on.
#[derive(Clone, Debug)]
pub struct Negotiated {
    pub client_cert_pem: String,
    pub socket_dir: Option<PathBuf>,
}

/// Check the cookie, the protocol version and the client certificate.
pub fn negotiate(env: &PluginEnv) -> Result<Negotiated, HandshakeError> {
    if env.magic_cookie.as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(HandshakeError::NotLaunchedByTerraform);
    }
    if let Some(offered) = &env.protocol_versions {
        let speaks_ours = offered
            .split(',')
            .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
        if !speaks_ours {
            return Err(HandshakeError::UnsupportedProtocol {
                offered: offered.clone(),
            });
        }
    }
    let client_cert_pem = env
        .client_cert
        .clone()
        .ok_or(HandshakeError::MissingClientCert)?;
    Ok(Negotiated {
        client_cert_pem,
        socket_dir: env.socket_dir.clone(),
    })
}

/// The server side of AutoMTLS.
pub struct ServerTls {
    pub config: Arc<rustls::ServerConfig>,
    /// DER of the server certificate, announced in the handshake line.
    pub cert_der: Vec<u8>,
}

/// Make a fresh server certificate and a TLS configuration that requires the
/// given client certificate.
pub fn server_tls(client_cert_pem: &str) -> Result<ServerTls, HandshakeError> {
    let client_cert = CertificateDer::from_pem_slice(client_cert_pem.as_bytes())
        .map_err(|e| HandshakeError::BadClientCert(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());

    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(tls_err)?;
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned()]).map_err(tls_err)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "terraform-provider-irsa");
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.self_signed(&key).map_err(tls_err)?;
    let cert_der = cert.der().to_vec();
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));

    let verifier = Arc::new(PinnedClientCert {
        expected: client_cert,
        algorithms: provider.signature_verification_algorithms,
    });
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![CertificateDer::from(cert_der.clone())], key_der)
        .map_err(tls_err)?;
    // gRPC clients insist on HTTP/2 being negotiated through ALPN.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(ServerTls {
        config: Arc::new(config),
        cert_der,
    })
}

fn tls_err(e: impl std::fmt::Display) -> HandshakeError {
    HandshakeError::Tls(e.to_string())
}

/// Accepts a client only if it presents exactly the expected certificate and
/// proves it holds the key. Terraform's certificate is self-signed and marked
/// as a CA, so ordinary path validation would refuse it as an end entity;
/// pinning the exact bytes is both simpler and stricter.
#[derive(Debug)]
struct PinnedClientCert {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A private directory holding the plugin's socket, removed on drop.
pub struct SocketDir {
    dir: PathBuf,
    path: PathBuf,
}

impl SocketDir {
    pub fn create(base: Option<&Path>) -> Result<SocketDir, HandshakeError> {
        use std::os::unix::fs::DirBuilderExt;
        let base = base
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos();
        let dir = base.join(format!("plugin-irsa-{}-{nanos:x}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(HandshakeError::Io)?;
        let path = dir.join("plugin.sock");
        Ok(SocketDir { dir, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// The line Terraform reads from the plugin's stdout.
pub fn handshake_line(socket: &Path, cert_der: &[u8]) -> String {
    let cert = base64::engine::general_purpose::STANDARD_NO_PAD.encode(cert_der);
    format!(
        "{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|unix|{}|grpc|{cert}",
        socket.display()
    )
}

/// Print the handshake line; the only thing this process writes to stdout.
pub fn announce(socket: &Path, cert_der: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", handshake_line(socket, cert_der));
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> PluginEnv {
        PluginEnv {
            magic_cookie: Some(MAGIC_COOKIE_VALUE.into()),
            protocol_versions: Some("5,6".into()),
            client_cert: Some("pem".into()),
            socket_dir: None,
        }
    }

    #[test]
    fn refuses_to_run_without_the_cookie() {
        let e = negotiate(&PluginEnv {
            magic_cookie: None,
            ..env()
        })
        .unwrap_err();
        assert!(matches!(e, HandshakeError::NotLaunchedByTerraform));
        assert!(e.to_string().contains("not meant to be run directly"));
        let wrong = PluginEnv {
            magic_cookie: Some("nope".into()),
            ..env()
        };
        assert!(matches!(
            negotiate(&wrong),
            Err(HandshakeError::NotLaunchedByTerraform)
        ));
    }

    #[test]
    fn negotiates_protocol_six_only() {
        assert!(negotiate(&env()).is_ok());
        assert!(negotiate(&PluginEnv {
            protocol_versions: Some("6".into()),
            ..env()
        })
        .is_ok());
        let e = negotiate(&PluginEnv {
            protocol_versions: Some("4,5".into()),
            ..env()
        })
        .unwrap_err();
        assert!(
            matches!(e, HandshakeError::UnsupportedProtocol { .. }),
            "{e}"
        );
    }

    #[test]
    fn client_certificate_is_required() {
        let e = negotiate(&PluginEnv {
            client_cert: None,
            ..env()
        })
        .unwrap_err();
        assert!(matches!(e, HandshakeError::MissingClientCert));
        assert!(matches!(
            server_tls("not a pem"),
            Err(HandshakeError::BadClientCert(_))
        ));
    }

    #[test]
    fn line_has_six_fields_and_unpadded_base64() {
        let line = handshake_line(Path::new("/tmp/x/plugin.sock"), &[1, 2, 3, 4]);
        assert_eq!(line, "1|6|unix|/tmp/x/plugin.sock|grpc|AQIDBA");
    }

    #[test]
    fn server_config_offers_h2_and_a_localhost_certificate() {
        let client = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let tls = server_tls(&client.cert.pem()).unwrap();
        assert_eq!(tls.config.alpn_protocols, vec![b"h2".to_vec()]);
        assert!(!tls.cert_der.is_empty());
    }

    #[test]
    fn socket_dir_is_private_and_removed() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().unwrap();
        let dir = SocketDir::create(Some(base.path())).unwrap();
        let parent = dir.path().parent().unwrap().to_path_buf();
        assert_eq!(
            std::fs::metadata(&parent).unwrap().permissions().mode() & 0o777,
            0o700
        );
        drop(dir);
        assert!(!parent.exists());
    }
}
