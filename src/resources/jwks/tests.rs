//! Unit tests of `irsa_jwks`'s validation, plan and state, through the
//! framework adapter as the protocol layer drives it.

use super::model::JwksModel;
use super::schema::*;
use super::JwksObject;
use crate::cluster::ClusterModel;
use crate::context::ProviderData;
use crate::domain::jwks;
use crate::domain::keys::parse_public_keys_pem;
use crate::framework::Managed;
use crate::tfplugin::schema::Mode as M;
use crate::tfplugin::{
    ApplyRequest, CancellationToken, Diagnostics, PlanRequest, Planned, Resource, Severity, Value,
};

const RSA: &str = include_str!("../../domain/testdata/rsa2048.pub.pem");
const EC: &str = include_str!("../../domain/testdata/ec_p256.pub.pem");
const CA: &str = include_str!("../../domain/testdata/rsa2048.cert.pem");
const PRIVATE_KEY: &str = include_str!("../../domain/testdata/throwaway.key.pem");

fn jwks_object() -> Managed<JwksObject> {
    Managed::new(JwksObject)
}

fn object(pairs: &[(&str, Value)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

/// A configuration with a bucket and key, and `pairs`.
fn config(pairs: &[(&str, Value)]) -> Value {
    let mut all = vec![
        (BUCKET, Value::string("issuer-bucket")),
        (KEY, Value::string("c/keys.json")),
    ];
    all.extend_from_slice(pairs);
    object(&all).conform(&schema().value_type())
}

fn with_cluster(cluster: &[(&str, Value)]) -> Value {
    config(&[(CLUSTER, object(cluster))])
}

async fn data_in(version: &str, region: Option<&str>) -> ProviderData {
    let settings = crate::aws::Settings {
        region: region.map(str::to_owned),
        ..Default::default()
    };
    ProviderData::for_tests(crate::aws::connect(&settings).await, version)
}

async fn data(version: &str) -> ProviderData {
    data_in(version, Some("eu-west-1")).await
}

fn errors(c: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    jwks_object().validate(c, &mut diags);
    diags
}

fn paths(diags: &Diagnostics) -> Vec<String> {
    diags
        .0
        .iter()
        .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
        .collect()
}

fn summaries(diags: &Diagnostics) -> Vec<&str> {
    diags.0.iter().map(|d| d.summary.as_str()).collect()
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

async fn plan_with(data: &ProviderData, prior: &Value, c: &Value) -> (Planned, Diagnostics) {
    let mut diags = Diagnostics::new();
    let req = PlanRequest {
        prior: prior.clone(),
        proposed: propose(prior, c),
        config: c.clone(),
    };
    let planned = jwks_object().plan(data, req, &mut diags).await;
    (planned, diags)
}

// ------------------------------------------------------------ the schema

#[test]
fn the_name_constants_are_the_schema_and_defaults_and_replacement_are_declared() {
    let s = schema();
    let block = &s.block;
    for name in [
        ID,
        BUCKET,
        KEY,
        REGION,
        PUBLIC_KEYS_PEM,
        INCLUDE_LEGACY_EMPTY_KID,
        ISSUER_SIGNING_ALGORITHMS,
        JSON,
        KIDS,
        ALGORITHMS,
        ETAG,
    ] {
        assert!(block.find(name).is_some(), "{name}");
    }
    assert!(block.blocks.iter().any(|b| b.name == CLUSTER));
    for name in [BUCKET, KEY] {
        assert!(block.find(name).unwrap().replace, "{name}");
    }
    assert_eq!(
        block.find(INCLUDE_LEGACY_EMPTY_KID).unwrap().default,
        Some(Value::Bool(false))
    );
    let every = s.to_schema();
    let cluster = &every.block.blocks[0].block;
    let token = cluster
        .attributes
        .iter()
        .find(|a| a.name == "token")
        .unwrap();
    assert!(token.sensitive && token.write_only);
}

#[test]
fn the_model_round_trips_a_state() {
    let state = config(&[
        (REGION, Value::string("eu-west-1")),
        (PUBLIC_KEYS_PEM, Value::strings([RSA])),
        (INCLUDE_LEGACY_EMPTY_KID, Value::Bool(false)),
        (
            ISSUER_SIGNING_ALGORITHMS,
            Value::Set(vec![Value::string("ES256"), Value::string("RS256")]),
        ),
        (
            CLUSTER,
            object(&[
                ("host", Value::string("https://10.0.0.1:6443")),
                ("token", Value::string("t")),
                (
                    "secret",
                    object(&[
                        ("namespace", Value::string("default")),
                        ("name", Value::string("c1-sa")),
                        ("key", Value::string("tls.crt")),
                    ]),
                ),
            ]),
        ),
        (JSON, Value::string("{}")),
        (KIDS, Value::strings(["k"])),
        (ALGORITHMS, Value::strings(["RS256"])),
        (ETAG, Value::string("e")),
        (ID, Value::string("issuer-bucket/c/keys.json")),
    ]);
    let model = JwksModel::from_value(&state);
    assert_eq!(model.cluster.as_ref().unwrap().token.as_deref(), Some("t"));
    assert_eq!(model.to_value(), state);
    assert_eq!(ClusterModel::from_value(&Value::Null), None);
}

// ------------------------------------------------------------ validation

#[test]
fn validation_names_the_attribute() {
    let d = errors(&config(&[(PUBLIC_KEYS_PEM, Value::strings(["not pem"]))]));
    assert_eq!(paths(&d), ["public_keys_pem[0]"], "{:?}", d.0);

    let d = errors(&config(&[]));
    assert_eq!(summaries(&d), ["No keys to publish"]);
    let d = errors(&config(&[(PUBLIC_KEYS_PEM, Value::List(vec![]))]));
    assert_eq!(summaries(&d), ["No keys to publish"]);

    let d = errors(&with_cluster(&[
        ("config_path", Value::string("k")),
        ("token", Value::string("t")),
        ("jwks_endpoint", Value::Bool(true)),
    ]));
    assert_eq!(summaries(&d), ["Setting used without host"]);
    assert_eq!(paths(&d), ["cluster.token"]);

    let d = errors(&with_cluster(&[
        ("host", Value::string("https://10.0.0.1:6443")),
        ("config_context", Value::string("ctx")),
        ("jwks_endpoint", Value::Bool(true)),
    ]));
    assert_eq!(summaries(&d), ["Setting used without config_path"]);
    assert_eq!(paths(&d), ["cluster.config_context"]);

    let d = errors(&with_cluster(&[
        ("host", Value::string("10.0.0.1:6443")),
        (
            "secret",
            object(&[
                ("namespace", Value::string("default")),
                ("name", Value::string("Bad_Name")),
            ]),
        ),
    ]));
    assert_eq!(
        summaries(&d),
        ["Invalid API server URL", "Invalid secret reference"]
    );
    assert_eq!(paths(&d), ["cluster.host", "cluster.secret.name"]);
}

#[test]
fn the_cluster_block_constraints_keep_their_messages() {
    let d = errors(&with_cluster(&[
        ("config_path", Value::string("k")),
        ("host", Value::string("https://10.0.0.1:6443")),
        ("jwks_endpoint", Value::Bool(true)),
    ]));
    assert_eq!(summaries(&d), ["Conflicting connection settings"]);
    assert_eq!(paths(&d), ["cluster.host"]);

    let d = errors(&with_cluster(&[("jwks_endpoint", Value::Bool(true))]));
    assert_eq!(summaries(&d), ["No connection settings"]);

    let secret = object(&[
        ("namespace", Value::string("default")),
        ("name", Value::string("c1-sa")),
    ]);
    let d = errors(&with_cluster(&[
        ("config_path", Value::string("k")),
        ("jwks_endpoint", Value::Bool(true)),
        ("secret", secret.clone()),
    ]));
    assert_eq!(summaries(&d), ["Two key sources in the cluster block"]);
    assert_eq!(paths(&d), ["cluster.jwks_endpoint"]);

    // `jwks_endpoint = false` chooses nothing.
    for jwks_endpoint in [Value::Null, Value::Bool(false)] {
        let d = errors(&with_cluster(&[
            ("config_path", Value::string("k")),
            ("jwks_endpoint", jwks_endpoint),
        ]));
        assert_eq!(summaries(&d), ["No key source in the cluster block"]);
    }
    let d = errors(&with_cluster(&[
        ("config_path", Value::string("k")),
        ("jwks_endpoint", Value::Bool(false)),
        ("secret", secret),
    ]));
    assert!(d.is_empty(), "{:?}", d.0);
}

#[test]
fn unknown_values_are_neither_set_nor_unset() {
    let host = || ("host", Value::string("https://10.0.0.1:6443"));
    let jwks_endpoint = || ("jwks_endpoint", Value::Bool(true));
    let secret = object(&[
        ("namespace", Value::string("default")),
        ("name", Value::string("c1-sa")),
    ]);
    let cases: Vec<Vec<(&str, Value)>> = vec![
        // Each known to be set, the other unknown: no conflict.
        vec![("config_path", Value::Unknown), host(), jwks_endpoint()],
        vec![
            ("config_path", Value::string("k")),
            ("host", Value::Unknown),
            jwks_endpoint(),
        ],
        // Neither known: not missing either.
        vec![("config_path", Value::Unknown), jwks_endpoint()],
        vec![("host", Value::Unknown), ("jwks_endpoint", Value::Unknown)],
        // With host unknown, token and config_context are not judged.
        vec![
            ("config_path", Value::string("k")),
            ("host", Value::Unknown),
            ("token", Value::string("t")),
            jwks_endpoint(),
        ],
        vec![
            ("config_path", Value::Unknown),
            host(),
            ("config_context", Value::string("ctx")),
            jwks_endpoint(),
        ],
        // An unknown key source beside a secret.
        vec![
            host(),
            ("jwks_endpoint", Value::Unknown),
            ("secret", secret),
        ],
    ];
    for cluster in cases {
        let d = errors(&with_cluster(&cluster));
        assert!(d.is_empty(), "{cluster:?}: {:?}", d.0);
    }
    let d = errors(&config(&[(PUBLIC_KEYS_PEM, Value::Unknown)]));
    assert!(d.is_empty(), "{:?}", d.0);
}

#[test]
fn the_discovery_document_key_is_refused() {
    for key in [
        ".well-known/openid-configuration",
        "clusters/prod/.well-known/openid-configuration",
    ] {
        let c = config(&[
            (KEY, Value::string(key)),
            (PUBLIC_KEYS_PEM, Value::strings([RSA])),
        ]);
        let d = errors(&c);
        assert_eq!(summaries(&d), ["Invalid object key"], "{key}");
        assert_eq!(paths(&d), ["key"]);
        assert!(d.0[0].detail.contains("discovery document"), "{:?}", d.0);
    }
    let d = errors(&config(&[
        (KEY, Value::string("/keys.json")),
        (PUBLIC_KEYS_PEM, Value::strings([RSA])),
    ]));
    assert_eq!(summaries(&d), ["Invalid object key"]);
    assert!(d.0[0].detail.contains("starts with '/'"));
}

#[test]
fn bad_bucket_and_region_are_refused() {
    let pem = (PUBLIC_KEYS_PEM, Value::strings([RSA]));
    let d = errors(&config(&[
        pem.clone(),
        (REGION, Value::string("EU West 1")),
    ]));
    assert_eq!(summaries(&d), ["Invalid region"]);
    assert_eq!(paths(&d), ["region"]);
    assert!(d.0[0].detail.contains("EU West 1"));

    let d = errors(&config(&[pem.clone(), (REGION, Value::string(""))]));
    assert_eq!(paths(&d), ["region"]);

    let d = errors(&config(&[pem, (BUCKET, Value::string("Bad_Bucket"))]));
    assert_eq!(summaries(&d), ["Invalid bucket name"]);
    assert_eq!(paths(&d), ["bucket"]);
}

#[test]
fn the_ca_certificate_must_be_a_certificate_and_never_a_private_key() {
    let with_ca = |ca: &str| {
        with_cluster(&[
            ("host", Value::string("https://10.0.0.1:6443")),
            ("cluster_ca_certificate", Value::string(ca)),
            ("jwks_endpoint", Value::Bool(true)),
        ])
    };
    assert!(errors(&with_ca(CA)).is_empty());
    for bad in ["not a certificate", RSA, PRIVATE_KEY] {
        let d = errors(&with_ca(bad));
        assert_eq!(summaries(&d), ["Invalid CA certificate"], "{bad}");
        assert_eq!(paths(&d), ["cluster.cluster_ca_certificate"]);
    }
    let d = errors(&with_ca(PRIVATE_KEY));
    assert!(d.0[0].detail.contains("private key"), "{:?}", d.0);
    for line in PRIVATE_KEY.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!d.0[0].detail.contains(line), "key material in {:?}", d.0);
    }
}

// ------------------------------------------------------------------ plan

#[tokio::test]
async fn unknown_cluster_settings_plan_the_document_as_unknown() {
    let c = config(&[
        (
            ISSUER_SIGNING_ALGORITHMS,
            Value::Set(vec![Value::string("RS256")]),
        ),
        (
            CLUSTER,
            object(&[
                ("host", Value::Unknown),
                ("token", Value::string("t")),
                ("jwks_endpoint", Value::Bool(true)),
            ]),
        ),
    ]);
    let (planned, diags) = plan_with(&data("1.11.4").await, &Value::Null, &c).await;
    assert!(diags.is_empty(), "{:?}", diags.0);
    for name in [JSON, KIDS, ALGORITHMS, ETAG] {
        assert!(planned.state.attr(name).is_unknown(), "{name}");
    }
    assert_eq!(planned.state.attr(REGION), &Value::string("eu-west-1"));
    assert_eq!(
        planned.state.attr(ID),
        &Value::string("issuer-bucket/c/keys.json")
    );
    assert_eq!(
        planned.state.attr(INCLUDE_LEGACY_EMPTY_KID),
        &Value::Bool(false)
    );
    // Write-only on 1.11+: the token is not planned.
    assert!(planned.state.attr(CLUSTER).attr("token").is_null());
    let (planned, _) = plan_with(&data("1.0.3").await, &Value::Null, &c).await;
    assert_eq!(
        planned.state.attr(CLUSTER).attr("token"),
        &Value::string("t")
    );
}

#[tokio::test]
async fn the_secret_key_defaults_to_tls_crt_in_the_plan() {
    let c = with_cluster(&[
        ("config_path", Value::Unknown),
        (
            "secret",
            object(&[
                ("namespace", Value::string("default")),
                ("name", Value::string("c1-sa")),
            ]),
        ),
    ]);
    let c = c.conform(&schema().value_type());
    let (planned, diags) = plan_with(&data("1.11.4").await, &Value::Null, &c).await;
    assert!(diags.is_empty(), "{:?}", diags.0);
    assert_eq!(
        planned.state.attr(CLUSTER).attr("secret").attr("key"),
        &Value::string("tls.crt")
    );
}

#[tokio::test]
async fn known_keys_plan_the_document_and_keep_the_etag_when_unchanged() {
    let data = data("1.11.4").await;
    let c = config(&[
        (PUBLIC_KEYS_PEM, Value::strings([RSA, EC])),
        (
            ISSUER_SIGNING_ALGORITHMS,
            Value::Set(vec![Value::string("ES256"), Value::string("RS256")]),
        ),
    ]);
    let (planned, diags) = plan_with(&data, &Value::Null, &c).await;
    assert!(diags.is_empty(), "{:?}", diags.0);
    let mut keys = parse_public_keys_pem(RSA).unwrap();
    keys.extend(parse_public_keys_pem(EC).unwrap());
    let expected = jwks::build_jwks(&keys, false);
    assert_eq!(planned.state.attr(JSON), &Value::string(expected.to_json()));
    assert_eq!(planned.state.attr(KIDS), &Value::strings(expected.kids()));
    assert!(planned.state.attr(ETAG).is_unknown());

    let mut prior = planned.state.clone();
    prior.set_attr(ETAG, Value::string("abc"));
    let (again, _) = plan_with(&data, &prior, &c).await;
    assert_eq!(again.state, prior, "no change");
    assert!(again.requires_replace.is_empty());

    let moved = config(&[
        (KEY, Value::string("other/keys.json")),
        (PUBLIC_KEYS_PEM, Value::strings([RSA, EC])),
    ]);
    let (moved, _) = plan_with(&data, &prior, &moved).await;
    assert_eq!(moved.requires_replace.len(), 1);
    assert!(moved.state.attr(ETAG).is_unknown());
}

#[tokio::test]
async fn unadvertised_algorithms_warn_naming_the_attribute() {
    let c = config(&[
        (PUBLIC_KEYS_PEM, Value::strings([EC])),
        (
            ISSUER_SIGNING_ALGORITHMS,
            Value::Set(vec![Value::string("RS256")]),
        ),
    ]);
    let (_, diags) = plan_with(&data("1.11.4").await, &Value::Null, &c).await;
    assert_eq!(diags.0.len(), 1, "{:?}", diags.0);
    assert_eq!(diags.0[0].severity, Severity::Warning);
    assert!(diags.0[0].detail.contains("ES256"));
    assert_eq!(paths(&diags), ["issuer_signing_algorithms"]);
}

#[tokio::test]
async fn the_provider_region_is_needed_only_when_region_is_not_set() {
    let no_region = data_in("1.11.4", None).await;
    // With the advertised algorithms given, plan reads nothing from S3.
    let algs = (
        ISSUER_SIGNING_ALGORITHMS,
        Value::Set(vec![Value::string("RS256")]),
    );
    let pem = (PUBLIC_KEYS_PEM, Value::strings([RSA]));
    let set = config(&[
        pem.clone(),
        algs.clone(),
        (REGION, Value::string("eu-central-1")),
    ]);
    let (planned, diags) = plan_with(&no_region, &Value::Null, &set).await;
    assert!(diags.is_empty(), "{:?}", diags.0);
    assert_eq!(planned.state.attr(REGION), &Value::string("eu-central-1"));

    let (_, diags) = plan_with(&no_region, &Value::Null, &config(&[pem, algs])).await;
    assert_eq!(summaries(&diags), ["No AWS region"]);
    assert_eq!(paths(&diags), ["region"]);
}

// ----------------------------------------------------------------- apply

#[tokio::test]
async fn a_stop_before_the_write_is_the_one_stopped_error() {
    let data = data("1.11.4").await;
    let c = config(&[
        (PUBLIC_KEYS_PEM, Value::strings([RSA])),
        (
            ISSUER_SIGNING_ALGORITHMS,
            Value::Set(vec![Value::string("RS256")]),
        ),
    ]);
    let (planned, _) = plan_with(&data, &Value::Null, &c).await;
    let stop = CancellationToken::new();
    stop.cancel();
    let mut diags = Diagnostics::new();
    let req = ApplyRequest {
        prior: Value::Null,
        planned: planned.state,
        config: c,
        stop,
    };
    let state = jwks_object().apply(&data, req, &mut diags).await;
    assert_eq!(summaries(&diags), ["Stopped"]);
    assert!(state.is_null(), "nothing was written");
}
