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
    }
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
