//! The one-way data flow of ARCHITECTURE.md, checked on the source: each
//! layer uses only the layers above it in this list.
//!
//! ```text
//! error → model → geodesy → propagation → engine → report → scorecard → planning → io → synth → lib.rs → cli → bin
//! ```
//!
//! Doc comments and ordinary comments may name any module (a link is not a
//! dependency); code may not.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first.
const ORDER: [&str; 13] = [
    "error",
    "model",
    "geodesy",
    "propagation",
    "engine",
    "report",
    "scorecard",
    "planning",
    "io",
    "synth",
    "lib",
    "cli",
    "bin",
];

/// What a `crate::NAME` path refers to: a module, or an item the facade
/// re-exports from one.
fn layer_of_crate_item(name: &str) -> &'static str {
    match name {
        "error" | "Error" | "Result" => "error",
        "model" => "model",
        "geodesy" => "geodesy",
        "propagation" => "propagation",
        "engine" | "demand" | "Options" | "Lookup" | "Sampling" | "Progress" => "engine",
        "report" | "Report" => "report",
        "scorecard" => "scorecard",
        "planning" => "planning",
        "io" => "io",
        "synth" => "synth",
        "cli" => "cli",
        _ => "lib",
    }
}

/// The layer a source file belongs to.
fn layer_of_file(rel: &Path) -> &'static str {
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    let first = first.trim_end_matches(".rs");
    ORDER
        .iter()
        .find(|l| **l == first)
        .copied()
        .unwrap_or_else(|| panic!("{} belongs to no layer: add it to ORDER", rel.display()))
}

fn rank(layer: &str) -> usize {
    ORDER.iter().position(|l| *l == layer).unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::NAME` used by code lines (comments skipped).
fn crate_uses(text: &str) -> BTreeSet<(usize, String)> {
    let mut found = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert((n + 1, name));
            } else if let Some(braced) = after.strip_prefix('{') {
                // `use crate::{a, b}`: every name in the braces
                let inner = braced.split('}').next().unwrap_or("");
                for part in inner.split(',') {
                    let name: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        found.insert((n + 1, name));
                    }
                }
            }
            rest = &rest[i + "crate::".len()..];
        }
    }
    found
}

#[test]
fn no_module_imports_a_layer_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let own = layer_of_file(rel);
        let text = std::fs::read_to_string(file).unwrap();
        for (line, name) in crate_uses(&text) {
            let used = layer_of_crate_item(&name);
            // `io::output` keeps an earlier path of the facade's
            // `report_scenario`: a re-export, which runs nothing
            if rel == Path::new("io/mod.rs") && name == "report_scenario" {
                continue;
            }
            let allowed = match own {
                // plain data: nothing but the error type
                "model" => matches!(used, "error" | "model"),
                _ => rank(used) <= rank(own),
            };
            if !allowed {
                violations.push(format!(
                    "src/{}:{line}: {own} uses crate::{name} ({used})",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports against the data flow:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_checker_sees_an_upward_import() {
    let uses = crate_uses("use crate::{io::write, model::Site};\n// crate::planning\nlet x = crate::report::pct(1.0, 2.0);");
    let names: Vec<&str> = uses.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["io", "model", "report"]);
    assert!(rank(layer_of_crate_item("io")) > rank("engine"));
    assert_eq!(layer_of_file(Path::new("engine/rows.rs")), "engine");
    assert_eq!(layer_of_file(Path::new("report.rs")), "report");
}
