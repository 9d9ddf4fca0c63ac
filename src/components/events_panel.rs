//! The "Events" section of a dashboard read from player event logs: where the events went
//! (events → sessions → segments → pairs), a video picker with the video's audience retention
//! and completion quartiles, the event quality rules with their offending rows, and the logs
//! and catalogues read.

use leptos::prelude::*;

use crate::components::charts::retention_chart::RetentionChart;
use crate::format;
use crate::state::use_app_state;
use crate::worker::protocol::{EventRuleView, EventsView, MappingHelp, VideoRetentionView};

/// The Events section's panels (nothing without event logs).
#[component]
pub fn EventsPanel() -> impl IntoView {
    let state = use_app_state();
    let events = Memo::new(move |_| {
        state
            .dashboard
            .with(|dashboard| dashboard.as_ref().and_then(|d| d.events.clone()))
    });
    // The picked video, by its index in the list; the first until the reader picks one.
    let picked = RwSignal::new(0usize);
    let video = Signal::derive(move || {
        events.with(|events| {
            let videos = &events.as_ref()?.videos;
            videos.get(picked.get()).or(videos.first()).cloned()
        })
    });
    move || {
        events.get().map(|events| {
            let options = events
                .videos
                .iter()
                .enumerate()
                .map(|(index, video)| {
                    view! {
                        <option value=index.to_string() selected=move || picked.get() == index>
                            {video_name(video)}
                        </option>
                    }
                })
                .collect::<Vec<_>>();
            view! {
                <section class="panel" data-testid="panel-events">
                    <h3>"Where the events went"</h3>
                    <Lineage events=events.clone()/>
                    <h3>"Audience retention"</h3>
                    <label class="event-picker">
                        <span>"Video"</span>
                        <select
                            data-testid="event-video-picker"
                            on:change=move |event| {
                                picked.set(event_target_value(&event).parse().unwrap_or(0));
                            }
                        >
                            {options}
                        </select>
                    </label>
                    {move || video.get().map(|video| view! { <VideoFigures video/> })}
                    <RetentionChart video/>
                    <h3>"Event quality"</h3>
                    <EventRules rules=events.rules.clone()/>
                    <Logs events/>
                </section>
            }
        })
    }
}

/// "V017 · Intro to sets (CSC101)".
fn video_name(video: &VideoRetentionView) -> String {
    let mut name = video.label.clone();
    if let Some(title) = video.title.as_ref().filter(|title| **title != video.label) {
        name = format!("{name} · {title}");
    }
    if let Some(course) = &video.course {
        name = format!("{name} ({course})");
    }
    name
}

/// Events → sessions → segments → pairs, with what was left out on the way.
#[component]
fn Lineage(events: EventsView) -> impl IntoView {
    let lineage = events.lineage;
    let step = |value: u64, what: &'static str, testid: &'static str| {
        view! {
            <li data-testid=testid data-value=value.to_string()>
                <strong>{format::int(value)}</strong>" "{what}
            </li>
        }
    };
    view! {
        <ol class="event-lineage" data-testid="event-lineage">
            {step(lineage.events_read, "events read", "lineage-events")}
            {step(lineage.events_replayed, "events replayed", "lineage-replayed")}
            {step(lineage.sessions, "sessions", "lineage-sessions")}
            {step(lineage.segments, "watched segments", "lineage-segments")}
            {step(lineage.pairs, "learner–video pairs", "lineage-pairs")}
        </ol>
        <p class="hint">
            {format!(
                "Left out before the replay: {} events ignored (unknown type, or no learner, video \
                 or time), {} with an event id seen before, {} exact copies. A session ends after \
                 {} minutes without events. Each learner–video pair is one row of every other \
                 section, with its completion: the share of the video its watched segments cover \
                 together (seeking to the end is not watching it). {} pairs are of videos without \
                 a duration.",
                format::int(lineage.events_ignored),
                format::int(lineage.duplicate_ids_removed),
                format::int(lineage.copies_removed),
                events.session_gap_minutes,
                format::int(lineage.pairs_without_duration),
            )}
        </p>
    }
}

/// The picked video's figures and completion quartiles.
#[component]
fn VideoFigures(video: VideoRetentionView) -> impl IntoView {
    let duration = match video.duration_seconds {
        Some(seconds) => format!("{seconds:.0} s (from the {})", video.duration_source),
        None => "unknown".to_owned(),
    };
    let quartiles = [25, 50, 75, 100]
        .into_iter()
        .zip(video.quartiles)
        .map(|(at, share)| {
            view! {
                <div class="quartile" data-testid=format!("event-quartile-{at}") data-value=format!("{share:.4}")>
                    <span class="quartile-label">{format!("reached {at} %")}</span>
                    <strong>{format::percent(Some(share))}</strong>
                    <span class="quartile-bar" aria-hidden="true">
                        <span style:width=format!("{:.1}%", share.clamp(0.0, 100.0))></span>
                    </span>
                </div>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <p class="hint" data-testid="event-video-figures" data-viewers=video.viewers.to_string()>
            {format!(
                "{} viewers, average completion {}, {} reached the end; duration {duration}.",
                format::int(video.viewers),
                format::percent(video.avg_completion),
                format::int(video.reached_end),
            )}
        </p>
        <div class="quartiles" role="group" aria-label="Share of viewers who watched at least a quarter, half, three quarters and all of the video">
            {quartiles}
        </div>
    }
}

/// Every event rule: what it checks in plain words, its id, the count, and its offending rows.
#[component]
fn EventRules(rules: Vec<EventRuleView>) -> impl IntoView {
    let rows = rules
        .into_iter()
        .map(|rule| {
            let status = if rule.count == 0 { "pass" } else { "warn" };
            let samples = (!rule.samples.is_empty()).then(|| {
                let items = rule
                    .samples
                    .iter()
                    .map(|(file, row, detail)| {
                        let place = if *row == 0 {
                            String::new()
                        } else {
                            format!("{file} row {row}: ")
                        };
                        view! { <li>{format!("{place}{detail}")}</li> }
                    })
                    .collect::<Vec<_>>();
                view! {
                    <details class="event-samples">
                        <summary>{format!("Offending rows ({} shown)", rule.samples.len())}</summary>
                        <ul data-testid="event-rule-samples">{items}</ul>
                    </details>
                }
            });
            view! {
                <tr data-testid="event-rule" data-rule=rule.id.clone() data-count=rule.count.to_string()>
                    <td><span class=format!("badge {status}")>{if rule.count == 0 { "passed" } else { "found" }}</span></td>
                    <td>
                        <div><strong>{rule.description.clone()}</strong>" "<code class="rule-id">{rule.id.clone()}</code></div>
                        {samples}
                    </td>
                    <td class="numeric">{format::int(rule.count)}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        // Ten rules at most: the table grows with the page (on a phone too) and only scrolls
        // sideways, never inside a box of its own.
        <div class="scroll-x" tabindex="0" role="region" aria-label="Event quality rules">
            <table data-testid="event-rules">
                <caption class="visually-hidden">"Event quality rules"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Rule"</th>
                        <th scope="col" class="numeric">"Found"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The logs and catalogues read, and the engine's notes.
#[component]
fn Logs(events: EventsView) -> impl IntoView {
    let state = use_app_state();
    let logs = events
        .logs
        .iter()
        .map(|log| {
            let mapping = log
                .mapping
                .iter()
                .map(|(field, column)| format!("{field} ← {column}"))
                .collect::<Vec<_>>()
                .join(", ");
            // The log must be at hand to read it again (not a dashboard restored from storage).
            let help = (!log.columns.is_empty()).then(|| MappingHelp {
                source: log.name.clone(),
                columns: log.columns.clone(),
                events: true,
            });
            view! {
                <li>
                    <strong>{log.name.clone()}</strong>
                    {format!(" · {} · {} events", log.format, format::int(log.events))}
                    <div class="hint" data-testid="event-log-mapping">{mapping}</div>
                    {help.map(|help| view! {
                        <button
                            class="secondary"
                            data-testid="adjust-event-mapping"
                            on:click=move |_| state.mapping_help.set(Some(help.clone()))
                        >
                            "Adjust event fields"
                        </button>
                    })}
                </li>
            }
        })
        .collect::<Vec<_>>();
    let catalogues = if events.catalogues.is_empty() {
        "No video catalogue: durations come from the events. Drop a videos.csv (columns video, \
         duration, and optionally course and title) with the logs to give them."
            .to_owned()
    } else {
        events
            .catalogues
            .iter()
            .map(|(name, entries)| {
                format!(
                    "Video catalogue {name}: {} videos (recognised by its duration and video \
                     columns; its durations win over the events').",
                    format::int(*entries)
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let notes = events
        .notes
        .iter()
        .map(|note| view! { <li>{note.clone()}</li> })
        .collect::<Vec<_>>();
    view! {
        <h3>"Event logs"</h3>
        <ul class="sources" data-testid="event-logs">{logs}</ul>
        <p class="hint" data-testid="event-catalogue">{catalogues}</p>
        <ul class="notes">{notes}</ul>
    }
}
