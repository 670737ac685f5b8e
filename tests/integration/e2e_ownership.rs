//! Ownership through real terraform (1.11 and 1.0.3) against moto: create
//! never takes over what existed before the apply (an OIDC provider another
//! state owns, a bucket, a role), destroy never deletes it, import of an
//! issuer made by hand takes the bucket as not owned, and `create_bucket`
//! changes ownership in place.
//!
//! The objects that exist before are made with boto3, as another state or a
//! person would make them, and every check after an apply or a destroy reads
//! the emulator directly.

use serde_json::{json, Value as Json};

use crate::support::{
    per_version, random_suffix, state_resource, Install, Moto, TfVersion, Workdir,
};

fn workdir(moto: &Moto, version: TfVersion, body: &str) -> Workdir {
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(moto.env());
    wd.write("main.tf", &format!("{}{body}", moto.provider_config()));
    wd
}

/// Run boto3 `code` (with `s3` and `iam` clients) and return what it leaves
/// in `out`, as JSON.
fn boto(moto: &Moto, code: &str) -> Json {
    let script = format!(
        "import boto3, json\nfrom botocore.config import Config\n\
         s3 = boto3.client('s3', config=Config(s3={{'addressing_style': 'path'}}))\n\
         iam = boto3.client('iam')\nout = None\n{code}\nprint(json.dumps(out, default=str))\n"
    );
    let res = moto.python().arg("-c").arg(&script).output().unwrap();
    assert!(
        res.status.success(),
        "boto3 failed:\n{script}\n{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let stdout = String::from_utf8_lossy(&res.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or("null")).unwrap()
}

/// The OIDC provider for `https://<host_path>`: its client ids and tags, or
/// null when there is none.
fn provider(moto: &Moto, host_path: &str) -> Json {
    boto(
        moto,
        &format!(
            "for p in iam.list_open_id_connect_providers()['OpenIDConnectProviderList']:\n\
             \x20   if p['Arn'].endswith('oidc-provider/{host_path}'):\n\
             \x20       d = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=p['Arn'])\n\
             \x20       out = {{'client_ids': sorted(d['ClientIDList']), 'tags': {{t['Key']: t['Value'] for t in d.get('Tags', [])}}}}"
        ),
    )
}

fn bucket_tags(moto: &Moto, bucket: &str) -> Json {
    boto(
        moto,
        &format!(
            "try:\n    out = {{t['Key']: t['Value'] for t in s3.get_bucket_tagging(Bucket='{bucket}')['TagSet']}}\n\
             except Exception:\n    out = {{}}"
        ),
    )
}

fn bucket_exists(moto: &Moto, bucket: &str) -> bool {
    boto(
        moto,
        &format!("out = any(b['Name'] == '{bucket}' for b in s3.list_buckets()['Buckets'])"),
    ) == json!(true)
}

/// An OIDC provider another state owns: `irsa_issuer` fails instead of
/// adopting it, names it and the import command, and neither the failed
/// apply nor destroy changes it.
fn another_states_oidc_provider_is_never_adopted_or_deleted(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let bucket = format!("adopt-{s}");
    let host_path = format!("{bucket}.s3.us-east-1.amazonaws.com/c1");
    boto(
        moto,
        &format!(
            "iam.create_open_id_connect_provider(Url='https://{host_path}', \
             ClientIDList=['sts.amazonaws.com', 'other-aud'], ThumbprintList=['a' * 40], \
             Tags=[{{'Key': 'owner', 'Value': 'another-state'}}])"
        ),
    );
    let before = provider(moto, &host_path);
    let wd = workdir(
        moto,
        version,
        &format!(
            "resource \"irsa_issuer\" \"x\" {{\n  bucket = \"{bucket}\"\n  prefix = \"c1\"\n}}\n"
        ),
    );
    let out = wd.apply().assert_failure();
    let text = out
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "OIDC provider exists already",
        "another Terraform state",
        "terraform import",
        &format!("{bucket}/c1"),
    ] {
        assert!(text.contains(needle), "{version}: no {needle:?} in:\n{out}");
    }
    assert_eq!(
        provider(moto, &host_path),
        before,
        "{version}: untouched by the failed apply"
    );
    let state = wd.show_json();
    let issuer = state_resource(&state, "irsa_issuer.x");
    assert_eq!(
        issuer["values"]["oidc_provider_arn"],
        Json::Null,
        "{version}: the state does not claim the provider"
    );
    wd.destroy_ok();
    assert_eq!(
        provider(moto, &host_path),
        before,
        "{version}: untouched by destroy"
    );
    assert!(
        !bucket_exists(moto, &bucket),
        "{version}: the bucket the apply made is gone"
    );
    boto(
        moto,
        &format!("iam.delete_open_id_connect_provider(OpenIDConnectProviderArn='arn:aws:iam::123456789012:oidc-provider/{host_path}')"),
    );
}
per_version!(another_states_oidc_provider_is_never_adopted_or_deleted);

/// A bucket that exists with `create_bucket = true`, and a role that
/// exists: create fails naming them, and changes neither.
fn an_existing_bucket_or_role_is_never_taken_over(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let bucket = format!("taken-{s}");
    let role = format!("taken-{s}");
    boto(
        moto,
        &format!(
            "s3.create_bucket(Bucket='{bucket}')\n\
             s3.put_bucket_tagging(Bucket='{bucket}', Tagging={{'TagSet': [{{'Key': 'owner', 'Value': 'someone'}}]}})\n\
             iam.create_open_id_connect_provider(Url='https://oidc-{s}.example.com', ClientIDList=['sts.amazonaws.com'], ThumbprintList=['a' * 40])\n\
             iam.create_role(RoleName='{role}', AssumeRolePolicyDocument='{{}}', Description='made by hand')"
        ),
    );
    let wd = workdir(
        moto,
        version,
        &format!(
            "resource \"irsa_issuer\" \"x\" {{\n  bucket = \"{bucket}\"\n}}\n\
             resource \"irsa_role\" \"r\" {{\n  name = \"{role}\"\n  oidc_provider_arn = \"arn:aws:iam::123456789012:oidc-provider/oidc-{s}.example.com\"\n  service_accounts = [\"apps:web\"]\n}}\n"
        ),
    );
    let out = wd.apply().assert_failure();
    let text = out
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "Bucket exists already",
        "create_bucket = false",
        "existed before this apply",
        &format!("terraform import <address> {role}"),
    ] {
        assert!(text.contains(needle), "{version}: no {needle:?} in:\n{out}");
    }
    assert_eq!(
        bucket_tags(moto, &bucket),
        json!({"owner": "someone"}),
        "{version}: bucket untouched"
    );
    let description = boto(
        moto,
        &format!("out = iam.get_role(RoleName='{role}')['Role'].get('Description')"),
    );
    assert_eq!(
        description,
        json!("made by hand"),
        "{version}: role untouched"
    );
    assert_eq!(
        wd.show_json()["values"],
        Json::Null,
        "{version}: nothing in state"
    );
    boto(
        moto,
        &format!(
            "s3.delete_bucket(Bucket='{bucket}')\niam.delete_role(RoleName='{role}')\n\
             iam.delete_open_id_connect_provider(OpenIDConnectProviderArn='arn:aws:iam::123456789012:oidc-provider/oidc-{s}.example.com')"
        ),
    );
}
per_version!(an_existing_bucket_or_role_is_never_taken_over);

/// An issuer made by hand imports with `create_bucket = false`; switching
/// it to `true` takes the bucket over in place, and destroy then deletes it.
fn a_hand_made_issuer_imports_as_not_owned_and_ownership_changes_in_place(version: TfVersion) {
    let moto = Moto::shared();
    let s = random_suffix();
    let bucket = format!("hand-{s}");
    let url = format!("https://{bucket}.s3.us-east-1.amazonaws.com/c1");
    boto(
        moto,
        &format!(
            "s3.create_bucket(Bucket='{bucket}')\n\
             doc = {{'issuer': '{url}', 'jwks_uri': '{url}/keys.json', 'authorization_endpoint': 'urn:kubernetes:programmatic_authorization', 'response_types_supported': ['id_token'], 'subject_types_supported': ['public'], 'id_token_signing_alg_values_supported': ['RS256'], 'claims_supported': ['sub', 'iss']}}\n\
             s3.put_object(Bucket='{bucket}', Key='c1/.well-known/openid-configuration', Body=json.dumps(doc), ContentType='application/json')\n\
             iam.create_open_id_connect_provider(Url='{url}', ClientIDList=['sts.amazonaws.com'], ThumbprintList=['a' * 40])"
        ),
    );
    let body = |create: bool| {
        format!(
            "resource \"irsa_issuer\" \"x\" {{\n  bucket = \"{bucket}\"\n  prefix = \"c1\"\n  create_bucket = {create}\n  thumbprints = [\"{}\"]\n}}\n",
            "a".repeat(40)
        )
    };
    let wd = workdir(moto, version, &body(false));
    wd.import_ok("irsa_issuer.x", &format!("{bucket}/c1"));
    let imported = wd.show_json();
    assert_eq!(
        state_resource(&imported, "irsa_issuer.x")["values"]["create_bucket"],
        json!(false),
        "{version}: a bucket made by hand is not owned"
    );
    wd.apply_ok();
    assert_eq!(wd.plan_exit_code(), 0, "{version}: converged");
    assert!(
        bucket_tags(moto, &bucket)
            .get("irsa:creation-token")
            .is_none(),
        "{version}: a bucket not owned gets no ownership tag"
    );

    // Take the bucket over: an update in place, never a replacement.
    wd.write(
        "main.tf",
        &format!("{}{}", moto.provider_config(), body(true)),
    );
    let plan = wd
        .run(&["plan", "-no-color", "-input=false", "-out=tfplan"])
        .assert_success();
    let json = wd.run(&["show", "-json", "tfplan"]).assert_success();
    let plan_json: Json = serde_json::from_str(&json.stdout).unwrap();
    let actions = &plan_json["resource_changes"][0]["change"]["actions"];
    assert_eq!(actions, &json!(["update"]), "{version}: {}", plan.stdout);
    wd.apply_ok();
    assert_eq!(
        wd.plan_exit_code(),
        0,
        "{version}: converged after taking over"
    );
    assert!(
        bucket_tags(moto, &bucket)
            .get("irsa:creation-token")
            .is_some(),
        "{version}: the owned bucket carries the ownership tag"
    );

    // Import again: the tag says the bucket is owned now.
    let again = workdir(moto, version, &body(true));
    again.import_ok("irsa_issuer.x", &format!("{bucket}/c1"));
    assert_eq!(
        state_resource(&again.show_json(), "irsa_issuer.x")["values"]["create_bucket"],
        json!(true),
        "{version}: a bucket the issuer owns imports as owned"
    );

    wd.destroy_ok();
    assert!(
        !bucket_exists(moto, &bucket),
        "{version}: the owned bucket is deleted"
    );
    assert_eq!(
        provider(moto, &format!("{bucket}.s3.us-east-1.amazonaws.com/c1")),
        Json::Null,
        "{version}: the imported provider is deleted with its issuer"
    );
}
per_version!(a_hand_made_issuer_imports_as_not_owned_and_ownership_changes_in_place);
