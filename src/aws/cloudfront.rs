//! CloudFront: the Origin Access Control and the distribution that serve an
//! issuer from a private bucket.
//!
//! [`AwsError::NotFound`] means the distribution or Origin Access Control
//! does not exist. Every change names the version it changes (`If-Match`,
//! the ETag of the last read), so a change made meanwhile by someone else is
//! refused (`PreconditionFailed`) instead of being overwritten.
//!
//! Creates converge when their answer is lost: a distribution is found again
//! by the caller reference it was created with, an Origin Access Control by
//! its name and the creation token in its description. Neither is ever
//! adopted when it was not made by the call.

mod convert;

use std::time::Duration;

use aws_sdk_cloudfront::Client;
use tokio::time::Instant;

use super::error::AwsError;
use crate::domain::cloudfront::{
    clipped, DesiredDistribution, LiveDistribution, OacSettings, MAX_OAC_DESCRIPTION_LEN,
};

/// The status of a distribution whose last change has reached every edge.
pub const DEPLOYED: &str = "Deployed";

/// CloudFront's error when a caller reference was used before with another
/// configuration (moto: with any configuration).
pub const DISTRIBUTION_EXISTS: &str = "DistributionAlreadyExists";

/// CloudFront's error when an Origin Access Control of that name exists.
pub const OAC_EXISTS: &str = "OriginAccessControlAlreadyExists";

/// An Origin Access Control as CloudFront reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginAccessControl {
    pub id: String,
    pub name: String,
    pub description: String,
    pub signing_protocol: String,
    pub signing_behavior: String,
    pub origin_type: String,
    /// The version, for `If-Match`.
    pub etag: String,
}

impl OriginAccessControl {
    /// What it signs for, how and when, as the domain compares them.
    pub fn settings(&self) -> OacSettings {
        OacSettings {
            origin_type: self.origin_type.clone(),
            signing_protocol: self.signing_protocol.clone(),
            signing_behavior: self.signing_behavior.clone(),
        }
    }
}

/// A distribution as CloudFront reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Distribution {
    pub id: String,
    pub arn: String,
    /// `<id>.cloudfront.net`.
    pub domain_name: String,
    /// `InProgress` or [`DEPLOYED`].
    pub status: String,
    /// The version, for `If-Match`.
    pub etag: String,
    /// The reference it was created with.
    pub caller_reference: String,
    pub live: LiveDistribution,
}

/// How long, and how often, [`wait_deployed`] looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wait {
    pub timeout: Duration,
    /// The first pause; each next one is twice as long, up to `max_poll`.
    pub poll: Duration,
    pub max_poll: Duration,
}

impl Default for Wait {
    /// Deploying a change usually takes a few minutes, rarely more than a
    /// quarter of an hour.
    fn default() -> Wait {
        Wait {
            timeout: Duration::from_secs(30 * 60),
            poll: Duration::from_secs(5),
            max_poll: Duration::from_secs(30),
        }
    }
}

/// Why [`wait_deployed`] returned without a deployed distribution.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// The distribution was still being deployed when the time was up.
    #[error("the CloudFront distribution {id} is still {status} after {waited:?}")]
    Timeout {
        id: String,
        status: String,
        waited: Duration,
    },
}

/// An answer without a part it always has.
fn incomplete(call: &'static str, resource: &str, what: &str) -> AwsError {
    AwsError::Transport {
        call,
        resource: resource.to_owned(),
        message: format!("the answer carried no {what}"),
    }
}

/// The next page's marker of a listing, if there is a next page.
fn next_page(truncated: bool, next_marker: Option<&str>) -> Option<String> {
    next_marker
        .filter(|m| truncated && !m.is_empty())
        .map(str::to_owned)
}

fn oac(
    control: Option<&aws_sdk_cloudfront::types::OriginAccessControl>,
    etag: Option<&str>,
    call: &'static str,
) -> Result<OriginAccessControl, AwsError> {
    let missing = |what: &str| incomplete(call, "an origin access control", what);
    let control = control.ok_or_else(|| missing("origin access control"))?;
    let config = control
        .origin_access_control_config()
        .ok_or_else(|| missing("configuration"))?;
    Ok(OriginAccessControl {
        id: control.id().to_owned(),
        name: config.name().to_owned(),
        description: config.description().unwrap_or_default().to_owned(),
        signing_protocol: config.signing_protocol().as_str().to_owned(),
        signing_behavior: config.signing_behavior().as_str().to_owned(),
        origin_type: config
            .origin_access_control_origin_type()
            .as_str()
            .to_owned(),
        etag: etag.ok_or_else(|| missing("ETag"))?.to_owned(),
    })
}

/// CreateOriginAccessControl for S3 origins (SigV4, signing always), with
/// `purpose` and a fresh creation token as its description. When the answer
/// is lost (or a retry meets the name taken), the control of that name is
/// looked up, and it is this call's own only when its description bears
/// this call's token; a control that existed before is never adopted.
pub async fn create_origin_access_control(
    c: &Client,
    name: &str,
    purpose: &str,
) -> Result<OriginAccessControl, AwsError> {
    let token = super::creation_token();
    let suffix = format!(" (creation {token})");
    let room = MAX_OAC_DESCRIPTION_LEN - suffix.len();
    let description = format!("{}{suffix}", clipped(purpose, room));
    let resource = format!("origin access control {name}");
    let err = match c
        .create_origin_access_control()
        .origin_access_control_config(convert::oac_config(name, &description))
        .send()
        .await
    {
        Ok(out) => {
            return oac(
                out.origin_access_control(),
                out.e_tag(),
                "CreateOriginAccessControl",
            )
        }
        Err(e) => AwsError::from_sdk("CreateOriginAccessControl", &resource, e),
    };
    if err.code() != Some(OAC_EXISTS) && !err.may_have_happened() {
        return Err(err);
    }
    match find_origin_access_control(c, name).await {
        Ok(Some(found)) if found.description == description => {
            tracing::info!("CreateOriginAccessControl for {name} reported a failure after creating {} ({err}); continuing with it", found.id);
            Ok(found)
        }
        Ok(_) => Err(err),
        Err(lookup) => {
            tracing::warn!(
                "after {err}, the origin access control {name} could not be looked up: {lookup}"
            );
            Err(err)
        }
    }
}

/// GetOriginAccessControl: its settings and ETag.
pub async fn get_origin_access_control(
    c: &Client,
    id: &str,
) -> Result<OriginAccessControl, AwsError> {
    let resource = format!("origin access control {id}");
    let out = c
        .get_origin_access_control()
        .id(id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetOriginAccessControl", &resource, e))?;
    oac(
        out.origin_access_control(),
        out.e_tag(),
        "GetOriginAccessControl",
    )
}

/// UpdateOriginAccessControl of the version `etag` back to S3, SigV4,
/// signing always, keeping its name and description.
pub async fn repair_origin_access_control(
    c: &Client,
    current: &OriginAccessControl,
) -> Result<OriginAccessControl, AwsError> {
    let resource = format!("origin access control {}", current.id);
    let out = c
        .update_origin_access_control()
        .id(&current.id)
        .if_match(&current.etag)
        .origin_access_control_config(convert::oac_config(&current.name, &current.description))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("UpdateOriginAccessControl", &resource, e))?;
    oac(
        out.origin_access_control(),
        out.e_tag(),
        "UpdateOriginAccessControl",
    )
}

/// The Origin Access Control named `name`, if any (ListOriginAccessControls,
/// then GetOriginAccessControl for its ETag).
pub async fn find_origin_access_control(
    c: &Client,
    name: &str,
) -> Result<Option<OriginAccessControl>, AwsError> {
    let mut marker: Option<String> = None;
    loop {
        let out = c
            .list_origin_access_controls()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ListOriginAccessControls", "the account", e))?;
        let Some(list) = out.origin_access_control_list() else {
            return Ok(None);
        };
        if let Some(s) = list.items().iter().find(|s| s.name() == name) {
            return super::found(get_origin_access_control(c, s.id()).await);
        }
        marker = next_page(list.is_truncated(), list.next_marker());
        if marker.is_none() {
            return Ok(None);
        }
    }
}

/// DeleteOriginAccessControl of the version `etag`.
pub async fn delete_origin_access_control(
    c: &Client,
    id: &str,
    etag: &str,
) -> Result<(), AwsError> {
    c.delete_origin_access_control()
        .id(id)
        .if_match(etag)
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(
                "DeleteOriginAccessControl",
                format!("origin access control {id}"),
                e,
            )
        })?;
    Ok(())
}

fn distribution(
    d: Option<&aws_sdk_cloudfront::types::Distribution>,
    etag: Option<&str>,
    call: &'static str,
) -> Result<Distribution, AwsError> {
    let missing = |what: &str| incomplete(call, "a distribution", what);
    let d = d.ok_or_else(|| missing("distribution"))?;
    let config = d
        .distribution_config()
        .ok_or_else(|| missing("distribution configuration"))?;
    Ok(Distribution {
        id: d.id().to_owned(),
        arn: d.arn().to_owned(),
        domain_name: d.domain_name().to_owned(),
        status: d.status().to_owned(),
        etag: etag.ok_or_else(|| missing("ETag"))?.to_owned(),
        caller_reference: config.caller_reference().to_owned(),
        live: convert::live(config),
    })
}

/// CreateDistribution of `desired` under `caller_reference`, which the
/// caller makes unique to this distribution and keeps for retries.
///
/// CloudFront answers a repeated caller reference with the distribution it
/// made for it (same configuration) or `DistributionAlreadyExists`. After
/// that error, or a failure that may hide a success, the distribution made
/// under the caller reference is looked up and returned; only when there is
/// none is the error returned.
pub async fn create_distribution(
    c: &Client,
    caller_reference: &str,
    desired: &DesiredDistribution,
) -> Result<Distribution, AwsError> {
    let resource = format!("distribution for {}", desired.origin_domain);
    let err = match c
        .create_distribution()
        .distribution_config(convert::distribution_config(desired, caller_reference))
        .send()
        .await
    {
        Ok(out) => return distribution(out.distribution(), out.e_tag(), "CreateDistribution"),
        Err(e) => AwsError::from_sdk("CreateDistribution", &resource, e),
    };
    if err.code() != Some(DISTRIBUTION_EXISTS) && !err.may_have_happened() {
        return Err(err);
    }
    match find_by_caller_reference(c, caller_reference, &desired.origin_domain).await {
        Ok(Some(found)) => {
            tracing::info!(
                "CreateDistribution for {} reported a failure after creating {} ({err}); continuing with it",
                desired.origin_domain,
                found.id
            );
            Ok(found)
        }
        Ok(None) => Err(err),
        Err(lookup) => {
            tracing::warn!(
                "after {err}, the distribution for {} could not be looked up: {lookup}",
                desired.origin_domain
            );
            Err(err)
        }
    }
}

/// The distribution created under `caller_reference`, if any. The listing
/// does not show caller references, so the distributions with an origin at
/// `origin_domain` are read one by one.
pub async fn find_by_caller_reference(
    c: &Client,
    caller_reference: &str,
    origin_domain: &str,
) -> Result<Option<Distribution>, AwsError> {
    let mut marker: Option<String> = None;
    loop {
        let out = c
            .list_distributions()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ListDistributions", "the account", e))?;
        let Some(list) = out.distribution_list() else {
            return Ok(None);
        };
        for s in list.items() {
            let serves = s
                .origins()
                .is_some_and(|o| o.items().iter().any(|o| o.domain_name() == origin_domain));
            if !serves {
                continue;
            }
            match super::found(get_distribution(c, s.id()).await)? {
                Some(d) if d.caller_reference == caller_reference => return Ok(Some(d)),
                _ => {}
            }
        }
        marker = next_page(list.is_truncated(), list.next_marker());
        if marker.is_none() {
            return Ok(None);
        }
    }
}

/// GetDistribution: its settings, status and ETag.
pub async fn get_distribution(c: &Client, id: &str) -> Result<Distribution, AwsError> {
    let out = c
        .get_distribution()
        .id(id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetDistribution", format!("distribution {id}"), e))?;
    distribution(out.distribution(), out.e_tag(), "GetDistribution")
}

/// UpdateDistribution of the version `etag` to `desired`, keeping the
/// distribution's `caller_reference`.
pub async fn update_distribution(
    c: &Client,
    id: &str,
    etag: &str,
    caller_reference: &str,
    desired: &DesiredDistribution,
) -> Result<Distribution, AwsError> {
    let out = c
        .update_distribution()
        .id(id)
        .if_match(etag)
        .distribution_config(convert::distribution_config(desired, caller_reference))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("UpdateDistribution", format!("distribution {id}"), e))?;
    distribution(out.distribution(), out.e_tag(), "UpdateDistribution")
}

/// Disable the distribution (the step before deleting it), changing
/// nothing else: its configuration is read (GetDistributionConfig) and
/// written back with `Enabled` false under the ETag of that read. A
/// distribution already disabled is only read.
pub async fn disable_distribution(c: &Client, id: &str) -> Result<Distribution, AwsError> {
    let resource = format!("distribution {id}");
    let out = c
        .get_distribution_config()
        .id(id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetDistributionConfig", &resource, e))?;
    let (Some(config), Some(etag)) = (out.distribution_config(), out.e_tag()) else {
        return Err(incomplete(
            "GetDistributionConfig",
            &resource,
            "configuration or ETag",
        ));
    };
    if !config.enabled() {
        return get_distribution(c, id).await;
    }
    let mut config = config.clone();
    config.enabled = false;
    let out = c
        .update_distribution()
        .id(id)
        .if_match(etag)
        .distribution_config(config)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("UpdateDistribution", &resource, e))?;
    distribution(out.distribution(), out.e_tag(), "UpdateDistribution")
}

/// Poll GetDistribution until its status is [`DEPLOYED`], pausing
/// `wait.poll` and then twice as long each time (up to `wait.max_poll`),
/// for at most `wait.timeout`. Each look is logged at DEBUG.
pub async fn wait_deployed(c: &Client, id: &str, wait: Wait) -> Result<Distribution, WaitError> {
    let start = Instant::now();
    let mut pause = wait.poll;
    loop {
        let d = get_distribution(c, id).await?;
        let waited = start.elapsed();
        tracing::debug!(
            target: "irsa::aws",
            distribution = id,
            status = d.status.as_str(),
            waited_ms = waited.as_millis() as u64,
            "CloudFront distribution {id}: {} after {waited:?}",
            d.status
        );
        if d.status == DEPLOYED {
            return Ok(d);
        }
        if waited + pause > wait.timeout {
            return Err(WaitError::Timeout {
                id: id.to_owned(),
                status: d.status,
                waited,
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(wait.max_poll);
    }
}

/// DeleteDistribution of the version `etag`. CloudFront deletes only a
/// distribution that is disabled and deployed ([`disable_distribution`],
/// then [`wait_deployed`]); otherwise it answers `DistributionNotDisabled`.
pub async fn delete_distribution(c: &Client, id: &str, etag: &str) -> Result<(), AwsError> {
    c.delete_distribution()
        .id(id)
        .if_match(etag)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteDistribution", format!("distribution {id}"), e))?;
    Ok(())
}
