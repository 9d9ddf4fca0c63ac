//! `coursepulse split`, masking, `--metadata` and `--dbt-schema` end to end.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::WriterProperties;

use super::{coursepulse, write};

const ROWS: i64 = 300;

/// A learner id that cannot occur by chance in compressed bytes or pseudonyms.
fn learner(row: i64) -> String {
    format!("learner-secret-{:03}", row % 37)
}

fn course(row: i64) -> Option<&'static str> {
    ["CSC101", "MTH 201", "BIO/301", "CSC101"]
        .get((row % 5) as usize)
        .copied()
}

/// 300 rows in 3 row groups over three courses (one with a space, one with a slash) and NULL.
fn source_parquet(dir: &Path) -> PathBuf {
    let batch = RecordBatch::try_from_iter([
        (
            "event_id",
            Arc::new(Int64Array::from_iter_values(0..ROWS)) as _,
        ),
        (
            "student_id",
            Arc::new(StringArray::from_iter_values((0..ROWS).map(learner))) as _,
        ),
        (
            "email",
            Arc::new(StringArray::from_iter_values(
                (0..ROWS).map(|row| format!("{}@uni.example.org", learner(row))),
            )) as _,
        ),
        (
            "course_code",
            Arc::new(StringArray::from_iter((0..ROWS).map(course))) as _,
        ),
        (
            "video_id",
            Arc::new(StringArray::from_iter_values(
                (0..ROWS).map(|row| format!("V{}", row % 7)),
            )) as _,
        ),
        (
            "completion_rate_percent",
            Arc::new(Float64Array::from_iter_values(
                (0..ROWS).map(|row| (row * 7 % 101) as f64),
            )) as _,
        ),
    ])
    .unwrap();
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(100))
        .build();
    let path = dir.join("logs.parquet");
    let file = std::fs::File::create(&path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    path
}

fn read_all(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn strings(batch: &RecordBatch, column: &str) -> Vec<Option<String>> {
    let array = arrow_cast::cast(
        batch.column_by_name(column).unwrap(),
        &arrow_schema::DataType::Utf8,
    )
    .unwrap();
    let array = array.as_any().downcast_ref::<StringArray>().unwrap();
    (0..array.len())
        .map(|row| (!array.is_null(row)).then(|| array.value(row).to_owned()))
        .collect()
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

fn split(args: &[&str]) -> std::process::Output {
    let mut all = vec!["split"];
    all.extend_from_slice(args);
    coursepulse(&all)
}

#[test]
fn split_writes_one_masked_extract_per_course_whose_union_is_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let source = source_parquet(dir.path());
    let out = dir.path().join("extracts");
    let output = split(&[
        source.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--salt",
        "s3cret",
        "--compression",
        "snappy",
        "--keep",
        "email",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let manifest = manifest(&out);
    assert_eq!(manifest["source_rows"], ROWS);
    assert_eq!(manifest["masked"], true);
    let extracts = manifest["extracts"].as_array().unwrap();
    let folders: Vec<&str> = extracts
        .iter()
        .map(|e| e["folder"].as_str().unwrap())
        .collect();
    assert_eq!(
        folders,
        vec![
            "course_code=BIO%2F301",
            "course_code=CSC101",
            "course_code=MTH%20201",
            "course_code=__HIVE_DEFAULT_PARTITION__",
        ]
    );
    let mut event_ids = Vec::new();
    for extract in extracts {
        let mut rows = 0;
        let batches = extract["files"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|file| read_all(&out.join(file.as_str().unwrap())));
        for batch in batches {
            rows += batch.num_rows();
            // Only that course's rows, with the source's columns and types where unmasked.
            let expected = extract["value"].as_str().map(str::to_owned);
            assert!(
                strings(&batch, "course_code")
                    .iter()
                    .all(|code| *code == expected)
            );
            assert_eq!(
                batch
                    .schema()
                    .field_with_name("event_id")
                    .unwrap()
                    .data_type(),
                &arrow_schema::DataType::Int64
            );
            for id in strings(&batch, "student_id").into_iter().flatten() {
                assert!(id.starts_with("L-") && id.len() == 14, "{id}");
            }
            for email in strings(&batch, "email").into_iter().flatten() {
                assert!(email.starts_with("E-"), "{email}");
            }
            let ids = batch.column_by_name("event_id").unwrap();
            let ids = ids.as_any().downcast_ref::<Int64Array>().unwrap();
            event_ids.extend(ids.values().iter().copied());
        }
        assert_eq!(extract["rows"], rows, "{}", extract["folder"]);
    }
    event_ids.sort_unstable();
    assert_eq!(
        event_ids,
        (0..ROWS).collect::<Vec<_>>(),
        "the union is the source"
    );
    // No learner id or address in clear text anywhere in the output's bytes.
    let scan = |folder: &Path| -> bool {
        let mut found = false;
        for file in manifest["files"].as_array().unwrap() {
            let bytes = std::fs::read(folder.join(file.as_str().unwrap())).unwrap();
            found |= bytes.windows(14).any(|window| window == b"learner-secret");
        }
        found |= std::fs::read_to_string(folder.join("manifest.json"))
            .unwrap()
            .contains("learner-secret");
        found
    };
    assert!(!scan(&out), "a clear learner id is in the masked extracts");
    // The scan can find them: the same split without masking has them.
    let clear = dir.path().join("clear");
    let output = split(&[
        source.to_str().unwrap(),
        "-o",
        clear.to_str().unwrap(),
        "--no-mask",
        "--compression",
        "snappy",
        "--keep",
        "email",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(scan(&clear));
    // The extracts read back as a partitioned dataset, with the same learners (as pseudonyms).
    let report = super::report_json(&[out.to_str().unwrap()]);
    let unmasked = super::report_json(&[source.to_str().unwrap()]);
    assert_eq!(
        report["summary"]["learners"],
        unmasked["summary"]["learners"]
    );
    assert_eq!(report["rows"]["total"], ROWS);
    let masked_again = super::report_json(&["--salt", "s3cret", source.to_str().unwrap()]);
    assert_eq!(
        masked_again["learners"], report["learners"],
        "masking the source report with the same salt gives the extracts' pseudonyms"
    );
}

#[test]
fn split_refuses_what_it_should_with_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    let source = source_parquet(dir.path());
    let source = source.to_str().unwrap();
    let out = dir.path().join("out");
    let out_text = out.to_str().unwrap();
    let no_course = {
        let path = dir.path().join("no_course.parquet");
        let batch = RecordBatch::try_from_iter([
            ("student_id", Arc::new(StringArray::from(vec!["S1"])) as _),
            ("video_id", Arc::new(StringArray::from(vec!["V1"])) as _),
            (
                "completion_rate_percent",
                Arc::new(Float64Array::from(vec![10.0])) as _,
            ),
        ])
        .unwrap();
        let mut writer =
            ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), None)
                .unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        path
    };
    let blocker = write(dir.path(), "a-file", b"x");
    let under_a_file = blocker.join("sub");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![source, "-o", out_text],
            "give --salt SECRET (or set COURSEPULSE_SALT)",
        ),
        (
            vec![source, "-o", out_text, "--no-mask", "--salt", "x"],
            "give one or the other",
        ),
        (
            vec![no_course.to_str().unwrap(), "-o", out_text, "--salt", "x"],
            "no course column: looked for course_code",
        ),
        (
            vec![source, "-o", out_text, "--salt", "x", "--by", "instructor"],
            "no instructor column: looked for instructor",
        ),
        (
            vec![source, "-o", under_a_file.to_str().unwrap(), "--salt", "x"],
            "cannot create the output folder",
        ),
        (
            vec![
                source,
                "-o",
                out_text,
                "--salt",
                "x",
                "--compression",
                "lzo",
            ],
            "use zstd or snappy",
        ),
    ];
    for (args, message) in cases {
        let output = split(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    // A non-empty folder is refused unless --force, which replaces only an earlier split's
    // output: a folder with files its manifest does not list is refused even then.
    std::fs::create_dir_all(&out).unwrap();
    write(&out, "keep.txt", b"mine");
    let refused = split(&[source, "-o", out_text, "--salt", "x", "--drop", "email"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is not empty"));
    let forced = split(&[
        source, "-o", out_text, "--salt", "x", "--drop", "email", "--force",
    ]);
    let stderr = String::from_utf8_lossy(&forced.stderr);
    assert_eq!(forced.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("has no manifest.json of an earlier split"),
        "{stderr}"
    );
    std::fs::remove_file(out.join("keep.txt")).unwrap();
    for _ in 0..3 {
        let forced = split(&[
            source, "-o", out_text, "--salt", "x", "--drop", "email", "--force",
        ]);
        assert_eq!(
            forced.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&forced.stderr)
        );
    }
    assert_eq!(manifest(&out)["extracts"].as_array().unwrap().len(), 4);
    write(&out.join("course_code=CSC101"), "notes.txt", b"mine");
    let forced = split(&[
        source, "-o", out_text, "--salt", "x", "--drop", "email", "--force",
    ]);
    let stderr = String::from_utf8_lossy(&forced.stderr);
    assert_eq!(forced.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("does not list: course_code=CSC101/notes.txt"),
        "{stderr}"
    );
    assert!(out.join("course_code=CSC101/notes.txt").exists());
    // The salt may come from the environment.
    let from_env = std::process::Command::new(env!("CARGO_BIN_EXE_coursepulse"))
        .args([
            "split",
            source,
            "-o",
            dir.path().join("env").to_str().unwrap(),
            "--drop",
            "email",
        ])
        .env("COURSEPULSE_SALT", "x")
        .output()
        .unwrap();
    assert_eq!(from_env.status.code(), Some(0));
}

#[test]
fn metadata_flag_and_dbt_schema_in_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let source = source_parquet(dir.path());
    let source = source.to_str().unwrap();
    let table = coursepulse(&["report", "--metadata", source]);
    let stdout = String::from_utf8_lossy(&table.stdout);
    assert_eq!(table.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("3 row groups"), "{stdout}");
    assert!(stdout.contains("Lineage (300 rows in)"), "{stdout}");
    assert!(stdout.contains("learner_averages"), "{stdout}");
    let schema = write(
        dir.path(),
        "schema.yml",
        b"version: 2\nmodels:\n  - name: logs\n    columns:\n      - name: course_code\n        description: Course code from the SIS\n        tests: [not_null, {relationships: {to: x}}]\n      - name: event_id\n        tests: [unique]\n",
    );
    let check = coursepulse(&["check", source, "--dbt-schema", schema.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL  not_null_logs_course_code (not_null on course_code): 60 failing"),
        "{stdout}"
    );
    assert!(stdout.contains("PASS  unique_logs_event_id"), "{stdout}");
    assert!(
        stdout.contains("not supported: relationships (model logs, column course_code)"),
        "{stdout}"
    );
    let json = super::report_json(&[source, "--dbt-schema", schema.to_str().unwrap()]);
    let column = &json["files"][0]["columns"][3];
    assert_eq!(column["name"], "course_code");
    assert_eq!(column["description"], "Course code from the SIS");
    let bad = write(
        dir.path(),
        "bad.yml",
        b"models:\n  - name: m\n    columns: [\n      - oops\n",
    );
    let output = coursepulse(&["check", source, "--dbt-schema", bad.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("invalid YAML at line"), "{stderr}");
}
