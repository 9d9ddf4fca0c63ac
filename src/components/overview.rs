//! The summary at the top of the dashboard: the headline completion with its distribution,
//! learners, videos and courses, a data-trust badge linking to the quality rules, and a note
//! when the completion scale looks wrong (the scale check), with the way to switch it.

use leptos::prelude::*;

use crate::components::period_comparison::PeriodComparison;
use crate::format;
use crate::state::use_app_state;
use crate::worker::protocol::{Bin, Dashboard, MappingHelp};

/// The first thing on the dashboard: how well videos are completed, and can the data be trusted.
#[component]
pub fn Overview() -> impl IntoView {
    let state = use_app_state();
    move || {
        state.dashboard.with(|dashboard| {
            dashboard.as_ref().map(|dashboard| {
                let cards = &dashboard.cards;
                let (passed, warned, failed) = rule_counts(dashboard);
                let (trust, tone) = if failed > 0 {
                    ("Check the data before using these figures", "bad")
                } else if warned > 0 {
                    ("Usable, with warnings", "warn")
                } else {
                    ("All quality rules passed", "good")
                };
                let quartiles = quartiles(&dashboard.histogram);
                let spread = quartiles.map(|[q1, median, q3]| {
                    format!(
                        "Half of all learner-video completions lie between {q1:.0} % and {q3:.0} % \
                         (median {median:.0} %)."
                    )
                });
                view! {
                    <section class="panel overview" id="overview" data-testid="overview" aria-labelledby="overview-title">
                        <h2 id="overview-title">"Overview"</h2>
                        <div class="overview-grid">
                            <div class="headline">
                                <div class="headline-label">"Mean video completion"</div>
                                <div class="headline-value" data-testid="overview-mean">
                                    {format::percent(cards.mean_completion)}
                                </div>
                                <MiniDistribution bins=dashboard.histogram.clone()/>
                                <p class="hint" data-testid="overview-spread">{spread}</p>
                            </div>
                            <dl class="overview-counts">
                                <div><dt>"Learners"</dt><dd data-testid="overview-learners">{format::int(cards.learners)}</dd></div>
                                <div><dt>"Videos"</dt><dd data-testid="overview-videos">{format::int(cards.videos)}</dd></div>
                                <div><dt>"Courses"</dt><dd data-testid="overview-courses">{format::int(cards.courses)}</dd></div>
                            </dl>
                            <a class=format!("trust {tone}") href="#quality" data-testid="trust-badge">
                                <strong>{trust}</strong>
                                <span>{format!("{passed} passed · {warned} warned · {failed} failed")}</span>
                                <span class="hint">"See the quality rules"</span>
                            </a>
                        </div>
                        {scale_note(dashboard)}
                        <PeriodComparison/>
                    </section>
                }
            })
        })
    }
}

/// The scale check's findings when it warned: the figures above may be a hundredfold off.
pub fn scale_findings(dashboard: &Dashboard) -> Vec<String> {
    dashboard
        .quality
        .iter()
        .filter(|rule| rule.name == "completion_scale" && rule.status == "warn")
        .flat_map(|rule| {
            rule.details
                .iter()
                .filter_map(|(finding, _)| finding.clone())
        })
        .collect()
}

fn scale_note(dashboard: &Dashboard) -> Option<AnyView> {
    let findings = scale_findings(dashboard);
    (!findings.is_empty()).then(|| {
        let state = use_app_state();
        // The mapping screen of the first input named; a restored dataset holds totals, not
        // rows, so a new scale needs the files again.
        let help = dashboard
            .sources
            .iter()
            .find(|source| {
                findings
                    .iter()
                    .any(|finding| finding.starts_with(&format!("{}: ", source.name)))
            })
            .filter(|_| dashboard.restored.is_none())
            .map(|source| MappingHelp {
                source: source.name.clone(),
                columns: source.columns.clone(),
                events: false,
            });
        view! {
            <div class="scale-note" role="note" data-testid="scale-note">
                <strong>"The completion scale may be wrong, so the figures may be a hundredfold off."</strong>
                <ul>{findings.into_iter().map(|finding| view! { <li>{finding}</li> }).collect::<Vec<_>>()}</ul>
                {help.map(|help| view! {
                    <button
                        class="secondary"
                        data-testid="scale-note-fix"
                        on:click=move |_| state.mapping_help.set(Some(help.clone()))
                    >
                        "Check the completion scale"
                    </button>
                })}
            </div>
        }
        .into_any()
    })
}

/// The distribution as a strip of bars (decorative: the histogram chart has the figures).
#[component]
fn MiniDistribution(bins: Vec<Bin>) -> impl IntoView {
    let most = bins.iter().map(|bin| bin.count).max().unwrap_or(0).max(1);
    let bars = bins
        .iter()
        .map(|bin| {
            let height = (bin.count as f64 / most as f64 * 100.0).max(2.0);
            view! { <span class="mini-bar" style:height=format!("{height:.0}%")></span> }
        })
        .collect::<Vec<_>>();
    view! {
        <div class="mini-distribution" aria-hidden="true">{bars}</div>
        <div class="mini-axis" aria-hidden="true"><span>"0 %"</span><span>"50 %"</span><span>"100 %"</span></div>
    }
}

/// Rules passed, warned and failed (built-in and dbt).
pub fn rule_counts(dashboard: &Dashboard) -> (usize, usize, usize) {
    let statuses = dashboard
        .quality
        .iter()
        .map(|rule| rule.status.as_str())
        .chain(dashboard.dbt.iter().map(|rule| rule.status.as_str()));
    let (mut passed, mut warned, mut failed) = (0, 0, 0);
    for status in statuses {
        match status {
            "pass" => passed += 1,
            "warn" => warned += 1,
            "fail" => failed += 1,
            _ => {}
        }
    }
    (passed, warned, failed)
}

/// The 25th, 50th and 75th percentiles of the histogram's values, interpolated inside a bin.
pub fn quartiles(bins: &[Bin]) -> Option<[f64; 3]> {
    let total: u64 = bins.iter().map(|bin| bin.count).sum();
    if total == 0 {
        return None;
    }
    let at = |share: f64| {
        let target = share * total as f64;
        let mut below = 0.0;
        for bin in bins {
            let count = bin.count as f64;
            if count > 0.0 && below + count >= target {
                return bin.from + (bin.to - bin.from) * ((target - below) / count);
            }
            below += count;
        }
        bins.last().map_or(0.0, |bin| bin.to)
    };
    Some([at(0.25), at(0.5), at(0.75)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bins(counts: &[u64]) -> Vec<Bin> {
        let width = 100.0 / counts.len() as f64;
        counts
            .iter()
            .enumerate()
            .map(|(index, &count)| Bin {
                from: index as f64 * width,
                to: (index + 1) as f64 * width,
                count,
            })
            .collect()
    }

    #[test]
    fn quartiles_of_an_even_spread_are_25_50_75() {
        assert_eq!(quartiles(&bins(&[1, 1, 1, 1])), Some([25.0, 50.0, 75.0]));
    }

    #[test]
    fn quartiles_of_one_full_bin_interpolate_inside_it() {
        assert_eq!(quartiles(&bins(&[0, 4, 0, 0])), Some([31.25, 37.5, 43.75]));
    }

    #[test]
    fn quartiles_of_no_values_are_none() {
        assert_eq!(quartiles(&bins(&[0, 0])), None);
    }
}
