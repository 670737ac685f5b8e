//! The issuer's statements, and merges that keep everyone else's.

use super::*;
use crate::domain::s3_issuer::UrlStyle;
use crate::domain::test_support::assert_golden;

fn issuer(prefix: Option<&str>) -> S3Issuer {
    S3Issuer {
        bucket: "oidc-a".into(),
        prefix: prefix.map(Into::into),
        region: "eu-west-1".into(),
        url_style: UrlStyle::VirtualHosted,
        jwks_path: "keys.json".into(),
    }
}

fn put(c: PolicyChange) -> String {
    match c {
        PolicyChange::Put(p) => p,
        other => panic!("expected a put, got {other:?}"),
    }
}

const FOREIGN: &str = r#"{
  "Version": "2012-10-17",
  "Id": "team-policy",
  "Statement": [
    {
      "Sid": "TeamRead",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
      "Action": ["s3:GetObject",   "s3:ListBucket"],
      "Resource": ["arn:aws:s3:::oidc-a", "arn:aws:s3:::oidc-a/*"]
    },
    {"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::oidc-a"}
  ]
}"#;

#[test]
fn golden_statements_for_own_and_shared_buckets() {
    let i = issuer(Some("cluster-a"));
    assert_golden(
        "bucket_policy_own.json",
        &put(merge(None, &issuer_statements(&i, true)).unwrap()),
    );
    assert_golden(
        "bucket_policy_shared.json",
        &put(merge(Some(FOREIGN), &issuer_statements(&i, false)).unwrap()),
    );
    assert_golden(
        "bucket_policy_statements.json",
        &statements_json(&issuer_statements(&i, true)),
    );
}

#[test]
fn own_bucket_statements_grant_exactly_the_two_objects() {
    let s = issuer_statements(&issuer(None), true);
    assert_eq!(s[0].effect, "Allow");
    assert_eq!(s[0].action, "s3:GetObject");
    assert_eq!(
        s[0].resource,
        vec![
            "arn:aws:s3:::oidc-a/.well-known/openid-configuration",
            "arn:aws:s3:::oidc-a/keys.json"
        ]
    );
    assert_eq!(s[1].effect, "Deny");
    assert_eq!(
        s[1].resource,
        vec!["arn:aws:s3:::oidc-a", "arn:aws:s3:::oidc-a/*"]
    );
    let shared = issuer_statements(&issuer(None), false);
    assert_eq!(shared[1].resource, s[0].resource);
}

#[test]
fn foreign_statements_keep_their_bytes_through_merge_and_remove() {
    let ours = issuer_statements(&issuer(Some("a")), false);
    let merged = put(merge(Some(FOREIGN), &ours).unwrap());
    let team = &FOREIGN[FOREIGN.find("{\n      \"Sid\": \"TeamRead\"").unwrap()
        ..FOREIGN.find("\n    },").unwrap() + 6];
    assert!(merged.contains(team), "{merged}");
    assert!(merged.contains(
        r#"{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::oidc-a"}"#
    ));
    assert!(merged.starts_with(r#"{"Version":"2012-10-17","Id":"team-policy","Statement":["#));

    // Merging again changes nothing.
    assert_eq!(
        merge(Some(&merged), &ours).unwrap(),
        PolicyChange::Unchanged
    );

    // A second issuer in the same bucket adds its own pair.
    let other = issuer_statements(&issuer(Some("b")), false);
    let both = put(merge(Some(&merged), &other).unwrap());
    assert_eq!(find(Some(&both), &sids(&ours)).unwrap().len(), 2);
    assert_eq!(find(Some(&both), &sids(&other)).unwrap().len(), 2);

    // Removing one issuer leaves the other and the foreign statements.
    let left = put(remove(Some(&both), &sids(&ours)).unwrap());
    assert!(left.contains(team));
    assert_eq!(find(Some(&left), &sids(&ours)).unwrap().len(), 0);
    assert_eq!(find(Some(&left), &sids(&other)).unwrap().len(), 2);
    let only_foreign = put(remove(Some(&left), &sids(&other)).unwrap());
    let parsed: Json = serde_json::from_str(&only_foreign).unwrap();
    let original: Json = serde_json::from_str(FOREIGN).unwrap();
    assert_eq!(parsed, original);
}

#[test]
fn removing_the_last_statements_deletes_the_policy() {
    let ours = issuer_statements(&issuer(None), true);
    let p = put(merge(None, &ours).unwrap());
    assert_eq!(
        remove(Some(&p), &sids(&ours)).unwrap(),
        PolicyChange::Delete
    );
    assert_eq!(remove(None, &sids(&ours)).unwrap(), PolicyChange::Unchanged);
    assert_eq!(
        remove(Some(FOREIGN), &sids(&ours)).unwrap(),
        PolicyChange::Unchanged
    );
}

#[test]
fn a_changed_statement_is_replaced_in_place() {
    let ours = issuer_statements(&issuer(None), true);
    let p = put(merge(Some(FOREIGN), &ours).unwrap());
    let tampered = p.replace(r#""Action":"s3:GetObject""#, r#""Action":"s3:*""#);
    assert_ne!(tampered, p);
    let r = reported(Some(&tampered), &ours).unwrap().unwrap();
    assert_ne!(r, statements_json(&ours));
    let repaired = put(merge(Some(&tampered), &ours).unwrap());
    assert_eq!(repaired, p);
}

#[test]
fn reports_what_is_there() {
    let ours = issuer_statements(&issuer(None), true);
    assert_eq!(reported(None, &ours).unwrap(), None);
    assert_eq!(reported(Some(FOREIGN), &ours).unwrap(), None);
    // The same statements spelled differently (pretty, a single action in
    // a list, resources reordered) are reported as wanted.
    let mut spelled: Vec<Json> = ours
        .iter()
        .map(|s| serde_json::to_value(s).unwrap())
        .collect();
    spelled[0]["Action"] = serde_json::json!(["s3:GetObject"]);
    spelled[0]["Resource"].as_array_mut().unwrap().reverse();
    let text = serde_json::to_string_pretty(&serde_json::json!({
        "Version": VERSION, "Statement": spelled
    }))
    .unwrap();
    assert_eq!(
        reported(Some(&text), &ours).unwrap(),
        Some(statements_json(&ours))
    );
    // Only one of the two left: that one is reported.
    let one = put(remove(Some(&text), &[ours[1].sid.clone()]).unwrap());
    let r = reported(Some(&one), &ours).unwrap().unwrap();
    assert!(r.contains(&ours[0].sid) && !r.contains(&ours[1].sid), "{r}");
}

#[test]
fn a_single_statement_object_and_duplicates_are_handled() {
    let ours = issuer_statements(&issuer(None), true);
    let single = r#"{"Version":"2012-10-17","Statement":{"Sid":"X","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::oidc-a/x"}}"#;
    let merged = put(merge(Some(single), &ours).unwrap());
    assert!(merged.contains(r#"[{"Sid":"X","#), "{merged}");
    let dup = merged.replacen("\"Sid\":\"X\"", &format!("\"Sid\":\"{}\"", ours[0].sid), 1);
    let fixed = put(merge(Some(&dup), &ours).unwrap());
    assert_eq!(find(Some(&fixed), &sids(&ours)).unwrap().len(), 2);
    assert!(matches!(
        merge(Some("not json"), &ours),
        Err(PolicyError(_))
    ));
    assert!(matches!(merge(Some("[]"), &ours), Err(PolicyError(_))));
}

const DISTRIBUTION: &str = "arn:aws:cloudfront::123456789012:distribution/E1ABC";

#[test]
fn cloudfront_statements_let_only_the_distribution_read_the_two_objects() {
    let i = issuer(Some("cluster-a"));
    let s = cloudfront_statements(&i, DISTRIBUTION, true);
    assert_golden(
        "bucket_policy_cloudfront.json",
        &put(merge(None, &s).unwrap()),
    );
    let read = serde_json::to_value(&s[0]).unwrap();
    assert_eq!(
        read,
        serde_json::json!({
            "Sid": s[0].sid,
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": [
                "arn:aws:s3:::oidc-a/cluster-a/.well-known/openid-configuration",
                "arn:aws:s3:::oidc-a/cluster-a/keys.json"
            ],
            "Condition": {"StringEquals": {"AWS:SourceArn": DISTRIBUTION}}
        })
    );
    let deny = serde_json::to_value(&s[1]).unwrap();
    assert_eq!(deny["Effect"], "Deny");
    assert_eq!(deny["Principal"], "*");
    assert_eq!(
        deny["Condition"],
        serde_json::json!({"Bool": {"aws:SecureTransport": "false"}})
    );
    assert_eq!(
        s[1],
        issuer_statements(&i, true)[1],
        "the TLS rule is the same for both hostings"
    );
    let shared = cloudfront_statements(&i, DISTRIBUTION, false);
    assert_eq!(shared[1].resource, s[0].resource);
}

#[test]
fn a_change_of_hosting_replaces_the_public_grant_and_keeps_foreign_statements() {
    let i = issuer(Some("a"));
    let public = put(merge(Some(FOREIGN), &issuer_statements(&i, false)).unwrap());
    let private = cloudfront_statements(&i, DISTRIBUTION, false);
    assert_eq!(sids(&private), sids(&issuer_statements(&i, false)));
    let moved = put(merge(Some(&public), &private).unwrap());
    let doc: Json = serde_json::from_str(&moved).unwrap();
    let statements = doc["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 4, "{moved}");
    let read = statements
        .iter()
        .find(|s| s["Sid"] == private[0].sid.as_str())
        .unwrap();
    assert_eq!(
        read["Principal"],
        serde_json::json!({"Service": "cloudfront.amazonaws.com"})
    );
    assert!(
        !moved.contains(r#""Principal":"*","Action":"s3:GetObject""#),
        "{moved}"
    );
    let foreign: Json = serde_json::from_str(FOREIGN).unwrap();
    for f in foreign["Statement"].as_array().unwrap() {
        assert!(statements.contains(f), "{f} kept");
    }
    assert_eq!(
        merge(Some(&moved), &private).unwrap(),
        PolicyChange::Unchanged
    );
    assert_eq!(
        reported(Some(&moved), &private).unwrap(),
        Some(statements_json(&private))
    );
    // Another distribution in the condition is a difference.
    let other = cloudfront_statements(
        &i,
        "arn:aws:cloudfront::123456789012:distribution/E2",
        false,
    );
    assert_ne!(
        reported(Some(&moved), &other).unwrap(),
        Some(statements_json(&other))
    );
}
