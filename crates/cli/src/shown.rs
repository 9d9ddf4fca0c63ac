//! Text from outside (file names, manifest entries) made safe to print in an error: control
//! characters and bidirectional overrides are escaped, so a file name cannot move the cursor,
//! rewrite a CI log line or colour the terminal.

use std::path::Path;

/// A path as printed in messages: lossy UTF-8 with control characters escaped.
pub fn path(path: &Path) -> String {
    text(&path.to_string_lossy())
}

/// Text as printed in messages: `\n`, `\t`, ESC and other control or bidi characters escaped
/// (`\n`, `\t`, `\u{1b}`); everything else as it is.
pub fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        if needs_escape(character) {
            out.extend(character.escape_default());
        } else {
            out.push(character);
        }
    }
    out
}

fn needs_escape(character: char) -> bool {
    character.is_control()
        || matches!(
            character,
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        let cases = [
            ("plain/name.csv", "plain/name.csv"),
            ("a\nb", "a\\nb"),
            ("tab\there", "tab\\there"),
            ("\u{1b}[31mred", "\\u{1b}[31mred"),
            ("cr\rline", "cr\\rline"),
            ("rlo\u{202e}txt.csv", "rlo\\u{202e}txt.csv"),
            ("é ok", "é ok"),
        ];
        for (input, expected) in cases {
            assert_eq!(text(input), expected, "{input:?}");
        }
    }
}
