//! Event logs as JSON lines (NDJSON): flat records, or nested xAPI statements read through JSON
//! paths (`actor.account.name`, `verb.id`, `result.extensions.<IRI>`). A string value that holds
//! a JSON object (Open edX's browser events keep `event` so: `"event": "{\"id\": ...}"`) is read
//! as that object, so a path descends into it (`event.currentTime`).

use std::borrow::Cow;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::events::collect::{Collector, RawEvent};
use crate::events::fields::{EventField, parse_rate};
use crate::events::quality::{EventRule, EventSample};
use crate::time::parse_time_micros;

/// Records looked at to decide which path plays each field.
const MAPPING_SAMPLE: usize = 200;
/// The longest line read; a longer one is refused (a statement is a few kilobytes).
const MAX_LINE_BYTES: usize = 1 << 20;

/// Whether `bytes` look like JSON lines: the first non-blank byte opens an object.
pub(crate) fn looks_like_ndjson(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    bytes.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'{')
}

/// Whether the complete lines among `head` (a file's first bytes; a cut last line is left out)
/// are JSON records in which an event type and a playhead position are found, by xAPI path or
/// flat name: JSON lines of events under a name that does not say so (`.json`).
pub(crate) fn holds_event_records(head: &[u8]) -> bool {
    let records = head_records(head);
    if records.is_empty() {
        return false;
    }
    let paths = EventPaths::resolve(&records, &[]);
    [EventField::EventType, EventField::Position]
        .into_iter()
        .all(|field| paths.path(field).is_some())
}

/// The JSON records among the complete lines of `head` (a file's first bytes; a cut last line
/// is left out, a single line without its end is kept if it parses), up to the first line that
/// is not one, at most [`MAPPING_SAMPLE`], string-held objects unfolded.
fn head_records(head: &[u8]) -> Vec<Value> {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let complete = match head.iter().rposition(|byte| *byte == b'\n') {
        Some(end) => &head[..end],
        None => head,
    };
    complete
        .split(|byte| *byte == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|line| !line.is_empty())
        .take(MAPPING_SAMPLE)
        .map_while(|line| serde_json::from_slice::<Value>(line).ok())
        .filter(Value::is_object)
        .map(unfold_json_strings)
        .collect()
}

/// The JSON path of each field in one file.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct EventPaths {
    paths: [Option<String>; EventField::ALL.len()],
}

impl EventPaths {
    /// For each field, the first of its xAPI paths or flat names that holds a value in one of
    /// `records`.
    fn resolve(records: &[Value], overrides: &[(EventField, String)]) -> EventPaths {
        let mut paths = EventField::ALL.map(|field| {
            let xapi = field.xapi_paths().iter().map(|path| Cow::Borrowed(*path));
            let names = field.candidates();
            let flat = names.iter().filter_map(|candidate| {
                records.iter().find_map(|record| {
                    record
                        .as_object()?
                        .keys()
                        .find(|key| key.trim().eq_ignore_ascii_case(candidate))
                        .map(|key| Cow::Owned(key.clone()))
                })
            });
            xapi.chain(flat)
                .find(|path| {
                    records
                        .iter()
                        .any(|record| lookup(record, path).is_some_and(|value| !value.is_null()))
                })
                .map(Cow::into_owned)
        });
        for (field, path) in overrides {
            paths[*field as usize] = Some(path.trim().to_owned());
        }
        EventPaths { paths }
    }

    fn path(&self, field: EventField) -> Option<&str> {
        self.paths[field as usize].as_deref()
    }

    /// Field name -> path, for the report.
    pub(crate) fn describe(&self) -> Vec<(String, String)> {
        EventField::ALL
            .into_iter()
            .filter_map(|field| Some((field.name().to_owned(), self.path(field)?.to_owned())))
            .collect()
    }
}

/// Looks up a dotted path; a segment may itself contain dots (`https://w3id.org/...`), so at
/// each object the keys that are a prefix of the rest of the path are tried. Array elements
/// are named by their index.
pub(crate) fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(value);
    }
    match value {
        Value::Object(map) => {
            if let Some(found) = map.get(path) {
                return Some(found);
            }
            map.iter().find_map(|(key, child)| {
                let rest = path.strip_prefix(key.as_str())?.strip_prefix('.')?;
                lookup(child, rest)
            })
        }
        Value::Array(items) => {
            let (index, rest) = path.split_once('.').unwrap_or((path, ""));
            lookup(items.get(index.parse::<usize>().ok()?)?, rest)
        }
        _ => None,
    }
}

/// A JSON value as text: strings as they are, numbers and booleans written out, a language
/// map (`{"en-US": "Intro"}`) by its `en-US` (else first) entry.
fn text_of(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(text) => Some(Cow::Borrowed(text)),
        Value::Number(number) => Some(Cow::Owned(number.to_string())),
        Value::Bool(flag) => Some(Cow::Owned(flag.to_string())),
        Value::Object(map) => map
            .get("en-US")
            .or_else(|| map.values().next())
            .and_then(text_of),
        _ => None,
    }
}

fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Reads an NDJSON event log into the collector; the paths it used.
pub(crate) fn read(
    collector: &mut Collector,
    name: &str,
    bytes: &[u8],
) -> Result<Vec<(String, String)>> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let lines = || {
        bytes
            .split(|byte| *byte == b'\n')
            .enumerate()
            .map(|(index, line)| (index as u64 + 1, line.trim_ascii()))
            .filter(|(_, line)| !line.is_empty())
    };
    let mut sample = Vec::new();
    for (number, line) in lines().take(MAPPING_SAMPLE) {
        sample.push(parse_line(name, number, line)?);
    }
    if sample.is_empty() {
        return Err(Error::format(
            name,
            "file is empty; expected JSON lines (one event per line)",
        ));
    }
    let paths = EventPaths::resolve(&sample, &collector.overrides);
    // A path given for a field must hold a value in the first records, or it is a typo.
    for (field, path) in &collector.overrides {
        if !sample
            .iter()
            .any(|record| lookup(record, path.trim()).is_some_and(|value| !value.is_null()))
        {
            return Err(Error::mapping(
                name,
                format!(
                    "no value at {path:?} (given for {}) in the first {} records",
                    field.name(),
                    sample.len()
                ),
            ));
        }
    }
    let missing: Vec<&str> = [EventField::Learner, EventField::EventType, EventField::Time]
        .into_iter()
        .filter(|field| paths.path(*field).is_none())
        .map(EventField::name)
        .collect();
    if !missing.is_empty()
        || (paths.path(EventField::Video).is_none() && paths.path(EventField::Title).is_none())
    {
        let keys: Vec<String> = sample[0]
            .as_object()
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default();
        return Err(Error::mapping(
            name,
            format!(
                "not a usable event log: no {} found (xAPI paths such as actor.account.name, verb.id, object.id, timestamp, or flat names such as user_id, event_type, video_id, timestamp); first record has: {}",
                if missing.is_empty() {
                    "video".to_owned()
                } else {
                    missing.join(", ")
                },
                keys.join(", ")
            ),
        ));
    }
    let file = collector.begin_file(name);
    for (number, line) in lines() {
        match parse_line(name, number, line) {
            Ok(record) => push_record(collector, file, number, &paths, &record),
            Err(error) => {
                collector.events_read += 1;
                let sample = EventSample {
                    file: name.to_owned(),
                    row: number,
                    detail: error.to_string(),
                };
                collector.quality.flag(EventRule::MissingKey, || sample);
            }
        }
    }
    Ok(paths.describe())
}

fn parse_line(name: &str, number: u64, line: &[u8]) -> Result<Value> {
    if line.len() > MAX_LINE_BYTES {
        return Err(Error::format(
            name,
            format!(
                "line {number} is {} bytes; at most {MAX_LINE_BYTES} are read",
                line.len()
            ),
        ));
    }
    let value: Value = serde_json::from_slice(line)
        .map_err(|error| Error::format(name, format!("line {number} is not JSON: {error}")))?;
    if !value.is_object() {
        return Err(Error::format(
            name,
            format!("line {number} is not a JSON object"),
        ));
    }
    Ok(unfold_json_strings(value))
}

/// `record` with each string value that holds a JSON object replaced by that object, at any
/// depth (an object found so is not unfolded again, so a line is parsed at most twice over).
fn unfold_json_strings(mut record: Value) -> Value {
    unfold_in_place(&mut record);
    record
}

/// [`unfold_json_strings`] in place: only a string that holds an object is replaced, so a record
/// without one is walked, not rebuilt.
fn unfold_in_place(value: &mut Value) {
    match value {
        Value::String(text) => {
            let inner = text.trim();
            if inner.starts_with('{')
                && inner.ends_with('}')
                && let Ok(object @ Value::Object(_)) = serde_json::from_str::<Value>(inner)
            {
                *value = object;
            }
        }
        Value::Object(map) => map.values_mut().for_each(unfold_in_place),
        Value::Array(items) => items.iter_mut().for_each(unfold_in_place),
        _ => {}
    }
}

/// The most paths [`record_paths`] lists.
const MAX_LISTED_PATHS: usize = 200;

/// The paths to the values (not objects or arrays) of the first complete records in `head` (a
/// JSON-lines file's first bytes), in first-seen order, at most [`MAX_LISTED_PATHS`]: what a
/// mapping screen offers for an event field. Array elements are named by index (the first
/// two only).
pub fn record_paths(head: &[u8]) -> Vec<String> {
    let mut paths = Vec::new();
    for record in head_records(head) {
        collect_paths(&record, &mut String::new(), &mut paths);
        if paths.len() >= MAX_LISTED_PATHS {
            break;
        }
    }
    paths
}

fn collect_paths(value: &Value, prefix: &mut String, paths: &mut Vec<String>) {
    let mut descend = |segment: &str, child: &Value, paths: &mut Vec<String>| {
        let length = prefix.len();
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(segment);
        collect_paths(child, prefix, paths);
        prefix.truncate(length);
    };
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                descend(key, child, paths);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().take(2).enumerate() {
                descend(&index.to_string(), child, paths);
            }
        }
        _ if prefix.is_empty() => {}
        _ => {
            if paths.len() < MAX_LISTED_PATHS && !paths.contains(prefix) {
                paths.push(prefix.clone());
            }
        }
    }
}

fn push_record(collector: &mut Collector, file: u16, row: u64, paths: &EventPaths, record: &Value) {
    let get = |field: EventField| {
        paths
            .path(field)
            .and_then(|path| lookup(record, path))
            .filter(|value| !value.is_null())
    };
    let text = |field: EventField| get(field).and_then(text_of);
    let number = |field: EventField| get(field).and_then(number_of);
    let (learner, video, title, course, kind) = (
        text(EventField::Learner),
        text(EventField::Video),
        text(EventField::Title),
        text(EventField::Course),
        text(EventField::EventType),
    );
    let (session, role, event_id, played) = (
        text(EventField::Session),
        text(EventField::Role),
        text(EventField::EventId),
        text(EventField::PlayedSegments),
    );
    let time = get(EventField::Time).and_then(|value| match value {
        Value::String(text) => parse_time_micros(text).ok(),
        // Integer times are microseconds, as in the other formats.
        Value::Number(number) => number.as_i64(),
        _ => None,
    });
    let raw = RawEvent {
        learner: learner.as_deref(),
        video: video.as_deref(),
        title: title.as_deref(),
        course: course.as_deref(),
        kind: kind.as_deref(),
        time,
        position: number(EventField::Position),
        seek_from: number(EventField::SeekFrom),
        seek_to: number(EventField::SeekTo),
        duration: number(EventField::Duration),
        session: session.as_deref(),
        sequence: get(EventField::Sequence).and_then(Value::as_i64),
        rate: text(EventField::Rate).and_then(|rate| parse_rate(&rate)),
        role: role.as_deref(),
        event_id: event_id.as_deref(),
        played: played.as_deref(),
    };
    collector.push(file, row, &raw);
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATEMENT: &str = r#"{"id":"s1","actor":{"account":{"name":"S1","homePage":"https://lms"}},"verb":{"id":"https://w3id.org/xapi/video/verbs/seeked"},"object":{"id":"https://lms/v/1","definition":{"name":{"en-US":"Intro"}}},"result":{"extensions":{"https://w3id.org/xapi/video/extensions/time-from":30,"https://w3id.org/xapi/video/extensions/time-to":120}},"context":{"extensions":{"https://w3id.org/xapi/video/extensions/length":180,"https://w3id.org/xapi/video/extensions/session-id":"a"}},"timestamp":"2025-03-01T10:00:30Z"}"#;

    #[test]
    fn json_lines_of_events_are_told_from_other_json() {
        let xapi = concat!(
            r#"{"actor":{"account":{"name":"S1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/played"},"#,
            r#""object":{"id":"V1"},"timestamp":"2025-03-01T10:00:00Z","#,
            r#""result":{"extensions":{"https://w3id.org/xapi/video/extensions/time":3.0}}}"#,
            "\n"
        );
        assert!(holds_event_records(xapi.as_bytes()));
        let flat = "{\"user_id\":\"S1\",\"event_type\":\"play\",\"position\":0}\n{\"user_id\":";
        assert!(
            holds_event_records(flat.as_bytes()),
            "a cut last line is left out"
        );
        for other in [
            "{\"files\":[\"a.parquet\"]}",
            "[\"a.parquet\"]",
            "{\"student_id\":\"S1\",\"completion_rate_percent\":40}\n",
            "not json\n",
            "",
        ] {
            assert!(!holds_event_records(other.as_bytes()), "{other}");
        }
    }

    #[test]
    fn paths_with_iri_segments_are_found() {
        let record: Value = serde_json::from_str(STATEMENT).unwrap();
        let time_to = lookup(
            &record,
            "result.extensions.https://w3id.org/xapi/video/extensions/time-to",
        );
        assert_eq!(time_to, Some(&Value::from(120)));
        assert_eq!(
            lookup(&record, "actor.account.name"),
            Some(&Value::from("S1"))
        );
        assert_eq!(lookup(&record, "actor.account.email"), None);
    }

    #[test]
    fn xapi_statements_become_events() {
        let mut collector = Collector::new(3);
        let text = format!(
            "{STATEMENT}\n\n{}\n",
            STATEMENT
                .replace("seeked", "paused")
                .replace("\"s1\"", "\"s2\"")
        );
        let mapping = read(&mut collector, "x.ndjson", text.as_bytes()).unwrap();
        assert_eq!(collector.events.len(), 2);
        let seek = collector.events[0];
        assert_eq!((seek.seek_from, seek.seek_to), (30.0, 120.0));
        assert_eq!(collector.events[1].row, 3);
        assert_eq!(collector.videos[0].title.as_deref(), Some("Intro"));
        assert_eq!(collector.videos[0].durations.get(&180_000), Some(&2));
        assert!(mapping.contains(&("learner".to_owned(), "actor.account.name".to_owned())));
    }

    #[test]
    fn flat_records_and_bad_lines() {
        let text = "{\"user_id\":7,\"video_id\":\"V1\",\"event\":\"play\",\"time\":\"2025-03-01T10:00:00Z\",\"position\":0}\nnot json\n";
        let mut collector = Collector::new(3);
        let error = read(&mut collector, "f.ndjson", text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(error.contains("line 2 is not JSON"), "{error}");
        let text = "{\"video_id\":\"V1\",\"position\":0}\n";
        let error = read(&mut Collector::new(3), "g.ndjson", text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(error.contains("no learner, event_type, time"), "{error}");
        assert!(
            error.contains("first record has: position, video_id")
                || error.contains("first record has: video_id, position"),
            "{error}"
        );
    }
}
