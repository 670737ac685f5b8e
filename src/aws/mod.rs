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
pub mod error;
pub mod iam_role;
pub mod oidc_provider;
pub mod retry;
pub mod s3;
pub mod sts;

use std::time::Duration;

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};

pub use error::{found, AwsError};

/// Per-service endpoint overrides. They change where calls go, never the
/// public URLs the provider computes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub s3: Option<String>,
    pub iam: Option<String>,
    /// STS, which only the trust check calls (AssumeRoleWithWebIdentity).
    pub sts: Option<String>,
}

/// The provider block's AWS settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoints: Endpoints,
    pub s3_use_path_style: bool,
}

/// The configured clients.
#[derive(Clone, Debug)]
pub struct Clients {
    /// The resolved region, if any source set one.
    pub region: Option<String>,
    pub s3: aws_sdk_s3::Client,
    pub iam: aws_sdk_iam::Client,
    /// STS without credentials, as a pod's SDK calls
    /// AssumeRoleWithWebIdentity.
    pub sts_anonymous: aws_sdk_sts::Client,
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

/// Attempts per call, including the first; throttling and transient errors
/// are retried with the SDK's exponential backoff up to this bound.
const MAX_ATTEMPTS: u32 = 5;

/// Build the clients. No network call is made here.
pub async fn connect(settings: &Settings) -> Clients {
    let mut profile_region = aws_config::profile::ProfileFileRegionProvider::builder();
    if let Some(p) = &settings.profile {
        profile_region = profile_region.profile_name(p);
    }
    let region = RegionProviderChain::first_try(settings.region.clone().map(Region::new))
        .or_else(aws_config::environment::EnvironmentVariableRegionProvider::new())
        .or_else(profile_region.build());

    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(p) = &settings.profile {
        loader = loader.profile_name(p);
    }
    let shared = loader.load().await;

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
    let mut sts = aws_sdk_sts::config::Builder::from(&shared).interceptor(call_log::CallLog);
    sts.set_credentials_provider(None);
    if let Some(url) = &settings.endpoints.sts {
        sts = sts.endpoint_url(url);
    }
    Clients {
        region: shared.region().map(|r| r.to_string()),
        sts_anonymous: aws_sdk_sts::Client::from_conf(sts.build()),
        s3: aws_sdk_s3::Client::from_conf(s3.build()),
        iam: aws_sdk_iam::Client::from_conf(iam.build()),
    }
}
