use super::*;
use crate::domain::test_support::{EC_P256, RSA2048, RSA2048_CERT};

fn call(name: &str, args: Vec<Value>) -> Result<Value, FunctionError> {
    let f = all().into_iter().find(|f| f.name() == name).unwrap();
    f.call(&args)
}

fn s(v: &str) -> Value {
    Value::string(v)
}

#[test]
fn every_signature_names_and_describes_its_parameters() {
    let mut names: Vec<&str> = all().iter().map(|f| f.name()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "discovery_document",
            "issuer_host_path",
            "jwks",
            "kid",
            "trust_policy"
        ]
    );
    for f in all() {
        let sig = f.signature();
        assert!(!sig.summary.is_empty() && !sig.description.is_empty());
        for p in sig.parameters.iter().chain(sig.variadic.iter()) {
            assert!(!p.description.is_empty(), "{}.{}", f.name(), p.name);
        }
    }
}

#[test]
fn kid_and_jwks_agree_with_the_domain() {
    let key = &keys::parse_public_keys_pem(RSA2048).unwrap()[0];
    assert_eq!(call("kid", vec![s(RSA2048)]), Ok(s(&key.kid())));
    // A certificate's key has the same kid.
    assert_eq!(call("kid", vec![s(RSA2048_CERT)]), Ok(s(&key.kid())));
    let both = format!("{RSA2048}{EC_P256}");
    let e = call("kid", vec![s(&both)]).unwrap_err();
    assert_eq!(e.argument, Some(0));
    assert!(e.text.contains("2 keys"), "{e:?}");
    assert_eq!(call("kid", vec![s("junk")]).unwrap_err().argument, Some(0));

    let all_keys = keys::parse_public_keys_pem(&both).unwrap();
    assert_eq!(
        call("jwks", vec![Value::strings([RSA2048, EC_P256])]),
        Ok(s(&jwks::build_jwks(&all_keys, false).to_json()))
    );
    assert_eq!(
        call("jwks", vec![Value::strings(Vec::<String>::new())])
            .unwrap_err()
            .argument,
        Some(0)
    );
}

#[test]
fn discovery_document_matches_the_issuer_and_names_bad_arguments() {
    let issuer = "https://b.s3.eu-west-1.amazonaws.com/c";
    let jwks_uri = "https://b.s3.eu-west-1.amazonaws.com/c/keys.json";
    let expected = DiscoveryDocument::new(issuer, jwks_uri, &["RS256".into()]).to_json();
    assert_eq!(
        call("discovery_document", vec![s(issuer), s(jwks_uri)]),
        Ok(s(&expected))
    );
    let es = DiscoveryDocument::new(issuer, jwks_uri, &["RS256".into(), "ES256".into()]).to_json();
    assert_eq!(
        call(
            "discovery_document",
            vec![s(issuer), s(jwks_uri), s("RS256"), s("ES256")]
        ),
        Ok(s(&es))
    );
    let bad = |args: Vec<Value>| call("discovery_document", args).unwrap_err().argument;
    assert_eq!(bad(vec![s("https://x/c/"), s(jwks_uri)]), Some(0));
    assert_eq!(bad(vec![s(issuer), s("http://x")]), Some(1));
    assert_eq!(
        bad(vec![s(issuer), s(jwks_uri), s("RS256"), s("HS256")]),
        Some(3)
    );
}

#[test]
fn trust_policy_is_the_roles_and_names_bad_arguments() {
    let arn = "arn:aws:iam::123456789012:oidc-provider/b.s3.eu-west-1.amazonaws.com/c";
    let sas = ["apps:web".to_owned(), "jobs:*".to_owned()];
    let expected = trust_policy::trust_policy_from(arn, &[], &sas, "sts.amazonaws.com")
        .unwrap()
        .render();
    assert_eq!(
        call(
            "trust_policy",
            vec![s(arn), Value::strings(sas.clone()), s("sts.amazonaws.com")]
        ),
        Ok(s(&expected))
    );
    let bad = |args: Vec<Value>| call("trust_policy", args).unwrap_err().argument;
    assert_eq!(
        bad(vec![
            s("arn:aws:iam::1:role/x"),
            Value::strings(sas.clone()),
            s("a")
        ]),
        Some(0)
    );
    assert_eq!(
        bad(vec![s(arn), Value::strings(["nocolon"]), s("a")]),
        Some(1)
    );
    assert_eq!(
        bad(vec![s(arn), Value::strings(Vec::<String>::new()), s("a")]),
        Some(1)
    );
    assert_eq!(bad(vec![s(arn), Value::strings(sas), s("a b")]), Some(2));
}

#[test]
fn issuer_host_path_strips_the_scheme_of_a_valid_issuer() {
    assert_eq!(
        call(
            "issuer_host_path",
            vec![s("https://oidc.example.com/cluster")]
        ),
        Ok(s("oidc.example.com/cluster"))
    );
    assert_eq!(
        call("issuer_host_path", vec![s("oidc.example.com")])
            .unwrap_err()
            .argument,
        Some(0)
    );
}
