use super::*;
use crate::data_sources::test_support;
use crate::domain::trust_check::{StepResult, STS_NO_KEY};
use crate::framework::Data;
use crate::tfplugin::DataSource;

fn config(pairs: Vec<(&str, Value)>) -> Value {
    test_support::config(&schema(), pairs)
}

fn errors_at(config: &Value) -> Vec<(String, String)> {
    test_support::errors_at(TrustCheck, config)
}

const ISSUER: &str = "https://b.s3.eu-west-1.amazonaws.com/c1";
const ROLE: &str = "arn:aws:iam::111122223333:role/app";

#[test]
fn bad_values_are_refused_at_their_attribute() {
    let bad = |name: &'static str, value: &str| {
        let c = config(vec![
            (ISSUER_URL, Value::string(ISSUER)),
            (name, Value::string(value)),
        ]);
        errors_at(&c)
    };
    assert!(bad(ISSUER_URL, "http://x")
        .iter()
        .any(|(p, _)| p == ISSUER_URL));
    assert!(bad(ISSUER_URL, "https://x/?a")
        .iter()
        .any(|(p, _)| p == ISSUER_URL));
    assert!(bad(ROLE_ARN, "app").iter().any(|(p, _)| p == ROLE_ARN));
    assert!(bad(SERVICE_ACCOUNT, "apps:*")
        .iter()
        .any(|(p, _)| p == SERVICE_ACCOUNT));
    assert!(bad(AUDIENCE, "").iter().any(|(p, _)| p == AUDIENCE));
    // A trailing slash is the check's to report, at its step, not a
    // refusal: the check exists to diagnose such issuers.
    assert!(bad(ISSUER_URL, "https://x/").is_empty());
}

#[test]
fn settings_that_need_others_say_so() {
    let c = config(vec![
        (ISSUER_URL, Value::string(ISSUER)),
        (ROLE_ARN, Value::string(ROLE)),
    ]);
    assert!(
        errors_at(&c).iter().any(|(p, _)| p == SERVICE_ACCOUNT),
        "{:?}",
        errors_at(&c)
    );
    let c = config(vec![
        (ISSUER_URL, Value::string(ISSUER)),
        (MINT_TOKEN, Value::Bool(true)),
    ]);
    assert!(errors_at(&c).iter().any(|(p, _)| p == MINT_TOKEN));
    let c = config(vec![
        (ISSUER_URL, Value::string(ISSUER)),
        (ROLE_ARN, Value::string(ROLE)),
        (SERVICE_ACCOUNT, Value::string("apps:web")),
        (ASSUME_ROLE, Value::Bool(true)),
    ]);
    assert!(errors_at(&c).iter().any(|(p, _)| p == ASSUME_ROLE));
    // Unknown values and false need nothing.
    let c = config(vec![
        (ISSUER_URL, Value::Unknown),
        (MINT_TOKEN, Value::Bool(false)),
        (ASSUME_ROLE, Value::Unknown),
    ]);
    assert!(errors_at(&c).is_empty(), "{:?}", errors_at(&c));
}

#[test]
fn a_failure_is_one_diagnostic_with_the_fix_and_sts_message() {
    let mut report = Report::default();
    report.push(StepResult::pass(Step::Discovery, "fine"));
    assert!(failure_diagnostic(&report, &Value::Null).is_none());
    report.push(StepResult::fail(
        Step::Jwks,
        "the keys are gone",
        STS_NO_KEY,
        "Publish them",
    ));
    let d = failure_diagnostic(&report, &Value::Null).unwrap();
    assert_eq!(d.summary, "IRSA trust check failed at step jwks");
    assert!(d.detail.contains("the keys are gone"));
    assert!(d.detail.contains("Fix: Publish them."));
    assert!(d
        .detail
        .contains(&format!("STS tells pods: \"{STS_NO_KEY}\"")));
    assert!(d.detail.contains("Passed before it: discovery."));
    assert_eq!(d.path.unwrap().to_string(), ISSUER_URL);
}

#[test]
fn a_cluster_failure_points_at_an_attribute_of_the_cluster_block() {
    // Terraform quotes attributes only: a path ending at the block itself
    // would show the whole data source instead.
    let at = |result: StepResult, block: Value| {
        let mut report = Report::default();
        report.push(result);
        failure_diagnostic(&report, &block)
            .unwrap()
            .path
            .unwrap()
            .to_string()
    };
    let unpublished = || {
        StepResult::fail(
            Step::ClusterKeys,
            "kid k is not published",
            STS_NO_KEY,
            "Publish it",
        )
    };
    let unreadable = || StepResult::unchecked(Step::ClusterKeys, "connection refused", "Check it");
    let secret = m::object([
        (cluster::HOST, Value::string("https://10.0.0.1:6443")),
        (
            cluster::SECRET,
            m::object([
                (cluster::NAMESPACE, Value::string("capi")),
                (cluster::NAME, Value::string("c1-sa")),
            ]),
        ),
    ]);
    let jwks = m::object([
        (cluster::CONFIG_PATH, Value::string("kubeconfig")),
        (cluster::JWKS_ENDPOINT, Value::Bool(true)),
    ]);
    assert_eq!(at(unpublished(), secret.clone()), "cluster.secret.name");
    assert_eq!(at(unpublished(), jwks.clone()), "cluster.jwks_endpoint");
    assert_eq!(at(unreadable(), secret), "cluster.host");
    assert_eq!(at(unreadable(), jwks), "cluster.config_path");
}

#[tokio::test]
async fn an_unreachable_issuer_fails_at_discovery_and_keeps_no_token() {
    let data = ProviderData::for_tests(crate::aws::connect(&Default::default()).await, "1.0.3");
    let c = config(vec![
        (ISSUER_URL, Value::string("https://127.0.0.1:1/c1")),
        (
            cluster::CLUSTER,
            m::object([
                (cluster::HOST, Value::string("https://127.0.0.1:1")),
                (cluster::TOKEN, Value::string("bearer-secret")),
            ]),
        ),
    ]);
    let mut diags = Diagnostics::new();
    let state = Data::new(TrustCheck).read(&data, c, &mut diags).await;
    assert!(diags.has_errors());
    assert!(diags.0[0].summary.ends_with("step discovery"), "{diags:?}");
    assert_eq!(state.attr(OK), &Value::Bool(false));
    assert_eq!(state.attr(STS_ERROR).as_str(), Some(STS_NO_KEY));
    assert_eq!(state.attr(AUDIENCE).as_str(), Some(DEFAULT_AUDIENCE));
    assert!(state.attr(cluster::CLUSTER).attr(cluster::TOKEN).is_null());
    assert!(!format!("{state:?}{diags:?}").contains("bearer-secret"));
}
