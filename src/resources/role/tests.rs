//! Unit tests of `irsa_role`'s plan, state and validation, through the
//! framework adapter as the protocol layer drives it.

use std::collections::BTreeMap;

use super::model::RoleModel;
use super::schema::{schema, DEFAULT_PATH};
use super::Role;
use crate::aws::iam_role::{LiveRole, RoleInfo};
use crate::context::ProviderData;
use crate::domain::role as rules;
use crate::domain::tags::TagConfig;
use crate::domain::trust_policy::{TrustPolicy, DEFAULT_AUDIENCE};
use crate::framework::Managed;
use crate::tfplugin::schema::Mode as M;
use crate::tfplugin::{
    ApplyRequest, AttrPath, CancellationToken, Diagnostics, PlanRequest, Planned, Resource, Value,
};

fn attr(name: &str) -> AttrPath {
    AttrPath::attr(name)
}

fn role() -> Managed<Role> {
    Managed::new(Role)
}

fn state_from_live(live: &LiveRole, prior: &Value) -> Value {
    RoleModel::from_live(live, &RoleModel::from_value(prior), &TagConfig::none()).to_value()
}

fn validate_config(config: &Value, diags: &mut Diagnostics) {
    role().validate(config, diags);
}

const PROVIDER: &str = "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/c1";

fn config(pairs: &[(&str, Value)]) -> Value {
    let m = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    Value::Object(m).conform(&schema().value_type())
}

fn basic(extra: &[(&str, Value)]) -> Value {
    let mut pairs = vec![
        ("oidc_provider_arn", Value::string(PROVIDER)),
        (
            "service_accounts",
            Value::Set(vec![
                Value::string("apps:billing"),
                Value::string("team-*:reader"),
            ]),
        ),
    ];
    pairs.extend_from_slice(extra);
    config(&pairs)
}

/// What Terraform proposes: the configuration, with the prior value of
/// computed attributes the configuration leaves null.
fn propose(prior: &Value, config: &Value) -> Value {
    let mut out = config.clone();
    for a in schema().to_schema().block.attributes {
        let from_prior = match a.mode {
            M::Computed => true,
            M::OptionalComputed => config.attr(&a.name).is_null(),
            _ => false,
        };
        if from_prior {
            out.set_attr(&a.name, prior.attr(&a.name).clone());
        }
    }
    out
}

async fn plan(prior: &Value, config: &Value) -> (Planned, Diagnostics) {
    plan_tagged(prior, config, TagConfig::none()).await
}

async fn plan_tagged(prior: &Value, config: &Value, tags: TagConfig) -> (Planned, Diagnostics) {
    let data = ProviderData {
        tags,
        ..ProviderData::for_tests(crate::aws::connect(&Default::default()).await, "1.11.0")
    };
    let mut diags = Diagnostics::new();
    let req = PlanRequest {
        prior: prior.clone(),
        proposed: propose(prior, config),
        config: config.clone(),
    };
    let planned = role().plan(&data, req, &mut diags).await;
    (planned, diags)
}

/// The role AWS would hold for a planned state.
fn live_for(planned: &Value, name: &str) -> LiveRole {
    let d = RoleModel::from_value(planned).wanted_settings().unwrap();
    LiveRole {
        role: RoleInfo {
            name: name.into(),
            arn: format!("arn:aws:iam::123456789012:role/{name}"),
            unique_id: "AROAEXAMPLE".into(),
            path: planned
                .attr("path")
                .as_str()
                .unwrap_or(DEFAULT_PATH)
                .to_owned(),
            description: None,
            max_session_duration: Some(d.max_session_duration),
            permissions_boundary: d.permissions_boundary.clone(),
            tags: d.tags.clone(),
            // As IAM hands it back: reformatted, keys sorted.
            trust_policy: serde_json::from_str::<serde_json::Value>(
                d.trust_policy.as_deref().unwrap(),
            )
            .unwrap()
            .to_string(),
        },
        policy_arns: d.policy_arns.clone(),
        inline_policies: d.inline_policies.clone(),
    }
}

#[tokio::test]
async fn a_create_with_a_prefix_plans_the_trust_policy_and_leaves_the_name_unknown() {
    let (p, diags) = plan(
        &Value::Null,
        &basic(&[("name_prefix", Value::string("app-"))]),
    )
    .await;
    assert!(diags.is_empty(), "{diags:?}");
    let s = p.state;
    assert_eq!(s.attr("name"), &Value::Unknown);
    assert_eq!(s.attr("arn"), &Value::Unknown);
    assert_eq!(s.attr("path"), &Value::string("/"));
    assert_eq!(s.attr("audience"), &Value::string(DEFAULT_AUDIENCE));
    assert_eq!(s.attr("max_session_duration"), &Value::Number(3600.0));
    let doc = s.attr("trust_policy").as_str().unwrap();
    assert!(TrustPolicy::parse(doc).is_some(), "{doc}");
    let ann = s.attr("service_account_annotations").as_entries().unwrap();
    assert_eq!(ann[rules::ROLE_ARN_ANNOTATION], Value::Unknown);
}

#[tokio::test]
async fn unknown_trust_inputs_leave_the_trust_policy_unknown() {
    let mut c = basic(&[("name", Value::string("app"))]);
    c.set_attr("oidc_provider_arn", Value::Unknown);
    let (p, diags) = plan(&Value::Null, &c).await;
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(p.state.attr("trust_policy"), &Value::Unknown);
    assert_eq!(p.state.attr("name"), &Value::string("app"));
}

#[tokio::test]
async fn a_refreshed_role_plans_no_change_even_when_iam_reformats_documents() {
    let inline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let c = basic(&[
        ("name", Value::string("app")),
        (
            "inline_policies",
            Value::Map(BTreeMap::from([("read".into(), Value::string(inline))])),
        ),
        (
            "tags",
            Value::Map(BTreeMap::from([("team".into(), Value::string("x"))])),
        ),
    ]);
    let (created, _) = plan(&Value::Null, &c).await;
    let mut live = live_for(&created.state, "app");
    // IAM's spelling of the same inline policy.
    live.inline_policies.insert(
        "read".into(),
        r#"{"Statement": [{"Resource": "*", "Action": ["s3:GetObject"], "Effect": "Allow"}], "Version": "2012-10-17"}"#.into(),
    );
    let state = state_from_live(&live, &created.state);
    assert_eq!(
        state.attr("inline_policies").as_entries().unwrap()["read"],
        Value::string(inline),
        "the user's spelling is kept"
    );
    assert_eq!(state.attr("policy_arns"), &Value::Null, "unset stays null");
    let (again, diags) = plan(&state, &c).await;
    assert!(diags.is_empty(), "{diags:?}");
    assert!(again.requires_replace.is_empty());
    assert_eq!(again.state, state, "no change");
}

#[tokio::test]
async fn removed_settings_go_back_to_their_defaults() {
    let c = basic(&[
        ("name", Value::string("app")),
        ("path", Value::string("/k8s/")),
        ("max_session_duration", Value::Number(7200.0)),
    ]);
    let (created, _) = plan(&Value::Null, &c).await;
    let state = state_from_live(&live_for(&created.state, "app"), &created.state);
    let (p, _) = plan(&state, &basic(&[("name", Value::string("app"))])).await;
    assert_eq!(p.state.attr("path"), &Value::string("/"));
    assert_eq!(p.state.attr("max_session_duration"), &Value::Number(3600.0));
    assert_eq!(p.requires_replace, vec![attr("path")]);
    assert_eq!(p.state.attr("arn"), &Value::Unknown, "a new role");
}

#[tokio::test]
async fn a_generated_name_survives_as_long_as_it_fits_the_prefix() {
    let c = basic(&[("name_prefix", Value::string("app-"))]);
    let (created, _) = plan(&Value::Null, &c).await;
    let name = rules::generated_name("app-", 1_795_426_024, 0, 7);
    let state = state_from_live(&live_for(&created.state, &name), &created.state);
    let (same, _) = plan(&state, &c).await;
    assert!(same.requires_replace.is_empty());
    assert_eq!(same.state.attr("name"), &Value::string(&name));
    let (other, _) = plan(&state, &basic(&[("name_prefix", Value::string("web-"))])).await;
    assert_eq!(other.requires_replace, vec![attr("name_prefix")]);
    assert_eq!(other.state.attr("name"), &Value::Unknown);
}

#[tokio::test]
async fn an_imported_generated_name_plans_clean_with_its_name_its_prefix_or_both() {
    let data = ProviderData::for_tests(crate::aws::connect(&Default::default()).await, "1.11.0");
    let name = rules::generated_name("app-", 1_795_426_024, 0, 7);
    let (created, _) = plan(
        &Value::Null,
        &basic(&[("name_prefix", Value::string("app-"))]),
    )
    .await;
    let imported = role()
        .import(&data, &name, &mut Diagnostics::new())
        .await
        .unwrap();
    let state = state_from_live(&live_for(&created.state, &name), &imported);
    assert_eq!(state.attr("name_prefix"), &Value::string("app-"));
    let configs = [
        // What `terraform plan -generate-config-out` writes: both.
        basic(&[
            ("name", Value::string(&name)),
            ("name_prefix", Value::string("app-")),
        ]),
        basic(&[("name_prefix", Value::string("app-"))]),
        basic(&[("name", Value::string(&name))]),
    ];
    for c in configs {
        let mut diags = Diagnostics::new();
        validate_config(&c, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let (p, diags) = plan(&state, &c).await;
        assert!(diags.is_empty(), "{diags:?}");
        assert!(p.requires_replace.is_empty(), "{c:?}");
        assert_eq!(p.state, state, "no change for {c:?}");
    }

    // A name that no longer fits the recorded prefix drops it; a role made
    // with `name` alone has none.
    let (renamed, _) = plan(&state, &basic(&[("name", Value::string("app-other"))])).await;
    assert_eq!(renamed.requires_replace, vec![attr("name")]);
    assert_eq!(renamed.state.attr("name_prefix"), &Value::Null);
    let (named, _) = plan(&Value::Null, &basic(&[("name", Value::string(&name))])).await;
    assert_eq!(named.state.attr("name_prefix"), &Value::Null);
}

#[tokio::test]
async fn a_hand_edited_trust_policy_shows_as_a_trust_policy_change() {
    let c = basic(&[("name", Value::string("app"))]);
    let (created, _) = plan(&Value::Null, &c).await;
    let mut live = live_for(&created.state, "app");
    let mut doc: serde_json::Value = serde_json::from_str(&live.role.trust_policy).unwrap();
    doc["Statement"][0]["Condition"]["IpAddress"] =
        serde_json::json!({"aws:SourceIp": "10.0.0.0/8"});
    live.role.trust_policy = doc.to_string();
    let state = state_from_live(&live, &created.state);
    assert_eq!(
        state.attr("service_accounts"),
        created.state.attr("service_accounts")
    );
    assert!(state
        .attr("trust_policy")
        .as_str()
        .unwrap()
        .contains("aws:SourceIp"));
    let (p, _) = plan(&state, &c).await;
    assert_eq!(
        p.state.attr("trust_policy"),
        created.state.attr("trust_policy")
    );
    assert!(p.requires_replace.is_empty(), "repaired in place");
}

#[tokio::test]
async fn an_imported_role_gets_its_inputs_from_the_trust_policy() {
    let c = basic(&[
        ("name", Value::string("app")),
        ("audience", Value::string("vault")),
    ]);
    let (created, _) = plan(&Value::Null, &c).await;
    let data = ProviderData::for_tests(crate::aws::connect(&Default::default()).await, "1.11.0");
    let imported = role()
        .import(&data, "app", &mut Diagnostics::new())
        .await
        .unwrap();
    let state = state_from_live(&live_for(&created.state, "app"), &imported);
    for a in [
        "oidc_provider_arn",
        "service_accounts",
        "audience",
        "trust_policy",
    ] {
        assert_eq!(state.attr(a), created.state.attr(a), "{a}");
    }
    assert_eq!(state.attr("allow_any_service_account"), &Value::Bool(false));
    let (p, _) = plan(&state, &c).await;
    assert_eq!(p.state, state);

    let generated = rules::generated_name("app-", 1_795_426_024, 0, 7);
    let imported = role()
        .import(&data, &generated, &mut Diagnostics::new())
        .await
        .unwrap();
    assert_eq!(imported.attr("name_prefix"), &Value::string("app-"));
    let mut diags = Diagnostics::new();
    assert!(role()
        .import(&data, "not a name", &mut diags)
        .await
        .is_none());
    assert!(diags.has_errors());
}

#[tokio::test]
async fn a_stop_before_the_role_exists_creates_nothing() {
    let c = basic(&[("name", Value::string("app"))]);
    let (planned, _) = plan(&Value::Null, &c).await;
    // Nowhere to call: the stop must come first.
    let nowhere = crate::aws::connect(&crate::aws::Settings {
        region: Some("us-east-1".into()),
        endpoints: crate::aws::Endpoints {
            iam: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let data = ProviderData::for_tests(nowhere, "1.11.0");
    let stop = CancellationToken::new();
    stop.cancel();
    let mut diags = Diagnostics::new();
    let req = ApplyRequest {
        prior: Value::Null,
        planned: planned.state,
        config: c,
        stop,
    };
    let state = role().apply(&data, req, &mut diags).await;
    assert_eq!(state, Value::Null);
    assert_eq!(diags.0[0].summary, "Stopped");
}

#[test]
fn validation_names_the_attribute() {
    let cases: Vec<(Value, &str)> = vec![
        (basic(&[]), "name"),
        (
            basic(&[
                ("name", Value::string("a")),
                ("name_prefix", Value::string("b")),
            ]),
            "name_prefix",
        ),
        (
            // The shape of a generated name, but of another prefix.
            basic(&[
                (
                    "name",
                    Value::string(rules::generated_name("web-", 1_795_426_024, 0, 7)),
                ),
                ("name_prefix", Value::string("app-")),
            ]),
            "name_prefix",
        ),
        (
            // The prefix, but not the shape of a generated name.
            basic(&[
                ("name", Value::string("app-reader")),
                ("name_prefix", Value::string("app-")),
            ]),
            "name_prefix",
        ),
        (basic(&[("name", Value::string("a b"))]), "name"),
        (
            basic(&[("name_prefix", Value::string("p".repeat(39)))]),
            "name_prefix",
        ),
        (
            basic(&[
                ("name", Value::string("a")),
                ("max_session_duration", Value::Number(50000.0)),
            ]),
            "max_session_duration",
        ),
        (
            basic(&[
                ("name", Value::string("a")),
                ("oidc_provider_arn", Value::string("oidc.example.com")),
            ]),
            "oidc_provider_arn",
        ),
        (
            basic(&[
                ("name", Value::string("a")),
                ("service_accounts", Value::Set(vec![Value::string("*:*")])),
            ]),
            "service_accounts",
        ),
        (
            basic(&[
                ("name", Value::string("a")),
                ("service_accounts", Value::Set(vec![])),
            ]),
            "service_accounts",
        ),
        (
            basic(&[
                ("name", Value::string("a")),
                (
                    "additional_oidc_provider_arns",
                    Value::Set(vec![Value::string(PROVIDER)]),
                ),
            ]),
            "additional_oidc_provider_arns",
        ),
        (
            basic(&[
                ("name", Value::string("a")),
                (
                    "inline_policies",
                    Value::Map(BTreeMap::from([("p".into(), Value::string("{"))])),
                ),
            ]),
            "inline_policies[\"p\"]",
        ),
        (
            basic(&[
                ("name", Value::string("a")),
                (
                    "permissions_boundary",
                    Value::string("arn:aws:iam::aws:role/x"),
                ),
            ]),
            "permissions_boundary",
        ),
    ];
    for (c, path) in cases {
        let mut diags = Diagnostics::new();
        validate_config(&c, &mut diags);
        let paths: Vec<String> = diags
            .0
            .iter()
            .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect();
        assert_eq!(paths, vec![path.to_owned()], "{:?}", diags.0);
    }
    let mut ok = Diagnostics::new();
    let mut any = basic(&[
        ("name", Value::string("a")),
        ("allow_any_service_account", Value::Bool(true)),
    ]);
    any.set_attr("service_accounts", Value::Set(vec![Value::string("*:*")]));
    validate_config(&any, &mut ok);
    assert!(ok.is_empty(), "{ok:?}");
    let mut unknown = basic(&[("name", Value::Unknown)]);
    unknown.set_attr("service_accounts", Value::Unknown);
    validate_config(&unknown, &mut ok);
    assert!(ok.is_empty(), "{ok:?}");
}

fn string_map(pairs: &[(&str, &str)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::string(*v)))
            .collect(),
    )
}

fn defaults(pairs: &[(&str, &str)], prefixes: &[&str]) -> TagConfig {
    TagConfig {
        defaults: Some(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ),
        ignore_keys: Default::default(),
        ignore_key_prefixes: prefixes.iter().map(|p| (*p).to_owned()).collect(),
    }
}

#[tokio::test]
async fn tags_all_is_planned_from_the_defaults_and_the_role_s_tags() {
    let c = basic(&[
        ("name", Value::string("app")),
        ("tags", string_map(&[("team", "identity")])),
    ]);
    let tags = defaults(&[("env", "prod"), ("team", "platform")], &[]);
    let (planned, diags) = plan_tagged(&Value::Null, &c, tags.clone()).await;
    assert!(!diags.has_errors(), "{diags:?}");
    assert_eq!(
        planned.state.attr("tags_all"),
        &string_map(&[("env", "prod"), ("team", "identity")])
    );
    // Unknown tags, or default tags not known yet: unknown.
    let unknown = basic(&[("name", Value::string("app")), ("tags", Value::Unknown)]);
    let (planned, _) = plan_tagged(&Value::Null, &unknown, tags).await;
    assert_eq!(planned.state.attr("tags_all"), &Value::Unknown);
    let not_yet = TagConfig {
        defaults: None,
        ..TagConfig::none()
    };
    let (planned, _) = plan_tagged(&Value::Null, &c, not_yet).await;
    assert_eq!(planned.state.attr("tags_all"), &Value::Unknown);
}

#[tokio::test]
async fn an_ignored_tag_and_too_many_merged_tags_are_refused_at_tags() {
    let c = basic(&[
        ("name", Value::string("app")),
        ("tags", string_map(&[("bot:owner", "x")])),
    ]);
    let (_, diags) = plan_tagged(&Value::Null, &c, defaults(&[], &["bot:"])).await;
    assert_eq!(diags.0.len(), 1, "{diags:?}");
    assert_eq!(diags.0[0].summary, "Tag ignored by the provider");
    assert_eq!(diags.0[0].path, Some(attr("tags").then_key("bot:owner")));

    let many: Vec<(String, String)> = (0..45).map(|i| (format!("d{i}"), "v".into())).collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let own = basic(&[
        ("name", Value::string("app")),
        (
            "tags",
            string_map(&[("a", "1"), ("b", "2"), ("c", "3"), ("e", "4"), ("f", "5")]),
        ),
    ]);
    let (_, diags) = plan_tagged(&Value::Null, &own, defaults(&many, &[])).await;
    assert_eq!(diags.0.len(), 1, "{diags:?}");
    assert_eq!(diags.0[0].path, Some(attr("tags")));
    assert!(diags.0[0].detail.contains("50 tags") && diags.0[0].detail.contains("default_tags"));
}
