//! `irsa_trust_check` and `terraform-provider-irsa check`: the trust chain
//! checked from outside, as STS sees it. This module does the I/O of each
//! step (public HTTPS, IAM, the cluster, STS) and hands what it got to the
//! pure checks of [`crate::domain::trust_check`]. The data source and the
//! shell form share it, so they run the same checks.
//!
//! No token is kept: the minted one lives in memory for steps 6 and 7.

use std::time::{SystemTime, UNIX_EPOCH};

use secrecy::ExposeSecret as _;

use crate::aws::{self, AwsError};
use crate::domain::arn::role_name_of;
use crate::domain::issuer::issuer_host_path;
use crate::domain::trust_check::{
    self as check, ChainFacts, ProviderFacts, Report, Step, StepResult,
};
use crate::fetch;
use crate::kube::{Cluster, Connection, KeySource, KubeError};
use crate::tls::sha1_thumbprint;

/// The lifetime of a minted token: ten minutes.
pub const TOKEN_SECONDS: i64 = 600;

/// The session name of the check's AssumeRoleWithWebIdentity.
pub const SESSION_NAME: &str = "irsa-trust-check";

/// What to check.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub issuer_url: String,
    pub role_arn: Option<String>,
    /// `<namespace>:<name>`.
    pub service_account: Option<String>,
    pub audience: String,
    /// Extra CA certificates (PEM), for private test setups.
    pub tls_ca_certificate: Option<String>,
    pub cluster: Option<ClusterAccess>,
    pub mint_token: bool,
    pub assume_role: bool,
}

/// How to reach the cluster, and where its keys are (if step 4 runs).
#[derive(Clone, Debug)]
pub struct ClusterAccess {
    pub connection: Connection,
    pub keys: Option<KeySource>,
}

/// The AWS clients the check calls: IAM (read only) and STS without
/// credentials.
pub struct Clients<'a> {
    pub iam: &'a aws_sdk_iam::Client,
    pub sts: &'a aws_sdk_sts::Client,
}

fn aws_detail(e: &AwsError) -> String {
    e.to_string()
}

fn kube_unchecked(step: Step, e: &KubeError) -> StepResult {
    StepResult::unchecked(
        step,
        e.to_string(),
        "Check the cluster block (or --kubeconfig): the check reads the cluster with it",
    )
}

/// Run the steps in order, stopping at the first failure.
pub async fn run(inputs: &Inputs, clients: &Clients<'_>) -> Report {
    let mut report = Report::default();
    let _ = run_steps(inputs, clients, &mut report).await;
    report
}

async fn run_steps(inputs: &Inputs, clients: &Clients<'_>, report: &mut Report) -> Option<()> {
    let issuer = inputs.issuer_url.as_str();
    let ca = inputs.tls_ca_certificate.as_deref();

    // 1. The discovery document.
    let discovery = fetch::get(&check::discovery_url(issuer), ca).await;
    let chain = match &discovery {
        Ok(f) => ChainFacts {
            thumbprints: f.chain.iter().map(|c| sha1_thumbprint(c)).collect(),
            publicly_trusted: f.publicly_trusted,
        },
        Err(_) => ChainFacts {
            thumbprints: vec![],
            publicly_trusted: false,
        },
    };
    let (result, doc) = check::check_discovery(
        issuer,
        discovery
            .as_ref()
            .map(|f| f.body.as_str())
            .map_err(|e| e.to_string()),
    );
    ok(report, result)?;
    let doc = doc?;

    // 2. The key set.
    let jwks = fetch::get(&doc.jwks_uri, ca).await;
    let (result, published) = check::check_jwks(
        &doc.jwks_uri,
        jwks.as_ref()
            .map(|f| f.body.as_str())
            .map_err(|e| e.to_string()),
        &doc.id_token_signing_alg_values_supported,
    );
    ok(report, result)?;

    // 3. The IAM OIDC provider.
    let provider = match find_provider(clients.iam, issuer).await {
        Ok(p) => p,
        Err(e) => {
            return ok(
                report,
                StepResult::unchecked(
                    Step::OidcProvider,
                    aws_detail(&e),
                    "Give the check AWS credentials that may call iam:ListOpenIDConnectProviders and \
                     iam:GetOpenIDConnectProvider",
                ),
            );
        }
    };
    ok(
        report,
        check::check_provider(issuer, &inputs.audience, provider.as_ref(), &chain),
    )?;
    let provider_arn = provider.map(|p| p.arn).unwrap_or_default();

    // 4. The cluster's keys.
    let cluster = match &inputs.cluster {
        Some(access) => match Cluster::connect(&access.connection).await {
            Ok(c) => Some((c, access)),
            Err(e) => return ok(report, kube_unchecked(Step::ClusterKeys, &e)),
        },
        None => None,
    };
    if let Some((
        client,
        ClusterAccess {
            keys: Some(source), ..
        },
    )) = &cluster
    {
        let result = match client.signing_keys(source).await {
            Ok(keys) => check::check_cluster_keys(&keys, &published),
            Err(e) => StepResult::unchecked(
                Step::ClusterKeys,
                e.to_string(),
                "Check the cluster block's key source (secret or jwks_endpoint)",
            ),
        };
        ok(report, result)?;
    }

    // 5. The role's trust policy.
    let audience = inputs.audience.as_str();
    if let (Some(role_arn), Some(sa)) = (&inputs.role_arn, &inputs.service_account) {
        let policy = match role_name_of(role_arn) {
            Ok(name) => aws::iam_role::get_role(clients.iam, name).await,
            Err(e) => {
                return ok(
                    report,
                    StepResult::unchecked(Step::TrustPolicy, e.to_string(), "Give the role's ARN"),
                )
            }
        };
        let result = match policy {
            Ok(role) => check::check_trust_policy(
                role_arn,
                role.as_ref().map(|r| r.trust_policy.as_str()),
                &provider_arn,
                issuer,
                sa,
                audience,
            ),
            Err(e) => StepResult::unchecked(
                Step::TrustPolicy,
                aws_detail(&e),
                "Give the check AWS credentials that may call iam:GetRole",
            ),
        };
        ok(report, result)?;
    }

    // 6. A real token from the cluster.
    if !inputs.mint_token {
        return Some(());
    }
    let (Some((client, _)), Some(sa)) = (&cluster, &inputs.service_account) else {
        return Some(());
    };
    let (namespace, name) = sa.split_once(':').unwrap_or((sa.as_str(), ""));
    let token = match client
        .token_request(namespace, name, audience, TOKEN_SECONDS)
        .await
    {
        Ok(t) => t,
        Err(e) => return ok(report, kube_unchecked(Step::Token, &e)),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    ok(
        report,
        check::check_token(token.expose_secret(), issuer, audience, sa, &published, now),
    )?;

    // 7. STS itself.
    if !inputs.assume_role {
        return Some(());
    }
    let Some(role_arn) = &inputs.role_arn else {
        return Some(());
    };
    let result = match aws::sts::assume_role_with_web_identity(clients.sts, role_arn, SESSION_NAME, &token).await {
        Ok(assumed) => StepResult::pass(
            Step::AssumeRole,
            format!("STS opened the session {}", assumed.arn),
        ),
        Err(e) => StepResult::fail(
            Step::AssumeRole,
            aws_detail(&e),
            e.message().to_owned(),
            "Compare STS's message with the steps above; they pass, so the difference is in what STS sees \
             and this machine does not (its network path to the issuer, or IAM's view of the account)",
        ),
    };
    ok(report, result)
}

/// Record a step; `None` stops the run.
fn ok(report: &mut Report, result: StepResult) -> Option<()> {
    report.push(result).then_some(())
}

/// The IAM OIDC provider for exactly the issuer, if there is one.
async fn find_provider(
    iam: &aws_sdk_iam::Client,
    issuer: &str,
) -> Result<Option<ProviderFacts>, AwsError> {
    let Some(arn) = aws::oidc_provider::find_by_url(iam, issuer_host_path(issuer)).await? else {
        return Ok(None);
    };
    let p = aws::oidc_provider::get(iam, &arn).await?;
    Ok(Some(ProviderFacts {
        arn: p.arn,
        client_ids: p.client_ids,
        thumbprints: p.thumbprints,
    }))
}
