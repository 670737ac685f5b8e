//! Unit tests of `irsa_issuer`'s plan with `hosting = "cloudfront"`: what
//! is known before the distribution exists, and what follows from it.

use std::collections::BTreeMap;

use super::tests::{applied, config, paths, plan, validate};
use crate::tfplugin::Value;

fn block(pairs: &[(&str, Value)]) -> Value {
    let mut m = BTreeMap::new();
    for name in [
        "aliases",
        "acm_certificate_arn",
        "price_class",
        "web_acl_id",
        "wait_for_deployment",
    ] {
        m.insert(name.to_owned(), Value::Null);
    }
    for (k, v) in pairs {
        m.insert((*k).to_owned(), v.clone());
    }
    Value::Object(m)
}

fn cloudfront(extra: &[(&str, Value)]) -> Value {
    let mut pairs = vec![
        ("hosting", Value::string("cloudfront")),
        ("bucket", Value::string("oidc-a")),
        ("prefix", Value::string("c1")),
    ];
    pairs.extend(extra.iter().cloned());
    config(&pairs)
}

/// An issuer at the alias oidc.example.com.
fn aliased() -> Value {
    cloudfront(&[(
        "cloudfront",
        block(&[
            ("aliases", Value::strings(["oidc.example.com"])),
            (
                "acm_certificate_arn",
                Value::string("arn:aws:acm:us-east-1:123456789012:certificate/abc"),
            ),
        ]),
    )])
}

/// What CloudFront and IAM give on create.
fn deployed(planned: &Value) -> Value {
    let mut state = planned.clone();
    for (name, v) in [
        ("distribution_id", "E2EXAMPLE"),
        (
            "distribution_arn",
            "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE",
        ),
        ("distribution_domain_name", "d111.cloudfront.net"),
        ("origin_access_control_id", "E3OAC"),
    ] {
        if state.attr(name).is_unknown() {
            state.set_attr(name, Value::string(v));
        }
    }
    let mut model = super::model::IssuerModel::from_value(&state);
    let location = model.location().expect("located once deployed");
    model.derive(Some(&location));
    model.distribution_settings = model.wanted_distribution_settings();
    applied(&model.to_value())
}

#[tokio::test]
async fn before_the_distribution_exists_the_keys_are_known_and_the_url_is_not() {
    let p = plan(&Value::Null, &cloudfront(&[])).await;
    let s = &p.state;
    assert_eq!(s.attr("jwks_key"), &Value::string("c1/keys.json"));
    assert_eq!(
        s.attr("discovery_key"),
        &Value::string("c1/.well-known/openid-configuration")
    );
    assert_eq!(s.attr("bucket_arn"), &Value::string("arn:aws:s3:::oidc-a"));
    assert_eq!(
        s.attr("url_style"),
        &Value::Null,
        "not used behind CloudFront"
    );
    for unknown in [
        "issuer_url",
        "jwks_uri",
        "discovery_json",
        "distribution_id",
        "distribution_domain_name",
        "origin_access_control_id",
        "distribution_settings",
        "bucket_policy_statements",
    ] {
        assert!(
            s.attr(unknown).is_unknown(),
            "{unknown}: {:?}",
            s.attr(unknown)
        );
    }
}

#[tokio::test]
async fn an_alias_names_the_issuer_before_the_distribution_exists() {
    let cfg = aliased();
    let p = plan(&Value::Null, &cfg).await;
    assert_eq!(
        p.state.attr("issuer_url"),
        &Value::string("https://oidc.example.com/c1")
    );
    assert_eq!(
        p.state.attr("jwks_uri"),
        &Value::string("https://oidc.example.com/c1/keys.json")
    );
}

#[tokio::test]
async fn once_deployed_nothing_changes_and_a_new_first_alias_remakes_the_provider() {
    let cfg = cloudfront(&[]);
    let created = plan(&Value::Null, &cfg).await;
    let state = deployed(&created.state);
    assert_eq!(
        state.attr("issuer_url"),
        &Value::string("https://d111.cloudfront.net/c1")
    );
    let again = plan(&state, &cfg).await;
    assert_eq!(again.state, state, "an empty plan");
    assert!(again.requires_replace.is_empty());

    let aliased = aliased();
    let moved = plan(&state, &aliased).await;
    assert!(moved.requires_replace.is_empty(), "changed in place");
    assert_eq!(
        moved.state.attr("issuer_url"),
        &Value::string("https://oidc.example.com/c1")
    );
    assert!(
        moved.state.attr("oidc_provider_arn").is_unknown(),
        "a provider for the new URL"
    );
    assert_eq!(
        moved.state.attr("distribution_id"),
        state.attr("distribution_id"),
        "the same distribution"
    );
    assert_ne!(
        moved.state.attr("distribution_settings"),
        state.attr("distribution_settings")
    );
}

#[tokio::test]
async fn other_hostings_have_no_distribution() {
    let p = plan(
        &Value::Null,
        &config(&[("bucket", Value::string("oidc-a"))]),
    )
    .await;
    for name in [
        "distribution_id",
        "distribution_arn",
        "distribution_domain_name",
        "origin_access_control_id",
        "distribution_settings",
    ] {
        assert_eq!(p.state.attr(name), &Value::Null, "{name}");
    }
}

#[test]
fn the_block_belongs_to_cloudfront_and_its_aliases_need_a_certificate() {
    let diags = validate(&config(&[
        ("bucket", Value::string("oidc-a")),
        ("cloudfront", block(&[])),
    ]));
    assert_eq!(paths(&diags), vec!["cloudfront"]);

    let diags = validate(&cloudfront(&[(
        "cloudfront",
        block(&[("aliases", Value::strings(["oidc.example.com"]))]),
    )]));
    assert_eq!(paths(&diags), vec!["cloudfront.aliases"]);

    let diags = validate(&cloudfront(&[(
        "cloudfront",
        block(&[
            ("aliases", Value::Unknown),
            ("price_class", Value::string("PriceClass_9")),
        ]),
    )]));
    assert_eq!(
        paths(&diags),
        vec!["cloudfront.price_class"],
        "unknown aliases are not checked"
    );
}
