//! The `irsa` provider: its schema, its configuration, and the registry of
//! resources and data sources.

use std::sync::Arc;

use secrecy::SecretString;

use crate::aws;
use crate::context::ProviderData;
use crate::data_sources;
use crate::domain::aws_config as aws_rules;
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
            ]
            .into_iter()
            .chain(auth_attributes())
            .collect(),
            blocks: vec![
                NestedBlock::new("endpoints", BlockNesting::Single, endpoints),
                NestedBlock::new("assume_role", BlockNesting::Single, assume_role_block()),
                NestedBlock::new(
                    "assume_role_with_web_identity",
                    BlockNesting::Single,
                    web_identity_block(),
                ),
            ],
        },
    }
}

/// Credentials, account checks, retries and STS: hashicorp/aws's
/// arguments, with its names and meanings.
fn auth_attributes() -> Vec<Attribute> {
    let strings = || Type::list(Type::String);
    let account_set = || Type::set(Type::String);
    vec![
        Attribute::new(
            "access_key",
            Type::String,
            Mode::Optional,
            "AWS access key id. With `secret_key`, it takes precedence over every other source of credentials \
             (environment, profile, web identity, metadata), as in hashicorp/aws. Prefer the environment or a \
             profile to keys in configuration.",
        ),
        Attribute::new(
            "secret_key",
            Type::String,
            Mode::Optional,
            "AWS secret access key, for `access_key`.",
        )
        .sensitive(),
        Attribute::new(
            "token",
            Type::String,
            Mode::Optional,
            "Session token, for temporary `access_key` and `secret_key`.",
        )
        .sensitive(),
        Attribute::new(
            "shared_config_files",
            strings(),
            Mode::Optional,
            "Paths of AWS config files, used instead of `~/.aws/config` (or `AWS_CONFIG_FILE`). `~` is expanded.",
        ),
        Attribute::new(
            "shared_credentials_files",
            strings(),
            Mode::Optional,
            "Paths of AWS shared credentials files, used instead of `~/.aws/credentials` (or \
             `AWS_SHARED_CREDENTIALS_FILE`). `~` is expanded.",
        ),
        Attribute::new(
            "allowed_account_ids",
            account_set(),
            Mode::Optional,
            "AWS account ids (12 digits) the provider may act in. When set, configuring the provider calls \
             `sts:GetCallerIdentity` once and refuses any other account. Conflicts with `forbidden_account_ids`.",
        ),
        Attribute::new(
            "forbidden_account_ids",
            account_set(),
            Mode::Optional,
            "AWS account ids (12 digits) the provider must not act in. When set, configuring the provider calls \
             `sts:GetCallerIdentity` once and refuses these accounts. Conflicts with `allowed_account_ids`.",
        ),
        Attribute::new(
            "max_retries",
            Type::Number,
            Mode::Optional,
            &format!(
                "How many times a throttled or failed AWS call is retried, with exponential backoff (0 to {}). \
                 Counts retries, as in hashicorp/aws, so the SDK makes `max_retries + 1` attempts. Defaults to \
                 `AWS_MAX_ATTEMPTS` (which counts attempts) less one, else {} (hashicorp/aws defaults to 25).",
                aws_rules::MAX_RETRIES,
                aws_rules::DEFAULT_MAX_RETRIES
            ),
        ),
        Attribute::new(
            "retry_mode",
            Type::String,
            Mode::Optional,
            &format!(
                "How the SDK paces retries: {}. Defaults to `AWS_RETRY_MODE`, else `standard`.",
                aws_rules::RETRY_MODES
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        ),
        Attribute::new(
            "custom_ca_bundle",
            Type::String,
            Mode::Optional,
            "Path of a PEM file of CA certificates that AWS calls trust in addition to the system's, e.g. for a \
             proxy that inspects TLS. Defaults to `AWS_CA_BUNDLE`. `~` is expanded.",
        ),
        Attribute::new(
            "http_proxy",
            Type::String,
            Mode::Optional,
            "URL of the proxy for AWS calls to `http://` endpoints. Defaults to `HTTP_PROXY` (or `http_proxy`).",
        ),
        Attribute::new(
            "https_proxy",
            Type::String,
            Mode::Optional,
            "URL of the proxy for AWS calls to `https://` endpoints. Defaults to `HTTPS_PROXY` (or \
             `https_proxy`).",
        ),
        Attribute::new(
            "no_proxy",
            Type::String,
            Mode::Optional,
            "Comma-separated hosts, domains (`.example.com`), IP ranges (`10.0.0.0/8`) and `host:port` entries \
             that AWS calls reach without a proxy; `*` for all. Defaults to `NO_PROXY` (or `no_proxy`).",
        ),
        Attribute::new(
            "sts_region",
            Type::String,
            Mode::Optional,
            "Region of STS calls (`assume_role`, web identity, the account check, the trust check), when it is \
             not the provider's region.",
        ),
    ]
}

const DURATION_HELP: &str =
    "A duration such as `15m`, `1h` or `1h30m`, from 15 minutes to 12 hours";

fn assume_role_block() -> Block {
    let s = |name: &str, d: &str| Attribute::new(name, Type::String, Mode::Optional, d);
    Block {
        description: "Assume an IAM role (STS AssumeRole) with the credentials found otherwise, and make every \
                      later AWS call with the role's session. One block (hashicorp/aws takes a list of one)."
            .into(),
        attributes: vec![
            Attribute::new(
                "role_arn",
                Type::String,
                Mode::Required,
                "ARN of the role to assume, e.g. `arn:aws:iam::123456789012:role/terraform`.",
            ),
            s(
                "session_name",
                &format!(
                    "Role session name (2 to 64 of letters, digits and `+=,.@-_`). Default `{}`.",
                    aws::credentials::DEFAULT_SESSION_NAME
                ),
            ),
            s("external_id", "External id the role's trust policy asks for."),
            s(
                "duration",
                &format!("Session length. {DURATION_HELP}. Defaults to one hour, as STS does."),
            ),
            s(
                "policy",
                "IAM policy JSON that further limits the session's permissions.",
            ),
            Attribute::new(
                "policy_arns",
                Type::set(Type::String),
                Mode::Optional,
                "ARNs of managed policies that further limit the session's permissions.",
            ),
            Attribute::new(
                "tags",
                Type::map(Type::String),
                Mode::Optional,
                "Session tags.",
            ),
            Attribute::new(
                "transitive_tag_keys",
                Type::set(Type::String),
                Mode::Optional,
                "Keys of session tags that pass on to later role chaining.",
            ),
            s("source_identity", "Source identity of the session."),
        ],
        blocks: vec![],
    }
}

fn web_identity_block() -> Block {
    let s = |name: &str, d: &str| Attribute::new(name, Type::String, Mode::Optional, d);
    Block {
        description: "Assume an IAM role with an OIDC token (STS AssumeRoleWithWebIdentity), as CI systems with \
                      OIDC federation do. Replaces the other credential sources; `assume_role` may chain on top."
            .into(),
        attributes: vec![
            s(
                "role_arn",
                "ARN of the role to assume. Defaults to `AWS_ROLE_ARN`.",
            ),
            s(
                "session_name",
                &format!(
                    "Role session name. Defaults to `AWS_ROLE_SESSION_NAME`, else `{}`.",
                    aws::credentials::DEFAULT_SESSION_NAME
                ),
            ),
            s(
                "web_identity_token",
                "The OIDC token itself. Conflicts with `web_identity_token_file`.",
            )
            .sensitive(),
            s(
                "web_identity_token_file",
                "File holding the OIDC token, read again whenever the session is renewed. Defaults to \
                 `AWS_WEB_IDENTITY_TOKEN_FILE`.",
            ),
            s(
                "duration",
                &format!("Session length. {DURATION_HELP}. Defaults to one hour, as STS does."),
            ),
        ],
        blocks: vec![],
    }
}

/// Read the AWS settings from a provider configuration value (already
/// validated).
pub fn settings(config: &Value) -> aws::Settings {
    let s = |v: &Value| v.as_str().map(str::to_owned);
    let list = |v: &Value| v.as_string_vec().unwrap_or_default();
    let secret = |v: &Value| v.as_str().map(|t| SecretString::from(t.to_owned()));
    let seconds = |v: &Value| {
        v.as_str().and_then(|d| {
            aws_rules::session_seconds(
                d,
                aws_rules::ASSUME_ROLE_MIN_SECONDS,
                aws_rules::ASSUME_ROLE_MAX_SECONDS,
            )
            .ok()
        })
    };
    let ep = config.attr("endpoints");
    let static_keys = match (
        s(config.attr("access_key")),
        secret(config.attr("secret_key")),
    ) {
        (Some(access_key), Some(secret_key)) => Some(aws::StaticKeys {
            access_key,
            secret_key,
            token: secret(config.attr("token")),
        }),
        _ => None,
    };
    let ar = config.attr("assume_role");
    let assume_role = (!ar.is_null()).then(|| aws::AssumeRoleSettings {
        role_arn: s(ar.attr("role_arn")).unwrap_or_default(),
        session_name: s(ar.attr("session_name")),
        external_id: s(ar.attr("external_id")),
        duration_seconds: seconds(ar.attr("duration")),
        policy: s(ar.attr("policy")),
        policy_arns: list(ar.attr("policy_arns")),
        tags: ar
            .attr("tags")
            .as_entries()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default(),
        transitive_tag_keys: list(ar.attr("transitive_tag_keys")),
        source_identity: s(ar.attr("source_identity")),
    });
    let wi = config.attr("assume_role_with_web_identity");
    let web_identity = (!wi.is_null()).then(|| aws::WebIdentitySettings {
        role_arn: s(wi.attr("role_arn")).unwrap_or_default(),
        session_name: s(wi.attr("session_name")),
        web_identity_token: secret(wi.attr("web_identity_token")),
        web_identity_token_file: s(wi.attr("web_identity_token_file")),
        duration_seconds: seconds(wi.attr("duration")),
    });
    aws::Settings {
        region: s(config.attr("region")),
        profile: s(config.attr("profile")),
        endpoints: aws::Endpoints {
            s3: s(ep.attr("s3")),
            iam: s(ep.attr("iam")),
            sts: s(ep.attr("sts")),
        },
        s3_use_path_style: config.attr("s3_use_path_style").as_bool().unwrap_or(false),
        static_keys,
        shared_config_files: list(config.attr("shared_config_files")),
        shared_credentials_files: list(config.attr("shared_credentials_files")),
        assume_role,
        web_identity,
        max_retries: config
            .attr("max_retries")
            .as_f64()
            .and_then(|n| aws_rules::validate_max_retries(n).ok()),
        retry_mode: config
            .attr("retry_mode")
            .as_str()
            .and_then(|m| aws_rules::parse_retry_mode(m).ok()),
        sts_region: s(config.attr("sts_region")),
        http: None,
    }
}

/// The block's HTTP arguments.
fn http_args(config: &Value) -> aws::http::HttpArgs {
    let s = |name: &str| config.attr(name).as_str().map(str::to_owned);
    aws::http::HttpArgs {
        custom_ca_bundle: s("custom_ca_bundle"),
        http_proxy: s("http_proxy"),
        https_proxy: s("https_proxy"),
        no_proxy: s("no_proxy"),
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

/// The known strings of a list or set attribute (unknown elements skipped).
fn known_strings(v: &Value) -> Vec<&str> {
    v.as_elements()
        .map(|e| e.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Whether an attribute is set (known or not).
fn is_set(v: &Value) -> bool {
    !v.is_null()
}

/// The checks of the credential, account, retry and STS arguments. Each
/// skips null and unknown values and names its attribute.
fn validate_auth(config: &Value, diags: &mut Diagnostics) {
    let at = |d: Diagnostic, path: AttrPath| d.at(path);
    for (key, other) in [("access_key", "secret_key"), ("secret_key", "access_key")] {
        if is_set(config.attr(key)) && !is_set(config.attr(other)) {
            diags.push(at(
                Diagnostic::error(
                    "Incomplete static credentials",
                    format!("`{key}` needs `{other}` too."),
                ),
                AttrPath::attr(key),
            ));
        }
    }
    for name in ["allowed_account_ids", "forbidden_account_ids"] {
        for id in known_strings(config.attr(name)) {
            if let Err(e) = aws_rules::validate_account_id(id) {
                diags.push(at(e.to_diagnostic(), AttrPath::attr(name)));
            }
        }
    }
    if is_set(config.attr("allowed_account_ids")) && is_set(config.attr("forbidden_account_ids")) {
        diags.push(at(
            Diagnostic::error(
                "Conflicting arguments",
                "Set `allowed_account_ids` or `forbidden_account_ids`, not both.",
            ),
            AttrPath::attr("forbidden_account_ids"),
        ));
    }
    if let Some(n) = config.attr("max_retries").as_f64() {
        if let Err(e) = aws_rules::validate_max_retries(n) {
            diags.push(at(e.to_diagnostic(), AttrPath::attr("max_retries")));
        }
    }
    if let Some(m) = config.attr("retry_mode").as_str() {
        if let Err(e) = aws_rules::parse_retry_mode(m) {
            diags.push(at(e.to_diagnostic(), AttrPath::attr("retry_mode")));
        }
    }
    for name in ["http_proxy", "https_proxy"] {
        if let Some(url) = config.attr(name).as_str() {
            if let Err(e) = validate_endpoint(url) {
                diags.push(at(
                    Diagnostic::error("Invalid proxy URL", e),
                    AttrPath::attr(name),
                ));
            }
        }
    }
    if let Some(r) = config.attr("sts_region").as_str() {
        if let Err(e) = crate::domain::region::validate_region(r) {
            diags.push(at(e.to_diagnostic(), AttrPath::attr("sts_region")));
        }
    }
    for block in ["assume_role", "assume_role_with_web_identity"] {
        let b = config.attr(block);
        let path = |name: &str| AttrPath::attr(block).then_attr(name);
        if let Some(arn) = b.attr("role_arn").as_str() {
            if let Err(e) = crate::domain::arn::role_name_of(arn) {
                diags.push(at(e.to_diagnostic(), path("role_arn")));
            }
        }
        if let Some(n) = b.attr("session_name").as_str() {
            if let Err(e) = aws_rules::validate_session_name(n) {
                diags.push(at(e.to_diagnostic(), path("session_name")));
            }
        }
        if let Some(d) = b.attr("duration").as_str() {
            if let Err(e) = aws_rules::session_seconds(
                d,
                aws_rules::ASSUME_ROLE_MIN_SECONDS,
                aws_rules::ASSUME_ROLE_MAX_SECONDS,
            ) {
                diags.push(at(e.to_diagnostic(), path("duration")));
            }
        }
        for arn in known_strings(b.attr("policy_arns")) {
            if let Err(e) = crate::domain::arn::validate_policy_arn(arn) {
                diags.push(at(e.to_diagnostic(), path("policy_arns")));
            }
        }
    }
    let wi = config.attr("assume_role_with_web_identity");
    if is_set(wi.attr("web_identity_token")) && is_set(wi.attr("web_identity_token_file")) {
        diags.push(at(
            Diagnostic::error(
                "Conflicting arguments",
                "Set `web_identity_token` or `web_identity_token_file`, not both.",
            ),
            AttrPath::attr("assume_role_with_web_identity").then_attr("web_identity_token_file"),
        ));
    }
}

/// With `allowed_account_ids` or `forbidden_account_ids`, the one
/// GetCallerIdentity call of configure, and its verdict.
async fn check_account(config: &Value, clients: &aws::Clients, diags: &mut Diagnostics) {
    let allowed: Vec<String> = known_strings(config.attr("allowed_account_ids"))
        .into_iter()
        .map(str::to_owned)
        .collect();
    let forbidden: Vec<String> = known_strings(config.attr("forbidden_account_ids"))
        .into_iter()
        .map(str::to_owned)
        .collect();
    if allowed.is_empty() && forbidden.is_empty() {
        return;
    }
    let path = AttrPath::attr(if allowed.is_empty() {
        "forbidden_account_ids"
    } else {
        "allowed_account_ids"
    });
    match aws::sts::caller_account(&clients.sts).await {
        Ok(account) => {
            if let Err(e) = aws_rules::check_account(&account, &allowed, &forbidden) {
                diags.push(e.to_diagnostic().at(path));
            }
        }
        Err(e) => {
            let d = e.to_diagnostic();
            diags.push(
                Diagnostic::error(
                    "Cannot check the AWS account",
                    format!(
                        "The account check needs the account of the provider's credentials. {}",
                        d.detail
                    ),
                )
                .at(path),
            );
        }
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
        validate_auth(config, diags);
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

    fn validate_paths(config: Value) -> Vec<String> {
        let mut diags = Diagnostics::new();
        crate::tfplugin::Provider::validate(&IrsaProvider, &config, &mut diags);
        diags
            .0
            .iter()
            .map(|d| d.path.as_ref().unwrap().to_string())
            .collect()
    }

    fn with(attrs: &[(&str, Value)]) -> Value {
        let mut c = config(None, None);
        for (k, v) in attrs {
            c.set_attr(k, v.clone());
        }
        c.conform(&schema().value_type())
    }

    fn block(attrs: &[(&str, &str)]) -> Value {
        Value::Object(
            attrs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::string(*v)))
                .collect(),
        )
    }

    #[test]
    fn bad_auth_settings_name_the_attribute() {
        let paths = validate_paths(with(&[
            ("access_key", Value::string("AKIA")),
            (
                "allowed_account_ids",
                Value::Set(vec![Value::string("12345")]),
            ),
            (
                "forbidden_account_ids",
                Value::Set(vec![Value::string("123456789012")]),
            ),
            ("max_retries", Value::Number(-1.0)),
            ("retry_mode", Value::string("legacy")),
            (
                "assume_role",
                block(&[("role_arn", "arn:aws:s3:::bucket"), ("duration", "1d")]),
            ),
            (
                "assume_role_with_web_identity",
                block(&[("duration", "5m"), ("session_name", "a b")]),
            ),
        ]));
        assert_eq!(
            paths,
            vec![
                "access_key",
                "allowed_account_ids",
                "forbidden_account_ids",
                "max_retries",
                "retry_mode",
                "assume_role.role_arn",
                "assume_role.duration",
                "assume_role_with_web_identity.session_name",
                "assume_role_with_web_identity.duration",
            ]
        );
    }

    #[test]
    fn auth_settings_are_read_from_the_block() {
        let c = with(&[
            ("access_key", Value::string("AKIAEXAMPLE")),
            ("secret_key", Value::string("s3cret")),
            ("max_retries", Value::Number(0.0)),
            ("retry_mode", Value::string("adaptive")),
            (
                "assume_role",
                block(&[
                    ("role_arn", "arn:aws:iam::123456789012:role/terraform"),
                    ("duration", "1h30m"),
                ]),
            ),
        ]);
        assert!(validate_paths(c.clone()).is_empty());
        let s = settings(&c);
        assert_eq!(s.static_keys.unwrap().access_key, "AKIAEXAMPLE");
        assert_eq!(s.max_retries, Some(0));
        assert_eq!(s.retry_mode, Some(aws::RetryMode::Adaptive));
        let ar = s.assume_role.unwrap();
        assert_eq!(ar.role_arn, "arn:aws:iam::123456789012:role/terraform");
        assert_eq!(ar.duration_seconds, Some(5400));
        assert!(s.web_identity.is_none());
    }

    #[test]
    fn unknown_auth_values_are_not_validated() {
        let c = with(&[
            ("allowed_account_ids", Value::Unknown),
            ("max_retries", Value::Unknown),
            (
                "assume_role",
                Value::Object(BTreeMap::from([("role_arn".into(), Value::Unknown)])),
            ),
        ]);
        assert!(validate_paths(c).is_empty());
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
