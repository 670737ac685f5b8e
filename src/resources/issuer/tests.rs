//! Unit tests of `irsa_issuer`'s validation, plan and state, through the
//! framework adapter as the protocol layer drives it.

use std::collections::BTreeMap;

use super::model::IssuerModel;
use super::read::reported_tags;
use super::schema::schema;
use super::Issuer;
use crate::context::ProviderData;
use crate::framework::Managed;
use crate::tfplugin::schema::Mode as M;
use crate::tfplugin::{AttrPath, Diagnostics, PlanRequest, Planned, Resource, Value};

fn issuer() -> Managed<Issuer> {
    Managed::new(Issuer)
}

pub(super) fn config(pairs: &[(&str, Value)]) -> Value {
    let mut v = Value::Object(BTreeMap::new()).conform(&schema().value_type());
    for (k, x) in pairs {
        v.set_attr(k, x.clone());
    }
    v
}

pub(super) fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    issuer().validate(config, &mut diags);
    diags
}

pub(super) fn paths(diags: &Diagnostics) -> Vec<String> {
    diags
        .0
        .iter()
        .map(|d| d.path.as_ref().map(|p| p.to_string()).unwrap_or_default())
        .collect()
}

fn tag_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect()
}

fn tags(pairs: &[(&str, &str)]) -> Value {
    crate::framework::model::map_value(Some(&tag_map(pairs)))
}

#[test]
fn bad_input_names_the_attribute() {
    let diags = validate(&config(&[
        ("bucket", Value::string("Bad_Bucket")),
        ("prefix", Value::string("/c/")),
        ("thumbprints", Value::Set(vec![Value::string("AB:CD")])),
        ("signing_algorithms", Value::strings(["RS256", "HS256"])),
        ("url_style", Value::string("dns")),
    ]));
    assert_eq!(
        paths(&diags),
        vec![
            "bucket",
            "prefix",
            "url_style",
            "thumbprints",
            "signing_algorithms[1]"
        ]
    );
    assert_eq!(diags.0[2].summary, "Invalid URL style");
    assert!(
        diags.0[2].detail.contains("\"virtual-hosted\", \"path\""),
        "{}",
        diags.0[2].detail
    );
}

#[test]
fn counts_and_empty_lists_are_refused() {
    let many: Vec<Value> = (0..6).map(|i| Value::string(format!("{i:040}"))).collect();
    let diags = validate(&config(&[
        ("bucket", Value::string("ok-bucket")),
        ("thumbprints", Value::Set(many)),
        ("signing_algorithms", Value::List(vec![])),
        ("client_ids", Value::Set(vec![Value::string("")])),
    ]));
    assert_eq!(
        paths(&diags),
        vec!["client_ids", "thumbprints", "signing_algorithms"]
    );
    let summaries: Vec<&str> = diags.0.iter().map(|d| d.summary.as_str()).collect();
    assert_eq!(
        summaries,
        vec![
            "Invalid client ID",
            "Too many thumbprints",
            "No signing algorithm"
        ]
    );
}

#[test]
fn tags_follow_the_one_tag_rule() {
    let diags = validate(&config(&[
        ("bucket", Value::string("ok-bucket")),
        (
            "tags",
            tags(&[("aws:owner", "x"), ("a#b", "y"), ("ok", "z")]),
        ),
    ]));
    assert_eq!(paths(&diags), vec!["tags[\"a#b\"]", "tags[\"aws:owner\"]"]);
    assert!(diags.0.iter().all(|d| d.summary == "Invalid tags"));

    let fifty_one: Vec<(String, String)> = (0..51).map(|i| (format!("k{i}"), "v".into())).collect();
    let pairs: Vec<(&str, &str)> = fifty_one
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let diags = validate(&config(&[
        ("bucket", Value::string("ok-bucket")),
        ("tags", tags(&pairs)),
    ]));
    assert_eq!(paths(&diags), vec!["tags"]);
    assert!(diags.0[0].detail.contains("51 tags"), "{diags:?}");
}

#[test]
fn a_region_is_an_aws_region_name() {
    let diags = validate(&config(&[
        ("bucket", Value::string("ok-bucket")),
        ("region", Value::string("EU West 1")),
    ]));
    assert_eq!(paths(&diags), vec!["region"]);
    assert_eq!(diags.0[0].summary, "Invalid region");
    assert!(validate(&config(&[
        ("bucket", Value::string("ok-bucket")),
        ("region", Value::string("eu-west-1")),
    ]))
    .is_empty());
}

#[test]
fn dotted_buckets_are_refused_for_virtual_hosted_urls_by_default() {
    let diags = validate(&config(&[("bucket", Value::string("my.bucket"))]));
    assert_eq!(paths(&diags), vec!["bucket"]);
    assert!(diags.0[0].detail.contains("url_style = \"path\""));
    let diags = validate(&config(&[
        ("bucket", Value::string("my.bucket")),
        ("url_style", Value::string("path")),
    ]));
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn unknown_values_are_not_checked() {
    let diags = validate(&config(&[
        ("bucket", Value::Unknown),
        ("prefix", Value::Unknown),
        ("thumbprints", Value::Unknown),
        ("tags", Value::Unknown),
    ]));
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn derived_attributes_follow_the_inputs() {
    let mut m = IssuerModel::from_value(&config(&[
        ("bucket", Value::string("oidc-a")),
        ("prefix", Value::string("c")),
        ("region", Value::string("cn-north-1")),
        ("url_style", Value::string("path")),
        ("jwks_path", Value::string("keys.json")),
        ("create_bucket", Value::Bool(true)),
        ("signing_algorithms", Value::strings(["RS256"])),
    ]));
    let issuer = m.location();
    m.derive(issuer.as_ref());
    assert_eq!(
        m.issuer_url.as_deref(),
        Some("https://s3.cn-north-1.amazonaws.com.cn/oidc-a/c")
    );
    assert_eq!(m.bucket_arn.as_deref(), Some("arn:aws-cn:s3:::oidc-a"));
    assert_eq!(m.id.as_deref(), Some("oidc-a/c"));
    assert!(m.discovery_json.as_deref().unwrap().contains("\"RS256\""));
    m.derive(None);
    assert_eq!(m.issuer_url, None);
    assert_eq!(m.bucket_policy_statements, None);
}

#[test]
fn a_state_round_trips_through_the_model() {
    let mut m = IssuerModel::from_value(&config(&[
        ("bucket", Value::string("oidc-a")),
        ("region", Value::string("eu-west-1")),
        ("url_style", Value::string("virtual-hosted")),
        ("jwks_path", Value::string("keys.json")),
        ("create_bucket", Value::Bool(false)),
        ("force_destroy", Value::Bool(false)),
        ("signing_algorithms", Value::strings(["RS256", "ES256"])),
        (
            "client_ids",
            Value::Set(vec![Value::string("a"), Value::string("b")]),
        ),
        ("tags", tags(&[("team", "x")])),
        (
            "oidc_provider_arn",
            Value::string("arn:aws:iam::1:oidc-provider/x"),
        ),
    ]));
    let issuer = m.location();
    m.derive(issuer.as_ref());
    let state = m.to_value().conform(&schema().value_type());
    assert_eq!(IssuerModel::from_value(&state).to_value(), state);
    assert_eq!(state.attr("prefix"), &Value::Null);
    assert_eq!(state.attr("thumbprints"), &Value::Null);
}

#[test]
fn refresh_reports_tag_drift_from_either_source() {
    let state = tag_map(&[("a", "1")]);
    // IAM agrees, the bucket lost its tags: the bucket's view is shown.
    assert_eq!(
        reported_tags(Some(&state), &[tag_map(&[("a", "1")]), tag_map(&[])]),
        Some(tag_map(&[]))
    );
    assert_eq!(
        reported_tags(Some(&state), &[state.clone(), state.clone()]),
        Some(state.clone())
    );
    // No tags configured and none there: stays null, not {}.
    assert_eq!(reported_tags(None, &[tag_map(&[]), tag_map(&[])]), None);
    assert_eq!(
        reported_tags(None, &[tag_map(&[("b", "2")])]),
        Some(tag_map(&[("b", "2")]))
    );
}

// ------------------------------------------------------------------ plan

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
        if from_prior && !prior.is_null() {
            out.set_attr(&a.name, prior.attr(&a.name).clone());
        }
    }
    out
}

pub(super) async fn provider_data(region: Option<&str>) -> ProviderData {
    let settings = crate::aws::Settings {
        region: region.map(str::to_owned),
        ..Default::default()
    };
    let mut aws = crate::aws::connect(&settings).await;
    aws.region = region.map(str::to_owned);
    ProviderData::for_tests(aws, "1.11.0")
}

pub(super) async fn plan_with(
    data: &ProviderData,
    prior: &Value,
    config: &Value,
) -> (Planned, Diagnostics) {
    let mut diags = Diagnostics::new();
    let req = PlanRequest {
        prior: prior.clone(),
        proposed: propose(prior, config),
        config: config.clone(),
    };
    let planned = issuer().plan(data, req, &mut diags).await;
    (planned, diags)
}

pub(super) async fn plan(prior: &Value, config: &Value) -> Planned {
    let (planned, diags) = plan_with(&provider_data(Some("eu-west-1")).await, prior, config).await;
    assert!(diags.is_empty(), "{diags:?}");
    planned
}

/// The state an apply of `planned` records, with the ARN and thumbprints
/// IAM gives.
pub(super) fn applied(planned: &Value) -> Value {
    let mut state = planned.clone();
    state.set_attr(
        "oidc_provider_arn",
        Value::string("arn:aws:iam::123456789012:oidc-provider/x"),
    );
    if state.attr("thumbprints").is_unknown() {
        state.set_attr(
            "thumbprints",
            Value::Set(vec![Value::string("a".repeat(40))]),
        );
    }
    assert!(state.is_wholly_known(), "{state:?}");
    state
}

#[tokio::test]
async fn a_create_plans_the_defaults_and_the_urls() {
    let p = plan(
        &Value::Null,
        &config(&[("bucket", Value::string("oidc-a"))]),
    )
    .await;
    let s = &p.state;
    assert_eq!(
        s.attr("region"),
        &Value::string("eu-west-1"),
        "the provider's"
    );
    assert_eq!(s.attr("create_bucket"), &Value::Bool(true));
    assert_eq!(s.attr("url_style"), &Value::string("virtual-hosted"));
    assert_eq!(s.attr("jwks_path"), &Value::string("keys.json"));
    assert_eq!(
        s.attr("client_ids"),
        &Value::Set(vec![Value::string("sts.amazonaws.com")])
    );
    assert_eq!(s.attr("signing_algorithms"), &Value::strings(["RS256"]));
    assert_eq!(s.attr("force_destroy"), &Value::Bool(false));
    assert_eq!(
        s.attr("issuer_url"),
        &Value::string("https://oidc-a.s3.eu-west-1.amazonaws.com")
    );
    assert_eq!(s.attr("jwks_key"), &Value::string("keys.json"));
    assert!(s.attr("discovery_json").as_str().is_some());
    assert!(s.attr("bucket_policy_statements").as_str().is_some());
    assert_eq!(s.attr("thumbprints"), &Value::Unknown, "IAM decides");
    assert_eq!(s.attr("oidc_provider_arn"), &Value::Unknown);
    assert!(p.requires_replace.is_empty());
}

#[tokio::test]
async fn unknown_inputs_leave_what_follows_from_them_unknown() {
    let c = config(&[
        ("bucket", Value::string("oidc-a")),
        ("prefix", Value::Unknown),
    ]);
    let p = plan(&Value::Null, &c).await;
    assert_eq!(p.state.attr("issuer_url"), &Value::Unknown);
    assert_eq!(p.state.attr("discovery_json"), &Value::Unknown);
    assert_eq!(p.state.attr("region"), &Value::string("eu-west-1"));
}

#[tokio::test]
async fn an_applied_issuer_plans_no_change() {
    let c = config(&[
        ("bucket", Value::string("oidc-a")),
        ("tags", tags(&[("team", "x")])),
    ]);
    let state = applied(&plan(&Value::Null, &c).await.state);
    let again = plan(&state, &c).await;
    assert!(again.requires_replace.is_empty());
    assert_eq!(again.state, state, "no change");
}

#[tokio::test]
async fn an_update_keeps_the_region_provider_and_thumbprints() {
    let c = config(&[("bucket", Value::string("oidc-a"))]);
    let state = applied(&plan(&Value::Null, &c).await.state);
    // Another provider region later, and a new JWKS path.
    let data = provider_data(Some("us-east-1")).await;
    let c2 = config(&[
        ("bucket", Value::string("oidc-a")),
        ("jwks_path", Value::string("openid/v1/jwks")),
    ]);
    let (p, diags) = plan_with(&data, &state, &c2).await;
    assert!(diags.is_empty(), "{diags:?}");
    assert!(p.requires_replace.is_empty());
    for kept in [
        "region",
        "oidc_provider_arn",
        "thumbprints",
        "issuer_url",
        "id",
    ] {
        assert_eq!(p.state.attr(kept), state.attr(kept), "{kept}");
    }
    assert_eq!(p.state.attr("jwks_key"), &Value::string("openid/v1/jwks"));
    assert!(p
        .state
        .attr("discovery_json")
        .as_str()
        .unwrap()
        .contains("openid/v1/jwks"));
}

#[tokio::test]
async fn changing_the_location_replaces_the_issuer() {
    let c = config(&[("bucket", Value::string("oidc-a"))]);
    let state = applied(&plan(&Value::Null, &c).await.state);
    let p = plan(&state, &config(&[("bucket", Value::string("oidc-b"))])).await;
    assert_eq!(p.requires_replace, vec![AttrPath::attr("bucket")]);
    assert_eq!(p.state.attr("oidc_provider_arn"), &Value::Unknown);
    let p = plan(
        &state,
        &config(&[
            ("bucket", Value::string("oidc-a")),
            ("url_style", Value::string("path")),
        ]),
    )
    .await;
    assert_eq!(p.requires_replace, vec![AttrPath::attr("url_style")]);
}

#[tokio::test]
async fn without_any_region_the_plan_says_where_to_set_one() {
    let data = provider_data(None).await;
    let c = config(&[("bucket", Value::string("oidc-a"))]);
    let (p, diags) = plan_with(&data, &Value::Null, &c).await;
    assert_eq!(paths(&diags), vec!["region"]);
    assert_eq!(diags.0[0].summary, "No AWS region");
    assert_eq!(p.state.attr("region"), &Value::Unknown);
    // A configured region needs none from the provider.
    let c = config(&[
        ("bucket", Value::string("oidc-a")),
        ("region", Value::string("eu-central-1")),
    ]);
    let (_, diags) = plan_with(&data, &Value::Null, &c).await;
    assert!(diags.is_empty(), "{diags:?}");
}
