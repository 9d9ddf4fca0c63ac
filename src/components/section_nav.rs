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
pub const COLLAPSIBLE: &[&str] = &["charts", "learners", "courses", "videos", "quality", "data"];

/// A `<nav>` that stays at the top of the window while the dashboard scrolls.
#[component]
pub fn SectionNav() -> impl IntoView {
    let sections = use_open_sections();
    let presentation = use_presentation();
    let links = SECTIONS
        .iter()
        .map(|&(id, label)| {
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
        })
        .collect::<Vec<_>>();
    let all_open = move || sections.count() >= COLLAPSIBLE.len();
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
