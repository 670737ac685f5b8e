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
//! An issuer served through CloudFront keeps its bucket private: its read
//! statement, under the same `Sid`, lets only the CloudFront service read
//! the two objects, and only on behalf of the issuer's distribution
//! (`AWS:SourceArn`). Sharing the `Sid`s means a change of hosting replaces
//! the public grant in place instead of leaving it behind.
//!
//! Statements of others are copied through as the exact bytes they were
//! read as, and so are the policy's other members (`Version`, `Id`).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::Value as Json;

use super::cloudfront::SERVICE_PRINCIPAL;
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
    pub principal: Principal,
    #[serde(rename = "Action")]
    pub action: &'static str,
    #[serde(rename = "Resource")]
    pub resource: Vec<String>,
    #[serde(rename = "Condition", skip_serializing_if = "Option::is_none")]
    pub condition: Option<BTreeMap<String, BTreeMap<String, String>>>,
}

/// Who a statement is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Principal {
    /// `"*"`: anyone, signed or not.
    Anyone,
    /// `{"Service": "<name>"}`: an AWS service.
    Service(&'static str),
}

impl Serialize for Principal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Anyone => s.serialize_str("*"),
            Principal::Service(name) => BTreeMap::from([("Service", name)]).serialize(s),
        }
    }
}

/// The statements that publish `issuer` to anyone. `bucket_is_ours` widens
/// the TLS rule to the whole bucket.
pub fn issuer_statements(issuer: &S3Issuer, bucket_is_ours: bool) -> Vec<Statement> {
    let read = read_statement(issuer, Principal::Anyone, None);
    vec![read, tls_only_statement(issuer, bucket_is_ours)]
}

/// The statements that let the CloudFront distribution `distribution_arn`,
/// and no one else, read `issuer`'s documents from a private bucket.
/// `bucket_is_ours` widens the TLS rule to the whole bucket.
pub fn cloudfront_statements(
    issuer: &S3Issuer,
    distribution_arn: &str,
    bucket_is_ours: bool,
) -> Vec<Statement> {
    let source = BTreeMap::from([(
        "StringEquals".to_owned(),
        BTreeMap::from([("AWS:SourceArn".to_owned(), distribution_arn.to_owned())]),
    )]);
    let read = read_statement(issuer, Principal::Service(SERVICE_PRINCIPAL), Some(source));
    vec![read, tls_only_statement(issuer, bucket_is_ours)]
}

/// The discovery document and the JWKS, as object ARNs.
fn document_arns(issuer: &S3Issuer) -> Vec<String> {
    vec![
        issuer.object_arn(&issuer.discovery_key()),
        issuer.object_arn(&issuer.jwks_key()),
    ]
}

/// `IrsaIssuerRead<tag>`: `principal` may `s3:GetObject` the two documents.
fn read_statement(
    issuer: &S3Issuer,
    principal: Principal,
    condition: Option<BTreeMap<String, BTreeMap<String, String>>>,
) -> Statement {
    Statement {
        sid: format!("IrsaIssuerRead{}", issuer.statement_tag()),
        effect: "Allow",
        principal,
        action: "s3:GetObject",
        resource: document_arns(issuer),
        condition,
    }
}

/// `IrsaIssuerTlsOnly<tag>`: requests without TLS are denied.
fn tls_only_statement(issuer: &S3Issuer, bucket_is_ours: bool) -> Statement {
    let scope = if bucket_is_ours {
        vec![issuer.bucket_arn(), format!("{}/*", issuer.bucket_arn())]
    } else {
        document_arns(issuer)
    };
    let insecure = BTreeMap::from([(
        "Bool".to_owned(),
        BTreeMap::from([("aws:SecureTransport".to_owned(), "false".to_owned())]),
    )]);
    Statement {
        sid: format!("IrsaIssuerTlsOnly{}", issuer.statement_tag()),
        effect: "Deny",
        principal: Principal::Anyone,
        action: "s3:*",
        resource: scope,
        condition: Some(insecure),
    }
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
mod tests;
