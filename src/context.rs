//! What every resource and data source call receives: the clients built at
//! configure and what Terraform said about itself. Resources and data
//! sources import this module; `provider.rs` builds it.

use crate::aws;
use crate::domain::tags::TagConfig;
use crate::tfplugin::Diagnostic;

/// The provider's configured state, shared by every call.
pub struct ProviderData {
    pub aws: aws::Clients,
    /// `default_tags` and `ignore_tags`.
    pub tags: TagConfig,
    /// Role refreshes, answered from one shared listing of the account's
    /// roles where that is cheaper.
    pub role_reads: aws::role_listing::RoleReads,
    pub terraform_version: String,
}

impl ProviderData {
    /// For unit tests: the given clients, no default or ignored tags, the
    /// shared role listing on, and Terraform `terraform_version`.
    #[cfg(test)]
    pub fn for_tests(aws: aws::Clients, terraform_version: &str) -> ProviderData {
        ProviderData {
            aws,
            tags: TagConfig::none(),
            role_reads: aws::role_listing::RoleReads::new(true),
            terraform_version: terraform_version.to_owned(),
        }
    }

    /// Whether Terraform keeps write-only attributes out of plans and state
    /// (Terraform 1.11 and later). Older versions store them like any other
    /// attribute, and the provider must hand their values back unchanged.
    pub fn write_only_supported(&self) -> bool {
        let mut parts = self
            .terraform_version
            .split(['.', '-'])
            .map(|p| p.parse::<u64>().unwrap_or(0));
        let major = parts.next().unwrap_or(0);
        let minor = parts.next().unwrap_or(0);
        (major, minor) >= (1, 11)
    }

    /// The provider's region, or an error saying where to set it.
    pub fn region(&self) -> Result<&str, Diagnostic> {
        self.aws.region.as_deref().ok_or_else(|| {
            Diagnostic::error(
                "No AWS region",
                "Set `region` in the provider block, or AWS_REGION / AWS_DEFAULT_REGION, or a region in the AWS \
                 profile.",
            )
        })
    }
}
