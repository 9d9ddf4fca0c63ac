//! Event logs end to end through `EventLog`: the worked example, generated logs against their
//! truly watched segments, later events re-deriving their pair, and (natively) properties: a
//! union never longer than the video, and a result that does not depend on how the events are
//! split into files or on the order of the files.

use std::collections::BTreeMap;

use bytes::Bytes;
use coursepulse_engine::{EventFormat, EventLog, EventRule, Options, PairFigures};
use coursepulse_fixtures::{CSV_HEADER, EventSpec, catalogue_csv, csv_line, xapi_line};

const HEADER: &str = "user_id,video_id,event_type,timestamp,position,seek_to,duration\n";

fn log() -> EventLog {
    EventLog::new(Options {
        now_micros: Some(1_800_000_000_000_000),
        ..Options::default()
    })
    .unwrap()
}

fn add(log: &mut EventLog, name: &str, text: &str) {
    log.add(name, Bytes::from(text.to_owned()), None).unwrap();
}

#[test]
fn the_issue_example_is_fifty_percent_not_one_hundred() {
    let mut events = log();
    let csv = format!(
        "{HEADER}S1,V1,play,2025-03-01T10:00:00Z,0,,180\n\
         S1,V1,seek,2025-03-01T10:00:30Z,30,120,180\n\
         S1,V1,ended,2025-03-01T10:01:30Z,180,,180\n"
    );
    add(&mut events, "e.csv", &csv);
    let pairs = events.pairs();
    assert_eq!(pairs.len(), 1);
    let pair = &pairs[0];
    assert_eq!(pair.completion, Some(50.0));
    assert_eq!((pair.furthest_seconds, pair.watch_seconds), (180.0, 90.0));
    assert!(pair.reached_end);
    let report = events.report().unwrap();
    assert_eq!(report.report.learners_top[0].avg_completion, Some(50.0));
    assert_eq!(report.report.rows.total, 1);
    let lineage = &report.events.lineage;
    assert_eq!(
        (
            lineage.events_read,
            lineage.sessions,
            lineage.segments,
            lineage.pairs
        ),
        (3, 1, 2, 1)
    );
}

#[test]
fn a_later_event_re_derives_its_pair() {
    let mut events = log();
    add(
        &mut events,
        "day1.csv",
        &format!(
            "{HEADER}S1,V1,play,2025-03-01T10:00:00Z,0,,100\nS1,V1,pause,2025-03-01T10:00:40Z,40,,100\n"
        ),
    );
    assert_eq!(events.pairs()[0].completion, Some(40.0));
    add(
        &mut events,
        "day2.csv",
        &format!(
            "{HEADER}S1,V1,play,2025-03-02T10:00:00Z,40,,100\nS1,V1,pause,2025-03-02T10:00:30Z,70,,100\n"
        ),
    );
    let pairs = events.pairs();
    assert_eq!(pairs[0].completion, Some(70.0));
    assert_eq!(pairs[0].sessions, 2);
}

#[test]
fn a_catalogue_gives_durations_and_bad_inputs_are_named() {
    let mut events = log();
    events
        .add_catalogue(
            "videos.csv",
            b"video,duration,course,title\nV1,200,C1,Intro\n",
        )
        .unwrap();
    add(
        &mut events,
        "e.csv",
        "user_id,video_id,event,time,position\nS1,V1,play,2025-03-01T10:00:00Z,0\nS1,V1,pause,2025-03-01T10:00:50Z,50\nS1,V2,play,2025-03-01T10:00:00Z,0\n",
    );
    let report = events.report().unwrap();
    let quality: BTreeMap<EventRule, u64> = report
        .events
        .quality
        .iter()
        .map(|rule| (rule.rule, rule.count))
        .collect();
    assert_eq!(quality[&EventRule::MissingDuration], 1);
    assert_eq!(quality[&EventRule::UnclosedSession], 1);
    let v1 = &report.events.videos[0];
    assert_eq!(
        (
            v1.duration_seconds,
            v1.duration_source,
            v1.course.as_deref()
        ),
        (Some(200.0), "catalogue", Some("C1"))
    );
    assert_eq!(v1.avg_completion, Some(25.0));
    let error = log()
        .add(
            "rows.csv",
            Bytes::from_static(b"student_id,completion\nS1,5\n"),
            Some(EventFormat::Csv),
        )
        .unwrap_err();
    assert!(
        error.to_string().contains("not a usable event log"),
        "{error}"
    );
}

/// Every pair's completion from its truly watched segments (the fixture's truth), by a union
/// written here a second time.
fn truth(spec: &EventSpec) -> BTreeMap<(String, String), f64> {
    let durations: BTreeMap<String, f64> = spec
        .catalogue()
        .into_iter()
        .map(|video| (video.video, video.duration))
        .collect();
    let mut segments: BTreeMap<(String, String), Vec<(f64, f64)>> = BTreeMap::new();
    spec.generate(|events, truth| {
        let pair = (events[0].learner.clone(), events[0].video.clone());
        let list = segments.entry(pair).or_default();
        list.extend(truth.iter().map(|segment| (segment.start, segment.end)));
        Ok(())
    })
    .unwrap();
    segments
        .into_iter()
        .map(|(pair, mut list)| {
            list.sort_by(|left, right| left.0.total_cmp(&right.0));
            let (mut total, mut open): (f64, Option<(f64, f64)>) = (0.0, None);
            for (start, end) in list {
                open = match open {
                    Some((from, to)) if start <= to => Some((from, to.max(end))),
                    Some((from, to)) => {
                        total += to - from;
                        Some((start, end))
                    }
                    None => Some((start, end)),
                };
            }
            total += open.map_or(0.0, |(from, to)| to - from);
            let duration = durations[&pair.1];
            (pair, 100.0 * total / duration)
        })
        .collect()
}

/// The spec's events as text files: CSV, or xAPI NDJSON; `parts` files, pairs dealt in turn.
fn files(spec: &EventSpec, parts: usize, xapi: bool) -> Vec<String> {
    let mut files = vec![
        if xapi {
            String::new()
        } else {
            CSV_HEADER.to_owned()
        };
        parts
    ];
    let mut pair = 0;
    spec.generate(|events, _| {
        for event in spec.as_logged(events) {
            if xapi {
                xapi_line(&mut files[pair % parts], &event)
            } else {
                csv_line(&mut files[pair % parts], &event)
            }
        }
        pair += 1;
        Ok(())
    })
    .unwrap();
    files
}

fn completions(pairs: &[PairFigures]) -> BTreeMap<(String, String), f64> {
    pairs
        .iter()
        .map(|pair| {
            (
                (pair.learner.clone(), pair.video_id.clone().unwrap()),
                pair.completion.unwrap(),
            )
        })
        .collect()
}

#[test]
fn generated_logs_give_their_truly_watched_share() {
    let spec = EventSpec {
        events: 6_000,
        ..EventSpec::default()
    };
    let expected = truth(&spec);
    for xapi in [false, true] {
        let mut events = log();
        events
            .add_catalogue("videos.csv", catalogue_csv(&spec).as_bytes())
            .unwrap();
        for (index, text) in files(&spec, 2, xapi).into_iter().enumerate() {
            let name = format!("events-{index}.{}", if xapi { "ndjson" } else { "csv" });
            add(&mut events, &name, &text);
        }
        let found = completions(&events.pairs());
        // Pairs whose truth is empty (nothing evidenced) have completion 0 on both sides.
        assert_eq!(found.len(), expected.len());
        for (pair, share) in &expected {
            assert!(
                (found[pair] - share).abs() < 1e-4,
                "{pair:?}: {} vs {share} (xapi {xapi})",
                found[pair]
            );
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    const VERBS: [&str; 9] = [
        "play",
        "pause",
        "seek",
        "timeupdate",
        "ended",
        "ratechange",
        "load",
        "terminated",
        "skip",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Random events: the union never exceeds the duration, completion stays in 0..=100.
        #[test]
        fn the_union_never_exceeds_the_duration(
            events in proptest::collection::vec((0usize..9, 0u32..4_000, -50.0f64..400.0, 0.0f64..400.0, 0u8..3), 1..60),
        ) {
            let mut csv = String::from("user_id,video_id,event_type,timestamp,position,seek_to,playback_rate,duration\n");
            for (verb, second, position, to, video) in events {
                csv += &format!("S1,V{video},{},{},{position},{to},{},{}\n", VERBS[verb], 1_740_787_200 + i64::from(second), 1 + video % 2, 100 + u32::from(video) * 100);
            }
            let mut log = log();
            // Integer times are microseconds: the wall clock barely moves, so most moves are
            // implicit seeks, which is the harder case for the bound.
            add(&mut log, "random.csv", &csv);
            for pair in log.pairs() {
                let duration = pair.duration_seconds.unwrap();
                prop_assert!(pair.watched_seconds <= duration + 1e-9);
                let completion = pair.completion.unwrap();
                prop_assert!((0.0..=100.0).contains(&completion));
                prop_assert!(pair.watched_seconds <= pair.watch_seconds + 1e-9);
            }
        }

        /// Any split of the events into files, in any order, gives the same figures.
        #[test]
        fn files_and_their_order_do_not_change_the_result(
            seed in 0u64..1_000,
            assignment in proptest::collection::vec(0usize..4, 64),
            order in Just(vec![0usize, 1, 2, 3]).prop_shuffle(),
        ) {
            let spec = EventSpec { events: 1_500, seed, ..EventSpec::default() };
            let catalogue = catalogue_csv(&spec);
            let lines: Vec<String> = files(&spec, 1, false)[0].lines().skip(1).map(str::to_owned).collect();
            let whole = {
                let mut log = log();
                log.add_catalogue("videos.csv", catalogue.as_bytes()).unwrap();
                add(&mut log, "all.csv", &files(&spec, 1, false)[0]);
                log.report().unwrap()
            };
            let mut parts = vec![CSV_HEADER.to_owned(); 4];
            for (index, line) in lines.iter().enumerate() {
                parts[assignment[index % assignment.len()]] += &format!("{line}\n");
            }
            let mut log = log();
            log.add_catalogue("videos.csv", catalogue.as_bytes()).unwrap();
            for index in order {
                add(&mut log, &format!("part-{index}.csv"), &parts[index]);
            }
            let split = log.report().unwrap();
            prop_assert_eq!(&split.events.videos, &whole.events.videos);
            prop_assert_eq!(&split.report.learners, &whole.report.learners);
            prop_assert_eq!(&split.report.videos, &whole.report.videos);
            prop_assert_eq!(&split.report.summary, &whole.report.summary);
            let (split_lineage, whole_lineage) = (&split.events.lineage, &whole.events.lineage);
            prop_assert_eq!((split_lineage.pairs, split_lineage.sessions, split_lineage.segments), (whole_lineage.pairs, whole_lineage.sessions, whole_lineage.segments));
        }

        /// Saving the log after some files and restoring it before the rest gives the report of
        /// reading every file in one go (the CLI's `--state` with event logs).
        #[test]
        fn a_saved_state_and_the_later_files_equal_one_read(
            seed in 0u64..1_000,
            parts in 2usize..4,
            saved in 1usize..3,
        ) {
            let spec = EventSpec { events: 1_200, seed, ..EventSpec::default() };
            let catalogue = catalogue_csv(&spec);
            let files = files(&spec, parts, seed % 2 == 0);
            let name = |index: usize| format!("part-{index}.{}", if seed % 2 == 0 { "ndjson" } else { "csv" });
            let mut whole = log();
            whole.add_catalogue("videos.csv", catalogue.as_bytes()).unwrap();
            for (index, text) in files.iter().enumerate() {
                add(&mut whole, &name(index), text);
            }
            let mut first = log();
            first.add_catalogue("videos.csv", catalogue.as_bytes()).unwrap();
            let saved = saved.min(parts - 1);
            for (index, text) in files.iter().enumerate().take(saved) {
                add(&mut first, &name(index), text);
            }
            let state = first.save_state();
            let mut restored = EventLog::load_state(&state, Options {
                now_micros: Some(1_800_000_000_000_000),
                ..Options::default()
            }).unwrap();
            for (index, text) in files.iter().enumerate().skip(saved) {
                add(&mut restored, &name(index), text);
            }
            // A file of the saved run given again is recognised and skipped.
            add(&mut restored, &name(0), &files[0]);
            let (whole, restored) = (whole.report().unwrap(), restored.report().unwrap());
            prop_assert_eq!(&restored.report.learners, &whole.report.learners);
            prop_assert_eq!(&restored.report.videos, &whole.report.videos);
            prop_assert_eq!(&restored.report.summary, &whole.report.summary);
            prop_assert_eq!(&restored.events.videos, &whole.events.videos);
            prop_assert_eq!(&restored.events.lineage, &whole.events.lineage);
            prop_assert_eq!(&restored.events.inputs, &whole.events.inputs);
            let counts = |report: &coursepulse_engine::EventReport| -> Vec<u64> {
                report.events.quality.iter().map(|rule| rule.count).collect()
            };
            prop_assert_eq!(counts(&restored), counts(&whole));
            prop_assert!(restored.events.notes.iter().any(|note| note.contains("already loaded")), "{:?}", restored.events.notes);
        }

        /// A state cut short or with a byte changed is an error, never a panic or a wrong log.
        #[test]
        fn a_damaged_event_state_is_refused(
            cut in 0usize..10_000,
            flip in 0usize..10_000,
        ) {
            let spec = EventSpec { events: 300, seed: 7, ..EventSpec::default() };
            let mut events = log();
            add(&mut events, "e.csv", &files(&spec, 1, false)[0]);
            let state = events.save_state();
            let options = Options::default;
            prop_assert!(EventLog::load_state(&state[..cut % state.len()], options()).is_err());
            let mut flipped = state.clone();
            flipped[flip % state.len()] ^= 0x5a;
            prop_assert!(EventLog::load_state(&flipped, options()).is_err());
            prop_assert!(EventLog::load_state(&state, options()).is_ok());
        }
    }
}

#[test]
fn an_event_state_is_not_a_row_state_and_a_log_read_twice_is_skipped() {
    let csv = format!(
        "{HEADER}S1,V1,play,2025-03-01T10:00:00Z,0,,100\nS1,V1,ended,2025-03-01T10:01:40Z,100,,100\n"
    );
    let mut events = log();
    add(&mut events, "a.csv", &csv);
    add(&mut events, "copy-of-a.csv", &csv);
    let report = events.report().unwrap();
    assert_eq!(report.events.inputs.len(), 1);
    assert_eq!(report.events.lineage.events_read, 2);
    assert!(
        report.events.notes.iter().any(|note| note
            == "copy-of-a.csv: already loaded (the same content as a log read before), so it was skipped"),
        "{:?}",
        report.events.notes
    );
    // A copy of an event (no event id, equal in every field) is dropped, and the state keeps
    // that count and every figure.
    let copies = format!(
        "{HEADER}S2,V1,play,2025-03-01T10:00:00Z,0,,100\nS2,V1,play,2025-03-01T10:00:00Z,0,,100\nS2,V1,pause,2025-03-01T10:00:50Z,50,,100\n"
    );
    add(&mut events, "b.csv", &copies);
    let before = events.report().unwrap();
    assert_eq!(before.events.lineage.copies_removed, 1);
    let mut restored = EventLog::load_state(
        &events.save_state(),
        Options {
            now_micros: Some(1_800_000_000_000_000),
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(restored.report().unwrap(), before);
    let rows = coursepulse_engine::Analysis::new(Options::default()).unwrap();
    let error = EventLog::load_state(&rows.save_state().unwrap(), Options::default()).unwrap_err();
    assert!(error.to_string().contains("not of event logs"), "{error}");
}

#[test]
fn without_video_ids_the_same_title_in_two_courses_is_two_videos() {
    let mut events = log();
    let csv = "user_id,course_id,video_title,event_type,timestamp,position,duration\n\
               S1,C1,Intro,play,2025-03-01T10:00:00Z,0,100\n\
               S1,C1,Intro,pause,2025-03-01T10:01:40Z,100,100\n\
               S2,C2,Intro,play,2025-03-01T10:00:00Z,0,200\n\
               S2,C2,Intro,pause,2025-03-01T10:00:50Z,50,200\n";
    add(&mut events, "titles.csv", csv);
    let report = events.report().unwrap();
    let videos: Vec<(&str, Option<f64>)> = report
        .report
        .videos
        .iter()
        .map(|video| (video.video_id.as_str(), video.avg_completion))
        .collect();
    assert_eq!(
        videos,
        [("C1 / Intro", Some(100.0)), ("C2 / Intro", Some(25.0))]
    );
    assert_eq!(report.report.summary.videos, 2);
    let retention: Vec<(Option<&str>, Option<&str>)> = report
        .events
        .videos
        .iter()
        .map(|video| (video.course.as_deref(), video.video_id.as_deref()))
        .collect();
    assert_eq!(retention, [(Some("C1"), None), (Some("C2"), None)]);
}

/// An Open edX tracking log as the LMS writes it: browser video events keep their `event` as a
/// JSON string, and other events (a problem check) are mixed in.
fn open_edx_line(kind: &str, time: &str, event: &str) -> String {
    let event = serde_json::to_string(event).unwrap();
    format!(
        "{{\"username\":\"ada\",\"event_source\":\"browser\",\"event_type\":\"{kind}\",\"time\":\"{time}\",\"context\":{{\"course_id\":\"course-v1:Miva+CSC101+2025\",\"user_id\":7}},\"event\":{event},\"session\":\"s1\"}}\n"
    )
}

#[test]
fn an_open_edx_log_reads_without_a_mapping_even_with_its_event_as_a_json_string() {
    let video = "block-v1:Miva+CSC101+2025+type@video+block@intro";
    let at = |seconds: u32| {
        format!(
            "2025-03-01T10:{:02}:{:02}.000000+00:00",
            seconds / 60,
            seconds % 60
        )
    };
    let log_text = [
        open_edx_line("load_video", &at(0), &format!("{{\"id\":\"{video}\",\"duration\":180}}")),
        open_edx_line("play_video", &at(1), &format!("{{\"id\":\"{video}\",\"currentTime\":0,\"duration\":180}}")),
        open_edx_line("seek_video", &at(31), &format!("{{\"id\":\"{video}\",\"old_time\":30,\"new_time\":120,\"duration\":180}}")),
        open_edx_line("stop_video", &at(91), &format!("{{\"id\":\"{video}\",\"currentTime\":180,\"duration\":180}}")),
        // Not a video event: its own type, flagged as unknown, and no pair.
        "{\"username\":\"ada\",\"event_type\":\"problem_check\",\"time\":\"2025-03-01T10:05:00+00:00\",\"event\":\"input_1=2\",\"context\":{\"course_id\":\"course-v1:Miva+CSC101+2025\"}}\n".to_owned(),
    ]
    .concat();
    assert!(
        coursepulse_engine::is_event_input("tracking.log.json", log_text.as_bytes(), || {
            Ok::<_, std::convert::Infallible>(Vec::new())
        })
        .unwrap(),
        "told as an event log by its records"
    );
    let paths = coursepulse_engine::event_record_paths(log_text.as_bytes());
    for path in [
        "username",
        "context.course_id",
        "event.id",
        "event.currentTime",
        "event.old_time",
    ] {
        assert!(
            paths.iter().any(|found| found == path),
            "{path} in {paths:?}"
        );
    }
    let mut events = log();
    add(&mut events, "tracking.log.ndjson", &log_text);
    let pairs = events.pairs();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    let pair = &pairs[0];
    assert_eq!(
        (
            pair.learner.as_str(),
            pair.video_id.as_deref(),
            pair.course.as_deref()
        ),
        ("ada", Some(video), Some("course-v1:Miva+CSC101+2025"))
    );
    // 0–30 s, then 120–180 s of a 180 s video: half of it.
    assert_eq!(pair.completion, Some(50.0));
    let report = events.report().unwrap();
    let unknown = report
        .events
        .quality
        .iter()
        .find(|rule| rule.rule == EventRule::UnknownEventType)
        .unwrap();
    assert_eq!(unknown.count, 1, "the problem check is named, not read");
}
