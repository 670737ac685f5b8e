//! AWS access. The SDK clients are built once, when the provider is
//! configured, from the standard credential chain of the official SDK
//! (environment, shared config and credentials files, SSO, web identity,
//! container and instance metadata), exactly as the hashicorp/aws provider
//! users are used to.
//!
//! Building the clients makes no network call: the region comes from the
//! provider block, the environment or the profile (never from instance
//! metadata), and credentials are resolved on the first API call. So the
//! provider's pure data sources work on a machine with no AWS set-up at all.

pub mod bucket_policy;
pub mod call_log;
pub mod cloudfront;
pub mod credentials;
pub mod error;
pub mod http;
pub mod iam_role;
pub mod oidc_provider;
pub mod retry;
pub mod role_listing;
pub mod s3;
pub mod sts;

use std::time::Duration;

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use secrecy::{ExposeSecret as _, SecretString};

use crate::domain::aws_config as aws_config_rules;
pub use crate::domain::aws_config::RetryMode;

pub use error::{found, AwsError};

/// Per-service endpoint overrides. They change where calls go, never the
/// public URLs the provider computes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub s3: Option<String>,
    pub iam: Option<String>,
    /// STS, which only the trust check calls (AssumeRoleWithWebIdentity).
    pub sts: Option<String>,
    /// CloudFront, for issuers served through a distribution.
    pub cloudfront: Option<String>,
}

/// The provider block's AWS settings.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoints: Endpoints,
    pub s3_use_path_style: bool,
    /// `access_key`, `secret_key` and `token`: ahead of the standard chain.
    pub static_keys: Option<StaticKeys>,
    /// Used instead of `~/.aws/config` (resp. `~/.aws/credentials`) when
    /// given; `~` is expanded.
    pub shared_config_files: Vec<String>,
    pub shared_credentials_files: Vec<String>,
    pub assume_role: Option<AssumeRoleSettings>,
    pub web_identity: Option<WebIdentitySettings>,
    /// Retries after the first attempt; `None` leaves it to
    /// `AWS_MAX_ATTEMPTS`, else four.
    pub max_retries: Option<u32>,
    pub retry_mode: Option<RetryMode>,
    /// The region of STS calls, when not the provider's region.
    pub sts_region: Option<String>,
    /// Proxies and extra CA certificates ([`http::resolve`]); `None` for
    /// the SDK's default client.
    pub http: Option<http::HttpSettings>,
}

/// Static keys from the provider block.
#[derive(Clone, Debug)]
pub struct StaticKeys {
    pub access_key: String,
    pub secret_key: SecretString,
    pub token: Option<SecretString>,
}

/// The `assume_role` block.
#[derive(Clone, Debug, Default)]
pub struct AssumeRoleSettings {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration_seconds: Option<i32>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: std::collections::BTreeMap<String, String>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
}

/// The `assume_role_with_web_identity` block.
#[derive(Clone, Debug, Default)]
pub struct WebIdentitySettings {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub web_identity_token: Option<SecretString>,
    pub web_identity_token_file: Option<String>,
    pub duration_seconds: Option<i32>,
}

/// The configured clients.
#[derive(Clone, Debug)]
pub struct Clients {
    /// The resolved region, if any source set one.
    pub region: Option<String>,
    pub s3: aws_sdk_s3::Client,
    pub iam: aws_sdk_iam::Client,
    /// STS with the provider's credentials (GetCallerIdentity for the
    /// account check).
    pub sts: aws_sdk_sts::Client,
    /// STS without credentials, as a pod's SDK calls
    /// AssumeRoleWithWebIdentity.
    pub sts_anonymous: aws_sdk_sts::Client,
    /// CloudFront, a global service: its calls go to the partition's one
    /// endpoint, whatever the region.
    pub cloudfront: aws_sdk_cloudfront::Client,
}

/// A token for one create call, for the tag
/// [`crate::domain::tags::CREATION_TOKEN_TAG`]: 128 random bits, as hex.
pub fn creation_token() -> String {
    use std::hash::BuildHasher;
    let state = std::collections::hash_map::RandomState::new();
    let now = std::time::SystemTime::now();
    format!(
        "{:016x}{:016x}",
        state.hash_one((now, 1u8)),
        state.hash_one((now, 2u8))
    )
}

/// IAM tags from a map, in key order (roles and OIDC providers alike).
pub(crate) fn iam_tags(
    tags: &std::collections::BTreeMap<String, String>,
) -> Vec<aws_sdk_iam::types::Tag> {
    tags.iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .expect("a tag with key and value always builds")
        })
        .collect()
}

/// The SDK's retry configuration: throttling and transient errors are
/// retried with exponential backoff, up to the block's `max_retries` (or
/// `AWS_MAX_ATTEMPTS`, or four retries, five attempts in all).
fn retry_config(settings: &Settings) -> RetryConfig {
    let env = |k: &str| std::env::var(k).ok();
    let (attempts, mode) = aws_config_rules::retry_policy(
        settings.max_retries,
        settings.retry_mode,
        env("AWS_MAX_ATTEMPTS").as_deref(),
        env("AWS_RETRY_MODE").as_deref(),
    );
    match mode {
        RetryMode::Standard => RetryConfig::standard(),
        RetryMode::Adaptive => RetryConfig::adaptive(),
    }
    .with_max_attempts(attempts)
}

/// The shared config and credentials files the block names, if any.
fn profile_files(settings: &Settings) -> Option<EnvConfigFiles> {
    if settings.shared_config_files.is_empty() && settings.shared_credentials_files.is_empty() {
        return None;
    }
    let home = std::env::var("HOME").ok();
    let expand = |p: &String| crate::domain::proxy::expand_home(p, home.as_deref());
    let mut files = EnvConfigFiles::builder()
        .include_default_config_file(settings.shared_config_files.is_empty())
        .include_default_credentials_file(settings.shared_credentials_files.is_empty());
    for f in &settings.shared_config_files {
        files = files.with_file(EnvConfigFileKind::Config, expand(f));
    }
    for f in &settings.shared_credentials_files {
        files = files.with_file(EnvConfigFileKind::Credentials, expand(f));
    }
    Some(files.build())
}

/// Build the clients. No network call is made here: the `assume_role` and
/// web identity sessions are opened on the first call that needs them.
///
/// Credentials, in order: `assume_role_with_web_identity` if set, else the
/// static keys of the block, else the standard chain (with the block's
/// profile and files); then `assume_role`, if set, on top of that.
pub async fn connect(settings: &Settings) -> Clients {
    let mut profile_region = aws_config::profile::ProfileFileRegionProvider::builder();
    if let Some(p) = &settings.profile {
        profile_region = profile_region.profile_name(p);
    }
    let files = profile_files(settings);
    if let Some(f) = &files {
        profile_region = profile_region.profile_files(f.clone());
    }
    let region = RegionProviderChain::first_try(settings.region.clone().map(Region::new))
        .or_else(aws_config::environment::EnvironmentVariableRegionProvider::new())
        .or_else(profile_region.build());

    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(retry_config(settings))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(p) = &settings.profile {
        loader = loader.profile_name(p);
    }
    if let Some(f) = files {
        loader = loader.profile_files(f);
    }
    if let Some(k) = &settings.static_keys {
        loader = loader.credentials_provider(Credentials::new(
            &k.access_key,
            k.secret_key.expose_secret(),
            k.token.as_ref().map(|t| t.expose_secret().to_owned()),
            None,
            "provider block",
        ));
    }
    if let Some(h) = &settings.http {
        loader = loader.http_client(http::client(h.clone()));
    }
    let mut shared = loader.load().await;

    let sts_config = |conf: &SdkConfig| {
        let mut sts = aws_sdk_sts::config::Builder::from(conf).interceptor(call_log::CallLog);
        if let Some(r) = &settings.sts_region {
            sts = sts.region(Region::new(r.clone()));
        }
        if let Some(url) = &settings.endpoints.sts {
            sts = sts.endpoint_url(url);
        }
        sts
    };
    let mut anonymous = sts_config(&shared);
    anonymous.set_credentials_provider(None);
    let sts_anonymous = aws_sdk_sts::Client::from_conf(anonymous.build());

    if let Some(w) = &settings.web_identity {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut w = w.clone();
        if w.role_arn.is_empty() {
            w.role_arn = env("AWS_ROLE_ARN").unwrap_or_default();
        }
        w.session_name = w.session_name.or_else(|| env("AWS_ROLE_SESSION_NAME"));
        if w.web_identity_token.is_none() && w.web_identity_token_file.is_none() {
            w.web_identity_token_file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
        }
        let source = credentials::WebIdentity {
            sts: sts_anonymous.clone(),
            settings: w,
        };
        shared = shared
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(source))
            .build();
    }
    if let Some(a) = &settings.assume_role {
        let source = credentials::AssumeRole {
            sts: aws_sdk_sts::Client::from_conf(sts_config(&shared).build()),
            settings: a.clone(),
        };
        shared = shared
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(source))
            .build();
    }

    let mut s3 = aws_sdk_s3::config::Builder::from(&shared)
        .force_path_style(settings.s3_use_path_style)
        .interceptor(call_log::CallLog);
    if let Some(url) = &settings.endpoints.s3 {
        s3 = s3.endpoint_url(url);
    }
    let mut iam = aws_sdk_iam::config::Builder::from(&shared).interceptor(call_log::CallLog);
    if let Some(url) = &settings.endpoints.iam {
        iam = iam.endpoint_url(url);
    }
    let mut cloudfront =
        aws_sdk_cloudfront::config::Builder::from(&shared).interceptor(call_log::CallLog);
    if let Some(url) = &settings.endpoints.cloudfront {
        cloudfront = cloudfront.endpoint_url(url);
    }
    Clients {
        region: shared.region().map(|r| r.to_string()),
        sts: aws_sdk_sts::Client::from_conf(sts_config(&shared).build()),
        sts_anonymous,
        s3: aws_sdk_s3::Client::from_conf(s3.build()),
        iam: aws_sdk_iam::Client::from_conf(iam.build()),
        cloudfront: aws_sdk_cloudfront::Client::from_conf(cloudfront.build()),
    }
}
