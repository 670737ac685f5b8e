//! Where an issuer's documents are served, and the URLs and paths that
//! follow: in an S3 bucket the provider publishes to ([`S3Issuer`]), in a
//! private bucket behind a CloudFront distribution ([`CloudFrontIssuer`]),
//! or by something the user runs ([`ExternalIssuer`]), for which the
//! provider only renders the documents and registers the URL with IAM.
//!
//! Every hosting gives the same outputs (issuer URL, JWKS URI, the paths of
//! both documents), so what consumes an issuer does not depend on where it
//! is served.

use super::issuer::issuer_host_path;
use super::s3_issuer::{jwks_path_of, S3Issuer, DISCOVERY_PATH};

/// Where the discovery document and the JWKS are served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hosting {
    /// In an S3 bucket, published by the provider.
    S3,
    /// By a server the user runs; the provider publishes nothing.
    External,
    /// In a private S3 bucket, served by a CloudFront distribution.
    CloudFront,
}

impl Hosting {
    /// Every hosting and its name in configurations.
    pub const ALL: [(Hosting, &'static str); 3] = [
        (Hosting::S3, "s3"),
        (Hosting::CloudFront, "cloudfront"),
        (Hosting::External, "external"),
    ];

    /// The names, for the validator and the docs.
    pub const NAMES: [&'static str; 3] = [Hosting::ALL[0].1, Hosting::ALL[1].1, Hosting::ALL[2].1];

    /// The hosting of configurations that leave it out, and of states
    /// written before it could be chosen.
    pub const DEFAULT: Hosting = Hosting::S3;

    pub fn name(self) -> &'static str {
        Hosting::ALL
            .iter()
            .find(|(h, _)| *h == self)
            .map(|(_, n)| *n)
            .expect("every hosting has a name")
    }

    pub fn parse(name: &str) -> Option<Hosting> {
        Hosting::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(h, _)| *h)
    }

    /// Whether the documents are objects in a bucket the provider writes.
    pub fn uses_bucket(self) -> bool {
        matches!(self, Hosting::S3 | Hosting::CloudFront)
    }
}

/// Path of the JWKS below an externally hosted issuer when none is given:
/// where kube-apiserver itself serves its key set.
pub const DEFAULT_EXTERNAL_JWKS_PATH: &str = "openid/v1/jwks";

/// An issuer whose documents something else serves, at `issuer_url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalIssuer {
    /// The issuer URL, without a trailing slash.
    pub issuer_url: String,
    /// The public URL of the JWKS.
    pub jwks_uri: String,
}

impl ExternalIssuer {
    /// The issuer at `issuer_url`, with its JWKS at `jwks_uri`, or at
    /// [`DEFAULT_EXTERNAL_JWKS_PATH`] below the issuer without one.
    pub fn new(issuer_url: &str, jwks_uri: Option<&str>) -> ExternalIssuer {
        ExternalIssuer {
            issuer_url: issuer_url.to_owned(),
            jwks_uri: jwks_uri.map_or_else(
                || format!("{issuer_url}/{DEFAULT_EXTERNAL_JWKS_PATH}"),
                str::to_owned,
            ),
        }
    }
}

/// An issuer whose documents are objects in a private bucket, served by a
/// CloudFront distribution at `host`: its first alias, or the
/// distribution's own `<id>.cloudfront.net`. The objects have the keys
/// they would have in S3 (`[<prefix>/]...`), since the distribution's
/// origin is the bucket's root, and the URLs are the host's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudFrontIssuer {
    /// The bucket, prefix, region and JWKS path; its URL style is unused.
    pub bucket: S3Issuer,
    pub host: String,
}

impl CloudFrontIssuer {
    pub fn issuer_url(&self) -> String {
        super::cloudfront::issuer_url(&[], &self.host, self.bucket.prefix.as_deref())
    }
}

/// An issuer, wherever it is served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssuerLocation {
    S3(S3Issuer),
    CloudFront(CloudFrontIssuer),
    External(ExternalIssuer),
}

impl IssuerLocation {
    pub fn hosting(&self) -> Hosting {
        match self {
            IssuerLocation::S3(_) => Hosting::S3,
            IssuerLocation::CloudFront(_) => Hosting::CloudFront,
            IssuerLocation::External(_) => Hosting::External,
        }
    }

    /// The resource id: `<bucket>[/<prefix>]` for an issuer in a bucket,
    /// the issuer URL elsewhere.
    pub fn id(&self) -> String {
        match self {
            IssuerLocation::S3(i) => i.id(),
            IssuerLocation::CloudFront(i) => i.bucket.id(),
            IssuerLocation::External(i) => i.issuer_url.clone(),
        }
    }

    pub fn issuer_url(&self) -> String {
        match self {
            IssuerLocation::S3(i) => i.issuer_url(),
            IssuerLocation::CloudFront(i) => i.issuer_url(),
            IssuerLocation::External(i) => i.issuer_url.clone(),
        }
    }

    /// The issuer URL without `https://`, the prefix of IAM condition keys.
    pub fn issuer_host_path(&self) -> String {
        issuer_host_path(&self.issuer_url()).to_owned()
    }

    pub fn jwks_uri(&self) -> String {
        match self {
            IssuerLocation::S3(i) => i.jwks_uri(),
            IssuerLocation::CloudFront(i) => format!("{}/{}", i.issuer_url(), i.bucket.jwks_path),
            IssuerLocation::External(i) => i.jwks_uri.clone(),
        }
    }

    /// Where the discovery document goes: its object key in the bucket, or
    /// its path below the issuer URL.
    pub fn discovery_key(&self) -> String {
        match self.bucket() {
            Some(i) => i.discovery_key(),
            None => DISCOVERY_PATH.to_owned(),
        }
    }

    /// Where the JWKS goes: its object key in the bucket, or its path below
    /// the issuer URL; `None` when an external JWKS URI is not below the
    /// issuer.
    pub fn jwks_key(&self) -> Option<String> {
        match self {
            IssuerLocation::External(i) => jwks_path_of(&i.issuer_url, &i.jwks_uri),
            _ => self.bucket().map(S3Issuer::jwks_key),
        }
    }

    /// The bucket's ARN; `None` without a bucket.
    pub fn bucket_arn(&self) -> Option<String> {
        self.bucket().map(S3Issuer::bucket_arn)
    }

    /// The bucket, prefix and region of an issuer whose documents are
    /// objects in S3 (publicly or behind CloudFront); `None` for an
    /// external issuer.
    pub fn bucket(&self) -> Option<&S3Issuer> {
        match self {
            IssuerLocation::S3(i) => Some(i),
            IssuerLocation::CloudFront(i) => Some(&i.bucket),
            IssuerLocation::External(_) => None,
        }
    }
}

/// Whether an import id names an externally hosted issuer (its URL) rather
/// than a bucket, which cannot contain `:`.
pub fn is_url_id(id: &str) -> bool {
    id.contains("://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (h, n) in Hosting::ALL {
            assert_eq!(Hosting::parse(n), Some(h));
            assert_eq!(h.name(), n);
        }
        assert_eq!(Hosting::parse("S3"), None);
        assert_eq!(Hosting::DEFAULT.name(), "s3");
    }

    #[test]
    fn an_external_issuer_has_kube_apiservers_layout_by_default() {
        let at = IssuerLocation::External(ExternalIssuer::new("https://oidc.example.com/c", None));
        assert_eq!(at.id(), "https://oidc.example.com/c");
        assert_eq!(at.issuer_host_path(), "oidc.example.com/c");
        assert_eq!(at.jwks_uri(), "https://oidc.example.com/c/openid/v1/jwks");
        assert_eq!(at.jwks_key().as_deref(), Some("openid/v1/jwks"));
        assert_eq!(at.discovery_key(), ".well-known/openid-configuration");
        assert_eq!(at.bucket_arn(), None);
        assert_eq!(at.hosting(), Hosting::External);
    }

    #[test]
    fn a_jwks_elsewhere_has_no_path_below_the_issuer() {
        let at = IssuerLocation::External(ExternalIssuer::new(
            "https://oidc.example.com/c",
            Some("https://keys.example.com/c.json"),
        ));
        assert_eq!(at.jwks_uri(), "https://keys.example.com/c.json");
        assert_eq!(at.jwks_key(), None);
    }

    #[test]
    fn a_cloudfront_issuer_has_the_bucket_keys_and_the_hosts_urls() {
        let bucket = S3Issuer::with_defaults("oidc-a", Some("c"), "eu-west-1");
        let at = IssuerLocation::CloudFront(CloudFrontIssuer {
            bucket: bucket.clone(),
            host: "d111111abcdef8.cloudfront.net".into(),
        });
        assert_eq!(at.id(), "oidc-a/c");
        assert_eq!(at.issuer_url(), "https://d111111abcdef8.cloudfront.net/c");
        assert_eq!(at.issuer_host_path(), "d111111abcdef8.cloudfront.net/c");
        assert_eq!(
            at.jwks_uri(),
            "https://d111111abcdef8.cloudfront.net/c/keys.json"
        );
        assert_eq!(at.discovery_key(), bucket.discovery_key());
        assert_eq!(at.jwks_key(), Some(bucket.jwks_key()));
        assert_eq!(at.bucket_arn(), Some(bucket.bucket_arn()));
        assert_eq!(at.bucket(), Some(&bucket));
        assert_eq!(at.hosting(), Hosting::CloudFront);
        assert!(at.hosting().uses_bucket() && !Hosting::External.uses_bucket());
    }

    #[test]
    fn s3_issuers_keep_their_layout() {
        let s3 = S3Issuer::with_defaults("oidc-a", Some("c"), "eu-west-1");
        let at = IssuerLocation::S3(s3.clone());
        assert_eq!(at.id(), "oidc-a/c");
        assert_eq!(at.issuer_url(), s3.issuer_url());
        assert_eq!(at.jwks_key(), Some(s3.jwks_key()));
        assert_eq!(at.bucket_arn(), Some(s3.bucket_arn()));
        assert!(!is_url_id(&at.id()));
        assert!(is_url_id("https://oidc.example.com/c"));
    }
}
