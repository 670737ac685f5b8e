//! Provider-defined functions (Terraform 1.8+): the pure logic of the
//! resources and data sources, for configurations that keep their own
//! `aws_iam_role` or bucket. Each calls the same domain code as the
//! resource or data source that does the same thing, so the two cannot
//! disagree.

use std::sync::Arc;

use crate::domain::discovery::{self, DiscoveryDocument};
use crate::domain::issuer;
use crate::domain::jwks;
use crate::domain::keys::{self, PublicKey};
use crate::domain::trust_policy::{self, TrustInput};
use crate::tfplugin::{Function, FunctionError, Parameter, Signature, Type, Value};

/// Every function the provider offers.
pub fn all() -> Vec<Arc<dyn Function>> {
    vec![
        Arc::new(Kid),
        Arc::new(Jwks),
        Arc::new(DiscoveryDocumentFn),
        Arc::new(TrustPolicyFn),
        Arc::new(IssuerHostPath),
    ]
}

fn string_arg(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or_default()
}

fn strings_arg(args: &[Value], i: usize) -> Vec<String> {
    args.get(i)
        .and_then(Value::as_string_vec)
        .unwrap_or_default()
}

/// The keys of one PEM argument.
fn keys_of(pem: &str, argument: usize) -> Result<Vec<PublicKey>, FunctionError> {
    keys::parse_public_keys_pem(pem).map_err(|e| FunctionError::at(argument, e.to_string()))
}

fn issuer_url_arg(args: &[Value], i: usize) -> Result<&str, FunctionError> {
    let url = string_arg(args, i);
    issuer::validate_issuer_url(url).map_err(|e| FunctionError::at(i, e.to_string()))?;
    Ok(url)
}

/// `kid(pem)`.
struct Kid;

impl Function for Kid {
    fn name(&self) -> &'static str {
        "kid"
    }

    fn signature(&self) -> Signature {
        Signature {
            summary: "The Kubernetes key ID of a public key".into(),
            description: "The `kid` kube-apiserver puts in the headers of the tokens it signs with the key: \
                          the unpadded base64url of the SHA-256 of the DER public key, as `irsa_jwks` and \
                          `irsa_jwks_document` publish it."
                .into(),
            parameters: vec![Parameter::new(
                "pem",
                Type::String,
                "One PEM public key (`PUBLIC KEY`, `RSA PUBLIC KEY`, or a certificate), RSA or ECDSA.",
            )],
            variadic: None,
            returns: Type::String,
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let keys = keys_of(string_arg(args, 0), 0)?;
        match keys.as_slice() {
            [key] => Ok(Value::string(key.kid())),
            _ => Err(FunctionError::at(
                0,
                format!(
                    "holds {} keys; give exactly one, or use jwks() for several",
                    keys.len()
                ),
            )),
        }
    }
}

/// `jwks(pems)`.
struct Jwks;

impl Function for Jwks {
    fn name(&self) -> &'static str {
        "jwks"
    }

    fn signature(&self) -> Signature {
        Signature {
            summary: "A JSON Web Key Set from PEM public keys".into(),
            description: "The JWKS document of the keys, byte for byte the `json` of `irsa_jwks_document` \
                          (without legacy empty-kid entries): what an issuer serves at its `jwks_uri`."
                .into(),
            parameters: vec![Parameter::new(
                "pems",
                Type::list(Type::String),
                "PEM public keys, each element one or more keys; at least one key in all.",
            )],
            variadic: None,
            returns: Type::String,
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let mut all = Vec::new();
        for pem in strings_arg(args, 0) {
            all.extend(keys_of(&pem, 0)?);
        }
        if all.is_empty() {
            return Err(FunctionError::at(0, "give at least one PEM public key"));
        }
        Ok(Value::string(jwks::build_jwks(&all, false).to_json()))
    }
}

/// `discovery_document(issuer_url, jwks_uri, signing_algorithms...)`.
struct DiscoveryDocumentFn;

impl Function for DiscoveryDocumentFn {
    fn name(&self) -> &'static str {
        "discovery_document"
    }

    fn signature(&self) -> Signature {
        Signature {
            summary: "The OIDC discovery document of an issuer".into(),
            description: format!(
                "The `/.well-known/openid-configuration` document for `issuer_url` and `jwks_uri`, byte for byte \
                 the `discovery_json` of an `irsa_issuer` with the same URLs and signing algorithms. The signing \
                 algorithms follow as further arguments; none means `{}`, the default of `irsa_issuer`.",
                discovery::DEFAULT_SIGNING_ALGORITHM
            ),
            parameters: vec![
                Parameter::new(
                    "issuer_url",
                    Type::String,
                    "The issuer URL: `https://`, no trailing slash, query or fragment.",
                ),
                Parameter::new("jwks_uri", Type::String, "The public `https://` URL of the JWKS."),
            ],
            variadic: Some(Parameter::new(
                "signing_algorithms",
                Type::String,
                "The JWS algorithms of the tokens, e.g. `RS256`, `ES256`.",
            )),
            returns: Type::String,
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let issuer_url = issuer_url_arg(args, 0)?;
        let jwks_uri = string_arg(args, 1);
        if !jwks_uri.starts_with("https://") || jwks_uri.contains(char::is_whitespace) {
            return Err(FunctionError::at(
                1,
                format!("{jwks_uri:?} must be an https:// URL"),
            ));
        }
        let mut algorithms = Vec::new();
        for (i, a) in args.iter().enumerate().skip(2) {
            let alg = a.as_str().unwrap_or_default();
            discovery::validate_signing_algorithm(alg)
                .map_err(|e| FunctionError::at(i, e.to_string()))?;
            algorithms.push(alg.to_owned());
        }
        if algorithms.is_empty() {
            algorithms.push(discovery::DEFAULT_SIGNING_ALGORITHM.to_owned());
        }
        Ok(Value::string(
            DiscoveryDocument::new(issuer_url, jwks_uri, &algorithms).to_json(),
        ))
    }
}

/// `trust_policy(oidc_provider_arn, service_accounts, audience)`.
struct TrustPolicyFn;

impl Function for TrustPolicyFn {
    fn name(&self) -> &'static str {
        "trust_policy"
    }

    fn signature(&self) -> Signature {
        Signature {
            summary: "The trust policy of a role for service accounts".into(),
            description: "The document `irsa_role` writes as its trust policy, byte for byte, for \
                          `aws_iam_role.assume_role_policy`: `sts:AssumeRoleWithWebIdentity` for tokens of the \
                          OIDC provider whose `sub` is one of the service accounts (`StringEquals`, or `StringLike` \
                          for entries with `*` or `?`) and whose `aud` is the audience."
                .into(),
            parameters: vec![
                Parameter::new(
                    "oidc_provider_arn",
                    Type::String,
                    "The IAM OIDC provider's ARN, e.g. `irsa_issuer.this.oidc_provider_arn`.",
                ),
                Parameter::new(
                    "service_accounts",
                    Type::list(Type::String),
                    "Service accounts as `<namespace>:<name>`; `*` and `?` match as in IAM's `StringLike`.",
                ),
                Parameter::new(
                    "audience",
                    Type::String,
                    "The token audience, `sts.amazonaws.com` unless the webhook projects another.",
                ),
            ],
            variadic: None,
            returns: Type::String,
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let policy = trust_policy::trust_policy_from(
            string_arg(args, 0),
            &[],
            &strings_arg(args, 1),
            string_arg(args, 2),
        )
        .map_err(|(input, e)| {
            let argument = match input {
                TrustInput::OidcProviderArn | TrustInput::AdditionalOidcProviderArns => 0,
                TrustInput::ServiceAccounts => 1,
                TrustInput::Audience => 2,
            };
            FunctionError::at(argument, e.to_string())
        })?;
        Ok(Value::string(policy.render()))
    }
}

/// `issuer_host_path(issuer_url)`.
struct IssuerHostPath;

impl Function for IssuerHostPath {
    fn name(&self) -> &'static str {
        "issuer_host_path"
    }

    fn signature(&self) -> Signature {
        Signature {
            summary: "The issuer URL without its scheme".into(),
            description:
                "The prefix of the IAM condition keys `<host/path>:sub` and `<host/path>:aud`, as \
                          `irsa_issuer.issuer_host_path` gives it."
                    .into(),
            parameters: vec![Parameter::new(
                "issuer_url",
                Type::String,
                "The issuer URL: `https://`, no trailing slash, query or fragment.",
            )],
            variadic: None,
            returns: Type::String,
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let url = issuer_url_arg(args, 0)?;
        Ok(Value::string(issuer::issuer_host_path(url)))
    }
}

#[cfg(test)]
mod tests;
