//! Saved event-log state: every event an [`EventLog`] holds (settled: duplicates dropped, in
//! replay order), what was interned on the way, the catalogue and the inputs read, so that
//! restoring it and adding more logs gives the report of reading every log in one go. The same
//! framing as an analysis state (magic, format version, engine version, body, xxh3-64
//! checksum), under its own magic: one kind of state is never read as the other.

use rustc_hash::FxHashMap;

use super::codec::{Frame, Reader, Writer};
use crate::analysis::options::Options;
use crate::error::Result;
use crate::events::catalogue::{Catalogue, Entry};
use crate::events::collect::{Collector, Event, Interner, Pair, Video};
use crate::events::fields::Verb;
use crate::events::quality::{EventQuality, EventRule, EventSample};
use crate::events::{EventFormat, EventInput, EventLog};
use crate::input::parquet::Fingerprint;

/// An event-log state's frame; `version` is bumped whenever the body's layout changes (2: optional
/// text written as an analysis state writes it).
const FRAME: Frame = Frame {
    magic: b"CPEV",
    version: 2,
    called: "event-log state",
    instead: "read the logs again",
};

impl EventLog {
    /// Everything read so far as bytes (see [`EventLog::load_state`]), for incremental loads:
    /// the CLI's `--state` with event logs. Learner ids are held in clear text, as in an
    /// analysis state: keep the state where the logs may be kept.
    pub fn save_state(&mut self) -> Vec<u8> {
        self.collector.settle();
        let mut out = FRAME.begin();
        encode_inputs(self, &mut out);
        encode_collector(&self.collector, &mut out);
        encode_catalogue(&self.catalogue, &mut out);
        Frame::seal(out)
    }

    /// Restores a state saved by [`EventLog::save_state`], to add more logs to it; `options`
    /// shape the report as for [`EventLog::new`] (they may differ from the saving run's: the
    /// events do not depend on them). A log already read is skipped when added again.
    pub fn load_state(bytes: &[u8], options: Options) -> Result<EventLog> {
        let mut reader = FRAME.open(bytes, |bytes| {
            if bytes.starts_with(b"CPST") {
                "an analysis state of rows, not of event logs: give it with rows, or start a new state for event logs"
            } else {
                "not a CoursePulse event-log state (no CPEV header)"
            }
            .to_owned()
        })?;
        let mut log = EventLog::new(options)?;
        decode_inputs(&mut log, &mut reader)?;
        log.collector = decode_collector(&mut reader, log.options.max_samples)?;
        log.catalogue = decode_catalogue(&mut reader)?;
        reader.end()?;
        if log.collector.files.len() != log.inputs.len() {
            return Err(reader.corrupt("the inputs and the files read differ"));
        }
        Ok(log)
    }
}

fn format_tag(format: EventFormat) -> u64 {
    match format {
        EventFormat::Parquet => 0,
        EventFormat::Csv => 1,
        EventFormat::Ndjson => 2,
    }
}

fn encode_inputs(log: &EventLog, out: &mut Writer) {
    out.u64(log.inputs.len() as u64);
    for (input, fingerprint) in log.inputs.iter().zip(&log.fingerprints) {
        out.text(&input.name);
        out.u64(format_tag(input.format));
        out.u64(input.events);
        out.u64(input.mapping.len() as u64);
        for (field, column) in &input.mapping {
            out.text(field);
            out.text(column);
        }
        out.u128(fingerprint.0);
    }
    out.u64(log.notes.len() as u64);
    log.notes.iter().for_each(|note| out.text(note));
}

fn decode_inputs(log: &mut EventLog, reader: &mut Reader<'_>) -> Result<()> {
    for _ in 0..reader.len()? {
        let name = reader.text()?;
        let format = match reader.u64()? {
            0 => EventFormat::Parquet,
            1 => EventFormat::Csv,
            2 => EventFormat::Ndjson,
            other => return Err(reader.corrupt(&format!("event-log format {other}"))),
        };
        let events = reader.u64()?;
        let mut mapping = Vec::new();
        for _ in 0..reader.len()? {
            mapping.push((reader.text()?, reader.text()?));
        }
        log.fingerprints.push(Fingerprint(reader.u128()?));
        log.inputs.push(EventInput {
            name,
            format,
            events,
            mapping,
        });
    }
    for _ in 0..reader.len()? {
        log.notes.push(reader.text()?);
    }
    Ok(())
}

fn encode_interner(interner: &Interner, out: &mut Writer) {
    out.u64(interner.len() as u64);
    interner.keys().iter().for_each(|key| out.text(key));
}

fn decode_interner(reader: &mut Reader<'_>) -> Result<Interner> {
    let mut interner = Interner::default();
    let count = reader.len()?;
    for _ in 0..count {
        interner.intern(&reader.text()?);
    }
    // A key listed twice would shift every id after it.
    if interner.len() != count {
        return Err(reader.corrupt("a key is listed twice"));
    }
    Ok(interner)
}

fn encode_collector(collector: &Collector, out: &mut Writer) {
    out.u64(collector.files.len() as u64);
    collector.files.iter().for_each(|file| out.text(file));
    for interner in [
        &collector.learners,
        &collector.video_keys,
        &collector.roles,
        &collector.sessions,
    ] {
        encode_interner(interner, out);
    }
    out.u64(collector.videos.len() as u64);
    for video in &collector.videos {
        out.optional_text(video.id.as_deref());
        out.optional_text(video.title.as_deref());
        out.optional_text(video.course.as_deref());
        let mut durations: Vec<(u64, u64)> =
            video.durations.iter().map(|(k, v)| (*k, *v)).collect();
        durations.sort_unstable();
        out.u64(durations.len() as u64);
        for (duration, count) in durations {
            out.u64(duration);
            out.u64(count);
        }
    }
    out.u64(collector.pairs.len() as u64);
    for pair in &collector.pairs {
        out.u32(pair.learner);
        out.u32(pair.video);
        out.u32(pair.role);
        out.i64(pair.role_time);
    }
    out.u64(collector.played.len() as u64);
    for segments in &collector.played {
        out.u64(segments.len() as u64);
        for (start, end) in segments {
            out.f64(*start);
            out.f64(*end);
        }
    }
    out.u64(collector.events.len() as u64);
    for event in &collector.events {
        out.i64(event.time);
        out.u64(event.id_hash);
        out.u32(event.pair);
        out.u32(event.session);
        out.u32(event.sequence);
        for value in [event.position, event.seek_from, event.seek_to, event.rate] {
            out.bytes.extend_from_slice(&value.to_bits().to_le_bytes());
        }
        out.u32(event.played);
        out.u32(event.row);
        out.u64(u64::from(event.file));
        out.u64(event.verb as u64);
    }
    for count in [
        collector.duplicate_ids,
        collector.copies,
        collector.events_read,
    ] {
        out.u64(count);
    }
    let quality = &collector.quality;
    for rule in EventRule::ALL {
        out.u64(quality.counts[rule as usize]);
        let samples = &quality.samples[rule as usize];
        out.u64(samples.len() as u64);
        for sample in samples {
            out.text(&sample.file);
            out.u64(sample.row);
            out.text(&sample.detail);
        }
    }
}

fn decode_collector(reader: &mut Reader<'_>, max_samples: usize) -> Result<Collector> {
    let mut collector = Collector::new(max_samples);
    for _ in 0..reader.len()? {
        collector.files.push(reader.text()?);
    }
    if collector.files.len() > usize::from(u16::MAX) + 1 {
        return Err(reader.corrupt("more files than events can name"));
    }
    collector.learners = decode_interner(reader)?;
    collector.video_keys = decode_interner(reader)?;
    collector.roles = decode_interner(reader)?;
    collector.sessions = decode_interner(reader)?;
    for _ in 0..reader.len()? {
        let mut video = Video {
            id: reader.optional_text()?,
            title: reader.optional_text()?,
            course: reader.optional_text()?,
            durations: FxHashMap::default(),
        };
        for _ in 0..reader.len()? {
            let (duration, count) = (reader.u64()?, reader.u64()?);
            if count == 0 {
                return Err(reader.corrupt("a video duration seen zero times"));
            }
            video.durations.insert(duration, count);
        }
        collector.videos.push(video);
    }
    if collector.videos.len() != collector.video_keys.len() {
        return Err(reader.corrupt("the videos and their keys differ"));
    }
    let id_within = |id: u32, count: usize, none_allowed: bool| {
        (none_allowed && id == crate::events::collect::NONE) || (id as usize) < count
    };
    for index in 0..reader.len()? {
        let pair = Pair {
            learner: reader.u32()?,
            video: reader.u32()?,
            role: reader.u32()?,
            role_time: reader.i64()?,
        };
        if !id_within(pair.learner, collector.learners.len(), false)
            || !id_within(pair.video, collector.videos.len(), false)
            || !id_within(pair.role, collector.roles.len(), true)
        {
            return Err(reader.corrupt("a pair names an id out of range"));
        }
        if collector
            .pair_ids
            .insert((pair.learner, pair.video), index as u32)
            .is_some()
        {
            return Err(reader.corrupt("a pair is listed twice"));
        }
        collector.pairs.push(pair);
    }
    for _ in 0..reader.len()? {
        let mut segments = Vec::new();
        for _ in 0..reader.len()? {
            segments.push((reader.f64()?, reader.f64()?));
        }
        collector.played.push(segments);
    }
    let f32_of = |reader: &mut Reader<'_>| -> Result<f32> {
        let bytes = reader.take(4)?;
        Ok(f32::from_bits(u32::from_le_bytes(
            bytes.try_into().unwrap_or_default(),
        )))
    };
    for _ in 0..reader.len()? {
        let time = reader.i64()?;
        let id_hash = reader.u64()?;
        let pair = reader.u32()?;
        let session = reader.u32()?;
        let sequence = reader.u32()?;
        let position = f32_of(reader)?;
        let seek_from = f32_of(reader)?;
        let seek_to = f32_of(reader)?;
        let rate = f32_of(reader)?;
        let played = reader.u32()?;
        let row = reader.u32()?;
        let file = u16::try_from(reader.u64()?)
            .ok()
            .filter(|file| usize::from(*file) < collector.files.len())
            .ok_or_else(|| reader.corrupt("an event names a file out of range"))?;
        let verb = usize::try_from(reader.u64()?)
            .ok()
            .and_then(|index| Verb::ALL.get(index).copied())
            .ok_or_else(|| reader.corrupt("an event of an unknown kind"))?;
        if !id_within(pair, collector.pairs.len(), false)
            || !id_within(session, collector.sessions.len(), true)
            || !id_within(played, collector.played.len(), true)
        {
            return Err(reader.corrupt("an event names an id out of range"));
        }
        collector.events.push(Event {
            time,
            id_hash,
            pair,
            session,
            sequence,
            position,
            seek_from,
            seek_to,
            rate,
            played,
            row,
            file,
            verb,
        });
    }
    collector.duplicate_ids = reader.u64()?;
    collector.copies = reader.u64()?;
    collector.events_read = reader.u64()?;
    let mut quality = EventQuality::new(max_samples);
    for rule in EventRule::ALL {
        quality.counts[rule as usize] = reader.u64()?;
        for _ in 0..reader.len()? {
            quality.samples[rule as usize].push(EventSample {
                file: reader.text()?,
                row: reader.u64()?,
                detail: reader.text()?,
            });
        }
    }
    collector.quality = quality;
    Ok(collector)
}

fn encode_catalogue(catalogue: &Catalogue, out: &mut Writer) {
    let mut entries: Vec<(&String, &Entry)> = catalogue.by_key.iter().collect();
    entries.sort_unstable_by(|left, right| left.0.cmp(right.0));
    out.u64(entries.len() as u64);
    for (key, entry) in entries {
        out.text(key);
        out.bool(entry.duration.is_some());
        if let Some(duration) = entry.duration {
            out.f64(duration);
        }
        out.optional_text(entry.course.as_deref());
        out.optional_text(entry.title.as_deref());
    }
}

fn decode_catalogue(reader: &mut Reader<'_>) -> Result<Catalogue> {
    let mut catalogue = Catalogue::default();
    for _ in 0..reader.len()? {
        let key = reader.text()?;
        let duration = if reader.bool()? {
            Some(reader.f64()?)
        } else {
            None
        };
        // The catalogue keeps only durations that are positive numbers.
        if duration.is_some_and(|duration| !(duration.is_finite() && duration > 0.0)) {
            return Err(reader.corrupt("a catalogue duration is not a positive number"));
        }
        let entry = Entry {
            duration,
            course: reader.optional_text()?,
            title: reader.optional_text()?,
        };
        catalogue.by_key.insert(key, entry);
    }
    Ok(catalogue)
}
