//! issue 16: event logs on the command line: NDJSON, CSV and Parquet logs with a catalogue give
//! the same figures, and bad inputs are named (exit 2).

use std::path::Path;

use super::{coursepulse, report_json, write};

fn generate(dir: &Path, format: &str) {
    let spec = coursepulse_fixtures::EventSpec {
        events: 4_000,
        ..coursepulse_fixtures::EventSpec::default()
    };
    let format = match format {
        "csv" => coursepulse_fixtures::EventLogFormat::Csv,
        "ndjson" => coursepulse_fixtures::EventLogFormat::Ndjson,
        _ => coursepulse_fixtures::EventLogFormat::Parquet,
    };
    coursepulse_fixtures::write_event_log(&spec, dir, 2, format).unwrap();
}

fn report(dir: &Path, extension: &str) -> serde_json::Value {
    let files: Vec<String> = (0..2)
        .map(|part| {
            dir.join(format!("events-{part}.{extension}"))
                .display()
                .to_string()
        })
        .collect();
    let videos = dir.join("videos.csv").display().to_string();
    let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
    args.extend(["--videos", &videos]);
    report_json(&args)
}

#[test]
fn ndjson_csv_and_parquet_logs_give_the_same_figures() {
    let reports: Vec<serde_json::Value> = ["ndjson", "csv", "parquet"]
        .into_iter()
        .map(|format| {
            let dir = tempfile::tempdir().unwrap();
            generate(dir.path(), format);
            report(dir.path(), format)
        })
        .collect();
    for report in &reports[1..] {
        assert_eq!(report["learners"], reports[0]["learners"]);
        assert_eq!(report["events"]["videos"], reports[0]["events"]["videos"]);
        assert_eq!(report["events"]["lineage"], reports[0]["events"]["lineage"]);
    }
    let events = &reports[0]["events"];
    assert!(events["lineage"]["pairs"].as_u64().unwrap() > 10);
    assert_eq!(
        events["videos"][0]["retention"].as_array().unwrap().len(),
        100
    );
    let rules: Vec<&str> = events["quality"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"duplicate_event_id") && rules.contains(&"unclosed_session"));
}

#[test]
fn the_table_shows_retention_and_event_rules() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "csv");
    let files = dir.path().display().to_string();
    let videos = dir.path().join("videos.csv").display().to_string();
    // A folder of event logs: the catalogue in it is not an event log, so it is named apart.
    std::fs::rename(
        dir.path().join("videos.csv"),
        dir.path().join("_videos.csv"),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("segments.csv")).unwrap();
    let videos = videos.replace("videos.csv", "_videos.csv");
    let output = coursepulse(&["report", &files, "--videos", &videos]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("Retention per video"), "{stdout}");
    assert!(stdout.contains("unknown_event_type"), "{stdout}");
    assert!(
        stdout.contains("-> ") && stdout.contains(" pairs ("),
        "{stdout}"
    );
}

#[test]
fn bad_event_inputs_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let not_json = write("a.ndjson", "{\"user_id\":1}\nnot json at all\n");
    let no_verb = write("b.ndjson", "{\"user_id\":\"S1\",\"video_id\":\"V1\"}\n");
    let rows = write(
        "rows.csv",
        "student_id,video_id,completion_rate_percent\nS1,V1,50\n",
    );
    let events = write(
        "e.csv",
        "user_id,video_id,event_type,timestamp,position\nS1,V1,play,2025-03-01T10:00:00Z,0\n",
    );
    let no_duration = write("videos.csv", "video,title\nV1,Intro\n");
    let cases: [(&[&str], &str); 5] = [
        (&["report", &not_json], "line 2 is not JSON"),
        (&["report", &no_verb], "no event_type, time"),
        (
            &["report", &events, &rows],
            "cannot be mixed with event logs",
        ),
        (
            &["report", &events, "--videos", &no_duration],
            "needs a duration column",
        ),
        (
            &["report", &events, "--session-gap", "0"],
            "at least 1 minute",
        ),
    ];
    for (args, expected) in cases {
        let output = coursepulse(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

/// `--state` with event logs: a run over the first log and a run over the second, continuing
/// from the first's state, report what one run over both does; the first log given again is
/// skipped; a rows state is refused with a message.
#[test]
fn event_logs_load_incrementally_with_state() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "parquet");
    let whole = report(dir.path(), "parquet");
    let state = dir.path().join("events.state");
    let (state, videos) = (state.display().to_string(), dir.path().join("videos.csv"));
    let videos = videos.display().to_string();
    let part = |index: usize| {
        dir.path()
            .join(format!("events-{index}.parquet"))
            .display()
            .to_string()
    };
    let run = |files: &[String]| {
        let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
        args.extend(["--videos", &videos, "--state", &state]);
        report_json(&args)
    };
    let first = run(&[part(0)]);
    assert!(first["summary"]["learners"].as_u64().unwrap() > 0);
    assert_ne!(first["summary"], whole["summary"]);
    let second = run(&[part(0), part(1)]);
    for key in ["summary", "learners", "videos", "courses"] {
        assert_eq!(second[key], whole[key], "{key}");
    }
    assert_eq!(second["events"]["lineage"], whole["events"]["lineage"]);
    assert_eq!(second["events"]["videos"], whole["events"]["videos"]);
    let notes = second["events"]["notes"].to_string();
    assert!(
        notes.contains("events-0.parquet: already loaded"),
        "{notes}"
    );

    let rows_state = dir.path().join("rows.state");
    let csv = write(
        dir.path(),
        "rows.csv",
        b"student_id,video_id,completion_rate_percent\nS1,V1,50\n",
    );
    let rows = coursepulse(&[
        "report",
        csv.to_str().unwrap(),
        "--state",
        rows_state.to_str().unwrap(),
    ]);
    assert!(rows.status.success(), "{rows:?}");
    let refused = coursepulse(&[
        "report",
        &part(1),
        "--videos",
        &videos,
        "--state",
        rows_state.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("not of event logs"), "{message}");
}

/// Event fields named otherwise than their synonyms are mapped with --map: columns in CSV, JSON
/// paths in NDJSON (an Open edX tracking log keeps the video and the playhead in its `event`
/// object); the figures equal those of the same events under the usual names. A wrong name is
/// a clear error.
#[test]
fn event_fields_are_mapped_by_column_or_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let usual = write(
        dir.path(),
        "usual.csv",
        b"user_id,video_id,event_type,timestamp,position,duration\n\
          S1,V1,play,2025-03-01T10:00:00Z,0,180\n\
          S1,V1,pause,2025-03-01T10:00:30Z,30,180\n\
          S2,V1,play,2025-03-01T11:00:00Z,0,180\n\
          S2,V1,pause,2025-03-01T11:01:30Z,90,180\n",
    );
    let renamed = write(
        dir.path(),
        "renamed.csv",
        b"who,clip,what,at_time,head,len\n\
          S1,V1,play,2025-03-01T10:00:00Z,0,180\n\
          S1,V1,pause,2025-03-01T10:00:30Z,30,180\n\
          S2,V1,play,2025-03-01T11:00:00Z,0,180\n\
          S2,V1,pause,2025-03-01T11:01:30Z,90,180\n",
    );
    let edx = write(
        dir.path(),
        "tracking.log",
        br#"{"username":"S1","event_type":"play_video","time":"2025-03-01T10:00:00Z","event":{"id":"V1","currentTime":0,"duration":180}}
{"username":"S1","event_type":"pause_video","time":"2025-03-01T10:00:30Z","event":{"id":"V1","currentTime":30,"duration":180}}
{"username":"S2","event_type":"play_video","time":"2025-03-01T11:00:00Z","event":{"id":"V1","currentTime":0,"duration":180}}
{"username":"S2","event_type":"pause_video","time":"2025-03-01T11:01:30Z","event":{"id":"V1","currentTime":90,"duration":180}}
"#,
    );

    let expected = report_json(&[usual.to_str().unwrap()]);
    // S1 watched 30 of 180 s, S2 90: about a third on average.
    let mean = expected["summary"]["mean_completion"].as_f64().unwrap();
    assert!((mean - 100.0 / 3.0).abs() < 1e-3, "{mean}");
    let mapped = report_json(&[
        renamed.to_str().unwrap(),
        "--events",
        "--map",
        "learner=who",
        "--map",
        "video=clip",
        "--map",
        "event_type=what",
        "--map",
        "time=at_time",
        "--map",
        "position=head",
        "--map",
        "duration=len",
    ]);
    let edx = report_json(&[
        edx.to_str().unwrap(),
        "--events",
        "--map",
        "video=event.id",
        "--map",
        "position=event.currentTime",
        "--map",
        "duration=event.duration",
    ]);
    for report in [&mapped, &edx] {
        assert_eq!(report["summary"], expected["summary"]);
        assert_eq!(report["learners"], expected["learners"]);
        assert_eq!(report["events"]["lineage"], expected["events"]["lineage"]);
    }
    assert_eq!(
        edx["events"]["inputs"][0]["mapping"]
            .as_array()
            .unwrap()
            .iter()
            .find(|pair| pair[0] == "position")
            .unwrap()[1],
        "event.currentTime"
    );
    for (map, message) in [
        ("playhead=head", "\"playhead\" is not an event field"),
        (
            "position=nowhere",
            "no column \"nowhere\" (given for position)",
        ),
    ] {
        let output = coursepulse(&[
            "report",
            renamed.to_str().unwrap(),
            "--events",
            "--map",
            map,
        ]);
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }
}
