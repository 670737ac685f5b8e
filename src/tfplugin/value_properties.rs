//! Property tests of [`super`]: Terraform's msgpack and JSON values,
//! whatever their bytes, decode to a value or a typed `ValueError`, never a
//! panic; and every value encodes and decodes back to itself.

use super::*;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn schema_type() -> Type {
    Type::Object(BTreeMap::from([
        ("s".into(), Type::String),
        ("n".into(), Type::Number),
        ("b".into(), Type::Bool),
        ("l".into(), Type::list(Type::String)),
        ("set".into(), Type::set(Type::Number)),
        ("m".into(), Type::map(Type::Bool)),
        (
            "o".into(),
            Type::Object(BTreeMap::from([("x".into(), Type::String)])),
        ),
    ]))
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![Just(Value::Null), Just(Value::Unknown)]
}

/// Values of [`schema_type`], with null and unknown anywhere.
fn value() -> impl Strategy<Value = Value> {
    let s = prop_oneof![leaf(), ".{0,10}".prop_map(Value::String)];
    let n = prop_oneof![
        leaf(),
        (-1.0e6f64..1.0e6).prop_map(|f| Value::Number(f.round()))
    ];
    let b = prop_oneof![leaf(), any::<bool>().prop_map(Value::Bool)];
    let l = prop_oneof![
        leaf(),
        prop::collection::vec(".{0,5}".prop_map(Value::String), 0..4).prop_map(Value::List)
    ];
    let set = prop_oneof![
        leaf(),
        prop::collection::btree_set(0i32..100, 0..4)
            .prop_map(|v| Value::Set(v.into_iter().map(|n| Value::Number(f64::from(n))).collect()))
    ];
    let m = prop_oneof![
        leaf(),
        prop::collection::btree_map("[a-z]{1,4}", any::<bool>().prop_map(Value::Bool), 0..3)
            .prop_map(Value::Map)
    ];
    let o = prop_oneof![
        leaf(),
        ".{0,5}".prop_map(|x| Value::Object(BTreeMap::from([("x".into(), Value::String(x))])))
    ];
    (s, n, b, l, set, m, o).prop_map(|(s, n, b, l, set, m, o)| {
        Value::Object(BTreeMap::from([
            ("s".into(), s),
            ("n".into(), n),
            ("b".into(), b),
            ("l".into(), l),
            ("set".into(), set),
            ("m".into(), m),
            ("o".into(), o),
        ]))
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_decode_or_fail_with_a_typed_error(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let ty = schema_type();
        let _ = Value::from_msgpack(&bytes, &ty);
        let _ = Value::from_json(&bytes, &ty);
        let _ = Value::from_msgpack(&bytes, &Type::String);
    }

    #[test]
    fn values_round_trip_through_msgpack(v in value()) {
        let ty = schema_type();
        let back = Value::from_msgpack(&v.to_msgpack(), &ty).unwrap();
        prop_assert_eq!(back, v);
    }

    #[test]
    fn mutated_msgpack_never_panics(v in value(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = v.to_msgpack();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let _ = Value::from_msgpack(&bytes, &schema_type());
    }
}
