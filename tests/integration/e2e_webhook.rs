//! `irsa_pod_identity_webhook` through real terraform, on Terraform 1.11 and
//! 1.0.3: both TLS modes rendered and checked against the Kubernetes
//! OpenAPI schemas (kubernetes-validate, strict, several minor versions),
//! the private key kept out of every output but the sensitive Secret and
//! out of the plan, a role and a webhook agreeing on a non-default
//! audience, and every refusal stopped at plan naming its attribute. The
//! serving certificates are made by openssl, not by the code under test.

use std::process::Command;

use serde_json::{json, Value as Json};

use crate::support::{
    per_version, random_suffix, repo_root, validate_k8s, venv_python, Install, Moto, TfVersion,
    Workdir,
};

/// A CA and a serving certificate for the webhook's Service, from openssl.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new(dns_names: &[&str]) -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let sans: Vec<String> = dns_names.iter().map(|n| format!("DNS:{n}")).collect();
        let script = format!(
            "set -e
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -subj '/CN=webhook test CA' -days 30 -out ca.pem \
  -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign'
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out tls.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key
openssl req -new -key tls.key -subj '/CN=webhook' -out tls.csr
printf 'subjectAltName={}\\nextendedKeyUsage=serverAuth\\n' > ext
openssl x509 -req -in tls.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile ext -out tls.pem",
            sans.join(",")
        );
        let out = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .current_dir(dir.path())
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl failed (is openssl installed?): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Pki { dir }
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap()
    }

    /// Copy the files into a working directory, for `file()`.
    fn install(&self, wd: &Workdir) {
        for f in ["ca.pem", "tls.pem", "tls.key", "other.key"] {
            wd.write(f, &self.read(f));
        }
    }
}

const HEADER: &str = r#"terraform {
  required_providers {
    irsa = { source = "irsa/irsa" }
  }
}
"#;

fn workdir(version: TfVersion) -> Workdir {
    let wd = Workdir::new(version, Install::Mirror);
    wd.write("main.tf", HEADER);
    wd.init_ok();
    wd
}

/// `manifests` decoded.
fn objects(manifests: &Json) -> Vec<Json> {
    manifests
        .as_array()
        .expect("manifests is a list")
        .iter()
        .map(|m| serde_json::from_str(m.as_str().unwrap()).expect("each manifest is JSON"))
        .collect()
}

fn yaml_docs(text: &str) -> Vec<Json> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| serde::Deserialize::deserialize(d).expect("YAML document"))
        .collect()
}

fn kinds(objects: &[Json]) -> Vec<String> {
    objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn container_flags(objects: &[Json]) -> Vec<String> {
    let dep = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
    dep["spec"]["template"]["spec"]["containers"][0]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect()
}

/// The YAML forms hold exactly the objects of `manifests`, and Python's
/// YAML 1.1 reader agrees with the Rust one.
fn assert_yaml_forms(out: &Json, name: &str, ctx: &str) {
    let objs = objects(&out[format!("{name}_manifests")]["value"]);
    let text = out[format!("{name}_yaml")]["value"].as_str().unwrap();
    assert_eq!(yaml_docs(text), objs, "{ctx}: yaml");
    let talos = out[format!("{name}_talos")]["value"].as_str().unwrap();
    let patch: Json = serde_yaml::from_str(talos).unwrap();
    assert_eq!(
        patch["cluster"]["inlineManifests"][0]["contents"],
        json!(text),
        "{ctx}: talos"
    );
    let py = Command::new(venv_python())
        .arg("-c")
        .arg(
            "import sys, json, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin.read()))))",
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    py.stdin
        .as_ref()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let res = py.wait_with_output().unwrap();
    assert!(res.status.success());
    let read: Json = serde_json::from_slice(&res.stdout).unwrap();
    assert_eq!(read, json!(objs), "{ctx}: PyYAML reads the same objects");
}

fn renders_valid_objects_in_both_modes(version: TfVersion) {
    let ctx = format!("both TLS modes, {version}");
    let pki = Pki::new(&["irsa-hook.irsa.svc", "irsa-hook.irsa.svc.cluster.local"]);
    let wd = workdir(version);
    pki.install(&wd);
    let mut tf = String::from(HEADER);
    tf.push_str(
        r#"
data "irsa_pod_identity_webhook" "default" {}

data "irsa_pod_identity_webhook" "provided" {
  name           = "irsa-hook"
  namespace      = "irsa"
  replicas       = 1
  failure_policy = "Fail"
  aws_region     = "eu-west-1"
  node_selector  = { "node-role.kubernetes.io/control-plane" = "" }
  toleration {
    key      = "node-role.kubernetes.io/control-plane"
    operator = "Exists"
    effect   = "NoSchedule"
  }
  tls {
    provided {
      certificate_pem    = file("tls.pem")
      private_key_pem    = file("tls.key")
      ca_certificate_pem = file("ca.pem")
    }
  }
}
"#,
    );
    for name in ["default", "provided"] {
        tf.push_str(&format!(
            r#"
output "{name}_manifests" {{ value = data.irsa_pod_identity_webhook.{name}.manifests }}
output "{name}_yaml" {{ value = data.irsa_pod_identity_webhook.{name}.yaml }}
output "{name}_talos" {{ value = data.irsa_pod_identity_webhook.{name}.talos_inline_manifest }}
output "{name}_ca_bundle" {{ value = data.irsa_pod_identity_webhook.{name}.ca_bundle }}
output "{name}_secret" {{
  value     = data.irsa_pod_identity_webhook.{name}.tls_secret_manifest
  sensitive = true
}}
"#
        ));
    }
    wd.write("main.tf", &tf);
    let plan = wd.plan_ok();
    let applied = wd.apply_ok();
    let out = wd.output_json();

    // The default: cert-manager with the webhook's own CA.
    let default = objects(&out["default_manifests"]["value"]);
    assert_eq!(
        kinds(&default),
        [
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Issuer",
            "Certificate",
            "Issuer",
            "Certificate",
            "Deployment",
            "Service",
            "PodDisruptionBudget",
            "MutatingWebhookConfiguration"
        ],
        "{ctx}"
    );
    assert!(
        out["default_secret"]["value"].is_null() && out["default_ca_bundle"]["value"].is_null()
    );
    let flags = container_flags(&default);
    for f in [
        "--token-audience=sts.amazonaws.com",
        "--annotation-prefix=eks.amazonaws.com",
        "--token-expiration=86400",
        "--in-cluster=false",
    ] {
        assert!(flags.contains(&f.to_owned()), "{ctx}: {f} in {flags:?}");
    }
    assert!(!flags.iter().any(|f| f.starts_with("--aws-default-region")));
    let report = validate_k8s(&default);
    assert_eq!(report["failed"], 0, "{ctx}: {report}");

    // Provided: the Secret apart, the caBundle from the CA.
    let provided = objects(&out["provided_manifests"]["value"]);
    assert_eq!(
        kinds(&provided),
        [
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment",
            "Service",
            "MutatingWebhookConfiguration"
        ],
        "{ctx}"
    );
    let secret: Json =
        serde_json::from_str(out["provided_secret"]["value"].as_str().unwrap()).unwrap();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let decode = |v: &Json| String::from_utf8(b64.decode(v.as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(decode(&secret["data"]["tls.key"]), pki.read("tls.key"));
    assert_eq!(decode(&secret["data"]["tls.crt"]), pki.read("tls.pem"));
    let hook = provided.last().unwrap();
    assert_eq!(
        decode(&hook["webhooks"][0]["clientConfig"]["caBundle"]),
        pki.read("ca.pem")
    );
    assert_eq!(
        hook["webhooks"][0]["clientConfig"]["caBundle"],
        out["provided_ca_bundle"]["value"]
    );
    assert_eq!(hook["webhooks"][0]["failurePolicy"], "Fail");
    assert_eq!(
        hook["webhooks"][0]["clientConfig"]["service"]["namespace"],
        "irsa"
    );
    let flags = container_flags(&provided);
    assert!(
        flags.contains(&"--aws-default-region=eu-west-1".to_owned()),
        "{flags:?}"
    );
    assert!(
        flags.contains(&"--sts-regional-endpoint=true".to_owned()),
        "{flags:?}"
    );
    let mut all = provided.clone();
    all.push(secret);
    let report = validate_k8s(&all);
    assert_eq!(report["failed"], 0, "{ctx}: {report}");
    assert!(
        report["versions"].as_array().unwrap().len() >= 3,
        "{report}"
    );

    for name in ["default", "provided"] {
        assert_yaml_forms(&out, name, &ctx);
    }

    // The key is in no plan, no apply output, and no output but the Secret.
    let key_line = pki.read("tls.key").lines().nth(1).unwrap().to_owned();
    let key_b64 = b64.encode(pki.read("tls.key"));
    for (what, text) in [("plan", plan.combined()), ("apply", applied.combined())] {
        assert!(
            !text.contains(&key_line) && !text.contains(&key_b64),
            "{ctx}: key in {what}"
        );
    }
    for (name, v) in out.as_object().unwrap() {
        if name != "provided_secret" {
            let text = v.to_string();
            assert!(
                !text.contains(&key_b64) && !text.contains("PRIVATE KEY"),
                "{ctx}: key in {name}"
            );
        }
    }
    let state = wd.show_json();
    let ds = state["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "data.irsa_pod_identity_webhook.provided")
        .unwrap();
    // Terraform 1.0.3's `show -json` marks only values that configuration
    // made sensitive, not a data source's sensitive schema attributes.
    if version == TfVersion::Current {
        assert_eq!(ds["sensitive_values"]["tls_secret_manifest"], true, "{ctx}");
        let sensitive = ds["sensitive_values"].to_string();
        assert!(
            sensitive.contains(r#""private_key_pem":true"#),
            "{ctx}: {sensitive}"
        );
    }

    // A second plan is empty: nothing is rendered differently.
    assert_eq!(wd.plan_exit_code(), 0, "{ctx}: second plan");
}
per_version!(renders_valid_objects_in_both_modes);

/// A role and a webhook for a non-default audience: the webhook projects
/// tokens for the role's audience, and the role's annotations say so too.
fn role_and_webhook_agree_on_the_audience(version: TfVersion) {
    let moto = Moto::shared();
    let ctx = format!("audience, {version}");
    let host_path = format!("oidc-{}.example.com/cluster", random_suffix());
    let provider = boto_oidc_provider(moto, &host_path);
    let name = format!("hook-aud-{}", random_suffix());
    let mut wd = Workdir::new(version, Install::Mirror);
    wd.envs(moto.env());
    wd.write(
        "main.tf",
        &format!(
            r#"{provider_config}

resource "irsa_role" "app" {{
  name              = "{name}"
  oidc_provider_arn = "{provider}"
  service_accounts  = ["apps:reader"]
  audience          = "irsa.example.com"
}}

data "irsa_pod_identity_webhook" "this" {{
  audience = irsa_role.app.audience
}}

output "annotations" {{ value = irsa_role.app.service_account_annotations }}
output "manifests" {{ value = data.irsa_pod_identity_webhook.this.manifests }}
output "audience" {{ value = data.irsa_pod_identity_webhook.this.audience }}
"#,
            provider_config = moto.provider_config()
        ),
    );
    wd.init_ok();
    wd.apply_ok();
    let annotations = wd.output("annotations");
    assert_eq!(
        annotations["eks.amazonaws.com/audience"], "irsa.example.com",
        "{ctx}"
    );
    assert!(annotations["eks.amazonaws.com/role-arn"]
        .as_str()
        .unwrap()
        .ends_with(&format!(":role/{name}")));
    assert_eq!(wd.output("audience"), "irsa.example.com");
    let flags = container_flags(&objects(&wd.output("manifests")));
    assert!(
        flags.contains(&"--token-audience=irsa.example.com".to_owned()),
        "{ctx}: {flags:?}"
    );
    assert_eq!(wd.plan_exit_code(), 0, "{ctx}: second plan");
    wd.destroy_ok();
}
per_version!(role_and_webhook_agree_on_the_audience);

fn boto_oidc_provider(moto: &Moto, host_path: &str) -> String {
    moto.boto(&format!(
        "out = iam.create_open_id_connect_provider(Url='https://{host_path}', \
         ClientIDList=['irsa.example.com'], ThumbprintList=['a' * 40])['OpenIDConnectProviderArn']"
    ))
    .as_str()
    .unwrap()
    .to_owned()
}

/// Every refusal is stopped at plan, before anything is rendered, and names
/// its attribute.
fn refusals_are_stopped_at_plan(version: TfVersion) {
    let pki = Pki::new(&[
        "pod-identity-webhook.kube-system.svc",
        "pod-identity-webhook.kube-system.svc.cluster.local",
    ]);
    let other_ca = Pki::new(&["pod-identity-webhook.kube-system.svc"]);
    let wd = workdir(version);
    pki.install(&wd);
    wd.write("other-ca.pem", &other_ca.read("ca.pem"));
    let provided = |cert: &str, key: &str, ca: &str| {
        format!(
            "tls {{\n provided {{\n certificate_pem = file(\"{cert}\")\n private_key_pem = file(\"{key}\")\n ca_certificate_pem = file(\"{ca}\")\n }}\n }}"
        )
    };
    let cases: Vec<(String, &str, &str)> = vec![
        ("name = \"Bad_Name\"".into(), "name", "Invalid name"),
        ("namespace = \"-irsa\"".into(), "namespace", "Invalid namespace"),
        (
            "image = \"amazon/amazon-eks-pod-identity-webhook:latest\"".into(),
            "image",
            "latest",
        ),
        ("image = \"amazon/amazon-eks-pod-identity-webhook\"".into(), "image", "no tag"),
        ("replicas = 0".into(), "replicas", "Invalid replica count"),
        ("audience = \"two words\"".into(), "audience", "audience"),
        ("token_expiration = 600".into(), "token_expiration", "3600"),
        ("failure_policy = \"Sometimes\"".into(), "failure_policy", "Invalid failure policy"),
        ("aws_region = \"moon-1\"".into(), "aws_region", "moon-1"),
        (
            "toleration {\n operator = \"Exists\"\n value = \"x\"\n }".into(),
            "toleration",
            "takes no value",
        ),
        (provided("tls.pem", "other.key", "ca.pem"), "private_key_pem", "does not belong"),
        (provided("tls.pem", "tls.key", "other-ca.pem"), "certificate_pem", "not signed by the CA"),
        (
            format!("namespace = \"irsa\"\n{}", provided("tls.pem", "tls.key", "ca.pem")),
            "certificate_pem",
            "irsa.svc",
        ),
        (
            "tls {\n cert_manager {}\n provided {\n certificate_pem = \"x\"\n private_key_pem = \"x\"\n ca_certificate_pem = \"x\"\n }\n }".into(),
            "tls",
            "Two TLS modes",
        ),
    ];
    for (body, attr, message) in &cases {
        wd.write(
            "main.tf",
            &format!("{HEADER}\ndata \"irsa_pod_identity_webhook\" \"this\" {{\n{body}\n}}\n"),
        );
        let out = wd.plan().assert_failure();
        let text = out.combined();
        assert!(
            text.contains(attr) && text.contains(message),
            "{version}: `{body}` should be refused naming {attr} and {message:?}:\n{text}"
        );
        assert!(
            !text.contains(pki.read("tls.key").lines().nth(1).unwrap()),
            "{version}: key material in a refusal"
        );
    }
    // An unknown value is not refused at plan; the check runs once known.
    wd.write(
        "main.tf",
        &format!(
            "{HEADER}\nresource \"terraform_data\" \"ns\" {{ input = \"kube-system\" }}\n\
             data \"irsa_pod_identity_webhook\" \"this\" {{\n namespace = \"${{terraform_data.ns.output}}\"\n{}\n}}\n",
            provided("tls.pem", "tls.key", "ca.pem")
        ),
    );
    if version == TfVersion::Current {
        // terraform_data exists since Terraform 1.4.
        wd.init_ok();
        wd.plan_ok();
    }
}
per_version!(refusals_are_stopped_at_plan);

/// The committed golden renderings pass the schemas too, so a reviewer of a
/// golden-file change sees a schema break at once.
#[test]
fn golden_renderings_pass_the_kubernetes_schemas() {
    let golden = repo_root().join("src/domain/testdata/golden");
    for file in [
        "webhook_cert_manager.json",
        "webhook_provided.json",
        "webhook_provided_secret.json",
    ] {
        let text = std::fs::read_to_string(golden.join(file)).unwrap();
        let objects: Vec<Json> = serde_json::from_str(&text).unwrap();
        let report = validate_k8s(&objects);
        assert_eq!(report["failed"], 0, "{file}: {report}");
    }
}
