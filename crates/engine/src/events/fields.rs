//! What an event log's columns (or JSON paths) mean: the event fields, their synonyms, the xAPI
//! paths tried in NDJSON statements, and the player verbs.

use serde::Serialize;

use crate::columns::Field;

/// A role a column (or JSON path) plays in an event log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventField {
    /// The learner (required).
    Learner,
    /// The video's id; without it a video is its (course, title).
    Video,
    /// The video's title.
    Title,
    /// The course.
    Course,
    /// The event type or verb (required).
    EventType,
    /// When the event happened (required).
    Time,
    /// The playhead position in seconds (required to detect an event log).
    Position,
    /// Where a seek started, in seconds.
    SeekFrom,
    /// Where a seek ended, in seconds.
    SeekTo,
    /// The video's duration in seconds.
    Duration,
    /// The player session's id.
    Session,
    /// The event's order within its session, for events with equal times.
    Sequence,
    /// The playback rate (1 = normal speed).
    Rate,
    /// The user's role.
    Role,
    /// The event's unique id (duplicates are dropped).
    EventId,
    /// xAPI `played-segments` (`0[.]30[,]120[.]180`).
    PlayedSegments,
}

impl EventField {
    /// Every field, in mapping order.
    pub const ALL: [EventField; 16] = [
        EventField::Learner,
        EventField::Video,
        EventField::Title,
        EventField::Course,
        EventField::EventType,
        EventField::Time,
        EventField::Position,
        EventField::SeekFrom,
        EventField::SeekTo,
        EventField::Duration,
        EventField::Session,
        EventField::Sequence,
        EventField::Rate,
        EventField::Role,
        EventField::EventId,
        EventField::PlayedSegments,
    ];

    /// The field written `name` (as [`EventField::name`] writes it, any case), if any: what a
    /// mapping override names.
    pub fn from_name(name: &str) -> Option<EventField> {
        EventField::ALL
            .into_iter()
            .find(|field| field.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The field's name in reports and messages.
    pub fn name(self) -> &'static str {
        match self {
            EventField::Learner => "learner",
            EventField::Video => "video",
            EventField::Title => "title",
            EventField::Course => "course",
            EventField::EventType => "event_type",
            EventField::Time => "time",
            EventField::Position => "position",
            EventField::SeekFrom => "seek_from",
            EventField::SeekTo => "seek_to",
            EventField::Duration => "duration",
            EventField::Session => "session",
            EventField::Sequence => "sequence",
            EventField::Rate => "rate",
            EventField::Role => "role",
            EventField::EventId => "event_id",
            EventField::PlayedSegments => "played_segments",
        }
    }

    /// Column names recognised for this field, in order of preference (compared
    /// case-insensitively, ignoring surrounding spaces): the row field's names where there is
    /// one (learner, title, role), then the event log's own.
    pub fn candidates(self) -> Vec<&'static str> {
        let shared = match self {
            EventField::Learner => Field::Student.candidates(),
            EventField::Title => Field::VideoTitle.candidates(),
            EventField::Role => Field::Role.candidates(),
            _ => &[],
        };
        shared
            .iter()
            .chain(self.own_candidates())
            .copied()
            .collect()
    }

    /// The names only event logs use.
    fn own_candidates(self) -> &'static [&'static str] {
        match self {
            EventField::Learner => &["username", "user", "learner", "actor"],
            EventField::Video => &["video_id", "videoid", "media_id", "object_id", "video"],
            EventField::Title => &["title"],
            EventField::Course => &["course_id", "courseid", "course_code", "course"],
            EventField::EventType => &[
                "event_type",
                "eventtype",
                "event_name",
                "event",
                "verb",
                "action",
                "type",
            ],
            EventField::Time => &[
                "event_time",
                "event_timestamp",
                "timestamp",
                "time",
                "occurred_at",
                "created_at",
                "ts",
            ],
            EventField::Position => &[
                "position",
                "position_seconds",
                "current_time",
                "currenttime",
                "playhead",
                "video_position",
                "time_position",
            ],
            EventField::SeekFrom => &["seek_from", "old_time", "time_from", "from_position"],
            EventField::SeekTo => &["seek_to", "new_time", "time_to", "to_position"],
            EventField::Duration => &[
                "duration",
                "duration_seconds",
                "video_duration",
                "video_length",
                "length",
            ],
            EventField::Session => &["session_id", "sessionid", "session", "play_session"],
            EventField::Sequence => &["sequence", "seq", "sequence_number", "event_seq"],
            EventField::Rate => &["playback_rate", "rate", "speed", "playback_speed"],
            EventField::Role => &[],
            EventField::EventId => &["event_id", "statement_id", "id", "uuid"],
            EventField::PlayedSegments => &["played_segments", "playedsegments"],
        }
    }

    /// JSON paths tried in an NDJSON record before the flat names: xAPI statements, then Open
    /// edX tracking logs (whose `event` object, often held as a JSON string, carries the
    /// video's id and the playhead). A path segment may itself contain dots (an extension IRI):
    /// see `ndjson::lookup`.
    pub(crate) fn xapi_paths(self) -> &'static [&'static str] {
        match self {
            EventField::Learner => &[
                "actor.account.name",
                "actor.mbox_sha1sum",
                "actor.mbox",
                "actor.openid",
                "actor.name",
            ],
            EventField::Video => &["object.id", "event.id"],
            EventField::Title => &["object.definition.name.en-US", "object.definition.name.en"],
            EventField::Course => &[
                "context.contextActivities.parent.0.id",
                "context.contextActivities.grouping.0.id",
                "context.course_id",
            ],
            EventField::EventType => &["verb.id"],
            EventField::Time => &["timestamp"],
            EventField::Position => &[
                "result.extensions.https://w3id.org/xapi/video/extensions/time",
                "event.currentTime",
            ],
            EventField::SeekFrom => &[
                "result.extensions.https://w3id.org/xapi/video/extensions/time-from",
                "event.old_time",
            ],
            EventField::SeekTo => &[
                "result.extensions.https://w3id.org/xapi/video/extensions/time-to",
                "event.new_time",
            ],
            EventField::Duration => &[
                "context.extensions.https://w3id.org/xapi/video/extensions/length",
                "event.duration",
            ],
            EventField::Session => &[
                "context.extensions.https://w3id.org/xapi/video/extensions/session-id",
                "context.registration",
            ],
            EventField::Sequence => &[],
            EventField::Rate => &[
                "result.extensions.https://w3id.org/xapi/video/extensions/speed",
                "context.extensions.https://w3id.org/xapi/video/extensions/speed",
                "event.new_speed",
            ],
            EventField::Role => &[],
            EventField::EventId => &["id"],
            EventField::PlayedSegments => {
                &["result.extensions.https://w3id.org/xapi/video/extensions/played-segments"]
            }
        }
    }
}

/// Whether `columns` (a file's header) look like an event log: an event type and a playhead
/// position can be recognised among them.
pub fn is_event_log<S: AsRef<str>>(columns: &[S]) -> bool {
    [EventField::EventType, EventField::Position]
        .into_iter()
        .all(|field| find_column(field, columns).is_some())
}

/// The index of the column that plays `field`, by its synonyms in order of preference.
pub(crate) fn find_column<S: AsRef<str>>(field: EventField, columns: &[S]) -> Option<usize> {
    field.candidates().iter().find_map(|candidate| {
        columns.iter().position(|column| {
            column
                .as_ref()
                .trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(candidate)
        })
    })
}

/// What a player event means to the state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Verb {
    // Declared in the order events of equal time are applied.
    /// The player loaded: a new session starts.
    Load,
    /// Playback started or resumed.
    Play,
    /// The playback rate changed.
    RateChange,
    /// A periodic report of the playhead while playing.
    Heartbeat,
    /// The playhead jumped.
    Seek,
    /// Playback paused.
    Pause,
    /// The video played to its end.
    Ended,
    /// The player closed.
    Terminated,
    /// Not a verb the engine knows (a quality finding).
    Unknown,
}

impl Verb {
    /// Every verb, in declaration order (`Verb::ALL[verb as usize] == verb`).
    pub(crate) const ALL: [Verb; 9] = [
        Verb::Load,
        Verb::Play,
        Verb::RateChange,
        Verb::Heartbeat,
        Verb::Seek,
        Verb::Pause,
        Verb::Ended,
        Verb::Terminated,
        Verb::Unknown,
    ];

    /// Recognises an event type: a plain word, or an IRI by its last path segment
    /// (`http://adlnet.gov/expapi/verbs/played`), case-insensitively.
    pub(crate) fn parse(text: &str) -> Verb {
        let text = text.trim();
        let word = text
            .rsplit(['/', '#'])
            .find(|segment| !segment.is_empty())
            .unwrap_or(text);
        // Normalised on the stack: this runs once per event.
        let mut buffer = [0u8; 32];
        if word.len() > buffer.len() {
            return Verb::Unknown;
        }
        for (slot, byte) in buffer.iter_mut().zip(word.bytes()) {
            *slot = match byte.to_ascii_lowercase() {
                b'-' | b' ' => b'_',
                other => other,
            };
        }
        let word = std::str::from_utf8(&buffer[..word.len()]).unwrap_or("");
        match word.strip_prefix("video_").unwrap_or(word) {
            "play" | "played" | "resumed" | "resume" | "play_video" | "playing" => Verb::Play,
            "pause" | "paused" | "pause_video" => Verb::Pause,
            "seek" | "seeked" | "seek_video" | "seeking" => Verb::Seek,
            "timeupdate" | "time_update" | "heartbeat" | "progress" | "ping" => Verb::Heartbeat,
            "ended" | "end" | "completed" | "complete" | "stop" | "stop_video" => Verb::Ended,
            "ratechange" | "rate_change" | "speed_change" | "speed_change_video" | "interacted" => {
                Verb::RateChange
            }
            "load" | "loaded" | "initialized" | "initialised" | "load_video" => Verb::Load,
            "terminated" | "terminate" | "close" | "closed" | "unload" => Verb::Terminated,
            _ => Verb::Unknown,
        }
    }

    /// Whether the session ends after this event.
    pub(crate) fn ends_session(self) -> bool {
        matches!(self, Verb::Ended | Verb::Terminated)
    }
}

/// Reads a playback rate: `1.5`, `2x`, `2X`, ` 1.25 `.
pub(crate) fn parse_rate(text: &str) -> Option<f64> {
    let text = text.trim().trim_end_matches(['x', 'X']).trim();
    text.parse::<f64>()
        .ok()
        .filter(|rate| rate.is_finite() && *rate > 0.0)
}

/// Reads xAPI `played-segments`: `start[.]end` pairs joined by `[,]`; malformed pairs are
/// skipped.
pub(crate) fn parse_played_segments(text: &str) -> Vec<(f64, f64)> {
    text.split("[,]")
        .filter_map(|pair| {
            let (start, end) = pair.split_once("[.]")?;
            let start = start.trim().parse::<f64>().ok()?;
            let end = end.trim().parse::<f64>().ok()?;
            (start.is_finite() && end.is_finite()).then_some((start.min(end), start.max(end)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_are_recognised_by_word_or_iri_segment() {
        let cases = [
            ("play", Verb::Play),
            ("Played", Verb::Play),
            ("resumed", Verb::Play),
            ("http://adlnet.gov/expapi/verbs/played", Verb::Play),
            ("https://w3id.org/xapi/video/verbs/paused", Verb::Pause),
            ("https://w3id.org/xapi/video/verbs/seeked", Verb::Seek),
            ("seek_video", Verb::Seek),
            ("timeupdate", Verb::Heartbeat),
            ("heartbeat", Verb::Heartbeat),
            ("progress", Verb::Heartbeat),
            ("http://adlnet.gov/expapi/verbs/completed", Verb::Ended),
            ("ended", Verb::Ended),
            ("ratechange", Verb::RateChange),
            ("http://adlnet.gov/expapi/verbs/initialized", Verb::Load),
            ("load", Verb::Load),
            (
                "http://adlnet.gov/expapi/verbs/terminated",
                Verb::Terminated,
            ),
            ("download", Verb::Unknown),
            ("Video-Pause", Verb::Pause),
            ("a_verb_far_longer_than_thirty_two_bytes", Verb::Unknown),
            ("", Verb::Unknown),
        ];
        for (text, expected) in cases {
            assert_eq!(Verb::parse(text), expected, "{text:?}");
        }
    }

    #[test]
    fn an_event_log_needs_an_event_type_and_a_position() {
        assert!(is_event_log(&[
            "user_id",
            "video_id",
            "Event_Type",
            "current_time"
        ]));
        assert!(is_event_log(&["verb", "position", "timestamp"]));
        assert!(!is_event_log(&[
            "student_id",
            "video_id",
            "completion_rate_percent"
        ]));
        assert!(!is_event_log(&["event_type", "student_id"]));
    }

    #[test]
    fn rates_and_played_segments_are_read() {
        assert_eq!(parse_rate("2x"), Some(2.0));
        assert_eq!(parse_rate(" 1.25 "), Some(1.25));
        assert_eq!(parse_rate("0"), None);
        assert_eq!(parse_rate("fast"), None);
        assert_eq!(
            parse_played_segments("0[.]30[,]120[.]180[,]bad[,]50[.]40"),
            vec![(0.0, 30.0), (120.0, 180.0), (40.0, 50.0)]
        );
    }
}
