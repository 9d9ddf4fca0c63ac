//! Dataset paths as text (no IO): which files of a folder are data, and the manifest format
//! (a list of a dataset's files), shared by the CLI's folder walk and the web app's folder
//! picker and `?src=` manifests, so that both read the same files with the same words.

use crate::error::{Error, Result};
use crate::input::parquet::Format;

/// Extensions (lower case, without the dot) of the files a folder contributes, and of the file
/// names whose format is known without sniffing. `.pq` is not one: a file named directly is
/// still read when its bytes are Parquet (its magic is sniffed), but a folder does not pick it.
pub const DATA_EXTENSIONS: [&str; 3] = ["parquet", "parq", "csv"];

/// Extensions (lower case, without the dot) of player event logs as JSON lines, which a folder
/// contributes too. Not `.json`: manifests and other documents are JSON.
pub const EVENT_LOG_EXTENSIONS: [&str; 2] = ["ndjson", "jsonl"];

/// Entries a manifest may list; more is refused rather than opened.
pub const MANIFEST_ENTRY_LIMIT: usize = 100_000;

/// The format a data file's name implies (one of [`DATA_EXTENSIONS`], any case), if any.
pub fn data_format(name: &str) -> Option<Format> {
    let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
    match extension.as_str() {
        "parquet" | "parq" => Some(Format::Parquet),
        "csv" => Some(Format::Csv),
        _ => None,
    }
}

/// Whether a path segment (a file or folder name) is not data: hidden (`.`-prefixed: `.crc`
/// files, `.git/`) or `_`-prefixed (Spark's `_SUCCESS`, `_temporary/`).
pub fn is_skipped_segment(segment: &str) -> bool {
    segment.starts_with('.') || segment.starts_with('_')
}

/// Whether the file at `relative` (`/`-separated, relative to the chosen folder) is data: one of
/// [`DATA_EXTENSIONS`] or [`EVENT_LOG_EXTENSIONS`], and no skipped segment on the way to it.
pub fn is_data_path(relative: &str) -> bool {
    let mut segments = relative.split('/').filter(|segment| !segment.is_empty());
    let mut file_name = None;
    for segment in segments.by_ref() {
        if is_skipped_segment(segment) {
            return false;
        }
        file_name = Some(segment);
    }
    file_name.is_some_and(|name| data_format(name).is_some() || is_event_log_name(name))
}

/// Whether `name` ends in one of [`EVENT_LOG_EXTENSIONS`] (any case).
fn is_event_log_name(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, extension)| {
        EVENT_LOG_EXTENSIONS
            .iter()
            .any(|known| extension.eq_ignore_ascii_case(known))
    })
}

/// What to say about a folder with no data files in it; the same words in the CLI and the app.
pub fn empty_folder_message(folder: &str) -> String {
    let listed: Vec<String> = DATA_EXTENSIONS
        .iter()
        .map(|ext| format!(".{ext}"))
        .collect();
    let logs: Vec<String> = EVENT_LOG_EXTENSIONS
        .iter()
        .map(|ext| format!(".{ext}"))
        .collect();
    format!(
        "{folder} is a directory with no data files ({}, or {} event logs) in it",
        listed.join(", "),
        logs.join(" or ")
    )
}

/// How a manifest's text is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManifestKind {
    /// JSON: an array of paths, or an object with a `"files"` array (what `split` writes).
    Json,
    /// Plain text, one path a line; blank lines and lines starting with `#` are skipped.
    Lines,
    /// JSON when the text starts like JSON (`[`, `{` or `"`), else lines.
    Either,
}

/// The paths a manifest lists, as written (see [`manifest_entry_name`] for the name a file gets).
///
/// Refused, with an [`Error::Manifest`] saying what was expected and found: text that is not of
/// `kind`, a JSON entry that is not a string, an entry with control characters, no entries, or
/// more than [`MANIFEST_ENTRY_LIMIT`]. The message does not name the manifest: callers put its
/// path or URL in front.
pub fn parse_manifest(text: &str, kind: ManifestKind) -> Result<Vec<String>> {
    let text = text.trim_start_matches('\u{feff}').trim();
    let json = match kind {
        ManifestKind::Json => true,
        ManifestKind::Lines => false,
        ManifestKind::Either => text.starts_with(['[', '{', '"']),
    };
    let entries = if json {
        json_entries(text)?
    } else {
        line_entries(text)?
    };
    if entries.is_empty() {
        return Err(manifest_error("the manifest lists no files"));
    }
    if let Some(entry) = entries
        .iter()
        .find(|entry| entry.contains(char::is_control))
    {
        return Err(manifest_error(format!(
            "{entry:?} is not a path or URL (it contains control characters)"
        )));
    }
    Ok(entries)
}

/// The name a manifest entry gives its file: the path as written, without a leading `./`, so
/// that its `key=value` segments become partition columns.
pub fn manifest_entry_name(entry: &str) -> &str {
    entry.trim_start_matches("./")
}

/// Whether a manifest entry is a URL (`scheme://...`) rather than a path.
pub fn is_url(entry: &str) -> bool {
    entry.contains("://")
}

/// Why a manifest entry leads outside the manifest's folder, judged from its text alone: it is
/// absolute (`/x`, `\x`, `C:\x`), or a segment is `..`. `None` for a relative path that stays
/// inside (a symbolic link can still lead out: only the file system can tell).
pub fn outside_reason(entry: &str) -> Option<&'static str> {
    let bytes = entry.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if entry.starts_with(['/', '\\']) || drive {
        return Some("is absolute; manifest paths are relative to the manifest's folder");
    }
    if entry.split(['/', '\\']).any(|segment| segment == "..") {
        return Some(
            "leads outside the manifest's folder with ..; manifest paths must stay inside it",
        );
    }
    None
}

/// What a dataset's listing read again (a manifest fetched again, a folder listed again) holds
/// beside the names already loaded. Live mode reads only `added`, through the same incremental
/// add as any new file, and says which loaded names the listing no longer has: files are told
/// apart by name here, so a name already loaded is never fetched again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListingChange {
    /// Positions in the listing of the names not loaded yet, in listing order (a name listed
    /// twice counts once).
    pub added: Vec<usize>,
    /// Loaded names the listing no longer holds, in the order they were loaded.
    pub missing: Vec<String>,
}

/// Compares a listing read again with the names already `loaded`.
pub fn listing_change(listing: &[&str], loaded: &[&str]) -> ListingChange {
    let known: std::collections::HashSet<&str> = loaded.iter().copied().collect();
    let mut seen = std::collections::HashSet::with_capacity(listing.len());
    let added = listing
        .iter()
        .enumerate()
        .filter(|(_, name)| seen.insert(**name) && !known.contains(**name))
        .map(|(position, _)| position)
        .collect();
    let missing = loaded
        .iter()
        .filter(|name| !seen.contains(**name))
        .map(|name| (*name).to_owned())
        .collect();
    ListingChange { added, missing }
}

fn manifest_error(message: impl Into<String>) -> Error {
    Error::Manifest(message.into())
}

fn too_many(count: &str) -> Error {
    manifest_error(format!(
        "the manifest lists {count} entries; the limit is 100,000 (split the dataset into several manifests)"
    ))
}

fn json_entries(text: &str) -> Result<Vec<String>> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|error| manifest_error(format!("the manifest is not valid JSON: {error}")))?;
    let expected = "expected a JSON array of paths or { \"files\": [...] }";
    let list = match &value {
        serde_json::Value::Array(list) => list,
        serde_json::Value::Object(object) => match object.get("files") {
            Some(serde_json::Value::Array(list)) => list,
            _ => {
                return Err(manifest_error(format!(
                    "{expected}; found an object without a \"files\" array"
                )));
            }
        },
        _ => return Err(manifest_error(expected)),
    };
    if list.len() > MANIFEST_ENTRY_LIMIT {
        return Err(too_many(&list.len().to_string()));
    }
    list.iter()
        .map(|entry| {
            entry.as_str().map(str::to_owned).ok_or_else(|| {
                // serde_json writes control characters escaped, so this quotes safely.
                let mut shown = entry.to_string();
                if shown.len() > 80 {
                    let cut = (0..=80).rev().find(|at| shown.is_char_boundary(*at));
                    shown.truncate(cut.unwrap_or(0));
                    shown.push('…');
                }
                manifest_error(format!("every entry must be a path string; found {shown}"))
            })
        })
        .collect()
}

fn line_entries(text: &str) -> Result<Vec<String>> {
    let mut entries = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if entries.len() == MANIFEST_ENTRY_LIMIT {
            return Err(too_many("more than 100,000"));
        }
        entries.push(line.to_owned());
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_listing_change(listing: &[&str], loaded: &[&str], added: &[usize], missing: &[&str]) {
        let change = listing_change(listing, loaded);
        assert_eq!(change.added, added, "{listing:?} after {loaded:?}");
        assert_eq!(change.missing, missing, "{listing:?} after {loaded:?}");
    }

    #[test]
    fn a_listing_read_again_adds_only_new_names_and_names_the_missing_ones() {
        let day = |n: u32| format!("date=2025-03-{n:02}/part-0.parquet");
        let (d1, d2, d3, d4) = (day(1), day(2), day(3), day(4));
        let (d1, d2, d3, d4) = (d1.as_str(), d2.as_str(), d3.as_str(), d4.as_str());
        // An hourly sink: the listing grows at its end.
        check_listing_change(&[d1, d2, d3], &[d1, d2], &[2], &[]);
        // Nothing new.
        check_listing_change(&[d1, d2], &[d1, d2], &[], &[]);
        // New names anywhere in the listing, in listing order; a name listed twice is added once.
        check_listing_change(&[d3, d1, d4, d3, d2], &[d1, d2], &[0, 2], &[]);
        // A loaded file the listing dropped is named, never silently kept or re-read.
        check_listing_change(&[d2, d3], &[d1, d2], &[1], &[d1]);
        // The first listing: everything is new.
        check_listing_change(&[d1, d2], &[], &[0, 1], &[]);
        // An empty listing: every loaded name is missing.
        check_listing_change(&[], &[d1, d2], &[], &[d1, d2]);
    }

    fn check_data_path(relative: &str, expected: bool) {
        assert_eq!(is_data_path(relative), expected, "{relative}");
    }

    #[test]
    fn folders_keep_data_files_and_skip_hidden_and_underscored_segments() {
        let cases = [
            ("date=2025-03-02/part-0.parquet", true),
            ("date=2025-03-01/part-1.PARQ", true),
            ("extra.csv", true),
            ("logs/day=1/events.NDJSON", true),
            ("events.jsonl", true),
            ("manifest.json", false),
            ("_temporary/events.ndjson", false),
            ("/leading/slash.csv", true),
            ("date=2025-03-01/_SUCCESS", false),
            ("date=2025-03-01/.part-0.parquet.crc", false),
            ("_temporary/part-9.parquet", false),
            (".hidden/part-9.parquet", false),
            ("notes.txt", false),
            ("README", false),
            ("x.pq", false),
            ("csv", false),
            ("", false),
        ];
        for (relative, expected) in cases {
            check_data_path(relative, expected);
        }
    }

    #[test]
    fn every_data_extension_has_a_format_and_the_message_lists_them_all() {
        for extension in DATA_EXTENSIONS {
            assert!(
                data_format(&format!("a.{extension}")).is_some(),
                "{extension}"
            );
            assert!(empty_folder_message("x").contains(&format!(".{extension}")));
        }
        for extension in EVENT_LOG_EXTENSIONS {
            assert!(is_data_path(&format!("a.{extension}")), "{extension}");
            assert!(empty_folder_message("x").contains(&format!(".{extension}")));
        }
        assert_eq!(data_format("A.PARQUET"), Some(Format::Parquet));
        assert_eq!(data_format("a.csv"), Some(Format::Csv));
        assert_eq!(data_format("a.pq"), None);
        assert_eq!(
            empty_folder_message("logs"),
            "logs is a directory with no data files (.parquet, .parq, .csv, or .ndjson or .jsonl event logs) in it"
        );
    }

    /// The entries a manifest should give, or a part of the message refusing it.
    type Expected<'a> = Result<&'a [&'a str], &'a str>;

    fn check_manifest(text: &str, kind: ManifestKind, expected: Expected<'_>) {
        let found = parse_manifest(text, kind);
        match (expected, found) {
            (Ok(expected), Ok(found)) => assert_eq!(found, expected, "{text:?}"),
            (Err(expected), Err(error)) => {
                let error = error.to_string();
                assert!(error.contains(expected), "{text:?}: {error}");
            }
            (expected, found) => panic!("{text:?}: expected {expected:?}, found {found:?}"),
        }
    }

    #[test]
    fn manifests_in_every_format() {
        let both: &[&str] = &["./date=1/a.parquet", "https://cdn.example.org/x.parquet"];
        let cases: [(&str, ManifestKind, Expected<'_>); 8] = [
            (
                r#"["./date=1/a.parquet", "https://cdn.example.org/x.parquet"]"#,
                ManifestKind::Json,
                Ok(both),
            ),
            (
                r#"{"files": ["./date=1/a.parquet", "https://cdn.example.org/x.parquet"], "extracts": 2}"#,
                ManifestKind::Either,
                Ok(both),
            ),
            (
                "\u{feff}# two files\n./date=1/a.parquet\r\n\n  https://cdn.example.org/x.parquet  \n",
                ManifestKind::Either,
                Ok(both),
            ),
            ("[\"a.csv\"]", ManifestKind::Lines, Ok(&["[\"a.csv\"]"])),
            ("a.csv", ManifestKind::Json, Err("is not valid JSON")),
            ("", ManifestKind::Lines, Err("the manifest lists no files")),
            ("[]", ManifestKind::Json, Err("the manifest lists no files")),
            (
                "[\"a\\u0007.csv\"]",
                ManifestKind::Json,
                Err("(it contains control characters)"),
            ),
        ];
        for (text, kind, expected) in cases {
            check_manifest(text, kind, expected);
        }
    }

    #[test]
    fn bad_manifests_say_what_is_wrong() {
        let cases = [
            ("[1, 2]", "every entry must be a path string; found 1"),
            (
                "{\"paths\": []}",
                "found an object without a \"files\" array",
            ),
            ("{\"files\": ", "is not valid JSON"),
            ("# only a comment\n", "the manifest lists no files"),
            ("\"a.parquet\"", "expected a JSON array"),
        ];
        for (text, expected) in cases {
            check_manifest(text, ManifestKind::Either, Err(expected));
        }
    }

    #[test]
    fn manifests_over_the_entry_limit_are_refused() {
        let limit = MANIFEST_ENTRY_LIMIT;
        let json = |n: usize| serde_json::Value::from(vec!["a.csv"; n]).to_string();
        let lines = |n: usize| "a.csv\n".repeat(n);
        assert_eq!(
            parse_manifest(&json(limit), ManifestKind::Json)
                .unwrap()
                .len(),
            limit
        );
        assert_eq!(
            parse_manifest(&lines(limit), ManifestKind::Lines)
                .unwrap()
                .len(),
            limit
        );
        check_manifest(
            &json(limit + 1),
            ManifestKind::Json,
            Err("lists 100001 entries; the limit is 100,000"),
        );
        check_manifest(
            &format!("# comment\n{}", lines(limit + 1)),
            ManifestKind::Either,
            Err("lists more than 100,000 entries; the limit is 100,000"),
        );
    }

    #[test]
    fn entries_outside_the_manifest_folder_are_recognised_from_their_text() {
        let cases = [
            ("a.csv", None),
            ("./date=1/a..b.csv", None),
            ("../secret.csv", Some("with ..")),
            ("a/../../b.csv", Some("with ..")),
            ("a\\..\\b.csv", Some("with ..")),
            ("/etc/passwd", Some("is absolute")),
            ("\\\\server\\share\\a.csv", Some("is absolute")),
            ("C:\\data\\a.csv", Some("is absolute")),
        ];
        for (entry, expected) in cases {
            let found = outside_reason(entry);
            match expected {
                None => assert_eq!(found, None, "{entry}"),
                Some(part) => assert!(found.is_some_and(|reason| reason.contains(part)), "{entry}"),
            }
        }
        assert!(is_url("https://h/a.csv"));
        assert!(!is_url("a.csv"));
        assert_eq!(manifest_entry_name("./date=1/a.csv"), "date=1/a.csv");
    }
}
