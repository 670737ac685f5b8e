//! The CloudFront part of `irsa_issuer` (`hosting = "cloudfront"`): the
//! Origin Access Control and the distribution that serve the private
//! bucket, put in place by apply, read back by refresh, and removed by
//! destroy before the bucket.
//!
//! Apply creates the Origin Access Control, then the distribution (the
//! answer of either create may be lost: the client finds its own object
//! again), and records each in the state as soon as it exists. A
//! distribution that differs from the plan is changed under its ETag.

use crate::aws::cloudfront::{self as client, Wait, WaitError};
use crate::aws::{creation_token, found};
use crate::domain::cloudfront::{self as cf, drift, OacSettings};
use crate::domain::hosting::IssuerLocation;
use crate::domain::s3_issuer::S3Issuer;
use crate::errors::ToDiagnostic;
use crate::tfplugin::{AttrPath, Diagnostic};

use super::apply::{aws_error, Aws, Converge, Progress};
use super::model::IssuerModel;
use super::schema::{BUCKET, CLOUDFRONT, WAIT_FOR_DEPLOYMENT};

/// The import id of an issuer: behind CloudFront
/// `<distribution id>[/<prefix>]`, else the resource id.
pub fn import_id(issuer: &IssuerLocation, model: &IssuerModel) -> String {
    match (issuer, &model.distribution_id) {
        (IssuerLocation::CloudFront(i), Some(id)) => match &i.bucket.prefix {
            Some(p) => format!("{id}/{p}"),
            None => id.clone(),
        },
        _ => issuer.id(),
    }
}

fn wait_error(e: WaitError) -> Diagnostic {
    match e {
        WaitError::Aws(e) => e.to_diagnostic(),
        WaitError::Timeout { .. } => Diagnostic::error(
            "CloudFront distribution not deployed in time",
            format!(
                "{e}. The state records the distribution; the next apply or refresh finds it as it is. To end \
                 apply without waiting, set {CLOUDFRONT}.{WAIT_FOR_DEPLOYMENT} = false."
            ),
        )
        .at(AttrPath::attr(CLOUDFRONT).then_attr(WAIT_FOR_DEPLOYMENT)),
    }
}

impl Converge<'_> {
    /// The Origin Access Control (made when the state has none, or when
    /// the one it records is gone; put back to S3, SigV4, always when
    /// changed), then the distribution (made, or changed under its ETag
    /// when it differs from the plan), then the wait for its deployment.
    /// The plan's distribution attributes are filled in.
    pub(super) async fn front(
        &mut self,
        bucket: &S3Issuer,
        p: &mut Progress,
    ) -> Result<(), Diagnostic> {
        let c = self.aws.cloudfront;
        let recorded = match &p.truth.origin_access_control_id {
            Some(id) => found(client::get_origin_access_control(c, id).await).map_err(aws_error)?,
            None => None,
        };
        let oac = match recorded {
            Some(o) if o.settings() == OacSettings::wanted() => o,
            Some(o) => client::repair_origin_access_control(c, &o)
                .await
                .map_err(aws_error)?,
            None => {
                let name = cf::oac_name(
                    &bucket.bucket,
                    bucket.prefix.as_deref(),
                    &bucket.statement_tag(),
                );
                let purpose = format!("OIDC issuer {}", bucket.id());
                let made = client::create_origin_access_control(c, &name, &purpose).await;
                made.map_err(|e| {
                    let d = e.to_diagnostic();
                    if e.code() == Some(client::OAC_EXISTS) {
                        Diagnostic::error(
                            "Origin access control exists already",
                            format!(
                                "The origin access control {name} exists already: another issuer (another \
                                 Terraform state, or an earlier one) serves this bucket and prefix through \
                                 CloudFront. It was neither changed nor taken over. Import that issuer \
                                 (terraform import <address> <distribution id>[/<prefix>]), or delete its \
                                 distribution and origin access control and apply again."
                            ),
                        )
                        .at(AttrPath::attr(BUCKET))
                    } else {
                        d
                    }
                })?
            }
        };
        p.exists = true;
        p.truth.origin_access_control_id = Some(oac.id.clone());
        self.want.origin_access_control_id = Some(oac.id.clone());
        self.checkpoint()?;

        let desired = self.want.desired_distribution(&oac.id).ok_or_else(|| {
            Diagnostic::error(
                "Incomplete CloudFront settings",
                "A setting of the cloudfront block is still unknown at apply time.",
            )
        })?;
        let current = match &p.truth.distribution_id {
            Some(id) => found(client::get_distribution(c, id).await).map_err(aws_error)?,
            None => None,
        };
        let (d, changed) = match current {
            Some(d) if drift(&desired, &d.live).is_empty() => (d, false),
            Some(d) => {
                let drifted: Vec<_> = drift(&desired, &d.live).iter().map(|x| x.name()).collect();
                tracing::info!(
                    "CloudFront distribution {}: putting back {}",
                    d.id,
                    drifted.join(", ")
                );
                let updated =
                    client::update_distribution(c, &d.id, &d.etag, &d.caller_reference, &desired)
                        .await
                        .map_err(aws_error)?;
                (updated, true)
            }
            None => {
                let made = client::create_distribution(c, &creation_token(), &desired)
                    .await
                    .map_err(aws_error)?;
                (made, true)
            }
        };
        for m in [&mut p.truth, &mut self.want] {
            m.distribution_id = Some(d.id.clone());
            m.distribution_arn = Some(d.arn.clone());
            m.distribution_domain_name = Some(d.domain_name.clone());
            m.distribution_settings = Some(cf::settings_json(&desired));
        }
        self.checkpoint()?;
        if changed && self.want.waits_for_deployment() {
            tracing::info!(
                "CloudFront distribution {}: waiting for the deployment",
                d.id
            );
            client::wait_deployed(c, &d.id, Wait::default())
                .await
                .map_err(wait_error)?;
        }
        Ok(())
    }
}

/// Destroy's CloudFront part: the distribution disabled, waited for and
/// deleted under its ETag, then the Origin Access Control. Each is taken
/// out of `truth` once gone, so a failure leaves the state of what is
/// left.
pub async fn remove(aws: &Aws<'_>, truth: &mut IssuerModel) -> Result<(), Diagnostic> {
    let c = aws.cloudfront;
    if let Some(id) = truth.distribution_id.clone() {
        if let Some(d) = found(client::disable_distribution(c, &id).await).map_err(aws_error)? {
            let deployed = match d.status.as_str() {
                client::DEPLOYED => Some(d),
                _ => {
                    tracing::info!("CloudFront distribution {id}: waiting for it to be disabled");
                    match client::wait_deployed(c, &id, Wait::default()).await {
                        Ok(d) => Some(d),
                        Err(WaitError::Aws(e)) if e.is_not_found() => None,
                        Err(e) => return Err(wait_error(e)),
                    }
                }
            };
            if let Some(d) = deployed {
                found(client::delete_distribution(c, &id, &d.etag).await).map_err(aws_error)?;
            }
        }
        truth.distribution_id = None;
        truth.distribution_arn = None;
        truth.distribution_domain_name = None;
        truth.distribution_settings = None;
    }
    if let Some(id) = truth.origin_access_control_id.clone() {
        if let Some(o) =
            found(client::get_origin_access_control(c, &id).await).map_err(aws_error)?
        {
            found(client::delete_origin_access_control(c, &id, &o.etag).await)
                .map_err(aws_error)?;
        }
        truth.origin_access_control_id = None;
    }
    Ok(())
}

/// What refresh found of the distribution and its Origin Access Control.
pub struct FrontRead {
    /// `None` outside CloudFront, or before the distribution existed.
    distribution: Option<Option<client::Distribution>>,
    oac: Option<Option<client::OriginAccessControl>>,
}

/// Refresh's CloudFront part: GetDistribution and GetOriginAccessControl,
/// at once, for what the state records; no call outside CloudFront.
pub async fn read(aws: &Aws<'_>, prior: &IssuerModel) -> Result<FrontRead, crate::aws::AwsError> {
    let c = aws.cloudfront;
    let (distribution, oac) = tokio::join!(
        async {
            match &prior.distribution_id {
                Some(id) => found(client::get_distribution(c, id).await).map(Some),
                None => Ok(None),
            }
        },
        async {
            match &prior.origin_access_control_id {
                Some(id) => found(client::get_origin_access_control(c, id).await).map(Some),
                None => Ok(None),
            }
        },
    );
    Ok(FrontRead {
        distribution: distribution?,
        oac: oac?,
    })
}

impl FrontRead {
    /// Into the refreshed state `v` (the prior state so far): a
    /// distribution or Origin Access Control that is gone leaves no id, and
    /// `distribution_settings` is what CloudFront holds.
    pub fn report(self, v: &mut IssuerModel) {
        if let Some(None) = self.oac {
            v.origin_access_control_id = None;
        }
        match self.distribution {
            Some(Some(d)) => {
                let oac_id = v.origin_access_control_id.clone().unwrap_or_default();
                let oac = self.oac.flatten().map(|o| o.settings());
                if let Some(desired) = v.desired_distribution(&oac_id) {
                    v.distribution_settings =
                        Some(cf::reported_settings(&desired, &d.live, oac.as_ref()));
                }
                v.distribution_domain_name = Some(d.domain_name);
                v.distribution_arn = Some(d.arn);
            }
            Some(None) => {
                v.distribution_id = None;
                v.distribution_arn = None;
                v.distribution_domain_name = None;
                v.distribution_settings = None;
            }
            None => {}
        }
    }
}
