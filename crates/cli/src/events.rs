//! Event logs on the command line: deciding that the inputs are player events, reading them
//! (with a `--videos` catalogue) through the engine's `EventLog`, and the event section of the
//! table output.

use std::fmt::Write;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use coursepulse_engine::{EventLog, EventSection, ParquetFile};

use crate::file_reader::SharedFile;
use crate::inputs::Input;
use crate::table::Table;
use crate::{ReportArgs, shown};

/// Whether the input is an event log: the engine's decision ([`coursepulse_engine::is_event_input`],
/// which the web app shares) over the file's first bytes and, for Parquet, its schema.
pub fn is_event_log(input: &Input) -> Result<bool> {
    let file = SharedFile::open(&input.path)
        .with_context(|| format!("cannot read {}", shown::path(&input.path)))?;
    let head = file
        .head(coursepulse_engine::EVENT_SNIFF_BYTES)
        .with_context(|| format!("cannot read {}", shown::path(&input.path)))?;
    coursepulse_engine::is_event_input(&input.name, &head, || {
        Ok(ParquetFile::open(&input.name, file)
            .map_err(|error| input.engine_error(error))?
            .schema()
            .fields()
            .iter()
            .map(|field| field.name().clone())
            .collect())
    })
}

/// The log to add to, as the report's arguments say: the one saved in `--state` when that file
/// exists, else a new one; with the `--videos` catalogue read into it, the session gap and the
/// `--map` of event fields.
pub fn open_log(args: &ReportArgs) -> Result<EventLog> {
    let options = crate::options_without_mapping(args)?;
    let mut log = match &args.state {
        Some(path) if path.exists() => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read {}", shown::path(path)))?;
            EventLog::load_state(&bytes, options).with_context(|| {
                format!(
                    "cannot continue from {} (delete it to start afresh)",
                    shown::path(path)
                )
            })?
        }
        _ => EventLog::new(options)?,
    };
    log.set_session_gap(args.session_gap)?;
    log.set_mapping(crate::event_mapping(args)?)?;
    if let Some(path) = &args.videos {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", shown::path(path)))?;
        log.add_catalogue(&path.display().to_string(), &bytes)
            .with_context(|| format!("{} is not a usable video catalogue", shown::path(path)))?;
    }
    Ok(log)
}

/// Reads `inputs` into `log`; an input that is not an event log is an error unless `forced`.
pub fn add_logs(log: &mut EventLog, inputs: &[Input], forced: bool) -> Result<()> {
    for input in inputs {
        if !forced && !is_event_log(input)? {
            bail!(
                "{} (if it is an event log whose columns are named otherwise, give --events and \
                 name them with --map FIELD=COLUMN)",
                coursepulse_engine::not_an_event_log(&shown::path(&input.path))
            );
        }
        let bytes = Bytes::from(
            std::fs::read(&input.path)
                .with_context(|| format!("cannot read {}", shown::path(&input.path)))?,
        );
        log.add(&input.name, bytes, None)
            .map_err(|error| input.engine_error(error))?;
    }
    Ok(())
}

/// The event section as text: lineage, retention per video, event quality rules.
pub fn table(section: &EventSection) -> String {
    let mut out = String::new();
    let lineage = &section.lineage;
    let _ = writeln!(
        out,
        "\nEvents: {} read, {} ignored, {} duplicate ids and {} copies removed, {} replayed -> {} sessions -> {} segments -> {} pairs ({} without a duration); sessions end after {} min idle",
        lineage.events_read,
        lineage.events_ignored,
        lineage.duplicate_ids_removed,
        lineage.copies_removed,
        lineage.events_replayed,
        lineage.sessions,
        lineage.segments,
        lineage.pairs,
        lineage.pairs_without_duration,
        section.session_gap_minutes
    );
    let _ = writeln!(
        out,
        "\nRetention per video (share of viewers at 25/50/75/100% completion; watched at 10%..90% of the video; steepest drop-offs)"
    );
    let mut videos = Table::new(&[
        ("video", false),
        ("course", false),
        ("duration s", true),
        ("viewers", true),
        ("avg %", true),
        ("q25", true),
        ("q50", true),
        ("q75", true),
        ("q100", true),
        ("at 10..90%", false),
        ("drop-offs", false),
    ]);
    for video in &section.videos {
        let name = video
            .video_id
            .clone()
            .or_else(|| video.video_title.clone())
            .unwrap_or_default();
        let curve: Vec<String> = (1..10)
            .filter_map(|tenth| {
                video
                    .retention
                    .get(tenth * 10)
                    .map(|share| format!("{share:.0}"))
            })
            .collect();
        let drops: Vec<String> = video
            .drop_offs
            .iter()
            .map(|drop| format!("{}%: -{:.1}", drop.at_percent, drop.drop))
            .collect();
        let quartiles = &video.quartiles;
        videos.row(vec![
            name,
            video.course.clone().unwrap_or_default(),
            video
                .duration_seconds
                .map_or("-".to_owned(), |duration| format!("{duration:.1}")),
            video.viewers.to_string(),
            video
                .avg_completion
                .map_or("-".to_owned(), |value| format!("{value:.2}")),
            format!("{:.1}", quartiles.p25),
            format!("{:.1}", quartiles.p50),
            format!("{:.1}", quartiles.p75),
            format!("{:.1}", quartiles.p100),
            curve.join(" "),
            drops.join(", "),
        ]);
    }
    videos.render(&mut out);
    let _ = writeln!(out, "\nEvent quality");
    let mut rules = Table::new(&[("rule", false), ("count", true), ("first sample", false)]);
    for rule in &section.quality {
        let sample = rule
            .samples
            .first()
            .map(|sample| {
                if sample.row == 0 {
                    sample.detail.clone()
                } else {
                    format!("{} row {}: {}", sample.file, sample.row, sample.detail)
                }
            })
            .unwrap_or_default();
        rules.row(vec![
            rule.rule.name().to_owned(),
            rule.count.to_string(),
            sample,
        ]);
    }
    rules.render(&mut out);
    for note in &section.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}
