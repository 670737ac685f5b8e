//! A role's trust policy evaluated as IAM evaluates it for one
//! `sts:AssumeRoleWithWebIdentity` request: some `Allow` statement must
//! match and no `Deny` statement may.
//!
//! A statement matches when its action, its `Federated` principal and all of
//! its conditions match. Conditions are ANDed across operators and across
//! keys; the values listed for one key are ORed. Condition keys compare
//! case-insensitively, their values case-sensitively (except under
//! `StringEqualsIgnoreCase`). A key absent from the request fails a
//! positive operator and satisfies a negated one, and `...IfExists` turns
//! an absent key into a match. An operator this module does not know never
//! matches in an `Allow` and always matches in a `Deny`, so the evaluation
//! fails closed.

use std::collections::BTreeMap;

use serde_json::Value as Json;

/// The action a web-identity token asks for.
pub const ACTION: &str = "sts:AssumeRoleWithWebIdentity";

/// One request: the provider's ARN (the `Federated` principal) and the
/// condition keys IAM fills from the token, e.g.
/// `<host/path>:sub` and `<host/path>:aud`.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    pub federated: &'a str,
    pub context: BTreeMap<String, String>,
}

/// How the policy answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Statement `index` (counting from 0) allows, and none denies.
    Allowed { index: usize },
    /// Statement `index` denies explicitly.
    Denied { index: usize },
    /// No statement allows; `reasons` says, per statement, what did not
    /// match.
    NotAllowed { reasons: Vec<String> },
    /// The document is not a policy.
    Malformed(String),
}

/// Evaluate `policy` (JSON text) for `request`.
pub fn evaluate(policy: &str, request: &Request<'_>) -> Decision {
    let doc: Json = match serde_json::from_str(policy) {
        Ok(d) => d,
        Err(e) => return Decision::Malformed(format!("the trust policy is not JSON: {e}")),
    };
    let statements: Vec<&Json> = match &doc["Statement"] {
        Json::Array(a) => a.iter().collect(),
        s @ Json::Object(_) => vec![s],
        _ => return Decision::Malformed("the trust policy has no Statement".into()),
    };
    let mut allowed = None;
    let mut reasons = Vec::new();
    for (index, s) in statements.iter().enumerate() {
        let effect = s["Effect"].as_str().unwrap_or_default();
        let deny = effect == "Deny";
        match statement_matches(s, request, deny) {
            Ok(()) if deny => return Decision::Denied { index },
            Ok(()) if effect == "Allow" => {
                allowed.get_or_insert(index);
            }
            Ok(()) => reasons.push(format!("statement {index}: Effect is {effect:?}")),
            Err(why) => reasons.push(format!("statement {index}: {why}")),
        }
    }
    match allowed {
        Some(index) => Decision::Allowed { index },
        None => Decision::NotAllowed { reasons },
    }
}

fn as_list(v: &Json) -> Vec<&str> {
    match v {
        Json::String(s) => vec![s.as_str()],
        Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
        _ => vec![],
    }
}

fn statement_matches(s: &Json, request: &Request<'_>, deny: bool) -> Result<(), String> {
    let actions = as_list(&s["Action"]);
    if !actions
        .iter()
        .any(|a| string_like(&a.to_ascii_lowercase(), &ACTION.to_ascii_lowercase()))
    {
        return Err(format!("Action {actions:?} does not include {ACTION}"));
    }
    let principal = &s["Principal"];
    let federated = as_list(&principal["Federated"]);
    let any_principal = principal.as_str() == Some("*") || principal["AWS"].as_str() == Some("*");
    if !any_principal && !federated.contains(&request.federated) {
        return Err(format!(
            "Principal.Federated {federated:?} does not name {}",
            request.federated
        ));
    }
    let empty = serde_json::Map::new();
    for (operator, keys) in s["Condition"].as_object().unwrap_or(&empty) {
        for (key, values) in keys.as_object().unwrap_or(&empty) {
            let values = as_list(values);
            let actual = request
                .context
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.as_str());
            let holds = condition_holds(operator, &values, actual).unwrap_or(deny);
            if !holds {
                return Err(format!(
                    "{operator} {{{key}: {values:?}}} does not hold for {}",
                    actual.map_or("a key the token does not carry".to_owned(), |v| format!(
                        "{v:?}"
                    ))
                ));
            }
        }
    }
    Ok(())
}

/// Whether one condition holds; `None` for an operator not known here.
fn condition_holds(operator: &str, values: &[&str], actual: Option<&str>) -> Option<bool> {
    // A set operator over a single-valued key behaves as the plain one
    // (ForAllValues also holds for an absent key).
    let (operator, for_all) = match operator.split_once(':') {
        Some(("ForAnyValue", op)) => (op, false),
        Some(("ForAllValues", op)) => (op, true),
        Some(_) => return None,
        None => (operator, false),
    };
    let (operator, if_exists) = match operator.strip_suffix("IfExists") {
        Some(op) => (op, true),
        None => (operator, false),
    };
    let Some(v) = actual else {
        let negated = matches!(
            operator,
            "StringNotEquals" | "StringNotLike" | "StringNotEqualsIgnoreCase"
        );
        return known(operator).then_some(if_exists || negated || for_all);
    };
    let eq = |x: &&str| *x == v;
    let like = |x: &&str| string_like(x, v);
    let eq_ci = |x: &&str| x.eq_ignore_ascii_case(v);
    Some(match operator {
        "StringEquals" => values.iter().any(eq),
        "StringNotEquals" => !values.iter().any(eq),
        "StringLike" => values.iter().any(like),
        "StringNotLike" => !values.iter().any(like),
        "StringEqualsIgnoreCase" => values.iter().any(eq_ci),
        "StringNotEqualsIgnoreCase" => !values.iter().any(eq_ci),
        _ => return None,
    })
}

fn known(operator: &str) -> bool {
    matches!(
        operator,
        "StringEquals"
            | "StringNotEquals"
            | "StringLike"
            | "StringNotLike"
            | "StringEqualsIgnoreCase"
            | "StringNotEqualsIgnoreCase"
    )
}

/// IAM's `StringLike`: `*` matches any run of characters (also none), `?`
/// exactly one; everything else literally, case-sensitively.
pub fn string_like(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    let (mut pi, mut vi) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && p[pi] == '*' {
            backtrack = Some((pi, vi));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if let Some((star, mark)) = backtrack {
            pi = star + 1;
            vi = mark + 1;
            backtrack = Some((star, mark + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(federated: &'a str, pairs: &[(&str, &str)]) -> Request<'a> {
        Request {
            federated,
            context: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn allowed(policy: &str, r: &Request<'_>) -> bool {
        matches!(evaluate(policy, r), Decision::Allowed { .. })
    }

    const P: &str = "arn:aws:iam::111122223333:oidc-provider/h/p";

    fn policy(condition: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{P}"}},
            "Action":"sts:AssumeRoleWithWebIdentity","Condition":{condition}}}]}}"#
        )
    }

    #[test]
    fn string_like_matches_as_iam_does() {
        assert!(string_like("a*", "a"));
        assert!(string_like("a*c", "abbbc"));
        assert!(string_like("*b*", "abc"));
        assert!(!string_like("a?c", "ac"));
        assert!(string_like("a?c", "abc"));
        assert!(!string_like("a", "A"));
        assert!(string_like(
            "system:serviceaccount:ns:*",
            "system:serviceaccount:ns:x"
        ));
        assert!(!string_like(
            "system:serviceaccount:ns:*",
            "system:serviceaccount:other:x"
        ));
        assert!(string_like("**", ""));
        assert!(!string_like("a*b*c", "acb"));
    }

    #[test]
    fn operators_and_keys_are_anded_values_ored() {
        let anded = policy(r#"{"StringEquals":{"h/p:sub":["x"]},"StringLike":{"h/p:sub":["y*"]}}"#);
        assert!(!allowed(&anded, &req(P, &[("h/p:sub", "x")])));
        assert!(!allowed(&anded, &req(P, &[("h/p:sub", "yz")])));
        let ored = policy(r#"{"StringEquals":{"h/p:sub":["x","y"],"h/p:aud":"a"}}"#);
        assert!(allowed(
            &ored,
            &req(P, &[("h/p:sub", "y"), ("h/p:aud", "a")])
        ));
        assert!(!allowed(
            &ored,
            &req(P, &[("h/p:sub", "y"), ("h/p:aud", "b")])
        ));
        assert!(
            !allowed(&ored, &req(P, &[("h/p:sub", "y")])),
            "a missing key fails"
        );
    }

    #[test]
    fn keys_are_case_insensitive_values_are_not() {
        let p = policy(r#"{"StringEquals":{"H/P:SUB":"x"}}"#);
        assert!(allowed(&p, &req(P, &[("h/p:sub", "x")])));
        assert!(!allowed(&p, &req(P, &[("h/p:sub", "X")])));
        let ci = policy(r#"{"StringEqualsIgnoreCase":{"h/p:sub":"x"}}"#);
        assert!(allowed(&ci, &req(P, &[("h/p:sub", "X")])));
    }

    #[test]
    fn absent_keys_negations_and_if_exists() {
        let neg = policy(r#"{"StringNotEquals":{"h/p:amr":"x"}}"#);
        assert!(allowed(&neg, &req(P, &[])));
        let ifx = policy(r#"{"StringEqualsIfExists":{"h/p:amr":"x"}}"#);
        assert!(allowed(&ifx, &req(P, &[])));
        assert!(!allowed(&ifx, &req(P, &[("h/p:amr", "y")])));
    }

    #[test]
    fn principal_action_and_deny() {
        let p = policy("{}");
        assert!(allowed(&p, &req(P, &[])));
        assert!(!allowed(
            &p,
            &req("arn:aws:iam::111122223333:oidc-provider/other", &[])
        ));
        let wildcard_action = p.replace("sts:AssumeRoleWithWebIdentity", "sts:*");
        assert!(allowed(&wildcard_action, &req(P, &[])));
        let other_action = p.replace("sts:AssumeRoleWithWebIdentity", "sts:AssumeRole");
        assert!(!allowed(&other_action, &req(P, &[])));
        let with_deny = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{P}"}},"Action":"sts:AssumeRoleWithWebIdentity"}},
            {{"Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{{"StringLike":{{"h/p:sub":"*:kube-system:*"}}}}}}]}}"#
        );
        assert_eq!(
            evaluate(
                &with_deny,
                &req(P, &[("h/p:sub", "system:serviceaccount:kube-system:a")])
            ),
            Decision::Denied { index: 1 }
        );
        assert!(allowed(
            &with_deny,
            &req(P, &[("h/p:sub", "system:serviceaccount:apps:a")])
        ));
    }

    #[test]
    fn unknown_operators_fail_closed() {
        let allow = policy(r#"{"NumericLessThan":{"h/p:sub":"1"}}"#);
        assert!(!allowed(&allow, &req(P, &[("h/p:sub", "0")])));
        let deny = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{P}"}},"Action":"sts:AssumeRoleWithWebIdentity"}},
            {{"Effect":"Deny","Principal":"*","Action":"*","Condition":{{"DateLessThan":{{"aws:CurrentTime":"x"}}}}}}]}}"#
        );
        assert!(matches!(
            evaluate(&deny, &req(P, &[])),
            Decision::Denied { .. }
        ));
    }

    #[test]
    fn malformed_documents_are_reported() {
        assert!(matches!(
            evaluate("nope", &req(P, &[])),
            Decision::Malformed(_)
        ));
        assert!(matches!(
            evaluate("{}", &req(P, &[])),
            Decision::Malformed(_)
        ));
        match evaluate(
            &policy(r#"{"StringEquals":{"h/p:sub":"x"}}"#),
            &req(P, &[("h/p:sub", "y")]),
        ) {
            Decision::NotAllowed { reasons } => {
                assert!(reasons[0].contains("StringEquals"), "{reasons:?}")
            }
            other => panic!("{other:?}"),
        }
    }
}
