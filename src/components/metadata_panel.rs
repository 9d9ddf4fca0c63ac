//! The metadata panel: what a data steward checks before trusting a number. Every input file
//! (size, content hash, row groups, codecs, writer, schema with descriptions) and, for each
//! metric family, the rows that went in, what each step dropped, and the rows used.

use leptos::prelude::*;

use crate::format;
use crate::state::use_app_state;
use crate::worker::protocol::{FileView, LineageView, MetadataView};

/// The panel, below the quality rules.
#[component]
pub fn MetadataPanel() -> impl IntoView {
    let state = use_app_state();
    let metadata = move || {
        state.dashboard.with(|dashboard| {
            dashboard
                .as_ref()
                .map(|dashboard| dashboard.metadata.clone())
        })
    };
    move || {
        metadata().map(|metadata| {
            view! {
                <section class="panel" data-testid="panel-metadata">
                    <h2>"Metadata and lineage"</h2>
                    <LineageTable metadata=metadata.clone()/>
                    <h3>"Files"</h3>
                    <FilesTable files=metadata.files/>
                </section>
            }
        })
    }
}

/// What a lineage step means, for the row heading.
fn step_label(step: &str) -> &str {
    match step {
        "pruned" => "Skipped unread (outside the date range)",
        "filtered_out" => "Outside the course or date filter",
        "duplicates_removed" => "Duplicate copies removed",
        "non_student" => "Not a student",
        "invalid_completion" => "Completion missing or invalid",
        "no_learner_id" => "No learner id",
        "no_video" => "No video",
        "no_course" => "No course",
        other => other,
    }
}

fn metric_label(metric: &str) -> &str {
    match metric {
        "learner_views" => "Videos watched",
        "learner_averages" => "Learner averages",
        "video_averages" => "Video averages",
        "course_averages" => "Course averages",
        other => other,
    }
}

/// One column per metric family, one row per step: rows in, minus each step, equals rows used.
#[component]
fn LineageTable(metadata: MetadataView) -> impl IntoView {
    let families = metadata.lineage;
    // Every step any family lists, in the order they first appear (the pipeline's order).
    let mut steps: Vec<String> = Vec::new();
    for family in &families {
        for (step, _) in &family.steps {
            if !steps.contains(step) {
                steps.push(step.clone());
            }
        }
    }
    let header = families
        .iter()
        .map(|family| {
            view! {
                <th class="numeric" title=family.description.clone()>
                    {metric_label(&family.metric).to_owned()}
                </th>
            }
        })
        .collect::<Vec<_>>();
    let cells = |value: &dyn Fn(&LineageView) -> String| {
        families
            .iter()
            .map(|family| view! { <td class="numeric">{value(family)}</td> })
            .collect::<Vec<_>>()
    };
    let rows_in = cells(&|family| format::int(family.rows_in));
    let step_rows = steps
        .iter()
        .map(|step| {
            let dropped = cells(&|family| {
                let rows = family
                    .steps
                    .iter()
                    .find(|(name, _)| name == step)
                    .map(|(_, rows)| *rows);
                // A step that dropped nothing reads "0", not "−0".
                rows.map(|rows| {
                    if rows == 0 {
                        "0".to_owned()
                    } else {
                        format!("−{}", format::int(rows))
                    }
                })
                .unwrap_or_else(|| "—".to_owned())
            });
            view! {
                <tr data-testid=format!("lineage-{step}")>
                    <th scope="row">{step_label(step).to_owned()}</th>
                    {dropped}
                </tr>
            }
        })
        .collect::<Vec<_>>();
    let rows_used = cells(&|family| format::int(family.rows_used));
    view! {
        <div class="scroll-x" data-testid="lineage-scroll" tabindex="0" role="region" aria-label="Lineage">
        <table class="lineage" data-testid="lineage">
            <thead>
                <tr><th>"Rows"</th>{header}</tr>
            </thead>
            <tbody>
                <tr data-testid="lineage-rows-in"><th scope="row">"In (every input row)"</th>{rows_in}</tr>
                {step_rows}
                <tr class="total" data-testid="lineage-rows-used"><th scope="row">"Used for the figures"</th>{rows_used}</tr>
            </tbody>
        </table>
        </div>
    }
}

/// One row per file; its schema opens beneath it.
#[component]
fn FilesTable(files: Vec<FileView>) -> impl IntoView {
    let rows = files
        .into_iter()
        .map(|file| {
            let columns = file
                .columns
                .iter()
                .map(|(name, data_type, description)| {
                    view! {
                        <tr>
                            <td>{name.clone()}</td>
                            <td>{data_type.clone()}</td>
                            <td>{description.clone().unwrap_or_else(|| "—".to_owned())}</td>
                        </tr>
                    }
                })
                .collect::<Vec<_>>();
            let short_hash = file.fingerprint.chars().take(12).collect::<String>();
            let codecs = if file.compression.is_empty() {
                "—".to_owned()
            } else {
                file.compression.join(", ")
            };
            view! {
                <li data-testid="metadata-file">
                    <details>
                        <summary>
                            <strong>{file.name.clone()}</strong>
                            {format!(
                                " · {} · {} · {} rows · {} row groups · {codecs}",
                                file.format,
                                format::bytes(file.size),
                                format::int(file.rows),
                                file.row_groups,
                            )}
                            <span class="hint" title=file.fingerprint.clone()>
                                {format!(" · hash {short_hash}…")}
                            </span>
                        </summary>
                        <p class="hint">
                            {format!(
                                "Written by {}. Content hash {}.",
                                file.created_by.clone().unwrap_or_else(|| "an unnamed writer".to_owned()),
                                file.fingerprint,
                            )}
                        </p>
                        <div class="scroll-x" tabindex="0" role="region" aria-label="Columns">
                        <table class="schema">
                            <thead><tr><th>"Column"</th><th>"Type"</th><th>"Description"</th></tr></thead>
                            <tbody>{columns}</tbody>
                        </table>
                        </div>
                    </details>
                </li>
            }
        })
        .collect::<Vec<_>>();
    view! { <ul class="sources metadata-files">{rows}</ul> }
}
