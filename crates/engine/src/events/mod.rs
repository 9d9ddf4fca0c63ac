//! Raw player events to completion: an [`EventLog`] reads event logs (CSV, Parquet or NDJSON,
//! xAPI statements included) and a video catalogue, replays each (learner, video) pair's events
//! into watched segments, and hands one row per pair to an [`Analysis`], so every metric,
//! filter, mask and quality rule of pair rows applies unchanged. Beside that report it gives the
//! event quality rules, the lineage events → sessions → segments → pairs, and per-video
//! audience retention.
//!
//! ```
//! use coursepulse_engine::{EventLog, Options};
//!
//! // Play 0-30 s, seek to 120, play to the end: half of a 180 s video, not all of it.
//! let csv = "user_id,video_id,event_type,timestamp,position,seek_to,duration\n\
//!            S1,V1,play,2025-03-01T10:00:00Z,0,,180\n\
//!            S1,V1,seek,2025-03-01T10:00:30Z,30,120,180\n\
//!            S1,V1,ended,2025-03-01T10:01:30Z,180,,180\n";
//! let mut log = EventLog::new(Options::default())?;
//! log.add("events.csv", bytes::Bytes::from(csv), None)?;
//! let report = log.report()?;
//! assert_eq!(report.report.learners_top[0].avg_completion, Some(50.0));
//! assert_eq!(report.events.videos[0].quartiles.p50, 100.0);
//! # Ok::<(), coursepulse_engine::Error>(())
//! ```

pub(crate) mod catalogue;
pub(crate) mod collect;
pub(crate) mod fields;
pub(crate) mod intervals;
mod ndjson;
mod pairs;
pub(crate) mod quality;
mod retention;
mod sessions;
mod tabular;

use parquet::file::reader::ChunkReader;
use serde::Serialize;

use crate::analysis::Analysis;
use crate::analysis::options::Options;
use crate::error::{Error, Result};
use crate::input::parquet::Fingerprint;
use crate::report::Report;

pub use catalogue::is_video_catalogue;
pub use fields::{EventField, is_event_log};
pub use ndjson::record_paths as event_record_paths;
pub use pairs::PairFigures;
pub use quality::{EventRule, EventRuleResult, EventSample};
pub use retention::{DropOff, Quartiles};

/// The default inactivity gap that ends a session.
pub const DEFAULT_SESSION_GAP_MINUTES: u32 = 30;

/// The format of an event log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventFormat {
    /// Apache Parquet.
    Parquet,
    /// Delimited text with a header row.
    Csv,
    /// JSON lines: one flat record or xAPI statement per line.
    Ndjson,
}

impl EventFormat {
    /// The format a file name implies (`.ndjson`, `.jsonl`, `.parquet`, `.csv`, ...). A `.json`
    /// file is a document (a manifest, an array), not JSON lines, so it implies nothing.
    pub fn from_name(name: &str) -> Option<EventFormat> {
        let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match extension.as_str() {
            "ndjson" | "jsonl" => Some(EventFormat::Ndjson),
            "parquet" | "pq" | "parq" => Some(EventFormat::Parquet),
            "csv" | "tsv" | "txt" => Some(EventFormat::Csv),
            _ => None,
        }
    }

    /// Guesses the format from the first bytes: Parquet's magic, a JSON object, else CSV.
    pub fn sniff(head: &[u8]) -> EventFormat {
        if head.starts_with(b"PAR1") {
            EventFormat::Parquet
        } else if ndjson::looks_like_ndjson(head) {
            EventFormat::Ndjson
        } else {
            EventFormat::Csv
        }
    }
}

/// How many of a file's first bytes [`is_event_input`] looks at: a CSV header, or the first
/// JSON lines.
pub const EVENT_SNIFF_BYTES: usize = 64 * 1024;

/// Whether an input is an event log; the one decision the CLI and the web app share. By its name
/// (`.ndjson`, `.jsonl`), else by its columns (an event type and a playhead position: a CSV
/// header in `head`, or a Parquet schema, asked of `parquet_columns` only for a Parquet file),
/// else, for JSON under another name (`.json`), when its first lines are JSON records with those
/// fields (a manifest or another JSON document is not). `head` is the file's first bytes, up to
/// [`EVENT_SNIFF_BYTES`].
pub fn is_event_input<E>(
    name: &str,
    head: &[u8],
    parquet_columns: impl FnOnce() -> std::result::Result<Vec<String>, E>,
) -> std::result::Result<bool, E> {
    let by_name = EventFormat::from_name(name);
    if by_name == Some(EventFormat::Ndjson) {
        return Ok(true);
    }
    Ok(match by_name.unwrap_or_else(|| EventFormat::sniff(head)) {
        EventFormat::Ndjson => ndjson::holds_event_records(head),
        EventFormat::Parquet => is_event_log(&parquet_columns()?),
        EventFormat::Csv => {
            is_event_log(&crate::input::parquet::csv_columns(head).unwrap_or_default())
        }
    })
}

/// Why `name`, given with event logs, is refused: neither an event log nor (where the caller
/// tells catalogues by their columns) a video catalogue. The CLI and the web app say the same.
pub fn not_an_event_log(name: &str) -> String {
    format!(
        "{name} is not an event log (no event type and playhead position columns), and rows with a completion column cannot be mixed with event logs in one report"
    )
}

/// One event log read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventInput {
    /// The name the caller gave.
    pub name: String,
    /// Its format.
    pub format: EventFormat,
    /// Events (rows or lines) read from it.
    pub events: u64,
    /// Event field -> column name (or JSON path).
    pub mapping: Vec<(String, String)>,
}

/// Where the events went: events → sessions → segments → pairs.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EventLineage {
    /// Every event (row or line) read.
    pub events_read: u64,
    /// Events ignored: unknown type, or no learner, video or time (see the quality rules).
    pub events_ignored: u64,
    /// Events dropped because their event id was seen before.
    pub duplicate_ids_removed: u64,
    /// Events dropped as copies of another (equal in every field).
    pub copies_removed: u64,
    /// Events replayed.
    pub events_replayed: u64,
    /// Sessions they form.
    pub sessions: u64,
    /// Watched segments (before the union).
    pub segments: u64,
    /// (learner, video) pairs: the rows the report's other figures are computed from.
    pub pairs: u64,
    /// Pairs of videos without a duration (no completion).
    pub pairs_without_duration: u64,
}

/// Retention and watch figures of one video.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VideoRetention {
    /// The video's id (absent when the events name videos by course and title).
    pub video_id: Option<String>,
    /// Its title, from the catalogue or the events.
    pub video_title: Option<String>,
    /// Its course, from the catalogue or the events.
    pub course: Option<String>,
    /// Its duration in seconds, when known.
    pub duration_seconds: Option<f64>,
    /// `catalogue`, `events` or `none`.
    pub duration_source: &'static str,
    /// Learners who watched any of it.
    pub viewers: u64,
    /// Mean completion of the viewers, percent.
    pub avg_completion: Option<f64>,
    /// Viewers who reached the end.
    pub reached_end: u64,
    /// Seconds watched by all viewers, re-watches included.
    pub watch_seconds: f64,
    /// Sessions of all viewers.
    pub sessions: u64,
    /// Share of viewers reaching 25/50/75/100 % completion.
    pub quartiles: Quartiles,
    /// Percent of viewers who watched each 1 % of the video (100 points; the midpoint of each
    /// hundredth counts); empty without a duration.
    pub retention: Vec<f64>,
    /// The steepest falls of the curve, largest first.
    pub drop_offs: Vec<DropOff>,
}

/// What the events add to the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventSection {
    /// Every event log read, in order.
    pub inputs: Vec<EventInput>,
    /// The inactivity gap that ends a session, in minutes.
    pub session_gap_minutes: u32,
    /// Where the events went.
    pub lineage: EventLineage,
    /// Event quality rules with counts and samples.
    pub quality: Vec<EventRuleResult>,
    /// Per video, sorted by id (else course and title).
    pub videos: Vec<VideoRetention>,
    /// Remarks a reader needs to trust the figures.
    pub notes: Vec<String>,
}

/// The report of an event log: the usual report over one row per (learner, video), and the
/// event section (its JSON is the report's with an `events` key added).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventReport {
    /// The report over the pairs.
    #[serde(flatten)]
    pub report: Report,
    /// What only events can tell.
    pub events: EventSection,
}

/// Event logs being read. Add logs (and a catalogue), then take [`EventLog::report`]; adding a
/// log later re-derives every pair it touches.
#[derive(Debug)]
pub struct EventLog {
    pub(crate) options: Options,
    gap_minutes: u32,
    pub(crate) collector: collect::Collector,
    pub(crate) catalogue: catalogue::Catalogue,
    pub(crate) inputs: Vec<EventInput>,
    pub(crate) notes: Vec<String>,
    /// The content identity of every log read (see [`Fingerprint`]): a log read again is
    /// skipped with a note, as rows' inputs are.
    pub(crate) fingerprints: Vec<Fingerprint>,
}

impl EventLog {
    /// An empty log; `options` shape the report of the pairs (top N, filter, masking, rules)
    /// and the samples kept per event rule. Column overrides and the completion scale apply to
    /// rows with a completion column, not to events, and are ignored.
    pub fn new(options: Options) -> Result<EventLog> {
        options.validate()?;
        let collector = collect::Collector::new(options.max_samples);
        Ok(EventLog {
            options,
            gap_minutes: DEFAULT_SESSION_GAP_MINUTES,
            collector,
            catalogue: catalogue::Catalogue::default(),
            inputs: Vec::new(),
            notes: Vec::new(),
            fingerprints: Vec::new(),
        })
    }

    /// Names the column (CSV, Parquet) or JSON path (NDJSON, e.g. `event.currentTime`) that
    /// plays each field given, over the synonyms, for the logs added from now on. A field
    /// given twice, or an empty name, is refused.
    pub fn set_mapping(&mut self, overrides: Vec<(EventField, String)>) -> Result<()> {
        for (index, (field, column)) in overrides.iter().enumerate() {
            if column.trim().is_empty() {
                return Err(Error::Option(format!(
                    "the column for {} is empty",
                    field.name()
                )));
            }
            if overrides[..index]
                .iter()
                .any(|(earlier, _)| earlier == field)
            {
                return Err(Error::Option(format!("{} is mapped twice", field.name())));
            }
        }
        self.collector.overrides = overrides;
        Ok(())
    }

    /// Sets the inactivity gap (minutes, at least 1) that ends a session.
    pub fn set_session_gap(&mut self, minutes: u32) -> Result<()> {
        if minutes == 0 {
            return Err(Error::Option(
                "the session gap must be at least 1 minute".into(),
            ));
        }
        self.gap_minutes = minutes;
        Ok(())
    }

    /// Adds a video catalogue (CSV: video, duration, course, title); its durations win over
    /// the events'. Returns the entries read.
    pub fn add_catalogue(&mut self, name: &str, bytes: &[u8]) -> Result<usize> {
        self.catalogue.add_csv(name, bytes)
    }

    /// Reads one event log, in `format` (else by its name, else sniffed). A Parquet log is read
    /// through `reader` a row group at a time (only its mapped columns); CSV and JSON lines are
    /// read whole. `Bytes` is a reader, and so is a caller's own (a browser `File` by range).
    /// An input refused before any of its events is read leaves the log as it was.
    pub fn add<R: ChunkReader + Clone + 'static>(
        &mut self,
        name: &str,
        reader: R,
        format: Option<EventFormat>,
    ) -> Result<()> {
        let whole = |reader: &R| {
            reader
                .get_bytes(0, reader.len() as usize)
                .map_err(|error| Error::format(name, format!("cannot read: {error}")))
        };
        let format = match format.or_else(|| EventFormat::from_name(name)) {
            Some(format) => format,
            None => EventFormat::sniff(
                &reader
                    .get_bytes(0, reader.len().min(64) as usize)
                    .map_err(|error| Error::format(name, format!("cannot read: {error}")))?,
            ),
        };
        // Text logs are read whole, so their bytes are at hand once for both the identity and
        // the reading; a Parquet log's identity is its footer.
        let bytes = match format {
            EventFormat::Parquet => None,
            EventFormat::Csv | EventFormat::Ndjson => Some(whole(&reader)?),
        };
        let fingerprint = match &bytes {
            Some(bytes) => Fingerprint::of_bytes(bytes),
            None => Fingerprint::of_parquet(name, &reader)?,
        };
        if self.fingerprints.contains(&fingerprint) {
            self.notes.push(format!(
                "{name}: already loaded (the same content as a log read before), so it was skipped"
            ));
            return Ok(());
        }
        let before = self.collector.events_read;
        let mapping = match &bytes {
            None => tabular::read_parquet(&mut self.collector, name, reader),
            Some(bytes) if format == EventFormat::Csv => {
                tabular::read_csv(&mut self.collector, name, bytes)
            }
            Some(bytes) => ndjson::read(&mut self.collector, name, bytes),
        };
        let events = self.collector.events_read - before;
        let mapping = match mapping {
            Ok(mapping) => mapping,
            Err(error) if events == 0 => return Err(error),
            Err(error) => {
                self.notes.push(format!("{name}: reading stopped ({error}); only the {events} events before it are counted"));
                Vec::new()
            }
        };
        self.fingerprints.push(fingerprint);
        self.inputs.push(EventInput {
            name: name.to_owned(),
            format,
            events,
            mapping,
        });
        Ok(())
    }

    /// Logs read so far (a log given again, recognised by its content, is not counted twice).
    pub fn logs_read(&self) -> usize {
        self.inputs.len()
    }

    /// Every (learner, video) pair's figures, sorted by learner then video.
    pub fn pairs(&mut self) -> Vec<PairFigures> {
        self.collector.settle();
        let gap = i64::from(self.gap_minutes) * 60_000_000;
        pairs::derive(&self.collector, &self.catalogue, gap).pairs
    }

    /// Replaces the options the pairs' report is shaped by (a new filter, list sizes or
    /// masking): the next [`EventLog::analyse`] answers them without reading any log again.
    pub fn set_options(&mut self, options: Options) -> Result<()> {
        options.validate()?;
        self.options = options;
        Ok(())
    }

    /// The report: the pairs through the [`Analysis`], and the event section.
    pub fn report(&mut self) -> Result<EventReport> {
        let (analysis, events) = self.analyse()?;
        Ok(EventReport {
            report: pairs_report(&analysis),
            events,
        })
    }

    /// The [`Analysis`] of the pairs (whose report is the event log's, see [`pairs_report`])
    /// beside the event section: a caller that keeps the analysis can change its list sizes and
    /// masking as for rows read from files.
    pub fn analyse(&mut self) -> Result<(Analysis, EventSection)> {
        self.collector.settle();
        let gap = i64::from(self.gap_minutes) * 60_000_000;
        let derived = pairs::derive(&self.collector, &self.catalogue, gap);
        let mut options = self.options.clone();
        options.overrides = crate::columns::Overrides::default();
        options.scale = Some(crate::columns::Scale::Percent);
        options.dbt = None;
        let mut analysis = Analysis::new(options)?;
        pairs::add_to(&mut analysis, &derived.pairs)?;
        let mut notes = self.notes.clone();
        notes.extend(derived.notes.iter().cloned());
        if !self.options.filter.is_empty() {
            notes.push("the course and date filter applies to the pairs (by the time of their last event); retention covers every video".into());
        }
        let collector = &self.collector;
        let ignored = collector.quality.count(EventRule::UnknownEventType)
            + collector.quality.count(EventRule::MissingKey);
        let lineage = EventLineage {
            events_read: collector.events_read,
            events_ignored: ignored,
            duplicate_ids_removed: collector.duplicate_ids,
            copies_removed: collector.copies,
            events_replayed: collector.events.len() as u64,
            sessions: derived.sessions,
            segments: derived.segments,
            pairs: derived.pairs.len() as u64,
            pairs_without_duration: derived
                .pairs
                .iter()
                .filter(|pair| pair.duration_seconds.is_none())
                .count() as u64,
        };
        Ok((
            analysis,
            EventSection {
                inputs: self.inputs.clone(),
                session_gap_minutes: self.gap_minutes,
                lineage,
                quality: derived.quality.results(),
                videos: derived.videos,
                notes,
            },
        ))
    }
}

/// The report of an event log's pairs [`Analysis`]: its one source is the pairs, of format
/// `events`.
pub fn pairs_report(analysis: &Analysis) -> Report {
    let mut report = analysis.report();
    for source in &mut report.sources {
        source.format = "events".to_owned();
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(name: &str, head: &str) -> bool {
        is_event_input(name, head.as_bytes(), || -> std::result::Result<_, ()> {
            Ok(vec!["event_type".to_owned(), "position".to_owned()])
        })
        .unwrap()
    }

    #[test]
    fn event_inputs_are_told_by_name_columns_or_json_lines() {
        let events = "user_id,video_id,event_type,timestamp,position\nS1,V1,play,2025-03-01,0\n";
        let rows = "student_id,video_id,completion_rate_percent\nS1,V1,40\n";
        let lines = "{\"user_id\":\"S1\",\"verb\":\"play\",\"position\":0}\n";
        assert!(decide("logs/a.ndjson", ""), "by name, whatever the bytes");
        assert!(decide("a.csv", events));
        assert!(!decide("a.csv", rows));
        assert!(decide("a.json", lines), "JSON lines of events under .json");
        assert!(!decide("manifest.json", "{\"files\":[\"a.parquet\"]}"));
        assert!(
            decide("a.parquet", "PAR1"),
            "a Parquet file's schema decides"
        );
        let no_columns = is_event_input("b.parquet", b"PAR1", || -> std::result::Result<_, ()> {
            Ok(vec!["student_id".to_owned()])
        });
        assert_eq!(no_columns, Ok(false));
        let unreadable = is_event_input("c.parquet", b"PAR1", || Err("no footer"));
        assert_eq!(unreadable, Err("no footer"));
    }

    #[test]
    fn a_catalogue_is_told_from_logs_and_rows_by_its_columns() {
        assert!(is_video_catalogue(&[
            "video", "duration", "course", "title"
        ]));
        assert!(is_video_catalogue(&["Video_Title", "length_seconds"]));
        assert!(!is_video_catalogue(&["video_id", "title"]), "no duration");
        assert!(!is_video_catalogue(&[
            "user_id",
            "video_id",
            "event_type",
            "position",
            "duration"
        ]));
        assert!(!is_video_catalogue(&[
            "student_id",
            "video_id",
            "video_duration",
            "completion_rate_percent"
        ]));
    }
}
