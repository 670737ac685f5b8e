//! The one error for "Terraform asked the provider to stop", shared by every
//! resource.

use crate::tfplugin::{CancellationToken, Diagnostic};

/// Terraform asked the provider to stop (Ctrl-C) before the apply finished.
/// The state returned with it records what exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stopped on request; the state records what was done")]
pub struct Stopped;

impl Stopped {
    pub fn diagnostic(self) -> Diagnostic {
        Diagnostic::error(
            "Stopped",
            "Terraform asked the provider to stop. What was done so far is recorded in the state, and the next \
             apply continues from there.",
        )
    }
}

/// `Err(Stopped)` once a stop was asked for: the check between two steps.
pub fn check(stop: &CancellationToken) -> Result<(), Stopped> {
    if stop.is_cancelled() {
        Err(Stopped)
    } else {
        Ok(())
    }
}
