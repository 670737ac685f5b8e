//! The plan, derived from the schema as terraform-plugin-framework derives
//! it, so that no resource does these mechanics by hand:
//!
//! 1. Defaults: an attribute with a default that the configuration leaves
//!    null plans the default (also when it was configured before).
//! 2. Replacement: a requires-replace attribute whose planned value differs
//!    from the prior state's replaces the resource.
//! 3. Computed values: on create or replace, every computed attribute the
//!    configuration leaves null is unknown. On an update that changes
//!    anything, the same holds, except for use-state-for-unknown attributes,
//!    which keep their prior value. A plan that changes nothing keeps them
//!    all.
//!
//! The resource's own hook then sees the result and refines what the schema
//! cannot say (a trust-policy preview, a name generated from a prefix).

use crate::tfplugin::{AttrPath, BlockNesting, Value};

use super::schema::BlockSpec;

/// A plan in the making, handed to a resource's `modify_plan` hook.
#[derive(Debug)]
pub struct Plan {
    /// Null on create.
    pub prior: Value,
    pub config: Value,
    /// The planned new state; the hook edits it.
    pub planned: Value,
    /// Attributes whose change replaces the resource.
    pub requires_replace: Vec<AttrPath>,
    /// The computed attributes a new object leaves unknown: those the
    /// configuration leaves null and that have no default.
    unknown_when_new: Vec<String>,
}

impl Plan {
    /// Creating: no prior state.
    pub fn creating(&self) -> bool {
        self.prior.is_null()
    }

    /// The resource will be made anew: created, or replaced.
    pub fn fresh(&self) -> bool {
        self.creating() || !self.requires_replace.is_empty()
    }

    /// Mark an attribute as replacing the resource. Computed attributes that
    /// were planned from the prior state become unknown, as a new object's.
    pub fn require_replace(&mut self, name: &str) {
        if self.creating() {
            return;
        }
        let path = AttrPath::attr(name);
        if !self.requires_replace.contains(&path) {
            self.requires_replace.push(path);
        }
        self.unknown_as_new();
    }

    /// Every computed value unknown, as a new object's.
    fn unknown_as_new(&mut self) {
        for name in &self.unknown_when_new {
            self.planned.set_attr(name, Value::Unknown);
        }
    }

    /// The planned value of an attribute.
    pub fn get(&self, name: &str) -> &Value {
        self.planned.attr(name)
    }

    pub fn set(&mut self, name: &str, v: Value) {
        self.planned.set_attr(name, v);
    }

    /// The prior value, when the resource is updated in place.
    pub fn kept(&self, name: &str) -> Option<&Value> {
        (!self.fresh()).then(|| self.prior.attr(name))
    }
}

/// Derive the plan from Terraform's proposal.
pub fn derive(spec: &BlockSpec, prior: Value, proposed: Value, config: Value) -> Plan {
    let mut planned = proposed;
    apply_defaults(spec, &config, &mut planned);
    let unknown_when_new = spec
        .attrs
        .iter()
        .filter(|a| a.is_computed() && a.default.is_none() && config.attr(a.name()).is_null())
        .map(|a| a.name().to_owned())
        .collect();
    let mut plan = Plan {
        prior,
        config,
        planned,
        requires_replace: Vec::new(),
        unknown_when_new,
    };
    if plan.creating() {
        plan.unknown_as_new();
        return plan;
    }
    for a in spec.attrs.iter().filter(|a| a.replace) {
        if plan.planned.attr(a.name()) != plan.prior.attr(a.name()) {
            plan.requires_replace.push(AttrPath::attr(a.name()));
        }
    }
    if !plan.requires_replace.is_empty() {
        plan.unknown_as_new();
    } else if plan.planned != plan.prior {
        // A changing update: the same, sparing use-state-for-unknown values.
        for a in spec.attrs.iter().filter(|a| !a.keep_state) {
            if plan.unknown_when_new.iter().any(|n| n == a.name()) {
                plan.planned.set_attr(a.name(), Value::Unknown);
            }
        }
    }
    plan
}

/// Fill in defaults where the configuration is null, in single nested
/// blocks too.
fn apply_defaults(spec: &BlockSpec, config: &Value, planned: &mut Value) {
    if !matches!(planned, Value::Object(_)) {
        return;
    }
    for a in &spec.attrs {
        if let (Some(d), true) = (&a.default, config.attr(a.name()).is_null()) {
            planned.set_attr(a.name(), d.clone());
        }
    }
    for b in &spec.blocks {
        // A single block the configuration leaves out is absent from the
        // plan. Terraform 1.0 proposes the prior block in its place, which it
        // then refuses as "planned for existence but config wants absence".
        if b.nesting == BlockNesting::Single && config.attr(b.name).is_null() {
            planned.set_attr(b.name, Value::Null);
            continue;
        }
        let mut inner = planned.attr(b.name).clone();
        apply_defaults(&b.block, config.attr(b.name), &mut inner);
        planned.set_attr(b.name, inner);
    }
}

/// Replace every unknown value left in a state with null: a state after
/// apply must be wholly known, also when an apply stopped half-way.
pub fn known_or_null(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| {
                    let x = match x {
                        Value::Object(_) => known_or_null(x),
                        x if x.is_wholly_known() => x,
                        _ => Value::Null,
                    };
                    (k, x)
                })
                .collect(),
        ),
        other if other.is_wholly_known() => other,
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::{Attr, BlockSpec};
    use crate::tfplugin::Mode;
    use std::collections::BTreeMap;

    fn spec() -> BlockSpec {
        BlockSpec::new("t")
            .attr(Attr::string("name", Mode::Required, "n").requires_replace())
            .attr(Attr::string("note", Mode::Optional, "d"))
            .attr(Attr::string("path", Mode::OptionalComputed, "p").default(Value::string("/")))
            .attr(Attr::string("arn", Mode::Computed, "a").use_state_for_unknown())
            .attr(Attr::string("etag", Mode::Computed, "e"))
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        let mut m: BTreeMap<String, Value> = ["name", "note", "path", "arn", "etag"]
            .iter()
            .map(|k| ((*k).to_owned(), Value::Null))
            .collect();
        for (k, v) in pairs {
            m.insert((*k).to_owned(), v.clone());
        }
        Value::Object(m)
    }

    fn state() -> Value {
        obj(&[
            ("name", Value::string("a")),
            ("path", Value::string("/")),
            ("arn", Value::string("arn:a")),
            ("etag", Value::string("e1")),
        ])
    }

    /// Terraform's proposal: config, with prior values for computed
    /// attributes the config leaves null.
    fn propose(prior: &Value, config: &Value) -> Value {
        let mut p = config.clone();
        for k in ["path", "arn", "etag"] {
            if config.attr(k).is_null() {
                p.set_attr(k, prior.attr(k).clone());
            }
        }
        p
    }

    #[test]
    fn create_fills_defaults_and_leaves_computed_unknown() {
        let config = obj(&[("name", Value::string("a"))]);
        let p = derive(&spec(), Value::Null, config.clone(), config);
        assert_eq!(p.get("path"), &Value::string("/"));
        assert_eq!(p.get("arn"), &Value::Unknown);
        assert_eq!(p.get("etag"), &Value::Unknown);
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn no_change_keeps_everything() {
        let config = obj(&[("name", Value::string("a"))]);
        let p = derive(&spec(), state(), propose(&state(), &config), config);
        assert_eq!(p.planned, state());
    }

    #[test]
    fn an_update_keeps_stable_computed_values_only() {
        let config = obj(&[("name", Value::string("a")), ("note", Value::string("x"))]);
        let p = derive(&spec(), state(), propose(&state(), &config), config);
        assert_eq!(p.get("arn"), &Value::string("arn:a"));
        assert_eq!(p.get("etag"), &Value::Unknown);
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn a_replacing_change_makes_every_computed_value_unknown() {
        let config = obj(&[("name", Value::string("b"))]);
        let p = derive(&spec(), state(), propose(&state(), &config), config);
        assert_eq!(p.requires_replace, vec![AttrPath::attr("name")]);
        assert_eq!(p.get("arn"), &Value::Unknown);
        assert!(p.fresh());
    }

    #[test]
    fn a_removed_setting_goes_back_to_its_default() {
        let mut prior = state();
        prior.set_attr("path", Value::string("/k8s/"));
        let config = obj(&[("name", Value::string("a"))]);
        let p = derive(&spec(), prior.clone(), propose(&prior, &config), config);
        assert_eq!(p.get("path"), &Value::string("/"));
    }

    #[test]
    fn known_or_null_clears_unknowns_at_every_level() {
        let v = Value::Object(BTreeMap::from([
            ("a".into(), Value::Unknown),
            ("b".into(), Value::List(vec![Value::Unknown])),
            (
                "c".into(),
                Value::Object(BTreeMap::from([("d".into(), Value::Unknown)])),
            ),
        ]));
        let out = known_or_null(v);
        assert!(out.is_wholly_known());
        assert_eq!(out.attr("b"), &Value::Null);
        assert_eq!(out.attr("c").attr("d"), &Value::Null);
    }

    #[test]
    fn a_single_block_left_out_of_the_configuration_is_planned_absent() {
        // Terraform 1.0 proposes the prior block in its place.
        let spec = BlockSpec::new("r")
            .attr(Attr::string("name", Mode::Required, "n"))
            .block(
                "inner",
                BlockSpec::new("b").attr(Attr::string("x", Mode::Optional, "x")),
            );
        let inner = obj(&[("x", Value::string("1"))]);
        let mut prior = obj(&[("name", Value::string("a"))]);
        prior.set_attr("inner", inner.clone());
        let config = obj(&[("name", Value::string("a")), ("inner", Value::Null)]);
        let p = derive(&spec, prior.clone(), prior.clone(), config);
        assert!(p.get("inner").is_null(), "{:?}", p.planned);
        // A block that is configured stays.
        let kept = obj(&[("name", Value::string("a")), ("inner", inner.clone())]);
        let p = derive(&spec, prior.clone(), prior, kept);
        assert_eq!(p.get("inner"), &inner);
    }
}
