//! AWS errors as the resources need them: "not found" is its own variant, so
//! a refresh can drop a vanished object from state, and every error names the
//! API call and the object it was about.

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

/// Error codes that mean "this object does not exist".
const NOT_FOUND_CODES: &[&str] = &[
    "NoSuchEntity",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchBucketPolicy",
    "NoSuchTagSet",
    "NoSuchPublicAccessBlockConfiguration",
    "OwnershipControlsNotFoundError",
    "NotFound",
];

#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// The object does not exist (any of the services' "no such ..." codes,
    /// or HTTP 404).
    #[error("{call} on {resource}: not found")]
    NotFound {
        call: &'static str,
        resource: String,
    },
    /// AWS answered and refused the call.
    #[error("{call} on {resource} failed: {code}: {message}")]
    Api {
        call: &'static str,
        resource: String,
        code: String,
        message: String,
        status: u16,
    },
    /// No usable answer: credentials, connection, timeout, or a malformed reply.
    #[error("{call} on {resource} failed: {message}")]
    Transport {
        call: &'static str,
        resource: String,
        message: String,
    },
}

impl AwsError {
    /// Classify an SDK error of any AWS operation.
    pub fn from_sdk<E>(
        call: &'static str,
        resource: impl Into<String>,
        err: SdkError<E, HttpResponse>,
    ) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let resource = resource.into();
        match &err {
            SdkError::ServiceError(ctx) => {
                let status = ctx.raw().status().as_u16();
                let code = ctx.err().code().unwrap_or("Unknown").to_owned();
                if status == 404 || NOT_FOUND_CODES.contains(&code.as_str()) {
                    return AwsError::NotFound { call, resource };
                }
                let message = ctx.err().message().unwrap_or("").to_owned();
                AwsError::Api {
                    call,
                    resource,
                    code,
                    message,
                    status,
                }
            }
            _ => AwsError::Transport {
                call,
                resource,
                message: DisplayErrorContext(&err).to_string(),
            },
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, AwsError::NotFound { .. })
    }

    /// The AWS error code, when AWS answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Api { code, .. } => Some(code),
            AwsError::NotFound { .. } => Some("NotFound"),
            AwsError::Transport { .. } => None,
        }
    }

    /// Whether the call may have been carried out although it reported a
    /// failure: no answer arrived, or AWS failed on its side (HTTP 5xx)
    /// after perhaps acting. Creates check for their object after these.
    pub fn may_have_happened(&self) -> bool {
        match self {
            AwsError::Transport { .. } => true,
            AwsError::Api { status, .. } => *status >= 500,
            AwsError::NotFound { .. } => false,
        }
    }

    /// The error message AWS gave, when it answered.
    pub fn message(&self) -> &str {
        match self {
            AwsError::Api { message, .. } | AwsError::Transport { message, .. } => message,
            AwsError::NotFound { .. } => "",
        }
    }
}

/// `Ok(None)` for a not-found error, so that finders read naturally.
pub fn found<T>(r: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}
