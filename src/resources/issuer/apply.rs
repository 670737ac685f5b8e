//! Create and update of `irsa_issuer` (destroy is in `destroy.rs`). Both are one
//! converge: each step makes one part of AWS match the plan (in S3 the
//! bucket, the discovery document and the policy statements; for every
//! hosting the OIDC provider), with a stop check between steps, and the
//! state returned, also on failure, records what exists.

use crate::aws::{bucket_policy as policy, found, oidc_provider, s3, AwsError};
use crate::context::ProviderData;
use crate::domain::hosting::{Hosting, IssuerLocation};
use crate::domain::oidc_provider::same_thumbprints;
use crate::domain::s3_issuer::S3Issuer;
use crate::domain::tags;
use crate::errors::ToDiagnostic;
use crate::framework::{stop, Change, Stopped};
use crate::tfplugin::{AttrPath, CancellationToken, Diagnostic, Diagnostics, Value};
use crate::tls;

use super::model::IssuerModel;
use super::schema::{BUCKET, CA_CERTIFICATE_PEM, ISSUER_URL};
pub(super) use super::Aws;

/// What an apply has done so far.
pub(super) struct Progress {
    /// The state that is true now.
    pub(super) truth: IssuerModel,
    /// Whether anything exists; on create, nothing does until a step
    /// succeeds.
    pub(super) exists: bool,
}

impl Progress {
    /// On create nothing exists yet; on update the refreshed prior state
    /// says what does.
    fn start(creating: bool, want: &IssuerModel, prior: &IssuerModel) -> Progress {
        let mut truth = want.clone();
        let in_s3 = want.hosting().is_some_and(Hosting::uses_bucket);
        // What CloudFront assigns, and what follows from the URL, is the
        // prior state's until the distribution step has run.
        truth.distribution_id = prior.distribution_id.clone();
        truth.distribution_arn = prior.distribution_arn.clone();
        truth.distribution_domain_name = prior.distribution_domain_name.clone();
        truth.origin_access_control_id = prior.origin_access_control_id.clone();
        truth.distribution_settings = prior.distribution_settings.clone();
        if want.hosting() == Some(Hosting::CloudFront) {
            truth.issuer_url = prior.issuer_url.clone();
            truth.issuer_host_path = prior.issuer_host_path.clone();
            truth.jwks_uri = prior.jwks_uri.clone();
        }
        if creating {
            // Outside S3 the document is only rendered: it is true as soon
            // as the issuer exists.
            if in_s3 {
                truth.discovery_json = None;
            }
            truth.bucket_policy_statements = None;
            truth.oidc_provider_arn = None;
            truth.tags = None;
            truth.tags_all = None;
        } else {
            if in_s3 {
                truth.discovery_json = prior.discovery_json.clone();
            }
            truth.bucket_policy_statements = prior.bucket_policy_statements.clone();
            truth.oidc_provider_arn = prior.oidc_provider_arn.clone();
            truth.client_ids = prior.client_ids.clone();
            truth.thumbprints = prior.thumbprints.clone();
            truth.tags = prior.tags.clone();
            truth.tags_all = prior.tags_all.clone();
        }
        Progress {
            truth,
            exists: !creating,
        }
    }

    /// The state to return: what exists, or null when nothing does.
    fn state(&self) -> Value {
        if self.exists {
            self.truth.to_value()
        } else {
            Value::Null
        }
    }
}

/// One converge: from what `prior` says exists to what `want` asks for.
pub(super) struct Converge<'a> {
    pub(super) aws: Aws<'a>,
    /// The bucket, for an issuer whose documents are in one.
    bucket: Option<S3Issuer>,
    pub(super) want: IssuerModel,
    prior: IssuerModel,
    pub(super) creating: bool,
    /// The configured thumbprints; `None` lets IAM decide.
    thumbprints: Option<Vec<String>>,
    stop: &'a CancellationToken,
}

pub(super) fn aws_error(e: AwsError) -> Diagnostic {
    e.to_diagnostic()
}

impl Converge<'_> {
    pub(super) fn checkpoint(&self) -> Result<(), Diagnostic> {
        stop::check(self.stop).map_err(Stopped::diagnostic)
    }

    /// The bucket; behind CloudFront the Origin Access Control and the
    /// distribution, which give the issuer its URL; then the discovery
    /// document, the policy statements and the OIDC provider.
    async fn run(&mut self, p: &mut Progress) -> Result<(), Diagnostic> {
        let fresh_public_access = match self.bucket.clone() {
            Some(bucket) => self.own_bucket(&bucket, p).await?,
            None => false,
        };
        if let Some(bucket) = self.bucket.clone() {
            if self.want.hosting() == Some(Hosting::CloudFront) {
                self.front(&bucket, p).await?;
            }
        }
        let Some(issuer) = self.want.location() else {
            return Err(incomplete());
        };
        self.want.derive(Some(&issuer));
        p.truth.issuer_url = self.want.issuer_url.clone();
        p.truth.issuer_host_path = self.want.issuer_host_path.clone();
        p.truth.jwks_uri = self.want.jwks_uri.clone();
        if let Some(bucket) = issuer.bucket() {
            self.document(bucket, p).await?;
            self.statements(&issuer, p, fresh_public_access).await?;
        }
        self.provider(&issuer, p).await
    }

    /// The bucket when it is the issuer's, or its release; whether its
    /// Block Public Access settings were just changed.
    async fn own_bucket(&self, issuer: &S3Issuer, p: &mut Progress) -> Result<bool, Diagnostic> {
        if self.want.bucket_is_ours() {
            self.bucket(issuer, p).await?;
            Ok(self.creating || !self.prior.bucket_is_ours())
        } else {
            if !self.creating && self.prior.bucket_is_ours() {
                self.release_bucket(issuer).await?;
            }
            Ok(false)
        }
    }

    /// Create the bucket, never taking over one that exists. The look-up
    /// before the create is what makes a lost answer safe: S3 answers a
    /// repeated CreateBucket of one's own bucket with
    /// `BucketAlreadyOwnedByYou` outside us-east-1 (and with success in
    /// it), so after the look-up has found no bucket, that answer, or a
    /// failure after which the bucket exists, means this call made it.
    async fn create_bucket(&self, issuer: &S3Issuer) -> Result<(), Diagnostic> {
        let (s3c, bucket) = (&self.aws.s3, &issuer.bucket);
        let at_bucket = |e: AwsError| e.to_diagnostic().at(AttrPath::attr(BUCKET));
        if s3::bucket_exists(s3c, bucket).await.map_err(at_bucket)? {
            return Err(Diagnostic::error(
                "Bucket exists already",
                format!(
                    "The bucket {bucket} exists already, and this issuer did not create it, so it was neither \
                     changed nor taken over. To publish into it, set create_bucket = false. To manage an issuer \
                     that already lives there, import it: terraform import <address> {}.",
                    issuer.id()
                ),
            )
            .at(AttrPath::attr(BUCKET)));
        }
        match s3::create_bucket(s3c, bucket, &issuer.region).await {
            Ok(()) => Ok(()),
            Err(e) if e.code() == Some("BucketAlreadyOwnedByYou") => {
                tracing::info!(
                    "CreateBucket of {bucket} answered {e}: the bucket this apply created"
                );
                Ok(())
            }
            Err(e) if e.may_have_happened() => match s3::bucket_exists(s3c, bucket).await {
                Ok(true) => {
                    tracing::info!(
                        "CreateBucket of {bucket} failed ({e}) after creating the bucket"
                    );
                    Ok(())
                }
                _ => Err(at_bucket(e)),
            },
            Err(e) => Err(at_bucket(e)),
        }
    }

    /// `create_bucket` went from `true` to `false`: the bucket is no longer
    /// the issuer's, so it loses the provider's creation token (and destroy
    /// keeps it). Its other tags and settings stay.
    async fn release_bucket(&self, issuer: &S3Issuer) -> Result<(), Diagnostic> {
        let (s3c, bucket) = (&self.aws.s3, &issuer.bucket);
        let current = s3::bucket_tags(s3c, bucket).await.map_err(aws_error)?;
        if tags::created_by_provider(&current) {
            s3::set_bucket_tags(s3c, bucket, &tags::user_tags(&current))
                .await
                .map_err(aws_error)?;
        }
        self.checkpoint()
    }

    /// The bucket and its settings, when it is the issuer's: created here,
    /// or taken over by `create_bucket` going from `false` to `true`.
    async fn bucket(&self, issuer: &S3Issuer, p: &mut Progress) -> Result<(), Diagnostic> {
        let (s3c, bucket) = (&self.aws.s3, &issuer.bucket);
        if self.creating {
            self.create_bucket(issuer).await?;
            p.exists = true;
            self.checkpoint()?;
        }
        let taking_over = !self.creating && !self.prior.bucket_is_ours();
        s3::enforce_bucket_owner(s3c, bucket)
            .await
            .map_err(aws_error)?;
        // Behind CloudFront nothing in the bucket is public; in S3 its
        // policy makes the two documents so.
        if self.want.hosting() == Some(Hosting::CloudFront) {
            s3::block_all_public_access(s3c, bucket).await
        } else {
            s3::allow_public_policy(s3c, bucket).await
        }
        .map_err(aws_error)?;
        let user = self.want.tag_map();
        if self.creating || taking_over || self.prior.tag_map() != user {
            // PutBucketTagging replaces every tag: the ones others manage
            // (ignore_tags) and the token the bucket was created with are
            // read first and put back.
            let current = if self.creating {
                Default::default()
            } else {
                s3::bucket_tags(s3c, bucket).await.map_err(aws_error)?
            };
            let mut all = self.aws.tags.ignored(&current);
            all.extend(user);
            let token = match current.get(tags::CREATION_TOKEN_TAG) {
                Some(t) if !taking_over => t.clone(),
                _ => crate::aws::creation_token(),
            };
            all.insert(tags::CREATION_TOKEN_TAG.to_owned(), token);
            s3::set_bucket_tags(s3c, bucket, &all)
                .await
                .map_err(aws_error)?;
        }
        self.checkpoint()
    }

    /// The discovery document.
    async fn document(&self, issuer: &S3Issuer, p: &mut Progress) -> Result<(), Diagnostic> {
        if p.truth.discovery_json == self.want.discovery_json {
            return Ok(());
        }
        let doc = self.want.discovery_json.as_deref().unwrap_or_default();
        s3::put_json(&self.aws.s3, &issuer.bucket, &issuer.discovery_key(), doc)
            .await
            .map_err(aws_error)?;
        p.exists = true;
        p.truth.discovery_json = self.want.discovery_json.clone();
        self.checkpoint()
    }

    /// This issuer's statements in the bucket policy.
    async fn statements(
        &self,
        issuer: &IssuerLocation,
        p: &mut Progress,
        fresh_public_access: bool,
    ) -> Result<(), Diagnostic> {
        if p.truth.bucket_policy_statements == self.want.bucket_policy_statements {
            return Ok(());
        }
        let bucket = issuer
            .bucket()
            .map(|b| b.bucket.as_str())
            .unwrap_or_default();
        let wanted = self.want.wanted_statements(issuer).unwrap_or_default();
        policy::put_statements(&self.aws.s3, bucket, &wanted, fresh_public_access)
            .await
            .map_err(|e| {
                let d = e.to_diagnostic();
                match e {
                    policy::BucketPolicyError::Unreadable(_) => d.at(AttrPath::attr(BUCKET)),
                    policy::BucketPolicyError::Aws(_) => d,
                }
            })?;
        p.truth.bucket_policy_statements = self.want.bucket_policy_statements.clone();
        self.checkpoint()
    }

    /// The thumbprints to create the provider with: the configured ones, or
    /// for an issuer outside S3 those its host calls for. A chain that
    /// verifies against the public roots ends at a CA IAM trusts, and needs
    /// none; one that verifies only with `ca_certificate_pem` gets the
    /// thumbprint of the top certificate presented, as
    /// `irsa_tls_thumbprint` computes it. S3 needs none.
    async fn creation_thumbprints(
        &self,
        issuer: &IssuerLocation,
    ) -> Result<Option<Vec<String>>, Diagnostic> {
        // S3's and CloudFront's certificates chain to CAs IAM trusts.
        if self.thumbprints.is_some() || issuer.bucket().is_some() {
            return Ok(self.thumbprints.clone());
        }
        let url = issuer.issuer_url();
        let at = |e: tls::TlsProbeError| {
            let name = e.attribute(ISSUER_URL);
            Diagnostic::error(
                "Cannot find the issuer's thumbprint",
                format!(
                    "{}. Without thumbprints, the OIDC provider is registered only for a host whose chain IAM \
                     can verify: a public CA, or the private CA given in {CA_CERTIFICATE_PEM}. Set \
                     {CA_CERTIFICATE_PEM} or thumbprints.",
                    e
                ),
            )
            .at(AttrPath::attr(name))
        };
        match self.want.ca_certificate_pem.as_deref() {
            None => tls::presented_chain(&url, None)
                .await
                .map(|_| None)
                .map_err(at),
            Some(ca) => tls::top_certificate_thumbprint(&url, Some(ca))
                .await
                .map(|t| Some(vec![t]))
                .map_err(at),
        }
    }

    /// The IAM OIDC provider: created when there is none (never an existing
    /// one adopted), then its client IDs, thumbprints and
    /// tags put in place. One registered for another URL (behind
    /// CloudFront, the URL before a new first alias or distribution) is
    /// replaced: the new one is created, then the old one deleted.
    async fn provider(&self, issuer: &IssuerLocation, p: &mut Progress) -> Result<(), Diagnostic> {
        let iam = self.aws.iam;
        let client_ids = self.want.client_id_list();
        let tags = self.want.tag_map();
        let t = &p.truth;
        let changed = t.oidc_provider_arn.is_none()
            || self.prior.issuer_url != self.want.issuer_url
            || t.client_id_list() != client_ids
            || self
                .thumbprints
                .as_ref()
                .is_some_and(|want| !same_thumbprints(want, &t.thumbprint_list()))
            || t.tag_map() != tags;
        if !changed {
            return Ok(());
        }
        let known = match &p.truth.oidc_provider_arn {
            Some(arn) => found(oidc_provider::get(iam, arn).await).map_err(aws_error)?,
            None => None,
        };
        let host_path = issuer.issuer_host_path();
        let (known, replaced) = match known {
            Some(k) if k.url.trim_start_matches("https://") != host_path => (None, Some(k.arn)),
            k => (k, None),
        };
        let current = match known {
            Some(current) => current,
            None => {
                let thumbprints = self.creation_thumbprints(issuer).await?;
                let arn = oidc_provider::create_own(
                    iam,
                    &issuer.issuer_url(),
                    &client_ids,
                    thumbprints.as_deref(),
                    &tags,
                )
                .await
                .map_err(|e| match e {
                    oidc_provider::CreateError::Aws(e) => e.to_diagnostic(),
                    oidc_provider::CreateError::Exists { .. } => Diagnostic::error(
                        "OIDC provider exists already",
                        format!(
                            "{e}. It was neither changed nor taken over. To manage it with this issuer, \
                             import the issuer: terraform import <address> {}. If nothing uses it, delete it \
                             and apply again.",
                            super::front::import_id(issuer, &self.want)
                        ),
                    ),
                })?;
                p.exists = true;
                p.truth.oidc_provider_arn = Some(arn.clone());
                if let Some(old) = replaced {
                    found(oidc_provider::delete(iam, &old).await).map_err(aws_error)?;
                }
                oidc_provider::get(iam, &arn).await.map_err(aws_error)?
            }
        };
        let arn = current.arn.clone();
        p.truth.oidc_provider_arn = Some(arn.clone());
        oidc_provider::update_client_ids(iam, &arn, &current.client_ids, &client_ids)
            .await
            .map_err(aws_error)?;
        p.truth.client_ids = Some(client_ids.into_iter().collect());
        let thumbprints = match &self.thumbprints {
            Some(want) if !same_thumbprints(want, &current.thumbprints) => {
                oidc_provider::set_thumbprints(iam, &arn, want)
                    .await
                    .map_err(aws_error)?;
                want.clone()
            }
            Some(want) => want.clone(),
            None => current.thumbprints.clone(),
        };
        p.truth.thumbprints = Some(thumbprints.into_iter().collect());
        let visible = self.aws.tags.visible(&current.tags);
        oidc_provider::update_tags(iam, &arn, &visible, &tags)
            .await
            .map_err(aws_error)
    }
}

/// Create or update: make AWS match the plan, starting from what the prior
/// state (null on create) says exists.
pub async fn converge(data: &ProviderData, c: Change<'_>, diags: &mut Diagnostics) -> Value {
    let mut want = IssuerModel::from_value(c.planned);
    let bucket = want.bucket_location();
    let located = match want.hosting() {
        Some(Hosting::CloudFront) => bucket.is_some(),
        _ => want.location().is_some(),
    };
    if !located {
        diags.push(incomplete());
        return c.prior.clone();
    }
    // Values unknown at plan time are known now (behind CloudFront, once
    // the distribution exists).
    if let Some(issuer) = want.location() {
        want.derive(Some(&issuer));
    }
    want.tags_all = crate::resources::tags::at_apply(&data.tags, want.tags.as_ref());
    let creating = c.prior.is_null();
    let prior = IssuerModel::from_value(c.prior);
    let mut progress = Progress::start(creating, &want, &prior);
    let mut run = Converge {
        aws: Aws::new(data, bucket.as_ref().map(|b| b.region.as_str())),
        bucket,
        thumbprints: IssuerModel::from_value(c.config)
            .thumbprints
            .map(|t| t.into_iter().collect()),
        want,
        prior,
        creating,
        stop: c.stop,
    };
    match run.run(&mut progress).await {
        Ok(()) => {
            progress.truth.tags = run.want.tags.clone();
            progress.truth.tags_all = run.want.tags_all.clone();
            progress.truth.to_value()
        }
        Err(d) => {
            diags.push(d);
            progress.state()
        }
    }
}

fn incomplete() -> Diagnostic {
    Diagnostic::error(
        "Incomplete issuer configuration",
        "The hosting, the issuer URL, or the bucket, prefix, region, URL style or JWKS path is still unknown \
         at apply time.",
    )
}
