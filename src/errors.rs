//! Where typed errors become diagnostics: each error type gets a summary
//! here, and its own message as the detail. Callers attach the attribute path.

use crate::aws::bucket_policy::BucketPolicyError;
use crate::aws::AwsError;
use crate::domain::arn::ArnError;
use crate::domain::aws_config::AwsConfigError;
use crate::domain::bucket_policy::PolicyError;
use crate::domain::certificates::CertificateError;
use crate::domain::cloudfront::CloudFrontSettingError;
use crate::domain::cluster_keys::{ClusterKeysError, SecretRefError};
use crate::domain::discovery::{InvalidJwksUri, UnknownAlgorithm};
use crate::domain::issuer::IssuerUrlError;
use crate::domain::jwks::JwksError;
use crate::domain::keys::KeyError;
use crate::domain::oidc_provider::ProviderSettingError;
use crate::domain::policy_json::PolicyJsonError;
use crate::domain::region::RegionError;
use crate::domain::role::RoleSettingError;
use crate::domain::s3_issuer::{ForeignObjects, LocationError};
use crate::domain::service_account::ServiceAccountError;
use crate::domain::tags::TagError;
use crate::domain::trust_policy::{TrustInputError, TrustPolicyError};
use crate::kube::KubeError;
use crate::tfplugin::Diagnostic;
use crate::tls::TlsProbeError;

/// An error that can be shown to a Terraform user.
pub trait ToDiagnostic {
    fn to_diagnostic(&self) -> Diagnostic;
}

impl ToDiagnostic for KeyError {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Invalid public key", self.to_string())
    }
}

impl ToDiagnostic for JwksError {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Invalid JWKS", self.to_string())
    }
}

impl ToDiagnostic for InvalidJwksUri {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Invalid JWKS URI", self.to_string())
    }
}

impl ToDiagnostic for IssuerUrlError {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Invalid issuer URL", self.to_string())
    }
}

impl ToDiagnostic for LocationError {
    fn to_diagnostic(&self) -> Diagnostic {
        let summary = match self {
            LocationError::BucketLength { .. }
            | LocationError::BucketCharacter { .. }
            | LocationError::BucketEnds { .. }
            | LocationError::BucketDots { .. }
            | LocationError::BucketIpAddress { .. }
            | LocationError::BucketReservedPrefix { .. }
            | LocationError::BucketReservedSuffix { .. } => "Invalid bucket name",
            LocationError::DottedVirtualHost { .. } => {
                "Bucket name unusable with virtual-hosted URLs"
            }
            LocationError::ObjectKey { .. } | LocationError::KeyIsDiscovery { .. } => {
                "Invalid object key"
            }
            _ => "Invalid path",
        };
        Diagnostic::error(summary, self.to_string())
    }
}

impl ToDiagnostic for ProviderSettingError {
    fn to_diagnostic(&self) -> Diagnostic {
        let summary = match self {
            ProviderSettingError::Thumbprint { .. } => "Invalid thumbprint",
            ProviderSettingError::TooManyThumbprints { .. } => "Too many thumbprints",
            ProviderSettingError::TooManyClientIds { .. } => "Too many client IDs",
            ProviderSettingError::ClientIdLength { .. } => "Invalid client ID",
        };
        Diagnostic::error(summary, self.to_string())
    }
}

impl ToDiagnostic for UnknownAlgorithm {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Unsupported signing algorithm", self.to_string())
    }
}

impl ToDiagnostic for PolicyError {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Unreadable bucket policy", self.to_string())
    }
}

impl ToDiagnostic for ForeignObjects {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error(
            "Bucket holds objects this issuer did not write",
            self.to_string(),
        )
    }
}

impl ToDiagnostic for TlsProbeError {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error(
            "Cannot read the server's certificate chain",
            self.to_string(),
        )
    }
}

impl ToDiagnostic for TrustInputError {
    fn to_diagnostic(&self) -> Diagnostic {
        match self {
            TrustInputError::Arn(e) => e.to_diagnostic(),
            TrustInputError::ServiceAccount(e) => e.to_diagnostic(),
            TrustInputError::Policy(e) => e.to_diagnostic(),
        }
    }
}

impl ToDiagnostic for ArnError {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Invalid ARN", self.to_string())
    }
}

impl ToDiagnostic for ServiceAccountError {
    fn to_diagnostic(&self) -> Diagnostic {
        let summary = match self {
            ServiceAccountError::AnyServiceAccount { .. } => {
                "Every service account would be trusted"
            }
            _ => "Invalid service account",
        };
        Diagnostic::error(summary, self.to_string())
    }
}

impl ToDiagnostic for TrustPolicyError {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Invalid trust policy settings", self.to_string())
    }
}

impl ToDiagnostic for PolicyJsonError {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Invalid policy document", self.to_string())
    }
}

impl ToDiagnostic for RoleSettingError {
    fn to_diagnostic(&self) -> Diagnostic {
        let summary = match self {
            RoleSettingError::Name { .. } => "Invalid role name",
            RoleSettingError::Path { .. } => "Invalid role path",
            RoleSettingError::Description { .. } => "Invalid description",
            RoleSettingError::SessionDuration(_) => "Invalid maximum session duration",
            RoleSettingError::PolicyName { .. } => "Invalid inline policy name",
        };
        Diagnostic::error(summary, self.to_string())
    }
}

impl ToDiagnostic for AwsError {
    fn to_diagnostic(&self) -> Diagnostic {
        let summary = match self {
            AwsError::NotFound { .. } => "AWS object not found",
            AwsError::Api { .. } => "AWS API call failed",
            AwsError::Transport { .. } => "AWS API call got no answer",
        };
        let hint = match self {
            AwsError::Api { code, .. } if code == "EntityAlreadyExists" => {
                "\n\nTo manage the existing object with Terraform, import it (`terraform import`)."
            }
            AwsError::Transport { .. } => {
                "\n\nCheck the provider's region, credentials (the standard AWS chain: environment, shared \
                 config, SSO, web identity) and any endpoint overrides."
            }
            _ => "",
        };
        Diagnostic::error(summary, format!("{self}{hint}"))
    }
}

impl ToDiagnostic for BucketPolicyError {
    fn to_diagnostic(&self) -> Diagnostic {
        match self {
            BucketPolicyError::Unreadable(e) => e.to_diagnostic(),
            BucketPolicyError::Aws(e) => {
                let mut d = e.to_diagnostic();
                if e.code() == Some("AccessDenied") {
                    d.detail.push_str(
                        "\n\nS3 refused the public-read policy. If the account's S3 Block Public Access settings \
                         block public bucket policies (BlockPublicPolicy), the issuer cannot be public: IAM and \
                         every other OIDC client must read the discovery document anonymously. Allow public bucket \
                         policies for this bucket's account, or check that the credentials may call \
                         s3:PutBucketPolicy.",
                    );
                }
                d
            }
        }
    }
}

impl ToDiagnostic for SecretRefError {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Invalid secret reference", self.to_string())
    }
}

impl ToDiagnostic for ClusterKeysError {
    fn to_diagnostic(&self) -> Diagnostic {
        let summary = match self {
            ClusterKeysError::SecretPem { .. } => "No public key in the secret",
            ClusterKeysError::KidMismatch { .. } => "Served kid does not match its key",
            ClusterKeysError::Jwks(_) | ClusterKeysError::NoKeys => {
                "Unusable JWKS from the cluster"
            }
        };
        Diagnostic::error(summary, self.to_string())
    }
}

impl ToDiagnostic for KubeError {
    fn to_diagnostic(&self) -> Diagnostic {
        let summary = match self {
            KubeError::Kubeconfig { .. } => "Cannot use the kubeconfig",
            KubeError::Settings(_) => "Invalid cluster connection",
            KubeError::Unreachable { .. } => "Kubernetes API server unreachable",
            KubeError::Unauthorized { .. } => "Kubernetes API server refused the credentials",
            KubeError::Forbidden { .. } => "Kubernetes API server forbids the read",
            KubeError::SecretNotFound { .. } => "Secret not found",
            KubeError::KeyMissing { .. } => "Secret key not found",
            KubeError::ServiceAccountNotFound { .. } => "Service account not found",
            KubeError::JwksUnavailable { .. } => "Kubernetes API server serves no JWKS",
            KubeError::Unexpected { .. } => "Unexpected answer from the Kubernetes API server",
        };
        Diagnostic::error(summary, format!("{self}\n\nNothing was published."))
    }
}

impl ToDiagnostic for TagError {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Invalid tags", self.to_string())
    }
}

impl ToDiagnostic for AwsConfigError {
    fn to_diagnostic(&self) -> Diagnostic {
        let summary = match self {
            AwsConfigError::Duration(_) | AwsConfigError::DurationRange { .. } => {
                "Invalid duration"
            }
            AwsConfigError::AccountId(_) => "Invalid AWS account id",
            AwsConfigError::SessionName(_) => "Invalid role session name",
            AwsConfigError::RetryMode(_) => "Invalid retry mode",
            AwsConfigError::MaxRetries(_) => "Invalid retry count",
            AwsConfigError::AccountNotAllowed { .. } | AwsConfigError::AccountForbidden { .. } => {
                "AWS account not allowed"
            }
        };
        Diagnostic::error(summary, self.to_string())
    }
}

impl ToDiagnostic for RegionError {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Invalid region", self.to_string())
    }
}

impl ToDiagnostic for CertificateError {
    fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Invalid CA certificate", self.to_string())
    }
}

impl ToDiagnostic for CloudFrontSettingError {
    fn to_diagnostic(&self) -> Diagnostic {
        let summary = match self {
            CloudFrontSettingError::CertificateArn { .. }
            | CloudFrontSettingError::CertificateRegion { .. } => "Invalid ACM certificate",
            CloudFrontSettingError::PriceClass { .. } => "Invalid price class",
            CloudFrontSettingError::Alias { .. }
            | CloudFrontSettingError::Aliases(_)
            | CloudFrontSettingError::AliasesWithoutCertificate => "Invalid aliases",
            CloudFrontSettingError::WebAcl { .. } => "Invalid web ACL",
        };
        Diagnostic::error(summary, self.to_string())
    }
}
