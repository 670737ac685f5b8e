//! Validators are values: small, named, composable checks that an attribute
//! declares in its schema.
//!
//! The framework calls a validator only with a known, non-null value, so no
//! validator ever has to think about null or unknown: an unknown value is
//! checked again at plan time, once it is known. A validator reports its
//! refusal as a [`Diagnostic`] and the framework puts it at the attribute's
//! path, or at the element's path for [`each`].

use std::sync::Arc;

use crate::tfplugin::{AttrPath, Diagnostic, Diagnostics, Value};

/// A check of one known, non-null attribute value.
pub trait Validator: Send + Sync {
    /// Check `value`, reporting refusals with `path`.
    fn validate(&self, value: &Value, path: &AttrPath, diags: &mut Diagnostics);
}

/// A validator from a closure over a known value.
struct FnValidator<F>(F);

impl<F> Validator for FnValidator<F>
where
    F: Fn(&Value) -> Result<(), Diagnostic> + Send + Sync,
{
    fn validate(&self, value: &Value, path: &AttrPath, diags: &mut Diagnostics) {
        if let Err(d) = (self.0)(value) {
            diags.push(d.at(path.clone()));
        }
    }
}

/// A validator from a function of a known value.
pub fn from_fn(
    f: impl Fn(&Value) -> Result<(), Diagnostic> + Send + Sync + 'static,
) -> Arc<dyn Validator> {
    Arc::new(FnValidator(f))
}

/// A validator of a known string, from a rule that returns a diagnostic.
pub fn string(
    rule: impl Fn(&str) -> Result<(), Diagnostic> + Send + Sync + 'static,
) -> Arc<dyn Validator> {
    from_fn(move |v| match v.as_str() {
        Some(s) => rule(s),
        None => Ok(()),
    })
}

/// Apply `inner` to every known element of a list, set or map; the path
/// names the element (an index for lists, the attribute for sets, the key
/// for maps).
pub fn each(inner: Arc<dyn Validator>) -> Arc<dyn Validator> {
    Arc::new(Each(inner))
}

struct Each(Arc<dyn Validator>);

impl Validator for Each {
    fn validate(&self, value: &Value, path: &AttrPath, diags: &mut Diagnostics) {
        match value {
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if known(item) {
                        self.0.validate(item, &path.clone().then_index(i), diags);
                    }
                }
            }
            Value::Set(items) => {
                for item in items.iter().filter(|v| known(v)) {
                    self.0.validate(item, path, diags);
                }
            }
            Value::Map(entries) => {
                for (k, item) in entries.iter().filter(|(_, v)| known(v)) {
                    self.0.validate(item, &path.clone().then_key(k), diags);
                }
            }
            _ => {}
        }
    }
}

/// Apply `inner` to every key of a known map; the path names the key.
pub fn each_key(
    rule: impl Fn(&str) -> Result<(), Diagnostic> + Send + Sync + 'static,
) -> Arc<dyn Validator> {
    from_fn_at(move |v, path, diags| {
        if let Some(entries) = v.as_entries() {
            for k in entries.keys() {
                if let Err(d) = rule(k) {
                    diags.push(d.at(path.clone().then_key(k)));
                }
            }
        }
    })
}

/// A validator that places its own diagnostics (for rules that name an
/// element or key themselves).
pub fn from_fn_at(
    f: impl Fn(&Value, &AttrPath, &mut Diagnostics) + Send + Sync + 'static,
) -> Arc<dyn Validator> {
    Arc::new(AtValidator(f))
}

struct AtValidator<F>(F);

impl<F> Validator for AtValidator<F>
where
    F: Fn(&Value, &AttrPath, &mut Diagnostics) + Send + Sync,
{
    fn validate(&self, value: &Value, path: &AttrPath, diags: &mut Diagnostics) {
        (self.0)(value, path, diags)
    }
}

/// One of a fixed list of strings. The same list should feed the
/// attribute's description, so that docs and check cannot disagree.
pub fn one_of(summary: &'static str, allowed: &'static [&'static str]) -> Arc<dyn Validator> {
    string(move |s| {
        if allowed.contains(&s) {
            Ok(())
        } else {
            Err(Diagnostic::error(
                summary,
                format!("{s:?} is not allowed; use one of: {}.", quoted(allowed)),
            ))
        }
    })
}

/// A list, set or map with at least `min` elements.
pub fn min_items(summary: &'static str, detail: &'static str, min: usize) -> Arc<dyn Validator> {
    from_fn(move |v| {
        let n = match v {
            Value::List(items) | Value::Set(items) => items.len(),
            Value::Map(m) => m.len(),
            _ => return Ok(()),
        };
        if n < min {
            Err(Diagnostic::error(summary, detail))
        } else {
            Ok(())
        }
    })
}

/// `"a", "b", "c"`.
pub fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `` `a`, `b` or `c` ``, for descriptions.
pub fn backticked(items: &[&str]) -> String {
    let ticked: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    match ticked.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// Known and not null: the only values validators see.
pub(crate) fn known(v: &Value) -> bool {
    !v.is_null() && !v.is_unknown()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn run(v: &dyn Validator, value: &Value) -> Vec<String> {
        let mut diags = Diagnostics::new();
        v.validate(value, &AttrPath::attr("x"), &mut diags);
        diags
            .0
            .iter()
            .map(|d| d.path.as_ref().unwrap().to_string())
            .collect()
    }

    #[test]
    fn one_of_accepts_the_list_and_names_it_when_refusing() {
        let v = one_of("Invalid mode", &["s3", "external"]);
        assert!(run(v.as_ref(), &Value::string("s3")).is_empty());
        let mut diags = Diagnostics::new();
        v.validate(&Value::string("ftp"), &AttrPath::attr("x"), &mut diags);
        assert_eq!(diags.0[0].summary, "Invalid mode");
        assert!(diags.0[0].detail.contains("\"s3\", \"external\""));
    }

    #[test]
    fn each_names_the_element_and_skips_unknown_ones() {
        let v = each(string(|s| {
            if s.is_empty() {
                Err(Diagnostic::error("Empty", "empty"))
            } else {
                Ok(())
            }
        }));
        let list = Value::List(vec![Value::string("a"), Value::string(""), Value::Unknown]);
        assert_eq!(run(v.as_ref(), &list), vec!["x[1]"]);
        let map = Value::Map(BTreeMap::from([
            ("k".into(), Value::string("")),
            ("u".into(), Value::Unknown),
        ]));
        assert_eq!(run(v.as_ref(), &map), vec!["x[\"k\"]"]);
        let set = Value::Set(vec![Value::string("")]);
        assert_eq!(run(v.as_ref(), &set), vec!["x"]);
    }

    #[test]
    fn min_items_counts_lists_sets_and_maps() {
        let v = min_items("None", "give one", 1);
        assert_eq!(run(v.as_ref(), &Value::List(vec![])), vec!["x"]);
        assert!(run(v.as_ref(), &Value::Set(vec![Value::string("a")])).is_empty());
    }

    #[test]
    fn backticked_reads_as_prose() {
        assert_eq!(backticked(&["a"]), "`a`");
        assert_eq!(backticked(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
