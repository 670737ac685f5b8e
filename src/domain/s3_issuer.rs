//! Where an issuer published in S3 lives: the bucket and path, the public
//! URLs derived from them, the object keys and the ARNs.
//!
//! The issuer URL is always the public AWS URL of the bucket, whatever
//! endpoint the API calls go to, and it never ends with a slash.

use sha2::{Digest, Sha256};

use super::discovery::{DiscoveryDocument, DEFAULT_SIGNING_ALGORITHM};
use super::partition::Partition;

/// Where OIDC clients look for the discovery document, relative to the issuer.
pub const DISCOVERY_PATH: &str = ".well-known/openid-configuration";

/// The default JWKS path, relative to the issuer.
pub const DEFAULT_JWKS_PATH: &str = "keys.json";

/// Bucket-name prefixes S3 reserves.
const RESERVED_PREFIXES: &[&str] = &["xn--", "sthree-", "amzn-s3-demo-"];
/// Bucket-name suffixes S3 reserves (access-point aliases and other bucket types).
const RESERVED_SUFFIXES: &[&str] = &["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/// How the issuer URL addresses the bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlStyle {
    /// `https://<bucket>.s3.<region>.<domain>[/<prefix>]`
    VirtualHosted,
    /// `https://s3.<region>.<domain>/<bucket>[/<prefix>]`
    Path,
}

impl UrlStyle {
    /// Every style with its attribute value, the default first.
    pub const ALL: [(UrlStyle, &'static str); 2] = [
        (UrlStyle::VirtualHosted, "virtual-hosted"),
        (UrlStyle::Path, "path"),
    ];

    /// The attribute values, the default first: the one list behind the
    /// attribute's validator and its description.
    pub const NAMES: [&'static str; 2] = [UrlStyle::ALL[0].1, UrlStyle::ALL[1].1];

    pub fn name(self) -> &'static str {
        UrlStyle::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map(|(_, n)| *n)
            .unwrap_or_default()
    }

    pub fn parse(name: &str) -> Option<UrlStyle> {
        UrlStyle::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(s, _)| *s)
    }
}

/// Why a bucket name, prefix or path cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    #[error("the bucket name {name:?} is {len} characters long; S3 bucket names have 3 to 63 characters")]
    BucketLength { name: String, len: usize },

    #[error("the bucket name {name:?} contains {character:?}; S3 bucket names use only lower-case letters, digits, '-' and '.'")]
    BucketCharacter { name: String, character: char },

    #[error("the bucket name {name:?} must start and end with a lower-case letter or a digit")]
    BucketEnds { name: String },

    #[error(
        "the bucket name {name:?} contains \"..\"; S3 bucket names cannot have two adjacent dots"
    )]
    BucketDots { name: String },

    #[error("the bucket name {name:?} is formatted as an IP address, which S3 does not allow")]
    BucketIpAddress { name: String },

    #[error("the bucket name {name:?} starts with {prefix:?}, which S3 reserves")]
    BucketReservedPrefix { name: String, prefix: String },

    #[error("the bucket name {name:?} ends with {suffix:?}, which S3 reserves")]
    BucketReservedSuffix { name: String, suffix: String },

    #[error("the bucket name {name:?} contains dots, so its virtual-hosted URL \"https://{name}.s3.<region>...\" is not covered by S3's wildcard certificate (\"*.s3.<region>...\") and OIDC clients would fail the TLS check; set url_style = \"path\", or choose a bucket name without dots")]
    DottedVirtualHost { name: String },

    #[error("the {what} {value:?} is empty; leave it out instead")]
    EmptyPath { what: &'static str, value: String },

    #[error("the {what} {value:?} must not start or end with '/'; write it as {:?}", value.trim_matches('/'))]
    PathSlashes { what: &'static str, value: String },

    #[error("the {what} {value:?} has an empty segment (\"//\")")]
    PathEmptySegment { what: &'static str, value: String },

    #[error("the {what} {value:?} has a \".\" or \"..\" segment, which URL clients resolve away")]
    PathDotSegment { what: &'static str, value: String },

    #[error("the {what} {value:?} contains {character:?}; use only letters, digits and - . _ ~ / so that the URL is served as written")]
    PathCharacter {
        what: &'static str,
        value: String,
        character: char,
    },

    #[error("the JWKS path {value:?} is where the discovery document goes; choose another, e.g. \"keys.json\"")]
    JwksIsDiscovery { value: String },

    #[error("the object key {value:?} {reason}")]
    ObjectKey { value: String, reason: &'static str },

    #[error("the object key {value:?} is where an issuer's discovery document goes (\"[<prefix>/]{DISCOVERY_PATH}\"); writing the key set there would overwrite it. Use the issuer's jwks_key")]
    KeyIsDiscovery { value: String },
}

/// S3's limit on object keys, in bytes.
pub const MAX_OBJECT_KEY_LEN: usize = 1024;

/// Checks the object key a JWKS is written to: a key S3 takes, relative to
/// the bucket, and never the discovery document of an issuer.
pub fn validate_jwks_key(key: &str) -> Result<(), LocationError> {
    let refuse = |reason| {
        Err(LocationError::ObjectKey {
            value: key.to_owned(),
            reason,
        })
    };
    if key.is_empty() {
        return refuse("is empty");
    }
    if key.starts_with('/') {
        return refuse(
            "starts with '/'; object keys are relative to the bucket, e.g. `keys.json` or `prefix/keys.json`",
        );
    }
    if key.len() > MAX_OBJECT_KEY_LEN {
        return refuse("is longer than S3's 1024 bytes");
    }
    if key == DISCOVERY_PATH || key.ends_with(&format!("/{DISCOVERY_PATH}")) {
        return Err(LocationError::KeyIsDiscovery {
            value: key.to_owned(),
        });
    }
    Ok(())
}

/// Checks an S3 general-purpose bucket name.
pub fn validate_bucket_name(name: &str) -> Result<(), LocationError> {
    let owned = || name.to_owned();
    if !(3..=63).contains(&name.len()) {
        return Err(LocationError::BucketLength {
            name: owned(),
            len: name.chars().count(),
        });
    }
    if let Some(character) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Err(LocationError::BucketCharacter {
            name: owned(),
            character,
        });
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !alnum(name.chars().next()) || !alnum(name.chars().last()) {
        return Err(LocationError::BucketEnds { name: owned() });
    }
    if name.contains("..") {
        return Err(LocationError::BucketDots { name: owned() });
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(LocationError::BucketIpAddress { name: owned() });
    }
    if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| name.starts_with(*p)) {
        return Err(LocationError::BucketReservedPrefix {
            name: owned(),
            prefix: (*prefix).to_owned(),
        });
    }
    if let Some(suffix) = RESERVED_SUFFIXES.iter().find(|s| name.ends_with(*s)) {
        return Err(LocationError::BucketReservedSuffix {
            name: owned(),
            suffix: (*suffix).to_owned(),
        });
    }
    Ok(())
}

/// Checks a bucket name for use with a URL style.
pub fn validate_bucket_for_style(name: &str, style: UrlStyle) -> Result<(), LocationError> {
    if style == UrlStyle::VirtualHosted && name.contains('.') {
        return Err(LocationError::DottedVirtualHost {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// Checks a relative path inside the bucket (`what` names it in errors):
/// plain segments of URL-safe characters, no leading or trailing slash.
fn validate_relative_path(what: &'static str, value: &str) -> Result<(), LocationError> {
    let err_value = || value.to_owned();
    if value.is_empty() {
        return Err(LocationError::EmptyPath {
            what,
            value: err_value(),
        });
    }
    if value.starts_with('/') || value.ends_with('/') {
        return Err(LocationError::PathSlashes {
            what,
            value: err_value(),
        });
    }
    if let Some(character) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '/')))
    {
        return Err(LocationError::PathCharacter {
            what,
            value: err_value(),
            character,
        });
    }
    if value.contains("//") {
        return Err(LocationError::PathEmptySegment {
            what,
            value: err_value(),
        });
    }
    if value.split('/').any(|s| s == "." || s == "..") {
        return Err(LocationError::PathDotSegment {
            what,
            value: err_value(),
        });
    }
    Ok(())
}

/// Checks the optional path of the issuer inside the bucket.
pub fn validate_prefix(prefix: &str) -> Result<(), LocationError> {
    validate_relative_path("prefix", prefix)
}

/// Checks the JWKS path, relative to the issuer.
pub fn validate_jwks_path(path: &str) -> Result<(), LocationError> {
    validate_relative_path("JWKS path", path)?;
    if path == DISCOVERY_PATH {
        return Err(LocationError::JwksIsDiscovery {
            value: path.to_owned(),
        });
    }
    Ok(())
}

/// An issuer published in an S3 bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Issuer {
    pub bucket: String,
    /// Path of the issuer inside the bucket, without slashes at either end.
    pub prefix: Option<String>,
    pub region: String,
    pub url_style: UrlStyle,
    /// Path of the JWKS relative to the issuer.
    pub jwks_path: String,
}

impl S3Issuer {
    /// The issuer at `bucket` and `prefix` in `region`, with the default URL
    /// style and JWKS path.
    pub fn with_defaults(bucket: &str, prefix: Option<&str>, region: &str) -> S3Issuer {
        S3Issuer {
            bucket: bucket.to_owned(),
            prefix: prefix.map(str::to_owned),
            region: region.to_owned(),
            url_style: UrlStyle::VirtualHosted,
            jwks_path: DEFAULT_JWKS_PATH.to_owned(),
        }
    }

    pub fn partition(&self) -> Partition {
        Partition::of_region(&self.region)
    }

    /// The import id and resource id: `<bucket>` or `<bucket>/<prefix>`.
    pub fn id(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{}/{p}", self.bucket),
            None => self.bucket.clone(),
        }
    }

    /// The public issuer URL, without a trailing slash.
    pub fn issuer_url(&self) -> String {
        let host = self.partition().s3_host(&self.region);
        let base = match self.url_style {
            UrlStyle::VirtualHosted => format!("https://{}.{host}", self.bucket),
            UrlStyle::Path => format!("https://{host}/{}", self.bucket),
        };
        match &self.prefix {
            Some(p) => format!("{base}/{p}"),
            None => base,
        }
    }

    /// The issuer URL without `https://`, the prefix of IAM condition keys.
    pub fn issuer_host_path(&self) -> String {
        super::issuer::issuer_host_path(&self.issuer_url()).to_owned()
    }

    /// The public URL of the JWKS.
    pub fn jwks_uri(&self) -> String {
        format!("{}/{}", self.issuer_url(), self.jwks_path)
    }

    /// The object key of a path relative to the issuer.
    fn key(&self, relative: &str) -> String {
        match &self.prefix {
            Some(p) => format!("{p}/{relative}"),
            None => relative.to_owned(),
        }
    }

    /// The object key of the discovery document.
    pub fn discovery_key(&self) -> String {
        self.key(DISCOVERY_PATH)
    }

    /// The object key of the JWKS.
    pub fn jwks_key(&self) -> String {
        self.key(&self.jwks_path)
    }

    pub fn bucket_arn(&self) -> String {
        format!("arn:{}:s3:::{}", self.partition().id(), self.bucket)
    }

    pub fn object_arn(&self, key: &str) -> String {
        format!("{}/{key}", self.bucket_arn())
    }

    /// A short tag that tells this issuer's policy statements from those of
    /// other issuers in the same bucket: the first 8 hex digits of the
    /// SHA-256 of the prefix (of the empty string without one).
    pub fn statement_tag(&self) -> String {
        let digest = Sha256::digest(self.prefix.as_deref().unwrap_or("").as_bytes());
        digest[..4].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// How many foreign keys an error lists before "and N more".
const LISTED_KEYS: usize = 10;

/// A bucket about to be deleted still holds objects the issuer did not write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the bucket {bucket:?} holds objects that this issuer did not write: {}{}. Delete them first, or set force_destroy = true and apply before destroying, to let destroy delete them with the bucket",
    keys.join(", "),
    if *more > 0 { format!(" and {more} more") } else { String::new() }
)]
pub struct ForeignObjects {
    pub bucket: String,
    /// The first few keys, sorted.
    pub keys: Vec<String>,
    /// How many more there are.
    pub more: usize,
}

/// Refuse to empty `bucket` when it holds keys other than `own_keys`.
pub fn check_only_own_objects(
    bucket: &str,
    keys: impl IntoIterator<Item = String>,
    own_keys: &[String],
) -> Result<(), ForeignObjects> {
    let foreign: std::collections::BTreeSet<String> =
        keys.into_iter().filter(|k| !own_keys.contains(k)).collect();
    if foreign.is_empty() {
        return Ok(());
    }
    let more = foreign.len().saturating_sub(LISTED_KEYS);
    Err(ForeignObjects {
        bucket: bucket.to_owned(),
        keys: foreign.into_iter().take(LISTED_KEYS).collect(),
        more,
    })
}

/// Splits an import id `<bucket>` or `<bucket>/<prefix>`.
pub fn parse_id(id: &str) -> (String, Option<String>) {
    match id.split_once('/') {
        Some((bucket, prefix)) => (bucket.to_owned(), Some(prefix.to_owned())),
        None => (id.to_owned(), None),
    }
}

/// The JWKS path relative to `issuer_url` that `jwks_uri` points at, when it
/// lies below the issuer.
pub fn jwks_path_of(issuer_url: &str, jwks_uri: &str) -> Option<String> {
    jwks_uri
        .strip_prefix(issuer_url)?
        .strip_prefix('/')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
}

/// An issuer as its published discovery document describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub issuer: S3Issuer,
    pub signing_algorithms: Vec<String>,
}

/// The settings the issuer at `location`'s bucket, prefix and region was
/// published with, read back from its discovery document (`document`, the
/// published text), for import: the URL style whose issuer URL the document
/// names, the JWKS path that its `jwks_uri` gives below its issuer, and the
/// algorithms it announces. What the document does not tell, or a missing or
/// unreadable document, keeps `location`'s URL style and JWKS path and the
/// default algorithm, `RS256`.
pub fn published_settings(location: &S3Issuer, document: Option<&str>) -> Published {
    let mut issuer = location.clone();
    let mut signing_algorithms = vec![DEFAULT_SIGNING_ALGORITHM.to_owned()];
    if let Some(doc) = document.and_then(DiscoveryDocument::parse) {
        for (style, _) in UrlStyle::ALL {
            let candidate = S3Issuer {
                url_style: style,
                ..issuer.clone()
            };
            if candidate.issuer_url() == doc.issuer {
                issuer.url_style = style;
            }
        }
        if let Some(p) = jwks_path_of(&doc.issuer, &doc.jwks_uri) {
            issuer.jwks_path = p;
        }
        if !doc.id_token_signing_alg_values_supported.is_empty() {
            signing_algorithms = doc.id_token_signing_alg_values_supported;
        }
    }
    Published {
        issuer,
        signing_algorithms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwks_keys() {
        for ok in [
            "keys.json",
            "prod/keys.json",
            "a/b/openid/v1/jwks",
            ".well-known/jwks.json",
        ] {
            assert_eq!(validate_jwks_key(ok), Ok(()), "{ok}");
        }
        let long = "k".repeat(1025);
        for bad in [
            "",
            "/keys.json",
            &long,
            ".well-known/openid-configuration",
            "c1/.well-known/openid-configuration",
        ] {
            assert!(validate_jwks_key(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            validate_jwks_key("c1/.well-known/openid-configuration"),
            Err(LocationError::KeyIsDiscovery { .. })
        ));
    }
    use crate::domain::issuer::validate_issuer_url;

    fn issuer(bucket: &str, prefix: Option<&str>, region: &str, style: UrlStyle) -> S3Issuer {
        S3Issuer {
            bucket: bucket.into(),
            prefix: prefix.map(Into::into),
            region: region.into(),
            url_style: style,
            jwks_path: DEFAULT_JWKS_PATH.into(),
        }
    }

    #[test]
    fn urls_keys_and_arns_per_partition_and_style() {
        let cases = [
            (
                issuer("oidc-a", None, "eu-west-1", UrlStyle::VirtualHosted),
                "https://oidc-a.s3.eu-west-1.amazonaws.com",
                "arn:aws:s3:::oidc-a",
            ),
            (
                issuer("oidc-a", Some("c/prod"), "eu-west-1", UrlStyle::Path),
                "https://s3.eu-west-1.amazonaws.com/oidc-a/c/prod",
                "arn:aws:s3:::oidc-a",
            ),
            (
                issuer("oidc-cn", Some("x"), "cn-north-1", UrlStyle::VirtualHosted),
                "https://oidc-cn.s3.cn-north-1.amazonaws.com.cn/x",
                "arn:aws-cn:s3:::oidc-cn",
            ),
            (
                issuer("oidc.gov", None, "us-gov-west-1", UrlStyle::Path),
                "https://s3.us-gov-west-1.amazonaws.com/oidc.gov",
                "arn:aws-us-gov:s3:::oidc.gov",
            ),
        ];
        for (i, url, arn) in cases {
            assert_eq!(i.issuer_url(), url);
            assert_eq!(validate_issuer_url(&i.issuer_url()), Ok(()));
            assert_eq!(i.issuer_host_path(), url.trim_start_matches("https://"));
            assert_eq!(i.jwks_uri(), format!("{url}/keys.json"));
            assert_eq!(i.bucket_arn(), arn);
        }
        let i = issuer("b-1", Some("c/prod"), "us-east-1", UrlStyle::Path);
        assert_eq!(i.id(), "b-1/c/prod");
        assert_eq!(i.discovery_key(), "c/prod/.well-known/openid-configuration");
        assert_eq!(i.jwks_key(), "c/prod/keys.json");
        assert_eq!(
            i.object_arn(&i.jwks_key()),
            "arn:aws:s3:::b-1/c/prod/keys.json"
        );
        let root = issuer("b-1", None, "us-east-1", UrlStyle::Path);
        assert_eq!(root.id(), "b-1");
        assert_eq!(root.discovery_key(), ".well-known/openid-configuration");
        assert_eq!(root.jwks_key(), "keys.json");
    }

    #[test]
    fn statement_tags_differ_per_prefix_and_are_stable() {
        let a = issuer("b-1", Some("a"), "us-east-1", UrlStyle::Path);
        let b = issuer("b-1", Some("b"), "us-east-1", UrlStyle::Path);
        let none = issuer("b-1", None, "us-east-1", UrlStyle::Path);
        assert_ne!(a.statement_tag(), b.statement_tag());
        assert_ne!(a.statement_tag(), none.statement_tag());
        // SHA-256("") starts e3b0c442.
        assert_eq!(none.statement_tag(), "e3b0c442");
        assert_eq!(a.statement_tag().len(), 8);
    }

    #[test]
    fn bucket_names_follow_the_s3_rules() {
        for ok in [
            "abc",
            "my-bucket-1",
            "my.bucket",
            &"a".repeat(63),
            "1bucket",
        ] {
            assert_eq!(validate_bucket_name(ok), Ok(()), "{ok}");
        }
        let bad = |n: &str| validate_bucket_name(n).expect_err(n);
        assert!(matches!(
            bad("ab"),
            LocationError::BucketLength { len: 2, .. }
        ));
        assert!(matches!(
            bad(&"a".repeat(64)),
            LocationError::BucketLength { .. }
        ));
        assert!(matches!(
            bad("My-Bucket"),
            LocationError::BucketCharacter { character: 'M', .. }
        ));
        assert!(matches!(
            bad("my_bucket"),
            LocationError::BucketCharacter { .. }
        ));
        assert!(matches!(bad("-bucket"), LocationError::BucketEnds { .. }));
        assert!(matches!(bad("bucket."), LocationError::BucketEnds { .. }));
        assert!(matches!(
            bad("my..bucket"),
            LocationError::BucketDots { .. }
        ));
        assert!(matches!(
            bad("192.168.5.4"),
            LocationError::BucketIpAddress { .. }
        ));
        assert!(matches!(
            bad("xn--bucket"),
            LocationError::BucketReservedPrefix { .. }
        ));
        assert!(matches!(
            bad("sthree-b"),
            LocationError::BucketReservedPrefix { .. }
        ));
        assert!(matches!(
            bad("bucket-s3alias"),
            LocationError::BucketReservedSuffix { .. }
        ));
        assert!(matches!(
            bad("bucket--ol-s3"),
            LocationError::BucketReservedSuffix { .. }
        ));
    }

    #[test]
    fn dotted_buckets_need_path_style() {
        let e = validate_bucket_for_style("my.bucket", UrlStyle::VirtualHosted).unwrap_err();
        assert!(e.to_string().contains("url_style = \"path\""), "{e}");
        assert_eq!(
            validate_bucket_for_style("my.bucket", UrlStyle::Path),
            Ok(())
        );
        assert_eq!(
            validate_bucket_for_style("my-bucket", UrlStyle::VirtualHosted),
            Ok(())
        );
    }

    #[test]
    fn prefixes_and_jwks_paths() {
        for ok in ["c", "clusters/prod", "a_b.c~d-e"] {
            assert_eq!(validate_prefix(ok), Ok(()), "{ok}");
            assert_eq!(validate_jwks_path(ok), Ok(()), "{ok}");
        }
        let e = validate_prefix("/clusters/prod/").unwrap_err();
        assert!(matches!(e, LocationError::PathSlashes { .. }));
        assert!(e.to_string().contains("\"clusters/prod\""), "{e}");
        assert!(matches!(
            validate_prefix("c/"),
            Err(LocationError::PathSlashes { .. })
        ));
        assert!(matches!(
            validate_prefix(""),
            Err(LocationError::EmptyPath { .. })
        ));
        assert!(matches!(
            validate_prefix("a//b"),
            Err(LocationError::PathEmptySegment { .. })
        ));
        assert!(matches!(
            validate_prefix("a/../b"),
            Err(LocationError::PathDotSegment { .. })
        ));
        assert!(matches!(
            validate_prefix("a b"),
            Err(LocationError::PathCharacter { character: ' ', .. })
        ));
        assert!(matches!(
            validate_jwks_path(DISCOVERY_PATH),
            Err(LocationError::JwksIsDiscovery { .. })
        ));
    }

    #[test]
    fn foreign_objects_are_named() {
        let own = vec![".well-known/openid-configuration".to_owned()];
        assert_eq!(
            check_only_own_objects("b", vec![own[0].clone(), own[0].clone()], &own),
            Ok(())
        );
        let e = check_only_own_objects(
            "b",
            (0..12).map(|i| format!("k{i:02}")).chain([own[0].clone()]),
            &own,
        )
        .unwrap_err();
        assert_eq!(e.keys.len(), 10);
        assert_eq!(e.more, 2);
        let text = e.to_string();
        assert!(text.contains("\"b\""), "{text}");
        assert!(text.contains("k00, k01"), "{text}");
        assert!(text.contains("and 2 more"), "{text}");
        assert!(text.contains("force_destroy"), "{text}");
    }

    #[test]
    fn ids_and_jwks_paths_round_trip() {
        assert_eq!(parse_id("b-1"), ("b-1".into(), None));
        assert_eq!(
            parse_id("b-1/c/prod"),
            ("b-1".into(), Some("c/prod".into()))
        );
        assert_eq!(
            jwks_path_of("https://x/c", "https://x/c/openid/v1/jwks").as_deref(),
            Some("openid/v1/jwks")
        );
        assert_eq!(jwks_path_of("https://x/c", "https://y/c/keys.json"), None);
        assert_eq!(jwks_path_of("https://x/c", "https://x/c/"), None);
    }

    #[test]
    fn url_style_names_follow_the_styles() {
        assert_eq!(UrlStyle::NAMES, ["virtual-hosted", "path"]);
        for name in UrlStyle::NAMES {
            assert_eq!(UrlStyle::parse(name).map(UrlStyle::name), Some(name));
        }
    }

    #[test]
    fn published_settings_are_read_back_from_the_document() {
        let published = issuer("oidc.a", Some("c"), "eu-west-1", UrlStyle::Path);
        let doc = DiscoveryDocument::new(
            &published.issuer_url(),
            &format!("{}/openid/v1/jwks", published.issuer_url()),
            &["ES256".to_owned(), "RS256".to_owned()],
        )
        .to_json();
        let at = S3Issuer::with_defaults("oidc.a", Some("c"), "eu-west-1");
        let p = published_settings(&at, Some(&doc));
        assert_eq!(p.issuer.url_style, UrlStyle::Path);
        assert_eq!(p.issuer.jwks_path, "openid/v1/jwks");
        assert_eq!(p.issuer.prefix.as_deref(), Some("c"));
        assert_eq!(p.signing_algorithms, vec!["ES256", "RS256"]);

        let virtual_hosted = issuer("oidc-a", None, "us-east-1", UrlStyle::VirtualHosted);
        let doc = DiscoveryDocument::new(
            &virtual_hosted.issuer_url(),
            &virtual_hosted.jwks_uri(),
            &[],
        )
        .to_json();
        let at = S3Issuer::with_defaults("oidc-a", None, "us-east-1");
        assert_eq!(at, virtual_hosted);
        let p = published_settings(&at, Some(&doc));
        assert_eq!(p.issuer, virtual_hosted);
        assert_eq!(p.signing_algorithms, vec!["RS256"], "none announced");

        // Written by another tool, compact and without the members that
        // kube-apiserver adds but the settings do not need.
        let url = published.issuer_url();
        let doc = format!(
            r#"{{"id_token_signing_alg_values_supported":["ES256"],"issuer":"{url}","jwks_uri":"{url}/openid/v1/jwks"}}"#
        );
        let at = S3Issuer::with_defaults("oidc.a", Some("c"), "eu-west-1");
        let p = published_settings(&at, Some(&doc));
        assert_eq!(p.issuer.url_style, UrlStyle::Path);
        assert_eq!(p.issuer.jwks_path, "openid/v1/jwks");
        assert_eq!(p.signing_algorithms, vec!["ES256"]);
    }

    #[test]
    fn without_a_readable_document_the_defaults_stay() {
        let at = S3Issuer::with_defaults("oidc-a", None, "us-east-1");
        let defaults = Published {
            issuer: at.clone(),
            signing_algorithms: vec!["RS256".to_owned()],
        };
        assert_eq!(published_settings(&at, None), defaults);
        assert_eq!(published_settings(&at, Some("not json")), defaults);
        // A document for another URL: neither style matches, and the JWKS
        // path is the one below the document's own issuer.
        let doc = DiscoveryDocument::new("https://elsewhere", "https://elsewhere/k", &[]).to_json();
        let p = published_settings(&at, Some(&doc));
        assert_eq!(p.issuer.url_style, UrlStyle::VirtualHosted);
        assert_eq!(p.issuer.jwks_path, "k");
    }
}
