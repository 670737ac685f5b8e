//! What it takes to bring an IAM role from what it has to what it should
//! have: one change per difference, in the order they are made. Attachments
//! are added before old ones go, so the role never lacks permissions in
//! between; documents are compared by meaning, so IAM's reformatting asks
//! for nothing.

use std::collections::{BTreeMap, BTreeSet};

use super::policy_json::semantically_equal;

/// The managed settings of a role, as it has them or as it should.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoleSettings {
    /// `None` when not known (a role read back without one).
    pub trust_policy: Option<String>,
    pub description: String,
    pub max_session_duration: i32,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub policy_arns: BTreeSet<String>,
    pub inline_policies: BTreeMap<String, String>,
}

/// One IAM call's worth of change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleChange {
    TrustPolicy(String),
    /// Description and maximum session duration (`UpdateRole`).
    Settings {
        description: String,
        max_session_duration: i32,
    },
    PutBoundary(String),
    DeleteBoundary,
    Untag(Vec<String>),
    Tag(BTreeMap<String, String>),
    Attach(String),
    Detach(String),
    PutInline {
        name: String,
        document: String,
    },
    DeleteInline(String),
}

impl RoleSettings {
    /// The settings of a role right after `CreateRole` made it from `self`:
    /// everything but the attachments and inline policies.
    pub fn as_created(&self) -> RoleSettings {
        RoleSettings {
            policy_arns: BTreeSet::new(),
            inline_policies: BTreeMap::new(),
            ..self.clone()
        }
    }
}

/// The changes that take a role from `from` to `to`, in order.
pub fn changes(from: &RoleSettings, to: &RoleSettings) -> Vec<RoleChange> {
    let mut out = Vec::new();
    let same_trust = match (&from.trust_policy, &to.trust_policy) {
        (Some(a), Some(b)) => semantically_equal(a, b),
        (_, None) => true,
        (None, Some(_)) => false,
    };
    if let (false, Some(doc)) = (same_trust, &to.trust_policy) {
        out.push(RoleChange::TrustPolicy(doc.clone()));
    }
    if from.description != to.description || from.max_session_duration != to.max_session_duration {
        out.push(RoleChange::Settings {
            description: to.description.clone(),
            max_session_duration: to.max_session_duration,
        });
    }
    if from.permissions_boundary != to.permissions_boundary {
        out.push(match &to.permissions_boundary {
            Some(b) => RoleChange::PutBoundary(b.clone()),
            None => RoleChange::DeleteBoundary,
        });
    }
    let removed: Vec<String> = from
        .tags
        .keys()
        .filter(|k| !to.tags.contains_key(*k))
        .cloned()
        .collect();
    if !removed.is_empty() {
        out.push(RoleChange::Untag(removed));
    }
    let changed: BTreeMap<String, String> = to
        .tags
        .iter()
        .filter(|(k, v)| from.tags.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !changed.is_empty() {
        out.push(RoleChange::Tag(changed));
    }
    for arn in to.policy_arns.difference(&from.policy_arns) {
        out.push(RoleChange::Attach(arn.clone()));
    }
    for arn in from.policy_arns.difference(&to.policy_arns) {
        out.push(RoleChange::Detach(arn.clone()));
    }
    for (name, doc) in &to.inline_policies {
        let same = from
            .inline_policies
            .get(name)
            .is_some_and(|d| semantically_equal(d, doc));
        if !same {
            out.push(RoleChange::PutInline {
                name: name.clone(),
                document: doc.clone(),
            });
        }
    }
    for name in from.inline_policies.keys() {
        if !to.inline_policies.contains_key(name) {
            out.push(RoleChange::DeleteInline(name.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> RoleSettings {
        RoleSettings {
            trust_policy: Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into()),
            description: String::new(),
            max_session_duration: 3600,
            permissions_boundary: None,
            tags: BTreeMap::from([("a".into(), "1".into()), ("b".into(), "2".into())]),
            policy_arns: BTreeSet::from(["arn:aws:iam::aws:policy/A".into()]),
            inline_policies: BTreeMap::from([(
                "p".into(),
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#
                    .into(),
            )]),
        }
    }

    #[test]
    fn the_same_role_needs_nothing_even_when_iam_reformats_documents() {
        let a = settings();
        let mut b = settings();
        b.trust_policy = Some(r#"{"Statement": [], "Version": "2012-10-17"}"#.into());
        b.inline_policies.insert(
            "p".into(),
            r#"{"Statement": [{"Resource": "*", "Action": ["s3:GetObject"], "Effect": "Allow"}]}"#
                .into(),
        );
        assert_eq!(changes(&a, &b), vec![]);
    }

    #[test]
    fn every_difference_is_one_change_attachments_first() {
        let from = settings();
        let mut to = settings();
        to.description = "d".into();
        to.permissions_boundary = Some("arn:aws:iam::aws:policy/B".into());
        to.tags = BTreeMap::from([("a".into(), "9".into()), ("c".into(), "3".into())]);
        to.policy_arns = BTreeSet::from(["arn:aws:iam::aws:policy/C".into()]);
        to.inline_policies = BTreeMap::from([("q".into(), "{}".into())]);
        assert_eq!(
            changes(&from, &to),
            vec![
                RoleChange::Settings {
                    description: "d".into(),
                    max_session_duration: 3600
                },
                RoleChange::PutBoundary("arn:aws:iam::aws:policy/B".into()),
                RoleChange::Untag(vec!["b".into()]),
                RoleChange::Tag(BTreeMap::from([
                    ("a".into(), "9".into()),
                    ("c".into(), "3".into())
                ])),
                RoleChange::Attach("arn:aws:iam::aws:policy/C".into()),
                RoleChange::Detach("arn:aws:iam::aws:policy/A".into()),
                RoleChange::PutInline {
                    name: "q".into(),
                    document: "{}".into()
                },
                RoleChange::DeleteInline("p".into()),
            ]
        );
    }

    #[test]
    fn a_created_role_gets_only_its_attachments_and_inline_policies() {
        let to = settings();
        let steps = changes(&to.as_created(), &to);
        assert_eq!(steps.len(), 2);
        assert!(matches!(steps[0], RoleChange::Attach(_)));
        assert!(matches!(steps[1], RoleChange::PutInline { .. }));
        let mut unknown = to.clone();
        unknown.trust_policy = None;
        assert!(matches!(
            changes(&unknown, &to)[0],
            RoleChange::TrustPolicy(_)
        ));
    }
}
