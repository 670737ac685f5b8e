//! IAM calls for roles, their attached managed policies and their inline
//! policies. Every function returns [`AwsError`]; a missing role or policy is
//! [`AwsError::NotFound`], never a string to match.
//!
//! IAM returns policy documents (the trust policy in `GetRole`, inline
//! policies in `GetRolePolicy`) URL-encoded, and the SDK hands them over as
//! they came; they are decoded here, so that callers only see JSON.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;

use super::error::{found, AwsError};
use super::retry::{retry_while, PROPAGATION_TIMEOUT};
use crate::domain::policy_json::url_decode;

/// Page size for the list calls: the most IAM allows, so that a role needs
/// one call per list.
const PAGE_SIZE: i32 = 1000;

/// A role as `GetRole` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleInfo {
    pub name: String,
    pub arn: String,
    /// The stable id IAM assigns (`AROA...`).
    pub unique_id: String,
    pub path: String,
    pub description: Option<String>,
    pub max_session_duration: Option<i32>,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// The trust policy, URL-decoded.
    pub trust_policy: String,
}

/// Everything a refresh needs: the role, its attachments and its inline
/// policies (URL-decoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveRole {
    pub role: RoleInfo,
    pub policy_arns: BTreeSet<String>,
    pub inline_policies: BTreeMap<String, String>,
}

/// What `CreateRole` needs.
#[derive(Clone, Debug)]
pub struct NewRole<'a> {
    pub name: &'a str,
    pub path: &'a str,
    pub trust_policy: &'a str,
    pub description: Option<&'a str>,
    pub max_session_duration: i32,
    pub permissions_boundary: Option<&'a str>,
    pub tags: &'a BTreeMap<String, String>,
}

fn role_label(name: &str) -> String {
    format!("role {name}")
}

/// The error IAM gives for a trust policy naming an OIDC provider it does
/// not see yet, typically one created seconds before. It clears once the
/// provider has propagated; no other error is retried.
pub fn is_unpropagated_principal(e: &AwsError) -> bool {
    e.code() == Some("MalformedPolicyDocument")
        && e.message().contains("Invalid principal in policy")
}

fn tags_of(tags: &BTreeMap<String, String>) -> Option<Vec<Tag>> {
    (!tags.is_empty()).then(|| super::iam_tags(tags))
}

pub(super) fn role_info(role: &aws_sdk_iam::types::Role) -> RoleInfo {
    RoleInfo {
        name: role.role_name().to_owned(),
        arn: role.arn().to_owned(),
        unique_id: role.role_id().to_owned(),
        path: role.path().to_owned(),
        description: role.description().map(str::to_owned),
        max_session_duration: role.max_session_duration(),
        permissions_boundary: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_owned),
        tags: role
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect(),
        trust_policy: url_decode(role.assume_role_policy_document().unwrap_or_default()),
    }
}

/// Create a role, waiting (within [`PROPAGATION_TIMEOUT`]) for IAM to see a
/// new OIDC provider named in the trust policy.
pub async fn create_role(iam: &Client, new: &NewRole<'_>) -> Result<RoleInfo, AwsError> {
    let out = retry_while(PROPAGATION_TIMEOUT, is_unpropagated_principal, || async {
        iam.create_role()
            .role_name(new.name)
            .path(new.path)
            .assume_role_policy_document(new.trust_policy)
            .set_description(new.description.map(str::to_owned))
            .max_session_duration(new.max_session_duration)
            .set_permissions_boundary(new.permissions_boundary.map(str::to_owned))
            .set_tags(tags_of(new.tags))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("CreateRole", role_label(new.name), e))
    })
    .await?;
    let role = out.role().ok_or_else(|| AwsError::Transport {
        call: "CreateRole",
        resource: role_label(new.name),
        message: "the answer carried no role".into(),
    })?;
    Ok(role_info(role))
}

/// `GetRole`: the role with its tags, boundary, session duration and trust
/// policy; `None` when it does not exist.
pub async fn get_role(iam: &Client, name: &str) -> Result<Option<RoleInfo>, AwsError> {
    let out = iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetRole", role_label(name), e));
    match found(out)? {
        None => Ok(None),
        Some(out) => match out.role() {
            Some(role) => Ok(Some(role_info(role))),
            None => Err(AwsError::Transport {
                call: "GetRole",
                resource: role_label(name),
                message: "the answer carried no role".into(),
            }),
        },
    }
}

/// The ARNs of the managed policies attached to a role.
pub async fn list_attached_policies(
    iam: &Client,
    name: &str,
) -> Result<BTreeSet<String>, AwsError> {
    let mut arns = BTreeSet::new();
    let mut marker = None;
    loop {
        let out = iam
            .list_attached_role_policies()
            .role_name(name)
            .max_items(PAGE_SIZE)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ListAttachedRolePolicies", role_label(name), e))?;
        arns.extend(
            out.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_owned)),
        );
        match out.marker() {
            Some(m) if out.is_truncated() => marker = Some(m.to_owned()),
            _ => return Ok(arns),
        }
    }
}

/// The names of a role's inline policies.
pub async fn list_inline_policy_names(iam: &Client, name: &str) -> Result<Vec<String>, AwsError> {
    let mut names = Vec::new();
    let mut marker = None;
    loop {
        let out = iam
            .list_role_policies()
            .role_name(name)
            .max_items(PAGE_SIZE)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ListRolePolicies", role_label(name), e))?;
        names.extend(out.policy_names().iter().cloned());
        match out.marker() {
            Some(m) if out.is_truncated() => marker = Some(m.to_owned()),
            _ => return Ok(names),
        }
    }
}

/// One inline policy document, URL-decoded; `None` when it does not exist.
pub async fn get_inline_policy(
    iam: &Client,
    role: &str,
    policy: &str,
) -> Result<Option<String>, AwsError> {
    let out = iam
        .get_role_policy()
        .role_name(role)
        .policy_name(policy)
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(
                "GetRolePolicy",
                format!("role {role}, inline policy {policy}"),
                e,
            )
        });
    Ok(found(out)?.map(|o| url_decode(o.policy_document())))
}

/// Read a role and everything attached to it: `GetRole`,
/// `ListAttachedRolePolicies` and `ListRolePolicies` at once, then the
/// inline policies' `GetRolePolicy`, at once. `None` when the role does not
/// exist (also when it vanishes between the calls).
pub async fn read_role(iam: &Client, name: &str) -> Result<Option<LiveRole>, AwsError> {
    let (role, attached, names) = tokio::join!(
        get_role(iam, name),
        list_attached_policies(iam, name),
        list_inline_policy_names(iam, name)
    );
    let Some(role) = role? else {
        return Ok(None);
    };
    let Some(policy_arns) = found(attached)? else {
        return Ok(None);
    };
    let Some(names) = found(names)? else {
        return Ok(None);
    };
    let docs = futures_util::future::join_all(
        names
            .iter()
            .map(|policy| get_inline_policy(iam, name, policy)),
    )
    .await;
    let mut inline_policies = BTreeMap::new();
    for (policy, doc) in names.into_iter().zip(docs) {
        // A policy deleted since the listing is simply not there.
        if let Some(doc) = doc? {
            inline_policies.insert(policy, doc);
        }
    }
    Ok(Some(LiveRole {
        role,
        policy_arns,
        inline_policies,
    }))
}

/// Replace the trust policy, waiting for a new OIDC provider to propagate
/// like [`create_role`].
pub async fn update_trust_policy(iam: &Client, name: &str, doc: &str) -> Result<(), AwsError> {
    retry_while(PROPAGATION_TIMEOUT, is_unpropagated_principal, || async {
        iam.update_assume_role_policy()
            .role_name(name)
            .policy_document(doc)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::from_sdk("UpdateAssumeRolePolicy", role_label(name), e))
    })
    .await
}

/// Set the description (empty clears it) and the maximum session duration.
pub async fn update_role(
    iam: &Client,
    name: &str,
    description: &str,
    max_session_duration: i32,
) -> Result<(), AwsError> {
    iam.update_role()
        .role_name(name)
        .description(description)
        .max_session_duration(max_session_duration)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsError::from_sdk("UpdateRole", role_label(name), e))
}

/// Set or replace the permissions boundary.
pub async fn put_permissions_boundary(
    iam: &Client,
    name: &str,
    policy_arn: &str,
) -> Result<(), AwsError> {
    iam.put_role_permissions_boundary()
        .role_name(name)
        .permissions_boundary(policy_arn)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsError::from_sdk("PutRolePermissionsBoundary", role_label(name), e))
}

/// Remove the permissions boundary; nothing to do when there is none.
pub async fn delete_permissions_boundary(iam: &Client, name: &str) -> Result<(), AwsError> {
    let out = iam
        .delete_role_permissions_boundary()
        .role_name(name)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsError::from_sdk("DeleteRolePermissionsBoundary", role_label(name), e));
    found(out).map(|_| ())
}

/// Add or overwrite tags.
pub async fn tag_role(
    iam: &Client,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    iam.tag_role()
        .role_name(name)
        .set_tags(tags_of(tags))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsError::from_sdk("TagRole", role_label(name), e))
}

/// Remove tags by key.
pub async fn untag_role(iam: &Client, name: &str, keys: &[String]) -> Result<(), AwsError> {
    iam.untag_role()
        .role_name(name)
        .set_tag_keys(Some(keys.to_vec()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsError::from_sdk("UntagRole", role_label(name), e))
}

/// Attach a managed policy. A policy that does not exist is `NotFound`.
pub async fn attach_policy(iam: &Client, name: &str, policy_arn: &str) -> Result<(), AwsError> {
    iam.attach_role_policy()
        .role_name(name)
        .policy_arn(policy_arn)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            AwsError::from_sdk(
                "AttachRolePolicy",
                format!("role {name}, policy {policy_arn}"),
                e,
            )
        })
}

/// Detach a managed policy; nothing to do when it is not attached.
pub async fn detach_policy(iam: &Client, name: &str, policy_arn: &str) -> Result<(), AwsError> {
    let out = iam
        .detach_role_policy()
        .role_name(name)
        .policy_arn(policy_arn)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            AwsError::from_sdk(
                "DetachRolePolicy",
                format!("role {name}, policy {policy_arn}"),
                e,
            )
        });
    found(out).map(|_| ())
}

/// Create or replace an inline policy.
pub async fn put_inline_policy(
    iam: &Client,
    name: &str,
    policy: &str,
    doc: &str,
) -> Result<(), AwsError> {
    iam.put_role_policy()
        .role_name(name)
        .policy_name(policy)
        .policy_document(doc)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            AwsError::from_sdk(
                "PutRolePolicy",
                format!("role {name}, inline policy {policy}"),
                e,
            )
        })
}

/// Delete an inline policy; nothing to do when it does not exist.
pub async fn delete_inline_policy(iam: &Client, name: &str, policy: &str) -> Result<(), AwsError> {
    let out = iam
        .delete_role_policy()
        .role_name(name)
        .policy_name(policy)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            AwsError::from_sdk(
                "DeleteRolePolicy",
                format!("role {name}, inline policy {policy}"),
                e,
            )
        });
    found(out).map(|_| ())
}

/// Delete a role: detach its managed policies, delete its inline policies,
/// then the role itself, retrying `DeleteConflict` (IAM not yet seeing a
/// detachment) within [`PROPAGATION_TIMEOUT`]. A role that is already gone,
/// before or during this, is not an error.
pub async fn delete_role(iam: &Client, name: &str) -> Result<(), AwsError> {
    let Some(attached) = found(list_attached_policies(iam, name).await)? else {
        return Ok(());
    };
    for policy_arn in &attached {
        detach_policy(iam, name, policy_arn).await?;
    }
    let Some(inline) = found(list_inline_policy_names(iam, name).await)? else {
        return Ok(());
    };
    for policy in &inline {
        delete_inline_policy(iam, name, policy).await?;
    }
    let deleted = retry_while(
        PROPAGATION_TIMEOUT,
        |e| e.code() == Some("DeleteConflict"),
        || async {
            iam.delete_role()
                .role_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::from_sdk("DeleteRole", role_label(name), e))
        },
    )
    .await;
    found(deleted).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str, message: &str) -> AwsError {
        AwsError::Api {
            call: "CreateRole",
            resource: "role r".into(),
            code: code.into(),
            message: message.into(),
            status: 400,
            request_id: None,
        }
    }

    #[test]
    fn only_the_unpropagated_principal_error_is_retried() {
        assert!(is_unpropagated_principal(&api(
            "MalformedPolicyDocument",
            "Invalid principal in policy: \"FEDERATED\":\"arn:aws:iam::123456789012:oidc-provider/x\""
        )));
        // Other policy errors are the user's to fix, at once.
        assert!(!is_unpropagated_principal(&api(
            "MalformedPolicyDocument",
            "Syntax errors in policy."
        )));
        assert!(!is_unpropagated_principal(&api(
            "InvalidInput",
            "Invalid principal in policy"
        )));
        assert!(!is_unpropagated_principal(&AwsError::NotFound {
            call: "CreateRole",
            resource: "role r".into(),
        }));
    }

    #[test]
    fn empty_tags_are_not_sent() {
        assert_eq!(tags_of(&BTreeMap::new()), None);
        let tags = tags_of(&BTreeMap::from([("a".into(), "b".into())])).unwrap();
        assert_eq!((tags[0].key(), tags[0].value()), ("a", "b"));
    }
}
