//! Analysing a Parquet file from byte ranges a caller fetches one at a time (`Blob.slice` in
//! the browser), so that only the footer and the mapped column chunks of one row group are ever
//! held: the package's streaming path over a `File`.
//!
//! The reading is generic over an async `fetch(range)`, so native tests drive it with slices
//! of a byte vector and the wasm build with a `Blob`.

use std::future::Future;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use bytes::{Buf, Bytes};
use coursepulse_engine::{Analysis, ParquetFile, ReadPlan};
use parquet::errors::ParquetError;
use parquet::file::reader::{ChunkReader, Length};

/// How much of the file's end is fetched first: enough for most footers, so the metadata takes
/// one fetch; a longer footer takes a second.
const TAIL: u64 = 64 * 1024;
/// The engine checks the first bytes for the magic and to name other file kinds.
const HEAD: u64 = 64;

/// A `ChunkReader` over the parts of a file fetched so far. Reading outside them is an error
/// (and a bug in the engine's `ReadPlan::ranges`), never a silent refetch.
#[derive(Clone, Debug)]
pub struct RangeReader {
    len: u64,
    // `ChunkReader` must be `Send + Sync`; wasm has one thread, so the lock is never contended.
    parts: Arc<Mutex<Vec<(u64, Bytes)>>>,
}

impl RangeReader {
    fn new(len: u64) -> RangeReader {
        RangeReader {
            len,
            parts: Arc::default(),
        }
    }

    fn set_parts(&self, parts: Vec<(u64, Bytes)>) {
        *self
            .parts
            .lock()
            .unwrap_or_else(|poison| poison.into_inner()) = parts;
    }

    /// Bytes currently held (for the test that proves the file is never held whole).
    pub fn held(&self) -> u64 {
        let parts = self
            .parts
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        parts.iter().map(|(_, bytes)| bytes.len() as u64).sum()
    }

    fn find(&self, start: u64, length: u64) -> parquet::errors::Result<Bytes> {
        let parts = self
            .parts
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        parts
            .iter()
            .find(|(offset, bytes)| {
                *offset <= start && start + length <= offset + bytes.len() as u64
            })
            .map(|(offset, bytes)| {
                let from = (start - offset) as usize;
                bytes.slice(from..from + length as usize)
            })
            .ok_or_else(|| {
                ParquetError::General(format!(
                    "bytes {start}..{} were not fetched",
                    start + length
                ))
            })
    }
}

impl Length for RangeReader {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for RangeReader {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        // A reader runs to the end of the part that holds `start`.
        let parts = self
            .parts
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let end = parts
            .iter()
            .filter(|(offset, bytes)| *offset <= start && start < offset + bytes.len() as u64)
            .map(|(offset, bytes)| offset + bytes.len() as u64)
            .max();
        drop(parts);
        match end {
            Some(end) => Ok(self.find(start, end - start)?.reader()),
            None => Err(ParquetError::General(format!(
                "byte {start} was not fetched"
            ))),
        }
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.find(start, length as u64)
    }
}

/// Reads one Parquet file of `len` bytes into `analysis`, fetching its parts with `fetch`: the
/// head and tail, the rest of a long footer, then the mapped column chunks of each row group
/// (in each key pass). Returns the most bytes held at once.
pub async fn add_parquet_ranges<F, Fut>(
    analysis: &mut Analysis,
    name: &str,
    len: u64,
    mut fetch: F,
) -> Result<u64, String>
where
    F: FnMut(Range<u64>) -> Fut,
    Fut: Future<Output = Result<Bytes, String>>,
{
    let reader = RangeReader::new(len);
    let mut footer = Vec::new();
    let head = 0..HEAD.min(len);
    footer.push((head.start, fetch(head).await?));
    let tail = len.saturating_sub(TAIL)..len;
    let tail_bytes = fetch(tail.clone()).await?;
    // A footer longer than the tail is fetched again whole: every read must fall in one part.
    match long_footer(len, &tail_bytes) {
        Some(whole) => footer.push((whole.start, fetch(whole).await?)),
        None => footer.push((tail.start, tail_bytes)),
    }
    reader.set_parts(footer.clone());
    let file = ParquetFile::open(name, reader.clone()).map_err(|error| error.to_string())?;
    let mut most_held = reader.held();
    // The engine's read plan says which row group comes next (in every key pass) and which
    // byte ranges it needs; only those are fetched, and dropped again after the read.
    let mut plan = ReadPlan::for_rows(analysis, file.num_rows());
    plan.begin_file(analysis, &file)
        .map_err(|error| error.to_string())?;
    while let Some(step) = plan
        .next_step(analysis)
        .map_err(|error| error.to_string())?
    {
        let mut parts = footer.clone();
        for range in plan.ranges(analysis, &file, step) {
            let start = range.start;
            parts.push((start, fetch(range).await?));
        }
        reader.set_parts(parts);
        most_held = most_held.max(reader.held());
        let read = plan.read(analysis, &file, step);
        reader.set_parts(footer.clone());
        read.map_err(|error| error.to_string())?;
    }
    plan.finish(analysis).map_err(|error| error.to_string())?;
    Ok(most_held)
}

/// The whole footer's range, when the metadata is longer than
/// the tail. A length that does not fit the file is left for the engine to report.
fn long_footer(len: u64, tail: &[u8]) -> Option<Range<u64>> {
    let length_bytes: [u8; 4] = tail
        .get(tail.len().checked_sub(8)?..tail.len() - 4)?
        .try_into()
        .ok()?;
    let needed = u64::from(u32::from_le_bytes(length_bytes)) + 8;
    (needed > tail.len() as u64 && needed <= len).then(|| len - needed..len)
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use coursepulse_engine::Options;
    use coursepulse_fixtures::{Codec, Spec, parquet_bytes};

    use super::*;

    /// Runs a future whose fetches are all ready at once (the test's fetch never waits).
    fn run_ready<T>(future: impl Future<Output = T>) -> T {
        let mut future = pin!(future);
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("a fetch in the test was not ready"),
        }
    }

    fn options() -> Options {
        Options {
            now_micros: Some(1_800_000_000_000_000),
            ..Options::default()
        }
    }

    /// Reads `bytes` through ranges; returns the report as JSON, the most bytes held and the
    /// number of fetches.
    fn streamed(bytes: &[u8], options: Options) -> Result<(serde_json::Value, u64, usize), String> {
        let mut analysis = Analysis::new(options).map_err(|error| error.to_string())?;
        let mut fetches = 0;
        let fetch = |range: Range<u64>| {
            fetches += 1;
            let slice = Bytes::copy_from_slice(&bytes[range.start as usize..range.end as usize]);
            std::future::ready(Ok(slice))
        };
        let held = run_ready(add_parquet_ranges(
            &mut analysis,
            "watch.parquet",
            bytes.len() as u64,
            fetch,
        ))?;
        Ok((
            serde_json::to_value(analysis.report()).unwrap(),
            held,
            fetches,
        ))
    }

    fn whole(bytes: &[u8], options: Options) -> serde_json::Value {
        let mut analysis = Analysis::new(options).unwrap();
        analysis
            .add_parquet("watch.parquet", Bytes::copy_from_slice(bytes))
            .unwrap();
        serde_json::to_value(analysis.report()).unwrap()
    }

    #[test]
    fn streamed_report_equals_whole_file_report_and_holds_one_row_group() {
        let spec = Spec::default()
            .rows(20_000)
            .seed(11)
            .codec(Codec::Zstd)
            .row_group_rows(2_000);
        let bytes = parquet_bytes(&spec).unwrap();
        let (report, held, fetches) = streamed(&bytes, options()).unwrap();
        assert_eq!(report, whole(&bytes, options()));
        assert!(
            fetches > 10,
            "one fetch per row group at least, got {fetches}"
        );
        assert!(
            held < bytes.len() as u64 / 3,
            "held {held} of {} bytes at once",
            bytes.len()
        );
    }

    #[test]
    fn streamed_report_equals_whole_file_report_in_several_key_passes() {
        let bytes =
            parquet_bytes(&Spec::default().rows(5_000).seed(3).row_group_rows(1_000)).unwrap();
        let passes = Options {
            max_keys_per_pass: 1_500,
            ..options()
        };
        let (report, _, _) = streamed(&bytes, passes.clone()).unwrap();
        assert_eq!(report, whole(&bytes, passes));
    }

    #[test]
    fn a_footer_longer_than_the_first_fetch_is_fetched_whole() {
        // A wide file (many row groups, so a long footer) and a tiny tail read.
        let bytes =
            parquet_bytes(&Spec::default().rows(30_000).seed(4).row_group_rows(100)).unwrap();
        let length =
            u32::from_le_bytes(bytes[bytes.len() - 8..bytes.len() - 4].try_into().unwrap());
        assert!(
            u64::from(length) > TAIL,
            "footer of {length} bytes fits in the tail"
        );
        let (report, _, _) = streamed(&bytes, options()).unwrap();
        assert_eq!(report, whole(&bytes, options()));
    }

    #[test]
    fn broken_files_give_the_engines_messages() {
        let bytes = parquet_bytes(&Spec::default().rows(500).seed(1)).unwrap();
        let check = |input: &[u8], expected: &str| {
            let error = streamed(input, options()).unwrap_err();
            assert!(error.contains(expected), "{error}");
        };
        check(&bytes[..bytes.len() / 2], "file is truncated or corrupt");
        check(b"", "file is empty");
        check(b"student_id,video_id\n", "not a Parquet file");
        let mut lying = bytes.clone();
        let at = lying.len() - 8;
        lying[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        check(&lying, "footer says the file metadata is");
    }

    #[test]
    fn a_failed_fetch_is_reported_as_it_was_given() {
        let bytes = parquet_bytes(&Spec::default().rows(500).seed(1)).unwrap();
        let mut analysis = Analysis::new(options()).unwrap();
        let mut calls = 0;
        let fetch = |range: Range<u64>| {
            calls += 1;
            std::future::ready(if calls > 2 {
                Err("the file could not be read: NotReadableError".to_owned())
            } else {
                Ok(Bytes::copy_from_slice(
                    &bytes[range.start as usize..range.end as usize],
                ))
            })
        };
        let error = run_ready(add_parquet_ranges(
            &mut analysis,
            "x.parquet",
            bytes.len() as u64,
            fetch,
        ))
        .unwrap_err();
        assert_eq!(error, "the file could not be read: NotReadableError");
    }
}
