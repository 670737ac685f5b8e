use super::*;
use crate::data_sources::test_support;
use crate::framework::Data;
use crate::tfplugin::DataSource;

const CA: &str = include_str!("../../domain/testdata/webhook_ca.cert.pem");
const CERT: &str = include_str!("../../domain/testdata/webhook_tls.cert.pem");
const KEY: &str = include_str!("../../domain/testdata/webhook_tls.throwaway.key.pem");
const OTHER_KEY: &str = include_str!("../../domain/testdata/throwaway.key.pem");

/// A configuration conformed to the schema: everything unset is null.
fn config(pairs: Vec<(&str, Value)>) -> Value {
    test_support::config(&schema(), pairs)
}

fn errors_at(config: &Value) -> Vec<(String, String)> {
    test_support::errors_at(PodIdentityWebhook, config)
}

fn provided(cert: &str, key: &str, ca: &str) -> Value {
    model::object([(
        "provided",
        model::object([
            ("certificate_pem", Value::string(cert)),
            ("private_key_pem", Value::string(key)),
            ("ca_certificate_pem", Value::string(ca)),
        ]),
    )])
}

async fn read(config: &Value) -> (Value, Diagnostics) {
    let data = ProviderData::for_tests(crate::aws::connect(&Default::default()).await, "1.11.0");
    let mut diags = Diagnostics::new();
    let state = Data::new(PodIdentityWebhook)
        .read(&data, config.clone(), &mut diags)
        .await;
    (state, diags)
}

#[tokio::test]
async fn defaults_are_filled_and_the_outputs_agree() {
    let (state, diags) = read(&config(vec![])).await;
    assert!(!diags.has_errors(), "{diags:?}");
    assert_eq!(state.attr("name").as_str(), Some(hook::DEFAULT_NAME));
    assert_eq!(
        state.attr("namespace").as_str(),
        Some(hook::DEFAULT_NAMESPACE)
    );
    assert_eq!(state.attr("audience").as_str(), Some("sts.amazonaws.com"));
    assert_eq!(state.attr("failure_policy").as_str(), Some("Ignore"));
    assert_eq!(model::int(&state, "replicas"), Some(2));
    let manifests = state.attr("manifests").as_string_vec().unwrap();
    let parsed: Vec<serde_json::Value> = manifests
        .iter()
        .map(|m| serde_json::from_str(m).unwrap())
        .collect();
    assert_eq!(parsed, hook::render(&spec(&state)).manifests);
    assert_eq!(
        state.attr("yaml").as_str(),
        Some(hook::to_yaml(&parsed).as_str())
    );
    assert!(state.attr("tls_secret_manifest").is_null());
    assert!(state.attr("ca_bundle").is_null());
    assert!(state.is_wholly_known());
}

#[tokio::test]
async fn provided_mode_keeps_the_key_in_the_sensitive_secret_only() {
    let (state, diags) = read(&config(vec![("tls", provided(CERT, KEY, CA))])).await;
    assert!(!diags.has_errors(), "{diags:?}");
    let secret = state.attr("tls_secret_manifest").as_str().unwrap();
    assert!(secret.contains("kubernetes.io/tls"));
    for out in ["yaml", "talos_inline_manifest", "ca_bundle"] {
        let text = state.attr(out).as_str().unwrap();
        assert!(!text.contains("PRIVATE KEY"), "{out}");
    }
    let all = state.attr("manifests").as_string_vec().unwrap().join("");
    let key_b64: serde_json::Value = serde_json::from_str(secret).unwrap();
    assert!(!all.contains(key_b64["data"]["tls.key"].as_str().unwrap()));
    let attrs = schema().to_schema().block.attributes;
    let sensitive: Vec<&str> = attrs
        .iter()
        .filter(|a| a.sensitive)
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(sensitive, ["tls_secret_manifest"]);
}

#[tokio::test]
async fn provided_mode_without_the_key_renders_no_secret_and_still_checks_the_certificate() {
    let keyless = |cert: &str, ca: &str| {
        model::object([(
            "provided",
            model::object([
                ("certificate_pem", Value::string(cert)),
                ("ca_certificate_pem", Value::string(ca)),
            ]),
        )])
    };
    let c = config(vec![("tls", keyless(CERT, CA))]);
    assert!(errors_at(&c).is_empty(), "{:?}", errors_at(&c));
    let (state, diags) = read(&c).await;
    assert!(!diags.has_errors(), "{diags:?}");
    assert!(state.attr("tls_secret_manifest").is_null());
    assert!(state.attr("ca_bundle").as_str().is_some());
    // The CA must still have signed the certificate.
    let errs = errors_at(&config(vec![("tls", keyless(CERT, CERT))]));
    assert!(
        errs.iter()
            .any(|(p, _)| p.contains("ca_certificate_pem") || p.contains("certificate_pem")),
        "{errs:?}"
    );
}

#[test]
fn refusals_name_their_attribute() {
    let cases: Vec<(Vec<(&str, Value)>, &str)> = vec![
        (vec![("name", Value::string("Bad_Name"))], "name"),
        (vec![("namespace", Value::string("-x"))], "namespace"),
        (
            vec![(
                "image",
                Value::string("amazon/amazon-eks-pod-identity-webhook:latest"),
            )],
            "image",
        ),
        (vec![("replicas", Value::Number(0.0))], "replicas"),
        (vec![("replicas", Value::Number(1.5))], "replicas"),
        (vec![("audience", Value::string("has space"))], "audience"),
        (
            vec![("annotation_prefix", Value::string("Eks..com"))],
            "annotation_prefix",
        ),
        (vec![("aws_region", Value::string("mars-1"))], "aws_region"),
        (
            vec![("token_expiration", Value::Number(600.0))],
            "token_expiration",
        ),
        (
            vec![("failure_policy", Value::string("ignore"))],
            "failure_policy",
        ),
        (
            vec![("tls", provided(CERT, OTHER_KEY, CA))],
            "tls.provided.private_key_pem",
        ),
        (
            vec![("tls", provided(CERT, KEY, CERT))],
            "tls.provided.certificate_pem",
        ),
        (
            vec![
                ("namespace", Value::string("irsa")),
                ("tls", provided(CERT, KEY, CA)),
            ],
            "tls.provided.certificate_pem",
        ),
        (
            vec![(
                "toleration",
                Value::List(vec![model::object([
                    ("operator", Value::string("Exists")),
                    ("value", Value::string("x")),
                ])]),
            )],
            "toleration[0].value",
        ),
    ];
    for (pairs, path) in cases {
        let errs = errors_at(&config(pairs.clone()));
        assert!(
            errs.iter()
                .any(|(p, _)| p.replace("\"", "") == path || p == path),
            "{pairs:?}: expected an error at {path}, got {errs:?}"
        );
    }
}

#[test]
fn unknown_values_are_not_refused() {
    let cases = vec![
        vec![("name", Value::Unknown), ("tls", provided(CERT, KEY, CA))],
        vec![(
            "tls",
            model::object([(
                "provided",
                model::object([
                    ("certificate_pem", Value::string(CERT)),
                    ("private_key_pem", Value::Unknown),
                    ("ca_certificate_pem", Value::string(CA)),
                ]),
            )]),
        )],
        vec![("replicas", Value::Unknown), ("image", Value::Unknown)],
    ];
    for pairs in cases {
        let errs = errors_at(&config(pairs.clone()));
        assert!(errs.is_empty(), "{pairs:?}: {errs:?}");
    }
}

#[test]
fn both_tls_modes_conflict() {
    let both = model::object([
        ("cert_manager", model::object([])),
        (
            "provided",
            model::object([
                ("certificate_pem", Value::string(CERT)),
                ("private_key_pem", Value::string(KEY)),
                ("ca_certificate_pem", Value::string(CA)),
            ]),
        ),
    ]);
    let errs = errors_at(&config(vec![("tls", both)]));
    assert!(errs.iter().any(|(_, s)| s == "Two TLS modes"), "{errs:?}");
}
