//! `irsa_tls_thumbprint`: the thumbprint IAM expects for an OIDC issuer
//! served over HTTPS, read from the server itself.

use crate::context::ProviderData;
use crate::errors::ToDiagnostic;
use crate::framework::{ManagedDataSource, ResourceSchema};
use crate::tfplugin::{AttrPath, Attribute, Block, Diagnostics, Mode, Schema, Type, Value};
use crate::tls;

pub struct TlsThumbprint;

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "The certificate thumbprint of an HTTPS server, in the form IAM OIDC providers take: the \
                          lower-case hex SHA-1 fingerprint of the topmost certificate the server presents (the last \
                          one of the chain it sends), as AWS documents for obtaining an OIDC provider's thumbprint. \
                          The chain is verified before it is trusted. Issuers served from S3 need no thumbprint \
                          (IAM trusts S3's CA itself); use this for issuers on other hosts."
                .into(),
            attributes: vec![
                Attribute::new(
                    "url",
                    Type::String,
                    Mode::Required,
                    "The `https://` URL of the server, e.g. the issuer URL. Only its host and port are used.",
                ),
                Attribute::new(
                    "ca_certificate_pem",
                    Type::String,
                    Mode::Optional,
                    "PEM certificates to trust in addition to the public (Mozilla) root store, for servers whose \
                     chain ends at a private CA.",
                ),
                Attribute::new(
                    "thumbprint",
                    Type::String,
                    Mode::Computed,
                    "Lower-case hex SHA-1 fingerprint (40 digits, no colons) of the last certificate the server \
                     presents; `openssl x509 -fingerprint -sha1` of the same certificate prints it in upper case \
                     with colons.",
                ),
            ],
            blocks: vec![],
        },
    }
}

#[async_trait::async_trait]
impl ManagedDataSource<ProviderData> for TlsThumbprint {
    fn type_name(&self) -> &'static str {
        "irsa_tls_thumbprint"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::from_schema(schema())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(url) = config.attr("url").as_str() {
            if let Err(e) = tls::host_port(url) {
                diags.push(e.to_diagnostic().at(AttrPath::attr("url")));
            }
        }
    }

    async fn read(&self, _: &ProviderData, config: Value, diags: &mut Diagnostics) -> Value {
        let url = config.attr("url").as_str().unwrap_or_default().to_owned();
        let ca = config
            .attr("ca_certificate_pem")
            .as_str()
            .map(str::to_owned);
        let mut state = config;
        match tls::top_certificate_thumbprint(&url, ca.as_deref()).await {
            Ok(t) => state.set_attr("thumbprint", Value::string(t)),
            Err(e) => diags.push(e.to_diagnostic().at(AttrPath::attr(e.attribute("url")))),
        }
        state
    }
}
