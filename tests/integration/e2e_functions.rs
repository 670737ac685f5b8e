//! The provider functions through real terraform. Terraform 1.8 brought
//! provider-defined functions, so they are called on 1.11; on 1.0.3 the
//! provider, which now also declares functions, must still serve its
//! schema and data sources.
//!
//! Each function is compared with what the resource or data source that
//! does the same thing computed, in the same apply, against moto.

use serde_json::{json, Value as Json};

use crate::support::{random_suffix, Install, Moto, TfVersion, Workdir};

fn openssl_public_key(dir: &std::path::Path) -> String {
    let key = dir.join("sa.key");
    let ok = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&key)
        .status()
        .expect("run openssl");
    assert!(
        ok.success(),
        "openssl genpkey failed (is openssl installed?)"
    );
    let out = std::process::Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn functions_agree_with_the_resources_and_data_sources() {
    let moto = Moto::shared();
    let s = random_suffix();
    let bucket = format!("irsa-fn-{s}");
    let mut wd = Workdir::new(TfVersion::Current, Install::Mirror);
    wd.envs(moto.env());
    let pem = openssl_public_key(&wd.path());
    wd.write("sa.pub", &pem);
    wd.write(
        "main.tf",
        &format!(
            r#"{provider}
resource "irsa_issuer" "this" {{
  bucket = "{bucket}"
  prefix = "fn"
}}

data "irsa_jwks_document" "this" {{
  public_keys_pem = [file("sa.pub")]
}}

resource "irsa_role" "this" {{
  name              = "irsa-fn-{s}"
  oidc_provider_arn = irsa_issuer.this.oidc_provider_arn
  service_accounts  = ["apps:web", "jobs:*"]
}}

output "kid" {{ value = provider::irsa::kid(file("sa.pub")) }}
output "kids" {{ value = data.irsa_jwks_document.this.kids }}
output "jwks_equal" {{ value = provider::irsa::jwks([file("sa.pub")]) == data.irsa_jwks_document.this.json }}
output "discovery_equal" {{
  value = provider::irsa::discovery_document(irsa_issuer.this.issuer_url, irsa_issuer.this.jwks_uri) == irsa_issuer.this.discovery_json
}}
output "host_path_equal" {{
  value = provider::irsa::issuer_host_path(irsa_issuer.this.issuer_url) == irsa_issuer.this.issuer_host_path
}}
output "trust_policy_equal" {{
  value = provider::irsa::trust_policy(irsa_issuer.this.oidc_provider_arn, ["apps:web", "jobs:*"], "sts.amazonaws.com") == irsa_role.this.trust_policy
}}
output "trust_policy" {{
  value = provider::irsa::trust_policy(irsa_issuer.this.oidc_provider_arn, ["apps:web", "jobs:*"], "sts.amazonaws.com")
}}
"#,
            provider = moto.provider_config()
        ),
    );
    wd.init_ok();
    // The issuer's outputs are unknown until apply: the functions wait for
    // them (Terraform does not call a function with unknown arguments).
    let plan = wd.plan_ok();
    assert!(
        plan.stdout.contains("trust_policy_equal"),
        "{}",
        plan.stdout
    );
    wd.apply_ok();
    let out = wd.output_json();
    assert_eq!(out["kids"]["value"], json!([out["kid"]["value"]]));
    for name in [
        "jwks_equal",
        "discovery_equal",
        "host_path_equal",
        "trust_policy_equal",
    ] {
        assert_eq!(out[name]["value"], json!(true), "{name}: {out}");
    }
    let policy: Json =
        serde_json::from_str(out["trust_policy"]["value"].as_str().unwrap()).unwrap();
    assert_eq!(
        policy["Statement"][0]["Action"], "sts:AssumeRoleWithWebIdentity",
        "{policy}"
    );
    assert_eq!(wd.plan_exit_code(), 0, "second plan");
    wd.destroy_ok();
}

/// A refused argument is reported at that argument, with the rule's words.
#[test]
fn argument_errors_name_the_argument() {
    let wd = Workdir::new(TfVersion::Current, Install::Mirror);
    let cases = [
        (r#"provider::irsa::kid("not a key")"#, "\"pem\""),
        (
            r#"provider::irsa::issuer_host_path("https://x.example.com/")"#,
            "\"issuer_url\"",
        ),
        (
            r#"provider::irsa::discovery_document("https://x.example.com", "https://x.example.com/keys.json", "RS256", "HS256")"#,
            "\"signing_algorithms\"",
        ),
        (
            r#"provider::irsa::trust_policy("arn:aws:iam::123456789012:oidc-provider/x.example.com", ["no-colon"], "sts.amazonaws.com")"#,
            "\"service_accounts\"",
        ),
        (
            r#"provider::irsa::trust_policy("arn:aws:iam::123456789012:role/x", ["a:b"], "sts.amazonaws.com")"#,
            "\"oidc_provider_arn\"",
        ),
        (
            r#"provider::irsa::trust_policy("arn:aws:iam::123456789012:oidc-provider/x.example.com", ["a:b"], "two words")"#,
            "\"audience\"",
        ),
    ];
    wd.write(
        "main.tf",
        "terraform {\n  required_providers {\n    irsa = { source = \"irsa/irsa\" }\n  }\n}\n",
    );
    wd.init_ok();
    for (call, parameter) in cases {
        wd.write(
            "main.tf",
            &format!(
                "terraform {{\n  required_providers {{\n    irsa = {{ source = \"irsa/irsa\" }}\n  }}\n}}\noutput \"x\" {{ value = {call} }}\n"
            ),
        );
        let out = wd.plan().assert_failure();
        let text = out.combined();
        assert!(
            text.contains(&format!("Invalid value for {parameter} parameter")),
            "{call}: expected the error at {parameter}:\n{text}"
        );
    }
}

/// Terraform 1.0.3 knows no functions; the provider declaring them must
/// not disturb it.
#[test]
fn terraform_1_0_3_reads_a_schema_that_declares_functions() {
    let wd = Workdir::new(TfVersion::V1_0_3, Install::Mirror);
    wd.write(
        "main.tf",
        r#"terraform {
  required_providers {
    irsa = { source = "irsa/irsa" }
  }
}
data "irsa_jwks_document" "x" {
  public_keys_pem = [file("sa.pub")]
}
output "kids" { value = data.irsa_jwks_document.x.kids }
"#,
    );
    wd.write("sa.pub", &openssl_public_key(&wd.path()));
    wd.init_ok();
    let schema = wd.run(&["providers", "schema", "-json"]).assert_success();
    let schema: Json = serde_json::from_str(&schema.stdout).unwrap();
    let irsa = &schema["provider_schemas"]["registry.terraform.io/irsa/irsa"];
    assert!(irsa["data_source_schemas"]["irsa_jwks_document"].is_object());
    assert!(
        irsa.get("functions").is_none(),
        "1.0.3 reports no functions"
    );
    wd.apply_ok();
    assert_eq!(wd.output("kids").as_array().map(Vec::len), Some(1));

    // And 1.11 lists them.
    let current = Workdir::new(TfVersion::Current, Install::Mirror);
    current.write("main.tf", &wd.read("main.tf"));
    current.init_ok();
    let schema = current
        .run(&["providers", "schema", "-json"])
        .assert_success();
    let schema: Json = serde_json::from_str(&schema.stdout).unwrap();
    let functions = &schema["provider_schemas"]["registry.terraform.io/irsa/irsa"]["functions"];
    let mut names: Vec<&String> = functions.as_object().unwrap().keys().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "discovery_document",
            "issuer_host_path",
            "jwks",
            "kid",
            "trust_policy"
        ]
    );
    assert_eq!(functions["trust_policy"]["return_type"], "string");
}
