//! The sticky section navigation: links to the dashboard's named sections. Following one puts
//! the section in the address (`#learners`), so a link or a reload returns to it.

use leptos::prelude::*;

/// (anchor id, label) of every section, in page order.
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

/// A `<nav>` that stays at the top of the window while the dashboard scrolls.
#[component]
pub fn SectionNav() -> impl IntoView {
    let links = SECTIONS
        .iter()
        .map(|(id, label)| {
            view! { <li><a href=format!("#{id}") data-testid=format!("nav-{id}")>{*label}</a></li> }
        })
        .collect::<Vec<_>>();
    view! {
        <nav class="section-nav" aria-label="Dashboard sections" data-testid="section-nav">
            <ul>{links}</ul>
        </nav>
    }
}
