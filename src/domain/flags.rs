//! kube-apiserver flags for a public service-account issuer, and their
//! rendering for the usual ways of configuring the apiserver.
//!
//! YAML is written by hand: every scalar value is a JSON-style
//! double-quoted string (also a valid YAML double-quoted scalar), so URLs,
//! commas and colons need no further thought, and the bytes are stable.

use std::collections::BTreeSet;

/// The issuer kube-apiserver uses when `--service-account-issuer` was never
/// set by hand (kubeadm's and k3s's default), and so the issuer of the
/// tokens already in a cluster that is being migrated.
pub const DEFAULT_PREVIOUS_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

/// `--service-account-issuer`: repeatable; the first signs new tokens.
const ISSUER: &str = "service-account-issuer";
/// `--service-account-jwks-uri`: the `jwks_uri` of the discovery document.
const JWKS_URI: &str = "service-account-jwks-uri";
/// `--api-audiences`: comma-separated audiences the apiserver accepts.
const API_AUDIENCES: &str = "api-audiences";
/// `--service-account-signing-key-file`: the private key tokens are signed with.
const SIGNING_KEY_FILE: &str = "service-account-signing-key-file";
/// `--service-account-key-file`: repeatable; public keys tokens are verified with.
const KEY_FILE: &str = "service-account-key-file";

/// What the apiserver flags are computed from. Empty strings are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagsInput {
    /// The new public issuer URL; new tokens are issued under it.
    pub issuer_url: String,
    /// The public URL of the JWKS, if it is not `<issuer>/openid/v1/jwks`.
    pub jwks_uri: Option<String>,
    /// Issuers whose tokens must keep validating, in order (usually
    /// [`DEFAULT_PREVIOUS_ISSUER`] during a migration).
    pub previous_issuers: Vec<String>,
    /// Audiences to accept; `None` (or an empty list) means
    /// [`default_api_audiences`].
    pub api_audiences: Option<Vec<String>>,
    /// Path of the private key the apiserver signs tokens with.
    pub signing_key_file: Option<String>,
    /// Paths of the public keys the apiserver verifies tokens with.
    pub key_files: Vec<String>,
}

/// One kube-apiserver flag.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flag {
    /// The flag name without leading dashes, e.g. `service-account-issuer`.
    pub name: String,
    /// The flag value.
    pub value: String,
}

impl Flag {
    /// A flag from its name (without dashes) and value.
    fn new(name: &str, value: &str) -> Flag {
        Flag {
            name: name.to_string(),
            value: value.to_string(),
        }
    }
}

/// The non-empty strings of `values`, first occurrence kept, order kept.
fn distinct<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    values
        .into_iter()
        .filter(|value| !value.is_empty() && seen.insert(*value))
        .collect()
}

/// The migration-safe `--api-audiences`: the previous issuers, then the new
/// issuer, de-duplicated, order kept.
///
/// When `--api-audiences` is not set, kube-apiserver accepts tokens whose
/// audience is its issuer, so every token already in the cluster (projected
/// volumes, TokenRequests without an explicit audience) carries the
/// previous issuer as audience. Setting only the new issuer would make the
/// apiserver reject those tokens until they are re-issued, cutting pods off
/// the API. Keeping the previous issuers lets them validate during the
/// migration, while the new issuer covers tokens issued from now on.
pub fn default_api_audiences(issuer_url: &str, previous_issuers: &[String]) -> Vec<String> {
    distinct(
        previous_issuers
            .iter()
            .map(String::as_str)
            .chain([issuer_url]),
    )
    .into_iter()
    .map(str::to_string)
    .collect()
}

/// The kube-apiserver flags for `input`, in this order:
///
/// 1. `service-account-issuer` = the new issuer, first because the apiserver
///    signs new tokens with the first issuer given;
/// 2. one `service-account-issuer` per previous issuer (the flag may be
///    repeated, and every issuer listed is accepted, so tokens minted under
///    an old issuer keep validating), skipping the new issuer and repeats;
/// 3. `service-account-jwks-uri`, if set;
/// 4. `api-audiences`, comma-joined (see [`default_api_audiences`]);
/// 5. `service-account-signing-key-file`, if set;
/// 6. one `service-account-key-file` per distinct key file.
pub fn apiserver_flags(input: &FlagsInput) -> Vec<Flag> {
    let issuer = input.issuer_url.as_str();
    let mut flags = vec![Flag::new(ISSUER, issuer)];
    for previous in distinct(input.previous_issuers.iter().map(String::as_str)) {
        if previous != issuer {
            flags.push(Flag::new(ISSUER, previous));
        }
    }
    if let Some(uri) = input.jwks_uri.as_deref().filter(|u| !u.is_empty()) {
        flags.push(Flag::new(JWKS_URI, uri));
    }
    let audiences = match &input.api_audiences {
        Some(explicit) if explicit.iter().any(|a| !a.is_empty()) => {
            distinct(explicit.iter().map(String::as_str)).join(",")
        }
        _ => default_api_audiences(issuer, &input.previous_issuers).join(","),
    };
    flags.push(Flag::new(API_AUDIENCES, &audiences));
    if let Some(path) = input.signing_key_file.as_deref().filter(|p| !p.is_empty()) {
        flags.push(Flag::new(SIGNING_KEY_FILE, path));
    }
    for path in distinct(input.key_files.iter().map(String::as_str)) {
        flags.push(Flag::new(KEY_FILE, path));
    }
    flags
}

/// The flags as command-line arguments, `--name=value`, in order.
pub fn flag_args(flags: &[Flag]) -> Vec<String> {
    flags
        .iter()
        .map(|flag| format!("--{}={}", flag.name, flag.value))
        .collect()
}

/// `value` as a double-quoted scalar that is both valid JSON and valid YAML.
///
/// Quotes and backslashes are escaped, as is every character YAML does not
/// allow unescaped (control characters, line and paragraph separators, BOM
/// and non-characters).
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                ) =>
            {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A flag name as a YAML mapping key: plain when it is a dashed lower-case
/// word (which YAML can never read as a boolean, number or null), quoted
/// otherwise.
fn key(name: &str) -> String {
    let plain = name.contains('-')
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if plain {
        name.to_string()
    } else {
        quote(name)
    }
}

/// A flag as a map entry: its first value, and the values a map cannot hold.
struct MapEntry<'a> {
    name: &'a str,
    value: &'a str,
    dropped: Vec<&'a str>,
}

/// Groups flags by name in order of first appearance; the first value of a
/// name wins, later values are kept as `dropped`.
fn map_entries(flags: &[Flag]) -> Vec<MapEntry<'_>> {
    let mut entries: Vec<MapEntry<'_>> = Vec::new();
    for flag in flags {
        match entries.iter_mut().find(|e| e.name == flag.name) {
            Some(entry) => entry.dropped.push(&flag.value),
            None => entries.push(MapEntry {
                name: &flag.name,
                value: &flag.value,
                dropped: Vec::new(),
            }),
        }
    }
    entries
}

/// How a map-based format comments on values it cannot express.
struct MapStyle {
    /// Comment marker: `#` in YAML, `#!` in ytt templates.
    comment: &'static str,
    /// Last line of the comment: what to do about the dropped values.
    advice: &'static str,
}

/// Advice for kubeadm-style maps: kubeadm v1beta4 takes a list.
const KUBEADM_ADVICE: &str = "Use kubeadm v1beta4 (extraArgs as a list) to pass every value.";

/// Writes the comment about `entry.dropped`, if any, at `indent`.
fn write_dropped_comment(out: &mut String, indent: &str, style: &MapStyle, entry: &MapEntry<'_>) {
    if entry.dropped.is_empty() {
        return;
    }
    let c = style.comment;
    out.push_str(&format!(
        "{indent}{c} Only the first --{} is set here: kube-apiserver accepts it\n",
        entry.name
    ));
    out.push_str(&format!(
        "{indent}{c} more than once, but this map holds one value per flag. Not set:\n"
    ));
    for value in &entry.dropped {
        out.push_str(&format!("{indent}{c}   {}\n", quote(value)));
    }
    out.push_str(&format!("{indent}{c} {}\n", style.advice));
}

/// Writes `flags` as a YAML map at `indent`, each key optionally preceded by
/// `annotation` (a full line, without indent); `{}` when there are none.
fn write_map(
    out: &mut String,
    parent: &str,
    indent: &str,
    flags: &[Flag],
    style: &MapStyle,
    annotation: Option<&str>,
) {
    let entries = map_entries(flags);
    if entries.is_empty() {
        out.push_str(&format!("{parent}: {{}}\n"));
        return;
    }
    out.push_str(&format!("{parent}:\n"));
    for entry in &entries {
        write_dropped_comment(out, indent, style, entry);
        if let Some(annotation) = annotation {
            out.push_str(&format!("{indent}{annotation}\n"));
        }
        out.push_str(&format!(
            "{indent}{}: {}\n",
            key(entry.name),
            quote(entry.value)
        ));
    }
}

/// Writes the items of a YAML list at `indent` under `parent`; `[]` when
/// there are none.
fn write_list(out: &mut String, parent: &str, indent: &str, items: &[String]) {
    if items.is_empty() {
        out.push_str(&format!("{parent}: []\n"));
        return;
    }
    out.push_str(&format!("{parent}:\n"));
    for item in items {
        out.push_str(&format!("{indent}- {item}\n"));
    }
}

/// A kubeadm `ClusterConfiguration` (v1beta3) setting `apiServer.extraArgs`.
///
/// v1beta3 `extraArgs` is a map, so only the first value of a repeated flag
/// is set; a comment above the key lists the others.
pub fn kubeadm_v1beta3(flags: &[Flag]) -> String {
    let mut out = String::from(
        "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n",
    );
    let style = MapStyle {
        comment: "#",
        advice: KUBEADM_ADVICE,
    };
    write_map(&mut out, "  extraArgs", "    ", flags, &style, None);
    out
}

/// A kubeadm `ClusterConfiguration` (v1beta4) setting `apiServer.extraArgs`
/// as a list of `{name, value}`, so repeated flags are all kept.
pub fn kubeadm_v1beta4(flags: &[Flag]) -> String {
    let mut out = String::from(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n",
    );
    let items: Vec<String> = flags
        .iter()
        .map(|flag| {
            format!(
                "name: {}\n      value: {}",
                quote(&flag.name),
                quote(&flag.value)
            )
        })
        .collect();
    write_list(&mut out, "  extraArgs", "    ", &items);
    out
}

/// A ytt overlay for Tanzu Kubernetes Grid (Cluster API) that adds or
/// replaces the flags in the `KubeadmControlPlane`'s
/// `spec.kubeadmConfigSpec.clusterConfiguration.apiServer.extraArgs`.
///
/// Every added key is annotated `missing_ok=True`, so it is added when
/// absent and replaced when present. `extraArgs` is a map there: only the
/// first value of a repeated flag is set, and a ytt comment (`#!`, as ytt
/// refuses plain `#` comments) lists the others.
pub fn ytt_overlay(flags: &[Flag]) -> String {
    const MISSING_OK: &str = "#@overlay/match missing_ok=True";
    let mut out = String::new();
    out.push_str("#@ load(\"@ytt:overlay\", \"overlay\")\n");
    out.push_str("#@overlay/match by=overlay.subset({\"kind\":\"KubeadmControlPlane\"})\n");
    out.push_str("---\n");
    out.push_str("spec:\n");
    out.push_str("  kubeadmConfigSpec:\n");
    out.push_str(&format!("    {MISSING_OK}\n    clusterConfiguration:\n"));
    out.push_str(&format!("      {MISSING_OK}\n      apiServer:\n"));
    out.push_str(&format!("        {MISSING_OK}\n"));
    let style = MapStyle {
        comment: "#!",
        advice: KUBEADM_ADVICE,
    };
    write_map(
        &mut out,
        "        extraArgs",
        "          ",
        flags,
        &style,
        Some(MISSING_OK),
    );
    out
}

/// A Talos machine-config patch setting `cluster.apiServer.extraArgs`.
///
/// Talos `extraArgs` is a map: only the first value of a repeated flag is
/// set, and a comment above the key lists the others.
pub fn talos_patch(flags: &[Flag]) -> String {
    let mut out = String::from("cluster:\n  apiServer:\n");
    let style = MapStyle {
        comment: "#",
        advice: "Talos cannot repeat a flag here; tokens that rely on these values will not \
                 validate.",
    };
    write_map(&mut out, "    extraArgs", "      ", flags, &style, None);
    out
}

/// A k3s / RKE2 `config.yaml` fragment: `kube-apiserver-arg` as a list of
/// `"name=value"` strings; repeated flags are all kept.
pub fn k3s_config(flags: &[Flag]) -> String {
    let items: Vec<String> = flags
        .iter()
        .map(|flag| quote(&format!("{}={}", flag.name, flag.value)))
        .collect();
    let mut out = String::new();
    write_list(&mut out, "kube-apiserver-arg", "  ", &items);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::assert_golden;
    use serde_yaml::Value;

    const NEW: &str = "https://oidc.example.com/cluster-a";
    const OLD: &str = "https://old.example.com/cluster-a";

    /// A migration: two previous issuers, a JWKS URI, two key files.
    fn migration() -> FlagsInput {
        FlagsInput {
            issuer_url: NEW.to_string(),
            jwks_uri: Some(format!("{NEW}/openid/v1/jwks")),
            previous_issuers: vec![DEFAULT_PREVIOUS_ISSUER.to_string(), OLD.to_string()],
            api_audiences: None,
            signing_key_file: Some("/etc/kubernetes/pki/sa.key".to_string()),
            key_files: vec![
                "/etc/kubernetes/pki/sa.pub".to_string(),
                "/etc/kubernetes/pki/sa-next.pub".to_string(),
            ],
        }
    }

    /// `(name, value)` pairs, for compact assertions.
    fn pairs(flags: &[Flag]) -> Vec<(&str, &str)> {
        flags
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect()
    }

    /// Parses YAML, panicking with the text on failure.
    fn yaml(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap_or_else(|e| panic!("invalid YAML ({e}):\n{text}"))
    }

    /// The string entries of a YAML map, in document order.
    fn string_map(value: &Value) -> Vec<(String, String)> {
        value
            .as_mapping()
            .expect("a map")
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().expect("string key").to_string(),
                    v.as_str().expect("string value").to_string(),
                )
            })
            .collect()
    }

    /// The first value of each flag name, in order of first appearance.
    fn first_values(flags: &[Flag]) -> Vec<(String, String)> {
        map_entries(flags)
            .iter()
            .map(|e| (e.name.to_string(), e.value.to_string()))
            .collect()
    }

    /// Flags whose values need escaping in YAML.
    fn awkward_flags() -> Vec<Flag> {
        [
            ("service-account-issuer", "https://a.example/x"),
            (
                "service-account-issuer",
                "https://b.example/\"quoted\"\\back",
            ),
            ("api-audiences", "a,b: c # not a comment, 'single'"),
            ("odd", "line\nbreak\ttab\u{7f}\u{2028}é✓"),
            ("true", "yes"),
            ("service-account-key-file", "- [not] {a: list}"),
        ]
        .into_iter()
        .map(|(n, v)| Flag::new(n, v))
        .collect()
    }

    #[test]
    fn flags_in_order() {
        assert_eq!(
            pairs(&apiserver_flags(&migration())),
            [
                ("service-account-issuer", NEW),
                ("service-account-issuer", DEFAULT_PREVIOUS_ISSUER),
                ("service-account-issuer", OLD),
                (
                    "service-account-jwks-uri",
                    "https://oidc.example.com/cluster-a/openid/v1/jwks"
                ),
                (
                    "api-audiences",
                    "https://kubernetes.default.svc.cluster.local,https://old.example.com/cluster-a,https://oidc.example.com/cluster-a"
                ),
                ("service-account-signing-key-file", "/etc/kubernetes/pki/sa.key"),
                ("service-account-key-file", "/etc/kubernetes/pki/sa.pub"),
                ("service-account-key-file", "/etc/kubernetes/pki/sa-next.pub"),
            ]
        );
    }

    #[test]
    fn minimal_input() {
        let input = FlagsInput {
            issuer_url: NEW.to_string(),
            ..FlagsInput::default()
        };
        assert_eq!(
            pairs(&apiserver_flags(&input)),
            [("service-account-issuer", NEW), ("api-audiences", NEW)]
        );
        let empty_strings = FlagsInput {
            jwks_uri: Some(String::new()),
            signing_key_file: Some(String::new()),
            key_files: vec![String::new()],
            previous_issuers: vec![String::new()],
            api_audiences: Some(vec![]),
            ..input.clone()
        };
        assert_eq!(apiserver_flags(&empty_strings), apiserver_flags(&input));
    }

    #[test]
    fn previous_issuers_skip_the_new_one_and_repeats() {
        let input = FlagsInput {
            previous_issuers: vec![
                OLD.into(),
                NEW.into(),
                DEFAULT_PREVIOUS_ISSUER.into(),
                OLD.into(),
            ],
            key_files: vec!["/a".into(), "/a".into()],
            ..migration()
        };
        let flags = apiserver_flags(&input);
        let issuers: Vec<&str> = flags
            .iter()
            .filter(|f| f.name == "service-account-issuer")
            .map(|f| f.value.as_str())
            .collect();
        assert_eq!(issuers, [NEW, OLD, DEFAULT_PREVIOUS_ISSUER]);
        assert_eq!(
            flags
                .iter()
                .filter(|f| f.name == "service-account-key-file")
                .count(),
            1
        );
    }

    #[test]
    fn default_audiences_keep_old_tokens_valid() {
        let previous = vec![DEFAULT_PREVIOUS_ISSUER.to_string(), NEW.to_string()];
        assert_eq!(
            default_api_audiences(NEW, &previous),
            [DEFAULT_PREVIOUS_ISSUER, NEW]
        );
        assert_eq!(default_api_audiences(NEW, &[]), [NEW]);
    }

    #[test]
    fn explicit_audiences_are_used() {
        let input = FlagsInput {
            api_audiences: Some(vec!["sts.amazonaws.com".into(), NEW.into(), NEW.into()]),
            ..migration()
        };
        let flags = apiserver_flags(&input);
        let audiences = flags
            .iter()
            .find(|f| f.name == "api-audiences")
            .expect("set");
        assert_eq!(audiences.value, format!("sts.amazonaws.com,{NEW}"));
    }

    #[test]
    fn args() {
        let flags = apiserver_flags(&migration());
        let args = flag_args(&flags);
        assert_eq!(args.len(), flags.len());
        assert_eq!(args[0], format!("--service-account-issuer={NEW}"));
        assert_eq!(
            args[7],
            "--service-account-key-file=/etc/kubernetes/pki/sa-next.pub"
        );
    }

    #[test]
    fn goldens() {
        let flags = apiserver_flags(&migration());
        assert_golden("kubeadm_v1beta3.yaml", &kubeadm_v1beta3(&flags));
        assert_golden("kubeadm_v1beta4.yaml", &kubeadm_v1beta4(&flags));
        assert_golden("ytt_overlay.yaml", &ytt_overlay(&flags));
        assert_golden("talos_patch.yaml", &talos_patch(&flags));
        assert_golden("k3s_config.yaml", &k3s_config(&flags));
    }

    #[test]
    fn kubeadm_v1beta3_is_a_map_with_first_values() {
        for flags in [apiserver_flags(&migration()), awkward_flags()] {
            let text = kubeadm_v1beta3(&flags);
            let doc = yaml(&text);
            assert_eq!(doc["apiVersion"], "kubeadm.k8s.io/v1beta3");
            assert_eq!(doc["kind"], "ClusterConfiguration");
            assert_eq!(
                string_map(&doc["apiServer"]["extraArgs"]),
                first_values(&flags)
            );
        }
    }

    /// The comment lines (marker stripped) directly above the line
    /// `key_line`, skipping a ytt annotation in between.
    fn comment_above(text: &str, key_line: &str, marker: &str) -> Vec<String> {
        let lines: Vec<&str> = text.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.trim() == key_line)
            .unwrap_or_else(|| panic!("no {key_line:?} in\n{text}"));
        let mut above: Vec<String> = lines[..at]
            .iter()
            .rev()
            .map(|l| l.trim())
            .skip_while(|l| l.starts_with("#@"))
            .take_while(|l| l.starts_with(marker))
            .map(|l| l[marker.len()..].trim().to_string())
            .collect();
        above.reverse();
        above
    }

    #[test]
    fn map_formats_comment_on_dropped_values_above_the_key() {
        let flags = apiserver_flags(&migration());
        for (text, marker, advice) in [
            (kubeadm_v1beta3(&flags), "#", "kubeadm v1beta4"),
            (talos_patch(&flags), "#", "Talos cannot repeat a flag"),
            (ytt_overlay(&flags), "#!", "kubeadm v1beta4"),
        ] {
            let issuers =
                comment_above(&text, &format!("service-account-issuer: \"{NEW}\""), marker);
            assert!(issuers[0].contains("--service-account-issuer"), "{text}");
            assert!(
                issuers.contains(&format!("\"{DEFAULT_PREVIOUS_ISSUER}\"")),
                "{text}"
            );
            assert!(issuers.contains(&format!("\"{OLD}\"")), "{text}");
            assert!(!issuers.iter().any(|l| l.contains(NEW)), "{text}");
            assert!(issuers.last().expect("advice").contains(advice), "{text}");

            let key_files = comment_above(
                &text,
                "service-account-key-file: \"/etc/kubernetes/pki/sa.pub\"",
                marker,
            );
            assert!(
                key_files.contains(&"\"/etc/kubernetes/pki/sa-next.pub\"".to_string()),
                "{text}"
            );

            let single = comment_above(
                &text,
                "service-account-signing-key-file: \"/etc/kubernetes/pki/sa.key\"",
                marker,
            );
            assert!(single.is_empty(), "{text}");
        }
        let minimal = apiserver_flags(&FlagsInput {
            issuer_url: NEW.into(),
            ..FlagsInput::default()
        });
        assert!(!kubeadm_v1beta3(&minimal).contains('#'));
        assert!(!talos_patch(&minimal).contains('#'));
    }

    #[test]
    fn kubeadm_v1beta4_keeps_repeats_in_order() {
        for flags in [apiserver_flags(&migration()), awkward_flags()] {
            let doc = yaml(&kubeadm_v1beta4(&flags));
            assert_eq!(doc["apiVersion"], "kubeadm.k8s.io/v1beta4");
            assert_eq!(doc["kind"], "ClusterConfiguration");
            let items = doc["apiServer"]["extraArgs"].as_sequence().expect("a list");
            let parsed: Vec<Flag> = items
                .iter()
                .map(|item| {
                    Flag::new(
                        item["name"].as_str().expect("name"),
                        item["value"].as_str().expect("value"),
                    )
                })
                .collect();
            assert_eq!(parsed, flags);
        }
        let doc = yaml(&kubeadm_v1beta4(&apiserver_flags(&migration())));
        let issuers: Vec<&str> = doc["apiServer"]["extraArgs"]
            .as_sequence()
            .expect("a list")
            .iter()
            .filter(|i| i["name"] == "service-account-issuer")
            .map(|i| i["value"].as_str().expect("value"))
            .collect();
        assert_eq!(issuers, [NEW, DEFAULT_PREVIOUS_ISSUER, OLD]);
    }

    #[test]
    fn ytt_overlay_shape() {
        for flags in [apiserver_flags(&migration()), awkward_flags()] {
            let text = ytt_overlay(&flags);
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines[0], "#@ load(\"@ytt:overlay\", \"overlay\")");
            assert_eq!(
                lines[1],
                "#@overlay/match by=overlay.subset({\"kind\":\"KubeadmControlPlane\"})"
            );
            assert_eq!(lines[2], "---");
            // ytt refuses plain YAML comments: only #@ and #! are allowed.
            for line in &lines {
                let trimmed = line.trim_start();
                if trimmed.starts_with('#') {
                    assert!(
                        trimmed.starts_with("#@") || trimmed.starts_with("#!"),
                        "{line}"
                    );
                }
            }
            // Every extraArgs key is directly preceded by missing_ok.
            let args_at = lines
                .iter()
                .position(|l| l.trim() == "extraArgs:")
                .expect("extraArgs");
            for (i, line) in lines.iter().enumerate().skip(args_at + 1) {
                if !line.trim_start().starts_with('#') {
                    assert_eq!(lines[i - 1].trim(), "#@overlay/match missing_ok=True");
                }
            }
            let doc = yaml(&text);
            let args =
                &doc["spec"]["kubeadmConfigSpec"]["clusterConfiguration"]["apiServer"]["extraArgs"];
            assert_eq!(string_map(args), first_values(&flags));
        }
    }

    #[test]
    fn talos_patch_shape() {
        for flags in [apiserver_flags(&migration()), awkward_flags()] {
            let doc = yaml(&talos_patch(&flags));
            assert_eq!(
                string_map(&doc["cluster"]["apiServer"]["extraArgs"]),
                first_values(&flags)
            );
        }
    }

    #[test]
    fn k3s_config_keeps_repeats_in_order() {
        for flags in [apiserver_flags(&migration()), awkward_flags()] {
            let doc = yaml(&k3s_config(&flags));
            let items: Vec<&str> = doc["kube-apiserver-arg"]
                .as_sequence()
                .expect("a list")
                .iter()
                .map(|i| i.as_str().expect("string"))
                .collect();
            let expected: Vec<String> = flags
                .iter()
                .map(|f| format!("{}={}", f.name, f.value))
                .collect();
            assert_eq!(items, expected);
        }
    }

    #[test]
    fn no_flags_renders_empty_collections() {
        let renderings = [
            (kubeadm_v1beta3(&[]), vec!["apiServer", "extraArgs"]),
            (kubeadm_v1beta4(&[]), vec!["apiServer", "extraArgs"]),
            (
                ytt_overlay(&[]),
                vec![
                    "spec",
                    "kubeadmConfigSpec",
                    "clusterConfiguration",
                    "apiServer",
                    "extraArgs",
                ],
            ),
            (talos_patch(&[]), vec!["cluster", "apiServer", "extraArgs"]),
            (k3s_config(&[]), vec!["kube-apiserver-arg"]),
        ];
        for (text, path) in renderings {
            let doc = yaml(&text);
            let node = path.iter().fold(&doc, |node, key| &node[*key]);
            let empty = match node {
                Value::Mapping(m) => m.is_empty(),
                Value::Sequence(s) => s.is_empty(),
                _ => false,
            };
            assert!(empty, "{text}");
        }
    }

    #[test]
    fn every_rendering_ends_with_a_newline() {
        let flags = apiserver_flags(&migration());
        for text in [
            kubeadm_v1beta3(&flags),
            kubeadm_v1beta4(&flags),
            ytt_overlay(&flags),
            talos_patch(&flags),
            k3s_config(&flags),
        ] {
            assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{text}");
        }
    }

    #[test]
    fn quoting_is_valid_json() {
        for flag in awkward_flags() {
            let quoted = quote(&flag.value);
            let back: String = serde_json::from_str(&quoted).expect("valid JSON string");
            assert_eq!(back, flag.value);
        }
        assert_eq!(key("service-account-issuer"), "service-account-issuer");
        assert_eq!(key("true"), "\"true\"");
        assert_eq!(key("v"), "\"v\"");
    }
}
