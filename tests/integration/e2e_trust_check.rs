//! `irsa_trust_check` and `terraform-provider-irsa check` end to end: a
//! chain built by `irsa_issuer`, `irsa_jwks` and `irsa_role` against moto,
//! then checked through real Terraform (1.11 and 1.0.3) and from a shell.
//!
//! The check fetches the issuer's documents from their public S3 URL
//! (`https://<bucket>.s3.us-east-1.amazonaws.com/c1`), which cannot be
//! reached from here; Terraform gets the proxy settings of
//! `support::public_https::PublicEndpoint`, which serves those URLs from
//! moto without credentials, and the data source trusts its CA through
//! `tls_ca_certificate`. The cluster is the stand-in API server of
//! `support::kube_apiserver`: it holds the signing key's public half in a
//! secret and at `/openid/v1/jwks`, and mints tokens signed by the key
//! through the TokenRequest API.
//!
//! moto's STS accepts any token, even for a role that does not exist, so the
//! `assume_role` step proves only that the call is made, unsigned, with the
//! minted token; the steps before it are what prove the chain here.
//!
//! Each break of the chain must be refused at its own step, with the
//! message STS gives pods for it. One chain serves several configurations:
//! the data source reads at plan, so a case is a rewritten `main.tf` and a
//! `terraform plan` in a working directory that holds only the check.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use serde_json::Value as Json;

use crate::support::kube_apiserver::KubeApiServer;
use crate::support::public_https::PublicEndpoint;
use crate::support::trust_chain::SigningKey;
use crate::support::{
    per_version, provider_binary, random_suffix, Install, Moto, TfOutput, TfVersion, Workdir,
};

/// The stand-in API server's bearer token: it must never reach the state
/// or any output.
const KUBE_TOKEN: &str = "stand-in-bearer-5d1f9a";
const SERVICE_ACCOUNT: &str = "apps:web";
const REGION: &str = "us-east-1";

/// What STS says for each break (kept here, not taken from the crate, so
/// that a changed constant in the product shows up as a failure).
const STS_NO_KEY: &str = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";
const STS_AUDIENCE: &str = "Incorrect token audience";
const STS_NOT_AUTHORIZED: &str = "Not authorized to perform sts:AssumeRoleWithWebIdentity";

const STEPS: [&str; 7] = [
    "discovery",
    "jwks",
    "oidc_provider",
    "cluster_keys",
    "trust_policy",
    "token",
    "assume_role",
];

/// A published chain and the stand-ins that see it.
struct Chain {
    moto: &'static Moto,
    endpoint: PublicEndpoint,
    server: KubeApiServer,
    kid: String,
    bucket: String,
    issuer: String,
    role_arn: String,
    provider_arn: String,
    /// The directory that applied the chain; kept so its state lives as
    /// long as the chain.
    _infra: Workdir,
}

impl Chain {
    /// Applies an issuer (bucket `tc-<suffix>`, prefix `c1`), its JWKS with
    /// a fresh RSA key, and a role for [`SERVICE_ACCOUNT`]; starts the
    /// public endpoint and a stand-in API server that signs with the key.
    fn build(version: TfVersion) -> Chain {
        let moto = Moto::shared();
        let s = random_suffix();
        let bucket = format!("tc-{s}");
        let key = SigningKey::generate_rsa();
        let kid = key.kid();
        let infra = Workdir::new(version, Install::DevOverrides);
        let mut infra = infra;
        infra.envs(moto.env());
        infra.write("sa.pub", &key.public_key_pem());
        infra.write(
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
  public_keys_pem           = [file("sa.pub")]
}}

resource "irsa_role" "web" {{
  name              = "web-{s}"
  oidc_provider_arn = irsa_issuer.i.oidc_provider_arn
  service_accounts  = ["{SERVICE_ACCOUNT}"]
}}

output "issuer_url" {{ value = irsa_issuer.i.issuer_url }}
output "provider_arn" {{ value = irsa_issuer.i.oidc_provider_arn }}
output "role_arn" {{ value = irsa_role.web.arn }}
"#,
                provider = moto.provider_config()
            ),
        );
        infra.apply_ok();
        let issuer = format!("https://{bucket}.s3.{REGION}.amazonaws.com/c1");
        assert_eq!(infra.output("issuer_url"), Json::from(issuer.clone()));

        let server = KubeApiServer::start(KUBE_TOKEN);
        server.put_service_account("apps", "web");
        server.put_service_account("apps", "other");
        server.put_secret(
            "capi",
            "c1-sa",
            &[("tls.crt", key.public_key_pem().as_bytes())],
        );
        server.set_jwks(Some(&key.apiserver_jwks()));
        server.set_token_signer(&issuer, Arc::new(key));

        Chain {
            endpoint: PublicEndpoint::start(&moto.endpoint()),
            server,
            kid,
            issuer,
            role_arn: infra.output("role_arn").as_str().unwrap().to_owned(),
            provider_arn: infra.output("provider_arn").as_str().unwrap().to_owned(),
            bucket,
            moto,
            _infra: infra,
        }
    }

    /// The host of the issuer URL.
    fn host(&self) -> String {
        format!("{}.s3.{REGION}.amazonaws.com", self.bucket)
    }

    /// A working directory for checks only: moto's AWS settings, the public
    /// endpoint's proxy settings, its CA (`public-ca.pem`), the API
    /// server's CA (`kube-ca.pem`) and a kubeconfig (`kubeconfig`).
    fn check_dir(&self, version: TfVersion) -> Workdir {
        let mut wd = Workdir::new(version, Install::DevOverrides);
        wd.envs(self.moto.env()).envs(self.endpoint.env());
        wd.write("public-ca.pem", self.endpoint.ca_pem());
        wd.write("kube-ca.pem", self.server.ca_pem());
        self.server.write_kubeconfig(&wd.path(), KUBE_TOKEN);
        wd
    }

    /// `main.tf` holding the provider and `body`.
    fn write_check(&self, wd: &Workdir, body: &str) {
        wd.write("main.tf", &format!("{}{body}", self.moto.provider_config()));
    }

    /// A `cluster` block reaching the API server with `host` and `token`,
    /// the keys from the secret `capi/<secret>`.
    fn host_cluster(&self, secret: &str) -> String {
        format!(
            r#"
  cluster {{
    host                   = "{host}"
    token                  = "{KUBE_TOKEN}"
    cluster_ca_certificate = file("kube-ca.pem")
    secret {{
      namespace = "capi"
      name      = "{secret}"
    }}
  }}"#,
            host = self.server.host()
        )
    }

    /// A `cluster` block reaching the API server with the kubeconfig's
    /// `stand-in` context (the current one has no credentials), and
    /// `key_source` (e.g. `jwks_endpoint = true`).
    fn kubeconfig_cluster(wd: &Workdir, key_source: &str) -> String {
        format!(
            r#"
  cluster {{
    config_path    = "{path}"
    config_context = "stand-in"
    {key_source}
  }}"#,
            path = wd.path().join("kubeconfig").display()
        )
    }
}

/// A data source `irsa_trust_check.c` with the public CA and `attrs`.
fn data_source(attrs: &str) -> String {
    format!(
        r#"
data "irsa_trust_check" "c" {{
  tls_ca_certificate = file("public-ca.pem")
{attrs}
}}
"#
    )
}

/// The data source's outputs.
const OUTPUTS: &str = r#"
output "ok" { value = data.irsa_trust_check.c.ok }
output "steps" { value = data.irsa_trust_check.c.steps }
output "sts_error" { value = data.irsa_trust_check.c.sts_error }
"#;

/// Terraform's diagnostics with the box drawing removed and whitespace
/// collapsed, since long lines are wrapped.
fn flat(text: &str) -> String {
    text.replace(['│', '╷', '╵'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Asserts that a failed plan reports the check's one error at `step`,
/// with `sts` and the source line of `attribute`, and each of `needles`.
fn assert_refused(
    out: &TfOutput,
    case: &str,
    step: &str,
    sts: &str,
    attribute: &str,
    needles: &[&str],
) {
    assert!(!out.success, "{case}: the plan succeeded:\n{out}");
    let text = flat(&out.combined());
    let summary = format!("Error: IRSA trust check failed at step {step}");
    assert!(text.contains(&summary), "{case}: no {summary:?} in:\n{out}");
    assert_eq!(
        text.matches("Error: ").count(),
        1,
        "{case}: one error only:\n{out}"
    );
    let told = collapse(&format!("STS tells pods: \"{sts}\""));
    assert!(text.contains(&told), "{case}: no {told:?} in:\n{out}");
    assert!(text.contains("Fix: "), "{case}: no fix in:\n{out}");
    assert_eq!(
        pointed_at(&text).as_deref(),
        Some(attribute),
        "{case}: the error points elsewhere:\n{out}"
    );
    for needle in needles {
        let needle = collapse(needle);
        assert!(text.contains(&needle), "{case}: no {needle:?} in:\n{out}");
    }
}

/// The first word of the configuration line Terraform quotes under the
/// diagnostic (`  20:   issuer_url = ...`): the attribute or block it
/// points at.
fn pointed_at(flat_text: &str) -> Option<String> {
    let quoted = flat_text
        .split("in data \"irsa_trust_check\" \"c\":")
        .nth(1)?;
    let mut words = quoted.split_whitespace();
    words.next().filter(|w| w.ends_with(':'))?;
    words.next().map(str::to_owned)
}

/// The `steps` output as (name, ok, detail).
fn steps_of(wd: &Workdir) -> Vec<(String, bool, String)> {
    wd.output("steps")
        .as_array()
        .expect("steps is a list")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["ok"].as_bool().unwrap(),
                s["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Whether `text` holds something shaped like a JWS: base64url of `{"`
/// followed by two more dot-separated base64url parts.
fn has_jwt(text: &str) -> bool {
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices("eyJ").any(|(i, _)| {
        let rest = &text[i..];
        let end = rest
            .find(|c: char| !b64(c) && c != '.')
            .unwrap_or(rest.len());
        let parts: Vec<&str> = rest[..end].split('.').collect();
        parts.len() >= 3 && parts.iter().take(3).all(|p| p.len() >= 8)
    })
}

// ------------------------------------------------------------------ tests

/// The whole chain, every step: a `cluster` block with `host` and `token`
/// (which the read drops from the state) and the key in a secret, a token
/// minted through the TokenRequest API, and STS called with it. Then one
/// break, the audience, on each version.
fn healthy_chain_passes_every_step(version: TfVersion) {
    let chain = Chain::build(version);
    let wd = chain.check_dir(version);
    let attrs = format!(
        r#"  issuer_url      = "{issuer}"
  role_arn        = "{role}"
  service_account = "{SERVICE_ACCOUNT}"
  mint_token      = true
  assume_role     = true{cluster}"#,
        issuer = chain.issuer,
        role = chain.role_arn,
        cluster = chain.host_cluster("c1-sa"),
    );
    chain.write_check(&wd, &format!("{}{OUTPUTS}", data_source(&attrs)));
    let applied = wd.apply_ok();

    assert_eq!(wd.output("ok"), Json::Bool(true), "{version}");
    // Terraform leaves null outputs out of `terraform output -json`.
    let outputs = wd.output_json();
    assert_eq!(
        outputs
            .get("sts_error")
            .map_or(&Json::Null, |o| &o["value"]),
        &Json::Null,
        "{version}: {outputs:#}"
    );
    let steps = steps_of(&wd);
    let names: Vec<&str> = steps.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, STEPS, "{version}: {steps:#?}");
    assert!(steps.iter().all(|(_, ok, _)| *ok), "{version}: {steps:#?}");
    let detail: BTreeMap<&str, &str> = steps
        .iter()
        .map(|(n, _, d)| (n.as_str(), d.as_str()))
        .collect();
    let role_name = chain.role_arn.rsplit('/').next().unwrap();
    let expect: [(&str, Vec<String>); 7] = [
        (
            "discovery",
            vec![
                format!("{}/.well-known/openid-configuration", chain.issuer),
                "byte-identical".into(),
                format!("{}/keys.json", chain.issuer),
                "RS256".into(),
            ],
        ),
        ("jwks", vec![chain.kid.clone(), "1 key(s)".into()]),
        (
            "oidc_provider",
            vec![
                chain.provider_arn.clone(),
                "\"sts.amazonaws.com\"".into(),
                // The stand-in's CA is not a public one.
                "verified only with the extra CA (tls_ca_certificate)".into(),
            ],
        ),
        (
            "cluster_keys",
            vec!["all 1 cluster key(s) are published".into()],
        ),
        (
            "trust_policy",
            vec![
                chain.role_arn.clone(),
                "system:serviceaccount:apps:web".into(),
                chain.provider_arn.clone(),
            ],
        ),
        (
            "token",
            vec!["system:serviceaccount:apps:web".into(), chain.kid.clone()],
        ),
        ("assume_role", vec![format!("assumed-role/{role_name}/")]),
    ];
    for (step, needles) in &expect {
        for needle in needles {
            assert!(
                detail[step].contains(needle.as_str()),
                "{version}: the {step} detail {:?} does not mention {needle:?}",
                detail[step]
            );
        }
    }

    // The documents were fetched from the public URLs, anonymously.
    let requests = chain.endpoint.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert!(
        paths.contains(&"/c1/.well-known/openid-configuration") && paths.contains(&"/c1/keys.json"),
        "{version}: {requests:#?}"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.host == chain.host() && r.method == "GET" && !r.sent_credentials()),
        "{version}: {requests:#?}"
    );
    // The cluster was asked for the key and for a token.
    let kube = chain.server.requests();
    for line in [
        "GET /api/v1/namespaces/capi/secrets/c1-sa",
        "POST /api/v1/namespaces/apps/serviceaccounts/web/token",
    ] {
        assert!(
            kube.iter().any(|r| r == line),
            "{version}: no {line:?} in {kube:?}"
        );
    }

    // Neither the minted token nor the bearer token is kept or shown.
    let state_file = wd.read("terraform.tfstate");
    let shown = wd.run(&["show", "-json", "-no-color"]).assert_success();
    let outputs = wd.run(&["output", "-json", "-no-color"]).assert_success();
    for (what, text) in [
        ("terraform.tfstate", state_file.as_str()),
        ("terraform show -json", shown.stdout.as_str()),
        ("terraform output -json", outputs.stdout.as_str()),
        ("terraform apply", &applied.combined()),
    ] {
        assert!(
            !text.contains(KUBE_TOKEN),
            "{version}: the bearer token in {what}:\n{text}"
        );
        assert!(!has_jwt(text), "{version}: a token in {what}:\n{text}");
    }
    let state: Json = serde_json::from_str(&shown.stdout).unwrap();
    let check = crate::support::state_resource(&state, "data.irsa_trust_check.c");
    let cluster = &check["values"]["cluster"];
    assert_eq!(
        cluster["host"],
        Json::from(chain.server.host()),
        "{version}: {cluster:#}"
    );
    assert_eq!(cluster["token"], Json::Null, "{version}: {cluster:#}");

    // One break on every version: an audience the provider does not list.
    chain.write_check(
        &wd,
        &data_source(&format!(
            "  issuer_url = \"{}\"\n  audience = \"vault.example.com\"\n",
            chain.issuer
        )),
    );
    assert_refused(
        &wd.plan(),
        &format!("{version} audience"),
        "oidc_provider",
        STS_AUDIENCE,
        "issuer_url",
        &["\"vault.example.com\"", &chain.provider_arn],
    );
}
per_version!(healthy_chain_passes_every_step);

/// One broken link: the data source's attributes, and where and how it
/// must be refused.
struct Break {
    case: &'static str,
    attrs: String,
    step: &'static str,
    sts: String,
    /// The attribute Terraform quotes.
    attribute: &'static str,
    needles: Vec<String>,
}

/// Each link broken on its own, refused at its step with STS's message and
/// the attribute to change. The provider is deleted last, as it breaks
/// every later case.
#[test]
fn each_break_is_refused_at_its_own_step() {
    let version = TfVersion::Current;
    let chain = Chain::build(version);
    let wd = chain.check_dir(version);
    let issuer = &chain.issuer;
    let role = &chain.role_arn;
    let stranger = SigningKey::generate_rsa();
    chain.server.put_secret(
        "capi",
        "stale-sa",
        &[("tls.crt", stranger.public_key_pem().as_bytes())],
    );
    let global = format!("{}.s3.amazonaws.com", chain.bucket);
    chain.endpoint.redirect(
        &global,
        &format!(
            "https://{}/c1/.well-known/openid-configuration",
            chain.host()
        ),
    );
    let sa = |name: &str| format!("  role_arn = \"{role}\"\n  service_account = \"{name}\"\n");
    let kubeconfig = |source: &str| Chain::kubeconfig_cluster(&wd, source);
    let slash_hint = "The issuer URL ends with \"/\"";

    let cases = [
        Break {
            case: "trailing slash",
            attrs: format!("  issuer_url = \"{issuer}/\"\n{}", sa(SERVICE_ACCOUNT)),
            step: "discovery",
            sts: STS_NO_KEY.into(),
            attribute: "issuer_url",
            needles: vec![
                slash_hint.into(),
                format!("GET {issuer}//.well-known/openid-configuration"),
            ],
        },
        Break {
            case: "redirecting host",
            attrs: format!("  issuer_url = \"https://{global}/c1\"\n"),
            step: "discovery",
            sts: STS_NO_KEY.into(),
            attribute: "issuer_url",
            needles: vec![
                "HTTP 301".into(),
                "a redirect, which STS does not follow".into(),
                "PermanentRedirect".into(),
                "<bucket>.s3.<region>.amazonaws.com".into(),
            ],
        },
        Break {
            case: "wrong audience",
            attrs: format!(
                "  issuer_url = \"{issuer}\"\n  audience = \"vault.example.com\"\n{}",
                sa(SERVICE_ACCOUNT)
            ),
            step: "oidc_provider",
            sts: STS_AUDIENCE.into(),
            attribute: "issuer_url",
            needles: vec!["not the audience \"vault.example.com\"".into()],
        },
        Break {
            case: "unpublished key",
            attrs: format!(
                "  issuer_url = \"{issuer}\"\n{}",
                kubeconfig(
                    "secret {\n      namespace = \"capi\"\n      name = \"stale-sa\"\n    }"
                )
            ),
            step: "cluster_keys",
            sts: STS_NO_KEY.into(),
            // The secret block's `name`.
            attribute: "name",
            needles: vec![stranger.kid(), "that the JWKS does not list".into()],
        },
        Break {
            case: "trust policy for another service account",
            attrs: format!("  issuer_url = \"{issuer}\"\n{}", sa("apps:other")),
            step: "trust_policy",
            sts: STS_NOT_AUTHORIZED.into(),
            attribute: "role_arn",
            needles: vec!["system:serviceaccount:apps:other".into(), role.clone()],
        },
    ];
    for b in &cases {
        chain.write_check(&wd, &data_source(&b.attrs));
        let needles: Vec<&str> = b.needles.iter().map(String::as_str).collect();
        assert_refused(&wd.plan(), b.case, b.step, &b.sts, b.attribute, &needles);
    }

    // An apiserver whose issuer flag has a trailing slash mints tokens
    // that no provider is registered for: refused at the token.
    chain
        .server
        .set_token_signer(&format!("{issuer}/"), Arc::new(stranger));
    chain.write_check(
        &wd,
        &data_source(&format!(
            "  issuer_url = \"{issuer}\"\n{}  mint_token = true\n{}",
            sa(SERVICE_ACCOUNT),
            kubeconfig("jwks_endpoint = true")
        )),
    );
    assert_refused(
        &wd.plan(),
        "tokens of another issuer",
        "token",
        &format!("No OpenIDConnect provider found in your account for {issuer}/"),
        "service_account",
        &[&format!(
            "the token's iss \"{issuer}/\" is not the issuer URL"
        )],
    );

    // The IAM OIDC provider deleted out of band.
    chain.moto.boto(&format!(
        "iam.delete_open_id_connect_provider(OpenIDConnectProviderArn='{}')",
        chain.provider_arn
    ));
    chain.write_check(
        &wd,
        &data_source(&format!(
            "  issuer_url = \"{issuer}\"\n{}",
            sa(SERVICE_ACCOUNT)
        )),
    );
    let host_path = issuer.strip_prefix("https://").unwrap();
    assert_refused(
        &wd.plan(),
        "missing provider",
        "oidc_provider",
        &format!("No OpenIDConnect provider found in your account for {issuer}"),
        "issuer_url",
        &[&format!(
            "no IAM OIDC provider in the account has the URL \"{host_path}\""
        )],
    );
}

/// Inside a `check {}` block (Terraform 1.5+) a broken chain is a warning
/// and the plan goes on; a healthy one says nothing.
#[test]
fn check_block_warns_and_the_plan_succeeds() {
    let version = TfVersion::Current;
    let chain = Chain::build(version);
    let wd = chain.check_dir(version);
    let block = |audience: &str| {
        format!(
            r#"
check "irsa" {{
  data "irsa_trust_check" "c" {{
    issuer_url         = "{issuer}"
    tls_ca_certificate = file("public-ca.pem")
    role_arn           = "{role}"
    service_account    = "{SERVICE_ACCOUNT}"
    audience           = "{audience}"
    mint_token         = true
    assume_role        = true{cluster}
  }}

  assert {{
    condition     = data.irsa_trust_check.c.ok
    error_message = "The IRSA trust chain is broken."
  }}
}}
"#,
            issuer = chain.issuer,
            role = chain.role_arn,
            cluster = Chain::kubeconfig_cluster(&wd, "jwks_endpoint = true"),
        )
    };

    chain.write_check(&wd, &block("vault.example.com"));
    let out = wd.plan();
    assert_eq!(out.code, Some(0), "a failing check is not an error:\n{out}");
    let text = flat(&out.combined());
    for needle in [
        "Warning: IRSA trust check failed at step oidc_provider".to_owned(),
        format!("STS tells pods: \"{STS_AUDIENCE}\""),
        "in check \"irsa\":".to_owned(),
    ] {
        assert!(text.contains(&needle), "no {needle:?} in:\n{out}");
    }
    assert!(!text.contains("Error:"), "{out}");

    chain.write_check(&wd, &block("sts.amazonaws.com"));
    let out = wd.plan();
    assert_eq!(out.code, Some(0), "{out}");
    let text = flat(&out.combined());
    for needle in ["IRSA trust check", "assertion failed", "Error:"] {
        assert!(
            !text.contains(needle),
            "{needle:?} for a healthy chain:\n{out}"
        );
    }
    assert!(
        chain
            .server
            .requests()
            .iter()
            .any(|r| r == "POST /api/v1/namespaces/apps/serviceaccounts/web/token"),
        "{:?}",
        chain.server.requests()
    );
}

/// The check from a shell, as `terraform-provider-irsa check`, with the
/// AWS SDK's own environment: credentials, region, and per-service
/// endpoints (the general `AWS_ENDPOINT_URL` points nowhere, so IAM and STS
/// must come from `AWS_ENDPOINT_URL_IAM` and `AWS_ENDPOINT_URL_STS`).
#[test]
fn shell_form_prints_each_step_and_exits_by_the_result() {
    let chain = Chain::build(TfVersion::Current);
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("public-ca.pem");
    std::fs::write(&ca, chain.endpoint.ca_pem()).unwrap();
    let kubeconfig = chain.server.write_kubeconfig(dir.path(), KUBE_TOKEN);
    let run = |args: &[&str]| shell(&chain, dir.path(), args);
    let common = |sa: &'static str| -> Vec<String> {
        [
            "--role-arn",
            &chain.role_arn,
            "--service-account",
            sa,
            "--tls-ca-certificate",
            &ca.to_string_lossy(),
            "--kubeconfig",
            &kubeconfig.to_string_lossy(),
            "--context",
            "stand-in",
            "--jwks-endpoint",
            "--mint-token",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    };

    let mut args = vec!["--issuer-url".to_owned(), chain.issuer.clone()];
    args.extend(common(SERVICE_ACCOUNT));
    args.push("--assume-role".into());
    let (code, stdout, stderr) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(0), "--- stdout\n{stdout}\n--- stderr\n{stderr}");
    for step in STEPS {
        assert!(
            stdout.lines().any(|l| {
                let mut words = l.split_whitespace();
                words.next() == Some("ok") && words.next() == Some(step)
            }),
            "no `ok {step}` line in:\n{stdout}"
        );
    }
    assert!(stdout.contains(&chain.kid), "{stdout}");
    assert!(stdout.contains("The chain holds."), "{stdout}");
    for text in [&stdout, &stderr] {
        assert!(!text.contains(KUBE_TOKEN) && !has_jwt(text), "{text}");
    }

    // Broken: a service account the role does not trust.
    let mut args = vec!["--issuer-url".to_owned(), chain.issuer.clone()];
    args.extend(common("apps:other"));
    let (code, stdout, stderr) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(1), "--- stdout\n{stdout}\n--- stderr\n{stderr}");
    let fail = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("FAIL"))
        .unwrap_or_else(|| panic!("no FAIL line in:\n{stdout}"));
    assert!(fail.contains("trust_policy"), "{stdout}");
    assert!(
        stdout.contains(&format!("STS tells pods: \"{STS_NOT_AUTHORIZED}\"")),
        "{stdout}"
    );
    assert!(
        !stdout.contains("  token "),
        "no step after the failure:\n{stdout}"
    );

    // Broken: a trailing slash, with STS's message to the byte (its double
    // space included).
    let slash = format!("{}/", chain.issuer);
    let ca_arg = ca.to_string_lossy().into_owned();
    let (code, stdout, _) = run(&["--issuer-url", &slash, "--tls-ca-certificate", &ca_arg]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  discovery"), "{stdout}");
    assert!(
        stdout.contains(&format!("STS tells pods: \"{STS_NO_KEY}\"")),
        "{stdout}"
    );

    // Usage errors exit 2 and say what is wrong.
    let (code, stdout, stderr) = run(&["--role-arn", &chain.role_arn]);
    assert_eq!(code, Some(2), "--- stdout\n{stdout}\n--- stderr\n{stderr}");
    assert!(stderr.contains("--issuer-url is required"), "{stderr}");
    let (code, _, stderr) = run(&["--issuer-url", &chain.issuer, "--bogus"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("\"--bogus\""), "{stderr}");

    // --help lists every flag.
    let (code, stdout, _) = run(&["--help"]);
    assert_eq!(code, Some(0), "{stdout}");
    for flag in [
        "--issuer-url",
        "--role-arn",
        "--service-account",
        "--audience",
        "--tls-ca-certificate",
        "--kubeconfig",
        "--context",
        "--jwks-endpoint",
        "--secret",
        "--mint-token",
        "--assume-role",
        "--help",
    ] {
        assert!(stdout.contains(flag), "{flag} not in --help:\n{stdout}");
    }
}

/// `terraform-provider-irsa check <args>` with only the environment the
/// test gives (no inherited AWS, proxy or Kubernetes settings).
fn shell(chain: &Chain, dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(provider_binary());
    cmd.arg("check").args(args).current_dir(dir);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let upper = key.to_ascii_uppercase();
        if key.starts_with("AWS_")
            || key.starts_with("TF_")
            || key.starts_with("KUBE")
            || upper.ends_with("_PROXY")
            || key.starts_with("PLUGIN_")
        {
            cmd.env_remove(&*key);
        }
    }
    let aws = dir.join("aws");
    std::fs::create_dir_all(&aws).unwrap();
    cmd.envs(
        chain
            .moto
            .env()
            .into_iter()
            .filter(|(k, _)| k != "AWS_ENDPOINT_URL"),
    )
    .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    .env("AWS_ENDPOINT_URL_IAM", chain.moto.endpoint())
    .env("AWS_ENDPOINT_URL_STS", chain.moto.endpoint())
    .env("AWS_CONFIG_FILE", aws.join("config"))
    .env("AWS_SHARED_CREDENTIALS_FILE", aws.join("credentials"))
    .envs(chain.endpoint.env());
    let out = cmd.output().expect("run the provider binary");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Settings that need others, and values the check cannot use, refused at
/// plan before anything is fetched, at the attribute.
#[test]
fn invalid_settings_are_refused_at_plan() {
    let moto = Moto::shared();
    let mut wd = Workdir::new(TfVersion::Current, Install::DevOverrides);
    wd.envs(moto.env());
    let issuer = "https://tc-none.s3.us-east-1.amazonaws.com/c1";
    let role = "arn:aws:iam::123456789012:role/web";
    // (case, attributes, attribute, needles)
    let cases = [
        (
            "mint_token without cluster",
            format!(
                "  role_arn = \"{role}\"\n  service_account = \"apps:web\"\n  mint_token = true\n"
            ),
            "mint_token",
            vec!["mint_token needs a cluster and a service account"],
        ),
        (
            "wildcard service account",
            format!("  role_arn = \"{role}\"\n  service_account = \"apps:*\"\n"),
            "service_account",
            vec!["Invalid service account", "wildcard"],
        ),
        (
            "role_arn without service_account",
            format!("  role_arn = \"{role}\"\n"),
            // The missing attribute has no line to quote: Terraform shows
            // the block, and the message names both.
            "data",
            vec!["`role_arn` needs `service_account`"],
        ),
    ];
    for (case, attrs, attribute, needles) in &cases {
        wd.write(
            "main.tf",
            &format!(
                "{}\ndata \"irsa_trust_check\" \"c\" {{\n  issuer_url = \"{issuer}\"\n{attrs}}}\n",
                moto.provider_config()
            ),
        );
        let out = wd.plan();
        assert!(!out.success, "{case}: accepted:\n{out}");
        let text = flat(&out.combined());
        assert!(
            !text.contains("IRSA trust check failed"),
            "{case}: the check ran:\n{out}"
        );
        for needle in needles {
            assert!(text.contains(needle), "{case}: no {needle:?} in:\n{out}");
        }
        assert_eq!(
            pointed_at(&text).as_deref(),
            Some(*attribute),
            "{case}: the error points elsewhere:\n{out}"
        );
    }
}

/// The token detector the tests above rely on finds a real token, and
/// not the base64 a state holds anyway (a PEM certificate, a kid).
#[test]
fn jwt_detector_finds_minted_tokens() {
    use crate::support::trust_chain::Claims;
    let key = SigningKey::generate_ec_p256();
    let token = key.token(&Claims::new("https://i.example.com", SERVICE_ACCOUNT));
    assert!(has_jwt(&format!("{{\"t\":\"{token}\"}}")));
    assert!(!has_jwt(&key.public_key_pem()));
    assert!(!has_jwt(&key.kid()));
    assert!(!has_jwt("eyJhbGciOiJSUzI1NiJ9 alone"));
}
