//! Where typed errors become diagnostics: each error type gets a summary
//! here, and its own message as the detail. Callers attach the attribute path.

use crate::aws::AwsError;
use crate::domain::issuer::IssuerUrlError;
use crate::domain::jwks::JwksError;
use crate::domain::keys::KeyError;
use crate::tfplugin::Diagnostic;

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
