//! The issuer's distribution between the domain's plain values and the
//! SDK's types, both ways.

use aws_sdk_cloudfront::types::{
    Aliases, AllowedMethods, CachedMethods, DefaultCacheBehavior, DistributionConfig, Method,
    MinimumProtocolVersion, Origin, OriginAccessControlConfig, OriginAccessControlOriginTypes,
    OriginAccessControlSigningBehaviors, OriginAccessControlSigningProtocols, Origins, PriceClass,
    S3OriginConfig, SslSupportMethod, ViewerCertificate, ViewerProtocolPolicy,
};

use crate::domain::cloudfront::{
    DesiredDistribution, LiveBehaviour, LiveDistribution, ALLOWED_METHODS,
    CACHING_DISABLED_POLICY_ID, MINIMUM_PROTOCOL_VERSION, ORIGIN_ID, VIEWER_PROTOCOL_POLICY,
};

/// An Origin Access Control for S3 origins that signs every request with
/// SigV4 ("always": a viewer's own `Authorization` header is replaced).
pub(super) fn oac_config(name: &str, description: &str) -> OriginAccessControlConfig {
    OriginAccessControlConfig::builder()
        .name(name)
        .description(description)
        .signing_protocol(OriginAccessControlSigningProtocols::Sigv4)
        .signing_behavior(OriginAccessControlSigningBehaviors::Always)
        .origin_access_control_origin_type(OriginAccessControlOriginTypes::S3)
        .build()
        .expect("every required field is set")
}

fn methods() -> Vec<Method> {
    ALLOWED_METHODS.iter().map(|m| Method::from(*m)).collect()
}

/// The full DistributionConfig of `desired`, under `caller_reference` (the
/// one it was created with, on an update).
pub(super) fn distribution_config(
    desired: &DesiredDistribution,
    caller_reference: &str,
) -> DistributionConfig {
    let origin = Origin::builder()
        .id(ORIGIN_ID)
        .domain_name(&desired.origin_domain)
        .origin_path("")
        // An S3 origin read through an Origin Access Control carries an
        // empty origin access identity.
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .origin_access_control_id(&desired.origin_access_control_id)
        .build()
        .expect("every required field is set");
    let cached = CachedMethods::builder()
        .quantity(ALLOWED_METHODS.len() as i32)
        .set_items(Some(methods()))
        .build()
        .expect("every required field is set");
    let allowed = AllowedMethods::builder()
        .quantity(ALLOWED_METHODS.len() as i32)
        .set_items(Some(methods()))
        .cached_methods(cached)
        .build()
        .expect("every required field is set");
    let behaviour = DefaultCacheBehavior::builder()
        .target_origin_id(ORIGIN_ID)
        .viewer_protocol_policy(ViewerProtocolPolicy::from(VIEWER_PROTOCOL_POLICY))
        .allowed_methods(allowed)
        .cache_policy_id(CACHING_DISABLED_POLICY_ID)
        .compress(true)
        .build()
        .expect("every required field is set");
    let certificate = match &desired.acm_certificate_arn {
        Some(arn) => ViewerCertificate::builder()
            .cloud_front_default_certificate(false)
            .acm_certificate_arn(arn)
            .ssl_support_method(SslSupportMethod::SniOnly)
            .minimum_protocol_version(MinimumProtocolVersion::from(MINIMUM_PROTOCOL_VERSION))
            .build(),
        None => ViewerCertificate::builder()
            .cloud_front_default_certificate(true)
            .build(),
    };
    let aliases = Aliases::builder()
        .quantity(desired.aliases.len() as i32)
        .set_items((!desired.aliases.is_empty()).then(|| desired.aliases.clone()))
        .build()
        .expect("every required field is set");
    DistributionConfig::builder()
        .caller_reference(caller_reference)
        .comment(&desired.comment)
        .enabled(desired.enabled)
        .origins(
            Origins::builder()
                .quantity(1)
                .items(origin)
                .build()
                .expect("every required field is set"),
        )
        .default_cache_behavior(behaviour)
        .aliases(aliases)
        .viewer_certificate(certificate)
        .price_class(PriceClass::from(desired.price_class.name()))
        .web_acl_id(desired.web_acl_id.clone().unwrap_or_default())
        .default_root_object("")
        .build()
        .expect("every required field is set")
}

/// What the domain compares of a distribution's configuration.
pub(super) fn live(config: &DistributionConfig) -> LiveDistribution {
    let origins = config.origins().map(|o| o.items()).unwrap_or_default();
    let behaviour = config.default_cache_behavior();
    let allowed = behaviour.and_then(|b| b.allowed_methods());
    let names = |m: &[Method]| m.iter().map(|m| m.as_str().to_owned()).collect::<Vec<_>>();
    LiveDistribution {
        origin_domains: origins.iter().map(|o| o.domain_name().to_owned()).collect(),
        origin_access_control_id: origins
            .iter()
            .find(|o| o.id() == ORIGIN_ID)
            .and_then(|o| o.origin_access_control_id())
            .map(str::to_owned),
        behaviour: LiveBehaviour {
            target_origin_id: behaviour
                .map(|b| b.target_origin_id().to_owned())
                .unwrap_or_default(),
            viewer_protocol_policy: behaviour
                .map(|b| b.viewer_protocol_policy().as_str().to_owned())
                .unwrap_or_default(),
            allowed_methods: allowed.map(|a| names(a.items())).unwrap_or_default(),
            cached_methods: allowed
                .and_then(|a| a.cached_methods())
                .map(|c| names(c.items()))
                .unwrap_or_default(),
            cache_policy_id: behaviour
                .and_then(|b| b.cache_policy_id())
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
        },
        aliases: config
            .aliases()
            .map(|a| a.items().to_vec())
            .unwrap_or_default(),
        acm_certificate_arn: config
            .viewer_certificate()
            .and_then(|c| c.acm_certificate_arn())
            .filter(|a| !a.is_empty())
            .map(str::to_owned),
        price_class: config.price_class().map(|p| p.as_str().to_owned()),
        web_acl_id: config
            .web_acl_id()
            .filter(|w| !w.is_empty())
            .map(str::to_owned),
        enabled: config.enabled(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cloudfront::{drift, DistributionOptions, PriceClass as Class};

    fn desired(certificate: bool) -> DesiredDistribution {
        DesiredDistribution::for_issuer(
            "oidc-a",
            None,
            "eu-west-1",
            "E2OAC",
            DistributionOptions {
                aliases: if certificate {
                    vec!["oidc.example.com".into()]
                } else {
                    vec![]
                },
                acm_certificate_arn: certificate
                    .then(|| "arn:aws:acm:us-east-1:123456789012:certificate/x".into()),
                price_class: Class::PriceClass200,
                web_acl_id: None,
                enabled: true,
            },
        )
    }

    #[test]
    fn a_built_config_reads_back_without_drift() {
        for certificate in [false, true] {
            let d = desired(certificate);
            let c = distribution_config(&d, "ref-1");
            assert_eq!(c.caller_reference(), "ref-1");
            assert_eq!(drift(&d, &live(&c)), vec![], "certificate: {certificate}");
            let origin = &c.origins().unwrap().items()[0];
            assert_eq!(origin.domain_name(), "oidc-a.s3.eu-west-1.amazonaws.com");
            assert_eq!(origin.origin_access_control_id(), Some("E2OAC"));
            let v = c.viewer_certificate().unwrap();
            assert_eq!(v.cloud_front_default_certificate(), Some(!certificate));
        }
    }

    #[test]
    fn the_oac_signs_s3_requests_always_with_sigv4() {
        let c = oac_config("n", "d");
        assert_eq!(c.signing_protocol().as_str(), "sigv4");
        assert_eq!(c.signing_behavior().as_str(), "always");
        assert_eq!(c.origin_access_control_origin_type().as_str(), "s3");
    }
}
