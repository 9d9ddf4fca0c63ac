//! How a request is going: a load's progress, why a request failed (with the columns to
//! choose from when a mapping can fix it), and what a manifest read again lists (live mode).

use serde::{Deserialize, Serialize};

/// How far a load has got.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The input being read.
    pub file: String,
    /// Bytes read so far, over all inputs.
    pub bytes_done: u64,
    /// Bytes in all inputs.
    pub bytes_total: u64,
    /// Row groups (Parquet) or parts decoded so far.
    pub groups_done: u64,
    /// Row groups in all inputs.
    pub groups_total: u64,
}

/// Why a request failed, with what the page needs to help.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorView {
    /// The message to show, naming the input and what was expected.
    pub message: String,
    /// Present when the failure is a column mapping the user can fix.
    pub mapping: Option<MappingHelp>,
    /// The file needs a codec this worker leaves out; the worker with every codec can read it.
    #[serde(default)]
    pub needs_full_worker: bool,
}

impl ErrorView {
    /// A failure that is only its message (no mapping to fix, no codec to switch to).
    pub fn new(message: impl Into<String>) -> ErrorView {
        ErrorView {
            message: message.into(),
            mapping: None,
            needs_full_worker: false,
        }
    }
}

/// What the mapping screen shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MappingHelp {
    /// The input whose columns are listed.
    pub source: String,
    /// Its columns (for JSON lines, the paths to the values of its first records).
    pub columns: Vec<String>,
    /// Whether it was read as a player event log (the screen offers the event fields).
    #[serde(default)]
    pub events: bool,
}

/// The fields a user can map, with the labels the mapping screen shows: (engine field name, as
/// in `--map`, label, required).
pub const MAPPABLE_FIELDS: &[(&str, &str, bool)] = &[
    ("student", "Learner id", true),
    ("video", "Video id", false),
    ("video_title", "Video title", false),
    ("course", "Course id", false),
    ("course_code", "Course code", false),
    ("completion", "Completion", true),
    ("role", "Role", false),
    ("event_id", "Event id", false),
    ("updated_at", "Last updated at", false),
    ("watched_at", "Watched at", false),
];

/// The event-log fields a user can map, as [`MAPPABLE_FIELDS`] (the engine's `EventField`
/// names, as in `--map`).
pub const EVENT_FIELDS: &[(&str, &str, bool)] = &[
    ("learner", "Learner", true),
    ("video", "Video id", false),
    ("title", "Video title", false),
    ("course", "Course", false),
    ("event_type", "Event type (play, pause, seek…)", true),
    ("time", "Event time", true),
    ("position", "Playhead position (seconds)", false),
    ("seek_from", "Seek from (seconds)", false),
    ("seek_to", "Seek to (seconds)", false),
    ("duration", "Video duration (seconds)", false),
    ("session", "Session id", false),
    ("sequence", "Sequence in session", false),
    ("rate", "Playback rate", false),
    ("role", "Role", false),
    ("event_id", "Event id", false),
    ("played_segments", "Played segments (xAPI)", false),
];

/// One file of a remote dataset: where to fetch it and the name the engine sees (a manifest's
/// relative path, whose `key=value` segments are partitions).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteFile {
    /// Absolute, or relative to the page.
    pub url: String,
    /// The input's name.
    pub name: String,
}

/// What the dataset's manifest, read again for live mode, lists beside the files loaded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingView {
    /// Entries the manifest lists now.
    pub listed: u64,
    /// The entries whose names are not loaded yet, in the manifest's order: the only ones to
    /// fetch.
    pub new_files: Vec<RemoteFile>,
    /// Loaded files of the manifest that it no longer lists (their rows stay counted).
    pub missing: Vec<String>,
}
