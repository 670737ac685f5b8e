//! JSON values written as block-style YAML, for manifests people read and
//! feed to `kubectl apply -f -`, ytt, k3s's auto-deploy folder or a Talos
//! machine config.
//!
//! The writer is deliberately plain: a key or string that could be read as
//! anything but that string is double-quoted with JSON's escapes (a JSON
//! string is a valid YAML double-quoted scalar), and
//! multi-line strings become literal blocks so that embedded documents stay
//! readable. Numbers, booleans and null are written as JSON writes them.

use serde_json::Value as Json;

/// One YAML document (without the `---` separator), ending in a newline.
pub fn to_yaml(v: &Json) -> String {
    let mut out = String::new();
    match v {
        Json::Object(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Json::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0),
        scalar => {
            out.push_str(&scalar_text(scalar, 0));
            out.push('\n');
        }
    }
    out
}

/// Several documents as one multi-document stream, each introduced by `---`.
pub fn to_yaml_stream<'a>(docs: impl IntoIterator<Item = &'a Json>) -> String {
    let mut out = String::new();
    for d in docs {
        out.push_str("---\n");
        out.push_str(&to_yaml(d));
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_map(out: &mut String, m: &serde_json::Map<String, Json>, level: usize) {
    for (k, v) in m {
        indent(out, level);
        out.push_str(&key_text(k));
        out.push(':');
        write_value_after_key(out, v, level);
    }
}

fn write_seq(out: &mut String, a: &[Json], level: usize) {
    for v in a {
        indent(out, level);
        out.push('-');
        match v {
            Json::Object(m) if !m.is_empty() => {
                // The first entry follows the dash; the rest align with it.
                out.push(' ');
                let mut first = true;
                for (k, inner) in m {
                    if !first {
                        indent(out, level + 2);
                    }
                    first = false;
                    out.push_str(&key_text(k));
                    out.push(':');
                    write_value_after_key(out, inner, level + 2);
                }
            }
            Json::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, level + 2);
            }
            scalar => {
                out.push(' ');
                out.push_str(&scalar_text(scalar, level + 2));
                out.push('\n');
            }
        }
    }
}

/// What follows `key:` for a value at mapping level `level`.
fn write_value_after_key(out: &mut String, v: &Json, level: usize) {
    match v {
        Json::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, level + 2);
        }
        Json::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(out, a, level + 2);
        }
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar, level + 2));
            out.push('\n');
        }
    }
}

/// A scalar (or an empty collection); `body_indent` is where the lines of
/// a literal block start.
fn scalar_text(v: &Json, body_indent: usize) -> String {
    match v {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::Object(_) => "{}".into(),
        Json::Array(_) => "[]".into(),
        Json::String(s) => match literal_block(s, body_indent) {
            Some(block) => block,
            None => key_text(s),
        },
    }
}

fn quoted(s: &str) -> String {
    Json::String(s.to_owned()).to_string()
}

/// A literal block (`|`, `|-` or `|+`) for a multi-line string that one can
/// hold exactly, or `None` when only a quoted string can.
fn literal_block(s: &str, body_indent: usize) -> Option<String> {
    if !s.contains('\n') {
        return None;
    }
    let printable = |c: char| c == '\n' || c == '\t' || !c.is_control();
    // A leading space on the first line would be read as the indentation.
    if !s.chars().all(printable) || s.starts_with([' ', '\t', '\n']) {
        return None;
    }
    let body = s.trim_end_matches('\n');
    let chomp = match s.len() - body.len() {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let mut out = format!("|{chomp}");
    // Lines end with "\n"; a trailing space on a line is kept by a literal
    // block, and every line (empty ones too) keeps its content.
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            indent(&mut out, body_indent);
            out.push_str(line);
        }
    }
    for _ in 1..(s.len() - body.len()) {
        out.push('\n');
    }
    Some(out)
}

/// A key or a one-line string: plain when every YAML reader takes it back
/// as the same string (letters first, then only letters, digits, `-`, `_`,
/// `.` and `/`, and no word YAML 1.1 reads as a boolean or null), quoted
/// otherwise.
fn key_text(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/')
        && !is_special_word(k);
    if plain {
        k.to_owned()
    } else {
        quoted(k)
    }
}

/// Words YAML 1.1 readers take as booleans or null.
fn is_special_word(k: &str) -> bool {
    matches!(
        k.to_ascii_lowercase().as_str(),
        "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(v: &Json) {
        let text = to_yaml(v);
        let back: Json = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(&back, v, "{text}");
    }

    #[test]
    fn manifests_read_back_as_the_same_json() {
        round_trip(&json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "x", "labels": {"app.kubernetes.io/name": "x"}, "annotations": {}},
            "spec": {"ports": [{"port": 443, "targetPort": 9443}], "selector": {"a": "b"}, "empty": []},
            "weird keys": {"on": true, "": null, "1x": 1.5, "y": false},
            "list of lists": [[1, 2], [], [{"a": [3]}]],
            "strings": ["", " lead", "trail ", "-", "null", "True", "NO", "a: b", "#x", "é", "tab\there", "/healthz", "v1", "1.5", "1e3", "0x1F", "a:b", "--x=1", "x #y", "kube-system/x"]
        }));
    }

    #[test]
    fn multi_line_strings_are_literal_blocks_and_exact() {
        for s in [
            "a\nb\n",
            "a\nb",
            "a\n\nb\n\n",
            "---\nkind: A\n",
            "x:\n  - y\n",
            " leading\nspace",
            "\nfirst empty",
            "trailing space \nend\n",
            "carriage\r\nreturn",
        ] {
            let v = json!({"contents": s, "list": [s]});
            round_trip(&v);
        }
        let text = to_yaml(&json!({"c": "a\nb\n"}));
        assert_eq!(text, "c: |\n  a\n  b\n");
    }

    #[test]
    fn a_stream_separates_documents() {
        let docs = [json!({"a": 1}), json!({"b": [1]})];
        let text = to_yaml_stream(&docs);
        assert_eq!(text, "---\na: 1\n---\nb:\n  - 1\n");
        let back: Vec<Json> = serde_yaml::Deserializer::from_str(&text)
            .map(|d| serde::Deserialize::deserialize(d).unwrap())
            .collect();
        assert_eq!(back, docs);
    }
}
