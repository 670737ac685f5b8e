//! The credential sources of the provider block, on top of the SDK's
//! standard chain: `assume_role` (STS AssumeRole with the credentials of
//! the sources below it) and `assume_role_with_web_identity` (STS
//! AssumeRoleWithWebIdentity with an OIDC token, unsigned).
//!
//! Both are called lazily, on the first AWS call that needs credentials,
//! and again when the session is about to expire; the SDK's identity cache
//! keeps the session in between. A failure names its source, so that the
//! error says which of the configured ways of getting credentials broke.

use std::time::SystemTime;

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials};
use aws_credential_types::Credentials;
use secrecy::{ExposeSecret as _, SecretString};

use super::error::AwsError;
use super::{AssumeRoleSettings, WebIdentitySettings};

/// The session name when the block gives none.
pub const DEFAULT_SESSION_NAME: &str = "terraform-provider-irsa";

/// A credential source that could not give credentials.
#[derive(Debug, thiserror::Error)]
#[error("credentials from `{source_name}` failed: {message}")]
pub struct SourceFailed {
    /// The provider block's name for the source, e.g. `assume_role`.
    pub source_name: &'static str,
    pub message: String,
}

fn failed(source_name: &'static str, message: impl ToString) -> CredentialsError {
    CredentialsError::provider_error(SourceFailed {
        source_name,
        message: message.to_string(),
    })
}

fn session_credentials(
    c: Option<&aws_sdk_sts::types::Credentials>,
    source_name: &'static str,
) -> Result<Credentials, CredentialsError> {
    let c = c.ok_or_else(|| failed(source_name, "STS returned no credentials"))?;
    let expiry = SystemTime::try_from(*c.expiration()).ok();
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        expiry,
        source_name,
    ))
}

/// `assume_role`: AssumeRole, signed with the credentials of `sts`'s own
/// provider (static keys, web identity or the standard chain).
#[derive(Debug)]
pub struct AssumeRole {
    pub sts: aws_sdk_sts::Client,
    pub settings: AssumeRoleSettings,
}

impl AssumeRole {
    async fn assume(&self) -> Result<Credentials, CredentialsError> {
        const SOURCE: &str = "assume_role";
        let s = &self.settings;
        let mut call = self
            .sts
            .assume_role()
            .role_arn(&s.role_arn)
            .role_session_name(s.session_name.as_deref().unwrap_or(DEFAULT_SESSION_NAME))
            .set_external_id(s.external_id.clone())
            .set_duration_seconds(s.duration_seconds)
            .set_policy(s.policy.clone())
            .set_source_identity(s.source_identity.clone());
        for arn in &s.policy_arns {
            call = call.policy_arns(
                aws_sdk_sts::types::PolicyDescriptorType::builder()
                    .arn(arn)
                    .build(),
            );
        }
        for (k, v) in &s.tags {
            let tag = aws_sdk_sts::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| failed(SOURCE, e))?;
            call = call.tags(tag);
        }
        for k in &s.transitive_tag_keys {
            call = call.transitive_tag_keys(k);
        }
        let out = call
            .send()
            .await
            .map_err(|e| failed(SOURCE, AwsError::from_sdk("AssumeRole", &s.role_arn, e)))?;
        session_credentials(out.credentials(), SOURCE)
    }
}

impl ProvideCredentials for AssumeRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.assume())
    }
}

/// `assume_role_with_web_identity`: AssumeRoleWithWebIdentity with the
/// token given inline or read from its file on every call (CI systems
/// rotate the file).
#[derive(Debug)]
pub struct WebIdentity {
    /// A client without credentials: the call is unsigned.
    pub sts: aws_sdk_sts::Client,
    pub settings: WebIdentitySettings,
}

impl WebIdentity {
    async fn assume(&self) -> Result<Credentials, CredentialsError> {
        const SOURCE: &str = "assume_role_with_web_identity";
        let s = &self.settings;
        let token: SecretString = match (&s.web_identity_token, &s.web_identity_token_file) {
            (Some(t), _) => t.clone(),
            (None, Some(path)) => tokio::fs::read_to_string(path)
                .await
                .map(|t| SecretString::from(t.trim().to_owned()))
                .map_err(|e| failed(SOURCE, format!("cannot read the token file {path}: {e}")))?,
            (None, None) => {
                return Err(failed(
                    SOURCE,
                    "neither web_identity_token nor web_identity_token_file is set",
                ))
            }
        };
        let out = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(&s.role_arn)
            .role_session_name(s.session_name.as_deref().unwrap_or(DEFAULT_SESSION_NAME))
            .web_identity_token(token.expose_secret())
            .set_duration_seconds(s.duration_seconds)
            .send()
            .await
            .map_err(|e| {
                failed(
                    SOURCE,
                    AwsError::from_sdk("AssumeRoleWithWebIdentity", &s.role_arn, e),
                )
            })?;
        session_credentials(out.credentials(), SOURCE)
    }
}

impl ProvideCredentials for WebIdentity {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.assume())
    }
}
