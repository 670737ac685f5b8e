//! `irsa_jwks` through real Terraform (1.11 and 1.0.3) against moto and a
//! stand-in Kubernetes API server: PEM input, the Cluster API secret, the
//! apiserver's `/openid/v1/jwks`, the TKGm two-phase flow, rotation, drift,
//! import, the cost of a refresh, clear errors for an unreachable or
//! misconfigured cluster, destroy.
//!
//! No real kube-apiserver can run on the machines that run these tests (no
//! container engine), so cluster access is tested against
//! `support::kube_apiserver`: a small HTTPS server with a CA made by the
//! test, bearer-token auth, and the Secret and `/openid/v1/jwks` endpoints in
//! the real API's JSON shapes. The provider reaches it through the real
//! `kube` client crate, driven by a real kubeconfig file.
//!
//! Keys are generated with openssl for each test; the expected kids are
//! computed by Python's `cryptography`, independently of the provider.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

use crate::support::kube_apiserver::KubeApiServer;
use crate::support::{
    per_version, random_suffix, state_resource, Install, Moto, TfVersion, Workdir,
};

const TOKEN: &str = "stand-in-token-b7c1";

/// A key pair made by openssl: the private key and the public key PEM.
pub(crate) struct KeyPair {
    pub(crate) private_pem: String,
    pub(crate) public_pem: String,
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is needed by these tests (it is on every supported machine)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn key_pair(dir: &Path, name: &str, ec: bool) -> KeyPair {
    let key = format!("{name}.key");
    let public = format!("{name}.pub");
    if ec {
        openssl(
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                &key,
            ],
            dir,
        );
    } else {
        openssl(
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                &key,
            ],
            dir,
        );
    }
    openssl(&["pkey", "-in", &key, "-pubout", "-out", &public], dir);
    KeyPair {
        private_pem: std::fs::read_to_string(dir.join(key)).unwrap(),
        public_pem: std::fs::read_to_string(dir.join(public)).unwrap(),
    }
}

/// The kid Kubernetes gives a public key, computed with Python's
/// `cryptography`: base64url(SHA-256(DER SubjectPublicKeyInfo)), unpadded.
pub(crate) fn kid_of(moto: &Moto, public_pem: &str) -> String {
    let program = "import sys, hashlib, base64\n\
        from cryptography.hazmat.primitives import serialization\n\
        k = serialization.load_pem_public_key(sys.stdin.read().encode())\n\
        der = k.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)\n\
        print(base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b'=').decode())\n";
    python_with_stdin(moto, program, public_pem)
}

/// Run a Python program with `input` on stdin; returns its trimmed stdout.
fn python_with_stdin(moto: &Moto, program: &str, input: &str) -> String {
    use std::io::Write;
    let mut child = moto
        .python()
        .arg("-c")
        .arg(program)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python failed: {program}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Run a boto3 script (with `s3` a client) and return the JSON left in `out`.
fn boto(moto: &Moto, script: &str) -> Json {
    let program = format!(
        "import boto3, json\ns3 = boto3.client('s3')\nout = None\n{script}\nprint(json.dumps(out, default=str))\n"
    );
    let res = moto.python().arg("-c").arg(&program).output().unwrap();
    assert!(
        res.status.success(),
        "boto3 script failed:\n{program}\n{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let stdout = String::from_utf8_lossy(&res.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or("null")).unwrap()
}

/// The object's text, or null when it does not exist.
fn object(moto: &Moto, bucket: &str, key: &str) -> Option<String> {
    boto(
        moto,
        &format!(
            "try:\n    out = s3.get_object(Bucket='{bucket}', Key='{key}')['Body'].read().decode()\n\
             except (s3.exceptions.NoSuchKey, s3.exceptions.NoSuchBucket):\n    out = None"
        ),
    )
    .as_str()
    .map(str::to_owned)
}

fn put_object(moto: &Moto, bucket: &str, key: &str, body: &str) {
    boto(
        moto,
        &format!("s3.put_object(Bucket='{bucket}', Key='{key}', Body={body:?}.encode())"),
    );
}

/// The planned change of `address` from `terraform show -json <planfile>`.
fn planned_change(wd: &Workdir, address: &str) -> Json {
    wd.run(&["plan", "-input=false", "-no-color", "-out=tf.plan"])
        .assert_success();
    let out = wd
        .run(&["show", "-json", "-no-color", "tf.plan"])
        .assert_success();
    let plan: Json = serde_json::from_str(&out.stdout).unwrap();
    plan["resource_changes"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == address))
        .map(|r| r["change"].clone())
        .unwrap_or_else(|| panic!("no change for {address}: {plan:#}"))
}

fn workdir(moto: &Moto, version: TfVersion, body: &str) -> Workdir {
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(moto.env());
    wd.write("main.tf", &format!("{}{body}", moto.provider_config()));
    wd
}

fn issuer_block(bucket: &str) -> String {
    format!(
        r#"
resource "irsa_issuer" "i" {{
  bucket    = "{bucket}"
  url_style = "path"
}}
"#
    )
}

fn strings(v: &Json) -> Vec<String> {
    serde_json::from_value(v.clone()).unwrap()
}

// ------------------------------------------------------------------ tests

/// PEM input: publish, read back byte for byte, refresh cost, drift repaired,
/// rotation (add, then remove the old key), import, destroy.
fn pem_keys_publish_rotate_drift_import_and_destroy(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let bucket = format!("jwks-pem-{s}");
    let keys_dir = tempfile::tempdir().unwrap();
    let old = key_pair(keys_dir.path(), "old", false);
    let new = key_pair(keys_dir.path(), "new", true);
    let old_kid = kid_of(moto, &old.public_pem);
    let new_kid = kid_of(moto, &new.public_pem);
    let config = |pems: &[&str]| {
        let files: Vec<String> = pems.iter().map(|p| format!("file(\"{p}\")")).collect();
        format!(
            r#"{issuer}
resource "irsa_jwks" "k" {{
  bucket          = irsa_issuer.i.bucket
  key             = irsa_issuer.i.jwks_key
  public_keys_pem = [{files}]
}}
output "kids" {{ value = irsa_jwks.k.kids }}
"#,
            issuer = issuer_block(&bucket),
            files = files.join(", ")
        )
    };
    let wd = workdir(moto, version, &config(&["old.pub"]));
    wd.write("old.pub", &old.public_pem);
    wd.write("new.pub", &new.public_pem);
    wd.apply_ok();

    let state = wd.show_json();
    let jwks = &state_resource(&state, "irsa_jwks.k")["values"];
    assert_eq!(strings(&jwks["kids"]), [old_kid.as_str()], "{version:?}");
    assert_eq!(strings(&jwks["algorithms"]), ["RS256"]);
    assert_eq!(jwks["id"], format!("{bucket}/keys.json"));
    assert!(jwks["etag"]
        .as_str()
        .is_some_and(|e| !e.is_empty() && !e.contains('"')));
    let published = object(moto, &bucket, "keys.json").expect("published");
    assert_eq!(published, jwks["json"].as_str().unwrap(), "byte for byte");
    let doc: Json = serde_json::from_str(&published).unwrap();
    assert_eq!(doc["keys"][0]["kid"], old_kid.as_str());
    assert_eq!(doc["keys"][0]["use"], "sig");
    assert_eq!(wd.plan_exit_code(), 0, "{version:?}: re-plan is clean");

    // Drift: the object is overwritten out of band.
    put_object(moto, &bucket, "keys.json", "{\"keys\": []}");
    let change = planned_change(&wd, "irsa_jwks.k");
    assert_eq!(change["actions"], serde_json::json!(["update"]));
    assert_eq!(strings(&change["before"]["kids"]), Vec::<String>::new());
    assert_eq!(strings(&change["after"]["kids"]), [old_kid.as_str()]);
    wd.apply_ok();
    assert_eq!(object(moto, &bucket, "keys.json").unwrap(), published);

    // Rotation, step 1: publish the new key beside the old one. The issuer
    // advertises only RS256, so the EC key draws a warning.
    wd.write(
        "main.tf",
        &format!(
            "{}{}",
            moto.provider_config(),
            config(&["old.pub", "new.pub"])
        ),
    );
    let plan = wd.plan_ok();
    assert!(
        plan.combined()
            .contains("Key algorithm not advertised by the issuer")
            && plan.combined().contains("ES256"),
        "{plan}"
    );
    let change = planned_change(&wd, "irsa_jwks.k");
    assert_eq!(change["actions"], serde_json::json!(["update"]));
    let mut both = vec![old_kid.clone(), new_kid.clone()];
    both.sort();
    assert_eq!(strings(&change["before"]["kids"]), [old_kid.as_str()]);
    assert_eq!(strings(&change["after"]["kids"]), both);
    wd.apply_ok();
    assert_eq!(strings(&wd.output("kids")), both);
    // Step 2: drop the old key.
    wd.write(
        "main.tf",
        &format!("{}{}", moto.provider_config(), config(&["new.pub"])),
    );
    let change = planned_change(&wd, "irsa_jwks.k");
    assert_eq!(strings(&change["after"]["kids"]), [new_kid.as_str()]);
    wd.apply_ok();
    let doc: Json = serde_json::from_str(&object(moto, &bucket, "keys.json").unwrap()).unwrap();
    assert_eq!(doc["keys"].as_array().unwrap().len(), 1);
    assert_eq!(doc["keys"][0]["kid"], new_kid.as_str());
    assert_eq!(wd.plan_exit_code(), 0);

    // Import into a fresh state: plans clean and matches.
    let before = state_resource(&wd.show_json(), "irsa_jwks.k")["values"].clone();
    wd.run(&["state", "rm", "irsa_jwks.k"]).assert_success();
    wd.import_ok("irsa_jwks.k", &format!("{bucket}/keys.json"));
    let after = state_resource(&wd.show_json(), "irsa_jwks.k")["values"].clone();
    for name in [
        "id",
        "bucket",
        "key",
        "region",
        "json",
        "kids",
        "algorithms",
        "etag",
    ] {
        assert_eq!(after[name], before[name], "{version:?}: imported {name}");
    }
    let change = planned_change(&wd, "irsa_jwks.k");
    assert_eq!(
        change["actions"],
        serde_json::json!(["no-op"]),
        "{version:?}: after import"
    );
    if version == TfVersion::Current {
        // Terraform 1.0.3 also drops outputs on `state rm`, and plans to
        // add `kids` back; the resource itself plans no change there too.
        assert_eq!(wd.plan_exit_code(), 0, "clean after import");
    }

    wd.destroy_ok();
    assert_eq!(object(moto, &bucket, "keys.json"), None);
}
per_version!(pem_keys_publish_rotate_drift_import_and_destroy);

/// A refresh of one irsa_jwks costs exactly one call: GetObject.
fn a_refresh_costs_one_get_object(version: TfVersion) {
    let moto = Moto::start();
    let s = random_suffix();
    let bucket = format!("jwks-cost-{s}");
    boto(&moto, &format!("s3.create_bucket(Bucket='{bucket}')"));
    let keys_dir = tempfile::tempdir().unwrap();
    let pair = key_pair(keys_dir.path(), "sa", false);
    let wd = workdir(
        &moto,
        version,
        &format!(
            r#"
resource "irsa_jwks" "k" {{
  bucket          = "{bucket}"
  key             = "c/keys.json"
  public_keys_pem = [file("sa.pub")]
}}
"#
        ),
    );
    wd.write("sa.pub", &pair.public_pem);
    wd.apply_ok();
    moto.start_recording();
    let out = wd.run(&["plan", "-refresh-only", "-input=false", "-no-color"]);
    let calls = moto.stop_recording();
    out.assert_success();
    let names: Vec<String> = calls
        .iter()
        .map(|c| format!("{}:{}", c.service, c.action))
        .collect();
    // The Rust SDK marks GetObject with `?x-id=GetObject`.
    assert_eq!(names, ["s3:GET object?x-id"], "{version:?}");
    wd.destroy_ok();
}
per_version!(a_refresh_costs_one_get_object);

fn cluster_workdir(moto: &Moto, version: TfVersion, bucket: &str, cluster: &str) -> Workdir {
    workdir(moto, version, &cluster_body(bucket, cluster))
}

/// An issuer and, when `cluster_created`, a JWKS read with `cluster`.
fn cluster_body(bucket: &str, cluster: &str) -> String {
    format!(
        r#"{issuer}
variable "cluster_created" {{
  type    = bool
  default = false
}}
resource "irsa_jwks" "k" {{
  count  = var.cluster_created ? 1 : 0
  bucket = irsa_issuer.i.bucket
  key    = irsa_issuer.i.jwks_key
  issuer_signing_algorithms = irsa_issuer.i.signing_algorithms
  cluster {{
{cluster}
  }}
}}
"#,
        issuer = issuer_block(bucket)
    )
}

/// The TKGm two-phase flow: phase 1 before the cluster exists publishes no
/// key set; phase 2 reads the Cluster API `<cluster>-sa` secret from the
/// management cluster. Then the key is rotated in the cluster.
fn two_phase_flow_reads_the_cluster_api_secret(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let bucket = format!("jwks-tkgm-{s}");
    let keys_dir = tempfile::tempdir().unwrap();
    let first = key_pair(keys_dir.path(), "first", false);
    let second = key_pair(keys_dir.path(), "second", false);
    let server = KubeApiServer::start(TOKEN);
    let kubeconfig_dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(kubeconfig_dir.path(), TOKEN);
    let mut wd = cluster_workdir(
        moto,
        version,
        &bucket,
        &format!(
            "    config_path    = \"{}\"\n    config_context = \"stand-in\"\n    secret {{\n      namespace = \"tkg-system\"\n      name      = \"workload-1-sa\"\n    }}",
            kubeconfig.display()
        ),
    );

    // Phase 1: the issuer only; the cluster does not exist yet.
    wd.apply_ok();
    assert_eq!(object(moto, &bucket, "keys.json"), None);
    assert!(
        server.requests().is_empty(),
        "phase 1 must not contact the cluster"
    );

    // The cluster is created: Cluster API stores its key pair.
    server.put_secret(
        "tkg-system",
        "workload-1-sa",
        &[
            ("tls.crt", first.public_pem.as_bytes()),
            ("tls.key", first.private_pem.as_bytes()),
        ],
    );
    wd.env("TF_VAR_cluster_created", "true");
    wd.apply_ok();
    let state = wd.show_json();
    let jwks = &state_resource(&state, "irsa_jwks.k[0]")["values"];
    let first_kid = kid_of(moto, &first.public_pem);
    assert_eq!(strings(&jwks["kids"]), [first_kid.as_str()], "{version:?}");
    assert_eq!(jwks["cluster"]["secret"]["key"], "tls.crt");
    assert_eq!(
        object(moto, &bucket, "keys.json").as_deref(),
        jwks["json"].as_str()
    );
    // Neither the private key nor the token is in the state.
    let raw_state = wd.read("terraform.tfstate");
    let private_body: String = first.private_pem.lines().nth(1).unwrap().to_owned();
    assert!(!raw_state.contains(&private_body), "private key in state");
    assert!(!raw_state.contains(TOKEN), "token in state");
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r == "GET /api/v1/namespaces/tkg-system/secrets/workload-1-sa"),
        "{:?}",
        server.requests()
    );
    assert_eq!(wd.plan_exit_code(), 0, "{version:?}");

    // The signer is rotated in the cluster: the plan shows the new kid.
    server.put_secret(
        "tkg-system",
        "workload-1-sa",
        &[
            ("tls.crt", second.public_pem.as_bytes()),
            ("tls.key", second.private_pem.as_bytes()),
        ],
    );
    let second_kid = kid_of(moto, &second.public_pem);
    let change = planned_change(&wd, "irsa_jwks.k[0]");
    assert_eq!(change["actions"], serde_json::json!(["update"]));
    assert_eq!(strings(&change["before"]["kids"]), [first_kid]);
    assert_eq!(strings(&change["after"]["kids"]), [second_kid.as_str()]);
    wd.apply_ok();
    let doc: Json = serde_json::from_str(&object(moto, &bucket, "keys.json").unwrap()).unwrap();
    assert_eq!(doc["keys"][0]["kid"], second_kid.as_str());

    wd.destroy_ok();
    assert_eq!(object(moto, &bucket, "keys.json"), None);
}
per_version!(two_phase_flow_reads_the_cluster_api_secret);

/// The apiserver's own `/openid/v1/jwks`, with host, token and CA given
/// directly, and the host not known until apply (it depends on a resource
/// created in the same run). A served kid that does not match its key is
/// refused.
fn jwks_endpoint_source_with_settings_known_only_at_apply(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let bucket = format!("jwks-ep-{s}");
    let keys_dir = tempfile::tempdir().unwrap();
    let pair = key_pair(keys_dir.path(), "sa", true);
    let kid = kid_of(moto, &pair.public_pem);
    let served = format!(
        r#"{{"keys":[{{"use":"sig","kty":"EC","kid":"{kid}","crv":"P-256","alg":"ES256","x":"{x}","y":"{y}"}}]}}"#,
        x = ec_coordinate(moto, &pair.public_pem, "x"),
        y = ec_coordinate(moto, &pair.public_pem, "y"),
    );
    let server = KubeApiServer::start(TOKEN);
    server.set_jwks(Some(&served));
    let wd = workdir(
        moto,
        version,
        &format!(
            r#"{issuer}
resource "irsa_jwks" "k" {{
  bucket = irsa_issuer.i.bucket
  key    = irsa_issuer.i.jwks_key
  cluster {{
    # Known only once the issuer exists, as when the cluster is created in
    # the same run.
    host                   = irsa_issuer.i.oidc_provider_arn != "" ? "{host}" : ""
    token                  = "{TOKEN}"
    cluster_ca_certificate = file("ca.pem")
    jwks_endpoint          = true
  }}
}}
"#,
            issuer = issuer_block(&bucket).replace(
                "bucket    =",
                "signing_algorithms = [\"ES256\"]\n  bucket    ="
            ),
            host = server.host(),
        ),
    );
    wd.write("ca.pem", server.ca_pem());
    let change = planned_change(&wd, "irsa_jwks.k");
    assert_eq!(
        change["after_unknown"]["json"], true,
        "{version:?}: {change:#}"
    );
    assert_eq!(change["after_unknown"]["kids"], true);
    assert!(
        server.requests().is_empty(),
        "plan cannot know the host yet"
    );
    wd.apply_ok();
    let state = wd.show_json();
    let jwks = &state_resource(&state, "irsa_jwks.k")["values"];
    assert_eq!(strings(&jwks["kids"]), [kid.as_str()], "{version:?}");
    assert_eq!(strings(&jwks["algorithms"]), ["ES256"]);
    assert_eq!(server.requests(), ["GET /openid/v1/jwks"]);
    // The token is write-only on Terraform 1.11+: used, never stored.
    // Terraform 1.0.3 has no write-only attributes and keeps it,
    // marked sensitive.
    let raw_state = wd.read("terraform.tfstate");
    assert_eq!(
        raw_state.contains(TOKEN),
        version == TfVersion::V1_0_3,
        "{version:?}: token in state"
    );
    assert!(jwks["cluster"]["host"].as_str().is_some());
    assert_eq!(wd.plan_exit_code(), 0, "{version:?}");

    // A key set whose kid was altered is not published.
    server.set_jwks(Some(&served.replace(&kid, "altered-kid")));
    let out = wd.plan().assert_failure();
    let text = out.combined();
    assert!(text.contains("Served kid does not match its key"), "{text}");
    assert!(
        text.contains("altered-kid") && text.contains(&kid),
        "{text}"
    );

    server.set_jwks(Some(&served));
    wd.destroy_ok();
    assert_eq!(object(moto, &bucket, "keys.json"), None);
}
per_version!(jwks_endpoint_source_with_settings_known_only_at_apply);

/// One coordinate of an EC public key, base64url, as a JWK holds it.
fn ec_coordinate(moto: &Moto, public_pem: &str, which: &str) -> String {
    let program = format!(
        "import sys, base64\n\
         from cryptography.hazmat.primitives import serialization\n\
         n = serialization.load_pem_public_key(sys.stdin.read().encode()).public_numbers()\n\
         v = n.{which}.to_bytes(32, 'big')\n\
         print(base64.urlsafe_b64encode(v).rstrip(b'=').decode())\n"
    );
    python_with_stdin(moto, &program, public_pem)
}

/// Each cluster problem stops the plan with a diagnostic that names the
/// attribute and what to check; nothing is published.
fn cluster_problems_are_clear_errors_at_plan_time(version: TfVersion) {
    let moto = Moto::shared();
    let server = KubeApiServer::start(TOKEN);
    let keys_dir = tempfile::tempdir().unwrap();
    let pair = key_pair(keys_dir.path(), "sa", false);
    server.put_secret(
        "default",
        "c1-sa",
        &[("tls.crt", pair.public_pem.as_bytes())],
    );
    let kubeconfig_dir = tempfile::tempdir().unwrap();
    let kubeconfig: PathBuf = server.write_kubeconfig(kubeconfig_dir.path(), TOKEN);
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let direct = |host: &str, token: &str, secret: &str| {
        format!(
            "    host = \"{host}\"\n    token = \"{token}\"\n    cluster_ca_certificate = file(\"ca.pem\")\n{secret}"
        )
    };
    let secret = |name: &str, key: &str| {
        format!("    secret {{\n      namespace = \"default\"\n      name = \"{name}\"\n      key = \"{key}\"\n    }}")
    };
    let cases: Vec<(&str, String, Vec<String>)> = vec![
        (
            "unreachable",
            direct(
                &format!("https://127.0.0.1:{closed_port}"),
                TOKEN,
                &secret("c1-sa", "tls.crt"),
            ),
            vec![
                "Kubernetes API server unreachable".into(),
                format!("127.0.0.1:{closed_port}"),
                format!("host = \"https://127.0.0.1:{closed_port}\""),
            ],
        ),
        (
            "wrong token",
            direct(&server.host(), "wrong", &secret("c1-sa", "tls.crt")),
            vec![
                "refused the credentials".into(),
                server.host(),
                "token = \"wrong\"".into(),
            ],
        ),
        (
            "kubeconfig context without credentials",
            format!(
                "    config_path = \"{}\"\n{}",
                kubeconfig.display(),
                secret("c1-sa", "tls.crt")
            ),
            vec!["refused the credentials".into(), server.host()],
        ),
        (
            "missing secret",
            direct(&server.host(), TOKEN, &secret("c2-sa", "tls.crt")),
            vec![
                "Secret not found".into(),
                "default/c2-sa".into(),
                server.host(),
                "name = \"c2-sa\"".into(),
            ],
        ),
        (
            "missing key",
            direct(&server.host(), TOKEN, &secret("c1-sa", "ca.crt")),
            vec![
                "Secret key not found".into(),
                "\"ca.crt\"".into(),
                "tls.crt".into(),
                "key = \"ca.crt\"".into(),
            ],
        ),
        (
            "no JWKS served",
            direct(&server.host(), TOKEN, "    jwks_endpoint = true"),
            vec![
                "serves no JWKS".into(),
                "404".into(),
                "jwks_endpoint = true".into(),
            ],
        ),
        (
            "missing kubeconfig",
            format!(
                "    config_path = \"/nonexistent/kubeconfig\"\n{}",
                secret("c1-sa", "tls.crt")
            ),
            vec![
                "Cannot use the kubeconfig".into(),
                "/nonexistent/kubeconfig".into(),
                "config_path = \"/nonexistent/kubeconfig\"".into(),
            ],
        ),
    ];
    let bucket = format!("jwks-err-{}", random_suffix());
    boto(moto, &format!("s3.create_bucket(Bucket='{bucket}')"));
    for (name, cluster, expected) in &cases {
        let wd = workdir(
            moto,
            version,
            &format!(
                "resource \"irsa_jwks\" \"k\" {{\n  bucket = \"{bucket}\"\n  key = \"keys.json\"\n  cluster {{\n{cluster}\n  }}\n}}\n"
            ),
        );
        wd.write("ca.pem", server.ca_pem());
        let out = wd.apply().assert_failure();
        let text = out.combined().replace('\n', " ");
        // Terraform wraps long lines; compare with single spaces.
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in expected {
            assert!(
                text.contains(needle.as_str()),
                "{version:?} {name}: no {needle:?} in:\n{out}"
            );
        }
        assert!(
            text.contains("Nothing was published"),
            "{version:?} {name}: {out}"
        );
        assert_eq!(object(moto, &bucket, "keys.json"), None, "{name}");
    }
}
per_version!(cluster_problems_are_clear_errors_at_plan_time);

/// Mistakes in the configuration fail at validate time, naming the
/// attribute (Terraform shows its line), without contacting AWS or a
/// cluster, and without echoing key material.
fn bad_configuration_fails_validate_naming_the_attribute(version: TfVersion) {
    let moto = Moto::shared();
    let keys_dir = tempfile::tempdir().unwrap();
    let pair = key_pair(keys_dir.path(), "sa", false);
    let pem = "  public_keys_pem = [file(\"sa.pub\")]\n";
    let host_with_ca = |ca: &str| {
        format!(
            "  cluster {{\n    host = \"https://10.0.0.1:6443\"\n    cluster_ca_certificate = {ca}\n    jwks_endpoint = true\n  }}\n"
        )
    };
    // (case, key, resource body, what the output must show)
    let cases: Vec<(&str, &str, String, &[&str])> = vec![
        (
            "private key",
            "keys.json",
            "  public_keys_pem = [file(\"sa.key\")]\n".into(),
            &["Invalid public key", "private", "public_keys_pem"],
        ),
        (
            "no source",
            "keys.json",
            "  public_keys_pem = []\n".into(),
            &["No keys to publish", "cluster_created"],
        ),
        (
            "two cluster sources",
            "keys.json",
            "  cluster {\n    config_path = \"k\"\n    jwks_endpoint = true\n    secret {\n      namespace = \"default\"\n      name = \"c1-sa\"\n    }\n  }\n".into(),
            &["Two key sources", "jwks_endpoint"],
        ),
        (
            "no cluster source",
            "keys.json",
            "  cluster {\n    config_path = \"k\"\n  }\n".into(),
            &["No key source in the cluster block", "secret"],
        ),
        (
            "bad namespace",
            "keys.json",
            "  cluster {\n    config_path = \"k\"\n    secret {\n      namespace = \"Tkg_System\"\n      name = \"c1-sa\"\n    }\n  }\n".into(),
            &["Invalid secret reference", "Tkg_System", "namespace"],
        ),
        (
            "host and kubeconfig",
            "keys.json",
            "  cluster {\n    config_path = \"k\"\n    host = \"https://10.0.0.1:6443\"\n    jwks_endpoint = true\n  }\n".into(),
            &["Conflicting connection settings", "host"],
        ),
        (
            "leading slash",
            "/keys.json",
            pem.into(),
            &["Invalid object key", "starts with '/'"],
        ),
        (
            "discovery key",
            ".well-known/openid-configuration",
            pem.into(),
            &[
                "Invalid object key",
                "discovery document",
                "key = \".well-known/openid-configuration\"",
            ],
        ),
        (
            "discovery key under a prefix",
            "c1/.well-known/openid-configuration",
            pem.into(),
            &[
                "Invalid object key",
                "discovery document",
                "key = \"c1/.well-known/openid-configuration\"",
            ],
        ),
        (
            "bad region",
            "keys.json",
            format!("  region = \"EU West 1\"\n{pem}"),
            &["Invalid region", "region = \"EU West 1\""],
        ),
        (
            "bad CA certificate",
            "keys.json",
            host_with_ca("\"not a certificate\""),
            &[
                "Invalid CA certificate",
                "cluster_ca_certificate = \"not a certificate\"",
            ],
        ),
        (
            "private key as CA certificate",
            "keys.json",
            host_with_ca("file(\"sa.key\")"),
            &[
                "Invalid CA certificate",
                "private key",
                "cluster_ca_certificate = file(\"sa.key\")",
            ],
        ),
    ];
    let key_material: Vec<&str> = pair
        .private_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    for (name, key, body, expected) in &cases {
        let wd = workdir(
            moto,
            version,
            &format!("resource \"irsa_jwks\" \"k\" {{\n  bucket = \"some-bucket\"\n  key = \"{key}\"\n{body}}}\n"),
        );
        wd.write("sa.key", &pair.private_pem);
        wd.write("sa.pub", &pair.public_pem);
        let out = wd.validate().assert_failure();
        let text = out
            .combined()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for needle in *expected {
            assert!(
                text.contains(needle),
                "{version:?} {name}: no {needle:?} in:\n{out}"
            );
        }
        for line in &key_material {
            assert!(
                !out.combined().contains(line),
                "{version:?} {name}: key material in:\n{out}"
            );
        }
    }
}
per_version!(bad_configuration_fails_validate_naming_the_attribute);

/// Two people whose kubeconfigs sit in different places but reach the same
/// cluster: on Terraform 1.11 the path is write-only, so it is in neither
/// state nor plan and the second plans no change. Terraform 1.0.3 stores
/// it: the update it plans writes nothing to S3.
fn a_kubeconfig_at_another_path_plans_no_change(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let bucket = format!("jwks-paths-{s}");
    let keys_dir = tempfile::tempdir().unwrap();
    let pair = key_pair(keys_dir.path(), "sa", false);
    let server = KubeApiServer::start(TOKEN);
    server.put_secret(
        "kube-system",
        "sa",
        &[("tls.crt", pair.public_pem.as_bytes())],
    );
    let (mine, theirs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let cluster = |dir: &Path| {
        let kubeconfig = server.write_kubeconfig(dir, TOKEN);
        format!(
            "    config_path    = \"{}\"\n    config_context = \"stand-in\"\n    secret {{\n      namespace = \"kube-system\"\n      name      = \"sa\"\n    }}",
            kubeconfig.display()
        )
    };
    let mut wd = cluster_workdir(moto, version, &bucket, &cluster(mine.path()));
    wd.env("TF_VAR_cluster_created", "true");
    wd.apply_ok();
    let etag =
        |wd: &Workdir| state_resource(&wd.show_json(), "irsa_jwks.k[0]")["values"]["etag"].clone();
    let before = etag(&wd);
    let mine_path = mine.path().to_string_lossy().into_owned();

    wd.write(
        "main.tf",
        &format!(
            "{}{}",
            moto.provider_config(),
            cluster_body(&bucket, &cluster(theirs.path()))
        ),
    );
    match version {
        TfVersion::Current => {
            assert!(
                !wd.read("terraform.tfstate").contains(&mine_path),
                "the path is not stored"
            );
            assert_eq!(
                wd.plan_exit_code(),
                0,
                "another path to the same cluster plans nothing"
            );
        }
        TfVersion::V1_0_3 => {
            assert!(
                wd.read("terraform.tfstate").contains(&mine_path),
                "1.0.3 stores arguments"
            );
            let change = planned_change(&wd, "irsa_jwks.k[0]");
            assert_eq!(change["actions"], serde_json::json!(["update"]));
            assert_eq!(
                change["before"]["json"], change["after"]["json"],
                "the same keys"
            );
            wd.apply_ok();
            assert_eq!(etag(&wd), before, "the object was not written again");
            assert_eq!(wd.plan_exit_code(), 0);
        }
    }
    wd.destroy_ok();
}
per_version!(a_kubeconfig_at_another_path_plans_no_change);

/// The cluster is reached as the kubernetes provider reaches it: the
/// kubeconfig at `KUBE_CONFIG_PATH` when `config_path` is not set, `~` in
/// `config_path` expanded, and `HTTPS_PROXY` used unless `NO_PROXY` names
/// the API server. The proxy here is a closed port, so a plan that reached
/// the stand-in server did not go through it, and one that was sent
/// through it fails without a request reaching the server.
fn the_cluster_is_reached_through_kube_config_path_home_and_proxies(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let keys_dir = tempfile::tempdir().unwrap();
    let pair = key_pair(keys_dir.path(), "sa", true);
    let kid = kid_of(moto, &pair.public_pem);
    let home = tempfile::tempdir().unwrap();
    let server = KubeApiServer::start(TOKEN);
    let kubeconfig = server.write_kubeconfig(home.path(), TOKEN);
    let served = format!(
        r#"{{"keys":[{{"use":"sig","kty":"EC","kid":"{kid}","crv":"P-256","alg":"ES256","x":"{x}","y":"{y}"}}]}}"#,
        x = ec_coordinate(moto, &pair.public_pem, "x"),
        y = ec_coordinate(moto, &pair.public_pem, "y"),
    );
    server.set_jwks(Some(&served));
    let body = |config_path: &str| {
        format!(
            r#"{issuer}
resource "irsa_jwks" "k" {{
  bucket = irsa_issuer.i.bucket
  key    = irsa_issuer.i.jwks_key
  cluster {{
{config_path}    config_context = "stand-in"
    jwks_endpoint  = true
  }}
}}
"#,
            issuer = issuer_block(&format!("jwks-env-{s}"))
        )
    };
    let closed_proxy = "http://127.0.0.1:9";

    // KUBE_CONFIG_PATH, with the API server exempt from the proxy.
    let mut wd = workdir(moto, version, &body(""));
    wd.env("KUBE_CONFIG_PATH", &kubeconfig.to_string_lossy())
        .env("HTTPS_PROXY", closed_proxy)
        .env("NO_PROXY", "localhost,127.0.0.1");
    let plan = wd.plan_ok();
    assert!(
        plan.stdout.contains(&kid),
        "{version:?}: the served kid is planned:\n{}",
        plan.stdout
    );
    assert_eq!(server.requests(), ["GET /openid/v1/jwks"], "{version:?}");

    // The same through the proxy: refused, and nothing reached the server.
    wd.env("NO_PROXY", "");
    let out = wd.plan().assert_failure();
    assert!(
        out.combined().contains("Kubernetes API server unreachable"),
        "{version:?}: {out}"
    );
    assert_eq!(
        server.requests(),
        ["GET /openid/v1/jwks"],
        "{version:?}: no second request"
    );

    // `~` in config_path is the home directory.
    let mut wd = workdir(
        moto,
        version,
        &body("    config_path    = \"~/kubeconfig\"\n"),
    );
    wd.env("HOME", &home.path().to_string_lossy());
    wd.plan_ok();
    assert_eq!(
        server.requests().len(),
        2,
        "{version:?}: read through ~/kubeconfig"
    );
}
per_version!(the_cluster_is_reached_through_kube_config_path_home_and_proxies);

/// The connection settings the kubernetes provider has besides a token: a
/// credential plugin (`exec`, and in a kubeconfig), `tls_server_name`,
/// `insecure`, several kubeconfig files (`config_paths`), and their
/// refusals at plan. The
/// stand-in API server accepts only its bearer token, so a plugin that
/// prints another one is refused by the server, not by the provider.
fn the_cluster_is_reached_with_exec_tls_server_name_and_insecure(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let bucket = format!("jwks-conn-{s}");
    let keys_dir = tempfile::tempdir().unwrap();
    let key = key_pair(keys_dir.path(), "k", false);
    let server = KubeApiServer::start(TOKEN);
    server.put_secret("capi", "c1-sa", &[("tls.crt", key.public_pem.as_bytes())]);
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, server.ca_pem()).unwrap();
    let plugin = dir.path().join("credential.sh");
    let credential = |token: &str| {
        std::fs::write(
            &plugin,
            format!(
                "#!/bin/sh\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"'\"$PLUGIN_TOKEN\"'\"}}}}'\n# {token}\n"
            ),
        )
        .unwrap();
    };
    credential(TOKEN);
    let secret = "    secret {\n      namespace = \"capi\"\n      name      = \"c1-sa\"\n    }";
    let rewrite = |wd: &Workdir, cluster: &str| {
        wd.write(
            "main.tf",
            &format!(
                "{}{}",
                moto.provider_config(),
                cluster_body(&bucket, cluster)
            ),
        );
    };
    let host_cluster = |extra: &str| {
        format!(
            "    host = \"{host}\"\n{extra}\n{secret}",
            host = server.host()
        )
    };
    let exec = |token: &str| {
        format!(
            "    cluster_ca_certificate = file(\"{ca}\")\n    exec {{\n      api_version = \"client.authentication.k8s.io/v1beta1\"\n      command     = \"sh\"\n      args        = [\"{plugin}\"]\n      env         = {{ PLUGIN_TOKEN = \"{token}\" }}\n    }}",
            ca = ca.display(),
            plugin = plugin.display()
        )
    };

    // A credential plugin gives the token.
    let wd = cluster_workdir(moto, version, &bucket, &host_cluster(&exec(TOKEN)));
    wd.write("vars.auto.tfvars", "cluster_created = true\n");
    wd.apply_ok();
    let state = wd.show_json();
    let jwks = state_resource(&state, "irsa_jwks.k[0]");
    assert_eq!(
        strings(&jwks["values"]["kids"]),
        vec![kid_of(moto, &key.public_pem)],
        "{version}"
    );
    // A plugin whose token the server refuses: the error names the cause.
    rewrite(&wd, &host_cluster(&exec("wrong")));
    let out = wd.plan();
    assert!(
        !out.success && out.combined().contains("refused the credentials"),
        "{out}"
    );

    // tls_server_name: the certificate is for localhost and 127.0.0.1.
    let named = |name: &str| {
        host_cluster(&format!(
            "    token = \"{TOKEN}\"\n    cluster_ca_certificate = file(\"{}\")\n    tls_server_name = \"{name}\"",
            ca.display()
        ))
    };
    // Only connection settings change: the cluster is read again with them
    // (the same keys), and the stored settings are updated in place.
    rewrite(&wd, &named("localhost"));
    wd.plan_ok();
    rewrite(&wd, &named("elsewhere.example"));
    let out = wd.plan();
    assert!(
        !out.success && out.combined().contains("elsewhere.example"),
        "{out}"
    );

    // insecure: no CA at all.
    let insecure = host_cluster(&format!("    token = \"{TOKEN}\"\n    insecure = true"));
    rewrite(&wd, &insecure);
    wd.plan_ok();

    // config_paths: the kubeconfig, then a file with one more context.
    let kubeconfig = server.write_kubeconfig(dir.path(), TOKEN);
    let extra = dir.path().join("extra");
    std::fs::write(
        &extra,
        "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n",
    )
    .unwrap();
    let paths = format!(
        "    config_paths   = [\"{}\", \"{}\"]\n    config_context = \"stand-in\"\n{secret}",
        kubeconfig.display(),
        extra.display()
    );
    rewrite(&wd, &paths);
    wd.plan_ok();

    // A kubeconfig whose user is a credential plugin, as cloud and SSO
    // kubeconfigs have them.
    let exec_kubeconfig = dir.path().join("exec-kubeconfig");
    std::fs::write(
        &exec_kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {host}\n    \
             certificate-authority: {ca}\nusers:\n- name: plugin\n  user:\n    exec:\n      \
             apiVersion: client.authentication.k8s.io/v1beta1\n      command: sh\n      args: [\"{plugin}\"]\n      \
             env:\n      - name: PLUGIN_TOKEN\n        value: {TOKEN}\n      interactiveMode: Never\n\
             contexts:\n- name: c\n  context:\n    cluster: c\n    user: plugin\ncurrent-context: c\n",
            host = server.host(),
            ca = ca.display(),
            plugin = plugin.display()
        ),
    )
    .unwrap();
    rewrite(
        &wd,
        &format!(
            "    config_path = \"{}\"\n{secret}",
            exec_kubeconfig.display()
        ),
    );
    wd.plan_ok();

    // Refusals at plan, each naming its attribute.
    for (cluster, attribute) in [
        (
            host_cluster("    client_key = \"-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\""),
            "client_certificate",
        ),
        (host_cluster("    proxy_url = \"ftp://proxy\""), "proxy_url"),
        (
            format!("    config_path = \"{}\"\n{}\n{secret}", kubeconfig.display(), exec(TOKEN).lines().skip(1).collect::<Vec<_>>().join("\n")),
            "exec",
        ),
    ] {
        rewrite(&wd, &cluster);
        let out = wd.validate();
        assert!(!out.success, "{version}: {cluster}\n{out}");
        assert!(out.combined().contains(attribute), "{version}: {attribute} in\n{out}");
    }
    rewrite(&wd, &host_cluster(&exec(TOKEN)));
    wd.destroy_ok();
}
per_version!(the_cluster_is_reached_with_exec_tls_server_name_and_insecure);
