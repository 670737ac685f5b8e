//! Create, update and delete of `irsa_role`: one IAM call per difference
//! the domain's diff names, with a stop check between calls, and on any
//! failure the role read back, so the state tells the truth.

use std::hash::BuildHasher;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::aws::iam_role::{self, NewRole};
use crate::context::ProviderData;
use crate::domain::role as rules;
use crate::domain::role_diff::{self, RoleChange, RoleSettings};
use crate::domain::tags;
use crate::errors::ToDiagnostic;
use crate::framework::{stop, Change, Stopped};
use crate::tfplugin::{CancellationToken, Diagnostic, Diagnostics, Value};

use super::model::RoleModel;

/// `CreateRole` with the creation token among the tags. When the call
/// fails in a way that may hide a success (a lost answer, a retry that finds
/// the role, a server error), the role is looked up: it is this apply's own
/// only when it carries this call's token. A role that existed before is
/// never adopted.
async fn create_role(
    data: &ProviderData,
    new: &NewRole<'_>,
) -> Result<iam_role::RoleInfo, Diagnostic> {
    let token = crate::aws::creation_token();
    let mut tags = new.tags.clone();
    tags.insert(tags::CREATION_TOKEN_TAG.to_owned(), token.clone());
    let sent = NewRole {
        tags: &tags,
        ..new.clone()
    };
    let err = match iam_role::create_role(&data.aws.iam, &sent).await {
        Ok(role) => return Ok(role),
        Err(e) => e,
    };
    let exists = err.code() == Some("EntityAlreadyExists");
    if !exists && !err.may_have_happened() {
        return Err(err.to_diagnostic());
    }
    match iam_role::get_role(&data.aws.iam, new.name).await {
        Ok(Some(role)) if tags::created_with(&role.tags, &token) => {
            tracing::info!(
                "CreateRole for {} reported a failure after creating the role ({err}); continuing with it",
                new.name
            );
            Ok(role)
        }
        Ok(Some(_)) => {
            let mut d = err.to_diagnostic();
            d.detail.push_str(&format!(
                "\n\nThe role {} existed before this apply, so it was neither changed nor taken over. To manage \
                 it here, import it: `terraform import <address> {}`.",
                new.name, new.name
            ));
            Err(d)
        }
        Ok(None) => Err(err.to_diagnostic()),
        Err(read) => {
            let mut d = err.to_diagnostic();
            d.detail.push_str(&format!(
                "\n\nThe role may have been created, and reading it back failed too ({read}). If `aws iam \
                 get-role --role-name {}` shows it with the tag {}, import it; otherwise apply again.",
                new.name,
                tags::CREATION_TOKEN_TAG
            ));
            Err(d)
        }
    }
}

fn generate_name(prefix: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    // RandomState is seeded randomly for each process.
    let entropy = std::collections::hash_map::RandomState::new().hash_one((now, prefix)) as u32;
    rules::generated_name(prefix, now.as_secs(), now.subsec_nanos(), entropy)
}

/// Make one change.
async fn make(data: &ProviderData, name: &str, change: &RoleChange) -> Result<(), Diagnostic> {
    let iam = &data.aws.iam;
    let done = match change {
        RoleChange::TrustPolicy(doc) => iam_role::update_trust_policy(iam, name, doc).await,
        RoleChange::Settings {
            description,
            max_session_duration,
        } => iam_role::update_role(iam, name, description, *max_session_duration).await,
        RoleChange::PutBoundary(b) => iam_role::put_permissions_boundary(iam, name, b).await,
        RoleChange::DeleteBoundary => iam_role::delete_permissions_boundary(iam, name).await,
        RoleChange::Untag(keys) => iam_role::untag_role(iam, name, keys).await,
        RoleChange::Tag(tags) => iam_role::tag_role(iam, name, tags).await,
        RoleChange::Attach(arn) => iam_role::attach_policy(iam, name, arn).await,
        RoleChange::Detach(arn) => iam_role::detach_policy(iam, name, arn).await,
        RoleChange::PutInline {
            name: policy,
            document,
        } => iam_role::put_inline_policy(iam, name, policy, document).await,
        RoleChange::DeleteInline(policy) => iam_role::delete_inline_policy(iam, name, policy).await,
    };
    done.map_err(|e| e.to_diagnostic())
}

/// Bring the role from `from` to `to`, checking for a stop between calls.
async fn converge(
    data: &ProviderData,
    name: &str,
    from: &RoleSettings,
    to: &RoleSettings,
    stop: &CancellationToken,
) -> Result<(), Diagnostic> {
    for change in role_diff::changes(from, to) {
        stop::check(stop).map_err(Stopped::diagnostic)?;
        make(data, name, &change).await?;
    }
    Ok(())
}

/// The state after a failed apply: the role as AWS has it now. `fallback`
/// is used when even that read fails.
async fn true_state(data: &ProviderData, name: &str, like: &RoleModel, fallback: Value) -> Value {
    match iam_role::read_role(&data.aws.iam, name).await {
        Ok(Some(live)) => RoleModel::from_live(&live, like, &data.tags).to_value(),
        Ok(None) => Value::Null,
        Err(e) => {
            tracing::warn!("cannot read role {name} back after a failed apply: {e}");
            fallback
        }
    }
}

pub async fn create(data: &ProviderData, change: Change<'_>, diags: &mut Diagnostics) -> Value {
    if let Err(s) = stop::check(change.stop) {
        diags.push(s.diagnostic());
        return Value::Null;
    }
    let mut planned = RoleModel::from_value(change.planned);
    planned.tags_all = crate::resources::tags::at_apply(&data.tags, planned.tags.as_ref());
    let wanted = match planned.wanted_settings() {
        Ok(w) => w,
        Err(d) => {
            diags.push(d);
            return Value::Null;
        }
    };
    let name = match (&planned.name, &planned.name_prefix) {
        (Some(name), _) => name.clone(),
        (None, Some(prefix)) => generate_name(prefix),
        (None, None) => {
            diags.push(Diagnostic::error(
                "Missing role name",
                "Give `name` or `name_prefix`.",
            ));
            return Value::Null;
        }
    };
    data.role_reads.written(&name);
    let trust_policy = wanted.trust_policy.clone().unwrap_or_default();
    let path = planned
        .path
        .clone()
        .unwrap_or_else(|| super::schema::DEFAULT_PATH.into());
    let new = NewRole {
        name: &name,
        path: &path,
        trust_policy: &trust_policy,
        description: Some(wanted.description.as_str()).filter(|d| !d.is_empty()),
        max_session_duration: wanted.max_session_duration,
        permissions_boundary: wanted.permissions_boundary.as_deref(),
        tags: &wanted.tags,
    };
    let role = match create_role(data, &new).await {
        Ok(role) => role,
        Err(d) => {
            diags.push(d);
            return Value::Null;
        }
    };
    let state = RoleModel {
        id: Some(role.name.clone()),
        name: Some(role.name.clone()),
        arn: Some(role.arn.clone()),
        unique_id: Some(role.unique_id.clone()),
        trust_policy: Some(trust_policy),
        ..planned.clone()
    }
    .annotate();
    let created = wanted.as_created();
    if let Err(d) = converge(data, &name, &created, &wanted, change.stop).await {
        diags.push(d);
        let fallback = state.clone().with_settings(&created, &planned).to_value();
        return true_state(data, &name, &state, fallback).await;
    }
    state.to_value()
}

pub async fn update(data: &ProviderData, change: Change<'_>, diags: &mut Diagnostics) -> Value {
    let prior = RoleModel::from_value(change.prior);
    let mut planned = RoleModel::from_value(change.planned);
    planned.tags_all = crate::resources::tags::at_apply(&data.tags, planned.tags.as_ref());
    let wanted = match planned.wanted_settings() {
        Ok(w) => w,
        Err(d) => {
            diags.push(d);
            return change.prior.clone();
        }
    };
    let name = prior.name.clone().unwrap_or_default();
    data.role_reads.written(&name);
    let state = RoleModel {
        id: prior.id.clone(),
        name: prior.name.clone(),
        arn: prior.arn.clone(),
        unique_id: prior.unique_id.clone(),
        trust_policy: wanted.trust_policy.clone(),
        ..planned
    }
    .annotate();
    if let Err(d) = converge(data, &name, &prior.current_settings(), &wanted, change.stop).await {
        diags.push(d);
        return true_state(data, &name, &state, change.prior.clone()).await;
    }
    state.to_value()
}

pub async fn delete(
    data: &ProviderData,
    prior: Value,
    stop: &CancellationToken,
    diags: &mut Diagnostics,
) -> Value {
    let model = RoleModel::from_value(&prior);
    let Some(name) = model.name.as_deref() else {
        return Value::Null;
    };
    data.role_reads.written(name);
    let result = tokio::select! {
        r = iam_role::delete_role(&data.aws.iam, name) => r.map_err(|e| e.to_diagnostic()),
        _ = stop.cancelled() => Err(Stopped.diagnostic()),
    };
    match result {
        Ok(()) => Value::Null,
        Err(d) => {
            diags.push(d);
            true_state(data, name, &model, prior.clone()).await
        }
    }
}
