//! The bucket-policy statements that publish an issuer, and how they are
//! merged into, found in and removed from a bucket policy that may hold
//! statements of others.
//!
//! Each issuer owns two statements, told apart from everything else by
//! their `Sid`s, which carry a hash of the issuer's prefix so that several
//! issuers can share a bucket:
//!
//! - `IrsaIssuerRead<tag>`: anyone may `s3:GetObject` the discovery document
//!   and the JWKS, and nothing else;
//! - `IrsaIssuerTlsOnly<tag>`: requests without TLS are denied, on the whole
//!   bucket when the issuer created it, else on those two objects only.
//!
//! Statements of others are copied through as the exact bytes they were
//! read as, and so are the policy's other members (`Version`, `Id`).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::Value as Json;

use super::s3_issuer::S3Issuer;

/// The policy language version of a new policy.
const VERSION: &str = "2012-10-17";

/// A statement this provider writes. Field order is the JSON order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Statement {
    #[serde(rename = "Sid")]
    pub sid: String,
    #[serde(rename = "Effect")]
    pub effect: &'static str,
    #[serde(rename = "Principal")]
    pub principal: &'static str,
    #[serde(rename = "Action")]
    pub action: &'static str,
    #[serde(rename = "Resource")]
    pub resource: Vec<String>,
    #[serde(rename = "Condition", skip_serializing_if = "Option::is_none")]
    pub condition: Option<BTreeMap<String, BTreeMap<String, String>>>,
}

/// The statements that publish `issuer`. `bucket_is_ours` widens the TLS
/// rule to the whole bucket.
pub fn issuer_statements(issuer: &S3Issuer, bucket_is_ours: bool) -> Vec<Statement> {
    let tag = issuer.statement_tag();
    let objects = vec![
        issuer.object_arn(&issuer.discovery_key()),
        issuer.object_arn(&issuer.jwks_key()),
    ];
    let tls_scope = if bucket_is_ours {
        vec![issuer.bucket_arn(), format!("{}/*", issuer.bucket_arn())]
    } else {
        objects.clone()
    };
    let insecure = BTreeMap::from([(
        "Bool".to_owned(),
        BTreeMap::from([("aws:SecureTransport".to_owned(), "false".to_owned())]),
    )]);
    vec![
        Statement {
            sid: format!("IrsaIssuerRead{tag}"),
            effect: "Allow",
            principal: "*",
            action: "s3:GetObject",
            resource: objects,
            condition: None,
        },
        Statement {
            sid: format!("IrsaIssuerTlsOnly{tag}"),
            effect: "Deny",
            principal: "*",
            action: "s3:*",
            resource: tls_scope,
            condition: Some(insecure),
        },
    ]
}

/// The statements as a JSON array, as the resource reports them.
pub fn statements_json(statements: &[Statement]) -> String {
    serde_json::to_string_pretty(statements).expect("statements serialize")
}

/// A bucket policy that is not a JSON object with a list of statements.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the bucket policy cannot be read: {0}")]
pub struct PolicyError(String);

/// What to do to a bucket policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyChange {
    /// It is already as wanted.
    Unchanged,
    /// Write this policy.
    Put(String),
    /// Delete the policy: no statement is left.
    Delete,
}

/// A JSON object as its members in order, each value as its original text.
struct RawObject(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawObject, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObject;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObject, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push(member);
                }
                Ok(RawObject(members))
            }
        }
        d.deserialize_map(V)
    }
}

/// A parsed policy: its members in order, and its statements as raw text.
struct Policy {
    members: Vec<(String, Box<RawValue>)>,
    statements: Vec<Box<RawValue>>,
}

#[derive(Deserialize)]
struct SidOnly {
    #[serde(rename = "Sid")]
    sid: Option<String>,
}

fn sid_of(statement: &RawValue) -> Option<String> {
    serde_json::from_str::<SidOnly>(statement.get())
        .ok()
        .and_then(|s| s.sid)
}

impl Policy {
    fn parse(text: &str) -> Result<Policy, PolicyError> {
        let RawObject(mut members) =
            serde_json::from_str(text).map_err(|e| PolicyError(e.to_string()))?;
        let mut statements = Vec::new();
        if let Some(i) = members.iter().position(|(k, _)| k == "Statement") {
            let (_, raw) = members.remove(i);
            if raw.get().trim_start().starts_with('[') {
                statements = serde_json::from_str::<Vec<Box<RawValue>>>(raw.get())
                    .map_err(|e| PolicyError(e.to_string()))?;
            } else {
                statements.push(raw);
            }
            // Keep the statements where they were among the members.
            members.insert(i, ("Statement".to_owned(), RawValue::NULL.to_owned()));
        } else {
            members.push(("Statement".to_owned(), RawValue::NULL.to_owned()));
        }
        Ok(Policy {
            members,
            statements,
        })
    }

    fn new() -> Policy {
        let version = serde_json::to_string(VERSION).expect("a string serializes");
        Policy {
            members: vec![
                (
                    "Version".to_owned(),
                    RawValue::from_string(version).expect("valid JSON"),
                ),
                ("Statement".to_owned(), RawValue::NULL.to_owned()),
            ],
            statements: Vec::new(),
        }
    }

    fn render(&self) -> String {
        let mut out = String::from("{");
        for (i, (key, value)) in self.members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(key).expect("a string serializes"));
            out.push(':');
            if key == "Statement" {
                out.push('[');
                for (j, s) in self.statements.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    out.push_str(s.get());
                }
                out.push(']');
            } else {
                out.push_str(value.get());
            }
        }
        out.push('}');
        out
    }
}

fn raw(statement: &Statement) -> Box<RawValue> {
    let text = serde_json::to_string(statement).expect("statements serialize");
    RawValue::from_string(text).expect("valid JSON")
}

/// Put `ours` into `existing` (none: no policy yet): each replaces the
/// statement with its `Sid` where it stands, or is appended. Every other
/// statement and member keeps its bytes.
pub fn merge(existing: Option<&str>, ours: &[Statement]) -> Result<PolicyChange, PolicyError> {
    let mut policy = match existing {
        Some(text) => Policy::parse(text)?,
        None => Policy::new(),
    };
    if existing.is_some() && reported(existing, ours)? == Some(statements_json(ours)) {
        return Ok(PolicyChange::Unchanged);
    }
    let mut placed = vec![false; ours.len()];
    let mut statements = Vec::with_capacity(policy.statements.len() + ours.len());
    for s in policy.statements.drain(..) {
        let sid = sid_of(&s);
        match ours.iter().position(|o| Some(&o.sid) == sid.as_ref()) {
            Some(i) if !placed[i] => {
                placed[i] = true;
                statements.push(raw(&ours[i]));
            }
            // A second statement with one of our Sids: drop it.
            Some(_) => {}
            None => statements.push(s),
        }
    }
    for (o, done) in ours.iter().zip(placed) {
        if !done {
            statements.push(raw(o));
        }
    }
    policy.statements = statements;
    Ok(PolicyChange::Put(policy.render()))
}

/// Take the statements with `sids` out of `existing`.
pub fn remove(existing: Option<&str>, sids: &[String]) -> Result<PolicyChange, PolicyError> {
    let Some(text) = existing else {
        return Ok(PolicyChange::Unchanged);
    };
    let mut policy = Policy::parse(text)?;
    let before = policy.statements.len();
    policy
        .statements
        .retain(|s| !sid_of(s).is_some_and(|sid| sids.contains(&sid)));
    Ok(if policy.statements.len() == before {
        PolicyChange::Unchanged
    } else if policy.statements.is_empty() {
        PolicyChange::Delete
    } else {
        PolicyChange::Put(policy.render())
    })
}

/// The statements of `existing` whose `Sid` is one of `sids`, as JSON.
pub fn find(existing: Option<&str>, sids: &[String]) -> Result<Vec<Json>, PolicyError> {
    let Some(text) = existing else {
        return Ok(Vec::new());
    };
    let policy = Policy::parse(text)?;
    policy
        .statements
        .iter()
        .filter(|s| sid_of(s).is_some_and(|sid| sids.contains(&sid)))
        .map(|s| serde_json::from_str(s.get()).map_err(|e| PolicyError(e.to_string())))
        .collect()
}

/// A statement in a form where equivalent spellings compare equal: a single
/// action or resource is the same as a list of one, and lists are sorted.
fn normalised(statement: &Json) -> Json {
    let mut s = statement.clone();
    if let Json::Object(m) = &mut s {
        for key in ["Action", "NotAction", "Resource", "NotResource"] {
            if let Some(v) = m.get_mut(key) {
                let mut items = match v.take() {
                    Json::Array(items) => items,
                    one => vec![one],
                };
                items.sort_by_key(|a| a.to_string());
                *v = Json::Array(items);
            }
        }
    }
    s
}

/// What a refresh reports for the statements of an issuer: `None` when the
/// policy holds none of them; the wanted statements' JSON when the policy
/// holds exactly those (however spelled); else the statements found.
pub fn reported(
    existing: Option<&str>,
    wanted: &[Statement],
) -> Result<Option<String>, PolicyError> {
    let sids: Vec<String> = wanted.iter().map(|s| s.sid.clone()).collect();
    let found = find(existing, &sids)?;
    if found.is_empty() {
        return Ok(None);
    }
    let wanted_json: Vec<Json> = wanted
        .iter()
        .map(|s| normalised(&serde_json::to_value(s).expect("statements serialize")))
        .collect();
    let same =
        found.len() == wanted.len() && found.iter().all(|f| wanted_json.contains(&normalised(f)));
    Ok(Some(if same {
        statements_json(wanted)
    } else {
        serde_json::to_string_pretty(&found).expect("JSON serializes")
    }))
}

/// The Sids of statements.
pub fn sids(statements: &[Statement]) -> Vec<String> {
    statements.iter().map(|s| s.sid.clone()).collect()
}

#[cfg(test)]
mod tests {
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
}
