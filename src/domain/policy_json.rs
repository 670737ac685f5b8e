//! IAM policy documents compared by meaning rather than by bytes.
//!
//! IAM stores a policy document as given but may hand it back reformatted, and
//! always URL-encoded (`%7B%22Version%22...`). Users write the same policy in
//! many equivalent ways: keys in any order, `"Action": "s3:GetObject"` or
//! `"Action": ["s3:GetObject"]`, lists in any order. A byte comparison turns
//! each of those into a perpetual diff; [`semantically_equal`] does not.

use std::collections::BTreeSet;

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value as Json};

/// A policy document that IAM would refuse outright.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyJsonError {
    /// Not JSON at all.
    #[error("not valid JSON: {0}")]
    Syntax(String),
    /// JSON, but not an object with a `Statement`.
    #[error("a policy document must be a JSON object with a \"Statement\"")]
    NotAPolicy,
}

/// Statement keys whose value may be a single string or a list of strings,
/// with the list's order meaningless.
const LIST_KEYS: [&str; 4] = ["Action", "NotAction", "Resource", "NotResource"];
/// Statement keys holding principals: `"*"` or a map of principal type to a
/// string or list.
const PRINCIPAL_KEYS: [&str; 2] = ["Principal", "NotPrincipal"];

/// Decode a policy document as IAM returns it (RFC 3986 percent-encoding;
/// `+` stays a plus sign, as in role names).
pub fn url_decode(encoded: &str) -> String {
    percent_decode_str(encoded).decode_utf8_lossy().into_owned()
}

/// Parse a document and check that it has the shape of a policy.
pub fn parse_policy(text: &str) -> Result<Json, PolicyJsonError> {
    let doc: Json =
        serde_json::from_str(text).map_err(|e| PolicyJsonError::Syntax(e.to_string()))?;
    match &doc {
        Json::Object(m) if m.contains_key("Statement") => Ok(doc),
        _ => Err(PolicyJsonError::NotAPolicy),
    }
}

/// Whether two (decoded) documents mean the same to IAM. Documents that do
/// not parse are equal only when their bytes are.
pub fn semantically_equal(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (
        serde_json::from_str::<Json>(a),
        serde_json::from_str::<Json>(b),
    ) {
        (Ok(a), Ok(b)) => canonical(&a) == canonical(&b),
        _ => false,
    }
}

/// The canonical form of a policy document: single values as one-element
/// lists, lists sorted and without duplicates where their order means
/// nothing, condition values as strings, statements sorted. Object key order
/// never matters to `serde_json::Value` equality anyway.
pub fn canonical(doc: &Json) -> Json {
    let Json::Object(top) = doc else {
        return doc.clone();
    };
    let mut out = top.clone();
    if let Some(statements) = top.get("Statement") {
        let list = match statements {
            Json::Array(items) => items.iter().map(canonical_statement).collect(),
            other => vec![canonical_statement(other)],
        };
        out.insert("Statement".into(), sorted_unique(list));
    }
    Json::Object(out)
}

/// Pretty-print a document with sorted keys, for showing a document that is
/// not in any canonical shape this provider renders.
pub fn pretty(text: &str) -> String {
    match serde_json::from_str::<Json>(text) {
        Ok(doc) => serde_json::to_string_pretty(&doc).unwrap_or_else(|_| text.to_owned()),
        Err(_) => text.to_owned(),
    }
}

fn canonical_statement(statement: &Json) -> Json {
    let Json::Object(fields) = statement else {
        return statement.clone();
    };
    let mut out = Map::new();
    for (key, value) in fields {
        let v = if LIST_KEYS.contains(&key.as_str()) {
            string_set(value)
        } else if PRINCIPAL_KEYS.contains(&key.as_str()) {
            match value {
                Json::Object(kinds) => Json::Object(
                    kinds
                        .iter()
                        .map(|(kind, ids)| (kind.clone(), string_set(ids)))
                        .collect(),
                ),
                other => other.clone(),
            }
        } else if key == "Condition" {
            match value {
                Json::Object(operators) => Json::Object(
                    operators
                        .iter()
                        .map(|(op, keys)| {
                            let keys = match keys {
                                Json::Object(k) => Json::Object(
                                    k.iter().map(|(k, v)| (k.clone(), string_set(v))).collect(),
                                ),
                                other => other.clone(),
                            };
                            (op.clone(), keys)
                        })
                        .collect(),
                ),
                other => other.clone(),
            }
        } else {
            value.clone()
        };
        out.insert(key.clone(), v);
    }
    Json::Object(out)
}

/// A string or list of scalars as a sorted list of distinct strings. IAM
/// reads condition values `true` and `"true"` alike.
fn string_set(value: &Json) -> Json {
    let scalar = |v: &Json| match v {
        Json::String(s) => Json::String(s.clone()),
        Json::Bool(b) => Json::String(b.to_string()),
        Json::Number(n) => Json::String(n.to_string()),
        other => other.clone(),
    };
    match value {
        Json::Array(items) => sorted_unique(items.iter().map(scalar).collect()),
        other => Json::Array(vec![scalar(other)]),
    }
}

fn sorted_unique(items: Vec<Json>) -> Json {
    let keyed: BTreeSet<(String, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, v)| (v.to_string(), i))
        .collect();
    let mut seen = BTreeSet::new();
    let out = keyed
        .into_iter()
        .filter(|(text, _)| seen.insert(text.clone()))
        .map(|(_, i)| items[i].clone())
        .collect();
    Json::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = r#"{
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Action": ["s3:ListBucket", "s3:GetObject"],
        "Resource": "arn:aws:s3:::bucket/*",
        "Condition": {"Bool": {"aws:SecureTransport": true}}
      }]
    }"#;

    #[test]
    fn equivalent_spellings_are_equal() {
        // Keys reordered, one-element list for a string, list order changed,
        // statement given as an object, condition value as a string.
        let same = r#"{"Statement": {"Resource": ["arn:aws:s3:::bucket/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetObject"], "Effect": "Allow"},
            "Version": "2012-10-17"}"#;
        assert!(semantically_equal(USER, same));
    }

    #[test]
    fn statement_order_and_not_action_order_are_irrelevant() {
        let a = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Deny","NotAction":["iam:*","sts:*"],"NotResource":"*"},
            {"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let b = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["*"],"Resource":["*"]},
            {"Effect":"Deny","NotAction":["sts:*","iam:*"],"NotResource":["*"]}]}"#;
        assert!(semantically_equal(a, b));
    }

    #[test]
    fn principals_compare_as_sets() {
        let a = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:a","arn:b"]},"Action":"sts:AssumeRole"}]}"#;
        let b = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:b","arn:a"]},"Action":"sts:AssumeRole"}]}"#;
        let c = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:a"},"Action":"sts:AssumeRole"}]}"#;
        assert!(semantically_equal(a, b));
        assert!(!semantically_equal(a, c));
    }

    #[test]
    fn real_differences_are_not_hidden() {
        for different in [
            USER.replace("Allow", "Deny"),
            USER.replace("s3:ListBucket", "s3:PutObject"),
            USER.replace("bucket/*", "bucket/x"),
            USER.replace("true", "false"),
            USER.replace("2012-10-17", "2008-10-17"),
            USER.replace("\"Bool\"", "\"Null\""),
        ] {
            assert!(!semantically_equal(USER, &different), "{different}");
        }
    }

    #[test]
    fn url_encoded_documents_from_iam_decode_to_the_same_policy() {
        // As IAM returns it: percent-encoded, with `+` in a role name left alone.
        let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22sts%3AAssumeRole%22%2C%20%22Principal%22%3A%20%7B%22AWS%22%3A%20%22arn%3Aaws%3Aiam%3A%3A123456789012%3Arole/a+b%22%7D%7D%5D%7D";
        let decoded = url_decode(encoded);
        assert!(decoded.contains("role/a+b"));
        let original = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole"],"Principal":{"AWS":["arn:aws:iam::123456789012:role/a+b"]}}]}"#;
        assert!(semantically_equal(&decoded, original));
        assert!(!semantically_equal(encoded, original), "decode first");
    }

    #[test]
    fn only_policy_shaped_json_is_a_policy() {
        assert!(parse_policy(USER).is_ok());
        assert!(matches!(
            parse_policy("{\"Version\": "),
            Err(PolicyJsonError::Syntax(_))
        ));
        assert_eq!(parse_policy("[1]"), Err(PolicyJsonError::NotAPolicy));
        assert_eq!(
            parse_policy("{\"Version\":\"2012-10-17\"}"),
            Err(PolicyJsonError::NotAPolicy)
        );
    }

    #[test]
    fn unparsable_documents_are_equal_only_byte_for_byte() {
        assert!(semantically_equal("not json", "not json"));
        assert!(!semantically_equal("not json", USER));
    }

    #[test]
    fn pretty_sorts_keys_and_leaves_non_json_alone() {
        assert_eq!(pretty("{\"b\":1,\"a\":2}"), "{\n  \"a\": 2,\n  \"b\": 1\n}");
        assert_eq!(pretty("nope"), "nope");
    }
}
