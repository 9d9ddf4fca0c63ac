//! The `coursepulse` binary end to end: exit codes of the quality gate, JSON shape, and clear
//! errors (exit 2, no panic) for bad arguments and bad files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn coursepulse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coursepulse"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn write(dir: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

const CLEAN: &str = "student_id,video_id,course_code,role,completion_rate_percent\nS1,V1,C1,Student,80\nS2,V1,C1,Student,60\n";
const DIRTY: &str = "student_id,video_id,course_code,role,completion_rate_percent\nS1,V1,C1,Student,180\n,V1,C1,Student,60\n";

#[test]
fn check_is_a_pipeline_gate() {
    let dir = tempfile::tempdir().unwrap();
    let clean = write(dir.path(), "clean.csv", CLEAN.as_bytes());
    let dirty = write(dir.path(), "dirty.csv", DIRTY.as_bytes());
    let passed = coursepulse(&["check", clean.to_str().unwrap()]);
    assert_eq!(
        passed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&passed.stdout)
    );
    let failed = coursepulse(&["check", dirty.to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&failed.stdout);
    assert!(stdout.contains("FAIL    completion_in_range"), "{stdout}");
    assert!(
        stdout.contains("dirty.csv row 1"),
        "offending rows are listed: {stdout}"
    );
    // Loosening the rule's threshold lets the gate pass.
    let tolerant = coursepulse(&[
        "check",
        dirty.to_str().unwrap(),
        "--rule",
        "completion_in_range=50%",
        "--rule",
        "student_id_not_null=1",
    ]);
    assert_eq!(
        tolerant.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&tolerant.stdout)
    );
}

#[test]
fn report_json_has_the_documented_sections() {
    let dir = tempfile::tempdir().unwrap();
    let clean = write(dir.path(), "clean.csv", CLEAN.as_bytes());
    let output = coursepulse(&[
        "report",
        clean.to_str().unwrap(),
        "--format",
        "json",
        "--top",
        "1",
    ]);
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for key in [
        "rows",
        "summary",
        "most_watched_learner",
        "learners_top",
        "learners_bottom",
        "learners",
        "videos",
        "courses",
        "completion_histogram",
        "daily",
        "quality",
    ] {
        assert!(report.get(key).is_some(), "missing {key}");
    }
    assert_eq!(report["learners_top"][0]["student_id"], "S1");
    assert_eq!(report["learners_top"].as_array().unwrap().len(), 1);
    assert_eq!(report["rows"]["duplicates_removed"], 0);
    assert_eq!(report["courses"][0]["top"][0]["video_id"], "V1");
    assert_eq!(report["quality"]["rules"][0]["name"], "student_id_not_null");
}

#[test]
fn bad_input_is_a_clear_error_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let renamed = write(dir.path(), "renamed.parquet", CLEAN.as_bytes());
    let empty = write(dir.path(), "empty.parquet", b"");
    let no_columns = write(dir.path(), "x.csv", b"a,b\n1,2\n");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["report".into(), renamed.display().to_string()],
            "looks like CSV text",
        ),
        (
            vec!["report".into(), empty.display().to_string()],
            "file is empty",
        ),
        (
            vec!["report".into(), no_columns.display().to_string()],
            "no student id column: looked for student_id",
        ),
        (
            vec![
                "report".into(),
                dir.path().join("missing.csv").display().to_string(),
            ],
            "cannot read",
        ),
        (
            vec!["report".into(), dir.path().display().to_string()],
            "is a directory",
        ),
        (
            vec![
                "report".into(),
                no_columns.display().to_string(),
                "--map".into(),
                "colour=x".into(),
            ],
            "unknown field",
        ),
        (
            vec![
                "report".into(),
                no_columns.display().to_string(),
                "--now".into(),
                "yesterday".into(),
            ],
            "\"yesterday\" is not a time",
        ),
        (
            vec![
                "report".into(),
                no_columns.display().to_string(),
                "--top".into(),
                "0".into(),
            ],
            "top N must be at least 1",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = coursepulse(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_reader_that_stops_early_is_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("student_id,video_id,completion\n");
    for learner in 0..5000 {
        csv.push_str(&format!("S{learner},V1,50\n"));
    }
    let input = write(dir.path(), "many.csv", csv.as_bytes());
    let mut child = Command::new(env!("CARGO_BIN_EXE_coursepulse"))
        .args(["report", "--all-learners", input.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -0`: the reader goes away before the report is written.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}
