//! `tags` and `tags_all` for every taggable resource: planned from the
//! configuration and the provider's `default_tags`, and reported back from
//! what AWS holds, with the provider's `ignore_tags` left out. The rules are
//! [`TagConfig`]'s; this is the glue that puts them into plans and states.

use std::collections::BTreeMap;

use crate::attributes::TAGS_ALL;
use crate::domain::tags::{self, TagConfig};
use crate::errors::ToDiagnostic;
use crate::framework::model::{self as m, keep_null};
use crate::framework::Plan;
use crate::tfplugin::{AttrPath, Diagnostic, Diagnostics, Value};

/// Plan `tags_all` from the configured `tags` (attribute `tags`): unknown
/// while those or the default tags are not known. A tag whose key the
/// provider ignores is refused, since it could never be read back; so is a
/// merged set too large for AWS.
pub fn plan(config: &TagConfig, plan: &mut Plan, tags_attr: &str, diags: &mut Diagnostics) {
    let configured = plan.config.attr(tags_attr);
    if !configured.is_wholly_known() {
        plan.set(TAGS_ALL, Value::Unknown);
        return;
    }
    let own = m::string_map(&plan.config, tags_attr).unwrap_or_default();
    for key in own.keys().filter(|k| config.ignores(k)) {
        diags.push(
            Diagnostic::error(
                "Tag ignored by the provider",
                format!(
                    "The provider's ignore_tags covers {key:?}, so this tag would be written but never read back, \
                     and every plan would show it again. Remove it from tags, or from ignore_tags."
                ),
            )
            .at(AttrPath::attr(tags_attr).then_key(key)),
        );
    }
    let all = match config.all(&own) {
        Some(all) => all,
        None => {
            plan.set(TAGS_ALL, Value::Unknown);
            return;
        }
    };
    if let Err(e) = tags::validate_user_tags(all.keys().map(String::as_str)) {
        let mut d = e.to_diagnostic().at(AttrPath::attr(tags_attr));
        d.detail.push_str(
            " The count is of the provider's default_tags and this resource's tags together.",
        );
        diags.push(d);
    }
    plan.set(TAGS_ALL, m::map_value(Some(&all)));
}

/// The tags a resource's state says the object carries: `tags_all`, or
/// `tags` in a state written before there was a `tags_all`.
pub fn on_object(
    tags_all: Option<&BTreeMap<String, String>>,
    tags: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    tags_all.or(tags).cloned().unwrap_or_default()
}

/// `tags_all` at apply, when the provider's configuration is known: what
/// the plan showed, or what it left unknown.
pub fn at_apply(
    config: &TagConfig,
    tags: Option<&BTreeMap<String, String>>,
) -> Option<BTreeMap<String, String>> {
    config.all(&tags.cloned().unwrap_or_default())
}

/// What a state records for an object carrying `live` (all its tags, the
/// creation token among them): `tags` as the resource's own, null when the
/// prior state's was null and none are, and `tags_all`.
pub fn report(
    config: &TagConfig,
    live: &BTreeMap<String, String>,
    prior_tags: Option<&BTreeMap<String, String>>,
) -> (Option<BTreeMap<String, String>>, BTreeMap<String, String>) {
    let all = config.visible(live);
    let own = config.own(&all, prior_tags);
    (keep_null(own, prior_tags.is_none()), all)
}
