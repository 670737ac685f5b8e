//! The fault matrix: a full workflow (an issuer with its own bucket outside
//! us-east-1, its JWKS, two roles with an attachment, an inline policy and
//! tags) applied through a fault proxy in front of moto, with one mutating
//! AWS call broken at a time in each way a network breaks — HTTP 500, the
//! connection closed, and the call done with its answer dropped. After each
//! broken apply, a second apply must converge, a plan must be empty, what
//! the emulator holds must equal the state (nothing orphaned, nothing
//! adopted), and destroy must leave nothing; a call of destroy broken the
//! same way leaves a state that the next destroy finishes. An apply
//! interrupted by Ctrl-C halfway converges too.
//!
//! The calls are not listed here: a clean apply through the proxy names
//! them, so the matrix follows the provider as it changes.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value as Json};

use crate::support::fault_proxy::{is_mutating, Fault, FaultProxy};
use crate::support::{random_suffix, state_resource, Install, Moto, TfVersion, Workdir};

/// The workflow's region: outside us-east-1, where CreateBucket has its own
/// answer for a bucket the caller already owns.
const REGION: &str = "eu-west-1";

/// A customer managed policy the matrix attaches (moto has no AWS managed
/// policies), made once per emulator by [`ensure_policy`].
const POLICY_ARN: &str = "arn:aws:iam::123456789012:policy/fault-matrix-read";

fn ensure_policy(moto: &Moto) {
    let script = "import boto3, json\n\
        iam = boto3.client('iam')\n\
        doc = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': '*'}]}\n\
        try:\n    iam.create_policy(PolicyName='fault-matrix-read', PolicyDocument=json.dumps(doc))\n\
        except iam.exceptions.EntityAlreadyExistsException:\n    pass\n";
    let res = moto.python().arg("-c").arg(script).output().unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
}

const PUBLIC_KEY: &str = include_str!("../../src/domain/testdata/rsa2048.pub.pem");

fn workflow(proxy: &FaultProxy, s: &str) -> String {
    let ep = proxy.endpoint();
    format!(
        r#"
terraform {{
  required_providers {{
    irsa = {{ source = "irsa/irsa" }}
  }}
}}
provider "irsa" {{
  region            = "{REGION}"
  s3_use_path_style = true
  endpoints {{
    s3  = "{ep}"
    iam = "{ep}"
    sts = "{ep}"
  }}
}}

resource "irsa_issuer" "this" {{
  bucket = "fault-{s}"
  prefix = "c1"
  tags   = {{ team = "platform" }}
}}

resource "irsa_jwks" "this" {{
  bucket          = irsa_issuer.this.bucket
  key             = irsa_issuer.this.jwks_key
  region          = irsa_issuer.this.region
  public_keys_pem = [file("sa.pub")]
}}

resource "irsa_role" "dns" {{
  name              = "fault-dns-{s}"
  oidc_provider_arn = irsa_issuer.this.oidc_provider_arn
  service_accounts  = ["kube-system:external-dns"]
  policy_arns       = ["{POLICY_ARN}"]
}}

resource "irsa_role" "app" {{
  name_prefix       = "fault-app-{s}-"
  oidc_provider_arn = irsa_issuer.this.oidc_provider_arn
  service_accounts  = ["apps:*"]
  tags              = {{ app = "billing" }}
  inline_policies = {{
    read = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }}] }})
  }}
}}
"#
    )
}

fn workdir(moto: &Moto, version: TfVersion, proxy: &FaultProxy, s: &str) -> Workdir {
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(moto.env());
    wd.write("sa.pub", PUBLIC_KEY);
    wd.write("main.tf", &workflow(proxy, s));
    wd
}

/// What the emulator holds for suffix `s`: buckets with their objects, OIDC
/// providers, roles. Read straight from moto, not through the proxy.
fn emulator(moto: &Moto, s: &str) -> Json {
    let script = format!(
        r#"
import boto3, json
from botocore.config import Config
s3 = boto3.client('s3', region_name='{REGION}', config=Config(s3={{'addressing_style': 'path'}}))
iam = boto3.client('iam')
out = {{'buckets': {{}}, 'providers': [], 'roles': []}}
for b in s3.list_buckets()['Buckets']:
    if '{s}' in b['Name']:
        keys = [o['Key'] for o in s3.list_objects_v2(Bucket=b['Name']).get('Contents', [])]
        out['buckets'][b['Name']] = {{k: s3.get_object(Bucket=b['Name'], Key=k)['Body'].read().decode() for k in keys}}
for p in iam.list_open_id_connect_providers()['OpenIDConnectProviderList']:
    if '{s}' in p['Arn']:
        out['providers'].append(p['Arn'])
for r in iam.list_roles()['Roles']:
    if '{s}' in r['RoleName']:
        out['roles'].append(r['RoleName'])
out['roles'].sort()
print(json.dumps(out))
"#
    );
    let res = moto.python().arg("-c").arg(&script).output().unwrap();
    assert!(
        res.status.success(),
        "emulator snapshot failed: {}",
        String::from_utf8_lossy(&res.stderr)
    );
    serde_json::from_slice(&res.stdout).unwrap()
}

/// What the state says the emulator must hold, in the shape of [`emulator`].
fn expected(wd: &Workdir) -> Json {
    let state = wd.show_json();
    let issuer = &state_resource(&state, "irsa_issuer.this")["values"];
    let jwks = &state_resource(&state, "irsa_jwks.this")["values"];
    let bucket = issuer["bucket"].as_str().unwrap();
    let mut roles: Vec<String> = ["irsa_role.dns", "irsa_role.app"]
        .iter()
        .map(|a| {
            state_resource(&state, a)["values"]["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    roles.sort();
    json!({
        "buckets": {
            bucket: {
                issuer["discovery_key"].as_str().unwrap(): issuer["discovery_json"],
                jwks["key"].as_str().unwrap(): jwks["json"],
            }
        },
        "providers": [issuer["oidc_provider_arn"]],
        "roles": roles,
    })
}

/// When a broken call is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Apply,
    Destroy,
}

/// Break `call` with `fault` in the first apply (or destroy); then check
/// that the next one converges.
fn case(
    moto: &Moto,
    version: TfVersion,
    phase: Phase,
    call: &str,
    fault: Fault,
) -> Result<(), String> {
    let s = random_suffix();
    let proxy = FaultProxy::start(&moto.endpoint());
    let wd = workdir(moto, version, &proxy, &s);
    let what = format!("{version} {phase:?} {call} {fault:?}");
    let empty = json!({"buckets": {}, "providers": [], "roles": []});
    if phase == Phase::Destroy {
        let applied = wd.apply();
        if !applied.success {
            return Err(format!(
                "{what}: the clean apply failed:\n{}",
                applied.combined()
            ));
        }
        proxy.arm(call, fault);
        let first = wd.destroy();
        proxy.disarm();
        if proxy.faulted() == 0 {
            return Err(format!("{what}: the call was never made"));
        }
        let second = wd.destroy();
        if !second.success {
            return Err(format!(
                "{what}: the second destroy failed (first: {}):\n{}",
                if first.success { "ok" } else { "failed" },
                second.combined()
            ));
        }
        let left = emulator(moto, &s);
        return if left == empty {
            Ok(())
        } else {
            Err(format!("{what}: destroy left {left:#}"))
        };
    }
    proxy.arm(call, fault);
    let first = wd.apply();
    proxy.disarm();
    let hit = proxy.faulted();
    if std::env::var_os("IRSA_FAULT_CALL").is_some() {
        eprintln!(
            "{what}: first apply ({hit} requests broken):\n{}",
            first.combined()
        );
    }
    let result = (|| {
        if hit == 0 {
            return Err(format!("{what}: the call was never made"));
        }
        let second = wd.apply();
        if !second.success {
            return Err(format!(
                "{what}: the second apply failed (first: {}):\n{}",
                if first.success { "ok" } else { "failed" },
                second.combined()
            ));
        }
        let code = wd.plan_exit_code();
        if code != 0 {
            return Err(format!(
                "{what}: a plan after the second apply is not empty ({code})"
            ));
        }
        let (held, want) = (emulator(moto, &s), expected(&wd));
        if held != want {
            return Err(format!(
                "{what}: the emulator holds\n{held:#}\nbut the state says\n{want:#}"
            ));
        }
        Ok(())
    })();
    let destroyed = wd.destroy();
    let left = emulator(moto, &s);
    result?;
    if !destroyed.success {
        return Err(format!("{what}: destroy failed:\n{}", destroyed.combined()));
    }
    if left != empty {
        return Err(format!("{what}: destroy left {left:#}"));
    }
    Ok(())
}

/// The mutating calls of a clean apply, and those of its destroy, each in
/// order of first use.
fn mutating_calls(moto: &Moto) -> Vec<(Phase, String)> {
    ensure_policy(moto);
    let s = random_suffix();
    let proxy = FaultProxy::start(&moto.endpoint());
    let wd = workdir(moto, TfVersion::Current, &proxy, &s);
    wd.apply_ok();
    let applied = proxy.take_calls();
    wd.destroy_ok();
    let destroyed = proxy.take_calls();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (phase, calls) in [(Phase::Apply, applied), (Phase::Destroy, destroyed)] {
        for c in calls {
            if is_mutating(&c) && seen.insert((phase, c.clone())) {
                out.push((phase, c));
            }
        }
    }
    out
}

/// Run the cases on a few threads; report every failing case at once.
fn run_matrix(version: TfVersion, faults: &[Fault]) {
    let moto: &Moto = Moto::shared();
    let calls = mutating_calls(moto);
    assert!(
        calls.len() >= 10,
        "the workflow makes its mutating calls: {calls:?}"
    );
    // IRSA_FAULT_CALL=<call> runs only that call's cases, to look at one.
    let only = std::env::var("IRSA_FAULT_CALL").ok();
    let cases: Vec<(Phase, String, Fault)> = calls
        .iter()
        .filter(|(_, c)| only.as_ref().is_none_or(|o| o == c))
        .flat_map(|(p, c)| faults.iter().map(move |f| (*p, c.clone(), *f)))
        .collect();
    let total = cases.len();
    let queue = Arc::new(Mutex::new(cases));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (queue, failures) = (queue.clone(), failures.clone());
            std::thread::spawn(move || loop {
                let Some((phase, call, fault)) = queue.lock().unwrap().pop() else {
                    return;
                };
                if let Err(e) = case(Moto::shared(), version, phase, &call, fault) {
                    failures.lock().unwrap().push(e);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    // Written past the test harness's capture, so that `make test` shows
    // how many cases ran.
    let _ = writeln!(
        std::io::stderr(),
        "fault matrix on {version}: {total} (call, mode) cases over {} calls ({}), {} failed",
        calls.len(),
        calls
            .iter()
            .map(|(p, c)| format!("{p:?} {c}"))
            .collect::<Vec<_>>()
            .join(", "),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Every mutating call in every mode, on the current Terraform.
#[test]
fn every_mutating_call_in_every_mode_converges_on_terraform_1_11() {
    run_matrix(TfVersion::Current, &Fault::MATRIX);
}

/// The same matrix on Terraform 1.0.3.
#[test]
fn every_mutating_call_in_every_mode_converges_on_terraform_1_0_3() {
    run_matrix(TfVersion::V1_0_3, &Fault::MATRIX);
}

/// Ctrl-C while CreateRole is on its way: Terraform stops the provider, the
/// apply ends, and the next apply converges with nothing orphaned.
fn an_interrupted_apply_converges(version: TfVersion) {
    let moto: &Moto = Moto::shared();
    ensure_policy(moto);
    let s = random_suffix();
    let proxy = FaultProxy::start(&moto.endpoint());
    let mut wd = workdir(moto, version, &proxy, &s);
    wd.set_timeout(Duration::from_secs(180));
    proxy.arm("iam:CreateRole", Fault::Hold);
    let releaser = {
        let proxy = proxy.clone();
        std::thread::spawn(move || {
            assert!(
                proxy.wait_until_holding(Duration::from_secs(120)),
                "CreateRole was held"
            );
            // Let the held call go on a moment after Ctrl-C reached Terraform.
            std::thread::sleep(Duration::from_secs(3));
            proxy.disarm();
        })
    };
    let interrupted = wd.run_interrupting(
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &|| proxy.is_holding(),
    );
    releaser.join().unwrap();
    assert!(
        !interrupted.success,
        "{version}: the interrupted apply reports failure"
    );
    wd.apply_ok();
    assert_eq!(wd.plan_exit_code(), 0, "{version}: converged");
    assert_eq!(
        emulator(moto, &s),
        expected(&wd),
        "{version}: nothing orphaned"
    );
    wd.destroy_ok();
    assert_eq!(
        emulator(moto, &s),
        json!({"buckets": {}, "providers": [], "roles": []}),
        "{version}: destroy left nothing"
    );
}

crate::support::per_version!(an_interrupted_apply_converges);
