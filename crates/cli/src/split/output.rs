//! The output folder of `split`: everything is written into a temporary folder beside it and
//! renamed into place when complete; `--force` replaces only what an earlier split wrote.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::shown;

/// Files of an earlier split listed in the refusal, at most.
const LISTED: usize = 5;

/// A split's output in the making.
pub struct Output {
    out: PathBuf,
    parent: PathBuf,
    staging: PathBuf,
    /// The output folder exists: empty, or (with `--force`) an earlier split's.
    existing: Option<Existing>,
    committed: bool,
}

enum Existing {
    Empty,
    /// The relative (`/`-separated) paths of an earlier split's files, `manifest.json` included.
    EarlierSplit(BTreeSet<String>),
}

impl Output {
    /// Checks the output folder (missing, empty, or with `force` an earlier split's and nothing
    /// else) and creates the temporary folder beside it.
    pub fn prepare(out: &Path, force: bool) -> Result<Output> {
        let shown_out = shown::path(out);
        let existing = if out.exists() {
            if !out.is_dir() {
                bail!("{shown_out} exists and is not a folder");
            }
            let mut entries =
                std::fs::read_dir(out).with_context(|| format!("cannot list {shown_out}"))?;
            if entries.next().is_none() {
                Some(Existing::Empty)
            } else if !force {
                bail!(
                    "{shown_out} is not empty; choose an empty folder, or pass --force to replace the extracts of an earlier split in it"
                );
            } else {
                Some(Existing::EarlierSplit(earlier_split(out)?))
            }
        } else {
            None
        };
        let parent = match out.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create the output folder {shown_out}"))?;
        let staging = beside(out, &parent, "tmp");
        std::fs::create_dir(&staging).with_context(|| {
            format!(
                "cannot create the output folder {shown_out} (its temporary folder {} first)",
                shown::path(&staging)
            )
        })?;
        Ok(Output {
            out: out.to_path_buf(),
            parent,
            staging,
            existing,
            committed: false,
        })
    }

    /// Where the extracts are written until [`Output::commit`].
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Writes the manifest and moves the finished output into place, then removes the earlier
    /// split's files (and only those).
    pub fn commit(mut self, manifest: &str) -> Result<()> {
        let manifest_path = self.staging.join("manifest.json");
        std::fs::File::create_new(&manifest_path)
            .and_then(|mut file| {
                std::io::Write::write_all(&mut file, manifest.as_bytes())?;
                file.sync_all()
            })
            .with_context(|| format!("cannot write {}", shown::path(&manifest_path)))?;
        crate::durable::sync_folder(&manifest_path);
        let shown_out = shown::path(&self.out);
        match &self.existing {
            None => std::fs::rename(&self.staging, &self.out)
                .with_context(|| format!("cannot move the extracts into {shown_out}"))?,
            Some(Existing::Empty) => {
                std::fs::remove_dir(&self.out)
                    .with_context(|| format!("cannot replace the empty folder {shown_out}"))?;
                std::fs::rename(&self.staging, &self.out)
                    .with_context(|| format!("cannot move the extracts into {shown_out}"))?;
            }
            Some(Existing::EarlierSplit(listed)) => {
                let aside = beside(&self.out, &self.parent, "old");
                std::fs::rename(&self.out, &aside)
                    .with_context(|| format!("cannot move the earlier {shown_out} aside"))?;
                if let Err(error) = std::fs::rename(&self.staging, &self.out) {
                    let _ = std::fs::rename(&aside, &self.out);
                    return Err(anyhow::Error::new(error)
                        .context(format!("cannot move the extracts into {shown_out}")));
                }
                self.committed = true;
                remove_listed(&aside, listed);
            }
        }
        self.committed = true;
        crate::durable::sync_folder(&self.out);
        Ok(())
    }
}

impl Drop for Output {
    /// A split that failed leaves nothing behind: no partial output without a manifest.
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// `PARENT/.NAME.coursepulse-split-WHAT-RANDOM`.
fn beside(out: &Path, parent: &Path, what: &str) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "out".into(), |name| name.to_string_lossy());
    parent.join(format!(
        ".{name}.coursepulse-split-{what}-{:016x}",
        crate::durable::random_u64()
    ))
}

/// The files of an earlier split in `out`, by its manifest; refuses a folder holding anything
/// else, so `--force` never removes what split did not write.
fn earlier_split(out: &Path) -> Result<BTreeSet<String>> {
    let shown_out = shown::path(out);
    let manifest_path = out.join("manifest.json");
    let refuse = || {
        format!(
            "{shown_out} is not empty and has no manifest.json of an earlier split; --force replaces only a split's output: choose an empty folder"
        )
    };
    let text = std::fs::read_to_string(&manifest_path).with_context(refuse)?;
    let manifest: serde_json::Value = serde_json::from_str(&text).with_context(refuse)?;
    let mut listed: BTreeSet<String> = manifest["files"]
        .as_array()
        .with_context(refuse)?
        .iter()
        .filter_map(|file| file.as_str().map(str::to_owned))
        .collect();
    listed.insert("manifest.json".to_owned());
    let mut unlisted = Vec::new();
    for file in files_under(out, out)? {
        if !listed.contains(&file) {
            unlisted.push(file);
        }
    }
    if !unlisted.is_empty() {
        let count = unlisted.len();
        unlisted.truncate(LISTED);
        bail!(
            "--force replaces only what an earlier split wrote, and {shown_out} also holds {count} file(s) its manifest.json does not list: {}{}; move them away or choose another folder",
            unlisted
                .iter()
                .map(|file| shown::text(file))
                .collect::<Vec<_>>()
                .join(", "),
            if count > LISTED { ", ..." } else { "" }
        );
    }
    Ok(listed)
}

/// Every non-folder entry under `folder` (symbolic links included, never followed), as
/// `/`-separated paths relative to `root`.
fn files_under(root: &Path, folder: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(folder)
        .with_context(|| format!("cannot list {}", shown::path(folder)))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", shown::path(folder)))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot inspect {}", shown::path(&path)))?;
        if kind.is_dir() {
            files.extend(files_under(root, &path)?);
        } else {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            files.push(
                relative
                    .components()
                    .map(|component| component.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/"),
            );
        }
    }
    Ok(files)
}

/// Removes the listed files of the earlier output moved aside, then its empty folders; warns
/// about anything left (something written there meanwhile).
fn remove_listed(aside: &Path, listed: &BTreeSet<String>) {
    if let Ok(files) = files_under(aside, aside) {
        for file in files.iter().filter(|file| listed.contains(*file)) {
            let _ = std::fs::remove_file(aside.join(file));
        }
    }
    remove_empty_folders(aside);
    if aside.exists() {
        eprintln!(
            "coursepulse: warning: {} holds files the earlier split did not write; they were left there",
            shown::path(aside)
        );
    }
}

fn remove_empty_folders(folder: &Path) {
    if let Ok(entries) = std::fs::read_dir(folder) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                remove_empty_folders(&entry.path());
            }
        }
    }
    // Fails, and keeps the folder, when something is still in it.
    let _ = std::fs::remove_dir(folder);
}
