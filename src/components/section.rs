//! A named dashboard section that the reader opens: a `<details>` whose summary line says what
//! is inside, so the collapsed dashboard reads as a table of contents under the overview. Which
//! sections are open is one app-wide list ([`OpenSections`]): the navigation, "Open all" and
//! presentation mode open them, and the last one opened is put in the address (`#learners`), so
//! a link or a reload opens it again.

use leptos::prelude::*;

use crate::components::presentation::Presentation;

/// The ids of the open sections, shared by the sections, the navigation and presentation mode.
#[derive(Clone, Copy)]
pub struct OpenSections(RwSignal<Vec<&'static str>>);

impl OpenSections {
    /// A fresh list with the section the address names (if any) open, provided as context.
    pub fn provide(ids: &[&'static str]) -> OpenSections {
        let hash = location_hash();
        let first: Vec<&'static str> = ids
            .iter()
            .copied()
            .filter(|id| hash.strip_prefix('#') == Some(*id))
            .collect();
        let sections = OpenSections(RwSignal::new(first));
        provide_context(sections);
        // Following a link to a section (the navigation, the trust badge) opens it.
        let known = ids.to_vec();
        let _ = window_event_listener(leptos::ev::hashchange, move |_| {
            let hash = location_hash();
            if let Some(id) = known.iter().find(|id| hash.strip_prefix('#') == Some(**id)) {
                sections.open(id);
            }
        });
        sections
    }

    /// Whether `id` is open.
    pub fn is_open(self, id: &str) -> bool {
        self.0.with(|open| open.contains(&id))
    }

    /// Opens `id` (a no-op when it is open).
    pub fn open(self, id: &'static str) {
        if !self.0.with_untracked(|open| open.contains(&id)) {
            self.0.update(|open| open.push(id));
        }
    }

    /// Closes `id`.
    pub fn close(self, id: &str) {
        if self.0.with_untracked(|open| open.contains(&id)) {
            self.0.update(|open| open.retain(|known| *known != id));
        }
    }

    /// Opens exactly `ids`, closing the rest.
    pub fn set(self, ids: Vec<&'static str>) {
        self.0.set(ids);
    }

    /// How many sections are open.
    pub fn count(self) -> usize {
        self.0.with(Vec::len)
    }
}

/// The sections' shared list, from context.
pub fn use_open_sections() -> OpenSections {
    expect_context::<OpenSections>()
}

/// A collapsed section: `title` and a one-line `teaser` in the summary, `children` inside.
#[component]
pub fn Section(
    id: &'static str,
    title: &'static str,
    #[prop(into)] teaser: Signal<String>,
    children: Children,
) -> impl IntoView {
    let sections = use_open_sections();
    // In presentation mode the section on screen is marked (the embed has no presentation).
    let presentation = use_context::<Presentation>();
    let presented =
        move || presentation.is_some_and(|presentation| presentation.current_id() == Some(id));
    view! {
        <details
            class="section"
            class:presented=presented
            id=id
            data-testid=format!("section-{id}")
            prop:open=move || sections.is_open(id)
            on:toggle=move |event| {
                let details: web_sys::HtmlDetailsElement = event_target(&event);
                if details.open() {
                    if !sections.0.with_untracked(|open| open.contains(&id)) {
                        // Opened by the reader: the address remembers it.
                        remember_in_address(id);
                    }
                    sections.open(id);
                } else {
                    sections.close(id);
                }
            }
        >
            <summary data-testid=format!("section-{id}-summary")>
                // The section's heading: the panels inside leave out a heading that repeats it.
                <h2 class="section-title">{title}</h2>
                <span class="section-teaser hint">{move || teaser.get()}</span>
            </summary>
            <div class="section-body">{children()}</div>
        </details>
    }
}

/// The address's fragment (`#data`), or nothing.
pub fn location_hash() -> String {
    #[cfg(target_arch = "wasm32")]
    return window().location().hash().unwrap_or_default();
    #[cfg(not(target_arch = "wasm32"))]
    String::new()
}

/// Puts `#id` in the address without scrolling or a history entry.
fn remember_in_address(id: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Ok(history) = window().history() {
        let location = window().location();
        let url = format!(
            "{}{}#{id}",
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default()
        );
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}
