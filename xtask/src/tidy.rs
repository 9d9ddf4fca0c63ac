//! `tidy`: the engine's layering rule, checked on the source text so that it cannot rot.
//!
//! The engine's top-level modules form layers, bottom to top (ARCHITECTURE.md states the rule):
//! a module may name (`crate::x`) only modules of its own layer or of layers below it. The
//! check reads every `.rs` file under `crates/engine/src`, strips comments, and resolves each
//! `crate::` path, including names re-exported at the crate root (`crate::Error`), to the
//! module that defines it. A new top-level module must be added to [`LAYERS`] to build.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The engine's layers, bottom to top. Modules in one layer may import each other.
pub(crate) const LAYERS: &[&[&str]] = &[
    &["error", "filter", "time"],
    &["input"],
    &["columns"],
    &["rules"],
    &["compute"],
    &["report"],
    &["analysis"],
    &["state"],
];

const ENGINE_SRC: &str = "crates/engine/src";

/// The `tidy` step: fails with every upward import in the engine.
pub(crate) fn layering(root: &Path) -> Result<()> {
    let src = root.join(ENGINE_SRC);
    let mut files = Vec::new();
    collect(&src, &src, &mut files)?;
    let lib = files
        .iter()
        .find(|(path, _)| path == "lib.rs")
        .map(|(_, text)| text.clone())
        .context("crates/engine/src/lib.rs not found")?;
    let problems = check(&lib, &files);
    if !problems.is_empty() {
        bail!(
            "the engine's layering is broken ({} import{} from a layer above; layers bottom to \
             top: {}):\n  {}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            layer_names(),
            problems.join("\n  ")
        );
    }
    println!(
        "tidy: {} engine files import only down the layers ({})",
        files.len(),
        layer_names()
    );
    Ok(())
}

fn layer_names() -> String {
    LAYERS
        .iter()
        .map(|layer| layer.join("/"))
        .collect::<Vec<_>>()
        .join(" < ")
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(std::fs::DirEntry::path);
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let relative = path.strip_prefix(root).unwrap_or(&path);
            out.push((relative.to_string_lossy().replace('\\', "/"), text));
        }
    }
    Ok(())
}

/// Every upward import among `files` (paths relative to the engine's `src`), as messages.
/// `lib` is lib.rs, whose `pub use` lines say which module a root re-export comes from.
pub(crate) fn check(lib: &str, files: &[(String, String)]) -> Vec<String> {
    let layer_of = |module: &str| LAYERS.iter().position(|layer| layer.contains(&module));
    let reexports = root_reexports(lib);
    let mut problems = Vec::new();
    for (path, text) in files {
        if path == "lib.rs" {
            continue;
        }
        let module = path
            .split('/')
            .next()
            .unwrap_or(path)
            .trim_end_matches(".rs");
        let Some(own) = layer_of(module) else {
            problems.push(format!(
                "{path}: module `{module}` is in no layer: add it to LAYERS in xtask/src/tidy.rs"
            ));
            continue;
        };
        for (line, name) in crate_paths(text) {
            // Items lib.rs defines itself (`VERSION`) are constants any layer may read.
            if defined_in_lib(lib, &name) {
                continue;
            }
            let target = reexports.get(name.as_str()).cloned().unwrap_or(name);
            match layer_of(&target) {
                Some(layer) if layer <= own => {}
                Some(_) => problems.push(format!(
                    "{path}:{line}: `{module}` imports `crate::{target}`, which is above it"
                )),
                None => problems.push(format!(
                    "{path}:{line}: `crate::{target}` is no layered module"
                )),
            }
        }
    }
    problems
}

/// Whether lib.rs itself defines `name` as a constant or static.
fn defined_in_lib(lib: &str, name: &str) -> bool {
    ["pub const ", "pub static "]
        .iter()
        .any(|keyword| lib.contains(&format!("{keyword}{name}:")))
}

/// Root re-exports (`pub use input::prune::Pruning;`, `pub use rules::quality;`, groups too)
/// mapped to the top-level module they come from.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let code = strip_comments(lib);
    let mut names = BTreeMap::new();
    for statement in code.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let rest = rest.trim().trim_start_matches("crate::");
        let Some((module, tail)) = rest.split_once("::") else {
            continue;
        };
        for word in tail.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if !word.is_empty() && word != "self" {
                names.insert(word.to_owned(), module.to_owned());
            }
        }
    }
    names
}

/// The first segment after every `crate::` in code (comments removed), with its line number;
/// `crate::{a::X, b}` gives `a` and `b`.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let code = strip_comments(text);
    let mut found = Vec::new();
    for (index, _) in code.match_indices("crate::") {
        // `coursepulse_crate::` or `my_crate::` are other paths.
        let before = code[..index].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let line = code[..index].matches('\n').count() + 1;
        let rest = &code[index + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut expecting = true;
            let mut word = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => expecting = true,
                    c if expecting && (c.is_alphanumeric() || c == '_') => word.push(c),
                    _ => {
                        if !word.is_empty() {
                            found.push((line, std::mem::take(&mut word)));
                            expecting = false;
                        }
                    }
                }
            }
            if !word.is_empty() {
                found.push((line, word));
            }
        } else {
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !word.is_empty() {
                found.push((line, word));
            }
        }
    }
    found
}

/// The text with `//` comments blanked (line count kept), so doc links do not count as imports.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string literal ("https://...") is rare in paths that matter; a
            // line is cut at its first `//` unless that sits inside quotes.
            Some(at) if line[..at].matches('"').count() % 2 == 0 => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIB: &str = "mod input;\npub use input::prune::Pruning;\npub use analysis::{Analysis, Source};\npub const VERSION: &str = \"1\";\n";

    fn check_one(path: &str, text: &str) -> Vec<String> {
        check(LIB, &[(path.to_owned(), text.to_owned())])
    }

    #[test]
    fn downward_and_sideways_imports_pass() {
        assert!(
            check_one(
                "compute/aggregate.rs",
                "use crate::input::prune::X;\nuse crate::compute::keys;\nuse crate::Pruning;"
            )
            .is_empty()
        );
        assert!(check_one("time.rs", "use crate::error::{Error, Result};").is_empty());
        assert!(check_one("state/mod.rs", "use crate::Analysis;").is_empty());
        assert!(check_one("input/csv.rs", "let v = crate::VERSION;").is_empty());
    }

    /// The regression this check exists for: `prune` once took a constant from `aggregate`.
    #[test]
    fn an_upward_import_fails_with_its_place() {
        let problems = check_one(
            "input/prune.rs",
            "use crate::error::Error;\n\nuse crate::compute::aggregate::MICROS_PER_DAY;\n",
        );
        assert_eq!(
            problems,
            vec!["input/prune.rs:3: `input` imports `crate::compute`, which is above it"]
        );
    }

    #[test]
    fn grouped_reexported_and_unknown_paths_are_resolved() {
        let problems = check_one(
            "input/read.rs",
            "use crate::{error::Error, analysis::{Analysis, Source}};\nfn f(a: &crate::Analysis) {}\nuse crate::nowhere;",
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("`crate::analysis`"));
        assert!(problems[1].starts_with("input/read.rs:2:"));
        assert!(problems[2].contains("no layered module"));
        let unlisted = check_one("widgets/mod.rs", "");
        assert!(unlisted[0].contains("in no layer"));
    }

    #[test]
    fn comments_and_other_crates_do_not_count() {
        let text = "//! See [`crate::Analysis`].\n/// [`crate::analysis::Analysis`]\nlet x = 1; // crate::state\nuse coursepulse_crate::state;\n";
        assert!(check_one("input/csv.rs", text).is_empty());
    }

    /// The real tree: what `cargo xtask test` checks, also run by `cargo test`.
    #[test]
    fn the_engine_is_layered() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        layering(&root).unwrap();
    }
}
