//! The docs under docs/ are generated from the provider schema, as Terraform
//! itself reports it (`terraform providers schema -json`), and from the files
//! under examples/ and templates/: each resource's Import section from its
//! `import-by-string-id.tf` and `import.sh`; one guide per workflow of
//! examples/workflows/ (its README and configuration), and the guides of
//! templates/guides/ as they are, in docs/guides/. This test fails when the
//! committed docs differ from what it generates; `make docs` (UPDATE_DOCS=1)
//! rewrites them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value as Json;

use crate::support::{repo_root, Install, TfVersion, Workdir};

fn provider_schema() -> Json {
    let wd = Workdir::new(TfVersion::Current, Install::Mirror);
    wd.write(
        "main.tf",
        "terraform {\n  required_providers {\n    irsa = { source = \"irsa/irsa\" }\n  }\n}\n",
    );
    wd.init_ok();
    let out = wd.run(&["providers", "schema", "-json"]).assert_success();
    let all: Json = serde_json::from_str(&out.stdout).unwrap();
    all["provider_schemas"]["registry.terraform.io/irsa/irsa"].clone()
}

fn read_optional(rel: &str) -> Option<String> {
    std::fs::read_to_string(repo_root().join(rel)).ok()
}

fn type_label(t: &Json) -> String {
    match t {
        Json::String(s) => capitalise(s),
        Json::Array(a) => {
            let kind = a[0].as_str().unwrap();
            match kind {
                "list" | "set" | "map" => format!("{} of {}", capitalise(kind), type_label(&a[1])),
                "object" => "Object".into(),
                other => capitalise(other),
            }
        }
        _ => "Dynamic".into(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// One "Schema" section for a block, with nested blocks after it.
fn render_block(out: &mut String, block: &Json, heading: &str, anchor_prefix: &str) {
    let empty = serde_json::Map::new();
    let attrs = block["attributes"].as_object().unwrap_or(&empty);
    let blocks = block["block_types"].as_object().unwrap_or(&empty);
    let mut groups: BTreeMap<u8, Vec<String>> = BTreeMap::new();
    for (name, a) in attrs {
        let group = if a["required"] == true {
            0
        } else if a["optional"] == true {
            1
        } else {
            2
        };
        let mut label = type_label(&a["type"]);
        if a["sensitive"] == true {
            label.push_str(", Sensitive");
        }
        if a["write_only"] == true {
            label.push_str(", Write-only on Terraform 1.11+");
        }
        let desc = a["description"].as_str().unwrap_or("").replace('\n', " ");
        groups
            .entry(group)
            .or_default()
            .push(format!("- `{name}` ({label}) {desc}"));
    }
    for (name, b) in blocks {
        let group = if b["min_items"].as_u64().unwrap_or(0) > 0 {
            0
        } else {
            1
        };
        let max = if b["max_items"] == 1 { ", Max: 1" } else { "" };
        groups.entry(group).or_default().push(format!(
            "- `{name}` (Block{max}) {} (see [below for nested schema](#nestedblock--{anchor_prefix}{name}))",
            b["block"]["description"].as_str().unwrap_or("").replace('\n', " ")
        ));
    }
    writeln!(out, "{heading}\n").unwrap();
    for (group, lines) in &groups {
        let title = ["Required", "Optional", "Read-Only"][*group as usize];
        writeln!(out, "### {title}\n").unwrap();
        for l in lines {
            writeln!(out, "{l}").unwrap();
        }
        writeln!(out).unwrap();
    }
    for (name, b) in blocks {
        let anchor = format!("{anchor_prefix}{name}");
        let heading = format!(
            "<a id=\"nestedblock--{anchor}\"></a>\n### Nested Schema for `{}`",
            anchor.replace("--", ".")
        );
        render_block(out, &b["block"], &heading, &format!("{anchor}--"));
    }
}

fn front_matter(title: &str, description: &str) -> String {
    let first = description
        .split(". ")
        .next()
        .unwrap_or(description)
        .trim_end_matches('.');
    format!("---\npage_title: \"{title}\"\ndescription: |-\n  {first}.\n---\n\n")
}

fn example(out: &mut String, rel: &str, lang: &str, heading: &str) {
    if let Some(text) = read_optional(rel) {
        writeln!(out, "## {heading}\n\n```{lang}\n{}\n```\n", text.trim_end()).unwrap();
    }
}

fn render_page(kind: &str, name: &str, schema: &Json) -> String {
    let short = name.trim_start_matches("irsa_");
    let (kind_title, example_dir, example_file) = match kind {
        "resources" => ("Resource", "resources", "resource.tf"),
        _ => ("Data Source", "data-sources", "data-source.tf"),
    };
    let description = schema["block"]["description"].as_str().unwrap_or("");
    let mut out = front_matter(&format!("{name} {kind_title} - irsa"), description);
    writeln!(out, "# {name} ({kind_title})\n\n{description}\n").unwrap();
    if let Some(extra) = read_optional(&format!("templates/{kind}/{short}.md")) {
        writeln!(out, "{}\n", extra.trim_end()).unwrap();
    }
    example(
        &mut out,
        &format!("examples/{example_dir}/{name}/{example_file}"),
        "terraform",
        "Example Usage",
    );
    render_block(&mut out, &schema["block"], "## Schema", "");
    if kind == "resources" {
        import_section(&mut out, name);
    }
    out.trim_end().to_owned() + "\n"
}

/// A function's page, in the registry's layout: the description, the
/// example, the signature and the arguments, all from the schema Terraform
/// reports (`functions` in `terraform providers schema -json`).
fn render_function(name: &str, f: &Json) -> String {
    let summary = f["summary"].as_str().unwrap_or("");
    let description = f["description"].as_str().unwrap_or("");
    let mut out = format!(
        "---\npage_title: \"{name} function - irsa\"\nsubcategory: \"\"\ndescription: |-\n  {summary}\n---\n\n"
    );
    writeln!(out, "# function: {name}\n\n{description}\n").unwrap();
    example(
        &mut out,
        &format!("examples/functions/{name}/function.tf"),
        "terraform",
        "Example Usage",
    );
    let params: Vec<&Json> = f["parameters"].as_array().into_iter().flatten().collect();
    let variadic = f.get("variadic_parameter").filter(|v| !v.is_null());
    let type_name = |t: &Json| type_label(t).to_lowercase();
    let mut sig: Vec<String> = params
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["name"].as_str().unwrap_or(""),
                type_name(&p["type"])
            )
        })
        .collect();
    if let Some(v) = variadic {
        sig.push(format!(
            "{} ...{}",
            v["name"].as_str().unwrap_or(""),
            type_name(&v["type"])
        ));
    }
    writeln!(
        out,
        "## Signature\n\n```text\n{name}({}) {}\n```\n",
        sig.join(", "),
        type_name(&f["return_type"])
    )
    .unwrap();
    writeln!(out, "## Arguments\n").unwrap();
    for (i, p) in params.iter().enumerate() {
        writeln!(
            out,
            "{}. `{}` ({}) {}",
            i + 1,
            p["name"].as_str().unwrap_or(""),
            type_label(&p["type"]),
            p["description"].as_str().unwrap_or("")
        )
        .unwrap();
    }
    if let Some(v) = variadic {
        writeln!(
            out,
            "{}. `{}` (Variadic, {}) {}",
            params.len() + 1,
            v["name"].as_str().unwrap_or(""),
            type_label(&v["type"]),
            v["description"].as_str().unwrap_or("")
        )
        .unwrap();
    }
    out.trim_end().to_owned() + "\n"
}

/// The Import section: the `import` block of `import-by-string-id.tf`
/// (Terraform 1.5 and later), then the `terraform import` command of
/// `import.sh`, as terraform-plugin-docs lays them out.
fn import_section(out: &mut String, name: &str) {
    let dir = format!("examples/resources/{name}");
    let block = read_optional(&format!("{dir}/import-by-string-id.tf"));
    let command = read_optional(&format!("{dir}/import.sh"));
    if block.is_none() && command.is_none() {
        return;
    }
    writeln!(out, "## Import\n").unwrap();
    if let Some(block) = block {
        writeln!(
            out,
            "In Terraform v1.5.0 and later, use an [`import` block](https://developer.hashicorp.com/terraform/language/import) \
             to import `{name}`, for example:\n\n```terraform\n{}\n```\n",
            block.trim_end()
        )
        .unwrap();
    }
    if let Some(command) = command {
        writeln!(
            out,
            "The [`terraform import` command](https://developer.hashicorp.com/terraform/cli/commands/import) can also be \
             used, for example:\n\n```shell\n{}\n```\n",
            command.trim_end()
        )
        .unwrap();
    }
}

/// The address and id of the `terraform import <address> <id>` line of an
/// `import.sh`.
fn command_target(text: &str) -> Option<(String, String)> {
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("terraform import "))?;
    let mut words = line.split_whitespace();
    Some((words.next()?.to_owned(), words.next()?.to_owned()))
}

/// The `to` and `id` of the one `import` block of an
/// `import-by-string-id.tf`.
fn block_target(text: &str) -> Option<(String, String)> {
    let value = |key: &str| {
        text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
        })
    };
    Some((value("to")?, value("id")?))
}

fn render_index(schema: &Json) -> String {
    let description = schema["provider"]["block"]["description"]
        .as_str()
        .unwrap_or("");
    let mut out = front_matter("irsa Provider", description);
    writeln!(out, "# irsa Provider\n\n{description}\n").unwrap();
    if let Some(extra) = read_optional("templates/index.md") {
        writeln!(out, "{}\n", extra.trim_end()).unwrap();
    }
    example(
        &mut out,
        "examples/provider/provider.tf",
        "terraform",
        "Example Usage",
    );
    render_block(&mut out, &schema["provider"]["block"], "## Schema", "");
    out.trim_end().to_owned() + "\n"
}

/// One guide per workflow under `examples/workflows/`: its README, then the
/// configuration itself, so the guide shows exactly what the end-to-end
/// tests apply.
fn workflow_guides() -> BTreeMap<String, String> {
    let dir = repo_root().join("examples/workflows");
    let mut guides = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let readme = std::fs::read_to_string(entry.path().join("README.md"))
            .unwrap_or_else(|e| panic!("examples/workflows/{name}/README.md: {e}"));
        let (title, body) = readme
            .strip_prefix("# ")
            .and_then(|r| r.split_once('\n'))
            .unwrap_or_else(|| {
                panic!("examples/workflows/{name}/README.md starts with no # title")
            });
        let summary = body
            .trim_start()
            .split("\n\n")
            .next()
            .unwrap_or("")
            .replace('\n', " ");
        let mut out = front_matter(&format!("{title} - irsa"), &summary).replacen(
            "\ndescription:",
            "\nsubcategory: \"Workflows\"\ndescription:",
            1,
        );
        writeln!(out, "# {title}\n\n{}\n", body.trim()).unwrap();
        writeln!(
            out,
            "## Configuration\n\nThe complete root module, `examples/workflows/{name}/`.\n"
        )
        .unwrap();
        for file in ["main.tf", "check.tf", "variables.tf", "outputs.tf"] {
            if let Some(text) = read_optional(&format!("examples/workflows/{name}/{file}")) {
                writeln!(
                    out,
                    "### `{file}`\n\n```terraform\n{}\n```\n",
                    text.trim_end()
                )
                .unwrap();
            }
        }
        guides.insert(name, out.trim_end().to_owned() + "\n");
    }
    guides
}

fn expected_docs() -> BTreeMap<String, String> {
    let schema = provider_schema();
    let mut docs = BTreeMap::new();
    docs.insert("docs/index.md".to_owned(), render_index(&schema));
    for (kind, key) in [
        ("resources", "resource_schemas"),
        ("data-sources", "data_source_schemas"),
    ] {
        for (name, s) in schema[key].as_object().into_iter().flatten() {
            let path = format!("docs/{kind}/{}.md", name.trim_start_matches("irsa_"));
            docs.insert(path, render_page(kind, name, s));
        }
    }
    for (name, f) in schema["functions"].as_object().into_iter().flatten() {
        docs.insert(
            format!("docs/functions/{name}.md"),
            render_function(name, f),
        );
    }
    for (name, page) in workflow_guides() {
        docs.insert(format!("docs/guides/{name}.md"), page);
    }
    if let Ok(entries) = std::fs::read_dir(repo_root().join("templates/guides")) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            docs.insert(
                format!("docs/guides/{name}"),
                std::fs::read_to_string(e.path()).unwrap(),
            );
        }
    }
    docs
}

fn committed_docs(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for dir in [
        "docs",
        "docs/resources",
        "docs/data-sources",
        "docs/functions",
        "docs/guides",
    ] {
        for e in std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            if e.path().is_file() {
                let rel = format!("{dir}/{}", e.file_name().to_string_lossy());
                out.insert(rel, std::fs::read_to_string(e.path()).unwrap());
            }
        }
    }
    out
}

#[test]
fn committed_docs_match_the_schema_and_examples() {
    let expected = expected_docs();
    let root = repo_root();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        for (path, _) in committed_docs(&root) {
            if !expected.contains_key(&path) {
                std::fs::remove_file(root.join(&path)).unwrap();
            }
        }
        for (path, text) in &expected {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        return;
    }
    let committed = committed_docs(&root);
    let stale: Vec<&String> = expected
        .iter()
        .filter(|(p, t)| committed.get(*p) != Some(t))
        .map(|(p, _)| p)
        .chain(committed.keys().filter(|p| !expected.contains_key(*p)))
        .collect();
    assert!(
        stale.is_empty(),
        "docs out of date (run `make docs`): {stale:?}"
    );
}

#[test]
fn every_resource_and_data_source_has_an_example() {
    let schema = provider_schema();
    let mut missing = vec![];
    for (dir, key, file) in [
        ("resources", "resource_schemas", "resource.tf"),
        ("data-sources", "data_source_schemas", "data-source.tf"),
    ] {
        for name in schema[key]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            let rel = format!("examples/{dir}/{name}/{file}");
            if read_optional(&rel).is_none() {
                missing.push(rel);
            }
            if dir == "resources" {
                for file in ["import.sh", "import-by-string-id.tf"] {
                    let rel = format!("examples/{dir}/{name}/{file}");
                    if read_optional(&rel).is_none() {
                        missing.push(rel);
                    }
                }
            }
        }
    }
    for name in schema["functions"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
    {
        let rel = format!("examples/functions/{name}/function.tf");
        if read_optional(&rel).is_none() {
            missing.push(rel);
        }
    }
    assert!(
        schema["functions"]
            .as_object()
            .is_some_and(|f| !f.is_empty()),
        "the provider schema lists no functions"
    );
    assert!(
        read_optional("examples/provider/provider.tf").is_some(),
        "examples/provider/provider.tf"
    );
    assert!(missing.is_empty(), "missing examples: {missing:?}");
}

/// The two forms of each Import section name the same address and id.
#[test]
fn import_blocks_and_import_commands_agree() {
    let dir = repo_root().join("examples/resources");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = |file: &str| format!("examples/resources/{name}/{file}");
        let (Some(command), Some(block)) = (
            read_optional(&rel("import.sh")),
            read_optional(&rel("import-by-string-id.tf")),
        ) else {
            continue;
        };
        let from_command = command_target(&command).unwrap_or_else(|| {
            panic!(
                "no `terraform import <address> <id>` in {}",
                rel("import.sh")
            )
        });
        let from_block = block_target(&block)
            .unwrap_or_else(|| panic!("no `to` and `id` in {}", rel("import-by-string-id.tf")));
        assert_eq!(from_block, from_command, "{name}");
        assert!(
            from_block.0.starts_with(&format!("{name}.")),
            "{name}: {from_block:?}"
        );
        checked += 1;
    }
    assert!(checked > 0, "no import examples under {}", dir.display());
}

#[test]
fn every_workflow_has_a_readme_and_an_end_to_end_test() {
    let tests = read_optional("tests/integration/e2e_workflows.rs").unwrap_or_default();
    let mut missing = vec![];
    for entry in std::fs::read_dir(repo_root().join("examples/workflows"))
        .unwrap()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.path().join("README.md").is_file() {
            missing.push(format!("examples/workflows/{name}/README.md"));
        }
        if !tests.contains(&format!("workflow(moto, version, \"{name}\")")) {
            missing.push(format!(
                "a test applying {name} in tests/integration/e2e_workflows.rs"
            ));
        }
    }
    assert!(missing.is_empty(), "missing: {missing:?}");
}
