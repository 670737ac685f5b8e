//! The provider block's schema: the AWS settings, with hashicorp/aws's names.

use crate::aws;
use crate::domain::aws_config as aws_rules;
use crate::tfplugin::{Attribute, Block, BlockNesting, Mode, NestedBlock, Schema, Type};

use super::{ENDPOINT_SERVICES, SKIP_ROLE_LISTING};

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
                Attribute::new(
                    SKIP_ROLE_LISTING,
                    Type::Bool,
                    Mode::Optional,
                    "Refresh each `irsa_role` with its own calls (`GetRole`, `ListAttachedRolePolicies`, \
                     `ListRolePolicies`, and `GetRolePolicy` per inline policy) instead of from one shared, paged \
                     listing of the account's roles (`ListRoles` and `GetAccountAuthorizationDetails`). The listing \
                     makes a plan of hundreds of roles cost a handful of IAM calls; set this to `true` where the \
                     credentials may not call `iam:ListRoles` or `iam:GetAccountAuthorizationDetails`, to keep the \
                     denied calls (one per plan) out of CloudTrail. Default `false`.",
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
                NestedBlock::new("default_tags", BlockNesting::Single, default_tags_block()),
                NestedBlock::new("ignore_tags", BlockNesting::Single, ignore_tags_block()),
            ],
        },
    }
}

/// `default_tags`, as in hashicorp/aws.
fn default_tags_block() -> Block {
    Block {
        description: "Tags for everything the provider tags (IAM roles, IAM OIDC providers, and the buckets it \
                      creates), merged under each resource's own `tags`: a resource's tag wins over a default \
                      with the same key. Each taggable resource shows the merged set in `tags_all`. Changing them \
                      updates every tagged resource in place."
            .into(),
        attributes: vec![Attribute::new(
            "tags",
            Type::map(Type::String),
            Mode::Optional,
            "The default tags, checked like every resource's `tags`.",
        )],
        blocks: vec![],
    }
}

/// `ignore_tags`, as in hashicorp/aws.
fn ignore_tags_block() -> Block {
    Block {
        description: "Tags that others manage (tag bots, cost tools, admission controllers). They are left out of \
                      `tags` and `tags_all`, never shown as drift, and kept when the provider rewrites an \
                      object's tags."
            .into(),
        attributes: vec![
            Attribute::new(
                "keys",
                Type::set(Type::String),
                Mode::Optional,
                "Tag keys to ignore, compared exactly.",
            ),
            Attribute::new(
                "key_prefixes",
                Type::set(Type::String),
                Mode::Optional,
                "Prefixes of tag keys to ignore, e.g. `kubernetes.io/`.",
            ),
        ],
        blocks: vec![],
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
