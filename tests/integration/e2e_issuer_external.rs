//! `irsa_issuer` with `hosting = "external"` through real terraform (1.11
//! and 1.0.3) against moto: the documents are served by a host of the
//! user's, here an HTTPS server on 127.0.0.1 whose chain ends at a test CA
//! (made with rcgen; the expected thumbprint comes from `openssl`).
//!
//! Create (refused first without the CA, leaving nothing behind), the OIDC
//! provider for exactly the URL with the host's thumbprint, no S3 call at
//! all (moto's recording), an empty second plan, the rendered document
//! equal to `irsa_discovery_document`'s, tag drift repaired in place, a
//! provider deleted outside Terraform made anew, import by URL, destroy,
//! and the refusals at plan time; lost answers of the provider's create
//! call, and a provider that existed before, which is never adopted.

use serde_json::{json, Value as Json};

use crate::e2e_issuer::{expect_drift_then_repair, refused_at_plan};
use crate::support::fault_proxy::{Fault, FaultProxy};
use crate::support::{
    per_version, random_suffix, state_resource, Install, Moto, TfVersion, Workdir,
};
use crate::tls_thumbprint::{make_chain, openssl_sha1, serve, HEADER};

const RESOURCE: &str = "irsa_issuer.this";

fn workdir(moto: &Moto, version: TfVersion) -> Workdir {
    let mut wd = Workdir::new(version, Install::DevOverrides);
    wd.envs(moto.env());
    wd
}

/// The OIDC providers IAM has for `host_path`, with their thumbprints and
/// tags.
fn providers_for(moto: &Moto, host_path: &str) -> Vec<Json> {
    let found = moto.boto(&format!(
        "out = []\n\
         for p in iam.list_open_id_connect_providers()['OpenIDConnectProviderList']:\n    \
             d = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=p['Arn'])\n    \
             if d['Url'] == '{host_path}':\n        \
                 out.append({{'arn': p['Arn'], 'thumbprints': d['ThumbprintList'], \
                 'client_ids': d['ClientIDList'], 'tags': {{t['Key']: t['Value'] for t in d.get('Tags', [])}}}})"
    ));
    found.as_array().cloned().unwrap_or_default()
}

fn attributes(wd: &Workdir) -> Json {
    state_resource(&wd.show_json(), RESOURCE)["values"].clone()
}

fn lifecycle(version: TfVersion) {
    let moto = Moto::start();
    let chain = make_chain();
    let port = serve(
        vec![chain.leaf_der.clone(), chain.intermediate_der.clone()],
        chain.leaf_key.clone(),
    );
    let host_path = format!("127.0.0.1:{port}/{}", random_suffix());
    let url = format!("https://{host_path}");
    let root = serde_json::to_string(&chain.root_pem).unwrap();
    let config = |ca: bool, tags: &str| {
        let ca = if ca {
            format!("ca_certificate_pem = {root}")
        } else {
            String::new()
        };
        format!(
            r#"{provider}
resource "irsa_issuer" "this" {{
  hosting    = "external"
  issuer_url = "{url}"
  tags       = {tags}
  {ca}
}}
data "irsa_discovery_document" "same" {{
  issuer_url = irsa_issuer.this.issuer_url
  jwks_uri   = irsa_issuer.this.jwks_uri
}}
data "irsa_apiserver_flags" "this" {{
  issuer_url       = irsa_issuer.this.issuer_url
  jwks_uri         = irsa_issuer.this.jwks_uri
  previous_issuers = []
}}
output "document" {{ value = data.irsa_discovery_document.same.json }}
output "flags" {{ value = data.irsa_apiserver_flags.this.flags }}
"#,
            provider = moto.provider_config()
        )
    };
    let ctx = format!("{version:?}");
    let wd = workdir(&moto, version);
    moto.start_recording();

    // The test CA is no public one: without it, refused, and nothing made.
    wd.write("main.tf", &config(false, r#"{ team = "a" }"#));
    let out = wd.apply().assert_failure();
    let text = out.combined();
    assert!(
        text.contains("Cannot find the issuer's thumbprint"),
        "{ctx}: {text}"
    );
    assert!(text.contains("ca_certificate_pem"), "{ctx}: {text}");
    assert!(providers_for(&moto, &host_path).is_empty(), "{ctx}");
    let resources = wd.show_json()["values"]["root_module"]["resources"].clone();
    assert!(
        resources.as_array().is_none_or(|r| r.is_empty()),
        "{ctx}: nothing in state: {resources}"
    );

    wd.write("main.tf", &config(true, r#"{ team = "a" }"#));
    wd.apply_ok();
    let a = attributes(&wd);
    assert_eq!(a["hosting"], json!("external"), "{ctx}");
    assert_eq!(a["id"], json!(url));
    assert_eq!(a["issuer_url"], json!(url));
    assert_eq!(a["issuer_host_path"], json!(host_path));
    assert_eq!(a["jwks_uri"], json!(format!("{url}/openid/v1/jwks")));
    assert_eq!(a["jwks_key"], json!("openid/v1/jwks"));
    assert_eq!(
        a["discovery_key"],
        json!(".well-known/openid-configuration")
    );
    for null in [
        "bucket",
        "bucket_arn",
        "bucket_policy_statements",
        "create_bucket",
        "region",
        "url_style",
        "jwks_path",
        "force_destroy",
    ] {
        assert_eq!(a[null], Json::Null, "{ctx}: {null}");
    }
    let doc: Json = serde_json::from_str(a["discovery_json"].as_str().unwrap()).unwrap();
    assert_eq!(doc["issuer"], json!(url));
    assert_eq!(doc["jwks_uri"], json!(format!("{url}/openid/v1/jwks")));
    assert_eq!(wd.output("document"), a["discovery_json"], "{ctx}");
    let flags = wd.output("flags").to_string();
    assert!(
        flags.contains(&format!("--service-account-issuer={url}")),
        "{ctx}: {flags}"
    );

    // Exactly one provider, for exactly the URL, with the host's thumbprint.
    let thumbprint = openssl_sha1(&chain.intermediate_pem);
    let providers = providers_for(&moto, &host_path);
    assert_eq!(providers.len(), 1, "{ctx}: {providers:?}");
    let p = &providers[0];
    let arn = p["arn"].as_str().unwrap().to_owned();
    assert_eq!(a["oidc_provider_arn"], json!(arn));
    assert_eq!(
        arn,
        format!("arn:aws:iam::123456789012:oidc-provider/{host_path}")
    );
    assert_eq!(p["thumbprints"], json!([thumbprint]), "{ctx}");
    assert_eq!(a["thumbprints"], json!([thumbprint]));
    assert_eq!(p["client_ids"], json!(["sts.amazonaws.com"]));
    assert_eq!(p["tags"]["team"], json!("a"));
    assert_eq!(
        p["tags"]["irsa:creation-token"].as_str().map(str::len),
        Some(32),
        "{ctx}: the provider carries the creation token"
    );
    assert_eq!(wd.plan_exit_code(), 0, "{ctx}: a second plan is empty");

    // Tags changed outside Terraform show and are repaired in place.
    moto.boto(&format!(
        "iam.untag_open_id_connect_provider(OpenIDConnectProviderArn='{arn}', TagKeys=['team'])"
    ));
    expect_drift_then_repair(&wd, "removed provider tag");
    assert_eq!(
        providers_for(&moto, &host_path)[0]["tags"]["team"],
        json!("a")
    );

    // No S3 call at all: the documents are the user's to serve.
    let calls = moto.stop_recording();
    let s3: Vec<_> = calls.iter().filter(|c| c.service == "s3").collect();
    assert!(s3.is_empty(), "{ctx}: S3 calls: {s3:?}");
    assert!(calls
        .iter()
        .any(|c| c.action == "CreateOpenIDConnectProvider"));

    // Import by the issuer URL into a fresh state: the same state, except
    // the CA, which AWS does not hold.
    let imported = workdir(&moto, version);
    imported.write("main.tf", &config(true, r#"{ team = "a" }"#));
    imported.import_ok(RESOURCE, &url);
    let mut got = attributes(&imported);
    let mut want = a.clone();
    for map in [&mut got, &mut want] {
        map.as_object_mut().unwrap().remove("ca_certificate_pem");
    }
    assert_eq!(got, want, "{ctx}: the imported state");
    imported.run(&["state", "rm", RESOURCE]).assert_success();

    // A provider deleted outside Terraform is gone with the issuer: the next
    // plan makes it anew.
    moto.boto(&format!(
        "iam.delete_open_id_connect_provider(OpenIDConnectProviderArn='{arn}')"
    ));
    let plan = wd.plan_detailed();
    assert_eq!(plan.code, Some(2), "{ctx}:\n{plan}");
    assert!(plan.stdout.contains("will be created"), "{ctx}:\n{plan}");
    wd.apply_ok();
    assert_eq!(providers_for(&moto, &host_path).len(), 1, "{ctx}");
    assert_eq!(wd.plan_exit_code(), 0, "{ctx}");

    wd.destroy_ok();
    assert!(
        providers_for(&moto, &host_path).is_empty(),
        "{ctx}: destroy removed the provider"
    );
}
per_version!(lifecycle);

fn refusals_at_plan_name_the_attribute(version: TfVersion) {
    // (resource body, summary, the configuration line Terraform shows)
    let cases = [
        (
            "bucket = \"ok-bucket\"\n  issuer_url = \"https://oidc.example.com/c\"",
            "Attribute computed with this hosting",
            "issuer_url = \"https://oidc.example.com/c\"",
        ),
        (
            "hosting = \"external\"",
            "Missing issuer_url",
            "resource \"irsa_issuer\" \"x\"",
        ),
        (
            "hosting = \"external\"\n  issuer_url = \"https://oidc.example.com/c/\"",
            "Invalid issuer URL",
            "issuer_url = \"https://oidc.example.com/c/\"",
        ),
        (
            "hosting = \"cdn\"\n  bucket = \"ok-bucket\"",
            "Invalid hosting",
            "hosting = \"cdn\"",
        ),
    ];
    refused_at_plan(version, &cases);
}
per_version!(refusals_at_plan_name_the_attribute);

fn the_data_source_renders_what_it_is_given(version: TfVersion) {
    let wd = Workdir::new(version, Install::DevOverrides);
    let url = "https://oidc.example.com/clusters/prod";
    wd.write(
        "main.tf",
        &format!(
            r#"{HEADER}
data "irsa_discovery_document" "this" {{
  issuer_url         = "{url}"
  jwks_uri           = "https://keys.example.com/prod.json"
  signing_algorithms = ["ES256", "RS256"]
}}
data "irsa_discovery_document" "defaults" {{
  issuer_url = "{url}"
  jwks_uri   = "{url}/keys.json"
}}
output "json" {{ value = data.irsa_discovery_document.this.json }}
output "defaults" {{ value = data.irsa_discovery_document.defaults }}
"#
        ),
    );
    wd.apply_ok();
    let text = wd.output("json");
    let doc: Json = serde_json::from_str(text.as_str().unwrap()).unwrap();
    assert_eq!(doc["issuer"], json!(url), "{version:?}");
    assert_eq!(doc["jwks_uri"], json!("https://keys.example.com/prod.json"));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["ES256", "RS256"])
    );
    assert_eq!(
        doc["authorization_endpoint"],
        json!("urn:kubernetes:programmatic_authorization")
    );
    let defaults = wd.output("defaults");
    assert_eq!(
        defaults["signing_algorithms"],
        json!(["RS256"]),
        "{version:?}"
    );
    let doc: Json = serde_json::from_str(defaults["json"].as_str().unwrap()).unwrap();
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(wd.plan_exit_code(), 0, "{version:?}");

    wd.write(
        "main.tf",
        &format!(
            "{HEADER}\n\
             data \"irsa_discovery_document\" \"x\" {{\n  issuer_url = \"{url}\"\n  jwks_uri = \"http://keys.example.com/k\"\n}}\n"
        ),
    );
    let text = wd.plan().assert_failure().combined();
    assert!(text.contains("Invalid JWKS URI"), "{version:?}: {text}");
    assert!(
        text.contains("jwks_uri = \"http://keys.example.com/k\""),
        "{version:?}: {text}"
    );
}
per_version!(the_data_source_renders_what_it_is_given);

/// The OIDC provider is created through the same path as in S3: an answer
/// lost on the way (each way the fault proxy breaks a call) converges on one
/// provider, the one in the state; a provider that existed before for the
/// URL is refused, named, and left as it was.
fn lost_answers_converge_and_a_foreign_provider_is_never_adopted(version: TfVersion) {
    let moto = Moto::shared();
    let proxy = FaultProxy::start(&moto.endpoint());
    let host_path = format!("oidc-{}.example.com/c", random_suffix());
    let url = format!("https://{host_path}");
    let thumbprint = "c".repeat(40);
    let body = format!(
        r#"{}
resource "irsa_issuer" "this" {{
  hosting     = "external"
  issuer_url  = "{url}"
  thumbprints = ["{thumbprint}"]
}}
"#,
        moto.provider_config_with_iam(&proxy.endpoint())
    );
    for fault in Fault::MATRIX {
        let ctx = format!("{version:?} {fault:?}");
        let wd = workdir(moto, version);
        wd.write("main.tf", &body);
        proxy.arm("iam:CreateOpenIDConnectProvider", fault);
        let first = wd.apply();
        proxy.disarm();
        assert!(proxy.faulted() > 0, "{ctx}: the call was broken");
        if !first.success {
            wd.apply_ok();
        }
        assert_eq!(wd.plan_exit_code(), 0, "{ctx}: converged");
        let providers = providers_for(moto, &host_path);
        assert_eq!(providers.len(), 1, "{ctx}: {providers:?}");
        assert_eq!(attributes(&wd)["oidc_provider_arn"], providers[0]["arn"]);
        wd.destroy_ok();
        assert!(providers_for(moto, &host_path).is_empty(), "{ctx}");
    }

    let foreign = moto.boto(&format!(
        "out = iam.create_open_id_connect_provider(Url='{url}', ClientIDList=['sts.amazonaws.com'], \
         ThumbprintList=['{thumbprint}'])['OpenIDConnectProviderArn']"
    ));
    let wd = workdir(moto, version);
    wd.write("main.tf", &body);
    let text = wd.apply().assert_failure().combined();
    assert!(text.contains("OIDC provider exists already"), "{text}");
    assert!(
        text.contains(&format!("terraform import <address> {url}")),
        "{text}"
    );
    let providers = providers_for(moto, &host_path);
    assert_eq!(providers.len(), 1, "{version:?}: {providers:?}");
    assert_eq!(providers[0]["arn"], foreign);
    assert_eq!(providers[0]["tags"], json!({}), "not tagged as taken over");
    wd.destroy_ok();
    assert_eq!(providers_for(moto, &host_path).len(), 1, "left alone");
    moto.boto(&format!(
        "iam.delete_open_id_connect_provider(OpenIDConnectProviderArn={foreign})"
    ));
}
per_version!(lost_answers_converge_and_a_foreign_provider_is_never_adopted);

/// A state written before `hosting` existed (no such attribute) is an
/// issuer in S3: the next plan neither replaces nor changes it.
fn a_state_from_before_hosting_plans_no_change(version: TfVersion) {
    let moto = Moto::shared();
    let bucket = format!("irsa-old-{}", random_suffix());
    let wd = workdir(moto, version);
    wd.write(
        "main.tf",
        &format!(
            "{}\nresource \"irsa_issuer\" \"this\" {{\n  bucket = \"{bucket}\"\n}}\n",
            moto.provider_config()
        ),
    );
    wd.apply_ok();
    let pulled = wd.run(&["state", "pull"]).assert_success();
    let mut state: Json = serde_json::from_str(&pulled.stdout).unwrap();
    state["serial"] = json!(state["serial"].as_u64().unwrap() + 1);
    let attrs = &mut state["resources"][0]["instances"][0]["attributes"];
    assert_eq!(attrs["hosting"], json!("s3"));
    for name in ["hosting", "ca_certificate_pem"] {
        attrs.as_object_mut().unwrap().remove(name);
    }
    wd.write("old.tfstate", &state.to_string());
    wd.run(&["state", "push", "old.tfstate"]).assert_success();
    assert_eq!(
        attributes(&wd)["hosting"],
        Json::Null,
        "{version:?}: pushed"
    );
    let plan = wd.plan_detailed();
    assert_eq!(plan.code, Some(0), "{version:?}: no change:\n{plan}");
    // An apply keeps what the refresh read: the hosting it is.
    let applied = wd.apply_ok();
    assert!(
        applied.stdout.contains("0 added, 0 changed, 0 destroyed"),
        "{applied}"
    );
    assert_eq!(attributes(&wd)["hosting"], json!("s3"));
    wd.destroy_ok();
}
per_version!(a_state_from_before_hosting_plans_no_change);
