//! Configuration checks derived from the schema: required attributes set,
//! each attribute's validators, and the constraints between a block's
//! attributes. Validators and constraints skip null and unknown values.

use crate::tfplugin::{AttrPath, Diagnostic, Diagnostics, Mode, Value};

use super::schema::{BlockSpec, Constraint, Rule};
use super::validator::known;

/// Check a configuration (or a planned value) against a block's schema.
pub fn validate_block(
    spec: &BlockSpec,
    v: &Value,
    path: Option<&AttrPath>,
    diags: &mut Diagnostics,
) {
    if !matches!(v, Value::Object(_)) {
        return;
    }
    let at = |name: &str| match path {
        Some(p) => p.clone().then_attr(name),
        None => AttrPath::attr(name),
    };
    for a in &spec.attrs {
        let value = v.attr(a.name());
        // Terraform refuses a required argument left out, but passes one
        // written as `null` on, as a configuration generated on import
        // writes what an imported state leaves null.
        if a.mode() == Mode::Required && value.is_null() {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!("The argument \"{}\" is required, but it is null.", a.name()),
                )
                .at(at(a.name())),
            );
            continue;
        }
        if known(value) {
            let p = at(a.name());
            for validator in &a.validators {
                validator.validate(value, &p, diags);
            }
        }
    }
    for c in &spec.constraints {
        check_constraint(c, v, &at, path, diags);
    }
    for b in &spec.blocks {
        let value = v.attr(b.name);
        if !known(value) {
            continue;
        }
        match value {
            // A list of blocks: each element at its index.
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if known(item) {
                        let p = at(b.name).then_index(i);
                        validate_block(&b.block, item, Some(&p), diags);
                    }
                }
            }
            _ => validate_block(&b.block, value, Some(&at(b.name)), diags),
        }
    }
}

/// Whether an attribute is set, or `None` while its value is unknown.
fn is_set(v: &Value, name: &str) -> Option<bool> {
    match v.attr(name) {
        Value::Unknown => None,
        Value::Null => Some(false),
        // `false` counts as set for a plain flag only when it is true: a
        // boolean switch such as `jwks_endpoint = false` chooses nothing.
        Value::Bool(b) => Some(*b),
        _ => Some(true),
    }
}

fn names(rule: &Rule) -> String {
    let ticked: Vec<String> = rule.names.iter().map(|n| format!("`{n}`")).collect();
    ticked.join(", ")
}

fn check_constraint(
    c: &Constraint,
    v: &Value,
    at: &dyn Fn(&str) -> AttrPath,
    block_path: Option<&AttrPath>,
    diags: &mut Diagnostics,
) {
    let rule = match c {
        Constraint::ConflictsWith(r)
        | Constraint::ExactlyOneOf(r)
        | Constraint::AtLeastOneOf(r)
        | Constraint::RequiredWith(r) => r,
    };
    let states: Vec<Option<bool>> = rule.names.iter().map(|n| is_set(v, n)).collect();
    let set: Vec<&str> = rule
        .names
        .iter()
        .zip(&states)
        .filter(|(_, s)| **s == Some(true))
        .map(|(n, _)| *n)
        .collect();
    let any_unknown = states.iter().any(Option::is_none);
    let message = |custom: Option<(&str, &str)>, summary: &str, detail: String| match custom {
        Some((s, d)) => Diagnostic::error(s, d),
        None => Diagnostic::error(summary, detail),
    };
    let conflict = || {
        message(
            rule.too_many,
            "Conflicting settings",
            format!("Set only one of {}.", names(rule)),
        )
        .at(at(set[1]))
    };
    let missing = || {
        let d = message(
            rule.none,
            "Missing setting",
            format!("Set one of {}.", names(rule)),
        );
        match block_path {
            Some(p) if rule.none.is_none() => d.at(p.clone()),
            _ => d.at(at(rule.names[0])),
        }
    };
    match c {
        Constraint::ConflictsWith(_) => {
            if set.len() > 1 {
                diags.push(conflict());
            }
        }
        Constraint::ExactlyOneOf(_) => {
            if set.len() > 1 {
                diags.push(conflict());
            } else if set.is_empty() && !any_unknown {
                diags.push(missing());
            }
        }
        Constraint::AtLeastOneOf(_) => {
            if set.is_empty() && !any_unknown {
                diags.push(missing());
            }
        }
        Constraint::RequiredWith(_) => {
            if states[0] == Some(true) {
                for (name, state) in rule.names.iter().zip(&states).skip(1) {
                    if *state == Some(false) {
                        diags.push(
                            message(
                                rule.too_many,
                                "Missing setting",
                                format!("`{}` needs `{name}`.", rule.names[0]),
                            )
                            .at(at(name)),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::{Attr, BlockSpec, Constraint};
    use crate::tfplugin::Mode;
    use std::collections::BTreeMap;

    fn spec(c: Constraint) -> BlockSpec {
        BlockSpec::new("t")
            .attr(Attr::string("a", Mode::Optional, "a"))
            .attr(Attr::string("b", Mode::Optional, "b"))
            .constraint(c)
    }

    fn obj(a: Value, b: Value) -> Value {
        Value::Object(BTreeMap::from([("a".into(), a), ("b".into(), b)]))
    }

    fn paths(spec: &BlockSpec, v: &Value) -> Vec<String> {
        let mut diags = Diagnostics::new();
        validate_block(spec, v, None, &mut diags);
        diags
            .0
            .iter()
            .map(|d| d.path.as_ref().unwrap().to_string())
            .collect()
    }

    #[test]
    fn exactly_one_of_refuses_both_and_neither_but_not_unknowns() {
        let s = spec(Constraint::exactly_one_of(&["a", "b"]));
        let x = || Value::string("x");
        assert_eq!(paths(&s, &obj(x(), x())), vec!["b"]);
        assert_eq!(paths(&s, &obj(Value::Null, Value::Null)), vec!["a"]);
        assert!(paths(&s, &obj(x(), Value::Null)).is_empty());
        // for_each with `cond ? null : "x"` on both: unknown at validate.
        assert!(paths(&s, &obj(Value::Unknown, Value::Unknown)).is_empty());
        assert!(paths(&s, &obj(Value::Unknown, Value::Null)).is_empty());
    }

    #[test]
    fn a_required_attribute_written_as_null_is_refused_and_unknown_is_not() {
        let s = BlockSpec::new("t")
            .attr(Attr::string("a", Mode::Required, "a"))
            .attr(Attr::string("b", Mode::Optional, "b"));
        assert_eq!(paths(&s, &obj(Value::Null, Value::Null)), vec!["a"]);
        assert!(paths(&s, &obj(Value::Unknown, Value::Null)).is_empty());
        assert!(paths(&s, &obj(Value::string("x"), Value::Null)).is_empty());
    }

    #[test]
    fn conflicts_and_required_with() {
        let s = spec(Constraint::conflicts_with(&["a", "b"]));
        assert_eq!(
            paths(&s, &obj(Value::string("x"), Value::string("y"))),
            vec!["b"]
        );
        assert!(paths(&s, &obj(Value::Null, Value::Null)).is_empty());
        let s = spec(Constraint::required_with("a", &["b"]));
        assert_eq!(paths(&s, &obj(Value::string("x"), Value::Null)), vec!["b"]);
        assert!(paths(&s, &obj(Value::string("x"), Value::Unknown)).is_empty());
        assert!(paths(&s, &obj(Value::Null, Value::Null)).is_empty());
    }

    #[test]
    fn at_least_one_of_and_custom_messages() {
        let s =
            spec(Constraint::at_least_one_of(&["a", "b"]).when_missing("No keys", "Give a or b."));
        let mut diags = Diagnostics::new();
        validate_block(&s, &obj(Value::Null, Value::Null), None, &mut diags);
        assert_eq!(diags.0[0].summary, "No keys");
        assert_eq!(diags.0[0].path.as_ref().unwrap().to_string(), "a");
    }
}
