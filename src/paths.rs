//! Dataset paths in the browser: the relative names that carry hive partitions
//! (`date=2025-03-01/part-0.parquet`), and manifests (`manifest.json`, or a plain list of URLs)
//! resolved against their own URL. Which files are data and what a manifest says are the
//! engine's rules (`coursepulse_engine::is_data_path`, `parse_manifest`), shared with the CLI.

use coursepulse_engine::ManifestKind;
pub use coursepulse_engine::{empty_folder_message, is_data_path};

/// A picked file's name relative to the folder the user chose: the browser's
/// `webkitRelativePath` starts with that folder's own name, which is not part of the dataset
/// (the CLI names files relative to the folder argument too).
pub fn relative_to_chosen_folder(webkit_relative_path: &str) -> String {
    match webkit_relative_path.split_once('/') {
        Some((_, rest)) if !rest.is_empty() => rest.to_owned(),
        _ => webkit_relative_path.to_owned(),
    }
}

/// Keeps the data files of a folder, sorted by relative name (the CLI's order); `None` when
/// there are none, so the caller can say so.
pub fn data_files<T>(mut files: Vec<(String, T)>) -> Option<Vec<(String, T)>> {
    files.retain(|(name, _)| is_data_path(name));
    files.sort_by(|left, right| left.0.cmp(&right.0));
    (!files.is_empty()).then_some(files)
}

/// Whether `?src=` names a manifest rather than a data file: `*.json`, or a `.txt`/`.list`
/// file of URLs.
pub fn is_manifest_url(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    path.ends_with(".json") || path.ends_with(".txt") || path.ends_with(".list")
}

/// One file a manifest lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Where to fetch it, resolved against the manifest's URL.
    pub url: String,
    /// The name the engine sees: the path as written in the manifest (relative paths keep their
    /// `key=value` segments, so partitions apply), without a leading `./`.
    pub name: String,
}

/// Parses a manifest fetched from `manifest_url`: a JSON array of paths, `{"files": [...]}`
/// (the CLI's format), or plain text with one path or URL a line (`#` starts a comment), at most
/// the engine's 100,000 entries. Paths are relative to the manifest; absolute URLs are allowed
/// (the browser can fetch them).
pub fn parse_manifest(text: &str, manifest_url: &str) -> Result<Vec<ManifestEntry>, String> {
    let paths = coursepulse_engine::parse_manifest(text, ManifestKind::Either)
        .map_err(|error| format!("{manifest_url}: {error}"))?;
    Ok(paths
        .iter()
        .map(|path| ManifestEntry {
            url: resolve_url(manifest_url, path),
            name: coursepulse_engine::manifest_entry_name(path).to_owned(),
        })
        .collect())
}

/// A manifest read again (live mode) beside the names the dataset has loaded: the entries not
/// loaded yet (the only ones to fetch, in the manifest's order) and the loaded names of
/// `from_manifest` that it no longer lists (files added by hand are not the manifest's to drop).
pub fn new_entries(
    entries: Vec<ManifestEntry>,
    loaded: &[String],
    from_manifest: impl Fn(&str) -> bool,
) -> (Vec<ManifestEntry>, Vec<String>) {
    let listed: Vec<&str> = entries.iter().map(|entry| entry.name.as_str()).collect();
    let loaded: Vec<&str> = loaded.iter().map(String::as_str).collect();
    let change = coursepulse_engine::listing_change(&listed, &loaded);
    let missing = change
        .missing
        .into_iter()
        .filter(|name| from_manifest(name))
        .collect();
    let mut added = change.added.into_iter().peekable();
    let new = entries
        .into_iter()
        .enumerate()
        .filter(|(position, _)| added.next_if_eq(position).is_some())
        .map(|(_, entry)| entry)
        .collect();
    (new, missing)
}

/// `path` resolved against `base` the way a browser resolves a link: absolute URLs as they are,
/// `/x` against the origin, anything else against the base's folder (`..` and `.` removed).
pub fn resolve_url(base: &str, path: &str) -> String {
    if path.contains("://") || path.starts_with("data:") || path.starts_with("blob:") {
        return path.to_owned();
    }
    let base = base.split(['?', '#']).next().unwrap_or(base);
    let (origin, base_path) = match base.find("://") {
        Some(scheme_end) => {
            let after = scheme_end + 3;
            match base[after..].find('/') {
                Some(slash) => base.split_at(after + slash),
                None => (base, "/"),
            }
        }
        None => ("", base),
    };
    if let Some(rooted) = path.strip_prefix('/') {
        if path.starts_with("//") {
            let scheme = origin.split("://").next().unwrap_or("https");
            return format!("{scheme}:{path}");
        }
        return format!("{origin}/{}", normalise(rooted));
    }
    let folder = match base_path.rfind('/') {
        Some(slash) => &base_path[..=slash],
        None => "",
    };
    let joined = format!("{folder}{path}");
    let leading_slash = joined.starts_with('/');
    let normal = normalise(joined.trim_start_matches('/'));
    if leading_slash {
        format!("{origin}/{normal}")
    } else {
        format!("{origin}{normal}")
    }
}

/// Removes `.` and `..` segments (never above the root).
fn normalise(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "." => {}
            ".." => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_keep_data_files_sorted_and_skip_hidden_and_underscored_ones() {
        let files = [
            "date=2025-03-02/part-0.parquet",
            "date=2025-03-01/part-1.PARQ",
            "date=2025-03-01/part-0.parquet",
            "date=2025-03-01/_SUCCESS",
            "date=2025-03-01/.part-0.parquet.crc",
            "_temporary/part-9.parquet",
            ".hidden/part-9.parquet",
            "notes.txt",
            "README",
            "extra.csv",
        ]
        .map(|name| (name.to_owned(), ()));
        let kept: Vec<String> = data_files(files.to_vec())
            .unwrap()
            .into_iter()
            .map(|(name, ())| name)
            .collect();
        assert_eq!(
            kept,
            [
                "date=2025-03-01/part-0.parquet",
                "date=2025-03-01/part-1.PARQ",
                "date=2025-03-02/part-0.parquet",
                "extra.csv"
            ]
        );
    }

    #[test]
    fn a_folder_without_data_files_is_none_and_the_message_matches_the_cli() {
        let files = vec![("notes.txt".to_owned(), ()), ("_SUCCESS".to_owned(), ())];
        assert!(data_files(files).is_none());
        assert!(data_files(Vec::<(String, ())>::new()).is_none());
        assert_eq!(
            empty_folder_message("logs"),
            "logs is a directory with no data files (.parquet, .parq, .csv, or .ndjson or .jsonl event logs) in it"
        );
    }

    #[test]
    fn relative_paths_drop_the_chosen_folder_name() {
        assert_eq!(
            relative_to_chosen_folder("logs/date=2025-03-01/part-0.parquet"),
            "date=2025-03-01/part-0.parquet"
        );
        assert_eq!(
            relative_to_chosen_folder("part-0.parquet"),
            "part-0.parquet"
        );
    }

    #[test]
    fn manifests_in_every_format_resolve_against_their_url() {
        let base = "http://127.0.0.1:8080/app/data/ds/manifest.json?x=1";
        let expected = vec![
            ManifestEntry {
                url: "http://127.0.0.1:8080/app/data/ds/date=2025-03-01/part-0.parquet".into(),
                name: "date=2025-03-01/part-0.parquet".into(),
            },
            ManifestEntry {
                url: "https://cdn.example.org/x.parquet".into(),
                name: "https://cdn.example.org/x.parquet".into(),
            },
        ];
        let array = r#"["./date=2025-03-01/part-0.parquet", "https://cdn.example.org/x.parquet"]"#;
        assert_eq!(parse_manifest(array, base).unwrap(), expected);
        let object =
            r#"{"files": ["date=2025-03-01/part-0.parquet", "https://cdn.example.org/x.parquet"]}"#;
        assert_eq!(parse_manifest(object, base).unwrap(), expected);
        let text = "# two files\n./date=2025-03-01/part-0.parquet\r\n\nhttps://cdn.example.org/x.parquet\n";
        assert_eq!(parse_manifest(text, base).unwrap(), expected);
    }

    #[test]
    fn bad_manifests_say_what_is_wrong() {
        let base = "data/manifest.json";
        let cases = [
            ("[1, 2]", "every entry must be a path string; found 1"),
            (
                "{\"paths\": []}",
                "found an object without a \"files\" array",
            ),
            ("{\"files\": ", "is not valid JSON"),
            (
                &"a.csv\n".repeat(100_001),
                "lists more than 100,000 entries",
            ),
            ("[]", "the manifest lists no files"),
            ("# only a comment\n", "the manifest lists no files"),
            ("\"a.parquet\"", "expected a JSON array"),
        ];
        for (text, expected) in cases {
            let error = parse_manifest(text, base).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
            assert!(error.starts_with(base), "{text:?}: {error}");
        }
    }

    #[test]
    fn a_manifest_read_again_yields_only_its_new_entries() {
        let base = "http://h/app/data/live/manifest.json";
        let text = r#"{"files": ["date=2025-03-02/part-0.parquet", "date=2025-03-03/part-0.parquet", "date=2025-03-03/part-0.parquet", "./date=2025-03-04/part-0.parquet"]}"#;
        let entries = parse_manifest(text, base).unwrap();
        let loaded: Vec<String> = [
            "date=2025-03-01/part-0.parquet",
            "date=2025-03-02/part-0.parquet",
            "mine.csv",
        ]
        .map(str::to_owned)
        .to_vec();
        let (new, missing) = new_entries(entries, &loaded, |name| name.starts_with("date="));
        let names: Vec<&str> = new.iter().map(|entry| entry.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "date=2025-03-03/part-0.parquet",
                "date=2025-03-04/part-0.parquet"
            ]
        );
        assert_eq!(
            new[1].url,
            "http://h/app/data/live/date=2025-03-04/part-0.parquet"
        );
        assert_eq!(
            missing,
            ["date=2025-03-01/part-0.parquet"],
            "a file added by hand is not the manifest's to drop"
        );
        let (none, _) = new_entries(
            parse_manifest("[\"mine.csv\"]", base).unwrap(),
            &loaded,
            |_| true,
        );
        assert!(none.is_empty());
    }

    #[test]
    fn urls_resolve_like_links() {
        let cases = [
            ("data/m.json", "a.parquet", "data/a.parquet"),
            ("data/m.json", "../b.parquet", "b.parquet"),
            ("m.json", "date=1/a.parquet", "date=1/a.parquet"),
            (
                "http://h:1/app/m.json",
                "/root/a.parquet",
                "http://h:1/root/a.parquet",
            ),
            ("http://h:1", "a.parquet", "http://h:1/a.parquet"),
            (
                "https://h/x/m.json",
                "//cdn/a.parquet",
                "https://cdn/a.parquet",
            ),
            ("/app/m.json", "./a/../b.parquet", "/app/b.parquet"),
            (
                "http://h/a/m.json",
                "http://other/z.parquet",
                "http://other/z.parquet",
            ),
        ];
        for (base, path, expected) in cases {
            assert_eq!(resolve_url(base, path), expected, "{base} + {path}");
        }
    }

    #[test]
    fn manifest_urls_are_recognised_by_their_extension() {
        assert!(is_manifest_url("data/manifest.json"));
        assert!(is_manifest_url("https://h/files.TXT?sig=1"));
        assert!(!is_manifest_url("data/part-0.parquet"));
        assert!(!is_manifest_url("data/x.csv#json"));
    }
}
