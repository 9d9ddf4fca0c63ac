//! Folder names of `split` extracts: hive-style `key=value`, percent-escaped so that every name
//! decodes back to its value, distinct on case-insensitive file systems, and within 255 bytes.

use std::collections::{BTreeMap, HashSet};

use coursepulse_engine::{Masking, PiiKind};

/// Hive's name for a NULL partition value (the engine reads it back as NULL).
pub const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";
/// The longest file name most file systems accept, in bytes.
const NAME_LIMIT: usize = 255;
/// Bytes of a long column name kept before its hash.
const KEY_LIMIT: usize = 100;

/// The folder of every value, in the order given (`None` is NULL). Two values never get names
/// that are equal or differ only in case; a name decodes (percent-decoding) to its value unless
/// the value was too long, in which case it is cut and ends in `~` and a hash of the value
/// (`~` is always escaped inside values, so it cannot occur otherwise).
pub fn folder_names(key_name: &str, values: &[Option<&str>]) -> Vec<String> {
    let key = fit(escape(key_name, false), KEY_LIMIT, key_name);
    let plain: Vec<String> = values
        .iter()
        .map(|value| match value {
            None => HIVE_NULL.to_owned(),
            Some(text) => escape_value(text, false),
        })
        .collect();
    // Values whose names would differ only in case also escape their capital letters, which
    // makes their names differ in more than case: CSC101 -> %43%53%43101 beside csc101.
    let mut by_folded: BTreeMap<String, usize> = BTreeMap::new();
    for name in &plain {
        *by_folded.entry(name.to_ascii_lowercase()).or_default() += 1;
    }
    let budget = NAME_LIMIT - key.len() - 1;
    let mut taken: HashSet<String> = HashSet::new();
    values
        .iter()
        .zip(&plain)
        .map(|(value, name)| {
            let segment = match value {
                Some(text) if by_folded[&name.to_ascii_lowercase()] > 1 => escape_value(text, true),
                _ => name.clone(),
            };
            let segment = fit(segment, budget, value.unwrap_or(""));
            let mut folder = format!("{key}={segment}");
            // Only a hash collision between cut values (or two equal pseudonyms) gets here.
            let mut counter = 1;
            while !taken.insert(folder.to_ascii_lowercase()) {
                counter += 1;
                let suffix = format!("~{counter}");
                let cut = cut_at_boundary(&segment, budget - suffix.len());
                folder = format!("{key}={cut}{suffix}");
            }
            folder
        })
        .collect()
}

/// Percent-escapes what a hive path segment cannot hold (`/`, `=`, `%`, spaces, `~`, ...), with
/// `escape_capitals` capital letters too.
pub fn escape(text: &str, escape_capitals: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        let plain = byte.is_ascii_lowercase()
            || byte.is_ascii_digit()
            || (byte.is_ascii_uppercase() && !escape_capitals)
            || matches!(byte, b'-' | b'_' | b'.');
        if plain {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// [`escape`], plus what would make a value's name mean something else: the literal NULL name
/// (in any case) and a trailing dot, which Windows drops from names.
fn escape_value(text: &str, escape_capitals: bool) -> String {
    let mut escaped = escape(text, escape_capitals);
    if text.eq_ignore_ascii_case(HIVE_NULL) {
        escaped.replace_range(0..1, "%5F");
    }
    if escaped.ends_with('.') {
        escaped.pop();
        escaped.push_str("%2E");
    }
    escaped
}

/// `escaped` itself when it has at most `limit` bytes, else its start and `~` + a hash of `raw`.
fn fit(escaped: String, limit: usize, raw: &str) -> String {
    if escaped.len() <= limit {
        return escaped;
    }
    let pseudonym = Masking::new("coursepulse split folder").pseudonym(PiiKind::Name, raw);
    let suffix = format!("~{}", &pseudonym[2..]);
    format!(
        "{}{suffix}",
        cut_at_boundary(&escaped, limit - suffix.len())
    )
}

/// The longest start of an escaped segment within `limit` bytes that does not cut a `%XX`.
fn cut_at_boundary(escaped: &str, limit: usize) -> &str {
    let mut end = limit.min(escaped.len());
    let bytes = escaped.as_bytes();
    for back in 1..=2 {
        if end >= back && bytes[end - back] == b'%' {
            end -= back;
            break;
        }
    }
    &escaped[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(values: &[Option<&str>], expected: &[&str]) {
        assert_eq!(folder_names("course_code", values), expected, "{values:?}");
    }

    #[test]
    fn values_get_distinct_reversible_names() {
        check(
            &[
                Some("CSC101"),
                Some("CSC 101"),
                Some("a/b=c"),
                Some("é"),
                Some("~"),
            ],
            &[
                "course_code=CSC101",
                "course_code=CSC%20101",
                "course_code=a%2Fb%3Dc",
                "course_code=%C3%A9",
                "course_code=%7E",
            ],
        );
        check(
            &[None, Some(HIVE_NULL)],
            &[
                "course_code=__HIVE_DEFAULT_PARTITION__",
                "course_code=%5F_HIVE_DEFAULT_PARTITION__",
            ],
        );
        check(
            &[None, Some("__hive_default_partition__")],
            &[
                "course_code=__HIVE_DEFAULT_PARTITION__",
                "course_code=%5F_hive_default_partition__",
            ],
        );
        check(
            &[Some("CSC101"), Some("csc101"), Some("Csc101"), Some("MTH.")],
            &[
                "course_code=%43%53%43101",
                "course_code=csc101",
                "course_code=%43sc101",
                "course_code=MTH%2E",
            ],
        );
    }

    #[test]
    fn long_values_are_cut_with_a_hash_within_255_bytes() {
        let long_a = "a".repeat(300);
        let long_b = format!("{}b", "a".repeat(299));
        let accents = "é".repeat(200);
        let names = folder_names(
            "course_code",
            &[Some(&long_a), Some(&long_b), Some(&accents)],
        );
        for name in &names {
            assert!(name.len() <= 255, "{} bytes", name.len());
            assert!(name.contains('~'), "{name}");
        }
        assert_ne!(names[0], names[1]);
        // A cut never splits an escape.
        let tail = names[2].rsplit_once('~').unwrap().0;
        assert!(tail.ends_with("%A9"), "{tail}");
    }
}
