//! Durable, private file writes: the state file replaced atomically (random exclusive temporary
//! name, mode 0600, fsync, rename, fsync of the folder), and the helpers split shares.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use crate::shown;

/// Writes `bytes` to a new temporary file beside `path` (a random name, created exclusively so
/// that nothing already there, a symbolic link included, is written through; mode 0600), syncs
/// it, renames it over `path` and syncs the folder, so a crash leaves either the old state or
/// the new one, never half of one, and no other user can read it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let (mut file, temporary) = create_temporary(path)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", shown::path(&temporary)));
    drop(file);
    let renamed = written.and_then(|()| {
        std::fs::rename(&temporary, path)
            .with_context(|| format!("cannot replace {}", shown::path(path)))
    });
    if let Err(error) = renamed {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    sync_folder(path);
    Ok(())
}

/// A new file `.NAME.RANDOM.tmp` beside `path`, created with O_EXCL (never an existing file or
/// symbolic link) and, on Unix, mode 0600.
fn create_temporary(path: &Path) -> Result<(std::fs::File, PathBuf)> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", shown::path(path)))?;
    let mut attempts = 0;
    loop {
        let mut temporary_name = std::ffi::OsString::from(".");
        temporary_name.push(file_name);
        temporary_name.push(format!(".{:016x}.tmp", random_u64()));
        let temporary = path.with_file_name(temporary_name);
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        match open.open(&temporary) {
            Ok(file) => return Ok((file, temporary)),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && attempts < 16 => {
                attempts += 1;
            }
            Err(error) => {
                return Err(anyhow::Error::new(error)
                    .context(format!("cannot create {}", shown::path(&temporary))));
            }
        }
    }
}

/// 64 unpredictable bits: std's hasher keys are random per process; the clock and a counter
/// make successive calls differ.
pub fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(since_epoch) = SystemTime::now().duration_since(UNIX_EPOCH) {
        hasher.write_u128(since_epoch.as_nanos());
    }
    hasher.finish()
}

/// Makes a rename in `path`'s folder durable (Unix; elsewhere a no-op). A failure is ignored:
/// the file itself was synced, and some file systems cannot sync a folder.
pub fn sync_folder(path: &Path) {
    #[cfg(unix)]
    {
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        if let Ok(folder) = std::fs::File::open(folder) {
            let _ = folder.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_writes_use_fresh_private_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.bin");
        let (_, first) = create_temporary(&path).unwrap();
        let (_, second) = create_temporary(&path).unwrap();
        assert_ne!(first, second, "temporary names are random");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&first).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        write_atomically(&path, b"state").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"state");
    }
}
