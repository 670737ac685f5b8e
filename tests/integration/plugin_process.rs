//! The provider binary as Terraform's plugin client sees it: started with the
//! magic cookie and a client certificate, it announces a unix socket and
//! serves mutual TLS. These tests act as that client, with a P-521 client
//! certificate like the one go-plugin makes.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use hyper_util::rt::TokioIo;
use irsa::tfplugin::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use irsa::tfplugin::proto;
use irsa::tfplugin::proto::plugin;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tonic::transport::{Channel, Endpoint, Uri};

const BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-irsa");

struct ClientIdentity {
    cert_pem: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

fn client_identity() -> ClientIdentity {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let cert = params.self_signed(&key).unwrap();
    ClientIdentity {
        cert_pem: cert.pem(),
        cert_der: cert.der().to_vec(),
        key_der: key.serialize_der(),
    }
}

struct Plugin {
    child: Child,
    socket: PathBuf,
    server_cert: Vec<u8>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(identity: &ClientIdentity) -> Plugin {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", &identity.cert_pem)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "handshake took {:?}",
        started.elapsed()
    );
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "handshake line: {line:?}");
    assert_eq!(&fields[..3], ["1", "6", "unix"]);
    assert_eq!(fields[4], "grpc");
    let server_cert = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(fields[5])
        .unwrap();
    Plugin {
        child,
        socket: PathBuf::from(fields[3]),
        server_cert,
    }
}

async fn connect(
    plugin: &Plugin,
    identity: Option<&ClientIdentity>,
) -> Result<Channel, tonic::transport::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(plugin.server_cert.clone()))
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match identity {
        Some(id) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from(id.cert_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_der.clone())),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let socket = plugin.socket.clone();
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let (connector, socket) = (connector.clone(), socket.clone());
            async move {
                let stream = tokio::net::UnixStream::connect(socket).await?;
                let tls = connector
                    .connect(ServerName::try_from("localhost").unwrap(), stream)
                    .await?;
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        }))
        .await
}

async fn schema_call(
    channel: Channel,
) -> Result<proto::get_provider_schema::Response, tonic::Status> {
    let mut client = proto::provider_client::ProviderClient::new(channel);
    client
        .get_provider_schema(proto::get_provider_schema::Request {})
        .await
        .map(|r| r.into_inner())
}

#[test]
fn run_by_hand_it_explains_and_exits_1() {
    let out = Command::new(BIN)
        .env_remove(MAGIC_COOKIE_KEY)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("not meant to be run directly"), "{msg}");
}

#[test]
fn without_a_client_certificate_it_refuses_to_start() {
    let out = Command::new(BIN)
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env_remove("PLUGIN_CLIENT_CERT")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PLUGIN_CLIENT_CERT"));
}

#[test]
fn an_older_protocol_only_terraform_is_refused() {
    let id = client_identity();
    let out = Command::new(BIN)
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .env("PLUGIN_CLIENT_CERT", &id.cert_pem)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("protocol 6"));
}

#[tokio::test]
async fn serves_mtls_survives_sigint_and_shuts_down_on_request() {
    let id = client_identity();
    let mut plugin = start(&id);

    let channel = connect(&plugin, Some(&id)).await.expect("mTLS connection");
    let schema = schema_call(channel.clone()).await.unwrap();
    assert!(schema.provider.is_some());

    // Ctrl-C in a terminal reaches the provider too; it must keep serving.
    let pid = plugin.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        plugin.child.try_wait().unwrap().is_none(),
        "provider died on SIGINT"
    );
    schema_call(channel.clone())
        .await
        .expect("still serving after SIGINT");

    // go-plugin's health check.
    let mut health = proto::health::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(proto::health::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        status.into_inner().status,
        proto::health::health_check_response::ServingStatus::Serving as i32
    );

    // Shutdown ends the process and removes the socket directory.
    let mut controller = plugin::grpc_controller_client::GrpcControllerClient::new(channel);
    controller.shutdown(plugin::Empty {}).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(s) = plugin.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "provider did not exit after Shutdown"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success());
    assert!(
        !plugin.socket.parent().unwrap().exists(),
        "socket directory left behind"
    );
    let mut stdout_rest = String::new();
    if let Some(mut out) = plugin.child.stdout.take() {
        std::io::Read::read_to_string(&mut out, &mut stdout_rest).unwrap();
    }
    assert!(
        stdout_rest.is_empty(),
        "only the handshake line may go to stdout"
    );
}

#[tokio::test]
async fn a_client_without_the_expected_certificate_is_refused() {
    let id = client_identity();
    let plugin = start(&id);
    match connect(&plugin, None).await {
        Err(_) => {}
        // TLS 1.3 may finish the client side before the server's refusal
        // arrives; the first call must then fail.
        Ok(ch) => assert!(
            schema_call(ch).await.is_err(),
            "served a client with no certificate"
        ),
    }
    let stranger = client_identity();
    match connect(&plugin, Some(&stranger)).await {
        Err(_) => {}
        Ok(ch) => assert!(
            schema_call(ch).await.is_err(),
            "served a client with another certificate"
        ),
    }
    // The rightful client still gets in.
    let ch = connect(&plugin, Some(&id)).await.unwrap();
    assert!(schema_call(ch).await.is_ok());
}
