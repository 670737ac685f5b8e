//! `irsa_role` through real Terraform (1.11 and 1.0.3) against moto: trust
//! policies as IAM stores them, attachments and inline policies, drift of
//! every managed attribute repaired, import, the cost of a refresh, the wait
//! for a new OIDC provider, partial failure, bad input, destroy.
//!
//! OIDC providers and managed policies are made with boto3, never with the
//! provider, so that each test checks `irsa_role` alone. Everything is also
//! checked through the IAM API, not only through Terraform's state.

use std::collections::BTreeMap;
use std::process::Stdio;

use serde_json::{json, Value as Json};

use crate::support::{
    per_version, random_suffix, state_resource, Install, Moto, TfVersion, Workdir,
};

const ACCOUNT: &str = "123456789012";

/// The provider block pointing every service at `moto`.
fn provider_block(moto: &Moto) -> String {
    moto.provider_config()
}

fn workdir(moto: &Moto, version: TfVersion, body: &str) -> Workdir {
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(moto.env());
    wd.write("main.tf", &format!("{}{body}", provider_block(moto)));
    wd
}

/// Register an OIDC provider for `https://<host_path>`; returns its ARN.
fn oidc_provider(moto: &Moto, host_path: &str) -> String {
    let arn = moto.boto(&format!(
            "out = iam.create_open_id_connect_provider(Url='https://{host_path}', \
             ClientIDList=['sts.amazonaws.com'], ThumbprintList=['a' * 40])['OpenIDConnectProviderArn']"
        ),
    );
    assert_eq!(
        arn,
        json!(format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{host_path}"))
    );
    arn.as_str().unwrap().to_owned()
}

/// Whether a role exists, asked of IAM.
fn role_exists(moto: &Moto, name: &str) -> bool {
    moto.boto(&format!(
        "try:\n    iam.get_role(RoleName='{name}')\n    out = True\n\
             except iam.exceptions.NoSuchEntityException:\n    out = False"
    ))
    .as_bool()
    .unwrap()
}

/// A role's trust policy as IAM holds it (boto3 URL-decodes and parses it).
fn trust_policies(moto: &Moto, names: &[&str]) -> BTreeMap<String, Json> {
    let names = serde_json::to_string(names).unwrap();
    let out = moto.boto(&format!(
            "out = {{n: iam.get_role(RoleName=n)['Role']['AssumeRolePolicyDocument'] for n in {names}}}"
        ),
    );
    serde_json::from_value(out).unwrap()
}

fn subjects(list: &[&str]) -> Json {
    json!(list
        .iter()
        .map(|s| format!("system:serviceaccount:{s}"))
        .collect::<Vec<_>>())
}

fn host_of(provider_arn: &str) -> &str {
    provider_arn.split_once("oidc-provider/").unwrap().1
}

// ------------------------------------------------------------------ tests

fn shapes_config(s: &str, primary: &str, second: &str, exact_name: &str) -> String {
    format!(
        r#"
resource "irsa_role" "exact" {{
  name              = "{exact_name}"
  oidc_provider_arn = "{primary}"
  service_accounts  = ["kube-system:aws-node", "apps:billing"]
}}

resource "irsa_role" "wildcard" {{
  name_prefix       = "wild-{s}-"
  oidc_provider_arn = "{primary}"
  service_accounts  = ["team-*:reader", "ci:runner-?"]
}}

resource "irsa_role" "mixed" {{
  name                          = "mixed-{s}"
  path                          = "/k8s/"
  oidc_provider_arn             = "{primary}"
  additional_oidc_provider_arns = ["{second}"]
  service_accounts              = ["apps:billing", "team-*:reader"]
  audience                      = "https://vault.example.com"
}}
"#
    )
}

const SHAPES_OUTPUTS: &str = r#"
output "wildcard_name" { value = irsa_role.wildcard.name }
output "mixed_annotations" { value = irsa_role.mixed.service_account_annotations }
"#;

fn exact_wildcard_and_mixed_trust_policies_import_rename_and_destroy(version: TfVersion) {
    let moto: &Moto = Moto::shared();
    let s = random_suffix();
    let primary = oidc_provider(moto, &format!("oidc-{s}.example.com/cluster-a"));
    let second = oidc_provider(moto, &format!("irsa-{s}.s3.eu-west-1.amazonaws.com/next"));
    let exact_name = format!("exact-{s}");
    let config = shapes_config(&s, &primary, &second, &exact_name);
    let wd = workdir(moto, version, &format!("{config}{SHAPES_OUTPUTS}"));
    wd.apply_ok();
    assert_eq!(wd.plan_exit_code(), 0, "{version}: a second plan is empty");

    let wildcard_name = wd.output("wildcard_name").as_str().unwrap().to_owned();
    assert!(
        wildcard_name.starts_with(&format!("wild-{s}-")),
        "{wildcard_name}"
    );
    assert_eq!(wildcard_name.len(), format!("wild-{s}-").len() + 26);
    let mixed_name = format!("mixed-{s}");
    let docs = trust_policies(moto, &[&exact_name, &wildcard_name, &mixed_name]);
    let (a, b) = (host_of(&primary), host_of(&second));

    // Exact entries: one statement, `sub` and `aud` under StringEquals.
    let exact = &docs[&exact_name]["Statement"];
    assert_eq!(exact.as_array().unwrap().len(), 1, "{exact:#}");
    assert_eq!(exact[0]["Effect"], "Allow");
    assert_eq!(exact[0]["Action"], "sts:AssumeRoleWithWebIdentity");
    assert_eq!(exact[0]["Principal"]["Federated"], json!(primary));
    assert_eq!(
        exact[0]["Condition"],
        json!({"StringEquals": {
            format!("{a}:aud"): "sts.amazonaws.com",
            format!("{a}:sub"): subjects(&["apps:billing", "kube-system:aws-node"]),
        }})
    );

    // Wildcards: `sub` under StringLike only.
    let wild = &docs[&wildcard_name]["Statement"];
    assert_eq!(
        wild[0]["Condition"],
        json!({
            "StringEquals": {format!("{a}:aud"): "sts.amazonaws.com"},
            "StringLike": {format!("{a}:sub"): subjects(&["ci:runner-?", "team-*:reader"])},
        })
    );

    // Mixed, two providers: per provider, one statement per operator,
    // each with that provider's own condition keys.
    let mixed = docs[&mixed_name]["Statement"].as_array().unwrap();
    assert_eq!(mixed.len(), 4, "{mixed:#?}");
    for (arn, host) in [(&primary, a), (&second, b)] {
        let mine: Vec<&Json> = mixed
            .iter()
            .filter(|st| st["Principal"]["Federated"] == json!(arn))
            .collect();
        let conditions: Vec<&Json> = mine.iter().map(|st| &st["Condition"]).collect();
        assert_eq!(
            conditions,
            vec![
                &json!({"StringEquals": {
                    format!("{host}:aud"): "https://vault.example.com",
                    format!("{host}:sub"): subjects(&["apps:billing"]),
                }}),
                &json!({
                    "StringEquals": {format!("{host}:aud"): "https://vault.example.com"},
                    "StringLike": {format!("{host}:sub"): subjects(&["team-*:reader"])},
                }),
            ],
            "{version}: {arn}"
        );
    }

    // The state holds the document IAM has, and the annotations.
    let state = wd.show_json();
    let mixed_state = &state_resource(&state, "irsa_role.mixed")["values"];
    let state_doc: Json =
        serde_json::from_str(mixed_state["trust_policy"].as_str().unwrap()).unwrap();
    assert_eq!(state_doc, docs[&mixed_name]);
    assert_eq!(
        mixed_state["arn"],
        json!(format!("arn:aws:iam::{ACCOUNT}:role/k8s/{mixed_name}"))
    );
    assert_eq!(
        wd.output("mixed_annotations"),
        json!({
            "eks.amazonaws.com/role-arn": mixed_state["arn"],
            "eks.amazonaws.com/audience": "https://vault.example.com",
        })
    );

    // Import by role name into a fresh state plans clean. (Without the
    // outputs: Terraform 1.0 counts outputs missing from an imported
    // state as a change.)
    let fresh = workdir(moto, version, &config);
    fresh.import_ok("irsa_role.exact", &exact_name);
    fresh.import_ok("irsa_role.wildcard", &wildcard_name);
    fresh.import_ok("irsa_role.mixed", &mixed_name);
    let imported = fresh.plan_detailed();
    assert_eq!(
        imported.code,
        Some(0),
        "{version}: import plans clean:\n{imported}"
    );
    let fresh_state = fresh.show_json();
    for address in ["irsa_role.exact", "irsa_role.wildcard", "irsa_role.mixed"] {
        assert_eq!(
            state_resource(&fresh_state, address)["values"],
            state_resource(&state, address)["values"],
            "{version}: {address} imported as created"
        );
    }

    // A new name replaces the role.
    let renamed = format!("exact2-{s}");
    let body = shapes_config(&s, &primary, &second, &renamed);
    wd.write(
        "main.tf",
        &format!("{}{body}{SHAPES_OUTPUTS}", provider_block(moto)),
    );
    let plan = wd.plan_ok();
    assert!(
        plan.stdout.contains("forces replacement") && plan.stdout.contains("1 to add"),
        "{plan}"
    );
    wd.apply_ok();
    assert!(!role_exists(moto, &exact_name), "{version}: old role gone");
    assert!(role_exists(moto, &renamed));
    assert_eq!(wd.plan_exit_code(), 0);

    wd.destroy_ok();
    for name in [&renamed, &wildcard_name, &mixed_name] {
        assert!(!role_exists(moto, name), "{version}: {name} destroyed");
    }
}
per_version!(exact_wildcard_and_mixed_trust_policies_import_rename_and_destroy);

/// The kinds of drift, one role each, and the attributes each shows as
/// changed in the plan.
const DRIFTS: [(&str, &[&str]); 8] = [
    ("trust", &["service_accounts", "trust_policy"]),
    ("attach_add", &["policy_arns"]),
    ("attach_remove", &["policy_arns"]),
    ("inline", &["inline_policies"]),
    ("boundary", &["permissions_boundary"]),
    ("duration", &["max_session_duration"]),
    ("tags", &["tags", "tags_all"]),
    ("gone", &[]),
];

fn drift_config(s: &str, provider: &str, p1: &str, boundary: &str) -> String {
    let mut out = String::new();
    for (kind, _) in DRIFTS {
        out.push_str(&format!(
            r#"
resource "irsa_role" "{kind}" {{
  name                 = "d-{kind}-{s}"
  description          = "drift test"
  oidc_provider_arn    = "{provider}"
  service_accounts     = ["apps:web"]
  policy_arns          = ["{p1}"]
  permissions_boundary = "{boundary}"
  max_session_duration = 7200
  tags                 = {{ team = "web" }}
  inline_policies = {{
    read = jsonencode({{
      Version   = "2012-10-17"
      Statement = [{{ Effect = "Allow", Action = ["s3:GetObject", "s3:ListBucket"], Resource = "*" }}]
    }})
  }}
}}
"#
        ));
    }
    out
}

/// What IAM holds for each drift role, in a comparable summary.
fn drift_summary(moto: &Moto, s: &str) -> Json {
    let names: Vec<String> = DRIFTS
        .iter()
        .map(|(kind, _)| format!("d-{kind}-{s}"))
        .collect();
    moto.boto(&format!(
            "out = {{}}\n\
             for n in {names:?}:\n\
             \x20   r = iam.get_role(RoleName=n)['Role']\n\
             \x20   out[n] = {{\n\
             \x20       'subs': r['AssumeRolePolicyDocument']['Statement'][0]['Condition']['StringEquals'],\n\
             \x20       'description': r.get('Description'),\n\
             \x20       'duration': r['MaxSessionDuration'],\n\
             \x20       'boundary': r.get('PermissionsBoundary', {{}}).get('PermissionsBoundaryArn'),\n\
             \x20       'tags': {{t['Key']: t['Value'] for t in r.get('Tags', []) if t['Key'] != 'irsa:creation-token'}},\n\
             \x20       'tokens': [len(t['Value']) for t in r.get('Tags', []) if t['Key'] == 'irsa:creation-token'],\n\
             \x20       'attached': sorted(p['PolicyArn'] for p in iam.list_attached_role_policies(RoleName=n)['AttachedPolicies']),\n\
             \x20       'inline': {{p: iam.get_role_policy(RoleName=n, PolicyName=p)['PolicyDocument'] for p in iam.list_role_policies(RoleName=n)['PolicyNames']}},\n\
             \x20   }}"
        ),
    )
}

fn attachments_inline_policies_and_drift_of_every_attribute_are_repaired(version: TfVersion) {
    let moto: &Moto = Moto::shared();
    let s = random_suffix();
    let provider = oidc_provider(moto, &format!("drift-{s}.example.com"));
    let p1 = moto.managed_policy(&format!("p1-{s}"), "s3:ListAllMyBuckets");
    let boundary = moto.managed_policy(&format!("boundary-{s}"), "s3:*");
    let p3 = moto.managed_policy(&format!("p3-{s}"), "ec2:*");
    let wd = workdir(moto, version, &drift_config(&s, &provider, &p1, &boundary));
    wd.apply_ok();
    assert_eq!(wd.plan_exit_code(), 0, "{version}: a second plan is empty");

    let expected = drift_summary(moto, &s);
    let web = &expected[format!("d-trust-{s}")];
    assert_eq!(web["attached"], json!([p1]));
    assert_eq!(web["boundary"], json!(boundary));
    assert_eq!(web["duration"], 7200);
    assert_eq!(web["tags"], json!({"team": "web"}));
    assert_eq!(
        web["tokens"],
        json!([32]),
        "{version}: the role carries one creation token of 128 bits"
    );
    assert_eq!(web["description"], "drift test");
    assert_eq!(
        web["inline"]["read"]["Statement"][0]["Action"],
        json!(["s3:GetObject", "s3:ListBucket"])
    );

    // Every kind of drift at once, each on its own role.
    moto.boto(&format!(
            "s = '{s}'\n\
             doc = iam.get_role(RoleName=f'd-trust-{{s}}')['Role']['AssumeRolePolicyDocument']\n\
             st = doc['Statement'][0]['Condition']['StringEquals']\n\
             key = [k for k in st if k.endswith(':sub')][0]\n\
             st[key] = st[key] + ['system:serviceaccount:evil:intruder']\n\
             iam.update_assume_role_policy(RoleName=f'd-trust-{{s}}', PolicyDocument=json.dumps(doc))\n\
             iam.attach_role_policy(RoleName=f'd-attach_add-{{s}}', PolicyArn='{p3}')\n\
             iam.detach_role_policy(RoleName=f'd-attach_remove-{{s}}', PolicyArn='{p1}')\n\
             iam.put_role_policy(RoleName=f'd-inline-{{s}}', PolicyName='read', PolicyDocument=json.dumps(\
             {{'Version': '2012-10-17', 'Statement': [{{'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'}}]}}))\n\
             iam.put_role_policy(RoleName=f'd-inline-{{s}}', PolicyName='extra', PolicyDocument=json.dumps(\
             {{'Version': '2012-10-17', 'Statement': [{{'Effect': 'Allow', 'Action': 'iam:*', 'Resource': '*'}}]}}))\n\
             iam.put_role_permissions_boundary(RoleName=f'd-boundary-{{s}}', PermissionsBoundary='{p3}')\n\
             iam.update_role(RoleName=f'd-duration-{{s}}', MaxSessionDuration=3600, Description='drift test')\n\
             iam.tag_role(RoleName=f'd-tags-{{s}}', Tags=[{{'Key': 'team', 'Value': 'other'}}, {{'Key': 'added', 'Value': 'x'}}])\n\
             iam.detach_role_policy(RoleName=f'd-gone-{{s}}', PolicyArn='{p1}')\n\
             iam.delete_role_policy(RoleName=f'd-gone-{{s}}', PolicyName='read')\n\
             iam.delete_role(RoleName=f'd-gone-{{s}}')"
        ),
    );

    let plan = wd.run(&[
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        "-out=drift.tfplan",
    ]);
    assert_eq!(plan.code, Some(2), "{version}: drift shows:\n{plan}");
    let shown: Json = serde_json::from_str(
        &wd.run(&["show", "-json", "drift.tfplan"])
            .assert_success()
            .stdout,
    )
    .unwrap();
    for (kind, attributes) in DRIFTS {
        let address = format!("irsa_role.{kind}");
        let change = shown["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == json!(address))
            .unwrap_or_else(|| panic!("no change for {address}"));
        let actions = &change["change"]["actions"];
        if kind == "gone" {
            assert_eq!(actions, &json!(["create"]), "{version}: {address}");
            continue;
        }
        assert_eq!(actions, &json!(["update"]), "{version}: {address}");
        let (before, after) = (&change["change"]["before"], &change["change"]["after"]);
        let mut changed: Vec<&str> = before
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| before[k.as_str()] != after[k.as_str()])
            .map(String::as_str)
            .collect();
        changed.sort_unstable();
        assert_eq!(changed, attributes, "{version}: {address}");
    }

    wd.run(&["apply", "-input=false", "-no-color", "drift.tfplan"])
        .assert_success();
    assert_eq!(wd.plan_exit_code(), 0, "{version}: repaired");
    let repaired = drift_summary(moto, &s);
    for (kind, _) in DRIFTS {
        let name = format!("d-{kind}-{s}");
        // Every role was created alike, so each must again look like the
        // trust role did before the drift.
        assert_eq!(
            repaired[&name],
            expected[&format!("d-trust-{s}")],
            "{version}: {name} repaired through the API"
        );
    }

    wd.destroy_ok();
    for (kind, _) in DRIFTS {
        assert!(
            !role_exists(moto, &format!("d-{kind}-{s}")),
            "{version}: {kind}"
        );
    }
}
per_version!(attachments_inline_policies_and_drift_of_every_attribute_are_repaired);

/// With `skip_role_listing = true`; `e2e_role_listing` counts the calls of
/// the shared listing.
fn a_refresh_costs_three_calls_per_role_plus_one_per_inline_policy(version: TfVersion) {
    let moto = Moto::start();
    let s = random_suffix();
    let provider = oidc_provider(&moto, &format!("count-{s}.example.com"));
    let policy = moto.managed_policy(&format!("count-{s}"), "s3:GetObject");
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(moto.env());
    wd.write(
        "main.tf",
        &format!(
            r#"{}
resource "irsa_role" "plain" {{
  name              = "count-plain-{s}"
  oidc_provider_arn = "{provider}"
  service_accounts  = ["apps:a"]
  policy_arns       = ["{policy}"]
  tags              = {{ team = "a" }}
}}

resource "irsa_role" "inline" {{
  name              = "count-inline-{s}"
  oidc_provider_arn = "{provider}"
  service_accounts  = ["apps:b"]
  inline_policies = {{
    one = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }}] }})
    two = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "s3:PutObject", Resource = "*" }}] }})
  }}
}}
"#,
            provider_block(&moto).replacen(
                "s3_use_path_style = true",
                "s3_use_path_style = true\n  skip_role_listing = true",
                1
            )
        ),
    );
    wd.apply_ok();

    moto.start_recording();
    assert_eq!(wd.plan_exit_code(), 0);
    let calls = moto.stop_recording();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for c in &calls {
        *counts
            .entry(format!("{}:{}", c.service, c.action))
            .or_default() += 1;
    }
    // Two roles: 3 calls each, and one GetRolePolicy per inline policy.
    let want: BTreeMap<String, usize> = [
        ("iam:GetRole", 2),
        ("iam:ListAttachedRolePolicies", 2),
        ("iam:ListRolePolicies", 2),
        ("iam:GetRolePolicy", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(counts, want, "{version}: {calls:#?}");
    wd.destroy_ok();
}
per_version!(a_refresh_costs_three_calls_per_role_plus_one_per_inline_policy);

fn a_role_waits_for_an_oidc_provider_iam_does_not_see_yet(version: TfVersion) {
    // The moto launcher refuses unknown OIDC principals, as AWS does while a
    // new provider propagates (tests/README.md).
    let moto = Moto::start();
    let s = random_suffix();
    let host = format!("late-{s}.example.com");
    let arn = format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{host}");
    let wd = workdir(
        &moto,
        version,
        &format!(
            r#"
resource "irsa_role" "early" {{
  name              = "early-{s}"
  oidc_provider_arn = "{arn}"
  service_accounts  = ["apps:a"]
}}
"#
        ),
    );
    // The provider appears three seconds after the apply starts.
    let mut late = moto
        .python()
        .arg("-c")
        .arg(format!(
            "import boto3, time\ntime.sleep(3)\nboto3.client('iam').create_open_id_connect_provider(\
             Url='https://{host}', ClientIDList=['sts.amazonaws.com'], ThumbprintList=['a' * 40])"
        ))
        .stdout(Stdio::null())
        .spawn()
        .expect("start python");
    moto.start_recording();
    wd.apply_ok();
    let calls = moto.stop_recording();
    assert!(late.wait().unwrap().success());
    let creates = calls.iter().filter(|c| c.action == "CreateRole").count();
    assert!(
        creates >= 2,
        "{version}: CreateRole was retried: {calls:#?}"
    );
    assert!(role_exists(&moto, &format!("early-{s}")));
    assert_eq!(wd.plan_exit_code(), 0);
    wd.destroy_ok();
}
per_version!(a_role_waits_for_an_oidc_provider_iam_does_not_see_yet);

fn a_failed_attachment_leaves_the_true_state_and_the_next_apply_converges(version: TfVersion) {
    let moto: &Moto = Moto::shared();
    let s = random_suffix();
    let provider = oidc_provider(moto, &format!("partial-{s}.example.com"));
    let p1 = moto.managed_policy(&format!("partial-{s}"), "s3:GetObject");
    // Attachments are made in ARN order: the missing one comes last, so
    // the first attachment succeeds before the failure.
    let missing = format!("arn:aws:iam::{ACCOUNT}:policy/zz-missing-{s}");
    let body = |policies: &str| {
        format!(
            r#"
resource "irsa_role" "this" {{
  name              = "partial-{s}"
  oidc_provider_arn = "{provider}"
  service_accounts  = ["apps:a"]
  policy_arns       = [{policies}]
}}
"#
        )
    };
    let wd = workdir(moto, version, &body(&format!("\"{p1}\", \"{missing}\"")));
    let out = wd.apply().assert_failure();
    assert!(
        out.combined().contains("AttachRolePolicy") && out.combined().contains("not found"),
        "{out}"
    );
    // The role and the attachment that worked are in the state.
    let state = wd.show_json();
    let role = state_resource(&state, "irsa_role.this");
    assert_eq!(role["values"]["policy_arns"], json!([p1]), "{version}");
    assert!(role["values"]["arn"].is_string());
    let attached = moto.boto(&format!(
            "out = [p['PolicyArn'] for p in iam.list_attached_role_policies(RoleName='partial-{s}')['AttachedPolicies']]"
        ),
    );
    assert_eq!(attached, json!([p1]));

    wd.write(
        "main.tf",
        &format!("{}{}", provider_block(moto), body(&format!("\"{p1}\""))),
    );
    wd.apply_ok();
    assert_eq!(wd.plan_exit_code(), 0, "{version}: converged");
    wd.destroy_ok();
    assert!(!role_exists(moto, &format!("partial-{s}")));
}
per_version!(a_failed_attachment_leaves_the_true_state_and_the_next_apply_converges);

fn bad_input_fails_at_plan_time_naming_the_attribute(version: TfVersion) {
    let moto: &Moto = Moto::shared();
    let provider = format!("arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.example.com");
    let s = random_suffix();
    // (resource, attribute line, summary, body)
    let cases = [
        (
            "malformed_arn",
            "oidc_provider_arn",
            "Invalid ARN",
            format!(
                "name = \"bad1-{s}\"\n  oidc_provider_arn = \"arn:aws:iam::{ACCOUNT}:oidc-provider/https://oidc.example.com\"\n  service_accounts = [\"a:b\"]"
            ),
        ),
        (
            "invalid_json",
            "inline_policies",
            "Invalid policy document",
            format!(
                "name = \"bad2-{s}\"\n  oidc_provider_arn = \"{provider}\"\n  service_accounts = [\"a:b\"]\n  inline_policies = {{ p = \"{{not json\" }}"
            ),
        ),
        (
            "bad_service_account",
            "service_accounts",
            "Invalid service account",
            format!(
                "name = \"bad3-{s}\"\n  oidc_provider_arn = \"{provider}\"\n  service_accounts = [\"Default/app\"]"
            ),
        ),
        (
            "any_service_account",
            "service_accounts",
            "Every service account would be trusted",
            format!(
                "name = \"bad4-{s}\"\n  oidc_provider_arn = \"{provider}\"\n  service_accounts = [\"*:*\"]"
            ),
        ),
        (
            "duration",
            "max_session_duration",
            "Invalid maximum session duration",
            format!(
                "name = \"bad5-{s}\"\n  oidc_provider_arn = \"{provider}\"\n  service_accounts = [\"a:b\"]\n  max_session_duration = 50000"
            ),
        ),
        (
            "both_names",
            "name_prefix",
            "Conflicting role name settings",
            format!(
                "name = \"bad6-{s}\"\n  name_prefix = \"bad6-\"\n  oidc_provider_arn = \"{provider}\"\n  service_accounts = [\"a:b\"]"
            ),
        ),
        (
            "no_name",
            "resource \"irsa_role\" \"no_name\"",
            "Missing role name",
            format!("oidc_provider_arn = \"{provider}\"\n  service_accounts = [\"a:b\"]"),
        ),
        (
            "bad_tag",
            "tags",
            "Invalid tags",
            format!(
                "name = \"bad7-{s}\"\n  oidc_provider_arn = \"{provider}\"\n  service_accounts = [\"a:b\"]\n  tags = {{ \"a#b\" = \"x\" }}"
            ),
        ),
    ];
    let body: String = cases
        .iter()
        .map(|(res, _, _, b)| format!("\nresource \"irsa_role\" \"{res}\" {{\n  {b}\n}}\n"))
        .collect();
    let wd = workdir(moto, version, &body);
    let out = wd.plan().assert_failure();
    let text = out.combined();
    let errors: Vec<&str> = text.split("Error: ").skip(1).collect();
    assert_eq!(
        errors.len(),
        cases.len(),
        "{version}: one error each:\n{text}"
    );
    for (res, attribute, summary, _) in &cases {
        let error = errors
            .iter()
            .find(|e| e.contains(&format!("irsa_role.{res},")))
            .unwrap_or_else(|| panic!("{version}: no error for {res}:\n{text}"));
        assert!(error.starts_with(summary), "{version}: {res}: {error}");
        assert!(
            error.contains(attribute),
            "{version}: {res} names {attribute}: {error}"
        );
    }
    // Nothing was created.
    let left = moto.boto(&format!(
        "out = [r['RoleName'] for r in iam.list_roles()['Roles'] if r['RoleName'].endswith('{s}')]"
    ));
    assert_eq!(left, json!([]), "{version}");
}
per_version!(bad_input_fails_at_plan_time_naming_the_attribute);

/// Under `for_each`, `name` and `name_prefix` chosen by a condition are
/// both unknown at validate: neither counts as set, so validate passes, and
/// the plan checks them once known.
fn name_or_prefix_chosen_per_instance_validates_and_plans(version: TfVersion) {
    let moto: &Moto = Moto::shared();
    let provider = format!("arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.example.com");
    let s = random_suffix();
    let body = format!(
        r#"
variable "roles" {{
  default = {{
    a = {{ generated = true }}
    b = {{ generated = false }}
  }}
}}
resource "irsa_role" "each" {{
  for_each          = var.roles
  name              = each.value.generated ? null : "role-${{each.key}}-{s}"
  name_prefix       = each.value.generated ? "role-${{each.key}}-" : null
  oidc_provider_arn = "{provider}"
  service_accounts  = ["apps:${{each.key}}"]
}}
"#
    );
    let wd = workdir(moto, version, &body);
    wd.validate_ok();
    let plan = wd.plan_ok();
    assert!(
        plan.stdout.contains("2 to add"),
        "{version}: {}",
        plan.stdout
    );
}
per_version!(name_or_prefix_chosen_per_instance_validates_and_plans);
