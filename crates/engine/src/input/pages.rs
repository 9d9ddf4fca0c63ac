//! A column chunk's pages, checked before parquet decompresses them: what each page header
//! declares, and, for the codecs whose decoders ignore that declaration, whether the page
//! really decompresses to no more than it declares.
//!
//! parquet 60 sizes its output buffer from the page header's `uncompressed_page_size` and
//! compares the result with it only after decompressing (`file/serialized_reader.rs`,
//! `decode_page`). Snappy, ZSTD, LZ4_RAW and Hadoop-framed LZ4 write into a buffer of the
//! declared size (snappy and the LZ4s zero-fill it first), so for them the declaration itself is
//! the memory asked for. GZIP (`MultiGzDecoder::read_to_end`), BROTLI (`read_to_end`) and the
//! LZ4 frame format (the legacy `LZ4` codec's fallback when Hadoop framing fails) read to the
//! end of the stream, whatever was declared: a few kilobytes of BROTLI become gigabytes before
//! the size check runs. So every page's declaration is capped at [`MAX_PAGE_BYTES`], and pages
//! of those three codecs that could decompress past it are decompressed here first into a small
//! scratch buffer, stopping one byte past the declared size. That costs a second decompression
//! of BROTLI pages and of GZIP pages over 61 KB compressed; LZ4 pages are Hadoop-framed unless
//! an old writer made them, and only LZ4 frames are decompressed twice.

use bytes::Bytes;
use parquet::basic::Compression;

use crate::input::schema_depth::{Compact, FALSE, I32, STRUCT, TRUE};

/// The most bytes one page may declare uncompressed (a writer's default page is 1 MB; a
/// dictionary page of a million distinct ids is about 20 MB).
pub(crate) const MAX_PAGE_BYTES: u64 = 64 << 20;

/// Why a column chunk is refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PageProblem {
    /// Page `page` (1-based) declares `declared` bytes uncompressed, over [`MAX_PAGE_BYTES`].
    Oversized { page: usize, declared: u64 },
    /// Page `page` (1-based) of codec `codec` decompresses to more than the `declared` bytes its
    /// header says.
    Bomb {
        page: usize,
        codec: &'static str,
        declared: u64,
    },
}

impl std::fmt::Display for PageProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageProblem::Oversized { page, declared } => write!(
                f,
                "page {page} declares {declared} bytes uncompressed, over the {} MB a page may \
                 hold, so CoursePulse refuses to decompress it",
                MAX_PAGE_BYTES >> 20
            ),
            PageProblem::Bomb {
                page,
                codec,
                declared,
            } => write!(
                f,
                "page {page} ({codec}) decompresses to more than the {declared} bytes its header \
                 declares (a decompression bomb); CoursePulse stops at the declared size and \
                 refuses the file"
            ),
        }
    }
}

/// Walks the pages of a column chunk `chunk_length` bytes long, compressed with `codec`, whose
/// bytes `read(offset, length)` returns (offsets from the chunk's start; `None` when they cannot
/// be read). Returns the uncompressed bytes its pages declare. Pages whose header cannot be read
/// end the walk quietly: parquet then reports them when it decodes the chunk.
pub(crate) fn scan_chunk(
    chunk_length: u64,
    codec: Compression,
    mut read: impl FnMut(u64, usize) -> Option<Bytes>,
) -> Result<u64, PageProblem> {
    let bounded = reads_to_end(codec);
    let mut declared_total = 0u64;
    let mut at = 0u64;
    let mut page = 0;
    while at < chunk_length {
        let Some(header) = read_header(chunk_length - at, |length| read(at, length)) else {
            break;
        };
        page += 1;
        let (Ok(declared), Ok(compressed), Ok(levels)) = (
            u64::try_from(header.uncompressed),
            u64::try_from(header.compressed),
            u64::try_from(header.levels_bytes),
        ) else {
            break;
        };
        if declared > MAX_PAGE_BYTES {
            return Err(PageProblem::Oversized { page, declared });
        }
        declared_total = declared_total.saturating_add(declared);
        let body_start = at + header.header_bytes as u64;
        if body_start.saturating_add(compressed) > chunk_length {
            break;
        }
        if let Some(codec_name) = bounded
            && header.compressed_body
            && declared > levels
            && compressed > levels
            && may_be_a_bomb(codec, compressed - levels, |length| {
                read(body_start + levels, length)
            })
        {
            let body = read(body_start + levels, (compressed - levels) as usize);
            if let Some(body) = body
                && decompresses_past(codec, &body, declared - levels)
            {
                return Err(PageProblem::Bomb {
                    page,
                    codec: codec_name,
                    declared,
                });
            }
        }
        at = body_start + compressed;
    }
    Ok(declared_total)
}

/// What the page header says about sizes.
#[derive(Debug, PartialEq, Eq)]
struct PageHeader {
    /// Bytes of the header itself.
    header_bytes: usize,
    uncompressed: i64,
    compressed: i64,
    /// Bytes at the start of a v2 data page body (its levels), stored uncompressed.
    levels_bytes: i64,
    /// False for a v2 data page marked uncompressed.
    compressed_body: bool,
}

/// Reads a page header with a few growing reads: headers are small, but statistics of long
/// values can make one kilobytes long.
fn read_header(remaining: u64, mut read: impl FnMut(usize) -> Option<Bytes>) -> Option<PageHeader> {
    let mut wanted = 256u64;
    loop {
        let length = wanted.min(remaining) as usize;
        let bytes = read(length)?;
        match page_header(&bytes) {
            Ok(header) => return Some(header),
            Err(TooShort) if (length as u64) < remaining && wanted < (1 << 20) => wanted *= 8,
            Err(_) => return None,
        }
    }
}

/// A header that is malformed, or cut short by the bytes read so far.
#[derive(Debug)]
struct TooShort;

/// Parses a Thrift compact `PageHeader` (fields 2 and 3: sizes; 8: the v2 data page header,
/// whose fields 5 and 6 are the level lengths and 7 `is_compressed`).
fn page_header(bytes: &[u8]) -> Result<PageHeader, TooShort> {
    let mut input = Compact { bytes, at: 0 };
    let mut header = PageHeader {
        header_bytes: 0,
        uncompressed: -1,
        compressed: -1,
        levels_bytes: 0,
        compressed_body: true,
    };
    let mut last_id = 0;
    while let Some((id, kind)) = input.field_header(&mut last_id).map_err(|_| TooShort)? {
        match (id, kind) {
            (2, I32) => header.uncompressed = input.zigzag().map_err(|_| TooShort)?,
            (3, I32) => header.compressed = input.zigzag().map_err(|_| TooShort)?,
            (8, STRUCT) => {
                let mut last_v2 = 0;
                while let Some((v2_id, v2_kind)) =
                    input.field_header(&mut last_v2).map_err(|_| TooShort)?
                {
                    match (v2_id, v2_kind) {
                        (5 | 6, I32) => {
                            let levels = input.zigzag().map_err(|_| TooShort)?;
                            header.levels_bytes = header.levels_bytes.saturating_add(levels);
                        }
                        (7, TRUE) => header.compressed_body = true,
                        (7, FALSE) => header.compressed_body = false,
                        _ => input.skip(v2_kind, 1).map_err(|_| TooShort)?,
                    }
                }
            }
            _ => input.skip(kind, 0).map_err(|_| TooShort)?,
        }
    }
    header.header_bytes = input.at;
    Ok(header)
}

/// The codec's name when its parquet decoder reads to the end of the stream, whatever the page
/// declares (see the module notes).
fn reads_to_end(codec: Compression) -> Option<&'static str> {
    match codec {
        Compression::GZIP(_) if cfg!(feature = "gzip") => Some("GZIP"),
        Compression::BROTLI(_) if cfg!(feature = "brotli") => Some("BROTLI"),
        Compression::LZ4 if cfg!(feature = "lz4") => Some("LZ4"),
        _ => None,
    }
}

/// Whether a page body of `length` compressed bytes could decompress to more than
/// [`MAX_PAGE_BYTES`], so that it must be checked: deflate makes at most 1,032 bytes of each
/// byte, so a GZIP body under 61 KB cannot (parquet then decompresses it and finds the mismatch
/// itself, with at most twice that memory); brotli can make 16 MB of 14 bytes, so every BROTLI
/// body is checked; an LZ4 body is checked only when it starts as an LZ4 frame (the fallback
/// that reads to the end), which `read(length)` shows from its first 4 bytes.
fn may_be_a_bomb(
    codec: Compression,
    length: u64,
    mut read: impl FnMut(usize) -> Option<Bytes>,
) -> bool {
    /// More than deflate's 1,032: gzip members add headers, never output.
    const GZIP_MAX_RATIO: u64 = 1_100;
    match codec {
        Compression::GZIP(_) => length.saturating_mul(GZIP_MAX_RATIO) > MAX_PAGE_BYTES,
        Compression::LZ4 => {
            length >= 4
                && read(4)
                    .and_then(|head| <[u8; 4]>::try_from(head.get(..4)?).ok())
                    .is_some_and(|head| {
                        let magic = u32::from_le_bytes(head);
                        // The frame magic, or one of the sixteen skippable-frame magics.
                        magic == 0x184d_2204 || magic & 0xffff_fff0 == 0x184d_2a50
                    })
        }
        _ => true,
    }
}

/// Whether `body` decompresses to more than `limit` bytes, decompressing at most `limit + 1`
/// into a scratch buffer. A stream that fails first is not over: parquet fails on it too, with
/// no more memory than the bytes before the failure.
fn decompresses_past(codec: Compression, body: &[u8], limit: u64) -> bool {
    match codec {
        #[cfg(feature = "gzip")]
        Compression::GZIP(_) => count_past(flate2::read::MultiGzDecoder::new(body), limit),
        #[cfg(feature = "brotli")]
        Compression::BROTLI(_) => {
            count_past(brotli_decompressor::Decompressor::new(body, 4096), limit)
        }
        // Hadoop framing is bounded by the declared size; only the LZ4 frame fallback reads on.
        // A frame's magic number read as a Hadoop frame's size (69 MB or more) is over
        // `MAX_PAGE_BYTES`, so a page that decodes as a frame is never decoded another way.
        #[cfg(feature = "lz4")]
        Compression::LZ4 => count_past(lz4_flex::frame::FrameDecoder::new(body), limit),
        _ => false,
    }
}

/// Reads `stream` until it ends, fails, or passes `limit` bytes; true for the last.
#[cfg(any(feature = "gzip", feature = "brotli", feature = "lz4"))]
fn count_past(mut stream: impl std::io::Read, limit: u64) -> bool {
    let mut scratch = vec![0u8; 64 << 10];
    let mut total = 0u64;
    loop {
        match stream.read(&mut scratch) {
            Ok(0) | Err(_) => return false,
            Ok(read) => {
                total += read as u64;
                if total > limit {
                    return true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coursepulse_fixtures::{BombCodec, codec_bomb_parquet, codec_bomb_parquet_with};

    fn batch_rows_of(file: Vec<u8>) -> Result<usize, String> {
        let file = crate::ParquetFile::open("bomb.parquet", Bytes::from(file))
            .map_err(|error| error.to_string())?;
        file.batch_rows(0, &[0, 1, 2], 65_536)
            .map_err(|error| error.to_string())
    }

    #[cfg(all(feature = "gzip", feature = "brotli", feature = "lz4"))]
    /// Regression: a page that declares 30 bytes and decompresses to gigabytes (BROTLI) or
    /// megabytes was decompressed whole before parquet compared the sizes.
    #[test]
    fn pages_that_decompress_past_their_declared_size_are_refused() {
        for codec in BombCodec::ALL {
            let error = batch_rows_of(codec_bomb_parquet(codec).unwrap()).unwrap_err();
            let name = codec.name().to_ascii_uppercase();
            assert!(
                error.contains(&format!(
                    "row group 1 of 1: column student_id: page 1 ({name}) decompresses to more \
                     than the 30 bytes its header declares"
                )),
                "{error}"
            );
        }
    }

    #[cfg(feature = "gzip")]
    #[test]
    fn a_page_that_holds_what_it_declares_passes() {
        let mut plain = Vec::new();
        for id in ["S1", "S2", "S3"] {
            plain.extend_from_slice(&(id.len() as u32).to_le_bytes());
            plain.extend_from_slice(id.as_bytes());
        }
        plain.extend_from_slice(&[0; 12]);
        let mut gzip = Vec::new();
        {
            use std::io::Write;
            let mut encoder =
                flate2::write::GzEncoder::new(&mut gzip, flate2::Compression::default());
            encoder.write_all(&plain).unwrap();
            encoder.finish().unwrap();
        }
        let file = codec_bomb_parquet_with(BombCodec::Gzip, gzip).unwrap();
        assert_eq!(batch_rows_of(file), Ok(65_536));
    }

    /// A header of a v1 data page declaring `uncompressed` and `compressed` bytes.
    fn header(uncompressed: i32, compressed: i32) -> Vec<u8> {
        let zigzag = |value: i32| {
            let mut value = ((value << 1) ^ (value >> 31)) as u32;
            let mut out = Vec::new();
            while value >= 0x80 {
                out.push((value as u8) | 0x80);
                value >>= 7;
            }
            out.push(value as u8);
            out
        };
        let mut out = Vec::new();
        for value in [0, uncompressed, compressed] {
            out.push(0x15);
            out.extend(zigzag(value));
        }
        out.extend([0x2c, 0x15, 0x06, 0x15, 0, 0x15, 0x06, 0x15, 0x06, 0, 0]);
        out
    }

    fn scan(chunk: &[u8], codec: Compression) -> Result<u64, PageProblem> {
        let chunk = Bytes::copy_from_slice(chunk);
        scan_chunk(chunk.len() as u64, codec, |offset, length| {
            let start = offset as usize;
            chunk
                .get(start..start + length)
                .map(|_| chunk.slice(start..start + length))
        })
    }

    #[test]
    fn declared_sizes_are_summed_and_capped() {
        let mut chunk = header(100, 4);
        chunk.extend([1, 2, 3, 4]);
        chunk.extend(header(50, 2));
        chunk.extend([5, 6]);
        assert_eq!(scan(&chunk, Compression::SNAPPY), Ok(150));
        let mut huge = header(1 << 30, 4);
        huge.extend([1, 2, 3, 4]);
        assert_eq!(
            scan(&huge, Compression::ZSTD(Default::default())),
            Err(PageProblem::Oversized {
                page: 1,
                declared: 1 << 30
            })
        );
        // Garbage ends the walk quietly; parquet reports it.
        assert_eq!(scan(&[0xff; 40], Compression::SNAPPY), Ok(0));
        assert_eq!(
            scan(&chunk[..chunk.len() - 1], Compression::SNAPPY),
            Ok(150)
        );
        for cut in 0..chunk.len() {
            let _ = scan(&chunk[..cut], Compression::GZIP(Default::default()));
        }
    }

    #[test]
    fn v2_headers_give_their_levels_and_compression() {
        // type DATA_PAGE_V2 (3), sizes, then field 8: levels 2 + 3 bytes, is_compressed false.
        let bytes = [
            0x15, 0x06, 0x15, 0x14, 0x15, 0x14, 0x5c, 0x15, 0x02, 0x15, 0x00, 0x15, 0x02, 0x15,
            0x00, 0x15, 0x04, 0x15, 0x06, 0x12, 0x00, 0x00,
        ];
        assert_eq!(
            page_header(&bytes).unwrap(),
            PageHeader {
                header_bytes: bytes.len(),
                uncompressed: 10,
                compressed: 10,
                levels_bytes: 5,
                compressed_body: false,
            }
        );
    }
}
