//! A schema file's shape, checked on the YAML parser's events before any document is built:
//! aliases are counted at the size of what they stand for, so a "billion laughs" file of a few
//! hundred bytes is refused instead of expanded, and nesting is capped, so neither building nor
//! dropping the document can exhaust the stack.

use rustc_hash::FxHashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// The most nodes a schema may have once its aliases are expanded. A real dbt `schema.yml` has
/// hundreds to a few thousand.
pub(crate) const MAX_NODES: u64 = 200_000;
/// The deepest nesting of sequences and mappings. dbt schemas nest about 6 deep.
pub(crate) const MAX_DEPTH: usize = 64;

/// `Err` with a message when `text` would expand beyond [`MAX_NODES`] or nest deeper than
/// [`MAX_DEPTH`]; syntax errors are left to the loader, which reports them with their place.
pub(crate) fn check(text: &str) -> Result<(), String> {
    let mut shape = Shape::default();
    // A syntax error stops the scan; the loader will report it.
    let _ = Parser::new_from_str(text).load(&mut shape, true);
    match shape.refusal {
        Some(refusal) => Err(refusal),
        None => Ok(()),
    }
}

#[derive(Default)]
struct Shape {
    /// Open sequences and mappings: their anchor id (0 for none) and nodes so far.
    open: Vec<(usize, u64)>,
    /// The expanded size of every anchored node seen.
    anchors: FxHashMap<usize, u64>,
    /// Nodes of finished documents.
    total: u64,
    refusal: Option<String>,
}

impl Shape {
    /// A finished node of `size` expanded nodes: counted into its parent, remembered under its
    /// anchor.
    fn finish(&mut self, size: u64, anchor: usize, mark: Marker) {
        if anchor != 0 {
            self.anchors.insert(anchor, size);
        }
        let parent = match self.open.last_mut() {
            Some((_, parent)) => parent,
            None => &mut self.total,
        };
        *parent = parent.saturating_add(size);
        if *parent > MAX_NODES {
            self.refuse(
                mark,
                format!(
                    "it expands to more than {MAX_NODES} values through its aliases (`*name`); \
                     a dbt schema has a few thousand at most"
                ),
            );
        }
    }

    fn refuse(&mut self, mark: Marker, why: String) {
        self.refusal.get_or_insert_with(|| {
            format!("line {}, column {}: {why}", mark.line(), mark.col() + 1)
        });
    }
}

impl MarkedEventReceiver for Shape {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.refusal.is_some() {
            return;
        }
        match event {
            Event::Scalar(_, _, anchor, _) => self.finish(1, anchor, mark),
            // An alias to an unknown anchor is a syntax error the loader reports.
            Event::Alias(id) => {
                let size = self.anchors.get(&id).copied().unwrap_or(1);
                self.finish(size, 0, mark);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.open.push((anchor, 1));
                if self.open.len() > MAX_DEPTH {
                    self.refuse(
                        mark,
                        format!(
                            "it nests more than {MAX_DEPTH} levels deep; a dbt schema nests \
                             about 6"
                        ),
                    );
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, size)) = self.open.pop() {
                    self.finish(size, anchor, mark);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nine levels of ten aliases each: 10^9 values from 500 bytes.
    fn billion_laughs() -> String {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for level in 1..9 {
            let previous = format!("*a{}", level - 1);
            let items = [previous.as_str(); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        text
    }

    #[test]
    fn ordinary_schemas_and_modest_aliases_pass() {
        let small_alias = "base: &base {severity: warn}\nx: [*base, *base, *base]\n";
        for text in [
            "version: 2\nmodels:\n  - name: m\n    columns: [{name: a}]\n",
            small_alias,
            "",
            "bad: [unclosed",
        ] {
            assert_eq!(check(text), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn alias_bombs_are_refused_before_expansion() {
        let refusal = check(&billion_laughs()).unwrap_err();
        assert!(
            refusal.contains("expands to more than 200000 values"),
            "{refusal}"
        );
        assert!(refusal.starts_with("line "), "{refusal}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let refusal = check(&deep).unwrap_err();
        assert!(refusal.contains("more than 64 levels"), "{refusal}");
        // Past 255 flow levels the scanner itself stops with a syntax error, which the loader
        // reports with its place: refused either way, never built.
        let deeper = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let error = crate::DbtSchema::parse(&deeper).unwrap_err().to_string();
        assert!(error.contains("recursion limit exceeded"), "{error}");
        let fine = format!("{}{}", "[".repeat(60), "]".repeat(60));
        assert_eq!(check(&fine), Ok(()));
    }
}
