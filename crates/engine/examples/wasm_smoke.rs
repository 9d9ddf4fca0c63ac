//! Smoke test for the wasm32 build: writes a small dirty dataset as Parquet in every codec and
//! encoding, reads each back through the engine, and panics (a wasm trap) on any wrong answer.
//! `cargo xtask test` builds it for wasm32-unknown-unknown, checks the module imports nothing
//! from `env` (C code compiled with the wrong compiler does), and runs it under Node.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use bytes::Bytes;
use coursepulse_engine::{Analysis, Options, Report};
use parquet::arrow::ArrowWriter;
use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::{WriterProperties, WriterVersion};

fn batch() -> RecordBatch {
    let rows = 2_000;
    let column = |array: ArrayRef| array;
    RecordBatch::try_from_iter([
        (
            "event_id",
            column(Arc::new(Int64Array::from_iter_values(
                (0..rows).map(|row| row / 10 * 10 + row % 7),
            ))),
        ),
        (
            "student_id",
            column(Arc::new(StringArray::from_iter_values(
                (0..rows).map(|row| format!("S{:03}", row % 97)),
            ))),
        ),
        (
            "course_code",
            column(Arc::new(StringArray::from_iter_values(
                (0..rows).map(|row| format!("CSC{}", 100 + row % 5)),
            ))),
        ),
        (
            "video_id",
            column(Arc::new(StringArray::from_iter(
                (0..rows).map(|row| (row % 31 != 0).then(|| format!("V{}", row % 23))),
            ))),
        ),
        (
            "role",
            column(Arc::new(StringArray::from_iter_values((0..rows).map(
                |row| ["Student", "student ", "Instructor", "Student"][row as usize % 4],
            )))),
        ),
        (
            "completion_rate_percent",
            column(Arc::new(Float64Array::from_iter((0..rows).map(
                |row| match row % 17 {
                    0 => None,
                    1 => Some(f64::NAN),
                    2 => Some(130.0),
                    _ => Some((row * 13 % 101) as f64),
                },
            )))),
        ),
        (
            "last_updated_at",
            column(Arc::new(
                TimestampMicrosecondArray::from_iter_values(
                    (0..rows).map(|row| 1_700_000_000_000_000 + row * 1_000_000),
                )
                .with_timezone("UTC"),
            )),
        ),
    ])
    .expect("valid batch")
}

fn analyse(properties: WriterProperties) -> Report {
    let batch = batch();
    let mut buffer = Vec::new();
    let mut writer =
        ArrowWriter::try_new(&mut buffer, batch.schema(), Some(properties)).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    let mut analysis = Analysis::new(Options::default()).expect("options");
    analysis
        .add_parquet("smoke.parquet", Bytes::from(buffer))
        .expect("engine reads what parquet wrote");
    analysis.report()
}

fn main() {
    let codecs = [
        Compression::UNCOMPRESSED,
        Compression::SNAPPY,
        Compression::GZIP(GzipLevel::default()),
        Compression::LZ4,
        Compression::LZ4_RAW,
        Compression::ZSTD(ZstdLevel::default()),
        Compression::BROTLI(BrotliLevel::default()),
    ];
    let baseline = analyse(
        WriterProperties::builder()
            .set_compression(Compression::UNCOMPRESSED)
            .build(),
    );
    assert_eq!(baseline.rows.total, 2_000);
    assert!(
        baseline.rows.duplicates_removed > 0,
        "the dataset has duplicate event ids"
    );
    assert!(!baseline.learners_top.is_empty());
    assert!(!baseline.quality.passed, "the dataset is dirty");
    for codec in codecs {
        for (dictionary, version) in [
            (true, WriterVersion::PARQUET_1_0),
            (false, WriterVersion::PARQUET_2_0),
        ] {
            let properties = WriterProperties::builder()
                .set_compression(codec)
                .set_dictionary_enabled(dictionary)
                .set_writer_version(version)
                .set_max_row_group_row_count(Some(300))
                .build();
            let report = analyse(properties);
            assert_eq!(
                report.learners, baseline.learners,
                "{codec:?} dictionary={dictionary}"
            );
            assert_eq!(
                report.courses, baseline.courses,
                "{codec:?} dictionary={dictionary}"
            );
            assert_eq!(report.quality.rules.len(), baseline.quality.rules.len());
        }
    }
}
