//! Diagnostics: what the provider tells Terraform, with the attribute path
//! that Terraform underlines in the configuration.
//!
//! This is the one place where diagnostics become protocol messages.

use std::fmt;

use super::proto;

/// A path to an attribute, e.g. `cluster[0].secret[0].name`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttrPath(Vec<Step>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Attr(String),
    Key(String),
    Index(i64),
}

impl AttrPath {
    /// A path of a single top-level attribute.
    pub fn attr(name: &str) -> AttrPath {
        AttrPath(vec![Step::Attr(name.to_owned())])
    }
    pub fn then_attr(mut self, name: &str) -> AttrPath {
        self.0.push(Step::Attr(name.to_owned()));
        self
    }
    pub fn then_index(mut self, i: usize) -> AttrPath {
        self.0.push(Step::Index(i as i64));
        self
    }
    pub fn then_key(mut self, k: &str) -> AttrPath {
        self.0.push(Step::Key(k.to_owned()));
        self
    }
    pub fn steps(&self) -> &[Step] {
        &self.0
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Step::Attr(a) if i == 0 => write!(f, "{a}")?,
                Step::Attr(a) => write!(f, ".{a}")?,
                Step::Key(k) => write!(f, "[{k:?}]")?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Option<AttrPath>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }
    pub fn at(mut self, path: AttrPath) -> Diagnostic {
        self.path = Some(path);
        self
    }
}

/// An ordered collection of diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Ok when there is no error; warnings are kept either way by callers.
    pub fn into_result(self) -> Result<Diagnostics, Diagnostics> {
        if self.has_errors() {
            Err(self)
        } else {
            Ok(self)
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }
}

pub(crate) fn to_proto(diags: Diagnostics) -> Vec<proto::Diagnostic> {
    diags.0.into_iter().map(diagnostic_to_proto).collect()
}

fn diagnostic_to_proto(d: Diagnostic) -> proto::Diagnostic {
    use proto::attribute_path::step::Selector;
    let severity = match d.severity {
        Severity::Error => proto::diagnostic::Severity::Error,
        Severity::Warning => proto::diagnostic::Severity::Warning,
    };
    let attribute = d.path.map(|p| proto::AttributePath {
        steps: p
            .0
            .into_iter()
            .map(|s| proto::attribute_path::Step {
                selector: Some(match s {
                    Step::Attr(a) => Selector::AttributeName(a),
                    Step::Key(k) => Selector::ElementKeyString(k),
                    Step::Index(i) => Selector::ElementKeyInt(i),
                }),
            })
            .collect(),
    });
    proto::Diagnostic {
        severity: severity as i32,
        summary: d.summary,
        detail: d.detail,
        attribute,
    }
}

/// Convert a protocol path back (used for `requires_replace` round trips in tests).
pub(crate) fn path_to_proto(p: &AttrPath) -> proto::AttributePath {
    use proto::attribute_path::step::Selector;
    proto::AttributePath {
        steps: p
            .0
            .iter()
            .map(|s| proto::attribute_path::Step {
                selector: Some(match s {
                    Step::Attr(a) => Selector::AttributeName(a.clone()),
                    Step::Key(k) => Selector::ElementKeyString(k.clone()),
                    Step::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_displays_like_terraform() {
        let p = AttrPath::attr("cluster")
            .then_index(0)
            .then_attr("secret")
            .then_key("k");
        assert_eq!(p.to_string(), "cluster[0].secret[\"k\"]");
    }

    #[test]
    fn diagnostics_carry_severity_and_path() {
        let d = Diagnostic::error("Bad PEM", "detail")
            .at(AttrPath::attr("public_keys_pem").then_index(1));
        let p = to_proto(d.into());
        assert_eq!(p[0].severity, proto::diagnostic::Severity::Error as i32);
        let steps = &p[0].attribute.as_ref().unwrap().steps;
        assert_eq!(steps.len(), 2);
        assert_eq!(
            steps[1].selector,
            Some(proto::attribute_path::step::Selector::ElementKeyInt(1))
        );
    }

    #[test]
    fn warnings_are_not_errors() {
        let mut d = Diagnostics::new();
        d.push(Diagnostic::warning("w", ""));
        assert!(!d.has_errors());
        d.push(Diagnostic::error("e", ""));
        assert!(d.has_errors());
    }
}
