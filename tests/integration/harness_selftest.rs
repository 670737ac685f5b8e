//! Checks the test harness itself (tests/integration/support, scripts/); needs
//! no working provider.

use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use k8s_openapi::api::core::v1::ServiceAccount;

use crate::support::kube_apiserver::KubeApiServer;
use crate::support::public_https::{lets_cloudfront_read, s3_path, PublicEndpoint, PublicRequest};
use crate::support::trust_chain::{verify_with_jwks, SigningKey};
use crate::support::{per_version, random_suffix, Install, Moto, TfVersion, Workdir};

fn terraform_versions_report_expected_version(version: TfVersion) {
    let v = version.version();
    assert!(
        v.starts_with(version.expected_prefix()),
        "{version}: reports {v}"
    );
    if version == TfVersion::V1_0_3 {
        assert_eq!(v, "1.0.3");
    }
}
per_version!(terraform_versions_report_expected_version);

fn terraform_version_runs_through_workdir(version: TfVersion) {
    let wd = Workdir::new(version, Install::DevOverrides);
    let out = wd.run(&["version"]).assert_success();
    let first = out.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("Terraform v{}", version.expected_prefix())),
        "{version}: unexpected `terraform version` output:\n{out}"
    );
}
per_version!(terraform_version_runs_through_workdir);

const LOCALS_ONLY: &str = r#"
locals {
  words = ["irsa", "harness"]
}

output "joined" {
  value = join("-", local.words)
}

output "doubled" {
  value = [for n in [1, 2, 3] : n * 2]
}
"#;

fn config_without_provider_applies_on_every_version_and_install(version: TfVersion) {
    for install in Install::all() {
        let wd = Workdir::new(version, install);
        wd.write("main.tf", LOCALS_ONLY);
        if install == Install::Mirror {
            wd.init_ok();
        }
        wd.validate_ok();
        assert_eq!(
            wd.plan_exit_code(),
            2,
            "{version}/{install:?}: changes pending"
        );
        wd.apply_ok();
        assert_eq!(
            wd.plan_exit_code(),
            0,
            "{version}/{install:?}: no changes after apply"
        );

        let outputs = wd.output_json();
        assert_eq!(outputs["joined"]["value"], "irsa-harness", "{outputs:#}");
        assert_eq!(wd.output("doubled"), serde_json::json!([2, 4, 6]));

        let state = wd.show_json();
        assert_eq!(
            state["values"]["outputs"]["joined"]["value"], "irsa-harness",
            "{version}/{install:?}: {state:#}"
        );
        wd.destroy_ok();
    }
}
per_version!(config_without_provider_applies_on_every_version_and_install);

fn failing_command_is_inspectable(version: TfVersion) {
    let wd = Workdir::new(version, Install::DevOverrides);
    wd.write("main.tf", "output \"x\" {\n  value = local.missing\n}\n");
    let out = wd.plan().assert_failure();
    assert_eq!(out.code, Some(1), "{out}");
    assert!(
        out.stderr.contains("Reference to undeclared local value"),
        "{version}: {out}"
    );
    assert_eq!(wd.plan_exit_code(), 1);
}
per_version!(failing_command_is_inspectable);

fn mirror_init_finds_the_provider(version: TfVersion) {
    let wd = Workdir::new(version, Install::Mirror);
    wd.write(
        "main.tf",
        r#"
terraform {
  required_providers {
    irsa = {
      source  = "registry.terraform.io/irsa/irsa"
      version = "0.1.0"
    }
  }
}
"#,
    );
    let out = wd.init_ok();
    assert!(
        out.stdout.contains("Installing irsa/irsa v0.1.0"),
        "{version}: {out}"
    );
    let lock = wd.read(".terraform.lock.hcl");
    assert!(lock.contains("registry.terraform.io/irsa/irsa"), "{lock}");
}
per_version!(mirror_init_finds_the_provider);

#[test]
fn moto_selftest_passes() {
    let moto = Moto::start();
    assert!(moto.endpoint().starts_with("http://127.0.0.1:"));
    let out = moto
        .python()
        .arg("scripts/moto_selftest.py")
        .output()
        .expect("run moto_selftest.py");
    assert!(
        out.status.success(),
        "moto_selftest.py failed:\n--- stdout\n{}\n--- stderr\n{}\n--- moto log\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        moto.log()
    );
}

#[test]
fn moto_stops_on_drop() {
    let moto = Moto::start();
    let addr = format!("127.0.0.1:{}", moto.port());
    assert!(
        std::net::TcpStream::connect(&addr).is_ok(),
        "moto not listening on {addr}"
    );
    drop(moto);
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "moto still listening on {addr} after drop"
    );
}

#[test]
fn random_suffix_is_lowercase_alnum_and_unique() {
    let a: Vec<String> = (0..1000).map(|_| random_suffix()).collect();
    for s in &a {
        assert_eq!(s.len(), 10);
        assert!(
            s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            "{s}"
        );
    }
    let unique: std::collections::HashSet<_> = a.iter().collect();
    assert_eq!(unique.len(), a.len());
}

#[test]
fn moto_records_the_calls_it_receives() {
    let moto = Moto::start();
    moto.start_recording();
    let script = r#"
import boto3
s3 = boto3.client("s3")
s3.create_bucket(Bucket="rec-test")
s3.put_object(Bucket="rec-test", Key="a/b.json", Body=b"{}")
boto3.client("iam").list_roles()
"#;
    let out = moto.python().args(["-c", script]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = moto.stop_recording();
    let summary: Vec<(String, String)> = calls
        .iter()
        .map(|c| (c.service.clone(), c.action.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("s3".into(), "PUT bucket".into()),
            ("s3".into(), "PUT object".into()),
            ("iam".into(), "ListRoles".into()),
        ]
    );
    // Nothing more is recorded once stopped.
    let out = moto
        .python()
        .args(["-c", "import boto3; boto3.client('iam').list_roles()"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(moto.stop_recording().len(), 3);
}

/// A Deployment as `validate_k8s` sees it, with `spec` from `spec`.
fn deployment(spec: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": spec,
    })
}

const DEPLOYMENT_SPEC: &str = r#"{
  "selector": {"matchLabels": {"app": "web"}},
  "template": {
    "metadata": {"labels": {"app": "web"}},
    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}
  }
}"#;

#[test]
fn validate_k8s_passes_valid_objects_and_reports_the_structural_checks() {
    let mut spec: serde_json::Value = serde_json::from_str(DEPLOYMENT_SPEC).unwrap();
    spec["replicas"] = 2.into();
    let certificate = serde_json::json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"secretName": "web-cert", "issuerRef": {"name": "ca"}, "dnsNames": ["web.default.svc"]},
    });
    // Strings holding JSON, as in a `manifests` output, are objects too.
    let summary = crate::support::validate_k8s(&[deployment(spec), certificate.to_string().into()]);
    assert_eq!(summary["ok"], true, "{summary}");
    let versions = summary["versions"].as_array().unwrap();
    assert!(versions.len() >= 3 && versions[0] == "1.28", "{summary}");
    assert_eq!(summary["checks"], versions.len() + 1, "{summary}");
    assert_eq!(
        summary["structural_only"],
        serde_json::json!(["cert-manager.io/v1 Certificate default/web"])
    );
}

#[test]
#[should_panic(expected = "spec: Additional properties are not allowed ('replica' was unexpected)")]
fn validate_k8s_panics_on_an_unknown_field() {
    let mut spec: serde_json::Value = serde_json::from_str(DEPLOYMENT_SPEC).unwrap();
    spec["replica"] = 2.into();
    crate::support::validate_k8s(&[deployment(spec)]);
}

// ------------------------------------------------ the public HTTPS stand-in

/// One answer read by [`Tunnel::get`].
struct Fetched {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Fetched {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The client side, written out by hand: `CONNECT` to the proxy, TLS to
/// `host` trusting only the stand-in's CA, then HTTP/1.1 requests.
struct Tunnel {
    stream: tokio::io::BufReader<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>,
    host: String,
}

impl Tunnel {
    async fn open(endpoint: &PublicEndpoint, host: &str) -> Tunnel {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let proxy = endpoint.proxy_url();
        let mut sock = tokio::net::TcpStream::connect(proxy.strip_prefix("http://").unwrap())
            .await
            .unwrap();
        sock.write_all(
            format!("CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8];
            assert_eq!(sock.read(&mut byte).await.unwrap(), 1, "proxy closed");
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).unwrap();
        assert!(
            head.starts_with("HTTP/1.1 200 Connection established\r\n"),
            "{head}"
        );

        let mut roots = rustls::RootCertStore::empty();
        let ca = pem::parse(endpoint.ca_pem()).unwrap();
        roots
            .add(rustls::pki_types::CertificateDer::from(
                ca.contents().to_vec(),
            ))
            .unwrap();
        let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
        let name = rustls::pki_types::ServerName::try_from(host.to_owned()).unwrap();
        let tls = connector.connect(name, sock).await.unwrap();
        Tunnel {
            stream: tokio::io::BufReader::new(tls),
            host: host.to_owned(),
        }
    }

    async fn get(&mut self, path: &str, extra_headers: &str) -> Fetched {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\n{extra_headers}\r\n",
            self.host
        );
        self.stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .unwrap();
        let mut status_line = String::new();
        self.stream.read_line(&mut status_line).await.unwrap();
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line: {status_line:?}"));
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).await.unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':').unwrap();
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
        let mut fetched = Fetched {
            status,
            headers,
            body: Vec::new(),
        };
        let length: usize = fetched
            .header("content-length")
            .expect("Content-Length")
            .parse()
            .unwrap();
        fetched.body = vec![0; length];
        self.stream.read_exact(&mut fetched.body).await.unwrap();
        fetched
    }

    /// True once the server has closed the connection.
    async fn closed(&mut self) -> bool {
        use tokio::io::AsyncReadExt;
        let mut rest = Vec::new();
        matches!(self.stream.read_to_end(&mut rest).await, Ok(0))
    }
}

/// A bucket in the shared moto with a public discovery document under
/// `id/`, a public JWKS and a private object. Returns the bucket's name.
fn public_issuer_bucket(moto: &Moto) -> String {
    let bucket = format!("pub-{}", random_suffix());
    moto.boto(&format!(
        "s3.create_bucket(Bucket='{bucket}')\n\
         s3.put_object(Bucket='{bucket}', Key='id/.well-known/openid-configuration', \
           Body=b'{{\"issuer\": \"x\"}}', ContentType='application/json', ACL='public-read')\n\
         s3.put_object(Bucket='{bucket}', Key='id/keys.json', Body=b'{{\"keys\": []}}', \
           ContentType='application/json', ACL='public-read')\n\
         s3.put_object(Bucket='{bucket}', Key='id/private.json', Body=b'{{}}')"
    ));
    bucket
}

#[tokio::test]
async fn public_endpoint_serves_moto_objects_through_connect_and_tls() {
    let moto = Moto::shared();
    let bucket = public_issuer_bucket(moto);
    let endpoint = PublicEndpoint::start(&moto.endpoint());
    let host = format!("{bucket}.s3.us-east-1.amazonaws.com");

    let mut tunnel = Tunnel::open(&endpoint, &host).await;
    let doc = tunnel.get("/id/.well-known/openid-configuration", "").await;
    assert_eq!(doc.status, 200, "{}", String::from_utf8_lossy(&doc.body));
    assert_eq!(doc.body, br#"{"issuer": "x"}"#);
    assert_eq!(doc.header("content-type"), Some("application/json"));
    // The same connection serves the next request (keep-alive); a private
    // object is refused to an anonymous reader, as by S3.
    let private = tunnel.get("/id/private.json", "").await;
    assert_eq!(private.status, 403);
    let jwks = tunnel.get("/id/keys.json", "Connection: close\r\n").await;
    assert_eq!(
        (jwks.status, jwks.body.as_slice()),
        (200, &br#"{"keys": []}"#[..])
    );
    assert_eq!(jwks.header("connection"), Some("close"));
    assert!(tunnel.closed().await, "Connection: close was not honoured");

    // The global name of the bucket is served too; a host that is not S3
    // gets a certificate and a 404.
    let mut global = Tunnel::open(&endpoint, &format!("{bucket}.s3.amazonaws.com")).await;
    assert_eq!(global.get("/id/keys.json", "").await.status, 200);
    let mut other = Tunnel::open(&endpoint, "issuer.example.com").await;
    assert_eq!(other.get("/keys.json", "").await.status, 404);

    let requests = endpoint.requests();
    assert_eq!(requests.len(), 5, "{requests:#?}");
    assert_eq!(
        requests[0],
        PublicRequest {
            method: "GET".into(),
            host: host.clone(),
            path: "/id/.well-known/openid-configuration".into(),
            authorization: false,
            security_token: false,
        }
    );
    assert!(requests.iter().all(|r| !r.sent_credentials()));
    assert_eq!(endpoint.tunnels()[0], format!("{host}:443"));
}

#[tokio::test]
async fn public_endpoint_knobs_redirect_override_and_record_credentials() {
    let moto = Moto::shared();
    let bucket = public_issuer_bucket(moto);
    let endpoint = PublicEndpoint::start(&moto.endpoint());
    let global = format!("{bucket}.s3.amazonaws.com");
    let regional = format!("{bucket}.s3.eu-west-1.amazonaws.com");

    endpoint.redirect(&global, &format!("https://{regional}/id/keys.json"));
    endpoint.override_body(&regional, "/id/keys.json", 500, "{\"oops\": true}");
    let mut tunnel = Tunnel::open(&endpoint, &global).await;
    let moved = tunnel.get("/id/keys.json", "").await;
    assert_eq!(moved.status, 301);
    assert_eq!(
        moved.header("location"),
        Some(format!("https://{regional}/id/keys.json").as_str())
    );
    let mut tunnel = Tunnel::open(&endpoint, &regional).await;
    let fixed = tunnel
        .get(
            "/id/keys.json",
            "Authorization: AWS4-HMAC-SHA256 Credential=x\r\nX-Amz-Security-Token: t\r\n",
        )
        .await;
    assert_eq!(
        (fixed.status, fixed.body.as_slice()),
        (500, &b"{\"oops\": true}"[..])
    );

    endpoint.clear();
    let mut tunnel = Tunnel::open(&endpoint, &global).await;
    assert_eq!(tunnel.get("/id/keys.json", "").await.status, 200);

    let credentials: Vec<(bool, bool)> = endpoint
        .requests()
        .iter()
        .map(|r| (r.authorization, r.security_token))
        .collect();
    assert_eq!(credentials, [(false, false), (true, true), (false, false)]);
}

#[test]
fn public_endpoint_refuses_plain_proxy_requests_and_sets_the_proxy_env() {
    use std::io::{Read, Write};

    let endpoint = PublicEndpoint::start("http://127.0.0.1:1");
    let mut sock =
        std::net::TcpStream::connect(endpoint.proxy_url().strip_prefix("http://").unwrap())
            .unwrap();
    sock.write_all(b"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    sock.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 405 "), "{answer}");
    assert!(endpoint.requests().is_empty());

    let env: std::collections::BTreeMap<String, String> = endpoint.env().into_iter().collect();
    for var in ["HTTPS_PROXY", "https_proxy"] {
        assert_eq!(env[var], endpoint.proxy_url());
    }
    for var in ["NO_PROXY", "no_proxy"] {
        assert_eq!(env[var], "127.0.0.1,localhost");
    }
    assert!(endpoint.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
}

#[test]
fn public_endpoint_maps_s3_hosts_to_moto_paths() {
    let p = "/id/.well-known/openid-configuration";
    let cases = [
        (
            "b.s3.us-east-1.amazonaws.com",
            Some("/b/id/.well-known/openid-configuration"),
        ),
        (
            "b.s3.amazonaws.com",
            Some("/b/id/.well-known/openid-configuration"),
        ),
        (
            "my.b.s3.eu-west-1.amazonaws.com",
            Some("/my.b/id/.well-known/openid-configuration"),
        ),
        ("s3.eu-west-1.amazonaws.com", Some(p)),
        ("s3.amazonaws.com", Some(p)),
        ("oidc.eks.us-east-1.amazonaws.com", None),
        ("example.com", None),
        (".s3.amazonaws.com", None),
    ];
    for (host, want) in cases {
        assert_eq!(s3_path(host, p).as_deref(), want, "{host}");
    }
}

// ------------------------------------------ the stand-in API server's tokens

const KUBE_TOKEN: &str = "selftest-bearer";

/// A kube client for `server`, from the kubeconfig it writes.
async fn kube_client(server: &KubeApiServer, dir: &std::path::Path) -> kube::Client {
    let kubeconfig =
        kube::config::Kubeconfig::read_from(server.write_kubeconfig(dir, KUBE_TOKEN)).unwrap();
    let options = kube::config::KubeConfigOptions {
        context: Some("stand-in".into()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

fn token_request(audiences: &[&str], seconds: Option<i64>) -> TokenRequest {
    TokenRequest {
        spec: TokenRequestSpec {
            audiences: audiences.iter().map(|a| a.to_string()).collect(),
            expiration_seconds: seconds,
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn kube_apiserver_mints_service_account_tokens_through_token_request() {
    let server = KubeApiServer::start(KUBE_TOKEN);
    server.put_service_account("apps", "web");
    let key = std::sync::Arc::new(SigningKey::generate_rsa());
    let issuer = "https://issuer-bucket.s3.eu-west-1.amazonaws.com/cluster-1";
    server.set_token_signer(issuer, key.clone());
    let dir = tempfile::tempdir().unwrap();
    let api: kube::Api<ServiceAccount> =
        kube::Api::namespaced(kube_client(&server, dir.path()).await, "apps");

    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let answer = api
        .create_token_request(
            "web",
            &kube::api::PostParams::default(),
            &token_request(&["sts.amazonaws.com"], Some(7200)),
        )
        .await
        .unwrap();
    assert_eq!(answer.metadata.name.as_deref(), Some("web"));
    assert_eq!(answer.metadata.namespace.as_deref(), Some("apps"));
    assert_eq!(answer.spec.audiences, ["sts.amazonaws.com"]);
    assert_eq!(answer.spec.expiration_seconds, Some(7200));
    let status = answer.status.expect("status");

    let claims = verify_with_jwks(&status.token, &key.apiserver_jwks()).unwrap();
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["sub"], "system:serviceaccount:apps:web");
    assert_eq!(claims["aud"], serde_json::json!(["sts.amazonaws.com"]));
    assert_eq!(claims["kubernetes.io"]["namespace"], "apps");
    assert_eq!(claims["kubernetes.io"]["serviceaccount"]["name"], "web");
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert!(
        iat >= before && iat <= before + 60,
        "iat {iat}, before {before}"
    );
    assert_eq!(claims["nbf"].as_u64(), Some(iat));
    assert_eq!(exp, iat + 7200);
    assert_eq!(status.expiration_timestamp.0.as_second(), exp as i64);
    // Another key does not verify it.
    let other = SigningKey::generate_rsa();
    assert!(verify_with_jwks(&status.token, &other.apiserver_jwks()).is_err());

    // Several audiences stay a list; no expiry is an hour; no audience is
    // the issuer, as the apiserver's default --api-audiences.
    let answer = api
        .create_token_request(
            "web",
            &Default::default(),
            &token_request(&["sts.amazonaws.com", "vault"], None),
        )
        .await
        .unwrap();
    assert_eq!(answer.spec.expiration_seconds, Some(3600));
    let claims = verify_with_jwks(&answer.status.unwrap().token, &key.apiserver_jwks()).unwrap();
    assert_eq!(
        claims["aud"],
        serde_json::json!(["sts.amazonaws.com", "vault"])
    );
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        3600
    );
    let answer = api
        .create_token_request("web", &Default::default(), &token_request(&[], None))
        .await
        .unwrap();
    assert_eq!(answer.spec.audiences, [issuer]);

    let log = server.requests();
    assert_eq!(
        log,
        vec!["POST /api/v1/namespaces/apps/serviceaccounts/web/token"; 3]
    );
}

#[tokio::test]
async fn kube_apiserver_token_request_refusals_are_statuses() {
    let server = KubeApiServer::start(KUBE_TOKEN);
    server.put_service_account("apps", "web");
    let dir = tempfile::tempdir().unwrap();
    let api: kube::Api<ServiceAccount> =
        kube::Api::namespaced(kube_client(&server, dir.path()).await, "apps");
    let request = token_request(&["sts.amazonaws.com"], None);
    let refusal = |result: Result<TokenRequest, kube::Error>| match result {
        Err(kube::Error::Api(status)) => {
            (status.code, status.reason.clone(), status.message.clone())
        }
        other => panic!("expected a Status, got {other:?}"),
    };

    // No signing key configured.
    let (code, reason, _) = refusal(
        api.create_token_request("web", &Default::default(), &request)
            .await,
    );
    assert_eq!((code, reason.as_str()), (500, "InternalError"));

    server.set_token_signer("https://example.com", SigningKey::generate_ec_p256());
    let (code, reason, message) = refusal(
        api.create_token_request("ghost", &Default::default(), &request)
            .await,
    );
    assert_eq!((code, reason.as_str()), (404, "NotFound"));
    assert_eq!(message, "serviceaccounts \"ghost\" not found");

    let short = token_request(&["sts.amazonaws.com"], Some(60));
    let (code, reason, _) = refusal(
        api.create_token_request("web", &Default::default(), &short)
            .await,
    );
    assert_eq!((code, reason.as_str()), (422, "Invalid"));

    // A wrong bearer token is refused before anything else.
    let kubeconfig = server.write_kubeconfig(dir.path(), "wrong");
    let options = kube::config::KubeConfigOptions {
        context: Some("stand-in".into()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(kubeconfig).unwrap(),
        &options,
    )
    .await
    .unwrap();
    let api: kube::Api<ServiceAccount> =
        kube::Api::namespaced(kube::Client::try_from(config).unwrap(), "apps");
    let (code, _, _) = refusal(
        api.create_token_request("web", &Default::default(), &request)
            .await,
    );
    assert_eq!(code, 401);
}

/// The stand-in's CloudFront reads a private bucket only as S3 would let
/// the distribution: the service principal, the action, the object, and
/// `AWS:SourceArn` naming this distribution.
#[test]
fn the_cloudfront_stand_in_reads_only_what_the_policy_grants_the_distribution() {
    let dist = "arn:aws:cloudfront::123456789012:distribution/E1";
    let object = "arn:aws:s3:::b/c1/keys.json";
    let policy = |principal: &str, resource: &str, source: &str| {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "s3:GetObject",
                 "Resource": [resource], "Condition": {"StringEquals": {"AWS:SourceArn": source}}}
            ]
        })
        .to_string()
    };
    let service = "cloudfront.amazonaws.com";
    assert!(lets_cloudfront_read(
        &policy(service, object, dist),
        object,
        dist
    ));
    assert!(lets_cloudfront_read(
        &policy(service, "arn:aws:s3:::b/*", dist),
        object,
        dist
    ));
    for (p, why) in [
        (
            policy(
                service,
                object,
                "arn:aws:cloudfront::123456789012:distribution/E2",
            ),
            "another distribution",
        ),
        (policy("s3.amazonaws.com", object, dist), "another service"),
        (
            policy(service, "arn:aws:s3:::b/c1/other.json", dist),
            "another object",
        ),
        (String::new(), "no policy"),
    ] {
        assert!(!lets_cloudfront_read(&p, object, dist), "{why}");
    }
}
