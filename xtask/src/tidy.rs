//! `tidy`: the layering rules of the engine and of the web app's worker, checked on the source
//! text so that they cannot rot.
//!
//! Each checked tree's modules form layers, bottom to top (ARCHITECTURE.md states the rules): a
//! module may name only modules of its own layer or of layers below it. The check reads every
//! `.rs` file of the tree, strips comments, and resolves each path into the tree (`crate::x` in
//! the engine, `crate::worker::x` and `super::x` in the worker), including names re-exported at
//! the engine's root (`crate::Error`), to the module that defines it. A new module must be added
//! to its tree's layer table to build. The worker's table gives every module a layer of its own,
//! so no two of its modules can import each other (no cycles).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// A tree of modules whose imports must point down its layers.
pub(crate) struct Tree {
    /// What the messages call it.
    pub(crate) name: &'static str,
    /// Its folder, relative to the workspace.
    pub(crate) src: &'static str,
    /// The file that declares its modules (and, in the engine, re-exports names).
    pub(crate) root_file: &'static str,
    /// How its modules are named from inside it.
    pub(crate) prefix: &'static str,
    /// Whether `super::` paths are resolved too (the engine does not use them between modules).
    pub(crate) resolve_super: bool,
    /// Modules (`a` or `a::b` for a file in a folder), bottom to top; modules of one layer may
    /// import each other.
    pub(crate) layers: &'static [&'static [&'static str]],
}

/// The engine's layers, bottom to top. Modules in one layer may import each other.
pub(crate) const ENGINE: Tree = Tree {
    name: "engine",
    src: "crates/engine/src",
    root_file: "lib.rs",
    prefix: "crate::",
    resolve_super: false,
    layers: &[
        &["error", "filter", "time"],
        &["input"],
        &["columns"],
        &["rules"],
        &["compute"],
        &["report"],
        &["analysis"],
        &["events"],
        &["state"],
    ],
};

/// The worker's modules, bottom to top, one per layer: what the page is shown and chooses
/// (`views/`), the messages (`protocol`), yielding to the event loop (`event_loop`), reading bytes (`fetch/`), the stored blob and where it
/// lives (`storage/saved`, `storage/store`), the worker's shared state (`shared`), reading in
/// shares on several workers (`shares/`), the read loop
/// (`read_inputs`), the event-log reader (`read_events`), keeping analyses between visits (`storage/persist`), the message loop
/// (`host`), and the page's side (`client`). A folder's `mod.rs` sits above its files.
pub(crate) const WORKER: Tree = Tree {
    name: "worker",
    src: "src/worker",
    root_file: "mod.rs",
    prefix: "crate::worker::",
    resolve_super: true,
    layers: &[
        &["views::settings"],
        &["views::table"],
        &["views::status"],
        &["views::events"],
        &["views::dashboard"],
        &["views"],
        &["protocol"],
        &["event_loop"],
        &["fetch::http_checks"],
        &["fetch::http"],
        &["fetch::file_chunks"],
        &["fetch::input"],
        &["fetch::remote"],
        &["fetch"],
        &["storage::saved"],
        &["storage::store"],
        &["shared"],
        &["shares::split"],
        &["shares::pool"],
        &["shares::serve"],
        &["shares"],
        &["read_inputs"],
        &["read_events"],
        &["storage::persist"],
        &["storage"],
        &["host"],
        &["client"],
    ],
};

/// The `tidy` step: fails with every upward import in the engine and in the worker.
pub(crate) fn layering(root: &Path) -> Result<()> {
    let mut failures = Vec::new();
    for tree in [&ENGINE, &WORKER] {
        match check_tree(root, tree) {
            Ok(files) => println!(
                "tidy: {files} {} files import only down their layers ({})",
                tree.name,
                layer_names(tree)
            ),
            Err(error) => failures.push(format!("{error:#}")),
        }
    }
    if !failures.is_empty() {
        bail!("{}", failures.join("\n"));
    }
    Ok(())
}

/// Checks one tree; the number of files read.
fn check_tree(root: &Path, tree: &Tree) -> Result<usize> {
    let src = root.join(tree.src);
    let mut files = Vec::new();
    collect(&src, &src, &mut files)?;
    let root_text = files
        .iter()
        .find(|(path, _)| path == tree.root_file)
        .map(|(_, text)| text.clone())
        .with_context(|| format!("{}/{} not found", tree.src, tree.root_file))?;
    let problems = check(tree, &root_text, &files);
    if !problems.is_empty() {
        bail!(
            "the {}'s layering is broken ({} import{} from a layer above, or unlisted; layers \
             bottom to top: {}):\n  {}",
            tree.name,
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            layer_names(tree),
            problems.join("\n  ")
        );
    }
    Ok(files.len())
}

fn layer_names(tree: &Tree) -> String {
    tree.layers
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

/// Every upward import among `files` (paths relative to the tree's folder), as messages.
/// `root_text` is the tree's root file, whose `pub use` lines say which module a root
/// re-export comes from.
pub(crate) fn check(tree: &Tree, root_text: &str, files: &[(String, String)]) -> Vec<String> {
    let layer_of = |module: &str| tree.layers.iter().position(|layer| layer.contains(&module));
    let reexports = root_reexports(root_text);
    let mut problems = Vec::new();
    for (path, text) in files {
        if path == tree.root_file {
            continue;
        }
        let own_path = module_path(path);
        // A file counts as its folder only when the table lists the folder and none of its files.
        let listed = listed_prefix(tree, &own_path).filter(|module| {
            *module == own_path.join("::")
                || !tree
                    .layers
                    .iter()
                    .flat_map(|layer| layer.iter())
                    .any(|entry| entry.starts_with(&format!("{module}::")))
        });
        let Some(module) = listed else {
            problems.push(format!(
                "{path}: module `{}` is in no layer: add it to the {}'s layers in \
                 xtask/src/tidy.rs",
                own_path.join("::"),
                tree.name
            ));
            continue;
        };
        let own = layer_of(&module).unwrap_or_default();
        let mut reported = Vec::new();
        for (line, target_path, via_super) in module_paths(tree, text, &own_path) {
            let Some(first) = target_path.first() else {
                continue;
            };
            let target = match listed_prefix(tree, &target_path) {
                Some(target) => target,
                // `super::helper` inside a file's own tests, or an item of the parent.
                None if via_super => continue,
                // Items the root defines itself (`VERSION`) are constants any layer may read.
                None if defined_in_root(root_text, first) => continue,
                None => reexports
                    .get(first)
                    .cloned()
                    .unwrap_or_else(|| first.clone()),
            };
            if reported.contains(&(line, target.clone())) {
                continue;
            }
            reported.push((line, target.clone()));
            match layer_of(&target) {
                Some(layer) if layer <= own => {}
                Some(_) => problems.push(format!(
                    "{path}:{line}: `{module}` imports `{}{target}`, which is above it",
                    tree.prefix
                )),
                None => problems.push(format!(
                    "{path}:{line}: `{}{target}` is no layered module",
                    tree.prefix
                )),
            }
        }
    }
    problems
}

/// A file's module path inside its tree: `fetch/remote.rs` is `fetch::remote`, `fetch/mod.rs`
/// is `fetch`.
fn module_path(path: &str) -> Vec<String> {
    let mut segments: Vec<String> = path
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if segments.last().is_some_and(|last| last == "mod") {
        segments.pop();
    }
    segments
}

/// The longest listed module that `path` starts with.
fn listed_prefix(tree: &Tree, path: &[String]) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|length| path[..length].join("::"))
        .find(|candidate| {
            tree.layers
                .iter()
                .any(|layer| layer.contains(&&**candidate))
        })
}

/// Whether the root file itself defines `name` as a constant or static.
fn defined_in_root(root_text: &str, name: &str) -> bool {
    ["pub const ", "pub static "]
        .iter()
        .any(|keyword| root_text.contains(&format!("{keyword}{name}:")))
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

/// Every path into the tree in code (comments removed), with its line number and whether it
/// was written with `super::`: `crate::{a::X, b}` gives `a::X` and `b`; in `fetch/remote.rs`,
/// `super::http::get` gives `fetch::http::get`.
fn module_paths(tree: &Tree, text: &str, own_path: &[String]) -> Vec<(usize, Vec<String>, bool)> {
    let code = strip_comments(text);
    let line_of = |index: usize| code[..index].matches('\n').count() + 1;
    let starts_path = |index: usize| {
        // `coursepulse_crate::` or `my_crate::` are other paths; `a::super::` is not a start.
        let before = code[..index].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    };
    let mut found = Vec::new();
    for (index, _) in code.match_indices(tree.prefix) {
        if starts_path(index) {
            let rest = &code[index + tree.prefix.len()..];
            for path in use_paths(rest, Vec::new()) {
                found.push((line_of(index), path, false));
            }
        }
    }
    if tree.resolve_super {
        for (index, _) in code.match_indices("super::") {
            if !starts_path(index) {
                continue;
            }
            let mut rest = &code[index..];
            let mut base = own_path.to_vec();
            while let Some(after) = rest.strip_prefix("super::") {
                base.pop();
                rest = after;
            }
            // Only a sibling module counts: `super::*` and `super::helper` in a file's own
            // tests name that file.
            for path in use_paths(rest, base.clone()) {
                let sibling = listed_prefix(tree, &path)
                    .is_some_and(|module| module.split("::").count() > base.len());
                if sibling {
                    found.push((line_of(index), path, true));
                }
            }
        }
    }
    found
}

/// The paths a use tree (what follows `crate::`) names, each after `prefix`: `a::{b, c::D}`
/// gives `a::b` and `a::c::D`; a glob or `self` names the path it ends.
fn use_paths(text: &str, prefix: Vec<String>) -> Vec<Vec<String>> {
    let mut chars = text.chars().peekable();
    let mut found = Vec::new();
    use_tree(&mut chars, prefix, &mut found);
    found
}

fn use_tree(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    mut path: Vec<String>,
    found: &mut Vec<Vec<String>>,
) {
    let skip_space = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
    };
    let word = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if !(c.is_alphanumeric() || c == '_') {
                break;
            }
            word.push(c);
            chars.next();
        }
        word
    };
    loop {
        skip_space(chars);
        match chars.peek() {
            Some('{') => {
                chars.next();
                loop {
                    skip_space(chars);
                    if chars.peek() == Some(&'}') {
                        chars.next();
                        return;
                    }
                    use_tree(chars, path.clone(), found);
                    skip_space(chars);
                    match chars.next() {
                        Some(',') => {}
                        _ => return,
                    }
                }
            }
            Some('*') => {
                chars.next();
                found.push(path);
                return;
            }
            _ => {}
        }
        let name = word(chars);
        if name.is_empty() || name == "self" {
            if !path.is_empty() {
                found.push(path);
            }
            return;
        }
        path.push(name);
        if chars.peek() == Some(&':') {
            chars.next();
            if chars.next() == Some(':') {
                continue;
            }
        }
        // `x as y`: the alias is no path.
        skip_space(chars);
        let mut lookahead = chars.clone();
        if word(&mut lookahead) == "as" && lookahead.peek().is_some_and(|c| c.is_whitespace()) {
            *chars = lookahead;
            skip_space(chars);
            word(chars);
        }
        found.push(path);
        return;
    }
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
        check(&ENGINE, LIB, &[(path.to_owned(), text.to_owned())])
    }

    fn check_worker(path: &str, text: &str) -> Vec<String> {
        check(&WORKER, "", &[(path.to_owned(), text.to_owned())])
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

    /// The cycle the worker once had: `remote` took `Input` from `host`, which drives `remote`.
    #[test]
    fn an_upward_import_in_the_worker_fails() {
        let problems = check_worker(
            "fetch/remote.rs",
            "use crate::worker::fetch::file_chunks::FileChunks;\nuse crate::worker::host::{Input, reply};\n",
        );
        assert_eq!(
            problems,
            vec![
                "fetch/remote.rs:2: `fetch::remote` imports `crate::worker::host`, which is above it"
            ]
        );
        // Written relative to the file, through a group, or from a folder's sibling.
        let problems = check_worker(
            "fetch/http.rs",
            "use super::{input::Input, remote};\nuse super::super::shared::Host;\n",
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("`crate::worker::fetch::input`"));
        assert!(problems[1].contains("`crate::worker::fetch::remote`"));
        assert!(problems[2].contains("`crate::worker::shared`"));
    }

    #[test]
    fn downward_worker_imports_and_own_tests_pass() {
        let text = "use crate::worker::{protocol::Response, views::{Settings, table::Cell}};\nuse super::file_chunks::FileChunks;\nuse crate::tables::Table;\nuse crate::worker::fetch::{file_chunks::{self, FileChunks}, http as web};\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::helper;\n}\n";
        assert_eq!(check_worker("fetch/input.rs", text), Vec::<String>::new());
        assert!(check_worker("views/settings.rs", "use serde::Serialize;").is_empty());
        let unlisted = check_worker("fetch/ftp.rs", "");
        assert!(unlisted[0].contains("in no layer"), "{unlisted:?}");
    }

    #[test]
    fn use_trees_are_read_whole() {
        let paths = |text| {
            use_paths(text, Vec::new())
                .into_iter()
                .map(|path| path.join("::"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            paths("a::{b, c::{D, E as F}, self};"),
            ["a::b", "a::c::D", "a::c::E", "a"]
        );
        assert_eq!(paths("x::y::*;"), ["x::y"]);
        assert_eq!(paths("{a::B,\n    c};"), ["a::B", "c"]);
    }

    /// The real trees: what `cargo xtask test` checks, also run by `cargo test`.
    #[test]
    fn the_engine_and_the_worker_are_layered() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        layering(&root).unwrap();
    }
}
