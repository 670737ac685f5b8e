//! Destroy of `irsa_issuer`: what the state records, in an order that
//! leaves a true state at every failure.

use crate::aws::{bucket_policy as policy, found, oidc_provider, s3};
use crate::context::ProviderData;
use crate::domain::bucket_policy::{cloudfront_statements, issuer_statements, sids};
use crate::domain::hosting::Hosting;
use crate::domain::s3_issuer::{self, S3Issuer};
use crate::errors::ToDiagnostic;
use crate::tfplugin::{AttrPath, Diagnostic, Diagnostics, Value};

use super::apply::aws_error;
use super::model::IssuerModel;
use super::schema::FORCE_DESTROY;
use super::Aws;

/// Destroy: in a bucket the discovery document, this issuer's policy
/// statements and the bucket when it was created here; behind CloudFront
/// the distribution and the Origin Access Control before the bucket; for
/// every hosting the IAM provider. On failure, the state of what is left.
pub async fn destroy(data: &ProviderData, prior: Value, diags: &mut Diagnostics) -> Value {
    let mut truth = IssuerModel::from_value(&prior);
    let removed = match (truth.bucket_location(), truth.location()) {
        (Some(bucket), _) => {
            let aws = Aws::new(data, Some(&bucket.region));
            remove(&aws, &bucket, &mut truth).await
        }
        (None, Some(_)) => remove_provider(&Aws::new(data, None), &mut truth).await,
        (None, None) => return Value::Null,
    };
    match removed {
        Ok(()) => Value::Null,
        Err(d) => {
            diags.push(d);
            truth.to_value()
        }
    }
}

/// Delete the OIDC provider, only the one the state records: one found by
/// URL may be another state's.
async fn remove_provider(aws: &Aws<'_>, truth: &mut IssuerModel) -> Result<(), Diagnostic> {
    if let Some(arn) = truth.oidc_provider_arn.clone() {
        found(oidc_provider::delete(aws.iam, &arn).await).map_err(aws_error)?;
        truth.oidc_provider_arn = None;
    }
    Ok(())
}

/// Refuse to delete the bucket when it holds objects this issuer did not
/// write, naming them, unless `force_destroy` allows it.
fn check_own_objects(issuer: &S3Issuer, objects: &[s3::StoredObject]) -> Result<(), Diagnostic> {
    let keys = objects.iter().map(|o| o.key.clone());
    s3_issuer::check_only_own_objects(&issuer.bucket, keys, &[issuer.discovery_key()])
        .map_err(|e| e.to_diagnostic().at(AttrPath::attr(FORCE_DESTROY)))
}

async fn remove(
    aws: &Aws<'_>,
    issuer: &S3Issuer,
    truth: &mut IssuerModel,
) -> Result<(), Diagnostic> {
    let ours = truth.bucket_is_ours();
    let force = truth.force_destroy.unwrap_or(false);
    let bucket = &issuer.bucket;

    // Refuse before touching anything when the bucket would have to go
    // with objects this issuer did not write.
    let mut bucket_exists = true;
    // The Sids are what is removed; they are the same in every hosting.
    let behind_cloudfront = truth.hosting() == Some(Hosting::CloudFront);
    let issuer_statements = |i: &S3Issuer| match behind_cloudfront {
        true => cloudfront_statements(i, "", ours),
        false => issuer_statements(i, ours),
    };
    if ours && !force {
        match found(s3::all_objects(&aws.s3, bucket).await).map_err(aws_error)? {
            Some(objects) => check_own_objects(issuer, &objects)?,
            None => bucket_exists = false,
        }
    }

    if bucket_exists {
        let deleted = found(s3::delete_object(&aws.s3, bucket, &issuer.discovery_key()).await);
        match deleted.map_err(aws_error)? {
            Some(()) => truth.discovery_json = None,
            None => bucket_exists = false,
        }
    }
    if bucket_exists && !ours {
        let own = sids(&issuer_statements(issuer));
        found(policy::remove_statements(&aws.s3, bucket, &own).await).map_err(aws_error)?;
        truth.bucket_policy_statements = None;
    }

    remove_provider(aws, truth).await?;
    super::front::remove(aws, truth).await?;

    if ours && bucket_exists {
        let listed = found(s3::all_objects(&aws.s3, bucket).await).map_err(aws_error)?;
        if let Some(objects) = listed {
            if !force {
                check_own_objects(issuer, &objects)?;
            }
            s3::delete_objects(&aws.s3, bucket, &objects)
                .await
                .map_err(aws_error)?;
            found(s3::delete_bucket(&aws.s3, bucket).await).map_err(aws_error)?;
        }
    }
    Ok(())
}
