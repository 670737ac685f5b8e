//! The provider block read into AWS settings, and the checks of it.

use std::collections::{BTreeMap, BTreeSet};

use secrecy::SecretString;

use crate::aws;
use crate::domain::aws_config as aws_rules;
use crate::domain::tags::TagConfig;
use crate::errors::ToDiagnostic;
use crate::tfplugin::{AttrPath, Diagnostic, Diagnostics, Value};

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
            cloudfront: s(ep.attr("cloudfront")),
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

/// `default_tags` and `ignore_tags`. Default tags not yet known (a
/// provider block using values computed in the same apply) stay unknown, so
/// that plans leave `tags_all` unknown rather than guess it.
pub fn tag_config(config: &Value) -> TagConfig {
    let defaults = config.attr("default_tags").attr("tags");
    let set = |v: &Value| -> BTreeSet<String> {
        v.as_elements()
            .map(|e| {
                e.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let ignore = config.attr("ignore_tags");
    TagConfig {
        defaults: if defaults.is_null() {
            Some(BTreeMap::new())
        } else if defaults.is_wholly_known() {
            defaults.as_entries().map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
        } else {
            None
        },
        ignore_keys: set(ignore.attr("keys")),
        ignore_key_prefixes: set(ignore.attr("key_prefixes")),
    }
}

/// The block's HTTP arguments.
pub(super) fn http_args(config: &Value) -> aws::http::HttpArgs {
    let s = |name: &str| config.attr(name).as_str().map(str::to_owned);
    aws::http::HttpArgs {
        custom_ca_bundle: s("custom_ca_bundle"),
        http_proxy: s("http_proxy"),
        https_proxy: s("https_proxy"),
        no_proxy: s("no_proxy"),
    }
}

pub(super) fn validate_endpoint(url: &str) -> Result<(), String> {
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
pub(super) fn validate_auth(config: &Value, diags: &mut Diagnostics) {
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
pub(super) async fn check_account(config: &Value, clients: &aws::Clients, diags: &mut Diagnostics) {
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
