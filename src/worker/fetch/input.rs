//! What a load reads: an [`Input`] (the name the engine sees, the URL it came from) and its bytes
//! behind one [`ChunkReader`] (a local file or URL read by range, or bytes held whole), with the
//! cap on CSV files, which are read whole.

use bytes::Bytes;
use parquet::file::reader::{ChunkReader as ParquetChunkReader, Length};

use crate::worker::fetch::file_chunks::FileChunks;

/// The largest CSV file a load reads. CSV is read whole, then parsed into text columns before
/// it is aggregated: the worker holds about three times the file (measured natively: a 137 MB
/// CSV peaks at 381 MB against 176 MB for the same rows as Parquet), and a wasm worker cannot
/// grow past 4 GB. Refused above this with a message, rather than dying halfway; Parquet files,
/// read a row group at a time, have no such limit.
pub const MAX_CSV_BYTES: u64 = 1_000_000_000;

/// One input of a dataset.
#[derive(Clone)]
pub struct Input {
    /// The name the engine sees (a relative path carries partitions).
    pub name: String,
    /// Where it was fetched from, for a remote input.
    pub url: Option<String>,
    /// Its bytes.
    pub reader: ChunkReader,
}

/// Where an input's bytes are: the one reader every Parquet input is opened with.
#[derive(Clone)]
pub enum ChunkReader {
    /// Read by range (a local file or a URL).
    File(FileChunks),
    /// Held whole.
    Memory(Bytes),
}

impl Input {
    /// The name the engine sees.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Bytes.
    pub fn size(&self) -> u64 {
        self.reader.len()
    }

    /// Lets go of a local file's handle (a URL or bytes have none).
    pub fn release(&self) {
        if let ChunkReader::File(chunks) = &self.reader {
            chunks.release();
        }
    }
}

impl ChunkReader {
    /// Bytes fetched so far by range (0 for bytes held whole, which were fetched before).
    pub fn bytes_read(&self) -> u64 {
        match self {
            ChunkReader::File(chunks) => chunks.bytes_read(),
            ChunkReader::Memory(_) => 0,
        }
    }
}

impl Length for ChunkReader {
    fn len(&self) -> u64 {
        match self {
            ChunkReader::File(chunks) => chunks.len(),
            ChunkReader::Memory(bytes) => bytes.len() as u64,
        }
    }
}

impl ParquetChunkReader for ChunkReader {
    type T = Box<dyn std::io::Read>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(match self {
            ChunkReader::File(chunks) => Box::new(chunks.get_read(start)?),
            ChunkReader::Memory(bytes) => Box::new(bytes.get_read(start)?),
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        match self {
            ChunkReader::File(chunks) => chunks.get_bytes(start, length),
            ChunkReader::Memory(bytes) => bytes.get_bytes(start, length),
        }
    }
}

/// Why a CSV file of `size` bytes is not read.
pub fn too_large_csv(name: &str, size: u64) -> String {
    format!(
        "{name} is {}: a CSV file is read whole, and this browser reads CSV files of at most {}. \
         Save the data as Parquet (read a part at a time, of any size), split it into smaller \
         CSV files, or use the CoursePulse command line, which has no such limit.",
        crate::format::bytes(size),
        crate::format::bytes(MAX_CSV_BYTES)
    )
}
