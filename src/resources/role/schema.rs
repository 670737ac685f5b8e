//! The schema of `irsa_role`: attribute names, defaults, replacement and
//! validators, declared once.

use crate::attributes::{self, rule};
use crate::domain::role as rules;
use crate::domain::trust_policy::{self, DEFAULT_AUDIENCE};
use crate::errors::ToDiagnostic;
use crate::framework::validator::{self, each};
use crate::framework::{Attr, BlockSpec, Constraint, ResourceSchema};
use crate::tfplugin::{Mode, Value};

pub const ID: &str = "id";
pub const NAME: &str = "name";
pub const NAME_PREFIX: &str = "name_prefix";
pub const PATH: &str = "path";
pub const DESCRIPTION: &str = "description";
pub const OIDC_PROVIDER_ARN: &str = "oidc_provider_arn";
pub const ADDITIONAL_OIDC_PROVIDER_ARNS: &str = "additional_oidc_provider_arns";
pub const SERVICE_ACCOUNTS: &str = "service_accounts";
pub const ALLOW_ANY_SERVICE_ACCOUNT: &str = "allow_any_service_account";
pub const AUDIENCE: &str = "audience";
pub const POLICY_ARNS: &str = "policy_arns";
pub const INLINE_POLICIES: &str = "inline_policies";
pub const PERMISSIONS_BOUNDARY: &str = "permissions_boundary";
pub const MAX_SESSION_DURATION: &str = "max_session_duration";
pub const TAGS: &str = "tags";
pub use crate::attributes::TAGS_ALL;
pub const ARN: &str = "arn";
pub const UNIQUE_ID: &str = "unique_id";
pub const TRUST_POLICY: &str = "trust_policy";
pub const SERVICE_ACCOUNT_ANNOTATIONS: &str = "service_account_annotations";

pub const DEFAULT_PATH: &str = "/";
pub const DEFAULT_SESSION_DURATION: i32 = 3600;

pub fn schema() -> ResourceSchema {
    use Mode::{Computed, Optional, OptionalComputed, Required};
    let block = BlockSpec::new(
        "An IAM role that Kubernetes service accounts assume through the cluster's OIDC provider (IAM Roles for \
         Service Accounts). The trust policy is built from the service accounts, the provider ARN and the \
         audience: `sub` and `aud` under the right operators, wildcards only under `StringLike`, condition keys \
         without `https://`, rendered byte-stable. Managed policy attachments and inline policies are managed \
         exclusively, and changes made outside Terraform show as drift.\n\n\
         **Ownership.** Create never takes over a role that exists: a role of the same name, which may belong to \
         another Terraform state, makes the apply fail, naming it and the `terraform import` command. Every role \
         created here carries the tag `irsa:creation-token`, so that an apply whose answer was lost recognises \
         its own role and the next apply converges. Import takes the role into this state; destroy deletes it.\n\n\
         **Refresh.** A plan's role reads share one paged listing of the account's roles (`ListRoles` and \
         `GetAccountAuthorizationDetails`), so hundreds of roles refresh in a handful of IAM calls; a role the \
         listing lacks is read with its own calls (`GetRole`, `ListAttachedRolePolicies`, `ListRolePolicies`, \
         `GetRolePolicy` per inline policy), as is every role under the provider's `skip_role_listing = true`. \
         The state is the same either way. See the provider's \"Refreshing many roles\".",
    )
    .attr(Attr::string(ID, Computed, "The role name.").use_state_for_unknown())
    .attr(
        Attr::string(
            NAME,
            OptionalComputed,
            "Name of the role: up to 64 letters, digits and `+=,.@_-`. Give `name` or `name_prefix`; both only \
             when `name` is a name generated from `name_prefix`, as in the configuration `terraform plan \
             -generate-config-out` writes for such a role. Changing it replaces the role.",
        )
        .validate(rule(rules::validate_name)),
    )
    .attr(
        Attr::string(
            NAME_PREFIX,
            OptionalComputed,
            "Create a unique name starting with this prefix (up to 38 characters; 26 are added: the creation \
             time and random hex digits). The name is known after apply. Changing it replaces the role. With \
             `name` alone, this is the prefix the name was generated from, if it has the shape of a generated \
             name (e.g. after import), else null.",
        )
        .validate(rule(rules::validate_name_prefix)),
    )
    .attr(
        Attr::string(
            PATH,
            OptionalComputed,
            "Path of the role, e.g. `/k8s/`. Default `/`. Changing it replaces the role.",
        )
        .default(Value::string(DEFAULT_PATH))
        .requires_replace()
        .validate(rule(rules::validate_path)),
    )
    .attr(
        Attr::string(DESCRIPTION, Optional, "Description of the role, up to 1000 characters.")
            .validate(rule(rules::validate_description)),
    )
    .attr(
        Attr::string(
            OIDC_PROVIDER_ARN,
            Required,
            "ARN of the IAM OIDC provider registered for the cluster's issuer, \
             `arn:<partition>:iam::<account>:oidc-provider/<issuer host and path>`. The condition keys of the \
             trust policy (`<issuer host and path>:sub` and `:aud`) are taken from it.",
        )
        .validate(attributes::oidc_provider_arn()),
    )
    .attr(
        Attr::string_set(
            ADDITIONAL_OIDC_PROVIDER_ARNS,
            Optional,
            "More OIDC providers to trust with the same service accounts and audience, e.g. the old and the new \
             issuer while a cluster moves from one to the other. Each provider gets statements of its own, with \
             its own condition keys.",
        )
        .validate(each(attributes::oidc_provider_arn())),
    )
    .attr(Attr::string_set(
        SERVICE_ACCOUNTS,
        Required,
        "The service accounts that may assume the role, as `<namespace>:<name>`. Namespaces must be DNS labels \
         and names DNS subdomains; `*` (any characters) and `?` (one character) are allowed in both. Exact \
         entries are matched with `StringEquals`, entries with wildcards with `StringLike`, in separate \
         statements so that together they allow one entry or the other.",
    ))
    .attr(
        Attr::bool(
            ALLOW_ANY_SERVICE_ACCOUNT,
            OptionalComputed,
            "Allow an entry such as `*:*` that matches every service account of every namespace. Default \
             `false`: such an entry is refused, as it usually is a mistake.",
        )
        .default(Value::Bool(false)),
    )
    .attr(
        Attr::string(
            AUDIENCE,
            OptionalComputed,
            "The `aud` claim the tokens must carry, matched with `StringEquals`. Default `sts.amazonaws.com`, the \
             audience of the EKS pod identity webhook.",
        )
        .default(Value::string(DEFAULT_AUDIENCE))
        .validate(rule(trust_policy::validate_audience)),
    )
    .attr(
        Attr::string_set(
            POLICY_ARNS,
            Optional,
            "ARNs of the managed policies to attach. Managed exclusively: policies attached outside Terraform are \
             detached.",
        )
        .validate(each(attributes::policy_arn())),
    )
    .attr(
        Attr::string_map(
            INLINE_POLICIES,
            Optional,
            "Inline policies, by name, as JSON (e.g. from `jsonencode` or `aws_iam_policy_document`). Documents \
             are compared by meaning, so reformatting by IAM causes no diff. Managed exclusively: inline \
             policies added outside Terraform are deleted.",
        )
        .validate(validator::each_key(|k| {
            rules::validate_policy_name(k).map_err(|e| e.to_diagnostic())
        }))
        .validate(each(rule(|doc| {
            crate::domain::policy_json::parse_policy(doc).map(|_| ())
        }))),
    )
    .attr(
        Attr::string(
            PERMISSIONS_BOUNDARY,
            Optional,
            "ARN of the managed policy that sets the role's permissions boundary.",
        )
        .validate(attributes::policy_arn()),
    )
    .attr(
        Attr::number(
            MAX_SESSION_DURATION,
            OptionalComputed,
            "Longest session, in seconds, from 3600 (one hour, the default) to 43200 (twelve hours).",
        )
        .default(Value::Number(f64::from(DEFAULT_SESSION_DURATION)))
        .validate(validator::from_fn(|v| match v.as_f64() {
            Some(n) => rules::validate_session_duration(n)
                .map(|_| ())
                .map_err(|e| e.to_diagnostic()),
            None => Ok(()),
        })),
    )
    .attr(attributes::tags_attr(&format!(
        "Tags of the role. {}",
        attributes::PROVIDER_TAG_NOTE
    )))
    .attr(attributes::tags_all_attr())
    .attr(Attr::string(ARN, Computed, "ARN of the role.").use_state_for_unknown())
    .attr(
        Attr::string(
            UNIQUE_ID,
            Computed,
            "The stable unique id IAM assigned to the role (`AROA...`).",
        )
        .use_state_for_unknown(),
    )
    .attr(Attr::string(
        TRUST_POLICY,
        Computed,
        "The trust policy document, as JSON. When the role's trust policy was changed outside Terraform, this \
         shows what IAM has until the next apply puts it back.",
    ))
    .attr(Attr::string_map(
        SERVICE_ACCOUNT_ANNOTATIONS,
        Computed,
        "Annotations for the Kubernetes service accounts: `eks.amazonaws.com/role-arn`, and \
         `eks.amazonaws.com/audience` when the audience is not the default.",
    ))
    // Both together only when they agree: checked in `validate_config`.
    .constraint(Constraint::at_least_one_of(&[NAME, NAME_PREFIX]).when_missing(
        "Missing role name",
        "Give `name`, or `name_prefix` to have a unique name generated.",
    ));
    ResourceSchema::new(block)
}
