use super::*;
use std::collections::BTreeMap;

fn config(region: Option<&str>, s3: Option<&str>) -> Value {
    let endpoints = Value::Object(BTreeMap::from([("s3".into(), Value::opt_string(s3))]));
    Value::Object(BTreeMap::from([
        ("region".into(), Value::opt_string(region)),
        ("endpoints".into(), endpoints),
    ]))
    .conform(&schema().value_type())
}

#[test]
fn settings_are_read_from_the_block() {
    let s = settings(&config(Some("eu-west-1"), Some("http://127.0.0.1:1")));
    assert_eq!(s.region.as_deref(), Some("eu-west-1"));
    assert_eq!(s.endpoints.s3.as_deref(), Some("http://127.0.0.1:1"));
    assert_eq!(s.endpoints.iam, None);
    assert!(!s.s3_use_path_style);
}

#[test]
fn bad_region_and_endpoint_name_the_attribute() {
    let mut diags = Diagnostics::new();
    crate::tfplugin::Provider::validate(
        &IrsaProvider,
        &config(Some("EU west"), Some("ftp://x")),
        &mut diags,
    );
    let paths: Vec<String> = diags
        .0
        .iter()
        .map(|d| d.path.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(paths, vec!["region", "endpoints.s3"]);
}

#[test]
fn the_cloudfront_endpoint_is_read_and_checked_like_the_others() {
    let with = |url: &str| {
        let mut c = config(None, None);
        let mut ep = c.attr("endpoints").clone();
        ep.set_attr("cloudfront", Value::string(url));
        c.set_attr("endpoints", ep);
        c
    };
    let s = settings(&with("http://127.0.0.1:2"));
    assert_eq!(
        s.endpoints.cloudfront.as_deref(),
        Some("http://127.0.0.1:2")
    );
    assert_eq!(s.endpoints.s3, None);
    assert_eq!(
        validate_paths(with("ftp://x")),
        vec!["endpoints.cloudfront"]
    );
}

fn validate_paths(config: Value) -> Vec<String> {
    let mut diags = Diagnostics::new();
    crate::tfplugin::Provider::validate(&IrsaProvider, &config, &mut diags);
    diags
        .0
        .iter()
        .map(|d| d.path.as_ref().unwrap().to_string())
        .collect()
}

fn with(attrs: &[(&str, Value)]) -> Value {
    let mut c = config(None, None);
    for (k, v) in attrs {
        c.set_attr(k, v.clone());
    }
    c.conform(&schema().value_type())
}

fn block(attrs: &[(&str, &str)]) -> Value {
    Value::Object(
        attrs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::string(*v)))
            .collect(),
    )
}

#[test]
fn bad_auth_settings_name_the_attribute() {
    let paths = validate_paths(with(&[
        ("access_key", Value::string("AKIA")),
        (
            "allowed_account_ids",
            Value::Set(vec![Value::string("12345")]),
        ),
        (
            "forbidden_account_ids",
            Value::Set(vec![Value::string("123456789012")]),
        ),
        ("max_retries", Value::Number(-1.0)),
        ("retry_mode", Value::string("legacy")),
        (
            "assume_role",
            block(&[("role_arn", "arn:aws:s3:::bucket"), ("duration", "1d")]),
        ),
        (
            "assume_role_with_web_identity",
            block(&[("duration", "5m"), ("session_name", "a b")]),
        ),
    ]));
    assert_eq!(
        paths,
        vec![
            "access_key",
            "allowed_account_ids",
            "forbidden_account_ids",
            "max_retries",
            "retry_mode",
            "assume_role.role_arn",
            "assume_role.duration",
            "assume_role_with_web_identity.session_name",
            "assume_role_with_web_identity.duration",
        ]
    );
}

#[test]
fn auth_settings_are_read_from_the_block() {
    let c = with(&[
        ("access_key", Value::string("AKIAEXAMPLE")),
        ("secret_key", Value::string("s3cret")),
        ("max_retries", Value::Number(0.0)),
        ("retry_mode", Value::string("adaptive")),
        (
            "assume_role",
            block(&[
                ("role_arn", "arn:aws:iam::123456789012:role/terraform"),
                ("duration", "1h30m"),
            ]),
        ),
    ]);
    assert!(validate_paths(c.clone()).is_empty());
    let s = settings(&c);
    assert_eq!(s.static_keys.unwrap().access_key, "AKIAEXAMPLE");
    assert_eq!(s.max_retries, Some(0));
    assert_eq!(s.retry_mode, Some(aws::RetryMode::Adaptive));
    let ar = s.assume_role.unwrap();
    assert_eq!(ar.role_arn, "arn:aws:iam::123456789012:role/terraform");
    assert_eq!(ar.duration_seconds, Some(5400));
    assert!(s.web_identity.is_none());
}

#[test]
fn unknown_auth_values_are_not_validated() {
    let c = with(&[
        ("allowed_account_ids", Value::Unknown),
        ("max_retries", Value::Unknown),
        (
            "assume_role",
            Value::Object(BTreeMap::from([("role_arn".into(), Value::Unknown)])),
        ),
    ]);
    assert!(validate_paths(c).is_empty());
}

#[test]
fn unknown_values_are_not_validated() {
    let mut c = config(None, None);
    c.set_attr("region", Value::Unknown);
    let mut diags = Diagnostics::new();
    crate::tfplugin::Provider::validate(&IrsaProvider, &c, &mut diags);
    assert!(diags.is_empty());
}
