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

/// The state for an import id `<distribution id>[/<prefix>]`: the bucket
/// and region from the distribution's origin, its settings, the JWKS path
/// and algorithms from the published discovery document, the bucket's
/// ownership from the provider's creation token, and the OIDC provider
/// found by the issuer URL. `None` when there is no such distribution.
/// Terraform refreshes it right after.
pub async fn import(
    data: &crate::context::ProviderData,
    id: &str,
    diags: &mut crate::tfplugin::Diagnostics,
) -> Option<crate::tfplugin::Value> {
    use crate::aws::{oidc_provider, s3};
    use crate::domain::hosting::{CloudFrontIssuer, Hosting};
    use crate::domain::{s3_issuer, tags};

    let (distribution_id, prefix) = match id.split_once('/') {
        Some((d, p)) => (d, Some(p.to_owned())),
        None => (id, None),
    };
    let mut fail = |d: Diagnostic| {
        diags.push(d);
        None
    };
    if let Some(Err(e)) = prefix.as_deref().map(s3_issuer::validate_prefix) {
        return fail(Diagnostic::error(
            "Invalid import id",
            format!(
                "{e}. The import id of an issuer behind CloudFront is <distribution id>[/<prefix>]."
            ),
        ));
    }
    let d = match found(client::get_distribution(&data.aws.cloudfront, distribution_id).await) {
        Ok(Some(d)) => d,
        Ok(None) => return None,
        Err(e) => return fail(e.to_diagnostic()),
    };
    let origin = d.live.origin_domains.first().cloned().unwrap_or_default();
    let Some((bucket, region)) = cf::parse_origin_domain(&origin) else {
        return fail(Diagnostic::error(
            "Not an issuer's distribution",
            format!(
                "The distribution {distribution_id} has the origin {origin:?}, which is not the regional \
                 endpoint of an S3 bucket (<bucket>.s3.<region>.amazonaws.com), so it serves no issuer this \
                 resource can manage."
            ),
        ));
    };
    let at = S3Issuer::with_defaults(&bucket, prefix.as_deref(), &region);
    let aws = Aws::new(data, Some(&region));
    let document = match s3::get_text(&aws.s3, &bucket, &at.discovery_key()).await {
        Ok(doc) => doc,
        Err(e) => return fail(e.to_diagnostic()),
    };
    let published = s3_issuer::published_settings(&at, document.as_deref());
    let owned = match s3::bucket_tags(&aws.s3, &bucket).await {
        Ok(t) => tags::created_by_provider(&t),
        Err(e) => return fail(e.to_diagnostic()),
    };
    let host = cf::issuer_host(&d.live.aliases, &d.domain_name).to_owned();
    let location = IssuerLocation::CloudFront(CloudFrontIssuer {
        bucket: published.issuer.clone(),
        host,
    });
    let arn = match oidc_provider::find_by_url(aws.iam, &location.issuer_host_path()).await {
        Ok(a) => a,
        Err(e) => return fail(e.to_diagnostic()),
    };
    let live = &d.live;
    let non_empty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let price_class = live
        .price_class
        .clone()
        .unwrap_or_else(|| cf::PriceClass::All.name().to_owned());
    let block = super::model::CloudFrontModel {
        aliases: Some(live.aliases.clone()).filter(|a| !a.is_empty()),
        acm_certificate_arn: non_empty(&live.acm_certificate_arn),
        price_class: Some(price_class),
        web_acl_id: non_empty(&live.web_acl_id),
        wait_for_deployment: Some(true),
    };
    // A distribution with CloudFront's defaults imports without the block,
    // as a configuration that leaves it out plans.
    let defaults = block.aliases.is_none()
        && block.acm_certificate_arn.is_none()
        && block.web_acl_id.is_none()
        && block.price_class.as_deref() == Some(cf::PriceClass::All.name());
    let mut model = IssuerModel {
        hosting: Some(Hosting::CloudFront.name().to_owned()),
        bucket: Some(bucket),
        create_bucket: Some(owned),
        prefix,
        region: Some(region),
        jwks_path: Some(published.issuer.jwks_path.clone()),
        signing_algorithms: Some(published.signing_algorithms),
        force_destroy: Some(false),
        cloudfront: (!defaults).then_some(block),
        distribution_id: Some(d.id.clone()),
        distribution_arn: Some(d.arn.clone()),
        distribution_domain_name: Some(d.domain_name.clone()),
        origin_access_control_id: non_empty(&live.origin_access_control_id),
        ..IssuerModel::default()
    };
    model.derive(Some(&location));
    // Left to the refresh that follows: what AWS holds.
    model.discovery_json = None;
    model.bucket_policy_statements = None;
    model.oidc_provider_arn = arn;
    Some(model.to_value())
}
