//! AWS errors as the resources need them: "not found" is its own variant, so
//! a refresh can drop a vanished object from state, and every error names the
//! API call and the object it was about.

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
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
    "NoSuchDistribution",
    "NoSuchOriginAccessControl",
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
    /// AWS answered and refused the call. Shown with the error code and
    /// message AWS gave (or that it gave none), the HTTP status and the
    /// request id, so that AWS support can find the call.
    #[error("{call} on {resource} failed: {}", describe(code, message, *status, request_id.as_deref()))]
    Api {
        call: &'static str,
        resource: String,
        code: String,
        message: String,
        status: u16,
        request_id: Option<String>,
    },
    /// No usable answer: credentials, connection, timeout, or a malformed
    /// reply. The message is the chain of causes, never a debug dump.
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
                let code = ctx.err().code().unwrap_or_default().to_owned();
                if status == 404 || NOT_FOUND_CODES.contains(&code.as_str()) {
                    return AwsError::NotFound { call, resource };
                }
                let message = ctx.err().message().unwrap_or("").to_owned();
                let headers = ctx.raw().headers();
                let request_id = ["x-amzn-requestid", "x-amz-request-id"]
                    .iter()
                    .find_map(|h| headers.get(*h))
                    .map(str::to_owned);
                AwsError::Api {
                    call,
                    resource,
                    code,
                    message,
                    status,
                    request_id,
                }
            }
            _ => AwsError::Transport {
                call,
                resource,
                message: transport_message(&err),
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

/// `AccessDenied: message (HTTP 403, request id X)`, or for an answer with
/// an empty body `HTTP 403 with no error code or message (request id X)`.
fn describe(code: &str, message: &str, status: u16, request_id: Option<&str>) -> String {
    let id = request_id
        .map(|r| format!(", request id {r}"))
        .unwrap_or_default();
    match (code.is_empty(), message.is_empty()) {
        (true, true) => match request_id {
            Some(r) => format!("HTTP {status} with no error code or message (request id {r})"),
            None => format!("HTTP {status} with no error code or message"),
        },
        (false, true) => format!("{code} (HTTP {status}{id})"),
        (true, false) => format!("{message} (HTTP {status}{id})"),
        (false, false) => format!("{code}: {message} (HTTP {status}{id})"),
    }
}

/// The causes of a failure to get an answer, one after the other, without
/// repeats. A credential source of the provider block that failed is named
/// with its own error alone; missing credentials get a paragraph of their
/// own.
fn transport_message(err: &(dyn std::error::Error + 'static)) -> String {
    let mut causes: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(failed) = e.downcast_ref::<super::credentials::SourceFailed>() {
            return failed.to_string();
        }
        let text = e.to_string();
        if !text.is_empty() && !causes.iter().any(|c| c.contains(&text)) {
            causes.push(text);
        }
        next = e.source();
    }
    let chain = causes.join(": ");
    if chain.to_ascii_lowercase().contains("credential") {
        // The SDK lists the sources it tried one per line; one paragraph
        // reads better in a diagnostic.
        let mut flat = String::new();
        for line in chain.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !flat.is_empty() {
                flat.push_str(if flat.ends_with(':') { " " } else { "; " });
            }
            flat.push_str(line);
        }
        let chain = flat;
        format!(
            "no AWS credentials. The provider looked where the AWS SDKs and hashicorp/aws look: `access_key` and \
             `secret_key` in the provider block, the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), \
             the profile (AWS_PROFILE or `profile`) in the shared config and credentials files \
             (`shared_config_files`, `shared_credentials_files`), SSO, web identity (AWS_WEB_IDENTITY_TOKEN_FILE \
             and AWS_ROLE_ARN), and container and instance metadata, and none gave credentials ({chain})"
        )
    } else {
        chain
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

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str, message: &str, status: u16, id: Option<&str>) -> String {
        AwsError::Api {
            call: "PutBucketPolicy",
            resource: "bucket b".into(),
            code: code.into(),
            message: message.into(),
            status,
            request_id: id.map(str::to_owned),
        }
        .to_string()
    }

    #[test]
    fn api_errors_show_code_message_status_and_request_id() {
        assert_eq!(
            api("AccessDenied", "Access Denied", 403, Some("R1")),
            "PutBucketPolicy on bucket b failed: AccessDenied: Access Denied (HTTP 403, request id R1)"
        );
        assert_eq!(
            api("", "", 403, Some("R2")),
            "PutBucketPolicy on bucket b failed: HTTP 403 with no error code or message (request id R2)"
        );
        assert_eq!(
            api("", "", 500, None),
            "PutBucketPolicy on bucket b failed: HTTP 500 with no error code or message"
        );
        assert_eq!(
            api("Throttling", "", 400, None),
            "PutBucketPolicy on bucket b failed: Throttling (HTTP 400)"
        );
    }

    #[derive(Debug)]
    struct Cause(&'static str, Option<Box<Cause>>);
    impl std::fmt::Display for Cause {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Cause {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|c| c as _)
        }
    }

    #[test]
    fn transport_errors_are_a_chain_of_causes_and_never_a_debug_dump() {
        let e = Cause(
            "dispatch failure",
            Some(Box::new(Cause(
                "io error",
                Some(Box::new(Cause("Connection refused", None))),
            ))),
        );
        assert_eq!(
            transport_message(&e),
            "dispatch failure: io error: Connection refused"
        );
        let creds = Cause(
            "failed to construct request",
            Some(Box::new(Cause("no credentials in the chain", None))),
        );
        let m = transport_message(&creds);
        assert!(m.starts_with("no AWS credentials."), "{m}");
        let listed = Cause(
            "no credentials found in chain. Attempted:\n  Environment: not set\n  Profile: not enabled",
            None,
        );
        let m = transport_message(&listed);
        assert!(
            m.ends_with("(no credentials found in chain. Attempted: Environment: not set; Profile: not enabled)"),
            "{m}"
        );
        assert!(!m.contains('\n'), "{m}");
        assert!(!m.contains("DispatchFailure {"), "{m}");
    }
}
