//! A Parquet `ChunkReader` over a file on disk that clones cheaply (the engine's reader wants
//! `Clone`, which `std::fs::File` is not), so a Parquet input is read column chunk by column
//! chunk instead of being loaded whole: a 3 GB file costs the row group being read, not 3 GB.

use std::fs::File;
use std::io::{BufReader, Read};
#[cfg(not(unix))]
use std::io::{Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
#[cfg(not(unix))]
use std::sync::Mutex;

use bytes::Bytes;
use parquet::errors::{ParquetError, Result as ParquetResult};
use parquet::file::reader::{ChunkReader, Length};

/// An open file shared by every reader of it (and every thread: on Unix positioned reads need
/// no lock, elsewhere a lock keeps each seek with its read).
#[derive(Clone, Debug)]
pub struct SharedFile {
    #[cfg(unix)]
    file: Arc<File>,
    #[cfg(not(unix))]
    file: Arc<Mutex<File>>,
    len: u64,
}

impl SharedFile {
    /// Opens `path` for reading.
    pub fn open(path: &Path) -> std::io::Result<SharedFile> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(SharedFile {
            #[cfg(unix)]
            file: Arc::new(file),
            #[cfg(not(unix))]
            file: Arc::new(Mutex::new(file)),
            len,
        })
    }

    /// The first `length` bytes at most (to sniff the format).
    pub fn head(&self, length: usize) -> std::io::Result<Bytes> {
        self.read_at(0, length.min(self.len as usize))
    }

    #[cfg(unix)]
    fn read_at(&self, start: u64, length: usize) -> std::io::Result<Bytes> {
        use std::os::unix::fs::FileExt;
        let mut buffer = vec![0; length];
        self.file.read_exact_at(&mut buffer, start)?;
        Ok(Bytes::from(buffer))
    }

    #[cfg(not(unix))]
    fn read_at(&self, start: u64, length: usize) -> std::io::Result<Bytes> {
        let mut file = self
            .file
            .lock()
            .map_err(|_| std::io::Error::other("file lock poisoned"))?;
        file.seek(SeekFrom::Start(start))?;
        let mut buffer = vec![0; length];
        file.read_exact(&mut buffer)?;
        Ok(Bytes::from(buffer))
    }
}

impl Length for SharedFile {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for SharedFile {
    type T = BufReader<FileRead>;

    fn get_read(&self, start: u64) -> ParquetResult<Self::T> {
        // Page headers are read through this: buffered, so a header costs one small read.
        Ok(BufReader::with_capacity(
            8 * 1024,
            FileRead {
                file: self.clone(),
                position: start,
            },
        ))
    }

    fn get_bytes(&self, start: u64, length: usize) -> ParquetResult<Bytes> {
        self.read_at(start, length)
            .map_err(|error| ParquetError::External(Box::new(error)))
    }
}

/// A forward reader from a position of a [`SharedFile`].
pub struct FileRead {
    file: SharedFile,
    position: u64,
}

impl Read for FileRead {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let length = (self.file.len.saturating_sub(self.position) as usize).min(out.len());
        let bytes = self.file.read_at(self.position, length)?;
        out[..length].copy_from_slice(&bytes);
        self.position += length as u64;
        Ok(length)
    }
}
