//! Refreshes of `irsa_role` answered from the shared listing of the
//! account's roles (`ListRoles` and `GetAccountAuthorizationDetails`),
//! through real Terraform (1.11 and 1.0.3) against moto, whose
//! `GetAccountAuthorizationDetails` the launcher pages 100 roles at a time:
//!
//! - the state a listed refresh records equals, attribute by attribute, the
//!   state of per-role reads (`skip_role_listing = true`), before and after
//!   changes made outside Terraform;
//! - a plan of 120 roles costs one `ListRoles` and two pages of
//!   `GetAccountAuthorizationDetails`, and no per-role call;
//! - a role the listing lacks (its pages cost more than the plan's reads
//!   would) is read on its own, never reported deleted for that; a role
//!   deleted outside is;
//! - denied listing calls fall back to per-role reads with one warning,
//!   failed ones without it;
//! - in process, a role the process wrote is read on its own, never from
//!   the listing taken before the write.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::support::fault_proxy::{Fault, FaultProxy};
use crate::support::{per_version, random_suffix, Install, Moto, TfVersion, Workdir};

/// What IAM was asked, per call, while `f` ran.
fn calls_during(moto: &Moto, f: impl FnOnce()) -> BTreeMap<String, usize> {
    moto.start_recording();
    f();
    let mut counts = BTreeMap::new();
    for c in moto.stop_recording() {
        if c.service == "iam" {
            *counts.entry(c.action).or_default() += 1;
        }
    }
    counts
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

const PER_ROLE_CALLS: [&str; 4] = [
    "GetRole",
    "ListAttachedRolePolicies",
    "ListRolePolicies",
    "GetRolePolicy",
];

/// The provider block for `moto` (IAM at `iam`), with or without the
/// listing.
fn provider(moto: &Moto, iam: &str, skip_listing: bool) -> String {
    moto.provider_config_with_iam(iam).replacen(
        "s3_use_path_style = true",
        &format!("s3_use_path_style = true\n  skip_role_listing = {skip_listing}"),
        1,
    )
}

/// Write `main.tf`: the provider block (IAM at `iam`, with or without the
/// listing), then `body`.
fn configure(wd: &Workdir, moto: &Moto, iam: &str, skip_listing: bool, body: &str) {
    wd.write(
        "main.tf",
        &format!("{}{body}", provider(moto, iam, skip_listing)),
    );
}

/// A working directory with `body` applied, through IAM at `iam`, with the
/// listing.
fn applied(moto: &Moto, version: TfVersion, iam: &str, body: &str) -> Workdir {
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(moto.env());
    configure(&wd, moto, iam, false, body);
    wd.apply_ok();
    wd
}

fn oidc_provider(moto: &Moto, host: &str) -> String {
    moto.boto(&format!(
        "out = iam.create_open_id_connect_provider(Url='https://{host}', \
         ClientIDList=['sts.amazonaws.com'], ThumbprintList=['a' * 40])['OpenIDConnectProviderArn']"
    ))
    .as_str()
    .unwrap()
    .to_owned()
}

/// The roles' attributes in the state, by address.
fn roles_in_state(wd: &Workdir) -> BTreeMap<String, serde_json::Map<String, Json>> {
    let state = wd.show_json();
    state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == "irsa_role")
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_owned(),
                r["values"].as_object().unwrap().clone(),
            )
        })
        .collect()
}

fn refresh_only(wd: &Workdir) {
    wd.run(&[
        "apply",
        "-refresh-only",
        "-auto-approve",
        "-input=false",
        "-no-color",
    ])
    .assert_success();
}

/// Refresh with the listing, then with per-role reads, and check that both
/// record the same state, attribute by attribute. Returns that state.
/// `gone` roles were deleted outside: the listing lacks them, so their own
/// reads (`GetRole` with the two list calls, at once) find them gone; no
/// other role costs a call of its own.
fn listed_equals_per_role(
    wd: &Workdir,
    moto: &Moto,
    body: &str,
    gone: usize,
) -> BTreeMap<String, serde_json::Map<String, Json>> {
    let version = wd.version();
    configure(wd, moto, &moto.endpoint(), false, body);
    let listed_calls = calls_during(moto, || refresh_only(wd));
    let listed = roles_in_state(wd);
    for call in &PER_ROLE_CALLS[..3] {
        assert_eq!(
            listed_calls.get(*call).copied().unwrap_or(0),
            gone,
            "{version}: {listed_calls:?}"
        );
    }
    assert!(
        !listed_calls.contains_key("GetRolePolicy"),
        "{version}: {listed_calls:?}"
    );
    assert!(
        listed_calls.contains_key("GetAccountAuthorizationDetails"),
        "{version}: {listed_calls:?}"
    );

    configure(wd, moto, &moto.endpoint(), true, body);
    let own_calls = calls_during(moto, || refresh_only(wd));
    let own = roles_in_state(wd);
    assert_eq!(
        own_calls.get("GetRole"),
        Some(&own.len()),
        "{version}: {own_calls:?}"
    );
    assert!(
        !own_calls.contains_key("GetAccountAuthorizationDetails"),
        "{version}: {own_calls:?}"
    );
    assert!(
        !own_calls.contains_key("ListRoles"),
        "{version}: {own_calls:?}"
    );

    assert_eq!(
        listed.keys().collect::<Vec<_>>(),
        own.keys().collect::<Vec<_>>(),
        "{version}"
    );
    for (address, attrs) in &listed {
        let other = &own[address];
        assert_eq!(
            attrs.keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>()
        );
        for (name, value) in attrs {
            assert_eq!(value, &other[name], "{version}: {address}.{name}");
        }
    }
    listed
}

fn listed_and_per_role_reads_record_the_same_state(version: TfVersion) {
    let moto = Moto::start();
    let s = random_suffix();
    let arn = oidc_provider(&moto, &format!("listing-{s}.example.com"));
    let p1 = moto.managed_policy(&format!("one-{s}"), "s3:GetObject");
    let p2 = moto.managed_policy(&format!("two-{s}"), "s3:PutObject");
    let boundary = moto.managed_policy(&format!("boundary-{s}"), "s3:*");
    let body = format!(
        r#"
resource "irsa_role" "full" {{
  name                  = "full-{s}"
  path                  = "/irsa/"
  description           = "every setting"
  max_session_duration  = 7200
  permissions_boundary  = "{boundary}"
  oidc_provider_arn     = "{arn}"
  service_accounts      = ["apps:full", "jobs:worker"]
  audience              = "sts.amazonaws.com"
  policy_arns           = ["{p1}", "{p2}"]
  inline_policies = {{
    read  = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }}] }})
    write = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "s3:PutObject", Resource = "arn:aws:s3:::b/*" }}] }})
  }}
  tags = {{ team = "platform", env = "prod" }}
}}

resource "irsa_role" "generated" {{
  name_prefix       = "gen-{s}-"
  oidc_provider_arn = "{arn}"
  service_accounts  = ["apps:generated"]
  policy_arns       = ["{p1}"]
}}

resource "irsa_role" "plain" {{
  count             = 3
  name              = "plain-{s}-${{count.index}}"
  oidc_provider_arn = "{arn}"
  service_accounts  = ["apps:plain-${{count.index}}"]
}}
"#
    );
    let wd = applied(&moto, version, &moto.endpoint(), &body);
    assert_eq!(
        wd.plan_exit_code(),
        0,
        "{version}: a listed refresh plans nothing"
    );

    let state = listed_equals_per_role(&wd, &moto, &body, 0);
    let full = &state["irsa_role.full"];
    assert_eq!(full["tags"]["team"], "platform");
    assert_eq!(full["permissions_boundary"], boundary.as_str());
    assert_eq!(full["inline_policies"].as_object().unwrap().len(), 2);
    assert!(state["irsa_role.generated"]["name"]
        .as_str()
        .unwrap()
        .starts_with(&format!("gen-{s}-")));

    // Changes made outside Terraform: both reads see them alike.
    moto.boto(&format!(
        "iam.tag_role(RoleName='full-{s}', Tags=[{{'Key': 'added', 'Value': 'outside'}}])\n\
         iam.put_role_policy(RoleName='plain-{s}-0', PolicyName='extra', PolicyDocument=json.dumps(\
         {{'Version': '2012-10-17', 'Statement': [{{'Effect': 'Allow', 'Action': 's3:ListBucket', 'Resource': '*'}}]}}))\n\
         iam.detach_role_policy(RoleName='full-{s}', PolicyArn='{p2}')\n\
         iam.update_role(RoleName='plain-{s}-1', Description='changed', MaxSessionDuration=3600)\n\
         iam.delete_role(RoleName='plain-{s}-2')\n\
         out = None"
    ));
    let state = listed_equals_per_role(&wd, &moto, &body, 1);
    assert_eq!(
        state["irsa_role.full"]["tags"]["added"], "outside",
        "{version}"
    );
    assert!(
        state["irsa_role.plain[0]"]["inline_policies"]["extra"].is_string(),
        "{version}"
    );
    assert_eq!(
        state["irsa_role.plain[1]"]["description"], "changed",
        "{version}"
    );
    assert!(
        !state.contains_key("irsa_role.plain[2]"),
        "{version}: a deleted role leaves the state"
    );
    assert_eq!(
        state["irsa_role.full"]["policy_arns"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{version}"
    );

    // The apply that repairs it, then nothing to do.
    configure(&wd, &moto, &moto.endpoint(), false, &body);
    wd.apply_ok();
    assert_eq!(wd.plan_exit_code(), 0, "{version}");
    wd.destroy_ok();
}
per_version!(listed_and_per_role_reads_record_the_same_state);

fn a_plan_of_120_roles_costs_three_iam_calls(version: TfVersion) {
    let moto = Moto::start();
    let s = random_suffix();
    let arn = oidc_provider(&moto, &format!("fleet-{s}.example.com"));
    let body = format!(
        r#"
resource "irsa_role" "r" {{
  count             = 120
  name              = "fleet-{s}-${{count.index}}"
  oidc_provider_arn = "{arn}"
  service_accounts  = ["apps:app-${{count.index}}"]
  tags              = {{ index = count.index }}
}}
"#
    );
    let wd = applied(&moto, version, &moto.endpoint(), &body);
    let calls = calls_during(&moto, || assert_eq!(wd.plan_exit_code(), 0, "{version}"));
    // ceil(120 / 100) + 2 = 4 at most; moto's pages of 100 roles make it 3:
    // the roles fit one ListRoles page, and take two pages of details.
    assert_eq!(
        calls,
        counts(&[("ListRoles", 1), ("GetAccountAuthorizationDetails", 2)]),
        "{version}"
    );
    wd.destroy_ok();
}
per_version!(a_plan_of_120_roles_costs_three_iam_calls);

fn a_role_the_listing_lacks_is_read_on_its_own(version: TfVersion) {
    let moto = Moto::start();
    let s = random_suffix();
    let arn = oidc_provider(&moto, &format!("lacks-{s}.example.com"));
    // 250 roles of others come first, so the one role of this plan is on
    // the third page of details.
    moto.boto(&format!(
        "for i in range(250):\n    iam.create_role(RoleName=f'other-{s}-{{i}}', AssumeRolePolicyDocument='{{}}')\nout = None"
    ));
    let body = format!(
        r#"
resource "irsa_role" "x" {{
  name              = "x-{s}"
  oidc_provider_arn = "{arn}"
  service_accounts  = ["apps:x"]
}}
"#
    );
    let wd = applied(&moto, version, &moto.endpoint(), &body);
    // One role read may spend three calls on the listing: the first page of
    // each, then one more page of details. The role is not in them, so it
    // is read on its own, and stays in the state.
    let calls = calls_during(&moto, || assert_eq!(wd.plan_exit_code(), 0, "{version}"));
    assert_eq!(
        calls,
        counts(&[
            ("ListRoles", 1),
            ("GetAccountAuthorizationDetails", 2),
            ("GetRole", 1),
            ("ListAttachedRolePolicies", 1),
            ("ListRolePolicies", 1),
        ]),
        "{version}"
    );

    // Deleted outside: its own read finds it gone, and the plan makes it
    // again.
    moto.boto(&format!("iam.delete_role(RoleName='x-{s}')\nout = None"));
    let plan = wd.plan().assert_success();
    assert!(
        plan.stdout.contains("irsa_role.x will be created")
            && plan.stdout.contains("1 to add, 0 to change, 0 to destroy"),
        "{version}: {plan}"
    );
    wd.destroy_ok();
}
per_version!(a_role_the_listing_lacks_is_read_on_its_own);

const WARNING: &str = "Warning: Roles refreshed one at a time";

fn denied_listing_falls_back_with_one_warning(version: TfVersion) {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint());
    let s = random_suffix();
    let arn = oidc_provider(&moto, &format!("denied-{s}.example.com"));
    let body = format!(
        r#"
resource "irsa_role" "r" {{
  count             = 3
  name              = "denied-{s}-${{count.index}}"
  oidc_provider_arn = "{arn}"
  service_accounts  = ["apps:app-${{count.index}}"]
}}
"#
    );
    let wd = applied(&moto, version, &proxy.endpoint(), &body);
    let before = roles_in_state(&wd);

    proxy.arm("iam:GetAccountAuthorizationDetails", Fault::Denied);
    let calls = calls_during(&moto, || {
        let plan = wd.plan_detailed();
        assert_eq!(plan.code, Some(0), "{version}: {plan}");
        let text = plan.combined();
        assert_eq!(text.matches(WARNING).count(), 1, "{version}: {plan}");
        assert!(!text.contains("more similar warning"), "{version}: {plan}");
        assert!(
            text.contains("iam:GetAccountAuthorizationDetails")
                && text.contains("skip_role_listing"),
            "{version}: {plan}"
        );
    });
    assert!(proxy.faulted() >= 1, "{version}");
    assert_eq!(calls.get("GetRole"), Some(&3), "{version}: {calls:?}");
    refresh_only(&wd);
    assert_eq!(roles_in_state(&wd), before, "{version}");

    // A listing that fails otherwise (HTTP 500 after the SDK's retries)
    // falls back too, without the warning: the permission is not the cause.
    proxy.arm("iam:ListRoles", Fault::Status500);
    let calls = calls_during(&moto, || {
        let plan = wd.plan_detailed();
        assert_eq!(plan.code, Some(0), "{version}: {plan}");
        assert!(!plan.combined().contains(WARNING), "{version}: {plan}");
    });
    assert!(proxy.faulted() >= 1, "{version}");
    assert_eq!(calls.get("GetRole"), Some(&3), "{version}: {calls:?}");

    // Turned off: no listing call is tried, and no warning.
    configure(&wd, &moto, &proxy.endpoint(), true, &body);
    proxy.take_calls();
    let plan = wd.plan_detailed();
    assert_eq!(plan.code, Some(0), "{version}: {plan}");
    assert!(!plan.combined().contains(WARNING), "{version}: {plan}");
    let tried = proxy.take_calls();
    assert!(
        !tried
            .iter()
            .any(|c| c == "iam:GetAccountAuthorizationDetails" || c == "iam:ListRoles"),
        "{version}: {tried:?}"
    );
    proxy.disarm();
    wd.destroy_ok();
}
per_version!(denied_listing_falls_back_with_one_warning);

/// In process, through the real SDK: a role this process wrote is read with
/// its own calls, not from the listing taken before the write.
#[tokio::test]
async fn a_role_written_by_this_process_is_not_answered_from_the_listing() {
    use irsa::aws::role_listing::RoleReads;
    use irsa::aws::{Endpoints, Settings, StaticKeys};

    let moto = Moto::start();
    let s = random_suffix();
    moto.boto(&format!(
        "for n in ('a', 'b'):\n    iam.create_role(RoleName=f'{s}-{{n}}', AssumeRolePolicyDocument='{{}}', \
         Description='before')\nout = None"
    ));
    let clients = irsa::aws::connect(&Settings {
        region: Some("us-east-1".into()),
        endpoints: Endpoints {
            iam: Some(moto.endpoint()),
            ..Default::default()
        },
        static_keys: Some(StaticKeys {
            access_key: "testing".into(),
            secret_key: "testing".to_owned().into(),
            token: None,
        }),
        ..Default::default()
    })
    .await;
    let reads = RoleReads::new(true);
    let a = reads.read(&clients.iam, &format!("{s}-a")).await;
    assert!(a.listed);
    assert_eq!(
        a.role.unwrap().unwrap().role.description.as_deref(),
        Some("before")
    );

    // Changed since the listing: by this process (noted), and by another.
    moto.boto(&format!(
        "for n in ('a', 'b'):\n    iam.update_role(RoleName=f'{s}-{{n}}', Description='after', \
         MaxSessionDuration=3600)\nout = None"
    ));
    reads.written(&format!("{s}-a"));
    let a = reads.read(&clients.iam, &format!("{s}-a")).await;
    assert!(!a.listed, "a role this process wrote is read on its own");
    assert_eq!(
        a.role.unwrap().unwrap().role.description.as_deref(),
        Some("after")
    );
    // One listing per process: another's change since is not seen until the
    // next plan, as with any refresh taken a moment earlier.
    let b = reads.read(&clients.iam, &format!("{s}-b")).await;
    assert!(b.listed);
    assert_eq!(
        b.role.unwrap().unwrap().role.description.as_deref(),
        Some("before")
    );
}
