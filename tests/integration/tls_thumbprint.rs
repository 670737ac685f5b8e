//! `irsa_tls_thumbprint` against local HTTPS servers on 127.0.0.1 whose
//! root -> intermediate -> leaf chain the test makes with rcgen. The expected
//! thumbprints come from `openssl x509 -fingerprint -sha1`, not from the
//! provider's code.

use std::process::Command;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

use crate::support::{per_version, Install, TfVersion, Workdir};

/// A root -> intermediate -> leaf chain for `127.0.0.1`.
pub struct Chain {
    pub root_pem: String,
    pub intermediate_pem: String,
    pub root_der: CertificateDer<'static>,
    pub intermediate_der: CertificateDer<'static>,
    pub leaf_der: CertificateDer<'static>,
    pub leaf_key: Vec<u8>,
}

fn ca_params(name: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p
}

pub fn make_chain() -> Chain {
    let root_key = KeyPair::generate().unwrap();
    let root_params = ca_params("irsa test root");
    let root = root_params.self_signed(&root_key).unwrap();
    let root_issuer = Issuer::new(root_params, &root_key);

    let inter_key = KeyPair::generate().unwrap();
    let inter_params = ca_params("irsa test intermediate");
    let inter = inter_params.signed_by(&inter_key, &root_issuer).unwrap();
    let inter_issuer = Issuer::new(inter_params, &inter_key);

    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let leaf = leaf_params.signed_by(&leaf_key, &inter_issuer).unwrap();

    Chain {
        root_pem: root.pem(),
        intermediate_pem: inter.pem(),
        root_der: root.der().clone(),
        intermediate_der: inter.der().clone(),
        leaf_der: leaf.der().clone(),
        leaf_key: leaf_key.serialize_der(),
    }
}

/// Serves TLS with `certs` (leaf first) on 127.0.0.1 from a thread of its
/// own until the test process ends; returns the port.
pub fn serve(certs: Vec<CertificateDer<'static>>, key: Vec<u8>) -> u16 {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let config = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(certs, PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)))
                .unwrap();
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap().port()).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _ = acceptor.accept(tcp).await;
                });
            }
        });
    });
    rx.recv().unwrap()
}

/// `openssl x509 -fingerprint -sha1` of a PEM certificate, as 40 lower-case
/// hex digits.
pub fn openssl_sha1(pem: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.pem");
    std::fs::write(&file, pem).unwrap();
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha1", "-in"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "openssl failed (is it installed?)");
    let text = String::from_utf8(out.stdout).unwrap();
    let hex = text.trim().rsplit('=').next().unwrap().replace(':', "");
    assert_eq!(hex.len(), 40, "{text}");
    hex.to_lowercase()
}

#[tokio::test]
async fn the_last_presented_certificate_is_fingerprinted() {
    let chain = make_chain();
    let without_root = serve(
        vec![chain.leaf_der.clone(), chain.intermediate_der.clone()],
        chain.leaf_key.clone(),
    );
    let with_root = serve(
        vec![
            chain.leaf_der.clone(),
            chain.intermediate_der.clone(),
            chain.root_der.clone(),
        ],
        chain.leaf_key.clone(),
    );
    let url = |port: u16| format!("https://127.0.0.1:{port}/issuer");

    let t = irsa::tls::top_certificate_thumbprint(&url(without_root), Some(&chain.root_pem))
        .await
        .unwrap();
    assert_eq!(t, openssl_sha1(&chain.intermediate_pem));

    let t = irsa::tls::top_certificate_thumbprint(&url(with_root), Some(&chain.root_pem))
        .await
        .unwrap();
    assert_eq!(t, openssl_sha1(&chain.root_pem));

    // Not publicly trusted, and no CA given: refused, with the hint.
    let e = irsa::tls::top_certificate_thumbprint(&url(without_root), None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("ca_certificate_pem"), "{e}");
}

/// `required_providers` for irsa and an empty provider block.
pub const HEADER: &str = r#"
terraform {
  required_providers {
    irsa = { source = "irsa/irsa" }
  }
}
provider "irsa" {}
"#;

fn data_source_through_terraform(version: TfVersion) {
    let chain = make_chain();
    let port = serve(
        vec![chain.leaf_der.clone(), chain.intermediate_der.clone()],
        chain.leaf_key.clone(),
    );
    let expected = openssl_sha1(&chain.intermediate_pem);
    let root = serde_json::to_string(&chain.root_pem).unwrap();
    let wd = Workdir::new(version, Install::DevOverrides);
    wd.write(
        "main.tf",
        &format!(
            r#"{HEADER}
data "irsa_tls_thumbprint" "this" {{
  url                = "https://127.0.0.1:{port}/issuer"
  ca_certificate_pem = {root}
}}
output "thumbprint" {{ value = data.irsa_tls_thumbprint.this.thumbprint }}
"#
        ),
    );
    wd.apply_ok();
    assert_eq!(
        wd.output("thumbprint"),
        serde_json::json!(expected),
        "{version:?}"
    );

    wd.write(
        "main.tf",
        &format!(
            "{HEADER}\ndata \"irsa_tls_thumbprint\" \"this\" {{\n  url = \"http://127.0.0.1:{port}\"\n}}\n"
        ),
    );
    let out = wd.plan().assert_failure();
    assert!(
        out.combined().contains("https:// URL"),
        "{version:?}: {out}"
    );
    assert!(out.combined().contains("url"), "{version:?}: {out}");
}
per_version!(data_source_through_terraform);
