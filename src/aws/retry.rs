//! Bounded, targeted retries for eventual consistency, e.g. IAM not yet
//! seeing a new OIDC provider in a role's trust policy. Throttling and
//! transient errors are already retried by the SDK itself; this is only for
//! errors that a specific call is known to return for a while, never a fixed
//! sleep.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use super::error::AwsError;

/// How long IAM changes may take to propagate.
pub const PROPAGATION_TIMEOUT: Duration = Duration::from_secs(120);

/// Retry `op` while `retryable` says so, with exponential backoff from 200 ms
/// up to 5 s between attempts, until `bound` has passed; then return the last
/// error.
pub async fn retry_while<T, F, Fut>(
    bound: Duration,
    retryable: impl Fn(&AwsError) -> bool,
    mut op: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let start = Instant::now();
    let mut delay = Duration::from_millis(200);
    loop {
        match op().await {
            Err(e) if retryable(&e) && start.elapsed() + delay < bound => {
                tracing::debug!("retrying in {delay:?} after: {e}");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn api(code: &str) -> AwsError {
        AwsError::Api {
            call: "X",
            resource: "r".into(),
            code: code.into(),
            message: String::new(),
            status: 400,
            request_id: None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_only_the_named_error_until_it_clears() {
        let n = AtomicU32::new(0);
        let r = retry_while(
            PROPAGATION_TIMEOUT,
            |e| e.code() == Some("MalformedPolicyDocument"),
            || async {
                if n.fetch_add(1, Ordering::SeqCst) < 3 {
                    Err(api("MalformedPolicyDocument"))
                } else {
                    Ok(42)
                }
            },
        )
        .await;
        assert_eq!(r.unwrap(), 42);
        assert_eq!(n.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn other_errors_return_at_once() {
        let n = AtomicU32::new(0);
        let r: Result<(), _> = retry_while(
            PROPAGATION_TIMEOUT,
            |e| e.code() == Some("A"),
            || async {
                n.fetch_add(1, Ordering::SeqCst);
                Err(api("B"))
            },
        )
        .await;
        assert_eq!(r.unwrap_err().code(), Some("B"));
        assert_eq!(n.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_at_the_bound() {
        let start = tokio::time::Instant::now();
        let r: Result<(), _> = retry_while(
            Duration::from_secs(30),
            |_| true,
            || async { Err(api("A")) },
        )
        .await;
        assert!(r.is_err());
        let waited = start.elapsed();
        assert!(
            waited <= Duration::from_secs(30) && waited >= Duration::from_secs(20),
            "{waited:?}"
        );
    }
}
