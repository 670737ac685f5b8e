//! STS: `GetCallerIdentity` for the provider's account check, and, as a
//! pod's SDK calls it, `AssumeRoleWithWebIdentity` with a
//! service-account token and no AWS credentials of its own.

use aws_sdk_sts::Client;

use super::error::AwsError;

/// The role session STS opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumedRole {
    /// The ARN of the assumed-role session, e.g.
    /// `arn:aws:sts::111122223333:assumed-role/app/irsa-trust-check`.
    pub arn: String,
}

/// AssumeRoleWithWebIdentity, unsigned. The credentials STS returns are
/// dropped at once.
pub async fn assume_role_with_web_identity(
    c: &Client,
    role_arn: &str,
    session_name: &str,
    token: &secrecy::SecretString,
) -> Result<AssumedRole, AwsError> {
    use secrecy::ExposeSecret as _;
    let out = c
        .assume_role_with_web_identity()
        .role_arn(role_arn)
        .role_session_name(session_name)
        .web_identity_token(token.expose_secret())
        .duration_seconds(900)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("AssumeRoleWithWebIdentity", role_arn, e))?;
    Ok(AssumedRole {
        arn: out
            .assumed_role_user()
            .map(|u| u.arn().to_owned())
            .unwrap_or_default(),
    })
}

/// GetCallerIdentity with the provider's credentials: the account they
/// belong to.
pub async fn caller_account(c: &Client) -> Result<String, AwsError> {
    let out =
        c.get_caller_identity().send().await.map_err(|e| {
            AwsError::from_sdk("GetCallerIdentity", "the provider's credentials", e)
        })?;
    Ok(out.account().unwrap_or_default().to_owned())
}
