//! `irsa_issuer` through real terraform (1.11 and 1.0.3) against moto:
//! create, check every object through the API, drift and repair, in-place
//! updates, import, shared buckets, partial failure, the refresh's API calls,
//! destroy, and bad input at plan time.
//!
//! What AWS holds is read with boto3
//! (`tests/integration/support/aws_snapshot.py`) over signed calls, never
//! through the provider's own code.

use serde_json::{json, Value as Json};

use crate::support::{per_version, random_suffix, Install, Moto, TfOutput, TfVersion, Workdir};

const RESOURCE: &str = "irsa_issuer.this";
const DISCOVERY: &str = ".well-known/openid-configuration";

fn provider_block(moto: &Moto, iam_endpoint: Option<&str>) -> String {
    match iam_endpoint {
        Some(iam) => moto.provider_config_with_iam(iam),
        None => moto.provider_config(),
    }
}

fn workdir(moto: &Moto, version: TfVersion) -> Workdir {
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(moto.env());
    wd
}

/// What the emulator holds for `bucket`.
fn snapshot(moto: &Moto, bucket: &str) -> Json {
    let out = moto
        .python()
        .arg("tests/integration/support/aws_snapshot.py")
        .arg(bucket)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "snapshot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Run boto3 code against the emulator (`s3` and `iam` clients are defined).
fn boto(moto: &Moto, code: &str) {
    let script = format!(
        "import boto3, json\nfrom botocore.config import Config\n\
         s3 = boto3.client('s3', config=Config(s3={{'addressing_style': 'path'}}))\n\
         iam = boto3.client('iam')\n{code}\n"
    );
    let out = moto.python().arg("-c").arg(&script).output().unwrap();
    assert!(
        out.status.success(),
        "boto3 failed:\n{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The resource's attributes from `terraform show -json`.
fn attributes(wd: &Workdir, address: &str) -> Json {
    let state = wd.show_json();
    state["values"]["root_module"]["resources"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .find(|r| r["address"] == address)
        .map(|r| r["values"].clone())
        .unwrap_or(Json::Null)
}

fn statements(policy: &str) -> Vec<Json> {
    let p: Json = serde_json::from_str(policy).unwrap();
    p["Statement"].as_array().unwrap().clone()
}

/// The next plan shows `what` as an in-place change, the apply repairs it,
/// and the plan after is empty. Returns that first plan.
pub fn expect_drift_then_repair(wd: &Workdir, what: &str) -> TfOutput {
    let plan = wd.plan_detailed();
    assert_eq!(plan.code, Some(2), "{what}: plan shows the drift:\n{plan}");
    assert!(
        plan.stdout.contains("update in-place")
            && plan.stdout.contains("0 to add")
            && plan.stdout.contains("0 to destroy"),
        "{what}: repaired in place, nothing made or destroyed:\n{plan}"
    );
    wd.apply_ok();
    assert_eq!(wd.plan_exit_code(), 0, "{what}: clean after the repair");
    plan
}

fn lifecycle_create_drift_update_import_destroy(version: TfVersion) {
    let moto = Moto::shared();
    let bucket = format!("irsa-{}", random_suffix());
    let config = |tags: &str, extra: &str| {
        format!(
            r#"{}
resource "irsa_issuer" "this" {{
  bucket = "{bucket}"
  prefix = "clusters/prod"
  tags   = {tags}
  {extra}
}}
output "issuer_url" {{ value = irsa_issuer.this.issuer_url }}
"#,
            provider_block(moto, None)
        )
    };
    let wd = workdir(moto, version);
    wd.write("main.tf", &config(r#"{ team = "a" }"#, ""));
    wd.apply_ok();
    let ctx = format!("{version:?}");

    // The state, with every default visible.
    let a = attributes(&wd, RESOURCE);
    let issuer = format!("https://{bucket}.s3.us-east-1.amazonaws.com/clusters/prod");
    assert_eq!(a["issuer_url"], json!(issuer), "{ctx}");
    assert_eq!(
        a["issuer_host_path"],
        json!(issuer.trim_start_matches("https://"))
    );
    assert_eq!(a["jwks_uri"], json!(format!("{issuer}/keys.json")));
    assert_eq!(
        a["discovery_key"],
        json!(format!("clusters/prod/{DISCOVERY}"))
    );
    assert_eq!(a["jwks_key"], json!("clusters/prod/keys.json"));
    assert_eq!(a["id"], json!(format!("{bucket}/clusters/prod")));
    assert_eq!(a["bucket_arn"], json!(format!("arn:aws:s3:::{bucket}")));
    assert_eq!(a["create_bucket"], json!(true));
    assert_eq!(a["url_style"], json!("virtual-hosted"));
    assert_eq!(a["region"], json!("us-east-1"));
    assert_eq!(a["client_ids"], json!(["sts.amazonaws.com"]));
    assert_eq!(a["signing_algorithms"], json!(["RS256"]));
    assert_eq!(a["force_destroy"], json!(false));
    // moto records no thumbprint when none is given; IAM would fill one in.
    assert_eq!(a["thumbprints"], json!([]));
    let arn = a["oidc_provider_arn"].as_str().unwrap().to_owned();
    assert_eq!(
        arn,
        format!(
            "arn:aws:iam::123456789012:oidc-provider/{}",
            issuer.trim_start_matches("https://")
        )
    );

    // Everything through the API.
    let snap = snapshot(moto, &bucket);
    let key = format!("clusters/prod/{DISCOVERY}");
    let doc = &snap["objects"][&key];
    assert_eq!(doc["content_type"], json!("application/json"), "{ctx}");
    let published: Json = serde_json::from_str(doc["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        published,
        json!({
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/keys.json"),
            "authorization_endpoint": "urn:kubernetes:programmatic_authorization",
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss"]
        })
    );
    assert_eq!(a["discovery_json"], doc["body"]);
    assert_eq!(
        snap["objects"].as_object().unwrap().len(),
        1,
        "only the document"
    );
    assert_eq!(
        snap["public_access_block"],
        json!({"BlockPublicAcls": true, "IgnorePublicAcls": true,
               "BlockPublicPolicy": false, "RestrictPublicBuckets": false})
    );
    assert_eq!(snap["ownership"], json!("BucketOwnerEnforced"));
    assert_eq!(snap["tags"], json!({"team": "a"}));
    assert_eq!(
        snap["creation_token"].as_str().map(str::len),
        Some(32),
        "{ctx}: the bucket carries the provider's creation token"
    );
    let stmts = statements(snap["policy"].as_str().unwrap());
    assert_eq!(stmts.len(), 2, "{ctx}: {stmts:?}");
    let read = stmts.iter().find(|s| s["Effect"] == "Allow").unwrap();
    assert_eq!(read["Principal"], json!("*"));
    assert_eq!(read["Action"], json!("s3:GetObject"));
    assert_eq!(
        read["Resource"],
        json!([
            format!("arn:aws:s3:::{bucket}/clusters/prod/{DISCOVERY}"),
            format!("arn:aws:s3:::{bucket}/clusters/prod/keys.json")
        ])
    );
    let tls = stmts.iter().find(|s| s["Effect"] == "Deny").unwrap();
    assert_eq!(
        tls["Condition"],
        json!({"Bool": {"aws:SecureTransport": "false"}})
    );
    assert_eq!(
        tls["Resource"],
        json!([
            format!("arn:aws:s3:::{bucket}"),
            format!("arn:aws:s3:::{bucket}/*")
        ])
    );
    let provider = &snap["providers"][&arn];
    assert_eq!(
        provider["url"],
        json!(issuer.trim_start_matches("https://"))
    );
    assert_eq!(provider["client_ids"], json!(["sts.amazonaws.com"]));
    assert_eq!(provider["tags"], json!({"team": "a"}));
    assert_eq!(
        provider["creation_token"].as_str().map(str::len),
        Some(32),
        "the provider carries the provider's creation token"
    );

    assert_eq!(wd.plan_exit_code(), 0, "{ctx}: a second plan is empty");

    // Drift, one piece at a time; each repaired in place.
    boto(
        moto,
        &format!("s3.delete_object(Bucket='{bucket}', Key='{key}')"),
    );
    expect_drift_then_repair(&wd, "deleted discovery document");
    assert!(snapshot(moto, &bucket)["objects"][&key].is_object());

    boto(
        moto,
        &format!("s3.put_object(Bucket='{bucket}', Key='{key}', Body=b'{{}}')"),
    );
    expect_drift_then_repair(&wd, "edited discovery document");
    assert_eq!(
        snapshot(moto, &bucket)["objects"][&key]["body"],
        doc["body"]
    );

    boto(moto, &format!("s3.delete_bucket_policy(Bucket='{bucket}')"));
    expect_drift_then_repair(&wd, "deleted bucket policy");
    assert_eq!(
        statements(snapshot(moto, &bucket)["policy"].as_str().unwrap()).len(),
        2
    );

    // Only one of the two statements removed, the other kept.
    boto(
        moto,
        &format!(
            "p = json.loads(s3.get_bucket_policy(Bucket='{bucket}')['Policy'])\n\
             p['Statement'] = [s for s in p['Statement'] if s['Effect'] == 'Allow']\n\
             s3.put_bucket_policy(Bucket='{bucket}', Policy=json.dumps(p))"
        ),
    );
    expect_drift_then_repair(&wd, "deleted TLS statement");
    assert_eq!(
        statements(snapshot(moto, &bucket)["policy"].as_str().unwrap()).len(),
        2
    );

    boto(
        moto,
        &format!("iam.delete_open_id_connect_provider(OpenIDConnectProviderArn='{arn}')"),
    );
    expect_drift_then_repair(&wd, "deleted OIDC provider");
    let snap = snapshot(moto, &bucket);
    assert_eq!(
        snap["providers"][&arn]["tags"],
        json!({"team": "a"}),
        "{ctx}"
    );
    assert_eq!(attributes(&wd, RESOURCE)["oidc_provider_arn"], json!(arn));

    boto(
        moto,
        &format!("s3.delete_bucket_tagging(Bucket='{bucket}')"),
    );
    expect_drift_then_repair(&wd, "removed bucket tags");
    assert_eq!(snapshot(moto, &bucket)["tags"], json!({"team": "a"}));

    // In-place updates: tags and thumbprints. Client IDs are not updated
    // here: moto does not implement AddClientIDToOpenIDConnectProvider
    // or RemoveClientIDFromOpenIDConnectProvider (it answers HTTP 500).
    // The provider calls them all the same, since replacing the IAM
    // provider would break every role that trusts it; the call sequence
    // is tested in src/aws/oidc_provider.rs against a recording stand-in.
    let thumb = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";
    wd.write(
        "main.tf",
        &config(
            r#"{ team = "b", env = "prod" }"#,
            &format!("thumbprints = [\"{thumb}\"]"),
        ),
    );
    let plan = wd.plan_detailed();
    assert_eq!(plan.code, Some(2));
    assert!(plan.stdout.contains("1 to change, 0 to destroy"), "{plan}");
    wd.apply_ok();
    let snap = snapshot(moto, &bucket);
    assert_eq!(
        snap["providers"][&arn]["thumbprints"],
        json!([thumb]),
        "{ctx}"
    );
    assert_eq!(
        snap["providers"][&arn]["tags"],
        json!({"team": "b", "env": "prod"})
    );
    assert_eq!(snap["tags"], json!({"team": "b", "env": "prod"}));
    assert_eq!(attributes(&wd, RESOURCE)["oidc_provider_arn"], json!(arn));
    assert_eq!(wd.plan_exit_code(), 0, "{ctx}: clean after the update");

    // Import into a fresh state plans clean. (Without the output: an
    // import does not record outputs, so Terraform 1.0.3 would plan to
    // add it.)
    let fresh = workdir(moto, version);
    let imported_config = config(
        r#"{ team = "b", env = "prod" }"#,
        &format!("thumbprints = [\"{thumb}\"]"),
    );
    let imported_config = imported_config
        .split("output \"issuer_url\"")
        .next()
        .unwrap();
    fresh.write("main.tf", imported_config);
    fresh.import_ok(RESOURCE, &format!("{bucket}/clusters/prod"));
    let plan = fresh.plan_detailed();
    assert_eq!(
        plan.code,
        Some(0),
        "{ctx}: imported state plans clean:\n{plan}"
    );
    let imported = attributes(&fresh, RESOURCE);
    for name in [
        "oidc_provider_arn",
        "issuer_url",
        "discovery_json",
        "bucket_policy_statements",
    ] {
        assert_eq!(
            imported[name],
            attributes(&wd, RESOURCE)[name],
            "{ctx}: {name}"
        );
    }

    wd.destroy_ok();
    let snap = snapshot(moto, &bucket);
    assert_eq!(snap["bucket_exists"], json!(false), "{ctx}: bucket gone");
    assert_eq!(snap["providers"], json!({}), "{ctx}: provider gone");
    // Destroying again from the imported copy finds nothing and succeeds.
    fresh.destroy_ok();
}
per_version!(lifecycle_create_drift_update_import_destroy);

fn defaults_import_by_bucket_and_destroy_guards_foreign_objects(version: TfVersion) {
    let moto = Moto::shared();
    let bucket = format!("irsa-{}", random_suffix());
    let body = |force: bool| {
        format!(
            "{}\nresource \"irsa_issuer\" \"this\" {{\n  bucket = \"{bucket}\"\n  force_destroy = {force}\n}}\n",
            provider_block(moto, None)
        )
    };
    let wd = workdir(moto, version);
    wd.write("main.tf", &body(false));
    wd.apply_ok();
    let ctx = format!("{version:?}");
    assert_eq!(
        attributes(&wd, RESOURCE)["issuer_url"],
        json!(format!("https://{bucket}.s3.us-east-1.amazonaws.com"))
    );

    let fresh = workdir(moto, version);
    fresh.write(
        "main.tf",
        &format!(
            "{}\nresource \"irsa_issuer\" \"this\" {{\n  bucket = \"{bucket}\"\n}}\n",
            provider_block(moto, None)
        ),
    );
    fresh.import_ok(RESOURCE, &bucket);
    assert_eq!(
        fresh.plan_exit_code(),
        0,
        "{ctx}: import by bucket plans clean"
    );

    // A JWKS written by someone else blocks destroy, which names it.
    boto(
        moto,
        &format!("s3.put_object(Bucket='{bucket}', Key='keys.json', Body=b'{{\"keys\": []}}')"),
    );
    let out = wd.destroy().assert_failure();
    let text = out.combined();
    assert!(
        text.contains(&bucket) && text.contains("keys.json"),
        "{ctx}: {text}"
    );
    assert!(text.contains("force_destroy"), "{ctx}: {text}");
    let snap = snapshot(moto, &bucket);
    assert!(
        snap["objects"][DISCOVERY].is_object(),
        "{ctx}: nothing was removed"
    );
    assert_eq!(snap["providers"].as_object().unwrap().len(), 1);

    wd.write("main.tf", &body(true));
    wd.apply_ok();
    wd.destroy_ok();
    let snap = snapshot(moto, &bucket);
    assert_eq!(snap["bucket_exists"], json!(false), "{ctx}");
    assert_eq!(snap["providers"], json!({}), "{ctx}");
}
per_version!(defaults_import_by_bucket_and_destroy_guards_foreign_objects);

fn existing_bucket_shared_by_two_issuers_keeps_foreign_statements(version: TfVersion) {
    let moto = Moto::shared();
    let bucket = format!("irsa-shared-{}", random_suffix());
    let foreign = format!(
        r#"{{"Sid":"TeamList","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:root"}},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::{bucket}"}}"#
    );
    boto(
        moto,
        &format!(
            "s3.create_bucket(Bucket='{bucket}')\n\
             s3.put_bucket_policy(Bucket='{bucket}', Policy='{{\"Version\":\"2012-10-17\",\"Statement\":[{foreign}]}}')\n\
             s3.put_object(Bucket='{bucket}', Key='other/data.txt', Body=b'x')"
        ),
    );
    let config = format!(
        r#"{}
resource "irsa_issuer" "a" {{
  bucket        = "{bucket}"
  create_bucket = false
  prefix        = "c1"
  url_style     = "path"
}}
resource "irsa_issuer" "b" {{
  bucket        = "{bucket}"
  create_bucket = false
  prefix        = "c2"
  force_destroy = true
}}
"#,
        provider_block(moto, None)
    );
    let wd = workdir(moto, version);
    wd.write("main.tf", &config);
    wd.apply_ok();
    let ctx = format!("{version:?}");
    assert_eq!(
        attributes(&wd, "irsa_issuer.a")["issuer_url"],
        json!(format!("https://s3.us-east-1.amazonaws.com/{bucket}/c1"))
    );

    let snap = snapshot(moto, &bucket);
    let policy = snap["policy"].as_str().unwrap();
    assert!(
        policy.contains(&foreign),
        "{ctx}: foreign statement kept byte for byte: {policy}"
    );
    let stmts = statements(policy);
    assert_eq!(stmts.len(), 5, "{ctx}: the foreign one and two per issuer");
    // On a bucket that is not ours, even the TLS rule covers only our objects.
    for s in stmts.iter().filter(|s| s["Effect"] == "Deny") {
        let resources = s["Resource"].as_array().unwrap();
        assert!(
            resources.iter().all(|r| r.as_str().unwrap().contains("/c")),
            "{s}"
        );
    }
    assert_eq!(
        snap["public_access_block"],
        Json::Null,
        "{ctx}: bucket settings untouched"
    );
    assert_eq!(wd.plan_exit_code(), 0, "{ctx}");

    // Import of a shared-bucket issuer recovers create_bucket and url_style.
    let fresh = workdir(moto, version);
    fresh.write(
        "main.tf",
        &format!(
            "{}\nresource \"irsa_issuer\" \"a\" {{\n  bucket = \"{bucket}\"\n  create_bucket = false\n  prefix = \"c1\"\n  url_style = \"path\"\n}}\n",
            provider_block(moto, None)
        ),
    );
    fresh.import_ok("irsa_issuer.a", &format!("{bucket}/c1"));
    assert_eq!(
        fresh.plan_exit_code(),
        0,
        "{ctx}: imported shared issuer plans clean"
    );

    wd.destroy_ok();
    let snap = snapshot(moto, &bucket);
    assert_eq!(
        snap["bucket_exists"],
        json!(true),
        "{ctx}: the bucket stays"
    );
    assert_eq!(
        snap["objects"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["other/data.txt"],
        "{ctx}: only the documents went (force_destroy has no say on a shared bucket)"
    );
    assert_eq!(
        snap["policy"],
        json!(format!(
            r#"{{"Version":"2012-10-17","Statement":[{foreign}]}}"#
        )),
        "{ctx}"
    );
    assert_eq!(snap["providers"], json!({}), "{ctx}");
}
per_version!(existing_bucket_shared_by_two_issuers_keeps_foreign_statements);

fn a_failed_iam_call_leaves_a_state_that_the_next_apply_completes(version: TfVersion) {
    let moto = Moto::shared();
    let bucket = format!("irsa-partial-{}", random_suffix());
    let config = |iam: Option<&str>| {
        format!(
            "{}\nresource \"irsa_issuer\" \"this\" {{\n  bucket = \"{bucket}\"\n}}\n",
            provider_block(moto, iam)
        )
    };
    let wd = workdir(moto, version);
    // IAM unreachable: the bucket and the document are made, the provider not.
    wd.write("main.tf", &config(Some("http://127.0.0.1:9")));
    let out = wd.apply().assert_failure();
    assert!(
        out.combined().contains("CreateOpenIDConnectProvider"),
        "{out}"
    );
    let a = attributes(&wd, RESOURCE);
    assert_eq!(
        a["bucket"],
        json!(bucket),
        "{version:?}: the bucket is in the state"
    );
    assert_eq!(a["oidc_provider_arn"], Json::Null);
    assert!(a["discovery_json"].is_string());
    assert_eq!(snapshot(moto, &bucket)["bucket_exists"], json!(true));

    wd.write("main.tf", &config(None));
    wd.apply_ok();
    assert_eq!(wd.plan_exit_code(), 0, "{version:?}: converged");
    let snap = snapshot(moto, &bucket);
    assert_eq!(snap["providers"].as_object().unwrap().len(), 1);
    assert!(snap["objects"][DISCOVERY].is_object());

    wd.destroy_ok();
    let snap = snapshot(moto, &bucket);
    assert_eq!(
        snap["bucket_exists"],
        json!(false),
        "{version:?}: nothing orphaned"
    );
    assert_eq!(snap["providers"], json!({}));
}
per_version!(a_failed_iam_call_leaves_a_state_that_the_next_apply_completes);

fn refresh_makes_at_most_four_calls(version: TfVersion) {
    let moto = Moto::start();
    let bucket = format!("irsa-count-{}", random_suffix());
    let wd = workdir(&moto, version);
    wd.write(
        "main.tf",
        &format!(
            "{}\nresource \"irsa_issuer\" \"this\" {{\n  bucket = \"{bucket}\"\n  prefix = \"p\"\n  tags = {{ a = \"b\" }}\n}}\n",
            provider_block(&moto, None)
        ),
    );
    wd.apply_ok();
    moto.start_recording();
    assert_eq!(wd.plan_exit_code(), 0);
    let calls = moto.stop_recording();
    let actions: Vec<String> = calls
        .iter()
        .map(|c| format!("{} {}", c.service, c.action))
        .collect();
    assert!(
        calls.len() <= 4,
        "{version:?}: refresh made {} calls: {actions:?}",
        calls.len()
    );
    let mut sorted = actions.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec![
            "iam GetOpenIDConnectProvider",
            "s3 GET bucket?policy",
            "s3 GET bucket?tagging",
            // The Rust SDK marks GetObject with `?x-id=GetObject`.
            "s3 GET object?x-id",
        ],
        "{version:?}"
    );
    wd.destroy_ok();
}
per_version!(refresh_makes_at_most_four_calls);

fn bad_input_fails_at_plan_time_naming_the_attribute(version: TfVersion) {
    // (resource body, diagnostic summary, the configuration line Terraform
    // shows under it, which proves the path points at the attribute)
    let cases = [
        (
            "bucket = \"Bad_Bucket\"",
            "Invalid bucket name",
            "bucket = \"Bad_Bucket\"",
        ),
        (
            "bucket = \"ok-bucket\"\n  prefix = \"/clusters/prod/\"",
            "Invalid path",
            "prefix = \"/clusters/prod/\"",
        ),
        (
            "bucket = \"ok-bucket\"\n  thumbprints = [\"9E:99:A4\"]",
            "Invalid thumbprint",
            "thumbprints = [\"9E:99:A4\"]",
        ),
        (
            "bucket = \"my.dotted.bucket\"",
            "url_style = \"path\"",
            "bucket = \"my.dotted.bucket\"",
        ),
        // The one tag rule: the reserved prefix, a character AWS refuses,
        // the provider's own tag, and more tags than one object may carry.
        (
            "bucket = \"ok-bucket\"\n  tags = { \"aws:owner\" = \"x\" }",
            "Invalid tags",
            "tags = { \"aws:owner\" = \"x\" }",
        ),
        (
            "bucket = \"ok-bucket\"\n  tags = { \"a#b\" = \"x\" }",
            "Invalid tags",
            "tags = { \"a#b\" = \"x\" }",
        ),
        (
            "bucket = \"ok-bucket\"\n  tags = { \"irsa:creation-token\" = \"x\" }",
            "Invalid tags",
            "tags = { \"irsa:creation-token\" = \"x\" }",
        ),
        (
            "bucket = \"ok-bucket\"\n  tags = { for i in range(50) : \"k${i}\" => \"v\" }",
            "Invalid tags",
            "tags = { for i in range(50) : \"k${i}\" => \"v\" }",
        ),
        (
            "bucket = \"ok-bucket\"\n  region = \"EU West 1\"",
            "Invalid region",
            "region = \"EU West 1\"",
        ),
    ];
    refused_at_plan(version, &cases);
}

/// Each `(resource body, diagnostic summary, the configuration line
/// Terraform shows under it)`: the plan of an `irsa_issuer` with that body
/// fails with that summary, showing that line, which proves the path points
/// at the attribute.
pub fn refused_at_plan(version: TfVersion, cases: &[(&str, &str, &str)]) {
    for (body, summary, mention) in cases {
        let wd = Workdir::new(version, Install::DevOverrides);
        wd.write(
            "main.tf",
            &format!(
                "terraform {{\n  required_providers {{\n    irsa = {{ source = \"irsa/irsa\" }}\n  }}\n}}\n\
                 provider \"irsa\" {{\n  region = \"us-east-1\"\n}}\n\
                 resource \"irsa_issuer\" \"x\" {{\n  {body}\n}}\n"
            ),
        );
        let out = wd.plan().assert_failure();
        let text = out.combined();
        assert!(
            text.contains(summary),
            "{version:?}: {summary:?} in:\n{text}"
        );
        assert!(
            text.contains(mention),
            "{version:?}: {mention:?} in:\n{text}"
        );
    }
}
per_version!(bad_input_fails_at_plan_time_naming_the_attribute);
