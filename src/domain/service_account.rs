//! Kubernetes service accounts as a role's trust policy names them:
//! `<namespace>:<name>`, where either part may hold IAM's `StringLike`
//! wildcards, `*` (any run of characters) and `?` (exactly one).
//!
//! Tokens for a service account carry the subject
//! `system:serviceaccount:<namespace>:<name>`. Namespaces are DNS labels and
//! names DNS subdomains (RFC 1123, as Kubernetes checks them), so a pattern
//! that could never match a real service account is refused here.

use std::fmt;

/// The subject prefix of Kubernetes service-account tokens.
pub const SUBJECT_PREFIX: &str = "system:serviceaccount:";

/// A service-account entry that cannot match any service account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceAccountError {
    /// Not of the form `<namespace>:<name>`.
    #[error("{value:?} must be \"<namespace>:<name>\"{hint}")]
    Format { value: String, hint: &'static str },
    /// The namespace part is not a DNS label (wildcards aside).
    #[error("{value:?}: the namespace {part:?} {reason}")]
    Namespace {
        value: String,
        part: String,
        reason: String,
    },
    /// The name part is not a DNS subdomain (wildcards aside).
    #[error("{value:?}: the name {part:?} {reason}")]
    Name {
        value: String,
        part: String,
        reason: String,
    },
    /// A pattern that matches every service account of the cluster, without
    /// the explicit opt-in.
    #[error(
        "{value:?} lets every service account in every namespace assume the role; set \
         allow_any_service_account = true if that is really meant"
    )]
    AnyServiceAccount { value: String },
}

/// One `<namespace>:<name>` entry, possibly with wildcards.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceAccountPattern {
    namespace: String,
    name: String,
}

impl ServiceAccountPattern {
    pub fn parse(value: &str) -> Result<ServiceAccountPattern, ServiceAccountError> {
        let format = |hint| ServiceAccountError::Format {
            value: value.to_owned(),
            hint,
        };
        if value.starts_with(SUBJECT_PREFIX) {
            return Err(format(
                ": leave out \"system:serviceaccount:\", which the trust policy adds itself",
            ));
        }
        let Some((namespace, name)) = value.split_once(':') else {
            return Err(format(""));
        };
        if name.contains(':') {
            return Err(format(": only one colon is allowed"));
        }
        check_part(namespace, 63, false).map_err(|reason| ServiceAccountError::Namespace {
            value: value.to_owned(),
            part: namespace.to_owned(),
            reason,
        })?;
        check_part(name, 253, true).map_err(|reason| ServiceAccountError::Name {
            value: value.to_owned(),
            part: name.to_owned(),
            reason,
        })?;
        Ok(ServiceAccountPattern {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The pattern for a token subject (`system:serviceaccount:<ns>:<name>`),
    /// if it is one this module would accept.
    pub fn from_subject(subject: &str) -> Option<ServiceAccountPattern> {
        ServiceAccountPattern::parse(subject.strip_prefix(SUBJECT_PREFIX)?).ok()
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The token subject this entry matches, e.g.
    /// `system:serviceaccount:kube-system:aws-node`.
    pub fn subject(&self) -> String {
        format!("{SUBJECT_PREFIX}{}:{}", self.namespace, self.name)
    }

    /// True when either part holds `*` or `?`: the entry belongs under
    /// `StringLike`, never `StringEquals` (which would match the wildcard
    /// characters literally).
    pub fn has_wildcard(&self) -> bool {
        is_wildcard_pattern(&self.namespace) || is_wildcard_pattern(&self.name)
    }

    /// True when the entry matches every service account of the cluster,
    /// like `*:*`.
    pub fn matches_any_service_account(&self) -> bool {
        matches_any_nonempty(&self.namespace) && matches_any_nonempty(&self.name)
    }
}

impl fmt::Display for ServiceAccountPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.namespace, self.name)
    }
}

/// Refuse entries that match every service account unless `allow_any` is set.
pub fn check_any_allowed(
    patterns: &[ServiceAccountPattern],
    allow_any: bool,
) -> Result<(), ServiceAccountError> {
    match patterns.iter().find(|p| p.matches_any_service_account()) {
        Some(p) if !allow_any => Err(ServiceAccountError::AnyServiceAccount {
            value: p.to_string(),
        }),
        _ => Ok(()),
    }
}

fn is_wildcard_pattern(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// Whether a pattern matches every non-empty string: wildcards only, at least
/// one `*`, and at most one `?` (every namespace and name has at least one
/// character).
fn matches_any_nonempty(s: &str) -> bool {
    s.chars().all(|c| c == '*' || c == '?')
        && s.contains('*')
        && s.chars().filter(|&c| c == '?').count() <= 1
}

fn is_literal_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// Check one part against RFC 1123 with wildcards allowed anywhere: allowed
/// characters, length, and literal first and last characters of each
/// dot-separated label being alphanumeric.
fn check_part(part: &str, max: usize, dots: bool) -> Result<(), String> {
    check_rfc1123(part, max, dots, true)
}

/// Check a Kubernetes object name against RFC 1123: a DNS label (`dots`
/// false, e.g. a namespace) or a DNS subdomain (`dots` true, e.g. a secret
/// name), at most `max` characters. With `wildcards`, IAM's `*` and `?` may
/// stand anywhere, also as first or last character of a label. The error
/// says what is wrong, to follow the quoted value.
pub fn check_rfc1123(part: &str, max: usize, dots: bool, wildcards: bool) -> Result<(), String> {
    if part.is_empty() {
        return Err("is empty".into());
    }
    if part.len() > max {
        return Err(format!("is longer than {max} characters"));
    }
    if part.chars().any(|c| c.is_ascii_uppercase()) {
        return Err("must be lowercase, as Kubernetes names are".into());
    }
    let wildcard = |c: char| wildcards && matches!(c, '*' | '?');
    let allowed = |c: char| is_literal_alnum(c) || c == '-' || wildcard(c) || dots && c == '.';
    if let Some(c) = part.chars().find(|&c| !allowed(c)) {
        let set = if dots {
            "a-z, 0-9, '-', '.'"
        } else {
            "a-z, 0-9, '-'"
        };
        let and_wildcards = if wildcards {
            " and the wildcards '*' and '?'"
        } else {
            ""
        };
        return Err(format!("contains {c:?}; allowed are {set}{and_wildcards}"));
    }
    for label in part.split('.') {
        if label.is_empty() {
            return Err("has an empty label between dots".into());
        }
        let edge_ok = |c: Option<char>| c.is_none_or(|c| wildcard(c) || is_literal_alnum(c));
        if !edge_ok(label.chars().next()) || !edge_ok(label.chars().last()) {
            return Err("must start and end with a letter or digit".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> ServiceAccountPattern {
        ServiceAccountPattern::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn exact_and_wildcard_entries_parse() {
        let exact = p("kube-system:aws-node");
        assert!(!exact.has_wildcard());
        assert_eq!(
            exact.subject(),
            "system:serviceaccount:kube-system:aws-node"
        );
        assert_eq!(exact.to_string(), "kube-system:aws-node");
        for wild in ["team-*:app", "prod:app-?", "*:reader", "ns:*", "ns-?:*.svc"] {
            assert!(p(wild).has_wildcard(), "{wild}");
        }
        assert!(!p("ns:a.b-c.d1").has_wildcard());
    }

    #[test]
    fn only_patterns_that_match_everything_count_as_any() {
        for any in ["*:*", "**:*", "?*:*?", "*:**"] {
            assert!(p(any).matches_any_service_account(), "{any}");
        }
        for not_any in ["*:app", "ns:*", "?:*", "*:??*", "a*:*"] {
            assert!(!p(not_any).matches_any_service_account(), "{not_any}");
        }
        assert!(check_any_allowed(&[p("ns:a"), p("*:*")], false).is_err());
        assert!(check_any_allowed(&[p("ns:a"), p("*:*")], true).is_ok());
        assert!(check_any_allowed(&[p("*:a")], false).is_ok());
    }

    #[test]
    fn subjects_parse_back() {
        let e = ServiceAccountPattern::from_subject("system:serviceaccount:ns:*").unwrap();
        assert_eq!(e, p("ns:*"));
        assert!(ServiceAccountPattern::from_subject("ns:a").is_none());
        assert!(ServiceAccountPattern::from_subject("system:serviceaccount:NS:a").is_none());
    }

    #[test]
    fn mistakes_are_refused_naming_the_part() {
        for (bad, why) in [
            ("app", "\"<namespace>:<name>\""),
            ("system:serviceaccount:ns:app", "leave out"),
            ("ns:app:x", "one colon"),
            (":app", "namespace \"\" is empty"),
            ("ns:", "name \"\" is empty"),
            ("Prod:app", "lowercase"),
            ("ns:App", "lowercase"),
            ("ns.x:app", "contains '.'"),
            ("ns:app_1", "contains '_'"),
            ("-ns:app", "start and end"),
            ("ns-:app", "start and end"),
            ("ns:app.-x", "start and end"),
            ("ns:a..b", "empty label"),
            ("ns:app ", "contains ' '"),
        ] {
            let e = ServiceAccountPattern::parse(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
        let long_ns = format!("{}:app", "a".repeat(64));
        assert!(ServiceAccountPattern::parse(&long_ns)
            .unwrap_err()
            .to_string()
            .contains("longer than 63"));
        let long_name = format!("ns:{}", "a.".repeat(127) + "a");
        assert!(ServiceAccountPattern::parse(&long_name)
            .unwrap_err()
            .to_string()
            .contains("longer than 253"));
    }
}
