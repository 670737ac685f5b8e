//! An issuer served through CloudFront from a private S3 bucket: the
//! distribution the issuer wants, CloudFront's rules for its settings, the
//! comparison of that wish with what CloudFront reports, and the issuer URL.
//!
//! The distribution has one origin, the bucket's *regional* endpoint
//! (`<bucket>.s3.<region>.amazonaws.com`, `.com.cn` in China), reached
//! through an Origin Access Control that signs every request with SigV4, so
//! the bucket never has to be public. The global endpoint
//! (`<bucket>.s3.amazonaws.com`) is never used: for a bucket outside
//! us-east-1 it answers with redirects until DNS has caught up, which a CDN
//! would pass on to STS.
//!
//! Viewers get HTTPS only, and only `GET` and `HEAD`.
//!
//! Nothing is cached: the behaviour uses the managed `CachingDisabled`
//! policy. When the cluster's keys rotate, the new JWKS is written to S3 and
//! tokens signed with the new key are sent to STS at once; a cached JWKS at
//! the edge would make STS refuse them until the cache expired (a day with
//! the default policy). STS fetches the documents rarely, so serving every
//! request from the bucket costs next to nothing.

use std::collections::BTreeSet;

use super::partition::Partition;

/// The managed cache policy `CachingDisabled`: TTLs of zero, no cache key
/// beyond the URL.
pub const CACHING_DISABLED_POLICY_ID: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";

/// The viewer protocol policy: plain HTTP is refused, never redirected.
pub const VIEWER_PROTOCOL_POLICY: &str = "https-only";

/// The only methods viewers may use (also the cached methods).
pub const ALLOWED_METHODS: [&str; 2] = ["GET", "HEAD"];

/// The id of the distribution's single origin.
pub const ORIGIN_ID: &str = "irsa-issuer-bucket";

/// The region CloudFront takes ACM certificates from.
pub const CERTIFICATE_REGION: &str = "us-east-1";

/// The TLS policy for viewers when a certificate of one's own is used.
pub const MINIMUM_PROTOCOL_VERSION: &str = "TLSv1.2_2021";

/// The service principal that reads the bucket on the distribution's behalf.
pub const SERVICE_PRINCIPAL: &str = "cloudfront.amazonaws.com";

/// The longest comment CloudFront accepts.
const MAX_COMMENT_LEN: usize = 128;

/// The longest Origin Access Control description CloudFront accepts.
pub const MAX_OAC_DESCRIPTION_LEN: usize = 256;

/// How many aliases a distribution may have (CloudFront's default quota).
pub const MAX_ALIASES: usize = 100;

/// Which edge locations serve the distribution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PriceClass {
    /// North America, Europe and Israel.
    PriceClass100,
    /// `PriceClass100` and Asia, Africa and the Middle East.
    PriceClass200,
    /// Every edge location; CloudFront's default.
    #[default]
    All,
}

impl PriceClass {
    /// Every price class, by its API name; feeds the validator and the docs.
    pub const NAMES: [&'static str; 3] = ["PriceClass_100", "PriceClass_200", "PriceClass_All"];

    pub fn name(self) -> &'static str {
        match self {
            PriceClass::PriceClass100 => Self::NAMES[0],
            PriceClass::PriceClass200 => Self::NAMES[1],
            PriceClass::All => Self::NAMES[2],
        }
    }

    pub fn parse(name: &str) -> Result<PriceClass, CloudFrontSettingError> {
        match name {
            "PriceClass_100" => Ok(PriceClass::PriceClass100),
            "PriceClass_200" => Ok(PriceClass::PriceClass200),
            "PriceClass_All" => Ok(PriceClass::All),
            _ => Err(CloudFrontSettingError::PriceClass {
                value: name.to_owned(),
            }),
        }
    }
}

/// A distribution setting CloudFront would refuse. The resource names the
/// attribute; each variant is about one attribute.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudFrontSettingError {
    /// `acm_certificate_arn` is not the ARN of an ACM certificate.
    #[error("{arn:?} is not the ARN of an ACM certificate (arn:aws:acm:us-east-1:<account id>:certificate/<id>)")]
    CertificateArn { arn: String },
    /// `acm_certificate_arn` names a certificate outside us-east-1.
    #[error(
        "the certificate {arn:?} is in {region}; CloudFront uses ACM certificates from us-east-1 only. \
         Request or import the certificate in us-east-1"
    )]
    CertificateRegion { arn: String, region: String },
    /// `price_class` is none of the three.
    #[error(
        "{value:?} is not a price class; use one of PriceClass_100, PriceClass_200, PriceClass_All"
    )]
    PriceClass { value: String },
    /// An entry of `aliases` is not a host name CloudFront can serve.
    #[error("the alias {alias:?} {reason}")]
    Alias { alias: String, reason: &'static str },
    /// `aliases` lists a name twice, or too many names.
    #[error("{0}")]
    Aliases(String),
    /// `aliases` are set without `acm_certificate_arn`.
    #[error(
        "aliases need a certificate that covers them: set acm_certificate_arn to an ACM certificate in us-east-1"
    )]
    AliasesWithoutCertificate,
    /// `web_acl_id` is neither a WAF (v2) web ACL ARN of scope CLOUDFRONT
    /// nor a WAF Classic web ACL id.
    #[error(
        "{value:?} is not a web ACL for CloudFront: give the ARN of an AWS WAF web ACL with scope CLOUDFRONT \
         (arn:aws:wafv2:us-east-1:<account id>:global/webacl/<name>/<id>) or the id of a WAF Classic web ACL"
    )]
    WebAcl { value: String },
}

/// Check an `acm_certificate_arn`: an ACM certificate in us-east-1.
pub fn validate_certificate_arn(arn: &str) -> Result<(), CloudFrontSettingError> {
    let bad = || CloudFrontSettingError::CertificateArn {
        arn: arn.to_owned(),
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts[..] else {
        return Err(bad());
    };
    let id = resource.strip_prefix("certificate/").unwrap_or("");
    if prefix != "arn"
        || partition.is_empty()
        || service != "acm"
        || region.is_empty()
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
        || id.is_empty()
        || id.contains(char::is_whitespace)
    {
        return Err(bad());
    }
    if region != CERTIFICATE_REGION {
        return Err(CloudFrontSettingError::CertificateRegion {
            arn: arn.to_owned(),
            region: region.to_owned(),
        });
    }
    Ok(())
}

/// Check one alias: a fully qualified host name, no wildcard (the first
/// alias becomes the issuer's host), at most 253 characters.
pub fn validate_alias(alias: &str) -> Result<(), CloudFrontSettingError> {
    let err = |reason| {
        Err(CloudFrontSettingError::Alias {
            alias: alias.to_owned(),
            reason,
        })
    };
    if alias.starts_with("*.") {
        return err("is a wildcard; an issuer is served at one host name, so name it exactly");
    }
    if alias.len() > 253 || alias.is_empty() {
        return err("must be 1 to 253 characters long");
    }
    if alias != alias.to_ascii_lowercase() {
        return err("must be in lower case, as CloudFront and the issuer URL keep it");
    }
    if !alias.contains('.') {
        return err("must be a fully qualified domain name, e.g. oidc.example.com");
    }
    for label in alias.split('.') {
        let ok = (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return err("is not a host name: labels of 1 to 63 letters, digits and inner hyphens, separated by dots");
        }
    }
    Ok(())
}

/// Check the `aliases` list: each alias, no repeats, at most
/// [`MAX_ALIASES`], and a certificate to serve them with.
pub fn validate_aliases(
    aliases: &[String],
    has_certificate: bool,
) -> Result<(), CloudFrontSettingError> {
    let mut seen = BTreeSet::new();
    for a in aliases {
        validate_alias(a)?;
        if !seen.insert(a.as_str()) {
            return Err(CloudFrontSettingError::Aliases(format!(
                "the alias {a:?} is listed twice"
            )));
        }
    }
    if aliases.len() > MAX_ALIASES {
        return Err(CloudFrontSettingError::Aliases(format!(
            "{} aliases are more than the {MAX_ALIASES} a distribution may have",
            aliases.len()
        )));
    }
    if !aliases.is_empty() && !has_certificate {
        return Err(CloudFrontSettingError::AliasesWithoutCertificate);
    }
    Ok(())
}

/// Check a `web_acl_id`: a WAF (v2) web ACL ARN of scope CLOUDFRONT (in
/// us-east-1, `global/webacl/...`), or a WAF Classic id (a UUID).
pub fn validate_web_acl_id(value: &str) -> Result<(), CloudFrontSettingError> {
    let ok = if let Some(rest) = value.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        matches!(
            parts[..],
            [p, "wafv2", "us-east-1", account, resource]
                if !p.is_empty()
                    && account.len() == 12
                    && account.bytes().all(|b| b.is_ascii_digit())
                    && resource.starts_with("global/webacl/")
                    && resource.split('/').count() == 4
                    && resource.split('/').all(|s| !s.is_empty())
        )
    } else {
        is_uuid(value)
    };
    if ok {
        Ok(())
    } else {
        Err(CloudFrontSettingError::WebAcl {
            value: value.to_owned(),
        })
    }
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The longest start of `text` that is at most `max` bytes long and ends
/// between characters: CloudFront counts its text limits in bytes.
pub fn clipped(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The issuer's own choices for its distribution.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DistributionOptions {
    pub aliases: Vec<String>,
    pub acm_certificate_arn: Option<String>,
    pub price_class: PriceClass,
    pub web_acl_id: Option<String>,
    pub enabled: bool,
}

/// The distribution an issuer wants, as plain values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesiredDistribution {
    /// The bucket's regional endpoint host.
    pub origin_domain: String,
    pub origin_access_control_id: String,
    pub aliases: Vec<String>,
    pub acm_certificate_arn: Option<String>,
    pub price_class: PriceClass,
    pub web_acl_id: Option<String>,
    pub enabled: bool,
    /// Shown in the console; not compared.
    pub comment: String,
}

/// The regional endpoint host of a bucket: `<bucket>.s3.<region>.<domain>`.
pub fn origin_domain(bucket: &str, region: &str) -> String {
    format!("{bucket}.{}", Partition::of_region(region).s3_host(region))
}

impl DesiredDistribution {
    /// The distribution for the issuer in `bucket` (in `region`) at
    /// `prefix`, read through the Origin Access Control `oac_id`.
    pub fn for_issuer(
        bucket: &str,
        prefix: Option<&str>,
        region: &str,
        oac_id: &str,
        options: DistributionOptions,
    ) -> DesiredDistribution {
        let place = match prefix {
            Some(p) => format!("{bucket}/{p}"),
            None => bucket.to_owned(),
        };
        let comment = clipped(&format!("OIDC issuer {place}"), MAX_COMMENT_LEN).to_owned();
        DesiredDistribution {
            origin_domain: origin_domain(bucket, region),
            origin_access_control_id: oac_id.to_owned(),
            aliases: options.aliases,
            acm_certificate_arn: options.acm_certificate_arn,
            price_class: options.price_class,
            web_acl_id: options.web_acl_id,
            enabled: options.enabled,
            comment,
        }
    }
}

/// The default cache behaviour as CloudFront reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveBehaviour {
    pub target_origin_id: String,
    pub viewer_protocol_policy: String,
    pub allowed_methods: Vec<String>,
    pub cached_methods: Vec<String>,
    pub cache_policy_id: Option<String>,
}

impl LiveBehaviour {
    /// The behaviour every issuer distribution has.
    pub fn wanted() -> LiveBehaviour {
        LiveBehaviour {
            target_origin_id: ORIGIN_ID.to_owned(),
            viewer_protocol_policy: VIEWER_PROTOCOL_POLICY.to_owned(),
            allowed_methods: ALLOWED_METHODS.map(str::to_owned).to_vec(),
            cached_methods: ALLOWED_METHODS.map(str::to_owned).to_vec(),
            cache_policy_id: Some(CACHING_DISABLED_POLICY_ID.to_owned()),
        }
    }

    /// Equal up to the order of the method lists.
    fn same_as(&self, other: &LiveBehaviour) -> bool {
        let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
        self.target_origin_id == other.target_origin_id
            && self.viewer_protocol_policy == other.viewer_protocol_policy
            && set(&self.allowed_methods) == set(&other.allowed_methods)
            && set(&self.cached_methods) == set(&other.cached_methods)
            && self.cache_policy_id == other.cache_policy_id
    }
}

/// A distribution's settings as CloudFront reports them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveDistribution {
    /// Every origin's domain (an issuer distribution has one).
    pub origin_domains: Vec<String>,
    /// The Origin Access Control of the origin [`ORIGIN_ID`], if any.
    pub origin_access_control_id: Option<String>,
    pub behaviour: LiveBehaviour,
    pub aliases: Vec<String>,
    pub acm_certificate_arn: Option<String>,
    pub price_class: Option<String>,
    pub web_acl_id: Option<String>,
    pub enabled: bool,
}

/// A setting in which the live distribution differs from the wanted one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Drift {
    OriginDomain,
    OriginAccessControl,
    Behaviour,
    Aliases,
    Certificate,
    PriceClass,
    WebAcl,
    Enabled,
}

impl Drift {
    /// A short name for logs and diagnostics.
    pub fn name(self) -> &'static str {
        match self {
            Drift::OriginDomain => "origin domain",
            Drift::OriginAccessControl => "origin access control",
            Drift::Behaviour => "default cache behaviour",
            Drift::Aliases => "aliases",
            Drift::Certificate => "viewer certificate",
            Drift::PriceClass => "price class",
            Drift::WebAcl => "web ACL",
            Drift::Enabled => "enabled",
        }
    }
}

/// The settings in which `live` differs from `desired`, in a fixed order;
/// empty when none does. Aliases are compared as a set (their order is the
/// user's, and CloudFront may list them otherwise); an empty web ACL or
/// certificate is the same as none.
pub fn drift(desired: &DesiredDistribution, live: &LiveDistribution) -> Vec<Drift> {
    let none_if_empty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
    let mut out = Vec::new();
    if live.origin_domains != [desired.origin_domain.clone()] {
        out.push(Drift::OriginDomain);
    }
    if none_if_empty(&live.origin_access_control_id).as_deref()
        != Some(desired.origin_access_control_id.as_str())
    {
        out.push(Drift::OriginAccessControl);
    }
    if !live.behaviour.same_as(&LiveBehaviour::wanted()) {
        out.push(Drift::Behaviour);
    }
    if set(&live.aliases) != set(&desired.aliases) {
        out.push(Drift::Aliases);
    }
    if none_if_empty(&live.acm_certificate_arn) != desired.acm_certificate_arn {
        out.push(Drift::Certificate);
    }
    if live
        .price_class
        .as_deref()
        .unwrap_or(PriceClass::All.name())
        != desired.price_class.name()
    {
        out.push(Drift::PriceClass);
    }
    if none_if_empty(&live.web_acl_id) != desired.web_acl_id {
        out.push(Drift::WebAcl);
    }
    if live.enabled != desired.enabled {
        out.push(Drift::Enabled);
    }
    out
}

/// The host an issuer is served at: the distribution's first alias, else
/// its own domain.
pub fn issuer_host<'a>(aliases: &'a [String], distribution_domain: &'a str) -> &'a str {
    aliases
        .first()
        .map(String::as_str)
        .unwrap_or(distribution_domain)
}

/// The URL of an issuer served by a distribution: its first alias, else the
/// distribution's own domain, then the prefix; no trailing slash.
pub fn issuer_url(aliases: &[String], distribution_domain: &str, prefix: Option<&str>) -> String {
    let host = issuer_host(aliases, distribution_domain);
    match prefix {
        Some(p) => format!("https://{host}/{p}"),
        None => format!("https://{host}"),
    }
}

/// The longest name CloudFront gives an Origin Access Control.
pub const MAX_OAC_NAME_LEN: usize = 64;

/// The name of the Origin Access Control of the issuer at `bucket` and
/// `prefix`: `irsa-<bucket>` and, with a prefix, `-<tag>` (the issuer's
/// statement tag). Names are unique in an account, so a second state making
/// an issuer at the same place is refused rather than sharing it. A name
/// that would be too long keeps the start of the bucket and ends with a
/// hash of the whole.
pub fn oac_name(bucket: &str, prefix: Option<&str>, statement_tag: &str) -> String {
    let full = match prefix {
        Some(_) => format!("irsa-{bucket}-{statement_tag}"),
        None => format!("irsa-{bucket}"),
    };
    if full.len() <= MAX_OAC_NAME_LEN {
        return full;
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(full.as_bytes());
    let hash: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    let room = MAX_OAC_NAME_LEN - hash.len() - 1;
    format!("{}-{hash}", clipped(&full, room))
}

/// The Origin Access Control's settings that matter: what it signs for,
/// how and when.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OacSettings {
    pub origin_type: String,
    pub signing_protocol: String,
    pub signing_behavior: String,
}

impl OacSettings {
    /// S3, SigV4, every request.
    pub fn wanted() -> OacSettings {
        OacSettings {
            origin_type: "s3".to_owned(),
            signing_protocol: "sigv4".to_owned(),
            signing_behavior: "always".to_owned(),
        }
    }
}

/// The settings the issuer manages, as `distribution_settings` shows them.
#[derive(serde::Serialize)]
struct Settings<'a> {
    origin_domains: &'a [String],
    origin_access_control_id: Option<&'a str>,
    origin_access_control: Option<&'a OacSettings>,
    target_origin_id: &'a str,
    viewer_protocol_policy: &'a str,
    allowed_methods: Vec<&'a str>,
    cached_methods: Vec<&'a str>,
    cache_policy_id: Option<&'a str>,
    aliases: Vec<&'a str>,
    acm_certificate_arn: Option<&'a str>,
    price_class: &'a str,
    web_acl_id: Option<&'a str>,
    enabled: bool,
}

fn sorted(v: &[String]) -> Vec<&str> {
    let mut out: Vec<&str> = v.iter().map(String::as_str).collect();
    out.sort_unstable();
    out
}

fn render(s: &Settings) -> String {
    serde_json::to_string_pretty(s).expect("settings serialize")
}

/// The settings of `desired` as JSON: what a plan shows for the
/// distribution. Lists are sorted, so only a change of what they hold
/// shows.
pub fn settings_json(desired: &DesiredDistribution) -> String {
    let behaviour = LiveBehaviour::wanted();
    let wanted_oac = OacSettings::wanted();
    render(&Settings {
        origin_domains: std::slice::from_ref(&desired.origin_domain),
        origin_access_control_id: Some(&desired.origin_access_control_id),
        origin_access_control: Some(&wanted_oac),
        target_origin_id: &behaviour.target_origin_id,
        viewer_protocol_policy: &behaviour.viewer_protocol_policy,
        allowed_methods: sorted(&behaviour.allowed_methods),
        cached_methods: sorted(&behaviour.cached_methods),
        cache_policy_id: behaviour.cache_policy_id.as_deref(),
        aliases: sorted(&desired.aliases),
        acm_certificate_arn: desired.acm_certificate_arn.as_deref(),
        price_class: desired.price_class.name(),
        web_acl_id: desired.web_acl_id.as_deref(),
        enabled: desired.enabled,
    })
}

/// What refresh reports for the distribution: [`settings_json`] of
/// `desired` when CloudFront holds exactly that (however listed), else the
/// live settings in the same shape, so the plan shows what differs. `oac`
/// is the Origin Access Control's settings, `None` when it is gone.
pub fn reported_settings(
    desired: &DesiredDistribution,
    live: &LiveDistribution,
    oac: Option<&OacSettings>,
) -> String {
    if drift(desired, live).is_empty() && oac == Some(&OacSettings::wanted()) {
        return settings_json(desired);
    }
    fn none_if_empty(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|s| !s.is_empty())
    }
    render(&Settings {
        origin_domains: &live.origin_domains,
        origin_access_control_id: none_if_empty(&live.origin_access_control_id),
        origin_access_control: oac,
        target_origin_id: &live.behaviour.target_origin_id,
        viewer_protocol_policy: &live.behaviour.viewer_protocol_policy,
        allowed_methods: sorted(&live.behaviour.allowed_methods),
        cached_methods: sorted(&live.behaviour.cached_methods),
        cache_policy_id: live.behaviour.cache_policy_id.as_deref(),
        aliases: sorted(&live.aliases),
        acm_certificate_arn: none_if_empty(&live.acm_certificate_arn),
        price_class: live
            .price_class
            .as_deref()
            .unwrap_or(PriceClass::All.name()),
        web_acl_id: none_if_empty(&live.web_acl_id),
        enabled: live.enabled,
    })
}

/// The bucket and region of a regional S3 endpoint host
/// (`<bucket>.s3.<region>.<amazonaws.com | amazonaws.com.cn>`), as an
/// issuer distribution's origin has; `None` for any other host.
pub fn parse_origin_domain(domain: &str) -> Option<(String, String)> {
    let rest = domain
        .strip_suffix(".amazonaws.com")
        .or_else(|| domain.strip_suffix(".amazonaws.com.cn"))?;
    let (bucket, region) = rest.rsplit_once(".s3.")?;
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (region_ok && !bucket.is_empty()).then(|| (bucket.to_owned(), region.to_owned()))
}

/// Whether the first part of an import id is a distribution id: upper-case
/// letters and digits (`E2QWRUHAPOMQZL`), at least one letter. No bucket
/// name can be one, since bucket names are in lower case.
pub fn is_distribution_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && id.bytes().any(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests;
