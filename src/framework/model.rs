//! Typed models: each resource decodes a [`Value`] into a struct of its own
//! once, and encodes the struct back once. These are the field conversions
//! the models share; a null or unknown value decodes as `None`.
//!
//! Attribute names are the constants of each resource's schema module, so
//! a misspelt name fails to compile instead of reading as null.

use std::collections::{BTreeMap, BTreeSet};

use crate::tfplugin::Value;

/// A string attribute; `None` when null or unknown.
pub fn string(v: &Value, name: &str) -> Option<String> {
    v.attr(name).as_str().map(str::to_owned)
}

pub fn bool(v: &Value, name: &str) -> Option<bool> {
    v.attr(name).as_bool()
}

/// A whole number; `None` when null, unknown or not whole.
pub fn int(v: &Value, name: &str) -> Option<i64> {
    v.attr(name)
        .as_f64()
        .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
        .map(|n| n as i64)
}

/// The strings of a known list.
pub fn string_list(v: &Value, name: &str) -> Option<Vec<String>> {
    v.attr(name).as_string_vec()
}

/// The strings of a known set (or list).
pub fn string_set(v: &Value, name: &str) -> Option<BTreeSet<String>> {
    v.attr(name)
        .as_string_vec()
        .map(|items| items.into_iter().collect())
}

/// A known map of known strings.
pub fn string_map(v: &Value, name: &str) -> Option<BTreeMap<String, String>> {
    v.attr(name)
        .as_entries()?
        .iter()
        .map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

/// `Some(s)` as a string, `None` as null.
pub fn opt_string(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::string)
}

/// A set of strings, sorted; `None` as null.
pub fn set_value<'a, I>(items: Option<I>) -> Value
where
    I: IntoIterator<Item = &'a String>,
{
    match items {
        None => Value::Null,
        Some(items) => {
            let sorted: BTreeSet<&String> = items.into_iter().collect();
            Value::Set(sorted.into_iter().map(Value::string).collect())
        }
    }
}

/// A list of strings; `None` as null.
pub fn list_value(items: Option<&[String]>) -> Value {
    items.map_or(Value::Null, Value::strings)
}

/// A map of strings; `None` as null.
pub fn map_value(map: Option<&BTreeMap<String, String>>) -> Value {
    match map {
        None => Value::Null,
        Some(m) => Value::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), Value::string(v)))
                .collect(),
        ),
    }
}

/// A number; `None` as null.
pub fn int_value(n: Option<i64>) -> Value {
    n.map_or(Value::Null, |n| Value::Number(n as f64))
}

/// Null stays null for an empty collection when the prior value was null,
/// so that refreshing an unset attribute does not turn it into `[]`.
pub fn keep_null<T: Default + PartialEq>(live: T, prior_was_null: bool) -> Option<T> {
    if prior_was_null && live == T::default() {
        None
    } else {
        Some(live)
    }
}

/// An object value with the given attributes, null for the rest of `ty`.
pub fn object(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_decode_and_encode() {
        let v = object([
            ("s", Value::string("x")),
            ("n", Value::Number(3600.0)),
            ("f", Value::Number(1.5)),
            (
                "set",
                Value::Set(vec![Value::string("b"), Value::string("a")]),
            ),
            ("u", Value::Unknown),
        ]);
        assert_eq!(string(&v, "s").as_deref(), Some("x"));
        assert_eq!(string(&v, "u"), None);
        assert_eq!(int(&v, "n"), Some(3600));
        assert_eq!(int(&v, "f"), None);
        let set = string_set(&v, "set").unwrap();
        assert_eq!(
            set_value(Some(&set)),
            Value::Set(vec![Value::string("a"), Value::string("b")])
        );
        assert_eq!(set_value::<&BTreeSet<String>>(None), Value::Null);
        assert_eq!(keep_null(BTreeSet::<String>::new(), true), None);
        assert_eq!(
            keep_null(BTreeSet::<String>::new(), false),
            Some(BTreeSet::new())
        );
    }
}
