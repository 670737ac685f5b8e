//! The read-modify-write of a bucket policy that several issuers may share:
//! each issuer puts and removes only its own statements (the merge is
//! [`crate::domain::bucket_policy`]), under a lock per bucket, so that
//! issuers sharing a bucket and applied in parallel by one Terraform run
//! keep each other's statements.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_sdk_s3::Client;

use super::error::AwsError;
use super::{retry, s3};
use crate::domain::bucket_policy::{self, PolicyChange, PolicyError, Statement};

/// How long a fresh bucket's public-access settings may take to allow the
/// bucket policy.
const POLICY_PROPAGATION: Duration = Duration::from_secs(30);

/// Why the statements could not be written.
#[derive(Debug, thiserror::Error)]
pub enum BucketPolicyError {
    /// A call failed; `AccessDenied` from PutBucketPolicy usually means
    /// that Block Public Access refuses public bucket policies.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// The bucket's current policy cannot be read, so it cannot be merged.
    #[error(transparent)]
    Unreadable(#[from] PolicyError),
}

/// The lock around the read-modify-write of one bucket's policy.
fn policy_lock(bucket: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    locks.entry(bucket.to_owned()).or_default().clone()
}

/// Write `statements` into the bucket's policy, each in place of the
/// statement with its `Sid`, keeping every other statement. With
/// `fresh_public_access` (Block Public Access was just changed), S3's
/// `AccessDenied` is retried for a bounded time while the change propagates.
pub async fn put_statements(
    c: &Client,
    bucket: &str,
    statements: &[Statement],
    fresh_public_access: bool,
) -> Result<(), BucketPolicyError> {
    let lock = policy_lock(bucket);
    let _guard = lock.lock().await;
    let current = s3::policy(c, bucket).await?;
    if let PolicyChange::Put(policy) = bucket_policy::merge(current.as_deref(), statements)? {
        let bound = if fresh_public_access {
            POLICY_PROPAGATION
        } else {
            Duration::ZERO
        };
        retry::retry_while(
            bound,
            |e| e.code() == Some("AccessDenied"),
            || s3::put_policy(c, bucket, &policy),
        )
        .await?;
    }
    Ok(())
}

/// Take the statements with `sids` out of the bucket's policy, and delete
/// the policy when nothing is left. A policy that cannot be read is left
/// as it is.
pub async fn remove_statements(c: &Client, bucket: &str, sids: &[String]) -> Result<(), AwsError> {
    let lock = policy_lock(bucket);
    let _guard = lock.lock().await;
    let current = s3::policy(c, bucket).await?;
    match bucket_policy::remove(current.as_deref(), sids) {
        Ok(PolicyChange::Put(p)) => s3::put_policy(c, bucket, &p).await,
        Ok(PolicyChange::Delete) => s3::delete_policy(c, bucket).await,
        Ok(PolicyChange::Unchanged) => Ok(()),
        // A policy S3 accepted but we cannot read: leave it be.
        Err(e) => {
            tracing::warn!("bucket policy of {bucket}: {e}");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_lock_per_bucket() {
        assert!(Arc::ptr_eq(&policy_lock("b-1"), &policy_lock("b-1")));
        assert!(!Arc::ptr_eq(&policy_lock("b-1"), &policy_lock("b-2")));
    }
}
