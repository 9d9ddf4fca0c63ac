//! From settled events to one row per (learner, video): durations, replay, completion, the
//! per-video retention, and the rows handed to the [`Analysis`].

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use serde::Serialize;

use crate::analysis::Analysis;
use crate::error::Result;
use crate::events::VideoRetention;
use crate::events::catalogue::{Catalogue, title_key};
use crate::events::collect::{Collector, NONE};
use crate::events::intervals;
use crate::events::quality::{EventQuality, EventRule, EventSample};
use crate::events::retention::{self, Curve};
use crate::events::sessions::{self, Finding};
use crate::input::parquet::Format;

/// Durations (seconds) closer than this are the same duration.
const DURATION_TOLERANCE: f64 = 1.0;

/// What the events say about one (learner, video) pair.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PairFigures {
    /// The learner.
    pub learner: String,
    /// The video's id (absent when videos are named by course and title).
    pub video_id: Option<String>,
    /// The video's title.
    pub video_title: Option<String>,
    /// The video's course.
    pub course: Option<String>,
    /// The role of the pair's latest event that has one.
    pub role: Option<String>,
    /// The video's duration, when known.
    pub duration_seconds: Option<f64>,
    /// 100 × seconds of the video watched (union of segments) / duration; `None` without a
    /// duration.
    pub completion: Option<f64>,
    /// Seconds of the video watched at least once.
    pub watched_seconds: f64,
    /// Seconds watched, re-watches included.
    pub watch_seconds: f64,
    /// The furthest position watched.
    pub furthest_seconds: f64,
    /// Sessions.
    pub sessions: u64,
    /// Whether the learner reached the end.
    pub reached_end: bool,
    /// The time of the pair's last event (UTC microseconds).
    pub last_event_micros: i64,
}

/// Everything derived from the settled events.
pub(crate) struct Derived {
    pub(crate) pairs: Vec<PairFigures>,
    pub(crate) videos: Vec<VideoRetention>,
    pub(crate) quality: EventQuality,
    pub(crate) sessions: u64,
    pub(crate) segments: u64,
    pub(crate) notes: Vec<String>,
}

/// One video's duration and where it came from.
struct Resolved {
    duration: Option<f64>,
    source: &'static str,
    title: Option<String>,
    course: Option<String>,
}

/// Replays every pair (the collector must be settled) and sums the videos up.
pub(crate) fn derive(collector: &Collector, catalogue: &Catalogue, gap_micros: i64) -> Derived {
    let mut quality = collector.quality.clone();
    let resolved: Vec<Resolved> = (0..collector.videos.len())
        .map(|video| resolve_video(collector, catalogue, video, &mut quality))
        .collect();
    let mut curves: Vec<(Curve, f64, u64, u64, f64, f64)> =
        vec![(Curve::default(), 0.0, 0, 0, 0.0, 0.0); collector.videos.len()];
    let mut pairs = Vec::with_capacity(collector.pairs.len());
    let (mut session_count, mut segment_count) = (0, 0);
    let mut findings: Vec<Finding> = Vec::new();
    let events = &collector.events;
    let mut start = 0;
    while start < events.len() {
        let pair_index = events[start].pair;
        let end = start
            + events[start..]
                .iter()
                .take_while(|event| event.pair == pair_index)
                .count();
        let pair = &collector.pairs[pair_index as usize];
        let video = &resolved[pair.video as usize];
        findings.clear();
        let watch = sessions::replay(
            &events[start..end],
            video.duration,
            gap_micros,
            &collector.played,
            &mut findings,
        );
        for (rule, index, detail) in findings.drain(..) {
            let event = &events[start + index];
            quality.flag(rule, || EventSample {
                file: collector.files[usize::from(event.file)].clone(),
                row: u64::from(event.row),
                detail,
            });
        }
        session_count += watch.sessions;
        segment_count += watch.segments;
        let watched = intervals::length(&watch.islands);
        let completion = video
            .duration
            .map(|duration| retention::round((100.0 * watched / duration).min(100.0)));
        if let (Some(duration), Some(completion)) = (video.duration, completion)
            && watched > 0.0
        {
            let slot = &mut curves[pair.video as usize];
            slot.0.add(&watch.islands, duration, completion);
            slot.1 += completion;
            slot.2 += u64::from(watch.reached_end);
            slot.3 += watch.sessions;
            slot.4 += watch.watch_seconds;
        }
        let video_entry = &collector.videos[pair.video as usize];
        pairs.push(PairFigures {
            learner: collector.learners.key(pair.learner).to_owned(),
            video_id: video_entry.id.clone(),
            video_title: video.title.clone(),
            course: video.course.clone(),
            role: (pair.role != NONE).then(|| collector.roles.key(pair.role).to_owned()),
            duration_seconds: video.duration,
            completion,
            watched_seconds: retention::round(watched),
            watch_seconds: retention::round(watch.watch_seconds),
            furthest_seconds: retention::round(watch.furthest),
            sessions: watch.sessions,
            reached_end: watch.reached_end,
            last_event_micros: watch.last_time,
        });
        start = end;
    }
    pairs.sort_by(|left, right| {
        (
            &left.learner,
            &left.course,
            &left.video_id,
            &left.video_title,
        )
            .cmp(&(
                &right.learner,
                &right.course,
                &right.video_id,
                &right.video_title,
            ))
    });
    let mut videos: Vec<VideoRetention> = resolved
        .into_iter()
        .zip(curves)
        .enumerate()
        .map(
            |(index, (video, (curve, completion_sum, reached_end, sessions, watch_seconds, _)))| {
                let shares = if video.duration.is_some() {
                    curve.shares()
                } else {
                    Vec::new()
                };
                VideoRetention {
                    video_id: collector.videos[index].id.clone(),
                    video_title: video.title,
                    course: video.course,
                    duration_seconds: video.duration,
                    duration_source: video.source,
                    viewers: curve.viewers,
                    avg_completion: (curve.viewers > 0)
                        .then(|| retention::round(completion_sum / curve.viewers as f64)),
                    reached_end,
                    watch_seconds: retention::round(watch_seconds),
                    sessions,
                    quartiles: curve.quartiles(),
                    drop_offs: retention::drop_offs(&shares),
                    retention: shares,
                }
            },
        )
        .collect();
    videos.sort_by(|left, right| {
        (&left.video_id, &left.course, &left.video_title).cmp(&(
            &right.video_id,
            &right.course,
            &right.video_title,
        ))
    });
    let mut notes = Vec::new();
    if collector.videos.iter().any(|video| video.id.is_none()) {
        notes.push(
            "some events name no video id: such a video is its (course, title) pair".to_owned(),
        );
    }
    Derived {
        pairs,
        videos,
        quality,
        sessions: session_count,
        segments: segment_count,
        notes,
    }
}

/// A video's duration (the catalogue's, else the one its events give most often, the longer
/// among equally frequent ones), title and course; flags missing and inconsistent durations.
fn resolve_video(
    collector: &Collector,
    catalogue: &Catalogue,
    index: usize,
    quality: &mut EventQuality,
) -> Resolved {
    let video = &collector.videos[index];
    let key = collector.video_keys.key(index as u32);
    let entry = catalogue.by_key.get(key).or_else(|| {
        video.title.as_deref().and_then(|title| {
            catalogue
                .by_key
                .get(&title_key(video.course.as_deref(), title))
        })
    });
    let mut durations: Vec<(f64, u64)> = video
        .durations
        .iter()
        .map(|(millis, count)| (*millis as f64 / 1000.0, *count))
        .collect();
    durations.sort_by(|left, right| right.1.cmp(&left.1).then(right.0.total_cmp(&left.0)));
    let shown = video.id.clone().unwrap_or_else(|| {
        format!(
            "{} / {}",
            video.course.as_deref().unwrap_or("?"),
            video.title.as_deref().unwrap_or("?")
        )
    });
    let catalogue_duration = entry.and_then(|entry| entry.duration);
    let (duration, source) = match (catalogue_duration, durations.first()) {
        (Some(duration), _) => (Some(duration), "catalogue"),
        (None, Some((duration, _))) => (Some(*duration), "events"),
        (None, None) => (None, "none"),
    };
    let whole_video = |detail: String| EventSample {
        file: String::new(),
        row: 0,
        detail,
    };
    match duration {
        None => quality.flag(EventRule::MissingDuration, || {
            whole_video(format!("video {shown}"))
        }),
        Some(duration) => {
            let (low, high) = durations
                .iter()
                .fold((duration, duration), |(low, high), (value, _)| {
                    (low.min(*value), high.max(*value))
                });
            if high - low > DURATION_TOLERANCE {
                quality.flag(EventRule::InconsistentDuration, || {
                    whole_video(format!(
                        "video {shown}: {duration} s (from the {source}); its events give {low} to {high} s"
                    ))
                });
            }
        }
    }
    Resolved {
        duration,
        source,
        title: entry
            .and_then(|entry| entry.title.clone())
            .or_else(|| video.title.clone()),
        course: entry
            .and_then(|entry| entry.course.clone())
            .or_else(|| video.course.clone()),
    }
}

/// Adds the pairs to `analysis` as one input of rows with the columns it recognises: learner,
/// video id (for a video without one, `course / title`), title, course, role, completion and
/// the time of the last event.
pub(crate) fn add_to(analysis: &mut Analysis, pairs: &[PairFigures]) -> Result<()> {
    let text = |values: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(values)) };
    let mut fields = vec![Field::new("student_id", DataType::Utf8, false)];
    let mut columns: Vec<ArrayRef> = vec![text(
        pairs
            .iter()
            .map(|pair| Some(pair.learner.as_str()))
            .collect(),
    )];
    let mut add = |name: &str, data_type: DataType, column: ArrayRef| {
        fields.push(Field::new(name, data_type, true));
        columns.push(column);
    };
    // A video without an id is its (course, title): the key says both, so the same title in
    // two courses stays two videos in every list and count.
    let keys: Vec<String> = pairs
        .iter()
        .map(|pair| match &pair.video_id {
            Some(id) => id.clone(),
            None => format!(
                "{} / {}",
                pair.course.as_deref().unwrap_or(""),
                pair.video_title.as_deref().unwrap_or("")
            ),
        })
        .collect();
    add(
        "video_id",
        DataType::Utf8,
        text(keys.iter().map(|key| Some(key.as_str())).collect()),
    );
    add(
        "video_title",
        DataType::Utf8,
        text(
            pairs
                .iter()
                .map(|pair| pair.video_title.as_deref())
                .collect(),
        ),
    );
    if pairs.iter().any(|pair| pair.course.is_some()) {
        add(
            "course_id",
            DataType::Utf8,
            text(pairs.iter().map(|pair| pair.course.as_deref()).collect()),
        );
    }
    if pairs.iter().any(|pair| pair.role.is_some()) {
        add(
            "role",
            DataType::Utf8,
            text(pairs.iter().map(|pair| pair.role.as_deref()).collect()),
        );
    }
    add(
        "completion_rate_percent",
        DataType::Float64,
        Arc::new(Float64Array::from(
            pairs.iter().map(|pair| pair.completion).collect::<Vec<_>>(),
        )),
    );
    let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    add(
        "watched_at",
        utc,
        Arc::new(
            TimestampMicrosecondArray::from(
                pairs
                    .iter()
                    .map(|pair| Some(pair.last_event_micros))
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        ),
    );
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), columns)
        .map_err(|error| crate::error::Error::arrow("event pairs", error))?;
    let mut source = analysis.begin_source("event pairs", Format::Csv, &schema)?;
    let batch = batch
        .project(source.projection())
        .map_err(|error| crate::error::Error::arrow("event pairs", error))?;
    match analysis.add_batch(&mut source, batch) {
        Ok(()) => analysis.finish_source(source),
        Err(error) => Err(analysis.abandon_source(source, "the pairs", error)),
    }
}
