//! A native modal `<dialog>`: `showModal()` moves focus in and keeps it there (the rest of the
//! page is inert), Escape closes it, and closing gives focus back to the element that opened it.

use leptos::prelude::*;

/// A modal dialog shown while `open` is true. `on_close` runs when the user closes it with
/// Escape (the browser's `cancel`); buttons inside close it by making `open` false.
#[component]
pub fn ModalDialog(
    /// Whether the dialog is shown.
    #[prop(into)]
    open: Signal<bool>,
    /// Called when the dialog closes while `open` is still true (Escape).
    on_close: Callback<()>,
    /// CSS classes besides `dialog`.
    #[prop(optional)]
    class: &'static str,
    /// The `data-testid`.
    testid: &'static str,
    /// The id of the dialog's heading.
    labelledby: &'static str,
    children: Children,
) -> impl IntoView {
    let dialog_ref = NodeRef::<leptos::html::Dialog>::new();
    // The element focused before opening, refocused on close. Chromium restores focus itself,
    // but not when the opener was re-rendered meanwhile; doing it here is the same everywhere.
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |_| {
        let wanted = open.get();
        let Some(dialog) = dialog_ref.get() else {
            return;
        };
        if wanted && !dialog.open() {
            opener.set_value(active_element());
            let _ = dialog.show_modal();
        } else if !wanted && dialog.open() {
            dialog.close();
        }
    });
    let closed = move |_| {
        // `close` is queued as a task: `open` is already false when a button closed the dialog.
        if open.get_untracked() {
            on_close.run(());
        }
        if let Some(element) = opener.get_value()
            && element.is_connected()
        {
            let _ = element.focus();
        }
    };
    view! {
        <dialog
            node_ref=dialog_ref
            class=format!("dialog {class}")
            aria-labelledby=labelledby
            data-testid=testid
            on:close=closed
        >
            {children()}
        </dialog>
    }
}

fn active_element() -> Option<web_sys::HtmlElement> {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        document()
            .active_element()
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
    }
    #[cfg(not(target_arch = "wasm32"))]
    None
}
