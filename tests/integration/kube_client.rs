//! Cluster access (src/kube) through the real kube client crate, against the
//! stand-in HTTPS API server of tests/integration/support/kube_apiserver.rs
//! (no real kube-apiserver can run here; see that file).

use irsa::kube::{Cluster, Connection, KubeError};

use crate::support::kube_apiserver::KubeApiServer;

const TOKEN: &str = "s3cr3t-token";
const PUB_PEM: &str =
    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";

fn direct(server: &KubeApiServer, token: &str) -> Connection {
    Connection {
        host: Some(server.host()),
        token: Some(token.into()),
        cluster_ca_certificate: Some(server.ca_pem().into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn reads_one_key_of_the_cluster_api_secret_through_a_kubeconfig() {
    let server = KubeApiServer::start(TOKEN);
    server.put_secret(
        "tkg-system",
        "work-1-sa",
        &[("tls.crt", PUB_PEM.as_bytes()), ("tls.key", b"PRIVATE")],
    );
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path(), TOKEN);
    let conn = Connection {
        config_path: Some(kubeconfig.display().to_string()),
        config_context: Some("stand-in".into()),
        ..Default::default()
    };
    let cluster = Cluster::connect(&conn).await.unwrap();
    assert_eq!(cluster.host(), server.host());
    let pem = cluster
        .secret_value("tkg-system", "work-1-sa", "tls.crt")
        .await
        .unwrap();
    assert_eq!(pem, PUB_PEM);
    assert_eq!(
        server.requests(),
        vec!["GET /api/v1/namespaces/tkg-system/secrets/work-1-sa"]
    );
}

#[tokio::test]
async fn the_kubeconfig_current_context_is_used_when_none_is_named() {
    // The stand-in kubeconfig's current context has a user with no token.
    let server = KubeApiServer::start(TOKEN);
    server.put_secret("default", "c-sa", &[("tls.crt", PUB_PEM.as_bytes())]);
    let dir = tempfile::tempdir().unwrap();
    let conn = Connection {
        config_path: Some(
            server
                .write_kubeconfig(dir.path(), TOKEN)
                .display()
                .to_string(),
        ),
        ..Default::default()
    };
    let err = Cluster::connect(&conn)
        .await
        .unwrap()
        .secret_value("default", "c-sa", "tls.crt")
        .await
        .unwrap_err();
    assert!(matches!(err, KubeError::Unauthorized { .. }), "{err}");
}

#[tokio::test]
async fn host_token_and_ca_work_without_a_kubeconfig() {
    let server = KubeApiServer::start(TOKEN);
    server.put_secret("default", "c-sa", &[("tls.crt", PUB_PEM.as_bytes())]);
    let cluster = Cluster::connect(&direct(&server, TOKEN)).await.unwrap();
    assert_eq!(
        cluster
            .secret_value("default", "c-sa", "tls.crt")
            .await
            .unwrap(),
        PUB_PEM
    );
}

#[tokio::test]
async fn a_missing_secret_names_namespace_secret_and_host() {
    let server = KubeApiServer::start(TOKEN);
    let cluster = Cluster::connect(&direct(&server, TOKEN)).await.unwrap();
    let err = cluster
        .secret_value("tkg-system", "nope-sa", "tls.crt")
        .await
        .unwrap_err();
    assert!(matches!(err, KubeError::SecretNotFound { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("tkg-system/nope-sa") && msg.contains(&server.host()),
        "{msg}"
    );
}

#[tokio::test]
async fn a_missing_key_lists_the_keys_present() {
    let server = KubeApiServer::start(TOKEN);
    server.put_secret(
        "default",
        "c-sa",
        &[("ca.crt", b"x"), ("tls.key", b"PRIVATE")],
    );
    let cluster = Cluster::connect(&direct(&server, TOKEN)).await.unwrap();
    let err = cluster
        .secret_value("default", "c-sa", "tls.crt")
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, KubeError::KeyMissing { .. }), "{msg}");
    assert!(
        msg.contains("\"tls.crt\"") && msg.contains("ca.crt, tls.key"),
        "{msg}"
    );
    assert!(
        !msg.contains("PRIVATE"),
        "secret values never appear in errors"
    );
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized() {
    let server = KubeApiServer::start(TOKEN);
    let cluster = Cluster::connect(&direct(&server, "wrong")).await.unwrap();
    let err = cluster
        .secret_value("default", "c-sa", "tls.crt")
        .await
        .unwrap_err();
    assert!(matches!(err, KubeError::Unauthorized { .. }), "{err}");
    assert!(
        !err.to_string().contains("wrong"),
        "the token never appears in errors"
    );
}

#[tokio::test]
async fn an_unreachable_cluster_fails_fast_with_the_host() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let conn = Connection {
        host: Some(format!("https://127.0.0.1:{port}")),
        token: Some("t".into()),
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let err = Cluster::connect(&conn)
        .await
        .unwrap()
        .apiserver_jwks()
        .await
        .unwrap_err();
    assert!(matches!(err, KubeError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains(&format!("127.0.0.1:{port}")));
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
}

#[tokio::test]
async fn a_server_certificate_from_another_ca_is_refused() {
    let server = KubeApiServer::start(TOKEN);
    let other = KubeApiServer::start(TOKEN);
    let conn = Connection {
        cluster_ca_certificate: Some(other.ca_pem().into()),
        ..direct(&server, TOKEN)
    };
    let err = Cluster::connect(&conn)
        .await
        .unwrap()
        .apiserver_jwks()
        .await
        .unwrap_err();
    assert!(matches!(err, KubeError::Unreachable { .. }), "{err}");
    assert!(
        server.requests().is_empty(),
        "no request may reach an unverified server"
    );
}

#[tokio::test]
async fn the_apiserver_jwks_is_read_raw() {
    let server = KubeApiServer::start(TOKEN);
    let cluster = Cluster::connect(&direct(&server, TOKEN)).await.unwrap();
    let err = cluster.apiserver_jwks().await.unwrap_err();
    assert!(
        matches!(err, KubeError::JwksUnavailable { status: 404, .. }),
        "{err}"
    );
    let doc =
        r#"{"keys":[{"use":"sig","kty":"RSA","kid":"abc","alg":"RS256","n":"xyz","e":"AQAB"}]}"#;
    server.set_jwks(Some(doc));
    assert_eq!(cluster.apiserver_jwks().await.unwrap(), doc);
}

#[tokio::test]
async fn aws_and_kube_clients_share_one_process_without_a_crypto_provider_panic() {
    // The AWS SDK and kube both use rustls. If two crypto providers were
    // compiled in and none installed, rustls would panic on first use with
    // "Could not automatically determine the process-level CryptoProvider".
    // Nothing in this test process installs one.
    let _aws = irsa::aws::connect(&irsa::aws::Settings {
        region: Some("us-east-1".into()),
        ..Default::default()
    })
    .await;
    let server = KubeApiServer::start(TOKEN);
    server.put_secret("default", "c-sa", &[("tls.crt", PUB_PEM.as_bytes())]);
    let cluster = Cluster::connect(&direct(&server, TOKEN)).await.unwrap();
    assert_eq!(
        cluster
            .secret_value("default", "c-sa", "tls.crt")
            .await
            .unwrap(),
        PUB_PEM
    );
}
