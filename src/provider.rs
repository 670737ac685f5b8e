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
    AttrPath, Attribute, Block, BlockNesting, DataSource, Diagnostic, Diagnostics, Function, Mode,
    NestedBlock, Resource, Schema, Type, Value,
};

/// The provider.
#[derive(Default)]
pub struct IrsaProvider;

const ENDPOINT_SERVICES: [(&str, &str); 3] = [("s3", "S3"), ("iam", "IAM"), ("sts", "STS")];

pub fn schema() -> Schema {
    let endpoints = Block {
        description: "Custom endpoints for AWS-compatible services. Endpoint overrides change only where API calls \
                      go; the issuer URLs the provider computes always use the public AWS domains."
            .into(),
        attributes: ENDPOINT_SERVICES
            .iter()
            .map(|(name, label)| {
                Attribute::new(
                    name,
                    Type::String,
                    Mode::Optional,
                    &format!(
                        "Endpoint URL for {label} API calls, e.g. `http://127.0.0.1:5000`. Takes precedence over \
                         `AWS_ENDPOINT_URL_{}` and `AWS_ENDPOINT_URL`.",
                        name.to_uppercase()
                    ),
                )
            })
            .collect(),
        blocks: vec![],
    };
    Schema {
        version: 0,
        block: Block {
            description: "Gives self-hosted Kubernetes clusters IAM Roles for Service Accounts (IRSA): publishes the \
                          cluster's OIDC issuer, registers it with IAM, and creates roles that service accounts assume."
                .into(),
            attributes: vec![
                Attribute::new(
                    "region",
                    Type::String,
                    Mode::Optional,
                    "AWS region for API calls and issuer URLs. Defaults to `AWS_REGION`, `AWS_DEFAULT_REGION`, or \
                     the profile's region.",
                ),
                Attribute::new(
                    "profile",
                    Type::String,
                    Mode::Optional,
                    "Named profile from the shared AWS config and credentials files. Defaults to `AWS_PROFILE`, \
                     else `default`. Credentials come from the standard AWS chain.",
                ),
                Attribute::new(
                    "s3_use_path_style",
                    Type::Bool,
                    Mode::Optional,
                    "Send S3 API calls path-style (`https://host/bucket/key`), as most S3-compatible servers need. \
                     Default `false`.",
                ),
            ],
            blocks: vec![NestedBlock::new("endpoints", BlockNesting::Single, endpoints)],
        },
    }
}

/// Read the AWS settings from a provider configuration value.
pub fn settings(config: &Value) -> aws::Settings {
    let s = |v: &Value| v.as_str().map(str::to_owned);
    let ep = config.attr("endpoints");
    aws::Settings {
        region: s(config.attr("region")),
        profile: s(config.attr("profile")),
        endpoints: aws::Endpoints {
            s3: s(ep.attr("s3")),
            iam: s(ep.attr("iam")),
            sts: s(ep.attr("sts")),
        },
        s3_use_path_style: config.attr("s3_use_path_style").as_bool().unwrap_or(false),
    }
}

fn validate_endpoint(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(()),
        _ => Err(format!("{url:?} is not an http:// or https:// URL.")),
    }
}

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
        if let Some(r) = config.attr("region").as_str() {
            if let Err(e) = crate::domain::region::validate_region(r) {
                diags.push(e.to_diagnostic().at(AttrPath::attr("region")));
            }
        }
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
        let settings = settings(config);
        tracing::debug!(
            "configuring: region={:?} profile={:?} endpoints={:?} path_style={}",
            settings.region,
            settings.profile,
            settings.endpoints,
            settings.s3_use_path_style
        );
        let aws = aws::connect(&settings).await;
        Some(ProviderData {
            aws,
            terraform_version: terraform_version.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn config(region: Option<&str>, s3: Option<&str>) -> Value {
        let endpoints = Value::Object(BTreeMap::from([("s3".into(), Value::opt_string(s3))]));
        Value::Object(BTreeMap::from([
            ("region".into(), Value::opt_string(region)),
            ("endpoints".into(), endpoints),
        ]))
        .conform(&schema().value_type())
    }

    #[test]
    fn settings_are_read_from_the_block() {
        let s = settings(&config(Some("eu-west-1"), Some("http://127.0.0.1:1")));
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.endpoints.s3.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(s.endpoints.iam, None);
        assert!(!s.s3_use_path_style);
    }

    #[test]
    fn bad_region_and_endpoint_name_the_attribute() {
        let mut diags = Diagnostics::new();
        crate::tfplugin::Provider::validate(
            &IrsaProvider,
            &config(Some("EU west"), Some("ftp://x")),
            &mut diags,
        );
        let paths: Vec<String> = diags
            .0
            .iter()
            .map(|d| d.path.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(paths, vec!["region", "endpoints.s3"]);
    }

    #[test]
    fn unknown_values_are_not_validated() {
        let mut c = config(None, None);
        c.set_attr("region", Value::Unknown);
        let mut diags = Diagnostics::new();
        crate::tfplugin::Provider::validate(&IrsaProvider, &c, &mut diags);
        assert!(diags.is_empty());
    }
}
