//! Where typed errors become diagnostics: each error type gets a summary
//! here, and its own message as the detail. Callers attach the attribute path.

use crate::aws::AwsError;
use crate::domain::bucket_policy::PolicyError;
use crate::domain::discovery::UnknownAlgorithm;
use crate::domain::issuer::IssuerUrlError;
use crate::domain::jwks::JwksError;
use crate::domain::keys::KeyError;
use crate::domain::oidc_provider::ProviderSettingError;
use crate::domain::s3_issuer::{ForeignObjects, LocationError};
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

impl ToDiagnostic for AwsError {
    fn to_diagnostic(&self) -> Diagnostic {
        let summary = match self {
            AwsError::NotFound { .. } => "AWS object not found",
            AwsError::Api { .. } => "AWS API call failed",
            AwsError::Transport { .. } => "AWS API call got no answer",
        };
        let hint = match self {
            AwsError::Transport { .. } => {
                "\n\nCheck the provider's region, credentials (the standard AWS chain: environment, shared \
                 config, SSO, web identity) and any endpoint overrides."
            }
            _ => "",
        };
        Diagnostic::error(summary, format!("{self}{hint}"))
    }
}
