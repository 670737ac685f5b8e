//! The IRSA trust chain checked from outside, in the order AWS STS checks
//! it for `AssumeRoleWithWebIdentity`. Each check here takes what was
//! fetched or read (documents, the IAM OIDC provider, a trust policy, a
//! token) and gives one [`StepResult`] that names what it compared; the
//! I/O is the caller's (`crate::trust_check`).
//!
//! A failing step carries the message STS gives pods for that break
//! ([`StepResult::sts_error`]), so that users can match what their pods log,
//! and the fix.

use std::collections::{BTreeMap, BTreeSet};

use super::discovery::DiscoveryDocument;
use super::jwks::parse_jwks;
use super::jws::Token;
use super::keys::PublicKey;
use super::policy_eval::{self, Decision};
use super::service_account::SUBJECT_PREFIX;

/// STS, when it cannot get or use the issuer's keys.
pub const STS_NO_KEY: &str =
    "Couldn't retrieve verification key from your identity provider,  please reference \
                              AssumeRoleWithWebIdentity documentation for requirements";
/// STS, when the token's audience is not a client ID of the provider.
pub const STS_AUDIENCE: &str = "Incorrect token audience";
/// STS, when a configured thumbprint does not match the issuer's chain.
pub const STS_THUMBPRINT: &str =
    "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint";
/// STS, when the role's trust policy does not admit the token.
pub const STS_NOT_AUTHORIZED: &str = "Not authorized to perform sts:AssumeRoleWithWebIdentity";

/// STS, when no IAM OIDC provider has the token's issuer as its URL.
pub fn sts_no_provider(issuer: &str) -> String {
    format!("No OpenIDConnect provider found in your account for {issuer}")
}

/// The steps, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Discovery,
    Jwks,
    OidcProvider,
    ClusterKeys,
    TrustPolicy,
    Token,
    AssumeRole,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Discovery,
        Step::Jwks,
        Step::OidcProvider,
        Step::ClusterKeys,
        Step::TrustPolicy,
        Step::Token,
        Step::AssumeRole,
    ];

    /// The name in `steps[*].name` and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Step::Discovery => "discovery",
            Step::Jwks => "jwks",
            Step::OidcProvider => "oidc_provider",
            Step::ClusterKeys => "cluster_keys",
            Step::TrustPolicy => "trust_policy",
            Step::Token => "token",
            Step::AssumeRole => "assume_role",
        }
    }

    /// What the step checks, for documentation and `--help`.
    pub fn summary(self) -> &'static str {
        match self {
            Step::Discovery => {
                "<issuer>/.well-known/openid-configuration is served over public HTTPS without a redirect, and \
                 its issuer is byte-identical to the issuer URL"
            }
            Step::Jwks => {
                "jwks_uri is served the same way; every key parses, its kid is the key's Kubernetes kid, and its \
                 algorithm is advertised"
            }
            Step::OidcProvider => {
                "an IAM OIDC provider exists for exactly the issuer's host and path, lists the audience, and its \
                 thumbprints (if any) match the presented chain"
            }
            Step::ClusterKeys => "the cluster's service-account signing keys are all published",
            Step::TrustPolicy => {
                "the role's trust policy admits system:serviceaccount:<ns>:<name> with the audience, evaluated as \
                 IAM evaluates it"
            }
            Step::Token => {
                "a token minted by the cluster verifies: iss, aud, sub and the signature, against the published keys"
            }
            Step::AssumeRole => "AssumeRoleWithWebIdentity with that token succeeds",
        }
    }
}

/// One step's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepResult {
    pub step: Step,
    pub ok: bool,
    /// What was compared, and with what result.
    pub detail: String,
    /// For a failure: STS's message for it.
    pub sts_error: Option<String>,
    /// For a failure: what to change.
    pub fix: Option<String>,
}

impl StepResult {
    pub fn pass(step: Step, detail: impl Into<String>) -> StepResult {
        StepResult {
            step,
            ok: true,
            detail: detail.into(),
            sts_error: None,
            fix: None,
        }
    }

    pub fn fail(
        step: Step,
        detail: impl Into<String>,
        sts_error: impl Into<String>,
        fix: impl Into<String>,
    ) -> StepResult {
        StepResult {
            step,
            ok: false,
            detail: detail.into(),
            sts_error: Some(sts_error.into()),
            fix: Some(fix.into()),
        }
    }
}

impl StepResult {
    /// A step that could not be checked (IAM or the cluster could not be
    /// read): a failure with no STS message to match.
    pub fn unchecked(step: Step, detail: impl Into<String>, fix: impl Into<String>) -> StepResult {
        StepResult {
            step,
            ok: false,
            detail: detail.into(),
            sts_error: None,
            fix: Some(fix.into()),
        }
    }
}

/// The steps run, in order, up to and including the first failure.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub steps: Vec<StepResult>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.steps.iter().all(|s| s.ok)
    }

    pub fn failure(&self) -> Option<&StepResult> {
        self.steps.iter().find(|s| !s.ok)
    }

    /// Record a step; `true` while the chain holds.
    pub fn push(&mut self, result: StepResult) -> bool {
        let ok = result.ok;
        self.steps.push(result);
        ok
    }
}

/// Where the discovery document of `issuer_url` is.
pub fn discovery_url(issuer_url: &str) -> String {
    format!("{issuer_url}/.well-known/openid-configuration")
}

/// A hint for an issuer URL with a trailing slash, which no apiserver and
/// no IAM provider should have.
fn slash_hint(issuer_url: &str) -> &'static str {
    if issuer_url.ends_with('/') {
        " The issuer URL ends with \"/\": the apiserver's --service-account-issuer, the document's issuer and \
         the IAM provider must all be the same URL without it."
    } else {
        ""
    }
}

/// Step 1 on the fetched document (or why it could not be fetched).
pub fn check_discovery(
    issuer_url: &str,
    fetched: Result<&str, String>,
) -> (StepResult, Option<DiscoveryDocument>) {
    let url = discovery_url(issuer_url);
    let fail = |detail: String, fix: &str| {
        (
            StepResult::fail(
                Step::Discovery,
                format!("{detail}{}", slash_hint(issuer_url)),
                STS_NO_KEY,
                fix,
            ),
            None,
        )
    };
    let body = match fetched {
        Ok(b) => b,
        Err(why) => {
            let redirect = why.contains("redirect");
            return fail(
                format!("GET {url}: {why}"),
                if redirect {
                    "Serve the documents at the issuer URL itself. For S3, the issuer URL must use the bucket's \
                     regional endpoint (<bucket>.s3.<region>.amazonaws.com): the global endpoint answers with a \
                     PermanentRedirect, which STS does not follow"
                } else {
                    "Publish the discovery document at <issuer_url>/.well-known/openid-configuration, readable \
                     without credentials (irsa_issuer does this)"
                },
            );
        }
    };
    let Some(doc) = DiscoveryDocument::parse(body) else {
        return fail(
            format!("{url} is not an OIDC discovery document (it needs issuer, jwks_uri and id_token_signing_alg_values_supported)"),
            "Publish the document irsa_issuer renders (discovery_json)",
        );
    };
    if doc.issuer != issuer_url {
        return fail(
            format!(
                "the document's issuer {:?} is not byte-identical to the issuer URL {issuer_url:?}",
                doc.issuer
            ),
            "Use one issuer string everywhere: --service-account-issuer, the discovery document and the IAM OIDC \
             provider",
        );
    }
    if !doc.jwks_uri.starts_with("https://") {
        return fail(
            format!("jwks_uri {:?} is not an https:// URL", doc.jwks_uri),
            "Publish a jwks_uri under the issuer's https:// URL",
        );
    }
    let detail = format!(
        "{url} served issuer {issuer_url:?} (byte-identical), jwks_uri {}, algorithms {}",
        doc.jwks_uri,
        doc.id_token_signing_alg_values_supported.join(", ")
    );
    (StepResult::pass(Step::Discovery, detail), Some(doc))
}

/// A published key and the kid it is served under.
#[derive(Clone, Debug)]
pub struct PublishedKey {
    pub kid: String,
    pub key: PublicKey,
}

/// Step 2 on the fetched key set.
pub fn check_jwks(
    jwks_uri: &str,
    fetched: Result<&str, String>,
    advertised: &[String],
) -> (StepResult, Vec<PublishedKey>) {
    let fail = |detail: String, fix: &str| {
        (
            StepResult::fail(Step::Jwks, detail, STS_NO_KEY, fix),
            Vec::new(),
        )
    };
    let body = match fetched {
        Ok(b) => b,
        Err(why) => return fail(
            format!("GET {jwks_uri}: {why}"),
            "Publish the key set at jwks_uri, readable without credentials (irsa_jwks does this)",
        ),
    };
    let entries = match parse_jwks(body) {
        Ok(e) => e,
        Err(e) => {
            return fail(
                format!("{jwks_uri}: {e}"),
                "Publish the key set irsa_jwks renders",
            )
        }
    };
    let mut published = Vec::new();
    let mut legacy = Vec::new();
    for (served, key) in entries {
        let kid = key.kid();
        match served.as_deref() {
            Some(s) if s == kid => published.push(PublishedKey { kid, key }),
            None | Some("") => legacy.push(kid),
            Some(other) => {
                return fail(
                    format!("{jwks_uri} serves a key under kid {other:?}, but the key's Kubernetes kid is {kid:?}"),
                    "Publish the keys with the kid Kubernetes computes (irsa_jwks does this); tokens name that kid",
                )
            }
        }
    }
    // Entries without a kid serve tokens of apiservers before 1.16; each
    // must also be listed under its kid.
    if let Some(kid) = legacy
        .iter()
        .find(|k| !published.iter().any(|p| &p.kid == *k))
    {
        return fail(
            format!("{jwks_uri} lists a key without a kid and not under its kid {kid:?}"),
            "Publish every key with its kid (irsa_jwks does this; its legacy entries come in addition)",
        );
    }
    if published.is_empty() {
        return fail(
            format!("{jwks_uri} lists no keys"),
            "Publish the cluster's keys with irsa_jwks",
        );
    }
    let unadvertised: BTreeSet<&str> = published
        .iter()
        .map(|p| p.key.algorithm().as_str())
        .filter(|a| !advertised.iter().any(|x| x == a))
        .collect();
    if !unadvertised.is_empty() {
        return fail(
            format!(
                "the keys sign with {}, which the discovery document does not advertise (it lists {})",
                unadvertised.into_iter().collect::<Vec<_>>().join(", "),
                advertised.join(", ")
            ),
            "List every key's algorithm in the issuer's signing_algorithms",
        );
    }
    let kids: Vec<&str> = published.iter().map(|p| p.kid.as_str()).collect();
    (
        StepResult::pass(
            Step::Jwks,
            format!(
                "{jwks_uri} lists {} key(s), kids {}",
                kids.len(),
                kids.join(", ")
            ),
        ),
        published,
    )
}

/// What IAM holds for the issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderFacts {
    pub arn: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
}

/// What the issuer's host presented.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainFacts {
    /// SHA-1 thumbprints (lower-case hex) of the certificates presented.
    pub thumbprints: Vec<String>,
    /// Whether the chain verified against the public roots alone.
    pub publicly_trusted: bool,
}

/// Step 3.
pub fn check_provider(
    issuer_url: &str,
    audience: &str,
    provider: Option<&ProviderFacts>,
    chain: &ChainFacts,
) -> StepResult {
    let host_path = super::issuer::issuer_host_path(issuer_url);
    let Some(p) = provider else {
        return StepResult::fail(
            Step::OidcProvider,
            format!("no IAM OIDC provider in the account has the URL {host_path:?}"),
            sts_no_provider(issuer_url),
            "Register the issuer with IAM (irsa_issuer does this), with exactly the issuer URL",
        );
    };
    if !p.client_ids.iter().any(|c| c == audience) {
        return StepResult::fail(
            Step::OidcProvider,
            format!(
                "{} lists the client IDs [{}], not the audience {audience:?}",
                p.arn,
                p.client_ids.join(", ")
            ),
            STS_AUDIENCE,
            "Add the audience to the provider's client_ids, or mint tokens for one it lists",
        );
    }
    let lower: Vec<String> = p
        .thumbprints
        .iter()
        .map(|t| t.to_ascii_lowercase())
        .collect();
    let matching = lower.iter().any(|t| chain.thumbprints.contains(t));
    let thumbs = if p.thumbprints.is_empty() {
        "no thumbprints".to_owned()
    } else if matching {
        "a thumbprint that matches the presented chain".to_owned()
    } else if chain.publicly_trusted {
        // IAM verifies hosts whose chain ends at a CA it trusts with its own
        // root store, and ignores thumbprints for them.
        "thumbprints that match no certificate presented, which IAM ignores for a publicly trusted chain".to_owned()
    } else {
        return StepResult::fail(
            Step::OidcProvider,
            format!(
                "{} has the thumbprints [{}], but the host presents [{}] under a CA outside the public roots",
                p.arn,
                lower.join(", "),
                chain.thumbprints.join(", ")
            ),
            STS_THUMBPRINT,
            "Set the provider's thumbprints to the SHA-1 of the top certificate the host presents \
             (irsa_tls_thumbprint computes it)",
        );
    };
    // STS trusts public CAs only: a chain that needed the extra CA passes
    // here, for private test setups, and says so.
    let private = if chain.publicly_trusted {
        ""
    } else {
        "; the host's certificate verified only with the extra CA (tls_ca_certificate), which STS does not trust"
    };
    StepResult::pass(
        Step::OidcProvider,
        format!(
            "{} lists the audience {audience:?} and has {thumbs}{private}",
            p.arn
        ),
    )
}

/// Step 4.
pub fn check_cluster_keys(cluster: &[PublicKey], published: &[PublishedKey]) -> StepResult {
    let missing: Vec<String> = cluster
        .iter()
        .map(PublicKey::kid)
        .filter(|kid| !published.iter().any(|p| &p.kid == kid))
        .collect();
    if cluster.is_empty() {
        return StepResult::fail(
            Step::ClusterKeys,
            "the cluster gave no signing keys",
            STS_NO_KEY,
            "Point the cluster block at the service-account key (a secret or jwks_endpoint)",
        );
    }
    if !missing.is_empty() {
        return StepResult::fail(
            Step::ClusterKeys,
            format!(
                "the cluster signs with kid(s) {} that the JWKS does not list",
                missing.join(", ")
            ),
            STS_NO_KEY,
            "Publish the cluster's current keys with irsa_jwks before the apiserver signs with them",
        );
    }
    StepResult::pass(
        Step::ClusterKeys,
        format!("all {} cluster key(s) are published", cluster.len()),
    )
}

/// The condition keys IAM fills from a token of `issuer_url`.
pub fn token_context(issuer_url: &str, subject: &str, audience: &str) -> BTreeMap<String, String> {
    let host_path = super::issuer::issuer_host_path(issuer_url);
    BTreeMap::from([
        (format!("{host_path}:sub"), subject.to_owned()),
        (format!("{host_path}:aud"), audience.to_owned()),
        (format!("{host_path}:oaud"), audience.to_owned()),
    ])
}

/// `system:serviceaccount:<ns>:<name>` for `<ns>:<name>`.
pub fn subject_of(service_account: &str) -> String {
    format!("{SUBJECT_PREFIX}{service_account}")
}

/// Step 5, with the role's trust policy (`None`: no such role).
pub fn check_trust_policy(
    role_arn: &str,
    policy: Option<&str>,
    provider_arn: &str,
    issuer_url: &str,
    service_account: &str,
    audience: &str,
) -> StepResult {
    let fix = "Trust the service account in the role (irsa_role's service_accounts), for the audience and this \
               issuer's OIDC provider";
    let Some(policy) = policy else {
        return StepResult::fail(
            Step::TrustPolicy,
            format!("the role {role_arn} does not exist"),
            STS_NOT_AUTHORIZED,
            "Create the role (irsa_role), or correct role_arn",
        );
    };
    let subject = subject_of(service_account);
    let request = policy_eval::Request {
        federated: provider_arn,
        context: token_context(issuer_url, &subject, audience),
    };
    match policy_eval::evaluate(policy, &request) {
        Decision::Allowed { index } => StepResult::pass(
            Step::TrustPolicy,
            format!("statement {index} of {role_arn}'s trust policy admits {subject} with audience {audience:?} from {provider_arn}"),
        ),
        Decision::Denied { index } => StepResult::fail(
            Step::TrustPolicy,
            format!("statement {index} of {role_arn}'s trust policy denies {subject}"),
            STS_NOT_AUTHORIZED,
            fix,
        ),
        Decision::NotAllowed { reasons } => StepResult::fail(
            Step::TrustPolicy,
            format!(
                "no statement of {role_arn}'s trust policy admits {subject} with audience {audience:?} from \
                 {provider_arn}: {}",
                reasons.join("; ")
            ),
            STS_NOT_AUTHORIZED,
            fix,
        ),
        Decision::Malformed(why) => StepResult::fail(Step::TrustPolicy, why, STS_NOT_AUTHORIZED, fix),
    }
}

/// Step 6, on a token the cluster minted (`now`: seconds since the epoch).
pub fn check_token(
    token: &str,
    issuer_url: &str,
    audience: &str,
    service_account: &str,
    published: &[PublishedKey],
    now: u64,
) -> StepResult {
    let fail =
        |detail: String, sts: String, fix: &str| StepResult::fail(Step::Token, detail, sts, fix);
    let t = match Token::parse(token) {
        Ok(t) => t,
        Err(e) => {
            return fail(
                e.to_string(),
                STS_NO_KEY.into(),
                "Check the apiserver's token signing",
            )
        }
    };
    let iss = t.iss.clone().unwrap_or_default();
    if iss != issuer_url {
        return fail(
            format!("the token's iss {iss:?} is not the issuer URL {issuer_url:?}"),
            sts_no_provider(&iss),
            "Set the apiserver's --service-account-issuer to the issuer URL (irsa_apiserver_flags renders it)",
        );
    }
    if !t.aud.iter().any(|a| a == audience) {
        return fail(
            format!("the token's aud {:?} does not include {audience:?}", t.aud),
            STS_AUDIENCE.into(),
            "Project tokens for the audience the provider lists (the webhook's audience)",
        );
    }
    let subject = subject_of(service_account);
    if t.sub.as_deref() != Some(subject.as_str()) {
        return fail(
            format!(
                "the token's sub {:?} is not {subject:?}",
                t.sub.as_deref().unwrap_or("")
            ),
            STS_NOT_AUTHORIZED.into(),
            "Mint the token for the service account the role trusts",
        );
    }
    if t.exp.is_some_and(|exp| exp <= now) || t.nbf.is_some_and(|nbf| nbf > now + 300) {
        return fail(
            "the token is expired or not valid yet".into(),
            "Token expired or not yet valid".into(),
            "Check the clocks of the apiserver and this machine",
        );
    }
    let kid = t.kid.clone().unwrap_or_default();
    let Some(key) = published.iter().find(|p| p.kid == kid) else {
        return fail(
            format!("the token is signed with kid {kid:?}, which the JWKS does not list"),
            STS_NO_KEY.into(),
            "Publish the key the apiserver signs with (irsa_jwks)",
        );
    };
    if let Err(e) = t.verify(&kid, &key.key) {
        return fail(
            e.to_string(),
            STS_NO_KEY.into(),
            "Publish the key the apiserver signs with (irsa_jwks)",
        );
    }
    StepResult::pass(
        Step::Token,
        format!(
            "a token for {subject}, audience {audience:?}, verifies with the published key {kid}"
        ),
    )
}

#[cfg(test)]
mod tests;
