//! Issue 14 end to end: `split` keeps only what it must and never loses or mixes up values,
//! manifests stay in their folder and never quote the files they reach, the state file is
//! private, and file names cannot drive the terminal.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{coursepulse, write};

/// Writes `columns` as one Parquet file.
fn parquet(dir: &Path, name: &str, columns: Vec<(&str, ArrayRef)>) -> PathBuf {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    path
}

fn text<I: IntoIterator<Item = Option<String>>>(values: I) -> ArrayRef {
    Arc::new(StringArray::from_iter(values))
}

/// A watch log whose `course_code` column has `courses` (one row each, `repeat` times).
fn courses_parquet(dir: &Path, courses: &[Option<String>], repeat: usize) -> PathBuf {
    let rows: Vec<Option<String>> = courses
        .iter()
        .flat_map(|course| std::iter::repeat_n(course.clone(), repeat))
        .collect();
    let n_rows = rows.len();
    parquet(
        dir,
        "courses.parquet",
        vec![
            (
                "event_id",
                Arc::new(Int64Array::from_iter_values(0..n_rows as i64)) as _,
            ),
            (
                "student_id",
                text((0..n_rows).map(|row| Some(format!("S{}", row % 17)))),
            ),
            ("video_id", text((0..n_rows).map(|_| Some("V1".to_owned())))),
            ("course_code", text(rows)),
            (
                "completion_rate_percent",
                Arc::new(Float64Array::from_iter_values(
                    (0..n_rows).map(|row| (row % 100) as f64),
                )) as _,
            ),
        ],
    )
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every column value of every part file of one extract, as text.
fn extract_values(out: &Path, extract: &serde_json::Value, column: &str) -> Vec<Option<String>> {
    let mut values = Vec::new();
    // Manifests before issue 14 had one "path" per extract.
    let files = match extract["files"].as_array() {
        Some(files) => files.clone(),
        None => vec![extract["path"].clone()],
    };
    for file in files {
        let file = std::fs::File::open(out.join(file.as_str().unwrap())).unwrap();
        for batch in ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
        {
            let batch = batch.unwrap();
            let array = arrow_cast::cast(
                batch.column_by_name(column).unwrap(),
                &arrow_schema::DataType::Utf8,
            )
            .unwrap();
            let array = array.as_any().downcast_ref::<StringArray>().unwrap();
            values.extend(
                (0..array.len())
                    .map(|row| (!array.is_null(row)).then(|| array.value(row).to_owned())),
            );
        }
    }
    values
}

/// Every byte of every file under `folder`, and every path, as one text to search.
fn everything_under(folder: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        all.extend_from_slice(path.to_string_lossy().as_bytes());
        if path.is_dir() {
            all.extend(everything_under(&path));
        } else {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[test]
fn split_keeps_only_mapped_and_kept_columns_and_never_shows_instructor_ids() {
    let dir = tempfile::tempdir().unwrap();
    let n_rows = 60;
    let source = parquet(
        dir.path(),
        "logs.parquet",
        vec![
            (
                "student_id",
                text((0..n_rows).map(|row| Some(format!("S{}", row % 9)))),
            ),
            ("video_id", text((0..n_rows).map(|_| Some("V1".to_owned())))),
            (
                "course_code",
                text((0..n_rows).map(|_| Some("C1".to_owned()))),
            ),
            (
                "completion_rate_percent",
                Arc::new(Float64Array::from_iter_values((0..n_rows).map(f64::from))) as _,
            ),
            (
                "instructor_id",
                text((0..n_rows).map(|row| Some(format!("instr-secret-{}", row % 3)))),
            ),
            (
                "sis_user_id",
                text((0..n_rows).map(|row| Some(format!("sis-secret-{row}")))),
            ),
            (
                "teacher_id",
                text((0..n_rows).map(|row| Some(format!("teach-secret-{}", row % 3)))),
            ),
            (
                "device",
                text((0..n_rows).map(|_| Some("phone".to_owned()))),
            ),
        ],
    );
    let source = source.to_str().unwrap();
    let out = dir.path().join("out");
    let out_text = out.to_str().unwrap();
    let base = [
        "split",
        source,
        "-o",
        out_text,
        "--by",
        "instructor",
        "--salt",
        "k",
    ];
    // Identifier-like columns nobody decided about stop the split, named in the message.
    let refused = coursepulse(&base);
    let message = stderr(&refused);
    assert_eq!(refused.status.code(), Some(2), "{message}");
    assert!(
        message
            .contains("would leave out sis_user_id, teacher_id whose names look like identifiers"),
        "{message}"
    );
    assert!(!message.contains("device"), "{message}");
    assert!(!out.exists(), "nothing written when refused");
    let mut args = base.to_vec();
    args.extend(["--drop", "sis_user_id", "--keep", "teacher_id"]);
    let output = coursepulse(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("left out of the extracts"),
        "{}",
        stderr(&output)
    );
    let manifest = manifest(&out);
    assert_eq!(
        manifest["columns"],
        serde_json::json!([
            "student_id",
            "video_id",
            "course_code",
            "completion_rate_percent",
            "instructor_id",
            "teacher_id"
        ])
    );
    let extracts = manifest["extracts"].as_array().unwrap();
    assert_eq!(extracts.len(), 3);
    for extract in extracts {
        let value = extract["value"].as_str().unwrap();
        assert!(value.starts_with("N-"), "{value}");
        assert_eq!(
            extract["folder"].as_str().unwrap(),
            format!("instructor_id={value}")
        );
        for id in extract_values(&out, extract, "instructor_id") {
            assert_eq!(id.as_deref(), Some(value));
        }
        for id in extract_values(&out, extract, "teacher_id")
            .into_iter()
            .flatten()
        {
            assert!(id.starts_with("N-"), "{id}");
        }
    }
    let all = everything_under(&out);
    for secret in ["instr-secret", "sis-secret", "teach-secret", "phone"] {
        assert!(!contains(&all, secret), "{secret} is in the output");
    }
}

/// Splits a log whose courses are `courses` (3 rows each) and checks that every value has its
/// own folder (distinct even ignoring case, at most 255 bytes, no trailing dot or space), that
/// the manifest records the real value and lists no file twice, and that no row is lost.
fn check_split_values(courses: &[Option<&str>]) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let courses: Vec<Option<String>> = courses
        .iter()
        .map(|course| course.map(str::to_owned))
        .collect();
    let source = courses_parquet(dir.path(), &courses, 3);
    let out = dir.path().join("out");
    let output = coursepulse(&[
        "split",
        source.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-mask",
    ]);
    let shown: Vec<String> = courses
        .iter()
        .map(|course| {
            format!(
                "{:?}",
                course
                    .as_deref()
                    .map(|text| text.chars().take(20).collect::<String>())
            )
        })
        .collect();
    let fail = |problem: String| Err(format!("{}: {problem}", shown.join(", ")));
    if output.status.code() != Some(0) {
        return fail(stderr(&output));
    }
    let manifest = manifest(&out);
    let extracts = manifest["extracts"].as_array().unwrap();
    if extracts.len() != courses.len() {
        return fail(format!("{} extracts: {manifest:#}", extracts.len()));
    }
    let mut folded = std::collections::BTreeSet::new();
    let mut values = Vec::new();
    for extract in extracts {
        let folder = extract["folder"]
            .as_str()
            .or_else(|| {
                extract["path"]
                    .as_str()?
                    .rsplit_once('/')
                    .map(|(folder, _)| folder)
            })
            .unwrap_or_default();
        if folder.len() > 255 || folder.ends_with('.') || folder.ends_with(' ') {
            return fail(format!("folder {folder:?}"));
        }
        if !folded.insert(folder.to_ascii_lowercase()) {
            return fail(format!("{folder} meets another folder ignoring case"));
        }
        let value = extract["value"].as_str().map(str::to_owned);
        let rows = extract_values(&out, extract, "course_code");
        if rows.len() != 3 || rows.iter().any(|row| *row != value) {
            return fail(format!("{folder} holds {rows:?}"));
        }
        values.push(value);
    }
    values.sort();
    let mut expected = courses.clone();
    expected.sort();
    if values != expected {
        return fail(format!("the manifest records {values:?}"));
    }
    let files = manifest["files"].as_array().unwrap();
    let distinct: std::collections::BTreeSet<&str> =
        files.iter().map(|file| file.as_str().unwrap()).collect();
    if distinct.len() != files.len() {
        return fail(format!("a file listed twice: {files:?}"));
    }
    // The extracts read back as one dataset with every row.
    let report = super::report_json(&[out.to_str().unwrap()]);
    if report["rows"]["total"] != courses.len() * 3 {
        return fail(format!("{} rows read back", report["rows"]["total"]));
    }
    Ok(())
}

#[test]
fn split_keeps_awkward_values_apart_and_records_each_real_value() {
    let long = "x".repeat(300);
    let long_other = format!("{}y", "x".repeat(299));
    let cases: Vec<Vec<Option<&str>>> = vec![
        vec![None, Some("__HIVE_DEFAULT_PARTITION__")],
        vec![None, Some("__hive_default_partition__")],
        vec![Some("CSC101"), Some("csc101"), Some("Csc101")],
        vec![Some("CSC101"), Some("CSC101."), Some("CSC101 ")],
        vec![Some(&long), Some(&long_other)],
        vec![Some("a/b"), Some("a%2Fb"), Some("~"), Some("é"), Some("")],
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|courses| check_split_values(courses).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn split_writes_two_thousand_courses_with_few_open_files() {
    let dir = tempfile::tempdir().unwrap();
    let courses: Vec<Option<String>> = (0..2000)
        .map(|course| Some(format!("C{course:04}")))
        .collect();
    let source = courses_parquet(dir.path(), &courses, 2);
    let out = dir.path().join("out");
    let args = [
        "split",
        source.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--salt",
        "k",
        "--compression",
        "snappy",
    ];
    // One open file per course would exceed this limit (on Linux and macOS alike).
    #[cfg(unix)]
    let output = Command::new("sh")
        .args(["-c", "ulimit -n 256 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_coursepulse"))
        .args(args)
        .output()
        .unwrap();
    #[cfg(not(unix))]
    let output = coursepulse(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let manifest = manifest(&out);
    assert_eq!(manifest["extracts"].as_array().unwrap().len(), 2000);
    assert_eq!(manifest["source_rows"], 4000);
}

#[test]
fn a_failed_split_leaves_no_partial_output() {
    let dir = tempfile::tempdir().unwrap();
    let first = courses_parquet(
        dir.path(),
        &[Some("C1".to_owned()), Some("C2".to_owned())],
        2,
    );
    // The second input's completion column has another type: the split stops there.
    let second = parquet(
        dir.path(),
        "second.parquet",
        vec![
            ("event_id", Arc::new(Int64Array::from(vec![9])) as _),
            ("student_id", text([Some("S1".to_owned())])),
            ("video_id", text([Some("V1".to_owned())])),
            ("course_code", text([Some("C3".to_owned())])),
            (
                "completion_rate_percent",
                Arc::new(Int64Array::from(vec![5])) as _,
            ),
        ],
    );
    let out = dir.path().join("out");
    let output = coursepulse(&[
        "split",
        first.to_str().unwrap(),
        second.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--salt",
        "k",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("its columns differ"),
        "{}",
        stderr(&output)
    );
    assert!(!out.exists(), "partial output at {}", out.display());
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("coursepulse"))
        .collect();
    assert!(left.is_empty(), "temporary folders left: {left:?}");
}

/// Runs `coursepulse report` with `args` and checks exit 2, that stderr has `message`, and
/// that it has none of `absent`.
fn check_refused(args: &[&str], message: &str, absent: &[&str]) -> Result<(), String> {
    let mut all = vec!["report", "--now", "2026-01-01"];
    all.extend_from_slice(args);
    let output = coursepulse(&all);
    let stderr = stderr(&output);
    let mut problems = Vec::new();
    if output.status.code() != Some(2) {
        problems.push(format!("exit code {:?}", output.status.code()));
    }
    if !stderr.contains(message) {
        problems.push(format!("no {message:?}"));
    }
    for text in absent {
        if stderr.contains(text) {
            problems.push(format!("{text:?} shown"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{args:?}: {}\n  stderr: {stderr}",
            problems.join("; ")
        ))
    }
}

#[test]
fn manifests_stay_in_their_folder_and_never_quote_the_files_they_reach() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let secret = write(dir.path(), "secret.csv", b"TOPSECRET_a,TOPSECRET_b\n1,2\n");
    write(&data, "inner.csv", b"INNERSECRET_x,INNERSECRET_y\n1,2\n");
    let manifest_with = |name: &str, entries: serde_json::Value| {
        write(&data, name, entries.to_string().as_bytes())
            .display()
            .to_string()
    };
    let parent = manifest_with("parent.manifest.json", serde_json::json!(["../secret.csv"]));
    let absolute = manifest_with(
        "absolute.manifest.json",
        serde_json::json!([secret.display().to_string()]),
    );
    let inner = manifest_with("inner.manifest.json", serde_json::json!(["./inner.csv"]));
    let too_many = manifest_with(
        "many.manifest.json",
        serde_json::Value::from(vec!["inner.csv"; 100_001]),
    );
    let secret_text = secret.display().to_string();
    let mut failures = Vec::new();
    let cases: Vec<(Vec<&str>, &str, &[&str])> = vec![
        (
            vec![&parent],
            "leads outside the manifest's folder",
            &["TOPSECRET"],
        ),
        (vec![&absolute], "is absolute", &["TOPSECRET"]),
        (
            vec![&parent, "--allow-outside-manifest"],
            "../secret.csv: has no usable column mapping",
            &["TOPSECRET"],
        ),
        (
            vec![&absolute, "--allow-outside-manifest"],
            "has no usable column mapping",
            &["TOPSECRET"],
        ),
        (
            vec![&inner],
            "inner.csv: has no usable column mapping",
            &["INNERSECRET"],
        ),
        (vec![&too_many], "the limit is 100,000", &[]),
        // A file the user names is described in full.
        (vec![&secret_text], "file has: TOPSECRET_a", &[]),
    ];
    for (args, message, absent) in cases {
        if let Err(failure) = check_refused(&args, message, absent) {
            failures.push(failure);
        }
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&secret, data.join("link.csv")).unwrap();
        let linked = manifest_with("link.manifest.json", serde_json::json!(["link.csv"]));
        if let Err(failure) = check_refused(&[&linked], "through a symbolic link", &["TOPSECRET"]) {
            failures.push(failure);
        }
    }
    // split reads manifests the same way.
    let output = coursepulse(&[
        "split",
        &parent,
        "-o",
        dir.path().join("out").to_str().unwrap(),
        "--salt",
        "k",
    ]);
    if !stderr(&output).contains("leads outside the manifest's folder") {
        failures.push(format!("split: {}", stderr(&output)));
    }
    // ... and names no column of a file reached through one, unlike of a file named directly.
    let no_course = parquet(
        &data,
        "no_course.parquet",
        vec![
            ("student_id", text([Some("S1".to_owned())])),
            ("video_id", text([Some("V1".to_owned())])),
            ("completion", Arc::new(Float64Array::from(vec![1.0])) as _),
            ("SECRETCOLUMN", text([Some("x".to_owned())])),
        ],
    );
    let listed = manifest_with(
        "split.manifest.json",
        serde_json::json!(["no_course.parquet"]),
    );
    for (input, shows_columns) in [
        (listed.as_str(), false),
        (no_course.to_str().unwrap(), true),
    ] {
        let output = coursepulse(&[
            "split",
            input,
            "-o",
            dir.path().join("out").to_str().unwrap(),
            "--salt",
            "k",
        ]);
        let message = stderr(&output);
        if !message.contains("no course column")
            || message.contains("SECRETCOLUMN") != shows_columns
        {
            failures.push(format!("split {input}: {message}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn file_names_in_errors_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let name = "bad\u{1b}[2Jname\nINJECTED line.csv";
    let path = write(dir.path(), name, b"a,b\n1,2\n");
    let missing = dir.path().join("gone\u{1b}]0;title\u{7}.csv");
    let manifest = write(
        dir.path(),
        "manifest.json",
        serde_json::json!(["missing\r\nFAKE.csv"])
            .to_string()
            .as_bytes(),
    );
    for (argument, shown) in [
        (
            path.display().to_string(),
            "bad\\u{1b}[2Jname\\nINJECTED line.csv",
        ),
        (
            missing.display().to_string(),
            "gone\\u{1b}]0;title\\u{7}.csv",
        ),
        (manifest.display().to_string(), "missing\\r\\nFAKE.csv"),
    ] {
        let output = coursepulse(&["report", &argument]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{message}");
        assert!(message.contains(shown), "{message:?}");
        assert_eq!(message.trim_end().lines().count(), 1, "{message:?}");
        assert!(
            !message
                .chars()
                .any(|character| character.is_control() && character != '\n'),
            "{message:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn the_state_file_is_private_and_leaves_no_temporary_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "logs.csv",
        b"student_id,video_id,completion\nS1,V1,50\n",
    );
    let state_dir = dir.path().join("state");
    std::fs::create_dir(&state_dir).unwrap();
    let state = state_dir.join("state.bin");
    for _ in 0..2 {
        let output = coursepulse(&[
            "report",
            input.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "state file mode {mode:o}");
        let names: Vec<String> = std::fs::read_dir(&state_dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["state.bin"]);
    }
}

#[test]
fn split_writes_into_an_empty_folder_and_a_relative_path() {
    let dir = tempfile::tempdir().unwrap();
    let source = courses_parquet(dir.path(), &[Some("C1".to_owned())], 2);
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for (out, current_dir) in [
        (empty.display().to_string(), dir.path().to_path_buf()),
        ("relative".to_owned(), dir.path().to_path_buf()),
        ("nested/new/out".to_owned(), dir.path().to_path_buf()),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_coursepulse"))
            .args(["split", source.to_str().unwrap(), "-o", &out, "--salt", "k"])
            .current_dir(&current_dir)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{out}: {}", stderr(&output));
        let manifest = manifest(&current_dir.join(&out));
        assert_eq!(manifest["files"][0], "course_code=C1/part-0.parquet");
    }
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "temporary folders left: {left:?}");
}

#[test]
fn force_replaces_exactly_the_earlier_split() {
    let dir = tempfile::tempdir().unwrap();
    let two = courses_parquet(
        dir.path(),
        &[Some("C1".to_owned()), Some("C2".to_owned())],
        2,
    );
    let two_copy = dir.path().join("two.parquet");
    std::fs::rename(&two, &two_copy).unwrap();
    let one = courses_parquet(dir.path(), &[Some("C1".to_owned())], 2);
    let out = dir.path().join("out");
    let run = |source: &Path| {
        coursepulse(&[
            "split",
            source.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--salt",
            "k",
            "--force",
        ])
    };
    let output = run(&two_copy);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = run(&one);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["course_code=C1", "manifest.json"],
        "the C2 extract is gone"
    );
    // A symbolic link is not something split wrote, even under a listed name's folder.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&one, out.join("course_code=C1/extra.parquet")).unwrap();
        let output = run(&one);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(
            stderr(&output).contains("course_code=C1/extra.parquet"),
            "{}",
            stderr(&output)
        );
        assert!(one.exists());
    }
}
