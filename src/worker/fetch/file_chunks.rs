//! Reads byte ranges of a browser `File` (`FileReaderSync`) or of a URL (synchronous HTTP range
//! requests), workers only, as a Parquet [`ChunkReader`]: the footer first, then each page of the
//! projected columns, so a file is never held whole in wasm memory nor downloaded whole.
//!
//! `ChunkReader` must be `Send + Sync`, which a `File` handle (a `JsValue`) is not; the handles
//! live in a thread-local registry and readers carry an index into it. The worker is one thread,
//! so the registry is only ever touched from it.

use std::cell::RefCell;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use js_sys::Uint8Array;
use parquet::errors::{ParquetError, Result as ParquetResult};
use parquet::file::reader::{ChunkReader, Length};
use web_sys::{File, FileReaderSync};

use crate::worker::fetch::http;
use crate::worker::fetch::http_checks::{self, Asked, ContentRange};

thread_local! {
    static FILES: RefCell<Vec<Option<File>>> = const { RefCell::new(Vec::new()) };
}

/// A registered `File` or a URL, readable by range. Clones share the byte counter.
#[derive(Clone, Debug)]
pub struct FileChunks {
    origin: Origin,
    len: u64,
    bytes_read: Arc<AtomicU64>,
    windows: Arc<Mutex<Windows>>,
    /// Exact ranges of a URL fetched before any block (the footer, the first bytes): a file that
    /// pruning skips costs only these, and blocks fetched later leave them out.
    pinned: Arc<Mutex<Vec<(u64, Bytes)>>>,
}

/// The first bytes of a URL, fetched exactly when asked for (the engine checks the magic).
const HEAD_PIN: u64 = 64;

#[derive(Clone, Debug)]
enum Origin {
    /// Index into the thread-local `File` registry.
    File(usize),
    /// A server that answers `Range` requests.
    Http(Arc<str>),
}

/// Recently fetched blocks of a file. Parquet reads each page as a small header read then the
/// page body, column by column; fetching aligned [`BLOCK`]-byte blocks (contiguous missing ones
/// in one request) and keeping the recent ones turns thousands of tiny reads into a few large
/// ones, without fetching any byte twice while its row group is being read. Local files need
/// it as much as remote ones: each `FileReaderSync` read costs a round trip to the browser
/// process (page-by-page reads spent a third of a 1M-row load there).
#[derive(Debug, Default)]
struct Windows {
    blocks: Vec<(u64, Bytes, u64)>,
    clock: u64,
}

const BLOCK: u64 = 1024 * 1024;
const MAX_BLOCKS: usize = 64;

impl Windows {
    fn get(&mut self, index: u64) -> Option<Bytes> {
        self.clock += 1;
        let clock = self.clock;
        self.blocks
            .iter_mut()
            .find(|(block, _, _)| *block == index)
            .map(|(_, bytes, used)| {
                *used = clock;
                bytes.clone()
            })
    }

    fn insert(&mut self, index: u64, bytes: Bytes) {
        if self.blocks.len() >= MAX_BLOCKS
            && let Some(oldest) = (0..self.blocks.len()).min_by_key(|slot| self.blocks[*slot].2)
        {
            self.blocks.swap_remove(oldest);
        }
        self.clock += 1;
        self.blocks.push((index, bytes, self.clock));
    }
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
            origin: Origin::File(index),
            len,
            bytes_read: Arc::new(AtomicU64::new(0)),
            windows: Arc::default(),
            pinned: Arc::default(),
        }
    }

    /// A URL whose server answers range requests, `len` bytes long (from the `Content-Range`
    /// of the answer to the probe, `probe`: the last bytes, checked by the caller). When the
    /// probe holds a Parquet footer's length and magic, the footer is fetched exactly and
    /// pinned, so deciding to skip a file reads nothing else of it.
    pub fn http(url: &str, len: u64, probe: Bytes) -> Result<FileChunks, String> {
        let chunks = FileChunks {
            origin: Origin::Http(url.into()),
            len,
            bytes_read: Arc::new(AtomicU64::new(0)),
            windows: Arc::default(),
            pinned: Arc::default(),
        };
        chunks
            .bytes_read
            .fetch_add(probe.len() as u64, Ordering::Relaxed);
        chunks.pin_footer(url, probe)?;
        Ok(chunks)
    }

    /// A URL on a server already known to answer range requests, probed as its ranges are
    /// read: synchronously, for the last 8 bytes (the size from `Content-Range`, checked).
    /// `None` when this answer was not a 206 after all (the caller then probes it as a server
    /// not yet known).
    pub fn http_known(url: &str, probe: Asked) -> Result<Option<FileChunks>, String> {
        match send_range(url, probe, None)? {
            RangeAnswer::Partial(body, sent) => {
                FileChunks::http(url, sent.total.unwrap_or_default(), body).map(Some)
            }
            RangeAnswer::NotPartial(_) => Ok(None),
        }
    }

    /// Pins the probe's last 8 bytes and, when they are a Parquet footer's length and magic, the
    /// footer before them (one exact request).
    fn pin_footer(&self, url: &str, probe: Bytes) -> Result<(), String> {
        let probe_start = self.len.saturating_sub(probe.len() as u64);
        let mut tail = probe.clone();
        let mut tail_start = probe_start;
        if probe.len() == 8 && &probe[4..] == b"PAR1" {
            let footer = u64::from(u32::from_le_bytes([probe[0], probe[1], probe[2], probe[3]]));
            if footer > 0 && footer + 8 <= self.len {
                let from = self.len - 8 - footer;
                let body = http_range(url, from, probe_start, self.len)?;
                self.bytes_read.fetch_add(footer, Ordering::Relaxed);
                let mut joined = Vec::with_capacity(body.len() + probe.len());
                joined.extend_from_slice(&body);
                joined.extend_from_slice(&probe);
                tail = Bytes::from(joined);
                tail_start = from;
            }
        }
        let mut pinned = self.pinned.lock().map_err(|_| "pin cache poisoned")?;
        pinned.push((tail_start, tail));
        Ok(())
    }

    /// The pinned bytes `start..end`, when one pin holds them all.
    fn pinned_range(&self, start: u64, end: u64) -> Option<Bytes> {
        let pinned = self.pinned.lock().ok()?;
        pinned.iter().find_map(|(from, bytes)| {
            let to = from + bytes.len() as u64;
            (*from <= start && end <= to)
                .then(|| bytes.slice((start - from) as usize..(end - from) as usize))
        })
    }

    /// The `File` behind this reader (`None` for a URL or a released handle), to hand to another
    /// worker: a `File` crosses `postMessage` as a handle, not a copy of its bytes.
    pub fn file(&self) -> Option<File> {
        match self.origin {
            Origin::File(index) => {
                FILES.with(|files| files.borrow().get(index).and_then(Option::clone))
            }
            Origin::Http(_) => None,
        }
    }

    /// The URL this reader fetches ranges of (`None` for a `File`).
    pub fn url(&self) -> Option<&str> {
        match &self.origin {
            Origin::File(_) => None,
            Origin::Http(url) => Some(url),
        }
    }

    /// Counts `bytes` read from this file by another worker on this reader's behalf.
    pub fn count_read_elsewhere(&self, bytes: u64) {
        self.bytes_read.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Drops the handle (when a new dataset replaces the one it belongs to); reads then fail.
    pub fn release(&self) {
        if let Origin::File(index) = self.origin {
            FILES.with(|files| {
                if let Some(slot) = files.borrow_mut().get_mut(index) {
                    *slot = None;
                }
            });
        }
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
        if let Some(bytes) = self.pinned_range(start, end) {
            return Ok(bytes);
        }
        if let Origin::Http(url) = &self.origin
            && end <= HEAD_PIN.min(self.len)
        {
            let head_end = HEAD_PIN.min(self.len);
            let body = http_range(url, 0, head_end, self.len)?;
            self.bytes_read
                .fetch_add(body.len() as u64, Ordering::Relaxed);
            let piece = body.slice(start as usize..end as usize);
            self.pinned
                .lock()
                .map_err(|_| "pin cache poisoned")?
                .push((0, body));
            return Ok(piece);
        }
        let mut windows = self.windows.lock().map_err(|_| "block cache poisoned")?;
        self.read_blocks(&mut windows, start, end)
    }

    /// Bytes `from..to`, read from the file or the server in one call (a URL's pinned head and
    /// footer are taken from the pins, not fetched again); counts what was transferred.
    fn fetch(&self, from: u64, to: u64) -> Result<Bytes, String> {
        let index = match &self.origin {
            Origin::File(index) => *index,
            Origin::Http(url) => return self.fetch_http(url, from, to),
        };
        let array = FILES.with(|files| {
            let files = files.borrow();
            let file = files
                .get(index)
                .and_then(Option::as_ref)
                .ok_or("the file handle was released")?;
            let blob = file
                .slice_with_f64_and_f64(from as f64, to as f64)
                .map_err(|error| format!("cannot slice the file: {error:?}"))?;
            let reader =
                FileReaderSync::new().map_err(|error| format!("no FileReaderSync: {error:?}"))?;
            let buffer = reader.read_as_array_buffer(&blob).map_err(|error| {
                format!("the browser could not read the file (was it moved or deleted?): {error:?}")
            })?;
            Ok::<_, String>(Uint8Array::new(&buffer))
        })?;
        if u64::from(array.length()) != to - from {
            return Err("the file changed size while it was being read".to_owned());
        }
        self.bytes_read
            .fetch_add(u64::from(array.length()), Ordering::Relaxed);
        Ok(Bytes::from(array.to_vec()))
    }

    fn fetch_http(&self, url: &str, from: u64, to: u64) -> Result<Bytes, String> {
        let pins: Vec<(u64, Bytes)> = self
            .pinned
            .lock()
            .map_err(|_| "pin cache poisoned")?
            .clone();
        let (mut low, mut high) = (from, to);
        let mut head = Bytes::new();
        let mut tail = Bytes::new();
        for (start, bytes) in &pins {
            let end = start + bytes.len() as u64;
            if *start <= low && low < end {
                let upto = end.min(high);
                head = bytes.slice((low - start) as usize..(upto - start) as usize);
                low = upto;
            }
        }
        for (start, bytes) in &pins {
            let end = start + bytes.len() as u64;
            if low < *start && *start < high && high <= end {
                tail = bytes.slice(0..(high - start) as usize);
                high = *start;
            }
        }
        let middle = if low < high {
            let body = http_range(url, low, high, self.len)?;
            self.bytes_read
                .fetch_add(body.len() as u64, Ordering::Relaxed);
            body
        } else {
            Bytes::new()
        };
        if head.is_empty() && tail.is_empty() {
            return Ok(middle);
        }
        let mut out = Vec::with_capacity((to - from) as usize);
        out.extend_from_slice(&head);
        out.extend_from_slice(&middle);
        out.extend_from_slice(&tail);
        Ok(Bytes::from(out))
    }
}

/// Bytes `from..to` of the `len`-byte file at `url`: a synchronous range request whose answer
/// must be a 206 with exactly that `Content-Range`, of a file of `len` bytes.
fn http_range(url: &str, from: u64, to: u64, len: u64) -> Result<Bytes, String> {
    let asked = Asked::Range {
        start: from,
        end: to - 1,
    };
    match send_range(url, asked, Some(len))? {
        RangeAnswer::Partial(body, _) => Ok(body),
        RangeAnswer::NotPartial(status) => Err(format!(
            "{url}: the server stopped answering range requests (HTTP {status})"
        )),
    }
}

/// What a server answered to a range request.
enum RangeAnswer {
    /// A 206 whose `Content-Range` was checked against what was asked.
    Partial(Bytes, ContentRange),
    /// Another success status (a server that ignores `Range` sends the whole file with 200).
    NotPartial(u16),
}

/// A synchronous GET with a `Range` header (allowed in workers), with a timeout that grows with
/// the bytes asked for; a 206 answer's `Content-Range` must be exactly the range asked for (of a
/// file of `known_len` bytes, once that is known).
fn send_range(url: &str, asked: Asked, known_len: Option<u64>) -> Result<RangeAnswer, String> {
    let failed = |what: &str, error: wasm_bindgen::JsValue| format!("{url}: {what}: {error:?}");
    let request =
        web_sys::XmlHttpRequest::new().map_err(|error| failed("no XMLHttpRequest", error))?;
    request
        .open_with_async("GET", url, false)
        .map_err(|error| failed("cannot open the request", error))?;
    request
        .set_request_header("Range", &asked.header())
        .map_err(|error| failed("cannot set Range", error))?;
    request.set_response_type(web_sys::XmlHttpRequestResponseType::Arraybuffer);
    // Workers may time out synchronous requests (windows may not); without it a server that
    // accepts the connection and never answers freezes the load for good.
    let length = match asked {
        Asked::Suffix(length) => length,
        Asked::Range { start, end } => end + 1 - start,
    };
    let timeout_ms = http_checks::range_timeout_ms(length);
    request.set_timeout(timeout_ms);
    if let Err(error) = request.send() {
        // A DOMException named TimeoutError (read by name: no DomException binding needed).
        let timed_out = js_sys::Reflect::get(&error, &"name".into())
            .ok()
            .and_then(|name| name.as_string())
            .is_some_and(|name| name == "TimeoutError");
        return Err(if timed_out {
            http_checks::timeout_message(url, timeout_ms)
        } else {
            http::failed(url, "the request failed", error)
        });
    }
    let status = request
        .status()
        .map_err(|error| failed("no status", error))?;
    if !(200..300).contains(&status) {
        return Err(format!("{url}: the server answered HTTP {status}"));
    }
    if status != 206 {
        return Ok(RangeAnswer::NotPartial(status));
    }
    let body = request
        .response()
        .map_err(|error| failed("no response body", error))?;
    let body = Bytes::from(Uint8Array::new(&body).to_vec());
    let content_range = request.get_response_header("Content-Range").ok().flatten();
    let sent = http_checks::check_content_range(
        url,
        content_range.as_deref(),
        asked,
        known_len,
        body.len() as u64,
    )?;
    Ok(RangeAnswer::Partial(body, sent))
}

impl FileChunks {
    /// `start..end` from cached blocks, fetching the missing ones.
    fn read_blocks(&self, windows: &mut Windows, start: u64, end: u64) -> Result<Bytes, String> {
        let (first, last) = (start / BLOCK, (end - 1) / BLOCK);
        let mut blocks: Vec<Option<Bytes>> =
            (first..=last).map(|index| windows.get(index)).collect();
        let mut index = first;
        while index <= last {
            if blocks[(index - first) as usize].is_some() {
                index += 1;
                continue;
            }
            let run_start = index;
            while index <= last && blocks[(index - first) as usize].is_none() {
                index += 1;
            }
            let from = run_start * BLOCK;
            let to = (index * BLOCK).min(self.len);
            let body = self.fetch(from, to)?;
            for block in run_start..index {
                let offset = ((block - run_start) * BLOCK) as usize;
                let piece = body.slice(offset..(offset + BLOCK as usize).min(body.len()));
                windows.insert(block, piece.clone());
                blocks[(block - first) as usize] = Some(piece);
            }
        }
        if first == last {
            let block = blocks.pop().flatten().unwrap_or_default();
            let offset = (start - first * BLOCK) as usize;
            return Ok(block.slice(offset..offset + (end - start) as usize));
        }
        let mut out = Vec::with_capacity((end - start) as usize);
        for (position, block) in blocks.into_iter().enumerate() {
            let block = block.unwrap_or_default();
            let block_start = (first + position as u64) * BLOCK;
            let from = start.saturating_sub(block_start) as usize;
            let to = ((end - block_start) as usize).min(block.len());
            out.extend_from_slice(&block[from..to]);
        }
        Ok(Bytes::from(out))
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
