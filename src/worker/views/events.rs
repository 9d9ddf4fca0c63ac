//! The "Events" section's view model: what only player event logs tell (retention per video,
//! completion quartiles, the event quality rules with their offending rows, and the lineage
//! events → sessions → segments → pairs), small whatever the log's size.

use serde::{Deserialize, Serialize};

/// The event section of a dashboard read from player event logs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventsView {
    /// Where the events went, step by step.
    pub lineage: EventLineageView,
    /// The inactivity that ends a session, in minutes.
    pub session_gap_minutes: u32,
    /// The event logs read.
    pub logs: Vec<EventLogView>,
    /// The catalogues read (name, videos listed).
    pub catalogues: Vec<(String, u64)>,
    /// Every event quality rule, in the engine's order.
    pub rules: Vec<EventRuleView>,
    /// Per video, in the engine's order (by id, else course and title).
    pub videos: Vec<VideoRetentionView>,
    /// Remarks a reader needs to trust the figures.
    pub notes: Vec<String>,
}

/// One event log read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventLogView {
    /// Its name.
    pub name: String,
    /// `CSV`, `Parquet` or `JSON lines`.
    pub format: String,
    /// Events (rows or lines) read from it.
    pub events: u64,
    /// Event field -> the column (or JSON path) that played it.
    pub mapping: Vec<(String, String)>,
    /// Its columns (for JSON lines, the paths of its first records), for the mapping screen;
    /// empty when the log is not at hand (a dashboard restored from storage).
    pub columns: Vec<String>,
}

/// Events → sessions → segments → pairs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventLineageView {
    /// Every event read.
    pub events_read: u64,
    /// Ignored: unknown type, or no learner, video or time.
    pub events_ignored: u64,
    /// Dropped for an event id seen before.
    pub duplicate_ids_removed: u64,
    /// Dropped as copies of another event.
    pub copies_removed: u64,
    /// Replayed through the player state machine.
    pub events_replayed: u64,
    /// Sessions they form.
    pub sessions: u64,
    /// Watched segments before the union.
    pub segments: u64,
    /// (learner, video) pairs: the rows of every other panel.
    pub pairs: u64,
    /// Pairs of videos without a duration.
    pub pairs_without_duration: u64,
}

/// One event quality rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventRuleView {
    /// Its id (`event_position_in_range`).
    pub id: String,
    /// What it checks, in plain words.
    pub description: String,
    /// Offending events (or videos, sessions).
    pub count: u64,
    /// Some offending rows: (file, row, what is wrong); row 0 is about a whole video.
    pub samples: Vec<(String, u64, String)>,
}

/// Retention of one video.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VideoRetentionView {
    /// What the picker shows: id, else title.
    pub label: String,
    /// Its title, when known.
    pub title: Option<String>,
    /// Its course, when known.
    pub course: Option<String>,
    /// Seconds, when known.
    pub duration_seconds: Option<f64>,
    /// `catalogue`, `events` or `none`.
    pub duration_source: String,
    /// Learners who watched any of it.
    pub viewers: u64,
    /// Their mean completion, percent.
    pub avg_completion: Option<f64>,
    /// Viewers who reached the end.
    pub reached_end: u64,
    /// Share of viewers reaching 25, 50, 75 and 100 % completion.
    pub quartiles: [f64; 4],
    /// Percent of viewers who watched each 1 % of the video (100 points; empty without a
    /// duration).
    pub retention: Vec<f64>,
    /// The steepest falls: (at percent of the video, percentage points lost).
    pub drop_offs: Vec<(u32, f64)>,
}
