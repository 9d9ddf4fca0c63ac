//! Moving keyboard focus to what an action just opened (a rule's offending rows, a course's
//! videos), once the reactive update has put it on the page.

/// Focuses (and scrolls to) the first element matching `selector` on a coming animation frame,
/// trying for a few frames while the panel renders. The target should have `tabindex="-1"`.
pub fn focus_when_shown(selector: &'static str) {
    #[cfg(target_arch = "wasm32")]
    try_focus(selector, 10);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = selector;
}

#[cfg(target_arch = "wasm32")]
fn try_focus(selector: &'static str, frames_left: u8) {
    use wasm_bindgen::JsCast;
    leptos::prelude::request_animation_frame(move || {
        let found = leptos::prelude::document()
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        match found {
            Some(element) => {
                element.scroll_into_view();
                let _ = element.focus();
            }
            None if frames_left > 0 => try_focus(selector, frames_left - 1),
            None => {}
        }
    });
}
