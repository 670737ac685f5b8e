//! Terraform values and their two wire encodings.
//!
//! A [`Value`] keeps null, unknown and known values apart at every level.
//! Terraform sends values as msgpack `DynamicValue`s and stores states as
//! JSON; both are decoded against a [`Type`], because neither encoding tells
//! a list from a set, a map from an object, or an absent attribute from null.
//!
//! Unknown values arrive as msgpack extension 0, or, from Terraform 1.6 on,
//! as extension 12 carrying refinements (for example "not null", or a string
//! prefix). Refinements only narrow an unknown value, so they are accepted and
//! dropped: the value stays unknown.

use std::collections::BTreeMap;

use serde_json::Value as Json;

/// The msgpack extension code for a plain unknown value.
const UNKNOWN_EXT: i8 = 0;
/// The msgpack extension code for an unknown value with refinements.
const REFINED_UNKNOWN_EXT: i8 = 12;

/// A Terraform type constraint, as used in schemas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// The JSON form Terraform expects in a schema: `"string"`,
    /// `["list","string"]`, `["object",{"a":"bool"}]`.
    pub fn to_json(&self) -> Json {
        match self {
            Type::String => Json::from("string"),
            Type::Number => Json::from("number"),
            Type::Bool => Json::from("bool"),
            Type::List(t) => Json::Array(vec!["list".into(), t.to_json()]),
            Type::Set(t) => Json::Array(vec!["set".into(), t.to_json()]),
            Type::Map(t) => Json::Array(vec!["map".into(), t.to_json()]),
            Type::Object(attrs) => {
                let fields = attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                Json::Array(vec!["object".into(), Json::Object(fields)])
            }
        }
    }
}

/// A Terraform value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Unknown,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
}

/// A value that does not fit its type, or bytes that are not a value.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ValueError {
    /// The msgpack bytes could not be read at all.
    #[error("malformed msgpack value: {0}")]
    Msgpack(String),
    /// The JSON bytes could not be read at all.
    #[error("malformed JSON value: {0}")]
    Json(String),
    /// A value had the wrong shape for its type at `path`.
    #[error("value at {path} does not match type {expected}")]
    Mismatch { path: String, expected: String },
    /// An object carried an attribute the type does not have.
    #[error("unexpected attribute {path}")]
    UnexpectedAttribute { path: String },
    /// Neither encoding was present in a DynamicValue.
    #[error("empty DynamicValue")]
    Empty,
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A list of strings.
    pub fn strings<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
        Value::List(
            items
                .into_iter()
                .map(|s| Value::String(s.as_ref().to_owned()))
                .collect(),
        )
    }

    /// `Some(s)` as a string, `None` as null.
    pub fn opt_string(s: Option<impl Into<String>>) -> Value {
        s.map_or(Value::Null, |s| Value::String(s.into()))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True when no unknown value appears anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) => v.iter().all(Value::is_wholly_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// An attribute of an object; null for anything else or a missing name.
    pub fn attr(&self, name: &str) -> &Value {
        match self {
            Value::Object(m) => m.get(name).unwrap_or(&Value::Null),
            _ => &Value::Null,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }
    /// The elements of a list or set.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) => Some(v),
            _ => None,
        }
    }
    /// The entries of a map or object.
    pub fn as_entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The strings of a known list or set of known strings; `None` when the
    /// collection or any element is null or unknown.
    pub fn as_string_vec(&self) -> Option<Vec<String>> {
        self.as_elements()?
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    /// Replace an attribute of an object value. Does nothing on non-objects.
    pub fn set_attr(&mut self, name: &str, v: Value) {
        if let Value::Object(m) = self {
            m.insert(name.to_owned(), v);
        }
    }

    // ------------------------------------------------------------ msgpack

    /// Decode msgpack bytes against a type.
    pub fn from_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
        let mut rd = bytes;
        let raw =
            rmpv::decode::read_value(&mut rd).map_err(|e| ValueError::Msgpack(e.to_string()))?;
        from_rmpv(raw, ty, &mut String::new())
    }

    /// Encode as msgpack. Objects are written with every attribute the value
    /// holds, so callers build them complete (see [`Value::conform`]).
    pub fn to_msgpack(&self) -> Vec<u8> {
        let mut out = Vec::new();
        rmpv::encode::write_value(&mut out, &to_rmpv(self)).expect("writing to a Vec cannot fail");
        out
    }

    // --------------------------------------------------------------- JSON

    /// Decode JSON (a stored state, or a json DynamicValue) against a type.
    /// Attributes missing from an object are null, as Terraform treats them.
    pub fn from_json(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
        let json: Json =
            serde_json::from_slice(bytes).map_err(|e| ValueError::Json(e.to_string()))?;
        from_json_value(json, ty, &mut String::new(), false)
    }

    /// Like [`Value::from_json`], but drops attributes the type does not have.
    /// Used when upgrading states written by an older schema.
    pub fn from_json_lenient(json: Json, ty: &Type) -> Result<Value, ValueError> {
        from_json_value(json, ty, &mut String::new(), true)
    }

    /// Fill in missing object attributes with null, recursively, so that the
    /// value has exactly the shape of the type.
    pub fn conform(self, ty: &Type) -> Value {
        match (self, ty) {
            (Value::Object(mut m), Type::Object(attrs)) => {
                let out = attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), m.remove(k).unwrap_or(Value::Null).conform(t)))
                    .collect();
                Value::Object(out)
            }
            (Value::List(v), Type::List(t)) => {
                Value::List(v.into_iter().map(|e| e.conform(t)).collect())
            }
            (Value::Set(v), Type::Set(t)) => {
                Value::Set(v.into_iter().map(|e| e.conform(t)).collect())
            }
            (Value::Map(m), Type::Map(t)) => {
                Value::Map(m.into_iter().map(|(k, e)| (k, e.conform(t))).collect())
            }
            (v, _) => v,
        }
    }
}

fn mismatch(path: &str, ty: &Type) -> ValueError {
    ValueError::Mismatch {
        path: if path.is_empty() {
            "(root)".into()
        } else {
            path.to_owned()
        },
        expected: ty.to_json().to_string(),
    }
}

fn with_segment<T>(path: &mut String, seg: &str, f: impl FnOnce(&mut String) -> T) -> T {
    let len = path.len();
    path.push_str(seg);
    let out = f(path);
    path.truncate(len);
    out
}

fn from_rmpv(raw: rmpv::Value, ty: &Type, path: &mut String) -> Result<Value, ValueError> {
    use rmpv::Value as M;
    match raw {
        M::Nil => return Ok(Value::Null),
        M::Ext(UNKNOWN_EXT | REFINED_UNKNOWN_EXT, _) => return Ok(Value::Unknown),
        _ => {}
    }
    match (ty, raw) {
        (Type::String, M::String(s)) => s
            .into_str()
            .map(Value::String)
            .ok_or_else(|| mismatch(path, ty)),
        (Type::Bool, M::Boolean(b)) => Ok(Value::Bool(b)),
        (Type::Number, M::Integer(i)) => i
            .as_f64()
            .map(Value::Number)
            .ok_or_else(|| mismatch(path, ty)),
        (Type::Number, M::F32(f)) => Ok(Value::Number(f.into())),
        (Type::Number, M::F64(f)) => Ok(Value::Number(f)),
        // Numbers that do not fit a float64 are sent as decimal strings.
        (Type::Number, M::String(s)) => s
            .as_str()
            .and_then(|s| s.parse().ok())
            .map(Value::Number)
            .ok_or_else(|| mismatch(path, ty)),
        (Type::List(t) | Type::Set(t), M::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                out.push(with_segment(path, &format!("[{i}]"), |p| {
                    from_rmpv(item, t, p)
                })?);
            }
            Ok(if matches!(ty, Type::Set(_)) {
                Value::Set(out)
            } else {
                Value::List(out)
            })
        }
        (Type::Map(t), M::Map(entries)) => {
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let k = k.as_str().ok_or_else(|| mismatch(path, ty))?.to_owned();
                let v = with_segment(path, &format!("[{k:?}]"), |p| from_rmpv(v, t, p))?;
                out.insert(k, v);
            }
            Ok(Value::Map(out))
        }
        (Type::Object(attrs), M::Map(entries)) => {
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let k = k.as_str().ok_or_else(|| mismatch(path, ty))?.to_owned();
                let seg = format!(".{k}");
                let Some(t) = attrs.get(&k) else {
                    return Err(ValueError::UnexpectedAttribute {
                        path: format!("{path}{seg}"),
                    });
                };
                let v = with_segment(path, &seg, |p| from_rmpv(v, t, p))?;
                out.insert(k, v);
            }
            Ok(Value::Object(out).conform(ty))
        }
        _ => Err(mismatch(path, ty)),
    }
}

fn to_rmpv(v: &Value) -> rmpv::Value {
    use rmpv::Value as M;
    match v {
        Value::Null => M::Nil,
        Value::Unknown => M::Ext(UNKNOWN_EXT, vec![0]),
        Value::Bool(b) => M::Boolean(*b),
        Value::Number(n) => {
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                M::from(*n as i64)
            } else {
                M::F64(*n)
            }
        }
        Value::String(s) => M::from(s.as_str()),
        Value::List(items) | Value::Set(items) => M::Array(items.iter().map(to_rmpv).collect()),
        Value::Map(m) | Value::Object(m) => M::Map(
            m.iter()
                .map(|(k, v)| (M::from(k.as_str()), to_rmpv(v)))
                .collect(),
        ),
    }
}

fn from_json_value(
    json: Json,
    ty: &Type,
    path: &mut String,
    lenient: bool,
) -> Result<Value, ValueError> {
    match (ty, json) {
        (_, Json::Null) => Ok(Value::Null),
        (Type::String, Json::String(s)) => Ok(Value::String(s)),
        (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(b)),
        (Type::Number, Json::Number(n)) => n
            .as_f64()
            .map(Value::Number)
            .ok_or_else(|| mismatch(path, ty)),
        (Type::List(t) | Type::Set(t), Json::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                out.push(with_segment(path, &format!("[{i}]"), |p| {
                    from_json_value(item, t, p, lenient)
                })?);
            }
            Ok(if matches!(ty, Type::Set(_)) {
                Value::Set(out)
            } else {
                Value::List(out)
            })
        }
        (Type::Map(t), Json::Object(entries)) => {
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let v = with_segment(path, &format!("[{k:?}]"), |p| {
                    from_json_value(v, t, p, lenient)
                })?;
                out.insert(k, v);
            }
            Ok(Value::Map(out))
        }
        (Type::Object(attrs), Json::Object(entries)) => {
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let seg = format!(".{k}");
                match attrs.get(&k) {
                    Some(t) => {
                        let v = with_segment(path, &seg, |p| from_json_value(v, t, p, lenient))?;
                        out.insert(k, v);
                    }
                    None if lenient => {}
                    None => {
                        return Err(ValueError::UnexpectedAttribute {
                            path: format!("{path}{seg}"),
                        })
                    }
                }
            }
            Ok(Value::Object(out).conform(ty))
        }
        _ => Err(mismatch(path, ty)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(entries: &[(&str, Value)]) -> Value {
        Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn sample_type() -> Type {
        Type::Object(BTreeMap::from([
            ("name".into(), Type::String),
            ("count".into(), Type::Number),
            ("enabled".into(), Type::Bool),
            ("tags".into(), Type::map(Type::String)),
            ("ids".into(), Type::set(Type::String)),
            (
                "nested".into(),
                Type::list(Type::Object(BTreeMap::from([("x".into(), Type::Number)]))),
            ),
        ]))
    }

    #[test]
    fn msgpack_round_trip_keeps_null_unknown_and_known_apart() {
        let v = obj(&[
            ("name", Value::string("a")),
            ("count", Value::Number(3.0)),
            ("enabled", Value::Unknown),
            (
                "tags",
                Value::Map(BTreeMap::from([("k".into(), Value::Null)])),
            ),
            ("ids", Value::Set(vec![Value::string("x"), Value::Unknown])),
            (
                "nested",
                Value::List(vec![obj(&[("x", Value::Number(1.5))])]),
            ),
        ]);
        let bytes = v.to_msgpack();
        assert_eq!(Value::from_msgpack(&bytes, &sample_type()).unwrap(), v);
    }

    #[test]
    fn missing_object_attributes_decode_as_null() {
        // {"name": "a"} as msgpack: fixmap(1) fixstr(4)"name" fixstr(1)"a"
        let bytes = [0x81, 0xa4, b'n', b'a', b'm', b'e', 0xa1, b'a'];
        let v = Value::from_msgpack(&bytes, &sample_type()).unwrap();
        assert_eq!(v.attr("name"), &Value::string("a"));
        assert!(v.as_entries().unwrap()["count"].is_null());
        assert_eq!(v.as_entries().unwrap().len(), 6);
    }

    #[test]
    fn refined_unknown_is_unknown() {
        // ext 12 with a refinement payload (a msgpack map {1: true}: "not null").
        let bytes = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3];
        assert_eq!(
            Value::from_msgpack(&bytes, &Type::String).unwrap(),
            Value::Unknown
        );
        // fixext1 with code 0, as Terraform sends a plain unknown.
        assert_eq!(
            Value::from_msgpack(&[0xd4, 0x00, 0x00], &Type::Bool).unwrap(),
            Value::Unknown
        );
    }

    #[test]
    fn integers_encode_as_msgpack_ints_and_fractions_as_floats() {
        assert_eq!(Value::Number(3600.0).to_msgpack(), vec![0xcd, 0x0e, 0x10]);
        assert_eq!(Value::Number(0.5).to_msgpack()[0], 0xcb);
        let big = rmpv::Value::from("123456789012345678901234567890");
        let mut buf = Vec::new();
        rmpv::encode::write_value(&mut buf, &big).unwrap();
        assert!(
            Value::from_msgpack(&buf, &Type::Number)
                .unwrap()
                .as_f64()
                .unwrap()
                > 1e29
        );
    }

    #[test]
    fn type_mismatch_names_the_path() {
        let bytes = obj(&[(
            "nested",
            Value::List(vec![obj(&[("x", Value::string("no"))])]),
        )])
        .to_msgpack();
        let ty = Type::Object(BTreeMap::from([(
            "nested".into(),
            Type::list(Type::Object(BTreeMap::from([("x".into(), Type::Number)]))),
        )]));
        let err = Value::from_msgpack(&bytes, &ty).unwrap_err();
        assert_eq!(
            err,
            ValueError::Mismatch {
                path: ".nested[0].x".into(),
                expected: "\"number\"".into()
            }
        );
    }

    #[test]
    fn unexpected_attribute_is_an_error_unless_lenient() {
        let json = br#"{"name":"a","gone":1}"#;
        assert!(matches!(
            Value::from_json(json, &sample_type()),
            Err(ValueError::UnexpectedAttribute { .. })
        ));
        let v = Value::from_json_lenient(serde_json::from_slice(json).unwrap(), &sample_type())
            .unwrap();
        assert_eq!(v.attr("name"), &Value::string("a"));
        assert!(v.attr("gone").is_null());
    }

    #[test]
    fn json_state_decodes_sets_and_maps() {
        let json = br#"{"ids":["b","a"],"tags":{"k":"v"},"count":2,"enabled":false}"#;
        let v = Value::from_json(json, &sample_type()).unwrap();
        assert_eq!(
            v.attr("ids"),
            &Value::Set(vec![Value::string("b"), Value::string("a")])
        );
        assert_eq!(v.attr("count"), &Value::Number(2.0));
        assert_eq!(v.attr("enabled"), &Value::Bool(false));
        assert!(v.attr("nested").is_null());
    }

    #[test]
    fn type_json_matches_terraform_spelling() {
        let t = Type::Object(BTreeMap::from([("a".into(), Type::list(Type::String))]));
        assert_eq!(
            t.to_json().to_string(),
            r#"["object",{"a":["list","string"]}]"#
        );
    }

    #[test]
    fn wholly_known_looks_inside_collections() {
        assert!(Value::strings(["a"]).is_wholly_known());
        assert!(!Value::List(vec![Value::Unknown]).is_wholly_known());
        assert!(Value::Null.is_wholly_known());
    }
}

/// Property tests: Terraform's msgpack and JSON values, whatever their
/// bytes, decode to a value or a typed [`ValueError`], never a panic.
#[cfg(test)]
#[path = "value_properties.rs"]
mod properties;
