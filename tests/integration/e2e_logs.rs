//! The provider's log through real Terraform (1.11 and 1.0.3), at
//! `TF_LOG=trace`: one DEBUG line per AWS and Kubernetes call, each with the
//! RPC's fields, and none of the secrets the run used in the log or the
//! state: the AWS secret access key and session token, the cluster's bearer
//! token, the service-account token minted for the trust check, and the
//! pod identity webhook's private key (given to kubectl, never to Terraform).
//!
//! One apply builds the whole chain: an issuer, its JWKS read from the
//! stand-in API server with a bearer token, a role, and an
//! `irsa_trust_check` that mints a token through the TokenRequest API and
//! calls STS with it. (On Terraform 1.0, which keeps every resource argument
//! in the state, `irsa_jwks` reaches the cluster through a kubeconfig, as
//! its docs advise there; the trust check drops its token from the state on
//! every version.)

use std::sync::Arc;

use serde_json::Value as Json;

use crate::support::kube_apiserver::KubeApiServer;
use crate::support::public_https::PublicEndpoint;
use crate::support::trust_chain::SigningKey;
use crate::support::{per_version, random_suffix, Install, Moto, TfVersion, Workdir};

/// Secrets with shapes no document of the run can contain by chance.
const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY-secretkey";
const SESSION_TOKEN: &str = "FwoGZXIvYXdzEKsessiontokenQ2VJpZW50";
const BEARER: &str = "bearer-7c41e0d9f2-stand-in";
/// The webhook's serving certificate, CA and key (throwaway fixtures).
const WEBHOOK_CERT: &str = include_str!("../../src/domain/testdata/webhook_tls.cert.pem");
const WEBHOOK_CA: &str = include_str!("../../src/domain/testdata/webhook_ca.cert.pem");
const WEBHOOK_KEY: &str = include_str!("../../src/domain/testdata/webhook_tls.throwaway.key.pem");

/// The provider's lines of a Terraform log, as Terraform writes them:
/// `<time> [LEVEL] provider.terraform-provider-irsa: <message>: k=v k=v ...`
/// (it turns the hclog JSON the provider writes into this text). Each as a
/// map of its fields, with `@level` (lower case) and `@message`.
fn provider_lines(log: &str) -> Vec<Json> {
    const MARK: &str = " provider.terraform-provider-irsa: ";
    log.lines()
        .filter_map(|l| {
            let at = l.find(MARK)?;
            let level = l[..at]
                .rsplit('[')
                .next()?
                .trim_end_matches(']')
                .to_ascii_lowercase();
            let rest = &l[at + MARK.len()..];
            let mut fields = serde_json::Map::new();
            fields.insert("@level".into(), level.into());
            let first_field = rest
                .match_indices(' ')
                .map(|(i, _)| i)
                .find(|i| {
                    let token = rest[i + 1..].split(' ').next().unwrap_or("");
                    token.contains('=')
                        && !token.starts_with('=')
                        && token.split('=').next().is_some_and(|k| {
                            k.chars()
                                .all(|c| c.is_ascii_alphanumeric() || "@_.".contains(c))
                        })
                })
                .unwrap_or(rest.len());
            fields.insert(
                "@message".into(),
                rest[..first_field].trim_end_matches(':').into(),
            );
            for token in rest[first_field..].split(' ').filter(|t| t.contains('=')) {
                let (k, v) = token.split_once('=').unwrap();
                let v = v.trim_matches('"');
                let value = v.parse::<u64>().map_or_else(|_| Json::from(v), Json::from);
                fields.insert(k.to_owned(), value);
            }
            Some(Json::Object(fields))
        })
        .collect()
}

fn logs_show_every_call_and_no_secret(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let bucket = format!("logs-{s}");
    let issuer = format!("https://{bucket}.s3.us-east-1.amazonaws.com/c1");
    let key = SigningKey::generate_rsa();
    let server = KubeApiServer::start(BEARER);
    server.put_secret(
        "capi",
        "c1-sa",
        &[
            ("tls.crt", key.public_key_pem().as_bytes()),
            ("tls.key", b"never read"),
        ],
    );
    server.put_service_account("apps", "web");
    server.set_token_signer(&issuer, Arc::new(key));
    let public = PublicEndpoint::start(&moto.endpoint());

    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(moto.env()).envs(public.env());
    let log_path = wd
        .path()
        .join("terraform.log")
        .to_string_lossy()
        .into_owned();
    wd.env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
        .env("TF_LOG", "trace")
        .env("TF_LOG_PATH", &log_path);
    wd.write("public-ca.pem", public.ca_pem());
    wd.write("kube-ca.pem", server.ca_pem());
    wd.write("webhook.crt", WEBHOOK_CERT)
        .write("webhook-ca.crt", WEBHOOK_CA)
        .write("webhook.key", WEBHOOK_KEY);
    let cluster = format!(
        r#"cluster {{
    host                   = "{host}"
    token                  = "{BEARER}"
    cluster_ca_certificate = file("kube-ca.pem")
    secret {{
      namespace = "capi"
      name      = "c1-sa"
    }}
  }}"#,
        host = server.host()
    );
    // Terraform 1.0 keeps resource arguments in the state, the write-only
    // token too (the docs say so and advise config_path there): on 1.0.3
    // irsa_jwks reads the cluster through a kubeconfig instead.
    let kubeconfig = server.write_kubeconfig(&wd.path(), BEARER);
    let jwks_cluster = match version {
        TfVersion::V1_0_3 => format!(
            r#"cluster {{
    config_path    = "{}"
    config_context = "stand-in"
    secret {{
      namespace = "capi"
      name      = "c1-sa"
    }}
  }}"#,
            kubeconfig.display()
        ),
        TfVersion::Current => cluster.clone(),
    };
    wd.write(
        "main.tf",
        &format!(
            r#"{provider}
resource "irsa_issuer" "i" {{
  bucket = "{bucket}"
  prefix = "c1"
}}

resource "irsa_jwks" "k" {{
  bucket                    = irsa_issuer.i.bucket
  key                       = irsa_issuer.i.jwks_key
  region                    = irsa_issuer.i.region
  issuer_signing_algorithms = irsa_issuer.i.signing_algorithms
  {jwks_cluster}
}}

resource "irsa_role" "web" {{
  name              = "web-{s}"
  oidc_provider_arn = irsa_issuer.i.oidc_provider_arn
  service_accounts  = ["apps:web"]
}}

data "irsa_trust_check" "c" {{
  issuer_url         = irsa_issuer.i.issuer_url
  role_arn           = irsa_role.web.arn
  service_account    = "apps:web"
  tls_ca_certificate = file("public-ca.pem")
  mint_token         = true
  assume_role        = true
  {cluster}
  depends_on = [irsa_jwks.k]
}}

# The webhook's certificate, its key kept out of Terraform (the Secret is
# made from the files with kubectl).
data "irsa_pod_identity_webhook" "w" {{
  tls {{
    provided {{
      certificate_pem    = file("webhook.crt")
      ca_certificate_pem = file("webhook-ca.crt")
    }}
  }}
}}

output "ok" {{ value = data.irsa_trust_check.c.ok }}
output "no_webhook_secret" {{
  value     = data.irsa_pod_identity_webhook.w.tls_secret_manifest == null
  sensitive = true
}}
"#,
            provider = moto.provider_config()
        ),
    );
    wd.apply_ok();
    assert_eq!(wd.output("ok"), Json::Bool(true), "{version}");
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.contains("/serviceaccounts/web/token")),
        "{version}: no token was minted: {:?}",
        server.requests()
    );

    let log = wd.read("terraform.log");
    let state = wd.read("terraform.tfstate");
    assert_eq!(
        wd.output("no_webhook_secret"),
        Json::Bool(true),
        "{version}: no Secret rendered"
    );
    let key_line = WEBHOOK_KEY.lines().nth(1).unwrap();
    for (what, secret) in [
        ("the secret access key", SECRET_ACCESS_KEY),
        ("the session token", SESSION_TOKEN),
        ("the bearer token", BEARER),
        ("the webhook's private key", key_line),
    ] {
        assert!(!log.contains(secret), "{version}: {what} is in the log");
        assert!(!state.contains(secret), "{version}: {what} is in the state");
    }
    // The minted token: a JWS, whose header is base64url JSON (`eyJ...`).
    // Neither the documents nor anything else of the run is shaped so.
    for (name, text) in [("log", &log), ("state", &state)] {
        let jws = text.match_indices("eyJ").find(|(i, _)| {
            let rest = &text[*i..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
                .unwrap_or(rest.len());
            rest[..end].split('.').filter(|p| p.len() >= 8).count() >= 3
        });
        assert!(jws.is_none(), "{version}: a token is in the {name}");
    }

    // One DEBUG line per call, inside the RPC that made it.
    let lines = provider_lines(&log);
    let calls: Vec<&Json> = lines
        .iter()
        .filter(|l| l["@module"] == "irsa.aws" && l["operation"].is_string())
        .collect();
    for operation in [
        "CreateBucket",
        "PutObject",
        "CreateOpenIDConnectProvider",
        "CreateRole",
        "ListOpenIDConnectProviders",
        "GetRole",
        "AssumeRoleWithWebIdentity",
    ] {
        let line = calls
            .iter()
            .find(|l| l["operation"] == operation)
            .unwrap_or_else(|| panic!("{version}: no log line for {operation}"));
        assert_eq!(line["@level"], "debug", "{line}");
        assert!(line["status"].as_u64().is_some_and(|s| s >= 200), "{line}");
        assert!(
            line["duration_ms"].is_u64() && line["retries"].is_u64(),
            "{line}"
        );
        assert!(
            line["service"].is_string() && line["request_id"].is_string(),
            "{line}"
        );
        assert!(line["tf_rpc"].is_string(), "{line}");
        assert_eq!(line["tf_provider_addr"], "registry.terraform.io/irsa/irsa");
    }
    let create_role = calls
        .iter()
        .find(|l| l["operation"] == "CreateRole")
        .unwrap();
    assert_eq!(
        create_role["tf_rpc"], "ApplyResourceChange",
        "{create_role}"
    );
    assert_eq!(
        create_role["tf_resource_type"], "irsa_role",
        "{create_role}"
    );
    let kube: Vec<&Json> = lines
        .iter()
        .filter(|l| l["@module"] == "irsa.kube")
        .collect();
    for path in [
        "/api/v1/namespaces/capi/secrets/c1-sa",
        "/api/v1/namespaces/apps/serviceaccounts/web/token",
    ] {
        assert!(
            kube.iter()
                .any(|l| l["path"] == path && l["status"].as_u64().is_some_and(|s| s < 300)),
            "{version}: no Kubernetes call line for {path}: {kube:?}"
        );
    }
    // Something did try to print a secret, and it was masked.
    assert!(log.contains("[redacted"), "{version}: nothing was redacted");
    // The libraries' own events are there too, at trace.
    assert!(
        lines.iter().any(|l| l["@level"] == "trace"
            && !l["@module"].as_str().unwrap_or("irsa").starts_with("irsa")),
        "{version}: no trace line from the SDK or kube"
    );
    wd.destroy_ok();
}
per_version!(logs_show_every_call_and_no_secret);
