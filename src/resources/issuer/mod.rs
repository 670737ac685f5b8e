//! `irsa_issuer`: a public OIDC issuer, registered with IAM.
//!
//! In S3 (`hosting = "s3"`), it writes the discovery document into a bucket
//! (created here, or one that exists), publishes exactly the discovery
//! document and the JWKS with bucket-policy statements of its own, and
//! registers the issuer as an IAM OpenID Connect provider. Hosted
//! elsewhere (`hosting = "external"`), it only renders the document and
//! registers the given issuer URL, through the same path.
//!
//! Refresh reports what AWS holds (the document's bytes, this issuer's
//! policy statements, the provider and its settings), while plan computes
//! what should be there, so any change made outside Terraform shows as a
//! change and the next apply repairs it in place.

mod apply;
mod destroy;
#[cfg(test)]
mod external_tests;
mod front;
#[cfg(test)]
mod front_tests;
pub mod model;
mod plan;
mod read;
pub mod schema;
#[cfg(test)]
mod tests;

use crate::aws::s3;
use crate::context::ProviderData;
use crate::domain::hosting::Hosting;
use crate::domain::s3_issuer::{self, UrlStyle};
use crate::domain::tags::TagConfig;
use crate::errors::ToDiagnostic;
use crate::framework::{Change, ManagedResource, Plan, ResourceSchema};
use crate::tfplugin::{AttrPath, CancellationToken, Diagnostic, Diagnostics, Value};

use schema::*;

pub struct Issuer;

/// The AWS clients for one issuer: S3 in the bucket's region (the
/// provider's own client for an issuer without a bucket, which makes no S3
/// call), CloudFront and IAM.
struct Aws<'a> {
    s3: aws_sdk_s3::Client,
    iam: &'a aws_sdk_iam::Client,
    cloudfront: &'a aws_sdk_cloudfront::Client,
    /// The provider's `default_tags` and `ignore_tags`.
    tags: &'a TagConfig,
}

impl<'a> Aws<'a> {
    /// The clients for an issuer whose bucket is in `bucket_region`.
    fn new(data: &'a ProviderData, bucket_region: Option<&str>) -> Aws<'a> {
        let s3 = match bucket_region {
            Some(r) => s3::client_for_region(&data.aws.s3, r),
            None => data.aws.s3.clone(),
        };
        Aws {
            s3,
            iam: &data.aws.iam,
            cloudfront: &data.aws.cloudfront,
            tags: &data.tags,
        }
    }
}

/// Checks across attributes: each hosting takes its own attributes and
/// refuses the other's, and a bucket name with dots cannot be used with
/// virtual-hosted URLs (the default style). Unknown values are not checked.
fn validate_config(config: &Value, diags: &mut Diagnostics) {
    let hosting = match config.attr(HOSTING) {
        Value::Null => Hosting::DEFAULT,
        Value::String(s) => match Hosting::parse(s) {
            Some(h) => h,
            // Refused by the attribute's validator.
            None => return,
        },
        _ => return,
    };
    let external: Vec<&str> = BUCKET_ATTRS
        .iter()
        .chain(&[URL_STYLE, CLOUDFRONT])
        .copied()
        .collect();
    let (required, refused) = match hosting {
        Hosting::S3 => (BUCKET, vec![CA_CERTIFICATE_PEM, CLOUDFRONT]),
        Hosting::CloudFront => (BUCKET, vec![CA_CERTIFICATE_PEM, URL_STYLE]),
        Hosting::External => (ISSUER_URL, external),
    };
    if config.attr(required).is_null() {
        diags.push(
            Diagnostic::error(
                format!("Missing {required}"),
                format!(
                    "An issuer with hosting = \"{}\" needs {required}.",
                    hosting.name()
                ),
            )
            .at(AttrPath::attr(required)),
        );
    }
    for name in refused.iter().filter(|a| !config.attr(a).is_null()) {
        diags.push(
            Diagnostic::error(
                "Attribute not used with this hosting",
                format!(
                    "{name} does not apply to an issuer with hosting = \"{}\"; remove it, or set hosting to \
                     the kind of issuer it belongs to.",
                    hosting.name()
                ),
            )
            .at(AttrPath::attr(name)),
        );
    }
    if hosting == Hosting::CloudFront {
        validate_cloudfront(config.attr(CLOUDFRONT), diags);
    }
    if hosting != Hosting::S3 {
        return;
    }
    let Some(bucket) = config.attr(BUCKET).as_str() else {
        return;
    };
    let style = match config.attr(URL_STYLE) {
        Value::Null => Some(UrlStyle::VirtualHosted),
        // A name that is not a style is refused by the attribute's validator.
        Value::String(s) => UrlStyle::parse(s),
        _ => None,
    };
    if let Some(Err(e)) = style.map(|s| s3_issuer::validate_bucket_for_style(bucket, s)) {
        diags.push(e.to_diagnostic().at(AttrPath::attr(BUCKET)));
    }
}

/// The aliases need a certificate: checked when both are known.
fn validate_cloudfront(block: &Value, diags: &mut Diagnostics) {
    let (aliases, certificate) = (block.attr(ALIASES), block.attr(ACM_CERTIFICATE_ARN));
    if !aliases.is_wholly_known() || certificate.is_unknown() {
        return;
    }
    let list: Vec<String> = aliases
        .as_elements()
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    if let Err(e) = crate::domain::cloudfront::validate_aliases(&list, !certificate.is_null()) {
        let at = AttrPath::attr(CLOUDFRONT).then_attr(ALIASES);
        diags.push(e.to_diagnostic().at(at));
    }
}

#[async_trait::async_trait]
impl ManagedResource<ProviderData> for Issuer {
    fn type_name(&self) -> &'static str {
        "irsa_issuer"
    }

    fn schema(&self) -> ResourceSchema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_config(config, diags);
    }

    async fn modify_plan(&self, data: &ProviderData, p: &mut Plan, diags: &mut Diagnostics) {
        plan::modify(data, p, diags);
        crate::resources::tags::plan(&data.tags, p, TAGS, diags);
    }

    async fn create(&self, data: &ProviderData, c: Change<'_>, diags: &mut Diagnostics) -> Value {
        apply::converge(data, c, diags).await
    }

    async fn read(
        &self,
        data: &ProviderData,
        state: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        read::refresh(data, state, diags).await
    }

    async fn update(&self, data: &ProviderData, c: Change<'_>, diags: &mut Diagnostics) -> Value {
        apply::converge(data, c, diags).await
    }

    async fn delete(
        &self,
        data: &ProviderData,
        prior: Value,
        _: &CancellationToken,
        diags: &mut Diagnostics,
    ) -> Value {
        destroy::destroy(data, prior, diags).await
    }

    async fn import(
        &self,
        data: &ProviderData,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        read::import(data, id, diags).await
    }
}
