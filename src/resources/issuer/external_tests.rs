//! Unit tests of `irsa_issuer` with `hosting = "external"`: an issuer URL
//! the user serves, the document rendered for it and no S3 at all, and the
//! moves between hostings.

use super::tests::{applied, config, paths, plan, plan_with, provider_data, validate};
use crate::tfplugin::{AttrPath, Diagnostics, Value};

const EXTERNAL_URL: &str = "https://oidc.example.com/clusters/prod";

fn external(pairs: &[(&str, Value)]) -> Value {
    let mut all = vec![
        ("hosting", Value::string("external")),
        ("issuer_url", Value::string(EXTERNAL_URL)),
    ];
    all.extend(pairs.iter().cloned());
    config(&all)
}

fn summaries(diags: &Diagnostics) -> Vec<&str> {
    diags.0.iter().map(|d| d.summary.as_str()).collect()
}

#[tokio::test]
async fn an_issuer_url_other_than_the_computed_one_is_refused_in_s3() {
    for hosting in [Value::Null, Value::string("s3")] {
        let c = config(&[
            ("hosting", hosting.clone()),
            ("bucket", Value::string("oidc-a")),
            ("issuer_url", Value::string(EXTERNAL_URL)),
            ("jwks_uri", Value::string("https://oidc.example.com/keys")),
        ]);
        assert!(validate(&c).is_empty(), "checked at plan, once computed");
        let data = provider_data(Some("eu-west-1")).await;
        let (_, diags) = plan_with(&data, &Value::Null, &c).await;
        assert_eq!(paths(&diags), vec!["issuer_url", "jwks_uri"]);
        assert_eq!(
            summaries(&diags),
            vec!["Attribute computed with this hosting"; 2]
        );
        assert!(
            diags.0[0]
                .detail
                .contains("https://oidc-a.s3.eu-west-1.amazonaws.com"),
            "{}",
            diags.0[0].detail
        );
    }
    // Repeating the computed values, as a generated configuration does, is
    // no change.
    let c = config(&[("bucket", Value::string("oidc-a"))]);
    let state = applied(&plan(&Value::Null, &c).await.state);
    let repeated = config(&[
        ("bucket", Value::string("oidc-a")),
        ("issuer_url", state.attr("issuer_url").clone()),
        ("jwks_uri", state.attr("jwks_uri").clone()),
    ]);
    assert_eq!(plan(&state, &repeated).await.state, state);
    // The CA is for external hosts only.
    let diags = validate(&config(&[
        ("bucket", Value::string("oidc-a")),
        ("ca_certificate_pem", Value::string("x")),
    ]));
    assert!(
        paths(&diags).contains(&"ca_certificate_pem".to_owned()),
        "{diags:?}"
    );
    assert!(summaries(&diags).contains(&"Attribute not used with this hosting"));
}

#[test]
fn external_hosting_needs_an_issuer_url_and_no_bucket() {
    let diags = validate(&config(&[("hosting", Value::string("external"))]));
    assert_eq!(paths(&diags), vec!["issuer_url"]);
    assert_eq!(summaries(&diags), vec!["Missing issuer_url"]);

    let diags = validate(&external(&[
        ("bucket", Value::string("oidc-a")),
        ("prefix", Value::string("c")),
        ("create_bucket", Value::Bool(true)),
    ]));
    assert_eq!(paths(&diags), vec!["bucket", "create_bucket", "prefix"]);
    assert!(validate(&external(&[])).is_empty());
}

#[test]
fn s3_hosting_needs_a_bucket() {
    let diags = validate(&config(&[]));
    assert_eq!(paths(&diags), vec!["bucket"]);
    assert_eq!(summaries(&diags), vec!["Missing bucket"]);
}

#[test]
fn hosting_names_and_external_urls_are_checked() {
    let diags = validate(&config(&[
        ("hosting", Value::string("cdn")),
        ("bucket", Value::string("oidc-a")),
    ]));
    assert_eq!(paths(&diags), vec!["hosting"]);
    assert_eq!(summaries(&diags), vec!["Invalid hosting"]);
    assert!(diags.0[0]
        .detail
        .contains("\"s3\", \"cloudfront\", \"external\""));

    let diags = validate(&external(&[
        ("issuer_url", Value::string("https://oidc.example.com/c/")),
        ("jwks_uri", Value::string("http://oidc.example.com/k")),
    ]));
    assert_eq!(paths(&diags), vec!["issuer_url", "jwks_uri"]);
    assert_eq!(
        summaries(&diags),
        vec!["Invalid issuer URL", "Invalid JWKS URI"]
    );

    // Unknown values are checked once known.
    for unknown in [
        config(&[("hosting", Value::Unknown), ("issuer_url", Value::Unknown)]),
        external(&[("issuer_url", Value::Unknown)]),
    ] {
        assert!(validate(&unknown).is_empty());
    }
}

#[tokio::test]
async fn an_external_plan_renders_the_document_and_leaves_s3_null() {
    let p = plan(&Value::Null, &external(&[])).await;
    let s = &p.state;
    for null in [
        "bucket",
        "create_bucket",
        "region",
        "url_style",
        "jwks_path",
        "force_destroy",
        "bucket_arn",
        "bucket_policy_statements",
    ] {
        assert_eq!(s.attr(null), &Value::Null, "{null}");
    }
    assert_eq!(s.attr("id"), &Value::string(EXTERNAL_URL));
    assert_eq!(s.attr("issuer_url"), &Value::string(EXTERNAL_URL));
    assert_eq!(
        s.attr("issuer_host_path"),
        &Value::string("oidc.example.com/clusters/prod")
    );
    let jwks_uri = format!("{EXTERNAL_URL}/openid/v1/jwks");
    assert_eq!(s.attr("jwks_uri"), &Value::string(&jwks_uri));
    assert_eq!(s.attr("jwks_key"), &Value::string("openid/v1/jwks"));
    assert_eq!(
        s.attr("discovery_key"),
        &Value::string(".well-known/openid-configuration")
    );
    let doc = crate::domain::discovery::DiscoveryDocument::parse(
        s.attr("discovery_json").as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(
        (doc.issuer.as_str(), doc.jwks_uri.as_str()),
        (EXTERNAL_URL, jwks_uri.as_str())
    );
    assert_eq!(s.attr("oidc_provider_arn"), &Value::Unknown);
    assert_eq!(s.attr("thumbprints"), &Value::Unknown);

    let state = applied(s);
    let again = plan(&state, &external(&[])).await;
    assert!(again.requires_replace.is_empty());
    assert_eq!(again.state, state, "no change");

    // A JWKS elsewhere has no path below the issuer; changing it is in place.
    let moved = external(&[(
        "jwks_uri",
        Value::string("https://keys.example.com/prod.json"),
    )]);
    let p = plan(&state, &moved).await;
    assert!(p.requires_replace.is_empty());
    assert_eq!(p.state.attr("jwks_key"), &Value::Null);
    assert!(p
        .state
        .attr("discovery_json")
        .as_str()
        .unwrap()
        .contains("https://keys.example.com/prod.json"));
    assert_eq!(
        p.state.attr("oidc_provider_arn"),
        state.attr("oidc_provider_arn")
    );
}

#[tokio::test]
async fn changing_the_hosting_or_the_external_url_replaces_the_issuer() {
    let state = applied(&plan(&Value::Null, &external(&[])).await.state);
    let p = plan(
        &state,
        &external(&[(
            "issuer_url",
            Value::string("https://oidc.example.com/other"),
        )]),
    )
    .await;
    assert_eq!(p.requires_replace, vec![AttrPath::attr("issuer_url")]);
    assert_eq!(p.state.attr("oidc_provider_arn"), &Value::Unknown);

    let p = plan(&state, &config(&[("bucket", Value::string("oidc-a"))])).await;
    assert!(
        p.requires_replace.contains(&AttrPath::attr("hosting")),
        "{:?}",
        p.requires_replace
    );
    assert_eq!(p.state.attr("oidc_provider_arn"), &Value::Unknown);
}

#[tokio::test]
async fn a_state_from_before_hosting_stays_in_s3_without_replacement() {
    let c = config(&[("bucket", Value::string("oidc-a"))]);
    let mut state = applied(&plan(&Value::Null, &c).await.state);
    state.set_attr("hosting", Value::Null);
    let p = plan(&state, &c).await;
    assert!(p.requires_replace.is_empty(), "{:?}", p.requires_replace);
    assert_eq!(p.state.attr("hosting"), &Value::string("s3"));
    assert_eq!(
        p.state.attr("oidc_provider_arn"),
        state.attr("oidc_provider_arn")
    );
}
