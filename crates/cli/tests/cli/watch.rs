//! Issue 16, live mode: `report --watch` lists a folder again, reads only the files it has not
//! loaded, prints the new report, says which loaded files changed, and ends cleanly on Ctrl-C.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use super::{coursepulse, report_json};

/// The clock of `report_json`, which the one-off reports use.
const NOW: &str = "2026-01-01";
const HEADER: &str = "student_id,video_id,course_code,role,completion_rate_percent\n";

fn day_file(dir: &Path, day: u32, rows: &str) {
    let folder = dir.join(format!("date=2025-03-{day:02}"));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("part-0.csv"), format!("{HEADER}{rows}")).unwrap();
}

/// The CLI's one-off JSON report of the folder as it is now (with the clock `NOW`).
fn one_off(dir: &Path) -> serde_json::Value {
    report_json(&[dir.to_str().unwrap()])
}

/// The figures a refresh must agree on (the report's timing fields aside).
fn figures(report: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "rows": report["rows"],
        "summary": report["summary"],
        "learners": report["learners"],
        "courses": report["courses"],
        "daily": report["daily"],
        "sources": report["sources"].as_array().unwrap().iter().map(|source| source["name"].clone()).collect::<Vec<_>>(),
    })
}

#[test]
fn watch_adds_a_new_file_without_reading_the_old_ones_and_ends_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    day_file(&logs, 1, "S1,V1,C1,Student,80\nS2,V1,C1,Student,40\n");
    day_file(&logs, 2, "S1,V2,C1,Student,100\nS3,V2,C2,Student,20\n");
    let first_expected = one_off(&logs);

    let mut child = Command::new(env!("CARGO_BIN_EXE_coursepulse"))
        .args([
            "report",
            logs.to_str().unwrap(),
            "--watch",
            "--interval",
            "1",
        ])
        .args(["--max-refreshes", "300", "--format", "json", "--now", NOW])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let mut reports = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: serde_json::Value = serde_json::from_str(&reports.next().unwrap().unwrap()).unwrap();
    assert_eq!(figures(&first), figures(&first_expected));

    // An old day is rewritten, then a new day arrives: only the new one is read. (In this
    // order, the listing that finds the new day also finds the rewritten one.)
    let expected = dir.path().join("expected");
    day_file(&expected, 1, "S1,V1,C1,Student,80\nS2,V1,C1,Student,40\n");
    day_file(&expected, 2, "S1,V2,C1,Student,100\nS3,V2,C2,Student,20\n");
    day_file(&expected, 3, "S2,V3,C2,Student,90\nS4,V3,C2,Student,60\n");
    let old_and_new = one_off(&expected);
    day_file(
        &logs,
        1,
        "S1,V1,C1,Student,80\nS2,V1,C1,Student,40\nS9,V9,C9,Student,1\n",
    );
    day_file(&logs, 3, "S2,V3,C2,Student,90\nS4,V3,C2,Student,60\n");
    let second: serde_json::Value =
        serde_json::from_str(&reports.next().unwrap().unwrap()).unwrap();
    assert_eq!(
        figures(&second),
        figures(&old_and_new),
        "the refreshed report is the one-off report of the old files as read and the new one"
    );
    assert_ne!(
        figures(&second),
        figures(&one_off(&logs)),
        "the rewritten day is not read again"
    );

    // Ctrl-C ends it cleanly.
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("1 new file (date=2025-03-03/part-0.csv)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("changed since read, not read again"),
        "{stderr}"
    );
    assert!(stderr.contains("date=2025-03-01/part-0.csv"), "{stderr}");
    assert!(stderr.contains("watch ended after"), "{stderr}");
}

#[test]
fn watch_refuses_what_it_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    day_file(dir.path(), 1, "S1,V1,C1,Student,80\n");
    let folder = dir.path().to_str().unwrap();
    let check = coursepulse(&["check", folder, "--watch"]);
    assert_eq!(check.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&check.stderr).contains("--watch works with `coursepulse report`")
    );
    let zero = coursepulse(&["report", folder, "--watch", "--interval", "0"]);
    assert_eq!(zero.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&zero.stderr).contains("--interval"));
    // One listing, then it ends by itself: the report is printed once.
    let once = coursepulse(&[
        "report",
        folder,
        "--watch",
        "--max-refreshes",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(
        once.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&once.stderr)
    );
    let lines: Vec<&str> = std::str::from_utf8(&once.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), 1);
    let report: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(report["rows"]["total"], 1);
}

/// Event logs are watched too: a new log is read into the events loaded so far (the pairs it
/// touches derived again), the --videos catalogue sitting in the folder is not taken for a log,
/// and each refresh equals a one-off report of the logs.
#[test]
fn watch_adds_a_new_event_log_to_the_events_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join("generated");
    let spec = coursepulse_fixtures::EventSpec {
        events: 3_000,
        ..coursepulse_fixtures::EventSpec::default()
    };
    coursepulse_fixtures::write_event_log(
        &spec,
        &generated,
        2,
        coursepulse_fixtures::EventLogFormat::Csv,
    )
    .unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    for name in ["events-0.csv", "videos.csv"] {
        std::fs::copy(generated.join(name), logs.join(name)).unwrap();
    }
    let videos = logs.join("videos.csv");
    let one_off = |files: &[&Path]| -> serde_json::Value {
        let names: Vec<String> = files
            .iter()
            .map(|file| file.display().to_string())
            .collect();
        let mut args: Vec<&str> = names.iter().map(String::as_str).collect();
        args.extend(["--videos", videos.to_str().unwrap()]);
        report_json(&args)
    };
    let event_figures = |report: &serde_json::Value| {
        serde_json::json!({
            "summary": report["summary"],
            "learners": report["learners"],
            "lineage": report["events"]["lineage"],
            "videos": report["events"]["videos"],
        })
    };
    let first_expected = one_off(&[&logs.join("events-0.csv")]);

    let mut child = Command::new(env!("CARGO_BIN_EXE_coursepulse"))
        .args([
            "report",
            logs.to_str().unwrap(),
            "--videos",
            videos.to_str().unwrap(),
        ])
        .args(["--watch", "--interval", "1", "--max-refreshes", "300"])
        .args(["--format", "json", "--now", NOW])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let mut reports = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: serde_json::Value = serde_json::from_str(&reports.next().unwrap().unwrap()).unwrap();
    assert_eq!(event_figures(&first), event_figures(&first_expected));

    std::fs::copy(generated.join("events-1.csv"), logs.join("events-1.csv")).unwrap();
    let both = one_off(&[&logs.join("events-0.csv"), &logs.join("events-1.csv")]);
    let second: serde_json::Value =
        serde_json::from_str(&reports.next().unwrap().unwrap()).unwrap();
    assert_eq!(event_figures(&second), event_figures(&both));
    assert_ne!(event_figures(&second), event_figures(&first));

    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("1 new file (events-1.csv)"), "{stderr}");
}
