//! `irsa_issuer` driven in process, below Terraform, against moto: what an
//! apply interrupted by StopProvider leaves behind, and that the next plan
//! and apply finish the job.

use std::collections::BTreeMap;

use irsa::context::ProviderData;
use irsa::framework::Managed;
use irsa::provider::IrsaProvider;
use irsa::resources::issuer::Issuer;
use irsa::tfplugin::{
    ApplyRequest, CancellationToken, Diagnostics, PlanRequest, Provider, Resource, Value,
};

use crate::support::{random_suffix, Moto};

/// The resource as the protocol layer serves it.
fn issuer() -> Managed<Issuer> {
    Managed::new(Issuer)
}

async fn configure(moto: &Moto) -> ProviderData {
    // The provider reads credentials from the standard chain: this process's
    // environment, with the AWS config files pointed away from $HOME. That
    // is the environment of the whole test binary: every other test gives
    // Terraform, the provider and boto3 their AWS settings explicitly
    // (`Workdir` drops inherited AWS_* variables, `Moto::python` sets them),
    // so none of them depends on what is set here.
    let empty = tempfile::tempdir().unwrap();
    for (k, v) in moto.env() {
        std::env::set_var(k, v);
    }
    std::env::set_var("AWS_CONFIG_FILE", empty.path().join("config"));
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        empty.path().join("credentials"),
    );
    let ep = Value::string(moto.endpoint());
    let mut config = Value::Object(BTreeMap::new());
    config.set_attr("region", Value::string("us-east-1"));
    config.set_attr("s3_use_path_style", Value::Bool(true));
    config.set_attr(
        "endpoints",
        Value::Object(BTreeMap::from([
            ("s3".into(), ep.clone()),
            ("iam".into(), ep.clone()),
            ("sts".into(), ep),
        ])),
    );
    let config = config.conform(&irsa::provider::schema().value_type());
    let mut diags = Diagnostics::new();
    let data = IrsaProvider.configure("1.11.4", &config, &mut diags).await;
    assert!(!diags.has_errors(), "{diags:?}");
    data.unwrap()
}

async fn plan(data: &ProviderData, prior: &Value, config: &Value) -> Value {
    let mut proposed = config.clone();
    if !prior.is_null() {
        // Terraform's proposal keeps the prior values of computed attributes.
        for (k, v) in prior.as_entries().unwrap() {
            if config.attr(k).is_null() {
                proposed.set_attr(k, v.clone());
            }
        }
    }
    let mut diags = Diagnostics::new();
    let planned = issuer()
        .plan(
            data,
            PlanRequest {
                prior: prior.clone(),
                proposed,
                config: config.clone(),
            },
            &mut diags,
        )
        .await;
    assert!(!diags.has_errors(), "{diags:?}");
    assert!(planned.requires_replace.is_empty());
    planned.state
}

async fn apply(
    data: &ProviderData,
    prior: &Value,
    planned: Value,
    config: &Value,
    stop: CancellationToken,
) -> (Value, Diagnostics) {
    let mut diags = Diagnostics::new();
    let state = issuer()
        .apply(
            data,
            ApplyRequest {
                prior: prior.clone(),
                planned,
                config: config.clone(),
                stop,
            },
            &mut diags,
        )
        .await;
    (state, diags)
}

async fn refresh(data: &ProviderData, state: Value) -> Option<Value> {
    let mut diags = Diagnostics::new();
    let v = issuer().read(data, state, &mut diags).await;
    assert!(!diags.has_errors(), "{diags:?}");
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_create_is_recorded_and_finished_by_the_next_apply() {
    let moto = Moto::start();
    let data = configure(&moto).await;
    let bucket = format!("irsa-stop-{}", random_suffix());
    let mut config = Value::Object(BTreeMap::new()).conform(&issuer().schema().value_type());
    config.set_attr("bucket", Value::string(&bucket));

    // StopProvider arrived before the apply: it stops after its first step.
    let planned = plan(&data, &Value::Null, &config).await;
    let stop = CancellationToken::new();
    stop.cancel();
    let (state, diags) = apply(&data, &Value::Null, planned, &config, stop).await;
    assert!(diags.0.iter().any(|d| d.summary == "Stopped"), "{diags:?}");
    assert_eq!(
        state.attr("bucket").as_str(),
        Some(bucket.as_str()),
        "the bucket is recorded"
    );
    assert!(state.attr("oidc_provider_arn").is_null());
    assert!(state.attr("discovery_json").is_null());
    assert!(
        state.is_wholly_known(),
        "no unknown value in an applied state"
    );

    // The next run finishes it in place.
    let state = refresh(&data, state).await.expect("the bucket exists");
    let planned = plan(&data, &state, &config).await;
    assert!(planned.attr("oidc_provider_arn").is_unknown());
    let (state, diags) = apply(&data, &state, planned, &config, CancellationToken::new()).await;
    assert!(!diags.has_errors(), "{diags:?}");
    assert!(state.attr("oidc_provider_arn").as_str().is_some());

    // And then nothing is left to do.
    let refreshed = refresh(&data, state.clone()).await.unwrap();
    assert_eq!(refreshed, state, "refresh reports what apply recorded");
    assert_eq!(
        plan(&data, &refreshed, &config).await,
        refreshed,
        "no change planned"
    );

    // Destroy, and a refresh afterwards finds the issuer gone.
    let (gone, diags) = apply(
        &data,
        &refreshed,
        Value::Null,
        &Value::Null,
        CancellationToken::new(),
    )
    .await;
    assert!(!diags.has_errors(), "{diags:?}");
    assert!(gone.is_null());
    assert_eq!(refresh(&data, refreshed.clone()).await, None);
    // Destroying what is already gone succeeds.
    let (_, diags) = apply(
        &data,
        &refreshed,
        Value::Null,
        &Value::Null,
        CancellationToken::new(),
    )
    .await;
    assert!(!diags.has_errors(), "{diags:?}");
}
