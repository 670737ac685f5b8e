//! The S3 calls that publish an issuer.
//!
//! In this module [`AwsError::NotFound`] always means that the bucket does
//! not exist. An absent object, policy or tag set is not an error: the
//! functions that read them return `None` or an empty value instead.

use std::collections::BTreeMap;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier, ObjectOwnership,
    OwnershipControls, OwnershipControlsRule, PublicAccessBlockConfiguration, Tag, Tagging,
};
use aws_sdk_s3::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use super::error::AwsError;

/// The region whose buckets are created without a location constraint.
const DEFAULT_REGION: &str = "us-east-1";

/// Most keys one DeleteObjects call takes.
const DELETE_BATCH: usize = 1000;

fn bucket_label(bucket: &str) -> String {
    format!("bucket {bucket}")
}

fn object_label(bucket: &str, key: &str) -> String {
    format!("s3://{bucket}/{key}")
}

/// Classify an error of a call that reads something inside a bucket:
/// `absent` codes mean "nothing there" (`Ok(None)`); `NoSuchBucket` is
/// [`AwsError::NotFound`]; anything else is an error.
fn absent_or_error<T, E>(
    call: &'static str,
    bucket: &str,
    resource: String,
    absent: &[&str],
    r: Result<T, SdkError<E, HttpResponse>>,
) -> Result<Option<T>, AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) => match e.code() {
            Some(code) if absent.contains(&code) => Ok(None),
            Some("NoSuchBucket") => Err(AwsError::NotFound {
                call,
                resource: bucket_label(bucket),
            }),
            _ => match AwsError::from_sdk(call, resource, e) {
                // A 404 without one of the codes above (a HEAD-like answer)
                // is about the object, not the bucket.
                AwsError::NotFound { .. } => Ok(None),
                other => Err(other),
            },
        },
    }
}

/// A client like `base` (same credentials and endpoint) for `region`, for
/// buckets outside the provider's region.
pub fn client_for_region(base: &Client, region: &str) -> Client {
    if base.config().region().map(|r| r.as_ref()) == Some(region) {
        return base.clone();
    }
    let conf = base
        .config()
        .to_builder()
        .region(aws_sdk_s3::config::Region::new(region.to_owned()))
        .build();
    Client::from_conf(conf)
}

/// CreateBucket in `region`.
pub async fn create_bucket(c: &Client, bucket: &str, region: &str) -> Result<(), AwsError> {
    let mut req = c.create_bucket().bucket(bucket);
    if region != DEFAULT_REGION {
        req = req.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    req.send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateBucket", bucket_label(bucket), e))?;
    Ok(())
}

/// Whether a bucket exists, in this account or another (HeadBucket; a 403
/// means it exists and is someone else's).
pub async fn bucket_exists(c: &Client, bucket: &str) -> Result<bool, AwsError> {
    match c.head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(true),
        Err(e) => match AwsError::from_sdk("HeadBucket", bucket_label(bucket), e) {
            AwsError::NotFound { .. } => Ok(false),
            AwsError::Api { status: 403, .. } => Ok(true),
            other => Err(other),
        },
    }
}

/// The region a bucket is in (GetBucketLocation).
pub async fn bucket_region(c: &Client, bucket: &str) -> Result<String, AwsError> {
    let out = c
        .get_bucket_location()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetBucketLocation", bucket_label(bucket), e))?;
    Ok(match out.location_constraint().map(|l| l.as_str()) {
        None | Some("") => DEFAULT_REGION.to_owned(),
        // The legacy name of eu-west-1.
        Some("EU") => "eu-west-1".to_owned(),
        Some(r) => r.to_owned(),
    })
}

/// Object ownership `BucketOwnerEnforced`: ACLs are disabled, the bucket
/// owner owns every object.
pub async fn enforce_bucket_owner(c: &Client, bucket: &str) -> Result<(), AwsError> {
    let rule = OwnershipControlsRule::builder()
        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
        .build()
        .expect("object ownership is set");
    let controls = OwnershipControls::builder()
        .rules(rule)
        .build()
        .expect("rules are set");
    c.put_bucket_ownership_controls()
        .bucket(bucket)
        .ownership_controls(controls)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("PutBucketOwnershipControls", bucket_label(bucket), e))?;
    Ok(())
}

/// Block Public Access that blocks every ACL but lets a bucket policy grant
/// public reads: BlockPublicAcls and IgnorePublicAcls on, BlockPublicPolicy
/// and RestrictPublicBuckets off.
pub fn public_access_for_policy() -> PublicAccessBlockConfiguration {
    PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(false)
        .restrict_public_buckets(false)
        .build()
}

/// PutPublicAccessBlock with [`public_access_for_policy`].
pub async fn allow_public_policy(c: &Client, bucket: &str) -> Result<(), AwsError> {
    put_public_access_block(c, bucket, public_access_for_policy()).await
}

async fn put_public_access_block(
    c: &Client,
    bucket: &str,
    config: PublicAccessBlockConfiguration,
) -> Result<(), AwsError> {
    c.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(config)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("PutPublicAccessBlock", bucket_label(bucket), e))?;
    Ok(())
}

/// PutPublicAccessBlock with all four settings on: no ACL and no policy
/// may make anything in the bucket public (an issuer behind CloudFront).
pub async fn block_all_public_access(c: &Client, bucket: &str) -> Result<(), AwsError> {
    let all = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    put_public_access_block(c, bucket, all).await
}

/// The bucket's tags (GetBucketTagging); empty when it has none.
pub async fn bucket_tags(c: &Client, bucket: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let r = c.get_bucket_tagging().bucket(bucket).send().await;
    let out = absent_or_error(
        "GetBucketTagging",
        bucket,
        bucket_label(bucket),
        &["NoSuchTagSet"],
        r,
    )?;
    Ok(out
        .map(|o| {
            o.tag_set()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect()
        })
        .unwrap_or_default())
}

/// Replace the bucket's tags (PutBucketTagging), or remove them all
/// (DeleteBucketTagging) when `tags` is empty.
pub async fn set_bucket_tags(
    c: &Client,
    bucket: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    if tags.is_empty() {
        c.delete_bucket_tagging()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DeleteBucketTagging", bucket_label(bucket), e))?;
        return Ok(());
    }
    let tag_set = tags
        .iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .expect("key and value are set")
        })
        .collect();
    let tagging = Tagging::builder()
        .set_tag_set(Some(tag_set))
        .build()
        .expect("tag set is set");
    c.put_bucket_tagging()
        .bucket(bucket)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("PutBucketTagging", bucket_label(bucket), e))?;
    Ok(())
}

/// PutObject of a JSON document (`Content-Type: application/json`). Returns
/// the new object's ETag, without its quotes.
pub async fn put_json(
    c: &Client,
    bucket: &str,
    key: &str,
    body: &str,
) -> Result<Option<String>, AwsError> {
    let out = c
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/json")
        .body(ByteStream::from(body.as_bytes().to_vec()))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("PutObject", object_label(bucket, key), e))?;
    Ok(out.e_tag().map(unquote))
}

fn unquote(etag: &str) -> String {
    etag.trim_matches('"').to_owned()
}

/// An object's text and ETag (without quotes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextObject {
    pub text: String,
    pub etag: Option<String>,
}

/// GetObject as text; `None` when the object does not exist.
pub async fn get_text(c: &Client, bucket: &str, key: &str) -> Result<Option<String>, AwsError> {
    Ok(get_object(c, bucket, key).await?.map(|o| o.text))
}

/// GetObject: the text and ETag; `None` when the object does not exist.
pub async fn get_object(
    c: &Client,
    bucket: &str,
    key: &str,
) -> Result<Option<TextObject>, AwsError> {
    let r = c.get_object().bucket(bucket).key(key).send().await;
    let Some(out) = absent_or_error(
        "GetObject",
        bucket,
        object_label(bucket, key),
        &["NoSuchKey"],
        r,
    )?
    else {
        return Ok(None);
    };
    let etag = out.e_tag().map(unquote);
    let bytes = out
        .body
        .collect()
        .await
        .map_err(|e| AwsError::Transport {
            call: "GetObject",
            resource: object_label(bucket, key),
            message: e.to_string(),
        })?
        .into_bytes();
    Ok(Some(TextObject {
        text: String::from_utf8_lossy(&bytes).into_owned(),
        etag,
    }))
}

/// DeleteObject; deleting an absent object succeeds.
pub async fn delete_object(c: &Client, bucket: &str, key: &str) -> Result<(), AwsError> {
    let r = c.delete_object().bucket(bucket).key(key).send().await;
    absent_or_error("DeleteObject", bucket, object_label(bucket, key), &[], r)?;
    Ok(())
}

/// The bucket policy as S3 returns it; `None` when the bucket has none.
pub async fn policy(c: &Client, bucket: &str) -> Result<Option<String>, AwsError> {
    let r = c.get_bucket_policy().bucket(bucket).send().await;
    let out = absent_or_error(
        "GetBucketPolicy",
        bucket,
        bucket_label(bucket),
        &["NoSuchBucketPolicy"],
        r,
    )?;
    Ok(out.and_then(|o| o.policy().map(str::to_owned)))
}

/// PutBucketPolicy.
pub async fn put_policy(c: &Client, bucket: &str, policy: &str) -> Result<(), AwsError> {
    c.put_bucket_policy()
        .bucket(bucket)
        .policy(policy)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("PutBucketPolicy", bucket_label(bucket), e))?;
    Ok(())
}

/// DeleteBucketPolicy.
pub async fn delete_policy(c: &Client, bucket: &str) -> Result<(), AwsError> {
    c.delete_bucket_policy()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteBucketPolicy", bucket_label(bucket), e))?;
    Ok(())
}

/// One stored object version (or delete marker).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredObject {
    pub key: String,
    pub version_id: Option<String>,
}

/// Every object version and delete marker in the bucket (ListObjectVersions,
/// all pages), so that a versioned bucket can be emptied too.
pub async fn all_objects(c: &Client, bucket: &str) -> Result<Vec<StoredObject>, AwsError> {
    let mut out = Vec::new();
    let mut key_marker: Option<String> = None;
    let mut version_marker: Option<String> = None;
    loop {
        let page = c
            .list_object_versions()
            .bucket(bucket)
            .set_key_marker(key_marker.take())
            .set_version_id_marker(version_marker.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ListObjectVersions", bucket_label(bucket), e))?;
        for v in page.versions() {
            out.push(StoredObject {
                key: v.key().unwrap_or_default().to_owned(),
                version_id: v.version_id().map(str::to_owned),
            });
        }
        for m in page.delete_markers() {
            out.push(StoredObject {
                key: m.key().unwrap_or_default().to_owned(),
                version_id: m.version_id().map(str::to_owned),
            });
        }
        if page.is_truncated() != Some(true) {
            return Ok(out);
        }
        key_marker = page.next_key_marker().map(str::to_owned);
        version_marker = page.next_version_id_marker().map(str::to_owned);
        if key_marker.is_none() && version_marker.is_none() {
            return Ok(out);
        }
    }
}

/// DeleteObjects in batches; fails on the first object S3 could not delete.
pub async fn delete_objects(
    c: &Client,
    bucket: &str,
    objects: &[StoredObject],
) -> Result<(), AwsError> {
    for batch in objects.chunks(DELETE_BATCH) {
        let ids = batch
            .iter()
            .map(|o| {
                ObjectIdentifier::builder()
                    .key(&o.key)
                    .set_version_id(o.version_id.clone())
                    .build()
                    .expect("key is set")
            })
            .collect();
        let delete = Delete::builder()
            .set_objects(Some(ids))
            .quiet(true)
            .build()
            .expect("objects are set");
        let out = c
            .delete_objects()
            .bucket(bucket)
            .delete(delete)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DeleteObjects", bucket_label(bucket), e))?;
        if let Some(err) = out.errors().first() {
            return Err(AwsError::Api {
                call: "DeleteObjects",
                resource: object_label(bucket, err.key().unwrap_or_default()),
                code: err.code().unwrap_or_default().to_owned(),
                message: err.message().unwrap_or_default().to_owned(),
                status: 200,
                request_id: None,
            });
        }
    }
    Ok(())
}

/// DeleteBucket.
pub async fn delete_bucket(c: &Client, bucket: &str) -> Result<(), AwsError> {
    c.delete_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteBucket", bucket_label(bucket), e))?;
    Ok(())
}
