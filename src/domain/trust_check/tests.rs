use super::*;
use crate::domain::jwks::build_jwks;
use crate::domain::test_support::*;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

const ISSUER: &str = "https://b.s3.eu-west-1.amazonaws.com/c1";
const JWKS_URI: &str = "https://b.s3.eu-west-1.amazonaws.com/c1/keys.json";
const PROVIDER: &str = "arn:aws:iam::111122223333:oidc-provider/b.s3.eu-west-1.amazonaws.com/c1";

fn discovery_json(issuer: &str, algs: &[&str]) -> String {
    let algs: Vec<String> = algs.iter().map(|a| (*a).to_owned()).collect();
    DiscoveryDocument::new(issuer, JWKS_URI, &algs).to_json()
}

#[test]
fn discovery_needs_a_byte_identical_issuer() {
    let (ok, doc) = check_discovery(ISSUER, Ok(&discovery_json(ISSUER, &["RS256"])));
    assert!(ok.ok, "{ok:?}");
    assert_eq!(doc.unwrap().jwks_uri, JWKS_URI);
    assert!(ok.detail.contains("byte-identical"));

    let (slash, _) = check_discovery(
        ISSUER,
        Ok(&discovery_json(&format!("{ISSUER}/"), &["RS256"])),
    );
    assert!(!slash.ok);
    assert!(
        slash.detail.contains("not byte-identical"),
        "{}",
        slash.detail
    );
    assert_eq!(slash.sts_error.as_deref(), Some(STS_NO_KEY));

    let (given_slash, _) =
        check_discovery(&format!("{ISSUER}/"), Err("HTTP 404 (NoSuchKey)".into()));
    assert!(
        given_slash.detail.contains("ends with \"/\""),
        "{}",
        given_slash.detail
    );
}

#[test]
fn discovery_failures_name_the_url_and_the_fix() {
    let (r, _) = check_discovery(
        ISSUER,
        Err("HTTP 301 with Location \"x\": a redirect".into()),
    );
    assert!(!r.ok);
    assert!(r.detail.contains("/c1/.well-known/openid-configuration"));
    assert!(r.fix.unwrap().contains("PermanentRedirect"));
    let (r, _) = check_discovery(ISSUER, Ok("{\"issuer\":1}"));
    assert!(!r.ok && r.detail.contains("not an OIDC discovery document"));
}

#[test]
fn jwks_keys_need_their_kubernetes_kid_and_an_advertised_algorithm() {
    let rsa = key(RSA2048);
    let ec = key(EC_P256);
    let doc = build_jwks(&[rsa.clone(), ec.clone()], true).to_json();
    let (r, published) = check_jwks(JWKS_URI, Ok(&doc), &["RS256".into(), "ES256".into()]);
    assert!(r.ok, "{r:?}");
    assert_eq!(published.len(), 2);

    let (r, _) = check_jwks(JWKS_URI, Ok(&doc), &["RS256".into()]);
    assert!(!r.ok && r.detail.contains("ES256"), "{}", r.detail);

    let renamed = doc.replacen(&rsa.kid(), "not-the-kid", 1);
    let (r, _) = check_jwks(JWKS_URI, Ok(&renamed), &["RS256".into(), "ES256".into()]);
    assert!(!r.ok && r.detail.contains("not-the-kid"), "{}", r.detail);

    let (r, _) = check_jwks(JWKS_URI, Ok("{\"keys\":[]}"), &["RS256".into()]);
    assert!(!r.ok);
    let (r, _) = check_jwks(JWKS_URI, Err("HTTP 403 (AccessDenied)".into()), &[]);
    assert!(!r.ok && r.detail.contains("AccessDenied"));
    assert_eq!(r.sts_error.as_deref(), Some(STS_NO_KEY));
}

fn facts(client_ids: &[&str], thumbprints: &[&str]) -> ProviderFacts {
    ProviderFacts {
        arn: PROVIDER.into(),
        client_ids: client_ids.iter().map(|s| (*s).to_owned()).collect(),
        thumbprints: thumbprints.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[test]
fn the_provider_must_exist_list_the_audience_and_match_thumbprints() {
    let public = ChainFacts {
        thumbprints: vec!["aa".repeat(20)],
        publicly_trusted: true,
    };
    let private = ChainFacts {
        publicly_trusted: false,
        ..public.clone()
    };
    let missing = check_provider(ISSUER, "sts.amazonaws.com", None, &public);
    assert_eq!(missing.sts_error, Some(sts_no_provider(ISSUER)));
    let aud = check_provider(
        ISSUER,
        "sts.amazonaws.com",
        Some(&facts(&["other"], &[])),
        &public,
    );
    assert_eq!(aud.sts_error.as_deref(), Some(STS_AUDIENCE));
    assert!(
        check_provider(
            ISSUER,
            "sts.amazonaws.com",
            Some(&facts(&["sts.amazonaws.com"], &[])),
            &private
        )
        .ok
    );
    let stale = facts(&["sts.amazonaws.com"], &[&"bb".repeat(20)]);
    assert!(check_provider(ISSUER, "sts.amazonaws.com", Some(&stale), &public).ok);
    let r = check_provider(ISSUER, "sts.amazonaws.com", Some(&stale), &private);
    assert_eq!(r.sts_error.as_deref(), Some(STS_THUMBPRINT));
    let upper = facts(&["sts.amazonaws.com"], &[&"AA".repeat(20)]);
    assert!(check_provider(ISSUER, "sts.amazonaws.com", Some(&upper), &private).ok);
    // A chain that needed the extra CA passes, and the detail says STS
    // would not trust it.
    let none = facts(&["sts.amazonaws.com"], &[]);
    let r = check_provider(ISSUER, "sts.amazonaws.com", Some(&none), &private);
    assert!(
        r.ok && r.detail.contains("which STS does not trust"),
        "{r:?}"
    );
    let r = check_provider(ISSUER, "sts.amazonaws.com", Some(&none), &public);
    assert!(!r.detail.contains("STS does not trust"), "{r:?}");
}

fn published(keys: &[PublicKey]) -> Vec<PublishedKey> {
    keys.iter()
        .map(|k| PublishedKey {
            kid: k.kid(),
            key: k.clone(),
        })
        .collect()
}

#[test]
fn every_cluster_key_must_be_published() {
    let (a, b) = (key(RSA2048), key(EC_P256));
    assert!(
        check_cluster_keys(
            std::slice::from_ref(&a),
            &published(&[a.clone(), b.clone()])
        )
        .ok
    );
    let r = check_cluster_keys(&[a.clone(), b.clone()], &published(&[a]));
    assert!(!r.ok && r.detail.contains(&b.kid()));
    assert!(!check_cluster_keys(&[], &[]).ok);
}

fn trust(subject_pattern: &str, operator: &str) -> String {
    let hp = "b.s3.eu-west-1.amazonaws.com/c1";
    let condition = if operator == "StringEquals" {
        format!(
            r#"{{"StringEquals":{{"{hp}:sub":"{subject_pattern}","{hp}:aud":"sts.amazonaws.com"}}}}"#
        )
    } else {
        format!(
            r#"{{"{operator}":{{"{hp}:sub":"{subject_pattern}"}},"StringEquals":{{"{hp}:aud":"sts.amazonaws.com"}}}}"#
        )
    };
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{PROVIDER}"}},
        "Action":"sts:AssumeRoleWithWebIdentity","Condition":{condition}}}]}}"#
    )
}

#[test]
fn trust_policies_are_evaluated_for_the_service_account() {
    let role = "arn:aws:iam::111122223333:role/r";
    let exact = trust("system:serviceaccount:apps:web", "StringEquals");
    let ok = check_trust_policy(
        role,
        Some(&exact),
        PROVIDER,
        ISSUER,
        "apps:web",
        "sts.amazonaws.com",
    );
    assert!(ok.ok, "{ok:?}");
    let other = check_trust_policy(
        role,
        Some(&exact),
        PROVIDER,
        ISSUER,
        "apps:api",
        "sts.amazonaws.com",
    );
    assert_eq!(other.sts_error.as_deref(), Some(STS_NOT_AUTHORIZED));
    assert!(other.detail.contains("system:serviceaccount:apps:api"));
    let aud = check_trust_policy(role, Some(&exact), PROVIDER, ISSUER, "apps:web", "vault");
    assert!(!aud.ok);
    let wild = trust("system:serviceaccount:apps:*", "StringLike");
    assert!(
        check_trust_policy(
            role,
            Some(&wild),
            PROVIDER,
            ISSUER,
            "apps:api",
            "sts.amazonaws.com"
        )
        .ok
    );
    let other_provider = "arn:aws:iam::111122223333:oidc-provider/elsewhere";
    assert!(
        !check_trust_policy(
            role,
            Some(&wild),
            other_provider,
            ISSUER,
            "apps:api",
            "sts.amazonaws.com"
        )
        .ok
    );
    let none = check_trust_policy(
        role,
        None,
        PROVIDER,
        ISSUER,
        "apps:web",
        "sts.amazonaws.com",
    );
    assert!(!none.ok && none.detail.contains("does not exist"));
}

struct Signer {
    pair: EcdsaKeyPair,
    key: PublicKey,
}

fn signer() -> Signer {
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let der = pair.public_key().as_der().unwrap();
    let pem = pem::encode(&pem::Pem::new("PUBLIC KEY", der.as_ref().to_vec()));
    let key = crate::domain::keys::parse_public_keys_pem(&pem)
        .unwrap()
        .remove(0);
    Signer { pair, key }
}

fn mint(s: &Signer, kid: &str, claims: serde_json::Value) -> String {
    let h = URL_SAFE_NO_PAD.encode(serde_json::json!({"alg": "ES256", "kid": kid}).to_string());
    let c = URL_SAFE_NO_PAD.encode(claims.to_string());
    let sig = s
        .pair
        .sign(&SystemRandom::new(), format!("{h}.{c}").as_bytes())
        .unwrap();
    format!("{h}.{c}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
}

#[test]
fn minted_tokens_verify_against_what_is_published() {
    let s = signer();
    let kid = s.key.kid();
    let keys = published(std::slice::from_ref(&s.key));
    let now = 1_800_000_000;
    let claims = |iss: &str, aud: &str, sub: &str, exp: u64| serde_json::json!({"iss": iss, "aud": [aud], "sub": sub, "exp": exp, "nbf": now - 10, "iat": now - 10});
    let good = mint(
        &s,
        &kid,
        claims(
            ISSUER,
            "sts.amazonaws.com",
            "system:serviceaccount:apps:web",
            now + 600,
        ),
    );
    let r = check_token(&good, ISSUER, "sts.amazonaws.com", "apps:web", &keys, now);
    assert!(r.ok, "{r:?}");
    assert!(!r.detail.contains(&good), "the token is never quoted");

    let iss = mint(
        &s,
        &kid,
        claims(
            "https://other",
            "sts.amazonaws.com",
            "system:serviceaccount:apps:web",
            now + 600,
        ),
    );
    let r = check_token(&iss, ISSUER, "sts.amazonaws.com", "apps:web", &keys, now);
    assert_eq!(r.sts_error, Some(sts_no_provider("https://other")));

    let aud = mint(
        &s,
        &kid,
        claims(ISSUER, "vault", "system:serviceaccount:apps:web", now + 600),
    );
    assert_eq!(
        check_token(&aud, ISSUER, "sts.amazonaws.com", "apps:web", &keys, now)
            .sts_error
            .as_deref(),
        Some(STS_AUDIENCE)
    );
    let expired = mint(
        &s,
        &kid,
        claims(
            ISSUER,
            "sts.amazonaws.com",
            "system:serviceaccount:apps:web",
            now - 1,
        ),
    );
    assert!(
        !check_token(
            &expired,
            ISSUER,
            "sts.amazonaws.com",
            "apps:web",
            &keys,
            now
        )
        .ok
    );
    let unknown_kid = mint(
        &s,
        "elsewhere",
        claims(
            ISSUER,
            "sts.amazonaws.com",
            "system:serviceaccount:apps:web",
            now + 600,
        ),
    );
    let r = check_token(
        &unknown_kid,
        ISSUER,
        "sts.amazonaws.com",
        "apps:web",
        &keys,
        now,
    );
    assert!(!r.ok && r.detail.contains("elsewhere"));

    let impostor = signer();
    let forged = mint(
        &impostor,
        &kid,
        claims(
            ISSUER,
            "sts.amazonaws.com",
            "system:serviceaccount:apps:web",
            now + 600,
        ),
    );
    let r = check_token(&forged, ISSUER, "sts.amazonaws.com", "apps:web", &keys, now);
    assert!(!r.ok && r.detail.contains("signature"), "{r:?}");
}

#[test]
fn reports_stop_at_the_first_failure() {
    let mut report = Report::default();
    assert!(report.push(StepResult::pass(Step::Discovery, "d")));
    assert!(!report.push(StepResult::fail(Step::Jwks, "j", STS_NO_KEY, "f")));
    assert!(!report.ok());
    assert_eq!(report.failure().unwrap().step, Step::Jwks);
    let names: Vec<&str> = Step::ALL.iter().map(|s| s.name()).collect();
    assert_eq!(
        names,
        [
            "discovery",
            "jwks",
            "oidc_provider",
            "cluster_keys",
            "trust_policy",
            "token",
            "assume_role"
        ]
    );
}
