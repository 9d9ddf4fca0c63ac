//! Reads byte ranges of a browser `File` synchronously (`FileReaderSync`, workers only), as a
//! Parquet [`ChunkReader`]: the footer first, then each page of the projected columns, so a file
//! is never held whole in wasm memory.
//!
//! `ChunkReader` must be `Send + Sync`, which a `File` handle (a `JsValue`) is not; the handles
//! live in a thread-local registry and readers carry an index into it. The worker is one thread,
//! so the registry is only ever touched from it.

use std::cell::RefCell;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use js_sys::Uint8Array;
use parquet::errors::{ParquetError, Result as ParquetResult};
use parquet::file::reader::{ChunkReader, Length};
use web_sys::{File, FileReaderSync};

thread_local! {
    static FILES: RefCell<Vec<Option<File>>> = const { RefCell::new(Vec::new()) };
}

/// A registered `File`, readable by range. Clones share the byte counter.
#[derive(Clone, Debug)]
pub struct FileChunks {
    index: usize,
    len: u64,
    bytes_read: Arc<AtomicU64>,
}

impl FileChunks {
    /// Registers `file` (until [`FileChunks::release`]).
    pub fn register(file: File) -> FileChunks {
        let len = file.size().max(0.0) as u64;
        let index = FILES.with(|files| {
            let mut files = files.borrow_mut();
            files.push(Some(file));
            files.len() - 1
        });
        FileChunks {
            index,
            len,
            bytes_read: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Drops the handle (when a new dataset replaces the one it belongs to); reads then fail.
    pub fn release(&self) {
        FILES.with(|files| {
            if let Some(slot) = files.borrow_mut().get_mut(self.index) {
                *slot = None;
            }
        });
    }

    /// Bytes fetched from the file so far, by this reader and its clones.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read.load(Ordering::Relaxed)
    }

    /// The bytes in `start..start + length`, clipped to the file's end.
    pub fn read_range(&self, start: u64, length: usize) -> Result<Bytes, String> {
        let end = start.saturating_add(length as u64).min(self.len);
        if start >= end {
            return Ok(Bytes::new());
        }
        let array = FILES.with(|files| {
            let files = files.borrow();
            let file = files
                .get(self.index)
                .and_then(Option::as_ref)
                .ok_or("the file handle was released")?;
            let blob = file
                .slice_with_f64_and_f64(start as f64, end as f64)
                .map_err(|error| format!("cannot slice the file: {error:?}"))?;
            let reader =
                FileReaderSync::new().map_err(|error| format!("no FileReaderSync: {error:?}"))?;
            let buffer = reader.read_as_array_buffer(&blob).map_err(|error| {
                format!("the browser could not read the file (was it moved or deleted?): {error:?}")
            })?;
            Ok::<_, String>(Uint8Array::new(&buffer))
        })?;
        self.bytes_read
            .fetch_add(u64::from(array.length()), Ordering::Relaxed);
        Ok(Bytes::from(array.to_vec()))
    }
}

impl Length for FileChunks {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for FileChunks {
    type T = RangeRead;

    fn get_read(&self, start: u64) -> ParquetResult<RangeRead> {
        Ok(RangeRead {
            chunks: self.clone(),
            position: start,
            buffer: Bytes::new(),
            next_fetch: FIRST_FETCH,
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> ParquetResult<Bytes> {
        let bytes = self
            .read_range(start, length)
            .map_err(ParquetError::General)?;
        if bytes.len() != length {
            return Err(ParquetError::EOF(format!(
                "wanted {length} bytes at offset {start}, the file has {}",
                self.len
            )));
        }
        Ok(bytes)
    }
}

/// Parquet reads a page header through `get_read` (its length is unknown until parsed), so the
/// first fetch is small and later ones grow, to keep both calls and over-reading low.
const FIRST_FETCH: usize = 16 * 1024;
const MAX_FETCH: usize = 4 * 1024 * 1024;

/// A forward reader over a registered file, fetching as it goes.
#[derive(Debug)]
pub struct RangeRead {
    chunks: FileChunks,
    position: u64,
    buffer: Bytes,
    next_fetch: usize,
}

impl Read for RangeRead {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.buffer.is_empty() {
            let want = out.len().max(self.next_fetch);
            self.next_fetch = (self.next_fetch * 2).min(MAX_FETCH);
            self.buffer = self
                .chunks
                .read_range(self.position, want)
                .map_err(std::io::Error::other)?;
            self.position += self.buffer.len() as u64;
            if self.buffer.is_empty() {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buffer.len());
        out[..n].copy_from_slice(&self.buffer.split_to(n));
        Ok(n)
    }
}
