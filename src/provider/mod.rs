//! The `irsa` provider: its schema, its configuration, and the registry of
//! resources and data sources.

use std::sync::Arc;

use crate::aws;
use crate::context::ProviderData;
use crate::data_sources;
use crate::errors::ToDiagnostic;
use crate::framework::Managed;
use crate::functions;
use crate::resources;
use crate::tfplugin::{
    AttrPath, DataSource, Diagnostic, Diagnostics, Function, Resource, Schema, Value,
};

/// The provider.
#[derive(Default)]
pub struct IrsaProvider;

mod schema;
mod settings;

pub use schema::schema;
pub use settings::settings;
use settings::{check_account, http_args, tag_config, validate_auth, validate_endpoint};

/// The provider attribute that turns the shared role listing off.
pub(crate) const SKIP_ROLE_LISTING: &str = "skip_role_listing";

pub(crate) const ENDPOINT_SERVICES: [(&str, &str); 4] = [
    ("s3", "S3"),
    ("iam", "IAM"),
    ("sts", "STS"),
    ("cloudfront", "CloudFront"),
];

#[async_trait::async_trait]
impl crate::tfplugin::Provider for IrsaProvider {
    type Data = ProviderData;

    fn schema(&self) -> Schema {
        schema()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<ProviderData>>> {
        vec![
            Arc::new(Managed::new(resources::issuer::Issuer)),
            Arc::new(Managed::new(resources::jwks::JwksObject)),
            Arc::new(Managed::new(resources::role::Role)),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<ProviderData>>> {
        data_sources::all()
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        functions::all()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_auth(config, diags);
        if let Some(r) = config.attr("region").as_str() {
            if let Err(e) = crate::domain::region::validate_region(r) {
                diags.push(e.to_diagnostic().at(AttrPath::attr("region")));
            }
        }
        let default_tags = AttrPath::attr("default_tags").then_attr("tags");
        crate::attributes::tags_map().validate(
            config.attr("default_tags").attr("tags"),
            &default_tags,
            diags,
        );
        for (name, _) in ENDPOINT_SERVICES {
            if let Some(url) = config.attr("endpoints").attr(name).as_str() {
                if let Err(e) = validate_endpoint(url) {
                    let path = AttrPath::attr("endpoints").then_attr(name);
                    diags.push(Diagnostic::error("Invalid endpoint", e).at(path));
                }
            }
        }
    }

    async fn configure(
        &self,
        terraform_version: &str,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Option<ProviderData> {
        self.validate(config, diags);
        if diags.has_errors() {
            return None;
        }
        let mut settings = settings(config);
        settings.http = match aws::http::resolve(&http_args(config)) {
            Ok(h) => h,
            Err(e) => {
                let name = match &e {
                    aws::http::HttpSetupError::CaBundle { source_name, .. }
                    | aws::http::HttpSetupError::Proxy { source_name, .. } => *source_name,
                };
                let mut d = Diagnostic::error("Unusable HTTP setting for AWS calls", e.to_string());
                if config.attr(name).as_str().is_some() {
                    d = d.at(AttrPath::attr(name));
                }
                diags.push(d);
                return None;
            }
        };
        tracing::debug!(
            "configuring: region={:?} profile={:?} endpoints={:?} path_style={}",
            settings.region,
            settings.profile,
            settings.endpoints,
            settings.s3_use_path_style
        );
        let aws = aws::connect(&settings).await;
        check_account(config, &aws, diags).await;
        if diags.has_errors() {
            return None;
        }
        Some(ProviderData {
            aws,
            tags: tag_config(config),
            role_reads: aws::role_listing::RoleReads::new(
                config.attr(SKIP_ROLE_LISTING).as_bool() != Some(true),
            ),
            terraform_version: terraform_version.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests;
