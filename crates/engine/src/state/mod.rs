//! Saved analysis state: everything an [`Analysis`] has accumulated, as bytes, so that restoring
//! it and adding more inputs gives exactly the report of analysing every input in one go.
//!
//! The encoding is our own, a few hundred lines instead of a serde format crate: a header
//! (magic, format version, engine version, the options that change what the state means), then
//! the body in LEB128 varints, zigzag for signed values, IEEE bits for floats (so sums restore
//! bit for bit) and length-prefixed text, then an xxh3-64 checksum of everything before it.
//! Nothing here does IO: the CLI writes the bytes to a file, the web worker to OPFS.

use std::collections::BTreeMap;

use rustc_hash::FxHashSet;

mod check;
mod codec;
mod events;
mod files;
mod rows;

use codec::{Frame, Reader, Writer};

use crate::analysis::options::Options;
use crate::analysis::{Analysis, InputCounts};
use crate::columns::{Override, Scale, ScaleCheck};
use crate::compute::aggregate::{Aggregator, Contribution, FirstCopy, Kept};
use crate::compute::event_keys::EventKeys;
use crate::compute::keys::{Interner, Key};
use crate::compute::merge::RESTORED;
use crate::error::{Error, Result};
use crate::input::partition::{PartitionKey, PartitionType, Partitioning};
use crate::input::prune::Pruning;
use crate::report::SourceInfo;
use crate::rules::quality::{Rule, Sample};

/// An analysis state's frame; `version` is bumped whenever the body's layout changes.
const FRAME: Frame = Frame {
    magic: b"CPST",
    version: 6,
    called: "state",
    instead: "analyse the dataset again",
};

impl Analysis {
    /// The whole accumulated state as bytes (see [`Analysis::load_state`]). Fails only when the
    /// inputs were read in several key passes: the keys of the earlier passes are gone, so a
    /// later input could not be de-duplicated against them.
    ///
    /// The state holds learner ids in clear text even when [`Options::masking`] is set: masking
    /// is applied to each report, so one state serves masked and unmasked views and a change of
    /// salt needs no re-read. Keep the state where the source data may be kept.
    pub fn save_state(&self) -> Result<Vec<u8>> {
        self.save(false)
    }

    /// The state with what merging it needs, for moving an analysis to another thread or
    /// worker to be merged there ([`Analysis::merge`]): besides [`Analysis::save_state`]'s
    /// fields, where each unique key's first copy was read and the kept rows
    /// ([`Analysis::keep_rows`]). [`Analysis::load_state`] reads it back; unlike a saved state,
    /// the result can be merged into an analysis of earlier rows. Refused while samples wait
    /// for their rows to be read again ([`Analysis::rows_to_read`]): re-read them first.
    pub fn save_part(&self) -> Result<Vec<u8>> {
        if !self.rows_to_read().is_empty() {
            return Err(Error::State(
                "samples of this analysis wait for their rows to be read again; read them before moving it".into(),
            ));
        }
        if self.options.dbt.is_some() {
            return Err(Error::State(
                "the dbt tests' counts are not part of the state, so an analysis with a dbt schema cannot be moved to be merged".into(),
            ));
        }
        if self.aggregator.restored {
            return Err(Error::State(
                "an analysis restored from a saved state does not know where its keys were read, so it cannot be moved to be merged".into(),
            ));
        }
        self.save(true)
    }

    fn save(&self, part: bool) -> Result<Vec<u8>> {
        if self.aggregator.has_pending_keys() {
            return Err(Error::State(
                "an input is still being read (finish it before saving)".into(),
            ));
        }
        if self.aggregator.distinct.is_some() {
            return Err(Error::State(
                "this is a filtered view of kept rows, which holds no unique keys; save the analysis it was taken from".into(),
            ));
        }
        if self.read_in_passes {
            return Err(Error::State(
                "this dataset was read in several key passes to bound memory, so its unique keys are not all held; it cannot be saved for incremental loads".into(),
            ));
        }
        let mut out = FRAME.begin();
        out.bytes_field(&meaning(&self.options));
        out.bool(part);
        encode_analysis(self, &mut out, part);
        Ok(Frame::seal(out))
    }

    /// Restores a state saved by [`Analysis::save_state`], to add more inputs to it. `options`
    /// must mean the same as those it was saved with (scale, mapping overrides, filter, samples
    /// kept, batch size, whether there is a clock); listing options (top N, ...) and rule
    /// thresholds may differ. Rows absorbed earlier keep the future-timestamp judgement of the
    /// clock they were read with.
    pub fn load_state(bytes: &[u8], options: Options) -> Result<Analysis> {
        let mut reader = FRAME.open(bytes, |_| {
            "not a CoursePulse analysis state (no CPST header)".to_owned()
        })?;
        options.validate()?;
        let saved = reader.bytes_field()?;
        let wanted = meaning(&options);
        if saved != wanted {
            return Err(Error::State(format!(
                "the state was saved with other options ({}); use the same ones or analyse the dataset again",
                differences(saved, &wanted)
            )));
        }
        let part = reader.bool()?;
        let analysis = decode_analysis(&mut reader, options, part)?;
        reader.end()?;
        Ok(analysis)
    }
}

/// The options that change what the accumulated numbers mean, one tagged section each.
fn meaning(options: &Options) -> Vec<u8> {
    let mut out = Writer::default();
    let mut section = |tag: &str, write: &dyn Fn(&mut Writer)| {
        let mut part = Writer::default();
        write(&mut part);
        out.text(tag);
        out.bytes_field(&part.bytes);
    };
    section("scale", &|out| {
        out.u64(match options.scale {
            None => 0,
            Some(Scale::Percent) => 1,
            Some(Scale::Fraction) => 2,
        })
    });
    section("mapping overrides", &|out| {
        let entries = options.overrides.sorted();
        out.u64(entries.len() as u64);
        for (field, choice) in entries {
            out.text(field.name());
            match choice {
                Override::Column(name) => out.text(&name),
                Override::Unmapped => out.u64(0),
            }
        }
    });
    section("filter", &|out| {
        let mut courses = options.filter.courses.clone();
        courses.sort();
        out.u64(courses.len() as u64);
        courses.iter().for_each(|course| out.text(course));
        for bound in [options.filter.from_micros, options.filter.to_micros] {
            out.bool(bound.is_some());
            out.i64(bound.unwrap_or_default());
        }
    });
    section("samples kept", &|out| out.u64(options.max_samples as u64));
    section("batch size", &|out| out.u64(options.batch_size as u64));
    section("clock", &|out| out.bool(options.now_micros.is_some()));
    out.bytes
}

/// Names the sections of two [`meaning`]s that differ.
fn differences(saved: &[u8], wanted: &[u8]) -> String {
    let sections = |bytes: &[u8]| -> Vec<(String, Vec<u8>)> {
        let mut reader = Reader { bytes };
        let mut sections = Vec::new();
        while !reader.bytes.is_empty() {
            let (Ok(tag), Ok(value)) = (reader.text(), reader.bytes_field()) else {
                break;
            };
            sections.push((tag, value.to_vec()));
        }
        sections
    };
    let (saved, wanted) = (sections(saved), sections(wanted));
    let differing: Vec<&str> = wanted
        .iter()
        .filter(|(tag, value)| {
            saved
                .iter()
                .find(|(saved_tag, _)| saved_tag == tag)
                .is_none_or(|(_, saved_value)| saved_value != value)
        })
        .map(|(tag, _)| tag.as_str())
        .collect();
    if differing.is_empty() {
        "different option layout".into()
    } else {
        format!("{} differ", differing.join(", "))
    }
}

fn encode_analysis(analysis: &Analysis, out: &mut Writer, part: bool) {
    out.u64(analysis.sources.len() as u64);
    for source in &analysis.sources {
        out.text(&source.name);
        out.text(&source.format);
        out.u64(source.rows);
        out.u64(source.row_groups as u64);
        out.u64(source.mapping.len() as u64);
        for (field, column) in &source.mapping {
            out.text(field);
            out.text(column);
        }
        out.bool(source.completion_scale == Scale::Fraction);
        out.bool(source.scale_inferred);
        let check = &source.scale_check;
        out.u64(check.numbers);
        out.u64(check.within_one);
        out.u64(check.above_one);
        out.f64(check.min.unwrap_or(f64::NAN));
        out.f64(check.max.unwrap_or(f64::NAN));
    }
    out.u64(analysis.notes.len() as u64);
    analysis.notes.iter().for_each(|note| out.text(note));
    out.bool(analysis.video_keyed_by_title);
    out.bool(analysis.course_keyed_by_code);
    let keys = analysis.partitioning.keys();
    out.u64(keys.len() as u64);
    for key in keys {
        out.text(&key.name);
        out.u64(match key.kind {
            PartitionType::Date => 0,
            PartitionType::Int => 1,
            PartitionType::Text => 2,
        });
    }
    let pruning = &analysis.pruning;
    for count in [
        pruning.files,
        pruning.files_skipped,
        pruning.row_groups,
        pruning.row_groups_skipped,
        pruning.bytes,
        pruning.bytes_skipped,
        pruning.files_already_loaded,
        pruning.rows_skipped,
    ] {
        out.u64(count);
    }
    let mut fingerprints: Vec<u128> = analysis.fingerprints.iter().copied().collect();
    fingerprints.sort_unstable();
    out.u64(fingerprints.len() as u64);
    fingerprints.iter().for_each(|print| out.u128(*print));
    files::encode(&analysis.files, out);
    if part {
        // What a merge subtracts for an input split between shards.
        let mut counts: Vec<_> = analysis.input_counts.iter().collect();
        counts.sort_unstable_by(|left, right| left.0.cmp(right.0));
        out.u64(counts.len() as u64);
        for (name, counts) in counts {
            out.text(name);
            out.u64(counts.bytes);
            out.bool(counts.skipped);
        }
    }
    encode_aggregator(&analysis.aggregator, out, part);
}

fn decode_analysis(reader: &mut Reader<'_>, options: Options, part: bool) -> Result<Analysis> {
    let mut analysis = Analysis::new(options)?;
    for _ in 0..reader.len()? {
        let name = reader.text()?;
        let format = reader.text()?;
        let rows = reader.u64()?;
        let row_groups = reader.u64()? as usize;
        let mut mapping = Vec::new();
        for _ in 0..reader.len()? {
            mapping.push((reader.text()?, reader.text()?));
        }
        let completion_scale = if reader.bool()? {
            Scale::Fraction
        } else {
            Scale::Percent
        };
        let scale_inferred = reader.bool()?;
        let scale_check = ScaleCheck {
            numbers: reader.u64()?,
            within_one: reader.u64()?,
            above_one: reader.u64()?,
            min: Some(reader.f64()?).filter(|min| !min.is_nan()),
            max: Some(reader.f64()?).filter(|max| !max.is_nan()),
        };
        // An input's values are at most its rows, and each counted kind at most its values.
        if scale_check.numbers > rows
            || scale_check.within_one > scale_check.numbers
            || scale_check.above_one > scale_check.numbers
        {
            return Err(reader.corrupt("an input's completion values outnumber its rows"));
        }
        analysis.sources.push(SourceInfo {
            name,
            format,
            rows,
            row_groups,
            mapping,
            completion_scale,
            scale_inferred,
            scale_check,
        });
    }
    for _ in 0..reader.len()? {
        analysis.notes.push(reader.text()?);
    }
    analysis.video_keyed_by_title = reader.bool()?;
    analysis.course_keyed_by_code = reader.bool()?;
    let mut keys = Vec::new();
    for _ in 0..reader.len()? {
        let name = reader.text()?;
        let kind = match reader.u64()? {
            0 => PartitionType::Date,
            1 => PartitionType::Int,
            2 => PartitionType::Text,
            other => return Err(reader.corrupt(&format!("partition type {other}"))),
        };
        keys.push(PartitionKey { name, kind });
    }
    analysis.partitioning = Partitioning::from_keys(keys);
    let mut counts = [0u64; 8];
    for count in &mut counts {
        *count = reader.u64()?;
    }
    let [
        files,
        files_skipped,
        row_groups,
        row_groups_skipped,
        bytes,
        bytes_skipped,
        files_already_loaded,
        rows_skipped,
    ] = counts;
    analysis.pruning = Pruning {
        files,
        files_skipped,
        row_groups,
        row_groups_skipped,
        bytes,
        bytes_skipped,
        files_already_loaded,
        rows_skipped,
    };
    let n_fingerprints = reader.len()?;
    analysis.fingerprints = FxHashSet::default();
    analysis.fingerprints.reserve(n_fingerprints);
    for _ in 0..n_fingerprints {
        analysis.fingerprints.insert(reader.u128()?);
    }
    analysis.files = files::decode(reader)?;
    if part {
        for _ in 0..reader.len()? {
            let name = reader.text()?;
            let counts = InputCounts {
                bytes: reader.u64()?,
                skipped: reader.bool()?,
            };
            analysis.input_counts.insert(name, counts);
        }
    }
    analysis.aggregator = decode_aggregator(reader, part)?;
    Ok(analysis)
}

/// A key as its kind (0 integer, 1 text, 2 a title in a course) and its value.
fn write_key(key: &Key, out: &mut Writer) {
    match key {
        Key::Int(value) => {
            out.u64(0);
            out.i64(*value);
        }
        Key::Str(text) => {
            out.u64(1);
            out.text(text);
        }
        Key::InCourse(pair) => {
            out.u64(2);
            match &pair.0 {
                Some(course) => {
                    out.bool(true);
                    write_key(course, out);
                }
                None => out.bool(false),
            }
            write_key(&pair.1, out);
        }
    }
}

/// Reads what [`write_key`] wrote; a title in a course holds only plain keys (`nested` is
/// false inside one), so a hostile state cannot nest them without end.
fn read_key(reader: &mut Reader<'_>, nested: bool) -> Result<Key> {
    Ok(match reader.u64()? {
        0 => Key::Int(reader.i64()?),
        1 => Key::Str(reader.text()?.into()),
        2 if nested => {
            let course = if reader.bool()? {
                Some(read_key(reader, false)?)
            } else {
                None
            };
            Key::InCourse(Box::new((course, read_key(reader, false)?)))
        }
        other => return Err(reader.corrupt(&format!("key kind {other}"))),
    })
}

/// A part (see [`Analysis::save_part`]) adds each key's first origin, whole-row copies'
/// contributions and the kept rows.
fn encode_aggregator(aggregator: &Aggregator, out: &mut Writer, part: bool) {
    for interner in [
        &aggregator.students,
        &aggregator.videos,
        &aggregator.courses,
        &aggregator.roles,
        &aggregator.titles,
        &aggregator.codes,
    ] {
        out.u64(interner.len() as u64);
        for key in interner.keys() {
            write_key(key, out);
        }
    }
    for labels in [&aggregator.video_title, &aggregator.course_code] {
        out.u64(labels.len() as u64);
        labels.iter().for_each(|label| out.u32(*label));
    }
    for counts in [&aggregator.other_roles, &aggregator.dirty_roles] {
        let sorted: BTreeMap<u32, u64> = counts.iter().map(|(k, v)| (*k, *v)).collect();
        out.u64(sorted.len() as u64);
        for (role, count) in sorted {
            out.u32(role);
            out.u64(count);
        }
    }
    for stats in [&aggregator.learners, &aggregator.course_stats] {
        out.u64(stats.len() as u64);
        stats.iter().for_each(|stats| out.stats(stats));
    }
    for counts in [&aggregator.learner_videos, &aggregator.course_learners] {
        out.u64(counts.len() as u64);
        for (pair, count) in counts.iter() {
            out.u64(pair);
            out.u64(u64::from(count));
        }
    }
    out.u64(aggregator.course_videos.len() as u64);
    for (pair, stats) in &aggregator.course_videos {
        out.u64(*pair);
        out.stats(stats);
    }
    out.u64(aggregator.days.len() as u64);
    for (day, stats) in &aggregator.days {
        out.i64(i64::from(*day));
        out.stats(stats);
    }
    aggregator
        .histogram
        .iter()
        .for_each(|count| out.i64(*count));
    out.stats(&aggregator.totals);
    out.u64(aggregator.event_keys.len() as u64);
    for (key, kept) in aggregator.event_keys.iter() {
        out.u128(key);
        out.i64(kept.updated_at);
        encode_contribution(&kept.contribution, out);
        if part {
            out.u64(kept.first);
        }
    }
    out.u64(aggregator.by_row.len() as u64);
    for (hash, copy) in &aggregator.by_row {
        out.u128(*hash);
        if part {
            encode_contribution(&copy.contribution, out);
            out.u64(copy.first);
        }
    }
    if part {
        out.bool(aggregator.rows.is_some());
        if let Some(table) = &aggregator.rows {
            rows::encode(table, out);
        }
    }
    out.u64(aggregator.rows_total);
    out.u64(aggregator.duplicates);
    let quality = &aggregator.quality;
    for rule in Rule::ALL {
        out.u64(quality.counts[rule as usize]);
        out.bool(quality.applies[rule as usize]);
        let samples = &quality.samples[rule as usize];
        out.u64(samples.len() as u64);
        for sample in samples {
            out.text(&sample.source);
            out.u64(sample.row);
            out.u64(sample.values.len() as u64);
            for (column, value) in &sample.values {
                out.text(column);
                out.optional_text(value.as_deref());
            }
        }
    }
    out.u64(aggregator.source_names.len() as u64);
    aggregator
        .source_names
        .iter()
        .for_each(|name| out.text(name));
    out.u64(aggregator.filtered_out);
    out.bool(aggregator.time_span.is_some());
    let (first, last) = aggregator.time_span.unwrap_or_default();
    out.i64(first);
    out.i64(last);
}

fn encode_contribution(contribution: &Contribution, out: &mut Writer) {
    out.u32(contribution.student);
    out.u32(contribution.video);
    out.u32(contribution.course);
    out.i64(i64::from(contribution.day));
    out.bool(contribution.is_student);
    out.f64(contribution.completion);
}

fn decode_contribution(reader: &mut Reader<'_>) -> Result<Contribution> {
    Ok(Contribution {
        student: reader.u32()?,
        video: reader.u32()?,
        course: reader.u32()?,
        day: i32::try_from(reader.i64()?).map_err(|_| reader.corrupt("day out of range"))?,
        is_student: reader.bool()?,
        completion: reader.f64()?,
    })
}

fn decode_aggregator(reader: &mut Reader<'_>, part: bool) -> Result<Aggregator> {
    let mut aggregator = Aggregator::default();
    for interner in [
        &mut aggregator.students,
        &mut aggregator.videos,
        &mut aggregator.courses,
        &mut aggregator.roles,
        &mut aggregator.titles,
        &mut aggregator.codes,
    ] {
        *interner = Interner::default();
        let n_keys = reader.len()?;
        for _ in 0..n_keys {
            interner.intern_key(&read_key(reader, true)?);
        }
        // A key listed twice would shift every id after it.
        if interner.len() != n_keys {
            return Err(reader.corrupt("a key is listed twice"));
        }
    }
    for labels in [&mut aggregator.video_title, &mut aggregator.course_code] {
        for _ in 0..reader.len()? {
            labels.push(reader.u32()?);
        }
    }
    for counts in [&mut aggregator.other_roles, &mut aggregator.dirty_roles] {
        for _ in 0..reader.len()? {
            counts.insert(reader.u32()?, reader.u64()?);
        }
    }
    for stats in [&mut aggregator.learners, &mut aggregator.course_stats] {
        for _ in 0..reader.len()? {
            stats.push(reader.stats()?);
        }
    }
    for counts in [
        &mut aggregator.learner_videos,
        &mut aggregator.course_learners,
    ] {
        let n_pairs = reader.len()?;
        counts.reserve(n_pairs);
        for _ in 0..n_pairs {
            // Written as a plain u64 (not an id, which `Reader::u32` shifts by one).
            let pair = reader.u64()?;
            let count = u32::try_from(reader.u64()?).map_err(|_| reader.corrupt("a pair count"))?;
            counts.insert(pair, count);
        }
    }
    for _ in 0..reader.len()? {
        aggregator
            .course_videos
            .insert(reader.u64()?, reader.stats()?);
    }
    for _ in 0..reader.len()? {
        let day = i32::try_from(reader.i64()?).map_err(|_| reader.corrupt("day out of range"))?;
        aggregator.days.insert(day, reader.stats()?);
    }
    for count in &mut aggregator.histogram {
        *count = reader.i64()?;
    }
    aggregator.totals = reader.stats()?;
    // A key, its update time, ids (a byte each at least), flag and completion.
    let n_events = reader.len_of(16 + 1 + 4 + 1 + 8)?;
    let mut keys = Vec::with_capacity(n_events);
    for _ in 0..n_events {
        let key = reader.u128()?;
        let updated_at = reader.i64()?;
        let contribution = decode_contribution(reader)?;
        let first = if part { reader.u64()? } else { RESTORED };
        keys.push((
            key,
            Kept {
                updated_at,
                contribution,
                first,
            },
        ));
    }
    aggregator.event_keys = EventKeys::default();
    aggregator.event_keys.restore(keys);
    let n_rows = reader.len()?;
    aggregator.by_row.reserve(n_rows);
    for _ in 0..n_rows {
        let hash = reader.u128()?;
        // A saved state keeps only the hash: a later copy of the row is a duplicate and never
        // replaces it. A part keeps what a merge takes back, and where the copy was read.
        let copy = if part {
            FirstCopy {
                contribution: decode_contribution(reader)?,
                first: reader.u64()?,
            }
        } else {
            FirstCopy {
                contribution: Contribution::NOTHING,
                first: RESTORED,
            }
        };
        aggregator.by_row.insert(hash, copy);
    }
    if part && reader.bool()? {
        aggregator.rows = Some(rows::decode(reader)?);
    }
    aggregator.restored = !part;
    aggregator.rows_total = reader.u64()?;
    aggregator.duplicates = reader.u64()?;
    for rule in Rule::ALL {
        aggregator.quality.counts[rule as usize] = reader.u64()?;
        aggregator.quality.applies[rule as usize] = reader.bool()?;
        let mut samples = Vec::new();
        for _ in 0..reader.len()? {
            let source = reader.text()?;
            let row = reader.u64()?;
            let mut values = BTreeMap::new();
            for _ in 0..reader.len()? {
                let column = reader.text()?;
                values.insert(column, reader.optional_text()?);
            }
            samples.push(Sample {
                source,
                row,
                values,
            });
        }
        aggregator.quality.samples[rule as usize] = samples;
    }
    for _ in 0..reader.len()? {
        aggregator.source_names.push(reader.text()?);
    }
    aggregator.filtered_out = reader.u64()?;
    let has_span = reader.bool()?;
    let span = (reader.i64()?, reader.i64()?);
    aggregator.time_span = has_span.then_some(span);
    // Derived from the role texts; the course filter's cache refills itself.
    aggregator.classify_new_roles();
    let consistent = aggregator.learners.len() == aggregator.students.len()
        && aggregator.course_stats.len() == aggregator.courses.len()
        && aggregator.video_title.len() == aggregator.videos.len()
        && aggregator.course_code.len() == aggregator.courses.len();
    if !consistent {
        return Err(reader.corrupt("table sizes disagree with the interned keys"));
    }
    check::check(&aggregator).map_err(|what| reader.corrupt(what))?;
    if let Some(table) = &aggregator.rows {
        rows::check(table, &aggregator).map_err(|what| reader.corrupt(what))?;
    }
    Ok(aggregator)
}
