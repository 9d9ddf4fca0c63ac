//! Input arguments to files: a data file as is, a folder (recursively, data files only), or a
//! `manifest.json` listing paths relative to it, confined to its folder unless allowed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use coursepulse_engine::ManifestKind;

use crate::shown;

/// One data file to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// Where it is on disk.
    pub path: PathBuf,
    /// The name the engine gets: the path as given for a file argument, the path relative to
    /// the folder or manifest otherwise (`/`-separated), so hive partitions are parsed from it.
    pub name: String,
    /// The manifest that listed it, when the user did not name it (or its folder) directly:
    /// errors about such a file never quote its content.
    pub manifest: Option<PathBuf>,
}

/// Bytes a manifest may have (the engine's 100,000 entries of long paths fit easily).
const MANIFEST_BYTE_LIMIT: u64 = 64 * 1024 * 1024;

/// How manifests are read.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExpandOptions {
    /// Whether manifest entries may be absolute or lead outside the manifest's folder
    /// (`--allow-outside-manifest`).
    pub allow_outside_manifest: bool,
}

impl Input {
    /// An engine error about this input, as the user may see it: as it is for a file the user
    /// named, without the file's content (column names, values, first bytes) for one reached
    /// through a manifest.
    pub fn engine_error(&self, error: coursepulse_engine::Error) -> anyhow::Error {
        if self.manifest.is_none() {
            return error.into();
        }
        use coursepulse_engine::Error;
        let what = match &error {
            Error::Parquet { .. } => "cannot be read as Parquet",
            Error::Arrow { .. } => "cannot be parsed",
            Error::Format { .. } => "is not a file CoursePulse reads (Parquet or CSV)",
            Error::Decoder { .. } => "made the decoder fail on malformed data",
            Error::Mapping { .. } => {
                "has no usable column mapping (student id, video and completion columns)"
            }
            Error::UnsupportedCodec { .. } => "uses a compression codec this build cannot decode",
            _ => "cannot be read",
        };
        self.hidden(what)
    }

    /// `error` as it is for a file the user named; for one reached through a manifest, `what`
    /// alone (no file content).
    pub fn content_error(&self, error: anyhow::Error, what: &str) -> anyhow::Error {
        if self.manifest.is_none() {
            error
        } else {
            self.hidden(what)
        }
    }

    fn hidden(&self, what: &str) -> anyhow::Error {
        let manifest = self.manifest.as_deref().unwrap_or(Path::new(""));
        anyhow::anyhow!(
            "{}: {what}; the file is listed in {}, so its content is not shown: run coursepulse on the file itself to see the details",
            shown::text(&self.name),
            shown::path(manifest)
        )
    }
}

/// Expands every argument, in order; a folder's files are sorted by relative path.
pub fn expand(arguments: &[PathBuf], options: ExpandOptions) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for argument in arguments {
        if argument.is_dir() {
            let before = inputs.len();
            walk(argument, argument, &mut inputs)?;
            inputs[before..].sort_by(|left: &Input, right: &Input| left.name.cmp(&right.name));
            if inputs.len() == before {
                bail!(coursepulse_engine::empty_folder_message(&shown::path(
                    argument
                )));
            }
        } else if is_manifest(argument) {
            inputs.extend(manifest(argument, options)?);
        } else {
            inputs.push(Input {
                path: argument.clone(),
                name: argument.display().to_string(),
                manifest: None,
            });
        }
    }
    Ok(inputs)
}

fn is_manifest(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.ends_with("manifest.json"))
}

fn walk(root: &Path, folder: &Path, inputs: &mut Vec<Input>) -> Result<()> {
    let entries = std::fs::read_dir(folder)
        .with_context(|| format!("cannot list {}", shown::path(folder)))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", shown::path(folder)))?;
        let path = entry.path();
        let Some(file_name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        // The engine's folder rule: hidden and `_`-prefixed files and folders are not data.
        if coursepulse_engine::is_skipped_segment(file_name) {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, inputs)?;
            continue;
        }
        // Data files and JSON-lines event logs (not any .json file: manifests and such are
        // JSON), by the engine's rule, which the web app's folder picker shares.
        if !coursepulse_engine::is_data_path(file_name) {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let name = relative
            .components()
            .map(|component| component.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        inputs.push(Input {
            path,
            name,
            manifest: None,
        });
    }
    Ok(())
}

/// A JSON array of paths, or `{ "files": [...] }`; paths are relative to the manifest's folder
/// and must stay inside it unless `options.allow_outside_manifest`.
fn manifest(path: &Path, options: ExpandOptions) -> Result<Vec<Input>> {
    let shown_path = shown::path(path);
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {shown_path}"))?
        .len();
    if size > MANIFEST_BYTE_LIMIT {
        bail!(
            "{shown_path}: the manifest is {size} bytes; the limit is {MANIFEST_BYTE_LIMIT} bytes"
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {shown_path}"))?;
    let entries = coursepulse_engine::parse_manifest(&text, ManifestKind::Json)
        .map_err(|error| anyhow::anyhow!("{shown_path}: {error}"))?;
    let folder = path.parent().unwrap_or(Path::new(""));
    // The folder as the file system resolves it, to catch entries that leave it through a
    // symbolic link; `None` when it cannot be resolved (the entries then fail to open).
    let real_folder = std::fs::canonicalize(if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    })
    .ok();
    entries
        .iter()
        .map(|relative| {
            let shown_entry = shown::text(relative);
            if coursepulse_engine::is_url(relative) {
                bail!(
                    "{shown_path}: {shown_entry} is a URL; the CLI reads local files; open URLs in the web app"
                );
            }
            let entry_path = Path::new(relative);
            if !options.allow_outside_manifest {
                // The engine judges the text (absolute, `..`); the OS may know more absolute
                // forms, and only the file system knows where a symbolic link leads.
                let reason = coursepulse_engine::outside_reason(relative).or_else(|| {
                    entry_path.is_absolute().then_some(
                        "is absolute; manifest paths are relative to the manifest's folder",
                    )
                });
                if let Some(reason) = reason {
                    bail!(
                        "{shown_path}: {shown_entry} {reason} (pass --allow-outside-manifest to read files elsewhere)"
                    );
                }
                let joined = folder.join(entry_path);
                if let (Some(real_folder), Ok(real_entry)) =
                    (&real_folder, std::fs::canonicalize(&joined))
                    && !real_entry.starts_with(real_folder)
                {
                    bail!(
                        "{shown_path}: {shown_entry} leads outside the manifest's folder through a symbolic link (pass --allow-outside-manifest to read files elsewhere)"
                    );
                }
            }
            Ok(Input {
                path: folder.join(entry_path),
                name: coursepulse_engine::manifest_entry_name(relative).to_owned(),
                manifest: Some(path.to_path_buf()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_list_data_files_sorted_and_skip_hidden_and_underscored_ones() {
        let dir = tempfile::tempdir().unwrap();
        for file in [
            "date=2025-03-02/part-0.parquet",
            "date=2025-03-01/part-1.PARQ",
            "date=2025-03-01/part-0.parquet",
            "date=2025-03-01/_SUCCESS",
            "date=2025-03-01/.part-0.parquet.crc",
            "_temporary/part-9.parquet",
            "notes.txt",
            "extra.csv",
        ] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
        let names: Vec<String> = expand(&[dir.path().to_path_buf()], ExpandOptions::default())
            .unwrap()
            .into_iter()
            .map(|input| input.name)
            .collect();
        assert_eq!(
            names,
            [
                "date=2025-03-01/part-0.parquet",
                "date=2025-03-01/part-1.PARQ",
                "date=2025-03-02/part-0.parquet",
                "extra.csv"
            ]
        );
    }

    #[test]
    fn manifests_are_relative_to_their_folder_and_refuse_urls() {
        let dir = tempfile::tempdir().unwrap();
        let manifest_path = dir.path().join("manifest.json");
        std::fs::write(
            &manifest_path,
            r#"{"files": ["date=2025-03-01/a.parquet"]}"#,
        )
        .unwrap();
        let inputs = expand(
            std::slice::from_ref(&manifest_path),
            ExpandOptions::default(),
        )
        .unwrap();
        assert_eq!(inputs[0].name, "date=2025-03-01/a.parquet");
        assert_eq!(inputs[0].path, dir.path().join("date=2025-03-01/a.parquet"));
        std::fs::write(&manifest_path, r#"["https://example.org/a.parquet"]"#).unwrap();
        let error = expand(&[manifest_path], ExpandOptions::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("open URLs in the web app"), "{error}");
    }
}
