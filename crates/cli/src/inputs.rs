//! Input arguments to files: a data file as is, a folder (recursively, data files only), or a
//! `manifest.json` listing paths relative to it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// One data file to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// Where it is on disk.
    pub path: PathBuf,
    /// The name the engine gets: the path as given for a file argument, the path relative to
    /// the folder or manifest otherwise (`/`-separated), so hive partitions are parsed from it.
    pub name: String,
}

const DATA_EXTENSIONS: [&str; 3] = ["parquet", "parq", "csv"];

/// Expands every argument, in order; a folder's files are sorted by relative path.
pub fn expand(arguments: &[PathBuf]) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for argument in arguments {
        if argument.is_dir() {
            let before = inputs.len();
            walk(argument, argument, &mut inputs)?;
            inputs[before..].sort_by(|left: &Input, right: &Input| left.name.cmp(&right.name));
            if inputs.len() == before {
                bail!(
                    "{} is a directory with no data files (.parquet, .parq or .csv) in it",
                    argument.display()
                );
            }
        } else if is_manifest(argument) {
            inputs.extend(manifest(argument)?);
        } else {
            inputs.push(Input {
                path: argument.clone(),
                name: argument.display().to_string(),
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

/// Hidden files and folders, and `_`-prefixed ones (`_SUCCESS`, `_temporary/`), are not data.
fn is_skipped(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

fn walk(root: &Path, folder: &Path, inputs: &mut Vec<Input>) -> Result<()> {
    let entries =
        std::fs::read_dir(folder).with_context(|| format!("cannot list {}", folder.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", folder.display()))?;
        let path = entry.path();
        let Some(file_name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if is_skipped(file_name) {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, inputs)?;
            continue;
        }
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase);
        if !extension.is_some_and(|extension| DATA_EXTENSIONS.contains(&extension.as_str())) {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let name = relative
            .components()
            .map(|component| component.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        inputs.push(Input { path, name });
    }
    Ok(())
}

/// A JSON array of paths, or `{ "files": [...] }`; paths are relative to the manifest's folder.
fn manifest(path: &Path) -> Result<Vec<Input>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let list = match &value {
        serde_json::Value::Array(list) => list,
        serde_json::Value::Object(object) => match object.get("files") {
            Some(serde_json::Value::Array(list)) => list,
            _ => bail!(
                "{}: expected a JSON array of paths or {{ \"files\": [...] }}; found an object without a \"files\" array",
                path.display()
            ),
        },
        _ => bail!(
            "{}: expected a JSON array of paths or {{ \"files\": [...] }}",
            path.display()
        ),
    };
    let folder = path.parent().unwrap_or(Path::new(""));
    list.iter()
        .map(|entry| {
            let Some(relative) = entry.as_str() else {
                bail!("{}: every entry must be a path string; found {entry}", path.display());
            };
            if relative.contains("://") {
                bail!(
                    "{}: {relative} is a URL; the CLI reads local files; open URLs in the web app",
                    path.display()
                );
            }
            if Path::new(relative).is_absolute() {
                bail!(
                    "{}: {relative} is absolute; manifest paths are relative to the manifest's folder",
                    path.display()
                );
            }
            Ok(Input {
                path: folder.join(relative),
                name: relative.trim_start_matches("./").to_owned(),
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
        let names: Vec<String> = expand(&[dir.path().to_path_buf()])
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
        let inputs = expand(std::slice::from_ref(&manifest_path)).unwrap();
        assert_eq!(inputs[0].name, "date=2025-03-01/a.parquet");
        assert_eq!(inputs[0].path, dir.path().join("date=2025-03-01/a.parquet"));
        std::fs::write(&manifest_path, r#"["https://example.org/a.parquet"]"#).unwrap();
        let error = expand(&[manifest_path]).unwrap_err().to_string();
        assert!(error.contains("open URLs in the web app"), "{error}");
    }
}
