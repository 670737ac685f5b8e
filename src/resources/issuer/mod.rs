//! `irsa_issuer`: a public OIDC issuer in S3, registered with IAM.
//!
//! It writes the discovery document into a bucket (created here, or one
//! that exists), publishes exactly the discovery document and the JWKS with
//! bucket-policy statements of its own, and registers the issuer as an IAM
//! OpenID Connect provider.
//!
//! Refresh reports what AWS holds (the document's bytes, this issuer's
//! policy statements, the provider and its settings), while plan computes
//! what should be there, so any change made outside Terraform shows as a
//! change and the next apply repairs it in place.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::aws::{self, found, oidc_provider, s3, AwsError};
use crate::context::ProviderData;
use crate::domain::bucket_policy::{self, PolicyChange};
use crate::domain::discovery::{self, DiscoveryDocument};
use crate::domain::issuer::validate_issuer_url;
use crate::domain::oidc_provider::{self as provider_rules, same_thumbprints};
use crate::domain::s3_issuer::{self, S3Issuer, UrlStyle};
use crate::errors::ToDiagnostic;
use crate::framework::model::string as text;
use crate::tfplugin::{
    ApplyRequest, AttrPath, Attribute, Block, CancellationToken, Diagnostic, Diagnostics, Mode,
    PlanRequest, Planned, Resource, Schema, Type, Value,
};

pub struct Issuer;

/// Attributes whose change makes a new issuer.
const REPLACING: &[&str] = &["bucket", "create_bucket", "prefix", "region", "url_style"];

/// How long a fresh bucket's public-access settings may take to allow the
/// bucket policy.
const POLICY_PROPAGATION: Duration = Duration::from_secs(30);

pub fn schema() -> Schema {
    let styles = UrlStyle::ALL
        .iter()
        .map(|(_, n)| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    let algorithms = discovery::SIGNING_ALGORITHMS.join("`, `");
    let s = |name: &str, mode, desc: &str| Attribute::new(name, Type::String, mode, desc);
    Schema {
        version: 0,
        block: Block {
            description: "A public OIDC issuer for a self-hosted cluster's service-account tokens, published in S3 \
                          and registered with IAM, as EKS does for its clusters. Writes \
                          `/.well-known/openid-configuration` into the bucket, makes exactly that document and the \
                          JWKS publicly readable (and nothing else), and creates the IAM OpenID Connect provider. \
                          Write the JWKS itself at `jwks_key` with `irsa_jwks`. Changes made outside Terraform to \
                          the document, the policy statements or the provider show in the next plan and are \
                          repaired in place."
                .into(),
            attributes: vec![
                s(
                    "bucket",
                    Mode::Required,
                    "S3 bucket that serves the issuer. Checked against the S3 naming rules at plan time. Changing \
                     it makes a new issuer.",
                ),
                Attribute::new(
                    "create_bucket",
                    Type::Bool,
                    Mode::OptionalComputed,
                    "Create the bucket (default `true`), with ACLs disabled (`BucketOwnerEnforced`) and Block \
                     Public Access blocking ACLs but allowing the issuer's policy. With `false`, the bucket must \
                     exist: only this issuer's own policy statements (their `Sid`s carry a hash of `prefix`, so \
                     several issuers can share a bucket) are added and later removed, and everything else in the \
                     bucket and its policy is left alone. Account-wide Block Public Access must not block public \
                     bucket policies. Changing it makes a new issuer.",
                ),
                s(
                    "prefix",
                    Mode::Optional,
                    "Path of the issuer inside the bucket, e.g. `clusters/prod`, without a leading or trailing \
                     slash. Default: the bucket's root. Changing it makes a new issuer.",
                ),
                s(
                    "region",
                    Mode::OptionalComputed,
                    "Region of the bucket, which appears in the issuer URL. `cn-*` regions use `amazonaws.com.cn` \
                     and the `aws-cn` partition, `us-gov-*` regions the `aws-us-gov` partition. Default: the \
                     provider's region when the issuer is created. Changing it makes a new issuer.",
                ),
                s(
                    "url_style",
                    Mode::OptionalComputed,
                    &format!(
                        "How the issuer URL addresses the bucket: {styles}. `virtual-hosted` (default) gives \
                         `https://<bucket>.s3.<region>.amazonaws.com[/<prefix>]`, and needs a bucket name \
                         without dots (S3's wildcard certificate does not cover them); `path` gives \
                         `https://s3.<region>.amazonaws.com/<bucket>[/<prefix>]`. Changing it makes a new issuer."
                    ),
                ),
                s(
                    "jwks_path",
                    Mode::OptionalComputed,
                    "Path of the JWKS relative to the issuer, announced as `jwks_uri`. Default `keys.json`.",
                ),
                Attribute::new(
                    "client_ids",
                    Type::set(Type::String),
                    Mode::OptionalComputed,
                    "Audiences IAM accepts in tokens (the provider's client IDs). Default \
                     `[\"sts.amazonaws.com\"]`, the audience the AWS SDKs use. Updated in place.",
                ),
                Attribute::new(
                    "thumbprints",
                    Type::set(Type::String),
                    Mode::OptionalComputed,
                    "SHA-1 thumbprints (40 hex digits, at most 5) of the issuer's top CA certificate. Leave unset \
                     for S3: IAM then obtains and trusts S3's certificate itself, and whatever IAM records is \
                     shown here without ever causing a change. When set, they are enforced and updated in place.",
                ),
                Attribute::new(
                    "signing_algorithms",
                    Type::list(Type::String),
                    Mode::OptionalComputed,
                    &format!(
                        "The JWS algorithms of the cluster's token signer, announced as \
                         `id_token_signing_alg_values_supported`: `{algorithms}`. Default `[\"RS256\"]`, \
                         kube-apiserver's choice for RSA keys."
                    ),
                ),
                Attribute::new(
                    "tags",
                    Type::map(Type::String),
                    Mode::Optional,
                    "Tags for the IAM OIDC provider, and for the bucket when it is created here. Updated in place.",
                ),
                Attribute::new(
                    "force_destroy",
                    Type::Bool,
                    Mode::OptionalComputed,
                    "Let destroy delete objects this issuer did not write (such as a JWKS written by hand) from a \
                     bucket created here, so the bucket can go. Default `false`: destroy then fails and names \
                     them. A bucket that was not created here keeps every object except the discovery document.",
                ),
                s("id", Mode::Computed, "`<bucket>` or `<bucket>/<prefix>`, also the import id."),
                s(
                    "issuer_url",
                    Mode::Computed,
                    "The issuer URL, for `--service-account-issuer`: the public S3 URL, never with a trailing \
                     slash. Endpoint overrides of the provider do not change it.",
                ),
                s(
                    "issuer_host_path",
                    Mode::Computed,
                    "The issuer URL without `https://`: the prefix of the IAM condition keys `<host_path>:sub` \
                     and `<host_path>:aud` in trust policies.",
                ),
                s("jwks_uri", Mode::Computed, "Public URL of the JWKS, for `--service-account-jwks-uri`."),
                s(
                    "discovery_key",
                    Mode::Computed,
                    "Object key of the discovery document: `[<prefix>/].well-known/openid-configuration`.",
                ),
                s(
                    "jwks_key",
                    Mode::Computed,
                    "Object key where the JWKS belongs (`[<prefix>/]<jwks_path>`), e.g. for `irsa_jwks`.",
                ),
                s(
                    "oidc_provider_arn",
                    Mode::Computed,
                    "ARN of the IAM OpenID Connect provider, the `Federated` principal of role trust policies.",
                ),
                s("bucket_arn", Mode::Computed, "ARN of the bucket."),
                s(
                    "discovery_json",
                    Mode::Computed,
                    "The published discovery document. Refresh reads the object, so an edited or deleted \
                     document shows as a change.",
                ),
                s(
                    "bucket_policy_statements",
                    Mode::Computed,
                    "This issuer's statements in the bucket policy, as a JSON array: public `s3:GetObject` on \
                     the discovery document and the JWKS only, and a `Deny` of requests without TLS (on the \
                     whole bucket when it is created here, else on those two objects). Refresh reads them back, \
                     so removed or edited statements show as a change.",
                ),
            ],
            blocks: vec![],
        },
    }
}

// ------------------------------------------------------------------ model

fn tags_of(v: &Value) -> BTreeMap<String, String> {
    v.attr("tags")
        .as_entries()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn tags_value(tags: &BTreeMap<String, String>) -> Value {
    Value::Map(
        tags.iter()
            .map(|(k, v)| (k.clone(), Value::string(v)))
            .collect(),
    )
}

fn string_set(items: &[String]) -> Value {
    let mut items = items.to_vec();
    items.sort();
    items.dedup();
    Value::Set(items.into_iter().map(Value::String).collect())
}

/// The issuer's location, when every attribute it depends on is known.
fn location(v: &Value) -> Option<S3Issuer> {
    let prefix = match v.attr("prefix") {
        Value::Null => None,
        Value::String(p) => Some(p.clone()),
        _ => return None,
    };
    Some(S3Issuer {
        bucket: text(v, "bucket")?,
        prefix,
        region: text(v, "region")?,
        url_style: UrlStyle::parse(v.attr("url_style").as_str()?)?,
        jwks_path: text(v, "jwks_path")?,
    })
}

/// The discovery document and policy statements an issuer state asks for.
fn wanted_document(issuer: &S3Issuer, v: &Value) -> Option<String> {
    let algorithms = v.attr("signing_algorithms").as_string_vec()?;
    Some(DiscoveryDocument::new(&issuer.issuer_url(), &issuer.jwks_uri(), &algorithms).to_json())
}

fn wanted_statements(issuer: &S3Issuer, v: &Value) -> Option<Vec<bucket_policy::Statement>> {
    let ours = v.attr("create_bucket").as_bool()?;
    Some(bucket_policy::issuer_statements(issuer, ours))
}

/// Fill in the attributes computed from the inputs; unknown where an input
/// they depend on is unknown.
fn derive(v: &mut Value) {
    let issuer = location(v);
    let set = |v: &mut Value, name: &str, x: Option<String>| {
        v.set_attr(name, x.map_or(Value::Unknown, Value::String))
    };
    set(v, "id", issuer.as_ref().map(S3Issuer::id));
    set(v, "issuer_url", issuer.as_ref().map(S3Issuer::issuer_url));
    set(
        v,
        "issuer_host_path",
        issuer.as_ref().map(S3Issuer::issuer_host_path),
    );
    set(v, "jwks_uri", issuer.as_ref().map(S3Issuer::jwks_uri));
    set(
        v,
        "discovery_key",
        issuer.as_ref().map(S3Issuer::discovery_key),
    );
    set(v, "jwks_key", issuer.as_ref().map(S3Issuer::jwks_key));
    set(v, "bucket_arn", issuer.as_ref().map(S3Issuer::bucket_arn));
    let doc = issuer.as_ref().and_then(|i| wanted_document(i, v));
    set(v, "discovery_json", doc);
    let statements = issuer
        .as_ref()
        .and_then(|i| wanted_statements(i, v))
        .map(|s| bucket_policy::statements_json(&s));
    set(v, "bucket_policy_statements", statements);
}

/// Replace every unknown top-level value with null: a state after apply
/// must be wholly known, also when apply stopped half-way.
fn known_or_null(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k, if x.is_wholly_known() { x } else { Value::Null }))
                .collect(),
        ),
        other => other,
    }
}

// ------------------------------------------------------------- validation

fn check_config(config: &Value, diags: &mut Diagnostics) {
    let at = |e: &dyn ToDiagnostic, name: &str| e.to_diagnostic().at(AttrPath::attr(name));
    let bucket = config.attr("bucket").as_str();
    if let Some(b) = bucket {
        if let Err(e) = s3_issuer::validate_bucket_name(b) {
            diags.push(at(&e, "bucket"));
        }
    }
    match config.attr("url_style") {
        Value::String(s) => match UrlStyle::parse(s) {
            Some(style) => {
                if let Some(Err(e)) = bucket.map(|b| s3_issuer::validate_bucket_for_style(b, style))
                {
                    diags.push(at(&e, "bucket"));
                }
            }
            None => diags.push(
                Diagnostic::error(
                    "Invalid URL style",
                    format!(
                        "{s:?} is not a URL style; use one of: {}.",
                        UrlStyle::ALL.map(|(_, n)| format!("{n:?}")).join(", ")
                    ),
                )
                .at(AttrPath::attr("url_style")),
            ),
        },
        Value::Null => {
            if let Some(Err(e)) =
                bucket.map(|b| s3_issuer::validate_bucket_for_style(b, UrlStyle::VirtualHosted))
            {
                diags.push(at(&e, "bucket"));
            }
        }
        _ => {}
    }
    if let Some(p) = config.attr("prefix").as_str() {
        if let Err(e) = s3_issuer::validate_prefix(p) {
            diags.push(at(&e, "prefix"));
        }
    }
    if let Some(p) = config.attr("jwks_path").as_str() {
        if let Err(e) = s3_issuer::validate_jwks_path(p) {
            diags.push(at(&e, "jwks_path"));
        }
    }
    if let Some(r) = config.attr("region").as_str() {
        let ok = r.contains('-')
            && r.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            diags.push(
                Diagnostic::error(
                    "Invalid region",
                    format!("{r:?} is not an AWS region name such as \"eu-west-1\"."),
                )
                .at(AttrPath::attr("region")),
            );
        }
    }
    if let Some(items) = config.attr("client_ids").as_elements() {
        if let Err(e) = provider_rules::validate_client_id_count(items.len()) {
            diags.push(at(&e, "client_ids"));
        }
        for id in items.iter().filter_map(Value::as_str) {
            if let Err(e) = provider_rules::validate_client_id(id) {
                diags.push(at(&e, "client_ids"));
            }
        }
    }
    if let Some(items) = config.attr("thumbprints").as_elements() {
        if let Err(e) = provider_rules::validate_thumbprint_count(items.len()) {
            diags.push(at(&e, "thumbprints"));
        }
        for t in items.iter().filter_map(Value::as_str) {
            if let Err(e) = provider_rules::validate_thumbprint(t) {
                diags.push(at(&e, "thumbprints"));
            }
        }
    }
    if let Some(items) = config.attr("signing_algorithms").as_elements() {
        if items.is_empty() {
            diags.push(
                Diagnostic::error(
                    "No signing algorithm",
                    "Name at least one, e.g. [\"RS256\"].",
                )
                .at(AttrPath::attr("signing_algorithms")),
            );
        }
        for (i, alg) in items.iter().enumerate() {
            if let Some(Err(e)) = alg.as_str().map(discovery::validate_signing_algorithm) {
                diags.push(
                    e.to_diagnostic()
                        .at(AttrPath::attr("signing_algorithms").then_index(i)),
                );
            }
        }
    }
}

// ----------------------------------------------------------------- plan

fn plan_state(data: &ProviderData, req: &PlanRequest, diags: &mut Diagnostics) -> Value {
    let config = &req.config;
    let prior = &req.prior;
    let mut v = req.proposed.clone();
    let default = |v: &mut Value, name: &str, d: Value| {
        if config.attr(name).is_null() {
            v.set_attr(name, d);
        }
    };
    default(&mut v, "create_bucket", Value::Bool(true));
    default(
        &mut v,
        "url_style",
        Value::string(UrlStyle::VirtualHosted.name()),
    );
    default(
        &mut v,
        "jwks_path",
        Value::string(s3_issuer::DEFAULT_JWKS_PATH),
    );
    default(
        &mut v,
        "client_ids",
        string_set(&[provider_rules::DEFAULT_CLIENT_ID.to_owned()]),
    );
    default(
        &mut v,
        "signing_algorithms",
        Value::strings([discovery::DEFAULT_SIGNING_ALGORITHM]),
    );
    default(&mut v, "force_destroy", Value::Bool(false));
    if config.attr("region").is_null() {
        // An existing issuer stays where its bucket is.
        let region = match prior.attr("region") {
            Value::String(r) => Value::string(r),
            _ => match data.region() {
                Ok(r) => Value::string(r),
                Err(d) => {
                    diags.push(d.at(AttrPath::attr("region")));
                    Value::Unknown
                }
            },
        };
        v.set_attr("region", region);
    }
    if config.attr("thumbprints").is_null() && prior.is_null() {
        // IAM decides; known after apply.
        v.set_attr("thumbprints", Value::Unknown);
    }
    derive(&mut v);
    let arn = prior.attr("oidc_provider_arn");
    v.set_attr(
        "oidc_provider_arn",
        if arn.is_null() {
            Value::Unknown
        } else {
            arn.clone()
        },
    );
    if let Some(i) = location(&v) {
        let name = if i.prefix.is_some() {
            "prefix"
        } else {
            "bucket"
        };
        if let Err(e) = validate_issuer_url(&i.issuer_url()) {
            diags.push(e.to_diagnostic().at(AttrPath::attr(name)));
        }
    }
    v
}

// ----------------------------------------------------------------- apply

fn interrupted() -> Diagnostic {
    Diagnostic::error(
        "Interrupted",
        "Terraform asked the provider to stop. What was done so far is recorded in the state; the next apply \
         finishes the issuer.",
    )
}

/// The AWS side of one apply.
struct Aws<'a> {
    s3: aws_sdk_s3::Client,
    iam: &'a aws_sdk_iam::Client,
}

impl<'a> Aws<'a> {
    fn new(data: &'a ProviderData, issuer: &S3Issuer) -> Aws<'a> {
        Aws {
            s3: s3::client_for_region(&data.aws.s3, &issuer.region),
            iam: &data.aws.iam,
        }
    }
}

/// A hint for the errors that come from account-wide settings.
fn with_policy_hint(e: AwsError) -> Diagnostic {
    let mut d = e.to_diagnostic();
    if e.code() == Some("AccessDenied") {
        d.detail.push_str(
            "\n\nS3 refused the public-read policy. If the account's S3 Block Public Access settings block public \
             bucket policies (BlockPublicPolicy), the issuer cannot be public: IAM and every other OIDC client \
             must read the discovery document anonymously. Allow public bucket policies for this bucket's \
             account, or check that the credentials may call s3:PutBucketPolicy.",
        );
    }
    d
}

/// A lock per bucket around the read-modify-write of its policy, so that
/// issuers sharing a bucket and applied in parallel by one Terraform run
/// keep each other's statements.
fn policy_lock(bucket: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    locks.entry(bucket.to_owned()).or_default().clone()
}

/// Write this issuer's statements into the bucket policy.
async fn put_statements(
    aws: &Aws<'_>,
    issuer: &S3Issuer,
    statements: &[bucket_policy::Statement],
    fresh_public_access: bool,
) -> Result<(), Diagnostic> {
    let lock = policy_lock(&issuer.bucket);
    let _guard = lock.lock().await;
    let current = s3::policy(&aws.s3, &issuer.bucket)
        .await
        .map_err(|e| e.to_diagnostic())?;
    let change = bucket_policy::merge(current.as_deref(), statements)
        .map_err(|e| e.to_diagnostic().at(AttrPath::attr("bucket")))?;
    if let PolicyChange::Put(policy) = change {
        // Right after Block Public Access changed, S3 may still refuse a
        // public policy for a few seconds.
        let bound = if fresh_public_access {
            POLICY_PROPAGATION
        } else {
            Duration::ZERO
        };
        aws::retry::retry_while(
            bound,
            |e| e.code() == Some("AccessDenied"),
            || s3::put_policy(&aws.s3, &issuer.bucket, &policy),
        )
        .await
        .map_err(with_policy_hint)?;
    }
    Ok(())
}

/// Take this issuer's statements out of the bucket policy.
async fn remove_statements(aws: &Aws<'_>, issuer: &S3Issuer, ours: bool) -> Result<(), AwsError> {
    let sids = bucket_policy::sids(&bucket_policy::issuer_statements(issuer, ours));
    let lock = policy_lock(&issuer.bucket);
    let _guard = lock.lock().await;
    let current = s3::policy(&aws.s3, &issuer.bucket).await?;
    match bucket_policy::remove(current.as_deref(), &sids) {
        Ok(PolicyChange::Put(p)) => s3::put_policy(&aws.s3, &issuer.bucket, &p).await,
        Ok(PolicyChange::Delete) => s3::delete_policy(&aws.s3, &issuer.bucket).await,
        Ok(PolicyChange::Unchanged) => Ok(()),
        // A policy S3 accepted but we cannot read: leave it be.
        Err(e) => {
            log::warn!("bucket policy of {}: {e}", issuer.bucket);
            Ok(())
        }
    }
}

/// Create the IAM provider, or adopt the one that already exists for this
/// URL (left behind by an interrupted apply or a lost state).
async fn create_or_adopt_provider(
    aws: &Aws<'_>,
    issuer: &S3Issuer,
    want: &Value,
    thumbprints: Option<&[String]>,
) -> Result<String, AwsError> {
    let client_ids = want.attr("client_ids").as_string_vec().unwrap_or_default();
    let url = issuer.issuer_url();
    match oidc_provider::create(aws.iam, &url, &client_ids, thumbprints, &tags_of(want)).await {
        Ok(arn) => Ok(arn),
        Err(e) if e.code() == Some(oidc_provider::ALREADY_EXISTS) => {
            match oidc_provider::find_by_url(aws.iam, &issuer.issuer_host_path()).await? {
                Some(arn) => {
                    log::info!("adopting the existing OIDC provider {arn}");
                    Ok(arn)
                }
                None => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// Create or update: make AWS match `want`, starting from what `prior`
/// (null on create) says exists. Returns the state that is true afterwards.
async fn converge(
    data: &ProviderData,
    prior: &Value,
    mut want: Value,
    config: &Value,
    stop: &CancellationToken,
    diags: &mut Diagnostics,
) -> Value {
    derive(&mut want);
    let creating = prior.is_null();
    let Some(issuer) = location(&want) else {
        diags.push(Diagnostic::error(
            "Incomplete issuer configuration",
            "The bucket, prefix, region, URL style or JWKS path is still unknown at apply time.",
        ));
        return known_or_null(prior.clone());
    };
    let ours = want.attr("create_bucket").as_bool().unwrap_or(true);
    let aws = Aws::new(data, &issuer);
    let wanted_tags = tags_of(&want);
    let thumbprints_wanted = config.attr("thumbprints").as_string_vec();

    // What is true so far: on create nothing exists; on update the refreshed
    // prior state says what does.
    let mut truth = if creating {
        let mut t = want.clone();
        for name in [
            "discovery_json",
            "bucket_policy_statements",
            "oidc_provider_arn",
        ] {
            t.set_attr(name, Value::Null);
        }
        t.set_attr("tags", Value::Null);
        t
    } else {
        let mut t = want.clone();
        for name in [
            "discovery_json",
            "bucket_policy_statements",
            "oidc_provider_arn",
            "client_ids",
            "thumbprints",
            "tags",
        ] {
            t.set_attr(name, prior.attr(name).clone());
        }
        t
    };
    let mut exists = !creating;

    macro_rules! step {
        ($r:expr) => {
            match $r {
                Ok(v) => v,
                Err(d) => {
                    diags.push(d);
                    return if exists {
                        known_or_null(truth)
                    } else {
                        Value::Null
                    };
                }
            }
        };
    }
    macro_rules! checkpoint {
        () => {
            if stop.is_cancelled() {
                diags.push(interrupted());
                return if exists {
                    known_or_null(truth)
                } else {
                    Value::Null
                };
            }
        };
    }
    let d = |e: AwsError| e.to_diagnostic();

    // The bucket and its settings.
    let mut fresh_public_access = false;
    if ours {
        if creating {
            step!(s3::create_bucket(&aws.s3, &issuer.bucket, &issuer.region)
                .await
                .map_err(|e| {
                    let mut diag = e.to_diagnostic().at(AttrPath::attr("bucket"));
                    if e.code() == Some("BucketAlreadyOwnedByYou") {
                        diag.detail.push_str(
                            "\n\nThe bucket exists already. To use it, set create_bucket = false, or import the \
                             issuer (terraform import <address> <bucket>[/<prefix>]).",
                        );
                    }
                    diag
                }));
            exists = true;
            checkpoint!();
        }
        step!(s3::enforce_bucket_owner(&aws.s3, &issuer.bucket)
            .await
            .map_err(d));
        step!(s3::allow_public_policy(&aws.s3, &issuer.bucket)
            .await
            .map_err(d));
        fresh_public_access = creating;
        if creating && !wanted_tags.is_empty() || !creating && tags_of(prior) != wanted_tags {
            step!(s3::set_bucket_tags(&aws.s3, &issuer.bucket, &wanted_tags)
                .await
                .map_err(d));
        }
        checkpoint!();
    }

    // The discovery document.
    let document = want.attr("discovery_json").clone();
    if truth.attr("discovery_json") != &document {
        step!(s3::put_json(
            &aws.s3,
            &issuer.bucket,
            &issuer.discovery_key(),
            document.as_str().unwrap_or_default()
        )
        .await
        .map_err(d));
        exists = true;
        truth.set_attr("discovery_json", document);
        checkpoint!();
    }

    // The policy statements.
    let statements = want.attr("bucket_policy_statements").clone();
    if truth.attr("bucket_policy_statements") != &statements {
        let wanted = wanted_statements(&issuer, &want).unwrap_or_default();
        step!(put_statements(&aws, &issuer, &wanted, fresh_public_access).await);
        truth.set_attr("bucket_policy_statements", statements);
        checkpoint!();
    }

    // The IAM OIDC provider.
    let client_ids = want.attr("client_ids").as_string_vec().unwrap_or_default();
    let oidc_changed = truth.attr("oidc_provider_arn").is_null()
        || sorted(&truth.attr("client_ids").as_string_vec().unwrap_or_default())
            != sorted(&client_ids)
        || thumbprints_wanted.as_ref().is_some_and(|t| {
            !same_thumbprints(
                t,
                &truth
                    .attr("thumbprints")
                    .as_string_vec()
                    .unwrap_or_default(),
            )
        })
        || tags_of(&truth) != wanted_tags;
    if oidc_changed {
        let known = match truth.attr("oidc_provider_arn").as_str() {
            Some(arn) => step!(found(oidc_provider::get(aws.iam, arn).await).map_err(d)),
            None => None,
        };
        let current = match known {
            Some(p) => p,
            None => {
                let arn = step!(create_or_adopt_provider(
                    &aws,
                    &issuer,
                    &want,
                    thumbprints_wanted.as_deref()
                )
                .await
                .map_err(d));
                exists = true;
                truth.set_attr("oidc_provider_arn", Value::string(&arn));
                step!(oidc_provider::get(aws.iam, &arn).await.map_err(d))
            }
        };
        let arn = current.arn.clone();
        truth.set_attr("oidc_provider_arn", Value::string(&arn));
        step!(
            oidc_provider::update_client_ids(aws.iam, &arn, &current.client_ids, &client_ids)
                .await
                .map_err(d)
        );
        truth.set_attr("client_ids", string_set(&client_ids));
        let thumbprints = match &thumbprints_wanted {
            Some(t) if !same_thumbprints(t, &current.thumbprints) => {
                step!(oidc_provider::set_thumbprints(aws.iam, &arn, t)
                    .await
                    .map_err(d));
                t.clone()
            }
            Some(t) => t.clone(),
            None => current.thumbprints.clone(),
        };
        truth.set_attr("thumbprints", string_set(&thumbprints));
        step!(
            oidc_provider::update_tags(aws.iam, &arn, &current.tags, &wanted_tags)
                .await
                .map_err(d)
        );
    }
    truth.set_attr("tags", want.attr("tags").clone());
    known_or_null(truth)
}

fn sorted(items: &[String]) -> Vec<String> {
    let mut v = items.to_vec();
    v.sort();
    v.dedup();
    v
}

/// Destroy: the discovery document, this issuer's policy statements, the
/// IAM provider, and the bucket when it was created here.
async fn destroy(data: &ProviderData, prior: &Value, diags: &mut Diagnostics) -> Value {
    let Some(issuer) = location(prior) else {
        return Value::Null;
    };
    let ours = prior.attr("create_bucket").as_bool().unwrap_or(true);
    let force = prior.attr("force_destroy").as_bool().unwrap_or(false);
    let aws = Aws::new(data, &issuer);
    let mut truth = prior.clone();
    let fail = |diags: &mut Diagnostics, d: Diagnostic, truth: Value| {
        diags.push(d);
        truth
    };

    // Refuse before touching anything when the bucket would have to go
    // with objects this issuer did not write.
    let mut bucket_exists = true;
    if ours && !force {
        match found(s3::all_objects(&aws.s3, &issuer.bucket).await) {
            Ok(Some(objects)) => {
                let own = [issuer.discovery_key()];
                if let Err(e) = s3_issuer::check_only_own_objects(
                    &issuer.bucket,
                    objects.into_iter().map(|o| o.key),
                    &own,
                ) {
                    return fail(
                        diags,
                        e.to_diagnostic().at(AttrPath::attr("force_destroy")),
                        truth,
                    );
                }
            }
            Ok(None) => bucket_exists = false,
            Err(e) => return fail(diags, e.to_diagnostic(), truth),
        }
    }

    if bucket_exists {
        match found(s3::delete_object(&aws.s3, &issuer.bucket, &issuer.discovery_key()).await) {
            Ok(Some(())) => truth.set_attr("discovery_json", Value::Null),
            Ok(None) => bucket_exists = false,
            Err(e) => return fail(diags, e.to_diagnostic(), truth),
        }
    }
    if bucket_exists && !ours {
        if let Err(e) = found(remove_statements(&aws, &issuer, ours).await) {
            return fail(diags, e.to_diagnostic(), truth);
        }
        truth.set_attr("bucket_policy_statements", Value::Null);
    }

    let arn = match prior.attr("oidc_provider_arn").as_str() {
        Some(a) => Some(a.to_owned()),
        None => match oidc_provider::find_by_url(aws.iam, &issuer.issuer_host_path()).await {
            Ok(a) => a,
            Err(e) => return fail(diags, e.to_diagnostic(), truth),
        },
    };
    if let Some(arn) = arn {
        if let Err(e) = found(oidc_provider::delete(aws.iam, &arn).await) {
            return fail(diags, e.to_diagnostic(), truth);
        }
        truth.set_attr("oidc_provider_arn", Value::Null);
    }

    if ours && bucket_exists {
        let emptied = async {
            if let Some(objects) = found(s3::all_objects(&aws.s3, &issuer.bucket).await)? {
                let own = [issuer.discovery_key()];
                if !force {
                    let keys = objects.iter().map(|o| o.key.clone());
                    if let Err(e) = s3_issuer::check_only_own_objects(&issuer.bucket, keys, &own) {
                        return Ok(Err(e));
                    }
                }
                s3::delete_objects(&aws.s3, &issuer.bucket, &objects).await?;
                found(s3::delete_bucket(&aws.s3, &issuer.bucket).await)?;
            }
            Ok::<_, AwsError>(Ok(()))
        };
        match emptied.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                return fail(
                    diags,
                    e.to_diagnostic().at(AttrPath::attr("force_destroy")),
                    truth,
                )
            }
            Err(e) => return fail(diags, e.to_diagnostic(), truth),
        }
    }
    Value::Null
}

// ------------------------------------------------------------------ read

/// Pick what refresh reports for `tags`: the first source that differs
/// from the state (so any drift shows), else the state's own value.
fn reported_tags(prior: &Value, sources: &[BTreeMap<String, String>]) -> Value {
    let current = tags_of(prior);
    match sources.iter().find(|t| **t != current) {
        Some(t) if t.is_empty() && prior.attr("tags").is_null() => Value::Null,
        Some(t) => tags_value(t),
        None => prior.attr("tags").clone(),
    }
}

async fn refresh(data: &ProviderData, state: Value, diags: &mut Diagnostics) -> Option<Value> {
    let Some(issuer) = location(&state) else {
        return Some(state);
    };
    let ours = state.attr("create_bucket").as_bool().unwrap_or(true);
    let aws = Aws::new(data, &issuer);
    let arn = text(&state, "oidc_provider_arn");
    let key = issuer.discovery_key();
    let (document, policy, provider, bucket_tags) = tokio::join!(
        s3::get_text(&aws.s3, &issuer.bucket, &key),
        s3::policy(&aws.s3, &issuer.bucket),
        async {
            match &arn {
                Some(a) => found(oidc_provider::get(aws.iam, a).await),
                None => Ok(None),
            }
        },
        async {
            if ours {
                s3::bucket_tags(&aws.s3, &issuer.bucket).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    // The bucket is gone: so is the issuer.
    if [document.as_ref().err(), policy.as_ref().err()]
        .iter()
        .flatten()
        .any(|e| e.is_not_found())
    {
        return None;
    }
    let mut v = state.clone();
    let mut errors = Vec::new();
    match document {
        Ok(doc) => v.set_attr("discovery_json", Value::opt_string(doc)),
        Err(e) => errors.push(e.to_diagnostic()),
    }
    match policy {
        Ok(p) => {
            let wanted = wanted_statements(&issuer, &state).unwrap_or_default();
            match bucket_policy::reported(p.as_deref(), &wanted) {
                Ok(r) => v.set_attr("bucket_policy_statements", Value::opt_string(r)),
                Err(e) => errors.push(e.to_diagnostic()),
            }
        }
        Err(e) => errors.push(e.to_diagnostic()),
    }
    let mut tag_sources = Vec::new();
    match provider {
        Ok(Some(p)) => {
            v.set_attr("client_ids", string_set(&p.client_ids));
            let prior_thumbprints = state
                .attr("thumbprints")
                .as_string_vec()
                .unwrap_or_default();
            if !same_thumbprints(&prior_thumbprints, &p.thumbprints) {
                v.set_attr("thumbprints", string_set(&p.thumbprints));
            }
            tag_sources.push(p.tags);
        }
        Ok(None) => v.set_attr("oidc_provider_arn", Value::Null),
        Err(e) => errors.push(e.to_diagnostic()),
    }
    match bucket_tags {
        Ok(Some(t)) => tag_sources.push(t),
        Ok(None) => {}
        Err(e) => errors.push(e.to_diagnostic()),
    }
    v.set_attr("tags", reported_tags(&state, &tag_sources));
    if errors.is_empty() {
        Some(v)
    } else {
        // Keep the state as it was rather than report half a refresh.
        diags.0.extend(errors);
        Some(state)
    }
}

// ---------------------------------------------------------------- import

async fn import(data: &ProviderData, id: &str, diags: &mut Diagnostics) -> Option<Value> {
    let (bucket, prefix) = s3_issuer::parse_id(id);
    let checks = [
        s3_issuer::validate_bucket_name(&bucket),
        prefix.as_deref().map_or(Ok(()), s3_issuer::validate_prefix),
    ];
    for e in checks.into_iter().filter_map(Result::err) {
        diags.push(Diagnostic::error(
            "Invalid import id",
            format!("{e}. The import id is <bucket> or <bucket>/<prefix>."),
        ));
    }
    if diags.has_errors() {
        return None;
    }
    let region = match found(s3::bucket_region(&data.aws.s3, &bucket).await) {
        Ok(Some(r)) => r,
        Ok(None) => return None,
        Err(e) => {
            diags.push(e.to_diagnostic());
            return None;
        }
    };
    let mut issuer = S3Issuer {
        bucket: bucket.clone(),
        prefix: prefix.clone(),
        region: region.clone(),
        url_style: UrlStyle::VirtualHosted,
        jwks_path: s3_issuer::DEFAULT_JWKS_PATH.to_owned(),
    };
    let s3c = s3::client_for_region(&data.aws.s3, &region);
    let mut algorithms = vec![discovery::DEFAULT_SIGNING_ALGORITHM.to_owned()];
    // Read the settings back from the published document.
    let doc = match s3::get_text(&s3c, &bucket, &issuer.discovery_key()).await {
        Ok(d) => d.as_deref().and_then(DiscoveryDocument::parse),
        Err(e) => {
            diags.push(e.to_diagnostic());
            return None;
        }
    };
    if let Some(doc) = &doc {
        for (style, _) in UrlStyle::ALL {
            let candidate = S3Issuer {
                url_style: style,
                ..issuer.clone()
            };
            if candidate.issuer_url() == doc.issuer {
                issuer.url_style = style;
            }
        }
        if let Some(p) = s3_issuer::jwks_path_of(&doc.issuer, &doc.jwks_uri) {
            issuer.jwks_path = p;
        }
        if !doc.id_token_signing_alg_values_supported.is_empty() {
            algorithms = doc.id_token_signing_alg_values_supported.clone();
        }
    }
    // A bucket this issuer created carries the TLS rule on the whole bucket.
    let policy = match s3::policy(&s3c, &bucket).await {
        Ok(p) => p,
        Err(e) => {
            diags.push(e.to_diagnostic());
            return None;
        }
    };
    let shared = bucket_policy::issuer_statements(&issuer, false);
    let create_bucket = match bucket_policy::reported(policy.as_deref(), &shared) {
        Ok(Some(r)) => r != bucket_policy::statements_json(&shared),
        _ => true,
    };
    let arn = match oidc_provider::find_by_url(&data.aws.iam, &issuer.issuer_host_path()).await {
        Ok(a) => a,
        Err(e) => {
            diags.push(e.to_diagnostic());
            return None;
        }
    };
    let mut v = Value::Object(BTreeMap::new()).conform(&schema().value_type());
    v.set_attr("bucket", Value::string(&bucket));
    v.set_attr("prefix", Value::opt_string(prefix));
    v.set_attr("region", Value::string(&region));
    v.set_attr("url_style", Value::string(issuer.url_style.name()));
    v.set_attr("jwks_path", Value::string(&issuer.jwks_path));
    v.set_attr("create_bucket", Value::Bool(create_bucket));
    v.set_attr("force_destroy", Value::Bool(false));
    v.set_attr("signing_algorithms", Value::strings(&algorithms));
    v.set_attr("client_ids", Value::Null);
    v.set_attr("thumbprints", Value::Null);
    derive(&mut v);
    v.set_attr("discovery_json", Value::Null);
    v.set_attr("bucket_policy_statements", Value::Null);
    v.set_attr("oidc_provider_arn", Value::opt_string(arn));
    Some(known_or_null(v))
}

// -------------------------------------------------------------- resource

#[async_trait::async_trait]
impl Resource<ProviderData> for Issuer {
    fn type_name(&self) -> &'static str {
        "irsa_issuer"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_config(config, diags);
    }

    async fn plan(
        &self,
        data: &ProviderData,
        req: PlanRequest,
        diags: &mut Diagnostics,
    ) -> Planned {
        check_config(&req.config, diags);
        let state = plan_state(data, &req, diags);
        let requires_replace = if req.prior.is_null() {
            vec![]
        } else {
            REPLACING
                .iter()
                .filter(|name| req.prior.attr(name) != state.attr(name))
                .map(|name| AttrPath::attr(name))
                .collect()
        };
        Planned {
            state,
            requires_replace,
        }
    }

    async fn apply(
        &self,
        data: &ProviderData,
        req: ApplyRequest,
        diags: &mut Diagnostics,
    ) -> Value {
        if req.planned.is_null() {
            return destroy(data, &req.prior, diags).await;
        }
        converge(data, &req.prior, req.planned, &req.config, &req.stop, diags).await
    }

    async fn read(
        &self,
        data: &ProviderData,
        state: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        refresh(data, state, diags).await
    }

    async fn import(
        &self,
        data: &ProviderData,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        import(data, id, diags).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::Object(BTreeMap::new()).conform(&schema().value_type());
        for (k, x) in pairs {
            v.set_attr(k, x.clone());
        }
        v
    }

    fn paths(diags: &Diagnostics) -> Vec<String> {
        diags
            .0
            .iter()
            .map(|d| d.path.as_ref().map(|p| p.to_string()).unwrap_or_default())
            .collect()
    }

    #[test]
    fn bad_input_names_the_attribute() {
        let mut diags = Diagnostics::new();
        check_config(
            &config(&[
                ("bucket", Value::string("Bad_Bucket")),
                ("prefix", Value::string("/c/")),
                ("thumbprints", Value::Set(vec![Value::string("AB:CD")])),
                ("signing_algorithms", Value::strings(["RS256", "HS256"])),
                ("url_style", Value::string("dns")),
            ]),
            &mut diags,
        );
        assert_eq!(
            paths(&diags),
            vec![
                "bucket",
                "url_style",
                "prefix",
                "thumbprints",
                "signing_algorithms[1]"
            ]
        );
    }

    #[test]
    fn dotted_buckets_are_refused_for_virtual_hosted_urls_by_default() {
        let mut diags = Diagnostics::new();
        check_config(
            &config(&[("bucket", Value::string("my.bucket"))]),
            &mut diags,
        );
        assert_eq!(paths(&diags), vec!["bucket"]);
        assert!(diags.0[0].detail.contains("url_style = \"path\""));
        let mut diags = Diagnostics::new();
        check_config(
            &config(&[
                ("bucket", Value::string("my.bucket")),
                ("url_style", Value::string("path")),
            ]),
            &mut diags,
        );
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn unknown_values_are_not_checked() {
        let mut diags = Diagnostics::new();
        check_config(
            &config(&[
                ("bucket", Value::Unknown),
                ("prefix", Value::Unknown),
                ("thumbprints", Value::Unknown),
            ]),
            &mut diags,
        );
        assert!(diags.is_empty());
    }

    #[test]
    fn derived_attributes_follow_the_inputs() {
        let mut v = config(&[
            ("bucket", Value::string("oidc-a")),
            ("prefix", Value::string("c")),
            ("region", Value::string("cn-north-1")),
            ("url_style", Value::string("path")),
            ("jwks_path", Value::string("keys.json")),
            ("create_bucket", Value::Bool(true)),
            ("signing_algorithms", Value::strings(["RS256"])),
        ]);
        derive(&mut v);
        assert_eq!(
            v.attr("issuer_url").as_str(),
            Some("https://s3.cn-north-1.amazonaws.com.cn/oidc-a/c")
        );
        assert_eq!(
            v.attr("bucket_arn").as_str(),
            Some("arn:aws-cn:s3:::oidc-a")
        );
        assert_eq!(v.attr("id").as_str(), Some("oidc-a/c"));
        assert!(v
            .attr("discovery_json")
            .as_str()
            .unwrap()
            .contains("\"RS256\""));
        v.set_attr("bucket", Value::Unknown);
        derive(&mut v);
        assert!(v.attr("issuer_url").is_unknown());
        assert!(v.attr("bucket_policy_statements").is_unknown());
    }

    #[test]
    fn refresh_reports_tag_drift_from_either_source() {
        let t = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect()
        };
        let state = config(&[("tags", tags_value(&t(&[("a", "1")])))]);
        // IAM agrees, the bucket lost its tags: the bucket's view is shown.
        assert_eq!(
            reported_tags(&state, &[t(&[("a", "1")]), t(&[])]),
            tags_value(&t(&[]))
        );
        assert_eq!(
            reported_tags(&state, &[t(&[("a", "1")]), t(&[("a", "1")])]),
            state.attr("tags").clone()
        );
        // No tags configured and none there: stays null, not {}.
        let untagged = config(&[]);
        assert_eq!(reported_tags(&untagged, &[t(&[]), t(&[])]), Value::Null);
    }
}
