//! Events as they are read: interned learners, videos and sessions, compact events, duplicate
//! event ids, and the per-file checks that need the file's order.

use rustc_hash::FxHashMap;

use crate::events::fields::{EventField, Verb, parse_played_segments};
use crate::events::intervals::Segment;
use crate::events::quality::{EventQuality, EventRule, EventSample};

/// "No value" for interned ids.
pub(crate) const NONE: u32 = u32::MAX;

/// One event as a reader found it (borrowed from the batch or the JSON line).
#[derive(Clone, Debug, Default)]
pub(crate) struct RawEvent<'a> {
    pub(crate) learner: Option<&'a str>,
    pub(crate) video: Option<&'a str>,
    pub(crate) title: Option<&'a str>,
    pub(crate) course: Option<&'a str>,
    pub(crate) kind: Option<&'a str>,
    pub(crate) time: Option<i64>,
    pub(crate) position: Option<f64>,
    pub(crate) seek_from: Option<f64>,
    pub(crate) seek_to: Option<f64>,
    pub(crate) duration: Option<f64>,
    pub(crate) session: Option<&'a str>,
    pub(crate) sequence: Option<i64>,
    pub(crate) rate: Option<f64>,
    pub(crate) role: Option<&'a str>,
    pub(crate) event_id: Option<&'a str>,
    pub(crate) played: Option<&'a str>,
}

/// One event, compact: 56 bytes, so ten million fit in well under a gigabyte.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Event {
    /// UTC microseconds.
    pub(crate) time: i64,
    /// A hash of the event id (0 without one), for dropping duplicates.
    pub(crate) id_hash: u64,
    /// Index into [`Collector::pairs`].
    pub(crate) pair: u32,
    /// Interned session id, or [`NONE`].
    pub(crate) session: u32,
    /// The sequence number, `u32::MAX` when absent (sorts last among equal times).
    pub(crate) sequence: u32,
    /// Seconds; NaN when absent (also for the three below).
    pub(crate) position: f32,
    pub(crate) seek_from: f32,
    pub(crate) seek_to: f32,
    pub(crate) rate: f32,
    /// Index into [`Collector::played`], or [`NONE`].
    pub(crate) played: u32,
    /// The event's row in its input (1-based), for samples.
    pub(crate) row: u32,
    /// Index into [`Collector::files`].
    pub(crate) file: u16,
    pub(crate) verb: Verb,
}

impl Event {
    /// The order events are replayed in: by pair, session, time, sequence, verb, then by
    /// content, so that the result does not depend on the order events were read in.
    pub(crate) fn replay_order(&self, other: &Event) -> std::cmp::Ordering {
        (self.pair, self.session, self.time, self.sequence, self.verb)
            .cmp(&(
                other.pair,
                other.session,
                other.time,
                other.sequence,
                other.verb,
            ))
            .then(self.position.total_cmp(&other.position))
            .then(self.seek_from.total_cmp(&other.seek_from))
            .then(self.seek_to.total_cmp(&other.seek_to))
            .then(self.rate.total_cmp(&other.rate))
            .then((self.played == NONE).cmp(&(other.played == NONE)))
    }

    /// Whether two events say the same thing (copies of one event).
    pub(crate) fn same_content(&self, other: &Event) -> bool {
        self.replay_order(other).is_eq()
    }
}

/// Strings to dense ids.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    ids: FxHashMap<Box<str>, u32>,
    keys: Vec<Box<str>>,
}

impl Interner {
    pub(crate) fn intern(&mut self, key: &str) -> u32 {
        if let Some(id) = self.ids.get(key) {
            return *id;
        }
        let id = self.keys.len() as u32;
        self.keys.push(key.into());
        self.ids.insert(key.into(), id);
        id
    }

    pub(crate) fn key(&self, id: u32) -> &str {
        &self.keys[id as usize]
    }

    /// Every key, by id (interning them in order gives the same ids).
    pub(crate) fn keys(&self) -> &[Box<str>] {
        &self.keys
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

/// A (learner, video) pair.
#[derive(Clone, Debug)]
pub(crate) struct Pair {
    pub(crate) learner: u32,
    pub(crate) video: u32,
    /// The role of the latest event that has one (ties: the greatest role text).
    pub(crate) role: u32,
    pub(crate) role_time: i64,
}

/// What the events say about one video.
#[derive(Clone, Debug, Default)]
pub(crate) struct Video {
    /// The id, when the events give one (else the video is its course and title).
    pub(crate) id: Option<String>,
    /// The smallest title and course text seen (a deterministic choice).
    pub(crate) title: Option<String>,
    pub(crate) course: Option<String>,
    /// Durations given by events, in milliseconds, with how often each was seen.
    pub(crate) durations: FxHashMap<u64, u64>,
}

/// Every event read so far, and what was interned on the way.
#[derive(Debug)]
pub(crate) struct Collector {
    pub(crate) files: Vec<String>,
    pub(crate) events: Vec<Event>,
    pub(crate) learners: Interner,
    pub(crate) video_keys: Interner,
    pub(crate) videos: Vec<Video>,
    pub(crate) roles: Interner,
    pub(crate) sessions: Interner,
    pub(crate) pair_ids: FxHashMap<(u32, u32), u32>,
    pub(crate) pairs: Vec<Pair>,
    pub(crate) played: Vec<Vec<Segment>>,
    /// Events whose id was seen before, and copies of an event (equal in every field), dropped.
    pub(crate) duplicate_ids: u64,
    pub(crate) copies: u64,
    /// Events read in all (used or not).
    pub(crate) events_read: u64,
    pub(crate) quality: EventQuality,
    /// The current file's last time per (pair, session), for `time_backwards`.
    pub(crate) last_time_in_file: FxHashMap<(u32, u32), i64>,
    /// Columns (or JSON paths) given for fields, over the synonyms; a setting of the run, not
    /// part of a saved state.
    pub(crate) overrides: Vec<(EventField, String)>,
}

/// Marks an event dropped as a duplicate (removed before replay).
const DROPPED: u32 = u32::MAX;

impl Collector {
    pub(crate) fn new(max_samples: usize) -> Collector {
        Collector {
            files: Vec::new(),
            events: Vec::new(),
            learners: Interner::default(),
            video_keys: Interner::default(),
            videos: Vec::new(),
            roles: Interner::default(),
            sessions: Interner::default(),
            pair_ids: FxHashMap::default(),
            pairs: Vec::new(),
            played: Vec::new(),
            duplicate_ids: 0,
            copies: 0,
            events_read: 0,
            quality: EventQuality::new(max_samples),
            last_time_in_file: FxHashMap::default(),
            overrides: Vec::new(),
        }
    }

    /// Starts a file; its index for [`Collector::push`].
    pub(crate) fn begin_file(&mut self, name: &str) -> u16 {
        self.files.push(name.to_owned());
        self.last_time_in_file.clear();
        (self.files.len() - 1).min(usize::from(u16::MAX)) as u16
    }

    fn sample(&self, file: u16, row: u64, detail: String) -> EventSample {
        EventSample {
            file: self.files[usize::from(file)].clone(),
            row,
            detail,
        }
    }

    /// Adds one event (row `row` of file `file`), or counts why it cannot be used.
    pub(crate) fn push(&mut self, file: u16, row: u64, raw: &RawEvent<'_>) {
        self.events_read += 1;
        let kind = raw.kind.unwrap_or("");
        let verb = Verb::parse(kind);
        if verb == Verb::Unknown {
            let detail = format!("event type {kind:?}");
            let sample = self.sample(file, row, detail);
            self.quality.flag(EventRule::UnknownEventType, || sample);
            return;
        }
        let (learner, video, title, course) = (
            non_empty(raw.learner),
            non_empty(raw.video),
            non_empty(raw.title),
            non_empty(raw.course),
        );
        let (Some(learner), Some(time)) = (learner, raw.time) else {
            let sample = self.sample(file, row, "no learner or no readable time".into());
            self.quality.flag(EventRule::MissingKey, || sample);
            return;
        };
        let video_key = match (video, title) {
            (Some(id), _) => id.to_owned(),
            (None, Some(title)) => crate::events::catalogue::title_key(course, title),
            (None, None) => {
                let sample = self.sample(file, row, "no video id or title".into());
                self.quality.flag(EventRule::MissingKey, || sample);
                return;
            }
        };
        let learner = self.learners.intern(learner);
        let video_index = self.video_keys.intern(&video_key);
        if video_index as usize == self.videos.len() {
            self.videos.push(Video {
                id: video.map(str::to_owned),
                ..Video::default()
            });
        }
        let entry = &mut self.videos[video_index as usize];
        keep_smallest(&mut entry.title, title);
        keep_smallest(&mut entry.course, course);
        if let Some(duration) = raw
            .duration
            .filter(|duration| duration.is_finite() && *duration > 0.0)
        {
            *entry
                .durations
                .entry((duration * 1000.0).round() as u64)
                .or_default() += 1;
        }
        let next_pair = self.pairs.len() as u32;
        let pair = *self
            .pair_ids
            .entry((learner, video_index))
            .or_insert(next_pair);
        if pair == next_pair {
            self.pairs.push(Pair {
                learner,
                video: video_index,
                role: NONE,
                role_time: i64::MIN,
            });
        }
        if let Some(role) = non_empty(raw.role) {
            let role = self.roles.intern(role);
            let current = &self.pairs[pair as usize];
            let later = (time, self.roles.key(role))
                > (current.role_time, role_name(&self.roles, current.role));
            if current.role == NONE || later {
                let current = &mut self.pairs[pair as usize];
                current.role = role;
                current.role_time = time;
            }
        }
        let session = non_empty(raw.session).map_or(NONE, |session| self.sessions.intern(session));
        let last = self
            .last_time_in_file
            .entry((pair, session))
            .or_insert(time);
        if time < *last {
            let detail = format!(
                "{} µs before the session's previous event in this file",
                *last - time
            );
            let sample = self.sample(file, row, detail);
            self.quality.flag(EventRule::TimeBackwards, || sample);
        } else {
            *last = time;
        }
        let played = match non_empty(raw.played) {
            Some(text) => {
                self.played.push(parse_played_segments(text));
                (self.played.len() - 1) as u32
            }
            None => NONE,
        };
        let seconds = |value: Option<f64>| {
            value
                .filter(|value| value.is_finite())
                .map_or(f32::NAN, |value| value as f32)
        };
        let event = Event {
            time,
            // 0 is "no id"; an id hashing to 0 becomes 1 (a collision is as unlikely as any).
            id_hash: non_empty(raw.event_id)
                .map_or(0, |id| xxhash_rust::xxh3::xxh3_64(id.as_bytes()).max(1)),
            pair,
            session,
            sequence: raw.sequence.map_or(u32::MAX, |sequence| {
                sequence.clamp(0, i64::from(u32::MAX - 1)) as u32
            }),
            position: seconds(raw.position),
            seek_from: seconds(raw.seek_from),
            seek_to: seconds(raw.seek_to),
            rate: seconds(raw.rate.filter(|rate| *rate > 0.0)),
            played,
            row: row.min(u64::from(u32::MAX)) as u32,
            file,
            verb,
        };
        self.events.push(event);
    }
}

impl Collector {
    /// Drops events whose id was seen before (keeping, per id, the copy that sorts first, so the
    /// choice does not depend on reading order), sorts the rest into replay order and drops
    /// copies of an event. What is dropped is counted once: it leaves `events`.
    pub(crate) fn settle(&mut self) {
        if self.events.iter().any(|event| event.id_hash != 0) {
            self.events.sort_unstable_by(|left, right| {
                left.id_hash
                    .cmp(&right.id_hash)
                    .then_with(|| left.replay_order(right))
            });
            let mut previous = 0;
            for index in 0..self.events.len() {
                let event = self.events[index];
                if event.id_hash != 0 && event.id_hash == previous {
                    self.duplicate_ids += 1;
                    let detail = "event id seen before".to_owned();
                    let sample = self.sample(event.file, u64::from(event.row), detail);
                    self.quality.flag(EventRule::DuplicateEventId, || sample);
                    self.events[index].pair = DROPPED;
                }
                previous = event.id_hash;
            }
            self.events.retain(|event| event.pair != DROPPED);
        }
        self.events.sort_unstable_by(Event::replay_order);
        let before = self.events.len();
        self.events
            .dedup_by(|later, earlier| later.same_content(earlier));
        self.copies += (before - self.events.len()) as u64;
    }
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|text| !text.is_empty())
}

fn role_name(roles: &Interner, role: u32) -> &str {
    if role == NONE { "" } else { roles.key(role) }
}

/// Keeps the smallest text seen, so the choice does not depend on reading order.
fn keep_smallest(slot: &mut Option<String>, value: Option<&str>) {
    if let Some(value) = value
        && slot.as_deref().is_none_or(|current| value < current)
    {
        *slot = Some(value.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(kind: &'a str, time: i64, id: Option<&'a str>) -> RawEvent<'a> {
        RawEvent {
            learner: Some("S1"),
            video: Some("V1"),
            kind: Some(kind),
            time: Some(time),
            position: Some(1.0),
            event_id: id,
            ..RawEvent::default()
        }
    }

    #[test]
    fn unknown_verbs_missing_keys_and_duplicate_ids_are_counted() {
        let mut collector = Collector::new(5);
        let file = collector.begin_file("a.csv");
        collector.push(file, 1, &raw("pause", 12, Some("e1")));
        collector.push(file, 2, &raw("download", 11, None));
        collector.push(file, 3, &raw("play", 10, Some("e1")));
        collector.push(
            file,
            4,
            &RawEvent {
                learner: None,
                ..raw("pause", 13, None)
            },
        );
        collector.push(file, 5, &raw("pause", 9, None));
        collector.push(file, 6, &raw("pause", 9, None));
        collector.settle();
        let kept: Vec<u32> = collector.events.iter().map(|event| event.row).collect();
        // Rows 1 and 3 share an id: the one that sorts first (the earlier play) is kept; row 6
        // is a copy of row 5.
        assert_eq!(kept, [5, 3]);
        assert_eq!((collector.duplicate_ids, collector.copies), (1, 1));
        let quality = &collector.quality;
        assert_eq!(quality.count(EventRule::UnknownEventType), 1);
        assert_eq!(quality.count(EventRule::DuplicateEventId), 1);
        assert_eq!(quality.count(EventRule::MissingKey), 1);
        assert_eq!(quality.count(EventRule::TimeBackwards), 3);
        assert_eq!(collector.events_read, 6);
    }

    #[test]
    fn a_video_without_id_is_its_course_and_title() {
        let mut collector = Collector::new(5);
        let file = collector.begin_file("a.csv");
        for course in ["C1", "C2", "C1"] {
            let event = RawEvent {
                video: None,
                title: Some("Intro"),
                course: Some(course),
                ..raw("play", 1, None)
            };
            collector.push(file, 1, &event);
        }
        assert_eq!(collector.videos.len(), 2);
        assert_eq!(collector.pairs.len(), 2);
    }
}
