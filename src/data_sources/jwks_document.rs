//! `irsa_jwks_document`: a JWKS built from PEM public keys, with no I/O.
//! For people who host the discovery documents themselves.

use crate::attributes;
use crate::context::ProviderData;
use crate::domain::jwks;
use crate::framework::{ManagedDataSource, ResourceSchema};
use crate::tfplugin::{Attribute, Block, Diagnostics, Mode, Schema, Type, Value};

pub struct JwksDocument;

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "Builds a JSON Web Key Set from the cluster's service-account public keys, with the `kid` \
                          Kubernetes puts in token headers (base64url of the SHA-256 of the DER public key). No AWS \
                          call is made: use it to publish the document yourself, or use `irsa_jwks` to publish it to \
                          the issuer's bucket."
                .into(),
            attributes: vec![
                attributes::public_keys_pem_attribute(Mode::Required),
                attributes::legacy_kid_attribute(),
                Attribute::new("json", Type::String, Mode::Computed, "The JWKS document, byte-stable."),
                Attribute::new("kids", Type::list(Type::String), Mode::Computed, "The key ids, in document order."),
                Attribute::new(
                    "algorithms",
                    Type::list(Type::String),
                    Mode::Computed,
                    "The signing algorithms of the keys (`RS256`, `ES256`, ...), sorted.",
                ),
            ],
            blocks: vec![],
        },
    }
}

#[async_trait::async_trait]
impl ManagedDataSource<ProviderData> for JwksDocument {
    fn type_name(&self) -> &'static str {
        "irsa_jwks_document"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::from_schema(schema())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        attributes::validate_public_keys_pem(config.attr("public_keys_pem"), diags);
    }

    async fn read(&self, _: &ProviderData, config: Value, diags: &mut Diagnostics) -> Value {
        let Some(keys) = attributes::parse_public_keys_pem(config.attr("public_keys_pem"), diags)
        else {
            return Value::Null;
        };
        let legacy = config
            .attr("include_legacy_empty_kid")
            .as_bool()
            .unwrap_or(false);
        let doc = jwks::build_jwks(&keys, legacy);
        let mut state = config;
        state.set_attr("include_legacy_empty_kid", Value::Bool(legacy));
        state.set_attr("json", Value::string(doc.to_json()));
        state.set_attr("kids", Value::strings(doc.kids()));
        state.set_attr("algorithms", Value::strings(doc.algorithms()));
        state
    }
}
