//! `irsa_discovery_document`: the OIDC discovery document of an issuer
//! whose documents are published by other means, e.g. into a bucket managed
//! with hashicorp/aws. No I/O.

use crate::attributes;
use crate::context::ProviderData;
use crate::domain::discovery::{self, DiscoveryDocument};
use crate::framework::{ManagedDataSource, ResourceSchema};
use crate::tfplugin::{Attribute, Block, Diagnostics, Mode, Schema, Type, Value};

pub struct DiscoveryDocumentSource;

const ISSUER_URL: &str = "issuer_url";
const JWKS_URI: &str = "jwks_uri";
const SIGNING_ALGORITHMS: &str = "signing_algorithms";
const JSON: &str = "json";

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "Renders the OIDC discovery document (`/.well-known/openid-configuration`) of a \
                          service-account issuer, in kube-apiserver's shape and byte for byte as `irsa_issuer` \
                          writes it, for issuers whose documents are published by other means: a bucket managed \
                          with hashicorp/aws, a web server, or `irsa_issuer` with `hosting = \"external\"`. No \
                          AWS call is made. Pair it with `irsa_jwks_document` for the key set."
                .into(),
            attributes: vec![
                Attribute::new(
                    ISSUER_URL,
                    Type::String,
                    Mode::Required,
                    "The issuer URL, announced as `issuer`: `https://`, no trailing slash, query or fragment, \
                     since IAM and kube-apiserver compare it byte for byte.",
                ),
                Attribute::new(
                    JWKS_URI,
                    Type::String,
                    Mode::Required,
                    "Public `https://` URL of the JWKS, announced as `jwks_uri`.",
                ),
                Attribute::new(
                    SIGNING_ALGORITHMS,
                    Type::list(Type::String),
                    Mode::OptionalComputed,
                    &format!(
                        "The JWS algorithms of the cluster's token signer, announced as \
                         `id_token_signing_alg_values_supported`: `{}`. Default `[\"{}\"]`.",
                        discovery::SIGNING_ALGORITHMS.join("`, `"),
                        discovery::DEFAULT_SIGNING_ALGORITHM
                    ),
                ),
                Attribute::new(
                    JSON,
                    Type::String,
                    Mode::Computed,
                    "The discovery document, byte-stable: serve it at \
                     `<issuer_url>/.well-known/openid-configuration`.",
                ),
            ],
            blocks: vec![],
        },
    }
}

#[async_trait::async_trait]
impl ManagedDataSource<ProviderData> for DiscoveryDocumentSource {
    fn type_name(&self) -> &'static str {
        "irsa_discovery_document"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::from_schema(schema())
            .validate_attr(ISSUER_URL, attributes::issuer_url())
            .validate_attr(JWKS_URI, attributes::jwks_uri())
            .validate_attr(
                SIGNING_ALGORITHMS,
                crate::framework::validator::each(attributes::signing_algorithm()),
            )
    }

    async fn read(&self, _: &ProviderData, config: Value, _: &mut Diagnostics) -> Value {
        let text = |name| config.attr(name).as_str().unwrap_or_default().to_owned();
        let algorithms = match config.attr(SIGNING_ALGORITHMS).as_elements() {
            Some(items) if !items.is_empty() => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => vec![discovery::DEFAULT_SIGNING_ALGORITHM.to_owned()],
        };
        let doc = DiscoveryDocument::new(&text(ISSUER_URL), &text(JWKS_URI), &algorithms);
        let mut state = config;
        state.set_attr(SIGNING_ALGORITHMS, Value::strings(&algorithms));
        state.set_attr(JSON, Value::string(doc.to_json()));
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data_sources::test_support::{config, errors_at};

    fn with(pairs: Vec<(&str, Value)>) -> Value {
        config(&DiscoveryDocumentSource.schema(), pairs)
    }

    #[test]
    fn bad_urls_and_algorithms_name_the_attribute() {
        let errors = errors_at(
            DiscoveryDocumentSource,
            &with(vec![
                (ISSUER_URL, Value::string("https://oidc.example.com/c/")),
                (JWKS_URI, Value::string("http://oidc.example.com/c/keys")),
                (SIGNING_ALGORITHMS, Value::strings(["HS256"])),
            ]),
        );
        assert_eq!(
            errors,
            vec![
                (ISSUER_URL.to_owned(), "Invalid issuer URL".to_owned()),
                (JWKS_URI.to_owned(), "Invalid JWKS URI".to_owned()),
                (
                    "signing_algorithms[0]".to_owned(),
                    "Unsupported signing algorithm".to_owned()
                ),
            ]
        );
        let unknown = with(vec![
            (ISSUER_URL, Value::Unknown),
            (JWKS_URI, Value::Unknown),
        ]);
        assert!(errors_at(DiscoveryDocumentSource, &unknown).is_empty());
    }
}
