//! The "Events" section's view model from the engine's event section: the worker builds it once
//! per load or option change, and it crosses to the page beside the dashboard.

use coursepulse_engine::{EventFormat, EventSection};

use crate::worker::protocol::{
    EventLineageView, EventLogView, EventRuleView, EventsView, VideoRetentionView,
};

/// The events view of `section`; `catalogues` are the catalogue files read, with their entries,
/// and `columns` the columns (or JSON paths) of the logs at hand, by name.
pub fn events_view(
    section: &EventSection,
    catalogues: Vec<(String, u64)>,
    columns: &[(String, Vec<String>)],
) -> EventsView {
    let lineage = &section.lineage;
    EventsView {
        lineage: EventLineageView {
            events_read: lineage.events_read,
            events_ignored: lineage.events_ignored,
            duplicate_ids_removed: lineage.duplicate_ids_removed,
            copies_removed: lineage.copies_removed,
            events_replayed: lineage.events_replayed,
            sessions: lineage.sessions,
            segments: lineage.segments,
            pairs: lineage.pairs,
            pairs_without_duration: lineage.pairs_without_duration,
        },
        session_gap_minutes: section.session_gap_minutes,
        logs: section
            .inputs
            .iter()
            .map(|input| EventLogView {
                name: input.name.clone(),
                format: format_name(input.format),
                events: input.events,
                mapping: input.mapping.clone(),
                columns: columns
                    .iter()
                    .find(|(name, _)| *name == input.name)
                    .map(|(_, columns)| columns.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        catalogues,
        rules: section
            .quality
            .iter()
            .map(|rule| EventRuleView {
                id: rule.rule.name().to_owned(),
                description: rule.description.to_owned(),
                count: rule.count,
                samples: rule
                    .samples
                    .iter()
                    .map(|sample| (sample.file.clone(), sample.row, sample.detail.clone()))
                    .collect(),
            })
            .collect(),
        videos: section
            .videos
            .iter()
            .map(|video| VideoRetentionView {
                label: video
                    .video_id
                    .clone()
                    .or_else(|| video.video_title.clone())
                    .unwrap_or_default(),
                title: video.video_title.clone(),
                course: video.course.clone(),
                duration_seconds: video.duration_seconds,
                duration_source: video.duration_source.to_owned(),
                viewers: video.viewers,
                avg_completion: video.avg_completion,
                reached_end: video.reached_end,
                quartiles: [
                    video.quartiles.p25,
                    video.quartiles.p50,
                    video.quartiles.p75,
                    video.quartiles.p100,
                ],
                retention: video.retention.clone(),
                drop_offs: video
                    .drop_offs
                    .iter()
                    .map(|drop| (drop.at_percent, drop.drop))
                    .collect(),
            })
            .collect(),
        notes: section.notes.clone(),
    }
}

/// The columns of each log of `view`, by name: what a rebuilt view keeps.
pub fn log_columns(view: &EventsView) -> Vec<(String, Vec<String>)> {
    view.logs
        .iter()
        .map(|log| (log.name.clone(), log.columns.clone()))
        .collect()
}

fn format_name(format: EventFormat) -> String {
    match format {
        EventFormat::Parquet => "Parquet",
        EventFormat::Csv => "CSV",
        EventFormat::Ndjson => "JSON lines",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use coursepulse_engine::{EventLog, Options};

    #[test]
    fn the_mapping_screen_offers_every_event_field_by_the_engine_name() {
        let offered: Vec<&str> = crate::worker::protocol::EVENT_FIELDS
            .iter()
            .map(|(name, _, _)| *name)
            .collect();
        let engine: Vec<&str> = coursepulse_engine::EventField::ALL
            .iter()
            .map(|field| field.name())
            .collect();
        assert_eq!(offered, engine);
    }

    #[test]
    fn the_view_carries_the_engine_figures() {
        let csv = "user_id,video_id,event_type,timestamp,position,seek_to,duration\n\
                   S1,V1,play,2025-03-01T10:00:00Z,0,,180\n\
                   S1,V1,seek,2025-03-01T10:00:30Z,30,120,180\n\
                   S1,V1,ended,2025-03-01T10:01:30Z,180,,180\n\
                   S2,V1,play,2025-03-01T10:00:00Z,0,,180\n\
                   S2,V1,pause,2025-03-01T10:03:00Z,180,,180\n\
                   S2,V1,wobble,2025-03-01T10:04:00Z,180,,180\n";
        let mut log = EventLog::new(Options::default()).unwrap();
        log.add("e.csv", bytes::Bytes::from(csv), None).unwrap();
        let report = log.report().unwrap();
        let columns = vec![("e.csv".to_owned(), vec!["user_id".to_owned()])];
        let view = events_view(&report.events, vec![("videos.csv".into(), 1)], &columns);
        let log = &view.logs[0];
        assert_eq!(
            (log.name.as_str(), log.format.as_str(), log.events),
            ("e.csv", "CSV", 6)
        );
        assert!(
            log.mapping
                .contains(&("position".to_owned(), "position".to_owned()))
        );
        assert_eq!(log.columns, columns[0].1);
        assert_eq!(view.lineage.events_read, 6);
        assert_eq!(view.lineage.pairs, 2);
        let video = &view.videos[0];
        assert_eq!((video.label.as_str(), video.viewers), ("V1", 2));
        assert_eq!(video.quartiles[1], report.events.videos[0].quartiles.p50);
        assert_eq!(video.retention.len(), 100);
        let unknown = view
            .rules
            .iter()
            .find(|rule| rule.id == "unknown_event_type")
            .unwrap();
        assert_eq!(unknown.count, 1);
        assert_eq!(unknown.samples[0].0, "e.csv");
        assert!(unknown.samples[0].2.contains("wobble"));
    }
}
