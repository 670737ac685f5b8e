//! The typed model of `irsa_issuer`: one conversion from a [`Value`] and one
//! back, the issuer's location, and the attributes that follow from it.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::bucket_policy::{self, Statement};
use crate::domain::cloudfront::{self as cf, DesiredDistribution, DistributionOptions, PriceClass};
use crate::domain::discovery::DiscoveryDocument;
use crate::domain::hosting::{CloudFrontIssuer, ExternalIssuer, Hosting, IssuerLocation};
use crate::domain::s3_issuer::{S3Issuer, UrlStyle};
use crate::framework::model as m;
use crate::tfplugin::Value;

use super::schema::*;

/// An `irsa_issuer` configuration, plan or state. `None` is null (or, in a
/// plan, unknown).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IssuerModel {
    pub hosting: Option<String>,
    pub bucket: Option<String>,
    pub create_bucket: Option<bool>,
    pub prefix: Option<String>,
    pub region: Option<String>,
    pub url_style: Option<String>,
    pub jwks_path: Option<String>,
    pub client_ids: Option<BTreeSet<String>>,
    pub thumbprints: Option<BTreeSet<String>>,
    pub signing_algorithms: Option<Vec<String>>,
    pub tags: Option<BTreeMap<String, String>>,
    pub tags_all: Option<BTreeMap<String, String>>,
    pub force_destroy: Option<bool>,
    pub ca_certificate_pem: Option<String>,
    pub id: Option<String>,
    pub issuer_url: Option<String>,
    pub issuer_host_path: Option<String>,
    pub jwks_uri: Option<String>,
    pub discovery_key: Option<String>,
    pub jwks_key: Option<String>,
    pub oidc_provider_arn: Option<String>,
    pub bucket_arn: Option<String>,
    pub discovery_json: Option<String>,
    pub bucket_policy_statements: Option<String>,
    /// The `cloudfront` block; `None` when it is left out.
    pub cloudfront: Option<CloudFrontModel>,
    pub distribution_id: Option<String>,
    pub distribution_arn: Option<String>,
    pub distribution_domain_name: Option<String>,
    pub origin_access_control_id: Option<String>,
    pub distribution_settings: Option<String>,
}

/// The `cloudfront` block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CloudFrontModel {
    pub aliases: Option<Vec<String>>,
    pub acm_certificate_arn: Option<String>,
    pub price_class: Option<String>,
    pub web_acl_id: Option<String>,
    pub wait_for_deployment: Option<bool>,
}

impl CloudFrontModel {
    fn from_value(v: &Value) -> Option<CloudFrontModel> {
        if !matches!(v, Value::Object(_)) {
            return None;
        }
        Some(CloudFrontModel {
            aliases: m::string_list(v, ALIASES),
            acm_certificate_arn: m::string(v, ACM_CERTIFICATE_ARN),
            price_class: m::string(v, PRICE_CLASS),
            web_acl_id: m::string(v, WEB_ACL_ID),
            wait_for_deployment: m::bool(v, WAIT_FOR_DEPLOYMENT),
        })
    }

    fn to_value(&self) -> Value {
        let s = |x: &Option<String>| m::opt_string(x.as_deref());
        m::object([
            (ALIASES, m::list_value(self.aliases.as_deref())),
            (ACM_CERTIFICATE_ARN, s(&self.acm_certificate_arn)),
            (PRICE_CLASS, s(&self.price_class)),
            (WEB_ACL_ID, s(&self.web_acl_id)),
            (
                WAIT_FOR_DEPLOYMENT,
                self.wait_for_deployment.map_or(Value::Null, Value::Bool),
            ),
        ])
    }
}

impl IssuerModel {
    pub fn from_value(v: &Value) -> IssuerModel {
        IssuerModel {
            hosting: m::string(v, HOSTING),
            bucket: m::string(v, BUCKET),
            create_bucket: m::bool(v, CREATE_BUCKET),
            prefix: m::string(v, PREFIX),
            region: m::string(v, REGION),
            url_style: m::string(v, URL_STYLE),
            jwks_path: m::string(v, JWKS_PATH),
            client_ids: m::string_set(v, CLIENT_IDS),
            thumbprints: m::string_set(v, THUMBPRINTS),
            signing_algorithms: m::string_list(v, SIGNING_ALGORITHMS),
            tags: m::string_map(v, TAGS),
            tags_all: m::string_map(v, TAGS_ALL),
            force_destroy: m::bool(v, FORCE_DESTROY),
            ca_certificate_pem: m::string(v, CA_CERTIFICATE_PEM),
            id: m::string(v, ID),
            issuer_url: m::string(v, ISSUER_URL),
            issuer_host_path: m::string(v, ISSUER_HOST_PATH),
            jwks_uri: m::string(v, JWKS_URI),
            discovery_key: m::string(v, DISCOVERY_KEY),
            jwks_key: m::string(v, JWKS_KEY),
            oidc_provider_arn: m::string(v, OIDC_PROVIDER_ARN),
            bucket_arn: m::string(v, BUCKET_ARN),
            discovery_json: m::string(v, DISCOVERY_JSON),
            bucket_policy_statements: m::string(v, BUCKET_POLICY_STATEMENTS),
            cloudfront: CloudFrontModel::from_value(v.attr(CLOUDFRONT)),
            distribution_id: m::string(v, DISTRIBUTION_ID),
            distribution_arn: m::string(v, DISTRIBUTION_ARN),
            distribution_domain_name: m::string(v, DISTRIBUTION_DOMAIN_NAME),
            origin_access_control_id: m::string(v, ORIGIN_ACCESS_CONTROL_ID),
            distribution_settings: m::string(v, DISTRIBUTION_SETTINGS),
        }
    }

    pub fn to_value(&self) -> Value {
        let s = |x: &Option<String>| m::opt_string(x.as_deref());
        let b = |x: Option<bool>| x.map_or(Value::Null, Value::Bool);
        m::object([
            (HOSTING, s(&self.hosting)),
            (BUCKET, s(&self.bucket)),
            (CREATE_BUCKET, b(self.create_bucket)),
            (PREFIX, s(&self.prefix)),
            (REGION, s(&self.region)),
            (URL_STYLE, s(&self.url_style)),
            (JWKS_PATH, s(&self.jwks_path)),
            (CLIENT_IDS, m::set_value(self.client_ids.as_ref())),
            (THUMBPRINTS, m::set_value(self.thumbprints.as_ref())),
            (
                SIGNING_ALGORITHMS,
                m::list_value(self.signing_algorithms.as_deref()),
            ),
            (TAGS, m::map_value(self.tags.as_ref())),
            (TAGS_ALL, m::map_value(self.tags_all.as_ref())),
            (FORCE_DESTROY, b(self.force_destroy)),
            (CA_CERTIFICATE_PEM, s(&self.ca_certificate_pem)),
            (ID, s(&self.id)),
            (ISSUER_URL, s(&self.issuer_url)),
            (ISSUER_HOST_PATH, s(&self.issuer_host_path)),
            (JWKS_URI, s(&self.jwks_uri)),
            (DISCOVERY_KEY, s(&self.discovery_key)),
            (JWKS_KEY, s(&self.jwks_key)),
            (OIDC_PROVIDER_ARN, s(&self.oidc_provider_arn)),
            (BUCKET_ARN, s(&self.bucket_arn)),
            (DISCOVERY_JSON, s(&self.discovery_json)),
            (BUCKET_POLICY_STATEMENTS, s(&self.bucket_policy_statements)),
            (
                CLOUDFRONT,
                self.cloudfront
                    .as_ref()
                    .map_or(Value::Null, CloudFrontModel::to_value),
            ),
            (DISTRIBUTION_ID, s(&self.distribution_id)),
            (DISTRIBUTION_ARN, s(&self.distribution_arn)),
            (DISTRIBUTION_DOMAIN_NAME, s(&self.distribution_domain_name)),
            (ORIGIN_ACCESS_CONTROL_ID, s(&self.origin_access_control_id)),
            (DISTRIBUTION_SETTINGS, s(&self.distribution_settings)),
        ])
    }

    /// How the issuer is hosted; a state written before `hosting` existed
    /// is in S3. `None` for a name that is no hosting.
    pub fn hosting(&self) -> Option<Hosting> {
        self.hosting
            .as_deref()
            .map_or(Some(Hosting::DEFAULT), Hosting::parse)
    }

    /// Where the issuer is; `None` while what says so is not known: in S3
    /// the bucket, region, URL style and JWKS path, elsewhere the issuer
    /// URL (a null `jwks_uri` is the default one). A null hosting or prefix
    /// means the default, so a plan whose values may be unknown checks
    /// [`LOCATION`] and [`HOSTING`] first.
    pub fn location(&self) -> Option<IssuerLocation> {
        match self.hosting()? {
            Hosting::S3 => self.s3_location().map(IssuerLocation::S3),
            Hosting::CloudFront => Some(IssuerLocation::CloudFront(CloudFrontIssuer {
                bucket: self.bucket_location()?,
                host: self.cloudfront_host()?.to_owned(),
            })),
            Hosting::External => Some(IssuerLocation::External(ExternalIssuer::new(
                self.issuer_url.as_deref()?,
                self.jwks_uri.as_deref(),
            ))),
        }
    }

    /// The bucket, prefix, region and JWKS path of an issuer behind
    /// CloudFront (its URL style is unused), or in S3; `None` while one of
    /// them is not known, and for an external issuer.
    pub fn bucket_location(&self) -> Option<S3Issuer> {
        match self.hosting()? {
            Hosting::S3 => self.s3_location(),
            Hosting::CloudFront => Some(S3Issuer {
                bucket: self.bucket.clone()?,
                prefix: self.prefix.clone(),
                region: self.region.clone()?,
                url_style: UrlStyle::VirtualHosted,
                jwks_path: self.jwks_path.clone()?,
            }),
            Hosting::External => None,
        }
    }

    /// The host behind CloudFront: the first alias, else the
    /// distribution's domain; `None` while neither is known.
    pub fn cloudfront_host(&self) -> Option<&str> {
        let aliases = self.cloudfront.as_ref().and_then(|b| b.aliases.as_ref());
        aliases
            .and_then(|a| a.first())
            .map(String::as_str)
            .or(self.distribution_domain_name.as_deref())
    }

    /// The distribution's own choices; `None` while one is not known (or
    /// the price class is none, which validation refuses).
    pub fn distribution_options(&self) -> Option<DistributionOptions> {
        let block = self.cloudfront.clone().unwrap_or_default();
        Some(DistributionOptions {
            aliases: block.aliases.unwrap_or_default(),
            acm_certificate_arn: block.acm_certificate_arn,
            price_class: match block.price_class {
                Some(p) => PriceClass::parse(&p).ok()?,
                None => PriceClass::All,
            },
            web_acl_id: block.web_acl_id,
            enabled: true,
        })
    }

    /// The distribution the issuer wants, read through the Origin Access
    /// Control `oac_id`.
    pub fn desired_distribution(&self, oac_id: &str) -> Option<DesiredDistribution> {
        let at = self.bucket_location()?;
        Some(DesiredDistribution::for_issuer(
            &at.bucket,
            at.prefix.as_deref(),
            &at.region,
            oac_id,
            self.distribution_options()?,
        ))
    }

    /// What `distribution_settings` should hold; `None` while the Origin
    /// Access Control or a setting is not known.
    pub fn wanted_distribution_settings(&self) -> Option<String> {
        let oac = self.origin_access_control_id.as_deref()?;
        self.desired_distribution(oac)
            .map(|d| cf::settings_json(&d))
    }

    /// Whether apply waits for the distribution to be deployed.
    pub fn waits_for_deployment(&self) -> bool {
        self.cloudfront
            .as_ref()
            .and_then(|b| b.wait_for_deployment)
            .unwrap_or(true)
    }

    /// Where the issuer is in S3, as [`IssuerModel::location`].
    fn s3_location(&self) -> Option<S3Issuer> {
        Some(S3Issuer {
            bucket: self.bucket.clone()?,
            prefix: self.prefix.clone(),
            region: self.region.clone()?,
            url_style: UrlStyle::parse(self.url_style.as_deref()?)?,
            jwks_path: self.jwks_path.clone()?,
        })
    }

    /// Whether the bucket is created, and deleted, with the issuer.
    pub fn bucket_is_ours(&self) -> bool {
        self.create_bucket.unwrap_or(true)
    }

    /// The tags on the provider and the owned bucket: `tags_all`, or
    /// `tags` in a state written before there was a `tags_all`.
    pub fn tag_map(&self) -> BTreeMap<String, String> {
        crate::resources::tags::on_object(self.tags_all.as_ref(), self.tags.as_ref())
    }

    pub fn client_id_list(&self) -> Vec<String> {
        self.client_ids.iter().flatten().cloned().collect()
    }

    pub fn thumbprint_list(&self) -> Vec<String> {
        self.thumbprints.iter().flatten().cloned().collect()
    }

    /// The policy statements the issuer publishes itself with; `None` while
    /// `create_bucket` (or behind CloudFront, the distribution) is not
    /// known, and for an issuer without a bucket.
    pub fn wanted_statements(&self, issuer: &IssuerLocation) -> Option<Vec<Statement>> {
        let ours = self.create_bucket?;
        match issuer {
            IssuerLocation::S3(i) => Some(bucket_policy::issuer_statements(i, ours)),
            IssuerLocation::CloudFront(i) => Some(bucket_policy::cloudfront_statements(
                &i.bucket,
                self.distribution_arn.as_deref()?,
                ours,
            )),
            IssuerLocation::External(_) => None,
        }
    }

    /// Fill in the attributes computed from the location and settings
    /// ([`DERIVED`]): `None` where what they follow from is not known,
    /// including the location itself.
    pub fn derive(&mut self, issuer: Option<&IssuerLocation>) {
        let from = |f: fn(&IssuerLocation) -> String| issuer.map(f);
        self.id = from(IssuerLocation::id);
        self.issuer_url = from(IssuerLocation::issuer_url);
        self.issuer_host_path = from(IssuerLocation::issuer_host_path);
        self.jwks_uri = from(IssuerLocation::jwks_uri);
        self.discovery_key = from(IssuerLocation::discovery_key);
        self.jwks_key = issuer.and_then(IssuerLocation::jwks_key);
        self.bucket_arn = issuer.and_then(IssuerLocation::bucket_arn);
        self.discovery_json = match (issuer, &self.signing_algorithms) {
            (Some(i), Some(algorithms)) => {
                Some(DiscoveryDocument::new(&i.issuer_url(), &i.jwks_uri(), algorithms).to_json())
            }
            _ => None,
        };
        self.bucket_policy_statements = issuer
            .and_then(|i| self.wanted_statements(i))
            .map(|s| bucket_policy::statements_json(&s));
    }
}
