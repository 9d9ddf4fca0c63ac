//! Presentation mode, for the stakeholder demo: the dashboard full screen, in large type, one
//! section per screen. Arrow keys, Page Up/Down and Space move between sections, Home and End
//! go to the first and last, Escape (or leaving full screen) ends it. The bar at the bottom
//! says where you are and is announced to screen readers.

use leptos::prelude::*;

use crate::components::section::OpenSections;
use crate::components::section_nav::SECTIONS;

/// The sections shown one at a time, in order: (anchor id, label), the navigation's sections
/// but the last, the Data section's file internals.
pub const SLIDES: &[(&str, &str)] = SECTIONS.split_at(SECTIONS.len() - 1).0;

/// Which slide is shown, if presenting; provided by the dashboard.
#[derive(Clone, Copy)]
pub struct Presentation {
    current: RwSignal<Option<usize>>,
    sections: OpenSections,
}

impl Presentation {
    /// A presentation that is not running, provided as context.
    pub fn provide(sections: OpenSections) -> Presentation {
        let presentation = Presentation {
            current: RwSignal::new(None),
            sections,
        };
        provide_context(presentation);
        let _ = window_event_listener(leptos::ev::keydown, move |event| {
            if presentation.current.get_untracked().is_some() && presentation.key(&event.key()) {
                event.prevent_default();
            }
        });
        // Leaving full screen (the browser's own Escape) ends the presentation too.
        let _ = window_event_listener(leptos::ev::fullscreenchange, move |_| {
            if !is_fullscreen() && presentation.current.get_untracked().is_some() {
                presentation.stop();
            }
        });
        presentation
    }

    /// Whether the dashboard is being presented.
    pub fn running(self) -> bool {
        self.current.with(Option::is_some)
    }

    /// The id of the section on screen, if presenting.
    pub fn current_id(self) -> Option<&'static str> {
        self.current
            .get()
            .and_then(|index| SLIDES.get(index))
            .map(|(id, _)| *id)
    }

    /// "3 of 7: Learners".
    pub fn position(self) -> String {
        self.current
            .get()
            .and_then(|index| SLIDES.get(index).map(|(_, label)| (index, label)))
            .map(|(index, label)| format!("{} of {}: {label}", index + 1, SLIDES.len()))
            .unwrap_or_default()
    }

    /// Starts at the first section, full screen when the browser allows it.
    pub fn start(self) {
        request_fullscreen();
        self.go(0);
    }

    /// Ends the presentation; the page is as it was, at the section last shown.
    pub fn stop(self) {
        let last = self.current_id();
        self.current.set(None);
        if is_fullscreen() {
            exit_fullscreen();
        }
        if let Some(id) = last {
            focus_section(id);
        }
    }

    /// Shows slide `index` (clamped), opening it if it is a collapsed section.
    pub fn go(self, index: usize) {
        let index = index.min(SLIDES.len() - 1);
        let id = SLIDES[index].0;
        self.sections.open(id);
        self.current.set(Some(index));
        focus_section(id);
    }

    /// Handles a key while presenting; true when it was one of ours.
    fn key(self, key: &str) -> bool {
        let Some(index) = self.current.get_untracked() else {
            return false;
        };
        match key {
            "ArrowRight" | "ArrowDown" | "PageDown" | " " => self.go(index + 1),
            "ArrowLeft" | "ArrowUp" | "PageUp" => self.go(index.saturating_sub(1)),
            "Home" => self.go(0),
            "End" => self.go(SLIDES.len() - 1),
            "Escape" => self.stop(),
            _ => return false,
        }
        true
    }
}

/// The presentation from context.
pub fn use_presentation() -> Presentation {
    expect_context::<Presentation>()
}

/// While presenting: previous, where you are, next, and Exit, fixed at the bottom.
#[component]
pub fn PresentBar() -> impl IntoView {
    let presentation = use_presentation();
    let step = move |delta: isize| {
        if let Some(index) = presentation.current.get_untracked() {
            presentation.go(index.saturating_add_signed(delta));
        }
    };
    view! {
        <Show when=move || presentation.running()>
            <div class="present-bar" data-testid="present-bar">
                <button class="secondary" data-testid="present-prev" on:click=move |_| step(-1)>
                    "← Previous"
                </button>
                <span role="status" aria-live="polite" data-testid="present-position">
                    {move || presentation.position()}
                </span>
                <button class="secondary" data-testid="present-next" on:click=move |_| step(1)>
                    "Next →"
                </button>
                <button data-testid="present-exit" on:click=move |_| presentation.stop()>
                    "Exit (Esc)"
                </button>
            </div>
        </Show>
    }
}

/// Moves focus to the section `id` once it is on screen, so the keyboard and screen readers
/// follow the slide.
fn focus_section(id: &'static str) {
    #[cfg(target_arch = "wasm32")]
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(element) = document()
            .get_element_by_id(id)
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
        {
            if !element.has_attribute("tabindex") {
                let _ = element.set_attribute("tabindex", "-1");
            }
            element.scroll_into_view();
            let _ = element.focus();
        }
    });
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}

fn is_fullscreen() -> bool {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Reflect::get(&document(), &"fullscreenElement".into())
        .is_ok_and(|element| !element.is_null() && !element.is_undefined());
    #[cfg(not(target_arch = "wasm32"))]
    false
}

/// Asks for full screen; a refusal (no user gesture, an iframe without permission) leaves the
/// presentation in the window, which works the same.
fn request_fullscreen() {
    #[cfg(target_arch = "wasm32")]
    if let Some(root) = document().document_element() {
        call_method(&root, "requestFullscreen");
    }
}

fn exit_fullscreen() {
    #[cfg(target_arch = "wasm32")]
    call_method(&document(), "exitFullscreen");
}

/// Calls a no-argument DOM method that web-sys is not built with here, ignoring a refusal
/// (the promise it returns rejects; nothing waits for it).
#[cfg(target_arch = "wasm32")]
fn call_method(target: &wasm_bindgen::JsValue, name: &str) {
    use wasm_bindgen::JsCast;
    if let Ok(method) = js_sys::Reflect::get(target, &name.into())
        && let Ok(method) = method.dyn_into::<js_sys::Function>()
        && let Ok(promise) = method.call0(target)
        && let Ok(promise) = promise.dyn_into::<js_sys::Promise>()
    {
        // A rejected promise nobody handles is logged as an error; this one is expected. The
        // handler is leaked: a few bytes per presentation started.
        let ignore = wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(
            |_: wasm_bindgen::JsValue| {},
        );
        let _ = promise.catch(&ignore);
        ignore.forget();
    }
}
