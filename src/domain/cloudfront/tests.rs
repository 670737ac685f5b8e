use super::*;

fn desired() -> DesiredDistribution {
    DesiredDistribution::for_issuer(
        "oidc-a",
        Some("cluster-a"),
        "eu-west-1",
        "E2OAC",
        DistributionOptions {
            aliases: vec!["oidc.example.com".into(), "issuer.example.com".into()],
            acm_certificate_arn: Some("arn:aws:acm:us-east-1:123456789012:certificate/1a2b".into()),
            price_class: PriceClass::PriceClass100,
            web_acl_id: None,
            enabled: true,
        },
    )
}

/// What CloudFront reports for exactly [`desired`].
fn live_of(d: &DesiredDistribution) -> LiveDistribution {
    LiveDistribution {
        origin_domains: vec![d.origin_domain.clone()],
        origin_access_control_id: Some(d.origin_access_control_id.clone()),
        behaviour: LiveBehaviour::wanted(),
        aliases: d.aliases.clone(),
        acm_certificate_arn: d.acm_certificate_arn.clone(),
        price_class: Some(d.price_class.name().to_owned()),
        web_acl_id: d.web_acl_id.clone(),
        enabled: d.enabled,
    }
}

#[test]
fn the_origin_is_the_regional_endpoint_of_the_partition() {
    assert_eq!(
        origin_domain("b", "eu-west-1"),
        "b.s3.eu-west-1.amazonaws.com"
    );
    assert_eq!(
        origin_domain("b", "us-east-1"),
        "b.s3.us-east-1.amazonaws.com"
    );
    assert_eq!(
        origin_domain("b", "cn-north-1"),
        "b.s3.cn-north-1.amazonaws.com.cn"
    );
    assert_eq!(
        origin_domain("b", "us-gov-west-1"),
        "b.s3.us-gov-west-1.amazonaws.com"
    );
    let d = desired();
    assert_eq!(d.origin_domain, "oidc-a.s3.eu-west-1.amazonaws.com");
    assert_ne!(d.origin_domain, "oidc-a.s3.amazonaws.com");
}

#[test]
fn the_behaviour_is_https_only_get_and_head_and_uncached() {
    let b = LiveBehaviour::wanted();
    assert_eq!(b.viewer_protocol_policy, "https-only");
    assert_eq!(b.allowed_methods, vec!["GET", "HEAD"]);
    assert_eq!(b.cached_methods, vec!["GET", "HEAD"]);
    assert_eq!(
        b.cache_policy_id.as_deref(),
        Some("4135ea2d-6df8-44a3-9df3-4b5a84be39ad")
    );
    assert_eq!(b.target_origin_id, ORIGIN_ID);
}

#[test]
fn the_comment_names_the_issuer_and_fits_cloudfront() {
    assert_eq!(desired().comment, "OIDC issuer oidc-a/cluster-a");
    let long = "p".repeat(300);
    let d = DesiredDistribution::for_issuer(
        "b",
        Some(&long),
        "eu-west-1",
        "E",
        DistributionOptions::default(),
    );
    assert_eq!(d.comment.len(), 128);
    assert!(d.comment.starts_with("OIDC issuer b/ppp"));
}

#[test]
fn text_is_clipped_between_characters() {
    assert_eq!(clipped("abc", 10), "abc");
    assert_eq!(clipped("abc", 2), "ab");
    assert_eq!(clipped("aé", 2), "a");
    assert_eq!(clipped("aé", 3), "aé");
}

#[test]
fn certificates_must_be_acm_in_us_east_1() {
    assert_eq!(
        validate_certificate_arn("arn:aws:acm:us-east-1:123456789012:certificate/abc-1"),
        Ok(())
    );
    let e =
        validate_certificate_arn("arn:aws:acm:eu-west-1:123456789012:certificate/abc").unwrap_err();
    assert_eq!(
        e,
        CloudFrontSettingError::CertificateRegion {
            arn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc".into(),
            region: "eu-west-1".into()
        }
    );
    assert!(e.to_string().contains("us-east-1 only"), "{e}");
    for bad in [
        "",
        "abc",
        "arn:aws:iam::123456789012:server-certificate/x",
        "arn:aws:acm:us-east-1:1234:certificate/abc",
        "arn:aws:acm:us-east-1:123456789012:certificate/",
        "arn:aws:acm:us-east-1:123456789012:key/abc",
        "arn:aws:acm::123456789012:certificate/abc",
    ] {
        assert!(
            matches!(
                validate_certificate_arn(bad),
                Err(CloudFrontSettingError::CertificateArn { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn price_classes_are_the_three_of_cloudfront() {
    for name in PriceClass::NAMES {
        assert_eq!(PriceClass::parse(name).unwrap().name(), name);
    }
    assert_eq!(PriceClass::default(), PriceClass::All);
    for bad in ["PriceClass_300", "priceclass_all", "All", ""] {
        assert_eq!(
            PriceClass::parse(bad),
            Err(CloudFrontSettingError::PriceClass { value: bad.into() })
        );
    }
}

#[test]
fn aliases_are_exact_host_names_with_a_certificate() {
    let v = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(validate_aliases(&v(&["oidc.example.com"]), true), Ok(()));
    assert_eq!(validate_aliases(&[], false), Ok(()));
    assert_eq!(
        validate_aliases(&v(&["oidc.example.com"]), false),
        Err(CloudFrontSettingError::AliasesWithoutCertificate)
    );
    assert!(matches!(
        validate_aliases(&v(&["a.example.com", "a.example.com"]), true),
        Err(CloudFrontSettingError::Aliases(m)) if m.contains("twice")
    ));
    let many: Vec<String> = (0..=MAX_ALIASES)
        .map(|i| format!("h{i}.example.com"))
        .collect();
    assert!(matches!(
        validate_aliases(&many, true),
        Err(CloudFrontSettingError::Aliases(m)) if m.contains("101 aliases")
    ));
    for bad in [
        "*.example.com",
        "localhost",
        "OIDC.example.com",
        "-a.example.com",
        "a-.example.com",
        "a..example.com",
        "a_b.example.com",
        "https://oidc.example.com",
        "",
    ] {
        assert!(
            matches!(
                validate_alias(bad),
                Err(CloudFrontSettingError::Alias { .. })
            ),
            "{bad}"
        );
    }
    let long = format!("{}.com", "a.".repeat(130));
    assert!(validate_alias(&long).is_err());
}

#[test]
fn web_acls_are_wafv2_cloudfront_arns_or_classic_ids() {
    for good in [
        "arn:aws:wafv2:us-east-1:123456789012:global/webacl/issuer/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        "a1b2c3d4-5678-90ab-cdef-0123456789ab",
    ] {
        assert_eq!(validate_web_acl_id(good), Ok(()), "{good}");
    }
    for bad in [
        "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/issuer/a1b2",
        "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/issuer/a1b2",
        "arn:aws:wafv2:us-east-1:123456789012:global/webacl/issuer",
        "arn:aws:waf::123456789012:webacl/x",
        "not-a-uuid",
        "",
    ] {
        assert!(
            matches!(
                validate_web_acl_id(bad),
                Err(CloudFrontSettingError::WebAcl { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn a_distribution_as_wanted_has_no_drift() {
    let d = desired();
    assert_eq!(drift(&d, &live_of(&d)), vec![]);
    // Order of aliases and methods, and empty strings for "none", are not
    // differences.
    let mut live = live_of(&d);
    live.aliases.reverse();
    live.behaviour.allowed_methods.reverse();
    live.web_acl_id = Some(String::new());
    assert_eq!(drift(&d, &live), vec![]);
    // No price class reported is CloudFront's default.
    let mut all = d.clone();
    all.price_class = PriceClass::All;
    let mut live = live_of(&all);
    live.price_class = None;
    assert_eq!(drift(&all, &live), vec![]);
}

/// A change made to a live distribution.
type Change = fn(&mut LiveDistribution);

#[test]
fn each_changed_setting_is_named() {
    let d = desired();
    let cases: Vec<(Drift, Change)> = vec![
        (Drift::OriginDomain, |l| {
            l.origin_domains = vec!["oidc-a.s3.amazonaws.com".into()]
        }),
        (Drift::OriginDomain, |l| {
            l.origin_domains
                .push("other.s3.eu-west-1.amazonaws.com".into())
        }),
        (Drift::OriginAccessControl, |l| {
            l.origin_access_control_id = None
        }),
        (Drift::OriginAccessControl, |l| {
            l.origin_access_control_id = Some("E2OTHER".into())
        }),
        (Drift::Behaviour, |l| {
            l.behaviour.viewer_protocol_policy = "allow-all".into()
        }),
        (Drift::Behaviour, |l| {
            l.behaviour.allowed_methods.push("OPTIONS".into())
        }),
        (Drift::Behaviour, |l| {
            l.behaviour.cache_policy_id = Some("658327ea-f89d-4fab-a63d-7e88639e58f6".into())
        }),
        (Drift::Aliases, |l| {
            l.aliases.pop();
        }),
        (Drift::Certificate, |l| l.acm_certificate_arn = None),
        (Drift::PriceClass, |l| {
            l.price_class = Some("PriceClass_All".into())
        }),
        (Drift::WebAcl, |l| l.web_acl_id = Some("x".into())),
        (Drift::Enabled, |l| l.enabled = false),
    ];
    for (want, change) in cases {
        let mut live = live_of(&d);
        change(&mut live);
        assert_eq!(drift(&d, &live), vec![want], "{}", want.name());
    }
    let mut live = live_of(&d);
    live.enabled = false;
    live.aliases.clear();
    assert_eq!(drift(&d, &live), vec![Drift::Aliases, Drift::Enabled]);
}

#[test]
fn the_issuer_url_is_the_first_alias_or_the_distribution_domain() {
    let aliases = vec!["oidc.example.com".to_owned(), "b.example.com".to_owned()];
    assert_eq!(
        issuer_url(&aliases, "d111.cloudfront.net", Some("cluster-a")),
        "https://oidc.example.com/cluster-a"
    );
    assert_eq!(
        issuer_url(&[], "d111.cloudfront.net", None),
        "https://d111.cloudfront.net"
    );
    assert_eq!(
        issuer_url(&[], "d111.cloudfront.net", Some("a/b")),
        "https://d111.cloudfront.net/a/b"
    );
    assert!(
        crate::domain::issuer::validate_issuer_url(&issuer_url(&aliases, "d.net", Some("x")))
            .is_ok()
    );
}

#[test]
fn oac_names_are_per_place_and_fit_cloudfronts_limit() {
    assert_eq!(oac_name("oidc-a", None, "e3b0c442"), "irsa-oidc-a");
    assert_eq!(
        oac_name("oidc-a", Some("c1"), "a1b2c3d4"),
        "irsa-oidc-a-a1b2c3d4"
    );
    let long = "b".repeat(63);
    let a = oac_name(&long, Some("x"), "a1b2c3d4");
    let b = oac_name(&long, Some("y"), "ffffffff");
    assert_eq!(a.len(), MAX_OAC_NAME_LEN);
    assert!(a.starts_with("irsa-bbbb"));
    assert_ne!(a, b, "two prefixes of one long bucket keep apart");
}

#[test]
fn the_settings_read_back_unchanged_report_as_planned() {
    let d = desired();
    let mut live = live_of(&d);
    // CloudFront may list aliases and methods in another order.
    live.aliases.reverse();
    live.behaviour.allowed_methods.reverse();
    let wanted = OacSettings::wanted();
    assert_eq!(
        reported_settings(&d, &live, Some(&wanted)),
        settings_json(&d)
    );
    let json: serde_json::Value = serde_json::from_str(&settings_json(&d)).unwrap();
    assert_eq!(
        json["origin_domains"][0],
        "oidc-a.s3.eu-west-1.amazonaws.com"
    );
    assert_eq!(json["viewer_protocol_policy"], "https-only");
    assert_eq!(json["cache_policy_id"], CACHING_DISABLED_POLICY_ID);
    assert_eq!(json["enabled"], true);
}

#[test]
fn drifted_settings_report_what_cloudfront_holds() {
    let d = desired();
    let wanted = OacSettings::wanted();
    let mut live = live_of(&d);
    live.origin_access_control_id = None;
    live.enabled = false;
    let json: serde_json::Value =
        serde_json::from_str(&reported_settings(&d, &live, Some(&wanted))).unwrap();
    assert_eq!(json["origin_access_control_id"], serde_json::Value::Null);
    assert_eq!(json["enabled"], false);

    // The distribution as planned, but its Origin Access Control changed or gone.
    let live = live_of(&d);
    let never = OacSettings {
        signing_behavior: "never".into(),
        ..OacSettings::wanted()
    };
    let json: serde_json::Value =
        serde_json::from_str(&reported_settings(&d, &live, Some(&never))).unwrap();
    assert_eq!(json["origin_access_control"]["signing_behavior"], "never");
    assert_ne!(reported_settings(&d, &live, None), settings_json(&d));
}

#[test]
fn origins_name_their_bucket_and_region() {
    assert_eq!(
        parse_origin_domain("oidc-a.s3.eu-west-1.amazonaws.com"),
        Some(("oidc-a".into(), "eu-west-1".into()))
    );
    assert_eq!(
        parse_origin_domain("my.dotted.bucket.s3.cn-north-1.amazonaws.com.cn"),
        Some(("my.dotted.bucket".into(), "cn-north-1".into()))
    );
    assert_eq!(parse_origin_domain("oidc-a.s3.amazonaws.com"), None);
    assert_eq!(parse_origin_domain("example.com"), None);
    for (bucket, region) in [("b", "us-east-1"), ("a.b-c", "us-gov-west-1")] {
        assert_eq!(
            parse_origin_domain(&origin_domain(bucket, region)),
            Some((bucket.into(), region.into()))
        );
    }
}

#[test]
fn distribution_ids_are_told_from_bucket_names() {
    assert!(is_distribution_id("E2QWRUHAPOMQZL"));
    assert!(!is_distribution_id("oidc-a"));
    assert!(!is_distribution_id("e2qwruhapomqzl"));
    assert!(is_distribution_id("HIRC0W8GW26JI"));
    assert!(!is_distribution_id("123456"), "a bucket may be all digits");
    assert!(!is_distribution_id(""));
    assert!(issuer_host(&[], "d1.cloudfront.net") == "d1.cloudfront.net");
}
