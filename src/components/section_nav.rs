//! The sticky section navigation: links to the dashboard's named sections, "Open all" /
//! "Close all" for the collapsed ones, and "Present". Following a link opens its section and
//! puts it in the address (`#learners`), so a link or a reload returns to it.

use leptos::prelude::*;

use crate::components::presentation::use_presentation;
use crate::components::section::use_open_sections;

/// (anchor id, label) of every section, in page order; Data is last (presentation mode shows
/// all but it).
pub const SECTIONS: &[(&str, &str)] = &[
    ("overview", "Overview"),
    ("attention", "Needs attention"),
    ("charts", "Charts"),
    ("learners", "Learners"),
    ("courses", "Courses"),
    ("videos", "Videos"),
    ("quality", "Quality"),
    ("data", "Data"),
];

/// The sections that start collapsed (all but the overview and "Needs attention").
/// "events" is there only for event logs (`EVENTS`).
pub const COLLAPSIBLE: &[&str] = &[
    "charts", "learners", "courses", "videos", "quality", "events", "data",
];

/// The section of event logs: in the navigation (before Data) only when the data is events.
pub const EVENTS: (&str, &str) = ("events", "Events");

/// A `<nav>` that stays at the top of the window while the dashboard scrolls.
#[component]
pub fn SectionNav() -> impl IntoView {
    let sections = use_open_sections();
    let presentation = use_presentation();
    let state = crate::state::use_app_state();
    let has_events = move || {
        state
            .dashboard
            .with(|d| d.as_ref().is_some_and(|d| d.events.is_some()))
    };
    let link = move |id: &'static str, label: &'static str| {
        view! {
            <li>
                <a
                    href=format!("#{id}")
                    data-testid=format!("nav-{id}")
                    // A second click on the link whose section was closed meanwhile changes
                    // no fragment, so no `hashchange`: open it here too.
                    on:click=move |_| {
                        if COLLAPSIBLE.contains(&id) {
                            sections.open(id);
                        }
                    }
                >
                    {label}
                </a>
            </li>
        }
    };
    let links = SECTIONS
        .iter()
        .map(|&(id, label)| {
            let events = (id == "data").then(|| {
                view! { <Show when=has_events>{link(EVENTS.0, EVENTS.1)}</Show> }
            });
            view! { {events} {link(id, label)} }
        })
        .collect::<Vec<_>>();
    // Every section on the page is open (the events section is there only for event logs).
    let all_open = move || {
        let present = COLLAPSIBLE.len() - usize::from(!has_events());
        let open = sections.count() - usize::from(!has_events() && sections.is_open(EVENTS.0));
        open >= present
    };
    view! {
        <nav class="section-nav" aria-label="Dashboard sections" data-testid="section-nav">
            <ul>{links}</ul>
            <div class="nav-actions">
                <button
                    class="secondary"
                    data-testid="toggle-sections"
                    on:click=move |_| {
                        sections.set(if all_open() { Vec::new() } else { COLLAPSIBLE.to_vec() });
                    }
                >
                    {move || if all_open() { "Close all" } else { "Open all" }}
                </button>
                <button
                    class="secondary"
                    data-testid="present-start"
                    title="Full screen, one section at a time; arrow keys to move, Esc to end"
                    on:click=move |_| presentation.start()
                >
                    "Present"
                </button>
            </div>
        </nav>
    }
}
