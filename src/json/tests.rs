use std::borrow::Cow;

use proptest::prelude::*;

use super::*;

fn to_serde(v: &Value<'_>) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Number(x) => {
            serde_json::Number::from_f64(*x).map_or(serde_json::Value::Null, Into::into)
        }
        Value::String(s) => s.to_string().into(),
        Value::Array(items) => items.iter().map(to_serde).collect(),
        Value::Object(members) => members
            .iter()
            .map(|(k, v)| (k.to_string(), to_serde(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

/// serde_json's reading with every number as an `f64`, to compare with ours.
fn floats(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Number(n) => {
            serde_json::Number::from_f64(n.as_f64().unwrap_or(f64::NAN))
                .map_or(serde_json::Value::Null, Into::into)
        }
        serde_json::Value::Array(items) => items.into_iter().map(floats).collect(),
        serde_json::Value::Object(m) => m
            .into_iter()
            .map(|(k, v)| (k, floats(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        v => v,
    }
}

#[test]
fn reads_every_kind_of_value() {
    let v = parse(r#" {"a": [1, -2.5e3, 0, -0, 1E2, true, false, null], "b\n\u00e9\ud83d\ude00": "x\"\\\/\b\f\n\r\t"} "#)
        .unwrap();
    let Value::Object(members) = &v else {
        panic!("{v:?}")
    };
    assert_eq!(members[1].0, "b\né😀");
    assert_eq!(
        members[1].1,
        Value::String(Cow::Borrowed("x\"\\/\u{8}\u{c}\n\r\t"))
    );
    assert_eq!(
        members[0].1,
        Value::Array(vec![
            Value::Number(1.0),
            Value::Number(-2500.0),
            Value::Number(0.0),
            Value::Number(0.0),
            Value::Number(100.0),
            Value::Bool(true),
            Value::Bool(false),
            Value::Null,
        ])
    );
}

#[test]
fn rejects_what_rfc_8259_does_not_allow() {
    for bad in [
        "",
        " ",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "+1",
        "\"\\x\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"a\nb\"",
        "'a'",
        "{a: 1}",
        "[1] x",
        "{} {}",
        "nul",
        "tru",
        "1e400",
        "-1e400",
        "[\"\\u12\"]",
        "{\"a\" 1}",
    ] {
        assert!(parse(bad).is_err(), "accepted {bad:?}");
    }
    let deep = "[".repeat(200) + &"]".repeat(200);
    assert_eq!(parse(&deep).unwrap_err().what, "nesting too deep");
    let ok = "[".repeat(100) + &"]".repeat(100);
    assert!(parse(&ok).is_ok());
}

#[test]
fn syntax_errors_say_where() {
    let e = parse("{\n  \"a\": [1,\n  ]}").unwrap_err();
    assert_eq!((e.line, e.column), (3, 3));
    assert_eq!(
        e.message(),
        "invalid JSON: expected a value at line 3 column 3"
    );
}

#[test]
fn numbers_read_as_serde_json_reads_them() {
    for text in [
        "0",
        "-0",
        "123456789012345",
        "1234567890123456789",
        "9007199254740993",
        "0.1",
        "1.7976931348623157e308",
        "5e-324",
        "123.456e-7",
        "-1e-400",
    ] {
        let ours = parse(text).unwrap();
        let theirs: f64 = serde_json::from_str(text).unwrap();
        assert_eq!(ours, Value::Number(theirs), "{text}");
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(Into::into),
        any::<i64>().prop_map(Into::into),
        (-1e15f64..1e15).prop_map(Into::into),
        "\\PC{0,8}".prop_map(Into::into),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Into::into),
            prop::collection::btree_map("\\PC{0,6}", inner, 0..6)
                .prop_map(|m| m.into_iter().collect::<serde_json::Map<_, _>>().into()),
        ]
    })
}

proptest! {
    #[test]
    fn agrees_with_serde_json_on_valid_json(v in json_value(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_string_pretty(&v).unwrap()
        } else {
            serde_json::to_string(&v).unwrap()
        };
        let ours = parse(&text).unwrap();
        prop_assert_eq!(to_serde(&ours), floats(v));
    }

    #[test]
    fn never_panics_on_mutated_json(v in json_value(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        let mut bytes = serde_json::to_vec(&v).unwrap();
        if !bytes.is_empty() {
            let i = at.index(bytes.len());
            if cut { bytes.truncate(i) } else { bytes[i] = byte }
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(&text);
        let _ = catalog(&text);
        let _ = customer(&text);
    }

    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC{0,64}") {
        let _ = parse(&text);
        let _ = catalog(&text);
        let _ = customer(&text);
    }

    #[test]
    fn errors_always_carry_a_message(text in "[\\[\\]{}\",:0-9a-z \\\\-]{0,40}") {
        if let Err(e) = catalog(&text) {
            prop_assert!(!e.violations.is_empty());
            prop_assert!(!e.violations[0].message.is_empty());
        }
    }
}
