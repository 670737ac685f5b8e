//! The dependency arrows of [`crate`] (documented in `lib.rs`), kept true by
//! a test that reads the `crate::` paths of every source file.

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    /// What each top-level module may name with `crate::`.
    const ALLOWED: &[(&str, &[&str])] = &[
        ("tfplugin", &[]),
        ("domain", &[]),
        ("framework", &["tfplugin"]),
        ("aws", &["domain"]),
        ("kube", &["domain"]),
        ("tls", &["domain"]),
        ("fetch", &["domain", "tls"]),
        (
            "cluster",
            &[
                "attributes",
                "context",
                "domain",
                "errors",
                "framework",
                "kube",
                "tfplugin",
            ],
        ),
        ("trust_check", &["aws", "domain", "fetch", "kube", "tls"]),
        ("cli", &["aws", "domain", "kube", "trust_check"]),
        ("errors", &["aws", "domain", "kube", "tfplugin", "tls"]),
        ("context", &["aws", "domain", "tfplugin"]),
        ("attributes", &["domain", "errors", "framework", "tfplugin"]),
        ("functions", &["domain", "tfplugin"]),
        (
            "resources",
            &[
                "attributes",
                "aws",
                "cluster",
                "context",
                "domain",
                "errors",
                "framework",
                "kube",
                "tfplugin",
                "tls",
            ],
        ),
        (
            "data_sources",
            &[
                "attributes",
                "aws",
                "cluster",
                "context",
                "domain",
                "errors",
                "framework",
                "kube",
                "tfplugin",
                "tls",
                "trust_check",
            ],
        ),
        (
            "provider",
            &[
                "attributes",
                "aws",
                "context",
                "data_sources",
                "domain",
                "errors",
                "framework",
                "functions",
                "resources",
                "tfplugin",
            ],
        ),
    ];

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The top-level module a file belongs to: `src/aws/s3.rs` -> `aws`.
    fn module_of(src: &Path, file: &Path) -> String {
        let rel = file.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        first.trim_end_matches(".rs").to_owned()
    }

    /// Every `crate::<module>` a file names, comments aside.
    fn named(text: &str, prefix: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for line in text.lines().map(str::trim).filter(|l| !l.starts_with("//")) {
            let mut rest = line;
            while let Some(i) = rest.find(prefix) {
                let after = &rest[i + prefix.len()..];
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
                rest = after;
            }
        }
        out
    }

    fn src() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
    }

    #[test]
    fn dependencies_flow_one_way() {
        let src = src();
        let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
        let mut files = Vec::new();
        sources(&src, &mut files);
        let mut wrong = Vec::new();
        for file in &files {
            let module = module_of(&src, file);
            if ["lib", "main", "layering"].contains(&module.as_str()) {
                continue;
            }
            let Some(may) = allowed.get(module.as_str()) else {
                panic!(
                    "{} is in no layer; add `{module}` to ALLOWED",
                    file.display()
                );
            };
            let text = std::fs::read_to_string(file).unwrap();
            for name in named(&text, "crate::") {
                if name != module && !may.contains(&name.as_str()) {
                    wrong.push(format!("{} names crate::{name}", file.display()));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "dependencies against the arrows:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn only_the_protocol_layer_names_protobuf_types() {
        let src = src();
        let mut files = Vec::new();
        sources(&src, &mut files);
        for file in files {
            if module_of(&src, &file) == "tfplugin" || file.ends_with("layering.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for banned in ["prost", "tonic", "proto::"] {
                assert!(
                    !text.contains(banned),
                    "{} names {banned}: protobuf types stay in tfplugin",
                    file.display()
                );
            }
        }
    }

    #[test]
    fn the_provider_is_imported_by_main_and_lib_only() {
        let src = src();
        let mut files = Vec::new();
        sources(&src, &mut files);
        for file in files {
            let module = module_of(&src, &file);
            if ["lib", "main", "provider", "layering"].contains(&module.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                !named(&text, "crate::").contains("provider"),
                "{} imports the provider module; share what it needs through context",
                file.display()
            );
        }
    }

    #[test]
    fn the_reader_sees_paths_in_code_and_skips_comments() {
        let text = "use crate::aws::s3;\n// crate::kube in a comment\nlet c = crate::domain::x();";
        let got: Vec<String> = named(text, "crate::").into_iter().collect();
        assert_eq!(got, vec!["aws", "domain"]);
    }
}
