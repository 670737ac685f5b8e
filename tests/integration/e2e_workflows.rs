//! The workflows under `examples/workflows/`, applied unchanged through real
//! Terraform (1.11 and 1.0.3) against moto, and the trust chain each one
//! builds, proved end to end.
//!
//! moto's `AssumeRoleWithWebIdentity` accepts any token, so an apply that
//! succeeds proves nothing about IRSA. For every workflow the test mints
//! service-account tokens with the cluster's private key and checks them as
//! STS would, from what the workflow published only
//! (`support::trust_chain`): the discovery document and the JWKS read from
//! the bucket, the IAM OIDC provider, the role's trust policy, then STS.
//! A token for another service account, with another audience, from a key
//! the cluster does not publish, or from an apiserver whose issuer flag has a
//! trailing slash, must each be refused at its own step.
//!
//! Then `plan -detailed-exitcode` must be clean, and after destroy the API
//! must show nothing left. The emulator is reached only through each
//! workflow's `aws_endpoints` variable (`AWS_ENDPOINT_URL` is not set), as a
//! user would point it at another endpoint.
//!
//! The clusters are stand-ins: a key pair made by the test, and for the
//! workflows that read a cluster, the stand-in Kubernetes API server of
//! `support::kube_apiserver` (no real kube-apiserver runs here).

use std::time::Instant;

use serde_json::{json, Value as Json};

use crate::support::kube_apiserver::KubeApiServer;
use crate::support::public_https::PublicEndpoint;
use crate::support::trust_chain::{Claims, RelyingParty, SigningKey, Step};
use crate::support::{
    per_version, random_suffix, repo_root, validate_k8s, Install, Moto, TfOutput, TfVersion,
    Workdir,
};

const SERVICE_ACCOUNT: &str = "default:demo";
const KUBE_TOKEN: &str = "stand-in-token";

/// The public side of the issuers, as STS reaches it, for the workflows'
/// trust checks (`check.tf`): one stand-in in front of the shared emulator.
fn public_endpoint() -> &'static PublicEndpoint {
    static SHARED: std::sync::OnceLock<PublicEndpoint> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| PublicEndpoint::start(&Moto::shared().endpoint()))
}

/// A working directory holding a copy of `examples/workflows/<name>`, with
/// the emulator's endpoint and credentials but no `AWS_ENDPOINT_URL`. On
/// Terraform 1.0.3, which has no `check` blocks, `check.tf` is left out, as
/// its comment tells users of older versions to do; on 1.11 the trust check
/// reaches the issuer through the public-endpoint stand-in.
fn workflow(moto: &Moto, version: TfVersion, name: &str) -> Workdir {
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(
        moto.env()
            .into_iter()
            .filter(|(k, _)| k != "AWS_ENDPOINT_URL"),
    );
    if version == TfVersion::Current {
        wd.envs(public_endpoint().env());
    }
    let dir = repo_root().join("examples/workflows").join(name);
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if file == "check.tf" && version == TfVersion::V1_0_3 {
            continue;
        }
        if file.ends_with(".tf") {
            wd.write(&file, &std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    wd
}

/// Writes the workflow's variables: `vars` plus the emulator's endpoints.
fn set_vars(wd: &Workdir, moto: &Moto, mut vars: Json) {
    let ep = moto.endpoint();
    vars["aws_endpoints"] = json!({"s3": ep, "iam": ep, "sts": ep, "cloudfront": ep});
    vars["s3_use_path_style"] = json!(true);
    vars["trust_check_ca_certificate"] = json!(public_endpoint().ca_pem());
    wd.write(
        "terraform.tfvars.json",
        &serde_json::to_string_pretty(&vars).unwrap(),
    );
}

/// The webhook a workflow outputs: every object valid for the Kubernetes
/// schemas, for the roles' audience (the workflows keep the default) and
/// the workflow's region, the webhook configuration last.
fn assert_webhook(objects: &[Json], region: &str, ctx: &str) {
    assert!(!objects.is_empty(), "{ctx}: no webhook objects");
    assert_eq!(
        objects.last().unwrap()["kind"],
        "MutatingWebhookConfiguration",
        "{ctx}"
    );
    let dep = objects
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .unwrap_or_else(|| panic!("{ctx}: no Deployment"));
    let flags = dep["spec"]["template"]["spec"]["containers"][0]["command"].to_string();
    for f in [
        "--token-audience=sts.amazonaws.com".to_owned(),
        format!("--aws-default-region={region}"),
    ] {
        assert!(flags.contains(&f), "{ctx}: {f} in {flags}");
    }
    let report = validate_k8s(objects);
    assert_eq!(report["failed"], 0, "{ctx}: {report}");
}

fn yaml_objects(text: &Json) -> Vec<Json> {
    serde_yaml::Deserializer::from_str(text.as_str().expect("a YAML string"))
        .map(|d| serde::Deserialize::deserialize(d).expect("a YAML document"))
        .collect()
}

/// One role, `demo`, for [`SERVICE_ACCOUNT`].
fn demo_roles() -> Json {
    json!({"demo": {"service_accounts": [SERVICE_ACCOUNT], "policy_arns": []}})
}

/// `--service-account-issuer` from a list of apiserver flags: what the
/// cluster's tokens will carry as `iss`.
fn issuer_flag(flags: &Json) -> String {
    flags
        .as_array()
        .unwrap()
        .iter()
        .find_map(|f| f.as_str()?.strip_prefix("--service-account-issuer="))
        .unwrap_or_else(|| panic!("no --service-account-issuer in {flags}"))
        .to_owned()
}

fn expect_refused(rp: &RelyingParty, token: &str, role_arn: &str, step: Step, what: &str) {
    match rp.check(token, role_arn) {
        Ok(v) => panic!("{what}: accepted ({v:?}), must be refused at {step:?}"),
        Err(e) => assert_eq!(e.step, step, "{what}: refused at the wrong step: {e}"),
    }
}

/// The positive token and every negative case, for one role.
fn prove_trust_chain(rp: &RelyingParty, key: &SigningKey, issuer: &str, role_arn: &str) {
    let ok = rp
        .check(&key.token(&Claims::new(issuer, SERVICE_ACCOUNT)), role_arn)
        .unwrap_or_else(|e| panic!("a token for {SERVICE_ACCOUNT} is refused at {e}"));
    assert_eq!(ok.issuer, issuer);
    assert_eq!(ok.kid, key.kid());
    assert_eq!(ok.subject, "system:serviceaccount:default:demo");
    let role_name = role_arn.rsplit('/').next().unwrap();
    assert!(
        ok.assumed_role_arn.contains(role_name),
        "{ok:?} for {role_arn}"
    );

    expect_refused(
        rp,
        &key.token(&Claims::new(issuer, "default:someone-else")),
        role_arn,
        Step::TrustPolicy,
        "a token for another service account",
    );
    expect_refused(
        rp,
        &key.token(&Claims::new(issuer, SERVICE_ACCOUNT).with_audience("example.com")),
        role_arn,
        Step::Audience,
        "a token for another audience",
    );
    let stranger = SigningKey::generate_rsa();
    expect_refused(
        rp,
        &stranger.token(&Claims::new(issuer, SERVICE_ACCOUNT)),
        role_arn,
        Step::KeyNotFound,
        "a token signed by a key the cluster does not publish",
    );
    expect_refused(
        rp,
        &stranger.token_with_kid(&Claims::new(issuer, SERVICE_ACCOUNT), &key.kid()),
        role_arn,
        Step::Signature,
        "a token naming the cluster's kid but signed by another key",
    );
    expect_refused(
        rp,
        &key.token(&Claims::new(&format!("{issuer}/"), SERVICE_ACCOUNT)),
        role_arn,
        Step::IssuerMismatch,
        "a token from an apiserver whose issuer flag has a trailing slash",
    );
}

/// What the API still holds of a workflow: the bucket's objects (or `null`
/// when the bucket is gone), the OIDC providers whose URL mentions the
/// bucket, and which of `roles` exist.
fn remains(moto: &Moto, bucket: &str, roles: &[String]) -> Json {
    let script = format!(
        r#"
import boto3, json
from botocore.config import Config
from botocore.exceptions import ClientError
s3 = boto3.client('s3', config=Config(s3={{'addressing_style': 'path'}}))
iam = boto3.client('iam')
bucket, roles = {bucket:?}, {roles}
try:
    objects = sorted(o['Key'] for o in s3.list_objects_v2(Bucket=bucket).get('Contents', []))
except ClientError:
    objects = None
providers = [p['Arn'] for p in iam.list_open_id_connect_providers()['OpenIDConnectProviderList']
             if '/' + bucket in p['Arn'] or '/' + bucket + '.' in p['Arn']]
existing = []
for r in roles:
    try:
        iam.get_role(RoleName=r)
        existing.append(r)
    except ClientError as e:
        assert e.response['Error']['Code'] == 'NoSuchEntity', e
print(json.dumps({{'objects': objects, 'providers': providers, 'roles': existing}}))
"#,
        roles = serde_json::to_string(roles).unwrap()
    );
    let out = moto.python().arg("-c").arg(&script).output().unwrap();
    assert!(
        out.status.success(),
        "boto3 failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Destroy, then check through the API that the bucket, the OIDC provider
/// and `roles` are gone.
fn destroy_and_confirm_gone(moto: &Moto, wd: &Workdir, bucket: &str, roles: &[String], ctx: &str) {
    wd.destroy_ok();
    assert_eq!(
        remains(moto, bucket, roles),
        json!({"objects": null, "providers": [], "roles": []}),
        "{ctx}"
    );
}

/// Run boto3 code against the emulator (`s3` is a path-style S3 client).
fn boto(moto: &Moto, code: &str) {
    let script = format!(
        "import boto3\nfrom botocore.config import Config\n\
         s3 = boto3.client('s3', config=Config(s3={{'addressing_style': 'path'}}))\n{code}\n"
    );
    let out = moto.python().arg("-c").arg(&script).output().unwrap();
    assert!(
        out.status.success(),
        "boto3 failed:\n{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The workflow's `check "irsa_trust_chain"` after an apply: on Terraform
/// 1.11 the data source is in the state with every step that ran passing,
/// and the apply printed no check warning; on 1.0.3 the file is not there.
fn assert_trust_check(wd: &Workdir, apply: &TfOutput, steps: &[&str], ctx: &str) {
    if wd.version() == TfVersion::V1_0_3 {
        assert!(!wd.path().join("check.tf").exists(), "{ctx}");
        return;
    }
    let text = apply.combined();
    assert!(
        !text.contains("IRSA trust check failed") && !text.contains("Check block assertion failed"),
        "{ctx}: the trust check warned:\n{text}"
    );
    let check = trust_check_state(wd, ctx);
    assert_eq!(check["ok"], json!(true), "{ctx}: {check}");
    let names: Vec<&str> = check["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, steps, "{ctx}: {check}");
    assert!(check["sts_error"].is_null(), "{ctx}: {check}");
}

/// The values of `data.irsa_trust_check.this` in the state.
fn trust_check_state(wd: &Workdir, ctx: &str) -> Json {
    let state = wd.show_json();
    state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["address"] == "data.irsa_trust_check.this")
        .unwrap_or_else(|| panic!("{ctx}: no data.irsa_trust_check.this in the state: {state}"))
        ["values"]
        .clone()
}

/// A broken chain is a warning of the apply, naming the step, not an error.
fn assert_trust_check_warns(wd: &Workdir, apply: &TfOutput, step: &str, ctx: &str) {
    if wd.version() == TfVersion::V1_0_3 {
        return;
    }
    let text = apply.combined();
    assert!(
        text.contains("Warning")
            && text.contains(&format!("IRSA trust check failed at step {step}")),
        "{ctx}: no trust-check warning at {step}:\n{text}"
    );
}

/// The second plan changes nothing. Terraform plans the data source of a
/// `check` block as a read during apply on every plan, so with `check.tf`
/// `-detailed-exitcode` says 2; then every planned change must be that read.
fn assert_plan_clean(wd: &Workdir, ctx: &str) {
    let out = wd.run(&[
        "plan",
        "-input=false",
        "-detailed-exitcode",
        "-out=second.tfplan",
    ]);
    if out.code == Some(2) && wd.path().join("check.tf").exists() {
        let plan = wd.run(&["show", "-json", "second.tfplan"]).assert_success();
        let plan: Json = serde_json::from_str(&plan.stdout).unwrap();
        for change in plan["resource_changes"].as_array().into_iter().flatten() {
            let actions = &change["change"]["actions"];
            let check_read = change["address"] == "data.irsa_trust_check.this"
                && change["action_reason"] == "read_because_check_nested"
                && *actions == json!(["read"]);
            assert!(
                check_read || *actions == json!(["no-op"]),
                "{ctx}: second plan is not empty: {change}\n{out}"
            );
        }
        return;
    }
    assert_eq!(out.code, Some(0), "{ctx}: second plan is not empty:\n{out}");
}

fn role_arn(wd: &Workdir, name: &str) -> String {
    wd.output("role_arns")[name]
        .as_str()
        .unwrap_or_else(|| panic!("no role {name} in role_arns"))
        .to_owned()
}

fn log_time(what: &str, version: TfVersion, started: Instant) {
    eprintln!(
        "{what} on {version}: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The steps of the kubeadm workflow's trust check.
const KUBEADM_CHECKS: [&str; 4] = ["discovery", "jwks", "oidc_provider", "trust_policy"];

/// The kubeadm workflow applied with a fresh key, the demo role and
/// `hosting`, and its trust check passing.
fn apply_kubeadm(
    moto: &Moto,
    version: TfVersion,
    cluster: &str,
    bucket: &str,
    hosting: &str,
    ctx: &str,
) -> (Workdir, SigningKey) {
    let key = SigningKey::generate_rsa();
    let wd = workflow(moto, version, "kubeadm");
    wd.write("sa.pub", &key.public_key_pem());
    set_vars(
        &wd,
        moto,
        json!({
            "cluster_name": cluster,
            "bucket": bucket,
            "sa_public_key_file": "sa.pub",
            "roles": demo_roles(),
            "hosting": hosting,
        }),
    );
    let applied = wd.apply_ok();
    assert_trust_check(&wd, &applied, &KUBEADM_CHECKS, ctx);
    (wd, key)
}

fn kubeadm_operator_generated_key(version: TfVersion) {
    let moto = Moto::shared();
    let rp = RelyingParty::emulator(&moto.endpoint());
    let started = Instant::now();
    let s = random_suffix();
    let (cluster, bucket) = (format!("kubeadm-{s}"), format!("irsa-kubeadm-{s}"));
    let ctx = format!("kubeadm, {version}");
    let (wd, key) = apply_kubeadm(moto, version, &cluster, &bucket, "s3", &ctx);

    let issuer = issuer_flag(&wd.output("apiserver_flags"));
    assert_eq!(json!(issuer), wd.output("issuer_url"), "{ctx}");
    assert_eq!(wd.output("kids"), json!([key.kid()]), "{ctx}");
    assert_eq!(
        wd.output("service_account_key_file"),
        json!("/etc/kubernetes/pki/sa.pub")
    );
    assert_eq!(
        wd.output("service_account_signing_key_file"),
        json!("/etc/kubernetes/pki/sa.key")
    );
    let patch = wd.output("kubeadm_patch");
    let patch = patch.as_str().unwrap();
    for expected in [
        issuer.as_str(),
        "/etc/kubernetes/pki/sa.pub",
        "/etc/kubernetes/pki/sa.key",
    ] {
        assert!(patch.contains(expected), "{ctx}: {expected} in\n{patch}");
    }
    let arn = role_arn(&wd, "demo");
    assert_eq!(
        wd.output("role_annotations")["demo"]["eks.amazonaws.com/role-arn"],
        json!(arn)
    );

    let webhook = yaml_objects(&wd.output("pod_identity_webhook_yaml"));
    assert_webhook(&webhook, "us-east-1", &ctx);

    prove_trust_chain(&rp, &key, &issuer, &arn);
    assert_plan_clean(&wd, &ctx);
    destroy_and_confirm_gone(moto, &wd, &bucket, &[format!("{cluster}-demo")], &ctx);
    log_time("kubeadm", version, started);
}
per_version!(kubeadm_operator_generated_key);

/// The kubeadm workflow with `hosting = "cloudfront"`: the trust check
/// fetches the documents from the distribution's domain (the stand-in
/// answers as CloudFront, reading the private bucket only as the
/// distribution may) and passes; a second plan is empty; without the
/// bucket policy's statement for the distribution it fails at discovery
/// until an apply repairs it; destroy leaves nothing.
fn kubeadm_behind_cloudfront(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let (cluster, bucket) = (format!("kcf-{s}"), format!("irsa-kcf-{s}"));
    let ctx = format!("kubeadm behind CloudFront, {version}");
    let (wd, _) = apply_kubeadm(moto, version, &cluster, &bucket, "cloudfront", &ctx);
    let issuer = issuer_flag(&wd.output("apiserver_flags"));
    assert_eq!(json!(issuer), wd.output("issuer_url"), "{ctx}");
    let host = issuer
        .strip_prefix("https://")
        .and_then(|h| h.split('/').next())
        .unwrap_or_default()
        .to_owned();
    assert!(host.ends_with(".cloudfront.net"), "{ctx}: {issuer}");
    if version == TfVersion::Current {
        let seen: Vec<String> = public_endpoint()
            .requests()
            .into_iter()
            .filter(|r| r.host == host)
            .map(|r| r.path)
            .collect();
        assert!(
            seen.iter()
                .any(|p| p == &format!("/{cluster}/.well-known/openid-configuration")),
            "{ctx}: the trust check read the distribution: {seen:?}"
        );
    }
    assert_plan_clean(&wd, &ctx);

    // Without the statement that lets the distribution read the bucket, the
    // edge is refused the documents: the check warns at discovery, and the
    // apply that repairs the policy passes it again.
    boto(moto, &format!("s3.delete_bucket_policy(Bucket='{bucket}')"));
    // A refresh-only plan has no pending change to defer the check to.
    let plan = wd.run(&["plan", "-refresh-only", "-input=false", "-no-color"]);
    assert_trust_check_warns(&wd, &plan, "discovery", &ctx);
    let repaired = wd.apply_ok();
    assert_trust_check(&wd, &repaired, &KUBEADM_CHECKS, &ctx);
    destroy_and_confirm_gone(moto, &wd, &bucket, &[format!("{cluster}-demo")], &ctx);
}
per_version!(kubeadm_behind_cloudfront);

fn tkgm_two_phase_key_from_the_management_cluster(version: TfVersion) {
    let moto = Moto::shared();
    let rp = RelyingParty::emulator(&moto.endpoint());
    let started = Instant::now();
    let s = random_suffix();
    let (cluster, bucket) = (format!("tkg-{s}"), format!("irsa-tkgm-{s}"));
    let ctx = format!("tkgm-two-phase, {version}");
    let wd = workflow(moto, version, "tkgm-two-phase");
    let server = KubeApiServer::start(KUBE_TOKEN);
    let kubeconfig = server.write_kubeconfig(&wd.path(), KUBE_TOKEN);
    let vars = |created: bool| {
        json!({
            "cluster_created": created,
            "cluster_name": cluster,
            "bucket": bucket,
            "management_kubeconfig": kubeconfig,
            "management_context": "stand-in",
            "roles": demo_roles(),
        })
    };

    // Phase 1: no cluster yet. Issuer, roles and the overlay; no JWKS.
    set_vars(&wd, moto, vars(false));
    let applied = wd.apply_ok();
    assert_trust_check_warns(&wd, &applied, "jwks", &format!("{ctx}, phase 1"));
    let issuer = issuer_flag(&wd.output("apiserver_flags"));
    let overlay = wd.output("ytt_overlay");
    assert!(
        overlay.as_str().unwrap().contains(&issuer),
        "{ctx}: {overlay}"
    );
    assert_eq!(wd.output("kids"), json!([]), "{ctx}");
    assert_eq!(
        wd.output("pod_identity_webhook_manifests"),
        json!([]),
        "{ctx}: the webhook waits for the cluster"
    );
    let objects = &remains(moto, &bucket, &[])["objects"];
    assert_eq!(
        objects,
        &json!([format!("{cluster}/.well-known/openid-configuration")]),
        "{ctx}: phase 1 publishes no JWKS"
    );
    assert!(
        server.requests().is_empty(),
        "{ctx}: phase 1 must not contact the cluster: {:?}",
        server.requests()
    );
    assert_plan_clean(&wd, &format!("{ctx}, phase 1"));

    // The cluster is created: Cluster API's <cluster>-sa secret holds
    // the key pair. Only tls.crt may be read.
    let key = SigningKey::generate_rsa();
    server.put_secret(
        "default",
        &format!("{cluster}-sa"),
        &[
            ("tls.crt", key.public_key_pem().as_bytes()),
            (
                "tls.key",
                b"not read: the private half stays in the cluster",
            ),
        ],
    );
    let arn = role_arn(&wd, "demo");
    expect_refused(
        &rp,
        &key.token(&Claims::new(&issuer, SERVICE_ACCOUNT)),
        &arn,
        Step::Jwks,
        "phase 1: nothing published at jwks_uri yet",
    );

    // Phase 2.
    set_vars(&wd, moto, vars(true));
    let applied = wd.apply_ok();
    assert_trust_check(
        &wd,
        &applied,
        &[
            "discovery",
            "jwks",
            "oidc_provider",
            "cluster_keys",
            "trust_policy",
        ],
        &format!("{ctx}, phase 2"),
    );
    assert_eq!(wd.output("kids"), json!([key.kid()]), "{ctx}");
    let webhook: Vec<Json> = wd
        .output("pod_identity_webhook_manifests")
        .as_array()
        .unwrap()
        .iter()
        .map(|m| serde_json::from_str(m.as_str().unwrap()).unwrap())
        .collect();
    assert_webhook(&webhook, "us-east-1", &format!("{ctx}, phase 2"));
    prove_trust_chain(&rp, &key, &issuer, &arn);
    assert_plan_clean(&wd, &format!("{ctx}, phase 2"));

    destroy_and_confirm_gone(moto, &wd, &bucket, &[format!("{cluster}-demo")], &ctx);
    log_time("tkgm-two-phase", version, started);
}
per_version!(tkgm_two_phase_key_from_the_management_cluster);

fn talos_jwks_from_the_apiserver(version: TfVersion) {
    let moto = Moto::shared();
    let rp = RelyingParty::emulator(&moto.endpoint());
    let started = Instant::now();
    let s = random_suffix();
    let (cluster, bucket) = (format!("talos-{s}"), format!("irsa-talos-{s}"));
    let ctx = format!("talos, {version}");
    let wd = workflow(moto, version, "talos");
    // Talos signs with an ECDSA P-256 key; the apiserver serves its JWKS.
    let key = SigningKey::generate_ec_p256();
    let server = KubeApiServer::start(KUBE_TOKEN);
    server.set_jwks(Some(&key.apiserver_jwks()));
    let kubeconfig = server.write_kubeconfig(&wd.path(), KUBE_TOKEN);
    set_vars(
        &wd,
        moto,
        json!({
            "cluster_name": cluster,
            "bucket": bucket,
            "kubeconfig": kubeconfig,
            "kube_context": "stand-in",
            "roles": demo_roles(),
        }),
    );
    let applied = wd.apply_ok();
    assert_trust_check(
        &wd,
        &applied,
        &[
            "discovery",
            "jwks",
            "oidc_provider",
            "cluster_keys",
            "trust_policy",
        ],
        &ctx,
    );
    assert!(
        server.requests().iter().any(|r| r == "GET /openid/v1/jwks"),
        "{ctx}: {:?}",
        server.requests()
    );
    let issuer = issuer_flag(&wd.output("apiserver_flags"));
    let patch = wd.output("talos_patch");
    assert!(patch.as_str().unwrap().contains(&issuer), "{ctx}: {patch}");
    assert_eq!(wd.output("kids"), json!([key.kid()]), "{ctx}");
    // The webhook as a Talos patch: the YAML under cluster.inlineManifests.
    let webhook_patch: Json = serde_yaml::from_str(
        wd.output("pod_identity_webhook_talos_patch")
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let inline = &webhook_patch["cluster"]["inlineManifests"][0];
    assert_eq!(inline["name"], "pod-identity-webhook", "{ctx}");
    assert_webhook(&yaml_objects(&inline["contents"]), "us-east-1", &ctx);
    prove_trust_chain(&rp, &key, &issuer, &role_arn(&wd, "demo"));
    assert_plan_clean(&wd, &ctx);

    destroy_and_confirm_gone(moto, &wd, &bucket, &[format!("{cluster}-demo")], &ctx);
    log_time("talos", version, started);
}
per_version!(talos_jwks_from_the_apiserver);

fn eks_anywhere_clusters_share_an_existing_bucket(version: TfVersion) {
    let moto = Moto::shared();
    let rp = RelyingParty::emulator(&moto.endpoint());
    let started = Instant::now();
    let s = random_suffix();
    let bucket = format!("irsa-eksa-{s}");
    let ctx = format!("eks-anywhere, {version}");
    // The bucket exists already, with something of its own.
    boto(
        moto,
        &format!(
            "s3.create_bucket(Bucket='{bucket}')\n\
             s3.put_object(Bucket='{bucket}', Key='team/readme.txt', Body=b'not ours')"
        ),
    );
    let wd = workflow(moto, version, "eks-anywhere");
    let server = KubeApiServer::start(KUBE_TOKEN);
    let kubeconfig = server.write_kubeconfig(&wd.path(), KUBE_TOKEN);
    let (prod, dev) = (format!("prod-{s}"), format!("dev-{s}"));
    let (prod_key, dev_key) = (SigningKey::generate_rsa(), SigningKey::generate_rsa());
    for (name, key) in [(&prod, &prod_key), (&dev, &dev_key)] {
        server.put_secret(
            "eksa-system",
            &format!("{name}-sa"),
            &[
                ("tls.crt", key.public_key_pem().as_bytes()),
                ("tls.key", b"not read"),
            ],
        );
    }
    let vars = |dev_created: bool| {
        json!({
            "bucket": bucket,
            "prefix": "eksa",
            "management_kubeconfig": kubeconfig,
            "management_context": "stand-in",
            "clusters": {
                &prod: {"created": true, "roles": demo_roles()},
                &dev: {"created": dev_created, "roles": demo_roles()},
            },
        })
    };
    // prod runs; dev is being added: its issuer and roles, no key yet.
    set_vars(&wd, moto, vars(false));
    let applied = wd.apply_ok();
    let five = [
        "discovery",
        "jwks",
        "oidc_provider",
        "cluster_keys",
        "trust_policy",
    ];
    assert_trust_check(&wd, &applied, &five, &format!("{ctx}, prod only"));
    assert_eq!(
        wd.output("kids")
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec![&prod],
        "{ctx}"
    );
    let dev_issuer = wd.output("issuer_urls")[dev.as_str()]
        .as_str()
        .unwrap()
        .to_owned();
    expect_refused(
        &rp,
        &dev_key.token(&Claims::new(&dev_issuer, SERVICE_ACCOUNT)),
        &role_arn(&wd, &format!("{dev}-demo")),
        Step::Jwks,
        "dev before its key is published",
    );
    // dev exists now.
    set_vars(&wd, moto, vars(true));
    let applied = wd.apply_ok();
    // The check now takes the first created cluster by name: dev.
    assert_trust_check(&wd, &applied, &five, &format!("{ctx}, both"));

    let issuers = wd.output("issuer_urls");
    if version == TfVersion::Current {
        assert_eq!(
            trust_check_state(&wd, &ctx)["issuer_url"],
            issuers[dev.as_str()],
            "{ctx}"
        );
    }
    let configs = wd.output("pod_iam_config");
    let webhook = yaml_objects(&wd.output("pod_identity_webhook_yaml"));
    assert_webhook(&webhook, "us-east-1", &ctx);
    for (name, key) in [(&prod, &prod_key), (&dev, &dev_key)] {
        // The issuer the cluster spec sets, from the YAML fragment.
        let fragment = configs[name.as_str()].as_str().unwrap();
        let issuer = fragment
            .lines()
            .find_map(|l| l.trim().strip_prefix("serviceAccountIssuer: "))
            .unwrap_or_else(|| panic!("{ctx}: no serviceAccountIssuer in\n{fragment}"))
            .to_owned();
        assert_eq!(json!(issuer), issuers[name.as_str()], "{ctx}");
        assert!(
            issuer.ends_with(&format!("/eksa/{name}")),
            "{ctx}: {issuer}"
        );
        assert_eq!(
            wd.output("kids")[name.as_str()],
            json!([key.kid()]),
            "{ctx}"
        );
        prove_trust_chain(&rp, key, &issuer, &role_arn(&wd, &format!("{name}-demo")));
    }
    // Each cluster's tokens are good for its own roles only.
    let other_issuer = issuers[dev.as_str()].as_str().unwrap();
    expect_refused(
        &rp,
        &dev_key.token(&Claims::new(other_issuer, SERVICE_ACCOUNT)),
        &role_arn(&wd, &format!("{prod}-demo")),
        Step::TrustPolicy,
        "a token of cluster dev for a role of cluster prod",
    );
    assert_plan_clean(&wd, &ctx);

    wd.destroy_ok();
    assert_eq!(
        remains(
            moto,
            &bucket,
            &[format!("{prod}-demo"), format!("{dev}-demo")]
        ),
        json!({"objects": ["team/readme.txt"], "providers": [], "roles": []}),
        "{ctx}: the bucket and what was there before stay"
    );
    log_time("eks-anywhere", version, started);
}
per_version!(eks_anywhere_clusters_share_an_existing_bucket);

/// The verifier itself, on the quickstart: the links the workflow tests do
/// not break (an expired token, a token that is no JWS, an issuer nothing
/// was published for, a tampered discovery document or JWKS, a deleted OIDC
/// provider), each broken by hand, and repaired by the next apply.
#[test]
fn trust_chain_check_names_the_broken_link() {
    let moto = Moto::shared();
    let rp = RelyingParty::emulator(&moto.endpoint());
    let bucket = format!("irsa-verifier-{}", random_suffix());
    let key = SigningKey::generate_rsa();
    let mut wd = Workdir::new(TfVersion::Current, Install::DevOverrides);
    wd.envs(moto.env());
    wd.write(
        "main.tf",
        &std::fs::read_to_string(repo_root().join("examples/quickstart/main.tf")).unwrap(),
    );
    wd.write(
        "terraform.tfvars.json",
        &json!({
            "public_key_pem": key.public_key_pem(),
            "bucket": bucket,
            "aws_endpoint": moto.endpoint(),
        })
        .to_string(),
    );
    wd.apply_ok();
    let issuer = issuer_flag(&wd.output("apiserver_flags"));
    let arn = wd.output("role_annotations")["eks.amazonaws.com/role-arn"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = key.token(&Claims::new(&issuer, SERVICE_ACCOUNT));
    prove_trust_chain(&rp, &key, &issuer, &arn);

    let mut old = Claims::new(&issuer, SERVICE_ACCOUNT);
    old.issued_at -= 7200;
    old.expires_at -= 7200;
    expect_refused(
        &rp,
        &key.token(&old),
        &arn,
        Step::Lifetime,
        "an expired token",
    );
    expect_refused(&rp, "not.a-token", &arn, Step::Token, "not a JWS");
    expect_refused(
        &rp,
        &key.token(&Claims::new(
            &issuer.replace("/quickstart", "/elsewhere"),
            SERVICE_ACCOUNT,
        )),
        &arn,
        Step::Discovery,
        "an issuer nothing was published for",
    );

    // The discovery document's issuer with a trailing slash, and a JWKS
    // without keys.
    let put = |key: &str, body: &str| {
        boto(
            moto,
            &format!("s3.put_object(Bucket='{bucket}', Key='{key}', Body={body:?}.encode())"),
        )
    };
    let discovery = json!({
        "issuer": format!("{issuer}/"),
        "jwks_uri": format!("{issuer}/keys.json"),
        "id_token_signing_alg_values_supported": ["RS256"],
    });
    put(
        "quickstart/.well-known/openid-configuration",
        &discovery.to_string(),
    );
    expect_refused(
        &rp,
        &token,
        &arn,
        Step::IssuerMismatch,
        "a discovery document whose issuer has a trailing slash",
    );
    wd.apply_ok();
    rp.check(&token, &arn)
        .unwrap_or_else(|e| panic!("the discovery document is repaired, still refused at {e}"));
    put("quickstart/keys.json", r#"{"not": "a key set"}"#);
    expect_refused(&rp, &token, &arn, Step::Jwks, "a JWKS without keys");
    wd.apply_ok();
    rp.check(&token, &arn)
        .unwrap_or_else(|e| panic!("the JWKS is repaired, still refused at {e}"));

    // The IAM OIDC provider deleted out of band.
    let host_path = issuer.strip_prefix("https://").unwrap();
    boto(
        moto,
        &format!(
            "iam = boto3.client('iam')\n\
             iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=\
             'arn:aws:iam::123456789012:oidc-provider/{host_path}')"
        ),
    );
    expect_refused(
        &rp,
        &token,
        &arn,
        Step::OidcProvider,
        "no IAM OIDC provider",
    );
    wd.apply_ok();
    rp.check(&token, &arn)
        .unwrap_or_else(|e| panic!("the OIDC provider is repaired, still refused at {e}"));

    destroy_and_confirm_gone(
        moto,
        &wd,
        &bucket,
        &["irsa-quickstart-demo".to_owned()],
        "quickstart",
    );
}

#[test]
fn string_like_follows_iam() {
    use crate::support::trust_chain::string_like;
    assert!(string_like(
        "system:serviceaccount:kube-system:*",
        "system:serviceaccount:kube-system:a"
    ));
    assert!(string_like("a?c", "abc"));
    assert!(!string_like("a?c", "ac"));
    assert!(!string_like("abc", "abcd"));
    assert!(!string_like("abc", "ab"));
    assert!(string_like("*", ""));
    assert!(string_like("a*b*c", "a-x-b-y-c"));
}
