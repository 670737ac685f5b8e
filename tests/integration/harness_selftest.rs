//! Checks the test harness itself (tests/integration/support, scripts/); needs
//! no working provider.

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
