//! The pure data sources through real terraform, on Terraform 1.11 and 1.0.3,
//! installed both through dev_overrides and from a filesystem mirror with
//! `terraform init`. Expected key ids and moduli come from openssl, not from
//! the provider's own code.

use std::process::Command;

use crate::support::{per_version, Install, Moto, TfVersion, Workdir};

struct KeyPair {
    dir: tempfile::TempDir,
}

impl KeyPair {
    /// A fresh key pair made by openssl (`genpkey` args select the type).
    fn generate(args: &[&str]) -> KeyPair {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("sa.key");
        let ok = Command::new("openssl")
            .arg("genpkey")
            .args(args)
            .arg("-out")
            .arg(&key)
            .status()
            .unwrap();
        assert!(
            ok.success(),
            "openssl genpkey failed (is openssl installed?)"
        );
        let ok = Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(&key)
            .arg("-out")
            .arg(dir.path().join("sa.pub"))
            .status()
            .unwrap();
        assert!(ok.success());
        KeyPair { dir }
    }

    fn public_pem(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sa.pub")).unwrap()
    }

    fn private_pem(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sa.key")).unwrap()
    }

    /// The kid as openssl computes it: base64url(SHA-256(DER SPKI)), unpadded.
    fn openssl_kid(&self) -> String {
        let script = "openssl pkey -pubin -in sa.pub -outform DER | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\\n'";
        let out = Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    }

    /// The RSA modulus as openssl prints it (upper-case hex).
    fn openssl_modulus_hex(&self) -> String {
        let out = Command::new("openssl")
            .args(["rsa", "-pubin", "-noout", "-modulus", "-in"])
            .arg(self.dir.path().join("sa.pub"))
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .trim_start_matches("Modulus=")
            .to_owned()
    }
}

fn hcl_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

const HEADER: &str = r#"
terraform {
  required_providers {
    irsa = { source = "irsa/irsa" }
  }
}
"#;

fn config(rsa: &KeyPair, ec: &KeyPair) -> String {
    format!(
        r#"{HEADER}
provider "irsa" {{}}

data "irsa_jwks_document" "this" {{
  public_keys_pem = [{rsa}, {ec}]
}}

data "irsa_jwks_document" "legacy" {{
  public_keys_pem          = [{rsa}]
  include_legacy_empty_kid = true
}}

data "irsa_apiserver_flags" "this" {{
  issuer_url = "https://example-irsa.s3.eu-west-1.amazonaws.com/cluster-a"
  jwks_uri   = "https://example-irsa.s3.eu-west-1.amazonaws.com/cluster-a/keys.json"
  key_files  = ["/etc/kubernetes/pki/sa.pub", "/etc/kubernetes/pki/sa-old.pub"]
}}

output "kids" {{ value = data.irsa_jwks_document.this.kids }}
output "algorithms" {{ value = data.irsa_jwks_document.this.algorithms }}
output "json" {{ value = data.irsa_jwks_document.this.json }}
output "legacy_json" {{ value = data.irsa_jwks_document.legacy.json }}
output "flags" {{ value = data.irsa_apiserver_flags.this.flags }}
output "api_audiences" {{ value = data.irsa_apiserver_flags.this.api_audiences }}
output "renderings" {{
  value = {{
    kubeadm_v1beta3 = data.irsa_apiserver_flags.this.kubeadm_v1beta3
    kubeadm_v1beta4 = data.irsa_apiserver_flags.this.kubeadm_v1beta4
    ytt_overlay     = data.irsa_apiserver_flags.this.ytt_overlay
    talos_patch     = data.irsa_apiserver_flags.this.talos_patch
    k3s_config      = data.irsa_apiserver_flags.this.k3s_config
  }}
}}
"#,
        rsa = hcl_string(&rsa.public_pem()),
        ec = hcl_string(&ec.public_pem()),
    )
}

fn b64url_to_hex(s: &str) -> String {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap();
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn data_sources_agree_with_openssl_on_every_terraform_and_install_style(version: TfVersion) {
    let rsa = KeyPair::generate(&["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
    let ec = KeyPair::generate(&["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    let mut expected_kids = vec![rsa.openssl_kid(), ec.openssl_kid()];
    expected_kids.sort();

    for install in Install::all() {
        let wd = Workdir::new(version, install);
        wd.write("main.tf", &config(&rsa, &ec));
        if install == Install::Mirror {
            wd.init_ok();
        }
        wd.apply_ok();
        let ctx = format!("{version:?}/{install:?}");

        let kids: Vec<String> = serde_json::from_value(wd.output("kids")).unwrap();
        assert_eq!(kids, expected_kids, "{ctx}");
        assert_eq!(
            wd.output("algorithms"),
            serde_json::json!(["ES256", "RS256"]),
            "{ctx}"
        );

        let jwks: serde_json::Value =
            serde_json::from_str(wd.output("json").as_str().unwrap()).unwrap();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2);
        let rsa_jwk = keys.iter().find(|k| k["kty"] == "RSA").unwrap();
        assert_eq!(rsa_jwk["kid"], rsa.openssl_kid());
        assert_eq!(rsa_jwk["alg"], "RS256");
        assert_eq!(rsa_jwk["use"], "sig");
        assert_eq!(rsa_jwk["e"], "AQAB");
        assert_eq!(
            b64url_to_hex(rsa_jwk["n"].as_str().unwrap()),
            rsa.openssl_modulus_hex(),
            "{ctx}"
        );
        let ec_jwk = keys.iter().find(|k| k["kty"] == "EC").unwrap();
        assert_eq!(
            (ec_jwk["crv"].as_str(), ec_jwk["alg"].as_str()),
            (Some("P-256"), Some("ES256"))
        );

        let legacy: serde_json::Value =
            serde_json::from_str(wd.output("legacy_json").as_str().unwrap()).unwrap();
        let legacy_keys = legacy["keys"].as_array().unwrap();
        assert_eq!(legacy_keys.len(), 2, "{ctx}: the key with and without kid");
        assert_eq!(
            legacy_keys
                .iter()
                .filter(|k| k.get("kid").is_none())
                .count(),
            1
        );

        let flags: Vec<String> = serde_json::from_value(wd.output("flags")).unwrap();
        assert_eq!(
            flags[0],
            "--service-account-issuer=https://example-irsa.s3.eu-west-1.amazonaws.com/cluster-a"
        );
        assert_eq!(
            flags[1],
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local"
        );
        assert!(
            flags.contains(&"--service-account-key-file=/etc/kubernetes/pki/sa-old.pub".to_owned())
        );
        assert_eq!(
            wd.output("api_audiences"),
            serde_json::json!([
                "https://kubernetes.default.svc.cluster.local",
                "https://example-irsa.s3.eu-west-1.amazonaws.com/cluster-a"
            ])
        );
        let renderings = wd.output("renderings");
        for (name, text) in renderings.as_object().unwrap() {
            let parsed: Result<serde_yaml::Value, _> = serde_yaml::from_str(text.as_str().unwrap());
            assert!(parsed.is_ok(), "{ctx}: {name} is not YAML: {text}");
        }
        let v1beta4: serde_yaml::Value =
            serde_yaml::from_str(renderings["kubeadm_v1beta4"].as_str().unwrap()).unwrap();
        let issuers: Vec<&str> = v1beta4["apiServer"]["extraArgs"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter(|a| a["name"] == "service-account-issuer")
            .map(|a| a["value"].as_str().unwrap())
            .collect();
        assert_eq!(issuers.len(), 2, "{ctx}: v1beta4 keeps repeated flags");

        assert_eq!(wd.plan_exit_code(), 0, "{ctx}: a second plan is empty");
        wd.destroy_ok();
    }
}
per_version!(data_sources_agree_with_openssl_on_every_terraform_and_install_style);

fn expect_plan_error(version: TfVersion, body: &str, attribute: &str, summary: &str) {
    let wd = Workdir::new(version, Install::DevOverrides);
    wd.write(
        "main.tf",
        &format!("{HEADER}\nprovider \"irsa\" {{}}\n{body}"),
    );
    let out = wd.plan().assert_failure();
    let text = out.combined();
    assert!(
        text.contains(summary),
        "{version:?}: expected {summary:?} in:\n{text}"
    );
    assert!(
        text.contains(attribute),
        "{version:?}: the error should point at {attribute}:\n{text}"
    );
    // The same mistake is caught by `terraform validate`, before any plan.
    let out = wd.validate().assert_failure();
    assert!(
        out.combined().contains(summary),
        "{version:?}: validate:\n{}",
        out.combined()
    );
}

fn bad_input_fails_at_plan_time_naming_the_attribute(version: TfVersion) {
    let key = KeyPair::generate(&["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
    let private = hcl_string(&key.private_pem());
    let malformed =
        hcl_string("-----BEGIN PUBLIC KEY-----\nnot base64 at all!\n-----END PUBLIC KEY-----\n");
    expect_plan_error(
        version,
        &format!("data \"irsa_jwks_document\" \"x\" {{\n  public_keys_pem = [{malformed}]\n}}\n"),
        "public_keys_pem",
        "Invalid public key",
    );
    expect_plan_error(
        version,
        &format!("data \"irsa_jwks_document\" \"x\" {{\n  public_keys_pem = [{private}]\n}}\n"),
        "public_keys_pem",
        "private key",
    );
    expect_plan_error(
        version,
        "data \"irsa_apiserver_flags\" \"x\" {\n  issuer_url = \"https://example.com/issuer/\"\n}\n",
        "issuer_url",
        "trailing slash",
    );
}
per_version!(bad_input_fails_at_plan_time_naming_the_attribute);

fn provider_configured_against_the_emulator_serves_the_data_sources(version: TfVersion) {
    let moto = Moto::shared();
    let key = KeyPair::generate(&["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(moto.env());
    wd.write(
        "main.tf",
        &format!(
            r#"{config}
data "irsa_jwks_document" "this" {{
  public_keys_pem = [{pem}]
}}
output "kids" {{ value = data.irsa_jwks_document.this.kids }}
"#,
            config = moto.provider_config(),
            pem = hcl_string(&key.public_pem()),
        ),
    );
    wd.apply_ok();
    assert_eq!(
        wd.output("kids"),
        serde_json::json!([key.openssl_kid()]),
        "{version:?}"
    );
}
per_version!(provider_configured_against_the_emulator_serves_the_data_sources);

#[test]
fn pure_data_sources_need_no_aws_credentials_or_reachable_endpoints() {
    // No AWS_* variables at all (the harness clears them) and an endpoint on
    // a closed port: configuring the provider makes no call.
    let key = KeyPair::generate(&["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]);
    let wd = Workdir::new(TfVersion::Current, Install::DevOverrides);
    wd.write(
        "main.tf",
        &format!(
            r#"{HEADER}
provider "irsa" {{
  endpoints {{ s3 = "http://127.0.0.1:9" }}
}}
data "irsa_jwks_document" "this" {{ public_keys_pem = [{pem}] }}
output "algorithms" {{ value = data.irsa_jwks_document.this.algorithms }}
"#,
            pem = hcl_string(&key.public_pem())
        ),
    );
    wd.apply_ok();
    assert_eq!(wd.output("algorithms"), serde_json::json!(["ES384"]));
}

fn ctrl_c_during_apply_does_not_kill_the_provider(version: TfVersion) {
    // A terminal's Ctrl-C reaches Terraform and its providers alike. The
    // provider must ignore it (Terraform stops it through StopProvider and
    // closes it with Shutdown), as Go plugins do.
    let key = KeyPair::generate(&["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"]);
    let body = format!(
        "{HEADER}\nprovider \"irsa\" {{}}\ndata \"irsa_jwks_document\" \"k\" {{\n  count           = 40\n  public_keys_pem = [{}]\n}}\n",
        hcl_string(&key.public_pem())
    );
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.env("TF_LOG", "debug");
    wd.write("main.tf", &body);
    // The signal must land while a provider process is alive; a provider
    // that had already exited cannot show anything, so try again.
    let mut delivered = None;
    for _ in 0..5 {
        let out = wd.run_with_ctrl_c(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        assert!(
            !out.stderr.contains("signal: interrupt"),
            "{version:?}: the provider died of SIGINT:\n{}",
            out.stderr
        );
        if out.stderr.contains("ignoring interrupt signal") {
            delivered = Some(out);
            break;
        }
    }
    let out =
        delivered.unwrap_or_else(|| panic!("{version:?}: SIGINT never reached a running provider"));
    assert!(
        out.stderr.contains("plugin exited"),
        "{version:?}: the provider was shut down normally"
    );
}
per_version!(ctrl_c_during_apply_does_not_kill_the_provider);
